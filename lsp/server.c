/*
 * server.c - the Language Server's loop (see server.h): the reader thread, the queue, the index
 * worker, the lifecycle (initialize / shutdown / exit), open documents, and the dispatch table.
 *
 * Only the main thread writes to the output fd, touches documents or uses the read connection.
 * The reader and the index worker hand it items through one mutex-guarded queue.
 */
#define _DEFAULT_SOURCE
#include "indexer/embed.h"
#include "indexer/graph.h"
#include "indexer/vhdl.h"
#include "lsp/frame.h"
#include "lsp/lsp_internal.h"
#include "retriever/search.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef enum {
	IT_MSG,          /* a client message */
	IT_BAD_FRAME,    /* a frame that could not be read (text says why) */
	IT_EOF,          /* end of input */
	IT_INDEX_BEGIN,  /* the worker started a full run */
	IT_INDEX_REPORT, /* done/total of that run */
	IT_INDEXED,      /* the worker finished a run (rc, text) */
	IT_GEN_TEXT,     /* a model job's piece of text (job, dyn) */
	IT_GEN_DONE      /* a model job ended (job) */
} item_kind;

struct lsp_item {
	lsp_item *next;
	item_kind kind;
	ra_rpc_msg msg;
	bool cancelled;
	bool full; /* index items: a full run (not a save) */
	char key[96];
	size_t done, total;
	int rc;
	char text[256];
	lsp_gen_job *job;
	char *dyn; /* IT_GEN_TEXT */
	size_t dynlen;
};

#define MAX_CANCELLED 256
#define PROGRESS_INTERVAL 0.2

static void queue_push_locked(lsp_server *s, lsp_item *it)
{
	it->next = NULL;
	if (s->tail)
		s->tail->next = it;
	else
		s->head = it;
	s->tail = it;
}

