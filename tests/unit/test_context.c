/*
 * test_context.c - the prompt of a completion (retriever/context.h) over the fixture design
 * indexed into a scratch workspace: a cursor inside an instance's connection list gets the
 * instantiated unit's ports from another file, first; an enum member of an imported package
 * gets its declaration; declarations visible in the windows are not repeated; the budget holds
 * at every size; a VHDL architecture's entity ports come from the entity's file; bad input is
 * refused.
 */
#define _DEFAULT_SOURCE
#include "indexer/index.h"
#include "indexer/sv.h"
#include "indexer/vhdl.h"
#include "retriever/context.h"
#include "tests/ra_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char ws[64];
static ra_store *store;

static void put(const char *rel, const char *text, size_t len)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", ws, rel);
	f = fopen(path, "wb");
	if (f) {
		fwrite(text, 1, len, f);
		fclose(f);
	}
}

static char *fixture(const char *rel, size_t *len)
{
	char path[512], *t = NULL;

	snprintf(path, sizeof(path), "%s/tests/fixtures/%s", RA_SOURCE_DIR, rel);
	if (ra_read_file(&t, len, path, 1u << 20))
		return NULL;
	return t;
}

static const char ENT[] = "library ieee;\nuse ieee.std_logic_1164.all;\n"
                          "entity cnt is\n  generic (WIDTH : natural := 8);\n"
                          "  port (clk : in std_logic; q_out : out std_logic_vector(WIDTH - 1 "
                          "downto 0));\nend entity cnt;\n";
static const char ARCH[] = "architecture rtl of cnt is\n  signal r : unsigned(7 downto 0);\n"
                           "begin\n  process (clk) begin\n    if rising_edge(clk) then\n"
                           "      r <= r + 1;\n    end if;\n  end process;\n"
                           "  q_out <= std_logic_vector(r);\nend architecture;\n";

static const char MUX[] =
        "module lane_mux (input logic zq_lane_strobe, output logic zq_lane_grant);\n"
        "  assign zq_lane_grant = zq_lane_strobe & ~zq_lane_hold;\n"
        "endmodule\n"
        "module lane_mux2 (input logic zq_other_in);\n"
        "endmodule\n";

/* every chunk longer than ip_a's: only its folder can put it first */
static const char MUX_B[] =
        "module lane_mux (input logic zq_lane_strobe, input logic zq_lane_hold,\n"
        "                 output logic zq_lane_grant);\n"
        "  assign zq_lane_grant = zq_lane_strobe & ~(zq_lane_hold | 1'b0);\n"
        "endmodule\n";

/* a scratch workspace with the SystemVerilog fixture design and a VHDL entity, indexed once */
static ra_store *fixture_store(void)
{
	static const char *const files[] = {"sv/top.sv", "sv/fifo.sv", "sv/fix_pkg.sv",
	                                    "sv/defs.svh", "sv/bus_if.sv"};
	char db[128];
	ra_index_opts o = {.threads = 1};
	ra_index_summary sum;

	if (store)
		return store;
	snprintf(ws, sizeof(ws), "/tmp/ra_test_context_XXXXXX");
	if (!mkdtemp(ws))
		return NULL;
	for (size_t i = 0; i < sizeof(files) / sizeof(*files); i++) {
		size_t len;
		char *t = fixture(files[i], &len);

		if (!t)
			return NULL;
		put(files[i] + 3, t, len);
		ra_free(t);
	}
	put("cnt_ent.vhd", ENT, sizeof(ENT) - 1);
	put("cnt_rtl.vhd", ARCH, sizeof(ARCH) - 1);
	/* much the same code in two folders, for similar code */
	for (int i = 0; i < 2; i++) {
		char dir[128];

		snprintf(dir, sizeof(dir), "%s/%s", ws, i ? "ip_b" : "ip_a");
		if (mkdir(dir, 0700))
			return NULL;
		if (i)
			put("ip_b/lane_mux.sv", MUX_B, sizeof(MUX_B) - 1);
		else
			put("ip_a/lane_mux.sv", MUX, sizeof(MUX) - 1);
	}
	snprintf(db, sizeof(db), "%s/index.db", ws);
	if (ra_store_open(&store, db, false))
		return NULL;
	o.root = ws;
	o.store = store;
	if (ra_index_run(&o, &sum)) {
		ra_store_close(store);
		store = NULL;
	}
	return store;
}

