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

#include "control.h"
#include "core.h"
#include "inquiry.h"
#include "maintenance.h"
#include "module.h"
#include "national.h"
#include "status.h"

/* Enough for the cert line (cert, code, state, the certificate's facts,
 * message). */
#define CERT_LINE_MAX_FIELDS 32

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

/*
 * An institution's certificate line. onshi_control_cert_line still writes
 * key=value text: read it back into fields until the certificate check
 * gives its facts as a status line of its own.
 */
static void cert_line(struct onshi_status_snapshot *s, struct onshi_core *core,
		      const char *inst_name)
{
	struct onshi_strbuf text = { 0 };
	struct onshi_kv f[CERT_LINE_MAX_FIELDS];
	char *nl;
	int n;

	onshi_control_cert_line(core, inst_name, &text);
	if (text.failed || !text.data) {
		s->failed = 1;
		onshi_strbuf_free(&text);
		return;
	}
	nl = strchr(text.data, '\n');
	if (nl)
		*nl = '\0';
	n = onshi_kv_parse(text.data, f, CERT_LINE_MAX_FIELDS);
	if (n > 0) {
		onshi_status_line_begin(s, f[0].key, f[0].value);
		for (int i = 1; i < n; i++)
			onshi_status_put(s, f[i].key, f[i].value);
	}
	onshi_strbuf_free(&text);
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
			cert_line(s, core, sec->name);
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
