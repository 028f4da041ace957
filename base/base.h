/*
 * base.h - the foundation every other layer stands on: error codes with a thread-local last-error
 * message, a logger that library code receives instead of printing, allocation wrappers that tests
 * can make fail on purpose, a size-capped growable buffer and an arena for per-request memory.
 *
 * Nothing here depends on anything but libc and pthreads. Everything is safe to use from any thread;
 * objects (ra_buf, ra_arena) are not shared between threads without the caller's locking.
 */
#ifndef RA_BASE_H
#define RA_BASE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RA_VERSION "0.1.0"

/* ---- errors ------------------------------------------------------------------------------- */

/* Return codes of every action in the project: 0 on success, negative on failure. */
enum {
	RA_OK = 0,
	RA_ERR = -1,        /* any failure without a more specific code */
	RA_ENOTFOUND = -2,  /* the thing asked for does not exist */
	RA_ECANCELLED = -3, /* the caller or the client cancelled */
	RA_ETOOBIG = -4,    /* input over a hard cap */
	RA_ENOMEM = -5,     /* allocation failed */
	RA_EINVAL = -6,     /* malformed input (file, frame, reply, config) */
	RA_EBUSY = -7,      /* a lock is held by someone else */
};

#if defined(__GNUC__)
#define RA_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define RA_PRINTF(fmt, args)
#endif

/*
 * Sets this thread's last-error message (one line, truncated at 511 bytes) and returns `code`,
 * so a failure reads `return ra_error_set(RA_EINVAL, "bad header: %s", h);`.
 * Set it where the failure is first seen; callers pass the code up without touching the message.
 */
int ra_error_set(int code, const char *fmt, ...) RA_PRINTF(2, 3);

/* Records an out-of-memory failure without allocating; returns RA_ENOMEM. */
int ra_error_oom(void);

/* This thread's last-error message; "" when none. Borrowed: valid until the next ra_error_*. */
const char *ra_error_last(void);

void ra_error_clear(void);

/* A short English name for a return code ("not found"). Static storage. */
const char *ra_error_name(int code);

/* ---- logging ------------------------------------------------------------------------------ */

typedef enum { RA_LOG_ERROR = 0, RA_LOG_WARN, RA_LOG_INFO, RA_LOG_DEBUG } ra_log_level;

/*
 * A logger is a callback that library code is given. A NULL logger, or a NULL fn, drops messages.
 * `msg` is borrowed for the duration of the call. fn may be called from any thread that the
 * logger was handed to; it must be thread-safe if shared.
 */
typedef struct ra_logger {
	void (*fn)(ra_log_level level, const char *msg, void *payload);
	void *payload;
	ra_log_level level; /* messages above this level are dropped before formatting */
} ra_logger;

void ra_log(const ra_logger *lg, ra_log_level level, const char *fmt, ...) RA_PRINTF(3, 4);

/* "error", "warning", "info", "debug". */
const char *ra_log_level_name(ra_log_level level);

/* ---- allocation --------------------------------------------------------------------------- */

/*
 * malloc-family wrappers. On failure they return NULL and record the failure with ra_error_oom(),
 * so callers just `return RA_ENOMEM` (or pass the code up).
 */
void *ra_malloc(size_t size);
void *ra_calloc(size_t n, size_t size);
void *ra_realloc(void *ptr, size_t size);
void ra_free(void *ptr);
char *ra_strdup(const char *s);
char *ra_strndup(const char *s, size_t n);

/*
 * Test hook: after `n` more successful allocations on this thread, every allocation fails until
 * the hook is reset with a negative n. Counts ra_malloc/ra_calloc/ra_realloc/ra_strdup and the
 * arena's block allocations.
 */
void ra_alloc_fail_after(long n);

/*
 * Grows a plain array `*items` of `elem`-sized elements so that it holds at least `need` elements;
 * `*cap` is updated. Capacity doubles, so appending is amortised O(1).
 * Returns 0 or RA_ENOMEM (the array is left as it was).
 */
int ra_grow(void **items, size_t *cap, size_t need, size_t elem);

/* ---- buffer ------------------------------------------------------------------------------- */

/*
 * A growable byte buffer with a hard cap, for anything filled from outside (frames, replies,
 * files). `data` is always NUL-terminated once anything was appended. Zero-initialisable apart
 * from `max`: use ra_buf_init. Owned by whoever declares it; free with ra_buf_free.
 */
typedef struct ra_buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max; /* appends that would exceed this fail with RA_ETOOBIG; 0 means SIZE_MAX/2 */
} ra_buf;

void ra_buf_init(ra_buf *b, size_t max);
int ra_buf_append(ra_buf *b, const void *data, size_t len);
int ra_buf_puts(ra_buf *b, const char *s);
int ra_buf_putc(ra_buf *b, char c);
int ra_buf_printf(ra_buf *b, const char *fmt, ...) RA_PRINTF(2, 3);
int ra_buf_vprintf(ra_buf *b, const char *fmt, va_list ap);
/* Empties the buffer and keeps its memory. */
void ra_buf_reset(ra_buf *b);
/* Hands the contents to the caller (free with ra_free) and leaves `b` empty; never NULL unless OOM. */
char *ra_buf_detach(ra_buf *b);
void ra_buf_free(ra_buf *b);

/* ---- arena -------------------------------------------------------------------------------- */

/*
 * Bump allocator for memory that lives and dies together (one parsed file, one request).
 * Allocations are 16-byte aligned. ra_arena_reset keeps the first block for reuse.
 */
typedef struct ra_arena ra_arena;

/* `block` is the preferred block size (0: 64 KiB). Returns NULL on OOM. */
ra_arena *ra_arena_new(size_t block);
void ra_arena_free(ra_arena *a);
void ra_arena_reset(ra_arena *a);
/* NULL on OOM (error recorded). Memory is not zeroed, except by ra_arena_calloc. */
void *ra_arena_alloc(ra_arena *a, size_t size);
void *ra_arena_calloc(ra_arena *a, size_t size);
char *ra_arena_strndup(ra_arena *a, const char *s, size_t n);
char *ra_arena_strdup(ra_arena *a, const char *s);
char *ra_arena_printf(ra_arena *a, const char *fmt, ...) RA_PRINTF(2, 3);
/* Bytes handed out since creation or the last reset (for memory accounting). */
size_t ra_arena_used(const ra_arena *a);

/* ---- small helpers ------------------------------------------------------------------------ */

/* Monotonic clock in seconds. */
double ra_now(void);

/* Reads a whole file into a NUL-terminated buffer of at most `max` bytes (RA_ETOOBIG beyond).
 * On success *out is the caller's (ra_free) and *len its length. */
int ra_read_file(char **out, size_t *len, const char *path, size_t max);

/* Writes all n bytes to fd, again after EINTR and short writes. 0, or RA_ERR with a message. */
int ra_write_all(int fd, const void *data, size_t n);

/* The 0-based line holding byte offset `off` of a text whose lines start at starts[0..n)
 * (ascending, starts[0] == 0, n >= 1): the last line starting at or before `off`; an offset past
 * the end is on the last line. Binary search, O(log n). */
size_t ra_line_of(const uint32_t *starts, size_t n, size_t off);

#ifdef __cplusplus
}
#endif

#endif /* RA_BASE_H */
