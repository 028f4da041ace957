/*
 * test_search.c - search (retriever/search.h): fusion arithmetic and ties, fuzzy name matching,
 * and whole searches over a small fixture store built from hand-made models: a question in words
 * finding code written in abbreviations, kind and path filters, channels reported, graph
 * expansion of an instance and of a signal's drivers, merging of overlapping spans, the per-file
 * cap, the vector channel, and malformed queries.
 */
#define _DEFAULT_SOURCE
#include "indexer/vectors.h"
#include "retriever/search.h"
#include "tests/ra_test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* ---- fusion ------------------------------------------------------------------------------- */

static bool near(double a, double b)
{
	return fabs(a - b) < 1e-12;
}

RA_TEST(search_fuse_rrf_arithmetic)
{
	int64_t a[] = {1, 2, 3}, b[] = {3, 1};
	ra_search_ranked l[] = {{a, 3, 1.0, RA_SEARCH_LEXICAL}, {b, 2, 0.5, RA_SEARCH_VECTOR}};
	ra_search_fused *f;
	size_t n;

	RA_CHECK(ra_search_fuse(&f, &n, l, 2, 60.0) == 0);
	RA_CHECK_INT(n, 3);
	/* 1: 1/61 + 0.5/62; 3: 1/63 + 0.5/61; 2: 1/62 */
	RA_CHECK_INT(f[0].id, 1);
	RA_CHECK(near(f[0].score, 1.0 / 61 + 0.5 / 62));
	RA_CHECK_INT(f[0].channels, RA_SEARCH_LEXICAL | RA_SEARCH_VECTOR);
	RA_CHECK_INT(f[1].id, 3);
	RA_CHECK(near(f[1].score, 1.0 / 63 + 0.5 / 61));
	RA_CHECK_INT(f[1].best_rank, 1);
	RA_CHECK_INT(f[2].id, 2);
	RA_CHECK(near(f[2].score, 1.0 / 62));
	RA_CHECK_INT(f[2].channels, RA_SEARCH_LEXICAL);
	ra_free(f);
}

RA_TEST(search_fuse_ties_and_repeats)
{
	/* 7 from one channel at weight 2 ties 9 found by two channels at weight 1: more channels
	   first; 4 and 5 tie on everything but the id */
	int64_t a[] = {7}, b[] = {9, 4}, c[] = {9, 5, 5, 5};
	ra_search_ranked l[] = {{a, 1, 2.0, RA_SEARCH_LEXICAL},
	                        {b, 2, 1.0, RA_SEARCH_VECTOR},
	                        {c, 4, 1.0, RA_SEARCH_SYMBOL}};
	ra_search_fused *f;
	size_t n;

	RA_CHECK(ra_search_fuse(&f, &n, l, 3, 60.0) == 0);
	RA_CHECK_INT(n, 4);
	RA_CHECK(near(f[0].score, f[1].score));
	RA_CHECK_INT(f[0].id, 9);
	RA_CHECK_INT(f[1].id, 7);
	RA_CHECK_INT(f[2].id, 4);
	RA_CHECK_INT(f[3].id, 5);
	RA_CHECK(near(f[3].score, 1.0 / 62)); /* the repeats of 5 did not count */
	ra_free(f);

	RA_CHECK(ra_search_fuse(&f, &n, l, 0, 60.0) == 0);
	RA_CHECK_INT(n, 0);
	ra_free(f);
}

RA_TEST(search_name_match_fuzzy)
{
	RA_CHECK(near(ra_search_name_match("FIFO_CTRL", "fifo_ctrl"), 1.0));
	RA_CHECK(near(ra_search_name_match("fif", "fifo_ctrl"), 0.8));
	RA_CHECK(near(ra_search_name_match("ptr", "wr_ptr_q"), 0.7));
	RA_CHECK(near(ra_search_name_match("addr", "rdAddr"), 0.7));
	RA_CHECK(near(ra_search_name_match("empty", "FIFOEmpty"), 0.7));
	RA_CHECK(near(ra_search_name_match("fifo", "FIFOEmpty"), 0.8));
	RA_CHECK(near(ra_search_name_match("countr", "counter"), 0.5));
	RA_CHECK(near(ra_search_name_match("axi_slvae", "axi_slave"), 0.5)); /* 2 edits, 9 long */
	RA_CHECK(near(ra_search_name_match("pt", "wr_ptr"), 0.0));           /* no sub-word "pt" */
	RA_CHECK(near(ra_search_name_match("tr", "wr_ptr"), 0.0));           /* inside a sub-word */
	RA_CHECK(near(ra_search_name_match("cat", "dog"), 0.0));
	RA_CHECK(near(ra_search_name_match("abcd", "wxyz"), 0.0));
	RA_CHECK(near(ra_search_name_match("", "x"), 0.0));
}

