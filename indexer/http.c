/*
 * http.c - the JSON POST of http.h over libcurl.
 *
 * Each attempt runs one easy handle inside a multi handle, polled in 50 ms steps, so that
 * *cancel is seen within 50 ms whatever the server does (curl's own progress callback can go
 * a second between calls on an idle connection). The total time limit is a deadline over all
 * attempts: each attempt gets what is left, and a backoff wait that would pass the deadline
 * ends the call with the last error instead. Messages are formatted into a large buffer and
 * the key is replaced there before ra_error_set truncates, so no prefix of a key can leak.
 */
#define _DEFAULT_SOURCE
#include "indexer/http.h"

#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

enum {
	ERR_BODY_MAX = 8 << 10, /* kept of a non-2xx reply, for its message */
	POLL_MS = 50,
	BACKOFF_FIRST_MS = 250,
	BACKOFF_MAX_MS = 8000,
	RETRY_AFTER_MAX_S = 30,
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static const char *name_of(const ra_http_opts *o)
{
	return o->what ? o->what : o->url;
}

/* sets the error message with the secret replaced by "***" */
static int fail(const ra_http_opts *o, int code, const char *fmt, ...) RA_PRINTF(3, 4);
static int fail(const ra_http_opts *o, int code, const char *fmt, ...)
{
	char msg[4096], out[4096];
	size_t n = 0, klen = o->secret ? strlen(o->secret) : 0;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (const char *p = msg; *p && n + 4 < sizeof(out);) {
		if (klen && strncmp(p, o->secret, klen) == 0) {
			memcpy(out + n, "***", 3);
			n += 3;
			p += klen;
		} else {
			out[n++] = *p++;
		}
	}
	out[n] = '\0';
	return ra_error_set(code, "%s", out);
}

typedef struct xfer {
	const ra_http_opts *o;
	CURL *h;
	ra_http_on_data fn;
	void *payload;
	long status;
	ra_buf err; /* body of a non-2xx reply, at most ERR_BODY_MAX */
	size_t total;
	bool delivered;
	bool stopped; /* on_data ended the transfer */
	int cb_rc;    /* a failure seen in the write callback */
} xfer;

static size_t on_write(char *data, size_t size, size_t nmemb, void *arg)
{
	xfer *x = arg;
	size_t n = size * nmemb;
	int rc;

	if (x->status == 0)
		curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &x->status);
	if (x->status < 200 || x->status >= 300) {
		size_t room = ERR_BODY_MAX - x->err.len;

		if (ra_buf_append(&x->err, data, n < room ? n : room) != RA_OK)
			return 0;
		return n;
	}
	x->total += n;
	if (x->total > x->o->max_reply) {
		x->cb_rc = fail(x->o, RA_ETOOBIG, "%s: reply over %zu bytes", name_of(x->o),
		                x->o->max_reply);
		return 0;
	}
	x->delivered = true;
	rc = x->fn(data, n, x->payload);
	if (rc == 0)
		return n;
	if (rc > 0)
		x->stopped = true;
	else
		x->cb_rc = rc;
	return 0;
}

static bool cancelled(volatile int *cancel)
{
	return cancel && *cancel;
}

/* sleeps ms milliseconds in short steps; false when cancelled meanwhile */
static bool pause_ms(long ms, volatile int *cancel)
{
	while (ms > 0) {
		long step = ms < POLL_MS ? ms : POLL_MS;
		struct timespec ts = {0, step * 1000000L};

		if (cancelled(cancel))
			return false;
		nanosleep(&ts, NULL);
		ms -= step;
	}
	return !cancelled(cancel);
}

/* the server's own error message: JSON {"error": "..."} or {"error": {"message": "..."}},
 * else the first line of the body, printable bytes only */
