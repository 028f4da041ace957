/*
 * test_vhdl_ghdl.c - the VHDL front end on real code nobody here wrote: the library sources that
 * Debian's ghdl-common installs under /usr/lib/ghdl/src (std, ieee, ieee2008, synopsys, upf).
 *
 *   - every file parses with no syntax error;
 *   - the design units found in each file (kind and lower-cased name) are exactly the ones GHDL
 *     itself lists after importing that file (`ghdl -i` then `ghdl --dir`), except for the
 *     differences listed in known_differences[] below;
 *   - every file's chunks are exact slices, in order, cover all of its units' text but blank
 *     space, and stay within 60 lines / 2000 bytes unless a single line; every subprogram body
 *     is a chunk's symbol.
 *
 * Skips when the sources are absent; the comparison also skips when `ghdl` cannot run.
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "indexer/vhdl.h"
#include "tests/ra_test.h"

#define GHDL_SRC "/usr/lib/ghdl/src"
#define MAX_FILES 512

/* Units on which our parser and GHDL may disagree: file (relative to GHDL_SRC), unit, why.
   None today; a new entry needs a one-line explanation. */
static const struct {
	const char *file, *unit, *why;
} known_differences[] = {
        {NULL, NULL, NULL},
};

typedef struct file_list {
	char *paths[MAX_FILES];
	size_t n;
} file_list;

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void walk(file_list *fl, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		char path[1024];
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode))
			walk(fl, path);
		else if (S_ISREG(st.st_mode) && strstr(e->d_name, ".vhd") && fl->n < MAX_FILES)
			fl->paths[fl->n++] = strdup(path);
	}
	closedir(d);
	qsort(fl->paths, fl->n, sizeof(fl->paths[0]), cmp_str);
}

static void free_list(file_list *fl)
{
	for (size_t i = 0; i < fl->n; i++)
		free(fl->paths[i]);
}

static const char *unit_kind(ra_sym_kind k)
{
	switch (k) {
	case RA_SYM_ENTITY:
		return "entity";
	case RA_SYM_ARCHITECTURE:
		return "architecture";
	case RA_SYM_PACKAGE:
		return "package";
	case RA_SYM_PACKAGE_BODY:
		return "package body";
	case RA_SYM_CONFIGURATION:
		return "configuration";
	case RA_SYM_CONTEXT:
		return "context";
	default:
		return NULL;
	}
}

static void lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s + 32);
}

/* our units of one file, "kind name" lines, sorted, into `out` (newline-separated) */
static int our_units(ra_buf *out, const char *path, unsigned *nerrors, char *diag, size_t dlen)
{
	char *src, *lines[256];
	size_t len, n = 0;
	ra_model *m;

	if (ra_read_file(&src, &len, path, 1 << 26) != 0)
		return -1;
	if (ra_vhdl_parse(&m, src, len) != 0) {
		ra_free(src);
		return -1;
	}
	*nerrors = m->nerrors;
	if (m->ndiags)
		snprintf(diag, dlen, "%u:%u %s", m->diags[0].span.line + 1,
		         m->diags[0].span.col + 1, m->diags[0].message);
	for (size_t i = 0; i < m->nsyms && n < 256; i++) {
		const char *k = unit_kind(m->syms[i].kind);
		char line[512];

		if (!k || m->syms[i].parent != -1)
			continue;
		snprintf(line, sizeof(line), "%s %s", k, m->syms[i].name);
		lower(line);
		lines[n++] = strdup(line);
	}
	qsort(lines, n, sizeof(lines[0]), cmp_str);
	for (size_t i = 0; i < n; i++) {
		ra_buf_printf(out, "%s\n", lines[i]);
		free(lines[i]);
	}
	ra_model_free(m);
	ra_free(src);
	return 0;
}

/*
 * GHDL's units of one file: import it alone into a fresh library in a temporary directory and
 * list the library. std/standard.vhdl is special to GHDL: it only goes into library std with
 * --bootstrap (which also makes GHDL list its built-in std.standard in every other file, so only
 * that file uses it). The language version follows the directory (v87, v93, else 2008).
 */
