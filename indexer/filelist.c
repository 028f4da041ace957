/*
 * filelist.c - reader of simulator/synthesis file lists (.f) and `include resolution.
 *
 * A list is lexed into whitespace-separated tokens; comments, quotes, line continuations and
 * environment variables are handled by the lexer, so every token reaching the option handler is
 * final text. A token is an option (+incdir+, -f, ...) or a source file. Nested lists are read
 * recursively; a stack of the lists being read, compared by device and inode, catches cycles
 * however the paths are spelt. Caps on one list's size, the nesting depth, the total work and the
 * result size keep hostile or generated lists from exhausting memory.
 *
 * Paths are made absolute and normalised lexically ("." and empty segments dropped, "x/.."
 * folded), except that ".." after a symbolic link is kept so that the OS resolves it as the
 * simulators would. Results live in the list's arena; files, include dirs and library entries
 * are deduplicated (first appearance wins) through a hash set so large lists stay linear.
 */
#define _POSIX_C_SOURCE 200809L
#include "indexer/filelist.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LIST_MAX_READS 4096               /* list files read in total, repeats included */
#define LIST_MAX_TOTAL ((size_t)64 << 20) /* bytes of list files read in total */
#define RESULT_MAX ((size_t)256 << 20)    /* arena bytes of the result */
#define TOKEN_MAX ((size_t)64 << 10)      /* one token after variable expansion */
#define VAR_NAME_MAX 255

/* Options of common simulators that take a separate argument we do not use. */
static const char *const ignored_with_arg[] = {
        "-top",    "-timescale", "-o",      "-l",       "-work",     "-L",   "-Mdir",
        "-sv_lib", "-sv_root",   "-reflib", "-makelib", "-toplevel", "-log", "-j",
};

/* An arena-backed array of strings, optionally deduplicated by an open-addressing hash set. */
typedef struct strlist {
	char **items;
	size_t n;
	size_t cap;
	char **slots; /* heap, power-of-two size; NULL until the first add of a deduplicated list */
	size_t nslots;
	bool dedupe;
} strlist;

/* A list file being read, to detect cycles. */
typedef struct open_list {
	dev_t dev;
	ino_t ino;
} open_list;

typedef struct builder {
	ra_arena *arena;
	const ra_logger *lg;
	const char *workspace; /* absolute; -f lists resolve relative paths against it */
	strlist files, incdirs, defines, libfiles, libdirs, libexts;
	open_list stack[RA_FILELIST_MAX_DEPTH];
	unsigned depth;
	unsigned nreads;
	size_t bytes_read;
	bool overflow; /* the result passed RESULT_MAX: stop everything */
	ra_buf joined; /* scratch for path_resolve */
	ra_buf path;   /* scratch: the last resolved path */
} builder;

typedef struct lexer {
	builder *b;
	const char *p;
	const char *end;
	const char *path; /* the list, for messages */
	unsigned line;
	bool line_start;  /* only blanks since the last newline */
	bool token_large; /* the current token passed TOKEN_MAX */
	ra_buf tok;
} lexer;

/* ---- paths -------------------------------------------------------------------------------- */

static bool is_symlink(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISLNK(st.st_mode);
}

/*
 * Sets `out` to `rel` made absolute against the absolute directory `base` (ignored when `rel` is
 * absolute) and normalised as described at the top. `tmp` is scratch.
 */
static int path_resolve(ra_buf *out, ra_buf *tmp, const char *base, const char *rel)
{
	const char *s;
	int rc;

	ra_buf_reset(tmp);
	ra_buf_reset(out);
	if (rel[0] != '/' && ((rc = ra_buf_puts(tmp, base)) || (rc = ra_buf_putc(tmp, '/'))))
		return rc;
	if ((rc = ra_buf_puts(tmp, rel)))
		return rc;
	s = tmp->data;
	while (*s) {
		const char *e;
		size_t n;

		while (*s == '/')
			s++;
		for (e = s; *e && *e != '/'; e++)
			;
		n = (size_t)(e - s);
		if (n == 2 && s[0] == '.' && s[1] == '.') {
			size_t last = out->len;

			while (last > 0 && out->data[last - 1] != '/')
				last--;
			if (out->len == 0) {
				/* "/.." is "/" */
			} else if ((out->len - last == 2 &&
			            memcmp(out->data + last, "..", 2) == 0) ||
			           is_symlink(out->data)) {
				if ((rc = ra_buf_puts(out, "/..")))
					return rc;
			} else {
				out->len = last - 1;
				out->data[out->len] = '\0';
			}
		} else if (n > 0 && !(n == 1 && s[0] == '.')) {
			if ((rc = ra_buf_putc(out, '/')) || (rc = ra_buf_append(out, s, n)))
				return rc;
		}
		s = e;
	}
	return out->len ? RA_OK : ra_buf_putc(out, '/');
}

