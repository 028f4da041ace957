/* buf.c - size-capped growable byte buffer. */
#include "base/base.h"

#include <stdio.h>
#include <string.h>

void ra_buf_init(ra_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

static int reserve(ra_buf *b, size_t extra)
{
	size_t max = b->max ? b->max : SIZE_MAX / 2;
	size_t need, ncap;
	char *p;

	if (extra > max || b->len > max - extra)
		return ra_error_set(RA_ETOOBIG, "buffer would exceed its cap of %zu bytes", max);
	need = b->len + extra + 1;
	if (need <= b->cap)
		return RA_OK;
	ncap = b->cap ? b->cap : 64;
	while (ncap < need)
		ncap *= 2;
	p = ra_realloc(b->data, ncap);
	if (!p)
		return RA_ENOMEM;
	b->data = p;
	b->cap = ncap;
	return RA_OK;
}

int ra_buf_append(ra_buf *b, const void *data, size_t len)
{
	int rc = reserve(b, len);

	if (rc)
		return rc;
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return RA_OK;
}

int ra_buf_puts(ra_buf *b, const char *s)
{
	return ra_buf_append(b, s, strlen(s));
}

int ra_buf_putc(ra_buf *b, char c)
{
	return ra_buf_append(b, &c, 1);
}

int ra_buf_vprintf(ra_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n, rc;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return ra_error_set(RA_ERR, "bad format string");
	rc = reserve(b, (size_t)n);
	if (rc)
		return rc;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return RA_OK;
}

int ra_buf_printf(ra_buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = ra_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

void ra_buf_reset(ra_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

char *ra_buf_detach(ra_buf *b)
{
	char *p = b->data;

	if (!p)
		p = ra_strdup("");
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

void ra_buf_free(ra_buf *b)
{
	ra_free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}
