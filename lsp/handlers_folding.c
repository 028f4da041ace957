/*
 * handlers_folding.c - textDocument/foldingRange and textDocument/documentLink.
 *
 * Folding ranges come from the syntax, without a second parse. Two sources:
 *  - the document's model: every symbol whose extent spans lines (design units, subprograms,
 *    processes, generate scopes, instances, typedefs, components, blocks...);
 *  - one pass of a light lexer over the text, which skips strings and comments and sees what the
 *    model does not keep: begin/end, case/endcase, fork/join, generate/endgenerate,
 *    covergroup/endgroup, property/endproperty, sequence/endsequence and specify pairs;
 *    multi-line parenthesised lists after a name or `#` (port, parameter and argument lists,
 *    connection lists, macro calls); block comments, runs of 3 or more whole-line comments, and
 *    `ifdef/`ifndef/`elsif/`else/`endif regions; for VHDL the comments, `port`/`generic`/`map`
 *    lists and case...end case.
 * A closer is matched to the nearest opener of its kind (openers it passes over were left open by
 * broken code and are dropped), so broken text gives fewer ranges, never wrong nesting.
 *
 * A range whose last line starts with its closing token (`end`, `endmodule`, `)`) stops on the
 * line before it with lineFoldingOnly, so the closer stays visible; otherwise it ends at the
 * closer's column. Ranges are sorted by start line and only the longest range starting on a line
 * is kept (editors drop the others). Over the client's rangeLimit, the deepest ranges go first.
 *
 * Document links: each `include's quoted file name links to the file the index resolved it to
 * (includes.target_id); an include the index does not know yet (just typed) is resolved the way
 * the indexer does: beside the including file, as the same path resolved elsewhere (include
 * directories), then a unique file whose path ends with it.
 */
#define _GNU_SOURCE
#include "lsp/lsp_internal.h"

#include <ctype.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { FOLD_CODE, FOLD_COMMENT, FOLD_REGION };
#define FOLD_NO_COL UINT32_MAX

typedef struct fold {
	uint32_t start, end; /* lines, 0-based */
	uint32_t close_col;  /* byte column of the closing token on `end`, or FOLD_NO_COL */
	bool close_first;    /* the closing token is the first token of its line */
	uint8_t kind;        /* FOLD_* */
	uint8_t level;       /* nesting depth, for rangeLimit */
} fold;

/* an opener waiting for its closer */
enum {
	OPEN_PAREN,
	OPEN_BEGIN,
	OPEN_CASE,
	OPEN_FORK,
	OPEN_GENERATE,
	OPEN_GROUP,
	OPEN_SPECIFY,
	OPEN_PROPERTY,
	OPEN_SEQUENCE
};

typedef struct opener {
	uint32_t line;
	uint8_t kind;
	bool foldable; /* parentheses: only lists after a name or `#` fold */
} opener;

/* what came before a token, for the openers that depend on it */
enum { PREV_OTHER, PREV_NAME, PREV_HASH, PREV_CLOSE, PREV_WAIT, PREV_END, PREV_LIST };

typedef struct folder {
	const char *text;
	size_t len;
	fold *v;
	size_t n, cap;
	opener *stack;
	size_t depth, stack_cap;
	uint32_t *regions; /* `ifdef sections: the line each open one starts on */
	size_t nregions, regions_cap;
	uint32_t run_start, run_end; /* the current run of whole-line comments */
	bool in_run;
	int rc; /* RA_ENOMEM once an allocation failed */
} folder;

static void add(folder *f, uint32_t start, uint32_t end, uint32_t close_col, bool close_first,
                int kind)
{
	if (f->rc || end <= start)
		return;
	if (ra_grow((void **)&f->v, &f->cap, f->n + 1, sizeof(*f->v))) {
		f->rc = RA_ENOMEM;
		return;
	}
	f->v[f->n++] = (fold){start, end, close_col, close_first, (uint8_t)kind, 0};
}

