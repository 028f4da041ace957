/*
 * handlers_custom.c - rtlassist's own requests, for what LSP has no method for (documented with
 * their params and results in README.md, section LSP):
 *   rtlassist/explain    a unit explained from the index: parameters, ports, submodules (one
 *                        line each), where it is instantiated, clocks and resets;
 *   rtlassist/hierarchy  instance trees (indexer/graph.h);
 *   rtlassist/trace      drivers or loads of a signal across the hierarchy (indexer/graph.h);
 *   rtlassist/search     search in words or identifiers (retriever/search.h).
 */
#define _DEFAULT_SOURCE
#include "indexer/graph.h"
#include "lsp/lsp_internal.h"
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

static const char SQL_DOMAINS[] =
        "SELECT source, kind, count(DISTINCT target) FROM flows WHERE unit_id = ?1 AND"
        " kind IN (2, 3) GROUP BY source, kind ORDER BY source";

static void domains(lsp_server *s, const lsym *u, json_t *clocks, json_t *resets)
{
	if (u->doc) {
		const ra_model *m = u->doc->model;
		json_t *seen = json_object();

		for (size_t i = 0; i < m->nflows; i++) {
			const ra_flow *f = &m->flows[i];
			json_t *list = f->kind == RA_FLOW_CLOCK   ? clocks
			               : f->kind == RA_FLOW_RESET ? resets
			                                          : NULL;
			const char *key;
			json_t *e;

			if (!list || lsp_model_unit_of(m, f->scope) != u->idx)
				continue;
			key = ra_arena_printf(s->arena, "%d:%s", f->kind, f->source);
			e = json_object_get(seen, key);
			if (!e) {
				e = json_pack("{s:s, s:i, s:{}}", "name", f->source, "registers", 0,
				              "targets");
				json_object_set_new(seen, key, e);
				json_array_append(list, e);
			}
			json_object_set_new(json_object_get(e, "targets"), f->target, json_true());
			json_object_set_new(e, "registers",
			                    json_integer((json_int_t)json_object_size(
			                            json_object_get(e, "targets"))));
		}
		for (size_t k = 0; k < 2; k++) {
			json_t *list = k ? resets : clocks, *e;
			size_t i;

			json_array_foreach(list, i, e) json_object_del(e, "targets");
		}
		json_decref(seen);
		return;
	}
	{
		struct sqlite3_stmt *st = lsp_stmt_get(s, SQL_DOMAINS);

		if (!st)
			return;
		sqlite3_bind_int64(st, 1, u->id);
		while (sqlite3_step(st) == SQLITE_ROW)
			json_array_append_new(sqlite3_column_int(st, 1) == RA_FLOW_CLOCK ? clocks
			                                                                 : resets,
			                      json_pack("{s:s, s:i}", "name",
			                                (const char *)sqlite3_column_text(st, 0),
			                                "registers", sqlite3_column_int(st, 2)));
		sqlite3_reset(st);
	}
}

