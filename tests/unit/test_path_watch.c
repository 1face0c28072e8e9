/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The daemon's one inotify instance (src/runtime/path_watch.c): two
 * subscribers on one folder share a kernel watch, one leaves, overflow
 * reaches everyone, a deleted folder is told to its subscribers only,
 * removal from inside a callback, an owner's leftovers swept. inotify
 * queues an event before the system call that caused it returns, so
 * dispatch() right after it sees it: no waiting.
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
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "loop.h"
#include "path_watch.h"

/* What one subscriber heard. */
struct heard {
	unsigned created, closed, overflow, ignored, deleted_self;
	char last[64];
	/* Set: remove this subscription from inside its callback. */
	struct onshi_path_watches *pws;
	struct onshi_path_watch *self;
};

static void on_event(void *arg, uint32_t mask, uint32_t cookie, const char *name)
{
	struct heard *h = arg;

	(void)cookie;
	if (mask & IN_CREATE)
		h->created++;
	if (mask & IN_CLOSE_WRITE)
		h->closed++;
	if (mask & IN_Q_OVERFLOW)
		h->overflow++;
	if (mask & IN_IGNORED)
		h->ignored++;
	if (mask & IN_DELETE_SELF)
		h->deleted_self++;
	snprintf(h->last, sizeof(h->last), "%s", name ? name : "");
	if (h->self != NULL) {
		onshi_path_watch_remove(h->pws, h->self);
		h->self = NULL;
	}
}

struct fixture {
	struct onshi_loop *loop;
	struct onshi_path_watches *pws;
	char dir[64], other[64];
	char owner_a, owner_b; /* distinct addresses as owner tags */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/onshi-pw-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->other, sizeof(f->other), "/tmp/onshi-pw-XXXXXX");
	assert_non_null(mkdtemp(f->other));
	assert_int_equal(onshi_loop_new(&f->loop), ONSHI_OK);
	assert_int_equal(onshi_path_watches_new(f->loop, &f->pws), ONSHI_OK);
	*state = f;
	return 0;
}

static void write_file(const char *dir, const char *name)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x", 1), 1);
	close(fd);
}

static void remove_dir(const char *dir)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fail_msg("cannot remove %s", dir);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	onshi_path_watches_free(f->pws);
	onshi_loop_free(f->loop);
	remove_dir(f->dir);
	remove_dir(f->other);
	free(f);
	return 0;
}

#define MASK \
	(IN_CREATE | IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE_SELF | IN_ONLYDIR)

static void test_two_on_one_folder_then_one_leaves(void **state)
{
	struct fixture *f = *state;
	struct heard a = { 0 }, b = { 0 };
	struct onshi_path_watch *wa, *wb;
	char msg[256];

	/* b asks for less than a: the kernel watch has the union, b hears
	 * only what it asked for. The same folder by another spelling. */
	wa = onshi_path_watch_add(f->pws, &f->owner_a, f->dir, MASK, on_event,
				  &a, msg, sizeof(msg));
	assert_non_null(wa);
	char slash[80];
	snprintf(slash, sizeof(slash), "%s/.", f->dir);
	wb = onshi_path_watch_add(f->pws, &f->owner_b, slash, IN_CLOSE_WRITE,
				  on_event, &b, msg, sizeof(msg));
	assert_non_null(wb);
	assert_int_equal(onshi_path_watches_kernel_count(f->pws), 1);

	write_file(f->dir, "req1");
	onshi_path_watches_dispatch(f->pws);
	assert_int_equal(a.created, 1);
	assert_int_equal(a.closed, 1);
	assert_int_equal(b.created, 0);
	assert_int_equal(b.closed, 1);
	assert_string_equal(b.last, "req1");

	/* a leaves: b still hears, the kernel watch stays. */
	onshi_path_watch_remove(f->pws, wa);
	assert_int_equal(onshi_path_watches_kernel_count(f->pws), 1);
	write_file(f->dir, "req2");
	onshi_path_watches_dispatch(f->pws);
	assert_int_equal(a.closed, 1);
	assert_int_equal(b.closed, 2);

	/* b leaves: the kernel watch goes; its IN_IGNORED reaches no one. */
	onshi_path_watch_remove(f->pws, wb);
	assert_int_equal(onshi_path_watches_kernel_count(f->pws), 0);
	write_file(f->dir, "req3");
	onshi_path_watches_dispatch(f->pws);
	assert_int_equal(b.closed, 2);
	assert_int_equal(b.ignored, 0);
	assert_int_equal(a.ignored, 0);
}

