/*
 * llm.c - the model client of llm.h: request bodies per provider and mode, FIM prompts, and the
 * readers of the replies (one JSON object, server-sent events, NDJSON).
 *
 * The transport (time limits, cancellation, retries, size cap, the key) is indexer/http.h's,
 * shared with the embedders. A reply is read by one `reader`: the streaming forms are split
 * into lines as bytes arrive, each line's JSON is reduced to its piece of text, and the piece
 * goes to on_text at once; the end marker ([DONE], "done": true, "stop": true) ends the
 * transfer. The whole-reply form is parsed when complete.
 */
#define _DEFAULT_SOURCE
#include "daemon/llm.h"

#include "indexer/http.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef enum { P_OPENAI, P_OLLAMA, P_LLAMACPP } provider;

/* the shape of a reply, one per endpoint */
typedef enum {
	R_OPENAI_CHAT,       /* /v1/chat/completions */
	R_OPENAI_COMPLETION, /* /v1/completions */
	R_OLLAMA_GENERATE,   /* /api/generate */
	R_OLLAMA_CHAT,       /* /api/chat */
	R_LLAMA,             /* /infill, /completion */
} reply_kind;

typedef struct llm {
	ra_generator g; /* g.impl points back here */
	provider prov;
	char *desc;
	char *base; /* url without trailing '/' (nor /v1 for openai) */
	bool v1;    /* openai: the url ended in /v1 */
	char *model;
	const char *fim_template; /* NULL: native; else a static family template or `custom` */
	char *custom;
	char *setting, *key_setting, *key_env, *timeout_setting;
	char *auth, *secret; /* the key, only here and in curl's header list during a call */
	int timeout_ms, connect_timeout_ms, retries, max_tokens;
	double temperature;
	size_t max_reply;
	bool stream;
	const ra_logger *log;
} llm;

/* ---- FIM prompts -------------------------------------------------------------------------- */

static const struct {
	const char *name, *text;
} templates[] = {
        {"qwen", "<|fim_prefix|>{prefix}<|fim_suffix|>{suffix}<|fim_middle|>"},
        {"codellama", "<PRE> {prefix} <SUF>{suffix} <MID>"},
        {"starcoder", "<fim_prefix>{prefix}<fim_suffix>{suffix}<fim_middle>"},
        /* U+FF5C FULLWIDTH VERTICAL LINE and U+2581 LOWER ONE EIGHTH BLOCK, as DeepSeek-Coder's
         * tokenizer spells them */
        {"deepseek", "<\xef\xbd\x9c"
                     "fim\xe2\x96\x81"
                     "begin\xef\xbd\x9c>{prefix}<\xef\xbd\x9c"
                     "fim\xe2\x96\x81"
                     "hole\xef\xbd\x9c>{suffix}<\xef\xbd\x9c"
                     "fim\xe2\x96\x81"
                     "end\xef\xbd\x9c>"},
        {"codestral", "[SUFFIX]{suffix}[PREFIX]{prefix}"},
};

/* the template's text: NULL for native; RA_EINVAL for an unknown name */
static int template_of(const char *name, const char **out)
{
	*out = NULL;
	if (!name || !*name || strcmp(name, "native") == 0)
		return RA_OK;
	for (size_t i = 0; i < sizeof(templates) / sizeof(templates[0]); i++)
		if (strcmp(name, templates[i].name) == 0) {
			*out = templates[i].text;
			return RA_OK;
		}
	if (strstr(name, "{prefix}") && strstr(name, "{suffix}")) {
		*out = name;
		return RA_OK;
	}
	return ra_error_set(RA_EINVAL,
	                    "FIM template '%.80s': accepted: native, qwen, codellama, starcoder, "
	                    "deepseek, codestral, or a template holding {prefix} and {suffix}",
	                    name);
}

