/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vpn_status.c — the tunnel's line of the status model: "vpn=<connection>"
 * with its state (up, connecting, down, unknown = not asked yet), since
 * when, why it is not up, the byte and packet counts through the tunnel since onshid started,
 * when the IKE SA was established and last rekeyed, and the on-demand
 * initiations. `onshictl status`, -o xml, the status page and the status
 * report all render this one line.
 */
#include "config.h"

#include <stdio.h>
#include <time.h>

#include "core.h"
#include "status_model.h"
#include "vpn.h"

/* Counters as text: a long may be 32 bits where bytes are not. */
static void put_ull(struct onshi_status_snapshot *s, const char *key,
		    unsigned long long n)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%llu", n);
	onshi_status_put(s, key, buf);
}

void onshi_vpn_status_line(struct onshi_status_snapshot *s, void *ctx)
{
	const struct onshi_vpn *v = ((struct onshi_core *)ctx)->vpn;
	struct onshi_vpn_figures f;
	enum onshi_vpn_state st;
	const char *why;
	time_t since, now = time(NULL);

	if (!v)
		return;
	st = onshi_vpn_state(v, &since, &why);
	onshi_vpn_figures(v, &f);
	onshi_status_line_begin(s, "vpn", onshi_vpn_connection(v));
	onshi_status_put(s, "state", onshi_vpn_state_word(st));
	if (since) {
		onshi_status_put_long(s, "since", (long)since);
		onshi_status_put_long(s, "age_s", (long)(now - since));
	}
	if (*why)
		onshi_status_put(s, "reason", why);
	onshi_status_put(s, "child", onshi_vpn_child(v));
	onshi_status_put(s, "socket", onshi_vpn_socket(v));
	if (f.remote_host[0])
		onshi_status_put(s, "peer", f.remote_host);
	if (f.ike_state[0])
		onshi_status_put(s, "ike_state", f.ike_state);
	if (f.child_state[0])
		onshi_status_put(s, "child_state", f.child_state);
	put_ull(s, "bytes_in", f.counts.bytes_in);
	put_ull(s, "bytes_out", f.counts.bytes_out);
	put_ull(s, "packets_in", f.counts.packets_in);
	put_ull(s, "packets_out", f.counts.packets_out);
	if (f.established_at)
		onshi_status_put_long(s, "established", (long)f.established_at);
	if (f.last_rekey)
		onshi_status_put_long(s, "last_rekey", (long)f.last_rekey);
	onshi_status_put_long(s, "initiations", (long)f.initiations);
	if (f.next_try_s >= 0)
		onshi_status_put_long(s, "next_try_s", f.next_try_s);
}