static void push(folder *f, int kind, uint32_t line, bool foldable)
{
	if (f->rc)
		return;
	if (ra_grow((void **)&f->stack, &f->stack_cap, f->depth + 1, sizeof(*f->stack))) {
		f->rc = RA_ENOMEM;
		return;
	}
	f->stack[f->depth++] = (opener){line, (uint8_t)kind, foldable};
}

/* a closer of `kind` at (line, col): folds from its opener. A parenthesis closes only a
 * parenthesis above every other opener; a keyword drops the openers it passes over. */
static void pop(folder *f, int kind, uint32_t line, uint32_t col, bool first)
{
	size_t i = f->depth;

	while (i > 0 && f->stack[i - 1].kind != kind) {
		if (kind == OPEN_PAREN && f->stack[i - 1].kind != OPEN_PAREN)
			return;
		i--;
	}
	if (i == 0)
		return;
	f->depth = i - 1;
	if (f->stack[i - 1].foldable)
		add(f, f->stack[i - 1].line, line, col, first, FOLD_CODE);
}

/* ends the current run of whole-line comments: folded from 3 lines */
static void end_run(folder *f)
{
	if (f->in_run && f->run_end - f->run_start >= 2)
		add(f, f->run_start, f->run_end, FOLD_NO_COL, false, FOLD_COMMENT);
	f->in_run = false;
}

/* a line whose first token is a line comment */
static void comment_line(folder *f, uint32_t line)
{
	if (f->in_run && f->run_end + 1 == line) {
		f->run_end = line;
		return;
	}
	end_run(f);
	f->in_run = true;
	f->run_start = f->run_end = line;
}

static bool is_word(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '$';
}

/* the word w (n bytes) is the literal keyword kw: lengths compared first, no strlen */
#define word_is(w, n, kw) ((n) == sizeof(kw) - 1 && memcmp((w), (kw), (n)) == 0)

/* a block comment from i (at its slash): folded when it spans lines; returns its end */
static size_t block_comment(folder *f, size_t i, uint32_t *line)
{
	const char *end = memmem(f->text + i + 2, f->len - i - 2, "*/", 2);
	size_t stop = end ? (size_t)(end - f->text) + 2 : f->len;
	uint32_t start = *line;

	for (size_t k = i; k < stop; k++)
		*line += f->text[k] == '\n';
	add(f, start, *line, FOLD_NO_COL, false, FOLD_COMMENT);
	return stop;
}

/* a string from i (at its quote) to past its closing quote or the end of its line */
static size_t string_end(folder *f, size_t i, bool escapes, uint32_t *line)
{
	for (i++; i < f->len && f->text[i] != '"' && f->text[i] != '\n'; i++)
		if (escapes && f->text[i] == '\\' && i + 1 < f->len) {
			i++;
			*line += f->text[i] == '\n';
		}
	return i < f->len && f->text[i] == '"' ? i + 1 : i;
}

/* a compiler directive at i (the backquote, at byte column `col`, the first token of its line
 * when `first`); returns where it ends (a define: at the end of its last line) */
static size_t sv_directive(folder *f, size_t i, uint32_t *line, uint32_t col, bool first)
{
	const char *w = f->text + i + 1;
	size_t n = 0;

	while (i + 1 + n < f->len && is_word(w[n]))
		n++;
	if (word_is(w, n, "ifdef") || word_is(w, n, "ifndef")) {
		if (ra_grow((void **)&f->regions, &f->regions_cap, f->nregions + 1,
		            sizeof(*f->regions)))
			f->rc = RA_ENOMEM;
		else
			f->regions[f->nregions++] = *line;
	} else if (word_is(w, n, "elsif") || word_is(w, n, "else") || word_is(w, n, "endif")) {
		if (f->nregions) {
			add(f, f->regions[f->nregions - 1], *line, col, first, FOLD_REGION);
			if (w[0] == 'e' && w[1] == 'n')
				f->nregions--;
			else
				f->regions[f->nregions - 1] = *line;
		}
	} else if (word_is(w, n, "define")) {
		/* the body, continued by backslashes, is not code of this file */
		size_t k = i + 1 + n;

		for (; k < f->len; k++) {
			if (f->text[k] != '\n')
				continue;
			if (!((k >= 1 && f->text[k - 1] == '\\') ||
			      (k >= 2 && f->text[k - 1] == '\r' && f->text[k - 2] == '\\')))
				break;
			(*line)++;
		}
		return k;
	}
	return i + 1 + n;
}