static int ghdl_units(ra_buf *out, const char *path)
{
	char dir[] = "/tmp/ra_ghdl_XXXXXX", cmd[2048], line[512], *lines[256];
	const char *std = strstr(path, "/v87/") ? "87" : strstr(path, "/v93/") ? "93" : "08";
	const char *work = strstr(path, "/standard.vhdl") ? "std --bootstrap" : "x";
	size_t n = 0;
	FILE *f;

	if (!mkdtemp(dir))
		return -1;
	snprintf(cmd, sizeof(cmd),
	         "cd '%s' && ghdl -i --std=%s --work=%s '%s' >/dev/null 2>&1;"
	         " ghdl --dir --std=%s --work=%s 2>/dev/null",
	         dir, std, work, path, std, work);
	f = popen(cmd, "r");
	while (f && fgets(line, sizeof(line), f) && n < 256) {
		line[strcspn(line, "\r\n")] = 0;
		if (line[0] == '#' || !line[0])
			continue;
		lower(line);
		lines[n++] = strdup(line);
	}
	if (f)
		pclose(f);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	qsort(lines, n, sizeof(lines[0]), cmp_str);
	for (size_t i = 0; i < n; i++) {
		ra_buf_printf(out, "%s\n", lines[i]);
		free(lines[i]);
	}
	return f ? 0 : -1;
}

static bool is_known_difference(const char *path, const char *unit)
{
	for (size_t i = 0; known_differences[i].file; i++)
		if (strstr(path, known_differences[i].file) &&
		    strcmp(unit, known_differences[i].unit) == 0)
			return true;
	return false;
}

/* reports every line of `a` missing from `b` (both sorted line lists); returns the count */
static int missing_lines(const char *a, const char *b, const char *path, const char *side)
{
	int n = 0;
	char *copy = strdup(a), *save = NULL;

	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char needle[600];

		snprintf(needle, sizeof(needle), "%s\n", l);
		if (strstr(b, needle) || is_known_difference(path, l))
			continue;
		fprintf(stderr, "%s: unit '%s' only in %s\n", path, l, side);
		n++;
	}
	free(copy);
	return n;
}

RA_TEST(vhdl_ghdl_sources_parse_without_errors)
{
	file_list fl = {0};
	size_t bytes = 0, bad = 0, units = 0;

	walk(&fl, GHDL_SRC);
	if (fl.n == 0)
		RA_SKIP("no VHDL under " GHDL_SRC " (install ghdl-common)");
	for (size_t i = 0; i < fl.n; i++) {
		ra_buf u;
		unsigned nerr = 0;
		char diag[300] = "";
		struct stat st;

		ra_buf_init(&u, 0);
		RA_CHECKF(our_units(&u, fl.paths[i], &nerr, diag, sizeof(diag)) == 0, "%s",
		          fl.paths[i]);
		if (nerr) {
			fprintf(stderr, "%s: %u errors, first %s\n", fl.paths[i], nerr, diag);
			bad++;
		}
		if (!u.len) {
			fprintf(stderr, "%s: no design unit found\n", fl.paths[i]);
			bad++;
		}
		for (size_t j = 0; j < u.len; j++)
			units += u.data[j] == '\n';
		if (stat(fl.paths[i], &st) == 0)
			bytes += (size_t)st.st_size;
		ra_buf_free(&u);
	}
	printf("%zu files, %zu bytes, %zu design units\n", fl.n, bytes, units);
	free_list(&fl);
	RA_CHECK_INT(bad, 0);
}

RA_TEST(vhdl_ghdl_units_match_ghdl)
{
	file_list fl = {0};
	int diffs = 0;

	walk(&fl, GHDL_SRC);
	if (fl.n == 0)
		RA_SKIP("no VHDL under " GHDL_SRC " (install ghdl-common)");
	if (system("ghdl --version >/dev/null 2>&1") != 0) {
		free_list(&fl);
		RA_SKIP("ghdl cannot run (install ghdl)");
	}
	for (size_t i = 0; i < fl.n; i++) {
		ra_buf ours, theirs;
		unsigned nerr = 0;
		char diag[300];

		ra_buf_init(&ours, 0);
		ra_buf_init(&theirs, 0);
		RA_CHECK(our_units(&ours, fl.paths[i], &nerr, diag, sizeof(diag)) == 0);
		RA_CHECK(ghdl_units(&theirs, fl.paths[i]) == 0);
		RA_CHECKF(theirs.len > 0, "ghdl listed no unit for %s", fl.paths[i]);
		diffs += missing_lines(ours.len ? ours.data : "", theirs.data, fl.paths[i], "ours");
		diffs += missing_lines(theirs.data, ours.len ? ours.data : "", fl.paths[i],
		                       "ghdl's");
		ra_buf_free(&ours);
		ra_buf_free(&theirs);
	}
	free_list(&fl);
	RA_CHECK_INT(diffs, 0);
}

