/*
 * search.c - the channels of search over the store's tables, and putting their lists together:
 * fusion, filters, merging of overlapping spans, the per-file cap and snippets (see search.h).
 *
 * Every lookup is a prepared statement that walks an index (chunk_fts, symbols.key,
 * chunks.file_id, flows(unit_id, target)); nothing scans a table per query. Fuzzy names are
 * matched in memory: the distinct symbol names are loaded into a table indexed by sub-word and
 * length (names.h), so a query word reads only the names it can match.
 *
 * A query runs the vector channel (embedding and the faiss scan) and the symbol channel's fuzzy
 * match of names (over the table in memory) on a thread of their own, no SQLite there, while
 * this thread runs the lexical channel and the exact names; it joins them before the rows of the
 * fuzzy names are read, then fusion.
 * A searcher lives as long as a daemon: before each query it checks, cheaply, that what it keeps
 * in memory is still the index's — the vector file by its size and mtime (one stat), the name
 * table by the database's generation (PRAGMA data_version for other connections' commits, the
 * connection's total changes for its own) — and reads again what changed.
 */
#define _DEFAULT_SOURCE
#include "retriever/search.h"

#include "indexer/fts.h"
#include "indexer/vecindex.h"
#include "indexer/vectors.h"
#include "retriever/names.h"

#include <ctype.h>
#include <fnmatch.h>
#include <math.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum {
	Q_LEX,
	Q_LEX_FILTERED,
	Q_CHUNK,
	Q_TEXT,
	Q_SYM_KEY,
	Q_CHUNK_AT,
	Q_UNIT_SIG,
	Q_INSTANCES_IN,
	Q_INST_TARGET,
	Q_UNIT_SIG_ID,
	Q_DRIVERS,
	Q_DATA_VERSION,
	Q__COUNT
};

static const char *const query_sql[Q__COUNT] = {
        /* ?7: the gate (ra_fts_query_gated), or NULL; behind an OR so that it filters rows
           after the MATCH, before bm25 is computed for them, and is never an FTS constraint */
        [Q_LEX] = "SELECT rowid, bm25(chunk_fts, ?2, ?3) AS s FROM chunk_fts"
                  " WHERE chunk_fts MATCH ?1 AND (?7 IS NULL OR rowid IN"
                  " (SELECT rowid FROM chunk_fts WHERE chunk_fts MATCH ?7))"
                  " ORDER BY s LIMIT ?4",
        [Q_LEX_FILTERED] = "SELECT c.id, bm25(chunk_fts, ?2, ?3) AS s FROM chunk_fts"
                           " JOIN chunks c ON c.id = chunk_fts.rowid"
                           " JOIN files f ON f.id = c.file_id WHERE chunk_fts MATCH ?1"
                           " AND (?5 IS NULL OR c.kind = ?5)"
                           " AND (?6 IS NULL OR ra_path_match(?6, f.path))"
                           " AND (?7 IS NULL OR chunk_fts.rowid IN"
                           " (SELECT rowid FROM chunk_fts WHERE chunk_fts MATCH ?7))"
                           " ORDER BY s LIMIT ?4",
        [Q_CHUNK] = "SELECT c.file_id, f.path, c.kind, c.line, c.end_line, u.name"
                    " FROM chunks c JOIN files f ON f.id = c.file_id"
                    " LEFT JOIN symbols u ON u.id = c.unit_id WHERE c.id = ?1",
        [Q_TEXT] = "SELECT text FROM chunks WHERE id = ?1",
        [Q_SYM_KEY] = "SELECT id, file_id, kind, line, type, unit_id FROM symbols"
                      " WHERE key = ?1 LIMIT 65",
        [Q_CHUNK_AT] = "SELECT id FROM chunks WHERE file_id = ?1 AND line <= ?2 AND"
                       " end_line >= ?2 ORDER BY sym_id IS ?3 DESC, end_line - line LIMIT 1",
        [Q_UNIT_SIG] = "SELECT c.id FROM symbols s JOIN chunks c ON c.file_id = s.file_id"
                       " AND c.sym_id = s.id WHERE s.key = ?1 AND s.unit_id = s.id"
                       " ORDER BY c.kind = 'signature' DESC, c.line LIMIT 1",
        [Q_INSTANCES_IN] = "SELECT id, type FROM symbols WHERE file_id = ?1"
                           " AND kind = 'instance' AND line BETWEEN ?2 AND ?3"
                           " AND type IS NOT NULL LIMIT 4",
        [Q_INST_TARGET] = "SELECT unit_id FROM inst_targets WHERE inst_id = ?1",
        [Q_UNIT_SIG_ID] = "SELECT c.id FROM symbols s JOIN chunks c ON c.file_id = s.file_id"
                          " AND c.sym_id = s.id WHERE s.id = ?1"
                          " ORDER BY c.kind = 'signature' DESC, c.line LIMIT 1",
        [Q_DRIVERS] = "SELECT file_id, line FROM flows WHERE unit_id = ?1 AND target = ?2"
                      " AND kind IN (0, 1) ORDER BY line LIMIT 8",
        [Q_DATA_VERSION] = "PRAGMA data_version",
};

struct ra_searcher {
	ra_store *store;
	sqlite3 *db;
	const char *state_dir;
	ra_embedder *emb;
	const ra_logger *log;
	sqlite3_stmt *q[Q__COUNT];
	unsigned avail;
	ra_vecindex *vi;
	bool vi_possible;  /* an embedder and a state directory: the vector channel can run */
	char vi_stamp[64]; /* "size:mtime" of the vector file last read, "-" when absent */
	bool has_targets;  /* inst_targets (indexer/graph.h) resolves instances to units */
	ra_names *names;   /* distinct symbol names, for fuzzy matching (names.h) */
	bool names_loaded;
	int64_t names_gen[2];        /* the database's generation when the names were loaded */
	struct names_job *names_job; /* a table being built in the background, or NULL */
	ra_fts_df *df; /* chunk_fts's term frequencies, for long questions (lexical) */
	bool df_tried;
};

/* English function words: they carry no meaning for code search and match everywhere.
 * Sorted (binary search). */
static const char *const stop_words[] = {
        "a",     "about", "all",   "an",    "and",  "any",   "are",   "as",   "at",    "be",
        "been",  "being", "both",  "but",   "by",   "can",   "could", "did",  "do",    "does",
        "each",  "find",  "for",   "from",  "had",  "has",   "have",  "here", "how",   "i",
        "if",    "in",    "into",  "is",    "it",   "its",   "me",    "more", "most",  "my",
        "of",    "on",    "or",    "other", "our",  "show",  "so",    "some", "such",  "than",
        "that",  "the",   "their", "them",  "then", "there", "these", "they", "this",  "those",
        "to",    "too",   "very",  "was",   "we",   "were",  "what",  "when", "where", "which",
        "while", "who",   "whom",  "why",   "will", "with",  "would", "you",  "your",
};

