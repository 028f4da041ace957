/*
 * store.c - SQLite schema, migrations, per-file replace and the read queries (see store.h).
 */
#define _DEFAULT_SOURCE
#include "indexer/store.h"
#include "indexer/fts.h"
#include "indexer/graph.h" /* ra_graph_idents: the connection keys the graph looks up */

#include <ctype.h>
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Each migration takes the schema from version i to i + 1. Append; never edit a shipped step. */
static const char *const migrations[] = {
        /* 0 -> 1: the first schema */
        "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;"
        "CREATE TABLE files(id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE,"
        "  lang INTEGER NOT NULL, blob TEXT NOT NULL, size INTEGER NOT NULL,"
        "  mtime_ns INTEGER NOT NULL, library TEXT, nerrors INTEGER NOT NULL DEFAULT 0,"
        "  base TEXT NOT NULL);"
        "CREATE INDEX files_base ON files(base);"
        "CREATE TABLE symbols(id INTEGER PRIMARY KEY, file_id INTEGER NOT NULL,"
        "  parent_id INTEGER, unit_id INTEGER, kind TEXT NOT NULL, name TEXT NOT NULL,"
        "  key TEXT NOT NULL, type TEXT, dir TEXT, dims TEXT, value TEXT,"
        "  line INTEGER, col INTEGER, end_line INTEGER, end_col INTEGER,"
        "  sline INTEGER, scol INTEGER, eline INTEGER, ecol INTEGER, flags INTEGER);"
        "CREATE INDEX symbols_key ON symbols(key);"
        "CREATE INDEX symbols_file ON symbols(file_id);"
        "CREATE INDEX symbols_units ON symbols(key) WHERE unit_id = id;"
        "CREATE TABLE conns(id INTEGER PRIMARY KEY, inst_id INTEGER NOT NULL, formal TEXT,"
        "  position INTEGER, actual TEXT, is_param INTEGER, line INTEGER, col INTEGER,"
        "  end_line INTEGER, end_col INTEGER);"
        "CREATE INDEX conns_inst ON conns(inst_id);"
        "CREATE TABLE names(id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE);"
        "CREATE TABLE file_refs(file_id INTEGER PRIMARY KEY, sym_base INTEGER, n INTEGER,"
        "  data BLOB);"
        "CREATE TABLE ref_files(name_id INTEGER, file_id INTEGER,"
        "  PRIMARY KEY(name_id, file_id)) WITHOUT ROWID;"
        "CREATE TABLE includes(id INTEGER PRIMARY KEY, file_id INTEGER NOT NULL,"
        "  path TEXT NOT NULL, target_id INTEGER, line INTEGER, col INTEGER);"
        "CREATE INDEX includes_file ON includes(file_id);"
        "CREATE TABLE imports(id INTEGER PRIMARY KEY, file_id INTEGER NOT NULL, scope_id INTEGER,"
        "  library TEXT, pkg TEXT, item TEXT, line INTEGER, col INTEGER);"
        "CREATE INDEX imports_file ON imports(file_id);"
        "CREATE TABLE diags(id INTEGER PRIMARY KEY, file_id INTEGER NOT NULL, line INTEGER,"
        "  col INTEGER, end_line INTEGER, end_col INTEGER, message TEXT);"
        "CREATE INDEX diags_file ON diags(file_id);"
        "CREATE TABLE flows(id INTEGER PRIMARY KEY, file_id INTEGER NOT NULL, unit_id INTEGER,"
        "  scope_id INTEGER, target TEXT NOT NULL, source TEXT NOT NULL, kind INTEGER,"
        "  how INTEGER, line INTEGER, col INTEGER);"
        "CREATE INDEX flows_file ON flows(file_id);"
        "CREATE INDEX flows_target ON flows(unit_id, target);"
        "CREATE INDEX flows_source ON flows(unit_id, source);"
        /* AUTOINCREMENT: a chunk id is never reused, so vectors keyed by id cannot go stale */
        "CREATE TABLE chunks(id INTEGER PRIMARY KEY AUTOINCREMENT, file_id INTEGER NOT NULL, "
        "sym_id INTEGER,"
        "  unit_id INTEGER, kind TEXT NOT NULL, line INTEGER, end_line INTEGER,"
        "  text TEXT NOT NULL, header TEXT NOT NULL DEFAULT '',"
        "  body TEXT GENERATED ALWAYS AS (text) VIRTUAL);"
        "CREATE INDEX chunks_file ON chunks(file_id);"
        /* search: chunk_fts mirrors chunks(header, body), through these triggers until
           migration 8 and by the store's own statements since (fts.h); the embedding cache
           and the ids held by the vector index (vectors.h) */
        "CREATE VIRTUAL TABLE chunk_fts USING fts5(header, body, content='chunks',"
        "  content_rowid='id', tokenize='ra_code');"
        "CREATE TRIGGER chunks_fts_ai AFTER INSERT ON chunks BEGIN"
        "  INSERT INTO chunk_fts(rowid, header, body) VALUES(new.id, new.header, new.text);"
        "END;"
        "CREATE TRIGGER chunks_fts_ad AFTER DELETE ON chunks BEGIN"
        "  INSERT INTO chunk_fts(chunk_fts, rowid, header, body)"
        "    VALUES('delete', old.id, old.header, old.text);"
        "END;"
        "CREATE TRIGGER chunks_fts_au AFTER UPDATE ON chunks BEGIN"
        "  INSERT INTO chunk_fts(chunk_fts, rowid, header, body)"
        "    VALUES('delete', old.id, old.header, old.text);"
        "  INSERT INTO chunk_fts(rowid, header, body) VALUES(new.id, new.header, new.text);"
        "END;"
        "CREATE TABLE embed_cache(model TEXT, hash TEXT, vec BLOB,"
        "  PRIMARY KEY(model, hash)) WITHOUT ROWID;"
        "CREATE TABLE vec_ids(id INTEGER PRIMARY KEY, hash TEXT NOT NULL);"
        /* instance hierarchy, rebuilt by ra_graph_resolve (indexer/graph.c) */
        "CREATE TABLE inst_targets(inst_id INTEGER PRIMARY KEY, unit_id INTEGER,"
        "  body_id INTEGER, how TEXT NOT NULL);"
        "CREATE INDEX inst_targets_unit ON inst_targets(unit_id);"
        "CREATE TABLE graph_units(body_id INTEGER PRIMARY KEY, unit_id INTEGER NOT NULL,"
        "  is_default INTEGER NOT NULL, ninst INTEGER NOT NULL, testbench INTEGER NOT NULL);"
        "CREATE INDEX graph_units_unit ON graph_units(unit_id);",
        /* 1 -> 2: LSP references without decoding whole files or reading sources: the
           positions of a name in a file beside its (name, file) row; whether a file is ASCII
           only (its UTF-16 columns are its byte columns); instances by the unit
           they name; a named connection's formal's own position, and its instance's file and
           type, so that "the `.NAME(` connections of instances of UNIT" is one index range */
        "ALTER TABLE ref_files ADD COLUMN pos BLOB;"
        "ALTER TABLE conns ADD COLUMN fline INTEGER;"
        "ALTER TABLE conns ADD COLUMN fcol INTEGER;"
        "ALTER TABLE conns ADD COLUMN file_id INTEGER;"
        "ALTER TABLE conns ADD COLUMN itype TEXT;"
        "ALTER TABLE files ADD COLUMN ascii INTEGER;"
        "CREATE INDEX symbols_inst_type ON symbols(type COLLATE NOCASE, file_id)"
        "  WHERE kind = 'instance';"
        "CREATE INDEX conns_formal ON conns(itype COLLATE NOCASE, formal COLLATE NOCASE,"
        "  is_param, file_id, fline, fcol, line, col, inst_id) WHERE formal IS NOT NULL;"
        /* the next index run parses every file again, filling the new columns */
        "UPDATE files SET mtime_ns = -1, blob = '';",
        /* 2 -> 3: chunk_fts rebuilt without the abbreviations' other spellings, which queries
           now bring (fts.h): each token stored once. Positions stay (detail=full): without
           them FTS5 tokenizes every matching chunk again for bm25's term counts, 3 - 10 times
           slower queries for an index half the size. The triggers on chunks keep feeding it
           by name; the option marks the new table (fts_current). */
        "DROP TABLE chunk_fts;"
        "CREATE VIRTUAL TABLE chunk_fts USING fts5(header, body, content='chunks',"
        "  content_rowid='id', tokenize='ra_code', detail='full');"
        "INSERT INTO chunk_fts(chunk_fts) VALUES('rebuild');",
        /* 3 -> 4: a unit's instances, generate scopes and ports as one index range, for the
           design graph (graph.c reads a unit at every hop of a trace; by file it scanned
           every symbol of the file) */
        "CREATE INDEX symbols_graph ON symbols(unit_id, kind)"
        "  WHERE kind IN ('instance', 'generate', 'block', 'port');",
        /* 4 -> 5: the chunk holding a line of a file (search's symbol and graph channels) as
           a range of one covering index: by chunks_file alone every chunk of the file was read
           from the table, about 100 us a lookup on OpenTitan against 11 us */
        "CREATE INDEX chunks_span ON chunks(file_id, line, end_line, sym_id);",
        /* 5 -> 6: the instances of a unit whose port connections name a signal (each
           identifier of an actual, as ra_graph_idents lexes it; '*' for a .* connection), so
           that a trace through a big unit reads those, not its every connection (graph.c).
           The next index run parses every file again, filling it. */
        "CREATE TABLE conn_keys(unit_id INTEGER NOT NULL, key TEXT NOT NULL,"
        "  inst_id INTEGER NOT NULL, PRIMARY KEY(unit_id, key, inst_id)) WITHOUT ROWID;"
        "UPDATE files SET mtime_ns = -1, blob = '';",
        /* 6 -> 7: symbols_key covers the kind, so the search's table of distinct names (the
           names of every kind but a few) reads only the index: 55 ms instead of 296 ms on
           OpenTitan, paid again by a long-lived searcher after every re-index */
        "DROP INDEX symbols_key;"
        "CREATE INDEX symbols_key ON symbols(key, kind);",
        /* 7 -> 8: the store feeds chunk_fts itself (put_flows_chunks, delete_contents), not
           through triggers. A statement that fires a trigger writing an FTS5 table runs in a
           statement savepoint, and FTS5 writes its pending terms to disk at every savepoint:
           one tiny segment per chunk, merged again and again. Inserting directly, chunks
           collect in FTS5's memory and are written in big segments: 3.9 times less CPU for
           the same rows (measured with SQLite 3.40.1), the main cost of a cold index run. */
        "DROP TRIGGER chunks_fts_ai;"
        "DROP TRIGGER chunks_fts_ad;"
        "DROP TRIGGER chunks_fts_au;",
};

