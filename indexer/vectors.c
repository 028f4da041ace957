/*
 * vectors.c - keeping the faiss index of chunk embeddings in step with the store (vectors.h).
 *
 * An update reads the ids to add and to remove from the store, embeds the new chunks in blocks
 * (cache first), and checkpoints every CHECKPOINT vectors: the index file is written atomically,
 * its stamp and the embedder id go to the meta table, and the store's transaction commits. A
 * cancelled or failed update keeps every finished checkpoint; the file and the store always
 * agree, and when they do not (a kill between the file's rename and the commit) the stamp check
 * rebuilds from the cache without calling the embedder.
 *
 * Index type, measured with tests/bench/bench_vectors on OpenTitan (72,184 chunks, builtin
 * embedder, 384 dims; 206 real questions: the yosys/ghdl set and the verilog-eval descriptions;
 * query time is thread CPU time, 2 busy cores; recall@10 against exact search):
 *                          train    add      file     query p50/p99    recall@10
 *   Flat (faiss scan)      -        0.08 s   111 MB   21.7 / 24.4 ms   1 (reference)
 *   SQ8 (faiss scan)       0.01 s   0.04 s   28 MB    28.3 / 37.4 ms   0.937
 *   SQ8, our scan          0.01 s   0.04 s   28 MB    2.2 ms           0.935
 *   SQ8 [-1,1], our scan   0        0.06 s   28 MB    1.9 / 2.5 ms     0.948   <- builtin
 *   SQfp16 (faiss scan)    0        0.07 s   56 MB    59.9 / 76.3 ms   1.000
 *   IVF256,SQ8 nprobe 8    0.51 s   0.20 s   29 MB    1.0 / 3.7 ms     0.466
 *   IVF256,SQ8 nprobe 32   0.51 s   0.21 s   29 MB    3.6 / 7.8 ms     0.683
 *   IVF1024,Flat nprobe 32 1.00 s   0.41 s   114 MB   0.9 / 2.1 ms     0.548
 * Debian's faiss scans with scalar code; our SQ8 scan (vecindex.cpp: integer dot products,
 * AVX2 or SSE2, then an exact rescoring of the best rows) reads a quarter of the bytes and is
 * memory-bound. IVF is fast but its recall is poor on these vectors: the builtin embedder's
 * hashed features do not cluster. The builtin embedder's vectors are sparse (a short chunk puts
 * its weight on a few components, up to 1): the quantiser's range is fixed to [-1, 1], which any
 * unit vector fits, instead of one learned from a sample that later chunks may exceed; that also
 * needs no training data, so an index started on a few chunks stays right as it grows.
 * HTTP embedders (dense vectors, unmeasured here) keep exact Flat up to RA_VECTORS_FLAT_MAX and
 * SQ8 trained on the first TRAIN_N vectors above it.
 */
#define _DEFAULT_SOURCE
#include "indexer/vectors.h"

#include <git2.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

enum { BLOCK = 256, CHECKPOINT = 16384, TRAIN_N = 16384 };

typedef struct update {
	ra_store *st;
	sqlite3 *db;
	const char *path;
	ra_embedder *e;
	const ra_logger *lg;
	volatile int *cancel;
	ra_vectors_stats *stats;
	ra_vecindex *vi;
	const char *factory; /* faiss storage of index_kind() */
	const char *kind;    /* what the meta row "vectors.factory" records */
	bool unit_range;     /* SQ8 over [-1, 1], trained without data */
	int dim;
	bool dirty;     /* the index changed since the last checkpoint */
	bool cacheable; /* ra_embedder_cacheable */
	/* vectors waiting for the index (an untrained index takes them once trained) */
	float *buf;
	int64_t *buf_ids;
	size_t nbuf, buf_cap;
	sqlite3_stmt *get_chunk, *get_cache, *put_cache, *put_id;
} update;

static int db_fail(update *u, const char *what)
{
	return ra_error_set(RA_ERR, "vectors: %s: %s", what, sqlite3_errmsg(u->db));
}

static int exec(update *u, const char *sql)
{
	return sqlite3_exec(u->db, sql, NULL, NULL, NULL) == SQLITE_OK ? RA_OK : db_fail(u, sql);
}

static int64_t count_of(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s = NULL;
	int64_t n = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return n;
}

