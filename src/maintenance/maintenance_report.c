/* SPDX-License-Identifier: Apache-2.0 */
/*
 * maintenance_report.c — the status report (docs/maintenance.md "Status
 * report", etc/xsd/onshi-status-report.xsd): the document built from the
 * daemon's state now (modules, national link, client certificate, spool,
 * audit head, the last poll and the errors kept), and its POST to
 * report_url after each poll, one at a time, the newest state following.
 *
 * Apart from the poller because it reads the whole daemon (modules,
 * national link, certificates, spool, audit log), not the manifest.
 */
#include "config.h"

#include <curl/curl.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "cert.h"
#include "core.h"
#include "http.h"
#include "inquiry.h"
#include "maintenance.h"
#include "maintenance_internal.h"
#include "module.h"
#include "national.h"
#include "utc.h"
#include "vpn.h"

/* ---- the report ---- */

static void on_report_done(void *arg, CURL *easy, CURLcode res)
{
	struct onshi_maintenance *m = arg;
	struct fetch *f = &m->report;
	char why[REASON_LEN];

	f->res = res;
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &f->status);
	curl_easy_cleanup(easy);
	f->easy = NULL;
	m->reporting = 0;
	if (res != CURLE_OK || f->status < 200 || f->status > 299) {
		if (res == CURLE_OK)
			snprintf(why, sizeof(why), "%s: the server answered HTTP %ld",
				 m->report_url, f->status);
		else
			maint_fetch_problem(f, m->report_url, why, sizeof(why));
		onshi_logf(&m->core->log, ONSHI_LOG_WARNING,
			   "maintenance: status report not delivered: %s", why);
		maint_note_error(m, "report", why);
	} else {
		onshi_logf(&m->core->log, ONSHI_LOG_DEBUG,
			   "maintenance: status report delivered to %s",
			   m->report_url);
	}
	onshi_strbuf_free(&f->body);
	free(m->report_xml);
	m->report_xml = NULL;
	curl_slist_free_all(m->report_headers);
	m->report_headers = NULL;
	if (m->report_again) {
		m->report_again = 0;
		maint_send_report(m);
	}
}

void maint_send_report(struct onshi_maintenance *m)
{
	struct onshi_strbuf xml = { 0 };
	CURL *e;

	if (!m->report_url)
		return;
	if (m->reporting) {
		m->report_again = 1; /* the newest state follows this one */
		return;
	}
	if (onshi_maintenance_build_report(m->core, m, &xml) != ONSHI_OK) {
		onshi_strbuf_free(&xml);
		maint_note_error(m, "report",
				 "cannot build the status report: out of memory");
		return;
	}
	m->report_xml = xml.data; /* taken over */
	e = maint_new_easy(m, &m->report, m->report_url);
	if (!e) {
		free(m->report_xml);
		m->report_xml = NULL;
		return;
	}
	m->report_headers =
		curl_slist_append(NULL, "Content-Type: application/xml; charset=utf-8");
	m->report_headers = curl_slist_append(m->report_headers, "Expect:");
	curl_easy_setopt(e, CURLOPT_POST, 1L);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, m->report_xml);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)xml.len);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, m->report_headers);
	if (onshi_http_add(m->http, e, on_report_done, m) != ONSHI_OK) {
		maint_fetch_cancel(m, &m->report);
		free(m->report_xml);
		m->report_xml = NULL;
		curl_slist_free_all(m->report_headers);
		m->report_headers = NULL;
		return;
	}
	m->reporting = 1;
}

/* ---- the report document ---- */

static void set_prop(xmlNodePtr n, const char *name, const char *value)
{
	xmlSetProp(n, BAD_CAST name, BAD_CAST(value ? value : ""));
}

static void set_prop_num(xmlNodePtr n, const char *name, long long v)
{
	char num[32];

	snprintf(num, sizeof(num), "%lld", v);
	set_prop(n, name, num);
}

static void set_prop_time(xmlNodePtr n, const char *name, time_t t)
{
	char ts[32];

	onshi_utc_format(ts, sizeof(ts), ONSHI_UTC_ISO8601, t);
	set_prop(n, name, ts);
}

