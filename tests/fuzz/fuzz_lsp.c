/*
 * fuzz_lsp.c - fuzz target for what `rtlassist lsp` reads from a client: Content-Length framing
 * (lsp/frame.h) over a pipe, JSON-RPC classification of every body (lsp/jsonrpc.h), and the
 * position and completion-context scans over the same bytes (lsp/position.h, lsp/complete.h).
 *
 * Invariants: the reader ends (every call consumes input or ends it); a body never exceeds the
 * cap; a classified message has the fields its kind promises; converted columns stay inside
 * the line.
 */
#define _DEFAULT_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lsp/complete.h"
#include "lsp/frame.h"
#include "lsp/jsonrpc.h"
#include "lsp/position.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CAP 4096
#define MAX_INPUT 60000 /* below a pipe's buffer, so one write never blocks */

static void check_body(const char *body, size_t len)
{
	ra_rpc_msg m;

	ra_rpc_parse(&m, body, len);
	switch (m.kind) {
	case RA_RPC_REQUEST:
		if (!m.id || !m.method)
			abort();
		break;
	case RA_RPC_NOTIFICATION:
		if (m.id || !m.method)
			abort();
		break;
	case RA_RPC_RESPONSE:
		if (!m.id)
			abort();
		break;
	case RA_RPC_INVALID:
		if (m.code > -32000 || m.code < -32768)
			abort();
		break;
	}
	ra_rpc_msg_clear(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	ra_frame_reader r;
	ra_buf body;
	ra_lines lines = {0};
	ra_cc cc;
	int p[2], rc, rounds = 0;

	if (size > MAX_INPUT)
		size = MAX_INPUT;
	if (pipe(p) != 0)
		return 0;
	if (size && write(p[1], data, size) != (ssize_t)size)
		abort();
	close(p[1]);
	ra_frame_reader_init(&r, p[0], CAP);
	ra_buf_init(&body, 0);
	while ((rc = ra_frame_read(&r, &body)) != RA_ENOTFOUND) {
		if (rc == RA_OK) {
			if (body.len > CAP)
				abort();
			check_body(body.data, body.len);
		} else if (rc != RA_EINVAL && rc != RA_ETOOBIG) {
			abort();
		}
		if (++rounds > (int)size + 2) /* each round consumes at least one byte */
			abort();
	}
	ra_buf_free(&body);
	ra_frame_reader_free(&r);
	close(p[0]);

	check_body(text, size);
	if (ra_lines_build(&lines, text, size) == RA_OK) {
		for (size_t i = 0; i < lines.n; i++) {
			size_t n = ra_lines_len(&lines, text, size, i);
			const char *l = text + lines.start[i];

			for (uint32_t c = 0; c <= n + 2; c += 3) {
				uint32_t b = ra_pos_utf16_to_byte(l, n, c);

				if (b > n || ra_pos_byte_to_utf16(l, n, b) > c)
					abort();
			}
		}
		ra_lines_free(&lines);
	}
	for (size_t off = 0; off <= size; off += 1 + size / 16) {
		ra_complete_context(&cc, text, size, off, false);
		ra_complete_context(&cc, text, size, off, true);
		if (strlen(cc.prefix) >= RA_CC_NAME || strlen(cc.target) >= RA_CC_NAME)
			abort();
	}
	return 0;
}
