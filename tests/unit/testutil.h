/* SPDX-License-Identifier: Apache-2.0 */
/*
 * testutil.h — small helpers shared by the unit tests: temporary
 * directories and files.
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
