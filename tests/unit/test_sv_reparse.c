/*
 * test_sv_reparse.c - incremental re-parsing of the SystemVerilog front end (indexer/sv.h,
 * ra_sv_parser_reparse): after every edit of a text, the model parsed incrementally from the
 * edited tree must dump exactly as the model of a fresh parse of the same text.
 *
 * (Texts with syntax errors are the exception: there tree-sitter's error recovery may read the
 * text differently when it reuses subtrees; see compare().)
 *
 * The edits are pseudo-random (a fixed seed, so a failure replays; RA_REPARSE_SEED=N tries
 * another) insertions, deletions and replacements of HDL fragments that open and close blocks,
 * comments, strings and macros, over every fixture of tests/fixtures/sv/ and over all of them
 * concatenated, each batch undone edit by edit afterwards (back to the fixture, which parses
 * without errors); sometimes several edits are applied before one re-parse.
 */
#include "indexer/sv.h"
#include "tests/ra_test.h"

#define FIXDIR RA_SOURCE_DIR "/tests/fixtures/sv/"

static const char *const fixtures[] = {"defs.svh", "fix_pkg.sv", "bus_if.sv",
                                       "fifo.sv",  "top.sv",     "classes.sv",
                                       "legacy.v", "broken.sv",  "dataflow.sv"};

static const char *const fragments[] = {" ",
                                        "\n",
                                        ";",
                                        "x",
                                        "begin ",
                                        " end",
                                        "(",
                                        ")",
                                        "[3:0] ",
                                        "/* ",
                                        " */",
                                        "// note\n",
                                        "\"",
                                        "`",
                                        "`FOO",
                                        "`define W 8\n",
                                        "endmodule\n",
                                        "module m(input logic a, output logic y);\n",
                                        "assign y = a & b;\n",
                                        "always_ff @(posedge clk) q <= d;\n",
                                        "wire [7:0] w;\n",
                                        "u_sub u (.a(a), .y());\n",
                                        "if (a) ",
                                        "else ",
                                        "case (s) 0: y = 1; endcase\n",
                                        "generate ",
                                        "endgenerate ",
                                        "\r\n",
                                        "\xc3\xa9",
                                        "{a, b}",
                                        "#(.W(4)) ",
                                        "function int f(int v); return v; "
                                        "endfunction\n"};

static uint64_t rng_state;

static uint32_t rng(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return n ? (uint32_t)(rng_state % n) : 0;
}

static char *dump(const ra_model *m)
{
	ra_buf b;

	ra_buf_init(&b, 0);
	if (ra_model_dump(&b, m) || ra_buf_append(&b, "", 1)) {
		ra_buf_free(&b);
		return NULL;
	}
	return b.data;
}

/* an applied edit, for undoing it */
typedef struct undo {
	size_t from, n; /* the inserted bytes */
	char *removed;
	size_t nremoved;
} undo;

/* replaces [from, to) of text with ins (and edits the tree); false on OOM */
static bool replace(ra_buf *text, ra_sv_tree *tree, size_t from, size_t to, const char *ins,
                    size_t n)
{
	ra_sv_edit e;
	ra_buf nb;

	ra_sv_edit_make(&e, text->data, text->len, from, to, ins, n);
	if (ra_sv_tree_edit(tree, &e))
		return false;
	ra_buf_init(&nb, text->len + n + 1);
	if (ra_buf_append(&nb, text->data, from) || ra_buf_append(&nb, ins, n) ||
	    ra_buf_append(&nb, text->data + to, text->len - to)) {
		ra_buf_free(&nb);
		return false;
	}
	ra_buf_free(text);
	*text = nb;
	return true;
}