/* Steps over what is not a token at t[*i] — a newline, blanks, a line comment (two `lc`
 * characters: "//" or "--"; a run of whole-line ones is folded) or a block comment — keeping the
 * line, the offset where it starts and whether a token was seen on it. False at a token (which
 * is then counted as seen). */
static bool trivia(folder *f, size_t *i, uint32_t *line, size_t *bol, bool *seen, char lc)
{
	const char *t = f->text;
	char c = t[*i];
	bool first = !*seen;

	if (c == '\n') {
		(*line)++;
		*bol = ++*i;
		*seen = false;
		return true;
	}
	if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
		++*i;
		return true;
	}
	*seen = true;
	if (c == lc && *i + 1 < f->len && t[*i + 1] == lc) {
		if (first)
			comment_line(f, *line);
		while (*i < f->len && t[*i] != '\n')
			++*i;
		return true;
	}
	if (c == '/' && *i + 1 < f->len && t[*i + 1] == '*') {
		uint32_t before = *line;

		*i = block_comment(f, *i, line);
		if (*line != before)
			*bol = (size_t)((const char *)memrchr(t, '\n', *i) - t) + 1;
		return true;
	}
	return false;
}

/* the SystemVerilog/Verilog lexer pass */
static void scan_sv(folder *f)
{
	const char *t = f->text;
	uint32_t line = 0;
	size_t bol = 0;    /* offset where the line starts */
	bool seen = false; /* a token on this line already */
	int prev = PREV_OTHER;

	for (size_t i = 0; i < f->len && !f->rc;) {
		char c = t[i];
		bool first = !seen;

		if (trivia(f, &i, &line, &bol, &seen, '/'))
			continue;
		if (c == '"') {
			i = string_end(f, i, true, &line);
			prev = PREV_OTHER;
			continue;
		}
		if (c == '`') {
			/* a define's continued lines are counted there; the newline that ends it is
			   left for the loop, which moves bol */
			i = sv_directive(f, i, &line, (uint32_t)(i - bol), first);
			prev = PREV_NAME; /* a macro call's arguments fold like a call's */
			continue;
		}
		if (c == '\\') { /* escaped identifier, up to white space */
			while (i < f->len && !isspace((unsigned char)t[i]))
				i++;
			prev = PREV_NAME;
			continue;
		}
		if (c == '\'' && i + 1 < f->len && t[i + 1] != '{' && t[i + 1] != '(') {
			/* a based number's digits ('hdead) are not a word */
			i++;
			if (i < f->len && (t[i] == 's' || t[i] == 'S'))
				i++;
			if (i < f->len && t[i] && strchr("bBoOdDhH", t[i]))
				for (i++; i < f->len && (isxdigit((unsigned char)t[i]) ||
				                         (t[i] && strchr("xXzZ_?", t[i])));)
					i++;
			prev = PREV_OTHER;
			continue;
		}
		if (isdigit((unsigned char)c)) {
			while (i < f->len && (is_word(t[i]) || t[i] == '.'))
				i++;
			prev = PREV_OTHER;
			continue;
		}
		if (isalpha((unsigned char)c) || c == '_' || c == '$') {
			const char *w = t + i;
			size_t n = 0;
			uint32_t col = (uint32_t)(i - bol);

			while (i + n < f->len && is_word(w[n]))
				n++;
			i += n;
			if (c == '$') {
				prev = PREV_OTHER;
				continue;
			}
			if (word_is(w, n, "begin"))
				push(f, OPEN_BEGIN, line, true);
			else if (word_is(w, n, "end"))
				pop(f, OPEN_BEGIN, line, col, first);
			else if (word_is(w, n, "case") || word_is(w, n, "casex") ||
			         word_is(w, n, "casez") || word_is(w, n, "randcase"))
				push(f, OPEN_CASE, line, true);
			else if (word_is(w, n, "endcase"))
				pop(f, OPEN_CASE, line, col, first);
			else if (word_is(w, n, "fork") && prev != PREV_WAIT)
				push(f, OPEN_FORK, line, true);
			else if (word_is(w, n, "join") || word_is(w, n, "join_any") ||
			         word_is(w, n, "join_none"))
				pop(f, OPEN_FORK, line, col, first);
			else if (word_is(w, n, "generate"))
				push(f, OPEN_GENERATE, line, true);
			else if (word_is(w, n, "endgenerate"))
				pop(f, OPEN_GENERATE, line, col, first);
			else if (word_is(w, n, "covergroup"))
				push(f, OPEN_GROUP, line, true);
			else if (word_is(w, n, "endgroup"))
				pop(f, OPEN_GROUP, line, col, first);
			else if (word_is(w, n, "specify"))
				push(f, OPEN_SPECIFY, line, true);
			else if (word_is(w, n, "endspecify"))
				pop(f, OPEN_SPECIFY, line, col, first);
			/* a declaration starts its line; `assert property (` is no opener */
			else if (word_is(w, n, "property") && first)
				push(f, OPEN_PROPERTY, line, true);
			else if (word_is(w, n, "endproperty"))
				pop(f, OPEN_PROPERTY, line, col, first);
			else if ((word_is(w, n, "sequence") && first) ||
			         word_is(w, n, "randsequence"))
				push(f, OPEN_SEQUENCE, line, true);
			else if (word_is(w, n, "endsequence"))
				pop(f, OPEN_SEQUENCE, line, col, first);
			if (word_is(w, n, "wait") || word_is(w, n, "disable"))
				prev = PREV_WAIT;
			else if (word_is(w, n, "if") || word_is(w, n, "for") ||
			         word_is(w, n, "while") || word_is(w, n, "foreach") ||
			         word_is(w, n, "repeat") || word_is(w, n, "case") ||
			         word_is(w, n, "casex") || word_is(w, n, "casez") ||
			         word_is(w, n, "return") || word_is(w, n, "iff") ||
			         word_is(w, n, "else") || word_is(w, n, "assign"))
				prev = PREV_OTHER;
			else
				prev = PREV_NAME;
			continue;
		}
		if (c == '(' && i + 1 < f->len && t[i + 1] == '*' &&
		    !(i + 2 < f->len && t[i + 2] == ')')) {
			/* an attribute (* ... *) is skipped whole, but not @(*) */
			const char *end = memmem(t + i + 2, f->len - i - 2, "*)", 2);
			size_t stop = end ? (size_t)(end - t) + 2 : f->len;

			for (size_t k = i; k < stop; k++)
				if (t[k] == '\n') {
					line++;
					bol = k + 1;
				}
			i = stop;
			continue;
		}
		if (c == '(')
			push(f, OPEN_PAREN, line,
			     prev == PREV_NAME || prev == PREV_HASH || prev == PREV_CLOSE);
		else if (c == ')')
			pop(f, OPEN_PAREN, line, (uint32_t)(i - bol), first);
		prev = c == '#' ? PREV_HASH : c == ')' ? PREV_CLOSE : PREV_OTHER;
		i++;
	}
}

