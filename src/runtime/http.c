/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http.c — curl multi ↔ event loop glue (see http.h); the socket and
 * timer plumbing is src/runtime/curl_loop.c, shared with plugins.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "curl_loop.h"
#include "http.h"
#include "loop.h"

/* Easy handles kept for reuse: enough for a burst's turnover, few enough
 * that an idle daemon holds little (each keeps its buffers). */
#define EASY_POOL_MAX 16

/* One added transfer; the easy handle's CURLOPT_PRIVATE points here. */
struct xfer {
	CURL *easy;
	onshi_http_done_cb cb;
	void *arg;
	struct xfer *prev, *next; /* h->xfers; the easy handle's PRIVATE is x */
};

struct onshi_http {
	struct onshi_loop *loop;              /* all it needs of the daemon */
	struct onshi_curl_loop curl;          /* the multi handle on the loop */
	struct onshi_loop_timer *flush_timer; /* empties the pool when idle */
	struct xfer *xfers;
	unsigned active;
	int flush_pending;
	long max_connections; /* kept: a flush makes a new multi handle */
	/* Close every connection after this long with no transfer (0: never);
	 * quiet_timer checks, last_end_ms is when the last transfer ended. */
	uint64_t idle_close_ms, last_end_ms;
	struct onshi_loop_timer *quiet_timer;
	CURL *easy_pool[EASY_POOL_MAX]; /* reset, ready for the next call */
	unsigned n_easy_pool;
};

static void check_done(void *http);

/* Pooled handles keep their TLS session cache (curl_easy_reset does not
 * clear it): after a flush they could resume a session of the old
 * identity, so they go. */
static void easy_pool_empty(struct onshi_http *h)
{
	while (h->n_easy_pool > 0)
		curl_easy_cleanup(h->easy_pool[--h->n_easy_pool]);
}

/* ---- curl_loop's view of the loop; h owns what is registered ---- */

static void *loop_watch(void *ctx, int fd, unsigned events, onshi_fd_cb cb, void *arg)
{
	struct onshi_http *h = ctx;

	return onshi_loop_watch(h->loop, h, fd, events, cb, arg);
}

static void loop_modify(void *ctx, void *w, unsigned events)
{
	struct onshi_http *h = ctx;

	onshi_loop_watch_modify(h->loop, w, events);
}

static void loop_unwatch(void *ctx, void *w)
{
	struct onshi_http *h = ctx;

	onshi_loop_unwatch(h->loop, w);
}

static void *loop_timer(void *ctx, uint64_t ms, onshi_timer_cb cb, void *arg)
{
	struct onshi_http *h = ctx;

	return onshi_loop_timer(h->loop, h, ms, 0, cb, arg);
}

static void loop_timer_stop(void *ctx, void *t)
{
	struct onshi_http *h = ctx;

	onshi_loop_timer_stop(h->loop, t);
}

static const struct onshi_curl_loop_ops loop_ops = {
	.watch = loop_watch,
	.modify = loop_modify,
	.unwatch = loop_unwatch,
	.timer = loop_timer,
	.timer_stop = loop_timer_stop,
};

/* The per-host cap, and as many idle connections kept as it allows. */
static void apply_max_connections(struct onshi_http *h)
{
	curl_multi_setopt(h->curl.multi, CURLMOPT_MAX_HOST_CONNECTIONS,
			  h->max_connections);
	/* curl's own default keeps 4 per transfer added: with one or two in
	 * flight it closes pooled connections that the next burst must open
	 * again (a TLS handshake and a client key read each). Fewer than the
	 * cap does the same within a burst whenever the number in flight
	 * dips, so idle ones are closed by quiet time instead (idle_close). */
	if (h->max_connections > 0)
		curl_multi_setopt(h->curl.multi, CURLMOPT_MAXCONNECTS,
				  h->max_connections);
}

static int multi_open(struct onshi_http *h)
{
	int rc = onshi_curl_loop_open(&h->curl, &loop_ops, h, check_done, h);

	if (rc == ONSHI_OK)
		apply_max_connections(h);
	return rc;
}

/* Close the multi handle (and with it every pooled connection). */
static void multi_close(struct onshi_http *h)
{
	for (struct xfer *x = h->xfers; x; x = x->next)
		curl_multi_remove_handle(h->curl.multi, x->easy);
	onshi_curl_loop_close(&h->curl);
	/* Whatever curl left registered goes too (watches, the flush timer). */
	onshi_loop_forget_owner(h->loop, h);
	h->flush_timer = NULL;
	h->quiet_timer = NULL;
}

static void on_flush_timer(void *arg)
{
	struct onshi_http *h = arg;

	h->flush_timer = NULL;
	if (!h->flush_pending || h->active)
		return; /* a transfer started meanwhile: wait for it */
	multi_close(h);
	if (multi_open(h) == ONSHI_OK)
		h->flush_pending = 0;
}

/* Not from inside curl's callbacks: the multi handle is still in use. */
static void maybe_schedule_flush(struct onshi_http *h)
{
	if (h->flush_pending && !h->active && !h->flush_timer)
		h->flush_timer = onshi_loop_timer(h->loop, h, 0, 0,
						  on_flush_timer, h);
}

static void on_quiet_timer(void *arg);

/* Nothing runs: close the connections once idle_close_ms stays quiet. */
static void maybe_arm_quiet(struct onshi_http *h, uint64_t ms)
{
	if (h->idle_close_ms && !h->active && !h->quiet_timer && h->curl.multi)
		h->quiet_timer = onshi_loop_timer(h->loop, h, ms, 0,
						  on_quiet_timer, h);
}

