/*
 * postproc.c - the rules of postproc.h. Blocks are counted by a small scanner of keywords and
 * brackets that skips comments and strings: a stack of open blocks (by family) and a count of
 * closers that found no opener.
 */
#define _GNU_SOURCE
#include "retriever/postproc.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define MAX_DEPTH 256
#define DEFAULT_LINES 16

/* block families: brackets first, then keywords */
enum { F_PAREN, F_BRACK, F_BRACE, F_BEGIN, F_VHDL_END, F_KW0 };

typedef struct kw {
	const char *open, *close;
} kw;

/* SystemVerilog keyword pairs; a family per pair from F_KW0 */
static const kw sv_pairs[] = {
        {"module", "endmodule"},
        {"macromodule", "endmodule"},
        {"case", "endcase"},
        {"casex", "endcase"},
        {"casez", "endcase"},
        {"randcase", "endcase"},
        {"fork", "join"},
        {"function", "endfunction"},
        {"task", "endtask"},
        {"generate", "endgenerate"},
        {"package", "endpackage"},
        {"interface", "endinterface"},
        {"class", "endclass"},
        {"program", "endprogram"},
        {"covergroup", "endgroup"},
        {"specify", "endspecify"},
        {"clocking", "endclocking"},
        {"property", "endproperty"},
        {"sequence", "endsequence"},
        {"checker", "endchecker"},
        {"config", "endconfig"},
        {"primitive", "endprimitive"},
        {"table", "endtable"},
};
#define NSV (sizeof(sv_pairs) / sizeof(*sv_pairs))
#define NFAM (F_KW0 + NSV)

static const char *const vhdl_openers[] = {"if",     "case",      "loop",  "process",   "block",
                                           "record", "component", "units", "protected", "generate"};

typedef struct scan {
	int stack[MAX_DEPTH];
	int depth;
	int excess[NFAM]; /* closers without an opener */
	/* VHDL: the statement so far (since the last ';') opened an `if` (if ... generate) or
	   started a unit/subprogram header that an `is` opens */
	bool stmt_if;
	int pending; /* VHDL: 1 after entity/architecture/package/function/procedure..., until
	                `is` (open) or `;` (a declaration, nothing opened) */
	char prev[32], prev2[32];
} scan;

/* the family of an SV closer keyword, -1 otherwise */
static int sv_closer(const char *w)
{
	if (!strcmp(w, "end"))
		return F_BEGIN;
	if (!strcmp(w, "join_any") || !strcmp(w, "join_none"))
		w = "join";
	for (size_t i = 0; i < NSV; i++)
		if (!strcmp(w, sv_pairs[i].close))
			return F_KW0 + (int)(i);
	return -1;
}

/* the family of an SV opener keyword (pairs sharing a closer share the family of the first) */
static int sv_opener(const char *w)
{
	if (!strcmp(w, "begin"))
		return F_BEGIN;
	for (size_t i = 0; i < NSV; i++)
		if (!strcmp(w, sv_pairs[i].open))
			return sv_closer(sv_pairs[i].close);
	return -1;
}

static void push(scan *s, int f)
{
	if (s->depth < MAX_DEPTH)
		s->stack[s->depth] = f;
	s->depth++;
}

/* a closer of family f: pops to its opener; returns false when none is open (excess) */
static bool pop(scan *s, int f)
{
	for (int i = (s->depth < MAX_DEPTH ? s->depth : MAX_DEPTH) - 1; i >= 0; i--)
		if (s->stack[i] == f) {
			s->depth = i;
			return true;
		}
	s->excess[f]++;
	return false;
}

static bool word_is(const char *a, const char *b)
{
	return !strcasecmp(a, b);
}

/*
 * One token: a keyword or a bracket. Returns the family of a closer that found no opener,
 * else -1.
 */
