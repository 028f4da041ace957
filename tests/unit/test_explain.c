/*
 * test_explain.c - retriever/explain.h and indexer/fsm.h: the case-statement scan on small
 * sources, then the structured explanation of tests/fixtures/explain (an SV FSM, a VHDL FSM, a
 * two-clock design) against goldens beside the fixtures, the prose prompt, and that all of it
 * reads the index through its indexes (no whole-table scans).
 * RA_UPDATE_GOLDEN=1 rewrites the goldens (review the diff).
 */
#define _DEFAULT_SOURCE
#include "indexer/fsm.h"
#include "indexer/graph.h"
#include "indexer/index.h"
#include "retriever/explain.h"
#include "tests/ra_test.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const ra_case_stmt *case_over(const ra_fsm_cases *c, const char *sel)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i].selector && !strcmp(c->v[i].selector, sel))
			return &c->v[i];
	return NULL;
}

RA_TEST(fsm_scan_sv_items_labels_assigns)
{
	static const char src[] = "module m;\n"
	                          "always_comb begin\n"
	                          "  s_d = s_q; // case (fake) in a comment\n"
	                          "  unique case (s_q)\n"
	                          "    A, B: if (go) s_d = C; else s_d = pkg::A;\n"
	                          "    C: begin\n"
	                          "      case (x) 2'b01: y = 1; default: y = 0; endcase\n"
	                          "      s_d = go ? A : B;\n"
	                          "    end\n"
	                          "    default: s_d = A;\n"
	                          "  endcase\n"
	                          "end\n"
	                          "endmodule\n";
	ra_fsm_cases c;
	const ra_case_stmt *cs, *inner;

	RA_CHECK(ra_fsm_cases_scan(&c, src, strlen(src), false, 0, 100) == 0);
	RA_CHECK(c.n == 2);
	cs = case_over(&c, "s_q");
	inner = case_over(&c, "x");
	RA_CHECK(cs && inner && cs == &c.v[0]);
	RA_CHECK(cs->line == 3 && cs->nitems == 3);
	RA_CHECK(cs->items[0].nlabels == 2 && !strcmp(cs->items[0].labels[1], "B"));
	RA_CHECK(cs->items[0].nassigns == 2);
	RA_CHECK(!strcmp(cs->items[0].assigns[0].values[0], "C") && cs->items[0].assigns[0].simple);
	RA_CHECK(!strcmp(cs->items[0].assigns[1].values[0], "A"));
	/* the ternary reads go, A and B; the inner case's assignments count for item C too */
	RA_CHECK(cs->items[1].nassigns == 3);
	RA_CHECK(cs->items[1].assigns[2].nvalues == 3 && !cs->items[1].assigns[2].simple);
	RA_CHECK(cs->items[2].is_default && cs->items[2].nlabels == 0);
	RA_CHECK(inner->nitems == 2 && !strcmp(inner->items[0].labels[0], "2'b01"));
	ra_fsm_cases_free(&c);
	/* a line range leaves out what is outside it */
	RA_CHECK(ra_fsm_cases_scan(&c, src, strlen(src), false, 5, 100) == 0);
	RA_CHECK(c.n == 1 && !strcmp(c.v[0].selector, "x"));
	ra_fsm_cases_free(&c);
}

RA_TEST(fsm_scan_vhdl_when_choices_and_others)
{
	static const char src[] = "architecture a of e is begin\n"
	                          "process (clk) begin\n"
	                          "  if rising_edge(clk) then\n"
	                          "    CASE State IS -- case x is\n"
	                          "      when IDLE | WAITING =>\n"
	                          "        if req = '1' then state <= RUN; end if;\n"
	                          "        cnt := cnt + 1;\n"
	                          "      when RUN => state <= IDLE; done <= '1' when x else '0';\n"
	                          "      when others => state <= IDLE;\n"
	                          "    end case;\n"
	                          "  end if;\n"
	                          "end process;\n"
	                          "end;\n";
	ra_fsm_cases c;
	const ra_case_stmt *cs;

	RA_CHECK(ra_fsm_cases_scan(&c, src, strlen(src), true, 0, 100) == 0);
	RA_CHECK(c.n == 1);
	cs = &c.v[0];
	RA_CHECK(!strcmp(cs->selector, "State") && cs->nitems == 3);
	RA_CHECK(cs->items[0].nlabels == 2 && !strcmp(cs->items[0].labels[1], "WAITING"));
	RA_CHECK(cs->items[0].nassigns == 2 && !strcmp(cs->items[0].assigns[0].target, "state"));
	RA_CHECK(!strcmp(cs->items[0].assigns[0].values[0], "RUN"));
	RA_CHECK(cs->items[1].nassigns == 2);
	RA_CHECK(cs->items[2].is_default);
	ra_fsm_cases_free(&c);
}

