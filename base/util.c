/* util.c - clock, whole-file reading and writing, lines of byte offsets. */
#define _POSIX_C_SOURCE 200809L
#include "base/base.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

double ra_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int ra_read_file(char **out, size_t *len, const char *path, size_t max)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	char *data;
	size_t n;

	if (!f)
		return ra_error_set(errno == ENOENT ? RA_ENOTFOUND : RA_ERR, "%s: %s", path,
		                    strerror(errno));
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		fclose(f);
		return ra_error_set(RA_EINVAL, "%s: not a regular file", path);
	}
	if ((uint64_t)st.st_size > max) {
		fclose(f);
		return ra_error_set(RA_ETOOBIG, "%s: %lld bytes is over the cap of %zu", path,
		                    (long long)st.st_size, max);
	}
	data = ra_malloc((size_t)st.st_size + 1);
	if (!data) {
		fclose(f);
		return RA_ENOMEM;
	}
	n = fread(data, 1, (size_t)st.st_size, f);
	fclose(f);
	data[n] = '\0';
	*out = data;
	*len = n;
	return RA_OK;
}

int ra_write_all(int fd, const void *data, size_t n)
{
	const char *p = data;

	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return ra_error_set(RA_ERR, "write: %s",
			                    w < 0 ? strerror(errno) : "no progress");
		p += w;
		n -= (size_t)w;
	}
	return RA_OK;
}

size_t ra_line_of(const uint32_t *starts, size_t n, size_t off)
{
	size_t lo = 0, hi = n;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (starts[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}
