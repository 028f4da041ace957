/*
 * fuzz_vhdl.c - fuzz target for the VHDL front end (indexer/vhdl.h): parses any bytes and checks
 * the model's invariants, aborting when one breaks so libFuzzer (or the replay test) reports it.
 *
 * Invariants: every span lies inside the input and starts before it ends; a symbol's parent is
 * -1 or an earlier symbol; every connection belongs to an instance symbol; reference, import and
 * flow scopes are -1 or a symbol; names are never NULL; nerrors counts at least the diagnostics.
 * Flows have a known kind and how and non-empty names. Chunks have a known kind, a symbol or -1,
 * a text equal to the source slice of their span, and come in order without overlapping.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "indexer/vhdl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct lines {
	size_t *len;   /* byte length of each line, without its '\n' */
	size_t *start; /* byte offset of each line */
	size_t n;
} lines;

static void check(bool ok)
{
	if (!ok)
		abort();
}

static void check_span(const lines *ls, ra_span s)
{
	check(s.line < ls->n && s.end_line < ls->n);
	check(s.line < s.end_line || (s.line == s.end_line && s.col <= s.end_col));
	check(s.col <= ls->len[s.line] && s.end_col <= ls->len[s.end_line]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ra_model *m = NULL;
	lines ls = {0};
	size_t start = 0;

	if (ra_vhdl_parse(&m, (const char *)data, size) != 0)
		return 0; /* out of memory: nothing to check */
	ls.len = malloc((size + 1) * sizeof(*ls.len));
	ls.start = malloc((size + 1) * sizeof(*ls.start));
	check(ls.len != NULL && ls.start != NULL);
	for (size_t i = 0; i <= size; i++) {
		if (i == size || data[i] == '\n') {
			ls.start[ls.n] = start;
			ls.len[ls.n++] = i - start;
			start = i + 1;
		}
	}
	check(m->lang == RA_LANG_VHDL);
	for (size_t i = 0; i < m->nsyms; i++) {
		const ra_sym *s = &m->syms[i];

		check(s->name != NULL);
		check(s->parent >= -1 && s->parent < (int32_t)i);
		check((unsigned)s->kind < RA_SYM__COUNT);
		check_span(&ls, s->name_span);
		check_span(&ls, s->span);
	}
	for (size_t i = 0; i < m->nconns; i++) {
		const ra_conn *c = &m->conns[i];

		check(c->inst >= 0 && (size_t)c->inst < m->nsyms);
		check(m->syms[c->inst].kind == RA_SYM_INSTANCE);
		check(c->position >= 0);
		check_span(&ls, c->span);
	}
	for (size_t i = 0; i < m->nrefs; i++) {
		check(m->refs[i].name != NULL && m->refs[i].name[0] != 0);
		check(m->refs[i].scope >= -1 && m->refs[i].scope < (int32_t)m->nsyms);
		check_span(&ls, m->refs[i].span);
	}
	for (size_t i = 0; i < m->nimports; i++) {
		check(m->imports[i].scope >= -1 && m->imports[i].scope < (int32_t)m->nsyms);
		check(m->imports[i].library || m->imports[i].pkg);
		check_span(&ls, m->imports[i].span);
	}
	for (size_t i = 0; i < m->ndiags; i++) {
		check(m->diags[i].message != NULL);
		check_span(&ls, m->diags[i].span);
	}
	for (size_t i = 0; i < m->nflows; i++) {
		const ra_flow *f = &m->flows[i];

		check(f->scope >= -1 && f->scope < (int32_t)m->nsyms);
		check(f->target && f->target[0] && f->source && f->source[0]);
		check((unsigned)f->kind <= RA_FLOW_RESET && (unsigned)f->how <= RA_ASSIGN_CALL);
		check_span(&ls, f->span);
	}
	size_t prev_end = 0;

	for (size_t i = 0; i < m->nchunks; i++) {
		const ra_chunk *c = &m->chunks[i];
		size_t a, b, n;

		check(c->kind != NULL && c->text != NULL);
		check(c->sym >= -1 && c->sym < (int32_t)m->nsyms);
		check_span(&ls, c->span);
		a = ls.start[c->span.line] + c->span.col;
		b = ls.start[c->span.end_line] + c->span.end_col;
		check(a < b && b <= size && a >= prev_end);
		/* the text is the slice (a NUL byte in the input ends it as a C string) */
		n = strlen(c->text);
		check(n <= b - a && memcmp(c->text, data + a, n) == 0);
		check(n == b - a || data[a + n] == 0);
		prev_end = b;
	}
	check(m->nerrors >= m->ndiags);
	check(m->nincludes == 0);
	free(ls.len);
	free(ls.start);
	ra_model_free(m);
	return 0;
}
