/*
 * handlers_rename.c - textDocument/prepareRename and textDocument/rename.
 *
 * A rename rewrites exactly what textDocument/references finds (lsp_refs_collect, declarations
 * included), plus the end labels of the declarations (`endmodule : NAME`, `end entity NAME;`)
 * and, for a VHDL entity, the component declarations of it. It is all or nothing: before an
 * edit is returned, every position is checked against the text the client edits (the open
 * buffer, else the file on disk) and every file for write access, and the new name for
 * legality (identifier and keywords of every language touched) and clashes in its scope.
 * What cannot be renamed safely is refused with a message naming why and where: keywords,
 * system tasks, macros, escaped identifiers, names not defined in the workspace, ports or
 * signals reached by implicit `.name` / `.*` connections (a rename would silently disconnect
 * them), a SystemVerilog use of a VHDL name written in another case.
 */
#define _GNU_SOURCE
#include "lsp/lsp_internal.h"

#include <ctype.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* longest new name accepted (an outside input) */
#define RENAME_MAX_NAME 1024

/* ---- identifiers and keywords ------------------------------------------------------------- */

/* IEEE 1800-2017 Annex B */
/* clang-format off */
static const char *const sv_keywords[] = {
        "accept_on", "alias", "always", "always_comb", "always_ff", "always_latch", "and",
        "assert", "assign", "assume", "automatic", "before", "begin", "bind", "bins", "binsof",
        "bit", "break", "buf", "bufif0", "bufif1", "byte", "case", "casex", "casez", "cell",
        "chandle", "checker", "class", "clocking", "cmos", "config", "const", "constraint",
        "context", "continue", "cover", "covergroup", "coverpoint", "cross", "deassign", "default",
        "defparam", "design", "disable", "dist", "do", "edge", "else", "end", "endcase",
        "endchecker", "endclass", "endclocking", "endconfig", "endfunction", "endgenerate",
        "endgroup", "endinterface", "endmodule", "endpackage", "endprimitive", "endprogram",
        "endproperty", "endsequence", "endspecify", "endtable", "endtask", "enum", "event",
        "eventually", "expect", "export", "extends", "extern", "final", "first_match", "for",
        "force", "foreach", "forever", "fork", "forkjoin", "function", "generate", "genvar",
        "global", "highz0", "highz1", "if", "iff", "ifnone", "ignore_bins", "illegal_bins",
        "implements", "implies", "import", "incdir", "include", "initial", "inout", "input",
        "inside", "instance", "int", "integer", "interconnect", "interface", "intersect", "join",
        "join_any", "join_none", "large", "let", "liblist", "library", "local", "localparam",
        "logic", "longint", "macromodule", "matches", "medium", "modport", "module", "nand",
        "negedge", "nettype", "new", "nexttime", "nmos", "nor", "noshowcancelled", "not", "notif0",
        "notif1", "null", "or", "output", "package", "packed", "parameter", "pmos", "posedge",
        "primitive", "priority", "program", "property", "protected", "pull0", "pull1", "pulldown",
        "pullup", "pulsestyle_ondetect", "pulsestyle_onevent", "pure", "rand", "randc", "randcase",
        "randsequence", "rcmos", "real", "realtime", "ref", "reg", "reject_on", "release",
        "repeat", "restrict", "return", "rnmos", "rpmos", "rtran", "rtranif0", "rtranif1",
        "s_always", "s_eventually", "s_nexttime", "s_until", "s_until_with", "scalared",
        "sequence", "shortint", "shortreal", "showcancelled", "signed", "small", "soft", "solve",
        "specify", "specparam", "static", "string", "strong", "strong0", "strong1", "struct",
        "super", "supply0", "supply1", "sync_accept_on", "sync_reject_on", "table", "tagged",
        "task", "this", "throughout", "time", "timeprecision", "timeunit", "tran", "tranif0",
        "tranif1", "tri", "tri0", "tri1", "triand", "trior", "trireg", "type", "typedef", "union",
        "unique", "unique0", "unsigned", "until", "until_with", "untyped", "use", "uwire", "var",
        "vectored", "virtual", "void", "wait", "wait_order", "wand", "weak", "weak0", "weak1",
        "while", "wildcard", "wire", "with", "within", "wor", "xnor", "xor"};
/* clang-format on */

/* IEEE 1076-2008 15.10 (with the PSL words it reserves), lower case */
/* clang-format off */
static const char *const vhdl_keywords[] = {
        "abs", "access", "after", "alias", "all", "and", "architecture", "array", "assert",
        "assume", "assume_guarantee", "attribute", "begin", "block", "body", "buffer", "bus",
        "case", "component", "configuration", "constant", "context", "cover", "default",
        "disconnect", "downto", "else", "elsif", "end", "entity", "exit", "fairness", "file",
        "for", "force", "function", "generate", "generic", "group", "guarded", "if", "impure",
        "in", "inertial", "inout", "is", "label", "library", "linkage", "literal", "loop", "map",
        "mod", "nand", "new", "next", "nor", "not", "null", "of", "on", "open", "or", "others",
        "out", "package", "parameter", "port", "postponed", "procedure", "process", "property",
        "protected", "pure", "range", "record", "register", "reject", "release", "rem", "report",
        "restrict", "restrict_guarantee", "return", "rol", "ror", "select", "sequence", "severity",
        "shared", "signal", "sla", "sll", "sra", "srl", "strong", "subtype", "then", "to",
        "transport", "type", "unaffected", "units", "until", "use", "variable", "vmode", "vprop",
        "vunit", "wait", "when", "while", "with", "xnor", "xor"};
