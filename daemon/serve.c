/*
 * serve.c - `rtlassist serve`: the workspace daemon (design in daemon.h).
 *
 * The one server object of the process (`the`) is reached by the signal handler only through
 * its self-pipe; everything else is passed explicitly. Lock order: daemon mu, then a session's
 * own queue lock (ra_lsp_index_event).
 */
#define _GNU_SOURCE
#include "daemon/cli.h"
#include "daemon/daemon.h"
#include "daemon/llm.h"
#include "daemon/watch.h"
#include "indexer/graph.h"
#include "indexer/vectors.h"
#include "indexer/walk.h"
#include "lsp/frame.h"
#include "lsp/jsonrpc.h"
#include "lsp/server.h"
#include "retriever/search.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_SESSIONS 64
#define LOG_MAX_BYTES (8 << 20) /* a longer log is moved to daemon.log.1 at start */
#define PROGRESS_INTERVAL 0.2
#define REINDEX_MAX_PATHS 100000
#define RUN_MAX_ARGS 256
#define TOKEN_MIN 16
#define TOKEN_MAX 4096
#define AUTH_TIMEOUT_S 10        /* a TCP client has this long to present the token */
#define AUTH_FRAME_MAX (1 << 20) /* cap of that first message */
#define RUN_MAX_ARG_BYTES 65536
#define IDLE_POLL_MS 250 /* how often an idle-exit daemon looks at the clock */
#define WRITER_NICE 10   /* a full run and its parse workers yield the CPU to queries */

typedef struct daemon daemon_t;

typedef struct session {
	daemon_t *d;
	int fd;
	bool tcp; /* a TCP session: must present the token first */
	pthread_t thread;
	ra_lsp_session *lsp;   /* between attach and detach, under d->mu */
	bool finished;         /* the thread ended: join it */
	ra_llm_session models; /* its editor's models (session_open .. session_close) */
} session;

struct daemon {
	ra_workspace *ws;
	ra_logger lg;
	FILE *logf;
	bool log_stderr;
	char sock_path[108];
	char log_path[PATH_MAX];
	int listen_fd;
	int tcp_fd;        /* the TCP listener (daemon.tcp), or -1 */
	char tcp_addr[80]; /* what it is bound to, "HOST:PORT" */
	char *token;       /* the token TCP sessions present (from daemon.token_env) */
	int wake[2];       /* signals and rtlassist/shutdown */
	double started;

	/* what every session gets as its workspace, and the writer's run template */
	ra_index_library *libs;
	ra_embed_config ec;
	char *vectors_path;
	ra_index_opts index;

	ra_watch *watch;

	pthread_mutex_t mu; /* guards everything below */
	pthread_cond_t cv;  /* the writer waits for jobs */
	session *sessions[MAX_SESSIONS];
	size_t nsessions;
	bool want_full;
	json_t *pending; /* set of absolute paths for the next file run */
	bool stop;
	bool indexing, running_full;
	size_t done, total;
	unsigned long full_runs, file_runs, sessions_served;
	uint64_t parsed_total; /* files parsed by every run since start */
	json_t *last_run;      /* summary of the last run, or NULL */
	char last_error[256];
	double last_report;
	volatile int cancel;
	pthread_t writer;
	bool writer_started;
	unsigned long generation; /* index runs finished: a searcher older than this is stale */
	double idle_exit;         /* seconds without sessions and work before exiting; 0: never */
	double idle_since;        /* when the daemon last had a session or work */
	unsigned long cli_runs;   /* query commands run for the command line */

	/* the query commands run for the command line (rtlassist/run), one at a time, on one
	   read connection, a searcher and a graph handle kept warm between them (they follow
	   index runs) */
	pthread_mutex_t qmu;
	ra_store *qstore;
	ra_embedder *qemb;
	ra_searcher *qsearch;
	ra_graph *qgraph;
	ra_logger qlog;
};

static int wake_fd = -1; /* the self-pipe's write end, for the signal handler */

static void on_signal(int sig)
{
	char c = (char)sig;
	int saved = errno;

	if (write(wake_fd, &c, 1) < 0) {
		/* nothing a signal handler can do */
	}
	errno = saved;
}

/* ---- logging ------------------------------------------------------------------------------ */

static void log_fn(ra_log_level level, const char *msg, void *payload)
{
	daemon_t *d = payload;
	char when[32];
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	/* one fprintf per line: stdio locks the stream, so lines from threads never mix */
	if (d->logf) {
		fprintf(d->logf, "%s %s: %s\n", when, ra_log_level_name(level), msg);
		fflush(d->logf);
	}
	if (d->log_stderr)
		fprintf(stderr, "rtlassist: %s: %s\n", ra_log_level_name(level), msg);
}

static int log_level_of(const char *name, ra_log_level *out)
{
	static const char *const names[] = {"error", "warn", "info", "debug"};

	for (int i = 0; i < 4; i++)
		if (!strcasecmp(name, names[i]) ||
		    !strcasecmp(name, ra_log_level_name((ra_log_level)i))) {
			*out = (ra_log_level)i;
			return RA_OK;
		}
	return ra_error_set(RA_EINVAL,
	                    "daemon.log_level: bad value \"%s\"; accepted: \"error\", \"warn\", "
	                    "\"info\", \"debug\"",
	                    name);
}

static int open_log(daemon_t *d)
{
	struct stat sb;
	int fd;

	snprintf(d->log_path, sizeof(d->log_path), "%s/%s", d->ws->state_dir, RA_DAEMON_LOG);
	if (stat(d->log_path, &sb) == 0 && sb.st_size > LOG_MAX_BYTES) {
		char old[PATH_MAX + 8];

		snprintf(old, sizeof(old), "%s.1", d->log_path);
		rename(d->log_path, old);
	}
	fd = open(d->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0 || !(d->logf = fdopen(fd, "a"))) {
		if (fd >= 0)
			close(fd);
		return ra_error_set(RA_ERR, "%s: %s", d->log_path, strerror(errno));
	}
	return RA_OK;
}

