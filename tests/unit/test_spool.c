/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_spool.c — the durable spool: records survive a reopen (our stand-in
 * for a crash: everything is on disk before a call returns), duplicates are
 * refused, delivered records vanish, a write cut short is dropped, damaged
 * records are skipped and the damaged log kept aside, never silently lost;
 * the log is rewritten when mostly done; an older onshid's record files are
 * taken into the log.
 */
#include "config.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

	/* The spool's file is private. */
	char path[4300];
	snprintf(path, sizeof(path), "%s/spool.log", spooldir);
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
	onshi_spool_close(s);
	/* The delivered one (with its answer) stays gone; one file only. */
	s = open_spool(spooldir);
	assert_int_equal(onshi_spool_count(s, &unanswered), 3);
	assert_int_equal(unanswered, 3);
	assert_string_equal(onshi_spool_first(s)->request_id, "OQSsiquc01req_2.xml");
	assert_int_equal(count_files(spooldir, ""), 1);
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
	/* The good one was moved into the log. */
	assert_int_equal(count_files(dir, ".req"), 0);
	assert_int_equal(count_files(dir, "spool.log"), 1);
	/* Numbering continues after the highest good record (damaged ones
	 * were renamed, so their numbers are free). */
	assert_int_equal(onshi_spool_accept(s, "rececon:a", "new", 1, "q", 1,
					    &e, msg, sizeof(msg)),
			 ONSHI_OK);
	assert_int_equal(e->seq, 8);
	onshi_spool_close(s);
	s = open_spool(dir);
	assert_int_equal(onshi_spool_count(s, NULL), 2);
	assert_string_equal(onshi_spool_first(s)->request_id, "r7");
	assert_string_equal(onshi_spool_first(s)->next->request_id, "new");
	onshi_spool_close(s);
	test_rmtree(dir);
}

/* Three accepted records r1..r3 (r2 answered) in a fresh spool; the
 * log's size after each record in ends[]. */
static char *three_records(uint64_t ends[3])
{
	char *dir = test_tmpdir(), msg[256];
	struct onshi_spool *s = open_spool(dir);
	struct onshi_spool_entry *e;
	const char *ids[] = { "r1", "r2", "r3" };

	for (int i = 0; i < 3; i++) {
		assert_int_equal(onshi_spool_accept(s, "rececon:a", ids[i], 1,
						    "<XmlMsg>body</XmlMsg>", 21,
						    &e, msg, sizeof(msg)),
				 ONSHI_OK);
		if (i == 1)
			assert_int_equal(onshi_spool_answer(s, e, 0, "<ans/>",
							    6, msg, sizeof(msg)),
					 ONSHI_OK);
		ends[i] = onshi_spool_log_size(s);
	}
	onshi_spool_close(s);
	return dir;
}

static void log_path(const char *dir, char *path, size_t len)
{
	snprintf(path, len, "%s/spool.log", dir);
}

static void test_log_torn_tail(void **state)
{
	uint64_t ends[3];
	char *dir = three_records(ends), path[4300], msg[512];
	struct onshi_spool *s;

	(void)state;
	/* A crash in the middle of writing r3: its record is half there. */
	log_path(dir, path, sizeof(path));
	assert_int_equal(truncate(path, (off_t)(ends[1] + 20)), 0);
	assert_int_equal(onshi_spool_open(dir, &s, msg, sizeof(msg)), ONSHI_OK);
	assert_non_null(strstr(msg, "incomplete last record of 20 bytes"));
	assert_null(strstr(msg, "corrupt"));
	assert_int_equal(onshi_spool_count(s, NULL), 2);
	assert_true(onshi_spool_first(s)->next->answered);
	assert_string_equal(onshi_spool_first(s)->next->answer, "<ans/>");
	assert_int_equal(count_files(dir, ".corrupt"), 0);
	onshi_spool_close(s);
	test_rmtree(dir);
}

/* Overwrite one byte of the log at off. */
static void poke(const char *dir, uint64_t off, char c)
{
	char path[4300];
	int fd;

	log_path(dir, path, sizeof(path));
	fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, &c, 1, (off_t)off), 1);
	close(fd);
}

