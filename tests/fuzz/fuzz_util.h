/*
 * fuzz_util.h - what every fuzz target shares: a check that aborts (so libFuzzer, or the replay
 * test, reports the input) naming the broken invariant, and a logger that drops everything.
 */
#ifndef RA_FUZZ_UTIL_H
#define RA_FUZZ_UTIL_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/base.h"

static inline void ra_fuzz_check_at(bool ok, const char *what, int line)
{
	if (!ok) {
		fprintf(stderr, "invariant broken, line %d: %s\n", line, what);
		abort();
	}
}
#define ra_fuzz_check(ok) ra_fuzz_check_at((ok), #ok, __LINE__)

static inline void ra_fuzz_quiet(ra_log_level level, const char *msg, void *payload)
{
	(void)level;
	(void)msg;
	(void)payload;
}

#endif /* RA_FUZZ_UTIL_H */