/* "size:mtime_ns" of the file, "" when absent */
static void file_stamp(char *buf, size_t n, const char *path)
{
	struct stat sb;

	if (stat(path, &sb) != 0) {
		buf[0] = '\0';
		return;
	}
	snprintf(buf, n, "%lld:%lld", (long long)sb.st_size,
	         (long long)sb.st_mtim.tv_sec * 1000000000ll + sb.st_mtim.tv_nsec);
}

/* the ids of a one-column query into a new array */
static int ids_of(update *u, const char *sql, int64_t **out, size_t *n)
{
	sqlite3_stmt *s = NULL;
	size_t cap = 0;
	int rc = RA_OK, step;

	*out = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(u->db, sql, -1, &s, NULL) != SQLITE_OK)
		return db_fail(u, "select ids");
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		if (ra_grow((void **)out, &cap, *n + 1, sizeof(**out))) {
			rc = RA_ENOMEM;
			break;
		}
		(*out)[(*n)++] = sqlite3_column_int64(s, 0);
	}
	if (!rc && step != SQLITE_DONE)
		rc = db_fail(u, "select ids");
	sqlite3_finalize(s);
	return rc;
}

/* hands buffered vectors to the index, training it first when it needs that */
static int flush(update *u, bool final)
{
	int rc;

	if (!u->nbuf)
		return RA_OK;
	if (ra_vecindex_needs_training(u->vi) && u->unit_range) {
		float *range = ra_malloc(2 * (size_t)u->dim * sizeof(float));

		if (!range)
			return RA_ENOMEM;
		for (int j = 0; j < u->dim; j++) {
			range[j] = -1.0f;
			range[u->dim + j] = 1.0f;
		}
		rc = ra_vecindex_train(u->vi, 2, range);
		ra_free(range);
		if (rc)
			return rc;
	} else if (ra_vecindex_needs_training(u->vi)) {
		if (u->nbuf < TRAIN_N && !final)
			return RA_OK;
		rc = ra_vecindex_train(u->vi, u->nbuf, u->buf);
		if (rc)
			return rc;
	}
	rc = ra_vecindex_add(u->vi, u->nbuf, u->buf, u->buf_ids);
	if (rc)
		return rc;
	u->nbuf = 0;
	u->dirty = true;
	return RA_OK;
}

/* writes the file and the meta rows, commits, and opens the next transaction */
static int checkpoint(update *u, bool final)
{
	char stamp[64];
	int rc = flush(u, true);

	if (!rc && u->dirty) {
		rc = ra_vecindex_write(u->vi, u->path);
		u->dirty = false;
	}
	file_stamp(stamp, sizeof(stamp), u->path);
	rc = rc ? rc : ra_store_meta_set(u->st, "vectors.file", stamp);
	rc = rc ? rc : ra_store_meta_set(u->st, "vectors.embedder", ra_embedder_id(u->e));
	rc = rc ? rc : ra_store_meta_set(u->st, "vectors.factory", u->kind);
	rc = rc ? rc : exec(u, "COMMIT");
	if (!rc && !final)
		rc = exec(u, "BEGIN IMMEDIATE");
	return rc;
}

static int buf_push(update *u, const float *v, int64_t id)
{
	if (u->nbuf == u->buf_cap) {
		size_t cap = u->buf_cap ? u->buf_cap * 2 : BLOCK;
		float *b = ra_realloc(u->buf, cap * (size_t)u->dim * sizeof(float));
		int64_t *ids;

		if (!b)
			return RA_ENOMEM;
		u->buf = b;
		ids = ra_realloc(u->buf_ids, cap * sizeof(int64_t));
		if (!ids)
			return RA_ENOMEM;
		u->buf_ids = ids;
		u->buf_cap = cap;
	}
	memcpy(u->buf + u->nbuf * (size_t)u->dim, v, (size_t)u->dim * sizeof(float));
	u->buf_ids[u->nbuf++] = id;
	return RA_OK;
}

