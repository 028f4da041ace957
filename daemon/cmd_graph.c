/*
 * cmd_graph.c - the design graph on the command line: `hierarchy` (instance trees below the
 * tops), `trace` (drivers and loads of a signal across the hierarchy, fan-in cones, clock and
 * reset domains) and `graph` (Graphviz pictures of an instance tree or of a unit's dataflow).
 *
 * Text output leads every hit with `file:line:column:`, like cmd_query.c; JSON locations are
 * {"file","line","column","end_line","end_column"}, 1-based. Pictures are Graphviz dot text,
 * turned into SVG by running `dot -Tsvg`.
 */
#define _DEFAULT_SOURCE
#include "daemon/cli.h"
#include "daemon/json_out.h"
#include "daemon/workspace.h"
#include "indexer/graph.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static json_t *point(const char *file, uint32_t line, uint32_t col)
{
	return ra_json_location(file, (ra_span){line, col, line, col});
}

/* the index and a graph handle over it: in the daemon its warm handle (borrowed, refreshed
 * by the daemon before the command), else one opened for this command; prints the error and
 * returns false on failure */
static bool open_graph(const ra_cli_opts *o, const char *cmd, ra_workspace **ws, ra_store **st,
                       ra_graph **g)
{
	const ra_cli_env *env = ra_cli_env_get();
	ra_logger lg = ra_cli_logger(o);

	*g = NULL;
	if (ra_cli_index_open(ws, st, o, &lg, cmd) != 0)
		return false;
	if (env && env->graph && *st == env->store) {
		*g = env->graph;
		return true;
	}
	if (ra_graph_open(g, *st) != 0) {
		fprintf(ra_cli_err(), "rtlassist %s: %s\n", cmd, ra_error_last());
		ra_cli_index_close(*ws, *st);
		return false;
	}
	return true;
}

static void close_graph(ra_workspace *ws, ra_store *st, ra_graph *g)
{
	const ra_cli_env *env = ra_cli_env_get();

	if (!env || g != env->graph)
		ra_graph_close(g);
	ra_cli_index_close(ws, st);
}

/* --depth N: a non-negative integer; false after printing a message */
static bool parse_depth(const char *cmd, const char *v, int *out)
{
	char *end;
	long n = v ? strtol(v, &end, 10) : -1;

	if (!v || *end || n < 0 || n > 1000000) {
		fprintf(ra_cli_err(), "rtlassist %s: --depth needs a number >= 0 (0: unlimited)\n",
		        cmd);
		return false;
	}
	*out = (int)n;
	return true;
}

/* ==== hierarchy ============================================================================== */

typedef struct tree_out {
	bool json;
	json_t *stack[260]; /* children arrays by depth */
	json_t *tops;
	json_t *unres; /* with TOP: the tree's unresolved instances */
	size_t nodes, unresolved;
} tree_out;

static json_t *params_json(const ra_graph_node *n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n->nparams; i++) {
		json_t *p = json_pack("{s:i}", "position", n->params[i].position);

		ra_json_set_opt(p, "formal", n->params[i].formal);
		ra_json_set_opt(p, "actual", n->params[i].actual);
		json_array_append_new(a, p);
	}
	return a;
}

static json_t *node_json(const ra_graph_node *n)
{
	json_t *o = json_pack("{s:s, s:s}", "name", n->inst ? n->inst : n->type, "path", n->path);

	ra_json_set_opt(o, "type", n->type);
	ra_json_set_opt(o, "unit", n->unit);
	ra_json_set_opt(o, "kind", n->kind);
	ra_json_set_opt(o, "language", n->lang);
	ra_json_set_opt(o, "architecture", n->arch);
	ra_json_set_opt(o, "how", n->how);
	ra_json_set_opt(o, "scope", n->scope);
	if (n->nparams)
		json_object_set_new(o, "parameters", params_json(n));
	json_object_set_new(o, "location", ra_json_location(n->file, n->span));
	if (n->unit_file)
		json_object_set_new(o, "definition", ra_json_location(n->unit_file, n->unit_span));
	if (n->depth == 0)
		json_object_set_new(o, "testbench", json_boolean(n->testbench));
	if (n->recursive)
		json_object_set_new(o, "recursive", json_true());
	if (n->truncated)
		json_object_set_new(o, "truncated", json_true());
	return o;
}

