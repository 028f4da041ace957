/*
 * lsp_internal.h - what the server loop (server.c) and the request handlers (handlers_*.c,
 * query.c) share: the server object, open documents, symbols wherever they live, and helpers
 * that turn them into LSP JSON. Private to lsp/.
 *
 * Everything here is used by the main thread only (it owns the documents, the read connection
 * and the request arena); the reader and index threads talk to it through the queue in server.c.
 */
#ifndef RA_LSP_INTERNAL_H
#define RA_LSP_INTERNAL_H

#include "indexer/model.h"
#include "indexer/store.h"
#include "indexer/sv.h"
#include "lsp/jsonrpc.h"
#include "lsp/position.h"
#include "lsp/server.h"
#include "retriever/gen.h"

#include <jansson.h>
#include <pthread.h>

/* an open document: the client's text overrides the file on disk */
typedef struct lsp_doc {
	char *uri;
	char *abs; /* absolute path */
	char *rel; /* workspace-relative path */
	ra_lang lang;
	ra_buf text;
	ra_lines lines;
	ra_model *model;  /* parsed from text; rebuilt when dirty */
	ra_sv_tree *tree; /* open SystemVerilog documents being edited: the syntax tree of the last
	                     parse, with the changes since applied, for an incremental re-parse
	                     (kept only once a document changes: a tree weighs several times its
	                     text, and most open documents are only read) */
	bool edited;      /* changed since it was opened */
	bool provisional; /* model from an incremental parse of a text with syntax errors: a fresh
	                     parse confirms it when the server is idle (lsp_docs_settle) */
	double parsed_at; /* ra_now() of the last parse */
	int32_t *units;   /* indexes of the model's design units */
	struct lsp_ref_index *refs_by_name; /* the model's references by name (handlers_nav.c),
	                                       built on first use, dropped with the model */
	size_t nunits, units_cap;
	bool dirty;
	bool open; /* opened by the client (else read from disk for one request) */
	int64_t version;
	int64_t mtime_ns; /* closed documents: of the file read */
	uint64_t size;
} lsp_doc;

/* a file's text read from disk, kept for column conversion (UTF-16) and comments */
typedef struct lsp_file {
	char *rel;
	char *text;
	size_t len;
	ra_lines lines;
	bool ascii;
	int64_t mtime_ns;
	uint64_t size;
	uint64_t checked; /* lsp_server.gen when last compared with the disk */
} lsp_file;

#define LSP_FILE_CACHE 512
#define LSP_CLOSED_CACHE 8

/* a name of the workspace/symbol table */
typedef struct lsp_wsym {
	const char *name, *kind, *rel, *container;
	ra_span span;
	ra_lang lang;
	int64_t file_id;
} lsp_wsym;

/* a file as the workspace/symbol table last saw it (its content's hash) */
typedef struct lsp_wsym_file {
	int64_t id;
	char blob[48];
} lsp_wsym_file;

typedef struct lsp_item lsp_item;       /* queue entry (server.c) */
typedef struct lsp_gen_job lsp_gen_job; /* a model request in flight (gen_job.c) */

struct sqlite3_stmt;
/* statements of the read connection, prepared once (query.c) */
typedef struct lsp_stmt {
	const char *sql; /* identity: a static string */
	struct sqlite3_stmt *st;
} lsp_stmt;
#define LSP_NSTMT 64 /* distinct statements kept per server; about 30 in use */

