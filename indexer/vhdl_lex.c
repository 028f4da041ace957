/*
 * vhdl_lex.c - the VHDL lexer: one pass over the source into a token array (see vhdl_internal.h).
 *
 * Hand-written for speed: a byte-class table drives the main loop, keywords are found through a
 * small open-addressing hash table built on the stack for each call (no global state), and no
 * token allocates. The only context-sensitive decision is the apostrophe: after a name, `)`, `]`
 * or `all` it is the tick of an attribute or qualified expression, elsewhere `'x'` is a character
 * literal (so `t'('0')` and `'''` both come out right).
 */
#include "indexer/vhdl_internal.h"

#include <stdio.h>
#include <string.h>

#define KW_TEXT(name, text) text,
static const char *const kw_text[RA_VK__COUNT] = {RA_VHDL_KEYWORDS(KW_TEXT)};
#undef KW_TEXT

#define KW_HASH_SIZE 512 /* power of two, about 5x the keywords: probes stay short */
#define KW_MAX_LEN 13    /* "configuration" */

/* byte classes */
enum { C_OTHER = 0, C_SPACE, C_NL, C_LETTER, C_DIGIT, C_PUNCT };

static const uint8_t cls[256] = {
        ['\t'] = C_SPACE, ['\v'] = C_SPACE, ['\f'] = C_SPACE, ['\r'] = C_SPACE, [' '] = C_SPACE,
        ['\n'] = C_NL,    ['0'] = C_DIGIT,  ['1'] = C_DIGIT,  ['2'] = C_DIGIT,  ['3'] = C_DIGIT,
        ['4'] = C_DIGIT,  ['5'] = C_DIGIT,  ['6'] = C_DIGIT,  ['7'] = C_DIGIT,  ['8'] = C_DIGIT,
        ['9'] = C_DIGIT,  ['a'] = C_LETTER, ['b'] = C_LETTER, ['c'] = C_LETTER, ['d'] = C_LETTER,
        ['e'] = C_LETTER, ['f'] = C_LETTER, ['g'] = C_LETTER, ['h'] = C_LETTER, ['i'] = C_LETTER,
        ['j'] = C_LETTER, ['k'] = C_LETTER, ['l'] = C_LETTER, ['m'] = C_LETTER, ['n'] = C_LETTER,
        ['o'] = C_LETTER, ['p'] = C_LETTER, ['q'] = C_LETTER, ['r'] = C_LETTER, ['s'] = C_LETTER,
        ['t'] = C_LETTER, ['u'] = C_LETTER, ['v'] = C_LETTER, ['w'] = C_LETTER, ['x'] = C_LETTER,
        ['y'] = C_LETTER, ['z'] = C_LETTER, ['A'] = C_LETTER, ['B'] = C_LETTER, ['C'] = C_LETTER,
        ['D'] = C_LETTER, ['E'] = C_LETTER, ['F'] = C_LETTER, ['G'] = C_LETTER, ['H'] = C_LETTER,
        ['I'] = C_LETTER, ['J'] = C_LETTER, ['K'] = C_LETTER, ['L'] = C_LETTER, ['M'] = C_LETTER,
        ['N'] = C_LETTER, ['O'] = C_LETTER, ['P'] = C_LETTER, ['Q'] = C_LETTER, ['R'] = C_LETTER,
        ['S'] = C_LETTER, ['T'] = C_LETTER, ['U'] = C_LETTER, ['V'] = C_LETTER, ['W'] = C_LETTER,
        ['X'] = C_LETTER, ['Y'] = C_LETTER, ['Z'] = C_LETTER, ['('] = C_PUNCT,  [')'] = C_PUNCT,
        ['['] = C_PUNCT,  [']'] = C_PUNCT,  [';'] = C_PUNCT,  [':'] = C_PUNCT,  [','] = C_PUNCT,
        ['.'] = C_PUNCT,  ['\''] = C_PUNCT, ['&'] = C_PUNCT,  ['*'] = C_PUNCT,  ['+'] = C_PUNCT,
        ['-'] = C_PUNCT,  ['/'] = C_PUNCT,  ['<'] = C_PUNCT,  ['>'] = C_PUNCT,  ['='] = C_PUNCT,
        ['|'] = C_PUNCT,  ['!'] = C_PUNCT,  ['?'] = C_PUNCT,  ['@'] = C_PUNCT,  ['^'] = C_PUNCT,
        ['"'] = C_PUNCT,  ['\\'] = C_PUNCT,
};