/* ---- the writer --------------------------------------------------------------------------- */

static void broadcast(daemon_t *d, ra_lsp_index_kind kind, size_t done, size_t total, int rc,
                      const char *text)
{
	/* under d->mu */
	for (size_t i = 0; i < d->nsessions; i++)
		if (d->sessions[i]->lsp)
			ra_lsp_index_event(d->sessions[i]->lsp, kind, done, total, rc, text);
}

static void on_progress(const ra_index_progress *p, void *payload)
{
	daemon_t *d = payload;

	pthread_mutex_lock(&d->mu);
	d->done = p->done;
	d->total = p->total;
	if (d->running_full &&
	    (p->done == p->total || p->elapsed - d->last_report >= PROGRESS_INTERVAL)) {
		d->last_report = p->elapsed;
		broadcast(d, RA_LSP_INDEX_REPORT, p->done, p->total, 0, NULL);
	}
	pthread_mutex_unlock(&d->mu);
}

/*
 * A full run is background work: its thread (and the parse workers it starts, which inherit
 * both on Linux) runs SCHED_BATCH at nice WRITER_NICE, so that on a machine with few cores a
 * query's thread gets a core before a parse worker does. A file run (a save, which someone
 * waits to see) keeps the writer's normal priority: it runs on the writer thread itself, whose
 * priority is never lowered (an unprivileged thread could not raise it again).
 */
typedef struct full_run {
	daemon_t *d;
	const ra_index_opts *o;
	ra_index_summary *sum;
	int rc;
	char err[256];
} full_run;

static void *full_run_main(void *arg)
{
	full_run *f = arg;
	struct sched_param sp = {0};

	if (pthread_setschedparam(pthread_self(), SCHED_BATCH, &sp) != 0)
		ra_log(&f->d->lg, RA_LOG_DEBUG, "full run: SCHED_BATCH refused");
	errno = 0;
	if (setpriority(PRIO_PROCESS, (id_t)gettid(), WRITER_NICE) != 0)
		ra_log(&f->d->lg, RA_LOG_DEBUG, "full run: nice %d refused: %s", WRITER_NICE,
		       strerror(errno));
	f->rc = ra_index_run(f->o, f->sum);
	if (f->rc)
		snprintf(f->err, sizeof(f->err), "%s", ra_error_last()); /* thread-local */
	return NULL;
}

/* ra_index_run for a full run, on a thread of lowered priority (the writer waits: the write
   connection is used by one thread at a time) */
static int run_full(daemon_t *d, const ra_index_opts *o, ra_index_summary *sum)
{
	full_run f = {.d = d, .o = o, .sum = sum};
	pthread_t t;

	if (pthread_create(&t, NULL, full_run_main, &f) != 0)
		return ra_index_run(o, sum);
	pthread_join(t, NULL);
	if (f.rc)
		ra_error_set(f.rc, "%s", f.err);
	return f.rc;
}

static void *writer_main(void *arg)
{
	daemon_t *d = arg;
	ra_store *w = NULL;
	int rc = ra_store_open(&w, d->ws->db_path, false);

	if (rc) {
		ra_log(&d->lg, RA_LOG_ERROR, "cannot open the index for writing: %s",
		       ra_error_last());
		pthread_mutex_lock(&d->mu);
		snprintf(d->last_error, sizeof(d->last_error), "%s", ra_error_last());
		pthread_mutex_unlock(&d->mu);
		return NULL;
	}
	for (;;) {
		ra_index_opts o = d->index;
		ra_index_summary sum;
		json_t *paths;
		const char **list = NULL;
		size_t n = 0, i = 0;
		const char *key;
		json_t *v;
		bool full;
		char text[256];

		pthread_mutex_lock(&d->mu);
		while (!d->stop && !d->want_full && !json_object_size(d->pending))
			pthread_cond_wait(&d->cv, &d->mu);
		if (d->stop) {
			pthread_mutex_unlock(&d->mu);
			break;
		}
		full = d->want_full;
		paths = d->pending;
		d->pending = json_object();
		d->want_full = false;
		d->indexing = true;
		d->running_full = full;
		d->done = d->total = 0;
		d->last_report = -1;
		if (full)
			broadcast(d, RA_LSP_INDEX_BEGIN, 0, 0, 0, NULL);
		pthread_mutex_unlock(&d->mu);

		if (!full) {
			n = json_object_size(paths);
			list = ra_calloc(n + 1, sizeof(*list));
			if (list)
				json_object_foreach(paths, key, v) list[i++] = key;
		}
		o.store = w;
		o.progress = on_progress;
		o.payload = d;
		o.cancel = &d->cancel;
		o.paths = list;
		o.npaths = list ? n : 0;
		if (full)
			rc = run_full(d, &o, &sum);
		else
			rc = list ? ra_index_run(&o, &sum) : ra_error_oom();
		if (rc)
			snprintf(text, sizeof(text), "%s", ra_error_last());
		else
			snprintf(text, sizeof(text),
			         "indexed %zu files (%zu parsed, %zu deleted) in %.2f s: %lld "
			         "units, "
			         "%lld symbols",
			         sum.files, sum.parsed, sum.deleted, sum.seconds,
			         (long long)sum.units, (long long)sum.symbols);
		ra_log(&d->lg, rc ? RA_LOG_WARN : RA_LOG_INFO, "%s run%s: %s",
		       full ? "full" : "file", rc ? " failed" : "", text);
		ra_free(list);
		json_decref(paths);

		pthread_mutex_lock(&d->mu);
		d->indexing = false;
		if (rc) {
			snprintf(d->last_error, sizeof(d->last_error), "%s", text);
		} else {
			d->last_error[0] = '\0';
			json_decref(d->last_run);
			d->last_run = json_pack(
			        "{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f}", "kind",
			        full ? "full" : "files", "files", (json_int_t)sum.files, "parsed",
			        (json_int_t)sum.parsed, "unchanged", (json_int_t)sum.unchanged,
			        "deleted", (json_int_t)sum.deleted, "skipped",
			        (json_int_t)sum.skipped, "files_with_errors",
			        (json_int_t)sum.with_errors, "units", (json_int_t)sum.units,
			        "symbols", (json_int_t)sum.symbols, "seconds", sum.seconds);
		}
		if (!rc)
			d->parsed_total += sum.parsed;
		if (full)
			d->full_runs++;
		else
			d->file_runs++;
		d->generation++;
		broadcast(d, full ? RA_LSP_INDEX_END : RA_LSP_INDEX_UPDATED, 0, 0, rc, text);
		pthread_mutex_unlock(&d->mu);
	}
	ra_store_close(w);
	return NULL;
}

