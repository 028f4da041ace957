/*
 * test_graph_flow.c - the design graph over hand-built models written to a store: instance
 * resolution (exact, mixed language, VHDL default binding, unresolved, builtin gates),
 * recursion, tops and testbenches, the expression lexer, and dataflow traces across three
 * levels of hierarchy with their explaining paths, cones, and clock/reset domains, and a handle
 * refreshed after another connection re-indexed.
 *
 * Design written (SystemVerilog unless noted):
 *   top(clk, rst_n, din, dout):  mid u_mid(.clk(clk), .rst_n(rst_n), .d(din), .q(dout));
 *                                and g0(x, din, din);  nothere u_x();
 *   mid(clk, rst_n, d, q):       assign s = d ^ k;  Core u_core(.clk, .rst_n, .d(s), .q(q))
 *   core (VHDL entity Core, architecture rtl; ports in lower case):
 *                                u_reg: component leaf(clk, rst_n, d, q) positional
 *   leaf(clk, rst_n, d, q):      always_ff @(posedge clk or negedge rst_n) q <= d (if rst_n)
 *   tb: no ports, instantiates top.   ra / rb instantiate each other.
 */
#define _DEFAULT_SOURCE
#include "indexer/graph.h"
#include "tests/ra_test.h"
#include "tests/ra_test_db.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static ra_span at(uint32_t line, uint32_t col)
{
	return (ra_span){line, col, line, col + 1};
}

static int32_t sym(ra_model *m, ra_sym_kind kind, int32_t parent, const char *name,
                   const char *type, const char *dir, uint32_t line)
{
	ra_sym y = {.kind = kind,
	            .parent = parent,
	            .name = name,
	            .type = type,
	            .dir = dir,
	            .name_span = at(line, 2),
	            .span = at(line, 0)};

	return ra_model_add_sym(m, &y);
}

static void conn(ra_model *m, int32_t inst, const char *formal, int pos, const char *actual)
{
	ra_model_add_conn(m, &(ra_conn){.inst = inst,
	                                .formal = formal,
	                                .position = pos,
	                                .actual = actual,
	                                .span = at(20 + (uint32_t)pos, 4)});
}

static void flow(ra_model *m, int32_t scope, const char *target, const char *source,
                 ra_flow_kind kind, ra_assign_how how, uint32_t line)
{
	ra_model_add_flow(m, &(ra_flow){.scope = scope,
	                                .target = target,
	                                .source = source,
	                                .kind = kind,
	                                .how = how,
	                                .span = at(line, 2)});
}

static void ports4(ra_model *m, int32_t u, const char *in, const char *out)
{
	sym(m, RA_SYM_PORT, u, "clk", "logic", in, 1);
	sym(m, RA_SYM_PORT, u, "rst_n", "logic", in, 2);
	sym(m, RA_SYM_PORT, u, "d", "logic", in, 3);
	sym(m, RA_SYM_PORT, u, "q", "logic", out, 4);
}

static ra_model *sv_top(void)
{
	ra_model *m = ra_model_new(RA_LANG_SV);
	int32_t u = sym(m, RA_SYM_MODULE, -1, "top", NULL, NULL, 0), i, gen;

	sym(m, RA_SYM_PORT, u, "clk", "logic", "input", 1);
	sym(m, RA_SYM_PORT, u, "rst_n", "logic", "input", 2);
	sym(m, RA_SYM_PORT, u, "din", "logic", "input", 3);
	sym(m, RA_SYM_PORT, u, "dout", "logic", "output", 4);
	i = sym(m, RA_SYM_INSTANCE, u, "u_mid", "mid", NULL, 10);
	conn(m, i, "W", 0, "8");
	m->conns[m->nconns - 1].is_param = true;
	conn(m, i, "clk", 0, "clk");
	conn(m, i, "rst_n", 1, "rst_n");
	conn(m, i, "d", 2, "din");
	conn(m, i, "q", 3, "dout");
	gen = sym(m, RA_SYM_GENERATE, u, "g_x", "if", NULL, 11);
	sym(m, RA_SYM_INSTANCE, gen, "u_x", "nothere", NULL, 12);
	i = sym(m, RA_SYM_INSTANCE, u, "", "and", NULL, 13);
	conn(m, i, NULL, 0, "x");
	/* a testbench and a pair of modules that instantiate each other */
	u = sym(m, RA_SYM_MODULE, -1, "tb", NULL, NULL, 30);
	sym(m, RA_SYM_INSTANCE, u, "dut", "top", NULL, 31);
	u = sym(m, RA_SYM_MODULE, -1, "ra", NULL, NULL, 40);
	sym(m, RA_SYM_PORT, u, "x", "logic", "input", 40);
	sym(m, RA_SYM_INSTANCE, u, "u_b", "rb", NULL, 41);
	u = sym(m, RA_SYM_MODULE, -1, "rb", NULL, NULL, 42);
	sym(m, RA_SYM_PORT, u, "x", "logic", "input", 42);
	sym(m, RA_SYM_INSTANCE, u, "u_a", "ra", NULL, 43);
	return m;
}