static void print_params(const ra_graph_node *n)
{
	if (!n->nparams)
		return;
	/* a tree is read line by line: keep overrides to about 100 columns (--json has them all) */
	size_t width = 0, i = 0;

	fprintf(ra_cli_out(), " #(");
	for (; i < n->nparams && width < 100; i++) {
		const ra_graph_param *p = &n->params[i];
		int w;

		if (p->formal)
			w = fprintf(ra_cli_out(), "%s%s=%s", i ? ", " : "", p->formal,
			            p->actual ? p->actual : "");
		else
			w = fprintf(ra_cli_out(), "%s%s", i ? ", " : "",
			            p->actual ? p->actual : "");
		width += w > 0 ? (size_t)w : 0;
	}
	if (i < n->nparams)
		fprintf(ra_cli_out(), ", ... %zu more", n->nparams - i);
	fprintf(ra_cli_out(), ")");
}

static int tree_node(const ra_graph_node *n, void *payload)
{
	tree_out *t = payload;

	t->nodes++;
	if (t->json) {
		json_t *o = node_json(n);
		json_t *kids = json_array();

		if (n->depth > 0 && !n->unit && strcmp(n->how, RA_GRAPH_HOW_UNRESOLVED) == 0 &&
		    t->unres)
			json_array_append_new(t->unres,
			                      json_pack("{s:s, s:s, s:s, s:o}", "path", n->path,
			                                "instance", n->inst, "type", n->type,
			                                "location",
			                                ra_json_location(n->file, n->span)));

		json_object_set_new(o, "children", kids);
		if (n->depth == 0)
			json_array_append_new(t->tops, o);
		else if (n->depth < 260 && t->stack[n->depth - 1])
			json_array_append_new(t->stack[n->depth - 1], o);
		else
			json_decref(o);
		if (n->depth < 259)
			t->stack[n->depth] = kids;
		return RA_OK;
	}
	if (n->depth > 0 && !n->unit && strcmp(n->how, RA_GRAPH_HOW_UNRESOLVED) == 0)
		t->unresolved++;
	if (n->depth == 0) {
		fprintf(ra_cli_out(), "%s:%u:%u: %s (%s, %s%s%s)%s\n", n->file, n->span.line + 1,
		        n->span.col + 1, n->type, n->kind ? n->kind : "?", n->lang ? n->lang : "?",
		        n->arch ? ", architecture " : "", n->arch ? n->arch : "",
		        n->testbench ? " [testbench]" : "");
		return RA_OK;
	}
	fprintf(ra_cli_out(), "%s:%u:%u: %*s%s%s%s : %s", n->file, n->span.line + 1,
	        n->span.col + 1, 2 * n->depth, "", n->scope ? n->scope : "", n->scope ? "." : "",
	        n->inst, n->unit ? n->unit : n->type);
	if (n->arch)
		fprintf(ra_cli_out(), "(%s)", n->arch);
	print_params(n);
	if (!n->unit)
		fprintf(ra_cli_out(), "  [%s]", n->how);
	else if (n->lang && strcmp(n->how, RA_GRAPH_HOW_MODULE) != 0)
		fprintf(ra_cli_out(), "  [%s, %s]", n->how, n->lang);
	if (n->recursive)
		fprintf(ra_cli_out(), "  [recursive: not descended]");
	if (n->truncated)
		fprintf(ra_cli_out(), "  [...]");
	fputc('\n', ra_cli_out());
	return RA_OK;
}

typedef struct tops_out {
	ra_graph *g;
	int depth;
	tree_out *t;
	int rc;
} tops_out;

/* collects tops first: a tree walk must not run inside the tops query's callback */
typedef struct top_list {
	int64_t (*ids)[2];
	size_t n, cap;
} top_list;

static int collect_top(const ra_graph_node *n, void *payload)
{
	top_list *l = payload;

	if (ra_grow((void **)&l->ids, &l->cap, l->n + 1, sizeof(*l->ids)))
		return RA_ENOMEM;
	l->ids[l->n][0] = n->unit_id;
	l->ids[l->n++][1] = n->body_id;
	return RA_OK;
}

static int unresolved_node(const ra_graph_node *n, void *payload)
{
	tree_out *t = payload;

	t->unresolved++;
	if (t->json) {
		json_t *o =
		        json_pack("{s:s, s:s, s:s, s:o}", "path", n->path, "instance", n->inst,
		                  "type", n->type, "location", ra_json_location(n->file, n->span));

		return json_array_append_new(t->stack[0], o) ? RA_ENOMEM : RA_OK;
	}
	if (t->unresolved == 1)
		fprintf(ra_cli_out(), "\nunresolved instances:\n");
	fprintf(ra_cli_out(), "%s:%u:%u: %s : %s\n", n->file, n->span.line + 1, n->span.col + 1,
	        n->path, n->type);
	return RA_OK;
}