/* identifier characters: letters, digits, '_' and any non-ASCII byte (Latin-1 or UTF-8 letters) */
static inline bool is_idchar(unsigned char c)
{
	return cls[c] == C_LETTER || cls[c] == C_DIGIT || c == '_' || c >= 0x80;
}

static inline unsigned lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c + 32u : c;
}

static inline unsigned kw_hash(unsigned h, unsigned c)
{
	return (h ^ c) * 16777619u;
}

typedef struct lexer {
	const char *src;
	size_t len, i;
	uint32_t line;
	size_t line_start;
	ra_vhdl_toks *out;
	ra_model *m;
	uint8_t kw_slot[KW_HASH_SIZE]; /* keyword index + 1, 0 = empty */
} lexer;

static void kw_table_build(lexer *lx)
{
	memset(lx->kw_slot, 0, sizeof(lx->kw_slot));
	for (int k = 0; k < RA_VK__COUNT; k++) {
		unsigned h = 2166136261u;

		for (const char *c = kw_text[k]; *c; c++)
			h = kw_hash(h, (unsigned char)*c);
		while (lx->kw_slot[h & (KW_HASH_SIZE - 1)])
			h++;
		lx->kw_slot[h & (KW_HASH_SIZE - 1)] = (uint8_t)(k + 1);
	}
}

/* keyword token kind of the identifier src[a, a+n), or RA_VT_ID */
static int kw_lookup(const lexer *lx, size_t a, size_t n)
{
	const unsigned char *s = (const unsigned char *)lx->src + a;
	unsigned h = 2166136261u;

	if (n > KW_MAX_LEN || n < 2)
		return RA_VT_ID;
	for (size_t j = 0; j < n; j++)
		h = kw_hash(h, lower(s[j]));
	for (;; h++) {
		int k = lx->kw_slot[h & (KW_HASH_SIZE - 1)];
		const char *t;
		size_t j;

		if (!k)
			return RA_VT_ID;
		t = kw_text[k - 1];
		for (j = 0; j < n && t[j] && (unsigned char)t[j] == lower(s[j]); j++)
			;
		if (j == n && !t[j])
			return RA_VT_KW_FIRST + k - 1;
	}
}

const char *ra_vhdl__kw_name(int kind)
{
	if (kind < RA_VT_KW_FIRST || kind >= RA_VT_KW_FIRST + RA_VK__COUNT)
		return "";
	return kw_text[kind - RA_VT_KW_FIRST];
}

int ra_vhdl__diag(ra_model *m, ra_span span, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	m->nerrors++;
	if (m->ndiags >= RA_VHDL_MAX_DIAGS)
		return RA_OK;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ra_model_add_diag(m, span, "%s", msg) < 0 ? RA_ENOMEM : RA_OK;
}

static ra_span here(const lexer *lx, size_t a, size_t b)
{
	ra_span s = {lx->line, (uint32_t)(a - lx->line_start), lx->line,
	             (uint32_t)(b - lx->line_start)};
	return s;
}

static int push(lexer *lx, int kind, size_t a, size_t b)
{
	ra_vhdl_toks *o = lx->out;

	if (o->n == o->cap && ra_grow((void **)&o->v, &o->cap, o->n + 1, sizeof(*o->v)))
		return RA_ENOMEM;
	o->v[o->n++] = (ra_vhdl_tok){(uint32_t)a, (uint32_t)(b - a), lx->line,
	                             (uint32_t)(a - lx->line_start), (uint16_t)kind};
	return RA_OK;
}

