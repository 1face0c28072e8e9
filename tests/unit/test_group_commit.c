/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_group_commit.c — the group commit (src/runtime/group_commit.c):
 * what one round groups, the order completions run in, a failure given to
 * every member of its round, and sets that complete together.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <onshi/error.h>

#include "group_commit.h"
#include "loop.h"

#define MAX_SEEN 16

struct seen {
	int n;
	char tag[MAX_SEEN];
	int rc[MAX_SEEN];
	char why[MAX_SEEN][256];
	int quit_at;
	struct onshi_loop *loop;
};

struct probe {
	struct seen *seen;
	char tag;
};

static void note(void *arg, int rc, const char *why)
{
	struct probe *p = arg;
	struct seen *s = p->seen;

	assert_non_null(why);
	assert_true(s->n < MAX_SEEN);
	s->tag[s->n] = p->tag;
	s->rc[s->n] = rc;
	snprintf(s->why[s->n], sizeof(s->why[0]), "%s", why);
	s->n++;
	if (s->loop && s->n == s->quit_at)
		onshi_loop_quit(s->loop);
}

struct fixture {
	char dir[64];
	int dirfd;
	struct onshi_loop *loop;
	struct onshi_group_commit *gc;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char msg[256];

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/onshi-gc-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->dirfd = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(f->dirfd >= 0);
	assert_int_equal(onshi_loop_new(&f->loop), ONSHI_OK);
	assert_int_equal(onshi_group_commit_new(f->loop, &f->gc, msg, sizeof(msg)),
			 ONSHI_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	onshi_group_commit_free(f->gc);
	onshi_loop_free(f->loop);
	close(f->dirfd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* Write a temporary file ".name.tmp" holding name, queued as a member. */
static void queue_file(struct fixture *f, const char *name, struct probe *p)
{
	char tmp[64];
	int fd;

	snprintf(tmp, sizeof(tmp), ".%s.tmp", name);
	fd = openat(f->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, name, strlen(name)), (ssize_t)strlen(name));
	assert_int_equal(onshi_group_commit_file(f->gc, fd, dup(f->dirfd), tmp,
						 dup(f->dirfd), name, name, note, p),
			 ONSHI_OK);
}

/* Queue a pipe as if it were a file: its fsync fails (EINVAL), so the round does. */
static void queue_pipe(struct fixture *f, int readfd, struct probe *p)
{
	assert_int_equal(onshi_group_commit_file(f->gc, readfd, dup(f->dirfd),
						 ".pipe.tmp", dup(f->dirfd),
						 "pipe.xml", "the pipe", note, p),
			 ONSHI_OK);
}

static int exists(struct fixture *f, const char *name)
{
	struct stat st;

	return fstatat(f->dirfd, name, &st, 0) == 0;
}

/* Everything queued while the worker is held is one round; completions
 * run in queue order, after the files are in place. */
static void test_one_round_in_order(void **state)
{
	struct fixture *f = *state;
	struct seen s = { 0 };
	struct probe a = { &s, 'a' }, b = { &s, 'b' }, c = { &s, 'c' },
		     d = { &s, 'd' };
	unsigned long rounds, members;

	onshi_group_commit_hold(f->gc, 1);
	queue_file(f, "a.xml", &a);
	queue_file(f, "b.xml", &b);
	assert_int_equal(onshi_group_commit_dir(f->gc, dup(f->dirfd), "dir", note, &c),
			 ONSHI_OK);
	queue_file(f, "c.xml", &d);
	assert_false(exists(f, "a.xml")); /* held: nothing renamed yet */
	assert_int_equal(s.n, 0);
	onshi_group_commit_flush(f->gc);
	assert_int_equal(s.n, 4);
	assert_memory_equal(s.tag, "abcd", 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(s.rc[i], ONSHI_OK);
	assert_true(exists(f, "a.xml") && exists(f, "b.xml") && exists(f, "c.xml"));
	assert_false(exists(f, ".a.xml.tmp"));
	onshi_group_commit_stats(f->gc, &rounds, &members);
	assert_int_equal(rounds, 1);
	assert_int_equal(members, 4);
}

/* Completions come back through the loop, in queue order, round after
 * round, however the worker split them. */
static void test_completions_through_loop(void **state)
{
	struct fixture *f = *state;
	struct seen s = { .quit_at = 6, .loop = f->loop };
	struct probe p[6];
	char name[16];

	for (int i = 0; i < 6; i++) {
		p[i].seen = &s;
		p[i].tag = (char)('0' + i);
		snprintf(name, sizeof(name), "f%d.xml", i);
		queue_file(f, name, &p[i]);
	}
	assert_int_equal(onshi_loop_run(f->loop), ONSHI_OK);
	assert_int_equal(s.n, 6);
	assert_memory_equal(s.tag, "012345", 6);
	for (int i = 0; i < 6; i++) {
		snprintf(name, sizeof(name), "f%d.xml", i);
		assert_true(exists(f, name));
	}
}

/* One member that cannot be flushed (a pipe: fsync fails) fails its whole
 * round: every member hears it, and no file of the round is put in place. */
static void test_error_to_every_member(void **state)
{
	struct fixture *f = *state;
	struct seen s = { 0 };
	struct probe a = { &s, 'a' }, bad = { &s, 'x' }, b = { &s, 'b' };
	int pipefd[2];

	assert_int_equal(pipe(pipefd), 0);
	onshi_group_commit_hold(f->gc, 1);
	queue_file(f, "a.xml", &a);
	queue_pipe(f, pipefd[0], &bad);
	queue_file(f, "b.xml", &b);
	onshi_group_commit_flush(f->gc);
	close(pipefd[1]);
	assert_int_equal(s.n, 3);
	assert_memory_equal(s.tag, "axb", 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(s.rc[i], ONSHI_EIO);
		assert_non_null(strstr(s.why[i], "the pipe"));
	}
	assert_false(exists(f, "a.xml") || exists(f, "b.xml"));
	assert_false(exists(f, ".a.xml.tmp") || exists(f, ".b.xml.tmp"));
	/* The next round is a new start. */
	{
		struct seen s2 = { 0 };
		struct probe c = { &s2, 'c' };

		queue_file(f, "c.xml", &c);
		onshi_group_commit_flush(f->gc);
		assert_int_equal(s2.n, 1);
		assert_int_equal(s2.rc[0], ONSHI_OK);
		assert_true(exists(f, "c.xml"));
	}
}

/* A sync member's outcome is its own: it fails no one else (a pipe cannot
 * be fdatasynced), and a round failed by another member still syncs a
 * good file and says so. */
static void test_sync_members_stand_alone(void **state)
{
	struct fixture *f = *state;
	struct seen s = { 0 };
	struct probe a = { &s, 'a' }, bad = { &s, 'x' }, log = { &s, 'l' },
		     b = { &s, 'b' };
	int pipefd[2], logfd;

	assert_int_equal(pipe(pipefd), 0);
	logfd = openat(f->dirfd, "audit.log",
		       O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	assert_true(logfd >= 0);
	assert_int_equal(write(logfd, "1 record\n", 9), 9);
	onshi_group_commit_hold(f->gc, 1);
	queue_file(f, "a.xml", &a);
	assert_int_equal(onshi_group_commit_sync(f->gc, pipefd[0], "the pipe",
						 note, &bad),
			 ONSHI_OK);
	assert_int_equal(onshi_group_commit_sync(f->gc, dup(logfd), "the log",
						 note, &log),
			 ONSHI_OK);
	onshi_group_commit_flush(f->gc);
	close(pipefd[1]);
	assert_int_equal(s.n, 3);
	assert_memory_equal(s.tag, "axl", 3);
	assert_int_equal(s.rc[0], ONSHI_OK);
	assert_true(exists(f, "a.xml"));
	assert_int_equal(s.rc[1], ONSHI_EIO);
	assert_non_null(strstr(s.why[1], "the pipe"));
	assert_int_equal(s.rc[2], ONSHI_OK);
	assert_string_equal(s.why[2], "");

	/* A file that fails its round leaves the sync's outcome alone. */
	assert_int_equal(pipe(pipefd), 0);
	s.n = 0;
	onshi_group_commit_hold(f->gc, 1);
	assert_int_equal(onshi_group_commit_sync(f->gc, dup(logfd), "the log",
						 note, &log),
			 ONSHI_OK);
	queue_pipe(f, pipefd[0], &bad);
	queue_file(f, "b.xml", &b);
	onshi_group_commit_flush(f->gc);
	close(pipefd[1]);
	close(logfd);
	assert_int_equal(s.n, 3);
	assert_memory_equal(s.tag, "lxb", 3);
	assert_int_equal(s.rc[0], ONSHI_OK);
	assert_int_equal(s.rc[1], ONSHI_EIO);
	assert_int_equal(s.rc[2], ONSHI_EIO);
	assert_false(exists(f, "b.xml"));
}

/* Syncs of one file in one round share its fdatasync and its outcome
 * (the spool queues one per record); another file keeps its own. */
static void test_syncs_of_one_file_shared(void **state)
{
	struct fixture *f = *state;
	struct seen s = { 0 };
	struct probe l1 = { &s, '1' }, l2 = { &s, '2' }, l3 = { &s, '3' },
		     p1 = { &s, 'p' }, p2 = { &s, 'q' };
	int pipefd[2], logfd;

	assert_int_equal(pipe(pipefd), 0);
	logfd = openat(f->dirfd, "spool.log", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	assert_true(logfd >= 0);
	onshi_group_commit_hold(f->gc, 1);
	assert_int_equal(write(logfd, "a", 1), 1);
	assert_int_equal(onshi_group_commit_sync(f->gc, dup(logfd), "the log",
						 note, &l1),
			 ONSHI_OK);
	assert_int_equal(onshi_group_commit_sync(f->gc, pipefd[0], "the pipe",
						 note, &p1),
			 ONSHI_OK);
	assert_int_equal(write(logfd, "b", 1), 1);
	assert_int_equal(onshi_group_commit_sync(f->gc, dup(logfd), "the log",
						 note, &l2),
			 ONSHI_OK);
	assert_int_equal(onshi_group_commit_sync(f->gc, dup(pipefd[0]),
						 "the pipe", note, &p2),
			 ONSHI_OK);
	assert_int_equal(onshi_group_commit_sync(f->gc, dup(logfd), "the log",
						 note, &l3),
			 ONSHI_OK);
	onshi_group_commit_flush(f->gc);
	close(pipefd[1]);
	close(logfd);
	assert_int_equal(s.n, 5);
	assert_memory_equal(s.tag, "1p2q3", 5);
	assert_int_equal(s.rc[0], ONSHI_OK);
	assert_int_equal(s.rc[2], ONSHI_OK);
	assert_int_equal(s.rc[4], ONSHI_OK);
	assert_int_equal(s.rc[1], ONSHI_EIO);
	assert_int_equal(s.rc[3], ONSHI_EIO);
	assert_non_null(strstr(s.why[3], "the pipe"));
}

/* A test's disk failure fails every member of the next round, syncs too,
 * and only that round. */
static void test_fail_next(void **state)
{
	struct fixture *f = *state;
	struct seen s = { 0 };
	struct probe a = { &s, 'a' }, l = { &s, 'l' }, b = { &s, 'b' };
	int logfd = openat(f->dirfd, "spool.log",
			   O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

	assert_true(logfd >= 0);
	onshi_group_commit_hold(f->gc, 1);
	queue_file(f, "a.xml", &a);
	assert_int_equal(onshi_group_commit_sync(f->gc, dup(logfd), "the log",
						 note, &l),
			 ONSHI_OK);
	onshi_group_commit_fail_next(f->gc, EIO);
	onshi_group_commit_flush(f->gc);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.rc[0], ONSHI_EIO);
	assert_int_equal(s.rc[1], ONSHI_EIO);
	assert_false(exists(f, "a.xml"));
	assert_false(exists(f, ".a.xml.tmp"));
	queue_file(f, "b.xml", &b);
	onshi_group_commit_flush(f->gc);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.rc[2], ONSHI_OK);
	assert_true(exists(f, "b.xml"));
	close(logfd);
}

static void set_file(struct fixture *f, struct onshi_commit_set *set,
		     const char *name, int fd)
{
	char tmp[64];

	snprintf(tmp, sizeof(tmp), ".%s.tmp", name);
	if (fd < 0) {
		fd = openat(f->dirfd, tmp,
			    O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		assert_true(fd >= 0);
	}
	assert_int_equal(onshi_commit_set_file(set, fd, dup(f->dirfd), tmp,
					       dup(f->dirfd), name, name),
			 ONSHI_OK);
}

/* A set's callback runs once, after all its files; an empty set never. */
static void test_sets(void **state)
{
	struct fixture *f = *state;
	struct seen s = { 0 };
	struct probe ok = { &s, 's' }, never = { &s, 'n' }, bad = { &s, 'f' };
	struct onshi_commit_set *set;
	int pipefd[2];

	set = onshi_group_commit_set_begin(f->gc, note, &ok);
	assert_ptr_equal(onshi_group_commit_current(f->gc), set);
	set_file(f, set, "r.err", -1);
	set_file(f, set, "r.xml", -1);
	assert_int_equal(onshi_group_commit_set_end(f->gc, set), 2);
	assert_null(onshi_group_commit_current(f->gc));
	set = onshi_group_commit_set_begin(f->gc, note, &never);
	assert_int_equal(onshi_group_commit_set_end(f->gc, set), 0);
	onshi_group_commit_flush(f->gc);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.tag[0], 's');
	assert_int_equal(s.rc[0], ONSHI_OK);
	assert_true(exists(f, "r.err") && exists(f, "r.xml"));

	assert_int_equal(pipe(pipefd), 0);
	onshi_group_commit_hold(f->gc, 1); /* both files in one round */
	set = onshi_group_commit_set_begin(f->gc, note, &bad);
	set_file(f, set, "q.err", -1);
	set_file(f, set, "q.xml", pipefd[0]);
	assert_int_equal(onshi_group_commit_set_end(f->gc, set), 2);
	onshi_group_commit_flush(f->gc);
	close(pipefd[1]);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.tag[1], 'f');
	assert_int_equal(s.rc[1], ONSHI_EIO);
	assert_false(exists(f, "q.err"));
}

/* Freeing finishes what is queued and runs its completions. */
static void test_free_finishes(void **state)
{
	struct fixture *f = *state;
	struct seen s = { 0 };
	struct probe a = { &s, 'a' };

	onshi_group_commit_hold(f->gc, 1);
	queue_file(f, "last.xml", &a);
	onshi_group_commit_free(f->gc);
	f->gc = NULL;
	assert_int_equal(s.n, 1);
	assert_int_equal(s.rc[0], ONSHI_OK);
	assert_true(exists(f, "last.xml"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_one_round_in_order, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_completions_through_loop,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_to_every_member,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_sync_members_stand_alone,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_syncs_of_one_file_shared,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_fail_next, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_finishes, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
