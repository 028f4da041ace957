/*
 * names.h - the symbol channel's table of distinct names and its fuzzy lookup: the names that a
 * query word is a prefix of, a whole sub-word of, or within a small edit distance of, found
 * through indexes instead of comparing the word with every name.
 *
 * Design: built once per searcher (ra_searcher loads it on the first query), read many times.
 *  - prefix and sub-word: every name's sub-word starts (snake_case, camelCase, digits; the rules
 *    of ra_search_name_match) are sorted by the lower-cased text from there to the name's end;
 *    a word is binary-searched there, and a hit counts when the word ends at a sub-word end;
 *  - edit distance: the names sorted by length, so only lengths within reach are read; a
 *    letter-set mask per name skips those lacking more letters of the word than edits allow,
 *    before the distance is computed.
 * Names of 64 bytes or more (rare) are compared one by one.
 * The result equals comparing every name with ra_search_name_match (tests/unit/test_names.c
 * checks it against that brute force).
 *
 * Thread-safety: a built table is immutable; any number of threads may query it at once.
 */
#ifndef RA_NAMES_H
#define RA_NAMES_H

#include <stddef.h>

typedef struct ra_names ra_names;

/*
 * Builds the table over names[0..n-1] (copied; order kept: a name's index is its position).
 * Empty names are kept but never match. Returns 0 and the caller's table (ra_names_free) in
 * *out, RA_ENOMEM, RA_ETOOBIG above 2^31 names.
 */
int ra_names_new(ra_names **out, const char *const *names, size_t n);
void ra_names_free(ra_names *t);

size_t ra_names_count(const ra_names *t);
/* The name at index i (< count), borrowed from the table. */
const char *ra_names_get(const ra_names *t, size_t i);
/* Bytes the table holds (for logs and the benchmark). */
size_t ra_names_bytes(const ra_names *t);

typedef struct ra_names_hit {
	size_t name; /* index in the table */
	double score;
} ra_names_hit;

/*
 * The fuzzy matches of `nwords` query words: a name scores the sum over the words of
 * ra_search_name_match(word, name), counting an exact match (1.0) as 0 (the caller looks exact
 * names up itself) and words under 3 bytes as 0. Of the names scoring above 0, the first `max`
 * met in index order are kept, and a later one replaces the first lowest-scored kept one when it
 * scores strictly higher: *n (<= max) hits in out[], in the order of those slots.
 * Returns 0, RA_ENOMEM.
 */
int ra_names_fuzzy(ra_names_hit *out, size_t *n, size_t max, const ra_names *t,
                   const char *const *words, size_t nwords);

#endif /* RA_NAMES_H */