RA_TEST(fsm_scan_garbage_never_crashes)
{
	char buf[4096];
	ra_fsm_cases c;

	srand(7);
	for (int round = 0; round < 200; round++) {
		static const char *const words[] = {
		        "case", "(",    ")",  "endcase", ":", ";",  "a",  "=",  "<=", "begin",
		        "end",  "when", "is", "=>",      "'", "\"", "/*", "--", "\n", "default"};
		size_t n = 0;

		while (n < sizeof(buf) - 16) {
			const char *w = words[rand() % 20];

			memcpy(buf + n, w, strlen(w));
			n += strlen(w);
			buf[n++] = ' ';
		}
		RA_CHECK(ra_fsm_cases_scan(&c, buf, n, round & 1, 0, 1000) == 0);
		ra_fsm_cases_free(&c);
	}
}

/* ---- explanations over the fixtures ----------------------------------------------------------- */

typedef struct ws {
	char dir[64];
	ra_store *st;
} ws;

static int ws_open(ws *w)
{
	static const char *const files[] = {"uart_tx.sv", "traffic.vhd", "cdc_top.sv"};
	ra_index_opts o = {0};
	ra_index_summary sum;
	char path[256];
	int rc;

	snprintf(w->dir, sizeof(w->dir), "/tmp/ra_explain_XXXXXX");
	if (!mkdtemp(w->dir))
		return -1;
	for (size_t i = 0; i < 3; i++) {
		char *text;
		size_t len;
		FILE *f;

		snprintf(path, sizeof(path), "%s/tests/fixtures/explain/%s", RA_SOURCE_DIR,
		         files[i]);
		if (ra_read_file(&text, &len, path, 1 << 20))
			return -1;
		snprintf(path, sizeof(path), "%s/%s", w->dir, files[i]);
		f = fopen(path, "wb");
		if (!f || fwrite(text, 1, len, f) != len)
			return -1;
		fclose(f);
		ra_free(text);
	}
	snprintf(path, sizeof(path), "%s/index.db", w->dir);
	rc = ra_store_open(&w->st, path, false);
	if (rc)
		return rc;
	o.root = w->dir;
	o.store = w->st;
	o.threads = 1;
	o.max_file_size = 1 << 20;
	o.verilog_exts = ra_index_default_verilog_exts;
	o.sv_exts = ra_index_default_sv_exts;
	o.vhdl_exts = ra_index_default_vhdl_exts;
	return ra_index_run(&o, &sum);
}

static void ws_close(ws *w)
{
	char cmd[128];

	ra_store_close(w->st);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", w->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", w->dir);
}

/* compares the text explanation of `unit` with tests/fixtures/explain/<unit>.golden */
static int golden(ws *w, const char *unit)
{
	ra_explain_opts o = {.root = w->dir};
	ra_explain *e = NULL;
	ra_buf b;
	char path[256], *want = NULL;
	size_t len;
	int rc;

	rc = ra_explain_unit(&e, w->st, unit, &o);
	if (rc) {
		fprintf(stderr, "explain %s: %s\n", unit, ra_error_last());
		return rc;
	}
	ra_buf_init(&b, 0);
	rc = ra_explain_text(&b, e);
	ra_explain_free(e);
	snprintf(path, sizeof(path), "%s/tests/fixtures/explain/%s.golden", RA_SOURCE_DIR, unit);
	if (!rc && getenv("RA_UPDATE_GOLDEN")) {
		FILE *f = fopen(path, "wb");

		if (f) {
			fwrite(b.data, 1, b.len, f);
			fclose(f);
		}
	}
	if (!rc && (ra_read_file(&want, &len, path, 1 << 20) || len != b.len ||
	            memcmp(want, b.data, len))) {
		fprintf(stderr, "explain %s differs from %s; got:\n%s", unit, path, b.data);
		rc = -1;
	}
	ra_free(want);
	ra_buf_free(&b);
	return rc;
}

RA_TEST(explain_golden_sv_fsm_vhdl_fsm_two_clocks)
{
	ws w = {0};
	int rc = ws_open(&w);

	RA_CHECKF(rc == 0, "index: %s", ra_error_last());
	rc = golden(&w, "uart_tx") | golden(&w, "traffic") | golden(&w, "cdc_top") |
	     golden(&w, "explain_top");
	ws_close(&w);
	RA_CHECK(rc == 0);
}

static json_t *loc1(const char *file, ra_span s, void *payload)
{
	(void)payload;
	return json_pack("{s:s, s:i}", "file", file, "line", (int)s.line + 1);
}

