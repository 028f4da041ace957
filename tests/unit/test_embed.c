/*
 * test_embed.c - embedders. Builtin: deterministic, unit length, related texts closer than
 * unrelated ones. HTTP providers against a loopback server run by the test (127.0.0.1 only):
 * exact request bodies per provider, batching, 401, 429 with Retry-After, 500 then success,
 * malformed replies, a reply slower than the timeout, a server that is down, and the API key
 * sent but never logged.
 */
#define _GNU_SOURCE
#include "indexer/embed.h"
#include "indexer/http.h"
#include "tests/ra_test.h"

#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ---- builtin ------------------------------------------------------------------------------ */

static float dot(const float *a, const float *b, int n)
{
	float s = 0;

	for (int i = 0; i < n; i++)
		s += a[i] * b[i];
	return s;
}

RA_TEST(embed_builtin_deterministic_unit_similar)
{
	static const char *const texts[] = {
	        "always_ff @(posedge clk_i) if (!rst_ni) cnt_q <= '0; else if (en_i) cnt_q <= "
	        "cnt_q + 1;",
	        "always @(posedge clk) if (reset) count <= 0; else if (enable) count <= count + 1;",
	        "assign tx_o = shift_reg[0]; // uart transmit serialiser, baud tick from divider",
	        ""};
	ra_embed_config cfg = {.provider = "builtin"};
	ra_embedder *a = NULL, *b = NULL;
	float va[4 * 384], vb[4 * 384];

	RA_CHECK(ra_embedder_open(&a, &cfg) == 0);
	RA_CHECK(ra_embedder_open(&b, &cfg) == 0);
	RA_CHECK_STR(ra_embedder_id(a), "builtin-v1/384");
	RA_CHECK_INT(ra_embedder_dim(a), 384);
	RA_CHECK(ra_embedder_probe(a, NULL) == 0);
	RA_CHECK(ra_embed(a, texts, 4, va, NULL) == 0);
	RA_CHECK(ra_embed(b, texts, 4, vb, NULL) == 0);
	RA_CHECK(memcmp(va, vb, sizeof(va)) == 0);
	for (int i = 0; i < 3; i++)
		RA_CHECKF(fabsf(dot(va + i * 384, va + i * 384, 384) - 1.0f) < 1e-4f, "text %d", i);
	RA_CHECK(dot(va + 3 * 384, va + 3 * 384, 384) == 0.0f);
	/* the two counters (abbreviated and spelled out) are closer than counter and uart */
	RA_CHECKF(dot(va, va + 384, 384) > dot(va, va + 768, 384) + 0.1f, "%f vs %f",
	          dot(va, va + 384, 384), dot(va, va + 768, 384));
	ra_embedder_close(a);
	ra_embedder_close(b);

	cfg.dim = 128;
	RA_CHECK(ra_embedder_open(&a, &cfg) == 0);
	RA_CHECK_STR(ra_embedder_id(a), "builtin-v1/128");
	ra_embedder_close(a);
}