/* true for the 1-2 letter base specifiers of bit-string literals: b o x d ub uo ux sb so sx */
static bool is_base_spec(const char *s, size_t n)
{
	unsigned a = n > 0 ? lower((unsigned char)s[0]) : 0;
	unsigned b = n > 1 ? lower((unsigned char)s[1]) : 0;

	if (n == 1)
		return a == 'b' || a == 'o' || a == 'x' || a == 'd';
	if (n == 2)
		return (a == 'u' || a == 's') && (b == 'b' || b == 'o' || b == 'x');
	return false;
}

/*
 * Scans a quoted literal whose opening delimiter is at lx->i; the delimiter doubled stands for
 * itself. Stops at the end of the line when unterminated (reported). Returns the end offset.
 */
static size_t scan_quoted(lexer *lx, char q, const char *what, int *rc)
{
	size_t j = lx->i + 1;

	for (;;) {
		if (j >= lx->len || lx->src[j] == '\n') {
			*rc = ra_vhdl__diag(lx->m, here(lx, lx->i, j), "unterminated %s", what);
			return j;
		}
		if (lx->src[j] == q) {
			if (j + 1 < lx->len && lx->src[j + 1] == q) {
				j += 2;
				continue;
			}
			return j + 1;
		}
		j++;
	}
}

/* the previous token makes a following apostrophe a tick (attribute, qualified expression) */
static bool tick_context(const lexer *lx)
{
	int k;

	if (!lx->out->n)
		return false;
	k = lx->out->v[lx->out->n - 1].kind;
	return k == RA_VT_ID || k == RA_VT_EXTID || k == RA_VT_RPAREN || k == RA_VT_RBRACK ||
	       k == RA_VT_STR || k == RA_VT_KW(ALL);
}

/* scans digits and underscores from j; returns the first offset past them */
static size_t scan_digits(const char *s, size_t j, size_t len, bool ext)
{
	while (j < len) {
		unsigned char c = (unsigned char)s[j];

		if (cls[c] == C_DIGIT || c == '_' || (ext && cls[c] == C_LETTER))
			j++;
		else
			break;
	}
	return j;
}

/* abstract literal (decimal or based), or a sized bit-string literal such as 8UX"0F" */
static int lex_number(lexer *lx)
{
	const char *s = lx->src;
	size_t a = lx->i, j = scan_digits(s, a, lx->len, false);
	int rc = RA_OK;

	if (j < lx->len && s[j] == '#' && j + 1 < lx->len &&
	    (cls[(unsigned char)s[j + 1]] == C_DIGIT || cls[(unsigned char)s[j + 1]] == C_LETTER)) {
		size_t k = scan_digits(s, j + 1, lx->len, true);

		if (k < lx->len && s[k] == '.')
			k = scan_digits(s, k + 1, lx->len, true);
		if (k < lx->len && s[k] == '#')
			j = k + 1;
		else
			rc = ra_vhdl__diag(lx->m, here(lx, a, k), "malformed based literal");
		if (rc)
			return rc;
		if (j == k + 1 && j < lx->len && (s[j] == 'e' || s[j] == 'E')) {
			size_t e = j + 1;

			if (e < lx->len && (s[e] == '+' || s[e] == '-'))
				e++;
			if (e < lx->len && cls[(unsigned char)s[e]] == C_DIGIT)
				j = scan_digits(s, e, lx->len, false);
		}
		if (j < k)
			j = k;
	} else {
		if (j + 1 < lx->len && s[j] == '.' && cls[(unsigned char)s[j + 1]] == C_DIGIT)
			j = scan_digits(s, j + 1, lx->len, false);
		if (j < lx->len && (s[j] == 'e' || s[j] == 'E')) {
			size_t e = j + 1;

			if (e < lx->len && (s[e] == '+' || s[e] == '-'))
				e++;
			if (e < lx->len && cls[(unsigned char)s[e]] == C_DIGIT)
				j = scan_digits(s, e, lx->len, false);
		}
		/* sized bit-string literal: digits, base specifier, string */
		size_t b = j;

		while (b < lx->len && b - j < 2 && cls[(unsigned char)s[b]] == C_LETTER)
			b++;
		if (b > j && b < lx->len && s[b] == '"' && is_base_spec(s + j, b - j)) {
			lx->i = b;
			j = scan_quoted(lx, '"', "bit-string literal", &rc);
			lx->i = a;
			if (rc)
				return rc;
			rc = push(lx, RA_VT_BITSTR, a, j);
			lx->i = j;
			return rc;
		}
	}
	rc = push(lx, RA_VT_NUM, a, j);
	lx->i = j;
	return rc;
}