int lsp_h_explain(lsp_server *s, json_t *p, json_t **r, const char **msg)
{
	lsym u;
	lsyms iface = {0}, inst = {0}, users = {0}, bodies = {0};
	json_t *params, *ports, *subs, *by, *clocks, *resets, *o;
	const char *comment;
	int code = unit_param(s, p, &u, msg);

	if (code)
		return code;
	if (lsp_kind_is(u.kind, "architecture") && u.type) {
		lsym e;

		if (lsp_q_best_unit(s, u.type, RA_LANG_VHDL, &e)) {
			lsyms_push(s, &bodies, &u);
			u = e;
		}
	}
	lsp_q_interface(s, &u, &iface);
	params = json_array();
	ports = json_array();
	for (size_t i = 0; i < iface.n; i++) {
		const lsym *y = &iface.v[i];
		const char *w = lsp_width(s, y->type, y->lang);

		if (lsp_kind_is(y->kind, "port")) {
			o = json_pack("{s:s, s:s, s:s}", "name", y->name, "direction",
			              y->dir ? y->dir : "", "type", y->type ? y->type : "");
			if (w)
				json_object_set_new(o, "width", json_string(w));
			json_array_append_new(ports, o);
		} else {
			o = json_pack("{s:s, s:s}", "name", y->name, "type",
			              y->type ? y->type : "");
			if (y->value)
				json_object_set_new(o, "default", json_string(y->value));
			json_array_append_new(params, o);
		}
	}
	/* the bodies holding submodules: the unit, or a VHDL entity's architectures */
	if (!bodies.n) {
		if (lsp_kind_is(u.kind, "entity")) {
			lsyms all = {0};

			lsp_q_find(s, u.name, &all);
			for (size_t i = 0; i < s->ndocs; i++)
				for (size_t k = 0;
				     s->docs[i]->model && k < s->docs[i]->model->nsyms; k++)
					if (s->docs[i]->model->syms[k].kind ==
					            RA_SYM_ARCHITECTURE &&
					    lsp_name_eq(s->docs[i]->model->syms[k].type, u.name,
					                RA_LANG_VHDL)) {
						lsym a;

						lsym_from_model(s, &a, s->docs[i], (int32_t)k);
						lsyms_push(s, &bodies, &a);
					}
			(void)all;
		}
		if (!bodies.n)
			lsyms_push(s, &bodies, &u);
	}
	for (size_t i = 0; i < bodies.n; i++)
		lsp_q_instances_in(s, &bodies.v[i], &inst);
	subs = json_array();
	for (size_t i = 0; i < inst.n; i++) {
		const lsym *y = &inst.v[i];
		lsym t;
		lsyms ti = {0};
		size_t np = 0, nq = 0;
		const char *line;

		if (y->doc ? lsp_instance_unit(s, y->doc, y->idx, &t)
		           : lsp_q_best_unit(s, y->type, y->lang, &t)) {
			const char *c = lsp_comment_above(s, t.rel, t.span.line, t.lang);
			const char *nl = c ? strchr(c, '\n') : NULL;

			lsp_q_interface(s, &t, &ti);
			for (size_t k = 0; k < ti.n; k++)
				lsp_kind_is(ti.v[k].kind, "port") ? nq++ : np++;
			line = ra_arena_printf(
			        s->arena, "%s %s: %s %s, %zu parameters, %zu ports%s%.*s", y->type,
			        y->name, t.kind, t.name, np, nq, c ? " — " : "",
			        c ? (int)(nl ? nl - c : 200) : 0, c ? c : "");
		} else {
			line = ra_arena_printf(s->arena, "%s %s: unresolved",
			                       y->type ? y->type : "?", y->name);
		}
		json_array_append_new(subs, json_pack("{s:s, s:s, s:o, s:s}", "instance", y->name,
		                                      "unit", y->type ? y->type : "", "location",
		                                      lsp_location(s, y->rel, y->name_span),
		                                      "summary", line));
	}
	lsp_q_instances_of(s, u.name, u.lang, &users);
	by = json_array();
	for (size_t i = 0; i < users.n; i++) {
		lsym parent;

		if (lsp_q_unit_of(s, &users.v[i], &parent) != RA_OK)
			continue;
		json_array_append_new(
		        by, json_pack("{s:s, s:s, s:o}", "unit", parent.name, "instance",
		                      users.v[i].name, "location",
		                      lsp_location(s, users.v[i].rel, users.v[i].name_span)));
	}
	clocks = json_array();
	resets = json_array();
	for (size_t i = 0; i < bodies.n; i++)
		domains(s, &bodies.v[i], clocks, resets);
	comment = lsp_comment_above(s, u.rel, u.span.line, u.lang);
	*r = json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "name", u.name,
	               "kind", u.kind, "language", ra_model_lang_name(u.lang), "location",
	               lsp_location(s, u.rel, u.name_span), "comment",
	               comment ? json_string(comment) : json_null(), "parameters", params, "ports",
	               ports, "submodules", subs, "instantiatedBy", by, "clocks", clocks, "resets",
	               resets);
	return 0;
}

/* ---- graph -------------------------------------------------------------------------------- */

typedef struct tree_build {
	lsp_server *s;
	json_t *stack[64];
	json_t *roots;
	size_t nodes, max_nodes;
	bool truncated;
} tree_build;

