/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_atomic_file.c — onshi_write_file_atomic(): a file appears whole with
 * exactly the asked mode, replaces what was there (a symlink is replaced,
 * never followed), bad names are refused, an unwritable folder gives a
 * reason an operator can act on, and no temporary file is ever left behind.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <dirent.h>

#include <cmocka.h>

#include <onshi/error.h>

#include "atomic_file.h"
#include "testutil.h"

/* Read dir/name into buf (NUL-terminated); its length or -1. */
static ssize_t slurp(const char *dir, const char *name, char *buf, size_t len)
{
	char path[4200];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

/* Entries of dir whose name starts with '.' (other than . and ..). */
static int count_hidden(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] == '.' && strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void test_write_new(void **state)
{
	char *dir = test_tmpdir(), buf[256], msg[256], path[4200];
	struct stat st;
	mode_t old = umask(077);

	(void)state;
	assert_int_equal(onshi_write_file_atomic(dir, "OQSsiquc01res_1.xml",
						 "<XmlMsg/>\n", 10, 0640, msg,
						 sizeof(msg)),
			 ONSHI_OK);
	umask(old);
	assert_int_equal(slurp(dir, "OQSsiquc01res_1.xml", buf, sizeof(buf)), 10);
	assert_string_equal(buf, "<XmlMsg/>\n");
	snprintf(path, sizeof(path), "%s/OQSsiquc01res_1.xml", dir);
	assert_int_equal(stat(path, &st), 0);
	/* The mode is exact despite the restrictive umask. */
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(count_hidden(dir), 0);

	/* An empty file is a file too. */
	assert_int_equal(onshi_write_file_atomic(dir, "empty", "", 0, 0600, msg,
						 sizeof(msg)),
			 ONSHI_OK);
	assert_int_equal(slurp(dir, "empty", buf, sizeof(buf)), 0);
	/* msg may be NULL. */
	assert_int_equal(onshi_write_file_atomic(dir, "nomsg", "x", 1, 0600, NULL, 0),
			 ONSHI_OK);
	test_rmtree(dir);
}

static void test_replace(void **state)
{
	char *dir = test_tmpdir(), *other = test_tmpdir(), buf[256], msg[256];
	char link[4200], target[4200];
	struct stat st;

	(void)state;
	assert_int_equal(onshi_write_file_atomic(dir, "r.xml", "first version",
						 13, 0600, msg, sizeof(msg)),
			 ONSHI_OK);
	assert_int_equal(onshi_write_file_atomic(dir, "r.xml", "second", 6,
						 0644, msg, sizeof(msg)),
			 ONSHI_OK);
	assert_int_equal(slurp(dir, "r.xml", buf, sizeof(buf)), 6);
	assert_string_equal(buf, "second");

	/* A symlink at the name is replaced, its target left alone. */
	test_write(other, "victim", "precious");
	snprintf(target, sizeof(target), "%s/victim", other);
	snprintf(link, sizeof(link), "%s/l.xml", dir);
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(onshi_write_file_atomic(dir, "l.xml", "result", 6,
						 0600, msg, sizeof(msg)),
			 ONSHI_OK);
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(slurp(other, "victim", buf, sizeof(buf)), 8);
	assert_string_equal(buf, "precious");
	assert_int_equal(count_hidden(dir), 0);
	test_rmtree(other);
	test_rmtree(dir);
}

static void test_bad_names(void **state)
{
	static const char *const bad[] = { "",     ".",           "..",  "a/b",
					   "../x", "/etc/passwd", "res/" };
	char *dir = test_tmpdir(), msg[256], longname[300];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		msg[0] = '\0';
		assert_int_equal(onshi_write_file_atomic(dir, bad[i], "x", 1,
							 0600, msg, sizeof(msg)),
				 ONSHI_EINVAL);
		assert_true(msg[0] != '\0');
	}
	assert_int_equal(onshi_write_file_atomic(dir, NULL, "x", 1, 0600, msg,
						 sizeof(msg)),
			 ONSHI_EINVAL);
	memset(longname, 'a', 256);
	longname[256] = '\0';
	assert_int_equal(onshi_write_file_atomic(dir, longname, "x", 1, 0600,
						 msg, sizeof(msg)),
			 ONSHI_EINVAL);
	assert_non_null(strstr(msg, "256 bytes"));
	/* 255 bytes is still a valid name (the temp name is shortened). */
	longname[255] = '\0';
	assert_int_equal(onshi_write_file_atomic(dir, longname, "x", 1, 0600,
						 msg, sizeof(msg)),
			 ONSHI_OK);
	assert_int_equal(count_hidden(dir), 0);
	test_rmtree(dir);
}

static void test_missing_dir(void **state)
{
	char *dir = test_tmpdir(), gone[4200], msg[256];

	(void)state;
	snprintf(gone, sizeof(gone), "%s/nope", dir);
	assert_int_equal(onshi_write_file_atomic(gone, "x.xml", "x", 1, 0600,
						 msg, sizeof(msg)),
			 ONSHI_ENOTFOUND);
	assert_non_null(strstr(msg, "No such file or directory"));
	assert_non_null(strstr(msg, "x.xml"));
	test_rmtree(dir);
}

/* The rename fails (a folder holds the name): the temp file must go. */
static void test_failure_cleans_up(void **state)
{
	char *dir = test_tmpdir(), sub[2048], msg[256];

	(void)state;
	snprintf(sub, sizeof(sub), "%s/taken.xml", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	test_write(sub, "inside", "keep");
	assert_int_equal(onshi_write_file_atomic(dir, "taken.xml", "data", 4,
						 0600, msg, sizeof(msg)),
			 ONSHI_EIO);
	assert_non_null(strstr(msg, "rename"));
	assert_int_equal(count_hidden(dir), 0);
	test_rmtree(dir);
}

/*
 * A read-only folder: as root, permissions do not bind, so a child drops
 * to an unprivileged user first.
 */
static void test_readonly_dir(void **state)
{
	char *dir = test_tmpdir(), ro[4200];
	pid_t pid;
	int status;

	(void)state;
	snprintf(ro, sizeof(ro), "%s/ro", dir);
	assert_int_equal(mkdir(ro, 0755), 0);
	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(chmod(ro, 0555), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char msg[256];
		int rc;

		free(dir); /* the child exits under valgrind's leak check too */
		if (geteuid() == 0 && (setgid(65534) < 0 || setuid(65534) < 0))
			_exit(3);
		rc = onshi_write_file_atomic(ro, "r.xml", "x", 1, 0600, msg,
					     sizeof(msg));
		if (rc != ONSHI_EIO)
			_exit(1);
		if (!strstr(msg, "Permission denied") ||
		    !strstr(msg, "permissions") || !strstr(msg, "r.xml"))
			_exit(2);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(count_hidden(ro), 0);
	chmod(ro, 0755);
	test_rmtree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_new),
		cmocka_unit_test(test_replace),
		cmocka_unit_test(test_bad_names),
		cmocka_unit_test(test_missing_dir),
		cmocka_unit_test(test_failure_cleans_up),
		cmocka_unit_test(test_readonly_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