/* request text is made valid UTF-8 for JSON: each bad byte becomes U+FFFD, good ones stay */
RA_TEST(http_utf8_clean)
{
	static const struct {
		const char *in;
		size_t n;
		const char *out;
	} cases[] = {
	        {"caf\xc3\xa9", 5, "caf\xc3\xa9"}, /* valid 2-byte */
	        {"\xe2\x82\xac \xf0\x9f\x98\x80", 8, "\xe2\x82\xac \xf0\x9f\x98\x80"}, /* 3, 4 */
	        {"caf\xe9!", 5, "caf\xef\xbf\xbd!"},                                   /* Latin-1 */
	        {"\xc0\xaf", 2, "\xef\xbf\xbd\xef\xbf\xbd"},                 /* overlong '/' */
	        {"\xed\xa0\x80", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"}, /* surrogate */
	        {"a\0b", 3,
	         "a\xef\xbf\xbd"
	         "b"},                                       /* NUL */
	        {"\xe2\x82", 2, "\xef\xbf\xbd\xef\xbf\xbd"}, /* cut short */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ra_buf b;

		ra_buf_init(&b, 0);
		RA_CHECK(ra_http_utf8_clean(&b, cases[i].in, cases[i].n) == 0);
		RA_CHECKF(b.len == strlen(cases[i].out) && !memcmp(b.data, cases[i].out, b.len),
		          "case %zu", i);
		ra_buf_free(&b);
	}
}

RA_TEST(embed_bad_configs)
{
	ra_embedder *e = NULL;

	RA_CHECK_INT(ra_embedder_open(&e, &(ra_embed_config){.provider = "magic"}), RA_EINVAL);
	RA_CHECK(strstr(ra_error_last(), "magic") != NULL);
	RA_CHECK_INT(ra_embedder_open(&e, &(ra_embed_config){.provider = "openai", .model = "m"}),
	             RA_EINVAL);
	RA_CHECK(strstr(ra_error_last(), "embed.url") != NULL);
	RA_CHECK_INT(ra_embedder_open(&e, &(ra_embed_config){.provider = "ollama",
	                                                     .url = "ftp://x",
	                                                     .model = "m"}),
	             RA_EINVAL);
	RA_CHECK_INT(ra_embedder_open(&e, &(ra_embed_config){.provider = "builtin", .dim = -1}),
	             RA_EINVAL);
	unsetenv("RA_TEST_NO_SUCH_KEY");
	RA_CHECK_INT(ra_embedder_open(&e, &(ra_embed_config){.provider = "openai",
	                                                     .url = "http://127.0.0.1:1",
	                                                     .model = "m",
	                                                     .api_key_env = "RA_TEST_NO_SUCH_KEY"}),
	             RA_EINVAL);
	RA_CHECK(strstr(ra_error_last(), "RA_TEST_NO_SUCH_KEY") != NULL);
}

/* ---- loopback server ---------------------------------------------------------------------- */

typedef struct reply {
	int status;
	const char *headers; /* extra header lines, each ending in \r\n */
	const char *body;
	int delay_ms;
} reply;

typedef struct server {
	int fd, port;
	const reply *script;
	int nscript;
	char requests[8][8192]; /* what each connection sent */
	int nrequests;
	pthread_t th;
} server;

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* reads one request: headers, then Content-Length bytes of body */
static void read_request(int c, char *buf, size_t cap)
{
	size_t len = 0;

	while (len + 1 < cap) {
		ssize_t n = read(c, buf + len, cap - 1 - len);
		char *end, *cl;

		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		end = strstr(buf, "\r\n\r\n");
		if (!end)
			continue;
		cl = strcasestr(buf, "Content-Length:");
		if (!cl || strlen(end + 4) >= (size_t)atoi(cl + 15))
			break;
	}
	buf[len] = '\0';
}

static void *serve(void *arg)
{
	server *s = arg;

	for (int i = 0; i < s->nscript; i++) {
		const reply *r = &s->script[i];
		char head[512];
		int c = accept(s->fd, NULL, NULL);

		if (c < 0)
			break;
		read_request(c, s->requests[s->nrequests < 8 ? s->nrequests++ : 7],
		             sizeof(s->requests[0]));
		if (r->delay_ms)
			sleep_ms(r->delay_ms);
		snprintf(head, sizeof(head),
		         "HTTP/1.1 %d X\r\nContent-Type: application/json\r\n%sContent-Length: "
		         "%zu\r\nConnection: close\r\n\r\n",
		         r->status, r->headers ? r->headers : "", strlen(r->body));
		send(c, head, strlen(head), MSG_NOSIGNAL);
		send(c, r->body, strlen(r->body), MSG_NOSIGNAL);
		close(c);
	}
	return NULL;
}

static int server_start(server *s, const reply *script, int n)
{
	struct sockaddr_in addr = {.sin_family = AF_INET};
	socklen_t alen = sizeof(addr);

	memset(s, 0, sizeof(*s));
	s->script = script;
	s->nscript = n;
	s->fd = socket(AF_INET, SOCK_STREAM, 0);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s->fd < 0 || bind(s->fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 ||
	    listen(s->fd, 8) != 0 || getsockname(s->fd, (struct sockaddr *)&addr, &alen) != 0)
		return -1;
	s->port = ntohs(addr.sin_port);
	return pthread_create(&s->th, NULL, serve, s);
}

static void server_stop(server *s)
{
	/* the client has made every request it will make: unblock a waiting accept */
	shutdown(s->fd, SHUT_RDWR);
	pthread_join(s->th, NULL);
	close(s->fd);
}

static const char *body_of(const char *request)
{
	const char *b = strstr(request, "\r\n\r\n");

	return b ? b + 4 : "";
}

typedef struct logbuf {
	char text[16384];
} logbuf;

static void on_log(ra_log_level level, const char *msg, void *payload)
{
	logbuf *l = payload;
	size_t n = strlen(l->text);

	(void)level;
	snprintf(l->text + n, sizeof(l->text) - n, "%s\n", msg);
}

static ra_embedder *open_http(const char *provider, int port, int batch, int retries,
                              int timeout_ms, const char *key_env, ra_logger *lg)
{
	char url[64];
	ra_embedder *e = NULL;
	ra_embed_config cfg = {.provider = provider,
	                       .url = url,
	                       .model = "m",
	                       .api_key_env = key_env,
	                       .batch = batch,
	                       .retries = retries,
	                       .timeout_ms = timeout_ms,
	                       .log = lg};

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);
	return ra_embedder_open(&e, &cfg) == 0 ? e : NULL;
}

