/* test_dep_faiss.c - faiss through our extern "C" shim: add with ids, search, remove, write/read,
 * errors (bad factory string, corrupt file) coming back as codes instead of exceptions, our SQ8
 * scan against faiss's, and IVF's nprobe. */
#define _DEFAULT_SOURCE
#include "indexer/vecindex.h"
#include "tests/ra_test.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { DIM = 16, N = 500 };

/* deterministic unit vectors */
static void make_vectors(float *v, size_t n)
{
	unsigned s = 12345;

	for (size_t i = 0; i < n; i++) {
		float norm = 0;

		for (int d = 0; d < DIM; d++) {
			s = s * 1103515245u + 12345u;
			v[i * DIM + d] = (float)((s >> 16) & 0x7fff) / 32768.0f - 0.5f;
			norm += v[i * DIM + d] * v[i * DIM + d];
		}
		for (int d = 0; d < DIM; d++)
			v[i * DIM + d] /= sqrtf(norm);
	}
}

RA_TEST(faiss_add_search_remove_roundtrip)
{
	static float v[N * DIM];
	int64_t ids[N], got[5];
	float scores[5];
	char dir[] = "/tmp/ra_faiss_XXXXXX", path[4200];
	ra_vecindex *vi = NULL, *back = NULL;

	make_vectors(v, N);
	for (int i = 0; i < N; i++)
		ids[i] = 1000 + i * 3;
	RA_CHECK(ra_vecindex_open(&vi, DIM, "Flat") == 0);
	RA_CHECK(!ra_vecindex_needs_training(vi));
	RA_CHECK(ra_vecindex_add(vi, N, v, ids) == 0);
	RA_CHECK_INT(ra_vecindex_count(vi), N);
	RA_CHECK_INT(ra_vecindex_dim(vi), DIM);

	/* each vector's nearest neighbour is itself, with our id */
	RA_CHECK_INT(ra_vecindex_search(vi, v + 42 * DIM, 5, scores, got), 5);
	RA_CHECK_INT(got[0], ids[42]);
	RA_CHECK(fabsf(scores[0] - 1.0f) < 1e-4f);
	RA_CHECK(scores[1] <= scores[0]);

	/* removed ids are gone */
	RA_CHECK_INT(ra_vecindex_remove(vi, 1, &ids[42]), 1);
	RA_CHECK_INT(ra_vecindex_count(vi), N - 1);
	RA_CHECK(ra_vecindex_search(vi, v + 42 * DIM, 1, scores, got) == 1);
	RA_CHECK(got[0] != ids[42]);

	/* write, read back, same answers */
	RA_CHECK(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/vec.faiss", dir);
	RA_CHECK(ra_vecindex_write(vi, path) == 0);
	RA_CHECK(ra_vecindex_read(&back, path) == 0);
	RA_CHECK_INT(ra_vecindex_count(back), N - 1);
	RA_CHECK(ra_vecindex_search(back, v + 7 * DIM, 1, scores, got) == 1);
	RA_CHECK_INT(got[0], ids[7]);
	ra_vecindex_close(back);
	ra_vecindex_close(vi);
}

RA_TEST(faiss_errors_are_codes)
{
	char dir[] = "/tmp/ra_faiss_XXXXXX", path[4200];
	ra_vecindex *vi = NULL;
	FILE *f;

	RA_CHECK(ra_vecindex_open(&vi, DIM, "NoSuchIndexType") == RA_EINVAL);
	RA_CHECK(strstr(ra_error_last(), "faiss") != NULL);
	RA_CHECK(ra_vecindex_open(&vi, 0, "Flat") == RA_EINVAL);
	RA_CHECK(ra_vecindex_read(&vi, "/nonexistent/x.faiss") == RA_ENOTFOUND);

	RA_CHECK(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/corrupt.faiss", dir);
	f = fopen(path, "w");
	fputs("IxM2 this is not an index", f);
	fclose(f);
	RA_CHECK(ra_vecindex_read(&vi, path) == RA_EINVAL);

	/* an IVF index must be trained first; adding untrained fails cleanly */
	float v[DIM] = {1};
	int64_t id = 1;
	RA_CHECK(ra_vecindex_open(&vi, DIM, "IVF4,Flat") == 0);
	RA_CHECK(ra_vecindex_needs_training(vi));
	RA_CHECK(ra_vecindex_add(vi, 1, v, &id) == RA_ERR);
	ra_vecindex_close(vi);
}

/* unit vectors of `dim` dimensions; sparse ones put their weight on a few components, like
   the builtin embedder's */
static void make_unit(float *v, size_t n, int dim, bool sparse, unsigned seed)
{
	for (size_t i = 0; i < n; i++) {
		float *x = v + i * (size_t)dim, norm = 0;

		for (int d = 0; d < dim; d++) {
			seed = seed * 1103515245u + 12345u;
			x[d] = (float)((seed >> 16) & 0x7fff) / 32768.0f - 0.5f;
			if (sparse && (seed >> 8) % 8 != 0)
				x[d] = 0;
			norm += x[d] * x[d];
		}
		if (norm == 0) {
			x[i % (size_t)dim] = 1;
			norm = 1;
		}
		for (int d = 0; d < dim; d++)
			x[d] /= sqrtf(norm);
	}
}

/* the same neighbour at rank i as faiss's, or a near tie there (the last rank may tie with the
   first one left out) */
static bool same_or_tied(const int64_t *got, const int64_t *ref, const float *ref_sc, int i, int k)
{
	return got[i] == ref[i] || i == k - 1 ||
	       (i > 0 && fabsf(ref_sc[i] - ref_sc[i - 1]) < 1e-4f) ||
	       fabsf(ref_sc[i] - ref_sc[i + 1]) < 1e-4f;
}

/* our SQ8 scan (each kernel) against faiss's own search of the same index */
RA_TEST(faiss_sq8_scan_matches_faiss)
{
	static const int dims[] = {16, 100, 384};
	enum { NV = 3000, NQ = 12, KK = 10 };

	for (size_t t = 0; t < 2 * sizeof(dims) / sizeof(dims[0]); t++) {
		int dim = dims[t / 2];
		bool sparse = t % 2;
		float *v = malloc((size_t)NV * (size_t)dim * sizeof(float));
		float *q = malloc((size_t)NQ * (size_t)dim * sizeof(float));
		float *range = malloc(2 * (size_t)dim * sizeof(float));
		int64_t *ids = malloc(NV * sizeof(int64_t));
		ra_vecindex *vi = NULL;

		RA_CHECK(v && q && range && ids);
		make_unit(v, NV, dim, sparse, 7u + (unsigned)t);
		make_unit(q, NQ, dim, sparse, 99u + (unsigned)t);
		for (int d = 0; d < dim; d++) {
			range[d] = -1;
			range[dim + d] = 1;
		}
		for (int i = 0; i < NV; i++)
			ids[i] = 5 + 2 * i;
		RA_CHECK(ra_vecindex_open(&vi, dim, "SQ8") == 0);
		RA_CHECK(ra_vecindex_needs_training(vi));
		RA_CHECK(ra_vecindex_train(vi, 2, range) == 0);
		RA_CHECK(ra_vecindex_add(vi, NV, v, ids) == 0);
		/* removal renumbers the rows under the id map */
		RA_CHECK_INT(ra_vecindex_remove(vi, 3, ids + 100), 3);
		for (int k = 0; k < NQ; k++) {
			static const int kernels[] = {
			        RA_VECINDEX_KERNEL_FAISS, RA_VECINDEX_KERNEL_AUTO,
			        RA_VECINDEX_KERNEL_SSE2, RA_VECINDEX_KERNEL_GENERIC};
			int64_t got[4][KK];
			float sc[4][KK];

			for (int m = 0; m < 4; m++) {
				ra_vecindex_set_kernel(vi, kernels[m]);
				RA_CHECK_INT(ra_vecindex_search(vi, q + (size_t)k * (size_t)dim, KK,
				                                sc[m], got[m]),
				             KK);
			}
			for (int m = 1; m < 4; m++)
				for (int i = 0; i < KK; i++) {
					RA_CHECKF(fabsf(sc[m][i] - sc[0][i]) < 1e-4f,
					          "dim %d sparse %d kernel %d rank %d: %f vs %f",
					          dim, sparse, m, i, sc[m][i], sc[0][i]);
					RA_CHECKF(same_or_tied(got[m], got[0], sc[0], i, KK),
					          "dim %d kernel %d rank %d: id %lld vs faiss %lld",
					          dim, m, i, (long long)got[m][i],
					          (long long)got[0][i]);
				}
			for (int m = 2; m < 4; m++) /* the integer kernels agree exactly */
				RA_CHECK(memcmp(got[m], got[1], sizeof(got[1])) == 0);
		}
		/* a vector finds itself first; asking for more than there are gives all */
		ra_vecindex_set_kernel(vi, RA_VECINDEX_KERNEL_AUTO);
		{
			int64_t *all = malloc(NV * sizeof(int64_t));
			float *asc = malloc(NV * sizeof(float));

			RA_CHECK(ra_vecindex_search(vi, v + 7 * (size_t)dim, 1, asc, all) == 1);
			RA_CHECK_INT(all[0], ids[7]);
			RA_CHECK_INT(ra_vecindex_search(vi, v, NV, asc, all), NV - 3);
			RA_CHECK_INT(all[NV - 4] >= 0, 1);
			RA_CHECK_INT(all[NV - 3], -1);
			for (int i = 1; i < NV - 3; i++)
				RA_CHECK(asc[i] <= asc[i - 1]);
			free(all);
			free(asc);
		}
		ra_vecindex_close(vi);
		free(v);
		free(q);
		free(range);
		free(ids);
	}
}

RA_TEST(faiss_ivf_nprobe)
{
	static float v[N * DIM];
	int64_t ids[N], got[1];
	float sc[1];
	ra_vecindex *vi = NULL;

	make_vectors(v, N);
	for (int i = 0; i < N; i++)
		ids[i] = i;
	RA_CHECK(ra_vecindex_open(&vi, DIM, "Flat") == 0);
	RA_CHECK_INT(ra_vecindex_set_nprobe(vi, 4), RA_EINVAL);
	ra_vecindex_close(vi);
	RA_CHECK(ra_vecindex_open(&vi, DIM, "IVF8,Flat") == 0);
	RA_CHECK(ra_vecindex_train(vi, N, v) == 0);
	RA_CHECK(ra_vecindex_add(vi, N, v, ids) == 0);
	/* probing every list is exhaustive: each vector finds itself */
	RA_CHECK(ra_vecindex_set_nprobe(vi, 1000) == 0);
	for (int i = 0; i < N; i += 50) {
		RA_CHECK_INT(ra_vecindex_search(vi, v + i * DIM, 1, sc, got), 1);
		RA_CHECK_INT(got[0], i);
	}
	ra_vecindex_close(vi);
}

RA_TEST_MAIN()
