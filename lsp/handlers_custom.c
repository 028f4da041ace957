/*
 * handlers_custom.c - rtlassist's own requests, for what LSP has no method for (documented with
 * their params and results in README.md, section LSP):
 *   rtlassist/explain    a unit explained from the index (retriever/explain.h, shared with
 *                        `rtlassist explain`), with the chat model's prose on request;
 *   rtlassist/hierarchy  instance trees (indexer/graph.h);
 *   rtlassist/trace      drivers or loads of a signal across the hierarchy (indexer/graph.h);
 *   rtlassist/search     search in words or identifiers (retriever/search.h).
 */
#define _DEFAULT_SOURCE
#include "indexer/embed.h"
#include "indexer/graph.h"
#include "lsp/lsp_internal.h"
#include "retriever/explain.h"
#include "retriever/search.h"

#include <sqlite3.h>
#include <string.h>
#include <strings.h>

/* the unit a request names: params.unit, else the unit at textDocument/position */
static int unit_param(lsp_server *s, json_t *p, lsym *u, const char **msg)
{
	const char *name = json_string_value(json_object_get(p, "unit"));
	int code;

	if (name) {
		if (strlen(name) > 512) {
			*msg = "unit name over 512 bytes";
			return RA_RPC_INVALID_PARAMS;
		}
		if (!lsp_q_best_unit(s, name, RA_LANG_SV, u)) {
			*msg = "unknown unit";
			return RA_RPC_INVALID_PARAMS;
		}
		return 0;
	}
	if (json_object_get(p, "textDocument")) {
		lsp_doc *d;
		size_t off;
		uint32_t line, col;
		lsyms res = {0};
		const char *word;
		int32_t sc;

		code = lsp_doc_for(s, p, &d, msg);
		if (code || (code = lsp_position(s, d, p, &off, &line, &col, msg)))
			return code;
		lsp_resolve(s, d, off, &res, &word);
		for (size_t i = 0; i < res.n; i++)
			if (lsp_kind_is_unit(res.v[i].kind)) {
				*u = res.v[i];
				return 0;
			}
		sc = lsp_model_unit_of(d->model, lsp_model_scope_at(d->model, line, col));
		if (sc >= 0) {
			lsym_from_model(s, u, d, sc);
			return 0;
		}
		*msg = "no unit at this position";
		return RA_RPC_INVALID_PARAMS;
	}
	*msg = "params need \"unit\" or textDocument and position";
	return RA_RPC_INVALID_PARAMS;
}

static json_t *loc_lsp(const char *file, ra_span sp, void *payload)
{
	return lsp_location(payload, file, sp);
}

/* the model's prose joins the structure (ctx) in the reply */
static int explain_finish(lsp_server *s, json_t *ctx, const char *text, size_t len, int code,
                          const char *err, json_t **result, const char **msg)
{
	json_t *r = json_copy(ctx);

	(void)s;
	if (!r) {
		*msg = "out of memory";
		return RA_RPC_REQUEST_FAILED;
	}
	if (code == RA_OK)
		json_object_set_new(r, "prose", json_stringn(text ? text : "", len));
	else
		json_object_set_new(r, "prose_error",
		                    json_string(code == RA_ECANCELLED ? "cancelled"
		                                : err                 ? err
		                                                      : "the model failed"));
	*result = r;
	return 0;
}

/* the server's graph handle, opened on first use and kept across requests (its cache of
 * units, instances and flows makes a trace through units seen before cheap); refreshed here,
 * before each request, so that nothing it returned is held across a drop */
static int graph_open(lsp_server *s, ra_graph **g, const char **msg)
{
	ra_store *st = lsp_store(s);

	if (!st || (!s->graph && ra_graph_open(&s->graph, st) != RA_OK)) {
		s->graph = NULL;
		*msg = "no index yet";
		return RA_RPC_REQUEST_FAILED;
	}
	ra_graph_refresh(s->graph);
	*g = s->graph;
	return 0;
}

