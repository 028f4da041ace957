/*
 * test_walk.c - the workspace walk: libgit2 on a repository the test makes (tracked, untracked,
 * ignored, deleted files), and the plain directory walk outside git (skipped folders, symlink
 * loops, size cap).
 */
#define _DEFAULT_SOURCE
#include "indexer/walk.h"
#include "tests/ra_test.h"

#include <git2.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static void write_file(const char *dir, const char *rel, const char *text)
{
	char path[4096], *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	for (slash = strchr(path + strlen(dir) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

static bool listed(const ra_walk_result *r, const char *path)
{
	for (size_t i = 0; i < r->nfiles; i++)
		if (strcmp(r->files[i].path, path) == 0)
			return true;
	return false;
}

static bool hdl_only(const char *path, void *payload)
{
	const char *dot = strrchr(path, '.');

	(void)payload;
	return dot && (strcmp(dot, ".sv") == 0 || strcmp(dot, ".v") == 0);
}

RA_TEST(walk_git_tracked_untracked_ignored)
{
	char dir[] = "/tmp/ra_walk_XXXXXX";
	git_repository *repo = NULL;
	git_index *index = NULL;
	ra_walk_result r;
	ra_walk_opts opts = {0};

	RA_CHECK(mkdtemp(dir));
	git_libgit2_init();
	RA_CHECK(git_repository_init(&repo, dir, 0) == 0);
	write_file(dir, ".gitignore", "gen/\n*.bak.sv\n");
	write_file(dir, "rtl/core.sv", "module core; endmodule\n");
	write_file(dir, "rtl/gone.sv", "module gone; endmodule\n");
	write_file(dir, "rtl/new.sv", "module new_one; endmodule\n");
	write_file(dir, "rtl/old.bak.sv", "module old; endmodule\n");
	write_file(dir, "gen/auto.sv", "module auto; endmodule\n");
	write_file(dir, "doc/readme.txt", "text\n");
	RA_CHECK(git_repository_index(&index, repo) == 0);
	RA_CHECK(git_index_add_bypath(index, "rtl/core.sv") == 0);
	RA_CHECK(git_index_add_bypath(index, "rtl/gone.sv") == 0);
	RA_CHECK(git_index_add_bypath(index, ".gitignore") == 0);
	RA_CHECK(git_index_write(index) == 0);
	git_index_free(index);
	git_repository_free(repo);
	git_libgit2_shutdown();
	/* tracked but deleted in the work tree: not listed */
	RA_CHECK(unlink(strcat(strcpy((char[4096]){0}, dir), "/rtl/gone.sv")) == 0);

	RA_CHECK(ra_walk(&r, dir, &opts) == 0);
	RA_CHECK(r.in_git);
	RA_CHECK(listed(&r, "rtl/core.sv")); /* tracked */
	RA_CHECK(listed(&r, "rtl/new.sv"));  /* untracked, not ignored */
	RA_CHECK(listed(&r, "doc/readme.txt"));
	RA_CHECK(listed(&r, ".gitignore"));
	RA_CHECK(!listed(&r, "rtl/old.bak.sv")); /* ignored by pattern */
	RA_CHECK(!listed(&r, "gen/auto.sv"));    /* ignored directory */
	RA_CHECK(!listed(&r, "rtl/gone.sv"));    /* deleted */
	RA_CHECK_INT(r.nfiles, 4);
	for (size_t i = 1; i < r.nfiles; i++)
		RA_CHECK(strcmp(r.files[i - 1].path, r.files[i].path) < 0);
	ra_walk_result_free(&r);

	/* a sub-directory workspace sees its own subtree, paths relative to it */
	char sub[4200];
	snprintf(sub, sizeof(sub), "%s/rtl", dir);
	opts.accept = hdl_only;
	RA_CHECK(ra_walk(&r, sub, &opts) == 0);
	RA_CHECK_INT(r.nfiles, 2);
	RA_CHECK_STR(r.files[0].path, "core.sv");
	RA_CHECK_STR(r.files[1].path, "new.sv");
	ra_walk_result_free(&r);

	char *root = ra_walk_git_root(sub);
	char *real = realpath(dir, NULL);
	RA_CHECK_STR(root, real);
	ra_free(root);
	free(real);
}

static void count_warning(ra_log_level level, const char *msg, void *payload)
{
	(void)msg;
	if (level == RA_LOG_WARN)
		(*(int *)payload)++;
}

RA_TEST(walk_plain_dir_skips_build_links_and_big_files)
{
	char dir[] = "/tmp/ra_walk_XXXXXX", link[4200], big[4200];
	int warnings = 0;
	ra_logger lg = {count_warning, &warnings, RA_LOG_DEBUG};
	ra_walk_opts opts = {.max_file_size = 1000, .log = &lg};
	ra_walk_result r;
	FILE *f;

	RA_CHECK(mkdtemp(dir));
	write_file(dir, "a.sv", "module a; endmodule\n");
	write_file(dir, "sub/b.v", "module b; endmodule\n");
	write_file(dir, "build/c.sv", "module c; endmodule\n");
	write_file(dir, ".hidden/d.sv", "module d; endmodule\n");
	snprintf(link, sizeof(link), "%s/sub/loop", dir);
	RA_CHECK(symlink(dir, link) == 0); /* a loop back to the root */
	snprintf(big, sizeof(big), "%s/big.sv", dir);
	f = fopen(big, "w");
	for (int i = 0; i < 200; i++)
		fputs("// padding\n", f);
	fclose(f);

	RA_CHECK(ra_walk(&r, dir, &opts) == 0);
	RA_CHECK(!r.in_git);
	RA_CHECK_INT(r.nfiles, 2);
	RA_CHECK_STR(r.files[0].path, "a.sv");
	RA_CHECK_STR(r.files[1].path, "sub/b.v");
	RA_CHECK_INT(warnings, 1); /* the oversized file */
	ra_walk_result_free(&r);

	RA_CHECK(ra_walk(&r, "/nonexistent/dir", &opts) == RA_ENOTFOUND);
}

RA_TEST_MAIN()
