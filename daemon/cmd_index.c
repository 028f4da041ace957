/*
 * cmd_index.c - `rtlassist index`: one incremental indexing run of the workspace, with a progress
 * bar on a terminal and a one-line summary at the end.
 */
#define _DEFAULT_SOURCE
#include "daemon/cli.h"
#include "daemon/daemon.h"
#include "daemon/json_out.h"
#include "daemon/workspace.h"
#include "indexer/index.h"
#include "indexer/vectors.h"

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile int cancelled;

static void on_signal(int sig)
{
	(void)sig;
	cancelled = 1;
}

typedef struct bar {
	bool tty;
	double last;
} bar;

static void progress(const ra_index_progress *p, void *payload)
{
	bar *b = payload;
	double mbps = p->elapsed > 0 ? (double)p->bytes / 1e6 / p->elapsed : 0;
	double eta = p->done ? p->elapsed * (double)(p->total - p->done) / (double)p->done : 0;
	char fill[31];
	size_t w;

	if (!b->tty || (p->done != p->total && p->elapsed - b->last < 0.1))
		return;
	b->last = p->elapsed;
	w = p->total ? p->done * 30 / p->total : 30;
	memset(fill, '#', w);
	memset(fill + w, ' ', 30 - w);
	fill[30] = '\0';
	fprintf(stderr, "\r[%s] %zu/%zu files  %.1f MB/s  ETA %.0fs ", fill, p->done, p->total,
	        mbps, eta);
	if (p->done == p->total)
		fputs("\r\033[K", stderr);
	fflush(stderr);
}

static void print_summary(const ra_cli_opts *o, const char *root, const ra_index_summary *sum)
{
	if (o->json) {
		json_t *j =
		        json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f}", "workspace",
		                  root, "files", (json_int_t)sum->files, "parsed",
		                  (json_int_t)sum->parsed, "unchanged", (json_int_t)sum->unchanged,
		                  "deleted", (json_int_t)sum->deleted, "skipped",
		                  (json_int_t)sum->skipped, "files_with_errors",
		                  (json_int_t)sum->with_errors, "units", (json_int_t)sum->units,
		                  "symbols", (json_int_t)sum->symbols, "seconds", sum->seconds);

		ra_json_print(j);
	} else {
		printf("indexed %zu files (%zu parsed, %zu unchanged, %zu deleted, %zu skipped): "
		       "%lld units, %lld symbols in %.2f s; %zu files with syntax errors\n",
		       sum->files, sum->parsed, sum->unchanged, sum->deleted, sum->skipped,
		       (long long)sum->units, (long long)sum->symbols, sum->seconds,
		       sum->with_errors);
	}
}

static size_t count_of(const json_t *o, const char *key)
{
	json_int_t v = json_integer_value(json_object_get(o, key));

	return v > 0 ? (size_t)v : 0;
}

/*
 * The workspace's daemon holds the writer lock: it indexes, this command asks it to
 * (rtlassist/reindex) and waits for the run, with the daemon's progress on a terminal.
 * Returns the exit code, or -1 when no daemon answers (the lock error stands).
 */
static int via_daemon(const ra_cli_opts *o, ra_workspace *ws, const char **paths, size_t npaths)
{
	ra_daemon_client *c = NULL;
	json_t *st = NULL, *res = NULL, *list = json_array(), *last;
	char cwd[4096];
	long long runs;
	int rc, code = 1;

	signal(SIGPIPE, SIG_IGN);
	if (!list || ra_daemon_client_open(&c, ws, 0) != RA_OK) {
		json_decref(list);
		return -1;
	}
	for (size_t i = 0; i < npaths; i++) {
		char abs[8192];

		/* FILE arguments are relative to where the user is, not to the workspace */
		if (paths[i][0] != '/' && getcwd(cwd, sizeof(cwd)))
			snprintf(abs, sizeof(abs), "%s/%s", cwd, paths[i]);
		else
			snprintf(abs, sizeof(abs), "%s", paths[i]);
		json_array_append_new(list, json_string(abs));
	}
	rc = ra_daemon_call(c, &st, "rtlassist/status", NULL);
	runs = rc ? 0
	          : json_integer_value(json_object_get(st, "full_runs")) +
	                       json_integer_value(json_object_get(st, "file_runs"));
	json_decref(st);
	st = NULL;
	if (!rc) {
		ra_logger lg = ra_cli_logger(o);

		ra_log(&lg, RA_LOG_INFO, "the daemon of %s indexes; waiting for its run", ws->root);
		rc = ra_daemon_call(c, &res, "rtlassist/reindex",
		                    npaths ? json_pack("{s:O}", "paths", list) : NULL);
	}
	if (!rc)
		rc = ra_daemon_wait(c, &st, runs);
	if (rc) {
		fprintf(stderr, "rtlassist index: the daemon: %s\n", ra_error_last());
		goto out;
	}
	last = json_object_get(st, "last_run");
	if (json_string_value(json_object_get(st, "last_error"))) {
		fprintf(stderr, "rtlassist index: the daemon's run failed: %s\n",
		        json_string_value(json_object_get(st, "last_error")));
	} else if (json_is_object(last)) {
		ra_index_summary sum = {
		        .files = count_of(last, "files"),
		        .parsed = count_of(last, "parsed"),
		        .unchanged = count_of(last, "unchanged"),
		        .deleted = count_of(last, "deleted"),
		        .skipped = count_of(last, "skipped"),
		        .with_errors = count_of(last, "files_with_errors"),
		        .units = (int64_t)count_of(last, "units"),
		        .symbols = (int64_t)count_of(last, "symbols"),
		        .seconds = json_real_value(json_object_get(last, "seconds")),
		};

		print_summary(o, ws->root, &sum);
		code = 0;
	} else {
		fprintf(stderr, "rtlassist index: the daemon reported no run\n");
	}
out:
	json_decref(list);
	json_decref(res);
	json_decref(st);
	ra_daemon_client_close(c);
	return code;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: rtlassist index [-C DIR] [--json] [-v]\n\n"
	           "Indexes the workspace's Verilog, SystemVerilog and VHDL files into "
	           "DIR/.rtlassist/.\n"
	           "Only files that changed since the last run are parsed again.\n");
}