/* The explanation is retriever/explain.h's, from the index, so that `rtlassist explain` and this
 * request answer alike (on the server's graph handle); with "prose": true the chat model's text
 * is streamed (partialResultToken) and joins the reply. */
int lsp_h_explain(lsp_server *s, json_t *p, json_t **r, const char **msg)
{
	lsym u;
	ra_store *st;
	ra_explain *e = NULL;
	ra_explain_opts eo = {0};
	const char *name;
	json_t *res;
	int code = unit_param(s, p, &u, msg);

	if (code)
		return code;
	name = lsp_kind_is(u.kind, "architecture") && u.type ? u.type : u.name;
	st = lsp_store(s);
	if (!st) {
		*msg = "no index yet";
		return RA_RPC_REQUEST_FAILED;
	}
	eo.root = s->ws.root;
	eo.max_file_size = (size_t)s->ws.index.max_file_size;
	if (graph_open(s, &eo.graph, msg) != 0)
		eo.graph = NULL; /* explain opens its own */
	code = ra_explain_unit(&e, st, name, &eo);
	if (code) {
		*msg = code == RA_ENOTFOUND ? "unknown unit (not in the index yet?)"
		                            : ra_arena_strdup(s->arena, ra_error_last());
		return code == RA_ENOTFOUND ? RA_RPC_INVALID_PARAMS : RA_RPC_REQUEST_FAILED;
	}
	res = ra_explain_json(e, loc_lsp, s);
	if (!res) {
		ra_explain_free(e);
		*msg = "out of memory";
		return RA_RPC_REQUEST_FAILED;
	}
	if (json_is_true(json_object_get(p, "prose"))) {
		ra_explain_prompt pr;
		lsp_gen_spec spec = {0};

		if (!s->ws.chat) {
			json_object_set_new(
			        res, "prose_error",
			        json_string("no chat model is configured (chat.* settings)"));
		} else if (ra_explain_prompt_build(&pr, st, e, 0) != RA_OK) {
			json_object_set_new(res, "prose_error", json_string(ra_error_last()));
		} else {
			spec.g = s->ws.chat;
			spec.req = &pr.req;
			spec.progress_token = json_object_get(p, "partialResultToken");
			spec.finish = explain_finish;
			spec.ctx = res;
			code = lsp_gen_start(s, &spec, msg);
			ra_explain_prompt_free(&pr);
			ra_explain_free(e);
			return code;
		}
	}
	ra_explain_free(e);
	*r = res;
	return 0;
}

/* ---- graph -------------------------------------------------------------------------------- */

/*
 * The hierarchy reply is written as JSON text while the graph walks (20,000 nodes and 8 MB of
 * reply on OpenTitan: as a jansson tree, more time went to building, dumping and freeing it
 * than to the walk). Nodes come depth first: a node's object stays open, its "children" last,
 * until a node at its depth or above comes. A node whose path or type is not UTF-8 is left out
 * with what lies below it, and an optional string that is not UTF-8 is left out: what the
 * jansson reply did.
 */
typedef struct tree_build {
	lsp_server *s;
	ra_buf out;
	lsp_locw locw;
	int open[64];  /* depths of the nodes whose objects are open, outermost first */
	bool kids[64]; /* whether that node has a child written yet */
	size_t nopen;
	bool any_root; /* a root was written: the next one needs a comma */
	int skip;      /* a node left out: its descendants are too (-1 when none) */
	int rc;        /* ra_buf's error, which stops the walk */
	size_t nodes, max_nodes;
	bool truncated;
} tree_build;

/* closes the open nodes at `depth` or below */
static void tree_close(tree_build *tb, int depth)
{
	while (!tb->rc && tb->nopen && tb->open[tb->nopen - 1] >= depth) {
		tb->rc = ra_buf_puts(&tb->out, "]}");
		tb->nopen--;
	}
}