/* ---- a fixture store ---------------------------------------------------------------------- */

typedef struct fchunk {
	const char *kind;
	int sym; /* index in the model's symbols, -1 none */
	uint32_t line, end_line;
} fchunk;

/* builds the text of lines [a, b] of `src` into the model's arena */
static const char *lines_of(ra_model *m, const char *const *src, uint32_t a, uint32_t b)
{
	ra_buf buf;
	const char *s;

	ra_buf_init(&buf, 0);
	for (uint32_t i = a; i <= b; i++) {
		ra_buf_puts(&buf, src[i]);
		ra_buf_putc(&buf, '\n');
	}
	s = ra_model_str(m, buf.data, buf.len);
	ra_buf_free(&buf);
	return s;
}

static void add_chunks(ra_model *m, const char *const *src, const fchunk *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ra_model_add_chunk(m,
		                   &(ra_chunk){.kind = c[i].kind,
		                               .sym = c[i].sym,
		                               .span = {c[i].line, 0, c[i].end_line, 0},
		                               .text = lines_of(m, src, c[i].line, c[i].end_line)});
}

static const char *const slave_src[] = {
        "module axi_slave #(parameter int AW = 32) (",
        "  input  logic clk, rst_n,",
        "  input  logic wr_en, input logic [AW-1:0] wr_addr,",
        "  output logic b_vld, output logic [1:0] b_resp",
        ");",
        "  logic wr_done;",
        "  assign wr_done = wr_en & ~b_vld;",
        "  always_ff @(posedge clk or negedge rst_n)",
        "    if (!rst_n) b_vld <= 1'b0;",
        "    else if (wr_done) begin",
        "      b_vld <= 1'b1;",
        "      b_resp <= 2'b00;",
        "    end",
        "endmodule",
};

static ra_model *make_slave(void)
{
	ra_model *m = ra_model_new(RA_LANG_SV);
	int32_t u = ra_model_add_sym(m, &(ra_sym){.kind = RA_SYM_MODULE,
	                                          .parent = -1,
	                                          .name = "axi_slave",
	                                          .name_span = {0, 7, 0, 16},
	                                          .span = {0, 0, 13, 9}});
	static const struct {
		const char *name;
		ra_sym_kind kind;
		uint32_t line;
	} syms[] = {{"AW", RA_SYM_PARAM, 0},     {"clk", RA_SYM_PORT, 1},
	            {"rst_n", RA_SYM_PORT, 1},   {"wr_en", RA_SYM_PORT, 2},
	            {"wr_addr", RA_SYM_PORT, 2}, {"b_vld", RA_SYM_PORT, 3},
	            {"b_resp", RA_SYM_PORT, 3},  {"wr_done", RA_SYM_NET, 5}};
	int32_t proc;
	fchunk ch[3];

	for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++)
		ra_model_add_sym(m, &(ra_sym){.kind = syms[i].kind,
		                              .parent = u,
		                              .name = syms[i].name,
		                              .name_span = {syms[i].line, 2, syms[i].line, 8},
		                              .span = {syms[i].line, 2, syms[i].line, 30}});
	proc = ra_model_add_sym(m, &(ra_sym){.kind = RA_SYM_PROCESS,
	                                     .parent = u,
	                                     .name = "",
	                                     .name_span = {7, 2, 7, 11},
	                                     .span = {7, 2, 12, 7}});
	ra_model_add_flow(m, &(ra_flow){.scope = u,
	                                .target = "wr_done",
	                                .source = "wr_en",
	                                .span = {6, 2, 6, 30}});
	ra_model_add_flow(m, &(ra_flow){.scope = proc,
	                                .target = "b_resp",
	                                .source = "wr_done",
	                                .kind = RA_FLOW_CONTROL,
	                                .span = {11, 6, 11, 20}});
	ra_model_add_flow(m, &(ra_flow){.scope = proc,
	                                .target = "b_vld",
	                                .source = "wr_done",
	                                .kind = RA_FLOW_CONTROL,
	                                .span = {10, 6, 10, 20}});
	ch[0] = (fchunk){"signature", u, 0, 4};
	ch[1] = (fchunk){"assigns", -1, 5, 6};
	ch[2] = (fchunk){"process", proc, 7, 12};
	ch[1].sym = u;
	add_chunks(m, slave_src, ch, 3);
	return m;
}

