/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cert_status.c — the clinic's client certificate as the daemon reports
 * it: the files an institution uses, its STATUS / CERT STATUS line, and the
 * start-up log of problems and expiry warnings (cert_status.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cert_status.h"
#include "control_reply.h"
#include "core.h"
#include "utc.h"

void onshi_cert_paths_free(struct onshi_cert_paths *p)
{
	free(p->cert);
	free(p->key);
	free(p->p12);
	free(p->ca);
	memset(p, 0, sizeof(*p));
}

int onshi_cert_paths_find(struct onshi_core *core, const char *inst_name,
			  struct onshi_cert_paths *p, char *why, size_t whylen)
{
	const struct onshi_config *cfg = core->config;
	const struct onshi_conf_section *nat = onshi_config_section(cfg, "national",
								    NULL);
	const struct onshi_conf_section *inst = NULL, *src;

	memset(p, 0, sizeof(*p));
	if (!nat) {
		snprintf(why, whylen,
			 "no [national] section: no client certificate configured");
		return ONSHI_ENOTFOUND;
	}
	p->code = onshi_control_institution_code(core, inst_name, why, whylen);
	if (!p->code)
		return ONSHI_ENOTFOUND;
	for (size_t i = 0; i < cfg->nsections; i++)
		if (strcmp(cfg->sections[i].type, "institution") == 0 &&
		    strcmp(onshi_conf_section_get(&cfg->sections[i], "code") ?: "",
			   p->code) == 0)
			inst = &cfg->sections[i];
	p->name = inst ? inst->name : "";
	p->org = inst ? onshi_conf_section_get(inst, "name") : NULL;
	src = onshi_conf_tls_identity(inst, nat);
	p->cert = onshi_conf_section_path(cfg, src, "client_cert");
	p->key = onshi_conf_section_path(cfg, src, "client_key");
	p->p12 = onshi_conf_section_path(cfg, src, "client_p12");
	p->p12_password = onshi_conf_section_get(src, "client_p12_password");
	p->ca = onshi_conf_section_path(cfg, nat, "ca_bundle");
	return ONSHI_OK;
}

/* A field sink writing " key=value" into a reply line. */
static void put_text(void *ctx, const char *key, const char *value)
{
	onshi_control_put_kv(ctx, key, value);
}

static void put_long(onshi_cert_put_fn put, void *ctx, const char *key, long value)
{
	char num[32];

	snprintf(num, sizeof(num), "%ld", value);
	put(ctx, key, num);
}

static void info_fields(const struct onshi_cert_info *i, onshi_cert_put_fn put,
			void *ctx)
{
	char date[32];

	put(ctx, "cn", i->cn);
	if (i->subject[0])
		put(ctx, "subject", i->subject);
	put(ctx, "issuer", i->issuer);
	put(ctx, "serial", i->serial_hex);
	if (i->not_after) {
		onshi_utc_format(date, sizeof(date), ONSHI_UTC_DATE, i->not_after);
		put(ctx, "not_after", date);
		put_long(put, ctx, "days_left", i->days_left);
	}
}

void onshi_cert_put_info(struct onshi_strbuf *b, const struct onshi_cert_info *i)
{
	info_fields(i, put_text, b);
}

void onshi_cert_status_fields(struct onshi_core *core, const char *inst_name,
			      onshi_cert_put_fn put, void *ctx)
{
	struct onshi_cert_info info;
	struct onshi_cert_paths p;
	char why[512];
	int rc;

	memset(&info, 0, sizeof(info));
	rc = onshi_cert_paths_find(core, inst_name, &p, why, sizeof(why));
	if (rc == ONSHI_OK)
		rc = onshi_cert_check_client(p.p12 ? NULL : p.cert,
					     p.p12 ? NULL : p.key, p.p12,
					     p.p12_password, p.ca, time(NULL),
					     &info, why, sizeof(why));
	if (rc == ONSHI_OK)
		rc = onshi_cert_check_institution(&info, p.code, why, sizeof(why));
	put(ctx, "cert", p.name ? p.name : "");
	put(ctx, "code", p.code ? p.code : "");
	/* Expired is its own state: the one failure only a new certificate
	 * cures, and the one the front desk hears about. */
	put(ctx, "state",
	    rc == ONSHI_OK ? (info.warning ? "warning" : "ok")
	    : info.not_after && info.not_after < time(NULL) ? "expired"
							    : "error");
	info_fields(&info, put, ctx);
	if (rc != ONSHI_OK)
		put(ctx, "message", why);
	else if (info.warning)
		put(ctx, "message", info.warning_msg);
	onshi_cert_paths_free(&p);
}

/* One key=value line about one institution's certificate (CERT STATUS). */
void onshi_cert_status_line(struct onshi_core *core, const char *inst_name,
			    struct onshi_strbuf *b)
{
	onshi_cert_status_fields(core, inst_name, put_text, b);
	onshi_strbuf_append(b, "\n", 1);
}

void onshi_cert_log_startup(struct onshi_core *core)
{
	const struct onshi_config *cfg = core->config;

	if (!core->national)
		return;
	for (size_t i = 0; i < cfg->nsections; i++) {
		const struct onshi_conf_section *s = &cfg->sections[i];
		struct onshi_cert_info info;
		struct onshi_cert_paths p;
		char why[512];
		int rc;

		if (strcmp(s->type, "institution") != 0)
			continue;
		memset(&info, 0, sizeof(info));
		rc = onshi_cert_paths_find(core, s->name, &p, why, sizeof(why));
		if (rc == ONSHI_OK)
			rc = onshi_cert_check_client(p.p12 ? NULL : p.cert,
						     p.p12 ? NULL : p.key,
						     p.p12, p.p12_password,
						     p.ca, time(NULL), &info,
						     why, sizeof(why));
		if (rc == ONSHI_OK)
			rc = onshi_cert_check_institution(&info, p.code, why,
							  sizeof(why));
		if (rc != ONSHI_OK)
			onshi_logf(&core->log, ONSHI_LOG_ERR,
				   "[institution %s]: %s", s->name, why);
		else if (info.warning)
			onshi_logf(&core->log, ONSHI_LOG_WARNING,
				   "[institution %s]: %s", s->name,
				   info.warning_msg);
		onshi_cert_paths_free(&p);
	}
}
