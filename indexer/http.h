/*
 * http.h - one JSON POST to a model server (embedders, language models), with everything such a
 * call needs: a total time limit and a connect limit, cancellation looked at every 50 ms,
 * retries with exponential backoff on HTTP 429 (honouring Retry-After) and 5xx and on
 * connection failures, a cap on the reply's size, the reply's body handed over as it arrives
 * (for streams), and an API key that never reaches a log line or an error message.
 *
 * It lives in indexer/ because the embedders are its lowest user; daemon/llm.c uses it too.
 *
 * Thread-safety: every call has its own connection; calls may run on several threads at once.
 */
#ifndef RA_HTTP_H
#define RA_HTTP_H

#include "base/base.h"

typedef struct ra_http_opts {
	const char *url;
	const char *what;        /* names the server in messages ("chat model"); NULL: the url */
	const char *auth;        /* "Authorization: Bearer KEY" or NULL; never logged */
	const char *secret;      /* the key itself: replaced by "***" in any message; or NULL */
	const char *key_setting; /* "chat.api_key_env", for the 401/403 message; or NULL */
	const char *key_env;     /* the variable it names, or NULL */
	const char *timeout_setting; /* "chat.timeout_ms", named when the time is up; or NULL */
	int timeout_ms;              /* total, over all attempts and waits */
	int connect_timeout_ms;      /* per attempt */
	int retries;                 /* after the first attempt */
	size_t max_reply;            /* cap of one reply's body */
	const ra_logger *log;
} ra_http_opts;

/*
 * Receives a successful (2xx) reply's body as it arrives. Returns 0 to go on, 1 to end the
 * transfer early (not an error), or a negative code (with ra_error_set) to fail with it.
 */
typedef int (*ra_http_on_data)(const char *data, size_t len, void *payload);

/*
 * POSTs `body` (JSON) and streams the 2xx reply to on_data. Retries (429, 5xx, no connection,
 * timeout before any byte) happen only while on_data has not been called. Returns 0 when the
 * reply ended (or on_data ended it), RA_ECANCELLED when *cancel became set (cancel may be
 * NULL), RA_ETOOBIG for a reply over max_reply, the code on_data returned, RA_ERR for the rest
 * (HTTP 4xx/5xx with the server's own error message, no connection, a time limit, a transfer
 * cut short), each with a one-line message naming `what`.
 */
int ra_http_post(const ra_http_opts *o, const char *body, size_t len, ra_http_on_data on_data,
                 void *payload, volatile int *cancel);

/* Appends s[0..n) to b as valid UTF-8 for a JSON body: a byte that does not start a valid
 * sequence (overlong forms, surrogates and NUL included) becomes U+FFFD. Editors and files
 * send any bytes; JSON needs UTF-8. Returns 0 or RA_ENOMEM / RA_ETOOBIG (b's cap). */
int ra_http_utf8_clean(ra_buf *b, const char *s, size_t n);

/* GETs url with the connect limit as the whole limit; 0 for a 2xx reply, else RA_ERR. */
int ra_http_get_ok(const ra_http_opts *o);

#endif /* RA_HTTP_H */