enum {
	S_FILE_GET,
	S_FILE_INSERT,
	S_FILE_UPDATE,
	S_FILE_TOUCH,
	S_FILE_DELETE,
	S_SYMS_DELETE,
	S_CONNS_DELETE,
	S_INCLUDES_DELETE,
	S_IMPORTS_DELETE,
	S_DIAGS_DELETE,
	S_FLOWS_DELETE,
	S_CHUNKS_DELETE,
	S_FTS_DELETE,
	S_REFS_GET,
	S_REFS_DELETE,
	S_REFFILE_DELETE,
	S_SYM_INSERT,
	S_CONN_INSERT,
	S_INCLUDE_INSERT,
	S_IMPORT_INSERT,
	S_DIAG_INSERT,
	S_FLOW_INSERT,
	S_CHUNK_INSERT,
	S_FTS_INSERT,
	S_NAME_GET,
	S_NAME_INSERT,
	S_REFS_INSERT,
	S_REFFILE_INSERT,
	S_REFS_NAME_IDS,
	S_REFS_ALL,
	S_REFS_FILE,
	S_REFS_SCOPE,
	S_FORMALS,
	S_FORMALS_FILE,
	S_CONNKEYS_DELETE,
	S_CONNKEY_INSERT,
	S__COUNT
};

static const char *const stmt_sql[S__COUNT] = {
        [S_FILE_GET] = "SELECT id FROM files WHERE path = ?1",
        [S_FILE_INSERT] = "INSERT INTO files(path, lang, blob, size, mtime_ns, library, nerrors,"
                          " base, ascii) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        [S_FILE_UPDATE] = "UPDATE files SET lang = ?2, blob = ?3, size = ?4, mtime_ns = ?5,"
                          " library = ?6, nerrors = ?7, ascii = ?9 WHERE id = ?1",
        [S_FILE_TOUCH] = "UPDATE files SET size = ?2, mtime_ns = ?3 WHERE id = ?1",
        [S_FILE_DELETE] = "DELETE FROM files WHERE id = ?1",
        [S_SYMS_DELETE] = "DELETE FROM symbols WHERE file_id = ?1",
        [S_CONNS_DELETE] =
                "DELETE FROM conns WHERE inst_id IN (SELECT id FROM symbols WHERE file_id = ?1)",
        [S_INCLUDES_DELETE] = "DELETE FROM includes WHERE file_id = ?1",
        [S_IMPORTS_DELETE] = "DELETE FROM imports WHERE file_id = ?1",
        [S_DIAGS_DELETE] = "DELETE FROM diags WHERE file_id = ?1",
        [S_FLOWS_DELETE] = "DELETE FROM flows WHERE file_id = ?1",
        [S_CHUNKS_DELETE] = "DELETE FROM chunks WHERE file_id = ?1",
        /* an external-content FTS5 table forgets a row given the values it indexed */
        [S_FTS_DELETE] = "INSERT INTO chunk_fts(chunk_fts, rowid, header, body)"
                         " SELECT 'delete', id, header, text FROM chunks WHERE file_id = ?1",
        [S_FLOW_INSERT] = "INSERT INTO flows(file_id, unit_id, scope_id, target, source, kind,"
                          " how, line, col) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        [S_CHUNK_INSERT] = "INSERT INTO chunks(file_id, sym_id, unit_id, kind, line, end_line,"
                           " text, header) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        [S_FTS_INSERT] = "INSERT INTO chunk_fts(rowid, header, body) VALUES(?1, ?2, ?3)",
        [S_REFS_GET] = "SELECT data FROM file_refs WHERE file_id = ?1",
        [S_REFS_DELETE] = "DELETE FROM file_refs WHERE file_id = ?1",
        [S_REFFILE_DELETE] = "DELETE FROM ref_files WHERE name_id = ?1 AND file_id = ?2",
        [S_SYM_INSERT] = "INSERT INTO symbols(file_id, parent_id, unit_id, kind, name, key, type,"
                         " dir, dims, value, line, col, end_line, end_col, sline, scol, eline,"
                         " ecol, flags) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
                         " ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
        [S_CONN_INSERT] = "INSERT INTO conns(inst_id, formal, position, actual, is_param, line,"
                          " col, end_line, end_col, fline, fcol, file_id, itype) VALUES(?1, ?2,"
                          " ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        [S_INCLUDE_INSERT] = "INSERT INTO includes(file_id, path, line, col) VALUES(?1,?2,?3,?4)",
        [S_IMPORT_INSERT] = "INSERT INTO imports(file_id, scope_id, library, pkg, item, line, col)"
                            " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        [S_DIAG_INSERT] = "INSERT INTO diags(file_id, line, col, end_line, end_col, message)"
                          " VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
        [S_NAME_GET] = "SELECT id FROM names WHERE key = ?1",
        [S_NAME_INSERT] = "INSERT INTO names(key) VALUES(?1)",
        [S_REFS_INSERT] = "INSERT INTO file_refs(file_id, sym_base, n, data) VALUES(?1,?2,?3,?4)",
        [S_REFFILE_INSERT] = "INSERT OR IGNORE INTO ref_files(name_id, file_id, pos)"
                             " VALUES(?1, ?2, ?3)",
        /* reading refs (ra_store_refs_in): the file's whole blob only for rows without pos
           (written before schema 2) */
        [S_REFS_NAME_IDS] = "SELECT id, key FROM names WHERE key IN (?1, ?2)",
        [S_REFS_ALL] = "SELECT f.path, f.lang, r.sym_base, rf.pos,"
                       " CASE WHEN rf.pos IS NULL THEN r.data END, f.ascii FROM ref_files rf"
                       " JOIN files f ON f.id = rf.file_id JOIN file_refs r ON"
                       " r.file_id = rf.file_id WHERE rf.name_id IN (?1, ?2)"
                       " AND ((f.lang = 2 AND rf.name_id = ?2) OR"
                       " (f.lang != 2 AND rf.name_id = ?1)) ORDER BY f.path",
        [S_REFS_FILE] = "SELECT f.path, f.lang, r.sym_base, rf.pos,"
                        " CASE WHEN rf.pos IS NULL THEN r.data END, f.ascii FROM files f"
                        " JOIN ref_files rf ON rf.file_id = f.id JOIN file_refs r ON"
                        " r.file_id = f.id WHERE f.path = ?3 AND"
                        " rf.name_id = CASE WHEN f.lang = 2 THEN ?2 ELSE ?1 END",
        [S_REFS_SCOPE] = "SELECT name FROM symbols WHERE id = ?1",
        /* one range of conns_formal (case-folded names: exact ones outside VHDL files are
           checked by the caller), grouped by file: the file's row is read once per file */
        [S_FORMALS] = "SELECT c.file_id, c.inst_id, c.fline, c.fcol, c.line, c.col, c.itype,"
                      " c.formal FROM conns c WHERE c.itype = ?1 COLLATE NOCASE"
                      " AND c.formal = ?3 COLLATE NOCASE AND c.is_param = ?2",
        [S_FORMALS_FILE] = "SELECT path, lang, ascii FROM files WHERE id = ?1",
        /* a file's instances belong to the file's units */
        [S_CONNKEYS_DELETE] = "DELETE FROM conn_keys WHERE unit_id IN (SELECT id FROM symbols"
                              " WHERE file_id = ?1 AND unit_id = id)",
        [S_CONNKEY_INSERT] = "INSERT OR IGNORE INTO conn_keys(unit_id, key, inst_id)"
                             " VALUES(?1, ?2, ?3)",
};

/* name -> id, open addressing; keys live in the arena */
typedef struct name_map {
	const char **keys;
	int64_t *ids;
	size_t cap, n;
	ra_arena *arena;
	bool loaded;
} name_map;

struct ra_store {
	sqlite3 *db;
	char *path;
	bool readonly;
	sqlite3_stmt *stmts[S__COUNT];
	name_map names;
	bool bulk; /* many files will be written: keep every name in memory */
	/* scratch reused across file puts */
	int64_t *sym_ids, *unit_idx;
	size_t sym_cap;
	ra_buf refbuf, posbuf;
};

static int db_fail(ra_store *st, const char *what)
{
	return ra_error_set(RA_ERR, "%s: %s: %s", st->path, what, sqlite3_errmsg(st->db));
}

static sqlite3_stmt *stmt(ra_store *st, int which)
{
	sqlite3_stmt *s = st->stmts[which];

	if (!s && sqlite3_prepare_v3(st->db, stmt_sql[which], -1, SQLITE_PREPARE_PERSISTENT,
	                             &st->stmts[which], NULL) != SQLITE_OK) {
		db_fail(st, "prepare");
		return NULL;
	}
	s = st->stmts[which];
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return s;
}

/* runs a prepared statement that returns no rows */
static int step_done(ra_store *st, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	return rc == SQLITE_DONE ? RA_OK : db_fail(st, what);
}

static void bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i);
}

