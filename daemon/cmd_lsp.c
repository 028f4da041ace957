/*
 * cmd_lsp.c - `rtlassist lsp`: the Language Server over stdin/stdout (lsp/server.h).
 *
 * This file gives the server its workspace: root, settings, state directory, and the writer lock
 * (when another process holds it, the server only reads the index). stdout is the protocol:
 * everything else goes to stderr.
 */
#define _DEFAULT_SOURCE
#include "daemon/cli.h"
#include "daemon/daemon.h"
#include "daemon/llm.h"
#include "daemon/workspace.h"
#include "indexer/vectors.h"
#include "lsp/frame.h"
#include "lsp/jsonrpc.h"
#include "lsp/server.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

typedef struct lsp_host {
	ra_cli_opts o;
	ra_logger lg;
	ra_workspace *ws;
	ra_index_library *libs;
	ra_embed_config ec;
	char *vectors_path;
	ra_llm_session models; /* the language models (daemon/llm.h) */
} lsp_host;

static int open_ws(ra_lsp_workspace *out, const char *root, const json_t *settings, void *payload)
{
	lsp_host *h = payload;
	ra_workspace *ws = NULL;
	int rc = ra_workspace_open(&ws, root, true, &h->lg);

	if (rc)
		return rc;
	h->ws = ws;
	h->libs = ra_calloc(ws->config->nvhdl_libraries + 1, sizeof(*h->libs));
	h->vectors_path = ra_malloc(strlen(ws->state_dir) + sizeof(RA_VECTORS_FILE) + 2);
	if (!h->libs || !h->vectors_path) {
		ra_workspace_close(ws);
		h->ws = NULL;
		return RA_ENOMEM;
	}
	sprintf(h->vectors_path, "%s/%s", ws->state_dir, RA_VECTORS_FILE);
	for (size_t i = 0; i < ws->config->nvhdl_libraries; i++)
		h->libs[i] = (ra_index_library){ws->config->vhdl_libraries[i].key,
		                                ws->config->vhdl_libraries[i].value};
	ra_config_embed(ws->config, &h->ec, &h->lg);
	memset(out, 0, sizeof(*out));
	out->root = ws->root;
	out->db_path = ws->db_path;
	out->state_dir = ws->state_dir;
	out->embed = &h->ec;
	out->writable = ra_workspace_lock(ws, false) == RA_OK;
	ra_llm_open_session(&h->models, ws->root, settings, &h->lg);
	out->complete = h->models.complete;
	out->chat = h->models.chat;
	out->complete_debounce_ms = h->models.debounce_ms;
	out->complete_context_tokens = h->models.context_tokens;
	if (!out->writable)
		ra_log(&h->lg, RA_LOG_WARN, "%s; serving the index read-only", ra_error_last());
	out->index = (ra_index_opts){
	        .root = ws->root,
	        .threads = (int)ws->config->threads,
	        .max_file_size = (uint64_t)ws->config->max_file_size,
	        .verilog_exts = ws->config->verilog_exts,
	        .sv_exts = ws->config->sv_exts,
	        .vhdl_exts = ws->config->vhdl_exts,
	        .libraries = h->libs,
	        .nlibraries = ws->config->nvhdl_libraries,
	        .log = &h->lg,
	        .embed = &h->ec,
	        .vectors_path = h->vectors_path,
	};
	return RA_OK;
}

static void close_ws(ra_lsp_workspace *ws, void *payload)
{
	lsp_host *h = payload;

	(void)ws;
	ra_free(h->libs);
	ra_free(h->vectors_path);
	ra_llm_session_free(&h->models);
	ra_workspace_close(h->ws);
	h->libs = NULL;
	h->vectors_path = NULL;
	h->ws = NULL;
}

/* ---- attached to the workspace's daemon ----------------------------------------------- */

static int hexval(int c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
	                              : -1;
}

/* the directory of a file:// URI into buf; false when not one */
static bool uri_dir(const char *uri, char *buf, size_t n)
{
	size_t o = 0;

	if (!uri || strncasecmp(uri, "file://", 7) != 0)
		return false;
	uri += 7;
	if (!strncasecmp(uri, "localhost/", 10))
		uri += 9;
	for (; *uri && *uri != '?' && *uri != '#' && o + 1 < n; uri++) {
		if (*uri == '%' && hexval(uri[1]) >= 0 && hexval(uri[2]) >= 0) {
			buf[o++] = (char)(hexval(uri[1]) * 16 + hexval(uri[2]));
			uri += 2;
		} else {
			buf[o++] = *uri;
		}
	}
	buf[o] = '\0';
	return o > 0 && buf[0] == '/' && !*uri && strlen(buf) == o;
}

