/*
 * ra_test_db.h - what the unit tests read back from an index database: the number a query
 * such as "SELECT count(*) FROM chunks" returns, on a connection (a store's: ra_store__db) or
 * on a database file opened read-only for the query.
 */
#ifndef RA_TEST_DB_H
#define RA_TEST_DB_H

#include <sqlite3.h>
#include <stdint.h>

/* The first column of the first row of `sql` on `db`; -1 when it fails or returns no row. */
static inline int64_t ra_test_db_count(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s = NULL;
	int64_t n = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return n;
}

/* The same on the database file at `path`, opened read-only for this query; -1 when it cannot
 * be opened. */
static inline int64_t ra_test_db_count_file(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	int64_t n = -1;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK)
		n = ra_test_db_count(db, sql);
	sqlite3_close(db);
	return n;
}

#endif /* RA_TEST_DB_H */