static void queue_post(lsp_server *s, lsp_item *it)
{
	pthread_mutex_lock(&s->mu);
	queue_push_locked(s, it);
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

static void item_free(lsp_item *it)
{
	if (!it)
		return;
	ra_rpc_msg_clear(&it->msg);
	ra_free(it->dyn);
	ra_free(it);
}

/* marks a request cancelled wherever it is: in `list`, in the queue, or running */
static void cancel_locked(lsp_server *s, lsp_item *list, const char *key)
{
	for (lsp_item *it = list; it; it = it->next)
		if (it->kind == IT_MSG && !strcmp(it->key, key))
			it->cancelled = true;
	for (lsp_item *it = s->head; it; it = it->next)
		if (it->kind == IT_MSG && !strcmp(it->key, key))
			it->cancelled = true;
	lsp_gen__cancel_key_locked(s, key);
	if (json_array_size(s->cancelled) >= MAX_CANCELLED)
		json_array_remove(s->cancelled, 0);
	json_array_append_new(s->cancelled, json_string(key));
}

bool lsp_is_cancelled(lsp_server *s)
{
	bool hit = false;
	size_t i;
	json_t *v;

	if (!s->current_key[0])
		return false;
	pthread_mutex_lock(&s->mu);
	json_array_foreach(s->cancelled, i, v) if (!strcmp(json_string_value(v), s->current_key))
	{
		hit = true;
		break;
	}
	pthread_mutex_unlock(&s->mu);
	return hit;
}

void lsp__post_gen_text(lsp_server *s, lsp_gen_job *job, const char *text, size_t len)
{
	lsp_item *it = ra_calloc(1, sizeof(*it));

	if (it && !(it->dyn = ra_malloc(len + 1))) {
		ra_free(it);
		it = NULL;
	}
	if (!it)
		return; /* a piece lost to OOM: the client sees less streamed text, no more */
	it->kind = IT_GEN_TEXT;
	it->job = job;
	memcpy(it->dyn, text, len);
	it->dyn[len] = '\0';
	it->dynlen = len;
	queue_post(s, it);
}

lsp_item *lsp__gen_done_item(lsp_gen_job *job)
{
	lsp_item *it = ra_calloc(1, sizeof(*it));

	if (it) {
		it->kind = IT_GEN_DONE;
		it->job = job;
	}
	return it;
}

void lsp__post_item(lsp_server *s, lsp_item *it)
{
	queue_post(s, it);
}

void lsp__item_free(lsp_item *it)
{
	item_free(it);
}

/* ---- the reader thread -------------------------------------------------------------------- */

static void *reader_main(void *arg)
{
	lsp_server *s = arg;
	ra_frame_reader r;
	ra_buf body;
	bool end = false;

	ra_frame_reader_init(&r, s->opts.in_fd, s->opts.max_frame);
	r.stop_fd = s->wake[0];
	ra_buf_init(&body, 0);
	if (s->opts.nprefix && ra_frame_unread(&r, s->opts.prefix, s->opts.nprefix) != RA_OK)
		end = true;
	while (!end) {
		lsp_item *batch = NULL, *last = NULL;

		/* every frame already buffered is read before publishing, so that a cancel that
		   arrived with its request applies before the request is handled */
		do {
			lsp_item *it;
			int rc = ra_frame_read(&r, &body);

			if (rc == RA_ENOTFOUND || rc == RA_ERR || rc == RA_ENOMEM ||
			    rc == RA_ECANCELLED) {
				if (rc == RA_ERR || rc == RA_ENOMEM)
					lsp_log(s, RA_LOG_ERROR, "input: %s", ra_error_last());
				end = true;
				break;
			}
			it = ra_calloc(1, sizeof(*it));
			if (!it) {
				end = true;
				break;
			}
			if (rc) {
				it->kind = IT_BAD_FRAME;
				it->rc = rc;
				snprintf(it->text, sizeof(it->text), "%s", ra_error_last());
			} else {
				it->kind = IT_MSG;
				ra_rpc_parse(&it->msg, body.data, body.len);
				if (it->msg.kind == RA_RPC_INVALID &&
				    it->msg.code == RA_RPC_PARSE_ERROR) {
					/* a header inside a body that is not JSON: the declared length
					   was too long and swallowed the next frame; read it again */
					long at = ra_frame_find_header(body.data, body.len);

					if (at > 0)
						ra_frame_unread(&r, body.data + at,
						                body.len - (size_t)at);
				}
				if (it->msg.kind == RA_RPC_NOTIFICATION &&
				    !strcmp(it->msg.method, "$/cancelRequest")) {
					char key[96];
					json_t *id = json_object_get(it->msg.params, "id");

					if (ra_rpc_id_key(key, sizeof(key), id)) {
						pthread_mutex_lock(&s->mu);
						cancel_locked(s, batch, key);
						pthread_mutex_unlock(&s->mu);
					}
					item_free(it);
					continue;
				}
				if (it->msg.id)
					ra_rpc_id_key(it->key, sizeof(it->key), it->msg.id);
			}
			if (last)
				last->next = it;
			else
				batch = it;
			last = it;
		} while (ra_frame_buffered(&r));
		pthread_mutex_lock(&s->mu);
		while (batch) {
			lsp_item *next = batch->next;

			queue_push_locked(s, batch);
			batch = next;
		}
		if (end) {
			lsp_item *e = ra_calloc(1, sizeof(*e));

			if (e) {
				e->kind = IT_EOF;
				queue_push_locked(s, e);
			}
		}
		pthread_cond_signal(&s->cv);
		pthread_mutex_unlock(&s->mu);
	}
	ra_buf_free(&body);
	ra_frame_reader_free(&r);
	return NULL;
}

/* ---- the index worker --------------------------------------------------------------------- */

typedef struct progress_state {
	lsp_server *s;
	double last;
} progress_state;

static void on_progress(const ra_index_progress *p, void *payload)
{
	progress_state *ps = payload;
	lsp_item *it;

	if (p->done != p->total && p->elapsed - ps->last < PROGRESS_INTERVAL)
		return;
	ps->last = p->elapsed;
	it = ra_calloc(1, sizeof(*it));
	if (!it)
		return;
	it->kind = IT_INDEX_REPORT;
	it->done = p->done;
	it->total = p->total;
	queue_post(ps->s, it);
}

static void post_index_item(lsp_server *s, item_kind kind, bool full, int rc, const char *text)
{
	lsp_item *it = ra_calloc(1, sizeof(*it));

	if (!it)
		return;
	it->kind = kind;
	it->full = full;
	it->rc = rc;
	snprintf(it->text, sizeof(it->text), "%s", text ? text : "");
	queue_post(s, it);
}

static void *indexer_main(void *arg)
{
	lsp_server *s = arg;
	ra_store *w = NULL;
	int rc = ra_store_open(&w, s->ws.db_path, false);

	if (rc) {
		post_index_item(s, IT_INDEXED, true, rc, ra_error_last());
		return NULL;
	}
	for (;;) {
		json_t *job;
		const char **paths = NULL;
		size_t npaths;
		ra_index_opts o = s->ws.index;
		ra_index_summary sum;
		progress_state ps = {s, -1};
		char text[256];

		pthread_mutex_lock(&s->mu);
		while (!s->stop && !json_array_size(s->jobs))
			pthread_cond_wait(&s->jobs_cv, &s->mu);
		if (s->stop) {
			pthread_mutex_unlock(&s->mu);
			break;
		}
		job = json_incref(json_array_get(s->jobs, 0));
		json_array_remove(s->jobs, 0);
		pthread_mutex_unlock(&s->mu);

		npaths = json_array_size(job);
		if (npaths) {
			paths = ra_calloc(npaths, sizeof(*paths));
			for (size_t i = 0; paths && i < npaths; i++)
				paths[i] = json_string_value(json_array_get(job, i));
		} else {
			post_index_item(s, IT_INDEX_BEGIN, true, 0, NULL);
		}
		o.store = w;
		o.progress = npaths ? NULL : on_progress;
		o.payload = &ps;
		o.cancel = &s->cancel_index;
		o.paths = paths;
		o.npaths = paths ? npaths : 0;
		rc = (npaths && !paths) ? RA_ENOMEM : ra_index_run(&o, &sum);
		if (rc)
			snprintf(text, sizeof(text), "%s", ra_error_last());
		else
			snprintf(text, sizeof(text),
			         "indexed %zu files (%zu parsed) in %.2f s: %lld units, %lld "
			         "symbols",
			         sum.files, sum.parsed, sum.seconds, (long long)sum.units,
			         (long long)sum.symbols);
		post_index_item(s, IT_INDEXED, !npaths, rc, text);
		ra_free(paths);
		json_decref(job);
	}
	ra_store_close(w);
	return NULL;
}

/* queues an indexing job: an empty list is the whole workspace */
static void index_request(lsp_server *s, json_t *paths)
{
	if (s->opts.index_submit) {
		size_t n = json_array_size(paths);
		const char **list = ra_calloc(n + 1, sizeof(*list));

		for (size_t i = 0; list && i < n; i++)
			list[i] = json_string_value(json_array_get(paths, i));
		if (list && n && s->opts.index_submit(list, n, s->opts.payload) != RA_OK)
			lsp_log(s, RA_LOG_WARN, "re-indexing refused: %s", ra_error_last());
		ra_free(list);
		json_decref(paths);
		return;
	}
	if (!s->indexer_started) {
		json_decref(paths);
		return;
	}
	pthread_mutex_lock(&s->mu);
	json_array_append_new(s->jobs, paths);
	pthread_cond_signal(&s->jobs_cv);
	pthread_mutex_unlock(&s->mu);
}

/* ---- output and logging ------------------------------------------------------------------- */

int lsp_send(lsp_server *s, json_t *msg)
{
	char *text;
	int rc;

	if (!msg)
		return RA_ENOMEM;
	text = json_dumps(msg, JSON_COMPACT);
	json_decref(msg);
	if (!text)
		return RA_ENOMEM;
	rc = ra_frame_write(s->opts.out_fd, text, strlen(text));
	free(text);
	return rc;
}

void lsp_result_text(lsp_server *s, ra_buf *json)
{
	ra_buf_free(&s->result_text);
	s->result_text = *json;
	ra_buf_init(json, json->max);
}

/* ---- JSON text for lsp_result_text (the values; the strings are json_text.c's) --------- */

void lsp_cols_of(lsp_server *s, const char *rel, lsp_cols *out)
{
	memset(out, 0, sizeof(*out));
	if (s->utf16 && rel && !lsp_file_ascii(s, rel))
		out->text = lsp_file_text(s, rel, &out->len, &out->lines);
}

uint32_t lsp_col(const lsp_cols *c, uint32_t line, uint32_t bcol)
{
	return c->text ? ra_lines_col(c->lines, c->text, c->len, line, bcol, true) : bcol;
}

int lsp_put_range(ra_buf *b, const lsp_cols *c, ra_span sp)
{
	int rc = ra_buf_puts(b, "{\"start\":{\"line\":");

	rc = rc ? rc : lsp_put_u32(b, sp.line);
	rc = rc ? rc : ra_buf_puts(b, ",\"character\":");
	rc = rc ? rc : lsp_put_u32(b, lsp_col(c, sp.line, sp.col));
	rc = rc ? rc : ra_buf_puts(b, "},\"end\":{\"line\":");
	rc = rc ? rc : lsp_put_u32(b, sp.end_line);
	rc = rc ? rc : ra_buf_puts(b, ",\"character\":");
	rc = rc ? rc : lsp_put_u32(b, lsp_col(c, sp.end_line, sp.end_col));
	return rc ? rc : ra_buf_puts(b, "}}");
}

const lsp_cols *lsp_locw_cols(lsp_server *s, lsp_locw *w, const char *rel)
{
	if (!w->rel || strcmp(w->rel, rel) != 0) {
		w->rel = ra_arena_strdup(s->arena, rel);
		w->uri = lsp_rel_uri(s, rel);
		if (!w->rel || !w->uri) {
			w->rel = NULL;
			return NULL;
		}
		lsp_cols_of(s, rel, &w->cols);
	}
	return &w->cols;
}

int lsp_put_location(lsp_server *s, lsp_locw *w, ra_buf *b, const char *rel, ra_span sp)
{
	int rc;

	if (!lsp_locw_cols(s, w, rel))
		return RA_ENOMEM;
	/* the URI is percent-encoded down to characters JSON needs no escape for */
	rc = ra_buf_puts(b, "{\"uri\":\"");
	rc = rc ? rc : ra_buf_puts(b, w->uri);
	rc = rc ? rc : ra_buf_puts(b, "\",\"range\":");
	rc = rc ? rc : lsp_put_range(b, &w->cols, sp);
	return rc ? rc : ra_buf_putc(b, '}');
}

/* the reply to request `id` whose result is s->result_text, written without copying it */
static int send_result_text(lsp_server *s, json_t *id)
{
	char *idtext = json_dumps(id, JSON_ENCODE_ANY | JSON_COMPACT);
	char head[64];
	ra_buf pre;
	int nh, rc = RA_ENOMEM;

	ra_buf_init(&pre, 0);
	if (!idtext || ra_buf_puts(&pre, "{\"jsonrpc\":\"2.0\",\"id\":") ||
	    ra_buf_puts(&pre, idtext) || ra_buf_puts(&pre, ",\"result\":"))
		goto out;
	nh = snprintf(head, sizeof(head), "Content-Length: %zu\r\n\r\n",
	              pre.len + s->result_text.len + 1);
	rc = ra_write_all(s->opts.out_fd, head, (size_t)nh);
	rc = rc ? rc : ra_write_all(s->opts.out_fd, pre.data, pre.len);
	rc = rc ? rc : ra_write_all(s->opts.out_fd, s->result_text.data, s->result_text.len);
	rc = rc ? rc : ra_write_all(s->opts.out_fd, "}", 1);
out:
	free(idtext);
	ra_buf_free(&pre);
	ra_buf_free(&s->result_text);
	return rc;
}

void lsp_log(lsp_server *s, ra_log_level level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!s->opts.log || !s->opts.log->fn || level > s->opts.log->level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	s->opts.log->fn(level, msg, s->opts.log->payload);
}

ra_store *lsp_store(lsp_server *s)
{
	if (!s->rd && s->have_ws && ra_store_open(&s->rd, s->ws.db_path, true) != RA_OK)
		s->rd = NULL;
	return s->rd;
}

/* ---- URIs and paths ----------------------------------------------------------------------- */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* the absolute path of a file:// URI in the request arena; NULL when not one */
static char *uri_path(lsp_server *s, const char *uri)
{
	size_t n;
	char *out, *o;

	if (!uri || strncasecmp(uri, "file://", 7) != 0)
		return NULL;
	uri += 7;
	if (!strncasecmp(uri, "localhost/", 10))
		uri += 9;
	if (*uri != '/')
		return NULL;
	n = strlen(uri);
	if (n >= PATH_MAX)
		return NULL;
	out = o = ra_arena_alloc(s->arena, n + 1);
	if (!out)
		return NULL;
	for (const char *p = uri; *p; p++) {
		if (*p == '%' && hexval(p[1]) >= 0 && hexval(p[2]) >= 0) {
			*o++ = (char)(hexval(p[1]) * 16 + hexval(p[2]));
			p += 2;
		} else if (*p == '?' || *p == '#') {
			break;
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
	if (memchr(out, '\0', (size_t)(o - out)))
		return NULL;
	return out;
}

/* path relative to the root when inside it (no "..", no state dir), else NULL */
static const char *rel_of(lsp_server *s, const char *abs)
{
	size_t n = strlen(s->ws.root);

	if (strncmp(abs, s->ws.root, n) != 0 || abs[n] != '/' || !abs[n + 1])
		return NULL;
	abs += n + 1;
	if (strstr(abs, "/../") || !strncmp(abs, "../", 3) || strstr(abs, "/./"))
		return NULL;
	return abs;
}

const char *lsp_uri_rel(lsp_server *s, const char *uri)
{
	char *abs = uri_path(s, uri), real[PATH_MAX];
	const char *rel;

	if (!abs || !s->have_ws)
		return NULL;
	rel = rel_of(s, abs);
	if (rel)
		return rel;
	/* the root or the file may be reached through a symbolic link */
	if (realpath(abs, real)) {
		rel = rel_of(s, real);
		if (rel)
			return ra_arena_strdup(s->arena, rel);
	}
	return NULL;
}

const char *lsp_rel_uri(lsp_server *s, const char *rel)
{
	static const char hex[] = "0123456789ABCDEF";
	ra_buf b;
	char *out;

	ra_buf_init(&b, 0);
	ra_buf_puts(&b, "file://");
	for (const char *part = s->ws.root; part; part = part == rel ? NULL : rel) {
		if (part == rel)
			ra_buf_putc(&b, '/');
		for (const unsigned char *p = (const unsigned char *)part; *p; p++) {
			if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			    (*p >= '0' && *p <= '9') || strchr("-._~/", *p)) {
				ra_buf_putc(&b, (char)*p);
			} else {
				ra_buf_putc(&b, '%');
				ra_buf_putc(&b, hex[*p >> 4]);
				ra_buf_putc(&b, hex[*p & 15]);
			}
		}
	}
	out = ra_arena_strdup(s->arena, b.data ? b.data : "");
	ra_buf_free(&b);
	return out;
}

static bool ext_in(const char *path, const char *const *exts)
{
	const char *dot = strrchr(path, '.');

	if (!dot || strchr(dot, '/') || !exts)
		return false;
	for (; *exts; exts++)
		if (!strcasecmp(dot, *exts))
			return true;
	return false;
}

bool lsp_lang_of(lsp_server *s, const char *path, ra_lang *out)
{
	const ra_index_opts *o = &s->ws.index;

	if (ext_in(path, o->sv_exts ? o->sv_exts : ra_index_default_sv_exts))
		*out = RA_LANG_SV;
	else if (ext_in(path, o->verilog_exts ? o->verilog_exts : ra_index_default_verilog_exts))
		*out = RA_LANG_VERILOG;
	else if (ext_in(path, o->vhdl_exts ? o->vhdl_exts : ra_index_default_vhdl_exts))
		*out = RA_LANG_VHDL;
	else
		return false;
	return true;
}

/* ---- documents ---------------------------------------------------------------------------- */

static void doc_free(lsp_doc *d)
{
	if (!d)
		return;
	ra_free(d->uri);
	ra_free(d->abs);
	ra_free(d->rel);
	ra_buf_free(&d->text);
	ra_lines_free(&d->lines);
	ra_model_free(d->model);
	lsp_ref_index_free(d->refs_by_name);
	ra_sv_tree_free(d->tree);
	ra_free(d->units);
	ra_free(d);
}

static lsp_doc *doc_new(const char *uri, const char *abs, const char *rel, ra_lang lang,
                        const char *text, size_t len)
{
	lsp_doc *d = ra_calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	ra_buf_init(&d->text, 0);
	d->uri = ra_strdup(uri);
	d->abs = ra_strdup(abs);
	d->rel = ra_strdup(rel);
	d->lang = lang;
	d->dirty = true;
	if (!d->uri || !d->abs || !d->rel || ra_buf_append(&d->text, text ? text : "", len) ||
	    ra_lines_build(&d->lines, d->text.data, d->text.len)) {
		doc_free(d);
		return NULL;
	}
	return d;
}

lsp_doc *lsp_doc_find(lsp_server *s, const char *uri)
{
	for (size_t i = 0; uri && i < s->ndocs; i++)
		if (!strcmp(s->docs[i]->uri, uri))
			return s->docs[i];
	return NULL;
}

lsp_doc *lsp_doc_by_rel(lsp_server *s, const char *rel)
{
	for (size_t i = 0; rel && i < s->ndocs; i++)
		if (!strcmp(s->docs[i]->rel, rel))
			return s->docs[i];
	return NULL;
}

/* makes m (stolen) the document's model */
static void doc_set_model(lsp_doc *d, ra_model *m)
{
	ra_model_free(d->model);
	lsp_ref_index_free(d->refs_by_name);
	d->refs_by_name = NULL;
	d->model = m;
	d->dirty = false;
	d->nunits = 0;
	for (size_t i = 0; i < m->nsyms; i++)
		if (ra_model_kind_is_unit(m->syms[i].kind) &&
		    !ra_grow((void **)&d->units, &d->units_cap, d->nunits + 1, sizeof(*d->units)))
			d->units[d->nunits++] = (int32_t)i;
}

int lsp_doc_model(lsp_server *s, lsp_doc *d)
{
	ra_model *m = NULL;
	bool reused = false;
	int rc;

	if (!d->dirty && d->model)
		return RA_OK;
	if (d->lang == RA_LANG_VHDL) {
		rc = ra_vhdl_parse(&m, d->text.data, d->text.len);
	} else if (d->open && d->edited) {
		/* a document being edited keeps its tree: a change re-parses only what it touched */
		reused = d->tree != NULL;
		rc = ra_sv_parser_reparse(s->svp, &m, &d->tree, d->text.data, d->text.len, d->lang,
		                          RA_SV_NO_CHUNKS);
	} else {
		rc = ra_sv_parser_parse(s->svp, &m, d->text.data, d->text.len, d->lang);
	}
	if (rc)
		return rc;
	doc_set_model(d, m);
	/* tree-sitter may recover from syntax errors differently when it reuses subtrees */
	d->provisional = reused && m->nerrors > 0;
	d->parsed_at = ra_now();
	return RA_OK;
}

/* true when two models dump the same (false on OOM) */
static bool models_equal(const ra_model *a, const ra_model *b)
{
	ra_buf x, y;
	bool eq;

	ra_buf_init(&x, 0);
	ra_buf_init(&y, 0);
	eq = !ra_model_dump(&x, a) && !ra_model_dump(&y, b) && x.len == y.len &&
	     !memcmp(x.data, y.data, x.len);
	ra_buf_free(&x);
	ra_buf_free(&y);
	return eq;
}

double lsp_docs_settle(lsp_server *s)
{
	double now = ra_now(), next = -1;

	for (size_t i = 0; i < s->ndocs && !s->shutdown; i++) {
		lsp_doc *d = s->docs[i];
		ra_sv_tree *t = NULL;
		ra_model *m = NULL;

		if (!d->provisional || d->dirty || !d->model)
			continue;
		if (now < d->parsed_at + LSP_SETTLE_DELAY) {
			if (next < 0 || d->parsed_at + LSP_SETTLE_DELAY - now < next)
				next = d->parsed_at + LSP_SETTLE_DELAY - now;
			continue;
		}
		d->provisional = false;
		if (ra_sv_parser_reparse(s->svp, &m, &t, d->text.data, d->text.len, d->lang,
		                         RA_SV_NO_CHUNKS)) {
			ra_sv_tree_free(t);
			return 0;
		}
		/* the fresh tree is the base of the next changes */
		ra_sv_tree_free(d->tree);
		d->tree = t;
		if (models_equal(d->model, m)) {
			ra_model_free(m);
			return 0;
		}
		lsp_log(s, RA_LOG_DEBUG,
		        "%s: a fresh parse recovered from syntax errors differently", d->rel);
		doc_set_model(d, m);
		lsp_publish_diagnostics(s, d);
		return 0;
	}
	return next;
}

/* a closed file read from disk, cached while its size and mtime stay the same */
static lsp_doc *closed_doc(lsp_server *s, const char *uri, const char *abs, const char *rel,
                           const char **msg)
{
	struct stat sb;
	ra_lang lang;
	char *text = NULL;
	size_t len = 0;
	lsp_doc *d;
	size_t i;
	uint64_t max = s->ws.index.max_file_size ? s->ws.index.max_file_size : (8u << 20);

	if (stat(abs, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		*msg = "no such document";
		return NULL;
	}
	if (!lsp_lang_of(s, abs, &lang)) {
		*msg = "not a Verilog, SystemVerilog or VHDL file";
		return NULL;
	}
	for (i = 0; i < LSP_CLOSED_CACHE; i++) {
		d = s->closed[i];
		if (d && !strcmp(d->rel, rel) && d->size == (uint64_t)sb.st_size &&
		    d->mtime_ns == (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec)
			return d;
	}
	if (ra_read_file(&text, &len, abs, max) != RA_OK) {
		*msg = "cannot read the document";
		return NULL;
	}
	d = doc_new(uri, abs, rel, lang, text, len);
	ra_free(text);
	if (!d) {
		*msg = "out of memory";
		return NULL;
	}
	d->size = (uint64_t)sb.st_size;
	d->mtime_ns = (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
	doc_free(s->closed[LSP_CLOSED_CACHE - 1]);
	memmove(s->closed + 1, s->closed, (LSP_CLOSED_CACHE - 1) * sizeof(*s->closed));
	s->closed[0] = d;
	return d;
}

int lsp_doc_for(lsp_server *s, json_t *params, lsp_doc **out, const char **msg)
{
	json_t *td = json_object_get(params, "textDocument");
	const char *uri = json_string_value(json_object_get(td, "uri"));
	const char *rel, *abs;
	lsp_doc *d;

	if (!uri) {
		*msg = "textDocument.uri missing";
		return RA_RPC_INVALID_PARAMS;
	}
	d = lsp_doc_find(s, uri);
	if (!d) {
		rel = lsp_uri_rel(s, uri);
		if (!rel) {
			*msg = "document outside the workspace";
			return RA_RPC_INVALID_PARAMS;
		}
		abs = ra_arena_printf(s->arena, "%s/%s", s->ws.root, rel);
		d = lsp_doc_by_rel(s, rel);
		if (!d)
			d = closed_doc(s, uri, abs, rel, msg);
		if (!d)
			return RA_RPC_INVALID_PARAMS;
	}
	if (lsp_doc_model(s, d)) {
		*msg = "could not parse the document";
		return RA_RPC_INTERNAL_ERROR;
	}
	*out = d;
	return 0;
}

int lsp_position(lsp_server *s, lsp_doc *d, json_t *params, size_t *offset, uint32_t *line,
                 uint32_t *bcol, const char **msg)
{
	json_t *pos = json_object_get(params, "position");
	json_t *jl = json_object_get(pos, "line"), *jc = json_object_get(pos, "character");
	json_int_t l, c;
	size_t off;

	if (!json_is_integer(jl) || !json_is_integer(jc) || json_integer_value(jl) < 0 ||
	    json_integer_value(jc) < 0) {
		*msg = "position must have non-negative integer line and character";
		return RA_RPC_INVALID_PARAMS;
	}
	l = json_integer_value(jl);
	c = json_integer_value(jc);
	if (l > UINT32_MAX)
		l = UINT32_MAX;
	if (c > UINT32_MAX)
		c = UINT32_MAX;
	off = ra_lines_offset(&d->lines, d->text.data, d->text.len, (uint32_t)l, (uint32_t)c,
	                      s->utf16);
	if ((size_t)l >= d->lines.n)
		l = (json_int_t)d->lines.n - 1;
	*offset = off;
	*line = (uint32_t)l;
	*bcol = (uint32_t)(off - d->lines.start[l]);
	if (off < d->lines.start[l]) /* clamped to the end of the text */
		*bcol = 0;
	return 0;
}

/* the cache entry of a file on disk, read when new or changed; ASCII files keep no text unless
 * `want_text` */
static lsp_file *file_load(lsp_server *s, const char *rel, bool want_text)
{
	struct stat sb;
	char path[PATH_MAX];
	lsp_file *f = NULL;
	int64_t mt;

	if (snprintf(path, sizeof(path), "%s/%s", s->ws.root, rel) >= (int)sizeof(path) ||
	    stat(path, &sb) != 0)
		return NULL;
	mt = (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
	for (size_t i = 0; i < LSP_FILE_CACHE && !f; i++)
		if (s->files[i].rel && !strcmp(s->files[i].rel, rel))
			f = &s->files[i];
	if (f && (f->mtime_ns != mt || f->size != (uint64_t)sb.st_size)) {
		ra_free(f->text);
		ra_lines_free(&f->lines);
		f->text = NULL;
		f->mtime_ns = -1;
	} else if (!f) {
		f = &s->files[s->next_file++ % LSP_FILE_CACHE];
		ra_free(f->rel);
		ra_free(f->text);
		ra_lines_free(&f->lines);
		memset(f, 0, sizeof(*f));
		f->mtime_ns = -1;
		f->rel = ra_strdup(rel);
		if (!f->rel)
			return NULL;
	}
	if (f->mtime_ns == mt && (f->text || (!want_text && f->ascii)))
		return f;
	ra_free(f->text);
	ra_lines_free(&f->lines);
	f->text = NULL;
	if (ra_read_file(&f->text, &f->len, path, 64u << 20) != RA_OK)
		return NULL;
	f->ascii = ra_pos_is_ascii(f->text, f->len);
	f->mtime_ns = mt;
	f->size = (uint64_t)sb.st_size;
	if (f->ascii && !want_text) {
		ra_free(f->text);
		f->text = NULL;
		return f;
	}
	if (ra_lines_build(&f->lines, f->text, f->len)) {
		ra_free(f->text);
		f->text = NULL;
		f->mtime_ns = -1;
		return NULL;
	}
	return f;
}

static lsp_file *file_entry(lsp_server *s, const char *rel, bool want_text)
{
	lsp_file *f = s->last_file;

	/* a request touching thousands of locations in a few files (references) compares each
	   file with the disk once */
	if (f && f->checked == s->gen && f->rel && !strcmp(f->rel, rel) &&
	    (f->text || (!want_text && f->ascii)))
		return f;
	if ((f = file_load(s, rel, want_text)) != NULL) {
		f->checked = s->gen;
		s->last_file = f;
	}
	return f;
}

bool lsp_file_ascii(lsp_server *s, const char *rel)
{
	lsp_doc *d = lsp_doc_by_rel(s, rel);
	lsp_file *f;

	if (d)
		return false; /* open documents convert from their own text */
	f = file_entry(s, rel, false);
	return f && f->ascii;
}

const char *lsp_file_text(lsp_server *s, const char *rel, size_t *len, const ra_lines **lines)
{
	lsp_doc *d = lsp_doc_by_rel(s, rel);
	lsp_file *f;

	if (d) {
		*len = d->text.len;
		*lines = &d->lines;
		return d->text.data;
	}
	f = file_entry(s, rel, true);
	if (!f || !f->text)
		return NULL;
	*len = f->len;
	*lines = &f->lines;
	return f->text;
}

json_t *lsp_range(lsp_server *s, const char *rel, ra_span sp)
{
	lsp_cols c;

	lsp_cols_of(s, rel, &c);
	return json_pack("{s:{s:i, s:i}, s:{s:i, s:i}}", "start", "line", (int)sp.line, "character",
	                 (int)lsp_col(&c, sp.line, sp.col), "end", "line", (int)sp.end_line,
	                 "character", (int)lsp_col(&c, sp.end_line, sp.end_col));
}

json_t *lsp_location(lsp_server *s, const char *rel, ra_span sp)
{
	return json_pack("{s:s, s:o}", "uri", lsp_rel_uri(s, rel), "range", lsp_range(s, rel, sp));
}

void lsp_publish_diagnostics(lsp_server *s, lsp_doc *d)
{
	json_t *diags;
	double t0 = ra_now(), t1;

	if (lsp_doc_model(s, d))
		return;
	t1 = ra_now();
	diags = lsp_diagnostics(s, d);
	lsp_log(s, RA_LOG_DEBUG, "%s: parsed in %.1f ms, checked in %.1f ms", d->rel,
	        (t1 - t0) * 1e3, (ra_now() - t1) * 1e3);
	lsp_send(s, ra_rpc_notification("textDocument/publishDiagnostics",
	                                json_pack("{s:s, s:I, s:o}", "uri", d->uri, "version",
	                                          (json_int_t)d->version, "diagnostics",
	                                          diags ? diags : json_array())));
}

/* ---- document notifications --------------------------------------------------------------- */

static void did_open(lsp_server *s, json_t *params)
{
	json_t *td = json_object_get(params, "textDocument");
	const char *uri = json_string_value(json_object_get(td, "uri"));
	json_t *text = json_object_get(td, "text");
	const char *rel = uri ? lsp_uri_rel(s, uri) : NULL;
	const char *lid = json_string_value(json_object_get(td, "languageId"));
	ra_lang lang;
	lsp_doc *d;

	if (!rel || !json_is_string(text)) {
		lsp_log(s, RA_LOG_INFO, "didOpen of %s ignored (outside the workspace or no text)",
		        uri ? uri : "(no uri)");
		return;
	}
	if (!lsp_lang_of(s, rel, &lang)) {
		if (lid && !strcmp(lid, "vhdl"))
			lang = RA_LANG_VHDL;
		else if (lid && !strcmp(lid, "systemverilog"))
			lang = RA_LANG_SV;
		else if (lid && !strcmp(lid, "verilog"))
			lang = RA_LANG_VERILOG;
		else
			return;
	}
	d = lsp_doc_find(s, uri);
	if (d) { /* opened twice: the newer text wins */
		ra_buf_reset(&d->text);
		ra_buf_append(&d->text, json_string_value(text), json_string_length(text));
		ra_lines_build(&d->lines, d->text.data, d->text.len);
		ra_sv_tree_free(d->tree);
		d->tree = NULL;
		d->dirty = true;
	} else {
		d = doc_new(uri, ra_arena_printf(s->arena, "%s/%s", s->ws.root, rel), rel, lang,
		            json_string_value(text), json_string_length(text));
		if (!d ||
		    ra_grow((void **)&s->docs, &s->docs_cap, s->ndocs + 1, sizeof(*s->docs))) {
			doc_free(d);
			return;
		}
		d->open = true;
		s->docs[s->ndocs++] = d;
	}
	d->version = json_integer_value(json_object_get(td, "version"));
	lsp_publish_diagnostics(s, d);
}

/* applies one contentChange; false when it is malformed */
static bool apply_change(lsp_server *s, lsp_doc *d, json_t *ch)
{
	json_t *text = json_object_get(ch, "text"), *range = json_object_get(ch, "range");
	json_t *a, *b;
	size_t from, to;
	ra_buf nb;

	if (!json_is_string(text))
		return false;
	if (!range) {
		ra_sv_tree_free(d->tree);
		d->tree = NULL;
		ra_buf_reset(&d->text);
		if (ra_buf_append(&d->text, json_string_value(text), json_string_length(text)))
			return false;
		return ra_lines_build(&d->lines, d->text.data, d->text.len) == RA_OK;
	}
	a = json_object_get(range, "start");
	b = json_object_get(range, "end");
	if (!json_is_integer(json_object_get(a, "line")) ||
	    !json_is_integer(json_object_get(a, "character")) ||
	    !json_is_integer(json_object_get(b, "line")) ||
	    !json_is_integer(json_object_get(b, "character")) ||
	    json_integer_value(json_object_get(a, "line")) < 0 ||
	    json_integer_value(json_object_get(a, "character")) < 0 ||
	    json_integer_value(json_object_get(b, "line")) < 0 ||
	    json_integer_value(json_object_get(b, "character")) < 0)
		return false;
#define CLAMP32(v) ((uint32_t)((v) > UINT32_MAX ? UINT32_MAX : (v)))
	from = ra_lines_offset(&d->lines, d->text.data, d->text.len,
	                       CLAMP32(json_integer_value(json_object_get(a, "line"))),
	                       CLAMP32(json_integer_value(json_object_get(a, "character"))),
	                       s->utf16);
	to = ra_lines_offset(&d->lines, d->text.data, d->text.len,
	                     CLAMP32(json_integer_value(json_object_get(b, "line"))),
	                     CLAMP32(json_integer_value(json_object_get(b, "character"))),
	                     s->utf16);
#undef CLAMP32
	if (to < from)
		return false;
	ra_buf_init(&nb, 0);
	if (ra_buf_append(&nb, d->text.data, from) ||
	    ra_buf_append(&nb, json_string_value(text), json_string_length(text)) ||
	    ra_buf_append(&nb, d->text.data + to, d->text.len - to)) {
		ra_buf_free(&nb);
		return false;
	}
	if (d->tree) {
		ra_sv_edit e;

		ra_sv_edit_make(&e, d->text.data, d->text.len, from, to, json_string_value(text),
		                json_string_length(text));
		if (ra_sv_tree_edit(d->tree, &e)) {
			ra_sv_tree_free(d->tree);
			d->tree = NULL;
		}
	}
	ra_buf_free(&d->text);
	d->text = nb;
	return ra_lines_build(&d->lines, d->text.data, d->text.len) == RA_OK;
}

/* true when the next queued message is another change of the same document */
static bool change_follows(lsp_server *s, const char *uri)
{
	bool yes = false;

	pthread_mutex_lock(&s->mu);
	if (s->head && s->head->kind == IT_MSG && s->head->msg.method &&
	    !strcmp(s->head->msg.method, "textDocument/didChange")) {
		const char *u = json_string_value(json_object_get(
		        json_object_get(s->head->msg.params, "textDocument"), "uri"));

		yes = u && !strcmp(u, uri);
	}
	pthread_mutex_unlock(&s->mu);
	return yes;
}

static void did_change(lsp_server *s, json_t *params)
{
	json_t *td = json_object_get(params, "textDocument");
	lsp_doc *d = lsp_doc_find(s, json_string_value(json_object_get(td, "uri")));
	json_t *changes = json_object_get(params, "contentChanges"), *ch;
	size_t i;

	if (!d || !json_is_array(changes))
		return;
	json_array_foreach(changes, i, ch) if (!apply_change(s, d, ch))
	{
		lsp_log(s, RA_LOG_WARN, "%s: a malformed change was ignored", d->rel);
	}
	d->version = json_integer_value(json_object_get(td, "version"));
	d->dirty = true;
	d->edited = true;
	/* parse and check now unless more typing is already queued */
	if (!change_follows(s, d->uri))
		lsp_publish_diagnostics(s, d);
}

static void did_close(lsp_server *s, json_t *params)
{
	const char *uri =
	        json_string_value(json_object_get(json_object_get(params, "textDocument"), "uri"));

	for (size_t i = 0; uri && i < s->ndocs; i++) {
		if (strcmp(s->docs[i]->uri, uri) != 0)
			continue;
		doc_free(s->docs[i]);
		s->docs[i] = s->docs[--s->ndocs];
		lsp_send(s,
		         ra_rpc_notification("textDocument/publishDiagnostics",
		                             json_pack("{s:s, s:[]}", "uri", uri, "diagnostics")));
		return;
	}
}

static void did_save(lsp_server *s, json_t *params)
{
	lsp_doc *d = lsp_doc_find(s, json_string_value(json_object_get(
	                                     json_object_get(params, "textDocument"), "uri")));

	if (d)
		index_request(s, json_pack("[s]", d->abs));
}

static void did_change_watched(lsp_server *s, json_t *params)
{
	json_t *changes = json_object_get(params, "changes"), *c, *paths = json_array();
	size_t i;

	json_array_foreach(changes, i, c)
	{
		const char *rel = lsp_uri_rel(s, json_string_value(json_object_get(c, "uri")));

		if (rel)
			json_array_append_new(paths, json_string(ra_arena_printf(s->arena, "%s/%s",
			                                                         s->ws.root, rel)));
	}
	if (json_array_size(paths))
		index_request(s, paths);
	else
		json_decref(paths);
}

/* ---- lifecycle ---------------------------------------------------------------------------- */

static bool offers_utf8(json_t *list)
{
	size_t i;
	json_t *v;

	json_array_foreach(list, i,
	                   v) if (json_is_string(v) && !strcmp(json_string_value(v), "utf-8"))
	{
		return true;
	}
	return false;
}

static json_t *capabilities(lsp_server *s)
{
	return json_pack("{s:s, s:{s:b, s:i, s:{s:b}}, s:b, s:b, s:b, s:b, s:b, s:b, s:b,"
	                 " s:{s:[s,s,s,s,s], s:b}, s:{s:[s,s], s:[s]}, s:b,"
	                 " s:{s:{s:[s,s,s,s]}}}",
	                 "positionEncoding", s->utf16 ? "utf-16" : "utf-8", "textDocumentSync",
	                 "openClose", 1, "change", 2, "save", "includeText", 0,
	                 "definitionProvider", 1, "declarationProvider", 1, "referencesProvider", 1,
	                 "documentHighlightProvider", 1, "hoverProvider", 1,
	                 "documentSymbolProvider", 1, "workspaceSymbolProvider", 1,
	                 "completionProvider", "triggerCharacters", ".", ":", "`", "(", ",",
	                 "resolveProvider", 0, "signatureHelpProvider", "triggerCharacters", "(",
	                 ",", "retriggerCharacters", ")", "callHierarchyProvider", 1,
	                 "experimental", "rtlassist", "methods", "rtlassist/explain",
	                 "rtlassist/search", "rtlassist/hierarchy", "rtlassist/trace");
}

/* the capabilities, with inline completion when a completion model is configured */
static json_t *capabilities_all(lsp_server *s)
{
	json_t *caps = capabilities(s);

	if (s->ws.complete)
		json_object_set_new(caps, "inlineCompletionProvider", json_object());
	json_object_set_new(caps, "foldingRangeProvider", json_true());
	json_object_set_new(caps, "documentLinkProvider", json_pack("{s:b}", "resolveProvider", 0));
	json_object_set_new(caps, "renameProvider", json_pack("{s:b}", "prepareProvider", 1));
	return caps;
}

static int initialize(lsp_server *s, json_t *params, json_t **result, const char **msg)
{
	json_t *caps = json_object_get(params, "capabilities");
	const char *root = s->opts.root;
	int rc;

	if (s->initialized) {
		*msg = "initialize was already called";
		return RA_RPC_INVALID_REQUEST;
	}
	s->utf16 = !offers_utf8(json_object_get(json_object_get(caps, "general"),
	                                        "positionEncodings")) &&
	           !offers_utf8(json_object_get(caps, "offsetEncoding"));
	s->client_progress =
	        json_is_true(json_object_get(json_object_get(caps, "window"), "workDoneProgress"));
	s->client_snippets = json_is_true(json_object_get(
	        json_object_get(
	                json_object_get(json_object_get(caps, "textDocument"), "completion"),
	                "completionItem"),
	        "snippetSupport"));
	{
		json_t *fr = json_object_get(json_object_get(caps, "textDocument"), "foldingRange");
		json_int_t lim = json_integer_value(json_object_get(fr, "rangeLimit"));

		s->fold_lines_only = json_is_true(json_object_get(fr, "lineFoldingOnly"));
		s->fold_limit = lim > 0 ? (lim > UINT32_MAX ? UINT32_MAX : (uint32_t)lim) : 0;
	}
	s->client_doc_changes = json_is_true(json_object_get(
	        json_object_get(json_object_get(caps, "workspace"), "workspaceEdit"),
	        "documentChanges"));
	if (!root) {
		const char *uri = json_string_value(json_object_get(params, "rootUri"));
		json_t *folders = json_object_get(params, "workspaceFolders");

		if (!uri && json_array_size(folders))
			uri = json_string_value(json_object_get(json_array_get(folders, 0), "uri"));
		root = uri ? uri_path(s, uri) : NULL;
		if (!root)
			root = json_string_value(json_object_get(params, "rootPath"));
	}
	rc = s->opts.open ? s->opts.open(&s->ws, root,
	                                 json_object_get(
	                                         json_object_get(params, "initializationOptions"),
	                                         "settings"),
	                                 s->opts.payload)
	                  : RA_EINVAL;
	if (rc) {
		*msg = ra_arena_printf(s->arena, "cannot open the workspace: %s", ra_error_last());
		return RA_RPC_REQUEST_FAILED;
	}
	s->have_ws = true;
	s->initialized = true;
	if (s->ws.writable && !s->opts.no_index && !s->opts.index_submit &&
	    pthread_create(&s->indexer, NULL, indexer_main, s) == 0) {
		s->indexer_started = true;
		index_request(s, json_array());
	}
	*result = json_pack("{s:o, s:{s:s, s:s}}", "capabilities", capabilities_all(s),
	                    "serverInfo", "name", "rtlassist", "version", RA_VERSION);
	if (!s->utf16)
		json_object_set_new(*result, "offsetEncoding", json_string("utf-8"));
	return 0;
}

/* ---- dispatch ----------------------------------------------------------------------------- */

static const struct {
	const char *method;
	lsp_handler fn;
} handlers[] = {
        {"textDocument/definition", lsp_h_definition},
        {"textDocument/declaration", lsp_h_declaration},
        {"textDocument/references", lsp_h_references},
        {"textDocument/documentHighlight", lsp_h_highlight},
        {"textDocument/hover", lsp_h_hover},
        {"textDocument/documentSymbol", lsp_h_document_symbol},
        {"workspace/symbol", lsp_h_workspace_symbol},
        {"textDocument/completion", lsp_h_completion},
        {"textDocument/signatureHelp", lsp_h_signature_help},
        {"textDocument/prepareCallHierarchy", lsp_h_call_prepare},
        {"callHierarchy/incomingCalls", lsp_h_call_incoming},
        {"callHierarchy/outgoingCalls", lsp_h_call_outgoing},
        {"rtlassist/explain", lsp_h_explain},
        {"rtlassist/hierarchy", lsp_h_hierarchy},
        {"rtlassist/trace", lsp_h_trace},
        {"rtlassist/search", lsp_h_search},
        {"textDocument/inlineCompletion", lsp_h_inline_completion},
        {"textDocument/foldingRange", lsp_h_folding_range},
        {"textDocument/documentLink", lsp_h_document_link},
        {"textDocument/prepareRename", lsp_h_prepare_rename},
        {"textDocument/rename", lsp_h_rename},
};

static void request(lsp_server *s, lsp_item *it)
{
	const char *method = it->msg.method, *msg = NULL;
	json_t *id = it->msg.id, *params = it->msg.params, *result = NULL;
	int code = RA_RPC_METHOD_NOT_FOUND;
	ra_store *snapshot;

	if (it->cancelled) {
		lsp_send(s, ra_rpc_error(id, RA_RPC_REQUEST_CANCELLED, "cancelled"));
		return;
	}
	snprintf(s->current_key, sizeof(s->current_key), "%s", it->key);
	s->current_id = id;
	snapshot = s->initialized && s->have_ws ? lsp_store(s) : NULL;
	if (snapshot && ra_store_read_begin(snapshot) != RA_OK)
		snapshot = NULL;
	if (!strcmp(method, "initialize")) {
		code = initialize(s, params, &result, &msg);
	} else if (!s->initialized) {
		code = RA_RPC_SERVER_NOT_INITIALIZED;
		msg = "the server is not initialized";
	} else if (s->shutdown) {
		code = RA_RPC_INVALID_REQUEST;
		msg = "the server is shutting down";
	} else if (!strcmp(method, "shutdown")) {
		s->shutdown = true;
		code = 0;
	} else {
		for (size_t i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++) {
			if (strcmp(method, handlers[i].method) != 0)
				continue;
			if (params && !json_is_object(params)) {
				code = RA_RPC_INVALID_PARAMS;
				msg = "params must be an object";
			} else {
				json_t *empty = params ? NULL : json_object();

				code = handlers[i].fn(s, params ? params : empty, &result, &msg);
				json_decref(empty);
			}
			break;
		}
		if (code == RA_RPC_METHOD_NOT_FOUND && !msg && s->opts.extra_request) {
			char *buf = ra_arena_calloc(s->arena, 256);

			if (buf && params && !json_is_object(params)) {
				code = RA_RPC_INVALID_PARAMS;
				msg = "params must be an object";
			} else if (buf) {
				json_t *empty = params ? NULL : json_object();

				code = s->opts.extra_request(method, params ? params : empty,
				                             &result, buf, 256, s->opts.payload);
				json_decref(empty);
				if (code && code != RA_RPC_METHOD_NOT_FOUND)
					msg = buf;
			}
		}
		if (code == RA_RPC_METHOD_NOT_FOUND && !msg)
			msg = ra_arena_printf(s->arena, "unknown method %s", method);
	}
	if (!code && lsp_is_cancelled(s)) {
		json_decref(result);
		code = RA_RPC_REQUEST_CANCELLED;
		msg = "cancelled";
	}
	if (snapshot)
		ra_store_read_end(snapshot);
	s->current_key[0] = '\0';
	s->current_id = NULL;
	if (code)
		ra_buf_free(&s->result_text);
	if (code == LSP_DEFERRED)
		return; /* a model job replies when it ends (gen_job.c) */
	if (code)
		lsp_send(s, ra_rpc_error(id, code, msg));
	else if (s->result_text.data)
		send_result_text(s, id);
	else
		lsp_send(s, ra_rpc_result(id, result));
}

static void notification(lsp_server *s, lsp_item *it)
{
	const char *m = it->msg.method;
	json_t *p = it->msg.params;

	if (!strcmp(m, "exit")) {
		s->exit_code = s->shutdown ? 0 : 1;
		s->done = true;
		return;
	}
	if (!s->initialized || s->shutdown || !json_is_object(p))
		return;
	if (!strcmp(m, "textDocument/didOpen"))
		did_open(s, p);
	else if (!strcmp(m, "textDocument/didChange"))
		did_change(s, p);
	else if (!strcmp(m, "textDocument/didSave"))
		did_save(s, p);
	else if (!strcmp(m, "textDocument/didClose"))
		did_close(s, p);
	else if (!strcmp(m, "workspace/didChangeWatchedFiles"))
		did_change_watched(s, p);
}

static void progress(lsp_server *s, const char *kind, const char *message, int percent)
{
	json_t *v;

	if (!s->client_progress || !s->progress_token)
		return;
	v = json_pack("{s:s, s:s}", "kind", kind, "message", message);
	if (!strcmp(kind, "begin")) {
		json_object_set_new(v, "title", json_string("Indexing"));
		json_object_set_new(v, "cancellable", json_false());
	}
	if (percent >= 0)
		json_object_set_new(v, "percentage", json_integer(percent));
	lsp_send(s, ra_rpc_notification("$/progress",
	                                json_pack("{s:s, s:o}", "token",
	                                          ra_arena_printf(s->arena, "rtlassist-index-%lld",
	                                                          (long long)s->progress_token),
	                                          "value", v)));
}

static void handle(lsp_server *s, lsp_item *it)
{
	switch (it->kind) {
	case IT_MSG:
		if (it->msg.kind == RA_RPC_REQUEST)
			request(s, it);
		else if (it->msg.kind == RA_RPC_NOTIFICATION)
			notification(s, it);
		else if (it->msg.kind == RA_RPC_INVALID)
			lsp_send(s, ra_rpc_error(it->msg.id, it->msg.code, it->msg.error));
		break; /* responses to our own requests need nothing */
	case IT_BAD_FRAME:
		lsp_log(s, RA_LOG_WARN, "bad frame skipped: %s", it->text);
		if (it->rc == RA_ETOOBIG)
			lsp_send(s, ra_rpc_error(NULL, RA_RPC_INVALID_REQUEST, it->text));
		break;
	case IT_EOF:
		s->done = true;
		break;
	case IT_INDEX_BEGIN:
		s->indexing = true;
		if (s->client_progress) {
			s->progress_token = ++s->next_request_id;
			lsp_send(s,
			         ra_rpc_request(
			                 s->progress_token, "window/workDoneProgress/create",
			                 json_pack("{s:s}", "token",
			                           ra_arena_printf(s->arena, "rtlassist-index-%lld",
			                                           (long long)s->progress_token))));
			progress(s, "begin", "scanning the workspace", 0);
		}
		break;
	case IT_INDEX_REPORT:
		progress(s, "report",
		         ra_arena_printf(s->arena, "%zu/%zu files", it->done, it->total),
		         it->total ? (int)(it->done * 100 / it->total) : 0);
		break;
	case IT_GEN_TEXT:
		lsp_gen__text(s, it->job, it->dyn, it->dynlen);
		break;
	case IT_GEN_DONE:
		lsp_gen__done(s, it->job);
		break;
	case IT_INDEXED:
		if (it->rc)
			lsp_log(s, RA_LOG_WARN, "indexing failed: %s", it->text);
		else
			lsp_log(s, RA_LOG_INFO, "%s", it->text);
		if (it->full) {
			progress(s, "end", it->text, -1);
			s->progress_token = 0;
			s->indexing = false;
		}
		lsp_wsyms_invalidate(s);
		for (size_t i = 0; s->initialized && !s->shutdown && i < s->ndocs; i++)
			lsp_publish_diagnostics(s, s->docs[i]);
		break;
	}
}

void ra_lsp_index_event(ra_lsp_session *s, ra_lsp_index_kind kind, size_t done, size_t total,
                        int rc, const char *text)
{
	static const item_kind kinds[] = {[RA_LSP_INDEX_BEGIN] = IT_INDEX_BEGIN,
	                                  [RA_LSP_INDEX_REPORT] = IT_INDEX_REPORT,
	                                  [RA_LSP_INDEX_END] = IT_INDEXED,
	                                  [RA_LSP_INDEX_UPDATED] = IT_INDEXED};
	lsp_item *it = ra_calloc(1, sizeof(*it));

	if (!it)
		return;
	it->kind = kinds[kind];
	it->full = kind != RA_LSP_INDEX_UPDATED;
	it->done = done;
	it->total = total;
	it->rc = rc;
	snprintf(it->text, sizeof(it->text), "%s", text ? text : "");
	queue_post(s, it);
}

int ra_lsp_serve(const ra_lsp_opts *opts)
{
	lsp_server *s = ra_calloc(1, sizeof(*s));
	int code;

	if (!s)
		return 2;
	s->opts = *opts;
	s->utf16 = true;
	s->exit_code = 0;
	s->wake[0] = s->wake[1] = -1;
	s->arena = ra_arena_new(0);
	s->svp = ra_sv_parser_new();
	s->cancelled = json_array();
	s->jobs = json_array();
	if (!s->arena || !s->svp || !s->cancelled || !s->jobs || pipe(s->wake) != 0) {
		code = 2;
		goto out;
	}
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	pthread_cond_init(&s->jobs_cv, NULL);
	if (pthread_create(&s->reader, NULL, reader_main, s) != 0) {
		code = 2;
		goto out_sync;
	}
	s->reader_started = true;
	if (s->opts.attach)
		s->opts.attach(s, s->opts.payload);
	while (!s->done) {
		lsp_item *it;

		pthread_mutex_lock(&s->mu);
		while (!s->head) {
			double due;

			/* idle: confirm provisional models once their documents are quiet */
			pthread_mutex_unlock(&s->mu);
			s->gen++; /* a message of its own: nothing cached by the last one is trusted */
			due = lsp_docs_settle(s);
			ra_arena_reset(s->arena);
			pthread_mutex_lock(&s->mu);
			if (s->head || due == 0)
				continue;
			if (due < 0) {
				pthread_cond_wait(&s->cv, &s->mu);
			} else {
				struct timespec ts;

				clock_gettime(CLOCK_REALTIME, &ts);
				ts.tv_sec += (time_t)due;
				ts.tv_nsec += (long)((due - (double)(time_t)due) * 1e9);
				if (ts.tv_nsec >= 1000000000) {
					ts.tv_sec++;
					ts.tv_nsec -= 1000000000;
				}
				pthread_cond_timedwait(&s->cv, &s->mu, &ts);
			}
		}
		it = s->head;
		s->head = it->next;
		if (!s->head)
			s->tail = NULL;
		pthread_mutex_unlock(&s->mu);
		s->gen++;
		handle(s, it);
		item_free(it);
		ra_arena_reset(s->arena);
	}
	code = s->exit_code;
	if (s->opts.detach)
		s->opts.detach(s, s->opts.payload);

	lsp_gen_stop_all(s);
	if (s->indexer_started) {
		pthread_mutex_lock(&s->mu);
		s->stop = true;
		s->cancel_index = 1;
		pthread_cond_signal(&s->jobs_cv);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->indexer, NULL);
	}
	if (write(s->wake[1], "x", 1) != 1)
		lsp_log(s, RA_LOG_WARN, "cannot wake the reader: %s", strerror(errno));
	pthread_join(s->reader, NULL);
	while (s->head) {
		lsp_item *it = s->head;

		s->head = it->next;
		item_free(it);
	}
out_sync:
	pthread_cond_destroy(&s->jobs_cv);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
out:
	for (size_t i = 0; i < s->ndocs; i++)
		doc_free(s->docs[i]);
	ra_free(s->docs);
	for (size_t i = 0; i < LSP_CLOSED_CACHE; i++)
		doc_free(s->closed[i]);
	for (size_t i = 0; i < LSP_FILE_CACHE; i++) {
		ra_free(s->files[i].rel);
		ra_free(s->files[i].text);
		ra_lines_free(&s->files[i].lines);
	}
	lsp_wsyms_free(s);
	ra_arena_free(s->wsym_arena);
	lsp_query_release(s);
	lsp_inline_free(s);
	ra_buf_free(&s->result_text);
	ra_graph_close(s->graph); /* before the store it reads */
	ra_searcher_close(s->searcher);
	ra_embedder_close(s->search_emb);
	ra_store_close(s->rd);
	if (s->have_ws && s->opts.close)
		s->opts.close(&s->ws, s->opts.payload);
	ra_sv_parser_free(s->svp);
	ra_arena_free(s->arena);
	json_decref(s->cancelled);
	json_decref(s->jobs);
	if (s->wake[0] >= 0) {
		close(s->wake[0]);
		close(s->wake[1]);
	}
	ra_free(s);
	return code;
}
