/*
 * search.h - search over the index: a question in words or identifiers in, a ranked and explained
 * list of code chunks out.
 *
 * Design: four channels each rank chunks (the `chunks` table the indexer writes):
 *  - lexical: FTS5 over `chunk_fts` with the code-aware tokenizer (fts.h), BM25 with column
 *    weights; English stop words are dropped from the question first; a long question keeps its
 *    16 rarest terms, and when the terms mix rare ones (in fewer than RA_FTS_DF_CAP chunks) with
 *    common ones, only chunks holding a rare term are scored (ra_fts_query_gated): on
 *    OpenTitan lexical p99 117 -> 35 ms CPU, MRR@10 unchanged on both benchmark sets;
 *  - vector: the query embedded by the caller's embedder, nearest chunks in the faiss file the
 *    indexer wrote beside the database (absent embedder or file: channel off); it runs on a
 *    thread of its own while the lexical and symbol channels run on the caller's;
 *  - symbol: names in the query matched against the `symbols` table, exactly through its index,
 *    then fuzzily (prefix, sub-word, edit distance) through an in-memory table of the distinct
 *    names built on the first query (names.h: sorted sub-word starts, names by length); a symbol
 *    gives the chunk that contains its declaration;
 *  - what a searcher keeps in memory follows the index: the name table is built again after any
 *    commit to the database (PRAGMA data_version, the connection's total changes), the vector
 *    file read again when its size or mtime changed — so a daemon's searcher stays right after a
 *    re-index, at the cost of one stat and one pragma per query; a table of more than 20,000
 *    names is rebuilt on a thread of its own (its own read-only connection) while queries keep
 *    using the old one, so fuzzy matches may lag a re-index by the rebuild (160 ms on OpenTitan);
 *    ra_searcher_close waits for it;
 *  - graph: the first fused hits are expanded one hop — an instance brings the instantiated
 *    unit's signature chunk, a signal named in the query the chunks that drive it (`flows`) — at a
 *    decayed weight.
 * Fusion is reciprocal rank fusion, score = sum over channels of w / (k + rank), k = 60; chunks
 * of one file whose line ranges overlap are merged; at most `per_file` results per file. Every
 * result carries the set of channels that found it.
 *
 * Thread-safety: a searcher uses its store's connection; one thread at a time, like the store.
 * During ra_search it also uses its embedder from a second thread it starts and joins: the
 * embedder must not be used elsewhere meanwhile.
 */
#ifndef RA_SEARCH_H
#define RA_SEARCH_H

#include "indexer/embed.h"
#include "indexer/store.h"

/* Channels, as bits of a mask. */
enum {
	RA_SEARCH_LEXICAL = 1u << 0,
	RA_SEARCH_VECTOR = 1u << 1,
	RA_SEARCH_SYMBOL = 1u << 2,
	RA_SEARCH_GRAPH = 1u << 3,
	RA_SEARCH_ALL = 0xfu
};
#define RA_SEARCH_NCHANNELS 4

/* Hard caps on what a caller may ask. */
#define RA_SEARCH_MAX_QUERY 4096
#define RA_SEARCH_MAX_TOP 1000

/* The weights of fusion. Defaults: ra_search_weights_default(). */
typedef struct ra_search_weights {
	double rrf_k;                        /* 60 */
	double w[RA_SEARCH_NCHANNELS];       /* per channel, in bit order of the mask */
	double graph_decay;                  /* multiplier per hop of expansion */
	unsigned graph_sources;              /* how many first-stage hits are expanded */
	unsigned depth[RA_SEARCH_NCHANNELS]; /* candidates taken from each channel */
} ra_search_weights;

void ra_search_weights_default(ra_search_weights *out);

typedef struct ra_search_opts {
	const char *query; /* words and/or identifiers; at most RA_SEARCH_MAX_QUERY bytes */
	size_t top;        /* results wanted, 1..RA_SEARCH_MAX_TOP; 0 means 10 */
	const char *kind;  /* only chunks of this kind ("process", "signature"...), or NULL */
	const char *path;  /* only files whose workspace-relative path matches this glob (fnmatch;
			       `*` crosses `/`; a glob without `/` also matches the file name) */
	unsigned channels; /* RA_SEARCH_* mask; 0 means all */
	size_t per_file;   /* at most this many results per file; 0 means 2 */
	const ra_search_weights *weights; /* NULL: defaults */
} ra_search_opts;

