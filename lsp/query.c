/*
 * query.c - symbols wherever they live (open documents' models first, the store for every other
 * file) and name resolution at a position: named connections, instance types, `pkg::` and VHDL
 * `lib.pkg.` prefixes, macros, the enclosing scopes (with a VHDL architecture's entity and a
 * package body's package), imports, then the workspace's units and package-level names.
 *
 * The store's public queries name symbols by name only; members of a unit, instances of a unit
 * and flows are read here with SQL over the documented schema (store.h, ra_store__db) through
 * statements prepared once per connection.
 */
#define _DEFAULT_SOURCE
#include "lsp/lsp_internal.h"

#include <ctype.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

void lsyms_push(lsp_server *s, lsyms *l, const lsym *y)
{
	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 16;
		lsym *nv = ra_arena_alloc(s->arena, nc * sizeof(*nv));

		if (!nv)
			return;
		if (l->n)
			memcpy(nv, l->v, l->n * sizeof(*nv));
		l->v = nv;
		l->cap = nc;
	}
	l->v[l->n++] = *y;
}

bool lsp_name_eq(const char *a, const char *b, ra_lang lang)
{
	if (!a || !b)
		return false;
	return lang == RA_LANG_VHDL ? !strcasecmp(a, b) : !strcmp(a, b);
}

bool lsp_kind_is(const char *kind, const char *what)
{
	return kind && !strcmp(kind, what);
}

bool lsp_kind_is_unit(const char *kind)
{
	int k = kind ? ra_model_kind_from_name(kind) : -1;

	return k >= 0 && ra_model_kind_is_unit((ra_sym_kind)k);
}

bool lsp_span_has(ra_span sp, uint32_t line, uint32_t col)
{
	if (line < sp.line || (line == sp.line && col < sp.col))
		return false;
	if (line > sp.end_line || (line == sp.end_line && col > sp.end_col))
		return false;
	return true;
}

int32_t lsp_model_unit_of(const ra_model *m, int32_t idx)
{
	while (idx >= 0 && (size_t)idx < m->nsyms && !ra_model_kind_is_unit(m->syms[idx].kind))
		idx = m->syms[idx].parent;
	return idx;
}

static bool scoping(ra_sym_kind k)
{
	return ra_model_kind_is_unit(k) || k == RA_SYM_FUNCTION || k == RA_SYM_TASK ||
	       k == RA_SYM_GENERATE || k == RA_SYM_PROCESS || k == RA_SYM_BLOCK ||
	       k == RA_SYM_CLOCKING || k == RA_SYM_COMPONENT;
}

int32_t lsp_model_scope_at(const ra_model *m, uint32_t line, uint32_t col)
{
	int32_t best = -1;

	for (size_t i = 0; i < m->nsyms; i++) {
		const ra_sym *y = &m->syms[i];

		if (!scoping(y->kind) || !lsp_span_has(y->span, line, col))
			continue;
		/* later (nested) scopes are inside earlier ones: keep the innermost */
		if (best < 0 || lsp_span_has(m->syms[best].span, y->span.line, y->span.col))
			best = (int32_t)i;
	}
	return best;
}

void lsym_from_model(lsp_server *s, lsym *out, lsp_doc *d, int32_t idx)
{
	const ra_sym *y = &d->model->syms[idx];
	int32_t u = lsp_model_unit_of(d->model, idx);

	(void)s;
	memset(out, 0, sizeof(*out));
	out->name = y->name;
	out->kind = ra_model_kind_name(y->kind);
	out->type = y->type;
	out->dir = y->dir;
	out->dims = y->dims;
	out->value = y->value;
	out->rel = d->rel;
	out->unit = u >= 0 ? d->model->syms[u].name : NULL;
	out->name_span = y->name_span;
	out->span = y->span;
	out->lang = d->model->lang;
	out->doc = d;
	out->idx = idx;
}

static bool lang_family_eq(ra_lang a, ra_lang b)
{
	return (a == RA_LANG_VHDL) == (b == RA_LANG_VHDL);
}

