/* log.c - formatting front end of the logger callback. */
#include "base/base.h"

#include <stdio.h>

void ra_log(const ra_logger *lg, ra_log_level level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!lg || !lg->fn || level > lg->level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	lg->fn(level, msg, lg->payload);
}

const char *ra_log_level_name(ra_log_level level)
{
	static const char *const names[] = {"error", "warning", "info", "debug"};

	return (unsigned)level < 4 ? names[level] : "?";
}
