/* SPDX-License-Identifier: Apache-2.0 */
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
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "core.h"
#include "inquiry.h"
#include "maintenance.h"
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

/* key=value with quoting when needed. */
void onshi_control_put_kv(struct onshi_strbuf *b, const char *key, const char *value)
{
	int quote = !value[0] || strpbrk(value, " \t\"\\=") != NULL;

	onshi_strbuf_printf(b, "%s%s=", b->len && b->data[b->len - 1] != '\n'
						 ? " " : "", key);
	if (!quote) {
		onshi_strbuf_append(b, value, strlen(value));
		return;
	}
	onshi_strbuf_append(b, "\"", 1);
	for (const char *p = value; *p; p++) {
		if (*p == '"' || *p == '\\')
			onshi_strbuf_append(b, "\\", 1);
		if (*p == '\n' || *p == '\r')
			onshi_strbuf_append(b, " ", 1); /* one line per item */
		else
			onshi_strbuf_append(b, p, 1);
	}
	onshi_strbuf_append(b, "\"", 1);
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

static void module_line(struct onshi_strbuf *b, const struct onshi_module *m)
{
	const struct onshi_plugin *d =
		m->inst ? m->inst->plugin->desc : NULL;

	onshi_control_put_kv(b, "module", m->name);
	onshi_control_put_kv(b, "state", onshi_module_shown_state(m));
	if (d) {
		onshi_control_put_kv(b, "plugin", d->name);
		onshi_control_put_kv(b, "version", d->version);
		onshi_control_put_kv(b, "vendor", d->vendor ? d->vendor : "");
		onshi_control_put_kv(b, "institution", m->inst->institution_code);
		if (d->ops->status && ONSHI_OPS_HAS(d->ops_size, status)) {
			char st[256] = "";

			d->ops->status(m->inst->state, st, sizeof(st));
			st[sizeof(st) - 1] = '\0';
			onshi_control_put_kv(b, "status", st);
		}
	}
	/* A disabled module has no current event to show. */
	if (m->last_event_at && m->state != ONSHI_MODULE_DISABLED) {
		long age = (long)(time(NULL) - m->last_event_at);

		onshi_control_put_kv(b, "event", m->last_event);
		onshi_control_put_kv_long(b, "event_at", (long)m->last_event_at);
		onshi_control_put_kv_long(b, "event_age_s", age < 0 ? 0 : age);
	}
	if (m->state == ONSHI_MODULE_FAILED && m->last_error[0])
		onshi_control_put_kv(b, "error", m->last_error);
	else if (m->state == ONSHI_MODULE_RUNNING && m->device_down) {
		char why[400];
		long age = (long)(time(NULL) - m->device_since);

		snprintf(why, sizeof(why), "device not answering for %ld s: %s",
			 age < 0 ? 0 : age, m->device_why);
		onshi_control_put_kv(b, "error", why);
		onshi_control_put_kv_long(b, "device_down_since",
					  (long)m->device_since);
	}
	onshi_strbuf_append(b, "\n", 1);
}

static unsigned count_modules(struct onshi_core *core)
{
	unsigned n = 0;

	for (struct onshi_module *m = core->modules; m; m = m->next)
		n++;
	return n;
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

/* The remote-maintenance line of STATUS (nothing when not configured). */
static void maintenance_line(struct onshi_strbuf *b,
			     const struct onshi_maintenance *m)
{
	const char *reason;
	enum onshi_maint_outcome o;
	char serial[24];

	if (!m)
		return;
	o = onshi_maintenance_outcome(m, &reason);
	onshi_control_put_kv(b, "maintenance", onshi_maintenance_url(m));
	onshi_control_put_kv_long(b, "last_poll",
				  (long)onshi_maintenance_last_poll(m));
	snprintf(serial, sizeof(serial), "%llu",
		 (unsigned long long)onshi_maintenance_serial(m));
	onshi_control_put_kv(b, "serial", serial);
	onshi_control_put_kv(b, "outcome", onshi_maint_outcome_name(o));
	if (*reason)
		onshi_control_put_kv(b, "reason", reason);
	onshi_strbuf_append(b, "\n", 1);
}

/*
 * The national link in one word (ok, idle = nothing asked yet,
 * maintenance, degraded, down, or off = not configured), since when, and
 * why it is not ok: the last call's or idle probe's finding.
 */
static void link_fields(struct onshi_strbuf *b, const struct onshi_national *n)
{
	time_t since;
	const char *why;
	enum onshi_national_link l = onshi_national_link(n, &since, &why);
	long age = (long)(time(NULL) - since);

	if (!n) {
		onshi_control_put_kv(b, "national_link", "off");
		return;
	}
	onshi_control_put_kv(b, "national_link", onshi_national_link_word(l));
	if (since) {
		onshi_control_put_kv_long(b, "national_link_since", (long)since);
		onshi_control_put_kv_long(b, "national_link_age_s", age < 0 ? 0 : age);
	}
	if (*why)
		onshi_control_put_kv(b, "national_link_reason", why);
}

/* "today=YYYY-MM-DD valid=.. invalid=.. ..." (reset at local midnight). */
static void today_line(struct onshi_core *core, struct onshi_strbuf *b)
{
	struct onshi_counts c;
	char day[48];

	onshi_counts_today(core, &c);
	snprintf(day, sizeof(day), "%04ld-%02ld-%02ld", c.day / 10000,
		 c.day / 100 % 100, c.day % 100);
	onshi_control_put_kv(b, "today", day);
	onshi_control_put_kv_long(b, "valid", c.valid);
	onshi_control_put_kv_long(b, "invalid", c.invalid);
	onshi_control_put_kv_long(b, "no_record", c.no_record);
	onshi_control_put_kv_long(b, "other", c.other);
	onshi_control_put_kv_long(b, "errors", c.errors);
	onshi_control_put_kv_long(b, "card_face", c.card_face);
	onshi_control_put_kv_long(b, "card_pin", c.card_pin);
	onshi_control_put_kv_long(b, "card_visual", c.card_visual);
	for (int i = 0; onshi_counts_family_key(i); i++)
		onshi_control_put_kv_long(b, onshi_counts_family_key(i),
					  c.requests[i]);
	onshi_strbuf_append(b, "\n", 1);
}

void onshi_status_report(struct onshi_core *core, struct onshi_strbuf *reply)
{
	const struct onshi_config *cfg = core->config;
	unsigned ninst = 0;

	for (size_t i = 0; i < cfg->nsections; i++)
		if (strcmp(cfg->sections[i].type, "institution") == 0)
			ninst++;
	/* With a national link, each institution also gets a cert line; the
	 * today line comes last. */
	onshi_strbuf_printf(reply, "%u status\n",
			    1 + ninst * (core->national ? 2 : 1) +
				    count_modules(core) +
				    (core->maintenance != NULL) + 1);
	onshi_control_put_kv(reply, "daemon", "onshid");
	onshi_control_put_kv(reply, "version", PACKAGE_VERSION);
	onshi_strbuf_printf(reply, " abi=%d.%d", ONSHI_ABI_MAJOR,
			    ONSHI_ABI_MINOR);
	onshi_control_put_kv_long(reply, "pid", (long)getpid());
	onshi_control_put_kv_long(reply, "uptime_s", (long)(time(NULL) - core->started_at));
	onshi_control_put_kv(reply, "config", cfg->path);
	{
		size_t unanswered, depth = onshi_inquiry_depth(core, &unanswered);

		onshi_control_put_kv_long(reply, "spool", (long)depth);
		onshi_control_put_kv_long(reply, "unanswered", (long)unanswered);
	}
	onshi_control_put_kv(reply, "national", onshi_national_state(core->national));
	onshi_control_put_kv(reply, "national_endpoint", onshi_national_endpoint(core->national));
	onshi_control_put_kv_long(reply, "national_pending",
		    (long)onshi_national_pending(core->national));
	link_fields(reply, core->national);
	if (onshi_status_page_listen(core)) {
		char url[512], trouble[320];
		const char *t = onshi_status_page_trouble(core, trouble,
							  sizeof(trouble));

		/* onshictl prints the value as it is: the trouble follows the
		 * address on the "status page" line. */
		snprintf(url, sizeof(url), "http://%s/%s%s",
			 onshi_status_page_listen(core), t ? " — " : "",
			 t ? t : "");
		onshi_control_put_kv(reply, "status_page", url);
	}
	onshi_strbuf_append(reply, "\n", 1);
	for (size_t i = 0; i < cfg->nsections; i++) {
		const struct onshi_conf_section *s = &cfg->sections[i];
		const char *name;

		if (strcmp(s->type, "institution") != 0)
			continue;
		onshi_control_put_kv(reply, "institution", s->name);
		onshi_control_put_kv(reply, "code", onshi_conf_section_get(s, "code"));
		name = onshi_conf_section_get(s, "name");
		if (name)
			onshi_control_put_kv(reply, "name", name);
		onshi_strbuf_append(reply, "\n", 1);
		if (core->national)
			onshi_control_cert_line(core, s->name, reply);
	}
	maintenance_line(reply, core->maintenance);
	for (struct onshi_module *m = core->modules; m; m = m->next)
		module_line(reply, m);
	today_line(core, reply);
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
		onshi_status_report(core, reply);
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
	onshi_strbuf_printf(reply, "%u modules\n", count_modules(core));
	for (struct onshi_module *m = core->modules; m; m = m->next)
		module_line(reply, m);
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
