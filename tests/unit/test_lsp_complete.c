/* test_lsp_complete.c - completion context detection (lsp/complete.h). The cursor is where
 * the text contains '|'. */
#include "lsp/complete.h"
#include "tests/ra_test.h"

static void ctx(ra_cc *cc, const char *text_with_bar, bool vhdl)
{
	char buf[1024];
	const char *bar = strchr(text_with_bar, '|');
	size_t off = (size_t)(bar - text_with_bar);

	snprintf(buf, sizeof(buf), "%.*s%s", (int)off, text_with_bar, bar + 1);
	ra_complete_context(cc, buf, strlen(buf), off, vhdl);
}

RA_TEST(complete_sv_contexts)
{
	ra_cc cc;

	ctx(&cc, "module m; logic a; assign a = x|", false);
	RA_CHECK_INT(cc.kind, RA_CC_IDENT);
	RA_CHECK_STR(cc.prefix, "x");
	RA_CHECK(!cc.statement_start);

	ctx(&cc, "module m;\n  fi|\nendmodule", false);
	RA_CHECK_INT(cc.kind, RA_CC_IDENT);
	RA_CHECK(cc.statement_start);

	ctx(&cc, "assign y = `DA|", false);
	RA_CHECK_INT(cc.kind, RA_CC_MACRO);
	RA_CHECK_STR(cc.prefix, "DA");

	ctx(&cc, "x = fix_pkg::ST|", false);
	RA_CHECK_INT(cc.kind, RA_CC_PKG_MEMBER);
	RA_CHECK_STR(cc.target, "fix_pkg");
	RA_CHECK_STR(cc.prefix, "ST");

	ctx(&cc, "  fifo u (.clk(clk), .|", false);
	RA_CHECK_INT(cc.kind, RA_CC_PORTS);
	RA_CHECK_STR(cc.target, "fifo");
	RA_CHECK(cc.dot);
	RA_CHECK_INT(cc.arg_index, 1);
	RA_CHECK_STR(cc.formal, "");

	/* escaped identifiers keep their backslash, as the index names them */
	ctx(&cc, "  \\$lut #(.WIDTH(4)) u (.A(a), .|", false);
	RA_CHECK_INT(cc.kind, RA_CC_PORTS);
	RA_CHECK_STR(cc.target, "\\$lut");
	ctx(&cc, "  \\$dff u (.|", false);
	RA_CHECK_INT(cc.kind, RA_CC_PORTS);
	RA_CHECK_STR(cc.target, "\\$dff");

	ctx(&cc, "  fifo #(.W(8)) u (.clk(clk), .din(d|", false);
	RA_CHECK_INT(cc.kind, RA_CC_PORTS);
	RA_CHECK_STR(cc.target, "fifo");
	RA_CHECK_STR(cc.formal, "din");
	RA_CHECK_INT(cc.arg_index, 1);

	ctx(&cc, "  fifo #(.DEPTH(4), |", false);
	RA_CHECK_INT(cc.kind, RA_CC_PARAMS);
	RA_CHECK_STR(cc.target, "fifo");

	ctx(&cc, "  x = popcount(a, |", false);
	RA_CHECK_INT(cc.kind, RA_CC_CALL);
	RA_CHECK_STR(cc.target, "popcount");
	RA_CHECK_INT(cc.arg_index, 1);

	ctx(&cc, "module m (input a, |", false);
	RA_CHECK_INT(cc.kind, RA_CC_IDENT);

	ctx(&cc, "  fifo u (.a(b));\n  assign c = |", false);
	RA_CHECK_INT(cc.kind, RA_CC_IDENT);
}

RA_TEST(complete_vhdl_contexts)
{
	ra_cc cc;

	ctx(&cc, "  u : entity work.fi|", true);
	RA_CHECK_INT(cc.kind, RA_CC_LIBRARY_UNIT);
	RA_CHECK_STR(cc.target, "work");
	RA_CHECK(cc.vhdl_entity);

	ctx(&cc, "  u : entity work.fifo(rtl)\n    generic map (D => 1)\n    port map (clk => c, |",
	    true);
	RA_CHECK_INT(cc.kind, RA_CC_PORTS);
	RA_CHECK_STR(cc.target, "fifo");
	RA_CHECK_INT(cc.arg_index, 1);

	ctx(&cc, "  u : fifo generic map (DEPTH => |", true);
	RA_CHECK_INT(cc.kind, RA_CC_PARAMS);
	RA_CHECK_STR(cc.target, "fifo");
	RA_CHECK_STR(cc.formal, "DEPTH");

	ctx(&cc, "  u_x : |", true);
	RA_CHECK_INT(cc.kind, RA_CC_IDENT);
	RA_CHECK(cc.statement_start);

	ctx(&cc, "  s <= ieee.numeric_std.|", true);
	RA_CHECK_INT(cc.kind, RA_CC_LIBRARY_UNIT);
	RA_CHECK_STR(cc.target, "numeric_std");
}

RA_TEST(complete_out_of_range)
{
	ra_cc cc;

	ra_complete_context(&cc, "abc", 3, 99, false);
	RA_CHECK_STR(cc.prefix, "abc");
	ra_complete_context(&cc, "", 0, 0, true);
	RA_CHECK_INT(cc.kind, RA_CC_IDENT);
}

RA_TEST_MAIN()
