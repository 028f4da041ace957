/*
 * graph.c - instance resolution at index time and the hierarchy / dataflow queries (graph.h).
 *
 * Resolution loads every unit into sorted arrays (definitions by folded name, architectures by
 * entity, configurations by name), streams the instances once, binds each by binary search and
 * writes what changed in inst_targets, and graph_units. Queries read per-unit "bodies" (instances with their
 * parsed connections) into a cache on the handle and walk them in memory.
 */
#define _DEFAULT_SOURCE
#include "indexer/graph.h"

#include <ctype.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_MAX 512

static int db_fail(sqlite3 *db, const char *what)
{
	return ra_error_set(RA_ERR, "graph: %s: %s", what, sqlite3_errmsg(db));
}

static const char *col_text(sqlite3_stmt *s, int i)
{
	const char *t = (const char *)sqlite3_column_text(s, i);

	return t ? t : "";
}

/* nullable column as an arena string */
static const char *col_dup(ra_arena *a, sqlite3_stmt *s, int i)
{
	if (sqlite3_column_type(s, i) == SQLITE_NULL)
		return NULL;
	return ra_arena_strdup(a, col_text(s, i));
}

static char *fold_dup(ra_arena *a, const char *s)
{
	char *d = ra_arena_strdup(a, s ? s : "");

	for (char *p = d; p && *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return d;
}

static void fold_to(char *buf, size_t n, const char *s)
{
	size_t i = 0;

	for (; s && s[i] && i + 1 < n; i++)
		buf[i] = (char)tolower((unsigned char)s[i]);
	buf[i] = '\0';
}

static ra_span col_span(sqlite3_stmt *s, int i)
{
	return (ra_span){(uint32_t)sqlite3_column_int(s, i), (uint32_t)sqlite3_column_int(s, i + 1),
	                 (uint32_t)sqlite3_column_int(s, i + 2),
	                 (uint32_t)sqlite3_column_int(s, i + 3)};
}

/* ==== resolution ============================================================================ */

typedef enum { U_DEF, U_ARCH, U_CONFIG } runit_role;

typedef struct runit {
	int64_t id, file_id;
	const char *name;  /* as written */
	const char *fkey;  /* folded name */
	const char *ftype; /* folded entity name (architectures, configurations) */
	const char *lib;   /* folded library; "work" for SystemVerilog */
	const char *path;  /* file */
	const char *kind;
	int line;
	bool vhdl;
	runit_role role;
	int64_t body;   /* definitions: default body */
	int64_t ninst;  /* instances bound to it */
	int first_arch; /* definitions: index range of architectures in `archs` */
	int narch;
} runit;

typedef struct resolver {
	ra_arena *arena;
	runit *defs, *archs, *configs;
	size_t ndefs, narchs, nconfigs;
	size_t defs_cap, archs_cap, configs_cap;
} resolver;

static int cmp_runit_key(const void *a, const void *b)
{
	const runit *x = a, *y = b;
	int c = strcmp(x->fkey, y->fkey);

	if (!c)
		c = strcmp(x->path, y->path);
	return c ? c : (x->line > y->line) - (x->line < y->line);
}

/* architectures by (entity, library, path, line): the last of a run is the default */
static int cmp_arch(const void *a, const void *b)
{
	const runit *x = a, *y = b;
	int c = strcmp(x->ftype, y->ftype);

	if (!c)
		c = strcmp(x->lib, y->lib);
	if (!c)
		c = strcmp(x->path, y->path);
	return c ? c : (x->line > y->line) - (x->line < y->line);
}

/* first index in arr (n elements sorted by `field`) whose field equals key, or n */
static size_t lower_bound(const runit *arr, size_t n, const char *key, bool by_type)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const char *k = by_type ? arr[mid].ftype : arr[mid].fkey;

		if (strcmp(k, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static const char *const unit_kinds_sql =
        "('module','interface','program','primitive','checker','entity','architecture',"
        "'configuration')";

static int load_units(sqlite3 *db, resolver *r)
{
	char sql[512];
	sqlite3_stmt *s = NULL;
	int rc = RA_OK;

	snprintf(sql, sizeof(sql),
	         "SELECT s.id, s.file_id, s.kind, s.name, s.type, f.lang,"
	         " lower(coalesce(f.library, 'work')), f.path, s.line FROM symbols s"
	         " JOIN files f ON f.id = s.file_id WHERE s.unit_id = s.id AND s.kind IN %s",
	         unit_kinds_sql);
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		return db_fail(db, "load units");
	while (!rc && sqlite3_step(s) == SQLITE_ROW) {
		const char *kind = col_text(s, 2);
		runit u = {.id = sqlite3_column_int64(s, 0),
		           .file_id = sqlite3_column_int64(s, 1),
		           .vhdl = sqlite3_column_int(s, 5) == RA_LANG_VHDL,
		           .line = sqlite3_column_int(s, 8)};
		runit **arr;
		size_t *n, *cap;

		u.kind = ra_arena_strdup(r->arena, kind);
		u.name = ra_arena_strdup(r->arena, col_text(s, 3));
		u.fkey = fold_dup(r->arena, u.name);
		u.ftype = fold_dup(r->arena, col_text(s, 4));
		u.lib = u.vhdl ? ra_arena_strdup(r->arena, col_text(s, 6)) : "work";
		u.path = ra_arena_strdup(r->arena, col_text(s, 7));
		if (!u.kind || !u.name || !u.fkey || !u.ftype || !u.lib || !u.path) {
			rc = RA_ENOMEM;
			break;
		}
		u.body = u.id;
		if (strcmp(kind, "architecture") == 0) {
			u.role = U_ARCH, arr = &r->archs, n = &r->narchs, cap = &r->archs_cap;
		} else if (strcmp(kind, "configuration") == 0) {
			u.role = U_CONFIG, arr = &r->configs, n = &r->nconfigs,
			cap = &r->configs_cap;
		} else {
			u.role = U_DEF, arr = &r->defs, n = &r->ndefs, cap = &r->defs_cap;
		}
		if (ra_grow((void **)arr, cap, *n + 1, sizeof(runit))) {
			rc = RA_ENOMEM;
			break;
		}
		(*arr)[(*n)++] = u;
	}
	sqlite3_finalize(s);
	if (rc)
		return rc;
	/* qsort must not see a NULL array, even empty */
	if (r->ndefs)
		qsort(r->defs, r->ndefs, sizeof(runit), cmp_runit_key);
	if (r->narchs)
		qsort(r->archs, r->narchs, sizeof(runit), cmp_arch);
	if (r->nconfigs)
		qsort(r->configs, r->nconfigs, sizeof(runit), cmp_runit_key);
	/* default body of each entity: the last architecture of it in the entity's library */
	for (size_t i = 0; i < r->ndefs; i++) {
		runit *d = &r->defs[i];
		size_t a = lower_bound(r->archs, r->narchs, d->fkey, true);

		d->first_arch = (int)a;
		if (!d->vhdl)
			continue;
		for (; a < r->narchs && strcmp(r->archs[a].ftype, d->fkey) == 0; a++)
			if (strcmp(r->archs[a].lib, d->lib) == 0) {
				d->body = r->archs[a].id;
				d->narch++;
			}
	}
	return RA_OK;
}

static bool is_gate(const char *t)
{
	static const char *const gates[] = {
	        "and",   "nand",     "or",       "nor",    "xor",     "xnor",    "buf",
	        "not",   "bufif0",   "bufif1",   "notif0", "notif1",  "nmos",    "pmos",
	        "cmos",  "rnmos",    "rpmos",    "rcmos",  "tran",    "tranif0", "tranif1",
	        "rtran", "rtranif0", "rtranif1", "pullup", "pulldown"};

	for (size_t i = 0; i < sizeof(gates) / sizeof(gates[0]); i++)
		if (strcmp(t, gates[i]) == 0)
			return true;
	return false;
}

/*
 * The best definition named `fkey` by preference class (lower wins), then one in `file_id`,
 * then path order. class_of returns a negative value to reject a candidate.
 */
typedef struct bind_want {
	const char *exact; /* SystemVerilog spelling that must match exactly, or NULL */
	const char *lib;   /* preferred VHDL library */
	bool from_vhdl;
	int64_t file_id;
} bind_want;

static int class_of(const runit *d, const bind_want *w)
{
	if (!w->from_vhdl) {
		if (!d->vhdl)
			return strcmp(d->name, w->exact) == 0 ? 0 : -1;
		return strcmp(d->kind, "entity") == 0 ? 1 : -1;
	}
	if (d->vhdl) {
		if (strcmp(d->kind, "entity") != 0)
			return -1;
		return strcmp(d->lib, w->lib) == 0 ? 0 : 1;
	}
	return 2; /* a Verilog/SystemVerilog unit under a VHDL instance */
}

static runit *pick_def(resolver *r, const char *fkey, const bind_want *w)
{
	size_t i = lower_bound(r->defs, r->ndefs, fkey, false);
	runit *best = NULL;
	int best_class = 99;
	bool best_local = false;

	for (; i < r->ndefs && strcmp(r->defs[i].fkey, fkey) == 0; i++) {
		runit *d = &r->defs[i];
		int c = class_of(d, w);
		bool local = d->file_id == w->file_id;

		if (c < 0)
			continue;
		if (c < best_class || (c == best_class && local && !best_local)) {
			best = d;
			best_class = c;
			best_local = local;
		}
	}
	return best;
}

/* an architecture of entity d named `farch` (folded), 0 when none */
static int64_t arch_named(const resolver *r, const runit *d, const char *farch)
{
	for (size_t a = (size_t)d->first_arch;
	     a < r->narchs && strcmp(r->archs[a].ftype, d->fkey) == 0; a++)
		if (strcmp(r->archs[a].lib, d->lib) == 0 && strcmp(r->archs[a].fkey, farch) == 0)
			return r->archs[a].id;
	return 0;
}

/* splits VHDL `lib.name(arch)` (folded): library (or "" when absent) and architecture */
static void split_vhdl_name(const char *value, char *lib, char *arch, size_t n)
{
	char v[KEY_MAX];
	char *dot, *paren;

	fold_to(v, sizeof(v), value ? value : "");
	lib[0] = arch[0] = '\0';
	paren = strchr(v, '(');
	if (paren) {
		char *close = strchr(paren, ')');

		if (close)
			*close = '\0';
		snprintf(arch, n, "%s", paren + 1);
		*paren = '\0';
	}
	dot = strchr(v, '.');
	if (dot) {
		*dot = '\0';
		snprintf(lib, n, "%s", v);
	}
	for (char *p = arch; *p; p++)
		if (isspace((unsigned char)*p))
			*p = '\0';
}

typedef struct binding {
	runit *def;
	int64_t body;
	const char *how;
} binding;

static binding bind_instance(resolver *r, const char *type, const char *dir, const char *value,
                             bool vhdl, const char *file_lib, int64_t file_id)
{
	char fkey[KEY_MAX], lib[KEY_MAX], arch[KEY_MAX];
	bind_want w = {.exact = type, .lib = file_lib, .from_vhdl = vhdl, .file_id = file_id};
	binding b = {NULL, 0, RA_GRAPH_HOW_UNRESOLVED};

	fold_to(fkey, sizeof(fkey), type);
	if (!vhdl) {
		b.def = pick_def(r, fkey, &w);
		if (b.def)
			b.how = b.def->vhdl ? RA_GRAPH_HOW_MIXED : RA_GRAPH_HOW_MODULE;
		else if (is_gate(type))
			b.how = RA_GRAPH_HOW_BUILTIN;
		if (b.def)
			b.body = b.def->body;
		return b;
	}
	split_vhdl_name(value, lib, arch, sizeof(lib));
	if (lib[0] && strcmp(lib, "work") != 0)
		w.lib = lib;
	if (dir && strcmp(dir, "configuration") == 0) {
		size_t i = lower_bound(r->configs, r->nconfigs, fkey, false);
		runit *cfg = NULL;

		for (; i < r->nconfigs && strcmp(r->configs[i].fkey, fkey) == 0; i++)
			if (!cfg || strcmp(r->configs[i].lib, w.lib) == 0)
				cfg = &r->configs[i];
		if (!cfg)
			return b;
		w.lib = cfg->lib;
		b.def = pick_def(r, cfg->ftype, &w);
		b.how = RA_GRAPH_HOW_CONFIGURATION;
	} else {
		b.def = pick_def(r, fkey, &w);
		b.how = dir && strcmp(dir, "entity") == 0 ? RA_GRAPH_HOW_ENTITY
		                                          : RA_GRAPH_HOW_COMPONENT;
	}
	if (!b.def) {
		b.how = RA_GRAPH_HOW_UNRESOLVED;
		return b;
	}
	b.body = b.def->body;
	if (arch[0] && b.def->vhdl) {
		int64_t a = arch_named(r, b.def, arch);

		if (a)
			b.body = a;
	}
	return b;
}

/* the testbench heuristic of graph.h, for a top */
static bool looks_like_testbench(sqlite3_stmt *ports, const runit *d)
{
	static const char *const dirs[] = {"tb",  "test", "tests", "testbench",
	                                   "sim", "dv",   "verif", "bench"};
	const char *n = d->fkey;
	size_t len = strlen(n);
	bool has_ports;

	if (strcmp(n, "tb") == 0 || strncmp(n, "tb_", 3) == 0 || strncmp(n, "test_", 5) == 0 ||
	    strstr(n, "testbench"))
		return true;
	if ((len > 3 && strcmp(n + len - 3, "_tb") == 0) ||
	    (len > 7 && strcmp(n + len - 7, "_tb_top") == 0) ||
	    (len > 5 && strcmp(n + len - 5, "_test") == 0))
		return true;
	for (const char *p = d->path; p && *p;) {
		const char *slash = strchr(p, '/');

		if (!slash)
			break;
		for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
			if ((size_t)(slash - p) == strlen(dirs[i]) &&
			    strncasecmp(p, dirs[i], (size_t)(slash - p)) == 0)
				return true;
		p = slash + 1;
	}
	sqlite3_reset(ports);
	sqlite3_bind_int64(ports, 1, d->file_id);
	sqlite3_bind_int64(ports, 2, d->id);
	has_ports = sqlite3_step(ports) == SQLITE_ROW;
	sqlite3_reset(ports);
	return !has_ports;
}

static int exec(sqlite3 *db, const char *sql)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(db, "write");
	return RA_OK;
}

static int write_units(sqlite3 *db, resolver *r)
{
	sqlite3_stmt *ins = NULL, *ports = NULL;
	int rc = RA_OK;

	if (sqlite3_prepare_v2(db,
	                       "INSERT INTO graph_units(body_id, unit_id, is_default, ninst,"
	                       " testbench) VALUES(?1, ?2, ?3, ?4, ?5)",
	                       -1, &ins, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
	                       "SELECT 1 FROM symbols WHERE file_id = ?1 AND parent_id = ?2 AND"
	                       " kind = 'port' LIMIT 1",
	                       -1, &ports, NULL) != SQLITE_OK) {
		rc = db_fail(db, "prepare");
		goto out;
	}
	for (size_t i = 0; !rc && i < r->ndefs; i++) {
		const runit *d = &r->defs[i];
		bool tb = d->ninst == 0 && looks_like_testbench(ports, d);
		size_t a = (size_t)d->first_arch;
		bool any = false;

		/* one row per body: the module itself, or each architecture of an entity */
		for (; d->vhdl && a < r->narchs && strcmp(r->archs[a].ftype, d->fkey) == 0; a++) {
			if (strcmp(r->archs[a].lib, d->lib) != 0)
				continue;
			any = true;
			sqlite3_reset(ins);
			sqlite3_bind_int64(ins, 1, r->archs[a].id);
			sqlite3_bind_int64(ins, 2, d->id);
			sqlite3_bind_int(ins, 3, r->archs[a].id == d->body);
			sqlite3_bind_int64(ins, 4, d->ninst);
			sqlite3_bind_int(ins, 5, tb);
			/* two entities of one name in one library share architectures: first wins */
			if (sqlite3_step(ins) != SQLITE_DONE &&
			    sqlite3_extended_errcode(db) != SQLITE_CONSTRAINT_PRIMARYKEY)
				rc = db_fail(db, "insert graph unit");
		}
		if (any || rc)
			continue;
		sqlite3_reset(ins);
		sqlite3_bind_int64(ins, 1, d->id);
		sqlite3_bind_int64(ins, 2, d->id);
		sqlite3_bind_int(ins, 3, 1);
		sqlite3_bind_int64(ins, 4, d->ninst);
		sqlite3_bind_int(ins, 5, tb);
		if (sqlite3_step(ins) != SQLITE_DONE)
			rc = db_fail(db, "insert graph unit");
	}
out:
	sqlite3_finalize(ins);
	sqlite3_finalize(ports);
	return rc;
}

/* a row of inst_targets as it was before this resolve */
typedef struct old_target {
	int64_t inst, unit, body; /* unit and body 0 for NULL */
	const char *how;
	bool seen;
} old_target;

static int load_targets(sqlite3 *db, ra_arena *a, old_target **out, size_t *n)
{
	sqlite3_stmt *s = NULL;
	size_t cap = 0;
	int rc = RA_OK;

	*out = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(db,
	                       "SELECT inst_id, coalesce(unit_id, 0), coalesce(body_id, 0), how"
	                       " FROM inst_targets ORDER BY inst_id",
	                       -1, &s, NULL) != SQLITE_OK)
		return db_fail(db, "prepare");
	while (sqlite3_step(s) == SQLITE_ROW) {
		if (*n == cap) {
			old_target *v = ra_realloc(*out, (cap = cap ? cap * 2 : 4096) * sizeof(*v));

			if (!v) {
				rc = ra_error_set(RA_ENOMEM, "out of memory");
				break;
			}
			*out = v;
		}
		(*out)[(*n)++] = (old_target){
		        sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1),
		        sqlite3_column_int64(s, 2), ra_arena_strdup(a, col_text(s, 3)), false};
	}
	sqlite3_finalize(s);
	return rc;
}

