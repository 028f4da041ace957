/*
 * handlers_nav.c - navigation: definition, declaration, references, documentHighlight, hover.
 *
 * All of them start from lsp_resolve (query.c). References of a name declared inside a unit
 * (port, signal, parameter...) stay inside that unit (and, for ports and parameters, take the
 * named connections of its instances); references of units, package members and macros are
 * every use of the name in the workspace.
 */
#define _GNU_SOURCE
#include "lsp/lsp_internal.h"

#include <ctype.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct request_pos {
	lsp_doc *d;
	size_t off;
	uint32_t line, col;
} request_pos;

static int at_position(lsp_server *s, json_t *p, request_pos *rp, const char **msg)
{
	int code = lsp_doc_for(s, p, &rp->d, msg);

	if (code)
		return code;
	return lsp_position(s, rp->d, p, &rp->off, &rp->line, &rp->col, msg);
}

static bool same_place(const lsym *a, const lsym *b)
{
	return !strcmp(a->rel, b->rel) && a->name_span.line == b->name_span.line &&
	       a->name_span.col == b->name_span.col;
}

static json_t *locations(lsp_server *s, const lsyms *l)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < l->n; i++) {
		bool dup = false;

		for (size_t k = 0; k < i && !dup; k++)
			dup = same_place(&l->v[i], &l->v[k]);
		if (!dup)
			json_array_append_new(arr, lsp_location(s, l->v[i].rel, l->v[i].name_span));
	}
	return arr;
}

/* definition keeps entities over component declarations; declaration the reverse */
static void prefer(lsp_server *s, lsyms *l, bool declaration)
{
	lsyms keep = {0};
	bool has_comp = false, has_unit = false;

	for (size_t i = 0; i < l->n; i++) {
		has_comp |= lsp_kind_is(l->v[i].kind, "component");
		has_unit |= lsp_kind_is_unit(l->v[i].kind);
	}
	if (!has_comp || !has_unit)
		return;
	for (size_t i = 0; i < l->n; i++)
		if (lsp_kind_is(l->v[i].kind, "component") == declaration)
			lsyms_push(s, &keep, &l->v[i]);
	*l = keep;
}

static int goto_common(lsp_server *s, json_t *p, json_t **r, const char **m, bool declaration)
{
	request_pos rp;
	lsyms res = {0};
	const char *word;
	int code = at_position(s, p, &rp, m);

	if (code)
		return code;
	lsp_resolve(s, rp.d, rp.off, &res, &word);
	prefer(s, &res, declaration);
	*r = locations(s, &res);
	return 0;
}

int lsp_h_definition(lsp_server *s, json_t *p, json_t **r, const char **m)
{
	return goto_common(s, p, r, m, false);
}

int lsp_h_declaration(lsp_server *s, json_t *p, json_t **r, const char **m)
{
	return goto_common(s, p, r, m, true);
}

/* ---- references --------------------------------------------------------------------------- */

typedef struct ref_list {
	lsp_server *s;
	lsp_ref_hit *v;
	size_t cap;
	const char *only_rel; /* highlight: this document only */
	const char *rel;      /* local mode: refs in this file ... */
	ra_span region[8];    /* ... inside one of these spans */
	const char *region_rel[8];
	size_t nregion;
	size_t n;
	const char *last_rel; /* is_open's last answer */
	bool last_open;
	bool oom; /* a hit could not be kept: the list is incomplete */
} ref_list;

static bool in_region(const ref_list *rl, const char *rel, ra_span sp)
{
	if (!rl->nregion)
		return true;
	for (size_t i = 0; i < rl->nregion; i++)
		if (!strcmp(rl->region_rel[i], rel) && lsp_span_has(rl->region[i], sp.line, sp.col))
			return true;
	return false;
}

/* a hit; `ascii` when the index says its file is ASCII only */
static void add_ref_in(ref_list *rl, const char *rel, ra_span sp, bool ascii)
{
	if (rl->only_rel && strcmp(rl->only_rel, rel) != 0)
		return;
	if (!in_region(rl, rel, sp))
		return;
	if (rl->n == rl->cap) {
		size_t cap = rl->cap ? rl->cap * 2 : 256;
		lsp_ref_hit *v = ra_arena_alloc(rl->s->arena, cap * sizeof(*v));

		if (!v) {
			rl->oom = true;
			return;
		}
		if (rl->n)
			memcpy(v, rl->v, rl->n * sizeof(*v));
		rl->v = v;
		rl->cap = cap;
	}
	/* the store's row strings die with the row: keep one arena copy per run of a file */
	if (rl->n && !strcmp(rl->v[rl->n - 1].rel, rel))
		rel = rl->v[rl->n - 1].rel;
	else if (!(rel = ra_arena_strdup(rl->s->arena, rel))) {
		rl->oom = true;
		return;
	}
	rl->v[rl->n++] = (lsp_ref_hit){rel, sp, ascii};
}

static void add_ref(ref_list *rl, const char *rel, ra_span sp)
{
	add_ref_in(rl, rel, sp, false);
}

