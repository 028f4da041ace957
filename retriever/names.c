/*
 * names.c - fuzzy matching of a query word against a name (ra_search_name_match, search.h) and
 * the indexed table that finds every name such a word matches without comparing it with each
 * (names.h).
 *
 * ra_names_fuzzy gathers (name, word, score) candidates from the indexes, sorts them by name,
 * adds each name's per-word scores in word order and then keeps the best exactly as a scan of
 * every name in index order would: the result is the brute force's, bit for bit.
 */
#define _GNU_SOURCE /* qsort_r */
#include "retriever/names.h"

#include "base/base.h"
#include "retriever/search.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- one word against one name ------------------------------------------------------------ */

static bool is_subword_start(const char *s, size_t i)
{
	unsigned char p, c;

	if (i == 0)
		return true;
	p = (unsigned char)s[i - 1];
	c = (unsigned char)s[i];
	if (p == '_' || p == '$')
		return c != '_' && c != '$';
	if (islower(p) && isupper(c))
		return true;
	if (isalpha(p) && isdigit(c))
		return true;
	if (isdigit(p) && isalpha(c))
		return true;
	/* "AXIResp": the last capital of a run starts the next word */
	return isupper(p) && isupper(c) && islower((unsigned char)s[i + 1]);
}

static bool is_subword_end(const char *s, size_t i)
{
	/* position i is one past a sub-word's end */
	return s[i] == '\0' || s[i] == '_' || s[i] == '$' || is_subword_start(s, i);
}

static bool eq_fold(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (tolower((unsigned char)a[i]) != tolower((unsigned char)b[i]))
			return false;
	return true;
}

/* Levenshtein distance of a and b, or max + 1 when above max (lengths up to 63) */
static int edit_distance(const char *a, size_t la, const char *b, size_t lb, int max)
{
	int prev[64], cur[64];

	if (la > 63 || lb > 63)
		return max + 1;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		int best;

		cur[0] = (int)i;
		best = cur[0];
		for (size_t j = 1; j <= lb; j++) {
			int sub = prev[j - 1] + (tolower((unsigned char)a[i - 1]) !=
			                         tolower((unsigned char)b[j - 1]));
			int del = prev[j] + 1, ins = cur[j - 1] + 1;

			cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
			if (cur[j] < best)
				best = cur[j];
		}
		if (best > max)
			return max + 1;
		memcpy(prev, cur, (lb + 1) * sizeof(int));
	}
	return prev[lb];
}

/* the edits a word of lw bytes may be away from a name */
static int max_edits(size_t lw)
{
	return lw >= 8 ? 2 : lw >= 4 ? 1 : 0;
}

double ra_search_name_match(const char *word, const char *name)
{
	size_t lw = strlen(word), ln = strlen(name);
	int maxd;

	if (!lw || !ln)
		return 0.0;
	if (lw == ln && eq_fold(word, name, lw))
		return 1.0;
	if (lw >= 3 && lw < ln && eq_fold(word, name, lw))
		return 0.8;
	for (size_t i = 1; lw < ln && i + lw <= ln; i++)
		if (is_subword_start(name, i) && eq_fold(name + i, word, lw) &&
		    is_subword_end(name, i + lw))
			return 0.7;
	maxd = max_edits(lw);
	if (maxd && (size_t)abs((int)lw - (int)ln) <= (size_t)maxd &&
	    edit_distance(word, lw, name, ln, maxd) <= maxd)
		return 0.5;
	return 0.0;
}

/* ---- the table ---------------------------------------------------------------------------- */

/* names of this many bytes or more are compared one by one (bitmaps below hold 64 positions) */
#define SHORT_MAX 63

typedef struct nent {
	uint32_t off; /* in text and low */
	uint32_t len;
	uint64_t mask;   /* letters and digits present, case-folded */
	uint64_t starts; /* bit j: a sub-word starts at j (short names) */
	uint64_t ends;   /* bit j: j is one past a sub-word's end (short names) */
} nent;

/* a sub-word start: name `name` from byte `at`; `head` the first 8 bytes of its lower-cased text
   from there, big-endian and NUL-padded, so that most comparisons of the sort are one integer's */
typedef struct subent {
	uint64_t head;
	uint32_t name, at;
} subent;

struct ra_names {
	char *text; /* the names, each NUL-terminated */
	char *low;  /* their lower-cased copies, at the same offsets */
	size_t text_len;
	nent *e;
	size_t n;
	subent *sub; /* every sub-word start of the short names, by lower-cased text from there */
	size_t nsub;
	uint32_t *bylen; /* short names by length */
	size_t lenstart[SHORT_MAX + 2];
	uint32_t *longs;
	size_t nlong;
};

static uint64_t letter_mask(const char *s)
{
	uint64_t m = 0;

	for (; *s; s++) {
		int c = tolower((unsigned char)*s);

		if (c >= 'a' && c <= 'z')
			m |= 1ull << (c - 'a');
		else if (c >= '0' && c <= '9')
			m |= 1ull << (26 + c - '0');
	}
	return m;
}

