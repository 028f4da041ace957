/*
 * context.c - the prompt of a code completion (see context.h): windows around the cursor, then
 * candidates of repository context (unit signatures, declarations, imported packages, similar
 * code), each with a priority, packed greedily into what the windows leave of the budget.
 *
 * The store is read through its connection with statements prepared for one build (a build
 * runs a few dozen indexed lookups; preparing them costs microseconds). Members are looked up
 * by parent within the parent's file: the store indexes symbols by file, not by parent, and a
 * scan of every symbol costs tens of milliseconds on a large workspace.
 */
#define _GNU_SOURCE
#include "retriever/context.h"
#include "indexer/fts.h"

#include <ctype.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PREFIX_SHARE 0.45
#define SUFFIX_SHARE 0.15
#define SCAN_ABOVE 8        /* lines above the cursor whose identifiers are looked up */
#define SCAN_BELOW 2        /* and below */
#define MAX_NAMES 32        /* identifiers looked up per build */
#define MAX_DECL_LINES 12   /* lines of one declaration excerpt */
#define MAX_SIM_LINES 20    /* lines of one similar-code excerpt */
#define MAX_SIMILAR 6       /* similar-code candidates */
#define NEAR_INSTANCES 40   /* instances within this many lines bring their unit's ports */
#define MAX_PKG_MEMBERS 60  /* lines of a package summary */
#define MAX_ENUM_MEMBERS 64 /* names of one enumeration in it */
#define MAX_MEMBERS 400     /* parameters and ports of a unit signature */
#define MAX_CANDIDATES 256

typedef struct cand {
	const char *why, *name, *path, *text;
	uint32_t line, end_line;
	int prio, tokens;
	int order; /* insertion order: stable ties */
} cand;

typedef struct build {
	const ra_context_opts *o;
	ra_context *c;
	ra_arena *a;
	sqlite3 *db;
	uint32_t *starts; /* line start offsets of the text (at most RA_CONTEXT_MAX_TEXT) */
	uint32_t nlines;
	uint32_t cur_line, win_first, win_last; /* lines of the cursor and the windows */
	cand *cands;
	size_t ncands;
	/* names already handled (looked up, or brought as a unit) */
	const char *names[MAX_NAMES * 2];
	size_t nnames;
	const char *imports[32]; /* packages the file imports or names as pkg:: */
	size_t nimports;
	const char *includes[32]; /* files this file includes (workspace-relative) */
	size_t nincludes;
	const char *entity; /* VHDL: the entity of the architecture around the cursor */
	sqlite3_stmt *q_unit, *q_iface, *q_decl, *q_sym, *q_chunk, *q_similar, *q_members,
	        *q_includes, *q_pkg, *q_df, *q_nchunks;
	ra_store *store;
} build;

int ra_context_tokens(size_t len)
{
	return (int)((len * 2 + 6) / 7);
}

static bool vhdl(const build *b)
{
	return b->o->lang == RA_LANG_VHDL;
}

static bool name_eq(const build *b, const char *x, const char *y)
{
	return vhdl(b) ? !strcasecmp(x, y) : !strcmp(x, y);
}

/* ---- keywords: never looked up -------------------------------------------------------------- */

static const char *const sv_keywords[] = {
        "always",    "always_comb", "always_ff", "always_latch", "and",         "assert",
        "assign",    "automatic",   "begin",     "bit",          "break",       "buf",
        "byte",      "case",        "casex",     "casez",        "class",       "const",
        "continue",  "default",     "defparam",  "disable",      "do",          "else",
        "end",       "endcase",     "endclass",  "endfunction",  "endgenerate", "endinterface",
        "endmodule", "endpackage",  "endtask",   "enum",         "final",       "for",
        "force",     "foreach",     "forever",   "fork",         "function",    "generate",
        "genvar",    "if",          "iff",       "import",       "initial",     "inout",
        "input",     "int",         "integer",   "interface",    "join",        "join_any",
        "join_none", "localparam",  "logic",     "longint",      "modport",     "module",
        "nand",      "negedge",     "nor",       "not",          "null",        "or",
        "output",    "package",     "packed",    "parameter",    "posedge",     "priority",
        "real",      "reg",         "repeat",    "return",       "shortint",    "signed",
        "string",    "struct",      "supply0",   "supply1",      "task",        "this",
        "time",      "tri",         "type",      "typedef",      "union",       "unique",
        "unique0",   "unsigned",    "var",       "void",         "wait",        "while",
        "wire",      "wor",         "xnor",      "xor",
};

static const char *const vhdl_keywords[] = {
        "abs",          "access",   "after",  "alias",     "all",       "and",
        "architecture", "array",    "assert", "attribute", "begin",     "block",
        "body",         "buffer",   "bus",    "case",      "component", "configuration",
        "constant",     "downto",   "else",   "elsif",     "end",       "entity",
        "exit",         "file",     "for",    "function",  "generate",  "generic",
        "if",           "impure",   "in",     "inout",     "is",        "label",
        "library",      "loop",     "map",    "mod",       "nand",      "new",
        "next",         "nor",      "not",    "null",      "of",        "on",
        "open",         "or",       "others", "out",       "package",   "port",
        "procedure",    "process",  "pure",   "range",     "record",    "register",
        "rem",          "report",   "return", "rol",       "ror",       "select",
        "severity",     "signal",   "sla",    "sll",       "sra",       "srl",
        "subtype",      "then",     "to",     "type",      "units",     "until",
        "use",          "variable", "wait",   "when",      "while",     "with",
        "xnor",         "xor",
};

static bool is_keyword(const build *b, const char *w)
{
	const char *const *k = vhdl(b) ? vhdl_keywords : sv_keywords;
	size_t n = vhdl(b) ? sizeof(vhdl_keywords) / sizeof(*k) : sizeof(sv_keywords) / sizeof(*k);

	for (size_t i = 0; i < n; i++)
		if (vhdl(b) ? !strcasecmp(k[i], w) : !strcmp(k[i], w))
			return true;
	return false;
}

static bool ident_char(char ch)
{
	return isalnum((unsigned char)ch) || ch == '_' || ch == '$';
}

/* ---- lines ------------------------------------------------------------------------------------ */

