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

typedef struct ra_lsp_workspace {
	const char *root;    /* absolute */
	const char *db_path; /* the index database */
	const char *state_dir;
	ra_index_opts index; /* template of an indexing run (root, extensions, libraries, threads,
			         limits, log, embedder); store, progress, cancel and paths are the
			         server's */
	bool writable;       /* the caller holds the writer lock: the server may index */
	void *handle;        /* the caller's */
} ra_lsp_workspace;

typedef struct ra_lsp_opts {
	int in_fd, out_fd;
	const char
	        *root; /* forced workspace root; NULL: the client's, else the current directory */
	/* fills *out for `root` (NULL: the caller's default); 0 or an error code with a message */
	int (*open)(ra_lsp_workspace *out, const char *root, void *payload);
	void (*close)(ra_lsp_workspace *ws, void *payload);
	void *payload;
	const ra_logger *log; /* never stdout */
	size_t max_frame;     /* body cap; 0: RA_FRAME_BODY_MAX */
	bool no_index;        /* only read the index, never write it */
	/* language models (retriever/gen.h), NULL when none is configured: nothing is sent */
	const ra_generator *complete; /* fill-in-the-middle: inline completion */
	const ra_generator *chat;     /* conversation: prose explanations */
} ra_lsp_opts;

/*
 * Serves until `exit` or the end of input. Returns the process exit code: 0 after
 * shutdown+exit or at the end of input, 1 for `exit` without `shutdown` (as LSP asks), 2 when
 * the server could not start.
 */
int ra_lsp_serve(const ra_lsp_opts *opts);

#endif /* RA_LSP_SERVER_H */
