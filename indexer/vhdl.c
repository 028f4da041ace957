/*
 * vhdl.c - the VHDL parser: recursive descent over the token array of vhdl_lex.c, extracting
 * design units, declarations, statements and instances into an ra_model (mapping in vhdl.h).
 *
 * Design. The parser knows the structure of VHDL (units, declarative parts, statement parts,
 * generate/if/case/loop bodies, interface and association lists) but not its expressions:
 * expressions, subtype indications and the right-hand sides of assignments are skipped by
 * scan(), one iterative loop that balances parentheses, records identifier uses as references
 * and stops at `;`, at a closing parenthesis of its own level, at a keyword that cannot occur
 * inside an expression, or at a delimiter the caller names. That keeps the parser small, fast and
 * tolerant, and makes error recovery simple:
 *   - every loop over a region (declarations, statements, lists) consumes at least one token per
 *     round or returns, and regions return at tokens that end them (`end`, `begin`, `elsif`,
 *     `else`, `when`, or the start of a new design unit);
 *   - a broken item reports one diagnostic and skips to the next `;` (sync()), never past `end`,
 *     `begin` or the start of a design unit;
 *   - `end` followed by another construct's keyword is left to that construct.
 * Nesting is capped (MAX_DEPTH), so recursion is bounded; each token is looked at a bounded
 * number of times, so time is linear in the input.
 *
 * Data flow rides on the same scan: while an assignment, call or guard is parsed, scan()
 * hands the identifiers it passes to collect() (mode in p->cmode), which keeps them in
 * fixed arrays of the parser: the statement's sources, and a stack of the names in the
 * guards of the enclosing statements. Each assignment then emits its edges; a process or
 * subprogram body remembers its targets for the clock and reset edges added at its end.
 * Nothing allocates per token; the caps on those arrays bound the work per statement.
 * Chunking records items and cut points per design unit for vhdl_chunk.c.
 */
#include "indexer/vhdl.h"

#include <stdio.h>
#include <string.h>

#include "indexer/vhdl_internal.h"

#define NONE SIZE_MAX
#define MAX_DEPTH 128   /* nested statements/declarations before the parser gives up */
#define NAME_CAP 1024   /* bytes kept of a name */
#define TEXT_CAP 256    /* bytes kept of a type or value text */
#define TYPEDEF_CAP 100 /* bytes kept of a type definition ("abbreviated") */

#define KW(k) RA_VT_KW(k)

enum { SLOT_NAME, SLOT_TYPE, SLOT_VALUE, SLOT_MISC, SLOT_FT, SLOT_FS, NSLOTS };

/* data flow: what scan() collects from the identifiers it passes (see collect()) */
enum {
	C_NONE,
	C_DATA, /* values of the statement at hand */
	C_SCTL, /* its own conditions: when, with, target indexes */
	C_CTL   /* guards of enclosing statements: if/elsif, case, while (the ctl stack) */
};

#define MAX_SRC 64        /* distinct sources kept per statement */
#define MAX_CTL 32        /* distinct guard names kept over the enclosing statements */
#define MAX_TGT 16        /* targets of one statement (aggregates, procedure actuals) */
#define MAX_BODY_TGT 512  /* distinct targets of one process or subprogram for clock/reset */
#define MAX_CLK 4         /* clocks of one process */
#define MAX_RST 4         /* reset names of one process */
#define MAX_LPARAM 32     /* enclosing loop and generate parameters */
#define FLOWS_PER_TOKEN 2 /* flows kept: at most this many per token (plus FLOWS_SLACK) */
#define FLOWS_SLACK 4096

typedef struct fname {
	uint32_t tok, hash;
	uint8_t kind; /* RA_FLOW_* */
} fname;

typedef struct body_tgt {
	uint32_t tok, hash;
	int8_t clk; /* index in clk_tok, -1 when not written under a clock edge */
	uint8_t how;
} body_tgt;

/* case-folded names: open addressing, power-of-two capacity */
typedef struct nent {
	const char *s; /* NULL: empty slot */
	uint32_t len, hash;
	int32_t val;
} nent;

typedef struct nset {
	nent *v;
	size_t cap, n;
} nset;

typedef struct parser {
	const char *src;
	const ra_vhdl_tok *t;
	size_t n; /* tokens, the last one RA_VT_EOF */
	size_t i; /* current token */
	ra_model *m;
	int rc;        /* first failure (RA_ENOMEM); the parser then runs to the end at once */
	int depth;     /* current nesting, see enter() */
	int32_t scope; /* parent of new symbols and scope of references; -1 at file level */
	ra_buf txt[NSLOTS];
	size_t last_diag; /* token of the last diagnostic + 1: one per token */
	size_t libs[16];  /* tokens naming libraries declared by library clauses */
	size_t nlibs;

	/* data flow */
	int cmode;           /* C_*: what scan() collects */
	fname srcs[MAX_SRC]; /* sources of the statement at hand */
	size_t nsrcs;
	fname ctls[MAX_CTL]; /* names in the guards of the enclosing statements */
	size_t nctls;
	uint32_t lparams[MAX_LPARAM]; /* enclosing loop/generate parameters: not signals */
	size_t nlparams;
	bool in_body;               /* in the statements of a process or subprogram */
	int cur_clk;                /* clock of the branch at hand, -1 none */
	body_tgt btg[MAX_BODY_TGT]; /* targets of the body */
	size_t nbtg;
	size_t clk_tok[MAX_CLK], clk_a[MAX_CLK], clk_b[MAX_CLK]; /* clock name, its condition */
	size_t nclk;
	fname rsts[MAX_RST]; /* asynchronous reset names of the body */
	size_t nrsts, rst_a, rst_b;
	nset notsig; /* functions, types, enumeration literals: never flow sources */
	nset procs;  /* procedures declared in the file -> their symbol */

	/* chunks */
	ra_vhdl_chunker ck;
	bool ck_decls;     /* record the declarations of the unit's declarative part as items */
	bool ck_stmts;     /* record concurrent statements as items */
	size_t unit_start; /* byte offset where the unit at hand begins */
	int32_t last_body; /* subprogram whose body parse_subprogram just parsed, else -1 */
} parser;

/* keywords that may occur inside an expression or a simple statement; scan() stops at others */
static const bool kw_expr[RA_VK__COUNT] = {
        [RA_VK_ABS] = 1,     [RA_VK_AND] = 1,      [RA_VK_MOD] = 1,        [RA_VK_NAND] = 1,
        [RA_VK_NOR] = 1,     [RA_VK_NOT] = 1,      [RA_VK_OR] = 1,         [RA_VK_REM] = 1,
        [RA_VK_ROL] = 1,     [RA_VK_ROR] = 1,      [RA_VK_SLA] = 1,        [RA_VK_SLL] = 1,
        [RA_VK_SRA] = 1,     [RA_VK_SRL] = 1,      [RA_VK_XNOR] = 1,       [RA_VK_XOR] = 1,
        [RA_VK_TO] = 1,      [RA_VK_DOWNTO] = 1,   [RA_VK_RANGE] = 1,      [RA_VK_OTHERS] = 1,
        [RA_VK_OPEN] = 1,    [RA_VK_NULL_] = 1,    [RA_VK_NEW] = 1,        [RA_VK_ALL] = 1,
        [RA_VK_WHEN] = 1,    [RA_VK_ELSE] = 1,     [RA_VK_AFTER] = 1,      [RA_VK_TRANSPORT] = 1,
        [RA_VK_REJECT] = 1,  [RA_VK_INERTIAL] = 1, [RA_VK_UNAFFECTED] = 1, [RA_VK_FORCE] = 1,
        [RA_VK_RELEASE] = 1, [RA_VK_IN] = 1,       [RA_VK_OUT] = 1,        [RA_VK_ON] = 1,
        [RA_VK_UNTIL] = 1,   [RA_VK_REPORT] = 1,   [RA_VK_SEVERITY] = 1,   [RA_VK_SELECT] = 1,
        [RA_VK_GUARDED] = 1,
};

/* scan() flags: delimiters that end the scan at parenthesis level 0, and modes */
enum {
	S_COMMA = 1 << 0,
	S_ARROW = 1 << 1,
	S_ASSIGN = 1 << 2, /* := */
	S_LE = 1 << 3,     /* <= */
	S_OPEN = 1 << 4,
	S_FOR = 1 << 5,   /* `for` is part of the text (wait ... for) */
	S_LOOSE = 1 << 6, /* any keyword is part of the text except end/begin/a unit start */
	S_NOREF = 1 << 7, /* record no references (error recovery) */
	S_GROUP = 1 << 8, /* stop after the parenthesis that closes the first one */
	S_COND = 1 << 9,  /* stop at when, else, inertial, select */
};

/* ---- tokens ------------------------------------------------------------------------------- */

static inline int kind(const parser *p)
{
	return p->t[p->i].kind;
}

static inline int kind_at(const parser *p, size_t k)
{
	return p->i + k < p->n ? p->t[p->i + k].kind : RA_VT_EOF;
}

static inline void adv(parser *p)
{
	if (p->i + 1 < p->n)
		p->i++;
}

static inline bool accept(parser *p, int k)
{
	if (kind(p) != k)
		return false;
	adv(p);
	return true;
}

static inline bool is_name(int k)
{
	return k == RA_VT_ID || k == RA_VT_EXTID;
}

/* the token's text equals the lower-case word `s`, ignoring case */
static bool tok_is(const parser *p, size_t j, const char *s)
{
	const ra_vhdl_tok *t = &p->t[j];
	size_t n = strlen(s);

	if (t->len != n)
		return false;
	for (size_t k = 0; k < n; k++) {
		unsigned char c = (unsigned char)p->src[t->off + k];

		if ((c >= 'A' && c <= 'Z' ? c + 32 : c) != (unsigned char)s[k])
			return false;
	}
	return true;
}

static bool toks_equal_ci(const parser *p, size_t a, size_t b)
{
	const ra_vhdl_tok *x = &p->t[a], *y = &p->t[b];

	if (x->len != y->len)
		return false;
	for (size_t k = 0; k < x->len; k++) {
		unsigned char c = (unsigned char)p->src[x->off + k];
		unsigned char d = (unsigned char)p->src[y->off + k];

		if ((c >= 'A' && c <= 'Z' ? c + 32 : c) != (d >= 'A' && d <= 'Z' ? d + 32 : d))
			return false;
	}
	return true;
}

static ra_span tok_span(const parser *p, size_t j)
{
	const ra_vhdl_tok *t = &p->t[j];

	return (ra_span){t->line, t->col, t->line, t->col + t->len};
}

/* from the start of token a to the end of token b (b >= a) */
static ra_span range_span(const parser *p, size_t a, size_t b)
{
	ra_span s = tok_span(p, a), e = tok_span(p, b < a ? a : b);

	s.end_line = e.end_line;
	s.end_col = e.end_col;
	return s;
}

/* ---- case-folded names ------------------------------------------------------------------ */

static uint32_t fold_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t k = 0; k < n; k++) {
		unsigned char c = (unsigned char)s[k];

		h = (h ^ (c >= 'A' && c <= 'Z' ? c + 32u : c)) * 16777619u;
	}
	return h;
}

static bool fold_eq(const char *a, const char *b, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		unsigned char c = (unsigned char)a[k], d = (unsigned char)b[k];

		if ((c >= 'A' && c <= 'Z' ? c + 32 : c) != (d >= 'A' && d <= 'Z' ? d + 32 : d))
			return false;
	}
	return true;
}

static const nent *nset_find(const nset *s, const char *k, uint32_t n, uint32_t h)
{
	if (!s->cap)
		return NULL;
	for (size_t i = h & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
		const nent *e = &s->v[i];

		if (!e->s)
			return NULL;
		if (e->hash == h && e->len == n && fold_eq(e->s, k, n))
			return e;
	}
}

/* adds a name (the first value of a name wins); 0 or RA_ENOMEM */
static int nset_add(nset *s, const char *k, uint32_t n, uint32_t h, int32_t val)
{
	if (nset_find(s, k, n, h))
		return RA_OK;
	if ((s->n + 1) * 2 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 128;
		nent *v = ra_calloc(cap, sizeof(*v));

		if (!v)
			return RA_ENOMEM;
		for (size_t i = 0; i < s->cap; i++) {
			size_t j = s->v[i].hash & (cap - 1);

			if (!s->v[i].s)
				continue;
			while (v[j].s)
				j = (j + 1) & (cap - 1);
			v[j] = s->v[i];
		}
		ra_free(s->v);
		s->v = v;
		s->cap = cap;
	}
	size_t i = h & (s->cap - 1);

	while (s->v[i].s)
		i = (i + 1) & (s->cap - 1);
	s->v[i] = (nent){k, n, h, val};
	s->n++;
	return RA_OK;
}

