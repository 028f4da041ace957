/*
 * gen_job.c - model requests off the main thread (see lsp_internal.h, lsp_gen_start).
 *
 * A model may take seconds to answer; the main thread must keep answering navigation meanwhile.
 * A handler describes the request (lsp_gen_spec) and returns LSP_DEFERRED; a thread per job
 * waits out the debounce delay, calls the generator, and posts every piece of text and the end
 * back through the server's queue. The main thread streams the pieces to the client (when the
 * request carried a token), keeps the whole text, and at the end lets the handler's `finish`
 * build the reply.
 *
 * Cancellation: `$/cancelRequest` (the reader thread, lsp_gen__cancel_key_locked) or a newer job
 * with the same tag sets the job's flag, which the generator checks while it waits on the
 * network. Jobs live in s->gen_jobs under s->mu; only the main thread frees them.
 */
#define _DEFAULT_SOURCE
#include "lsp/lsp_internal.h"

#include <string.h>
#include <time.h>

#define MAX_JOBS 8
#define MAX_TEXT (1u << 20) /* the whole text kept for `finish` */

struct lsp_gen_job {
	lsp_gen_job *next;
	lsp_server *s;
	const ra_generator *g;
	ra_gen_request req; /* strings in arena */
	ra_arena *arena;
	char key[96];
	json_t *id, *token, *ctx;
	char *tag; /* in arena, or NULL */
	int delay_ms;
	volatile int cancel;
	bool client_cancelled; /* by $/cancelRequest (else superseded or shut down) */
	int (*finish)(lsp_server *s, json_t *ctx, const char *text, size_t len, int code,
	              const char *err, json_t **result, const char **msg);
	ra_buf text; /* main thread */
	int rc;      /* set by the worker before it posts the end */
	char err[512];
	pthread_t thread;
	lsp_item *done_item; /* posted when the worker ends */
};

static const char *dup_or_null(ra_arena *a, const char *s)
{
	return s ? ra_arena_strdup(a, s) : NULL;
}

/* a copy of `in` whose every string lives in `a`; false on OOM */
static bool request_copy(ra_arena *a, ra_gen_request *out, const ra_gen_request *in)
{
	*out = *in;
	out->path = dup_or_null(a, in->path);
	out->prefix = dup_or_null(a, in->prefix);
	out->suffix = dup_or_null(a, in->suffix);
	if ((in->path && !out->path) || (in->prefix && !out->prefix) ||
	    (in->suffix && !out->suffix))
		return false;
	if (in->ncontext) {
		ra_gen_file *f = ra_arena_calloc(a, in->ncontext * sizeof(*f));

		if (!f)
			return false;
		for (size_t i = 0; i < in->ncontext; i++) {
			f[i].path = dup_or_null(a, in->context[i].path);
			f[i].text = dup_or_null(a, in->context[i].text);
			if (!f[i].path || !f[i].text)
				return false;
		}
		out->context = f;
	}
	if (in->nmessages) {
		ra_gen_message *m = ra_arena_calloc(a, in->nmessages * sizeof(*m));

		if (!m)
			return false;
		for (size_t i = 0; i < in->nmessages; i++) {
			m[i].role = dup_or_null(a, in->messages[i].role);
			m[i].content = dup_or_null(a, in->messages[i].content);
			if (!m[i].role || !m[i].content)
				return false;
		}
		out->messages = m;
	}
	if (in->nstop) {
		const char **st = ra_arena_calloc(a, in->nstop * sizeof(*st));

		if (!st)
			return false;
		for (size_t i = 0; i < in->nstop; i++)
			if (!(st[i] = dup_or_null(a, in->stop[i])))
				return false;
		out->stop = st;
	}
	return true;
}

static void job_free(lsp_gen_job *job)
{
	if (!job)
		return;
	json_decref(job->id);
	json_decref(job->token);
	json_decref(job->ctx);
	lsp__item_free(job->done_item);
	ra_buf_free(&job->text);
	ra_arena_free(job->arena);
	ra_free(job);
}

static int on_text(const char *text, size_t len, void *payload)
{
	lsp_gen_job *job = payload;

	if (job->cancel)
		return 1;
	if (len)
		lsp__post_gen_text(job->s, job, text, len);
	return 0;
}

static void *job_main(void *arg)
{
	lsp_gen_job *job = arg;
	lsp_item *it;
	int rc = 0;

	/* the debounce: a job superseded while it waits never reaches the model */
	for (int waited = 0; waited < job->delay_ms && !job->cancel; waited += 10) {
		struct timespec ts = {0, 10 * 1000 * 1000};

		nanosleep(&ts, NULL);
	}
	if (!job->cancel) {
		rc = job->g->generate(job->g, &job->req, on_text, job, &job->cancel);
		if (rc && rc != RA_ECANCELLED)
			snprintf(job->err, sizeof(job->err), "%s", ra_error_last());
	}
	if (job->cancel)
		rc = RA_ECANCELLED;
	job->rc = rc;
	it = job->done_item;
	job->done_item = NULL;
	lsp__post_item(job->s, it);
	return NULL;
}

/* true when the client cancelled request `key` before its job was registered; s->mu held */
static bool cancelled_locked(lsp_server *s, const char *key)
{
	size_t i;
	json_t *v;

	json_array_foreach(s->cancelled, i, v) if (!strcmp(json_string_value(v), key)) return true;
	return false;
}

