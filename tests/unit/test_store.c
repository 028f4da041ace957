/*
 * test_store.c - the SQLite store with hand-built models: write, query (units, find, refs),
 * replace, delete, VHDL case folding, includes, children of a symbol, uses of a name in one file
 * and the named connections of a unit's instances (LSP references), read-only opening, schema
 * version and corrupt databases.
 */
#define _DEFAULT_SOURCE
#include "indexer/store.h"
#include "tests/ra_test.h"

#include <sqlite3.h>
#include <stdlib.h>

static ra_span at(uint32_t line, uint32_t col, uint32_t len)
{
	return (ra_span){line, col, line, col + len};
}

/* module top (input clk, output [7:0] q); fifo u_fifo(.clk(clk), .q(q)); uses of clk */
static ra_model *make_sv(const char *unit)
{
	ra_model *m = ra_model_new(RA_LANG_SV);
	ra_sym mod = {.kind = RA_SYM_MODULE,
	              .parent = -1,
	              .name = unit,
	              .name_span = at(0, 7, 3),
	              .span = {0, 0, 5, 9}};
	int32_t top = ra_model_add_sym(m, &mod);
	ra_sym clk = {.kind = RA_SYM_PORT,
	              .parent = top,
	              .name = "clk",
	              .dir = "input",
	              .type = "logic",
	              .name_span = at(0, 18, 3)};
	ra_sym q = {.kind = RA_SYM_PORT,
	            .parent = top,
	            .name = "q",
	            .dir = "output",
	            .type = "logic [7:0]",
	            .name_span = at(0, 40, 1)};
	ra_sym inst = {.kind = RA_SYM_INSTANCE,
	               .parent = top,
	               .name = "u_fifo",
	               .type = "fifo",
	               .name_span = at(2, 7, 6)};
	int32_t ii;

	ra_model_add_sym(m, &clk);
	ra_model_add_sym(m, &q);
	ii = ra_model_add_sym(m, &inst);
	ra_model_add_conn(m, &(ra_conn){.inst = ii, .formal = "clk", .actual = "clk"});
	ra_model_add_conn(m, &(ra_conn){.inst = ii, .formal = "q", .position = 1, .actual = "q"});
	ra_model_add_ref(m, &(ra_ref){.name = "clk", .scope = ii, .span = at(2, 20, 3)});
	ra_model_add_ref(m, &(ra_ref){.name = "fifo", .scope = top, .span = at(2, 2, 4)});
	ra_model_add_ref(m, &(ra_ref){.name = "clk", .scope = top, .span = at(4, 10, 3)});
	ra_model_add_include(m, &(ra_include){.path = "defs.svh", .span = at(0, 0, 17)});
	ra_model_add_chunk(m, &(ra_chunk){.kind = "signature", .sym = top, .text = "module top;"});
	return m;
}

static ra_model *make_vhdl(void)
{
	ra_model *m = ra_model_new(RA_LANG_VHDL);
	int32_t e = ra_model_add_sym(m, &(ra_sym){.kind = RA_SYM_ENTITY,
	                                          .parent = -1,
	                                          .name = "Uart_Tx",
	                                          .name_span = at(3, 7, 7)});

	ra_model_add_sym(m, &(ra_sym){.kind = RA_SYM_PORT,
	                              .parent = e,
	                              .name = "CLK",
	                              .dir = "in",
	                              .type = "std_logic",
	                              .name_span = at(4, 4, 3)});
	ra_model_add_ref(m, &(ra_ref){.name = "Clk", .scope = e, .span = at(9, 12, 3)});
	return m;
}

typedef struct seen {
	int n;
	char last[256];
	char kinds[1024];
} seen;

static int collect(const ra_store_sym *y, void *payload)
{
	seen *s = payload;

	s->n++;
	snprintf(s->last, sizeof(s->last), "%s %s %s %s:%u unit=%s", y->kind, y->name,
	         y->type ? y->type : "-", y->file, y->name_span.line + 1, y->unit ? y->unit : "-");
	strncat(s->kinds, y->kind, sizeof(s->kinds) - strlen(s->kinds) - 2);
	strcat(s->kinds, " ");
	return 0;
}