/* applies one random edit; false on OOM */
static bool random_edit(ra_buf *text, ra_sv_tree *tree, undo *u)
{
	size_t from = rng((uint32_t)text->len + 1), to = from;
	const char *ins = "";
	size_t n = 0;
	uint32_t what = rng(10);

	if (what < 4 || what >= 8) { /* delete (or replace) up to 40 bytes */
		to = from + rng(41);
		if (to > text->len)
			to = text->len;
	}
	if (what >= 4) { /* insert (or replace) a fragment */
		ins = fragments[rng(sizeof(fragments) / sizeof(*fragments))];
		n = strlen(ins);
	}
	u->from = from;
	u->n = n;
	u->nremoved = to - from;
	u->removed = ra_malloc(to - from + 1);
	if (!u->removed)
		return false;
	memcpy(u->removed, text->data + from, to - from);
	return replace(text, tree, from, to, ins, n);
}

typedef struct stats {
	int compared, clean, differ_with_errors;
} stats;

/* re-parses incrementally and freshly; false when the models differ although one of them has
 * no syntax error (tree-sitter's recovery from errors may read a text differently when it
 * reuses subtrees, and the LSP confirms such models with a fresh parse), or on failure */
static bool compare(const char *what, ra_sv_parser *p, ra_sv_tree **tree, const ra_buf *text,
                    ra_lang lang, stats *st)
{
	ra_model *inc = NULL, *fresh = NULL;
	char *a = NULL, *b = NULL;
	bool ok = false;

	if (ra_sv_parser_reparse(p, &inc, tree, text->data, text->len, lang, 0) ||
	    ra_sv_parser_parse(p, &fresh, text->data, text->len, lang))
		goto out;
	a = dump(inc);
	b = dump(fresh);
	if (!a || !b)
		goto out;
	st->compared++;
	ok = strcmp(a, b) == 0;
	if (inc->nerrors == 0 || fresh->nerrors == 0)
		st->clean++;
	else if (!ok)
		st->differ_with_errors++, ok = true;
	if (!ok)
		fprintf(stderr,
		        "%s: models differ\n--- text\n%.*s\n--- incremental\n%s\n--- fresh\n%s\n",
		        what, (int)text->len, text->data, a, b);
out:
	ra_free(a);
	ra_free(b);
	ra_model_free(inc);
	ra_model_free(fresh);
	return ok;
}

/* `rounds` times: 1-6 random edits, then their undoing in reverse order (back to `src`),
 * comparing the incremental and the fresh model after each edit; sometimes several edits go
 * into one re-parse. Returns false at the first difference or failure. */
static bool check_edits(const char *what, const char *src, size_t len, ra_lang lang, int rounds,
                        stats *st)
{
	ra_sv_parser *p = ra_sv_parser_new();
	ra_sv_tree *tree = NULL;
	ra_model *m = NULL;
	ra_buf text;
	undo u[6];
	bool ok = true;

	ra_buf_init(&text, 0);
	if (!p || ra_buf_append(&text, src, len) ||
	    ra_sv_parser_reparse(p, &m, &tree, text.data, text.len, lang, 0))
		ok = false;
	ra_model_free(m);
	for (int r = 0; r < rounds && ok; r++) {
		int n = 1 + (int)rng(6), done = 0;

		while (done < n && ok) {
			ok = random_edit(&text, tree, &u[done]);
			done++;
			if (ok && (rng(3) != 0 || done == n))
				ok = compare(what, p, &tree, &text, lang, st);
		}
		while (done > 0) {
			undo *x = &u[--done];

			if (ok)
				ok = replace(&text, tree, x->from, x->from + x->n, x->removed,
				             x->nremoved);
			if (ok && (rng(3) != 0 || done == 0))
				ok = compare(what, p, &tree, &text, lang, st);
			ra_free(x->removed);
		}
		if (ok && (text.len != len || memcmp(text.data, src, len) != 0)) {
			fprintf(stderr, "%s: undoing the edits did not restore the text\n", what);
			ok = false;
		}
	}
	ra_buf_free(&text);
	ra_sv_tree_free(tree);
	ra_sv_parser_free(p);
	return ok;
}

