/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_loop.c — the event loop: timer order and repetition, fd readiness,
 * posts from other threads, removal from inside callbacks, owner sweeps.
 */
#include "config.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "loop.h"

struct rec {
	struct onshi_loop *loop;
	char order[64];
	size_t n;
	int count;
	struct onshi_loop_timer *self;
	struct onshi_loop_watch *watch;
};

static void mark(struct rec *r, char c)
{
	if (r->n + 1 < sizeof(r->order))
		r->order[r->n++] = c;
}

static void on_a(void *arg)
{
	mark(arg, 'a');
}
static void on_b(void *arg)
{
	mark(arg, 'b');
}
static void on_c(void *arg)
{
	mark(arg, 'c');
}
static void on_quit(void *arg)
{
	onshi_loop_quit(((struct rec *)arg)->loop);
}

static void test_timer_order(void **state)
{
	struct rec r = { 0 };

	(void)state;
	assert_int_equal(onshi_loop_new(&r.loop), ONSHI_OK);
	/* Wide gaps: under valgrind on a busy machine the three calls below
	 * may be several milliseconds apart. */
	uint64_t t0 = onshi_loop_now_ms();
	onshi_loop_timer(r.loop, &r, 600, 0, on_c, &r);
	onshi_loop_timer(r.loop, &r, 200, 0, on_a, &r);
	onshi_loop_timer(r.loop, &r, 400, 0, on_b, &r);
	onshi_loop_timer(r.loop, &r, 800, 0, on_quit, &r);
	assert_int_equal(onshi_loop_run(r.loop), ONSHI_OK);
	assert_true(onshi_loop_now_ms() - t0 >= 800);
	assert_string_equal(r.order, "abc");
	onshi_loop_free(r.loop);
}

/* A repeating timer that stops itself on its third run. */
static void on_repeat(void *arg)
{
	struct rec *r = arg;

	if (++r->count == 3) {
		onshi_loop_timer_stop(r->loop, r->self);
		onshi_loop_timer(r->loop, r, 20, 0, on_quit, r);
	}
}

/* A one-shot timer that stops itself from inside its own callback. */
static void on_self_stop(void *arg)
{
	struct rec *r = arg;

	mark(r, 's');
	onshi_loop_timer_stop(r->loop, r->self);
}

static void test_repeat_and_self_stop(void **state)
{
	struct rec r = { 0 }, s = { 0 };

	(void)state;
	assert_int_equal(onshi_loop_new(&r.loop), ONSHI_OK);
	s.loop = r.loop;
	r.self = onshi_loop_timer(r.loop, &r, 5, 1, on_repeat, &r);
	s.self = onshi_loop_timer(r.loop, &s, 1, 0, on_self_stop, &s);
	assert_int_equal(onshi_loop_run(r.loop), ONSHI_OK);
	assert_int_equal(r.count, 3);
	assert_string_equal(s.order, "s");
	onshi_loop_free(r.loop);
}

static void on_readable(int fd, unsigned events, void *arg)
{
	struct rec *r = arg;
	char buf[16];

	assert_true(events & ONSHI_FD_READ);
	assert_int_equal(read(fd, buf, sizeof(buf)), 5);
	mark(r, 'r');
	/* Removing the watch inside its own callback is allowed. */
	onshi_loop_unwatch(r->loop, r->watch);
	onshi_loop_quit(r->loop);
}

static void test_fd_watch(void **state)
{
	struct rec r = { 0 };
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(onshi_loop_new(&r.loop), ONSHI_OK);
	r.watch = onshi_loop_watch(r.loop, &r, p[0], ONSHI_FD_READ, on_readable, &r);
	assert_non_null(r.watch);
	assert_int_equal(write(p[1], "hello", 5), 5);
	assert_int_equal(onshi_loop_run(r.loop), ONSHI_OK);
	assert_string_equal(r.order, "r");
	onshi_loop_free(r.loop);
	close(p[0]);
	close(p[1]);
}

#define POSTERS 4
#define POSTS_EACH 500

static void on_post(void *arg)
{
	struct rec *r = arg;

	if (++r->count == POSTERS * POSTS_EACH)
		onshi_loop_quit(r->loop);
}

static void *poster(void *arg)
{
	struct rec *r = arg;

	for (int i = 0; i < POSTS_EACH; i++)
		assert_int_equal(onshi_loop_post(r->loop, r, on_post, r), ONSHI_OK);
	return NULL;
}