/* ---- store access ------------------------------------------------------------------------- */

#define LSYM_COLS                                                                                  \
	"SELECT s.id, s.kind, s.name, s.type, s.dir, s.dims, s.value, s.line, s.col, s.end_line,"  \
	" s.end_col, s.sline, s.scol, s.eline, s.ecol, f.path, f.lang, s.unit_id, u.name"          \
	" FROM symbols s JOIN files f ON f.id = s.file_id LEFT JOIN symbols u ON u.id = "          \
	"s.unit_id "

static const char SQL_UNITS[] = LSYM_COLS
        "WHERE s.key IN (?1, ?2) AND s.unit_id = s.id AND"
        " ((f.lang = 2 AND s.key = ?2) OR (f.lang != 2 AND s.key = ?1)) ORDER BY f.path, s.line";
static const char SQL_FIND[] = LSYM_COLS
        "WHERE s.key IN (?1, ?2) AND"
        " ((f.lang = 2 AND s.key = ?2) OR (f.lang != 2 AND s.key = ?1)) ORDER BY f.path, s.line";
/* names visible everywhere: macros and the members of packages */
static const char SQL_FIND_GLOBAL[] = LSYM_COLS
        "WHERE s.key IN (?1, ?2) AND"
        " ((f.lang = 2 AND s.key = ?2) OR (f.lang != 2 AND s.key = ?1)) AND s.kind != 'port'"
        " AND (s.kind = 'macro' OR u.kind = 'package') ORDER BY f.path, s.line";
static const char SQL_CHILDREN[] =
        LSYM_COLS "WHERE s.file_id = (SELECT file_id FROM symbols WHERE id = ?1)"
                  " AND s.parent_id = ?1 ORDER BY s.id";
/* members of ?1 keyed ?2 (SystemVerilog) or ?3 (VHDL), and enum members of its typedefs: the
 * name index finds the few candidates, instead of reading every member of a big package */
static const char SQL_MEMBERS_NAMED[] =
        LSYM_COLS "WHERE s.key IN (?2, ?3) AND (s.parent_id = ?1 OR (s.kind = 'enum_member' AND"
                  " (SELECT p.parent_id FROM symbols p WHERE p.id = s.parent_id AND"
                  "  p.kind = 'typedef') = ?1)) ORDER BY s.id";
/* the members of ?1 whose names start with ?2 (a LIKE pattern) and the enum members of its
 * typedefs, in declaration order, at most ?3 */
static const char SQL_MEMBERS_PREFIX[] =
        LSYM_COLS "WHERE s.file_id = (SELECT file_id FROM symbols WHERE id = ?1) AND (s.parent_id ="
                  " ?1 OR (s.kind = 'enum_member' AND (SELECT p.parent_id FROM symbols p WHERE"
                  " p.id = s.parent_id AND p.kind = 'typedef') = ?1)) AND s.name LIKE ?2"
                  " ESCAPE '\\' ORDER BY s.id LIMIT ?3";
static const char SQL_BY_ID[] = LSYM_COLS "WHERE s.id = ?1";
static const char SQL_INSTANCES_IN[] =
        LSYM_COLS "WHERE s.file_id = (SELECT file_id FROM symbols WHERE id = ?1)"
                  " AND s.unit_id = ?1 AND s.kind = 'instance' ORDER BY s.id";
static const char SQL_INSTANCES_OF[] =
        LSYM_COLS "WHERE s.kind = 'instance' AND s.type = ?1 COLLATE NOCASE" /* symbols_inst_type */
                  " AND (s.type = ?1 OR (f.lang = 2 AND lower(s.type) = ?2))"
                  " ORDER BY f.path, s.line";