static char *read_fixture(const char *name, size_t *len)
{
	char path[512];
	char *src = NULL;

	snprintf(path, sizeof(path), FIXDIR "%s", name);
	if (ra_read_file(&src, len, path, 1 << 20))
		return NULL;
	return src;
}

static void seed(void)
{
	const char *s = getenv("RA_REPARSE_SEED");

	rng_state = s ? strtoull(s, NULL, 10) : 0;
	if (!rng_state)
		rng_state = 0x9e3779b97f4a7c15ull;
}

RA_TEST(sv_reparse_random_edits_each_fixture)
{
	stats st = {0};

	seed();
	for (size_t i = 0; i < sizeof(fixtures) / sizeof(*fixtures); i++) {
		size_t len = 0, n = strlen(fixtures[i]);
		char *src = read_fixture(fixtures[i], &len);
		ra_lang lang = !strcmp(fixtures[i] + n - 2, ".v") ? RA_LANG_VERILOG : RA_LANG_SV;
		bool ok;

		RA_CHECK(src);
		ok = check_edits(fixtures[i], src, len, lang, 30, &st);
		ra_free(src);
		RA_CHECKF(ok, "%s: incremental and fresh models differ", fixtures[i]);
	}
	/* every round ends back at the fixture, which (but broken.sv) parses without errors */
	RA_CHECKF(st.clean >= 30 * 8, "%d of %d clean", st.clean, st.compared);
	printf("%d comparisons, %d without syntax errors, %d different error recoveries\n",
	       st.compared, st.clean, st.differ_with_errors);
}

RA_TEST(sv_reparse_random_edits_all_fixtures_joined)
{
	ra_buf all;
	stats st = {0};
	bool ok;

	seed();
	rng_state ^= 0x5555;
	ra_buf_init(&all, 0);
	for (size_t i = 0; i < sizeof(fixtures) / sizeof(*fixtures); i++) {
		size_t len = 0;
		char *src;

		if (!strcmp(fixtures[i], "broken.sv")) /* the joined text parses without errors */
			continue;
		src = read_fixture(fixtures[i], &len);
		RA_CHECK(src);
		RA_CHECK(ra_buf_append(&all, src, len) == RA_OK);
		ra_free(src);
	}
	ok = check_edits("joined", all.data, all.len, RA_LANG_SV, 30, &st);
	ra_buf_free(&all);
	RA_CHECK(ok);
	RA_CHECKF(st.clean >= 30, "%d of %d clean", st.clean, st.compared);
}

/* an edit that was not reported leaves the tree's length wrong: a fresh parse, still right */
RA_TEST(sv_reparse_unreported_edit_parses_fresh)
{
	static const char v1[] = "module a(input x);\nendmodule\n";
	static const char v2[] = "module a(input x);\nwire w;\nendmodule\nmodule b; endmodule\n";
	ra_sv_parser *p = ra_sv_parser_new();
	ra_sv_tree *tree = NULL;
	ra_model *m = NULL, *f = NULL;
	char *a, *b;

	RA_CHECK(p);
	RA_CHECK(ra_sv_parser_reparse(p, &m, &tree, v1, sizeof(v1) - 1, RA_LANG_SV, 0) == RA_OK);
	RA_CHECK(tree);
	ra_model_free(m);
	RA_CHECK(ra_sv_parser_reparse(p, &m, &tree, v2, sizeof(v2) - 1, RA_LANG_SV, 0) == RA_OK);
	RA_CHECK(ra_sv_parser_parse(p, &f, v2, sizeof(v2) - 1, RA_LANG_SV) == RA_OK);
	a = dump(m);
	b = dump(f);
	RA_CHECK(a && b);
	RA_CHECK_STR(a, b);
	RA_CHECK(strstr(a, "b") && f->nsyms >= 3);
	ra_free(a);
	ra_free(b);
	ra_model_free(m);
	ra_model_free(f);
	ra_sv_tree_free(tree);
	ra_sv_parser_free(p);
}