static int exec(ra_store *st, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &err) != SQLITE_OK) {
		ra_error_set(RA_ERR, "%s: %s", st->path, err ? err : "exec failed");
		sqlite3_free(err);
		return RA_ERR;
	}
	return RA_OK;
}

static int user_version(ra_store *st, int *out)
{
	sqlite3_stmt *s = NULL;
	int rc = RA_ERR;

	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW) {
		*out = sqlite3_column_int(s, 0);
		rc = RA_OK;
	} else {
		rc = ra_error_set(RA_EINVAL, "%s: not a database: %s", st->path,
		                  sqlite3_errmsg(st->db));
	}
	sqlite3_finalize(s);
	return rc;
}

/* The columns later migrations added to existing tables */
static bool has_columns(ra_store *st)
{
	static const char *const cols[][2] = {
	        {"ref_files", "pos"}, {"conns", "fline"}, {"conns", "itype"}, {"files", "ascii"}};
	sqlite3_stmt *s = NULL;
	size_t found = 0;

	if (sqlite3_prepare_v2(st->db, "SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2", -1,
	                       &s, NULL) != SQLITE_OK)
		return false;
	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
		sqlite3_reset(s);
		sqlite3_bind_text(s, 1, cols[i][0], -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, cols[i][1], -1, SQLITE_STATIC);
		found += sqlite3_step(s) == SQLITE_ROW;
	}
	sqlite3_finalize(s);
	return found == sizeof(cols) / sizeof(cols[0]);
}

/* chunk_fts as migration 3 makes it (each token once) */
static bool fts_current(ra_store *st)
{
	sqlite3_stmt *s = NULL;
	bool yes;

	if (sqlite3_prepare_v2(st->db,
	                       "SELECT 1 FROM sqlite_master WHERE name = 'chunk_fts' AND"
	                       " sql LIKE '%detail=''full''%'",
	                       -1, &s, NULL) != SQLITE_OK)
		return false;
	yes = sqlite3_step(s) == SQLITE_ROW;
	sqlite3_finalize(s);
	return yes;
}

/* the index of migration 4 */
static bool has_index(ra_store *st, const char *name)
{
	sqlite3_stmt *s = NULL;
	bool yes;

	if (sqlite3_prepare_v2(st->db,
	                       "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?1", -1,
	                       &s, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	yes = sqlite3_step(s) == SQLITE_ROW;
	sqlite3_finalize(s);
	return yes;
}

/* Every table (and added column) the current schema has; an index missing one was made by
 * another build. */
static bool schema_complete(ra_store *st)
{
	static const char *const tables[] = {
	        "meta",         "files",       "symbols",         "conns",       "names",
	        "file_refs",    "ref_files",   "includes",        "imports",     "diags",
	        "flows",        "chunks",      "chunk_fts",       "embed_cache", "vec_ids",
	        "inst_targets", "graph_units", "sqlite_sequence", "conn_keys"};
	sqlite3_stmt *s = NULL;
	size_t found = 0;

	if (sqlite3_prepare_v2(st->db,
	                       "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1", -1,
	                       &s, NULL) != SQLITE_OK)
		return false;
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		sqlite3_reset(s);
		sqlite3_bind_text(s, 1, tables[i], -1, SQLITE_STATIC);
		found += sqlite3_step(s) == SQLITE_ROW;
	}
	sqlite3_finalize(s);
	if (found != sizeof(tables) / sizeof(tables[0]))
		return false;
	return has_columns(st) && fts_current(st) && has_index(st, "symbols_graph") &&
	       has_index(st, "chunks_span");
}

/* removes a database and its WAL and shared-memory files */
static int remove_db_files(const char *path)
{
	static const char *const suffixes[] = {"", "-wal", "-shm"};
	char p[4200];

	for (size_t i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s%s", path, suffixes[i]);
		if (unlink(p) != 0 && errno != ENOENT)
			return ra_error_set(RA_ERR, "%s: %s", p, strerror(errno));
	}
	return RA_OK;
}

static int migrate(ra_store *st)
{
	const int latest = (int)(sizeof(migrations) / sizeof(migrations[0]));
	int v, rc;

	rc = user_version(st, &v);
	if (rc)
		return rc;
	if (v > latest)
		return ra_error_set(RA_EINVAL,
		                    "%s: schema version %d is newer than this rtlassist (%d)",
		                    st->path, v, latest);
	for (; v < latest; v++) {
		char pragma[64];

		rc = exec(st, "BEGIN IMMEDIATE");
		if (!rc)
			rc = exec(st, migrations[v]);
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", v + 1);
		if (!rc)
			rc = exec(st, pragma);
		if (!rc)
			rc = exec(st, "COMMIT");
		if (rc) {
			exec(st, "ROLLBACK");
			return rc;
		}
	}
	return RA_OK;
}

int ra_store_open(ra_store **out, const char *path, bool readonly)
{
	ra_store *st = ra_calloc(1, sizeof(*st));
	int flags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	struct stat sb;
	int rc;

	if (!st)
		return RA_ENOMEM;
	st->readonly = readonly;
	st->path = ra_strdup(path);
	ra_buf_init(&st->refbuf, 0);
	ra_buf_init(&st->posbuf, 0);
	if (!st->path) {
		ra_free(st);
		return RA_ENOMEM;
	}
	if (readonly && stat(path, &sb) != 0) {
		rc = ra_error_set(RA_ENOTFOUND, "%s: no index here (run `rtlassist index`)", path);
		goto fail;
	}
	if (sqlite3_open_v2(path, &st->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		rc = db_fail(st, "open");
		goto fail;
	}
	sqlite3_busy_timeout(st->db, 5000);
	rc = ra_fts_register(st->db);
	if (rc)
		goto fail;
	if (!readonly) {
		rc = exec(st, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
		              "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-32000;");
		if (rc) {
			rc = ra_error_set(RA_EINVAL, "%s", ra_error_last());
			goto fail;
		}
		rc = migrate(st);
		if (!rc && !schema_complete(st)) {
			/* made by a build whose schema differs under the same version: the index is a
			   cache of the sources, so it is rebuilt rather than half used */
			sqlite3_close(st->db);
			st->db = NULL;
			rc = remove_db_files(path);
			if (!rc && sqlite3_open_v2(path, &st->db, flags | SQLITE_OPEN_NOMUTEX,
			                           NULL) != SQLITE_OK)
				rc = db_fail(st, "open");
			if (!rc)
				sqlite3_busy_timeout(st->db, 5000);
			rc = rc ? rc : ra_fts_register(st->db);
			rc = rc ? rc
			        : exec(st, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
			rc = rc ? rc : migrate(st);
		}
		if (rc)
			goto fail;
	} else {
		int v;

		rc = user_version(st, &v);
		if (!rc && v != RA_STORE_SCHEMA_VERSION)
			rc = ra_error_set(
			        RA_EINVAL,
			        "%s: schema version %d, expected %d (run `rtlassist index`)", path,
			        v, RA_STORE_SCHEMA_VERSION);
		if (!rc && !schema_complete(st))
			rc = ra_error_set(
			        RA_EINVAL,
			        "%s: made by another build of rtlassist (run `rtlassist index`)",
			        path);
		if (rc)
			goto fail;
	}
	*out = st;
	return RA_OK;
fail:
	ra_store_close(st);
	return rc;
}

void ra_store_close(ra_store *st)
{
	if (!st)
		return;
	for (int i = 0; i < S__COUNT; i++)
		sqlite3_finalize(st->stmts[i]);
	sqlite3_close(st->db);
	ra_free(st->names.keys);
	ra_free(st->names.ids);
	ra_arena_free(st->names.arena);
	ra_free(st->sym_ids);
	ra_free(st->unit_idx);
	ra_buf_free(&st->refbuf);
	ra_buf_free(&st->posbuf);
	ra_free(st->path);
	ra_free(st);
}

static int64_t count_of(ra_store *st, const char *sql)
{
	sqlite3_stmt *s = NULL;
	int64_t n = -1;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return n;
}

struct sqlite3 *ra_store__db(ra_store *st)
{
	return st->db;
}

void ra_store_set_bulk(ra_store *st, bool bulk)
{
	st->bulk = bulk;
}

int ra_store_totals(ra_store *st, int64_t *units, int64_t *symbols, int64_t *with_errors)
{
	*units = count_of(st, "SELECT count(*) FROM symbols WHERE unit_id = id");
	*symbols = count_of(st, "SELECT count(*) FROM symbols");
	*with_errors = count_of(st, "SELECT count(*) FROM files WHERE nerrors > 0");
	return *units < 0 || *symbols < 0 || *with_errors < 0 ? db_fail(st, "totals") : RA_OK;
}

int ra_store_begin(ra_store *st)
{
	return exec(st, "BEGIN IMMEDIATE");
}

int ra_store_commit(ra_store *st)
{
	return exec(st, "COMMIT");
}

int ra_store_rollback(ra_store *st)
{
	return exec(st, "ROLLBACK");
}

int ra_store_read_begin(ra_store *st)
{
	return exec(st, "BEGIN");
}

void ra_store_read_end(ra_store *st)
{
	if (sqlite3_get_autocommit(st->db))
		return;
	if (sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
		return;
	for (sqlite3_stmt *q = sqlite3_next_stmt(st->db, NULL); q; q = sqlite3_next_stmt(st->db, q))
		sqlite3_reset(q);
	sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
}

/* ---- names -------------------------------------------------------------------------------- */

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

static int names_insert_mem(name_map *m, const char *key, int64_t id)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 4096;
		const char **keys = ra_calloc(ncap, sizeof(*keys));
		int64_t *ids = ra_calloc(ncap, sizeof(*ids));

		if (!keys || !ids) {
			ra_free(keys);
			ra_free(ids);
			return RA_ENOMEM;
		}
		for (size_t j = 0; j < m->cap; j++) {
			if (!m->keys[j])
				continue;
			for (i = hash_str(m->keys[j]) & (ncap - 1); keys[i];
			     i = (i + 1) & (ncap - 1))
				;
			keys[i] = m->keys[j];
			ids[i] = m->ids[j];
		}
		ra_free(m->keys);
		ra_free(m->ids);
		m->keys = keys;
		m->ids = ids;
		m->cap = ncap;
	}
	for (i = hash_str(key) & (m->cap - 1); m->keys[i]; i = (i + 1) & (m->cap - 1))
		;
	m->keys[i] = ra_arena_strdup(m->arena, key);
	if (!m->keys[i])
		return RA_ENOMEM;
	m->ids[i] = id;
	m->n++;
	return RA_OK;
}

static int64_t names_lookup_mem(const name_map *m, const char *key)
{
	if (!m->cap)
		return 0;
	for (size_t i = hash_str(key) & (m->cap - 1); m->keys[i]; i = (i + 1) & (m->cap - 1))
		if (strcmp(m->keys[i], key) == 0)
			return m->ids[i];
	return 0;
}

static int names_load(ra_store *st)
{
	sqlite3_stmt *s = NULL;
	int rc = RA_OK;

	if (st->names.loaded)
		return RA_OK;
	st->names.arena = ra_arena_new(0);
	if (!st->names.arena)
		return RA_ENOMEM;
	if (sqlite3_prepare_v2(st->db, "SELECT id, key FROM names", -1, &s, NULL) != SQLITE_OK)
		return db_fail(st, "names");
	while (!rc && sqlite3_step(s) == SQLITE_ROW)
		rc = names_insert_mem(&st->names, (const char *)sqlite3_column_text(s, 1),
		                      sqlite3_column_int64(s, 0));
	sqlite3_finalize(s);
	st->names.loaded = rc == RA_OK;
	return rc;
}

/* id of `key`, creating it when new; 0 on failure */
static int64_t name_id(ra_store *st, const char *key)
{
	int64_t id = names_lookup_mem(&st->names, key);
	sqlite3_stmt *s;

	if (id)
		return id;
	if (!st->names.loaded) {
		/* a few files: ask the index instead of loading every name */
		s = stmt(st, S_NAME_GET);
		if (!s)
			return 0;
		bind_text(s, 1, key);
		id = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
		sqlite3_reset(s);
		if (id)
			return id;
	}
	s = stmt(st, S_NAME_INSERT);
	if (!s)
		return 0;
	bind_text(s, 1, key);
	if (step_done(st, s, "insert name"))
		return 0;
	id = sqlite3_last_insert_rowid(st->db);
	if (!st->names.loaded)
		return id;
	return names_insert_mem(&st->names, key, id) ? 0 : id;
}

/* lower-cases ASCII into buf (VHDL keys) */
static const char *fold(char *buf, size_t n, const char *s)
{
	size_t i = 0;

	for (; s[i] && i + 1 < n; i++)
		buf[i] = (char)tolower((unsigned char)s[i]);
	buf[i] = '\0';
	return buf;
}

static const char *key_of(char *buf, size_t n, const char *name, ra_lang lang)
{
	return lang == RA_LANG_VHDL ? fold(buf, n, name) : name;
}

/* ---- varints for packed refs -------------------------------------------------------------- */

static int put_varint(ra_buf *b, uint64_t v)
{
	unsigned char tmp[10];
	int n = 0;

	do {
		tmp[n] = (unsigned char)(v & 0x7f);
		v >>= 7;
		if (v)
			tmp[n] |= 0x80;
		n++;
	} while (v);
	return ra_buf_append(b, tmp, (size_t)n);
}

/* reads one varint; false at the end of data or on a malformed one */
static bool get_varint(const unsigned char **p, const unsigned char *end, uint64_t *out)
{
	uint64_t v = 0;

	for (int shift = 0; *p < end && shift < 64; shift += 7) {
		unsigned char c = *(*p)++;

		v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80)) {
			*out = v;
			return true;
		}
	}
	return false;
}

