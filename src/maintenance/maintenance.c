/* SPDX-License-Identifier: Apache-2.0 */
/*
 * maintenance.c — the manifest poller, the all-or-nothing apply and the
 * status report (see maintenance.h and docs/maintenance.md).
 */
#include "config.h"

#include <curl/curl.h>
#include <libxml/tree.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "cert.h"
#include "core.h"
#include "loader.h"
#include "http.h"
#include "http_tls.h"
#include "inquiry.h"
#include "maintenance.h"
#include "private_path.h"
#include "manifest.h"
#include "module.h"
#include "national.h"
#include "utc.h"

#define DEFAULT_POLL_S 300
#define DEFAULT_TIMEOUT_MS 30000L
#define DEFAULT_CONNECT_TIMEOUT_MS 10000L
/* A .sig is 64 bytes; a little more lets a base64 one be named as such. */
#define MAX_SIG_BYTES 4096
/* Errors kept for the next report. */
#define MAX_ERRORS 8
#define REASON_LEN 1024

/* One GET (manifest or .sig) or the report POST. */
struct fetch {
	struct onshi_maintenance *m;
	const char *what; /* "manifest", "signature", "report" */
	CURL *easy;
	struct onshi_strbuf body;
	size_t limit;
	int too_big;
	int done;
	CURLcode res;
	long status;
	char errbuf[CURL_ERROR_SIZE];
};

struct waiter {
	onshi_maint_done_cb cb;
	void *arg;
	struct waiter *next;
};

struct last_error {
	time_t at;
	char source[16];
	char text[512];
};

struct onshi_maintenance {
	struct onshi_core *core;
	struct onshi_http *http;
	char *manifest_url, *sig_url, *report_url;
	char *trust_key, *ca_bundle, *state_file;
	/* A second copy of the last applied serial in the spool: a state
	 * file deleted or rewritten lower cannot silently mean 0. */
	char *hwm_file;
	char *client_cert, *client_key, *client_p12, *p12_password;
	long poll_s, timeout_ms, connect_timeout_ms;
	struct onshi_loop_timer *timer;

	int polling;
	struct fetch manifest, sig;
	struct waiter *waiters;

	struct fetch report;
	char *report_xml; /* the body being POSTed */
	struct curl_slist *report_headers;
	int reporting, report_again;

	time_t last_poll_at;
	uint64_t serial; /* last applied (from the state file) */
	enum onshi_maint_outcome outcome;
	char reason[REASON_LEN];
	struct last_error errors[MAX_ERRORS];
	unsigned nerrors, errnext;
};

/*
 * The last applied serial: the state file's, or the spool's high-water mark
 * when that is higher (the state file deleted, or rewritten lower), with a
 * warning: a lower serial never makes an old manifest acceptable again.
 */
static int load_serial(struct onshi_maintenance *m, uint64_t *serial, char *why,
		       size_t whylen)
{
	uint64_t state = 0, hwm = 0;
	int rc;

	rc = onshi_manifest_state_load(m->state_file, &state, why, whylen);
	if (rc == ONSHI_OK)
		rc = onshi_manifest_state_load(m->hwm_file, &hwm, why, whylen);
	if (rc != ONSHI_OK)
		return rc;
	if (hwm > state)
		onshi_logf(&m->core->log, ONSHI_LOG_WARNING,
			   "maintenance: the state file %s says %llu (missing or rewritten?) but serial %llu was applied (%s): %llu stands; only newer manifests are accepted",
			   m->state_file, (unsigned long long)state,
			   (unsigned long long)hwm, m->hwm_file,
			   (unsigned long long)hwm);
	*serial = hwm > state ? hwm : state;
	return ONSHI_OK;
}

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

static void note_error(struct onshi_maintenance *m, const char *source,
		       const char *text)
{
	struct last_error *e = &m->errors[m->errnext];

	e->at = time(NULL);
	snprintf(e->source, sizeof(e->source), "%s", source);
	snprintf(e->text, sizeof(e->text), "%s", text);
	m->errnext = (m->errnext + 1) % MAX_ERRORS;
	if (m->nerrors < MAX_ERRORS)
		m->nerrors++;
}

