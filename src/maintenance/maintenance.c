/* SPDX-License-Identifier: Apache-2.0 */
/*
 * maintenance.c — the manifest poller's life: open (read [maintenance],
 * refuse a state file others could write, start the timer), the poll (the
 * manifest and its .sig fetched side by side, then handed to
 * maintenance_apply.c, waiting callers answered, the report sent), close.
 * See maintenance.h, maintenance_internal.h for the other files, and
 * docs/maintenance.md.
 */
#include "config.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "http.h"
#include "maintenance.h"
#include "maintenance_internal.h"
#include "manifest.h"
#include "private_path.h"

#define DEFAULT_POLL_S 300
#define DEFAULT_TIMEOUT_MS 30000L
#define DEFAULT_CONNECT_TIMEOUT_MS 10000L
/* A .sig is 64 bytes; a little more lets a base64 one be named as such. */
#define MAX_SIG_BYTES 4096

/* The state file (when it exists) and its folder: onshid's alone. */
static int check_state_file(struct onshi_maintenance *m, char *msg, size_t msglen)
{
	static const char risk[] = "anyone who can write there could lower "
				   "the serial and have old signed manifests "
				   "applied again";
	int rc;

	rc = onshi_private_parent_check("the folder of the maintenance state file",
					m->state_file, ONSHI_OWNER_SELF, risk,
					msg, msglen);
	if (rc == ONSHI_OK)
		rc = onshi_private_path_check("the maintenance state file",
					      m->state_file, ONSHI_OWNER_SELF,
					      risk, msg, msglen);
	return rc == ONSHI_ENOTFOUND ? ONSHI_OK : rc;
}

/* ---- polling ---- */

static void poll_finished(struct onshi_maintenance *m)
{
	struct waiter *w = m->waiters;

	maint_fetch_cancel(m, &m->manifest);
	maint_fetch_cancel(m, &m->sig);
	m->polling = 0;
	m->waiters = NULL;
	while (w) {
		struct waiter *next = w->next;

		w->cb(w->arg, m->outcome, m->reason);
		free(w);
		w = next;
	}
	maint_send_report(m);
}

static void on_fetch_done(void *arg, CURL *easy, CURLcode res)
{
	struct fetch *f = arg;
	struct onshi_maintenance *m = f->m;

	f->res = res;
	f->done = 1;
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &f->status);
	curl_easy_cleanup(easy);
	f->easy = NULL;
	if (!m->manifest.done || !m->sig.done)
		return;
	maint_process(m);
	poll_finished(m);
}

static int start_fetch(struct onshi_maintenance *m, struct fetch *f, const char *url)
{
	CURL *e = maint_new_easy(m, f, url);

	if (!e)
		return ONSHI_ENOMEM;
	if (onshi_http_add(m->http, e, on_fetch_done, f) != ONSHI_OK) {
		curl_easy_cleanup(e);
		f->easy = NULL;
		return ONSHI_EIO;
	}
	return ONSHI_OK;
}

int onshi_maintenance_poll(struct onshi_maintenance *m, onshi_maint_done_cb cb,
			   void *arg)
{
	if (cb) {
		struct waiter *w = calloc(1, sizeof(*w));

		if (!w)
			return ONSHI_ENOMEM;
		w->cb = cb;
		w->arg = arg;
		w->next = m->waiters;
		m->waiters = w;
	}
	if (m->polling)
		return ONSHI_OK; /* answered when the running poll ends */
	m->polling = 1;
	if (start_fetch(m, &m->manifest, m->manifest_url) != ONSHI_OK ||
	    start_fetch(m, &m->sig, m->sig_url) != ONSHI_OK) {
		maint_set_outcome(m, ONSHI_MAINT_FETCH_FAILED,
				  "cannot start the HTTPS requests (out of memory?)");
		poll_finished(m);
	}
	return ONSHI_OK;
}

static void on_poll_timer(void *arg)
{
	onshi_maintenance_poll(arg, NULL, NULL);
}

/* ---- open and close ---- */

static char *conf_dup(const struct onshi_conf_section *sec, const char *key)
{
	const char *v = onshi_conf_section_get(sec, key);

	return v ? strdup(v) : NULL;
}