static bool is_vhdl(const char *path)
{
	const char *dot = path ? strrchr(path, '.') : NULL;

	return dot &&
	       (!strcasecmp(dot, ".vhd") || !strcasecmp(dot, ".vhdl") || !strcasecmp(dot, ".vho"));
}

/* the context excerpts as commented files, then the edited file's path line, then the prefix */
static int put_prefix(ra_buf *out, const ra_gen_request *req)
{
	int rc = RA_OK;

	for (size_t i = 0; !rc && i < req->ncontext; i++) {
		const ra_gen_file *f = &req->context[i];
		const char *text = f->text ? f->text : "";
		size_t n = strlen(text);

		rc = ra_buf_printf(out, "%s Path: %s\n", is_vhdl(f->path) ? "--" : "//",
		                   f->path ? f->path : "");
		if (!rc)
			rc = ra_buf_append(out, text, n);
		if (!rc && (n == 0 || text[n - 1] != '\n'))
			rc = ra_buf_putc(out, '\n');
		if (!rc)
			rc = ra_buf_putc(out, '\n');
	}
	if (!rc && req->path && *req->path)
		rc = ra_buf_printf(out, "%s Path: %s\n", is_vhdl(req->path) ? "--" : "//",
		                   req->path);
	if (!rc && req->prefix)
		rc = ra_buf_puts(out, req->prefix);
	return rc;
}

static int fill_template(ra_buf *out, const char *t, const ra_gen_request *req)
{
	int rc = RA_OK;

	while (!rc && *t) {
		if (strncmp(t, "{prefix}", 8) == 0) {
			rc = put_prefix(out, req);
			t += 8;
		} else if (strncmp(t, "{suffix}", 8) == 0) {
			rc = ra_buf_puts(out, req->suffix ? req->suffix : "");
			t += 8;
		} else {
			rc = ra_buf_putc(out, *t++);
		}
	}
	return rc;
}

int ra_llm_fim_prompt(ra_buf *out, const char *template, const ra_gen_request *req)
{
	const char *t;
	int rc = template_of(template, &t);

	if (rc)
		return rc;
	return t ? fill_template(out, t, req) : put_prefix(out, req);
}

/* ---- request bodies ----------------------------------------------------------------------- */

/* a JSON string of s, its invalid UTF-8 bytes replaced by U+FFFD (editors send any bytes) */
static json_t *str_json(const char *s, size_t n)
{
	ra_buf b;
	json_t *j;

	if (!s)
		return json_string("");
	j = json_stringn(s, n);
	if (j)
		return j;
	ra_buf_init(&b, 0);
	ra_http_utf8_clean(&b, s, n); /* on OOM, what was cleaned so far */
	j = json_stringn(b.data ? b.data : "", b.len);
	ra_buf_free(&b);
	return j ? j : json_string("");
}

static json_t *str_j(const char *s)
{
	return str_json(s, s ? strlen(s) : 0);
}

static json_t *stops_json(const ra_gen_request *req, const char *extra)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < req->nstop; i++)
		json_array_append_new(a, str_j(req->stop[i]));
	if (a && extra)
		json_array_append_new(a, json_string(extra));
	return a;
}

static json_t *messages_json(const ra_gen_request *req)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < req->nmessages; i++)
		json_array_append_new(a,
		                      json_pack("{s:o,s:o}", "role", str_j(req->messages[i].role),
		                                "content", str_j(req->messages[i].content)));
	return a;
}

/* the llama.cpp /completion prompt of a conversation */
static int transcript(ra_buf *out, const ra_gen_request *req)
{
	int rc = RA_OK;

	for (size_t i = 0; !rc && i < req->nmessages; i++) {
		const char *role = req->messages[i].role ? req->messages[i].role : "user";
		const char *who = !strcmp(role, "system")      ? "System"
		                  : !strcmp(role, "assistant") ? "Assistant"
		                                               : "User";

		rc = ra_buf_printf(out, "%s: %s\n\n", who,
		                   req->messages[i].content ? req->messages[i].content : "");
	}
	return rc ? rc : ra_buf_puts(out, "Assistant:");
}