/* queues a run: NULL paths is the whole workspace; paths are copied */
static void enqueue(daemon_t *d, const char *const *paths, size_t n)
{
	pthread_mutex_lock(&d->mu);
	if (!paths)
		d->want_full = true;
	for (size_t i = 0; paths && i < n; i++)
		json_object_set_new(d->pending, paths[i], json_true());
	pthread_cond_signal(&d->cv);
	pthread_mutex_unlock(&d->mu);
}

static void on_watch(const char *const *paths, size_t n, bool rescan, void *payload)
{
	enqueue(payload, rescan ? NULL : paths, n);
}

/* ---- sessions ----------------------------------------------------------------------------- */

static int session_open(ra_lsp_workspace *out, const char *root, const json_t *settings,
                        void *payload)
{
	session *se = payload;
	daemon_t *d = se->d;

	(void)root; /* a session always serves the daemon's workspace (opts.root forces it) */
	/* each editor session has its own models: its client may name others */
	ra_llm_open_session(&se->models, d->ws->root, settings, &d->lg);
	memset(out, 0, sizeof(*out));
	out->complete = se->models.complete;
	out->chat = se->models.chat;
	out->complete_debounce_ms = se->models.debounce_ms;
	out->complete_context_tokens = se->models.context_tokens;
	out->root = d->ws->root;
	out->db_path = d->ws->db_path;
	out->state_dir = d->ws->state_dir;
	out->index = d->index;
	out->embed = &d->ec;   /* each session's search opens its own embedder from it */
	out->writable = false; /* the daemon's writer indexes (index_submit) */
	return RA_OK;
}

static void session_close(ra_lsp_workspace *ws, void *payload)
{
	session *se = payload;

	ra_llm_session_free(&se->models);
	ws->complete = ws->chat = NULL;
}

static int session_submit(const char *const *paths, size_t n, void *payload)
{
	session *se = payload;

	enqueue(se->d, paths, n);
	return RA_OK;
}

static void session_attach(ra_lsp_session *s, void *payload)
{
	session *se = payload;
	daemon_t *d = se->d;

	pthread_mutex_lock(&d->mu);
	se->lsp = s;
	if (d->indexing && d->running_full)
		ra_lsp_index_event(s, RA_LSP_INDEX_BEGIN, 0, 0, 0, NULL);
	pthread_mutex_unlock(&d->mu);
}

static void session_detach(ra_lsp_session *s, void *payload)
{
	session *se = payload;

	(void)s;
	pthread_mutex_lock(&se->d->mu);
	se->lsp = NULL;
	pthread_mutex_unlock(&se->d->mu);
}

static json_t *status_json(daemon_t *d)
{
	json_t *st;

	pthread_mutex_lock(&d->mu);
	st = json_pack("{s:s, s:I, s:s, s:s, s:s, s:b, s:I, s:{s:I, s:I}, s:I, s:I, s:I, s:I, "
	               "s:I, s:f, s:O?, s:s?, s:I, s:s?}",
	               "workspace", d->ws->root, "pid", (json_int_t)getpid(), "socket",
	               d->sock_path, "log", d->log_path, "state", d->indexing ? "indexing" : "idle",
	               "full", d->indexing && d->running_full, "queued",
	               (json_int_t)(json_object_size(d->pending) + (d->want_full ? 1 : 0)),
	               "progress", "done", (json_int_t)d->done, "total", (json_int_t)d->total,
	               "full_runs", (json_int_t)d->full_runs, "file_runs", (json_int_t)d->file_runs,
	               "parsed_total", (json_int_t)d->parsed_total, "sessions",
	               (json_int_t)d->nsessions, "watched_directories",
	               (json_int_t)ra_watch_count(d->watch), "uptime", ra_now() - d->started,
	               "last_run", d->last_run, "last_error",
	               d->last_error[0] ? d->last_error : NULL, "cli_runs", (json_int_t)d->cli_runs,
	               "tcp", d->tcp_fd >= 0 ? d->tcp_addr : NULL);
	pthread_mutex_unlock(&d->mu);
	return st;
}

/* under qmu: the read connection, its searcher and its graph handle, opened once and kept:
 * each statement on a WAL connection reads the latest commit, the searcher reloads what it
 * holds in memory (vector file, name table — the latter in the background) when the index
 * changed (search.h), and the graph drops its cache of units and flows then (refreshed here,
 * before each command, never while one holds what it returned), so a query after a run
 * neither reopens nor waits for a rebuild, and a trace reuses what earlier ones read */
static int query_ready(daemon_t *d, char *msg, size_t cap)
{
	if (!d->qstore || !d->qsearch) {
		ra_graph_close(d->qgraph);
		d->qgraph = NULL;
		ra_searcher_close(d->qsearch);
		d->qsearch = NULL;
		ra_store_close(d->qstore);
		d->qstore = NULL;
		if (ra_workspace_store(d->ws, &d->qstore, false) != RA_OK) {
			snprintf(msg, cap, "the index cannot be read: %s", ra_error_last());
			return RA_RPC_REQUEST_FAILED;
		}
		if (ra_searcher_open(&d->qsearch, d->qstore, d->ws->state_dir, d->qemb, &d->qlog) !=
		    RA_OK)
			ra_log(&d->lg, RA_LOG_WARN, "search: %s", ra_error_last());
	}
	if (d->qgraph)
		ra_graph_refresh(d->qgraph);
	else if (ra_graph_open(&d->qgraph, d->qstore) != RA_OK)
		d->qgraph = NULL; /* out of memory: each command opens its own */
	return 0;
}

