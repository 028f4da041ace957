/*
 * test_fts.c - the "ra_code" tokenizer (sub-words, case folding, abbreviations both ways, digits,
 * escaped identifiers, arbitrary bytes), query building, and BM25 ranking on the store's real
 * chunk_fts table kept in step by its triggers.
 */
#define _DEFAULT_SOURCE
#include "indexer/fts.h"
#include "indexer/store.h"
#include "tests/ra_test.h"
#include "tests/ra_test_db.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct toks {
	char all[8192]; /* " tok tok tok " */
	size_t n;
} toks;

static int collect(const char *tok, size_t n, void *payload)
{
	toks *t = payload;
	size_t len = strlen(t->all);

	if (len + n + 2 < sizeof(t->all)) {
		memcpy(t->all + len, tok, n);
		t->all[len + n] = ' ';
		t->all[len + n + 1] = '\0';
	}
	t->n++;
	return 0;
}

static toks tokens_of(const char *text)
{
	toks t = {" ", 0};

	ra_fts_tokens(text, strlen(text), collect, &t);
	return t;
}

static bool has(const toks *t, const char *tok)
{
	char pat[128];

	snprintf(pat, sizeof(pat), " %s ", tok);
	return strstr(t->all, pat) != NULL;
}

RA_TEST(fts_tokens_subwords_and_case)
{
	toks t = tokens_of("rdAddr_q2 FIFOEmpty axi4lite");

	RA_CHECKF(has(&t, "rdaddr_q2") && has(&t, "rd") && has(&t, "addr") && has(&t, "q") &&
	                  has(&t, "2"),
	          "%s", t.all);
	RA_CHECKF(has(&t, "fifoempty") && has(&t, "fifo") && has(&t, "empty"), "%s", t.all);
	RA_CHECKF(has(&t, "axi4lite") && has(&t, "axi") && has(&t, "4") && has(&t, "lite"), "%s",
	          t.all);
	RA_CHECK(!has(&t, "rdAddr_q2") && !has(&t, "FIFO"));
	t = tokens_of("CLK");
	RA_CHECKF(has(&t, "clk") && has(&t, "clock") && t.n == 2, "%s", t.all);
	/* a word with one sub-word is emitted once */
	t = tokens_of("data");
	RA_CHECKF(t.n == 1 && has(&t, "data"), "%s", t.all);
}

RA_TEST(fts_tokens_abbreviations_both_ways)
{
	toks t = tokens_of("wr_en");

	RA_CHECKF(has(&t, "write") && has(&t, "enable") && has(&t, "wr") && has(&t, "en"), "%s",
	          t.all);
	t = tokens_of("read_address_valid");
	RA_CHECKF(has(&t, "rd") && has(&t, "addr") && has(&t, "vld"), "%s", t.all);
	t = tokens_of("irq_ack");
	RA_CHECKF(has(&t, "interrupt") && has(&t, "acknowledge") && has(&t, "intr"), "%s", t.all);
	t = tokens_of("rdata");
	RA_CHECKF(has(&t, "read") && has(&t, "data"), "%s", t.all);
	/* no expansion inside a longer word */
	t = tokens_of("wrapper");
	RA_CHECKF(!has(&t, "write") && t.n == 1, "%s", t.all);
}

RA_TEST(fts_tokens_escaped_identifiers_and_numbers)
{
	toks t = tokens_of("assign \\bus[0]+x = 8'hFF; $display(\"x\");");

	RA_CHECKF(has(&t, "bus[0]+x") && has(&t, "bus") && has(&t, "0") && has(&t, "x"), "%s",
	          t.all);
	/* system tasks keep their $ in the whole word */
	RA_CHECKF(has(&t, "8") && has(&t, "hff") && has(&t, "$display") && has(&t, "display") &&
	                  has(&t, "assign"),
	          "%s", t.all);
}

