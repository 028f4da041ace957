/* test_lsp_json_text.c - the JSON text writer of big LSP replies (lsp/json_text.c) writes what
 * jansson writes: the same escaped strings, the same refusal of text that is not UTF-8, the
 * same numbers; on chosen cases and on random byte strings. */
#include "lsp/lsp_internal.h"
#include "tests/ra_test.h"

#include <jansson.h>
#include <stdlib.h>

/* what jansson writes for the string s (JSON_ENCODE_ANY), or NULL when it refuses s */
static char *jansson_of(const char *s)
{
	json_t *j = json_string(s);
	char *out = j ? json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;

	json_decref(j);
	return out;
}

/* true when lsp_put_str and jansson agree on s; prints the case otherwise */
static bool agrees(const char *s)
{
	char *want = jansson_of(s);
	ra_buf b;
	int rc;
	bool same;

	ra_buf_init(&b, 0);
	ra_buf_puts(&b, "x"); /* a refused string leaves what was there before */
	rc = lsp_put_str(&b, s);
	if (!want)
		same = rc == RA_EINVAL && b.len == 1 && !lsp_is_utf8(s);
	else
		same = rc == 0 && strcmp(b.data + 1, want) == 0 && lsp_is_utf8(s);
	if (!same) {
		fprintf(stderr, "disagree on:");
		for (const unsigned char *p = (const unsigned char *)s; *p; p++)
			fprintf(stderr, " %02x", *p);
		fprintf(stderr, "\n  jansson %s\n  ours    %s (rc %d)\n", want ? want : "(refused)",
		        b.data ? b.data + 1 : "", rc);
	}
	free(want);
	ra_buf_free(&b);
	return same;
}

RA_TEST(json_text_strings_as_jansson)
{
	static const char *const cases[] = {
	        "",
	        "plain",
	        "q\"uote",
	        "back\\slash",
	        "slash/kept",
	        "\x01\x02\x1f\x7f ctl",
	        "\n\r\t\b\f",
	        "caf\xc3\xa9",
	        "\xf0\x9f\x98\x80 emoji",
	        "\xe2\x82\xac euro",
	        "\xc3",                 /* cut short */
	        "\xc0\xaf",             /* overlong */
	        "\xe0\x80\xaf",         /* overlong */
	        "\xed\xa0\x80",         /* a surrogate */
	        "\xf4\x90\x80\x80",     /* past U+10FFFF */
	        "\xf8\x88\x80\x80\x80", /* five bytes */
	        "\x80 lone continuation",
	        "ok \xff bad",
	        "\xef\xbf\xbf max BMP",
	        "\xf4\x8f\xbf\xbf max",
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		RA_CHECKF(agrees(cases[i]), "case %zu", i);
}

RA_TEST(json_text_random_strings_as_jansson)
{
	/* bytes drawn mostly from the interesting ranges: ASCII, controls, UTF-8 lead and
	   continuation bytes */
	static const unsigned char pool[] = {'a',  'Z',  ' ',  '"',  '\\', '/',  0x01, 0x1f, 0x7f,
	                                     0x80, 0xbf, 0xc2, 0xc3, 0xdf, 0xe0, 0xed, 0xef, 0xf0,
	                                     0xf4, 0xf5, 0xff, 0xa0, 0x9f, 0x8f, '\n', '\t', 0x08};
	uint64_t x = 88172645463325252ull;
	size_t bad = 0;

	for (int n = 0; n < 100000 && bad < 5; n++) {
		char s[16];
		size_t len;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		len = (size_t)(x % 12);
		for (size_t i = 0; i < len; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			s[i] = (char)pool[x % sizeof(pool)];
		}
		s[len] = '\0';
		bad += !agrees(s);
	}
	RA_CHECK_INT(bad, 0);
}

RA_TEST(json_text_numbers)
{
	ra_buf b;

	ra_buf_init(&b, 0);
	RA_CHECK(lsp_put_u32(&b, 0) == 0);
	RA_CHECK(ra_buf_putc(&b, ',') == 0);
	RA_CHECK(lsp_put_u32(&b, 4294967295u) == 0);
	RA_CHECK(ra_buf_putc(&b, ',') == 0);
	RA_CHECK(lsp_put_int(&b, -9223372036854775807ll - 1) == 0);
	RA_CHECK_STR(b.data, "0,4294967295,-9223372036854775808");
	ra_buf_free(&b);
}

RA_TEST_MAIN()
