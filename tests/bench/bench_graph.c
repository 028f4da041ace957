/*
 * bench_graph.c - the design graph on an indexed workspace: how long a full re-resolve takes
 * (as a fraction of the index time when given), and trace latency (p50/p99) for transitive
 * drivers/loads of ports picked pseudo-randomly (the same ones every run, so runs compare), with
 * a fresh query handle per trace (as the CLI does) and with one shared handle (as a daemon
 * would). Each trace is timed in wall-clock time and in the thread's CPU time (the machines are
 * shared: CPU time is the steadier figure).
 *
 *   bench_graph INDEX_DB [INDEX_SECONDS] [TRACES] [--depth N] [--max-hits N] [--slow]
 *               [--dump FILE]
 *
 * --depth N runs only the series of that depth (5, or 0 for unlimited). --max-hits N caps each
 * timed trace (default: the library's, RA_GRAPH_MAX_HITS_DEFAULT; as the CLI and the LSP do).
 * --slow prints the five slowest traces of each series. --dump FILE writes every hit with its
 * hops of every depth-5 trace, and a count and digest of every unlimited one, capped at 100000
 * hits whatever --max-hits says, so that the output of two builds can be compared with cmp(1).
 */
#define _DEFAULT_SOURCE
#include "indexer/graph.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* the dump: a line per hit (depth 5), or a running FNV-1a digest of those lines */
typedef struct dump {
	FILE *f;
	bool digest;
	uint64_t h;
	size_t n;
} dump;

static void dump_line(dump *d, const char *line)
{
	if (!d->digest) {
		fputs(line, d->f);
		return;
	}
	for (const char *c = line; *c; c++)
		d->h = (d->h ^ (unsigned char)*c) * 1099511628211ull;
}

static int dump_hit(const ra_graph_hit *h, void *payload)
{
	dump *d = payload;
	char line[8192];
	int n = snprintf(line, sizeof(line), "  %s %s [%s] %d:", h->signal, h->unit, h->where,
	                 h->depth);

	for (size_t i = 0; i < h->nhops && n > 0 && (size_t)n < sizeof(line); i++) {
		const ra_graph_hop *p = &h->hops[i];

		n += snprintf(line + n, sizeof(line) - (size_t)n, " %s>%s %s [%s] %s/%s %s:%u:%u",
		              p->from, p->to, p->unit, p->where, p->kind, p->how,
		              p->file ? p->file : "-", p->line, p->col);
	}
	if (n > 0 && (size_t)n < sizeof(line) - 1)
		memcpy(line + n, "\n", 2);
	dump_line(d, line);
	d->n++;
	return 0;
}

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void report(const char *label, const char *clock, double *t, size_t n, size_t hits)
{
	qsort(t, n, sizeof(*t), cmp_double);
	printf("%-40s %-4s p50 %7.2f ms  p99 %7.2f ms  max %7.2f ms  (%zu traces, %.0f hits "
	       "avg)\n",
	       label, clock, t[n / 2] * 1e3, t[(n * 99) / 100] * 1e3, t[n - 1] * 1e3, n,
	       (double)hits / (double)n);
}

/* the five slowest traces of a series, by CPU time */
static void report_slow(const pick *picks, const double *cpu, const size_t *nhits, size_t n)
{
	size_t top[5];
	size_t ntop = 0;

	for (size_t i = 0; i < n; i++) {
		size_t at = ntop < 5 ? ntop++ : 5;

		while (at > 0 && cpu[top[at - 1]] < cpu[i]) {
			if (at < 5)
				top[at] = top[at - 1];
			at--;
		}
		if (at < 5)
			top[at] = i;
	}
	for (size_t j = 0; j < ntop; j++)
		printf("    %7.2f ms cpu  %6zu hits  %s.%s\n", cpu[top[j]] * 1e3, nhits[top[j]],
		       picks[top[j]].name, picks[top[j]].port);
}

