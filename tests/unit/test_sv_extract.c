/*
 * test_sv_extract.c - golden and targeted tests of the SystemVerilog front end (indexer/sv.c)
 * over the fixture design in tests/fixtures/sv/.
 *
 * Each fixture file's ra_model_dump must equal <file>.golden beside it. After a deliberate change
 * to the extraction, regenerate with `RA_UPDATE_GOLDEN=1 test_sv_extract` and review every
 * changed line by hand: a golden records what is right, not what the code happens to do.
 */
#include "indexer/sv.h"
#include "tests/ra_test.h"

#define FIXDIR RA_SOURCE_DIR "/tests/fixtures/sv/"

static const char *const fixtures[] = {"defs.svh", "fix_pkg.sv", "bus_if.sv", "fifo.sv",
                                       "top.sv",   "classes.sv", "legacy.v",  "broken.sv"};

/* parses one fixture; the caller frees the model */
static ra_model *parse_fixture(const char *name)
{
	char path[512];
	char *src = NULL;
	size_t len = 0;
	ra_model *m = NULL;
	size_t n = strlen(name);
	ra_lang lang = n > 2 && strcmp(name + n - 2, ".v") == 0 ? RA_LANG_VERILOG : RA_LANG_SV;

	snprintf(path, sizeof(path), FIXDIR "%s", name);
	if (ra_read_file(&src, &len, path, 1 << 20))
		return NULL;
	if (ra_sv_parse(&m, src, len, lang))
		m = NULL;
	ra_free(src);
	return m;
}

/* index of the first symbol of `kind` named `name` under `parent` (-2: any parent), or -1 */
static int find_sym(const ra_model *m, ra_sym_kind kind, const char *name, int parent)
{
	for (size_t i = 0; i < m->nsyms; i++)
		if (m->syms[i].kind == kind && strcmp(m->syms[i].name, name) == 0 &&
		    (parent == -2 || m->syms[i].parent == parent))
			return (int)i;
	return -1;
}

/* the connection of instance `inst` with formal `formal` (NULL: positional at `pos`) */
static const ra_conn *find_conn(const ra_model *m, int inst, bool is_param, const char *formal,
                                int pos)
{
	for (size_t i = 0; i < m->nconns; i++) {
		const ra_conn *c = &m->conns[i];

		if (c->inst != inst || c->is_param != is_param)
			continue;
		if (formal ? c->formal && strcmp(c->formal, formal) == 0
		           : !c->formal && c->position == pos)
			return c;
	}
	return NULL;
}

static bool str_eq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

RA_TEST(sv_extract_goldens)
{
	bool update = getenv("RA_UPDATE_GOLDEN") && strcmp(getenv("RA_UPDATE_GOLDEN"), "1") == 0;
	int bad = 0;

	for (size_t i = 0; i < sizeof(fixtures) / sizeof(*fixtures); i++) {
		char path[512];
		char *want = NULL;
		size_t wlen = 0;
		ra_buf got;
		ra_model *m = parse_fixture(fixtures[i]);

		RA_CHECKF(m != NULL, "%s: %s", fixtures[i], ra_error_last());
		ra_buf_init(&got, 0);
		RA_CHECK(ra_model_dump(&got, m) == 0);
		ra_model_free(m);
		snprintf(path, sizeof(path), FIXDIR "%s.golden", fixtures[i]);
		if (update) {
			FILE *f = fopen(path, "wb");

			RA_CHECK(f != NULL);
			fwrite(got.data, 1, got.len, f);
			fclose(f);
		} else if (ra_read_file(&want, &wlen, path, 1 << 22) != 0) {
			fprintf(stderr, "%s: missing golden %s\n", fixtures[i], path);
			bad++;
		} else if (wlen != got.len || memcmp(want, got.data, wlen) != 0) {
			/* report the first differing line */
			size_t a = 0;
			while (a < wlen && a < got.len && want[a] == got.data[a])
				a++;
			while (a > 0 && want[a - 1] != '\n')
				a--;
			fprintf(stderr, "%s: differs from golden at\n  want: %.*s\n  got:  %.*s\n",
			        fixtures[i], (int)strcspn(want + a, "\n"), want + a,
			        (int)strcspn(got.data + a, "\n"), got.data + a);
			bad++;
		}
		ra_free(want);
		ra_buf_free(&got);
	}
	RA_CHECK_INT(bad, 0);
}