static int token(scan *s, const char *w, bool vhdl)
{
	int f = -1;

	if (strlen(w) == 1 && strchr("()[]{}", w[0])) {
		const char *o = "([{", *c = ")]}";

		if (strchr(o, w[0]))
			push(s, F_PAREN + (int)(strchr(o, w[0]) - o));
		else if (!pop(s, F_PAREN + (int)(strchr(c, w[0]) - c)))
			f = F_PAREN + (int)(strchr(c, w[0]) - c);
		return f;
	}
	if (w[0] == ';') {
		s->stmt_if = false;
		s->pending = 0;
		goto out;
	}
	if (vhdl) {
		if (word_is(w, "end")) {
			if (!pop(s, F_VHDL_END))
				f = F_VHDL_END;
		} else if (word_is(s->prev, "end")) {
			/* end if / end process ...: the closer's tag */
		} else if (word_is(w, "is") && s->pending) {
			push(s, F_VHDL_END);
			s->pending = 0;
		} else if (word_is(w, "entity") || word_is(w, "architecture") ||
		           word_is(w, "package") || word_is(w, "configuration") ||
		           word_is(w, "function") || word_is(w, "procedure")) {
			/* `: entity work.x` instantiates; `package body` is one header */
			if (!(word_is(w, "entity") && s->prev[0] == ':') &&
			    !word_is(s->prev, "package"))
				s->pending = 1;
		} else if (word_is(w, "generate") && s->stmt_if) {
			s->stmt_if = false; /* if ... generate: one block */
		} else {
			for (size_t i = 0; i < sizeof(vhdl_openers) / sizeof(*vhdl_openers); i++)
				if (word_is(w, vhdl_openers[i])) {
					/* `loop` after for/while ... is the same block; the rest open */
					push(s, F_VHDL_END);
					s->stmt_if = word_is(w, "if");
					break;
				}
		}
		goto out;
	}
	{
		int c = sv_closer(w), o = sv_opener(w);

		if (c >= 0) {
			if (!pop(s, c))
				f = c;
		} else if (o >= 0) {
			/* wait fork / disable fork, extern and pure virtual prototypes, typedef
			   class, import "DPI" function: no block */
			bool proto = !strcmp(s->prev, "wait") || !strcmp(s->prev, "disable") ||
			             !strcmp(s->prev, "extern") || !strcmp(s->prev2, "extern") ||
			             !strcmp(s->prev, "typedef") || !strcmp(s->prev2, "pure") ||
			             !strcmp(s->prev, "\"");
			if (!proto)
				push(s, o);
		}
	}
out:
	snprintf(s->prev2, sizeof(s->prev2), "%s", s->prev);
	snprintf(s->prev, sizeof(s->prev), "%s", w);
	return f;
}

/*
 * Scans text; for every closer without an opener calls stop(family, offset, payload), and ends
 * early (returning the offset) when it returns true. Returns len otherwise.
 */
static size_t run(scan *s, const char *t, size_t len, bool vhdl,
                  bool (*stop)(int fam, void *payload), void *payload)
{
	size_t i = 0;

	while (i < len) {
		char c = t[i];
		char w[32];
		size_t st = i;
		int f;

		if (c == '/' && i + 1 < len && t[i + 1] == '/' && !vhdl) {
			while (i < len && t[i] != '\n')
				i++;
			continue;
		}
		if (c == '-' && i + 1 < len && t[i + 1] == '-' && vhdl) {
			while (i < len && t[i] != '\n')
				i++;
			continue;
		}
		if (c == '/' && i + 1 < len && t[i + 1] == '*' && !vhdl) {
			for (i += 2; i + 1 < len && !(t[i] == '*' && t[i + 1] == '/'); i++)
				;
			i += 2;
			continue;
		}
		if (c == '"') {
			for (i++; i < len && t[i] != '"' && t[i] != '\n'; i++)
				if (t[i] == '\\')
					i++;
			i++;
			token(s, "\"", vhdl);
			continue;
		}
		if (isalpha((unsigned char)c) || c == '_') {
			size_t n;

			while (i < len &&
			       (isalnum((unsigned char)t[i]) || t[i] == '_' || t[i] == '$'))
				i++;
			n = i - st < sizeof(w) - 1 ? i - st : sizeof(w) - 1;
			memcpy(w, t + st, n);
			w[n] = 0;
			/* a keyword after ' (VHDL attribute), ` (macro), . or :: is a name */
			if (st > 0 && (t[st - 1] == '`' || t[st - 1] == '.' || t[st - 1] == '\'' ||
			               (t[st - 1] == ':' && st > 1 && t[st - 2] == ':' && !vhdl)))
				continue;
		} else if (c == '$' || isdigit((unsigned char)c) || c == '\'') {
			while (i < len && (isalnum((unsigned char)t[i]) || t[i] == '_' ||
			                   t[i] == '\'' || t[i] == '$'))
				i++;
			continue;
		} else if (strchr("()[]{};:", c)) {
			i++;
			w[0] = c;
			w[1] = 0;
			if (c == ':') {
				snprintf(s->prev2, sizeof(s->prev2), "%s", s->prev);
				snprintf(s->prev, sizeof(s->prev), ":");
				continue;
			}
		} else {
			i++;
			continue;
		}
		f = token(s, w, vhdl);
		if (f >= 0 && stop && stop(f, payload))
			return st;
	}
	return len;
}