/* `"key":"value"` when `v` is set and UTF-8; RA_EINVAL (nothing written) when it is not */
static int tree_str(ra_buf *b, const char *key, const char *v)
{
	size_t at = b->len;
	int rc;

	if (!v)
		return 0;
	rc = ra_buf_puts(b, key);
	rc = rc ? rc : lsp_put_str(b, v);
	if (rc == RA_EINVAL) {
		b->len = at;
		b->data[at] = '\0';
	}
	return rc;
}

static int tree_node(const ra_graph_node *n, void *payload)
{
	tree_build *tb = payload;
	ra_buf *b = &tb->out;
	int rc;

	if (tb->nodes++ >= tb->max_nodes) {
		tb->truncated = true;
		return 1;
	}
	if (n->depth < 0 || n->depth >= 64)
		return 0;
	if (tb->skip >= 0 && n->depth > tb->skip)
		return 0;
	tb->skip = -1;
	tree_close(tb, n->depth);
	if (tb->rc)
		return 1;
	if (n->depth > 0 && (!tb->nopen || tb->open[tb->nopen - 1] != n->depth - 1))
		return 0; /* no parent to hang under */
	if (!lsp_is_utf8(n->path ? n->path : "") || !lsp_is_utf8(n->type ? n->type : "")) {
		tb->skip = n->depth;
		return 0;
	}
	if (n->depth == 0 ? tb->any_root : tb->kids[tb->nopen - 1])
		rc = ra_buf_putc(b, ',');
	else
		rc = 0;
	if (n->depth == 0)
		tb->any_root = true;
	else
		tb->kids[tb->nopen - 1] = true;
	rc = rc ? rc : ra_buf_puts(b, "{\"path\":");
	rc = rc ? rc : lsp_put_str(b, n->path ? n->path : "");
	rc = rc ? rc : ra_buf_puts(b, ",\"type\":");
	rc = rc ? rc : lsp_put_str(b, n->type ? n->type : "");
	rc = rc ? rc : tree_str(b, ",\"instance\":", n->inst);
	rc = rc && rc != RA_EINVAL ? rc : tree_str(b, ",\"unit\":", n->unit);
	rc = rc && rc != RA_EINVAL ? rc : tree_str(b, ",\"kind\":", n->kind);
	rc = rc && rc != RA_EINVAL ? rc : tree_str(b, ",\"how\":", n->how);
	rc = rc && rc != RA_EINVAL ? rc : tree_str(b, ",\"architecture\":", n->arch);
	if (rc == RA_EINVAL)
		rc = 0;
	if (!rc && n->file) {
		rc = ra_buf_puts(b, ",\"location\":");
		rc = rc ? rc : lsp_put_location(tb->s, &tb->locw, b, n->file, n->span);
	}
	if (!rc && n->recursive)
		rc = ra_buf_puts(b, ",\"recursive\":true");
	if (!rc && n->truncated)
		rc = ra_buf_puts(b, ",\"truncated\":true");
	if (!rc && n->depth == 0 && n->testbench)
		rc = ra_buf_puts(b, ",\"testbench\":true");
	rc = rc ? rc : ra_buf_puts(b, ",\"children\":[");
	if (rc) {
		tb->rc = rc;
		return 1;
	}
	tb->open[tb->nopen] = n->depth;
	tb->kids[tb->nopen++] = false;
	return 0;
}

typedef struct tops {
	json_t *list;
} tops;

static int top_cb(const ra_graph_node *n, void *payload)
{
	tops *t = payload;

	json_array_append_new(t->list,
	                      json_pack("{s:s, s:I, s:I}", "name", n->type ? n->type : "", "unit",
	                                (json_int_t)n->unit_id, "body", (json_int_t)n->body_id));
	return 0;
}

