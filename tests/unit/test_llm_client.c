/*
 * test_llm_client.c - the model client (daemon/llm.h) against the loopback model server
 * tests/tools/model_server.py: exact request bodies per provider and mode (the FIM prompt holds
 * the cross-file context), streaming in pieces and in order, and every failure the client must
 * turn into a clear error: 401 (the key never in the message), 429 with Retry-After, 500 then
 * success, always 500, malformed JSON, a truncated stream, a reply slower than the time limit,
 * a closed port, cancellation mid-stream and while waiting, a reply over the size cap.
 */
#define _DEFAULT_SOURCE
#include "daemon/llm.h"
#include "tests/ra_test.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define KEY_ENV "RA_TEST_LLM_KEY"
#define KEY "sk-test-SECRET-0123456789"

/* ---- the loopback server ------------------------------------------------------------------ */

static struct {
	pid_t pid;
	int in_fd;
	int port;
	char dir[64], log[128];
	bool tried;
} srv;

static void srv_stop(void)
{
	if (srv.pid > 0) {
		close(srv.in_fd);
		kill(srv.pid, SIGTERM);
		waitpid(srv.pid, NULL, 0);
		srv.pid = 0;
		unlink(srv.log);
		rmdir(srv.dir);
	}
}

/* starts the server once for the whole file; false when python3 is missing */
static bool srv_up(void)
{
	int in[2], out[2];
	char line[32];
	size_t n = 0;
	double deadline = ra_now() + 20;

	if (srv.tried)
		return srv.port > 0;
	srv.tried = true;
	strcpy(srv.dir, "/tmp/ra_llm_XXXXXX");
	if (!mkdtemp(srv.dir) || pipe(in) || pipe(out))
		return false;
	snprintf(srv.log, sizeof(srv.log), "%s/requests.jsonl", srv.dir);
	srv.pid = fork();
	if (srv.pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		execlp("python3", "python3", RA_SOURCE_DIR "/tests/tools/model_server.py", "--log",
		       srv.log, "--exit-on-eof", "--slow", "3", "--trickle", "0.05", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	srv.in_fd = in[1];
	while (n + 1 < sizeof(line) && ra_now() < deadline) {
		struct pollfd p = {out[0], POLLIN, 0};
		char c;

		if (poll(&p, 1, 100) <= 0)
			continue;
		if (read(out[0], &c, 1) != 1)
			break;
		if (c == '\n')
			break;
		line[n++] = c;
	}
	line[n] = '\0';
	close(out[0]);
	srv.port = atoi(line);
	atexit(srv_stop);
	return srv.port > 0;
}

/* the records the server logged, as a JSON array */
static json_t *requests(void)
{
	json_t *a = json_array();
	char *text = NULL;
	size_t len = 0;

	if (ra_read_file(&text, &len, srv.log, 64 << 20) != 0)
		return a;
	for (char *p = text; p && *p;) {
		char *eol = strchr(p, '\n');
		json_t *o = json_loadb(p, eol ? (size_t)(eol - p) : strlen(p), 0, NULL);

		if (o)
			json_array_append_new(a, o);
		p = eol ? eol + 1 : NULL;
	}
	ra_free(text);
	return a;
}

static size_t nrequests(void)
{
	json_t *a = requests();
	size_t n = json_array_size(a);

	json_decref(a);
	return n;
}

/* the last request's record (caller's reference) */
static json_t *last_request(void)
{
	json_t *a = requests(), *r = json_incref(json_array_get(a, json_array_size(a) - 1));

	json_decref(a);
	return r;
}

/* ---- running requests --------------------------------------------------------------------- */

typedef struct collect {
	char text[1 << 16];
	size_t len;
	int pieces;
	int cancel_after; /* sets *cancel after this many pieces (0: never) */
	int stop_after;   /* returns nonzero after this many pieces (0: never) */
	volatile int *cancel;
} collect;

static int on_text(const char *text, size_t len, void *payload)
{
	collect *c = payload;

	if (c->len + len < sizeof(c->text)) {
		memcpy(c->text + c->len, text, len);
		c->len += len;
		c->text[c->len] = '\0';
	}
	c->pieces++;
	if (c->cancel_after && c->pieces >= c->cancel_after)
		*c->cancel = 1;
	return c->stop_after && c->pieces >= c->stop_after;
}

static char url_buf[256];

/* the server's base URL, with a misbehaviour prefix when `behavior` is set */
static const char *url(const char *behavior)
{
	snprintf(url_buf, sizeof(url_buf), "http://127.0.0.1:%d%s%s", srv.port,
	         behavior ? "/_b/" : "", behavior ? behavior : "");
	return url_buf;
}

static ra_generator *open_gen(const char *provider, const char *u, const char *tmpl, bool no_stream)
{
	ra_llm_config c = {.setting = "complete",
	                   .provider = provider,
	                   .url = u,
	                   .model = "m",
	                   .api_key_env = KEY_ENV,
	                   .fim_template = tmpl,
	                   .timeout_ms = 20000,
	                   .connect_timeout_ms = 2000,
	                   .retries = 2,
	                   .max_tokens = 64,
	                   .temperature = 0.2,
	                   .max_reply_bytes = 1 << 20,
	                   .no_stream = no_stream};
	ra_generator *g = NULL;

	setenv(KEY_ENV, KEY, 1);
	if (ra_llm_open(&g, &c) != 0) {
		fprintf(stderr, "ra_llm_open: %s\n", ra_error_last());
		return NULL;
	}
	return g;
}

static const ra_gen_file ctx_files[] = {
        {"rtl/fifo.sv", "module fifo #(parameter W = 8) (input clk, output full);"},
        {"rtl/pkg.vhd", "package pkg is\n  constant N : integer := 4;\nend package;\n"},
};

static ra_gen_request fim_req(void)
{
	static const char *const stops[] = {"\n\n"};

	return (ra_gen_request){.mode = RA_GEN_FIM,
	                        .path = "rtl/top.sv",
	                        .prefix = "module top;\n  fifo u_fifo (",
	                        .suffix = ");\nendmodule\n",
	                        .context = ctx_files,
	                        .ncontext = 2,
	                        .stop = stops,
	                        .nstop = 1,
	                        .temperature = -1};
}

static const ra_gen_message chat_msgs[] = {
        {"system", "You explain RTL."},
        {"user", "What does fifo do?"},
};

static ra_gen_request chat_req(void)
{
	return (ra_gen_request){
	        .mode = RA_GEN_CHAT, .messages = chat_msgs, .nmessages = 2, .temperature = -1};
}

#define EXPECTED_CONTEXT                                                                           \
	"// Path: rtl/fifo.sv\n"                                                                   \
	"module fifo #(parameter W = 8) (input clk, output full);\n\n"                             \
	"-- Path: rtl/pkg.vhd\n"                                                                   \
	"package pkg is\n  constant N : integer := 4;\nend package;\n\n"                           \
	"// Path: rtl/top.sv\n"                                                                    \
	"module top;\n  fifo u_fifo ("

static bool body_is(json_t *rec, json_t *expected)
{
	json_t *body = json_object_get(rec, "body");
	bool eq = json_equal(body, expected);

	if (!eq) {
		char *a = json_dumps(body, JSON_SORT_KEYS),
		     *b = json_dumps(expected, JSON_SORT_KEYS);

		fprintf(stderr, "  sent:     %s\n  expected: %s\n", a ? a : "(null)",
		        b ? b : "(null)");
		free(a);
		free(b);
	}
	json_decref(expected);
	return eq;
}

static const char *rec_str(json_t *rec, const char *key)
{
	return json_string_value(json_object_get(rec, key));
}

/* ---- prompts ------------------------------------------------------------------------------ */

RA_TEST(llm_fim_prompt_templates)
{
	ra_gen_request req = fim_req();
	ra_buf b;

	ra_buf_init(&b, 0);
	RA_CHECK_INT(ra_llm_fim_prompt(&b, "native", &req), 0);
	RA_CHECK_STR(b.data, EXPECTED_CONTEXT);
	ra_buf_reset(&b);
	RA_CHECK_INT(ra_llm_fim_prompt(&b, "qwen", &req), 0);
	RA_CHECK_STR(b.data, "<|fim_prefix|>" EXPECTED_CONTEXT
	                     "<|fim_suffix|>);\nendmodule\n<|fim_middle|>");
	ra_buf_reset(&b);
	RA_CHECK_INT(ra_llm_fim_prompt(&b, "codellama", &req), 0);
	RA_CHECK_STR(b.data, "<PRE> " EXPECTED_CONTEXT " <SUF>);\nendmodule\n <MID>");
	ra_buf_reset(&b);
	RA_CHECK_INT(ra_llm_fim_prompt(&b, "codestral", &req), 0);
	RA_CHECK_STR(b.data, "[SUFFIX]);\nendmodule\n[PREFIX]" EXPECTED_CONTEXT);
	ra_buf_reset(&b);
	RA_CHECK_INT(ra_llm_fim_prompt(&b, "deepseek", &req), 0);
	RA_CHECK(strstr(b.data, "fim\xe2\x96\x81hole") != NULL);
	ra_buf_reset(&b);
	RA_CHECK_INT(ra_llm_fim_prompt(&b, "A{suffix}B{prefix}C", &req), 0);
	RA_CHECK_STR(b.data, "A);\nendmodule\nB" EXPECTED_CONTEXT "C");
	ra_buf_reset(&b);
	RA_CHECK_INT(ra_llm_fim_prompt(&b, "nonsense", &req), RA_EINVAL);
	RA_CHECK(strstr(ra_error_last(), "qwen") != NULL);
	/* a VHDL file being edited gets -- comments for its own path line */
	ra_buf_reset(&b);
	req = (ra_gen_request){.mode = RA_GEN_FIM, .path = "a/B.VHDL", .prefix = "x"};
	RA_CHECK_INT(ra_llm_fim_prompt(&b, NULL, &req), 0);
	RA_CHECK_STR(b.data, "-- Path: a/B.VHDL\nx");
	ra_buf_free(&b);
}

/* ---- request bodies and streaming, per provider ------------------------------------------- */

RA_TEST(llm_openai_fim_stream)
{
	ra_generator *g;
	ra_gen_request req = fim_req();
	collect c = {0};
	json_t *rec;

	if (!srv_up())
		RA_SKIP("python3 model server did not start");
	RA_CHECK((g = open_gen("openai", url(NULL), NULL, false)) != NULL);
	RA_CHECK_STR(g->describe(g), "openai/m");
	RA_CHECKF(g->generate(g, &req, on_text, &c, NULL) == 0, "%s", ra_error_last());
	rec = last_request();
	RA_CHECK_STR(rec_str(rec, "path"), "/v1/completions");
	RA_CHECK_STR(json_string_value(
	                     json_object_get(json_object_get(rec, "headers"), "authorization")),
	             "Bearer " KEY);
	RA_CHECK(body_is(rec, json_pack("{s:s,s:s,s:s,s:i,s:f,s:[s],s:b}", "model", "m", "prompt",
	                                EXPECTED_CONTEXT, "suffix", ");\nendmodule\n", "max_tokens",
	                                64, "temperature", 0.2, "stop", "\n\n", "stream", 1)));
	json_decref(rec);
	/* the server names the files it found in the prompt, in order */
	RA_CHECK_STR(c.text, "files=rtl/fifo.sv,rtl/pkg.vhd,rtl/top.sv");
	RA_CHECK(c.pieces == 1); /* one word: one piece */
	ra_llm_free(g);
}

RA_TEST(llm_openai_chat_stream_and_whole)
{
	ra_generator *g;
	ra_gen_request req = chat_req();
	collect c = {0};
	json_t *rec;

	if (!srv_up())
		RA_SKIP("python3 model server did not start");
	/* an OpenAI base URL given with its /v1 */
	snprintf(url_buf, sizeof(url_buf), "http://127.0.0.1:%d/v1/", srv.port);
	RA_CHECK((g = open_gen("openai", url_buf, NULL, false)) != NULL);
	req.max_tokens = 7;
	req.temperature = 0.5;
	RA_CHECKF(g->generate(g, &req, on_text, &c, NULL) == 0, "%s", ra_error_last());
	rec = last_request();
	RA_CHECK_STR(rec_str(rec, "path"), "/v1/chat/completions");
	RA_CHECK(body_is(rec, json_pack("{s:s,s:[{s:s,s:s},{s:s,s:s}],s:i,s:f,s:b}", "model", "m",
	                                "messages", "role", "system", "content", "You explain RTL.",
	                                "role", "user", "content", "What does fifo do?",
	                                "max_tokens", 7, "temperature", 0.5, "stream", 1)));
	json_decref(rec);
	/* streamed word by word, in order */
	RA_CHECK_STR(c.text, "echo: What does fifo do?");
	RA_CHECK_INT(c.pieces, 5);
	ra_llm_free(g);

	memset(&c, 0, sizeof(c));
	RA_CHECK((g = open_gen("openai", url(NULL), NULL, true)) != NULL);
	RA_CHECKF(g->generate(g, &req, on_text, &c, NULL) == 0, "%s", ra_error_last());
	RA_CHECK_STR(c.text, "echo: What does fifo do?");
	RA_CHECK_INT(c.pieces, 1);
	rec = last_request();
	RA_CHECK(json_is_false(json_object_get(json_object_get(rec, "body"), "stream")));
	json_decref(rec);
	ra_llm_free(g);
}

RA_TEST(llm_ollama_bodies)
{
	ra_generator *g;
	ra_gen_request req = fim_req();
	collect c = {0};
	json_t *rec;

	if (!srv_up())
		RA_SKIP("python3 model server did not start");
	/* native: prompt + suffix, the server applies the model's template */
	RA_CHECK((g = open_gen("ollama", url(NULL), "native", false)) != NULL);
	RA_CHECKF(g->generate(g, &req, on_text, &c, NULL) == 0, "%s", ra_error_last());
	rec = last_request();
	RA_CHECK_STR(rec_str(rec, "path"), "/api/generate");
	RA_CHECK(body_is(rec, json_pack("{s:s,s:s,s:s,s:b,s:{s:i,s:f,s:[s]}}", "model", "m",
	                                "prompt", EXPECTED_CONTEXT, "suffix", ");\nendmodule\n",
	                                "stream", 1, "options", "num_predict", 64, "temperature",
	                                0.2, "stop", "\n\n")));
	json_decref(rec);
	RA_CHECK_STR(c.text, "files=rtl/fifo.sv,rtl/pkg.vhd,rtl/top.sv");
	ra_llm_free(g);

	/* a family template: raw prompt, no suffix field */
	memset(&c, 0, sizeof(c));
	RA_CHECK((g = open_gen("ollama", url(NULL), "starcoder", true)) != NULL);
	RA_CHECKF(g->generate(g, &req, on_text, &c, NULL) == 0, "%s", ra_error_last());
	rec = last_request();
	RA_CHECK(body_is(rec,
	                 json_pack("{s:s,s:s,s:b,s:b,s:{s:i,s:f,s:[s]}}", "model", "m", "prompt",
	                           "<fim_prefix>" EXPECTED_CONTEXT
	                           "<fim_suffix>);\nendmodule\n<fim_middle>",
	                           "raw", 1, "stream", 0, "options", "num_predict", 64,
	                           "temperature", 0.2, "stop", "\n\n")));
	json_decref(rec);
	RA_CHECK_STR(c.text, "files=rtl/fifo.sv,rtl/pkg.vhd,rtl/top.sv");

	/* chat */
	memset(&c, 0, sizeof(c));
	req = chat_req();
	RA_CHECKF(g->generate(g, &req, on_text, &c, NULL) == 0, "%s", ra_error_last());
	rec = last_request();
	RA_CHECK_STR(rec_str(rec, "path"), "/api/chat");
	RA_CHECK(body_is(rec,
	                 json_pack("{s:s,s:[{s:s,s:s},{s:s,s:s}],s:b,s:{s:i,s:f}}", "model", "m",
	                           "messages", "role", "system", "content", "You explain RTL.",
	                           "role", "user", "content", "What does fifo do?", "stream", 0,
	                           "options", "num_predict", 64, "temperature", 0.2)));
	json_decref(rec);
	RA_CHECK_STR(c.text, "echo: What does fifo do?");
	ra_llm_free(g);

	/* chat, streamed as NDJSON */
	memset(&c, 0, sizeof(c));
	RA_CHECK((g = open_gen("ollama", url(NULL), NULL, false)) != NULL);
	RA_CHECKF(g->generate(g, &req, on_text, &c, NULL) == 0, "%s", ra_error_last());
	RA_CHECK_STR(c.text, "echo: What does fifo do?");
	RA_CHECK_INT(c.pieces, 5);
	ra_llm_free(g);
}

RA_TEST(llm_llamacpp_bodies)
{
	ra_generator *g;
	ra_gen_request req = fim_req();
	collect c = {0};
	json_t *rec;

	if (!srv_up())
		RA_SKIP("python3 model server did not start");
	RA_CHECK((g = open_gen("llamacpp", url(NULL), NULL, false)) != NULL);
	RA_CHECKF(g->generate(g, &req, on_text, &c, NULL) == 0, "%s", ra_error_last());
	rec = last_request();
	RA_CHECK_STR(rec_str(rec, "path"), "/infill");
	RA_CHECK(body_is(rec,
	                 json_pack("{s:s,s:s,s:[{s:s,s:s},{s:s,s:s}],s:i,s:f,s:[s],s:b,s:b}",
	                           "input_prefix", "module top;\n  fifo u_fifo (", "input_suffix",
	                           ");\nendmodule\n", "input_extra", "filename", "rtl/fifo.sv",
	                           "text", ctx_files[0].text, "filename", "rtl/pkg.vhd", "text",
	                           ctx_files[1].text, "n_predict", 64, "temperature", 0.2, "stop",
	                           "\n\n", "stream", 1, "cache_prompt", 1)));
	json_decref(rec);
	RA_CHECK_STR(c.text, "files=rtl/fifo.sv,rtl/pkg.vhd");

	/* chat through /completion: the conversation as a transcript */
	memset(&c, 0, sizeof(c));
	req = chat_req();
	RA_CHECKF(g->generate(g, &req, on_text, &c, NULL) == 0, "%s", ra_error_last());
	rec = last_request();
	RA_CHECK_STR(rec_str(rec, "path"), "/completion");
	RA_CHECK(body_is(rec, json_pack("{s:s,s:i,s:f,s:[s],s:b,s:b}", "prompt",
	                                "System: You explain RTL.\n\nUser: What does fifo do?\n\n"
	                                "Assistant:",
	                                "n_predict", 64, "temperature", 0.2, "stop",
	                                "\nUser:", "stream", 1, "cache_prompt", 1)));
	json_decref(rec);
	/* the server honours the stop string "\nUser:" as llama.cpp would */
	RA_CHECK_STR(c.text, "echo: System: You explain RTL.\n");
	RA_CHECK(c.pieces > 3);
	ra_llm_free(g);

	/* whole replies, and a FIM template through /completion */
	memset(&c, 0, sizeof(c));
	RA_CHECK((g = open_gen("llamacpp", url(NULL), "qwen", true)) != NULL);
	req = fim_req();
	RA_CHECKF(g->generate(g, &req, on_text, &c, NULL) == 0, "%s", ra_error_last());
	rec = last_request();
	RA_CHECK_STR(rec_str(rec, "path"), "/completion");
	RA_CHECK_STR(json_string_value(json_object_get(json_object_get(rec, "body"), "prompt")),
	             "<|fim_prefix|>" EXPECTED_CONTEXT
	             "<|fim_suffix|>);\nendmodule\n<|fim_middle|>");
	json_decref(rec);
	RA_CHECK_STR(c.text, "files=rtl/fifo.sv,rtl/pkg.vhd,rtl/top.sv");
	ra_llm_free(g);
}

RA_TEST(llm_invalid_utf8_and_early_stop)
{
	ra_generator *g;
	ra_gen_request req = fim_req();
	collect c = {.stop_after = 2};
	json_t *rec;

	if (!srv_up())
		RA_SKIP("python3 model server did not start");
	RA_CHECK((g = open_gen("ollama", url(NULL), NULL, false)) != NULL);
	/* Latin-1 bytes in the edited file are sent as U+FFFD, never an invalid body */
	req.prefix = "-- caf\xe9 <<reply:a b c d e>>";
	req.path = NULL;
	req.ncontext = 0;
	RA_CHECKF(g->generate(g, &req, on_text, &c, NULL) == 0, "%s", ra_error_last());
	rec = last_request();
	RA_CHECK_STR(json_string_value(json_object_get(json_object_get(rec, "body"), "prompt")),
	             "-- caf\xef\xbf\xbd <<reply:a b c d e>>");
	json_decref(rec);
	/* on_text ended the request after two pieces: not an error */
	RA_CHECK_STR(c.text, "a b ");
	RA_CHECK_INT(c.pieces, 2);
	ra_llm_free(g);
}

/* ---- failures ----------------------------------------------------------------------------- */

/* runs fim_req against provider at url(behavior); returns the code, fills c and *secs */
static int run_one(const char *provider, const char *behavior, bool no_stream, int timeout_ms,
                   collect *c, double *secs, volatile int *cancel)
{
	ra_llm_config cfg = {.setting = "chat",
	                     .provider = provider,
	                     .url = url(behavior),
	                     .model = "m",
	                     .api_key_env = KEY_ENV,
	                     .timeout_ms = timeout_ms,
	                     .connect_timeout_ms = 1000,
	                     .retries = 2,
	                     .max_reply_bytes = 1 << 20,
	                     .no_stream = no_stream};
	ra_gen_request req = fim_req();
	ra_generator *g = NULL;
	double t0 = ra_now();
	int rc;

	setenv(KEY_ENV, KEY, 1);
	rc = ra_llm_open(&g, &cfg);
	if (rc)
		return 99;
	rc = g->generate(g, &req, on_text, c, cancel);
	*secs = ra_now() - t0;
	ra_llm_free(g);
	return rc;
}

RA_TEST(llm_fail_401_no_key_in_message)
{
	const char *const providers[] = {"openai", "ollama", "llamacpp"};
	double secs;

	if (!srv_up())
		RA_SKIP("python3 model server did not start");
	for (int i = 0; i < 3; i++) {
		collect c = {0};
		size_t before = nrequests();
		int rc = run_one(providers[i], "401", false, 10000, &c, &secs, NULL);

		RA_CHECK_INT(rc, RA_ERR);
		RA_CHECKF(strstr(ra_error_last(), "HTTP 401") &&
		                  strstr(ra_error_last(), "check $" KEY_ENV),
		          "%s", ra_error_last());
		/* the server echoed the key back: it is masked */
		RA_CHECKF(strstr(ra_error_last(), "Bearer ***") != NULL, "%s", ra_error_last());
		RA_CHECKF(strstr(ra_error_last(), "SECRET") == NULL, "%s", ra_error_last());
		RA_CHECK_INT(nrequests() - before, 1); /* never retried */
		RA_CHECK_INT(c.len, 0);
	}
}

RA_TEST(llm_fail_429_retry_after)
{
	collect c = {0};
	double secs;
	size_t before;
	int rc;

	if (!srv_up())
		RA_SKIP("python3 model server did not start");
	before = nrequests();
	rc = run_one("ollama", "429~t429", false, 20000, &c, &secs, NULL);
	RA_CHECKF(rc == 0, "%s", ra_error_last());
	RA_CHECK_STR(c.text, "files=rtl/fifo.sv,rtl/pkg.vhd,rtl/top.sv");
	RA_CHECK_INT(nrequests() - before, 2);
	/* Retry-After: 1 was honoured (the first backoff alone would be 0.25 s) */
	RA_CHECKF(secs >= 0.95, "%.3f s", secs);
}

RA_TEST(llm_fail_500_then_success_and_always)
{
	collect c = {0};
	double secs;
	size_t before;
	int rc;

	if (!srv_up())
		RA_SKIP("python3 model server did not start");
	before = nrequests();
	rc = run_one("openai", "500~t500", true, 20000, &c, &secs, NULL);
	RA_CHECKF(rc == 0, "%s", ra_error_last());
	RA_CHECK_STR(c.text, "files=rtl/fifo.sv,rtl/pkg.vhd,rtl/top.sv");
	RA_CHECK_INT(nrequests() - before, 2);

	memset(&c, 0, sizeof(c));
	before = nrequests();
	rc = run_one("llamacpp", "500always", false, 20000, &c, &secs, NULL);
	RA_CHECK_INT(rc, RA_ERR);
	RA_CHECKF(strstr(ra_error_last(), "HTTP 500") &&
	                  strstr(ra_error_last(), "the model crashed"),
	          "%s", ra_error_last());
	RA_CHECK_INT(nrequests() - before, 3); /* the first attempt and 2 retries */
}

RA_TEST(llm_fail_malformed_json)
{
	const char *const providers[] = {"openai", "ollama", "llamacpp"};
	double secs;

	if (!srv_up())
		RA_SKIP("python3 model server did not start");
	for (int i = 0; i < 3; i++)
		for (int whole = 0; whole < 2; whole++) {
			collect c = {0};
			int rc = run_one(providers[i], "badjson", whole, 10000, &c, &secs, NULL);

			RA_CHECKF(rc == RA_EINVAL, "%s %d: %d %s", providers[i], whole, rc,
			          ra_error_last());
			RA_CHECKF(strstr(ra_error_last(), "malformed"), "%s", ra_error_last());
		}
}

RA_TEST(llm_fail_truncated)
{
	const char *const providers[] = {"openai", "ollama", "llamacpp"};
	double secs;

	if (!srv_up())
		RA_SKIP("python3 model server did not start");
	for (int i = 0; i < 3; i++) {
		collect c = {0};
		size_t before = nrequests();
		int rc;

		/* a stream cut after two pieces: an error after the text already delivered */
		rc = run_one(providers[i], "truncate", false, 10000, &c, &secs, NULL);
		RA_CHECKF(rc == RA_ERR, "%s: %d %s", providers[i], rc, ra_error_last());
		RA_CHECKF(strstr(ra_error_last(), "end marker"), "%s", ra_error_last());
		RA_CHECK(c.len > 0);
		RA_CHECK_INT(nrequests() - before, 1); /* text was delivered: never retried */
		/* a whole reply shorter than its Content-Length */
		memset(&c, 0, sizeof(c));
		rc = run_one(providers[i], "truncate", true, 10000, &c, &secs, NULL);
		RA_CHECKF(rc == RA_ERR || rc == RA_EINVAL, "%s: %d %s", providers[i], rc,
		          ra_error_last());
		RA_CHECK_INT(c.len, 0);
	}
}

RA_TEST(llm_fail_slower_than_timeout)
{
	collect c = {0};
	double secs;
	int rc;

	if (!srv_up())
		RA_SKIP("python3 model server did not start");
	/* the server waits 3 s; the whole call may take 1 s, retries included */
	rc = run_one("openai", "slow", false, 1000, &c, &secs, NULL);
	RA_CHECK_INT(rc, RA_ERR);
	RA_CHECKF(strstr(ra_error_last(), "no reply within 1000 ms (chat.timeout_ms)"), "%s",
	          ra_error_last());
	RA_CHECK(secs >= 0.9);
	RA_CHECK_INT(c.len, 0);
}

RA_TEST(llm_fail_endpoint_down)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), saved;
	collect c = {0};
	double secs;
	int rc;

	if (!srv_up())
		RA_SKIP("python3 model server did not start");
	/* a port that was free a moment ago and has nobody listening */
	RA_CHECK(fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0);
	RA_CHECK(getsockname(fd, (struct sockaddr *)&a, &alen) == 0);
	close(fd);
	saved = srv.port;
	srv.port = ntohs(a.sin_port);
	rc = run_one("ollama", NULL, false, 5000, &c, &secs, NULL);
	srv.port = saved;
	RA_CHECK_INT(rc, RA_ERR);
	RA_CHECKF(strstr(ra_error_last(), "connect") || strstr(ra_error_last(), "Connect"), "%s",
	          ra_error_last());
	/* two retries with backoff 250 + 500 ms */
	RA_CHECK(secs >= 0.7);
}

