/* test_dep_jansson.c - jansson round trip with the shapes the LSP and model clients use, and a
 * malformed document reported with its position instead of crashing. */
#include "tests/ra_test.h"

#include <jansson.h>

RA_TEST(jansson_roundtrip_and_errors)
{
	const char *text = "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"textDocument/hover\","
	                   "\"params\":{\"position\":{\"line\":3,\"character\":14},"
	                   "\"text\":\"caf\\u00e9 \\\"q\\\"\"}}";
	json_error_t err;
	json_t *j = json_loads(text, 0, &err), *back;
	char *dumped;

	RA_CHECK(j != NULL);
	RA_CHECK_INT(json_integer_value(json_object_get(j, "id")), 7);
	RA_CHECK_INT(
	        json_integer_value(json_object_get(
	                json_object_get(json_object_get(j, "params"), "position"), "character")),
	        14);
	RA_CHECK_STR(json_string_value(json_object_get(json_object_get(j, "params"), "text")),
	             "caf\xc3\xa9 \"q\"");
	dumped = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	back = json_loads(dumped, 0, &err);
	RA_CHECK(json_equal(j, back));
	free(dumped);
	json_decref(back);
	json_decref(j);

	RA_CHECK(json_loads("{\"a\": [1, 2,", 0, &err) == NULL);
	RA_CHECK(err.line == 1);
	RA_CHECK(strlen(err.text) > 0);
}

RA_TEST_MAIN()