/* ANSI ports: direction, type with packed dims, interface ports with modport */
RA_TEST(sv_extract_ansi_ports)
{
	ra_model *m = parse_fixture("top.sv");
	int top, sink, p;

	RA_CHECK(m != NULL);
	top = find_sym(m, RA_SYM_MODULE, "top", -1);
	sink = find_sym(m, RA_SYM_MODULE, "sink", -1);
	RA_CHECK(top >= 0 && sink >= 0);
	p = find_sym(m, RA_SYM_PORT, "full", top);
	RA_CHECK(p >= 0);
	RA_CHECK_STR(m->syms[p].dir, "output");
	RA_CHECK_STR(m->syms[p].type, "logic [LANES-1:0]");
	RA_CHECK(m->syms[p].flags & RA_SYMF_ANSI);
	p = find_sym(m, RA_SYM_PORT, "din", top);
	RA_CHECK(p >= 0);
	RA_CHECK_STR(m->syms[p].dir, "input");
	RA_CHECK_STR(m->syms[p].type, "logic [`DATA_W-1:0]");
	p = find_sym(m, RA_SYM_PORT, "bus", sink);
	RA_CHECK(p >= 0);
	RA_CHECK_STR(m->syms[p].dir, "interface");
	RA_CHECK_STR(m->syms[p].type, "bus_if.slave");
	p = find_sym(m, RA_SYM_PARAM, "LANES", top);
	RA_CHECK(p >= 0);
	RA_CHECK_STR(m->syms[p].value, "fix_pkg::NUM_LANES");
	RA_CHECK(m->nimports == 1 && m->imports[0].scope == top);
	RA_CHECK_STR(m->imports[0].pkg, "fix_pkg");
	RA_CHECK_STR(m->imports[0].item, "*");
	ra_model_free(m);
}

/* every connection style, overrides, and the generate scope an instance sits in */
RA_TEST(sv_extract_instances)
{
	ra_model *m = parse_fixture("top.sv");
	int top, i, g;
	const ra_conn *c;

	RA_CHECK(m != NULL);
	top = find_sym(m, RA_SYM_MODULE, "top", -1);
	/* named, with named overrides and an empty `.pop()` */
	i = find_sym(m, RA_SYM_INSTANCE, "u_named", top);
	RA_CHECK(i >= 0);
	RA_CHECK_STR(m->syms[i].type, "fifo");
	c = find_conn(m, i, true, "DEPTH", 0);
	RA_CHECK(c && str_eq(c->actual, "16"));
	c = find_conn(m, i, false, "din", 0);
	RA_CHECK(c && str_eq(c->actual, "din[7:0]") && c->position == 2);
	c = find_conn(m, i, false, "pop", 0);
	RA_CHECK(c && c->actual == NULL);
	/* positional, with a positional override and three trailing empty connections */
	i = find_sym(m, RA_SYM_INSTANCE, "u_pos", top);
	RA_CHECK(i >= 0);
	c = find_conn(m, i, true, NULL, 0);
	RA_CHECK(c && str_eq(c->actual, "8"));
	c = find_conn(m, i, false, NULL, 2);
	RA_CHECK(c && str_eq(c->actual, "din[15:8]"));
	c = find_conn(m, i, false, NULL, 7);
	RA_CHECK(c && c->actual == NULL);
	RA_CHECK(find_conn(m, i, false, NULL, 8) == NULL);
	/* implicit `.clk` and `.*` */
	i = find_sym(m, RA_SYM_INSTANCE, "u_dot", top);
	RA_CHECK(i >= 0);
	c = find_conn(m, i, false, "clk", 0);
	RA_CHECK(c && str_eq(c->actual, "clk"));
	RA_CHECK(find_conn(m, i, false, "*", 0) != NULL);
	/* inside the for-generate and the if-generate */
	g = find_sym(m, RA_SYM_GENERATE, "g_lane", top);
	RA_CHECK(g >= 0);
	RA_CHECK_STR(m->syms[g].type, "for");
	i = find_sym(m, RA_SYM_INSTANCE, "u_lane", -2);
	RA_CHECK(i >= 0 && m->syms[i].parent == g);
	c = find_conn(m, i, false, "din", 0);
	RA_CHECK(c && str_eq(c->actual, "din[g]"));
	g = find_sym(m, RA_SYM_GENERATE, "g_wide", top);
	RA_CHECK(g >= 0);
	RA_CHECK_STR(m->syms[g].type, "if");
	i = find_sym(m, RA_SYM_INSTANCE, "u_extra", -2);
	RA_CHECK(i >= 0 && m->syms[i].parent == g);
	/* the unnamed else branch is the second generate construct of top */
	g = find_sym(m, RA_SYM_GENERATE, "genblk2", top);
	RA_CHECK(g >= 0 && (m->syms[g].flags & RA_SYMF_IMPLICIT));
	ra_model_free(m);
}

