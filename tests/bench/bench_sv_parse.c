/*
 * bench_sv_parse.c - how much the SystemVerilog front end costs over tree-sitter alone.
 *
 *   bench_sv_parse DIR [ROUNDS]
 *
  * Reads every .v .sv .svh .vh file under DIR into memory, then on one core and in one run times
 * (a) raw parsing, ts_parser_parse_string only, and (b) ra_sv_parser_parse, parse plus
 * extraction into a model (symbols, references, flows, chunks). The two alternate file by file
 * and are timed in the thread's CPU time, so that a busy machine slows both alike; each total is
 * the best of ROUNDS (default 3) passes over all files. Prints MB/s for both, the extraction's
 * share, files with syntax errors and model sizes.
 */
#define _POSIX_C_SOURCE 200809L /* opendir, stat (the build is strict C11) */

#include "indexer/sv.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <tree_sitter/api.h>

const TSLanguage *tree_sitter_systemverilog(void);

typedef struct file {
	char *src;
	size_t len;
	bool sv;
} file;

static file *files;
static size_t nfiles, files_cap, total_bytes;

/* CPU seconds of the calling thread */
static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool wanted(const char *name, bool *sv)
{
	const char *dot = strrchr(name, '.');

	if (!dot)
		return false;
	*sv = strcmp(dot, ".sv") == 0 || strcmp(dot, ".svh") == 0;
	return *sv || strcmp(dot, ".v") == 0 || strcmp(dot, ".vh") == 0;
}

static int load(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL) {
		char path[4096];
		struct stat st;
		bool sv;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			load(path);
		} else if (S_ISREG(st.st_mode) && wanted(e->d_name, &sv)) {
			file f = {.sv = sv};

			if (ra_read_file(&f.src, &f.len, path, 256u << 20) != 0)
				continue;
			if (ra_grow((void **)&files, &files_cap, nfiles + 1, sizeof(*files))) {
				closedir(d);
				return -1;
			}
			files[nfiles++] = f;
			total_bytes += f.len;
		}
	}
	closedir(d);
	return 0;
}

int main(int argc, char **argv)
{
	int rounds = argc > 2 ? atoi(argv[2]) : 3;
	double best_raw = 1e30, best_ext = 1e30, worst_rate = 0; /* raw parse, s per byte */
	size_t worst = 0;
	size_t err_files = 0, nerrors = 0, nsyms = 0, nrefs = 0, nconns = 0, nflows = 0,
	       nchunks = 0;
	TSParser *ts;
	ra_sv_parser *p;

	if (argc < 2) {
		fprintf(stderr, "usage: %s DIR [ROUNDS]\n", argv[0]);
		return 2;
	}
	if (load(argv[1]) != 0 || nfiles == 0) {
		fprintf(stderr, "%s: no .v .sv .svh .vh files read\n", argv[1]);
		return 1;
	}
	if (rounds < 1)
		rounds = 1;
	ts = ts_parser_new();
	ts_parser_set_language(ts, tree_sitter_systemverilog());
	p = ra_sv_parser_new();
	if (!p)
		return 1;
	for (int r = 0; r < rounds; r++) {
		double raw = 0, ext = 0;

		for (size_t i = 0; i < nfiles; i++) {
			ra_model *m = NULL;
			double t0 = cpu_now(), t1, t2;

			ts_tree_delete(ts_parser_parse_string(ts, NULL, files[i].src,
			                                      (uint32_t)files[i].len));
			t1 = cpu_now();
			if (ra_sv_parser_parse(p, &m, files[i].src, files[i].len,
			                       files[i].sv ? RA_LANG_SV : RA_LANG_VERILOG) != 0) {
				fprintf(stderr, "parse failed: %s\n", ra_error_last());
				return 1;
			}
			t2 = cpu_now();
			raw += t1 - t0;
			ext += t2 - t1;
			/* files over 4 KB: below, the clock's resolution and fixed costs dominate */
			if (r == 0 && files[i].len > 4096 &&
			    (t1 - t0) / files[i].len > worst_rate) {
				worst_rate = (t1 - t0) / files[i].len;
				worst = i;
			}
			if (r == 0) {
				err_files += m->nerrors > 0;
				nerrors += m->nerrors;
				nsyms += m->nsyms;
				nrefs += m->nrefs;
				nconns += m->nconns;
				nflows += m->nflows;
				nchunks += m->nchunks;
			}
			ra_model_free(m);
		}
		if (raw < best_raw)
			best_raw = raw;
		if (ext < best_ext)
			best_ext = ext;
	}
	printf("%s: %zu files, %.2f MB, best of %d\n", argv[1], nfiles, total_bytes / 1e6, rounds);
	printf("  raw tree-sitter parse : %7.3f s  %6.2f MB/s  (CPU time)\n", best_raw,
	       total_bytes / 1e6 / best_raw);
	printf("  parse + extract       : %7.3f s  %6.2f MB/s  (extraction %+.1f%% of parse)\n",
	       best_ext, total_bytes / 1e6 / best_ext, 100.0 * (best_ext - best_raw) / best_raw);
	printf("  slowest raw parse per byte (files over 4 KB): %.1f us/KB, %.1fx the mean, a file"
	       " of %zu bytes (sv.h's parse budget allows %.0f us/KB + %.1f s)\n",
	       worst_rate * 1024 * 1e6, worst_rate / (best_raw / total_bytes), files[worst].len,
	       (double)RA_SV_PARSE_BUDGET_US_PER_KB, RA_SV_PARSE_BUDGET_S);
	printf("  files with syntax errors: %zu (%zu error regions)\n", err_files, nerrors);
	printf("  symbols %zu, references %zu, connections %zu, flows %zu, chunks %zu\n", nsyms,
	       nrefs, nconns, nflows, nchunks);
	printf("  parse + extract runs at %.1f%% of raw parse throughput\n",
	       100.0 * best_raw / best_ext);
	ra_sv_parser_free(p);
	ts_parser_delete(ts);
	for (size_t i = 0; i < nfiles; i++)
		ra_free(files[i].src);
	ra_free(files);
	return 0;
}