/* the VHDL lexer pass */
static void scan_vhdl(folder *f)
{
	const char *t = f->text;
	uint32_t line = 0, end_line = 0, end_col = 0;
	size_t bol = 0;
	bool seen = false, end_first = false;
	int prev = PREV_OTHER;

	for (size_t i = 0; i < f->len && !f->rc;) {
		char c = t[i];
		bool first = !seen;

		if (trivia(f, &i, &line, &bol, &seen, '-'))
			continue;
		if (c == '"') {
			i = string_end(f, i, false, &line);
			prev = PREV_OTHER;
			continue;
		}
		if (c == '\'' && i + 2 < f->len && t[i + 2] == '\'' && t[i + 1] != '\n') {
			i += 3; /* a character literal */
			prev = PREV_OTHER;
			continue;
		}
		if (c == '\\') { /* extended identifier */
			for (i++; i < f->len && t[i] != '\\' && t[i] != '\n';)
				i++;
			i += i < f->len && t[i] == '\\';
			prev = PREV_NAME;
			continue;
		}
		if (isalnum((unsigned char)c) || c == '_') {
			const char *w = t + i;
			size_t n = 0;
			bool is_end, is_case;

			while (i + n < f->len && (isalnum((unsigned char)w[n]) || w[n] == '_'))
				n++;
			is_end = n == 3 && strncasecmp(w, "end", 3) == 0;
			is_case = n == 4 && strncasecmp(w, "case", 4) == 0;
			if (is_case && prev == PREV_END)
				pop(f, OPEN_CASE, end_line, end_col, end_first);
			else if (is_case)
				push(f, OPEN_CASE, line, true);
			if (is_end) {
				end_line = line;
				end_col = (uint32_t)(i - bol);
				end_first = first;
				prev = PREV_END;
			} else if ((n == 4 && strncasecmp(w, "port", 4) == 0) ||
			           (n == 7 && strncasecmp(w, "generic", 7) == 0) ||
			           (n == 3 && strncasecmp(w, "map", 3) == 0)) {
				prev = PREV_LIST;
			} else {
				prev = PREV_NAME;
			}
			i += n;
			continue;
		}
		if (c == '(')
			push(f, OPEN_PAREN, line, prev == PREV_LIST);
		else if (c == ')')
			pop(f, OPEN_PAREN, line, (uint32_t)(i - bol), first);
		prev = PREV_OTHER;
		i++;
	}
}