static int lines_build(build *b)
{
	const char *t = b->o->text;
	size_t n = 1, cap = 1024;

	b->starts = ra_malloc(cap * sizeof(*b->starts));
	if (!b->starts)
		return RA_ENOMEM;
	b->starts[0] = 0;
	for (const char *p = t; (p = memchr(p, '\n', b->o->len - (size_t)(p - t))) != NULL;) {
		p++;
		if (n == cap) {
			uint32_t *g = ra_realloc(b->starts, cap * 2 * sizeof(*g));

			if (!g)
				return RA_ENOMEM;
			b->starts = g;
			cap *= 2;
		}
		b->starts[n++] = (uint32_t)(p - t);
		if ((size_t)(p - t) >= b->o->len)
			break;
	}
	b->nlines = (uint32_t)n;
	return RA_OK;
}

static uint32_t line_of(const build *b, size_t off)
{
	return (uint32_t)ra_line_of(b->starts, b->nlines, off);
}

static size_t line_end(const build *b, uint32_t line) /* offset of the '\n' or the end */
{
	return line + 1 < b->nlines ? b->starts[line + 1] - 1 : b->o->len;
}

/* ---- windows ------------------------------------------------------------------------------------ */

static void windows(build *b, int budget)
{
	const ra_context_opts *o = b->o;
	ra_context *c = b->c;
	size_t pcap = (size_t)(budget * PREFIX_SHARE * 3.5),
	       scap = (size_t)(budget * SUFFIX_SHARE * 3.5);
	uint32_t l = b->cur_line;
	size_t start = b->starts[l], end;

	/* the current line's text before the cursor always; whole lines above while they fit */
	if (o->cursor - start > pcap)
		start = o->cursor - pcap;
	while (l > 0 && o->cursor - b->starts[l - 1] <= pcap)
		start = b->starts[--l];
	c->prefix_start = start;
	b->win_first = line_of(b, start);

	l = b->cur_line;
	end = line_end(b, l);
	if (end - o->cursor > scap)
		end = o->cursor + scap;
	while (l + 1 < b->nlines && line_end(b, l + 1) - o->cursor <= scap)
		end = line_end(b, ++l);
	c->suffix_end = end;
	b->win_last = line_of(b, end > o->cursor ? end - 1 : end);
	c->prefix_tokens = ra_context_tokens(o->cursor - c->prefix_start);
	c->suffix_tokens = ra_context_tokens(c->suffix_end - o->cursor);
}

static bool in_window(const build *b, const char *path, uint32_t line, uint32_t end_line)
{
	return !strcmp(path, b->o->path) && line <= b->win_last && end_line >= b->win_first;
}

/* ---- candidates ------------------------------------------------------------------------------------ */

static void add_cand(build *b, const char *why, const char *name, const char *path,
                     const char *text, uint32_t line, uint32_t end_line, int prio)
{
	cand *k;

	if (!text || !*text || !path || b->ncands >= MAX_CANDIDATES)
		return;
	k = &b->cands[b->ncands];
	*k = (cand){why,           name,     path, text,
	            line,          end_line, prio, ra_context_tokens(strlen(text)),
	            (int)b->ncands};
	b->ncands++;
}

static bool seen_name(build *b, const char *name)
{
	for (size_t i = 0; i < b->nnames; i++)
		if (name_eq(b, b->names[i], name))
			return true;
	if (b->nnames < sizeof(b->names) / sizeof(*b->names))
		b->names[b->nnames++] = name;
	return false;
}

static sqlite3_stmt *prep(build *b, sqlite3_stmt **slot, const char *sql)
{
	if (*slot) {
		sqlite3_reset(*slot);
		sqlite3_clear_bindings(*slot);
		return *slot;
	}
	if (!b->db || sqlite3_prepare_v2(b->db, sql, -1, slot, NULL) != SQLITE_OK) {
		sqlite3_finalize(*slot);
		*slot = NULL;
		b->db = NULL; /* an index of another shape: candidates from the store are left out */
		return NULL;
	}
	return *slot;
}

static const char *col_str(build *b, sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? ra_arena_strdup(b->a, (const char *)t) : NULL;
}

