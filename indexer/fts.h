/*
 * fts.h - lexical search over chunks: SQLite FTS5 with a code-aware tokenizer of our own.
 *
 * The tokenizer "ra_code" keeps every identifier whole and also emits its sub-words (snake_case,
 * camelCase, letter/digit boundaries: `rdAddr_q2` -> rdaddr_q2, rd, addr, q, 2), case-folded, and
 * expands common HDL abbreviations both ways through one table (wr/write, rd/read, addr/address,
 * vld/valid, rdy/ready, en/enable, clk/clock, rst/reset, cnt/count, ptr/pointer, req/request,
 * ack/acknowledge, tx/transmit, rx/receive, sel/select, ...), so that a query in words finds code
 * in abbreviations and the reverse. Queries go through the same tokenizer.
 *
 * The index stores each token once: the other spellings are added to a query's terms by the
 * tokenizer (FTS5 synonyms), so "write" also matches wr, we, wdata and waddr.
 *
 * Table (created by the store's migrations): chunk_fts(header, body), external content on
 * `chunks` (rowid = chunks.id), kept in step by the store's own statements beside every insert
 * and delete of chunks (not triggers: see store.c, migration 8). header = "path unit kind",
 * body = the chunk's text. Rank with bm25(chunk_fts, RA_FTS_W_HEADER, RA_FTS_W_BODY). A quoted query
 * string is one term (the tokenizer does not split queries): ra_fts_query writes each
 * sub-word as a term of its own.
 */
#ifndef RA_FTS_H
#define RA_FTS_H

#include "base/base.h"

struct sqlite3;

#define RA_FTS_TOKENIZER "ra_code"
#define RA_FTS_W_HEADER 4.0
#define RA_FTS_W_BODY 1.0

/* Registers the "ra_code" tokenizer on a connection. Call on every connection before the chunk
 * table is created or used. Returns 0 or RA_ERR. */
int ra_fts_register(struct sqlite3 *db);

/*
 * Turns free text (a user's question, identifiers) into an FTS5 MATCH expression: the text's
 * tokens, each quoted, OR-ed together (BM25 then ranks by how many match and how rare they are).
 * Returns 0 and the caller's string (ra_free) in *out, RA_ENOTFOUND when the text has no token.
 */
int ra_fts_query(char **out, const char *text);

/* The same with each identifier whole: no sub-words, no abbreviations. For code looking like
 * code (completion's similar code): whole names are rare tokens, so the query is selective and
 * cheap where sub-words ("data", "valid", "q") would rank most of the repository. */
int ra_fts_query_idents(char **out, const char *text);

/*
 * Document frequencies of chunk_fts's terms, counted up to RA_FTS_DF_CAP and cached. One per
 * connection; not thread-safe (like the connection). The caller owns it: ra_fts_df_close (NULL
 * is fine). Returns 0, RA_ENOMEM or RA_ERR (no chunk_fts).
 */
typedef struct ra_fts_df ra_fts_df;

#define RA_FTS_DF_CAP 500

int ra_fts_df_open(ra_fts_df **out, struct sqlite3 *db);
void ra_fts_df_close(ra_fts_df *df);

/* The number of chunks a query term matches (the term or one of its other spellings, as
 * ra_fts_query's quoted terms match), at most RA_FTS_DF_CAP; 0 when none. Returns 0, RA_ENOMEM
 * or RA_ERR. */
int ra_fts_df_get(int64_t *out, ra_fts_df *df, const char *term);

/*
 * ra_fts_query for long questions: of the text's terms, only the max_terms rarest (fewest
 * chunks holding the term or another spelling of it), and only terms the index holds. A question
 * of a hundred words otherwise ORs terms that together match most chunks, and BM25 then scores
 * every one of them; the rare terms are the ones that decide the ranking. Returns as
 * ra_fts_query, or RA_ERR when reading frequencies fails.
 */
int ra_fts_query_rare(char **out, const char *text, size_t max_terms, ra_fts_df *df);

/*
 * ra_fts_query_rare, and in *gate (the caller's, ra_free; NULL when it does not apply) the OR of
 * the kept terms held by fewer than RA_FTS_DF_CAP chunks, when the kept terms mix such rare
 * terms with common ones. Ranking only the chunks that hold a rare term — scored by BM25 over
 * every kept term — spares scoring the thousands that hold nothing but common words (what makes
 * a short question such as "write width of the RAM" slow) while the chunks that can rank first
 * stay (search.c). Returns as ra_fts_query_rare.
 */
int ra_fts_query_gated(char **out, char **gate, const char *text, size_t max_terms, ra_fts_df *df);

/* Calls fn for each token the tokenizer produces for `text` (for tests and for the embedder,
 * which uses the same sub-words). A non-zero return from fn stops and is returned. */
int ra_fts_tokens(const char *text, size_t len, int (*fn)(const char *tok, size_t n, void *payload),
                  void *payload);

#endif /* RA_FTS_H */