static const char *error_text(char *buf, size_t cap, const ra_buf *b)
{
	json_t *root = b->len ? json_loadb(b->data, b->len, 0, NULL) : NULL;
	json_t *e = root ? json_object_get(root, "error") : NULL;
	const char *s = NULL;
	size_t n = 0;

	if (json_is_object(e))
		e = json_object_get(e, "message");
	if (json_is_string(e))
		s = json_string_value(e);
	if (!s && json_is_object(root) && json_is_string(json_object_get(root, "message")))
		s = json_string_value(json_object_get(root, "message"));
	if (!s)
		s = b->data ? b->data : "";
	for (; *s && n + 1 < cap && n < 200; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\n' || c == '\r')
			break;
		buf[n++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	buf[n] = '\0';
	json_decref(root);
	if (!n)
		snprintf(buf, cap, "(no message)");
	return buf;
}

static bool retryable(CURLcode cc)
{
	return cc != CURLE_URL_MALFORMAT && cc != CURLE_UNSUPPORTED_PROTOCOL &&
	       cc != CURLE_OUT_OF_MEMORY && cc != CURLE_SSL_CACERT_BADFILE &&
	       cc != CURLE_PEER_FAILED_VERIFICATION;
}

/* runs one attempt to its end or to cancellation; *aborted when cancelled */
static CURLcode run(CURL *h, volatile int *cancel, bool *aborted)
{
	CURLM *m = curl_multi_init();
	CURLcode cc = CURLE_OK;
	int running = 1;

	*aborted = false;
	if (!m)
		return CURLE_OUT_OF_MEMORY;
	if (curl_multi_add_handle(m, h) != CURLM_OK) {
		curl_multi_cleanup(m);
		return CURLE_OUT_OF_MEMORY;
	}
	for (;;) {
		CURLMcode mc = curl_multi_perform(m, &running);

		if (mc != CURLM_OK) {
			cc = CURLE_OUT_OF_MEMORY;
			break;
		}
		if (!running) {
			int left;
			CURLMsg *msg;

			while ((msg = curl_multi_info_read(m, &left)))
				if (msg->msg == CURLMSG_DONE)
					cc = msg->data.result;
			break;
		}
		if (cancelled(cancel)) {
			*aborted = true;
			break;
		}
		if (curl_multi_poll(m, NULL, 0, POLL_MS, NULL) != CURLM_OK) {
			cc = CURLE_OUT_OF_MEMORY;
			break;
		}
	}
	curl_multi_remove_handle(m, h);
	curl_multi_cleanup(m);
	return cc;
}

static int setup(CURL *h, const ra_http_opts *o, struct curl_slist *hdrs, long timeout_ms)
{
	long ct = o->connect_timeout_ms > 0 ? o->connect_timeout_ms : 5000;

	if (ct > timeout_ms)
		ct = timeout_ms;
	curl_easy_setopt(h, CURLOPT_URL, o->url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, ct);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_USERAGENT, "rtlassist/" RA_VERSION);
	/* a stream's pieces must not wait for a full buffer */
	curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
	return RA_OK;
}

static struct curl_slist *headers(const ra_http_opts *o, bool json)
{
	struct curl_slist *l = NULL, *t;

	if (json) {
		l = curl_slist_append(NULL, "Content-Type: application/json");
		if (!l)
			return NULL;
	}
	t = curl_slist_append(l, "Expect:"); /* no 100-continue round trip */
	if (!t)
		goto fail;
	l = t;
	if (o->auth) {
		t = curl_slist_append(l, o->auth);
		if (!t)
			goto fail;
		l = t;
	}
	return l;
fail:
	curl_slist_free_all(l);
	return NULL;
}

int ra_http_post(const ra_http_opts *o, const char *body, size_t len, ra_http_on_data on_data,
                 void *payload, volatile int *cancel)
{
	double deadline = ra_now() + (o->timeout_ms > 0 ? o->timeout_ms : 30000) / 1000.0;
	struct curl_slist *hdrs = NULL;
	long backoff = BACKOFF_FIRST_MS;
	CURL *h = NULL;
	int rc = RA_ERR;
	xfer x = {.o = o, .fn = on_data, .payload = payload};

	ra_buf_init(&x.err, ERR_BODY_MAX + 1);
	pthread_once(&curl_once, curl_init);
	if (curl_init_rc != CURLE_OK) {
		rc = ra_error_set(RA_ERR, "libcurl: %s", curl_easy_strerror(curl_init_rc));
		goto out;
	}
	h = curl_easy_init();
	hdrs = headers(o, true);
	if (!h || !hdrs) {
		rc = ra_error_oom();
		goto out;
	}
	for (int attempt = 0;; attempt++) {
		long left = (long)((deadline - ra_now()) * 1000), wait = backoff;
		curl_off_t retry_after = 0;
		double t0 = ra_now();
		bool aborted, retry = false;
		char text[256];
		CURLcode cc;

		if (cancelled(cancel)) {
			rc = fail(o, RA_ECANCELLED, "%s: cancelled", name_of(o));
			goto out;
		}
		if (left <= 0) {
			if (attempt == 0)
				rc = fail(o, RA_ERR, "%s: no time left", name_of(o));
			goto out; /* the last attempt's error stands */
		}
		x.status = 0;
		x.cb_rc = 0;
		ra_buf_reset(&x.err);
		curl_easy_reset(h);
		setup(h, o, hdrs, left);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
		curl_easy_setopt(h, CURLOPT_WRITEDATA, &x);
		x.h = h;
		cc = run(h, cancel, &aborted);
		if (x.status == 0)
			curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &x.status);
		ra_log(o->log, RA_LOG_DEBUG, "http: POST %s: %s %ld, %.0f ms", o->url,
		       aborted          ? "cancelled"
		       : cc == CURLE_OK ? "HTTP"
		                        : curl_easy_strerror(cc),
		       x.status, (ra_now() - t0) * 1000);
		if (aborted) {
			rc = fail(o, RA_ECANCELLED, "%s: cancelled", name_of(o));
			goto out;
		}
		if (x.cb_rc) {
			rc = x.cb_rc; /* its message is set */
			goto out;
		}
		if (x.stopped) {
			rc = RA_OK;
			goto out;
		}
		if (cc != CURLE_OK && x.delivered) {
			rc = fail(o, RA_ERR, "%s: the reply was cut short: %s", name_of(o),
			          cc == CURLE_OPERATION_TIMEDOUT ? "time limit reached"
			                                         : curl_easy_strerror(cc));
			goto out;
		}
		if (cc != CURLE_OK && (x.status < 200 || x.status >= 300) && x.status != 0 &&
		    x.err.len) {
			cc = CURLE_OK; /* an error reply that ended badly: judge it by its status */
		}
		if (cc != CURLE_OK) {
			if (cc == CURLE_OPERATION_TIMEDOUT)
				rc = fail(o, RA_ERR, "%s: no reply within %d ms%s%s%s", name_of(o),
				          o->timeout_ms > 0 ? o->timeout_ms : 30000,
				          o->timeout_setting ? " (" : "",
				          o->timeout_setting ? o->timeout_setting : "",
				          o->timeout_setting ? ")" : "");
			else
				rc = fail(o, RA_ERR, "%s: %s", name_of(o), curl_easy_strerror(cc));
			retry = retryable(cc);
		} else if (x.status >= 200 && x.status < 300) {
			rc = RA_OK;
			goto out;
		} else if (x.status == 401 || x.status == 403) {
			rc = fail(o, RA_ERR,
			          "%s: HTTP %ld: the server refused the credentials (%s)%s%s",
			          name_of(o), x.status, error_text(text, sizeof(text), &x.err),
			          o->key_env       ? "; check $"
			          : o->key_setting ? "; set "
			                           : "",
			          o->key_env       ? o->key_env
			          : o->key_setting ? o->key_setting
			                           : "");
			goto out;
		} else if (x.status == 429 || x.status >= 500) {
			curl_easy_getinfo(h, CURLINFO_RETRY_AFTER, &retry_after);
			rc = fail(o, RA_ERR, "%s: HTTP %ld: %s", name_of(o), x.status,
			          error_text(text, sizeof(text), &x.err));
			retry = true;
			if (retry_after > 0)
				wait = retry_after > RETRY_AFTER_MAX_S ? RETRY_AFTER_MAX_S * 1000L
				                                       : (long)retry_after * 1000;
		} else {
			rc = fail(o, RA_ERR, "%s: HTTP %ld: %s", name_of(o), x.status,
			          error_text(text, sizeof(text), &x.err));
			goto out;
		}
		if (!retry || attempt >= o->retries)
			goto out;
		left = (long)((deadline - ra_now()) * 1000);
		if (wait >= left)
			goto out;
		ra_log(o->log, RA_LOG_INFO, "%s; retrying in %ld ms", ra_error_last(), wait);
		if (!pause_ms(wait, cancel)) {
			rc = fail(o, RA_ECANCELLED, "%s: cancelled", name_of(o));
			goto out;
		}
		backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
	}
out:
	if (h)
		curl_easy_cleanup(h);
	curl_slist_free_all(hdrs);
	ra_buf_free(&x.err);
	return rc;
}

