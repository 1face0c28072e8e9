/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_spool.c — the durable spool: records survive a reopen (our stand-in
 * for a crash: everything is on disk before a call returns), duplicates are
 * refused, delivered records vanish, and damaged files are set aside, never
 * silently lost.
 */
#include "config.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "spool.h"
#include "testutil.h"

static struct onshi_spool *open_spool(const char *dir)
{
	struct onshi_spool *s;
	char msg[256];

	assert_int_equal(onshi_spool_open(dir, &s, msg, sizeof(msg)), ONSHI_OK);
	return s;
}

static int count_files(const char *dir, const char *suffix)
{
	char cmd[4300];
	FILE *p;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "ls -A '%s' | grep -c -- '%s$'", dir, suffix);
	p = popen(cmd, "r");
	if (p && fscanf(p, "%d", &n) != 1)
		n = -1;
	if (p)
		pclose(p);
	return n;
}

static void test_accept_answer_reopen(void **state)
{
	char *dir = test_tmpdir(), spooldir[4200], msg[256];
	struct onshi_spool *s;
	struct onshi_spool_entry *a, *b, *dup, *e;
	size_t unanswered;
	struct stat st;

	(void)state;
	snprintf(spooldir, sizeof(spooldir), "%s/spool", dir);
	s = open_spool(spooldir);
	assert_int_equal(stat(spooldir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);

	assert_int_equal(onshi_spool_accept(s, "rececon:a", "OQSsiquc01req_1.xml",
					    1, "<XmlMsg/>\n\n", 11, &a, msg,
					    sizeof(msg)),
			 ONSHI_OK);
	assert_int_equal(onshi_spool_accept(s, "rececon:a", "OQSsiquc01req_2.xml",
					    1, "", 0, &b, msg, sizeof(msg)),
			 ONSHI_OK);
	/* The same id from the same module again: refused, same entry. */
	assert_int_equal(onshi_spool_accept(s, "rececon:a", "OQSsiquc01req_1.xml",
					    1, "x", 1, &dup, msg, sizeof(msg)),
			 ONSHI_EEXIST);
	assert_ptr_equal(dup, a);
	/* Another module may use the same id. */
	assert_int_equal(onshi_spool_accept(s, "rececon:b", "OQSsiquc01req_1.xml",
					    1, "y", 1, &e, msg, sizeof(msg)),
			 ONSHI_OK);
	assert_int_equal(onshi_spool_answer(s, a, 1, "<err/>", 6, msg, sizeof(msg)),
			 ONSHI_OK);
	assert_int_equal(onshi_spool_count(s, &unanswered), 3);
	assert_int_equal(unanswered, 2);

	/* Spool files are private. */
	char path[4300];
	snprintf(path, sizeof(path), "%s/%020d.req", spooldir, 1);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	onshi_spool_close(s);

	s = open_spool(spooldir);
	assert_int_equal(onshi_spool_count(s, &unanswered), 3);
	assert_int_equal(unanswered, 2);
	e = onshi_spool_first(s);
	assert_int_equal(e->seq, 1);
	assert_string_equal(e->module, "rececon:a");
	assert_string_equal(e->request_id, "OQSsiquc01req_1.xml");
	assert_int_equal(e->kind, 1);
	assert_int_equal(e->body_len, 11);
	assert_memory_equal(e->body, "<XmlMsg/>\n\n", 11); /* payload kept exactly */
	assert_true(e->answered);
	assert_true(e->answer_is_error);
	assert_string_equal(e->answer, "<err/>");
	assert_int_equal(e->next->body_len, 0);
	assert_false(e->next->answered);
	/* Duplicates are still refused after the reopen. */
	assert_int_equal(onshi_spool_accept(s, "rececon:a", "OQSsiquc01req_2.xml",
					    1, "", 0, &dup, msg, sizeof(msg)),
			 ONSHI_EEXIST);
	/* New sequence numbers continue after the recovered ones. */
	assert_int_equal(onshi_spool_accept(s, "rececon:a", "n", 1, "z", 1, &b,
					    msg, sizeof(msg)),
			 ONSHI_OK);
	assert_int_equal(b->seq, 4);

	onshi_spool_delivered(s, e);
	assert_int_equal(onshi_spool_count(s, NULL), 3);
	assert_int_equal(count_files(spooldir, ".req"), 3);
	assert_int_equal(count_files(spooldir, ".ans"), 0);
	onshi_spool_close(s);
	test_rmtree(dir);
}

static void write_raw(const char *dir, const char *name, const char *text)
{
	test_write(dir, name, text);
}

static void test_damaged_files(void **state)
{
	char *dir = test_tmpdir(), msg[256];
	struct onshi_spool *s;
	struct onshi_spool_entry *e;

	(void)state;
	/* A good record, one with a wrong length, garbage, a half-written
	 * temp file and an orphan answer. */
	write_raw(dir, "00000000000000000007.req",
		  "onshi-spool 1\nmodule rececon:a\nid r7\nkind 1\nlength 3\n\nabc");
	write_raw(dir, "00000000000000000008.req",
		  "onshi-spool 1\nmodule rececon:a\nid r8\nkind 1\nlength 99\n\nabc");
	write_raw(dir, "00000000000000000009.req", "\x01\x02 not a record");
	write_raw(dir, ".00000000000000000010.req.tmp", "half");
	write_raw(dir, "00000000000000000011.ans",
		  "onshi-spool 1\nerror 0\nlength 1\n\nx");
	assert_int_equal(onshi_spool_open(dir, &s, msg, sizeof(msg)), ONSHI_OK);
	assert_non_null(strstr(msg, "corrupt records set aside"));
	assert_int_equal(onshi_spool_count(s, NULL), 1);
	e = onshi_spool_first(s);
	assert_string_equal(e->request_id, "r7");
	assert_string_equal(e->body, "abc");
	assert_int_equal(count_files(dir, ".corrupt"), 2);
	assert_int_equal(count_files(dir, ".tmp"), 0);
	assert_int_equal(count_files(dir, ".ans"), 0);
	/* Numbering continues after the highest good record (damaged ones
	 * were renamed, so their numbers are free). */
	assert_int_equal(onshi_spool_accept(s, "rececon:a", "new", 1, "q", 1,
					    &e, msg, sizeof(msg)),
			 ONSHI_OK);
	assert_int_equal(e->seq, 8);
	onshi_spool_close(s);
	test_rmtree(dir);
}

static void test_refusals(void **state)
{
	char *dir = test_tmpdir(), msg[256], bad[4300];
	struct onshi_spool *s;
	struct onshi_spool_entry *e;

	(void)state;
	s = open_spool(dir);
	assert_int_equal(onshi_spool_accept(s, "rececon:a", "two\nlines", 1,
					    "x", 1, &e, msg, sizeof(msg)),
			 ONSHI_EINVAL);
	assert_null(e);
	onshi_spool_close(s);
	/* A spool path that is a file cannot be opened. */
	snprintf(bad, sizeof(bad), "%s/file", dir);
	test_write(dir, "file", "x");
	assert_int_not_equal(onshi_spool_open(bad, &s, msg, sizeof(msg)), ONSHI_OK);
	assert_non_null(strstr(msg, "spool"));
	test_rmtree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accept_answer_reopen),
		cmocka_unit_test(test_damaged_files),
		cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests_name("spool", tests, NULL, NULL);
}