int ra_cmd_hierarchy(int argc, char **argv)
{
	static const char usage[] =
	        "usage: rtlassist hierarchy [TOP] [--depth N] [-C DIR] [--json]\n\n"
	        "The instance tree below TOP (a module, interface, entity or configuration), or\n"
	        "below every top (a unit no instance binds; testbenches are marked), then the\n"
	        "instances that bind no unit. Generate scopes appear in instance paths; a unit\n"
	        "found again on its own path is marked recursive and not descended.\n"
	        "--depth N: at most N levels below the top (default: all).\n";
	ra_cli_opts o = {0};
	const char *top = NULL;
	int depth = 0, rc = 0;
	ra_workspace *ws;
	ra_store *st;
	ra_graph *g;
	tree_out t = {0};
	top_list tl = {0};

	if (ra_cli_remote(argc, argv, &rc))
		return rc;
	for (int i = 1; i < argc; i++) {
		if (ra_cli_common_opt(&o, argc, argv, &i))
			continue;
		if (strcmp(argv[i], "--help") == 0) {
			fputs(usage, ra_cli_out());
			return 0;
		}
		if (strcmp(argv[i], "--depth") == 0) {
			if (!parse_depth("hierarchy", i + 1 < argc ? argv[++i] : NULL, &depth))
				return 2;
			continue;
		}
		if (!top && argv[i][0] != '-') {
			top = argv[i];
			continue;
		}
		fprintf(ra_cli_err(), "rtlassist hierarchy: unexpected argument '%s'\n%s", argv[i],
		        usage);
		return 2;
	}
	if (!open_graph(&o, "hierarchy", &ws, &st, &g))
		return 1;
	t.json = o.json;
	t.tops = json_array();
	t.unres = top ? json_array() : NULL;
	if (top) {
		ra_graph_unit u;

		rc = ra_graph_unit_find(g, top, &u);
		if (!rc && u.ndefs > 1 && !o.json)
			fprintf(ra_cli_err(),
			        "rtlassist hierarchy: %d units named '%s'; using %s:%u\n", u.ndefs,
			        top, u.file, u.span.line + 1);
		rc = rc ? rc : ra_graph_tree(g, u.id, u.body_id, depth, tree_node, &t);
	} else {
		rc = ra_graph_tops(g, collect_top, &tl);
		for (size_t i = 0; !rc && i < tl.n; i++)
			rc = ra_graph_tree(g, tl.ids[i][0], tl.ids[i][1], depth, tree_node, &t);
	}
	if (!rc && top) {
		if (o.json)
			ra_json_print(
			        json_pack("{s:o, s:o}", "tops", t.tops, "unresolved", t.unres));
		else
			json_decref(t.tops), json_decref(t.unres);
		if (!o.json && t.unresolved)
			fprintf(ra_cli_out(), "\n%zu unresolved instances\n", t.unresolved);
	} else if (!rc) {
		json_t *unres = json_array();

		t.unresolved = 0;
		t.stack[0] = unres;
		rc = ra_graph_unresolved(g, unresolved_node, &t);
		if (!rc && o.json)
			ra_json_print(json_pack("{s:o, s:o}", "tops", t.tops, "unresolved", unres));
		else
			json_decref(unres), json_decref(t.tops);
	} else {
		json_decref(t.tops);
		json_decref(t.unres);
	}
	if (rc)
		fprintf(ra_cli_err(), "rtlassist hierarchy: %s\n", ra_error_last());
	ra_free(tl.ids);
	close_graph(ws, st, g);
	return rc ? 1 : 0;
}

/* ==== trace ================================================================================== */

typedef struct trace_out {
	bool json;
	json_t *hits;
	size_t n;
} trace_out;