/* one block of chunk ids: texts and hashes, cache lookups, the embedder for the rest */
static int do_block(update *u, const int64_t *ids, size_t n)
{
	char *texts[BLOCK] = {0}, hashes[BLOCK][GIT_OID_HEXSZ + 1];
	const char *todo[BLOCK];
	size_t todo_at[BLOCK], ntodo = 0;
	size_t dim = (size_t)u->dim;
	float *vecs = ra_malloc(n * dim * sizeof(float));
	bool *have = ra_calloc(n, sizeof(bool));
	int rc = vecs && have ? RA_OK : RA_ENOMEM;

	for (size_t i = 0; !rc && i < n; i++) {
		sqlite3_stmt *s = u->get_chunk;
		git_oid oid;

		sqlite3_reset(s);
		sqlite3_bind_int64(s, 1, ids[i]);
		if (sqlite3_step(s) != SQLITE_ROW) {
			rc = db_fail(u, "read chunk");
			break;
		}
		texts[i] = ra_strdup(sqlite3_column_type(s, 0) == SQLITE_NULL
		                             ? ""
		                             : (const char *)sqlite3_column_text(s, 0));
		sqlite3_reset(s);
		if (!texts[i]) {
			rc = RA_ENOMEM;
			break;
		}
		if (!u->cacheable) {
			/* the hash only keys the cache: "" in vec_ids */
			hashes[i][0] = '\0';
			todo[ntodo] = texts[i];
			todo_at[ntodo++] = i;
			continue;
		}
		if (git_odb_hash(&oid, texts[i], strlen(texts[i]), GIT_OBJECT_BLOB) != 0) {
			rc = ra_error_set(RA_ERR, "vectors: hashing a chunk failed");
			break;
		}
		git_oid_tostr(hashes[i], sizeof(hashes[i]), &oid);
		s = u->get_cache;
		sqlite3_reset(s);
		sqlite3_bind_text(s, 2, hashes[i], -1, SQLITE_STATIC);
		if (sqlite3_step(s) == SQLITE_ROW &&
		    (size_t)sqlite3_column_bytes(s, 0) == dim * sizeof(float)) {
			memcpy(vecs + i * dim, sqlite3_column_blob(s, 0), dim * sizeof(float));
			have[i] = true;
		} else {
			todo[ntodo] = texts[i];
			todo_at[ntodo++] = i;
		}
		sqlite3_reset(s);
	}
	if (!rc && ntodo) {
		float *fresh = ra_malloc(ntodo * dim * sizeof(float));

		rc = fresh ? ra_embed(u->e, todo, ntodo, fresh, u->cancel) : RA_ENOMEM;
		if (!rc && ra_embedder_dim(u->e) != u->dim)
			rc = ra_error_set(RA_EINVAL, "vectors: the embedder changed dimension");
		for (size_t k = 0; !rc && k < ntodo; k++) {
			sqlite3_stmt *s = u->put_cache;

			memcpy(vecs + todo_at[k] * dim, fresh + k * dim, dim * sizeof(float));
			if (!u->cacheable)
				continue;
			sqlite3_reset(s);
			sqlite3_bind_text(s, 2, hashes[todo_at[k]], -1, SQLITE_STATIC);
			sqlite3_bind_blob(s, 3, fresh + k * dim, (int)(dim * sizeof(float)),
			                  SQLITE_STATIC);
			rc = sqlite3_step(s) == SQLITE_DONE ? RA_OK : db_fail(u, "write cache");
			sqlite3_reset(s);
		}
		ra_free(fresh);
		if (!rc)
			u->stats->embedded += ntodo;
	}
	for (size_t i = 0; !rc && i < n; i++) {
		sqlite3_stmt *s = u->put_id;

		sqlite3_reset(s);
		sqlite3_bind_int64(s, 1, ids[i]);
		sqlite3_bind_text(s, 2, hashes[i], -1, SQLITE_STATIC);
		rc = sqlite3_step(s) == SQLITE_DONE ? RA_OK : db_fail(u, "write vec_ids");
		sqlite3_reset(s);
		rc = rc ? rc : buf_push(u, vecs + i * dim, ids[i]);
	}
	if (!rc)
		u->stats->added += n;
	for (size_t i = 0; i < n; i++)
		ra_free(texts[i]);
	ra_free(vecs);
	ra_free(have);
	return rc;
}

