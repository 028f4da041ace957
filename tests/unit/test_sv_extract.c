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

static const char *const fixtures[] = {"defs.svh",    "fix_pkg.sv",   "bus_if.sv", "fifo.sv",
                                       "top.sv",      "classes.sv",   "legacy.v",  "broken.sv",
                                       "dataflow.sv", "macro_ports.v"};

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

/* the flows `source` -> `target` of this kind and how; -1 in `line` (1-based) matches any line */
static int count_flows(const ra_model *m, const char *source, const char *target, ra_flow_kind kind,
                       ra_assign_how how, int line)
{
	int n = 0;

	for (size_t i = 0; i < m->nflows; i++) {
		const ra_flow *f = &m->flows[i];

		if (strcmp(f->source, source) == 0 && strcmp(f->target, target) == 0 &&
		    f->kind == kind && f->how == how && (line < 0 || (int)f->span.line + 1 == line))
			n++;
	}
	return n;
}

static bool has_flow(const ra_model *m, const char *source, const char *target, ra_flow_kind kind,
                     ra_assign_how how)
{
	return count_flows(m, source, target, kind, how, -1) > 0;
}

/* any flow source -> target, whatever its kind */
static bool any_flow(const ra_model *m, const char *source, const char *target)
{
	for (size_t i = 0; i < m->nflows; i++)
		if (strcmp(m->flows[i].source, source) == 0 &&
		    strcmp(m->flows[i].target, target) == 0)
			return true;
	return false;
}