int lsp_h_hierarchy(lsp_server *s, json_t *p, json_t **r, const char **msg)
{
	const char *top = json_string_value(json_object_get(p, "top"));
	json_int_t depth = json_integer_value(json_object_get(p, "depth"));
	tree_build tb = {.s = s, .max_nodes = 20000, .skip = -1};
	ra_graph *g;
	int code = graph_open(s, &g, msg);

	if (code)
		return code;
	ra_buf_init(&tb.out, 0);
	tb.rc = ra_buf_puts(&tb.out, "{\"roots\":[");
	if (top) {
		ra_graph_unit u;

		if (ra_graph_unit_find(g, top, &u) != RA_OK) {
			ra_buf_free(&tb.out);
			*msg = "unknown unit";
			return RA_RPC_INVALID_PARAMS;
		}
		if (!tb.rc)
			ra_graph_tree(g, u.id, u.body_id, (int)depth, tree_node, &tb);
	} else {
		tops t = {json_array()};
		size_t i;
		json_t *v;

		ra_graph_tops(g, top_cb, &t);
		json_array_foreach(t.list, i, v)
		{
			if (tb.truncated || tb.rc)
				break;
			tree_close(&tb, 0);
			tb.skip = -1;
			ra_graph_tree(g, json_integer_value(json_object_get(v, "unit")),
			              json_integer_value(json_object_get(v, "body")), (int)depth,
			              tree_node, &tb);
		}
		json_decref(t.list);
	}
	tree_close(&tb, 0);
	if (!tb.rc)
		tb.rc = ra_buf_puts(&tb.out, tb.truncated ? "],\"truncated\":true}"
		                                          : "],\"truncated\":false}");
	if (tb.rc) {
		ra_buf_free(&tb.out);
		*msg = "out of memory";
		return RA_RPC_INTERNAL_ERROR;
	}
	lsp_result_text(s, &tb.out);
	*r = NULL;
	return 0;
}

/* the most hits a client may ask of one trace (its reply is about 1 KB a hit) */
#define TRACE_LIMIT_MAX 100000

/* The trace reply is written as JSON text too (1,000 hits of 1 KB). A hit whose signal or
 * strings are not UTF-8 is left out, as are such a hop and a hop's unit: what jansson did. */
typedef struct trace_build {
	lsp_server *s;
	ra_buf out;
	lsp_locw locw;
	bool any;
	int rc;
} trace_build;

static int trace_hop(trace_build *tb, const ra_graph_hop *hp, bool first)
{
	ra_buf *b = &tb->out;
	const char *from = hp->from ? hp->from : "", *to = hp->to ? hp->to : "";
	const char *kind = hp->kind ? hp->kind : "", *how = hp->how ? hp->how : "";
	int rc;

	if (!lsp_is_utf8(from) || !lsp_is_utf8(to) || !lsp_is_utf8(kind) || !lsp_is_utf8(how))
		return 1;
	rc = ra_buf_puts(b, first ? "{\"from\":" : ",{\"from\":");
	rc = rc ? rc : lsp_put_str(b, from);
	rc = rc ? rc : ra_buf_puts(b, ",\"to\":");
	rc = rc ? rc : lsp_put_str(b, to);
	rc = rc ? rc : ra_buf_puts(b, ",\"kind\":");
	rc = rc ? rc : lsp_put_str(b, kind);
	rc = rc ? rc : ra_buf_puts(b, ",\"how\":");
	rc = rc ? rc : lsp_put_str(b, how);
	if (!rc && hp->unit && lsp_is_utf8(hp->unit)) {
		rc = ra_buf_puts(b, ",\"unit\":");
		rc = rc ? rc : lsp_put_str(b, hp->unit);
	}
	if (!rc && hp->file) {
		rc = ra_buf_puts(b, ",\"location\":");
		rc = rc ? rc
		        : lsp_put_location(tb->s, &tb->locw, b, hp->file,
		                           (ra_span){hp->line, hp->col, hp->line, hp->col});
	}
	return rc ? rc : ra_buf_putc(b, '}');
}