/* true when `rel` is an open document (which answers from its model, not the store); the
 * store's rows come file by file: the last answer is kept */
static bool is_open(ref_list *rl, const char *rel)
{
	if (rl->last_rel && !strcmp(rl->last_rel, rel))
		return rl->last_open;
	rl->last_open = lsp_doc_by_rel(rl->s, rel) != NULL;
	rl->last_rel = ra_arena_strdup(rl->s->arena, rel);
	return rl->last_open;
}

static int store_ref_cb(const ra_store_ref *r, void *payload)
{
	ref_list *rl = payload;

	if (is_open(rl, r->file))
		return 0; /* open documents answer from their model */
	if ((rl->n & 255) == 255 && lsp_is_cancelled(rl->s))
		return RA_ECANCELLED;
	add_ref_in(rl, r->file, r->span, r->ascii);
	return 0;
}

/* an open document's references by name, and its named connections by formal: chains of
 * indexes per hash bucket (names folded for VHDL), so that a name's uses in a document of
 * 100,000 references cost their number */
struct lsp_ref_index {
	uint32_t mask;  /* buckets - 1 */
	int32_t *head;  /* per bucket: the first reference, -1 for none */
	int32_t *next;  /* per reference: the next one in its bucket, -1 at the end */
	int32_t *chead; /* the same for connections by formal */
	int32_t *cnext;
};

void lsp_ref_index_free(struct lsp_ref_index *ix)
{
	if (!ix)
		return;
	ra_free(ix->head);
	ra_free(ix->next);
	ra_free(ix->chead);
	ra_free(ix->cnext);
	ra_free(ix);
}

static uint32_t name_hash(const char *n, bool fold)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (; *n; n++)
		h = (h ^ (unsigned char)(fold ? tolower((unsigned char)*n) : *n)) * 16777619u;
	return h;
}

/* the document's index, built on first use; NULL when out of memory */
static struct lsp_ref_index *ref_index(lsp_doc *d)
{
	const ra_model *m = d->model;
	struct lsp_ref_index *ix;
	uint32_t nb = 64;

	if (d->refs_by_name)
		return d->refs_by_name;
	if (m->nrefs > INT32_MAX / 2 || m->nconns > INT32_MAX / 2)
		return NULL;
	while (nb < m->nrefs || nb < m->nconns)
		nb *= 2;
	ix = ra_calloc(1, sizeof(*ix));
	if (!ix)
		return NULL;
	ix->mask = nb - 1;
	ix->head = ra_malloc(nb * sizeof(*ix->head));
	ix->next = ra_malloc((m->nrefs + 1) * sizeof(*ix->next));
	ix->chead = ra_malloc(nb * sizeof(*ix->chead));
	ix->cnext = ra_malloc((m->nconns + 1) * sizeof(*ix->cnext));
	if (!ix->head || !ix->next || !ix->chead || !ix->cnext) {
		lsp_ref_index_free(ix);
		return NULL;
	}
	memset(ix->head, 0xff, nb * sizeof(*ix->head));
	memset(ix->chead, 0xff, nb * sizeof(*ix->chead));
	for (size_t i = m->nrefs; i-- > 0;) {
		uint32_t b = name_hash(m->refs[i].name, m->lang == RA_LANG_VHDL) & ix->mask;

		ix->next[i] = ix->head[b];
		ix->head[b] = (int32_t)i;
	}
	for (size_t i = m->nconns; i-- > 0;) {
		uint32_t b;

		if (!m->conns[i].formal)
			continue;
		b = name_hash(m->conns[i].formal, m->lang == RA_LANG_VHDL) & ix->mask;
		ix->cnext[i] = ix->chead[b];
		ix->chead[b] = (int32_t)i;
	}
	d->refs_by_name = ix;
	return ix;
}

/* an open document's uses of a name; none when the document lies outside the regions */
static void model_refs(ref_list *rl, lsp_doc *d, const char *name)
{
	const ra_model *m = d->model;
	struct lsp_ref_index *ix;
	bool inside = !rl->nregion;

	for (size_t i = 0; i < rl->nregion && !inside; i++)
		inside = !strcmp(rl->region_rel[i], d->rel);
	if (!inside || (rl->only_rel && strcmp(rl->only_rel, d->rel) != 0))
		return;
	ix = ref_index(d);
	if (!ix) {
		for (size_t i = 0; i < m->nrefs; i++)
			if (lsp_name_eq(m->refs[i].name, name, m->lang))
				add_ref(rl, d->rel, m->refs[i].span);
		return;
	}
	for (int32_t i = ix->head[name_hash(name, m->lang == RA_LANG_VHDL) & ix->mask]; i >= 0;
	     i = ix->next[i])
		if (lsp_name_eq(m->refs[i].name, name, m->lang))
			add_ref(rl, d->rel, m->refs[i].span);
}