static uint32_t tok_hash(const parser *p, size_t j)
{
	return fold_hash(p->src + p->t[j].off, p->t[j].len);
}

/* ---- failures and diagnostics ------------------------------------------------------------- */

/* out of memory: remember it and jump to the end so every loop finishes at once */
static void fail(parser *p, int rc)
{
	if (!p->rc)
		p->rc = rc;
	p->i = p->n - 1;
}

static void expected(parser *p, const char *what)
{
	const ra_vhdl_tok *t = &p->t[p->i];
	int rc;

	if (p->last_diag == p->i + 1)
		return;
	p->last_diag = p->i + 1;
	if (t->kind == RA_VT_EOF)
		rc = ra_vhdl__diag(p->m, tok_span(p, p->i), "expected %s, found end of file", what);
	else
		rc = ra_vhdl__diag(p->m, tok_span(p, p->i), "expected %s, found '%.*s'", what,
		                   (int)(t->len > 32 ? 32 : t->len), p->src + t->off);
	if (rc)
		fail(p, rc);
}

/* bounds recursion; every recursive path passes through a statement or declaration item */
static bool enter(parser *p)
{
	if (p->depth >= MAX_DEPTH) {
		int rc = ra_vhdl__diag(p->m, tok_span(p, p->i),
		                       "nesting deeper than %d levels; rest of file skipped",
		                       MAX_DEPTH);

		fail(p, rc);
		return false;
	}
	p->depth++;
	return true;
}

static void leave(parser *p)
{
	p->depth--;
}

/* ---- model output ------------------------------------------------------------------------- */

/*
 * Text of tokens [a, b) in text slot `slot`, tokens joined by one space where the source had
 * whitespace or comments between them (none when !spaces), cut at `cap` bytes with "...".
 * NULL when empty. Valid until the slot is next used.
 */
static const char *text(parser *p, int slot, size_t a, size_t b, size_t cap, bool spaces)
{
	ra_buf *buf = &p->txt[slot];
	int rc = RA_OK;

	if (a >= b || p->rc)
		return NULL;
	ra_buf_reset(buf);
	for (size_t j = a; !rc && j < b; j++) {
		const ra_vhdl_tok *t = &p->t[j];

		if (j > a && spaces && t->off > p->t[j - 1].off + p->t[j - 1].len)
			rc = ra_buf_putc(buf, ' ');
		if (!rc && buf->len + t->len > cap) {
			rc = ra_buf_puts(buf, "...");
			break;
		}
		if (!rc)
			rc = ra_buf_append(buf, p->src + t->off, t->len);
	}
	if (rc) {
		fail(p, rc);
		return NULL;
	}
	return buf->data;
}

static const char *tok_text(parser *p, int slot, size_t j)
{
	return text(p, slot, j, j + 1, NAME_CAP, false);
}

/* adds a symbol under the current scope; its span runs to the name until finish() */
static int32_t add_sym(parser *p, ra_sym_kind k, size_t name, size_t start, const char *type,
                       const char *dir, const char *value)
{
	ra_sym s = {.kind = k, .parent = p->scope, .type = type, .dir = dir, .value = value};
	int32_t r;

	if (p->rc)
		return -1;
	s.name = name != NONE ? tok_text(p, SLOT_NAME, name) : "";
	s.name_span = tok_span(p, name != NONE ? name : start);
	s.span = range_span(p, start, name != NONE ? name : start);
	r = ra_model_add_sym(p->m, &s);
	if (r < 0) {
		fail(p, r);
		return r;
	}
	if (name != NONE && is_name(p->t[name].kind)) {
		const ra_vhdl_tok *t = &p->t[name];
		nset *set = k == RA_SYM_TASK ? &p->procs
		            : k == RA_SYM_FUNCTION || k == RA_SYM_TYPEDEF || k == RA_SYM_ENUM_MEMBER
		                    ? &p->notsig
		                    : NULL;

		if (set && nset_add(set, p->src + t->off, t->len, tok_hash(p, name), r))
			fail(p, RA_ENOMEM);
	}
	return r;
}

/* closes a symbol's span at the last token consumed */
static void finish(parser *p, int32_t sym, size_t start)
{
	if (sym < 0 || p->rc || p->i == 0)
		return;
	p->m->syms[sym].span = range_span(p, start, p->i - 1);
}

/* replaces a symbol's type with the text of tokens [a, b) */
static void set_type(parser *p, int32_t sym, size_t a, size_t b, size_t cap)
{
	const char *s = text(p, SLOT_MISC, a, b, cap, true);

	if (sym < 0 || !s)
		return;
	s = ra_model_str(p->m, s, strlen(s));
	if (!s)
		fail(p, RA_ENOMEM);
	else
		p->m->syms[sym].type = s;
}

static void add_ref(parser *p, size_t j)
{
	ra_ref r = {.scope = p->scope, .span = tok_span(p, j)};

	r.name = tok_text(p, SLOT_MISC, j);
	if (r.name && ra_model_add_ref(p->m, &r) < 0)
		fail(p, RA_ENOMEM);
}

static void add_import(parser *p, const char *lib, const char *pkg, const char *item, size_t a,
                       size_t b)
{
	ra_import im = {.scope = p->scope, .library = lib, .pkg = pkg, .item = item};

	im.span = range_span(p, a, b);
	if (!p->rc && ra_model_add_import(p->m, &im) < 0)
		fail(p, RA_ENOMEM);
}

/* ---- data flow ---------------------------------------------------------------------------- */

static bool is_library(const parser *p, size_t j);
static size_t scan(parser *p, unsigned flags);

static inline int tkind(const parser *p, size_t j)
{
	return j < p->n ? p->t[j].kind : RA_VT_EOF;
}

static bool same_name(const parser *p, const fname *f, size_t j, uint32_t h)
{
	return f->hash == h && toks_equal_ci(p, f->tok, j);
}

/*
 * Functions and type marks of the IEEE and STD libraries that real code calls in expressions,
 * and the enumeration literals of STD.STANDARD: never signals.
 */
static const char *const builtin_names[] = {
        "rising_edge",
        "falling_edge",
        "to_unsigned",
        "to_signed",
        "to_integer",
        "to_natural",
        "resize",
        "std_logic_vector",
        "std_ulogic_vector",
        "unsigned",
        "signed",
        "integer",
        "natural",
        "positive",
        "real",
        "boolean",
        "bit",
        "bit_vector",
        "std_logic",
        "std_ulogic",
        "character",
        "string",
        "time",
        "to_stdlogicvector",
        "to_stdulogicvector",
        "to_bitvector",
        "to_bit",
        "to_x01",
        "to_x01z",
        "to_ux01",
        "to_01",
        "is_x",
        "shift_left",
        "shift_right",
        "rotate_left",
        "rotate_right",
        "std_match",
        "conv_integer",
        "conv_unsigned",
        "conv_signed",
        "conv_std_logic_vector",
        "ext",
        "sxt",
        "minimum",
        "maximum",
        "to_string",
        "to_hstring",
        "to_ostring",
        "now",
        "true",
        "false",
        "note",
        "warning",
        "error",
        "failure",
        "floor",
        "ceil",
        "round",
        "log2",
        "sqrt",
        "to_ufixed",
        "to_sfixed",
        "to_float",
        "to_real",
        "find_leftmost",
        "find_rightmost",
        "and_reduce",
        "or_reduce",
        "xor_reduce",
};

static int add_builtins(parser *p)
{
	for (size_t i = 0; i < sizeof(builtin_names) / sizeof(builtin_names[0]); i++) {
		const char *s = builtin_names[i];
		uint32_t n = (uint32_t)strlen(s);

		if (nset_add(&p->notsig, s, n, fold_hash(s, n), -1))
			return RA_ENOMEM;
	}
	return RA_OK;
}

/* an attribute of a signal's value over time ('event, 'last_value, ...) rather than of its
   type or bounds ('range, 'length, a qualified expression's '( ) */
static bool signal_attribute(const parser *p, size_t j)
{
	static const char *const names[] = {"event",      "stable",  "quiet",        "transaction",
	                                    "delayed",    "active",  "last_event",   "last_active",
	                                    "last_value", "driving", "driving_value"};

	if (!is_name(tkind(p, j)))
		return false;
	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++)
		if (tok_is(p, j, names[k]))
			return true;
	return false;
}

/*
 * Records identifier j as a flow source of kind `mode` (C_*): not a suffix of a selected name,
 * a library prefix, the prefix of a type or bounds attribute ('range) or of a qualified
 * expression, a loop/generate parameter, or a function, type or enumeration literal. Kept once
 * per statement (guards: once in the stack).
 */
static void collect(parser *p, size_t j, int mode)
{
	fname *arr = mode == C_CTL ? p->ctls : p->srcs;
	size_t *n = mode == C_CTL ? &p->nctls : &p->nsrcs;
	size_t cap = mode == C_CTL ? MAX_CTL : MAX_SRC;
	uint8_t kind = mode == C_DATA ? RA_FLOW_DATA : RA_FLOW_CONTROL;
	uint32_t h;

	if (*n >= cap || (j > 0 && p->t[j - 1].kind == RA_VT_DOT))
		return;
	if (tkind(p, j + 1) == RA_VT_TICK && !signal_attribute(p, j + 2))
		return;
	if (tkind(p, j + 1) == RA_VT_DOT && is_library(p, j))
		return;
	h = tok_hash(p, j);
	if (nset_find(&p->notsig, p->src + p->t[j].off, p->t[j].len, h))
		return;
	for (size_t k = 0; k < p->nlparams; k++)
		if (toks_equal_ci(p, p->lparams[k], j))
			return;
	for (size_t k = 0; k < *n; k++)
		if (arr[k].kind == kind && same_name(p, &arr[k], j, h))
			return;
	arr[(*n)++] = (fname){(uint32_t)j, h, kind};
}

/* collects the identifiers of tokens [a, b) as data sources, as scan() would */
static void collect_range(parser *p, size_t a, size_t b)
{
	for (size_t j = a; j < b; j++)
		if (is_name(p->t[j].kind) && !(j > a && p->t[j - 1].kind == RA_VT_TICK) &&
		    tkind(p, j + 1) != RA_VT_ARROW)
			collect(p, j, C_DATA);
}

static void add_flow(parser *p, size_t tgt, size_t src, int kind, int how, ra_span span)
{
	ra_flow f = {.scope = p->scope, .kind = kind, .how = how, .span = span};

	/* guards repeated over many small statements could multiply the output: bound it */
	if (p->rc || p->m->nflows >= p->n * FLOWS_PER_TOKEN + FLOWS_SLACK)
		return;
	f.target = tok_text(p, SLOT_FT, tgt);
	f.source = tok_text(p, SLOT_FS, src);
	if (f.target && f.source && ra_model_add_flow(p->m, &f) < 0)
		fail(p, RA_ENOMEM);
}

/* remembers a target of the process or subprogram for its clock and reset edges */
static void body_target(parser *p, size_t t, int how)
{
	uint32_t h = tok_hash(p, t);

	for (size_t k = 0; k < p->nbtg; k++)
		if (p->btg[k].hash == h && p->btg[k].clk == p->cur_clk &&
		    toks_equal_ci(p, p->btg[k].tok, t))
			return;
	if (p->nbtg < MAX_BODY_TGT)
		p->btg[p->nbtg++] = (body_tgt){(uint32_t)t, h, (int8_t)p->cur_clk, (uint8_t)how};
}

/*
 * The edges of one statement writing targets tg[0..ntg): from its sources and from the guards
 * of the enclosing statements. skip_self drops source == target (conservative call edges).
 */
static void emit_flows(parser *p, const size_t *tg, size_t ntg, int how, ra_span span,
                       bool skip_self)
{
	for (size_t i = 0; i < ntg && !p->rc; i++) {
		uint32_t th = tok_hash(p, tg[i]);

		for (size_t k = 0; k < p->nsrcs; k++) {
			if (skip_self && same_name(p, &p->srcs[k], tg[i], th))
				continue;
			add_flow(p, tg[i], p->srcs[k].tok, p->srcs[k].kind, how, span);
		}
		for (size_t k = 0; k < p->nctls; k++) {
			bool dup = false;

			for (size_t q = 0; q < p->nsrcs && !dup; q++)
				dup = p->srcs[q].kind == RA_FLOW_CONTROL &&
				      same_name(p, &p->srcs[q], p->ctls[k].tok, p->ctls[k].hash);
			if (!dup)
				add_flow(p, tg[i], p->ctls[k].tok, RA_FLOW_CONTROL, how, span);
		}
		if (p->in_body)
			body_target(p, tg[i], how);
	}
	p->nsrcs = 0;
}