/* builds the body and picks the endpoint; *path is static */
static int request_body(const llm *m, const ra_gen_request *req, json_t **out, const char **path,
                        reply_kind *kind)
{
	int max_tokens = req->max_tokens > 0 ? req->max_tokens : m->max_tokens;
	double temp = req->temperature >= 0 ? req->temperature : m->temperature;
	bool fim = req->mode == RA_GEN_FIM;
	json_t *b = json_object(), *opts = NULL;
	ra_buf prompt;
	int rc = RA_OK;

	ra_buf_init(&prompt, 0);
	if (!b)
		return ra_error_oom();
	if (fim && !(m->prov == P_LLAMACPP && !m->fim_template)) {
		rc = m->fim_template ? fill_template(&prompt, m->fim_template, req)
		                     : put_prefix(&prompt, req);
		if (rc)
			goto out;
	} else if (!fim && m->prov == P_LLAMACPP) {
		rc = transcript(&prompt, req);
		if (rc)
			goto out;
	}
	switch (m->prov) {
	case P_OPENAI:
		*path = fim ? (m->v1 ? "/completions" : "/v1/completions")
		            : (m->v1 ? "/chat/completions" : "/v1/chat/completions");
		*kind = fim ? R_OPENAI_COMPLETION : R_OPENAI_CHAT;
		json_object_set_new(b, "model", str_j(m->model));
		if (fim) {
			json_object_set_new(b, "prompt", str_json(prompt.data, prompt.len));
			if (!m->fim_template)
				json_object_set_new(b, "suffix", str_j(req->suffix));
		} else {
			json_object_set_new(b, "messages", messages_json(req));
		}
		json_object_set_new(b, "max_tokens", json_integer(max_tokens));
		json_object_set_new(b, "temperature", json_real(temp));
		if (req->nstop)
			json_object_set_new(b, "stop", stops_json(req, NULL));
		json_object_set_new(b, "stream", json_boolean(m->stream));
		break;
	case P_OLLAMA:
		*path = fim ? "/api/generate" : "/api/chat";
		*kind = fim ? R_OLLAMA_GENERATE : R_OLLAMA_CHAT;
		json_object_set_new(b, "model", str_j(m->model));
		if (fim) {
			json_object_set_new(b, "prompt", str_json(prompt.data, prompt.len));
			if (m->fim_template)
				json_object_set_new(b, "raw", json_true());
			else
				json_object_set_new(b, "suffix", str_j(req->suffix));
		} else {
			json_object_set_new(b, "messages", messages_json(req));
		}
		json_object_set_new(b, "stream", json_boolean(m->stream));
		opts = json_object();
		json_object_set_new(opts, "num_predict", json_integer(max_tokens));
		json_object_set_new(opts, "temperature", json_real(temp));
		if (req->nstop)
			json_object_set_new(opts, "stop", stops_json(req, NULL));
		json_object_set_new(b, "options", opts);
		break;
	case P_LLAMACPP:
		*kind = R_LLAMA;
		if (fim && !m->fim_template) {
			json_t *extra = json_array();

			*path = "/infill";
			json_object_set_new(b, "input_prefix", str_j(req->prefix));
			json_object_set_new(b, "input_suffix", str_j(req->suffix));
			for (size_t i = 0; extra && i < req->ncontext; i++)
				json_array_append_new(extra,
				                      json_pack("{s:o,s:o}", "filename",
				                                str_j(req->context[i].path), "text",
				                                str_j(req->context[i].text)));
			json_object_set_new(b, "input_extra", extra);
		} else {
			*path = "/completion";
			json_object_set_new(b, "prompt", str_json(prompt.data, prompt.len));
		}
		json_object_set_new(b, "n_predict", json_integer(max_tokens));
		json_object_set_new(b, "temperature", json_real(temp));
		if (req->nstop || !fim)
			json_object_set_new(b, "stop", stops_json(req, fim ? NULL : "\nUser:"));
		json_object_set_new(b, "stream", json_boolean(m->stream));
		json_object_set_new(b, "cache_prompt", json_true());
		break;
	}
out:
	ra_buf_free(&prompt);
	if (rc) {
		json_decref(b);
		return rc;
	}
	*out = b;
	return RA_OK;
}

