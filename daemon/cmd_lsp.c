/*
 * cmd_lsp.c - `rtlassist lsp`: the Language Server over stdin/stdout (lsp/server.h).
 *
 * This file gives the server its workspace: root, settings, state directory, and the writer lock
 * (when another process holds it, the server only reads the index). stdout is the protocol:
 * everything else goes to stderr.
 */
#define _DEFAULT_SOURCE
#include "daemon/cli.h"
#include "daemon/workspace.h"
#include "indexer/vectors.h"
#include "lsp/server.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

typedef struct lsp_host {
	ra_cli_opts o;
	ra_logger lg;
	ra_workspace *ws;
	ra_index_library *libs;
	ra_embed_config ec;
	char *vectors_path;
} lsp_host;

static int open_ws(ra_lsp_workspace *out, const char *root, void *payload)
{
	lsp_host *h = payload;
	ra_workspace *ws = NULL;
	int rc = ra_workspace_open(&ws, root, true, &h->lg);

	if (rc)
		return rc;
	h->ws = ws;
	h->libs = ra_calloc(ws->config->nvhdl_libraries + 1, sizeof(*h->libs));
	h->vectors_path = ra_malloc(strlen(ws->state_dir) + sizeof(RA_VECTORS_FILE) + 2);
	if (!h->libs || !h->vectors_path) {
		ra_workspace_close(ws);
		h->ws = NULL;
		return RA_ENOMEM;
	}
	sprintf(h->vectors_path, "%s/%s", ws->state_dir, RA_VECTORS_FILE);
	for (size_t i = 0; i < ws->config->nvhdl_libraries; i++)
		h->libs[i] = (ra_index_library){ws->config->vhdl_libraries[i].key,
		                                ws->config->vhdl_libraries[i].value};
	ra_config_embed(ws->config, &h->ec, &h->lg);
	memset(out, 0, sizeof(*out));
	out->root = ws->root;
	out->db_path = ws->db_path;
	out->state_dir = ws->state_dir;
	out->writable = ra_workspace_lock(ws, false) == RA_OK;
	if (!out->writable)
		ra_log(&h->lg, RA_LOG_WARN, "%s; serving the index read-only", ra_error_last());
	out->index = (ra_index_opts){
	        .root = ws->root,
	        .threads = (int)ws->config->threads,
	        .max_file_size = (uint64_t)ws->config->max_file_size,
	        .verilog_exts = ws->config->verilog_exts,
	        .sv_exts = ws->config->sv_exts,
	        .vhdl_exts = ws->config->vhdl_exts,
	        .libraries = h->libs,
	        .nlibraries = ws->config->nvhdl_libraries,
	        .log = &h->lg,
	        .embed = &h->ec,
	        .vectors_path = h->vectors_path,
	};
	return RA_OK;
}

static void close_ws(ra_lsp_workspace *ws, void *payload)
{
	lsp_host *h = payload;

	(void)ws;
	ra_free(h->libs);
	ra_free(h->vectors_path);
	ra_workspace_close(h->ws);
	h->libs = NULL;
	h->vectors_path = NULL;
	h->ws = NULL;
}

int ra_cmd_lsp(int argc, char **argv)
{
	static const char usage[] =
	        "usage: rtlassist lsp [-C DIR] [--stdio] [--no-index] [-v]\n\n"
	        "Runs the Language Server over stdin/stdout. The workspace is DIR, else the\n"
	        "client's root, else the enclosing git root. The index is brought up to date in\n"
	        "the background (--no-index: only read it). Logs go to stderr.\n";
	lsp_host h = {0};
	ra_lsp_opts lo = {0};
	bool no_index = false;

	for (int i = 1; i < argc; i++) {
		if (ra_cli_common_opt(&h.o, argc, argv, &i))
			continue;
		if (!strcmp(argv[i], "--help")) {
			fputs(usage, stdout);
			return 0;
		}
		if (!strcmp(argv[i], "--stdio"))
			continue; /* what editors pass; stdio is the only transport */
		if (!strcmp(argv[i], "--no-index")) {
			no_index = true;
			continue;
		}
		fprintf(stderr, "rtlassist lsp: unexpected argument '%s'\n%s", argv[i], usage);
		return 2;
	}
	h.lg = ra_cli_logger(&h.o);
	lo.in_fd = STDIN_FILENO;
	lo.out_fd = STDOUT_FILENO;
	lo.root = h.o.workspace;
	lo.open = open_ws;
	lo.close = close_ws;
	lo.payload = &h;
	lo.log = &h.lg;
	lo.no_index = no_index;
	return ra_lsp_serve(&lo);
}
