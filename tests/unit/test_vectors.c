/*
 * test_vectors.c - the vector index kept in step with the store's chunks: first build, nothing
 * to do, re-parsed and deleted files (ids removed, cache instead of the embedder), another
 * embedder (rebuild), a corrupt or missing file (rebuild from the cache), search by chunk id.
 */
#define _DEFAULT_SOURCE
#include "indexer/vectors.h"
#include "tests/ra_test.h"
#include "tests/ra_test_db.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static ra_model *make_model(const char *unit, int nchunks)
{
	static const char *const texts[] = {
	        "always_ff @(posedge clk) if (wr_en) mem[wr_ptr] <= wdata;",
	        "assign rdata = mem[rd_ptr];", "assign full = (wr_ptr - rd_ptr) == DEPTH;",
	        "always_comb state_d = state_q == IDLE && start ? BUSY : state_q;",
	        "assign tx_o = shift_q[0]; // uart serialiser"};
	ra_model *m = ra_model_new(RA_LANG_SV);
	int32_t top =
	        ra_model_add_sym(m, &(ra_sym){.kind = RA_SYM_MODULE, .parent = -1, .name = unit});

	for (int i = 0; i < nchunks; i++)
		ra_model_add_chunk(
		        m, &(ra_chunk){.kind = "process",
		                       .sym = top,
		                       .span = {(uint32_t)i * 10, 0, (uint32_t)i * 10 + 5, 0},
		                       .text = texts[i % 5]});
	return m;
}

static int put(ra_store *st, ra_store_file *f, ra_model *m)
{
	int rc = ra_store_begin(st);

	rc = rc ? rc : ra_store_file_put(st, f, m);
	return rc ? rc : ra_store_commit(st);
}