RA_TEST(explain_structure_json_and_unknown_unit)
{
	ws w = {0};
	ra_explain_opts o = {0};
	ra_explain *e = NULL;
	json_t *j, *fsm, *ports;
	int rc = ws_open(&w);

	RA_CHECKF(rc == 0, "index: %s", ra_error_last());
	o.root = w.dir;
	RA_CHECK(ra_explain_unit(&e, w.st, "no_such_unit", &o) == RA_ENOTFOUND);
	RA_CHECK(strstr(ra_error_last(), "no_such_unit"));
	RA_CHECK(ra_explain_unit(&e, w.st, "TRAFFIC", &o) == 0); /* VHDL folds case */
	j = ra_explain_json(e, loc1, NULL);
	fsm = json_array_get(json_object_get(j, "stateMachines"), 0);
	RA_CHECK(json_array_size(json_object_get(j, "stateMachines")) == 1);
	RA_CHECK(!strcmp(json_string_value(json_object_get(fsm, "register")), "state"));
	RA_CHECK(json_array_size(json_object_get(fsm, "states")) == 4);
	RA_CHECK(json_integer_value(json_object_get(json_object_get(fsm, "location"), "line")) ==
	         28);
	ports = json_object_get(j, "ports");
	RA_CHECK(!strcmp(json_string_value(json_object_get(json_array_get(ports, 0), "role")),
	                 "clock"));
	RA_CHECK(!strcmp(json_string_value(json_object_get(j, "architecture")), "rtl"));
	json_decref(j);
	ra_explain_free(e);
	ws_close(&w);
}

RA_TEST(explain_prompt_holds_structure_and_numbered_code_within_budget)
{
	ws w = {0};
	ra_explain_opts o = {0};
	ra_explain *e = NULL;
	ra_explain_prompt p;
	int rc = ws_open(&w);

	RA_CHECKF(rc == 0, "index: %s", ra_error_last());
	o.root = w.dir;
	RA_CHECK(ra_explain_unit(&e, w.st, "uart_tx", &o) == 0);
	RA_CHECK(ra_explain_prompt_build(&p, w.st, e, 0) == 0);
	RA_CHECK(p.req.mode == RA_GEN_CHAT && p.req.nmessages == 2);
	RA_CHECK(strstr(p.system, "file:line"));
	RA_CHECK(strstr(p.user, "state machines:") && strstr(p.user, "IDLE -> START"));
	RA_CHECK(strstr(p.user, "uart_tx.sv:"));
	RA_CHECK(strstr(p.user, "   29|     unique case (state_q)"));
	RA_CHECK(p.nchunks == p.nchunks_total && p.nchunks > 1);
	ra_explain_prompt_free(&p);
	/* a small budget keeps the signature and the state machine first */
	RA_CHECK(ra_explain_prompt_build(&p, w.st, e, 1200) == 0);
	RA_CHECK(p.code_bytes <= 1200 && p.nchunks < p.nchunks_total);
	RA_CHECK(strstr(p.user, "more pieces of this unit's code left out"));
	ra_explain_prompt_free(&p);
	ra_explain_free(e);
	ws_close(&w);
}

typedef struct scans {
	int n;
	char first[600];
} scans;

static int on_stmt_end(unsigned what, void *payload, void *stmt, void *x)
{
	scans *sc = payload;

	(void)what;
	(void)x;
	if (sqlite3_stmt_status(stmt, SQLITE_STMTSTATUS_FULLSCAN_STEP, 0) > 0 ||
	    sqlite3_stmt_status(stmt, SQLITE_STMTSTATUS_AUTOINDEX, 0) > 0) {
		if (!sc->n++)
			snprintf(sc->first, sizeof(sc->first), "%s", sqlite3_sql(stmt));
	}
	return 0;
}

/*
 * Every read of an explanation and its prompt goes through an index: on a big repository a
 * whole-table scan of symbols or chunks costs tens of ms, and explain used to make one per
 * submodule (seconds on OpenTitan). The plan, not the time, is checked: the query planner picks
 * the same plans on this small index (no ANALYZE statistics either way).
 */
RA_TEST(explain_reads_through_indexes_never_whole_tables)
{
	static const char *const units[] = {"uart_tx", "traffic", "cdc_top", "explain_top"};
	ws w = {0};
	ra_explain_opts o = {0};
	scans sc = {0};
	int rc = ws_open(&w);

	RA_CHECKF(rc == 0, "index: %s", ra_error_last());
	o.root = w.dir;
	sqlite3_trace_v2(ra_store__db(w.st), SQLITE_TRACE_PROFILE, on_stmt_end, &sc);
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		ra_explain *e = NULL;
		ra_explain_prompt p;

		RA_CHECK(ra_explain_unit(&e, w.st, units[i], &o) == 0);
		RA_CHECK(ra_explain_prompt_build(&p, w.st, e, 0) == 0);
		ra_explain_prompt_free(&p);
		ra_explain_free(e);
	}
	sqlite3_trace_v2(ra_store__db(w.st), 0, NULL, NULL);
	RA_CHECKF(sc.n == 0, "%d statements scanned a whole table, first: %s", sc.n, sc.first);
	ws_close(&w);
}

RA_TEST_MAIN()