/* ---- the rules ------------------------------------------------------------------------------ */

static bool line_blank(const char *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isspace((unsigned char)t[i]))
			return false;
	return true;
}

/* a line that only closes blocks: `end`, `endcase`, `end if;`, `);`, `} else`... (the first
   word is a closer) */
static bool closer_line(const char *t, size_t n, bool vhdl)
{
	char w[32];
	size_t k = 0;

	while (n && isspace((unsigned char)*t))
		t++, n--;
	if (n && strchr(")]}", *t))
		return true;
	while (k < n && k < sizeof(w) - 1 && (isalnum((unsigned char)t[k]) || t[k] == '_'))
		w[k] = t[k], k++;
	w[k] = 0;
	return k && (vhdl ? !strcasecmp(w, "end") : sv_closer(w) >= 0);
}

static size_t rest_of_line(const ra_postproc_opts *o)
{
	const char *nl = o->suffix ? memchr(o->suffix, '\n', o->suffix_len) : NULL;

	return nl ? (size_t)(nl - o->suffix) : o->suffix_len;
}

/* the cursor's line before the cursor */
static const char *line_before(const ra_postproc_opts *o, size_t *n)
{
	size_t i = o->prefix_len;

	while (i > 0 && o->prefix[i - 1] != '\n')
		i--;
	*n = o->prefix_len - i;
	return o->prefix + i;
}

static bool ends_with_word(const char *t, size_t n, const char *w)
{
	size_t k = strlen(w);

	return n >= k && !strncasecmp(t + n - k, w, k) &&
	       (n == k || !(isalnum((unsigned char)t[n - k - 1]) || t[n - k - 1] == '_'));
}

bool ra_postproc_single_line(const ra_postproc_opts *o)
{
	static const char *const openers[] = {"begin", "then", "is",   "generate",
	                                      "loop",  "else", "fork", "do"};
	size_t n, rest = rest_of_line(o);
	const char *l = line_before(o, &n);

	if (!line_blank(o->suffix, rest))
		return true;
	while (n > 0 && isspace((unsigned char)l[n - 1]))
		n--;
	if (n == 0)
		return false;
	if (strchr("({,;", l[n - 1]) || (n >= 2 && l[n - 2] == '=' && l[n - 1] == '>'))
		return false;
	for (size_t i = 0; i < sizeof(openers) / sizeof(*openers); i++)
		if (ends_with_word(l, n, openers[i]))
			return false;
	if (n >= 1 && l[n - 1] == ')' && !memchr(l, ';', n))
		return false; /* always @(...) / if (...) without begin: the statement follows */
	return true;
}

static size_t indent_of(const char *t, size_t n)
{
	size_t k = 0;

	while (k < n && (t[k] == ' ' || t[k] == '\t'))
		k += t[k] == '\t' ? 8 : 1, t++, n--;
	return k;
}

/* a line with its leading and trailing blanks dropped */
static void trim(const char **t, size_t *n)
{
	while (*n && isspace((unsigned char)**t))
		(*t)++, (*n)--;
	while (*n && isspace((unsigned char)(*t)[*n - 1]))
		(*n)--;
}

typedef struct budget {
	int left[NFAM]; /* closers of outer blocks still allowed */
} budget;

static bool over(int fam, void *payload)
{
	budget *b = payload;

	return --b->left[fam] < 0;
}

static int net_brackets(const char *t, size_t n)
{
	int d = 0;

	for (size_t i = 0; i < n; i++)
		d += strchr("([{", t[i]) && t[i] ? 1 : strchr(")]}", t[i]) && t[i] ? -1 : 0;
	return d;
}

