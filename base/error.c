/* error.c - thread-local last-error message and return-code names. */
#include "base/base.h"

#include <stdio.h>
#include <string.h>

static _Thread_local char last_error[512];

int ra_error_set(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	/* keep it one line */
	for (char *p = last_error; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	return code;
}

int ra_error_oom(void)
{
	static const char msg[] = "out of memory";

	memcpy(last_error, msg, sizeof(msg));
	return RA_ENOMEM;
}

const char *ra_error_last(void)
{
	return last_error;
}

void ra_error_clear(void)
{
	last_error[0] = '\0';
}

const char *ra_error_name(int code)
{
	switch (code) {
	case RA_OK:
		return "ok";
	case RA_ENOTFOUND:
		return "not found";
	case RA_ECANCELLED:
		return "cancelled";
	case RA_ETOOBIG:
		return "too big";
	case RA_ENOMEM:
		return "out of memory";
	case RA_EINVAL:
		return "invalid input";
	case RA_EBUSY:
		return "busy";
	default:
		return "error";
	}
}
