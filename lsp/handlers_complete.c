/*
 * handlers_complete.c - completion and signature help, driven by the context complete.c detects:
 * identifiers in scope (with enum members and imported package members), macros, `pkg::`
 * members, VHDL `work.` units, unconnected ports and parameters of the instance being written,
 * and at an instantiation site every unit as a snippet with all its parameters and ports
 * connected by name (VHDL: generic map / port map).
 */
#define _GNU_SOURCE
#include "lsp/complete.h"
#include "lsp/lsp_internal.h"

#include <ctype.h>
#include <sqlite3.h>
#include <string.h>
#include <strings.h>

#define MAX_ITEMS 200
#define MAX_TEMPLATES 40

/* LSP CompletionItemKind of a model kind */
static int item_kind(const char *k)
{
	if (lsp_kind_is_unit(k) || lsp_kind_is(k, "component"))
		return lsp_kind_is(k, "package") ? 9 : 7;
	if (lsp_kind_is(k, "port"))
		return 10;
	if (lsp_kind_is(k, "parameter") || lsp_kind_is(k, "localparam") || lsp_kind_is(k, "macro"))
		return 21;
	if (lsp_kind_is(k, "enum_member"))
		return 20;
	if (lsp_kind_is(k, "typedef"))
		return 22;
	if (lsp_kind_is(k, "function") || lsp_kind_is(k, "task"))
		return 3;
	if (lsp_kind_is(k, "struct_member"))
		return 5;
	return 6;
}

typedef struct items {
	lsp_server *s;
	json_t *arr;
	json_t *seen; /* label -> true */
	const char *prefix;
	bool incomplete;
} items;

static bool prefix_ok(const items *it, const char *name)
{
	size_t n = strlen(it->prefix);

	return name && *name && !strncasecmp(name, it->prefix, n);
}

static json_t *add(items *it, const char *label, int kind, const char *detail)
{
	json_t *o;

	if (!prefix_ok(it, label) || json_object_get(it->seen, label))
		return NULL;
	if (json_array_size(it->arr) >= MAX_ITEMS) {
		it->incomplete = true;
		return NULL;
	}
	o = json_pack("{s:s, s:i}", "label", label, "kind", kind);
	if (detail)
		json_object_set_new(o, "detail", json_string(detail));
	json_object_set_new(it->seen, label, json_true());
	json_array_append_new(it->arr, o);
	return o;
}

static void add_sym(items *it, const lsym *y)
{
	if (lsp_kind_is(y->kind, "process") || lsp_kind_is(y->kind, "generate") ||
	    lsp_kind_is(y->kind, "architecture") || lsp_kind_is(y->kind, "package_body"))
		return;
	add(it, y->name, item_kind(y->kind), lsp_sym_decl(it->s, y));
}

static void add_members(items *it, const lsym *unit)
{
	lsyms kids = {0};

	if (!unit->doc) {
		size_t n = json_array_size(it->arr);

		/* one more than there is room for, so that the list is marked incomplete */
		lsp_q_members_prefix(it->s, unit, it->prefix, n < MAX_ITEMS ? MAX_ITEMS - n + 1 : 1,
		                     &kids);
		for (size_t i = 0; i < kids.n; i++)
			add_sym(it, &kids.v[i]);
		return;
	}
	lsp_q_children(it->s, unit, &kids);
	for (size_t i = 0; i < kids.n; i++) {
		lsyms em = {0};

		add_sym(it, &kids.v[i]);
		if (!lsp_kind_is(kids.v[i].kind, "typedef"))
			continue;
		lsp_q_children(it->s, &kids.v[i], &em); /* enum members, not struct fields */
		for (size_t k = 0; k < em.n; k++)
			if (lsp_kind_is(em.v[k].kind, "enum_member"))
				add_sym(it, &em.v[k]);
	}
}

static void add_package(items *it, const char *pkg)
{
	lsyms u = {0};

	lsp_q_units(it->s, pkg, &u);
	for (size_t i = 0; i < u.n; i++)
		if (lsp_kind_is(u.v[i].kind, "package"))
			add_members(it, &u.v[i]);
}

