/*
 * bench_index.c - what search adds to a cold index run (issue #6: chunking, embedding and FTS
 * may add at most 50%). The same workspace is indexed from nothing, in this process, with the
 * search data (ra_index_opts.no_search false: chunks, their FTS rows, the vectors of the builtin
 * embedder, as `rtlassist index` makes them) and without it (the index navigation, references,
 * hierarchy and traces need). Each run gets a fresh database in a scratch folder; the two kinds
 * alternate and swap their order every round, so that a machine slowing down hurts both alike.
 *
 *   bench_index WORKSPACE [--runs N] [--threads N] [--keep]
 *
 * Per kind: wall time and CPU time of the process (every thread: the parse workers and the
 * writer) of each run, their medians, the database and vector file sizes; then the ratios of the
 * medians. The workspace is only read. --keep leaves the scratch folders (their paths printed).
 */
#define _DEFAULT_SOURCE
#include "daemon/config.h"
#include "indexer/index.h"
#include "indexer/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_RUNS 64

typedef struct sample {
	double wall, cpu;
	long long db_bytes, vec_bytes;
	ra_index_summary sum;
} sample;

static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static double wall_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long long size_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (long long)st.st_size : 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(const sample *s, size_t n, bool cpu)
{
	double v[MAX_RUNS];

	for (size_t i = 0; i < n; i++)
		v[i] = cpu ? s[i].cpu : s[i].wall;
	qsort(v, n, sizeof(v[0]), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* one cold run into a fresh scratch folder */
static int run_once(const char *ws, bool no_search, int threads, bool keep,
                    const ra_embed_config *ec, sample *out)
{
	char dir[] = "/tmp/ra_bench_index_XXXXXX", db[256], vec[256], cmd[300];
	ra_store *st = NULL;
	double w0, c0;
	int rc;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(db, sizeof(db), "%s/index.db", dir);
	snprintf(vec, sizeof(vec), "%s/vectors.faiss", dir);
	if (ra_store_open(&st, db, false) != 0) {
		fprintf(stderr, "bench_index: %s\n", ra_error_last());
		return 1;
	}
	{
		ra_index_opts o = {.root = ws,
		                   .store = st,
		                   .threads = threads,
		                   .embed = ec,
		                   .vectors_path = vec,
		                   .no_search = no_search};

		w0 = wall_seconds();
		c0 = cpu_seconds();
		rc = ra_index_run(&o, &out->sum);
		out->cpu = cpu_seconds() - c0;
		out->wall = wall_seconds() - w0;
	}
	ra_store_close(st);
	if (rc) {
		fprintf(stderr, "bench_index: %s\n", ra_error_last());
		return 1;
	}
	out->db_bytes = size_of(db);
	out->vec_bytes = size_of(vec);
	if (keep) {
		fprintf(stderr, "kept %s\n", dir);
	} else {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "bench_index: could not remove %s\n", dir);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *ws = NULL;
	int runs = 3, threads = 0;
	bool keep = false;
	sample with[MAX_RUNS], without[MAX_RUNS];
	ra_embed_config ec;
	ra_config *cfg;
	char root[4096];

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
			runs = atoi(argv[++i]);
		else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
			threads = atoi(argv[++i]);
		else if (strcmp(argv[i], "--keep") == 0)
			keep = true;
		else if (argv[i][0] != '-' && !ws)
			ws = argv[i];
		else {
			fprintf(stderr,
			        "usage: bench_index WORKSPACE [--runs N] [--threads N] [--keep]\n");
			return 2;
		}
	}
	if (!ws || runs < 1 || runs > MAX_RUNS || !realpath(ws, root)) {
		fprintf(stderr,
		        "usage: bench_index WORKSPACE [--runs N (1-%d)] [--threads N] [--keep]\n",
		        MAX_RUNS);
		return 2;
	}
	/* the builtin embedder as a default configuration sets it up */
	cfg = ra_config_new();
	if (!cfg)
		return 1;
	ra_config_embed(cfg, &ec, NULL);
	printf("workspace %s, %d run(s) of each kind, %d parse threads (0: one per core)\n", root,
	       runs, threads);
	for (int r = 0; r < runs; r++)
		for (int k = 0; k < 2; k++) {
			bool no_search =
			        (k == 0) == (r % 2 == 0); /* without first on even rounds */
			sample *s = no_search ? &without[r] : &with[r];

			if (run_once(root, no_search, threads, keep, &ec, s)) {
				ra_config_free(cfg);
				return 1;
			}
			printf("run %d %-15s wall %6.2f s  cpu %6.2f s  db %6.1f MB  vectors %5.1f "
			       "MB"
			       "  (%zu files, %zu embedded)\n",
			       r + 1, no_search ? "without search" : "with search", s->wall, s->cpu,
			       (double)s->db_bytes / 1e6, (double)s->vec_bytes / 1e6, s->sum.parsed,
			       s->sum.embedded);
			fflush(stdout);
		}
	{
		double ww = median(with, (size_t)runs, false),
		       wo = median(without, (size_t)runs, false);
		double cw = median(with, (size_t)runs, true),
		       co = median(without, (size_t)runs, true);

		printf("median without search: wall %.2f s, cpu %.2f s, db %.1f MB\n", wo, co,
		       (double)without[0].db_bytes / 1e6);
		printf("median with search:    wall %.2f s, cpu %.2f s, db %.1f MB + vectors %.1f "
		       "MB\n",
		       ww, cw, (double)with[0].db_bytes / 1e6, (double)with[0].vec_bytes / 1e6);
		printf("search adds: wall %+.0f%%, cpu %+.0f%%, disk %+.0f%%\n",
		       (ww / wo - 1) * 100, (cw / co - 1) * 100,
		       ((double)(with[0].db_bytes + with[0].vec_bytes) /
		                (double)without[0].db_bytes -
		        1) * 100);
	}
	ra_config_free(cfg);
	return 0;
}
