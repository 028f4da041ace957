/*
 * test_sv_yosys_ctags.c - the SystemVerilog front end against code nobody here wrote: the Verilog
 * cell libraries and techmap files shipped by Debian's yosys package, with universal-ctags as the
 * independent reference for which modules each file defines.
 *
 * Both sides see the same files (/usr/share/yosys/ ** / *.v). A module counts as (file, name,
 * line). The two sets must be equal except for the differences listed in `expected_diffs`, each
 * with the reason. Neither tool evaluates `ifdef, so a module defined in both branches of an
 * `ifdef is reported twice by both. Skips when yosys' files or universal-ctags are absent.
 */
#define _POSIX_C_SOURCE 200809L /* popen, mkstemp, fdopen (the build is strict C11) */

#include "indexer/sv.h"
#include "tests/ra_test.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#define YOSYS_DIR "/usr/share/yosys"

/* A difference between the two tools that is understood. `side` is the tool that reports the
 * module while the other does not. */
typedef struct expected_diff {
	const char *file; /* path under YOSYS_DIR; NULL: any file */
	const char *name; /* a trailing '*' matches any rest */
	const char *side; /* "ours" or "ctags" */
	const char *why;
} expected_diff;

static const expected_diff expected_diffs[] = {
        {NULL, "\\*", "ours",
         "escaped identifiers (module \\$_DFF_P_): universal-ctags 5.9 does not tag them"},
        {"ecp5/cells_sim.v", "TRELLIS_IO", "ctags",
         "`ifndef inside the previous module's specify block is outside the grammar; error "
         "recovery folds this module's header into an expression"},
        {"xilinx/cells_sim.v", "RAM256X1D", "ctags",
         "`ifdef inside the previous module's specify block, as for TRELLIS_IO"},
        {NULL, NULL, NULL, NULL},
};

typedef struct strlist {
	char **v;
	size_t n, cap;
} strlist;

static int strlist_add(strlist *l, const char *s)
{
	char *d = ra_strdup(s);

	if (!d || ra_grow((void **)&l->v, &l->cap, l->n + 1, sizeof(*l->v))) {
		ra_free(d);
		return -1;
	}
	l->v[l->n++] = d;
	return 0;
}

static void strlist_free(strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		ra_free(l->v[i]);
	ra_free(l->v);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* collects every *.v file under dir, recursively */
static int collect(strlist *out, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int rc = 0;

	if (!d)
		return -1;
	while (!rc && (e = readdir(d)) != NULL) {
		char path[1024];
		struct stat st;
		size_t n = strlen(e->d_name);

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode))
			rc = collect(out, path);
		else if (n > 2 && strcmp(e->d_name + n - 2, ".v") == 0)
			rc = strlist_add(out, path);
	}
	closedir(d);
	return rc;
}

static bool have_universal_ctags(void)
{
	char line[256] = "";
	FILE *f = popen("ctags --version 2>/dev/null", "r");

	if (!f)
		return false;
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	pclose(f);
	return strstr(line, "Universal Ctags") != NULL;
}

/* is `key` ("file<TAB>name<TAB>line") from `side` a listed difference? counts it in used[] */
static bool expected(const char *key, const char *side, size_t *used)
{
	const char *name = strchr(key, '\t') + 1;
	size_t flen = (size_t)(name - 1 - key), dirlen = strlen(YOSYS_DIR "/");

	for (size_t i = 0; expected_diffs[i].name; i++) {
		const expected_diff *e = &expected_diffs[i];
		size_t nlen = strlen(e->name);
		bool star = nlen && e->name[nlen - 1] == '*';

		if (strcmp(side, e->side) != 0)
			continue;
		if (e->file && (flen != dirlen + strlen(e->file) ||
		                strncmp(key + dirlen, e->file, flen - dirlen) != 0))
			continue;
		if (star ? strncmp(name, e->name, nlen - 1) != 0
		         : strncmp(name, e->name, nlen) != 0 || name[nlen] != '\t')
			continue;
		used[i]++;
		return true;
	}
	return false;
}

