/*
 * bench_graph.c - the design graph on an indexed workspace: how long a full re-resolve takes
 * (as a fraction of the index time when given), and trace latency (p50/p99) for transitive
 * drivers/loads of ports picked pseudo-randomly (the same ones every run, so runs compare), with a fresh query handle per trace (as the CLI does) and with
 * one shared handle (as a daemon would).
 *
 *   bench_graph INDEX_DB [INDEX_SECONDS] [TRACES]
 */
#define _DEFAULT_SOURCE
#include "indexer/graph.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct pick {
	int64_t unit, body;
	char name[256], port[256];
} pick;

static int count_hit(const ra_graph_hit *h, void *payload)
{
	(void)h;
	(*(size_t *)payload)++;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void report(const char *label, double *t, size_t n, size_t hits)
{
	qsort(t, n, sizeof(*t), cmp_double);
	printf("%-44s p50 %7.2f ms  p99 %7.2f ms  max %7.2f ms  (%zu traces, %.0f hits avg)\n",
	       label, t[n / 2] * 1e3, t[(n * 99) / 100] * 1e3, t[n - 1] * 1e3, n,
	       (double)hits / (double)n);
}

int main(int argc, char **argv)
{
	ra_store *st = NULL;
	ra_graph *g = NULL;
	double t0, resolve, *times;
	size_t ntraces = argc > 3 ? (size_t)atoi(argv[3]) : 200, npicks = 0;
	pick *picks;
	sqlite3_stmt *s = NULL;

	if (argc < 2) {
		fprintf(stderr, "usage: bench_graph INDEX_DB [INDEX_SECONDS] [TRACES]\n");
		return 2;
	}
	if (ra_store_open(&st, argv[1], false) != 0) {
		fprintf(stderr, "bench_graph: %s\n", ra_error_last());
		return 1;
	}
	/* a full re-resolve, rolled back so that the store stays as indexed */
	ra_store_begin(st);
	t0 = ra_now();
	if (ra_graph_resolve(st) != 0) {
		fprintf(stderr, "bench_graph: %s\n", ra_error_last());
		return 1;
	}
	resolve = ra_now() - t0;
	ra_store_rollback(st);
	printf("graph resolve (full)                         %.3f s", resolve);
	if (argc > 2 && atof(argv[2]) > 0)
		printf("  = %.1f%% of the index time (%.2f s)", 100.0 * resolve / atof(argv[2]),
		       atof(argv[2]));
	printf("\n");

	/* random ports of units that have instances above or below them */
	picks = calloc(ntraces, sizeof(*picks));
	times = calloc(ntraces, sizeof(*times));
	if (!picks || !times)
		return 1;
	sqlite3_prepare_v2(
	        ra_store__db(st),
	        "SELECT g.unit_id, g.body_id, u.name, p.name FROM graph_units g"
	        " JOIN symbols u ON u.id = g.unit_id JOIN symbols p ON"
	        " p.file_id = u.file_id AND p.parent_id = u.id AND p.kind = 'port'"
	        " WHERE g.is_default = 1 ORDER BY (p.id * 2654435761) % 1000003 LIMIT ?1",
	        -1, &s, NULL);
	sqlite3_bind_int64(s, 1, (int64_t)ntraces);
	while (sqlite3_step(s) == SQLITE_ROW && npicks < ntraces) {
		pick *p = &picks[npicks++];

		p->unit = sqlite3_column_int64(s, 0);
		p->body = sqlite3_column_int64(s, 1);
		snprintf(p->name, sizeof(p->name), "%s", sqlite3_column_text(s, 2));
		snprintf(p->port, sizeof(p->port), "%s", sqlite3_column_text(s, 3));
	}
	sqlite3_finalize(s);
	if (!npicks) {
		printf("no ports to trace\n");
		goto out;
	}
	for (int depth = 5; depth >= 0; depth -= 5)
		for (int shared = 0; shared < 2; shared++)
			for (int dir = 0; dir < 2; dir++) {
				size_t hits = 0;
				char label[128];

				if (shared)
					ra_graph_open(&g, st);
				for (size_t i = 0; i < npicks; i++) {
					ra_graph_unit u = {.id = picks[i].unit,
					                   .body_id = picks[i].body,
					                   .name = picks[i].name};
					ra_graph_trace_opts o = {.dir = dir ? RA_GRAPH_LOADS
					                                    : RA_GRAPH_DRIVERS,
					                         .max_depth = depth};

					if (!shared)
						ra_graph_open(&g, st);
					t0 = ra_now();
					ra_graph_trace(g, &u, picks[i].port, &o, count_hit, &hits,
					               NULL);
					times[i] = ra_now() - t0;
					if (!shared) {
						ra_graph_close(g);
						g = NULL;
					}
				}
				if (shared) {
					ra_graph_close(g);
					g = NULL;
				}
				snprintf(label, sizeof(label), "trace %s depth %s, %s handle",
				         dir ? "loads" : "drivers", depth ? "5" : "all",
				         shared ? "shared" : "fresh");
				report(label, times, npicks, hits);
			}
out:
	free(picks);
	free(times);
	ra_store_close(st);
	return 0;
}
