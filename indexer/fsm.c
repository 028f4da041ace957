/*
 * fsm.c - case statements and the assignments in their items, by a token scan (see fsm.h).
 *
 * One small tokenizer for both languages (names, literals, punctuation; comments and strings
 * skipped), then a recursive reader of case statements over the tokens.
 */
#include "indexer/fsm.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#define MAX_CASES 4096
#define MAX_LABELS 256
#define MAX_DEPTH 200

enum { T_ID, T_NUM, T_STR, T_PUNCT };

typedef struct tok {
	const char *s;
	uint32_t len, line;
	uint8_t kind;
} tok;

typedef struct scan {
	const tok *t;
	size_t n;
	bool vhdl;
	ra_fsm_cases *out;
	size_t cases_cap;
	int err;
} scan;

static bool is_id_start(int c)
{
	return isalpha(c) || c == '_';
}

static bool is_id_char(int c)
{
	return isalnum(c) || c == '_' || c == '$';
}

/* splits src into tokens; *out is the caller's (ra_free) */
static int tokenize(tok **out, size_t *nout, const char *src, size_t len, bool vhdl, uint32_t line0)
{
	tok *v = NULL;
	size_t n = 0, cap = 0, i = 0;
	uint32_t line = line0;

	while (i < len) {
		unsigned char c = (unsigned char)src[i];
		size_t j = i + 1;
		uint8_t kind = T_PUNCT;

		if (c == '\n') {
			line++;
			i++;
			continue;
		}
		if (isspace(c)) {
			i++;
			continue;
		}
		if ((vhdl && c == '-' && i + 1 < len && src[i + 1] == '-') ||
		    (!vhdl && c == '/' && i + 1 < len && src[i + 1] == '/')) {
			while (i < len && src[i] != '\n')
				i++;
			continue;
		}
		if (c == '/' && i + 1 < len && src[i + 1] == '*') {
			for (i += 2;
			     i < len && !(src[i] == '*' && i + 1 < len && src[i + 1] == '/'); i++)
				if (src[i] == '\n')
					line++;
			i = i + 2 < len ? i + 2 : len;
			continue;
		}
		if (c == '"') {
			while (j < len && src[j] != '"' && src[j] != '\n') {
				if (!vhdl && src[j] == '\\' && j + 1 < len)
					j++;
				j++;
			}
			j = j < len && src[j] == '"' ? j + 1 : j;
			kind = T_STR;
		} else if (c == '\\') { /* escaped (SV) / extended (VHDL) identifier */
			while (j < len && !isspace((unsigned char)src[j]) &&
			       !(vhdl && src[j] == '\\'))
				j++;
			if (vhdl && j < len && src[j] == '\\')
				j++;
			kind = T_ID;
		} else if (is_id_start(c) || (!vhdl && (c == '$' || c == '`'))) {
			while (j < len && is_id_char((unsigned char)src[j]))
				j++;
			kind = T_ID;
			if (vhdl && j < len && src[j] == '"') { /* bit string X"0F" */
				for (j++; j < len && src[j] != '"' && src[j] != '\n'; j++)
					;
				j = j < len && src[j] == '"' ? j + 1 : j;
				kind = T_NUM;
			}
		} else if (isdigit(c) || (!vhdl && c == '\'' && j < len &&
		                          strchr("sSbBoOdDhH01xXzZ", src[j]) && src[j] != 0)) {
			/* 12, 8'hFF, 'b0, 1.5e3, 16#FF#: digits, letters, ', #, ., _ */
			while (j < len &&
			       (isalnum((unsigned char)src[j]) || src[j] == '_' || src[j] == '.' ||
			        src[j] == '#' || src[j] == '?' || (!vhdl && src[j] == '\'')))
				j++;
			kind = T_NUM;
		} else if (vhdl && c == '\'' && i + 2 < len && src[i + 2] == '\'' &&
		           !(n && (v[n - 1].kind == T_ID ||
		                   (v[n - 1].len == 1 && *v[n - 1].s == ')')))) {
			j = i + 3; /* character literal */
			kind = T_NUM;
		} else {
			static const char *const two[] = {"<=", ">=", "==", "!=", "::", "=>", ":=",
			                                  "/=", "->", "**", "<>", "+:", "-:"};

			for (size_t k = 0; k < sizeof(two) / sizeof(two[0]); k++)
				if (i + 1 < len && src[i] == two[k][0] && src[i + 1] == two[k][1]) {
					j = i + 2;
					break;
				}
			/* ===, !==, ==? */
			if (j == i + 2 && i + 2 < len && (src[i] == '=' || src[i] == '!') &&
			    (src[i + 2] == '=' || src[i + 2] == '?'))
				j++;
		}
		if (n == cap && ra_grow((void **)&v, &cap, n + 1, sizeof(*v))) {
			ra_free(v);
			return RA_ENOMEM;
		}
		v[n++] = (tok){src + i, (uint32_t)(j - i), line, kind};
		i = j;
	}
	*out = v;
	*nout = n;
	return RA_OK;
}