static const char *key_of(build *b, const char *name, bool fold)
{
	char *k = ra_arena_strdup(b->a, name);

	for (char *p = k; fold && p && *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return k;
}

/* lines [line, end_line] (capped) of a stored file, cut from the smallest chunk holding them */
static const char *stored_lines(build *b, int64_t file_id, uint32_t line, uint32_t end_line,
                                uint32_t max_lines)
{
	sqlite3_stmt *st = prep(b, &b->q_chunk,
	                        "SELECT line, text FROM chunks WHERE file_id = ?1 AND line <= ?2"
	                        " AND end_line >= ?3 ORDER BY end_line - line LIMIT 1");
	const char *out = NULL;

	if (end_line > line + max_lines - 1)
		end_line = line + max_lines - 1;
	if (!st)
		return NULL;
	sqlite3_bind_int64(st, 1, file_id);
	sqlite3_bind_int64(st, 2, line);
	sqlite3_bind_int64(st, 3, line);
	if (sqlite3_step(st) == SQLITE_ROW) {
		uint32_t cl = (uint32_t)sqlite3_column_int64(st, 0);
		const char *t = (const char *)sqlite3_column_text(st, 1), *p = t, *e;

		for (uint32_t l = cl; p && l < line; l++)
			if ((p = strchr(p, '\n')))
				p++;
		for (e = p; e && *e && line <= end_line; line++) {
			const char *nl = strchr(e, '\n');

			e = nl ? nl + 1 : e + strlen(e);
		}
		if (p && e > p)
			out = ra_arena_strndup(b->a, p, (size_t)(e - p));
	}
	sqlite3_reset(st);
	return out;
}

/* lines [line, end_line] (capped) of the buffer */
static const char *buffer_lines(build *b, uint32_t line, uint32_t end_line, uint32_t max_lines)
{
	if (line >= b->nlines)
		return NULL;
	if (end_line > line + max_lines - 1)
		end_line = line + max_lines - 1;
	if (end_line >= b->nlines)
		end_line = b->nlines - 1;
	{
		size_t e = line_end(b, end_line);

		if (e < b->o->len)
			e++; /* the newline, as stored excerpts have it */
		return ra_arena_strndup(b->a, b->o->text + b->starts[line], e - b->starts[line]);
	}
}

/* ---- unit signatures ------------------------------------------------------------------------------ */

static void put_member(ra_buf *out, build *b, bool is_vhdl, bool port, const char *name,
                       const char *type, const char *dir, const char *dims, const char *value)
{
	(void)b;
	if (is_vhdl) {
		ra_buf_printf(out, "    %s : %s%s%s%s%s", name, dir && port ? dir : "",
		              dir && port ? " " : "", type ? type : "", value ? " := " : "",
		              value ? value : "");
		return;
	}
	ra_buf_printf(out, "    %s%s%s%s%s%s%s%s%s", port ? (dir ? dir : "") : "parameter", " ",
	              type ? type : "", type ? " " : "", name, dims ? " " : "", dims ? dims : "",
	              value ? " = " : "", value ? value : "");
}

/* a unit's parameters and ports as source-like text, from the store */
static const char *signature(build *b, int64_t id, const char *kind, const char *name, bool is_vhdl)
{
	/* A unit's symbols follow it in id order, up to the next unit of its file: the walk
	   stops there instead of reading the whole file (a techlib file holds thousands of units) */
	sqlite3_stmt *st = prep(b, &b->q_iface,
	                        "SELECT kind, name, type, dir, dims, value, parent_id,"
	                        " unit_id = id FROM symbols WHERE file_id = (SELECT file_id FROM"
	                        " symbols WHERE id = ?1) AND id > ?1 ORDER BY id");
	ra_buf params, ports, out;
	int np = 0, nq = 0;
	const char *res;

	if (!st)
		return NULL;
	ra_buf_init(&params, 1u << 20);
	ra_buf_init(&ports, 1u << 20);
	ra_buf_init(&out, 1u << 21);
	sqlite3_bind_int64(st, 1, id);
	while (np + nq < MAX_MEMBERS && sqlite3_step(st) == SQLITE_ROW) {
		const char *k = (const char *)sqlite3_column_text(st, 0);
		bool port = k && !strcmp(k, "port");
		ra_buf *dst = port ? &ports : &params;
		int *n = port ? &nq : &np;

		if (sqlite3_column_int(st, 7))
			break; /* the next unit */
		if (sqlite3_column_int64(st, 6) != id || !k || (!port && strcmp(k, "parameter")))
			continue;
		if ((*n)++)
			ra_buf_puts(dst, is_vhdl ? ";\n" : ",\n");
		put_member(dst, b, is_vhdl, port, (const char *)sqlite3_column_text(st, 1),
		           (const char *)sqlite3_column_text(st, 2),
		           (const char *)sqlite3_column_text(st, 3),
		           (const char *)sqlite3_column_text(st, 4),
		           (const char *)sqlite3_column_text(st, 5));
	}
	sqlite3_reset(st);
	if (is_vhdl) {
		ra_buf_printf(&out, "%s %s is\n", kind, name);
		if (np)
			ra_buf_printf(&out, "  generic (\n%s\n  );\n", params.data);
		if (nq)
			ra_buf_printf(&out, "  port (\n%s\n  );\n", ports.data);
		ra_buf_printf(&out, "end %s %s;\n", kind, name);
	} else {
		ra_buf_printf(&out, "%s %s", kind, name);
		if (np)
			ra_buf_printf(&out, " #(\n%s\n)", params.data);
		ra_buf_printf(&out, " (\n%s%s);\n", nq ? ports.data : "", nq ? "\n" : "");
		ra_buf_printf(&out, "end%s\n", kind);
	}
	res = out.data ? ra_arena_strdup(b->a, out.data) : NULL;
	ra_buf_free(&params);
	ra_buf_free(&ports);
	ra_buf_free(&out);
	return res;
}

/* the signature of the unit named `name` (same language family first) as a "ports" candidate */
static void add_unit(build *b, const char *name, int prio)
{
	sqlite3_stmt *st;
	int64_t best = 0;
	int best_score = -1;
	const char *kind = NULL, *path = NULL, *uname = NULL;
	uint32_t line = 0, end_line = 0;
	bool is_vhdl = false;

	if (!name || !*name || seen_name(b, name))
		return;
	for (int fold = 0; fold < 2 && best == 0; fold++) {
		st = prep(b, &b->q_unit,
		          "SELECT s.id, s.kind, s.name, f.path, f.lang, s.sline, s.eline"
		          " FROM symbols s JOIN files f ON f.id = s.file_id WHERE s.key = ?1"
		          " AND s.unit_id = s.id AND s.kind IN ('module', 'interface', 'program',"
		          " 'entity', 'primitive', 'checker') LIMIT 16");
		if (!st)
			return;
		sqlite3_bind_text(st, 1, key_of(b, name, fold || vhdl(b)), -1, SQLITE_TRANSIENT);
		while (sqlite3_step(st) == SQLITE_ROW) {
			bool uv = sqlite3_column_int(st, 4) == RA_LANG_VHDL;
			int score = (uv == vhdl(b)) * 2 + !strcmp(col_str(b, st, 1), "module");

			if (score <= best_score)
				continue;
			best_score = score;
			best = sqlite3_column_int64(st, 0);
			kind = col_str(b, st, 1);
			uname = col_str(b, st, 2);
			path = col_str(b, st, 3);
			is_vhdl = uv;
			line = (uint32_t)sqlite3_column_int64(st, 5);
			end_line = (uint32_t)sqlite3_column_int64(st, 6);
		}
		sqlite3_reset(st);
	}
	if (!best)
		return;
	add_cand(b, "ports", uname, path, signature(b, best, kind, uname, is_vhdl), line, end_line,
	         prio);
}

/* ---- declarations ---------------------------------------------------------------------------------- */

static bool imported(const build *b, const char *pkg)
{
	for (size_t i = 0; pkg && i < b->nimports; i++)
		if (name_eq(b, b->imports[i], pkg))
			return true;
	return false;
}

static bool included(const build *b, const char *path)
{
	for (size_t i = 0; i < b->nincludes; i++)
		if (!strcmp(b->includes[i], path))
			return true;
	return false;
}

static void add_import(build *b, const char *pkg)
{
	if (!imported(b, pkg) && b->nimports < sizeof(b->imports) / sizeof(*b->imports))
		b->imports[b->nimports++] = pkg;
}

/* the declaration of `name` in this buffer's model; true when found (visible or added) */
static bool model_decl(build *b, const char *name, int prio)
{
	const ra_model *m = b->o->model;
	int32_t best = -1;

	for (size_t i = 0; m && i < m->nsyms; i++) {
		const ra_sym *y = &m->syms[i];

		if (y->kind == RA_SYM_INSTANCE || y->kind == RA_SYM_PROCESS ||
		    y->kind == RA_SYM_GENERATE || ra_model_kind_is_unit(y->kind) || !y->name ||
		    !name_eq(b, y->name, name))
			continue;
		/* the nearest declaration above the cursor, else the first */
		if (best < 0 ||
		    (y->span.line <= b->cur_line && y->span.line > m->syms[best].span.line))
			best = (int32_t)i;
	}
	if (best < 0)
		return false;
	{
		ra_span sp = m->syms[best].span;

		if (m->syms[best].kind == RA_SYM_ENUM_MEMBER && m->syms[best].parent >= 0)
			sp = m->syms[m->syms[best].parent].span;
		if (!in_window(b, b->o->path, sp.line, sp.end_line))
			add_cand(b, "declaration", name, b->o->path,
			         buffer_lines(b, sp.line, sp.end_line, MAX_DECL_LINES), sp.line,
			         sp.end_line, prio);
	}
	return true;
}

/* a declaration in the store that the file can see (see context.h) */
static void store_decl(build *b, const char *name, const char *qualifier, int prio)
{
	sqlite3_stmt *st = prep(
	        b, &b->q_decl,
	        "SELECT s.id, s.kind, f.path, s.sline, s.eline, s.parent_id, s.file_id, u.kind,"
	        " u.name FROM symbols s JOIN files f ON f.id = s.file_id"
	        " LEFT JOIN symbols u ON u.id = s.unit_id WHERE s.key = ?1 AND s.kind IN"
	        " ('parameter', 'localparam', 'net', 'var', 'port', 'typedef', 'enum_member',"
	        " 'struct_member', 'function', 'task', 'macro', 'alias', 'component') LIMIT 64");
	int best_score = 0, nbest = 0;
	int64_t parent = 0, file_id = 0;
	const char *path = NULL;
	uint32_t line = 0, end_line = 0;
	bool enum_member = false;

	if (!st)
		return;
	sqlite3_bind_text(st, 1, key_of(b, name, vhdl(b)), -1, SQLITE_TRANSIENT);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *kind = (const char *)sqlite3_column_text(st, 1);
		const char *spath = (const char *)sqlite3_column_text(st, 2);
		const char *ukind = (const char *)sqlite3_column_text(st, 7);
		const char *uname = (const char *)sqlite3_column_text(st, 8);
		bool pkg = ukind && (!strcmp(ukind, "package") || !strcmp(ukind, "package_body"));
		int score = 0;

		if (!strcmp(spath, b->o->path))
			continue; /* this file: the buffer's model decides */
		if (qualifier && pkg && uname && name_eq(b, uname, qualifier))
			score = 4;
		else if (pkg && imported(b, uname))
			score = 3;
		else if (b->entity && ukind && !strcmp(ukind, "entity") && uname &&
		         !strcasecmp(uname, b->entity))
			score = 3;
		else if (!strcmp(kind, "macro") || !ukind || included(b, spath))
			score = 2;
		else if (pkg)
			score = 1;
		if (score > best_score) {
			best_score = score;
			nbest = 0;
		}
		if (score < best_score || !score || nbest++)
			continue;
		path = col_str(b, st, 2);
		line = (uint32_t)sqlite3_column_int64(st, 3);
		end_line = (uint32_t)sqlite3_column_int64(st, 4);
		parent = sqlite3_column_int64(st, 5);
		file_id = sqlite3_column_int64(st, 6);
		enum_member = !strcmp(kind, "enum_member");
	}
	sqlite3_reset(st);
	/* a package member not imported counts only when it is the only one of its name */
	if (!path || (best_score == 1 && nbest > 1))
		return;
	if (enum_member &&
	    (st = prep(b, &b->q_sym, "SELECT sline, eline FROM symbols WHERE id = ?1"))) {
		sqlite3_bind_int64(st, 1, parent);
		if (sqlite3_step(st) == SQLITE_ROW) {
			line = (uint32_t)sqlite3_column_int64(st, 0);
			end_line = (uint32_t)sqlite3_column_int64(st, 1);
		}
		sqlite3_reset(st);
	}
	add_cand(b, "declaration", name, path,
	         stored_lines(b, file_id, line, end_line, MAX_DECL_LINES), line, end_line, prio);
}

