/*
 * walk.c - workspace file listing: libgit2 index + status for git work trees, a plain recursive
 * directory walk elsewhere. Both stat every accepted file (size and mtime are the store's cheap
 * change check) and sort the result by path.
 */
#define _DEFAULT_SOURCE
#include "indexer/walk.h"

#include <dirent.h>
#include <errno.h>
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct walker {
	const char *root;
	const ra_walk_opts *opts;
	ra_walk_result *res;
	size_t cap;
} walker;

/* Directories never descended into outside git: tool output and other tools' state. */
static const char *const skip_dirs[] = {"build",        "out",      "obj_dir",  "sim_build",
                                        "node_modules", "xsim.dir", "work-obj", "__pycache__"};

static int add_file(walker *w, const char *rel)
{
	char path[4096];
	struct stat st;
	ra_walk_file *f;

	if (w->opts->accept && !w->opts->accept(rel, w->opts->payload))
		return RA_OK;
	if (snprintf(path, sizeof(path), "%s/%s", w->root, rel) >= (int)sizeof(path)) {
		ra_log(w->opts->log, RA_LOG_WARN, "%s: path too long, skipped", rel);
		return RA_OK;
	}
	if (lstat(path, &st) != 0) {
		/* tracked but deleted in the work tree, or vanished since listed */
		if (errno != ENOENT)
			ra_log(w->opts->log, RA_LOG_WARN, "%s: %s, skipped", rel, strerror(errno));
		return RA_OK;
	}
	if (!S_ISREG(st.st_mode))
		return RA_OK; /* symbolic links, submodules, devices */
	if (w->opts->max_file_size && (uint64_t)st.st_size > w->opts->max_file_size) {
		ra_log(w->opts->log, RA_LOG_WARN, "%s: %lld bytes is over the size cap, skipped",
		       rel, (long long)st.st_size);
		return RA_OK;
	}
	if (ra_grow((void **)&w->res->files, &w->cap, w->res->nfiles + 1, sizeof(*f)))
		return RA_ENOMEM;
	f = &w->res->files[w->res->nfiles];
	f->path = ra_arena_strdup(w->res->arena, rel);
	if (!f->path)
		return RA_ENOMEM;
	f->size = (uint64_t)st.st_size;
	f->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	w->res->nfiles++;
	return RA_OK;
}

static bool skipped_dir(const char *name)
{
	if (name[0] == '.')
		return true;
	for (size_t i = 0; i < sizeof(skip_dirs) / sizeof(skip_dirs[0]); i++)
		if (strcmp(name, skip_dirs[i]) == 0)
			return true;
	return false;
}

/* recursive walk of root/rel (rel "" for the root itself); depth bounds pathological trees */
static int walk_dir(walker *w, const char *rel, int depth)
{
	char path[4096];
	DIR *d;
	struct dirent *e;
	int rc = RA_OK;

	if (depth > 64) {
		ra_log(w->opts->log, RA_LOG_WARN, "%s: deeper than 64 levels, skipped", rel);
		return RA_OK;
	}
	snprintf(path, sizeof(path), "%s%s%s", w->root, *rel ? "/" : "", rel);
	d = opendir(path);
	if (!d) {
		ra_log(w->opts->log, RA_LOG_WARN, "%s: %s, skipped", *rel ? rel : ".",
		       strerror(errno));
		return RA_OK;
	}
	while (!rc && (e = readdir(d)) != NULL) {
		char child[4096];

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (snprintf(child, sizeof(child), "%s%s%s", rel, *rel ? "/" : "", e->d_name) >=
		    (int)sizeof(child))
			continue;
		if (e->d_type == DT_DIR) {
			if (!skipped_dir(e->d_name))
				rc = walk_dir(w, child, depth + 1);
		} else if (e->d_type == DT_REG || e->d_type == DT_UNKNOWN) {
			rc = add_file(w, child);
		}
		/* DT_LNK: not followed, so no loops */
	}
	closedir(d);
	return rc;
}

static int git_fail(const char *what)
{
	const git_error *e = git_error_last();

	return ra_error_set(RA_ERR, "libgit2 %s: %s", what, e ? e->message : "unknown error");
}

/* tracked files from the index, untracked-not-ignored from status; root is the work tree root
 * or a directory inside it (prefix = its path relative to the work tree) */
static int walk_git(walker *w, git_repository *repo, const char *prefix)
{
	git_index *index = NULL;
	git_status_list *status = NULL;
	git_status_options so;
	size_t plen = strlen(prefix);
	int rc = RA_OK;

	if (git_repository_index(&index, repo) != 0)
		return git_fail("index");
	for (size_t i = 0, n = git_index_entrycount(index); !rc && i < n; i++) {
		const git_index_entry *e = git_index_get_byindex(index, i);

		if (e->mode != GIT_FILEMODE_BLOB && e->mode != GIT_FILEMODE_BLOB_EXECUTABLE)
			continue;
		if (git_index_entry_stage(e) > 1)
			continue; /* conflict stages: take the file once */
		if (strncmp(e->path, prefix, plen) == 0)
			rc = add_file(w, e->path + plen);
	}
	git_index_free(index);
	if (rc)
		return rc;

	git_status_options_init(&so, GIT_STATUS_OPTIONS_VERSION);
	so.show = GIT_STATUS_SHOW_WORKDIR_ONLY;
	so.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS |
	           GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
	if (git_status_list_new(&status, repo, &so) != 0)
		return git_fail("status");
	for (size_t i = 0, n = git_status_list_entrycount(status); !rc && i < n; i++) {
		const git_status_entry *e = git_status_byindex(status, i);

		if (!(e->status & GIT_STATUS_WT_NEW) || !e->index_to_workdir)
			continue;
		if (strncmp(e->index_to_workdir->new_file.path, prefix, plen) == 0)
			rc = add_file(w, e->index_to_workdir->new_file.path + plen);
	}
	git_status_list_free(status);
	return rc;
}

