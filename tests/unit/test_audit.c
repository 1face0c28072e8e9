/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_audit.c — the audit log writer (src/runtime/audit.c) on its own:
 * a real file in a temporary folder, no event loop (records are synced at
 * close), the log on stderr. Every file it writes is checked with the
 * verifier onshictl uses (audit_verify.c), so the two agree on the format.
 */
#include "config.h"

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

#include "audit.h"
#include "group_commit.h"
#include "loop.h"
#include "log.h"
#include "testutil.h"

static struct onshi_log quiet = { .level = 3 }; /* errors only, stderr */

struct fixture {
	char *dir;
	char path[4096];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->dir = test_tmpdir();
	chmod(f->dir, 0700);
	snprintf(f->path, sizeof(f->path), "%s/audit.log", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[4200];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f->dir);
	free(f);
	return 0;
}

static struct onshi_audit *open_ok(const char *path)
{
	struct onshi_audit *a = NULL;
	char msg[512];

	assert_int_equal(onshi_audit_writer_open(NULL, &quiet, path, &a, msg,
						 sizeof(msg)),
			 ONSHI_OK);
	assert_non_null(a);
	return a;
}

/* The whole file, NUL-terminated. */
static char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "r");
	char *buf = calloc(1, 1 << 16);

	assert_non_null(fp);
	*len = fread(buf, 1, (1 << 16) - 1, fp);
	fclose(fp);
	return buf;
}

static void verify_ok(const char *path, struct onshi_audit_report *rep)
{
	char msg[256];

	memset(rep, 0, sizeof(*rep));
	if (onshi_audit_verify_file(path, rep, msg, sizeof(msg)) != 0)
		fail_msg("the writer's file does not verify: %s", msg);
}

/* start, two events with an actor, stop: a chain of four the verifier accepts. */
static void test_records_chain(void **state)
{
	struct fixture *f = *state;
	struct onshi_audit_report rep;
	struct onshi_audit *a = open_ok(f->path);
	struct stat st;
	uint64_t seq;
	char hash[65], *buf;
	size_t len;

	onshi_audit_record(a, "inquiry", "id", "OQSsiquc01req_1.xml", "empty",
			   "", (char *)NULL);
	onshi_audit_set_actor(a, "uid:1000");
	assert_string_equal(onshi_audit_get_actor(a), "uid:1000");
	onshi_audit_record(a, "module", "module", "pana 1", (char *)NULL);
	onshi_audit_set_actor(a, NULL);
	assert_null(onshi_audit_get_actor(a));
	assert_int_equal(onshi_audit_chain_head(a, &seq, hash), 0);
	assert_int_equal(seq, 3);
	assert_string_equal(onshi_audit_file(a), f->path);
	onshi_audit_writer_close(a);

	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	verify_ok(f->path, &rep);
	assert_int_equal(rep.records, 4);
	assert_int_equal(rep.gaps, 0);
	assert_int_equal(rep.last_seq, 4);
	buf = slurp(f->path, &len);
	assert_non_null(strstr(buf, "kind=start by=daemon version="));
	/* an empty value leaves its key out; a space becomes %20 */
	assert_non_null(strstr(buf, "kind=inquiry by=daemon id=OQSsiquc01req_1.xml hash="));
	assert_non_null(strstr(buf, "kind=module by=uid:1000 module=pana%201 hash="));
	assert_non_null(strstr(buf, "kind=stop by=daemon hash="));
	free(buf);
}

/* Reopening continues the chain; a torn last line is named, not lost. */
static void test_torn_tail_recovered(void **state)
{
	struct fixture *f = *state;
	struct onshi_audit_report rep;
	struct onshi_audit *a = open_ok(f->path);
	char *buf;
	size_t len;
	int fd;

	onshi_audit_writer_close(a);
	fd = open(f->path, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "3 2026-12-06T00:00:00Z prev=ab", 30), 30);
	close(fd);

	a = open_ok(f->path);
	onshi_audit_writer_close(a);
	verify_ok(f->path, &rep);
	assert_int_equal(rep.gaps, 1);
	buf = slurp(f->path, &len);
	assert_non_null(strstr(buf, "kind=recovered reason=torn torn_bytes=30 torn_sha256="));
	free(buf);
}

/* A folder others can write to is refused, naming it and its mode. */
static void test_unsafe_folder_refused(void **state)
{
	struct fixture *f = *state;
	struct onshi_audit *a = (struct onshi_audit *)1;
	char msg[512];

	assert_int_equal(chmod(f->dir, 0777), 0);
	assert_int_equal(onshi_audit_writer_open(NULL, &quiet, f->path, &a, msg,
						 sizeof(msg)),
			 ONSHI_EINVAL);
	assert_null(a);
	assert_non_null(strstr(msg, "is writable by others than its owner (mode 777"));
	assert_non_null(strstr(msg, f->dir));
	assert_int_equal(access(f->path, F_OK), -1); /* nothing created */
}

