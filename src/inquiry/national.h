/* SPDX-License-Identifier: Apache-2.0 */
/*
 * national.h — the link to the national online qualification service
 * (our profile: docs/national-api.md), on the core's event loop.
 *
 * libcurl's multi interface driven by the loop (socket and timer callbacks),
 * mutual TLS with the clinic's certificate (PEM or PKCS#12), TLS 1.2+,
 * server checked against [national] ca_bundle and its host name,
 * connections reused. Bearer tokens are fetched per institution with
 * POST /auth and fetched again once on 401. 5xx, 429, timeouts and dropped
 * connections are retried with exponential backoff and jitter until the
 * call's deadline; 503 with Retry-After is a maintenance window and is
 * waited out (also within the deadline). This module moves bytes; what they
 * mean is inquiry.c's business.
 */
#ifndef ONSHI_CORE_NATIONAL_H
#define ONSHI_CORE_NATIONAL_H

#include <stddef.h>
#include <time.h>

struct onshi_core;
struct onshi_config;
struct onshi_log;
struct onshi_loop;
struct onshi_national;

/* How a call ended. */
enum onshi_national_outcome {
	ONSHI_NATIONAL_ANSWER = 0,  /* 2xx: body is the answer */
	ONSHI_NATIONAL_REFUSED,     /* 4xx (not 401/429): body explains */
	ONSHI_NATIONAL_UNAVAILABLE, /* deadline passed on retryable trouble */
};

typedef void (*onshi_national_cb)(void *arg, enum onshi_national_outcome outcome,
				  long http_status, const char *body,
				  size_t len, const char *why);

/*
 * Read [national] and the institutions' certificates from cfg; calls run
 * on loop, link changes are logged to log. No section: *out is NULL and
 * the link is "not configured" (requests wait in the spool).
 */
int onshi_national_open(struct onshi_loop *loop, struct onshi_log *log,
			const struct onshi_config *cfg,
			struct onshi_national **out, char *msg, size_t msglen);
/* Abort calls in flight (their callbacks are not called). */
void onshi_national_close(struct onshi_national *n);

/*
 * POST body to {endpoint}{path} for institution (10-digit code) with a
 * bearer token. idempotency_key may be NULL. cb runs exactly once, on the
 * loop thread, unless the link is closed first. Returns a call handle.
 */
struct onshi_national_call *onshi_national_post(struct onshi_national *n,
						const char *institution,
						const char *path,
						const char *body, size_t len,
						const char *idempotency_key,
						onshi_national_cb cb, void *arg);

/*
 * onshi_national_post() taking over body (malloc'd; freed by the link,
 * also when NULL is returned) instead of copying it: a batch upload of
 * 100,000 persons is ~27 MB, not to be held twice.
 */
struct onshi_national_call *onshi_national_post_owned(struct onshi_national *n,
						      const char *institution,
						      const char *path,
						      char *body, size_t len,
						      const char *idempotency_key,
						      onshi_national_cb cb,
						      void *arg);

/*
 * onshi_national_post() whose answer is written to fd as it arrives
 * instead of being kept in memory (batch results of 100,000 persons):
 * fd is emptied at each attempt, and cb gets body NULL and len = the bytes
 * in fd. An answer over max_bytes, or a failed write to fd, ends the call
 * at once (ONSHI_NATIONAL_UNAVAILABLE, why names the cause). fd stays the
 * caller's and must stay open until cb has run (national_file.c).
 */
struct onshi_national_call *onshi_national_post_to_file(struct onshi_national *n,
							const char *institution,
							const char *path,
							const char *body, size_t len,
							const char *idempotency_key,
							int fd, size_t max_bytes,
							onshi_national_cb cb,
							void *arg);

/*
 * The link as the last call or idle probe found it. An idle link is probed
 * every [national] probe_s seconds (POST /auth, the cheapest call that
 * proves TLS, the client certificate and the service), so the state is
 * never older than that. The log gets one line when the link goes down and
 * one when it is back, not one per failed call.
 */
enum onshi_national_link {
	ONSHI_NATIONAL_LINK_IDLE = 0,    /* nothing asked yet */
	ONSHI_NATIONAL_LINK_OK,          /* the service answered */
	ONSHI_NATIONAL_LINK_MAINTENANCE, /* 503 with Retry-After */
	ONSHI_NATIONAL_LINK_DEGRADED,    /* 5xx, 429, 408 */
	ONSHI_NATIONAL_LINK_DOWN,        /* no answer, TLS or auth refused */
};

/* The link's state; *since: when it last went down or came back (0 before
 * the first answer); *why: the last failure ("" when ok). n may be NULL. */
enum onshi_national_link onshi_national_link(const struct onshi_national *n,
					     time_t *since, const char **why);
/* "ok", "idle", "maintenance", "degraded", "down" (status words). */
const char *onshi_national_link_word(enum onshi_national_link l);

/* One line for status: "ok", "unreachable: ...", "maintenance until ...". */
const char *onshi_national_state(const struct onshi_national *n);
/* The endpoint URL, for status. */
const char *onshi_national_endpoint(const struct onshi_national *n);
/* Calls in flight or waiting to retry. */
unsigned onshi_national_pending(const struct onshi_national *n);

/*
 * Stop reusing pooled connections and TLS sessions: calls from now on open
 * new connections, so a client certificate installed over the old files is
 * presented at once (`onshictl cert install`). Calls in flight finish on
 * their connections. n may be NULL.
 */
void onshi_national_flush_connections(struct onshi_national *n);

/*
 * Who hears that a call could not reach the service at all (a transport
 * failure: no route, refused, timed out, TLS broken): cb may rewrite why
 * (size bytes) before it is logged, shown and handed to the caller, and
 * act on it. The VPN watcher (vpn.h onshi_vpn_unreachable) says so when
 * the tunnel is down and brings it up. One hook; NULL removes it.
 */
typedef void (*onshi_national_unreachable_cb)(void *arg, char *why, size_t size);
void onshi_national_on_unreachable(struct onshi_national *n,
				   onshi_national_unreachable_cb cb, void *arg);
/*
 * Who hears that a call (not the idle probe) is going out: the VPN
 * watcher (vpn.h onshi_vpn_demand) asks charon for a tunnel it knows is
 * down at once, so the new connection's retransmitted first packet finds
 * it instead of failing first. One hook; NULL removes it.
 */
void onshi_national_on_call(struct onshi_national *n, void (*cb)(void *arg),
			    void *arg);
/* The way is open again (the tunnel came up): calls waiting out a pause
 * after a failure go now instead of at the end of it. n may be NULL. */
void onshi_national_retry_now(struct onshi_national *n);

struct onshi_status_snapshot;
/* The status model's provider of the national link's fields, added to the
 * line before them (the daemon line; national_status.c); ctx is the core. */
void onshi_national_status_fields(struct onshi_status_snapshot *s, void *ctx);

#endif
