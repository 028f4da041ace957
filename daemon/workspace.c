/* workspace.c - workspace root, state directory and writer lock (see workspace.h). */
#define _DEFAULT_SOURCE
#include "daemon/workspace.h"
#include "indexer/walk.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static int mkdir_p(const char *path)
{
	char tmp[4096];

	if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp))
		return ra_error_set(RA_EINVAL, "%s: path too long", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
			return ra_error_set(RA_ERR, "%s: %s", tmp, strerror(errno));
		*p = '/';
	}
	if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
		return ra_error_set(RA_ERR, "%s: %s", tmp, strerror(errno));
	return RA_OK;
}

int ra_workspace_open(ra_workspace **out, const char *dir, bool create_state, const ra_logger *lg)
{
	ra_workspace *ws = ra_calloc(1, sizeof(*ws));
	char path[PATH_MAX + 64];
	int rc = RA_OK;

	if (!ws)
		return RA_ENOMEM;
	ws->lock_fd = -1;
	if (dir) {
		ws->root = realpath(dir, NULL);
		if (!ws->root) {
			rc = ra_error_set(RA_ENOTFOUND, "%s: %s", dir, strerror(errno));
			goto fail;
		}
	} else {
		char cwd[PATH_MAX];

		if (!getcwd(cwd, sizeof(cwd))) {
			rc = ra_error_set(RA_ERR, "current directory: %s", strerror(errno));
			goto fail;
		}
		ws->root = ra_walk_git_root(cwd);
		if (!ws->root)
			ws->root = ra_strdup(cwd);
	}
	rc = ra_config_load(&ws->config, ws->root, lg);
	if (rc)
		goto fail;
	if (ws->config->state_dir[0] == '/')
		snprintf(path, sizeof(path), "%s", ws->config->state_dir);
	else
		snprintf(path, sizeof(path), "%s/%s", ws->root, ws->config->state_dir);
	ws->state_dir = ra_strdup(path);
	snprintf(path, sizeof(path), "%s/index.db", ws->state_dir);
	ws->db_path = ra_strdup(path);
	if (!ws->state_dir || !ws->db_path) {
		rc = RA_ENOMEM;
		goto fail;
	}
	if (create_state) {
		FILE *f;

		rc = mkdir_p(ws->state_dir);
		if (rc)
			goto fail;
		/* keeps the state directory out of `git status` without touching the user's files */
		snprintf(path, sizeof(path), "%s/.gitignore", ws->state_dir);
		if (access(path, F_OK) != 0 && (f = fopen(path, "w")) != NULL) {
			fputs("# rtlassist's index: never commit it\n*\n", f);
			fclose(f);
		}
	}
	*out = ws;
	return RA_OK;
fail:
	ra_workspace_close(ws);
	return rc;
}

void ra_workspace_close(ra_workspace *ws)
{
	if (!ws)
		return;
	if (ws->lock_fd >= 0)
		close(ws->lock_fd); /* releases the flock */
	ra_config_free(ws->config);
	free(ws->root); /* from realpath / ra_strdup: both plain malloc */
	ra_free(ws->state_dir);
	ra_free(ws->db_path);
	ra_free(ws);
}

int ra_workspace_lock(ra_workspace *ws, bool wait)
{
	char path[PATH_MAX + 64], pid[32] = "";
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/lock", ws->state_dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return ra_error_set(RA_ERR, "%s: %s", path, strerror(errno));
	if (flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) != 0) {
		n = read(fd, pid, sizeof(pid) - 1);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		close(fd);
		return ra_error_set(RA_EBUSY, "another rtlassist (pid %s) is writing this index",
		                    *pid ? pid : "?");
	}
	if (ftruncate(fd, 0) == 0) {
		n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
		if (write(fd, pid, (size_t)n) != n)
			pid[0] = '\0'; /* the pid is informative only */
	}
	ws->lock_fd = fd;
	return RA_OK;
}

int ra_workspace_store(ra_workspace *ws, ra_store **out, bool write)
{
	return ra_store_open(out, ws->db_path, !write);
}
