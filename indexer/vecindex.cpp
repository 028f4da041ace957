/*
 * vecindex.cpp - the extern "C" shim over faiss's C++ API (see vecindex.h). Every entry point
 * catches every exception; nothing C++ crosses into C.
 *
 * Searching 8-bit scalar-quantised storage ("SQ8") is ours, not faiss's: Debian's faiss is built
 * for the x86-64 baseline and decodes every code to float before a scalar dot product (43 ms
 * for 50k x 384). Each dimension of SQ8 decodes affinely, x_j = a_j + c_j * s_j for the code
 * c_j, so the inner product with a query q is sum q_j a_j + sum (q_j s_j) c_j: the second sum is
 * an integer dot product of the codes with q_j s_j rounded to int16 (SSE2 pmaddwd, AVX2 when the
 * CPU has it; the same integers either way). The best 2k + 16 rows by that sum are then scored
 * again exactly in float on their decoded vectors and the best k returned, so the answer is
 * faiss's own up to float rounding (tests/unit/test_vectors.c compares them).
 */
#include "indexer/vecindex.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <unistd.h>

#include <faiss/IndexIDMap.h>
#include <faiss/IndexIVF.h>
#include <faiss/IndexScalarQuantizer.h>
#include <faiss/impl/IDSelector.h>
#include <faiss/index_factory.h>
#include <faiss/index_io.h>
#include <omp.h>
#include <vector>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

using idx_t = faiss::Index::idx_t;

struct ra_vecindex {
	faiss::Index *index; /* an IndexIDMap2 owning its storage index */
	int kernel;          /* RA_VECINDEX_KERNEL_* */
};

/*
 * faiss parallelises add, train and search with OpenMP; the blocks we hand it (256 vectors, one
 * query) are too small for that to pay, and OpenMP's idle workers spin between regions: a cold
 * index of OpenTitan spent 44% of its CPU samples spinning in libgomp during the vector update.
 * Every call runs on the calling thread; the caller's setting is restored.
 */
struct one_thread {
	int saved;
	one_thread() : saved(omp_get_max_threads())
	{
		omp_set_num_threads(1);
	}
	~one_thread()
	{
		omp_set_num_threads(saved);
	}
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
	one_thread guard;

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
	one_thread guard;

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
	one_thread guard;

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

/* ---- SQ8 scan ----------------------------------------------------------------------------- */

/* integer dot products of n rows of d codes (row stride d) with q[d], into out[n] */
static void dot_u8_i16_generic(const uint8_t *codes, size_t n, size_t d, const int16_t *q,
                               int32_t *out)
{
	for (size_t i = 0; i < n; i++) {
		const uint8_t *c = codes + i * d;
		int32_t acc = 0;

		for (size_t j = 0; j < d; j++)
			acc += (int32_t)c[j] * q[j];
		out[i] = acc;
	}
}

#if defined(__x86_64__)
static void dot_u8_i16_sse2(const uint8_t *codes, size_t n, size_t d, const int16_t *q,
                            int32_t *out)
{
	const __m128i zero = _mm_setzero_si128();
	size_t d16 = d & ~(size_t)15;

	for (size_t i = 0; i < n; i++) {
		const uint8_t *c = codes + i * d;
		__m128i acc = _mm_setzero_si128();
		int32_t lanes[4], sum = 0;

		for (size_t j = 0; j < d16; j += 16) {
			__m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i *>(c + j));
			__m128i lo = _mm_unpacklo_epi8(x, zero), hi = _mm_unpackhi_epi8(x, zero);
			__m128i w0 = _mm_loadu_si128(reinterpret_cast<const __m128i *>(q + j));
			__m128i w1 = _mm_loadu_si128(reinterpret_cast<const __m128i *>(q + j + 8));

			acc = _mm_add_epi32(acc, _mm_madd_epi16(lo, w0));
			acc = _mm_add_epi32(acc, _mm_madd_epi16(hi, w1));
		}
		_mm_storeu_si128(reinterpret_cast<__m128i *>(lanes), acc);
		sum = lanes[0] + lanes[1] + lanes[2] + lanes[3];
		for (size_t j = d16; j < d; j++)
			sum += (int32_t)c[j] * q[j];
		out[i] = sum;
	}
}