/* rtlassist/run: a query command of the command line, its output returned (cli.h) */
static int run_query(daemon_t *d, json_t *params, json_t **result, char *msg, size_t cap)
{
	json_t *args = json_object_get(params, "argv"), *a;
	char *argv[RUN_MAX_ARGS + 1];
	char *obuf = NULL, *ebuf = NULL;
	size_t n = json_array_size(args), i, olen = 0, elen = 0;
	FILE *out, *err;
	ra_cli_env env;
	int code, exit_code;

	if (!json_is_array(args) || n < 1 || n > RUN_MAX_ARGS) {
		snprintf(msg, cap, "argv must be an array of 1 to %d strings", RUN_MAX_ARGS);
		return RA_RPC_INVALID_PARAMS;
	}
	json_array_foreach(args, i, a)
	{
		if (!json_is_string(a) || json_string_length(a) > RUN_MAX_ARG_BYTES ||
		    strlen(json_string_value(a)) != json_string_length(a)) {
			snprintf(msg, cap, "argv[%zu]: a string of at most %d bytes without NUL", i,
			         RUN_MAX_ARG_BYTES);
			return RA_RPC_INVALID_PARAMS;
		}
		argv[i] = (char *)json_string_value(a);
	}
	argv[n] = NULL;
	out = open_memstream(&obuf, &olen);
	err = open_memstream(&ebuf, &elen);
	if (!out || !err) {
		if (out)
			fclose(out);
		if (err)
			fclose(err);
		free(obuf);
		free(ebuf);
		snprintf(msg, cap, "out of memory");
		return RA_RPC_INTERNAL_ERROR;
	}
	pthread_mutex_lock(&d->qmu);
	code = query_ready(d, msg, cap);
	if (!code) {
		env = (ra_cli_env){out, err, d->ws, d->qstore, d->qsearch, d->qgraph};
		exit_code = ra_cli_run_query(&env, (int)n, argv, msg, cap);
		if (exit_code < 0)
			code = RA_RPC_INVALID_PARAMS;
		else
			*result = json_pack("{s:i}", "exit", exit_code);
	}
	pthread_mutex_unlock(&d->qmu);
	fclose(out);
	fclose(err);
	if (!code && *result) {
		/* JSON strings are UTF-8: other output (a file's Latin-1 comment in a snippet) is
		   refused, and the command line then reads the index itself */
		json_t *o = json_stringn(obuf ? obuf : "", olen),
		       *e = json_stringn(ebuf ? ebuf : "", elen);

		if (!o || !e) {
			json_decref(o);
			json_decref(e);
			json_decref(*result);
			*result = NULL;
			snprintf(msg, cap, "the output is not UTF-8");
			code = RA_RPC_REQUEST_FAILED;
		} else {
			json_object_set_new(*result, "stdout", o);
			json_object_set_new(*result, "stderr", e);
		}
	} else if (!code) {
		snprintf(msg, cap, "out of memory");
		code = RA_RPC_INTERNAL_ERROR;
	}
	free(obuf);
	free(ebuf);
	if (!code) {
		pthread_mutex_lock(&d->mu);
		d->cli_runs++;
		pthread_mutex_unlock(&d->mu);
		ra_log(&d->lg, RA_LOG_DEBUG, "ran `%s` for a client", argv[0]);
	}
	return code;
}

static int session_request(const char *method, json_t *params, json_t **result, char *msg,
                           size_t cap, void *payload)
{
	session *se = payload;
	daemon_t *d = se->d;

	if (!strcmp(method, "rtlassist/status")) {
		*result = status_json(d);
		return *result ? 0 : RA_RPC_INTERNAL_ERROR;
	}
	if (!strcmp(method, "rtlassist/reindex")) {
		json_t *paths = json_object_get(params, "paths"), *p;
		size_t i, n = json_array_size(paths);
		const char **list;

		if (paths && (!json_is_array(paths) || n > REINDEX_MAX_PATHS)) {
			snprintf(msg, cap, "paths must be an array of at most %d file names",
			         REINDEX_MAX_PATHS);
			return RA_RPC_INVALID_PARAMS;
		}
		if (!n) {
			enqueue(d, NULL, 0);
			*result = json_pack("{s:s}", "queued", "full");
			return 0;
		}
		list = ra_calloc(n, sizeof(*list));
		if (!list)
			return RA_RPC_INTERNAL_ERROR;
		json_array_foreach(paths, i, p)
		{
			char rel[PATH_MAX], *abs;
			const char *s = json_string_value(p);

			if (!s || !ra_walk_relative(d->ws->root, s, rel, sizeof(rel))) {
				snprintf(msg, cap,
				         "paths[%zu]: not a file name inside the workspace", i);
				for (size_t j = 0; j < i; j++)
					ra_free((char *)list[j]);
				ra_free(list);
				return RA_RPC_INVALID_PARAMS;
			}
			abs = ra_malloc(strlen(d->ws->root) + strlen(rel) + 2);
			if (abs)
				sprintf(abs, "%s/%s", d->ws->root, rel);
			list[i] = abs ? abs : "";
		}
		enqueue(d, list, n);
		for (i = 0; i < n; i++)
			if (*list[i])
				ra_free((char *)list[i]);
		ra_free(list);
		*result = json_pack("{s:s, s:I}", "queued", "files", "files", (json_int_t)n);
		return 0;
	}
	if (!strcmp(method, "rtlassist/run"))
		return run_query(d, params, result, msg, cap);
	if (!strcmp(method, "rtlassist/shutdown")) {
		ra_log(&d->lg, RA_LOG_INFO, "shutdown requested by a client");
		if (write(d->wake[1], "q", 1) != 1)
			return RA_RPC_INTERNAL_ERROR;
		*result = json_null();
		return 0;
	}
	return RA_RPC_METHOD_NOT_FOUND;
}