/* ---- replies ------------------------------------------------------------------------------ */

typedef struct reader {
	const llm *m;
	reply_kind kind;
	const char *what;
	bool stream;
	ra_buf buf; /* the partial line (stream) or the whole reply */
	bool done;  /* the end marker was seen */
	bool stopped;
	ra_gen_on_text on_text;
	void *payload;
} reader;

/* a server's error object inside a 200 reply (mid-stream errors) */
static int reply_error(const reader *r, json_t *o)
{
	json_t *e = json_object_get(o, "error");
	const char *msg;

	if (!e)
		return RA_OK;
	if (json_is_object(e))
		e = json_object_get(e, "message");
	msg = json_is_string(e) ? json_string_value(e) : "(no message)";
	return ra_error_set(RA_ERR, "%s: the server reported an error: %.200s", r->what, msg);
}

/* one reply object (a whole reply or a stream's chunk) -> its text; sets r->done at the end */
static int reduce(reader *r, json_t *o, const char **text, size_t *len)
{
	json_t *t = NULL, *c;
	int rc;

	*text = NULL;
	*len = 0;
	if (!json_is_object(o))
		return ra_error_set(RA_EINVAL, "%s: malformed reply: not a JSON object", r->what);
	rc = reply_error(r, o);
	if (rc)
		return rc;
	switch (r->kind) {
	case R_OPENAI_CHAT:
	case R_OPENAI_COMPLETION:
		c = json_object_get(o, "choices");
		if (!json_is_array(c))
			return ra_error_set(RA_EINVAL, "%s: malformed reply: no \"choices\"",
			                    r->what);
		if (json_array_size(c) == 0) /* a usage-only chunk */
			return RA_OK;
		c = json_array_get(c, 0);
		if (r->kind == R_OPENAI_COMPLETION)
			t = json_object_get(c, "text");
		else
			t = json_object_get(json_object_get(c, r->stream ? "delta" : "message"),
			                    "content");
		if (!json_is_object(c) || (t && !json_is_string(t) && !json_is_null(t)) ||
		    (!t && !r->stream))
			return ra_error_set(RA_EINVAL,
			                    "%s: malformed reply: no text in \"choices\"", r->what);
		/* some servers close after the finishing chunk without [DONE] */
		if (json_is_string(json_object_get(c, "finish_reason")))
			r->done = true;
		break;
	case R_OLLAMA_GENERATE:
	case R_OLLAMA_CHAT:
		t = r->kind == R_OLLAMA_GENERATE
		            ? json_object_get(o, "response")
		            : json_object_get(json_object_get(o, "message"), "content");
		if (!json_is_string(t) && !(t == NULL && json_is_true(json_object_get(o, "done"))))
			return ra_error_set(RA_EINVAL, "%s: malformed reply: no %s", r->what,
			                    r->kind == R_OLLAMA_GENERATE
			                            ? "\"response\""
			                            : "\"message\".\"content\"");
		if (json_is_true(json_object_get(o, "done")))
			r->done = true;
		break;
	case R_LLAMA:
		t = json_object_get(o, "content");
		if (!json_is_string(t))
			return ra_error_set(RA_EINVAL, "%s: malformed reply: no \"content\"",
			                    r->what);
		if (json_is_true(json_object_get(o, "stop")))
			r->done = true;
		break;
	}
	if (json_is_string(t)) {
		*text = json_string_value(t);
		*len = json_string_length(t);
	}
	return RA_OK;
}

