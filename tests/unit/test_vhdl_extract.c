/*
 * test_vhdl_extract.c - the VHDL front end on fixtures of our own (tests/fixtures/vhdl/): golden
 * dumps of the whole model, targeted checks of key facts, and hostile inputs.
 *
 * Goldens: tests/fixtures/vhdl/<file>.golden holds ra_model_dump() of <file>. With
 * RA_UPDATE_GOLDEN=1 the test rewrites them instead of comparing (review the diff by hand).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "indexer/vhdl.h"
#include "tests/ra_test.h"

#define FIXTURES RA_SOURCE_DIR "/tests/fixtures/vhdl/"

static ra_model *parse_str(const char *src)
{
	ra_model *m = NULL;

	if (ra_vhdl_parse(&m, src, strlen(src)) != 0)
		return NULL;
	return m;
}

static ra_model *parse_fixture(const char *name)
{
	char path[512];
	char *src;
	size_t len;
	ra_model *m = NULL;

	snprintf(path, sizeof(path), FIXTURES "%s", name);
	if (ra_read_file(&src, &len, path, 1 << 24) != 0)
		return NULL;
	if (ra_vhdl_parse(&m, src, len) != 0)
		m = NULL;
	ra_free(src);
	return m;
}

/* index of the first symbol of `kind` named `name` (case-insensitive), -1 if none */
static int find_sym(const ra_model *m, ra_sym_kind kind, const char *name)
{
	for (size_t i = 0; i < m->nsyms; i++)
		if (m->syms[i].kind == kind && strcasecmp(m->syms[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int count_kind(const ra_model *m, ra_sym_kind kind)
{
	int n = 0;

	for (size_t i = 0; i < m->nsyms; i++)
		n += m->syms[i].kind == kind;
	return n;
}

/* number of references named `name` on 1-based line `line` (0: any line) */
static int count_refs(const ra_model *m, const char *name, unsigned line)
{
	int n = 0;

	for (size_t i = 0; i < m->nrefs; i++)
		if (strcmp(m->refs[i].name, name) == 0 &&
		    (!line || m->refs[i].span.line + 1 == line))
			n++;
	return n;
}

static const ra_conn *find_conn(const ra_model *m, int inst, bool is_param, int pos)
{
	for (size_t i = 0; i < m->nconns; i++)
		if (m->conns[i].inst == inst && m->conns[i].is_param == is_param &&
		    m->conns[i].position == pos)
			return &m->conns[i];
	return NULL;
}

/* number of flows source -> target of `kind` and `how` (names compared ignoring case) */
static int count_flows(const ra_model *m, const char *source, const char *target, int kind, int how)
{
	int n = 0;

	for (size_t i = 0; i < m->nflows; i++) {
		const ra_flow *f = &m->flows[i];

		n += strcasecmp(f->source, source) == 0 && strcasecmp(f->target, target) == 0 &&
		     (int)f->kind == kind && (int)f->how == how;
	}
	return n;
}

static const ra_flow *find_flow(const ra_model *m, const char *source, const char *target, int kind)
{
	for (size_t i = 0; i < m->nflows; i++)
		if (strcasecmp(m->flows[i].source, source) == 0 &&
		    strcasecmp(m->flows[i].target, target) == 0 && (int)m->flows[i].kind == kind)
			return &m->flows[i];
	return NULL;
}

static int count_source(const ra_model *m, const char *source)
{
	int n = 0;

	for (size_t i = 0; i < m->nflows; i++)
		n += strcasecmp(m->flows[i].source, source) == 0;
	return n;
}

/* byte offset of (line, col) in src */
static size_t offset_of(const char *src, size_t len, uint32_t line, uint32_t col)
{
	size_t off = 0;

	for (uint32_t l = 0; l < line && off < len; off++)
		l += src[off] == '\n';
	return off + col;
}

/*
 * Chunk invariants over a parsed source: each text is exactly its span's slice, within about 60
 * lines / 2000 bytes unless it is a single line, chunks come in order without overlap, and
 * only blank space lies between the first chunk's start and the last chunk's end outside them.
 * Returns a description of the first violation, or NULL.
 */
static const char *check_chunks(const ra_model *m, const char *src, size_t len)
{
	static char why[200];
	size_t prev_end = 0;

	for (size_t i = 0; i < m->nchunks; i++) {
		const ra_chunk *c = &m->chunks[i];
		size_t a = offset_of(src, len, c->span.line, c->span.col);
		size_t b = offset_of(src, len, c->span.end_line, c->span.end_col);

		snprintf(why, sizeof(why), "chunk %zu (%s, lines %u-%u)", i, c->kind,
		         c->span.line + 1, c->span.end_line + 1);
		if (b > len || a >= b || strlen(c->text) != b - a ||
		    memcmp(c->text, src + a, b - a))
			return strcat(why, ": text is not its slice");
		if (c->sym < -1 || c->sym >= (int32_t)m->nsyms)
			return strcat(why, ": bad sym");
		if (c->span.line != c->span.end_line &&
		    (b - a > 2000 || c->span.end_line - c->span.line >= 60))
			return strcat(why, ": too big");
		if (i > 0) {
			if (a < prev_end)
				return strcat(why, ": overlaps the one before");
			for (size_t k = prev_end; k < a; k++)
				if (src[k] != ' ' && src[k] != '\t' && src[k] != '\n' &&
				    src[k] != '\r')
					return strcat(why, ": text before it is in no chunk");
		}
		prev_end = b;
	}
	return NULL;
}

/* compares the dump of `name` with its golden (or rewrites it); 0 when equal */
static int golden(const char *name, char *why, size_t whylen)
{
	char path[512];
	ra_model *m = parse_fixture(name);
	ra_buf out;
	char *want = NULL;
	size_t wlen = 0;
	int rc = 0;

	if (!m) {
		snprintf(why, whylen, "cannot parse %s", name);
		return -1;
	}
	ra_buf_init(&out, 0);
	ra_model_dump(&out, m);
	snprintf(path, sizeof(path), FIXTURES "%s.golden", name);
	if (getenv("RA_UPDATE_GOLDEN") && strcmp(getenv("RA_UPDATE_GOLDEN"), "1") == 0) {
		FILE *f = fopen(path, "wb");

		if (!f || fwrite(out.data, 1, out.len, f) != out.len)
			rc = -1;
		if (f)
			fclose(f);
		snprintf(why, whylen, "rewrote %s", path);
	} else if (ra_read_file(&want, &wlen, path, 1 << 24) != 0) {
		snprintf(why, whylen, "missing golden %s (run with RA_UPDATE_GOLDEN=1)", path);
		rc = -1;
	} else if (wlen != out.len || memcmp(want, out.data, wlen) != 0) {
		size_t i = 0, line = 1;

		while (i < wlen && i < out.len && want[i] == out.data[i])
			line += want[i++] == '\n';
		snprintf(why, whylen, "%s differs from its golden at dump line %zu", name, line);
		rc = -1;
	}
	ra_free(want);
	ra_buf_free(&out);
	ra_model_free(m);
	return rc;
}

#define GOLDEN_CASE(id, file)                                                                      \
	RA_TEST(vhdl_golden_##id)                                                                  \
	{                                                                                          \
		char why[600] = "";                                                                \
		RA_CHECKF(golden(file, why, sizeof(why)) == 0, "%s", why);                         \
	}

GOLDEN_CASE(pkg_types, "pkg_types.vhd")
GOLDEN_CASE(fifo, "fifo.vhd")
GOLDEN_CASE(top, "top.vhd")
GOLDEN_CASE(lexical, "lexical.vhd")
GOLDEN_CASE(errors, "errors.vhd")
GOLDEN_CASE(mixed_uart, "mixed_uart.vhd")
GOLDEN_CASE(vhdl2008, "vhdl2008.vhd")
GOLDEN_CASE(dataflow, "dataflow.vhd")

RA_TEST(vhdl_package_types_and_subprograms)
{
	ra_model *m = parse_fixture("pkg_types.vhd");
	int pkg, body, st, rec, fn, prot;

	RA_CHECK(m);
	RA_CHECK_INT(m->nerrors, 0);
	RA_CHECK((pkg = find_sym(m, RA_SYM_PACKAGE, "bus_pkg")) >= 0);
	RA_CHECK((body = find_sym(m, RA_SYM_PACKAGE_BODY, "bus_pkg")) > pkg);
	RA_CHECK((st = find_sym(m, RA_SYM_TYPEDEF, "state_t")) >= 0);
	RA_CHECK_INT(m->syms[st].parent, pkg);
	RA_CHECK_INT(m->syms[find_sym(m, RA_SYM_ENUM_MEMBER, "WRITE_REQ")].parent, st);
	RA_CHECK(find_sym(m, RA_SYM_ENUM_MEMBER, "'Z'") > st);
	RA_CHECK((rec = find_sym(m, RA_SYM_TYPEDEF, "bus_req_t")) >= 0);
	RA_CHECK_STR(m->syms[rec].type, "record");
	RA_CHECK_INT(m->syms[find_sym(m, RA_SYM_STRUCT_MEMBER, "addr")].parent, rec);
	RA_CHECK_STR(m->syms[find_sym(m, RA_SYM_STRUCT_MEMBER, "data")].type,
	             "std_logic_vector(DATA_W - 1 downto 0)");
	RA_CHECK_STR(m->syms[find_sym(m, RA_SYM_LOCALPARAM, "RESET_VECTOR")].value, "x\"FF00\"");
	RA_CHECK_STR(m->syms[find_sym(m, RA_SYM_TYPEDEF, "small_int")].type,
	             "integer range 0 to 15");
	/* the function declaration in the package and its body in the package body */
	RA_CHECK((fn = find_sym(m, RA_SYM_FUNCTION, "max_of")) >= 0);
	RA_CHECK_INT(m->syms[fn].parent, pkg);
	RA_CHECK_STR(m->syms[fn].type, "integer");
	RA_CHECK_INT(count_kind(m, RA_SYM_FUNCTION), 8);
	RA_CHECK_INT(count_kind(m, RA_SYM_TASK), 4);
	RA_CHECK_STR(m->syms[find_sym(m, RA_SYM_PORT, "s")].dir, "out");
	RA_CHECK(find_sym(m, RA_SYM_FUNCTION, "\"+\"") >= 0);
	RA_CHECK((prot = find_sym(m, RA_SYM_TYPEDEF, "counter_pt")) >= 0);
	RA_CHECK_STR(m->syms[prot].type, "protected");
	RA_CHECK_INT(m->syms[find_sym(m, RA_SYM_TASK, "incr")].parent, prot);
	RA_CHECK_STR(m->syms[find_sym(m, RA_SYM_ENUM_MEMBER, "ns")].value, "1000 ps");
	RA_CHECK_STR(m->syms[find_sym(m, RA_SYM_ALIAS, "addr_width")].value, "ADDR_W");
	RA_CHECK_STR(m->syms[find_sym(m, RA_SYM_ATTRIBUTE, "encoding")].type, "string");
	/* `v'range`: `range` is an attribute, `v` a use; the loop parameter is no use */
	RA_CHECK_INT(count_refs(m, "v", 55), 1);
	RA_CHECK_INT(count_refs(m, "i", 55), 0);
	RA_CHECK_INT(count_refs(m, "i", 56), 1);
	RA_CHECK_INT(m->nimports, 3);
	RA_CHECK_STR(m->imports[2].pkg, "numeric_std");
	RA_CHECK_STR(m->imports[2].item, "*");
	ra_model_free(m);
}

RA_TEST(vhdl_entity_architecture_processes)
{
	ra_model *m = parse_fixture("fifo.vhd");
	int ent, arch, p;

	RA_CHECK(m);
	RA_CHECK_INT(m->nerrors, 0);
	RA_CHECK((ent = find_sym(m, RA_SYM_ENTITY, "fifo")) >= 0);
	RA_CHECK_STR(m->syms[ent].name, "Fifo"); /* spelling as written */
	RA_CHECK_INT(m->syms[ent].name_span.line, 7);
	RA_CHECK_INT(m->syms[ent].name_span.col, 7);
	RA_CHECK_INT(m->syms[ent].span.end_line, 22);
	RA_CHECK_STR(m->syms[find_sym(m, RA_SYM_PARAM, "DEPTH")].type, "positive");
	RA_CHECK_STR(m->syms[find_sym(m, RA_SYM_PARAM, "DEPTH")].value, "16");
	RA_CHECK_INT(m->syms[find_sym(m, RA_SYM_PORT, "rst_n")].parent, ent);
	RA_CHECK_STR(m->syms[find_sym(m, RA_SYM_PORT, "rst_n")].dir, "in");
	RA_CHECK_STR(m->syms[find_sym(m, RA_SYM_PORT, "level")].dir, "buffer");
	RA_CHECK_STR(m->syms[find_sym(m, RA_SYM_PORT, "rd_en")].value, "'0'");
	RA_CHECK_STR(m->syms[find_sym(m, RA_SYM_PORT, "rd_data")].type,
	             "std_logic_vector(WIDTH - 1 downto 0)");
	RA_CHECK((arch = find_sym(m, RA_SYM_ARCHITECTURE, "RTL")) >= 0);
	RA_CHECK_STR(m->syms[arch].type, "Fifo");
	RA_CHECK_INT(m->syms[find_sym(m, RA_SYM_NET, "rd_ptr")].parent, arch);
	RA_CHECK_STR(m->syms[find_sym(m, RA_SYM_NET, "rd_ptr")].value, "0");
	RA_CHECK_INT(m->syms[find_sym(m, RA_SYM_VAR, "hits")].parent, arch);
	RA_CHECK_INT(count_kind(m, RA_SYM_PROCESS), 3);
	RA_CHECK((p = find_sym(m, RA_SYM_PROCESS, "write_proc")) >= 0);
	RA_CHECK_INT(m->syms[find_sym(m, RA_SYM_VAR, "next_ptr")].parent, p);
	RA_CHECK(find_sym(m, RA_SYM_PROCESS, "") >= 0);
	RA_CHECK(find_sym(m, RA_SYM_PROCESS, "comb") >= 0);
	/* sensitivity list and rising_edge are uses; `all` is not */
	RA_CHECK_INT(count_refs(m, "clk", 34), 1);
	RA_CHECK_INT(count_refs(m, "rising_edge", 0), 2);
	RA_CHECK_INT(count_refs(m, "all", 0), 0);
	/* selected and conditional assignments: choices and conditions are uses */
	RA_CHECK_INT(count_refs(m, "READ_REQ", 76), 1);
	RA_CHECK_INT(count_refs(m, "level", 70), 1);
	RA_CHECK_INT(count_refs(m, "DEPTH", 71), 1);
	/* declarations are not references */
	RA_CHECK_INT(count_refs(m, "mem", 27), 0);
	ra_model_free(m);
}

RA_TEST(vhdl_instances_and_generates)
{
	ra_model *m = parse_fixture("top.vhd");
	int arch, u, d, g, gi, blk;
	const ra_conn *c;

	RA_CHECK(m);
	RA_CHECK_INT(m->nerrors, 0);
	RA_CHECK((arch = find_sym(m, RA_SYM_ARCHITECTURE, "Structural")) >= 0);
	RA_CHECK(find_sym(m, RA_SYM_COMPONENT, "fifo") > arch);
	RA_CHECK_INT(m->syms[find_sym(m, RA_SYM_PORT, "empty")].parent,
	             find_sym(m, RA_SYM_COMPONENT, "fifo"));
	/* component instantiation, named maps, open actual */
	RA_CHECK((u = find_sym(m, RA_SYM_INSTANCE, "u_fifo")) >= 0);
	RA_CHECK_STR(m->syms[u].type, "fifo");
	RA_CHECK_STR(m->syms[u].dir, "component");
	RA_CHECK_STR(m->syms[u].value, "fifo");
	RA_CHECK_INT(m->syms[u].parent, arch);
	RA_CHECK((c = find_conn(m, u, true, 0)) != NULL);
	RA_CHECK_STR(c->formal, "DEPTH");
	RA_CHECK_STR(c->actual, "32");
	RA_CHECK((c = find_conn(m, u, false, 5)) != NULL);
	RA_CHECK_STR(c->formal, "rd_data");
	RA_CHECK_STR(c->actual, "fifo_out");
	RA_CHECK((c = find_conn(m, u, false, 7)) != NULL);
	RA_CHECK_STR(c->formal, "empty");
	RA_CHECK(c->actual == NULL);
	/* direct entity instantiation with architecture, positional maps */
	RA_CHECK((d = find_sym(m, RA_SYM_INSTANCE, "U_Direct")) >= 0);
	RA_CHECK_STR(m->syms[d].type, "fifo");
	RA_CHECK_STR(m->syms[d].dir, "entity");
	RA_CHECK_STR(m->syms[d].value, "work.fifo(RTL)");
	RA_CHECK((c = find_conn(m, d, true, 1)) != NULL);
	RA_CHECK(c->formal == NULL);
	RA_CHECK_STR(c->actual, "8");
	RA_CHECK((c = find_conn(m, d, false, 5)) != NULL);
	RA_CHECK_STR(c->actual, "dout");
	RA_CHECK(find_conn(m, d, false, 8) != NULL && find_conn(m, d, false, 8)->actual == NULL);
	RA_CHECK(find_conn(m, d, false, 9) == NULL);
	RA_CHECK_STR(m->syms[find_sym(m, RA_SYM_INSTANCE, "u_lib")].value, "ieee_proposed.dummy");
	/* for-generate with a declaration and an instance inside */
	RA_CHECK((g = find_sym(m, RA_SYM_GENERATE, "gen_ch")) >= 0);
	RA_CHECK_STR(m->syms[g].type, "for");
	RA_CHECK_INT(m->syms[find_sym(m, RA_SYM_NET, "local_q")].parent, g);
	RA_CHECK_INT(m->syms[find_sym(m, RA_SYM_INSTANCE, "u_sync")].parent, g);
	RA_CHECK_STR(find_conn(m, find_sym(m, RA_SYM_INSTANCE, "u_sync"), false, 1)->actual,
	             "din(i)");
	RA_CHECK((gi = find_sym(m, RA_SYM_GENERATE, "gen_sync")) >= 0);
	RA_CHECK_STR(m->syms[gi].type, "if");
	RA_CHECK_INT(m->syms[find_sym(m, RA_SYM_INSTANCE, "u_irq")].parent, gi);
	RA_CHECK((blk = find_sym(m, RA_SYM_BLOCK, "ctrl")) >= 0);
	RA_CHECK_INT(m->syms[find_sym(m, RA_SYM_NET, "toggle")].parent, blk);
	RA_CHECK_INT(count_kind(m, RA_SYM_INSTANCE), 5);
	/* the configuration */
	RA_CHECK(find_sym(m, RA_SYM_CONFIGURATION, "top_cfg") >= 0);
	RA_CHECK_STR(m->syms[find_sym(m, RA_SYM_CONFIGURATION, "top_cfg")].type, "Top");
	RA_CHECK_INT(count_refs(m, "sync_ff", 90), 1);
	/* the instantiated unit is a use; formals are not, actuals are */
	RA_CHECK_INT(count_refs(m, "fifo", 42), 1);
	RA_CHECK_INT(count_refs(m, "rd_data", 50), 0);
	RA_CHECK_INT(count_refs(m, "fifo_out", 50), 1);
	ra_model_free(m);
}

RA_TEST(vhdl_lexical_corners)
{
	ra_model *m = parse_fixture("lexical.vhd");
	int e;

	RA_CHECK(m);
	RA_CHECK_INT(m->nerrors, 0);
	/* the block comment hides a whole entity */
	RA_CHECK(find_sym(m, RA_SYM_ENTITY, "not_a_unit") < 0);
	RA_CHECK((e = find_sym(m, RA_SYM_ENTITY, "\\My Odd-Entity\\")) >= 0);
	RA_CHECK_STR(m->syms[find_sym(m, RA_SYM_ARCHITECTURE, "behav")].type, "\\My Odd-Entity\\");
	RA_CHECK(find_sym(m, RA_SYM_PORT, "\\q\\\\x\\") >= 0);
	RA_CHECK_STR(m->syms[find_sym(m, RA_SYM_PORT, "\\in.bus\\")].dir, "in");
	RA_CHECK_STR(m->syms[find_sym(m, RA_SYM_LOCALPARAM, "BASED_R")].value, "16#F.8#E+1");
	RA_CHECK_STR(m->syms[find_sym(m, RA_SYM_LOCALPARAM, "BS2")].value, "8UX\"0F\"");
	RA_CHECK_STR(m->syms[find_sym(m, RA_SYM_LOCALPARAM, "QUOTE")].value, "\"say \"\"hi\"\"\"");
	RA_CHECK_STR(m->syms[find_sym(m, RA_SYM_LOCALPARAM, "TICKC")].value, "'''");
	RA_CHECK_STR(m->syms[find_sym(m, RA_SYM_LOCALPARAM, "CHARS")].value, "('a', ''', 'b')");
	/* attribute names after a tick are no uses; prefixes are */
	RA_CHECK_INT(count_refs(m, "length", 0), 0);
	RA_CHECK_INT(count_refs(m, "high", 0), 0);
	RA_CHECK_INT(count_refs(m, "pos", 0), 0);
	RA_CHECK_INT(count_refs(m, "\\in.bus\\", 24), 1);
	RA_CHECK_INT(count_refs(m, "CamelCase", 25), 1);
	RA_CHECK_INT(count_refs(m, "character", 26), 1);
	ra_model_free(m);
}

RA_TEST(vhdl_errors_recover)
{
	ra_model *m = parse_fixture("errors.vhd");

	RA_CHECK(m);
	RA_CHECK_INT(m->nerrors, 4);
	RA_CHECK_INT(m->ndiags, 4);
	RA_CHECK_INT(m->diags[0].span.line + 1, 11);
	RA_CHECK_INT(m->diags[1].span.line + 1, 19);
	RA_CHECK_INT(m->diags[2].span.line + 1, 22);
	RA_CHECK_INT(m->diags[3].span.line + 1, 28);
	/* before the errors */
	RA_CHECK(find_sym(m, RA_SYM_NET, "good_before") >= 0);
	/* between and after them */
	RA_CHECK(find_sym(m, RA_SYM_NET, "good_after") >= 0);
	RA_CHECK(find_sym(m, RA_SYM_PROCESS, "p1") >= 0);
	RA_CHECK(find_sym(m, RA_SYM_INSTANCE, "u_ok") >= 0);
	RA_CHECK(find_sym(m, RA_SYM_INSTANCE, "u_after") >= 0);
	RA_CHECK(find_sym(m, RA_SYM_ENTITY, "broken") >= 0);
	RA_CHECK(find_sym(m, RA_SYM_PACKAGE, "after_pkg") >= 0);
	RA_CHECK(find_sym(m, RA_SYM_FUNCTION, "f") >= 0);
	RA_CHECK(find_sym(m, RA_SYM_ARCHITECTURE, "rtl2") >= 0);
	RA_CHECK_INT(m->syms[find_sym(m, RA_SYM_INSTANCE, "u_last")].parent,
	             find_sym(m, RA_SYM_ARCHITECTURE, "rtl2"));
	/* the unnamed signal left no symbol behind */
	RA_CHECK_INT(count_kind(m, RA_SYM_NET), 2);
	ra_model_free(m);
}

RA_TEST(vhdl_mixed_language_component)
{
	ra_model *m = parse_fixture("mixed_uart.vhd");
	int comp, inst;

	RA_CHECK(m);
	RA_CHECK_INT(m->nerrors, 0);
	RA_CHECK((comp = find_sym(m, RA_SYM_COMPONENT, "uart_tx")) >= 0);
	RA_CHECK_INT(m->syms[find_sym(m, RA_SYM_PARAM, "CLKS_PER_BIT")].parent, comp);
	RA_CHECK_STR(m->syms[find_sym(m, RA_SYM_PORT, "o_tx_serial")].dir, "out");
	RA_CHECK((inst = find_sym(m, RA_SYM_INSTANCE, "u_tx")) >= 0);
	RA_CHECK_STR(m->syms[inst].type, "uart_tx");
	RA_CHECK_STR(m->syms[inst].dir, "component");
	RA_CHECK_STR(find_conn(m, inst, true, 0)->actual, "434");
	RA_CHECK_STR(find_conn(m, inst, false, 3)->formal, "i_tx_byte");
	RA_CHECK(find_conn(m, inst, false, 6)->actual == NULL);
	ra_model_free(m);
}

RA_TEST(vhdl_2008_features)
{
	ra_model *m = parse_fixture("vhdl2008.vhd");
	int ctx, gp, gm, gi;

	RA_CHECK(m);
	RA_CHECK_INT(m->nerrors, 0);
	RA_CHECK((ctx = find_sym(m, RA_SYM_CONTEXT, "project_ctx")) >= 0);
	RA_CHECK(m->nimports >= 4);
	RA_CHECK_INT(m->imports[0].scope, ctx);
	RA_CHECK_STR(m->imports[0].library, "ieee");
	RA_CHECK(m->imports[0].pkg == NULL);
	/* context reference before a unit */
	RA_CHECK_INT(m->imports[3].scope, -1);
	RA_CHECK_STR(m->imports[3].pkg, "project_ctx");
	RA_CHECK((gp = find_sym(m, RA_SYM_PACKAGE, "generic_fifo_pkg")) >= 0);
	RA_CHECK_STR(m->syms[find_sym(m, RA_SYM_PARAM, "element_t")].type, "type");
	RA_CHECK_STR(m->syms[find_sym(m, RA_SYM_PARAM, "to_str")].type, "function");
	RA_CHECK_INT(m->syms[find_sym(m, RA_SYM_PARAM, "to_str")].parent, gp);
	RA_CHECK_STR(m->syms[find_sym(m, RA_SYM_PACKAGE, "int_fifo_pkg")].value,
	             "work.generic_fifo_pkg");
	RA_CHECK_STR(m->syms[find_sym(m, RA_SYM_PARAM, "fifo_p")].type, "package");
	RA_CHECK((gm = find_sym(m, RA_SYM_GENERATE, "g_mode")) >= 0);
	RA_CHECK_STR(m->syms[gm].type, "case");
	RA_CHECK_INT(m->syms[find_sym(m, RA_SYM_INSTANCE, "u1")].parent, gm);
	RA_CHECK_INT(m->syms[find_sym(m, RA_SYM_NET, "t")].parent, gm);
	RA_CHECK((gi = find_sym(m, RA_SYM_GENERATE, "g_if")) >= 0);
	RA_CHECK_INT(m->syms[find_sym(m, RA_SYM_INSTANCE, "u3")].parent, gi);
	/* alternative labels are declarations, not uses */
	RA_CHECK_INT(count_refs(m, "m1", 0), 0);
	RA_CHECK_INT(count_refs(m, "fast", 0), 0);
	ra_model_free(m);
}

RA_TEST(vhdl_tick_versus_character_literal)
{
	ra_model *m = parse_str("architecture a of e is begin\n"
	                        "x <= t'('0') when s'event else '1';\n"
	                        "y <= v'length + c'pos(''');\n"
	                        "end;\n");

	RA_CHECK(m);
	RA_CHECK_INT(m->nerrors, 0);
	RA_CHECK_INT(count_refs(m, "t", 2), 1);
	RA_CHECK_INT(count_refs(m, "s", 2), 1);
	RA_CHECK_INT(count_refs(m, "event", 0), 0);
	RA_CHECK_INT(count_refs(m, "c", 3), 1);
	RA_CHECK_INT(count_refs(m, "length", 0), 0);
	ra_model_free(m);
}

RA_TEST(vhdl_use_clause_shapes)
{
	ra_model *m = parse_str("library mylib;\n"
	                        "use mylib.pkg;\n"
	                        "use work.all;\n"
	                        "use local_pkg.item;\n"
	                        "use ieee.math_real.\"+\";\n"
	                        "entity e is end;\n");

	RA_CHECK(m);
	RA_CHECK_INT(m->nerrors, 0);
	RA_CHECK_INT(m->nimports, 5);
	RA_CHECK_STR(m->imports[0].library, "mylib");
	RA_CHECK(m->imports[0].pkg == NULL && m->imports[0].item == NULL);
	RA_CHECK_STR(m->imports[1].library, "mylib");
	RA_CHECK_STR(m->imports[1].pkg, "pkg");
	RA_CHECK(m->imports[1].item == NULL);
	RA_CHECK_STR(m->imports[2].library, "work");
	RA_CHECK(m->imports[2].pkg == NULL);
	RA_CHECK_STR(m->imports[2].item, "*");
	RA_CHECK(m->imports[3].library == NULL);
	RA_CHECK_STR(m->imports[3].pkg, "local_pkg");
	RA_CHECK_STR(m->imports[3].item, "item");
	RA_CHECK_STR(m->imports[4].item, "\"+\"");
	ra_model_free(m);
}

RA_TEST(vhdl_sequential_statements)
{
	ra_model *m = parse_str(
	        "entity e is end;\n"
	        "architecture a of e is begin\n"
	        "p : process\n"
	        "  variable v : integer;\n"
	        "begin\n"
	        "  L1 : for i in 0 to 3 loop\n"
	        "    next L1 when i = 1;\n"
	        "    while v < 10 loop v := v + 1; exit when v = 5; end loop;\n"
	        "  end loop L1;\n"
	        "  loop exit; end loop;\n"
	        "  case v is when 1 | 2 => null; when others => report \"x\" severity note;"
	        " end case;\n"
	        "  wait on s until s = '1' for 5 ns;\n"
	        "  do_it(v, s => w);\n"
	        "  r.f(2) <= '0' after 1 ns, '1' after 2 ns;\n"
	        "  assert false;\n"
	        "  return;\n"
	        "end process;\n"
	        "end;\n");

	RA_CHECK(m);
	RA_CHECKF(m->nerrors == 0, "%s", m->ndiags ? m->diags[0].message : "");
	RA_CHECK_INT(count_refs(m, "do_it", 13), 1);
	RA_CHECK_INT(count_refs(m, "w", 13), 1);
	RA_CHECK_INT(count_refs(m, "s", 13), 0); /* a formal */
	RA_CHECK_INT(count_refs(m, "r", 14), 1);
	RA_CHECK_INT(count_refs(m, "s", 12), 2);
	ra_model_free(m);
}

RA_TEST(vhdl_dataflow_edges)
{
	ra_model *m = parse_fixture("dataflow.vhd");
	const ra_flow *f;
	int arch, regs, lane;

	RA_CHECK(m);
	RA_CHECK_INT(m->nerrors, 0);
	RA_CHECK((arch = find_sym(m, RA_SYM_ARCHITECTURE, "rtl")) >= 0);
	RA_CHECK((regs = find_sym(m, RA_SYM_PROCESS, "regs")) >= 0);
	RA_CHECK((lane = find_sym(m, RA_SYM_PROCESS, "lane")) >= 0);
	/* concurrent: values are data, conditions and selectors control; slices give base names */
	RA_CHECK_INT(count_flows(m, "a", "sum", RA_FLOW_DATA, RA_ASSIGN_CONTINUOUS), 1);
	RA_CHECK_INT(count_flows(m, "b", "sum", RA_FLOW_DATA, RA_ASSIGN_CONTINUOUS), 1);
	RA_CHECK((f = find_flow(m, "a", "sum", RA_FLOW_DATA)) && f->scope == arch);
	RA_CHECK_INT(f->span.line + 1, 40);
	RA_CHECK_INT(count_flows(m, "sel", "y", RA_FLOW_CONTROL, RA_ASSIGN_CONTINUOUS), 1);
	RA_CHECK_INT(count_flows(m, "en", "y", RA_FLOW_CONTROL, RA_ASSIGN_CONTINUOUS), 1);
	RA_CHECK_INT(count_flows(m, "c", "y", RA_FLOW_DATA, RA_ASSIGN_CONTINUOUS), 1);
	RA_CHECK_INT(count_flows(m, "sel", "y", RA_FLOW_DATA, RA_ASSIGN_CONTINUOUS), 0);
	RA_CHECK_INT(count_flows(m, "sel", "mux_o", RA_FLOW_CONTROL, RA_ASSIGN_CONTINUOUS), 1);
	RA_CHECK_INT(count_flows(m, "c", "mux_o", RA_FLOW_DATA, RA_ASSIGN_CONTINUOUS), 1);
	/* functions (the file's and IEEE's), types, enumeration literals are no sources */
	RA_CHECK_INT(count_source(m, "inc"), 0);
	RA_CHECK_INT(count_source(m, "resize"), 0);
	RA_CHECK_INT(count_source(m, "rising_edge"), 0);
	RA_CHECK_INT(count_source(m, "M_RUN"), 0);
	RA_CHECK_INT(count_source(m, "high"), 0);
	/* clocked process: async reset to every target, clock to those written under it, the
	   synchronous clear and the enable are control */
	RA_CHECK_INT(count_flows(m, "rst", "cnt", RA_FLOW_RESET, RA_ASSIGN_NONBLOCKING), 1);
	RA_CHECK_INT(count_flows(m, "rst", "mode", RA_FLOW_RESET, RA_ASSIGN_NONBLOCKING), 1);
	RA_CHECK((f = find_flow(m, "rst", "cnt", RA_FLOW_RESET)) && f->scope == regs);
	RA_CHECK_INT(f->span.line + 1, 52);
	RA_CHECK(find_flow(m, "rst", "cnt", RA_FLOW_CONTROL) == NULL);
	RA_CHECK(find_flow(m, "rst", "mode", RA_FLOW_CONTROL) == NULL);
	RA_CHECK_INT(count_flows(m, "clk", "cnt", RA_FLOW_CLOCK, RA_ASSIGN_NONBLOCKING), 1);
	RA_CHECK_INT(count_flows(m, "clk", "mode", RA_FLOW_CLOCK, RA_ASSIGN_NONBLOCKING), 1);
	RA_CHECK(find_flow(m, "clk", "cnt", RA_FLOW_CONTROL) == NULL);
	RA_CHECK(find_flow(m, "srst", "cnt", RA_FLOW_CONTROL) != NULL);
	RA_CHECK(find_flow(m, "srst", "cnt", RA_FLOW_RESET) == NULL);
	RA_CHECK(find_flow(m, "en", "mode", RA_FLOW_CONTROL) != NULL);
	RA_CHECK_INT(count_flows(m, "cnt", "cnt", RA_FLOW_DATA, RA_ASSIGN_NONBLOCKING), 1);
	RA_CHECK_INT(count_flows(m, "sum", "cnt", RA_FLOW_DATA, RA_ASSIGN_NONBLOCKING), 1);
	/* combinational process: case selector, variables, a procedure declared in the file */
	RA_CHECK_INT(count_flows(m, "mode", "acc", RA_FLOW_CONTROL, RA_ASSIGN_BLOCKING), 2);
	RA_CHECK_INT(count_flows(m, "cnt", "acc", RA_FLOW_DATA, RA_ASSIGN_BLOCKING), 1);
	RA_CHECK_INT(count_flows(m, "acc", "z", RA_FLOW_DATA, RA_ASSIGN_NONBLOCKING), 1);
	RA_CHECK(find_flow(m, "clk", "z", RA_FLOW_CLOCK) == NULL);
	RA_CHECK_INT(count_flows(m, "acc", "parity_o", RA_FLOW_DATA, RA_ASSIGN_CALL), 1);
	RA_CHECK(find_flow(m, "parity_o", "acc", RA_FLOW_DATA) == NULL);
	/* clk'event and clk = '1' */
	RA_CHECK_INT(count_flows(m, "clk", "q", RA_FLOW_CLOCK, RA_ASSIGN_NONBLOCKING), 1);
	RA_CHECK(find_flow(m, "clk", "q", RA_FLOW_CONTROL) == NULL);
	RA_CHECK(find_flow(m, "z", "q", RA_FLOW_DATA) != NULL);
	/* the process inside the for-generate: its scope, no edges from the generate parameter */
	RA_CHECK((f = find_flow(m, "lanes_in", "lanes_out", RA_FLOW_DATA)) && f->scope == lane);
	RA_CHECK_INT(count_flows(m, "clk", "lanes_out", RA_FLOW_CLOCK, RA_ASSIGN_NONBLOCKING), 1);
	RA_CHECK_INT(count_source(m, "i"), 0);
	/* port maps make no flows; no flow has a scope outside the symbols */
	for (size_t i = 0; i < m->nflows; i++)
		RA_CHECK(m->flows[i].scope >= 0 && m->flows[i].scope < (int32_t)m->nsyms);
	ra_model_free(m);
}

RA_TEST(vhdl_dataflow_shapes)
{
	ra_model *m = parse_str(
	        "entity e is end;\n"
	        "architecture a of e is\n"
	        "  procedure p(signal o : out bit; i : in bit; io : inout bit) is begin end;\n"
	        "begin\n"
	        "  (hi, lo) <= w;\n"
	        "  mem(addr) <= din after 2 ns;\n"
	        "  r.f <= x'last_value;\n"
	        "  ext_proc(s1, s2);\n"
	        "  p(io => k, o => t, i => u);\n"
	        "  w1 : process begin\n"
	        "    wait until rising_edge(ck);\n"
	        "    v <= d;\n"
	        "  end process;\n"
	        "  w2 : process (ck2) begin\n"
	        "    if rising_edge(ck2) and ce = '1' then\n"
	        "      for j in 0 to 3 loop o2(j) <= i2(j); end loop;\n"
	        "      while busy loop n <= n2; end loop;\n"
	        "    end if;\n"
	        "  end process;\n"
	        "end;\n");

	RA_CHECK(m);
	RA_CHECKF(m->nerrors == 0, "%s", m->ndiags ? m->diags[0].message : "");
	/* aggregate targets; the index of a target is control; delays are no sources */
	RA_CHECK(find_flow(m, "w", "hi", RA_FLOW_DATA) && find_flow(m, "w", "lo", RA_FLOW_DATA));
	RA_CHECK(find_flow(m, "addr", "mem", RA_FLOW_CONTROL) != NULL);
	RA_CHECK(find_flow(m, "din", "mem", RA_FLOW_DATA) != NULL);
	RA_CHECK_INT(count_source(m, "ns"), 0);
	/* record field targets are the record; signal attributes keep their prefix */
	RA_CHECK(find_flow(m, "x", "r", RA_FLOW_DATA) != NULL);
	RA_CHECK_INT(count_source(m, "last_value"), 0);
	/* an unknown procedure: every name actual both ways, never onto itself */
	RA_CHECK_INT(count_flows(m, "s1", "s2", RA_FLOW_DATA, RA_ASSIGN_CALL), 1);
	RA_CHECK_INT(count_flows(m, "s2", "s1", RA_FLOW_DATA, RA_ASSIGN_CALL), 1);
	RA_CHECK_INT(count_flows(m, "s1", "s1", RA_FLOW_DATA, RA_ASSIGN_CALL), 0);
	/* a known procedure, named actuals: in -> out, inout both ways */
	RA_CHECK_INT(count_flows(m, "u", "t", RA_FLOW_DATA, RA_ASSIGN_CALL), 1);
	RA_CHECK_INT(count_flows(m, "u", "k", RA_FLOW_DATA, RA_ASSIGN_CALL), 1);
	RA_CHECK_INT(count_flows(m, "k", "t", RA_FLOW_DATA, RA_ASSIGN_CALL), 1);
	RA_CHECK_INT(count_flows(m, "t", "u", RA_FLOW_DATA, RA_ASSIGN_CALL), 0);
	/* wait until rising_edge(ck) clocks the rest of the process */
	RA_CHECK_INT(count_flows(m, "ck", "v", RA_FLOW_CLOCK, RA_ASSIGN_NONBLOCKING), 1);
	/* a clock edge and an enable in one condition; loops */
	RA_CHECK_INT(count_flows(m, "ck2", "o2", RA_FLOW_CLOCK, RA_ASSIGN_NONBLOCKING), 1);
	RA_CHECK(find_flow(m, "ce", "o2", RA_FLOW_CONTROL) != NULL);
	RA_CHECK(find_flow(m, "ck2", "o2", RA_FLOW_CONTROL) == NULL);
	RA_CHECK_INT(count_source(m, "j"), 0);
	RA_CHECK(find_flow(m, "busy", "n", RA_FLOW_CONTROL) != NULL);
	RA_CHECK(find_flow(m, "n2", "n", RA_FLOW_DATA) != NULL);
	ra_model_free(m);
}

RA_TEST(vhdl_chunks_of_fixtures)
{
	static const char *const files[] = {"dataflow.vhd",   "fifo.vhd",    "top.vhd",
	                                    "pkg_types.vhd",  "lexical.vhd", "errors.vhd",
	                                    "mixed_uart.vhd", "vhdl2008.vhd"};
	char path[512], *src;
	size_t len;
	ra_model *m;
	const char *why;

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), FIXTURES "%s", files[i]);
		RA_CHECK(ra_read_file(&src, &len, path, 1 << 24) == 0);
		RA_CHECK(ra_vhdl_parse(&m, src, len) == 0);
		RA_CHECKF(m->nchunks > 0, "%s: no chunks", files[i]);
		RA_CHECKF((why = check_chunks(m, src, len)) == NULL, "%s: %s", files[i], why);
		/* the first chunk starts at the file's first line: the header comment and the
		   context clauses go with the first unit */
		RA_CHECKF(m->chunks[0].span.line == 0, "%s", files[i]);
		ra_model_free(m);
		ra_free(src);
	}
	/* kinds, symbols and lines of dataflow.vhd */
	m = parse_fixture("dataflow.vhd");
	RA_CHECK(m && m->nchunks == 7);
	RA_CHECK_STR(m->chunks[0].kind, "signature");
	RA_CHECK_INT(m->chunks[0].sym, find_sym(m, RA_SYM_ENTITY, "flow_demo"));
	RA_CHECK_INT(m->chunks[0].span.end_line + 1, 18);
	/* a short declarative part stays with the architecture's signature */
	RA_CHECK_STR(m->chunks[1].kind, "signature");
	RA_CHECK_INT(m->chunks[1].sym, find_sym(m, RA_SYM_ARCHITECTURE, "rtl"));
	RA_CHECK_INT(m->chunks[1].span.line + 1, 20);
	RA_CHECK_INT(m->chunks[1].span.end_line + 1, 38);
	/* the three concurrent assignments are one run, with the comment above them */
	RA_CHECK_STR(m->chunks[2].kind, "assigns");
	RA_CHECK_INT(m->chunks[2].span.line + 1, 39);
	RA_CHECK_INT(m->chunks[2].span.end_line + 1, 47);
	RA_CHECK_STR(m->chunks[3].kind, "process");
	RA_CHECK_INT(m->chunks[3].sym, find_sym(m, RA_SYM_PROCESS, "regs"));
	RA_CHECK_INT(m->chunks[3].span.line + 1, 49);
	RA_CHECK(strncmp(m->chunks[3].text, "  -- clocked", 12) == 0);
	RA_CHECK_STR(m->chunks[6].kind, "generate");
	RA_CHECK_INT(m->chunks[6].sym, find_sym(m, RA_SYM_GENERATE, "lanes"));
	RA_CHECK_INT(m->chunks[6].span.end_line + 1, 95);
	ra_model_free(m);
	/* a package: its signature, declarations in runs, one chunk per subprogram body */
	m = parse_fixture("pkg_types.vhd");
	RA_CHECK(m);
	RA_CHECK_STR(m->chunks[0].kind, "signature");
	RA_CHECK_STR(m->chunks[1].kind, "declarations");
	RA_CHECK_INT(m->chunks[1].sym, find_sym(m, RA_SYM_PACKAGE, "bus_pkg"));
	int subs = 0;

	for (size_t i = 0; i < m->nchunks; i++)
		if (strcmp(m->chunks[i].kind, "subprogram") == 0) {
			subs++;
			RA_CHECK(m->syms[m->chunks[i].sym].kind == RA_SYM_FUNCTION ||
			         m->syms[m->chunks[i].sym].kind == RA_SYM_TASK);
		}
	RA_CHECK_INT(subs, 4);
	ra_model_free(m);
}

RA_TEST(vhdl_chunks_split_big_constructs)
{
	ra_buf b;
	ra_model *m = NULL;
	const char *why;
	int arch, proc, nproc = 0, ndecl = 0, nsig = 0;

	ra_buf_init(&b, 0);
	ra_buf_puts(&b, "entity big is end;\narchitecture rtl of big is\n");
	for (int i = 0; i < 150; i++)
		ra_buf_printf(&b, "  signal s%d : std_logic_vector(7 downto 0);\n", i);
	ra_buf_puts(&b, "begin\n  p : process (clk)\n  begin\n    if rising_edge(clk) then\n");
	for (int i = 0; i < 300; i++)
		ra_buf_printf(&b, "      -- step %d\n      s%d <= s%d xor s%d;\n", i, i % 150,
		              (i + 1) % 150, (i + 2) % 150);
	ra_buf_puts(&b, "    end if;\n  end process;\n  t0 <= a;\n  t1 <= b;\nend;\n");
	RA_CHECK(ra_vhdl_parse(&m, b.data, b.len) == 0);
	RA_CHECK_INT(m->nerrors, 0);
	RA_CHECK((arch = find_sym(m, RA_SYM_ARCHITECTURE, "rtl")) >= 0);
	RA_CHECK((proc = find_sym(m, RA_SYM_PROCESS, "p")) >= 0);
	RA_CHECKF((why = check_chunks(m, b.data, b.len)) == NULL, "%s", why);
	for (size_t i = 0; i < m->nchunks; i++) {
		const ra_chunk *c = &m->chunks[i];

		if (strcmp(c->kind, "process") == 0) {
			nproc++;
			RA_CHECK_INT(c->sym, proc);
			/* split at statement boundaries: a piece starts with a comment or `s` */
			if (nproc > 1)
				RA_CHECKF(strncmp(c->text, "      -- step", 13) == 0,
				          "piece %d starts with '%.20s'", nproc, c->text);
		} else if (strcmp(c->kind, "declarations") == 0) {
			ndecl++;
			RA_CHECK_INT(c->sym, arch);
		} else if (strcmp(c->kind, "signature") == 0) {
			nsig++;
		}
	}
	/* 300 statements of 2 lines: at least 10 pieces; 150 declarations: at least 3 */
	RA_CHECKF(nproc >= 10, "%d process chunks", nproc);
	RA_CHECKF(ndecl >= 3, "%d declaration chunks", ndecl);
	RA_CHECK_INT(nsig, 2);
	/* the long declarative part is not in the architecture's signature */
	RA_CHECK_INT(m->chunks[1].span.line + 1, 2);
	RA_CHECK_INT(m->chunks[1].span.end_line + 1, 2);
	RA_CHECK_STR(m->chunks[m->nchunks - 1].kind, "assigns");
	ra_model_free(m);
	ra_buf_free(&b);
}

RA_TEST(vhdl_broken_inputs_terminate)
{
	static const char *const inputs[] = {
	        "",
	        "entity",
	        "entity e is port (",
	        "architecture a of e is begin u : entity work.x port map (a =>",
	        "\"unterminated string\n entity e is end;",
	        "/* unterminated comment entity e is end;",
	        "\\unterminated ext id\n",
	        "end end end ; ; ) ) ( ( begin begin",
	        "package p is function f return; end;",
	        "x'''''''''''",
	        "16#FF 2#1",
	        "entity e is end; \x01\x02\xff\xfe garbage $ ` ~ { }",
	        "configuration c of e is for a for b end for;",
	        "architecture a of e is begin g: if x generate else generate elsif y generate",
	        "package body p is procedure q is begin if a then case b is when c => end;",
	};

	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		ra_model *m = parse_str(inputs[i]);

		RA_CHECKF(m != NULL, "input %zu", i);
		for (size_t j = 0; j < m->nsyms; j++)
			RA_CHECK(m->syms[j].parent < (int32_t)j);
		if (i > 0)
			RA_CHECKF(m->nerrors > 0, "input %zu: no error reported", i);
		ra_model_free(m);
	}
	ra_model *m = NULL;

	RA_CHECK(ra_vhdl_parse(&m, NULL, 0) == 0);
	RA_CHECK(m && m->nsyms == 0 && m->nerrors == 0);
	ra_model_free(m);
}

RA_TEST(vhdl_deep_nesting_is_capped)
{
	size_t n = 20000, len = 0;
	char *src = malloc(n * 40 + 64);
	ra_model *m = NULL;

	RA_CHECK(src);
	len += (size_t)sprintf(src + len,
	                       "entity e is end; architecture a of e is begin p: process begin\n");
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(src + len, "if c then ");
	for (size_t i = 0; i < n; i++)
		src[len++] = '(';
	src[len] = 0;
	RA_CHECK(ra_vhdl_parse(&m, src, len) == 0);
	RA_CHECK(m->nerrors > 0);
	RA_CHECK(find_sym(m, RA_SYM_PROCESS, "p") >= 0);
	ra_model_free(m);
	free(src);
}

/* adversarial repetitions: time must stay linear (a quadratic parser takes minutes on these) */
RA_TEST(vhdl_adversarial_inputs_stay_linear)
{
	static const char *const units[] = {
	        "else ",
	        "( ",
	        "u: entity x port map (a => ",
	        "if c then ",
	        "end ",
	        "architecture a of e is ",
	        "signal a, ",
	        "x <= y when c else ",
	        "'a'''",
	        "\\x\\ ",
	        "package p is new q generic map (",
	        "for ",
	        "g: for i in 0 to 1 generate ",
	};
	size_t target = 1u << 20;
	char *src = malloc(target + 64);

	RA_CHECK(src);
	for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
		size_t len = 0, n = strlen(units[u]);
		ra_model *m = NULL;
		double t0, dt;

		len += (size_t)sprintf(src, "entity e is end; architecture a of e is begin\n");
		while (len + n < target) {
			memcpy(src + len, units[u], n);
			len += n;
		}
		src[len] = 0;
		t0 = ra_now();
		RA_CHECK(ra_vhdl_parse(&m, src, len) == 0);
		dt = ra_now() - t0;
		ra_model_free(m);
		RA_CHECKF(dt < 5.0, "pattern %zu: 1 MiB took %.2f s", u, dt);
	}
	free(src);
}