#define KEY "sekrit-KEY-4242"

RA_TEST(embed_openai_bodies_batching_key_never_logged)
{
	static const reply script[] = {
	        {200, NULL,
	         "{\"data\":[{\"index\":1,\"embedding\":[0,2]},{\"index\":0,\"embedding\":[3,4]}]}",
	         0},
	        {200, NULL, "{\"data\":[{\"index\":0,\"embedding\":[1,0]}]}", 0}};
	static const char *const texts[] = {"a", "b\xff\"q", "c"};
	logbuf lb = {""};
	ra_logger lg = {on_log, &lb, RA_LOG_DEBUG};
	server s;
	ra_embedder *e;
	float v[6] = {0};

	setenv("RA_TEST_EMBED_KEY", KEY, 1);
	RA_CHECK(server_start(&s, script, 2) == 0);
	e = open_http("openai", s.port, 2, 0, 5000, "RA_TEST_EMBED_KEY", &lg);
	RA_CHECK(e != NULL);
	RA_CHECK_STR(ra_embedder_id(e), "openai/m");
	RA_CHECK_INT(ra_embedder_dim(e), 0);
	RA_CHECK_INT(ra_embed(e, texts, 3, v, NULL), RA_EINVAL); /* dimension not known yet */
	ra_embedder_close(e);
	e = open_http("openai", s.port, 2, 0, 5000, "RA_TEST_EMBED_KEY", &lg);
	{
		/* dim known from the settings: two requests of 2 and 1 texts */
		char url[64];
		ra_embed_config cfg = {.provider = "openai",
		                       .url = url,
		                       .model = "m",
		                       .api_key_env = "RA_TEST_EMBED_KEY",
		                       .dim = 2,
		                       .batch = 2,
		                       .timeout_ms = 5000,
		                       .log = &lg};

		ra_embedder_close(e);
		snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1", s.port);
		RA_CHECK(ra_embedder_open(&e, &cfg) == 0);
	}
	RA_CHECK_STR(ra_embedder_id(e), "openai/m/2");
	RA_CHECKF(ra_embed(e, texts, 3, v, NULL) == 0, "%s", ra_error_last());
	ra_embedder_close(e);
	server_stop(&s);
	RA_CHECK_INT(s.nrequests, 2);
	RA_CHECK(strncmp(s.requests[0], "POST /v1/embeddings HTTP/1.1\r\n", 30) == 0);
	/* invalid UTF-8 is replaced, quotes escaped */
	RA_CHECKF(strcmp(body_of(s.requests[0]),
	                 "{\"model\":\"m\",\"input\":[\"a\",\"b\xef\xbf\xbd\\\"q\"]}") == 0,
	          "%s", body_of(s.requests[0]));
	RA_CHECK_STR(body_of(s.requests[1]), "{\"model\":\"m\",\"input\":[\"c\"]}");
	RA_CHECK(strstr(s.requests[0], "Authorization: Bearer " KEY "\r\n") != NULL);
	/* replies in index order, normalised */
	RA_CHECK(fabsf(v[0] - 0.6f) < 1e-6f && fabsf(v[1] - 0.8f) < 1e-6f);
	RA_CHECK(v[2] == 0.0f && v[3] == 1.0f && v[4] == 1.0f && v[5] == 0.0f);
	RA_CHECK(strstr(lb.text, "embed: POST") != NULL);
	RA_CHECK(strstr(lb.text, KEY) == NULL);
}