static void set_outcome(struct onshi_maintenance *m, enum onshi_maint_outcome o,
			const char *fmt, ...) ONSHI_PRINTF(3, 4);

static void set_outcome(struct onshi_maintenance *m, enum onshi_maint_outcome o,
			const char *fmt, ...)
{
	int same = m->outcome == o;
	char old[REASON_LEN];
	va_list ap;

	snprintf(old, sizeof(old), "%s", m->reason);
	va_start(ap, fmt);
	vsnprintf(m->reason, sizeof(m->reason), fmt, ap);
	va_end(ap);
	m->outcome = o;
	m->last_poll_at = time(NULL);
	same = same && strcmp(old, m->reason) == 0;
	if (!same)
		onshi_audit(m->core, "manifest", "outcome",
			    onshi_maint_outcome_name(o), "reason", m->reason,
			    (char *)NULL);
	if (o == ONSHI_MAINT_APPLIED) {
		onshi_logf(&m->core->log, ONSHI_LOG_NOTICE, "maintenance: %s",
			   m->reason);
		return;
	}
	/* Nothing new to apply is the usual poll: said once, not an error. */
	if (o == ONSHI_MAINT_UNCHANGED || o == ONSHI_MAINT_UNPUBLISHED) {
		onshi_logf(&m->core->log, same ? ONSHI_LOG_DEBUG : ONSHI_LOG_INFO,
			   "maintenance: %s", m->reason);
		return;
	}
	/* The same refusal every poll_s is news only the first time. */
	onshi_logf(&m->core->log, same ? ONSHI_LOG_INFO : ONSHI_LOG_WARNING,
		   "maintenance: %s", m->reason);
	note_error(m, "maintenance", m->reason);
}

/* ---- HTTPS transfers ---- */

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
	struct fetch *f = userp;
	size_t len = size * nmemb;

	if (f->body.len + len > f->limit) {
		f->too_big = 1;
		return 0; /* makes curl fail the transfer */
	}
	onshi_strbuf_append(&f->body, data, len);
	return f->body.failed ? 0 : len;
}

static CURL *new_easy(struct onshi_maintenance *m, struct fetch *f, const char *url)
{
	CURL *e = curl_easy_init();

	if (!e)
		return NULL;
	onshi_strbuf_free(&f->body);
	f->too_big = 0;
	f->done = 0;
	f->res = CURLE_OK;
	f->status = 0;
	f->errbuf[0] = '\0';
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, f);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, f->errbuf);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, m->timeout_ms);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, m->connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)f->limit);
	/* The maintenance server is checked like the national service. */
	onshi_http_set_tls(e, &(const struct onshi_http_tls){
				      .ca_bundle = m->ca_bundle,
				      .client_cert = m->client_cert,
				      .client_key = m->client_key,
				      .client_p12 = m->client_p12,
				      .p12_password = m->p12_password,
			      });
	f->easy = e;
	return e;
}

static void fetch_cancel(struct onshi_maintenance *m, struct fetch *f)
{
	if (f->easy) {
		onshi_http_cancel(m->http, f->easy);
		curl_easy_cleanup(f->easy);
		f->easy = NULL;
	}
	onshi_strbuf_free(&f->body);
}

/* Why a finished transfer did not give a usable answer; NULL if it did. */
static const char *fetch_problem(const struct fetch *f, const char *url,
				 char *why, size_t whylen)
{
	if (f->res != CURLE_OK) {
		if (f->too_big || f->res == CURLE_FILESIZE_EXCEEDED)
			snprintf(why, whylen, "%s: the %s is larger than %zu bytes",
				 url, f->what, f->limit);
		else
			snprintf(why, whylen, "%s: %s%s%s", url,
				 curl_easy_strerror(f->res),
				 f->errbuf[0] ? ": " : "", f->errbuf);
		return why;
	}
	if (f->status != 200) {
		snprintf(why, whylen, "%s: the server answered HTTP %ld", url,
			 f->status);
		return why;
	}
	return NULL;
}

/* ---- apply, all or nothing ---- */

struct step {
	struct onshi_module *mod;
	enum onshi_manifest_action action;
	int changed; /* running ↔ not running: undo on rollback */
	enum onshi_module_state before;
};