/* one decoded ref: name id, 0-based line and column, scope model index (-1 none) */
typedef struct packed_ref {
	int64_t name_id;
	uint32_t line, col;
	int32_t scope;
} packed_ref;

/* iterates a refs blob; returns false when done */
static bool next_ref(const unsigned char **p, const unsigned char *end, packed_ref *r)
{
	uint64_t name, dline, col, scope;

	if (!get_varint(p, end, &name) || !get_varint(p, end, &dline) ||
	    !get_varint(p, end, &col) || !get_varint(p, end, &scope))
		return false;
	r->name_id = (int64_t)name;
	r->line += (uint32_t)dline;
	r->col = (uint32_t)col;
	r->scope = (int32_t)scope - 1;
	return true;
}

/* ---- writing ------------------------------------------------------------------------------ */

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* sorts ids[n] and drops repeats; returns the new count */
static size_t unique_ids(int64_t *ids, size_t n)
{
	size_t k = 0;

	if (n)
		qsort(ids, n, sizeof(*ids), cmp_id);
	for (size_t i = 0; i < n; i++)
		if (k == 0 || ids[k - 1] != ids[i])
			ids[k++] = ids[i];
	return k;
}

/* removes a file's packed references and its (name, file) rows */
static int delete_refs(ra_store *st, int64_t file_id)
{
	sqlite3_stmt *s = stmt(st, S_REFS_GET);
	int64_t *ids = NULL;
	size_t nids = 0;
	int rc = RA_OK;

	if (!s)
		return RA_ERR;
	sqlite3_bind_int64(s, 1, file_id);
	if (sqlite3_step(s) == SQLITE_ROW) {
		const unsigned char *p = sqlite3_column_blob(s, 0);
		size_t n = (size_t)sqlite3_column_bytes(s, 0);
		const unsigned char *end = p + n;
		packed_ref r = {0};

		/* every packed reference takes at least 4 bytes */
		ids = ra_malloc((n / 4 + 1) * sizeof(*ids));
		if (!ids)
			rc = RA_ENOMEM;
		while (ids && next_ref(&p, end, &r))
			ids[nids++] = r.name_id;
	}
	sqlite3_reset(s);
	nids = ids ? unique_ids(ids, nids) : 0;
	for (size_t i = 0; !rc && i < nids; i++) {
		sqlite3_stmt *d = stmt(st, S_REFFILE_DELETE);

		if (!d) {
			rc = RA_ERR;
			break;
		}
		sqlite3_bind_int64(d, 1, ids[i]);
		sqlite3_bind_int64(d, 2, file_id);
		rc = step_done(st, d, "delete ref_files");
	}
	ra_free(ids);
	if (rc)
		return rc;
	s = stmt(st, S_REFS_DELETE);
	if (!s)
		return RA_ERR;
	sqlite3_bind_int64(s, 1, file_id);
	return step_done(st, s, "delete file_refs");
}

static int delete_contents(ra_store *st, int64_t file_id)
{
	static const int order[] = {S_CONNKEYS_DELETE, S_CONNS_DELETE,   S_SYMS_DELETE,
	                            S_INCLUDES_DELETE, S_IMPORTS_DELETE, S_DIAGS_DELETE,
	                            S_FLOWS_DELETE,    S_FTS_DELETE,     S_CHUNKS_DELETE};
	int rc = delete_refs(st, file_id);

	for (size_t i = 0; !rc && i < sizeof(order) / sizeof(order[0]); i++) {
		sqlite3_stmt *s = stmt(st, order[i]);

		if (!s)
			return RA_ERR;
		sqlite3_bind_int64(s, 1, file_id);
		rc = step_done(st, s, "delete");
	}
	return rc;
}