typedef struct lsp_server {
	ra_lsp_opts opts;
	ra_lsp_workspace ws;
	bool have_ws;
	ra_store *rd; /* read-only connection of the main thread; NULL until an index exists */
	struct ra_graph *
	        graph; /* design-graph queries over rd, refreshed per request (handlers_custom.c) */
	/* rtlassist/search over rd (handlers_custom.c), opened on the first search and kept: it
	   loads the vector file and the name table once and reloads them when the index changes;
	   its embedder is the server's own (an embedder serves one thread), from ws.embed */
	struct ra_searcher *searcher;
	struct ra_embedder *search_emb;
	lsp_doc **docs;
	size_t ndocs, docs_cap;
	ra_sv_parser *svp;
	ra_arena *arena; /* per request; reset after every reply */

	bool utf16;
	bool initialized, shutdown, done;
	bool client_progress, client_snippets;
	bool client_doc_changes; /* workspace edits as documentChanges (rename) */
	int exit_code;
	bool fold_lines_only; /* the client folds whole lines (foldingRange.lineFoldingOnly) */
	uint32_t fold_limit;  /* the client's foldingRange.rangeLimit, 0 for none */

	/* queue between the threads, guarded by mu */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	lsp_item *head, *tail;
	json_t *cancelled; /* array of id keys cancelled while queued or running */

	/* the reader thread */
	pthread_t reader;
	bool reader_started;

	/* the index worker: jobs under mu, woken by jobs_cv */
	pthread_t indexer;
	bool indexer_started;
	pthread_cond_t jobs_cv;
	json_t *jobs; /* array of path arrays; an empty array is a full run */
	bool stop;
	volatile int cancel_index;
	int64_t progress_token;
	bool indexing;

	/* caches, rebuilt after every index run */
	lsp_wsym *wsyms;
	size_t nwsyms;
	bool wsyms_valid; /* built */
	bool wsyms_stale; /* the index changed since: refresh the files that did */
	ra_arena *wsym_arena;
	lsp_wsym_file *wsym_files; /* by id */
	size_t nwsym_files;
	size_t wsym_garbage; /* files refreshed since the last full build (their old strings) */
	lsp_doc *closed[LSP_CLOSED_CACHE]; /* files read from disk for requests, newest first */
	lsp_file files[LSP_FILE_CACHE];
	size_t next_file;
	lsp_file *last_file; /* the latest lookup, trusted for the rest of the message */
	uint64_t gen;        /* counts the messages handled */

	lsp_stmt stmts[LSP_NSTMT];
	int64_t next_request_id; /* server -> client requests */
	char current_key[96];    /* id key of the request being handled */
	json_t *current_id;      /* and its id (borrowed from the message) */

	/* model requests in flight (gen_job.c), guarded by mu */
	lsp_gen_job *gen_jobs;
	size_t ngen_jobs;
	int wake[2];                           /* written to stop the reader thread */
	struct lsp_inline_cache *inline_cache; /* model completions (handlers_inline.c) */
	ra_buf result_text; /* the request's result as JSON text (lsp_result_text), or empty */
} lsp_server;

/* a symbol wherever it lives: an open document's model (doc set) or the store (id set) */
typedef struct lsym {
	const char *name, *kind, *type, *dir, *dims, *value;
	const char *rel; /* workspace-relative file */
	const char *unit;
	ra_span name_span, span;
	ra_lang lang;
	int64_t id;      /* store id, 0 for model symbols */
	int64_t unit_id; /* store id of the enclosing unit */
	lsp_doc *doc;    /* model symbols: the document and the index in its model */
	int32_t idx;
} lsym;

typedef struct lsyms {
	lsym *v;
	size_t n, cap;
} lsyms;

/* request handlers: fill *result (a new reference) or return an RPC error code with *msg */
typedef int (*lsp_handler)(lsp_server *s, json_t *params, json_t **result, const char **msg);

/* ---- server.c ------------------------------------------------------------------------------ */
int lsp_send(lsp_server *s, json_t *msg); /* steals msg */
/* A handler's result written as JSON text by the handler itself (thousands of references:
 * no JSON tree to build, dump and free): takes `json`'s memory (leaving it empty); the
 * handler then returns 0 with *result NULL and the reply carries the text as is. */
void lsp_result_text(lsp_server *s, ra_buf *json);
/* Writing that text: each appends to `b` and returns 0 or ra_buf's error. lsp_put_str writes a
 * JSON string, escaped; a `str` that is not valid UTF-8 (which jansson refuses too) writes
 * nothing and returns RA_EINVAL. */
int lsp_put_u32(ra_buf *b, uint32_t v);
int lsp_put_int(ra_buf *b, int64_t v);
int lsp_put_str(ra_buf *b, const char *str);
/* true when `str` is valid UTF-8, what lsp_put_str and jansson accept */
bool lsp_is_utf8(const char *str);
/* how a file's byte columns become the client's, decided once for many ranges of one file (as
 * lsp_range does for one): `text` NULL when they are the same; borrowed until the next file
 * lookup (another rel) or the end of the message */