static bool is_stop_word(const char *w, size_t n)
{
	char low[16];
	size_t lo = 0, hi = sizeof(stop_words) / sizeof(stop_words[0]);

	if (n >= sizeof(low))
		return false;
	for (size_t i = 0; i < n; i++)
		low[i] = (char)tolower((unsigned char)w[i]);
	low[n] = '\0';
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(low, stop_words[mid]);

		if (!c)
			return true;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return false;
}

static bool is_ident_char(int c)
{
	return isalnum(c) || c == '_' || c == '$';
}

/* ---- words of the query ------------------------------------------------------------------- */

#define MAX_WORDS 64

typedef struct qwords {
	const char *w[MAX_WORDS]; /* identifier-like words, stop words removed, in the arena */
	size_t n;
	char *text; /* the words joined by spaces (for the lexical channel) */
} qwords;

static int split_query(qwords *out, const char *q, bool drop_stop, ra_arena *a)
{
	ra_buf b;
	int rc = RA_OK;

	memset(out, 0, sizeof(*out));
	ra_buf_init(&b, RA_SEARCH_MAX_QUERY * 2);
	for (const char *p = q; *p && out->n < MAX_WORDS;) {
		const char *s;
		size_t n;
		bool dup = false;

		while (*p && !is_ident_char((unsigned char)*p))
			p++;
		s = p;
		while (*p && is_ident_char((unsigned char)*p))
			p++;
		n = (size_t)(p - s);
		if (!n || (drop_stop && is_stop_word(s, n)))
			continue;
		for (size_t i = 0; i < out->n && !dup; i++)
			dup = strlen(out->w[i]) == n && memcmp(out->w[i], s, n) == 0;
		if (dup)
			continue;
		out->w[out->n] = ra_arena_strndup(a, s, n);
		if (!out->w[out->n]) {
			rc = RA_ENOMEM;
			break;
		}
		out->n++;
		rc = (b.len ? ra_buf_putc(&b, ' ') : 0) || ra_buf_append(&b, s, n) ? RA_ENOMEM : 0;
		if (rc)
			break;
	}
	if (!rc)
		out->text = ra_arena_strndup(a, b.data ? b.data : "", b.len);
	if (!rc && !out->text)
		rc = RA_ENOMEM;
	ra_buf_free(&b);
	return rc;
}

/* ---- opening ------------------------------------------------------------------------------ */

static void path_match_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *glob = (const char *)sqlite3_value_text(argv[0]);
	const char *path = (const char *)sqlite3_value_text(argv[1]);
	const char *base;

	(void)argc;
	if (!glob || !path) {
		sqlite3_result_int(ctx, 0);
		return;
	}
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	sqlite3_result_int(ctx, fnmatch(glob, path, 0) == 0 ||
	                                (!strchr(glob, '/') && fnmatch(glob, base, 0) == 0));
}

static bool path_matches(const char *glob, const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	return fnmatch(glob, path, 0) == 0 || (!strchr(glob, '/') && fnmatch(glob, base, 0) == 0);
}

static bool table_exists(sqlite3 *db, const char *name)
{
	sqlite3_stmt *s = NULL;
	bool yes = false;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE name = ?1", -1, &s, NULL) ==
	    SQLITE_OK) {
		sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
		yes = sqlite3_step(s) == SQLITE_ROW;
	}
	sqlite3_finalize(s);
	return yes;
}

int ra_searcher_open(ra_searcher **out, ra_store *store, const char *state_dir,
                     ra_embedder *embedder, const ra_logger *log)
{
	ra_searcher *s = ra_calloc(1, sizeof(*s));
	bool has_chunks, has_fts;

	if (!s)
		return RA_ENOMEM;
	s->store = store;
	s->db = ra_store__db(store);
	s->state_dir = state_dir;
	s->emb = embedder;
	s->log = log;
	has_chunks = table_exists(s->db, "chunks");
	/* the store registers the tokenizer on every connection it opens */
	has_fts = has_chunks && table_exists(s->db, "chunk_fts");
	s->has_targets = table_exists(s->db, "inst_targets");
	if (sqlite3_create_function(s->db, "ra_path_match", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
	                            NULL, path_match_fn, NULL, NULL) != SQLITE_OK) {
		int rc = ra_error_set(RA_ERR, "search: %s", sqlite3_errmsg(s->db));

		ra_free(s);
		return rc;
	}
	if (has_chunks) {
		s->avail = RA_SEARCH_SYMBOL | RA_SEARCH_GRAPH;
		if (has_fts)
			s->avail |= RA_SEARCH_LEXICAL;
		s->vi_possible = embedder && state_dir;
		if (s->vi_possible)
			s->avail |= RA_SEARCH_VECTOR; /* until the vector file proves absent */
	} else {
		ra_log(log, RA_LOG_WARN, "search: the index has no chunks (run `rtlassist index`)");
	}
	*out = s;
	return RA_OK;
}

static void names_job_finish(ra_searcher *s, bool wait);

void ra_searcher_close(ra_searcher *s)
{
	if (!s)
		return;
	for (int i = 0; i < Q__COUNT; i++)
		sqlite3_finalize(s->q[i]);
	ra_vecindex_close(s->vi);
	names_job_finish(s, true);
	ra_names_free(s->names);
	ra_fts_df_close(s->df);
	ra_free(s);
}

unsigned ra_searcher_channels(const ra_searcher *s)
{
	return s->avail;
}

static sqlite3_stmt *query(ra_searcher *s, int which)
{
	sqlite3_stmt *st = s->q[which];

	if (st) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		return st;
	}
	if (sqlite3_prepare_v3(s->db, query_sql[which], -1, SQLITE_PREPARE_PERSISTENT, &s->q[which],
	                       NULL) != SQLITE_OK) {
		ra_error_set(RA_ERR, "search: prepare: %s", sqlite3_errmsg(s->db));
		return NULL;
	}
	return s->q[which];
}

static int db_error(ra_searcher *s, const char *what)
{
	return ra_error_set(RA_ERR, "search: %s: %s", what, sqlite3_errmsg(s->db));
}

/* ---- candidate lists ---------------------------------------------------------------------- */

typedef struct idlist {
	int64_t *ids;
	double *scores;
	size_t n, cap;
} idlist;

