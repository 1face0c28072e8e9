/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core_status.c — the core's own lines of the status model, and the
 * wiring: which providers make the STATUS report, in which order.
 *
 * The order is the report's: the daemon line (with the spool, the national
 * link and the status page's address added by their providers), each
 * institution (followed by its certificate line when there is a national
 * link), remote maintenance, the modules, and today's counts.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <onshi/plugin.h>

#include "cert_status.h"
#include "core.h"
#include "inquiry.h"
#include "maintenance.h"
#include "module.h"
#include "national.h"
#include "status.h"
#include "vpn.h"

static void daemon_line(struct onshi_status_snapshot *s, void *ctx)
{
	struct onshi_core *core = ctx;
	char abi[32];

	snprintf(abi, sizeof(abi), "%d.%d", ONSHI_ABI_MAJOR, ONSHI_ABI_MINOR);
	onshi_status_line_begin(s, "daemon", "onshid");
	onshi_status_put(s, "version", PACKAGE_VERSION);
	onshi_status_put(s, "abi", abi);
	onshi_status_put_long(s, "pid", (long)getpid());
	onshi_status_put_long(s, "uptime_s", (long)(time(NULL) - core->started_at));
	onshi_status_put(s, "config", core->config->path);
}

/* An institution's certificate facts as a line of their own. */
static void cert_field(void *ctx, const char *key, const char *value)
{
	struct onshi_status_snapshot *s = ctx;

	if (strcmp(key, "cert") == 0)
		onshi_status_line_begin(s, key, value);
	else
		onshi_status_put(s, key, value);
}

static void institution_lines(struct onshi_status_snapshot *s, void *ctx)
{
	struct onshi_core *core = ctx;
	const struct onshi_config *cfg = core->config;

	for (size_t i = 0; i < cfg->nsections; i++) {
		const struct onshi_conf_section *sec = &cfg->sections[i];
		const char *name;

		if (strcmp(sec->type, "institution") != 0)
			continue;
		onshi_status_line_begin(s, "institution", sec->name);
		onshi_status_put(s, "code", onshi_conf_section_get(sec, "code"));
		name = onshi_conf_section_get(sec, "name");
		if (name)
			onshi_status_put(s, "name", name);
		if (core->national)
			onshi_cert_status_fields(core, sec->name, cert_field, s);
	}
}

int onshi_core_status_register(struct onshi_core *core)
{
	static const struct {
		const char *name;
		onshi_status_provider_fn fn;
	} providers[] = {
		{ "daemon", daemon_line },
		{ "spool", onshi_inquiry_status_fields },
		{ "national", onshi_national_status_fields },
		{ "status_page", onshi_status_page_status_field },
		{ "vpn", onshi_vpn_status_line },
		{ "institutions", institution_lines },
		{ "maintenance", onshi_maintenance_status_line },
		{ "modules", onshi_module_status_lines },
		{ "today", onshi_counts_status_line },
	};

	for (size_t i = 0; i < sizeof(providers) / sizeof(providers[0]); i++) {
		int rc = onshi_status_register(&core->status, providers[i].name,
					       providers[i].fn, core);

		if (rc != ONSHI_OK)
			return rc;
	}
	return ONSHI_OK;
}
