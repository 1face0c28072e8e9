/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vpn_internal.h — the tunnel watcher's insides, shared by vpn.c (the
 * watcher), vpn_status.c (its status line) and vpn_check.c (SELFTEST's
 * live check) and no one else.
 */
#ifndef ONSHI_VPN_INTERNAL_H
#define ONSHI_VPN_INTERNAL_H

#include <stdint.h>
#include <time.h>

#include "log.h"
#include "loop.h"
#include "vici_wire.h"
#include "vpn.h"

#define VPN_WHY_LEN 512
/* How long charon may take to answer a command that does not wait for
 * the network (list-sas, event registrations). */
#define VPN_ANSWER_MS 5000

/* What one list-sas found of the connection (its best IKE SA). */
struct vpn_look {
	int found;
	char ike_state[32], child_state[32], remote_host[64];
	struct onshi_vpn_counts counts; /* the child's */
	time_t established_at, installed_at;
};

/*
 * vpn.c, shared with SELFTEST's check (vpn_check.c), so that both read
 * charon alike: take one list-sa event's IKE SA of `connection` into l
 * when it is the best seen in this listing (an established one wins),
 * with its `child`; whether l shows the tunnel up; and the initiate
 * command for `child`, answered within ms.
 */
void vpn_look_take(struct vpn_look *l, const char *connection,
		   const char *child, const struct onshi_vici_node *root);
int vpn_look_up(const struct vpn_look *l);
void vpn_initiate_request(struct onshi_vici_builder *b, const char *connection,
			  const char *child, long ms);

struct onshi_vpn {
	struct onshi_loop *loop;
	struct onshi_log *log;
	/* [vpn] */
	char connection[256], child[256], socket[108];
	int initiate;
	long poll_s, retry_max_s, initiate_ms;

	struct onshi_vici_conn *conn; /* NULL: not connected to charon */
	struct onshi_loop_timer *poll_timer, *first_timer, *retry_timer;
	int listing, look_again;
	unsigned events_refused; /* this connection's refused registrations */
	struct vpn_look look;

	enum onshi_vpn_state state;
	time_t since;
	char why[VPN_WHY_LEN];
	struct onshi_vpn_figures fig;
	struct onshi_vpn_counts past; /* what ended CHILD_SAs carried */

	/* On demand: a national call found the service unreachable while
	 * the tunnel was not up; initiations go on until it is. */
	int armed, initiating;
	unsigned attempts;
	time_t retry_at;
	char last_error[VPN_WHY_LEN / 2];

	void (*on_change)(void *arg, int up);
	void *on_change_arg;
};

#endif