/* ---- imported packages ---------------------------------------------------------------------------- */

/* ends the package summary's last member line: its enumeration's closing brace, the `;` */
static void member_end(ra_buf *out, bool is_vhdl, int nenum)
{
	if (nenum)
		ra_buf_puts(out, "}");
	if (!is_vhdl)
		ra_buf_puts(out, ";\n");
}

static void add_package(build *b, const char *pkg, int prio)
{
	sqlite3_stmt *st, *mem;
	int64_t typedef_id = 0;
	int nenum = 0;
	bool open = false; /* a member line waits for its end */
	int64_t id = 0;
	const char *path = NULL, *pname = NULL;
	uint32_t line = 0, end_line = 0;
	ra_buf out;
	int n = 0;

	st = prep(b, &b->q_pkg,
	          "SELECT s.id, s.name, f.path, s.sline, s.eline FROM symbols s"
	          " JOIN files f ON f.id = s.file_id WHERE s.key = ?1 AND"
	          " s.unit_id = s.id AND s.kind = 'package' LIMIT 1");
	if (!st)
		return;
	sqlite3_bind_text(st, 1, key_of(b, pkg, vhdl(b)), -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		pname = col_str(b, st, 1);
		path = col_str(b, st, 2);
		line = (uint32_t)sqlite3_column_int64(st, 3);
		end_line = (uint32_t)sqlite3_column_int64(st, 4);
	}
	sqlite3_reset(st);
	if (!id)
		return;
	/* one walk of the package's file in id order: its members, each typedef's enumeration
	   members right after it (a query per typedef walked the file again each time: 20 ms for
	   a register package of 2600 symbols) */
	mem = prep(b, &b->q_members,
	           "SELECT id, parent_id, kind, name, type, value FROM symbols WHERE file_id ="
	           " (SELECT file_id FROM symbols WHERE id = ?1) AND (parent_id = ?1 AND kind IN"
	           " ('parameter', 'localparam', 'typedef', 'function', 'task', 'component')"
	           " OR kind = 'enum_member') ORDER BY id");
	if (!mem)
		return;
	ra_buf_init(&out, 1u << 20);
	ra_buf_printf(&out, vhdl(b) ? "package %s is\n" : "package %s;\n", pname);
	sqlite3_bind_int64(mem, 1, id);
	while (sqlite3_step(mem) == SQLITE_ROW) {
		const char *kind = (const char *)sqlite3_column_text(mem, 2);
		const char *name = (const char *)sqlite3_column_text(mem, 3);
		const char *type = (const char *)sqlite3_column_text(mem, 4);
		const char *value = (const char *)sqlite3_column_text(mem, 5);

		if (!kind || !name)
			continue;
		if (!strcmp(kind, "enum_member")) {
			if (typedef_id && sqlite3_column_int64(mem, 1) == typedef_id &&
			    nenum < MAX_ENUM_MEMBERS)
				ra_buf_printf(&out, "%s%s", nenum++ ? ", " : " {", name);
			continue;
		}
		if (open)
			member_end(&out, vhdl(b), nenum);
		if (n == MAX_PKG_MEMBERS) {
			open = false;
			break;
		}
		n++;
		open = true;
		nenum = 0;
		typedef_id = !strcmp(kind, "typedef") ? sqlite3_column_int64(mem, 0) : 0;
		if (vhdl(b))
			ra_buf_printf(&out, "  %s %s%s%s%s%s;\n",
			              !strcmp(kind, "typedef") ? "type"
			              : !strcmp(kind, "task")  ? "procedure"
			              : !strcmp(kind, "localparam") || !strcmp(kind, "parameter")
			                      ? "constant"
			                      : kind,
			              name, type ? (strcmp(kind, "typedef") ? " : " : " is ") : "",
			              type ? type : "", value ? " := " : "", value ? value : "");
		else
			ra_buf_printf(&out, "  %s %s%s%s%s%s",
			              !strcmp(kind, "typedef") ? "typedef" : kind, type ? type : "",
			              type ? " " : "", name, value ? " = " : "",
			              value ? value : "");
	}
	if (open)
		member_end(&out, vhdl(b), nenum);
	sqlite3_reset(mem);
	ra_buf_printf(&out, vhdl(b) ? "end package %s;\n" : "endpackage\n", pname);
	/* synthesised: it stands for the package's header line, not the lines it summarises */
	(void)end_line;
	add_cand(b, "import", pname, path, out.data ? ra_arena_strdup(b->a, out.data) : NULL, line,
	         line, prio);
	ra_buf_free(&out);
}