static int put_symbols(ra_store *st, int64_t file_id, const ra_model *m)
{
	char kbuf[512];
	int rc = RA_OK;

	if (ra_grow((void **)&st->sym_ids, &st->sym_cap, m->nsyms + 1, sizeof(int64_t)))
		return RA_ENOMEM;
	/* unit_idx shares sym_cap: grow it to the same size */
	{
		int64_t *u = ra_realloc(st->unit_idx, st->sym_cap * sizeof(int64_t));

		if (!u)
			return RA_ENOMEM;
		st->unit_idx = u;
	}
	for (size_t i = 0; !rc && i < m->nsyms; i++) {
		const ra_sym *y = &m->syms[i];
		int32_t parent = y->parent >= 0 && (size_t)y->parent < i ? y->parent : -1;
		sqlite3_stmt *s = stmt(st, S_SYM_INSERT);

		if (!s)
			return RA_ERR;
		st->unit_idx[i] = ra_model_kind_is_unit(y->kind) ? (int64_t)i
		                  : parent >= 0                  ? st->unit_idx[parent]
		                                                 : -1;
		sqlite3_bind_int64(s, 1, file_id);
		if (parent >= 0)
			sqlite3_bind_int64(s, 2, st->sym_ids[parent]);
		/* a unit's own id is not known before the insert: set below */
		if (st->unit_idx[i] >= 0 && st->unit_idx[i] < (int64_t)i)
			sqlite3_bind_int64(s, 3, st->sym_ids[st->unit_idx[i]]);
		bind_text(s, 4, ra_model_kind_name(y->kind));
		bind_text(s, 5, y->name);
		bind_text(s, 6, key_of(kbuf, sizeof(kbuf), y->name, m->lang));
		bind_text(s, 7, y->type);
		bind_text(s, 8, y->dir);
		bind_text(s, 9, y->dims);
		bind_text(s, 10, y->value);
		sqlite3_bind_int(s, 11, (int)y->name_span.line);
		sqlite3_bind_int(s, 12, (int)y->name_span.col);
		sqlite3_bind_int(s, 13, (int)y->name_span.end_line);
		sqlite3_bind_int(s, 14, (int)y->name_span.end_col);
		sqlite3_bind_int(s, 15, (int)y->span.line);
		sqlite3_bind_int(s, 16, (int)y->span.col);
		sqlite3_bind_int(s, 17, (int)y->span.end_line);
		sqlite3_bind_int(s, 18, (int)y->span.end_col);
		sqlite3_bind_int(s, 19, (int)y->flags);
		rc = step_done(st, s, "insert symbol");
		st->sym_ids[i] = sqlite3_last_insert_rowid(st->db);
		if (!rc && st->unit_idx[i] == (int64_t)i) {
			char sql[96];

			snprintf(sql, sizeof(sql),
			         "UPDATE symbols SET unit_id = id WHERE id = %lld",
			         (long long)st->sym_ids[i]);
			rc = exec(st, sql);
		}
	}
	return rc;
}

/* one conn_keys row per identifier of a port connection's actual */
typedef struct conn_key_put {
	ra_store *st;
	int64_t unit_id, inst_id;
} conn_key_put;

static int put_conn_key(const char *key, void *payload)
{
	conn_key_put *p = payload;
	sqlite3_stmt *s = stmt(p->st, S_CONNKEY_INSERT);

	if (!s)
		return RA_ERR;
	sqlite3_bind_int64(s, 1, p->unit_id);
	bind_text(s, 2, key);
	sqlite3_bind_int64(s, 3, p->inst_id);
	return step_done(p->st, s, "insert connection key");
}

static int put_conn_keys(ra_store *st, const ra_model *m, const ra_conn *c)
{
	int64_t unit = st->unit_idx[c->inst];
	conn_key_put p = {st, unit >= 0 ? st->sym_ids[unit] : 0, st->sym_ids[c->inst]};

	if (c->is_param || unit < 0)
		return RA_OK;
	if (c->formal && strcmp(c->formal, "*") == 0)
		return put_conn_key("*", &p);
	return c->actual ? ra_graph_idents(c->actual, m->lang == RA_LANG_VHDL, put_conn_key, &p)
	                 : RA_OK;
}

static int put_conns(ra_store *st, int64_t file_id, const ra_model *m)
{
	int rc = RA_OK;

	for (size_t i = 0; !rc && i < m->nconns; i++) {
		const ra_conn *c = &m->conns[i];
		sqlite3_stmt *s;

		if (c->inst < 0 || (size_t)c->inst >= m->nsyms)
			continue;
		s = stmt(st, S_CONN_INSERT);
		if (!s)
			return RA_ERR;
		sqlite3_bind_int64(s, 1, st->sym_ids[c->inst]);
		bind_text(s, 2, c->formal);
		sqlite3_bind_int(s, 3, c->position);
		bind_text(s, 4, c->actual);
		sqlite3_bind_int(s, 5, c->is_param);
		sqlite3_bind_int(s, 6, (int)c->span.line);
		sqlite3_bind_int(s, 7, (int)c->span.col);
		sqlite3_bind_int(s, 8, (int)c->span.end_line);
		sqlite3_bind_int(s, 9, (int)c->span.end_col);
		if (c->formal_span.end_line > c->formal_span.line ||
		    c->formal_span.end_col > c->formal_span.col) {
			sqlite3_bind_int(s, 10, (int)c->formal_span.line);
			sqlite3_bind_int(s, 11, (int)c->formal_span.col);
		}
		sqlite3_bind_int64(s, 12, file_id);
		bind_text(s, 13, m->syms[c->inst].type);
		rc = step_done(st, s, "insert connection");
		rc = rc ? rc : put_conn_keys(st, m, c);
	}
	return rc;
}

static int cmp_ref_pos(const void *a, const void *b)
{
	const ra_ref *x = *(const ra_ref *const *)a, *y = *(const ra_ref *const *)b;

	if (x->span.line != y->span.line)
		return x->span.line < y->span.line ? -1 : 1;
	return x->span.col < y->span.col ? -1 : x->span.col > y->span.col;
}

/* a reference of the file being written, by name id then position */
typedef struct ref_by_name {
	int64_t id;
	size_t at; /* index in position order */
} ref_by_name;

static int cmp_ref_by_name(const void *a, const void *b)
{
	const ref_by_name *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->at < y->at ? -1 : x->at > y->at;
}

/* One (name, file) row per distinct name, with that name's positions in the file: varints
 * (line delta from the previous one, from 0 for the first; column; scope + 1), the order and
 * encoding of the file's blob without the name id. `byname` is sorted here. */
static int put_ref_names(ra_store *st, int64_t file_id, const ra_model *m, const ra_ref **sorted,
                         ref_by_name *byname)
{
	int rc = RA_OK;

	qsort(byname, m->nrefs, sizeof(*byname), cmp_ref_by_name);
	for (size_t i = 0; !rc && i < m->nrefs;) {
		uint32_t line = 0;
		size_t j = i;
		sqlite3_stmt *s;

		ra_buf_reset(&st->posbuf);
		for (; !rc && j < m->nrefs && byname[j].id == byname[i].id; j++) {
			const ra_ref *r = sorted[byname[j].at];
			int32_t scope =
			        r->scope >= 0 && (size_t)r->scope < m->nsyms ? r->scope : -1;

			rc = put_varint(&st->posbuf, r->span.line - line);
			rc = rc ? rc : put_varint(&st->posbuf, r->span.col);
			rc = rc ? rc : put_varint(&st->posbuf, (uint64_t)(scope + 1));
			line = r->span.line;
		}
		if (rc)
			break;
		s = stmt(st, S_REFFILE_INSERT);
		if (!s)
			return RA_ERR;
		sqlite3_bind_int64(s, 1, byname[i].id);
		sqlite3_bind_int64(s, 2, file_id);
		sqlite3_bind_blob(s, 3, st->posbuf.data, (int)st->posbuf.len, SQLITE_STATIC);
		rc = step_done(st, s, "insert ref_files");
		i = j;
	}
	return rc;
}

static int put_refs(ra_store *st, int64_t file_id, const ra_model *m)
{
	const ra_ref **sorted;
	ref_by_name *ids;
	char kbuf[512];
	uint32_t line = 0;
	sqlite3_stmt *s;
	int rc = RA_OK;

	if (!m->nrefs)
		return RA_OK;
	if (st->bulk) {
		rc = names_load(st);
		if (rc)
			return rc;
	}
	sorted = ra_malloc(m->nrefs * sizeof(*sorted));
	ids = ra_malloc(m->nrefs * sizeof(*ids));
	if (!sorted || !ids) {
		ra_free(sorted);
		ra_free(ids);
		return RA_ENOMEM;
	}
	for (size_t i = 0; i < m->nrefs; i++)
		sorted[i] = &m->refs[i];
	qsort(sorted, m->nrefs, sizeof(*sorted), cmp_ref_pos);
	ra_buf_reset(&st->refbuf);
	for (size_t i = 0; !rc && i < m->nrefs; i++) {
		const ra_ref *r = sorted[i];
		int64_t id = name_id(st, key_of(kbuf, sizeof(kbuf), r->name, m->lang));
		int32_t scope = r->scope >= 0 && (size_t)r->scope < m->nsyms ? r->scope : -1;

		if (!id) {
			rc = RA_ERR;
			break;
		}
		rc = put_varint(&st->refbuf, (uint64_t)id);
		rc = rc ? rc : put_varint(&st->refbuf, r->span.line - line);
		rc = rc ? rc : put_varint(&st->refbuf, r->span.col);
		rc = rc ? rc : put_varint(&st->refbuf, (uint64_t)(scope + 1));
		line = r->span.line;
		ids[i] = (ref_by_name){id, i};
	}
	if (!rc)
		rc = put_ref_names(st, file_id, m, sorted, ids);
	ra_free(sorted);
	ra_free(ids);
	if (rc)
		return rc;
	s = stmt(st, S_REFS_INSERT);
	if (!s)
		return RA_ERR;
	sqlite3_bind_int64(s, 1, file_id);
	if (m->nsyms)
		sqlite3_bind_int64(s, 2, st->sym_ids[0]);
	sqlite3_bind_int64(s, 3, (int64_t)m->nrefs);
	sqlite3_bind_blob(s, 4, st->refbuf.data, (int)st->refbuf.len, SQLITE_STATIC);
	return step_done(st, s, "insert file_refs");
}

/* the store id of model symbol i, or 0 (bound as NULL) when i is not a symbol */
static int64_t sym_id_of(const ra_store *st, const ra_model *m, int32_t i)
{
	return i >= 0 && (size_t)i < m->nsyms ? st->sym_ids[i] : 0;
}

static int64_t unit_id_of(const ra_store *st, const ra_model *m, int32_t i)
{
	return i >= 0 && (size_t)i < m->nsyms && st->unit_idx[i] >= 0 ? st->sym_ids[st->unit_idx[i]]
	                                                              : 0;
}

