/*
 * fts_internal.h - the tokenizer's scanner for sibling modules of the indexer (the embedder),
 * with the choice fts.h's public calls make for them: with or without abbreviation expansion.
 */
#ifndef RA_FTS_INTERNAL_H
#define RA_FTS_INTERNAL_H

#include "indexer/fts.h"

/* Like ra_fts_tokens; `synonyms` false leaves out the abbreviation table's other spellings. */
int ra_fts__scan(const char *text, size_t len, bool synonyms,
                 int (*fn)(const char *tok, size_t n, void *payload), void *payload);

#endif /* RA_FTS_INTERNAL_H */
