/*
 * watch.c - inotify over the workspace, coalesced into batches (see watch.h).
 *
 * The thread owns everything here except `count` (atomic for status) and the stop pipe.
 */
#define _GNU_SOURCE
#include "daemon/watch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <git2.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#define WATCH_MASK                                                                                 \
	(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CREATE | IN_DELETE_SELF)
#define MAX_BATCH 4096 /* more changed files than this: a rescan is cheaper */

struct ra_watch {
	ra_watch_opts o;
	int fd;
	int stop[2];
	pthread_t thread;
	char **dirs; /* by watch descriptor: workspace-relative directory ("" for the root) */
	size_t ndirs;
	atomic_size_t count;
	git_repository *repo;
	char *git_prefix; /* the root relative to the git work tree, "" or "sub/dir/" */
	json_t *pending;  /* set of absolute paths */
	bool rescan;
	bool warned_limit;
	bool git_inited;
};

/* the walker's folders skipped outside git (indexer/walk.c) */
static const char *const skip_dirs[] = {"build",        "out",      "obj_dir",  "sim_build",
                                        "node_modules", "xsim.dir", "work-obj", NULL};

static bool ignored(ra_watch *w, const char *rel, bool dir)
{
	char path[PATH_MAX];
	int ign = 0;

	if (!w->repo) {
		const char *base = strrchr(rel, '/');

		base = base ? base + 1 : rel;
		for (size_t i = 0; dir && skip_dirs[i]; i++)
			if (!strcmp(base, skip_dirs[i]))
				return true;
		return false;
	}
	if (snprintf(path, sizeof(path), "%s%s%s", w->git_prefix, rel, dir ? "/" : "") >=
	    (int)sizeof(path))
		return true;
	return git_ignore_path_is_ignored(&ign, w->repo, path) == 0 && ign == 1;
}

static bool hdl_name(ra_watch *w, const char *name)
{
	const char *dot = strrchr(name, '.');

	if (!dot)
		return false;
	for (int l = 0; l < 3; l++)
		for (const char *const *e = w->o.exts[l]; e && *e; e++)
			if (!strcasecmp(dot, *e))
				return true;
	return false;
}

static void add_dir(ra_watch *w, const char *rel, int depth)
{
	char abs[PATH_MAX];
	DIR *d;
	struct dirent *e;
	int wd;

	if (depth > 64 || snprintf(abs, sizeof(abs), "%s%s%s", w->o.root, *rel ? "/" : "", rel) >=
	                          (int)sizeof(abs))
		return;
	if (!strcmp(abs, w->o.state_dir))
		return;
	wd = inotify_add_watch(w->fd, abs, WATCH_MASK | IN_ONLYDIR | IN_DONT_FOLLOW);
	if (wd < 0) {
		if (!w->warned_limit)
			ra_log(w->o.log, RA_LOG_WARN, "cannot watch %s: %s%s", abs, strerror(errno),
			       errno == ENOSPC ? " (raise fs.inotify.max_user_watches)" : "");
		w->warned_limit = w->warned_limit || errno == ENOSPC;
		return;
	}
	if ((size_t)wd >= w->ndirs) {
		size_t n = (size_t)wd * 2 + 16;
		char **nd = ra_realloc(w->dirs, n * sizeof(*nd));

		if (!nd) {
			inotify_rm_watch(w->fd, wd);
			return;
		}
		memset(nd + w->ndirs, 0, (n - w->ndirs) * sizeof(*nd));
		w->dirs = nd;
		w->ndirs = n;
	}
	if (!w->dirs[wd])
		atomic_fetch_add(&w->count, 1);
	ra_free(w->dirs[wd]);
	w->dirs[wd] = ra_strdup(rel);
	d = opendir(abs);
	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		char sub[PATH_MAX];
		bool is_dir = e->d_type == DT_DIR;

		if (e->d_name[0] == '.')
			continue; /* ., .., .git and hidden folders */
		if (e->d_type == DT_UNKNOWN) {
			struct stat sb;

			is_dir = snprintf(sub, sizeof(sub), "%s/%s", abs, e->d_name) <
			                 (int)sizeof(sub) &&
			         lstat(sub, &sb) == 0 && S_ISDIR(sb.st_mode);
		}
		if (!is_dir ||
		    snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", e->d_name) >=
		            (int)sizeof(sub) ||
		    ignored(w, sub, true))
			continue;
		add_dir(w, sub, depth + 1);
	}
	closedir(d);
}

static void flush(ra_watch *w)
{
	size_t n = json_object_size(w->pending), i = 0;
	const char **paths = ra_calloc(n + 1, sizeof(*paths));
	const char *key;
	json_t *v;

	if (!paths || n > MAX_BATCH)
		w->rescan = true;
	if (paths)
		json_object_foreach(w->pending, key, v) paths[i++] = key;
	ra_log(w->o.log, RA_LOG_DEBUG, "changes: %zu files%s", n,
	       w->rescan ? ", rescanning the workspace" : "");
	w->o.changed(w->rescan ? NULL : paths, w->rescan ? 0 : n, w->rescan, w->o.payload);
	ra_free(paths);
	json_object_clear(w->pending);
	w->rescan = false;
}

