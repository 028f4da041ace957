/* frame.c - Content-Length framing over file descriptors, capped and resynchronising
 * (see frame.h). */
#define _DEFAULT_SOURCE
#include "lsp/frame.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define READ_CHUNK 65536
#define HEADER_NAME "content-length"
#define HEADER_NAME_LEN (sizeof(HEADER_NAME) - 1)
/* a declared length with more digits than this is malformed, not merely too big */
#define MAX_DIGITS 12

void ra_frame_reader_init(ra_frame_reader *r, int fd, size_t max)
{
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->max = max ? max : RA_FRAME_BODY_MAX;
	r->stop_fd = -1;
}

void ra_frame_reader_free(ra_frame_reader *r)
{
	if (!r)
		return;
	ra_free(r->buf);
	r->buf = NULL;
	r->pos = r->len = r->cap = 0;
}

/* makes room for at least `extra` more bytes after len, compacting first */
static int reserve(ra_frame_reader *r, size_t extra)
{
	if (r->pos) {
		memmove(r->buf, r->buf + r->pos, r->len - r->pos);
		r->len -= r->pos;
		r->pos = 0;
	}
	if (r->cap - r->len < extra) {
		size_t ncap = r->cap ? r->cap : READ_CHUNK;
		char *p;

		while (ncap - r->len < extra)
			ncap *= 2;
		p = ra_realloc(r->buf, ncap);
		if (!p)
			return RA_ENOMEM;
		r->buf = p;
		r->cap = ncap;
	}
	return RA_OK;
}