RA_TEST(fts_tokens_utf8_and_arbitrary_bytes)
{
	unsigned char junk[70000];
	toks t = tokens_of("gr\xc3\xb6\xc3\x9f"
	                   "e_Wert \xff\xfe bad");
	unsigned seed = 12345;

	RA_CHECKF(has(&t, "gr\xc3\xb6\xc3\x9f"
	                  "e_wert") &&
	                  has(&t, "wert") && has(&t, "bad"),
	          "%s", t.all);
	for (size_t i = 0; i < sizeof(junk); i++) {
		seed = seed * 1103515245u + 12345u;
		junk[i] = (unsigned char)(i < 256 ? i : seed >> 16);
	}
	/* every byte value, long runs, a trailing backslash: no crash, tokens capped */
	t = (toks){" ", 0};
	RA_CHECK(ra_fts_tokens((const char *)junk, sizeof(junk), collect, &t) == 0);
	memset(junk, 'a', sizeof(junk));
	junk[sizeof(junk) - 1] = '\\';
	t = (toks){" ", 0};
	RA_CHECK(ra_fts_tokens((const char *)junk, sizeof(junk), collect, &t) == 0);
	RA_CHECK(t.n == 1 && strlen(t.all) <= 64 + 3);
	RA_CHECK(ra_fts_tokens(NULL, 0, collect, &t) == 0);
}

static int stop_after_two(const char *tok, size_t n, void *payload)
{
	(void)tok;
	(void)n;
	return ++*(int *)payload == 2 ? 7 : 0;
}

RA_TEST(fts_tokens_callback_stops)
{
	int calls = 0;

	RA_CHECK_INT(ra_fts_tokens("a b c d", 7, stop_after_two, &calls), 7);
	RA_CHECK_INT(calls, 2);
}

RA_TEST(fts_query_builds_or_of_terms)
{
	char *q = NULL;

	RA_CHECK(ra_fts_query(&q, "How is the write address of the FIFO computed?") == 0);
	RA_CHECKF(strcmp(q, "\"write\" OR \"address\" OR \"fifo\" OR \"computed\"") == 0, "%s", q);
	ra_free(q);
	RA_CHECK(ra_fts_query(&q, "rdAddr rdAddr") == 0);
	RA_CHECKF(strcmp(q, "\"rdaddr\" OR \"rd\" OR \"addr\"") == 0, "%s", q);
	ra_free(q);
	RA_CHECK(ra_fts_query(&q, "\\a\"b ") == 0);
	RA_CHECKF(strstr(q, "\"a\"\"b\"") != NULL, "%s", q);
	ra_free(q);
	RA_CHECK_INT(ra_fts_query(&q, "?? !! the of"), RA_ENOTFOUND);
}

/* a module with three chunks: a write-side process, a read-side process, a counter */
static ra_model *make_model(const char *unit)
{
	ra_model *m = ra_model_new(RA_LANG_SV);
	ra_sym mod = {.kind = RA_SYM_MODULE, .parent = -1, .name = unit};
	int32_t top = ra_model_add_sym(m, &mod);

	ra_model_add_chunk(m, &(ra_chunk){.kind = "process",
	                                  .sym = top,
	                                  .span = {10, 0, 14, 0},
	                                  .text = "always_ff @(posedge clk_i) if (wr_en) "
	                                          "mem[wr_ptr] <= wdata;"});
	ra_model_add_chunk(m, &(ra_chunk){.kind = "process",
	                                  .sym = top,
	                                  .span = {20, 0, 24, 0},
	                                  .text = "always_ff @(posedge clk_i) if (rd_en) "
	                                          "rdata_q <= mem[rd_addr];"});
	ra_model_add_chunk(m, &(ra_chunk){.kind = "assigns",
	                                  .sym = top,
	                                  .span = {30, 0, 31, 0},
	                                  .text = "assign depth_cnt = wr_ptr - rd_ptr;"});
	return m;
}

static int64_t first_match(sqlite3 *db, const char *match, char *kind_text, size_t n)
{
	sqlite3_stmt *s = NULL;
	int64_t id = -1;

	if (sqlite3_prepare_v2(db,
	                       "SELECT c.id, c.header || ' | ' || c.text FROM chunk_fts f JOIN"
	                       " chunks c ON c.id = f.rowid WHERE chunk_fts MATCH ?1"
	                       " ORDER BY bm25(chunk_fts, 4.0, 1.0) LIMIT 1",
	                       -1, &s, NULL) != SQLITE_OK)
		return -2;
	sqlite3_bind_text(s, 1, match, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW) {
		id = sqlite3_column_int64(s, 0);
		snprintf(kind_text, n, "%s", (const char *)sqlite3_column_text(s, 1));
	}
	sqlite3_finalize(s);
	return id;
}

