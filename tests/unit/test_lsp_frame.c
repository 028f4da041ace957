/* test_lsp_frame.c - Content-Length framing (lsp/frame.h) and JSON-RPC classification
 * (lsp/jsonrpc.h): partial reads, caps, resynchronisation after bad headers. */
#define _DEFAULT_SOURCE
#include "lsp/frame.h"
#include "lsp/jsonrpc.h"
#include "tests/ra_test.h"

#include <pthread.h>
#include <unistd.h>

typedef struct feeder {
	int fd;
	const char *data;
	size_t len, step;
} feeder;

/* writes `data` in pieces of `step` bytes, then closes */
static void *feed(void *arg)
{
	feeder *f = arg;

	for (size_t i = 0; i < f->len; i += f->step) {
		size_t n = f->len - i < f->step ? f->len - i : f->step;

		if (write(f->fd, f->data + i, n) != (ssize_t)n)
			break;
	}
	close(f->fd);
	return NULL;
}

/* reads every frame of `data` written in pieces; results joined with '|' ('!' for errors) */
static void read_all(char *out, size_t cap, const char *data, size_t len, size_t step, size_t max)
{
	int p[2];
	pthread_t t;
	feeder f;
	ra_frame_reader r;
	ra_buf body;
	int rc;

	out[0] = '\0';
	if (pipe(p) != 0)
		return;
	f = (feeder){p[1], data, len, step};
	pthread_create(&t, NULL, feed, &f);
	ra_frame_reader_init(&r, p[0], max);
	ra_buf_init(&body, 0);
	while ((rc = ra_frame_read(&r, &body)) != RA_ENOTFOUND) {
		size_t n = strlen(out);

		if (rc == RA_OK)
			snprintf(out + n, cap - n, "%s|", body.data);
		else
			snprintf(out + n, cap - n, "!%s|", rc == RA_ETOOBIG ? "big" : "bad");
	}
	pthread_join(t, NULL);
	ra_buf_free(&body);
	ra_frame_reader_free(&r);
	close(p[0]);
}

RA_TEST(frame_partial_reads)
{
	static const char in[] = "Content-Length: 2\r\n\r\n{}Content-Length: 7\r\n"
	                         "Content-Type: x\r\n\r\n[1,2,3]";
	char out[256];

	for (size_t step = 1; step <= sizeof(in); step++) {
		read_all(out, sizeof(out), in, sizeof(in) - 1, step, 0);
		RA_CHECKF(!strcmp(out, "{}|[1,2,3]|"), "step %zu: %s", step, out);
	}
}

RA_TEST(frame_header_case_and_lf)
{
	static const char in[] = "content-length:3\n\nabcCONTENT-LENGTH :  1 \r\n\r\nx";
	char out[256];

	read_all(out, sizeof(out), in, sizeof(in) - 1, 5, 0);
	RA_CHECK_STR(out, "abc|x|");
}

RA_TEST(frame_cap_skips_body)
{
	static const char in[] = "Content-Length: 20\r\n\r\n01234567890123456789"
	                         "Content-Length: 2\r\n\r\nok";
	char out[256];

	read_all(out, sizeof(out), in, sizeof(in) - 1, 3, 10);
	RA_CHECK_STR(out, "!big|ok|");
}

RA_TEST(frame_bad_headers_resync)
{
	static const char in[] = "Content-Length: abc\r\n\r\n"
	                         "X-Other: 1\r\n\r\n"
	                         "junkContent-Length: 2\r\n\r\nok";
	char out[256];

	read_all(out, sizeof(out), in, sizeof(in) - 1, 1, 0);
	RA_CHECK_STR(out, "!bad|!bad|ok|");
}

RA_TEST(frame_header_cap)
{
	char in[8192 + 64];
	char out[256];
	size_t n;

	memset(in, 'a', 8192);
	n = 8192 + (size_t)snprintf(in + 8192, 64, "Content-Length: 2\r\n\r\nok");
	read_all(out, sizeof(out), in, n, 1000, 0);
	RA_CHECK_STR(out, "!bad|ok|");
}

