/*
 * test_filelist.c - file lists (.f) and `include resolution. Every case builds its fixtures in a
 * fresh mkdtemp directory and removes it afterwards; a recording logger checks that the problems
 * that must be reported as warnings were.
 */
#define _XOPEN_SOURCE 700
#include "indexer/filelist.h"
#include "tests/ra_test.h"

#include <errno.h>
#include <ftw.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- fixtures ----------------------------------------------------------------------------- */

typedef struct recorder {
	int nwarn;
	int nmsg;
	char msg[64][512];
} recorder;

static void record(ra_log_level level, const char *msg, void *payload)
{
	recorder *r = payload;

	if (level == RA_LOG_WARN)
		r->nwarn++;
	if (r->nmsg < 64)
		snprintf(r->msg[r->nmsg++], sizeof(r->msg[0]), "%s", msg);
}

static ra_logger logger_for(recorder *r)
{
	memset(r, 0, sizeof(*r));
	return (ra_logger){.fn = record, .payload = r, .level = RA_LOG_DEBUG};
}

/* Whether some recorded message contains `a` and, unless it is NULL, `b`. */
static bool logged(const recorder *r, const char *a, const char *b)
{
	for (int i = 0; i < r->nmsg; i++)
		if (strstr(r->msg[i], a) && (!b || strstr(r->msg[i], b)))
			return true;
	return false;
}

static void dump(const recorder *r)
{
	for (int i = 0; i < r->nmsg; i++)
		fprintf(stderr, "  log: %s\n", r->msg[i]);
}

static bool make_tmp(char *dir, size_t n)
{
	snprintf(dir, n, "/tmp/ra_filelist_XXXXXX");
	return mkdtemp(dir) != NULL;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void rm_tree(const char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Creates root/rel's parent directories. */
static bool make_parents(const char *root, const char *rel)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (char *s = path + strlen(root) + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(path, 0755) != 0 && errno != EEXIST)
			return false;
		*s = '/';
	}
	return true;
}

/* Writes `text` to root/rel, creating directories as needed. */
static bool put(const char *root, const char *rel, const char *text)
{
	char path[4096];
	FILE *f;
	bool ok;

	if (!make_parents(root, rel))
		return false;
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	if (!f)
		return false;
	ok = fputs(text, f) >= 0;
	return fclose(f) == 0 && ok;
}

/* root + "/" + rel in one of a few rotating buffers, for expected values. */
static const char *at(const char *root, const char *rel)
{
	static char bufs[8][4096];
	static int next;
	char *b = bufs[next++ % 8];

	snprintf(b, sizeof(bufs[0]), "%s/%s", root, rel);
	return b;
}

/* ---- reading lists ------------------------------------------------------------------------ */

