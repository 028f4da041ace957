/*
 * test_names.c - the symbol channel's name table (retriever/names.h): exact names left to the
 * caller, prefixes, whole sub-words (snake_case, camelCase, digits), typos within one or two
 * edits, case folding, names of 64 bytes or more, and the whole result against a brute-force
 * scan of every name with ra_search_name_match over a generated table of 5000 names.
 */
#include "base/base.h"
#include "retriever/names.h"
#include "retriever/search.h"
#include "tests/ra_test.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static ra_names *build(const char *const *names, size_t n)
{
	ra_names *t = NULL;

	if (ra_names_new(&t, names, n) != 0)
		return NULL;
	return t;
}

/* the score of `name` in the fuzzy result of one word, or -1 when absent */
static double score_of(const ra_names *t, const char *word, const char *name)
{
	ra_names_hit h[64];
	size_t n = 0;

	if (ra_names_fuzzy(h, &n, 64, t, &word, 1) != 0)
		return -2;
	for (size_t i = 0; i < n; i++)
		if (strcmp(ra_names_get(t, h[i].name), name) == 0)
			return h[i].score;
	return -1;
}

RA_TEST(names_match_kinds)
{
	static const char *const names[] = {"fifo_ctrl",  "wr_ptr_q",  "rdAddr",      "FIFOEmpty",
	                                    "counter",    "axi_slave", "wr_ptr",      "fifo",
	                                    "tl_h2d_req", "count2",    "cnt",         "data_o",
	                                    "ptr",        "dataValid", "uart_tx_fifo"};
	ra_names *t = build(names, sizeof(names) / sizeof(names[0]));

	RA_CHECK(t != NULL);
	RA_CHECK_INT(ra_names_count(t), 15);
	RA_CHECK_STR(ra_names_get(t, 3), "FIFOEmpty");
	/* exact (any case) is the caller's: 0 here, even though within an edit */
	RA_CHECK(score_of(t, "FIFO", "fifo") == -1);
	RA_CHECK(score_of(t, "ptr", "ptr") == -1);
	/* prefix, any case */
	RA_CHECK(score_of(t, "FIF", "fifo_ctrl") == 0.8);
	RA_CHECK(score_of(t, "fifo", "FIFOEmpty") == 0.8);
	RA_CHECK(score_of(t, "data", "dataValid") == 0.8);
	/* whole sub-words, one or several */
	RA_CHECK(score_of(t, "ptr", "wr_ptr_q") == 0.7);
	RA_CHECK(score_of(t, "ptr_q", "wr_ptr_q") == 0.7);
	RA_CHECK(score_of(t, "addr", "rdAddr") == 0.7);
	RA_CHECK(score_of(t, "empty", "FIFOEmpty") == 0.7);
	RA_CHECK(score_of(t, "valid", "dataValid") == 0.7);
	RA_CHECK(score_of(t, "fifo", "uart_tx_fifo") == 0.7);
	RA_CHECK(score_of(t, "h2d", "tl_h2d_req") == 0.7);
	RA_CHECK(score_of(t, "tr", "wr_ptr") == -1);  /* under 3 bytes: no fuzzy match */
	RA_CHECK(score_of(t, "pt_", "wr_ptr") == -1); /* not at a sub-word's end */
	RA_CHECK(score_of(t, "tx_f", "uart_tx_fifo") == -1);
	/* typos: one edit from 4 bytes, two from 8 */
	RA_CHECK(score_of(t, "countr", "counter") == 0.5);
	RA_CHECK(score_of(t, "coutner", "counter") == -1); /* a swap is two edits */
	RA_CHECK(score_of(t, "axi_slvae", "axi_slave") == 0.5);
	RA_CHECK(score_of(t, "fifo_ctl", "fifo_ctrl") == 0.5);
	RA_CHECK(score_of(t, "cnt", "cnt") == -1);
	RA_CHECK(score_of(t, "cn", "cnt") == -1);
	RA_CHECK(score_of(t, "count", "count2") == 0.8); /* prefix beats the edit */
	ra_names_free(t);
}

