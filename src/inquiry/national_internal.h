/* SPDX-License-Identifier: Apache-2.0 */
/*
 * national_internal.h — the national link's insides, shared by its five
 * files and no one else (the rest of the daemon sees national.h). They
 * call each other one way only, lowest first:
 *
 *   national_link.c   the link's state as calls and probes find it
 *   national_file.c   answers written to a file as they arrive (batches)
 *   national.c        calls: tokens, TLS identities, retries, outcomes
 *   national_probe.c  the idle probe (POST /auth when nothing else ran)
 *   national_open.c   [national] read into a link, and the link closed
 */
#ifndef ONSHI_NATIONAL_INTERNAL_H
#define ONSHI_NATIONAL_INTERNAL_H

#include <curl/curl.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "conf.h"
#include "log.h"
#include "loop.h"
#include "national.h"
#include "strbuf.h"

/* Per institution: its bearer token and, when it has its own, its client
 * certificate (a dental department with its own code has its own). */
struct national_token {
	char inst[11];
	char *client_cert, *client_key, *client_p12, *p12_password;
	/* With a certificate of its own, its own connections: curl's cap on
	 * connections is per host, so on one shared multi handle institutions
	 * would close each other's warm connections (a TLS handshake per
	 * call); and a connection or TLS session made with this certificate
	 * cannot carry another institution's call when it is not in the same
	 * pool at all. NULL: the link's shared one (n->http). */
	struct onshi_http *http;
	char *value;
	uint64_t expires_ms;
	int fetching;
	struct onshi_national_call *waiting; /* calls queued for the token */
	struct national_token *next;
};

struct onshi_national_call {
	struct onshi_national *n;
	char inst[11];
	char *path;
	char *body;
	size_t len;
	char *idem;
	onshi_national_cb cb;
	void *arg;
	uint64_t deadline_ms;
	unsigned attempt;
	int is_auth;  /* our own POST /auth (token fetch or idle probe) */
	int reauthed; /* re-authenticated once after a 401 already */
	int is_probe; /* the idle probe: its answer is judged on arrival */
	CURL *easy;
	struct curl_slist *headers;
	struct onshi_strbuf answer;
	long retry_after_s;
	int too_big;
	/* A call of onshi_national_post_to_file(): the body goes to sink_fd
	 * (-1: into answer), at most sink_max bytes (national_file.c). */
	int sink_fd;
	size_t sink_len, sink_max;
	int sink_errno; /* a write to sink_fd failed */
	char errbuf[CURL_ERROR_SIZE];
	struct onshi_loop_timer *retry_timer;
	struct onshi_http *http; /* whose multi handle easy was added to */
	struct onshi_national_call *next;         /* all calls */
	struct onshi_national_call *next_waiting; /* token wait list */
};

struct onshi_national {
	/* All it takes of the daemon: the loop, the log, and its settings
	 * (copied below from [national] and the institutions at open). */
	struct onshi_loop *loop;
	struct onshi_log *log;
	char *endpoint;
	char *client_cert, *client_key, *client_p12, *p12_password, *ca_bundle;
	long timeout_ms, connect_timeout_ms, deadline_ms;
	long bulk_timeout_ms; /* batch documents are megabytes, not kilobytes */
	/* curl multi on the loop, for the [national] certificate (the
	 * institutions without one of their own); [national]
	 * max_connections applies to it and to each institution's own. */
	struct onshi_http *http;
	struct national_token *tokens;
	struct onshi_national_call *calls;
	unsigned pending;
	unsigned seed; /* jitter; no global PRNG state */
	char state[512];
	/* The link as the last answer (or its absence) showed it. */
	enum onshi_national_link link;
	time_t link_since;
	char link_why[512];
	/* The idle probe: POST /auth for probe_inst when no call ended for
	 * probe_ms; 0 = off. */
	uint64_t probe_ms, last_done_ms;
	char probe_inst[11];
	int probing;
	/* onshi_national_on_unreachable(): the VPN watcher, or NULL. */
	onshi_national_unreachable_cb unreachable_cb;
	void *unreachable_arg;
	/* onshi_national_on_call(): the VPN watcher, or NULL. */
	void (*call_cb)(void *arg);
	void *call_arg;
};

/* ---- national_link.c ---- */

/* The one-line state status shows (onshi_national_state()). */
void national_set_state(struct onshi_national *n, const char *fmt, ...)
	ONSHI_PRINTF(2, 3);
/* What the last transfer showed; why: the failure (NULL when usable). */
void national_link_note(struct onshi_national *n, enum onshi_national_link l,
			const char *why);

/* ---- national.c ---- */

/* A call for inst, kept in n->calls and counted as pending; not started.
 * NULL when out of memory. */
struct onshi_national_call *national_call_new(struct onshi_national *n,
					      const char *inst, const char *path,
					      const char *body, size_t len,
					      const char *idem,
					      onshi_national_cb cb, void *arg);
/* (Re)start a call: auth calls go straight out; others need a token. */
void national_call_start(struct onshi_national_call *c);
/* Forget a call without calling its callback. */
void national_call_free(struct onshi_national_call *c);
/* inst's token entry, created empty when new; NULL when out of memory. */
struct national_token *national_token_for(struct onshi_national *n, const char *inst);
/* Keep the token of an AuthResponse; -1 when it has no usable one. */
int national_token_store(struct national_token *t, const char *body, size_t len);
/* The body of POST /auth for institution inst. */
int national_auth_body(char *body, size_t size, const char *inst);

/* ---- national_file.c ---- */

/* on_body() for a call with a file sink: curl's write callback's value. */
size_t national_sink_write(struct onshi_national_call *c, const char *data,
			   size_t len);
/* A new attempt: the file starts empty again. */
void national_sink_reset(struct onshi_national_call *c);

/* ---- national_probe.c ---- */

/* Start looking for quiet (nothing when probe_s is 0 or there is no
 * institution to authenticate as); ONSHI_ENOMEM if the timer cannot be. */
int national_probe_start(struct onshi_national *n);

#endif