static int trace_hit(const ra_graph_hit *h, void *payload)
{
	trace_out *t = payload;

	t->n++;
	if (t->json) {
		json_t *path = json_array();
		json_t *o = json_pack("{s:s, s:s, s:s, s:i, s:o}", "signal", h->signal, "unit",
		                      h->unit, "where", h->where, "depth", h->depth, "path", path);

		for (size_t i = 0; i < h->nhops; i++) {
			const ra_graph_hop *p = &h->hops[i];

			json_array_append_new(path, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o}",
			                                      "from", p->from, "to", p->to, "unit",
			                                      p->unit, "where", p->where, "kind",
			                                      p->kind, "how", p->how, "location",
			                                      point(p->file, p->line, p->col)));
		}
		return json_array_append_new(t->hits, o) ? RA_ENOMEM : RA_OK;
	}
	fprintf(ra_cli_out(), "%s  (%s%s%s)  depth %d\n", h->signal, h->unit,
	        h->where[0] ? " at " : "", h->where, h->depth);
	for (size_t i = 0; i < h->nhops; i++) {
		const ra_graph_hop *p = &h->hops[i];

		fprintf(ra_cli_out(), "    %s:%u:%u: %s -> %s  (%s, %s)\n", p->file, p->line + 1,
		        p->col + 1, p->from, p->to, p->kind, p->how);
	}
	return RA_OK;
}

typedef struct domain_out {
	bool json;
	json_t *list, *cur;
	const char *last; /* last clock printed (copy) */
	char clock[512];
	size_t n;
} domain_out;

static int domain_row(const ra_graph_domain *d, void *payload)
{
	domain_out *t = payload;
	bool same = t->n && strcmp(t->clock, d->clock) == 0;

	t->n++;
	snprintf(t->clock, sizeof(t->clock), "%s", d->clock);
	if (t->json) {
		json_t *r = json_pack("{s:s, s:o}", "register", d->reg, "location",
		                      point(d->file, d->line, d->col));

		ra_json_set_opt(r, "reset", d->reset);
		if (!same) {
			t->cur = json_array();
			json_array_append_new(t->list, json_pack("{s:s, s:o}", "clock", d->clock,
			                                         "registers", t->cur));
		}
		return json_array_append_new(t->cur, r) ? RA_ENOMEM : RA_OK;
	}
	if (!same)
		fprintf(ra_cli_out(), "clock %s\n", d->clock);
	fprintf(ra_cli_out(), "  %s:%u:%u: %s%s%s\n", d->file, d->line + 1, d->col + 1, d->reg,
	        d->reset ? "  reset " : "", d->reset ? d->reset : "");
	return RA_OK;
}