static int lex_ident(lexer *lx)
{
	const char *s = lx->src;
	size_t a = lx->i, j = a + 1;
	int rc = RA_OK;

	while (j < lx->len && is_idchar((unsigned char)s[j]))
		j++;
	if (j < lx->len && s[j] == '"' && is_base_spec(s + a, j - a)) {
		lx->i = j;
		j = scan_quoted(lx, '"', "bit-string literal", &rc);
		if (!rc)
			rc = push(lx, RA_VT_BITSTR, a, j);
	} else {
		rc = push(lx, kw_lookup(lx, a, j - a), a, j);
	}
	lx->i = j;
	return rc;
}

/* punctuation, strings, extended identifiers and character literals at lx->i */
static int lex_punct(lexer *lx)
{
	const char *s = lx->src;
	size_t a = lx->i;
	char c = s[a], d = a + 1 < lx->len ? s[a + 1] : 0, e = a + 2 < lx->len ? s[a + 2] : 0;
	int kind, n = 1, rc = RA_OK;

	switch (c) {
	case '(':
		kind = RA_VT_LPAREN;
		break;
	case ')':
		kind = RA_VT_RPAREN;
		break;
	case '[':
		kind = RA_VT_LBRACK;
		break;
	case ']':
		kind = RA_VT_RBRACK;
		break;
	case ';':
		kind = RA_VT_SEMI;
		break;
	case ',':
		kind = RA_VT_COMMA;
		break;
	case '.':
		kind = RA_VT_DOT;
		break;
	case '&':
		kind = RA_VT_AMP;
		break;
	case '+':
		kind = RA_VT_PLUS;
		break;
	case '-':
		kind = RA_VT_MINUS;
		break;
	case '@':
		kind = RA_VT_AT;
		break;
	case '^':
		kind = RA_VT_CARET;
		break;
	case '|':
	case '!':
		kind = RA_VT_BAR;
		break;
	case ':':
		kind = d == '=' ? (n = 2, RA_VT_ASSIGN) : RA_VT_COLON;
		break;
	case '*':
		kind = d == '*' ? (n = 2, RA_VT_POW) : RA_VT_STAR;
		break;
	case '/':
		kind = d == '=' ? (n = 2, RA_VT_NE) : RA_VT_SLASH;
		break;
	case '=':
		kind = d == '>' ? (n = 2, RA_VT_ARROW) : RA_VT_EQ;
		break;
	case '<':
		if (d == '=' || d == '>' || d == '<')
			n = 2;
		kind = d == '=' ? RA_VT_LE : d == '>' ? RA_VT_BOX : d == '<' ? RA_VT_DLT : RA_VT_LT;
		break;
	case '>':
		if (d == '=' || d == '>')
			n = 2;
		kind = d == '=' ? RA_VT_GE : d == '>' ? RA_VT_DGT : RA_VT_GT;
		break;
	case '?':
		kind = RA_VT_QOP;
		if (d == '?')
			kind = RA_VT_QQ, n = 2;
		else if (d == '/' && e == '=')
			n = 3;
		else if ((d == '<' || d == '>') && e == '=')
			n = 3;
		else if (d == '=' || d == '<' || d == '>')
			n = 2;
		else
			kind = RA_VT_QUES;
		break;
	case '"': {
		size_t j = scan_quoted(lx, '"', "string literal", &rc);

		if (!rc)
			rc = push(lx, RA_VT_STR, a, j);
		lx->i = j;
		return rc;
	}
	case '\\': {
		size_t j = scan_quoted(lx, '\\', "extended identifier", &rc);

		if (!rc)
			rc = push(lx, RA_VT_EXTID, a, j);
		lx->i = j;
		return rc;
	}
	case '\'':
		if (!tick_context(lx) && e == '\'' && d != '\n') {
			kind = RA_VT_CHAR, n = 3;
		} else {
			kind = RA_VT_TICK;
		}
		break;
	default:
		kind = RA_VT_EOF; /* not reached: only C_PUNCT bytes come here */
		break;
	}
	rc = push(lx, kind, a, a + (size_t)n);
	lx->i = a + (size_t)n;
	return rc;
}

