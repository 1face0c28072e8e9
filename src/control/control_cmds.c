/* SPDX-License-Identifier: Apache-2.0 */
/*
 * control_cmds.c — the control socket's own commands: VERSION, STATUS,
 * LIST, ENABLE, DISABLE, RELOAD (the table onshi_control_cmds; the other
 * families have a file and a table each, HELP is the dispatcher's).
 *
 * Replies are "N message" plus N lines. Lines that describe things are
 * space-separated key=value tokens (control_reply.h), so that both people
 * and scripts can read them; onshictl turns them into a dashboard.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cert_status.h"
#include "control.h"
#include "core.h"
#include "module.h"
#include "national.h"
#include "status.h"

#include <onshi/message.h>

static void cmd_version(struct onshi_core *core, struct onshi_control_client *client,
			int argc, char **argv, struct onshi_strbuf *reply)
{
	onshi_strbuf_printf(reply, "1 version\n");
	onshi_control_put_kv(reply, "onshid", PACKAGE_VERSION);
	onshi_strbuf_printf(reply, " abi=%d.%d\n", ONSHI_ABI_MAJOR, ONSHI_ABI_MINOR);
}

/* The STATUS reply: "N status" and the status model's lines. */
static void status_report(struct onshi_core *core, struct onshi_strbuf *reply)
{
	struct onshi_status_snapshot s;

	if (onshi_status_snapshot_take(core, &s) < 0)
		onshi_strbuf_printf(reply,
				    "-1 cannot build the status report (out of memory)\n");
	else {
		onshi_strbuf_printf(reply, "%zu status\n", s.nlines);
		onshi_status_text(&s, reply);
	}
	onshi_status_snapshot_free(&s);
}

/* STATUS, or STATUS XML: the same report as one XML document, a line each. */
static void cmd_status(struct onshi_core *core, struct onshi_control_client *client,
		       int argc, char **argv, struct onshi_strbuf *reply)
{
	char *xml = NULL;
	size_t len = 0;
	unsigned lines = 0;

	if (argc < 2) {
		status_report(core, reply);
		return;
	}
	if (strcasecmp(argv[1], "XML") != 0) {
		char q[ONSHI_CONTROL_QUOTE_MAX];

		onshi_strbuf_printf(reply,
				    "-1 STATUS takes no argument or XML, not '%s'\n",
				    onshi_control_quote(argv[1], q));
		return;
	}
	if (onshi_status_xml(core, &xml, &len) != ONSHI_OK) {
		onshi_strbuf_printf(reply,
				    "-1 cannot build the status XML document (out of memory?)\n");
		return;
	}
	/* The document never holds a bare CR (values are sanitized). */
	for (size_t i = 0; i < len; i++)
		lines += xml[i] == '\n';
	if (len && xml[len - 1] != '\n')
		lines++;
	onshi_strbuf_printf(reply, "%u status-xml\n", lines);
	onshi_strbuf_append(reply, xml, len);
	if (len && xml[len - 1] != '\n')
		onshi_strbuf_append(reply, "\n", 1);
	free(xml);
}

static void cmd_list(struct onshi_core *core, struct onshi_control_client *client,
		     int argc, char **argv, struct onshi_strbuf *reply)
{
	struct onshi_status_snapshot s = { 0 };

	/* The module lines of STATUS, alone. */
	onshi_module_status_lines(&s, core);
	if (s.failed)
		onshi_strbuf_printf(reply,
				    "-1 cannot list the modules (out of memory)\n");
	else {
		onshi_strbuf_printf(reply, "%zu modules\n", s.nlines);
		onshi_status_text(&s, reply);
	}
	onshi_status_snapshot_free(&s);
}

static void module_action(struct onshi_core *core, const char *name,
			  struct onshi_strbuf *reply,
			  int (*action)(struct onshi_module *, char *, size_t))
{
	struct onshi_module *m = onshi_module_find(core, name);
	char msg[1024], q[ONSHI_CONTROL_QUOTE_MAX];

	if (!m) {
		onshi_strbuf_printf(reply,
				    "-1 no module '%s' (modules are named reader:NAME or rececon:NAME; see LIST)\n",
				    onshi_control_quote(name, q));
		return;
	}
	if (action(m, msg, sizeof(msg)) != ONSHI_OK) {
		onshi_strbuf_printf(reply, "-1 %s\n", msg);
		return;
	}
	onshi_strbuf_printf(reply, "0 %s\n", msg);
}

static void cmd_enable(struct onshi_core *core, struct onshi_control_client *client,
		       int argc, char **argv, struct onshi_strbuf *reply)
{
	module_action(core, argv[1], reply, onshi_module_enable);
}

static void cmd_disable(struct onshi_core *core, struct onshi_control_client *client,
			int argc, char **argv, struct onshi_strbuf *reply)
{
	module_action(core, argv[1], reply, onshi_module_disable);
}

static void cmd_reload(struct onshi_core *core, struct onshi_control_client *client,
		       int argc, char **argv, struct onshi_strbuf *reply)
{
	module_action(core, argv[1], reply, onshi_module_reload);
}

/* Added first by core.c to the control socket's commands
 * (control_dispatch.h); HELP comes last, from the dispatcher. */
const struct onshi_control_command onshi_control_cmds[] = {
	{ "VERSION", 0, 0, "VERSION", cmd_version },
	{ "STATUS", 0, 1, "STATUS [XML]", cmd_status },
	{ "LIST", 0, 0, "LIST", cmd_list },
	{ "ENABLE", 1, 1, "ENABLE MODULE", cmd_enable },
	{ "DISABLE", 1, 1, "DISABLE MODULE", cmd_disable },
	{ "RELOAD", 1, 1, "RELOAD MODULE", cmd_reload },
	{ NULL, 0, 0, NULL, NULL },
};