static bool is_local(lsp_server *s, const lsym *y, lsym *unit)
{
	if (lsp_kind_is_unit(y->kind) || lsp_kind_is(y->kind, "macro"))
		return false;
	if (lsp_q_unit_of(s, y, unit) != RA_OK)
		return false;
	return !lsp_kind_is(unit->kind, "package");
}

static bool is_vhdl(ra_lang l)
{
	return l == RA_LANG_VHDL;
}

/* which instances bind to a unit: an instance in the other language only when its own
 * language has no unit of that name (mixed-language designs; as lsp_q_instances_of) */
typedef struct formal_ctx {
	ref_list *rl;
	const lsym *unit;
	const char *name;
	bool other_has;
} formal_ctx;

static bool binds(const formal_ctx *fc, ra_lang inst_lang)
{
	return !fc->other_has || is_vhdl(inst_lang) == is_vhdl(fc->unit->lang);
}

/* the formal's name of a named connection as a span `name` long */
static void add_formal(ref_list *rl, const char *rel, uint32_t line, uint32_t col, const char *name,
                       bool ascii)
{
	add_ref_in(rl, rel, (ra_span){line, col, line, col + (uint32_t)strlen(name)}, ascii);
}

static int store_formal_cb(const ra_store_formal *c, void *payload)
{
	formal_ctx *fc = payload;
	ref_list *rl = fc->rl;

	if (is_open(rl, c->file) || !binds(fc, c->lang))
		return 0; /* open documents answer from their model */
	if ((rl->n & 255) == 255 && lsp_is_cancelled(rl->s))
		return RA_ECANCELLED;
	add_formal(rl, c->file, c->line, c->col, fc->name, c->ascii);
	return 0;
}

/* connection `cn` of an open document when it names `name` on an instance of `unit` (its
 * type compared as in language `ml`) */
static void model_formal(ref_list *rl, lsp_doc *d, const ra_conn *cn, const char *unit, ra_lang ml,
                         const char *name, bool is_param)
{
	const ra_model *m = d->model;
	const ra_sym *y;

	if (cn->is_param != is_param || !cn->formal || cn->inst < 0 ||
	    (size_t)cn->inst >= m->nsyms || !lsp_name_eq(cn->formal, name, m->lang))
		return;
	y = &m->syms[cn->inst];
	if (y->kind != RA_SYM_INSTANCE || !lsp_name_eq(y->type, unit, ml))
		return;
	if (cn->formal_span.end_line > cn->formal_span.line ||
	    cn->formal_span.end_col > cn->formal_span.col)
		add_formal(rl, d->rel, cn->formal_span.line, cn->formal_span.col, name, false);
	else
		add_formal(rl, d->rel, cn->span.line, cn->span.col, name, false);
}

/* `.port(` / `port =>` of every instance of `unit` naming `name`: the open documents' models,
 * then one store query for the rest */
static void formal_refs(ref_list *rl, const lsym *unit, const char *name, bool is_param)
{
	lsp_server *s = rl->s;
	lsym other;
	ra_store *st = lsp_store(s);
	ra_lang ol = is_vhdl(unit->lang) ? RA_LANG_SV : RA_LANG_VHDL;
	formal_ctx fc = {rl, unit, name, false};

	fc.other_has =
	        lsp_q_best_unit(s, unit->name, ol, &other) && is_vhdl(other.lang) == is_vhdl(ol);
	for (size_t i = 0; i < s->ndocs; i++) {
		lsp_doc *d = s->docs[i];
		const ra_model *m;
		struct lsp_ref_index *ix;
		ra_lang ml;

		if (lsp_doc_model(s, d))
			continue;
		m = d->model;
		ml = is_vhdl(m->lang) ? RA_LANG_VHDL : unit->lang;
		if (!binds(&fc, m->lang))
			continue;
		ix = ref_index(d);
		if (!ix) {
			for (size_t c = 0; c < m->nconns; c++)
				model_formal(rl, d, &m->conns[c], unit->name, ml, name, is_param);
			continue;
		}
		for (int32_t c = ix->chead[name_hash(name, is_vhdl(m->lang)) & ix->mask]; c >= 0;
		     c = ix->cnext[c])
			model_formal(rl, d, &m->conns[c], unit->name, ml, name, is_param);
	}
	if (st)
		ra_store_formals(st, unit->name, name, is_param, store_formal_cb, &fc);
}