RA_TEST(filelist_nested_relative_and_syntax)
{
	char t[64], ws[128], top[128];
	ra_filelist *fl = NULL;
	recorder r;
	ra_logger lg = logger_for(&r);
	int rc;

	RA_CHECK(make_tmp(t, sizeof(t)));
	snprintf(ws, sizeof(ws), "%s/ws", t);
	snprintf(top, sizeof(top), "%s/lists/top.f", t);
	setenv("RA_FL_ROOT", t, 1);
	RA_CHECK(put(t, "lists/top.f",
	             "// line comment, with -bogus inside\n"
	             "# hash comment -bogus\n"
	             "/* block comment\n"
	             "   -bogus spanning lines */ rtl/top.sv // trailing\n"
	             "+incdir+inc1+inc2\n"
	             "+define+WIDTH=8+DEBUG\n"
	             "-define SPACED=1\n"
	             "-incdir inc3\n"
	             "$RA_FL_ROOT/env_a.sv\n"
	             "${RA_FL_ROOT}/env_b.sv\n"
	             "$(RA_FL_ROOT)/env_c.sv\n"
	             "\"dir with space/q.sv\"\n"
	             "-v lib/cells.v -y lib/dir +libext+.v+.sv\n"
	             "-f sub/wsrel.f\n"
	             "-F sub/selfrel.f\n"
	             "rtl/top.sv\n"
	             "./rtl/../rtl//x.sv \\\n"
	             "  rtl/cont.sv\n"));
	/* an -f list: its paths are relative to the workspace, not to sub/ */
	RA_CHECK(put(t, "ws/sub/wsrel.f", "rtl/w.sv\n"));
	/* an -F list: its paths, including a nested -f, are relative to its own directory */
	RA_CHECK(put(t, "ws/sub/selfrel.f", "s.sv +incdir+../inc4 -f other.f\n"));
	RA_CHECK(put(t, "ws/sub/other.f", "o.sv\n"));

	rc = ra_filelist_read(&fl, top, ws, &lg);
	RA_CHECKF(rc == 0, "rc %d: %s", rc, ra_error_last());
	if (r.nwarn)
		dump(&r);
	RA_CHECK_INT(r.nwarn, 0);

	RA_CHECK_INT(fl->nfiles, 10);
	RA_CHECK_STR(fl->files[0], at(ws, "rtl/top.sv"));
	RA_CHECK_STR(fl->files[1], at(t, "env_a.sv"));
	RA_CHECK_STR(fl->files[2], at(t, "env_b.sv"));
	RA_CHECK_STR(fl->files[3], at(t, "env_c.sv"));
	RA_CHECK_STR(fl->files[4], at(ws, "dir with space/q.sv"));
	RA_CHECK_STR(fl->files[5], at(ws, "rtl/w.sv"));
	RA_CHECK_STR(fl->files[6], at(ws, "sub/s.sv"));
	RA_CHECK_STR(fl->files[7], at(ws, "o.sv"));
	RA_CHECK_STR(fl->files[8], at(ws, "rtl/x.sv"));
	RA_CHECK_STR(fl->files[9], at(ws, "rtl/cont.sv"));

	RA_CHECK_INT(fl->nincdirs, 4);
	RA_CHECK_STR(fl->incdirs[0], at(ws, "inc1"));
	RA_CHECK_STR(fl->incdirs[1], at(ws, "inc2"));
	RA_CHECK_STR(fl->incdirs[2], at(ws, "inc3"));
	RA_CHECK_STR(fl->incdirs[3], at(ws, "inc4"));

	RA_CHECK_INT(fl->ndefines, 3);
	RA_CHECK_STR(fl->defines[0], "WIDTH=8");
	RA_CHECK_STR(fl->defines[1], "DEBUG");
	RA_CHECK_STR(fl->defines[2], "SPACED=1");

	RA_CHECK_INT(fl->nlibfiles, 1);
	RA_CHECK_STR(fl->libfiles[0], at(ws, "lib/cells.v"));
	RA_CHECK_INT(fl->nlibdirs, 1);
	RA_CHECK_STR(fl->libdirs[0], at(ws, "lib/dir"));
	RA_CHECK_INT(fl->nlibexts, 2);
	RA_CHECK_STR(fl->libexts[0], ".v");
	RA_CHECK_STR(fl->libexts[1], ".sv");

	ra_filelist_free(fl);
	unsetenv("RA_FL_ROOT");
	rm_tree(t);
}

RA_TEST(filelist_quotes_and_tokens)
{
	char t[64], top[128];
	ra_filelist *fl = NULL;
	recorder r;
	ra_logger lg = logger_for(&r);

	RA_CHECK(make_tmp(t, sizeof(t)));
	snprintf(top, sizeof(top), "%s/top.f", t);
	setenv("RA_FL_DIR", "from env", 1);
	RA_CHECK(put(t, "top.f",
	             "'$RA_FL_DIR/single.sv'\n"
	             "\"$RA_FL_DIR/double.sv\"\n"
	             "+define+MSG='\"hi there\"'\n"
	             "a//b.sv\n"
	             "esc\\ aped.sv\n"
	             "+incdir+\"inc dir\"+other\n"));
	/* NULL workspace: the list's own directory */
	RA_CHECKF(ra_filelist_read(&fl, top, NULL, &lg) == 0, "%s", ra_error_last());
	RA_CHECK_INT(r.nwarn, 0);
	RA_CHECK_INT(fl->nfiles, 4);
	RA_CHECK_STR(fl->files[0], at(t, "$RA_FL_DIR/single.sv"));
	RA_CHECK_STR(fl->files[1], at(t, "from env/double.sv"));
	RA_CHECK_STR(fl->files[2], at(t, "a/b.sv"));
	RA_CHECK_STR(fl->files[3], at(t, "esc aped.sv"));
	RA_CHECK_INT(fl->ndefines, 1);
	RA_CHECK_STR(fl->defines[0], "MSG=\"hi there\"");
	RA_CHECK_INT(fl->nincdirs, 2);
	RA_CHECK_STR(fl->incdirs[0], at(t, "inc dir"));
	RA_CHECK_STR(fl->incdirs[1], at(t, "other"));
	ra_filelist_free(fl);
	unsetenv("RA_FL_DIR");
	rm_tree(t);
}

