/*
 * workspace.h - a workspace as the commands see it: its root directory, its settings, its state
 * directory (index database, logs, lock) and the writer lock that keeps two indexers apart.
 */
#ifndef RA_WORKSPACE_H
#define RA_WORKSPACE_H

#include "daemon/config.h"
#include "indexer/store.h"

typedef struct ra_workspace {
	char *root;      /* absolute */
	char *state_dir; /* absolute */
	char *db_path;   /* state_dir/index.db */
	ra_config *config;
	int lock_fd; /* -1 until ra_workspace_lock */
} ra_workspace;

/*
 * Resolves the workspace: `dir` when given, else the enclosing git work tree of the current
 * directory, else the current directory. Loads the settings. When `create_state` the state
 * directory is created (with a .gitignore so that git never shows it). Returns 0 and the
 * caller's workspace, RA_ENOTFOUND (dir missing), RA_EINVAL (bad settings), RA_ERR.
 */
int ra_workspace_open(ra_workspace **out, const char *dir, bool create_state, const ra_logger *lg);
void ra_workspace_close(ra_workspace *ws);

/* Takes the workspace's writer lock (flock on state_dir/lock). With wait false, RA_EBUSY and a
 * message naming the holder's pid when another process has it. Released by close. */
int ra_workspace_lock(ra_workspace *ws, bool wait);

/* Opens the store: read-only for queries (RA_ENOTFOUND when never indexed), or for writing. */
int ra_workspace_store(ra_workspace *ws, ra_store **out, bool write);

#endif /* RA_WORKSPACE_H */