static int collect_ref(const ra_store_ref *r, void *payload)
{
	seen *s = payload;

	s->n++;
	snprintf(s->last, sizeof(s->last), "%s:%u:%u in %s", r->file, r->span.line + 1,
	         r->span.col + 1, r->scope ? r->scope : "-");
	return 0;
}

static char *temp_db(char *dir)
{
	static char path[4200];

	if (!mkdtemp(dir))
		return NULL;
	snprintf(path, sizeof(path), "%s/index.db", dir);
	return path;
}

RA_TEST(store_write_query_replace_delete)
{
	char dir[] = "/tmp/ra_store_XXXXXX";
	const char *path = temp_db(dir);
	ra_store *st = NULL, *ro = NULL;
	ra_model *m = make_sv("top"), *v = make_vhdl(), *defs = ra_model_new(RA_LANG_SV);
	ra_store_file f = {.path = "rtl/top.sv", .blob = "aa", .lang = RA_LANG_SV, .size = 10};
	ra_store_file g = {
	        .path = "rtl/uart.vhd", .blob = "bb", .lang = RA_LANG_VHDL, .library = "work"};
	ra_store_file h = {.path = "inc/defs.svh", .blob = "cc", .lang = RA_LANG_SV};
	ra_store_file *files = NULL;
	ra_arena *arena = ra_arena_new(0);
	ra_store_stats stats;
	size_t n = 0;
	seen s = {0};

	RA_CHECK(path);
	RA_CHECK(ra_store_open(&st, path, false) == 0);
	RA_CHECK(ra_store_begin(st) == 0);
	RA_CHECK(ra_store_file_put(st, &f, m) == 0);
	RA_CHECK(ra_store_file_put(st, &g, v) == 0);
	RA_CHECK(ra_store_file_put(st, &h, defs) == 0);
	RA_CHECK(ra_store_commit(st) == 0);
	RA_CHECK(f.id > 0 && g.id > 0 && f.id != g.id);

	/* units: both languages */
	RA_CHECK(ra_store_units(st, collect, &s) == 0);
	RA_CHECK_INT(s.n, 2);
	RA_CHECK_STR(s.kinds, "module entity ");

	/* find: exact for SystemVerilog */
	memset(&s, 0, sizeof(s));
	RA_CHECK(ra_store_find(st, "u_fifo", NULL, collect, &s) == 0);
	RA_CHECK_INT(s.n, 1);
	RA_CHECK_STR(s.last, "instance u_fifo fifo rtl/top.sv:3 unit=top");
	memset(&s, 0, sizeof(s));
	RA_CHECK(ra_store_find(st, "U_FIFO", NULL, collect, &s) == 0);
	RA_CHECK_INT(s.n, 0);
	/* VHDL folds case, both ways */
	memset(&s, 0, sizeof(s));
	RA_CHECK(ra_store_find(st, "uart_tx", NULL, collect, &s) == 0);
	RA_CHECK_INT(s.n, 1);
	RA_CHECK_STR(s.last, "entity Uart_Tx - rtl/uart.vhd:4 unit=Uart_Tx");
	/* kind filter: clk (SV port) and CLK (VHDL port, folded) are both ports */
	memset(&s, 0, sizeof(s));
	RA_CHECK(ra_store_find(st, "clk", "port", collect, &s) == 0);
	RA_CHECK_INT(s.n, 2);
	memset(&s, 0, sizeof(s));
	RA_CHECK(ra_store_find(st, "clk", "module", collect, &s) == 0);
	RA_CHECK_INT(s.n, 0);

	/* references, with their scope */
	memset(&s, 0, sizeof(s));
	RA_CHECK(ra_store_refs(st, "clk", collect_ref, &s) == 0);
	RA_CHECK_INT(s.n, 3); /* two in top.sv, one (Clk) in uart.vhd */
	memset(&s, 0, sizeof(s));
	RA_CHECK(ra_store_refs(st, "fifo", collect_ref, &s) == 0);
	RA_CHECK_INT(s.n, 1);
	RA_CHECK_STR(s.last, "rtl/top.sv:3:3 in top");

	/* include resolved by unique basename */
	RA_CHECK(ra_store_begin(st) == 0);
	RA_CHECK(ra_store_resolve_includes(st, NULL, 0) == 0);
	RA_CHECK(ra_store_commit(st) == 0);
	RA_CHECK(ra_store_stats_get(st, &stats, arena) == 0);
	RA_CHECK_INT(stats.files, 3);
	RA_CHECK_INT(stats.units, 2);
	RA_CHECK_INT(stats.refs, 4);
	RA_CHECK_INT(stats.conns, 2);
	RA_CHECK_INT(stats.unresolved_includes, 0);

	/* replace top.sv by a model naming the unit differently: old rows gone, id kept; its chunks
	   get new ids, never reused ones (vectors are keyed by chunk id) */
	int64_t old_id = f.id;
	ra_model *m2 = make_sv("top2");
	sqlite3_int64 max_chunk = 0;
	{
		sqlite3_stmt *q;

		RA_CHECK(sqlite3_prepare_v2(ra_store__db(st), "SELECT max(id) FROM chunks", -1, &q,
		                            NULL) == SQLITE_OK);
		RA_CHECK(sqlite3_step(q) == SQLITE_ROW);
		max_chunk = sqlite3_column_int64(q, 0);
		sqlite3_finalize(q);
	}
	f.blob = "dd";
	RA_CHECK(ra_store_begin(st) == 0);
	RA_CHECK(ra_store_file_put(st, &f, m2) == 0);
	RA_CHECK(ra_store_commit(st) == 0);
	RA_CHECK_INT(f.id, old_id);
	{
		sqlite3_stmt *q;

		RA_CHECK(sqlite3_prepare_v2(ra_store__db(st),
		                            "SELECT min(id) FROM chunks WHERE file_id = ?1", -1, &q,
		                            NULL) == SQLITE_OK);
		sqlite3_bind_int64(q, 1, f.id);
		RA_CHECK(sqlite3_step(q) == SQLITE_ROW);
		RA_CHECK(sqlite3_column_int64(q, 0) > max_chunk);
		sqlite3_finalize(q);
	}
	memset(&s, 0, sizeof(s));
	RA_CHECK(ra_store_find(st, "top", NULL, collect, &s) == 0);
	RA_CHECK_INT(s.n, 0);
	RA_CHECK(ra_store_find(st, "top2", NULL, collect, &s) == 0);
	RA_CHECK_INT(s.n, 1);
	memset(&s, 0, sizeof(s));
	RA_CHECK(ra_store_refs(st, "clk", collect_ref, &s) == 0);
	RA_CHECK_INT(s.n, 3); /* not doubled */

	/* delete: everything from the file disappears */
	RA_CHECK(ra_store_begin(st) == 0);
	RA_CHECK(ra_store_file_delete(st, f.id) == 0);
	RA_CHECK(ra_store_commit(st) == 0);
	memset(&s, 0, sizeof(s));
	RA_CHECK(ra_store_refs(st, "clk", collect_ref, &s) == 0);
	RA_CHECK_INT(s.n, 1);
	RA_CHECK(ra_store_stats_get(st, &stats, arena) == 0);
	RA_CHECK_INT(stats.files, 2);
	RA_CHECK_INT(stats.conns, 0);
	RA_CHECK_INT(stats.symbols, 2);
	RA_CHECK(ra_store_files(st, &files, &n, arena) == 0);
	RA_CHECK_INT(n, 2);
	RA_CHECK_STR(files[0].path, "inc/defs.svh");
	RA_CHECK_STR(files[1].library, "work");
	ra_free(files);

	/* a read-only connection sees the same */
	RA_CHECK(ra_store_open(&ro, path, true) == 0);
	memset(&s, 0, sizeof(s));
	RA_CHECK(ra_store_units(ro, collect, &s) == 0);
	RA_CHECK_INT(s.n, 1);
	ra_store_close(ro);

	ra_store_close(st);
	ra_model_free(m);
	ra_model_free(m2);
	ra_model_free(v);
	ra_model_free(defs);
	ra_arena_free(arena);
}