/* a prepared statement of the read connection, reset and ready to bind; NULL without index */
static sqlite3_stmt *stmt(lsp_server *s, const char *sql)
{
	ra_store *st = lsp_store(s);
	sqlite3 *db = st ? ra_store__db(st) : NULL;
	size_t i;

	if (!db)
		return NULL;
	for (i = 0; i < LSP_NSTMT && s->stmts[i].sql; i++) {
		if (s->stmts[i].sql == sql) {
			sqlite3_reset(s->stmts[i].st);
			sqlite3_clear_bindings(s->stmts[i].st);
			return s->stmts[i].st;
		}
	}
	if (i == LSP_NSTMT) {
		lsp_log(s, RA_LOG_ERROR, "query: more than %d statements to keep; raise LSP_NSTMT",
		        LSP_NSTMT);
		return NULL;
	}
	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->stmts[i].st, NULL) !=
	    SQLITE_OK) {
		lsp_log(s, RA_LOG_WARN, "query: %s", sqlite3_errmsg(db));
		sqlite3_finalize(s->stmts[i].st);
		s->stmts[i].st = NULL;
		return NULL;
	}
	s->stmts[i].sql = sql;
	return s->stmts[i].st;
}

sqlite3_stmt *lsp_stmt_get(lsp_server *s, const char *sql)
{
	return stmt(s, sql);
}

void lsp_query_release(lsp_server *s)
{
	for (size_t i = 0; i < LSP_NSTMT; i++) {
		sqlite3_finalize(s->stmts[i].st);
		s->stmts[i].st = NULL;
		s->stmts[i].sql = NULL;
	}
}

static const char *col_dup(lsp_server *s, sqlite3_stmt *st, int i)
{
	const char *t = (const char *)sqlite3_column_text(st, i);

	return t ? ra_arena_strdup(s->arena, t) : NULL;
}

/* reads every row of a LSYM_COLS statement; rows of open documents are skipped (their model
 * is newer) unless keep_open */
static int collect(lsp_server *s, sqlite3_stmt *st, lsyms *out, bool keep_open)
{
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		lsym y = {0};
		const char *path = (const char *)sqlite3_column_text(st, 15);

		if (!keep_open && lsp_doc_by_rel(s, path))
			continue;
		y.id = sqlite3_column_int64(st, 0);
		y.kind = col_dup(s, st, 1);
		y.name = col_dup(s, st, 2);
		y.type = col_dup(s, st, 3);
		y.dir = col_dup(s, st, 4);
		y.dims = col_dup(s, st, 5);
		y.value = col_dup(s, st, 6);
		y.name_span = (ra_span){
		        (uint32_t)sqlite3_column_int(st, 7), (uint32_t)sqlite3_column_int(st, 8),
		        (uint32_t)sqlite3_column_int(st, 9), (uint32_t)sqlite3_column_int(st, 10)};
		y.span = (ra_span){
		        (uint32_t)sqlite3_column_int(st, 11), (uint32_t)sqlite3_column_int(st, 12),
		        (uint32_t)sqlite3_column_int(st, 13), (uint32_t)sqlite3_column_int(st, 14)};
		y.rel = col_dup(s, st, 15);
		y.lang = (ra_lang)sqlite3_column_int(st, 16);
		y.unit_id = sqlite3_column_int64(st, 17);
		y.unit = col_dup(s, st, 18);
		y.idx = -1;
		if (y.kind && y.name && y.rel)
			lsyms_push(s, out, &y);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? RA_OK : RA_ERR;
}

static void bind_name(lsp_server *s, sqlite3_stmt *st, const char *name)
{
	char *folded = ra_arena_strdup(s->arena, name);

	for (char *p = folded; p && *p; p++)
		*p = (char)tolower((unsigned char)*p);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, folded ? folded : name, -1, SQLITE_TRANSIENT);
}

/* the open documents' symbols matching pred */
static void model_each(lsp_server *s, lsyms *out, const char *name, bool units_only)
{
	for (size_t i = 0; i < s->ndocs; i++) {
		lsp_doc *d = s->docs[i];

		size_t n;

		if (lsp_doc_model(s, d))
			continue;
		n = units_only ? d->nunits : d->model->nsyms;
		for (size_t j = 0; j < n; j++) {
			size_t k = units_only ? (size_t)d->units[j] : j;
			const ra_sym *y = &d->model->syms[k];
			lsym l;

			if (!lsp_name_eq(y->name, name, d->model->lang))
				continue;
			lsym_from_model(s, &l, d, (int32_t)k);
			lsyms_push(s, out, &l);
		}
	}
}