/* names declared in the scopes around (line, col), the unit's entity, and imports */
static void add_scope(items *it, lsp_doc *d, uint32_t line, uint32_t col)
{
	lsp_server *s = it->s;
	const ra_model *m = d->model;
	int32_t scope = lsp_model_scope_at(m, line, col);

	for (int32_t sc = scope;; sc = m->syms[sc].parent) {
		for (size_t i = 0; i < m->nsyms; i++) {
			int32_t p = m->syms[i].parent;
			lsym y;

			if (m->syms[i].kind == RA_SYM_ENUM_MEMBER && p >= 0)
				p = m->syms[p].parent;
			if (p != sc)
				continue;
			lsym_from_model(s, &y, d, (int32_t)i);
			add_sym(it, &y);
		}
		if (sc < 0)
			break;
		if (m->syms[sc].kind == RA_SYM_ARCHITECTURE && m->syms[sc].type) {
			lsym e;

			if (lsp_q_best_unit(s, m->syms[sc].type, RA_LANG_VHDL, &e))
				add_members(it, &e);
		}
	}
	for (size_t i = 0; i < m->nimports; i++) {
		const ra_import *im = &m->imports[i];
		bool visible = im->scope < 0;

		for (int32_t sc = scope; !visible && sc >= 0; sc = m->syms[sc].parent)
			visible = sc == im->scope;
		if (visible && im->pkg && im->item && !strcmp(im->item, "*"))
			add_package(it, im->pkg);
	}
}

static const char SQL_UNIT_NAMES[] =
        "SELECT DISTINCT s.name, s.kind, f.lang FROM symbols s JOIN files f ON f.id = s.file_id"
        " WHERE s.unit_id = s.id AND s.kind IN ('module', 'interface', 'program', 'entity',"
        " 'package', 'configuration', 'primitive', 'checker') AND s.name LIKE ?1 || '%'"
        " ORDER BY s.name LIMIT 300";
static const char SQL_MACROS[] = "SELECT DISTINCT name, value FROM symbols WHERE kind = 'macro'"
                                 " AND name LIKE ?1 || '%' ORDER BY name LIMIT 300";

/* appends one connection per interface member, parameters or ports: VHDL `name => value`,
   SystemVerilog `.name(value)`, commas between; a parameter's value is its default, a port's its
   own name; in a snippet each value is a placeholder numbered from *n */
static void put_connections(ra_buf *b, const lsyms *iface, bool ports, int count, bool vhdl,
                            bool snip, int *n)
{
	int k = 0;

	for (size_t i = 0; i < iface->n; i++) {
		const lsym *y = &iface->v[i];
		const char *value = !ports && y->value ? y->value : y->name;
		const char *sep;

		if (lsp_kind_is(y->kind, "port") != ports)
			continue;
		sep = ++k < count ? "," : "";
		ra_buf_printf(b, vhdl ? "    %s => " : "  .%s(", y->name);
		if (snip)
			ra_buf_printf(b, "${%d:%s}", (*n)++, value);
		else
			ra_buf_puts(b, value);
		ra_buf_printf(b, "%s%s\n", vhdl ? "" : ")", sep);
	}
}

/* an instantiation template of `u`, as a snippet (placeholders) or plain text */
static const char *template_of(lsp_server *s, const lsym *u, bool vhdl)
{
	lsyms iface = {0};
	ra_buf b;
	const char *out;
	int n = 1, np = 0, nq = 0;
	bool snip = s->client_snippets;

	lsp_q_interface(s, u, &iface);
	for (size_t i = 0; i < iface.n; i++)
		lsp_kind_is(iface.v[i].kind, "port") ? nq++ : np++;
	ra_buf_init(&b, 1u << 20);
	ra_buf_puts(&b, u->name);
	if (vhdl) {
		if (np) {
			ra_buf_puts(&b, "\n  generic map (\n");
			put_connections(&b, &iface, false, np, true, snip, &n);
			ra_buf_puts(&b, "  )");
		}
		if (nq) {
			ra_buf_puts(&b, "\n  port map (\n");
			put_connections(&b, &iface, true, nq, true, snip, &n);
			ra_buf_puts(&b, "  )");
		}
		ra_buf_puts(&b, ";");
	} else {
		if (np) {
			ra_buf_puts(&b, " #(\n");
			put_connections(&b, &iface, false, np, false, snip, &n);
			ra_buf_puts(&b, ")");
		}
		if (snip)
			ra_buf_printf(&b, " ${%d:u_%s} (\n", n++, u->name);
		else
			ra_buf_printf(&b, " u_%s (\n", u->name);
		put_connections(&b, &iface, true, nq, false, snip, &n);
		ra_buf_puts(&b, ");");
	}
	out = ra_arena_strdup(s->arena, b.data ? b.data : "");
	ra_buf_free(&b);
	return out;
}