static int deliver(reader *r, const char *text, size_t len)
{
	if (!len || r->stopped)
		return RA_OK;
	if (r->on_text(text, len, r->payload) != 0)
		r->stopped = true;
	return RA_OK;
}

/* one line of a stream; returns 1 once the stream is over */
static int stream_line(reader *r, char *line, size_t n)
{
	json_error_t err;
	json_t *o;
	const char *text;
	size_t len;
	int rc;

	while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t'))
		n--;
	line[n] = '\0';
	if (r->kind != R_OLLAMA_GENERATE && r->kind != R_OLLAMA_CHAT) {
		/* server-sent events: only data fields carry anything */
		if (strncmp(line, "data:", 5) != 0)
			return RA_OK; /* blank separator, ": comment", event:, id:, retry: */
		line += 5;
		n -= 5;
		if (*line == ' ')
			line++, n--;
		if (strcmp(line, "[DONE]") == 0) {
			r->done = true;
			return 1;
		}
	}
	if (n == 0)
		return RA_OK;
	o = json_loadb(line, n, 0, &err);
	if (!o)
		return ra_error_set(RA_EINVAL, "%s: malformed stream: a line is not JSON (%s)",
		                    r->what, err.text);
	rc = reduce(r, o, &text, &len);
	if (!rc)
		rc = deliver(r, text, len);
	json_decref(o);
	if (rc)
		return rc;
	if (r->kind == R_OPENAI_CHAT || r->kind == R_OPENAI_COMPLETION)
		return r->stopped ? 1 : 0; /* ends at [DONE] */
	return r->done || r->stopped ? 1 : 0;
}

static int on_data(const char *data, size_t len, void *payload)
{
	reader *r = payload;
	size_t start = 0;
	int rc;

	if (!r->stream)
		return ra_buf_append(&r->buf, data, len) == RA_OK ? 0 : ra_error_oom();
	rc = ra_buf_append(&r->buf, data, len);
	if (rc == RA_ETOOBIG)
		return ra_error_set(RA_ETOOBIG, "%s: a stream line over %zu bytes", r->what,
		                    r->buf.max);
	if (rc)
		return rc;
	for (size_t i = 0; i < r->buf.len; i++) {
		if (r->buf.data[i] != '\n')
			continue;
		rc = stream_line(r, r->buf.data + start, i - start);
		start = i + 1;
		if (rc)
			break;
	}
	/* keep the unfinished line */
	memmove(r->buf.data, r->buf.data + start, r->buf.len - start);
	r->buf.len -= start;
	r->buf.data[r->buf.len] = '\0';
	return rc;
}

static int finish_whole(reader *r)
{
	json_error_t err;
	json_t *o = json_loadb(r->buf.data ? r->buf.data : "", r->buf.len, 0, &err);
	const char *text;
	size_t len;
	int rc;

	if (!o)
		return ra_error_set(RA_EINVAL, "%s: malformed reply: not JSON (%s)", r->what,
		                    err.text);
	rc = reduce(r, o, &text, &len);
	if (!rc)
		rc = deliver(r, text, len);
	json_decref(o);
	return rc;
}

/* ---- the generator ------------------------------------------------------------------------ */

