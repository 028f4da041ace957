/*
 * bench_completion_context.c - how good and how fast the context of a code completion is
 * (retriever/context.h), and how often structural completion (no model) names the port the
 * real code connects next. Issue #8, "Quality and speed".
 *
 * 1. Context recall. Positions are sampled (fixed seed, at most 2 per file and kind) in the
 *    indexed workspace, of three kinds:
 *     - conn:   at the start of a named port connection (`.port(sig)` / `port => sig`);
 *     - use:    at a signal read on the right-hand side of an assignment;
 *     - assign: at the start of an assignment statement (its target).
 *    The rest of the cursor's line is removed (as if being typed); the buffer is parsed again
 *    and the context assembled as the LSP's inline completion does (lsp/handlers_inline.c:
 *    prompt budget 2.5 x the context budget, context at most the context budget, the
 *    instance's unit as hint). The needed definitions are:
 *     - conn: the port list of the instantiated unit (a unit of that name in the index: the
 *       lines from its first to its last port);
 *     - use, assign: for every identifier on the removed text (not after a `.` or `'`), where
 *       the real `rtlassist lsp` says it is defined (textDocument/definition on the original
 *       file) - unless that line lies inside the prefix/suffix windows.
 *    A definition is in the context when an excerpt of its file covers its line (a "ports" or
 *    "import" excerpt, which is synthesised text, when it names the identifier as a word; for
 *    a port list: a "ports" excerpt of that unit, or excerpts covering every port line).
 *    Recall = share of positions (with at least one needed definition) whose context holds all
 *    of them, next to a baseline: the same windows plus the top BM25 20-line windows of other
 *    files (windows_bm25.h; query = the prefix window's last 10 lines) packed into the same
 *    token budget, skipping windows that overlap one already taken.
 * 2. Structural completion. In instances whose ports are all connected by name, a connection k
 *    is picked (fixed seed); connections k.. are removed and the cursor put where connection k
 *    started (after its `.` in SystemVerilog). The real `rtlassist lsp` is asked for
 *    textDocument/completion there (the document opened with that text). Hit@1 / hit@3: the
 *    port the real code connects k-th (source order) is the first / among the first 3 items in
 *    sortText order. The server lists the unit's ports not yet connected, in declaration order.
 * 3. Time of ra_context_build (no model) at every sampled position: p50/p95/max, the same
 *    without similar code, and each step's share (ra_context_stats) with the number of chunks
 *    the similar-code step scored. Wall-clock times: on a shared machine, compare runs of one
 *    session, or run under `perf stat` / `/usr/bin/time` for CPU time.
 *
 * Usage: bench_completion_context [--rtlassist BIN] [--positions N] [--seed S]
 *          [--budgets A,B] [-v] [WORKSPACE]
 * WORKSPACE is indexed (`rtlassist index`, which writes WORKSPACE/.rtlassist) and read: give a
 * scratch copy. Default: a scratch copy of Debian's yosys and ghdl-common HDL.
 */
#define _GNU_SOURCE
#include "indexer/sv.h"
#include "indexer/vhdl.h"
#include "lsp/complete.h"
#include "retriever/context.h"
#include "tests/bench/windows_bm25.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#define PER_FILE 2     /* sampled positions per file and kind */
#define QUERY_LINES 10 /* the baseline's query: the prefix window's last lines */
#define MAX_BUDGETS 4
#define MAX_NEEDS 16 /* identifiers looked up per position */
#define MAX_LOCS 8   /* definitions kept per identifier */

enum { K_CONN, K_USE, K_ASSIGN, K_COUNT };
static const char *const kind_names[K_COUNT] = {"conn", "use", "assign"};

static int verbose;

static void die(const char *what)
{
	fprintf(stderr, "bench_completion_context: %s%s%s\n", what, *ra_error_last() ? ": " : "",
	        ra_error_last());
	exit(1);
}

static uint64_t rng_state;

static uint64_t rng(void) /* splitmix64 */
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static size_t *line_starts(const char *t, size_t len, size_t *n)
{
	size_t cap = 256, k = 0;
	size_t *s = malloc(cap * sizeof(*s));

	s[k++] = 0;
	for (size_t i = 0; i < len; i++)
		if (t[i] == '\n' && i + 1 <= len) {
			if (k == cap)
				s = realloc(s, (cap *= 2) * sizeof(*s));
			s[k++] = i + 1;
		}
	*n = k;
	return s;
}

static size_t eol(const char *t, size_t len, size_t off)
{
	const char *e = memchr(t + off, '\n', len - off);

	return e ? (size_t)(e - t) : len;
}

/* ---- a Language Server client over pipes ------------------------------------------------- */

typedef struct client {
	pid_t pid;
	int to, from;
	char *buf;
	size_t len, cap;
	int next_id;
	char *root_uri; /* "file:///abs/ws/" */
} client;