/* the first token of a line closes a construct (end..., join..., a closing bracket) */
static bool closer_at(const char *s, size_t n, ra_lang lang)
{
	if (n && (s[0] == ')' || s[0] == '}' || s[0] == ']'))
		return true;
	if (lang == RA_LANG_VHDL)
		return n >= 3 && strncasecmp(s, "end", 3) == 0 &&
		       (n == 3 || !(isalnum((unsigned char)s[3]) || s[3] == '_'));
	/* end, endmodule, join_any...: no such keyword has digits, and only join_* a '_' */
	if (n >= 6 && memcmp(s, "`endif", 6) == 0)
		return true;
	if (n >= 3 && memcmp(s, "end", 3) == 0) {
		size_t k = 3;

		while (k < n && islower((unsigned char)s[k]))
			k++;
		return k == n || !is_word(s[k]);
	}
	return n >= 4 && memcmp(s, "join", 4) == 0 &&
	       (n == 4 || !is_word(s[4]) || (n >= 8 && memcmp(s + 4, "_any", 4) == 0) ||
	        (n >= 9 && memcmp(s + 4, "_none", 5) == 0));
}

/* the model's symbols that span lines */
static void add_symbols(folder *f, const lsp_doc *d)
{
	const ra_model *m = d->model;

	for (size_t i = 0; m && i < m->nsyms && !f->rc; i++) {
		const ra_sym *y = &m->syms[i];
		ra_span sp = y->span;
		size_t a, b;

		if (sp.end_line <= sp.line || sp.end_line >= d->lines.n || y->kind == RA_SYM_PORT ||
		    y->kind == RA_SYM_ENUM_MEMBER || y->kind == RA_SYM_STRUCT_MEMBER)
			continue;
		/* the first token of its last line, when it closes the symbol */
		a = d->lines.start[sp.end_line];
		b = a + ra_lines_len(&d->lines, d->text.data, d->text.len, sp.end_line);
		while (a < b && (d->text.data[a] == ' ' || d->text.data[a] == '\t'))
			a++;
		if (a < b && a - d->lines.start[sp.end_line] < sp.end_col &&
		    closer_at(d->text.data + a, b - a, d->lang))
			add(f, sp.line, sp.end_line, (uint32_t)(a - d->lines.start[sp.end_line]),
			    true, FOLD_CODE);
		else
			add(f, sp.line, sp.end_line, FOLD_NO_COL, false, FOLD_CODE);
	}
}