RA_TEST(sv_reparse_edit_outside_the_text_is_refused)
{
	static const char v1[] = "module a; endmodule\n";
	ra_sv_parser *p = ra_sv_parser_new();
	ra_sv_tree *tree = NULL;
	ra_model *m = NULL;
	ra_sv_edit e = {.start = 10, .old_end = 500, .new_end = 10};

	RA_CHECK(p);
	RA_CHECK(ra_sv_parser_reparse(p, &m, &tree, v1, sizeof(v1) - 1, RA_LANG_SV, 0) == RA_OK);
	RA_CHECK(ra_sv_tree_edit(tree, &e) == RA_ERR);
	e = (ra_sv_edit){.start = 12, .old_end = 11, .new_end = 12};
	RA_CHECK(ra_sv_tree_edit(tree, &e) == RA_ERR);
	RA_CHECK(ra_sv_tree_edit(NULL, &e) == RA_OK);
	ra_model_free(m);
	ra_sv_tree_free(tree);
	ra_sv_tree_free(NULL);
	ra_sv_parser_free(p);
}

RA_TEST(sv_reparse_edit_make_rows_and_columns)
{
	static const char old[] = "ab\ncd\nef";
	ra_sv_edit e;

	/* "d\ne" (bytes 4..7) -> "X\nYZ" */
	ra_sv_edit_make(&e, old, sizeof(old) - 1, 4, 7, "X\nYZ", 4);
	RA_CHECK_INT(e.start, 4);
	RA_CHECK_INT(e.old_end, 7);
	RA_CHECK_INT(e.new_end, 8);
	RA_CHECK_INT(e.start_row, 1);
	RA_CHECK_INT(e.start_col, 1);
	RA_CHECK_INT(e.old_end_row, 2);
	RA_CHECK_INT(e.old_end_col, 1);
	RA_CHECK_INT(e.new_end_row, 2);
	RA_CHECK_INT(e.new_end_col, 2);
	/* insertion at the end, on one line */
	ra_sv_edit_make(&e, old, sizeof(old) - 1, 8, 8, "gh", 2);
	RA_CHECK_INT(e.start_row, 2);
	RA_CHECK_INT(e.start_col, 2);
	RA_CHECK_INT(e.old_end_row, 2);
	RA_CHECK_INT(e.new_end_col, 4);
	/* out of range: clamped */
	ra_sv_edit_make(&e, old, sizeof(old) - 1, 20, 30, "", 0);
	RA_CHECK_INT(e.start, 8);
	RA_CHECK_INT(e.old_end, 8);
}

/* RA_SV_NO_CHUNKS gives the same model without its chunks */
RA_TEST(sv_reparse_no_chunks)
{
	size_t len = 0;
	char *src = read_fixture("top.sv", &len);
	ra_sv_parser *p = ra_sv_parser_new();
	ra_sv_tree *tree = NULL;
	ra_model *m = NULL, *f = NULL;
	char *a, *b;

	RA_CHECK(src && p);
	RA_CHECK(ra_sv_parser_reparse(p, &m, &tree, src, len, RA_LANG_SV, RA_SV_NO_CHUNKS) ==
	         RA_OK);
	RA_CHECK(ra_sv_parser_parse(p, &f, src, len, RA_LANG_SV) == RA_OK);
	RA_CHECK_INT(m->nchunks, 0);
	RA_CHECK(f->nchunks > 0);
	f->nchunks = 0;
	a = dump(m);
	b = dump(f);
	RA_CHECK(a && b);
	RA_CHECK_STR(a, b);
	ra_free(a);
	ra_free(b);
	ra_model_free(m);
	ra_model_free(f);
	ra_sv_tree_free(tree);
	ra_sv_parser_free(p);
	ra_free(src);
}

RA_TEST_MAIN()
