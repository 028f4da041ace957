/*
 * json_text.c - JSON text written straight into a buffer, for replies too big to build as
 * jansson trees (lsp_result_text): numbers, and strings escaped as jansson escapes them (the one
 * JSON string escaper of the project; tests/unit/test_lsp_json_text.c compares the two).
 */
#include "lsp/lsp_internal.h"

#include <stdio.h>

int lsp_put_u32(ra_buf *b, uint32_t v)
{
	char tmp[10];
	size_t n = 0;

	do
		tmp[sizeof(tmp) - ++n] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	return ra_buf_append(b, tmp + sizeof(tmp) - n, n);
}

int lsp_put_int(ra_buf *b, int64_t v)
{
	char tmp[24];
	int n = snprintf(tmp, sizeof(tmp), "%lld", (long long)v);

	return ra_buf_append(b, tmp, (size_t)n);
}

/* length of the valid UTF-8 sequence starting with lead byte p[0] (>= 0x80), 0 when invalid:
 * the strict form jansson accepts (no overlongs, surrogates or code points past U+10FFFF) */
static size_t utf8_seq(const unsigned char *p)
{
	uint32_t cp;
	size_t n;

	if (p[0] >= 0xC2 && p[0] <= 0xDF)
		n = 2, cp = p[0] & 0x1Fu;
	else if (p[0] >= 0xE0 && p[0] <= 0xEF)
		n = 3, cp = p[0] & 0x0Fu;
	else if (p[0] >= 0xF0 && p[0] <= 0xF4)
		n = 4, cp = p[0] & 0x07u;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80) /* also stops at the NUL */
			return 0;
		cp = cp << 6 | (p[i] & 0x3Fu);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n;
}

bool lsp_is_utf8(const char *str)
{
	const unsigned char *p = (const unsigned char *)str;
	size_t n;

	while (*p)
		if (*p < 0x80)
			p++;
		else if ((n = utf8_seq(p)) != 0)
			p += n;
		else
			return false;
	return true;
}

int lsp_put_str(ra_buf *b, const char *str)
{
	static const char hex[] = "0123456789ABCDEF"; /* as jansson writes it */
	const unsigned char *p = (const unsigned char *)str, *run;
	size_t start = b->len;
	int rc = ra_buf_putc(b, '"');

	while (!rc && *p) {
		for (run = p; *p >= 0x20 && *p != '"' && *p != '\\' && *p < 0x80; p++)
			;
		if (p > run)
			rc = ra_buf_append(b, run, (size_t)(p - run));
		if (rc || !*p)
			break;
		if (*p >= 0x80) {
			size_t n = utf8_seq(p);

			if (!n) {
				b->len = start;
				if (b->data)
					b->data[start] = '\0';
				return RA_EINVAL;
			}
			rc = ra_buf_append(b, p, n);
			p += n;
		} else if (*p == '"' || *p == '\\' || *p == '\n' || *p == '\r' || *p == '\t' ||
		           *p == '\b' || *p == '\f') {
			/* the short escapes jansson writes */
			char e[2] = {'\\', *p == '\n'   ? 'n'
			                   : *p == '\r' ? 'r'
			                   : *p == '\t' ? 't'
			                   : *p == '\b' ? 'b'
			                   : *p == '\f' ? 'f'
			                                : (char)*p};

			p++;
			rc = ra_buf_append(b, e, 2);
		} else {
			char e[6] = {'\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15]};

			p++;
			rc = ra_buf_append(b, e, 6);
		}
	}
	return rc ? rc : ra_buf_putc(b, '"');
}