static int by_start(const void *pa, const void *pb)
{
	const fold *a = pa, *b = pb;

	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	if (a->end != b->end)
		return a->end > b->end ? -1 : 1; /* the longest first */
	if (a->close_col != b->close_col)        /* one that knows where it closes first */
		return a->close_col < b->close_col ? -1 : 1;
	return a->kind < b->kind ? -1 : a->kind > b->kind;
}

/* the ranges as the client takes them: last lines settled, sorted, one per start line, nesting
 * levels set; returns how many are left in f->v */
static size_t settle(folder *f, bool lines_only)
{
	size_t n = 0;
	uint32_t *ends;
	size_t depth = 0;

	for (size_t i = 0; i < f->n; i++) {
		fold r = f->v[i];

		if (lines_only) {
			if (r.close_first)
				r.end--;
			r.close_col = FOLD_NO_COL;
		}
		if (r.end > r.start)
			f->v[n++] = r;
	}
	if (n) /* f->v is NULL when nothing was added */
		qsort(f->v, n, sizeof(*f->v), by_start);
	ends = ra_malloc((n ? n : 1) * sizeof(*ends));
	if (!ends) {
		f->rc = RA_ENOMEM;
		return 0;
	}
	f->n = 0;
	for (size_t i = 0; i < n; i++) {
		fold r = f->v[i];

		if (f->n && f->v[f->n - 1].start == r.start)
			continue;
		while (depth && ends[depth - 1] < r.start)
			depth--;
		r.level = depth > 255 ? 255 : (uint8_t)depth;
		ends[depth++] = r.end;
		f->v[f->n++] = r;
	}
	ra_free(ends);
	return f->n;
}

/* over the limit: keep the outer levels whole and as many of the next level as fit (in order) */
static void limit(folder *f, size_t max)
{
	size_t count[257] = {0}, keep = 0, n = 0;
	int level = 0;

	if (f->n <= max)
		return;
	for (size_t i = 0; i < f->n; i++)
		count[f->v[i].level]++;
	while (level < 256 && keep + count[level] <= max)
		keep += count[level++];
	for (size_t i = 0; i < f->n; i++) {
		bool in = f->v[i].level < level || (f->v[i].level == level && keep < max);

		if (f->v[i].level == level && in)
			keep++;
		if (in)
			f->v[n++] = f->v[i];
	}
	f->n = n;
}

int lsp_h_folding_range(lsp_server *s, json_t *p, json_t **r, const char **msg)
{
	static const char *const kinds[] = {NULL, "comment", "region"};
	lsp_doc *d;
	folder f = {0};
	ra_buf b;
	int rc = 0, code = lsp_doc_for(s, p, &d, msg);

	if (code)
		return code;
	f.text = d->text.data ? d->text.data : "";
	f.len = d->text.len;
	add_symbols(&f, d);
	if (d->lang == RA_LANG_VHDL)
		scan_vhdl(&f);
	else
		scan_sv(&f);
	end_run(&f);
	if (!f.rc)
		settle(&f, s->fold_lines_only);
	if (!f.rc && s->fold_limit)
		limit(&f, s->fold_limit);
	ra_buf_init(&b, 0);
	rc = f.rc ? f.rc : ra_buf_putc(&b, '[');
	for (size_t i = 0; i < f.n && !rc; i++) {
		const fold *x = &f.v[i];

		rc = ra_buf_puts(&b, i ? ",{\"startLine\":" : "{\"startLine\":");
		rc = rc ? rc : lsp_put_u32(&b, x->start);
		rc = rc ? rc : ra_buf_puts(&b, ",\"endLine\":");
		rc = rc ? rc : lsp_put_u32(&b, x->end);
		if (x->close_col != FOLD_NO_COL) {
			rc = rc ? rc : ra_buf_puts(&b, ",\"endCharacter\":");
			rc = rc ? rc
			        : lsp_put_u32(&b, ra_lines_col(&d->lines, f.text, f.len, x->end,
			                                       x->close_col, s->utf16));
		}
		if (kinds[x->kind]) {
			rc = rc ? rc : ra_buf_puts(&b, ",\"kind\":");
			rc = rc ? rc : lsp_put_str(&b, kinds[x->kind]);
		}
		rc = rc ? rc : ra_buf_putc(&b, '}');
	}
	rc = rc ? rc : ra_buf_putc(&b, ']');
	ra_free(f.v);
	ra_free(f.stack);
	ra_free(f.regions);
	if (rc) {
		ra_buf_free(&b);
		*msg = "out of memory";
		return RA_RPC_INTERNAL_ERROR;
	}
	lsp_result_text(s, &b);
	*r = NULL;
	return 0;
}

