/*
 * json_out.h - the CLI's JSON output conventions in one place: every location is
 * {"file","line","column","end_line","end_column"} with 1-based lines and byte columns, keys
 * without a value are left out, documents are printed indented with a final newline.
 */
#ifndef RA_JSON_OUT_H
#define RA_JSON_OUT_H

#include "indexer/model.h"

#include <jansson.h>

/* A new location object for a 0-based span of `file` (workspace-relative). */
json_t *ra_json_location(const char *file, ra_span s);

/* Sets key to the string v, or leaves the key out when v is NULL. */
void ra_json_set_opt(json_t *o, const char *key, const char *v);

/* Prints j to ra_cli_out() (cli.h) and releases it. */
void ra_json_print(json_t *j);

#endif /* RA_JSON_OUT_H */