int ra_cmd_trace(int argc, char **argv)
{
	static const char usage[] =
	        "usage: rtlassist trace SIGNAL --unit UNIT (--drivers | --loads) [--depth N]\n"
	        "                       [--cone] [--limit N] [-C DIR] [--json]\n"
	        "       rtlassist trace --unit UNIT --domains [-C DIR] [--json]\n\n"
	        "Where SIGNAL of UNIT gets its value from (--drivers) or where it goes (--loads):\n"
	        "assignments, processes, function calls and port connections, across the\n"
	        "hierarchy, each with the path that explains it (file:line for every hop).\n"
	        "--depth N: hops to follow (default 1: direct; 0: unlimited).\n"
	        "--cone: the whole fan-in (with --drivers) or fan-out cone inside UNIT and below\n"
	        "        (unlimited depth unless --depth is given).\n"
	        "--limit N: stop after N hits, the nearest ones (default 1000, at most 100000).\n"
	        "--domains: which clocks (and asynchronous resets) drive which registers of UNIT.\n"
	        "Exit status 1 when the unit or the signal is unknown.\n";
	ra_cli_opts o = {0};
	const char *signal = NULL, *unit = NULL;
	ra_graph_trace_opts to = {.max_depth = 1};
	bool drivers = false, loads = false, domains = false, depth_set = false, truncated = false;
	ra_workspace *ws;
	ra_store *st;
	ra_graph *g;
	ra_graph_unit u;
	int rc;

	if (ra_cli_remote(argc, argv, &rc))
		return rc;
	for (int i = 1; i < argc; i++) {
		if (ra_cli_common_opt(&o, argc, argv, &i))
			continue;
		if (strcmp(argv[i], "--help") == 0) {
			fputs(usage, ra_cli_out());
			return 0;
		}
		if (strcmp(argv[i], "--unit") == 0 && i + 1 < argc) {
			unit = argv[++i];
		} else if (strcmp(argv[i], "--drivers") == 0) {
			drivers = true;
		} else if (strcmp(argv[i], "--loads") == 0) {
			loads = true;
		} else if (strcmp(argv[i], "--domains") == 0) {
			domains = true;
		} else if (strcmp(argv[i], "--cone") == 0) {
			to.cone = true;
		} else if (strcmp(argv[i], "--depth") == 0) {
			if (!parse_depth("trace", i + 1 < argc ? argv[++i] : NULL, &to.max_depth))
				return 2;
			depth_set = true;
		} else if (strcmp(argv[i], "--limit") == 0) {
			const char *v = i + 1 < argc ? argv[++i] : NULL;
			char *end;
			long n = v ? strtol(v, &end, 10) : -1;

			if (!v || *end || n < 1 || n > 100000) {
				fputs("rtlassist trace: --limit needs a number from 1 to 100000\n",
				      ra_cli_err());
				return 2;
			}
			to.max_hits = (size_t)n;
		} else if (!signal && argv[i][0] != '-') {
			signal = argv[i];
		} else {
			fprintf(ra_cli_err(), "rtlassist trace: unexpected argument '%s'\n%s",
			        argv[i], usage);
			return 2;
		}
	}
	if (!unit || (domains ? (drivers || loads || signal) : (!signal || drivers == loads))) {
		fputs(usage, ra_cli_err());
		return 2;
	}
	if (to.cone && !depth_set)
		to.max_depth = 0;
	to.dir = drivers ? RA_GRAPH_DRIVERS : RA_GRAPH_LOADS;
	if (!open_graph(&o, "trace", &ws, &st, &g))
		return 1;
	rc = ra_graph_unit_find(g, unit, &u);
	if (!rc && domains) {
		domain_out d = {.json = o.json, .list = json_array()};

		rc = ra_graph_domains(g, &u, domain_row, &d);
		if (!rc && o.json)
			ra_json_print(json_pack("{s:s, s:o}", "unit", u.name, "domains", d.list));
		else
			json_decref(d.list);
		if (!rc && !d.n && !o.json)
			fprintf(ra_cli_out(), "no edge-triggered registers in %s\n", u.name);
	} else if (!rc) {
		trace_out t = {.json = o.json, .hits = json_array()};

		rc = ra_graph_trace(g, &u, signal, &to, trace_hit, &t, &truncated);
		if (!rc && o.json)
			ra_json_print(json_pack("{s:s, s:s, s:s, s:i, s:b, s:b, s:o}", "signal",
			                        signal, "unit", u.name, "direction",
			                        drivers ? "drivers" : "loads", "depth",
			                        to.max_depth, "cone", to.cone, "truncated",
			                        truncated, "hits", t.hits));
		else
			json_decref(t.hits);
		if (!rc && !o.json && !t.n)
			fprintf(ra_cli_out(), "no %s of %s in %s\n", drivers ? "drivers" : "loads",
			        signal, u.name);
		if (!rc && !o.json && truncated)
			fprintf(ra_cli_err(), "rtlassist trace: stopped after %zu hits (--limit)\n",
			        t.n);
	}
	if (rc)
		fprintf(ra_cli_err(), "rtlassist trace: %s\n", ra_error_last());
	close_graph(ws, st, g);
	return rc ? 1 : 0;
}

/* ==== graph ================================================================================== */

/* writes s quoted for dot */
static int dot_str(ra_buf *b, const char *s)
{
	int rc = ra_buf_putc(b, '"');

	for (; !rc && s && *s; s++)
		rc = *s == '"' || *s == '\\' ? ra_buf_printf(b, "\\%c", *s) : ra_buf_putc(b, *s);
	return rc ? rc : ra_buf_putc(b, '"');
}

typedef struct tnode_rec {
	int parent; /* index of the parent node, -1 for the root */
	int depth;
	char *label, *scope, *style;
} tnode_rec;

typedef struct tree_dot {
	tnode_rec *n;
	size_t count, cap;
	int last_at[262]; /* node index of the latest node at each depth */
} tree_dot;

static int tree_dot_node(const ra_graph_node *n, void *payload)
{
	tree_dot *t = payload;
	tnode_rec *r;
	ra_buf lb;

	if (n->depth > 260 || ra_grow((void **)&t->n, &t->cap, t->count + 1, sizeof(*t->n)))
		return RA_ENOMEM;
	r = &t->n[t->count];
	r->depth = n->depth;
	r->parent = n->depth ? t->last_at[n->depth - 1] : -1;
	ra_buf_init(&lb, 0);
	if (n->inst)
		ra_buf_printf(&lb, "%s\n%s", n->inst, n->unit ? n->unit : n->type);
	else
		ra_buf_printf(&lb, "%s\n(%s)", n->type, n->kind ? n->kind : "unit");
	if (n->arch)
		ra_buf_printf(&lb, "(%s)", n->arch);
	r->label = ra_buf_detach(&lb);
	r->scope = n->scope ? ra_strdup(n->scope) : NULL;
	r->style = ra_strdup(!n->unit       ? "dashed,rounded\" color=\"red"
	                     : n->recursive ? "dotted,rounded"
	                     : n->truncated ? "rounded,filled\" fillcolor=\"gray90"
	                                    : "rounded");
	if (!r->label || !r->style)
		return RA_ENOMEM;
	t->last_at[n->depth] = (int)t->count++;
	return RA_OK;
}