static bool is(const scan *sc, size_t i, const char *w)
{
	size_t l = strlen(w);

	if (i >= sc->n || sc->t[i].len != l)
		return false;
	return sc->vhdl ? strncasecmp(sc->t[i].s, w, l) == 0 : memcmp(sc->t[i].s, w, l) == 0;
}

static bool is_sv_case(const scan *sc, size_t i)
{
	return is(sc, i, "case") || is(sc, i, "casez") || is(sc, i, "casex");
}

static bool opens(const scan *sc, size_t i)
{
	return is(sc, i, "(") || is(sc, i, "[") || is(sc, i, "{") ||
	       (!sc->vhdl && (is(sc, i, "begin") || is(sc, i, "fork")));
}

static bool closes(const scan *sc, size_t i)
{
	return is(sc, i, ")") || is(sc, i, "]") || is(sc, i, "}") ||
	       (!sc->vhdl && (is(sc, i, "end") || is(sc, i, "join") || is(sc, i, "join_any") ||
	                      is(sc, i, "join_none")));
}

static const char *text(scan *sc, size_t i)
{
	const char *s = ra_arena_strndup(sc->out->arena, sc->t[i].s, sc->t[i].len);

	if (!s)
		sc->err = RA_ENOMEM;
	return s;
}

/* a statement boundary: the token before i ends a statement or opens a body */
static bool stmt_start(const scan *sc, size_t i, size_t body)
{
	if (i == body)
		return true;
	if (i == 0)
		return false;
	if (is(sc, i - 1, ";"))
		return true;
	if (sc->vhdl)
		return is(sc, i - 1, "then") || is(sc, i - 1, "else") || is(sc, i - 1, "=>") ||
		       is(sc, i - 1, "loop") || is(sc, i - 1, "begin") || is(sc, i - 1, "is");
	return is(sc, i - 1, "begin") || is(sc, i - 1, "end") || is(sc, i - 1, "endcase") ||
	       is(sc, i - 1, "else") || is(sc, i - 1, ")") || is(sc, i - 1, ":") ||
	       is(sc, i - 1, "default") || is(sc, i - 1, "join") || is(sc, i - 1, "join_any") ||
	       is(sc, i - 1, "join_none");
}

/* `pkg::NAME` -> index of NAME */
static size_t skip_scope(const scan *sc, size_t i, size_t end)
{
	while (i + 2 < end && sc->t[i].kind == T_ID && is(sc, i + 1, "::") &&
	       sc->t[i + 2].kind == T_ID)
		i += 2;
	return i;
}