/* mid and leaf; `q` is what mid connects to u_core's q */
static ra_model *sv_mid_leaf_q(const char *q)
{
	ra_model *m = ra_model_new(RA_LANG_SV);
	int32_t u = sym(m, RA_SYM_MODULE, -1, "mid", NULL, NULL, 0), i, p;

	ports4(m, u, "input", "output");
	sym(m, RA_SYM_NET, u, "s", "logic", NULL, 5);
	sym(m, RA_SYM_NET, u, "k", "logic", NULL, 6);
	flow(m, u, "s", "d", RA_FLOW_DATA, RA_ASSIGN_CONTINUOUS, 7);
	flow(m, u, "s", "k", RA_FLOW_DATA, RA_ASSIGN_CONTINUOUS, 7);
	i = sym(m, RA_SYM_INSTANCE, u, "u_core", "Core", NULL, 8);
	conn(m, i, "clk", 0, "clk");
	conn(m, i, "rst_n", 1, "rst_n");
	conn(m, i, "d", 2, "s");
	conn(m, i, "q", 3, q);
	u = sym(m, RA_SYM_MODULE, -1, "leaf", NULL, NULL, 50);
	ports4(m, u, "input", "output");
	p = sym(m, RA_SYM_PROCESS, u, "", "always_ff", NULL, 55);
	flow(m, p, "q", "d", RA_FLOW_DATA, RA_ASSIGN_NONBLOCKING, 57);
	flow(m, p, "q", "rst_n", RA_FLOW_CONTROL, RA_ASSIGN_NONBLOCKING, 56);
	flow(m, p, "q", "clk", RA_FLOW_CLOCK, RA_ASSIGN_NONBLOCKING, 55);
	flow(m, p, "q", "rst_n", RA_FLOW_RESET, RA_ASSIGN_NONBLOCKING, 55);
	return m;
}

static ra_model *sv_mid_leaf(void)
{
	return sv_mid_leaf_q("q");
}

static ra_model *vhdl_core(void)
{
	ra_model *m = ra_model_new(RA_LANG_VHDL);
	int32_t e = sym(m, RA_SYM_ENTITY, -1, "Core", NULL, NULL, 0), a, c, i;

	ports4(m, e, "in", "out");
	a = sym(m, RA_SYM_ARCHITECTURE, -1, "rtl", "Core", NULL, 6);
	c = sym(m, RA_SYM_COMPONENT, a, "leaf", NULL, NULL, 7);
	ports4(m, c, "in", "out");
	i = sym(m, RA_SYM_INSTANCE, a, "u_reg", "LEAF", "component", 9);
	m->syms[i].value = "leaf";
	conn(m, i, NULL, 0, "Clk");
	conn(m, i, NULL, 1, "RST_N");
	conn(m, i, NULL, 2, "D");
	conn(m, i, NULL, 3, "Q");
	return m;
}

typedef struct fixture {
	char dir[64];
	ra_store *st;
	ra_graph *g;
} fixture;