/* ---- similar code ------------------------------------------------------------------------------ */

#define SIMILAR_LINES 4   /* lines above the cursor's whose names make the query */
#define SIMILAR_PROBES 12 /* distinct names whose rarity is counted, nearest the cursor first */
#define SIMILAR_WORDS 6   /* names of the query: the rarest */
#define SIMILAR_DF_CAP 1000
#define SIMILAR_ROWS 3000
#define SIMILAR_READ 48 /* best chunks whose folder and length are read */
#define SIMILAR_NEAR 1.25

/* words every HDL file is full of: they find everything, so they rank nothing */
static bool hdl_keyword(const char *w, size_t n)
{
	static const char *const kw[] = {
	        "always",      "always_ff", "always_comb", "always_latch", "assign",
	        "begin",       "end",       "if",          "else",         "case",
	        "endcase",     "default",   "logic",       "wire",         "reg",
	        "input",       "output",    "inout",       "posedge",      "negedge",
	        "or",          "and",       "not",         "for",          "generate",
	        "endgenerate", "module",    "endmodule",   "parameter",    "localparam",
	        "int",         "integer",   "signal",      "process",      "then",
	        "when",        "others",    "is",          "std_logic",    "std_logic_vector",
	        "downto",      "to",        "port",        "map",          "in",
	        "out",         "of",        "elsif",       "unsigned",     "signed",
	        "rising_edge", "null",      "function",    "return",       "typedef",
	        "enum",        "struct",    "packed",      "bit",          "byte"};

	for (size_t i = 0; i < sizeof(kw) / sizeof(kw[0]); i++)
		if (strlen(kw[i]) == n && !strncasecmp(kw[i], w, n))
			return true;
	return false;
}

typedef struct term {
	const char *word; /* in the arena */
	int64_t *rows;    /* the chunks holding it (rowid order), SIMILAR_DF_CAP at most */
	int64_t df;       /* how many: SIMILAR_DF_CAP means "at least" */
	int order;        /* nearness to the cursor: 0 the nearest */
} term;

typedef struct hit {
	int64_t id;
	double score;
	int len; /* bytes of the chunk's text, once read */
} hit;

/* the distinct names of text[0, len), last first (the nearest the cursor), keywords, numbers and
   one-letter names left out */
static size_t similar_names(build *b, term *out, size_t max, const char *t, size_t len)
{
	size_t n = 0, i = len;

	while (i > 0 && n < max) {
		size_t e, s;

		while (i > 0 &&
		       !(isalnum((unsigned char)t[i - 1]) || t[i - 1] == '_' || t[i - 1] == '$'))
			i--;
		e = i;
		while (i > 0 &&
		       (isalnum((unsigned char)t[i - 1]) || t[i - 1] == '_' || t[i - 1] == '$'))
			i--;
		s = i;
		while (s < e && t[s] == '$') /* system tasks: the name after the '$' */
			s++;
		if (e - s < 2 || isdigit((unsigned char)t[s]) || hdl_keyword(t + s, e - s) ||
		    (s > 0 && t[s - 1] == '\'')) /* 8'hff, x'length */
			continue;
		for (size_t k = 0; k < n; k++)
			if (strlen(out[k].word) == e - s && !memcmp(out[k].word, t + s, e - s))
				goto next;
		out[n] = (term){.word = ra_arena_strndup(b->a, t + s, e - s), .order = (int)n};
		if (!out[n].word)
			break;
		n++;
	next:;
	}
	return n;
}

/* the chunks holding `word` as a whole name, up to SIMILAR_DF_CAP of them (a bounded walk of
   one doclist: no ranking, no text read); -1 when the index cannot tell */
static int similar_rows(build *b, term *w)
{
	sqlite3_stmt *st =
	        prep(b, &b->q_df, "SELECT rowid FROM chunk_fts WHERE chunk_fts MATCH ?1 LIMIT ?2");
	char *match = NULL;

	if (!st || ra_fts_query_idents(&match, w->word) != RA_OK)
		return -1;
	w->rows = ra_arena_alloc(b->a, SIMILAR_DF_CAP * sizeof(*w->rows));
	if (!w->rows) {
		ra_free(match);
		return -1;
	}
	sqlite3_bind_text(st, 1, match, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, SIMILAR_DF_CAP);
	while (w->df < SIMILAR_DF_CAP && sqlite3_step(st) == SQLITE_ROW)
		w->rows[w->df++] = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	ra_free(match);
	b->c->stats.similar_probes++;
	return 0;
}

