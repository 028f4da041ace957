/*
 * position.h - LSP positions (0-based line, column in the negotiated encoding: UTF-16 code
 * units by default, bytes when the client accepts UTF-8) against the byte columns the indexer
 * records, and a line index over a document's text.
 *
 * Invalid UTF-8 counts one unit per byte; a column inside a character (or a surrogate pair)
 * moves to the character's start; columns and lines past the end clamp to the end, so a client's
 * out-of-range position never fails a request.
 *
 * Thread-safety: pure functions; a ra_lines belongs to one thread.
 */
#ifndef RA_POSITION_H
#define RA_POSITION_H

#include "base/base.h"

/* Byte offset within `line` (len bytes, no newline) of UTF-16 column `u16`. */
uint32_t ra_pos_utf16_to_byte(const char *line, size_t len, uint32_t u16);

/* UTF-16 column of byte offset `byte` within `line`. */
uint32_t ra_pos_byte_to_utf16(const char *line, size_t len, uint32_t byte);

/* True when the text holds only ASCII (every column is the same in both encodings). */
bool ra_pos_is_ascii(const char *text, size_t len);

/* Offsets where each line starts. */
typedef struct ra_lines {
	uint32_t *start; /* start[i]: byte offset of line i */
	size_t n;        /* number of lines (at least 1) */
	size_t cap;
} ra_lines;

/* (Re)builds the index of `text`. 0 or RA_ENOMEM (the index is then empty). Caller frees
 * with ra_lines_free. */
int ra_lines_build(ra_lines *l, const char *text, size_t len);
void ra_lines_free(ra_lines *l);

/* Byte length of line i without its line break ("\n" or "\r\n"). */
size_t ra_lines_len(const ra_lines *l, const char *text, size_t len, size_t i);

/* Byte offset in text of (line, col), col in UTF-16 units when utf16, else bytes; clamped. */
size_t ra_lines_offset(const ra_lines *l, const char *text, size_t len, uint32_t line, uint32_t col,
                       bool utf16);

/* Column in the client's encoding of byte column `bcol` on `line` (clamped). */
uint32_t ra_lines_col(const ra_lines *l, const char *text, size_t len, uint32_t line, uint32_t bcol,
                      bool utf16);

#endif /* RA_POSITION_H */
