/*
 * client.c - talking to a workspace's daemon (see daemon.h): the socket path, a blocking
 * JSON-RPC session over the socket, and starting a daemon in the background.
 */
#define _GNU_SOURCE
#include "daemon/daemon.h"
#include "lsp/frame.h"
#include "lsp/jsonrpc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define CLIENT_REPLY_MAX (256u << 20) /* cap of one reply body */

struct ra_daemon_client {
	int fd;
	ra_frame_reader r;
	int64_t next_id;
};

int ra_daemon_socket_path(const ra_workspace *ws, char *buf, size_t n)
{
	struct sockaddr_un sa;
	size_t cap = n < sizeof(sa.sun_path) ? n : sizeof(sa.sun_path);

	if (snprintf(buf, cap, "%s/%s", ws->state_dir, RA_DAEMON_SOCKET) >= (int)cap)
		return ra_error_set(RA_ETOOBIG,
		                    "%s/%s: too long for a Unix socket (at most %zu bytes); set "
		                    "state_dir to a shorter path",
		                    ws->state_dir, RA_DAEMON_SOCKET, sizeof(sa.sun_path) - 1);
	return RA_OK;
}

int ra_daemon_client_open(ra_daemon_client **out, const ra_workspace *ws, int timeout_ms)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct timeval tv;
	ra_daemon_client *c;
	json_t *res = NULL;
	int rc = ra_daemon_socket_path(ws, sa.sun_path, sizeof(sa.sun_path));

	if (rc)
		return rc;
	c = ra_calloc(1, sizeof(*c));
	if (!c)
		return ra_error_oom();
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		ra_free(c);
		return ra_error_set(RA_ERR, "socket: %s", strerror(errno));
	}
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		rc = errno == ENOENT || errno == ECONNREFUSED
		             ? ra_error_set(RA_ENOTFOUND, "no daemon serves %s", ws->root)
		             : ra_error_set(RA_ERR, "%s: %s", sa.sun_path, strerror(errno));
		close(c->fd);
		ra_free(c);
		return rc;
	}
	if (timeout_ms <= 0)
		timeout_ms = 30000;
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	ra_frame_reader_init(&c->r, c->fd, CLIENT_REPLY_MAX);
	rc = ra_daemon_call(c, &res, "initialize",
	                    json_pack("{s:I, s:n, s:{s:{s:[s]}}}", "processId",
	                              (json_int_t)getpid(), "rootUri", "capabilities", "general",
	                              "positionEncodings", "utf-8"));
	json_decref(res);
	if (rc) {
		ra_frame_reader_free(&c->r);
		close(c->fd);
		ra_free(c);
		return rc == RA_EINVAL ? RA_ERR : rc;
	}
	*out = c;
	return RA_OK;
}

static int send_msg(ra_daemon_client *c, json_t *msg)
{
	char *text = msg ? json_dumps(msg, JSON_COMPACT) : NULL;
	int rc;

	json_decref(msg);
	if (!text)
		return ra_error_oom();
	rc = ra_frame_write(c->fd, text, strlen(text));
	free(text);
	return rc ? ra_error_set(RA_ERR, "the daemon closed the connection") : RA_OK;
}

int ra_daemon_call(ra_daemon_client *c, json_t **result, const char *method, json_t *params)
{
	int64_t id = ++c->next_id;
	ra_buf body;
	int rc;

	*result = NULL;
	rc = send_msg(c, ra_rpc_request(id, method, params ? params : json_object()));
	if (rc)
		return rc;
	ra_buf_init(&body, 0);
	for (;;) {
		ra_rpc_msg m;

		rc = ra_frame_read(&c->r, &body);
		if (rc == RA_EINVAL || rc == RA_ETOOBIG)
			continue;
		if (rc) {
			rc = ra_error_set(RA_ERR, "no reply from the daemon to %s%s%s", method,
			                  rc == RA_ENOTFOUND ? "" : ": ",
			                  rc == RA_ENOTFOUND ? "" : ra_error_last());
			break;
		}
		ra_rpc_parse(&m, body.data, body.len);
		if (m.kind == RA_RPC_RESPONSE && json_integer_value(m.id) == id) {
			json_t *err = json_object_get(m.root, "error");

			if (err) {
				rc = ra_error_set(
				        RA_EINVAL, "%s",
				        json_string_value(json_object_get(err, "message"))
				                ? json_string_value(json_object_get(err, "message"))
				                : "error reply");
			} else {
				*result = json_incref(json_object_get(m.root, "result"));
				if (!*result)
					*result = json_null();
			}
			ra_rpc_msg_clear(&m);
			break;
		}
		ra_rpc_msg_clear(&m); /* notifications and our own stale ids */
	}
	ra_buf_free(&body);
	return rc;
}

void ra_daemon_client_close(ra_daemon_client *c)
{
	json_t *res = NULL;

	if (!c)
		return;
	if (ra_daemon_call(c, &res, "shutdown", NULL) == RA_OK)
		send_msg(c, ra_rpc_notification("exit", NULL));
	json_decref(res);
	ra_frame_reader_free(&c->r);
	close(c->fd);
	ra_free(c);
}

int ra_daemon_spawn(const char *root)
{
	char exe[PATH_MAX], msg[512] = "";
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	int err[2], status = 0;
	pid_t pid;
	size_t len = 0;

	if (n <= 0)
		return ra_error_set(RA_ERR, "cannot find the rtlassist executable: %s",
		                    strerror(errno));
	exe[n] = '\0';
	if (pipe2(err, O_CLOEXEC) != 0)
		return ra_error_set(RA_ERR, "pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0) {
		close(err[0]);
		close(err[1]);
		return ra_error_set(RA_ERR, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		/* the editor's pipes must not be held by the daemon: stdin/stdout go to
		   /dev/null, stderr (the detach parent's message) to our pipe */
		int null = open("/dev/null", O_RDWR);

		if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(err[1], 2) < 0)
			_exit(127);
		execl(exe, exe, "serve", "-C", root, "--detach", "--idle-exit", (char *)NULL);
		_exit(127);
	}
	close(err[1]);
	while (len + 1 < sizeof(msg) && (n = read(err[0], msg + len, sizeof(msg) - 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		len += (size_t)n;
	}
	msg[len] = '\0';
	close(err[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		msg[strcspn(msg, "\n")] = '\0';
		return ra_error_set(RA_ERR, "the daemon did not start: %s",
		                    *msg ? msg : "(no message)");
	}
	return RA_OK;
}