/* Puts the current directory in `out`. */
static int get_cwd(ra_buf *out)
{
	size_t n = 256;

	for (;;) {
		char *p = ra_malloc(n);
		int rc;

		if (!p)
			return RA_ENOMEM;
		if (getcwd(p, n)) {
			ra_buf_reset(out);
			rc = ra_buf_puts(out, p);
			ra_free(p);
			return rc;
		}
		ra_free(p);
		if (errno != ERANGE || n >= (size_t)1 << 20)
			return ra_error_set(RA_ERR, "cannot get the current directory: %s",
			                    strerror(errno));
		n *= 2;
	}
}

/* Truncates the absolute, normalised path in `b` to its directory. */
static void buf_dirname(ra_buf *b)
{
	char *slash = strrchr(b->data, '/');

	b->len = slash && slash != b->data ? (size_t)(slash - b->data) : 1;
	b->data[b->len] = '\0';
}

/* ---- result lists ------------------------------------------------------------------------- */

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}

/* The set slot holding `s`, or the empty slot where it belongs. */
static char **set_slot(strlist *l, const char *s)
{
	size_t mask = l->nslots - 1, i = (size_t)hash_str(s) & mask;

	while (l->slots[i] && strcmp(l->slots[i], s) != 0)
		i = (i + 1) & mask;
	return &l->slots[i];
}

static int set_grow(strlist *l)
{
	size_t n = l->nslots ? l->nslots * 2 : 64;
	char **old = l->slots;

	l->slots = ra_calloc(n, sizeof(*l->slots));
	if (!l->slots) {
		l->slots = old;
		return RA_ENOMEM;
	}
	l->nslots = n;
	for (size_t i = 0; i < l->n; i++)
		*set_slot(l, l->items[i]) = l->items[i];
	ra_free(old);
	return RA_OK;
}

/* Appends a copy of `s` to `l` unless `l` deduplicates and already holds it. */
static int strlist_add(builder *b, strlist *l, const char *s)
{
	char **slot = NULL, *copy;
	int rc;

	if (!*s)
		return RA_OK; /* an argument that is empty as a string (it began with a NUL byte) */
	if (l->dedupe) {
		if ((l->n + 1) * 2 > l->nslots && (rc = set_grow(l)))
			return rc;
		slot = set_slot(l, s);
		if (*slot)
			return RA_OK;
	}
	if (ra_arena_used(b->arena) > RESULT_MAX) {
		b->overflow = true;
		return ra_error_set(RA_ETOOBIG, "file list results exceed %zu MiB",
		                    RESULT_MAX >> 20);
	}
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 16;
		char **items = ra_arena_alloc(b->arena, ncap * sizeof(*items));

		if (!items)
			return RA_ENOMEM;
		if (l->n)
			memcpy(items, l->items, l->n * sizeof(*items));
		l->items = items;
		l->cap = ncap;
	}
	copy = ra_arena_strdup(b->arena, s);
	if (!copy)
		return RA_ENOMEM;
	l->items[l->n++] = copy;
	if (slot)
		*slot = copy;
	return RA_OK;
}

/* Resolves `rel` against `base` and adds it to `l`. */
static int add_path(builder *b, strlist *l, const char *base, const char *rel)
{
	int rc = path_resolve(&b->path, &b->joined, base, rel);

	return rc ? rc : strlist_add(b, l, b->path.data);
}

/* ---- lexer -------------------------------------------------------------------------------- */

/* Appends to the current token; past TOKEN_MAX the token is marked and later dropped. */
static int tok_put(lexer *lx, const char *s, size_t n)
{
	int rc;

	if (lx->token_large)
		return RA_OK;
	rc = ra_buf_append(&lx->tok, s, n);
	if (rc == RA_ETOOBIG) {
		lx->token_large = true;
		return RA_OK;
	}
	return rc;
}

static bool is_name_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_name_char(char c)
{
	return is_name_start(c) || (c >= '0' && c <= '9');
}

