/*
 * index.h - one indexing run over a workspace: walk, find what changed, parse on all cores,
 * write to the store.
 *
 * Design: the calling thread walks the workspace and compares each file's size and mtime with
 * the store; only files that differ become jobs. Worker threads (one parser each) read a job's
 * file, compute its git blob id, and parse it only when the blob differs from the stored one
 * (a touched-but-unchanged file, e.g. after a branch switch, costs a read and a hash). The
 * calling thread is the only writer: it takes parsed models from a bounded queue and writes them
 * in batched transactions, so a run killed at any moment leaves a consistent store and the next
 * run finishes the job.
 */
#ifndef RA_INDEX_H
#define RA_INDEX_H

#include "indexer/embed.h"
#include "indexer/store.h"

/* A folder whose VHDL files belong to a library other than `work`. */
typedef struct ra_index_library {
	const char *prefix; /* workspace-relative folder, no trailing slash ("" for all) */
	const char *library;
} ra_index_library;

typedef struct ra_index_progress {
	size_t done, total; /* files processed / to process (changed or new) */
	uint64_t bytes;     /* bytes read so far */
	double elapsed;     /* seconds since the run started */
} ra_index_progress;

typedef struct ra_index_opts {
	const char *root; /* workspace directory */
	ra_store *store;  /* open for writing */
	int threads;      /* parse workers; 0: one per core */
	uint64_t max_file_size;
	/* extensions with the dot (".sv"); NULL-terminated lists */
	const char *const *verilog_exts;
	const char *const *sv_exts;
	const char *const *vhdl_exts;
	const ra_index_library *libraries; /* longest prefix wins */
	size_t nlibraries;
	const ra_logger *log;
	void (*progress)(const ra_index_progress *p, void *payload);
	void *payload;
	volatile int *cancel; /* when non-NULL and set, the run stops at the next batch */
	/* when set, only these files (workspace-relative or absolute inside it) are looked at:
	   changed ones re-parsed, missing ones removed; no walk (editor saves, file watching).
	   The vector index is then left for the next full run (it is marked out of date). */
	const char *const *paths;
	size_t npaths;
	/* the vector channel (vectors.h): after the run's last commit, chunks without a vector are
	   embedded with `embed` into the faiss index at `vectors_path`; a failure there is logged
	   as a warning and leaves the lexical index complete. NULL embed: no vectors. */
	const ra_embed_config *embed;
	const char *vectors_path;
	/* no search data: SystemVerilog files are not cut into chunks, no chunk (so no FTS row)
	   is stored, no vector is made. The index every other feature needs, built to measure
	   what search adds to a run (tests/bench/bench_index.c); VHDL chunks are still cut and
	   then dropped (about 1% of a parse) */
	bool no_search;
} ra_index_opts;

typedef struct ra_index_summary {
	size_t files;           /* HDL files in the workspace */
	size_t parsed;          /* (re)parsed this run */
	size_t unchanged;       /* skipped: same size and mtime, or same blob */
	size_t deleted;         /* gone from the workspace, removed from the store */
	size_t skipped;         /* unreadable, binary or over the cap */
	size_t with_errors;     /* files in the store with syntax errors */
	int64_t units, symbols; /* totals in the store after the run */
	uint64_t bytes_parsed;
	size_t vectors;         /* chunk vectors in the index after the run */
	size_t embedded;        /* chunks the embedder computed this run (not from the cache) */
	double vectors_seconds; /* of `seconds`, spent bringing the vectors up to date */
	double seconds;
} ra_index_summary;

/* Defaults for the extension lists. */
extern const char *const ra_index_default_verilog_exts[];
extern const char *const ra_index_default_sv_exts[];
extern const char *const ra_index_default_vhdl_exts[];

/*
 * Runs one incremental indexing pass (over the workspace, or over opts->paths). Per-file problems are logged and skipped; the return is
 * non-zero only when the store could not be written (or on cancel: RA_ECANCELLED, with every
 * finished batch kept).
 */
int ra_index_run(const ra_index_opts *opts, ra_index_summary *out);

#endif /* RA_INDEX_H */
