/*
 * bench_vhdl_parse.c - single-core throughput of our VHDL parser, side by side in one run with
 * tree-sitter's SystemVerilog parse (the indexer's other front end, and its speed ceiling).
 *
 *   bench_vhdl_parse [VHDL_DIR [SV_DIR [SECONDS]]]
 *
 * Defaults: /usr/lib/ghdl/src (ghdl-common), /usr/share/yosys (yosys), 2 seconds. Reads every
 * .vhd/.vhdl file under VHDL_DIR and every .v/.sv/.svh/.vh file under SV_DIR into memory, then
 * times whole passes over each set: ra_vhdl_parse (lex, parse, extract symbols, flows and
 * chunks into a model) and ts_parser_parse_string with tree_sitter_systemverilog() (parse
 * only), repeating each for at least SECONDS and at least 3 passes. Prints MB/s of the best and
 * the mean pass.
 */
#define _POSIX_C_SOURCE 200809L /* opendir, stat (the build is strict C11) */

#include "indexer/vhdl.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <tree_sitter/api.h>

const TSLanguage *tree_sitter_systemverilog(void);

typedef struct file_set {
	char **src;
	size_t *len;
	size_t n, cap, len_cap, bytes;
} file_set;

static bool has_ext(const char *name, const char *const *exts)
{
	const char *dot = strrchr(name, '.');

	for (; dot && *exts; exts++)
		if (strcmp(dot, *exts) == 0)
			return true;
	return false;
}

static int load(file_set *fs, const char *dir, const char *const *exts)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL) {
		char path[4096], *src;
		size_t len;
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			load(fs, path, exts);
			continue;
		}
		if (!S_ISREG(st.st_mode) || !has_ext(e->d_name, exts) ||
		    ra_read_file(&src, &len, path, 256u << 20) != 0)
			continue;
		if (ra_grow((void **)&fs->src, &fs->cap, fs->n + 1, sizeof(*fs->src)) ||
		    ra_grow((void **)&fs->len, &fs->len_cap, fs->n + 1, sizeof(*fs->len))) {
			closedir(d);
			return -1;
		}
		fs->src[fs->n] = src;
		fs->len[fs->n++] = len;
		fs->bytes += len;
	}
	closedir(d);
	return 0;
}

typedef struct timing {
	double best, total;
	int passes;
} timing;

static void report(const char *what, const file_set *fs, const timing *t)
{
	printf("  %-34s %4zu files %6.2f MB  best %7.2f MB/s  mean %7.2f MB/s  (%d passes)\n", what,
	       fs->n, fs->bytes / 1e6, fs->bytes / 1e6 / t->best,
	       fs->bytes / 1e6 * t->passes / t->total, t->passes);
}

int main(int argc, char **argv)
{
	static const char *const vhdl_ext[] = {".vhd", ".vhdl", NULL};
	static const char *const sv_ext[] = {".v", ".sv", ".svh", ".vh", NULL};
	const char *vdir = argc > 1 ? argv[1] : "/usr/lib/ghdl/src";
	const char *sdir = argc > 2 ? argv[2] : "/usr/share/yosys";
	double secs = argc > 3 ? atof(argv[3]) : 2.0;
	file_set vf = {0}, sf = {0};
	timing vt = {1e30, 0, 0}, st = {1e30, 0, 0};
	size_t nerrors = 0, nsyms = 0, nrefs = 0, nconns = 0, nflows = 0, nchunks = 0;

	if (load(&vf, vdir, vhdl_ext) != 0 || vf.n == 0) {
		fprintf(stderr, "%s: no .vhd/.vhdl files read\n", vdir);
		return 1;
	}
	for (int pass = 0; pass < 3 || vt.total < secs; pass++) {
		double t0 = ra_now(), dt;

		for (size_t i = 0; i < vf.n; i++) {
			ra_model *m = NULL;

			if (ra_vhdl_parse(&m, vf.src[i], vf.len[i]) != 0) {
				fprintf(stderr, "parse failed: %s\n", ra_error_last());
				return 1;
			}
			if (pass == 0) {
				nerrors += m->nerrors;
				nsyms += m->nsyms;
				nrefs += m->nrefs;
				nconns += m->nconns;
				nflows += m->nflows;
				nchunks += m->nchunks;
			}
			ra_model_free(m);
		}
		dt = ra_now() - t0;
		vt.best = dt < vt.best ? dt : vt.best;
		vt.total += dt;
		vt.passes++;
	}
	if (load(&sf, sdir, sv_ext) == 0 && sf.n > 0) {
		TSParser *ts = ts_parser_new();

		ts_parser_set_language(ts, tree_sitter_systemverilog());
		for (int pass = 0; pass < 3 || st.total < secs; pass++) {
			double t0 = ra_now(), dt;

			for (size_t i = 0; i < sf.n; i++)
				ts_tree_delete(ts_parser_parse_string(ts, NULL, sf.src[i],
				                                      (uint32_t)sf.len[i]));
			dt = ra_now() - t0;
			st.best = dt < st.best ? dt : st.best;
			st.total += dt;
			st.passes++;
		}
		ts_parser_delete(ts);
	}
	printf("single core, each set parsed in whole passes for >= %.1f s\n", secs);
	report("VHDL ra_vhdl_parse (parse+extract)", &vf, &vt);
	printf("    %s: %zu syntax errors, %zu symbols, %zu references, %zu connections, %zu flows,"
	       " %zu chunks\n",
	       vdir, nerrors, nsyms, nrefs, nconns, nflows, nchunks);
	if (st.passes) {
		report("SV tree-sitter parse only", &sf, &st);
		printf("    %s; VHDL/SV speed ratio %.1fx\n", sdir,
		       (vf.bytes / vt.best) / (sf.bytes / st.best));
	} else {
		printf("  %s: no Verilog/SystemVerilog files read; tree-sitter side skipped\n",
		       sdir);
	}
	for (size_t i = 0; i < vf.n; i++)
		ra_free(vf.src[i]);
	for (size_t i = 0; i < sf.n; i++)
		ra_free(sf.src[i]);
	ra_free(vf.src);
	ra_free(vf.len);
	ra_free(sf.src);
	ra_free(sf.len);
	return 0;
}