static void on_quiet_timer(void *arg)
{
	struct onshi_http *h = arg;
	uint64_t quiet = onshi_loop_now_ms() - h->last_end_ms;

	h->quiet_timer = NULL;
	if (h->active)
		return; /* busy again: armed anew when it is done */
	if (quiet < h->idle_close_ms) {
		maybe_arm_quiet(h, h->idle_close_ms - quiet);
		return;
	}
	/* A new multi handle has no connections. The pooled easy handles
	 * keep their TLS sessions (same identity): the next call resumes
	 * one, a cheaper handshake. */
	multi_close(h);
	if (multi_open(h) == ONSHI_OK)
		h->flush_pending = 0; /* nothing old is left to flush */
}

/* O(1): hundreds of transfers may wait for a connection at once. */
static struct xfer *unlink_xfer(struct onshi_http *h, CURL *easy)
{
	struct xfer *x = NULL;

	if (curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&x) != CURLE_OK ||
	    !x || x->easy != easy)
		return NULL;
	if (x->prev)
		x->prev->next = x->next;
	else
		h->xfers = x->next;
	if (x->next)
		x->next->prev = x->prev;
	/* A later cancel of the same handle finds nothing. */
	curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
	h->active--;
	return x;
}

static void check_done(void *http)
{
	struct onshi_http *h = http;
	CURLMsg *m;
	int left;

	while (h->curl.multi && (m = curl_multi_info_read(h->curl.multi, &left))) {
		CURL *easy = m->easy_handle;
		CURLcode res = m->data.result;
		struct xfer *x;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_multi_remove_handle(h->curl.multi, easy);
		x = unlink_xfer(h, easy);
		if (x) {
			onshi_http_done_cb cb = x->cb;
			void *arg = x->arg;

			free(x);
			cb(arg, easy, res);
		}
	}
	if (!h->active) {
		h->last_end_ms = onshi_loop_now_ms();
		maybe_arm_quiet(h, h->idle_close_ms);
	}
	maybe_schedule_flush(h);
}

struct onshi_http *onshi_http_new(struct onshi_loop *loop)
{
	struct onshi_http *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->loop = loop;
	curl_global_init(CURL_GLOBAL_DEFAULT); /* reference counted */
	if (multi_open(h) != ONSHI_OK) {
		curl_global_cleanup();
		free(h);
		return NULL;
	}
	return h;
}

void onshi_http_free(struct onshi_http *h)
{
	if (!h)
		return;
	multi_close(h);
	easy_pool_empty(h);
	while (h->xfers) {
		struct xfer *x = h->xfers;

		h->xfers = x->next;
		free(x);
	}
	curl_global_cleanup();
	free(h);
}

int onshi_http_add(struct onshi_http *h, CURL *easy, onshi_http_done_cb cb, void *arg)
{
	struct xfer *x;

	if (!h->curl.multi)
		return ONSHI_ENOMEM;
	x = calloc(1, sizeof(*x));
	if (!x)
		return ONSHI_ENOMEM;
	x->easy = easy;
	x->cb = cb;
	x->arg = arg;
	if (h->flush_pending) {
		/* Old connections and TLS sessions may carry the old identity. */
		curl_easy_setopt(easy, CURLOPT_FRESH_CONNECT, 1L);
		curl_easy_setopt(easy, CURLOPT_FORBID_REUSE, 1L);
		curl_easy_setopt(easy, CURLOPT_SSL_SESSIONID_CACHE, 0L);
	}
	curl_easy_setopt(easy, CURLOPT_PRIVATE, x);
	if (curl_multi_add_handle(h->curl.multi, easy) != CURLM_OK) {
		free(x);
		return ONSHI_EIO;
	}
	x->next = h->xfers;
	if (h->xfers)
		h->xfers->prev = x;
	h->xfers = x;
	h->active++;
	return ONSHI_OK;
}

void onshi_http_cancel(struct onshi_http *h, CURL *easy)
{
	struct xfer *x = unlink_xfer(h, easy);

	if (!x)
		return;
	if (h->curl.multi)
		curl_multi_remove_handle(h->curl.multi, easy);
	free(x);
	if (!h->active) {
		h->last_end_ms = onshi_loop_now_ms();
		maybe_arm_quiet(h, h->idle_close_ms);
	}
	maybe_schedule_flush(h);
}

unsigned onshi_http_active(const struct onshi_http *h)
{
	return h ? h->active : 0;
}

void onshi_http_set_max_connections(struct onshi_http *h, long max)
{
	h->max_connections = max;
	if (h->curl.multi)
		apply_max_connections(h);
}

void onshi_http_set_idle_close(struct onshi_http *h, uint64_t ms)
{
	/* Armed when a transfer ends: a pool never used holds nothing. */
	h->idle_close_ms = ms;
}

void onshi_http_flush_connections(struct onshi_http *h)
{
	if (!h)
		return;
	h->flush_pending = 1;
	easy_pool_empty(h);
	maybe_schedule_flush(h);
}

CURL *onshi_http_easy(struct onshi_http *h)
{
	if (h->n_easy_pool > 0)
		return h->easy_pool[--h->n_easy_pool];
	return curl_easy_init();
}

void onshi_http_easy_release(struct onshi_http *h, CURL *easy)
{
	if (!easy)
		return;
	/* Handles that ran while a flush was pending may hold old sessions. */
	if (h->flush_pending || h->n_easy_pool >= EASY_POOL_MAX) {
		curl_easy_cleanup(easy);
		return;
	}
	curl_easy_reset(easy);
	h->easy_pool[h->n_easy_pool++] = easy;
}
