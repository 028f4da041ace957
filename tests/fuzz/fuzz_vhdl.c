/*
 * fuzz_vhdl.c - fuzz target for the VHDL front end (indexer/vhdl.h): parses any bytes and checks
 * the model's invariants (model_check.h), and that a VHDL model has no includes.
 */
#include <stdint.h>

#include "indexer/vhdl.h"
#include "tests/fuzz/model_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ra_model *m = NULL;

	if (ra_vhdl_parse(&m, (const char *)data, size) != 0)
		return 0; /* out of memory: nothing to check */
	ra_fuzz_check(m->lang == RA_LANG_VHDL);
	ra_fuzz_check(m->nincludes == 0);
	ra_fuzz_check_model(m, data, size);
	ra_model_free(m);
	return 0;
}