/* base names written by the target tokens [a, b): a name, or the elements of an aggregate */
static size_t targets(const parser *p, size_t a, size_t b, size_t *out)
{
	size_t n = 0;
	int depth = 0;
	bool lead = false;

	if (a >= b)
		return 0;
	if (is_name(p->t[a].kind)) {
		out[n++] = a;
		return n;
	}
	if (p->t[a].kind != RA_VT_LPAREN)
		return 0;
	for (size_t j = a; j < b; j++) {
		int k = p->t[j].kind;

		if (k == RA_VT_LPAREN) {
			lead = ++depth == 1;
			continue;
		}
		if (k == RA_VT_RPAREN) {
			depth--;
			lead = false;
			continue;
		}
		if (depth == 1 && (k == RA_VT_COMMA || k == RA_VT_ARROW)) {
			lead = true;
			continue;
		}
		if (lead && depth == 1 && is_name(k) && tkind(p, j + 1) != RA_VT_ARROW &&
		    n < MAX_TGT)
			out[n++] = j;
		lead = false;
	}
	return n;
}

/* the clock of a condition over tokens [a, b): rising_edge(c), falling_edge(c), c'event,
   c'stable; NONE when it tests no edge */
static size_t clock_of(const parser *p, size_t a, size_t b)
{
	for (size_t j = a; j < b; j++) {
		if (!is_name(p->t[j].kind))
			continue;
		if (tkind(p, j + 1) == RA_VT_LPAREN && j + 2 < b && is_name(p->t[j + 2].kind) &&
		    (tok_is(p, j, "rising_edge") || tok_is(p, j, "falling_edge")))
			return j + 2;
		if (tkind(p, j + 1) == RA_VT_TICK && j + 2 < b &&
		    (tok_is(p, j + 2, "event") || tok_is(p, j + 2, "stable")))
			return j;
	}
	return NONE;
}

/* removes guard names [from, nctls) spelled like token j */
static void drop_ctl(parser *p, size_t from, size_t j)
{
	uint32_t h = tok_hash(p, j);
	size_t w = from;

	for (size_t k = from; k < p->nctls; k++)
		if (!same_name(p, &p->ctls[k], j, h))
			p->ctls[w++] = p->ctls[k];
	p->nctls = w;
}

/* makes the clock of condition [a, b) (name token clk) the clock of the branch at hand */
static void set_clock(parser *p, size_t clk, size_t a, size_t b)
{
	size_t k;

	for (k = 0; k < p->nclk; k++)
		if (toks_equal_ci(p, p->clk_tok[k], clk))
			break;
	if (k == p->nclk) {
		if (k == MAX_CLK)
			return;
		p->clk_tok[k] = clk;
		p->clk_a[k] = a;
		p->clk_b[k] = b;
		p->nclk++;
	}
	p->cur_clk = (int)k;
}

/*
 * Scans an if/elsif/while condition as a guard of what follows (names onto the ctl stack).
 * In a body not yet under a clock, a condition testing a clock edge makes that the clock of
 * the branch; its clock name is then no guard. True when it did.
 */
static bool guard(parser *p)
{
	size_t a = p->i, from = p->nctls, clk;

	p->cmode = C_CTL;
	scan(p, 0);
	p->cmode = C_NONE;
	if (!p->in_body || p->cur_clk >= 0 || p->i == a || (clk = clock_of(p, a, p->i)) == NONE)
		return false;
	drop_ctl(p, from, clk);
	set_clock(p, clk, a, p->i - 1);
	return p->cur_clk >= 0;
}

/*
 * `if c1 then A elsif <clock edge> then B`: the names of c1 (guards [mark, c1_end)) are the
 * asynchronous reset of the body. They stop being guards, and the control edges A already got
 * from them (flows from f0 on) are dropped: they become reset edges at the end of the body.
 */
static void set_reset(parser *p, size_t mark, size_t c1_end, size_t a, size_t b, size_t f0)
{
	size_t w;

	for (size_t k = mark; k < c1_end && p->nrsts < MAX_RST; k++) {
		bool dup = false;

		for (size_t q = 0; q < p->nrsts && !dup; q++)
			dup = same_name(p, &p->rsts[q], p->ctls[k].tok, p->ctls[k].hash);
		if (!dup)
			p->rsts[p->nrsts++] = p->ctls[k];
	}
	p->rst_a = a;
	p->rst_b = b;
	w = f0;
	for (size_t k = f0; k < p->m->nflows; k++) {
		const ra_flow *f = &p->m->flows[k];
		bool drop = false;

		for (size_t q = mark; q < c1_end && !drop && f->kind == RA_FLOW_CONTROL; q++) {
			const ra_vhdl_tok *t = &p->t[p->ctls[q].tok];

			drop = strlen(f->source) == t->len &&
			       fold_eq(f->source, p->src + t->off, t->len);
		}
		if (!drop)
			p->m->flows[w++] = *f;
	}
	p->m->nflows = w;
	memmove(&p->ctls[mark], &p->ctls[c1_end], (p->nctls - c1_end) * sizeof(p->ctls[0]));
	p->nctls -= c1_end - mark;
}

/* the statements of a process or subprogram begin */
static void body_begin(parser *p)
{
	p->in_body = true;
	p->cur_clk = -1;
	p->nbtg = p->nclk = p->nrsts = p->nctls = p->nsrcs = 0;
}

/* ... and end: clock edges to the targets written under a clock, reset edges to all */
static void body_end(parser *p)
{
	for (size_t i = 0; i < p->nbtg && !p->rc; i++) {
		const body_tgt *bt = &p->btg[i];
		bool seen = false;

		if (bt->clk >= 0)
			add_flow(p, bt->tok, p->clk_tok[bt->clk], RA_FLOW_CLOCK, bt->how,
			         range_span(p, p->clk_a[bt->clk], p->clk_b[bt->clk]));
		for (size_t k = 0; k < i && !seen && p->nrsts; k++)
			seen = p->btg[k].hash == bt->hash &&
			       toks_equal_ci(p, p->btg[k].tok, bt->tok);
		for (size_t k = 0; k < p->nrsts && !seen; k++)
			add_flow(p, bt->tok, p->rsts[k].tok, RA_FLOW_RESET, bt->how,
			         range_span(p, p->rst_a, p->rst_b));
	}
	p->in_body = false;
	p->cur_clk = -1;
	p->nbtg = p->nclk = p->nrsts = p->nctls = 0;
}

/* ---- chunk items -------------------------------------------------------------------------- */

/* records an item starting at token a; its index, or -1 */
static long item_add(parser *p, int kind, int32_t sym, size_t a, int level)
{
	ra_vhdl_chunker *c = &p->ck;

	if (p->rc)
		return -1;
	if (ra_grow((void **)&c->items, &c->items_cap, c->nitems + 1, sizeof(*c->items))) {
		fail(p, RA_ENOMEM);
		return -1;
	}
	c->items[c->nitems] =
	        (ra_vhdl_item){(uint32_t)a, (uint32_t)a,   sym,
	                       p->scope,    (uint8_t)kind, (uint8_t)(level > 255 ? 255 : level),
	                       false};
	return (long)c->nitems++;
}

/* a token where a big chunk may be split */
static void cut_add(parser *p, size_t j)
{
	ra_vhdl_chunker *c = &p->ck;

	if (p->rc || (c->ncuts && c->cuts[c->ncuts - 1] >= j))
		return;
	if (c->ncuts == c->cuts_cap &&
	    ra_grow((void **)&c->cuts, &c->cuts_cap, c->ncuts + 1, sizeof(*c->cuts))) {
		fail(p, RA_ENOMEM);
		return;
	}
	c->cuts[c->ncuts++] = (uint32_t)j;
}

/* ---- skipping ----------------------------------------------------------------------------- */

/* `entity x is`, `architecture x of`, `package [body] x is`, ... : a new design unit begins */
static bool unit_start(const parser *p)
{
	int k1 = kind_at(p, 1), k2 = kind_at(p, 2);

	switch (kind(p)) {
	case KW(ENTITY):
	case KW(CONTEXT):
		return is_name(k1) && k2 == KW(IS);
	case KW(ARCHITECTURE):
	case KW(CONFIGURATION):
		return is_name(k1) && k2 == KW(OF);
	case KW(PACKAGE):
		return k1 == KW(BODY) || (is_name(k1) && k2 == KW(IS));
	case KW(LIBRARY):
		return is_name(k1);
	default:
		return false;
	}
}

/*
 * Skips an expression (or, with S_LOOSE, the rest of a declaration), recording identifier uses
 * as references: not attribute designators after a tick, not formals before `=>` inside
 * parentheses. Stops at `;`, at an unbalanced `)`, at a keyword that cannot be part of the text,
 * or at a delimiter selected by `flags` at parenthesis level 0. Returns the start token.
 */
static size_t scan(parser *p, unsigned flags)
{
	size_t start = p->i;
	int depth = 0;
	bool muted = false; /* in the delay of a waveform element: no flow sources */

	for (;;) {
		int k = kind(p);

		switch (k) {
		case RA_VT_EOF:
		case RA_VT_SEMI:
			return start;
		case RA_VT_LPAREN:
		case RA_VT_LBRACK:
			depth++;
			break;
		case RA_VT_RPAREN:
		case RA_VT_RBRACK:
			if (!depth)
				return start;
			if (--depth == 0 && (flags & S_GROUP)) {
				adv(p);
				return start;
			}
			break;
		case RA_VT_COMMA:
			if (!depth && (flags & S_COMMA))
				return start;
			if (!depth)
				muted = false;
			break;
		case RA_VT_ARROW:
			if (!depth && (flags & S_ARROW))
				return start;
			break;
		case RA_VT_ASSIGN:
			if (!depth && (flags & S_ASSIGN))
				return start;
			break;
		case RA_VT_LE:
			if (!depth && (flags & S_LE))
				return start;
			break;
		case RA_VT_DLT: /* external name << signal .a.b : t >>: keywords inside */
			while (kind(p) != RA_VT_DGT && kind(p) != RA_VT_SEMI &&
			       kind(p) != RA_VT_EOF)
				adv(p);
			if (kind(p) == RA_VT_DGT)
				adv(p);
			if (!depth && (flags & S_GROUP))
				return start;
			continue;
		case RA_VT_TICK: /* attribute designator or qualified expression */
			adv(p);
			if (is_name(kind(p)) || kind(p) >= RA_VT_KW_FIRST)
				adv(p);
			continue;
		case RA_VT_ID:
		case RA_VT_EXTID:
			if (!(flags & S_NOREF) && !(depth && kind_at(p, 1) == RA_VT_ARROW)) {
				add_ref(p, p->i);
				if (p->cmode != C_NONE && !muted)
					collect(p, p->i, p->cmode);
			}
			break;
		default:
			if (k < RA_VT_KW_FIRST)
				break;
			if (!depth && (flags & S_COND) &&
			    (k == KW(WHEN) || k == KW(ELSE) || k == KW(INERTIAL) ||
			     k == KW(SELECT)))
				return start;
			if (!depth && k == KW(AFTER))
				muted = true;
			if (flags & S_LOOSE) {
				if (k == KW(END) || k == KW(BEGIN) || unit_start(p))
					return start;
				break;
			}
			if (!kw_expr[k - RA_VT_KW_FIRST] && !(k == KW(FOR) && (flags & S_FOR)))
				return start;
			if (!depth && k == KW(OPEN) && (flags & S_OPEN))
				return start;
			break;
		}
		adv(p);
	}
}

/* error recovery: skip to and over the next `;`, stopping before end/begin/a new unit */
static void sync(parser *p)
{
	scan(p, S_LOOSE | S_NOREF);
	accept(p, RA_VT_SEMI);
}

static void expect_semi(parser *p)
{
	if (accept(p, RA_VT_SEMI))
		return;
	expected(p, "';'");
	sync(p);
}

/*
 * `end [kw1 [kw2]] [label] ;`. When `end` is followed by another construct's keyword it belongs
 * to an enclosing construct: report this one as unterminated and leave the `end` in place.
 */