RA_TEST(fts_table_ranks_expected_chunk_first)
{
	char dir[] = "/tmp/ra_fts_XXXXXX", path[256], hit[512], *q = NULL;
	ra_store *st = NULL;
	ra_model *m1 = make_model("fifo_sync"), *m2 = make_model("other");
	ra_store_file f1 = {.path = "rtl/fifo_sync.sv", .blob = "1", .lang = RA_LANG_SV};
	ra_store_file f2 = {.path = "rtl/other.sv", .blob = "2", .lang = RA_LANG_SV};
	ra_store_file f3 = {.path = "rtl/third.sv", .blob = "3", .lang = RA_LANG_SV};
	ra_store_file f4 = {.path = "rtl/fourth.sv", .blob = "4", .lang = RA_LANG_SV};
	sqlite3 *db;

	RA_CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/index.db", dir);
	RA_CHECK(ra_store_open(&st, path, false) == 0);
	RA_CHECK(ra_store_begin(st) == 0);
	RA_CHECK(ra_store_file_put(st, &f1, m1) == 0);
	RA_CHECK(ra_store_file_put(st, &f2, m2) == 0);
	RA_CHECK(ra_store_file_put(st, &f3, m2) == 0);
	RA_CHECK(ra_store_file_put(st, &f4, m2) == 0);
	RA_CHECK(ra_store_commit(st) == 0);
	db = ra_store__db(st);

	/* words find abbreviations: "read address" is the rd_addr process */
	RA_CHECK(ra_fts_query(&q, "read address") == 0);
	RA_CHECK(first_match(db, q, hit, sizeof(hit)) > 0);
	RA_CHECKF(strstr(hit, "rd_addr") != NULL, "%s", hit);
	ra_free(q);
	/* words match abbreviations through the query's synonyms; the index holds each token once */
	RA_CHECK(ra_fts_query(&q, "write pointer") == 0);
	RA_CHECK(first_match(db, q, hit, sizeof(hit)) > 0);
	RA_CHECKF(strstr(hit, "wr_ptr") != NULL, "%s", hit);
	ra_free(q);
	RA_CHECK_INT(ra_test_db_count(
	                     db, "SELECT count(*) FROM chunk_fts WHERE chunk_fts MATCH 'write'"),
	             8);
	RA_CHECK_INT(
	        ra_test_db_count(db, "SELECT count(*) FROM chunk_fts WHERE chunk_fts MATCH 'read'"),
	        8);
	{
		ra_fts_df *df = NULL;
		int64_t n = -1;

		/* the index has wr, not write: each token is stored once */
		RA_CHECK(sqlite3_exec(db,
		                      "CREATE VIRTUAL TABLE temp.v USING fts5vocab(main, chunk_fts,"
		                      " row)",
		                      NULL, NULL, NULL) == SQLITE_OK);
		RA_CHECK_INT(
		        ra_test_db_count(db, "SELECT count(*) FROM temp.v WHERE term = 'write'"),
		        0);
		RA_CHECK_INT(ra_test_db_count(db, "SELECT count(*) FROM temp.v WHERE term = 'wr'"),
		             1);
		RA_CHECK(sqlite3_exec(db, "DROP TABLE temp.v", NULL, NULL, NULL) == SQLITE_OK);
		/* frequencies count what a query term matches: its other spellings too */
		RA_CHECK(ra_fts_df_open(&df, db) == 0);
		RA_CHECK(ra_fts_df_get(&n, df, "write") == 0);
		RA_CHECK_INT(n, 8);
		RA_CHECK(ra_fts_df_get(&n, df, "zzz") == 0);
		RA_CHECK_INT(n, 0);
		{
			/* a term counted 0 is counted again: the index may gain it */
			ra_store_file f5 = {.path = "rtl/qqq.sv", .blob = "5", .lang = RA_LANG_SV};

			RA_CHECK(ra_fts_df_get(&n, df, "qqq") == 0);
			RA_CHECK_INT(n, 0);
			RA_CHECK(ra_store_begin(st) == 0);
			RA_CHECK(ra_store_file_put(st, &f5, m2) == 0);
			RA_CHECK(ra_store_commit(st) == 0);
			RA_CHECK(ra_fts_df_get(&n, df, "qqq") == 0);
			RA_CHECK_INT(n, 3);
			RA_CHECK(ra_store_begin(st) == 0);
			RA_CHECK(ra_store_file_delete(st, f5.id) == 0);
			RA_CHECK(ra_store_commit(st) == 0);
		}
		RA_CHECK(ra_fts_df_get(&n, df, "fifo_sync") == 0);
		RA_CHECK_INT(n, 3);
		/* the two rarest terms the index holds; zzz is in no chunk */
		RA_CHECK(ra_fts_query_rare(&q, "mem depth cnt zzz fifo_sync wr", 2, df) == 0);
		RA_CHECK_STR(q, "\"fifo_sync\" OR \"fifo\"");
		ra_free(q);
		RA_CHECK(ra_fts_query_rare(&q, "zzz yyy xxx", 2, df) == 0);
		RA_CHECK_STR(q, "\"zzz\" OR \"yyy\" OR \"xxx\"");
		ra_free(q);
		RA_CHECK(ra_fts_query_rare(&q, "mem depth", 2, df) == 0);
		RA_CHECK_STR(q, "\"mem\" OR \"depth\"");
		ra_free(q);
		ra_fts_df_close(df);
	}
	/* positions are kept: phrases of separate tokens still work */
	RA_CHECK_INT(ra_test_db_count(
	                     db, "SELECT count(*) FROM chunk_fts WHERE chunk_fts MATCH 'wr + ptr'"),
	             8);
	/* abbreviations find words; header carries "path unit kind" and weighs more */
	RA_CHECK(ra_fts_query(&q, "fifo_sync cnt") == 0);
	RA_CHECK(first_match(db, q, hit, sizeof(hit)) > 0);
	RA_CHECKF(strncmp(hit, "rtl/fifo_sync.sv fifo_sync assigns |", 36) == 0, "%s", hit);
	ra_free(q);
	/* a camelCase question is split like the documents by ra_fts_query: wrEn finds wr_en */
	RA_CHECK(ra_fts_query(&q, "wrEn") == 0);
	RA_CHECK(first_match(db, q, hit, sizeof(hit)) > 0);
	RA_CHECKF(strstr(hit, "wr_en") != NULL, "%s", hit);
	ra_free(q);
	/* a query term is one token, never split again: the whole identifier alone */
	RA_CHECK_INT(ra_test_db_count(
	                     db, "SELECT count(*) FROM chunk_fts WHERE chunk_fts MATCH '\"wrEn\"'"),
	             0);
	RA_CHECK(ra_fts_query_idents(&q, "wr_en wrEn") == 0);
	RA_CHECK_STR(q, "\"wr_en\" OR \"wren\"");
	RA_CHECK(first_match(db, q, hit, sizeof(hit)) > 0);
	RA_CHECKF(strstr(hit, "wr_en") != NULL, "%s", hit);
	ra_free(q);
	RA_CHECK_INT(
	        ra_test_db_count(db, "SELECT count(*) FROM chunk_fts WHERE chunk_fts MATCH 'mem'"),
	        8);
	RA_CHECK_INT(ra_test_db_count(
	                     db, "SELECT count(*) FROM chunk_fts WHERE chunk_fts MATCH 'other'"),
	             9);
	/* a quoted string is one term, as ra_fts_query writes them */
	RA_CHECK_INT(ra_test_db_count(db, "SELECT count(*) FROM chunk_fts WHERE chunk_fts MATCH"
	                                  " '\"rtl other sv\"'"),
	             0);

	/* replacing and deleting a file keeps the FTS table in step (the store writes it) */
	RA_CHECK(ra_store_begin(st) == 0);
	RA_CHECK(ra_store_file_delete(st, f2.id) == 0);
	RA_CHECK(ra_store_file_put(st, &f1, m1) == 0);
	RA_CHECK(ra_store_commit(st) == 0);
	RA_CHECK_INT(
	        ra_test_db_count(db, "SELECT count(*) FROM chunk_fts WHERE chunk_fts MATCH 'mem'"),
	        6);
	RA_CHECK_INT(ra_test_db_count(
	                     db, "SELECT count(*) FROM chunk_fts WHERE chunk_fts MATCH 'other'"),
	             6);
	RA_CHECK(sqlite3_exec(db, "INSERT INTO chunk_fts(chunk_fts) VALUES('integrity-check')",
	                      NULL, NULL, NULL) == SQLITE_OK);
	ra_store_close(st);

	/* a read-only connection can MATCH (the tokenizer is registered on every connection) */
	RA_CHECK(ra_store_open(&st, path, true) == 0);
	RA_CHECK(first_match(ra_store__db(st), "\"wr_ptr\"", hit, sizeof(hit)) > 0);
	{
		/* and read frequencies: the vocabulary table lives in the temp schema */
		ra_fts_df *df = NULL;
		int64_t n = -1;

		RA_CHECK(ra_fts_df_open(&df, ra_store__db(st)) == 0);
		RA_CHECK(ra_fts_df_get(&n, df, "mem") == 0);
		RA_CHECK_INT(n, 6);
		ra_fts_df_close(df);
	}
	ra_store_close(st);
	ra_model_free(m1);
	ra_model_free(m2);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	RA_CHECK(system(path) == 0);
}