__attribute__((target("avx2"))) static void
dot_u8_i16_avx2(const uint8_t *codes, size_t n, size_t d, const int16_t *q, int32_t *out)
{
	size_t d16 = d & ~(size_t)15;

	for (size_t i = 0; i < n; i++) {
		const uint8_t *c = codes + i * d;
		__m256i acc = _mm256_setzero_si256();
		__m128i s;
		int32_t sum;

		for (size_t j = 0; j < d16; j += 16) {
			__m256i x = _mm256_cvtepu8_epi16(
			        _mm_loadu_si128(reinterpret_cast<const __m128i *>(c + j)));
			__m256i w = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(q + j));

			acc = _mm256_add_epi32(acc, _mm256_madd_epi16(x, w));
		}
		s = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
		s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
		s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
		sum = _mm_cvtsi128_si32(s);
		for (size_t j = d16; j < d; j++)
			sum += (int32_t)c[j] * q[j];
		out[i] = sum;
	}
}
#endif

typedef void (*dot_fn)(const uint8_t *, size_t, size_t, const int16_t *, int32_t *);

static dot_fn pick_dot(int kernel)
{
#if defined(__x86_64__)
	if (kernel == RA_VECINDEX_KERNEL_GENERIC)
		return dot_u8_i16_generic;
	if (kernel == RA_VECINDEX_KERNEL_SSE2)
		return dot_u8_i16_sse2;
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx2") ? dot_u8_i16_avx2 : dot_u8_i16_sse2;
#else
	(void)kernel;
	return dot_u8_i16_generic;
#endif
}

/* the SQ8 storage under the id map, or NULL when the storage is something else */
static const faiss::IndexScalarQuantizer *sq8_of(const ra_vecindex *vi)
{
	const auto *map = dynamic_cast<const faiss::IndexIDMap2 *>(vi->index);
	const auto *sq =
	        map ? dynamic_cast<const faiss::IndexScalarQuantizer *>(map->index) : nullptr;

	if (!sq || sq->metric_type != faiss::METRIC_INNER_PRODUCT || !sq->is_trained ||
	    sq->code_size != static_cast<size_t>(sq->d) ||
	    (sq->sq.qtype != faiss::ScalarQuantizer::QT_8bit &&
	     sq->sq.qtype != faiss::ScalarQuantizer::QT_8bit_uniform))
		return nullptr;
	return sq;
}

typedef struct cand {
	int32_t key; /* integer score, or float rank after rescoring */
	float score;
	idx_t row;
} cand;

/* min-heap on key (ties: the larger row first out), so the root is the worst kept */
static bool worse(const cand &a, const cand &b)
{
	return a.key != b.key ? a.key < b.key : a.row > b.row;
}

static void sift_down(cand *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;

		if (l < n && worse(h[l], h[m]))
			m = l;
		if (l + 1 < n && worse(h[l + 1], h[m]))
			m = l + 1;
		if (m == i)
			return;
		std::swap(h[i], h[m]);
		i = m;
	}
}

