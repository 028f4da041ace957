/*
 * cli_remote.c - the query commands answered by the workspace's daemon (see cli.h).
 *
 * Client side: ra_cli_remote sends the command's argv as `rtlassist/run` and prints the
 * daemon's stdout and stderr bytes; any failure before that falls back to reading the index
 * here. Daemon side: ra_cli_run_query runs the same command function with the daemon's
 * memory streams, workspace, read connection and warm searcher as the thread's environment.
 */
#define _DEFAULT_SOURCE
#include "daemon/cli.h"
#include "daemon/daemon.h"
#include "daemon/workspace.h"

#include <jansson.h>
#include <signal.h>
#include <string.h>

#define RUN_TIMEOUT_MS 120000 /* a reply (explain with a model in --json) can take this long */
#define RUN_MAX_ARGS 256

static _Thread_local const ra_cli_env *cur_env;

void ra_cli_env_set(const ra_cli_env *env)
{
	cur_env = env;
}

const ra_cli_env *ra_cli_env_get(void)
{
	return cur_env;
}

FILE *ra_cli_out(void)
{
	return cur_env ? cur_env->out : stdout;
}

FILE *ra_cli_err(void)
{
	return cur_env ? cur_env->err : stderr;
}

int ra_cli_index_open(ra_workspace **ws, ra_store **st, const ra_cli_opts *o, const ra_logger *lg,
                      const char *cmd)
{
	*ws = NULL;
	*st = NULL;
	if (cur_env) {
		*ws = cur_env->ws;
		*st = cur_env->store;
		return RA_OK;
	}
	if (ra_workspace_open(ws, o->workspace, false, lg) != 0 ||
	    ra_workspace_store(*ws, st, false) != 0) {
		fprintf(ra_cli_err(), "rtlassist %s: %s\n", cmd, ra_error_last());
		ra_workspace_close(*ws);
		*ws = NULL;
		return -1;
	}
	return RA_OK;
}

void ra_cli_index_close(ra_workspace *ws, ra_store *st)
{
	if (cur_env && ws == cur_env->ws)
		return; /* the daemon's */
	ra_store_close(st);
	ra_workspace_close(ws);
}

/* the commands a daemon runs for a client */
static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} queries[] = {
        {"search", ra_cmd_search}, {"find", ra_cmd_find},       {"hierarchy", ra_cmd_hierarchy},
        {"trace", ra_cmd_trace},   {"explain", ra_cmd_explain},
};

/* the option parser exits on a trailing -C: such an argv never reaches it in the daemon */
static bool trailing_c(int argc, char **argv)
{
	return argc > 1 && strcmp(argv[argc - 1], "-C") == 0;
}

int ra_cli_run_query(const ra_cli_env *env, int argc, char **argv, char *msg, size_t cap)
{
	int code;

	for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
		if (argc < 1 || strcmp(argv[0], queries[i].name) != 0)
			continue;
		if (trailing_c(argc, argv)) {
			snprintf(msg, cap, "-C needs a directory");
			return -1;
		}
		ra_cli_env_set(env);
		code = queries[i].fn(argc, argv);
		ra_cli_env_set(NULL);
		fflush(env->out);
		fflush(env->err);
		return code;
	}
	snprintf(msg, cap,
	         "argv[0] must name a query command: search, find, hierarchy, trace, "
	         "explain");
	return -1;
}

/* explain's prose is printed as the model writes it: only the command line can do that */
static bool streams_prose(const ra_workspace *ws, int argc, char **argv, const ra_cli_opts *o)
{
	if (strcmp(argv[0], "explain") != 0 || o->json || !ws->config->chat_provider ||
	    !strcmp(ws->config->chat_provider, "none"))
		return false;
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--no-model"))
			return false;
	return true;
}

/* the daemon's reply printed; false when it is not one */
static bool print_reply(const json_t *res, int *code)
{
	const json_t *out = json_object_get(res, "stdout"), *err = json_object_get(res, "stderr");
	const json_t *ex = json_object_get(res, "exit");

	if (!json_is_string(out) || !json_is_string(err) || !json_is_integer(ex) ||
	    json_integer_value(ex) < 0 || json_integer_value(ex) > 255)
		return false;
	fwrite(json_string_value(out), 1, json_string_length(out), stdout);
	fflush(stdout);
	fwrite(json_string_value(err), 1, json_string_length(err), stderr);
	*code = (int)json_integer_value(ex);
	return true;
}

bool ra_cli_remote(int argc, char **argv, int *code)
{
	ra_cli_opts o = {0};
	ra_logger lg;
	ra_workspace *ws = NULL;
	ra_daemon_client *c = NULL;
	json_t *args, *res = NULL;
	bool done = false;
	int rc;

	if (cur_env || trailing_c(argc, argv))
		return false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return false;
		ra_cli_common_opt(&o, argc, argv, &i);
	}
	if (o.no_daemon)
		return false;
	lg = ra_cli_logger(&o);
	/* no logger: the settings' warnings are the command's to print, once */
	if (ra_workspace_open(&ws, o.workspace, false, NULL) != RA_OK)
		return false; /* the command reports it */
	if (streams_prose(ws, argc, argv, &o))
		goto out;
	args = json_array();
	for (int i = 0; args && i < argc; i++)
		if (json_array_append_new(args, json_string(argv[i])) != 0) {
			ra_log(&lg, RA_LOG_DEBUG,
			       "argument %d is not UTF-8: reading the index here", i);
			json_decref(args);
			goto out;
		}
	signal(SIGPIPE, SIG_IGN); /* a daemon that went away is an error reply, not a death */
	rc = ra_daemon_client_open(&c, ws, RUN_TIMEOUT_MS);
	if (!rc)
		rc = ra_daemon_call(c, &res, "rtlassist/run", json_pack("{s:o}", "argv", args));
	else
		json_decref(args);
	if (!rc && !(done = print_reply(res, code)))
		ra_error_set(RA_ERR, "a malformed reply to rtlassist/run");
	if (!done)
		ra_log(&lg, RA_LOG_DEBUG, "daemon: %s; reading the index here", ra_error_last());
	else
		ra_log(&lg, RA_LOG_DEBUG, "answered by the daemon of %s", ws->root);
out:
	json_decref(res);
	ra_daemon_client_close(c);
	ra_workspace_close(ws);
	return done;
}
