/*
 * index.c - the indexing run (see index.h): diff by stat, workers that read/hash/parse, one
 * writer with batched transactions.
 */
#define _DEFAULT_SOURCE
#include "indexer/index.h"
#include "indexer/filelist.h"
#include "indexer/graph.h"
#include "indexer/sv.h"
#include "indexer/vectors.h"
#include "indexer/vhdl.h"
#include "indexer/walk.h"

#include <git2.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const char *const ra_index_default_verilog_exts[] = {".v", ".vh", ".vlib", NULL};
const char *const ra_index_default_sv_exts[] = {".sv", ".svh", ".svi", NULL};
const char *const ra_index_default_vhdl_exts[] = {".vhd", ".vhdl", ".vho", NULL};

enum { BATCH_FILES = 512, QUEUE_CAP = 64 };

/* what a worker found out about one file */
typedef enum { JOB_PARSED, JOB_SAME_BLOB, JOB_SKIPPED } job_outcome;

typedef struct job {
	const ra_walk_file *wf;
	const ra_store_file *old; /* NULL for a new file */
	ra_lang lang;
	/* filled by the worker */
	job_outcome outcome;
	char blob[GIT_OID_HEXSZ + 1];
	bool ascii; /* the content has no byte over 0x7f */
	ra_model *model;
	struct job *next; /* in the results queue */
} job;

typedef struct run {
	const ra_index_opts *opts;
	job *jobs;
	size_t njobs;
	atomic_size_t next_job;
	/* results queue: workers push, the writer pops */
	pthread_mutex_t mu;
	pthread_cond_t cv_results, cv_space;
	job *head, *tail;
	size_t queued;
	size_t workers_left;
	int failed; /* a worker could not allocate: stop */
} run;

static const char *ext_of(const char *path)
{
	const char *slash = strrchr(path, '/'), *dot = strrchr(path, '.');

	return dot && (!slash || dot > slash) ? dot : "";
}

static bool in_list(const char *const *list, const char *ext)
{
	for (; list && *list; list++)
		if (strcasecmp(*list, ext) == 0)
			return true;
	return false;
}

/* language of a path, or -1 when not HDL */
static int lang_of(const ra_index_opts *o, const char *path)
{
	const char *ext = ext_of(path);

	if (in_list(o->sv_exts ? o->sv_exts : ra_index_default_sv_exts, ext))
		return RA_LANG_SV;
	if (in_list(o->verilog_exts ? o->verilog_exts : ra_index_default_verilog_exts, ext))
		return RA_LANG_VERILOG;
	if (in_list(o->vhdl_exts ? o->vhdl_exts : ra_index_default_vhdl_exts, ext))
		return RA_LANG_VHDL;
	return -1;
}

static bool accept_path(const char *path, void *payload)
{
	return lang_of(payload, path) >= 0 || strcmp(ext_of(path), ".f") == 0;
}

static const char *library_of(const ra_index_opts *o, const char *path)
{
	const char *best = "work";
	size_t best_len = 0;

	for (size_t i = 0; i < o->nlibraries; i++) {
		const char *p = o->libraries[i].prefix;
		size_t n = strlen(p);

		if ((n == 0 || (strncmp(path, p, n) == 0 && path[n] == '/')) && n >= best_len) {
			best = o->libraries[i].library;
			best_len = n;
		}
	}
	return best;
}

/* reads, hashes and (when the blob changed) parses one file */
static void do_job(run *r, job *j, ra_sv_parser *sv)
{
	char path[4096], *data = NULL;
	size_t len = 0;
	git_oid oid;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", r->opts->root, j->wf->path);
	rc = ra_read_file(&data, &len, path,
	                  r->opts->max_file_size ? r->opts->max_file_size : SIZE_MAX / 2);
	if (rc) {
		ra_log(r->opts->log, RA_LOG_WARN, "%s: %s, skipped", j->wf->path, ra_error_last());
		j->outcome = JOB_SKIPPED;
		return;
	}
	if (memchr(data, '\0', len < 8192 ? len : 8192)) {
		ra_log(r->opts->log, RA_LOG_WARN, "%s: binary file, skipped", j->wf->path);
		j->outcome = JOB_SKIPPED;
		ra_free(data);
		return;
	}
	git_odb_hash(&oid, data, len, GIT_OBJECT_BLOB);
	git_oid_tostr(j->blob, sizeof(j->blob), &oid);
	if (j->old && strcmp(j->old->blob, j->blob) == 0) {
		j->outcome = JOB_SAME_BLOB;
		ra_free(data);
		return;
	}
	j->ascii = true;
	for (size_t i = 0; i < len && j->ascii; i++)
		j->ascii = (unsigned char)data[i] < 0x80;
	if (j->lang == RA_LANG_VHDL) {
		rc = ra_vhdl_parse(&j->model, data, len);
		if (!rc && r->opts->no_search)
			j->model->nchunks = 0;
	} else if (r->opts->no_search) {
		ra_sv_tree *tree = NULL;

		rc = ra_sv_parser_reparse(sv, &j->model, &tree, data, len, j->lang,
		                          RA_SV_NO_CHUNKS);
		ra_sv_tree_free(tree);
	} else {
		rc = ra_sv_parser_parse(sv, &j->model, data, len, j->lang);
	}
	ra_free(data);
	if (rc) {
		ra_log(r->opts->log, RA_LOG_WARN, "%s: %s, skipped", j->wf->path, ra_error_last());
		j->outcome = JOB_SKIPPED;
		return;
	}
	j->outcome = JOB_PARSED;
}

