/*
 * vecindex.cpp - the extern "C" shim over faiss's C++ API (see vecindex.h). Every entry point
 * catches every exception; nothing C++ crosses into C.
 */
#include "indexer/vecindex.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <unistd.h>

#include <faiss/IndexIDMap.h>
#include <faiss/impl/IDSelector.h>
#include <faiss/index_factory.h>
#include <faiss/index_io.h>
#include <omp.h>

using idx_t = faiss::Index::idx_t;

struct ra_vecindex {
	faiss::Index *index; /* an IndexIDMap2 owning its storage index */
};

static int fail(int code, const char *what, const std::exception &e)
{
	/* faiss messages can be long and multi-line; ra_error_set keeps the first 511 bytes */
	return ra_error_set(code, "faiss %s: %s", what, e.what());
}

extern "C" int ra_vecindex_open(ra_vecindex **out, int dim, const char *factory)
{
	if (dim <= 0 || dim > 65536)
		return ra_error_set(RA_EINVAL, "vector dimension %d out of range", dim);
	ra_vecindex *vi = static_cast<ra_vecindex *>(ra_calloc(1, sizeof(*vi)));
	if (!vi)
		return RA_ENOMEM;
	try {
		std::string desc =
		        std::string("IDMap2,") + (factory && *factory ? factory : "Flat");
		vi->index = faiss::index_factory(dim, desc.c_str(), faiss::METRIC_INNER_PRODUCT);
	} catch (const std::bad_alloc &) {
		ra_free(vi);
		return ra_error_oom();
	} catch (const std::exception &e) {
		ra_free(vi);
		return fail(RA_EINVAL, "index_factory", e);
	} catch (...) {
		ra_free(vi);
		return ra_error_set(RA_ERR, "faiss index_factory: unknown exception");
	}
	*out = vi;
	return RA_OK;
}

extern "C" void ra_vecindex_close(ra_vecindex *vi)
{
	if (!vi)
		return;
	delete vi->index;
	ra_free(vi);
}

extern "C" bool ra_vecindex_needs_training(const ra_vecindex *vi)
{
	return !vi->index->is_trained;
}

extern "C" int ra_vecindex_train(ra_vecindex *vi, size_t n, const float *vecs)
{
	try {
		vi->index->train(static_cast<idx_t>(n), vecs);
	} catch (const std::bad_alloc &) {
		return ra_error_oom();
	} catch (const std::exception &e) {
		return fail(RA_ERR, "train", e);
	} catch (...) {
		return ra_error_set(RA_ERR, "faiss train: unknown exception");
	}
	return RA_OK;
}

extern "C" int ra_vecindex_add(ra_vecindex *vi, size_t n, const float *vecs, const int64_t *ids)
{
	try {
		static_assert(sizeof(idx_t) == sizeof(int64_t), "faiss id width");
		vi->index->add_with_ids(static_cast<idx_t>(n), vecs,
		                        reinterpret_cast<const idx_t *>(ids));
	} catch (const std::bad_alloc &) {
		return ra_error_oom();
	} catch (const std::exception &e) {
		return fail(RA_ERR, "add", e);
	} catch (...) {
		return ra_error_set(RA_ERR, "faiss add: unknown exception");
	}
	return RA_OK;
}

extern "C" int64_t ra_vecindex_remove(ra_vecindex *vi, size_t n, const int64_t *ids)
{
	try {
		faiss::IDSelectorBatch sel(n, reinterpret_cast<const idx_t *>(ids));
		return static_cast<int64_t>(vi->index->remove_ids(sel));
	} catch (const std::bad_alloc &) {
		return ra_error_oom();
	} catch (const std::exception &e) {
		return fail(RA_ERR, "remove", e);
	} catch (...) {
		return ra_error_set(RA_ERR, "faiss remove: unknown exception");
	}
}

extern "C" int ra_vecindex_search(ra_vecindex *vi, const float *query, size_t k, float *scores,
                                  int64_t *ids)
{
	if (k == 0)
		return 0;
	/* one query is a memory-bound scan: OpenMP workers cost more to wake (and spin after) than
	   they save, so it runs on the calling thread; the caller's setting is restored */
	int threads = omp_get_max_threads();
	omp_set_num_threads(1);
	try {
		vi->index->search(1, query, static_cast<idx_t>(k), scores,
		                  reinterpret_cast<idx_t *>(ids));
		omp_set_num_threads(threads);
	} catch (const std::bad_alloc &) {
		omp_set_num_threads(threads);
		return ra_error_oom();
	} catch (const std::exception &e) {
		omp_set_num_threads(threads);
		return fail(RA_ERR, "search", e);
	} catch (...) {
		omp_set_num_threads(threads);
		return ra_error_set(RA_ERR, "faiss search: unknown exception");
	}
	int found = 0;
	while ((size_t)found < k && ids[found] >= 0)
		found++;
	return found;
}

extern "C" size_t ra_vecindex_count(const ra_vecindex *vi)
{
	return static_cast<size_t>(vi->index->ntotal);
}

extern "C" int ra_vecindex_dim(const ra_vecindex *vi)
{
	return vi->index->d;
}

extern "C" int ra_vecindex_write(ra_vecindex *vi, const char *path)
{
	std::string tmp = std::string(path) + ".tmp." + std::to_string(getpid());
	try {
		faiss::write_index(vi->index, tmp.c_str());
	} catch (const std::bad_alloc &) {
		unlink(tmp.c_str());
		return ra_error_oom();
	} catch (const std::exception &e) {
		unlink(tmp.c_str());
		return fail(RA_ERR, "write", e);
	} catch (...) {
		unlink(tmp.c_str());
		return ra_error_set(RA_ERR, "faiss write: unknown exception");
	}
	if (rename(tmp.c_str(), path) != 0) {
		int err = errno;
		unlink(tmp.c_str());
		return ra_error_set(RA_ERR, "%s: %s", path, strerror(err));
	}
	return RA_OK;
}

extern "C" int ra_vecindex_read(ra_vecindex **out, const char *path)
{
	if (access(path, R_OK) != 0)
		return ra_error_set(errno == ENOENT ? RA_ENOTFOUND : RA_ERR, "%s: %s", path,
		                    strerror(errno));
	ra_vecindex *vi = static_cast<ra_vecindex *>(ra_calloc(1, sizeof(*vi)));
	if (!vi)
		return RA_ENOMEM;
	try {
		vi->index = faiss::read_index(path);
	} catch (const std::bad_alloc &) {
		ra_free(vi);
		return ra_error_oom();
	} catch (const std::exception &e) {
		ra_free(vi);
		return fail(RA_EINVAL, "read", e);
	} catch (...) {
		ra_free(vi);
		return ra_error_set(RA_EINVAL, "faiss read %s: unknown exception", path);
	}
	if (!dynamic_cast<faiss::IndexIDMap2 *>(vi->index)) {
		delete vi->index;
		ra_free(vi);
		return ra_error_set(RA_EINVAL, "%s: not an rtlassist vector index", path);
	}
	*out = vi;
	return RA_OK;
}