/*
 * Rebuilds inst_targets by difference: after a save re-parses one file only the rows of its
 * instances, and of instances bound to its units (their ids changed), are written. A full
 * DELETE and re-INSERT of every row cost half of a one-file index run on OpenTitan (17,734
 * instances).
 */
int ra_graph_resolve(ra_store *st)
{
	sqlite3 *db = ra_store__db(st);
	resolver r = {0};
	sqlite3_stmt *s = NULL, *put = NULL, *del = NULL;
	old_target *old = NULL;
	size_t nold = 0, k = 0;
	int rc;

	r.arena = ra_arena_new(0);
	if (!r.arena)
		return RA_ENOMEM;
	rc = exec(db, "DELETE FROM graph_units;");
	rc = rc ? rc : load_units(db, &r);
	rc = rc ? rc : load_targets(db, r.arena, &old, &nold);
	if (rc)
		goto out;
	if (sqlite3_prepare_v2(db,
	                       "SELECT s.id, s.type, s.dir, s.value, s.file_id, f.lang,"
	                       " lower(coalesce(f.library, 'work')) FROM symbols s JOIN files f"
	                       " ON f.id = s.file_id WHERE s.kind = 'instance' ORDER BY s.id",
	                       -1, &s, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
	                       "INSERT OR REPLACE INTO inst_targets(inst_id, unit_id, body_id, how)"
	                       " VALUES(?1, ?2, ?3, ?4)",
	                       -1, &put, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "DELETE FROM inst_targets WHERE inst_id = ?1", -1, &del, NULL) !=
	            SQLITE_OK) {
		rc = db_fail(db, "prepare");
		goto out;
	}
	while (!rc && sqlite3_step(s) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(s, 0);
		binding b =
		        bind_instance(&r, col_text(s, 1), (const char *)sqlite3_column_text(s, 2),
		                      (const char *)sqlite3_column_text(s, 3),
		                      sqlite3_column_int(s, 5) == RA_LANG_VHDL, col_text(s, 6),
		                      sqlite3_column_int64(s, 4));
		int64_t unit = b.def ? b.def->id : 0, body = b.def ? b.body : 0;

		if (b.def)
			b.def->ninst++;
		/* both lists ascend by instance id */
		while (k < nold && old[k].inst < id)
			k++;
		if (k < nold && old[k].inst == id) {
			old[k].seen = true;
			if (old[k].unit == unit && old[k].body == body &&
			    !strcmp(old[k].how, b.how))
				continue;
		}
		sqlite3_reset(put);
		sqlite3_bind_int64(put, 1, id);
		if (b.def) {
			sqlite3_bind_int64(put, 2, unit);
			sqlite3_bind_int64(put, 3, body);
		} else {
			sqlite3_bind_null(put, 2);
			sqlite3_bind_null(put, 3);
		}
		sqlite3_bind_text(put, 4, b.how, -1, SQLITE_STATIC);
		if (sqlite3_step(put) != SQLITE_DONE)
			rc = db_fail(db, "write instance target");
	}
	/* the rows of instances that are gone */
	for (size_t i = 0; !rc && i < nold; i++) {
		if (old[i].seen)
			continue;
		sqlite3_reset(del);
		sqlite3_bind_int64(del, 1, old[i].inst);
		if (sqlite3_step(del) != SQLITE_DONE)
			rc = db_fail(db, "delete instance target");
	}
	if (!rc)
		rc = write_units(db, &r);
out:
	ra_free(old);
	sqlite3_finalize(s);
	sqlite3_finalize(put);
	sqlite3_finalize(del);
	ra_free(r.defs);
	ra_free(r.archs);
	ra_free(r.configs);
	ra_arena_free(r.arena);
	return rc;
}

/* ==== identifiers in expressions ============================================================ */

static bool vhdl_keyword(const char *k)
{
	static const char *const kw[] = {"open", "others", "and", "or",     "not", "nand", "nor",
	                                 "xor",  "xnor",   "to",  "downto", "mod", "rem",  "abs",
	                                 "sll",  "srl",    "sla", "sra",    "rol", "ror",  "null"};

	for (size_t i = 0; i < sizeof(kw) / sizeof(kw[0]); i++)
		if (strcmp(k, kw[i]) == 0)
			return true;
	return false;
}

static bool ident_start(char c)
{
	return isalpha((unsigned char)c) || c == '_';
}

static bool ident_char(char c, bool vhdl)
{
	return isalnum((unsigned char)c) || c == '_' || (!vhdl && c == '$');
}

int ra_graph_idents(const char *expr, bool vhdl, int (*fn)(const char *key, void *payload),
                    void *payload)
{
	char key[KEY_MAX];
	const char *p = expr;
	int rc = RA_OK;

	while (p && *p && !rc) {
		char c = *p;

		if (c == '"') { /* string, or a VHDL bit string after x/b/o (consumed below) */
			for (p++; *p && *p != '"'; p++)
				if (*p == '\\' && !vhdl && p[1])
					p++;
			if (*p)
				p++;
		} else if (c == '\'') {
			/* VHDL: character literal 'x' or attribute 'name; SV: 'h1F, '0, '{ */
			if (vhdl && p[1] && p[2] == '\'') {
				p += 3;
			} else {
				for (p++; ident_char(*p, false) || *p == '?'; p++)
					;
			}
		} else if (isdigit((unsigned char)c)) {
			/* numbers with bases, underscores, VHDL 16#FF# and exponents */
			while (isalnum((unsigned char)*p) || *p == '_' || *p == '#' || *p == '.')
				p++;
			if (!vhdl && *p == '\'')
				for (p++; isalnum((unsigned char)*p) || *p == '_' || *p == '?'; p++)
					;
		} else if (c == '$' && !vhdl) { /* system function */
			for (p++; ident_char(*p, false); p++)
				;
		} else if (c == '`' && !vhdl) { /* macro use */
			for (p++; ident_char(*p, false); p++)
				;
		} else if (c == '\\' && !vhdl) { /* escaped identifier up to white space */
			const char *a = ++p;
			size_t n;

			while (*p && !isspace((unsigned char)*p))
				p++;
			n = (size_t)(p - a) < sizeof(key) - 1 ? (size_t)(p - a) : sizeof(key) - 1;
			memcpy(key, a, n);
			key[n] = '\0';
			if (n)
				rc = fn(key, payload);
		} else if (c == '.') { /* member select: skip the member name */
			for (p++; isspace((unsigned char)*p); p++)
				;
			while (ident_char(*p, vhdl))
				p++;
		} else if (ident_start(c)) {
			const char *a = p;
			size_t n;

			while (ident_char(*p, vhdl))
				p++;
			n = (size_t)(p - a) < sizeof(key) - 1 ? (size_t)(p - a) : sizeof(key) - 1;
			/* VHDL bit-string literal x"FF", b"01", o"7" (also 8x"FF" handled as number) */
			if (vhdl && *p == '"' && n <= 2)
				continue;
			if (p[0] == ':' && p[1] == ':') { /* pkg::name - a constant, not a signal */
				for (p += 2; ident_char(*p, vhdl); p++)
					;
				continue;
			}
			if (vhdl && *p == '\'') { /* attribute: a'length is about a, keep a */
				memcpy(key, a, n);
				key[n] = '\0';
				for (char *k = key; *k; k++)
					*k = (char)tolower((unsigned char)*k);
				rc = fn(key, payload);
				for (p++; ident_char(*p, true); p++)
					;
				continue;
			}
			memcpy(key, a, n);
			key[n] = '\0';
			if (vhdl)
				for (char *k = key; *k; k++)
					*k = (char)tolower((unsigned char)*k);
			if (vhdl && vhdl_keyword(key))
				continue;
			rc = fn(key, payload);
		} else {
			p++;
		}
	}
	return rc;
}