/* many guard names over many small statements: the flows stay proportional to the input */
RA_TEST(vhdl_dataflow_output_is_bounded)
{
	ra_buf b;
	ra_model *m = NULL;
	size_t stmts = 0;
	double t0, dt;

	ra_buf_init(&b, 0);
	ra_buf_puts(&b, "entity e is end; architecture a of e is begin p : process begin if g0");
	for (int i = 1; i < 40; i++)
		ra_buf_printf(&b, " or g%d", i);
	ra_buf_puts(&b, " then\n");
	while (b.len < (1u << 20)) {
		ra_buf_puts(&b, "x <= y; ");
		stmts++;
	}
	t0 = ra_now();
	RA_CHECK(ra_vhdl_parse(&m, b.data, b.len) == 0);
	dt = ra_now() - t0;
	RA_CHECKF(dt < 5.0, "1 MiB took %.2f s", dt);
	/* 41 edges per statement unbounded; at most 2 per token (4 tokens a statement) */
	RA_CHECKF(m->nflows <= stmts * 4 * 2 + 4096 + 400, "%zu flows", m->nflows);
	RA_CHECK(m->nflows >= stmts); /* but bounded, not dropped */
	ra_model_free(m);
	ra_buf_free(&b);
}

RA_TEST(vhdl_memory_failure_is_reported)
{
	ra_model *m = NULL;
	const char *src =
	        "entity e is port (a : in bit); end; architecture r of e is signal s : bit;"
	        " begin s <= a; end;";
	int failures = 0;

	/* every allocation in turn fails: RA_ENOMEM and no model, or success, never a crash */
	for (long k = 0; k < 200; k++) {
		int rc;

		ra_alloc_fail_after(k);
		rc = ra_vhdl_parse(&m, src, strlen(src));
		ra_alloc_fail_after(-1);
		if (rc == 0) {
			RA_CHECK(m != NULL);
			ra_model_free(m);
		} else {
			RA_CHECK_INT(rc, RA_ENOMEM);
			RA_CHECK(m == NULL);
			failures++;
		}
	}
	RA_CHECK(failures > 0);
}

RA_TEST_MAIN()