int main(int argc, char **argv)
{
	ra_store *st = NULL;
	ra_graph *g = NULL;
	double t0, c0, resolve, *times, *cpu, *cpu_sorted;
	size_t ntraces = 200, npicks = 0, *nhits;
	pick *picks;
	sqlite3_stmt *s = NULL;
	const char *pos[3] = {NULL, NULL, NULL}, *dump_path = NULL;
	size_t npos = 0;
	bool slow = false;
	int only_depth = -1;
	size_t max_hits = 0;
	FILE *df = NULL;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--slow") == 0)
			slow = true;
		else if (strcmp(argv[i], "--depth") == 0 && i + 1 < argc)
			only_depth = atoi(argv[++i]);
		else if (strcmp(argv[i], "--max-hits") == 0 && i + 1 < argc)
			max_hits = (size_t)atol(argv[++i]);
		else if (strcmp(argv[i], "--dump") == 0 && i + 1 < argc)
			dump_path = argv[++i];
		else if (npos < 3 && argv[i][0] != '-')
			pos[npos++] = argv[i];
		else
			npos = 0, i = argc;
	}
	if (!npos) {
		fprintf(stderr, "usage: bench_graph INDEX_DB [INDEX_SECONDS] [TRACES] [--depth N] "
		                "[--max-hits N] [--slow] [--dump FILE]\n");
		return 2;
	}
	if (pos[2])
		ntraces = (size_t)atoi(pos[2]);
	if (dump_path && !(df = fopen(dump_path, "w"))) {
		perror(dump_path);
		return 1;
	}
	if (ra_store_open(&st, pos[0], false) != 0) {
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
	if (pos[1] && atof(pos[1]) > 0)
		printf("  = %.1f%% of the index time (%.2f s)", 100.0 * resolve / atof(pos[1]),
		       atof(pos[1]));
	printf("\n");

	/* random ports of units that have instances above or below them */
	picks = calloc(ntraces, sizeof(*picks));
	times = calloc(ntraces, sizeof(*times));
	cpu = calloc(ntraces, sizeof(*cpu));
	cpu_sorted = calloc(ntraces, sizeof(*cpu_sorted));
	nhits = calloc(ntraces, sizeof(*nhits));
	if (!picks || !times || !cpu || !cpu_sorted || !nhits)
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
		for (int shared = 0; shared < 2 && (only_depth < 0 || only_depth == depth);
		     shared++)
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
					                         .max_depth = depth,
					                         .max_hits = max_hits};

					if (!shared)
						ra_graph_open(&g, st);
					size_t before = hits;

					t0 = ra_now();
					c0 = cpu_now();
					ra_graph_trace(g, &u, picks[i].port, &o, count_hit, &hits,
					               NULL);
					cpu[i] = cpu_now() - c0;
					times[i] = ra_now() - t0;
					nhits[i] = hits - before;
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
				report(label, "wall", times, npicks, hits);
				memcpy(cpu_sorted, cpu, npicks * sizeof(*cpu));
				report("", "cpu", cpu_sorted, npicks, hits);
				if (slow)
					report_slow(picks, cpu, nhits, npicks);
			}
	/* the hits themselves, for comparing builds */
	for (int depth = 5; df && depth >= 0; depth -= 5) {
		if (only_depth >= 0 && only_depth != depth)
			continue;
		ra_graph_open(&g, st);
		for (size_t i = 0; i < npicks; i++)
			for (int dir = 0; dir < 2; dir++) {
				ra_graph_unit u = {.id = picks[i].unit,
				                   .body_id = picks[i].body,
				                   .name = picks[i].name};
				ra_graph_trace_opts o = {.dir = dir ? RA_GRAPH_LOADS
				                                    : RA_GRAPH_DRIVERS,
				                         .max_depth = depth,
				                         .max_hits = 100000};
				dump d = {
				        .f = df, .digest = depth == 0, .h = 1469598103934665603ull};
				bool trunc = false;
				int rc;

				fprintf(df, "%s.%s %s depth %d\n", picks[i].name, picks[i].port,
				        dir ? "loads" : "drivers", depth);
				rc = ra_graph_trace(g, &u, picks[i].port, &o, dump_hit, &d, &trunc);
				fprintf(df, "= rc %d, %zu hits%s", rc, d.n,
				        trunc ? ", truncated" : "");
				if (d.digest)
					fprintf(df, ", digest %016llx", (unsigned long long)d.h);
				fprintf(df, "\n");
			}
		ra_graph_close(g);
		g = NULL;
	}
out:
	if (df)
		fclose(df);
	free(picks);
	free(times);
	free(cpu);
	free(cpu_sorted);
	free(nhits);
	ra_store_close(st);
	return 0;
}