static int setup(fixture *f)
{
	ra_model *models[3] = {sv_top(), sv_mid_leaf(), vhdl_core()};
	ra_store_file files[3] = {
	        {.path = "top.sv", .blob = "a", .lang = RA_LANG_SV},
	        {.path = "mid.sv", .blob = "b", .lang = RA_LANG_SV},
	        {.path = "core.vhd", .blob = "c", .lang = RA_LANG_VHDL, .library = "work"}};
	char path[128];
	int rc;

	snprintf(f->dir, sizeof(f->dir), "/tmp/ra_graph_XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(path, sizeof(path), "%s/index.db", f->dir);
	rc = ra_store_open(&f->st, path, false);
	rc = rc ? rc : ra_store_begin(f->st);
	for (int i = 0; i < 3; i++) {
		rc = rc ? rc : ra_store_file_put(f->st, &files[i], models[i]);
		ra_model_free(models[i]);
	}
	rc = rc ? rc : ra_graph_resolve(f->st);
	rc = rc ? rc : ra_store_commit(f->st);
	rc = rc ? rc : ra_graph_open(&f->g, f->st);
	return rc;
}

static void teardown(fixture *f)
{
	char cmd[128];

	ra_graph_close(f->g);
	ra_store_close(f->st);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", f->dir);
}

/* a tree as lines "depth path unit how[ R][ T]" */
static int tree_line(const ra_graph_node *n, void *payload)
{
	ra_buf *b = payload;

	return ra_buf_printf(b, "%d %s %s %s%s%s\n", n->depth, n->path, n->unit ? n->unit : "-",
	                     n->how ? n->how : "root", n->recursive ? " R" : "",
	                     n->testbench ? " TB" : "");
}

RA_TEST(graph_resolve_tree_mixed_and_unresolved)
{
	fixture f = {0};
	ra_graph_unit u;
	ra_buf b;
	int rc;

	RA_CHECK(setup(&f) == 0);
	ra_buf_init(&b, 0);
	rc = ra_graph_unit_find(f.g, "tb", &u);
	rc = rc ? rc : ra_graph_tree(f.g, u.id, u.body_id, 0, tree_line, &b);
	teardown(&f);
	RA_CHECK_INT(rc, 0);
	RA_CHECK_STR(b.data, "0 tb tb root TB\n"
	                     "1 tb.dut top module\n"
	                     "2 tb.dut.u_mid mid module\n"
	                     "3 tb.dut.u_mid.u_core Core mixed\n"
	                     "4 tb.dut.u_mid.u_core.u_reg leaf component\n"
	                     "2 tb.dut.g_x.u_x - unresolved\n"
	                     "2 tb.dut. - builtin\n");
	ra_buf_free(&b);
}

RA_TEST(graph_depth_recursion_tops)
{
	fixture f = {0};
	ra_graph_unit u;
	ra_buf b, tops;
	int rc;

	RA_CHECK(setup(&f) == 0);
	ra_buf_init(&b, 0);
	ra_buf_init(&tops, 0);
	rc = ra_graph_unit_find(f.g, "ra", &u);
	rc = rc ? rc : ra_graph_tree(f.g, u.id, u.body_id, 0, tree_line, &b);
	rc = rc ? rc : ra_graph_unit_find(f.g, "top", &u);
	rc = rc ? rc : ra_graph_tree(f.g, u.id, u.body_id, 1, tree_line, &b);
	rc = rc ? rc : ra_graph_tops(f.g, tree_line, &tops);
	RA_CHECK_INT(ra_graph_unit_find(f.g, "nosuch", &u), RA_ENOTFOUND);
	/* VHDL names fold: "CORE" finds entity Core */
	RA_CHECK_INT(ra_graph_unit_find(f.g, "CORE", &u), 0);
	RA_CHECK_STR(u.kind, "entity");
	teardown(&f);
	RA_CHECK_INT(rc, 0);
	RA_CHECK_STR(b.data, "0 ra ra root\n"
	                     "1 ra.u_b rb module\n"
	                     "2 ra.u_b.u_a ra module R\n"
	                     "0 top top root\n"
	                     "1 top.u_mid mid module\n"
	                     "1 top.g_x.u_x - unresolved\n"
	                     "1 top. - builtin\n");
	/* ra and rb bind each other; only tb is never instantiated */
	RA_CHECK_STR(tops.data, "0 tb tb root TB\n");
	ra_buf_free(&b);
	ra_buf_free(&tops);
}

static int ident_line(const char *key, void *payload)
{
	return ra_buf_printf(payload, "%s ", key);
}

RA_TEST(graph_idents_lexer)
{
	ra_buf b;

	ra_buf_init(&b, 0);
	ra_graph_idents("{a[3:0], b.c, 8'hFF, pkg::K, $clog2(W), `M, \\esc[0] , x}", false,
	                ident_line, &b);
	RA_CHECK_STR(b.data, "a b W esc[0] x ");
	ra_buf_reset(&b);
	ra_graph_idents("Din(i) and not X\"0F\" & '1' & Sig'high & 16#FF# & open", true, ident_line,
	                &b);
	RA_CHECK_STR(b.data, "din i sig ");
	ra_buf_free(&b);
}

typedef struct hits {
	ra_buf b;
	int n;
} hits;

/* "signal@where depth: from>to(kind,line) ..." */
static int hit_line(const ra_graph_hit *h, void *payload)
{
	hits *x = payload;
	int rc = ra_buf_printf(&x->b, "%s@%s %d:", h->signal, h->where, h->depth);

	x->n++;
	for (size_t i = 0; !rc && i < h->nhops; i++)
		rc = ra_buf_printf(&x->b, " %s>%s(%s,%s:%u)", h->hops[i].from, h->hops[i].to,
		                   h->hops[i].kind, h->hops[i].file, h->hops[i].line + 1);
	return rc ? rc : ra_buf_putc(&x->b, '\n');
}

RA_TEST(graph_trace_drivers_three_levels_down)
{
	fixture f = {0};
	ra_graph_unit u;
	ra_graph_trace_opts o = {.dir = RA_GRAPH_DRIVERS, .max_depth = 0};
	hits h = {0};
	bool trunc = true;
	int rc;

	RA_CHECK(setup(&f) == 0);
	ra_buf_init(&h.b, 0);
	rc = ra_graph_unit_find(f.g, "top", &u);
	rc = rc ? rc : ra_graph_trace(f.g, &u, "dout", &o, hit_line, &h, &trunc);
	teardown(&f);
	RA_CHECK_INT(rc, 0);
	RA_CHECK(!trunc);
	RA_CHECK_STR(
	        h.b.data,
	        "q@u_mid 1: u_mid.q>dout(port,top.sv:24)\n"
	        "q@u_mid.u_core 2: u_mid.q>dout(port,top.sv:24) u_core.q>q(port,mid.sv:24)\n"
	        "q@u_mid.u_core.u_reg 3: u_mid.q>dout(port,top.sv:24) u_core.q>q(port,mid.sv:24) "
	        "u_reg.q>q(port,core.vhd:24)\n"
	        /* inside leaf: the clock and reset of the register (line 56), then its data */
	        "clk@u_mid.u_core.u_reg 4: u_mid.q>dout(port,top.sv:24) u_core.q>q(port,mid.sv:24) "
	        "u_reg.q>q(port,core.vhd:24) clk>q(clock,mid.sv:56)\n"
	        "rst_n@u_mid.u_core.u_reg 4: u_mid.q>dout(port,top.sv:24) "
	        "u_core.q>q(port,mid.sv:24) u_reg.q>q(port,core.vhd:24) rst_n>q(reset,mid.sv:56)\n"
	        "d@u_mid.u_core.u_reg 4: u_mid.q>dout(port,top.sv:24) u_core.q>q(port,mid.sv:24) "
	        "u_reg.q>q(port,core.vhd:24) d>q(data,mid.sv:58)\n"
	        /* back up through the same instances only (VHDL keys fold: D is d) */
	        "clk@u_mid.u_core 5: u_mid.q>dout(port,top.sv:24) u_core.q>q(port,mid.sv:24) "
	        "u_reg.q>q(port,core.vhd:24) clk>q(clock,mid.sv:56) "
	        "clk>u_reg.clk(port,core.vhd:21)\n"
	        "rst_n@u_mid.u_core 5: u_mid.q>dout(port,top.sv:24) u_core.q>q(port,mid.sv:24) "
	        "u_reg.q>q(port,core.vhd:24) rst_n>q(reset,mid.sv:56) "
	        "rst_n>u_reg.rst_n(port,core.vhd:22)\n"
	        "d@u_mid.u_core 5: u_mid.q>dout(port,top.sv:24) u_core.q>q(port,mid.sv:24) "
	        "u_reg.q>q(port,core.vhd:24) d>q(data,mid.sv:58) d>u_reg.d(port,core.vhd:23)\n"
	        "clk@u_mid 6: u_mid.q>dout(port,top.sv:24) u_core.q>q(port,mid.sv:24) "
	        "u_reg.q>q(port,core.vhd:24) clk>q(clock,mid.sv:56) "
	        "clk>u_reg.clk(port,core.vhd:21) "
	        "clk>u_core.clk(port,mid.sv:21)\n"
	        "rst_n@u_mid 6: u_mid.q>dout(port,top.sv:24) u_core.q>q(port,mid.sv:24) "
	        "u_reg.q>q(port,core.vhd:24) rst_n>q(reset,mid.sv:56) "
	        "rst_n>u_reg.rst_n(port,core.vhd:22) rst_n>u_core.rst_n(port,mid.sv:22)\n"
	        "s@u_mid 6: u_mid.q>dout(port,top.sv:24) u_core.q>q(port,mid.sv:24) "
	        "u_reg.q>q(port,core.vhd:24) d>q(data,mid.sv:58) d>u_reg.d(port,core.vhd:23) "
	        "s>u_core.d(port,mid.sv:23)\n"
	        "clk@ 7: u_mid.q>dout(port,top.sv:24) u_core.q>q(port,mid.sv:24) "
	        "u_reg.q>q(port,core.vhd:24) clk>q(clock,mid.sv:56) "
	        "clk>u_reg.clk(port,core.vhd:21) "
	        "clk>u_core.clk(port,mid.sv:21) clk>u_mid.clk(port,top.sv:21)\n"
	        "rst_n@ 7: u_mid.q>dout(port,top.sv:24) u_core.q>q(port,mid.sv:24) "
	        "u_reg.q>q(port,core.vhd:24) rst_n>q(reset,mid.sv:56) "
	        "rst_n>u_reg.rst_n(port,core.vhd:22) rst_n>u_core.rst_n(port,mid.sv:22) "
	        "rst_n>u_mid.rst_n(port,top.sv:22)\n"
	        "d@u_mid 7: u_mid.q>dout(port,top.sv:24) u_core.q>q(port,mid.sv:24) "
	        "u_reg.q>q(port,core.vhd:24) d>q(data,mid.sv:58) d>u_reg.d(port,core.vhd:23) "
	        "s>u_core.d(port,mid.sv:23) d>s(data,mid.sv:8)\n"
	        "k@u_mid 7: u_mid.q>dout(port,top.sv:24) u_core.q>q(port,mid.sv:24) "
	        "u_reg.q>q(port,core.vhd:24) d>q(data,mid.sv:58) d>u_reg.d(port,core.vhd:23) "
	        "s>u_core.d(port,mid.sv:23) k>s(data,mid.sv:8)\n"
	        "din@ 8: u_mid.q>dout(port,top.sv:24) u_core.q>q(port,mid.sv:24) "
	        "u_reg.q>q(port,core.vhd:24) d>q(data,mid.sv:58) d>u_reg.d(port,core.vhd:23) "
	        "s>u_core.d(port,mid.sv:23) d>s(data,mid.sv:8) din>u_mid.d(port,top.sv:23)\n");
	ra_buf_free(&h.b);
}

RA_TEST(graph_trace_loads_up_depth_and_errors)
{
	fixture f = {0};
	ra_graph_unit u;
	ra_graph_trace_opts o = {.dir = RA_GRAPH_LOADS, .max_depth = 2};
	hits h = {0}, cone = {0};
	int rc, bad;

	RA_CHECK(setup(&f) == 0);
	ra_buf_init(&h.b, 0);
	ra_buf_init(&cone.b, 0);
	/* loads of leaf.q above the start: every site that binds leaf (the VHDL component) */
	rc = ra_graph_unit_find(f.g, "leaf", &u);
	rc = rc ? rc : ra_graph_trace(f.g, &u, "q", &o, hit_line, &h, NULL);
	bad = ra_graph_trace(f.g, &u, "nosuch", &o, hit_line, &h, NULL);
	/* a cone stays inside the unit: the register's drivers stop at leaf's own ports */
	o = (ra_graph_trace_opts){.dir = RA_GRAPH_DRIVERS, .cone = true};
	rc = rc ? rc : ra_graph_trace(f.g, &u, "q", &o, hit_line, &cone, NULL);
	teardown(&f);
	RA_CHECK_INT(rc, 0);
	RA_CHECK_INT(bad, RA_ENOTFOUND);
	/* depth 2: leaf.q -> Core's q (through u_reg) -> mid's q (through u_core) */
	RA_CHECK_STR(h.b.data,
	             "q@^Core 1: u_reg.q>q(port,core.vhd:24)\n"
	             "q@^mid 2: u_reg.q>q(port,core.vhd:24) u_core.q>q(port,mid.sv:24)\n");
	RA_CHECK_INT(cone.n, 3);
	ra_buf_free(&h.b);
	ra_buf_free(&cone.b);
}

/* a handle kept across an index run (as a daemon keeps one) answers from the new index once
 * refreshed; refreshing an unchanged index keeps the cache */
RA_TEST(graph_refresh_after_reindex)
{
	fixture f = {0};
	ra_graph_unit u;
	ra_graph_trace_opts o = {.dir = RA_GRAPH_LOADS, .max_depth = 2};
	hits before = {0}, after = {0};
	ra_store *writer = NULL;
	ra_store_file mid = {.path = "mid.sv", .blob = "b2", .lang = RA_LANG_SV};
	ra_model *m = sv_mid_leaf_q("q_out");
	char path[128];
	bool unchanged_dropped = true, changed_dropped = false;
	int rc;

	RA_CHECK(setup(&f) == 0);
	ra_buf_init(&before.b, 0);
	ra_buf_init(&after.b, 0);
	rc = ra_graph_unit_find(f.g, "leaf", &u);
	rc = rc ? rc : ra_graph_trace(f.g, &u, "q", &o, hit_line, &before, NULL);
	unchanged_dropped = ra_graph_refresh(f.g);
	/* another connection (an indexer) re-parses mid.sv: u_core's q now drives q_out */
	snprintf(path, sizeof(path), "%s/index.db", f.dir);
	rc = rc ? rc : ra_store_open(&writer, path, false);
	rc = rc ? rc : ra_store_begin(writer);
	rc = rc ? rc : ra_store_file_put(writer, &mid, m);
	rc = rc ? rc : ra_graph_resolve(writer);
	rc = rc ? rc : ra_store_commit(writer);
	ra_store_close(writer);
	ra_model_free(m);
	changed_dropped = ra_graph_refresh(f.g);
	/* symbol ids changed with the re-parse: the unit is looked up again */
	rc = rc ? rc : ra_graph_unit_find(f.g, "leaf", &u);
	rc = rc ? rc : ra_graph_trace(f.g, &u, "q", &o, hit_line, &after, NULL);
	teardown(&f);
	RA_CHECK_INT(rc, 0);
	RA_CHECK(!unchanged_dropped);
	RA_CHECK(changed_dropped);
	RA_CHECK_STR(before.b.data,
	             "q@^Core 1: u_reg.q>q(port,core.vhd:24)\n"
	             "q@^mid 2: u_reg.q>q(port,core.vhd:24) u_core.q>q(port,mid.sv:24)\n");
	RA_CHECK_STR(after.b.data,
	             "q@^Core 1: u_reg.q>q(port,core.vhd:24)\n"
	             "q_out@^mid 2: u_reg.q>q(port,core.vhd:24) u_core.q>q_out(port,mid.sv:24)\n");
	ra_buf_free(&before.b);
	ra_buf_free(&after.b);
}

/* star(clk, rst_n, d, q, q2): leaf u_s(.*) and leaf u_t(.q(q2), .*) */
static ra_model *sv_star(void)
{
	ra_model *m = ra_model_new(RA_LANG_SV);
	int32_t u = sym(m, RA_SYM_MODULE, -1, "star", NULL, NULL, 0), i;

	ports4(m, u, "input", "output");
	sym(m, RA_SYM_PORT, u, "q2", "logic", "output", 5);
	i = sym(m, RA_SYM_INSTANCE, u, "u_s", "leaf", NULL, 10);
	conn(m, i, "*", 0, NULL);
	i = sym(m, RA_SYM_INSTANCE, u, "u_t", "leaf", NULL, 11);
	conn(m, i, "q", 0, "q2");
	conn(m, i, "*", 1, NULL);
	return m;
}

static int trace_text(ra_graph *g, const char *unit, const char *signal,
                      const ra_graph_trace_opts *o, hits *h, bool *trunc)
{
	ra_graph_unit u;
	int rc = ra_graph_unit_find(g, unit, &u);

	return rc ? rc : ra_graph_trace(g, &u, signal, o, hit_line, h, trunc);
}

/* A cap returns the nearest hits of the uncapped answer, marked truncated. The instances a
 * trace reads by their connections' keys (conn_keys, .* included) give the answer reading
 * whole units gives (an index without keys), and re-indexing a file replaces its keys. */
RA_TEST(graph_trace_cap_and_connection_keys)
{
	fixture f = {0};
	ra_graph_trace_opts all = {.dir = RA_GRAPH_DRIVERS, .max_hits = 100000};
	ra_graph_trace_opts capped = {.dir = RA_GRAPH_DRIVERS, .max_hits = 5};
	ra_graph_trace_opts star = {.dir = RA_GRAPH_DRIVERS, .max_depth = 2};
	hits full = {0}, cap = {0}, star_keys = {0}, full_nokeys = {0}, star_nokeys = {0};
	ra_store_file file = {.path = "star.sv", .blob = "s", .lang = RA_LANG_SV};
	ra_model *m = sv_star();
	ra_graph *g = NULL;
	bool trunc_full = true, trunc_cap = false;
	int64_t keys, stars, orphans = -1;
	const char *cut;
	int rc;

	RA_CHECK(setup(&f) == 0);
	ra_buf_init(&full.b, 0);
	ra_buf_init(&cap.b, 0);
	ra_buf_init(&star_keys.b, 0);
	ra_buf_init(&full_nokeys.b, 0);
	ra_buf_init(&star_nokeys.b, 0);
	rc = ra_store_begin(f.st);
	rc = rc ? rc : ra_store_file_put(f.st, &file, m);
	/* the same file again: its keys are replaced, not added to */
	rc = rc ? rc : ra_store_file_put(f.st, &file, m);
	rc = rc ? rc : ra_graph_resolve(f.st);
	rc = rc ? rc : ra_store_commit(f.st);
	ra_model_free(m);
	ra_graph_refresh(f.g);
	keys = ra_test_db_count(ra_store__db(f.st), "SELECT count(*) FROM conn_keys");
	stars = ra_test_db_count(ra_store__db(f.st),
	                         "SELECT count(*) FROM conn_keys WHERE key = '*'");
	orphans = ra_test_db_count(ra_store__db(f.st),
	                           "SELECT count(*) FROM conn_keys WHERE unit_id NOT IN"
	                           " (SELECT id FROM symbols)");
	rc = rc ? rc : trace_text(f.g, "top", "dout", &all, &full, &trunc_full);
	rc = rc ? rc : trace_text(f.g, "top", "dout", &capped, &cap, &trunc_cap);
	rc = rc ? rc : trace_text(f.g, "star", "q", &star, &star_keys, NULL);
	rc = rc ? rc : trace_text(f.g, "star", "q2", &star, &star_keys, NULL);
	/* an index without keys (written before schema 6): whole units are read */
	if (!rc && sqlite3_exec(ra_store__db(f.st), "DELETE FROM conn_keys", NULL, NULL, NULL))
		rc = -1;
	rc = rc ? rc : ra_graph_open(&g, f.st);
	rc = rc ? rc : trace_text(g, "top", "dout", &all, &full_nokeys, NULL);
	rc = rc ? rc : trace_text(g, "star", "q", &star, &star_nokeys, NULL);
	rc = rc ? rc : trace_text(g, "star", "q2", &star, &star_nokeys, NULL);
	ra_graph_close(g);
	teardown(&f);
	RA_CHECK_INT(rc, 0);
	/* top: u_mid's clk, rst_n, din, dout (W is a parameter) and g0's x; mid: clk, rst_n, s,
	   q; core: 4; star: q2 and two .* */
	RA_CHECK_INT(keys, 5 + 4 + 4 + 3);
	RA_CHECK_INT(stars, 2);
	RA_CHECK_INT(orphans, 0);
	RA_CHECK(!trunc_full && trunc_cap);
	RA_CHECK_INT(full.n, 17);
	RA_CHECK_INT(cap.n, 5);
	/* the capped answer is the first five lines of the full one */
	cut = full.b.data;
	for (int i = 0; cut && i < 5; i++)
		cut = strchr(cut, '\n') ? strchr(cut, '\n') + 1 : NULL;
	RA_CHECK(cut && cap.b.data && (size_t)(cut - full.b.data) == cap.b.len &&
	         memcmp(full.b.data, cap.b.data, cap.b.len) == 0);
	/* .* connects u_s.q to q (located at the instance); u_t's q is named (q2), so u_t connects only through q2 */
	RA_CHECK_STR(star_keys.b.data,
	             "q@u_s 1: u_s.q>q(port,star.sv:11)\n"
	             "clk@u_s 2: u_s.q>q(port,star.sv:11) clk>q(clock,mid.sv:56)\n"
	             "rst_n@u_s 2: u_s.q>q(port,star.sv:11) rst_n>q(reset,mid.sv:56)\n"
	             "d@u_s 2: u_s.q>q(port,star.sv:11) d>q(data,mid.sv:58)\n"
	             "q@u_t 1: u_t.q>q2(port,star.sv:21)\n"
	             "clk@u_t 2: u_t.q>q2(port,star.sv:21) clk>q(clock,mid.sv:56)\n"
	             "rst_n@u_t 2: u_t.q>q2(port,star.sv:21) rst_n>q(reset,mid.sv:56)\n"
	             "d@u_t 2: u_t.q>q2(port,star.sv:21) d>q(data,mid.sv:58)\n");
	RA_CHECK_STR(full_nokeys.b.data, full.b.data);
	RA_CHECK_STR(star_nokeys.b.data, star_keys.b.data);
	ra_buf_free(&full.b);
	ra_buf_free(&cap.b);
	ra_buf_free(&star_keys.b);
	ra_buf_free(&full_nokeys.b);
	ra_buf_free(&star_nokeys.b);
}

typedef struct doms {
	ra_buf b;
} doms;

static int dom_line(const ra_graph_domain *d, void *payload)
{
	return ra_buf_printf(payload, "%s:%s:%s;", d->clock, d->reg, d->reset ? d->reset : "-");
}

RA_TEST(graph_domains_and_edges)
{
	fixture f = {0};
	ra_graph_unit u;
	ra_buf b;
	int rc;

	RA_CHECK(setup(&f) == 0);
	ra_buf_init(&b, 0);
	rc = ra_graph_unit_find(f.g, "leaf", &u);
	rc = rc ? rc : ra_graph_domains(f.g, &u, dom_line, &b);
	teardown(&f);
	RA_CHECK_INT(rc, 0);
	RA_CHECK_STR(b.data, "clk:q:rst_n;");
	ra_buf_free(&b);
}

RA_TEST_MAIN()