static int idlist_add(idlist *l, int64_t id, double score)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->ids[i] == id) {
			l->scores[i] += score;
			return RA_OK;
		}
	if (l->n == l->cap) {
		size_t cap = l->cap;

		if (ra_grow((void **)&l->ids, &cap, l->n + 1, sizeof(*l->ids)) ||
		    ra_grow((void **)&l->scores, &l->cap, l->n + 1, sizeof(*l->scores)))
			return RA_ENOMEM;
	}
	l->ids[l->n] = id;
	l->scores[l->n++] = score;
	return RA_OK;
}

static void idlist_free(idlist *l)
{
	ra_free(l->ids);
	ra_free(l->scores);
	memset(l, 0, sizeof(*l));
}

/* sorts by score, higher first (stable on ties: insertion order) */
static void idlist_sort_desc(idlist *l)
{
	for (size_t i = 1; i < l->n; i++) {
		int64_t id = l->ids[i];
		double sc = l->scores[i];
		size_t j = i;

		for (; j > 0 && l->scores[j - 1] < sc; j--) {
			l->ids[j] = l->ids[j - 1];
			l->scores[j] = l->scores[j - 1];
		}
		l->ids[j] = id;
		l->scores[j] = sc;
	}
}

/* ---- lexical ------------------------------------------------------------------------------ */

/* Terms a lexical query keeps: the rarest ones (ra_fts_query_rare). A long question ORs
   dozens of words that together hold most of the repository; BM25 would score each of those
   chunks (a docsize lookup per chunk) while the rare terms decide the top of the ranking. */
#define LEX_MAX_TERMS 16

static int lexical(ra_searcher *s, const qwords *qw, const ra_search_opts *o, size_t depth,
                   idlist *out)
{
	bool filtered = o->kind || o->path;
	sqlite3_stmt *st;
	char *match = NULL, *gate = NULL;
	int rc, src;

	if (!s->df_tried) {
		s->df_tried = true;
		if (ra_fts_df_open(&s->df, s->db) != RA_OK)
			ra_log(s->log, RA_LOG_WARN, "search: %s; long questions use every term",
			       ra_error_last());
	}
	rc = s->df ? ra_fts_query_gated(&match, &gate, qw->text, LEX_MAX_TERMS, s->df)
	           : ra_fts_query(&match, qw->text);
	if (rc == RA_ENOTFOUND)
		return RA_OK;
	if (rc)
		return rc;
	st = query(s, filtered ? Q_LEX_FILTERED : Q_LEX);
	if (!st) {
		ra_free(match);
		ra_free(gate);
		return RA_ERR;
	}
	sqlite3_bind_text(st, 1, match, -1, SQLITE_TRANSIENT);
	if (gate) /* only chunks holding a rare term are scored */
		sqlite3_bind_text(st, 7, gate, -1, SQLITE_TRANSIENT);
	sqlite3_bind_double(st, 2, RA_FTS_W_HEADER);
	sqlite3_bind_double(st, 3, RA_FTS_W_BODY);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)depth);
	if (filtered) {
		if (o->kind)
			sqlite3_bind_text(st, 5, o->kind, -1, SQLITE_STATIC);
		if (o->path)
			sqlite3_bind_text(st, 6, o->path, -1, SQLITE_STATIC);
	}
	ra_free(match);
	ra_free(gate);
	while ((src = sqlite3_step(st)) == SQLITE_ROW)
		if (idlist_add(out, sqlite3_column_int64(st, 0), -sqlite3_column_double(st, 1)))
			return RA_ENOMEM;
	rc = src == SQLITE_DONE ? RA_OK : db_error(s, "lexical");
	sqlite3_reset(st);
	return rc;
}

/* ---- vector ------------------------------------------------------------------------------- */

/* Nearest neighbours below this cosine are noise, not answers: a query sharing no token with a
   chunk lands near 0 under the builtin (hashed) embedder, about +-0.05 at 384 dimensions. */
#define VECTOR_MIN_COSINE 0.10f

/* "size:mtime_ns" of the vector file, "-" when it cannot be read */
static void vector_stamp(const char *path, char *out, size_t n)
{
	struct stat sb;

	if (stat(path, &sb) != 0)
		snprintf(out, n, "-");
	else
		snprintf(out, n, "%lld:%lld", (long long)sb.st_size,
		         (long long)sb.st_mtim.tv_sec * 1000000000ll + sb.st_mtim.tv_nsec);
}

/* reads the vector file again when it is not the one in memory (first query, re-index) */
static void vector_refresh(ra_searcher *s)
{
	char path[4096], stamp[64];
	int rc;

	if (!s->vi_possible)
		return;
	snprintf(path, sizeof(path), "%s/%s", s->state_dir, RA_VECTORS_FILE);
	vector_stamp(path, stamp, sizeof(stamp));
	if (strcmp(stamp, s->vi_stamp) == 0)
		return;
	snprintf(s->vi_stamp, sizeof(s->vi_stamp), "%s", stamp);
	ra_vecindex_close(s->vi);
	s->vi = NULL;
	if (!ra_vectors_compatible(s->store, ra_embedder_id(s->emb)))
		rc = ra_error_set(RA_EINVAL, "the vectors were not made by embedder %s (re-index)",
		                  ra_embedder_id(s->emb));
	else
		rc = ra_vecindex_read(&s->vi, path);
	if (!rc && ra_embedder_dim(s->emb) > 0 && ra_embedder_dim(s->emb) != ra_vecindex_dim(s->vi))
		rc = ra_error_set(RA_EINVAL,
		                  "vectors have %d dimensions, the embedder %d: re-index",
		                  ra_vecindex_dim(s->vi), ra_embedder_dim(s->emb));
	if (rc) {
		ra_log(s->log, rc == RA_ENOTFOUND ? RA_LOG_INFO : RA_LOG_WARN,
		       "search: vector channel off: %s", ra_error_last());
		ra_vecindex_close(s->vi);
		s->vi = NULL;
		s->avail &= ~(unsigned)RA_SEARCH_VECTOR;
	} else {
		ra_log(s->log, RA_LOG_DEBUG, "search: %zu vectors read from %s",
		       ra_vecindex_count(s->vi), path);
		s->avail |= RA_SEARCH_VECTOR;
	}
}

/* the vector channel: no SQLite, so it can run beside the others (vector_job); *mismatch is
   set when the query's vector does not fit the file (an HTTP embedder that changed dimension) */
