/*
 * cmd_doctor.c - `rtlassist doctor`: exercises every library rtlassist depends on, for real, and
 * says which one is broken. Useful after an install and as the first thing to run in a bug report.
 */
#include "daemon/cli.h"
#include "daemon/llm.h"
#include "daemon/workspace.h"
#include "indexer/sv.h"
#include "indexer/vecindex.h"

#include <curl/curl.h>
#include <git2.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

static int check_sqlite(char *detail, size_t n)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int rc = RA_ERR;

	if (sqlite3_open(":memory:", &db) != SQLITE_OK)
		goto out;
	if (sqlite3_exec(db,
	                 "CREATE VIRTUAL TABLE t USING fts5(body);"
	                 "INSERT INTO t VALUES('axi write response'),('uart receive fifo');",
	                 NULL, NULL, NULL) != SQLITE_OK)
		goto out;
	if (sqlite3_prepare_v2(db, "SELECT body FROM t WHERE t MATCH 'fifo' ORDER BY bm25(t)", -1,
	                       &st, NULL) != SQLITE_OK)
		goto out;
	if (sqlite3_step(st) == SQLITE_ROW &&
	    strcmp((const char *)sqlite3_column_text(st, 0), "uart receive fifo") == 0)
		rc = RA_OK;
out:
	snprintf(detail, n, "SQLite %s, FTS5 %s", sqlite3_libversion(),
	         rc ? sqlite3_errmsg(db) : "works");
	sqlite3_finalize(st);
	sqlite3_close(db);
	return rc;
}

static int check_faiss(char *detail, size_t n)
{
	float v[2 * 4] = {1, 0, 0, 0, 0, 1, 0, 0}, score;
	int64_t ids[2] = {7, 9}, hit = -1;
	ra_vecindex *vi = NULL;
	int rc = ra_vecindex_open(&vi, 4, "Flat");

	if (!rc)
		rc = ra_vecindex_add(vi, 2, v, ids);
	if (!rc)
		rc = ra_vecindex_search(vi, v + 4, 1, &score, &hit) == 1 && hit == 9 ? RA_OK
		                                                                     : RA_ERR;
	snprintf(detail, n, "faiss: %s", rc ? ra_error_last() : "add and search work");
	ra_vecindex_close(vi);
	return rc;
}

static int check_git(char *detail, size_t n)
{
	int major, minor, rev;

	git_libgit2_version(&major, &minor, &rev);
	snprintf(detail, n, "libgit2 %d.%d.%d", major, minor, rev);
	return RA_OK;
}

static int check_curl(char *detail, size_t n)
{
	curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
	CURL *c = curl_easy_init();

	snprintf(detail, n, "libcurl %s (%s)", v->version,
	         v->ssl_version ? v->ssl_version : "no TLS");
	curl_easy_cleanup(c);
	return c ? RA_OK : RA_ERR;
}

static int check_jansson(char *detail, size_t n)
{
	json_error_t err;
	json_t *j = json_loads("{\"a\":[1,2,{\"b\":\"c\"}]}", 0, &err);
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
	int rc = s && strcmp(s, "{\"a\":[1,2,{\"b\":\"c\"}]}") == 0 ? RA_OK : RA_ERR;

	snprintf(detail, n, "jansson %s: %s", JANSSON_VERSION, rc ? "round trip failed" : "works");
	free(s);
	json_decref(j);
	return rc;
}

static int check_treesitter(char *detail, size_t n)
{
	static const char src[] = "module m #(parameter int W = 8) (input logic [W-1:0] a,\n"
	                          "  output logic y);\n  assign y = ^a;\nendmodule\n";
	ra_model *m = NULL;
	int rc = ra_sv_parse(&m, src, sizeof(src) - 1, RA_LANG_SV);

	if (!rc && (m->nerrors != 0 || m->nsyms == 0 || m->syms[0].kind != RA_SYM_MODULE))
		rc = ra_error_set(RA_ERR, "unexpected parse result");
	snprintf(detail, n, "tree-sitter (ABI %u) + SystemVerilog grammar: %s", ra_sv_grammar_abi(),
	         rc ? ra_error_last() : "parses");
	ra_model_free(m);
	return rc;
}

/* the workspace's configured language models answer; none configured: nothing is contacted */
static int check_models(const ra_cli_opts *o)
{
	static const char *const which[] = {"complete", "chat"};
	ra_logger lg = ra_cli_logger(o);
	ra_workspace *ws = NULL;
	int failed = 0;

	if (ra_workspace_open(&ws, o->workspace, false, &lg) != RA_OK) {
		printf("%-12s FAIL  settings: %s\n", "models", ra_error_last());
		return 1;
	}
	for (size_t i = 0; i < 2; i++) {
		ra_generator *g = NULL;
		int rc = ra_llm_from_config(&g, ws->config, which[i], &lg);

		if (!rc && !g) {
			printf("%-12s --    %s: none configured (nothing is sent)\n", "models",
			       which[i]);
			continue;
		}
		if (!rc)
			rc = ra_llm_ping(g);
		printf("%-12s %s  %s: %s%s%s\n", "models", rc ? "FAIL" : "ok  ", which[i],
		       g ? g->describe(g) : "", g ? " " : "", rc ? ra_error_last() : "answers");
		failed += rc != 0;
		ra_llm_free(g);
	}
	ra_workspace_close(ws);
	return failed;
}

int ra_cmd_doctor(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(char *, size_t);
	} checks[] = {
	        {"sqlite", check_sqlite},   {"faiss", check_faiss},
	        {"libgit2", check_git},     {"libcurl", check_curl},
	        {"jansson", check_jansson}, {"tree-sitter", check_treesitter},
	};
	int failed = 0;
	ra_cli_opts o = {0};

	for (int i = 1; i < argc; i++) {
		if (ra_cli_common_opt(&o, argc, argv, &i))
			continue;
		if (strcmp(argv[i], "--help") == 0) {
			printf("usage: rtlassist doctor [-C DIR]\n\nExercises every library "
			       "rtlassist "
			       "depends on, and asks the language-model servers that DIR's "
			       "settings "
			       "name (complete.*, chat.*) whether they answer.\n");
			return 0;
		}
		fprintf(stderr, "rtlassist doctor: unexpected argument '%s'\n", argv[i]);
		return 2;
	}
	git_libgit2_init();
	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		char detail[600];
		int rc = checks[i].fn(detail, sizeof(detail));

		printf("%-12s %s  %s\n", checks[i].name, rc ? "FAIL" : "ok  ", detail);
		failed += rc != 0;
	}
	git_libgit2_shutdown();
	failed += check_models(&o);
	return failed ? 1 : 0;
}