/* ---- documentLink -------------------------------------------------------------------------- */

static const char SQL_INCLUDE_TARGET[] =
        "SELECT t.path FROM includes i JOIN files f ON f.id = i.file_id JOIN files t ON"
        " t.id = i.target_id WHERE f.path = ?1 AND i.path = ?2 LIMIT 1";
static const char SQL_INCLUDE_ANY[] =
        "SELECT DISTINCT t.path FROM includes i JOIN files t ON t.id = i.target_id"
        " WHERE i.path = ?1 LIMIT 2";
static const char SQL_FILE_BASE[] = "SELECT path FROM files WHERE base = ?1";
static const char SQL_FILE_PATH[] = "SELECT path FROM files WHERE path = ?1";

/* `dir/inc` with `.` and `..` folded, in the arena; NULL when it leaves the workspace */
static char *join_path(lsp_server *s, const char *from, const char *inc)
{
	const char *slash = strrchr(from, '/');
	char *path = ra_arena_printf(s->arena, "%.*s%s%s", slash ? (int)(slash - from) : 0, from,
	                             slash ? "/" : "", inc);
	char *out, *save = NULL;
	size_t n = 0;

	if (!path || !(out = ra_arena_alloc(s->arena, strlen(path) + 1)))
		return NULL;
	*out = '\0';
	for (char *seg = strtok_r(path, "/", &save); seg; seg = strtok_r(NULL, "/", &save)) {
		if (!strcmp(seg, "."))
			continue;
		if (!strcmp(seg, "..")) {
			char *up;

			if (!n)
				return NULL;
			up = strrchr(out, '/');
			*(up ? up : out) = '\0';
			n--;
			continue;
		}
		if (n++)
			strcat(out, "/");
		strcat(out, seg);
	}
	return n ? out : NULL;
}

/* the first column of a statement's first row, in the arena (NULL: none); `more` (or NULL)
 * tells whether a second row follows. The statement is reset: an active statement would keep
 * the connection's read snapshot open past the request. */
static const char *row_text(lsp_server *s, struct sqlite3_stmt *st, bool *more)
{
	const char *v =
	        sqlite3_step(st) == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
	char *copy = v ? ra_arena_strdup(s->arena, v) : NULL;

	if (more)
		*more = copy && sqlite3_step(st) == SQLITE_ROW;
	sqlite3_reset(st);
	return copy;
}

/* the workspace file an include of `rel` names, NULL when the index cannot tell */
static const char *include_target(lsp_server *s, const char *rel, const char *inc)
{
	struct sqlite3_stmt *st;
	const char *hit = NULL, *base;
	char *beside;
	size_t ilen = strlen(inc);
	int hits = 0;

	if ((st = lsp_stmt_get(s, SQL_INCLUDE_TARGET))) {
		sqlite3_bind_text(st, 1, rel, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, inc, -1, SQLITE_TRANSIENT);
		if ((hit = row_text(s, st, NULL)))
			return hit;
	}
	beside = join_path(s, rel, inc);
	if (beside && (st = lsp_stmt_get(s, SQL_FILE_PATH))) {
		sqlite3_bind_text(st, 1, beside, -1, SQLITE_TRANSIENT);
		if ((hit = row_text(s, st, NULL)))
			return hit;
	}
	if ((st = lsp_stmt_get(s, SQL_INCLUDE_ANY))) { /* resolved elsewhere: include dirs */
		sqlite3_bind_text(st, 1, inc, -1, SQLITE_TRANSIENT);
		bool more;

		hit = row_text(s, st, &more);
		if (hit && !more)
			return hit;
		hit = NULL;
	}
	base = strrchr(inc, '/');
	if (!(st = lsp_stmt_get(s, SQL_FILE_BASE)))
		return NULL;
	sqlite3_bind_text(st, 1, base ? base + 1 : inc, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(st) == SQLITE_ROW && hits < 2) {
		const char *path = (const char *)sqlite3_column_text(st, 0);
		size_t plen = path ? strlen(path) : 0;

		if (plen < ilen || strcmp(path + plen - ilen, inc) != 0 ||
		    (plen > ilen && path[plen - ilen - 1] != '/'))
			continue;
		if (!hits++)
			hit = ra_arena_strdup(s->arena, path);
	}
	sqlite3_reset(st);
	return hits == 1 ? hit : NULL;
}

