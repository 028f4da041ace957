/*
 * frame.h - the Language Server Protocol's base protocol: messages framed by a `Content-Length`
 * header block, read from and written to file descriptors, with hard caps.
 *
 * Reading never trusts the peer: a header block is capped (RA_FRAME_HEADER_MAX), a body is
 * capped (the reader's `max`), a missing or malformed Content-Length is reported and skipped, and
 * the reader resynchronises on the next `Content-Length` it sees. A body over the cap is read and
 * dropped (or cut short where a new header shows that the declared length was a lie). Because raw
 * CR/LF cannot occur inside a JSON string, a header found inside a body that does not parse means
 * the declared length was too long: ra_frame_unread hands those bytes back to the reader.
 *
 * Thread-safety: a reader is used by one thread at a time. ra_frame_write is safe to call from
 * one thread per fd.
 */
#ifndef RA_FRAME_H
#define RA_FRAME_H

#include "base/base.h"

#define RA_FRAME_HEADER_MAX 4096      /* bytes of one header block */
#define RA_FRAME_BODY_MAX (64u << 20) /* default body cap */

typedef struct ra_frame_reader {
	int fd;
	size_t max; /* body cap */
	char *buf;  /* bytes read but not consumed: buf[pos..len) */
	size_t pos, len, cap;
	bool eof;
	int stop_fd; /* -1, or a descriptor whose readability stops a blocked read (RA_ECANCELLED) */
} ra_frame_reader;

/* Prepares a reader of `fd` (borrowed) with a body cap of `max` bytes (0: RA_FRAME_BODY_MAX). */
void ra_frame_reader_init(ra_frame_reader *r, int fd, size_t max);
void ra_frame_reader_free(ra_frame_reader *r);

/*
 * Reads the next frame's body into `body` (reset first; NUL-terminated). Returns
 *   0            a frame was read;
 *   RA_ENOTFOUND end of input (nothing more will come);
 *   RA_EINVAL    a bad header block was skipped (message says why); call again;
 *   RA_ETOOBIG   a body over the cap was skipped; call again;
 *   RA_ECANCELLED stop_fd became readable;
 *   RA_ERR / RA_ENOMEM  read failure / out of memory.
 */
int ra_frame_read(ra_frame_reader *r, ra_buf *body);

/* True when a whole frame (header and body) is already buffered, so ra_frame_read returns it
 * without blocking. */
bool ra_frame_buffered(const ra_frame_reader *r);

/* Puts `len` bytes back in front of the unread input. 0 or RA_ENOMEM. */
int ra_frame_unread(ra_frame_reader *r, const char *data, size_t len);

/* Offset of a `Content-Length:` header (case-insensitive) inside data, or -1. */
long ra_frame_find_header(const char *data, size_t len);

/* Writes one frame (header, then body) in full, retrying on EINTR and short writes.
 * 0 or RA_ERR (the peer is gone). */
int ra_frame_write(int fd, const char *body, size_t len);

#endif /* RA_FRAME_H */