RA_TEST(frame_lying_length_cut_at_next_header)
{
	static const char in[] = "Content-Length: 999999999\r\n\r\n{\"a\":"
	                         "Content-Length: 2\r\n\r\nok";
	char out[256];

	read_all(out, sizeof(out), in, sizeof(in) - 1, 4, 100);
	RA_CHECK_STR(out, "!big|ok|");
}

RA_TEST(frame_truncated_at_eof)
{
	static const char in[] = "Content-Length: 10\r\n\r\nabc";
	char out[256];

	read_all(out, sizeof(out), in, sizeof(in) - 1, 2, 0);
	RA_CHECK_STR(out, "!bad|");
}

RA_TEST(frame_unread_and_find)
{
	static const char body[] = "{\"x\":Content-Length: 2\r\n\r\n{}";
	int p[2];
	ra_frame_reader r;
	ra_buf b;
	long at = ra_frame_find_header(body, sizeof(body) - 1);

	RA_CHECK_INT(at, 5);
	RA_CHECK(pipe(p) == 0);
	close(p[1]);
	ra_frame_reader_init(&r, p[0], 0);
	ra_buf_init(&b, 0);
	RA_CHECK_INT(ra_frame_unread(&r, body + at, sizeof(body) - 1 - (size_t)at), 0);
	RA_CHECK(ra_frame_buffered(&r));
	RA_CHECK_INT(ra_frame_read(&r, &b), 0);
	RA_CHECK_STR(b.data, "{}");
	RA_CHECK_INT(ra_frame_read(&r, &b), RA_ENOTFOUND);
	ra_buf_free(&b);
	ra_frame_reader_free(&r);
	close(p[0]);
}

RA_TEST(jsonrpc_classify)
{
	static const struct {
		const char *in;
		ra_rpc_kind kind;
		int code;
	} cases[] = {
	        {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\",\"params\":{}}", RA_RPC_REQUEST,
	         0},
	        {"{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"method\":\"m\"}", RA_RPC_REQUEST, 0},
	        {"{\"jsonrpc\":\"2.0\",\"method\":\"m\"}", RA_RPC_NOTIFICATION, 0},
	        {"{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":null}", RA_RPC_RESPONSE, 0},
	        {"{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"m\"}", RA_RPC_INVALID, -32600},
	        {"{\"id\":1,\"method\":\"m\"}", RA_RPC_INVALID, -32600},
	        {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":7}", RA_RPC_INVALID, -32600},
	        {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\",\"params\":3}", RA_RPC_INVALID,
	         -32600},
	        {"[1]", RA_RPC_INVALID, -32600},
	        {"{", RA_RPC_INVALID, -32700},
	        {"{\"jsonrpc\":\"2.0\",\"jsonrpc\":\"2.0\",\"method\":\"m\"}", RA_RPC_INVALID,
	         -32700},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ra_rpc_msg m;

		ra_rpc_parse(&m, cases[i].in, strlen(cases[i].in));
		RA_CHECKF(m.kind == cases[i].kind, "%s: kind %d", cases[i].in, (int)m.kind);
		if (m.kind == RA_RPC_INVALID)
			RA_CHECKF(m.code == cases[i].code, "%s: code %d", cases[i].in, m.code);
		ra_rpc_msg_clear(&m);
	}
}

RA_TEST(jsonrpc_id_keys)
{
	char k[32];
	json_t *i = json_integer(42), *s = json_string("abc"), *n = json_null();

	RA_CHECK(ra_rpc_id_key(k, sizeof(k), i));
	RA_CHECK_STR(k, "i:42");
	RA_CHECK(ra_rpc_id_key(k, sizeof(k), s));
	RA_CHECK_STR(k, "s:abc");
	RA_CHECK(!ra_rpc_id_key(k, sizeof(k), n));
	json_decref(i);
	json_decref(s);
	json_decref(n);
}

RA_TEST_MAIN()
