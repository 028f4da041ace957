/*
 * store.h - the index on disk: one SQLite database (WAL mode) holding files, symbols, instance
 * connections, references, includes, imports and diagnostics, written by the indexer and read by
 * every query.
 *
 * Design:
 *  - A file row carries path (relative to the workspace), language, git blob id of its content,
 *    size and mtime. A changed file is replaced whole: its old rows are deleted and the new model
 *    inserted in the writer's current transaction. Commits are batched by the caller; SQLite's
 *    journal makes every batch all-or-nothing, so a killed indexer leaves a consistent database.
 *  - Symbol names are looked up by `key`: the name itself for SystemVerilog/Verilog
 *    (case-sensitive), lower-cased for VHDL (case-insensitive).
 *  - References are the largest data; they are stored compactly: one varint-packed blob per file
 *    plus a (name, file) table that says which files mention a name and, beside each row, that
 *    name's positions in the file (so the uses of a name are read without decoding every use
 *    of every other name in those files). Rows written before schema 2 have no positions: the
 *    file's blob is decoded for them.
 *  - A named connection keeps the position of its formal's name (`.NAME(` / `NAME =>`) apart
 *    from the connection's span, so that references to a port need no source text.
 *  - `include targets resolve through the including folder, include dirs, then a unique
 *    file whose path ends with the include path (files.base indexes file names).
 *  - The schema is versioned with PRAGMA user_version; ra_store_open migrates older databases.
 *
 * Thread-safety: a ra_store is one SQLite connection, used by one thread at a time. Readers on
 * other threads open their own (WAL lets them read while the writer writes).
 */
#ifndef RA_STORE_H
#define RA_STORE_H

#include "indexer/model.h"

typedef struct ra_store ra_store;

#define RA_STORE_SCHEMA_VERSION 8

/*
 * Opens (creating and migrating unless read-only) the database at `path`.
 * Returns 0 and the caller's handle, RA_ENOTFOUND (read-only and absent), RA_EINVAL (not an
 * rtlassist database, or a newer schema), RA_ERR.
 */
int ra_store_open(ra_store **out, const char *path, bool readonly);
void ra_store_close(ra_store *st);

/* A hint that many files are about to be written: name ids are then kept in memory (one load
 * of the names table) instead of looked up one by one. */
void ra_store_set_bulk(ra_store *st, bool bulk);

/* Cheap totals for a summary line: design units, symbols, files with syntax errors. */
int ra_store_totals(ra_store *st, int64_t *units, int64_t *symbols, int64_t *with_errors);

/* Write transactions (BEGIN IMMEDIATE / COMMIT / ROLLBACK). */
int ra_store_begin(ra_store *st);
int ra_store_commit(ra_store *st);
int ra_store_rollback(ra_store *st);

/* A read snapshot (BEGIN / COMMIT) around a batch of queries: one consistent view of the index,
 * and the WAL's shared lock taken once instead of once per statement — a reader running
 * thousands of small statements for one request (LSP references) spends more on the lock than
 * on the queries otherwise. read_end resets statements still running before it commits. */
int ra_store_read_begin(ra_store *st);
void ra_store_read_end(ra_store *st);

/* What the store knows about one file. Strings are borrowed from the caller's arena. */
typedef struct ra_store_file {
	int64_t id;
	const char *path;
	const char *blob; /* 40 hex digits */
	const char *library;
	ra_lang lang;
	uint64_t size;
	int64_t mtime_ns;
	uint32_t nerrors;
	bool ascii; /* the content is ASCII only: its UTF-16 columns are its byte columns */
} ra_store_file;

/* Every file row, sorted by path, strings in `arena`. *out is an array allocated with ra_malloc
 * (the caller frees it). */
int ra_store_files(ra_store *st, ra_store_file **out, size_t *n, ra_arena *arena);

/* The row of the file at `path`, strings in `arena`; RA_ENOTFOUND when the store has none. */
int ra_store_file_get(ra_store *st, const char *path, ra_store_file *out, ra_arena *arena);

/* Records new size/mtime for a file whose content (blob) did not change. */
int ra_store_file_touch(ra_store *st, int64_t id, uint64_t size, int64_t mtime_ns);

/*
 * Inserts or replaces the file `f->path` and everything extracted from it (model may be NULL for
 * a file that could not be parsed). On success f->id is set. Must run inside a transaction.
 */
int ra_store_file_put(ra_store *st, ra_store_file *f, const ra_model *m);

/* Deletes a file and everything extracted from it. Inside a transaction. */
int ra_store_file_delete(ra_store *st, int64_t id);

/* Resolves every `include whose target is unknown: the including file's directory, then
 * `incdirs` (workspace-relative), then a unique file of that name anywhere in the workspace. */
int ra_store_resolve_includes(ra_store *st, char *const *incdirs, size_t nincdirs);

/*
 * The connection itself, for sibling modules of the indexer and retriever that own tables of
 * their own (graph, search). Borrowed; same thread rules as the store.
 */
struct sqlite3 *ra_store__db(ra_store *st);