int ra_cmd_index(int argc, char **argv)
{
	ra_cli_opts o = {0};
	ra_workspace *ws = NULL;
	ra_store *st = NULL;
	ra_index_summary sum;
	ra_index_library *libs = NULL;
	bar b = {.tty = isatty(2) == 1};
	const char **paths = ra_calloc((size_t)argc + 1, sizeof(*paths));
	ra_arena *path_arena = ra_arena_new(0);
	size_t npaths = 0;
	ra_logger lg;
	ra_embed_config ec;
	char *vectors_path = NULL;
	int rc;

	if (!paths || !path_arena) {
		ra_free(paths);
		ra_arena_free(path_arena);
		return 1;
	}

	for (int i = 1; i < argc; i++) {
		if (ra_cli_common_opt(&o, argc, argv, &i))
			continue;
		if (strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			ra_free(paths);
			ra_arena_free(path_arena);
			return 0;
		}
		if (argv[i][0] != '-') {
			paths[npaths++] = argv[i];
			continue;
		}
		fprintf(stderr, "rtlassist index: unknown option '%s'\n", argv[i]);
		usage(stderr);
		ra_free(paths);
		ra_arena_free(path_arena);
		return 2;
	}
	lg = ra_cli_logger(&o);
	rc = ra_workspace_open(&ws, o.workspace, true, &lg);
	if (rc)
		goto fail;
	rc = ra_workspace_lock(ws, false);
	if (rc == RA_EBUSY) {
		char busy[512];
		int code;

		snprintf(busy, sizeof(busy), "%s", ra_error_last());
		code = via_daemon(&o, ws, paths, npaths);
		if (code >= 0) {
			ra_free(paths);
			ra_arena_free(path_arena);
			ra_workspace_close(ws);
			return code;
		}
		ra_error_set(rc, "%s", busy);
	}
	if (rc)
		goto fail;
	rc = ra_workspace_store(ws, &st, true);
	if (rc)
		goto fail;
	libs = ra_calloc(ws->config->nvhdl_libraries + 1, sizeof(*libs));
	if (!libs) {
		rc = RA_ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < ws->config->nvhdl_libraries; i++)
		libs[i] = (ra_index_library){ws->config->vhdl_libraries[i].key,
		                             ws->config->vhdl_libraries[i].value};

	ra_config_embed(ws->config, &ec, &lg);
	vectors_path = ra_arena_printf(path_arena, "%s/%s", ws->state_dir, RA_VECTORS_FILE);
	if (!vectors_path) {
		rc = RA_ENOMEM;
		goto fail;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	{
		ra_index_opts io = {
		        .root = ws->root,
		        .store = st,
		        .threads = (int)ws->config->threads,
		        .max_file_size = (uint64_t)ws->config->max_file_size,
		        .verilog_exts = ws->config->verilog_exts,
		        .sv_exts = ws->config->sv_exts,
		        .vhdl_exts = ws->config->vhdl_exts,
		        .libraries = libs,
		        .nlibraries = ws->config->nvhdl_libraries,
		        .log = &lg,
		        .progress = progress,
		        .payload = &b,
		        .cancel = &cancelled,
		        .paths = npaths ? paths : NULL,
		        .npaths = npaths,
		        .embed = &ec,
		        .vectors_path = vectors_path,
		};
		char cwd[4096];

		/* FILE arguments are relative to where the user is, not to the workspace */
		for (size_t i = 0; i < npaths && getcwd(cwd, sizeof(cwd)); i++)
			if (paths[i][0] != '/')
				paths[i] = ra_arena_printf(path_arena, "%s/%s", cwd, paths[i]);

		rc = ra_index_run(&io, &sum);
	}
	if (rc)
		goto fail;
	print_summary(&o, ws->root, &sum);
	ra_free(libs);
	ra_free(paths);
	ra_arena_free(path_arena);
	ra_store_close(st);
	ra_workspace_close(ws);
	return 0;
fail:
	fprintf(stderr, "rtlassist index: %s\n", ra_error_last());
	ra_free(libs);
	ra_free(paths);
	ra_arena_free(path_arena);
	ra_store_close(st);
	ra_workspace_close(ws);
	return rc == RA_ECANCELLED ? 130 : 1;
}