static void *worker(void *arg)
{
	run *r = arg;
	ra_sv_parser *sv = ra_sv_parser_new();

	for (;;) {
		size_t i = atomic_fetch_add(&r->next_job, 1);
		job *j;

		if (i >= r->njobs || !sv)
			break;
		j = &r->jobs[i];
		do_job(r, j, sv);
		pthread_mutex_lock(&r->mu);
		while (r->queued >= QUEUE_CAP && !r->failed)
			pthread_cond_wait(&r->cv_space, &r->mu);
		j->next = NULL;
		if (r->tail)
			r->tail->next = j;
		else
			r->head = j;
		r->tail = j;
		r->queued++;
		pthread_cond_signal(&r->cv_results);
		pthread_mutex_unlock(&r->mu);
		if (r->failed)
			break;
	}
	pthread_mutex_lock(&r->mu);
	if (!sv)
		r->failed = RA_ENOMEM;
	r->workers_left--;
	pthread_cond_broadcast(&r->cv_results);
	pthread_mutex_unlock(&r->mu);
	ra_sv_parser_free(sv);
	return NULL;
}

/* next finished job, or NULL when every worker is done */
static job *pop_result(run *r)
{
	job *j;

	pthread_mutex_lock(&r->mu);
	while (!r->head && r->workers_left > 0)
		pthread_cond_wait(&r->cv_results, &r->mu);
	j = r->head;
	if (j) {
		r->head = j->next;
		if (!r->head)
			r->tail = NULL;
		r->queued--;
		pthread_cond_signal(&r->cv_space);
	}
	pthread_mutex_unlock(&r->mu);
	return j;
}

/* passes file-list complaints on at debug level: a list written for a simulator names
   environment variables and options that are not the indexer's business */
static void demote(ra_log_level level, const char *msg, void *payload)
{
	(void)level;
	ra_log(payload, RA_LOG_DEBUG, "%s", msg);
}