typedef struct lsp_cols {
	const char *text;
	size_t len;
	const ra_lines *lines;
} lsp_cols;
void lsp_cols_of(lsp_server *s, const char *rel, lsp_cols *out);
uint32_t lsp_col(const lsp_cols *c, uint32_t line, uint32_t bcol);
/* an LSP range, {"start":{"line","character"},"end":{...}}, the value lsp_range builds */
int lsp_put_range(ra_buf *b, const lsp_cols *c, ra_span sp);
/* an LSP location, {"uri","range"}, the value lsp_location builds; `w` (zeroed for each reply)
 * keeps the URI and columns of the latest file, for runs of locations in one file */
typedef struct lsp_locw {
	const char *rel, *uri; /* s->arena */
	lsp_cols cols;
} lsp_locw;
int lsp_put_location(lsp_server *s, lsp_locw *w, ra_buf *b, const char *rel, ra_span sp);
/* the columns of `rel` through `w` (and w->uri its URI); NULL on OOM */
const lsp_cols *lsp_locw_cols(lsp_server *s, lsp_locw *w, const char *rel);
void lsp_log(lsp_server *s, ra_log_level level, const char *fmt, ...) RA_PRINTF(3, 4);
bool lsp_is_cancelled(lsp_server *s);
ra_store *lsp_store(lsp_server *s);
lsp_doc *lsp_doc_find(lsp_server *s, const char *uri);
lsp_doc *lsp_doc_by_rel(lsp_server *s, const char *rel);
/* the document a request names (open, or read from disk into a temporary document owned by
 * the request); RPC error code and message when outside the workspace or unreadable */
int lsp_doc_for(lsp_server *s, json_t *params, lsp_doc **out, const char **msg);
/* parses a document if its text changed */
int lsp_doc_model(lsp_server *s, lsp_doc *d);
/* workspace-relative path of a URI; NULL when not a file inside the workspace */
const char *lsp_uri_rel(lsp_server *s, const char *uri);
const char *lsp_rel_uri(lsp_server *s, const char *rel);
bool lsp_lang_of(lsp_server *s, const char *path, ra_lang *out);
void lsp_publish_diagnostics(lsp_server *s, lsp_doc *d);
/* With nothing queued: re-parses afresh one document whose model is provisional and that has
 * not changed for LSP_SETTLE_DELAY seconds, and publishes its diagnostics again when the model
 * changed. Returns 0 when it did, else the seconds until one is due, or -1 for none. */
#define LSP_SETTLE_DELAY 0.5
double lsp_docs_settle(lsp_server *s);

/* position helpers: the byte offset of an LSP position in a document */
int lsp_position(lsp_server *s, lsp_doc *d, json_t *params, size_t *offset, uint32_t *line,
                 uint32_t *bcol, const char **msg);
/* LSP range of a span in a workspace file (open document or disk) */
json_t *lsp_range(lsp_server *s, const char *rel, ra_span sp);
json_t *lsp_location(lsp_server *s, const char *rel, ra_span sp);
/* true when the file's text is ASCII only (columns are the same in every encoding) */
bool lsp_file_ascii(lsp_server *s, const char *rel);
/* the text of a file (open document or disk); NULL when unreadable */
const char *lsp_file_text(lsp_server *s, const char *rel, size_t *len, const ra_lines **lines);

/* ---- query.c ------------------------------------------------------------------------------- */
void lsyms_push(lsp_server *s, lsyms *l, const lsym *y);
bool lsp_name_eq(const char *a, const char *b, ra_lang lang);
void lsym_from_model(lsp_server *s, lsym *out, lsp_doc *d, int32_t idx);
int32_t lsp_model_unit_of(const ra_model *m, int32_t idx);
/* innermost model symbol whose extent holds (line, col) and that scopes names, -1 for none */
int32_t lsp_model_scope_at(const ra_model *m, uint32_t line, uint32_t col);
bool lsp_span_has(ra_span sp, uint32_t line, uint32_t col);
/* design units named `name` (open documents first, then the store) */
int lsp_q_units(lsp_server *s, const char *name, lsyms *out);
/* every symbol named `name` */
int lsp_q_find(lsp_server *s, const char *name, lsyms *out);
/* direct children of a symbol, in declaration order */
int lsp_q_children(lsp_server *s, const lsym *parent, lsyms *out);
/* members of a stored unit (and enum members of its typedefs) whose names start with `prefix`
 * (case-insensitively), in declaration order, at most `limit`: for completion in big packages */
int lsp_q_members_prefix(lsp_server *s, const lsym *unit, const char *prefix, size_t limit,
                         lsyms *out);