static size_t discard(char *data, size_t size, size_t nmemb, void *arg)
{
	(void)data;
	(void)arg;
	return size * nmemb;
}

int ra_http_get_ok(const ra_http_opts *o)
{
	long ct = o->connect_timeout_ms > 0 ? o->connect_timeout_ms : 5000, status = 0;
	struct curl_slist *hdrs;
	CURL *h;
	CURLcode cc;
	int rc;

	pthread_once(&curl_once, curl_init);
	if (curl_init_rc != CURLE_OK)
		return ra_error_set(RA_ERR, "libcurl: %s", curl_easy_strerror(curl_init_rc));
	h = curl_easy_init();
	hdrs = headers(o, false);
	if (!h || !hdrs) {
		curl_slist_free_all(hdrs);
		if (h)
			curl_easy_cleanup(h);
		return ra_error_oom();
	}
	setup(h, o, hdrs, ct);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
	cc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (cc != CURLE_OK)
		rc = fail(o, RA_ERR, "%s: %s", name_of(o), curl_easy_strerror(cc));
	else if (status < 200 || status >= 300)
		rc = fail(o, RA_ERR, "%s: HTTP %ld", name_of(o), status);
	else
		rc = RA_OK;
	curl_easy_cleanup(h);
	curl_slist_free_all(hdrs);
	return rc;
}

int ra_http_utf8_clean(ra_buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	int rc = RA_OK;

	while (!rc && i < n) {
		unsigned char c = p[i];
		size_t len = c < 0x80         ? 1
		             : (c >> 5) == 6  ? 2
		             : (c >> 4) == 14 ? 3
		             : (c >> 3) == 30 ? 4
		                              : 0;
		bool ok = len > 0 && i + len <= n && c != 0;

		for (size_t k = 1; ok && k < len; k++)
			ok = (p[i + k] & 0xc0) == 0x80;
		/* overlong forms and surrogates */
		if (ok && len == 2 && c < 0xc2)
			ok = false;
		if (ok && len == 3 &&
		    ((c == 0xe0 && p[i + 1] < 0xa0) || (c == 0xed && p[i + 1] >= 0xa0)))
			ok = false;
		if (ok && len == 4 &&
		    ((c == 0xf0 && p[i + 1] < 0x90) || c > 0xf4 || (c == 0xf4 && p[i + 1] >= 0x90)))
			ok = false;
		if (ok) {
			rc = ra_buf_append(b, p + i, len);
			i += len;
		} else {
			rc = ra_buf_append(b, "\xef\xbf\xbd", 3);
			i++;
		}
	}
	return rc;
}