/* clang-format on */

/* a keyword of SystemVerilog, or of VHDL (case-insensitively); a few calls per request: the
 * lists are scanned */
static bool is_keyword(const char *name, bool vhdl)
{
	const char *const *v = vhdl ? vhdl_keywords : sv_keywords;
	size_t n = vhdl ? sizeof(vhdl_keywords) / sizeof(*vhdl_keywords)
	                : sizeof(sv_keywords) / sizeof(*sv_keywords);

	for (size_t i = 0; i < n; i++)
		if (vhdl ? !strcasecmp(v[i], name) : !strcmp(v[i], name))
			return true;
	return false;
}

/* why `name` is not a simple identifier of the language, NULL when it is one */
static const char *bad_identifier(const char *name, bool vhdl)
{
	size_t n = strlen(name);

	if (!n)
		return "the new name is empty";
	if (n > RENAME_MAX_NAME)
		return "the new name is too long";
	if (!isalpha((unsigned char)name[0]) && (vhdl || name[0] != '_'))
		return vhdl ? "a VHDL identifier starts with a letter"
		            : "a SystemVerilog identifier starts with a letter or _";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (isalnum(c) || c == '_')
			continue;
		if (c == '$' && !vhdl)
			continue;
		return vhdl ? "a VHDL identifier holds only letters, digits and _"
		            : "a SystemVerilog identifier holds only letters, digits, _ and $";
	}
	if (vhdl && (strstr(name, "__") || name[n - 1] == '_'))
		return "a VHDL identifier has no trailing or doubled _";
	return NULL;
}

static bool ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '$';
}

/* ---- what is being renamed ---------------------------------------------------------------- */

typedef struct rename_target {
	lsp_doc *d;
	const char *word; /* as written at the cursor */
	ra_span at;       /* the word in d, byte columns */
	lsyms res;        /* what it denotes (lsp_resolve) */
	const lsym *y;    /* the declaration renamed (res.v[0], an entity before its component) */
	lsym unit;        /* y's enclosing unit, when has_unit */
	bool has_unit;
} rename_target;

static const char *where(lsp_server *s, const char *rel, uint32_t line)
{
	return ra_arena_printf(s->arena, "%s:%u", rel, line + 1);
}

static bool is_vhdl(ra_lang l)
{
	return l == RA_LANG_VHDL;
}

/* `rel` can be written; else *m says so */
static bool writable(lsp_server *s, const char *rel, uint32_t line, const char **m)
{
	const char *abs = ra_arena_printf(s->arena, "%s/%s", s->ws.root, rel);

	if (abs && access(abs, W_OK) == 0)
		return true;
	*m = ra_arena_printf(s->arena, "cannot rename: %s is not writable", where(s, rel, line));
	return false;
}

/* a named connection, from an open document's model or the store */
typedef struct conn_row {
	const char *rel;
	int64_t inst; /* model index or store id, unique within rel */
	uint32_t line;
	const char *formal; /* "*" for .* */
	const char *type;   /* the instantiated unit */
	bool implicit;      /* `.name` */
	bool stored;        /* from the store (inst is a symbol id) */
} conn_row;

typedef struct conn_rows {
	conn_row *v;
	size_t n, cap;
} conn_rows;

static void conn_push(lsp_server *s, conn_rows *l, const conn_row *c)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		conn_row *v = ra_arena_alloc(s->arena, cap * sizeof(*v));

		if (!v)
			return;
		if (l->n)
			memcpy(v, l->v, l->n * sizeof(*v));
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *c;
}

/* the model's port connection `cn` as a row */
static void conn_of_model(lsp_server *s, conn_rows *out, lsp_doc *d, const ra_conn *cn)
{
	const ra_model *m = d->model;
	conn_row r;

	if (cn->is_param || !cn->formal || cn->inst < 0 || (size_t)cn->inst >= m->nsyms)
		return;
	r.rel = d->rel;
	r.stored = false;
	r.inst = cn->inst;
	r.line = cn->span.line;
	r.formal = cn->formal;
	r.type = m->syms[cn->inst].type ? m->syms[cn->inst].type : "";
	/* `.name`: the connection is the formal alone */
	r.implicit = strcmp(cn->formal, "*") != 0 && cn->actual &&
	             !strcmp(cn->actual, cn->formal) &&
	             cn->span.end_line == cn->formal_span.end_line &&
	             cn->span.end_col == cn->formal_span.end_col;
	conn_push(s, out, &r);
}