static void expect_end(parser *p, int kw1, int kw2, bool required)
{
	char what[48];
	int k1 = kind_at(p, 1);

	snprintf(what, sizeof(what), "'end %s%s%s'", ra_vhdl__kw_name(kw1), kw2 ? " " : "",
	         kw2 ? ra_vhdl__kw_name(kw2) : "");
	if (kind(p) != KW(END) ||
	    (k1 >= RA_VT_KW_FIRST && k1 != kw1 && !(kw1 == KW(PROCESS) && k1 == KW(POSTPONED)))) {
		expected(p, what);
		return;
	}
	adv(p);
	accept(p, KW(POSTPONED));
	if (accept(p, kw1)) {
		if (kw2)
			accept(p, kw2);
	} else if (required) {
		expected(p, what);
	}
	accept(p, RA_VT_QUES); /* end case ? */
	if (is_name(kind(p)) || kind(p) == RA_VT_STR)
		adv(p);
	expect_semi(p);
}

/* ---- context clauses ---------------------------------------------------------------------- */

static bool is_library(const parser *p, size_t j)
{
	if (tok_is(p, j, "work") || tok_is(p, j, "std") || tok_is(p, j, "ieee"))
		return true;
	for (size_t k = 0; k < p->nlibs; k++)
		if (toks_equal_ci(p, p->libs[k], j))
			return true;
	return false;
}

/* library a, b; */
static void parse_library(parser *p)
{
	adv(p);
	do {
		if (!is_name(kind(p))) {
			expected(p, "a library name");
			sync(p);
			return;
		}
		if (p->nlibs < sizeof(p->libs) / sizeof(p->libs[0]))
			p->libs[p->nlibs++] = p->i;
		add_import(p, tok_text(p, SLOT_NAME, p->i), NULL, NULL, p->i, p->i);
		adv(p);
	} while (accept(p, RA_VT_COMMA));
	expect_semi(p);
}

/* text of a selected-name part for an import: `all` is "*" */
static const char *part_text(parser *p, int slot, size_t j)
{
	return p->t[j].kind == KW(ALL) ? "*" : tok_text(p, slot, j);
}

/* use a.b.c, d.e.all;  and  context a.b, c.d; (is_context) */
static void parse_use(parser *p, bool is_context)
{
	adv(p);
	do {
		size_t parts[3], np = 0, a = p->i, last;

		if (!is_name(kind(p))) {
			expected(p, "a selected name");
			sync(p);
			return;
		}
		parts[np++] = p->i;
		last = p->i;
		adv(p);
		while (kind(p) == RA_VT_DOT) {
			int k;

			adv(p);
			k = kind(p);
			if (!is_name(k) && k != KW(ALL) && k != RA_VT_STR && k != RA_VT_CHAR) {
				expected(p, "a name after '.'");
				sync(p);
				return;
			}
			if (np < 3)
				parts[np++] = p->i;
			last = p->i;
			adv(p);
		}
		const char *lib = NULL, *pkg = NULL, *item = NULL;

		if (np >= 3) {
			lib = tok_text(p, SLOT_NAME, parts[0]);
			pkg = tok_text(p, SLOT_TYPE, parts[1]);
			item = last == parts[2]
			               ? part_text(p, SLOT_VALUE, parts[2])
			               : text(p, SLOT_VALUE, parts[2], last + 1, NAME_CAP, false);
		} else if (np == 2 && is_library(p, parts[0])) {
			lib = tok_text(p, SLOT_NAME, parts[0]);
			if (p->t[parts[1]].kind == KW(ALL))
				item = "*";
			else
				pkg = tok_text(p, SLOT_TYPE, parts[1]);
		} else {
			pkg = tok_text(p, SLOT_TYPE, parts[0]);
			if (np == 2)
				item = part_text(p, SLOT_VALUE, parts[1]);
		}
		if (is_context)
			item = "*";
		add_import(p, lib, pkg, item, a, last);
		/* the package (or context) and the item named are uses of them; a library is not a
		   design unit and gets no reference */
		for (size_t k = lib ? 1 : 0; k < np; k++)
			if (is_name(p->t[parts[k]].kind))
				add_ref(p, parts[k]);
	} while (accept(p, RA_VT_COMMA));
	expect_semi(p);
}

/* ---- declarations ------------------------------------------------------------------------- */

static void parse_decls(parser *p);
static void parse_seq(parser *p);
static void parse_concurrent(parser *p, bool in_generate);
static void parse_package(parser *p);

/* skips a generic subprogram's parameter list (it contains `;`), recording the names used
   in it as references; the parameter names before each `:` are declarations */
static void skip_parens(parser *p)
{
	int depth = 0;
	bool names = false;

	do {
		int k = kind(p);

		if (k == RA_VT_EOF || k == KW(END) || k == KW(BEGIN))
			return;
		if (k == RA_VT_LPAREN)
			names = ++depth == 1;
		else if (k == RA_VT_RPAREN)
			depth--;
		else if (depth == 1 && (k == RA_VT_SEMI || k == RA_VT_COLON))
			names = k == RA_VT_SEMI;
		else if (is_name(k) && !names)
			add_ref(p, p->i);
		adv(p);
	} while (depth > 0);
}

static const char *mode_name(int k)
{
	switch (k) {
	case KW(IN):
		return "in";
	case KW(OUT):
		return "out";
	case KW(INOUT):
		return "inout";
	case KW(BUFFER):
		return "buffer";
	case KW(LINKAGE):
		return "linkage";
	default:
		return NULL;
	}
}

/* a VHDL-2008 generic type, package or subprogram in a generic list: one RA_SYM_PARAM */
static void parse_generic_special(parser *p, size_t start)
{
	int k = kind(p);
	const char *what = k == KW(TYPE) ? "type" : k == KW(PACKAGE) ? "package" : NULL;
	size_t name;

	if (k == KW(PURE) || k == KW(IMPURE))
		adv(p);
	if (!what)
		what = kind(p) == KW(FUNCTION) ? "function" : "procedure";
	adv(p);
	name = p->i;
	if (!is_name(kind(p)) && kind(p) != RA_VT_STR) {
		expected(p, "a name");
		return;
	}
	adv(p);
	size_t va = NONE, vb = NONE;

	if (k == KW(PACKAGE) && kind(p) == KW(IS) && kind_at(p, 1) == KW(NEW)) {
		adv(p);
		adv(p);
		va = p->i;
		while (is_name(kind(p)) || kind(p) == RA_VT_DOT)
			adv(p);
		vb = p->i;
		if (vb > va && is_name(p->t[vb - 1].kind))
			add_ref(p, vb - 1);
	}
	if (kind(p) == RA_VT_LPAREN)
		skip_parens(p);
	scan(p, S_LOOSE);
	int32_t sym = add_sym(p, RA_SYM_PARAM, name, start, what, NULL,
	                      va != NONE ? text(p, SLOT_VALUE, va, vb, TEXT_CAP, false) : NULL);

	finish(p, sym, start);
}

/*
 * ( element ; element ... ) of a generic, port or parameter list: each name becomes a symbol
 * of kind `k` under the current scope. `dir_default` is the mode when none is written.
 */
static void parse_interface(parser *p, ra_sym_kind k, const char *dir_default)
{
	if (!accept(p, RA_VT_LPAREN)) {
		expected(p, "'('");
		return;
	}
	for (;;) {
		size_t start = p->i, first, last;
		int c = kind(p);

		cut_add(p, start);
		if (c == RA_VT_RPAREN) {
			adv(p);
			return;
		}
		if (k == RA_SYM_PARAM && (c == KW(TYPE) || c == KW(PACKAGE) || c == KW(FUNCTION) ||
		                          c == KW(PROCEDURE) || c == KW(PURE) || c == KW(IMPURE))) {
			parse_generic_special(p, start);
			goto next;
		}
		if (c == KW(END) || c == KW(BEGIN) || c == RA_VT_EOF || unit_start(p)) {
			expected(p, "')'");
			return;
		}
		if (c == KW(SIGNAL) || c == KW(CONSTANT) || c == KW(VARIABLE) || c == KW(FILE))
			adv(p);
		first = last = p->i;
		while (is_name(kind(p))) {
			last = p->i;
			adv(p);
			if (!accept(p, RA_VT_COMMA))
				break;
		}
		if (!is_name(p->t[first].kind) || !accept(p, RA_VT_COLON)) {
			expected(p, is_name(p->t[first].kind) ? "':'" : "a name");
			goto skip;
		}
		const char *dir = mode_name(kind(p));

		if (dir)
			adv(p);
		else
			dir = dir_default;
		size_t ta = scan(p, S_ASSIGN), tb = p->i, va = NONE, vb = NONE;

		accept(p, KW(BUS));
		if (accept(p, RA_VT_ASSIGN)) {
			va = scan(p, 0);
			vb = p->i;
		}
		const char *type = text(p, SLOT_TYPE, ta, tb, TEXT_CAP, true);
		const char *value = va != NONE ? text(p, SLOT_VALUE, va, vb, TEXT_CAP, true) : NULL;

		for (size_t j = first; j <= last; j++) {
			if (!is_name(p->t[j].kind))
				continue;
			int32_t sym = add_sym(p, k, j, start, type, dir, value);

			finish(p, sym, start);
		}
	next:
		if (accept(p, RA_VT_SEMI))
			continue;
		if (accept(p, RA_VT_RPAREN))
			return;
		expected(p, "';' or ')'");
	skip:
		scan(p, S_LOOSE | S_NOREF);
		if (accept(p, RA_VT_RPAREN))
			return;
		if (!accept(p, RA_VT_SEMI))
			return;
	}
}

/* generic (...); port (...);  of an entity or component */
static void parse_header(parser *p)
{
	if (kind(p) == KW(GENERIC) && kind_at(p, 1) == RA_VT_LPAREN) {
		adv(p);
		parse_interface(p, RA_SYM_PARAM, NULL);
		expect_semi(p);
	}
	if (kind(p) == KW(PORT) && kind_at(p, 1) == RA_VT_LPAREN) {
		adv(p);
		parse_interface(p, RA_SYM_PORT, "in");
		expect_semi(p);
	}
}

/* signal/constant/variable/file names : subtype [:= value]; */
static void parse_object(parser *p, ra_sym_kind k, size_t start)
{
	size_t first, last, ta, tb, va = NONE, vb = NONE;

	adv(p);
	first = last = p->i;
	while (is_name(kind(p))) {
		last = p->i;
		adv(p);
		if (!accept(p, RA_VT_COMMA))
			break;
	}
	if (!is_name(p->t[first].kind) || !accept(p, RA_VT_COLON)) {
		expected(p, is_name(p->t[first].kind) ? "':'" : "a name");
		sync(p);
		return;
	}
	ta = scan(p, S_ASSIGN | (k == RA_SYM_FILE_OBJ ? S_OPEN : 0));
	tb = p->i;
	if (kind(p) == KW(REGISTER) || kind(p) == KW(BUS))
		adv(p);
	if (accept(p, RA_VT_ASSIGN)) {
		va = scan(p, 0);
		vb = p->i;
	} else if (k == RA_SYM_FILE_OBJ) {
		if (accept(p, KW(OPEN)))
			scan(p, 0);
		if (accept(p, KW(IS))) {
			va = scan(p, S_LOOSE);
			vb = p->i;
		}
	}
	const char *type = text(p, SLOT_TYPE, ta, tb, TEXT_CAP, true);
	const char *value = va != NONE ? text(p, SLOT_VALUE, va, vb, TEXT_CAP, true) : NULL;
	int32_t syms[64];
	size_t ns = 0;

	for (size_t j = first; j <= last; j++) {
		if (!is_name(p->t[j].kind))
			continue;
		int32_t s = add_sym(p, k, j, start, type, NULL, value);

		if (ns < 64)
			syms[ns++] = s;
	}
	expect_semi(p);
	for (size_t j = 0; j < ns; j++)
		finish(p, syms[j], start);
}

/* record element declarations up to `end record` */
static void parse_record(parser *p)
{
	for (;;) {
		size_t start = p->i, first, last;
		int k = kind(p);

		if (k == KW(END) || k == RA_VT_EOF || unit_start(p))
			return;
		cut_add(p, start);
		first = last = p->i;
		while (is_name(kind(p))) {
			last = p->i;
			adv(p);
			if (!accept(p, RA_VT_COMMA))
				break;
		}
		if (!is_name(p->t[first].kind) || !accept(p, RA_VT_COLON)) {
			expected(p, is_name(p->t[first].kind) ? "':'" : "a record element");
			sync(p);
			if (p->i == start)
				adv(p);
			continue;
		}
		size_t ta = scan(p, 0), tb = p->i;
		const char *type = text(p, SLOT_TYPE, ta, tb, TEXT_CAP, true);

		for (size_t j = first; j <= last; j++) {
			if (!is_name(p->t[j].kind))
				continue;
			int32_t s = add_sym(p, RA_SYM_STRUCT_MEMBER, j, j, type, NULL, NULL);

			finish(p, s, j);
		}
		expect_semi(p);
	}
}

