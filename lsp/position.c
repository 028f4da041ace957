/* position.c - UTF-16 <-> byte columns and line indexes (see position.h). */
#include "lsp/position.h"

#include <string.h>

/* length in bytes of the UTF-8 sequence at p (1 for an invalid or truncated one) and its
 * UTF-16 length in *units */
static size_t seq(const unsigned char *p, size_t left, uint32_t *units)
{
	size_t n = 1;

	*units = 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	if (n > left)
		return 1;
	for (size_t i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 1;
	if (n == 4)
		*units = 2;
	return n;
}

uint32_t ra_pos_utf16_to_byte(const char *line, size_t len, uint32_t u16)
{
	const unsigned char *p = (const unsigned char *)line;
	size_t i = 0;
	uint32_t at = 0;

	while (i < len && at < u16) {
		uint32_t units;
		size_t n = seq(p + i, len - i, &units);

		if (at + units > u16)
			break; /* inside a surrogate pair: the character's start */
		at += units;
		i += n;
	}
	return (uint32_t)i;
}

uint32_t ra_pos_byte_to_utf16(const char *line, size_t len, uint32_t byte)
{
	const unsigned char *p = (const unsigned char *)line;
	size_t i = 0;
	uint32_t at = 0;

	if (byte > len)
		byte = (uint32_t)len;
	while (i < byte) {
		uint32_t units;
		size_t n = seq(p + i, len - i, &units);

		if (i + n > byte)
			break;
		at += units;
		i += n;
	}
	return at;
}

bool ra_pos_is_ascii(const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)text[i] >= 0x80)
			return false;
	return true;
}

int ra_lines_build(ra_lines *l, const char *text, size_t len)
{
	l->n = 0;
	if (ra_grow((void **)&l->start, &l->cap, 1, sizeof(*l->start)))
		return RA_ENOMEM;
	l->start[l->n++] = 0;
	for (size_t i = 0; i < len; i++) {
		if (text[i] != '\n')
			continue;
		if (ra_grow((void **)&l->start, &l->cap, l->n + 1, sizeof(*l->start))) {
			l->n = 0;
			return RA_ENOMEM;
		}
		l->start[l->n++] = (uint32_t)(i + 1);
	}
	return RA_OK;
}

void ra_lines_free(ra_lines *l)
{
	if (!l)
		return;
	ra_free(l->start);
	memset(l, 0, sizeof(*l));
}

size_t ra_lines_len(const ra_lines *l, const char *text, size_t len, size_t i)
{
	size_t s, e;

	if (i >= l->n)
		return 0;
	s = l->start[i];
	e = i + 1 < l->n ? l->start[i + 1] - 1 : len;
	if (e > s && text[e - 1] == '\r')
		e--;
	return e - s;
}

size_t ra_lines_offset(const ra_lines *l, const char *text, size_t len, uint32_t line, uint32_t col,
                       bool utf16)
{
	size_t s, n;

	if (!l->n)
		return 0;
	if (line >= l->n)
		return len;
	s = l->start[line];
	n = ra_lines_len(l, text, len, line);
	if (utf16)
		return s + ra_pos_utf16_to_byte(text + s, n, col);
	return s + (col < n ? col : n);
}

uint32_t ra_lines_col(const ra_lines *l, const char *text, size_t len, uint32_t line, uint32_t bcol,
                      bool utf16)
{
	size_t n;

	if (line >= l->n)
		return 0;
	n = ra_lines_len(l, text, len, line);
	if (bcol > n)
		bcol = (uint32_t)n;
	return utf16 ? ra_pos_byte_to_utf16(text + l->start[line], n, bcol) : bcol;
}