static const char SQL_CONNS_OF_TYPE[] =
        "SELECT f.path, c.inst_id, c.line, c.formal, c.actual, c.end_line, c.end_col, c.fline,"
        " c.fcol, c.itype FROM conns c JOIN files f ON f.id = c.file_id"
        " WHERE c.itype = ?1 COLLATE NOCASE AND c.formal = ?2 COLLATE NOCASE AND c.is_param = 0"
        " AND (c.formal = '*' OR c.actual = c.formal)";

/* does stored instance ?1 connect ?2 by name */
static const char SQL_CONN_NAMED[] =
        "SELECT 1 FROM conns WHERE inst_id = ?1 AND is_param = 0 AND formal = ?2"
        " AND NOT (actual = formal AND end_line = fline AND end_col = fcol + length(formal))";

static const char SQL_CONNS_IN_UNIT[] =
        "SELECT f.path, c.inst_id, c.line, c.formal, c.actual, c.end_line, c.end_col, c.fline,"
        " c.fcol, i.type FROM symbols i JOIN conns c ON c.inst_id = i.id"
        " JOIN files f ON f.id = i.file_id"
        " WHERE i.file_id = (SELECT file_id FROM symbols WHERE id = ?1) AND i.unit_id = ?1"
        " AND c.is_param = 0 AND (c.formal = '*' OR c.formal = ?2 COLLATE NOCASE)";

/* the rows of a conns query (columns as SQL_CONNS_*), files open in the editor left out */
static void conn_rows_of(lsp_server *s, sqlite3_stmt *q, conn_rows *out)
{
	while (sqlite3_step(q) == SQLITE_ROW) {
		const char *path = (const char *)sqlite3_column_text(q, 0);
		const char *formal = (const char *)sqlite3_column_text(q, 3);
		const char *actual = (const char *)sqlite3_column_text(q, 4);
		const char *type = (const char *)sqlite3_column_text(q, 9);
		conn_row r;

		if (!path || !formal || lsp_doc_by_rel(s, path))
			continue;
		r.rel = ra_arena_strdup(s->arena, path);
		r.stored = true;
		r.inst = sqlite3_column_int64(q, 1);
		r.line = (uint32_t)sqlite3_column_int(q, 2);
		r.formal = ra_arena_strdup(s->arena, formal);
		r.type = ra_arena_strdup(s->arena, type ? type : "");
		r.implicit = strcmp(formal, "*") != 0 && actual && !strcmp(actual, formal) &&
		             sqlite3_column_type(q, 7) != SQLITE_NULL &&
		             sqlite3_column_int64(q, 5) == sqlite3_column_int64(q, 7) &&
		             sqlite3_column_int64(q, 6) ==
		                     sqlite3_column_int64(q, 8) + (int64_t)strlen(formal);
		if (r.rel && r.formal && r.type)
			conn_push(s, out, &r);
	}
	sqlite3_reset(q);
}

/* true when the instance of `.*` row c also connects `name` explicitly (`.name(...)`), which
 * `.*` then leaves alone; `l` holds the rows of open documents' instances */
static bool explicit_conn(lsp_server *s, const conn_rows *l, const conn_row *c, const char *name)
{
	sqlite3_stmt *q;
	bool found = false;

	if (c->stored) {
		q = lsp_stmt_get(s, SQL_CONN_NAMED);
		if (!q)
			return false;
		sqlite3_bind_int64(q, 1, c->inst);
		sqlite3_bind_text(q, 2, name, -1, SQLITE_TRANSIENT);
		found = sqlite3_step(q) == SQLITE_ROW;
		sqlite3_reset(q);
		return found;
	}
	for (size_t i = 0; i < l->n; i++)
		if (!l->v[i].stored && l->v[i].inst == c->inst && !strcmp(l->v[i].rel, c->rel) &&
		    !l->v[i].implicit && !strcmp(l->v[i].formal, name))
			return true;
	return false;
}

/* true when a unit named `type` (best for SystemVerilog) has a port `name` */
static bool has_port(lsp_server *s, const char *type, const char *name)
{
	lsym u;
	lsyms iface = {0};

	if (!lsp_q_best_unit(s, type, RA_LANG_SV, &u))
		return false;
	lsp_q_interface(s, &u, &iface);
	for (size_t i = 0; i < iface.n; i++)
		if (lsp_kind_is(iface.v[i].kind, "port") &&
		    lsp_name_eq(iface.v[i].name, name, iface.v[i].lang))
			return true;
	return false;
}

/* Implicit connections that a rename of port or signal `name` would silently break: `.name`
 * and `.*` of the instances of unit `t->unit` when y is its port, and of the instances inside
 * it (connecting its signal `name` by name). Sets *m and returns false when there is one. */