static void add_unit_template(items *it, const lsym *u, bool vhdl)
{
	json_t *o = add(it, u->name, 15,
	                ra_arena_printf(it->s->arena, "%s %s — instantiate", u->kind, u->rel));

	if (!o)
		return;
	json_object_set_new(o, "insertText", json_string(template_of(it->s, u, vhdl)));
	json_object_set_new(o, "insertTextFormat", json_integer(it->s->client_snippets ? 2 : 1));
	json_object_set_new(o, "sortText",
	                    json_string(ra_arena_printf(it->s->arena, "0%s", u->name)));
}

/* units whose name starts with the prefix (open documents and the store) */
static void add_units(items *it, bool templates, bool vhdl)
{
	lsp_server *s = it->s;
	struct sqlite3_stmt *st = lsp_stmt_get(s, SQL_UNIT_NAMES);
	json_t *names = json_array();
	size_t i;
	json_t *v;

	for (size_t d = 0; d < s->ndocs; d++) {
		const ra_model *m = s->docs[d]->model;

		for (size_t k = 0; m && k < m->nsyms; k++)
			if (ra_model_kind_is_unit(m->syms[k].kind) &&
			    m->syms[k].kind != RA_SYM_ARCHITECTURE &&
			    m->syms[k].kind != RA_SYM_PACKAGE_BODY &&
			    prefix_ok(it, m->syms[k].name))
				json_array_append_new(
				        names,
				        json_pack("{s:s, s:s}", "name", m->syms[k].name, "kind",
				                  ra_model_kind_name(m->syms[k].kind)));
	}
	if (st) {
		sqlite3_bind_text(st, 1, it->prefix, -1, SQLITE_TRANSIENT);
		while (sqlite3_step(st) == SQLITE_ROW)
			json_array_append_new(
			        names, json_pack("{s:s, s:s}", "name",
			                         (const char *)sqlite3_column_text(st, 0), "kind",
			                         (const char *)sqlite3_column_text(st, 1)));
		sqlite3_reset(st);
	}
	json_array_foreach(names, i, v)
	{
		lsym u;
		const char *name = json_string_value(json_object_get(v, "name"));
		const char *kind = json_string_value(json_object_get(v, "kind"));

		if (json_object_get(it->seen, name))
			continue;
		if (!templates || lsp_kind_is(kind, "package") || lsp_kind_is(kind, "context")) {
			add(it, name, item_kind(kind), kind);
			continue;
		}
		/* a template needs the unit's interface: only for the first names */
		if (json_array_size(it->arr) >= MAX_TEMPLATES) {
			add(it, name, item_kind(kind), kind);
			it->incomplete = true;
			continue;
		}
		if (lsp_q_best_unit(s, name, vhdl ? RA_LANG_VHDL : RA_LANG_SV, &u))
			add_unit_template(it, &u, vhdl);
	}
	json_decref(names);
}

static void add_macros(items *it, lsp_doc *d)
{
	struct sqlite3_stmt *st = lsp_stmt_get(it->s, SQL_MACROS);

	for (size_t i = 0; i < d->model->nsyms; i++)
		if (d->model->syms[i].kind == RA_SYM_MACRO)
			add(it, d->model->syms[i].name, 21, d->model->syms[i].value);
	if (!st)
		return;
	sqlite3_bind_text(st, 1, it->prefix, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(st) == SQLITE_ROW)
		add(it, (const char *)sqlite3_column_text(st, 0), 21,
		    (const char *)sqlite3_column_text(st, 1));
	sqlite3_reset(st);
}