static void add_error(xmlNodePtr errors, time_t at, const char *source,
		      const char *text)
{
	xmlNodePtr e = xmlNewTextChild(errors, NULL, BAD_CAST "Error", BAD_CAST text);

	set_prop_time(e, "at", at);
	set_prop(e, "source", source);
}

static void report_cert(struct onshi_core *core, xmlNodePtr root)
{
	const struct onshi_config *cfg = core->config;
	const struct onshi_conf_section *nat = onshi_config_section(cfg, "national",
								    NULL);
	xmlNodePtr c = xmlNewChild(root, NULL, BAD_CAST "ClientCertificate", NULL);
	struct onshi_cert_info info;
	char *paths[4] = { NULL, NULL, NULL, NULL };
	static const char *const keys[4] = { "client_cert", "client_key",
					     "client_p12", "ca_bundle" };
	char msg[512];
	int rc;

	if (!nat) {
		set_prop(c, "status", "not-configured");
		return;
	}
	for (int i = 0; i < 4; i++)
		paths[i] = onshi_conf_section_path(cfg, nat, keys[i]);
	memset(&info, 0, sizeof(info));
	rc = onshi_cert_check_client(paths[0], paths[1], paths[2],
				     onshi_conf_section_get(nat, "client_p12_password"),
				     paths[3], time(NULL), &info, msg, sizeof(msg));
	set_prop(c, "status",
		 rc != ONSHI_OK ? "invalid"
		 : info.warning ? "expiring"
				: "ok");
	if (info.not_after) {
		set_prop_time(c, "notAfter", info.not_after);
		set_prop_num(c, "daysLeft", info.days_left);
	}
	if (info.cn[0])
		set_prop(c, "subjectCN", info.cn);
	xmlNodeAddContent(c, BAD_CAST msg);
	for (int i = 0; i < 4; i++)
		free(paths[i]);
}

int onshi_maintenance_build_report(struct onshi_core *core,
				   const struct onshi_maintenance *m,
				   struct onshi_strbuf *out)
{
	const struct onshi_config *cfg = core->config;
	xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
	xmlNodePtr root, n, errors;
	xmlChar *mem = NULL;
	size_t depth, unanswered;
	int size = 0;
	char abi[16];

	if (!doc)
		return ONSHI_ENOMEM;
	root = xmlNewNode(NULL, BAD_CAST "StatusReport");
	xmlDocSetRootElement(doc, root);
	set_prop(root, "version", "1");
	set_prop_time(root, "generatedAt", time(NULL));

	snprintf(abi, sizeof(abi), "%d.%d", ONSHI_ABI_MAJOR, ONSHI_ABI_MINOR);
	n = xmlNewChild(root, NULL, BAD_CAST "Daemon", NULL);
	set_prop(n, "version", PACKAGE_VERSION);
	set_prop(n, "pluginAbi", abi);
	set_prop_num(n, "pid", (long long)getpid());
	set_prop_num(n, "uptimeSeconds", (long long)(time(NULL) - core->started_at));

	for (size_t i = 0; i < cfg->nsections; i++) {
		const struct onshi_conf_section *s = &cfg->sections[i];

		if (strcmp(s->type, "institution") != 0)
			continue;
		n = xmlNewChild(root, NULL, BAD_CAST "Institution", NULL);
		set_prop(n, "name", s->name);
		set_prop(n, "code", onshi_conf_section_get(s, "code"));
	}

	for (struct onshi_module *mod = core->modules; mod; mod = mod->next) {
		const struct onshi_plugin *d = mod->inst ? mod->inst->plugin->desc
							 : NULL;
		const struct onshi_conf_section *sec =
			onshi_config_section(cfg, mod->section_type,
					     mod->section_name);

		n = xmlNewChild(root, NULL, BAD_CAST "Module", NULL);
		set_prop(n, "name", mod->name);
		set_prop(n, "state", onshi_module_state_name(mod->state));
		set_prop(n, "plugin",
			 d ? d->name : onshi_conf_section_get(sec, "plugin"));
		if (d) {
			char pabi[16];

			snprintf(pabi, sizeof(pabi), "%u.%u",
				 (unsigned)d->abi_major, (unsigned)d->abi_minor);
			set_prop(n, "pluginVersion", d->version);
			set_prop(n, "pluginAbi", pabi);
			if (d->vendor)
				set_prop(n, "vendor", d->vendor);
		}
		if (mod->state == ONSHI_MODULE_FAILED && mod->last_error[0])
			xmlNewTextChild(n, NULL, BAD_CAST "Error",
					BAD_CAST mod->last_error);
	}