RA_TEST(names_words_add_up)
{
	static const char *const names[] = {"wr_addr", "rd_addr", "wr_data", "addr"};
	const char *words[] = {"wr", "addr", "data", "xyzzy"};
	ra_names *t = build(names, 4);
	ra_names_hit h[4];
	size_t n = 0;

	RA_CHECK(t != NULL);
	/* "wr" is under 3 bytes; "addr": sub-word of wr_addr and rd_addr, exact on addr */
	RA_CHECK(ra_names_fuzzy(h, &n, 4, t, words, 4) == 0);
	RA_CHECK_INT(n, 3);
	RA_CHECK_INT(h[0].name, 0);
	RA_CHECK(h[0].score == 0.7);
	RA_CHECK_INT(h[1].name, 1);
	RA_CHECK_INT(h[2].name, 2);
	RA_CHECK(h[2].score == 0.7);
	/* max 2: the third replaces nothing (ties do not replace) */
	RA_CHECK(ra_names_fuzzy(h, &n, 2, t, words, 4) == 0);
	RA_CHECK_INT(n, 2);
	RA_CHECK_INT(h[0].name, 0);
	RA_CHECK_INT(h[1].name, 1);
	RA_CHECK(ra_names_fuzzy(h, &n, 0, t, words, 4) == 0);
	RA_CHECK_INT(n, 0);
	ra_names_free(t);
}

RA_TEST(names_long_and_empty)
{
	char long_name[200];
	const char *names[3];
	const char *word = "very";
	ra_names *t;
	ra_names_hit h[4];
	size_t n = 0;

	memset(long_name, 0, sizeof(long_name));
	strcpy(long_name, "very");
	for (int i = 0; i < 20; i++)
		strcat(long_name, "_long");
	strcat(long_name, "_name");
	names[0] = "";
	names[1] = long_name;
	names[2] = "vary";
	t = build(names, 3);
	RA_CHECK(t != NULL);
	RA_CHECK(ra_names_fuzzy(h, &n, 4, t, &word, 1) == 0);
	RA_CHECK_INT(n, 2);
	RA_CHECK_INT(h[0].name, 1); /* prefix of a 110-byte name */
	RA_CHECK(h[0].score == 0.8);
	RA_CHECK_INT(h[1].name, 2);
	RA_CHECK(h[1].score == 0.5);
	word = "name";
	RA_CHECK(score_of(t, word, long_name) == 0.7);
	ra_names_free(t);

	RA_CHECK(ra_names_new(&t, NULL, 0) == 0);
	RA_CHECK(ra_names_fuzzy(h, &n, 4, t, &word, 1) == 0);
	RA_CHECK_INT(n, 0);
	ra_names_free(t);
	ra_names_free(NULL);
}

RA_TEST(names_out_of_memory)
{
	static const char *const names[] = {"a_b", "cC", "dd_ee"};
	const char *word = "dd_e";
	ra_names *t = NULL;
	int rc = RA_ENOMEM;

	for (long k = 0; k < 20 && rc == RA_ENOMEM; k++) {
		ra_alloc_fail_after(k);
		rc = ra_names_new(&t, names, 3);
		ra_alloc_fail_after(-1);
		RA_CHECK(rc == 0 || (rc == RA_ENOMEM && t == NULL));
	}
	RA_CHECK(rc == 0);
	{
		ra_names_hit h[2];
		size_t n = 7;

		ra_alloc_fail_after(0);
		rc = ra_names_fuzzy(h, &n, 2, t, &word, 1);
		ra_alloc_fail_after(-1);
		RA_CHECK(rc == RA_ENOMEM);
		RA_CHECK_INT(n, 0);
	}
	ra_names_free(t);
}

/* ---- against the brute force -------------------------------------------------------------- */

static uint32_t rng_state = 12345;

static uint32_t rnd(uint32_t n)
{
	rng_state = rng_state * 1103515245u + 12345u;
	return (rng_state >> 8) % n;
}

static const char *const parts[] = {
        "wr",   "rd",  "addr",  "data", "valid", "ready", "fifo",   "ptr",  "cnt",  "counter",
        "req",  "ack", "tl",    "h2d",  "d2h",   "axi",   "slave",  "en",   "clk",  "rst",
        "intr", "reg", "q",     "d",    "state", "next",  "tx",     "rx",   "uart", "spi",
        "Mem",  "Ctl", "Empty", "Full", "2",     "8",     "status", "mask", "sel",  "aes"};
#define NPARTS (sizeof(parts) / sizeof(parts[0]))