/* The path must be a regular file: a folder, or a FIFO (which would block
 * a plain open for writing), is refused at once, naming the path. */
static void test_not_regular_refused(void **state)
{
	struct fixture *f = *state;
	struct onshi_audit *a = NULL;
	char msg[512];

	assert_int_equal(mkfifo(f->path, 0600), 0);
	assert_int_not_equal(onshi_audit_writer_open(NULL, &quiet, f->path, &a,
						     msg, sizeof(msg)),
			     ONSHI_OK);
	assert_null(a);
	assert_non_null(strstr(msg, f->path));
	unlink(f->path);
	assert_int_equal(mkdir(f->path, 0700), 0);
	assert_int_not_equal(onshi_audit_writer_open(NULL, &quiet, f->path, &a,
						     msg, sizeof(msg)),
			     ONSHI_OK);
	assert_null(a);
	assert_non_null(strstr(msg, f->path));
}

/* A symlink at the path is not followed (O_NOFOLLOW). */
static void test_symlink_refused(void **state)
{
	struct fixture *f = *state;
	struct onshi_audit *a = NULL;
	char target[4200], msg[512];

	snprintf(target, sizeof(target), "%s/elsewhere", f->dir);
	assert_int_equal(symlink(target, f->path), 0);
	assert_int_not_equal(onshi_audit_writer_open(NULL, &quiet, f->path, &a,
						     msg, sizeof(msg)),
			     ONSHI_OK);
	assert_null(a);
	assert_int_equal(access(target, F_OK), -1);
}

/* No writer: calls are no-ops, not crashes (the daemon before it opens). */
static void test_null_writer(void **state)
{
	uint64_t seq;
	char hash[65];

	(void)state;
	onshi_audit_record(NULL, "x", (char *)NULL);
	onshi_audit_set_actor(NULL, "uid:0");
	assert_null(onshi_audit_get_actor(NULL));
	assert_null(onshi_audit_file(NULL));
	assert_int_equal(onshi_audit_chain_head(NULL, &seq, hash), -1);
	onshi_audit_writer_close(NULL);
}

/* Count the group commit's members until the writer's sync has been one:
 * the test waits for that event, however long the disk takes. */
struct sync_wait {
	struct onshi_loop *loop;
	struct onshi_group_commit *gc;
};

static void check_synced(void *arg)
{
	struct sync_wait *w = arg;
	unsigned long rounds = 0, members = 0;

	onshi_group_commit_stats(w->gc, &rounds, &members);
	if (members >= 1)
		onshi_loop_quit(w->loop);
}

/* With a group commit the timer's fdatasync is one of its members (on its
 * worker, not the loop thread); the chain is the same. */
static void test_sync_through_group_commit(void **state)
{
	struct fixture *f = *state;
	struct onshi_audit_report rep;
	struct onshi_audit *a = NULL;
	struct sync_wait w = { 0 };
	struct onshi_loop_timer *t;
	unsigned long rounds = 0, members = 0;
	char msg[512];

	assert_int_equal(onshi_loop_new(&w.loop), ONSHI_OK);
	assert_int_equal(onshi_group_commit_new(w.loop, &w.gc, msg, sizeof(msg)),
			 ONSHI_OK);
	assert_int_equal(onshi_audit_writer_open(w.loop, &quiet, f->path, &a,
						 msg, sizeof(msg)),
			 ONSHI_OK);
	onshi_audit_writer_set_commit(a, w.gc);
	onshi_audit_record(a, "accept", "module", "rececon:desk", "id",
			   "A1.xml", (char *)NULL);
	t = onshi_loop_timer(w.loop, &w, 5, 1, check_synced, &w);
	assert_non_null(t);
	assert_int_equal(onshi_loop_run(w.loop), ONSHI_OK);
	onshi_loop_timer_stop(w.loop, t);
	onshi_group_commit_stats(w.gc, &rounds, &members);
	assert_int_equal(members, 1);
	/* Closed while a sync may still be queued: it is finished first. */
	onshi_audit_record(a, "deliver", "module", "rececon:desk", "id",
			   "A1.xml", (char *)NULL);
	onshi_audit_writer_close(a);
	onshi_group_commit_free(w.gc);
	onshi_loop_free(w.loop);
	verify_ok(f->path, &rep);
	assert_int_equal(rep.records, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_records_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_tail_recovered, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unsafe_folder_refused,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_regular_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_symlink_refused, setup, teardown),
		cmocka_unit_test(test_null_writer),
		cmocka_unit_test_setup_teardown(test_sync_through_group_commit,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