static void test_log_damage(void **state)
{
	uint64_t ends[3];
	char *dir = three_records(ends), msg[512];
	struct onshi_spool *s;
	struct onshi_spool_entry *e;

	(void)state;
	/* A flipped byte in r1's body: r1 is lost, r2 and r3 are kept,
	 * and the damaged log is kept aside. */
	poke(dir, 40, 'Z');
	assert_int_equal(onshi_spool_open(dir, &s, msg, sizeof(msg)), ONSHI_OK);
	assert_non_null(strstr(msg, "damaged spool.log kept as *.corrupt"));
	assert_int_equal(onshi_spool_count(s, NULL), 2);
	e = onshi_spool_first(s);
	assert_string_equal(e->request_id, "r2");
	assert_string_equal(e->answer, "<ans/>");
	assert_string_equal(e->next->request_id, "r3");
	assert_int_equal(count_files(dir, ".corrupt"), 1);
	onshi_spool_close(s);
	/* The fresh log holds what was recovered, nothing damaged. */
	assert_int_equal(onshi_spool_open(dir, &s, msg, sizeof(msg)), ONSHI_OK);
	assert_null(strstr(msg, "corrupt"));
	assert_int_equal(onshi_spool_count(s, NULL), 2);
	onshi_spool_close(s);
	test_rmtree(dir);

	/* A state byte that is neither live nor done, and a length field
	 * of 4 GiB: each record is skipped, nothing crashes. */
	dir = three_records(ends);
	poke(dir, ends[0] + 4, 'Q');
	poke(dir, ends[1] + 15, (char)0xff);
	assert_int_equal(onshi_spool_open(dir, &s, msg, sizeof(msg)), ONSHI_OK);
	assert_int_equal(onshi_spool_count(s, NULL), 1);
	assert_string_equal(onshi_spool_first(s)->request_id, "r1");
	onshi_spool_close(s);
	test_rmtree(dir);

	/* Garbage only: nothing recovered, the spool opens empty. */
	dir = test_tmpdir();
	test_write(dir, "spool.log", "OSL1 not really a record at all");
	assert_int_equal(onshi_spool_open(dir, &s, msg, sizeof(msg)), ONSHI_OK);
	assert_int_equal(onshi_spool_count(s, NULL), 0);
	onshi_spool_close(s);
	test_rmtree(dir);
}

static void test_log_rewrite(void **state)
{
	char *dir = test_tmpdir(), msg[256], id[32];
	struct onshi_spool *s = open_spool(dir);
	struct onshi_spool_entry *keep, *e;
	uint64_t peak = 0;

	(void)state;
	onshi_spool_set_compact_min(s, 4096);
	assert_int_equal(onshi_spool_accept(s, "rececon:a", "kept", 1, "k", 1,
					    &keep, msg, sizeof(msg)),
			 ONSHI_OK);
	assert_int_equal(onshi_spool_answer(s, keep, 1, "<err/>", 6, msg, sizeof(msg)),
			 ONSHI_OK);
	/* Many delivered requests: the log is rewritten with the one that
	 * is live whenever it passes 4 KiB and twice what is live. */
	for (int i = 0; i < 500; i++) {
		snprintf(id, sizeof(id), "r%d", i);
		assert_int_equal(onshi_spool_accept(s, "rececon:a", id, 1,
						    "<XmlMsg>some body</XmlMsg>",
						    26, &e, msg, sizeof(msg)),
				 ONSHI_OK);
		if (onshi_spool_log_size(s) > peak)
			peak = onshi_spool_log_size(s);
		onshi_spool_delivered(s, e);
	}
	assert_true(peak < 4096 + 200);
	assert_true(onshi_spool_log_size(s) < 4096);
	/* A record written after a rewrite is marked done where it is. */
	assert_int_equal(onshi_spool_accept(s, "rececon:a", "last", 1, "l", 1,
					    &e, msg, sizeof(msg)),
			 ONSHI_OK);
	onshi_spool_close(s);
	s = open_spool(dir);
	assert_int_equal(onshi_spool_count(s, NULL), 2);
	e = onshi_spool_first(s);
	assert_string_equal(e->request_id, "kept");
	assert_string_equal(e->answer, "<err/>");
	assert_true(e->answer_is_error);
	assert_string_equal(e->next->request_id, "last");
	assert_int_equal(e->next->seq, 502);
	onshi_spool_delivered(s, e->next);
	onshi_spool_close(s);
	s = open_spool(dir);
	assert_int_equal(onshi_spool_count(s, NULL), 1);
	onshi_spool_close(s);
	assert_int_equal(count_files(dir, ""), 1);
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
		cmocka_unit_test(test_log_torn_tail),
		cmocka_unit_test(test_log_damage),
		cmocka_unit_test(test_log_rewrite),
	};

	return cmocka_run_group_tests_name("spool", tests, NULL, NULL);
}