/* Can the entry be carried out? Checked for all before any is done. */
static int validate_entry(struct onshi_core *core,
			  const struct onshi_manifest_entry *e,
			  struct onshi_module **mod, char *why, size_t whylen)
{
	const struct onshi_conf_section *sec;
	struct onshi_plugin_handle *h;
	const char *plugin;
	char msg[900];

	*mod = onshi_module_find(core, e->module);
	if (!*mod) {
		snprintf(why, whylen, "unknown module %s", e->module);
		return ONSHI_ENOTFOUND;
	}
	if (e->action != ONSHI_MANIFEST_ENABLE || (*mod)->state == ONSHI_MODULE_RUNNING)
		return ONSHI_OK;
	/* An enable must at least find a loadable plugin. */
	sec = onshi_config_section(core->config, (*mod)->section_type,
				   (*mod)->section_name);
	plugin = onshi_conf_section_get(sec, "plugin");
	if (!plugin) {
		snprintf(why, whylen, "cannot enable %s: its section names no plugin",
			 e->module);
		return ONSHI_EINVAL;
	}
	if (onshi_loader_open(core->loader, plugin, &h, msg, sizeof(msg)) !=
	    ONSHI_LOAD_OK) {
		snprintf(why, whylen, "cannot enable %s: %s", e->module, msg);
		return ONSHI_EINVAL;
	}
	onshi_loader_release(core->loader, h);
	return ONSHI_OK;
}

/* A reload re-reads the configuration: it must still be valid. */
static int validate_config(struct onshi_core *core, char *why, size_t whylen)
{
	struct onshi_diag diag = { 0 };
	struct onshi_config *fresh = NULL;
	int rc = onshi_config_load(core->config->path, &fresh, &diag);

	if (rc == ONSHI_OK)
		onshi_conf_check_core(fresh, &diag);
	if (rc != ONSHI_OK || diag.count) {
		snprintf(why, whylen,
			 "cannot reload: the configuration does not check: %s",
			 diag.count ? diag.lines[0] : onshi_strerror(rc));
		rc = rc != ONSHI_OK ? rc : ONSHI_EINVAL;
	}
	onshi_diag_clear(&diag);
	onshi_config_free(fresh);
	return rc;
}

/* Undo the switches done so far (newest first); notes go to undo. */
static void rollback(struct step *steps, size_t n, struct onshi_strbuf *undo)
{
	char msg[1024];

	while (n--) {
		struct step *s = &steps[n];
		int rc;

		if (!s->changed)
			continue;
		if (s->action == ONSHI_MANIFEST_ENABLE)
			rc = onshi_module_disable(s->mod, msg, sizeof(msg));
		else
			rc = onshi_module_enable(s->mod, msg, sizeof(msg));
		if (rc == ONSHI_OK)
			onshi_strbuf_printf(undo, "%s%s %s again",
					    undo->len ? ", " : "", s->mod->name,
					    s->action == ONSHI_MANIFEST_ENABLE
						    ? "disabled"
						    : "enabled");
		else
			onshi_strbuf_printf(undo, "%sCOULD NOT restore %s: %s",
					    undo->len ? ", " : "", s->mod->name,
					    msg);
		/* A module that was disabled (not failed) reads so again. */
		if (s->action == ONSHI_MANIFEST_ENABLE && rc == ONSHI_OK)
			s->mod->state = s->before;
	}
}

/*
 * Validate every entry, then switch modules in document order, then do the
 * reloads (they cannot be undone, so they come last). On failure, undo the
 * switches and return the reason. done lists what was done.
 */