/* ==== the query handle ======================================================================= */

typedef struct port_info {
	const char *name, *key, *dir;
} port_info;

typedef struct unit_ports {
	int64_t unit_id;
	ra_graph_port *ports;
	size_t n;
} unit_ports;

/* int64 -> pointer, open addressing */
typedef struct imap {
	int64_t *keys;
	void **vals;
	size_t cap, n;
} imap;

typedef struct gconn {
	const char *formal; /* NULL positional, "*" for .* */
	int position;
	const char *actual;
	bool is_param;
	ra_span span;
} gconn;

/* where a parent signal meets a child port */
typedef struct sig_entry {
	const char *key; /* parent signal */
	uint32_t kid;    /* index in body->kids */
	uint32_t port;   /* index in the child's ports */
	int conn;        /* index in kid->conns, -1 for an implicit .* connection */
} sig_entry;

typedef struct kid {
	int64_t inst_id, parent_sym;
	const char *name, *type, *how, *scope;
	ra_span span;
	int64_t unit_id, body_id;
	gconn *conns;
	size_t nconns, conns_cap;
	ra_graph_param *params;
	size_t nparams;
	sig_entry *ents; /* the parent signals its port connections name (kid_ents) */
	size_t nents;
	bool ents_built;
	bool alone; /* read by itself (kid_get), not an element of its body's kids */
} kid;

/* a flow edge of a body touching one signal: `other` is its source (drivers) or target */
typedef struct flow_row {
	const char *other, *file;
	uint32_t line, col;
	int kind, how;
} flow_row;

/* a child port a parent signal connects to: entry `ent` of kid `k` */
typedef struct key_ent {
	kid *k;
	const sig_entry *ent;
} key_ent;

/* what a trace needs of one signal of a body, read once per handle: its flows each way
   ([0] the edges into it, for drivers; [1] out of it, for loads) and its port connections */
typedef struct key_memo {
	const char *key;
	flow_row *flows[2];
	size_t nflows[2];
	bool flows_loaded[2];
	key_ent *ents;
	size_t nents;
	bool ents_loaded;
} key_memo;

/* an entry of a body's kids' ents, for the body's index by key */
typedef struct ent_ref {
	uint32_t kid, i;
} ent_ref;

/* an instantiation site of a body: instance inst_id inside body parent_body of parent_unit */
typedef struct site {
	int64_t inst_id, parent_body, parent_unit;
} site;

/*
 * A unit (its body: the module itself, or the VHDL architecture) as cached. Loaded in layers,
 * each when first needed, since a wide trace touches many units at its last hop only: the
 * header (names, file), then the instances inside (load_kids), the index of the signals they
 * connect (build_ents), and where the body is instantiated (load_sites).
 */
typedef struct body_info {
	int64_t body_id, unit_id, file_id;
	const char *unit_name, *kind, *lang, *arch, *file, *body_file;
	ra_span span;
	bool vhdl;
	bool kids_loaded, ents_built, sites_loaded;
	kid *kids; /* every instance, by id (load_kids: hierarchy, pictures) */
	size_t nkids;
	imap kidmap;     /* inst id -> kid loaded alone (a trace's), unless kids_loaded */
	key_memo **memo; /* open addressing by key */
	size_t memo_cap, nmemo;
	ent_ref *by_key; /* every kid's ents, sorted by key (then kid, then order) */
	size_t nents;
	site *sites;
	size_t nsites;
} body_info;

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return x;
}

static void *imap_get(const imap *m, int64_t k)
{
	if (!m->cap)
		return NULL;
	for (size_t i = mix64((uint64_t)k) & (m->cap - 1); m->vals[i]; i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == k)
			return m->vals[i];
	return NULL;
}

static int imap_put(imap *m, int64_t k, void *v)
{
	if ((m->n + 1) * 2 > m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 64;
		int64_t *keys = ra_calloc(ncap, sizeof(*keys));
		void **vals = ra_calloc(ncap, sizeof(*vals));

		if (!keys || !vals) {
			ra_free(keys);
			ra_free(vals);
			return RA_ENOMEM;
		}
		for (size_t j = 0; j < m->cap; j++) {
			size_t i;

			if (!m->vals[j])
				continue;
			for (i = mix64((uint64_t)m->keys[j]) & (ncap - 1); vals[i];
			     i = (i + 1) & (ncap - 1))
				;
			keys[i] = m->keys[j];
			vals[i] = m->vals[j];
		}
		ra_free(m->keys);
		ra_free(m->vals);
		m->keys = keys;
		m->vals = vals;
		m->cap = ncap;
	}
	for (size_t i = mix64((uint64_t)k) & (m->cap - 1);; i = (i + 1) & (m->cap - 1))
		if (!m->vals[i]) {
			m->keys[i] = k;
			m->vals[i] = v;
			m->n++;
			return RA_OK;
		}
}

static void imap_free(imap *m)
{
	ra_free(m->keys);
	ra_free(m->vals);
}

enum {
	Q_UNIT,
	Q_KIDS,
	Q_CONNS,
	Q_PORTS,
	Q_SITES,
	Q_FLOWS_TO,
	Q_FLOWS_FROM,
	Q_PARENT,
	Q_KID,
	Q_SCOPE,
	Q_KID_CONNS,
	Q_KEY_INSTS,
	Q_KNOWN,
	Q__COUNT
};

static const char *const q_sql[Q__COUNT] = {
        [Q_UNIT] = "SELECT s.name, s.kind, f.path, f.lang, s.line, s.col, s.end_line, s.end_col,"
                   " s.file_id FROM symbols s JOIN files f ON f.id = s.file_id WHERE s.id = ?1",
        /* the body's instances and the generate scopes around them, through the partial index
           symbols_graph (its WHERE repeated word for word, so that SQLite can use it; `+`
           keeps the file's index out) */
        [Q_KIDS] = "SELECT s.id, s.name, s.type, s.parent_id, s.line, s.col, s.end_line,"
                   " s.end_col, t.unit_id, t.body_id, t.how, s.kind = 'instance' FROM symbols s"
                   " LEFT JOIN inst_targets t ON t.inst_id = s.id WHERE s.unit_id = ?1 AND"
                   " s.kind IN ('instance', 'generate', 'block', 'port') AND s.kind != 'port'"
                   " AND +s.file_id = ?2 ORDER BY s.id",
        [Q_CONNS] = "SELECT c.inst_id, c.formal, c.position, c.actual, c.is_param, c.line,"
                    " c.col, c.end_line, c.end_col FROM symbols s JOIN conns c ON"
                    " c.inst_id = s.id WHERE s.unit_id = ?1 AND s.kind IN ('instance',"
                    " 'generate', 'block', 'port') AND s.kind = 'instance' AND"
                    " +s.file_id = ?2 ORDER BY c.inst_id, c.id",
        /* a unit's ports are its own symbols (unit_id = parent_id = the unit) */
        [Q_PORTS] = "SELECT name, key, dir FROM symbols WHERE unit_id = ?1 AND kind IN"
                    " ('instance', 'generate', 'block', 'port') AND kind = 'port' AND"
                    " parent_id = ?1 ORDER BY id",
        [Q_SITES] = "SELECT t.inst_id, s.unit_id FROM inst_targets t JOIN symbols s ON"
                    " s.id = t.inst_id WHERE t.unit_id = ?1 AND t.body_id = ?2",
        [Q_FLOWS_TO] = "SELECT f.source, f.kind, f.how, f.line, f.col, fi.path FROM flows f"
                       " JOIN files fi ON fi.id = f.file_id WHERE f.unit_id = ?1 AND"
                       " f.target = ?2 ORDER BY f.line, f.col",
        [Q_FLOWS_FROM] = "SELECT f.target, f.kind, f.how, f.line, f.col, fi.path FROM flows f"
                         " JOIN files fi ON fi.id = f.file_id WHERE f.unit_id = ?1 AND"
                         " f.source = ?2 ORDER BY f.line, f.col",
        [Q_PARENT] = "SELECT unit_id FROM graph_units WHERE body_id = ?1",
        /* one instance, its generate scopes, its connections: a trace reads the instances
           that matter to it, never all of a big unit's */
        [Q_KID] = "SELECT s.name, s.type, s.parent_id, s.line, s.col, s.end_line, s.end_col,"
                  " t.unit_id, t.body_id, t.how, s.kind = 'instance' AND s.unit_id = ?2 AND"
                  " s.file_id = ?3 FROM symbols s LEFT JOIN inst_targets t ON"
                  " t.inst_id = s.id WHERE s.id = ?1",
        [Q_SCOPE] = "SELECT name, parent_id, kind IN ('generate', 'block') AND unit_id = ?2 AND"
                    " file_id = ?3 FROM symbols WHERE id = ?1",
        [Q_KID_CONNS] = "SELECT formal, position, actual, is_param, line, col, end_line,"
                        " end_col FROM conns WHERE inst_id = ?1 ORDER BY id",
        /* the instances of a body whose port connections name a signal (or use .*) */
        [Q_KEY_INSTS] = "SELECT DISTINCT inst_id FROM conn_keys WHERE unit_id = ?1 AND"
                        " key IN (?2, '*') ORDER BY inst_id",
        [Q_KNOWN] = "SELECT 1 FROM symbols WHERE key = ?1 AND unit_id IN (?2, ?3) AND"
                    " kind IN ('port', 'net', 'variable', 'parameter', 'localparam',"
                    " 'instance') UNION ALL SELECT 1 FROM flows WHERE unit_id = ?3 AND"
                    " (target = ?1 OR source = ?1) LIMIT 1",
};

/* a handle holding more than this (cache and units found) drops it at its next refresh */
#define CACHE_MAX ((size_t)256 << 20)

struct ra_graph {
	ra_store *st;
	sqlite3 *db;
	ra_arena *arena;   /* units found: live as long as the handle */
	ra_arena *cache;   /* bodies and ports: until the index changes (ra_graph_refresh) */
	ra_arena *scratch; /* one trace's nodes and hops, or one listing's paths */
	sqlite3_stmt *q[Q__COUNT];
	imap bodies;                   /* body id -> body_info */
	imap ports;                    /* unit id -> unit_ports */
	int64_t data_version, changes; /* the index as cached (index_stamp) */
	int have_keys; /* conn_keys is filled: 1, 0, -1 not looked at since the last drop */
};

/* what identifies the index's state: another connection's commits move PRAGMA data_version,
 * this connection's own writes its change counter */
