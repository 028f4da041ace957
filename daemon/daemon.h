/*
 * daemon.h - the workspace daemon (`rtlassist serve`) and its clients.
 *
 * One daemon per workspace: it holds the workspace's writer lock and listens on a Unix domain
 * socket in the state directory (`daemon.sock`, mode 0600; a peer of another user is refused
 * with SO_PEERCRED). Every connection is one Language Server session (lsp/server.h, the same
 * Content-Length framing and JSON-RPC as `rtlassist lsp` on stdio), with the daemon's methods
 * added: `rtlassist/status`, `rtlassist/reindex`, `rtlassist/shutdown`, and `rtlassist/run` (a
 * query command of the command line run in the daemon: cli.h). With `daemon.tcp` it also
 * listens on TCP, only with a token (daemon.token_env) that a session's `initialize` presents.
 *
 * Threads of the daemon (serve.c):
 *   - the main thread accepts connections, checks the peer, starts and reaps sessions, and
 *     handles SIGTERM/SIGINT (through a self-pipe) and `rtlassist/shutdown`;
 *   - one thread per session runs ra_lsp_serve (its own reader thread and read-only SQLite
 *     connection), with no index worker of its own: saves go to the daemon's writer;
 *   - the writer thread owns the write connection and runs ra_index_run (which has its own
 *     parse workers) for one job at a time (a full run on a helper thread at lowered priority,
 *     SCHED_BATCH and nice 10, while the writer waits, so that queries win the cores); jobs queued meanwhile are merged (a full run
 *     absorbs file runs), and every run is reported to every session (`$/progress`);
 *   - the watcher thread (watch.h) turns inotify events into file runs or rescans.
 *   - the query commands of the command line (rtlassist/run) run one at a time on one read
 *     connection and a searcher kept warm between them (opened again after every run);
 *   - with --idle-exit (autostart) the main thread exits after daemon.idle_exit_s seconds
 *     without sessions and without work.
 * WAL lets every reader go on while the writer commits, and an indexing run commits in batches,
 * so a SIGKILL at any moment leaves a consistent index that the next start completes.
 */
#ifndef RA_DAEMON_H
#define RA_DAEMON_H

#include "daemon/workspace.h"

#include <jansson.h>

#define RA_DAEMON_SOCKET "daemon.sock"
#define RA_DAEMON_LOG "daemon.log"

/* The socket path of a workspace's daemon in buf[n]. RA_ETOOBIG when it does not fit a Unix
 * socket address (108 bytes). */
int ra_daemon_socket_path(const ra_workspace *ws, char *buf, size_t n);

typedef struct ra_daemon_client ra_daemon_client;

/*
 * Connects to the workspace's daemon and opens a session (initialize). Returns 0 and the
 * caller's client (ra_daemon_client_close), RA_ENOTFOUND when no daemon listens, RA_ERR with a
 * message when one refused or failed. Replies are awaited at most `timeout_ms` each (0: 30 s).
 */
int ra_daemon_client_open(ra_daemon_client **out, const ra_workspace *ws, int timeout_ms);

/*
 * One request. `params` is stolen (NULL: {}). Returns 0 with *result (the caller's reference),
 * RA_EINVAL with the server's error message for an error reply, RA_ERR when the connection
 * failed. Notifications arriving meanwhile are skipped.
 */
int ra_daemon_call(ra_daemon_client *c, json_t **result, const char *method, json_t *params);

/*
 * Polls rtlassist/status until the daemon has nothing to index and (after_runs >= 0) has
 * finished more than after_runs runs (full_runs + file_runs), drawing a progress bar on stderr
 * when it is a terminal. 0 with the last status in *status (the caller's), or the call's error.
 */
int ra_daemon_wait(ra_daemon_client *c, json_t **status, long long after_runs);

/* Ends the session (shutdown, exit) and closes the connection. NULL is fine. */
void ra_daemon_client_close(ra_daemon_client *c);

/*
 * Starts the workspace's daemon in the background (`rtlassist serve --detach --idle-exit`, the
 * running executable: it exits after daemon.idle_exit_s without sessions) and waits until it
 * listens or fails. 0, or RA_ERR with its message.
 */
int ra_daemon_spawn(const char *root);

#endif /* RA_DAEMON_H */
