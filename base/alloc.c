/* alloc.c - allocation wrappers with a per-thread failure-injection hook for tests. */
#include "base/base.h"

#include <stdlib.h>
#include <string.h>

static _Thread_local long fail_after = -1;

/* true when the hook says this allocation must fail */
static bool injected_failure(void)
{
	if (fail_after < 0)
		return false;
	if (fail_after == 0)
		return true;
	fail_after--;
	return false;
}

void ra_alloc_fail_after(long n)
{
	fail_after = n;
}

void *ra_malloc(size_t size)
{
	void *p = injected_failure() ? NULL : malloc(size ? size : 1);

	if (!p)
		ra_error_oom();
	return p;
}

void *ra_calloc(size_t n, size_t size)
{
	void *p = injected_failure() ? NULL : calloc(n ? n : 1, size ? size : 1);

	if (!p)
		ra_error_oom();
	return p;
}

void *ra_realloc(void *ptr, size_t size)
{
	void *p = injected_failure() ? NULL : realloc(ptr, size ? size : 1);

	if (!p)
		ra_error_oom();
	return p;
}

void ra_free(void *ptr)
{
	free(ptr);
}

char *ra_strndup(const char *s, size_t n)
{
	char *p = ra_malloc(n + 1);

	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *ra_strdup(const char *s)
{
	return ra_strndup(s, strlen(s));
}

int ra_grow(void **items, size_t *cap, size_t need, size_t elem)
{
	size_t ncap = *cap ? *cap : 8;
	void *p;

	if (need <= *cap)
		return RA_OK;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2 / elem)
			return ra_error_oom();
		ncap *= 2;
	}
	p = ra_realloc(*items, ncap * elem);
	if (!p)
		return RA_ENOMEM;
	*items = p;
	*cap = ncap;
	return RA_OK;
}