static void index_stamp(ra_graph *g, int64_t *version, int64_t *changes)
{
	sqlite3_stmt *s = NULL;

	*version = -1;
	if (sqlite3_prepare_v2(g->db, "PRAGMA data_version", -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		*version = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	*changes = sqlite3_total_changes64(g->db);
}

int ra_graph_open(ra_graph **out, ra_store *st)
{
	ra_graph *g = ra_calloc(1, sizeof(*g));

	if (!g)
		return RA_ENOMEM;
	g->st = st;
	g->db = ra_store__db(st);
	g->arena = ra_arena_new(0);
	g->cache = ra_arena_new(0);
	g->scratch = ra_arena_new(0);
	if (!g->arena || !g->cache || !g->scratch) {
		ra_arena_free(g->arena);
		ra_arena_free(g->cache);
		ra_arena_free(g->scratch);
		ra_free(g);
		return RA_ENOMEM;
	}
	index_stamp(g, &g->data_version, &g->changes);
	g->have_keys = -1;
	*out = g;
	return RA_OK;
}

static void free_body(body_info *b)
{
	for (size_t i = 0; i < b->nkids; i++) {
		ra_free(b->kids[i].conns);
		ra_free(b->kids[i].ents);
	}
	for (size_t i = 0; i < b->kidmap.cap; i++) {
		kid *k = b->kidmap.vals[i];

		if (k) {
			ra_free(k->conns);
			ra_free(k->ents);
		}
	}
	imap_free(&b->kidmap);
	ra_free(b->kids);
	ra_free(b->by_key);
	ra_free(b->sites);
	ra_free(b->memo); /* the memos themselves live in the cache arena */
}

/* forgets every cached body and port list */
static void drop_cache(ra_graph *g)
{
	for (size_t i = 0; i < g->bodies.cap; i++)
		if (g->bodies.vals[i])
			free_body(g->bodies.vals[i]);
	for (size_t i = 0; i < g->ports.cap; i++)
		if (g->ports.vals[i])
			ra_free(((unit_ports *)g->ports.vals[i])->ports);
	imap_free(&g->bodies);
	imap_free(&g->ports);
	memset(&g->bodies, 0, sizeof(g->bodies));
	memset(&g->ports, 0, sizeof(g->ports));
	ra_arena_reset(g->cache);
	ra_arena_reset(g->arena);
	g->have_keys = -1;
}

bool ra_graph_refresh(ra_graph *g)
{
	int64_t version, changes;

	index_stamp(g, &version, &changes);
	if (version == g->data_version && changes == g->changes &&
	    ra_arena_used(g->cache) + ra_arena_used(g->arena) <= CACHE_MAX)
		return false;
	drop_cache(g);
	g->data_version = version;
	g->changes = changes;
	return true;
}

void ra_graph_close(ra_graph *g)
{
	if (!g)
		return;
	drop_cache(g);
	for (int i = 0; i < Q__COUNT; i++)
		sqlite3_finalize(g->q[i]);
	ra_arena_free(g->arena);
	ra_arena_free(g->cache);
	ra_arena_free(g->scratch);
	ra_free(g);
}

static sqlite3_stmt *query(ra_graph *g, int which)
{
	if (!g->q[which] && sqlite3_prepare_v3(g->db, q_sql[which], -1, SQLITE_PREPARE_PERSISTENT,
	                                       &g->q[which], NULL) != SQLITE_OK) {
		db_fail(g->db, "prepare");
		return NULL;
	}
	sqlite3_reset(g->q[which]);
	sqlite3_clear_bindings(g->q[which]);
	return g->q[which];
}

int ra_graph_ports(ra_graph *g, int64_t unit_id, const ra_graph_port **out, size_t *n)
{
	unit_ports *up = imap_get(&g->ports, unit_id);
	sqlite3_stmt *s;
	size_t cap = 0;
	int rc = RA_OK;

	if (up) {
		*out = up->ports;
		*n = up->n;
		return RA_OK;
	}
	up = ra_arena_calloc(g->cache, sizeof(*up));
	s = query(g, Q_PORTS);
	if (!up || !s)
		return up ? RA_ERR : RA_ENOMEM;
	up->unit_id = unit_id;
	sqlite3_bind_int64(s, 1, unit_id);
	while (!rc && sqlite3_step(s) == SQLITE_ROW) {
		ra_graph_port *p;

		if (ra_grow((void **)&up->ports, &cap, up->n + 1, sizeof(*up->ports))) {
			rc = RA_ENOMEM;
			break;
		}
		p = &up->ports[up->n++];
		p->name = ra_arena_strdup(g->cache, col_text(s, 0));
		p->key = ra_arena_strdup(g->cache, col_text(s, 1));
		p->dir = col_dup(g->cache, s, 2);
		if (!p->name || !p->key)
			rc = RA_ENOMEM;
	}
	sqlite3_reset(s);
	rc = rc ? rc : imap_put(&g->ports, unit_id, up);
	if (rc) {
		ra_free(up->ports);
		return rc;
	}
	*out = up->ports;
	*n = up->n;
	return RA_OK;
}

/* generate/block names from the instance's parent up to the body, joined with '.' */
typedef struct scope_row {
	int64_t id, parent;
	const char *name;
} scope_row;

static const char *scope_path(ra_graph *g, const scope_row *rows, size_t n, int64_t parent,
                              int64_t body)
{
	const char *chain[64];
	size_t depth = 0;
	ra_buf b;
	const char *out;

	while (parent && parent != body && depth < 64) {
		size_t i;

		for (i = 0; i < n && rows[i].id != parent; i++)
			;
		if (i == n)
			break;
		chain[depth++] = rows[i].name[0] ? rows[i].name : "<unnamed>";
		parent = rows[i].parent;
	}
	if (!depth)
		return NULL;
	ra_buf_init(&b, 0);
	while (depth--)
		if (ra_buf_puts(&b, chain[depth]) || (depth && ra_buf_putc(&b, '.')))
			break;
	out = ra_arena_strdup(g->cache, b.data ? b.data : "");
	ra_buf_free(&b);
	return out;
}

static kid *kid_by_inst(const body_info *b, int64_t inst)
{
	size_t lo = 0, hi = b->nkids;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (b->kids[mid].inst_id < inst)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < b->nkids && b->kids[lo].inst_id == inst ? &b->kids[lo] : NULL;
}

/* the instances of a cached body, with their connections and generate scopes */
static int load_kids(ra_graph *g, body_info *b)
{
	sqlite3_stmt *s;
	scope_row *rows = NULL;
	size_t nrows = 0, rcap = 0, kcap = 0;
	int rc = RA_OK;

	if (b->kids_loaded)
		return RA_OK;
	b->kids_loaded = true; /* a failure leaves the body without kids, and is returned */
	s = query(g, Q_KIDS);
	if (!s)
		return RA_ERR;
	sqlite3_bind_int64(s, 1, b->body_id);
	sqlite3_bind_int64(s, 2, b->file_id);
	/* instances, and the generate scopes their paths need (named after all are read) */
	while (!rc && sqlite3_step(s) == SQLITE_ROW) {
		kid *k;

		if (!sqlite3_column_int(s, 11)) {
			if (ra_grow((void **)&rows, &rcap, nrows + 1, sizeof(*rows))) {
				rc = RA_ENOMEM;
				break;
			}
			rows[nrows].id = sqlite3_column_int64(s, 0);
			rows[nrows].parent = sqlite3_column_int64(s, 3);
			rows[nrows].name = ra_arena_strdup(g->cache, col_text(s, 1));
			if (!rows[nrows++].name)
				rc = RA_ENOMEM;
			continue;
		}
		if (ra_grow((void **)&b->kids, &kcap, b->nkids + 1, sizeof(*b->kids))) {
			rc = RA_ENOMEM;
			break;
		}
		k = &b->kids[b->nkids++];
		memset(k, 0, sizeof(*k));
		k->inst_id = sqlite3_column_int64(s, 0);
		k->name = ra_arena_strdup(g->cache, col_text(s, 1));
		k->type = ra_arena_strdup(g->cache, col_text(s, 2));
		k->parent_sym = sqlite3_column_int64(s, 3);
		k->span = col_span(s, 4);
		k->unit_id = sqlite3_column_int64(s, 8);
		k->body_id = sqlite3_column_int64(s, 9);
		k->how = sqlite3_column_type(s, 10) == SQLITE_NULL
		                 ? RA_GRAPH_HOW_UNRESOLVED
		                 : ra_arena_strdup(g->cache, col_text(s, 10));
		if (!k->name || !k->type || !k->how)
			rc = RA_ENOMEM;
	}
	sqlite3_reset(s);
	for (size_t i = 0; !rc && i < b->nkids; i++)
		b->kids[i].scope = scope_path(g, rows, nrows, b->kids[i].parent_sym, b->body_id);
	ra_free(rows);
	s = rc ? NULL : query(g, Q_CONNS);
	if (!rc && !s)
		rc = RA_ERR;
	if (s) {
		sqlite3_bind_int64(s, 1, b->body_id);
		sqlite3_bind_int64(s, 2, b->file_id);
	}
	while (!rc && sqlite3_step(s) == SQLITE_ROW) {
		kid *k = kid_by_inst(b, sqlite3_column_int64(s, 0));
		gconn *c;

		if (!k)
			continue;
		if (ra_grow((void **)&k->conns, &k->conns_cap, k->nconns + 1, sizeof(*k->conns))) {
			rc = RA_ENOMEM;
			break;
		}
		c = &k->conns[k->nconns++];
		c->formal = col_dup(g->cache, s, 1);
		c->position = sqlite3_column_int(s, 2);
		c->actual = col_dup(g->cache, s, 3);
		c->is_param = sqlite3_column_int(s, 4) != 0;
		c->span = col_span(s, 5);
	}
	if (s)
		sqlite3_reset(s);
	/* parameter overrides, in the order written */
	for (size_t i = 0; !rc && i < b->nkids; i++) {
		kid *k = &b->kids[i];
		size_t np = 0;

		for (size_t j = 0; j < k->nconns; j++)
			np += k->conns[j].is_param;
		if (!np)
			continue;
		k->params = ra_arena_calloc(g->cache, np * sizeof(*k->params));
		if (!k->params) {
			rc = RA_ENOMEM;
			break;
		}
		for (size_t j = 0; j < k->nconns; j++)
			if (k->conns[j].is_param)
				k->params[k->nparams++] =
				        (ra_graph_param){k->conns[j].formal, k->conns[j].position,
				                         k->conns[j].actual};
	}
	return rc;
}

/* the cached body (module, or VHDL architecture) of unit `unit_id`, its header loaded; NULL on
 * failure */
static body_info *body_get(ra_graph *g, int64_t unit_id, int64_t body_id)
{
	body_info *b = imap_get(&g->bodies, body_id);
	sqlite3_stmt *s;

	if (b)
		return b;
	b = ra_arena_calloc(g->cache, sizeof(*b));
	if (!b)
		return NULL;
	b->body_id = body_id;
	b->unit_id = unit_id;
	s = query(g, Q_UNIT);
	if (!s)
		return NULL;
	sqlite3_bind_int64(s, 1, unit_id);
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_reset(s);
		ra_error_set(RA_ENOTFOUND, "graph: unit %lld is gone (re-index)",
		             (long long)unit_id);
		return NULL;
	}
	b->unit_name = ra_arena_strdup(g->cache, col_text(s, 0));
	b->kind = ra_arena_strdup(g->cache, col_text(s, 1));
	b->file = ra_arena_strdup(g->cache, col_text(s, 2));
	b->vhdl = sqlite3_column_int(s, 3) == RA_LANG_VHDL;
	b->lang = ra_model_lang_name((ra_lang)sqlite3_column_int(s, 3));
	b->span = col_span(s, 4);
	b->file_id = sqlite3_column_int64(s, 8);
	sqlite3_reset(s);
	if (body_id != unit_id) {
		sqlite3_bind_int64(s, 1, body_id);
		if (sqlite3_step(s) == SQLITE_ROW) {
			b->arch = ra_arena_strdup(g->cache, col_text(s, 0));
			b->body_file = ra_arena_strdup(g->cache, col_text(s, 2));
			b->file_id = sqlite3_column_int64(s, 8);
		}
		sqlite3_reset(s);
	}
	if (!b->unit_name || !b->file || imap_put(&g->bodies, body_id, b))
		return NULL;
	return b;
}

/* body_get with the instances loaded */
static body_info *body_get_kids(ra_graph *g, int64_t unit_id, int64_t body_id)
{
	body_info *b = body_get(g, unit_id, body_id);

	return b && load_kids(g, b) == RA_OK ? b : NULL;
}

/* ---- finding units ------------------------------------------------------------------------ */

int ra_graph_unit_find(ra_graph *g, const char *name, ra_graph_unit *out)
{
	char folded[KEY_MAX];
	sqlite3_stmt *s = NULL;
	int rc = RA_ENOTFOUND, attempt;
	const char *want = name;

	memset(out, 0, sizeof(*out));
	/* a configuration names its entity: a second round with the entity's name */
	for (attempt = 0; attempt < 2 && rc == RA_ENOTFOUND; attempt++) {
		fold_to(folded, sizeof(folded), want);
		if (sqlite3_prepare_v2(
		            g->db,
		            "SELECT s.id, s.kind, s.name, f.path, f.lang, s.line, s.col, "
		            "s.end_line,"
		            " s.end_col, g.body_id, s.type FROM symbols s JOIN files f ON"
		            " f.id = s.file_id LEFT JOIN graph_units g ON g.unit_id = s.id AND"
		            " g.is_default = 1 WHERE s.key IN (?1, ?2) AND ((f.lang = 2 AND s.key "
		            "= ?2)"
		            " OR (f.lang != 2 AND s.key = ?1)) AND s.unit_id = s.id AND"
		            " (g.body_id IS NOT NULL OR s.kind = 'configuration')"
		            " ORDER BY s.kind = 'configuration', f.path, s.line",
		            -1, &s, NULL) != SQLITE_OK)
			return db_fail(g->db, "find unit");
		sqlite3_bind_text(s, 1, want, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 2, folded, -1, SQLITE_TRANSIENT);
		while (sqlite3_step(s) == SQLITE_ROW) {
			if (strcmp(col_text(s, 1), "configuration") == 0) {
				if (rc == RA_ENOTFOUND && attempt == 0 && !out->ndefs)
					want = ra_arena_strdup(g->arena, col_text(s, 10));
				continue;
			}
			if (!out->ndefs++) {
				out->id = sqlite3_column_int64(s, 0);
				out->kind = ra_arena_strdup(g->arena, col_text(s, 1));
				out->name = ra_arena_strdup(g->arena, col_text(s, 2));
				out->file = ra_arena_strdup(g->arena, col_text(s, 3));
				out->lang = ra_model_lang_name((ra_lang)sqlite3_column_int(s, 4));
				out->span = col_span(s, 5);
				out->body_id = sqlite3_column_int64(s, 9);
				rc = RA_OK;
			}
		}
		sqlite3_finalize(s);
		s = NULL;
		if (!want)
			return RA_ENOMEM;
		if (want == name)
			break;
	}
	if (rc == RA_ENOTFOUND)
		return ra_error_set(RA_ENOTFOUND,
		                    "no module, interface, entity or configuration named '%s'",
		                    name);
	return out->name && out->kind && out->file ? RA_OK : RA_ENOMEM;
}

/* ---- hierarchy ---------------------------------------------------------------------------- */

typedef struct walk {
	ra_graph *g;
	int max_depth;
	ra_graph_node_cb fn;
	void *payload;
	int64_t stack[256]; /* unit ids on the current path */
	int depth;
	ra_buf path;
} walk;

static void node_from_body(ra_graph_node *n, const body_info *b)
{
	n->unit = b->unit_name;
	n->kind = b->kind;
	n->lang = b->lang;
	n->arch = b->arch;
	n->unit_file = b->file;
	n->unit_span = b->span;
	n->unit_id = b->unit_id;
	n->body_id = b->body_id;
}

static int walk_body(walk *w, const body_info *b)
{
	size_t path_len = w->path.len;
	int rc = RA_OK;

	for (size_t i = 0; !rc && i < b->nkids; i++) {
		const kid *k = &b->kids[i];
		ra_graph_node n = {.depth = w->depth,
		                   .inst = k->name,
		                   .scope = k->scope,
		                   .type = k->type,
		                   .how = k->how,
		                   .file = b->body_file ? b->body_file : b->file,
		                   .span = k->span,
		                   .params = k->params,
		                   .nparams = k->nparams};
		const body_info *cb = NULL;

		w->path.len = path_len;
		if (k->scope)
			rc = ra_buf_printf(&w->path, ".%s", k->scope);
		rc = rc ? rc : ra_buf_printf(&w->path, ".%s", k->name);
		if (rc)
			break;
		n.path = w->path.data;
		if (k->unit_id) {
			cb = body_get_kids(w->g, k->unit_id, k->body_id);
			if (!cb) {
				rc = RA_ERR;
				break;
			}
			node_from_body(&n, cb);
			for (int d = 0; d < w->depth; d++)
				if (w->stack[d] == k->unit_id)
					n.recursive = true;
			if (!n.recursive && cb->nkids &&
			    ((w->max_depth > 0 && w->depth >= w->max_depth) || w->depth >= 255))
				n.truncated = true;
		}
		rc = w->fn(&n, w->payload);
		if (rc || !cb || n.recursive || n.truncated || !cb->nkids)
			continue;
		w->stack[w->depth++] = k->unit_id;
		rc = walk_body(w, cb);
		w->depth--;
	}
	w->path.len = path_len;
	if (w->path.data)
		w->path.data[path_len] = '\0';
	return rc;
}

int ra_graph_tree(ra_graph *g, int64_t unit_id, int64_t body_id, int max_depth, ra_graph_node_cb fn,
                  void *payload)
{
	walk w = {.g = g, .max_depth = max_depth, .fn = fn, .payload = payload};
	body_info *b = body_get_kids(g, unit_id, body_id ? body_id : unit_id);
	ra_graph_node root = {0};
	int rc;

	if (!b)
		return RA_ERR;
	ra_buf_init(&w.path, 0);
	rc = ra_buf_puts(&w.path, b->unit_name);
	if (rc)
		return rc;
	root.path = w.path.data;
	root.type = b->unit_name;
	root.file = b->file;
	root.span = b->span;
	node_from_body(&root, b);
	{
		sqlite3_stmt *s = NULL;

		if (sqlite3_prepare_v2(g->db,
		                       "SELECT testbench FROM graph_units WHERE body_id = ?1 AND"
		                       " ninst = 0",
		                       -1, &s, NULL) == SQLITE_OK) {
			sqlite3_bind_int64(s, 1, b->body_id);
			root.testbench = sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int(s, 0);
		}
		sqlite3_finalize(s);
	}
	rc = fn(&root, payload);
	if (!rc) {
		w.stack[0] = unit_id;
		w.depth = 1;
		rc = walk_body(&w, b);
	}
	ra_buf_free(&w.path);
	return rc;
}

int ra_graph_tops(ra_graph *g, ra_graph_node_cb fn, void *payload)
{
	sqlite3_stmt *s = NULL;
	int rc = RA_OK;

	if (sqlite3_prepare_v2(
	            g->db,
	            "SELECT g.unit_id, g.body_id, g.testbench FROM graph_units g JOIN symbols s ON"
	            " s.id = g.unit_id WHERE g.ninst = 0 AND g.is_default = 1"
	            " ORDER BY s.key, s.id",
	            -1, &s, NULL) != SQLITE_OK)
		return db_fail(g->db, "tops");
	while (!rc && sqlite3_step(s) == SQLITE_ROW) {
		body_info *b = body_get(g, sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1));
		ra_graph_node root = {0};

		if (!b) {
			rc = RA_ERR;
			break;
		}
		root.path = root.type = b->unit_name;
		root.file = b->file;
		root.span = b->span;
		root.testbench = sqlite3_column_int(s, 2) != 0;
		node_from_body(&root, b);
		rc = fn(&root, payload);
	}
	sqlite3_finalize(s);
	return rc;
}

