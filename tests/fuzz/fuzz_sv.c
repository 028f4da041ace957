/*
 * fuzz_sv.c - fuzz target for the SystemVerilog front end (indexer/sv.h): tree-sitter's parse of
 * any bytes, then our extraction, checked against the model's invariants (model_check.h); then an
 * edit of the text re-parsed incrementally, whose model must equal a fresh parse's when the
 * edited text has no syntax error (sv.h promises it: an open document's model is what the
 * indexer would make of the same text).
 *
 * Input: byte 0 picks the language (bit 0: Verilog) and whether to edit (bit 1); bytes 1-3 place
 * the edit (where, how much is removed, how much of the text is inserted there); the rest is
 * the text.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "indexer/sv.h"
#include "tests/fuzz/model_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *dump(const ra_model *m)
{
	ra_buf b;

	ra_buf_init(&b, 0);
	ra_fuzz_check(ra_model_dump(&b, m) == 0);
	return ra_buf_detach(&b);
}

/* the edited text: [from, to) of src replaced by ins */
static char *edited(const char *src, size_t len, size_t from, size_t to, const char *ins,
                    size_t ins_len, size_t *out_len)
{
	char *t = malloc(len - (to - from) + ins_len + 1);

	ra_fuzz_check(t != NULL);
	memcpy(t, src, from);
	memcpy(t + from, ins, ins_len);
	memcpy(t + from + ins_len, src + to, len - to);
	*out_len = len - (to - from) + ins_len;
	t[*out_len] = 0;
	return t;
}

static void check_edit(ra_sv_parser *p, const char *src, size_t len, ra_lang lang,
                       const uint8_t *where)
{
	size_t from = len ? where[0] * len / 255 : 0, to, ins_at, ins_len, new_len;
	ra_sv_tree *tree = NULL, *fresh_tree = NULL;
	ra_model *before = NULL, *inc = NULL, *fresh = NULL;
	ra_sv_edit e;
	char *next, *a, *b;

	if (from > len)
		from = len;
	to = from + (where[1] % 32 <= len - from ? where[1] % 32 : len - from);
	ins_at = len ? (size_t)where[2] * 7 % len : 0;
	ins_len = where[2] % 24 <= len - ins_at ? where[2] % 24 : len - ins_at;
	if (ra_sv_parser_reparse(p, &before, &tree, src, len, lang, RA_SV_NO_CHUNKS) != 0) {
		ra_sv_tree_free(tree);
		return; /* out of memory */
	}
	next = edited(src, len, from, to, src + ins_at, ins_len, &new_len);
	ra_sv_edit_make(&e, src, len, from, to, src + ins_at, ins_len);
	ra_fuzz_check(ra_sv_tree_edit(tree, &e) == 0);
	if (ra_sv_parser_reparse(p, &inc, &tree, next, new_len, lang, RA_SV_NO_CHUNKS) == 0 &&
	    ra_sv_parser_reparse(p, &fresh, &fresh_tree, next, new_len, lang, RA_SV_NO_CHUNKS) ==
	            0) {
		ra_fuzz_check_model(inc, (const uint8_t *)next, new_len);
		if (fresh->nerrors)
			goto out; /* error recovery may go another way on an edited tree (sv.h) */
		a = dump(inc);
		b = dump(fresh);
		if (strcmp(a, b) != 0) {
			fprintf(stderr,
			        "incremental model differs from a fresh parse:\n%s\n---\n%s\n", a,
			        b);
			abort();
		}
		ra_free(a);
		ra_free(b);
	}
out:
	ra_model_free(before);
	ra_model_free(inc);
	ra_model_free(fresh);
	ra_sv_tree_free(tree);
	ra_sv_tree_free(fresh_tree);
	free(next);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static ra_sv_parser *p;
	ra_model *m = NULL;
	const char *src;
	size_t len;
	ra_lang lang;

	if (size < 4)
		return 0;
	if (!p)
		p = ra_sv_parser_new();
	ra_fuzz_check(p != NULL);
	lang = data[0] & 1 ? RA_LANG_VERILOG : RA_LANG_SV;
	src = (const char *)data + 4;
	len = size - 4;
	if (ra_sv_parser_parse(p, &m, src, len, lang) != 0)
		return 0; /* out of memory: nothing to check */
	ra_fuzz_check(m->lang == lang);
	ra_fuzz_check_model(m, (const uint8_t *)src, len);
	ra_model_free(m);
	if (data[0] & 2)
		check_edit(p, src, len, lang, data + 1);
	return 0;
}
