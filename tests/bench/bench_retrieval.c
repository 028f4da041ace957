/*
 * bench_retrieval.c - search quality and speed: MRR@10, Recall@1 and Recall@10 of the lexical
 * channel alone, the vector channel alone and the fused ranking, against an anchor computed here:
 * plain BM25 over 20-line windows (stride 10) with whole identifiers (windows_bm25.h), the
 * retrieval RepoCoder-style tools do. Then search latency p50/p99.
 *
 * Sets:
 *  - verilog-eval: one file per task (prompt + canonical solution) named t0001.sv ... in a
 *    shuffled order, so that the name gives nothing away (every module is `top_module`); the
 *    query is the task's detailed description, the target its file.
 *  - yosys-ghdl: tests/bench/retrieval/yosys_ghdl_queries.tsv over a copy of Debian's yosys and
 *    ghdl-common sources (query, expected files separated by '|', optional line range).
 * A hit counts when its file is expected and, when a range is given, its lines overlap it.
 * Both rankings are cut the same way: at most 2 results per file, then the first 10.
 *
 * Usage: bench_retrieval [--rtlassist BIN] [--data DIR] [--queries TSV]
 *          [--latency DIR | --index DIR] [--runs N] [--weights L,V,S,G] [--sets ve,yg]
 *          [--keep] [-v]
 * Workspaces are built in a scratch folder and indexed with the real `rtlassist index`.
 * Latency is timed on the last set's workspace, on a scratch copy of DIR indexed afresh
 * (--latency), or on the index DIR/.rtlassist already holds (--index; SQLite may write its
 * -shm file there: give it a scratch copy), for the fused ranking and each channel alone.
 */
#define _GNU_SOURCE /* asprintf */
#include "indexer/embed.h"
#include "indexer/store.h"
#include "retriever/search.h"
#include "tests/bench/windows_bm25.h"

#include <jansson.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TOP 10
#define PER_FILE 2

typedef struct query {
	char *text;
	char **files; /* expected files (any one of them) */
	size_t nfiles;
	int line, end_line; /* 1-based, 0 when any line */
} query;

typedef struct qset {
	const char *name;
	char *ws;
	query *q;
	size_t n;
} qset;

typedef struct metrics {
	double mrr, r1, r10;
	size_t n;
} metrics;

static int verbose;

static void die(const char *what)
{
	fprintf(stderr, "bench_retrieval: %s%s%s\n", what, *ra_error_last() ? ": " : "",
	        ra_error_last());
	exit(1);
}

static int run(const char *cmd)
{
	if (verbose)
		fprintf(stderr, "+ %s\n", cmd);
	return system(cmd);
}

static bool hit_matches(const query *q, const char *file, int line, int end_line)
{
	for (size_t i = 0; i < q->nfiles; i++)
		if (strcmp(q->files[i], file) == 0)
			return !q->line || (line <= q->end_line && end_line >= q->line);
	return false;
}

static void score(metrics *m, int rank)
{
	m->n++;
	if (rank >= 1 && rank <= TOP) {
		m->mrr += 1.0 / rank;
		m->r10 += 1;
		if (rank == 1)
			m->r1 += 1;
	}
}

/* ---- the anchor: BM25 over 20-line windows (windows_bm25.h) ------------------------------- */

/* rank of the first matching window, at most PER_FILE windows per file, 0 when not in TOP */
static int anchor_rank(ra_bw *a, const query *q)
{
	size_t *per = calloc(a->npaths + 1, sizeof(size_t));
	int rank = 0, pos = 0;
	ra_bw_hit h;

	if (!ra_bw_query(a, q->text)) {
		free(per);
		return 0;
	}
	while (pos < TOP && ra_bw_next(a, &h)) {
		if (per[h.file]++ >= PER_FILE)
			continue;
		pos++;
		if (!rank && hit_matches(q, a->paths[h.file], h.line, h.end_line))
			rank = pos;
	}
	free(per);
	return rank;
}

/* ---- our search --------------------------------------------------------------------------- */

/* CPU time of the process (every thread of a query), next to the wall clock: on a shared
   machine the wall clock also counts waiting for a core */
static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double last_cpu; /* CPU seconds of the last search_rank */