/* units of a physical type: primary; secondary = value; ... end units */
static void parse_units(parser *p)
{
	for (;;) {
		size_t start = p->i;
		int k = kind(p);

		if (k == KW(END) || k == RA_VT_EOF || unit_start(p))
			break;
		if (!is_name(k)) {
			expected(p, "a unit name");
			sync(p);
			if (p->i == start)
				adv(p);
			continue;
		}
		adv(p);
		size_t va = NONE, vb = NONE;

		if (accept(p, RA_VT_EQ)) {
			va = scan(p, 0);
			vb = p->i;
		}
		int32_t s =
		        add_sym(p, RA_SYM_ENUM_MEMBER, start, start, NULL, NULL,
		                va != NONE ? text(p, SLOT_VALUE, va, vb, TEXT_CAP, true) : NULL);

		finish(p, s, start);
		expect_semi(p);
	}
	expect_end(p, KW(UNITS), 0, true);
}

static void parse_type(parser *p)
{
	size_t start = p->i, name;
	int32_t sym, saved = p->scope;

	adv(p);
	name = p->i;
	if (!is_name(kind(p))) {
		expected(p, "a type name");
		sync(p);
		return;
	}
	adv(p);
	if (kind(p) == RA_VT_SEMI) { /* incomplete type declaration */
		sym = add_sym(p, RA_SYM_TYPEDEF, name, start, NULL, NULL, NULL);
		adv(p);
		finish(p, sym, start);
		return;
	}
	if (!accept(p, KW(IS))) {
		expected(p, "'is'");
		sync(p);
		return;
	}
	size_t a = p->i;

	switch (kind(p)) {
	case RA_VT_LPAREN: /* enumeration */
		sym = add_sym(p, RA_SYM_TYPEDEF, name, start, NULL, NULL, NULL);
		p->scope = sym;
		adv(p);
		for (;;) {
			int k = kind(p);

			if (!is_name(k) && k != RA_VT_CHAR) {
				expected(p, "an enumeration literal");
				break;
			}
			int32_t e = add_sym(p, RA_SYM_ENUM_MEMBER, p->i, p->i, NULL, NULL, NULL);

			adv(p);
			finish(p, e, p->i - 1);
			if (!accept(p, RA_VT_COMMA))
				break;
		}
		if (!accept(p, RA_VT_RPAREN))
			expected(p, "')'");
		set_type(p, sym, a, p->i, TYPEDEF_CAP);
		expect_semi(p);
		break;
	case KW(RANGE): /* integer, floating or physical */
		scan(p, 0);
		sym = add_sym(p, RA_SYM_TYPEDEF, name, start, NULL, NULL, NULL);
		set_type(p, sym, a, p->i, TYPEDEF_CAP);
		if (accept(p, KW(UNITS))) {
			p->scope = sym;
			parse_units(p);
		} else {
			expect_semi(p);
		}
		break;
	case KW(RECORD):
		adv(p);
		sym = add_sym(p, RA_SYM_TYPEDEF, name, start, "record", NULL, NULL);
		p->scope = sym;
		parse_record(p);
		expect_end(p, KW(RECORD), 0, true);
		break;
	case KW(PROTECTED): {
		bool body;

		adv(p);
		body = accept(p, KW(BODY));
		sym = add_sym(p, RA_SYM_TYPEDEF, name, start, body ? "protected body" : "protected",
		              NULL, NULL);
		p->scope = sym;
		parse_decls(p);
		expect_end(p, KW(PROTECTED), body ? KW(BODY) : 0, true);
		break;
	}
	default: /* array, access, file */
		scan(p, S_LOOSE);
		sym = add_sym(p, RA_SYM_TYPEDEF, name, start, NULL, NULL, NULL);
		set_type(p, sym, a, p->i, TYPEDEF_CAP);
		expect_semi(p);
		break;
	}
	p->scope = saved;
	finish(p, sym, start);
}

/* subtype name is indication; */
static void parse_subtype(parser *p)
{
	size_t start = p->i, name;

	adv(p);
	name = p->i;
	if (!is_name(kind(p)) || kind_at(p, 1) != KW(IS)) {
		expected(p, is_name(kind(p)) ? "'is'" : "a subtype name");
		sync(p);
		return;
	}
	adv(p);
	adv(p);
	size_t a = scan(p, S_LOOSE);
	int32_t sym = add_sym(p, RA_SYM_TYPEDEF, name, start,
	                      text(p, SLOT_TYPE, a, p->i, TYPEDEF_CAP, true), NULL, NULL);

	expect_semi(p);
	finish(p, sym, start);
}

/* alias designator [: subtype] is name [signature]; */
static void parse_alias(parser *p)
{
	size_t start = p->i, name, ta = NONE, tb = NONE;
	int k;

	adv(p);
	name = p->i;
	k = kind(p);
	if (!is_name(k) && k != RA_VT_STR && k != RA_VT_CHAR) {
		expected(p, "an alias designator");
		sync(p);
		return;
	}
	adv(p);
	if (accept(p, RA_VT_COLON)) {
		ta = scan(p, 0);
		tb = p->i;
	}
	if (!accept(p, KW(IS))) {
		expected(p, "'is'");
		sync(p);
		return;
	}
	size_t va = scan(p, S_LOOSE);
	const char *type = ta != NONE ? text(p, SLOT_TYPE, ta, tb, TEXT_CAP, true) : NULL;
	int32_t sym = add_sym(p, RA_SYM_ALIAS, name, start, type, NULL,
	                      text(p, SLOT_VALUE, va, p->i, TEXT_CAP, true));

	expect_semi(p);
	finish(p, sym, start);
}

/* attribute name : type;  or the specification  attribute name of items : class is value; */
static void parse_attribute(parser *p)
{
	size_t start = p->i, name;

	adv(p);
	name = p->i;
	if (!is_name(kind(p)) && kind(p) < RA_VT_KW_FIRST) {
		expected(p, "an attribute name");
		sync(p);
		return;
	}
	adv(p);
	if (accept(p, RA_VT_COLON)) {
		size_t a = scan(p, 0);
		int32_t sym = add_sym(p, RA_SYM_ATTRIBUTE, name, start,
		                      text(p, SLOT_TYPE, a, p->i, TEXT_CAP, true), NULL, NULL);

		expect_semi(p);
		finish(p, sym, start);
	} else if (accept(p, KW(OF))) {
		if (is_name(p->t[name].kind))
			add_ref(p, name);
		scan(p, S_LOOSE);
		expect_semi(p);
	} else {
		expected(p, "':' or 'of'");
		sync(p);
	}
}

static void parse_component(parser *p)
{
	size_t start = p->i, name;
	int32_t sym, saved = p->scope;

	adv(p);
	name = p->i;
	if (!is_name(kind(p))) {
		expected(p, "a component name");
		sync(p);
		return;
	}
	adv(p);
	accept(p, KW(IS));
	sym = add_sym(p, RA_SYM_COMPONENT, name, start, NULL, NULL, NULL);
	p->scope = sym;
	parse_header(p);
	expect_end(p, KW(COMPONENT), 0, true);
	p->scope = saved;
	finish(p, sym, start);
}

/* function/procedure declaration, body or instantiation */
static void parse_subprogram(parser *p)
{
	size_t start = p->i, name;
	int32_t sym, saved = p->scope;
	bool fn;

	if (kind(p) == KW(PURE) || kind(p) == KW(IMPURE))
		adv(p);
	fn = kind(p) == KW(FUNCTION);
	if (!fn && kind(p) != KW(PROCEDURE)) {
		expected(p, "'function'");
		sync(p);
		return;
	}
	adv(p);
	name = p->i;
	if (!is_name(kind(p)) && kind(p) != RA_VT_STR) {
		expected(p, "a subprogram name");
		sync(p);
		return;
	}
	adv(p);
	sym = add_sym(p, fn ? RA_SYM_FUNCTION : RA_SYM_TASK, name, start, NULL, NULL, NULL);
	p->scope = sym;
	if (kind(p) == KW(IS) && kind_at(p, 1) == KW(NEW)) { /* subprogram instantiation */
		adv(p);
		adv(p);
		scan(p, S_LOOSE);
		expect_semi(p);
		goto out;
	}
	if (kind(p) == KW(GENERIC) && kind_at(p, 1) == RA_VT_LPAREN) {
		adv(p);
		parse_interface(p, RA_SYM_PARAM, NULL);
		if (kind(p) == KW(GENERIC) && kind_at(p, 1) == KW(MAP)) {
			adv(p);
			adv(p);
			scan(p, 0);
		}
	}
	if (tok_is(p, p->i, "parameter"))
		adv(p);
	if (kind(p) == RA_VT_LPAREN)
		parse_interface(p, RA_SYM_PORT, "in");
	if (fn) {
		if (accept(p, KW(RETURN))) {
			size_t a = scan(p, 0);

			if (a == p->i)
				expected(p, "a type mark");
			set_type(p, sym, a, p->i, TEXT_CAP);
		} else {
			expected(p, "'return'");
		}
	}
	if (accept(p, RA_VT_SEMI))
		goto out;
	if (!accept(p, KW(IS))) {
		expected(p, "'is' or ';'");
		sync(p);
		goto out;
	}
	parse_decls(p);
	if (!accept(p, KW(BEGIN)))
		expected(p, "'begin'");
	body_begin(p);
	parse_seq(p);
	body_end(p);
	expect_end(p, fn ? KW(FUNCTION) : KW(PROCEDURE), 0, false);
	p->last_body = sym;
out:
	p->scope = saved;
	finish(p, sym, start);
}

/* a statement, not a declaration, where declarations were expected: `begin` is missing */
static bool statement_start(const parser *p)
{
	int k = kind(p), k1 = kind_at(p, 1);

	if (is_name(k))
		return k1 == RA_VT_COLON || k1 == RA_VT_LE || k1 == RA_VT_ASSIGN;
	return k == KW(PROCESS) || k == KW(ASSERT) || k == KW(WITH) || k == KW(IF) ||
	       k == KW(CASE) || k == KW(WHILE) || k == KW(LOOP) || k == KW(WAIT) ||
	       k == KW(RETURN) || k == KW(POSTPONED);
}

static void parse_decl(parser *p)
{
	size_t start = p->i;

	switch (kind(p)) {
	case KW(SIGNAL):
		parse_object(p, RA_SYM_NET, start);
		break;
	case KW(CONSTANT):
		parse_object(p, RA_SYM_LOCALPARAM, start);
		break;
	case KW(VARIABLE):
		parse_object(p, RA_SYM_VAR, start);
		break;
	case KW(SHARED):
		adv(p);
		if (kind(p) != KW(VARIABLE)) {
			expected(p, "'variable'");
			sync(p);
			break;
		}
		parse_object(p, RA_SYM_VAR, start);
		break;
	case KW(FILE):
		parse_object(p, RA_SYM_FILE_OBJ, start);
		break;
	case KW(TYPE):
		parse_type(p);
		break;
	case KW(SUBTYPE):
		parse_subtype(p);
		break;
	case KW(ALIAS):
		parse_alias(p);
		break;
	case KW(ATTRIBUTE):
		parse_attribute(p);
		break;
	case KW(COMPONENT):
		parse_component(p);
		break;
	case KW(FUNCTION):
	case KW(PROCEDURE):
	case KW(PURE):
	case KW(IMPURE):
		parse_subprogram(p);
		break;
	case KW(USE):
		parse_use(p, false);
		break;
	case KW(PACKAGE):
		parse_package(p);
		break;
	case KW(FOR): /* configuration specification */
	case KW(DISCONNECT):
	case KW(GROUP):
		scan(p, S_LOOSE);
		expect_semi(p);
		break;
	default:
		/* PSL declarations in a declarative part */
		if (kind(p) == RA_VT_ID &&
		    (tok_is(p, p->i, "default") || tok_is(p, p->i, "property") ||
		     tok_is(p, p->i, "sequence"))) {
			sync(p);
			break;
		}
		expected(p, "a declaration");
		sync(p);
		break;
	}
}