static const char *const top_src[] = {
        "module soc_top (input logic clk, input logic rst_n);",
        "  logic go;",
        "  axi_slave #(.AW(16)) u_slave (",
        "    .clk(clk), .rst_n(rst_n), .wr_en(go), .wr_addr('0), .b_vld(), .b_resp()",
        "  );",
        "endmodule",
};

static ra_model *make_top(void)
{
	ra_model *m = ra_model_new(RA_LANG_SV);
	int32_t u = ra_model_add_sym(m, &(ra_sym){.kind = RA_SYM_MODULE,
	                                          .parent = -1,
	                                          .name = "soc_top",
	                                          .name_span = {0, 7, 0, 14},
	                                          .span = {0, 0, 5, 9}});
	int32_t inst = ra_model_add_sym(m, &(ra_sym){.kind = RA_SYM_INSTANCE,
	                                             .parent = u,
	                                             .name = "u_slave",
	                                             .type = "axi_slave",
	                                             .name_span = {2, 23, 2, 30},
	                                             .span = {2, 2, 4, 4}});
	fchunk ch[] = {{"signature", u, 0, 0}, {"declarations", u, 1, 1}, {"instance", inst, 2, 4}};

	add_chunks(m, top_src, ch, 3);
	return m;
}

/* overlapping chunks (1-3 and 2-5) for merging; four processes for the per-file cap */
static const char *const counter_src[] = {
        "module event_counter (input logic clk, input logic inc, output logic [7:0] cnt_q);",
        "  // count the events",
        "  always_ff @(posedge clk) if (inc) cnt_q <= cnt_q + 1;",
        "  // the event count saturates",
        "  initial cnt_q = '0;",
        "  // more event count logic",
        "  always_ff @(posedge clk) tick_cnt <= tick_cnt + 1; // tick count",
        "  always_ff @(posedge clk) wrap_cnt <= wrap_cnt + 1; // wrap count",
        "  always_ff @(posedge clk) drop_cnt <= drop_cnt + 1; // drop count",
        "  always_ff @(posedge clk) late_cnt <= late_cnt + 1; // late count",
        "endmodule",
};

static ra_model *make_counter(void)
{
	ra_model *m = ra_model_new(RA_LANG_SV);
	int32_t u = ra_model_add_sym(m, &(ra_sym){.kind = RA_SYM_MODULE,
	                                          .parent = -1,
	                                          .name = "event_counter",
	                                          .name_span = {0, 7, 0, 20},
	                                          .span = {0, 0, 10, 9}});
	fchunk ch[] = {{"signature", u, 0, 0}, {"process", u, 1, 3}, {"other", u, 2, 5},
	               {"process", u, 6, 6},   {"process", u, 7, 7}, {"process", u, 8, 8},
	               {"process", u, 9, 9}};

	add_chunks(m, counter_src, ch, sizeof(ch) / sizeof(ch[0]));
	return m;
}

typedef struct fixture {
	char dir[64];
	char db[128];
	ra_store *st;
	ra_searcher *s;
} fixture;

static bool fixture_open(fixture *fx, bool with_vectors)
{
	ra_store_file f[] = {
	        {.path = "rtl/axi_slave.sv", .blob = "aa", .lang = RA_LANG_SV},
	        {.path = "rtl/soc_top.sv", .blob = "bb", .lang = RA_LANG_SV},
	        {.path = "lib/event_counter.sv", .blob = "cc", .lang = RA_LANG_SV},
	};
	ra_model *m[] = {make_slave(), make_top(), make_counter()};
	bool ok = true;

	snprintf(fx->dir, sizeof(fx->dir), "/tmp/ra_search_XXXXXX");
	if (!mkdtemp(fx->dir))
		return false;
	snprintf(fx->db, sizeof(fx->db), "%s/index.db", fx->dir);
	ok = ra_store_open(&fx->st, fx->db, false) == 0 && ra_store_begin(fx->st) == 0;
	for (size_t i = 0; ok && i < 3; i++)
		ok = ra_store_file_put(fx->st, &f[i], m[i]) == 0;
	ok = ok && ra_store_commit(fx->st) == 0;
	for (size_t i = 0; i < 3; i++)
		ra_model_free(m[i]);
	ra_store_close(fx->st);
	fx->st = NULL;
	if (ok && with_vectors) {
		/* the vector file as the indexer makes it */
		ra_embed_config ec = {.provider = "builtin"};
		ra_embedder *e = NULL;
		char path[160];

		snprintf(path, sizeof(path), "%s/%s", fx->dir, RA_VECTORS_FILE);
		ok = ra_store_open(&fx->st, fx->db, false) == 0 && ra_embedder_open(&e, &ec) == 0 &&
		     ra_vectors_update(fx->st, path, e, NULL, NULL, NULL) == 0;
		ra_embedder_close(e);
		ra_store_close(fx->st);
		fx->st = NULL;
	}
	return ok && ra_store_open(&fx->st, fx->db, true) == 0;
}

