/*
 * cmd_search.c - `rtlassist search "QUERY"`: the fused search of retriever/search.h from the
 * command line.
 *
 * Text output: one result per hit, `file:start-end: kind unit [channels] score`, then its best
 * matching line indented, so that terminals and editors turn the first line into a link.
 * JSON: {"query","results":[{"file","start_line","end_line","unit","kind","score","channels",
 * "snippet"}]}, lines 1-based, files relative to the workspace.
 */
#define _DEFAULT_SOURCE
#include "daemon/cli.h"
#include "daemon/json_out.h"
#include "daemon/workspace.h"
#include "retriever/search.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
        "usage: rtlassist search QUERY [--top N] [--kind K] [--path GLOB] [-C DIR] [--json]\n\n"
        "Finds the code that answers QUERY, a question in words (\"where is the write\n"
        "response generated\") or identifiers, ranking chunks of the index by four channels\n"
        "fused: lexical (BM25 over code-aware tokens), vector (the configured embedder),\n"
        "symbol (exact and fuzzy names) and graph (instances to their units, signals to\n"
        "their drivers). Each result says which channels found it.\n"
        "  --top N      results to print (default 10, at most 1000)\n"
        "  --kind K     only chunks of kind K: signature, process, assigns, instance,\n"
        "               subprogram, declarations, generate, other\n"
        "  --path GLOB  only files whose workspace-relative path matches GLOB ('*' crosses\n"
        "               '/'; a GLOB without '/' also matches the file name)\n"
        "  --channels L only these channels, comma-separated: lexical,vector,symbol,graph\n"
        "Exit status 1 when nothing is found or the index cannot be read, 2 on bad usage.\n";

static void channels_text(char *buf, size_t size, unsigned ch)
{
	size_t o = 0;

	buf[0] = '\0';
	for (unsigned b = 1; b <= RA_SEARCH_GRAPH && o < size; b <<= 1)
		if (ch & b)
			o += (size_t)snprintf(buf + o, size - o, "%s%s", o ? "," : "",
			                      ra_search_channel_name(b));
}

static json_t *hit_json(const ra_search_hit *h)
{
	json_t *ch = json_array();
	json_t *o;

	for (unsigned b = 1; b <= RA_SEARCH_GRAPH; b <<= 1)
		if (h->channels & b)
			json_array_append_new(ch, json_string(ra_search_channel_name(b)));
	o = json_pack("{s:s, s:i, s:i, s:o, s:s, s:f, s:o, s:s}", "file", h->file, "start_line",
	              (int)h->line + 1, "end_line", (int)h->end_line + 1, "unit",
	              h->unit ? json_string(h->unit) : json_null(), "kind", h->kind, "score",
	              h->score, "channels", ch, "snippet", h->snippet ? h->snippet : "");
	return o;
}

static int parse_channels(unsigned *out, const char *list)
{
	*out = 0;
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, ",");
		unsigned bit = 0;

		for (unsigned b = 1; b <= RA_SEARCH_GRAPH && !bit; b <<= 1)
			if (strlen(ra_search_channel_name(b)) == n &&
			    strncmp(p, ra_search_channel_name(b), n) == 0)
				bit = b;
		if (!bit)
			return RA_EINVAL;
		*out |= bit;
		p += n;
		if (*p)
			p++;
	}
	return *out ? RA_OK : RA_EINVAL;
}

/* the embedder for the vector channel, from the settings; NULL (channel off) on failure */
static ra_embedder *open_embedder(const ra_workspace *ws, const ra_logger *lg)
{
	ra_embed_config ec;
	ra_embedder *e = NULL;

	ra_config_embed(ws->config, &ec, lg);
	if (ra_embedder_open(&e, &ec) != 0) {
		ra_log(lg, RA_LOG_WARN, "search: embedder: %s; vector channel off",
		       ra_error_last());
		return NULL;
	}
	return e;
}

