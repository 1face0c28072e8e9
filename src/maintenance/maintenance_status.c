/* SPDX-License-Identifier: Apache-2.0 */
/*
 * maintenance_status.c — remote maintenance's line of the status model
 * (nothing when [maintenance] is not configured).
 */
#include "config.h"

#include <stdio.h>

#include "core.h"
#include "maintenance.h"
#include "status_model.h"

void onshi_maintenance_status_line(struct onshi_status_snapshot *s, void *ctx)
{
	const struct onshi_maintenance *m = ((struct onshi_core *)ctx)->maintenance;
	const char *reason;
	enum onshi_maint_outcome o;
	char serial[24];

	if (!m)
		return;
	o = onshi_maintenance_outcome(m, &reason);
	onshi_status_line_begin(s, "maintenance", onshi_maintenance_url(m));
	onshi_status_put_long(s, "last_poll", (long)onshi_maintenance_last_poll(m));
	snprintf(serial, sizeof(serial), "%llu",
		 (unsigned long long)onshi_maintenance_serial(m));
	onshi_status_put(s, "serial", serial);
	onshi_status_put(s, "outcome", onshi_maint_outcome_name(o));
	if (*reason)
		onshi_status_put(s, "reason", reason);
}