/* the buffer `text` with the cursor after the first occurrence of `mark` */
static int build_at(ra_context *c, ra_model **m, const char *path, const char *text,
                    const char *mark, ra_lang lang, int budget, const char *hint)
{
	const char *at = strstr(text, mark);
	ra_context_opts o = {.path = path,
	                     .text = text,
	                     .len = strlen(text),
	                     .lang = lang,
	                     .budget = budget,
	                     .unit_hint = hint};

	if (!at)
		return -100;
	o.cursor = (size_t)(at - text) + strlen(mark);
	*m = NULL;
	if (lang == RA_LANG_VHDL ? ra_vhdl_parse(m, text, o.len)
	                         : ra_sv_parse(m, text, o.len, lang))
		return -101;
	o.model = *m;
	return ra_context_build(c, fixture_store(), &o);
}

static int find_item(const ra_context *c, const char *why, const char *name)
{
	for (size_t i = 0; i < c->nitems; i++)
		if (!strcmp(c->items[i].why, why) && c->items[i].name &&
		    !strcmp(c->items[i].name, name))
			return (int)i;
	return -1;
}

RA_TEST(context_instance_ports_first)
{
	size_t len;
	char *top = fixture("sv/top.sv", &len);
	ra_context c;
	ra_model *m;
	int i;

	RA_CHECK(top && fixture_store());
	/* inside u_named's connection list, after `.din  (` */
	RA_CHECK_INT(build_at(&c, &m, "top.sv", top, ".din  (", RA_LANG_SV, 1536, NULL), 0);
	RA_CHECK_INT(c.req.mode, RA_GEN_FIM);
	RA_CHECK(c.nitems >= 1);
	i = find_item(&c, "ports", "fifo");
	RA_CHECKF(i == 0, "fifo's ports at %d", i);
	RA_CHECK_STR(c.items[0].path, "fifo.sv");
	RA_CHECK(strstr(c.items[0].text, "output logic [W-1:0] dout"));
	RA_CHECK(strstr(c.items[0].text, "parameter int DEPTH = 4"));
	RA_CHECK(strstr(c.req.context[0].text, "input logic push") != NULL);
	/* the windows are the buffer around the cursor */
	RA_CHECK(strstr(c.req.prefix, "fifo #(.DEPTH(16), .W(8)) u_named (") != NULL);
	RA_CHECK(c.req.suffix[0] == 'd' && strstr(c.req.suffix, ".push (push),"));
	ra_context_free(&c);
	ra_model_free(m);
	ra_free(top);
}

RA_TEST(context_hint_without_model_instance)
{
	/* a line being typed that does not parse as an instance: the caller's hint decides */
	const char *buf = "module t;\n  logic a;\n  fifo u_x (\n    .clk(a), .";
	ra_context c;
	ra_model *m;

	RA_CHECK(fixture_store());
	RA_CHECK_INT(build_at(&c, &m, "t.sv", buf, "(a), .", RA_LANG_SV, 1536, "fifo"), 0);
	RA_CHECK(c.nitems >= 1);
	RA_CHECK_STR(c.items[0].why, "ports");
	RA_CHECK_STR(c.items[0].name, "fifo");
	ra_context_free(&c);
	ra_model_free(m);
}

RA_TEST(context_package_member_declaration)
{
	/* ST_BUSY is an enum member of fix_pkg (another file), imported with fix_pkg::* */
	const char *buf = "module u\n  import fix_pkg::*;\n(input logic clk);\n  state_e st;\n"
	                  "  always_ff @(posedge clk)\n    if (st == ST_BUSY) st <= ";
	ra_context c;
	ra_model *m;
	int i;

	RA_CHECK(fixture_store());
	RA_CHECK_INT(build_at(&c, &m, "u.sv", buf, "st <= ", RA_LANG_SV, 1536, NULL), 0);
	i = find_item(&c, "declaration", "ST_BUSY");
	RA_CHECKF(i >= 0, "no declaration of ST_BUSY among %zu items", c.nitems);
	RA_CHECK_STR(c.items[i].path, "fix_pkg.sv");
	RA_CHECK(strstr(c.items[i].text, "typedef enum logic [1:0]") != NULL);
	RA_CHECK(strstr(c.items[i].text, "ST_DONE") != NULL);
	/* the package summary comes too, after the declarations */
	{
		int k = find_item(&c, "import", "fix_pkg");

		RA_CHECK(k > i);
		RA_CHECK(strstr(c.items[k].text, "NUM_LANES") != NULL);
		/* an enumeration with its members, then the members after it */
		RA_CHECKF(strstr(c.items[k].text,
		                 "state_e {ST_IDLE, ST_BUSY, ST_DONE};\n  typedef") != NULL,
		          "%s", c.items[k].text);
		RA_CHECK(strstr(c.items[k].text, "wait_cycles;\nendpackage\n") != NULL);
	}
	/* `st` and `clk` are declared in the window: not repeated */
	RA_CHECK_INT(find_item(&c, "declaration", "st"), -1);
	RA_CHECK_INT(find_item(&c, "declaration", "clk"), -1);
	ra_context_free(&c);
	ra_model_free(m);
}