static bool no_implicit(lsp_server *s, const rename_target *t, const char **m)
{
	const lsym *y = t->y, *u = &t->unit;
	const char *name = y->name;
	bool port = lsp_kind_is(y->kind, "port");
	conn_rows of_type = {0}, inside = {0};

	if (!t->has_unit || is_vhdl(y->lang))
		return true; /* VHDL has no implicit connections */
	/* instances of the unit (ports only) */
	if (port) {
		for (size_t i = 0; i < s->ndocs; i++) {
			lsp_doc *d = s->docs[i];

			if (lsp_doc_model(s, d) || is_vhdl(d->model->lang))
				continue;
			for (size_t c = 0; c < d->model->nconns; c++) {
				const ra_conn *cn = &d->model->conns[c];

				if (cn->inst >= 0 && (size_t)cn->inst < d->model->nsyms &&
				    d->model->syms[cn->inst].type &&
				    !strcmp(d->model->syms[cn->inst].type, u->name) && cn->formal &&
				    (!strcmp(cn->formal, "*") || !strcmp(cn->formal, name)))
					conn_of_model(s, &of_type, d, cn);
			}
		}
		for (int k = 0; k < 2; k++) {
			sqlite3_stmt *q = lsp_stmt_get(s, SQL_CONNS_OF_TYPE);

			if (!q)
				break;
			sqlite3_bind_text(q, 1, u->name, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(q, 2, k ? "*" : name, -1, SQLITE_TRANSIENT);
			conn_rows_of(s, q, &of_type);
		}
		for (size_t i = 0; i < of_type.n; i++) {
			const conn_row *c = &of_type.v[i];

			if (strcmp(c->type, u->name) != 0)
				continue; /* SystemVerilog names are exact */
			if (c->implicit && !strcmp(c->formal, name)) {
				*m = ra_arena_printf(
				        s->arena,
				        "cannot rename port `%s`: it is connected implicitly "
				        "(`.%s`) at %s; renaming would silently disconnect it",
				        name, name, where(s, c->rel, c->line));
				return false;
			}
			if (!strcmp(c->formal, "*") && !explicit_conn(s, &of_type, c, name)) {
				*m = ra_arena_printf(
				        s->arena,
				        "cannot rename port `%s`: it is connected implicitly "
				        "(`.*`) at %s; renaming would silently disconnect it",
				        name, where(s, c->rel, c->line));
				return false;
			}
		}
	}
	/* instances inside the unit that connect its signal `name` by name */
	if (u->doc) {
		const ra_model *mm = u->doc->model;

		for (size_t c = 0; c < mm->nconns; c++) {
			const ra_conn *cn = &mm->conns[c];

			if (cn->formal && cn->inst >= 0 && (size_t)cn->inst < mm->nsyms &&
			    lsp_model_unit_of(mm, cn->inst) == u->idx &&
			    (!strcmp(cn->formal, "*") || !strcmp(cn->formal, name)))
				conn_of_model(s, &inside, u->doc, cn);
		}
	} else if (u->id) {
		sqlite3_stmt *q = lsp_stmt_get(s, SQL_CONNS_IN_UNIT);

		if (q) {
			sqlite3_bind_int64(q, 1, u->id);
			sqlite3_bind_text(q, 2, name, -1, SQLITE_TRANSIENT);
			conn_rows_of(s, q, &inside);
		}
	}
	for (size_t i = 0; i < inside.n; i++) {
		const conn_row *c = &inside.v[i];

		if (c->implicit && !strcmp(c->formal, name)) {
			*m = ra_arena_printf(
			        s->arena,
			        "cannot rename `%s`: it is connected implicitly (`.%s`) at "
			        "%s; renaming would silently disconnect it",
			        name, name, where(s, c->rel, c->line));
			return false;
		}
		if (!strcmp(c->formal, "*") && !explicit_conn(s, &inside, c, name) &&
		    has_port(s, c->type, name)) {
			*m = ra_arena_printf(
			        s->arena,
			        "cannot rename `%s`: it is connected implicitly (`.*`) to "
			        "port `%s` of `%s` at %s; renaming would silently "
			        "disconnect it",
			        name, name, c->type, where(s, c->rel, c->line));
			return false;
		}
	}
	return true;
}

static bool is_unit_like(const char *kind)
{
	return lsp_kind_is_unit(kind) || lsp_kind_is(kind, "component");
}

/* declarations named alike that are renamed with unit y (they are not uses): the VHDL
 * component declarations of an entity or of a module (mixed languages), a VHDL package's body */
static bool companion(const lsym *y, const lsym *z)
{
	if (!is_vhdl(z->lang))
		return false;
	return (lsp_kind_is(z->kind, "component") && is_unit_like(y->kind) &&
	        !lsp_kind_is(y->kind, "package")) ||
	       (lsp_kind_is(z->kind, "package_body") && lsp_kind_is(y->kind, "package") &&
	        is_vhdl(y->lang));
}

static const char SQL_CASE_VARIANTS[] =
        "SELECT f.path, s.line, s.type FROM symbols s JOIN files f ON f.id = s.file_id"
        " WHERE s.kind = 'instance' AND s.type = ?1 COLLATE NOCASE AND s.type <> ?1"
        " AND f.lang <> 2";

/* A VHDL unit that SystemVerilog instantiates under another case (the binding is
 * case-insensitive, the SystemVerilog uses are exact: they would be missed): refused. */
static bool no_case_variant(lsp_server *s, const rename_target *t, const char **m)
{
	const char *rel = NULL, *as = NULL;
	uint32_t line = 0;
	sqlite3_stmt *q;

	if (!is_vhdl(t->y->lang) || !is_unit_like(t->y->kind))
		return true;
	for (size_t i = 0; i < s->ndocs && !rel; i++) {
		const ra_model *mm;

		if (lsp_doc_model(s, s->docs[i]) || is_vhdl(s->docs[i]->model->lang))
			continue;
		mm = s->docs[i]->model;
		for (size_t k = 0; k < mm->nsyms && !rel; k++)
			if (mm->syms[k].kind == RA_SYM_INSTANCE && mm->syms[k].type &&
			    !strcasecmp(mm->syms[k].type, t->y->name) &&
			    strcmp(mm->syms[k].type, t->y->name) != 0) {
				rel = s->docs[i]->rel;
				line = mm->syms[k].name_span.line;
				as = mm->syms[k].type;
			}
	}
	if (!rel && (q = lsp_stmt_get(s, SQL_CASE_VARIANTS)) != NULL) {
		sqlite3_bind_text(q, 1, t->y->name, -1, SQLITE_TRANSIENT);
		while (!rel && sqlite3_step(q) == SQLITE_ROW) {
			const char *path = (const char *)sqlite3_column_text(q, 0);

			if (!path || lsp_doc_by_rel(s, path))
				continue; /* open documents answered above */
			rel = ra_arena_strdup(s->arena, path);
			line = (uint32_t)sqlite3_column_int(q, 1);
			as = ra_arena_strdup(s->arena, (const char *)sqlite3_column_text(q, 2));
		}
		sqlite3_reset(q);
	}
	if (!rel)
		return true;
	*m = ra_arena_printf(s->arena,
	                     "cannot rename `%s`: SystemVerilog instantiates it as `%s` at %s "
	                     "(another case, which a rename would miss); make the case the same "
	                     "first",
	                     t->y->name, as ? as : "?", where(s, rel, line));
	return false;
}

/* Names that the workspace-wide uses of a unit or package member would also catch: another
 * symbol of the same name outside the renamed one's own declarations. */
static bool no_homonym(lsp_server *s, const rename_target *t, const char **m)
{
	lsyms all = {0};

	if (t->has_unit && !lsp_kind_is(t->unit.kind, "package"))
		return true; /* local names: their uses stay in their unit */
	lsp_q_find(s, t->y->name, &all);
	for (size_t i = 0; i < all.n; i++) {
		const lsym *z = &all.v[i];
		bool own = false;

		for (size_t k = 0; k < t->res.n && !own; k++)
			own = !strcmp(z->rel, t->res.v[k].rel) &&
			      z->name_span.line == t->res.v[k].name_span.line &&
			      z->name_span.col == t->res.v[k].name_span.col;
		if (own)
			continue;
		if (companion(t->y, z))
			continue;
		*m = ra_arena_printf(
		        s->arena,
		        "cannot rename `%s`: the name also denotes the %s at %s, whose "
		        "uses cannot be told apart from these",
		        t->y->name, z->kind, where(s, z->rel, z->name_span.line));
		return false;
	}
	return true;
}

/* what the cursor is on and whether it can be renamed; an RPC error code and *m when not */
static int target(lsp_server *s, json_t *p, rename_target *t, const char **m)
{
	const char *txt;
	size_t off, st, n, a;
	uint32_t line, col;
	int code;

	memset(t, 0, sizeof(*t));
	if (s->indexing) {
		/* uses in files not indexed yet would be missed */
		*m = "cannot rename while the workspace is being indexed; try again when indexing "
		     "ends";
		return RA_RPC_REQUEST_FAILED;
	}
	if ((code = lsp_doc_for(s, p, &t->d, m)) != 0 ||
	    (code = lsp_position(s, t->d, p, &off, &line, &col, m)) != 0)
		return code;
	txt = t->d->text.data;
	if (!lsp_word_at(txt, t->d->text.len, off, &st, &n)) {
		/* $display: lsp_word_at refuses words that start with $ */
		a = off < t->d->text.len ? off : t->d->text.len;
		while (a > 0 && ident_char(txt[a - 1]))
			a--;
		*m = a < t->d->text.len && txt[a] == '$' ? "cannot rename a system task or function"
		                                         : "no identifier to rename here";
		return RA_RPC_REQUEST_FAILED;
	}
	t->word = ra_arena_strndup(s->arena, txt + st, n);
	if (!t->word)
		return RA_RPC_INTERNAL_ERROR;
	if (st < t->d->lines.start[line]) {
		*m = "no identifier to rename here";
		return RA_RPC_REQUEST_FAILED;
	}
	t->at.line = t->at.end_line = line;
	t->at.col = (uint32_t)(st - t->d->lines.start[line]);
	t->at.end_col = t->at.col + (uint32_t)n;
	if (st > 0 && txt[st - 1] == '`') {
		*m = "cannot rename a macro (`define): its uses inside other macros and inactive "
		     "`ifdef branches are not indexed";
		return RA_RPC_REQUEST_FAILED;
	}
	if (st > 0 && txt[st - 1] == '\\') {
		*m = "cannot rename an escaped or extended identifier";
		return RA_RPC_REQUEST_FAILED;
	}
	if (is_keyword(t->word, is_vhdl(t->d->lang))) {
		*m = ra_arena_printf(s->arena, "cannot rename `%s`: it is a keyword", t->word);
		return RA_RPC_REQUEST_FAILED;
	}
	lsp_resolve(s, t->d, off, &t->res, &txt);
	if (!t->res.n) {
		*m = ra_arena_printf(s->arena,
		                     "cannot rename `%s`: its declaration is not in the workspace",
		                     t->word);
		return RA_RPC_REQUEST_FAILED;
	}
	/* an entity before its component declarations (as definition) */
	t->y = &t->res.v[0];
	for (size_t i = 0; i < t->res.n; i++)
		if (!lsp_kind_is(t->res.v[i].kind, "component")) {
			t->y = &t->res.v[i];
			break;
		}
	for (size_t i = 0; i < t->res.n; i++) {
		const lsym *y = &t->res.v[i];

		if (lsp_kind_is(y->kind, "macro")) {
			*m = "cannot rename a macro (`define): its uses inside other macros and "
			     "inactive `ifdef branches are not indexed";
			return RA_RPC_REQUEST_FAILED;
		}
		if (y->name[0] == '\\') {
			*m = "cannot rename an escaped or extended identifier";
			return RA_RPC_REQUEST_FAILED;
		}
		if (!writable(s, y->rel, y->name_span.line, m))
			return RA_RPC_REQUEST_FAILED;
	}
	t->has_unit = !lsp_kind_is_unit(t->y->kind) && !lsp_kind_is(t->y->kind, "component") &&
	              lsp_q_unit_of(s, t->y, &t->unit) == RA_OK;
	if (!no_homonym(s, t, m) || !no_case_variant(s, t, m) || !no_implicit(s, t, m))
		return RA_RPC_REQUEST_FAILED;
	return 0;
}

int lsp_h_prepare_rename(lsp_server *s, json_t *p, json_t **r, const char **m)
{
	rename_target t;
	lsp_cols cols;
	ra_buf out;
	int code = target(s, p, &t, m);

	if (code)
		return code;
	lsp_cols_of(s, t.d->rel, &cols);
	ra_buf_init(&out, 0);
	if (ra_buf_puts(&out, "{\"range\":") || lsp_put_range(&out, &cols, t.at) ||
	    ra_buf_puts(&out, ",\"placeholder\":") || lsp_put_str(&out, t.word) ||
	    ra_buf_putc(&out, '}')) {
		ra_buf_free(&out);
		*m = "out of memory";
		return RA_RPC_INTERNAL_ERROR;
	}
	lsp_result_text(s, &out);
	*r = NULL;
	return 0;
}

/* ---- rename ------------------------------------------------------------------------------- */

typedef struct edit_list {
	lsp_ref_hit *v;
	size_t n, cap;
	bool oom; /* an edit could not be added: the list is incomplete */
} edit_list;

static int edit_push(lsp_server *s, edit_list *l, const char *rel, ra_span sp)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		lsp_ref_hit *v = ra_arena_alloc(s->arena, cap * sizeof(*v));

		if (!v) {
			l->oom = true;
			return RA_ENOMEM;
		}
		if (l->n)
			memcpy(v, l->v, l->n * sizeof(*v));
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = (lsp_ref_hit){rel, sp, false};
	return RA_OK;
}