int ra_graph_unresolved(ra_graph *g, ra_graph_node_cb fn, void *payload)
{
	sqlite3_stmt *s = NULL;
	int rc = RA_OK;

	if (sqlite3_prepare_v2(
	            g->db,
	            "SELECT coalesce(e.name, u.name), s.name, s.type, f.path, s.line, s.col,"
	            " s.end_line, s.end_col FROM inst_targets t JOIN symbols s ON"
	            " s.id = t.inst_id JOIN files f ON f.id = s.file_id JOIN symbols u ON"
	            " u.id = s.unit_id LEFT JOIN graph_units gu ON gu.body_id = s.unit_id"
	            " LEFT JOIN symbols e ON e.id = gu.unit_id"
	            " WHERE t.how = 'unresolved' ORDER BY f.path, s.line, s.col",
	            -1, &s, NULL) != SQLITE_OK)
		return db_fail(g->db, "unresolved");
	while (!rc && sqlite3_step(s) == SQLITE_ROW) {
		char *path = ra_arena_printf(g->scratch, "%s.%s", col_text(s, 0), col_text(s, 1));
		ra_graph_node n = {.depth = 1,
		                   .path = path,
		                   .inst = col_text(s, 1),
		                   .type = col_text(s, 2),
		                   .how = RA_GRAPH_HOW_UNRESOLVED,
		                   .file = col_text(s, 3),
		                   .span = col_span(s, 4)};

		rc = path ? fn(&n, payload) : RA_ENOMEM;
	}
	sqlite3_finalize(s);
	ra_arena_reset(g->scratch);
	return rc;
}

/* ---- dataflow ----------------------------------------------------------------------------- */

enum { DIR_IN = 1, DIR_OUT = 2 };

static int dir_mask(const char *dir)
{
	if (!dir)
		return DIR_IN | DIR_OUT;
	if (strcmp(dir, "input") == 0 || strcmp(dir, "in") == 0)
		return DIR_IN;
	if (strcmp(dir, "output") == 0 || strcmp(dir, "out") == 0 || strcmp(dir, "buffer") == 0)
		return DIR_OUT;
	return DIR_IN | DIR_OUT; /* inout, ref, interface, linkage */
}

static const char *dir_word(int mask)
{
	return mask == DIR_IN ? "input" : mask == DIR_OUT ? "output" : "inout";
}

/* the port a connection names (formal, else position); -1 when none */
static int port_of(const gconn *c, const ra_graph_port *ports, size_t n)
{
	char want[KEY_MAX], folded[KEY_MAX];

	if (!c->formal) {
		return c->position >= 0 && (size_t)c->position < n ? c->position : -1;
	}
	/* VHDL partial association d(0) => x names port d */
	snprintf(want, sizeof(want), "%s", c->formal);
	want[strcspn(want, "([. \t")] = '\0';
	fold_to(folded, sizeof(folded), want);
	for (size_t i = 0; i < n; i++)
		if (strcmp(ports[i].key, want) == 0 || strcmp(ports[i].key, folded) == 0)
			return (int)i;
	return -1;
}

typedef struct ent_builder {
	ra_graph *g;
	kid *k;
	size_t cap;
	uint32_t kid, port;
	int conn;
} ent_builder;

static int add_ent(const char *key, void *payload)
{
	ent_builder *e = payload;
	kid *k = e->k;
	sig_entry *x;

	if (ra_grow((void **)&k->ents, &e->cap, k->nents + 1, sizeof(*k->ents)))
		return RA_ENOMEM;
	x = &k->ents[k->nents];
	x->key = ra_arena_strdup(e->g->cache, key);
	if (!x->key)
		return RA_ENOMEM;
	x->kid = e->kid;
	x->port = e->port;
	x->conn = e->conn;
	k->nents++;
	return RA_OK;
}

/* the parent signals kid `k` of `b` (b->kids[i], or UINT32_MAX for a kid loaded alone)
 * connects, one entry per identifier of each actual */
