/* SPDX-License-Identifier: Apache-2.0 */
/*
 * curl_loop.c — a libcurl multi handle driven by someone else's event loop
 * (src/runtime/curl_loop.h).
 */
#include "config.h"

#include <stddef.h>

#include <onshi/error.h>

#include "curl_loop.h"

static void on_fd(int fd, unsigned events, void *arg)
{
	struct onshi_curl_loop *c = arg;
	int flags = 0, running;

	if (events & ONSHI_FD_READ)
		flags |= CURL_CSELECT_IN;
	if (events & ONSHI_FD_WRITE)
		flags |= CURL_CSELECT_OUT;
	if (events & ONSHI_FD_ERROR)
		flags |= CURL_CSELECT_ERR;
	curl_multi_socket_action(c->multi, fd, flags, &running);
	c->ran(c->arg);
}

static int on_socket(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct onshi_curl_loop *c = userp;
	void *w = socketp;
	unsigned ev = 0;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (w)
			c->ops->unwatch(c->ctx, w);
		curl_multi_assign(c->multi, s, NULL);
		return 0;
	}
	if (what & CURL_POLL_IN)
		ev |= ONSHI_FD_READ;
	if (what & CURL_POLL_OUT)
		ev |= ONSHI_FD_WRITE;
	if (!w) {
		w = c->ops->watch(c->ctx, s, ev, on_fd, c);
		if (!w)
			return -1;
		curl_multi_assign(c->multi, s, w);
	} else {
		c->ops->modify(c->ctx, w, ev);
	}
	return 0;
}

static void on_timeout(void *arg)
{
	struct onshi_curl_loop *c = arg;
	int running;

	c->timer = NULL; /* one-shot: the loop releases it */
	curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	c->ran(c->arg);
}

static int on_timer_change(CURLM *multi, long timeout_ms, void *userp)
{
	struct onshi_curl_loop *c = userp;

	(void)multi;
	if (c->timer) {
		c->ops->timer_stop(c->ctx, c->timer);
		c->timer = NULL;
	}
	if (timeout_ms >= 0)
		c->timer = c->ops->timer(c->ctx, (uint64_t)timeout_ms, on_timeout, c);
	return 0;
}

int onshi_curl_loop_open(struct onshi_curl_loop *c,
			 const struct onshi_curl_loop_ops *ops, void *ctx,
			 void (*ran)(void *arg), void *arg)
{
	c->ops = ops;
	c->ctx = ctx;
	c->timer = NULL;
	c->ran = ran;
	c->arg = arg;
	c->multi = curl_multi_init();
	if (!c->multi)
		return ONSHI_ENOMEM;
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, on_timer_change);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
	return ONSHI_OK;
}

void onshi_curl_loop_close(struct onshi_curl_loop *c)
{
	if (c->timer) {
		c->ops->timer_stop(c->ctx, c->timer);
		c->timer = NULL;
	}
	if (c->multi)
		curl_multi_cleanup(c->multi);
	c->multi = NULL;
	/* curl may have re-armed its timer while it cleaned up. */
	if (c->timer) {
		c->ops->timer_stop(c->ctx, c->timer);
		c->timer = NULL;
	}
}