/* the end label of a declaration (`endmodule : NAME`, `end entity NAME;`): the name as the last
 * identifier of the extent's last line, after an `end...` keyword */
static void end_label(lsp_server *s, edit_list *l, const lsym *y)
{
	size_t len;
	const ra_lines *lines;
	const char *t = lsp_file_text(s, y->rel, &len, &lines);
	uint32_t ln = y->span.end_line;
	const char *b;
	size_t n, e, a, k;
	bool vhdl = is_vhdl(y->lang);
	size_t nl = strlen(y->name);

	if (!t || ln >= lines->n)
		return;
	b = t + lines->start[ln];
	n = ra_lines_len(lines, t, len, ln);
	if (y->span.end_col < n)
		n = y->span.end_col;
	/* back over `;` and blanks to the last word */
	e = n;
	while (e > 0 && (b[e - 1] == ';' || b[e - 1] == ' ' || b[e - 1] == '\t'))
		e--;
	a = e;
	while (a > 0 && ident_char(b[a - 1]))
		a--;
	if (e - a != nl || (vhdl ? strncasecmp(b + a, y->name, nl) : strncmp(b + a, y->name, nl)))
		return;
	if (ln == y->name_span.line && a < y->name_span.end_col)
		return; /* the declared name itself */
	/* an `end` keyword before it on the line */
	for (k = 0; k + 3 <= a; k++)
		if ((vhdl ? !strncasecmp(b + k, "end", 3) : !strncmp(b + k, "end", 3)) &&
		    (k == 0 || !ident_char(b[k - 1])))
			break;
	if (k + 3 > a)
		return;
	edit_push(s, l, y->rel, (ra_span){ln, (uint32_t)a, ln, (uint32_t)e});
}