/* the references of what `res` resolved to (name `word` when nothing resolved) */
static void collect_refs(lsp_server *s, ref_list *rl, const lsyms *res, const char *word,
                         bool include_decl)
{
	lsym unit;
	const lsym *y = res->n ? &res->v[0] : NULL;
	const char *name = y ? y->name : word;
	ra_store *st = lsp_store(s);

	if (y && is_local(s, y, &unit)) {
		rl->region[0] = unit.span;
		rl->region_rel[0] = unit.rel;
		rl->nregion = 1;
		if (lsp_kind_is(unit.kind, "entity")) {
			/* a VHDL entity's names are used in every architecture of it */
			for (size_t i = 0; i < s->ndocs && rl->nregion < 8; i++) {
				const ra_model *m = s->docs[i]->model;

				for (size_t k = 0; m && k < m->nsyms && rl->nregion < 8; k++)
					if (m->syms[k].kind == RA_SYM_ARCHITECTURE &&
					    lsp_name_eq(m->syms[k].type, unit.name, RA_LANG_VHDL)) {
						rl->region[rl->nregion] = m->syms[k].span;
						rl->region_rel[rl->nregion++] = s->docs[i]->rel;
					}
			}
			{
				static const char sql[] =
				        "SELECT f.path, s.sline, s.scol, s.eline, s.ecol FROM "
				        "symbols s"
				        " JOIN files f ON f.id = s.file_id WHERE s.kind = "
				        "'architecture' AND lower(s.type) = lower(?1)";
				struct sqlite3_stmt *q = lsp_stmt_get(s, sql);

				if (q) {
					sqlite3_bind_text(q, 1, unit.name, -1, SQLITE_TRANSIENT);
					while (sqlite3_step(q) == SQLITE_ROW && rl->nregion < 8) {
						const char *path =
						        (const char *)sqlite3_column_text(q, 0);

						if (lsp_doc_by_rel(s, path))
							continue;
						rl->region[rl->nregion] = (ra_span){
						        (uint32_t)sqlite3_column_int(q, 1),
						        (uint32_t)sqlite3_column_int(q, 2),
						        (uint32_t)sqlite3_column_int(q, 3),
						        (uint32_t)sqlite3_column_int(q, 4)};
						rl->region_rel[rl->nregion++] =
						        ra_arena_strdup(s->arena, path);
					}
					sqlite3_reset(q);
				}
			}
		}
	}
	if (include_decl)
		for (size_t i = 0; i < res->n; i++)
			add_ref(rl, res->v[i].rel, res->v[i].name_span);
	for (size_t i = 0; i < s->ndocs; i++)
		if (!lsp_doc_model(s, s->docs[i]))
			model_refs(rl, s->docs[i], name);
	/* the store for the files not open: the region's files only (uses inside a unit), the
	   highlighted document only, else the whole workspace */
	if (st && rl->nregion) {
		for (size_t i = 0; i < rl->nregion; i++) {
			bool seen = lsp_doc_by_rel(s, rl->region_rel[i]) != NULL;

			for (size_t k = 0; k < i && !seen; k++)
				seen = !strcmp(rl->region_rel[k], rl->region_rel[i]);
			if (!seen)
				ra_store_refs_in(st, name, rl->region_rel[i],
				                 RA_STORE_REFS_NO_SCOPE, store_ref_cb, rl);
		}
	} else if (st && !(rl->only_rel && lsp_doc_by_rel(s, rl->only_rel))) {
		ra_store_refs_in(st, name, rl->only_rel, RA_STORE_REFS_NO_SCOPE, store_ref_cb, rl);
	}
	if (y && rl->nregion &&
	    (lsp_kind_is(y->kind, "port") || lsp_kind_is(y->kind, "parameter"))) {
		size_t saved = rl->nregion;

		rl->nregion = 0;
		formal_refs(rl, &unit, name, lsp_kind_is(y->kind, "parameter"));
		rl->nregion = saved;
	}
}

static int hit_cmp(const void *a, const void *b)
{
	const lsp_ref_hit *x = a, *y = b;
	int c = x->rel == y->rel ? 0 : strcmp(x->rel, y->rel);

	if (c)
		return c;
	if (x->sp.line != y->sp.line)
		return x->sp.line < y->sp.line ? -1 : 1;
	return x->sp.col < y->sp.col ? -1 : x->sp.col > y->sp.col;
}

/* the hits as LSP locations, sorted by file and position, without duplicates (the byte
 * order of columns is their UTF-16 order too) */
static json_t *sorted_unique(ref_list *rl)
{
	json_t *out = json_array();

	if (rl->n)
		qsort(rl->v, rl->n, sizeof(*rl->v), hit_cmp);
	for (size_t i = 0; i < rl->n; i++)
		if (!i || hit_cmp(&rl->v[i], &rl->v[i - 1]) != 0)
			json_array_append_new(out, lsp_location(rl->s, rl->v[i].rel, rl->v[i].sp));
	return out;
}

int lsp_refs_collect(lsp_server *s, const lsyms *res, const char *word, bool include_decl,
                     lsp_ref_hit **out, size_t *n)
{
	ref_list rl = {.s = s};
	size_t k = 0;

	collect_refs(s, &rl, res, word, include_decl);
	if (rl.n)
		qsort(rl.v, rl.n, sizeof(*rl.v), hit_cmp);
	for (size_t i = 0; i < rl.n; i++)
		if (!i || hit_cmp(&rl.v[i], &rl.v[k - 1]) != 0)
			rl.v[k++] = rl.v[i];
	*out = rl.v;
	*n = k;
	if (lsp_is_cancelled(s))
		return RA_ECANCELLED;
	return rl.oom ? RA_ENOMEM : RA_OK;
}