static int cmp_sub(const void *a, const void *b, void *arg)
{
	const ra_names *t = arg;
	const subent *x = a, *y = b;
	int c;

	if (x->head != y->head)
		return x->head < y->head ? -1 : 1;
	c = strcmp(t->low + t->e[x->name].off + x->at, t->low + t->e[y->name].off + y->at);

	if (c)
		return c;
	return x->name != y->name ? (x->name < y->name ? -1 : 1) : 0;
}

int ra_names_new(ra_names **out, const char *const *names, size_t n)
{
	ra_names *t;
	size_t text_len = 0, nsub = 0, pos = 0;

	*out = NULL;
	if (n > INT32_MAX)
		return ra_error_set(RA_ETOOBIG, "names: %zu names; at most %d", n, INT32_MAX);
	for (size_t i = 0; i < n; i++)
		text_len += strlen(names[i]) + 1;
	if (text_len > UINT32_MAX)
		return ra_error_set(RA_ETOOBIG, "names: %zu bytes of names", text_len);
	t = ra_calloc(1, sizeof(*t));
	if (!t)
		return RA_ENOMEM;
	t->n = n;
	t->text_len = text_len;
	t->text = ra_malloc(text_len ? text_len : 1);
	t->low = ra_malloc(text_len ? text_len : 1);
	t->e = ra_calloc(n ? n : 1, sizeof(*t->e));
	t->bylen = ra_malloc((n ? n : 1) * sizeof(*t->bylen));
	if (!t->text || !t->low || !t->e || !t->bylen)
		goto oom;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(names[i]);
		nent *e = &t->e[i];
		char *s = t->text + pos;

		memcpy(s, names[i], len + 1);
		for (size_t j = 0; j <= len; j++)
			t->low[pos + j] = (char)tolower((unsigned char)s[j]);
		e->off = (uint32_t)pos;
		e->len = (uint32_t)len;
		e->mask = letter_mask(s);
		pos += len + 1;
		if (!len)
			continue;
		if (len > SHORT_MAX) {
			t->nlong++;
			continue;
		}
		t->lenstart[len + 1]++;
		for (size_t j = 0; j < len; j++)
			if (is_subword_start(s, j)) {
				e->starts |= 1ull << j;
				nsub++;
			}
		for (size_t j = 1; j <= len; j++)
			if (s[j] == '\0' || s[j] == '_' || s[j] == '$' || (e->starts >> j & 1))
				e->ends |= 1ull << j; /* is_subword_end */
	}
	/* by length: counting sort */
	for (size_t l = 1; l <= SHORT_MAX + 1; l++)
		t->lenstart[l] += t->lenstart[l - 1];
	t->sub = ra_malloc((nsub ? nsub : 1) * sizeof(*t->sub));
	t->longs = ra_malloc((t->nlong ? t->nlong : 1) * sizeof(*t->longs));
	if (!t->sub || !t->longs)
		goto oom;
	{
		size_t fill[SHORT_MAX + 2], nl = 0;

		memcpy(fill, t->lenstart, sizeof(fill));
		for (size_t i = 0; i < n; i++) {
			const nent *e = &t->e[i];

			if (!e->len)
				continue;
			if (e->len > SHORT_MAX) {
				t->longs[nl++] = (uint32_t)i;
				continue;
			}
			t->bylen[fill[e->len]++] = (uint32_t)i;
			for (size_t j = 0; j < e->len; j++) {
				const char *l = t->low + e->off + j;
				uint64_t head = 0;
				bool end = false;

				if (!(e->starts >> j & 1))
					continue;
				for (size_t k = 0; k < 8; k++) {
					end = end || !l[k];
					head = head << 8 | (end ? 0u : (unsigned char)l[k]);
				}
				t->sub[t->nsub++] = (subent){head, (uint32_t)i, (uint32_t)j};
			}
		}
	}
	qsort_r(t->sub, t->nsub, sizeof(*t->sub), cmp_sub, t);
	*out = t;
	return RA_OK;
oom:
	ra_names_free(t);
	return RA_ENOMEM;
}

void ra_names_free(ra_names *t)
{
	if (!t)
		return;
	ra_free(t->text);
	ra_free(t->low);
	ra_free(t->e);
	ra_free(t->sub);
	ra_free(t->bylen);
	ra_free(t->longs);
	ra_free(t);
}

size_t ra_names_count(const ra_names *t)
{
	return t ? t->n : 0;
}

const char *ra_names_get(const ra_names *t, size_t i)
{
	return t->text + t->e[i].off;
}

size_t ra_names_bytes(const ra_names *t)
{
	if (!t)
		return 0;
	return sizeof(*t) + 2 * t->text_len + t->n * (sizeof(*t->e) + sizeof(*t->bylen)) +
	       t->nsub * sizeof(*t->sub) + t->nlong * sizeof(*t->longs);
}

/* ---- lookup ------------------------------------------------------------------------------- */

typedef struct cand {
	uint32_t name;
	uint32_t word;
	double score;
} cand;

typedef struct cands {
	cand *c;
	size_t n, cap;
} cands;