static int term_cmp(const void *x, const void *y)
{
	const term *a = x, *b = y;

	if (a->df != b->df)
		return a->df < b->df ? -1 : 1;
	return a->order - b->order;
}

static int hit_id_cmp(const void *x, const void *y)
{
	const hit *a = x, *b = y;

	return (a->id > b->id) - (a->id < b->id);
}

static int hit_score_cmp(const void *x, const void *y)
{
	const hit *a = x, *b = y;

	if (a->score != b->score)
		return a->score > b->score ? -1 : 1;
	if (a->len != b->len)
		return a->len - b->len;
	return (a->id > b->id) - (a->id < b->id);
}

/*
 * The chunks most like the lines before the cursor, best first: *out (in the arena), their
 * number returned. Of the names of those lines, the rarest in the index are taken, and each
 * chunk scores the IDF of the names it holds (BM25 without its term-frequency and length
 * factors: the length breaks ties).
 *
 * Why not FTS5's bm25(): it scores every chunk holding any query term, and on an index without
 * token positions (detail=column) it reads and tokenises each such chunk again to count its
 * terms; a name like clk_i or rst_ni is in most chunks of a repository. The six longest names of
 * the lines, ranked that way, took p95 over 60 ms on OpenTitan against 15 ms for the whole
 * assembly. Here each name costs a walk of its doclist capped at SIMILAR_DF_CAP rows; names found
 * in more are left out (their IDF is low: they rank nothing), and the rarest are taken while the
 * chunks to score stay under SIMILAR_ROWS.
 */
static size_t similar_hits(build *b, hit **out, const char *t, size_t len)
{
	term w[SIMILAR_PROBES];
	size_t n = similar_names(b, w, SIMILAR_PROBES, t, len), k = 0, nrows = 0, nh = 0;
	double total = 1;
	hit *rows;
	sqlite3_stmt *st;

	for (size_t i = 0; i < n; i++)
		if (similar_rows(b, &w[i]) < 0)
			return 0;
	qsort(w, n, sizeof(*w), term_cmp);
	for (size_t i = 0; i < n && k < SIMILAR_WORDS; i++) {
		if (w[i].df == 0 || w[i].df >= SIMILAR_DF_CAP ||
		    (k && nrows + (size_t)w[i].df > SIMILAR_ROWS))
			continue;
		nrows += (size_t)w[i].df;
		w[k++] = w[i];
	}
	b->c->stats.similar_terms = (int)k;
	b->c->stats.similar_rows = (int)nrows;
	if (!k || !(rows = ra_arena_alloc(b->a, nrows * sizeof(*rows))))
		return 0;
	/* the number of chunks, for the IDF: the largest rowid is close and costs one seek */
	if ((st = prep(b, &b->q_nchunks, "SELECT max(id) FROM chunks")) &&
	    sqlite3_step(st) == SQLITE_ROW)
		total = (double)sqlite3_column_int64(st, 0);
	if (st)
		sqlite3_reset(st);
	nrows = 0;
	for (size_t i = 0; i < k; i++) {
		double df = (double)w[i].df, idf = log((total - df + 0.5) / (df + 0.5));

		if (idf < 1e-6)
			idf = 1e-6;
		for (int64_t r = 0; r < w[i].df; r++)
			rows[nrows++] = (hit){w[i].rows[r], idf, 0};
	}
	qsort(rows, nrows, sizeof(*rows), hit_id_cmp);
	for (size_t i = 0; i < nrows; i++) { /* one hit per chunk, its names' IDFs summed */
		if (nh && rows[nh - 1].id == rows[i].id)
			rows[nh - 1].score += rows[i].score;
		else
			rows[nh++] = rows[i];
	}
	qsort(rows, nh, sizeof(*rows), hit_score_cmp);
	*out = rows;
	return nh;
}

static void add_similar(build *b)
{
	const ra_context_opts *o = b->o;
	uint32_t from = b->cur_line > SIMILAR_LINES ? b->cur_line - SIMILAR_LINES : 0;
	hit *hits = NULL;
	size_t nh = similar_hits(b, &hits, o->text + b->starts[from], o->cursor - b->starts[from]);
	const char *seen[MAX_SIMILAR + 1];
	sqlite3_stmt *st;
	size_t nread;
	int rank = 0;

	if (!nh || !(st = prep(b, &b->q_similar,
	                       "SELECT f.path, c.line, c.text FROM chunks c JOIN files f ON"
	                       " f.id = c.file_id WHERE c.id = ?1")))
		return;
	/* Of the best SIMILAR_READ, a chunk in the buffer's folder (the same IP, library or
	   vendor) counts SIMILAR_NEAR times its score; the length breaks ties (shorter: more to
	   the point) */
	for (nread = 0; nread < nh && nread < SIMILAR_READ; nread++) {
		sqlite3_bind_int64(st, 1, hits[nread].id);
		if (sqlite3_step(st) == SQLITE_ROW) {
			const char *path = (const char *)sqlite3_column_text(st, 0);
			const char *slash = path ? strrchr(path, '/') : NULL;
			size_t dir = slash ? (size_t)(slash - path) + 1 : 0;

			hits[nread].len = sqlite3_column_bytes(st, 2);
			if (path && !strncmp(path, o->path, dir) && !strchr(o->path + dir, '/'))
				hits[nread].score *= SIMILAR_NEAR;
		}
		sqlite3_reset(st);
	}
	qsort(hits, nread, sizeof(*hits), hit_score_cmp);
	for (size_t i = 0; i < nread && rank < MAX_SIMILAR; i++) {
		const char *path, *t, *e;
		uint32_t line, k = 0;
		bool dup;

		sqlite3_bind_int64(st, 1, hits[i].id);
		if (sqlite3_step(st) != SQLITE_ROW) {
			sqlite3_reset(st);
			continue;
		}
		path = (const char *)sqlite3_column_text(st, 0);
		line = (uint32_t)sqlite3_column_int64(st, 1);
		t = e = (const char *)sqlite3_column_text(st, 2);
		dup = !path || !t || !strcmp(path, o->path); /* this file is the buffer's */
		for (int j = 0; j < rank && !dup; j++)       /* one excerpt per file */
			dup = !strcmp(seen[j], path);
		if (!dup) {
			while (*e && k < MAX_SIM_LINES) {
				const char *nl = strchr(e, '\n');

				e = nl ? nl + 1 : e + strlen(e);
				k++;
			}
			seen[rank] = ra_arena_strdup(b->a, path);
			if (seen[rank]) {
				add_cand(b, "similar", NULL, seen[rank],
				         ra_arena_strndup(b->a, t, (size_t)(e - t)), line,
				         line + (k ? k - 1 : 0), 30 - rank);
				rank++;
			}
		}
		sqlite3_reset(st);
	}
}