static int edit_cmp(const void *a, const void *b)
{
	const lsp_ref_hit *x = a, *y = b;
	int c = strcmp(x->rel, y->rel);

	if (c)
		return c;
	if (x->sp.line != y->sp.line)
		return x->sp.line < y->sp.line ? -1 : 1;
	return x->sp.col < y->sp.col ? -1 : x->sp.col > y->sp.col;
}

/* the clash of `name` with a declaration in the renamed one's scope; *m when there is one */
static bool no_clash(lsp_server *s, const rename_target *t, const char *name, const char **m)
{
	lsyms all = {0};
	const lsym *y = t->y;

	lsp_q_find(s, name, &all);
	for (size_t i = 0; i < all.n; i++) {
		const lsym *z = &all.v[i];
		lsym zu;
		bool same = false;

		for (size_t k = 0; k < t->res.n && !same; k++)
			same = !strcmp(z->rel, t->res.v[k].rel) &&
			       z->name_span.line == t->res.v[k].name_span.line &&
			       z->name_span.col == t->res.v[k].name_span.col;
		if (same || (companion(y, z) && lsp_name_eq(z->name, y->name, RA_LANG_VHDL)))
			continue; /* itself: a change of case in VHDL */
		if (is_unit_like(y->kind)) {
			same = is_unit_like(z->kind) && !lsp_kind_is(z->kind, "architecture");
		} else if (t->has_unit && lsp_q_unit_of(s, z, &zu) == RA_OK) {
			same = !strcmp(zu.rel, t->unit.rel) &&
			       zu.name_span.line == t->unit.name_span.line &&
			       zu.name_span.col == t->unit.name_span.col;
			/* a VHDL entity's names and its architectures' share a scope */
			if (!same && lsp_kind_is(t->unit.kind, "entity") &&
			    lsp_kind_is(zu.kind, "architecture") && zu.type)
				same = lsp_name_eq(zu.type, t->unit.name, RA_LANG_VHDL);
			if (!same && lsp_kind_is(t->unit.kind, "architecture") &&
			    lsp_kind_is(zu.kind, "entity") && t->unit.type)
				same = lsp_name_eq(t->unit.type, zu.name, RA_LANG_VHDL);
		} else if (!t->has_unit) {
			same = true;
		}
		if (same) {
			*m = ra_arena_printf(
			        s->arena,
			        "cannot rename to `%s`: the %s `%s` is already declared "
			        "at %s",
			        name, z->kind, z->name, where(s, z->rel, z->name_span.line));
			return false;
		}
	}
	return true;
}

