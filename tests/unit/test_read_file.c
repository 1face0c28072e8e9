/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_read_file.c — onshi_read_file(): a file read whole and
 * NUL-terminated, the size limit (at the limit read, one byte over
 * refused), a missing file, a directory, a FIFO and a symbolic link as the
 * flags ask, and a non-regular stream read to its end.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <onshi/error.h>

#include "read_file.h"

static char dir[64];

static int make_dir(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_read_file.XXXXXX");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int remove_dir(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void put(const char *name, const char *data, size_t len)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static int read_in_dir(const char *name, size_t max, int flags, char **buf,
		       size_t *len, struct onshi_read_fail *fail)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY), rc;

	assert_true(dfd >= 0);
	rc = onshi_read_file(dfd, name, max, flags, buf, len, fail);
	close(dfd);
	return rc;
}

static void reads_whole_file(void **state)
{
	char *buf, path[128];
	size_t len;

	(void)state;
	put("a", "hello\0world", 11);
	snprintf(path, sizeof(path), "%s/a", dir);
	assert_int_equal(onshi_read_file(AT_FDCWD, path, 100, 0, &buf, &len, NULL),
			 ONSHI_OK);
	assert_int_equal(len, 11);
	assert_memory_equal(buf, "hello\0world", 12); /* NUL after the end */
	free(buf);
}

static void size_limit(void **state)
{
	struct onshi_read_fail fail;
	char *buf;
	size_t len;

	(void)state;
	put("b", "0123456789", 10);
	assert_int_equal(read_in_dir("b", 10, 0, &buf, &len, &fail), ONSHI_OK);
	assert_int_equal(len, 10);
	free(buf);
	assert_int_equal(read_in_dir("b", 9, 0, &buf, &len, &fail), ONSHI_ETOOBIG);
	assert_null(buf);
	assert_int_equal(fail.size, 10);
	put("empty", "", 0);
	assert_int_equal(read_in_dir("empty", 0, 0, &buf, &len, &fail), ONSHI_OK);
	assert_int_equal(len, 0);
	assert_string_equal(buf, "");
	free(buf);
}

static void missing_file(void **state)
{
	struct onshi_read_fail fail;
	char *buf;
	size_t len;

	(void)state;
	assert_int_equal(read_in_dir("nope", 10, 0, &buf, &len, &fail),
			 ONSHI_ENOTFOUND);
	assert_int_equal(fail.err, ENOENT);
	assert_true(fail.at_open);
	assert_null(buf);
	assert_int_equal(read_in_dir("nope/x", 10, 0, &buf, &len, &fail),
			 ONSHI_ENOTFOUND);
}

static void not_regular(void **state)
{
	struct onshi_read_fail fail;
	char *buf, path[128];
	size_t len;

	(void)state;
	assert_int_equal(onshi_read_file(AT_FDCWD, dir, 10, ONSHI_READ_REGULAR,
					 &buf, &len, &fail),
			 ONSHI_EINVAL);
	/* Without the flag a directory fails at read(). */
	assert_int_equal(onshi_read_file(AT_FDCWD, dir, 10, 0, &buf, &len, &fail),
			 ONSHI_EIO);
	assert_int_equal(fail.err, EISDIR);
	assert_false(fail.at_open);
	/* A FIFO with no writer is refused without blocking. */
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(onshi_read_file(AT_FDCWD, path, 10, ONSHI_READ_REGULAR,
					 &buf, &len, &fail),
			 ONSHI_EINVAL);
}

static void symlink_refused_with_nofollow(void **state)
{
	struct onshi_read_fail fail;
	char *buf, path[128];
	size_t len;

	(void)state;
	put("target", "x", 1);
	snprintf(path, sizeof(path), "%s/link", dir);
	assert_int_equal(symlink("target", path), 0);
	assert_int_equal(read_in_dir("link", 10, 0, &buf, &len, &fail), ONSHI_OK);
	free(buf);
	assert_int_equal(read_in_dir("link", 10, ONSHI_READ_NOFOLLOW, &buf,
				     &len, &fail),
			 ONSHI_EIO);
	assert_int_equal(fail.err, ELOOP);
}

/* Read a pipe holding n bytes of big through its /dev/fd name. */
static int read_pipe(const char *big, size_t n, size_t max, char **buf, size_t *len)
{
	char path[64];
	int p[2], rc;

	assert_int_equal(pipe(p), 0);
	/* Less than a pipe buffer: the write does not block. */
	assert_int_equal(write(p[1], big, n), (ssize_t)n);
	close(p[1]);
	snprintf(path, sizeof(path), "/dev/fd/%d", p[0]);
	rc = onshi_read_file(AT_FDCWD, path, max, 0, buf, len, NULL);
	close(p[0]);
	return rc;
}

static void stream_read_to_end(void **state)
{
	char *buf, big[5000];
	size_t len;

	(void)state;
	memset(big, 'z', sizeof(big));
	assert_int_equal(read_pipe(big, sizeof(big), 4999, &buf, &len), ONSHI_ETOOBIG);
	assert_int_equal(read_pipe(big, sizeof(big), 5000, &buf, &len), ONSHI_OK);
	assert_int_equal(len, 5000);
	assert_memory_equal(buf, big, 5000);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reads_whole_file),
		cmocka_unit_test(size_limit),
		cmocka_unit_test(missing_file),
		cmocka_unit_test(not_regular),
		cmocka_unit_test(symlink_refused_with_nofollow),
		cmocka_unit_test(stream_read_to_end),
	};

	return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