static int unit_ids(const ra_store_sym *y, void *payload)
{
	int64_t *ids = payload;

	ids[strcmp(y->kind, "module") ? 1 : 0] = y->id;
	return 0;
}

/* a symbol's children: declaration order, kind filter, VHDL too, none for a leaf or a bad id */
RA_TEST(store_children)
{
	char dir[] = "/tmp/ra_store_XXXXXX";
	const char *path = temp_db(dir);
	ra_store *st = NULL;
	ra_model *m = make_sv("top"), *v = make_vhdl();
	ra_store_file f = {.path = "rtl/top.sv", .blob = "aa", .lang = RA_LANG_SV};
	ra_store_file g = {
	        .path = "rtl/uart.vhd", .blob = "bb", .lang = RA_LANG_VHDL, .library = "work"};
	int64_t ids[2] = {0, 0}; /* module, entity */
	seen s = {0};

	RA_CHECK(path);
	RA_CHECK(ra_store_open(&st, path, false) == 0);
	RA_CHECK(ra_store_begin(st) == 0);
	RA_CHECK(ra_store_file_put(st, &g, v) == 0); /* the entity's file first: ids interleave */
	RA_CHECK(ra_store_file_put(st, &f, m) == 0);
	RA_CHECK(ra_store_commit(st) == 0);
	RA_CHECK(ra_store_units(st, unit_ids, ids) == 0);
	RA_CHECK(ids[0] > 0 && ids[1] > 0);

	RA_CHECK(ra_store_children(st, ids[0], NULL, collect, &s) == 0);
	RA_CHECK_INT(s.n, 3);
	RA_CHECK_STR(s.kinds, "port port instance ");
	RA_CHECK_STR(s.last, "instance u_fifo fifo rtl/top.sv:3 unit=top");
	memset(&s, 0, sizeof(s));
	RA_CHECK(ra_store_children(st, ids[0], "port", collect, &s) == 0);
	RA_CHECK_INT(s.n, 2);
	RA_CHECK_STR(s.last, "port q logic [7:0] rtl/top.sv:1 unit=top");
	memset(&s, 0, sizeof(s));
	RA_CHECK(ra_store_children(st, ids[1], NULL, collect, &s) == 0);
	RA_CHECK_INT(s.n, 1);
	RA_CHECK_STR(s.last, "port CLK std_logic rtl/uart.vhd:5 unit=Uart_Tx");
	memset(&s, 0, sizeof(s));
	RA_CHECK(ra_store_children(st, ids[0], "enum_member", collect, &s) == 0);
	RA_CHECK_INT(s.n, 0);
	RA_CHECK(ra_store_children(st, 999999, NULL, collect, &s) == 0);
	RA_CHECK_INT(s.n, 0);
	ra_store_close(st);
	ra_model_free(m);
	ra_model_free(v);
}