int lsp_q_units(lsp_server *s, const char *name, lsyms *out)
{
	sqlite3_stmt *st;

	model_each(s, out, name, true);
	st = stmt(s, SQL_UNITS);
	if (!st)
		return RA_OK;
	bind_name(s, st, name);
	return collect(s, st, out, false);
}

int lsp_q_find(lsp_server *s, const char *name, lsyms *out)
{
	sqlite3_stmt *st;

	model_each(s, out, name, false);
	st = stmt(s, SQL_FIND);
	if (!st)
		return RA_OK;
	bind_name(s, st, name);
	return collect(s, st, out, false);
}

int lsp_q_children(lsp_server *s, const lsym *parent, lsyms *out)
{
	sqlite3_stmt *st;

	if (parent->doc) {
		for (size_t k = 0; k < parent->doc->model->nsyms; k++) {
			lsym l;

			if (parent->doc->model->syms[k].parent != parent->idx)
				continue;
			lsym_from_model(s, &l, parent->doc, (int32_t)k);
			lsyms_push(s, out, &l);
		}
		return RA_OK;
	}
	st = stmt(s, SQL_CHILDREN);
	if (!st)
		return RA_OK;
	sqlite3_bind_int64(st, 1, parent->id);
	return collect(s, st, out, true);
}

int lsp_q_members_prefix(lsp_server *s, const lsym *unit, const char *prefix, size_t limit,
                         lsyms *out)
{
	sqlite3_stmt *st = stmt(s, SQL_MEMBERS_PREFIX);
	char *like = ra_arena_alloc(s->arena, strlen(prefix) * 2 + 2), *p = like;

	if (!st || !like || unit->doc)
		return RA_ERR;
	for (; *prefix; prefix++) { /* LIKE's own characters, escaped */
		if (*prefix == '_' || *prefix == '%' || *prefix == '\\')
			*p++ = '\\';
		*p++ = *prefix;
	}
	*p++ = '%';
	*p = '\0';
	sqlite3_bind_int64(st, 1, unit->id);
	sqlite3_bind_text(st, 2, like, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)limit);
	return collect(s, st, out, true);
}

bool lsp_q_best_unit(lsp_server *s, const char *name, ra_lang lang, lsym *out)
{
	lsyms u = {0};
	int best = -1, best_score = -1;

	if (!name || lsp_q_units(s, name, &u))
		return false;
	for (size_t i = 0; i < u.n; i++) {
		const char *k = u.v[i].kind;
		int score = 0;

		if (lsp_kind_is(k, "architecture") || lsp_kind_is(k, "package_body"))
			continue;
		if (lang_family_eq(u.v[i].lang, lang))
			score += 4;
		if (lsp_kind_is(k, "module") || lsp_kind_is(k, "entity") ||
		    lsp_kind_is(k, "interface"))
			score += 2;
		if (u.v[i].doc)
			score += 1;
		if (score > best_score) {
			best = (int)i;
			best_score = score;
		}
	}
	if (best < 0)
		return false;
	*out = u.v[best];
	return true;
}

int lsp_q_interface(lsp_server *s, const lsym *unit, lsyms *out)
{
	lsyms kids = {0};
	lsym ent;
	int rc;

	if (lsp_kind_is(unit->kind, "architecture") && unit->type &&
	    lsp_q_best_unit(s, unit->type, RA_LANG_VHDL, &ent))
		unit = &ent;
	rc = lsp_q_children(s, unit, &kids);
	for (size_t i = 0; i < kids.n; i++)
		if (lsp_kind_is(kids.v[i].kind, "port") || lsp_kind_is(kids.v[i].kind, "parameter"))
			lsyms_push(s, out, &kids.v[i]);
	return rc;
}

