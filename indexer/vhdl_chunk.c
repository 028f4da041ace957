/*
 * vhdl_chunk.c - cuts one VHDL design unit into search chunks (ra_chunk) from the items and cuts
 * the parser recorded (vhdl_internal.h).
 *
 * Design. A unit's text runs from the end of the previous unit (so its context clauses and the
 * comments above it come along) to the end of the line of its last token. Every item starts a
 * chunk at ra_vhdl__chunk_boundary (comments directly above a construct belong to it) and runs to
 * the next item's start, so the chunks of a unit cover all of its text, in order, without
 * overlap. Three passes, each linear in the items or tokens of the unit:
 *   1. containers (generate, block) that fit are kept whole and their inner items dropped;
 *      bigger ones keep a header chunk and let their inner items chunk themselves;
 *   2. adjacent items of one kind in one scope merge: runs of assignments and declarations
 *      always, other kinds when both are tiny, never beyond the size limit;
 *   3. a piece beyond the limit is split at the farthest cut (statement, declaration or list
 *      element start) that keeps the part within it, else at a line start; a single line is
 *      never split.
 * Chunk texts are trimmed of surrounding blank space; leading indentation stays.
 */
#include "indexer/vhdl_internal.h"

#include <string.h>

#define LIMIT_LINES 60
#define LIMIT_BYTES 2000
#define TINY_LINES 4
#define TINY_BYTES 300

typedef struct ra_vhdl_piece {
	size_t start; /* byte offset; the piece ends where the next begins */
	size_t a;     /* its first token */
	int32_t sym, scope;
	uint8_t kind;
} piece;

static const char *const kind_names[] = {
        [RA_VCK_SIGNATURE] = "signature",   [RA_VCK_PROCESS] = "process",
        [RA_VCK_ASSIGNS] = "assigns",       [RA_VCK_INSTANCE] = "instance",
        [RA_VCK_SUBPROGRAM] = "subprogram", [RA_VCK_DECLARATIONS] = "declarations",
        [RA_VCK_GENERATE] = "generate",     [RA_VCK_OTHER] = "other",
};

int ra_vhdl__chunker_init(ra_vhdl_chunker *c, const char *src, size_t len, const ra_vhdl_tok *t,
                          size_t n)
{
	size_t cap = 0;

	memset(c, 0, sizeof(*c));
	c->src = src;
	c->len = len;
	c->t = t;
	c->n = n;
	if (ra_grow((void **)&c->lines, &cap, 64, sizeof(*c->lines)))
		return RA_ENOMEM;
	c->lines[c->nlines++] = 0;
	for (const char *q = src, *e = src + len; q && q < e;) {
		const char *nl = memchr(q, '\n', (size_t)(e - q));

		if (!nl)
			break;
		if (c->nlines == cap &&
		    ra_grow((void **)&c->lines, &cap, c->nlines + 1, sizeof(*c->lines)))
			return RA_ENOMEM;
		c->lines[c->nlines++] = (uint32_t)(nl + 1 - src);
		q = nl + 1;
	}
	return RA_OK;
}

void ra_vhdl__chunker_free(ra_vhdl_chunker *c)
{
	ra_free(c->lines);
	ra_free(c->items);
	ra_free(c->cuts);
	ra_free(c->pieces);
	memset(c, 0, sizeof(*c));
}

/* 0-based line of byte offset `off` */
static size_t line_of(const ra_vhdl_chunker *c, size_t off)
{
	return ra_line_of(c->lines, c->nlines, off);
}

bool ra_vhdl__chunk_fits(const ra_vhdl_chunker *c, size_t a, size_t b)
{
	if (b <= a)
		return true;
	if (b - a > LIMIT_BYTES)
		return false;
	return line_of(c, b - 1) - line_of(c, a) < LIMIT_LINES;
}

static bool tiny(const ra_vhdl_chunker *c, size_t a, size_t b)
{
	return b <= a || (b - a <= TINY_BYTES && line_of(c, b - 1) - line_of(c, a) < TINY_LINES);
}

size_t ra_vhdl__chunk_boundary(const ra_vhdl_chunker *c, size_t j)
{
	const ra_vhdl_tok *prev;
	const char *nl;
	size_t from;

	if (j == 0)
		return 0;
	if (j >= c->n)
		return c->len;
	prev = &c->t[j - 1];
	if (prev->line == c->t[j].line)
		return c->t[j].off;
	from = prev->off + prev->len;
	nl = memchr(c->src + from, '\n', c->t[j].off - from);
	return nl ? (size_t)(nl + 1 - c->src) : c->t[j].off;
}

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == '\f' || ch == '\v';
}

/* adds the chunk of bytes [a, b), trimmed: leading blank lines and trailing blanks dropped */
static int emit(const ra_vhdl_chunker *c, ra_model *m, int kind, int32_t sym, size_t a, size_t b)
{
	size_t s = a, line, eline;
	ra_chunk ch = {.kind = kind_names[kind], .sym = sym};
	int32_t r;

	while (s < b && is_space(c->src[s]))
		s++;
	while (b > s && is_space(c->src[b - 1]))
		b--;
	if (s >= b)
		return RA_OK;
	line = line_of(c, s);
	if (c->lines[line] >= a)
		s = c->lines[line]; /* keep the indentation */
	eline = line_of(c, b - 1);
	ch.span = (ra_span){(uint32_t)line, (uint32_t)(s - c->lines[line]), (uint32_t)eline,
	                    (uint32_t)(b - c->lines[eline])};
	r = ra_model_add_chunk(m, &ch);
	if (r < 0)
		return r;
	/* after adding: the text is exact, whatever bytes it holds */
	m->chunks[r].text = ra_model_str(m, c->src + s, b - s);
	return m->chunks[r].text ? RA_OK : RA_ENOMEM;
}