/* constant time in the bytes of the presented token: no early exit on the first mismatch */
static bool token_equal(const char *want, const char *got)
{
	size_t nw = strlen(want), ng = strlen(got);
	unsigned char diff = (unsigned char)(nw != ng);

	for (size_t i = 0; i < ng; i++)
		diff |= (unsigned char)(got[i] ^ want[i % nw]);
	return diff == 0;
}

/*
 * A TCP session's first message must be `initialize` with initializationOptions.token equal
 * to the daemon's token. On success *prefix holds that message (without the token) and the
 * bytes read after it, for the session to start from; else the client got an error reply.
 */
static bool authenticate(daemon_t *d, session *se, ra_buf *prefix)
{
	struct timeval tv = {AUTH_TIMEOUT_S, 0}, none = {0, 0};
	ra_frame_reader r;
	ra_buf body;
	ra_rpc_msg m = {0};
	json_t *opts, *reply;
	const char *tok, *why = NULL;
	char *text = NULL;
	int rc;

	setsockopt(se->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ra_frame_reader_init(&r, se->fd, AUTH_FRAME_MAX);
	ra_buf_init(&body, 0);
	rc = ra_frame_read(&r, &body);
	if (rc) {
		why = "no message";
		goto out;
	}
	ra_rpc_parse(&m, body.data, body.len);
	opts = json_object_get(m.params, "initializationOptions");
	tok = json_string_value(json_object_get(opts, "token"));
	if (m.kind != RA_RPC_REQUEST || strcmp(m.method, "initialize") != 0) {
		why = "the first message of a TCP session must be initialize with "
		      "initializationOptions.token";
	} else if (!tok || strlen(tok) > TOKEN_MAX || !token_equal(d->token, tok)) {
		why = tok ? "wrong token"
		          : "no token: initialize needs initializationOptions.token";
	} else {
		json_object_del(opts, "token");
		text = json_dumps(m.root, JSON_COMPACT);
		if (!text)
			why = "out of memory";
	}
	if (why) {
		reply = ra_rpc_error(m.kind == RA_RPC_REQUEST ? m.id : NULL, RA_RPC_INVALID_REQUEST,
		                     why);
		text = reply ? json_dumps(reply, JSON_COMPACT) : NULL;
		json_decref(reply);
		if (text)
			ra_frame_write(se->fd, text, strlen(text));
		free(text);
		text = NULL;
		goto out;
	}
	ra_buf_printf(prefix, "Content-Length: %zu\r\n\r\n%s", strlen(text), text);
	ra_buf_append(prefix, r.buf + r.pos, r.len - r.pos);
	free(text);
	setsockopt(se->fd, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof(none));
out:
	if (why)
		ra_log(&d->lg, RA_LOG_WARN, "refused a TCP session on fd %d: %s", se->fd, why);
	ra_rpc_msg_clear(&m);
	ra_buf_free(&body);
	ra_frame_reader_free(&r);
	return why == NULL;
}

static void *session_main(void *arg)
{
	session *se = arg;
	daemon_t *d = se->d;
	ra_buf prefix;
	int code = 1;
	ra_lsp_opts lo = {
	        .in_fd = se->fd,
	        .out_fd = se->fd,
	        .root = d->ws->root,
	        .open = session_open,
	        .close = session_close,
	        .payload = se,
	        .log = &d->lg,
	        .index_submit = session_submit,
	        .attach = session_attach,
	        .detach = session_detach,
	        .extra_request = session_request,
	};

	ra_buf_init(&prefix, 0);
	if (!se->tcp || authenticate(d, se, &prefix)) {
		lo.prefix = prefix.data;
		lo.nprefix = prefix.len;
		code = ra_lsp_serve(&lo);
	}
	ra_buf_free(&prefix);
	ra_log(&d->lg, RA_LOG_INFO, "session on fd %d ended (%d)", se->fd, code);
	pthread_mutex_lock(&d->mu);
	se->finished = true;
	pthread_mutex_unlock(&d->mu);
	if (write(d->wake[1], "r", 1) != 1) {
		/* the main loop reaps at its next wake-up anyway */
	}
	return NULL;
}

/* true when the daemon has been idle for idle_exit seconds: no sessions, nothing to index */
static bool idle_expired(daemon_t *d)
{
	double now = ra_now();
	bool busy, expired;

	pthread_mutex_lock(&d->mu);
	busy = d->nsessions || d->indexing || d->want_full || json_object_size(d->pending);
	if (busy)
		d->idle_since = now;
	expired = !busy && now - d->idle_since >= d->idle_exit;
	pthread_mutex_unlock(&d->mu);
	return expired;
}

/* joins the sessions that ended (all of them with `all`, after shutting their input) */
static void reap(daemon_t *d, bool all)
{
	pthread_mutex_lock(&d->mu);
	for (size_t i = 0; all && i < d->nsessions; i++)
		shutdown(d->sessions[i]->fd, SHUT_RD);
	for (size_t i = 0; i < d->nsessions;) {
		session *se = d->sessions[i];

		if (!se->finished && !all) {
			i++;
			continue;
		}
		d->sessions[i] = d->sessions[--d->nsessions];
		pthread_mutex_unlock(&d->mu);
		pthread_join(se->thread, NULL);
		close(se->fd);
		ra_free(se);
		pthread_mutex_lock(&d->mu);
	}
	pthread_mutex_unlock(&d->mu);
}

static void accept_one(daemon_t *d, bool tcp)
{
	struct ucred cred = {0};
	socklen_t len = sizeof(cred);
	int fd = accept4(tcp ? d->tcp_fd : d->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	session *se;

	if (fd < 0)
		return;
	if (tcp) {
		struct sockaddr_in peer;
		socklen_t plen = sizeof(peer);
		char addr[INET_ADDRSTRLEN] = "?";

		if (getpeername(fd, (struct sockaddr *)&peer, &plen) == 0)
			inet_ntop(AF_INET, &peer.sin_addr, addr, sizeof(addr));
		ra_log(&d->lg, RA_LOG_INFO, "TCP connection from %s on fd %d", addr, fd);
	} else if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 ||
	           cred.uid != geteuid()) {
		ra_log(&d->lg, RA_LOG_WARN, "refused a connection from uid %ld (pid %ld)",
		       (long)cred.uid, (long)cred.pid);
		close(fd);
		return;
	}
	pthread_mutex_lock(&d->mu);
	if (d->nsessions == MAX_SESSIONS) {
		pthread_mutex_unlock(&d->mu);
		ra_log(&d->lg, RA_LOG_WARN, "refused a connection: %d sessions already",
		       MAX_SESSIONS);
		close(fd);
		return;
	}
	se = ra_calloc(1, sizeof(*se));
	if (se) {
		se->d = d;
		se->fd = fd;
		se->tcp = tcp;
	}
	if (!se || pthread_create(&se->thread, NULL, session_main, se) != 0) {
		pthread_mutex_unlock(&d->mu);
		ra_log(&d->lg, RA_LOG_ERROR, "cannot start a session");
		ra_free(se);
		close(fd);
		return;
	}
	d->sessions[d->nsessions++] = se;
	d->sessions_served++;
	pthread_mutex_unlock(&d->mu);
	if (!tcp)
		ra_log(&d->lg, RA_LOG_INFO, "session on fd %d from pid %ld", fd, (long)cred.pid);
}

/* ---- start and stop ----------------------------------------------------------------------- */

static int listen_on(daemon_t *d)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	mode_t old;
	int rc;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", d->sock_path);
	d->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (d->listen_fd < 0)
		return ra_error_set(RA_ERR, "socket: %s", strerror(errno));
	unlink(d->sock_path); /* a previous daemon's, killed: we hold the lock now */
	old = umask(0077);    /* the socket is created 0600: only its owner may connect */
	rc = bind(d->listen_fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc != 0 || chmod(d->sock_path, 0600) != 0 || listen(d->listen_fd, 16) != 0)
		return ra_error_set(RA_ERR, "%s: %s", d->sock_path, strerror(errno));
	return RA_OK;
}

