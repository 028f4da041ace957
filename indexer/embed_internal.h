/*
 * embed_internal.h - knobs of the builtin embedder, for the measurements that chose its design
 * (see embed.c). The product always runs with the defaults; changing them changes no id, so
 * only measurement tools call this.
 */
#ifndef RA_EMBED_INTERNAL_H
#define RA_EMBED_INTERNAL_H

#include "indexer/embed.h"

typedef struct ra_embed_tune {
	bool words;     /* every token of fts.h (whole identifiers and sub-words) is a feature */
	bool synonyms;  /* and the abbreviation table's other spellings */
	int ngram;      /* character n-grams of each token, of this length (0: none) */
	float ngram_w;  /* weight of an n-gram feature relative to a token */
	bool sublinear; /* 1 + ln(tf) rather than tf */
	float stop_w;   /* weight of English function words and HDL keywords */
	uint64_t seed;  /* of the feature hash (measurements average over seeds) */
} ra_embed_tune;

/* The defaults (what "builtin-v1" means). */
ra_embed_tune ra_embed__tune_default(void);

/* Replaces the builtin embedder's knobs; RA_EINVAL for an HTTP embedder. */
int ra_embed__set_tune(ra_embedder *e, const ra_embed_tune *t);

#endif /* RA_EMBED_INTERNAL_H */