/* ---- identifiers near the cursor ------------------------------------------------------------------ */

typedef struct word {
	const char *name, *qualifier;
	bool after_dot, pkg;
} word;

/* identifiers of lines [first, last], the cursor's line first, then outwards */
static size_t scan_words(build *b, word *out, size_t max)
{
	const char *t = b->o->text;
	uint32_t first = b->cur_line > SCAN_ABOVE ? b->cur_line - SCAN_ABOVE : 0;
	uint32_t last =
	        b->cur_line + SCAN_BELOW < b->nlines ? b->cur_line + SCAN_BELOW : b->nlines - 1;
	size_t n = 0;

	for (uint32_t d = 0; d <= SCAN_ABOVE && n < max; d++) {
		for (int side = 0; side < 2 && n < max; side++) {
			uint32_t l;
			size_t p, e;

			if (side == 0 && (d > b->cur_line || b->cur_line - d < first))
				continue;
			if (side == 1 && (d == 0 || b->cur_line + d > last))
				continue;
			l = side == 0 ? b->cur_line - d : b->cur_line + d;
			p = b->starts[l];
			e = line_end(b, l);
			while (p < e && n < max) {
				size_t s;
				const char *w;

				if (t[p] == '/' && p + 1 < e && t[p + 1] == '/')
					break; /* comments */
				if (vhdl(b) && t[p] == '-' && p + 1 < e && t[p + 1] == '-')
					break;
				if (t[p] == '"') { /* strings */
					for (p++; p < e && t[p] != '"'; p++)
						;
					p++;
					continue;
				}
				if (!ident_char(t[p]) || isdigit((unsigned char)t[p]) ||
				    t[p] == '$') {
					/* numbers and 8'hff-style literals: skip the whole run */
					if (isdigit((unsigned char)t[p]) || t[p] == '\'' ||
					    t[p] == '$')
						while (p < e && (ident_char(t[p]) || t[p] == '\''))
							p++;
					else
						p++;
					continue;
				}
				s = p;
				while (p < e && ident_char(t[p]))
					p++;
				/* the word being typed at the cursor is not complete: not looked up */
				if (l == b->cur_line && p == b->o->cursor)
					continue;
				w = ra_arena_strndup(b->a, t + s, p - s);
				if (!w || is_keyword(b, w))
					continue;
				out[n] = (word){.name = w};
				out[n].after_dot = s > 0 && t[s - 1] == '.' && !vhdl(b);
				if (s > 0 && t[s - 1] == '`')
					out[n].after_dot = false; /* a macro */
				out[n].pkg = p + 1 < e && t[p] == ':' && t[p + 1] == ':';
				if (s >= 3 && t[s - 1] == ':' && t[s - 2] == ':' && n > 0 &&
				    out[n - 1].pkg)
					out[n].qualifier = out[n - 1].name;
				n++;
			}
		}
	}
	return n;
}

/* ---- the file's own imports and includes, the unit around the cursor ---------------------------- */

static void file_facts(build *b)
{
	const ra_model *m = b->o->model;
	sqlite3_stmt *st;

	for (size_t i = 0; m && i < m->nimports; i++)
		if (m->imports[i].pkg)
			add_import(b, m->imports[i].pkg);
	for (size_t i = 0; m && i < m->nsyms; i++) {
		const ra_sym *y = &m->syms[i];

		if (y->kind == RA_SYM_ARCHITECTURE && y->type && y->span.line <= b->cur_line &&
		    y->span.end_line >= b->cur_line)
			b->entity = y->type;
	}
	st = prep(b, &b->q_includes,
	          "SELECT t.path FROM includes i JOIN files f ON f.id = i.file_id"
	          " JOIN files t ON t.id = i.target_id WHERE f.path = ?1 LIMIT 32");
	if (!st)
		return;
	sqlite3_bind_text(st, 1, b->o->path, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW &&
	       b->nincludes < sizeof(b->includes) / sizeof(*b->includes))
		b->includes[b->nincludes++] = col_str(b, st, 0);
	sqlite3_reset(st);
}

/* instances of the model around the cursor: the one holding it first, then by distance */
static void add_instances(build *b)
{
	const ra_model *m = b->o->model;

	for (int pass = 0; m && pass < 2; pass++)
		for (size_t i = 0; i < m->nsyms; i++) {
			const ra_sym *y = &m->syms[i];
			bool holds = y->span.line <= b->cur_line && y->span.end_line >= b->cur_line;
			uint32_t dist = holds ? 0
			                : y->span.end_line < b->cur_line
			                        ? b->cur_line - y->span.end_line
			                        : y->span.line - b->cur_line;

			if (y->kind != RA_SYM_INSTANCE || !y->type || holds != (pass == 0) ||
			    dist > NEAR_INSTANCES)
				continue;
			add_unit(b, y->type, holds ? 95 : 55 - (int)dist / 2);
		}
}

/* ---- packing ------------------------------------------------------------------------------------ */

static int cand_cmp(const void *x, const void *y)
{
	const cand *a = x, *b = y;

	if (a->prio != b->prio)
		return b->prio - a->prio;
	return a->order - b->order;
}

