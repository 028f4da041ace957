/*
 * explain.c - the structured explanation of a unit (see explain.h), its JSON and text forms, and
 * the chat prompt for prose.
 *
 * Everything comes from the index through indexer/graph.h (unit, domains, flow edges, port
 * connections, the instance tree), the store (a unit's ports and parameters, a submodule's
 * counts, an enumeration's members: ra_store_children) and a few reads of the symbols and
 * chunks tables that the store has no call for (a register's type, instantiation sites, chunks
 * of a unit), done here on the store's connection (ra_store__db). Every read goes through an
 * index (test_explain checks it): a whole-table scan costs tens of ms on a big repository, and
 * explain reads something per submodule. State machines come from a token scan of the unit's
 * file (indexer/fsm.h), judged against the clocked registers the dataflow knows.
 *
 * Graph walks use jansson objects as string maps and sets: units are small enough (thousands of
 * edges) that this costs little, and it keeps the code short.
 */
#define _GNU_SOURCE
#include "retriever/explain.h"
#include "indexer/fsm.h"
#include "indexer/graph.h"

#include <ctype.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define LIST_CAP 8       /* names shown per summary list */
#define WALK_CAP 50000   /* nodes visited by one dataflow walk */
#define COMMENT_CAP 2000 /* bytes of a unit's comment */
#define MAX_FILES 64     /* files read for one explanation */

typedef struct src_file {
	const char *path;
	char *text; /* NULL when unreadable */
	size_t len;
} src_file;

typedef struct ctx {
	ra_explain *e;
	ra_store *st;
	sqlite3 *db;
	ra_graph *g;
	ra_graph_unit u;
	const ra_explain_opts *o;
	bool vhdl;
	json_t *fwd, *bwd;     /* signal key -> [keys]: data and control edges */
	json_t *regclk;        /* register key -> clock name */
	json_t *inst_ins;      /* instance -> [signal keys feeding its inputs] */
	json_t *sig_from_inst; /* signal key -> [instances driving it] */
	json_t *sig_to_inst;   /* signal key -> [instances it feeds] */
	json_t *inputs;        /* input port key -> port index */
	json_t *child_clocks;  /* submodule unit -> set of its clock and reset ports (folded) */
	json_t *kid_counts;    /* unit id -> [parameters, ports] */
	src_file files[MAX_FILES];
	size_t nfiles;
	int err;
} ctx;

static const char *dup(ctx *c, const char *s)
{
	const char *d;

	if (!s)
		return NULL;
	d = ra_arena_strdup(c->e->arena, s);
	if (!d)
		c->err = RA_ENOMEM;
	return d;
}

/* the key of a signal name: folded for VHDL */
static const char *key(ctx *c, const char *s, char *buf, size_t cap)
{
	size_t i;

	if (!c->vhdl)
		return s;
	for (i = 0; s[i] && i + 1 < cap; i++)
		buf[i] = (char)tolower((unsigned char)s[i]);
	buf[i] = 0;
	return buf;
}

static void multimap_add(json_t *map, const char *k, const char *v)
{
	json_t *a = json_object_get(map, k);

	if (!a) {
		a = json_array();
		json_object_set_new(map, k, a);
	}
	json_array_append_new(a, json_string(v));
}