static int tree_to_dot(ra_buf *b, tree_dot *t)
{
	int rc = ra_buf_puts(b, "digraph hierarchy {\n  rankdir=LR; nodesep=0.08; ranksep=0.5;\n"
	                        "  node [shape=box, fontsize=10, fontname=\"Helvetica\"];\n"
	                        "  edge [arrowsize=0.5, color=gray40];\n");

	for (size_t i = 0; !rc && i < t->count; i++) {
		const tnode_rec *r = &t->n[i];

		if (r->scope)
			continue; /* inside a cluster, below */
		rc = ra_buf_printf(b, "  n%zu [label=", i);
		rc = rc ? rc : dot_str(b, r->label);
		rc = rc ? rc
		        : ra_buf_printf(b, " style=\"%s\"%s];\n", r->style,
		                        r->parent < 0 ? " penwidth=2" : "");
	}
	/* generate scopes: one cluster per (parent, scope) */
	for (size_t i = 0; !rc && i < t->count; i++) {
		bool first = true;

		if (!t->n[i].scope)
			continue;
		for (size_t j = 0; j < i && first; j++)
			if (t->n[j].scope && t->n[j].parent == t->n[i].parent &&
			    strcmp(t->n[j].scope, t->n[i].scope) == 0)
				first = false;
		if (!first)
			continue;
		rc = ra_buf_printf(b, "  subgraph cluster_%zu {\n    label=", i);
		rc = rc ? rc : dot_str(b, t->n[i].scope);
		rc = rc ? rc : ra_buf_puts(b, "; style=dashed; color=gray60; fontsize=9;\n");
		for (size_t j = i; !rc && j < t->count; j++) {
			const tnode_rec *r = &t->n[j];

			if (!r->scope || r->parent != t->n[i].parent ||
			    strcmp(r->scope, t->n[i].scope))
				continue;
			rc = ra_buf_printf(b, "    n%zu [label=", j);
			rc = rc ? rc : dot_str(b, r->label);
			rc = rc ? rc : ra_buf_printf(b, " style=\"%s\"];\n", r->style);
		}
		rc = rc ? rc : ra_buf_puts(b, "  }\n");
	}
	for (size_t i = 0; !rc && i < t->count; i++)
		if (t->n[i].parent >= 0)
			rc = ra_buf_printf(b, "  n%d -> n%zu;\n", t->n[i].parent, i);
	return rc ? rc : ra_buf_puts(b, "}\n");
}

typedef struct flow_dot {
	ra_buf *b;
	const ra_graph_port *ports;
	size_t nports;
	const char *last_inst;
	int rc;
} flow_dot;

static int edge_dot(const ra_graph_edge *e, void *payload)
{
	flow_dot *f = payload;
	const char *style = strcmp(e->kind, "control") == 0 ? "style=dashed, color=gray50"
	                    : strcmp(e->kind, "clock") == 0 ? "color=blue, penwidth=1.6"
	                    : strcmp(e->kind, "reset") == 0 ? "color=red, style=dotted"
	                                                    : "color=black";
	int rc = ra_buf_puts(f->b, "  ");

	rc = rc ? rc : dot_str(f->b, e->source);
	rc = rc ? rc : ra_buf_puts(f->b, " -> ");
	rc = rc ? rc : dot_str(f->b, e->target);
	return rc ? rc
	          : ra_buf_printf(f->b, " [%s, tooltip=\"%s %s, line %u\"];\n", style, e->kind,
	                          e->how, e->line + 1);
}