/* the hits of lsp_refs_collect as LSP locations, written straight into `out` as JSON text (a
 * reply of thousands of them costs more as a jansson tree than finding them). The URI of a
 * file is made once per file; it is percent-encoded down to characters JSON needs no escape
 * for. */
static int hits_text(lsp_server *s, const lsp_ref_hit *v, size_t n, ra_buf *out)
{
	const char *rel = NULL, *uri = NULL;
	lsp_cols cols = {0};
	bool checked = false;
	int rc;

	rc = ra_buf_putc(out, '[');
	for (size_t i = 0; !rc && i < n; i++) {
		const lsp_ref_hit *h = &v[i];

		if (!rel || (h->rel != rel && strcmp(h->rel, rel) != 0)) {
			rel = h->rel;
			uri = lsp_rel_uri(s, rel);
			if (!uri)
				return RA_ENOMEM;
			checked = false;
			cols = (lsp_cols){0};
		}
		/* as lsp_range: UTF-16 columns differ from bytes only in non-ASCII text, which the
		   index tells for the files it holds; the others are looked at once */
		if (!checked && !h->ascii && s->utf16) {
			checked = true;
			lsp_cols_of(s, rel, &cols);
		}
		rc = ra_buf_puts(out, i ? ",{\"uri\":\"" : "{\"uri\":\"");
		rc = rc ? rc : ra_buf_puts(out, uri);
		rc = rc ? rc : ra_buf_puts(out, "\",\"range\":");
		rc = rc ? rc : lsp_put_range(out, &cols, h->sp);
		rc = rc ? rc : ra_buf_putc(out, '}');
	}
	return rc ? rc : ra_buf_putc(out, ']');
}

int lsp_h_references(lsp_server *s, json_t *p, json_t **r, const char **m)
{
	request_pos rp;
	lsyms res = {0};
	const char *word;
	lsp_ref_hit *hits = NULL;
	size_t n = 0;
	ra_buf out;
	int code = at_position(s, p, &rp, m);

	if (code)
		return code;
	lsp_resolve(s, rp.d, rp.off, &res, &word);
	if (word)
		lsp_refs_collect(s, &res, word,
		                 json_is_true(json_object_get(json_object_get(p, "context"),
		                                              "includeDeclaration")),
		                 &hits, &n);
	ra_buf_init(&out, 0);
	if (hits_text(s, hits, n, &out)) {
		ra_buf_free(&out);
		*m = "out of memory";
		return RA_RPC_INTERNAL_ERROR;
	}
	lsp_result_text(s, &out);
	*r = NULL;
	return 0;
}

int lsp_h_highlight(lsp_server *s, json_t *p, json_t **r, const char **m)
{
	request_pos rp;
	lsyms res = {0};
	const char *word;
	ref_list rl = {.s = s};
	json_t *out, *loc, *locs;
	size_t i;
	int code = at_position(s, p, &rp, m);

	if (code)
		return code;
	lsp_resolve(s, rp.d, rp.off, &res, &word);
	rl.only_rel = rp.d->rel;
	if (word) {
		if (!rp.d->open) /* a closed file's uses come from the model, not the store */
			model_refs(&rl, rp.d, res.n ? res.v[0].name : word);
		collect_refs(s, &rl, &res, word, true);
	}
	out = json_array();
	locs = sorted_unique(&rl);
	json_array_foreach(locs, i, loc)
	{
		json_array_append_new(out, json_pack("{s:O, s:i}", "range",
		                                     json_object_get(loc, "range"), "kind", 1));
	}
	json_decref(locs);
	*r = out;
	return 0;
}

/* ---- hover -------------------------------------------------------------------------------- */

static bool all_digits(const char *a, size_t n)
{
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)a[i]))
			return false;
	return true;
}

const char *lsp_width(lsp_server *s, const char *type, ra_lang lang)
{
	const char *a, *sep, *b, *e;
	size_t sep_len;

	if (!type)
		return NULL;
	if (lang != RA_LANG_VHDL) {
		a = strchr(type, '[');
		if (!a) {
			static const char *const one[] = {"logic", "wire",       "reg",       "bit",
			                                  "tri",   "wire logic", "var logic", NULL};

			for (size_t i = 0; one[i]; i++)
				if (!strcmp(type, one[i]))
					return "1 bit";
			return NULL;
		}
		a++;
		sep = strchr(a, ':');
		e = sep ? strchr(sep, ']') : NULL;
		sep_len = 1;
	} else {
		a = strchr(type, '(');
		if (!a) {
			if (!strcasecmp(type, "std_logic") || !strcasecmp(type, "std_ulogic") ||
			    !strcasecmp(type, "bit"))
				return "1 bit";
			return NULL;
		}
		a++;
		sep = strcasestr(a, " downto ");
		sep_len = 8;
		if (!sep) {
			sep = strcasestr(a, " to ");
			sep_len = 4;
		}
		e = sep ? strchr(sep, ')') : NULL;
	}
	if (!sep || !e)
		return NULL;
	while (*a == ' ')
		a++;
	b = sep + sep_len;
	while (*b == ' ')
		b++;
	{
		size_t na = (size_t)(sep - a), nb = (size_t)(e - b);

		while (na && a[na - 1] == ' ')
			na--;
		while (nb && b[nb - 1] == ' ')
			nb--;
		if (all_digits(a, na) && all_digits(b, nb)) {
			long x = strtol(a, NULL, 10), y = strtol(b, NULL, 10);

			return ra_arena_printf(s->arena, "%ld bits", labs(x - y) + 1);
		}
		/* N-1 downto 0 / [N-1:0] */
		if (nb == 1 && *b == '0' && na > 2 && !strncmp(a + na - 2, "-1", 2))
			return ra_arena_printf(s->arena, "%.*s bits", (int)(na - 2), a);
		return ra_arena_printf(s->arena, "%.*s..%.*s", (int)na, a, (int)nb, b);
	}
}