/* why `name` cannot replace a name used in SystemVerilog (sv) and VHDL (vhdl) files: an RPC
 * error code and *m, or 0 */
static int check_name(lsp_server *s, const char *name, bool sv, bool vhdl, const char **m)
{
	const char *why = sv ? bad_identifier(name, false) : NULL;

	if (!why && vhdl)
		why = bad_identifier(name, true);
	if (why) {
		*m = ra_arena_printf(s->arena, "cannot rename to `%.80s`: %s", name, why);
		return RA_RPC_INVALID_PARAMS;
	}
	if ((sv && is_keyword(name, false)) || (vhdl && is_keyword(name, true))) {
		*m = ra_arena_printf(s->arena, "cannot rename to `%s`: it is a %s keyword", name,
		                     sv && is_keyword(name, false) ? "SystemVerilog" : "VHDL");
		return RA_RPC_INVALID_PARAMS;
	}
	return 0;
}

/* writes the edit: `changes` by URI, or `documentChanges` with the open documents' versions */
static int write_edit(lsp_server *s, const edit_list *l, const char *name, ra_buf *out)
{
	int rc = ra_buf_puts(out,
	                     s->client_doc_changes ? "{\"documentChanges\":[" : "{\"changes\":{");
	size_t i = 0;

	while (!rc && i < l->n) {
		const char *rel = l->v[i].rel, *uri = lsp_rel_uri(s, rel);
		lsp_doc *d = lsp_doc_by_rel(s, rel);
		lsp_cols cols;

		if (!uri)
			return RA_ENOMEM;
		lsp_cols_of(s, rel, &cols);
		rc = i ? ra_buf_putc(out, ',') : 0;
		if (s->client_doc_changes) {
			rc = rc ? rc : ra_buf_puts(out, "{\"textDocument\":{\"uri\":");
			rc = rc ? rc : lsp_put_str(out, uri);
			rc = rc ? rc : ra_buf_puts(out, ",\"version\":");
			rc = rc ? rc
			        : (d && d->open ? lsp_put_int(out, d->version)
			                        : ra_buf_puts(out, "null"));
			rc = rc ? rc : ra_buf_puts(out, "},\"edits\":[");
		} else {
			rc = rc ? rc : lsp_put_str(out, uri);
			rc = rc ? rc : ra_buf_puts(out, ":[");
		}
		for (size_t first = i; !rc && i < l->n && !strcmp(l->v[i].rel, rel); i++) {
			rc = ra_buf_puts(out, i > first ? ",{\"range\":" : "{\"range\":");
			rc = rc ? rc : lsp_put_range(out, &cols, l->v[i].sp);
			rc = rc ? rc : ra_buf_puts(out, ",\"newText\":");
			rc = rc ? rc : lsp_put_str(out, name);
			rc = rc ? rc : ra_buf_putc(out, '}');
		}
		rc = rc ? rc : ra_buf_puts(out, s->client_doc_changes ? "]}" : "]");
	}
	return rc ? rc : ra_buf_puts(out, s->client_doc_changes ? "]}" : "}}");
}