/* daemon.tcp: "HOST:PORT" or "PORT" (127.0.0.1), only with a token of TOKEN_MIN bytes */
static int listen_tcp(daemon_t *d)
{
	const ra_config *c = d->ws->config;
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof(sa);
	const char *spec = c->daemon_tcp, *colon = strrchr(spec, ':');
	const char *num = colon ? colon + 1 : spec, *tok;
	char host[64] = "127.0.0.1", *end;
	long port;
	int one = 1;

	if (!*spec)
		return RA_OK;
	if (colon && (size_t)(colon - spec) < sizeof(host)) {
		memcpy(host, spec, (size_t)(colon - spec));
		host[colon - spec] = '\0';
	}
	port = strtol(num, &end, 10);
	if ((colon && (size_t)(colon - spec) >= sizeof(host)) || *end || end == num || port < 0 ||
	    port > 65535 || inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		return ra_error_set(RA_EINVAL,
		                    "daemon.tcp: bad value \"%s\"; accepted: \"HOST:PORT\" with a "
		                    "numeric IPv4 HOST, or \"PORT\" (127.0.0.1), PORT 0..65535",
		                    spec);
	tok = getenv(c->daemon_token_env);
	if (!tok || strlen(tok) < TOKEN_MIN || strlen(tok) > TOKEN_MAX)
		return ra_error_set(RA_EINVAL,
		                    "daemon.tcp is set but the environment variable %s "
		                    "(daemon.token_env) holds no token of %d to %d bytes: refusing "
		                    "to listen on TCP",
		                    c->daemon_token_env, TOKEN_MIN, TOKEN_MAX);
	d->token = ra_strdup(tok);
	if (!d->token)
		return ra_error_oom();
	sa.sin_port = htons((uint16_t)port);
	d->tcp_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (d->tcp_fd < 0)
		return ra_error_set(RA_ERR, "socket: %s", strerror(errno));
	setsockopt(d->tcp_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(d->tcp_fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(d->tcp_fd, 16) != 0 || getsockname(d->tcp_fd, (struct sockaddr *)&sa, &len) != 0)
		return ra_error_set(RA_ERR, "daemon.tcp %s: %s", spec, strerror(errno));
	snprintf(d->tcp_addr, sizeof(d->tcp_addr), "%s:%u", host, (unsigned)ntohs(sa.sin_port));
	return RA_OK;
}

static int index_template(daemon_t *d)
{
	const ra_config *c = d->ws->config;

	d->libs = ra_calloc(c->nvhdl_libraries + 1, sizeof(*d->libs));
	d->vectors_path = ra_malloc(strlen(d->ws->state_dir) + sizeof(RA_VECTORS_FILE) + 2);
	if (!d->libs || !d->vectors_path)
		return ra_error_oom();
	sprintf(d->vectors_path, "%s/%s", d->ws->state_dir, RA_VECTORS_FILE);
	for (size_t i = 0; i < c->nvhdl_libraries; i++)
		d->libs[i] =
		        (ra_index_library){c->vhdl_libraries[i].key, c->vhdl_libraries[i].value};
	ra_config_embed(c, &d->ec, &d->lg);
	if (ra_embedder_open(&d->qemb, &d->ec) != RA_OK) {
		ra_log(&d->lg, RA_LOG_WARN, "search: embedder: %s; vector channel off",
		       ra_error_last());
		d->qemb = NULL;
	}
	d->index = (ra_index_opts){
	        .root = d->ws->root,
	        .threads = (int)c->threads,
	        .max_file_size = (uint64_t)c->max_file_size,
	        .verilog_exts = c->verilog_exts,
	        .sv_exts = c->sv_exts,
	        .vhdl_exts = c->vhdl_exts,
	        .libraries = d->libs,
	        .nlibraries = c->nvhdl_libraries,
	        .log = &d->lg,
	        .embed = &d->ec,
	        .vectors_path = d->vectors_path,
	};
	return RA_OK;
}

/* the second daemon's message: who serves the workspace */
static void report_holder(daemon_t *d)
{
	char busy[512];
	ra_daemon_client *c = NULL;
	json_t *st = NULL;

	snprintf(busy, sizeof(busy), "%s", ra_error_last());
	if (ra_daemon_client_open(&c, d->ws, 5000) == RA_OK &&
	    ra_daemon_call(c, &st, "rtlassist/status", NULL) == RA_OK)
		fprintf(stderr,
		        "rtlassist serve: a daemon already serves %s: pid %lld, socket %s\n",
		        d->ws->root, (long long)json_integer_value(json_object_get(st, "pid")),
		        json_string_value(json_object_get(st, "socket")));
	else
		fprintf(stderr, "rtlassist serve: %s: %s (socket %s)\n", d->ws->root, busy,
		        d->sock_path);
	json_decref(st);
	ra_daemon_client_close(c);
}

static void teardown(daemon_t *d)
{
	if (d->listen_fd >= 0) {
		close(d->listen_fd);
		unlink(d->sock_path);
	}
	if (d->tcp_fd >= 0)
		close(d->tcp_fd);
	reap(d, true);
	if (d->writer_started) {
		pthread_mutex_lock(&d->mu);
		d->stop = true;
		d->cancel = 1;
		pthread_cond_signal(&d->cv);
		pthread_mutex_unlock(&d->mu);
		pthread_join(d->writer, NULL);
	}
	/* last: while the watcher holds libgit2 initialised, the other threads' libgit2 state is
	   freed when they end (it would leak once libgit2 is shut down) */
	ra_watch_stop(d->watch);
	ra_graph_close(d->qgraph);
	ra_searcher_close(d->qsearch);
	ra_embedder_close(d->qemb);
	ra_store_close(d->qstore);
	pthread_mutex_destroy(&d->qmu);
	json_decref(d->pending);
	json_decref(d->last_run);
	ra_free(d->libs);
	ra_free(d->vectors_path);
	if (d->token) {
		memset(d->token, 0, strlen(d->token));
		ra_free(d->token);
	}
	if (d->logf) {
		ra_log(&d->lg, RA_LOG_INFO, "stopped");
		fclose(d->logf);
	}
	ra_workspace_close(d->ws); /* releases the lock */
	pthread_cond_destroy(&d->cv);
	pthread_mutex_destroy(&d->mu);
	if (d->wake[0] >= 0) {
		close(d->wake[0]);
		close(d->wake[1]);
	}
}

/* tells the waiting `--detach` parent how the start went, then lets it go */
static void notify_parent(int *fd, const char *msg)
{
	if (*fd < 0)
		return;
	if (write(*fd, msg, strlen(msg)) < 0) {
		/* the parent is gone: nothing to tell */
	}
	close(*fd);
	*fd = -1;
}

static void detach_stdio(void)
{
	int null = open("/dev/null", O_RDWR);

	if (null < 0)
		return;
	dup2(null, 0);
	dup2(null, 1);
	dup2(null, 2);
	if (null > 2)
		close(null);
}

static const char usage[] =
        "usage: rtlassist serve [-C DIR] [--detach] [--no-watch] [--idle-exit] [-v]\n\n"
        "Runs the workspace's daemon: keeps its index up to date (inotify, daemon.watch) and\n"
        "answers editors (`rtlassist lsp` attaches to it) and the command line over the Unix\n"
        "socket DIR/.rtlassist/daemon.sock. One daemon per workspace; logs in\n"
        "DIR/.rtlassist/daemon.log. --detach: run in the background once listening.\n"
        "SIGTERM or SIGINT (or `rtlassist stop`) shut it down cleanly. --idle-exit: exit\n"
        "after daemon.idle_exit_s seconds without sessions (how `rtlassist lsp` starts it).\n";

int ra_cmd_serve(int argc, char **argv)
{
	static daemon_t the;
	daemon_t *d = &the;
	ra_cli_opts o = {0};
	ra_logger cli_lg;
	bool detach = false, no_watch = false, idle_exit = false;
	int status_fd = -1, code = 1, rc;
	struct sigaction sa = {0};

	for (int i = 1; i < argc; i++) {
		if (ra_cli_common_opt(&o, argc, argv, &i))
			continue;
		if (!strcmp(argv[i], "--help")) {
			fputs(usage, stdout);
			return 0;
		}
		if (!strcmp(argv[i], "--detach")) {
			detach = true;
			continue;
		}
		if (!strcmp(argv[i], "--no-watch")) {
			no_watch = true;
			continue;
		}
		if (!strcmp(argv[i], "--idle-exit")) {
			idle_exit = true;
			continue;
		}
		fprintf(stderr, "rtlassist serve: unexpected argument '%s'\n%s", argv[i], usage);
		return 2;
	}
	cli_lg = ra_cli_logger(&o);
	signal(SIGPIPE, SIG_IGN); /* a client that went away is an error on write, not a death */
	memset(d, 0, sizeof(*d));
	d->listen_fd = d->tcp_fd = d->wake[0] = d->wake[1] = -1;
	pthread_mutex_init(&d->mu, NULL);
	pthread_mutex_init(&d->qmu, NULL);
	pthread_cond_init(&d->cv, NULL);
	d->qlog = ra_cli_logger(
	        &(ra_cli_opts){0}); /* a warm searcher's warnings go to its client's stderr */
	d->started = ra_now();
	d->pending = json_object();
	d->lg = (ra_logger){log_fn, d, RA_LOG_INFO};
	if (!d->pending || pipe2(d->wake, O_CLOEXEC) != 0) {
		fprintf(stderr, "rtlassist serve: cannot start: %s\n", strerror(errno));
		goto out;
	}
	rc = ra_workspace_open(&d->ws, o.workspace, true, &cli_lg);
	if (!rc)
		rc = ra_daemon_socket_path(d->ws, d->sock_path, sizeof(d->sock_path));
	if (!rc)
		rc = log_level_of(d->ws->config->daemon_log_level, &d->lg.level);
	if (rc) {
		fprintf(stderr, "rtlassist serve: %s\n", ra_error_last());
		goto out;
	}
	if (o.verbose)
		d->lg.level = o.verbose > 1 ? RA_LOG_DEBUG : RA_LOG_INFO;
	if (idle_exit)
		d->idle_exit = (double)d->ws->config->daemon_idle_exit_s;
	if (ra_workspace_lock(d->ws, false) != RA_OK) {
		report_holder(d);
		goto out;
	}
	if (detach) {
		int p[2];
		pid_t pid;

		if (pipe2(p, O_CLOEXEC) != 0 || (pid = fork()) < 0) {
			fprintf(stderr, "rtlassist serve: cannot detach: %s\n", strerror(errno));
			goto out;
		}
		if (pid > 0) {
			/* the parent: wait for the daemon's word, report it, and leave (the flock
			   is shared with the child through the same open file) */
			char msg[512];
			ssize_t n, len = 0;

			close(p[1]);
			while ((n = read(p[0], msg + len, sizeof(msg) - 1 - (size_t)len)) > 0 ||
			       (n < 0 && errno == EINTR))
				len += n > 0 ? n : 0;
			close(p[0]);
			msg[len > 0 ? len : 0] = '\0';
			if (strncmp(msg, "ok ", 3) != 0) {
				fprintf(stderr, "rtlassist serve: %s\n",
				        *msg ? msg : "the daemon exited during start");
				_exit(1);
			}
			fprintf(stderr, "rtlassist: serving %s on %s (pid %s)\n", d->ws->root,
			        d->sock_path, msg + 3);
			_exit(0);
		}
		close(p[0]);
		status_fd = p[1];
		setsid();
		/* the lock file names the holder: now this process */
		if (ftruncate(d->ws->lock_fd, 0) == 0) {
			char me[32];
			int n = snprintf(me, sizeof(me), "%ld\n", (long)getpid());

			if (pwrite(d->ws->lock_fd, me, (size_t)n, 0) != n)
				me[0] = '\0'; /* informative only */
		}
	} else {
		d->log_stderr = true;
	}
	rc = open_log(d);
	if (!rc)
		rc = index_template(d);
	if (!rc)
		rc = listen_on(d);
	if (!rc)
		rc = listen_tcp(d);
	if (rc) {
		char msg[600];

		snprintf(msg, sizeof(msg), "%s", ra_error_last());
		if (status_fd < 0)
			fprintf(stderr, "rtlassist serve: %s\n", msg);
		ra_log(&d->lg, RA_LOG_ERROR, "cannot start: %s", msg);
		notify_parent(&status_fd, msg);
		goto out;
	}
	wake_fd = d->wake[1];
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGHUP, SIG_IGN);

	d->want_full = true; /* bring the index up to date at start */
	if (pthread_create(&d->writer, NULL, writer_main, d) == 0)
		d->writer_started = true;
	else
		ra_log(&d->lg, RA_LOG_ERROR, "cannot start the writer thread; serving read-only");
	if (!no_watch && d->ws->config->daemon_watch) {
		ra_watch_opts wo = {
		        .root = d->ws->root,
		        .state_dir = d->ws->state_dir,
		        .exts = {d->ws->config->verilog_exts, d->ws->config->sv_exts,
		                 d->ws->config->vhdl_exts},
		        .quiet_ms = (int)d->ws->config->daemon_coalesce_ms,
		        .changed = on_watch,
		        .payload = d,
		        .log = &d->lg,
		};

		if (ra_watch_start(&d->watch, &wo) != RA_OK)
			ra_log(&d->lg, RA_LOG_WARN, "%s; files are not watched", ra_error_last());
	}
	ra_log(&d->lg, RA_LOG_INFO, "serving %s on %s (pid %ld)", d->ws->root, d->sock_path,
	       (long)getpid());
	if (d->tcp_fd >= 0)
		ra_log(&d->lg, RA_LOG_INFO, "listening on TCP %s (sessions present the token)",
		       d->tcp_addr);
	if (d->idle_exit > 0)
		ra_log(&d->lg, RA_LOG_INFO, "exiting after %.0f s without sessions", d->idle_exit);
	d->idle_since = ra_now();
	if (status_fd >= 0) {
		char msg[32];

		detach_stdio();
		snprintf(msg, sizeof(msg), "ok %ld", (long)getpid());
		notify_parent(&status_fd, msg);
	}
	for (;;) {
		struct pollfd p[3] = {
		        {d->listen_fd, POLLIN, 0}, {d->wake[0], POLLIN, 0}, {d->tcp_fd, POLLIN, 0}};
		char c[16];
		ssize_t n;
		bool quit = false;

		if (poll(p, 3, d->idle_exit > 0 ? IDLE_POLL_MS : -1) < 0 && errno != EINTR)
			break;
		if (d->idle_exit > 0 && idle_expired(d)) {
			ra_log(&d->lg, RA_LOG_INFO, "no session for %.0f s: exiting", d->idle_exit);
			break;
		}
		if (p[1].revents & POLLIN) {
			n = read(d->wake[0], c, sizeof(c));
			for (ssize_t i = 0; i < n; i++) {
				if (c[i] == SIGTERM || c[i] == SIGINT)
					ra_log(&d->lg, RA_LOG_INFO, "%s: shutting down",
					       c[i] == SIGTERM ? "SIGTERM" : "SIGINT");
				if (c[i] != 'r')
					quit = true;
			}
			reap(d, false);
		}
		if (quit)
			break;
		if (p[0].revents & POLLIN)
			accept_one(d, false);
		if (p[2].revents & POLLIN)
			accept_one(d, true);
	}
	code = 0;
out:
	notify_parent(&status_fd, "the daemon could not start");
	wake_fd = -1;
	teardown(d);
	return code;
}