int ra_postproc_apply(char **out, size_t *n, const char *text, size_t len,
                      const ra_postproc_opts *o)
{
	static const char *const controls[] = {"<|",   "<EOT>", "<EOS>",
	                                       "</s>", "<fim_", "<file_sep>"};
	bool vhdl = o->lang == RA_LANG_VHDL;
	bool single = ra_postproc_single_line(o);
	int max_lines = o->max_lines > 0 ? o->max_lines : DEFAULT_LINES;
	size_t rest = rest_of_line(o), cur_n, m = 0;
	const char *cur = line_before(o, &cur_n);
	size_t cur_indent = indent_of(cur, cur_n);
	char *t = ra_malloc(len + 1);

	*out = NULL;
	*n = 0;
	if (!t)
		return RA_ENOMEM;
	/* 1. carriage returns, control tokens */
	for (size_t i = 0; i < len; i++)
		if (text[i] != '\r')
			t[m++] = text[i];
	t[m] = 0;
	for (size_t i = 0; i < sizeof(controls) / sizeof(*controls); i++) {
		char *c = strstr(t, controls[i]);

		if (c)
			*c = 0, m = (size_t)(c - t);
	}

	/* 2. one line, or lines of the cursor's block */
	if (single) {
		char *nl = memchr(t, '\n', m);

		if (nl)
			m = (size_t)(nl - t);
	} else {
		size_t pos = 0;
		int lines = 0;

		/* the cursor's line's indentation: its text before the cursor when blank, else its
		   leading blanks */
		while (pos < m) {
			char *nl = memchr(t + pos, '\n', m - pos);
			size_t e = nl ? (size_t)(nl - t) : m;

			if (lines > 0 && !line_blank(t + pos, e - pos) &&
			    indent_of(t + pos, e - pos) < cur_indent) {
				/* a closer of the cursor's block is the last line (rule 4 judges it) */
				m = closer_line(t + pos, e - pos, vhdl) ? e : pos;
				break;
			}
			if (++lines >= max_lines) {
				m = e;
				break;
			}
			pos = e + 1;
		}
	}

	/* 3. the suffix repeated: a line equal to the next non-blank line after the cursor */
	{
		const char *s = o->suffix + rest, *se = o->suffix + o->suffix_len;
		const char *next = NULL;
		size_t next_n = 0;

		while (s < se) {
			const char *nl = memchr(s, '\n', (size_t)(se - s));
			const char *e = nl ? nl : se;

			if (!line_blank(s, (size_t)(e - s)) && s != o->suffix) {
				next = s;
				next_n = (size_t)(e - s);
				trim(&next, &next_n);
				break;
			}
			s = nl ? nl + 1 : se;
		}
		for (size_t pos = 0; next && pos < m;) {
			char *nl = memchr(t + pos, '\n', m - pos);
			size_t e = nl ? (size_t)(nl - t) : m;
			const char *l = t + pos;
			size_t ln = e - pos;

			trim(&l, &ln);
			if (pos > 0 && ln == next_n && !memcmp(l, next, ln) &&
			    !closer_line(l, ln, vhdl)) {
				m = pos;
				break;
			}
			pos = e + 1;
		}
	}

	/* 4. closers of blocks the suffix already closes */
	{
		scan *pre = ra_calloc(1, sizeof(*pre)), *suf = ra_calloc(1, sizeof(*suf));
		scan *mid = ra_calloc(1, sizeof(*mid));
		budget b;

		if (!pre || !suf || !mid) {
			ra_free(pre);
			ra_free(suf);
			ra_free(mid);
			ra_free(t);
			return RA_ENOMEM;
		}
		run(pre, o->prefix, o->prefix_len, vhdl, NULL, NULL);
		run(suf, o->suffix, o->suffix_len, vhdl, NULL, NULL);
		for (int f = 0; f < (int)NFAM; f++) {
			int open = 0;

			for (int i = 0; i < pre->depth && i < MAX_DEPTH; i++)
				open += pre->stack[i] == f;
			b.left[f] = open - suf->excess[f];
		}
		/* the text continues the scan of the prefix (`end` after `package` ...) */
		memcpy(mid->prev, pre->prev, sizeof(mid->prev));
		{
			size_t cut = run(mid, t, m, vhdl, over, &b);

			if (cut < m) {
				size_t ls = cut;

				while (ls > 0 && (t[ls - 1] == ' ' || t[ls - 1] == '\t'))
					ls--;
				m = ls;
			}
		}
		ra_free(pre);
		ra_free(suf);
		ra_free(mid);
	}

	/* 3b. an end that repeats the start of the rest of the line */
	{
		const char *r = o->suffix;
		size_t rn = rest;

		while (rn && isspace((unsigned char)r[rn - 1]))
			rn--;
		for (size_t k = rn < m ? rn : m; k > 0; k--)
			if (!memcmp(t + m - k, r, k) && net_brackets(t, m - k) <= 0) {
				m -= k;
				break;
			}
	}

	/* 5. trailing blanks */
	if (line_blank(o->suffix, rest))
		while (m > 0 && isspace((unsigned char)t[m - 1]))
			m--;
	if (line_blank(t, m))
		m = 0;
	t[m] = 0;
	*out = t;
	*n = m;
	return RA_OK;
}
