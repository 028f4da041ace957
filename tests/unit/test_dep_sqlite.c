/* test_dep_sqlite.c - SQLite as rtlassist uses it: a real database file in WAL mode, FTS5 with
 * BM25 ranking and column weights. */
#define _DEFAULT_SOURCE
#include "tests/ra_test.h"

#include <sqlite3.h>
#include <stdlib.h>

RA_TEST(sqlite_fts5_bm25_on_disk)
{
	char dir[] = "/tmp/ra_sqlite_XXXXXX", path[4200];
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	const char *first = NULL;

	RA_CHECK(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/t.db", dir);
	RA_CHECK(sqlite3_open(path, &db) == SQLITE_OK);
	RA_CHECK(sqlite3_compileoption_used("ENABLE_FTS5") == 1);
	RA_CHECK(sqlite3_exec(db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL) == SQLITE_OK);
	RA_CHECK(sqlite3_exec(
	                 db,
	                 "CREATE VIRTUAL TABLE c USING fts5(name, body);"
	                 "INSERT INTO c VALUES('axi_wr', 'write response channel bvalid bready');"
	                 "INSERT INTO c VALUES('uart_rx', 'receive fifo write pointer');"
	                 "INSERT INTO c VALUES('write', 'unrelated body');",
	                 NULL, NULL, NULL) == SQLITE_OK);
	/* the name column weighs 10x: the row named 'write' ranks first for 'write' */
	RA_CHECK(sqlite3_prepare_v2(
	                 db, "SELECT name FROM c WHERE c MATCH 'write' ORDER BY bm25(c, 10.0, 1.0)",
	                 -1, &st, NULL) == SQLITE_OK);
	RA_CHECK(sqlite3_step(st) == SQLITE_ROW);
	first = (const char *)sqlite3_column_text(st, 0);
	RA_CHECK_STR(first, "write");
	RA_CHECK(sqlite3_step(st) == SQLITE_ROW);
	RA_CHECK(sqlite3_step(st) == SQLITE_ROW);
	RA_CHECK(sqlite3_step(st) == SQLITE_DONE);
	sqlite3_finalize(st);
	/* phrase query */
	RA_CHECK(sqlite3_prepare_v2(db, "SELECT count(*) FROM c WHERE c MATCH '\"write response\"'",
	                            -1, &st, NULL) == SQLITE_OK);
	RA_CHECK(sqlite3_step(st) == SQLITE_ROW);
	RA_CHECK_INT(sqlite3_column_int(st, 0), 1);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

RA_TEST_MAIN()