int lsp_q_instances_of(lsp_server *s, const char *name, ra_lang lang, lsyms *out)
{
	sqlite3_stmt *st;

	for (size_t i = 0; i < s->ndocs; i++) {
		lsp_doc *d = s->docs[i];

		if (lsp_doc_model(s, d))
			continue;
		for (size_t k = 0; k < d->model->nsyms; k++) {
			const ra_sym *y = &d->model->syms[k];
			lsym l;

			if (y->kind != RA_SYM_INSTANCE ||
			    !lsp_name_eq(y->type, name,
			                 d->model->lang == RA_LANG_VHDL ? RA_LANG_VHDL : lang))
				continue;
			lsym_from_model(s, &l, d, (int32_t)k);
			lsyms_push(s, out, &l);
		}
	}
	st = stmt(s, SQL_INSTANCES_OF);
	if (st) {
		bind_name(s, st, name);
		collect(s, st, out, false);
	}
	/* an instance in the other language binds here only when its own language has no unit
	   of that name (mixed-language designs) */
	{
		lsym other;
		ra_lang ol = lang == RA_LANG_VHDL ? RA_LANG_SV : RA_LANG_VHDL;
		bool other_has =
		        lsp_q_best_unit(s, name, ol, &other) && lang_family_eq(other.lang, ol);
		size_t k = 0;

		for (size_t i = 0; i < out->n; i++)
			if (!other_has || lang_family_eq(out->v[i].lang, lang))
				out->v[k++] = out->v[i];
		out->n = k;
	}
	return RA_OK;
}

int lsp_q_instances_in(lsp_server *s, const lsym *unit, lsyms *out)
{
	sqlite3_stmt *st;

	if (unit->doc) {
		const ra_model *m = unit->doc->model;

		for (size_t k = 0; k < m->nsyms; k++) {
			lsym l;

			if (m->syms[k].kind != RA_SYM_INSTANCE ||
			    lsp_model_unit_of(m, (int32_t)k) != unit->idx)
				continue;
			lsym_from_model(s, &l, unit->doc, (int32_t)k);
			lsyms_push(s, out, &l);
		}
		return RA_OK;
	}
	st = stmt(s, SQL_INSTANCES_IN);
	if (!st)
		return RA_OK;
	sqlite3_bind_int64(st, 1, unit->id);
	return collect(s, st, out, true);
}

int lsp_q_unit_of(lsp_server *s, const lsym *y, lsym *out)
{
	lsyms r = {0};
	sqlite3_stmt *st;

	if (y->doc) {
		int32_t u = lsp_model_unit_of(y->doc->model, y->idx);

		if (u < 0)
			return RA_ENOTFOUND;
		lsym_from_model(s, out, y->doc, u);
		return RA_OK;
	}
	st = stmt(s, SQL_BY_ID);
	if (!st || !y->unit_id)
		return RA_ENOTFOUND;
	sqlite3_bind_int64(st, 1, y->unit_id);
	collect(s, st, &r, true);
	if (!r.n)
		return RA_ENOTFOUND;
	*out = r.v[0];
	return RA_OK;
}

/* ---- words -------------------------------------------------------------------------------- */

static bool ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '$';
}

bool lsp_word_at(const char *text, size_t len, size_t off, size_t *start, size_t *n)
{
	size_t a, b;

	if (off > len)
		off = len;
	if ((off == len || !ident_char(text[off])) && off > 0 && ident_char(text[off - 1]))
		off--;
	if (off >= len || !ident_char(text[off]))
		return false;
	a = b = off;
	while (a > 0 && ident_char(text[a - 1]))
		a--;
	while (b < len && ident_char(text[b]))
		b++;
	if (isdigit((unsigned char)text[a]) || text[a] == '$')
		return false;
	*start = a;
	*n = b - a;
	return true;
}

/* the identifier that ends right before `end` (spaces skipped), in the arena; NULL if none */
static const char *word_before(lsp_server *s, const char *t, size_t end)
{
	size_t b = end, a;

	while (b > 0 && (t[b - 1] == ' ' || t[b - 1] == '\t'))
		b--;
	a = b;
	while (a > 0 && ident_char(t[a - 1]))
		a--;
	return a < b ? ra_arena_strndup(s->arena, t + a, b - a) : NULL;
}