RA_TEST(context_qualified_name)
{
	const char *buf = "module q;\n  int n;\n  initial n = fix_pkg::popcount(";
	ra_context c;
	ra_model *m;
	int i;

	RA_CHECK(fixture_store());
	RA_CHECK_INT(build_at(&c, &m, "q.sv", buf, "popcount(", RA_LANG_SV, 1536, NULL), 0);
	i = find_item(&c, "declaration", "popcount");
	RA_CHECK(i >= 0);
	RA_CHECK(strstr(c.items[i].text, "function automatic int unsigned popcount") != NULL);
	ra_context_free(&c);
	ra_model_free(m);
}

RA_TEST(context_budget_respected)
{
	size_t len;
	char *top = fixture("sv/top.sv", &len);
	int last_items = -1;

	RA_CHECK(top && fixture_store());
	for (int budget = RA_CONTEXT_MIN_BUDGET; budget <= 4096; budget *= 2) {
		ra_context c;
		ra_model *m;
		int sum = 0;

		RA_CHECK_INT(build_at(&c, &m, "top.sv", top, ".din  (", RA_LANG_SV, budget, NULL),
		             0);
		for (size_t i = 0; i < c.nitems; i++)
			sum += c.items[i].tokens;
		RA_CHECK(sum <= c.context_tokens);
		RA_CHECKF(c.prefix_tokens + c.suffix_tokens + c.context_tokens <= budget,
		          "budget %d: %d + %d + %d", budget, c.prefix_tokens, c.suffix_tokens,
		          c.context_tokens);
		RA_CHECK_INT(ra_context_tokens(strlen(c.req.prefix)), c.prefix_tokens);
		/* from a modest budget on, the instantiated unit's ports are always there, first */
		if (budget >= 256)
			RA_CHECK(find_item(&c, "ports", "fifo") == 0);
		last_items = (int)c.nitems;
		ra_context_free(&c);
		ra_model_free(m);
	}
	RA_CHECK(last_items >= 2);
	ra_free(top);
}

RA_TEST(context_similar_code_by_rare_names)
{
	/* the lines before the cursor share rare names with ip_a/ and ip_b/lane_mux.sv: both come
	   as similar code, the one in the buffer's folder first; the names the index does not
	   hold (lane_top, zq_new) are not in the query */
	const char *buf = "module lane_top;\n  logic zq_new;\n"
	                  "  assign zq_lane_grant = zq_lane_strobe & ";
	ra_context c;
	ra_model *m;
	int first = -1, other = -1;

	RA_CHECK(fixture_store());
	RA_CHECK_INT(build_at(&c, &m, "ip_b/lane_top.sv", buf, "strobe & ", RA_LANG_SV, 1536, NULL),
	             0);
	for (size_t i = 0; i < c.nitems; i++)
		if (!strcmp(c.items[i].why, "similar")) {
			if (first < 0)
				first = (int)i;
			else if (other < 0)
				other = (int)i;
		}
	RA_CHECKF(first >= 0 && other > first, "similar items at %d, %d of %zu", first, other,
	          c.nitems);
	RA_CHECK_STR(c.items[first].path, "ip_b/lane_mux.sv");
	RA_CHECK_STR(c.items[other].path, "ip_a/lane_mux.sv");
	RA_CHECK(strstr(c.items[first].text, "zq_lane_grant") != NULL);
	RA_CHECK_INT(c.stats.similar_terms, 2);
	RA_CHECK(c.stats.similar_probes >= 4);
	RA_CHECK(c.stats.similar_rows >= 2);
	ra_context_free(&c);
	ra_model_free(m);
	/* no_similar: none, no query */
	{
		const char *at = strstr(buf, "strobe & ");
		ra_context_opts o = {.path = "ip_b/lane_top.sv",
		                     .text = buf,
		                     .len = strlen(buf),
		                     .cursor = (size_t)(at - buf) + 9,
		                     .lang = RA_LANG_SV,
		                     .no_similar = true};

		RA_CHECK_INT(ra_context_build(&c, fixture_store(), &o), 0);
		for (size_t i = 0; i < c.nitems; i++)
			RA_CHECK(strcmp(c.items[i].why, "similar") != 0);
		RA_CHECK_INT(c.stats.similar_probes, 0);
		ra_context_free(&c);
	}
}

