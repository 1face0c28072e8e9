/* SPDX-License-Identifier: Apache-2.0 */
/*
 * loop.h — the daemon's single event loop: epoll fds, timers, and a
 * thread-safe post queue (eventfd), in the style of a small libevent.
 *
 * Every registration carries an `owner` tag (a plugin instance, the control
 * server, ...) so that everything one owner registered can be removed at once
 * when it stops — a plugin that forgets a timer cannot call into unloaded
 * code. Callbacks run on the loop thread; removing a watch or timer from
 * inside any callback is safe.
 */
#ifndef ONSHI_CORE_LOOP_H
#define ONSHI_CORE_LOOP_H

#include <stdint.h>

#include <onshi/host.h>

struct onshi_loop;
struct onshi_loop_watch;
struct onshi_loop_timer;

int onshi_loop_new(struct onshi_loop **out);
void onshi_loop_free(struct onshi_loop *loop);

/* Run until onshi_loop_quit(); returns ONSHI_OK or ONSHI_EIO. */
int onshi_loop_run(struct onshi_loop *loop);
void onshi_loop_quit(struct onshi_loop *loop);
/* Monotonic milliseconds. */
uint64_t onshi_loop_now_ms(void);

struct onshi_loop_watch *onshi_loop_watch(struct onshi_loop *loop,
					  const void *owner, int fd, unsigned events,
					  onshi_fd_cb cb, void *arg);
int onshi_loop_watch_modify(struct onshi_loop *loop, struct onshi_loop_watch *w,
			    unsigned events);
void onshi_loop_unwatch(struct onshi_loop *loop, struct onshi_loop_watch *w);

struct onshi_loop_timer *onshi_loop_timer(struct onshi_loop *loop,
					  const void *owner, uint64_t ms,
					  int repeat, onshi_timer_cb cb, void *arg);
void onshi_loop_timer_stop(struct onshi_loop *loop, struct onshi_loop_timer *t);

/* Any thread: run cb(arg) on the loop thread. */
int onshi_loop_post(struct onshi_loop *loop, const void *owner,
		    onshi_post_cb cb, void *arg);

/*
 * Run cb(arg) on the loop thread each time the loop is about to wait for
 * events: after the timers and every callback of a round, so that work
 * gathered over the round is passed on once (the group commit wakes its
 * worker there). At most ONSHI_LOOP_BEFORE_WAIT_MAX of them; removed by
 * onshi_loop_forget_owner().
 */
#define ONSHI_LOOP_BEFORE_WAIT_MAX 4
int onshi_loop_before_wait(struct onshi_loop *loop, const void *owner,
			   onshi_post_cb cb, void *arg);

/*
 * Remove every watch, timer, before-wait callback and queued post of
 * `owner`. Returns how many
 * watches and timers were still registered (posts are not counted: queued
 * posts are normal at stop time).
 */
unsigned onshi_loop_forget_owner(struct onshi_loop *loop, const void *owner);

/* Whether w / t belongs to owner (host services check plugin handles). */
int onshi_loop_watch_owned_by(const struct onshi_loop_watch *w, const void *owner);
int onshi_loop_timer_owned_by(const struct onshi_loop_timer *t, const void *owner);

#endif