static int vector(ra_searcher *s, const char *text, size_t depth, idlist *out, bool *mismatch)
{
	float *vec = NULL, *scores = NULL;
	int64_t *ids = NULL;
	int rc = RA_OK, found;

	if (!s->vi)
		return RA_OK;
	vec = ra_malloc((size_t)ra_vecindex_dim(s->vi) * sizeof(*vec));
	scores = ra_malloc(depth * sizeof(*scores));
	ids = ra_malloc(depth * sizeof(*ids));
	if (!vec || !scores || !ids) {
		rc = RA_ENOMEM;
		goto out;
	}
	rc = ra_embed(s->emb, &text, 1, vec, NULL);
	if (rc)
		goto out;
	if (ra_embedder_dim(s->emb) != ra_vecindex_dim(s->vi)) {
		*mismatch = true;
		goto out;
	}
	found = ra_vecindex_search(s->vi, vec, depth, scores, ids);
	if (found < 0) {
		rc = found;
		goto out;
	}
	for (int i = 0; i < found && !rc; i++)
		if (ids[i] >= 0 && scores[i] >= VECTOR_MIN_COSINE)
			rc = idlist_add(out, ids[i], scores[i]);
out:
	ra_free(vec);
	ra_free(scores);
	ra_free(ids);
	return rc;
}

#define MAX_FUZZY 12

/* What runs on a thread of its own beside the lexical channel: the vector channel (when `out`)
 * and the symbol channel's fuzzy match of names (when `names`: CPU only, over a table that
 * stays put during the search); the error message travels back in `err` */
typedef struct vector_job {
	ra_searcher *s;
	const char *text;
	size_t depth;
	idlist *out;
	/* fuzzy names: words[0..nwords) against `names`, the best in best[0..nbest) */
	const ra_names *names;
	const char *const *words;
	size_t nwords, nbest;
	ra_names_hit best[MAX_FUZZY];
	int rc;
	bool mismatch;
	double seconds; /* the job's own time */
	char err[512];
	pthread_t thread;
	bool running;
} vector_job;

static void *vector_main(void *arg)
{
	vector_job *j = arg;
	double t0 = ra_now();

	if (j->out)
		j->rc = vector(j->s, j->text, j->depth, j->out, &j->mismatch);
	if (!j->rc && j->names)
		j->rc = ra_names_fuzzy(j->best, &j->nbest, MAX_FUZZY, j->names, j->words,
		                       j->nwords);
	j->seconds = ra_now() - t0;
	if (j->rc)
		snprintf(j->err, sizeof(j->err), "%s", ra_error_last());
	return NULL;
}

/* starts the job, or runs it here when no thread can be had */
static void vector_start(vector_job *j)
{
	j->running = pthread_create(&j->thread, NULL, vector_main, j) == 0;
	if (!j->running)
		vector_main(j);
}

static int vector_join(vector_job *j)
{
	if (j->running)
		pthread_join(j->thread, NULL);
	j->running = false;
	if (j->mismatch && j->s->vi) {
		ra_log(j->s->log, RA_LOG_WARN,
		       "search: the embedder's vectors have %d dimensions, the file's %d: re-index;"
		       " vector channel off",
		       ra_embedder_dim(j->s->emb), ra_vecindex_dim(j->s->vi));
		ra_vecindex_close(j->s->vi);
		j->s->vi = NULL;
		j->s->avail &= ~(unsigned)RA_SEARCH_VECTOR;
	}
	return j->rc ? ra_error_set(j->rc, "%s", j->err) : RA_OK;
}

/* ---- symbol ------------------------------------------------------------------------------- */

/* The database's generation: PRAGMA data_version moves with other connections' commits, the
 * connection's total changes with its own. Equal generations: the same symbols. */
static int db_generation(ra_searcher *s, int64_t gen[2])
{
	sqlite3_stmt *st = query(s, Q_DATA_VERSION);
	int src;

	if (!st)
		return RA_ERR;
	src = sqlite3_step(st);
	gen[0] = src == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_reset(st);
	gen[1] = sqlite3_total_changes64(s->db);
	return src == SQLITE_ROW ? RA_OK : db_error(s, "data_version");
}

/* Below this many names a table is rebuilt in the query that finds it stale (tens of ms at
 * most); above, in the background while queries use the old one (OpenTitan: 100k names, 160 ms).
 * Exact names always come from SQL: only fuzzy matches can lag behind an index change. */
enum { NAMES_SYNC_MAX = 20000 };

/* the distinct names of the symbols fuzzy matching looks at, read through `db` */
static int read_names(sqlite3 *db, ra_names **out)
{
	sqlite3_stmt *st = NULL;
	ra_arena *a = ra_arena_new(0);
	const char **keys = NULL;
	size_t n = 0, cap = 0;
	int src, rc = RA_OK;

	*out = NULL;
	if (!a)
		return RA_ENOMEM;
	/* symbols_key covers (key, kind): an index-only scan */
	if (sqlite3_prepare_v2(db,
	                       "SELECT DISTINCT key FROM symbols WHERE kind NOT IN"
	                       " ('process', 'generate') AND length(key) > 1",
	                       -1, &st, NULL) != SQLITE_OK) {
		rc = ra_error_set(RA_ERR, "search: names: %s", sqlite3_errmsg(db));
		goto out;
	}
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		const char *k = (const char *)sqlite3_column_text(st, 0);

		if (!k)
			continue;
		if (ra_grow((void **)&keys, &cap, n + 1, sizeof(*keys)) ||
		    !(keys[n] = ra_arena_strdup(a, k))) {
			rc = RA_ENOMEM;
			break;
		}
		n++;
	}
	if (!rc && src != SQLITE_DONE)
		rc = ra_error_set(RA_ERR, "search: names: %s", sqlite3_errmsg(db));
	if (!rc)
		rc = ra_names_new(out, keys, n);
out:
	sqlite3_finalize(st);
	ra_free(keys);
	ra_arena_free(a);
	return rc;
}

/* the name table loaded now, through the searcher's connection */
static int load_names(ra_searcher *s)
{
	double t0 = ra_now();
	int rc;

	s->names_loaded = true;
	rc = db_generation(s, s->names_gen);
	if (!rc)
		rc = read_names(s->db, &s->names);
	if (!rc)
		ra_log(s->log, RA_LOG_DEBUG, "search: %zu names loaded in %.1f ms (%zu KiB)",
		       ra_names_count(s->names), (ra_now() - t0) * 1e3,
		       ra_names_bytes(s->names) / 1024);
	return rc;
}

/* A table built on a thread of its own, over a read-only connection of its own. */
typedef struct names_job {
	pthread_t thread;
	char *db_path;
	int64_t gen[2]; /* the generation the searcher saw when it started: the job's snapshot is
	                   at least that new */
	ra_names *names;
	int rc;
	char err[256];
	double seconds;
	atomic_bool done;
} names_job;

