/*
 * ra_test.h - the project's tiny test harness. A test file defines cases with RA_TEST and ends
 * with RA_TEST_MAIN(); CTest runs each file as one executable (see tests/CMakeLists.txt).
 *
 *   RA_TEST(buf_caps_growth) { ra_buf b; ...; RA_CHECK(b.len == 3); }
 *
 * `prog` runs every case; `prog NAME` runs the cases whose name contains NAME. A failing check
 * prints file:line and the expression, marks the case failed and returns from it. The last line
 * is "N passed, N failed". RA_SOURCE_DIR is the repository root, for fixtures.
 */
#ifndef RA_TEST_H
#define RA_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct ra_test_case {
	const char *name;
	void (*fn)(int *failed);
} ra_test_case;

#define RA_TEST_MAX 256
static ra_test_case ra_test_cases[RA_TEST_MAX];
static int ra_test_ncases;

#define RA_TEST(name)                                                                              \
	static void ra_test_##name(int *ra_test_failed_);                                          \
	__attribute__((constructor)) static void ra_test_register_##name(void)                     \
	{                                                                                          \
		if (ra_test_ncases < RA_TEST_MAX)                                                  \
			ra_test_cases[ra_test_ncases++] = (ra_test_case){#name, ra_test_##name};   \
	}                                                                                          \
	static void ra_test_##name(int *ra_test_failed_)

#define RA_FAIL_(...)                                                                              \
	do {                                                                                       \
		fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);                                    \
		fprintf(stderr, __VA_ARGS__);                                                      \
		fputc('\n', stderr);                                                               \
		*ra_test_failed_ = 1;                                                              \
	} while (0)

/* Checks a condition; on failure reports it and leaves the case. */
#define RA_CHECK(cond)                                                                             \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			RA_FAIL_("check failed: %s", #cond);                                       \
			return;                                                                    \
		}                                                                                  \
	} while (0)

/* Like RA_CHECK, with a printf-style explanation. */
#define RA_CHECKF(cond, ...)                                                                       \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			RA_FAIL_("check failed: %s", #cond);                                       \
			fprintf(stderr, "  ");                                                     \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
			return;                                                                    \
		}                                                                                  \
	} while (0)

#define RA_CHECK_INT(a, b)                                                                         \
	do {                                                                                       \
		long long ra_a_ = (long long)(a), ra_b_ = (long long)(b);                          \
		if (ra_a_ != ra_b_) {                                                              \
			RA_FAIL_("%s == %s: %lld != %lld", #a, #b, ra_a_, ra_b_);                  \
			return;                                                                    \
		}                                                                                  \
	} while (0)

#define RA_CHECK_STR(a, b)                                                                         \
	do {                                                                                       \
		const char *ra_a_ = (a), *ra_b_ = (b);                                             \
		if (!ra_a_ || !ra_b_ || strcmp(ra_a_, ra_b_) != 0) {                               \
			RA_FAIL_("%s == %s: \"%s\" != \"%s\"", #a, #b, ra_a_ ? ra_a_ : "(null)",   \
			         ra_b_ ? ra_b_ : "(null)");                                        \
			return;                                                                    \
		}                                                                                  \
	} while (0)

/* Marks the case skipped (a needed tool or file is absent) and leaves it. */
#define RA_SKIP(why)                                                                               \
	do {                                                                                       \
		fprintf(stderr, "skip: %s\n", why);                                                \
		*ra_test_failed_ = -1;                                                             \
		return;                                                                            \
	} while (0)

#define RA_TEST_MAIN()                                                                             \
	int main(int argc, char **argv)                                                            \
	{                                                                                          \
		int passed = 0, failed = 0, skipped = 0;                                           \
		for (int i = 0; i < ra_test_ncases; i++) {                                         \
			int f = 0;                                                                 \
			if (argc > 1 && !strstr(ra_test_cases[i].name, argv[1]))                   \
				continue;                                                          \
			ra_test_cases[i].fn(&f);                                                   \
			printf("%s %s\n",                                                          \
			       f > 0   ? "FAIL"                                                    \
			       : f < 0 ? "SKIP"                                                    \
			               : "ok  ",                                                   \
			       ra_test_cases[i].name);                                             \
			fflush(stdout);                                                            \
			f > 0 ? failed++ : f < 0 ? skipped++ : passed++;                           \
		}                                                                                  \
		printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);             \
		return failed ? 1 : passed + skipped == 0 ? 1 : 0;                                 \
	}

#endif /* RA_TEST_H */