/* reads once more from the fd; RA_ENOTFOUND at end of input */
static int fill(ra_frame_reader *r)
{
	ssize_t n;
	int rc;

	if (r->eof)
		return RA_ENOTFOUND;
	rc = reserve(r, READ_CHUNK);
	if (rc)
		return rc;
	if (r->stop_fd >= 0) {
		struct pollfd pf[2] = {{r->fd, POLLIN, 0}, {r->stop_fd, POLLIN, 0}};

		while (poll(pf, 2, -1) < 0)
			if (errno != EINTR)
				return ra_error_set(RA_ERR, "poll: %s", strerror(errno));
		if (pf[1].revents)
			return RA_ECANCELLED;
	}
	do
		n = read(r->fd, r->buf + r->len, r->cap - r->len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return ra_error_set(RA_ERR, "read: %s", strerror(errno));
	if (n == 0) {
		r->eof = true;
		return RA_ENOTFOUND;
	}
	r->len += (size_t)n;
	return RA_OK;
}

long ra_frame_find_header(const char *data, size_t len)
{
	for (size_t i = 0; i + HEADER_NAME_LEN <= len; i++)
		if ((data[i] == 'C' || data[i] == 'c') &&
		    strncasecmp(data + i, HEADER_NAME, HEADER_NAME_LEN) == 0)
			return (long)i;
	return -1;
}

/* end of the header block in p[0..n): offset just past the blank line, or 0 when incomplete */
static size_t header_end(const char *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++) {
		if (p[i] != '\n')
			continue;
		if (p[i + 1] == '\n')
			return i + 2;
		if (i + 2 < n && p[i + 1] == '\r' && p[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/* parses the Content-Length value out of a header block; RA_EINVAL when absent or malformed */
static int parse_length(const char *p, size_t n, size_t *out)
{
	long at = ra_frame_find_header(p, n);
	size_t i, digits = 0;
	uint64_t v = 0;

	if (at < 0)
		return ra_error_set(RA_EINVAL, "header block without Content-Length");
	i = (size_t)at + HEADER_NAME_LEN;
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	if (i >= n || p[i++] != ':')
		return ra_error_set(RA_EINVAL, "Content-Length without ':'");
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	for (; i < n && p[i] >= '0' && p[i] <= '9'; i++, digits++)
		if (digits < MAX_DIGITS)
			v = v * 10 + (uint64_t)(p[i] - '0');
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	if (!digits || digits > MAX_DIGITS || i >= n || (p[i] != '\r' && p[i] != '\n'))
		return ra_error_set(RA_EINVAL, "malformed Content-Length value");
	*out = (size_t)v;
	return RA_OK;
}

/* drops buffered input up to the next Content-Length header after the first byte (or all but a
 * possible partial header name at the end) */
static void resync(ra_frame_reader *r)
{
	size_t avail = r->len - r->pos;
	long at = avail > 1 ? ra_frame_find_header(r->buf + r->pos + 1, avail - 1) : -1;

	if (at >= 0)
		r->pos += (size_t)at + 1;
	else if (avail > HEADER_NAME_LEN)
		r->pos = r->len - HEADER_NAME_LEN;
	else if (r->eof)
		r->pos = r->len;
}

/* skips `n` body bytes, stopping early at a header that shows the declared length was wrong */
static int discard(ra_frame_reader *r, size_t n)
{
	while (n) {
		size_t avail = r->len - r->pos, look = avail < n ? avail : n, take;
		long at = look ? ra_frame_find_header(r->buf + r->pos, look) : -1;
		int rc;

		if (at >= 0) {
			r->pos += (size_t)at;
			return RA_OK;
		}
		if (look == n) {
			r->pos += n;
			return RA_OK;
		}
		/* more to skip: keep a tail that may be a header name split across reads */
		take = look > HEADER_NAME_LEN ? look - HEADER_NAME_LEN : 0;
		r->pos += take;
		n -= take;
		rc = fill(r);
		if (rc == RA_ENOTFOUND) {
			r->pos = r->len;
			return RA_OK;
		}
		if (rc)
			return rc;
	}
	return RA_OK;
}

int ra_frame_read(ra_frame_reader *r, ra_buf *body)
{
	size_t end, n;
	int rc;

	ra_buf_reset(body);
	for (;;) {
		size_t avail = r->len - r->pos, skip = 0;
		const char *p;

		/* blank lines between frames are harmless (avail > 0: there is a buffer) */
		while (skip < avail &&
		       (r->buf[r->pos + skip] == '\r' || r->buf[r->pos + skip] == '\n' ||
		        r->buf[r->pos + skip] == ' '))
			skip++;
		r->pos += skip;
		avail -= skip;
		p = r->buf ? r->buf + r->pos : NULL; /* no arithmetic on a NULL buffer */
		end = avail ? header_end(p, avail) : 0;
		if (end && end <= RA_FRAME_HEADER_MAX)
			break;
		if (end || avail > RA_FRAME_HEADER_MAX) {
			resync(r);
			return ra_error_set(RA_EINVAL, "header block over %d bytes",
			                    RA_FRAME_HEADER_MAX);
		}
		rc = fill(r);
		if (rc == RA_ENOTFOUND && r->len > r->pos) {
			r->pos = r->len;
			return ra_error_set(RA_EINVAL, "incomplete header block at end of input");
		}
		if (rc)
			return rc;
	}
	rc = parse_length(r->buf + r->pos, end, &n);
	if (rc) {
		r->pos += end; /* the block is dropped whole; the message says why */
		return rc;
	}
	r->pos += end;
	if (n > r->max) {
		rc = discard(r, n);
		if (rc)
			return rc;
		return ra_error_set(RA_ETOOBIG, "frame of %zu bytes over the cap of %zu", n,
		                    r->max);
	}
	while (r->len - r->pos < n) {
		rc = reserve(r, n - (r->len - r->pos));
		if (!rc)
			rc = fill(r);
		if (rc == RA_ENOTFOUND) {
			r->pos = r->len;
			return ra_error_set(RA_EINVAL, "end of input inside a %zu-byte body", n);
		}
		if (rc)
			return rc;
	}
	rc = ra_buf_append(body, r->buf + r->pos, n);
	if (rc)
		return rc;
	r->pos += n;
	return RA_OK;
}

bool ra_frame_buffered(const ra_frame_reader *r)
{
	const char *p = r->buf ? r->buf + r->pos : NULL;
	size_t avail = r->len - r->pos, skip = 0, end, n;

	while (skip < avail && (p[skip] == '\r' || p[skip] == '\n' || p[skip] == ' '))
		skip++;
	if (skip == avail)
		return false;
	end = header_end(p + skip, avail - skip);
	if (!end)
		return false;
	if (parse_length(p + skip, end, &n) != RA_OK || n > r->max)
		return true; /* an error is returned at once */
	return avail - skip - end >= n;
}

int ra_frame_unread(ra_frame_reader *r, const char *data, size_t len)
{
	size_t avail = r->len - r->pos;
	int rc;

	if (!len)
		return RA_OK;
	if (r->pos >= len) {
		r->pos -= len;
		memmove(r->buf + r->pos, data, len);
		return RA_OK;
	}
	rc = reserve(r, len);
	if (rc)
		return rc;
	memmove(r->buf + len, r->buf, avail);
	memcpy(r->buf, data, len);
	r->len = avail + len;
	return RA_OK;
}

int ra_frame_write(int fd, const char *body, size_t len)
{
	char head[64];
	int n = snprintf(head, sizeof(head), "Content-Length: %zu\r\n\r\n", len);

	if (ra_write_all(fd, head, (size_t)n))
		return RA_ERR;
	return ra_write_all(fd, body, len);
}