static int generate(const ra_generator *g, const ra_gen_request *req, ra_gen_on_text on_text,
                    void *payload, volatile int *cancel)
{
	const llm *m = g->impl;
	json_t *body = NULL;
	const char *path = NULL;
	char *payload_text = NULL, *url = NULL, what[600];
	reply_kind kind = R_LLAMA;
	ra_http_opts ho;
	reader r = {.m = m, .stream = m->stream, .on_text = on_text, .payload = payload};
	int rc;

	if (req->mode == RA_GEN_CHAT && req->nmessages == 0)
		return ra_error_set(RA_EINVAL, "%s: a chat request without messages", m->desc);
	rc = request_body(m, req, &body, &path, &kind);
	if (rc)
		return rc;
	payload_text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	url = ra_malloc(strlen(m->base) + strlen(path) + 1);
	if (!payload_text || !url) {
		rc = ra_error_oom();
		goto out;
	}
	sprintf(url, "%s%s", m->base, path);
	snprintf(what, sizeof(what), "%s model %s", m->setting, url);
	r.kind = kind;
	r.what = what;
	ra_buf_init(&r.buf, m->max_reply);
	ho = (ra_http_opts){
	        .url = url,
	        .what = what,
	        .auth = m->auth,
	        .secret = m->secret,
	        .key_setting = m->key_setting,
	        .key_env = m->key_env,
	        .timeout_setting = m->timeout_setting,
	        .timeout_ms = m->timeout_ms,
	        .connect_timeout_ms = m->connect_timeout_ms,
	        .retries = m->retries,
	        .max_reply = m->max_reply,
	        .log = m->log,
	};
	ra_log(m->log, RA_LOG_DEBUG, "llm: %s request to %s (%zu bytes, %s)",
	       req->mode == RA_GEN_FIM ? "FIM" : "chat", url, strlen(payload_text),
	       m->stream ? "streamed" : "whole");
	rc = ra_http_post(&ho, payload_text, strlen(payload_text), on_data, &r, cancel);
	if (rc)
		goto out;
	if (!r.stream) {
		rc = finish_whole(&r);
	} else if (!r.done && !r.stopped) {
		/* a last line without its newline */
		if (r.buf.len) {
			rc = stream_line(&r, r.buf.data, r.buf.len);
			rc = rc > 0 ? RA_OK : rc;
		}
		if (!rc && !r.done && !r.stopped)
			rc = ra_error_set(RA_ERR, "%s: the stream ended before its end marker",
			                  what);
	}
out:
	ra_buf_free(&r.buf);
	free(payload_text);
	ra_free(url);
	return rc;
}

static const char *describe(const ra_generator *g)
{
	return ((const llm *)g->impl)->desc;
}

void ra_llm_free(ra_generator *g)
{
	llm *m;

	if (!g)
		return;
	m = g->impl;
	if (m->auth)
		memset(m->auth, 0, strlen(m->auth));
	if (m->secret)
		memset(m->secret, 0, strlen(m->secret));
	ra_free(m->auth);
	ra_free(m->secret);
	ra_free(m->desc);
	ra_free(m->base);
	ra_free(m->model);
	ra_free(m->custom);
	ra_free(m->setting);
	ra_free(m->key_setting);
	ra_free(m->timeout_setting);
	ra_free(m->key_env);
	ra_free(m);
}