static int trace_hit(const ra_graph_hit *h, void *payload)
{
	trace_build *tb = payload;
	ra_buf *b = &tb->out;
	const char *unit = h->unit ? h->unit : "", *where = h->where ? h->where : "";
	bool first = true;
	int rc;

	if (!h->signal || !lsp_is_utf8(h->signal) || !lsp_is_utf8(unit) || !lsp_is_utf8(where))
		return 0;
	rc = ra_buf_puts(b, tb->any ? ",{\"signal\":" : "{\"signal\":");
	rc = rc ? rc : lsp_put_str(b, h->signal);
	rc = rc ? rc : ra_buf_puts(b, ",\"unit\":");
	rc = rc ? rc : lsp_put_str(b, unit);
	rc = rc ? rc : ra_buf_puts(b, ",\"where\":");
	rc = rc ? rc : lsp_put_str(b, where);
	rc = rc ? rc : ra_buf_puts(b, ",\"depth\":");
	rc = rc ? rc : lsp_put_int(b, h->depth);
	rc = rc ? rc : ra_buf_puts(b, ",\"hops\":[");
	for (size_t i = 0; !rc && i < h->nhops; i++) {
		rc = trace_hop(tb, &h->hops[i], first);
		if (rc == 1)
			rc = 0;
		else
			first = false;
	}
	rc = rc ? rc : ra_buf_puts(b, "]}");
	tb->any = true;
	if (rc) {
		tb->rc = rc;
		return 1;
	}
	return 0;
}

int lsp_h_trace(lsp_server *s, json_t *p, json_t **r, const char **msg)
{
	const char *unit = json_string_value(json_object_get(p, "unit"));
	const char *signal = json_string_value(json_object_get(p, "signal"));
	const char *dir = json_string_value(json_object_get(p, "direction"));
	json_t *limit = json_object_get(p, "limit");
	ra_graph_trace_opts o = {.dir = RA_GRAPH_DRIVERS, .max_hits = RA_GRAPH_MAX_HITS_DEFAULT};
	trace_build tb = {.s = s};
	ra_graph_unit u;
	ra_graph *g;
	bool truncated = false;
	int code;

	if (!unit || !signal || strlen(unit) > 512 || strlen(signal) > 512) {
		*msg = "params need \"unit\" and \"signal\"";
		return RA_RPC_INVALID_PARAMS;
	}
	if (dir && !strcmp(dir, "loads"))
		o.dir = RA_GRAPH_LOADS;
	else if (dir && strcmp(dir, "drivers") != 0) {
		*msg = "direction is \"drivers\" or \"loads\"";
		return RA_RPC_INVALID_PARAMS;
	}
	if (limit && (!json_is_integer(limit) || json_integer_value(limit) < 1 ||
	              json_integer_value(limit) > TRACE_LIMIT_MAX)) {
		*msg = "limit is a number of hits from 1 to 100000";
		return RA_RPC_INVALID_PARAMS;
	}
	if (limit)
		o.max_hits = (size_t)json_integer_value(limit);
	o.max_depth = (int)json_integer_value(json_object_get(p, "depth"));
	code = graph_open(s, &g, msg);
	if (code)
		return code;
	if (ra_graph_unit_find(g, unit, &u) != RA_OK) {
		*msg = "unknown unit";
		return RA_RPC_INVALID_PARAMS;
	}
	ra_buf_init(&tb.out, 0);
	tb.rc = ra_buf_puts(&tb.out, "{\"unit\":");
	tb.rc = tb.rc ? tb.rc : lsp_put_str(&tb.out, unit);
	tb.rc = tb.rc ? tb.rc : ra_buf_puts(&tb.out, ",\"signal\":");
	tb.rc = tb.rc ? tb.rc : lsp_put_str(&tb.out, signal);
	tb.rc = tb.rc ? tb.rc
	              : ra_buf_puts(&tb.out, o.dir == RA_GRAPH_LOADS
	                                             ? ",\"direction\":\"loads\",\"hits\":["
	                                             : ",\"direction\":\"drivers\",\"hits\":[");
	if (!tb.rc && ra_graph_trace(g, &u, signal, &o, trace_hit, &tb, &truncated) != RA_OK &&
	    !tb.rc) {
		ra_buf_free(&tb.out);
		*msg = ra_arena_strdup(s->arena, ra_error_last());
		return RA_RPC_INVALID_PARAMS;
	}
	if (!tb.rc)
		tb.rc = ra_buf_puts(&tb.out,
		                    truncated ? "],\"truncated\":true}" : "],\"truncated\":false}");
	if (tb.rc) {
		ra_buf_free(&tb.out);
		*msg = "out of memory";
		return RA_RPC_INTERNAL_ERROR;
	}
	lsp_result_text(s, &tb.out);
	*r = NULL;
	return 0;
}