RA_TEST(llm_cancel_mid_stream)
{
	const char *const providers[] = {"openai", "ollama", "llamacpp"};
	double secs;

	if (!srv_up())
		RA_SKIP("python3 model server did not start");
	for (int i = 0; i < 3; i++) {
		volatile int cancel = 0;
		collect c = {.cancel_after = 3, .cancel = &cancel};
		int rc = run_one(providers[i], "trickle", false, 60000, &c, &secs, &cancel);

		RA_CHECKF(rc == RA_ECANCELLED, "%s: %d %s", providers[i], rc, ra_error_last());
		RA_CHECK_STR(c.text, "t0 t1 t2 ");
		RA_CHECK(strstr(ra_error_last(), "SECRET") == NULL);
	}
}

typedef struct canceller {
	volatile int *flag;
	double after;
} canceller;

static void *cancel_later(void *arg)
{
	canceller *k = arg;
	struct timespec ts = {0, (long)(k->after * 1e9)};

	nanosleep(&ts, NULL);
	*k->flag = 1;
	return NULL;
}

RA_TEST(llm_cancel_while_waiting)
{
	volatile int cancel = 0;
	canceller k = {&cancel, 0.2};
	collect c = {0};
	pthread_t t;
	double secs;
	int rc;

	if (!srv_up())
		RA_SKIP("python3 model server did not start");
	/* the server sits on the request for 3 s; another thread cancels after 0.2 s */
	RA_CHECK(pthread_create(&t, NULL, cancel_later, &k) == 0);
	rc = run_one("llamacpp", "slow", false, 60000, &c, &secs, &cancel);
	pthread_join(t, NULL);
	RA_CHECK_INT(rc, RA_ECANCELLED);
	RA_CHECK_INT(c.len, 0);
}

