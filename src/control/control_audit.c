/* SPDX-License-Identifier: Apache-2.0 */
/*
 * control_audit.c — AUDIT VERIFY: the daemon checks its own audit log
 * (onshictl's user usually cannot read the 0600 file).
 *
 * Besides the chain itself, the file's last record must be the one the
 * daemon wrote last: that catches records cut off the end, which the
 * chain alone cannot show. The reply is "0 N records, chain intact" and a
 * key=value line, or "-1 PATH: line N: why".
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "audit.h"
#include "control.h"
#include "core.h"

static void cmd_audit(struct onshi_core *core, struct onshi_control_client *client,
		      int argc, char **argv, struct onshi_strbuf *reply)
{
	struct onshi_audit_report rep;
	const char *path = onshi_audit_path(core);
	char msg[512], head[ONSHI_AUDIT_HASH_HEX + 1];
	uint64_t seq;

	if (strcasecmp(argv[1], "VERIFY") != 0) {
		onshi_strbuf_printf(reply, "-1 usage: AUDIT VERIFY\n");
		return;
	}
	if (!path) {
		onshi_strbuf_printf(reply, "-1 the audit log is not open\n");
		return;
	}
	if (onshi_audit_verify_file(path, &rep, msg, sizeof(msg)) != 0) {
		onshi_strbuf_printf(reply, "-1 %s: %s\n", path, msg);
		return;
	}
	if (onshi_audit_head(core, &seq, head) == 0 &&
	    (rep.last_seq != seq || strcmp(rep.last_hash, head) != 0)) {
		onshi_strbuf_printf(reply,
				    "-1 %s: truncated or replaced: the file ends at record %" PRIu64
				    " but the daemon last wrote record %" PRIu64 "\n",
				    path, rep.last_seq, seq);
		return;
	}
	onshi_strbuf_printf(reply, "1 %lu records, chain intact%s\n",
			    rep.records, rep.gaps ? " (with recorded gaps)" : "");
	onshi_control_put_kv(reply, "file", path);
	onshi_control_put_kv_long(reply, "records", (long)rep.records);
	onshi_control_put_kv_long(reply, "gaps", (long)rep.gaps);
	onshi_control_put_kv_long(reply, "dropped", (long)rep.dropped);
	snprintf(msg, sizeof(msg), "%" PRIu64, rep.last_seq);
	onshi_control_put_kv(reply, "last_seq", msg);
	onshi_control_put_kv(reply, "head", rep.last_seq ? rep.last_hash : "-");
	if (rep.gap_note[0])
		onshi_control_put_kv(reply, "gap", rep.gap_note);
	onshi_strbuf_append(reply, "\n", 1);
}

/* Added by core.c to the control socket's commands (control_dispatch.h). */
const struct onshi_control_command onshi_control_audit_cmds[] = {
	{ "AUDIT", 1, 1, "AUDIT VERIFY", cmd_audit },
	{ NULL, 0, 0, NULL, NULL },
};
