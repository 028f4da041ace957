/*
 * test_postproc.c - the rules that turn a model's fill-in-the-middle reply into what the editor
 * shows (retriever/postproc.h): single- vs several-line, control tokens, suffix repeats, block
 * balance against what the suffix already closes (SystemVerilog and VHDL), indentation.
 */
#include "retriever/postproc.h"
#include "tests/ra_test.h"

/* the reply `model` at the cursor marked `|` in `buf`; the caller frees */
static char *post(const char *buf, const char *model, ra_lang lang)
{
	const char *bar = strchr(buf, '|');
	ra_postproc_opts o = {.prefix = buf,
	                      .prefix_len = (size_t)(bar - buf),
	                      .suffix = bar + 1,
	                      .suffix_len = strlen(bar + 1),
	                      .lang = lang};
	char *out;
	size_t n;

	if (ra_postproc_apply(&out, &n, model, strlen(model), &o))
		return NULL;
	if (strlen(out) != n) {
		ra_free(out);
		return NULL;
	}
	return out;
}

#define EXPECT(buf, model, lang, want)                                                             \
	do {                                                                                       \
		char *got_ = post(buf, model, lang);                                               \
		RA_CHECK(got_ != NULL);                                                            \
		if (strcmp(got_, want) != 0) {                                                     \
			RA_FAIL_("got \"%s\", want \"%s\"", got_, want);                           \
			ra_free(got_);                                                             \
			return;                                                                    \
		}                                                                                  \
		ra_free(got_);                                                                     \
	} while (0)

#define SV RA_LANG_SV
#define VHDL RA_LANG_VHDL

RA_TEST(postproc_single_line_modes)
{
	ra_postproc_opts o = {.lang = SV};
	const char *cases[][2] = {
	        /* prefix, suffix, and whether single */
	        {"  assign x = ", "\n"}, {"  .din(", ")\n"},
	        {"  foo(a, ", "b);\n"},  {"  always_ff @(posedge clk) begin", "\n"},
	        {"  ", "\nendmodule\n"}, {"  if (en)", "\n"},
	};
	bool want[] = {true, true, true, false, false, false};

	for (size_t i = 0; i < sizeof(want) / sizeof(*want); i++) {
		o.prefix = cases[i][0];
		o.prefix_len = strlen(cases[i][0]);
		o.suffix = cases[i][1];
		o.suffix_len = strlen(cases[i][1]);
		RA_CHECKF(ra_postproc_single_line(&o) == want[i], "case %zu", i);
	}
}

RA_TEST(postproc_single_line_cut_and_overlap)
{
	/* stops at the newline */
	EXPECT("module m;\n  assign x = |\nendmodule\n", "a & b;\n  assign y = c;", SV, "a & b;");
	/* the closing parenthesis the suffix already has is not repeated */
	EXPECT("module m;\n  fifo u (\n    .din(|),\n  );\nendmodule\n", "din_q),", SV, "din_q");
	/* a parenthesis the text opened itself stays */
	EXPECT("module m;\n  assign x = |;\nendmodule\n", "f(a) + g(b);", SV, "f(a) + g(b)");
	/* a control token ends the text */
	EXPECT("module m;\n  assign x = |\nendmodule\n", "a;<|endoftext|>junk", SV, "a;");
	/* nothing but blanks: nothing */
	EXPECT("module m;\n  assign x = |\nendmodule\n", "   \n  x", SV, "");
	/* carriage returns dropped */
	EXPECT("module m;\n  assign x = |\nendmodule\n", "a;\r\n", SV, "a;");
}

RA_TEST(postproc_balance_sv)
{
	/* the model closes the always block and the module, which the suffix already closes */
	EXPECT("module m;\n  always_ff @(posedge clk) begin\n    |\n  end\nendmodule\n",
	       "q <= d;\n    r <= q;\n  end\nendmodule\n", SV, "q <= d;\n    r <= q;");
	/* a begin/end pair the text opens and closes itself stays whole */
	EXPECT("module m;\n  always_comb begin\n    |\n  end\nendmodule\n",
	       "if (a) begin\n      y = 1;\n    end else begin\n      y = 0;\n    end\n  end\n", SV,
	       "if (a) begin\n      y = 1;\n    end else begin\n      y = 0;\n    end");
	/* nothing closes the block after the cursor: the model's end is kept */
	EXPECT("module m;\n  always_comb begin\n    |", "y = 1;\n  end\nendmodule\n", SV,
	       "y = 1;\n  end");
	/* endcase already in the suffix (same indentation as the cursor line's block) */
	EXPECT("module m;\n  always_comb\n    case (s)\n      |\n    endcase\nendmodule\n",
	       "2'd0: y = a;\n      2'd1: y = b;\n      endcase", SV,
	       "2'd0: y = a;\n      2'd1: y = b;");
	/* fork/join, `wait fork` is no block */
	EXPECT("module m;\n  initial begin\n    fork\n      |\n    join\n    wait fork;\n  end\n"
	       "endmodule\n",
	       "a();\n      b();\n      join", SV, "a();\n      b();");
}

RA_TEST(postproc_suffix_line_repeat)
{
	/* the model writes the line that follows the cursor again */
	EXPECT("module m;\n  logic a;\n  |\n  assign b = a;\nendmodule\n",
	       "assign c = a;\n  assign b = a;\n  assign d = a;", SV, "assign c = a;");
}

RA_TEST(postproc_indentation_ends_block)
{
	/* a line less indented than the cursor's ends the completion */
	EXPECT("module m;\n  initial begin\n    |",
	       "x = 1;\n    y = 2;\n  end\n\n  assign z = 0;\nendmodule", SV,
	       "x = 1;\n    y = 2;\n  end");
	/* at most max_lines lines */
	{
		const char *buf = "module m;\n  |";
		ra_postproc_opts o = {.prefix = buf,
		                      .prefix_len = strlen(buf) - 1,
		                      .suffix = "",
		                      .suffix_len = 0,
		                      .lang = SV,
		                      .max_lines = 2};
		char *out;
		size_t n;

		RA_CHECK(ra_postproc_apply(&out, &n, "a;\n  b;\n  c;\n", 12, &o) == 0);
		RA_CHECK_STR(out, "a;\n  b;");
		ra_free(out);
	}
}

RA_TEST(postproc_balance_vhdl)
{
	/* end if / end process the suffix has already */
	EXPECT("architecture a of e is\nbegin\n  process (clk) begin\n    if rising_edge(clk) "
	       "then\n      |\n    end if;\n  end process;\nend architecture;\n",
	       "q <= d;\n      r <= q;\n    end if;\n  end process;", VHDL,
	       "q <= d;\n      r <= q;");
	/* an if the text opens and closes itself */
	EXPECT("architecture a of e is\nbegin\n  process (clk) begin\n    |\n  end process;\nend "
	       "architecture;\n",
	       "if rst = '1' then\n      q <= '0';\n    end if;\n  end process;", VHDL,
	       "if rst = '1' then\n      q <= '0';\n    end if;");
	/* entity instantiation is not a unit header; `end` of the architecture is cut */
	EXPECT("architecture a of e is\nbegin\n  |\nend architecture;\n",
	       "u : entity work.f port map (a => b);\nend architecture;", VHDL,
	       "u : entity work.f port map (a => b);");
}

RA_TEST(postproc_comments_and_strings_ignored)
{
	/* an `end` inside a comment or a string does not count */
	EXPECT("module m;\n  initial begin\n    |\n  end\nendmodule\n",
	       "$display(\"end\"); // end\n  end", SV, "$display(\"end\"); // end");
}

RA_TEST_MAIN()