static int cands_add(cands *cs, size_t name, size_t word, double score)
{
	if (cs->n == cs->cap && ra_grow((void **)&cs->c, &cs->cap, cs->n + 1, sizeof(*cs->c)))
		return RA_ENOMEM;
	cs->c[cs->n++] = (cand){(uint32_t)name, (uint32_t)word, score};
	return RA_OK;
}

static int cmp_cand(const void *a, const void *b)
{
	const cand *x = a, *y = b;

	if (x->name != y->name)
		return x->name < y->name ? -1 : 1;
	return x->word < y->word ? -1 : x->word > y->word;
}

/* the sub-word starts whose text begins with the lower-cased word wl: [*lo, *hi) */
static void sub_range(const ra_names *t, const char *wl, size_t lw, size_t *lo, size_t *hi)
{
	size_t a = 0, b = t->nsub;

	while (a < b) {
		size_t mid = a + (b - a) / 2;
		const subent *s = &t->sub[mid];

		if (strncmp(t->low + t->e[s->name].off + s->at, wl, lw) < 0)
			a = mid + 1;
		else
			b = mid;
	}
	*lo = a;
	b = t->nsub;
	while (a < b) {
		size_t mid = a + (b - a) / 2;
		const subent *s = &t->sub[mid];

		if (strncmp(t->low + t->e[s->name].off + s->at, wl, lw) <= 0)
			a = mid + 1;
		else
			b = mid;
	}
	*hi = a;
}

/* every non-exact match of word `wi` among the names, into cs */
static int word_cands(const ra_names *t, const char *w, size_t wi, cands *cs)
{
	size_t lw = strlen(w), lo, hi;
	int maxd = max_edits(lw);
	char wl[SHORT_MAX + 1];
	uint64_t mw;
	int rc = RA_OK;

	for (size_t k = 0; k < t->nlong && !rc; k++) {
		double m = ra_search_name_match(w, ra_names_get(t, t->longs[k]));

		if (m > 0 && m < 1.0)
			rc = cands_add(cs, t->longs[k], wi, m);
	}
	/* a short name is longer than the word for a prefix or sub-word, and within maxd bytes
	   of it for an edit */
	if (rc || lw > SHORT_MAX)
		return rc;
	for (size_t j = 0; j <= lw; j++)
		wl[j] = (char)tolower((unsigned char)w[j]);
	sub_range(t, wl, lw, &lo, &hi);
	for (size_t k = lo; k < hi && !rc; k++) {
		const subent *s = &t->sub[k];
		const nent *e = &t->e[s->name];

		if (s->at == 0) {
			if (e->len > lw)
				rc = cands_add(cs, s->name, wi, 0.8);
		} else if (e->ends & (1ull << (s->at + lw))) {
			rc = cands_add(cs, s->name, wi, 0.7);
		}
	}
	if (rc || !maxd)
		return rc;
	mw = letter_mask(w);
	for (size_t len = lw > (size_t)maxd ? lw - (size_t)maxd : 1;
	     len <= lw + (size_t)maxd && len <= SHORT_MAX && !rc; len++) {
		for (size_t k = t->lenstart[len]; k < t->lenstart[len + 1] && !rc; k++) {
			const nent *e = &t->e[t->bylen[k]];
			int d;

			if (__builtin_popcountll(mw & ~e->mask) > maxd)
				continue;
			d = edit_distance(wl, lw, t->low + e->off, len, maxd);
			if (d > 0 && d <= maxd) /* 0: the exact name, looked up by the caller */
				rc = cands_add(cs, t->bylen[k], wi, 0.5);
		}
	}
	return rc;
}

int ra_names_fuzzy(ra_names_hit *out, size_t *n, size_t max, const ra_names *t,
                   const char *const *words, size_t nwords)
{
	cands cs = {0};
	size_t nbest = 0;
	int rc = RA_OK;

	*n = 0;
	if (!t || !max)
		return RA_OK;
	for (size_t i = 0; i < nwords && !rc; i++)
		if (strlen(words[i]) >= 3)
			rc = word_cands(t, words[i], i, &cs);
	if (rc)
		goto out;
	if (cs.n)
		qsort(cs.c, cs.n, sizeof(*cs.c), cmp_cand);
	for (size_t i = 0; i < cs.n;) {
		size_t name = cs.c[i].name;
		double sc = 0;

		/* one name: the best match of each word (they come sorted by word), summed in word
		   order like a scan would */
		while (i < cs.n && cs.c[i].name == name) {
			size_t word = cs.c[i].word;
			double m = 0;

			for (; i < cs.n && cs.c[i].name == name && cs.c[i].word == word; i++)
				if (cs.c[i].score > m)
					m = cs.c[i].score;
			sc += m;
		}
		if (nbest < max) {
			out[nbest++] = (ra_names_hit){name, sc};
		} else {
			size_t worst = 0;

			for (size_t j = 1; j < nbest; j++)
				if (out[j].score < out[worst].score)
					worst = j;
			if (sc > out[worst].score)
				out[worst] = (ra_names_hit){name, sc};
		}
	}
	*n = nbest;
out:
	ra_free(cs.c);
	return rc;
}