int lsp_h_rename(lsp_server *s, json_t *p, json_t **r, const char **m)
{
	rename_target t;
	const char *name = json_string_value(json_object_get(p, "newName"));
	lsp_ref_hit *hits = NULL;
	size_t nhits = 0;
	edit_list l = {0};
	lsyms comps = {0};
	bool sv = false, vhdl = false;
	ra_buf out;
	int code;

	if (!name) {
		*m = "newName missing";
		return RA_RPC_INVALID_PARAMS;
	}
	if ((code = target(s, p, &t, m)) != 0 ||
	    (code = check_name(s, name, !is_vhdl(t.y->lang), is_vhdl(t.y->lang), m)) != 0)
		return code;
	code = lsp_refs_collect(s, &t.res, t.word, true, &hits, &nhits);
	if (code == RA_ECANCELLED) {
		*m = "cancelled";
		return RA_RPC_REQUEST_CANCELLED;
	}
	for (size_t i = 0; !code && i < nhits; i++)
		edit_push(s, &l, hits[i].rel, hits[i].sp);
	/* component declarations of the unit, a VHDL package's body */
	if (is_unit_like(t.y->kind)) {
		lsyms all = {0};

		lsp_q_find(s, t.y->name, &all);
		for (size_t i = 0; i < all.n; i++)
			if (companion(t.y, &all.v[i])) {
				lsyms_push(s, &comps, &all.v[i]);
				edit_push(s, &l, all.v[i].rel, all.v[i].name_span);
			}
	}
	for (size_t i = 0; i < t.res.n; i++)
		end_label(s, &l, &t.res.v[i]);
	for (size_t i = 0; i < comps.n; i++)
		end_label(s, &l, &comps.v[i]);
	if (code || l.oom) {
		*m = "out of memory";
		return RA_RPC_INTERNAL_ERROR;
	}
	if (l.n)
		qsort(l.v, l.n, sizeof(*l.v), edit_cmp);
	/* deduplicated; each position still holds the old name in the text the client edits */
	{
		size_t k = 0;
		const char *rel = NULL, *text = NULL;
		size_t len = 0;
		const ra_lines *lines = NULL;
		ra_lang lang = RA_LANG_SV;

		for (size_t i = 0; i < l.n; i++) {
			const lsp_ref_hit *h = &l.v[i];
			const char *at;
			size_t nl = strlen(t.y->name), ll;

			if (k && !edit_cmp(h, &l.v[k - 1]))
				continue;
			if (!rel || strcmp(rel, h->rel) != 0) {
				rel = h->rel;
				if (!writable(s, rel, h->sp.line, m))
					return RA_RPC_REQUEST_FAILED;
				if (!lsp_lang_of(s, rel, &lang))
					lang = t.y->lang;
				if (is_vhdl(lang))
					vhdl = true;
				else
					sv = true;
				text = lsp_file_text(s, rel, &len, &lines);
				if (!text) {
					*m = ra_arena_printf(
					        s->arena, "cannot rename: %s cannot be read", rel);
					return RA_RPC_REQUEST_FAILED;
				}
			}
			at = h->sp.line < lines->n ? text + lines->start[h->sp.line] : NULL;
			ll = at ? ra_lines_len(lines, text, len, h->sp.line) : 0;
			if (!at || h->sp.end_line != h->sp.line || h->sp.end_col > ll ||
			    h->sp.end_col - h->sp.col != nl ||
			    (is_vhdl(lang) ? strncasecmp(at + h->sp.col, t.y->name, nl)
			                   : strncmp(at + h->sp.col, t.y->name, nl)) ||
			    (h->sp.col > 0 && ident_char(at[h->sp.col - 1])) ||
			    (h->sp.end_col < ll && ident_char(at[h->sp.end_col]))) {
				*m = ra_arena_printf(
				        s->arena,
				        "cannot rename: %s no longer holds `%s` where the "
				        "index has it (changed since it was indexed?); "
				        "nothing renamed",
				        where(s, rel, h->sp.line), t.y->name);
				return RA_RPC_REQUEST_FAILED;
			}
			l.v[k++] = *h;
		}
		l.n = k;
	}
	/* the other language's rules too when the edit touches its files */
	if ((code = check_name(s, name, sv, vhdl, m)) != 0)
		return code;
	if (!no_clash(s, &t, name, m))
		return RA_RPC_REQUEST_FAILED;
	ra_buf_init(&out, 0);
	if (write_edit(s, &l, name, &out)) {
		ra_buf_free(&out);
		*m = "out of memory";
		return RA_RPC_INTERNAL_ERROR;
	}
	lsp_result_text(s, &out);
	*r = NULL;
	return 0;
}
