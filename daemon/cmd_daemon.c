/*
 * cmd_daemon.c - `rtlassist status` and `rtlassist stop`: clients of the workspace's daemon
 * (daemon.h). `status --wait` polls until the daemon is idle, with a progress bar on a
 * terminal.
 */
#define _DEFAULT_SOURCE
#include "daemon/cli.h"
#include "daemon/daemon.h"
#include "daemon/json_out.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define WAIT_POLL_MS 100

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static void bar(json_t *st)
{
	json_t *p = json_object_get(st, "progress");
	long long done = json_integer_value(json_object_get(p, "done"));
	long long total = json_integer_value(json_object_get(p, "total"));
	char fill[31];
	size_t w = total > 0 ? (size_t)(done * 30 / total) : 0;

	if (w > 30)
		w = 30;
	memset(fill, '#', w);
	memset(fill + w, ' ', 30 - w);
	fill[30] = '\0';
	fprintf(stderr, "\r[%s] %lld/%lld files (daemon, %s run) ", fill, done, total,
	        json_is_true(json_object_get(st, "full")) ? "full" : "file");
	fflush(stderr);
}

static void print_text(json_t *st)
{
	json_t *last = json_object_get(st, "last_run");
	const char *err = json_string_value(json_object_get(st, "last_error"));

	printf("workspace  %s\n", json_string_value(json_object_get(st, "workspace")));
	printf("daemon     pid %lld, socket %s, %lld session%s, up %.0f s\n",
	       (long long)json_integer_value(json_object_get(st, "pid")),
	       json_string_value(json_object_get(st, "socket")),
	       (long long)json_integer_value(json_object_get(st, "sessions")),
	       json_integer_value(json_object_get(st, "sessions")) == 1 ? "" : "s",
	       json_real_value(json_object_get(st, "uptime")));
	if (!strcmp(json_string_value(json_object_get(st, "state")), "indexing"))
		printf("index      indexing: %lld/%lld files\n",
		       (long long)json_integer_value(
		               json_object_get(json_object_get(st, "progress"), "done")),
		       (long long)json_integer_value(
		               json_object_get(json_object_get(st, "progress"), "total")));
	else
		printf("index      idle, %lld queued\n",
		       (long long)json_integer_value(json_object_get(st, "queued")));
	printf("runs       %lld full, %lld of changed files\n",
	       (long long)json_integer_value(json_object_get(st, "full_runs")),
	       (long long)json_integer_value(json_object_get(st, "file_runs")));
	if (last)
		printf("last run   %s: %lld files, %lld parsed, %lld deleted, %.2f s; %lld units, "
		       "%lld symbols\n",
		       json_string_value(json_object_get(last, "kind")),
		       (long long)json_integer_value(json_object_get(last, "files")),
		       (long long)json_integer_value(json_object_get(last, "parsed")),
		       (long long)json_integer_value(json_object_get(last, "deleted")),
		       json_real_value(json_object_get(last, "seconds")),
		       (long long)json_integer_value(json_object_get(last, "units")),
		       (long long)json_integer_value(json_object_get(last, "symbols")));
	if (err)
		printf("last error %s\n", err);
	printf("watching   %lld directories\n",
	       (long long)json_integer_value(json_object_get(st, "watched_directories")));
	printf("log        %s\n", json_string_value(json_object_get(st, "log")));
}

static bool idle(const json_t *st)
{
	return !strcmp(json_string_value(json_object_get(st, "state")), "idle") &&
	       json_integer_value(json_object_get(st, "queued")) == 0;
}

static long long runs_of(const json_t *st)
{
	return json_integer_value(json_object_get(st, "full_runs")) +
	       json_integer_value(json_object_get(st, "file_runs"));
}

int ra_daemon_wait(ra_daemon_client *c, json_t **status, long long after_runs)
{
	bool tty = isatty(2) == 1, drawn = false;
	json_t *st = NULL;
	int rc;

	for (;;) {
		rc = ra_daemon_call(c, &st, "rtlassist/status", NULL);
		if (rc)
			break;
		if (!json_is_object(st) || !json_is_string(json_object_get(st, "state"))) {
			rc = ra_error_set(RA_ERR, "a malformed reply to rtlassist/status");
			break;
		}
		if (idle(st) && (after_runs < 0 || runs_of(st) > after_runs))
			break;
		if (tty) {
			bar(st);
			drawn = true;
		}
		json_decref(st);
		st = NULL;
		sleep_ms(WAIT_POLL_MS);
	}
	if (drawn)
		fputs("\r\033[K", stderr);
	if (rc) {
		json_decref(st);
		st = NULL;
	}
	*status = st;
	return rc;
}

/* status (stop false) or stop: one session with the daemon */
static int run(int argc, char **argv, bool stop)
{
	static const char status_usage[] =
	        "usage: rtlassist status [-C DIR] [--json] [--wait]\n\n"
	        "What the workspace's daemon is doing: sessions, indexing progress, runs, the\n"
	        "last run. --wait: first wait until it has nothing left to index (a progress\n"
	        "bar on a terminal). Exit code 1 when no daemon serves the workspace.\n";
	static const char stop_usage[] =
	        "usage: rtlassist stop [-C DIR]\n\n"
	        "Stops the workspace's daemon (as SIGTERM does). Exit code 1 when none runs.\n";
	ra_cli_opts o = {0};
	ra_logger lg;
	ra_workspace *ws = NULL;
	ra_daemon_client *c = NULL;
	json_t *st = NULL;
	bool wait = false;
	int rc, code = 1;

	for (int i = 1; i < argc; i++) {
		if (ra_cli_common_opt(&o, argc, argv, &i))
			continue;
		if (!strcmp(argv[i], "--help")) {
			fputs(stop ? stop_usage : status_usage, stdout);
			return 0;
		}
		if (!stop && !strcmp(argv[i], "--wait")) {
			wait = true;
			continue;
		}
		fprintf(stderr, "rtlassist %s: unexpected argument '%s'\n%s", argv[0], argv[i],
		        stop ? stop_usage : status_usage);
		return 2;
	}
	lg = ra_cli_logger(&o);
	signal(SIGPIPE, SIG_IGN); /* a daemon that went away is an error reply, not a death */
	rc = ra_workspace_open(&ws, o.workspace, false, &lg);
	if (!rc)
		rc = ra_daemon_client_open(&c, ws, 0);
	if (rc) {
		if (o.json && ws && rc == RA_ENOTFOUND && !stop)
			ra_json_print(json_pack("{s:s, s:b}", "workspace", ws->root, "running", 0));
		fprintf(stderr, "rtlassist %s: %s\n", argv[0], ra_error_last());
		goto out;
	}
	if (stop) {
		rc = ra_daemon_call(c, &st, "rtlassist/shutdown", NULL);
		if (rc)
			fprintf(stderr, "rtlassist stop: %s\n", ra_error_last());
		code = rc ? 1 : 0;
		goto out;
	}
	rc = wait ? ra_daemon_wait(c, &st, -1) : ra_daemon_call(c, &st, "rtlassist/status", NULL);
	if (rc) {
		fprintf(stderr, "rtlassist status: %s\n", ra_error_last());
		goto out;
	}
	if (o.json) {
		json_object_set_new(st, "running", json_true());
		ra_json_print(json_incref(st));
	} else {
		print_text(st);
	}
	code = 0;
out:
	json_decref(st);
	ra_daemon_client_close(c);
	ra_workspace_close(ws);
	return code;
}

int ra_cmd_status(int argc, char **argv)
{
	return run(argc, argv, false);
}

int ra_cmd_stop(int argc, char **argv)
{
	return run(argc, argv, true);
}