/* why the index on disk cannot be updated in place; NULL when it can */
static const char *stale_reason(update *u, ra_vecindex **vi, char *why, size_t n)
{
	char *meta = NULL, stamp[64];
	const char *reason = NULL;
	int rc;

	if (ra_store_meta_get(u->st, "vectors.embedder", &meta) != RA_OK ||
	    strcmp(meta, ra_embedder_id(u->e)) != 0)
		reason = "first run, or another embedder";
	ra_free(meta);
	meta = NULL;
	if (!reason && (ra_store_meta_get(u->st, "vectors.factory", &meta) != RA_OK ||
	                strcmp(meta, u->kind) != 0))
		reason = "another index type for this size";
	ra_free(meta);
	meta = NULL;
	if (!reason && (rc = ra_vecindex_read(vi, u->path)) != RA_OK) {
		snprintf(why, n, "%s", ra_error_last());
		reason = why;
	}
	file_stamp(stamp, sizeof(stamp), u->path);
	if (!reason &&
	    (ra_store_meta_get(u->st, "vectors.file", &meta) != RA_OK || strcmp(meta, stamp) != 0))
		reason = "the file is not the one the store recorded";
	ra_free(meta);
	if (!reason &&
	    (int64_t)ra_vecindex_count(*vi) != count_of(u->db, "SELECT count(*) FROM vec_ids"))
		reason = "the file holds another number of vectors than the store";
	if (!reason && ra_embedder_dim(u->e) && ra_vecindex_dim(*vi) != ra_embedder_dim(u->e))
		reason = "another dimension";
	if (reason) {
		ra_vecindex_close(*vi);
		*vi = NULL;
	}
	return reason;
}

static int prepare(update *u)
{
	static const char *const sql[] = {
	        "SELECT header || char(10) || text FROM chunks WHERE id = ?1",
	        "SELECT vec FROM embed_cache WHERE model = ?1 AND hash = ?2",
	        "INSERT OR REPLACE INTO embed_cache(model, hash, vec) VALUES(?1, ?2, ?3)",
	        "INSERT OR REPLACE INTO vec_ids(id, hash) VALUES(?1, ?2)"};
	sqlite3_stmt **dst[] = {&u->get_chunk, &u->get_cache, &u->put_cache, &u->put_id};

	for (size_t i = 0; i < 4; i++)
		if (sqlite3_prepare_v2(u->db, sql[i], -1, dst[i], NULL) != SQLITE_OK)
			return db_fail(u, "prepare");
	sqlite3_bind_text(u->get_cache, 1, ra_embedder_id(u->e), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(u->put_cache, 1, ra_embedder_id(u->e), -1, SQLITE_TRANSIENT);
	return RA_OK;
}

/* drops this model's cache entries that no chunk uses, once they outnumber the live ones */
static int prune_cache(update *u)
{
	sqlite3_stmt *s = NULL;
	int64_t live = count_of(u->db, "SELECT count(*) FROM vec_ids"), cached = -1;
	int rc = RA_OK;

	if (sqlite3_prepare_v2(u->db, "SELECT count(*) FROM embed_cache WHERE model = ?1", -1, &s,
	                       NULL) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, ra_embedder_id(u->e), -1, SQLITE_STATIC);
		if (sqlite3_step(s) == SQLITE_ROW)
			cached = sqlite3_column_int64(s, 0);
	}
	sqlite3_finalize(s);
	s = NULL;
	if (cached <= 2 * live + 1024)
		return RA_OK;
	if (sqlite3_prepare_v2(u->db,
	                       "DELETE FROM embed_cache WHERE model = ?1 AND hash NOT IN"
	                       " (SELECT hash FROM vec_ids)",
	                       -1, &s, NULL) != SQLITE_OK)
		return db_fail(u, "prune cache");
	sqlite3_bind_text(s, 1, ra_embedder_id(u->e), -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE)
		rc = db_fail(u, "prune cache");
	sqlite3_finalize(s);
	return rc;
}