RA_TEST(filelist_cycle_is_reported_not_followed)
{
	char t[64], a[128];
	ra_filelist *fl = NULL;
	recorder r;
	ra_logger lg = logger_for(&r);

	RA_CHECK(make_tmp(t, sizeof(t)));
	snprintf(a, sizeof(a), "%s/a.f", t);
	RA_CHECK(put(t, "a.f", "a.sv\n-f b.f\nafter.sv\n"));
	/* back to a.f through a symbolic link: a different path, the same file */
	RA_CHECK(symlink(a, at(t, "alias.f")) == 0);
	RA_CHECK(put(t, "b.f", "b.sv\n-f alias.f\nb2.sv\n"));
	RA_CHECK(ra_filelist_read(&fl, a, t, &lg) == 0);
	RA_CHECK_INT(fl->nfiles, 4);
	RA_CHECK_STR(fl->files[0], at(t, "a.sv"));
	RA_CHECK_STR(fl->files[1], at(t, "b.sv"));
	RA_CHECK_STR(fl->files[2], at(t, "b2.sv"));
	RA_CHECK_STR(fl->files[3], at(t, "after.sv"));
	RA_CHECK_INT(r.nwarn, 1);
	RA_CHECK(logged(&r, "cycle", "alias.f"));
	ra_filelist_free(fl);
	rm_tree(t);
}

RA_TEST(filelist_missing_nested_list_warns_and_continues)
{
	char t[64], top[128];
	ra_filelist *fl = NULL;
	recorder r;
	ra_logger lg = logger_for(&r);

	RA_CHECK(make_tmp(t, sizeof(t)));
	snprintf(top, sizeof(top), "%s/top.f", t);
	RA_CHECK(put(t, "top.f", "x.sv -f nope.f -F gone/nope2.f y.sv -f\n"));
	RA_CHECK(ra_filelist_read(&fl, top, t, &lg) == 0);
	RA_CHECK_INT(fl->nfiles, 2);
	RA_CHECK_STR(fl->files[0], at(t, "x.sv"));
	RA_CHECK_STR(fl->files[1], at(t, "y.sv"));
	RA_CHECK_INT(r.nwarn, 3);
	RA_CHECK(logged(&r, "nope.f", NULL));
	RA_CHECK(logged(&r, "gone/nope2.f", NULL));
	RA_CHECK(logged(&r, "-f without an argument", NULL));
	ra_filelist_free(fl);
	rm_tree(t);
}

RA_TEST(filelist_unknown_options_warn_and_skip)
{
	char t[64], top[128];
	ra_filelist *fl = NULL;
	recorder r;
	ra_logger lg = logger_for(&r);

	RA_CHECK(make_tmp(t, sizeof(t)));
	snprintf(top, sizeof(top), "%s/top.f", t);
	RA_CHECK(put(t, "top.f",
	             "-sverilog x.sv\n+acc\n-timescale 1ns/1ps\ny.sv\n"
	             "$RA_FL_SURELY_UNSET/z.sv\n"));
	unsetenv("RA_FL_SURELY_UNSET");
	RA_CHECK(ra_filelist_read(&fl, top, t, &lg) == 0);
	/* the argument of -timescale is not taken for a source file */
	RA_CHECK_INT(fl->nfiles, 3);
	RA_CHECK_STR(fl->files[0], at(t, "x.sv"));
	RA_CHECK_STR(fl->files[1], at(t, "y.sv"));
	RA_CHECK_STR(fl->files[2], "/z.sv");
	RA_CHECK_INT(r.nwarn, 4);
	RA_CHECK(logged(&r, "top.f:1:", "-sverilog"));
	RA_CHECK(logged(&r, "top.f:2:", "+acc"));
	RA_CHECK(logged(&r, "top.f:3:", "-timescale"));
	RA_CHECK(logged(&r, "top.f:5:", "RA_FL_SURELY_UNSET"));
	ra_filelist_free(fl);
	rm_tree(t);
}

