/*
 * test_index_incremental.c - incremental indexing equals a clean index: in a git repository the
 * test makes, files are edited, added, deleted, renamed and merely touched; after each step the
 * store, dumped row by row without ids, must equal the store of a clean run over the same tree.
 * Also: an interrupted (cancelled) run is finished by the next one; a run without search data
 * stores everything else the same.
 */
#define _DEFAULT_SOURCE
#include "indexer/index.h"
#include "tests/ra_test.h"
#include "tests/ra_test_db.h"

#include <git2.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utime.h>

static void write_file(const char *dir, const char *rel, const char *text)
{
	char path[4096], *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	for (slash = strchr(path + strlen(dir) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

/* every row of the store that means something, ids replaced by what they point at */
static char *dump(const char *db_path)
{
	static const char *const queries[] = {
	        "SELECT path, lang, blob, size, library, nerrors FROM files ORDER BY path",
	        "SELECT f.path, s.kind, s.name, s.key, s.type, s.dir, s.dims, s.value, s.line, "
	        "s.col,"
	        " s.eline, p.name, u.name FROM symbols s JOIN files f ON f.id = s.file_id"
	        " LEFT JOIN symbols p ON p.id = s.parent_id LEFT JOIN symbols u ON u.id = s.unit_id"
	        " ORDER BY f.path, s.line, s.col, s.kind, s.name",
	        "SELECT f.path, s.name, c.formal, c.position, c.actual, c.is_param FROM conns c"
	        " JOIN symbols s ON s.id = c.inst_id JOIN files f ON f.id = s.file_id"
	        " ORDER BY f.path, s.name, c.is_param, c.position",
	        "SELECT f.path, r.n, hex(r.data) FROM file_refs r JOIN files f ON f.id = r.file_id"
	        " ORDER BY f.path",
	        "SELECT n.key, f.path FROM ref_files rf JOIN names n ON n.id = rf.name_id"
	        " JOIN files f ON f.id = rf.file_id ORDER BY n.key, f.path",
	        "SELECT f.path, i.path, t.path FROM includes i JOIN files f ON f.id = i.file_id"
	        " LEFT JOIN files t ON t.id = i.target_id ORDER BY f.path, i.line",
	        "SELECT f.path, i.pkg, i.item FROM imports i JOIN files f ON f.id = i.file_id"
	        " ORDER BY f.path, i.line, i.col",
	        "SELECT f.path, d.line, d.message FROM diags d JOIN files f ON f.id = d.file_id"
	        " ORDER BY f.path, d.line, d.col",
	        "SELECT f.path, u.name, s.name, x.target, x.source, x.kind, x.how, x.line, x.col"
	        " FROM flows x JOIN files f ON f.id = x.file_id LEFT JOIN symbols u ON u.id = "
	        "x.unit_id"
	        " LEFT JOIN symbols s ON s.id = x.scope_id ORDER BY f.path, x.line, x.col, "
	        "x.target,"
	        " x.source, x.kind",
	        "SELECT f.path, s.name, u.name, c.kind, c.line, c.end_line, c.text FROM chunks c"
	        " JOIN files f ON f.id = c.file_id LEFT JOIN symbols s ON s.id = c.sym_id"
	        " LEFT JOIN symbols u ON u.id = c.unit_id ORDER BY f.path, c.line, c.kind",
	};
	sqlite3 *db;
	ra_buf out;

	ra_buf_init(&out, 0);
	if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return NULL;
	for (size_t q = 0; q < sizeof(queries) / sizeof(queries[0]); q++) {
		sqlite3_stmt *s;

		if (sqlite3_prepare_v2(db, queries[q], -1, &s, NULL) != SQLITE_OK) {
			fprintf(stderr, "%s\n", sqlite3_errmsg(db));
			sqlite3_close(db);
			return NULL;
		}
		ra_buf_printf(&out, "-- %zu\n", q);
		while (sqlite3_step(s) == SQLITE_ROW) {
			for (int c = 0; c < sqlite3_column_count(s); c++) {
				const char *v = (const char *)sqlite3_column_text(s, c);

				ra_buf_printf(&out, "%s|", v ? v : "NULL");
			}
			ra_buf_putc(&out, '\n');
		}
		sqlite3_finalize(s);
	}
	sqlite3_close(db);
	return ra_buf_detach(&out);
}

/* the names refs are stored under are interned in first-seen order, so the packed blobs of an
   incremental store name other ids than a clean one; compare what the blobs decode to through
   the (name, file) table instead of their bytes */
static void drop_blob_rows(char *d)
{
	char *start = strstr(d, "-- 3\n"), *end = strstr(d, "-- 4\n");

	if (start && end)
		memmove(start + 5, end, strlen(end) + 1);
}

static int index_with(const char *root, const char *db_path, ra_index_summary *sum,
                      volatile int *cancel, bool no_search)
{
	ra_store *st = NULL;
	ra_index_opts o = {.root = root, .threads = 2, .cancel = cancel, .no_search = no_search};
	int rc = ra_store_open(&st, db_path, false);

	if (rc)
		return rc;
	o.store = st;
	rc = ra_index_run(&o, sum);
	ra_store_close(st);
	return rc;
}

static int index_into(const char *root, const char *db_path, ra_index_summary *sum,
                      volatile int *cancel)
{
	return index_with(root, db_path, sum, cancel, false);
}

/* indexes incrementally into `inc` and from scratch into a fresh db; compares the dumps */
static bool same_as_clean(const char *root, const char *inc, int step, ra_index_summary *sum)
{
	char clean[4200], *a, *b;
	ra_index_summary s2;
	bool same;

	snprintf(clean, sizeof(clean), "%s.clean%d", inc, step);
	if (index_into(root, inc, sum, NULL) || index_into(root, clean, &s2, NULL))
		return false;
	a = dump(inc);
	b = dump(clean);
	if (!a || !b)
		return false;
	drop_blob_rows(a);
	drop_blob_rows(b);
	same = strcmp(a, b) == 0;
	if (!same)
		fprintf(stderr, "step %d differs:\n--- incremental\n%s\n--- clean\n%s\n", step, a,
		        b);
	ra_free(a);
	ra_free(b);
	return same;
}

RA_TEST(index_incremental_equals_clean)
{
	char dir[] = "/tmp/ra_inc_XXXXXX", db[4200], path[4200];
	git_repository *repo = NULL;
	ra_index_summary sum;

	RA_CHECK(mkdtemp(dir));
	snprintf(db, sizeof(db), "%s.db", dir);
	git_libgit2_init();
	RA_CHECK(git_repository_init(&repo, dir, 0) == 0);
	git_repository_free(repo);
	git_libgit2_shutdown();
	write_file(dir, "rtl/pkg.sv",
	           "package bus_pkg;\n  typedef enum logic [1:0] {IDLE, BUSY} state_t;\n"
	           "  parameter int W = 8;\nendpackage\n");
	write_file(dir, "rtl/leaf.sv",
	           "module leaf #(parameter int N = 4) (input logic clk, output logic [N-1:0] q);\n"
	           "  always_ff @(posedge clk) q <= q + 1;\nendmodule\n");
	write_file(dir, "rtl/top.sv",
	           "`include \"defs.svh\"\nmodule top import bus_pkg::*; (input logic clk);\n"
	           "  logic [3:0] q;\n  leaf #(.N(4)) u_leaf (.clk(clk), .q(q));\nendmodule\n");
	write_file(dir, "inc/defs.svh", "`define WIDTH 8\n");
	write_file(dir, "vhdl/cnt.vhd",
	           "library ieee;\nuse ieee.std_logic_1164.all;\nentity Cnt is\n"
	           "  port (Clk : in std_logic; Q : out std_logic);\nend entity;\n"
	           "architecture rtl of Cnt is\nbegin\n  Q <= Clk;\nend architecture;\n");
	write_file(dir, "doc/notes.txt", "not HDL\n");

	RA_CHECK(same_as_clean(dir, db, 0, &sum));
	RA_CHECK_INT(sum.files, 5);
	RA_CHECK_INT(sum.parsed, 5);
	RA_CHECK(sum.units >= 5); /* package, 2 modules, entity, architecture */

	/* nothing changed: nothing parsed */
	RA_CHECK(same_as_clean(dir, db, 1, &sum));
	RA_CHECK_INT(sum.parsed, 0);
	RA_CHECK_INT(sum.unchanged, 5);

	/* edit one file */
	write_file(dir, "rtl/leaf.sv",
	           "module leaf #(parameter int N = 8) (input logic clk, input logic rst,\n"
	           "  output logic [N-1:0] q);\n  always_ff @(posedge clk) q <= rst ? '0 : q + 1;\n"
	           "endmodule\n");
	RA_CHECK(same_as_clean(dir, db, 2, &sum));
	RA_CHECK_INT(sum.parsed, 1);

	/* touch without changing content: read and hashed, not parsed */
	snprintf(path, sizeof(path), "%s/rtl/top.sv", dir);
	RA_CHECK(utime(path, &(struct utimbuf){1000000000, 1000000000}) == 0);
	RA_CHECK(same_as_clean(dir, db, 3, &sum));
	RA_CHECK_INT(sum.parsed, 0);
	RA_CHECK_INT(sum.unchanged, 5);

	/* add, delete, rename (one delete + one add) in one go */
	write_file(dir, "rtl/extra.sv",
	           "interface bus_if; logic v; modport m (output v); endinterface\n");
	snprintf(path, sizeof(path), "%s/rtl/pkg.sv", dir);
	RA_CHECK(unlink(path) == 0);
	char to[4200];
	snprintf(path, sizeof(path), "%s/vhdl/cnt.vhd", dir);
	snprintf(to, sizeof(to), "%s/vhdl/counter.vhd", dir);
	RA_CHECK(rename(path, to) == 0);
	RA_CHECK(same_as_clean(dir, db, 4, &sum));
	RA_CHECK_INT(sum.deleted, 2);
	RA_CHECK_INT(sum.parsed, 2);

	/* the include target disappears: the include becomes unresolved, as in a clean run */
	snprintf(path, sizeof(path), "%s/inc/defs.svh", dir);
	RA_CHECK(unlink(path) == 0);
	RA_CHECK(same_as_clean(dir, db, 5, &sum));

	/* a binary file with an HDL name is skipped, and leaves the store if it was there */
	write_file(dir, "rtl/leaf.sv", "");
	snprintf(path, sizeof(path), "%s/rtl/leaf.sv", dir);
	FILE *f = fopen(path, "wb");
	fwrite("\0\1\2binary", 1, 9, f);
	fclose(f);
	RA_CHECK(same_as_clean(dir, db, 6, &sum));
	RA_CHECK_INT(sum.skipped, 1);
}

RA_TEST(index_cancelled_run_is_finished_by_the_next)
{
	char dir[] = "/tmp/ra_inc_XXXXXX", db[4200], rel[64];
	ra_index_summary sum;
	volatile int cancel = 1;

	RA_CHECK(mkdtemp(dir));
	snprintf(db, sizeof(db), "%s.db", dir);
	/* more files than one batch, so the cancel lands between two commits */
	for (int i = 0; i < 1200; i++) {
		char text[128];

		snprintf(rel, sizeof(rel), "m%04d.v", i);
		snprintf(text, sizeof(text),
		         "module m%04d(input a, output b); assign b = a; endmodule\n", i);
		write_file(dir, rel, text);
	}
	RA_CHECK(index_into(dir, db, &sum, &cancel) == RA_ECANCELLED);
	RA_CHECK(sum.parsed >= 512 && sum.parsed < 1200);
	RA_CHECK(index_into(dir, db, &sum, NULL) == 0);
	RA_CHECK(sum.parsed > 0 && sum.parsed <= 1200 - 512);
	RA_CHECK_INT(sum.units, 1200);
	RA_CHECK(index_into(dir, db, &sum, NULL) == 0);
	RA_CHECK_INT(sum.parsed, 0);
}

/* without search data (bench_index's baseline) the store holds every other row, and no chunk */
RA_TEST(index_without_search_data_keeps_the_rest)
{
	char dir[] = "/tmp/ra_nosearch_XXXXXX", with[4200], without[4200], *a, *b, *ca, *cb;
	ra_index_summary sum;

	RA_CHECK(mkdtemp(dir));
	snprintf(with, sizeof(with), "%s.with.db", dir);
	snprintf(without, sizeof(without), "%s.without.db", dir);
	write_file(dir, "rtl/top.sv",
	           "module top(input logic clk, output logic q);\n"
	           "  logic d;\n  always_ff @(posedge clk) q <= d;\n"
	           "  leaf u_leaf(.a(clk), .b(d));\nendmodule\n");
	write_file(dir, "rtl/leaf.v",
	           "module leaf(input a, output b);\n  assign b = a;\nendmodule\n");
	write_file(dir, "rtl/ent.vhd",
	           "entity ent is port(x : in bit; y : out bit); end;\n"
	           "architecture rtl of ent is begin y <= x; end;\n");
	RA_CHECK(index_with(dir, with, &sum, NULL, false) == 0);
	RA_CHECK(index_with(dir, without, &sum, NULL, true) == 0);
	RA_CHECK_INT(sum.parsed, 3);
	RA_CHECK(ra_test_db_count_file(with, "SELECT count(*) FROM chunks") >= 3);
	RA_CHECK_INT(ra_test_db_count_file(without, "SELECT count(*) FROM chunks"), 0);
	a = dump(with);
	b = dump(without);
	RA_CHECK(a && b);
	/* names are interned in the order the parallel run writes files (drop_blob_rows) */
	drop_blob_rows(a);
	drop_blob_rows(b);
	/* the chunks are the dump's last section */
	ca = strstr(a, "-- 9\n");
	cb = strstr(b, "-- 9\n");
	RA_CHECK(ca && cb);
	RA_CHECK_STR(cb, "-- 9\n");
	*ca = *cb = '\0';
	RA_CHECK_STR(a, b);
	RA_CHECK(strstr(a, "u_leaf") != NULL);
	ra_free(a);
	ra_free(b);
}

RA_TEST_MAIN()
