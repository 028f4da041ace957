/*
 * fusion.c - the arithmetic of search that needs no database: reciprocal rank fusion of ranked
 * lists (see search.h; fuzzy matching of names is in names.c).
 */
#include "retriever/search.h"

#include <stdlib.h>
#include <string.h>

void ra_search_weights_default(ra_search_weights *out)
{
	/* Tuned on verilog-eval only (bench_retrieval --weights L,V,S,G --sets ve, a grid of
	 * L 1-3, V 0.7-1, S 0.3-0.8, G 0.25-0.5); the yosys/ghdl set stays unseen. MRR@10 is flat
	 * around lexical 2, vector 1, symbol 0.3-0.5 (0.744-0.747, against 0.718 for the a-priori
	 * 1, 1, 0.8, 0.5); this is the middle of that plateau. The symbol channel stays low: the
	 * names in a question are often common words. Held out, yosys/ghdl went 0.580 -> 0.619. */
	*out = (ra_search_weights){
	        .rrf_k = 60.0,
	        .w = {2.0, 1.0, 0.5, 0.5},
	        .graph_decay = 0.5,
	        .graph_sources = 5,
	        .depth = {50, 50, 30, 20},
	};
}

const char *ra_search_channel_name(unsigned bit)
{
	switch (bit) {
	case RA_SEARCH_LEXICAL:
		return "lexical";
	case RA_SEARCH_VECTOR:
		return "vector";
	case RA_SEARCH_SYMBOL:
		return "symbol";
	case RA_SEARCH_GRAPH:
		return "graph";
	default:
		return NULL;
	}
}

/* open-addressing map from id to slot in the fused array */
typedef struct idmap {
	int64_t *keys;
	int32_t *vals;
	size_t cap;
} idmap;

static size_t hash_id(int64_t id, size_t cap)
{
	uint64_t x = (uint64_t)id * 0x9E3779B97F4A7C15ull;

	return (size_t)(x >> 17) & (cap - 1);
}

static int32_t *idmap_slot(idmap *m, int64_t id, bool *found)
{
	size_t i = hash_id(id, m->cap);

	while (m->vals[i] >= 0 && m->keys[i] != id)
		i = (i + 1) & (m->cap - 1);
	*found = m->vals[i] >= 0;
	m->keys[i] = id;
	return &m->vals[i];
}

static int cmp_fused(const void *a, const void *b)
{
	const ra_search_fused *x = a, *y = b;
	int cx = __builtin_popcount(x->channels), cy = __builtin_popcount(y->channels);

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	if (cx != cy)
		return cx > cy ? -1 : 1;
	if (x->best_rank != y->best_rank)
		return x->best_rank < y->best_rank ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

int ra_search_fuse(ra_search_fused **out, size_t *n, const ra_search_ranked *lists, size_t nlists,
                   double k)
{
	size_t total = 0, cap = 16, used = 0;
	ra_search_fused *f;
	int32_t *last;
	idmap m = {0};

	for (size_t l = 0; l < nlists; l++)
		total += lists[l].n;
	while (cap < total * 2)
		cap *= 2;
	f = ra_malloc((total ? total : 1) * sizeof(*f));
	last = ra_malloc((total ? total : 1) * sizeof(*last));
	m.keys = ra_malloc(cap * sizeof(*m.keys));
	m.vals = ra_malloc(cap * sizeof(*m.vals));
	m.cap = cap;
	if (!f || !last || !m.keys || !m.vals) {
		ra_free(f);
		ra_free(last);
		ra_free(m.keys);
		ra_free(m.vals);
		return RA_ENOMEM;
	}
	memset(m.vals, 0xff, cap * sizeof(*m.vals));
	for (size_t l = 0; l < nlists; l++) {
		const ra_search_ranked *r = &lists[l];

		for (size_t i = 0; i < r->n; i++) {
			bool found;
			int32_t *slot = idmap_slot(&m, r->ids[i], &found);
			ra_search_fused *e;
			uint32_t rank = (uint32_t)i + 1;

			if (!found) {
				*slot = (int32_t)used;
				last[used] = -1;
				f[used++] = (ra_search_fused){r->ids[i], 0.0, 0, rank};
			}
			e = &f[*slot];
			if (found && last[*slot] == (int32_t)l)
				continue; /* repeated within one list: its first rank counts */
			last[*slot] = (int32_t)l;
			e->score += r->weight / (k + (double)rank);
			e->channels |= r->channel;
			if (rank < e->best_rank)
				e->best_rank = rank;
		}
	}
	qsort(f, used, sizeof(*f), cmp_fused);
	ra_free(last);
	ra_free(m.keys);
	ra_free(m.vals);
	*out = f;
	*n = used;
	return RA_OK;
}