static void bind_id(sqlite3_stmt *s, int i, int64_t id)
{
	if (id)
		sqlite3_bind_int64(s, i, id);
	else
		sqlite3_bind_null(s, i);
}

static int put_flows_chunks(ra_store *st, int64_t file_id, const char *path, const ra_model *m)
{
	char tbuf[512], sbuf[512], header[1024];
	int rc = RA_OK;

	for (size_t i = 0; !rc && i < m->nflows; i++) {
		const ra_flow *f = &m->flows[i];
		sqlite3_stmt *s = stmt(st, S_FLOW_INSERT);

		if (!s)
			return RA_ERR;
		sqlite3_bind_int64(s, 1, file_id);
		bind_id(s, 2, unit_id_of(st, m, f->scope));
		bind_id(s, 3, sym_id_of(st, m, f->scope));
		bind_text(s, 4, key_of(tbuf, sizeof(tbuf), f->target, m->lang));
		bind_text(s, 5, key_of(sbuf, sizeof(sbuf), f->source, m->lang));
		sqlite3_bind_int(s, 6, (int)f->kind);
		sqlite3_bind_int(s, 7, (int)f->how);
		sqlite3_bind_int(s, 8, (int)f->span.line);
		sqlite3_bind_int(s, 9, (int)f->span.col);
		rc = step_done(st, s, "insert flow");
	}
	for (size_t i = 0; !rc && i < m->nchunks; i++) {
		const ra_chunk *c = &m->chunks[i];
		sqlite3_stmt *s = stmt(st, S_CHUNK_INSERT);

		if (!s)
			return RA_ERR;
		sqlite3_bind_int64(s, 1, file_id);
		bind_id(s, 2, sym_id_of(st, m, c->sym));
		bind_id(s, 3, unit_id_of(st, m, c->sym));
		bind_text(s, 4, c->kind);
		sqlite3_bind_int(s, 5, (int)c->span.line);
		sqlite3_bind_int(s, 6, (int)c->span.end_line);
		bind_text(s, 7, c->text ? c->text : "");
		/* what lexical search weighs most (fts.h): "path unit kind" */
		snprintf(header, sizeof(header), "%s %s %s", path,
		         c->sym >= 0 && (size_t)c->sym < m->nsyms && st->unit_idx[c->sym] >= 0
		                 ? m->syms[st->unit_idx[c->sym]].name
		                 : "",
		         c->kind);
		bind_text(s, 8, header);
		rc = step_done(st, s, "insert chunk");
		if (rc)
			break;
		s = stmt(st, S_FTS_INSERT);
		if (!s)
			return RA_ERR;
		sqlite3_bind_int64(s, 1, sqlite3_last_insert_rowid(st->db));
		bind_text(s, 2, header);
		bind_text(s, 3, c->text ? c->text : "");
		rc = step_done(st, s, "insert chunk text");
	}
	return rc;
}

static int put_rest(ra_store *st, int64_t file_id, const ra_model *m)
{
	int rc = RA_OK;

	for (size_t i = 0; !rc && i < m->nincludes; i++) {
		sqlite3_stmt *s = stmt(st, S_INCLUDE_INSERT);

		if (!s)
			return RA_ERR;
		sqlite3_bind_int64(s, 1, file_id);
		bind_text(s, 2, m->includes[i].path);
		sqlite3_bind_int(s, 3, (int)m->includes[i].span.line);
		sqlite3_bind_int(s, 4, (int)m->includes[i].span.col);
		rc = step_done(st, s, "insert include");
	}
	for (size_t i = 0; !rc && i < m->nimports; i++) {
		const ra_import *im = &m->imports[i];
		sqlite3_stmt *s = stmt(st, S_IMPORT_INSERT);

		if (!s)
			return RA_ERR;
		sqlite3_bind_int64(s, 1, file_id);
		if (im->scope >= 0 && (size_t)im->scope < m->nsyms)
			sqlite3_bind_int64(s, 2, st->sym_ids[im->scope]);
		bind_text(s, 3, im->library);
		bind_text(s, 4, im->pkg);
		bind_text(s, 5, im->item);
		sqlite3_bind_int(s, 6, (int)im->span.line);
		sqlite3_bind_int(s, 7, (int)im->span.col);
		rc = step_done(st, s, "insert import");
	}
	for (size_t i = 0; !rc && i < m->ndiags; i++) {
		const ra_diag *d = &m->diags[i];
		sqlite3_stmt *s = stmt(st, S_DIAG_INSERT);

		if (!s)
			return RA_ERR;
		sqlite3_bind_int64(s, 1, file_id);
		sqlite3_bind_int(s, 2, (int)d->span.line);
		sqlite3_bind_int(s, 3, (int)d->span.col);
		sqlite3_bind_int(s, 4, (int)d->span.end_line);
		sqlite3_bind_int(s, 5, (int)d->span.end_col);
		bind_text(s, 6, d->message);
		rc = step_done(st, s, "insert diagnostic");
	}
	return rc;
}

int ra_store_file_put(ra_store *st, ra_store_file *f, const ra_model *m)
{
	sqlite3_stmt *s = stmt(st, S_FILE_GET);
	int64_t id = 0;
	int rc;

	if (!s)
		return RA_ERR;
	bind_text(s, 1, f->path);
	if (sqlite3_step(s) == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);

	if (id) {
		rc = delete_contents(st, id);
		if (rc)
			return rc;
	}
	s = stmt(st, id ? S_FILE_UPDATE : S_FILE_INSERT);
	if (!s)
		return RA_ERR;
	if (id)
		sqlite3_bind_int64(s, 1, id);
	else
		bind_text(s, 1, f->path);
	sqlite3_bind_int(s, 2, (int)f->lang);
	bind_text(s, 3, f->blob);
	sqlite3_bind_int64(s, 4, (int64_t)f->size);
	sqlite3_bind_int64(s, 5, f->mtime_ns);
	bind_text(s, 6, f->library);
	sqlite3_bind_int(s, 7, m ? (int)m->nerrors : 0);
	sqlite3_bind_int(s, 9, f->ascii);
	if (!id) {
		const char *slash = strrchr(f->path, '/');

		bind_text(s, 8, slash ? slash + 1 : f->path);
	}
	rc = step_done(st, s, "write file");
	if (rc)
		return rc;
	f->id = id ? id : sqlite3_last_insert_rowid(st->db);
	if (!m)
		return RA_OK;
	rc = put_symbols(st, f->id, m);
	rc = rc ? rc : put_conns(st, f->id, m);
	rc = rc ? rc : put_refs(st, f->id, m);
	rc = rc ? rc : put_rest(st, f->id, m);
	rc = rc ? rc : put_flows_chunks(st, f->id, f->path, m);
	return rc;
}

int ra_store_file_delete(ra_store *st, int64_t id)
{
	sqlite3_stmt *s;
	int rc = delete_contents(st, id);

	if (rc)
		return rc;
	s = stmt(st, S_FILE_DELETE);
	if (!s)
		return RA_ERR;
	sqlite3_bind_int64(s, 1, id);
	return step_done(st, s, "delete file");
}

int ra_store_file_touch(ra_store *st, int64_t id, uint64_t size, int64_t mtime_ns)
{
	sqlite3_stmt *s = stmt(st, S_FILE_TOUCH);

	if (!s)
		return RA_ERR;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, (int64_t)size);
	sqlite3_bind_int64(s, 3, mtime_ns);
	return step_done(st, s, "touch file");
}

#define FILE_COLUMNS                                                                               \
	"SELECT id, path, blob, library, lang, size, mtime_ns, nerrors, ascii FROM files "

/* one files row into *f, strings in the arena; false on OOM */
static bool read_file_row(sqlite3_stmt *s, ra_store_file *f, ra_arena *arena)
{
	f->id = sqlite3_column_int64(s, 0);
	f->path = ra_arena_strdup(arena, (const char *)sqlite3_column_text(s, 1));
	f->blob = ra_arena_strdup(arena, (const char *)sqlite3_column_text(s, 2));
	f->library = sqlite3_column_type(s, 3) == SQLITE_NULL
	                     ? NULL
	                     : ra_arena_strdup(arena, (const char *)sqlite3_column_text(s, 3));
	f->lang = (ra_lang)sqlite3_column_int(s, 4);
	f->size = (uint64_t)sqlite3_column_int64(s, 5);
	f->mtime_ns = sqlite3_column_int64(s, 6);
	f->nerrors = (uint32_t)sqlite3_column_int(s, 7);
	f->ascii = sqlite3_column_int(s, 8) != 0;
	return f->path && f->blob;
}

int ra_store_files(ra_store *st, ra_store_file **out, size_t *n, ra_arena *arena)
{
	sqlite3_stmt *s = NULL;
	ra_store_file *files = NULL;
	size_t cap = 0, count = 0;
	int rc = RA_OK;

	if (sqlite3_prepare_v2(st->db, FILE_COLUMNS "ORDER BY path", -1, &s, NULL) != SQLITE_OK)
		return db_fail(st, "list files");
	while (!rc && sqlite3_step(s) == SQLITE_ROW) {
		if (ra_grow((void **)&files, &cap, count + 1, sizeof(*files)))
			rc = RA_ENOMEM;
		else if (!read_file_row(s, &files[count++], arena))
			rc = ra_error_oom();
	}
	sqlite3_finalize(s);
	if (rc) {
		ra_free(files);
		return rc;
	}
	*out = files;
	*n = count;
	return RA_OK;
}

