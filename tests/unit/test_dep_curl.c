/* test_dep_curl.c - libcurl against a loopback HTTP server the test runs in a thread: a POST with
 * a JSON body and the reply read back. Only 127.0.0.1 is ever contacted. */
#define _DEFAULT_SOURCE
#include "base/base.h"
#include "tests/ra_test.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct server {
	int fd;
	char request[8192];
	size_t request_len;
} server;

/* serves exactly one request, replies with a fixed JSON body */
static void *serve_one(void *arg)
{
	server *s = arg;
	static const char reply[] =
	        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
	        "Content-Length: 15\r\nConnection: close\r\n\r\n{\"ok\":\"yes\"}\n\n\n";
	int c = accept(s->fd, NULL, NULL);
	ssize_t n;

	if (c < 0)
		return NULL;
	/* read until the body (after the blank line) has arrived: the client sends 13 bytes */
	while (s->request_len < sizeof(s->request) - 1) {
		char *body;

		n = read(c, s->request + s->request_len, sizeof(s->request) - 1 - s->request_len);
		if (n <= 0)
			break;
		s->request_len += (size_t)n;
		s->request[s->request_len] = '\0';
		body = strstr(s->request, "\r\n\r\n");
		if (body && strlen(body + 4) >= 13)
			break;
	}
	if (write(c, reply, sizeof(reply) - 1) < 0)
		perror("write");
	close(c);
	return NULL;
}

static size_t collect(char *data, size_t size, size_t n, void *payload)
{
	return ra_buf_append(payload, data, size * n) == 0 ? size * n : 0;
}

RA_TEST(curl_post_to_loopback_server)
{
	server s = {0};
	struct sockaddr_in addr = {.sin_family = AF_INET};
	socklen_t alen = sizeof(addr);
	pthread_t th;
	char url[64];
	CURL *c;
	ra_buf body;
	long status = 0;

	s.fd = socket(AF_INET, SOCK_STREAM, 0);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	RA_CHECK(bind(s.fd, (struct sockaddr *)&addr, sizeof(addr)) == 0);
	RA_CHECK(listen(s.fd, 1) == 0);
	RA_CHECK(getsockname(s.fd, (struct sockaddr *)&addr, &alen) == 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1/embeddings", ntohs(addr.sin_port));
	RA_CHECK(pthread_create(&th, NULL, serve_one, &s) == 0);

	ra_buf_init(&body, 1 << 16);
	RA_CHECK(curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK);
	c = curl_easy_init();
	RA_CHECK(c != NULL);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, "{\"input\":\"x\"}");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
	RA_CHECK(curl_easy_perform(c) == CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	pthread_join(th, NULL);
	close(s.fd);
	curl_global_cleanup();

	RA_CHECK_INT(status, 200);
	RA_CHECK_STR(body.data, "{\"ok\":\"yes\"}\n\n\n");
	RA_CHECK(strncmp(s.request, "POST /v1/embeddings HTTP/1.1", 28) == 0);
	RA_CHECK(strstr(s.request, "{\"input\":\"x\"}") != NULL);
	ra_buf_free(&body);
}

RA_TEST_MAIN()