/* chunk invariants of one file; the number of violations (reported on stderr) */
static int check_chunks(const char *path)
{
	char *src;
	size_t len, prev_end = 0, line = 0, off = 0;
	ra_model *m = NULL;
	int bad = 0, bodies = 0, subs = 0;

	if (ra_read_file(&src, &len, path, 1 << 26) != 0 || ra_vhdl_parse(&m, src, len) != 0) {
		ra_free(src);
		return 1;
	}
	for (size_t i = 0; i < m->nchunks; i++) {
		const ra_chunk *c = &m->chunks[i];
		size_t a, b;

		/* chunks come in order: walk the lines forward */
		while (line < c->span.line && off < len)
			line += src[off++] == '\n';
		a = off + c->span.col;
		while (line < c->span.end_line && off < len)
			line += src[off++] == '\n';
		b = off + c->span.end_col;
		if (b > len || a >= b || a < prev_end || strlen(c->text) != b - a ||
		    memcmp(c->text, src + a, b - a) != 0) {
			fprintf(stderr, "%s: chunk %zu is not an ordered exact slice\n", path, i);
			bad++;
			break;
		}
		for (size_t k = i ? prev_end : a; k < a; k++)
			if (!strchr(" \t\r\n", src[k])) {
				fprintf(stderr, "%s: text before chunk %zu in no chunk\n", path, i);
				bad++;
				break;
			}
		if (c->span.line != c->span.end_line &&
		    (b - a > 2000 || c->span.end_line - c->span.line >= 60)) {
			fprintf(stderr, "%s: chunk %zu too big\n", path, i);
			bad++;
		}
		subs += strcmp(c->kind, "subprogram") == 0 &&
		        (i == 0 || m->chunks[i - 1].sym != c->sym);
		prev_end = b;
	}
	/* subprograms with a body (`begin` in their text) in package bodies and architectures */
	for (size_t i = 0; i < m->nsyms; i++) {
		const ra_sym *s = &m->syms[i];
		size_t sa = 0, sb = 0, l = 0;

		if ((s->kind != RA_SYM_FUNCTION && s->kind != RA_SYM_TASK) || s->parent < 0 ||
		    (m->syms[s->parent].kind != RA_SYM_PACKAGE_BODY &&
		     m->syms[s->parent].kind != RA_SYM_ARCHITECTURE))
			continue;
		for (; sb < len && l < s->span.end_line; sb++) {
			l += src[sb] == '\n';
			if (l == s->span.line && src[sb] == '\n')
				sa = sb + 1;
		}
		sb += s->span.end_col;
		for (size_t k = sa; k + 5 <= sb && k + 5 <= len; k++)
			if (strncasecmp(src + k, "begin", 5) == 0) {
				bodies++;
				break;
			}
	}
	if (subs < bodies) {
		fprintf(stderr, "%s: %d subprogram chunks for %d multi-line subprograms\n", path,
		        subs, bodies);
		bad++;
	}
	ra_model_free(m);
	ra_free(src);
	return bad;
}

RA_TEST(vhdl_ghdl_chunks_hold)
{
	file_list fl = {0};
	int bad = 0;

	walk(&fl, GHDL_SRC);
	if (fl.n == 0)
		RA_SKIP("no VHDL under " GHDL_SRC " (install ghdl-common)");
	for (size_t i = 0; i < fl.n; i++)
		bad += check_chunks(fl.paths[i]);
	free_list(&fl);
	RA_CHECK_INT(bad, 0);
}

RA_TEST_MAIN()