int ra_store_file_get(ra_store *st, const char *path, ra_store_file *out, ra_arena *arena)
{
	sqlite3_stmt *s = NULL;
	int rc = RA_ENOTFOUND;

	if (sqlite3_prepare_v2(st->db, FILE_COLUMNS "WHERE path = ?1", -1, &s, NULL) != SQLITE_OK)
		return db_fail(st, "file");
	bind_text(s, 1, path);
	if (sqlite3_step(s) == SQLITE_ROW)
		rc = read_file_row(s, out, arena) ? RA_OK : ra_error_oom();
	sqlite3_finalize(s);
	return rc;
}

/* folds "a/./b" and "a/x/../b" to "a/b" in place, lexically; false when ".." climbs above the
   start (the file is then outside the workspace) */
static bool normalize_path(char *path)
{
	char *seg[256];
	size_t n = 0;
	char *save = NULL, out[4096] = "";

	for (char *s = strtok_r(path, "/", &save); s; s = strtok_r(NULL, "/", &save)) {
		if (strcmp(s, ".") == 0)
			continue;
		if (strcmp(s, "..") == 0) {
			if (n == 0)
				return false;
			n--;
		} else if (n < 256) {
			seg[n++] = s;
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(out, "/");
		strncat(out, seg[i], sizeof(out) - strlen(out) - 1);
	}
	strcpy(path, out);
	return n > 0;
}

int ra_store_resolve_includes(ra_store *st, char *const *incdirs, size_t nincdirs)
{
	sqlite3_stmt *sel = NULL, *find = NULL, *upd = NULL, *by_base = NULL;
	int rc = RA_OK;

	/* targets that were deleted: unresolve, then resolve again below */
	rc = exec(st, "UPDATE includes SET target_id = NULL WHERE target_id IS NOT NULL AND"
	              " target_id NOT IN (SELECT id FROM files)");
	if (rc)
		return rc;
	if (sqlite3_prepare_v2(st->db,
	                       "SELECT i.id, i.path, f.path FROM includes i JOIN files f"
	                       " ON f.id = i.file_id WHERE i.target_id IS NULL",
	                       -1, &sel, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db, "SELECT id FROM files WHERE path = ?1", -1, &find, NULL) !=
	            SQLITE_OK ||
	    sqlite3_prepare_v2(st->db, "UPDATE includes SET target_id = ?2 WHERE id = ?1", -1, &upd,
	                       NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db, "SELECT id, path FROM files WHERE base = ?1", -1, &by_base,
	                       NULL) != SQLITE_OK) {
		rc = db_fail(st, "resolve includes");
		goto out;
	}
	while (!rc && sqlite3_step(sel) == SQLITE_ROW) {
		const char *inc = (const char *)sqlite3_column_text(sel, 1);
		const char *from = (const char *)sqlite3_column_text(sel, 2);
		const char *slash = strrchr(from, '/');
		char cand[4096];
		int64_t target = 0;

		/* 1. beside the including file, 2. include dirs, 3. a unique basename match */
		for (size_t k = 0; !target && k <= nincdirs + 1; k++) {
			if (k == 0)
				snprintf(cand, sizeof(cand), "%.*s%s%s",
				         slash ? (int)(slash - from) : 0, from, slash ? "/" : "",
				         inc);
			else if (k <= nincdirs)
				snprintf(cand, sizeof(cand), "%s%s%s", incdirs[k - 1],
				         *incdirs[k - 1] ? "/" : "", inc);
			else
				break;
			if (!normalize_path(cand))
				continue;
			sqlite3_reset(find);
			sqlite3_bind_text(find, 1, cand, -1, SQLITE_TRANSIENT);
			if (sqlite3_step(find) == SQLITE_ROW)
				target = sqlite3_column_int64(find, 0);
		}
		if (!target) {
			const char *base = strrchr(inc, '/');
			int64_t hits = 0, first = 0;

			sqlite3_reset(by_base);
			sqlite3_bind_text(by_base, 1, base ? base + 1 : inc, -1, SQLITE_TRANSIENT);
			while (sqlite3_step(by_base) == SQLITE_ROW) {
				const char *p = (const char *)sqlite3_column_text(by_base, 1);
				size_t plen = strlen(p), ilen = strlen(inc);

				/* the whole include path must end the file's path */
				if (plen < ilen || strcmp(p + plen - ilen, inc) != 0 ||
				    (plen > ilen && p[plen - ilen - 1] != '/'))
					continue;
				if (!hits++)
					first = sqlite3_column_int64(by_base, 0);
			}
			if (hits == 1)
				target = first;
		}
		if (target) {
			sqlite3_reset(upd);
			sqlite3_bind_int64(upd, 1, sqlite3_column_int64(sel, 0));
			sqlite3_bind_int64(upd, 2, target);
			if (sqlite3_step(upd) != SQLITE_DONE)
				rc = db_fail(st, "resolve include");
		}
	}
out:
	sqlite3_finalize(sel);
	sqlite3_finalize(find);
	sqlite3_finalize(upd);
	sqlite3_finalize(by_base);
	return rc;
}

int ra_store_meta_set(ra_store *st, const char *key, const char *value)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (sqlite3_prepare_v2(st->db, "INSERT OR REPLACE INTO meta(key, value) VALUES(?1, ?2)", -1,
	                       &s, NULL) != SQLITE_OK)
		return db_fail(st, "meta");
	bind_text(s, 1, key);
	bind_text(s, 2, value);
	rc = sqlite3_step(s) == SQLITE_DONE ? RA_OK : db_fail(st, "meta");
	sqlite3_finalize(s);
	return rc;
}

int ra_store_meta_get(ra_store *st, const char *key, char **out)
{
	sqlite3_stmt *s = NULL;
	int rc = RA_ENOTFOUND;

	if (sqlite3_prepare_v2(st->db, "SELECT value FROM meta WHERE key = ?1", -1, &s, NULL) !=
	    SQLITE_OK)
		return db_fail(st, "meta");
	bind_text(s, 1, key);
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL) {
		*out = ra_strdup((const char *)sqlite3_column_text(s, 0));
		rc = *out ? RA_OK : RA_ENOMEM;
	}
	sqlite3_finalize(s);
	return rc;
}

/* ---- queries ------------------------------------------------------------------------------ */

#define SYM_COLUMNS                                                                                \
	"s.id, s.kind, s.name, f.path, f.lang, f.library, u.name, p.name, s.type, s.dir, s.dims,"  \
	" s.value, s.line, s.col, s.end_line, s.end_col, s.sline, s.scol, s.eline, s.ecol"         \
	" FROM symbols s JOIN files f ON f.id = s.file_id LEFT JOIN symbols u ON u.id = s.unit_id" \
	" LEFT JOIN symbols p ON p.id = s.parent_id "

static const char *col_text(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

static int each_sym(ra_store *st, sqlite3_stmt *s, ra_store_sym_cb fn, void *payload)
{
	int rc = RA_OK, step = SQLITE_DONE;

	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		ra_store_sym y = {
		        .id = sqlite3_column_int64(s, 0),
		        .kind = col_text(s, 1),
		        .name = col_text(s, 2),
		        .file = col_text(s, 3),
		        .lang = ra_model_lang_name((ra_lang)sqlite3_column_int(s, 4)),
		        .library = col_text(s, 5),
		        .unit = col_text(s, 6),
		        .parent = col_text(s, 7),
		        .type = col_text(s, 8),
		        .dir = col_text(s, 9),
		        .dims = col_text(s, 10),
		        .value = col_text(s, 11),
		        .name_span = {(uint32_t)sqlite3_column_int(s, 12),
		                      (uint32_t)sqlite3_column_int(s, 13),
		                      (uint32_t)sqlite3_column_int(s, 14),
		                      (uint32_t)sqlite3_column_int(s, 15)},
		        .span = {(uint32_t)sqlite3_column_int(s, 16),
		                 (uint32_t)sqlite3_column_int(s, 17),
		                 (uint32_t)sqlite3_column_int(s, 18),
		                 (uint32_t)sqlite3_column_int(s, 19)},
		};

		rc = fn(&y, payload);
		if (rc)
			break;
	}
	if (!rc && step != SQLITE_DONE)
		rc = db_fail(st, "query");
	sqlite3_finalize(s);
	return rc;
}

int ra_store_units(ra_store *st, ra_store_sym_cb fn, void *payload)
{
	sqlite3_stmt *s = NULL;

	if (sqlite3_prepare_v2(
	            st->db, "SELECT " SYM_COLUMNS "WHERE s.unit_id = s.id ORDER BY s.key, f.path",
	            -1, &s, NULL) != SQLITE_OK)
		return db_fail(st, "units");
	return each_sym(st, s, fn, payload);
}

int ra_store_find(ra_store *st, const char *name, const char *kind, ra_store_sym_cb fn,
                  void *payload)
{
	sqlite3_stmt *s = NULL;
	char folded[512];

	if (sqlite3_prepare_v2(st->db,
	                       "SELECT " SYM_COLUMNS
	                       "WHERE s.key IN (?1, ?2) AND ((f.lang = 2 AND s.key = ?2) OR"
	                       " (f.lang != 2 AND s.key = ?1)) AND (?3 IS NULL OR s.kind = ?3)"
	                       " ORDER BY f.path, s.line, s.col",
	                       -1, &s, NULL) != SQLITE_OK)
		return db_fail(st, "find");
	bind_text(s, 1, name);
	bind_text(s, 2, fold(folded, sizeof(folded), name));
	bind_text(s, 3, kind);
	return each_sym(st, s, fn, payload);
}

