/*
 * control_cmds.c — the commands of the control socket.
 *
 * Replies are "N message" plus N lines. Lines that describe things are
 * space-separated key=value tokens (values with spaces in double quotes,
 * '"' and '\' escaped with '\'), so that both people and scripts can read
 * them; onshictl turns them into a dashboard.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "control.h"
#include "core.h"
#include "module.h"
#include "national.h"
#include "status.h"

#include <onshi/message.h>

#define MAX_ARGS 16


struct command {
	const char *name;
	int min_args, max_args;
	const char *usage;
	void (*run)(struct onshi_core *core, struct onshi_control_client *client,
		    int argc, char **argv, struct onshi_strbuf *reply);
};

/* key=value with quoting when needed (the status model's writer). */
void onshi_control_put_kv(struct onshi_strbuf *b, const char *key, const char *value)
{
	onshi_kv_put(b, key, value);
}

void onshi_control_put_kv_long(struct onshi_strbuf *b, const char *key,
			       long value)
{
	char num[32];

	snprintf(num, sizeof(num), "%ld", value);
	onshi_control_put_kv(b, key, num);
}

/* The [institution] to ask for: named, or the only one. */
const char *onshi_control_institution_code(struct onshi_core *core,
					   const char *name, char *why,
					   size_t whylen)
{
	const struct onshi_config *cfg = core->config;
	const struct onshi_conf_section *only = NULL;

	if (name) {
		const struct onshi_conf_section *s =
			onshi_config_section(cfg, "institution", name);

		if (!s)
			snprintf(why, whylen, "no [institution %s]", name);
		return s ? onshi_conf_section_get(s, "code") : NULL;
	}
	for (size_t i = 0; i < cfg->nsections; i++) {
		if (strcmp(cfg->sections[i].type, "institution") != 0)
			continue;
		if (only) {
			snprintf(why, whylen,
				 "several institutions: say which with --institution NAME");
			return NULL;
		}
		only = &cfg->sections[i];
	}
	if (!only)
		snprintf(why, whylen, "no [institution] configured");
	return only ? onshi_conf_section_get(only, "code") : NULL;
}

int onshi_control_national_failure(struct onshi_strbuf *reply,
				   enum onshi_national_outcome outcome,
				   long status, const char *body, size_t len,
				   const char *why)
{
	struct onshi_msg err;

	if (outcome == ONSHI_NATIONAL_ANSWER)
		return 0;
	if (outcome == ONSHI_NATIONAL_UNAVAILABLE) {
		onshi_strbuf_printf(reply, "-1 national service unavailable: %s\n",
				    why);
		return 1;
	}
	/* Refusals come with an error document that says why. */
	if (onshi_msg_parse(ONSHI_MSG_ERROR, body, len, NULL, &err, NULL, 0) ==
		    ONSHI_OK &&
	    err.u.error.hdr.error_message)
		onshi_strbuf_printf(reply,
				    "-1 refused by the national service (HTTP %ld, %s): %s\n",
				    status,
				    err.u.error.hdr.error_code ? err.u.error.hdr.error_code : "-",
				    err.u.error.hdr.error_message);
	else
		onshi_strbuf_printf(reply, "-1 %s\n", why);
	onshi_msg_clear(&err);
	return 1;
}

static void cmd_version(struct onshi_core *core,
			struct onshi_control_client *client, int argc,
			char **argv, struct onshi_strbuf *reply)
{
	onshi_strbuf_printf(reply, "1 version\n");
	onshi_control_put_kv(reply, "onshid", PACKAGE_VERSION);
	onshi_strbuf_printf(reply, " abi=%d.%d\n", ONSHI_ABI_MAJOR,
			    ONSHI_ABI_MINOR);
}

/* The STATUS reply: "N status" and the status model's lines. */
static void status_report(struct onshi_core *core, struct onshi_strbuf *reply)
{
	struct onshi_status_snapshot s;

	if (onshi_status_snapshot_take(core, &s) < 0)
		onshi_strbuf_printf(reply, "-1 cannot build the status report (out of memory)\n");
	else {
		onshi_strbuf_printf(reply, "%zu status\n", s.nlines);
		onshi_status_text(&s, reply);
	}
	onshi_status_snapshot_free(&s);
}