RA_TEST(vectors_update_cache_rebuild)
{
	char dir[] = "/tmp/ra_vectors_XXXXXX", db[256], vec[256], cmd[300];
	ra_store *st = NULL;
	ra_embedder *e = NULL, *e128 = NULL;
	ra_model *ma = make_model("fifo", 3), *mb = make_model("uart", 5);
	ra_store_file fa = {.path = "rtl/fifo.sv", .blob = "a", .lang = RA_LANG_SV};
	ra_store_file fb = {.path = "rtl/uart.sv", .blob = "b", .lang = RA_LANG_SV};
	ra_vectors_stats vs;
	int64_t ids[8], want;
	float scores[8], q[384];
	const char *qt[] = {
	        "rtl/uart.sv uart process\nassign tx_o = shift_q[0]; // uart serialiser"};
	FILE *f;

	RA_CHECK(mkdtemp(dir) != NULL);
	snprintf(db, sizeof(db), "%s/index.db", dir);
	snprintf(vec, sizeof(vec), "%s/" RA_VECTORS_FILE, dir);
	RA_CHECK(ra_store_open(&st, db, false) == 0);
	RA_CHECK(ra_embedder_open(&e, &(ra_embed_config){.provider = "builtin"}) == 0);
	RA_CHECK(ra_embedder_open(&e128, &(ra_embed_config){.provider = "builtin", .dim = 128}) ==
	         0);

	/* no chunks yet: an empty index */
	RA_CHECK(ra_vectors_update(st, vec, e, NULL, NULL, &vs) == 0);
	RA_CHECK(vs.rebuilt && vs.total == 0 && access(vec, F_OK) == 0);

	RA_CHECK(put(st, &fa, ma) == 0);
	RA_CHECK(put(st, &fb, mb) == 0);
	RA_CHECK(ra_vectors_update(st, vec, e, NULL, NULL, &vs) == 0);
	RA_CHECKF(!vs.rebuilt && vs.added == 8 && vs.embedded == 8 && vs.total == 8,
	          "added %zu embedded %zu total %zu", vs.added, vs.embedded, vs.total);
	RA_CHECK_INT(ra_test_db_count(ra_store__db(st), "SELECT count(*) FROM embed_cache"),
	             0); /* builtin: not cached */
	RA_CHECK(ra_vectors_compatible(st, "builtin-v1/384"));
	RA_CHECK(!ra_vectors_compatible(st, "builtin-v1/128"));

	/* the chunk's own text finds the chunk, by its id */
	want = ra_test_db_count(ra_store__db(st), "SELECT id FROM chunks WHERE text LIKE '%tx_o%'");
	RA_CHECK(ra_embed(e, qt, 1, q, NULL) == 0);
	RA_CHECK_INT(ra_vectors_search(vec, q, 384, 3, ids, scores), 3);
	RA_CHECK_INT(ids[0], want);
	RA_CHECK(scores[0] > 0.99f && scores[1] < scores[0]);
	RA_CHECK_INT(ra_vectors_search(vec, q, 128, 3, ids, scores), RA_EINVAL);

	/* nothing changed: nothing to do */
	RA_CHECK(ra_vectors_update(st, vec, e, NULL, NULL, &vs) == 0);
	RA_CHECK(!vs.rebuilt && vs.added == 0 && vs.embedded == 0 && vs.removed == 0);

	/* fifo re-parsed (new chunk ids, same texts), uart deleted */
	RA_CHECK(put(st, &fa, ma) == 0);
	RA_CHECK(ra_store_begin(st) == 0 && ra_store_file_delete(st, fb.id) == 0 &&
	         ra_store_commit(st) == 0);
	RA_CHECK(ra_vectors_update(st, vec, e, NULL, NULL, &vs) == 0);
	RA_CHECKF(vs.removed == 8 && vs.added == 3 && vs.embedded == 3 && vs.total == 3,
	          "removed %zu added %zu embedded %zu total %zu", vs.removed, vs.added, vs.embedded,
	          vs.total);
	RA_CHECK_INT(ra_test_db_count(ra_store__db(st), "SELECT count(*) FROM vec_ids"), 3);
	RA_CHECK_INT(ra_test_db_count(ra_store__db(st),
	                              "SELECT count(*) FROM vec_ids WHERE id NOT IN"
	                              " (SELECT id FROM chunks)"),
	             0);

	/* another embedder: rebuilt, everything embedded again, other dimension */
	RA_CHECK(ra_vectors_update(st, vec, e128, NULL, NULL, &vs) == 0);
	RA_CHECK(vs.rebuilt && vs.embedded == 3 && vs.total == 3);
	RA_CHECK(ra_vectors_compatible(st, "builtin-v1/128"));
	RA_CHECK_INT(ra_vectors_search(vec, q, 384, 3, ids, scores), RA_EINVAL);

	/* a corrupt file: rebuilt */
	f = fopen(vec, "wb");
	RA_CHECK(f != NULL);
	fputs("not a faiss index", f);
	fclose(f);
	RA_CHECK(ra_vectors_update(st, vec, e128, NULL, NULL, &vs) == 0);
	RA_CHECK(vs.rebuilt && vs.added == 3 && vs.total == 3);

	/* a missing file, and a file the store did not record (a run killed mid-way): same */
	unlink(vec);
	RA_CHECK(ra_vectors_update(st, vec, e128, NULL, NULL, &vs) == 0);
	RA_CHECK(vs.rebuilt && vs.total == 3);
	RA_CHECK(sqlite3_exec(ra_store__db(st),
	                      "UPDATE meta SET value = 'x' WHERE key ="
	                      " 'vectors.file'",
	                      NULL, NULL, NULL) == SQLITE_OK);
	RA_CHECK(ra_vectors_update(st, vec, e128, NULL, NULL, &vs) == 0);
	RA_CHECK(vs.rebuilt && vs.total == 3);

	/* cancelled before any work: an error, the index as it was */
	{
		volatile int cancel = 1;

		RA_CHECK(put(st, &fb, mb) == 0);
		RA_CHECK_INT(ra_vectors_update(st, vec, e128, NULL, &cancel, &vs), RA_ECANCELLED);
		RA_CHECK(ra_vectors_update(st, vec, e128, NULL, NULL, &vs) == 0);
		RA_CHECK(!vs.rebuilt && vs.added == 5 && vs.total == 8);
	}

	ra_embedder_close(e);
	ra_embedder_close(e128);
	ra_store_close(st);
	ra_model_free(ma);
	ra_model_free(mb);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	RA_CHECK(system(cmd) == 0);
}

/* an Ollama-like server on 127.0.0.1 that embeds any batch and counts the texts it was sent */
typedef struct counting_server {
	int fd, port;
	int texts, requests;
	pthread_t th;
} counting_server;