/* continuous assignments, if/case guards, clock and asynchronous reset, calls, generates */
RA_TEST(sv_extract_flows)
{
	ra_model *m = parse_fixture("dataflow.sv");
	int u, g, pr = -1;

	RA_CHECK(m != NULL);
	u = find_sym(m, RA_SYM_MODULE, "dataflow", -1);
	RA_CHECK(u >= 0);
	/* `wire both = a & b;` and `assign {carry, sum} = a + b;`: each target gets each read */
	RA_CHECK(has_flow(m, "a", "both", RA_FLOW_DATA, RA_ASSIGN_CONTINUOUS));
	RA_CHECK(has_flow(m, "b", "both", RA_FLOW_DATA, RA_ASSIGN_CONTINUOUS));
	RA_CHECK(has_flow(m, "a", "carry", RA_FLOW_DATA, RA_ASSIGN_CONTINUOUS));
	RA_CHECK(has_flow(m, "b", "sum", RA_FLOW_DATA, RA_ASSIGN_CONTINUOUS));
	/* `assign y = sel[0] ? sum : both;`: the select decides, the branches flow */
	RA_CHECK(has_flow(m, "sel", "y", RA_FLOW_CONTROL, RA_ASSIGN_CONTINUOUS));
	RA_CHECK(!has_flow(m, "sel", "y", RA_FLOW_DATA, RA_ASSIGN_CONTINUOUS));
	RA_CHECK(has_flow(m, "sum", "y", RA_FLOW_DATA, RA_ASSIGN_CONTINUOUS));
	RA_CHECK(has_flow(m, "both", "y", RA_FLOW_DATA, RA_ASSIGN_CONTINUOUS));
	/* always_comb: the if condition and the case expression guard every write under them */
	RA_CHECK_INT(count_flows(m, "a", "mux", RA_FLOW_DATA, RA_ASSIGN_BLOCKING, 40), 1);
	RA_CHECK_INT(count_flows(m, "en", "mux", RA_FLOW_CONTROL, RA_ASSIGN_BLOCKING, 40), 1);
	RA_CHECK_INT(count_flows(m, "sel", "mux", RA_FLOW_CONTROL, RA_ASSIGN_BLOCKING, 42), 1);
	RA_CHECK(!has_flow(m, "a", "mux", RA_FLOW_DATA, RA_ASSIGN_NONBLOCKING));
	/* always_ff with asynchronous reset and enable */

	RA_CHECK(has_flow(m, "mux", "q", RA_FLOW_DATA, RA_ASSIGN_NONBLOCKING));
	RA_CHECK(has_flow(m, "en", "q", RA_FLOW_CONTROL, RA_ASSIGN_NONBLOCKING));
	RA_CHECK_INT(count_flows(m, "clk", "q", RA_FLOW_CLOCK, RA_ASSIGN_NONBLOCKING, 48), 1);
	RA_CHECK_INT(count_flows(m, "rst_n", "q", RA_FLOW_RESET, RA_ASSIGN_NONBLOCKING, 48), 1);
	RA_CHECK(!has_flow(m, "rst_n", "q", RA_FLOW_CONTROL, RA_ASSIGN_NONBLOCKING));
	RA_CHECK(!has_flow(m, "clk", "q", RA_FLOW_RESET, RA_ASSIGN_NONBLOCKING));
	for (size_t i = 0; i < m->nflows; i++)
		if (strcmp(m->flows[i].target, "q") == 0 && m->flows[i].kind == RA_FLOW_CLOCK)
			pr = m->flows[i].scope;
	RA_CHECK(pr >= 0 && m->syms[pr].kind == RA_SYM_PROCESS && m->syms[pr].parent == u);
	/* a counter reads itself; a single event signal is the clock, never a reset */
	RA_CHECK_INT(count_flows(m, "cnt", "cnt", RA_FLOW_DATA, RA_ASSIGN_NONBLOCKING, 53), 1);
	RA_CHECK(has_flow(m, "clk", "cnt", RA_FLOW_CLOCK, RA_ASSIGN_NONBLOCKING));
	RA_CHECK(!has_flow(m, "rst_n", "cnt", RA_FLOW_RESET, RA_ASSIGN_NONBLOCKING));
	/* a function call's arguments; a task's input into its output argument */
	RA_CHECK(has_flow(m, "q", "par", RA_FLOW_DATA, RA_ASSIGN_CALL));
	RA_CHECK(!any_flow(m, "parity", "par"));
	RA_CHECK(has_flow(m, "q", "lo", RA_FLOW_DATA, RA_ASSIGN_CALL));
	RA_CHECK(!any_flow(m, "lo", "q"));
	/* inside the function: its scope, its result */
	g = find_sym(m, RA_SYM_FUNCTION, "parity", u);
	RA_CHECK(g >= 0);
	RA_CHECK_INT(count_flows(m, "v", "parity", RA_FLOW_DATA, RA_ASSIGN_BLOCKING, 29), 1);
	/* the always block in a generate: scope = the process under g_pipe; index reads are data */
	g = find_sym(m, RA_SYM_GENERATE, "g_pipe", u);
	RA_CHECK(g >= 0);
	RA_CHECK(has_flow(m, "i", "stage", RA_FLOW_DATA, RA_ASSIGN_NONBLOCKING));
	RA_CHECK(has_flow(m, "b", "stage", RA_FLOW_DATA, RA_ASSIGN_NONBLOCKING));
	RA_CHECK(!any_flow(m, "x", "stage")); /* `b.x[i]`: base identifiers only */
	for (size_t i = 0; i < m->nflows; i++) {
		const ra_flow *f = &m->flows[i];

		if (strcmp(f->target, "stage") == 0) {
			RA_CHECK(f->scope >= 0 && m->syms[f->scope].kind == RA_SYM_PROCESS);
			RA_CHECK_INT(m->syms[f->scope].parent, g);
		}
		/* no statement gives the same edge twice */
		for (size_t j = i + 1; j < m->nflows; j++) {
			const ra_flow *h = &m->flows[j];

			RA_CHECK(!(h->kind == f->kind && h->how == f->how &&
			           h->span.line == f->span.line && h->span.col == f->span.col &&
			           strcmp(h->source, f->source) == 0 &&
			           strcmp(h->target, f->target) == 0));
		}
	}
	ra_model_free(m);

	/* port connections are no flows; a package-scoped call's scope is no signal */
	m = parse_fixture("top.sv");
	RA_CHECK(m != NULL);
	for (size_t i = 0; i < m->nflows; i++) {
		RA_CHECK(m->flows[i].span.line + 1 < 26 || m->flows[i].span.line + 1 > 44);
		RA_CHECK(strcmp(m->flows[i].source, "fix_pkg") != 0);
		RA_CHECK(strcmp(m->flows[i].source, "popcount") != 0);
	}
	RA_CHECK(has_flow(m, "din", "push", RA_FLOW_DATA, RA_ASSIGN_CALL));
	ra_model_free(m);

	/* an active-high reset listed before the clock, and a signal listed twice */
	{
		const char *src = "module e(input c, r, d, output logic q);\n"
		                  "  always @(posedge r or posedge c or negedge c)\n"
		                  "    if (r) q <= 0; else q <= d;\n"
		                  "endmodule\n";

		RA_CHECK(ra_sv_parse(&m, src, strlen(src), RA_LANG_VERILOG) == 0);
		RA_CHECK_INT(count_flows(m, "c", "q", RA_FLOW_CLOCK, RA_ASSIGN_NONBLOCKING, -1), 1);
		RA_CHECK_INT(count_flows(m, "r", "q", RA_FLOW_RESET, RA_ASSIGN_NONBLOCKING, -1), 1);
		RA_CHECK(!any_flow(m, "c", "c") &&
		         !has_flow(m, "r", "q", RA_FLOW_CONTROL, RA_ASSIGN_NONBLOCKING));
		RA_CHECK(has_flow(m, "d", "q", RA_FLOW_DATA, RA_ASSIGN_NONBLOCKING));
		ra_model_free(m);
	}
}