/* STATUS, or STATUS XML: the same report as one XML document, a line each. */
static void cmd_status(struct onshi_core *core,
			struct onshi_control_client *client, int argc,
			char **argv, struct onshi_strbuf *reply)
{
	char *xml = NULL;
	size_t len = 0;
	unsigned lines = 0;

	if (argc < 2) {
		status_report(core, reply);
		return;
	}
	if (strcasecmp(argv[1], "XML") != 0) {
		onshi_strbuf_printf(reply, "-1 STATUS takes no argument or XML, not '%s'\n",
				    argv[1]);
		return;
	}
	if (onshi_status_xml(core, &xml, &len) != ONSHI_OK) {
		onshi_strbuf_printf(reply, "-1 cannot build the status XML document (out of memory?)\n");
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

static void cmd_list(struct onshi_core *core,
			struct onshi_control_client *client, int argc,
			char **argv, struct onshi_strbuf *reply)
{
	struct onshi_status_snapshot s = { 0 };

	/* The module lines of STATUS, alone. */
	onshi_module_status_lines(&s, core);
	if (s.failed)
		onshi_strbuf_printf(reply, "-1 cannot list the modules (out of memory)\n");
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
	char msg[1024];

	if (!m) {
		onshi_strbuf_printf(reply,
				    "-1 no module '%s' (modules are named reader:NAME or rececon:NAME; see LIST)\n",
				    name);
		return;
	}
	if (action(m, msg, sizeof(msg)) != ONSHI_OK) {
		onshi_strbuf_printf(reply, "-1 %s\n", msg);
		return;
	}
	onshi_strbuf_printf(reply, "0 %s\n", msg);
}

static void cmd_enable(struct onshi_core *core,
			struct onshi_control_client *client, int argc,
			char **argv, struct onshi_strbuf *reply)
{
	module_action(core, argv[1], reply, onshi_module_enable);
}

static void cmd_disable(struct onshi_core *core,
			struct onshi_control_client *client, int argc,
			char **argv, struct onshi_strbuf *reply)
{
	module_action(core, argv[1], reply, onshi_module_disable);
}

static void cmd_reload(struct onshi_core *core,
			struct onshi_control_client *client, int argc,
			char **argv, struct onshi_strbuf *reply)
{
	module_action(core, argv[1], reply, onshi_module_reload);
}

static void cmd_help(struct onshi_core *core,
			struct onshi_control_client *client, int argc,
			char **argv, struct onshi_strbuf *reply);

static const struct command commands[] = {
	{ "VERSION", 0, 0, "VERSION", cmd_version },
	{ "STATUS", 0, 1, "STATUS [XML]", cmd_status },
	{ "LIST", 0, 0, "LIST", cmd_list },
	{ "ENABLE", 1, 1, "ENABLE MODULE", cmd_enable },
	{ "DISABLE", 1, 1, "DISABLE MODULE", cmd_disable },
	{ "RELOAD", 1, 1, "RELOAD MODULE", cmd_reload },
	{ "VERIFY", 5, 6,
	  "VERIFY insurer=N symbol=S number=N branch=NN birth=YYYYMMDD [institution=NAME]",
	  onshi_control_cmd_verify },
	{ "CERT", 1, 3, "CERT STATUS|CSR [institution=NAME] | CERT INSTALL bytes=N [institution=NAME] (N bytes follow)",
	  onshi_control_cmd_cert },
	{ "BATCH", 2, 9,
	  "BATCH SUBMIT bytes=N (N bytes follow) | BATCH SUBMIT - kind=.. | BATCH FETCH RECEPTION [institution=NAME] "
	  "[kind=online|home-visit|medical-aid] [from=YYYYMMDD to=YYYYMMDD [by=consent]] "
	  "[month=YYYYMM] [flag=N]",
	  onshi_control_cmd_batch },
	{ "MAINTENANCE", 1, 1, "MAINTENANCE POLL",
	  onshi_control_cmd_maintenance },
	{ "AUDIT", 1, 1, "AUDIT VERIFY", onshi_control_cmd_audit },
	{ "SELFTEST", 0, 0, "SELFTEST", onshi_control_cmd_selftest },
	{ "HELP", 0, 0, "HELP", cmd_help },
	{ NULL, 0, 0, NULL, NULL },
};

static void cmd_help(struct onshi_core *core,
			struct onshi_control_client *client, int argc,
			char **argv, struct onshi_strbuf *reply)
{
	unsigned n = 0;

	for (const struct command *c = commands; c->name; c++)
		n++;
	onshi_strbuf_printf(reply, "%u commands\n", n);
	for (const struct command *c = commands; c->name; c++)
		onshi_strbuf_printf(reply, "%s\n", c->usage);
}

void onshi_control_dispatch(struct onshi_core *core,
			    struct onshi_control_client *client, char *line,
			    struct onshi_strbuf *reply)
{
	char *argv[MAX_ARGS], *save = NULL;
	int argc = 0;

	for (char *w = strtok_r(line, " \t", &save); w;
	     w = strtok_r(NULL, " \t", &save)) {
		if (argc == MAX_ARGS) {
			onshi_strbuf_printf(reply, "-1 too many words\n");
			return;
		}
		argv[argc++] = w;
	}
	if (argc == 0) {
		onshi_strbuf_printf(reply, "-1 empty request (try HELP)\n");
		return;
	}
	for (const struct command *c = commands; c->name; c++) {
		if (strcasecmp(argv[0], c->name) != 0)
			continue;
		if (argc - 1 < c->min_args || argc - 1 > c->max_args) {
			onshi_strbuf_printf(reply, "-1 usage: %s\n", c->usage);
			return;
		}
		c->run(core, client, argc, argv, reply);
		return;
	}
	/* Echo at most a bounded, printable part of what was sent. */
	onshi_strbuf_printf(reply, "-1 unknown command '%.32s' (try HELP)\n",
			    argv[0]);
}