static int kid_ents(ra_graph *g, const body_info *b, kid *k, uint32_t i)
{
	ent_builder e = {.g = g, .k = k, .kid = i};
	const ra_graph_port *ports;
	size_t np;
	bool star = false;
	int rc;

	if (k->ents_built || !k->unit_id)
		return RA_OK;
	rc = ra_graph_ports(g, k->unit_id, &ports, &np);
	for (size_t j = 0; !rc && j < k->nconns; j++) {
		const gconn *c = &k->conns[j];
		int p;

		if (c->is_param)
			continue;
		if (c->formal && strcmp(c->formal, "*") == 0) {
			star = true;
			continue;
		}
		p = port_of(c, ports, np);
		if (p < 0 || !c->actual)
			continue;
		e.port = (uint32_t)p;
		e.conn = (int)j;
		rc = ra_graph_idents(c->actual, b->vhdl, add_ent, &e);
	}
	/* .* connects every port not named otherwise to the parent signal of its name */
	for (size_t p = 0; star && !rc && p < np; p++) {
		bool named = false;
		char key[KEY_MAX];

		for (size_t j = 0; j < k->nconns && !named; j++)
			named = !k->conns[j].is_param && k->conns[j].formal &&
			        strcmp(k->conns[j].formal, "*") != 0 &&
			        port_of(&k->conns[j], ports, np) == (int)p;
		if (named)
			continue;
		if (b->vhdl)
			fold_to(key, sizeof(key), ports[p].name);
		else
			snprintf(key, sizeof(key), "%s", ports[p].name);
		e.port = (uint32_t)p;
		e.conn = -1;
		rc = add_ent(key, &e);
	}
	if (rc) {
		ra_free(k->ents);
		k->ents = NULL;
		k->nents = 0;
		return rc;
	}
	k->ents_built = true;
	return RA_OK;
}

static const body_info *sort_body; /* qsort has no payload; queries run on one thread */

static int cmp_ent_ref(const void *a, const void *b)
{
	const ent_ref *x = a, *y = b;
	int c = strcmp(sort_body->kids[x->kid].ents[x->i].key,
	               sort_body->kids[y->kid].ents[y->i].key);

	if (c)
		return c;
	if (x->kid != y->kid)
		return x->kid < y->kid ? -1 : 1;
	return (x->i > y->i) - (x->i < y->i);
}

/* every kid's ents, and the index of them by key */
static int build_ents(ra_graph *g, body_info *b)
{
	size_t n = 0;
	int rc;

	if (b->ents_built)
		return RA_OK;
	rc = load_kids(g, b);
	for (size_t i = 0; !rc && i < b->nkids; i++) {
		rc = kid_ents(g, b, &b->kids[i], (uint32_t)i);
		n += b->kids[i].nents;
	}
	if (rc)
		return rc;
	b->by_key = ra_malloc((n + 1) * sizeof(*b->by_key));
	if (!b->by_key)
		return RA_ENOMEM;
	for (size_t i = 0; i < b->nkids; i++)
		for (size_t j = 0; j < b->kids[i].nents; j++)
			b->by_key[b->nents++] = (ent_ref){(uint32_t)i, (uint32_t)j};
	sort_body = b;
	if (b->nents)
		qsort(b->by_key, b->nents, sizeof(*b->by_key), cmp_ent_ref);
	sort_body = NULL;
	b->ents_built = true;
	return RA_OK;
}

static const sig_entry *ent_at(const body_info *b, size_t at)
{
	return &b->kids[b->by_key[at].kid].ents[b->by_key[at].i];
}