/* ---- search ------------------------------------------------------------------------------- */

/* the server's searcher over `st` (the main thread's read connection), opened once: it keeps
   the vector file and the name table loaded and reloads them itself when the index changes */
static ra_searcher *lsp_searcher(lsp_server *s, ra_store *st)
{
	if (s->searcher)
		return s->searcher;
	if (s->ws.embed && !s->search_emb &&
	    ra_embedder_open(&s->search_emb, s->ws.embed) != RA_OK) {
		lsp_log(s, RA_LOG_WARN, "search: embedder: %s; vector channel off",
		        ra_error_last());
		s->search_emb = NULL;
	}
	if (ra_searcher_open(&s->searcher, st, s->ws.state_dir, s->search_emb, s->opts.log) !=
	    RA_OK)
		s->searcher = NULL;
	return s->searcher;
}

int lsp_h_search(lsp_server *s, json_t *p, json_t **r, const char **msg)
{
	const char *q = json_string_value(json_object_get(p, "query"));
	ra_search_opts o = {0};
	ra_search_results res = {0};
	ra_searcher *se = NULL;
	ra_store *st = lsp_store(s);
	json_t *out;

	if (!q) {
		*msg = "params need \"query\"";
		return RA_RPC_INVALID_PARAMS;
	}
	if (!st) {
		*msg = "no index yet";
		return RA_RPC_REQUEST_FAILED;
	}
	o.query = q;
	o.top = (size_t)json_integer_value(json_object_get(p, "top"));
	o.kind = json_string_value(json_object_get(p, "kind"));
	o.path = json_string_value(json_object_get(p, "path"));
	if (!(se = lsp_searcher(s, st))) {
		*msg = "search is not available";
		return RA_RPC_REQUEST_FAILED;
	}
	if (ra_search(&res, se, &o) != RA_OK) {
		*msg = ra_arena_strdup(s->arena, ra_error_last());
		return RA_RPC_INVALID_PARAMS;
	}
	out = json_array();
	for (size_t i = 0; i < res.n; i++) {
		const ra_search_hit *h = &res.hits[i];
		json_t *ch = json_array();

		for (unsigned b = 1; b <= RA_SEARCH_GRAPH; b <<= 1)
			if (h->channels & b)
				json_array_append_new(ch, json_string(ra_search_channel_name(b)));
		json_array_append_new(
		        out,
		        json_pack("{s:s, s:o, s:s, s:f, s:o, s:s}", "uri", lsp_rel_uri(s, h->file),
		                  "range",
		                  lsp_range(s, h->file, (ra_span){h->line, 0, h->end_line + 1, 0}),
		                  "kind", h->kind ? h->kind : "", "score", h->score, "channels", ch,
		                  "snippet", h->snippet ? h->snippet : ""));
		if (h->unit)
			json_object_set_new(json_array_get(out, json_array_size(out) - 1), "unit",
			                    json_string(h->unit));
	}
	ra_search_results_free(&res);
	*r = json_pack("{s:s, s:o}", "query", q, "results", out);
	return 0;
}
