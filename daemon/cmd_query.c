/*
 * cmd_query.c - read-only commands over the index: `units`, `find`, `stats`, `config`.
 *
 * Text output is one hit per line, `file:line:column: ...`, which editors and terminals turn
 * into links. JSON output is one object with a list; every location is
 * {"file","line","column","end_line","end_column"}, lines and columns 1-based (columns count
 * bytes), files relative to the workspace.
 */
#define _DEFAULT_SOURCE
#include "daemon/cli.h"
#include "daemon/json_out.h"
#include "daemon/workspace.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static json_t *sym_json(const ra_store_sym *y)
{
	json_t *o =
	        json_pack("{s:s, s:s, s:s}", "name", y->name, "kind", y->kind, "language", y->lang);

	ra_json_set_opt(o, "unit", y->unit);
	ra_json_set_opt(o, "parent", y->parent);
	ra_json_set_opt(o, "library", y->library);
	ra_json_set_opt(o, "type", y->type);
	ra_json_set_opt(o, "direction", y->dir);
	ra_json_set_opt(o, "dimensions", y->dims);
	ra_json_set_opt(o, "value", y->value);
	json_object_set_new(o, "location", ra_json_location(y->file, y->name_span));
	json_object_set_new(o, "extent", ra_json_location(y->file, y->span));
	return o;
}

typedef struct emit {
	bool json;
	json_t *list;
	size_t n;
} emit;

static int emit_unit(const ra_store_sym *y, void *payload)
{
	emit *e = payload;

	e->n++;
	if (e->json)
		return json_array_append_new(e->list, sym_json(y)) ? RA_ENOMEM : RA_OK;
	fprintf(ra_cli_out(), "%s:%u:%u: %s %s (%s%s%s)\n", y->file, y->name_span.line + 1,
	        y->name_span.col + 1, y->kind, y->name, y->lang, y->library ? ", library " : "",
	        y->library ? y->library : "");
	return RA_OK;
}

static int emit_sym(const ra_store_sym *y, void *payload)
{
	emit *e = payload;

	e->n++;
	if (e->json)
		return json_array_append_new(e->list, sym_json(y)) ? RA_ENOMEM : RA_OK;
	fprintf(ra_cli_out(), "%s:%u:%u: %s %s", y->file, y->name_span.line + 1,
	        y->name_span.col + 1, y->kind, y->name);
	if (y->dir)
		fprintf(ra_cli_out(), " %s", y->dir);
	if (y->type)
		fprintf(ra_cli_out(), " : %s", y->type);
	if (y->dims)
		fprintf(ra_cli_out(), " %s", y->dims);
	if (y->value)
		fprintf(ra_cli_out(), " = %s", y->value);
	if (y->unit && strcmp(y->unit, y->name) != 0)
		fprintf(ra_cli_out(), "  [in %s]", y->unit);
	fputc('\n', ra_cli_out());
	return RA_OK;
}

static int emit_ref(const ra_store_ref *r, void *payload)
{
	emit *e = payload;

	e->n++;
	if (e->json) {
		json_t *o = json_object();

		ra_json_set_opt(o, "scope", r->scope);
		json_object_set_new(o, "location", ra_json_location(r->file, r->span));
		return json_array_append_new(e->list, o) ? RA_ENOMEM : RA_OK;
	}
	fprintf(ra_cli_out(), "%s:%u:%u: %s", r->file, r->span.line + 1, r->span.col + 1, r->name);
	if (r->scope)
		fprintf(ra_cli_out(), "  [in %s]", r->scope);
	fputc('\n', ra_cli_out());
	return RA_OK;
}

/* opens the workspace's index read-only (the daemon's for a client: cli.h); prints the error
   and returns NULL on failure. Released by ra_cli_index_close. */
static ra_store *open_index(const ra_cli_opts *o, ra_workspace **ws, const char *cmd)
{
	ra_logger lg = ra_cli_logger(o);
	ra_store *st = NULL;

	return ra_cli_index_open(ws, &st, o, &lg, cmd) == RA_OK ? st : NULL;
}

/* parses common options plus the command's own; returns -1 to continue, else an exit code */
static int parse_args(ra_cli_opts *o, int argc, char **argv, const char *usage_text,
                      const char **positional, const char **kind, bool *refs)
{
	for (int i = 1; i < argc; i++) {
		if (ra_cli_common_opt(o, argc, argv, &i))
			continue;
		if (strcmp(argv[i], "--help") == 0) {
			fputs(usage_text, ra_cli_out());
			return 0;
		}
		if (kind && strcmp(argv[i], "--kind") == 0 && i + 1 < argc) {
			*kind = argv[++i];
			continue;
		}
		if (refs && strcmp(argv[i], "--refs") == 0) {
			*refs = true;
			continue;
		}
		if (positional && !*positional && argv[i][0] != '-') {
			*positional = argv[i];
			continue;
		}
		fprintf(ra_cli_err(), "rtlassist %s: unexpected argument '%s'\n%s", argv[0],
		        argv[i], usage_text);
		return 2;
	}
	return -1;
}