const char *lsp_sym_decl(lsp_server *s, const lsym *y)
{
	const char *type = y->type ? y->type : "";
	const char *dims = y->dims ? y->dims : "";

	if (y->lang == RA_LANG_VHDL) {
		if (lsp_kind_is(y->kind, "port"))
			return ra_arena_printf(s->arena, "%s : %s %s%s%s", y->name,
			                       y->dir ? y->dir : "in", type, y->value ? " := " : "",
			                       y->value ? y->value : "");
		if (lsp_kind_is(y->kind, "parameter") || lsp_kind_is(y->kind, "localparam"))
			return ra_arena_printf(
			        s->arena, "%s%s : %s%s%s",
			        lsp_kind_is(y->kind, "localparam") ? "constant " : "", y->name,
			        type, y->value ? " := " : "", y->value ? y->value : "");
		if (lsp_kind_is(y->kind, "net"))
			return ra_arena_printf(s->arena, "signal %s : %s", y->name, type);
		if (lsp_kind_is(y->kind, "variable"))
			return ra_arena_printf(s->arena, "variable %s : %s", y->name, type);
		if (lsp_kind_is(y->kind, "instance"))
			return ra_arena_printf(s->arena, "%s : %s%s", y->name,
			                       y->dir && !strcmp(y->dir, "entity") ? "entity " : "",
			                       y->value ? y->value : type);
		return ra_arena_printf(s->arena, "%s %s%s%s", y->kind, y->name, *type ? " : " : "",
		                       type);
	}
	if (lsp_kind_is(y->kind, "port"))
		return ra_arena_printf(s->arena, "%s %s%s%s%s%s", y->dir ? y->dir : "", type,
		                       *type ? " " : "", y->name, *dims ? " " : "", dims);
	if (lsp_kind_is(y->kind, "parameter") || lsp_kind_is(y->kind, "localparam"))
		return ra_arena_printf(s->arena, "%s %s%s%s%s%s", y->kind, type, *type ? " " : "",
		                       y->name, y->value ? " = " : "", y->value ? y->value : "");
	if (lsp_kind_is(y->kind, "net") || lsp_kind_is(y->kind, "variable"))
		return ra_arena_printf(s->arena, "%s %s%s%s", type, y->name, *dims ? " " : "",
		                       dims);
	if (lsp_kind_is(y->kind, "instance"))
		return ra_arena_printf(s->arena, "%s %s%s%s", type, y->name, *dims ? " " : "",
		                       dims);
	if (lsp_kind_is(y->kind, "macro"))
		return ra_arena_printf(s->arena, "`define %s%s %s", y->name, type,
		                       y->value ? y->value : "");
	if (lsp_kind_is(y->kind, "enum_member"))
		return ra_arena_printf(s->arena, "%s%s%s", y->name, y->value ? " = " : "",
		                       y->value ? y->value : "");
	if (lsp_kind_is(y->kind, "typedef"))
		return ra_arena_printf(s->arena, "typedef %s %s", type, y->name);
	return ra_arena_printf(s->arena, "%s %s%s%s", y->kind, y->name, *type ? " : " : "", type);
}

