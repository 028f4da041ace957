/*
 * server.h - the Language Server: `rtlassist lsp` speaking LSP over a pair of file descriptors
 * (stdin/stdout).
 *
 * Design: three threads. A reader thread turns frames into JSON-RPC messages and queues them,
 * applying `$/cancelRequest` to requests still queued. The main thread owns every piece of
 * mutable state (open documents and their parsed models, the read-only store connection, the
 * per-request arena) and answers one message at a time. An index worker owns the store's write
 * connection: it indexes the workspace at start (reporting `$/progress`) and re-indexes saved
 * files, posting its progress back through the queue, so requests are answered meanwhile (WAL
 * lets the main thread read while the worker writes).
 *
 * The workspace (root, settings, state directory, writer lock) belongs to the caller (daemon/):
 * the server asks for it through `open` once it knows the root (the forced `root`, else the
 * client's rootUri), and gives it back through `close`.
 */
#ifndef RA_LSP_SERVER_H
#define RA_LSP_SERVER_H

#include "indexer/index.h"
#include "retriever/gen.h"

#include <jansson.h>

typedef struct lsp_server ra_lsp_session; /* one running server (opaque) */

typedef struct ra_lsp_workspace {
	const char *root;    /* absolute */
	const char *db_path; /* the index database */
	const char *state_dir;
	ra_index_opts index; /* template of an indexing run (root, extensions, libraries, threads,
			         limits, log, embedder); store, progress, cancel and paths are the
			         server's */
	bool writable;       /* the caller holds the writer lock: the server may index */
	/* completion settings (`complete.*`); 0: the defaults (150 ms, 1024 tokens), < 0 for
	   context_tokens: no repository context in prompts */
	int complete_debounce_ms, complete_context_tokens;
	/* language models (retriever/gen.h), owned by the caller until `close`; NULL when none is
	   configured: then nothing is ever sent anywhere */
	const ra_generator *complete; /* fill in the middle: inline and model completion */
	const ra_generator *chat;     /* conversation: prose explanations */
	/* the embedder settings (indexer/embed.h), borrowed until `close`: the server opens an
	   embedder of its own for the search's vector channel; NULL: search without vectors */
	const struct ra_embed_config *embed;
	void *handle; /* the caller's */
} ra_lsp_workspace;

typedef struct ra_lsp_opts {
	int in_fd, out_fd;
	const char
	        *root; /* forced workspace root; NULL: the client's, else the current directory */
	/* fills *out for `root` (NULL: the caller's default) at `initialize`; `settings` is the
	   client's initializationOptions.settings (borrowed, may be NULL): the models it names
	   override the settings files'. 0 or an error code with a message */
	int (*open)(ra_lsp_workspace *out, const char *root, const json_t *settings, void *payload);
	void (*close)(ra_lsp_workspace *ws, void *payload);
	void *payload;
	const ra_logger *log; /* never stdout */
	size_t max_frame;     /* body cap; 0: RA_FRAME_BODY_MAX */
	bool no_index;        /* only read the index, never write it */

	/* bytes already read from in_fd (a client's first frame that the caller peeked at), read
	   before anything else; borrowed for the duration of ra_lsp_serve */
	const char *prefix;
	size_t nprefix;
	/* Shared indexing (the daemon, daemon/serve.c). When index_submit is set the server runs
	   no index worker: saves and watched-file changes go to index_submit (absolute paths,
	   borrowed for the call; called on the server's main thread), and the owner of the index
	   reports its runs with ra_lsp_index_event on the session handed to `attach`. attach is
	   called once the server exists, detach before it is freed; after detach returns the
	   handle must not be used. */
	int (*index_submit)(const char *const *paths, size_t npaths, void *payload);
	void (*attach)(ra_lsp_session *session, void *payload);
	void (*detach)(ra_lsp_session *session, void *payload);
	/* requests the server does not know (called on its main thread, after initialize):
	   RA_RPC_METHOD_NOT_FOUND when not handled, else 0 with *result (a new reference) or a
	   JSON-RPC error code with a message written to msg[cap] */
	int (*extra_request)(const char *method, json_t *params, json_t **result, char *msg,
	                     size_t cap, void *payload);
} ra_lsp_opts;

typedef enum ra_lsp_index_kind {
	RA_LSP_INDEX_BEGIN,  /* a full run started */
	RA_LSP_INDEX_REPORT, /* done/total of the full run */
	RA_LSP_INDEX_END,    /* the full run ended (rc, text) */
	RA_LSP_INDEX_UPDATED /* a run over a few files ended (rc, text) */
} ra_lsp_index_kind;

/* Tells a session about the shared index (work-done progress, caches, diagnostics). Thread-safe
 * between attach and detach; `text` is copied. */
void ra_lsp_index_event(ra_lsp_session *session, ra_lsp_index_kind kind, size_t done, size_t total,
                        int rc, const char *text);

/*
 * Serves until `exit` or the end of input. Returns the process exit code: 0 after
 * shutdown+exit or at the end of input, 1 for `exit` without `shutdown` (as LSP asks), 2 when
 * the server could not start.
 */
int ra_lsp_serve(const ra_lsp_opts *opts);

#endif /* RA_LSP_SERVER_H */
