/*
 * bench_vectors.c - the vector channel's index types measured on a real workspace: the chunks
 * of an indexed WORKSPACE embedded with the builtin embedder, then put in each index type
 * through our shim (vecindex.h); for each: train and add time, file size, query time
 * p50/p99 (thread CPU time and wall time), and recall@10 against exact search (Flat) on real
 * questions (the yosys/ghdl set and the verilog-eval descriptions). The table in vectors.c
 * comes from here.
 *
 * Usage: bench_vectors WORKSPACE [--queries TSV] [--data DIR] [--types T1;T2...] [--runs N]
 *   WORKSPACE has been indexed (`rtlassist index`); TSV and DIR default to the repository's
 *   query set and ../shared/data/verilog-eval-machine. A type is a faiss factory string with
 *   optional "/nprobe=N" and "/kernel=faiss|sse2|generic", and "SQ8fixed" (SQ8 trained on the
 *   range [-1, 1], as vectors.c does).
 */
#define _GNU_SOURCE
#include "indexer/embed.h"
#include "indexer/store.h"
#include "indexer/vecindex.h"

#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define K 10

static void die(const char *what)
{
	fprintf(stderr, "bench_vectors: %s%s%s\n", what, *ra_error_last() ? ": " : "",
	        ra_error_last());
	exit(1);
}

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct strs {
	char **s;
	size_t n, cap;
} strs;

static void push(strs *l, const char *s)
{
	if (ra_grow((void **)&l->s, &l->cap, l->n + 1, sizeof(*l->s)))
		die("oom");
	l->s[l->n++] = strdup(s);
}

static void read_tsv(strs *q, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[8192];

	if (!f)
		die(path);
	while (fgets(line, sizeof(line), f)) {
		char *tab = strchr(line, '\t');

		if (line[0] == '#' || !tab)
			continue;
		*tab = '\0';
		push(q, line);
	}
	fclose(f);
}

