/* test_dep_faiss.c - faiss through our extern "C" shim: add with ids, search, remove, write/read,
 * and errors (bad factory string, corrupt file) coming back as codes instead of exceptions. */
#define _DEFAULT_SOURCE
#include "indexer/vecindex.h"
#include "tests/ra_test.h"

#include <math.h>
#include <stdlib.h>

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

RA_TEST_MAIN()