static int apply(struct onshi_maintenance *m, const struct onshi_manifest *man,
		 struct step *steps, size_t *nsteps, struct onshi_strbuf *done,
		 char *why, size_t whylen)
{
	struct onshi_core *core = m->core;
	int any_reload = 0, rc;
	char msg[1024];
	size_t n = 0, nreloads = 0;
	struct onshi_strbuf reloaded = { 0 }, undo = { 0 };

	for (size_t i = 0; i < man->n_entries; i++) {
		struct onshi_module *mod;

		rc = validate_entry(core, &man->entries[i], &mod, why, whylen);
		if (rc != ONSHI_OK)
			return rc;
		any_reload |= man->entries[i].action == ONSHI_MANIFEST_RELOAD;
	}
	if (any_reload && (rc = validate_config(core, why, whylen)) != ONSHI_OK)
		return rc;

	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < man->n_entries; i++) {
			const struct onshi_manifest_entry *e = &man->entries[i];
			struct step *s = &steps[n];
			int was_running;

			if ((e->action == ONSHI_MANIFEST_RELOAD) != pass)
				continue;
			s->mod = onshi_module_find(core, e->module);
			s->action = e->action;
			s->before = s->mod->state;
			was_running = s->mod->state == ONSHI_MODULE_RUNNING;
			if (e->action == ONSHI_MANIFEST_ENABLE)
				rc = onshi_module_enable(s->mod, msg, sizeof(msg));
			else if (e->action == ONSHI_MANIFEST_DISABLE)
				rc = onshi_module_disable(s->mod, msg, sizeof(msg));
			else
				rc = onshi_module_reload(s->mod, msg, sizeof(msg));
			if (rc != ONSHI_OK) {
				if (e->action == ONSHI_MANIFEST_ENABLE &&
				    s->before == ONSHI_MODULE_DISABLED)
					s->mod->state = ONSHI_MODULE_DISABLED;
				rollback(steps, n, &undo);
				snprintf(why, whylen, "%s %s failed: %.600s; %s%s%s%s",
					 e->action == ONSHI_MANIFEST_ENABLE ? "enabling"
					 : e->action == ONSHI_MANIFEST_DISABLE
						 ? "disabling"
						 : "reloading",
					 e->module, msg,
					 undo.len ? "rolled back: "
						  : "nothing to roll back",
					 undo.len ? undo.data : "",
					 nreloads ? "; reloads cannot be undone, already done: "
						  : "",
					 nreloads ? reloaded.data : "");
				onshi_strbuf_free(&undo);
				onshi_strbuf_free(&reloaded);
				return rc;
			}
			s->changed = e->action != ONSHI_MANIFEST_RELOAD &&
				     was_running != (s->mod->state ==
						     ONSHI_MODULE_RUNNING);
			if (e->action == ONSHI_MANIFEST_RELOAD)
				onshi_strbuf_printf(&reloaded, "%s%s",
						    nreloads++ ? ", " : "",
						    e->module);
			onshi_strbuf_printf(done, "%s%s %s", n ? ", " : "", e->module,
					    e->action == ONSHI_MANIFEST_ENABLE ? "enabled"
					    : e->action == ONSHI_MANIFEST_DISABLE
						    ? "disabled"
						    : "reloaded");
			n++;
			*nsteps = n;
		}
	}
	onshi_strbuf_free(&reloaded);
	return ONSHI_OK;
}

/* The configured institution codes and module names, for the check. */
static int gather(struct onshi_core *core, const char ***codes, size_t *ncodes,
		  const char ***mods, size_t *nmods)
{
	const struct onshi_config *cfg = core->config;
	size_t n = 0;

	*codes = calloc(cfg->nsections + 1, sizeof(**codes));
	*ncodes = 0;
	for (struct onshi_module *mod = core->modules; mod; mod = mod->next)
		n++;
	*mods = calloc(n + 1, sizeof(**mods));
	*nmods = 0;
	if (!*codes || !*mods)
		return ONSHI_ENOMEM;
	for (size_t i = 0; i < cfg->nsections; i++) {
		const char *c = onshi_conf_section_get(&cfg->sections[i], "code");

		if (strcmp(cfg->sections[i].type, "institution") == 0 && c)
			(*codes)[(*ncodes)++] = c;
	}
	for (struct onshi_module *mod = core->modules; mod; mod = mod->next)
		(*mods)[(*nmods)++] = mod->name;
	return ONSHI_OK;
}