/* first position in by_key whose entry has `key`, or nents */
static size_t ents_find(const body_info *b, const char *key)
{
	size_t lo = 0, hi = b->nents;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (strcmp(ent_at(b, mid)->key, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* ---- what a trace reads: single instances and per-signal memos ----------------------------- */

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

/* the connections of kid `k`, in the order written */
static int load_kid_conns(ra_graph *g, kid *k)
{
	sqlite3_stmt *s = query(g, Q_KID_CONNS);
	int rc = RA_OK;

	if (!s)
		return RA_ERR;
	sqlite3_bind_int64(s, 1, k->inst_id);
	while (!rc && sqlite3_step(s) == SQLITE_ROW) {
		gconn *c;

		if (ra_grow((void **)&k->conns, &k->conns_cap, k->nconns + 1, sizeof(*k->conns))) {
			rc = RA_ENOMEM;
			break;
		}
		c = &k->conns[k->nconns++];
		c->formal = col_dup(g->cache, s, 0);
		c->position = sqlite3_column_int(s, 1);
		c->actual = col_dup(g->cache, s, 2);
		c->is_param = sqlite3_column_int(s, 3) != 0;
		c->span = col_span(s, 4);
	}
	sqlite3_reset(s);
	return rc;
}

/* the generate/block names between instance parent `parent` and body `b`, as load_kids names
 * them (scope_path) */
static int kid_scope(ra_graph *g, const body_info *b, int64_t parent, const char **out)
{
	const char *chain[64];
	size_t depth = 0;
	ra_buf buf;
	int rc = RA_OK;

	*out = NULL;
	while (parent && parent != b->body_id && depth < 64) {
		sqlite3_stmt *s = query(g, Q_SCOPE);
		const char *name;

		if (!s)
			return RA_ERR;
		sqlite3_bind_int64(s, 1, parent);
		sqlite3_bind_int64(s, 2, b->body_id);
		sqlite3_bind_int64(s, 3, b->file_id);
		if (sqlite3_step(s) != SQLITE_ROW || !sqlite3_column_int(s, 2)) {
			sqlite3_reset(s);
			break;
		}
		name = col_text(s, 0);
		chain[depth] = ra_arena_strdup(g->cache, name[0] ? name : "<unnamed>");
		parent = sqlite3_column_int64(s, 1);
		sqlite3_reset(s);
		if (!chain[depth++])
			return RA_ENOMEM;
	}
	if (!depth)
		return RA_OK;
	ra_buf_init(&buf, 0);
	while (!rc && depth--)
		if (ra_buf_puts(&buf, chain[depth]) || (depth && ra_buf_putc(&buf, '.')))
			rc = RA_ENOMEM;
	*out = rc ? NULL : ra_arena_strdup(g->cache, buf.data ? buf.data : "");
	ra_buf_free(&buf);
	return rc || *out ? rc : RA_ENOMEM;
}

/* instance `inst` of body `b` with its connections, read alone unless the body's instances
 * all are; *out NULL when it is not an instance of b */
static int kid_get(ra_graph *g, body_info *b, int64_t inst, kid **out)
{
	sqlite3_stmt *s;
	kid *k;
	int rc;

	*out = NULL;
	if (b->kids_loaded) {
		*out = kid_by_inst(b, inst);
		return RA_OK;
	}
	if ((*out = imap_get(&b->kidmap, inst)))
		return RA_OK;
	s = query(g, Q_KID);
	if (!s)
		return RA_ERR;
	sqlite3_bind_int64(s, 1, inst);
	sqlite3_bind_int64(s, 2, b->body_id);
	sqlite3_bind_int64(s, 3, b->file_id);
	if (sqlite3_step(s) != SQLITE_ROW || !sqlite3_column_int(s, 10)) {
		sqlite3_reset(s);
		return RA_OK;
	}
	k = ra_arena_calloc(g->cache, sizeof(*k));
	if (!k) {
		sqlite3_reset(s);
		return RA_ENOMEM;
	}
	k->inst_id = inst;
	k->alone = true;
	k->name = ra_arena_strdup(g->cache, col_text(s, 0));
	k->type = ra_arena_strdup(g->cache, col_text(s, 1));
	k->parent_sym = sqlite3_column_int64(s, 2);
	k->span = col_span(s, 3);
	k->unit_id = sqlite3_column_int64(s, 7);
	k->body_id = sqlite3_column_int64(s, 8);
	k->how = sqlite3_column_type(s, 9) == SQLITE_NULL
	                 ? RA_GRAPH_HOW_UNRESOLVED
	                 : ra_arena_strdup(g->cache, col_text(s, 9));
	sqlite3_reset(s);
	rc = !k->name || !k->type || !k->how ? RA_ENOMEM : RA_OK;
	rc = rc ? rc : kid_scope(g, b, k->parent_sym, &k->scope);
	rc = rc ? rc : load_kid_conns(g, k);
	rc = rc ? rc : imap_put(&b->kidmap, inst, k);
	if (rc) {
		ra_free(k->conns);
		return rc;
	}
	*out = k;
	return RA_OK;
}

/* the memo of `key` in body b, made empty on first use; NULL on OOM */
static key_memo *memo_get(ra_graph *g, body_info *b, const char *key)
{
	size_t h;
	key_memo *m;

	if ((b->nmemo + 1) * 2 > b->memo_cap) {
		size_t ncap = b->memo_cap ? b->memo_cap * 2 : 16;
		key_memo **nm = ra_calloc(ncap, sizeof(*nm));

		if (!nm)
			return NULL;
		for (size_t i = 0; i < b->memo_cap; i++) {
			if (!b->memo[i])
				continue;
			for (h = hash_str(b->memo[i]->key) & (ncap - 1); nm[h];
			     h = (h + 1) & (ncap - 1))
				;
			nm[h] = b->memo[i];
		}
		ra_free(b->memo);
		b->memo = nm;
		b->memo_cap = ncap;
	}
	for (h = hash_str(key) & (b->memo_cap - 1); b->memo[h]; h = (h + 1) & (b->memo_cap - 1))
		if (strcmp(b->memo[h]->key, key) == 0)
			return b->memo[h];
	m = ra_arena_calloc(g->cache, sizeof(*m));
	if (!m || !(m->key = ra_arena_strdup(g->cache, key)))
		return NULL;
	b->memo[h] = m;
	b->nmemo++;
	return m;
}

/* copies n elements of a malloc'd array into the cache; NULL when n is 0 or on OOM */
static void *to_cache(ra_graph *g, void *arr, size_t n, size_t elem, int *rc)
{
	void *out = NULL;

	if (n && !(out = ra_arena_alloc(g->cache, n * elem)))
		*rc = RA_ENOMEM;
	else if (n)
		memcpy(out, arr, n * elem);
	ra_free(arr);
	return out;
}

/* the flows into (dir 0) or out of (1) m's signal in body b */
static int memo_flows(ra_graph *g, const body_info *b, key_memo *m, int dir)
{
	sqlite3_stmt *s;
	flow_row *rows = NULL;
	size_t n = 0, cap = 0;
	const char *last_file = NULL;
	int rc = RA_OK;

	if (m->flows_loaded[dir])
		return RA_OK;
	s = query(g, dir == 0 ? Q_FLOWS_TO : Q_FLOWS_FROM);
	if (!s)
		return RA_ERR;
	sqlite3_bind_int64(s, 1, b->body_id);
	sqlite3_bind_text(s, 2, m->key, -1, SQLITE_STATIC);
	while (!rc && sqlite3_step(s) == SQLITE_ROW) {
		flow_row *r;
		const char *file = col_text(s, 5);

		if (ra_grow((void **)&rows, &cap, n + 1, sizeof(*rows))) {
			rc = RA_ENOMEM;
			break;
		}
		r = &rows[n++];
		r->other = ra_arena_strdup(g->cache, col_text(s, 0));
		if (!last_file || strcmp(last_file, file) != 0)
			last_file = ra_arena_strdup(g->cache, file);
		r->file = last_file;
		r->kind = sqlite3_column_int(s, 1);
		r->how = sqlite3_column_int(s, 2);
		r->line = (uint32_t)sqlite3_column_int(s, 3);
		r->col = (uint32_t)sqlite3_column_int(s, 4);
		if (!r->other || !r->file)
			rc = RA_ENOMEM;
	}
	sqlite3_reset(s);
	m->flows[dir] = to_cache(g, rows, rc ? 0 : n, sizeof(*rows), &rc);
	m->nflows[dir] = rc ? 0 : n;
	m->flows_loaded[dir] = rc == RA_OK;
	return rc;
}

/* conn_keys is filled (an index written before schema 6 has none until it is re-indexed: then
 * every instance of a body is read, as for pictures) */
static bool have_keys(ra_graph *g)
{
	sqlite3_stmt *s = NULL;

	if (g->have_keys >= 0)
		return g->have_keys;
	g->have_keys = 0;
	if (sqlite3_prepare_v2(g->db,
	                       "SELECT EXISTS(SELECT 1 FROM conn_keys) OR NOT EXISTS(SELECT 1 FROM"
	                       " conns WHERE is_param = 0)",
	                       -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		g->have_keys = sqlite3_column_int(s, 0) != 0;
	sqlite3_finalize(s);
	return g->have_keys;
}

/* the child ports m's signal connects to in body b: by instance id, then connection order,
 * reading only the instances whose connections name the signal */
static int memo_ents(ra_graph *g, body_info *b, key_memo *m)
{
	key_ent *ents = NULL;
	int64_t *insts = NULL;
	size_t n = 0, cap = 0, ninst = 0, icap = 0;
	int rc = RA_OK;

	if (m->ents_loaded)
		return RA_OK;
	if (!have_keys(g)) {
		rc = build_ents(g, b);
		for (size_t at = rc ? b->nents : ents_find(b, m->key);
		     !rc && at < b->nents && strcmp(ent_at(b, at)->key, m->key) == 0; at++) {
			if (ra_grow((void **)&ents, &cap, n + 1, sizeof(*ents)))
				rc = RA_ENOMEM;
			else
				ents[n++] = (key_ent){&b->kids[b->by_key[at].kid], ent_at(b, at)};
		}
		goto out;
	}
	{
		sqlite3_stmt *s = query(g, Q_KEY_INSTS);

		if (!s)
			return RA_ERR;
		sqlite3_bind_int64(s, 1, b->body_id);
		sqlite3_bind_text(s, 2, m->key, -1, SQLITE_STATIC);
		while (!rc && sqlite3_step(s) == SQLITE_ROW) {
			if (ra_grow((void **)&insts, &icap, ninst + 1, sizeof(*insts)))
				rc = RA_ENOMEM;
			else
				insts[ninst++] = sqlite3_column_int64(s, 0);
		}
		sqlite3_reset(s);
	}
	for (size_t i = 0; !rc && i < ninst; i++) {
		kid *k;

		rc = kid_get(g, b, insts[i], &k);
		if (rc || !k)
			continue;
		rc = kid_ents(g, b, k, k->alone ? UINT32_MAX : (uint32_t)(k - b->kids));
		for (size_t j = 0; !rc && j < k->nents; j++) {
			if (strcmp(k->ents[j].key, m->key) != 0)
				continue;
			if (ra_grow((void **)&ents, &cap, n + 1, sizeof(*ents)))
				rc = RA_ENOMEM;
			else
				ents[n++] = (key_ent){k, &k->ents[j]};
		}
	}
	ra_free(insts);
out:
	m->ents = to_cache(g, ents, rc ? 0 : n, sizeof(*ents), &rc);
	m->nents = rc ? 0 : n;
	m->ents_loaded = rc == RA_OK;
	return rc;
}

typedef struct tctx {
	int32_t parent;
	int64_t inst;
	bool up;
	body_info *pb; /* the unit the context's instance sits in */
	kid *k;        /* that instance */
	const char *where;
} tctx;

typedef struct tnode {
	body_info *b;
	const char *key;
	int32_t ctx, pred;
	int depth;
	ra_graph_hop hop;
} tnode;

typedef struct tracer {
	ra_graph *g;
	const ra_graph_trace_opts *o;
	size_t max_hits;
	tnode *nodes;
	size_t nnodes, nodes_cap;
	tctx *ctxs;
	size_t nctxs, ctxs_cap;
	int32_t *ctx_index; /* open addressing over ctxs: index + 1 */
	size_t ctx_index_cap;
	int32_t *seen; /* open addressing over nodes: index + 1 */
	size_t seen_cap;
	bool truncated;
} tracer;

static uint64_t node_hash(int64_t body, int32_t ctx, const char *key)
{
	return mix64(hash_str(key) ^ mix64((uint64_t)body * 31u + (uint64_t)ctx));
}

static int seen_grow(tracer *t)
{
	size_t ncap = t->seen_cap ? t->seen_cap * 2 : 1024;
	int32_t *ns = ra_calloc(ncap, sizeof(*ns));

	if (!ns)
		return RA_ENOMEM;
	for (size_t i = 0; i < t->nnodes; i++) {
		const tnode *n = &t->nodes[i];
		size_t h = node_hash(n->b->body_id, n->ctx, n->key) & (ncap - 1);

		while (ns[h])
			h = (h + 1) & (ncap - 1);
		ns[h] = (int32_t)i + 1;
	}
	ra_free(t->seen);
	t->seen = ns;
	t->seen_cap = ncap;
	return RA_OK;
}

/* adds a node unless already seen; the key is copied */
static int add_node(tracer *t, body_info *b, const char *key, int32_t ctx, int32_t pred,
                    const ra_graph_hop *hop)
{
	size_t h;
	tnode *n;

	if ((t->nnodes + 1) * 2 > t->seen_cap && seen_grow(t))
		return RA_ENOMEM;
	for (h = node_hash(b->body_id, ctx, key) & (t->seen_cap - 1); t->seen[h];
	     h = (h + 1) & (t->seen_cap - 1)) {
		const tnode *o = &t->nodes[t->seen[h] - 1];

		if (o->b == b && o->ctx == ctx && strcmp(o->key, key) == 0)
			return RA_OK;
	}
	if (t->nnodes > t->max_hits) {
		t->truncated = true;
		return RA_OK;
	}
	if (ra_grow((void **)&t->nodes, &t->nodes_cap, t->nnodes + 1, sizeof(*t->nodes)))
		return RA_ENOMEM;
	n = &t->nodes[t->nnodes];
	n->b = b;
	n->key = ra_arena_strdup(t->g->scratch, key);
	n->ctx = ctx;
	n->pred = pred;
	n->depth = pred >= 0 ? t->nodes[pred].depth + 1 : 0;
	if (hop)
		n->hop = *hop;
	else
		memset(&n->hop, 0, sizeof(n->hop));
	if (!n->key)
		return RA_ENOMEM;
	t->seen[h] = (int32_t)t->nnodes + 1;
	t->nnodes++;
	return RA_OK;
}

/* the context below `parent` through instance `inst` (down) or above it (up); -1 on OOM */
static size_t ctx_hash(int32_t parent, int64_t inst, bool up)
{
	return (size_t)mix64((uint64_t)inst * 2654435761u ^ ((uint64_t)(uint32_t)parent << 1) ^
	                     (uint64_t)up);
}

/* rebuilds the context index at twice the size */
static int ctx_index_grow(tracer *t)
{
	size_t ncap = t->ctx_index_cap ? t->ctx_index_cap * 2 : 256;
	int32_t *ni = ra_calloc(ncap, sizeof(*ni));

	if (!ni)
		return RA_ENOMEM;
	for (size_t i = 1; i < t->nctxs; i++) {
		size_t h = ctx_hash(t->ctxs[i].parent, t->ctxs[i].inst, t->ctxs[i].up) & (ncap - 1);

		while (ni[h])
			h = (h + 1) & (ncap - 1);
		ni[h] = (int32_t)i + 1;
	}
	ra_free(t->ctx_index);
	t->ctx_index = ni;
	t->ctx_index_cap = ncap;
	return RA_OK;
}

/* the instance context below (or above, `up`) `parent` through `inst`, made on first use;
 * a wide trace makes thousands, so they are found by hash */
static int32_t ctx_get(tracer *t, int32_t parent, int64_t inst, bool up, body_info *pb, kid *k)
{
	const char *pw = t->ctxs[parent].where;
	size_t h;

	if ((t->nctxs + 1) * 2 > t->ctx_index_cap && ctx_index_grow(t))
		return -1;
	for (h = ctx_hash(parent, inst, up) & (t->ctx_index_cap - 1); t->ctx_index[h];
	     h = (h + 1) & (t->ctx_index_cap - 1)) {
		const tctx *c = &t->ctxs[t->ctx_index[h] - 1];

		if (c->parent == parent && c->inst == inst && c->up == up)
			return t->ctx_index[h] - 1;
	}
	if (ra_grow((void **)&t->ctxs, &t->ctxs_cap, t->nctxs + 1, sizeof(*t->ctxs)))
		return -1;
	t->ctxs[t->nctxs] = (tctx){parent, inst, up, pb, k, NULL};
	if (up)
		t->ctxs[t->nctxs].where = ra_arena_printf(t->g->scratch, "^%s", pb->unit_name);
	else
		t->ctxs[t->nctxs].where =
		        ra_arena_printf(t->g->scratch, "%s%s%s%s%s", pw, pw[0] ? "." : "",
		                        k->scope ? k->scope : "", k->scope ? "." : "", k->name);
	if (!t->ctxs[t->nctxs].where)
		return -1;
	t->ctx_index[h] = (int32_t)t->nctxs + 1;
	return (int32_t)t->nctxs++;
}

static const char *const flow_kinds[] = {"data", "control", "clock", "reset"};
static const char *const flow_hows[] = {"continuous", "blocking", "nonblocking", "call"};

static int expand_flows(tracer *t, int32_t i)
{
	bool drivers = t->o->dir == RA_GRAPH_DRIVERS;
	key_memo *m = memo_get(t->g, t->nodes[i].b, t->nodes[i].key);
	int rc = m ? memo_flows(t->g, t->nodes[i].b, m, drivers ? 0 : 1) : RA_ENOMEM;

	for (size_t j = 0; !rc && j < m->nflows[drivers ? 0 : 1]; j++) {
		const flow_row *r = &m->flows[drivers ? 0 : 1][j];
		const tnode *n = &t->nodes[i];
		ra_graph_hop hop = {
		        .from = drivers ? r->other : n->key,
		        .to = drivers ? n->key : r->other,
		        .unit = n->b->unit_name,
		        .where = t->ctxs[n->ctx].where,
		        .kind = r->kind >= 0 && r->kind < 4 ? flow_kinds[r->kind] : "data",
		        .how = r->how >= 0 && r->how < 4 ? flow_hows[r->how] : "continuous",
		        .file = r->file,
		        .line = r->line,
		        .col = r->col};

		rc = add_node(t, n->b, r->other, n->ctx, i, &hop);
	}
	return rc;
}

/* child port hops: parent signal -> child input port (loads), child output port -> parent
 * signal (drivers) */
static int expand_down(tracer *t, int32_t i)
{
	bool drivers = t->o->dir == RA_GRAPH_DRIVERS;
	body_info *b = t->nodes[i].b;
	key_memo *m = memo_get(t->g, b, t->nodes[i].key);
	int rc = m ? memo_ents(t->g, b, m) : RA_ENOMEM;

	for (size_t at = 0; !rc && at < m->nents; at++) {
		const sig_entry *e = m->ents[at].ent;
		kid *k = m->ents[at].k;
		const ra_graph_port *ports;
		size_t np;
		body_info *cb;
		int mask;
		int32_t c;
		ra_graph_hop hop;
		const char *q;

		rc = ra_graph_ports(t->g, k->unit_id, &ports, &np);
		if (rc)
			break;
		mask = dir_mask(ports[e->port].dir);
		if (!(mask & (drivers ? DIR_OUT : DIR_IN)))
			continue;
		cb = body_get(t->g, k->unit_id, k->body_id);
		if (!cb)
			return RA_ERR;
		c = ctx_get(t, t->nodes[i].ctx, k->inst_id, false, b, k);
		q = ra_arena_printf(t->g->scratch, "%s.%s", k->name, ports[e->port].name);
		if (c < 0 || !q)
			return RA_ENOMEM;
		hop = (ra_graph_hop){
		        .from = drivers ? q : t->nodes[i].key,
		        .to = drivers ? t->nodes[i].key : q,
		        .unit = cb->unit_name,
		        .where = t->ctxs[c].where,
		        .kind = "port",
		        .how = dir_word(mask),
		        .file = b->body_file ? b->body_file : b->file,
		        .line = e->conn >= 0 ? k->conns[e->conn].span.line : k->span.line,
		        .col = e->conn >= 0 ? k->conns[e->conn].span.col : k->span.col};
		rc = add_node(t, cb, ports[e->port].key, c, i, &hop);
	}
	return rc;
}

/* from a port of this node's unit up to what the parent connects to it: through the context's
 * instance, or every instantiation site above the start */
static int expand_up_site(tracer *t, int32_t i, int port, body_info *pb, kid *k, int32_t ctx)
{
	bool drivers = t->o->dir == RA_GRAPH_DRIVERS;
	int rc = kid_ents(t->g, pb, k, k->alone ? UINT32_MAX : (uint32_t)(k - pb->kids));

	for (size_t at = 0; !rc && at < k->nents; at++) {
		const sig_entry *e = &k->ents[at];
		const ra_graph_port *ports;
		size_t np;
		ra_graph_hop hop;
		const char *q;

		if ((int)e->port != port)
			continue;
		rc = ra_graph_ports(t->g, k->unit_id, &ports, &np);
		if (rc)
			break;
		q = ra_arena_printf(t->g->scratch, "%s.%s", k->name, ports[port].name);
		if (!q)
			return RA_ENOMEM;
		hop = (ra_graph_hop){
		        .from = drivers ? e->key : q,
		        .to = drivers ? q : e->key,
		        .unit = pb->unit_name,
		        .where = t->ctxs[ctx].where,
		        .kind = "port",
		        .how = dir_word(dir_mask(ports[port].dir)),
		        .file = pb->body_file ? pb->body_file : pb->file,
		        .line = e->conn >= 0 ? k->conns[e->conn].span.line : k->span.line,
		        .col = e->conn >= 0 ? k->conns[e->conn].span.col : k->span.col};
		rc = add_node(t, pb, e->key, ctx, i, &hop);
	}
	return rc;
}

/* where body b is instantiated, each site with the unit around it (sites inside something that
 * is not a design unit are left out), in the order of the index */
static int load_sites(ra_graph *g, body_info *b)
{
	sqlite3_stmt *s;
	size_t cap = 0;
	int rc = RA_OK;

	if (b->sites_loaded)
		return RA_OK;
	s = query(g, Q_SITES);
	if (!s)
		return RA_ERR;
	sqlite3_bind_int64(s, 1, b->unit_id);
	sqlite3_bind_int64(s, 2, b->body_id);
	while (!rc && sqlite3_step(s) == SQLITE_ROW) {
		if (ra_grow((void **)&b->sites, &cap, b->nsites + 1, sizeof(*b->sites)))
			rc = RA_ENOMEM;
		else
			b->sites[b->nsites++] =
			        (site){sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1), 0};
	}
	sqlite3_reset(s);
	for (size_t j = 0; !rc && j < b->nsites; j++) {
		s = query(g, Q_PARENT);
		if (!s) {
			rc = RA_ERR;
			break;
		}
		sqlite3_bind_int64(s, 1, b->sites[j].parent_body);
		if (sqlite3_step(s) == SQLITE_ROW)
			b->sites[j].parent_unit = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
	}
	if (rc) {
		ra_free(b->sites);
		b->sites = NULL;
		b->nsites = 0;
		return rc;
	}
	b->sites_loaded = true;
	return RA_OK;
}

static int expand_up(tracer *t, int32_t i)
{
	bool drivers = t->o->dir == RA_GRAPH_DRIVERS;
	body_info *b = t->nodes[i].b;
	const ra_graph_port *ports;
	size_t np;
	int port = -1, rc = ra_graph_ports(t->g, b->unit_id, &ports, &np);
	int32_t ctx = t->nodes[i].ctx;

	if (rc)
		return rc;
	for (size_t p = 0; p < np && port < 0; p++)
		if (strcmp(ports[p].key, t->nodes[i].key) == 0)
			port = (int)p;
	if (port < 0 || !(dir_mask(ports[port].dir) & (drivers ? DIR_IN : DIR_OUT)))
		return RA_OK;
	if (ctx > 0 && !t->ctxs[ctx].up) {
		const tctx *c = &t->ctxs[ctx];

		return expand_up_site(t, i, port, c->pb, c->k, c->parent);
	}
	if (t->o->cone)
		return RA_OK;
	rc = load_sites(t->g, b);
	for (size_t j = 0; !rc && j < b->nsites; j++) {
		const site *st = &b->sites[j];
		body_info *pb;
		kid *k;
		int32_t c;

		if (!st->parent_unit)
			continue; /* an instance inside something that is not a design unit */
		pb = body_get(t->g, st->parent_unit, st->parent_body);
		if (!pb) {
			rc = RA_ERR;
			break;
		}
		rc = kid_get(t->g, pb, st->inst_id, &k);
		if (rc || !k)
			continue;
		c = ctx_get(t, ctx, k->inst_id, true, pb, k);
		rc = c < 0 ? RA_ENOMEM : expand_up_site(t, i, port, pb, k, c);
	}
	return rc;
}

static bool signal_known(ra_graph *g, const body_info *b, const char *key)
{
	sqlite3_stmt *s = query(g, Q_KNOWN);
	bool found = false;

	if (s) {
		sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, b->unit_id);
		sqlite3_bind_int64(s, 3, b->body_id);
		found = sqlite3_step(s) == SQLITE_ROW;
		sqlite3_reset(s);
	}
	return found;
}

static int trace(ra_graph *g, const ra_graph_unit *unit, const char *signal,
                 const ra_graph_trace_opts *opts, ra_graph_hit_cb fn, void *payload,
                 bool *truncated)
{
	tracer t = {.g = g,
	            .o = opts,
	            .max_hits = opts->max_hits ? opts->max_hits : RA_GRAPH_MAX_HITS_DEFAULT};
	body_info *b = body_get(g, unit->id, unit->body_id ? unit->body_id : unit->id);
	char key[KEY_MAX];
	ra_graph_hop *hops = NULL;
	size_t hops_cap = 0;
	int rc;

	if (truncated)
		*truncated = false;
	if (!b)
		return RA_ERR;
	if (b->vhdl)
		fold_to(key, sizeof(key), signal);
	else
		snprintf(key, sizeof(key), "%s", signal);
	if (!signal_known(g, b, key))
		return ra_error_set(RA_ENOTFOUND, "no signal '%s' in %s %s", signal, b->kind,
		                    b->unit_name);
	t.ctxs = ra_calloc(16, sizeof(*t.ctxs));
	if (!t.ctxs)
		return RA_ENOMEM;
	t.ctxs_cap = 16;
	t.ctxs[0] = (tctx){.parent = -1, .where = ""};
	t.nctxs = 1;
	rc = add_node(&t, b, key, 0, -1, NULL);
	/* breadth-first: once the cap is reached, what is found is final (and the rest unread) */
	for (size_t i = 0; !rc && !t.truncated && i < t.nnodes; i++) {
		if (opts->max_depth > 0 && t.nodes[i].depth >= opts->max_depth)
			continue;
		rc = expand_flows(&t, (int32_t)i);
		rc = rc ? rc : expand_down(&t, (int32_t)i);
		rc = rc ? rc : expand_up(&t, (int32_t)i);
	}
	for (size_t i = 1; !rc && i < t.nnodes; i++) {
		const tnode *n = &t.nodes[i];
		size_t nh = (size_t)n->depth;
		ra_graph_hit hit = {.signal = n->key,
		                    .unit = n->b->unit_name,
		                    .where = t.ctxs[n->ctx].where,
		                    .depth = n->depth};

		if (ra_grow((void **)&hops, &hops_cap, nh + 1, sizeof(*hops))) {
			rc = RA_ENOMEM;
			break;
		}
		for (int32_t j = (int32_t)i; j > 0 && nh > 0; j = t.nodes[j].pred)
			hops[--nh] = t.nodes[j].hop;
		hit.hops = hops;
		hit.nhops = (size_t)n->depth;
		rc = fn(&hit, payload);
	}
	if (truncated)
		*truncated = t.truncated;
	ra_free(hops);
	ra_free(t.nodes);
	ra_free(t.ctxs);
	ra_free(t.ctx_index);
	ra_free(t.seen);
	ra_arena_reset(g->scratch);
	return rc;
}

int ra_graph_domains(ra_graph *g, const ra_graph_unit *unit, ra_graph_domain_cb fn, void *payload)
{
	sqlite3_stmt *s = NULL;
	int rc = RA_OK;

	if (sqlite3_prepare_v2(
	            g->db,
	            "SELECT c.source, c.target, (SELECT r.source FROM flows r WHERE"
	            " r.unit_id = c.unit_id AND r.target = c.target AND r.kind = 3"
	            " ORDER BY r.line LIMIT 1), min(c.line), c.col, fi.path FROM flows c"
	            " JOIN files fi ON fi.id = c.file_id WHERE c.unit_id = ?1 AND"
	            " c.kind = 2 GROUP BY c.source, c.target ORDER BY c.source, c.target",
	            -1, &s, NULL) != SQLITE_OK)
		return db_fail(g->db, "domains");
	sqlite3_bind_int64(s, 1, unit->body_id ? unit->body_id : unit->id);
	while (!rc && sqlite3_step(s) == SQLITE_ROW) {
		ra_graph_domain d = {.clock = col_text(s, 0),
		                     .reg = col_text(s, 1),
		                     .reset = (const char *)sqlite3_column_text(s, 2),
		                     .line = (uint32_t)sqlite3_column_int(s, 3),
		                     .col = (uint32_t)sqlite3_column_int(s, 4),
		                     .file = col_text(s, 5)};

		rc = fn(&d, payload);
	}
	sqlite3_finalize(s);
	return rc;
}

int ra_graph_edges(ra_graph *g, const ra_graph_unit *unit, ra_graph_edge_cb fn, void *payload)
{
	sqlite3_stmt *s = NULL;
	int rc = RA_OK;

	if (sqlite3_prepare_v2(g->db,
	                       "SELECT source, target, kind, how, min(line) FROM flows WHERE"
	                       " unit_id = ?1 GROUP BY source, target, kind"
	                       " ORDER BY source, target, kind",
	                       -1, &s, NULL) != SQLITE_OK)
		return db_fail(g->db, "edges");
	sqlite3_bind_int64(s, 1, unit->body_id ? unit->body_id : unit->id);
	while (!rc && sqlite3_step(s) == SQLITE_ROW) {
		int kind = sqlite3_column_int(s, 2), how = sqlite3_column_int(s, 3);
		ra_graph_edge e = {.source = col_text(s, 0),
		                   .target = col_text(s, 1),
		                   .kind = kind >= 0 && kind < 4 ? flow_kinds[kind] : "data",
		                   .how = how >= 0 && how < 4 ? flow_hows[how] : "continuous",
		                   .line = (uint32_t)sqlite3_column_int(s, 4)};

		rc = fn(&e, payload);
	}
	sqlite3_finalize(s);
	return rc;
}

int ra_graph_port_conns(ra_graph *g, const ra_graph_unit *unit, ra_graph_pconn_cb fn, void *payload)
{
	body_info *b = body_get(g, unit->id, unit->body_id ? unit->body_id : unit->id);
	int rc;

	if (!b)
		return RA_ERR;
	rc = build_ents(g, b);
	for (size_t i = 0; !rc && i < b->nkids; i++) {
		const kid *k = &b->kids[i];

		for (size_t j = 0; !rc && j < k->nents; j++) {
			const sig_entry *e = &k->ents[j];
			const ra_graph_port *ports;
			size_t np;
			body_info *cb;

			rc = ra_graph_ports(g, k->unit_id, &ports, &np);
			cb = rc ? NULL : body_get(g, k->unit_id, k->body_id);
			if (!cb)
				return rc ? rc : RA_ERR;
			rc = fn(&(ra_graph_pconn){k->name, k->scope, cb->unit_name,
			                          ports[e->port].name, ports[e->port].dir, e->key},
			        payload);
		}
	}
	return rc;
}

int ra_graph_trace(ra_graph *g, const ra_graph_unit *unit, const char *signal,
                   const ra_graph_trace_opts *opts, ra_graph_hit_cb fn, void *payload,
                   bool *truncated)
{
	/* one read snapshot for the trace's many small queries (unless the caller has a
	   transaction open): the WAL lock is taken once, not per statement */
	bool snap = sqlite3_get_autocommit(g->db) && ra_store_read_begin(g->st) == RA_OK;
	int rc = trace(g, unit, signal, opts, fn, payload, truncated);

	if (snap)
		ra_store_read_end(g->st);
	return rc;
}
