/*
 * windows_bm25.h - the benchmarks' anchor retrieval: plain BM25 over 20-line windows (stride
 * 10) of every indexed file, with whole identifiers as words (FTS5 unicode61 with '_' as a token
 * character), the retrieval RepoCoder-style tools do. Shared by bench_retrieval (search quality)
 * and bench_completion_context (the baseline completion context).
 *
 * The windows live in an in-memory SQLite database built from the files the store lists, read
 * from the workspace on disk. Benchmark code: failures end the process with a message.
 */
#ifndef RA_BENCH_WINDOWS_BM25_H
#define RA_BENCH_WINDOWS_BM25_H

#include "indexer/store.h"

#include <sqlite3.h>

#define RA_BW_LINES 20
#define RA_BW_STRIDE 10

typedef struct ra_bw {
	sqlite3 *db;
	sqlite3_stmt *q;
	char **paths; /* workspace-relative, by file number */
	size_t npaths;
	bool live; /* a ranking is under way */
} ra_bw;

/* One window of a ranking: file number (index in paths), 1-based inclusive lines, its text
 * (borrowed until the next ra_bw_next/ra_bw_query). */
typedef struct ra_bw_hit {
	size_t file;
	int line, end_line;
	const char *text;
	size_t len;
} ra_bw_hit;

/* Cuts every file of `st` (read from `ws`) into windows and indexes them. */
void ra_bw_build(ra_bw *a, const char *ws, ra_store *st);
void ra_bw_free(ra_bw *a);

/* Starts a ranking for the words of `text` (every word quoted and OR-ed: plain BM25), best
 * first, at most 400 windows. Returns false when the text has no word. */
bool ra_bw_query(ra_bw *a, const char *text);
/* The next window of the ranking started by ra_bw_query; false at the end. */
bool ra_bw_next(ra_bw *a, ra_bw_hit *out);

#endif /* RA_BENCH_WINDOWS_BM25_H */