/* include dirs named by every .f file list in the workspace, workspace-relative */
static int collect_incdirs(const ra_index_opts *o, const ra_walk_result *w, char ***out, size_t *n,
                           ra_arena *arena)
{
	size_t cap = 0, rootlen = strlen(o->root);
	ra_logger quiet = {demote, (void *)o->log, RA_LOG_DEBUG};
	char **dirs = NULL;

	*n = 0;
	for (size_t i = 0; i < w->nfiles; i++) {
		char path[4096];
		ra_filelist *fl = NULL;

		if (strcmp(ext_of(w->files[i].path), ".f") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", o->root, w->files[i].path);
		if (ra_filelist_read(&fl, path, o->root, &quiet) != 0)
			continue;
		for (size_t k = 0; k < fl->nincdirs; k++) {
			const char *d = fl->incdirs[k];

			if (strncmp(d, o->root, rootlen) != 0 || (d[rootlen] && d[rootlen] != '/'))
				continue; /* outside the workspace */
			d += rootlen + (d[rootlen] == '/');
			if (ra_grow((void **)&dirs, &cap, *n + 1, sizeof(*dirs))) {
				ra_filelist_free(fl);
				ra_free(dirs);
				return RA_ENOMEM;
			}
			dirs[(*n)++] = ra_arena_strdup(arena, d);
		}
		ra_filelist_free(fl);
	}
	*out = dirs;
	return RA_OK;
}

static int cmp_file_path(const void *a, const void *b)
{
	return strcmp(((const ra_store_file *)a)->path, ((const ra_store_file *)b)->path);
}

/* the store's rows for the files named in o->paths, sorted by path, without duplicates */
static int stored_files_named(const ra_index_opts *o, ra_store_file **out, size_t *n,
                              ra_arena *arena)
{
	ra_store_file *files = ra_calloc(o->npaths + 1, sizeof(*files));
	size_t count = 0;

	if (!files)
		return RA_ENOMEM;
	for (size_t i = 0; i < o->npaths; i++) {
		char rel[4096];
		int rc;

		if (!ra_walk_relative(o->root, o->paths[i], rel, sizeof(rel)))
			continue; /* ra_walk_paths already refused it */
		rc = ra_store_file_get(o->store, rel, &files[count], arena);
		if (rc == RA_OK)
			count++;
		else if (rc != RA_ENOTFOUND) {
			ra_free(files);
			return rc;
		}
	}
	if (count)
		qsort(files, count, sizeof(*files), cmp_file_path);
	*n = 0;
	for (size_t i = 0; i < count; i++)
		if (*n == 0 || strcmp(files[*n - 1].path, files[i].path) != 0)
			files[(*n)++] = files[i];
	*out = files;
	return RA_OK;
}

/* the include dirs of the last full run, one per line in the meta table */
static int save_incdirs(ra_store *st, char *const *dirs, size_t n)
{
	ra_buf b;
	int rc = RA_OK;

	ra_buf_init(&b, 0);
	for (size_t i = 0; !rc && i < n; i++)
		rc = ra_buf_printf(&b, "%s\n", dirs[i]);
	rc = rc ? rc : ra_store_meta_set(st, "incdirs", b.data ? b.data : "");
	ra_buf_free(&b);
	return rc;
}

static int load_incdirs(ra_store *st, char ***out, size_t *n, ra_arena *arena)
{
	char *text = NULL, *line, *save = NULL;
	size_t cap = 0;
	int rc = ra_store_meta_get(st, "incdirs", &text);

	*out = NULL;
	*n = 0;
	if (rc == RA_ENOTFOUND)
		return RA_OK;
	if (rc)
		return rc;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (ra_grow((void **)out, &cap, *n + 1, sizeof(**out))) {
			rc = RA_ENOMEM;
			break;
		}
		(*out)[(*n)++] = ra_arena_strdup(arena, line);
	}
	ra_free(text);
	return rc;
}

static int write_result(const ra_index_opts *o, job *j, ra_index_summary *sum)
{
	ra_store_file f = {.path = j->wf->path,
	                   .blob = j->blob,
	                   .lang = j->lang,
	                   .size = j->wf->size,
	                   .mtime_ns = j->wf->mtime_ns,
	                   .library = j->lang == RA_LANG_VHDL ? library_of(o, j->wf->path) : NULL,
	                   .ascii = j->ascii};
	int rc = RA_OK;

	switch (j->outcome) {
	case JOB_SAME_BLOB:
		sum->unchanged++;
		rc = ra_store_file_touch(o->store, j->old->id, j->wf->size, j->wf->mtime_ns);
		break;
	case JOB_SKIPPED:
		sum->skipped++;
		if (j->old)
			rc = ra_store_file_delete(o->store, j->old->id);
		break;
	case JOB_PARSED:
		sum->parsed++;
		sum->bytes_parsed += j->wf->size;
		rc = ra_store_file_put(o->store, &f, j->model);
		break;
	}
	ra_model_free(j->model);
	j->model = NULL;
	return rc;
}

/* the vector channel after the run's commit; only cancelling is an error for the run */
/* true when the vector index may lag the chunks: a run changed files since the last successful
   vector update (the mark is committed with the first change), or the file is missing, or it was
   made by another embedder */
static bool vectors_due(const ra_index_opts *o, const ra_embedder *e)
{
	char *dirty = NULL;
	bool due = ra_store_meta_get(o->store, "vectors.dirty", &dirty) != RA_OK ||
	           strcmp(dirty, "0") != 0;

	ra_free(dirty);
	return due || access(o->vectors_path, R_OK) != 0 ||
	       !ra_vectors_compatible(o->store, ra_embedder_id(e));
}

