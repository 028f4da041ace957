/* complete.c - completion context detection by a text scan around the cursor (see complete.h). */
#include "lsp/complete.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* how far back the scan looks for the list that holds the cursor */
#define SCAN_MAX 65536

static bool ident(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '$';
}

static size_t skip_space_back(const char *t, size_t i)
{
	while (i > 0 && isspace((unsigned char)t[i - 1]))
		i--;
	return i;
}

/* the word ending at i (after skipping spaces back): its start in *a; false when none */
static bool word_back(const char *t, size_t i, size_t *a, size_t *b)
{
	i = skip_space_back(t, i);
	*b = i;
	while (i > 0 && ident(t[i - 1]))
		i--;
	*a = i;
	/* an escaped identifier (`\$lut u (`): a backslash, then anything up to white space; the
	   index keeps its name with the backslash */
	for (size_t k = i; k > 0 && !isspace((unsigned char)t[k - 1]); k--)
		if (t[k - 1] == '\\') {
			*a = k - 1;
			break;
		}
	return *a < *b && !isdigit((unsigned char)t[*a]);
}

static void copy(char *dst, const char *src, size_t n)
{
	if (n >= RA_CC_NAME)
		n = RA_CC_NAME - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static bool word_is(const char *t, size_t a, size_t b, const char *w)
{
	return b - a == strlen(w) && !strncasecmp(t + a, w, b - a);
}

static bool keyword(const char *t, size_t a, size_t b)
{
	static const char *const kw[] = {
	        "module", "interface", "program",     "if",      "for",    "while",
	        "case",   "function",  "task",        "begin",   "end",    "assign",
	        "always", "always_ff", "always_comb", "initial", "return", "foreach",
	        "repeat", "else",      "process",     "when",    "entity", "component",
	        "port",   "generic",   "map",         "is",      NULL};

	for (size_t i = 0; kw[i]; i++)
		if (word_is(t, a, b, kw[i]))
			return true;
	return false;
}

/* the innermost `(` not closed before `end`, not crossing a `;` at its depth; SIZE_MAX if none */
static size_t open_paren(const char *t, size_t end)
{
	int depth = 0;
	size_t lim = end > SCAN_MAX ? end - SCAN_MAX : 0;

	for (size_t i = end; i > lim; i--) {
		char c = t[i - 1];

		if (c == ')')
			depth++;
		else if (c == '(' && depth-- == 0)
			return i - 1;
		else if (c == ';' && depth == 0)
			return SIZE_MAX;
	}
	return SIZE_MAX;
}

/* counts the list items before `off` and finds the named connection holding it */
static void list_position(ra_cc *cc, const char *t, size_t start, size_t off, bool vhdl)
{
	int depth = 0;
	size_t seg = start;

	cc->arg_index = 0;
	for (size_t i = start; i < off; i++) {
		if (t[i] == '(')
			depth++;
		else if (t[i] == ')')
			depth--;
		else if (t[i] == ',' && depth == 0) {
			cc->arg_index++;
			seg = i + 1;
		}
	}
	/* the segment's formal: `.name` (SystemVerilog) or `name =>` (VHDL) */
	while (seg < off && isspace((unsigned char)t[seg]))
		seg++;
	if (!vhdl && seg < off && t[seg] == '.') {
		size_t a = seg + 1, b = a;

		while (b < off && ident(t[b]))
			b++;
		if (b < off) /* past the name: inside its parentheses */
			copy(cc->formal, t + a, b - a);
	} else if (vhdl) {
		size_t a = seg, b = a, c;

		while (b < off && ident(t[b]))
			b++;
		c = b;
		while (c < off && isspace((unsigned char)t[c]))
			c++;
		if (b > a && c + 1 < off && t[c] == '=' && t[c + 1] == '>')
			copy(cc->formal, t + a, b - a);
	}
}

/* VHDL: the unit of `label : [entity|component] [lib.]unit [(arch)] [generic map (...)]`
 * ending at i (the `port`/`generic` keyword's start) */
static bool vhdl_unit_before(ra_cc *cc, const char *t, size_t i)
{
	size_t colon = SIZE_MAX, a, b;
	int depth = 0;
	size_t lim = i > 4096 ? i - 4096 : 0;

	for (size_t k = i; k > lim; k--) {
		char c = t[k - 1];

		if (c == ')')
			depth++;
		else if (c == '(')
			depth--;
		else if (c == ';' && depth <= 0)
			return false;
		else if (c == ':' && depth == 0 && t[k] != '=') {
			colon = k;
			break;
		}
	}
	if (colon == SIZE_MAX)
		return false;
	a = colon;
	for (;;) {
		while (a < i && isspace((unsigned char)t[a]))
			a++;
		b = a;
		while (b < i && ident(t[b]))
			b++;
		if (b == a)
			return false;
		if (word_is(t, a, b, "entity") || word_is(t, a, b, "component") ||
		    word_is(t, a, b, "configuration")) {
			a = b;
			continue;
		}
		if (b < i && t[b] == '.') { /* lib.unit */
			a = b + 1;
			continue;
		}
		copy(cc->target, t + a, b - a);
		return true;
	}
}

void ra_complete_context(ra_cc *cc, const char *t, size_t len, size_t off, bool vhdl)
{
	size_t p, q, a, b;

	memset(cc, 0, sizeof(*cc));
	cc->kind = RA_CC_IDENT;
	if (off > len)
		off = len;
	p = off;
	while (p > 0 && ident(t[p - 1]))
		p--;
	copy(cc->prefix, t + p, off - p);
	cc->dot = p > 0 && t[p - 1] == '.';
	if (p > 0 && t[p - 1] == '`') {
		cc->kind = RA_CC_MACRO;
		return;
	}
	if (p >= 2 && t[p - 1] == ':' && t[p - 2] == ':' && word_back(t, p - 2, &a, &b)) {
		cc->kind = RA_CC_PKG_MEMBER;
		copy(cc->target, t + a, b - a);
		return;
	}
	if (vhdl && cc->dot && word_back(t, p - 1, &a, &b)) {
		size_t c = skip_space_back(t, a);

		copy(cc->target, t + a, b - a);
		cc->kind = RA_CC_LIBRARY_UNIT;
		if (c >= 6 && word_back(t, c, &a, &b) && word_is(t, a, b, "entity"))
			cc->vhdl_entity = true;
		return;
	}
	/* the list that holds the cursor, skipping a named connection's own parentheses */
	q = open_paren(t, p);
	while (q != SIZE_MAX) {
		size_t before = skip_space_back(t, q);

		if (!vhdl && word_back(t, q, &a, &b) && a > 0 && t[a - 1] == '.') {
			/* inside .formal( ... ): the list is further out */
			if (!cc->formal[0])
				copy(cc->formal, t + a, b - a);
			q = open_paren(t, a - 1);
			continue;
		}
		if (!vhdl && before > 0 && t[before - 1] == '#' &&
		    word_back(t, before - 1, &a, &b)) {
			cc->kind = RA_CC_PARAMS;
			copy(cc->target, t + a, b - a);
			break;
		}
		if (vhdl && word_back(t, q, &a, &b) && word_is(t, a, b, "map")) {
			size_t c = a, d;

			if (word_back(t, c, &c, &d) &&
			    (word_is(t, c, d, "port") || word_is(t, c, d, "generic")) &&
			    vhdl_unit_before(cc, t, c)) {
				cc->kind = word_is(t, c, d, "port") ? RA_CC_PORTS : RA_CC_PARAMS;
				break;
			}
			return;
		}
		if (word_back(t, q, &a, &b) && !keyword(t, a, b)) {
			size_t c = skip_space_back(t, a), a2, b2;

			if (!vhdl && c > 0 && t[c - 1] == ')') {
				/* unit #( ... ) inst ( */
				int depth = 0;
				size_t k = c;

				for (; k > 0; k--) {
					if (t[k - 1] == ')')
						depth++;
					else if (t[k - 1] == '(' && --depth == 0)
						break;
				}
				if (k > 0) {
					size_t h = skip_space_back(t, k - 1);

					if (h > 0 && t[h - 1] == '#' &&
					    word_back(t, h - 1, &a2, &b2)) {
						cc->kind = RA_CC_PORTS;
						copy(cc->target, t + a2, b2 - a2);
						break;
					}
				}
			} else if (!vhdl && word_back(t, a, &a2, &b2) && !keyword(t, a2, b2) &&
			           (a2 == 0 || (t[a2 - 1] != '.' && t[a2 - 1] != '`'))) {
				/* unit inst ( */
				cc->kind = RA_CC_PORTS;
				copy(cc->target, t + a2, b2 - a2);
				break;
			} else if (c == 0 || (!ident(t[c - 1]) && t[c - 1] != '.')) {
				cc->kind = RA_CC_CALL;
				copy(cc->target, t + a, b - a);
				break;
			} else if (c > 0 &&
			           (t[c - 1] == '=' || t[c - 1] == '(' || t[c - 1] == ',')) {
				cc->kind = RA_CC_CALL;
				copy(cc->target, t + a, b - a);
				break;
			}
		}
		q = SIZE_MAX;
	}
	if (q != SIZE_MAX && cc->kind != RA_CC_IDENT) {
		cc->list_start = q + 1;
		list_position(cc, t, q + 1, off, vhdl);
		return;
	}
	/* the start of a statement: an instantiation site */
	{
		size_t i = skip_space_back(t, p);

		if (vhdl) {
			/* label : [entity work.]prefix */
			if (i > 0 && t[i - 1] == ':' && (i < 2 || t[i - 2] != ':'))
				cc->statement_start = true;
		} else if (i == 0 || t[i - 1] == ';' ||
		           (word_back(t, i, &a, &b) &&
		            (word_is(t, a, b, "begin") || word_is(t, a, b, "end") ||
		             word_is(t, a, b, "endgenerate")))) {
			cc->statement_start = !cc->dot;
		}
	}
}