static void fixture_close(fixture *fx)
{
	char cmd[128];

	ra_searcher_close(fx->s);
	ra_store_close(fx->st);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", fx->dir);
}

static int find_hit(const ra_search_results *r, const char *file, uint32_t line)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->hits[i].file, file) == 0 && r->hits[i].line <= line &&
		    r->hits[i].end_line >= line)
			return (int)i;
	return -1;
}

RA_TEST(search_words_find_abbreviated_code)
{
	fixture fx = {0};
	ra_search_results r;
	/* no word of the question is written as such in the code: wr, resp, vld */
	ra_search_opts o = {.query = "where is the response valid set when a write is done?",
	                    .per_file = 3};
	int proc;

	RA_CHECK(fixture_open(&fx, false));
	RA_CHECK(ra_searcher_open(&fx.s, fx.st, NULL, NULL, NULL) == 0);
	RA_CHECK(ra_searcher_channels(fx.s) & RA_SEARCH_LEXICAL);
	RA_CHECK(!(ra_searcher_channels(fx.s) & RA_SEARCH_VECTOR));
	RA_CHECK(ra_search(&r, fx.s, &o) == 0);
	RA_CHECK(r.n >= 3);
	/* the three chunks of axi_slave (all in abbreviations) come before anything else */
	for (size_t i = 0; i < 3; i++)
		RA_CHECK_STR(r.hits[i].file, "rtl/axi_slave.sv");
	proc = find_hit(&r, "rtl/axi_slave.sv", 11);
	RA_CHECKF(proc >= 0 && proc < 3, "process at %d", proc);
	RA_CHECK_STR(r.hits[proc].kind, "process");
	RA_CHECK_STR(r.hits[proc].unit, "axi_slave");
	RA_CHECK(r.hits[proc].channels & RA_SEARCH_LEXICAL);
	RA_CHECK(r.hits[proc].score > 0);
	/* the snippet is the line holding most query words */
	RA_CHECKF(strstr(r.hits[proc].snippet, "wr_done") != NULL, "snippet '%s'",
	          r.hits[proc].snippet);
	ra_search_results_free(&r);

	/* lexical alone, asked for "valid": only code spelling it "vld" exists */
	o.query = "valid";
	o.channels = RA_SEARCH_LEXICAL;
	RA_CHECK(ra_search(&r, fx.s, &o) == 0);
	RA_CHECK(r.n >= 3);
	RA_CHECK(find_hit(&r, "rtl/axi_slave.sv", 11) >= 0);
	for (size_t i = 1; i < r.n; i++)
		RA_CHECK(r.hits[i].score <= r.hits[i - 1].score);
	ra_search_results_free(&r);
	fixture_close(&fx);
}

