/*
 * bench_explain.c - latency of `explain` (retriever/explain.h) on an indexed workspace, in
 * process, as the LSP's `rtlassist/explain` pays it: ra_explain_unit plus the text form, on a
 * store opened once. Prints per unit the median and best wall time and the CPU time per call
 * (CPU time is the steadier figure on a shared machine), and the output's size so that runs of
 * different builds can be checked to explain the same thing.
 *
 *   bench_explain WORKSPACE [-n RUNS] [--shared] UNIT...
 *
 * --shared: every call on one design-graph handle, refreshed before each (as the LSP server and
 * the daemon call it); without, each call opens its own (as `rtlassist explain --no-daemon`).
 * The store is opened read-only: a workspace shared with others is never written.
 */
#define _GNU_SOURCE
#include "indexer/graph.h"
#include "retriever/explain.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	char root[PATH_MAX], db[PATH_MAX + 32];
	ra_store *st = NULL;
	int runs = 5, argi = 2, status = 0;
	double *wall, *prompt;
	ra_graph *shared = NULL;
	bool share = false;

	if (argc < 3) {
		fprintf(stderr, "usage: bench_explain WORKSPACE [-n RUNS] [--shared] UNIT...\n");
		return 2;
	}
	if (!realpath(argv[1], root)) {
		perror(argv[1]);
		return 1;
	}
	if (argc > 4 && !strcmp(argv[2], "-n")) {
		runs = atoi(argv[3]);
		argi = 4;
		if (runs < 1 || runs > 10000) {
			fprintf(stderr, "bench_explain: -n needs 1..10000\n");
			return 2;
		}
	}
	if (argi < argc && !strcmp(argv[argi], "--shared")) {
		share = true;
		argi++;
	}
	snprintf(db, sizeof(db), "%s/.rtlassist/index.db", root);
	if (ra_store_open(&st, db, true) != 0 || (share && ra_graph_open(&shared, st) != 0)) {
		fprintf(stderr, "bench_explain: %s\n", ra_error_last());
		return 1;
	}
	wall = calloc((size_t)runs, sizeof(*wall));
	prompt = calloc((size_t)runs, sizeof(*prompt));
	if (!wall || !prompt)
		return 1;
	printf("%-28s %10s %10s %10s %8s %6s %6s %10s %8s\n", "unit", "median ms", "best ms",
	       "cpu ms", "bytes", "ports", "subs", "prompt ms", "bytes");
	for (int u = argi; u < argc; u++) {
		ra_explain_opts o = {.root = root, .graph = shared};
		double cpu = 0;
		size_t bytes = 0, nports = 0, nsubs = 0, pbytes = 0;
		int rc = 0;

		for (int r = 0; r < runs && !rc; r++) {
			ra_explain *e = NULL;
			ra_buf b;
			double t0 = ra_now(), c0 = cpu_now();

			ra_buf_init(&b, 0);
			if (shared)
				ra_graph_refresh(shared);
			rc = ra_explain_unit(&e, st, argv[u], &o);
			if (!rc)
				rc = ra_explain_text(&b, e);
			wall[r] = ra_now() - t0;
			cpu += cpu_now() - c0;
			if (!rc) {
				ra_explain_prompt p;

				t0 = ra_now();
				rc = ra_explain_prompt_build(&p, st, e, 0);
				prompt[r] = ra_now() - t0;
				pbytes = rc ? 0 : strlen(p.user);
				if (!rc)
					ra_explain_prompt_free(&p);
			}
			bytes = b.len;
			nports = e ? e->nports : 0;
			nsubs = e ? e->nsubs : 0;
			ra_buf_free(&b);
			ra_explain_free(e);
		}
		cpu /= runs;
		if (rc) {
			printf("%-28s %s\n", argv[u], ra_error_last());
			status = 1;
			continue;
		}
		qsort(wall, (size_t)runs, sizeof(*wall), cmp_double);
		qsort(prompt, (size_t)runs, sizeof(*prompt), cmp_double);
		printf("%-28s %10.2f %10.2f %10.2f %8zu %6zu %6zu %10.2f %8zu\n", argv[u],
		       wall[runs / 2] * 1e3, wall[0] * 1e3, cpu * 1e3, bytes, nports, nsubs,
		       prompt[runs / 2] * 1e3, pbytes);
	}
	free(wall);
	free(prompt);
	ra_graph_close(shared);
	ra_store_close(st);
	return status;
}