static int cmp_path(const void *a, const void *b)
{
	return strcmp(((const ra_walk_file *)a)->path, ((const ra_walk_file *)b)->path);
}

char *ra_walk_git_root(const char *dir)
{
	git_repository *repo = NULL;
	char *root = NULL;

	git_libgit2_init();
	if (git_repository_open_ext(&repo, dir, 0, NULL) == 0 && !git_repository_is_bare(repo)) {
		const char *wd = git_repository_workdir(repo);
		size_t n = strlen(wd);

		root = ra_strndup(wd, n > 1 && wd[n - 1] == '/' ? n - 1 : n);
	}
	git_repository_free(repo);
	git_libgit2_shutdown();
	return root;
}

int ra_walk(ra_walk_result *out, const char *root, const ra_walk_opts *opts)
{
	walker w = {.root = root, .opts = opts, .res = out};
	git_repository *repo = NULL;
	struct stat st;
	int rc;

	memset(out, 0, sizeof(*out));
	if (stat(root, &st) != 0 || !S_ISDIR(st.st_mode))
		return ra_error_set(RA_ENOTFOUND, "%s: not a directory", root);
	out->arena = ra_arena_new(0);
	if (!out->arena)
		return RA_ENOMEM;

	git_libgit2_init();
	if (git_repository_open_ext(&repo, root, 0, NULL) == 0 && !git_repository_is_bare(repo)) {
		char *real_root = realpath(root, NULL), *real_wd = NULL;
		const char *wd = git_repository_workdir(repo);
		char prefix[4096] = "";

		/* a workspace below the work tree root sees only its own subtree */
		real_wd = wd ? realpath(wd, NULL) : NULL;
		if (real_root && real_wd && strncmp(real_root, real_wd, strlen(real_wd)) == 0 &&
		    real_root[strlen(real_wd)] == '/')
			snprintf(prefix, sizeof(prefix), "%s/", real_root + strlen(real_wd) + 1);
		free(real_root);
		free(real_wd);
		out->in_git = true;
		rc = walk_git(&w, repo, prefix);
		git_repository_free(repo);
	} else {
		git_repository_free(repo);
		rc = walk_dir(&w, "", 0);
	}
	git_libgit2_shutdown();
	if (rc) {
		ra_walk_result_free(out);
		return rc;
	}
	if (out->nfiles) /* an empty workspace has no array at all */
		qsort(out->files, out->nfiles, sizeof(*out->files), cmp_path);
	/* the same path can come from the index and (after a conflict) from status */
	size_t j = 0;
	for (size_t i = 0; i < out->nfiles; i++)
		if (j == 0 || strcmp(out->files[j - 1].path, out->files[i].path) != 0)
			out->files[j++] = out->files[i];
	out->nfiles = j;
	return RA_OK;
}

char *ra_walk_relative(const char *root, const char *path, char *buf, size_t n)
{
	size_t rlen = strlen(root), len = 0;
	const char *p = path;

	if (path[0] == '/') {
		if (strncmp(path, root, rlen) != 0 || path[rlen] != '/')
			return NULL;
		p = path + rlen + 1;
	}
	while (*p) {
		const char *seg = p, *end = strchr(p, '/');
		size_t slen = end ? (size_t)(end - p) : strlen(p);

		p = end ? end + 1 : p + slen;
		if (slen == 0 || (slen == 1 && seg[0] == '.'))
			continue;
		if (slen == 2 && seg[0] == '.' && seg[1] == '.')
			return NULL; /* no climbing out, nor ambiguity about links */
		if (len + slen + 2 > n)
			return NULL;
		if (len)
			buf[len++] = '/';
		memcpy(buf + len, seg, slen);
		len += slen;
	}
	buf[len] = '\0';
	return len ? buf : NULL;
}

int ra_walk_paths(ra_walk_result *out, const char *root, const char *const *paths, size_t n,
                  const ra_walk_opts *opts)
{
	walker w = {.root = root, .opts = opts, .res = out};
	int rc = RA_OK;

	memset(out, 0, sizeof(*out));
	out->arena = ra_arena_new(0);
	if (!out->arena)
		return RA_ENOMEM;
	for (size_t i = 0; !rc && i < n; i++) {
		char rel[4096];

		if (!ra_walk_relative(root, paths[i], rel, sizeof(rel)))
			rc = ra_error_set(RA_EINVAL, "%s: not a file inside the workspace %s",
			                  paths[i], root);
		else
			rc = add_file(&w, rel);
	}
	if (rc) {
		ra_walk_result_free(out);
		return rc;
	}
	if (out->nfiles) /* none when every path was deleted: files is NULL then */
		qsort(out->files, out->nfiles, sizeof(*out->files), cmp_path);
	return RA_OK;
}

void ra_walk_result_free(ra_walk_result *r)
{
	if (!r)
		return;
	ra_free(r->files);
	ra_arena_free(r->arena);
	memset(r, 0, sizeof(*r));
}