RA_TEST(search_identifier_symbol_and_graph_channels)
{
	fixture fx = {0};
	ra_search_results r;
	ra_search_opts o = {.query = "u_slave"};
	int sig, inst;

	RA_CHECK(fixture_open(&fx, false));
	RA_CHECK(ra_searcher_open(&fx.s, fx.st, NULL, NULL, NULL) == 0);
	RA_CHECK(ra_search(&r, fx.s, &o) == 0);
	inst = find_hit(&r, "rtl/soc_top.sv", 3);
	sig = find_hit(&r, "rtl/axi_slave.sv", 0);
	RA_CHECKF(inst == 0, "instance hit at %d", inst);
	RA_CHECK(r.hits[inst].channels & RA_SEARCH_SYMBOL);
	RA_CHECK(r.hits[inst].channels & RA_SEARCH_LEXICAL);
	/* the instance brings the instantiated unit's signature, found by the graph alone */
	RA_CHECKF(sig > 0, "signature hit at %d", sig);
	RA_CHECK(r.hits[sig].channels & RA_SEARCH_GRAPH);
	RA_CHECK(!(r.hits[sig].channels & RA_SEARCH_SYMBOL));
	RA_CHECK_STR(r.hits[sig].kind, "signature");
	ra_search_results_free(&r);

	/* a signal: its declaration (symbol) and the statements driving it (graph) */
	o.query = "b_resp";
	o.channels = RA_SEARCH_SYMBOL | RA_SEARCH_GRAPH;
	RA_CHECK(ra_search(&r, fx.s, &o) == 0);
	sig = find_hit(&r, "rtl/axi_slave.sv", 3);
	inst = find_hit(&r, "rtl/axi_slave.sv", 11);
	RA_CHECK(sig >= 0 && (r.hits[sig].channels & RA_SEARCH_SYMBOL));
	RA_CHECK(inst >= 0 && (r.hits[inst].channels & RA_SEARCH_GRAPH));
	RA_CHECK(!(r.hits[inst].channels & RA_SEARCH_LEXICAL)); /* lexical was not asked for */
	ra_search_results_free(&r);
	fixture_close(&fx);
}

RA_TEST(search_symbol_fuzzy_typo_and_prefix)
{
	fixture fx = {0};
	ra_search_results r;
	ra_search_opts o = {.query = "axi_slvae", .channels = RA_SEARCH_SYMBOL};

	RA_CHECK(fixture_open(&fx, false));
	RA_CHECK(ra_searcher_open(&fx.s, fx.st, NULL, NULL, NULL) == 0);
	RA_CHECK(ra_search(&r, fx.s, &o) == 0);
	RA_CHECK(r.n >= 1);
	RA_CHECK_STR(r.hits[0].file, "rtl/axi_slave.sv");
	RA_CHECK_STR(r.hits[0].kind, "signature");
	RA_CHECK_INT(r.hits[0].channels, RA_SEARCH_SYMBOL);
	ra_search_results_free(&r);

	o.query = "event_cou"; /* a prefix */
	RA_CHECK(ra_search(&r, fx.s, &o) == 0);
	RA_CHECK(r.n >= 1);
	RA_CHECK_STR(r.hits[0].file, "lib/event_counter.sv");
	ra_search_results_free(&r);

	o.query = "zzzz_qqqq";
	RA_CHECK(ra_search(&r, fx.s, &o) == 0);
	RA_CHECK_INT(r.n, 0);
	ra_search_results_free(&r);
	fixture_close(&fx);
}

RA_TEST(search_filters_kind_and_path)
{
	fixture fx = {0};
	ra_search_results r;
	ra_search_opts o = {.query = "clk", .top = 50, .per_file = 50, .kind = "signature"};

	RA_CHECK(fixture_open(&fx, false));
	RA_CHECK(ra_searcher_open(&fx.s, fx.st, NULL, NULL, NULL) == 0);
	RA_CHECK(ra_search(&r, fx.s, &o) == 0);
	RA_CHECK_INT(r.n, 3);
	for (size_t i = 0; i < r.n; i++)
		RA_CHECK_STR(r.hits[i].kind, "signature");
	ra_search_results_free(&r);

	o.kind = NULL;
	o.path = "rtl/*";
	RA_CHECK(ra_search(&r, fx.s, &o) == 0);
	RA_CHECK(r.n >= 2);
	for (size_t i = 0; i < r.n; i++)
		RA_CHECK(strncmp(r.hits[i].file, "rtl/", 4) == 0);
	ra_search_results_free(&r);

	o.path = "event_*.sv"; /* no '/': the file name */
	RA_CHECK(ra_search(&r, fx.s, &o) == 0);
	RA_CHECK(r.n >= 1);
	for (size_t i = 0; i < r.n; i++)
		RA_CHECK_STR(r.hits[i].file, "lib/event_counter.sv");
	ra_search_results_free(&r);

	o.path = "nothing/*";
	RA_CHECK(ra_search(&r, fx.s, &o) == 0);
	RA_CHECK_INT(r.n, 0);
	ra_search_results_free(&r);
	fixture_close(&fx);
}