RA_TEST(sv_extract_package_types)
{
	ra_model *m = parse_fixture("fix_pkg.sv");
	int pkg, t, e;

	RA_CHECK(m != NULL);
	pkg = find_sym(m, RA_SYM_PACKAGE, "fix_pkg", -1);
	RA_CHECK(pkg >= 0);
	t = find_sym(m, RA_SYM_TYPEDEF, "state_e", pkg);
	RA_CHECK(t >= 0);
	RA_CHECK_STR(m->syms[t].type, "enum logic [1:0]");
	RA_CHECK(find_sym(m, RA_SYM_ENUM_MEMBER, "ST_IDLE", t) >= 0);
	e = find_sym(m, RA_SYM_ENUM_MEMBER, "ST_BUSY", t);
	RA_CHECK(e >= 0);
	RA_CHECK_STR(m->syms[e].value, "2'd2");
	RA_CHECK(find_sym(m, RA_SYM_ENUM_MEMBER, "ST_DONE", t) >= 0);
	t = find_sym(m, RA_SYM_TYPEDEF, "req_t", pkg);
	RA_CHECK(t >= 0);
	RA_CHECK_STR(m->syms[t].type, "struct packed");
	e = find_sym(m, RA_SYM_STRUCT_MEMBER, "state", t);
	RA_CHECK(e >= 0);
	RA_CHECK_STR(m->syms[e].type, "state_e");
	t = find_sym(m, RA_SYM_FUNCTION, "popcount", pkg);
	RA_CHECK(t >= 0);
	RA_CHECK_STR(m->syms[t].type, "int unsigned");
	RA_CHECK(find_sym(m, RA_SYM_TASK, "wait_cycles", pkg) >= 0);
	t = find_sym(m, RA_SYM_LOCALPARAM, "LANE_W", pkg);
	RA_CHECK(t >= 0);
	RA_CHECK_STR(m->syms[t].value, "`DATA_W / NUM_LANES");
	RA_CHECK(m->nincludes == 1);
	RA_CHECK_STR(m->includes[0].path, "defs.svh");
	ra_model_free(m);
}

RA_TEST(sv_extract_macros_classes_modports)
{
	ra_model *m = parse_fixture("defs.svh");
	int i, c;

	RA_CHECK(m != NULL);
	i = find_sym(m, RA_SYM_MACRO, "MAX", -1);
	RA_CHECK(i >= 0);
	RA_CHECK_STR(m->syms[i].type, "(a, b)");
	RA_CHECK_STR(m->syms[i].value, "((a) > (b) ? (a) : (b))");
	i = find_sym(m, RA_SYM_MACRO, "ASSERT_NEVER", -1);
	RA_CHECK(i >= 0);
	RA_CHECK_STR(m->syms[i].value, "always_comb assert (!(cond))");
	ra_model_free(m);

	m = parse_fixture("classes.sv");
	RA_CHECK(m != NULL);
	c = find_sym(m, RA_SYM_CLASS, "write_txn", find_sym(m, RA_SYM_PACKAGE, "txn_pkg", -1));
	RA_CHECK(c >= 0);
	RA_CHECK(find_sym(m, RA_SYM_VAR, "data", c) >= 0);
	i = find_sym(m, RA_SYM_TASK, "send", c);
	RA_CHECK(i >= 0);
	i = find_sym(m, RA_SYM_PORT, "r", i);
	RA_CHECK(i >= 0);
	RA_CHECK_STR(m->syms[i].dir, "ref");
	c = find_sym(m, RA_SYM_CLASS, "base_txn", -2);
	RA_CHECK(c >= 0 && find_sym(m, RA_SYM_FUNCTION, "new", c) >= 0);
	RA_CHECK(find_sym(m, RA_SYM_FUNCTION, "describe", c) >= 0);
	ra_model_free(m);

	m = parse_fixture("bus_if.sv");
	RA_CHECK(m != NULL);
	c = find_sym(m, RA_SYM_INTERFACE, "bus_if", -1);
	RA_CHECK(c >= 0);
	RA_CHECK(find_sym(m, RA_SYM_MODPORT, "master", c) >= 0);
	RA_CHECK(find_sym(m, RA_SYM_MODPORT, "slave", c) >= 0);
	ra_model_free(m);
}