static int update_vectors(const ra_index_opts *o, ra_index_summary *out)
{
	ra_embedder *e = NULL;
	ra_vectors_stats vs = {0};
	int rc = ra_embedder_open(&e, o->embed);

	/* a run over a few named files (an editor's save) must stay fast, and rewriting the
	   vector file costs about 1 s on a large workspace: the mark stays set and the next full
	   run catches up; meanwhile new chunks are found by the other channels */
	if (!rc && (o->paths || !vectors_due(o, e))) {
		if (o->paths)
			ra_log(o->log, RA_LOG_DEBUG, "vectors: deferred to the next full run");
		ra_embedder_close(e);
		return RA_OK;
	}
	rc = rc ? rc : ra_vectors_update(o->store, o->vectors_path, e, o->log, o->cancel, &vs);
	if (!rc)
		rc = ra_store_meta_set(o->store, "vectors.dirty", "0");
	ra_embedder_close(e);
	out->vectors = vs.total;
	out->embedded = vs.embedded;
	out->vectors_seconds = vs.seconds;
	if (rc == RA_ECANCELLED)
		return rc;
	if (rc)
		ra_log(o->log, RA_LOG_WARN, "vectors not updated: %s", ra_error_last());
	else
		ra_log(o->log, RA_LOG_DEBUG,
		       "vectors: %zu added (%zu embedded), %zu removed, %zu in all%s: %.3f s",
		       vs.added, vs.embedded, vs.removed, vs.total, vs.rebuilt ? ", rebuilt" : "",
		       vs.seconds);
	return RA_OK;
}