/* the simple assignments of tokens [a, b) into the item */
static void item_assigns(scan *sc, ra_case_item *it, size_t a, size_t b, size_t body)
{
	size_t cap = 0;

	for (size_t i = a; i + 2 < b && !sc->err; i++) {
		size_t v0, e, depth = 0;
		ra_case_assign as = {0};
		size_t vcap = 0;

		if (sc->t[i].kind != T_ID || !stmt_start(sc, i, body))
			continue;
		if (!(is(sc, i + 1, "<=") || (sc->vhdl ? is(sc, i + 1, ":=") : is(sc, i + 1, "="))))
			continue;
		v0 = i + 2;
		for (e = v0; e < b; e++) {
			if (is(sc, e, "(") || is(sc, e, "[") || is(sc, e, "{"))
				depth++;
			else if ((is(sc, e, ")") || is(sc, e, "]") || is(sc, e, "}")) && depth)
				depth--;
			else if (!depth && is(sc, e, ";"))
				break;
		}
		if (e >= b || e == v0)
			continue;
		as.target = text(sc, i);
		as.line = sc->t[i].line;
		{
			size_t last = skip_scope(sc, v0, e);

			as.simple = last + 1 == e &&
			            (sc->t[last].kind == T_ID || sc->t[last].kind == T_NUM);
		}
		for (size_t k = v0; k < e && !sc->err; k++) {
			const char *s;

			k = skip_scope(sc, k, e);
			if (!as.simple && (sc->t[k].kind != T_ID || *sc->t[k].s == '$' ||
			                   is(sc, k + 1, "(") || (k > v0 && is(sc, k - 1, "."))))
				continue;
			if (as.simple && sc->t[k].kind != T_ID && sc->t[k].kind != T_NUM)
				continue;
			s = text(sc, k);
			if (s && ra_grow((void **)&as.values, &vcap, as.nvalues + 1,
			                 sizeof(*as.values)) == RA_OK)
				as.values[as.nvalues++] = s;
			else
				sc->err = RA_ENOMEM;
		}
		/* values live in the arena: copy the array there and free the heap one */
		{
			const char **vals = as.nvalues ? ra_arena_alloc(sc->out->arena,
			                                                as.nvalues * sizeof(*vals))
			                               : NULL;

			if (as.nvalues && !vals)
				sc->err = RA_ENOMEM;
			else if (as.nvalues)
				memcpy(vals, as.values, as.nvalues * sizeof(*vals));
			ra_free(as.values);
			as.values = vals;
		}
		if (sc->err)
			return;
		if (ra_grow((void **)&it->assigns, &cap, it->nassigns + 1, sizeof(*it->assigns))) {
			sc->err = RA_ENOMEM;
			return;
		}
		it->assigns[it->nassigns++] = as;
		i = e;
	}
}

static int case_at(scan *sc, size_t i, size_t *end, int depth);

/* labels from tokens [a, b) (commas or bars at bracket depth 0 separate them) */
static void item_labels(scan *sc, ra_case_item *it, size_t a, size_t b)
{
	size_t cap = 0, start = a, depth = 0;

	for (size_t k = a; k <= b && !sc->err; k++) {
		bool sep = k == b || (!depth && (is(sc, k, ",") || (sc->vhdl && is(sc, k, "|"))));
		const char *s;

		if (k < b && (is(sc, k, "(") || is(sc, k, "[") || is(sc, k, "{")))
			depth++;
		else if (k < b && (is(sc, k, ")") || is(sc, k, "]") || is(sc, k, "}")) && depth)
			depth--;
		if (!sep)
			continue;
		if (k > start) {
			size_t last = skip_scope(sc, start, k);

			if ((is(sc, start, "default") && !sc->vhdl) ||
			    (sc->vhdl && is(sc, start, "others"))) {
				it->is_default = true;
			} else if (it->nlabels < MAX_LABELS) {
				if (last + 1 == k)
					s = text(sc, last);
				else
					s = ra_arena_strndup(sc->out->arena, sc->t[start].s,
					                     (size_t)(sc->t[k - 1].s +
					                              sc->t[k - 1].len -
					                              sc->t[start].s));
				if (!s || ra_grow((void **)&it->labels, &cap, it->nlabels + 1,
				                  sizeof(*it->labels)))
					sc->err = RA_ENOMEM;
				else
					it->labels[it->nlabels++] = s;
			}
		}
		start = k + 1;
	}
}