static void line_col(const lsp_doc *d, size_t off, uint32_t *line, uint32_t *col)
{
	size_t lo = ra_line_of(d->lines.start, d->lines.n, off);

	*line = (uint32_t)lo;
	*col = (uint32_t)(off - d->lines.start[lo]);
}

/* members of `unit` named `name` (kind filter optional) */
static void members_named(lsp_server *s, const lsym *unit, const char *name, const char *kind,
                          lsyms *out)
{
	lsyms kids = {0};

	if (!unit->doc) {
		sqlite3_stmt *st = stmt(s, SQL_MEMBERS_NAMED);
		size_t from = out->n;

		if (!st)
			return;
		char *folded = ra_arena_strdup(s->arena, name);

		for (char *p = folded; p && *p; p++)
			*p = (char)tolower((unsigned char)*p);
		sqlite3_bind_int64(st, 1, unit->id);
		sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, folded ? folded : name, -1, SQLITE_TRANSIENT);
		collect(s, st, out, true);
		/* the same filters as for a document's members below */
		for (size_t i = from; i < out->n; i++)
			if ((kind && !lsp_kind_is(out->v[i].kind, kind)) ||
			    !lsp_name_eq(out->v[i].name, name, out->v[i].lang))
				out->v[i--] = out->v[--out->n];
		return;
	}
	lsp_q_children(s, unit, &kids);
	for (size_t i = 0; i < kids.n; i++) {
		const lsym *k = &kids.v[i];

		if (kind && !lsp_kind_is(k->kind, kind))
			continue;
		if (lsp_name_eq(k->name, name, k->lang))
			lsyms_push(s, out, k);
		else if (lsp_kind_is(k->kind, "typedef")) /* enum members sit under their type */
			members_named(s, k, name, "enum_member", out);
	}
}

static void package_members(lsp_server *s, const char *pkg, const char *name, lsyms *out)
{
	lsyms u = {0};

	lsp_q_units(s, pkg, &u);
	for (size_t i = 0; i < u.n; i++)
		if (lsp_kind_is(u.v[i].kind, "package"))
			members_named(s, &u.v[i], name, NULL, out);
}

static bool is_library(const ra_model *m, const char *w)
{
	if (!strcasecmp(w, "work") || !strcasecmp(w, "ieee") || !strcasecmp(w, "std"))
		return true;
	for (size_t i = 0; i < m->nimports; i++)
		if (m->imports[i].library && !m->imports[i].pkg &&
		    !strcasecmp(m->imports[i].library, w))
			return true;
	return false;
}

/* the model conn whose formal is the word at [st, st+n) */
static int32_t formal_at(const lsp_doc *d, size_t st, size_t n, const char *name)
{
	const ra_model *m = d->model;
	const char *t = d->text.data;
	uint32_t line, col;
	size_t e = st + n;

	if (m->lang == RA_LANG_VHDL) {
		while (e < d->text.len && (t[e] == ' ' || t[e] == '\t'))
			e++;
		if (e + 1 >= d->text.len || t[e] != '=' || t[e + 1] != '>')
			return -1;
	} else if (st == 0 || t[st - 1] != '.') {
		return -1;
	}
	line_col(d, st, &line, &col);
	for (size_t i = 0; i < m->nconns; i++)
		if (m->conns[i].formal && lsp_name_eq(m->conns[i].formal, name, m->lang) &&
		    lsp_span_has(m->conns[i].span, line, col))
			return (int32_t)i;
	return -1;
}

/* the unit an instance of the model instantiates (a VHDL component declared in the document
 * counts as its declaration) */
static bool instance_unit(lsp_server *s, lsp_doc *d, const ra_sym *inst, lsym *out)
{
	if (d->model->lang == RA_LANG_VHDL && inst->dir && !strcmp(inst->dir, "component")) {
		for (size_t k = 0; k < d->model->nsyms; k++)
			if (d->model->syms[k].kind == RA_SYM_COMPONENT &&
			    lsp_name_eq(d->model->syms[k].name, inst->type, RA_LANG_VHDL)) {
				lsym_from_model(s, out, d, (int32_t)k);
				return true;
			}
	}
	return lsp_q_best_unit(s, inst->type, d->model->lang, out);
}

