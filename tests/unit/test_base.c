/* test_base.c - errors, capped buffers, arenas, growable arrays and the allocation-failure hook. */
#include "base/base.h"
#include "tests/ra_test.h"

RA_TEST(error_last_message_and_codes)
{
	ra_error_clear();
	RA_CHECK_STR(ra_error_last(), "");
	RA_CHECK_INT(ra_error_set(RA_EINVAL, "bad %s\nsecond line", "frame"), RA_EINVAL);
	RA_CHECK_STR(ra_error_last(), "bad frame second line");
	RA_CHECK_INT(ra_error_oom(), RA_ENOMEM);
	RA_CHECK_STR(ra_error_last(), "out of memory");
	RA_CHECK_STR(ra_error_name(RA_ENOTFOUND), "not found");
}

RA_TEST(buf_grows_and_respects_cap)
{
	ra_buf b;
	char *s;

	ra_buf_init(&b, 16);
	RA_CHECK(ra_buf_puts(&b, "abc") == 0);
	RA_CHECK(ra_buf_printf(&b, "%d-%s", 42, "x") == 0);
	RA_CHECK_STR(b.data, "abc42-x");
	RA_CHECK(ra_buf_puts(&b, "0123456789") == RA_ETOOBIG);
	RA_CHECK_STR(b.data, "abc42-x"); /* unchanged after a refused append */
	RA_CHECK(ra_buf_puts(&b, "012345678") == 0);
	RA_CHECK_INT(b.len, 16);
	s = ra_buf_detach(&b);
	RA_CHECK_STR(s, "abc42-x012345678");
	RA_CHECK(b.data == NULL && b.len == 0);
	ra_free(s);
	ra_buf_free(&b);
}

RA_TEST(arena_alignment_big_blocks_and_reset)
{
	ra_arena *a = ra_arena_new(256);
	char *big, *s;

	RA_CHECK(a != NULL);
	for (int i = 0; i < 100; i++) {
		void *p = ra_arena_alloc(a, (size_t)(i % 37) + 1);

		RA_CHECK(p != NULL);
		RA_CHECK(((uintptr_t)p & 15) == 0);
	}
	big = ra_arena_calloc(a, 10000); /* larger than a block */
	RA_CHECK(big && big[9999] == 0);
	s = ra_arena_printf(a, "%s-%d", "unit", 7);
	RA_CHECK_STR(s, "unit-7");
	RA_CHECK(ra_arena_used(a) >= 10000);
	ra_arena_reset(a);
	RA_CHECK_INT(ra_arena_used(a), 0);
	RA_CHECK_STR(ra_arena_strndup(a, "abcdef", 3), "abc");
	ra_arena_free(a);
	ra_arena_free(NULL);
}

RA_TEST(alloc_failure_injection)
{
	int *items = NULL;
	size_t cap = 0;
	ra_buf b;

	ra_alloc_fail_after(1);
	void *first = ra_malloc(8);
	RA_CHECK(first != NULL);
	RA_CHECK(ra_malloc(8) == NULL);
	RA_CHECK_STR(ra_error_last(), "out of memory");
	RA_CHECK(ra_arena_new(0) == NULL);
	ra_buf_init(&b, 0);
	RA_CHECK(ra_buf_puts(&b, "x") == RA_ENOMEM);
	RA_CHECK(ra_grow((void **)&items, &cap, 10, sizeof(int)) == RA_ENOMEM);
	RA_CHECK(items == NULL && cap == 0);
	ra_alloc_fail_after(-1);
	RA_CHECK(ra_grow((void **)&items, &cap, 10, sizeof(int)) == 0);
	RA_CHECK(cap >= 10);
	ra_free(items);
	ra_free(first);
}

RA_TEST(read_file_caps)
{
	char *data = NULL;
	size_t len = 0;

	RA_CHECK(ra_read_file(&data, &len, RA_SOURCE_DIR "/base/base.h", 1 << 20) == 0);
	RA_CHECK(len > 100 && strstr(data, "RA_BASE_H"));
	ra_free(data);
	RA_CHECK(ra_read_file(&data, &len, RA_SOURCE_DIR "/base/base.h", 10) == RA_ETOOBIG);
	RA_CHECK(ra_read_file(&data, &len, "/nonexistent", 10) == RA_ENOTFOUND);
	RA_CHECK(ra_read_file(&data, &len, RA_SOURCE_DIR "/base", 1 << 20) == RA_EINVAL);
}

RA_TEST(line_of_offsets)
{
	/* "ab\ncd\n\nx": lines start at 0, 3, 6, 7 */
	const uint32_t starts[] = {0, 3, 6, 7};

	RA_CHECK(ra_line_of(starts, 4, 0) == 0);
	RA_CHECK(ra_line_of(starts, 4, 2) == 0); /* the newline belongs to its line */
	RA_CHECK(ra_line_of(starts, 4, 3) == 1);
	RA_CHECK(ra_line_of(starts, 4, 5) == 1);
	RA_CHECK(ra_line_of(starts, 4, 6) == 2); /* an empty line */
	RA_CHECK(ra_line_of(starts, 4, 7) == 3);
	RA_CHECK(ra_line_of(starts, 4, 1000) == 3); /* past the end: the last line */
	RA_CHECK(ra_line_of(starts, 1, 1000) == 0);
}

RA_TEST_MAIN()