/* skips a comment starting at lx->i ("--" or "/ *"), keeping the line count */
static int skip_comment(lexer *lx)
{
	const char *s = lx->src;

	if (s[lx->i] == '-') {
		const char *nl = memchr(s + lx->i, '\n', lx->len - lx->i);

		lx->i = nl ? (size_t)(nl - s) : lx->len;
		return RA_OK;
	}
	size_t a = lx->i;
	uint32_t line = lx->line;
	size_t ls = lx->line_start;

	for (size_t j = a + 2; j < lx->len; j++) {
		if (s[j] == '\n') {
			lx->line++;
			lx->line_start = j + 1;
		} else if (s[j] == '*' && j + 1 < lx->len && s[j + 1] == '/') {
			lx->i = j + 2;
			return RA_OK;
		}
	}
	lx->i = lx->len;
	ra_span sp = {line, (uint32_t)(a - ls), line, (uint32_t)(a - ls + 2)};
	return ra_vhdl__diag(lx->m, sp, "unterminated block comment");
}

/* a run of bytes that start no token: one diagnostic for the run */
static int skip_garbage(lexer *lx)
{
	size_t a = lx->i, j = a;

	while (j < lx->len) {
		unsigned char c = (unsigned char)lx->src[j];

		if (cls[c] != C_OTHER || c == '_' || c >= 0x80)
			break;
		j++;
	}
	if (j == a) /* a lone '_' or non-ASCII byte outside an identifier */
		j++;
	lx->i = j;
	return ra_vhdl__diag(lx->m, here(lx, a, j), "unexpected character 0x%02x",
	                     (unsigned char)lx->src[a]);
}

int ra_vhdl__lex(ra_vhdl_toks *out, const char *src, size_t len, ra_model *m)
{
	lexer lx = {.src = src, .len = len, .out = out, .m = m};
	int rc = RA_OK;

	if (len > UINT32_MAX - 1)
		return ra_error_set(RA_ETOOBIG, "VHDL source over 4 GiB");
	kw_table_build(&lx);
	if (ra_grow((void **)&out->v, &out->cap, len / 5 + 16, sizeof(*out->v)))
		return RA_ENOMEM;
	while (!rc && lx.i < len) {
		unsigned char c = (unsigned char)src[lx.i];

		switch (cls[c]) {
		case C_SPACE:
			lx.i++;
			break;
		case C_NL:
			lx.i++;
			lx.line++;
			lx.line_start = lx.i;
			break;
		case C_LETTER:
			rc = lex_ident(&lx);
			break;
		case C_DIGIT:
			rc = lex_number(&lx);
			break;
		case C_PUNCT:
			if ((c == '-' && lx.i + 1 < len && src[lx.i + 1] == '-') ||
			    (c == '/' && lx.i + 1 < len && src[lx.i + 1] == '*'))
				rc = skip_comment(&lx);
			else
				rc = lex_punct(&lx);
			break;
		default:
			if (c >= 0x80 && c != 0xa0) /* a non-ASCII letter starts an identifier */
				rc = lex_ident(&lx);
			else if (c == 0xa0) /* Latin-1 no-break space */
				lx.i++;
			else
				rc = skip_garbage(&lx);
			break;
		}
	}
	if (!rc)
		rc = push(&lx, RA_VT_EOF, len, len);
	return rc;
}
