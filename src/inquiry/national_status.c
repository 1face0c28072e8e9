/* SPDX-License-Identifier: Apache-2.0 */
/*
 * national_status.c — the national link's fields of the status model's
 * daemon line: its state, endpoint and pending calls, and the link in one
 * word (ok, idle = nothing asked yet, maintenance, degraded, down, or off =
 * not configured), since when, and why it is not ok: the last call's or
 * idle probe's finding.
 */
#include "config.h"

#include <time.h>

#include "core.h"
#include "national.h"
#include "status_model.h"

void onshi_national_status_fields(struct onshi_status_snapshot *s, void *ctx)
{
	const struct onshi_national *n = ((struct onshi_core *)ctx)->national;
	time_t since;
	const char *why;
	enum onshi_national_link l;
	long age;

	onshi_status_put(s, "national", onshi_national_state(n));
	onshi_status_put(s, "national_endpoint", onshi_national_endpoint(n));
	onshi_status_put_long(s, "national_pending",
			      (long)onshi_national_pending(n));
	l = onshi_national_link(n, &since, &why);
	age = (long)(time(NULL) - since);
	if (!n) {
		onshi_status_put(s, "national_link", "off");
		return;
	}
	onshi_status_put(s, "national_link", onshi_national_link_word(l));
	if (since) {
		onshi_status_put_long(s, "national_link_since", (long)since);
		onshi_status_put_long(s, "national_link_age_s", age < 0 ? 0 : age);
	}
	if (*why)
		onshi_status_put(s, "national_link_reason", why);
}