/* a declarative part: up to `begin`, `end`, a statement or a new unit */
static void parse_decls(parser *p)
{
	for (;;) {
		size_t start = p->i;
		int k = kind(p);

		if (k == RA_VT_EOF || k == KW(BEGIN) || k == KW(END) || statement_start(p))
			return;
		/* a package inside a declarative part is an instantiation (VHDL-2008); any
		   other `package x is` starts the next design unit */
		if (unit_start(p) && !(k == KW(PACKAGE) && kind_at(p, 3) == KW(NEW)))
			return;
		long item = p->ck_decls && p->depth == 0
		                    ? item_add(p, RA_VCK_DECLARATIONS, p->scope, start, 0)
		                    : -1;

		if (!enter(p))
			return;
		cut_add(p, start);
		p->last_body = -1;
		parse_decl(p);
		leave(p);
		if (p->i == start)
			adv(p);
		if (item >= 0 && !p->rc) {
			ra_vhdl_item *it = &p->ck.items[item];

			it->b = (uint32_t)(p->i - 1);
			if (p->last_body >= 0) {
				it->kind = RA_VCK_SUBPROGRAM;
				it->sym = p->last_body;
			}
		}
		p->last_body = -1;
	}
}

/* ---- concurrent statements ---------------------------------------------------------------- */

/* ( [formal =>] actual, ... ) of a generic map or port map, as connections of `inst` */
static void parse_assoc(parser *p, int32_t inst, bool is_param)
{
	int32_t pos = 0;

	if (!accept(p, RA_VT_LPAREN)) {
		expected(p, "'('");
		return;
	}
	for (;;) {
		size_t a = p->i, fb = NONE, j;
		int depth = 0;

		cut_add(p, a);
		/* a formal part ends at `=>` on this level; look no further than the element */
		for (j = p->i;; j++) {
			int k = p->t[j].kind;

			if (k == RA_VT_EOF || k == RA_VT_SEMI || (!depth && k == RA_VT_COMMA))
				break;
			if (k == RA_VT_LPAREN)
				depth++;
			else if (k == RA_VT_RPAREN && !depth--)
				break;
			if (!depth && k == RA_VT_ARROW) {
				fb = j;
				break;
			}
			if (k >= RA_VT_KW_FIRST && !kw_expr[k - RA_VT_KW_FIRST])
				break;
		}
		if (fb != NONE)
			p->i = fb + 1;
		size_t va = scan(p, S_COMMA), vb = p->i;

		if (va == vb) {
			expected(p, "an actual");
			return;
		}
		ra_conn c = {.inst = inst, .position = pos++, .is_param = is_param};

		c.span = range_span(p, a, vb - 1);
		c.formal = fb != NONE ? text(p, SLOT_TYPE, a, fb, TEXT_CAP, true) : NULL;
		if (fb != NONE && fb > a)
			c.formal_span = range_span(p, a, fb - 1);
		c.actual = vb == va + 1 && p->t[va].kind == KW(OPEN)
		                   ? NULL
		                   : text(p, SLOT_VALUE, va, vb, TEXT_CAP, true);
		if (inst >= 0 && !p->rc && ra_model_add_conn(p->m, &c) < 0)
			fail(p, RA_ENOMEM);
		if (accept(p, RA_VT_COMMA))
			continue;
		if (accept(p, RA_VT_RPAREN))
			return;
		expected(p, "',' or ')'");
		return;
	}
}

/* label : [component] name | entity lib.name[(arch)] | configuration lib.name, then the maps */
static void parse_instance(parser *p, size_t start, size_t label)
{
	const char *dir = "component";
	size_t a, unit;
	int32_t inst;

	if (accept(p, KW(ENTITY)))
		dir = "entity";
	else if (accept(p, KW(CONFIGURATION)))
		dir = "configuration";
	else
		accept(p, KW(COMPONENT));
	if (!is_name(kind(p))) {
		expected(p, "a unit name");
		sync(p);
		return;
	}
	a = unit = p->i;
	adv(p);
	while (kind(p) == RA_VT_DOT && is_name(kind_at(p, 1))) {
		adv(p);
		unit = p->i;
		adv(p);
	}
	if (dir[0] == 'e' && kind(p) == RA_VT_LPAREN && is_name(kind_at(p, 1)) &&
	    kind_at(p, 2) == RA_VT_RPAREN) {
		adv(p);
		adv(p);
		adv(p);
	}
	add_ref(p, unit);
	inst = add_sym(p, RA_SYM_INSTANCE, label, start, tok_text(p, SLOT_TYPE, unit), dir,
	               text(p, SLOT_VALUE, a, p->i, TEXT_CAP, false));
	if (kind(p) == KW(GENERIC) && kind_at(p, 1) == KW(MAP)) {
		adv(p);
		adv(p);
		parse_assoc(p, inst, true);
	}
	if (kind(p) == KW(PORT) && kind_at(p, 1) == KW(MAP)) {
		adv(p);
		adv(p);
		parse_assoc(p, inst, false);
	}
	expect_semi(p);
	finish(p, inst, start);
}

/* `label : name` followed by a map or `;` is a component instantiation, not a call */
static bool instance_shape(const parser *p)
{
	size_t j = p->i + 1;

	while (j + 1 < p->n && p->t[j].kind == RA_VT_DOT && is_name(p->t[j + 1].kind))
		j += 2;
	if (j >= p->n)
		return false;
	return p->t[j].kind == KW(GENERIC) || p->t[j].kind == KW(PORT) ||
	       p->t[j].kind == RA_VT_SEMI;
}

/*
 * A name as the target of an assignment or a called procedure: prefix, then selections,
 * attributes and parenthesised parts; or an aggregate or external name. False when absent.
 */
static bool scan_name(parser *p)
{
	int k = kind(p);

	if (k == RA_VT_LPAREN || k == RA_VT_DLT) {
		scan(p, S_GROUP);
	} else if (is_name(k)) {
		add_ref(p, p->i);
		adv(p);
	} else {
		return false;
	}
	for (;;) {
		k = kind(p);
		if (k == RA_VT_DOT || k == RA_VT_TICK) {
			adv(p);
			k = kind(p);
			if (is_name(k) || k >= RA_VT_KW_FIRST || k == RA_VT_STR || k == RA_VT_CHAR)
				adv(p);
		} else if (k == RA_VT_LPAREN) {
			scan(p, S_GROUP);
		} else {
			return true;
		}
	}
}

/*
 * The right-hand side of a signal or variable assignment: [delay mechanism] waveform, with
 * `when cond else` alternatives, or (selected) `when choices,` alternatives. Values are data
 * sources (not the delays after `after`), conditions control sources, choices neither.
 */
static void parse_waveforms(parser *p, bool selected)
{
	accept(p, KW(GUARDED));
	if (accept(p, KW(FORCE)) || accept(p, KW(RELEASE))) {
		if (!accept(p, KW(IN)))
			accept(p, KW(OUT));
	}
	if (!accept(p, KW(TRANSPORT))) {
		if (accept(p, KW(REJECT)))
			scan(p, S_COND);
		accept(p, KW(INERTIAL));
	}
	for (;;) {
		p->cmode = C_DATA;
		scan(p, S_COND);
		p->cmode = C_NONE;
		if (!accept(p, KW(WHEN)))
			return;
		if (selected) {
			scan(p, S_COND | S_COMMA);
			if (!accept(p, RA_VT_COMMA))
				return;
		} else {
			p->cmode = C_SCTL;
			scan(p, S_COND);
			p->cmode = C_NONE;
			if (!accept(p, KW(ELSE)))
				return;
		}
	}
}

/* how an assignment with the operator at hand writes its target */
static int assign_how(const parser *p)
{
	if (kind(p) == RA_VT_ASSIGN)
		return RA_ASSIGN_BLOCKING;
	return p->in_body ? RA_ASSIGN_NONBLOCKING : RA_ASSIGN_CONTINUOUS;
}

/* mode of parameter `pos` (or the one named by token `formal`) of procedure symbol `proc` */
static const char *param_dir(const parser *p, int32_t proc, size_t formal, size_t pos)
{
	const ra_model *m = p->m;
	size_t k = 0;

	for (size_t j = (size_t)proc + 1; j < m->nsyms && m->syms[j].parent == proc; j++) {
		const ra_sym *s = &m->syms[j];

		if (s->kind != RA_SYM_PORT)
			break;
		if (formal != NONE
		            ? strlen(s->name) == p->t[formal].len &&
		                      fold_eq(s->name, p->src + p->t[formal].off, p->t[formal].len)
		            : k == pos)
			return s->dir;
		k++;
	}
	return NULL;
}

/*
 * A procedure call over tokens [a, b): conservative RA_ASSIGN_CALL edges. For a procedure the
 * file declares, the actuals of out/inout/buffer parameters are targets and those of in/inout
 * parameters sources; for any other procedure each actual that is a name is a target and every
 * actual a source (no edge from a name to itself).
 */
static void call_flows(parser *p, size_t a, size_t b)
{
	size_t callee = a, j = a + 1, tg[MAX_TGT], ntg = 0, pos = 0;
	int32_t proc = -1;
	const nent *e;

	p->nsrcs = 0;
	if (!is_name(p->t[a].kind))
		return;
	while (j + 1 < b && p->t[j].kind == RA_VT_DOT && is_name(p->t[j + 1].kind)) {
		callee = j + 1;
		j += 2;
	}
	if (j >= b || p->t[j].kind != RA_VT_LPAREN)
		return;
	e = nset_find(&p->procs, p->src + p->t[callee].off, p->t[callee].len, tok_hash(p, callee));
	if (e)
		proc = e->val;
	for (j++; j < b; pos++) {
		size_t ea = j, fa = NONE, aa;
		int depth = 0;
		bool out = true, in = true;

		for (; j < b; j++) {
			int k = p->t[j].kind;

			if (k == RA_VT_LPAREN) {
				depth++;
			} else if (k == RA_VT_RPAREN) {
				if (!depth)
					break;
				depth--;
			} else if (!depth && k == RA_VT_COMMA) {
				break;
			} else if (!depth && k == RA_VT_ARROW && fa == NONE) {
				fa = j;
			}
		}
		aa = fa != NONE ? fa + 1 : ea;
		if (proc >= 0) {
			const char *dir = param_dir(p, proc, fa != NONE ? ea : NONE, pos);

			out = dir && (strcmp(dir, "out") == 0 || strcmp(dir, "inout") == 0 ||
			              strcmp(dir, "buffer") == 0);
			in = !out || strcmp(dir, "inout") == 0;
		}
		if (out && aa < j && is_name(p->t[aa].kind) &&
		    (aa + 1 == j || p->t[aa + 1].kind == RA_VT_LPAREN ||
		     p->t[aa + 1].kind == RA_VT_DOT) &&
		    ntg < MAX_TGT)
			tg[ntg++] = aa;
		if (in)
			collect_range(p, aa, j);
		if (j < b && p->t[j].kind == RA_VT_COMMA)
			j++;
		else
			break;
	}
	emit_flows(p, tg, ntg, RA_ASSIGN_CALL, range_span(p, a, b - 1), proc < 0);
}

/* target <= ... ;  target := ... ;  or a procedure call */
static void parse_assign_or_call(parser *p)
{
	size_t start = p->i, tend, tg[MAX_TGT], ntg;
	int how;

	p->nsrcs = 0;
	p->cmode = C_SCTL; /* the indexes of a target select what is written */
	scan_name(p);
	p->cmode = C_NONE;
	tend = p->i;
	if (kind(p) == RA_VT_LE || kind(p) == RA_VT_ASSIGN) {
		how = assign_how(p);
		adv(p);
		if (p->t[start].kind != RA_VT_ID && p->t[start].kind != RA_VT_EXTID)
			p->nsrcs = 0;
		parse_waveforms(p, false);
		ntg = targets(p, start, tend, tg);
		emit_flows(p, tg, ntg, how, range_span(p, start, p->i - 1), false);
	} else if (kind(p) == RA_VT_SEMI) {
		call_flows(p, start, tend);
	} else {
		expected(p, "'<=', ':=' or ';'");
	}
	p->nsrcs = 0;
	expect_semi(p);
}

/* with selector select [?] target <= waveform when choices, ... ; */
static void parse_selected(parser *p)
{
	size_t start = p->i, ta, tb, tg[MAX_TGT], ntg;
	int how;

	adv(p);
	p->nsrcs = 0;
	p->cmode = C_SCTL;
	scan(p, S_COND);
	p->cmode = C_NONE;
	if (!accept(p, KW(SELECT))) {
		expected(p, "'select'");
		goto fail;
	}
	accept(p, RA_VT_QUES);
	ta = p->i;
	p->cmode = C_SCTL;
	scan_name(p);
	p->cmode = C_NONE;
	tb = p->i;
	if (kind(p) != RA_VT_LE && kind(p) != RA_VT_ASSIGN) {
		expected(p, "'<='");
		goto fail;
	}
	how = assign_how(p);
	adv(p);
	parse_waveforms(p, true);
	ntg = targets(p, ta, tb, tg);
	emit_flows(p, tg, ntg, how, range_span(p, start, p->i - 1), false);
	expect_semi(p);
	return;
fail:
	p->nsrcs = 0;
	sync(p);
}