const char *lsp_unit_signature(lsp_server *s, const lsym *unit)
{
	lsyms iface = {0}, params = {0}, ports = {0};
	ra_buf b;
	const char *out;
	bool vhdl = unit->lang == RA_LANG_VHDL;
	const char *kind = lsp_kind_is(unit->kind, "component") ? "component" : unit->kind;

	lsp_q_interface(s, unit, &iface);
	for (size_t i = 0; i < iface.n; i++)
		lsyms_push(s, lsp_kind_is(iface.v[i].kind, "port") ? &ports : &params, &iface.v[i]);
	ra_buf_init(&b, 1u << 20);
	if (vhdl) {
		if (lsp_kind_is(unit->kind, "architecture"))
			ra_buf_printf(&b, "architecture %s of %s\n", unit->name,
			              unit->type ? unit->type : "?");
		ra_buf_printf(&b, "%s %s%s",
		              lsp_kind_is(unit->kind, "architecture") ? "entity" : kind,
		              lsp_kind_is(unit->kind, "architecture") && unit->type ? unit->type
		                                                                    : unit->name,
		              params.n || ports.n ? " is\n" : "");
		if (params.n) {
			ra_buf_puts(&b, "  generic (\n");
			for (size_t i = 0; i < params.n; i++)
				ra_buf_printf(&b, "    %s%s\n", lsp_sym_decl(s, &params.v[i]),
				              i + 1 < params.n ? ";" : "");
			ra_buf_puts(&b, "  );\n");
		}
		if (ports.n) {
			ra_buf_puts(&b, "  port (\n");
			for (size_t i = 0; i < ports.n; i++)
				ra_buf_printf(&b, "    %s%s\n", lsp_sym_decl(s, &ports.v[i]),
				              i + 1 < ports.n ? ";" : "");
			ra_buf_puts(&b, "  );\n");
		}
		ra_buf_printf(&b, "%s", params.n || ports.n ? "end;" : "");
	} else {
		ra_buf_printf(&b, "%s %s", kind, unit->name);
		if (params.n) {
			ra_buf_puts(&b, " #(\n");
			for (size_t i = 0; i < params.n; i++)
				ra_buf_printf(&b, "  %s%s\n", lsp_sym_decl(s, &params.v[i]),
				              i + 1 < params.n ? "," : "");
			ra_buf_puts(&b, ")");
		}
		if (ports.n) {
			ra_buf_puts(&b, " (\n");
			for (size_t i = 0; i < ports.n; i++)
				ra_buf_printf(&b, "  %s%s\n", lsp_sym_decl(s, &ports.v[i]),
				              i + 1 < ports.n ? "," : "");
			ra_buf_puts(&b, ")");
		}
		ra_buf_puts(&b, ";");
	}
	out = ra_arena_strdup(s->arena, b.data ? b.data : "");
	ra_buf_free(&b);
	return out;
}

const char *lsp_comment_above(lsp_server *s, const char *rel, uint32_t line, ra_lang lang)
{
	size_t len;
	const ra_lines *lines;
	const char *t = lsp_file_text(s, rel, &len, &lines);
	const char *mark = lang == RA_LANG_VHDL ? "--" : "//";
	uint32_t first = line;
	ra_buf b;
	const char *out;

	if (!t)
		return NULL;
	while (first > 0) {
		const char *l = t + lines->start[first - 1];
		size_t n = ra_lines_len(lines, t, len, first - 1), i = 0;

		while (i < n && (l[i] == ' ' || l[i] == '\t'))
			i++;
		if (n - i < 2 || strncmp(l + i, mark, 2) != 0)
			break;
		first--;
	}
	if (first == line)
		return NULL;
	ra_buf_init(&b, 8192);
	for (uint32_t k = first; k < line; k++) {
		const char *l = t + lines->start[k];
		size_t n = ra_lines_len(lines, t, len, k), i = 0;

		while (i < n && (l[i] == ' ' || l[i] == '\t'))
			i++;
		i += 2;
		while (i < n && (l[i] == '/' || l[i] == '-'))
			i++;
		if (i < n && l[i] == ' ')
			i++;
		ra_buf_printf(&b, "%s%.*s", k > first ? "\n" : "", (int)(n - i), l + i);
	}
	out = ra_arena_strdup(s->arena, b.data ? b.data : "");
	ra_buf_free(&b);
	return out;
}

static const char SQL_DRIVERS[] =
        "SELECT DISTINCT fl.line, fl.how, f.path FROM flows fl JOIN files f ON f.id = fl.file_id"
        " WHERE fl.unit_id = ?1 AND fl.target = ?2 AND fl.kind = 0 ORDER BY fl.line LIMIT 20";

static const char *how_name(int how)
{
	static const char *const names[] = {"continuous", "blocking", "nonblocking", "call"};

	return how >= 0 && how < 4 ? names[how] : "?";
}