/* the names in a JSON array of strings, at most `cap` (0: all), into the arena */
static ra_explain_names names_of(ctx *c, json_t *a, size_t cap)
{
	ra_explain_names n = {0};
	size_t i, total = json_array_size(a);
	json_t *v;

	n.total = total;
	if (!total)
		return n;
	n.v = ra_arena_alloc(c->e->arena, total * sizeof(*n.v));
	if (!n.v) {
		c->err = RA_ENOMEM;
		return (ra_explain_names){0};
	}
	json_array_foreach(a, i, v)
	{
		if (cap && n.n >= cap)
			break;
		n.v[n.n++] = dup(c, json_string_value(v));
	}
	return n;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* a set's keys as a sorted JSON array */
static json_t *sorted_keys(json_t *set)
{
	const char *k;
	json_t *v, *a = json_array();
	size_t n = json_object_size(set), i = 0;
	const char **ks = n ? ra_malloc(n * sizeof(*ks)) : NULL;

	if (n && !ks)
		return a;
	json_object_foreach(set, k, v) ks[i++] = k;
	if (n)
		qsort(ks, n, sizeof(*ks), cmp_str);
	for (i = 0; i < n; i++)
		json_array_append_new(a, json_string(ks[i]));
	ra_free(ks);
	return a;
}

static src_file *file_get(ctx *c, const char *rel)
{
	src_file *f;
	char *path;

	for (size_t i = 0; i < c->nfiles; i++)
		if (!strcmp(c->files[i].path, rel))
			return &c->files[i];
	if (c->nfiles >= MAX_FILES || !c->o || !c->o->root)
		return NULL;
	f = &c->files[c->nfiles++];
	f->path = dup(c, rel);
	f->text = NULL;
	f->len = 0;
	path = ra_arena_printf(c->e->arena, "%s/%s", c->o->root, rel);
	if (path && ra_read_file(&f->text, &f->len, path,
	                         c->o->max_file_size ? c->o->max_file_size : 8u << 20) != RA_OK)
		f->text = NULL;
	ra_error_clear();
	return f;
}

/* byte offset of 0-based `line` in f, or f->len */
static size_t line_off(const src_file *f, uint32_t line)
{
	size_t i = 0;

	for (uint32_t l = 0; l < line && i < f->len; i++)
		if (f->text[i] == '\n')
			l++;
	return i;
}

/* the comment block directly above 0-based `line` of `rel`, markers stripped; NULL if none */
static const char *comment_above(ctx *c, const char *rel, uint32_t line)
{
	src_file *f = file_get(c, rel);
	size_t end, a, b;
	ra_buf out;
	const char *r;

	if (!f || !f->text || line == 0)
		return NULL;
	end = line_off(f, line);
	/* walk back over whole lines that are comments */
	a = end;
	while (a > 0) {
		size_t ls = a - 1, p;

		while (ls > 0 && f->text[ls - 1] != '\n')
			ls--;
		for (p = ls; p < a && (f->text[p] == ' ' || f->text[p] == '\t'); p++)
			;
		if (p + 1 < a &&
		    ((f->text[p] == '/' && (f->text[p + 1] == '/' || f->text[p + 1] == '*')) ||
		     (f->text[p] == '-' && f->text[p + 1] == '-') ||
		     (f->text[p] == '*' && !c->vhdl)))
			a = ls;
		else
			break;
	}
	if (a == end)
		return NULL;
	ra_buf_init(&out, COMMENT_CAP);
	for (b = a; b < end;) {
		size_t e = b, p = b;

		while (e < end && f->text[e] != '\n')
			e++;
		while (p < e && (isspace((unsigned char)f->text[p]) || f->text[p] == '/' ||
		                 f->text[p] == '*' || f->text[p] == '-' || f->text[p] == '!'))
			p++;
		{
			size_t q = e;

			while (q > p && (isspace((unsigned char)f->text[q - 1]) ||
			                 f->text[q - 1] == '/' || f->text[q - 1] == '*'))
				q--;
			if (q > p) {
				if (out.len)
					ra_buf_putc(&out, '\n');
				ra_buf_append(&out, f->text + p, q - p);
			}
		}
		b = e + 1;
	}
	r = out.len ? dup(c, out.data) : NULL;
	ra_buf_free(&out);
	return r;
}

/* ---- parameters and ports -------------------------------------------------------------------- */

static bool is_num(const char *s, size_t n)
{
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

static char *trim(ra_arena *a, const char *s, size_t n)
{
	while (n && isspace((unsigned char)*s))
		s++, n--;
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return ra_arena_strndup(a, s, n);
}

static const char *width_raw(ctx *c, const char *type);

/* "8 bits" for [7:0] or (7 downto 0), "W bits" for [W-1:0], "1 bit" for a scalar bit type, else
 * NULL (the LSP's hover says widths the same way) */
static const char *width_of(ctx *c, const char *type)
{
	const char *w = width_raw(c, type);

	if (!w)
		return NULL;
	return strcmp(w, "1") ? ra_arena_printf(c->e->arena, "%s bits", w) : "1 bit";
}

static const char *width_raw(ctx *c, const char *type)
{
	static const char *const scalars[] = {"",           "logic",     "wire",       "reg",
	                                      "bit",        "std_logic", "std_ulogic", "tri",
	                                      "wire logic", "var logic", "boolean"};
	const char *o, *cl, *sep;
	char *hi, *lo;
	size_t seplen;

	if (!type || !*type)
		return "1";
	o = strchr(type, c->vhdl ? '(' : '[');
	if (!o) {
		for (size_t i = 0; i < sizeof(scalars) / sizeof(scalars[0]); i++)
			if (!strcasecmp(type, scalars[i]))
				return "1";
		return NULL;
	}
	cl = strchr(o, c->vhdl ? ')' : ']');
	if (!cl)
		return NULL;
	if (c->vhdl) {
		sep = strcasestr(o, " downto ");
		seplen = 8;
		if (!sep || sep > cl) {
			sep = strcasestr(o, " to ");
			seplen = 4;
		}
	} else {
		sep = memchr(o, ':', (size_t)(cl - o));
		seplen = 1;
	}
	if (!sep || sep > cl)
		return NULL;
	hi = trim(c->e->arena, o + 1, (size_t)(sep - o - 1));
	lo = trim(c->e->arena, sep + seplen, (size_t)(cl - sep - seplen));
	if (!hi || !lo) {
		c->err = RA_ENOMEM;
		return NULL;
	}
	if (is_num(hi, strlen(hi)) && is_num(lo, strlen(lo))) {
		long h = atol(hi), l = atol(lo);

		return ra_arena_printf(c->e->arena, "%ld", (h > l ? h - l : l - h) + 1);
	}
	if (!strcmp(lo, "0")) {
		size_t n = strlen(hi);

		if (n > 2 && !strcmp(hi + n - 2, "-1")) {
			hi[n - 2] = 0;
			return trim(c->e->arena, hi, n - 2);
		}
		return ra_arena_printf(c->e->arena, "%s+1", hi);
	}
	return ra_arena_printf(c->e->arena, "%s-%s+1", hi, lo);
}

static const char *col(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

static ra_span col_span(sqlite3_stmt *s, int i)
{
	return (ra_span){(uint32_t)sqlite3_column_int(s, i), (uint32_t)sqlite3_column_int(s, i + 1),
	                 (uint32_t)sqlite3_column_int(s, i + 2),
	                 (uint32_t)sqlite3_column_int(s, i + 3)};
}

static int db_fail(ctx *c, const char *what)
{
	return c->err = ra_error_set(RA_ERR, "explain: %s: %s", what, sqlite3_errmsg(c->db));
}

static bool is_in(const char *dir)
{
	return dir && (!strcasecmp(dir, "input") || !strcasecmp(dir, "in") ||
	               !strcasecmp(dir, "inout") || !strcasecmp(dir, "ref"));
}

static bool is_out(const char *dir)
{
	return dir && (!strcasecmp(dir, "output") || !strcasecmp(dir, "out") ||
	               !strcasecmp(dir, "inout") || !strcasecmp(dir, "buffer"));
}

typedef struct iface_acc {
	ctx *c;
	size_t pcap, qcap;
} iface_acc;

static int iface_cb(const ra_store_sym *y, void *payload)
{
	iface_acc *a = payload;
	ctx *c = a->c;
	ra_explain *e = c->e;

	if (!strcmp(y->kind, "parameter")) {
		if (ra_grow((void **)&e->params, &a->pcap, e->nparams + 1, sizeof(*e->params)))
			return c->err = RA_ENOMEM;
		e->params[e->nparams++] = (ra_explain_param){dup(c, y->name), dup(c, y->type),
		                                             dup(c, y->value), y->name_span};
	} else if (!strcmp(y->kind, "port")) {
		ra_explain_port *p;

		if (ra_grow((void **)&e->ports, &a->qcap, e->nports + 1, sizeof(*e->ports)))
			return c->err = RA_ENOMEM;
		p = &e->ports[e->nports++];
		*p = (ra_explain_port){
		        .name = dup(c, y->name),
		        .type = dup(c, y->type),
		        .dir = dup(c, y->dir ? y->dir : ""),
		        .span = y->name_span,
		};
		p->width = (y->dir && !strcmp(y->dir, "interface")) ? NULL : width_of(c, p->type);
	}
	return c->err;
}

static void read_interface(ctx *c)
{
	iface_acc a = {c, 0, 0};
	int rc = ra_store_children(c->st, c->u.id, NULL, iface_cb, &a);

	if (rc && !c->err)
		c->err = rc;
}

/* ---- port groups ------------------------------------------------------------------------------ */

static const char *const axi_sigs[] = {"valid",  "ready", "addr", "data",  "id",   "len",
                                       "size",   "burst", "lock", "cache", "prot", "qos",
                                       "region", "user",  "strb", "last",  "resp"};

/* the bus a port belongs to by its name, or NULL */
static const char *bus_key(ctx *c, const char *name)
{
	static const char *const suffixes[] = {"_ni", "_no", "_i", "_o", "_io", "_n"};
	size_t n = strlen(name), cut = n;
	const char *us;
	char *base;

	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		size_t l = strlen(suffixes[i]);

		if (n > l + 1 && !strcasecmp(name + n - l, suffixes[i])) {
			cut = n - l;
			break;
		}
	}
	base = ra_arena_strndup(c->e->arena, name, cut);
	if (!base) {
		c->err = RA_ENOMEM;
		return NULL;
	}
	us = strrchr(base, '_');
	if (!us)
		return cut < n ? base : NULL; /* tl_i, tl_o -> tl */
	if (us == base)
		return NULL;
	{
		const char *rest = us + 1;
		static const char *const chans[] = {"aw", "ar", "w", "r", "b"};

		for (size_t i = 0; i < sizeof(chans) / sizeof(chans[0]); i++) {
			size_t cl = strlen(chans[i]);

			if (strncasecmp(rest, chans[i], cl))
				continue;
			for (size_t k = 0; k < sizeof(axi_sigs) / sizeof(axi_sigs[0]); k++)
				if (!strcasecmp(rest + cl, axi_sigs[k]))
					return ra_arena_printf(c->e->arena, "%.*s%s",
					                       (int)(us - base + 1), base,
					                       chans[i]);
		}
	}
	base[us - base] = 0;
	return base;
}

static void port_groups(ctx *c)
{
	ra_explain *e = c->e;
	json_t *buses = json_object(), *order = json_array();
	size_t gcap = 0, i;
	json_t *v;

	for (i = 0; i < e->nports && !c->err; i++) {
		ra_explain_port *p = &e->ports[i];
		const char *k;

		if (!strcmp(p->dir, "interface")) {
			if (ra_grow((void **)&e->groups, &gcap, e->ngroups + 1,
			            sizeof(*e->groups))) {
				c->err = RA_ENOMEM;
				break;
			}
			e->groups[e->ngroups] =
			        (ra_explain_group){p->name, "interface", p->type, {0}};
			e->groups[e->ngroups].ports.v = &p->name;
			e->groups[e->ngroups].ports.n = e->groups[e->ngroups].ports.total = 1;
			e->ngroups++;
			p->group = p->name;
			continue;
		}
		if (p->role || !(k = bus_key(c, p->name)))
			continue;
		if (!json_object_get(buses, k))
			json_array_append_new(order, json_string(k));
		multimap_add(buses, k, p->name);
	}
	json_array_foreach(order, i, v)
	{
		json_t *members = json_object_get(buses, json_string_value(v));
		ra_explain_group gr = {dup(c, json_string_value(v)), "bus", NULL, {0}};
		size_t m;
		json_t *pn;

		if (json_array_size(members) < 2 || c->err)
			continue;
		gr.ports = names_of(c, members, 0);
		if (ra_grow((void **)&e->groups, &gcap, e->ngroups + 1, sizeof(*e->groups))) {
			c->err = RA_ENOMEM;
			break;
		}
		e->groups[e->ngroups++] = gr;
		json_array_foreach(members, m, pn) for (size_t q = 0; q < e->nports;
		                                        q++) if (!strcmp(e->ports[q].name,
		                                                         json_string_value(pn)))
		        e->ports[q]
		                .group = gr.name;
	}
	json_decref(buses);
	json_decref(order);
}

/* ---- clocks, resets and the dataflow graph ---------------------------------------------------- */

typedef struct dom_acc {
	ctx *c;
	json_t *clocks; /* clock -> {registers: set, resets: set} in first-seen order */
	json_t *corder;
	json_t *resets; /* reset -> set of registers */
	json_t *rorder;
} dom_acc;

static int domain_cb(const ra_graph_domain *d, void *payload)
{
	dom_acc *a = payload;
	char kb[512];
	json_t *cl = json_object_get(a->clocks, d->clock);

	if (!cl) {
		cl = json_pack("{s:{}, s:{}}", "registers", "resets");
		json_object_set_new(a->clocks, d->clock, cl);
		json_array_append_new(a->corder, json_string(d->clock));
	}
	json_object_set_new(json_object_get(cl, "registers"), d->reg, json_true());
	const char *rk = key(a->c, d->reg, kb, sizeof(kb));

	if (!json_object_get(a->c->regclk, rk))
		json_object_set_new(a->c->regclk, rk, json_string(d->clock));
	if (d->reset) {
		json_t *r = json_object_get(a->resets, d->reset);

		json_object_set_new(json_object_get(cl, "resets"), d->reset, json_true());
		if (!r) {
			r = json_object();
			json_object_set_new(a->resets, d->reset, r);
			json_array_append_new(a->rorder, json_string(d->reset));
		}
		json_object_set_new(r, d->reg, json_true());
	}
	return 0;
}

static int edge_cb(const ra_graph_edge *ed, void *payload)
{
	ctx *c = payload;
	char ks[512], kt[512];
	const char *s, *t;

	if (strcmp(ed->kind, "data") && strcmp(ed->kind, "control"))
		return 0;
	s = key(c, ed->source, ks, sizeof(ks));
	t = key(c, ed->target, kt, sizeof(kt));
	multimap_add(c->fwd, s, t);
	multimap_add(c->bwd, t, s);
	return 0;
}

static int child_clock_cb(const ra_graph_domain *d, void *payload)
{
	json_t *set = payload;
	char kb[512];
	size_t i;

	/* folded: a VHDL child's ports compare case-insensitively, an SV one's exactly enough */
	for (i = 0; d->clock[i] && i + 1 < sizeof(kb); i++)
		kb[i] = (char)tolower((unsigned char)d->clock[i]);
	kb[i] = 0;
	json_object_set_new(set, kb, json_true());
	if (d->reset) {
		for (i = 0; d->reset[i] && i + 1 < sizeof(kb); i++)
			kb[i] = (char)tolower((unsigned char)d->reset[i]);
		kb[i] = 0;
		json_object_set_new(set, kb, json_true());
	}
	return 0;
}

/* is `port` a clock or reset of the child unit (its registers' domains)? cached per unit */
static bool child_clock_port(ctx *c, const char *unit, const char *port)
{
	json_t *set = json_object_get(c->child_clocks, unit);
	char kb[512];
	size_t i;

	if (!set) {
		ra_graph_unit cu;

		set = json_object();
		json_object_set_new(c->child_clocks, unit, set);
		if (ra_graph_unit_find(c->g, unit, &cu) == RA_OK)
			ra_graph_domains(c->g, &cu, child_clock_cb, set);
		ra_error_clear();
	}
	for (i = 0; port[i] && i + 1 < sizeof(kb); i++)
		kb[i] = (char)tolower((unsigned char)port[i]);
	kb[i] = 0;
	return json_object_get(set, kb) != NULL;
}

static int pconn_cb(const ra_graph_pconn *pc, void *payload)
{
	ctx *c = payload;
	char kb[512];
	const char *sig = key(c, pc->signal, kb, sizeof(kb));

	if (pc->unit && pc->port && child_clock_port(c, pc->unit, pc->port))
		return 0;
	if (is_in(pc->dir) || !pc->dir) {
		multimap_add(c->inst_ins, pc->inst, sig);
		multimap_add(c->sig_to_inst, sig, pc->inst);
	}
	if (is_out(pc->dir))
		multimap_add(c->sig_from_inst, sig, pc->inst);
	return 0;
}

static const char *port_key(ctx *c, const char *name, char *buf, size_t cap)
{
	return key(c, name, buf, cap);
}

/* clocks of the registers a port feeds (inputs) or is fed by (outputs) */
static void port_clocks(ctx *c, ra_explain_port *p)
{
	json_t *seen = json_object(), *clocks = json_object(), *queue = json_array(), *order;
	char kb[512];
	const char *k = port_key(c, p->name, kb, sizeof(kb));
	bool fwd = is_in(p->dir) && !is_out(p->dir);
	size_t head = 0;

	if (json_object_get(c->regclk, k))
		json_object_set(clocks, json_string_value(json_object_get(c->regclk, k)),
		                json_true());
	else
		json_array_append_new(queue, json_string(k));
	json_object_set_new(seen, k, json_true());
	while (head < json_array_size(queue) && head < WALK_CAP) {
		const char *n = json_string_value(json_array_get(queue, head++));
		json_t *next = json_object_get(fwd ? c->fwd : c->bwd, n), *v;
		size_t i;

		json_array_foreach(next, i, v)
		{
			const char *m = json_string_value(v);
			json_t *clk = json_object_get(c->regclk, m);

			if (json_object_get(seen, m))
				continue;
			json_object_set_new(seen, m, json_true());
			if (clk)
				json_object_set_new(clocks, json_string_value(clk), json_true());
			else
				json_array_append_new(queue, json_string(m));
		}
	}
	order = sorted_keys(clocks);
	p->clocks = names_of(c, order, 0);
	json_decref(order);
	json_decref(seen);
	json_decref(clocks);
	json_decref(queue);
}

/* one output's fan-in: inputs, registers and submodules on the way */
static void output_flow(ctx *c, const ra_explain_port *p, ra_explain_flow *fl)
{
	json_t *seen = json_object(), *queue = json_array(), *ins = json_array(),
	       *regs = json_object(), *subs = json_object(), *a;
	char kb[512], kself[512];
	const char *k = port_key(c, p->name, kself, sizeof(kself));
	size_t head = 0;

	json_array_append_new(queue, json_string(k));
	json_object_set_new(seen, k, json_true());
	while (head < json_array_size(queue) && head < WALK_CAP) {
		const char *n = json_string_value(json_array_get(queue, head++));
		json_t *v, *lists[2] = {json_object_get(c->bwd, n), NULL};
		size_t i;

		if (json_object_get(c->regclk, n))
			json_object_set_new(regs, n, json_true());
		if (json_object_get(c->inputs, n) && head > 1)
			continue;
		/* through the submodules driving n: their inputs */
		json_array_foreach(json_object_get(c->sig_from_inst, n), i, v)
		{
			json_object_set_new(subs, json_string_value(v), json_true());
			lists[1] = json_object_get(c->inst_ins, json_string_value(v));
			{
				size_t j;
				json_t *w;

				json_array_foreach(lists[1], j, w)
				{
					const char *m = json_string_value(w);

					if (!json_object_get(seen, m)) {
						json_object_set_new(seen, m, json_true());
						json_array_append_new(queue, json_string(m));
					}
				}
			}
		}
		json_array_foreach(lists[0], i, v)
		{
			const char *m = json_string_value(v);

			if (json_object_get(seen, m))
				continue;
			json_object_set_new(seen, m, json_true());
			json_array_append_new(queue, json_string(m));
		}
	}
	/* inputs in port order */
	for (size_t i = 0; i < c->e->nports; i++) {
		const char *pk = port_key(c, c->e->ports[i].name, kb, sizeof(kb));

		if (json_object_get(c->inputs, pk) && json_object_get(seen, pk) &&
		    strcmp(pk, k) != 0 && !c->e->ports[i].role)
			json_array_append_new(ins, json_string(c->e->ports[i].name));
	}
	fl->output = p->name;
	fl->inputs = names_of(c, ins, 0);
	a = sorted_keys(regs);
	fl->registers = names_of(c, a, LIST_CAP);
	json_decref(a);
	a = sorted_keys(subs);
	fl->submodules = names_of(c, a, LIST_CAP);
	json_decref(a);
	json_decref(ins);
	json_decref(regs);
	json_decref(subs);
	json_decref(seen);
	json_decref(queue);
}

static void clocks_and_flow(ctx *c)
{
	ra_explain *e = c->e;
	dom_acc a = {c, json_object(), json_array(), json_object(), json_array()};
	size_t i;
	json_t *v;
	char kb[512];

	if (ra_graph_domains(c->g, &c->u, domain_cb, &a) ||
	    ra_graph_edges(c->g, &c->u, edge_cb, c) ||
	    ra_graph_port_conns(c->g, &c->u, pconn_cb, c)) {
		c->err = RA_ERR;
		goto out;
	}
	/* roles */
	for (i = 0; i < e->nports; i++) {
		const char *k = port_key(c, e->ports[i].name, kb, sizeof(kb));
		json_t *cv;
		const char *cn;

		json_object_foreach(a.clocks, cn, cv)
		{
			char kc[512];

			if (!strcmp(key(c, cn, kc, sizeof(kc)), k))
				e->ports[i].role = "clock";
		}
		json_object_foreach(a.resets, cn, cv)
		{
			char kc[512];

			if (!strcmp(key(c, cn, kc, sizeof(kc)), k))
				e->ports[i].role = "reset";
		}
		if (is_in(e->ports[i].dir))
			json_object_set_new(c->inputs, k, json_integer((json_int_t)i));
	}
	e->clocks =
	        json_array_size(a.corder)
	                ? ra_arena_calloc(e->arena, json_array_size(a.corder) * sizeof(*e->clocks))
	                : NULL;
	e->resets =
	        json_array_size(a.rorder)
	                ? ra_arena_calloc(e->arena, json_array_size(a.rorder) * sizeof(*e->resets))
	                : NULL;
	if ((json_array_size(a.corder) && !e->clocks) ||
	    (json_array_size(a.rorder) && !e->resets)) {
		c->err = RA_ENOMEM;
		goto out;
	}
	for (i = 0; i < e->nports; i++)
		if (!e->ports[i].role && strcmp(e->ports[i].dir, "interface"))
			port_clocks(c, &e->ports[i]);
	json_array_foreach(a.corder, i, v)
	{
		const char *name = json_string_value(v);
		json_t *cl = json_object_get(a.clocks, name);
		json_t *regs = sorted_keys(json_object_get(cl, "registers"));
		json_t *rs = sorted_keys(json_object_get(cl, "resets"));
		json_t *ins = json_array(), *outs = json_array(), *r;
		ra_explain_clock *ec = &e->clocks[e->nclocks++];
		ra_buf b;
		size_t j;

		for (size_t p = 0; p < e->nports; p++)
			for (size_t q = 0; q < e->ports[p].clocks.n; q++)
				if (!strcmp(e->ports[p].clocks.v[q], name))
					json_array_append_new(is_out(e->ports[p].dir) ? outs : ins,
					                      json_string(e->ports[p].name));
		ec->name = dup(c, name);
		ec->registers = names_of(c, regs, 0);
		ec->inputs = names_of(c, ins, 0);
		ec->outputs = names_of(c, outs, 0);
		ra_buf_init(&b, 4096);
		json_array_foreach(rs, j, r)
		        ra_buf_printf(&b, "%s%s", j ? ", " : "", json_string_value(r));
		ec->resets = b.len ? dup(c, b.data) : NULL;
		ra_buf_free(&b);
		json_decref(regs);
		json_decref(rs);
		json_decref(ins);
		json_decref(outs);
	}
	json_array_foreach(a.rorder, i, v)
	{
		json_t *regs = sorted_keys(json_object_get(a.resets, json_string_value(v)));

		e->resets[e->nresets].name = dup(c, json_string_value(v));
		e->resets[e->nresets++].registers = names_of(c, regs, 0);
		json_decref(regs);
	}
	/* dataflow: one summary per output */
	{
		size_t nout = 0;

		for (i = 0; i < e->nports; i++)
			nout += is_out(e->ports[i].dir);
		e->flows = nout ? ra_arena_calloc(e->arena, nout * sizeof(*e->flows)) : NULL;
		if (nout && !e->flows) {
			c->err = RA_ENOMEM;
			goto out;
		}
		for (i = 0; i < e->nports && !c->err; i++)
			if (is_out(e->ports[i].dir))
				output_flow(c, &e->ports[i], &e->flows[e->nflows++]);
	}
out:
	json_decref(a.clocks);
	json_decref(a.corder);
	json_decref(a.resets);
	json_decref(a.rorder);
}

/* ---- state machines --------------------------------------------------------------------------- */

typedef struct fsm_acc {
	json_t *states; /* ordered: array */
	json_t *state_set;
	json_t *trans; /* "from\nto" -> line */
	json_t *torder;
	const char *next;
	const char *file;
	uint32_t line;
} fsm_acc;

static void add_state(ctx *c, fsm_acc *f, const char *s)
{
	char kb[512];
	const char *k = key(c, s, kb, sizeof(kb));

	if (json_object_get(f->state_set, k))
		return;
	json_object_set_new(f->state_set, k, json_true());
	json_array_append_new(f->states, json_string(s));
}

static bool looks_like_state(const char *s)
{
	return s &&
	       (isalnum((unsigned char)*s) || *s == '_' || *s == '`' || *s == '\'' || *s == '\\');
}

static int member_cb(const ra_store_sym *y, void *payload)
{
	json_array_append_new(payload, json_string(y->name));
	return 0;
}

/* the declared type of signal `k` in the unit's body, and its enumeration members */
static const char *reg_type(ctx *c, const char *k, json_t *members)
{
	sqlite3_stmt *s;
	const char *type = NULL;
	int64_t tid = 0;

	if (sqlite3_prepare_v2(
	            c->db,
	            "SELECT type FROM symbols WHERE unit_id IN (?1, ?2) AND key = ?3 AND"
	            " kind IN ('variable', 'net', 'port') ORDER BY unit_id = ?2 DESC LIMIT 1",
	            -1, &s, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_int64(s, 1, c->u.id);
	sqlite3_bind_int64(s, 2, c->u.body_id ? c->u.body_id : c->u.id);
	sqlite3_bind_text(s, 3, k, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(s) == SQLITE_ROW && col(s, 0))
		type = dup(c, col(s, 0));
	sqlite3_finalize(s);
	if (!type)
		return NULL;
	/* the typedef of that name: in the unit or its body first, then anywhere */
	if (sqlite3_prepare_v2(c->db,
	                       "SELECT id FROM symbols WHERE key = ?1 AND kind = 'typedef'"
	                       " ORDER BY unit_id IN (?2, ?3) DESC, id LIMIT 1",
	                       -1, &s, NULL) != SQLITE_OK)
		return type;
	{
		char kb[512];

		sqlite3_bind_text(s, 1, key(c, type, kb, sizeof(kb)), -1, SQLITE_TRANSIENT);
	}
	sqlite3_bind_int64(s, 2, c->u.id);
	sqlite3_bind_int64(s, 3, c->u.body_id ? c->u.body_id : c->u.id);
	if (sqlite3_step(s) == SQLITE_ROW)
		tid = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	if (tid)
		ra_store_children(c->st, tid, "enum_member", member_cb, members);
	ra_error_clear();
	return type;
}

/* does case statement cs over register `reg` (key) make transitions? adds them to f */
static void fsm_case(ctx *c, const ra_case_stmt *cs, const char *reg, json_t *nexts, fsm_acc *f)
{
	char kb[512], kv[512];

	for (size_t i = 0; i < cs->nitems; i++) {
		const ra_case_item *it = &cs->items[i];

		if (it->is_default)
			continue;
		for (size_t l = 0; l < it->nlabels; l++)
			if (looks_like_state(it->labels[l]) && !strchr(it->labels[l], ' '))
				add_state(c, f, it->labels[l]);
	}
	for (size_t i = 0; i < cs->nitems; i++) {
		const ra_case_item *it = &cs->items[i];

		for (size_t a = 0; a < it->nassigns; a++) {
			const ra_case_assign *as = &it->assigns[a];
			const char *t = key(c, as->target, kb, sizeof(kb));
			json_t *into = json_object_get(c->fwd, t), *v;
			bool next = false;
			size_t j;

			if (strcmp(t, reg) != 0) {
				json_array_foreach(into, j, v) if (!strcmp(json_string_value(v),
				                                           reg)) next = true;
				if (json_object_get(nexts, t))
					next = true;
				if (!next)
					continue;
				if (!f->next)
					f->next = dup(c, as->target);
			}
			for (size_t vi = 0; vi < as->nvalues; vi++) {
				const char *val = as->values[vi];
				const char *vk = key(c, val, kv, sizeof(kv));

				if (!strcmp(vk, reg) ||
				    (f->next && !strcmp(vk, key(c, f->next, kb, sizeof(kb)))))
					continue;
				if (!as->simple && !json_object_get(f->state_set, vk))
					continue;
				if (!looks_like_state(val))
					continue;
				add_state(c, f, val);
				if (it->is_default)
					continue;
				for (size_t l = 0; l < it->nlabels; l++) {
					char tk[1100];

					if (!strcasecmp(it->labels[l], val))
						continue;
					snprintf(tk, sizeof(tk), "%s\n%s", it->labels[l], val);
					if (!json_object_get(f->trans, tk)) {
						json_object_set_new(f->trans, tk,
						                    json_integer(as->line));
						json_array_append_new(f->torder, json_string(tk));
					}
				}
			}
			/* restore kb for the next assignment's target */
			t = NULL;
		}
	}
}

/* the stem of a state register's name: state_q -> state (suffixes _q _r _reg _ff _p) */
static size_t stem_len(const char *s)
{
	static const char *const suf[] = {"_q", "_r", "_reg", "_ff", "_p", "_cs"};
	size_t n = strlen(s);

	for (size_t i = 0; i < sizeof(suf) / sizeof(suf[0]); i++) {
		size_t l = strlen(suf[i]);

		if (n > l && !strcasecmp(s + n - l, suf[i]))
			return n - l;
	}
	return n;
}

/*
 * A selector that is no clocked register of this unit can still be a state register held by a
 * flop submodule or a macro (OpenTitan's prim_flop / PRIM_FLOP_SPARSE_FSM): it is one when an
 * item assigns a signal that feeds an instance driving the selector, or, when nothing in the
 * unit drives the selector, a signal of the same stem with a next-state suffix (_d _n _next
 * _ns). Such targets go into nexts[selector].
 */
static bool flop_selector(ctx *c, const ra_case_stmt *cs, const char *k, json_t *nexts)
{
	json_t *drivers = json_object_get(c->sig_from_inst, k), *set = json_object();
	bool undriven = !drivers && !json_object_get(c->bwd, k);
	size_t st = stem_len(k);
	char kb[512];

	for (size_t i = 0; i < cs->nitems; i++)
		for (size_t a = 0; a < cs->items[i].nassigns; a++) {
			const char *t = key(c, cs->items[i].assigns[a].target, kb, sizeof(kb));
			json_t *v;
			size_t j;
			bool ok = false;

			json_array_foreach(drivers, j, v)
			{
				json_t *ins = json_object_get(c->inst_ins, json_string_value(v)),
				       *w;
				size_t q;

				json_array_foreach(ins, q, w) if (!strcmp(json_string_value(w), t))
				        ok = true;
			}
			if (!ok && undriven && !strncasecmp(t, k, st) &&
			    (!strcasecmp(t + st, "_d") || !strcasecmp(t + st, "_n") ||
			     !strcasecmp(t + st, "_next") || !strcasecmp(t + st, "_ns") ||
			     !strcasecmp(t + st, "_nxt")))
				ok = true;
			if (ok)
				json_object_set_new(set, t, json_true());
		}
	if (!json_object_size(set)) {
		json_decref(set);
		return false;
	}
	if (!json_object_get(nexts, k))
		json_object_set_new(nexts, k, json_object());
	json_object_update(json_object_get(nexts, k), set);
	json_decref(set);
	return true;
}

static void state_machines(ctx *c)
{
	ra_explain *e = c->e;
	const char *file = e->body_file;
	src_file *f = file_get(c, file);
	ra_fsm_cases cases = {0};
	json_t *regs = json_object(), *rorder = json_array(), *v, *nexts = json_object();
	size_t i, fcap = 0;

	if (!f || !f->text)
		goto out;
	if (ra_fsm_cases_scan(&cases, f->text, f->len, c->vhdl, e->body_span.line,
	                      e->body_span.end_line)) {
		c->err = RA_ENOMEM;
		goto out;
	}
	/* group the case statements by their selector when it is a clocked register */
	for (i = 0; i < cases.n; i++) {
		char kb[512];
		const char *k;

		if (!cases.v[i].selector)
			continue;
		k = key(c, cases.v[i].selector, kb, sizeof(kb));
		if (!json_object_get(c->regclk, k) && !flop_selector(c, &cases.v[i], k, nexts))
			continue;
		if (!json_object_get(regs, k))
			json_array_append_new(rorder, json_string(k));
		multimap_add(regs, k, "");
		json_array_set_new(json_object_get(regs, k),
		                   json_array_size(json_object_get(regs, k)) - 1,
		                   json_integer((json_int_t)i));
	}
	json_array_foreach(rorder, i, v)
	{
		const char *reg = json_string_value(v);
		fsm_acc a = {
		        json_array(), json_object(), json_object(), json_array(), NULL, file, 0};
		json_t *members = json_array(), *ci, *m;
		size_t j, ntrans;
		const char *type = reg_type(c, reg, members);
		ra_explain_fsm fsm = {0};

		json_array_foreach(members, j, m) add_state(c, &a, json_string_value(m));
		json_array_foreach(json_object_get(regs, reg), j, ci)
		{
			const ra_case_stmt *cs = &cases.v[json_integer_value(ci)];

			if (!a.line && !j)
				a.line = cs->line;
			fsm_case(c, cs, reg, json_object_get(nexts, reg), &a);
		}
		ntrans = json_array_size(a.torder);
		if (ntrans && json_array_size(a.states) >= 2 && !c->err) {
			const ra_case_stmt *first = &cases.v[json_integer_value(
			        json_array_get(json_object_get(regs, reg), 0))];
			json_t *tk;

			fsm.reg = dup(c, first->selector);
			fsm.next = a.next;
			fsm.clock = dup(c, json_string_value(json_object_get(c->regclk, reg)));
			fsm.type = type;
			fsm.file = file;
			fsm.line = first->line;
			fsm.states = names_of(c, a.states, 0);
			fsm.transitions =
			        ra_arena_alloc(e->arena, ntrans * sizeof(*fsm.transitions));
			if (!fsm.transitions) {
				c->err = RA_ENOMEM;
			} else {
				json_array_foreach(a.torder, j, tk)
				{
					const char *s = json_string_value(tk),
					           *nl = strchr(s, '\n');

					fsm.transitions[fsm.ntransitions++] =
					        (ra_explain_transition){
					                ra_arena_strndup(e->arena, s,
					                                 (size_t)(nl - s)),
					                dup(c, nl + 1),
					                (uint32_t)json_integer_value(
					                        json_object_get(a.trans, s))};
				}
			}
			if (!c->err &&
			    ra_grow((void **)&e->fsms, &fcap, e->nfsms + 1, sizeof(*e->fsms)) == 0)
				e->fsms[e->nfsms++] = fsm;
		}
		json_decref(members);
		json_decref(a.states);
		json_decref(a.state_set);
		json_decref(a.trans);
		json_decref(a.torder);
	}
out:
	ra_fsm_cases_free(&cases);
	json_decref(nexts);
	json_decref(regs);
	json_decref(rorder);
}

/* ---- submodules, users, same-name units ------------------------------------------------------ */

typedef struct sub_acc {
	ctx *c;
	size_t cap;
} sub_acc;

typedef struct kid_count {
	int params, ports;
} kid_count;

static int kid_count_cb(const ra_store_sym *y, void *payload)
{
	kid_count *n = payload;

	n->params += !strcmp(y->kind, "parameter");
	n->ports += !strcmp(y->kind, "port");
	return 0;
}

/* how many parameters and ports unit `id` has; cached per unit (a unit instantiated many times
 * is counted once) */
static kid_count count_kids(ctx *c, int64_t id)
{
	char k[32];
	json_t *v;
	kid_count n = {0};

	snprintf(k, sizeof(k), "%lld", (long long)id);
	v = json_object_get(c->kid_counts, k);
	if (v)
		return (kid_count){(int)json_integer_value(json_array_get(v, 0)),
		                   (int)json_integer_value(json_array_get(v, 1))};
	if (ra_store_children(c->st, id, NULL, kid_count_cb, &n))
		ra_error_clear();
	json_object_set_new(c->kid_counts, k, json_pack("[i, i]", n.params, n.ports));
	return n;
}

static int sub_cb(const ra_graph_node *n, void *payload)
{
	sub_acc *a = payload;
	ctx *c = a->c;
	ra_explain *e = c->e;
	ra_explain_sub sub = {0};

	if (n->depth != 1)
		return 0;
	sub.inst = dup(c, n->inst ? n->inst : "");
	sub.type = dup(c, n->type ? n->type : "");
	sub.unit = dup(c, n->unit);
	sub.kind = dup(c, n->kind);
	sub.file = dup(c, n->file);
	sub.span = n->span;
	if (n->unit && n->unit_file) {
		const char *cm = comment_above(c, n->unit_file, n->unit_span.line);
		const char *nl = cm ? strchr(cm, '\n') : NULL;
		kid_count kc = count_kids(c, n->unit_id);

		sub.summary = ra_arena_printf(
		        e->arena, "%s %s: %s %s, %d parameters, %d ports%s%.*s", sub.type, sub.inst,
		        n->kind ? n->kind : "unit", n->unit, kc.params, kc.ports, cm ? " — " : "",
		        cm ? (int)(nl ? (size_t)(nl - cm) : strlen(cm)) : 0, cm ? cm : "");
	} else {
		sub.summary = ra_arena_printf(e->arena, "%s %s: %s", sub.type, sub.inst,
		                              n->how && !strcmp(n->how, RA_GRAPH_HOW_BUILTIN)
		                                      ? "built-in gate"
		                                      : "unresolved");
	}
	if (!sub.summary || c->err)
		return c->err = RA_ENOMEM;
	if (ra_grow((void **)&e->subs, &a->cap, e->nsubs + 1, sizeof(*e->subs)))
		return c->err = RA_ENOMEM;
	e->subs[e->nsubs++] = sub;
	return 0;
}

static void users(ctx *c)
{
	sqlite3_stmt *s;
	size_t cap = 0;
	ra_explain *e = c->e;

	if (sqlite3_prepare_v2(
	            c->db,
	            "SELECT CASE WHEN u.kind = 'architecture' AND u.type IS NOT NULL THEN u.type"
	            " ELSE u.name END, s.name, f.path, s.line, s.col, s.end_line, s.end_col"
	            " FROM inst_targets t JOIN symbols s ON s.id = t.inst_id"
	            " JOIN symbols u ON u.id = s.unit_id JOIN files f ON f.id = s.file_id"
	            " WHERE t.unit_id = ?1 ORDER BY f.path, s.line, s.col",
	            -1, &s, NULL) != SQLITE_OK) {
		db_fail(c, "instantiations");
		return;
	}
	sqlite3_bind_int64(s, 1, c->u.id);
	while (!c->err && sqlite3_step(s) == SQLITE_ROW) {
		if (ra_grow((void **)&e->users, &cap, e->nusers + 1, sizeof(*e->users))) {
			c->err = RA_ENOMEM;
			break;
		}
		e->users[e->nusers++] = (ra_explain_use){dup(c, col(s, 0)), dup(c, col(s, 1)),
		                                         dup(c, col(s, 2)), col_span(s, 3)};
	}
	sqlite3_finalize(s);
}

typedef struct others_acc {
	ctx *c;
	json_t *list;
} others_acc;

static int other_cb(const ra_store_sym *y, void *payload)
{
	others_acc *a = payload;

	if (y->id == a->c->u.id)
		return 0;
	if (strcmp(y->kind, "module") && strcmp(y->kind, "interface") &&
	    strcmp(y->kind, "program") && strcmp(y->kind, "entity"))
		return 0;
	{
		char buf[1200];

		snprintf(buf, sizeof(buf), "%s:%u", y->file, y->name_span.line + 1);
		json_array_append_new(a->list, json_string(buf));
	}
	return 0;
}

/* the whole extent of symbol id, its name and file */
static int extent(ctx *c, int64_t id, const char **name, const char **file, ra_span *span)
{
	sqlite3_stmt *s;
	int rc = RA_ENOTFOUND;

	if (sqlite3_prepare_v2(c->db,
	                       "SELECT s.name, f.path, s.sline, s.scol, s.eline, s.ecol FROM"
	                       " symbols s JOIN files f ON f.id = s.file_id WHERE s.id = ?1",
	                       -1, &s, NULL) != SQLITE_OK)
		return db_fail(c, "unit");
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW) {
		*name = dup(c, col(s, 0));
		*file = dup(c, col(s, 1));
		*span = col_span(s, 2);
		rc = RA_OK;
	}
	sqlite3_finalize(s);
	return rc;
}

int ra_explain_unit(ra_explain **out, ra_store *st, const char *name, const ra_explain_opts *opts)
{
	ctx c = {0};
	ra_explain *e;
	int rc;

	*out = NULL;
	e = ra_calloc(1, sizeof(*e));
	if (!e)
		return RA_ENOMEM;
	e->arena = ra_arena_new(0);
	if (!e->arena) {
		ra_free(e);
		return RA_ENOMEM;
	}
	c.e = e;
	c.st = st;
	c.db = ra_store__db(st);
	c.o = opts;
	if (opts && opts->graph)
		c.g = opts->graph;
	else if ((rc = ra_graph_open(&c.g, st)) != 0)
		goto fail;
	rc = ra_graph_unit_find(c.g, name, &c.u);
	if (rc)
		goto fail;
	c.vhdl = !strcmp(c.u.lang, "vhdl");
	c.fwd = json_object();
	c.bwd = json_object();
	c.regclk = json_object();
	c.inst_ins = json_object();
	c.sig_from_inst = json_object();
	c.sig_to_inst = json_object();
	c.inputs = json_object();
	c.child_clocks = json_object();
	c.kid_counts = json_object();
	e->name = dup(&c, c.u.name);
	e->kind = dup(&c, c.u.kind);
	e->lang = dup(&c, c.u.lang);
	e->file = dup(&c, c.u.file);
	e->span = c.u.span;
	e->unit_id = c.u.id;
	e->body_id = c.u.body_id ? c.u.body_id : c.u.id;
	{
		const char *n = NULL, *f = NULL;
		ra_span sp = {0};

		if (extent(&c, e->body_id, &n, &f, &sp) == RA_OK) {
			e->body_file = f;
			e->body_span = sp;
			if (e->body_id != e->unit_id)
				e->architecture = n;
		} else {
			e->body_file = e->file;
			e->body_span = e->span;
		}
	}
	if (c.u.ndefs > 1) {
		others_acc oa = {&c, json_array()};

		ra_store_find(st, name, NULL, other_cb, &oa);
		e->others = names_of(&c, oa.list, 0);
		json_decref(oa.list);
	}
	e->comment = comment_above(&c, e->file, e->span.line);
	read_interface(&c);
	if (!c.err)
		clocks_and_flow(&c);
	if (!c.err)
		port_groups(&c);
	if (!c.err)
		state_machines(&c);
	if (!c.err) {
		sub_acc sa = {&c, 0};

		if (ra_graph_tree(c.g, c.u.id, c.u.body_id, 1, sub_cb, &sa) && !c.err)
			c.err = RA_ERR;
	}
	if (!c.err)
		users(&c);
	rc = c.err;
fail:
	for (size_t i = 0; i < c.nfiles; i++)
		ra_free(c.files[i].text);
	json_decref(c.fwd);
	json_decref(c.bwd);
	json_decref(c.regclk);
	json_decref(c.inst_ins);
	json_decref(c.sig_from_inst);
	json_decref(c.sig_to_inst);
	json_decref(c.inputs);
	json_decref(c.child_clocks);
	json_decref(c.kid_counts);
	if (!opts || c.g != opts->graph)
		ra_graph_close(c.g);
	if (rc) {
		ra_explain_free(e);
		return rc;
	}
	*out = e;
	return RA_OK;
}

void ra_explain_free(ra_explain *e)
{
	if (!e)
		return;
	ra_free(e->params);
	ra_free(e->ports);
	ra_free(e->groups);
	ra_free(e->fsms);
	ra_free(e->subs);
	ra_free(e->users);
	ra_arena_free(e->arena);
	ra_free(e);
}

/* ---- output ----------------------------------------------------------------------------------- */

static json_t *jnames(const ra_explain_names *n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n->n; i++)
		json_array_append_new(a, json_string(n->v[i]));
	return a;
}

static void set_opt(json_t *o, const char *k, const char *v)
{
	if (v)
		json_object_set_new(o, k, json_string(v));
}

static json_t *pt(ra_explain_loc_fn loc, void *payload, const char *file, uint32_t line)
{
	return loc(file, (ra_span){line, 0, line, 0}, payload);
}

json_t *ra_explain_json(const ra_explain *e, ra_explain_loc_fn loc, void *payload)
{
	json_t *o, *a;

	o = json_pack("{s:s, s:s, s:s, s:o, s:o}", "name", e->name, "kind", e->kind, "language",
	              e->lang, "location", loc(e->file, e->span, payload), "comment",
	              e->comment ? json_string(e->comment) : json_null());
	if (!o)
		return NULL;
	set_opt(o, "architecture", e->architecture);
	if (e->others.n)
		json_object_set_new(o, "ambiguous", jnames(&e->others));
	a = json_array();
	for (size_t i = 0; i < e->nparams; i++) {
		json_t *p = json_pack("{s:s, s:s}", "name", e->params[i].name, "type",
		                      e->params[i].type ? e->params[i].type : "");

		set_opt(p, "default", e->params[i].value);
		json_object_set_new(p, "location", loc(e->file, e->params[i].span, payload));
		json_array_append_new(a, p);
	}
	json_object_set_new(o, "parameters", a);
	a = json_array();
	for (size_t i = 0; i < e->nports; i++) {
		const ra_explain_port *p = &e->ports[i];
		json_t *j = json_pack("{s:s, s:s, s:s}", "name", p->name, "direction", p->dir,
		                      "type", p->type ? p->type : "");

		set_opt(j, "width", p->width);
		set_opt(j, "group", p->group);
		set_opt(j, "role", p->role);
		json_object_set_new(j, "clocks", jnames(&p->clocks));
		json_object_set_new(j, "location", loc(e->file, p->span, payload));
		json_array_append_new(a, j);
	}
	json_object_set_new(o, "ports", a);
	a = json_array();
	for (size_t i = 0; i < e->ngroups; i++) {
		json_t *g = json_pack("{s:s, s:s, s:o}", "name", e->groups[i].name, "kind",
		                      e->groups[i].kind, "ports", jnames(&e->groups[i].ports));

		set_opt(g, "type", e->groups[i].type);
		json_array_append_new(a, g);
	}
	json_object_set_new(o, "groups", a);
	a = json_array();
	for (size_t i = 0; i < e->nclocks; i++) {
		const ra_explain_clock *c = &e->clocks[i];
		json_t *j =
		        json_pack("{s:s, s:i, s:o, s:o, s:o}", "name", c->name, "registers",
		                  (int)c->registers.total, "registerNames", jnames(&c->registers),
		                  "inputs", jnames(&c->inputs), "outputs", jnames(&c->outputs));

		set_opt(j, "resets", c->resets);
		json_array_append_new(a, j);
	}
	json_object_set_new(o, "clocks", a);
	a = json_array();
	for (size_t i = 0; i < e->nresets; i++)
		json_array_append_new(a,
		                      json_pack("{s:s, s:i, s:o}", "name", e->resets[i].name,
		                                "registers", (int)e->resets[i].registers.total,
		                                "registerNames", jnames(&e->resets[i].registers)));
	json_object_set_new(o, "resets", a);
	a = json_array();
	for (size_t i = 0; i < e->nfsms; i++) {
		const ra_explain_fsm *f = &e->fsms[i];
		json_t *t = json_array(), *j;

		for (size_t k = 0; k < f->ntransitions; k++)
			json_array_append_new(
			        t, json_pack("{s:s, s:s, s:o}", "from", f->transitions[k].from,
			                     "to", f->transitions[k].to, "location",
			                     pt(loc, payload, f->file, f->transitions[k].line)));
		j = json_pack("{s:s, s:o, s:o, s:o}", "register", f->reg, "states",
		              jnames(&f->states), "transitions", t, "location",
		              pt(loc, payload, f->file, f->line));
		set_opt(j, "next", f->next);
		set_opt(j, "clock", f->clock);
		set_opt(j, "type", f->type);
		json_array_append_new(a, j);
	}
	json_object_set_new(o, "stateMachines", a);
	a = json_array();
	for (size_t i = 0; i < e->nsubs; i++) {
		const ra_explain_sub *s = &e->subs[i];
		json_t *j = json_pack("{s:s, s:s, s:o, s:s}", "instance", s->inst, "unit",
		                      s->unit ? s->unit : s->type, "location",
		                      loc(s->file, s->span, payload), "summary", s->summary);

		set_opt(j, "kind", s->kind);
		if (!s->unit)
			json_object_set_new(j, "resolved", json_false());
		json_array_append_new(a, j);
	}
	json_object_set_new(o, "submodules", a);
	a = json_array();
	for (size_t i = 0; i < e->nusers; i++)
		json_array_append_new(a,
		                      json_pack("{s:s, s:s, s:o}", "unit", e->users[i].unit,
		                                "instance", e->users[i].inst, "location",
		                                loc(e->users[i].file, e->users[i].span, payload)));
	json_object_set_new(o, "instantiatedBy", a);
	a = json_array();
	for (size_t i = 0; i < e->nflows; i++) {
		const ra_explain_flow *f = &e->flows[i];

		json_array_append_new(a, json_pack("{s:s, s:o, s:o, s:i, s:o, s:i}", "output",
		                                   f->output, "inputs", jnames(&f->inputs),
		                                   "registers", jnames(&f->registers),
		                                   "registerCount", (int)f->registers.total,
		                                   "submodules", jnames(&f->submodules),
		                                   "submoduleCount", (int)f->submodules.total));
	}
	json_object_set_new(o, "dataflow", a);
	return o;
}

static void put_names(ra_buf *b, const ra_explain_names *n)
{
	for (size_t i = 0; i < n->n; i++)
		ra_buf_printf(b, "%s%s", i ? ", " : "", n->v[i]);
	if (n->total > n->n)
		ra_buf_printf(b, ", ... %zu more", n->total - n->n);
}

int ra_explain_text(ra_buf *b, const ra_explain *e)
{
	size_t start = b->len;

	ra_buf_printf(b, "%s %s (%s) %s:%u", e->kind, e->name, e->lang, e->file, e->span.line + 1);
	if (e->architecture)
		ra_buf_printf(b, ", architecture %s %s:%u", e->architecture, e->body_file,
		              e->body_span.line + 1);
	ra_buf_putc(b, '\n');
	if (e->others.n) {
		ra_buf_puts(b, "  (ambiguous: also defined at ");
		put_names(b, &e->others);
		ra_buf_puts(b, "; explaining the first by path)\n");
	}
	if (e->comment) {
		const char *s = e->comment;

		while (*s) {
			const char *nl = strchr(s, '\n');
			size_t n = nl ? (size_t)(nl - s) : strlen(s);

			ra_buf_printf(b, "  %.*s\n", (int)n, s);
			s += n + (nl ? 1 : 0);
		}
	}
	if (e->nparams) {
		ra_buf_puts(b, "\nparameters:\n");
		for (size_t i = 0; i < e->nparams; i++)
			ra_buf_printf(b, "  %s%s%s%s%s\n", e->params[i].name,
			              e->params[i].type && *e->params[i].type ? " : " : "",
			              e->params[i].type ? e->params[i].type : "",
			              e->params[i].value ? " = " : "",
			              e->params[i].value ? e->params[i].value : "");
	}
	if (e->nports) {
		ra_buf_puts(b, "\nports:\n");
		for (size_t i = 0; i < e->nports; i++) {
			const ra_explain_port *p = &e->ports[i];

			ra_buf_printf(b, "  %-8s %s : %s", p->dir, p->name, p->type ? p->type : "");
			if (p->width)
				ra_buf_printf(b, "  %s", p->width);
			if (p->role)
				ra_buf_printf(b, "  [%s]", p->role);
			if (p->group)
				ra_buf_printf(b, "  group %s", p->group);
			if (p->clocks.n) {
				ra_buf_puts(b, "  domain ");
				put_names(b, &p->clocks);
			}
			ra_buf_putc(b, '\n');
		}
	}
	if (e->ngroups) {
		ra_buf_puts(b, "\nport groups:\n");
		for (size_t i = 0; i < e->ngroups; i++) {
			ra_buf_printf(b, "  %s (%s%s%s): ", e->groups[i].name, e->groups[i].kind,
			              e->groups[i].type ? " " : "",
			              e->groups[i].type ? e->groups[i].type : "");
			put_names(b, &e->groups[i].ports);
			ra_buf_putc(b, '\n');
		}
	}
	if (e->nclocks) {
		ra_buf_puts(b, "\nclock domains:\n");
		for (size_t i = 0; i < e->nclocks; i++) {
			const ra_explain_clock *c = &e->clocks[i];

			ra_buf_printf(b, "  %s: %zu registers (", c->name, c->registers.total);
			put_names(b, &c->registers);
			ra_buf_putc(b, ')');
			if (c->resets)
				ra_buf_printf(b, ", reset %s", c->resets);
			if (c->inputs.n) {
				ra_buf_puts(b, "; inputs ");
				put_names(b, &c->inputs);
			}
			if (c->outputs.n) {
				ra_buf_puts(b, "; outputs ");
				put_names(b, &c->outputs);
			}
			ra_buf_putc(b, '\n');
		}
	}
	if (e->nresets) {
		ra_buf_puts(b, "\nresets:\n");
		for (size_t i = 0; i < e->nresets; i++) {
			ra_buf_printf(b, "  %s: %zu registers (", e->resets[i].name,
			              e->resets[i].registers.total);
			put_names(b, &e->resets[i].registers);
			ra_buf_puts(b, ")\n");
		}
	}
	if (e->nfsms) {
		ra_buf_puts(b, "\nstate machines:\n");
		for (size_t i = 0; i < e->nfsms; i++) {
			const ra_explain_fsm *f = &e->fsms[i];

			ra_buf_printf(b, "  %s", f->reg);
			if (f->type)
				ra_buf_printf(b, " : %s", f->type);
			if (f->next)
				ra_buf_printf(b, ", next %s", f->next);
			if (f->clock)
				ra_buf_printf(b, ", clock %s", f->clock);
			ra_buf_printf(b, " (%s:%u): %zu states: ", f->file, f->line + 1,
			              f->states.total);
			put_names(b, &f->states);
			ra_buf_putc(b, '\n');
			for (size_t k = 0; k < f->ntransitions; k++)
				ra_buf_printf(b, "    %s -> %s  (line %u)\n",
				              f->transitions[k].from, f->transitions[k].to,
				              f->transitions[k].line + 1);
		}
	}
	if (e->nsubs) {
		ra_buf_puts(b, "\nsubmodules:\n");
		for (size_t i = 0; i < e->nsubs; i++)
			ra_buf_printf(b, "  %s  (%s:%u)\n", e->subs[i].summary, e->subs[i].file,
			              e->subs[i].span.line + 1);
	}
	ra_buf_puts(b, "\ninstantiated by:");
	if (!e->nusers)
		ra_buf_puts(b, " nothing (a top)");
	ra_buf_putc(b, '\n');
	for (size_t i = 0; i < e->nusers; i++)
		ra_buf_printf(b, "  %s.%s  (%s:%u)\n", e->users[i].unit, e->users[i].inst,
		              e->users[i].file, e->users[i].span.line + 1);
	if (e->nflows) {
		ra_buf_puts(b, "\ndataflow (output <- inputs, through registers / submodules):\n");
		for (size_t i = 0; i < e->nflows; i++) {
			const ra_explain_flow *f = &e->flows[i];

			ra_buf_printf(b, "  %s <- ", f->output);
			if (f->inputs.n)
				put_names(b, &f->inputs);
			else
				ra_buf_puts(b, "(no input)");
			if (f->registers.total) {
				ra_buf_puts(b, "; registers ");
				put_names(b, &f->registers);
			}
			if (f->submodules.total) {
				ra_buf_puts(b, "; submodules ");
				put_names(b, &f->submodules);
			}
			ra_buf_putc(b, '\n');
		}
	}
	/* a capped or failed buffer tells in its length */
	return b->len > start ? RA_OK : RA_ENOMEM;
}

/* ---- prompt ----------------------------------------------------------------------------------- */

static const char SYSTEM_PROMPT[] =
        "You explain hardware designs (SystemVerilog, Verilog, VHDL) to hardware engineers. "
        "Write a short, precise explanation of the unit below: what it does, its interfaces, "
        "its clock domains, its state machines and its main data path. Use only the structure "
        "and the code given; when they do not tell, say so instead of guessing. Cite the "
        "source for every claim as file:line (the code lines are numbered). Plain text or "
        "Markdown, no preamble.";

typedef struct chunk_row {
	char *file, *text;
	uint32_t line, end_line;
	int prio; /* 0 signature, 1 holds a state machine, 2 the rest */
	bool take;
} chunk_row;

static int cmp_chunk_pos(const void *a, const void *b)
{
	const chunk_row *x = a, *y = b;
	int c = strcmp(x->file, y->file);

	return c ? c : (x->line > y->line) - (x->line < y->line);
}

int ra_explain_prompt_build(ra_explain_prompt *out, ra_store *st, const ra_explain *e,
                            size_t budget)
{
	sqlite3 *db = ra_store__db(st);
	sqlite3_stmt *s;
	chunk_row *rows = NULL;
	size_t n = 0, cap = 0, used = 0;
	ra_buf u;
	int rc = RA_OK;

	memset(out, 0, sizeof(*out));
	if (!budget)
		budget = 12000;
	/* chunks has no index by unit: the files of the unit and its body (chunks_file) hold them */
	if (sqlite3_prepare_v2(db,
	                       "SELECT f.path, c.kind, c.line, c.end_line, c.text FROM chunks c"
	                       " JOIN files f ON f.id = c.file_id WHERE c.file_id IN"
	                       " (SELECT file_id FROM symbols WHERE id IN (?1, ?2)) AND"
	                       " c.unit_id IN (?1, ?2) ORDER BY f.path, c.line",
	                       -1, &s, NULL) != SQLITE_OK)
		return ra_error_set(RA_ERR, "explain: chunks: %s", sqlite3_errmsg(db));
	sqlite3_bind_int64(s, 1, e->unit_id);
	sqlite3_bind_int64(s, 2, e->body_id);
	while (sqlite3_step(s) == SQLITE_ROW) {
		chunk_row r = {0};

		if (ra_grow((void **)&rows, &cap, n + 1, sizeof(*rows))) {
			rc = RA_ENOMEM;
			break;
		}
		r.file = ra_strdup(col(s, 0));
		r.text = ra_strdup(col(s, 4) ? col(s, 4) : "");
		r.line = (uint32_t)sqlite3_column_int(s, 2);
		r.end_line = (uint32_t)sqlite3_column_int(s, 3);
		r.prio = !strcmp(col(s, 1), "signature") ? 0 : 2;
		for (size_t i = 0; i < e->nfsms; i++)
			if (!strcmp(r.file, e->fsms[i].file) && e->fsms[i].line >= r.line &&
			    e->fsms[i].line <= r.end_line && r.prio)
				r.prio = 1;
		rows[n++] = r;
		if (!r.file || !r.text) {
			rc = RA_ENOMEM;
			break;
		}
	}
	sqlite3_finalize(s);
	/* choose by priority, then position, within the budget */
	for (int p = 0; p <= 2 && !rc; p++)
		for (size_t i = 0; i < n; i++)
			if (rows[i].prio == p && used + strlen(rows[i].text) <= budget) {
				rows[i].take = true;
				used += strlen(rows[i].text);
			}
	if (n)
		qsort(rows, n, sizeof(*rows), cmp_chunk_pos);
	ra_buf_init(&u, 0);
	if (!rc) {
		ra_buf_puts(&u, "Explain this unit.\n\n# Structure (from the index)\n\n");
		ra_explain_text(&u, e);
		ra_buf_puts(&u, "\n# Code\n");
		for (size_t i = 0; i < n; i++) {
			const char *t = rows[i].text;
			uint32_t line = rows[i].line;

			if (!rows[i].take)
				continue;
			out->nchunks++;
			out->code_bytes += strlen(t);
			ra_buf_printf(&u, "\n%s:%u-%u\n", rows[i].file, rows[i].line + 1,
			              rows[i].end_line + 1);
			while (*t) {
				const char *nl = strchr(t, '\n');
				size_t len = nl ? (size_t)(nl - t) : strlen(t);

				ra_buf_printf(&u, "%5u| %.*s\n", ++line, (int)len, t);
				t += len + (nl ? 1 : 0);
			}
		}
		if (out->nchunks < n)
			ra_buf_printf(
			        &u, "\n(%zu more pieces of this unit's code left out for length)\n",
			        n - out->nchunks);
	}
	out->nchunks_total = n;
	for (size_t i = 0; i < n; i++) {
		ra_free(rows[i].file);
		ra_free(rows[i].text);
	}
	ra_free(rows);
	if (!rc) {
		out->system = ra_strdup(SYSTEM_PROMPT);
		out->user = ra_buf_detach(&u);
		if (!out->system || !out->user)
			rc = RA_ENOMEM;
	}
	ra_buf_free(&u);
	if (rc) {
		ra_explain_prompt_free(out);
		return rc == RA_ENOMEM ? ra_error_oom() : rc;
	}
	out->messages[0] = (ra_gen_message){"system", out->system};
	out->messages[1] = (ra_gen_message){"user", out->user};
	out->req.mode = RA_GEN_CHAT;
	out->req.messages = out->messages;
	out->req.nmessages = 2;
	out->req.temperature = -1;
	return RA_OK;
}

void ra_explain_prompt_free(ra_explain_prompt *p)
{
	if (!p)
		return;
	ra_free(p->system);
	ra_free(p->user);
	memset(p, 0, sizeof(*p));
}