/* Expands the variable reference at lx->p ('$'): $NAME, ${NAME} or $(NAME). */
static int lex_var(lexer *lx)
{
	const char *s = lx->p + 1, *name, *next;
	char buf[VAR_NAME_MAX + 1];
	size_t n;
	const char *val;

	if (s < lx->end && (*s == '{' || *s == '(')) {
		char close = *s == '{' ? '}' : ')';
		const char *e = s + 1;

		while (e < lx->end && *e != close && *e != '\n')
			e++;
		if (e >= lx->end || *e != close) {
			/* no closing brace: a literal '$' */
			lx->p++;
			return tok_put(lx, "$", 1);
		}
		name = s + 1;
		n = (size_t)(e - name);
		next = e + 1;
	} else if (s < lx->end && is_name_start(*s)) {
		const char *e = s;

		while (e < lx->end && is_name_char(*e))
			e++;
		name = s;
		n = (size_t)(e - s);
		next = e;
	} else {
		lx->p++;
		return tok_put(lx, "$", 1);
	}
	lx->p = next;
	if (n == 0 || n > VAR_NAME_MAX) {
		ra_log(lx->b->lg, RA_LOG_WARN, "%s:%u: bad environment variable reference",
		       lx->path, lx->line);
		return RA_OK;
	}
	memcpy(buf, name, n);
	buf[n] = '\0';
	val = getenv(buf);
	if (!val) {
		ra_log(lx->b->lg, RA_LOG_WARN, "%s:%u: environment variable %s is not set",
		       lx->path, lx->line, buf);
		return RA_OK;
	}
	return tok_put(lx, val, strlen(val));
}

/* Skips blanks, line continuations and comments. */
static void lex_skip(lexer *lx)
{
	while (lx->p < lx->end) {
		char c = *lx->p;
		char c1 = lx->p + 1 < lx->end ? lx->p[1] : '\0';

		if (c == '\n') {
			lx->line++;
			lx->line_start = true;
			lx->p++;
		} else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
			lx->p++;
		} else if (c == '\\' && (c1 == '\n' || c1 == '\r')) {
			lx->p++; /* continuation: the newline is taken next round */
		} else if ((c == '#' && lx->line_start) || (c == '/' && c1 == '/')) {
			while (lx->p < lx->end && *lx->p != '\n')
				lx->p++;
		} else if (c == '/' && c1 == '*') {
			const char *e = lx->p + 2;
			unsigned start = lx->line;

			while (e + 1 < lx->end && !(e[0] == '*' && e[1] == '/')) {
				if (*e == '\n')
					lx->line++;
				e++;
			}
			if (e + 1 >= lx->end) {
				ra_log(lx->b->lg, RA_LOG_WARN, "%s:%u: unterminated /* comment",
				       lx->path, start);
				lx->p = lx->end;
			} else {
				lx->p = e + 2;
			}
		} else {
			return;
		}
	}
}

/* Reads a quoted part starting at the quote lx->p; double quotes expand variables. */
static int lex_quoted(lexer *lx)
{
	char q = *lx->p++;
	int rc;

	while (lx->p < lx->end && *lx->p != q && *lx->p != '\n') {
		char c = *lx->p;
		char c1 = lx->p + 1 < lx->end ? lx->p[1] : '\0';

		if (q == '"' && c == '$') {
			rc = lex_var(lx);
		} else if (q == '"' && c == '\\' && (c1 == '"' || c1 == '\\' || c1 == '$')) {
			rc = tok_put(lx, lx->p + 1, 1);
			lx->p += 2;
		} else {
			rc = tok_put(lx, lx->p++, 1);
		}
		if (rc)
			return rc;
	}
	if (lx->p < lx->end && *lx->p == q)
		lx->p++;
	else
		ra_log(lx->b->lg, RA_LOG_WARN, "%s:%u: unterminated %c quote", lx->path, lx->line,
		       q);
	return RA_OK;
}

/*
 * Reads the next token into lx->tok and its line into *line.
 * Returns 1 for a token, 0 at the end of the list, or a negative code.
 */