RA_TEST(llm_fail_reply_too_big)
{
	collect c = {0};
	double secs;
	int rc;

	if (!srv_up())
		RA_SKIP("python3 model server did not start");
	rc = run_one("llamacpp", "big", true, 20000, &c, &secs, NULL);
	RA_CHECKF(rc == RA_ETOOBIG, "%d %s", rc, ra_error_last());
	rc = run_one("ollama", "big", false, 20000, &c, &secs, NULL);
	RA_CHECKF(rc == RA_ETOOBIG, "%d %s", rc, ra_error_last());
}

/* ---- configuration ------------------------------------------------------------------------ */

RA_TEST(llm_from_config)
{
	static const char text[] =
	        "[complete]\nprovider = \"ollama\"\nurl = \"http://127.0.0.1:9\"\n"
	        "model = \"qwen2.5-coder:1.5b\"\nfim_template = \"qwen\"\n"
	        "temperature = 0.35\n"
	        "[chat]\nprovider = \"openai\"\nurl = \"http://127.0.0.1:9/v1\"\n"
	        "model = \"gpt\"\napi_key_env = \"RA_TEST_LLM_UNSET\"\n";
	ra_config *c = ra_config_new();
	ra_generator *g = (ra_generator *)1;

	RA_CHECK(c != NULL);
	/* nothing configured: no generator, nothing sent */
	RA_CHECK_INT(ra_llm_from_config(&g, c, "complete", NULL), 0);
	RA_CHECK(g == NULL);
	RA_CHECK_INT(ra_llm_from_config(&g, c, "chat", NULL), 0);
	RA_CHECK(g == NULL);
	RA_CHECK_INT(ra_config_parse(c, text, strlen(text), "t.toml", NULL), 0);
	RA_CHECK(c->complete_temperature > 0.349 && c->complete_temperature < 0.351);
	RA_CHECK_INT(ra_llm_from_config(&g, c, "complete", NULL), 0);
	RA_CHECK(g != NULL);
	RA_CHECK_STR(g->describe(g), "ollama/qwen2.5-coder:1.5b");
	ra_llm_free(g);
	unsetenv("RA_TEST_LLM_UNSET");
	RA_CHECK_INT(ra_llm_from_config(&g, c, "chat", NULL), RA_EINVAL);
	RA_CHECKF(strstr(ra_error_last(), "RA_TEST_LLM_UNSET") &&
	                  strstr(ra_error_last(), "chat.api_key_env"),
	          "%s", ra_error_last());
	RA_CHECK(g == NULL);
	/* bad values are named */
	RA_CHECK_INT(ra_config_parse(c, "chat.provider = \"gpt5\"\n", 23, "t.toml", NULL), 0);
	RA_CHECK_INT(ra_llm_from_config(&g, c, "chat", NULL), RA_EINVAL);
	RA_CHECKF(strstr(ra_error_last(), "chat.provider"), "%s", ra_error_last());
	RA_CHECK_INT(ra_config_parse(c, "complete.temperature = 3\n", 25, "t.toml", NULL),
	             RA_EINVAL);
	RA_CHECK_INT(ra_config_parse(c, "complete.fim_template = \"zz\"\n", 29, "t.toml", NULL), 0);
	RA_CHECK_INT(ra_llm_from_config(&g, c, "complete", NULL), RA_EINVAL);
	RA_CHECKF(strstr(ra_error_last(), "complete.fim_template"), "%s", ra_error_last());
	ra_config_free(c);
}

RA_TEST_MAIN()