/* Makes root/rel a file of RA_FILELIST_MAX_BYTES + 1 bytes. */
static bool put_oversized(const char *root, const char *rel)
{
	char path[4096];
	FILE *f;
	bool ok;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	if (!f)
		return false;
	ok = fseek(f, (long)RA_FILELIST_MAX_BYTES, SEEK_SET) == 0 && fputc('\n', f) != EOF;
	return fclose(f) == 0 && ok;
}

RA_TEST(filelist_oversized_lists_are_refused)
{
	char t[64], big[128], top[128];
	ra_filelist *fl = NULL;
	recorder r;
	ra_logger lg = logger_for(&r);

	RA_CHECK(make_tmp(t, sizeof(t)));
	snprintf(big, sizeof(big), "%s/big.f", t);
	snprintf(top, sizeof(top), "%s/top.f", t);
	RA_CHECK(put_oversized(t, "big.f"));
	RA_CHECK(put(t, "top.f", "a.sv -f big.f b.sv\n"));

	RA_CHECK_INT(ra_filelist_read(&fl, big, t, &lg), RA_ETOOBIG);
	RA_CHECK(fl == NULL);

	/* nested: a warning, and the rest is read */
	RA_CHECK(ra_filelist_read(&fl, top, t, &lg) == 0);
	RA_CHECK_INT(fl->nfiles, 2);
	RA_CHECK_STR(fl->files[1], at(t, "b.sv"));
	RA_CHECK_INT(r.nwarn, 1);
	RA_CHECK(logged(&r, "big.f", "cap"));
	ra_filelist_free(fl);
	rm_tree(t);
}

RA_TEST(filelist_nesting_depth_is_capped)
{
	char t[64], top[128], name[32], text[64];
	ra_filelist *fl = NULL;
	recorder r;
	ra_logger lg = logger_for(&r);

	RA_CHECK(make_tmp(t, sizeof(t)));
	for (int i = 0; i < RA_FILELIST_MAX_DEPTH + 8; i++) {
		snprintf(name, sizeof(name), "l%d.f", i);
		snprintf(text, sizeof(text), "f%d.sv -f l%d.f\n", i, i + 1);
		RA_CHECK(put(t, name, text));
	}
	snprintf(top, sizeof(top), "%s/l0.f", t);
	RA_CHECK(ra_filelist_read(&fl, top, t, &lg) == 0);
	RA_CHECK_INT(fl->nfiles, RA_FILELIST_MAX_DEPTH);
	RA_CHECK_INT(r.nwarn, 1);
	RA_CHECK(logged(&r, "nested deeper", NULL));
	ra_filelist_free(fl);
	rm_tree(t);
}

RA_TEST(filelist_top_errors)
{
	char t[64], path[128];
	ra_filelist dummy, *fl = &dummy;

	RA_CHECK(make_tmp(t, sizeof(t)));
	snprintf(path, sizeof(path), "%s/absent.f", t);
	RA_CHECK_INT(ra_filelist_read(&fl, path, t, NULL), RA_ENOTFOUND);
	RA_CHECK(fl == NULL);
	RA_CHECK(strstr(ra_error_last(), "absent.f") != NULL);
	/* a directory is not a list */
	RA_CHECK_INT(ra_filelist_read(&fl, t, t, NULL), RA_EINVAL);
	rm_tree(t);
}

RA_TEST(filelist_out_of_memory_is_clean)
{
	char t[64], top[128];
	ra_filelist *fl = NULL;
	int rc = -1;

	RA_CHECK(make_tmp(t, sizeof(t)));
	snprintf(top, sizeof(top), "%s/top.f", t);
	RA_CHECK(put(t, "top.f", "a.sv b.sv +incdir+i -F sub/n.f -v l.v\n"));
	RA_CHECK(put(t, "sub/n.f", "c.sv +define+X=1\n"));
	/* every allocation point fails once; each must give RA_ENOMEM and leak nothing (ASan) */
	for (long n = 0; n < 10000; n++) {
		ra_alloc_fail_after(n);
		rc = ra_filelist_read(&fl, top, t, NULL);
		ra_alloc_fail_after(-1);
		if (rc == 0)
			break;
		RA_CHECKF(rc == RA_ENOMEM, "after %ld allocations: rc %d", n, rc);
		RA_CHECK(fl == NULL);
	}
	RA_CHECK_INT(rc, 0);
	RA_CHECK_INT(fl->nfiles, 3);
	ra_filelist_free(fl);
	ra_filelist_free(NULL);
	rm_tree(t);
}