/* copies a heap array into the arena (so that the result has one owner) */
static void *to_arena(scan *sc, void *heap, size_t bytes)
{
	void *p = bytes ? ra_arena_alloc(sc->out->arena, bytes) : NULL;

	if (bytes && !p)
		sc->err = RA_ENOMEM;
	else if (bytes)
		memcpy(p, heap, bytes);
	ra_free(heap);
	return p;
}

/* where an item's labels end (the `:` / `=>`), or 0 when tokens at i do not start an item */
static size_t item_head(const scan *sc, size_t i, size_t body_end)
{
	size_t depth = 0;

	if (sc->vhdl) {
		if (!is(sc, i, "when"))
			return 0;
		for (size_t k = i + 1; k < body_end && k < i + 4096; k++) {
			if (is(sc, k, "("))
				depth++;
			else if (is(sc, k, ")") && depth)
				depth--;
			else if (!depth && is(sc, k, "=>"))
				return k;
			else if (is(sc, k, ";"))
				return 0;
		}
		return 0;
	}
	if (is(sc, i, "default"))
		return is(sc, i + 1, ":") ? i + 1 : i;
	for (size_t k = i; k < body_end && k < i + 4096; k++) {
		if (is(sc, k, "(") || is(sc, k, "[") || is(sc, k, "{"))
			depth++;
		else if ((is(sc, k, ")") || is(sc, k, "]") || is(sc, k, "}")) && depth)
			depth--;
		else if (!depth && is(sc, k, ":"))
			return k > i ? k : 0;
		else if (is(sc, k, ";") || is(sc, k, "=") || is(sc, k, "<=") ||
		         is(sc, k, "begin") || is(sc, k, "if") || is(sc, k, "else") ||
		         is(sc, k, "end") || is_sv_case(sc, k) || is(sc, k, "endcase") ||
		         is(sc, k, "?"))
			return 0;
	}
	return 0;
}