bool lsp_instance_unit(lsp_server *s, lsp_doc *d, int32_t inst, lsym *out)
{
	return instance_unit(s, d, &d->model->syms[inst], out);
}

int lsp_resolve(lsp_server *s, lsp_doc *d, size_t off, lsyms *out, const char **word)
{
	const char *t = d->text.data, *name, *pre;
	const ra_model *m = d->model;
	ra_lang lang = m->lang;
	size_t st, n;
	uint32_t wl, wc;
	int32_t scope, c;

	*word = NULL;
	if (!lsp_word_at(t, d->text.len, off, &st, &n))
		return RA_OK;
	name = ra_arena_strndup(s->arena, t + st, n);
	if (!name)
		return RA_ENOMEM;
	*word = name;
	line_col(d, st, &wl, &wc);

	/* `MACRO */
	if (st > 0 && t[st - 1] == '`') {
		lsyms all = {0};

		lsp_q_find(s, name, &all);
		for (size_t i = 0; i < m->nsyms; i++)
			if (m->syms[i].kind == RA_SYM_MACRO && !strcmp(m->syms[i].name, name) &&
			    !d->open) {
				lsym l;

				lsym_from_model(s, &l, d, (int32_t)i);
				lsyms_push(s, &all, &l);
			}
		for (size_t i = 0; i < all.n; i++)
			if (lsp_kind_is(all.v[i].kind, "macro"))
				lsyms_push(s, out, &all.v[i]);
		return RA_OK;
	}
	/* pkg::name */
	if (st >= 2 && t[st - 1] == ':' && t[st - 2] == ':' && (pre = word_before(s, t, st - 2))) {
		package_members(s, pre, name, out);
		if (out->n)
			return RA_OK;
	}
	/* VHDL lib.unit and pkg.item */
	if (lang == RA_LANG_VHDL && st > 0 && t[st - 1] == '.' &&
	    (pre = word_before(s, t, st - 1))) {
		if (is_library(m, pre)) {
			lsyms u = {0};

			lsp_q_units(s, name, &u);
			for (size_t i = 0; i < u.n; i++)
				if (!lsp_kind_is(u.v[i].kind, "architecture") &&
				    !lsp_kind_is(u.v[i].kind, "package_body") &&
				    u.v[i].lang == RA_LANG_VHDL)
					lsyms_push(s, out, &u.v[i]);
			/* a mixed-language design may bind a SystemVerilog module */
			for (size_t i = 0; !out->n && i < u.n; i++)
				lsyms_push(s, out, &u.v[i]);
		} else {
			package_members(s, pre, name, out);
		}
		if (out->n)
			return RA_OK;
	}
	/* .formal( / formal => : the instantiated unit's port or parameter */
	c = formal_at(d, st, n, name);
	if (c >= 0) {
		lsym u;

		if (instance_unit(s, d, &m->syms[m->conns[c].inst], &u)) {
			lsyms iface = {0};

			lsp_q_interface(s, &u, &iface);
			for (size_t i = 0; i < iface.n; i++)
				if (lsp_name_eq(iface.v[i].name, name, iface.v[i].lang) &&
				    lsp_kind_is(iface.v[i].kind,
				                m->conns[c].is_param ? "parameter" : "port"))
					lsyms_push(s, out, &iface.v[i]);
		}
		if (out->n)
			return RA_OK;
	}
	/* the unit named by an instance */
	for (size_t i = 0; i < m->nsyms; i++) {
		const ra_sym *y = &m->syms[i];
		lsym u;

		if (y->kind != RA_SYM_INSTANCE || !lsp_name_eq(y->type, name, lang) ||
		    !lsp_span_has(y->span, wl, wc) ||
		    (wl == y->name_span.line && wc == y->name_span.col))
			continue;
		if (instance_unit(s, d, y, &u)) {
			lsyms_push(s, out, &u);
			/* a component's entity too, for definition */
			if (lsp_kind_is(u.kind, "component") &&
			    lsp_q_best_unit(s, y->type, RA_LANG_VHDL, &u))
				lsyms_push(s, out, &u);
			return RA_OK;
		}
	}
	/* the enclosing scopes, innermost first */
	scope = lsp_model_scope_at(m, wl, wc);
	for (int32_t sc = scope;; sc = m->syms[sc].parent) {
		for (size_t i = 0; i < m->nsyms; i++) {
			const ra_sym *y = &m->syms[i];
			int32_t p = y->parent;

			if (y->kind == RA_SYM_ENUM_MEMBER && p >= 0)
				p = m->syms[p].parent;
			if (p != sc || !lsp_name_eq(y->name, name, lang))
				continue;
			{
				lsym l;

				lsym_from_model(s, &l, d, (int32_t)i);
				lsyms_push(s, out, &l);
			}
		}
		if (out->n)
			return RA_OK;
		if (sc < 0)
			break;
		if ((m->syms[sc].kind == RA_SYM_ARCHITECTURE ||
		     m->syms[sc].kind == RA_SYM_PACKAGE_BODY) &&
		    m->syms[sc].type) {
			lsym u;
			const char *target = m->syms[sc].kind == RA_SYM_ARCHITECTURE
			                             ? m->syms[sc].type
			                             : m->syms[sc].name;

			if (m->syms[sc].kind == RA_SYM_PACKAGE_BODY)
				package_members(s, target, name, out);
			else if (lsp_q_best_unit(s, target, RA_LANG_VHDL, &u))
				members_named(s, &u, name, NULL, out);
			if (out->n)
				return RA_OK;
		} else if (m->syms[sc].kind == RA_SYM_PACKAGE_BODY) {
			package_members(s, m->syms[sc].name, name, out);
			if (out->n)
				return RA_OK;
		}
	}
	/* imports visible here */
	for (size_t i = 0; i < m->nimports; i++) {
		const ra_import *im = &m->imports[i];
		bool visible = im->scope < 0;

		for (int32_t sc = scope; !visible && sc >= 0; sc = m->syms[sc].parent)
			visible = sc == im->scope;
		if (!visible || !im->pkg || !im->item)
			continue;
		if (strcmp(im->item, "*") != 0 && !lsp_name_eq(im->item, name, lang))
			continue;
		package_members(s, im->pkg, name, out);
	}
	if (out->n)
		return RA_OK;
	/* the workspace: units, then package-level and file-level names */
	lsp_q_units(s, name, out);
	if (out->n) {
		lsyms keep = {0};

		/* a use from SystemVerilog prefers SystemVerilog units, and VHDL VHDL ones */
		for (size_t i = 0; i < out->n; i++)
			if (lang_family_eq(out->v[i].lang, lang))
				lsyms_push(s, &keep, &out->v[i]);
		if (keep.n)
			*out = keep;
		return RA_OK;
	}
	/* the open documents' packages and macros, then the store's */
	for (size_t i = 0; i < s->ndocs; i++) {
		lsp_doc *od = s->docs[i];

		if (lsp_doc_model(s, od))
			continue;
		for (size_t k = 0; k < od->model->nsyms; k++) {
			const ra_sym *y = &od->model->syms[k];
			int32_t u = lsp_model_unit_of(od->model, (int32_t)k);
			lsym l;

			if (!lsp_name_eq(y->name, name, od->model->lang) ||
			    y->kind == RA_SYM_PORT ||
			    !(y->kind == RA_SYM_MACRO ||
			      (u >= 0 && od->model->syms[u].kind == RA_SYM_PACKAGE)))
				continue;
			lsym_from_model(s, &l, od, (int32_t)k);
			lsyms_push(s, out, &l);
		}
	}
	{
		sqlite3_stmt *q = stmt(s, SQL_FIND_GLOBAL);

		if (q) {
			bind_name(s, q, name);
			collect(s, q, out, false);
		}
	}
	return RA_OK;
}