int ra_llm_open(ra_generator **out, const ra_llm_config *cfg)
{
	const char *p = cfg->provider ? cfg->provider : "";
	const char *set = cfg->setting ? cfg->setting : "model";
	llm *m;
	const char *t;
	size_t n;
	int rc;

	*out = NULL;
	m = ra_calloc(1, sizeof(*m));
	if (!m)
		return RA_ENOMEM;
	m->g.generate = generate;
	m->g.describe = describe;
	m->g.impl = m;
	m->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 30000;
	m->connect_timeout_ms = cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : 5000;
	m->retries = cfg->retries > 0 ? cfg->retries : 0;
	m->max_tokens = cfg->max_tokens > 0 ? cfg->max_tokens : 256;
	m->temperature = cfg->temperature >= 0 ? cfg->temperature : 0.2;
	m->max_reply = cfg->max_reply_bytes ? cfg->max_reply_bytes : 4u << 20;
	m->stream = !cfg->no_stream;
	m->log = cfg->log;
	m->setting = ra_strdup(set);
	if (!m->setting) {
		rc = RA_ENOMEM;
		goto fail;
	}
	if (!strcmp(p, "openai"))
		m->prov = P_OPENAI;
	else if (!strcmp(p, "ollama"))
		m->prov = P_OLLAMA;
	else if (!strcmp(p, "llamacpp"))
		m->prov = P_LLAMACPP;
	else {
		rc = ra_error_set(RA_EINVAL,
		                  "%s.provider '%.60s': accepted: none, openai, ollama, llamacpp",
		                  set, p);
		goto fail;
	}
	if (!cfg->url || (strncmp(cfg->url, "http://", 7) && strncmp(cfg->url, "https://", 8))) {
		rc = ra_error_set(RA_EINVAL,
		                  "%s.url must be set, starting with http:// or https://", set);
		goto fail;
	}
	if (m->prov != P_LLAMACPP && (!cfg->model || !*cfg->model)) {
		rc = ra_error_set(RA_EINVAL, "%s.model is not set (%s needs a model name)", set, p);
		goto fail;
	}
	rc = template_of(cfg->fim_template, &t);
	if (rc) {
		rc = ra_error_set(RA_EINVAL, "%s.fim_template: %s", set, ra_error_last());
		goto fail;
	}
	if (t && t == cfg->fim_template) {
		m->custom = ra_strdup(t);
		if (!m->custom) {
			rc = RA_ENOMEM;
			goto fail;
		}
		t = m->custom;
	}
	m->fim_template = t;
	n = strlen(cfg->url);
	while (n > 0 && cfg->url[n - 1] == '/')
		n--;
	if (m->prov == P_OPENAI && n >= 3 && !memcmp(cfg->url + n - 3, "/v1", 3))
		m->v1 = true;
	m->base = ra_strndup(cfg->url, n);
	m->model = ra_strdup(cfg->model ? cfg->model : "");
	m->key_setting = ra_malloc(strlen(set) + 16);
	m->timeout_setting = ra_malloc(strlen(set) + 16);
	if (!m->base || !m->model || !m->key_setting || !m->timeout_setting) {
		rc = RA_ENOMEM;
		goto fail;
	}
	sprintf(m->key_setting, "%s.api_key_env", set);
	sprintf(m->timeout_setting, "%s.timeout_ms", set);
	n = strlen(p) + strlen(m->model) + strlen(m->base) + 2;
	m->desc = ra_malloc(n);
	if (!m->desc) {
		rc = RA_ENOMEM;
		goto fail;
	}
	snprintf(m->desc, n, "%s/%s", p, *m->model ? m->model : m->base);
	if (cfg->api_key_env && *cfg->api_key_env) {
		const char *key = getenv(cfg->api_key_env);

		m->key_env = ra_strdup(cfg->api_key_env);
		if (!m->key_env) {
			rc = RA_ENOMEM;
			goto fail;
		}
		if (!key || !*key) {
			rc = ra_error_set(RA_EINVAL,
			                  "environment variable %.100s (%s.api_key_env) is not set",
			                  cfg->api_key_env, set);
			goto fail;
		}
		for (const char *k = key; *k; k++)
			if ((unsigned char)*k < 0x20 || *k == 0x7f) {
				rc = ra_error_set(
				        RA_EINVAL,
				        "environment variable %.100s (%s.api_key_env) holds "
				        "control characters",
				        cfg->api_key_env, set);
				goto fail;
			}
		m->secret = ra_strdup(key);
		m->auth = ra_malloc(strlen(key) + 32);
		if (!m->secret || !m->auth) {
			rc = RA_ENOMEM;
			goto fail;
		}
		sprintf(m->auth, "Authorization: Bearer %s", key);
	}
	*out = &m->g;
	return RA_OK;
fail:
	ra_llm_free(&m->g);
	return rc;
}

