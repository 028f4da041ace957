/*
 * vecindex.h - vector index over faiss, through our own extern "C" shim (vecindex.cpp).
 *
 * Debian's faiss 1.7.3 ships the C API headers but no compiled C API, so this module is the one
 * place C++ is allowed: it wraps exactly the calls the project uses and turns every C++ exception
 * into an error code with a message (ra_error_last).
 *
 * Vectors are float[dim], compared by inner product (normalise them for cosine). Ids are the
 * caller's (chunk ids). A handle is not thread-safe: one thread at a time, or the caller's lock;
 * faiss may itself use OpenMP threads inside add/search.
 */
#ifndef RA_VECINDEX_H
#define RA_VECINDEX_H

#include "base/base.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ra_vecindex ra_vecindex;

/*
 * Creates an empty index. `factory` is a faiss index_factory description of the storage
 * ("Flat", "IVF1024,Flat", ...); it is wrapped in IDMap2 so that ids are ours and removable.
 * Returns 0 or RA_EINVAL (bad description or dim), RA_ENOMEM, RA_ERR. *out is the caller's.
 */
int ra_vecindex_open(ra_vecindex **out, int dim, const char *factory);
void ra_vecindex_close(ra_vecindex *vi);

/* True when the index needs ra_vecindex_train before vectors can be added (IVF kinds). */
bool ra_vecindex_needs_training(const ra_vecindex *vi);
int ra_vecindex_train(ra_vecindex *vi, size_t n, const float *vecs);

/* Adds n vectors (n * dim floats) with their ids. */
int ra_vecindex_add(ra_vecindex *vi, size_t n, const float *vecs, const int64_t *ids);

/* Removes the vectors with these ids; returns how many were removed (>= 0) or an error. */
int64_t ra_vecindex_remove(ra_vecindex *vi, size_t n, const int64_t *ids);

/*
 * The k nearest vectors to `query` (dim floats), best first, into scores[k] and ids[k].
 * Returns how many were found (<= k; the rest of ids is -1), or an error.
 * SQ8 storage is scanned by our own kernel (vecindex.cpp): an integer pre-ranking of every row,
 * then the best 2k + 16 scored exactly, so the answer matches faiss's search up to float
 * rounding; other storage is searched by faiss on the calling thread.
 */
int ra_vecindex_search(ra_vecindex *vi, const float *query, size_t k, float *scores, int64_t *ids);

/* Which scan ra_vecindex_search uses on SQ8 storage: AUTO (the default: AVX2 when the CPU has
 * it, else SSE2), or one forced, for tests and benchmarks (FAISS: faiss's own search). The
 * integer kernels give identical results. */
enum {
	RA_VECINDEX_KERNEL_AUTO = 0,
	RA_VECINDEX_KERNEL_FAISS = 1,
	RA_VECINDEX_KERNEL_SSE2 = 2,
	RA_VECINDEX_KERNEL_GENERIC = 3,
};
void ra_vecindex_set_kernel(ra_vecindex *vi, int kernel);

/* Inverted lists probed per query of an IVF index (clamped to 1..nlist). RA_EINVAL when the
 * index is not IVF. Not stored in the file: set it after ra_vecindex_read. */
int ra_vecindex_set_nprobe(ra_vecindex *vi, size_t nprobe);

size_t ra_vecindex_count(const ra_vecindex *vi);
int ra_vecindex_dim(const ra_vecindex *vi);

/* Writes the index to `path` atomically: a temporary file beside it, then rename. */
int ra_vecindex_write(ra_vecindex *vi, const char *path);

/* Reads an index written by ra_vecindex_write. RA_ENOTFOUND when the file does not exist,
 * RA_EINVAL when it is corrupt. *out is the caller's. */
int ra_vecindex_read(ra_vecindex **out, const char *path);

#ifdef __cplusplus
}
#endif

#endif /* RA_VECINDEX_H */