static int lex_next(lexer *lx, unsigned *line)
{
	for (;;) {
		int rc = RA_OK;

		lex_skip(lx);
		if (lx->p >= lx->end)
			return 0;
		*line = lx->line;
		lx->line_start = false;
		lx->token_large = false;
		ra_buf_reset(&lx->tok);
		while (lx->p < lx->end && rc == RA_OK) {
			char c = *lx->p;
			char c1 = lx->p + 1 < lx->end ? lx->p[1] : '\0';

			if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' ||
			    c == '\v')
				break;
			if (c == '"' || c == '\'') {
				rc = lex_quoted(lx);
			} else if (c == '$') {
				rc = lex_var(lx);
			} else if (c == '\\' && (c1 == '\n' || c1 == '\r')) {
				break;
			} else if (c == '\\' && (c1 == ' ' || c1 == '\t' || c1 == '"' ||
			                         c1 == '\'' || c1 == '$' || c1 == '\\')) {
				/* other backslashes stay literal, for Windows-style paths */
				rc = tok_put(lx, lx->p + 1, 1);
				lx->p += 2;
			} else {
				rc = tok_put(lx, lx->p++, 1);
			}
		}
		if (rc)
			return rc;
		if (lx->token_large) {
			ra_log(lx->b->lg, RA_LOG_WARN, "%s:%u: token longer than %zu bytes skipped",
			       lx->path, *line, TOKEN_MAX);
			continue;
		}
		if (lx->tok.len > 0)
			return 1;
	}
}

/* ---- options ------------------------------------------------------------------------------ */

static int list_read(builder *b, const char *path, bool self_relative);

/* Adds each '+'-separated, non-empty piece of `s` (paths when `base` is set). */
static int add_plus_list(builder *b, strlist *l, const char *base, char *s)
{
	while (*s) {
		char *e = strchr(s, '+');
		int rc;

		if (e)
			*e = '\0';
		if (*s) {
			rc = base ? add_path(b, l, base, s) : strlist_add(b, l, s);
			if (rc)
				return rc;
		}
		if (!e)
			break;
		s = e + 1;
	}
	return RA_OK;
}

/* Reads the nested list named by the current token; failures are warnings. */
static int nested_list(lexer *lx, const char *base, unsigned line, bool self_relative)
{
	builder *b = lx->b;
	char *nested;
	int rc;

	if ((rc = path_resolve(&b->path, &b->joined, base, lx->tok.data)))
		return rc;
	nested = ra_arena_strdup(b->arena, b->path.data);
	if (!nested)
		return RA_ENOMEM;
	rc = list_read(b, nested, self_relative);
	if (rc == RA_ENOMEM || b->overflow)
		return rc;
	if (rc < 0)
		ra_log(b->lg, RA_LOG_WARN, "%s:%u: nested file list skipped: %s", lx->path, line,
		       ra_error_last());
	return RA_OK;
}

/* Handles one token of a list whose relative paths resolve against `base`. */
static int on_token(lexer *lx, const char *base, unsigned line)
{
	builder *b = lx->b;
	char *t = lx->tok.data;
	enum { ARG_NONE, ARG_F, ARG_FSELF, ARG_V, ARG_Y, ARG_INCDIR, ARG_DEFINE, ARG_IGNORE } arg;
	char opt[32];
	unsigned argline;
	int rc;

	if (t[0] != '-' && t[0] != '+')
		return add_path(b, &b->files, base, t);
	if (strncmp(t, "+incdir+", 8) == 0)
		return add_plus_list(b, &b->incdirs, base, t + 8);
	if (strncmp(t, "+define+", 8) == 0)
		return add_plus_list(b, &b->defines, NULL, t + 8);
	if (strncmp(t, "+libext+", 8) == 0)
		return add_plus_list(b, &b->libexts, NULL, t + 8);
	if (strncmp(t, "-I", 2) == 0 && t[2])
		return add_path(b, &b->incdirs, base, t + 2);
	if (strncmp(t, "-D", 2) == 0 && t[2])
		return strlist_add(b, &b->defines, t + 2);

	arg = strcmp(t, "-f") == 0        ? ARG_F
	      : strcmp(t, "-F") == 0      ? ARG_FSELF
	      : strcmp(t, "-v") == 0      ? ARG_V
	      : strcmp(t, "-y") == 0      ? ARG_Y
	      : strcmp(t, "-incdir") == 0 ? ARG_INCDIR
	      : strcmp(t, "-define") == 0 ? ARG_DEFINE
	                                  : ARG_NONE;
	for (size_t i = 0; arg == ARG_NONE && i < sizeof(ignored_with_arg) / sizeof(char *); i++)
		if (strcmp(t, ignored_with_arg[i]) == 0)
			arg = ARG_IGNORE;
	if (arg == ARG_NONE) {
		ra_log(b->lg, RA_LOG_WARN, "%s:%u: unknown option %s ignored", lx->path, line, t);
		return RA_OK;
	}
	snprintf(opt, sizeof(opt), "%s", t);
	rc = lex_next(lx, &argline);
	if (rc < 0)
		return rc;
	if (rc == 0) {
		ra_log(b->lg, RA_LOG_WARN, "%s:%u: %s without an argument", lx->path, line, opt);
		return RA_OK;
	}
	t = lx->tok.data;
	switch (arg) {
	case ARG_F:
	case ARG_FSELF:
		return nested_list(lx, base, line, arg == ARG_FSELF);
	case ARG_V:
		return add_path(b, &b->libfiles, base, t);
	case ARG_Y:
		return add_path(b, &b->libdirs, base, t);
	case ARG_INCDIR:
		return add_path(b, &b->incdirs, base, t);
	case ARG_DEFINE:
		return strlist_add(b, &b->defines, t);
	default:
		ra_log(b->lg, RA_LOG_WARN, "%s:%u: unsupported option %s %s ignored", lx->path,
		       line, opt, t);
		return RA_OK;
	}
}