/* non-ANSI ports: header order, direction and type merged from the body */
RA_TEST(sv_extract_nonansi_ports)
{
	ra_model *m = parse_fixture("legacy.v");
	int u, p;

	RA_CHECK(m != NULL);
	RA_CHECK(m->lang == RA_LANG_VERILOG);
	u = find_sym(m, RA_SYM_MODULE, "legacy_counter", -1);
	RA_CHECK(u >= 0);
	RA_CHECK_INT(m->syms[u + 1].kind, RA_SYM_PORT);
	RA_CHECK_STR(m->syms[u + 1].name, "clk");
	p = find_sym(m, RA_SYM_PORT, "en", u);
	RA_CHECK(p >= 0);
	RA_CHECK_STR(m->syms[p].dir, "input");
	p = find_sym(m, RA_SYM_PORT, "q", u);
	RA_CHECK(p >= 0);
	RA_CHECK_STR(m->syms[p].dir, "output");
	RA_CHECK_STR(m->syms[p].type, "reg [WIDTH-1:0]");
	RA_CHECK(!(m->syms[p].flags & RA_SYMF_ANSI));
	/* the body's `reg q;` and `wire carry;` complete the ports, not new variables */
	RA_CHECK(find_sym(m, RA_SYM_VAR, "q", -2) < 0);
	RA_CHECK(find_sym(m, RA_SYM_NET, "carry", -2) < 0);
	p = find_sym(m, RA_SYM_PORT, "carry", u);
	RA_CHECK(p >= 0 && str_eq(m->syms[p].type, "wire"));
	p = find_sym(m, RA_SYM_VAR, "table_mem", u);
	RA_CHECK(p >= 0);
	RA_CHECK_STR(m->syms[p].dims, "[0:15]");
	ra_model_free(m);
}

/* syntax errors are counted and reported; what lies outside them is still extracted */
RA_TEST(sv_extract_broken_file)
{
	ra_model *m = parse_fixture("broken.sv");
	int u;

	RA_CHECK(m != NULL);
	RA_CHECK(m->nerrors > 0);
	RA_CHECK_INT(m->ndiags, m->nerrors);
	RA_CHECK(find_sym(m, RA_SYM_MODULE, "before_error", -1) >= 0);
	u = find_sym(m, RA_SYM_MODULE, "with_error", -1);
	RA_CHECK(u >= 0);
	RA_CHECK(find_sym(m, RA_SYM_VAR, "ok_after", u) >= 0);
	RA_CHECK(find_sym(m, RA_SYM_MODULE, "garbage", -1) >= 0);
	u = find_sym(m, RA_SYM_MODULE, "after_error", -1);
	RA_CHECK(u >= 0);
	RA_CHECK(find_sym(m, RA_SYM_PORT, "x", u) >= 0);
	RA_CHECK(find_sym(m, RA_SYM_INSTANCE, "u_b", u) >= 0);
	RA_CHECK(m->diags[0].span.line == 8); /* 0-based: line 9 of the file */
	ra_model_free(m);
}

/* the parser is reusable across files and gives the same answer as the one-shot call */
RA_TEST(sv_extract_parser_reuse)
{
	const char *a = "module a(input x); b u(.p(x)); endmodule\n";
	const char *b = "module c; wire w; endmodule\n";
	ra_sv_parser *p = ra_sv_parser_new();
	ra_model *m1 = NULL, *m2 = NULL;

	RA_CHECK(p != NULL);
	RA_CHECK(ra_sv_parser_parse(p, &m1, a, strlen(a), RA_LANG_SV) == 0);
	RA_CHECK(ra_sv_parser_parse(p, &m2, b, strlen(b), RA_LANG_SV) == 0);
	RA_CHECK(m1->nsyms == 3 && m1->nconns == 1);
	RA_CHECK(m2->nsyms == 2 && m2->syms[1].kind == RA_SYM_NET);
	RA_CHECK(ra_sv_grammar_abi() == 15);
	ra_model_free(m1);
	ra_model_free(m2);
	ra_sv_parser_free(p);
}

/* every allocation the front end makes can fail: the call reports RA_ENOMEM and leaks nothing */
RA_TEST(sv_extract_out_of_memory)
{
	char *src = NULL;
	size_t len = 0;
	int failures = 0;

	RA_CHECK(ra_read_file(&src, &len, FIXDIR "top.sv", 1 << 20) == 0);
	for (long n = 0; n < 100000; n++) {
		ra_model *m = NULL;
		int rc;

		ra_alloc_fail_after(n);
		rc = ra_sv_parse(&m, src, len, RA_LANG_SV);
		ra_alloc_fail_after(-1);
		if (rc == 0) {
			RA_CHECK(m != NULL && m->nsyms > 0);
			ra_model_free(m);
			break;
		}
		RA_CHECK_INT(rc, RA_ENOMEM);
		RA_CHECK(m == NULL);
		failures++;
	}
	ra_free(src);
	RA_CHECK(failures > 10);
}

RA_TEST_MAIN()
