/*
 * watch.h - file watching for the daemon: inotify over the workspace, changes coalesced into
 * batches of paths for the index writer.
 *
 * Design: one thread owns the inotify descriptor and a table of watched directories. Every
 * directory of the workspace is watched except hidden ones, the state directory and, in a git
 * work tree, those git ignores (elsewhere the walker's build folders). A file event (written and
 * closed, moved in or out, deleted) for a file with an HDL extension that git does not ignore
 * joins the pending batch; the batch is handed over once no event came for `quiet_ms` (or after
 * 10 x quiet_ms of steady events). A new or removed directory, or an event queue overflow,
 * turns the batch into a rescan: an incremental walk of the whole workspace, which reads only
 * what changed (size, mtime) and parses only what has a new blob.
 */
#ifndef RA_WATCH_H
#define RA_WATCH_H

#include "base/base.h"

typedef struct ra_watch ra_watch;

typedef struct ra_watch_opts {
	const char *root;      /* absolute workspace root */
	const char *state_dir; /* absolute; never watched */
	/* NULL-terminated extension lists (".sv"); a file is watched when its extension is in one */
	const char *const *exts[3];
	int quiet_ms; /* coalescing window */
	/* a batch: absolute paths (borrowed for the call), or rescan when the whole workspace
	   must be walked again; called on the watcher thread */
	void (*changed)(const char *const *paths, size_t npaths, bool rescan, void *payload);
	void *payload;
	const ra_logger *log; /* thread-safe */
} ra_watch_opts;

/* Watches the workspace on a thread of its own. 0 and the caller's watcher (ra_watch_stop), or
 * RA_ERR with a message (no inotify). Directories that cannot be watched (the kernel's limit
 * of watches) are logged as warnings; the rest is watched. */
int ra_watch_start(ra_watch **out, const ra_watch_opts *opts);

/* Number of directories watched (thread-safe). */
size_t ra_watch_count(const ra_watch *w);

/* Stops the thread and frees the watcher; NULL is fine. Pending changes are dropped. */
void ra_watch_stop(ra_watch *w);

#endif /* RA_WATCH_H */