static void process(struct onshi_maintenance *m)
{
	struct onshi_core *core = m->core;
	struct onshi_manifest *man = NULL;
	struct step *steps = NULL;
	struct onshi_strbuf done = { 0 };
	const char **codes = NULL, **mods = NULL;
	size_t ncodes, nmods, nsteps = 0;
	char why[REASON_LEN], msg[REASON_LEN];
	uint64_t last = 0;
	int rc;

	/* 304 (a server that honours conditional requests) and 404 (the
	 * vendor has published nothing for this clinic yet) are normal. */
	if (m->manifest.res == CURLE_OK && m->manifest.status == 304) {
		set_outcome(m, ONSHI_MAINT_UNCHANGED,
			    "manifest unchanged (HTTP 304): serial %llu stays",
			    (unsigned long long)m->serial);
		return;
	}
	if (m->manifest.res == CURLE_OK && m->manifest.status == 404) {
		set_outcome(m, ONSHI_MAINT_UNPUBLISHED,
			    "no manifest published yet at %s (HTTP 404)",
			    m->manifest_url);
		return;
	}
	if (fetch_problem(&m->manifest, m->manifest_url, why, sizeof(why)) ||
	    fetch_problem(&m->sig, m->sig_url, why, sizeof(why))) {
		set_outcome(m, ONSHI_MAINT_FETCH_FAILED,
			    "cannot fetch the manifest: %s", why);
		return;
	}
	/* The signature first: nothing unsigned reaches the parser. */
	rc = onshi_manifest_verify_sig(m->trust_key, m->manifest.body.data,
				       m->manifest.body.len, m->sig.body.data,
				       m->sig.body.len, why, sizeof(why));
	if (rc != ONSHI_OK) {
		set_outcome(m, ONSHI_MAINT_REFUSED, "manifest refused: %s", why);
		return;
	}
	man = malloc(sizeof(*man));
	steps = calloc(ONSHI_MANIFEST_MAX_ENTRIES, sizeof(*steps));
	if (!man || !steps || gather(core, &codes, &ncodes, &mods, &nmods)) {
		set_outcome(m, ONSHI_MAINT_REFUSED, "manifest refused: out of memory");
		goto out;
	}
	rc = onshi_manifest_parse(m->manifest.body.data, m->manifest.body.len,
				  man, why, sizeof(why));
	if (rc == ONSHI_OK)
		rc = load_serial(m, &last, why, sizeof(why));
	if (rc == ONSHI_OK && man->serial == last && last != 0) {
		/* Signed, and the one applied last: polled again, not a
		 * replay attack (nothing is applied twice either way). */
		m->serial = last;
		set_outcome(m, ONSHI_MAINT_UNCHANGED,
			    "manifest %llu unchanged: already applied",
			    (unsigned long long)last);
		goto out;
	}
	if (rc == ONSHI_OK) {
		m->serial = last;
		rc = onshi_manifest_check(man, last, codes, ncodes, mods, nmods,
					  time(NULL), why, sizeof(why));
	}
	if (rc != ONSHI_OK) {
		set_outcome(m, ONSHI_MAINT_REFUSED, "manifest refused: %s", why);
		goto out;
	}
	/* The switches it makes are recorded as the manifest's. */
	snprintf(msg, sizeof(msg), "manifest:%llu", (unsigned long long)man->serial);
	onshi_audit_actor(core, msg);
	rc = apply(m, man, steps, &nsteps, &done, why, sizeof(why));
	onshi_audit_actor(core, NULL);
	if (rc != ONSHI_OK) {
		set_outcome(m, ONSHI_MAINT_REFUSED,
			    "manifest %llu refused, modules as before: %s",
			    (unsigned long long)man->serial, why);
		goto out;
	}
	rc = onshi_manifest_state_save(m->state_file, man->serial, msg, sizeof(msg));
	if (rc == ONSHI_OK)
		rc = onshi_manifest_state_save(m->hwm_file, man->serial, msg,
					       sizeof(msg));
	if (rc != ONSHI_OK) {
		struct onshi_strbuf undo = { 0 };

		/* Unsaved, it would apply again after a restart: undo it. */
		rollback(steps, nsteps, &undo);
		set_outcome(m, ONSHI_MAINT_REFUSED,
			    "manifest %llu refused: cannot save the serial: %s; %s%s",
			    (unsigned long long)man->serial, msg,
			    undo.len ? "rolled back: " : "nothing to roll back",
			    undo.len ? undo.data : "");
		onshi_strbuf_free(&undo);
		goto out;
	}
	m->serial = man->serial;
	set_outcome(m, ONSHI_MAINT_APPLIED, "manifest %llu applied: %s",
		    (unsigned long long)man->serial,
		    done.len ? done.data : "no entries");
out:
	onshi_strbuf_free(&done);
	free(codes);
	free(mods);
	free(steps);
	free(man);
}