static int search_rank(ra_searcher *s, const query *q, unsigned channels,
                       const ra_search_weights *w, double *secs)
{
	ra_search_opts o = {.query = q->text,
	                    .top = TOP,
	                    .channels = channels,
	                    .per_file = PER_FILE,
	                    .weights = w};
	ra_search_results r;
	double t0 = ra_now(), c0 = cpu_now();
	int rank = 0;

	if (ra_search(&r, s, &o))
		die("search");
	last_cpu = cpu_now() - c0;
	if (secs)
		*secs = ra_now() - t0;
	for (size_t i = 0; i < r.n && !rank; i++)
		if (hit_matches(q, r.hits[i].file, (int)r.hits[i].line + 1,
		                (int)r.hits[i].end_line + 1))
			rank = (int)i + 1;
	ra_search_results_free(&r);
	return rank;
}

/* ---- workspaces --------------------------------------------------------------------------- */

static char *read_all(const char *path)
{
	char *t;
	size_t n;

	if (ra_read_file(&t, &n, path, 256u << 20))
		die(path);
	return t;
}

static void set_verilog_eval(qset *set, const char *data, const char *tmp)
{
	char path[8192];
	json_t *desc = json_object();
	size_t n = 0, cap = 0;
	char *txt, *save = NULL;
	struct task {
		char *id, *code;
	} *tasks = NULL;

	set->name = "verilog-eval";
	snprintf(path, sizeof(path), "%s/VerilogDescription_Machine.jsonl", data);
	txt = read_all(path);
	for (char *l = strtok_r(txt, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		json_t *j = json_loads(l, 0, NULL);

		if (j)
			json_object_set(desc, json_string_value(json_object_get(j, "task_id")),
			                json_object_get(j, "detail_description"));
		json_decref(j);
	}
	ra_free(txt);
	snprintf(path, sizeof(path), "%s/VerilogEval_Machine.jsonl", data);
	txt = read_all(path);
	for (char *l = strtok_r(txt, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		json_t *j = json_loads(l, 0, NULL);
		const char *id = j ? json_string_value(json_object_get(j, "task_id")) : NULL;

		if (id && json_object_get(desc, id)) {
			if (n == cap) {
				cap = cap ? cap * 2 : 256;
				tasks = realloc(tasks, cap * sizeof(*tasks));
			}
			tasks[n].id = strdup(id);
			if (asprintf(&tasks[n].code, "%s%s",
			             json_string_value(json_object_get(j, "prompt")),
			             json_string_value(json_object_get(j, "canonical_solution"))) <
			    0)
				die("oom");
			n++;
		}
		json_decref(j);
	}
	ra_free(txt);
	/* a fixed shuffle: file numbers say nothing about the task order */
	for (size_t i = n; i > 1; i--) {
		size_t k = (size_t)((i * 2654435761u + 12345u) % i);
		struct task t = tasks[i - 1];

		tasks[i - 1] = tasks[k];
		tasks[k] = t;
	}
	if (asprintf(&set->ws, "%s/ve", tmp) < 0)
		die("oom");
	mkdir(set->ws, 0755);
	set->q = calloc(n, sizeof(*set->q));
	for (size_t i = 0; i < n; i++) {
		char name[32];
		FILE *f;

		snprintf(name, sizeof(name), "t%04zu.sv", i + 1);
		snprintf(path, sizeof(path), "%s/%s", set->ws, name);
		f = fopen(path, "w");
		if (!f)
			die(path);
		fputs(tasks[i].code, f);
		fclose(f);
		set->q[i].text = strdup(json_string_value(json_object_get(desc, tasks[i].id)));
		set->q[i].files = malloc(sizeof(char *));
		set->q[i].files[0] = strdup(name);
		set->q[i].nfiles = 1;
		free(tasks[i].id);
		free(tasks[i].code);
	}
	set->n = n;
	free(tasks);
	json_decref(desc);
}

static void set_yosys_ghdl(qset *set, const char *tsv, const char *tmp)
{
	char cmd[8192], *txt, *save = NULL;

	set->name = "yosys-ghdl";
	if (asprintf(&set->ws, "%s/yg", tmp) < 0)
		die("oom");
	snprintf(cmd, sizeof(cmd),
	         "mkdir -p '%s/yosys' '%s/ghdl' && cp -r /usr/share/yosys/. '%s/yosys/' &&"
	         " cp -r /usr/lib/ghdl/src/. '%s/ghdl/'",
	         set->ws, set->ws, set->ws, set->ws);
	if (run(cmd))
		die("copying /usr/share/yosys and /usr/lib/ghdl/src (apt-get install yosys "
		    "ghdl-common)");
	txt = read_all(tsv);
	for (char *l = strtok_r(txt, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *f[3] = {0}, *s2 = NULL, *files;
		query *q;
		size_t nf = 0;

		if (*l == '#' || !*l)
			continue;
		f[0] = l;
		for (char *p = l; *p && nf < 2; p++)
			if (*p == '\t') {
				*p = '\0';
				f[++nf] = p + 1;
			}
		if (!f[1])
			continue;
		set->q = realloc(set->q, (set->n + 1) * sizeof(*set->q));
		q = &set->q[set->n++];
		memset(q, 0, sizeof(*q));
		q->text = strdup(f[0]);
		files = strdup(f[1]);
		for (char *t = strtok_r(files, "|", &s2); t; t = strtok_r(NULL, "|", &s2)) {
			q->files = realloc(q->files, (q->nfiles + 1) * sizeof(char *));
			q->files[q->nfiles++] = strdup(t);
		}
		free(files);
		if (f[2] && *f[2])
			sscanf(f[2], "%d-%d", &q->line, &q->end_line);
	}
	ra_free(txt);
}

static void index_ws(const char *bin, const char *ws, const char *tmp)
{
	char cmd[8192];
	double t0 = ra_now();

	snprintf(cmd, sizeof(cmd), "XDG_CONFIG_HOME='%s/xdg' '%s' index -C '%s' > '%s/index.log'",
	         tmp, bin, ws, tmp);
	if (run(cmd)) {
		snprintf(cmd, sizeof(cmd), "cat '%s/index.log' >&2", tmp);
		run(cmd);
		die("rtlassist index failed");
	}
	fprintf(stderr, "indexed %s in %.1f s\n", ws, ra_now() - t0);
}

typedef struct opened {
	ra_store *st;
	ra_embedder *emb;
	ra_searcher *s;
	char *state;
} opened;

static void open_ws(opened *o, const char *ws)
{
	ra_embed_config ec = {.provider = "builtin"};
	char *db;

	if (asprintf(&o->state, "%s/.rtlassist", ws) < 0 ||
	    asprintf(&db, "%s/index.db", o->state) < 0)
		die("oom");
	if (ra_store_open(&o->st, db, true))
		die(db);
	free(db);
	if (ra_embedder_open(&o->emb, &ec))
		die("builtin embedder");
	if (ra_searcher_open(&o->s, o->st, o->state, o->emb, NULL))
		die("searcher");
}

static void close_ws(opened *o)
{
	ra_searcher_close(o->s);
	ra_embedder_close(o->emb);
	ra_store_close(o->st);
	free(o->state);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void print_row(const char *set, const char *mode, const metrics *m)
{
	printf("| %-12s | %-22s | %6.3f | %6.3f | %6.3f |\n", set, mode, m->mrr / (double)m->n,
	       m->r1 / (double)m->n, m->r10 / (double)m->n);
}

static void evaluate(const qset *set, const ra_search_weights *w)
{
	opened o;
	ra_bw a;
	metrics m[5] = {{0}};
	static const char *const modes[5] = {"anchor: BM25 windows", "lexical only", "vector only",
	                                     "symbol only", "fused (all channels)"};

	open_ws(&o, set->ws);
	ra_bw_build(&a, set->ws, o.st);
	for (size_t i = 0; i < set->n; i++) {
		const query *q = &set->q[i];
		int r[5];

		r[0] = anchor_rank(&a, q);
		r[1] = search_rank(o.s, q, RA_SEARCH_LEXICAL, w, NULL);
		r[2] = (ra_searcher_channels(o.s) & RA_SEARCH_VECTOR)
		               ? search_rank(o.s, q, RA_SEARCH_VECTOR, w, NULL)
		               : 0;
		r[3] = search_rank(o.s, q, RA_SEARCH_SYMBOL, w, NULL);
		r[4] = search_rank(o.s, q, RA_SEARCH_ALL, w, NULL);
		for (int k = 0; k < 5; k++)
			score(&m[k], r[k]);
		if (verbose)
			fprintf(stderr, "%-3d %-3d %-3d %-3d %-3d %.70s\n", r[0], r[1], r[2], r[3],
			        r[4], q->text);
	}
	for (int k = 0; k < 5; k++) {
		if (k == 2 && !(ra_searcher_channels(o.s) & RA_SEARCH_VECTOR)) {
			printf("| %-12s | %-22s | (no vector file: vector channel off)  |\n",
			       set->name, modes[k]);
			continue;
		}
		print_row(set->name, modes[k], &m[k]);
	}
	printf("| %-12s | fused - anchor         | %+6.3f | %+6.3f | %+6.3f |\n", set->name,
	       (m[4].mrr - m[0].mrr) / (double)m[0].n, (m[4].r1 - m[0].r1) / (double)m[0].n,
	       (m[4].r10 - m[0].r10) / (double)m[0].n);
	ra_bw_free(&a);
	close_ws(&o);
}

static void latency(const char *ws, qset *sets, size_t nsets, int runs, const ra_search_weights *w)
{
	opened o;
	double *t, *cpu, t0;
	size_t n = 0, total = 0;

	for (size_t i = 0; i < nsets; i++)
		total += sets[i].n;
	t = malloc((total * (size_t)runs + 1) * sizeof(*t));
	cpu = malloc((total * (size_t)runs + 1) * sizeof(*cpu));
	t0 = ra_now();
	open_ws(&o, ws);
	/* the first query loads the name table and the vector file: time it apart */
	{
		query warm = {.text = "warm up the searcher"};
		double first;

		search_rank(o.s, &warm, RA_SEARCH_ALL, w, &first);
		printf("latency workspace %s\nsearcher open + first query: %.1f ms\n", ws,
		       (ra_now() - t0) * 1e3);
	}
	/* the fused ranking, then each channel alone (graph: what it adds to the other three) */
	static const struct {
		const char *name;
		unsigned channels;
	} modes[] = {
	        {"all channels", RA_SEARCH_ALL},
	        {"all channels but vector", RA_SEARCH_ALL & ~(unsigned)RA_SEARCH_VECTOR},
	        {"all channels but graph", RA_SEARCH_ALL & ~(unsigned)RA_SEARCH_GRAPH},
	        {"lexical only", RA_SEARCH_LEXICAL},
	        {"vector only", RA_SEARCH_VECTOR},
	        {"symbol only", RA_SEARCH_SYMBOL},
	};
	for (size_t pass = 0; pass < sizeof(modes) / sizeof(modes[0]); pass++) {
		unsigned ch = modes[pass].channels;

		if (!(ch & ra_searcher_channels(o.s)))
			continue;
		const char *slow[5] = {0};
		double slow_t[5] = {0};

		n = 0;
		for (int r = 0; r < runs; r++)
			for (size_t i = 0; i < nsets; i++)
				for (size_t k = 0; k < sets[i].n; k++) {
					search_rank(o.s, &sets[i].q[k], ch, w, &t[n]);
					/* -v: the five slowest questions (of the first run) */
					for (size_t j = 0; r == 0 && j < 5; j++)
						if (t[n] > slow_t[j]) {
							memmove(slow_t + j + 1, slow_t + j,
							        (4 - j) * sizeof(*slow_t));
							memmove(slow + j + 1, slow + j,
							        (4 - j) * sizeof(*slow));
							slow_t[j] = t[n];
							slow[j] = sets[i].q[k].text;
							break;
						}
					cpu[n++] = last_cpu;
				}
		for (size_t j = 0; verbose && j < 5 && slow[j]; j++)
			fprintf(stderr, "  slow %-23s %6.2f ms  %.80s\n", modes[pass].name,
			        slow_t[j] * 1e3, slow[j]);
		qsort(t, n, sizeof(*t), cmp_double);
		qsort(cpu, n, sizeof(*cpu), cmp_double);
		if (n)
			printf("search latency, %-23s, %zu queries, top %d: p50 %6.2f ms, p90 %6.2f"
			       " ms, p99 %6.2f ms, max %6.2f ms; CPU p50 %6.2f ms, p99 %6.2f ms\n",
			       modes[pass].name, n, TOP, t[n / 2] * 1e3, t[n * 9 / 10] * 1e3,
			       t[n * 99 / 100] * 1e3, t[n - 1] * 1e3, cpu[n / 2] * 1e3,
			       cpu[n * 99 / 100] * 1e3);
	}
	free(t);
	free(cpu);
	close_ws(&o);
}

int main(int argc, char **argv)
{
	char self[2048], repo[2048], bin[4096], data[4096], tsv[4096],
	        tmpl[] = "/tmp/bench_retrieval.XXXXXX";
	const char *lat = NULL, *lat_idx = NULL, *sets_arg = "ve,yg";
	char *tmp, *lat_ws = NULL;
	bool keep = false;
	int runs = 3;
	ra_search_weights w;
	qset sets[2] = {{0}};
	size_t nsets = 0;

	ra_search_weights_default(&w);
	snprintf(repo, sizeof(repo), "%s", __FILE__);
	*strstr(repo, "/tests/bench/") = '\0';
	snprintf(self, sizeof(self), "%s", argv[0]);
	snprintf(bin, sizeof(bin), "%s/../../rtlassist", dirname(self));
	snprintf(data, sizeof(data), "%s/../shared/data/verilog-eval-machine", repo);
	snprintf(tsv, sizeof(tsv), "%s/tests/bench/retrieval/yosys_ghdl_queries.tsv", repo);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--rtlassist") == 0 && v)
			snprintf(bin, sizeof(bin), "%s", argv[++i]);
		else if (strcmp(a, "--data") == 0 && v)
			snprintf(data, sizeof(data), "%s", argv[++i]);
		else if (strcmp(a, "--queries") == 0 && v)
			snprintf(tsv, sizeof(tsv), "%s", argv[++i]);
		else if (strcmp(a, "--latency") == 0 && v)
			lat = argv[++i];
		else if (strcmp(a, "--index") == 0 && v)
			lat_idx = argv[++i];
		else if (strcmp(a, "--runs") == 0 && v)
			runs = atoi(argv[++i]);
		else if (strcmp(a, "--sets") == 0 && v)
			sets_arg = argv[++i];
		else if (strcmp(a, "--weights") == 0 && v)
			sscanf(argv[++i], "%lf,%lf,%lf,%lf", &w.w[0], &w.w[1], &w.w[2], &w.w[3]);
		else if (strcmp(a, "--keep") == 0)
			keep = true;
		else if (strcmp(a, "-v") == 0)
			verbose = 1;
		else {
			fprintf(stderr,
			        "usage: %s [--rtlassist BIN] [--data DIR] [--queries TSV]"
			        " [--latency DIR | --index DIR] [--runs N] [--weights L,V,S,G]"
			        " [--sets ve,yg] [--keep] [-v]\n",
			        argv[0]);
			return 2;
		}
	}
	if (access(bin, X_OK) != 0) {
		fprintf(stderr, "bench_retrieval: no rtlassist at %s (use --rtlassist)\n", bin);
		return 1;
	}
	tmp = mkdtemp(tmpl);
	if (!tmp)
		die("mkdtemp");
	if (strstr(sets_arg, "ve"))
		set_verilog_eval(&sets[nsets++], data, tmp);
	if (strstr(sets_arg, "yg"))
		set_yosys_ghdl(&sets[nsets++], tsv, tmp);
	for (size_t i = 0; i < nsets; i++)
		index_ws(bin, sets[i].ws, tmp);

	printf("weights: lexical %.2f, vector %.2f, symbol %.2f, graph %.2f (x decay %.2f);"
	       " RRF k %.0f; %d per file; top %d\n",
	       w.w[0], w.w[1], w.w[2], w.w[3], w.graph_decay, w.rrf_k, PER_FILE, TOP);
	printf("| %-12s | %-22s | MRR@10 |  R@1   |  R@10  |\n", "set", "ranking");
	printf("|--------------|------------------------|--------|--------|--------|\n");
	for (size_t i = 0; i < nsets; i++) {
		printf("| %-12s | %zu queries %*s|        |        |        |\n", sets[i].name,
		       sets[i].n, 11 - (sets[i].n >= 100 ? 3 : 2), "");
		evaluate(&sets[i], &w);
	}
	fflush(stdout);

	if (lat) {
		char cmd[8192];

		if (asprintf(&lat_ws, "%s/lat", tmp) < 0)
			die("oom");
		snprintf(cmd, sizeof(cmd),
		         "mkdir -p '%s' && (cd '%s' && tar cf - --exclude=.rtlassist --exclude=.git"
		         " .) | tar xf - -C '%s'",
		         lat_ws, lat, lat_ws);
		if (run(cmd))
			die("copying the latency workspace");
		index_ws(bin, lat_ws, tmp);
	}
	if (nsets)
		latency(lat_idx  ? lat_idx
		        : lat_ws ? lat_ws
		                 : sets[nsets - 1].ws,
		        sets, nsets, runs, &w);
	if (!keep) {
		char cmd[4200];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
		run(cmd);
	} else {
		fprintf(stderr, "workspaces kept in %s\n", tmp);
	}
	return 0;
}