static void sift_up(cand *h, size_t i)
{
	while (i > 0 && worse(h[i], h[(i - 1) / 2])) {
		std::swap(h[i], h[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
}

static int search_sq8(const ra_vecindex *vi, const faiss::IndexScalarQuantizer *sq,
                      const float *query, size_t k, float *scores, int64_t *ids)
{
	const auto *map = static_cast<const faiss::IndexIDMap2 *>(vi->index);
	size_t d = static_cast<size_t>(sq->d), n = static_cast<size_t>(sq->ntotal);
	size_t keep = std::min(n, 2 * k + 16), nh = 0;
	std::vector<uint8_t> probe(3 * d);
	std::vector<float> dec(3 * d), w(d);
	std::vector<int16_t> qi(d);
	std::vector<cand> heap(keep);
	int32_t block[1024];
	float wmax = 0, scale;
	dot_fn dot = pick_dot(vi->kernel);

	/* each dimension's affine decoding, from faiss's own decoder: codes 0, 255 and 128 */
	for (size_t j = 0; j < d; j++) {
		probe[j] = 0;
		probe[d + j] = 255;
		probe[2 * d + j] = 128;
	}
	/* decoded one vector at a time: ScalarQuantizer::decode wakes OpenMP workers */
	std::unique_ptr<faiss::ScalarQuantizer::SQuantizer> codec(sq->sq.select_quantizer());
	for (size_t v = 0; v < 3; v++)
		codec->decode_vector(probe.data() + v * d, dec.data() + v * d);
	for (size_t j = 0; j < d; j++) {
		float a = dec[j], step = (dec[d + j] - dec[j]) / 255.0f;

		if (std::fabs(a + 128 * step - dec[2 * d + j]) > 0.01f * std::fabs(step) + 1e-6f)
			return ra_error_set(RA_ERR, "vector index: SQ8 decoding is not affine");
		w[j] = query[j] * step;
		wmax = std::max(wmax, std::fabs(w[j]));
	}
	/* |sum| <= d * 255 * 32767 < 2^31 for d <= 256; larger d gets a smaller scale */
	scale = wmax > 0 ? 32767.0f / wmax : 0;
	if (d > 256)
		scale *= 256.0f / static_cast<float>(d);
	for (size_t j = 0; j < d; j++)
		qi[j] = static_cast<int16_t>(std::lrintf(w[j] * scale));
	for (size_t i0 = 0; i0 < n; i0 += 1024) {
		size_t m = std::min<size_t>(1024, n - i0);

		dot(sq->codes.data() + i0 * d, m, d, qi.data(), block);
		for (size_t i = 0; i < m; i++) {
			cand c = {block[i], 0, static_cast<idx_t>(i0 + i)};

			if (nh < keep) {
				heap[nh] = c;
				sift_up(heap.data(), nh++);
			} else if (worse(heap[0], c)) {
				heap[0] = c;
				sift_down(heap.data(), nh, 0);
			}
		}
	}
	/* exact scores of the kept rows on their decoded vectors */
	for (size_t h = 0; h < nh; h++) {
		double sum = 0;

		codec->decode_vector(sq->codes.data() + static_cast<size_t>(heap[h].row) * d,
		                     dec.data());
		for (size_t j = 0; j < d; j++)
			sum += static_cast<double>(query[j]) * dec[j];
		heap[h].score = static_cast<float>(sum);
	}
	std::sort(heap.begin(), heap.begin() + static_cast<long>(nh),
	          [](const cand &a, const cand &b) {
		          return a.score != b.score ? a.score > b.score : a.row < b.row;
	          });
	for (size_t i = 0; i < k; i++) {
		scores[i] = i < nh ? heap[i].score : -INFINITY;
		ids[i] =
		        i < nh ? static_cast<int64_t>(map->id_map[static_cast<size_t>(heap[i].row)])
		               : -1;
	}
	return static_cast<int>(std::min(k, nh));
}

extern "C" int ra_vecindex_search(ra_vecindex *vi, const float *query, size_t k, float *scores,
                                  int64_t *ids)
{
	if (k == 0)
		return 0;
	if (vi->kernel != RA_VECINDEX_KERNEL_FAISS) {
		try {
			const faiss::IndexScalarQuantizer *sq = sq8_of(vi);

			if (sq)
				return search_sq8(vi, sq, query, k, scores, ids);
		} catch (const std::bad_alloc &) {
			return ra_error_oom();
		} catch (const std::exception &e) {
			return fail(RA_ERR, "search", e);
		}
	}
	/* one query is a memory-bound scan: on the calling thread (one_thread) */
	one_thread guard;
	try {
		vi->index->search(1, query, static_cast<idx_t>(k), scores,
		                  reinterpret_cast<idx_t *>(ids));
	} catch (const std::bad_alloc &) {
		return ra_error_oom();
	} catch (const std::exception &e) {
		return fail(RA_ERR, "search", e);
	} catch (...) {
		return ra_error_set(RA_ERR, "faiss search: unknown exception");
	}
	int found = 0;
	while ((size_t)found < k && ids[found] >= 0)
		found++;
	return found;
}

extern "C" void ra_vecindex_set_kernel(ra_vecindex *vi, int kernel)
{
	vi->kernel = kernel;
}

extern "C" int ra_vecindex_set_nprobe(ra_vecindex *vi, size_t nprobe)
{
	auto *map = dynamic_cast<faiss::IndexIDMap2 *>(vi->index);
	auto *ivf = map ? dynamic_cast<faiss::IndexIVF *>(map->index) : nullptr;

	if (!ivf)
		return ra_error_set(RA_EINVAL, "vector index: not an IVF index");
	ivf->nprobe = std::max<size_t>(1, std::min(nprobe, ivf->nlist));
	return RA_OK;
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
