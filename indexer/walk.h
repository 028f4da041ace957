/*
 * walk.h - which files of a workspace rtlassist looks at.
 *
 * In a git repository (libgit2): the tracked files plus the untracked files that are not ignored,
 * exactly what `git ls-files --cached --others --exclude-standard` lists. Outside git: a directory
 * walk that skips hidden directories and the usual build/output folders. Either way, symbolic
 * links are not followed (no loops), and files over the size cap are reported and skipped.
 *
 * Filtering by language happens in the caller (ra_walk_lang).
 */
#ifndef RA_WALK_H
#define RA_WALK_H

#include "indexer/model.h"

typedef struct ra_walk_file {
	const char *path; /* relative to the workspace, '/'-separated */
	uint64_t size;
	int64_t mtime_ns;
} ra_walk_file;

typedef struct ra_walk_opts {
	uint64_t max_file_size; /* larger files are skipped with a warning; 0: no cap */
	/* called for each file whose name passes `accept`; NULL accepts all */
	bool (*accept)(const char *path, void *payload);
	void *payload;
	const ra_logger *log;
} ra_walk_opts;

typedef struct ra_walk_result {
	ra_walk_file *files; /* sorted by path */
	size_t nfiles;
	bool in_git;     /* the workspace is inside a git work tree */
	ra_arena *arena; /* owns the paths */
} ra_walk_result;

/*
 * Lists the files of the workspace at `root` (an existing directory). Unreadable entries and
 * files over the cap are skipped with a warning through opts->log. Returns 0 and fills *out (free
 * with ra_walk_result_free), or RA_ENOTFOUND when root is not a directory, RA_ENOMEM.
 */
int ra_walk(ra_walk_result *out, const char *root, const ra_walk_opts *opts);
void ra_walk_result_free(ra_walk_result *r);

/*
 * Like ra_walk, for the named files only: each of `paths` (workspace-relative, or absolute inside
 * the workspace) that exists as a regular file and passes opts->accept is listed. Paths outside
 * the workspace are refused with RA_EINVAL. Missing files are simply not listed, so that the
 * caller can tell them from present ones.
 */
int ra_walk_paths(ra_walk_result *out, const char *root, const char *const *paths, size_t n,
                  const ra_walk_opts *opts);

/* The workspace-relative, normalised form of `path` (relative, or absolute under `root`) in buf;
 * NULL when it lies outside the workspace or does not fit. */
char *ra_walk_relative(const char *root, const char *path, char *buf, size_t n);

/* The enclosing git work tree root of `dir`, or NULL when none. Caller's string (ra_free). */
char *ra_walk_git_root(const char *dir);

#endif /* RA_WALK_H */