static void *count_serve(void *arg)
{
	counting_server *s = arg;
	int c;

	while ((c = accept(s->fd, NULL, NULL)) >= 0) {
		static char req[1 << 16];
		size_t len = 0;
		char *body = NULL, head[256];
		json_t *j, *input, *out = json_array();
		char *reply;

		while (len + 1 < sizeof(req)) {
			ssize_t n = read(c, req + len, sizeof(req) - 1 - len);

			if (n <= 0)
				break;
			len += (size_t)n;
			req[len] = '\0';
			body = strstr(req, "\r\n\r\n");
			if (body && (j = json_loads(body + 4, 0, NULL)) != NULL) {
				json_decref(j);
				break;
			}
		}
		j = body ? json_loads(body + 4, 0, NULL) : NULL;
		input = json_object_get(j, "input");
		for (size_t i = 0; i < json_array_size(input); i++) {
			size_t tl = strlen(json_string_value(json_array_get(input, i)));

			json_array_append_new(out, json_pack("[f,f,f,f]", (double)tl, 1.0,
			                                     (double)(tl % 7), (double)(tl % 3)));
		}
		s->texts += (int)json_array_size(input);
		s->requests++;
		out = json_pack("{s:o}", "embeddings", out);
		reply = json_dumps(out, JSON_COMPACT);
		json_decref(out);
		snprintf(head, sizeof(head),
		         "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
		         strlen(reply));
		send(c, head, strlen(head), MSG_NOSIGNAL);
		send(c, reply, strlen(reply), MSG_NOSIGNAL);
		free(reply);
		json_decref(j);
		close(c);
	}
	return NULL;
}

RA_TEST(vectors_cache_spares_the_http_embedder)
{
	char dir[] = "/tmp/ra_vectors_XXXXXX", db[256], vec[256], cmd[300], url[64];
	counting_server srv = {0};
	struct sockaddr_in addr = {.sin_family = AF_INET};
	socklen_t alen = sizeof(addr);
	ra_store *st = NULL;
	ra_embedder *e = NULL;
	ra_model *ma = make_model("fifo", 3), *mb = make_model("uart", 5);
	ra_store_file fa = {.path = "rtl/fifo.sv", .blob = "a", .lang = RA_LANG_SV};
	ra_store_file fb = {.path = "rtl/uart.sv", .blob = "b", .lang = RA_LANG_SV};
	ra_vectors_stats vs;
	FILE *f;

	srv.fd = socket(AF_INET, SOCK_STREAM, 0);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	RA_CHECK(bind(srv.fd, (struct sockaddr *)&addr, sizeof(addr)) == 0);
	RA_CHECK(listen(srv.fd, 8) == 0);
	RA_CHECK(getsockname(srv.fd, (struct sockaddr *)&addr, &alen) == 0);
	RA_CHECK(pthread_create(&srv.th, NULL, count_serve, &srv) == 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", ntohs(addr.sin_port));
	RA_CHECK(ra_embedder_open(&e, &(ra_embed_config){.provider = "ollama",
	                                                 .url = url,
	                                                 .model = "m",
	                                                 .batch = 3,
	                                                 .timeout_ms = 5000}) == 0);
	RA_CHECK(ra_embedder_cacheable(e));
	RA_CHECK(mkdtemp(dir) != NULL);
	snprintf(db, sizeof(db), "%s/index.db", dir);
	snprintf(vec, sizeof(vec), "%s/" RA_VECTORS_FILE, dir);
	RA_CHECK(ra_store_open(&st, db, false) == 0);
	RA_CHECK(put(st, &fa, ma) == 0);
	RA_CHECK(put(st, &fb, mb) == 0);

	RA_CHECKF(ra_vectors_update(st, vec, e, NULL, NULL, &vs) == 0, "%s", ra_error_last());
	/* one probe for the size, then 8 texts in batches of 3 */
	RA_CHECK(vs.embedded == 8 && vs.total == 8);
	RA_CHECK_INT(srv.texts, 9);
	RA_CHECK_INT(srv.requests, 4);
	RA_CHECK_INT(ra_test_db_count(ra_store__db(st),
	                              "SELECT count(*) FROM embed_cache WHERE model = 'ollama/m'"),
	             8);

	/* both files re-parsed (new chunk ids, same text): nothing sent */
	RA_CHECK(put(st, &fa, ma) == 0);
	RA_CHECK(put(st, &fb, mb) == 0);
	RA_CHECK(ra_vectors_update(st, vec, e, NULL, NULL, &vs) == 0);
	RA_CHECK(vs.added == 8 && vs.removed == 8 && vs.embedded == 0);
	RA_CHECK_INT(srv.texts, 9);

	/* a corrupt file: rebuilt from the cache, nothing sent */
	f = fopen(vec, "wb");
	RA_CHECK(f != NULL);
	fputs("garbage", f);
	fclose(f);
	RA_CHECK(ra_vectors_update(st, vec, e, NULL, NULL, &vs) == 0);
	RA_CHECK(vs.rebuilt && vs.total == 8 && vs.embedded == 0);
	RA_CHECK_INT(srv.texts, 9);

	shutdown(srv.fd, SHUT_RDWR);
	pthread_join(srv.th, NULL);
	close(srv.fd);
	ra_embedder_close(e);
	ra_store_close(st);
	ra_model_free(ma);
	ra_model_free(mb);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	RA_CHECK(system(cmd) == 0);
}

RA_TEST_MAIN()