/* ---- the report ---- */

static void send_report(struct onshi_maintenance *m);

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
			fetch_problem(f, m->report_url, why, sizeof(why));
		onshi_logf(&m->core->log, ONSHI_LOG_WARNING,
			   "maintenance: status report not delivered: %s", why);
		note_error(m, "report", why);
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
		send_report(m);
	}
}

static void send_report(struct onshi_maintenance *m)
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
		note_error(m, "report",
			   "cannot build the status report: out of memory");
		return;
	}
	m->report_xml = xml.data; /* taken over */
	e = new_easy(m, &m->report, m->report_url);
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
		fetch_cancel(m, &m->report);
		free(m->report_xml);
		m->report_xml = NULL;
		curl_slist_free_all(m->report_headers);
		m->report_headers = NULL;
		return;
	}
	m->reporting = 1;
}

/* ---- polling ---- */

static void poll_finished(struct onshi_maintenance *m)
{
	struct waiter *w = m->waiters;

	fetch_cancel(m, &m->manifest);
	fetch_cancel(m, &m->sig);
	m->polling = 0;
	m->waiters = NULL;
	while (w) {
		struct waiter *next = w->next;

		w->cb(w->arg, m->outcome, m->reason);
		free(w);
		w = next;
	}
	send_report(m);
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
	process(m);
	poll_finished(m);
}

static int start_fetch(struct onshi_maintenance *m, struct fetch *f, const char *url)
{
	CURL *e = new_easy(m, f, url);

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
		set_outcome(m, ONSHI_MAINT_FETCH_FAILED,
			    "cannot start the HTTPS requests (out of memory?)");
		poll_finished(m);
	}
	return ONSHI_OK;
}

static void on_poll_timer(void *arg)
{
	onshi_maintenance_poll(arg, NULL, NULL);
}

/* ---- status ---- */

const char *onshi_maintenance_url(const struct onshi_maintenance *m)
{
	return m ? m->manifest_url : "";
}

time_t onshi_maintenance_last_poll(const struct onshi_maintenance *m)
{
	return m ? m->last_poll_at : 0;
}

uint64_t onshi_maintenance_serial(const struct onshi_maintenance *m)
{
	return m ? m->serial : 0;
}

enum onshi_maint_outcome onshi_maintenance_outcome(const struct onshi_maintenance *m,
						   const char **reason)
{
	*reason = m && m->outcome != ONSHI_MAINT_NONE ? m->reason : "";
	return m ? m->outcome : ONSHI_MAINT_NONE;
}

int onshi_maint_outcome_ok(enum onshi_maint_outcome o)
{
	return o == ONSHI_MAINT_APPLIED || o == ONSHI_MAINT_UNCHANGED ||
	       o == ONSHI_MAINT_UNPUBLISHED;
}

const char *onshi_maint_outcome_name(enum onshi_maint_outcome o)
{
	switch (o) {
	case ONSHI_MAINT_APPLIED: return "applied";
	case ONSHI_MAINT_REFUSED: return "refused";
	case ONSHI_MAINT_FETCH_FAILED: return "fetch-failed";
	case ONSHI_MAINT_UNCHANGED: return "unchanged";
	case ONSHI_MAINT_UNPUBLISHED: return "unpublished";
	case ONSHI_MAINT_NONE: break;
	}
	return "none";
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
	m->http = onshi_http_new(core);
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
		if (load_serial(m, &serial, why, sizeof(why)) == ONSHI_OK)
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
	fetch_cancel(m, &m->manifest);
	fetch_cancel(m, &m->sig);
	fetch_cancel(m, &m->report);
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