static int pconn_dot(const ra_graph_pconn *c, void *payload)
{
	flow_dot *f = payload;
	int mask = !c->dir                                                       ? 3
	           : (strcmp(c->dir, "input") == 0 || strcmp(c->dir, "in") == 0) ? 1
	           : (strcmp(c->dir, "output") == 0 || strcmp(c->dir, "out") == 0 ||
	              strcmp(c->dir, "buffer") == 0)
	                   ? 2
	                   : 3;
	int rc = RA_OK;
	char id[600];

	snprintf(id, sizeof(id), "inst:%s%s%s", c->scope ? c->scope : "", c->scope ? "." : "",
	         c->inst);
	if (!f->last_inst || strcmp(f->last_inst, id) != 0) {
		char label[600];

		snprintf(label, sizeof(label), "%s%s%s\n%s", c->scope ? c->scope : "",
		         c->scope ? "." : "", c->inst, c->unit);
		rc = ra_buf_puts(f->b, "  ");
		rc = rc ? rc : dot_str(f->b, id);
		rc = rc ? rc
		        : ra_buf_puts(f->b, " [shape=box, style=\"rounded,filled\", "
		                            "fillcolor=lightyellow, label=");
		rc = rc ? rc : dot_str(f->b, label);
		rc = rc ? rc : ra_buf_puts(f->b, "];\n");
		ra_free((void *)f->last_inst);
		f->last_inst = ra_strdup(id);
	}
	if (!rc && (mask & 1)) {
		rc = ra_buf_puts(f->b, "  ");
		rc = rc ? rc : dot_str(f->b, c->signal);
		rc = rc ? rc : ra_buf_puts(f->b, " -> ");
		rc = rc ? rc : dot_str(f->b, id);
		rc = rc ? rc : ra_buf_puts(f->b, " [color=darkgreen, fontsize=8, headlabel=");
		rc = rc ? rc : dot_str(f->b, c->port);
		rc = rc ? rc : ra_buf_puts(f->b, "];\n");
	}
	if (!rc && (mask & 2)) {
		rc = ra_buf_puts(f->b, "  ");
		rc = rc ? rc : dot_str(f->b, id);
		rc = rc ? rc : ra_buf_puts(f->b, " -> ");
		rc = rc ? rc : dot_str(f->b, c->signal);
		rc = rc ? rc : ra_buf_puts(f->b, " [color=darkgreen, fontsize=8, taillabel=");
		rc = rc ? rc : dot_str(f->b, c->port);
		rc = rc ? rc : ra_buf_puts(f->b, "];\n");
	}
	return rc;
}

static int dataflow_to_dot(ra_buf *b, ra_graph *g, const ra_graph_unit *u)
{
	flow_dot f = {.b = b};
	int rc = ra_graph_ports(g, u->id, &f.ports, &f.nports);

	rc = rc ? rc
	        : ra_buf_puts(b, "digraph dataflow {\n  rankdir=LR; nodesep=0.12; ranksep=0.6;\n"
	                         "  node [shape=ellipse, fontsize=10, fontname=\"Helvetica\"];\n"
	                         "  edge [arrowsize=0.5];\n  label=");
	rc = rc ? rc : dot_str(b, u->name);
	rc = rc ? rc : ra_buf_puts(b, "; labelloc=t;\n  { rank=source;");
	for (size_t i = 0; !rc && i < f.nports; i++)
		if (f.ports[i].dir &&
		    (strcmp(f.ports[i].dir, "input") == 0 || strcmp(f.ports[i].dir, "in") == 0)) {
			rc = ra_buf_putc(b, ' ');
			rc = rc ? rc : dot_str(b, f.ports[i].key);
			rc = rc ? rc
			        : ra_buf_puts(b, " [shape=cds, style=filled, fillcolor=lightblue]");
			rc = rc ? rc : ra_buf_putc(b, ';');
		}
	rc = rc ? rc : ra_buf_puts(b, " }\n  { rank=sink;");
	for (size_t i = 0; !rc && i < f.nports; i++)
		if (f.ports[i].dir && strcmp(f.ports[i].dir, "input") != 0 &&
		    strcmp(f.ports[i].dir, "in") != 0) {
			rc = ra_buf_putc(b, ' ');
			rc = rc ? rc : dot_str(b, f.ports[i].key);
			rc = rc ? rc
			        : ra_buf_puts(b, " [shape=cds, style=filled, fillcolor=lightpink]");
			rc = rc ? rc : ra_buf_putc(b, ';');
		}
	rc = rc ? rc : ra_buf_puts(b, " }\n");
	rc = rc ? rc : ra_graph_edges(g, u, edge_dot, &f);
	rc = rc ? rc : ra_graph_port_conns(g, u, pconn_dot, &f);
	ra_free((void *)f.last_inst);
	return rc ? rc : ra_buf_puts(b, "}\n");
}