/* a name of 1..4 parts joined snake_case or camelCase, sometimes with a typo or an upper case */
static void gen_name(char *out, size_t cap)
{
	size_t np = 1 + rnd(4), len = 0;
	bool camel = rnd(4) == 0;

	out[0] = '\0';
	for (size_t i = 0; i < np; i++) {
		const char *p = parts[rnd(NPARTS)];
		size_t lp = strlen(p);

		if (len + lp + 2 >= cap)
			break;
		if (i && !camel)
			out[len++] = '_';
		memcpy(out + len, p, lp);
		if (i && camel && out[len] >= 'a' && out[len] <= 'z')
			out[len] = (char)(out[len] - 'a' + 'A');
		len += lp;
		out[len] = '\0';
	}
	if (len > 3 && rnd(8) == 0)
		out[rnd((uint32_t)len)] = (char)('a' + rnd(26));
	if (rnd(16) == 0)
		for (size_t i = 0; i < len; i++)
			if (out[i] >= 'a' && out[i] <= 'z')
				out[i] = (char)(out[i] - 'a' + 'A');
}

/* the loop the table replaces: every name compared with every word */
static size_t brute(ra_names_hit *out, size_t max, const char *const *names, size_t n,
                    const char *const *words, size_t nw)
{
	size_t nbest = 0;

	for (size_t k = 0; k < n; k++) {
		double sc = 0;

		for (size_t i = 0; i < nw; i++) {
			double m;

			if (strlen(words[i]) < 3)
				continue;
			m = ra_search_name_match(words[i], names[k]);
			sc += m >= 1.0 ? 0 : m;
		}
		if (sc <= 0)
			continue;
		if (nbest < max) {
			out[nbest++] = (ra_names_hit){k, sc};
		} else {
			size_t worst = 0;

			for (size_t j = 1; j < nbest; j++)
				if (out[j].score < out[worst].score)
					worst = j;
			if (sc > out[worst].score)
				out[worst] = (ra_names_hit){k, sc};
		}
	}
	return nbest;
}

RA_TEST(names_equal_brute_force)
{
	enum { N = 5000, LEN = 48 };
	static char buf[N + 2][128];
	static const char *names[N + 2];
	static ra_names_hit a[N + 2], b[N + 2];
	ra_names *t;
	size_t mismatches = 0, nonempty = 0;

	for (size_t i = 0; i < N; i++) {
		gen_name(buf[i], LEN);
		names[i] = buf[i];
	}
	/* two names over 63 bytes */
	snprintf(buf[N], sizeof(buf[N]), "%s_%s_%s_%s_%s_%s_%s", "counter", "status", "valid",
	         "ready", "counter", "status", "fifo_state_next");
	snprintf(buf[N + 1], sizeof(buf[N + 1]), "%s",
	         "counterStatusValidReadyCounterStatusFifoStateNextAxiSlaveWrAddrFifo");
	names[N] = buf[N];
	names[N + 1] = buf[N + 1];
	t = build(names, N + 2);
	RA_CHECK(t != NULL);
	for (int q = 0; q < 200; q++) {
		char wbuf[4][128];
		const char *words[4];
		size_t nw = 1 + rnd(4), na = 0, nb;
		size_t max = q % 3 == 0 ? N + 2 : 12;

		for (size_t i = 0; i < nw; i++) {
			/* a part, a whole generated name, or a prefix of either */
			if (rnd(2))
				snprintf(wbuf[i], sizeof(wbuf[i]), "%s", parts[rnd(NPARTS)]);
			else
				gen_name(wbuf[i], LEN);
			if (rnd(3) == 0 && strlen(wbuf[i]) > 3)
				wbuf[i][3 + rnd((uint32_t)strlen(wbuf[i]) - 3)] = '\0';
			words[i] = wbuf[i];
		}
		RA_CHECK(ra_names_fuzzy(a, &na, max, t, words, nw) == 0);
		nb = brute(b, max, names, N + 2, words, nw);
		if (na != nb) {
			mismatches++;
			fprintf(stderr, "query %d (%s...): %zu hits, brute force %zu\n", q,
			        words[0], na, nb);
			continue;
		}
		nonempty += na > 0;
		for (size_t i = 0; i < na; i++)
			if (a[i].name != b[i].name || a[i].score != b[i].score) {
				mismatches++;
				fprintf(stderr,
				        "query %d (%s...): hit %zu: %s %.2f, brute %s %.2f\n", q,
				        words[0], i, names[a[i].name], a[i].score, names[b[i].name],
				        b[i].score);
				break;
			}
	}
	RA_CHECK_INT(mismatches, 0);
	RA_CHECK(nonempty > 100); /* the comparison saw real matches */
	ra_names_free(t);
}

RA_TEST_MAIN()
