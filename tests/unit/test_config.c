/* test_config.c - settings: defaults from the table, overrides, warnings for unknown keys,
 * errors naming the key and what it accepts, the VHDL library table, the workspace file. */
#define _DEFAULT_SOURCE
#include "daemon/config.h"
#include "tests/ra_test.h"

#include <stdlib.h>

static void record(ra_log_level level, const char *msg, void *payload)
{
	(void)level;
	strncpy(payload, msg, 255);
}

RA_TEST(config_defaults_and_overrides)
{
	ra_config *c = ra_config_new();
	char warned[256] = "";
	ra_logger lg = {record, warned, RA_LOG_DEBUG};
	const char text[] =
	        "# comment\nstate_dir = \"/tmp/x\"\n[index]\nthreads = 3  # trailing\n"
	        "max_file_size = 1_000_000\nsystemverilog_extensions = [\".sv\", \".sva\"]\n"
	        "colour = 2\n[vhdl.libraries]\n\"vendor/ieee/\" = \"ieee\"\n";

	RA_CHECK(c != NULL);
	RA_CHECK_STR(c->state_dir, ".rtlassist");
	RA_CHECK_INT(c->threads, 0);
	RA_CHECK_INT(c->max_file_size, 8388608);
	RA_CHECK_STR(c->sv_exts[0], ".sv");
	RA_CHECK_STR(c->vhdl_exts[1], ".vhdl");
	RA_CHECK(ra_config_parse(c, text, sizeof(text) - 1, "t.toml", &lg) == 0);
	RA_CHECK_STR(c->state_dir, "/tmp/x");
	RA_CHECK_INT(c->threads, 3);
	RA_CHECK_INT(c->max_file_size, 1000000);
	RA_CHECK_STR(c->sv_exts[1], ".sva");
	RA_CHECK(c->sv_exts[2] == NULL);
	RA_CHECK_INT(c->nvhdl_libraries, 1);
	RA_CHECK_STR(c->vhdl_libraries[0].key, "vendor/ieee");
	RA_CHECK_STR(c->vhdl_libraries[0].value, "ieee");
	RA_CHECK_STR(warned, "t.toml:7: unknown setting 'index.colour' ignored");
	ra_config_free(c);
}

RA_TEST(config_bad_values_name_the_key)
{
	static const struct {
		const char *text, *expect;
	} cases[] = {
	        {"[index]\nthreads = 1000\n", "t.toml:2: index.threads: bad value; accepted: an "
	                                      "integer from 0 to 256"},
	        {"[index]\nthreads = many\n", "index.threads"},
	        {"state_dir = unquoted\n", "state_dir: bad value; accepted: a \"string\""},
	        {"[index]\nvhdl_extensions = \".vhd\"\n", "accepted: a list of \"strings\""},
	        {"just words\n", "t.toml:1: expected key = value"},
	        {"[vhdl.libraries]\n\"a\" = \n", "vhdl.libraries"},
	        {"[index]\nthreads = 2 3\n", "unexpected text after the value"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ra_config *c = ra_config_new();
		int rc = ra_config_parse(c, cases[i].text, strlen(cases[i].text), "t.toml", NULL);

		RA_CHECKF(rc == RA_EINVAL, "case %zu", i);
		RA_CHECKF(strstr(ra_error_last(), cases[i].expect) != NULL, "case %zu: %s", i,
		          ra_error_last());
		ra_config_free(c);
	}
}

RA_TEST(config_load_workspace_file_and_describe)
{
	char dir[] = "/tmp/ra_cfg_XXXXXX", path[4200];
	ra_config *c = NULL;
	ra_buf out;
	FILE *f;

	RA_CHECK(mkdtemp(dir));
	setenv("XDG_CONFIG_HOME", dir, 1); /* no user file there */
	snprintf(path, sizeof(path), "%s/.rtlassist.toml", dir);
	f = fopen(path, "w");
	fputs("[index]\nthreads = 2\n", f);
	fclose(f);
	RA_CHECK(ra_config_load(&c, dir, NULL) == 0);
	RA_CHECK_INT(c->threads, 2);
	ra_buf_init(&out, 0);
	RA_CHECK(ra_config_describe(&out, c, false) == 0);
	RA_CHECK(strstr(out.data, "index.threads = 2") != NULL);
	ra_buf_reset(&out);
	RA_CHECK(ra_config_describe(&out, c, true) == 0);
	RA_CHECK(strstr(out.data, "| `index.max_file_size` | `8388608` |") != NULL);
	ra_buf_free(&out);
	ra_config_free(c);

	/* every key of the table is documented in the README */
	char *readme = NULL;
	size_t len;
	RA_CHECK(ra_read_file(&readme, &len, RA_SOURCE_DIR "/README.md", 1 << 20) == 0);
	c = ra_config_new();
	ra_buf_init(&out, 0);
	RA_CHECK(ra_config_describe(&out, c, true) == 0);
	for (char *line = strtok(out.data, "\n"); line; line = strtok(NULL, "\n"))
		RA_CHECKF(strstr(readme, line) != NULL, "README lacks the row: %s", line);
	ra_buf_free(&out);
	ra_config_free(c);
	ra_free(readme);
}

/* what `rtlassist config` prints is a settings file giving the same settings back: strings
   escaped, the VHDL libraries as an inline table (found by tests/fuzz/fuzz_config.c) */
RA_TEST(config_description_parses_back)
{
	static const char text[] =
	        "state_dir = \"st \\\"q\\\" \\\\ x\"\n"
	        "[index]\nverilog_extensions = [\".v\", \".x\\\"y\"]\n"
	        "[vhdl.libraries]\n\"./ip/\" = \"ip_lib\"\n\"rtl\" = \"a\\\\b\"\n";
	ra_config *c = ra_config_new(), *again = ra_config_new();
	ra_buf first, second;

	RA_CHECK(c && again);
	RA_CHECK(ra_config_parse(c, text, sizeof(text) - 1, "t.toml", NULL) == 0);
	RA_CHECK_STR(c->state_dir, "st \"q\" \\ x");
	RA_CHECK_STR(c->verilog_exts[1], ".x\"y");
	RA_CHECK_INT(c->nvhdl_libraries, 2);
	ra_buf_init(&first, 0);
	ra_buf_init(&second, 0);
	RA_CHECK(ra_config_describe(&first, c, false) == 0);
	RA_CHECKF(
	        strstr(first.data, "vhdl.libraries = {\"ip\" = \"ip_lib\", \"rtl\" = \"a\\\\b\"}"),
	        "%s", first.data);
	RA_CHECK(ra_config_parse(again, first.data, first.len, "described", NULL) == 0);
	RA_CHECK_STR(again->state_dir, c->state_dir);
	RA_CHECK_STR(again->verilog_exts[1], ".x\"y");
	RA_CHECK_INT(again->nvhdl_libraries, 2);
	RA_CHECK_STR(again->vhdl_libraries[1].value, "a\\b");
	RA_CHECK(ra_config_describe(&second, again, false) == 0);
	RA_CHECK_STR(second.data, first.data);
	/* an inline table is checked like a section */
	RA_CHECK(ra_config_parse(again, "vhdl.libraries = {\"x\" = }", 25, "bad", NULL) ==
	         RA_EINVAL);
	RA_CHECK(strstr(ra_error_last(), "vhdl.libraries") != NULL);
	ra_buf_free(&first);
	ra_buf_free(&second);
	ra_config_free(c);
	ra_config_free(again);
}

RA_TEST_MAIN()