static int pack(build *b, int left)
{
	ra_context *c = b->c;
	ra_gen_file *files;

	if (b->ncands)
		qsort(b->cands, b->ncands, sizeof(*b->cands), cand_cmp);
	files = ra_arena_calloc(b->a, (b->ncands + 1) * sizeof(*files));
	c->items = ra_arena_calloc(b->a, (b->ncands + 1) * sizeof(*c->items));
	if (!files || !c->items)
		return RA_ENOMEM;
	for (size_t i = 0; i < b->ncands; i++) {
		const cand *k = &b->cands[i];
		int cost = k->tokens + ra_context_tokens(strlen(k->path) + 8);
		bool dup = in_window(b, k->path, k->line, k->end_line);

		for (size_t j = 0; j < c->nitems && !dup; j++) {
			const ra_context_item *t = &c->items[j];

			dup = (!strcmp(t->path, k->path) && k->line <= t->end_line &&
			       k->end_line >= t->line) ||
			      !strcmp(t->text, k->text);
		}
		if (dup || cost > left)
			continue;
		left -= cost;
		c->context_tokens += cost;
		c->items[c->nitems] = (ra_context_item){k->path, k->text,     k->why,   k->name,
		                                        k->line, k->end_line, k->tokens};
		files[c->nitems] = (ra_gen_file){k->path, k->text};
		c->nitems++;
	}
	c->req.context = files;
	c->req.ncontext = c->nitems;
	return RA_OK;
}

int ra_context_build(ra_context *out, ra_store *store, const ra_context_opts *o)
{
	build b = {.o = o, .c = out};
	int budget = o->budget ? o->budget : RA_CONTEXT_DEFAULT_BUDGET;
	word words[MAX_NAMES];
	size_t nwords;
	int rc = RA_ENOMEM;
	double t0 = ra_now(), t;

	memset(out, 0, sizeof(*out));
	if (!o->text || !o->path || o->cursor > o->len)
		return ra_error_set(RA_EINVAL, "context: cursor %zu is past the text (%zu bytes)",
		                    o->cursor, o->len);
	if (o->len > RA_CONTEXT_MAX_TEXT)
		return ra_error_set(RA_ETOOBIG, "context: the text is over %u bytes",
		                    RA_CONTEXT_MAX_TEXT);
	if (budget < RA_CONTEXT_MIN_BUDGET || budget > RA_CONTEXT_MAX_BUDGET)
		return ra_error_set(RA_EINVAL, "context: a budget of %d tokens is out of [%d, %d]",
		                    budget, RA_CONTEXT_MIN_BUDGET, RA_CONTEXT_MAX_BUDGET);
	if (!(out->arena = b.a = ra_arena_new(0)) ||
	    !(b.cands = ra_malloc(MAX_CANDIDATES * sizeof(*b.cands))) || lines_build(&b))
		goto fail;
	b.store = store;
	b.db = store ? ra_store__db(store) : NULL;
	b.cur_line = line_of(&b, o->cursor);
	windows(&b, budget);
	out->req.mode = RA_GEN_FIM;
	out->req.temperature = -1;
	out->req.path = ra_arena_strdup(b.a, o->path);
	out->req.prefix =
	        ra_arena_strndup(b.a, o->text + out->prefix_start, o->cursor - out->prefix_start);
	out->req.suffix = ra_arena_strndup(b.a, o->text + o->cursor, out->suffix_end - o->cursor);
	if (!out->req.path || !out->req.prefix || !out->req.suffix)
		goto fail;

	t = ra_now();
	file_facts(&b);
	if (o->unit_hint)
		add_unit(&b, ra_arena_strdup(b.a, o->unit_hint), 100);
	add_instances(&b);
	out->stats.t_ports = ra_now() - t;
	t += out->stats.t_ports;
	nwords = scan_words(&b, words, MAX_NAMES);
	for (size_t i = 0; i < nwords; i++) {
		const word *w = &words[i];
		int rank = (int)i;

		if (w->pkg) {
			add_import(&b, w->name);
			if (!seen_name(&b, w->name))
				add_package(&b, w->name, 48);
			continue;
		}
		if (w->after_dot || seen_name(&b, w->name))
			continue;
		if (!w->qualifier && model_decl(&b, w->name, 75 - rank))
			continue;
		store_decl(&b, w->name, w->qualifier, 80 - rank);
	}
	out->stats.t_decls = ra_now() - t;
	t += out->stats.t_decls;
	for (size_t i = 0; i < b.nimports; i++)
		if (!seen_name(&b, b.imports[i]))
			add_package(&b, b.imports[i], 40);
	out->stats.t_imports = ra_now() - t;
	t += out->stats.t_imports;
	if (store && !o->no_similar)
		add_similar(&b);
	out->stats.t_similar = ra_now() - t;
	{
		int left = budget - out->prefix_tokens - out->suffix_tokens;

		if (o->context_max && o->context_max < left)
			left = o->context_max < 0 ? 0 : o->context_max;
		rc = pack(&b, left);
	}
	if (rc)
		goto fail;
	out->stats.t_total = ra_now() - t0;
	goto out;
fail:
	if (rc == RA_ENOMEM)
		ra_error_oom();
	ra_context_free(out);
out:
	sqlite3_finalize(b.q_unit);
	sqlite3_finalize(b.q_iface);
	sqlite3_finalize(b.q_decl);
	sqlite3_finalize(b.q_sym);
	sqlite3_finalize(b.q_chunk);
	sqlite3_finalize(b.q_similar);
	sqlite3_finalize(b.q_members);
	sqlite3_finalize(b.q_includes);
	sqlite3_finalize(b.q_pkg);
	sqlite3_finalize(b.q_df);
	sqlite3_finalize(b.q_nchunks);
	ra_free(b.cands);
	ra_free(b.starts);
	return rc;
}

void ra_context_free(ra_context *c)
{
	if (!c)
		return;
	ra_arena_free(c->arena);
	memset(c, 0, sizeof(*c));
}

static void fnv(uint64_t h[2], const char *s)
{
	size_t n = s ? strlen(s) + 1 : 0; /* the NUL separates fields */

	for (size_t i = 0; i < n; i++) {
		h[0] = (h[0] ^ (unsigned char)s[i]) * 0x100000001b3ull;
		h[1] = (h[1] ^ (unsigned char)s[i]) * 0x100000001b3ull;
		h[1] ^= h[1] >> 29;
	}
}

void ra_context_key(char out[33], const ra_gen_request *req)
{
	uint64_t h[2] = {0xcbf29ce484222325ull, 0x84222325cbf29ce4ull};

	fnv(h, req->path);
	fnv(h, req->prefix);
	fnv(h, req->suffix);
	for (size_t i = 0; i < req->ncontext; i++) {
		fnv(h, req->context[i].path);
		fnv(h, req->context[i].text);
	}
	snprintf(out, 33, "%016llx%016llx", (unsigned long long)h[0], (unsigned long long)h[1]);
}