static void test_overflow_reaches_everyone(void **state)
{
	struct fixture *f = *state;
	struct heard a = { 0 }, b = { 0 }, c = { 0 };
	char msg[256];
	int limit = 16384;
	FILE *fp;

	assert_non_null(onshi_path_watch_add(f->pws, &f->owner_a, f->dir, MASK,
					     on_event, &a, msg, sizeof(msg)));
	assert_non_null(onshi_path_watch_add(f->pws, &f->owner_b, f->dir, IN_CLOSE_WRITE,
					     on_event, &b, msg, sizeof(msg)));
	assert_non_null(onshi_path_watch_add(f->pws, &f->owner_b, f->other,
					     IN_CLOSE_WRITE, on_event, &c, msg,
					     sizeof(msg)));
	/* More events than the queue holds: the kernel queues IN_Q_OVERFLOW. */
	fp = fopen("/proc/sys/fs/inotify/max_queued_events", "r");
	if (fp != NULL) {
		if (fscanf(fp, "%d", &limit) != 1)
			limit = 16384;
		fclose(fp);
	}
	if (limit > 262144)
		skip(); /* a queue raised that far takes too long to fill */
	/* One IN_CLOSE_WRITE per write after the first 50 names (names
	 * alternate, so the kernel merges none). */
	for (int i = 0; i < limit + 64; i++) {
		char name[32];

		snprintf(name, sizeof(name), "f%d", i % 50);
		write_file(f->dir, name);
	}
	onshi_path_watches_dispatch(f->pws);
	assert_int_equal(a.overflow, 1);
	assert_int_equal(b.overflow, 1);
	assert_int_equal(c.overflow, 1); /* quiet folder, but events were lost */
	assert_string_equal(c.last, "");
}

static void test_deleted_folder(void **state)
{
	struct fixture *f = *state;
	struct heard a = { 0 }, b = { 0 }, c = { 0 };
	struct onshi_path_watch *wa, *wb, *wc;
	char msg[256];

	wa = onshi_path_watch_add(f->pws, &f->owner_a, f->dir, MASK, on_event,
				  &a, msg, sizeof(msg));
	wb = onshi_path_watch_add(f->pws, &f->owner_b, f->dir, IN_CLOSE_WRITE,
				  on_event, &b, msg, sizeof(msg));
	wc = onshi_path_watch_add(f->pws, &f->owner_b, f->other, MASK, on_event,
				  &c, msg, sizeof(msg));
	assert_non_null(wa);
	assert_non_null(wb);
	assert_non_null(wc);
	assert_int_equal(onshi_path_watches_kernel_count(f->pws), 2);

	remove_dir(f->dir);
	onshi_path_watches_dispatch(f->pws);
	assert_int_equal(a.deleted_self, 1);
	assert_int_equal(b.deleted_self, 0); /* not in its mask */
	assert_int_equal(a.ignored, 1);
	assert_int_equal(b.ignored, 1); /* always told */
	assert_int_equal(c.ignored, 0);
	assert_int_equal(onshi_path_watches_kernel_count(f->pws), 1);
	assert_true(onshi_path_watch_owned_by(f->pws, wa, &f->owner_a));

	/* Back again: a new watch of the path works beside the dead ones. */
	assert_int_equal(mkdir(f->dir, 0700), 0);
	struct heard d = { 0 };
	struct onshi_path_watch *wd = onshi_path_watch_add(f->pws, &f->owner_a,
							   f->dir, MASK, on_event,
							   &d, msg, sizeof(msg));
	assert_non_null(wd);
	write_file(f->dir, "again");
	onshi_path_watches_dispatch(f->pws);
	assert_int_equal(d.closed, 1);
	assert_int_equal(a.closed, 0);
	onshi_path_watch_remove(f->pws, wa);
	onshi_path_watch_remove(f->pws, wb);

	/* Folder gone: a clear failure, nothing registered. */
	remove_dir(f->other);
	onshi_path_watches_dispatch(f->pws);
	assert_int_equal(c.ignored, 1);
	assert_null(onshi_path_watch_add(f->pws, &f->owner_b, f->other, MASK,
					 on_event, &c, msg, sizeof(msg)));
	assert_non_null(strstr(msg, "No such file"));
}