RA_TEST(context_signature_of_one_unit_in_a_file_of_two)
{
	const char *buf = "module t2;\n  lane_mux u (.";
	ra_context c;
	ra_model *m;
	int i;

	RA_CHECK(fixture_store());
	RA_CHECK_INT(build_at(&c, &m, "t2.sv", buf, "(.", RA_LANG_SV, 1536, "lane_mux"), 0);
	i = find_item(&c, "ports", "lane_mux");
	RA_CHECK(i == 0);
	RA_CHECK(strstr(c.items[i].text, "output logic zq_lane_grant") != NULL);
	RA_CHECK(strstr(c.items[i].text, "zq_other_in") == NULL); /* lane_mux2's */
	ra_context_free(&c);
	ra_model_free(m);
	RA_CHECK_INT(build_at(&c, &m, "t2.sv", buf, "(.", RA_LANG_SV, 1536, "lane_mux2"), 0);
	i = find_item(&c, "ports", "lane_mux2");
	RA_CHECK(i == 0);
	RA_CHECK(strstr(c.items[i].text, "input logic zq_other_in") != NULL);
	RA_CHECK(strstr(c.items[i].text, "zq_lane_strobe") == NULL);
	ra_context_free(&c);
	ra_model_free(m);
}

RA_TEST(context_vhdl_entity_ports)
{
	ra_context c;
	ra_model *m;
	int i;

	RA_CHECK(fixture_store());
	/* the architecture edited in the buffer; its entity (other file) declares q_out, WIDTH */
	RA_CHECK_INT(build_at(&c, &m, "cnt_rtl.vhd", ARCH, "  q_out <= ", RA_LANG_VHDL, 1536, NULL),
	             0);
	i = find_item(&c, "declaration", "q_out");
	RA_CHECKF(i >= 0, "no q_out among %zu items", c.nitems);
	RA_CHECK_STR(c.items[i].path, "cnt_ent.vhd");
	RA_CHECK(strstr(c.items[i].text, "q_out : out std_logic_vector") != NULL);
	ra_context_free(&c);
	ra_model_free(m);
}

RA_TEST(context_without_store_and_bad_input)
{
	const char *buf =
	        "module z;\n  logic [3:0] far;\n"
	        "  // a long comment line that pushes the declaration out of the windows\n"
	        "  // a long comment line that pushes the declaration out of the windows\n"
	        "  // a long comment line that pushes the declaration out of the windows\n"
	        "  assign far = ";
	ra_context_opts o = {
	        .path = "z.sv", .text = buf, .len = strlen(buf), .lang = RA_LANG_SV, .budget = 64};
	ra_context c;
	ra_model *m = NULL;
	int i;

	RA_CHECK(ra_sv_parse(&m, buf, o.len, RA_LANG_SV) == 0);
	o.model = m;
	o.cursor = o.len;
	/* no index: the declaration outside the small windows comes from the model */
	RA_CHECK_INT(ra_context_build(&c, NULL, &o), 0);
	i = find_item(&c, "declaration", "far");
	RA_CHECK(i >= 0);
	RA_CHECK_STR(c.items[i].text, "  logic [3:0] far;\n");
	RA_CHECK_INT(c.items[i].line, 1);
	ra_context_free(&c);

	o.cursor = o.len + 1;
	RA_CHECK_INT(ra_context_build(&c, NULL, &o), RA_EINVAL);
	o.cursor = 0;
	o.budget = 10;
	RA_CHECK_INT(ra_context_build(&c, NULL, &o), RA_EINVAL);
	o.budget = 0;
	RA_CHECK_INT(ra_context_build(&c, NULL, &o), 0);
	RA_CHECK_STR(c.req.prefix, "");
	ra_context_free(&c);
	ra_model_free(m);
}

RA_TEST(context_key_changes_with_prompt)
{
	ra_gen_file f = {"a.sv", "x"};
	ra_gen_request r = {.mode = RA_GEN_FIM,
	                    .path = "t.sv",
	                    .prefix = "ab",
	                    .suffix = "c",
	                    .context = &f,
	                    .ncontext = 1};
	char k1[33], k2[33], k3[33];

	ra_context_key(k1, &r);
	r.prefix = "a";
	r.suffix = "bc"; /* same bytes, other split */
	ra_context_key(k2, &r);
	r.prefix = "ab";
	r.suffix = "c";
	f.text = "y";
	ra_context_key(k3, &r);
	RA_CHECK_INT(strlen(k1), 32);
	RA_CHECK(strcmp(k1, k2) != 0);
	RA_CHECK(strcmp(k1, k3) != 0);
	f.text = "x";
	ra_context_key(k2, &r);
	RA_CHECK_STR(k1, k2);
}

static void cleanup(void)
{
	char cmd[128];

	ra_store_close(store);
	if (ws[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", ws);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", ws);
	}
}

__attribute__((constructor)) static void register_cleanup(void)
{
	atexit(cleanup);
}

RA_TEST_MAIN()