int ra_cmd_search(int argc, char **argv)
{
	ra_cli_opts o = {0};
	ra_search_opts so = {0};
	ra_workspace *ws = NULL;
	ra_store *st = NULL;
	ra_embedder *emb = NULL;
	ra_searcher *s = NULL;
	ra_search_results r = {0};
	ra_logger lg;
	const ra_cli_env *env = ra_cli_env_get();
	int rc;

	if (ra_cli_remote(argc, argv, &rc))
		return rc;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (ra_cli_common_opt(&o, argc, argv, &i))
			continue;
		if (strcmp(a, "--help") == 0) {
			fputs(usage, ra_cli_out());
			return 0;
		}
		if ((strcmp(a, "--top") == 0 || strcmp(a, "--kind") == 0 ||
		     strcmp(a, "--path") == 0 || strcmp(a, "--channels") == 0) &&
		    i + 1 >= argc) {
			fprintf(ra_cli_err(), "rtlassist search: %s needs a value\n%s", a, usage);
			return 2;
		}
		if (strcmp(a, "--top") == 0) {
			char *end;
			long n = strtol(argv[++i], &end, 10);

			if (*end || n < 1 || n > RA_SEARCH_MAX_TOP) {
				fprintf(ra_cli_err(),
				        "rtlassist search: --top takes 1..%d, not '%s'\n",
				        RA_SEARCH_MAX_TOP, argv[i]);
				return 2;
			}
			so.top = (size_t)n;
		} else if (strcmp(a, "--kind") == 0) {
			so.kind = argv[++i];
		} else if (strcmp(a, "--path") == 0) {
			so.path = argv[++i];
		} else if (strcmp(a, "--channels") == 0) {
			if (parse_channels(&so.channels, argv[++i]) != 0) {
				fprintf(ra_cli_err(),
				        "rtlassist search: --channels takes names from "
				        "lexical,vector,symbol,graph, not '%s'\n",
				        argv[i]);
				return 2;
			}
		} else if (!so.query && (a[0] != '-' || !a[1])) {
			so.query = a;
		} else {
			fprintf(ra_cli_err(), "rtlassist search: unexpected argument '%s'\n%s", a,
			        usage);
			return 2;
		}
	}
	if (!so.query) {
		fputs(usage, ra_cli_err());
		return 2;
	}
	lg = ra_cli_logger(&o);
	if (ra_cli_index_open(&ws, &st, &o, &lg, "search") != 0)
		return 1;
	if (env && env->searcher) {
		s = env->searcher; /* the daemon's, warm */
		rc = RA_OK;
	} else {
		emb = open_embedder(ws, &lg);
		rc = ra_searcher_open(&s, st, ws->state_dir, emb, &lg);
	}
	if (!rc)
		rc = ra_search(&r, s, &so);
	if (rc) {
		fprintf(ra_cli_err(), "rtlassist search: %s\n", ra_error_last());
		rc = rc == RA_EINVAL || rc == RA_ETOOBIG ? 2 : 1;
		goto out;
	}
	if (o.json) {
		json_t *list = json_array(), *j;

		for (size_t i = 0; i < r.n; i++)
			json_array_append_new(list, hit_json(&r.hits[i]));
		j = json_pack("{s:s, s:o}", "query", so.query, "results", list);
		ra_json_print(j);
	} else {
		for (size_t i = 0; i < r.n; i++) {
			const ra_search_hit *h = &r.hits[i];
			char ch[64];

			channels_text(ch, sizeof(ch), h->channels);
			fprintf(ra_cli_out(), "%s:%u-%u: %s %s [%s] %.4f\n    %s\n", h->file,
			        h->line + 1, h->end_line + 1, h->kind, h->unit ? h->unit : "-", ch,
			        h->score, h->snippet ? h->snippet : "");
		}
		if (!r.n)
			fprintf(ra_cli_err(), "rtlassist search: nothing found for '%s'\n",
			        so.query);
	}
	rc = r.n ? 0 : 1;
out:
	ra_search_results_free(&r);
	if (!env || s != env->searcher)
		ra_searcher_close(s);
	ra_embedder_close(emb);
	ra_cli_index_close(ws, st);
	return rc;
}
