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

/* Runs the command line; returns the process exit code. */
int ra_cli_main(int argc, char **argv);

/* Options shared by every command, filled by ra_cli_common_opt. */
typedef struct ra_cli_opts {
	const char *workspace; /* -C DIR; NULL until resolved */
	bool json;             /* --json */
	int verbose;           /* -v, repeatable */
} ra_cli_opts;

/*
 * Consumes a common option at argv[*i] (advancing *i past its value) and returns true, or returns
 * false when argv[*i] is not a common option. Exits with a message on a missing value.
 */
bool ra_cli_common_opt(ra_cli_opts *o, int argc, char **argv, int *i);

/* A logger that prints "rtlassist: level: msg" to stderr, at the verbosity of `o`. */
ra_logger ra_cli_logger(const ra_cli_opts *o);

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
