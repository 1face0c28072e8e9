/* SPDX-License-Identifier: Apache-2.0 */
/*
 * testutil.h — small helpers shared by the unit tests: temporary
 * directories and files, reading a fixture.
 */
#ifndef ONSHI_TESTUTIL_H
#define ONSHI_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* mkdtemp under $TMPDIR; aborts the test program on failure. */
/* returns_nonnull: it aborts instead (GCC's sanitizer build otherwise
 * warns that a "%s" of it may be null). */
static inline __attribute__((returns_nonnull)) char *test_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *path = NULL;

	if (asprintf(&path, "%s/onshi-test-XXXXXX", base ? base : "/tmp") < 0 ||
	    !mkdtemp(path))
		abort();
	return path;
}

/* Write text to dir/name (creating dir/onshid.d if name starts with it). */
static inline void test_write(const char *dir, const char *name, const char *text)
{
	char path[4096];
	FILE *f;

	if (strncmp(name, "onshid.d/", 9) == 0) {
		snprintf(path, sizeof(path), "%s/onshid.d", dir);
		mkdir(path, 0755);
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		abort();
	fputs(text, f);
	fclose(f);
}

/* The whole of path, NUL-terminated, its length in *len (without the
 * NUL); aborts the test program when it cannot be read. */
static inline char *test_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0)
		abort();
	rewind(f);
	buf = malloc((size_t)n + 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
		abort();
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* rm -r dir (test files only: no symlink handling needed). */
static inline void test_rmtree(char *dir)
{
	char cmd[4200];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "warning: could not remove %s\n", dir);
	free(dir);
}

#endif