/* copies bytes both ways until the daemon closes the session; the exit code */
static int pump(int sock, const ra_buf *prefix)
{
	char buf[65536];
	bool in_open = true;

	if (ra_write_all(sock, prefix->data, prefix->len))
		return 1;
	for (;;) {
		struct pollfd p[2] = {{sock, POLLIN, 0}, {in_open ? 0 : -1, POLLIN, 0}};
		ssize_t n;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		if (p[0].revents) {
			n = read(sock, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return 0; /* the session ended */
			if (ra_write_all(1, buf, (size_t)n))
				return 1;
		}
		if (in_open && p[1].revents) {
			n = read(0, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				in_open = false; /* the daemon sees the end of input too */
				shutdown(sock, SHUT_WR);
			} else if (ra_write_all(sock, buf, (size_t)n)) {
				return 1;
			}
		}
	}
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (strlen(path) >= sizeof(sa.sun_path)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* daemon.autostart, unless the environment says RTLASSIST_AUTOSTART=0 (tests, CI) */
static bool autostart(const ra_workspace *ws)
{
	const char *env = getenv("RTLASSIST_AUTOSTART");

	if (env && !strcmp(env, "0"))
		return false;
	return ws->config->daemon_autostart != 0;
}

/*
 * Reads the client's first message to learn the workspace (-C, else initialize's root), then
 * serves the session through the workspace's daemon, starting one when none runs and
 * daemon.autostart allows. Returns the exit code, or -1 when the session must be served
 * in-process; *prefix then holds the bytes already read from stdin.
 */
static int attach(lsp_host *h, ra_buf *prefix)
{
	ra_frame_reader r;
	ra_buf body;
	ra_rpc_msg m = {0};
	ra_workspace *ws = NULL;
	const char *root = h->o.workspace;
	char dir[PATH_MAX], sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int rc, fd = -1, code = -1;

	ra_frame_reader_init(&r, 0, 0);
	ra_buf_init(&body, 0);
	rc = ra_frame_read(&r, &body);
	if (rc == 0) {
		ra_buf_printf(prefix, "Content-Length: %zu\r\n\r\n", body.len);
		ra_buf_append(prefix, body.data, body.len);
		ra_rpc_parse(&m, body.data, body.len);
	}
	ra_buf_append(prefix, r.buf + r.pos, r.len - r.pos);
	if (rc != 0)
		goto out; /* no message to learn from: the in-process server reports it */
	if (!root && m.kind == RA_RPC_REQUEST && !strcmp(m.method, "initialize")) {
		json_t *folders = json_object_get(m.params, "workspaceFolders");
		const char *uri = json_string_value(json_object_get(m.params, "rootUri"));

		if (!uri && json_array_size(folders))
			uri = json_string_value(json_object_get(json_array_get(folders, 0), "uri"));
		if (uri && uri_dir(uri, dir, sizeof(dir)))
			root = dir;
		else if (json_string_value(json_object_get(m.params, "rootPath")))
			root = json_string_value(json_object_get(m.params, "rootPath"));
	}
	if (ra_workspace_open(&ws, root, true, &h->lg) != RA_OK ||
	    ra_daemon_socket_path(ws, sock_path, sizeof(sock_path)) != RA_OK) {
		ra_log(&h->lg, RA_LOG_INFO, "no daemon: %s", ra_error_last());
		goto out;
	}
	fd = connect_to(sock_path);
	if (fd < 0 && autostart(ws)) {
		if (ra_daemon_spawn(ws->root) == RA_OK)
			fd = connect_to(sock_path);
		else if ((fd = connect_to(sock_path)) < 0) /* another editor's start won the race */
			ra_log(&h->lg, RA_LOG_WARN, "%s; serving in-process", ra_error_last());
	}
	if (fd < 0)
		goto out;
	ra_log(&h->lg, RA_LOG_INFO, "attached to the daemon on %s", sock_path);
	signal(SIGPIPE, SIG_IGN);
	code = pump(fd, prefix);
	close(fd);
out:
	ra_workspace_close(ws);
	ra_rpc_msg_clear(&m);
	ra_buf_free(&body);
	ra_frame_reader_free(&r);
	return code;
}

int ra_cmd_lsp(int argc, char **argv)
{
	static const char usage[] =
	        "usage: rtlassist lsp [-C DIR] [--stdio] [--no-daemon] [--no-index] [-v]\n\n"
	        "Runs the Language Server over stdin/stdout. The workspace is DIR, else the\n"
	        "client's root, else the enclosing git root. The session is served by the\n"
	        "workspace's daemon (started when none runs, unless daemon.autostart = 0; it\n"
	        "then exits after daemon.idle_exit_s without sessions);\n"
	        "--no-daemon, or when no daemon can serve: in this process, which brings the "
	        "index\n"
	        "up to date in the background (--no-index: only read it, never a daemon).\n"
	        "Logs go to stderr.\n";
	lsp_host h = {0};
	ra_lsp_opts lo = {0};
	bool no_index = false;
	ra_buf prefix;
	int code;

	for (int i = 1; i < argc; i++) {
		if (ra_cli_common_opt(&h.o, argc, argv, &i))
			continue;
		if (!strcmp(argv[i], "--help")) {
			fputs(usage, stdout);
			return 0;
		}
		if (!strcmp(argv[i], "--stdio"))
			continue; /* what editors pass; stdio is the only transport */
		if (!strcmp(argv[i], "--no-index")) {
			no_index = true;
			continue;
		}
		fprintf(stderr, "rtlassist lsp: unexpected argument '%s'\n%s", argv[i], usage);
		return 2;
	}
	h.lg = ra_cli_logger(&h.o);
	lo.in_fd = STDIN_FILENO;
	lo.out_fd = STDOUT_FILENO;
	lo.root = h.o.workspace;
	lo.open = open_ws;
	lo.close = close_ws;
	lo.payload = &h;
	lo.log = &h.lg;
	lo.no_index = no_index;
	ra_buf_init(&prefix, 0);
	if (!h.o.no_daemon && !no_index) { /* --no-daemon is a common option (cli.c) */
		code = attach(&h, &prefix);
		if (code >= 0) {
			ra_buf_free(&prefix);
			return code;
		}
	}
	lo.prefix = prefix.data;
	lo.nprefix = prefix.len;
	code = ra_lsp_serve(&lo); /* the models come with the workspace (open_ws) */
	ra_buf_free(&prefix);
	return code;
}
