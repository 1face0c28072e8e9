/* SPDX-License-Identifier: Apache-2.0 */
/*
 * curl_loop.h — a libcurl multi handle driven by someone else's event loop.
 *
 * curl's socket API says which sockets to watch and when to wake it; this
 * maps that onto whatever loop the caller has, through five small
 * operations: the core's onshi_loop (src/runtime/http.c) and a plugin's host
 * services (plugins/rececon/wisestaff9plus/notify.c) are the two users.
 * After every turn of curl, the caller's `ran` callback collects what has
 * finished (curl_multi_info_read). Only libcurl and <onshi/host.h> are used,
 * so a plugin compiles this file in (plugins link no daemon symbols).
 */
#ifndef ONSHI_CORE_CURL_LOOP_H
#define ONSHI_CORE_CURL_LOOP_H

#include <stdint.h>

#include <curl/curl.h>

#include <onshi/host.h>

/* The caller's loop; ctx is passed back as the first argument. */
struct onshi_curl_loop_ops {
	/* Watch fd for ONSHI_FD_READ/WRITE; NULL on error. */
	void *(*watch)(void *ctx, int fd, unsigned events, onshi_fd_cb cb, void *arg);
	void (*modify)(void *ctx, void *watch, unsigned events);
	void (*unwatch)(void *ctx, void *watch);
	/* A one-shot timer, released by the loop after it fired. */
	void *(*timer)(void *ctx, uint64_t ms, onshi_timer_cb cb, void *arg);
	void (*timer_stop)(void *ctx, void *timer);
};

struct onshi_curl_loop {
	CURLM *multi; /* NULL once closed */
	const struct onshi_curl_loop_ops *ops;
	void *ctx;
	void *timer; /* curl's timeout, while armed */
	void (*ran)(void *arg);
	void *arg;
};

/* Make the multi handle and hook it to the loop; ONSHI_OK or ONSHI_ENOMEM. */
int onshi_curl_loop_open(struct onshi_curl_loop *c,
			 const struct onshi_curl_loop_ops *ops, void *ctx,
			 void (*ran)(void *arg), void *arg);
/*
 * Stop curl's timer and clean the multi handle up (closing its
 * connections). Easy handles should have been removed first; watches curl
 * did not remove are the caller's to drop.
 */
void onshi_curl_loop_close(struct onshi_curl_loop *c);

#endif
