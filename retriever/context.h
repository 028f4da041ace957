/*
 * context.h - the prompt of a code completion: the text around the cursor and the repository
 * context a model needs to write the next line, chosen by the retriever and packed into a token
 * budget (in the spirit of RepoCoder, Tabby and RTLRepoCoder, written for HDL).
 *
 * Design: the buffer is cut into a prefix window (the lines before the cursor, up to 45% of the
 * budget) and a suffix window (after it, up to 15%), both on line boundaries. The rest of the
 * budget holds excerpts of the repository, each with a reason and a priority:
 *  - "ports": the signature (parameters and ports, as source-like text) of the unit being
 *    instantiated at the cursor (the caller's hint, or the instance of `model` around the
 *    cursor), then of units instantiated near the cursor;
 *  - "declaration": the declaration of each identifier used near the cursor (closest first)
 *    that is not visible in the windows: from this buffer's model (outside the windows), or from
 *    the store when it is declared in a package the file imports, a file it includes, file level
 *    ($unit, macros), a VHDL architecture's entity, or is unique in the workspace;
 *  - "import": a one-line-per-member summary of each package the file imports;
 *  - "similar": chunks of other files (one each) that share the rarest names of the lines
 *    before the cursor. Each name (up to 12, nearest the cursor first) is looked up whole in
 *    chunk_fts (indexer/fts.h, ra_fts_query_idents) with a capped walk of its doclist: the
 *    chunks holding it, at most 1000. Names in 1000 chunks or more (clk_i, rst_ni) are left out;
 *    of the others, the 6 rarest while the chunks to score stay under 3000. A chunk scores the
 *    sum of its names' IDF, times 1.25 when it is in the buffer's folder; the shorter breaks
 *    ties. FTS5's bm25() is not used: it scores every chunk holding any query term and, on an
 *    index without positions, tokenises each again (p95 over 60 ms on OpenTitan).
 * Excerpts are taken by priority while they fit; one that overlaps an excerpt already taken,
 * or (in this file) the windows, is skipped. Tokens are estimated as bytes / 3.5 (HDL source,
 * BPE tokenizers of code models) — a budget, not an exact count.
 *
 * Cost (tests/bench/bench_completion_context, OpenTitan, 72k chunks): a build runs a few dozen
 * indexed lookups; a unit's signature and a package's summary each walk their file's symbols
 * once, from the unit on and up to the next unit (not the whole file, not once per typedef).
 *
 * Thread-safety: one build uses the store's connection; one thread at a time, like the store.
 */
#ifndef RA_CONTEXT_H
#define RA_CONTEXT_H

#include "indexer/model.h"
#include "indexer/store.h"
#include "retriever/gen.h"

#define RA_CONTEXT_DEFAULT_BUDGET 1536
#define RA_CONTEXT_MIN_BUDGET 64
#define RA_CONTEXT_MAX_BUDGET 32768
#define RA_CONTEXT_MAX_TEXT (64u << 20) /* buffers larger than this are refused */

typedef struct ra_context_opts {
	const char *path; /* the file being edited, workspace-relative */
	const char *text; /* its current text (the editor's buffer) */
	size_t len;
	size_t cursor; /* byte offset in text, <= len */
	ra_lang lang;
	const ra_model *model; /* parsed from text, or NULL (then no model-based candidates) */
	int budget;            /* tokens of the whole prompt; 0: RA_CONTEXT_DEFAULT_BUDGET */
	const char *unit_hint; /* the unit being instantiated at the cursor, when the caller knows
	                          it (lsp/complete.h); NULL otherwise */
	bool no_similar;       /* leave out "similar" excerpts (benchmarks of the rest) */
	int context_max;       /* at most this many tokens of repository context; 0: what the
	                          windows leave of the budget; < 0: none */
} ra_context_opts;

/* One excerpt of the repository context, parallel to req.context. */
typedef struct ra_context_item {
	const char *path, *text; /* text in the context's arena */
	const char *why;         /* "ports", "declaration", "import", "similar" */
	const char *name;        /* the unit or identifier it is about; NULL for similar code */
	uint32_t line, end_line; /* 0-based lines of `path` it covers (synthesised text: the
	                            declaration's) */
	int tokens;
} ra_context_item;

/* Where one build's time went (ra_now, seconds) and what the similar-code query was: for
 * benchmarks and debug logs. */
typedef struct ra_context_stats {
	double t_total, t_ports, t_decls, t_imports, t_similar;
	int similar_probes; /* names whose document frequency was counted */
	int similar_terms;  /* names in the query (0: no query ran) */
	int similar_rows;   /* chunks holding a query name: what BM25 ranked */
} ra_context_stats;

typedef struct ra_context {
	ra_gen_request req; /* RA_GEN_FIM: path, prefix, suffix, context[] (most useful first) */
	ra_context_item *items;
	size_t nitems;
	size_t prefix_start, suffix_end; /* the windows are text[prefix_start, suffix_end) */
	int prefix_tokens, suffix_tokens, context_tokens;
	ra_context_stats stats;
	ra_arena *arena; /* owns every string and array above */
} ra_context;

/*
 * Assembles the prompt for a completion at opts->cursor. `store` may be NULL (no index yet: only
 * the windows and declarations from `model`). Returns 0 and *out (free with ra_context_free),
 * RA_EINVAL for a cursor past the text or a budget out of range, RA_ETOOBIG for a text over
 * RA_CONTEXT_MAX_TEXT, RA_ENOMEM; a failing store query leaves that candidate out (the context
 * is still built).
 */
int ra_context_build(ra_context *out, ra_store *store, const ra_context_opts *opts);
void ra_context_free(ra_context *c);

/* The estimated number of tokens of len bytes of source. */
int ra_context_tokens(size_t len);

/*
 * A digest (32 hex digits + NUL into out; two 64-bit FNV-1a hashes, not cryptographic) of
 * everything a FIM prompt depends on: path, prefix, suffix and every context excerpt. Equal keys:
 * the same prompt, for caching a finished generation.
 */
void ra_context_key(char out[33], const ra_gen_request *req);

#endif /* RA_CONTEXT_H */