static void client_send(client *c, json_t *msg)
{
	char *body = json_dumps(msg, JSON_COMPACT), head[64];
	size_t n = strlen(body), off = 0;
	int h = snprintf(head, sizeof(head), "Content-Length: %zu\r\n\r\n", n);

	json_decref(msg);
	if (write(c->to, head, (size_t)h) != h)
		die("writing to rtlassist lsp");
	while (off < n) {
		ssize_t w = write(c->to, body + off, n - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			die("writing to rtlassist lsp");
		off += (size_t)w;
	}
	free(body);
}

/* the next message from the server; dies at the end of its output */
static json_t *client_read(client *c)
{
	for (;;) {
		char *hdr_end = c->len ? memmem(c->buf, c->len, "\r\n\r\n", 4) : NULL;

		if (hdr_end) {
			size_t hl = (size_t)(hdr_end - c->buf) + 4, body = 0;
			char *cl = strcasestr(c->buf, "Content-Length:");

			if (cl && cl < hdr_end)
				body = strtoul(cl + 15, NULL, 10);
			if (c->len >= hl + body) {
				json_error_t err;
				json_t *j = json_loadb(c->buf + hl, body, 0, &err);

				memmove(c->buf, c->buf + hl + body, c->len - hl - body);
				c->len -= hl + body;
				c->buf[c->len] = '\0';
				if (!j)
					die("a reply of rtlassist lsp is not JSON");
				return j;
			}
		}
		if (c->cap - c->len < 65536) {
			c->cap = c->cap ? c->cap * 2 : 1u << 20;
			c->buf = realloc(c->buf, c->cap + 1);
		}
		{
			ssize_t r = read(c->from, c->buf + c->len, c->cap - c->len);

			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				die("rtlassist lsp ended");
			c->len += (size_t)r;
			c->buf[c->len] = '\0';
		}
	}
}

static void client_notify(client *c, const char *method, json_t *params)
{
	client_send(c, json_pack("{s:s, s:s, s:o}", "jsonrpc", "2.0", "method", method, "params",
	                         params));
}

/* the result of a request (a new reference; json null for an error reply, logged with -v) */
static json_t *client_request(client *c, const char *method, json_t *params)
{
	int id = ++c->next_id;

	client_send(c, json_pack("{s:s, s:i, s:s, s:o}", "jsonrpc", "2.0", "id", id, "method",
	                         method, "params", params));
	for (;;) {
		json_t *m = client_read(c), *mid = json_object_get(m, "id");

		if (json_object_get(m, "method")) {
			if (mid) /* a request of the server's: answered with null */
				client_send(c, json_pack("{s:s, s:O, s:n}", "jsonrpc", "2.0", "id",
				                         mid, "result"));
			json_decref(m);
			continue;
		}
		if (json_integer_value(mid) != id) {
			json_decref(m);
			continue;
		}
		{
			json_t *r = json_object_get(m, "result");

			if (!r && verbose)
				fprintf(stderr, "lsp %s: %s\n", method,
				        json_string_value(json_object_get(
				                json_object_get(m, "error"), "message")));
			r = r ? json_incref(r) : json_null();
			json_decref(m);
			return r;
		}
	}
}

static void client_start(client *c, const char *bin, const char *ws, const char *tmp)
{
	int in[2], out[2];

	memset(c, 0, sizeof(*c));
	if (pipe(in) || pipe(out))
		die("pipe");
	c->pid = fork();
	if (c->pid < 0)
		die("fork");
	if (c->pid == 0) {
		char xdg[4200];

		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		snprintf(xdg, sizeof(xdg), "%s/xdg", tmp);
		setenv("XDG_CONFIG_HOME", xdg, 1);
		execl(bin, bin, "lsp", "--no-daemon", "--no-index", "-C", ws, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	c->to = in[1];
	c->from = out[0];
	if (asprintf(&c->root_uri, "file://%s/", ws) < 0)
		die("oom");
	json_decref(client_request(c, "initialize",
	                           json_pack("{s:i, s:s, s:{s:{s:[s]}}}", "processId",
	                                     (int)getpid(), "rootUri", c->root_uri, "capabilities",
	                                     "general", "positionEncodings", "utf-8")));
	client_notify(c, "initialized", json_object());
}

static void client_stop(client *c)
{
	int status;

	json_decref(client_request(c, "shutdown", json_null()));
	client_notify(c, "exit", json_null());
	close(c->to);
	close(c->from);
	waitpid(c->pid, &status, 0);
	free(c->buf);
	free(c->root_uri);
}

static json_t *text_pos(const char *uri, uint32_t line, uint32_t col)
{
	return json_pack("{s:{s:s}, s:{s:i, s:i}}", "textDocument", "uri", uri, "position", "line",
	                 (int)line, "character", (int)col);
}

/* ---- the workspace ------------------------------------------------------------------------- */

typedef struct file {
	const char *path;
	ra_lang lang;
} file;

typedef struct pos {
	size_t file;
	int kind;
	size_t cursor;    /* byte offset in the original text */
	size_t cut_end;   /* conn/structural: the removed text ends here (else the line's end) */
	char unit[128];   /* conn/structural: the instantiated unit */
	char formal[128]; /* structural: the port connected k-th */
	int k, nconns;    /* structural */
} pos;

typedef struct posv {
	pos *v;
	size_t n, cap;
} posv;

static void posv_push(posv *p, const pos *x)
{
	if (p->n == p->cap)
		p->v = realloc(p->v, (p->cap = p->cap ? p->cap * 2 : 256) * sizeof(*p->v));
	p->v[p->n++] = *x;
}

static char *read_ws_file(const char *ws, const char *rel, size_t *len)
{
	char path[8192], *t;

	snprintf(path, sizeof(path), "%s/%s", ws, rel);
	if (ra_read_file(&t, len, path, 16u << 20))
		return NULL;
	return t;
}

static ra_model *parse(const char *text, size_t len, ra_lang lang)
{
	ra_model *m = NULL;

	if (lang == RA_LANG_VHDL ? ra_vhdl_parse(&m, text, len) : ra_sv_parse(&m, text, len, lang))
		return NULL;
	return m;
}

static size_t offset_of(const size_t *starts, size_t nlines, size_t len, uint32_t line,
                        uint32_t col)
{
	size_t o;

	if (line >= nlines)
		return len;
	o = starts[line] + col;
	return o > len ? len : o;
}

/* does a unit of this name exist in the index (exact, else folded) */
static bool unit_known(sqlite3 *db, const char *name)
{
	static sqlite3_stmt *st;
	bool found = false;

	if (!db) {
		sqlite3_finalize(st);
		st = NULL;
		return false;
	}
	if (!st && sqlite3_prepare_v2(db,
	                              "SELECT 1 FROM symbols WHERE key IN (?1, lower(?1)) AND"
	                              " unit_id = id AND kind IN ('module', 'interface', 'program',"
	                              " 'entity', 'primitive', 'checker') LIMIT 1",
	                              -1, &st, NULL) != SQLITE_OK)
		die(sqlite3_errmsg(db));
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_reset(st);
	return found;
}

/* the assignment operator of a statement starting at off: `<=`, `:=`, or `=` */
static size_t assign_op(const char *t, size_t len, size_t off, size_t end, bool vhdl)
{
	int depth = 0;

	for (size_t i = off; i + 1 < len && i < end; i++) {
		char ch = t[i], nx = t[i + 1];

		if (ch == '(' || ch == '[' || ch == '{')
			depth++;
		else if ((ch == ')' || ch == ']' || ch == '}') && depth > 0)
			depth--;
		if (depth || ch == '\n')
			continue;
		if ((ch == '<' || ch == ':') && nx == '=')
			return i + 2;
		if (!vhdl && ch == '=' && nx != '=' && (i == 0 || !strchr("=!<>", t[i - 1])))
			return i + 1;
	}
	return 0;
}

/* candidate positions of one file, in file order */
static void candidates(posv *out, posv *structural, size_t fi, const file *f, const char *text,
                       size_t len, sqlite3 *db)
{
	ra_model *m = parse(text, len, f->lang);
	size_t nlines, *starts;
	bool vhdl = f->lang == RA_LANG_VHDL;
	size_t last_stmt = SIZE_MAX;

	if (!m)
		return;
	starts = line_starts(text, len, &nlines);
	/* connections, and instances for structural completion */
	for (size_t i = 0; i < m->nconns; i++) {
		const ra_conn *cn = &m->conns[i];
		const ra_sym *inst = &m->syms[cn->inst];
		pos p = {.file = fi, .kind = K_CONN};
		size_t first = i, n = 0, k;
		bool all_named = true;

		if (cn->is_param || !inst->type || strlen(inst->type) >= sizeof(p.unit))
			continue;
		if (i > 0 && m->conns[i - 1].inst == cn->inst && !m->conns[i - 1].is_param)
			goto one; /* not the instance's first port connection */
		for (k = i; k < m->nconns && m->conns[k].inst == cn->inst; k++) {
			if (m->conns[k].is_param)
				continue;
			if (!m->conns[k].formal || !strcmp(m->conns[k].formal, "*"))
				all_named = false;
			n++;
		}
		if (all_named && n > 0 && unit_known(db, inst->type)) {
			pos s = {.file = fi, .kind = -1, .nconns = (int)n};
			size_t last = first + n - 1, pick;

			s.k = (int)(rng() % n);
			pick = first + (size_t)s.k;
			snprintf(s.unit, sizeof(s.unit), "%s", inst->type);
			snprintf(s.formal, sizeof(s.formal), "%s", m->conns[pick].formal);
			s.cursor = offset_of(starts, nlines, len, m->conns[pick].span.line,
			                     m->conns[pick].span.col);
			s.cut_end = offset_of(starts, nlines, len, m->conns[last].span.end_line,
			                      m->conns[last].span.end_col);
			if (!vhdl && s.cursor < len && text[s.cursor] == '.')
				s.cursor++;
			if (s.cursor < s.cut_end &&
			    m->conns[last].span.line >= m->conns[pick].span.line &&
			    strlen(m->conns[pick].formal) < sizeof(s.formal))
				posv_push(structural, &s);
		}
	one:
		if (!cn->formal || !strcmp(cn->formal, "*") || !unit_known(db, inst->type))
			continue;
		snprintf(p.unit, sizeof(p.unit), "%s", inst->type);
		p.cursor = offset_of(starts, nlines, len, cn->span.line, cn->span.col);
		posv_push(out, &p);
	}
	/* assignments and the signals their right-hand sides read */
	for (size_t i = 0; i < m->nflows; i++) {
		const ra_flow *fl = &m->flows[i];
		size_t s = offset_of(starts, nlines, len, fl->span.line, fl->span.col);
		size_t e = offset_of(starts, nlines, len, fl->span.end_line, fl->span.end_col);
		size_t op;

		if (fl->how == RA_ASSIGN_CALL || fl->kind != RA_FLOW_DATA)
			continue;
		op = assign_op(text, len, s, e, vhdl);
		if (!op)
			continue;
		if (s != last_stmt) {
			pos p = {.file = fi, .kind = K_ASSIGN, .cursor = s};

			last_stmt = s;
			posv_push(out, &p);
		}
		for (size_t r = 0; r < m->nrefs; r++) {
			const ra_ref *rf = &m->refs[r];
			size_t ro = offset_of(starts, nlines, len, rf->span.line, rf->span.col);

			if (ro >= op && ro < e && ro < eol(text, len, op) + 1 && rf->name &&
			    fl->source && !strcmp(rf->name, fl->source)) {
				pos p = {.file = fi, .kind = K_USE, .cursor = ro};

				posv_push(out, &p);
				break;
			}
		}
	}
	free(starts);
	ra_model_free(m);
}

/* a fixed-seed sample of n positions of one kind, at most PER_FILE per file */
static void sample(posv *out, const posv *all, int kind, size_t n, size_t nfiles)
{
	size_t *idx = malloc((all->n + 1) * sizeof(*idx)), m = 0;
	unsigned char *per = calloc(nfiles + 1, 1);

	for (size_t i = 0; i < all->n; i++)
		if (all->v[i].kind == kind)
			idx[m++] = i;
	for (size_t i = m; i > 1; i--) {
		size_t j = (size_t)(rng() % i), t = idx[i - 1];

		idx[i - 1] = idx[j];
		idx[j] = t;
	}
	for (size_t i = 0, taken = 0; i < m && taken < n; i++) {
		const pos *p = &all->v[idx[i]];

		if (per[p->file] >= PER_FILE)
			continue;
		per[p->file]++;
		posv_push(out, p);
		taken++;
	}
	free(idx);
	free(per);
}

/* ---- needed definitions ------------------------------------------------------------------ */

typedef struct loc {
	char path[1024];
	uint32_t line, end_line; /* 0-based; a port list: first to last port line */
} loc;

typedef struct need {
	char name[128];
	loc locs[MAX_LOCS];
	size_t nlocs;
	bool ports; /* a unit's port list */
} need;

static void add_loc(need *nd, const char *path, uint32_t line, uint32_t end_line)
{
	if (nd->nlocs < MAX_LOCS) {
		snprintf(nd->locs[nd->nlocs].path, sizeof(nd->locs[0].path), "%s", path);
		nd->locs[nd->nlocs].line = line;
		nd->locs[nd->nlocs].end_line = end_line;
		nd->nlocs++;
	}
}

/* the port lists of the units named `unit` */
static void unit_need(need *nd, sqlite3 *db, const char *unit)
{
	static sqlite3_stmt *st;

	if (!db) {
		sqlite3_finalize(st);
		st = NULL;
		return;
	}
	if (!st && sqlite3_prepare_v2(
	                   db,
	                   "SELECT f.path, (SELECT MIN(p.sline) FROM symbols p WHERE p.file_id ="
	                   " s.file_id AND p.parent_id = s.id AND p.kind = 'port'), (SELECT"
	                   " MAX(p.eline) FROM symbols p WHERE p.file_id = s.file_id AND"
	                   " p.parent_id = s.id AND p.kind = 'port') FROM symbols s JOIN files f ON"
	                   " f.id = s.file_id WHERE s.key IN (?1, lower(?1)) AND s.unit_id = s.id"
	                   " AND s.kind IN ('module', 'interface', 'program', 'entity',"
	                   " 'primitive', 'checker') LIMIT 8",
	                   -1, &st, NULL) != SQLITE_OK)
		die(sqlite3_errmsg(db));
	memset(nd, 0, sizeof(*nd));
	nd->ports = true;
	snprintf(nd->name, sizeof(nd->name), "%s", unit);
	sqlite3_bind_text(st, 1, unit, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(st) == SQLITE_ROW)
		if (sqlite3_column_type(st, 1) != SQLITE_NULL)
			add_loc(nd, (const char *)sqlite3_column_text(st, 0),
			        (uint32_t)sqlite3_column_int64(st, 1),
			        (uint32_t)sqlite3_column_int64(st, 2));
	sqlite3_reset(st);
}

/* where the server says the identifiers of text[from, to) (the original file) are defined */
static size_t ident_needs(need *out, client *c, const char *uri, const char *text, size_t from,
                          size_t to, const size_t *starts, size_t nlines, bool vhdl)
{
	size_t n = 0, p = from;

	while (p < to && n < MAX_NEEDS) {
		size_t s;
		char name[128];
		json_t *r, *arr;
		size_t line = 0;

		if (text[p] == '"') {
			for (p++; p < to && text[p] != '"'; p++)
				;
			p++;
			continue;
		}
		if ((text[p] == '/' && p + 1 < to && text[p + 1] == '/') ||
		    (vhdl && text[p] == '-' && p + 1 < to && text[p + 1] == '-'))
			break;
		if (isdigit((unsigned char)text[p]) || text[p] == '\'' || text[p] == '$') {
			bool tick = text[p] == '\'';

			p++; /* numbers, based literals, system tasks, VHDL attributes */
			while (p < to && (isalnum((unsigned char)text[p]) || text[p] == '_' ||
			                  (!tick && text[p] == '\'')))
				p++;
			continue;
		}
		if (!(isalpha((unsigned char)text[p]) || text[p] == '_')) {
			p++;
			continue;
		}
		s = p;
		while (p < to &&
		       (isalnum((unsigned char)text[p]) || text[p] == '_' || text[p] == '$'))
			p++;
		if ((s > 0 && text[s - 1] == '.') || p - s >= sizeof(name) ||
		    (p < to && text[p] == '"'))
			continue; /* members, VHDL bit-string literals x"ff" */
		memcpy(name, text + s, p - s);
		name[p - s] = '\0';
		{
			bool dup = false;

			for (size_t i = 0; i < n && !dup; i++)
				dup = vhdl ? !strcasecmp(out[i].name, name)
				           : !strcmp(out[i].name, name);
			if (dup)
				continue;
		}
		while (line + 1 < nlines && starts[line + 1] <= s)
			line++;
		memset(&out[n], 0, sizeof(out[n]));
		snprintf(out[n].name, sizeof(out[n].name), "%s", name);
		r = client_request(c, "textDocument/definition",
		                   text_pos(uri, (uint32_t)line, (uint32_t)(s - starts[line])));
		arr = json_is_array(r) ? json_incref(r) : json_pack("[O]", r);
		for (size_t i = 0; i < json_array_size(arr); i++) {
			json_t *l = json_array_get(arr, i);
			const char *u = json_string_value(json_object_get(l, "uri"));
			json_t *range = json_object_get(l, "range");

			if (!u) {
				u = json_string_value(json_object_get(l, "targetUri"));
				range = json_object_get(l, "targetSelectionRange");
			}
			if (!u || strncmp(u, c->root_uri, strlen(c->root_uri)))
				continue;
			{
				uint32_t dl = (uint32_t)json_integer_value(
				        json_object_get(json_object_get(range, "start"), "line"));

				add_loc(&out[n], u + strlen(c->root_uri), dl, dl);
			}
		}
		json_decref(arr);
		json_decref(r);
		if (out[n].nlocs)
			n++;
	}
	return n;
}

/* ---- coverage ------------------------------------------------------------------------------ */

typedef struct excerpt {
	const char *path, *text, *why, *name;
	uint32_t line, end_line; /* lines the text covers (synthesised text: none) */
	bool synth;
} excerpt;

static uint32_t nlines_of(const char *t)
{
	uint32_t n = 0;

	for (; t && *t; t++)
		n += *t == '\n';
	return n ? n : 1;
}

static bool has_word(const char *text, const char *w, bool fold)
{
	size_t n = strlen(w);

	for (const char *p = text; (p = fold ? strcasestr(p, w) : strstr(p, w)) != NULL; p++) {
		bool l = p == text || !(isalnum((unsigned char)p[-1]) || p[-1] == '_');
		bool r = !(isalnum((unsigned char)p[n]) || p[n] == '_');

		if (l && r)
			return true;
	}
	return false;
}

/* lines [line, end_line] of `path` all covered by the excerpts */
static bool lines_covered(const excerpt *x, size_t nx, const char *path, uint32_t line,
                          uint32_t end_line)
{
	for (uint32_t l = line; l <= end_line; l++) {
		bool ok = false;

		for (size_t i = 0; i < nx && !ok; i++)
			ok = !x[i].synth && !strcmp(x[i].path, path) && x[i].line <= l &&
			     l <= x[i].end_line;
		if (!ok)
			return false;
	}
	return true;
}

static bool need_met(const need *nd, const excerpt *x, size_t nx, bool vhdl)
{
	for (size_t k = 0; k < nd->nlocs; k++) {
		const loc *l = &nd->locs[k];

		for (size_t i = 0; i < nx; i++) {
			if (!x[i].synth || strcmp(x[i].path, l->path))
				continue;
			if (nd->ports && !strcmp(x[i].why, "ports") && x[i].name &&
			    !strcasecmp(x[i].name, nd->name))
				return true;
			if (!nd->ports && has_word(x[i].text, nd->name, vhdl))
				return true;
		}
		if (lines_covered(x, nx, l->path, l->line, l->end_line))
			return true;
	}
	return false;
}

/* ---- the baseline: BM25 windows of other files in the same budget --------------------------- */

static size_t baseline(excerpt *out, size_t cap, ra_bw *bw, const char *self, const char *prefix,
                       int left, ra_arena *ar)
{
	const char *q = prefix + strlen(prefix);
	size_t n = 0;
	ra_bw_hit h;

	for (int k = 0; q > prefix && k < QUERY_LINES;) {
		q--;
		if (*q == '\n' && ++k == QUERY_LINES) {
			q++;
			break;
		}
	}
	if (!ra_bw_query(bw, q))
		return 0;
	while (n < cap && left > 0 && ra_bw_next(bw, &h)) {
		const char *path = bw->paths[h.file];
		int cost = ra_context_tokens(h.len) + ra_context_tokens(strlen(path) + 8);
		bool dup = !strcmp(path, self);

		for (size_t i = 0; i < n && !dup; i++)
			dup = !strcmp(out[i].path, path) &&
			      (uint32_t)h.line - 1 <= out[i].end_line &&
			      (uint32_t)h.end_line - 1 >= out[i].line;
		if (dup || cost > left)
			continue;
		left -= cost;
		out[n++] = (excerpt){.path = path,
		                     .text = ra_arena_strndup(ar, h.text, h.len),
		                     .why = "window",
		                     .line = (uint32_t)h.line - 1,
		                     .end_line = (uint32_t)h.end_line - 1};
	}
	return n;
}

/* ---- the run --------------------------------------------------------------------------------- */

typedef struct tally {
	size_t n, with_needs, ours, base, needs;
	long ours_tokens, base_tokens;
} tally;

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static const char *ws_uri(client *c, const char *rel, ra_arena *ar)
{
	return ra_arena_printf(ar, "%s%s", c->root_uri, rel);
}

static void run_recall(const posv *pv, const file *files, const char *ws, ra_store *st, ra_bw *bw,
                       client *cl, const int *budgets, int nbudgets)
{
	sqlite3 *db = ra_store__db(st);
	tally t[MAX_BUDGETS][K_COUNT + 1] = {{{0}}};
	double *times[MAX_BUDGETS], *parse_t = malloc((pv->n + 1) * sizeof(double)),
	                            *nosim_t = malloc((pv->n + 1) * sizeof(double));
	size_t ntimes = 0;
	ra_arena *ar = ra_arena_new(0);
	static const char *const step_names[4] = {"ports", "declarations", "imports", "similar"};
	double *steps[4], *sim_rows = malloc((pv->n + 1) * sizeof(double));
	long sim_probes = 0, sim_terms = 0;

	for (int k = 0; k < 4; k++)
		steps[k] = malloc((pv->n + 1) * sizeof(double));

	for (int b = 0; b < nbudgets; b++)
		times[b] = malloc((pv->n + 1) * sizeof(double));
	for (size_t i = 0; i < pv->n; i++) {
		const pos *p = &pv->v[i];
		const file *f = &files[p->file];
		bool vhdl = f->lang == RA_LANG_VHDL;
		size_t len, nlines, *starts, cut, blen;
		char *text = read_ws_file(ws, f->path, &len), *buf;
		need needs[MAX_NEEDS];
		size_t nneeds = 0;
		ra_model *m;
		ra_cc cc;
		double t0;
		uint32_t cur_line = 0;

		if (!text)
			continue;
		ra_arena_reset(ar);
		starts = line_starts(text, len, &nlines);
		while (cur_line + 1 < nlines && starts[cur_line + 1] <= p->cursor)
			cur_line++;
		cut = eol(text, len, p->cursor);
		/* the buffer being typed: the rest of the cursor's line is not there yet */
		blen = len - (cut - p->cursor);
		buf = malloc(blen + 1);
		memcpy(buf, text, p->cursor);
		memcpy(buf + p->cursor, text + cut, len - cut);
		buf[blen] = '\0';
		if (p->kind == K_CONN) {
			unit_need(&needs[0], db, p->unit);
			nneeds = needs[0].nlocs ? 1 : 0;
		} else {
			nneeds = ident_needs(needs, cl, ws_uri(cl, f->path, ar), text, p->cursor,
			                     cut, starts, nlines, vhdl);
		}
		t0 = ra_now();
		m = parse(buf, blen, f->lang);
		parse_t[ntimes] = ra_now() - t0;
		ra_complete_context(&cc, buf, blen, p->cursor, vhdl);
		for (int b = 0; b < nbudgets; b++) {
			ra_context ctx;
			ra_context_opts o = {.path = f->path,
			                     .text = buf,
			                     .len = blen,
			                     .cursor = p->cursor,
			                     .lang = f->lang,
			                     .model = m,
			                     .budget = budgets[b] * 5 / 2,
			                     .context_max = budgets[b]};
			excerpt ours[300], base[300];
			size_t nours = 0, nbase, met_needs = 0;
			bool ours_ok = true, base_ok = true;
			uint32_t wf, wl;
			int left;

			if (o.budget > RA_CONTEXT_MAX_BUDGET)
				o.budget = RA_CONTEXT_MAX_BUDGET;
			o.unit_hint =
			        (cc.kind == RA_CC_PORTS || cc.kind == RA_CC_PARAMS) && cc.target[0]
			                ? cc.target
			                : NULL;
			t0 = ra_now();
			if (ra_context_build(&ctx, st, &o))
				die("ra_context_build");
			times[b][ntimes] = ra_now() - t0;
			if (b == 0) { /* where the time goes: each step, and without similar code */
				steps[0][ntimes] = ctx.stats.t_ports;
				steps[1][ntimes] = ctx.stats.t_decls;
				steps[2][ntimes] = ctx.stats.t_imports;
				steps[3][ntimes] = ctx.stats.t_similar;
				sim_rows[ntimes] = ctx.stats.similar_rows;
				sim_probes += ctx.stats.similar_probes;
				sim_terms += ctx.stats.similar_terms;
			}
			if (b == 0) {
				ra_context nos;

				o.no_similar = true;
				t0 = ra_now();
				if (ra_context_build(&nos, st, &o))
					die("ra_context_build");
				nosim_t[ntimes] = ra_now() - t0;
				ra_context_free(&nos);
				o.no_similar = false;
			}
			for (size_t k = 0; k < ctx.nitems && nours < 300; k++) {
				const ra_context_item *it = &ctx.items[k];
				bool synth =
				        !strcmp(it->why, "ports") || !strcmp(it->why, "import");

				ours[nours++] = (excerpt){
				        .path = it->path,
				        .text = it->text,
				        .why = it->why,
				        .name = it->name,
				        .line = it->line,
				        .end_line = synth ? it->end_line
				                          : it->line + nlines_of(it->text) - 1,
				        .synth = synth};
			}
			/* the windows (same lines in the buffer and the file) */
			wf = 0;
			while (wf + 1 < nlines && starts[wf + 1] <= ctx.prefix_start)
				wf++;
			wl = cur_line;
			for (size_t k = p->cursor; k < ctx.suffix_end && k < blen; k++)
				wl += buf[k] == '\n';
			left = o.budget - ctx.prefix_tokens - ctx.suffix_tokens;
			if (left > budgets[b])
				left = budgets[b];
			nbase = baseline(base, 300, bw, f->path, ctx.req.prefix, left, ar);
			for (size_t k = 0; k < nneeds; k++) {
				need nd = needs[k];
				bool in_win = false, a, c;

				/* definitions the windows show are not needed */
				for (size_t l = 0; l < nd.nlocs && !in_win; l++)
					in_win = !strcmp(nd.locs[l].path, f->path) &&
					         nd.locs[l].line >= wf && nd.locs[l].end_line <= wl;
				if (in_win)
					continue;
				met_needs++;
				a = need_met(&nd, ours, nours, vhdl);
				c = need_met(&nd, base, nbase, vhdl);
				ours_ok &= a;
				base_ok &= c;
				if (verbose && !a)
					fprintf(stderr, "miss %s b%d %s:%u %s -> %s:%u (+%zu)\n",
					        kind_names[p->kind], budgets[b], f->path,
					        cur_line + 1, nd.name, nd.locs[0].path,
					        nd.locs[0].line + 1, nd.nlocs - 1);
			}
			for (int kk = 0; kk < 2; kk++) {
				tally *x = &t[b][kk ? K_COUNT : p->kind];

				x->n++;
				x->ours_tokens += ctx.context_tokens;
				for (size_t k = 0; k < nbase; k++)
					x->base_tokens +=
					        ra_context_tokens(strlen(base[k].text)) +
					        ra_context_tokens(strlen(base[k].path) + 8);
				if (!met_needs)
					continue;
				x->with_needs++;
				x->needs += met_needs;
				x->ours += ours_ok;
				x->base += base_ok;
			}
			ra_context_free(&ctx);
		}
		ntimes++;
		ra_model_free(m);
		free(buf);
		free(starts);
		ra_free(text);
	}
	printf("\n== 1. context recall: positions whose context holds every needed definition\n");
	printf("| kind   | budget | positions | with needs | needs/pos | rtlassist | BM25 windows "
	       "| tokens used (ours / windows) |\n");
	printf("|--------|--------|-----------|------------|-----------|-----------|------------"
	       "--|------------------------------|\n");
	for (int b = 0; b < nbudgets; b++)
		for (int k = 0; k <= K_COUNT; k++) {
			const tally *x = &t[b][k];
			double w = x->with_needs ? (double)x->with_needs : 1;

			printf("| %-6s | %6d | %9zu | %10zu | %9.2f | %8.1f%% | %11.1f%% | %12.0f "
			       "/ %-13.0f"
			       " |\n",
			       k == K_COUNT ? "all" : kind_names[k], budgets[b], x->n,
			       x->with_needs, (double)x->needs / w, 100.0 * (double)x->ours / w,
			       100.0 * (double)x->base / w,
			       x->n ? (double)x->ours_tokens / (double)x->n : 0,
			       x->n ? (double)x->base_tokens / (double)x->n : 0);
		}
	printf("\n== 3. context assembly time (ra_context_build, no model), %zu positions\n",
	       ntimes);
	for (int b = 0; b < nbudgets; b++) {
		qsort(times[b], ntimes, sizeof(double), cmp_double);
		if (ntimes)
			printf("budget %4d: p50 %.2f ms, p95 %.2f ms, max %.2f ms (target p95 <= "
			       "15 "
			       "ms)\n",
			       budgets[b], times[b][ntimes / 2] * 1e3,
			       times[b][ntimes * 95 / 100] * 1e3, times[b][ntimes - 1] * 1e3);
		free(times[b]);
	}
	qsort(nosim_t, ntimes, sizeof(double), cmp_double);
	if (ntimes)
		printf("budget %4d without similar code (no_similar): p50 %.2f ms, p95 %.2f ms, "
		       "max "
		       "%.2f ms\n",
		       budgets[0], nosim_t[ntimes / 2] * 1e3, nosim_t[ntimes * 95 / 100] * 1e3,
		       nosim_t[ntimes - 1] * 1e3);
	free(nosim_t);
	for (int k = 0; k < 4; k++) {
		qsort(steps[k], ntimes, sizeof(double), cmp_double);
		if (ntimes)
			printf("budget %4d step %-12s (ra_context_stats): p50 %.2f ms, p95 %.2f "
			       "ms, max "
			       "%.2f ms\n",
			       budgets[0], step_names[k], steps[k][ntimes / 2] * 1e3,
			       steps[k][ntimes * 95 / 100] * 1e3, steps[k][ntimes - 1] * 1e3);
		free(steps[k]);
	}
	qsort(sim_rows, ntimes, sizeof(double), cmp_double);
	if (ntimes)
		printf("similar code: %.1f names counted and %.1f queried per build; chunks scored "
		       "p50 "
		       "%.0f, p95 %.0f, max %.0f\n",
		       (double)sim_probes / (double)ntimes, (double)sim_terms / (double)ntimes,
		       sim_rows[ntimes / 2], sim_rows[ntimes * 95 / 100], sim_rows[ntimes - 1]);
	free(sim_rows);
	qsort(parse_t, ntimes, sizeof(double), cmp_double);
	if (ntimes)
		printf("(not counted above: parsing the edited buffer, as the server does after an "
		       "edit: p50 %.2f ms, p95 %.2f ms, max %.2f ms)\n",
		       parse_t[ntimes / 2] * 1e3, parse_t[ntimes * 95 / 100] * 1e3,
		       parse_t[ntimes - 1] * 1e3);
	free(parse_t);
	ra_arena_free(ar);
}

/* ---- structural completion ---------------------------------------------------------------- */

static void run_structural(const posv *sv, const file *files, const char *ws, client *cl)
{
	size_t n = 0, top1 = 0, top3 = 0, listed = 0, empty = 0, by_lang[2][2] = {{0}};
	double items = 0;
	ra_arena *ar = ra_arena_new(0);

	for (size_t i = 0; i < sv->n; i++) {
		const pos *p = &sv->v[i];
		const file *f = &files[p->file];
		bool vhdl = f->lang == RA_LANG_VHDL;
		size_t len, blen, nl, *starts;
		char *text = read_ws_file(ws, f->path, &len), *buf;
		const char *uri;
		json_t *r, *its;
		int rank = 0;
		uint32_t line = 0;

		if (!text)
			continue;
		ra_arena_reset(ar);
		/* connections k.. are not written yet */
		blen = len - (p->cut_end - p->cursor);
		buf = malloc(blen + 1);
		memcpy(buf, text, p->cursor);
		memcpy(buf + p->cursor, text + p->cut_end, len - p->cut_end);
		buf[blen] = '\0';
		starts = line_starts(buf, blen, &nl);
		while (line + 1 < nl && starts[line + 1] <= p->cursor)
			line++;
		uri = ws_uri(cl, f->path, ar);
		client_notify(cl, "textDocument/didOpen",
		              json_pack("{s:{s:s, s:s, s:i, s:s%}}", "textDocument", "uri", uri,
		                        "languageId", vhdl ? "vhdl" : "systemverilog", "version", 1,
		                        "text", buf, blen));
		r = client_request(cl, "textDocument/completion",
		                   text_pos(uri, line, (uint32_t)(p->cursor - starts[line])));
		client_notify(cl, "textDocument/didClose",
		              json_pack("{s:{s:s}}", "textDocument", "uri", uri));
		its = json_is_array(r) ? r : json_object_get(r, "items");
		{
			size_t ni = json_array_size(its);
			const char **labels = calloc(ni + 1, sizeof(*labels));
			const char **keys = calloc(ni + 1, sizeof(*keys));

			/* sortText order (the server's), ties by label */
			for (size_t k = 0; k < ni; k++) {
				json_t *it = json_array_get(its, k);
				const char *st = json_string_value(json_object_get(it, "sortText"));

				labels[k] = json_string_value(json_object_get(it, "label"));
				keys[k] = st ? st : labels[k];
			}
			for (size_t a = 1; a < ni; a++)
				for (size_t b = a; b > 0 && keys[b] && keys[b - 1] &&
				                   strcmp(keys[b], keys[b - 1]) < 0;
				     b--) {
					const char *x = keys[b], *y = labels[b];

					keys[b] = keys[b - 1];
					labels[b] = labels[b - 1];
					keys[b - 1] = x;
					labels[b - 1] = y;
				}
			for (size_t k = 0; k < ni && !rank; k++)
				if (labels[k] && (vhdl ? !strcasecmp(labels[k], p->formal)
				                       : !strcmp(labels[k], p->formal)))
					rank = (int)k + 1;
			if (verbose && rank != 1)
				fprintf(stderr,
				        "structural %s:%u %s k=%d/%d want %s, got %s (rank %d of "
				        "%zu)\n",
				        f->path, line + 1, p->unit, p->k, p->nconns, p->formal,
				        ni && labels[0] ? labels[0] : "-", rank, ni);
			items += (double)ni;
			empty += ni == 0;
			free(labels);
			free(keys);
		}
		n++;
		top1 += rank == 1;
		top3 += rank >= 1 && rank <= 3;
		listed += rank >= 1;
		by_lang[vhdl][0]++;
		by_lang[vhdl][1] += rank == 1;
		json_decref(r);
		free(starts);
		free(buf);
		ra_free(text);
	}
	printf("\n== 2. structural completion (no model) at the next named connection, real "
	       "`rtlassist lsp`\n");
	printf("the server lists the unit's ports not yet connected, in declaration order; "
	       "\"next\" = the port the real code connects there (source order)\n");
	printf("| instances | first suggestion | in top 3 | listed at all | empty lists | "
	       "items/list "
	       "| first: SV/Verilog | first: VHDL |\n");
	printf("|-----------|------------------|----------|---------------|-------------|--------"
	       "----|-------------------|-------------|\n");
	if (n)
		printf("| %9zu | %15.1f%% | %7.1f%% | %12.1f%% | %11zu | %10.1f | %9.1f%% of %-4zu "
		       "| "
		       "%5.1f%% of %-3zu|\n",
		       n, 100.0 * (double)top1 / (double)n, 100.0 * (double)top3 / (double)n,
		       100.0 * (double)listed / (double)n, empty, items / (double)n,
		       by_lang[0][0] ? 100.0 * (double)by_lang[0][1] / (double)by_lang[0][0] : 0,
		       by_lang[0][0],
		       by_lang[1][0] ? 100.0 * (double)by_lang[1][1] / (double)by_lang[1][0] : 0,
		       by_lang[1][0]);
	ra_arena_free(ar);
}

/* ---- main ------------------------------------------------------------------------------------- */

static int run(const char *cmd)
{
	if (verbose)
		fprintf(stderr, "+ %s\n", cmd);
	return system(cmd);
}

int main(int argc, char **argv)
{
	char self[2048], bin[4096], wsbuf[PATH_MAX], tmpl[] = "/tmp/bench_ccontext.XXXXXX",
	                                             cmd[32768];
	const char *ws_arg = NULL;
	char *tmp, *db_path;
	size_t npos = 150;
	uint64_t seed = 8;
	int budgets[MAX_BUDGETS] = {512, 1024}, nbudgets = 2;
	ra_store *st;
	ra_store_file *sf = NULL;
	size_t nsf = 0, nfiles = 0;
	file *files;
	ra_arena *far = ra_arena_new(0);
	posv all = {0}, structural = {0}, pv = {0}, sv = {0};
	ra_bw bw;
	client cl;
	double t0;

	snprintf(self, sizeof(self), "%s", argv[0]);
	snprintf(bin, sizeof(bin), "%s/../../rtlassist", dirname(self));
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--rtlassist") && v)
			snprintf(bin, sizeof(bin), "%s", argv[++i]);
		else if (!strcmp(a, "--positions") && v)
			npos = strtoul(argv[++i], NULL, 10);
		else if (!strcmp(a, "--seed") && v)
			seed = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(a, "--budgets") && v) {
			char *s = argv[++i], *e;

			for (nbudgets = 0; *s && nbudgets < MAX_BUDGETS; s = *e ? e + 1 : e) {
				budgets[nbudgets] = (int)strtol(s, &e, 10);
				if (budgets[nbudgets] < 16 || budgets[nbudgets] > 8192)
					die("--budgets: tokens between 16 and 8192, separated by "
					    "commas");
				nbudgets++;
			}
		} else if (!strcmp(a, "-v"))
			verbose = 1;
		else if (a[0] != '-' && !ws_arg)
			ws_arg = a;
		else {
			fprintf(stderr,
			        "usage: %s [--rtlassist BIN] [--positions N] [--seed S]"
			        " [--budgets A,B] [-v] [WORKSPACE]\n",
			        argv[0]);
			return 2;
		}
	}
	if (access(bin, X_OK) != 0) {
		fprintf(stderr, "bench_completion_context: no rtlassist at %s (use --rtlassist)\n",
		        bin);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	rng_state = seed;
	tmp = mkdtemp(tmpl);
	if (!tmp)
		die("mkdtemp");
	if (!ws_arg) {
		snprintf(wsbuf, sizeof(wsbuf), "%s/yg", tmp);
		snprintf(cmd, sizeof(cmd),
		         "mkdir -p '%s/yosys' '%s/ghdl' && cp -r /usr/share/yosys/. '%s/yosys/' &&"
		         " cp -r /usr/lib/ghdl/src/. '%s/ghdl/'",
		         wsbuf, wsbuf, wsbuf, wsbuf);
		if (run(cmd))
			die("copying /usr/share/yosys and /usr/lib/ghdl/src (apt-get install yosys "
			    "ghdl-common)");
	} else if (!realpath(ws_arg, wsbuf)) {
		die(ws_arg);
	}
	t0 = ra_now();
	snprintf(cmd, sizeof(cmd), "XDG_CONFIG_HOME='%s/xdg' '%s' index -C '%s' > '%s/index.log'",
	         tmp, bin, wsbuf, tmp);
	if (run(cmd)) {
		snprintf(cmd, sizeof(cmd), "cat '%s/index.log' >&2", tmp);
		run(cmd);
		die("rtlassist index failed");
	}
	fprintf(stderr, "indexed %s in %.1f s\n", wsbuf, ra_now() - t0);
	if (asprintf(&db_path, "%s/.rtlassist/index.db", wsbuf) < 0)
		die("oom");
	if (ra_store_open(&st, db_path, true))
		die(db_path);
	if (ra_store_files(st, &sf, &nsf, far))
		die("listing files");
	files = calloc(nsf + 1, sizeof(*files));
	for (size_t i = 0; i < nsf; i++)
		files[nfiles++] = (file){sf[i].path, sf[i].lang};

	/* candidates, file by file in path order; then a fixed-seed sample of each kind */
	t0 = ra_now();
	for (size_t i = 0; i < nfiles; i++) {
		size_t len;
		char *text = read_ws_file(wsbuf, files[i].path, &len);

		if (text)
			candidates(&all, &structural, i, &files[i], text, len, ra_store__db(st));
		ra_free(text);
	}
	for (int k = 0; k < K_COUNT; k++)
		sample(&pv, &all, k, npos, nfiles);
	sample(&sv, &structural, -1, npos * 2, nfiles);
	{
		size_t per[K_COUNT] = {0};

		for (size_t i = 0; i < all.n; i++)
			per[all.v[i].kind]++;
		printf("workspace %s: %zu files; candidates: conn %zu, use %zu, assign %zu,"
		       " instances %zu (%.1f s); sampled (seed %llu, at most %d per file and kind):"
		       " %zu positions, %zu instances\n",
		       wsbuf, nfiles, per[K_CONN], per[K_USE], per[K_ASSIGN], structural.n,
		       ra_now() - t0, (unsigned long long)seed, PER_FILE, pv.n, sv.n);
	}
	ra_bw_build(&bw, wsbuf, st);
	client_start(&cl, bin, wsbuf, tmp);
	run_recall(&pv, files, wsbuf, st, &bw, &cl, budgets, nbudgets);
	run_structural(&sv, files, wsbuf, &cl);
	client_stop(&cl);
	fflush(stdout);

	unit_known(NULL, NULL);
	unit_need(NULL, NULL, NULL);
	ra_bw_free(&bw);
	ra_store_close(st);
	ra_free(sf);
	ra_arena_free(far);
	free(files);
	free(all.v);
	free(structural.v);
	free(pv.v);
	free(sv.v);
	free(db_path);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	run(cmd);
	return 0;
}