int ra_store_children(ra_store *st, int64_t parent_id, const char *kind, ra_store_sym_cb fn,
                      void *payload)
{
	sqlite3_stmt *s = NULL;

	/* no index on parent_id: the file's symbols (symbols_file) are the candidates */
	if (sqlite3_prepare_v2(st->db,
	                       "SELECT " SYM_COLUMNS
	                       "WHERE s.file_id = (SELECT file_id FROM symbols WHERE id = ?1)"
	                       " AND s.parent_id = ?1 AND (?2 IS NULL OR s.kind = ?2)"
	                       " ORDER BY s.id",
	                       -1, &s, NULL) != SQLITE_OK)
		return db_fail(st, "children");
	sqlite3_bind_int64(s, 1, parent_id);
	bind_text(s, 2, kind);
	return each_sym(st, s, fn, payload);
}

/* one use for ra_store_refs_in: its scope's name looked up unless not wanted */
static int emit_ref(ra_store *st, ra_store_ref *out, const packed_ref *r, int64_t base,
                    unsigned flags, ra_store_ref_cb fn, void *payload)
{
	sqlite3_stmt *q = NULL;
	int rc;

	out->span = (ra_span){r->line, r->col, r->line, r->col + (uint32_t)strlen(out->name)};
	out->scope = NULL;
	if (r->scope >= 0 && !(flags & RA_STORE_REFS_NO_SCOPE)) {
		q = stmt(st, S_REFS_SCOPE);
		if (!q)
			return RA_ERR;
		sqlite3_bind_int64(q, 1, base + r->scope);
		if (sqlite3_step(q) == SQLITE_ROW)
			out->scope = col_text(q, 0);
	}
	rc = fn(out, payload);
	/* reset after the callback (out->scope lives in the row): a statement left stepped
	   would keep the connection's read snapshot open, and the next bind would fail */
	if (q)
		sqlite3_reset(q);
	return rc;
}

int ra_store_refs_in(ra_store *st, const char *name, const char *file, unsigned flags,
                     ra_store_ref_cb fn, void *payload)
{
	sqlite3_stmt *ids, *s;
	char folded[512];
	int64_t exact = 0, lower = 0;
	int rc = RA_OK, step = SQLITE_DONE;

	fold(folded, sizeof(folded), name);
	ids = stmt(st, S_REFS_NAME_IDS);
	if (!ids)
		return RA_ERR;
	bind_text(ids, 1, name);
	bind_text(ids, 2, folded);
	while (sqlite3_step(ids) == SQLITE_ROW) {
		if (strcmp(col_text(ids, 1), name) == 0)
			exact = sqlite3_column_int64(ids, 0);
		if (strcmp(col_text(ids, 1), folded) == 0)
			lower = sqlite3_column_int64(ids, 0);
	}
	sqlite3_reset(ids);
	if (!exact && !lower)
		return RA_OK;
	s = stmt(st, file ? S_REFS_FILE : S_REFS_ALL);
	if (!s)
		return RA_ERR;
	sqlite3_bind_int64(s, 1, exact);
	sqlite3_bind_int64(s, 2, lower);
	if (file)
		bind_text(s, 3, file);
	while (!rc && (step = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t want = sqlite3_column_int(s, 1) == RA_LANG_VHDL ? lower : exact;
		int64_t base = sqlite3_column_int64(s, 2);
		bool own = sqlite3_column_type(s, 3) != SQLITE_NULL;
		const unsigned char *p = sqlite3_column_blob(s, own ? 3 : 4);
		const unsigned char *end = p + sqlite3_column_bytes(s, own ? 3 : 4);
		ra_store_ref out = {.name = name,
		                    .file = col_text(s, 0),
		                    .ascii = sqlite3_column_int(s, 5) != 0};
		packed_ref r = {0};
		uint64_t dline, col, scope;

		if (!own) {
			/* written before schema 2: the name's uses among all of the file's */
			while (!rc && next_ref(&p, end, &r))
				if (r.name_id == want)
					rc = emit_ref(st, &out, &r, base, flags, fn, payload);
			continue;
		}
		while (!rc && get_varint(&p, end, &dline) && get_varint(&p, end, &col) &&
		       get_varint(&p, end, &scope)) {
			r.line += (uint32_t)dline;
			r.col = (uint32_t)col;
			r.scope = (int32_t)scope - 1;
			rc = emit_ref(st, &out, &r, base, flags, fn, payload);
		}
	}
	if (!rc && step != SQLITE_DONE && step != SQLITE_ROW)
		rc = db_fail(st, "refs");
	sqlite3_reset(s);
	return rc;
}

int ra_store_refs(ra_store *st, const char *name, ra_store_ref_cb fn, void *payload)
{
	return ra_store_refs_in(st, name, NULL, 0, fn, payload);
}

int ra_store_formals(ra_store *st, const char *unit, const char *formal, bool is_param,
                     ra_store_formal_cb fn, void *payload)
{
	sqlite3_stmt *s = stmt(st, S_FORMALS), *fs = NULL;
	int64_t file_id = 0;
	ra_store_formal out = {0};
	int rc = RA_OK, step = SQLITE_DONE;

	if (!s)
		return RA_ERR;
	bind_text(s, 1, unit);
	sqlite3_bind_int(s, 2, is_param);
	bind_text(s, 3, formal);
	while (!rc && (step = sqlite3_step(s)) == SQLITE_ROW) {
		bool known = sqlite3_column_type(s, 2) != SQLITE_NULL;

		if (sqlite3_column_int64(s, 0) != file_id || !fs) {
			/* the statement's row (and its path) stays valid until the next file */
			file_id = sqlite3_column_int64(s, 0);
			fs = stmt(st, S_FORMALS_FILE);
			if (!fs) {
				rc = RA_ERR;
				break;
			}
			sqlite3_bind_int64(fs, 1, file_id);
			if (sqlite3_step(fs) != SQLITE_ROW) {
				sqlite3_reset(fs);
				fs = NULL; /* a connection without its file: skipped */
				continue;
			}
			out.file = col_text(fs, 0);
			out.lang = (ra_lang)sqlite3_column_int(fs, 1);
			out.ascii = sqlite3_column_int(fs, 2) != 0;
		}
		if (out.lang != RA_LANG_VHDL &&
		    (strcmp(col_text(s, 6), unit) != 0 || strcmp(col_text(s, 7), formal) != 0))
			continue;
		out.inst_id = sqlite3_column_int64(s, 1);
		out.line = (uint32_t)sqlite3_column_int(s, known ? 2 : 4);
		out.col = (uint32_t)sqlite3_column_int(s, known ? 3 : 5);
		rc = fn(&out, payload);
	}
	if (!rc && step != SQLITE_DONE)
		rc = db_fail(st, "formals");
	if (fs)
		sqlite3_reset(fs);
	sqlite3_reset(s);
	return rc;
}

/* runs a (name, count) GROUP BY query into an arena array */
static int grouped(ra_store *st, const char *sql, bool lang_names, ra_store_count **out, size_t *n,
                   ra_arena *arena)
{
	sqlite3_stmt *s = NULL;
	size_t cap = 64, count = 0;
	ra_store_count *arr = ra_arena_alloc(arena, cap * sizeof(*arr));

	if (!arr)
		return RA_ENOMEM;
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return db_fail(st, "stats");
	while (count < cap && sqlite3_step(s) == SQLITE_ROW) {
		arr[count].what = lang_names ? ra_model_lang_name((ra_lang)sqlite3_column_int(s, 0))
		                             : ra_arena_strdup(arena, col_text(s, 0));
		arr[count].n = sqlite3_column_int64(s, 1);
		count++;
	}
	sqlite3_finalize(s);
	*out = arr;
	*n = count;
	return RA_OK;
}

int ra_store_stats_get(ra_store *st, ra_store_stats *out, ra_arena *arena)
{
	char path[4200];
	struct stat sb;
	int rc;

	memset(out, 0, sizeof(*out));
	out->files = count_of(st, "SELECT count(*) FROM files");
	out->symbols = count_of(st, "SELECT count(*) FROM symbols");
	out->units = count_of(st, "SELECT count(*) FROM symbols WHERE unit_id = id");
	out->refs = count_of(st, "SELECT coalesce(sum(n), 0) FROM file_refs");
	out->conns = count_of(st, "SELECT count(*) FROM conns");
	out->includes = count_of(st, "SELECT count(*) FROM includes");
	out->unresolved_includes =
	        count_of(st, "SELECT count(*) FROM includes WHERE target_id IS NULL");
	out->files_with_errors = count_of(st, "SELECT count(*) FROM files WHERE nerrors > 0");
	out->source_bytes = (uint64_t)count_of(st, "SELECT coalesce(sum(size), 0) FROM files");
	rc = grouped(st, "SELECT kind, count(*) FROM symbols GROUP BY kind ORDER BY 2 DESC", false,
	             &out->by_kind, &out->nby_kind, arena);
	rc = rc ? rc
	        : grouped(st, "SELECT lang, count(*) FROM files GROUP BY lang ORDER BY 1", true,
	                  &out->files_by_lang, &out->nfiles_by_lang, arena);
	rc = rc ? rc
	        : grouped(st,
	                  "SELECT f.lang, count(*) FROM symbols s JOIN files f ON f.id = s.file_id"
	                  " WHERE s.unit_id = s.id GROUP BY f.lang ORDER BY 1",
	                  true, &out->units_by_lang, &out->nunits_by_lang, arena);
	if (stat(st->path, &sb) == 0)
		out->db_bytes += (uint64_t)sb.st_size;
	snprintf(path, sizeof(path), "%s-wal", st->path);
	if (stat(path, &sb) == 0)
		out->db_bytes += (uint64_t)sb.st_size;
	return rc;
}