/* fifo instances: two in SystemVerilog (named connections, one without a formal position), one
 * in VHDL (names in another case), one of FIFO in SystemVerilog (another unit there) */
static ra_model *make_insts(ra_lang lang, const char *type, int n)
{
	ra_model *m = ra_model_new(lang);
	int32_t top = ra_model_add_sym(
	        m, &(ra_sym){.kind = lang == RA_LANG_VHDL ? RA_SYM_ARCHITECTURE : RA_SYM_MODULE,
	                     .parent = -1,
	                     .name = "top",
	                     .name_span = at(0, 7, 3),
	                     .span = {0, 0, 20, 0}});

	for (int i = 0; i < n; i++) {
		uint32_t l = 2 + 3 * (uint32_t)i;
		int32_t ii = ra_model_add_sym(m, &(ra_sym){.kind = RA_SYM_INSTANCE,
		                                           .parent = top,
		                                           .name = i ? "u1" : "u0",
		                                           .type = type,
		                                           .name_span = at(l, 7, 2)});
		const char *clk = lang == RA_LANG_VHDL ? "CLK" : "clk";

		ra_model_add_conn(m, &(ra_conn){.inst = ii,
		                                .formal = clk,
		                                .actual = "c",
		                                .span = at(l + 1, 4, 8),
		                                .formal_span = i ? (ra_span){0} : at(l + 1, 5, 3)});
		ra_model_add_conn(m, &(ra_conn){.inst = ii,
		                                .formal = "W",
		                                .is_param = true,
		                                .span = at(l, 14, 5),
		                                .formal_span = at(l, 15, 1)});
		ra_model_add_ref(m, &(ra_ref){.name = "clk", .scope = ii, .span = at(l + 2, 9, 3)});
	}
	return m;
}

