/*
 * vectors.h - the vector channel's index: one embedding per chunk, kept in a faiss index file
 * (vecindex.h) whose ids are chunk ids, and brought up to date after every indexing run.
 *
 * Design:
 *  - What is embedded for a chunk: its header and text, "path unit kind\n<text>" (like Tabby,
 *    which embeds the path with the chunk). Its key is the git blob id (SHA-1 through libgit2's
 *    git_odb_hash) of that string.
 *  - `embed_cache(model, hash, vec)` keeps every vector an HTTP embedder computed, keyed by the
 *    embedder id and that hash: an unchanged chunk (same text, same path) is never sent twice,
 *    even when its file was re-parsed and the chunk got a new id. Entries no chunk uses any more
 *    are pruned once they outnumber the live ones. The builtin embedder computes faster than
 *    SQLite stores its vectors (ra_embedder_cacheable): it is not cached.
 *  - `vec_ids(id, hash)` lists the chunk ids held by the file (hash "" for an embedder that is
 *    not cached: the hash only keys the cache). An update removes the ids of
 *    deleted chunks and adds the chunks without a vector, in batches.
 *  - The file is written atomically (temporary file + rename). The store's meta table records
 *    the embedder id ("vectors.embedder") and the file's size and mtime ("vectors.file"): a
 *    missing, unreadable or foreign file, another embedder or dimension, or a file that does not
 *    match what the store recorded (a run killed between the two writes) makes the update
 *    rebuild the whole index, from the cache.
 *  - Index type: the builtin embedder's vectors in "SQ8" (8-bit scalar quantised over the
 *    fixed range [-1, 1]: a quarter of Flat's memory, scanned by our own kernel in a few ms at
 *    OpenTitan size); an HTTP embedder's in "Flat" (exact) up to RA_VECTORS_FLAT_MAX vectors,
 *    "SQ8" trained on a sample above. Another type than the file's rebuilds it. Measured: see
 *    vectors.c.
 *
 * Thread-safety: functions take the store's connection; one thread at a time per store.
 */
#ifndef RA_VECTORS_H
#define RA_VECTORS_H

#include "indexer/embed.h"
#include "indexer/store.h"
#include "indexer/vecindex.h"

#define RA_VECTORS_FLAT_MAX 250000
#define RA_VECTORS_FILE "vectors.faiss" /* under the state directory */

typedef struct ra_vectors_stats {
	size_t total;    /* vectors in the index after the update */
	size_t added;    /* chunks given a vector */
	size_t embedded; /* of those, computed by the embedder (the rest came from the cache) */
	size_t removed;  /* ids of deleted chunks removed */
	bool rebuilt;    /* the index was rebuilt from scratch */
	double seconds;
} ra_vectors_stats;

/*
 * Brings the vector index at `path` in step with the store's chunks, embedding with `e`.
 * Writes the store (cache, vec_ids, meta) in its own transaction: call it outside one.
 * `lg` and `cancel` may be NULL; `out` may be NULL.
 * Returns 0; RA_ECANCELLED (nothing of this update kept, the index stays as it was); or the
 * embedder's, faiss's or the store's error with its message. A failed update leaves the file
 * and the store consistent with each other.
 */
int ra_vectors_update(ra_store *st, const char *path, ra_embedder *e, const ra_logger *lg,
                      volatile int *cancel, ra_vectors_stats *out);

/*
 * True when the index at the store's last update was built by an embedder with this id
 * (ra_embedder_id): a query must be embedded by the same embedder to be compared.
 */
bool ra_vectors_compatible(ra_store *st, const char *embedder_id);

/*
 * One-shot search: reads the index at `path`, returns the k nearest chunk ids to `query` (dim
 * floats, unit length) with their inner-product scores, best first. Returns how many were found
 * (<= k), RA_ENOTFOUND when there is no index file, RA_EINVAL when it is corrupt or of another
 * dimension. A server answering many queries keeps a handle instead: ra_vecindex_read once,
 * then ra_vecindex_search (vecindex.h), and reads again when "vectors.file" in the meta table
 * changed.
 */
int ra_vectors_search(const char *path, const float *query, int dim, size_t k, int64_t *ids,
                      float *scores);

#endif /* RA_VECTORS_H */