static void parse_process(parser *p, size_t start, size_t label)
{
	int32_t sym, saved = p->scope;

	accept(p, KW(POSTPONED));
	adv(p); /* process */
	sym = add_sym(p, RA_SYM_PROCESS, label, label != NONE ? label : start, NULL, NULL, NULL);
	p->scope = sym;
	if (accept(p, RA_VT_LPAREN)) {
		if (!accept(p, KW(ALL)))
			scan(p, 0);
		if (!accept(p, RA_VT_RPAREN))
			expected(p, "')'");
	}
	accept(p, KW(IS));
	parse_decls(p);
	if (!accept(p, KW(BEGIN)))
		expected(p, "'begin'");
	body_begin(p);
	parse_seq(p);
	body_end(p);
	expect_end(p, KW(PROCESS), 0, true);
	p->scope = saved;
	finish(p, sym, start);
}

static bool decl_start(int k)
{
	switch (k) {
	case KW(SIGNAL):
	case KW(CONSTANT):
	case KW(VARIABLE):
	case KW(SHARED):
	case KW(FILE):
	case KW(TYPE):
	case KW(SUBTYPE):
	case KW(ALIAS):
	case KW(ATTRIBUTE):
	case KW(COMPONENT):
	case KW(FUNCTION):
	case KW(PROCEDURE):
	case KW(PURE):
	case KW(IMPURE):
	case KW(USE):
	case KW(DISCONNECT):
	case KW(GROUP):
		return true;
	default:
		return false;
	}
}

/* the body of one generate alternative: [declarations begin] statements [end [label];] */
static void parse_generate_body(parser *p)
{
	if (decl_start(kind(p)) || kind(p) == KW(BEGIN)) {
		parse_decls(p);
		if (!accept(p, KW(BEGIN)))
			expected(p, "'begin'");
	}
	parse_concurrent(p, true);
	/* `end;` or `end alt_label;` closes one alternative (VHDL-2008); any other `end` is the
	   generate's or an enclosing construct's */
	if (kind(p) == KW(END) && (kind_at(p, 1) == RA_VT_SEMI ||
	                           (is_name(kind_at(p, 1)) && kind_at(p, 2) == RA_VT_SEMI))) {
		adv(p);
		if (is_name(kind(p)))
			adv(p);
		expect_semi(p);
	}
}

/* alternative label of a VHDL-2008 generate branch: `alt :` */
static void skip_alt_label(parser *p)
{
	if (is_name(kind(p)) && kind_at(p, 1) == RA_VT_COLON) {
		adv(p);
		adv(p);
	}
}

static void parse_generate(parser *p, size_t start, size_t label)
{
	int k = kind(p);
	int32_t sym, saved = p->scope;
	size_t nlparams = p->nlparams;

	adv(p);
	sym = add_sym(p, RA_SYM_GENERATE, label, label != NONE ? label : start,
	              k == KW(FOR)  ? "for"
	              : k == KW(IF) ? "if"
	                            : "case",
	              NULL, NULL);
	p->scope = sym;
	if (k == KW(FOR)) {
		if (is_name(kind(p))) {
			if (p->nlparams < MAX_LPARAM)
				p->lparams[p->nlparams++] = (uint32_t)p->i;
			adv(p);
		} else {
			expected(p, "a generate parameter");
		}
		if (!accept(p, KW(IN)))
			expected(p, "'in'");
		scan(p, 0);
		if (!accept(p, KW(GENERATE))) {
			expected(p, "'generate'");
			sync(p);
			goto out;
		}
		parse_generate_body(p);
	} else if (k == KW(IF)) {
		for (;;) {
			skip_alt_label(p);
			scan(p, 0);
			if (!accept(p, KW(GENERATE))) {
				expected(p, "'generate'");
				sync(p);
				goto out;
			}
			parse_generate_body(p);
			if (accept(p, KW(ELSIF)))
				continue;
			if (accept(p, KW(ELSE))) {
				skip_alt_label(p);
				if (!accept(p, KW(GENERATE)))
					expected(p, "'generate'");
				parse_generate_body(p);
			}
			break;
		}
	} else {
		scan(p, 0);
		if (!accept(p, KW(GENERATE))) {
			expected(p, "'generate'");
			sync(p);
			goto out;
		}
		while (accept(p, KW(WHEN))) {
			skip_alt_label(p);
			scan(p, S_ARROW);
			if (!accept(p, RA_VT_ARROW))
				expected(p, "'=>'");
			parse_generate_body(p);
		}
	}
	expect_end(p, KW(GENERATE), 0, true);
out:
	p->nlparams = nlparams;
	p->scope = saved;
	finish(p, sym, start);
}

static void parse_block(parser *p, size_t start, size_t label)
{
	int32_t sym, saved = p->scope;

	adv(p);
	sym = add_sym(p, RA_SYM_BLOCK, label, label != NONE ? label : start, NULL, NULL, NULL);
	p->scope = sym;
	if (kind(p) == RA_VT_LPAREN) /* guard condition */
		scan(p, 0);
	accept(p, KW(IS));
	if (kind(p) == KW(GENERIC) && kind_at(p, 1) == RA_VT_LPAREN) {
		adv(p);
		parse_interface(p, RA_SYM_PARAM, NULL);
		expect_semi(p);
	}
	if (kind(p) == KW(GENERIC) && kind_at(p, 1) == KW(MAP)) {
		adv(p);
		adv(p);
		scan(p, 0);
		expect_semi(p);
	}
	if (kind(p) == KW(PORT) && kind_at(p, 1) == RA_VT_LPAREN) {
		adv(p);
		parse_interface(p, RA_SYM_PORT, "in");
		expect_semi(p);
	}
	if (kind(p) == KW(PORT) && kind_at(p, 1) == KW(MAP)) {
		adv(p);
		adv(p);
		scan(p, 0);
		expect_semi(p);
	}
	parse_decls(p);
	if (!accept(p, KW(BEGIN)))
		expected(p, "'begin'");
	parse_concurrent(p, false);
	expect_end(p, KW(BLOCK), 0, true);
	p->scope = saved;
	finish(p, sym, start);
}

/* one concurrent statement; returns its chunk kind (RA_VCK_*) */
static int parse_cstmt(parser *p)
{
	size_t start = p->i, label = NONE;
	int ck = RA_VCK_OTHER;

	if (is_name(kind(p)) && kind_at(p, 1) == RA_VT_COLON) {
		label = p->i;
		adv(p);
		adv(p);
	}
	if (kind(p) == KW(POSTPONED) && kind_at(p, 1) != KW(PROCESS))
		adv(p);
	switch (kind(p)) {
	case KW(PROCESS):
	case KW(POSTPONED):
		parse_process(p, start, label);
		ck = RA_VCK_PROCESS;
		break;
	case KW(BLOCK):
		parse_block(p, start, label);
		break;
	case KW(FOR):
	case KW(IF):
	case KW(CASE):
		parse_generate(p, start, label);
		ck = RA_VCK_GENERATE;
		break;
	case KW(COMPONENT):
	case KW(ENTITY):
	case KW(CONFIGURATION):
		parse_instance(p, start, label);
		ck = RA_VCK_INSTANCE;
		break;
	case KW(ASSERT):
		adv(p);
		scan(p, 0);
		expect_semi(p);
		break;
	case KW(WITH):
		parse_selected(p);
		ck = RA_VCK_ASSIGNS;
		break;
	case RA_VT_ID:
	case RA_VT_EXTID:
		if (label != NONE && instance_shape(p)) {
			parse_instance(p, start, label);
			ck = RA_VCK_INSTANCE;
			break;
		}
		/* fall through */
	case RA_VT_LPAREN:
	case RA_VT_DLT:
		ck = RA_VCK_ASSIGNS;
		parse_assign_or_call(p);
		break;
	default:
		expected(p, "a concurrent statement");
		sync(p);
		break;
	}
	return ck;
}

/* statements of an architecture, block or generate body, up to `end` (or the next generate
   alternative when in_generate) */
static void parse_concurrent(parser *p, bool in_generate)
{
	for (;;) {
		size_t start = p->i;
		int k = kind(p);

		if (k == RA_VT_EOF || k == KW(END) || unit_start(p))
			return;
		if (in_generate && (k == KW(ELSIF) || k == KW(ELSE) || k == KW(WHEN)))
			return;
		if (!enter(p))
			return;
		long item =
		        p->ck_stmts ? item_add(p, RA_VCK_OTHER, p->scope, start, p->depth - 1) : -1;
		size_t s0 = p->m->nsyms;
		int ck;

		cut_add(p, start);
		ck = parse_cstmt(p);
		leave(p);
		if (p->i == start)
			adv(p);
		if (item >= 0 && !p->rc) {
			ra_vhdl_item *it = &p->ck.items[item];
			bool own = p->m->nsyms > s0 && p->m->syms[s0].parent == it->scope;

			it->kind = (uint8_t)ck;
			it->b = (uint32_t)(p->i - 1);
			it->container = own && (p->m->syms[s0].kind == RA_SYM_GENERATE ||
			                        p->m->syms[s0].kind == RA_SYM_BLOCK);
			if (own && ck != RA_VCK_ASSIGNS)
				it->sym = (int32_t)s0;
		}
	}
}

/* ---- sequential statements ---------------------------------------------------------------- */

/* if c1 then ... elsif c2 then ... else ... end if; with guards, clocks and resets */
static void parse_if(parser *p)
{
	size_t mark = p->nctls, f0 = p->m->nflows, a1, b1, c1_end;
	int clk0 = p->cur_clk;
	bool clocked, first = true;

	adv(p);
	a1 = p->i;
	clocked = guard(p);
	b1 = p->i;
	c1_end = p->nctls;
	if (!accept(p, KW(THEN)))
		expected(p, "'then'");
	parse_seq(p);
	p->cur_clk = clk0;
	for (;;) {
		cut_add(p, p->i);
		if (!accept(p, KW(ELSIF)))
			break;
		size_t from = p->nctls;
		bool c = guard(p);

		/* `if rst then ... elsif rising_edge(clk)`: rst is an asynchronous reset */
		if (c && first && !clocked && clk0 < 0 && c1_end > mark && from == c1_end)
			set_reset(p, mark, c1_end, a1, b1 > a1 ? b1 - 1 : a1, f0);
		first = false;
		if (!accept(p, KW(THEN)))
			expected(p, "'then'");
		parse_seq(p);
		p->cur_clk = clk0;
	}
	if (accept(p, KW(ELSE)))
		parse_seq(p);
	p->cur_clk = clk0;
	expect_end(p, KW(IF), 0, true);
}

static void parse_sstmt(parser *p)
{
	size_t mark = p->nctls, nlparams = p->nlparams;

	if (is_name(kind(p)) && kind_at(p, 1) == RA_VT_COLON) {
		adv(p);
		adv(p);
	}
	switch (kind(p)) {
	case KW(IF):
		parse_if(p);
		break;
	case KW(CASE):
		adv(p);
		accept(p, RA_VT_QUES);
		p->cmode = C_CTL;
		scan(p, 0);
		p->cmode = C_NONE;
		if (!accept(p, KW(IS)))
			expected(p, "'is'");
		for (;;) {
			cut_add(p, p->i);
			if (!accept(p, KW(WHEN)))
				break;
			scan(p, S_ARROW);
			if (!accept(p, RA_VT_ARROW))
				expected(p, "'=>'");
			parse_seq(p);
		}
		expect_end(p, KW(CASE), 0, true);
		break;
	case KW(FOR):
		adv(p);
		if (is_name(kind(p))) {
			if (p->nlparams < MAX_LPARAM)
				p->lparams[p->nlparams++] = (uint32_t)p->i;
			adv(p);
		} else {
			expected(p, "a loop parameter");
		}
		if (!accept(p, KW(IN)))
			expected(p, "'in'");
		scan(p, 0);
		goto loop;
	case KW(WHILE):
		adv(p);
		p->cmode = C_CTL;
		scan(p, 0);
		p->cmode = C_NONE;
		/* fall through */
	case KW(LOOP):
	loop:
		if (!accept(p, KW(LOOP))) {
			expected(p, "'loop'");
			sync(p);
			break;
		}
		parse_seq(p);
		expect_end(p, KW(LOOP), 0, true);
		break;
	case KW(WAIT): {
		size_t a, clk;

		adv(p);
		a = p->i;
		scan(p, S_FOR);
		/* wait until rising_edge(clk): the rest of the body is clocked */
		if (p->in_body && p->cur_clk < 0 && (clk = clock_of(p, a, p->i)) != NONE)
			set_clock(p, clk, a, p->i - 1);
		expect_semi(p);
		break;
	}
	case KW(WITH):
		parse_selected(p);
		break;
	case KW(NEXT):
	case KW(EXIT):
	case KW(RETURN):
	case KW(NULL_):
	case KW(ASSERT):
	case KW(REPORT):
		adv(p);
		scan(p, 0);
		expect_semi(p);
		break;
	case RA_VT_ID:
	case RA_VT_EXTID:
	case RA_VT_LPAREN:
	case RA_VT_DLT:
		parse_assign_or_call(p);
		break;
	default:
		expected(p, "a sequential statement");
		sync(p);
		break;
	}
	p->nctls = mark;
	p->nlparams = nlparams;
}