RA_TEST(embed_ollama_and_llamacpp_bodies)
{
	static const reply ollama1[] = {{200, NULL, "{\"embeddings\":[[3,4]]}", 0}};
	static const reply ollama[] = {{200, NULL, "{\"embeddings\":[[3,4],[0,1]]}", 0}};
	static const reply llama[] = {
	        {200, NULL,
	         "[{\"index\":0,\"embedding\":[[1,0,0]]},{\"index\":1,\"embedding\":[[0,0,5]]}]",
	         0},
	        {200, NULL, "{\"embedding\":[0,1,0]}", 0}};
	static const char *const texts[] = {"x", "y"};
	server s;
	ra_embedder *e;
	float v[6];

	RA_CHECK(server_start(&s, ollama1, 1) == 0);
	e = open_http("ollama", s.port, 8, 0, 5000, NULL, NULL);
	RA_CHECK(e && ra_embedder_probe(e, NULL) == 0); /* learns dim 2 */
	server_stop(&s);
	RA_CHECK_INT(ra_embedder_dim(e), 2);
	RA_CHECK(strncmp(s.requests[0], "POST /api/embed HTTP/1.1\r\n", 26) == 0);
	RA_CHECK_STR(body_of(s.requests[0]),
	             "{\"model\":\"m\",\"input\":[\"module probe; endmodule\"]}");
	RA_CHECK(strstr(s.requests[0], "Authorization") == NULL);
	ra_embedder_close(e);

	RA_CHECK(server_start(&s, ollama, 1) == 0);
	e = open_http("ollama", s.port, 8, 0, 5000, NULL, NULL);
	RA_CHECK(e != NULL);
	RA_CHECK_INT(ra_embedder_probe(e, NULL), RA_EINVAL); /* 2 embeddings for 1 text */
	RA_CHECKF(strstr(ra_error_last(), "no list of embeddings") != NULL, "%s", ra_error_last());
	server_stop(&s);
	ra_embedder_close(e);

	RA_CHECK(server_start(&s, llama, 2) == 0);
	e = open_http("llamacpp", s.port, 8, 0, 5000, NULL, NULL);
	RA_CHECK(e != NULL);
	RA_CHECK_STR(ra_embedder_id(e), "llamacpp/m");
	RA_CHECK(ra_embedder_probe(e, NULL) == RA_EINVAL); /* 2 for 1 again: dim stays 0 */
	RA_CHECK(ra_embedder_probe(e, NULL) == 0);         /* the single-object form */
	server_stop(&s);
	RA_CHECK_INT(ra_embedder_dim(e), 3);
	RA_CHECK(strncmp(s.requests[0], "POST /embedding HTTP/1.1\r\n", 26) == 0);
	RA_CHECK_STR(body_of(s.requests[0]), "{\"content\":[\"module probe; endmodule\"]}");
	ra_embedder_close(e);

	RA_CHECK(server_start(&s, llama, 1) == 0);
	{
		char url[64];
		ra_embed_config cfg = {.provider = "llamacpp", .url = url, .dim = 3, .batch = 4};

		snprintf(url, sizeof(url), "http://127.0.0.1:%d", s.port);
		RA_CHECK(ra_embedder_open(&e, &cfg) == 0);
	}
	RA_CHECK(ra_embed(e, texts, 2, v, NULL) == 0);
	server_stop(&s);
	RA_CHECK_STR(body_of(s.requests[0]), "{\"content\":[\"x\",\"y\"]}");
	RA_CHECK(v[0] == 1.0f && v[5] == 1.0f && v[3] == 0.0f);
	ra_embedder_close(e);
}

/* one text through a server following `script`; returns ra_embed's code, elapsed seconds */
static int run_one(const reply *script, int n, int retries, int timeout_ms, double *secs,
                   int *nrequests, logbuf *lb)
{
	static const char *const text[] = {"t"};
	ra_logger lg = {on_log, lb, RA_LOG_DEBUG};
	server s;
	ra_embedder *e;
	float v[2];
	double t0;
	int rc;

	if (server_start(&s, script, n) != 0)
		return -100;
	e = open_http("ollama", s.port, 8, retries, timeout_ms, "RA_TEST_EMBED_KEY", &lg);
	if (!e)
		return -101;
	t0 = ra_now();
	rc = ra_embed(e, text, 1, v, NULL);
	if (rc == RA_EINVAL && strstr(ra_error_last(), "dimension unknown"))
		rc = ra_embedder_probe(e, NULL);
	*secs = ra_now() - t0;
	ra_embedder_close(e);
	server_stop(&s);
	*nrequests = s.nrequests;
	return rc;
}