int lsp_gen_start(lsp_server *s, const lsp_gen_spec *spec, const char **msg)
{
	lsp_gen_job *job;

	if (!spec->g || !spec->req || !spec->finish || (!spec->background && !s->current_id)) {
		json_decref(spec->ctx);
		*msg = "no model is configured";
		return RA_RPC_INVALID_REQUEST;
	}
	job = ra_calloc(1, sizeof(*job));
	if (!job || !(job->arena = ra_arena_new(0)) ||
	    !request_copy(job->arena, &job->req, spec->req) ||
	    (spec->tag && !(job->tag = ra_arena_strdup(job->arena, spec->tag))) ||
	    !(job->done_item = lsp__gen_done_item(job))) {
		job_free(job);
		json_decref(spec->ctx);
		*msg = "out of memory";
		return RA_RPC_INTERNAL_ERROR;
	}
	job->s = s;
	job->g = spec->g;
	job->delay_ms = spec->delay_ms > 0 ? spec->delay_ms : 0;
	job->finish = spec->finish;
	job->ctx = spec->ctx;
	if (!spec->background) {
		job->id = json_incref(s->current_id);
		job->token = spec->progress_token ? json_incref(spec->progress_token) : NULL;
		snprintf(job->key, sizeof(job->key), "%s", s->current_key);
	}
	ra_buf_init(&job->text, MAX_TEXT);

	pthread_mutex_lock(&s->mu);
	if (s->ngen_jobs >= MAX_JOBS) {
		pthread_mutex_unlock(&s->mu);
		job_free(job);
		*msg = "too many model requests in flight";
		return RA_RPC_INTERNAL_ERROR;
	}
	if (job->id && cancelled_locked(s, job->key)) {
		pthread_mutex_unlock(&s->mu);
		job_free(job);
		*msg = "cancelled";
		return RA_RPC_REQUEST_CANCELLED;
	}
	for (lsp_gen_job *o = s->gen_jobs; o && job->tag; o = o->next)
		if (o->tag && !strcmp(o->tag, job->tag))
			o->cancel = 1;
	if (pthread_create(&job->thread, NULL, job_main, job) != 0) {
		pthread_mutex_unlock(&s->mu);
		job_free(job);
		*msg = "cannot start a thread for the model request";
		return RA_RPC_INTERNAL_ERROR;
	}
	job->next = s->gen_jobs;
	s->gen_jobs = job;
	s->ngen_jobs++;
	pthread_mutex_unlock(&s->mu);
	return job->id ? LSP_DEFERRED : 0;
}

void lsp_gen__cancel_key_locked(lsp_server *s, const char *key)
{
	for (lsp_gen_job *job = s->gen_jobs; job; job = job->next)
		if (job->id && !strcmp(job->key, key)) {
			job->cancel = 1;
			job->client_cancelled = true;
		}
}

void lsp_gen__text(lsp_server *s, lsp_gen_job *job, const char *text, size_t len)
{
	bool cancelled;

	pthread_mutex_lock(&s->mu);
	cancelled = job->client_cancelled;
	pthread_mutex_unlock(&s->mu);
	if (cancelled)
		return;
	if (ra_buf_append(&job->text, text, len) != 0)
		job->cancel = 1; /* over the cap: the job ends as cancelled */
	if (job->token) {
		json_t *p = json_pack("{s:O, s:{s:s%}}", "token", job->token, "value", "delta",
		                      text, len);

		if (p) /* NULL for text that is not UTF-8: kept for finish, not streamed */
			lsp_send(s, ra_rpc_notification("$/progress", p));
	}
}

/* unlinks a job from the list; the caller holds s->mu */
static void unlink_locked(lsp_server *s, lsp_gen_job *job)
{
	for (lsp_gen_job **p = &s->gen_jobs; *p; p = &(*p)->next)
		if (*p == job) {
			*p = job->next;
			s->ngen_jobs--;
			return;
		}
}

void lsp_gen__done(lsp_server *s, lsp_gen_job *job)
{
	json_t *result = NULL;
	const char *msg = NULL;
	bool client_cancelled;
	int code;

	pthread_join(job->thread, NULL);
	pthread_mutex_lock(&s->mu);
	unlink_locked(s, job);
	client_cancelled = job->client_cancelled;
	pthread_mutex_unlock(&s->mu);
	if (client_cancelled) {
		lsp_send(s, ra_rpc_error(job->id, RA_RPC_REQUEST_CANCELLED, "cancelled"));
	} else {
		code = job->finish(s, job->ctx, job->text.data ? job->text.data : "", job->text.len,
		                   job->rc, job->rc ? job->err : NULL, &result, &msg);
		if (!job->id) { /* background: finish did what it was for */
			json_decref(result);
			if (code)
				lsp_log(s, RA_LOG_WARN, "%s", msg ? msg : "model request failed");
		} else if (code)
			lsp_send(s,
			         ra_rpc_error(job->id, code, msg ? msg : "model request failed"));
		else
			lsp_send(s, ra_rpc_result(job->id, result));
	}
	job_free(job);
}

void lsp_gen_stop_all(lsp_server *s)
{
	lsp_gen_job *jobs;

	pthread_mutex_lock(&s->mu);
	for (lsp_gen_job *job = s->gen_jobs; job; job = job->next)
		job->cancel = 1;
	jobs = s->gen_jobs;
	s->gen_jobs = NULL;
	s->ngen_jobs = 0;
	pthread_mutex_unlock(&s->mu);
	while (jobs) {
		lsp_gen_job *next = jobs->next;

		pthread_join(jobs->thread, NULL);
		job_free(jobs);
		jobs = next;
	}
}
