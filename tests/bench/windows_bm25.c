/*
 * windows_bm25.c - plain BM25 over 20-line windows, stride 10 (see windows_bm25.h).
 */
#define _GNU_SOURCE
#include "tests/bench/windows_bm25.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void bw_die(const char *what)
{
	fprintf(stderr, "windows_bm25: %s\n", what);
	exit(1);
}

void ra_bw_build(ra_bw *a, const char *ws, ra_store *st)
{
	ra_arena *ar = ra_arena_new(0);
	ra_store_file *files = NULL;
	size_t n = 0;
	sqlite3_stmt *ins, *m;

	memset(a, 0, sizeof(*a));
	if (!ar || ra_store_files(st, &files, &n, ar))
		bw_die("listing files");
	if (sqlite3_open(":memory:", &a->db) != SQLITE_OK ||
	    sqlite3_exec(a->db,
	                 "CREATE VIRTUAL TABLE win USING fts5(body, tokenize = \"unicode61 "
	                 "tokenchars '_'\");"
	                 "CREATE TABLE meta(id INTEGER PRIMARY KEY, file INTEGER, line INTEGER,"
	                 " end_line INTEGER);"
	                 "BEGIN",
	                 NULL, NULL, NULL) != SQLITE_OK)
		bw_die("anchor database");
	if (sqlite3_prepare_v2(a->db, "INSERT INTO win(rowid, body) VALUES(?1, ?2)", -1, &ins,
	                       NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(a->db, "INSERT INTO meta VALUES(?1, ?2, ?3, ?4)", -1, &m, NULL) !=
	            SQLITE_OK)
		bw_die(sqlite3_errmsg(a->db));
	a->paths = calloc(n + 1, sizeof(*a->paths));
	a->npaths = n;
	for (size_t i = 0; i < n; i++) {
		char path[4096], *text;
		size_t len, nlines = 0, cap = 0;
		const char **starts = NULL;

		a->paths[i] = strdup(files[i].path);
		snprintf(path, sizeof(path), "%s/%s", ws, files[i].path);
		if (ra_read_file(&text, &len, path, 64u << 20))
			continue;
		for (const char *p = text; p < text + len;) {
			const char *e = memchr(p, '\n', (size_t)(text + len - p));

			if (nlines == cap) {
				cap = cap ? cap * 2 : 256;
				starts = realloc(starts, cap * sizeof(*starts));
				if (!starts)
					bw_die("out of memory");
			}
			starts[nlines++] = p;
			p = e ? e + 1 : text + len;
		}
		for (size_t w = 0; w == 0 || w < nlines; w += RA_BW_STRIDE) {
			size_t end = w + RA_BW_LINES < nlines ? w + RA_BW_LINES : nlines;
			const char *b = nlines ? starts[w] : text;
			const char *e = end < nlines ? starts[end] : text + len;
			int64_t id;

			sqlite3_bind_text(ins, 2, b, (int)(e - b), SQLITE_STATIC);
			sqlite3_bind_null(ins, 1);
			sqlite3_step(ins);
			sqlite3_reset(ins);
			id = sqlite3_last_insert_rowid(a->db);
			sqlite3_bind_int64(m, 1, id);
			sqlite3_bind_int64(m, 2, (int64_t)i);
			sqlite3_bind_int64(m, 3, (int64_t)w + 1);
			sqlite3_bind_int64(m, 4, (int64_t)end);
			sqlite3_step(m);
			sqlite3_reset(m);
			if (end >= nlines)
				break;
		}
		free(starts);
		ra_free(text);
	}
	sqlite3_finalize(ins);
	sqlite3_finalize(m);
	sqlite3_exec(a->db, "COMMIT", NULL, NULL, NULL);
	if (sqlite3_prepare_v2(a->db,
	                       "SELECT m.file, m.line, m.end_line, win.body FROM win JOIN meta m"
	                       " ON m.id = win.rowid WHERE win MATCH ?1"
	                       " ORDER BY bm25(win) LIMIT 400",
	                       -1, &a->q, NULL) != SQLITE_OK)
		bw_die(sqlite3_errmsg(a->db));
	ra_free(files);
	ra_arena_free(ar);
}

void ra_bw_free(ra_bw *a)
{
	if (!a)
		return;
	sqlite3_finalize(a->q);
	sqlite3_close(a->db);
	for (size_t i = 0; i < a->npaths; i++)
		free(a->paths[i]);
	free(a->paths);
	memset(a, 0, sizeof(*a));
}

bool ra_bw_query(ra_bw *a, const char *text)
{
	/* a word of one character and one separator become `"w" OR ` (7 bytes for 2) */
	char *match = malloc(strlen(text) * 4 + 8);
	size_t o = 0;

	if (!match)
		bw_die("out of memory");
	/* every word (unicode61 with '_': letters, digits, '_'), quoted, OR-ed: plain BM25 */
	for (const char *p = text; *p;) {
		const char *s;

		while (*p && !(isalnum((unsigned char)*p) || *p == '_'))
			p++;
		s = p;
		while (*p && (isalnum((unsigned char)*p) || *p == '_'))
			p++;
		if (p > s)
			o += (size_t)sprintf(match + o, "%s\"%.*s\"", o ? " OR " : "", (int)(p - s),
			                     s);
	}
	match[o] = '\0';
	sqlite3_reset(a->q);
	sqlite3_bind_text(a->q, 1, match, -1, SQLITE_TRANSIENT);
	free(match);
	a->live = o > 0;
	return a->live;
}

bool ra_bw_next(ra_bw *a, ra_bw_hit *out)
{
	if (!a->live || sqlite3_step(a->q) != SQLITE_ROW)
		return a->live = false;
	out->file = (size_t)sqlite3_column_int64(a->q, 0);
	out->line = sqlite3_column_int(a->q, 1);
	out->end_line = sqlite3_column_int(a->q, 2);
	out->text = (const char *)sqlite3_column_text(a->q, 3);
	out->len = (size_t)sqlite3_column_bytes(a->q, 3);
	return out->file < a->npaths;
}