/* Small key/value table (last index time, tool version, options digest). */
int ra_store_meta_set(ra_store *st, const char *key, const char *value);
/* Caller's string (ra_free) in *out; RA_ENOTFOUND when unset. */
int ra_store_meta_get(ra_store *st, const char *key, char **out);

/* ---- queries ------------------------------------------------------------------------------ */

/* One symbol as queries return it. Strings are borrowed for the duration of the callback. */
typedef struct ra_store_sym {
	int64_t id;
	const char *kind; /* ra_model_kind_name */
	const char *name;
	const char *file; /* workspace-relative */
	const char *lang; /* ra_model_lang_name */
	const char *library;
	const char *unit;   /* enclosing design unit's name; the unit itself for units */
	const char *parent; /* enclosing symbol's name, NULL at file level */
	const char *type, *dir, *dims, *value;
	ra_span name_span, span;
} ra_store_sym;

typedef int (*ra_store_sym_cb)(const ra_store_sym *sym, void *payload);

/* Calls fn for every design unit, ordered by name then file. A non-zero return from fn stops
 * the walk and is returned. */
int ra_store_units(ra_store *st, ra_store_sym_cb fn, void *payload);

/* Calls fn for every symbol named `name` (exact for SystemVerilog, case-folded for VHDL),
 * optionally only of `kind` (a kind name; NULL for all). */
int ra_store_find(ra_store *st, const char *name, const char *kind, ra_store_sym_cb fn,
                  void *payload);

/* Calls fn for every child of symbol `parent_id` (its ports, parameters, members, enum
 * members...), optionally only of `kind` (NULL for all), in declaration order. Children live in
 * their parent's file; the lookup goes through that file's symbols. */
int ra_store_children(ra_store *st, int64_t parent_id, const char *kind, ra_store_sym_cb fn,
                      void *payload);

/* One reference (identifier use). */
typedef struct ra_store_ref {
	const char *name;
	const char *file;
	const char *scope; /* innermost enclosing symbol's name, NULL at file level */
	ra_span span;
	bool ascii; /* the file was ASCII only when indexed (ra_store_file.ascii) */
} ra_store_ref;

typedef int (*ra_store_ref_cb)(const ra_store_ref *ref, void *payload);

/* Calls fn for every use of `name` (exact in SystemVerilog files, case-folded in VHDL files),
 * ordered by file then position. A non-zero return from fn stops the walk and is returned. */
int ra_store_refs(ra_store *st, const char *name, ra_store_ref_cb fn, void *payload);

/* ra_store_refs_in flags: leave ra_store_ref.scope NULL (saves one lookup per use; the LSP's
 * references want positions only) */
#define RA_STORE_REFS_NO_SCOPE 1u

/* ra_store_refs restricted to the uses in `file` (workspace-relative; NULL for every file),
 * with RA_STORE_REFS_* flags. Reads one row per file that uses the name: the cost follows the
 * number of uses returned, not the size of the files. */
int ra_store_refs_in(ra_store *st, const char *name, const char *file, unsigned flags,
                     ra_store_ref_cb fn, void *payload);

/* A named connection `.NAME(...)` / `NAME => ...` of an instance (ra_store_formals). */
typedef struct ra_store_formal {
	int64_t inst_id;    /* the instance symbol */
	const char *file;   /* the instance's file, workspace-relative */
	ra_lang lang;       /* that file's language */
	uint32_t line, col; /* 0-based: the formal's name (the connection's start if the parser
	                       gave no position for it) */
	bool ascii;         /* the file was ASCII only when indexed */
} ra_store_formal;

typedef int (*ra_store_formal_cb)(const ra_store_formal *c, void *payload);

/*
 * Calls fn for every named connection naming `formal` (a parameter override when is_param, else
 * a port connection) of every instance whose type is `unit` — exact in SystemVerilog files,
 * case-insensitive (both names) in VHDL files. One range of an index of named connections by
 * (instance type, formal), whatever the number of instances; in no particular order. Which instances really bind to which unit (mixed languages,
 * configurations) is the caller's business. A non-zero return from fn stops the walk and is
 * returned. Strings are borrowed for the duration of the callback.
 */
int ra_store_formals(ra_store *st, const char *unit, const char *formal, bool is_param,
                     ra_store_formal_cb fn, void *payload);

typedef struct ra_store_count {
	const char *what; /* kind name, or language name */
	int64_t n;
} ra_store_count;

typedef struct ra_store_stats {
	int64_t files, symbols, units, refs, conns, includes, unresolved_includes,
	        files_with_errors;
	ra_store_count *by_kind; /* symbols by kind, strings in the arena given */
	size_t nby_kind;
	ra_store_count *files_by_lang;
	size_t nfiles_by_lang;
	ra_store_count *units_by_lang;
	size_t nunits_by_lang;
	uint64_t db_bytes;     /* database + WAL on disk */
	uint64_t source_bytes; /* sum of file sizes */
} ra_store_stats;

/* Fills *out; arrays and strings are allocated in `arena`. */
int ra_store_stats_get(ra_store *st, ra_store_stats *out, ra_arena *arena);

#endif /* RA_STORE_H */
