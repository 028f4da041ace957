/* json_out.c - JSON output helpers of the CLI (see json_out.h). */
#include "daemon/json_out.h"
#include "daemon/cli.h"

#include <stdio.h>

json_t *ra_json_location(const char *file, ra_span s)
{
	return json_pack("{s:s, s:i, s:i, s:i, s:i}", "file", file, "line", (int)s.line + 1,
	                 "column", (int)s.col + 1, "end_line", (int)s.end_line + 1, "end_column",
	                 (int)s.end_col + 1);
}

void ra_json_set_opt(json_t *o, const char *key, const char *v)
{
	if (v)
		json_object_set_new(o, key, json_string(v));
}

void ra_json_print(json_t *j)
{
	json_dumpf(j, ra_cli_out(), JSON_INDENT(2));
	fputc('\n', ra_cli_out());
	json_decref(j);
}
