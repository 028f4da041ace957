/*
 * filelist.h - simulator/synthesis file lists (`.f` files) as found in HDL repositories:
 * source files, +incdir+DIR[+DIR...], +define+NAME[=VALUE][+...], -f / -F nested lists, -v FILE
 * (library file), -y DIR (library directory), +libext+.v+.sv, the spaced forms -incdir DIR and
 * -define NAME[=VALUE], Verilator's -IDIR and -DNAME[=VALUE]; comments: // to the end of the
 * line, C block comments, and # at the start of a line (// and block comments start only where
 * a token could, so a//b stays a path); environment variables ($VAR, ${VAR}, $(VAR); an unset
 * one expands to nothing with a warning); quoted arguments ("..." expands variables, '...' does
 * not); a backslash before a newline continues the line. Relative paths resolve against the
 * list's own directory (-F) or the workspace (-f), as in the common simulators; the file name
 * after -f/-F is itself resolved like any other path of the list it appears in.
 *
 * Also resolves `include "x" against the include directories.
 */
#ifndef RA_FILELIST_H
#define RA_FILELIST_H

#include "base/base.h"

#define RA_FILELIST_MAX_BYTES ((size_t)4 << 20) /* one list file; larger ones are refused */
#define RA_FILELIST_MAX_DEPTH 32                /* lists being read at once (nesting) */

typedef struct ra_filelist {
	char **files; /* source files, absolute, in order of first appearance, each once */
	size_t nfiles;
	char **incdirs; /* absolute include directories */
	size_t nincdirs;
	char **defines; /* "NAME" or "NAME=VALUE" */
	size_t ndefines;
	char **libfiles; /* -v */
	size_t nlibfiles;
	char **libdirs; /* -y */
	size_t nlibdirs;
	char **libexts; /* +libext+ */
	size_t nlibexts;
	ra_arena *arena; /* owns everything above */
} ra_filelist;

/*
 * Reads the file list at `path` (and every list it includes; cycles are reported, not followed)
 * resolving relative paths as described above; `workspace` is the directory -f paths are relative
 * to (the top list is read as with -f); NULL means the directory of `path`. A relative `path` or
 * `workspace` is taken from the current directory. Paths are absolute and normalised; files,
 * incdirs, libfiles, libdirs and libexts hold each entry once; defines keep every occurrence.
 * Problems (missing, unreadable, oversized or cyclic nested list, nesting deeper than
 * RA_FILELIST_MAX_DEPTH, unknown option, unset variable) are logged as warnings through `lg` and
 * skipped. Returns 0 and the caller's list in *out (free with ra_filelist_free), RA_ENOTFOUND if
 * `path` does not exist, RA_ETOOBIG if it is over RA_FILELIST_MAX_BYTES (or the results pass
 * 256 MiB), RA_EINVAL if it is not a regular file, RA_ENOMEM, RA_ERR.
 * Thread-safety: reentrant, but reads the environment (getenv), so no thread may setenv meanwhile.
 */
int ra_filelist_read(ra_filelist **out, const char *path, const char *workspace,
                     const ra_logger *lg);
void ra_filelist_free(ra_filelist *fl);

/*
 * Resolves an `include "name" seen in the file `from`: first the directory of `from`, then each
 * include dir in order; an absolute `name` is taken as is. `from` may be NULL (include dirs only).
 * The first candidate that exists as a regular file wins. Returns 0 and the caller's absolute,
 * normalised path (ra_free) in *out, or RA_ENOTFOUND, RA_ENOMEM.
 */
int ra_filelist_resolve_include(char **out, const char *name, const char *from,
                                char *const *incdirs, size_t nincdirs);

#endif /* RA_FILELIST_H */
