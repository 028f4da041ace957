/*
 * replay.c - runs a fuzz target's LLVMFuzzerTestOneInput over every file of its corpus, so each
 * corpus replays as an ordinary test in every build (libFuzzer or not, sanitizers or not).
 *
 *   fuzz_X_replay DIR...   exit 0 when every input ran; a broken invariant aborts.
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f)
		return -1;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return -1;
	}
	/* an exact-size copy, so reading past the input trips the address sanitizer */
	buf = malloc(n ? (size_t)n : 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	int files = 0, failed = 0;

	for (int a = 1; a < argc; a++) {
		DIR *d = opendir(argv[a]);
		struct dirent *e;

		if (!d) {
			fprintf(stderr, "cannot open %s\n", argv[a]);
			return 1;
		}
		while ((e = readdir(d)) != NULL) {
			char path[4096];
			struct stat st;

			snprintf(path, sizeof(path), "%s/%s", argv[a], e->d_name);
			if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
				continue;
			if (run_file(path) != 0) {
				fprintf(stderr, "cannot read %s\n", path);
				failed++;
			}
			files++;
		}
		closedir(d);
	}
	printf("%d inputs replayed, %d unreadable\n", files, failed);
	return failed || files == 0;
}