RA_TEST(search_merges_overlaps_and_caps_per_file)
{
	fixture fx = {0};
	ra_search_results r;
	ra_search_opts o = {.query = "event count", .top = 20, .per_file = 2};
	int merged;

	RA_CHECK(fixture_open(&fx, false));
	RA_CHECK(ra_searcher_open(&fx.s, fx.st, NULL, NULL, NULL) == 0);
	RA_CHECK(ra_search(&r, fx.s, &o) == 0);
	/* chunks 1-3 and 2-5 overlap: one hit covering 1-5 */
	merged = find_hit(&r, "lib/event_counter.sv", 2);
	RA_CHECK(merged >= 0);
	RA_CHECK_INT(r.hits[merged].line, 1);
	RA_CHECK_INT(r.hits[merged].end_line, 5);
	for (size_t i = 0; i < r.n; i++)
		RA_CHECK(i == (size_t)merged || find_hit(&r, "lib/event_counter.sv", 3) != (int)i);
	{
		size_t in_file = 0;

		for (size_t i = 0; i < r.n; i++)
			in_file += strcmp(r.hits[i].file, "lib/event_counter.sv") == 0;
		RA_CHECK_INT(in_file, 2);
	}
	ra_search_results_free(&r);

	o.per_file = 5; /* the cap is what held the four processes back */
	RA_CHECK(ra_search(&r, fx.s, &o) == 0);
	{
		size_t in_file = 0;

		for (size_t i = 0; i < r.n; i++)
			in_file += strcmp(r.hits[i].file, "lib/event_counter.sv") == 0;
		RA_CHECK_INT(in_file, 5);
	}
	ra_search_results_free(&r);

	o.top = 1;
	RA_CHECK(ra_search(&r, fx.s, &o) == 0);
	RA_CHECK_INT(r.n, 1);
	ra_search_results_free(&r);
	fixture_close(&fx);
}

RA_TEST(search_vector_channel)
{
	fixture fx = {0};
	ra_search_results r;
	ra_embed_config ec = {.provider = "builtin"};
	ra_embedder *e = NULL;
	ra_search_opts o = {.query = "b_resp b_vld wr_done", .channels = RA_SEARCH_VECTOR};

	RA_CHECK(fixture_open(&fx, true));
	RA_CHECK(ra_embedder_open(&e, &ec) == 0);
	RA_CHECK(ra_searcher_open(&fx.s, fx.st, fx.dir, e, NULL) == 0);
	RA_CHECK(ra_search(&r, fx.s, &o) == 0);
	RA_CHECK(r.channels_used == RA_SEARCH_VECTOR);
	RA_CHECK(r.n >= 3);
	RA_CHECK_STR(r.hits[0].file, "rtl/axi_slave.sv");
	RA_CHECK_INT(r.hits[0].channels, RA_SEARCH_VECTOR);
	ra_search_results_free(&r);

	o.channels = 0; /* all: the vector channel joins the others */
	RA_CHECK(ra_search(&r, fx.s, &o) == 0);
	RA_CHECK(r.channels_used & RA_SEARCH_VECTOR);
	RA_CHECK(r.n >= 1 && (r.hits[0].channels & RA_SEARCH_VECTOR) &&
	         (r.hits[0].channels & RA_SEARCH_LEXICAL));
	ra_search_results_free(&r);
	fixture_close(&fx);
	ra_embedder_close(e);
}

RA_TEST(search_malformed_queries)
{
	fixture fx = {0};
	ra_search_results r;
	ra_search_opts o = {0};
	char *huge = malloc(RA_SEARCH_MAX_QUERY + 2);

	RA_CHECK(huge != NULL);
	memset(huge, 'a', RA_SEARCH_MAX_QUERY + 1);
	huge[RA_SEARCH_MAX_QUERY + 1] = '\0';
	RA_CHECK(fixture_open(&fx, false));
	RA_CHECK(ra_searcher_open(&fx.s, fx.st, NULL, NULL, NULL) == 0);
	RA_CHECK_INT(ra_search(&r, fx.s, &o), RA_EINVAL); /* NULL */
	o.query = "";
	RA_CHECK_INT(ra_search(&r, fx.s, &o), RA_EINVAL);
	RA_CHECK(strstr(ra_error_last(), "no word"));
	o.query = "?!(){}\"' *:^-";
	RA_CHECK_INT(ra_search(&r, fx.s, &o), RA_EINVAL);
	o.query = huge;
	RA_CHECK_INT(ra_search(&r, fx.s, &o), RA_ETOOBIG);
	o.query = "clk";
	o.top = RA_SEARCH_MAX_TOP + 1;
	RA_CHECK_INT(ra_search(&r, fx.s, &o), RA_EINVAL);
	o.top = 0;
	o.kind = "module";
	RA_CHECK_INT(ra_search(&r, fx.s, &o), RA_EINVAL);
	RA_CHECK(strstr(ra_error_last(), "unknown kind"));
	o.kind = NULL;
	/* FTS5 syntax in a query is text, never syntax */
	o.query = "clk AND \"NEAR(\" OR * -rst_n";
	RA_CHECK_INT(ra_search(&r, fx.s, &o), 0);
	RA_CHECK(r.n > 0);
	ra_search_results_free(&r);
	/* only stop words: still a search */
	o.query = "the of and";
	RA_CHECK_INT(ra_search(&r, fx.s, &o), 0);
	ra_search_results_free(&r);
	/* words of many tokens, non-ASCII bytes */
	o.query = "é ü 中文 clk_ñ";
	RA_CHECK_INT(ra_search(&r, fx.s, &o), 0);
	ra_search_results_free(&r);
	free(huge);
	fixture_close(&fx);
}