RA_TEST(embed_http_errors_and_retries)
{
	static const reply unauthorized[] = {{401, NULL, "{\"error\":\"bad key\"}", 0}};
	static const reply busy[] = {{429, "Retry-After: 1\r\n", "{\"error\":\"slow down\"}", 0},
	                             {200, NULL, "{\"embeddings\":[[1,1]]}", 0}};
	static const reply flaky[] = {{500, NULL, "oops", 0},
	                              {200, NULL, "{\"embeddings\":[[1,1]]}", 0}};
	static const reply garbage[] = {{200, NULL, "{\"embeddings\":[[1,", 0}};
	static const reply wrong[] = {{200, NULL, "{\"embeddings\":[[1,\"x\"]]}", 0}};
	static const reply slow[] = {{200, NULL, "{\"embeddings\":[[1,1]]}", 1500}};
	logbuf lb = {""};
	double secs;
	int n, rc;

	setenv("RA_TEST_EMBED_KEY", KEY, 1);
	rc = run_one(unauthorized, 1, 3, 5000, &secs, &n, &lb);
	RA_CHECK_INT(rc, RA_ERR);
	RA_CHECK_INT(n, 1); /* not retried */
	RA_CHECKF(strstr(ra_error_last(), "401") && strstr(ra_error_last(), "RA_TEST_EMBED_KEY"),
	          "%s", ra_error_last());
	RA_CHECK(strstr(ra_error_last(), KEY) == NULL);

	rc = run_one(busy, 2, 3, 5000, &secs, &n, &lb);
	RA_CHECKF(rc == 0, "%s", ra_error_last());
	RA_CHECK_INT(n, 2);
	RA_CHECKF(secs >= 0.9, "waited %.2f s, Retry-After said 1 s", secs);

	rc = run_one(flaky, 2, 1, 5000, &secs, &n, &lb);
	RA_CHECKF(rc == 0, "%s", ra_error_last());
	RA_CHECK_INT(n, 2);
	RA_CHECK(secs >= 0.2); /* the first backoff step is 250 ms */

	rc = run_one(flaky, 1, 0, 5000, &secs, &n, &lb); /* no retries allowed */
	RA_CHECK_INT(rc, RA_ERR);
	RA_CHECK(strstr(ra_error_last(), "HTTP 500") != NULL);

	rc = run_one(garbage, 1, 3, 5000, &secs, &n, &lb);
	RA_CHECK_INT(rc, RA_EINVAL);
	RA_CHECK(strstr(ra_error_last(), "not JSON") != NULL);
	rc = run_one(wrong, 1, 3, 5000, &secs, &n, &lb);
	RA_CHECK_INT(rc, RA_EINVAL);

	rc = run_one(slow, 1, 0, 300, &secs, &n, &lb);
	RA_CHECK_INT(rc, RA_ERR);
	RA_CHECKF(strstr(ra_error_last(), "timeout_ms") != NULL, "%s", ra_error_last());
	RA_CHECKF(secs < 1.4, "took %.2f s", secs);
	RA_CHECK(strstr(lb.text, KEY) == NULL);
}

RA_TEST(embed_http_server_down)
{
	static const char *const text[] = {"t"};
	struct sockaddr_in addr = {.sin_family = AF_INET};
	socklen_t alen = sizeof(addr);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	ra_embedder *e;
	double t0;
	float v[4];
	int rc;

	/* a port that was just free: nothing listens there */
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	RA_CHECK(bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0);
	RA_CHECK(getsockname(fd, (struct sockaddr *)&addr, &alen) == 0);
	close(fd);
	{
		char url[64];
		ra_embed_config cfg = {.provider = "openai",
		                       .url = url,
		                       .model = "m",
		                       .dim = 4,
		                       .retries = 1,
		                       .timeout_ms = 2000};

		snprintf(url, sizeof(url), "http://127.0.0.1:%d", ntohs(addr.sin_port));
		RA_CHECK(ra_embedder_open(&e, &cfg) == 0);
	}
	t0 = ra_now();
	rc = ra_embed(e, text, 1, v, NULL);
	RA_CHECK_INT(rc, RA_ERR);
	RA_CHECKF(strstr(ra_error_last(), "127.0.0.1") != NULL, "%s", ra_error_last());
	RA_CHECK(ra_now() - t0 < 5.0);
	ra_embedder_close(e);
}

RA_TEST_MAIN()