/* byte offset of a (line, col) position, from the line starts of src */
static size_t offset_of(const char *src, size_t len, uint32_t line, uint32_t col)
{
	size_t at = 0;

	for (uint32_t l = 0; l < line && at < len; at++)
		if (src[at] == '\n')
			l++;
	return at + col;
}

static bool blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

/*
 * The chunk invariants on one file: each chunk's text is the source slice its span gives, and
 * is not blank; every non-blank line of each file-level unit lies in a chunk; no chunk holds
 * lines of two units; a chunk over the bounds is one that the syntax cannot split further, and
 * there are at most `max_over` of them.
 */
static int check_chunks(const char *name, const char *src, size_t len, const ra_model *m,
                        int max_over)
{
	int bad = 0, over = 0;
	size_t line = 0, ls = 0;

	for (size_t i = 0; i < m->nchunks; i++) {
		const ra_chunk *c = &m->chunks[i];
		size_t a = offset_of(src, len, c->span.line, c->span.col);
		size_t b = offset_of(src, len, c->span.end_line, c->span.end_col);
		int units = 0;

		if (b < a || b > len || strlen(c->text) != b - a ||
		    memcmp(c->text, src + a, b - a) != 0 || blank(c->text, strlen(c->text))) {
			fprintf(stderr, "%s: chunk %zu text is not its span's slice\n", name, i);
			bad++;
		}
		if (strlen(c->text) > 2000 || c->span.end_line - c->span.line + 1 > 60)
			over++;
		for (size_t s = 0; s < m->nsyms; s++) {
			const ra_sym *u = &m->syms[s];

			if (u->parent == -1 && ra_model_kind_is_unit(u->kind) &&
			    c->span.line <= u->span.end_line && c->span.end_line >= u->span.line)
				units++;
		}
		if (units > 1) {
			fprintf(stderr, "%s: chunk %zu (lines %u-%u) holds %d units\n", name, i,
			        c->span.line + 1, c->span.end_line + 1, units);
			bad++;
		}
	}
	if (over > max_over) {
		fprintf(stderr, "%s: %d chunks over the bounds\n", name, over);
		bad++;
	}
	/* line coverage of unit bodies */
	for (size_t at = 0; at <= len; at++) {
		if (at < len && src[at] != '\n')
			continue;
		if (!blank(src + ls, at - ls)) {
			bool in_unit = false, covered = false;

			for (size_t s = 0; s < m->nsyms; s++) {
				const ra_sym *u = &m->syms[s];

				if (u->parent == -1 && ra_model_kind_is_unit(u->kind) &&
				    line >= u->span.line && line <= u->span.end_line)
					in_unit = true;
			}
			for (size_t i = 0; i < m->nchunks && !covered; i++)
				covered = line >= m->chunks[i].span.line &&
				          line <= m->chunks[i].span.end_line;
			if (in_unit && !covered) {
				fprintf(stderr, "%s: line %zu is in no chunk\n", name, line + 1);
				bad++;
			}
		}
		line++;
		ls = at + 1;
	}
	return bad;
}

