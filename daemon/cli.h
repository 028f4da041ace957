/*
 * cli.h - the command line: `rtlassist COMMAND [options]`.
 *
 * Each command is a function in a daemon/cmd_*.c file, listed in the table in cli.c, which also
 * produces `--help`. Commands print to stdout (results) and stderr (diagnostics, progress) and
 * return the process exit code.
 */
#ifndef RA_CLI_H
#define RA_CLI_H

#include "base/base.h"

#include <stdio.h>

/* Runs the command line; returns the process exit code. */
int ra_cli_main(int argc, char **argv);

/* Options shared by every command, filled by ra_cli_common_opt. */
typedef struct ra_cli_opts {
	const char *workspace; /* -C DIR; NULL until resolved */
	bool json;             /* --json */
	int verbose;           /* -v, repeatable */
	bool no_daemon;        /* --no-daemon: query commands read the index directly */
} ra_cli_opts;

/*
 * Consumes a common option at argv[*i] (advancing *i past its value) and returns true, or returns
 * false when argv[*i] is not a common option. Exits with a message on a missing value.
 */
bool ra_cli_common_opt(ra_cli_opts *o, int argc, char **argv, int *i);

/* A logger that prints "rtlassist: level: msg" to ra_cli_err(), at the verbosity of `o`. */
ra_logger ra_cli_logger(const ra_cli_opts *o);

/* ---- query commands answered by the daemon (cli_remote.c) --------------------------------

   The query commands (search, find, hierarchy, trace, explain) print through ra_cli_out() and
   ra_cli_err(). On the command line those are stdout and stderr, and a command first offers
   itself to the workspace's daemon (ra_cli_remote): the daemon runs the same function
   (`rtlassist/run`) with memory streams and its warm index connection, searcher and graph
   handle set as the thread's environment, and the client prints what it returns. The output
   is the same bytes either way because it is the same code. */

struct ra_workspace;
struct ra_store;
struct ra_searcher;
struct ra_graph;

typedef struct ra_cli_env {
	FILE *out, *err;              /* where the command prints */
	struct ra_workspace *ws;      /* the daemon's workspace (borrowed; -C is ignored) */
	struct ra_store *store;       /* a read connection to its index (borrowed) */
	struct ra_searcher *searcher; /* a searcher over `store` (borrowed), or NULL */
	struct ra_graph *graph;       /* a graph handle over `store` (borrowed), or NULL: kept
	                                 across commands, refreshed by its owner before each
	                                 one (ra_graph_refresh, indexer/graph.h) */
} ra_cli_env;

/* Sets (NULL: clears) the calling thread's environment; `env` is borrowed until cleared. */
void ra_cli_env_set(const ra_cli_env *env);

/* The calling thread's environment, or NULL on the command line. */
const ra_cli_env *ra_cli_env_get(void);

/* Where the current command prints: the environment's streams, else stdout and stderr. */
FILE *ra_cli_out(void);
FILE *ra_cli_err(void);

/*
 * Called first by a query command with its argv: when no environment is set, --no-daemon
 * and --help are absent and a daemon serves the workspace (-C), runs the command there,
 * prints its output and sets *code to its exit code: true. False when the command must run
 * here (no daemon, or the daemon failed: logged at debug level).
 */
bool ra_cli_remote(int argc, char **argv, int *code);

/*
 * The workspace and a read-only connection to its index for a query command: the
 * environment's (borrowed) when one is set, else opened from `o`. Prints the error as
 * "rtlassist CMD: ..." and returns -1 on failure. Release with ra_cli_index_close.
 */
int ra_cli_index_open(struct ra_workspace **ws, struct ra_store **st, const ra_cli_opts *o,
                      const ra_logger *lg, const char *cmd);
void ra_cli_index_close(struct ra_workspace *ws, struct ra_store *st);

/*
 * Runs query command argv[0] with `env` as the thread's environment (the daemon's side of
 * `rtlassist/run`). Returns its exit code; -1 when argv[0] is not a query command, or argv
 * could make the option parser exit (a trailing -C), with a message in msg[cap].
 */
int ra_cli_run_query(const ra_cli_env *env, int argc, char **argv, char *msg, size_t cap);

/* Command entry points (argv[0] is the command name). */
int ra_cmd_doctor(int argc, char **argv);
int ra_cmd_index(int argc, char **argv);
int ra_cmd_units(int argc, char **argv);
int ra_cmd_find(int argc, char **argv);
int ra_cmd_search(int argc, char **argv);
int ra_cmd_stats(int argc, char **argv);
int ra_cmd_config(int argc, char **argv);
int ra_cmd_hierarchy(int argc, char **argv);
int ra_cmd_trace(int argc, char **argv);
int ra_cmd_graph(int argc, char **argv);
int ra_cmd_explain(int argc, char **argv);
int ra_cmd_lsp(int argc, char **argv);
int ra_cmd_serve(int argc, char **argv);
int ra_cmd_status(int argc, char **argv);
int ra_cmd_stop(int argc, char **argv);

#endif /* RA_CLI_H */