/*
 * Reads the list at the absolute path `path`: relative paths in it resolve against its own
 * directory when `self_relative` (-F), else against the workspace (-f).
 */
static int list_read(builder *b, const char *path, bool self_relative)
{
	lexer lx = {.b = b, .path = path, .line = 1, .line_start = true};
	struct stat st;
	char *data = NULL, *base;
	size_t len;
	unsigned line;
	int rc;

	if (stat(path, &st) != 0)
		return ra_error_set(errno == ENOENT || errno == ENOTDIR ? RA_ENOTFOUND : RA_ERR,
		                    "%s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return ra_error_set(RA_EINVAL, "%s: not a regular file", path);
	for (unsigned i = 0; i < b->depth; i++)
		if (b->stack[i].dev == st.st_dev && b->stack[i].ino == st.st_ino)
			return ra_error_set(RA_EINVAL, "%s: cycle, the list is already being read",
			                    path);
	if (b->depth >= RA_FILELIST_MAX_DEPTH)
		return ra_error_set(RA_ETOOBIG, "%s: file lists nested deeper than %d", path,
		                    RA_FILELIST_MAX_DEPTH);
	if (b->nreads >= LIST_MAX_READS || b->bytes_read > LIST_MAX_TOTAL)
		return ra_error_set(RA_ETOOBIG, "%s: over the budget of %d list files or %zu MiB",
		                    path, LIST_MAX_READS, LIST_MAX_TOTAL >> 20);
	if ((rc = ra_read_file(&data, &len, path, RA_FILELIST_MAX_BYTES)))
		return rc;
	b->nreads++;
	b->bytes_read += len;

	if (self_relative) {
		ra_buf_reset(&b->path);
		if ((rc = ra_buf_puts(&b->path, path)))
			goto out_free_data;
		buf_dirname(&b->path);
		base = ra_arena_strdup(b->arena, b->path.data);
	} else {
		base = ra_arena_strdup(b->arena, b->workspace);
	}
	if (!base) {
		rc = RA_ENOMEM;
		goto out_free_data;
	}

	b->stack[b->depth].dev = st.st_dev;
	b->stack[b->depth].ino = st.st_ino;
	b->depth++;
	ra_buf_init(&lx.tok, TOKEN_MAX);
	lx.p = data;
	lx.end = data + len;
	while ((rc = lex_next(&lx, &line)) > 0)
		if ((rc = on_token(&lx, base, line)))
			break;
	b->depth--;
	ra_buf_free(&lx.tok);
out_free_data:
	ra_free(data);
	return rc;
}

/* ---- public ------------------------------------------------------------------------------- */

int ra_filelist_read(ra_filelist **out, const char *path, const char *workspace,
                     const ra_logger *lg)
{
	builder b = {.lg = lg};
	ra_buf cwd;
	ra_filelist *fl;
	char *top;
	int rc;

	*out = NULL;
	ra_buf_init(&cwd, 0);
	ra_buf_init(&b.joined, 0);
	ra_buf_init(&b.path, 0);
	b.files.dedupe = b.incdirs.dedupe = b.libfiles.dedupe = b.libdirs.dedupe = true;
	b.libexts.dedupe = true;
	b.arena = ra_arena_new(0);
	if (!b.arena)
		return RA_ENOMEM;
	fl = ra_arena_calloc(b.arena, sizeof(*fl));
	if (!fl) {
		rc = RA_ENOMEM;
		goto out_fail;
	}
	if ((rc = get_cwd(&cwd)) || (rc = path_resolve(&b.path, &b.joined, cwd.data, path)))
		goto out_fail;
	top = ra_arena_strdup(b.arena, b.path.data);
	if (!top) {
		rc = RA_ENOMEM;
		goto out_fail;
	}
	if (workspace)
		rc = path_resolve(&b.path, &b.joined, cwd.data, workspace);
	else
		buf_dirname(&b.path);
	if (rc)
		goto out_fail;
	b.workspace = ra_arena_strdup(b.arena, b.path.data);
	if (!b.workspace) {
		rc = RA_ENOMEM;
		goto out_fail;
	}
	if ((rc = list_read(&b, top, false)))
		goto out_fail;

	fl->files = b.files.items;
	fl->nfiles = b.files.n;
	fl->incdirs = b.incdirs.items;
	fl->nincdirs = b.incdirs.n;
	fl->defines = b.defines.items;
	fl->ndefines = b.defines.n;
	fl->libfiles = b.libfiles.items;
	fl->nlibfiles = b.libfiles.n;
	fl->libdirs = b.libdirs.items;
	fl->nlibdirs = b.libdirs.n;
	fl->libexts = b.libexts.items;
	fl->nlibexts = b.libexts.n;
	fl->arena = b.arena;
	*out = fl;
	b.arena = NULL;
out_fail:
	ra_free(b.files.slots);
	ra_free(b.incdirs.slots);
	ra_free(b.libfiles.slots);
	ra_free(b.libdirs.slots);
	ra_free(b.libexts.slots);
	ra_buf_free(&b.joined);
	ra_buf_free(&b.path);
	ra_buf_free(&cwd);
	ra_arena_free(b.arena);
	return rc;
}

void ra_filelist_free(ra_filelist *fl)
{
	if (fl)
		ra_arena_free(fl->arena);
}

/* Whether `name` resolved against `dir` (absolute unless `cwd` is needed) is a regular file. */
static int try_include(ra_buf *out, ra_buf *tmp, ra_buf *dirbuf, const char *cwd, const char *dir,
                       const char *name, bool *found)
{
	struct stat st;
	int rc;

	if (dir[0] != '/') {
		if ((rc = path_resolve(dirbuf, tmp, cwd, dir)))
			return rc;
		dir = dirbuf->data;
	}
	if ((rc = path_resolve(out, tmp, dir, name)))
		return rc;
	*found = stat(out->data, &st) == 0 && S_ISREG(st.st_mode);
	return RA_OK;
}

int ra_filelist_resolve_include(char **out, const char *name, const char *from,
                                char *const *incdirs, size_t nincdirs)
{
	ra_buf res, tmp, dir, cwd;
	bool found = false;
	int rc;

	*out = NULL;
	if (!name || !*name)
		return ra_error_set(RA_ENOTFOUND, "empty `include name");
	ra_buf_init(&res, 0);
	ra_buf_init(&tmp, 0);
	ra_buf_init(&dir, 0);
	ra_buf_init(&cwd, 0);
	if ((rc = get_cwd(&cwd)))
		goto out_free;
	if (name[0] == '/') {
		rc = try_include(&res, &tmp, &dir, cwd.data, "/", name, &found);
		goto out_free;
	}
	if (from) {
		ra_buf fromdir;

		ra_buf_init(&fromdir, 0);
		rc = path_resolve(&fromdir, &tmp, cwd.data, from);
		if (rc == RA_OK) {
			buf_dirname(&fromdir);
			rc = try_include(&res, &tmp, &dir, cwd.data, fromdir.data, name, &found);
		}
		ra_buf_free(&fromdir);
		if (rc || found)
			goto out_free;
	}
	for (size_t i = 0; i < nincdirs && !found; i++)
		if ((rc = try_include(&res, &tmp, &dir, cwd.data, incdirs[i], name, &found)))
			goto out_free;
out_free:
	if (rc == RA_OK && !found)
		rc = ra_error_set(RA_ENOTFOUND, "`include \"%s\" not found", name);
	if (rc == RA_OK && !(*out = ra_buf_detach(&res)))
		rc = RA_ENOMEM;
	ra_buf_free(&res);
	ra_buf_free(&tmp);
	ra_buf_free(&dir);
	ra_buf_free(&cwd);
	return rc;
}