int lsp_h_document_link(lsp_server *s, json_t *p, json_t **r, const char **msg)
{
	lsp_doc *d;
	const ra_model *m;
	lsp_cols cols = {0};
	ra_buf b;
	bool any = false;
	int rc, code = lsp_doc_for(s, p, &d, msg);

	if (code)
		return code;
	m = d->model;
	if (s->utf16 && !ra_pos_is_ascii(d->text.data, d->text.len)) {
		cols.text = d->text.data;
		cols.len = d->text.len;
		cols.lines = &d->lines;
	}
	ra_buf_init(&b, 0);
	rc = ra_buf_putc(&b, '[');
	for (size_t i = 0; m && d->lang != RA_LANG_VHDL && i < m->nincludes && !rc; i++) {
		const ra_include *inc = &m->includes[i];
		ra_span sp = inc->span;
		const char *target, *uri, *q1, *q2;
		size_t a, e;

		/* the quoted name: between the quotes on the directive's first line */
		if (!inc->path || !*inc->path || sp.line >= d->lines.n)
			continue;
		a = d->lines.start[sp.line] + sp.col;
		e = d->lines.start[sp.line] +
		    ra_lines_len(&d->lines, d->text.data, d->text.len, sp.line);
		if (sp.end_line == sp.line && d->lines.start[sp.line] + sp.end_col < e)
			e = d->lines.start[sp.line] + sp.end_col;
		q1 = a < e ? memchr(d->text.data + a, '"', e - a) : NULL;
		q2 = q1 ? memchr(q1 + 1, '"', (size_t)(d->text.data + e - q1 - 1)) : NULL;
		if (!q2 || (size_t)(q2 - q1 - 1) != strlen(inc->path) ||
		    memcmp(q1 + 1, inc->path, strlen(inc->path)) != 0)
			continue;
		target = include_target(s, d->rel, inc->path);
		uri = target ? lsp_rel_uri(s, target) : NULL;
		if (!uri)
			continue;
		sp.col = (uint32_t)(q1 + 1 - (d->text.data + d->lines.start[sp.line]));
		sp.end_line = sp.line;
		sp.end_col = (uint32_t)(q2 - (d->text.data + d->lines.start[sp.line]));
		rc = ra_buf_puts(&b, any ? ",{\"range\":" : "{\"range\":");
		rc = rc ? rc : lsp_put_range(&b, &cols, sp);
		rc = rc ? rc : ra_buf_puts(&b, ",\"target\":");
		rc = rc ? rc : lsp_put_str(&b, uri);
		if (lsp_is_utf8(target)) { /* else no tooltip, as jansson would refuse it */
			rc = rc ? rc : ra_buf_puts(&b, ",\"tooltip\":");
			rc = rc ? rc : lsp_put_str(&b, target);
		}
		rc = rc ? rc : ra_buf_putc(&b, '}');
		any = true;
	}
	rc = rc ? rc : ra_buf_putc(&b, ']');
	if (rc) {
		ra_buf_free(&b);
		*msg = "out of memory";
		return RA_RPC_INTERNAL_ERROR;
	}
	lsp_result_text(s, &b);
	*r = NULL;
	return 0;
}