int ra_index_run(const ra_index_opts *o, ra_index_summary *out)
{
	ra_walk_opts wo = {.max_file_size = o->max_file_size,
	                   .accept = accept_path,
	                   .payload = (void *)o,
	                   .log = o->log};
	ra_walk_result w = {0};
	ra_store_file *old = NULL;
	size_t nold = 0, io = 0, done = 0, in_batch = 0, nthreads, nincdirs = 0;
	ra_arena *arena = ra_arena_new(0);
	pthread_t *threads = NULL;
	char **incdirs = NULL;
	int64_t with_errors;
	double t0 = ra_now(), t_phase;
	uint64_t bytes = 0;
	run r = {.opts = o};
	int rc;

	memset(out, 0, sizeof(*out));
	if (!arena)
		return RA_ENOMEM;
	git_libgit2_init();
	if (o->paths) {
		rc = ra_walk_paths(&w, o->root, o->paths, o->npaths, &wo);
		rc = rc ? rc : stored_files_named(o, &old, &nold, arena);
	} else {
		rc = ra_walk(&w, o->root, &wo);
		rc = rc ? rc : ra_store_files(o->store, &old, &nold, arena);
	}
	if (rc)
		goto out;
	r.jobs = ra_calloc(w.nfiles + 1, sizeof(*r.jobs));
	if (!r.jobs) {
		rc = RA_ENOMEM;
		goto out;
	}

	/* merge the two sorted lists: jobs for new or changed files, deletions for vanished ones */
	rc = ra_store_begin(o->store);
	if (rc)
		goto out;
	for (size_t i = 0; i < w.nfiles; i++) {
		const ra_walk_file *wf = &w.files[i];
		int lang = lang_of(o, wf->path);
		int cmp = 1;

		while (io < nold && (cmp = strcmp(old[io].path, wf->path)) < 0) {
			rc = rc ? rc : ra_store_file_delete(o->store, old[io].id);
			out->deleted++;
			io++;
		}
		if (lang < 0) {
			/* a file list; or a file whose extension is no longer indexed */
			if (io < nold && cmp == 0) {
				rc = rc ? rc : ra_store_file_delete(o->store, old[io++].id);
				out->deleted++;
			}
			continue;
		}
		out->files++;
		if (io < nold && cmp == 0) {
			const ra_store_file *of = &old[io++];

			if (of->size == wf->size && of->mtime_ns == wf->mtime_ns &&
			    of->lang == (ra_lang)lang) {
				out->unchanged++;
				continue;
			}
			/* a language change (extension settings) forces a parse */
			r.jobs[r.njobs].old = of->lang == (ra_lang)lang ? of : NULL;
		}
		r.jobs[r.njobs].wf = wf;
		r.jobs[r.njobs].lang = (ra_lang)lang;
		r.njobs++;
	}
	for (; io < nold; io++) {
		rc = rc ? rc : ra_store_file_delete(o->store, old[io].id);
		out->deleted++;
	}
	/* any change to chunks is committed after this mark, so vectors follow even after a kill */
	if (!rc && (r.njobs || out->deleted))
		rc = ra_store_meta_set(o->store, "vectors.dirty", "1");
	if (rc)
		goto out_rollback;

	ra_log(o->log, RA_LOG_DEBUG, "walk and diff: %zu files, %zu to read, %.3f s", w.nfiles,
	       r.njobs, ra_now() - t0);
	t_phase = ra_now();

	/* many files: name ids from memory rather than one query each */
	ra_store_set_bulk(o->store, r.njobs > 64);

	/* workers */
	nthreads = o->threads > 0 ? (size_t)o->threads : (size_t)sysconf(_SC_NPROCESSORS_ONLN);
	if (nthreads < 1)
		nthreads = 1;
	if (nthreads > r.njobs)
		nthreads = r.njobs;
	pthread_mutex_init(&r.mu, NULL);
	pthread_cond_init(&r.cv_results, NULL);
	pthread_cond_init(&r.cv_space, NULL);
	threads = ra_calloc(nthreads + 1, sizeof(*threads));
	if (!threads) {
		rc = RA_ENOMEM;
		goto out_rollback;
	}
	r.workers_left = nthreads;
	for (size_t t = 0; t < nthreads; t++)
		if (pthread_create(&threads[t], NULL, worker, &r) != 0) {
			/* run with the workers we have; with none, this thread cannot progress */
			pthread_mutex_lock(&r.mu);
			r.workers_left -= nthreads - t;
			pthread_mutex_unlock(&r.mu);
			nthreads = t;
			break;
		}
	if (nthreads == 0 && r.njobs) {
		rc = ra_error_set(RA_ERR, "could not start any worker thread");
		goto out_rollback;
	}

	for (job *j; (j = pop_result(&r)) != NULL;) {
		if (!rc)
			rc = write_result(o, j, out);
		else
			ra_model_free(j->model), j->model = NULL;
		bytes += j->wf->size;
		done++;
		if (!rc && ++in_batch >= BATCH_FILES) {
			rc = ra_store_commit(o->store);
			rc = rc ? rc : ra_store_begin(o->store);
			in_batch = 0;
			if (!rc && o->cancel && *o->cancel)
				rc = ra_error_set(RA_ECANCELLED, "indexing cancelled");
		}
		if (rc) {
			pthread_mutex_lock(&r.mu);
			r.failed = rc;
			pthread_cond_broadcast(&r.cv_space);
			pthread_mutex_unlock(&r.mu);
		}
		if (o->progress) {
			ra_index_progress p = {done, r.njobs, bytes, ra_now() - t0};

			o->progress(&p, o->payload);
		}
	}
	for (size_t t = 0; t < nthreads; t++)
		pthread_join(threads[t], NULL);
	ra_log(o->log, RA_LOG_DEBUG, "read, parse and write: %.3f s", ra_now() - t_phase);
	t_phase = ra_now();
	/* jobs never popped after a failure still own models */
	for (size_t i = 0; i < r.njobs; i++)
		ra_model_free(r.jobs[i].model);
	if (!rc && r.failed)
		rc = r.failed;
	if (rc)
		goto out_rollback;

	/* include dirs come from the workspace's file lists on a full run, and are remembered for
	   runs over a few paths; includes only need resolving again when files came or went */
	if (!o->paths) {
		rc = collect_incdirs(o, &w, &incdirs, &nincdirs, arena);
		rc = rc ? rc : save_incdirs(o->store, incdirs, nincdirs);
	} else {
		rc = load_incdirs(o->store, &incdirs, &nincdirs, arena);
	}
	if (!rc && (out->parsed || out->deleted || out->skipped))
		rc = ra_store_resolve_includes(o->store, incdirs, nincdirs);
	if (!rc && (out->parsed || out->deleted || out->skipped))
		rc = ra_graph_resolve(o->store);
	if (!rc) {
		char when[32];

		snprintf(when, sizeof(when), "%lld", (long long)time(NULL));
		rc = ra_store_meta_set(o->store, "last_index_time", when);
		rc = rc ? rc : ra_store_meta_set(o->store, "rtlassist_version", RA_VERSION);
	}
	if (rc)
		goto out_rollback;
	rc = ra_store_commit(o->store);
	if (rc)
		goto out;
	ra_log(o->log, RA_LOG_DEBUG, "includes and commit: %.3f s", ra_now() - t_phase);
	t_phase = ra_now();
	if (o->embed && o->vectors_path && !o->no_search) {
		rc = update_vectors(o, out);
		if (rc)
			goto out;
		t_phase = ra_now();
	}
	if (ra_store_totals(o->store, &out->units, &out->symbols, &with_errors) == 0)
		out->with_errors = (size_t)with_errors;
	ra_log(o->log, RA_LOG_DEBUG, "totals: %.3f s", ra_now() - t_phase);
	goto out;

out_rollback:
	ra_store_rollback(o->store);
out:
	out->seconds = ra_now() - t0;
	if (threads) {
		pthread_mutex_destroy(&r.mu);
		pthread_cond_destroy(&r.cv_results);
		pthread_cond_destroy(&r.cv_space);
	}
	ra_free(threads);
	ra_free(r.jobs);
	ra_free(incdirs);
	ra_free(old);
	ra_walk_result_free(&w);
	ra_arena_free(arena);
	git_libgit2_shutdown();
	return rc;
}