static void *names_job_run(void *arg)
{
	names_job *j = arg;
	sqlite3 *db = NULL;
	double t0 = ra_now();

	if (sqlite3_open_v2(j->db_path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		j->rc = ra_error_set(RA_ERR, "search: names: %s", sqlite3_errmsg(db));
	} else {
		sqlite3_busy_timeout(db, 5000);
		j->rc = read_names(db, &j->names);
	}
	if (j->rc)
		snprintf(j->err, sizeof(j->err), "%s", ra_error_last());
	sqlite3_close(db);
	j->seconds = ra_now() - t0;
	atomic_store(&j->done, true);
	return NULL;
}

/* Takes a finished job's table (waiting for it when `wait`); a failed job leaves the old
 * table and is logged. */
static void names_job_finish(ra_searcher *s, bool wait)
{
	names_job *j = s->names_job;

	if (!j || (!wait && !atomic_load(&j->done)))
		return;
	pthread_join(j->thread, NULL);
	if (!j->rc) {
		ra_names_free(s->names);
		s->names = j->names;
		memcpy(s->names_gen, j->gen, sizeof(s->names_gen));
		ra_log(s->log, RA_LOG_DEBUG,
		       "search: %zu names read again in the background in %.1f ms",
		       ra_names_count(s->names), j->seconds * 1e3);
	} else {
		ra_log(s->log, RA_LOG_WARN, "%s; fuzzy names stay as they were", j->err);
	}
	ra_free(j->db_path);
	ra_free(j);
	s->names_job = NULL;
}

/* Follows index changes: a small table is dropped (the symbol channel loads it again), a big
 * one is rebuilt in the background while queries keep using it. */
static int names_refresh(ra_searcher *s)
{
	int64_t gen[2];
	const char *path;
	names_job *j;
	int rc;

	if (!s->names_loaded)
		return RA_OK;
	names_job_finish(s, false);
	if (s->names_job)
		return RA_OK; /* still building */
	rc = db_generation(s, gen);
	if (rc || (gen[0] == s->names_gen[0] && gen[1] == s->names_gen[1]))
		return rc;
	path = sqlite3_db_filename(s->db, "main");
	if (s->names && ra_names_count(s->names) > NAMES_SYNC_MAX && path && *path &&
	    (j = ra_calloc(1, sizeof(*j))) != NULL) {
		memcpy(j->gen, gen, sizeof(j->gen));
		atomic_init(&j->done, false);
		if ((j->db_path = ra_strdup(path)) != NULL &&
		    pthread_create(&j->thread, NULL, names_job_run, j) == 0) {
			s->names_job = j;
			ra_log(s->log, RA_LOG_DEBUG,
			       "search: the index changed; names read again in the background");
			return RA_OK;
		}
		ra_free(j->db_path);
		ra_free(j);
	}
	ra_log(s->log, RA_LOG_DEBUG, "search: the index changed; names read again");
	ra_names_free(s->names);
	s->names = NULL;
	s->names_loaded = false;
	return RA_OK;
}

/* how much a symbol kind says about a chunk: units first, then what engineers name */
static double kind_weight(const char *kind)
{
	int k = ra_model_kind_from_name(kind);

	if (k < 0)
		return 0.5;
	if (ra_model_kind_is_unit((ra_sym_kind)k))
		return 1.0;
	switch (k) {
	case RA_SYM_INSTANCE:
	case RA_SYM_FUNCTION:
	case RA_SYM_TASK:
	case RA_SYM_TYPEDEF:
	case RA_SYM_COMPONENT:
	case RA_SYM_MACRO:
	case RA_SYM_PROCESS:
		return 0.8;
	case RA_SYM_PORT:
	case RA_SYM_PARAM:
	case RA_SYM_LOCALPARAM:
		return 0.6;
	default:
		return 0.5;
	}
}

/* a signal the graph channel may expand to its drivers */
typedef struct signal_hit {
	int64_t unit_id;
	char key[128];
	double score;
} signal_hit;

typedef struct symctx {
	idlist *out;
	signal_hit sig[4];
	size_t nsig;
} symctx;

/* the chunk containing the declaration of symbol `sym_id` at `line` of `file_id` */
static int chunk_at(ra_searcher *s, int64_t file_id, int64_t line, int64_t sym_id, int64_t *out)
{
	sqlite3_stmt *st = query(s, Q_CHUNK_AT);
	int src;

	if (!st)
		return RA_ERR;
	sqlite3_bind_int64(st, 1, file_id);
	sqlite3_bind_int64(st, 2, line);
	sqlite3_bind_int64(st, 3, sym_id);
	src = sqlite3_step(st);
	*out = src == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return src == SQLITE_ROW || src == SQLITE_DONE ? RA_OK : db_error(s, "chunk at");
}

/* every symbol with this key becomes its declaration's chunk, weighted by how rare the key is */
static int symbols_of_key(ra_searcher *s, const char *key, double match, size_t max, symctx *cx)
{
	sqlite3_stmt *st = query(s, Q_SYM_KEY);
	struct {
		int64_t id, file, line, unit;
		double w;
		bool signal;
	} rows[65];
	size_t n = 0;
	int src, rc = RA_OK;
	double rarity;

	if (!st)
		return RA_ERR;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	while (n < 65 && (src = sqlite3_step(st)) == SQLITE_ROW) {
		const char *kind = (const char *)sqlite3_column_text(st, 2);

		rows[n].id = sqlite3_column_int64(st, 0);
		rows[n].file = sqlite3_column_int64(st, 1);
		rows[n].line = sqlite3_column_int64(st, 3);
		rows[n].unit = sqlite3_column_int64(st, 5);
		rows[n].w = kind_weight(kind ? kind : "");
		rows[n].signal = kind && (strcmp(kind, "net") == 0 || strcmp(kind, "var") == 0 ||
		                          strcmp(kind, "port") == 0);
		n++;
	}
	sqlite3_reset(st);
	if (!n)
		return RA_OK;
	/* a name declared in 64 places says little about any one of them */
	rarity = 1.0 / log2(2.0 + (double)n);
	for (size_t i = 0; i < n && i < max && !rc; i++) {
		int64_t chunk;
		double sc = match * rows[i].w * rarity;

		rc = chunk_at(s, rows[i].file, rows[i].line, rows[i].id, &chunk);
		if (!rc && chunk)
			rc = idlist_add(cx->out, chunk, sc);
		if (!rc && rows[i].signal && rows[i].unit && match >= 1.0 && n <= 8 &&
		    cx->nsig < sizeof(cx->sig) / sizeof(cx->sig[0]) && strlen(key) < 128) {
			signal_hit *h = &cx->sig[cx->nsig++];

			h->unit_id = rows[i].unit;
			strcpy(h->key, key);
			h->score = sc;
		}
	}
	return rc;
}

/* how much a query word looks like an identifier: '_', digits, inner capitals, then length */
static int ident_score(const char *w)
{
	int sc = (int)strlen(w);

	for (const char *p = w; *p; p++)
		if (*p == '_' || *p == '$' || isdigit((unsigned char)*p) ||
		    (p > w && isupper((unsigned char)*p)))
			sc += 100;
	return sc;
}

#define SYMBOL_WORDS 12 /* words of a long question looked up as names */
#define FUZZY_WORDS 6   /* of those, matched fuzzily */

/* the words of a question looked up as names: the most identifier-like ones, best first */
static size_t symbol_words(const qwords *qw, const char *words[SYMBOL_WORDS])
{
	size_t nw = 0;

	for (size_t i = 0; i < qw->n; i++) {
		const char *w = qw->w[i];
		size_t j;

		if (strlen(w) < 2)
			continue;
		if (nw < SYMBOL_WORDS)
			nw++;
		else if (ident_score(w) <= ident_score(words[nw - 1]))
			continue;
		for (j = nw - 1; j > 0 && ident_score(words[j - 1]) < ident_score(w); j--)
			words[j] = words[j - 1];
		words[j] = w;
	}
	return nw;
}

/* the symbol channel's exact part: each word as written, and lower-cased for VHDL's folded
 * keys */
static int symbol_exact(ra_searcher *s, const char *const *words, size_t nw, symctx *cx)
{
	int rc = RA_OK;

	for (size_t i = 0; i < nw && !rc; i++) {
		char low[256];
		size_t n = strlen(words[i]);

		if (n >= sizeof(low))
			continue;
		rc = symbols_of_key(s, words[i], 1.0, 32, cx);
		for (size_t j = 0; j <= n; j++)
			low[j] = (char)tolower((unsigned char)words[i][j]);
		if (!rc && strcmp(low, words[i]) != 0)
			rc = symbols_of_key(s, low, 1.0, 32, cx);
	}
	return rc;
}

/* the symbol channel's fuzzy part, from the names the first words matched together (the job
 * beside lexical: vector_main), then the list cut to `depth` */
static int symbol_fuzzy(ra_searcher *s, const ra_names_hit *best, size_t nbest, size_t depth,
                        symctx *cx)
{
	int rc = RA_OK;

	for (size_t j = 0; j < nbest && !rc; j++)
		rc = symbols_of_key(s, ra_names_get(s->names, best[j].name), 0.5 * best[j].score, 8,
		                    cx);
	if (!rc) {
		idlist_sort_desc(cx->out);
		if (cx->out->n > depth)
			cx->out->n = depth;
	}
	return rc;
}

/* ---- graph -------------------------------------------------------------------------------- */

typedef struct chunk_row {
	int64_t id, file_id;
	uint32_t line, end_line;
	const char *path, *kind, *unit; /* in the results arena */
} chunk_row;

static int chunk_get(ra_searcher *s, int64_t id, chunk_row *out, ra_arena *a)
{
	sqlite3_stmt *st = query(s, Q_CHUNK);
	int src;

	if (!st)
		return RA_ERR;
	sqlite3_bind_int64(st, 1, id);
	src = sqlite3_step(st);
	if (src == SQLITE_ROW) {
		const char *unit = (const char *)sqlite3_column_text(st, 5);

		out->id = id;
		out->file_id = sqlite3_column_int64(st, 0);
		out->path = ra_arena_strdup(a, (const char *)sqlite3_column_text(st, 1));
		out->kind = ra_arena_strdup(a, (const char *)sqlite3_column_text(st, 2));
		out->line = (uint32_t)sqlite3_column_int64(st, 3);
		out->end_line = (uint32_t)sqlite3_column_int64(st, 4);
		out->unit = unit ? ra_arena_strdup(a, unit) : NULL;
		sqlite3_reset(st);
		return out->path && out->kind && (!unit || out->unit) ? RA_OK : RA_ENOMEM;
	}
	sqlite3_reset(st);
	return src == SQLITE_DONE ? RA_ENOTFOUND : db_error(s, "chunk");
}

static int add_rows(ra_searcher *s, sqlite3_stmt *st, idlist *out, double score)
{
	int src, rc = RA_OK;

	while (!rc && (src = sqlite3_step(st)) == SQLITE_ROW)
		rc = idlist_add(out, sqlite3_column_int64(st, 0), score);
	if (!rc && src != SQLITE_DONE)
		rc = db_error(s, "graph");
	sqlite3_reset(st);
	return rc;
}

/* the signature chunk of the unit an instance instantiates: resolved by the indexer's graph
 * when it ran, else the unit of that name */
static int instantiated_unit(ra_searcher *s, int64_t inst, const char *type, idlist *out,
                             double score)
{
	sqlite3_stmt *st;

	if (s->has_targets) {
		int64_t unit = 0;

		if (!(st = query(s, Q_INST_TARGET)))
			return RA_ERR;
		sqlite3_bind_int64(st, 1, inst);
		if (sqlite3_step(st) == SQLITE_ROW)
			unit = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		if (unit) {
			if (!(st = query(s, Q_UNIT_SIG_ID)))
				return RA_ERR;
			sqlite3_bind_int64(st, 1, unit);
			return add_rows(s, st, out, score);
		}
	}
	if (!(st = query(s, Q_UNIT_SIG)))
		return RA_ERR;
	sqlite3_bind_text(st, 1, type, -1, SQLITE_TRANSIENT);
	return add_rows(s, st, out, score);
}

static int graph(ra_searcher *s, const ra_search_fused *first, size_t nfirst, const symctx *cx,
                 size_t depth, idlist *out, ra_arena *a)
{
	int rc = RA_OK;

	/* instances inside the best hits bring the instantiated units' signatures */
	for (size_t i = 0; i < nfirst && !rc && out->n < depth; i++) {
		chunk_row r;
		sqlite3_stmt *st;
		struct {
			int64_t id;
			char type[128];
		} inst[4];
		size_t ni = 0;
		int src;

		rc = chunk_get(s, first[i].id, &r, a);
		if (rc == RA_ENOTFOUND) {
			rc = RA_OK;
			continue;
		}
		if (rc || !(st = query(s, Q_INSTANCES_IN)))
			return rc ? rc : RA_ERR;
		sqlite3_bind_int64(st, 1, r.file_id);
		sqlite3_bind_int64(st, 2, r.line);
		sqlite3_bind_int64(st, 3, r.end_line);
		while (ni < 4 && (src = sqlite3_step(st)) == SQLITE_ROW) {
			const char *t = (const char *)sqlite3_column_text(st, 1);

			if (!t || strlen(t) >= sizeof(inst[0].type))
				continue;
			inst[ni].id = sqlite3_column_int64(st, 0);
			strcpy(inst[ni++].type, t);
		}
		sqlite3_reset(st);
		for (size_t t = 0; t < ni && !rc; t++)
			rc = instantiated_unit(s, inst[t].id, inst[t].type, out,
			                       1.0 / (double)(i + 1));
	}
	/* a signal named in the query brings the statements that drive it */
	for (size_t i = 0; i < cx->nsig && !rc; i++) {
		sqlite3_stmt *st = query(s, Q_DRIVERS);
		struct {
			int64_t file, line;
		} d[8];
		size_t nd = 0;
		int src;

		if (!st)
			return RA_ERR;
		sqlite3_bind_int64(st, 1, cx->sig[i].unit_id);
		sqlite3_bind_text(st, 2, cx->sig[i].key, -1, SQLITE_STATIC);
		while (nd < 8 && (src = sqlite3_step(st)) == SQLITE_ROW) {
			d[nd].file = sqlite3_column_int64(st, 0);
			d[nd].line = sqlite3_column_int64(st, 1);
			nd++;
		}
		sqlite3_reset(st);
		for (size_t j = 0; j < nd && !rc; j++) {
			int64_t chunk;

			rc = chunk_at(s, d[j].file, d[j].line, -1, &chunk);
			if (!rc && chunk)
				rc = idlist_add(out, chunk, cx->sig[i].score / (double)(j + 2));
		}
	}
	if (!rc) {
		idlist_sort_desc(out);
		if (out->n > depth)
			out->n = depth;
	}
	return rc;
}

/* ---- results ------------------------------------------------------------------------------ */

/* the line of `text` that holds most query words (ignoring case), trimmed and capped */
static const char *snippet_of(const char *text, const qwords *qw, ra_arena *a)
{
	const char *best = NULL, *best_end = NULL;
	int best_n = -1;

	for (const char *p = text; *p;) {
		const char *e = strchr(p, '\n'), *s = p;
		int n = 0;

		if (!e)
			e = p + strlen(p);
		while (s < e && isspace((unsigned char)*s))
			s++;
		if (s < e) {
			for (size_t i = 0; i < qw->n; i++) {
				size_t lw = strlen(qw->w[i]);

				if (lw < 2)
					continue;
				for (const char *t = s; t + lw <= e; t++)
					if (strncasecmp(t, qw->w[i], lw) == 0) {
						n++;
						break;
					}
			}
			if (n > best_n) {
				best_n = n;
				best = s;
				best_end = e;
			}
		}
		p = *e ? e + 1 : e;
	}
	if (!best)
		return ra_arena_strdup(a, "");
	while (best_end > best && isspace((unsigned char)best_end[-1]))
		best_end--;
	if (best_end - best > 160) {
		best_end = best + 160;
		while (best_end > best && ((unsigned char)*best_end & 0xC0) == 0x80)
			best_end--; /* not inside a UTF-8 sequence */
	}
	return ra_arena_strndup(a, best, (size_t)(best_end - best));
}

static int chunk_text(ra_searcher *s, int64_t id, const qwords *qw, ra_arena *a, const char **out)
{
	sqlite3_stmt *st = query(s, Q_TEXT);
	int src;

	if (!st)
		return RA_ERR;
	sqlite3_bind_int64(st, 1, id);
	src = sqlite3_step(st);
	*out = snippet_of(src == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : "", qw, a);
	sqlite3_reset(st);
	if (src != SQLITE_ROW && src != SQLITE_DONE)
		return db_error(s, "chunk text");
	return *out ? RA_OK : RA_ENOMEM;
}

void ra_search_results_free(ra_search_results *r)
{
	if (!r)
		return;
	ra_arena_free(r->arena);
	memset(r, 0, sizeof(*r));
}

static int check_opts(const ra_search_opts *o, size_t *top)
{
	const char *q = o->query;
	size_t len;
	bool word = false;

	if (!q)
		return ra_error_set(RA_EINVAL, "no query");
	len = strlen(q);
	if (len > RA_SEARCH_MAX_QUERY)
		return ra_error_set(RA_ETOOBIG, "the query is %zu bytes; at most %d", len,
		                    RA_SEARCH_MAX_QUERY);
	for (const char *p = q; *p && !word; p++)
		word = isalnum((unsigned char)*p) || *p == '_';
	if (!len || !word)
		return ra_error_set(RA_EINVAL, "the query has no word or identifier");
	*top = o->top ? o->top : 10;
	if (*top > RA_SEARCH_MAX_TOP)
		return ra_error_set(RA_EINVAL, "top must be 1..%d", RA_SEARCH_MAX_TOP);
	if (o->kind) {
		static const char *const kinds[] = {"signature", "process",    "assigns",
		                                    "instance",  "subprogram", "declarations",
		                                    "generate",  "other"};
		bool known = false;

		for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]) && !known; i++)
			known = strcmp(o->kind, kinds[i]) == 0;
		if (!known)
			return ra_error_set(
			        RA_EINVAL,
			        "unknown kind '%s'; kinds: signature process "
			        "assigns instance subprogram declarations generate other",
			        o->kind);
	}
	if (o->path && !*o->path)
		return ra_error_set(RA_EINVAL, "empty path glob");
	return RA_OK;
}

