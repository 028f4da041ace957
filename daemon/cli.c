/* cli.c - command dispatch, --help and --version, options shared by all commands. */
#include "daemon/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
} command;

/* Only commands that work are listed; --help is generated from this table. */
static const command commands[] = {
        {"index", ra_cmd_index, "index the workspace (only what changed since the last run)"},
        {"units", ra_cmd_units, "list every design unit with kind, language, file and line"},
        {"find", ra_cmd_find, "where a name is defined (--refs: where it is used)"},
        {"search", ra_cmd_search, "find code by a question in words or identifiers"},
        {"hierarchy", ra_cmd_hierarchy,
         "instance trees below the tops (or TOP), unresolved instances"},
        {"trace", ra_cmd_trace, "drivers or loads of a signal across the hierarchy; clock domains"},
        {"graph", ra_cmd_graph, "Graphviz picture of a unit's instance tree or dataflow"},
        {"explain", ra_cmd_explain,
         "explain a unit: ports, clocks, state machines, dataflow (+ prose from a chat model)"},
        {"lsp", ra_cmd_lsp, "the Language Server over stdin/stdout (for editors)"},
        {"serve", ra_cmd_serve, "the workspace's daemon: one live index shared by editors and CLI"},
        {"status", ra_cmd_status,
         "what the workspace's daemon is doing (--wait: until it is idle)"},
        {"stop", ra_cmd_stop, "stop the workspace's daemon"},
        {"stats", ra_cmd_stats, "counts by kind and language, index size, last index time"},
        {"config", ra_cmd_config, "the settings in force, or every setting with its default"},
        {"doctor", ra_cmd_doctor, "check that every library rtlassist uses works on this machine"},
};

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: rtlassist COMMAND [options]\n\n"
	        "rtlassist understands a Verilog, SystemVerilog and VHDL repository and serves it\n"
	        "to editors and the command line.\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\noptions for every command:\n"
	           "  -C DIR     workspace (default: the enclosing git root, else the current "
	           "directory)\n"
	           "  --json     machine-readable output, where the command has it\n"
	           "  -v         more log output (repeat for debug)\n"
	           "  --no-daemon  query commands read the index here even when a daemon runs\n"
	           "\n  rtlassist --version | --help | COMMAND --help\n");
}

bool ra_cli_common_opt(ra_cli_opts *o, int argc, char **argv, int *i)
{
	const char *a = argv[*i];

	if (strcmp(a, "-C") == 0) {
		if (*i + 1 >= argc) {
			fprintf(stderr, "rtlassist: -C needs a directory\n");
			exit(2);
		}
		o->workspace = argv[++*i];
		return true;
	}
	if (strncmp(a, "-C", 2) == 0 && a[2]) {
		o->workspace = a + 2;
		return true;
	}
	if (strcmp(a, "--json") == 0) {
		o->json = true;
		return true;
	}
	if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
		o->verbose++;
		return true;
	}
	if (strcmp(a, "--no-daemon") == 0) {
		o->no_daemon = true;
		return true;
	}
	if (strcmp(a, "-vv") == 0) {
		o->verbose += 2;
		return true;
	}
	return false;
}

static void stderr_log(ra_log_level level, const char *msg, void *payload)
{
	(void)payload;
	fprintf(ra_cli_err(), "rtlassist: %s: %s\n", ra_log_level_name(level), msg);
}

ra_logger ra_cli_logger(const ra_cli_opts *o)
{
	ra_logger lg = {stderr_log, NULL, RA_LOG_WARN};

	if (o->verbose == 1)
		lg.level = RA_LOG_INFO;
	else if (o->verbose > 1)
		lg.level = RA_LOG_DEBUG;
	return lg;
}

int ra_cli_main(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		printf("rtlassist %s\n", RA_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "rtlassist: unknown command '%s' (see rtlassist --help)\n", argv[1]);
	return 2;
}
