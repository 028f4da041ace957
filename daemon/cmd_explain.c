/*
 * cmd_explain.c - `rtlassist explain UNIT [--json] [--no-model] [--budget N]`: the structured
 * explanation of a unit from the index (retriever/explain.h), then, when a chat model is
 * configured (chat.* settings) and --no-model is not given, prose from the model grounded in that
 * structure and the unit's code, printed as it arrives.
 *
 * Text: the structure, then "explanation (MODEL):" and the prose. JSON: the structure's object
 * with "prose" (the whole text) or "prose_error" added when a model was asked. A model failure
 * never hides the structure: it is printed first, and the failure is reported (exit code 3).
 */
#define _DEFAULT_SOURCE
#include "daemon/cli.h"
#include "daemon/json_out.h"
#include "daemon/llm.h"
#include "daemon/workspace.h"
#include "retriever/explain.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char HELP[] =
        "usage: rtlassist explain UNIT [--json] [--no-model] [--budget BYTES] [-C DIR]\n\n"
        "Explains a module, interface, program or VHDL entity from the index: parameters,\n"
        "ports (grouped by interface and bus prefix, with their clock domains), clocks and\n"
        "resets, state machines, submodules, where it is instantiated, and which inputs\n"
        "reach which outputs. With a chat model configured (chat.* settings), the model then\n"
        "writes an explanation citing file:line, printed as it arrives.\n\n"
        "  --json         the structure as JSON (with \"prose\" or \"prose_error\")\n"
        "  --no-model     never ask the model\n"
        "  --budget N     bytes of the unit's code sent to the model (default 12000)\n\n"
        "Exit code 1 when there is no such unit, 3 when the model failed.\n";

static json_t *loc_cli(const char *file, ra_span s, void *payload)
{
	(void)payload;
	return ra_json_location(file, s);
}

typedef struct prose {
	ra_buf text;
	bool echo; /* print pieces as they arrive */
} prose;

static int on_text(const char *text, size_t len, void *payload)
{
	prose *p = payload;

	if (p->echo) {
		fwrite(text, 1, len, ra_cli_out());
		fflush(ra_cli_out());
	}
	return ra_buf_append(&p->text, text, len) == RA_OK ? 0 : 1;
}

int ra_cmd_explain(int argc, char **argv)
{
	ra_cli_opts o = {0};
	const char *unit = NULL;
	bool no_model = false;
	long budget = 0;
	ra_workspace *ws = NULL;
	ra_store *st = NULL;
	ra_explain *e = NULL;
	ra_generator *g = NULL;
	ra_logger lg;
	int rc, status = 0;

	if (ra_cli_remote(argc, argv, &rc))
		return rc;
	for (int i = 1; i < argc; i++) {
		if (ra_cli_common_opt(&o, argc, argv, &i))
			continue;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(HELP, ra_cli_out());
			return 0;
		}
		if (!strcmp(argv[i], "--no-model")) {
			no_model = true;
		} else if (!strcmp(argv[i], "--budget") && i + 1 < argc) {
			char *end;

			budget = strtol(argv[++i], &end, 10);
			if (*end || budget < 0 || budget > 1000000) {
				fprintf(ra_cli_err(),
				        "rtlassist explain: --budget needs bytes (0..1000000)\n");
				return 2;
			}
		} else if (argv[i][0] == '-' || unit) {
			fprintf(ra_cli_err(), "rtlassist explain: unexpected '%s'\n%s", argv[i],
			        HELP);
			return 2;
		} else {
			unit = argv[i];
		}
	}
	if (!unit) {
		fputs(HELP, ra_cli_err());
		return 2;
	}
	lg = ra_cli_logger(&o);
	if (ra_cli_index_open(&ws, &st, &o, &lg, "explain") != 0)
		return 1;
	{
		const ra_cli_env *env = ra_cli_env_get();
		ra_explain_opts eo = {
		        .root = ws->root,
		        .max_file_size = (size_t)ws->config->max_file_size,
		        /* in the daemon, its warm handle (refreshed before the command) */
		        .graph = env && env->store == st ? env->graph : NULL};

		rc = ra_explain_unit(&e, st, unit, &eo);
	}
	if (rc) {
		fprintf(ra_cli_err(), "rtlassist explain: %s\n", ra_error_last());
		status = rc == RA_ENOTFOUND ? 1 : 2;
		goto out;
	}
	if (e->others.n)
		fprintf(ra_cli_err(),
		        "rtlassist explain: '%s' is ambiguous: %zu more units carry the name; "
		        "explaining %s:%u\n",
		        unit, e->others.total, e->file, e->span.line + 1);
	if (!no_model && ra_llm_from_config(&g, ws->config, "chat", &lg) != 0) {
		fprintf(ra_cli_err(), "rtlassist explain: chat model: %s\n", ra_error_last());
		g = NULL;
		status = 3;
	}
	if (!o.json) {
		ra_buf b;

		ra_buf_init(&b, 0);
		if (ra_explain_text(&b, e) == RA_OK)
			fputs(b.data, ra_cli_out());
		ra_buf_free(&b);
		fflush(ra_cli_out());
	}
	{
		json_t *j = o.json ? ra_explain_json(e, loc_cli, NULL) : NULL;

		if (g) {
			ra_explain_prompt p;
			prose pr = {.echo = !o.json};

			ra_buf_init(&pr.text, 4u << 20);
			rc = ra_explain_prompt_build(&p, st, e, (size_t)budget);
			if (!rc) {
				if (pr.echo)
					fprintf(ra_cli_out(), "\nexplanation (%s):\n",
					        g->describe(g));
				fflush(ra_cli_out());
				rc = g->generate(g, &p.req, on_text, &pr, NULL);
				ra_explain_prompt_free(&p);
			}
			if (pr.echo && pr.text.len && pr.text.data[pr.text.len - 1] != '\n')
				fputc('\n', ra_cli_out());
			if (rc) {
				fprintf(ra_cli_err(), "rtlassist explain: the model failed: %s\n",
				        ra_error_last());
				status = 3;
				if (j)
					json_object_set_new(j, "prose_error",
					                    json_string(ra_error_last()));
			} else if (j) {
				json_object_set_new(j, "prose",
				                    json_stringn(pr.text.data ? pr.text.data : "",
				                                 pr.text.len));
			}
			ra_buf_free(&pr.text);
		}
		if (j)
			ra_json_print(j);
	}
out:
	ra_llm_free(g);
	ra_explain_free(e);
	ra_cli_index_close(ws, st);
	return status;
}
