/* SPDX-License-Identifier: Apache-2.0 */
/*
 * module_status.c — the modules' lines of the status model: one "module"
 * line each, in configuration order (STATUS, LIST, the page's tables).
 */
#include "config.h"

#include <stdio.h>
#include <time.h>

#include "core.h"
#include "module.h"
#include "status_model.h"

static void module_line(struct onshi_status_snapshot *s, const struct onshi_module *m)
{
	const struct onshi_plugin *d = m->inst ? m->inst->plugin->desc : NULL;

	onshi_status_line_begin(s, "module", m->name);
	onshi_status_put(s, "state", onshi_module_shown_state(m));
	if (d) {
		onshi_status_put(s, "plugin", d->name);
		onshi_status_put(s, "version", d->version);
		onshi_status_put(s, "vendor", d->vendor ? d->vendor : "");
		onshi_status_put(s, "institution", m->inst->institution_code);
		if (d->ops->status && ONSHI_OPS_HAS(d->ops_size, status)) {
			char st[256] = "";

			d->ops->status(m->inst->state, st, sizeof(st));
			st[sizeof(st) - 1] = '\0';
			onshi_status_put(s, "status", st);
		}
	}
	/* A disabled module has no current event to show. */
	if (m->last_event_at && m->state != ONSHI_MODULE_DISABLED) {
		long age = (long)(time(NULL) - m->last_event_at);

		onshi_status_put(s, "event", m->last_event);
		onshi_status_put_long(s, "event_at", (long)m->last_event_at);
		onshi_status_put_long(s, "event_age_s", age < 0 ? 0 : age);
	}
	if (m->state == ONSHI_MODULE_FAILED && m->last_error[0])
		onshi_status_put(s, "error", m->last_error);
	else if (m->state == ONSHI_MODULE_RUNNING && m->device_down) {
		char why[400];
		long age = (long)(time(NULL) - m->device_since);

		snprintf(why, sizeof(why), "device not answering for %ld s: %s",
			 age < 0 ? 0 : age, m->device_why);
		onshi_status_put(s, "error", why);
		onshi_status_put_long(s, "device_down_since", (long)m->device_since);
	}
}

void onshi_module_status_lines(struct onshi_status_snapshot *s, void *ctx)
{
	struct onshi_core *core = ctx;

	for (struct onshi_module *m = core->modules; m; m = m->next)
		module_line(s, m);
}