/* the chunks of the data-flow fixture, and the invariants on every fixture */
RA_TEST(sv_extract_chunks)
{
	ra_model *m = parse_fixture("dataflow.sv");
	int u, kinds = 0;
	static const struct {
		const char *kind;
		unsigned first, last; /* 1-based lines */
	} want[] = {
	        {"other", 1, 2},      /* the file's header comment and `timescale */
	        {"signature", 4, 19}, /* with the comment directly above the module */
	        {"declarations", 20, 22}, {"assigns", 24, 26},  {"subprogram", 28, 30},
	        {"subprogram", 32, 34},   {"process", 36, 45},  {"process", 47, 51},
	        {"process", 53, 56}, /* three one-line processes merged */
	        {"declarations", 58, 58}, {"generate", 59, 63}, /* with `endmodule` */
	};

	RA_CHECK(m != NULL);
	u = find_sym(m, RA_SYM_MODULE, "dataflow", -1);
	RA_CHECK_INT(m->nchunks, sizeof(want) / sizeof(*want));
	for (size_t i = 0; i < m->nchunks; i++) {
		const ra_chunk *c = &m->chunks[i];

		RA_CHECKF(strcmp(c->kind, want[i].kind) == 0 && c->span.line + 1 == want[i].first &&
		                  c->span.end_line + 1 == want[i].last,
		          "chunk %zu: %s %u-%u, want %s %u-%u", i, c->kind, c->span.line + 1,
		          c->span.end_line + 1, want[i].kind, want[i].first, want[i].last);
		kinds++;
	}
	RA_CHECK(kinds > 0);
	RA_CHECK_INT(m->chunks[1].sym, u);
	RA_CHECK(strncmp(m->chunks[1].text, "// Datapath", 11) == 0);
	RA_CHECK_INT(m->chunks[4].sym, find_sym(m, RA_SYM_FUNCTION, "parity", u));
	RA_CHECK_INT(m->chunks[5].sym, find_sym(m, RA_SYM_TASK, "low_half", u));
	RA_CHECK(m->syms[m->chunks[7].sym].kind == RA_SYM_PROCESS);
	RA_CHECK_INT(m->chunks[8].sym, u); /* merged: about their scope */
	RA_CHECK_INT(m->chunks[10].sym, find_sym(m, RA_SYM_GENERATE, "g_pipe", u));
	RA_CHECK(strstr(m->chunks[10].text, "endmodule") != NULL);
	ra_model_free(m);

	for (size_t i = 0; i < sizeof(fixtures) / sizeof(*fixtures); i++) {
		char path[512];
		char *src = NULL;
		size_t len = 0;

		m = parse_fixture(fixtures[i]);
		RA_CHECK(m != NULL && m->nchunks > 0);
		snprintf(path, sizeof(path), FIXDIR "%s", fixtures[i]);
		RA_CHECK(ra_read_file(&src, &len, path, 1 << 20) == 0);
		RA_CHECK_INT(check_chunks(fixtures[i], src, len, m, 0), 0);
		ra_free(src);
		ra_model_free(m);
	}
	/* a package's tail after a nested class still lies in a chunk of the package */
	m = parse_fixture("classes.sv");
	RA_CHECK(m != NULL);
	RA_CHECK_INT(m->chunks[m->nchunks - 1].span.line + 1, 29);
	RA_CHECK_INT(m->chunks[m->nchunks - 1].sym, find_sym(m, RA_SYM_PACKAGE, "txn_pkg", -1));
	ra_model_free(m);
}