int ra_cmd_units(int argc, char **argv)
{
	static const char usage[] = "usage: rtlassist units [-C DIR] [--json]\n\n"
	                            "Every design unit (module, interface, program, package, "
	                            "class, entity, architecture,\n"
	                            "configuration, ...) with its kind, language, file and line.\n";
	ra_cli_opts o = {0};
	ra_workspace *ws = NULL;
	ra_store *st;
	emit e = {0};
	int rc = parse_args(&o, argc, argv, usage, NULL, NULL, NULL);

	if (rc >= 0)
		return rc;
	st = open_index(&o, &ws, "units");
	if (!st)
		return 1;
	e.json = o.json;
	e.list = json_array();
	rc = ra_store_units(st, emit_unit, &e);
	if (!rc && o.json)
		ra_json_print(json_pack("{s:o}", "units", e.list));
	else
		json_decref(e.list);
	if (rc)
		fprintf(ra_cli_err(), "rtlassist units: %s\n", ra_error_last());
	ra_cli_index_close(ws, st);
	return rc ? 1 : 0;
}

int ra_cmd_find(int argc, char **argv)
{
	static const char usage[] =
	        "usage: rtlassist find NAME [--kind KIND] [--refs] [-C DIR] [--json]\n\n"
	        "Where NAME is defined: units, ports, parameters, signals, instances, typedefs, "
	        "enum\n"
	        "members, macros, functions, tasks, ... (exact; case-insensitive for VHDL).\n"
	        "--kind limits to one kind (module, port, parameter, net, instance, ...).\n"
	        "--refs lists where NAME is used instead.\n"
	        "Exit status 1 when nothing is found.\n";
	ra_cli_opts o = {0};
	const char *name = NULL, *kind = NULL;
	bool refs = false;
	ra_workspace *ws = NULL;
	ra_store *st;
	emit e = {0};
	int rc;

	if (ra_cli_remote(argc, argv, &rc))
		return rc;
	rc = parse_args(&o, argc, argv, usage, &name, &kind, &refs);

	if (rc >= 0)
		return rc;
	if (!name) {
		fputs(usage, ra_cli_err());
		return 2;
	}
	if (kind && ra_model_kind_from_name(kind) < 0) {
		fprintf(ra_cli_err(), "rtlassist find: unknown kind '%s'; kinds:", kind);
		for (int k = 0; k < RA_SYM__COUNT; k++)
			fprintf(ra_cli_err(), " %s", ra_model_kind_name((ra_sym_kind)k));
		fputc('\n', ra_cli_err());
		return 2;
	}
	st = open_index(&o, &ws, "find");
	if (!st)
		return 1;
	e.json = o.json;
	e.list = json_array();
	rc = refs ? ra_store_refs(st, name, emit_ref, &e)
	          : ra_store_find(st, name, kind, emit_sym, &e);
	if (!rc && o.json)
		ra_json_print(json_pack("{s:s, s:o}", "name", name,
		                        refs ? "references" : "definitions", e.list));
	else
		json_decref(e.list);
	if (rc)
		fprintf(ra_cli_err(), "rtlassist find: %s\n", ra_error_last());
	else if (!e.n && !o.json)
		fprintf(ra_cli_err(), "rtlassist find: no %s of '%s'\n",
		        refs ? "use" : "definition", name);
	ra_cli_index_close(ws, st);
	return rc || !e.n ? 1 : 0;
}

static json_t *counts_json(const ra_store_count *c, size_t n)
{
	json_t *o = json_object();

	for (size_t i = 0; i < n; i++)
		json_object_set_new(o, c[i].what, json_integer(c[i].n));
	return o;
}