int ra_vectors_update(ra_store *st, const char *path, ra_embedder *e, const ra_logger *lg,
                      volatile int *cancel, ra_vectors_stats *out)
{
	ra_vectors_stats stats = {0};
	update u = {.st = st,
	            .db = ra_store__db(st),
	            .path = path,
	            .e = e,
	            .lg = lg,
	            .cancel = cancel,
	            .stats = &stats};
	int64_t *gone = NULL, *todo = NULL, nchunks;
	size_t ngone = 0, ntodo = 0;
	const char *reason;
	char why[512];
	double t0 = ra_now();
	bool in_tx = false;
	int rc;

	git_libgit2_init();
	u.cacheable = ra_embedder_cacheable(e);
	nchunks = count_of(u.db, "SELECT count(*) FROM chunks");
	if (nchunks < 0) {
		rc = db_fail(&u, "count chunks");
		goto out;
	}
	if (ra_embedder_builtin(e)) {
		u.factory = "SQ8";
		u.kind = "SQ8 [-1,1]";
		u.unit_range = true;
	} else {
		u.factory = u.kind = nchunks > RA_VECTORS_FLAT_MAX ? "SQ8" : "Flat";
	}
	reason = stale_reason(&u, &u.vi, why, sizeof(why));
	rc = exec(&u, "BEGIN IMMEDIATE");
	if (rc)
		goto out;
	in_tx = true;
	if (reason) {
		ra_log(lg, RA_LOG_INFO, "vectors: rebuilding %s (%s)", path, reason);
		stats.rebuilt = true;
		rc = exec(&u, "DELETE FROM vec_ids");
		if (rc)
			goto out;
	}
	rc = ids_of(&u, "SELECT id FROM vec_ids WHERE id NOT IN (SELECT id FROM chunks)", &gone,
	            &ngone);
	rc = rc ? rc
	        : ids_of(&u,
	                 "SELECT id FROM chunks WHERE id NOT IN (SELECT id FROM vec_ids) ORDER BY "
	                 "id",
	                 &todo, &ntodo);
	if (rc)
		goto out;
	if (ngone && u.vi) {
		int64_t removed = ra_vecindex_remove(u.vi, ngone, gone);

		if (removed < 0) {
			rc = (int)removed;
			goto out;
		}
		stats.removed = (size_t)removed;
		u.dirty = true;
	}
	if (ngone)
		rc = exec(&u, "DELETE FROM vec_ids WHERE id NOT IN (SELECT id FROM chunks)");
	if (!rc && ntodo && !ra_embedder_dim(e))
		rc = ra_embedder_probe(e, cancel);
	if (rc)
		goto out;
	u.dim = ra_embedder_dim(e);
	if (!u.vi) {
		if (!u.dim) {
			/* nothing to embed and no known size: an empty index is written on the
			   first run that has chunks */
			rc = exec(&u, "COMMIT");
			in_tx = false;
			goto out;
		}
		rc = ra_vecindex_open(&u.vi, u.dim, u.factory);
		if (rc)
			goto out;
		u.dirty = true;
	}
	rc = prepare(&u);
	for (size_t i = 0; !rc && i < ntodo; i += BLOCK) {
		size_t n = ntodo - i < BLOCK ? ntodo - i : BLOCK;

		if (cancel && *cancel) {
			rc = ra_error_set(RA_ECANCELLED, "embedding cancelled");
			break;
		}
		rc = do_block(&u, todo + i, n);
		rc = rc ? rc : flush(&u, false);
		if (!rc && (i + n) % CHECKPOINT == 0 && i + n < ntodo)
			rc = checkpoint(&u, false);
	}
	rc = rc ? rc : prune_cache(&u);
	rc = rc ? rc : checkpoint(&u, true);
	if (!rc)
		in_tx = false;
out:
	if (in_tx)
		exec(&u, "ROLLBACK");
	stats.total = u.vi ? ra_vecindex_count(u.vi) : 0;
	stats.seconds = ra_now() - t0;
	if (out)
		*out = stats;
	sqlite3_finalize(u.get_chunk);
	sqlite3_finalize(u.get_cache);
	sqlite3_finalize(u.put_cache);
	sqlite3_finalize(u.put_id);
	ra_vecindex_close(u.vi);
	ra_free(u.buf);
	ra_free(u.buf_ids);
	ra_free(gone);
	ra_free(todo);
	git_libgit2_shutdown();
	return rc;
}

bool ra_vectors_compatible(ra_store *st, const char *embedder_id)
{
	char *meta = NULL;
	bool ok = ra_store_meta_get(st, "vectors.embedder", &meta) == RA_OK &&
	          strcmp(meta, embedder_id) == 0;

	ra_free(meta);
	return ok;
}

int ra_vectors_search(const char *path, const float *query, int dim, size_t k, int64_t *ids,
                      float *scores)
{
	ra_vecindex *vi = NULL;
	int rc = ra_vecindex_read(&vi, path);

	if (rc)
		return rc;
	if (ra_vecindex_dim(vi) != dim)
		rc = ra_error_set(RA_EINVAL, "%s: vectors of %d dimensions, the query has %d", path,
		                  ra_vecindex_dim(vi), dim);
	else
		rc = ra_vecindex_search(vi, query, k, scores, ids);
	ra_vecindex_close(vi);
	return rc;
}