/* the lines that write `y` inside its unit, each as "line N (how): source text" */
static void drivers(lsp_server *s, const lsym *y, ra_buf *b)
{
	size_t n = 0;
	int32_t last = -1;

	if (y->doc) {
		const ra_model *m = y->doc->model;
		int32_t u = lsp_model_unit_of(m, y->idx);

		for (size_t i = 0; i < m->nflows && n < 20; i++) {
			const ra_flow *f = &m->flows[i];

			if (f->kind != RA_FLOW_DATA || !lsp_name_eq(f->target, y->name, m->lang) ||
			    lsp_model_unit_of(m, f->scope) != u || (int32_t)f->span.line == last)
				continue;
			last = (int32_t)f->span.line;
			{
				const char *t =
				        y->doc->text.data + y->doc->lines.start[f->span.line];
				size_t len = ra_lines_len(&y->doc->lines, y->doc->text.data,
				                          y->doc->text.len, f->span.line),
				       i0 = 0;

				while (i0 < len && (t[i0] == ' ' || t[i0] == '\t'))
					i0++;
				ra_buf_printf(b, "%s- line %u (%s): `%.*s`\n",
				              n ? "" : "\n**drivers**\n", f->span.line + 1,
				              how_name(f->how),
				              (int)(len - i0 > 120 ? 120 : len - i0), t + i0);
			}
			n++;
		}
		return;
	}
	{
		struct sqlite3_stmt *st = lsp_stmt_get(s, SQL_DRIVERS);

		if (!st || !y->unit_id)
			return;
		sqlite3_bind_int64(st, 1, y->unit_id);
		sqlite3_bind_text(st, 2, y->name, -1, SQLITE_TRANSIENT);
		while (sqlite3_step(st) == SQLITE_ROW) {
			uint32_t line = (uint32_t)sqlite3_column_int(st, 0);
			const char *path = (const char *)sqlite3_column_text(st, 2);
			size_t len;
			const ra_lines *lines;
			const char *t = path ? lsp_file_text(s, path, &len, &lines) : NULL;

			if ((int32_t)line == last)
				continue;
			last = (int32_t)line;
			if (t && line < lines->n) {
				const char *l = t + lines->start[line];
				size_t ll = ra_lines_len(lines, t, len, line), i0 = 0;

				while (i0 < ll && (l[i0] == ' ' || l[i0] == '\t'))
					i0++;
				ra_buf_printf(b, "%s- line %u (%s): `%.*s`\n",
				              n ? "" : "\n**drivers**\n", line + 1,
				              how_name(sqlite3_column_int(st, 1)),
				              (int)(ll - i0 > 120 ? 120 : ll - i0), l + i0);
			}
			n++;
		}
		sqlite3_reset(st);
	}
}

int lsp_h_hover(lsp_server *s, json_t *p, json_t **r, const char **m)
{
	request_pos rp;
	lsyms res = {0};
	const char *word, *lang_tag, *comment = NULL;
	const lsym *y;
	lsym unit;
	ra_buf b;
	size_t st, n;
	int code = at_position(s, p, &rp, m);

	if (code)
		return code;
	lsp_resolve(s, rp.d, rp.off, &res, &word);
	if (!res.n) {
		*r = json_null();
		return 0;
	}
	prefer(s, &res, false);
	y = &res.v[0];
	lang_tag = y->lang == RA_LANG_VHDL ? "vhdl" : "systemverilog";
	ra_buf_init(&b, 1u << 20);
	if (lsp_kind_is_unit(y->kind) || lsp_kind_is(y->kind, "component")) {
		ra_buf_printf(&b, "```%s\n%s\n```\n", lang_tag, lsp_unit_signature(s, y));
		comment = lsp_comment_above(s, y->rel, y->span.line, y->lang);
		ra_buf_printf(&b, "%s %s in `%s`", y->kind, y->name, y->rel);
		if (comment)
			ra_buf_printf(&b, "\n\n%s", comment);
	} else if (lsp_kind_is(y->kind, "instance")) {
		ra_buf_printf(&b, "```%s\n%s\n```\n", lang_tag, lsp_sym_decl(s, y));
		if (y->doc ? lsp_instance_unit(s, y->doc, y->idx, &unit)
		           : lsp_q_best_unit(s, y->type, y->lang, &unit))
			ra_buf_printf(&b, "instance of %s `%s` (`%s`)\n```%s\n%s\n```", unit.kind,
			              unit.name, unit.rel,
			              unit.lang == RA_LANG_VHDL ? "vhdl" : "systemverilog",
			              lsp_unit_signature(s, &unit));
		else
			ra_buf_printf(&b, "instance of `%s` (unit not found)",
			              y->type ? y->type : "?");
	} else {
		const char *w = lsp_width(s, y->type, y->lang);

		ra_buf_printf(&b, "```%s\n%s\n```\n%s `%s`", lang_tag, lsp_sym_decl(s, y), y->kind,
		              y->name);
		if (y->unit)
			ra_buf_printf(&b, " in %s", y->unit);
		if (w)
			ra_buf_printf(&b, ", width %s", w);
		ra_buf_putc(&b, '\n');
		if (lsp_kind_is(y->kind, "net") || lsp_kind_is(y->kind, "variable") ||
		    lsp_kind_is(y->kind, "port"))
			drivers(s, y, &b);
		comment = lsp_comment_above(s, y->rel, y->span.line, y->lang);
		if (comment)
			ra_buf_printf(&b, "\n%s", comment);
	}
	*r = json_pack("{s:{s:s, s:s}}", "contents", "kind", "markdown", "value",
	               b.data ? b.data : "");
	ra_buf_free(&b);
	if (lsp_word_at(rp.d->text.data, rp.d->text.len, rp.off, &st, &n)) {
		ra_span sp = {rp.line, 0, rp.line, 0};

		sp.col = (uint32_t)(st - rp.d->lines.start[rp.line]);
		sp.end_col = sp.col + (uint32_t)n;
		if (st >= rp.d->lines.start[rp.line])
			json_object_set_new(*r, "range", lsp_range(s, rp.d->rel, sp));
	}
	return 0;
}