static bool line_start(const ra_vhdl_chunker *c, size_t j)
{
	return j > 0 && c->t[j - 1].line < c->t[j].line;
}

/* first token at or after byte offset `off` */
static size_t tok_at(const ra_vhdl_chunker *c, size_t off)
{
	size_t lo = 0, hi = c->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->t[mid].off < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* the farthest line start after `cur` that keeps [cur, it) within the limit; 0 if none */
static size_t farthest_line(const ra_vhdl_chunker *c, size_t cur, size_t e)
{
	size_t l0 = line_of(c, cur), k = l0 + LIMIT_LINES;
	size_t kb = line_of(c, cur + LIMIT_BYTES < c->len ? cur + LIMIT_BYTES : c->len);

	if (kb < k)
		k = kb;
	if (k >= c->nlines)
		k = c->nlines - 1;
	while (k > l0 && c->lines[k] >= e)
		k--;
	return k > l0 ? c->lines[k] : 0;
}

/*
 * Emits piece `pc`, bytes [pc->start, e), as chunks within the limit: each part ends at the
 * farthest cut (a token in c->cuts, first on its line) that keeps it within the limit unless
 * that leaves it under a third of what a plain line start would; then at that line start. A
 * single line too long for the limit stays whole. Each token is walked a bounded number of
 * times: a part ends at least a third of the way to where the walk stopped.
 */
static int split(ra_vhdl_chunker *c, ra_model *m, const piece *pc, size_t e, size_t *ci)
{
	size_t cur = pc->start, j = pc->a + 1;
	int rc;

	while (!ra_vhdl__chunk_fits(c, cur, e)) {
		size_t best_cut = 0, line = farthest_line(c, cur, e), pos;

		for (; j < c->n && c->t[j].off < e; j++) {
			while (*ci < c->ncuts && c->cuts[*ci] < j)
				(*ci)++;
			if (!line_start(c, j) || *ci >= c->ncuts || c->cuts[*ci] != j)
				continue;
			pos = ra_vhdl__chunk_boundary(c, j);
			if (pos <= cur)
				continue;
			if (!ra_vhdl__chunk_fits(c, cur, pos))
				break;
			best_cut = pos;
		}
		if (best_cut && (!line || (best_cut - cur) * 3 >= line - cur))
			pos = best_cut;
		else if (line)
			pos = line;
		else if (line_of(c, cur) + 1 < c->nlines && c->lines[line_of(c, cur) + 1] < e)
			pos = c->lines[line_of(c, cur) + 1]; /* one line beyond the limit */
		else
			break;
		rc = emit(c, m, pc->kind, pc->sym, cur, pos);
		if (rc)
			return rc;
		cur = pos;
		j = tok_at(c, cur);
		while (*ci > 0 && c->cuts[*ci - 1] >= j)
			(*ci)--;
	}
	return emit(c, m, pc->kind, pc->sym, cur, e);
}

int ra_vhdl__chunk_unit(ra_vhdl_chunker *c, ra_model *m, size_t start, size_t end)
{
	size_t np = 0, skip_b = 0, ci = 0;
	bool skipping = false;
	int rc = RA_OK;

	if (!c->nitems || end <= start)
		goto out;
	if (ra_grow((void **)&c->pieces, &c->pieces_cap, c->nitems, sizeof(*c->pieces))) {
		rc = RA_ENOMEM;
		goto out;
	}
	/* 1: containers */
	for (size_t i = 0; i < c->nitems; i++) {
		const ra_vhdl_item *it = &c->items[i];
		piece pc = {.a = it->a, .sym = it->sym, .scope = it->scope, .kind = it->kind};

		if (skipping && it->a <= skip_b)
			continue;
		skipping = false;
		pc.start = np == 0 ? start : ra_vhdl__chunk_boundary(c, it->a);
		if (pc.start < start)
			pc.start = start;
		if (np && pc.start < c->pieces[np - 1].start)
			pc.start = c->pieces[np - 1].start;
		if (pc.start >= end)
			break;
		if (it->container && it->b >= it->a && it->b < c->n) {
			size_t e = c->t[it->b].off + c->t[it->b].len;

			if (ra_vhdl__chunk_fits(c, pc.start, e)) {
				skipping = true;
				skip_b = it->b;
			}
		}
		c->pieces[np++] = pc;
	}
	/* 2: merges */
	size_t w = 0;

	for (size_t i = 0; i < np; i++) {
		piece *pc = &c->pieces[i];
		size_t e = i + 1 < np ? c->pieces[i + 1].start : end;

		if (w) {
			piece *q = &c->pieces[w - 1];
			size_t qe = pc->start;
			bool runs = pc->kind == RA_VCK_ASSIGNS || pc->kind == RA_VCK_DECLARATIONS;

			if (q->kind == pc->kind && q->scope == pc->scope &&
			    pc->kind != RA_VCK_SIGNATURE &&
			    (runs || (tiny(c, q->start, qe) && tiny(c, pc->start, e))) &&
			    ra_vhdl__chunk_fits(c, q->start, e)) {
				q->sym = q->scope;
				continue;
			}
		}
		c->pieces[w++] = *pc;
	}
	np = w;
	/* 3: splits */
	for (size_t i = 0; !rc && i < np; i++)
		rc = split(c, m, &c->pieces[i], i + 1 < np ? c->pieces[i + 1].start : end, &ci);
out:
	c->nitems = 0;
	c->ncuts = 0;
	return rc;
}
