/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vpn.h — the IPsec tunnel to the national network, as onshid sees and
 * drives it through strongSwan's charon ([vpn] section, docs/vpn.md).
 *
 * strongSwan does IPsec; onshid only watches the named connection over
 * charon's VICI socket (events for every up/down and rekey, and a list of
 * the SAs every poll_s for the byte counts) and, when a national call
 * finds the service unreachable while the tunnel is down, asks charon to
 * bring it up, again with a growing pause until it is up. onshid needs no
 * root for this: only access to the socket (charon's group).
 */
#ifndef ONSHI_VPN_VPN_H
#define ONSHI_VPN_VPN_H

#include <stddef.h>
#include <time.h>

#include "conf.h"
#include "log.h"
#include "loop.h"

struct onshi_vpn;
struct onshi_status_snapshot;

/* [vpn] defaults (onshid.ini(5)). */
#define ONSHI_VPN_SOCKET_DEFAULT "/run/charon.vici"
#define ONSHI_VPN_POLL_S_DEFAULT 10
#define ONSHI_VPN_RETRY_MAX_S_DEFAULT 60
#define ONSHI_VPN_INITIATE_MS_DEFAULT 10000

enum onshi_vpn_state {
	ONSHI_VPN_UNKNOWN,    /* not asked yet */
	ONSHI_VPN_UP,         /* IKE SA established and the child installed */
	ONSHI_VPN_CONNECTING, /* charon is negotiating */
	ONSHI_VPN_DOWN,       /* no SA, or charon unreachable */
};

/*
 * Read [vpn] (absent: *out = NULL, ONSHI_OK) and start watching: the
 * first look happens on the loop, never here, so a missing charon does
 * not hold up start-up.
 */
int onshi_vpn_open(struct onshi_loop *loop, struct onshi_log *log,
		   const struct onshi_config *cfg, struct onshi_vpn **out,
		   char *msg, size_t msglen);
void onshi_vpn_close(struct onshi_vpn *v);

/* Called once each time the tunnel comes up (up = 1: the pipeline asks
 * again what waited for it) and each time it goes down (up = 0: the
 * connections kept through it are dead, and are dropped). */
void onshi_vpn_on_change(struct onshi_vpn *v, void (*cb)(void *arg, int up),
			 void *arg);

/*
 * A national call could not reach the service (why: the transport
 * error, size bytes). When the tunnel is not up, why is rewritten to say
 * so first ("VPN to the national network is down: ... (transport
 * error)") and charon is asked to bring it up (initiate = yes). Nothing
 * happens when v is NULL or the tunnel is up.
 */
void onshi_vpn_unreachable(void *v, char *why, size_t size);

/*
 * A national call is going out: when the tunnel is known to be down (not
 * while charon is already negotiating, nor before the first look), ask
 * charon to bring it up now (initiate = yes), as the failure of that
 * call would a moment later. Nothing happens when v is NULL.
 */
void onshi_vpn_demand(void *v);

/* The tunnel's state now, since when, and why it is not up ("" if up). */
enum onshi_vpn_state onshi_vpn_state(const struct onshi_vpn *v, time_t *since,
				     const char **why);
const char *onshi_vpn_state_word(enum onshi_vpn_state s);
/* The [vpn] connection name and socket ("" when v is NULL). */
const char *onshi_vpn_connection(const struct onshi_vpn *v);
const char *onshi_vpn_socket(const struct onshi_vpn *v);
const char *onshi_vpn_child(const struct onshi_vpn *v);

/* The "vpn" line of the status model (vpn_status.c; nothing when no
 * [vpn]). ctx is the core. */
void onshi_vpn_status_line(struct onshi_status_snapshot *s, void *ctx);

/*
 * The tunnel's figures as the last look found them, for the status line
 * and the report: zero when never up.
 */
/* A CHILD_SA's traffic as charon counts it (bytes-in ... packets-out). */
struct onshi_vpn_counts {
	unsigned long long bytes_in, bytes_out, packets_in, packets_out;
};

struct onshi_vpn_figures {
	char ike_state[32], child_state[32];
	char remote_host[64];
	/* through the tunnel since onshid started: every CHILD_SA's, across
	 * rekeys and new tunnels */
	struct onshi_vpn_counts counts;
	time_t established_at; /* the IKE SA's, 0: none */
	time_t last_rekey;    /* last IKE or CHILD rekey (or reauth), 0: none */
	unsigned initiations; /* asked of charon since onshid started */
	int initiating;
	long next_try_s; /* -1: no initiation planned */
};
void onshi_vpn_figures(const struct onshi_vpn *v, struct onshi_vpn_figures *f);

/*
 * SELFTEST's live check (vpn_check.c): on a connection of its own, ask
 * charon now whether the connection and its child are loaded and the
 * tunnel is up. cb gets level 0 OK, 1 WARN, 2 FAIL, a detail and advice
 * (may be ""). The check ends within a few seconds; cancel drops it
 * without a callback.
 */
struct onshi_vpn_check;
typedef void (*onshi_vpn_check_cb)(void *arg, int level, const char *detail,
				   const char *advice);
struct onshi_vpn_check *onshi_vpn_check_start(struct onshi_loop *loop,
					      const struct onshi_vpn *v,
					      onshi_vpn_check_cb cb, void *arg);
void onshi_vpn_check_cancel(struct onshi_vpn_check *c);

#endif