/* a question mixing rare and common terms gets a gate of its rare terms: only chunks holding
   one are scored (search.c), by BM25 over every term */
RA_TEST(fts_query_gated_rare_and_common)
{
	char dir[] = "/tmp/ra_fts_gate_XXXXXX", path[256], *q = NULL, *g = NULL;
	ra_store *st = NULL;
	ra_fts_df *df = NULL;
	sqlite3 *db;

	RA_CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/index.db", dir);
	RA_CHECK(ra_store_open(&st, path, false) == 0);
	db = ra_store__db(st);
	/* RA_FTS_DF_CAP + 20 chunks say "bus" (common); 3 say "zebra" (rare), one of them "bus" too */
	RA_CHECK(sqlite3_exec(
	                 db,
	                 "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n"
	                 " WHERE i < 520) INSERT INTO chunks(file_id, kind, line, end_line,"
	                 " text, header) SELECT 1, 'other', i, i, 'bus word' || i, 'h' FROM n;"
	                 "INSERT INTO chunks(file_id, kind, line, end_line, text, header) VALUES"
	                 " (1, 'other', 600, 600, 'zebra alone', 'h'),"
	                 " (1, 'other', 601, 601, 'zebra again', 'h'),"
	                 " (1, 'other', 602, 602, 'zebra on the bus', 'h');"
	                 /* the store feeds chunk_fts beside its own inserts; these are not its */
	                 "INSERT INTO chunk_fts(chunk_fts) VALUES('rebuild');",
	                 NULL, NULL, NULL) == SQLITE_OK);
	RA_CHECK(ra_fts_df_open(&df, db) == 0);
	RA_CHECK(ra_fts_query_gated(&q, &g, "zebra bus", 16, df) == 0);
	RA_CHECK_STR(q, "\"zebra\" OR \"bus\"");
	RA_CHECK(g != NULL);
	RA_CHECK_STR(g, "\"zebra\"");
	{
		/* search.c's gated form scores only the chunks holding "zebra", in the order the
		   ungated query puts them at its top */
		sqlite3_stmt *s = NULL;
		char gated[3][64] = {{0}}, full[3][64] = {{0}};
		int n = 0;

		RA_CHECK(sqlite3_prepare_v2(
		                 db,
		                 "SELECT c.text FROM chunk_fts JOIN chunks c ON c.id ="
		                 " chunk_fts.rowid WHERE chunk_fts MATCH ?1 AND (?2 IS NULL"
		                 " OR chunk_fts.rowid IN (SELECT rowid FROM chunk_fts WHERE"
		                 " chunk_fts MATCH ?2)) ORDER BY bm25(chunk_fts), c.id",
		                 -1, &s, NULL) == SQLITE_OK);
		for (int pass = 0; pass < 2; pass++) {
			sqlite3_reset(s);
			sqlite3_bind_text(s, 1, q, -1, SQLITE_STATIC);
			if (pass == 0)
				sqlite3_bind_text(s, 2, g, -1, SQLITE_STATIC);
			else
				sqlite3_bind_null(s, 2);
			for (n = 0; sqlite3_step(s) == SQLITE_ROW; n++)
				if (n < 3)
					snprintf(pass ? full[n] : gated[n], 64, "%s",
					         (const char *)sqlite3_column_text(s, 0));
			RA_CHECK_INT(n, pass ? 523 : 3);
		}
		for (int i = 0; i < 3; i++) {
			RA_CHECKF(strstr(gated[i], "zebra") != NULL, "%s", gated[i]);
			RA_CHECK_STR(gated[i], full[i]);
		}
		sqlite3_finalize(s);
	}
	ra_free(q);
	ra_free(g);
	/* all common, all rare, or nothing found: no gate */
	RA_CHECK(ra_fts_query_gated(&q, &g, "bus", 16, df) == 0);
	RA_CHECK(g == NULL);
	ra_free(q);
	RA_CHECK(ra_fts_query_gated(&q, &g, "zebra alone", 16, df) == 0);
	RA_CHECK(g == NULL);
	ra_free(q);
	RA_CHECK(ra_fts_query_gated(&q, &g, "qqqq bus", 16, df) == 0);
	RA_CHECK(g == NULL);
	ra_free(q);
	ra_fts_df_close(df);
	ra_store_close(st);
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		RA_CHECK(system(cmd) == 0);
	}
}

RA_TEST_MAIN()