/* the ports and parameters of a unit (for a VHDL architecture: its entity's) */
int lsp_q_interface(lsp_server *s, const lsym *unit, lsyms *out);
/* instances anywhere of the unit named `name` */
int lsp_q_instances_of(lsp_server *s, const char *name, ra_lang lang, lsyms *out);
/* instances inside a unit (through generate scopes) */
int lsp_q_instances_in(lsp_server *s, const lsym *unit, lsyms *out);
/* the unit (as an lsym) enclosing a symbol */
int lsp_q_unit_of(lsp_server *s, const lsym *y, lsym *out);
/* the best unit named `name` for a use in language `lang` (same language first) */
bool lsp_q_best_unit(lsp_server *s, const char *name, ra_lang lang, lsym *out);

/* a statement of the read connection (SQL text must be static); NULL without an index */
struct sqlite3_stmt *lsp_stmt_get(lsp_server *s, const char *sql);
void lsp_query_release(lsp_server *s);
/* the unit that instance `inst` of an open document's model instantiates */
bool lsp_instance_unit(lsp_server *s, lsp_doc *d, int32_t inst, lsym *out);

/* the identifier at a byte offset: its start and length; false when none */
bool lsp_word_at(const char *text, size_t len, size_t off, size_t *start, size_t *n);
/* what a name at a position denotes */
int lsp_resolve(lsp_server *s, lsp_doc *d, size_t off, lsyms *out, const char **word);

/* one-line signature of a symbol ("input logic [7:0] din") */
const char *lsp_sym_decl(lsp_server *s, const lsym *y);
/* a unit's full signature, with parameters and ports, as source-like text */
const char *lsp_unit_signature(lsp_server *s, const lsym *unit);
/* width in bits from a type text, or NULL when not computable */
const char *lsp_width(lsp_server *s, const char *type, ra_lang lang);
/* the comment right above a line of a file, NULL when none */
const char *lsp_comment_above(lsp_server *s, const char *rel, uint32_t line, ra_lang lang);
bool lsp_kind_is(const char *kind, const char *what);
bool lsp_kind_is_unit(const char *kind);

/* ---- gen_job.c: model requests off the main thread ---------------------------------------- */

/* a handler's return when its reply will be sent later, by a model job */
#define LSP_DEFERRED 1

typedef struct lsp_gen_spec {
	const ra_generator *g;
	const ra_gen_request *req; /* deep-copied by lsp_gen_start */
	const char *tag;           /* a new job with the same tag cancels the older one, or NULL */
	int delay_ms;              /* wait this long before contacting the model (debounce) */
	json_t *progress_token;    /* borrowed; if set, each piece of text is sent as it arrives:
	                              $/progress {"token": T, "value": {"delta": "<text>"}} */
	/* runs on the main thread when generation ends (code 0, RA_ECANCELLED when superseded or
	   shut down, or an error with err); builds the reply: returns 0 and *result, or a JSON-RPC
	   error code and *msg (static or s->arena) */
	int (*finish)(lsp_server *s, json_t *ctx, const char *text, size_t len, int code,
	              const char *err, json_t **result, const char **msg);
	json_t *ctx;     /* the handler's state for finish; the job takes this reference */
	bool background; /* answers no request: finish runs for its side effects (a cache), its
	                    result is dropped; lsp_gen_start then returns 0 */
} lsp_gen_spec;

/*
 * Starts a model request answering the request being handled: the reply is sent by the job when
 * generation ends; `$/cancelRequest` on that request cancels the model call (the client then
 * gets RequestCancelled). Returns LSP_DEFERRED, which the handler returns, or a JSON-RPC error
 * code with *msg (spec->ctx is released then too). A background job answers no request and
 * returns 0 when started.
 */
int lsp_gen_start(lsp_server *s, const lsp_gen_spec *spec, const char **msg);
/* cancels every job (shutdown) and waits for their threads */
void lsp_gen_stop_all(lsp_server *s);
/* server.c hands the job's queue items back to gen_job.c on the main thread */
void lsp_gen__text(lsp_server *s, lsp_gen_job *job, const char *text, size_t len);
void lsp_gen__done(lsp_server *s, lsp_gen_job *job);
/* and gen_job.c posts them from its threads: a piece of text (copied), and the end through an
 * item allocated when the job starts, so that the end always reaches the main thread */