int ra_cmd_stats(int argc, char **argv)
{
	static const char usage[] = "usage: rtlassist stats [-C DIR] [--json]\n\n"
	                            "Counts by kind and language, index size, last index time.\n";
	ra_cli_opts o = {0};
	ra_workspace *ws = NULL;
	ra_store_stats s;
	ra_arena *arena;
	ra_store *st;
	char *when = NULL;
	int rc = parse_args(&o, argc, argv, usage, NULL, NULL, NULL);

	if (rc >= 0)
		return rc;
	st = open_index(&o, &ws, "stats");
	if (!st)
		return 1;
	arena = ra_arena_new(0);
	rc = arena ? ra_store_stats_get(st, &s, arena) : RA_ENOMEM;
	if (!rc)
		ra_store_meta_get(st, "last_index_time", &when);
	if (rc) {
		fprintf(ra_cli_err(), "rtlassist stats: %s\n", ra_error_last());
	} else if (o.json) {
		json_t *j = json_pack(
		        "{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:o}",
		        "workspace", ws->root, "files", (json_int_t)s.files, "units",
		        (json_int_t)s.units, "symbols", (json_int_t)s.symbols, "references",
		        (json_int_t)s.refs, "connections", (json_int_t)s.conns, "includes",
		        (json_int_t)s.includes, "unresolved_includes",
		        (json_int_t)s.unresolved_includes, "files_with_errors",
		        (json_int_t)s.files_with_errors, "index_bytes", (json_int_t)s.db_bytes,
		        "source_bytes", (json_int_t)s.source_bytes, "symbols_by_kind",
		        counts_json(s.by_kind, s.nby_kind), "files_by_language",
		        counts_json(s.files_by_lang, s.nfiles_by_lang), "units_by_language",
		        counts_json(s.units_by_lang, s.nunits_by_lang));

		json_object_set_new(j, "last_index_time",
		                    when ? json_integer(strtoll(when, NULL, 10)) : json_null());
		ra_json_print(j);
	} else {
		fprintf(ra_cli_out(), "workspace    %s\n", ws->root);
		fprintf(ra_cli_out(), "files        %lld (%.1f MB of source)", (long long)s.files,
		        (double)s.source_bytes / 1e6);
		for (size_t i = 0; i < s.nfiles_by_lang; i++)
			fprintf(ra_cli_out(), "%s %s %lld", i ? "," : ":", s.files_by_lang[i].what,
			        (long long)s.files_by_lang[i].n);
		fprintf(ra_cli_out(), "\nunits        %lld", (long long)s.units);
		for (size_t i = 0; i < s.nunits_by_lang; i++)
			fprintf(ra_cli_out(), "%s %s %lld", i ? "," : ":", s.units_by_lang[i].what,
			        (long long)s.units_by_lang[i].n);
		fprintf(ra_cli_out(), "\nsymbols      %lld\n", (long long)s.symbols);
		for (size_t i = 0; i < s.nby_kind; i++)
			fprintf(ra_cli_out(), "  %-14s %lld\n", s.by_kind[i].what,
			        (long long)s.by_kind[i].n);
		fprintf(ra_cli_out(), "references   %lld\nconnections  %lld\n", (long long)s.refs,
		        (long long)s.conns);
		fprintf(ra_cli_out(), "includes     %lld (%lld unresolved)\n",
		        (long long)s.includes, (long long)s.unresolved_includes);
		fprintf(ra_cli_out(), "syntax errors in %lld files\n",
		        (long long)s.files_with_errors);
		fprintf(ra_cli_out(), "index size   %.1f MB (%.2fx the source)\n",
		        (double)s.db_bytes / 1e6,
		        s.source_bytes ? (double)s.db_bytes / (double)s.source_bytes : 0.0);
		if (when) {
			time_t t = (time_t)strtoll(when, NULL, 10);
			char buf[64];

			strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", localtime(&t));
			fprintf(ra_cli_out(), "last indexed %s\n", buf);
		}
	}
	ra_free(when);
	ra_arena_free(arena);
	ra_cli_index_close(ws, st);
	return rc ? 1 : 0;
}

int ra_cmd_config(int argc, char **argv)
{
	static const char usage[] =
	        "usage: rtlassist config [-C DIR] [--markdown]\n\n"
	        "Prints the settings in force for the workspace (user file, then "
	        ".rtlassist.toml),\n"
	        "or with --markdown the table of every setting with its default.\n";
	ra_cli_opts o = {0};
	ra_workspace *ws = NULL;
	ra_logger lg;
	bool markdown = false;
	ra_buf out;
	int rc = -1;

	for (int i = 1; i < argc; i++) {
		if (ra_cli_common_opt(&o, argc, argv, &i))
			continue;
		if (strcmp(argv[i], "--markdown") == 0) {
			markdown = true;
			continue;
		}
		if (strcmp(argv[i], "--help") == 0) {
			fputs(usage, ra_cli_out());
			return 0;
		}
		fprintf(ra_cli_err(), "rtlassist config: unexpected argument '%s'\n%s", argv[i],
		        usage);
		return 2;
	}
	lg = ra_cli_logger(&o);
	if (ra_workspace_open(&ws, o.workspace, false, &lg) != 0) {
		fprintf(ra_cli_err(), "rtlassist config: %s\n", ra_error_last());
		return 1;
	}
	ra_buf_init(&out, 0);
	rc = ra_config_describe(&out, ws->config, markdown);
	if (!rc)
		fputs(out.data ? out.data : "", ra_cli_out());
	ra_buf_free(&out);
	ra_workspace_close(ws);
	return rc ? 1 : 0;
}