static void event(ra_watch *w, const struct inotify_event *ev)
{
	const char *dir;
	char rel[PATH_MAX], abs[PATH_MAX * 2];

	if (ev->mask & IN_Q_OVERFLOW) {
		w->rescan = true;
		return;
	}
	if (ev->wd < 0 || (size_t)ev->wd >= w->ndirs || !w->dirs[ev->wd])
		return;
	dir = w->dirs[ev->wd];
	if (ev->mask & IN_IGNORED) {
		ra_free(w->dirs[ev->wd]);
		w->dirs[ev->wd] = NULL;
		atomic_fetch_sub(&w->count, 1);
		return;
	}
	if (!ev->len || ev->name[0] == '.')
		return;
	if (snprintf(rel, sizeof(rel), "%s%s%s", dir, *dir ? "/" : "", ev->name) >=
	    (int)sizeof(rel))
		return;
	if (ev->mask & IN_ISDIR) {
		if (ignored(w, rel, true))
			return;
		if (ev->mask & (IN_CREATE | IN_MOVED_TO))
			add_dir(w, rel, 0);
		/* files may have appeared before the watch did, or left with the folder */
		if (ev->mask & (IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE))
			w->rescan = true;
		return;
	}
	if (!(ev->mask & (IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE)) ||
	    !hdl_name(w, ev->name) || ignored(w, rel, false))
		return;
	snprintf(abs, sizeof(abs), "%s/%s", w->o.root, rel);
	json_object_set_new(w->pending, abs, json_true());
}

/* opens the git repository enclosing the root, for its ignore rules (watcher thread: libgit2's
   per-thread state then ends with the thread) */
static void open_repo(ra_watch *w)
{
	git_libgit2_init();
	w->git_inited = true;
	if (git_repository_open_ext(&w->repo, w->o.root, 0, NULL) == 0 &&
	    git_repository_workdir(w->repo)) {
		char real[PATH_MAX];
		size_t rn;

		/* git ignores are matched on paths relative to the work tree, which may enclose
		   the workspace */
		if (realpath(git_repository_workdir(w->repo), real)) {
			rn = strlen(real);
			if (!strcmp(w->o.root, real))
				w->git_prefix = ra_strdup("");
			else if (!strncmp(w->o.root, real, rn) && w->o.root[rn] == '/' &&
			         (w->git_prefix = ra_malloc(strlen(w->o.root) - rn + 1)) != NULL)
				sprintf(w->git_prefix, "%s/", w->o.root + rn + 1);
		}
	}
	if (w->repo && !w->git_prefix) {
		git_repository_free(w->repo);
		w->repo = NULL;
	}
}

static void *watch_main(void *arg)
{
	ra_watch *w = arg;
	char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
	double first = 0;

	open_repo(w);
	add_dir(w, "", 0);
	ra_log(w->o.log, RA_LOG_INFO, "watching %zu directories", atomic_load(&w->count));
	for (;;) {
		struct pollfd p[2] = {{w->fd, POLLIN, 0}, {w->stop[0], POLLIN, 0}};
		bool busy = json_object_size(w->pending) || w->rescan;
		int timeout = busy ? w->o.quiet_ms : -1;
		int n;

		if (busy && ra_now() - first > 10 * w->o.quiet_ms / 1000.0)
			timeout = 0; /* steady events: hand over what is there */
		n = poll(p, 2, timeout);
		if (n < 0 && errno != EINTR)
			break;
		if (n > 0 && p[1].revents)
			break;
		if (n <= 0) {
			if (busy)
				flush(w);
			continue;
		}
		for (;;) {
			ssize_t len = read(w->fd, buf, sizeof(buf));

			if (len <= 0)
				break;
			for (char *q = buf; q < buf + len;) {
				const struct inotify_event *ev = (const struct inotify_event *)q;

				if (!busy) {
					first = ra_now();
					busy = true;
				}
				event(w, ev);
				q += sizeof(*ev) + ev->len;
			}
		}
	}
	git_repository_free(w->repo);
	w->repo = NULL;
	git_error_clear();
	return NULL;
}

int ra_watch_start(ra_watch **out, const ra_watch_opts *opts)
{
	ra_watch *w = ra_calloc(1, sizeof(*w));

	if (!w)
		return ra_error_oom();
	w->o = *opts;
	if (w->o.quiet_ms <= 0)
		w->o.quiet_ms = 50;
	w->stop[0] = w->stop[1] = -1;
	w->pending = json_object();
	w->fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (w->fd < 0 || !w->pending || pipe2(w->stop, O_CLOEXEC) != 0) {
		int rc = ra_error_set(RA_ERR, "cannot watch files: %s", strerror(errno));

		ra_watch_stop(w);
		return rc;
	}
	if (pthread_create(&w->thread, NULL, watch_main, w) != 0) {
		int rc = ra_error_set(RA_ERR, "cannot start the watcher thread");

		close(w->stop[1]);
		w->stop[1] = -1;
		ra_watch_stop(w);
		return rc;
	}
	*out = w;
	return RA_OK;
}

size_t ra_watch_count(const ra_watch *w)
{
	return w ? atomic_load(&((ra_watch *)w)->count) : 0;
}

void ra_watch_stop(ra_watch *w)
{
	if (!w)
		return;
	if (w->stop[1] >= 0) {
		if (write(w->stop[1], "x", 1) == 1)
			pthread_join(w->thread, NULL);
		close(w->stop[1]);
	}
	if (w->stop[0] >= 0)
		close(w->stop[0]);
	if (w->fd >= 0)
		close(w->fd);
	for (size_t i = 0; i < w->ndirs; i++)
		ra_free(w->dirs[i]);
	ra_free(w->dirs);
	git_repository_free(w->repo);
	if (w->git_inited)
		git_libgit2_shutdown();
	ra_free(w->git_prefix);
	json_decref(w->pending);
	ra_free(w);
}