/* the instance's unit for a ports/params context */
static bool context_unit(lsp_server *s, lsp_doc *d, const ra_cc *cc, lsym *u)
{
	/* a VHDL component declared in this document */
	if (d->model->lang == RA_LANG_VHDL)
		for (size_t k = 0; k < d->model->nsyms; k++)
			if (d->model->syms[k].kind == RA_SYM_COMPONENT &&
			    lsp_name_eq(d->model->syms[k].name, cc->target, RA_LANG_VHDL)) {
				lsym_from_model(s, u, d, (int32_t)k);
				return true;
			}
	return lsp_q_best_unit(s, cc->target, d->model->lang, u);
}

/* formals already named in the list between start and the end of the statement */
static bool connected(const lsp_doc *d, size_t start, const char *name, bool vhdl)
{
	const char *t = d->text.data;
	size_t n = strlen(name), depth = 0;

	for (size_t i = start; i + n <= d->text.len; i++) {
		if (t[i] == '(')
			depth++;
		else if (t[i] == ')') {
			if (!depth)
				return false;
			depth--;
		}
		if (depth || strncasecmp(t + i, name, n) != 0)
			continue;
		if (i > 0 && (isalnum((unsigned char)t[i - 1]) || t[i - 1] == '_'))
			continue;
		if (i + n < d->text.len && (isalnum((unsigned char)t[i + n]) || t[i + n] == '_'))
			continue;
		if (!vhdl && i > 0 && t[i - 1] == '.' && strncmp(t + i, name, n) == 0)
			return true;
		if (vhdl) {
			size_t k = i + n;

			while (k < d->text.len && isspace((unsigned char)t[k]))
				k++;
			if (k + 1 < d->text.len && t[k] == '=' && t[k + 1] == '>')
				return true;
		}
	}
	return false;
}

static void add_connections(items *it, lsp_doc *d, const ra_cc *cc)
{
	lsp_server *s = it->s;
	bool vhdl = d->model->lang == RA_LANG_VHDL;
	const char *want = cc->kind == RA_CC_PORTS ? "port" : "parameter";
	lsyms iface = {0};
	lsym u;
	int order = 0;

	if (!context_unit(s, d, cc, &u))
		return;
	lsp_q_interface(s, &u, &iface);
	for (size_t i = 0; i < iface.n; i++) {
		const lsym *y = &iface.v[i];
		const char *w = lsp_width(s, y->type, y->lang);
		json_t *o;

		if (!lsp_kind_is(y->kind, want) || connected(d, cc->list_start, y->name, vhdl))
			continue;
		o = add(it, y->name, item_kind(y->kind),
		        w ? ra_arena_printf(s->arena, "%s (%s)", lsp_sym_decl(s, y), w)
		          : lsp_sym_decl(s, y));
		if (!o)
			continue;
		if (vhdl)
			json_object_set_new(
			        o, "insertText",
			        json_string(ra_arena_printf(s->arena, "%s => ", y->name)));
		else
			json_object_set_new(
			        o, "insertText",
			        json_string(ra_arena_printf(s->arena, "%s%s(%s)",
			                                    cc->dot ? "" : ".", y->name, y->name)));
		json_object_set_new(o, "sortText",
		                    json_string(ra_arena_printf(s->arena, "%04d", order++)));
	}
}

int lsp_h_completion(lsp_server *s, json_t *p, json_t **r, const char **msg)
{
	lsp_doc *d;
	size_t off;
	uint32_t line, col;
	ra_cc cc;
	items it = {.s = s};
	bool vhdl;
	int code = lsp_doc_for(s, p, &d, msg);

	if (code || (code = lsp_position(s, d, p, &off, &line, &col, msg)))
		return code;
	vhdl = d->model->lang == RA_LANG_VHDL;
	ra_complete_context(&cc, d->text.data, d->text.len, off, vhdl);
	it.arr = json_array();
	it.seen = json_object();
	it.prefix = cc.prefix;
	switch (cc.kind) {
	case RA_CC_MACRO:
		add_macros(&it, d);
		break;
	case RA_CC_PKG_MEMBER:
		add_package(&it, cc.target);
		break;
	case RA_CC_LIBRARY_UNIT:
		if (!strcasecmp(cc.target, "work") || !strcasecmp(cc.target, "ieee") ||
		    !strcasecmp(cc.target, "std"))
			add_units(&it, cc.vhdl_entity, true);
		else
			add_package(&it, cc.target); /* pkg.item */
		break;
	case RA_CC_PORTS:
	case RA_CC_PARAMS:
		if (!cc.formal[0]) {
			add_connections(&it, d, &cc);
			break;
		}
		add_scope(&it, d, line, col); /* inside .port( actual ) */
		break;
	case RA_CC_CALL:
	case RA_CC_IDENT:
		if (cc.statement_start)
			add_units(&it, true, vhdl);
		add_scope(&it, d, line, col);
		if (!cc.statement_start && cc.prefix[0])
			add_units(&it, false, vhdl);
		break;
	}
	/* the model's suggestion, when a generation for this very position has finished */
	lsp_inline_add_item(s, d, off, line, col, it.arr, &it.incomplete);
	*r = json_pack("{s:b, s:o}", "isIncomplete", it.incomplete, "items", it.arr);
	json_decref(it.seen);
	return 0;
}