static const char *const gizmo_src[] = {
        "module quux_gizmo (input logic clk, output logic sparkle_o);",
        "  always_ff @(posedge clk) sparkle_o <= ~sparkle_o; // gizmo sparkle toggle",
        "endmodule",
};

static ra_model *make_gizmo(void)
{
	ra_model *m = ra_model_new(RA_LANG_SV);
	int32_t u = ra_model_add_sym(m, &(ra_sym){.kind = RA_SYM_MODULE,
	                                          .parent = -1,
	                                          .name = "quux_gizmo",
	                                          .name_span = {0, 7, 0, 17},
	                                          .span = {0, 0, 2, 9}});
	fchunk ch[] = {{"signature", u, 0, 0}, {"process", u, 1, 1}};

	add_chunks(m, gizmo_src, ch, 2);
	return m;
}

static int hits_in(ra_searcher *s, const char *query, unsigned channels, const char *file)
{
	ra_search_opts o = {.query = query, .channels = channels, .top = 20};
	ra_search_results r;
	int n = 0;

	if (ra_search(&r, s, &o) != 0)
		return -1;
	for (size_t i = 0; i < r.n; i++)
		n += strcmp(r.hits[i].file, file) == 0;
	ra_search_results_free(&r);
	return n;
}

/* a searcher kept open (daemon, LSP) follows a re-index: the name table of fuzzy matching and
   the vector file are read again, without reopening it */
RA_TEST(search_long_lived_searcher_follows_reindex)
{
	fixture fx = {0};
	ra_embed_config ec = {.provider = "builtin"};
	ra_embedder *e = NULL, *e2 = NULL;
	ra_store *w = NULL;
	ra_store_file f = {.path = "rtl/quux_gizmo.sv", .blob = "dd", .lang = RA_LANG_SV};
	ra_model *m = make_gizmo();
	char path[160];

	RA_CHECK(fixture_open(&fx, true));
	RA_CHECK(ra_embedder_open(&e, &ec) == 0 && ra_embedder_open(&e2, &ec) == 0);
	RA_CHECK(ra_searcher_open(&fx.s, fx.st, fx.dir, e, NULL) == 0);
	/* "quux_gizmp": a typo, so only the fuzzy name table can find it */
	RA_CHECK_INT(hits_in(fx.s, "quux_gizmp", RA_SEARCH_SYMBOL, "rtl/quux_gizmo.sv"), 0);
	RA_CHECK_INT(hits_in(fx.s, "gizmo sparkle toggle", RA_SEARCH_VECTOR, "rtl/quux_gizmo.sv"),
	             0);

	/* another connection indexes a new file, as `rtlassist index` or the daemon would */
	snprintf(path, sizeof(path), "%s/%s", fx.dir, RA_VECTORS_FILE);
	RA_CHECK(ra_store_open(&w, fx.db, false) == 0);
	RA_CHECK(ra_store_begin(w) == 0 && ra_store_file_put(w, &f, m) == 0 &&
	         ra_store_commit(w) == 0);
	RA_CHECK(ra_vectors_update(w, path, e2, NULL, NULL, NULL) == 0);
	ra_store_close(w);

	RA_CHECK(hits_in(fx.s, "quux_gizmp", RA_SEARCH_SYMBOL, "rtl/quux_gizmo.sv") >= 1);
	RA_CHECK(hits_in(fx.s, "gizmo sparkle toggle", RA_SEARCH_VECTOR, "rtl/quux_gizmo.sv") >= 1);
	/* all channels together, the vector one on its own thread */
	RA_CHECK(hits_in(fx.s, "gizmo sparkle toggle", 0, "rtl/quux_gizmo.sv") >= 1);
	ra_model_free(m);
	fixture_close(&fx);
	ra_embedder_close(e);
	ra_embedder_close(e2);
}

