/*
 * fuzz_config.c - fuzz target for the settings files (daemon/config.h): any bytes as a
 * `.rtlassist.toml` are applied or refused with RA_EINVAL, never crash; and what `rtlassist
 * config` prints of settings that were accepted (ra_config_describe) is itself a settings file
 * that gives the same settings back: parsed again and printed again, it prints the same.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/config.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* the settings of c as `rtlassist config` prints them; NULL on OOM */
static char *describe(const ra_config *c)
{
	ra_buf b;

	ra_buf_init(&b, 0);
	if (ra_config_describe(&b, c, false) != 0) {
		ra_buf_free(&b);
		return NULL;
	}
	return ra_buf_detach(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ra_logger lg = {ra_fuzz_quiet, NULL, RA_LOG_DEBUG};
	ra_config *c = ra_config_new(), *again = NULL;
	char *first = NULL, *second = NULL;
	int rc;

	if (!c)
		return 0;
	rc = ra_config_parse(c, (const char *)data, size, "fuzz.toml", &lg);
	ra_fuzz_check_at(rc == 0 || rc == RA_EINVAL || rc == RA_ENOMEM,
	                 "parse returns 0 or an error code", __LINE__);
	if (rc == 0 && (first = describe(c)) != NULL && (again = ra_config_new()) != NULL) {
		rc = ra_config_parse(again, first, strlen(first), "described.toml", &lg);
		if (rc != 0)
			fprintf(stderr, "%s\n--- refused: %s\n", first, ra_error_last());
		ra_fuzz_check_at(rc == 0, "the description of accepted settings is accepted",
		                 __LINE__);
		second = describe(again);
		if (second && strcmp(first, second) != 0)
			fprintf(stderr, "%s\n--- described again ---\n%s\n", first, second);
		ra_fuzz_check_at(!second || strcmp(first, second) == 0, "described twice, the same",
		                 __LINE__);
	}
	ra_free(first);
	ra_free(second);
	ra_config_free(again);
	ra_config_free(c);
	return 0;
}