/* statements of a process or subprogram body or a branch, up to its end or next branch */
static void parse_seq(parser *p)
{
	for (;;) {
		size_t start = p->i;
		int k = kind(p);

		if (k == RA_VT_EOF || k == KW(END) || k == KW(ELSIF) || k == KW(ELSE) ||
		    k == KW(WHEN) || unit_start(p))
			return;
		if (!enter(p))
			return;
		cut_add(p, start);
		parse_sstmt(p);
		leave(p);
		if (p->i == start)
			adv(p);
	}
}

/* ---- design units ------------------------------------------------------------------------- */

static void parse_entity(parser *p)
{
	size_t start = p->i, name = p->i + 1;
	int32_t sym;

	adv(p);
	adv(p);
	adv(p); /* entity name is: checked by unit_start() */
	sym = add_sym(p, RA_SYM_ENTITY, name, start, NULL, NULL, NULL);
	p->scope = sym;
	item_add(p, RA_VCK_SIGNATURE, sym, start, 0);
	parse_header(p);
	parse_decls(p);
	if (accept(p, KW(BEGIN)))
		parse_concurrent(p, false);
	expect_end(p, KW(ENTITY), 0, false);
	finish(p, sym, start);
	p->scope = -1;
}

/* architecture name of entity is ...  /  configuration name of entity is ... */
static int32_t parse_unit_of(parser *p, ra_sym_kind k, size_t start)
{
	size_t name = p->i + 1, ent = p->i + 3;
	int32_t sym;

	adv(p);
	adv(p);
	adv(p); /* `architecture name of`: checked by unit_start() */
	if (!is_name(kind(p))) {
		expected(p, "an entity name");
		return add_sym(p, k, name, start, NULL, NULL, NULL);
	}
	adv(p);
	sym = add_sym(p, k, name, start, tok_text(p, SLOT_TYPE, ent), NULL, NULL);
	p->scope = sym;
	add_ref(p, ent);
	if (!accept(p, KW(IS)))
		expected(p, "'is'");
	return sym;
}

static void parse_architecture(parser *p)
{
	size_t start = p->i, mark;
	int32_t sym = parse_unit_of(p, RA_SYM_ARCHITECTURE, start);

	p->scope = sym;
	item_add(p, RA_VCK_SIGNATURE, sym, start, 0);
	mark = p->ck.nitems;
	p->ck_decls = true;
	parse_decls(p);
	p->ck_decls = false;
	if (!accept(p, KW(BEGIN)))
		expected(p, "'begin'");
	/* a short declarative part stays in the signature */
	if (p->i > 0 &&
	    ra_vhdl__chunk_fits(&p->ck, p->unit_start, p->t[p->i - 1].off + p->t[p->i - 1].len))
		p->ck.nitems = mark < p->ck.nitems ? mark : p->ck.nitems;
	p->ck_stmts = true;
	parse_concurrent(p, false);
	p->ck_stmts = false;
	expect_end(p, KW(ARCHITECTURE), 0, false);
	finish(p, sym, start);
	p->scope = -1;
}

/* block configuration: for ... end for; nested, with use clauses and bindings inside */
static void parse_block_config(parser *p)
{
	int depth = 0, parens = 0;

	for (;;) {
		int k = kind(p);

		if (k == RA_VT_EOF || unit_start(p)) {
			expected(p, "'end for'");
			return;
		}
		if (k == KW(END)) {
			if (kind_at(p, 1) != KW(FOR)) {
				expected(p, "'end for'");
				return;
			}
			adv(p);
			adv(p);
			expect_semi(p);
			if (--depth <= 0)
				return;
			continue;
		}
		if (k == KW(FOR))
			depth++;
		else if (k == RA_VT_LPAREN)
			parens++;
		else if (k == RA_VT_RPAREN && parens > 0)
			parens--;
		else if (is_name(k) && !(parens && kind_at(p, 1) == RA_VT_ARROW))
			add_ref(p, p->i);
		adv(p);
	}
}

static void parse_configuration(parser *p)
{
	size_t start = p->i;
	int32_t sym = parse_unit_of(p, RA_SYM_CONFIGURATION, start);

	p->scope = sym;
	item_add(p, RA_VCK_SIGNATURE, sym, start, 0);
	for (;;) {
		size_t at = p->i;
		int k = kind(p);

		if (k == KW(END) || k == RA_VT_EOF || unit_start(p))
			break;
		if (k == KW(USE))
			parse_use(p, false);
		else if (k == KW(ATTRIBUTE))
			parse_attribute(p);
		else if (k == KW(FOR))
			parse_block_config(p);
		else if (k == KW(GROUP))
			sync(p);
		else {
			expected(p, "'for'");
			sync(p);
		}
		if (p->i == at)
			adv(p);
	}
	expect_end(p, KW(CONFIGURATION), 0, false);
	finish(p, sym, start);
	p->scope = -1;
}

/* package declaration, package body, or package instantiation (also nested, VHDL-2008) */
static void parse_package(parser *p)
{
	size_t start = p->i, name;
	int32_t sym, saved = p->scope;
	bool body;

	adv(p);
	body = accept(p, KW(BODY));
	name = p->i;
	if (!is_name(kind(p))) {
		expected(p, "a package name");
		sync(p);
		return;
	}
	adv(p);
	if (!accept(p, KW(IS))) {
		expected(p, "'is'");
		sync(p);
		return;
	}
	if (!body && accept(p, KW(NEW))) {
		size_t a = p->i, unit = p->i;

		while (is_name(kind(p))) {
			unit = p->i;
			adv(p);
			if (kind(p) != RA_VT_DOT || !is_name(kind_at(p, 1)))
				break;
			adv(p);
		}
		if (a == p->i)
			expected(p, "a package name");
		else
			add_ref(p, unit);
		sym = add_sym(p, RA_SYM_PACKAGE, name, start, NULL, NULL,
		              text(p, SLOT_VALUE, a, p->i, TEXT_CAP, false));
		if (saved < 0)
			item_add(p, RA_VCK_SIGNATURE, sym, start, 0);
		p->scope = sym;
		if (kind(p) == KW(GENERIC) && kind_at(p, 1) == KW(MAP)) {
			adv(p);
			adv(p);
			scan(p, 0);
		}
		expect_semi(p);
		p->scope = saved;
		finish(p, sym, start);
		return;
	}
	sym = add_sym(p, body ? RA_SYM_PACKAGE_BODY : RA_SYM_PACKAGE, name, start, NULL, NULL,
	              NULL);
	if (saved < 0)
		item_add(p, RA_VCK_SIGNATURE, sym, start, 0);
	p->scope = sym;
	if (!body && kind(p) == KW(GENERIC) && kind_at(p, 1) == RA_VT_LPAREN) {
		adv(p);
		parse_interface(p, RA_SYM_PARAM, NULL);
		expect_semi(p);
		if (kind(p) == KW(GENERIC) && kind_at(p, 1) == KW(MAP)) {
			adv(p);
			adv(p);
			scan(p, 0);
			expect_semi(p);
		}
	}
	p->ck_decls = saved < 0;
	parse_decls(p);
	p->ck_decls = false;
	expect_end(p, KW(PACKAGE), body ? KW(BODY) : 0, false);
	p->scope = saved;
	finish(p, sym, start);
}

/* context name is library/use/context clauses end [context] [name]; */
static void parse_context_decl(parser *p)
{
	size_t start = p->i, name = p->i + 1;
	int32_t sym;

	adv(p);
	adv(p);
	adv(p); /* context name is: checked by unit_start() */
	sym = add_sym(p, RA_SYM_CONTEXT, name, start, NULL, NULL, NULL);
	p->scope = sym;
	item_add(p, RA_VCK_SIGNATURE, sym, start, 0);
	for (;;) {
		int k = kind(p);

		if (k == KW(LIBRARY))
			parse_library(p);
		else if (k == KW(USE))
			parse_use(p, false);
		else if (k == KW(CONTEXT) && !unit_start(p))
			parse_use(p, true);
		else
			break;
	}
	expect_end(p, KW(CONTEXT), 0, false);
	finish(p, sym, start);
	p->scope = -1;
}

/* byte offset where the unit that ended at the token before p->i ends: the end of that line
   when nothing else follows on it */
static size_t unit_end(const parser *p)
{
	const ra_vhdl_tok *last = &p->t[p->i - 1];
	size_t e = last->off + last->len, len = p->ck.len;

	if (kind(p) == RA_VT_EOF || p->t[p->i].line > last->line) {
		const char *nl = memchr(p->ck.src + e, '\n', len - e);

		e = nl ? (size_t)(nl - p->ck.src) : len;
	}
	return e;
}

static void parse_file(parser *p)
{
	size_t region = 0; /* where the next unit's text begins */

	while (kind(p) != RA_VT_EOF) {
		size_t start = p->i;
		bool unit = false;

		p->scope = -1;
		p->ck.nitems = p->ck.ncuts = 0;
		p->unit_start = region;
		switch (kind(p)) {
		case KW(LIBRARY):
			parse_library(p);
			break;
		case KW(USE):
			parse_use(p, false);
			break;
		case KW(CONTEXT):
			if (unit_start(p)) {
				parse_context_decl(p);
				unit = true;
			} else {
				parse_use(p, true);
			}
			break;
		case KW(ENTITY):
		case KW(ARCHITECTURE):
		case KW(CONFIGURATION):
		case KW(PACKAGE):
			if (!unit_start(p))
				goto junk;
			unit = true;
			if (kind(p) == KW(ENTITY))
				parse_entity(p);
			else if (kind(p) == KW(ARCHITECTURE))
				parse_architecture(p);
			else if (kind(p) == KW(CONFIGURATION))
				parse_configuration(p);
			else
				parse_package(p);
			break;
		default:
		junk:
			expected(p, "a design unit");
			do
				adv(p);
			while (kind(p) != RA_VT_EOF && !unit_start(p) && kind(p) != KW(USE) &&
			       kind(p) != KW(CONTEXT));
			break;
		}
		if (p->i == start)
			adv(p);
		if (unit && !p->rc && p->i > start) {
			size_t end = unit_end(p);
			int rc = ra_vhdl__chunk_unit(&p->ck, p->m, region, end);

			if (rc)
				fail(p, rc);
			region = end;
		}
	}
}

int ra_vhdl_parse(ra_model **out, const char *src, size_t len)
{
	ra_vhdl_toks toks = {0};
	ra_model *m;
	parser p;
	int rc;

	*out = NULL;
	m = ra_model_new(RA_LANG_VHDL);
	if (!m)
		return RA_ENOMEM;
	rc = ra_vhdl__lex(&toks, src ? src : "", src ? len : 0, m);
	if (rc)
		goto out;
	memset(&p, 0, sizeof(p));
	p.src = src;
	p.t = toks.v;
	p.n = toks.n;
	p.m = m;
	p.scope = -1;
	p.cur_clk = -1;
	p.last_body = -1;
	for (int k = 0; k < NSLOTS; k++)
		ra_buf_init(&p.txt[k], 0);
	rc = ra_vhdl__chunker_init(&p.ck, src ? src : "", src ? len : 0, toks.v, toks.n);
	if (!rc)
		rc = add_builtins(&p);
	if (!rc) {
		parse_file(&p);
		rc = p.rc;
	}
	for (int k = 0; k < NSLOTS; k++)
		ra_buf_free(&p.txt[k]);
	ra_vhdl__chunker_free(&p.ck);
	ra_free(p.notsig.v);
	ra_free(p.procs.v);
out:
	ra_free(toks.v);
	if (rc) {
		ra_model_free(m);
		return rc;
	}
	*out = m;
	return RA_OK;
}