static void test_remove_inside_callback_and_forget_owner(void **state)
{
	struct fixture *f = *state;
	struct heard a = { 0 }, b = { 0 }, c = { 0 };
	char msg[256];

	a.pws = f->pws;
	a.self = onshi_path_watch_add(f->pws, &f->owner_a, f->dir, MASK,
				      on_event, &a, msg, sizeof(msg));
	assert_non_null(a.self);
	assert_non_null(onshi_path_watch_add(f->pws, &f->owner_b, f->dir, MASK,
					     on_event, &b, msg, sizeof(msg)));
	assert_non_null(onshi_path_watch_add(f->pws, &f->owner_b, f->other, MASK,
					     on_event, &c, msg, sizeof(msg)));
	write_file(f->dir, "one");
	onshi_path_watches_dispatch(f->pws);
	/* a removed itself at its first event (IN_CREATE) and heard no more. */
	assert_int_equal(a.created, 1);
	assert_int_equal(a.closed, 0);
	assert_int_equal(b.closed, 1);

	assert_int_equal(onshi_path_watches_forget_owner(f->pws, &f->owner_a), 0);
	assert_int_equal(onshi_path_watches_forget_owner(f->pws, &f->owner_b), 2);
	assert_int_equal(onshi_path_watches_kernel_count(f->pws), 0);
	write_file(f->other, "two");
	onshi_path_watches_dispatch(f->pws);
	assert_int_equal(c.closed, 0);
	/* The fd stays (one per daemon), ready for the next subscriber. */
	assert_true(onshi_path_watches_fd(f->pws) >= 0);
}

static void test_refused_masks(void **state)
{
	struct fixture *f = *state;
	struct heard a = { 0 };
	char msg[256];

	/* Flags that would change a shared watch for the others. */
	assert_null(onshi_path_watch_add(f->pws, &f->owner_a, f->dir,
					 IN_CLOSE_WRITE | IN_ONESHOT, on_event,
					 &a, msg, sizeof(msg)));
	assert_null(onshi_path_watch_add(f->pws, &f->owner_a, f->dir,
					 IN_CLOSE_WRITE | IN_MASK_ADD, on_event,
					 &a, msg, sizeof(msg)));
	assert_null(onshi_path_watch_add(f->pws, &f->owner_a, f->dir, 0,
					 on_event, &a, msg, sizeof(msg)));
	assert_null(onshi_path_watch_add(f->pws, &f->owner_a, f->dir,
					 0x80000000u | IN_CREATE, on_event, &a,
					 msg, sizeof(msg)));
	assert_null(onshi_path_watch_add(f->pws, &f->owner_a, f->dir, IN_CREATE,
					 NULL, &a, msg, sizeof(msg)));
	assert_null(onshi_path_watch_add(f->pws, &f->owner_a, NULL, IN_CREATE,
					 on_event, &a, msg, sizeof(msg)));
	/* IN_ONLYDIR on a file: the kernel's refusal comes back. */
	char file[96];
	write_file(f->dir, "plain");
	snprintf(file, sizeof(file), "%s/plain", f->dir);
	assert_null(onshi_path_watch_add(f->pws, &f->owner_a, file, MASK,
					 on_event, &a, msg, sizeof(msg)));
	assert_non_null(strstr(msg, "Not a directory"));
	assert_int_equal(onshi_path_watches_kernel_count(f->pws), 0);
	/* A stale or foreign handle is not followed. */
	assert_false(onshi_path_watch_owned_by(f->pws, (void *)&a, &f->owner_a));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_two_on_one_folder_then_one_leaves,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_overflow_reaches_everyone,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_deleted_folder, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_inside_callback_and_forget_owner,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_masks, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