static int collect_formal(const ra_store_formal *c, void *payload)
{
	seen *s = payload;
	size_t len = strlen(s->kinds);

	s->n++;
	snprintf(s->kinds + len, sizeof(s->kinds) - len, "%s:%u:%u%s ", c->file, c->line + 1,
	         c->col + 1, c->ascii ? "" : "(utf8)");
	return 0;
}

static int collect_ref_pos(const ra_store_ref *r, void *payload)
{
	seen *s = payload;
	size_t len = strlen(s->kinds);

	s->n++;
	snprintf(s->kinds + len, sizeof(s->kinds) - len, "%s:%u:%u-%u%s%s ", r->file,
	         r->span.line + 1, r->span.col + 1, r->span.end_col + 1, r->scope ? " in " : "",
	         r->scope ? r->scope : "");
	return 0;
}

RA_TEST(store_refs_in_file_and_formals)
{
	char dir[] = "/tmp/ra_store_XXXXXX";
	const char *path = temp_db(dir);
	ra_store *st = NULL;
	ra_model *a = make_insts(RA_LANG_SV, "fifo", 2), *b = make_insts(RA_LANG_VHDL, "Fifo", 1),
	         *c = make_insts(RA_LANG_SV, "FIFO", 1);
	ra_store_file fa = {.path = "rtl/a.sv", .blob = "aa", .lang = RA_LANG_SV, .ascii = true};
	ra_store_file fb = {.path = "rtl/b.vhd", .blob = "bb", .lang = RA_LANG_VHDL};
	ra_store_file fc = {.path = "rtl/c.sv", .blob = "cc", .lang = RA_LANG_SV, .ascii = true};
	seen s = {0};

	RA_CHECK(path);
	RA_CHECK(ra_store_open(&st, path, false) == 0);
	RA_CHECK(ra_store_begin(st) == 0);
	RA_CHECK(ra_store_file_put(st, &fa, a) == 0);
	RA_CHECK(ra_store_file_put(st, &fb, b) == 0);
	RA_CHECK(ra_store_file_put(st, &fc, c) == 0);
	RA_CHECK(ra_store_commit(st) == 0);

	/* port connections naming clk of fifo's instances: exact in SystemVerilog (not FIFO in
	   c.sv), any case in VHDL; the formal's own position, else the connection's start */
	RA_CHECK(ra_store_formals(st, "fifo", "clk", false, collect_formal, &s) == 0);
	RA_CHECK_INT(s.n, 3);
	RA_CHECK(strstr(s.kinds, "rtl/a.sv:4:6 ") != NULL);
	RA_CHECK(strstr(s.kinds, "rtl/a.sv:7:5 ") != NULL);
	RA_CHECK(strstr(s.kinds, "rtl/b.vhd:4:6(utf8) ") != NULL);
	memset(&s, 0, sizeof(s));
	RA_CHECK(ra_store_formals(st, "fifo", "W", true, collect_formal, &s) == 0);
	RA_CHECK_INT(s.n, 3);
	memset(&s, 0, sizeof(s));
	RA_CHECK(ra_store_formals(st, "fifo", "W", false, collect_formal, &s) == 0);
	RA_CHECK_INT(s.n, 0);
	RA_CHECK(ra_store_formals(st, "FIFO", "clk", false, collect_formal, &s) == 0);
	RA_CHECK_INT(s.n, 2); /* c.sv's, and VHDL's Fifo */
	RA_CHECK(strstr(s.kinds, "rtl/c.sv:4:6 ") != NULL);
	memset(&s, 0, sizeof(s));
	RA_CHECK(ra_store_formals(st, "nothing", "clk", false, collect_formal, &s) == 0);
	RA_CHECK_INT(s.n, 0);

	/* uses of a name in one file, with or without their scope */
	RA_CHECK(ra_store_refs_in(st, "clk", "rtl/a.sv", RA_STORE_REFS_NO_SCOPE, collect_ref_pos,
	                          &s) == 0);
	RA_CHECK_STR(s.kinds, "rtl/a.sv:5:10-13 rtl/a.sv:8:10-13 ");
	memset(&s, 0, sizeof(s));
	RA_CHECK(ra_store_refs_in(st, "clk", "rtl/a.sv", 0, collect_ref_pos, &s) == 0);
	RA_CHECK_STR(s.kinds, "rtl/a.sv:5:10-13 in u0 rtl/a.sv:8:10-13 in u1 ");
	memset(&s, 0, sizeof(s));
	RA_CHECK(ra_store_refs_in(st, "clk", "rtl/none.sv", 0, collect_ref_pos, &s) == 0);
	RA_CHECK_INT(s.n, 0);
	RA_CHECK(ra_store_refs_in(st, "CLK", "rtl/b.vhd", 0, collect_ref_pos, &s) == 0);
	RA_CHECK_STR(s.kinds, "rtl/b.vhd:5:10-13 in u0 ");
	memset(&s, 0, sizeof(s));
	RA_CHECK(ra_store_refs(st, "clk", collect_ref_pos, &s) == 0);
	RA_CHECK_STR(s.kinds,
	             "rtl/a.sv:5:10-13 in u0 rtl/a.sv:8:10-13 in u1 rtl/b.vhd:5:10-13 in u0"
	             " rtl/c.sv:5:10-13 in u0 ");

	/* rows written before schema 2 have no positions of their own: the file's blob answers */
	RA_CHECK(sqlite3_exec(ra_store__db(st), "UPDATE ref_files SET pos = NULL", NULL, NULL,
	                      NULL) == SQLITE_OK);
	memset(&s, 0, sizeof(s));
	RA_CHECK(ra_store_refs(st, "clk", collect_ref_pos, &s) == 0);
	RA_CHECK_STR(s.kinds,
	             "rtl/a.sv:5:10-13 in u0 rtl/a.sv:8:10-13 in u1 rtl/b.vhd:5:10-13 in u0"
	             " rtl/c.sv:5:10-13 in u0 ");
	memset(&s, 0, sizeof(s));
	RA_CHECK(ra_store_refs_in(st, "clk", "rtl/a.sv", RA_STORE_REFS_NO_SCOPE, collect_ref_pos,
	                          &s) == 0);
	RA_CHECK_STR(s.kinds, "rtl/a.sv:5:10-13 rtl/a.sv:8:10-13 ");
	ra_store_close(st);
	ra_model_free(a);
	ra_model_free(b);
	ra_model_free(c);
}