static void test_posts_from_threads(void **state)
{
	struct rec r = { 0 };
	pthread_t t[POSTERS];

	(void)state;
	assert_int_equal(onshi_loop_new(&r.loop), ONSHI_OK);
	for (int i = 0; i < POSTERS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, poster, &r), 0);
	assert_int_equal(onshi_loop_run(r.loop), ONSHI_OK);
	for (int i = 0; i < POSTERS; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(r.count, POSTERS * POSTS_EACH);
	onshi_loop_free(r.loop);
}

static void never(void *arg)
{
	(void)arg;
	fail_msg("a forgotten owner's callback ran");
}

static void never_fd(int fd, unsigned ev, void *arg)
{
	(void)fd;
	(void)ev;
	never(arg);
}

static void test_forget_owner(void **state)
{
	struct rec r = { 0 };
	int owner_a, owner_b, p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(onshi_loop_new(&r.loop), ONSHI_OK);
	onshi_loop_timer(r.loop, &owner_a, 1, 0, never, NULL);
	onshi_loop_timer(r.loop, &owner_a, 2, 1, never, NULL);
	onshi_loop_watch(r.loop, &owner_a, p[0], ONSHI_FD_READ, never_fd, NULL);
	onshi_loop_post(r.loop, &owner_a, never, NULL);
	onshi_loop_timer(r.loop, &owner_b, 10, 0, on_quit, &r);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(onshi_loop_forget_owner(r.loop, &owner_a), 3);
	assert_int_equal(onshi_loop_run(r.loop), ONSHI_OK);
	onshi_loop_free(r.loop);
	close(p[0]);
	close(p[1]);
}

/* Before-wait callbacks run once per round, after the round's timers and
 * posts, before the loop sleeps; forget_owner removes them. */
static void on_post_b(void *arg)
{
	mark(arg, 'p');
}

/* Quits once the post and the timer have both run: the loop then stops
 * before it would wait (with nothing left to wake it). */
static void on_wait_w(void *arg)
{
	struct rec *r = arg;

	mark(r, 'w');
	r->order[r->n] = '\0';
	if (strchr(r->order, 'p') && strchr(r->order, 'a'))
		onshi_loop_quit(r->loop);
}

static void test_before_wait(void **state)
{
	struct rec r = { 0 };
	int owner, other;

	(void)state;
	assert_int_equal(onshi_loop_new(&r.loop), ONSHI_OK);
	assert_int_equal(onshi_loop_before_wait(r.loop, &owner, on_wait_w, &r),
			 ONSHI_OK);
	onshi_loop_post(r.loop, &other, on_post_b, &r);
	onshi_loop_timer(r.loop, &other, 1, 0, on_a, &r);
	assert_int_equal(onshi_loop_run(r.loop), ONSHI_OK);
	/* Before every wait: so before the post could run, and after the
	 * rounds of the post and the timer (the timer may be due at once on
	 * a busy machine, or in the post's round). */
	r.order[r.n] = '\0';
	assert_non_null(strchr(r.order, 'p'));
	assert_non_null(strchr(r.order, 'a'));
	assert_true(strchr(r.order, 'w') < strchr(r.order, 'p'));
	assert_int_equal(r.order[r.n - 1], 'w');
	for (int i = 1; i < ONSHI_LOOP_BEFORE_WAIT_MAX; i++)
		assert_int_equal(onshi_loop_before_wait(r.loop, &other, on_c, &r),
				 ONSHI_OK);
	assert_int_equal(onshi_loop_before_wait(r.loop, &other, on_c, &r),
			 ONSHI_ENOMEM);
	onshi_loop_forget_owner(r.loop, &owner);
	onshi_loop_forget_owner(r.loop, &other);
	r.n = 0;
	onshi_loop_timer(r.loop, &other, 1, 0, on_quit, &r);
	assert_int_equal(onshi_loop_run(r.loop), ONSHI_OK);
	assert_int_equal(r.n, 0);
	onshi_loop_free(r.loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timer_order),
		cmocka_unit_test(test_repeat_and_self_stop),
		cmocka_unit_test(test_fd_watch),
		cmocka_unit_test(test_posts_from_threads),
		cmocka_unit_test(test_forget_owner),
		cmocka_unit_test(test_before_wait),
	};

	return cmocka_run_group_tests_name("loop", tests, NULL, NULL);
}