/* the case statement whose keyword is token i; *end is the token after it */
static int case_at(scan *sc, size_t i, size_t *end, int depth)
{
	ra_case_stmt cs = {0};
	size_t sel_a, sel_b, body, k, items_cap = 0, cur_item = 0, idx;
	int nest = 0;
	bool have_item = false;

	if (depth > MAX_DEPTH) {
		*end = i + 1;
		return 0;
	}
	cs.line = sc->t[i].line;
	if (sc->vhdl) {
		sel_a = i + 1;
		for (k = sel_a; k < sc->n && !is(sc, k, "is") && !is(sc, k, ";"); k++)
			;
		if (k >= sc->n || !is(sc, k, "is")) {
			*end = i + 1;
			return 0;
		}
		sel_b = k;
		body = k + 1;
	} else {
		size_t d = 0;

		if (!is(sc, i + 1, "(")) {
			*end = i + 1;
			return 0;
		}
		sel_a = i + 2;
		for (k = i + 1; k < sc->n; k++) {
			if (is(sc, k, "("))
				d++;
			else if (is(sc, k, ")") && --d == 0)
				break;
		}
		if (k >= sc->n) {
			*end = i + 1;
			return 0;
		}
		sel_b = k;
		body = k + 1;
		if (is(sc, body, "inside") || is(sc, body, "matches"))
			body++;
	}
	if (sel_b == sel_a + 1 && sc->t[sel_a].kind == T_ID)
		cs.selector = text(sc, sel_a);
	/* reserve this statement's slot first, so that inner ones follow it in source order */
	if (sc->out->n >= MAX_CASES) {
		idx = SIZE_MAX;
	} else {
		if (ra_grow((void **)&sc->out->v, &sc->cases_cap, sc->out->n + 1,
		            sizeof(*sc->out->v)))
			return sc->err = RA_ENOMEM;
		idx = sc->out->n++;
		sc->out->v[idx] = cs;
	}
	for (k = body; k < sc->n && !sc->err;) {
		size_t h;

		if (nest == 0 &&
		    (sc->vhdl ? (is(sc, k, "end") && is(sc, k + 1, "case")) : is(sc, k, "endcase")))
			break;
		if (nest == 0 && stmt_start(sc, k, body) && (h = item_head(sc, k, sc->n)) != 0) {
			ra_case_item it = {.line = sc->t[k].line};

			if (have_item)
				item_assigns(sc, &cs.items[cs.nitems - 1], cur_item, k, cur_item);
			if (sc->vhdl || !is(sc, k, "default") || h > k)
				item_labels(sc, &it, sc->vhdl ? k + 1 : k, h);
			else
				it.is_default = true;
			if (ra_grow((void **)&cs.items, &items_cap, cs.nitems + 1,
			            sizeof(*cs.items)))
				return sc->err = RA_ENOMEM;
			cs.items[cs.nitems++] = it;
			have_item = true;
			k = cur_item = h + 1;
			continue;
		}
		if (sc->vhdl ? is(sc, k, "case") : is_sv_case(sc, k)) {
			size_t e;

			if (case_at(sc, k, &e, depth + 1))
				return sc->err;
			k = e;
			continue;
		}
		if (opens(sc, k))
			nest++;
		else if (closes(sc, k) && nest > 0)
			nest--;
		k++;
	}
	if (have_item)
		item_assigns(sc, &cs.items[cs.nitems - 1], cur_item, k, cur_item);
	cs.end_line = k < sc->n ? sc->t[k].line : (sc->n ? sc->t[sc->n - 1].line : cs.line);
	*end = sc->vhdl ? k + 2 : k + 1;
	/* items and their arrays move into the arena */
	for (size_t m = 0; m < cs.nitems; m++) {
		ra_case_item *it = &cs.items[m];

		it->labels = to_arena(sc, it->labels, it->nlabels * sizeof(*it->labels));
		it->assigns = to_arena(sc, it->assigns, it->nassigns * sizeof(*it->assigns));
	}
	cs.items = to_arena(sc, cs.items, cs.nitems * sizeof(*cs.items));
	if (idx != SIZE_MAX)
		sc->out->v[idx] = cs;
	return sc->err;
}

int ra_fsm_cases_scan(ra_fsm_cases *out, const char *src, size_t len, bool vhdl,
                      uint32_t first_line, uint32_t last_line)
{
	scan sc = {.vhdl = vhdl, .out = out};
	size_t a = 0, b, i;
	uint32_t line = 0;
	tok *t = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	out->arena = ra_arena_new(0);
	if (!out->arena)
		return RA_ENOMEM;
	/* only the lines asked for are tokenized */
	for (; a < len && line < first_line; a++)
		if (src[a] == '\n')
			line++;
	for (b = a; b < len; b++)
		if (src[b] == '\n' && ++line > last_line)
			break;
	rc = tokenize(&t, &sc.n, src + a, b - a, vhdl, first_line);
	if (rc)
		return rc;
	sc.t = t;
	for (i = 0; i < sc.n && !sc.err;) {
		size_t e;

		if (sc.vhdl ? is(&sc, i, "case") : is_sv_case(&sc, i)) {
			case_at(&sc, i, &e, 0);
			i = e > i ? e : i + 1;
		} else {
			i++;
		}
	}
	ra_free(t);
	if (sc.err) {
		ra_free(out->v);
		ra_fsm_cases_free(out);
		return sc.err;
	}
	{
		ra_case_stmt *v = to_arena(&sc, out->v, out->n * sizeof(*out->v));

		out->v = v;
		if (sc.err) {
			ra_fsm_cases_free(out);
			return sc.err;
		}
	}
	return RA_OK;
}

void ra_fsm_cases_free(ra_fsm_cases *c)
{
	if (!c)
		return;
	ra_arena_free(c->arena);
	memset(c, 0, sizeof(*c));
}
