/* SPDX-License-Identifier: Apache-2.0 */
/*
 * maintenance_apply.c — what a poll brought, acted on: 304/404 and fetch
 * failures told apart, the signature verified before anything is parsed,
 * the manifest checked against the last applied serial (the state file or
 * the spool's high-water mark) and this installation, the module switches
 * applied all or nothing (validated first, undone on failure, reloads
 * last), then the new serial saved (or everything undone).
 *
 * Apart from the poller because this is the part that changes the clinic's
 * modules: it reads the same whatever fetched the bytes.
 */
#include "config.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "core.h"
#include "loader.h"
#include "maintenance.h"
#include "maintenance_internal.h"
#include "manifest.h"
#include "module.h"

/*
 * The last applied serial: the state file's, or the spool's high-water mark
 * when that is higher (the state file deleted, or rewritten lower), with a
 * warning: a lower serial never makes an old manifest acceptable again.
 */
int maint_load_serial(struct onshi_maintenance *m, uint64_t *serial, char *why,
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

void maint_process(struct onshi_maintenance *m)
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
		maint_set_outcome(m, ONSHI_MAINT_UNCHANGED,
				  "manifest unchanged (HTTP 304): serial %llu stays",
				  (unsigned long long)m->serial);
		return;
	}
	if (m->manifest.res == CURLE_OK && m->manifest.status == 404) {
		maint_set_outcome(m, ONSHI_MAINT_UNPUBLISHED,
				  "no manifest published yet at %s (HTTP 404)",
				  m->manifest_url);
		return;
	}
	if (maint_fetch_problem(&m->manifest, m->manifest_url, why, sizeof(why)) ||
	    maint_fetch_problem(&m->sig, m->sig_url, why, sizeof(why))) {
		maint_set_outcome(m, ONSHI_MAINT_FETCH_FAILED,
				  "cannot fetch the manifest: %s", why);
		return;
	}
	/* The signature first: nothing unsigned reaches the parser. */
	rc = onshi_manifest_verify_sig(m->trust_key, m->manifest.body.data,
				       m->manifest.body.len, m->sig.body.data,
				       m->sig.body.len, why, sizeof(why));
	if (rc != ONSHI_OK) {
		maint_set_outcome(m, ONSHI_MAINT_REFUSED,
				  "manifest refused: %s", why);
		return;
	}
	man = malloc(sizeof(*man));
	steps = calloc(ONSHI_MANIFEST_MAX_ENTRIES, sizeof(*steps));
	if (!man || !steps || gather(core, &codes, &ncodes, &mods, &nmods)) {
		maint_set_outcome(m, ONSHI_MAINT_REFUSED,
				  "manifest refused: out of memory");
		goto out;
	}
	rc = onshi_manifest_parse(m->manifest.body.data, m->manifest.body.len,
				  man, why, sizeof(why));
	if (rc == ONSHI_OK)
		rc = maint_load_serial(m, &last, why, sizeof(why));
	if (rc == ONSHI_OK && man->serial == last && last != 0) {
		/* Signed, and the one applied last: polled again, not a
		 * replay attack (nothing is applied twice either way). */
		m->serial = last;
		maint_set_outcome(m, ONSHI_MAINT_UNCHANGED,
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
		maint_set_outcome(m, ONSHI_MAINT_REFUSED,
				  "manifest refused: %s", why);
		goto out;
	}
	/* The switches it makes are recorded as the manifest's. */
	snprintf(msg, sizeof(msg), "manifest:%llu", (unsigned long long)man->serial);
	onshi_audit_actor(core, msg);
	rc = apply(m, man, steps, &nsteps, &done, why, sizeof(why));
	onshi_audit_actor(core, NULL);
	if (rc != ONSHI_OK) {
		maint_set_outcome(m, ONSHI_MAINT_REFUSED,
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
		maint_set_outcome(m, ONSHI_MAINT_REFUSED,
				  "manifest %llu refused: cannot save the serial: %s; %s%s",
				  (unsigned long long)man->serial, msg,
				  undo.len ? "rolled back: " : "nothing to roll back",
				  undo.len ? undo.data : "");
		onshi_strbuf_free(&undo);
		goto out;
	}
	m->serial = man->serial;
	maint_set_outcome(m, ONSHI_MAINT_APPLIED, "manifest %llu applied: %s",
			  (unsigned long long)man->serial,
			  done.len ? done.data : "no entries");
out:
	onshi_strbuf_free(&done);
	free(codes);
	free(mods);
	free(steps);
	free(man);
}