/* runs `dot -Tsvg` on the text, output to `path` (NULL: stdout) */
static int run_dot(const ra_buf *b, const char *path)
{
	int in[2], status = 0;
	pid_t pid;
	bool wrote;

	if (pipe(in) != 0)
		return ra_error_set(RA_ERR, "pipe: %s", strerror(errno));
	fflush(ra_cli_out());
	pid = fork();
	if (pid < 0) {
		close(in[0]);
		close(in[1]);
		return ra_error_set(RA_ERR, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		dup2(in[0], 0);
		close(in[0]);
		close(in[1]);
		if (path)
			execlp("dot", "dot", "-Tsvg", "-o", path, (char *)NULL);
		else
			execlp("dot", "dot", "-Tsvg", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	wrote = ra_write_all(in[1], b->data, b->len) == RA_OK;
	close(in[1]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return ra_error_set(RA_ENOTFOUND,
		                    "Graphviz 'dot' is not installed "
		                    "(apt-get install graphviz), or use --format dot");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !wrote)
		return ra_error_set(RA_ERR, "dot -Tsvg failed (exit status %d)",
		                    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return RA_OK;
}

int ra_cmd_graph(int argc, char **argv)
{
	static const char usage[] =
	        "usage: rtlassist graph UNIT [--dataflow] --format dot|svg [-o FILE] [--depth N]\n"
	        "                       [-C DIR]\n\n"
	        "A Graphviz picture of the instance tree below UNIT (generate scopes as dashed\n"
	        "boxes, unresolved instances red; --depth N levels, default 1), or with\n"
	        "--dataflow of the signals of UNIT (inputs left, outputs right; data black,\n"
	        "control dashed, clocks blue, resets red; instances yellow with their ports).\n"
	        "svg runs Graphviz `dot`. Output to FILE, else stdout.\n";
	ra_cli_opts o = {0};
	const char *unit = NULL, *format = NULL, *out = NULL;
	bool dataflow = false;
	int depth = 1, rc;
	ra_workspace *ws;
	ra_store *st;
	ra_graph *g;
	ra_graph_unit u;
	ra_buf b;

	for (int i = 1; i < argc; i++) {
		if (ra_cli_common_opt(&o, argc, argv, &i))
			continue;
		if (strcmp(argv[i], "--help") == 0) {
			fputs(usage, ra_cli_out());
			return 0;
		}
		if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
			format = argv[++i];
		} else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
			out = argv[++i];
		} else if (strcmp(argv[i], "--dataflow") == 0) {
			dataflow = true;
		} else if (strcmp(argv[i], "--depth") == 0) {
			if (!parse_depth("graph", i + 1 < argc ? argv[++i] : NULL, &depth))
				return 2;
		} else if (!unit && argv[i][0] != '-') {
			unit = argv[i];
		} else {
			fprintf(ra_cli_err(), "rtlassist graph: unexpected argument '%s'\n%s",
			        argv[i], usage);
			return 2;
		}
	}
	if (!format)
		format = "dot";
	if (!unit || (strcmp(format, "dot") != 0 && strcmp(format, "svg") != 0)) {
		if (unit)
			fprintf(ra_cli_err(), "rtlassist graph: unknown format '%s' (dot or svg)\n",
			        format);
		fputs(usage, ra_cli_err());
		return 2;
	}
	if (!open_graph(&o, "graph", &ws, &st, &g))
		return 1;
	ra_buf_init(&b, 0);
	rc = ra_graph_unit_find(g, unit, &u);
	if (!rc && dataflow) {
		rc = dataflow_to_dot(&b, g, &u);
	} else if (!rc) {
		tree_dot t = {0};

		rc = ra_graph_tree(g, u.id, u.body_id, depth, tree_dot_node, &t);
		rc = rc ? rc : tree_to_dot(&b, &t);
		for (size_t i = 0; i < t.count; i++) {
			ra_free(t.n[i].label);
			ra_free(t.n[i].scope);
			ra_free(t.n[i].style);
		}
		ra_free(t.n);
	}
	if (!rc && strcmp(format, "svg") == 0) {
		rc = run_dot(&b, out);
	} else if (!rc) {
		FILE *f = out ? fopen(out, "w") : ra_cli_out();

		if (!f)
			rc = ra_error_set(RA_ERR, "%s: %s", out, strerror(errno));
		else if (fwrite(b.data, 1, b.len, f) != b.len || (out && fclose(f) != 0))
			rc = ra_error_set(RA_ERR, "%s: write failed", out ? out : "stdout");
	}
	if (rc)
		fprintf(ra_cli_err(), "rtlassist graph: %s\n", ra_error_last());
	ra_buf_free(&b);
	close_graph(ws, st, g);
	return rc ? 1 : 0;
}