static void read_ve(strs *q, const char *dir)
{
	char path[8192], *line = NULL;
	size_t cap = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/VerilogDescription_Machine.jsonl", dir);
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "bench_vectors: no %s, yosys/ghdl questions only\n", path);
		return;
	}
	while (getline(&line, &cap, f) > 0) {
		json_t *j = json_loads(line, 0, NULL);
		const char *d = j ? json_string_value(json_object_get(j, "detail_description")) : 0;

		if (d)
			push(q, d);
		json_decref(j);
	}
	free(line);
	fclose(f);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	char repo[2048], tsv[4096], data[4096], db[8192], tmpf[] = "/tmp/bench_vectors.XXXXXX";
	const char *types = "Flat;SQ8;SQ8/kernel=faiss;SQ8fixed;IVF256,SQ8/nprobe=8;"
	                    "IVF256,SQ8/nprobe=32;IVF1024,Flat/nprobe=32";
	int runs = 3, dim;
	strs queries = {0};
	ra_store *st;
	ra_embedder *emb;
	ra_embed_config ec = {.provider = "builtin"};
	sqlite3_stmt *s;
	int64_t *ids = NULL;
	float *vecs = NULL, *qv;
	size_t n = 0, cap = 0, nq;
	int64_t *truth;
	double t0, c0;

	if (argc < 2)
		die("usage: bench_vectors WORKSPACE [--queries TSV] [--data DIR] [--types T;T]"
		    " [--runs N]");
	snprintf(repo, sizeof(repo), "%s", __FILE__);
	*strstr(repo, "/tests/bench/") = '\0';
	snprintf(tsv, sizeof(tsv), "%s/tests/bench/retrieval/yosys_ghdl_queries.tsv", repo);
	snprintf(data, sizeof(data), "%s/../shared/data/verilog-eval-machine", repo);
	for (int i = 2; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--queries") == 0)
			snprintf(tsv, sizeof(tsv), "%s", argv[i + 1]);
		else if (strcmp(argv[i], "--data") == 0)
			snprintf(data, sizeof(data), "%s", argv[i + 1]);
		else if (strcmp(argv[i], "--types") == 0)
			types = argv[i + 1];
		else if (strcmp(argv[i], "--runs") == 0)
			runs = atoi(argv[i + 1]);
		else
			die("unknown option");
	}
	read_tsv(&queries, tsv);
	read_ve(&queries, data);
	nq = queries.n;

	snprintf(db, sizeof(db), "%s/.rtlassist/index.db", argv[1]);
	if (ra_store_open(&st, db, true))
		die(db);
	if (ra_embedder_open(&emb, &ec))
		die("embedder");
	dim = ra_embedder_dim(emb);
	if (sqlite3_prepare_v2(ra_store__db(st),
	                       "SELECT id, header || char(10) || text FROM chunks ORDER BY id", -1,
	                       &s, NULL) != SQLITE_OK)
		die("select chunks");
	t0 = ra_now();
	c0 = cpu_now();
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *text = (const char *)sqlite3_column_text(s, 1);

		if (ra_grow((void **)&ids, &cap, n + 1, sizeof(*ids)) ||
		    !(vecs = realloc(vecs, cap * (size_t)dim * sizeof(float))))
			die("oom");
		ids[n] = sqlite3_column_int64(s, 0);
		if (ra_embed(emb, &text, 1, vecs + n * (size_t)dim, NULL))
			die("embed");
		n++;
	}
	sqlite3_finalize(s);
	printf("%zu chunks x %d dims read and embedded in %.2f s (%.2f s CPU); %zu questions\n", n,
	       dim, ra_now() - t0, cpu_now() - c0, nq);
	qv = malloc(nq * (size_t)dim * sizeof(float));
	for (size_t i = 0; i < nq; i++)
		if (ra_embed(emb, (const char *const *)&queries.s[i], 1, qv + i * (size_t)dim,
		             NULL))
			die("embed query");
	truth = malloc(nq * K * sizeof(int64_t));

	printf("| type | train s | add s | file MB | query p50 ms (CPU) | p99 ms (CPU) | p50 ms "
	       "(wall) | recall@10 vs Flat |\n|---|---|---|---|---|---|---|---|\n");
	for (char *list = strdup(types), *save = NULL, *t = strtok_r(list, ";", &save); t;
	     t = strtok_r(NULL, ";", &save)) {
		char factory[256], *opt;
		int nprobe = 0, kernel = RA_VECINDEX_KERNEL_AUTO;
		bool fixed = false, is_truth = strcmp(t, "Flat") == 0;
		ra_vecindex *vi;
		double train = 0, add, *lat = malloc(nq * (size_t)runs * sizeof(double)),
		       *wall = malloc(nq * (size_t)runs * sizeof(double));
		size_t hits = 0, nl = 0;
		struct stat sb;
		char path[64];
		int fd;

		snprintf(factory, sizeof(factory), "%s", t);
		for (opt = strchr(factory, '/'); opt; opt = strchr(opt + 1, '/')) {
			*opt = '\0';
			if (strncmp(opt + 1, "nprobe=", 7) == 0)
				nprobe = atoi(opt + 8);
			else if (strcmp(opt + 1, "kernel=faiss") == 0)
				kernel = RA_VECINDEX_KERNEL_FAISS;
			else if (strcmp(opt + 1, "kernel=sse2") == 0)
				kernel = RA_VECINDEX_KERNEL_SSE2;
			else if (strcmp(opt + 1, "kernel=generic") == 0)
				kernel = RA_VECINDEX_KERNEL_GENERIC;
		}
		for (char *p = factory; *p; p++)
			if (*p == '/')
				*p = '\0';
		if (strcmp(factory, "SQ8fixed") == 0) {
			fixed = true;
			strcpy(factory, "SQ8");
		}
		if (ra_vecindex_open(&vi, dim, factory))
			die(factory);
		ra_vecindex_set_kernel(vi, kernel);
		c0 = cpu_now();
		if (ra_vecindex_needs_training(vi)) {
			if (fixed) {
				float *r = malloc(2 * (size_t)dim * sizeof(float));

				for (int j = 0; j < dim; j++) {
					r[j] = -1.0f;
					r[dim + j] = 1.0f;
				}
				if (ra_vecindex_train(vi, 2, r))
					die("train");
				free(r);
			} else if (ra_vecindex_train(vi, n < 16384 ? n : 16384, vecs)) {
				die("train");
			}
		}
		train = cpu_now() - c0;
		c0 = cpu_now();
		if (ra_vecindex_add(vi, n, vecs, ids))
			die("add");
		add = cpu_now() - c0;
		if (nprobe && ra_vecindex_set_nprobe(vi, (size_t)nprobe))
			die("nprobe");
		strcpy(path, tmpf);
		fd = mkstemp(path);
		if (fd < 0 || ra_vecindex_write(vi, path) || stat(path, &sb))
			die("write");
		close(fd);
		unlink(path);
		for (int r = 0; r < runs; r++)
			for (size_t i = 0; i < nq; i++) {
				float sc[K];
				int64_t got[K];
				double w0 = ra_now(), q0 = cpu_now();

				if (ra_vecindex_search(vi, qv + i * (size_t)dim, K, sc, got) < 0)
					die("search");
				lat[nl] = cpu_now() - q0;
				wall[nl++] = ra_now() - w0;
				if (r)
					continue;
				if (is_truth) {
					memcpy(truth + i * K, got, sizeof(got));
					continue;
				}
				for (int a = 0; a < K; a++)
					for (int b = 0; b < K; b++)
						hits += got[a] >= 0 && got[a] == truth[i * K + b];
			}
		qsort(lat, nl, sizeof(double), cmp_double);
		qsort(wall, nl, sizeof(double), cmp_double);
		printf("| %s | %.2f | %.2f | %.1f | %.2f | %.2f | %.2f | %s%.3f |\n", t, train, add,
		       (double)sb.st_size / 1e6, lat[nl / 2] * 1e3, lat[nl * 99 / 100] * 1e3,
		       wall[nl / 2] * 1e3, is_truth ? "(reference) " : "",
		       is_truth ? 1.0 : (double)hits / (double)(nq * K));
		fflush(stdout);
		free(lat);
		free(wall);
		ra_vecindex_close(vi);
	}
	ra_embedder_close(emb);
	ra_store_close(st);
	return 0;
}