/* a big name table (more than NAMES_SYNC_MAX names) is rebuilt in the background after a
   re-index: queries go on meanwhile, and the new name is found once it is in, without
   reopening the searcher */
RA_TEST(search_big_name_table_reloads_in_background)
{
	fixture fx = {0};
	ra_store *w = NULL;
	ra_store_file big = {.path = "rtl/many_nets.sv", .blob = "ee", .lang = RA_LANG_SV};
	ra_store_file f = {.path = "rtl/quux_gizmo.sv", .blob = "dd", .lang = RA_LANG_SV};
	ra_model *mb = ra_model_new(RA_LANG_SV), *m = make_gizmo();
	int32_t u;
	int found = 0;

	RA_CHECK(mb != NULL);
	u = ra_model_add_sym(mb, &(ra_sym){.kind = RA_SYM_MODULE,
	                                   .parent = -1,
	                                   .name = "many_nets",
	                                   .name_span = {0, 7, 0, 16},
	                                   .span = {0, 0, 25000, 9}});
	for (int i = 0; i < 25000; i++) {
		char name[32];

		snprintf(name, sizeof(name), "net_%05d_q", i);
		ra_model_add_sym(mb,
		                 &(ra_sym){.kind = RA_SYM_NET,
		                           .parent = u,
		                           .name = name,
		                           .name_span = {(uint32_t)i + 1, 7, (uint32_t)i + 1, 18},
		                           .span = {(uint32_t)i + 1, 2, (uint32_t)i + 1, 19}});
	}
	RA_CHECK(fixture_open(&fx, false));
	RA_CHECK(ra_store_open(&w, fx.db, false) == 0);
	RA_CHECK(ra_store_begin(w) == 0 && ra_store_file_put(w, &big, mb) == 0 &&
	         ra_store_commit(w) == 0);
	RA_CHECK(ra_searcher_open(&fx.s, fx.st, NULL, NULL, NULL) == 0);
	RA_CHECK_INT(hits_in(fx.s, "quux_gizmp", RA_SEARCH_SYMBOL, "rtl/quux_gizmo.sv"), 0);

	RA_CHECK(ra_store_begin(w) == 0 && ra_store_file_put(w, &f, m) == 0 &&
	         ra_store_commit(w) == 0);
	/* the first queries may still use the old table; within seconds the new one is in */
	for (int i = 0; i < 500 && !found; i++) {
		found = hits_in(fx.s, "quux_gizmp", RA_SEARCH_SYMBOL, "rtl/quux_gizmo.sv");
		RA_CHECK(found >= 0);
		if (!found)
			usleep(20000);
	}
	RA_CHECK(found >= 1);
	/* a change while nothing queries, then close with no wait for it */
	RA_CHECK(ra_store_begin(w) == 0 && ra_store_file_put(w, &big, mb) == 0 &&
	         ra_store_commit(w) == 0);
	RA_CHECK(hits_in(fx.s, "quux_gizmp", RA_SEARCH_SYMBOL, "rtl/quux_gizmo.sv") >= 1);
	ra_store_close(w);
	ra_model_free(mb);
	ra_model_free(m);
	fixture_close(&fx);
}

RA_TEST(search_index_without_chunks)
{
	char dir[] = "/tmp/ra_search_empty_XXXXXX", db[96], cmd[128];
	ra_store *st = NULL;
	ra_searcher *s = NULL;
	ra_search_results r;
	ra_search_opts o = {.query = "anything"};

	RA_CHECK(mkdtemp(dir) != NULL);
	snprintf(db, sizeof(db), "%s/index.db", dir);
	RA_CHECK(ra_store_open(&st, db, false) == 0);
	ra_store_close(st);
	RA_CHECK(ra_store_open(&st, db, true) == 0);
	RA_CHECK(ra_searcher_open(&s, st, dir, NULL, NULL) == 0);
	RA_CHECK(ra_search(&r, s, &o) == 0);
	RA_CHECK_INT(r.n, 0);
	ra_search_results_free(&r);
	ra_searcher_close(s);
	ra_store_close(st);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	RA_CHECK(system(cmd) == 0);
}

RA_TEST_MAIN()