/* ---- `include resolution ----------------------------------------------------------------- */

RA_TEST(filelist_resolve_include_order)
{
	char t[64], i1[128], i2[128], from[128];
	char *incdirs[2] = {i1, i2};
	char *out = NULL;

	RA_CHECK(make_tmp(t, sizeof(t)));
	snprintf(i1, sizeof(i1), "%s/i1", t);
	snprintf(i2, sizeof(i2), "%s/i2", t);
	snprintf(from, sizeof(from), "%s/src/top.sv", t);
	RA_CHECK(put(t, "src/top.sv", "`include \"defs.svh\"\n"));
	RA_CHECK(put(t, "src/defs.svh", "local\n"));
	RA_CHECK(put(t, "i1/defs.svh", "incdir\n"));
	RA_CHECK(put(t, "i1/pkg/p.svh", "p\n"));
	RA_CHECK(put(t, "i2/only2.svh", "2\n"));
	RA_CHECK(put(t, "i2/pkg/p.svh", "p2\n"));
	/* a directory by that name in the first incdir does not count */
	RA_CHECK(mkdir(at(t, "i1/only2.svh"), 0755) == 0);

	/* the including file's directory wins over the incdirs */
	RA_CHECK_INT(ra_filelist_resolve_include(&out, "defs.svh", from, incdirs, 2), 0);
	RA_CHECK_STR(out, at(t, "src/defs.svh"));
	ra_free(out);

	/* without `from`, the first incdir */
	RA_CHECK_INT(ra_filelist_resolve_include(&out, "defs.svh", NULL, incdirs, 2), 0);
	RA_CHECK_STR(out, at(t, "i1/defs.svh"));
	ra_free(out);

	/* the second incdir when the first lacks it */
	RA_CHECK_INT(ra_filelist_resolve_include(&out, "only2.svh", from, incdirs, 2), 0);
	RA_CHECK_STR(out, at(t, "i2/only2.svh"));
	ra_free(out);

	/* subdirectories and normalisation */
	RA_CHECK_INT(ra_filelist_resolve_include(&out, "./pkg/../pkg/p.svh", from, incdirs, 2), 0);
	RA_CHECK_STR(out, at(t, "i1/pkg/p.svh"));
	ra_free(out);
	RA_CHECK_INT(ra_filelist_resolve_include(&out, "../i2/only2.svh", from, NULL, 0), 0);
	RA_CHECK_STR(out, at(t, "i2/only2.svh"));
	ra_free(out);

	/* absolute names as they are */
	RA_CHECK_INT(ra_filelist_resolve_include(&out, at(t, "i2/pkg/p.svh"), from, incdirs, 2), 0);
	RA_CHECK_STR(out, at(t, "i2/pkg/p.svh"));
	ra_free(out);

	/* not found */
	out = (char *)"sentinel";
	RA_CHECK_INT(ra_filelist_resolve_include(&out, "nothere.svh", from, incdirs, 2),
	             RA_ENOTFOUND);
	RA_CHECK(out == NULL);
	RA_CHECK(strstr(ra_error_last(), "nothere.svh") != NULL);
	RA_CHECK_INT(ra_filelist_resolve_include(&out, at(t, "i1/only2.svh"), from, incdirs, 2),
	             RA_ENOTFOUND);
	rm_tree(t);
}

RA_TEST(filelist_resolve_include_relative_dirs)
{
	char t[64], cwd[4096];
	char *incdirs[1] = {(char *)"inc"};
	char *out = NULL;
	int rc;

	RA_CHECK(make_tmp(t, sizeof(t)));
	RA_CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
	RA_CHECK(put(t, "inc/r.svh", "r\n"));
	RA_CHECK(chdir(t) == 0);
	/* relative incdirs are taken from the current directory; the result is absolute */
	rc = ra_filelist_resolve_include(&out, "r.svh", "src/top.sv", incdirs, 1);
	RA_CHECK(chdir(cwd) == 0);
	RA_CHECK_INT(rc, 0);
	RA_CHECK_STR(out, at(t, "inc/r.svh"));
	ra_free(out);
	rm_tree(t);
}

RA_TEST_MAIN()
