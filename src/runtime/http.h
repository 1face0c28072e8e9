/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http.h — libcurl's multi interface driven by the core's event loop.
 *
 * One struct onshi_http owns one curl multi handle whose sockets and timer
 * are registered on the loop (curl's socket API): callers build an easy
 * handle with whatever options they need, add it with a completion
 * callback, and get the callback on the loop thread when the transfer has
 * ended. Connections (and TLS sessions) are reused within one onshi_http;
 * onshi_http_flush_connections() drops them, e.g. after a new client
 * certificate was installed. The national link has one per client
 * certificate (national_internal.h), the maintenance poller its own.
 */
#ifndef ONSHI_CORE_HTTP_H
#define ONSHI_CORE_HTTP_H

#include <stdint.h>

#include <curl/curl.h>

struct onshi_loop;
struct onshi_http;

/*
 * A transfer ended (res is curl's result). The easy handle has already
 * been taken out of the multi handle and belongs to the callback again:
 * clean it up or add it anew. The callback may add and cancel transfers.
 */
typedef void (*onshi_http_done_cb)(void *arg, CURL *easy, CURLcode res);

/* Transfers run on loop. NULL when out of memory. */
struct onshi_http *onshi_http_new(struct onshi_loop *loop);
/* Abort transfers in flight (no callbacks) and close all connections; the
 * easy handles still added are left to their owners to clean up. */
void onshi_http_free(struct onshi_http *h);

/*
 * Start a transfer. Uses the easy handle's CURLOPT_PRIVATE: callers must
 * not set it. Returns ONSHI_OK, or ONSHI_ENOMEM / ONSHI_EIO (not added, no
 * callback).
 */
int onshi_http_add(struct onshi_http *h, CURL *easy, onshi_http_done_cb cb,
		   void *arg);
/* Take a transfer out before it ended; its callback is not called. */
void onshi_http_cancel(struct onshi_http *h, CURL *easy);
/*
 * At most max connections to one host (0: no limit); transfers beyond wait
 * in curl's queue. Many parallel mTLS connections cost the server more than
 * they gain (bench/SCALING.md). With a cap, up to max idle connections are
 * also kept open between bursts. Kept across onshi_http_flush_connections().
 */
void onshi_http_set_max_connections(struct onshi_http *h, long max);
/*
 * Close every connection once no transfer ran for ms (0, the default:
 * keep them, up to the cap). For many onshi_http side by side (one per
 * client certificate), so that a hundred of them, mostly quiet, do not
 * hold a hundred times the cap open. Within a burst nothing is closed for
 * it. Kept across flushes.
 */
void onshi_http_set_idle_close(struct onshi_http *h, uint64_t ms);

/*
 * An easy handle in curl's default state, taken from a small pool of
 * handles released earlier (or new; NULL when out of memory). Reusing one
 * spares curl_easy_init()'s allocations and keeps its buffers; set every
 * option the transfer needs, as on a new handle.
 */
CURL *onshi_http_easy(struct onshi_http *h);
/*
 * Give back a handle that is not added (after its transfer ended or was
 * cancelled): reset and pooled, or cleaned up when the pool is full or a
 * flush is pending. NULL is ignored.
 */
void onshi_http_easy_release(struct onshi_http *h, CURL *easy);

/* Transfers added and not yet ended or cancelled. */
unsigned onshi_http_active(const struct onshi_http *h);

/*
 * Use no pooled connection or cached TLS session for transfers added from
 * now on: transfers already running finish on their connections, new ones
 * open fresh ones, and the pool is emptied as soon as nothing runs.
 */
void onshi_http_flush_connections(struct onshi_http *h);

#endif