RA_TEST(sv_yosys_modules_match_ctags)
{
	strlist files = {0}, ours = {0}, theirs = {0};
	char listpath[] = "/tmp/ra_sv_ctags_XXXXXX";
	char cmd[1400], line[2048];
	ra_sv_parser *p = NULL;
	size_t nerr_files = 0, nerrors = 0, unexpected = 0, i = 0, j = 0;
	size_t used[sizeof(expected_diffs) / sizeof(*expected_diffs)] = {0};
	FILE *f;
	int fd;

	if (access(YOSYS_DIR, R_OK) != 0)
		RA_SKIP(YOSYS_DIR " is absent (apt-get install yosys)");
	if (!have_universal_ctags())
		RA_SKIP("universal-ctags is absent (apt-get install universal-ctags)");
	RA_CHECK(collect(&files, YOSYS_DIR) == 0);
	RA_CHECK(files.n > 0);
	qsort(files.v, files.n, sizeof(*files.v), cmp_str);

	/* ctags: modules of the same files, one "file<TAB>name<TAB>line" per module */
	fd = mkstemp(listpath);
	RA_CHECK(fd >= 0);
	f = fdopen(fd, "w");
	RA_CHECK(f != NULL);
	for (size_t k = 0; k < files.n; k++)
		fprintf(f, "%s\n", files.v[k]);
	fclose(f);
	snprintf(cmd, sizeof(cmd),
	         "ctags -x --_xformat='%%F\t%%N\t%%n' --languages=Verilog,SystemVerilog "
	         "--kinds-Verilog=m --kinds-SystemVerilog=m -L %s 2>/dev/null",
	         listpath);
	f = popen(cmd, "r");
	RA_CHECK(f != NULL);
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] && strlist_add(&theirs, line) != 0)
			break;
	}
	pclose(f);
	unlink(listpath);
	RA_CHECK(theirs.n > 0);

	/* ours */
	p = ra_sv_parser_new();
	RA_CHECK(p != NULL);
	for (size_t k = 0; k < files.n; k++) {
		char *src = NULL;
		size_t len = 0;
		ra_model *m = NULL;

		RA_CHECK(ra_read_file(&src, &len, files.v[k], 64u << 20) == 0);
		RA_CHECKF(ra_sv_parser_parse(p, &m, src, len, RA_LANG_VERILOG) == 0, "%s: %s",
		          files.v[k], ra_error_last());
		ra_free(src);
		if (m->nerrors) {
			nerr_files++;
			nerrors += m->nerrors;
			printf("  %u syntax error(s) in %s, first at line %u\n", m->nerrors,
			       files.v[k], m->ndiags ? m->diags[0].span.line + 1 : 0);
		}
		for (size_t s = 0; s < m->nsyms; s++) {
			if (m->syms[s].kind != RA_SYM_MODULE)
				continue;
			snprintf(line, sizeof(line), "%s\t%s\t%u", files.v[k], m->syms[s].name,
			         m->syms[s].name_span.line + 1);
			if (strlist_add(&ours, line) != 0)
				break;
		}
		ra_model_free(m);
	}
	ra_sv_parser_free(p);
	printf("  %zu files, %zu modules (ctags %zu), %zu files with %zu syntax errors\n", files.n,
	       ours.n, theirs.n, nerr_files, nerrors);

	/* walk both sorted lists */
	qsort(ours.v, ours.n, sizeof(*ours.v), cmp_str);
	qsort(theirs.v, theirs.n, sizeof(*theirs.v), cmp_str);
	while (i < ours.n || j < theirs.n) {
		int c = i == ours.n ? 1 : j == theirs.n ? -1 : strcmp(ours.v[i], theirs.v[j]);

		if (c == 0) {
			i++, j++;
		} else if (c < 0) {
			if (!expected(ours.v[i], "ours", used)) {
				printf("  only ours:  %s\n", ours.v[i]);
				unexpected++;
			}
			i++;
		} else {
			if (!expected(theirs.v[j], "ctags", used)) {
				printf("  only ctags: %s\n", theirs.v[j]);
				unexpected++;
			}
			j++;
		}
	}
	for (size_t k = 0; expected_diffs[k].name; k++) {
		printf("  listed difference seen %zu time(s): only %s: %s %s (%s)\n", used[k],
		       expected_diffs[k].side,
		       expected_diffs[k].file ? expected_diffs[k].file : "*",
		       expected_diffs[k].name, expected_diffs[k].why);
		if (!used[k])
			unexpected++; /* a stale entry hides nothing: the list must stay true */
	}
	strlist_free(&files);
	strlist_free(&ours);
	strlist_free(&theirs);
	RA_CHECK_INT(unexpected, 0);
}

RA_TEST_MAIN()