int ra_llm_from_config(ra_generator **out, const ra_config *c, const char *which,
                       const ra_logger *lg)
{
	ra_llm_config lc = {.setting = which, .log = lg};

	*out = NULL;
	if (!strcmp(which, "complete")) {
		lc.provider = c->complete_provider;
		lc.url = c->complete_url;
		lc.model = c->complete_model;
		lc.api_key_env = c->complete_api_key_env;
		lc.fim_template = c->complete_fim_template;
		lc.timeout_ms = (int)c->complete_timeout_ms;
		lc.connect_timeout_ms = (int)c->complete_connect_timeout_ms;
		lc.retries = (int)c->complete_retries;
		lc.max_tokens = (int)c->complete_max_tokens;
		lc.temperature = c->complete_temperature;
		lc.max_reply_bytes = (size_t)c->complete_max_reply_bytes;
		lc.no_stream = !c->complete_stream;
	} else if (!strcmp(which, "chat")) {
		lc.provider = c->chat_provider;
		lc.url = c->chat_url;
		lc.model = c->chat_model;
		lc.api_key_env = c->chat_api_key_env;
		lc.timeout_ms = (int)c->chat_timeout_ms;
		lc.connect_timeout_ms = (int)c->chat_connect_timeout_ms;
		lc.retries = (int)c->chat_retries;
		lc.max_tokens = (int)c->chat_max_tokens;
		lc.temperature = c->chat_temperature;
		lc.max_reply_bytes = (size_t)c->chat_max_reply_bytes;
		lc.no_stream = !c->chat_stream;
	} else {
		return ra_error_set(RA_EINVAL, "no model settings named '%.40s'", which);
	}
	if (!lc.provider || !strcmp(lc.provider, "none"))
		return RA_OK;
	return ra_llm_open(out, &lc);
}

int ra_llm_ping(const ra_generator *g)
{
	const llm *m = g->impl;
	const char *path = m->prov == P_OPENAI   ? (m->v1 ? "/models" : "/v1/models")
	                   : m->prov == P_OLLAMA ? "/api/tags"
	                                         : "/health";
	char url[2048], what[2200];
	ra_http_opts ho = {.url = url,
	                   .what = what,
	                   .auth = m->auth,
	                   .secret = m->secret,
	                   .connect_timeout_ms = m->connect_timeout_ms,
	                   .log = m->log};

	snprintf(url, sizeof(url), "%s%s", m->base, path);
	snprintf(what, sizeof(what), "%s model %s", m->setting, url);
	return ra_http_get_ok(&ho);
}

void ra_llm_open_session(ra_llm_session *out, const char *workspace, const json_t *settings,
                         const ra_logger *lg)
{
	static const char *const editor_keys[] = {"complete.", "chat.", NULL};
	ra_config *c = NULL;

	memset(out, 0, sizeof(*out));
	if (ra_config_load(&c, workspace, lg) != RA_OK ||
	    ra_config_apply_json(c, settings, editor_keys, "the editor's settings", lg) != RA_OK) {
		ra_log(lg, RA_LOG_WARN, "no language models: %s", ra_error_last());
		ra_config_free(c);
		return;
	}
	out->debounce_ms = (int)c->complete_debounce_ms;
	out->context_tokens = c->complete_context_tokens ? (int)c->complete_context_tokens : -1;
	if (ra_llm_from_config(&out->complete, c, "complete", lg) != RA_OK)
		ra_log(lg, RA_LOG_WARN, "no completion model: %s", ra_error_last());
	if (ra_llm_from_config(&out->chat, c, "chat", lg) != RA_OK)
		ra_log(lg, RA_LOG_WARN, "no chat model: %s", ra_error_last());
	if (out->complete)
		ra_log(lg, RA_LOG_INFO, "completion model: %s",
		       out->complete->describe(out->complete));
	if (out->chat)
		ra_log(lg, RA_LOG_INFO, "chat model: %s", out->chat->describe(out->chat));
	ra_config_free(c);
}

void ra_llm_session_free(ra_llm_session *s)
{
	ra_llm_free(s->complete);
	ra_llm_free(s->chat);
	memset(s, 0, sizeof(*s));
}
