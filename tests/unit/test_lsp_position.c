/* test_lsp_position.c - UTF-16 <-> byte columns and line indexes (lsp/position.h). */
#include "lsp/position.h"
#include "tests/ra_test.h"

RA_TEST(position_utf16_ascii)
{
	RA_CHECK_INT(ra_pos_utf16_to_byte("abc", 3, 2), 2);
	RA_CHECK_INT(ra_pos_byte_to_utf16("abc", 3, 2), 2);
	RA_CHECK_INT(ra_pos_utf16_to_byte("abc", 3, 99), 3);
	RA_CHECK_INT(ra_pos_byte_to_utf16("abc", 3, 99), 3);
}

RA_TEST(position_utf16_multibyte)
{
	/* "aé😀b": a(1 byte,1 unit) é(2,1) 😀(4,2) b(1,1) */
	static const char s[] = "a\xc3\xa9\xf0\x9f\x98\x80"
	                        "b";
	size_t n = sizeof(s) - 1;

	RA_CHECK_INT(ra_pos_utf16_to_byte(s, n, 1), 1);
	RA_CHECK_INT(ra_pos_utf16_to_byte(s, n, 2), 3);
	RA_CHECK_INT(ra_pos_utf16_to_byte(s, n, 4), 7);
	RA_CHECK_INT(ra_pos_utf16_to_byte(s, n, 3), 3); /* inside the surrogate pair */
	RA_CHECK_INT(ra_pos_byte_to_utf16(s, n, 7), 4);
	RA_CHECK_INT(ra_pos_byte_to_utf16(s, n, 8), 5);
	RA_CHECK_INT(ra_pos_byte_to_utf16(s, n, 2), 1); /* inside é */
}

RA_TEST(position_invalid_utf8)
{
	static const char s[] = "\xff\xc3x\xe2\x82";
	size_t n = sizeof(s) - 1;

	RA_CHECK_INT(ra_pos_byte_to_utf16(s, n, 5), 5);
	RA_CHECK_INT(ra_pos_utf16_to_byte(s, n, 3), 3);
	RA_CHECK(!ra_pos_is_ascii(s, n));
	RA_CHECK(ra_pos_is_ascii("plain", 5));
}

RA_TEST(position_lines)
{
	static const char t[] = "ab\r\n\xc3\xa9x\nlast";
	ra_lines l = {0};
	size_t n = sizeof(t) - 1;

	RA_CHECK_INT(ra_lines_build(&l, t, n), 0);
	RA_CHECK_INT(l.n, 3);
	RA_CHECK_INT(ra_lines_len(&l, t, n, 0), 2);
	RA_CHECK_INT(ra_lines_len(&l, t, n, 1), 3);
	RA_CHECK_INT(ra_lines_offset(&l, t, n, 1, 1, true), 6);
	RA_CHECK_INT(ra_lines_offset(&l, t, n, 1, 1, false), 5);
	RA_CHECK_INT(ra_lines_offset(&l, t, n, 0, 50, true), 2); /* clamped to the line */
	RA_CHECK_INT(ra_lines_offset(&l, t, n, 9, 0, true), n);  /* past the last line */
	RA_CHECK_INT(ra_lines_col(&l, t, n, 1, 3, true), 2);
	RA_CHECK_INT(ra_lines_col(&l, t, n, 1, 3, false), 3);
	RA_CHECK_INT(ra_lines_col(&l, t, n, 7, 3, true), 0);
	ra_lines_free(&l);
}

RA_TEST_MAIN()
