/*
 * model_check.h - the invariants every front end's model keeps, for the fuzz targets
 * (fuzz_vhdl.c, fuzz_sv.c): ra_fuzz_check_model aborts when one breaks, so libFuzzer (or the
 * replay test) reports the input.
 *
 * Every span lies inside the input and starts before it ends; a symbol's parent is -1 or an
 * earlier symbol; every connection belongs to an instance symbol; reference, import and flow
 * scopes are -1 or a symbol; names are never NULL; nerrors counts at least the diagnostics.
 * Flows have a known kind and how and non-empty names. Chunks have a known kind, a symbol or -1,
 * a text equal to the source slice of their span, and come in order without overlapping.
 */
#ifndef RA_FUZZ_MODEL_CHECK_H
#define RA_FUZZ_MODEL_CHECK_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "indexer/model.h"
#include "tests/fuzz/fuzz_util.h"

typedef struct ra_fuzz_lines {
	size_t *len;   /* byte length of each line, without its '\n' */
	size_t *start; /* byte offset of each line */
	size_t n;
} ra_fuzz_lines;

static inline void ra_fuzz_check_span(const ra_fuzz_lines *ls, ra_span s)
{
	ra_fuzz_check(s.line < ls->n && s.end_line < ls->n);
	ra_fuzz_check(s.line < s.end_line || (s.line == s.end_line && s.col <= s.end_col));
	ra_fuzz_check(s.col <= ls->len[s.line] && s.end_col <= ls->len[s.end_line]);
}

/* checks model m of the `size` bytes at `data` */
static inline void ra_fuzz_check_model(const ra_model *m, const uint8_t *data, size_t size)
{
	ra_fuzz_lines ls = {0};
	size_t start = 0, prev_end = 0;
	const ra_fuzz_lines *lp = &ls;

	ls.len = malloc((size + 1) * sizeof(*ls.len));
	ls.start = malloc((size + 1) * sizeof(*ls.start));
	ra_fuzz_check(ls.len != NULL && ls.start != NULL);
	for (size_t i = 0; i <= size; i++) {
		if (i == size || data[i] == '\n') {
			ls.start[ls.n] = start;
			ls.len[ls.n++] = i - start;
			start = i + 1;
		}
	}
	for (size_t i = 0; i < m->nsyms; i++) {
		const ra_sym *s = &m->syms[i];

		ra_fuzz_check(s->name != NULL);
		ra_fuzz_check(s->parent >= -1 && s->parent < (int32_t)i);
		ra_fuzz_check((unsigned)s->kind < RA_SYM__COUNT);
		ra_fuzz_check_span(lp, s->name_span);
		ra_fuzz_check_span(lp, s->span);
	}
	for (size_t i = 0; i < m->nconns; i++) {
		const ra_conn *c = &m->conns[i];

		ra_fuzz_check(c->inst >= 0 && (size_t)c->inst < m->nsyms);
		ra_fuzz_check(m->syms[c->inst].kind == RA_SYM_INSTANCE);
		ra_fuzz_check(c->position >= 0);
		ra_fuzz_check_span(lp, c->span);
	}
	for (size_t i = 0; i < m->nrefs; i++) {
		ra_fuzz_check(m->refs[i].name != NULL && m->refs[i].name[0] != 0);
		ra_fuzz_check(m->refs[i].scope >= -1 && m->refs[i].scope < (int32_t)m->nsyms);
		ra_fuzz_check_span(lp, m->refs[i].span);
	}
	for (size_t i = 0; i < m->nincludes; i++) {
		ra_fuzz_check(m->includes[i].path != NULL);
		ra_fuzz_check_span(lp, m->includes[i].span);
	}
	for (size_t i = 0; i < m->nimports; i++) {
		ra_fuzz_check(m->imports[i].scope >= -1 && m->imports[i].scope < (int32_t)m->nsyms);
		ra_fuzz_check(m->imports[i].library || m->imports[i].pkg);
		ra_fuzz_check_span(lp, m->imports[i].span);
	}
	for (size_t i = 0; i < m->ndiags; i++) {
		ra_fuzz_check(m->diags[i].message != NULL);
		ra_fuzz_check_span(lp, m->diags[i].span);
	}
	for (size_t i = 0; i < m->nflows; i++) {
		const ra_flow *f = &m->flows[i];

		ra_fuzz_check(f->scope >= -1 && f->scope < (int32_t)m->nsyms);
		ra_fuzz_check(f->target && f->target[0] && f->source && f->source[0]);
		ra_fuzz_check((unsigned)f->kind <= RA_FLOW_RESET &&
		              (unsigned)f->how <= RA_ASSIGN_CALL);
		ra_fuzz_check_span(lp, f->span);
	}
	for (size_t i = 0; i < m->nchunks; i++) {
		const ra_chunk *c = &m->chunks[i];
		size_t a, b, n;

		ra_fuzz_check(c->kind != NULL && c->text != NULL);
		ra_fuzz_check(c->sym >= -1 && c->sym < (int32_t)m->nsyms);
		ra_fuzz_check_span(lp, c->span);
		a = ls.start[c->span.line] + c->span.col;
		b = ls.start[c->span.end_line] + c->span.end_col;
		ra_fuzz_check(a < b && b <= size && a >= prev_end);
		/* the text is the slice (a NUL byte in the input ends it as a C string) */
		n = strlen(c->text);
		ra_fuzz_check(n <= b - a && memcmp(c->text, data + a, n) == 0);
		ra_fuzz_check(n == b - a || data[a + n] == 0);
		prev_end = b;
	}
	ra_fuzz_check(m->nerrors >= m->ndiags);
	free(ls.len);
	free(ls.start);
}

#endif /* RA_FUZZ_MODEL_CHECK_H */