	n = xmlNewChild(root, NULL, BAD_CAST "NationalLink", NULL);
	set_prop(n, "configured", core->national ? "true" : "false");
	set_prop(n, "endpoint", onshi_national_endpoint(core->national));
	set_prop_num(n, "pending", onshi_national_pending(core->national));
	xmlNodeAddContent(n, BAD_CAST onshi_national_state(core->national));

	if (core->vpn) {
		struct onshi_vpn_figures f;
		time_t since;
		const char *why;
		enum onshi_vpn_state vs = onshi_vpn_state(core->vpn, &since, &why);

		onshi_vpn_figures(core->vpn, &f);
		n = xmlNewTextChild(root, NULL, BAD_CAST "Vpn", BAD_CAST why);
		set_prop(n, "connection", onshi_vpn_connection(core->vpn));
		set_prop(n, "state", onshi_vpn_state_word(vs));
		if (since)
			set_prop_time(n, "since", since);
		set_prop_num(n, "bytesIn", (long long)f.counts.bytes_in);
		set_prop_num(n, "bytesOut", (long long)f.counts.bytes_out);
		if (f.last_rekey)
			set_prop_time(n, "lastRekey", f.last_rekey);
	}

	report_cert(core, root);

	depth = onshi_inquiry_depth(core, &unanswered);
	n = xmlNewChild(root, NULL, BAD_CAST "Spool", NULL);
	set_prop_num(n, "depth", (long long)depth);
	set_prop_num(n, "unanswered", (long long)unanswered);

	/* The audit log's head, sent off the machine: a log rewritten later
	 * (by someone with root on a stolen terminal) no longer ends with a
	 * hash the vendor has on record (docs/audit.md). */
	{
		uint64_t seq;
		char head[65];

		if (onshi_audit_head(core, &seq, head) == 0) {
			n = xmlNewChild(root, NULL, BAD_CAST "AuditLog", NULL);
			set_prop_num(n, "lastRecord", (long long)seq);
			set_prop(n, "head", head);
		}
	}

	if (m) {
		const char *reason;
		enum onshi_maint_outcome o = onshi_maintenance_outcome(m, &reason);

		n = xmlNewChild(root, NULL, BAD_CAST "Maintenance", NULL);
		set_prop(n, "manifestUrl", m->manifest_url);
		set_prop_num(n, "lastAppliedSerial", (long long)m->serial);
		if (m->last_poll_at)
			set_prop_time(n, "lastPollAt", m->last_poll_at);
		set_prop(n, "lastOutcome", onshi_maint_outcome_name(o));
		xmlNodeAddContent(n, BAD_CAST reason);
	}

	errors = xmlNewChild(root, NULL, BAD_CAST "LastErrors", NULL);
	for (unsigned i = 0; m && i < m->nerrors; i++) {
		/* Oldest first. */
		const struct last_error *e =
			&m->errors[(m->errnext + MAX_ERRORS - m->nerrors + i) % MAX_ERRORS];

		add_error(errors, e->at, e->source, e->text);
	}
	for (struct onshi_module *mod = core->modules; mod; mod = mod->next)
		if (mod->state == ONSHI_MODULE_FAILED && mod->last_error[0])
			add_error(errors,
				  mod->last_error_at ? mod->last_error_at : time(NULL),
				  mod->name, mod->last_error);

	xmlDocDumpFormatMemoryEnc(doc, &mem, &size, "UTF-8", 1);
	xmlFreeDoc(doc);
	if (!mem)
		return ONSHI_ENOMEM;
	onshi_strbuf_append(out, (const char *)mem, (size_t)size);
	xmlFree(mem);
	return out->failed ? ONSHI_ENOMEM : ONSHI_OK;
}