void lsp__post_gen_text(lsp_server *s, lsp_gen_job *job, const char *text, size_t len);
lsp_item *lsp__gen_done_item(lsp_gen_job *job);
void lsp__post_item(lsp_server *s, lsp_item *it); /* steals it */
void lsp__item_free(lsp_item *it);
/* with s->mu held: marks the jobs answering request `key` cancelled by the client */
void lsp_gen__cancel_key_locked(lsp_server *s, const char *key);

/* ---- handlers ------------------------------------------------------------------------------ */
int lsp_h_definition(lsp_server *s, json_t *p, json_t **r, const char **m);
int lsp_h_declaration(lsp_server *s, json_t *p, json_t **r, const char **m);
int lsp_h_references(lsp_server *s, json_t *p, json_t **r, const char **m);
int lsp_h_highlight(lsp_server *s, json_t *p, json_t **r, const char **m);
void lsp_ref_index_free(struct lsp_ref_index *ix); /* accepts NULL */
/* a use of a name, as textDocument/references answers it: the file (in the request arena or
 * a model), the name's span (byte columns), and whether the index knows the file ASCII only */
typedef struct lsp_ref_hit {
	const char *rel;
	ra_span sp;
	bool ascii;
} lsp_ref_hit;
/* the uses of what `res` resolved to (lsp_resolve; the name `word` when nothing did), the
 * declarations too when include_decl: *out (request arena) sorted by file and position, without
 * duplicates; RA_ECANCELLED when the request was cancelled, RA_ENOMEM when a use could not be
 * kept (the list is then incomplete) */
int lsp_refs_collect(lsp_server *s, const lsyms *res, const char *word, bool include_decl,
                     lsp_ref_hit **out, size_t *n);
/* handlers_rename.c: textDocument/prepareRename and textDocument/rename */
int lsp_h_prepare_rename(lsp_server *s, json_t *p, json_t **r, const char **m);
int lsp_h_rename(lsp_server *s, json_t *p, json_t **r, const char **m);
int lsp_h_hover(lsp_server *s, json_t *p, json_t **r, const char **m);
int lsp_h_document_symbol(lsp_server *s, json_t *p, json_t **r, const char **m);
int lsp_h_workspace_symbol(lsp_server *s, json_t *p, json_t **r, const char **m);
int lsp_h_completion(lsp_server *s, json_t *p, json_t **r, const char **m);
int lsp_h_signature_help(lsp_server *s, json_t *p, json_t **r, const char **m);
int lsp_h_call_prepare(lsp_server *s, json_t *p, json_t **r, const char **m);
int lsp_h_call_incoming(lsp_server *s, json_t *p, json_t **r, const char **m);
int lsp_h_call_outgoing(lsp_server *s, json_t *p, json_t **r, const char **m);
int lsp_h_explain(lsp_server *s, json_t *p, json_t **r, const char **m);
int lsp_h_hierarchy(lsp_server *s, json_t *p, json_t **r, const char **m);
int lsp_h_trace(lsp_server *s, json_t *p, json_t **r, const char **m);
int lsp_h_search(lsp_server *s, json_t *p, json_t **r, const char **m);
/* handlers_folding.c: textDocument/foldingRange and textDocument/documentLink */
int lsp_h_folding_range(lsp_server *s, json_t *p, json_t **r, const char **m);
int lsp_h_document_link(lsp_server *s, json_t *p, json_t **r, const char **m);
/* handlers_inline.c: textDocument/inlineCompletion; the model's suggestion for ordinary
   completion (from the cache only: never waits); the cache's memory at the end */
int lsp_h_inline_completion(lsp_server *s, json_t *p, json_t **r, const char **m);
void lsp_inline_add_item(lsp_server *s, lsp_doc *d, size_t off, uint32_t line, uint32_t bcol,
                         json_t *items, bool *incomplete);
void lsp_inline_free(lsp_server *s);
/* diagnostics of a parsed document: syntax errors plus instance checks against the index */
json_t *lsp_diagnostics(lsp_server *s, lsp_doc *d);
/* the index changed: the workspace/symbol table refreshes the files whose content changed
 * before its next use */
void lsp_wsyms_invalidate(lsp_server *s);
void lsp_wsyms_free(lsp_server *s);

#endif /* RA_LSP_INTERNAL_H */