static int tree_node(const ra_graph_node *n, void *payload)
{
	tree_build *tb = payload;
	json_t *o;

	if (tb->nodes++ >= tb->max_nodes) {
		tb->truncated = true;
		return 1;
	}
	if (n->depth < 0 || n->depth >= 64)
		return 0;
	o = json_pack("{s:s, s:s, s:o}", "path", n->path ? n->path : "", "type",
	              n->type ? n->type : "", "children", json_array());
	if (n->inst)
		json_object_set_new(o, "instance", json_string(n->inst));
	if (n->unit)
		json_object_set_new(o, "unit", json_string(n->unit));
	if (n->kind)
		json_object_set_new(o, "kind", json_string(n->kind));
	if (n->how)
		json_object_set_new(o, "how", json_string(n->how));
	if (n->arch)
		json_object_set_new(o, "architecture", json_string(n->arch));
	if (n->file)
		json_object_set_new(o, "location", lsp_location(tb->s, n->file, n->span));
	if (n->recursive)
		json_object_set_new(o, "recursive", json_true());
	if (n->truncated)
		json_object_set_new(o, "truncated", json_true());
	if (n->depth == 0) {
		if (n->testbench)
			json_object_set_new(o, "testbench", json_true());
		json_array_append_new(tb->roots, o);
	} else if (tb->stack[n->depth - 1]) {
		json_array_append_new(json_object_get(tb->stack[n->depth - 1], "children"), o);
	} else {
		json_decref(o);
		return 0;
	}
	tb->stack[n->depth] = o;
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

static int graph_open(lsp_server *s, ra_graph **g, const char **msg)
{
	ra_store *st = lsp_store(s);

	if (!st || ra_graph_open(g, st) != RA_OK) {
		*msg = "no index yet";
		return RA_RPC_REQUEST_FAILED;
	}
	return 0;
}

int lsp_h_hierarchy(lsp_server *s, json_t *p, json_t **r, const char **msg)
{
	const char *top = json_string_value(json_object_get(p, "top"));
	json_int_t depth = json_integer_value(json_object_get(p, "depth"));
	tree_build tb = {.s = s, .max_nodes = 20000};
	ra_graph *g;
	int code = graph_open(s, &g, msg);

	if (code)
		return code;
	tb.roots = json_array();
	if (top) {
		ra_graph_unit u;

		if (ra_graph_unit_find(g, top, &u) != RA_OK) {
			ra_graph_close(g);
			json_decref(tb.roots);
			*msg = "unknown unit";
			return RA_RPC_INVALID_PARAMS;
		}
		ra_graph_tree(g, u.id, u.body_id, (int)depth, tree_node, &tb);
	} else {
		tops t = {json_array()};
		size_t i;
		json_t *v;

		ra_graph_tops(g, top_cb, &t);
		json_array_foreach(t.list, i, v)
		{
			if (tb.truncated)
				break;
			memset(tb.stack, 0, sizeof(tb.stack));
			ra_graph_tree(g, json_integer_value(json_object_get(v, "unit")),
			              json_integer_value(json_object_get(v, "body")), (int)depth,
			              tree_node, &tb);
		}
		json_decref(t.list);
	}
	ra_graph_close(g);
	*r = json_pack("{s:o, s:b}", "roots", tb.roots, "truncated", tb.truncated);
	return 0;
}

typedef struct trace_build {
	lsp_server *s;
	json_t *hits;
} trace_build;

static int trace_hit(const ra_graph_hit *h, void *payload)
{
	trace_build *tb = payload;
	json_t *hops = json_array();

	for (size_t i = 0; i < h->nhops; i++) {
		const ra_graph_hop *hp = &h->hops[i];
		json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "from", hp->from ? hp->from : "",
		                      "to", hp->to ? hp->to : "", "kind", hp->kind ? hp->kind : "",
		                      "how", hp->how ? hp->how : "");

		if (hp->unit)
			json_object_set_new(o, "unit", json_string(hp->unit));
		if (hp->file)
			json_object_set_new(
			        o, "location",
			        lsp_location(tb->s, hp->file,
			                     (ra_span){hp->line, hp->col, hp->line, hp->col}));
		json_array_append_new(hops, o);
	}
	json_array_append_new(tb->hits,
	                      json_pack("{s:s, s:s, s:s, s:i, s:o}", "signal", h->signal, "unit",
	                                h->unit ? h->unit : "", "where", h->where ? h->where : "",
	                                "depth", h->depth, "hops", hops));
	return 0;
}

int lsp_h_trace(lsp_server *s, json_t *p, json_t **r, const char **msg)
{
	const char *unit = json_string_value(json_object_get(p, "unit"));
	const char *signal = json_string_value(json_object_get(p, "signal"));
	const char *dir = json_string_value(json_object_get(p, "direction"));
	ra_graph_trace_opts o = {.dir = RA_GRAPH_DRIVERS, .max_hits = 1000};
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
	o.max_depth = (int)json_integer_value(json_object_get(p, "depth"));
	code = graph_open(s, &g, msg);
	if (code)
		return code;
	if (ra_graph_unit_find(g, unit, &u) != RA_OK) {
		ra_graph_close(g);
		*msg = "unknown unit";
		return RA_RPC_INVALID_PARAMS;
	}
	tb.hits = json_array();
	if (ra_graph_trace(g, &u, signal, &o, trace_hit, &tb, &truncated) != RA_OK) {
		ra_graph_close(g);
		json_decref(tb.hits);
		*msg = ra_arena_strdup(s->arena, ra_error_last());
		return RA_RPC_INVALID_PARAMS;
	}
	ra_graph_close(g);
	*r = json_pack("{s:s, s:s, s:s, s:o, s:b}", "unit", unit, "signal", signal, "direction",
	               o.dir == RA_GRAPH_LOADS ? "loads" : "drivers", "hits", tb.hits, "truncated",
	               truncated);
	return 0;
}

/* ---- search ------------------------------------------------------------------------------- */

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
	if (ra_searcher_open(&se, st, NULL, NULL, NULL) != RA_OK) {
		*msg = "search is not available";
		return RA_RPC_REQUEST_FAILED;
	}
	if (ra_search(&res, se, &o) != RA_OK) {
		*msg = ra_arena_strdup(s->arena, ra_error_last());
		ra_searcher_close(se);
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
	ra_searcher_close(se);
	*r = json_pack("{s:s, s:o}", "query", q, "results", out);
	return 0;
}