RA_TEST(store_refuses_bad_databases)
{
	char dir[] = "/tmp/ra_store_XXXXXX";
	const char *path = temp_db(dir);
	ra_store *st = NULL;
	sqlite3 *db;
	FILE *f;

	RA_CHECK(path);
	RA_CHECK(ra_store_open(&st, path, true) == RA_ENOTFOUND);
	RA_CHECK(strstr(ra_error_last(), "rtlassist index") != NULL);

	/* same version, a table missing (another build's schema): readers refuse, writers rebuild */
	RA_CHECK(ra_store_open(&st, path, false) == 0);
	ra_store_close(st);
	RA_CHECK(sqlite3_open(path, &db) == SQLITE_OK);
	RA_CHECK(sqlite3_exec(db, "DROP TABLE graph_units", NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
	RA_CHECK(ra_store_open(&st, path, true) == RA_EINVAL);
	RA_CHECK(strstr(ra_error_last(), "rtlassist index") != NULL);
	RA_CHECK(ra_store_open(&st, path, false) == 0);
	ra_store_close(st);
	RA_CHECK(ra_store_open(&st, path, true) == 0);
	ra_store_close(st);

	/* a newer schema than this build knows */
	RA_CHECK(ra_store_open(&st, path, false) == 0);
	ra_store_close(st);
	RA_CHECK(sqlite3_open(path, &db) == SQLITE_OK);
	RA_CHECK(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
	RA_CHECK(ra_store_open(&st, path, false) == RA_EINVAL);
	RA_CHECK(strstr(ra_error_last(), "newer") != NULL);
	RA_CHECK(ra_store_open(&st, path, true) == RA_EINVAL);

	/* not a database at all */
	f = fopen(path, "w");
	fputs("this is not an SQLite database, it is just text that happens to be here\n", f);
	fclose(f);
	st = NULL;
	RA_CHECK(ra_store_open(&st, path, false) == RA_EINVAL);
	RA_CHECK(st == NULL); /* nothing handed out on failure */
}

RA_TEST_MAIN()