int onshi_maintenance_open(struct onshi_core *core, struct onshi_maintenance **out,
			   char *msg, size_t msglen)
{
	const struct onshi_config *cfg = core->config;
	const struct onshi_conf_section *sec =
		onshi_config_section(cfg, "maintenance", NULL);
	const struct onshi_conf_section *nat = onshi_config_section(cfg, "national",
								    NULL);
	const struct onshi_conf_section *cert_sec;
	struct onshi_maintenance *m;
	const char *v;
	long l;
	int rc;

	*out = NULL;
	if (!sec) {
		snprintf(msg, msglen,
			 "no [maintenance] section: remote maintenance is off");
		return ONSHI_OK;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return ONSHI_ENOMEM;
	m->core = core;
	m->manifest.m = m->sig.m = m->report.m = m;
	m->manifest.what = "manifest";
	m->sig.what = "signature";
	m->report.what = "answer";
	/* One more byte than allowed, so an oversized one is named as such. */
	m->manifest.limit = ONSHI_MANIFEST_MAX_BYTES + 1;
	m->sig.limit = MAX_SIG_BYTES;
	m->report.limit = 64 * 1024;
	m->manifest_url = conf_dup(sec, "manifest_url");
	m->report_url = conf_dup(sec, "report_url");
	m->trust_key = onshi_conf_section_path(cfg, sec, "trust_key");
	m->ca_bundle = onshi_conf_section_path(cfg, sec, "ca_bundle");
	if (!m->ca_bundle)
		m->ca_bundle = onshi_conf_section_path(cfg, nat, "ca_bundle");
	/* The clinic's own certificate unless maintenance has its own. */
	cert_sec = onshi_conf_tls_identity(sec, nat);
	m->client_cert = onshi_conf_section_path(cfg, cert_sec, "client_cert");
	m->client_key = onshi_conf_section_path(cfg, cert_sec, "client_key");
	m->client_p12 = onshi_conf_section_path(cfg, cert_sec, "client_p12");
	m->p12_password = conf_dup(cert_sec, "client_p12_password");
	m->state_file = onshi_conf_section_path(cfg, sec, "state_file");
	if (!m->state_file && asprintf(&m->state_file, "%s/maintenance.serial",
				       core->settings.spool_dir) < 0)
		m->state_file = NULL;
	if (asprintf(&m->hwm_file, "%s/maintenance.hwm", core->settings.spool_dir) < 0)
		m->hwm_file = NULL;
	v = onshi_conf_section_get(sec, "poll_s");
	m->poll_s = v && onshi_conf_parse_long(v, 1, 7 * 86400, &l) == 0
			    ? l
			    : DEFAULT_POLL_S;
	v = onshi_conf_section_get(sec, "timeout_ms");
	m->timeout_ms = v && onshi_conf_parse_long(v, 100, 600000, &l) == 0
				? l
				: DEFAULT_TIMEOUT_MS;
	v = onshi_conf_section_get(sec, "connect_timeout_ms");
	m->connect_timeout_ms = v && onshi_conf_parse_long(v, 100, 600000, &l) == 0
					? l
					: DEFAULT_CONNECT_TIMEOUT_MS;
	if (m->manifest_url)
		if (asprintf(&m->sig_url, "%s.sig", m->manifest_url) < 0)
			m->sig_url = NULL;
	m->http = onshi_http_new(core->loop);
	if (!m->manifest_url || !m->sig_url || !m->trust_key ||
	    !m->state_file || !m->hwm_file || !m->http) {
		onshi_maintenance_close(m);
		snprintf(msg, msglen, "cannot set up maintenance: out of memory");
		return ONSHI_ENOMEM;
	}
	{
		char why[REASON_LEN];
		uint64_t serial;

		/* Whoever can write the state file or its folder can lower
		 * the serial and replay old manifests: refuse to start. */
		rc = check_state_file(m, msg, msglen);
		if (rc != ONSHI_OK) {
			onshi_maintenance_close(m);
			return rc;
		}
		/* Show the serial (or the state file's problem) from the start. */
		if (maint_load_serial(m, &serial, why, sizeof(why)) == ONSHI_OK)
			m->serial = serial;
		else
			onshi_logf(&core->log, ONSHI_LOG_WARNING,
				   "maintenance: %s", why);
	}
	m->timer = onshi_loop_timer(core->loop, m, (uint64_t)m->poll_s * 1000u,
				    1, on_poll_timer, m);
	if (!m->timer) {
		onshi_maintenance_close(m);
		snprintf(msg, msglen, "cannot set up maintenance: out of memory");
		return ONSHI_ENOMEM;
	}
	snprintf(msg, msglen,
		 "maintenance: polling %s every %ld s (last applied serial %llu)%s%s",
		 m->manifest_url, m->poll_s, (unsigned long long)m->serial,
		 m->report_url ? ", reporting to " : "",
		 m->report_url ? m->report_url : "");
	*out = m;
	return ONSHI_OK;
}

void onshi_maintenance_close(struct onshi_maintenance *m)
{
	if (!m)
		return;
	maint_fetch_cancel(m, &m->manifest);
	maint_fetch_cancel(m, &m->sig);
	maint_fetch_cancel(m, &m->report);
	while (m->waiters) {
		struct waiter *w = m->waiters;

		m->waiters = w->next;
		free(w);
	}
	onshi_http_free(m->http);
	onshi_loop_forget_owner(m->core->loop, m);
	curl_slist_free_all(m->report_headers);
	free(m->report_xml);
	free(m->manifest_url);
	free(m->sig_url);
	free(m->report_url);
	free(m->trust_key);
	free(m->ca_bundle);
	free(m->state_file);
	free(m->hwm_file);
	free(m->client_cert);
	free(m->client_key);
	free(m->client_p12);
	free(m->p12_password);
	free(m);
}