/* ---- signature help ----------------------------------------------------------------------- */

int lsp_h_signature_help(lsp_server *s, json_t *p, json_t **r, const char **msg)
{
	lsp_doc *d;
	size_t off;
	uint32_t line, col;
	ra_cc cc;
	lsym u;
	lsyms args = {0};
	ra_buf b;
	json_t *params;
	int active = -1;
	bool vhdl;
	int code = lsp_doc_for(s, p, &d, msg);

	if (code || (code = lsp_position(s, d, p, &off, &line, &col, msg)))
		return code;
	vhdl = d->model->lang == RA_LANG_VHDL;
	ra_complete_context(&cc, d->text.data, d->text.len, off, vhdl);
	*r = json_null();
	if (cc.kind == RA_CC_PORTS || cc.kind == RA_CC_PARAMS) {
		lsyms iface = {0};
		const char *want = cc.kind == RA_CC_PORTS ? "port" : "parameter";

		if (!context_unit(s, d, &cc, &u))
			return 0;
		lsp_q_interface(s, &u, &iface);
		for (size_t i = 0; i < iface.n; i++)
			if (lsp_kind_is(iface.v[i].kind, want))
				lsyms_push(s, &args, &iface.v[i]);
	} else if (cc.kind == RA_CC_CALL) {
		lsyms found = {0};
		bool ok = false;

		lsp_q_find(s, cc.target, &found);
		for (size_t i = 0; i < d->model->nsyms; i++)
			if ((d->model->syms[i].kind == RA_SYM_FUNCTION ||
			     d->model->syms[i].kind == RA_SYM_TASK) &&
			    lsp_name_eq(d->model->syms[i].name, cc.target, d->model->lang) &&
			    !d->open) {
				lsym y;

				lsym_from_model(s, &y, d, (int32_t)i);
				lsyms_push(s, &found, &y);
			}
		for (size_t i = 0; i < found.n && !ok; i++)
			if (lsp_kind_is(found.v[i].kind, "function") ||
			    lsp_kind_is(found.v[i].kind, "task")) {
				u = found.v[i];
				ok = true;
			}
		if (!ok)
			return 0;
		lsp_q_children(s, &u, &args);
	} else {
		return 0;
	}
	ra_buf_init(&b, 1u << 20);
	params = json_array();
	ra_buf_printf(&b, "%s(", u.name);
	for (size_t i = 0; i < args.n; i++) {
		const char *decl = lsp_sym_decl(s, &args.v[i]);
		size_t start = b.len;

		if (!lsp_kind_is(args.v[i].kind, "port") &&
		    !lsp_kind_is(args.v[i].kind, "parameter"))
			continue;
		ra_buf_puts(&b, decl);
		json_array_append_new(params,
		                      json_pack("{s:[i,i]}", "label", (int)start, (int)b.len));
		if (cc.formal[0] && lsp_name_eq(args.v[i].name, cc.formal, args.v[i].lang))
			active = (int)json_array_size(params) - 1;
		ra_buf_puts(&b, ", ");
	}
	if (json_array_size(params))
		b.len -= 2;
	ra_buf_puts(&b, ")");
	if (active < 0)
		active = cc.arg_index;
	*r = json_pack("{s:[{s:s, s:o}], s:i, s:i}", "signatures", "label", b.data, "parameters",
	               params, "activeSignature", 0, "activeParameter", active);
	ra_buf_free(&b);
	return 0;
}
