/*
 * fuzz_filelist.c - fuzz target for `.f` file lists (indexer/filelist.h): any bytes as a list
 * (which may name itself and its folder's other files with -f/-F, so nesting and cycles are
 * reached) are read or refused with an error code, never crash or loop; what is read holds
 * absolute, normalised paths, each once.
 *
 * The list is written to a scratch folder made once per process (with a second list, `b.f`,
 * that names the first), then read from there.
 */
#define _DEFAULT_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "indexer/filelist.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* absolute, without empty, "." or ".." components, no trailing slash (but "/") */
static bool normalised(const char *p)
{
	if (p[0] != '/')
		return false;
	if (!strcmp(p, "/"))
		return true;
	for (const char *c = p; *c;) {
		const char *next = strchr(c + 1, '/');
		size_t n = next ? (size_t)(next - c - 1) : strlen(c + 1);

		if (n == 0 || (n == 1 && c[1] == '.') || (n == 2 && c[1] == '.' && c[2] == '.'))
			return false;
		if (!next)
			break;
		c = next;
	}
	return true;
}

static void check_list(char **v, size_t n, bool unique, const char *what)
{
	for (size_t i = 0; i < n; i++) {
		ra_fuzz_check_at(v[i] != NULL, what, __LINE__);
		ra_fuzz_check_at(normalised(v[i]), what, __LINE__);
		for (size_t k = 0; unique && k < i; k++)
			ra_fuzz_check_at(strcmp(v[i], v[k]) != 0, what, __LINE__);
	}
}

static char dir[] = "/tmp/ra_fuzz_filelist_XXXXXX";

static void cleanup(void)
{
	char path[sizeof(dir) + 8];

	snprintf(path, sizeof(path), "%s/a.f", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/b.f", dir);
	unlink(path);
	rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool made;
	char path[sizeof(dir) + 8];
	ra_logger lg = {ra_fuzz_quiet, NULL, RA_LOG_DEBUG};
	ra_filelist *fl = NULL;
	FILE *f;
	int rc;

	if (!made) {
		ra_fuzz_check_at(mkdtemp(dir) != NULL, "scratch folder", __LINE__);
		snprintf(path, sizeof(path), "%s/b.f", dir);
		f = fopen(path, "w");
		ra_fuzz_check_at(f != NULL, "b.f", __LINE__);
		fputs("-f a.f\n+incdir+sub\nx.sv\n", f);
		fclose(f);
		atexit(cleanup);
		made = true;
	}
	snprintf(path, sizeof(path), "%s/a.f", dir);
	f = fopen(path, "wb");
	ra_fuzz_check_at(f != NULL, "a.f", __LINE__);
	ra_fuzz_check_at(fwrite(data, 1, size, f) == size, "write a.f", __LINE__);
	fclose(f);
	rc = ra_filelist_read(&fl, path, dir, &lg);
	ra_fuzz_check(rc == 0 || rc == RA_ETOOBIG || rc == RA_ENOMEM || rc == RA_ERR ||
	              rc == RA_EINVAL);
	if (rc == 0) {
		check_list(fl->files, fl->nfiles, true, "files");
		check_list(fl->incdirs, fl->nincdirs, true, "incdirs");
		check_list(fl->libfiles, fl->nlibfiles, true, "libfiles");
		check_list(fl->libdirs, fl->nlibdirs, true, "libdirs");
		for (size_t i = 0; i < fl->ndefines; i++)
			ra_fuzz_check_at(fl->defines[i] && fl->defines[i][0], "defines", __LINE__);
		ra_filelist_free(fl);
	}
	return 0;
}