/* big constructs are split at statement boundaries, within the bounds, keeping their symbol */
RA_TEST(sv_extract_chunks_split)
{
	ra_buf src;
	ra_model *m = NULL;
	int pr, procs = 0, generates = 0, ports = 0;

	ra_buf_init(&src, 0);
	ra_buf_puts(&src, "module big (\n");
	for (int i = 0; i < 120; i++)
		ra_buf_printf(&src, "    input logic [31:0] in_%03d,\n", i);
	ra_buf_puts(&src, "    output logic [31:0] out\n);\n");
	for (int i = 0; i < 150; i++)
		ra_buf_printf(&src, "  assign w_%03d = in_%03d ^ in_%03d;\n", i, i % 120,
		              (i + 1) % 120);
	ra_buf_puts(&src, "  always_comb begin\n    out = '0;\n    case (in_000[3:0])\n");
	for (int i = 0; i < 100; i++)
		ra_buf_printf(&src,
		              "      4'd%d: begin\n        out = in_%03d + in_%03d;\n      end\n",
		              i % 16, i, i + 1);
	ra_buf_puts(&src, "    endcase\n  end\n  for (genvar g = 0; g < 4; g++) begin : g_big\n");
	for (int i = 0; i < 70; i++)
		ra_buf_printf(&src, "    assign v_%03d[g] = in_%03d[g];\n", i, i);
	ra_buf_puts(&src, "    always_ff @(posedge in_000[0]) r[g] <= in_001[g];\n  end\n");
	ra_buf_puts(&src, "endmodule\n");
	RA_CHECK(ra_sv_parse(&m, src.data, src.len, RA_LANG_SV) == 0);
	RA_CHECK_INT(m->nerrors, 0);
	RA_CHECK_INT(check_chunks("big", src.data, src.len, m, 0), 0);
	pr = find_sym(m, RA_SYM_PROCESS, "", -2);
	RA_CHECK(pr >= 0);
	for (size_t i = 0; i < m->nchunks; i++) {
		const ra_chunk *c = &m->chunks[i];

		if (strcmp(c->kind, "process") == 0 && c->sym == pr)
			procs++;
		if (strcmp(c->kind, "signature") == 0)
			ports++;
		/* the big generate is cut into its items, in the generate's scope */
		if (c->sym >= 0 && m->syms[c->sym].kind == RA_SYM_GENERATE)
			generates++;
	}
	RA_CHECK(procs >= 3);
	RA_CHECK(ports >= 2);
	RA_CHECK(generates >= 2);
	RA_CHECK(m->chunks[0].span.line == 0 && strcmp(m->chunks[0].kind, "signature") == 0);
	ra_model_free(m);
	ra_buf_free(&src);
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

/* text on which tree-sitter's error recovery grows without bound (found by fuzz_sv: 13 GB and
   minutes) is given up within the parse budget (sv.h), and the parser works on afterwards */
RA_TEST(sv_parse_budget_gives_up_on_runaway_recovery)
{
	char *src = NULL;
	size_t len;
	ra_sv_parser *p = ra_sv_parser_new();
	ra_model *m = NULL;
	static const char ok[] = "module m(input a, output b); assign b = a; endmodule\n";

	RA_CHECK(p != NULL);
	RA_CHECK(ra_read_file(&src, &len,
	                      RA_SOURCE_DIR "/tests/fuzz/corpus/sv/timeout_error_recovery",
	                      1 << 20) == 0);
	/* the fuzz input's first four bytes are its options (fuzz_sv.c) */
	RA_CHECK(ra_sv_parser_parse(p, &m, src + 4, len - 4, RA_LANG_SV) == RA_ETOOBIG);
	RA_CHECK(m == NULL);
	RA_CHECKF(strstr(ra_error_last(), "gave up") != NULL, "%s", ra_error_last());
	RA_CHECK(ra_sv_parser_parse(p, &m, ok, sizeof(ok) - 1, RA_LANG_SV) == 0);
	RA_CHECK_INT(m->nerrors, 0);
	RA_CHECK(m->nsyms >= 3);
	ra_model_free(m);
	ra_free(src);
	ra_sv_parser_free(p);
}

RA_TEST_MAIN()
