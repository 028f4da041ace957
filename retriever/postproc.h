/*
 * postproc.h - what a model's fill-in-the-middle text becomes before an editor shows it.
 *
 * Rules, in order:
 *  1. Control tokens a server lets through (`<|endoftext|>`, `<|file_sep|>`, `<EOT>`, ...) end
 *     the text; carriage returns are dropped.
 *  2. Single line or several: a single line when the rest of the cursor's line is not blank,
 *     or when the text before the cursor on its line is not blank and does not end in a block
 *     opener (`begin`, `(`, `{`, `then`, `is`, `generate`, ..., `=>`, `,`, `;`, a condition's
 *     `)`); then the text ends at its first newline. Several lines otherwise, at most
 *     `max_lines`, ending before the first line indented less than the cursor's line (the block
 *     the cursor is in has ended) — or after it, when that line is a closer (`end`, `endcase`,
 *     `end if;`, `);`), which rule 4 then judges.
 *  3. Repeats of the suffix: the text ends before a line equal (blanks aside) to the next
 *     non-blank line after the cursor, unless that line is a closer (rule 4 counts those); an
 *     end of the text that repeats the start of the rest of the line is dropped when the text
 *     keeps its own brackets closed without it.
 *  4. Balance: blocks (SystemVerilog begin/end, module/endmodule, case/endcase, fork/join,
 *     function/endfunction, ... and ( [ {; VHDL if/case/loop/process/... with `end`) are
 *     counted in the whole prefix, the suffix and the text. A closer in the text for a block
 *     opened before the cursor is kept only while the suffix leaves such blocks unclosed; the
 *     text ends before the first one the suffix already closes.
 *  5. Trailing blanks go when the rest of the line after the cursor is blank.
 *
 * Thread-safety: pure.
 */
#ifndef RA_POSTPROC_H
#define RA_POSTPROC_H

#include "indexer/model.h"

typedef struct ra_postproc_opts {
	const char *prefix; /* text before the cursor: the whole buffer's, for rule 4 */
	size_t prefix_len;
	const char *suffix; /* text after the cursor, to the end of the buffer */
	size_t suffix_len;
	ra_lang lang;
	int max_lines; /* several-line completions: at most this many lines; 0: 16 */
} ra_postproc_opts;

/* Rule 2: true when a completion at this cursor is a single line. */
bool ra_postproc_single_line(const ra_postproc_opts *o);

/*
 * Applies the rules to len bytes of `text` (a model's reply). Returns 0 and the caller's string
 * (ra_free) in *out with *n bytes (possibly empty: nothing worth showing), RA_ENOMEM.
 */
int ra_postproc_apply(char **out, size_t *n, const char *text, size_t len,
                      const ra_postproc_opts *o);

#endif /* RA_POSTPROC_H */
