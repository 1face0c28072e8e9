/* SPDX-License-Identifier: Apache-2.0 */
/*
 * control_maintenance.c — MAINTENANCE POLL (`onshictl maintenance poll`):
 * poll the manifest now instead of waiting for [maintenance] poll_s, and
 * answer with the outcome once the poll has finished: "0 manifest 42
 * applied: ..." (or "0 manifest 42 unchanged: ..." / "0 no manifest
 * published yet ...") or "-1 manifest refused: <reason>" / "-1 cannot fetch the
 * manifest: <reason>".
 */
#include "config.h"

#include <strings.h>

#include "control.h"
#include "core.h"
#include "maintenance.h"

static void on_polled(void *arg, enum onshi_maint_outcome o, const char *reason)
{
	struct onshi_strbuf reply = { 0 };

	onshi_strbuf_printf(&reply, "%d %s\n",
			    onshi_maint_outcome_ok(o) ? 0 : -1, reason);
	onshi_control_answer(arg, &reply);
	onshi_strbuf_free(&reply);
}

static void cmd_maintenance(struct onshi_core *core,
			    struct onshi_control_client *client, int argc,
			    char **argv, struct onshi_strbuf *reply)
{
	if (strcasecmp(argv[1], "POLL") != 0) {
		onshi_strbuf_printf(reply, "-1 usage: MAINTENANCE POLL\n");
		return;
	}
	if (!core->maintenance) {
		onshi_strbuf_printf(reply,
				    "-1 remote maintenance is not configured (no [maintenance] section)\n");
		return;
	}
	if (onshi_maintenance_poll(core->maintenance, on_polled,
				   onshi_control_hold(client)) != ONSHI_OK) {
		struct onshi_strbuf err = { 0 };

		onshi_strbuf_printf(&err, "-1 out of memory\n");
		onshi_control_answer(client, &err);
		onshi_strbuf_free(&err);
	}
}

/* Added by core.c to the control socket's commands (control_dispatch.h). */
const struct onshi_control_command onshi_control_maintenance_cmds[] = {
	{ "MAINTENANCE", 1, 1, "MAINTENANCE POLL", cmd_maintenance },
	{ NULL, 0, 0, NULL, NULL },
};