/* One result. Lines are 0-based like the store; strings live in the result set's arena. */
typedef struct ra_search_hit {
	int64_t chunk;    /* id of the best chunk of the (merged) span */
	const char *file; /* workspace-relative */
	uint32_t line, end_line;
	const char *unit;    /* enclosing design unit, NULL when none */
	const char *kind;    /* chunk kind */
	double score;        /* fused score */
	unsigned channels;   /* RA_SEARCH_* bits of every channel that found it */
	const char *snippet; /* the chunk's line that best matches the query, trimmed */
} ra_search_hit;

typedef struct ra_search_results {
	ra_search_hit *hits;
	size_t n;
	unsigned channels_used; /* channels that ran (vector absent without embedder or file) */
	ra_arena *arena;        /* owns every string and the array */
} ra_search_results;

void ra_search_results_free(ra_search_results *r);

/* "lexical", "vector", "symbol", "graph" for one bit; NULL otherwise. */
const char *ra_search_channel_name(unsigned bit);

typedef struct ra_searcher ra_searcher;

/*
 * Prepares searching `store` (open, read-only is enough). `state_dir` is where the vector file
 * lives (NULL: no vector channel), `embedder` turns the query into a vector (NULL: no vector
 * channel); both borrowed and must outlive the searcher. `log` may be NULL.
 * Returns 0 and the caller's searcher (ra_searcher_close), RA_ENOMEM, RA_ERR.
 * A database without chunk tables yields a searcher whose channels find nothing.
 */
int ra_searcher_open(ra_searcher **out, ra_store *store, const char *state_dir,
                     ra_embedder *embedder, const ra_logger *log);
void ra_searcher_close(ra_searcher *s);

/* Channels this searcher can run (RA_SEARCH_* bits). */
unsigned ra_searcher_channels(const ra_searcher *s);

/*
 * Runs one query. Returns 0 and the caller's results in *out (possibly empty), RA_EINVAL for an
 * empty query, one without a word or identifier, a bad top or an unknown kind, RA_ETOOBIG for a
 * query over RA_SEARCH_MAX_QUERY, RA_ERR for a database failure; the message says which.
 */
int ra_search(ra_search_results *out, ra_searcher *s, const ra_search_opts *opts);

/* ---- the pieces, for tests and the benchmark ---------------------------------------------- */

/* One channel's ranked list, best first. */
typedef struct ra_search_ranked {
	const int64_t *ids;
	size_t n;
	double weight; /* this channel's weight (already decayed for graph) */
	unsigned channel;
} ra_search_ranked;

/* A fused candidate. */
typedef struct ra_search_fused {
	int64_t id;
	double score;
	unsigned channels;
	uint32_t best_rank; /* best 1-based rank in any list */
} ra_search_fused;

/*
 * Reciprocal rank fusion of `nlists` lists: score(id) = sum of weight / (k + rank). A repeated id
 * within one list counts at its first rank. Ties are broken by more channels, then the better
 * best rank, then the smaller id, so the order is total and reproducible.
 * Returns 0 and the caller's array (ra_free) in *out with *n entries, best first; RA_ENOMEM.
 */
int ra_search_fuse(ra_search_fused **out, size_t *n, const ra_search_ranked *lists, size_t nlists,
                   double k);

/*
 * Fuzzy match of one query word against one name (both any case): 1.0 for equal ignoring case,
 * 0.8 a prefix (word of at least 3 letters), 0.7 a whole sub-word of the name (snake_case,
 * camelCase, digits), 0.5 within edit distance 1 (2 for words of 8 letters or more);
 * 0 otherwise.
 */
double ra_search_name_match(const char *word, const char *name);

#endif /* RA_SEARCH_H */