static int add_hit(ra_search_results *r, size_t *cap, const chunk_row *c, const ra_search_fused *f)
{
	ra_search_hit *h;

	if (r->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		ra_search_hit *nh = ra_arena_alloc(r->arena, ncap * sizeof(*nh));

		if (!nh)
			return RA_ENOMEM;
		if (r->n)
			memcpy(nh, r->hits, r->n * sizeof(*nh));
		r->hits = nh;
		*cap = ncap;
	}
	h = &r->hits[r->n++];
	*h = (ra_search_hit){
	        .chunk = c->id,
	        .file = c->path,
	        .line = c->line,
	        .end_line = c->end_line,
	        .unit = c->unit,
	        .kind = c->kind,
	        .score = f->score,
	        .channels = f->channels,
	};
	return RA_OK;
}

int ra_search(ra_search_results *out, ra_searcher *s, const ra_search_opts *o)
{
	ra_search_weights wd;
	const ra_search_weights *w = o->weights;
	unsigned want;
	size_t top = 0, per_file = o->per_file ? o->per_file : 2, nfirst = 0, nfused = 0, hcap = 0;
	idlist lists[RA_SEARCH_NCHANNELS] = {{0}};
	ra_search_ranked ranked[RA_SEARCH_NCHANNELS];
	ra_search_fused *first = NULL, *fused = NULL;
	int64_t *hit_files = NULL;
	symctx cx = {0};
	idlist sym = {0};
	const char *words[SYMBOL_WORDS];
	size_t nwords = 0;
	vector_job vj = {0};
	qwords qw;
	double t[5] = {0}, t_fuzzy = 0; /* stage ends, for the debug log */
	int rc;

	memset(out, 0, sizeof(*out));
	rc = check_opts(o, &top);
	if (rc)
		return rc;
	rc = names_refresh(s);
	if (rc)
		return rc;
	want = o->channels ? o->channels : RA_SEARCH_ALL;
	if (want & RA_SEARCH_VECTOR)
		vector_refresh(s);
	want &= s->avail;
	if (!w) {
		ra_search_weights_default(&wd);
		w = &wd;
	}
	out->arena = ra_arena_new(0);
	if (!out->arena)
		return RA_ENOMEM;
	rc = split_query(&qw, o->query, true, out->arena);
	if (!rc && !qw.n) /* only stop words: search for them after all */
		rc = split_query(&qw, o->query, false, out->arena);
	if (rc)
		goto out;

	/* beside the lexical channel, on a thread: the vector channel and the fuzzy match of
	   names (the table is loaded first, here: the thread only reads it) */
	vj = (vector_job){.s = s,
	                  .text = o->query,
	                  .depth = w->depth[1] * (o->kind || o->path ? 4 : 1),
	                  .out = want & RA_SEARCH_VECTOR ? &lists[1] : NULL,
	                  .words = words};
	if (want & (RA_SEARCH_SYMBOL | RA_SEARCH_GRAPH)) {
		nwords = symbol_words(&qw, words);
		if (!s->names_loaded && (rc = load_names(s)) != 0)
			goto out;
		vj.names = s->names;
		vj.nwords = nwords < FUZZY_WORDS ? nwords : FUZZY_WORDS;
	}
	if (vj.out || vj.names) {
		if (!(want & RA_SEARCH_LEXICAL))
			vector_main(&vj); /* little to overlap it with */
		else
			vector_start(&vj);
	}
	t[0] = ra_now();
	if (want & RA_SEARCH_LEXICAL) {
		rc = lexical(s, &qw, o, w->depth[0], &lists[0]);
		if (rc)
			goto out;
	}
	t[1] = ra_now();
	cx.out = &sym;
	if (want & (RA_SEARCH_SYMBOL | RA_SEARCH_GRAPH)) {
		rc = symbol_exact(s, words, nwords, &cx);
		if (rc)
			goto out;
	}
	t[2] = ra_now();
	rc = vector_join(&vj);
	if (rc)
		goto out;
	t[3] = ra_now();
	if (want & (RA_SEARCH_SYMBOL | RA_SEARCH_GRAPH)) {
		rc = symbol_fuzzy(s, vj.best, vj.nbest, w->depth[2], &cx);
		if (rc)
			goto out;
		if (want & RA_SEARCH_SYMBOL) {
			lists[2] = sym;
			sym = (idlist){0};
		}
	}
	t_fuzzy = ra_now() - t[3];
	out->channels_used = want & s->avail;
	for (int c = 0; c < 3; c++)
		ranked[c] = (ra_search_ranked){lists[c].ids, lists[c].n, w->w[c], 1u << c};
	if (want & RA_SEARCH_GRAPH) {
		rc = ra_search_fuse(&first, &nfirst, ranked, 3, w->rrf_k);
		if (!rc)
			rc = graph(s, first, nfirst < w->graph_sources ? nfirst : w->graph_sources,
			           &cx, w->depth[3], &lists[3], out->arena);
		if (rc)
			goto out;
	}
	t[4] = ra_now();
	ranked[3] = (ra_search_ranked){lists[3].ids, lists[3].n, w->w[3] * w->graph_decay,
	                               RA_SEARCH_GRAPH};
	rc = ra_search_fuse(&fused, &nfused, ranked, RA_SEARCH_NCHANNELS, w->rrf_k);
	if (rc)
		goto out;

	/* best first: filter, merge overlapping spans of a file, cap per file */
	hit_files = ra_malloc((top + 1) * sizeof(*hit_files));
	if (!hit_files) {
		rc = RA_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < nfused && out->n < top; i++) {
		chunk_row c;
		size_t in_file = 0;
		bool merged = false;

		rc = chunk_get(s, fused[i].id, &c, out->arena);
		if (rc == RA_ENOTFOUND) { /* the vector file is older than the database */
			rc = RA_OK;
			continue;
		}
		if (rc)
			goto out;
		if ((o->kind && strcmp(c.kind, o->kind) != 0) ||
		    (o->path && !path_matches(o->path, c.path)))
			continue;
		for (size_t j = 0; j < out->n && !merged; j++) {
			ra_search_hit *h = &out->hits[j];

			if (hit_files[j] != c.file_id)
				continue;
			in_file++;
			if (c.line <= h->end_line && c.end_line >= h->line) {
				h->line = c.line < h->line ? c.line : h->line;
				h->end_line = c.end_line > h->end_line ? c.end_line : h->end_line;
				h->channels |= fused[i].channels;
				merged = true;
			}
		}
		if (merged || in_file >= per_file)
			continue;
		hit_files[out->n] = c.file_id;
		rc = add_hit(out, &hcap, &c, &fused[i]);
		if (rc)
			goto out;
	}
	for (size_t i = 0; i < out->n && !rc; i++)
		rc = chunk_text(s, out->hits[i].chunk, &qw, out->arena, &out->hits[i].snippet);
	if (!rc)
		ra_log(s->log, RA_LOG_DEBUG,
		       "search: lexical %.1f ms, symbol %.1f ms (exact names) + %.1f ms (fuzzy"
		       " ones), vector and fuzzy matching %.1f ms beside them (%.1f ms more "
		       "waited),"
		       " graph %.1f ms, results %.1f ms",
		       (t[1] - t[0]) * 1e3, (t[2] - t[1]) * 1e3, t_fuzzy * 1e3, vj.seconds * 1e3,
		       (t[3] - t[2]) * 1e3, (t[4] - t[3] - t_fuzzy) * 1e3, (ra_now() - t[4]) * 1e3);
out:
	vector_join(&vj); /* after a failure of another channel: its list is freed below */
	idlist_free(&sym);
	for (int c = 0; c < RA_SEARCH_NCHANNELS; c++)
		idlist_free(&lists[c]);
	ra_free(first);
	ra_free(fused);
	ra_free(hit_files);
	if (rc)
		ra_search_results_free(out);
	return rc;
}
