/* SPDX-License-Identifier: Apache-2.0 */
/*
 * module.c — the life cycle of configured modules and their instances.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "core.h"
#include "loader.h"
#include "log.h"
#include "module.h"
#include "path_watch.h"

/* One registration (onshi_module_listen), in core->module_listeners. */
struct onshi_module_listen_entry {
	const struct onshi_module_listener *l;
	void *ctx;
	struct onshi_module_listen_entry *next;
};

int onshi_module_listen(struct onshi_core *core,
			const struct onshi_module_listener *l, void *ctx)
{
	struct onshi_module_listen_entry **pp = &core->module_listeners;
	struct onshi_module_listen_entry *e = calloc(1, sizeof(*e));

	if (!e)
		return ONSHI_ENOMEM;
	e->l = l;
	e->ctx = ctx;
	while (*pp) /* appended: started() runs in registration order */
		pp = &(*pp)->next;
	*pp = e;
	return ONSHI_OK;
}

void onshi_module_unlisten(struct onshi_core *core,
			   const struct onshi_module_listener *l, void *ctx)
{
	for (struct onshi_module_listen_entry **pp = &core->module_listeners;
	     *pp; pp = &(*pp)->next)
		if ((*pp)->l == l && (*pp)->ctx == ctx) {
			struct onshi_module_listen_entry *e = *pp;

			*pp = e->next;
			free(e);
			return;
		}
}

static void tell_started(struct onshi_module *mod)
{
	for (struct onshi_module_listen_entry *e = mod->core->module_listeners;
	     e; e = e->next)
		if (e->l->started)
			e->l->started(e->ctx, mod);
}

/* Reverse order: the last to subscribe is the first to let go. */
static void tell_stopping(struct onshi_module_listen_entry *e,
			  struct onshi_instance *inst)
{
	if (!e)
		return;
	tell_stopping(e->next, inst);
	if (e->l->stopping)
		e->l->stopping(e->ctx, inst);
}

const char *onshi_module_state_name(enum onshi_module_state s)
{
	switch (s) {
	case ONSHI_MODULE_DISABLED: return "disabled";
	case ONSHI_MODULE_RUNNING: return "running";
	case ONSHI_MODULE_FAILED: return "failed";
	}
	return "?";
}

const char *onshi_module_shown_state(const struct onshi_module *m)
{
	if (m->state == ONSHI_MODULE_RUNNING && m->device_down)
		return "failing";
	return onshi_module_state_name(m->state);
}

void onshi_module_device_state(struct onshi_instance *inst, int up, const char *why)
{
	struct onshi_module *mod = inst->module;

	/* An instance being built for a reload is not the module's yet. */
	if (mod->inst != inst && mod->inst)
		return;
	if (up) {
		if (mod->device_down)
			onshi_logf(&mod->core->log, ONSHI_LOG_NOTICE,
				   "%s: device answers again after %lld s", mod->name,
				   (long long)(time(NULL) - mod->device_since));
		mod->device_down = 0;
		mod->device_why[0] = '\0';
		return;
	}
	snprintf(mod->device_why, sizeof(mod->device_why), "%s",
		 why && *why ? why : "(no reason given)");
	/* The plugin's words: no line breaks or escapes into log or status. */
	for (char *p = mod->device_why; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	if (!mod->device_down) {
		mod->device_since = time(NULL);
		onshi_logf(&mod->core->log, ONSHI_LOG_WARNING,
			   "%s: device lost: %s", mod->name, mod->device_why);
	}
	mod->device_down = 1;
}

/* A new or no instance: nothing is known about its device yet. */
static void device_forget(struct onshi_module *mod)
{
	mod->device_down = 0;
	mod->device_why[0] = '\0';
	mod->device_since = 0;
}

static void set_error(struct onshi_module *mod, const char *msg)
{
	snprintf(mod->last_error, sizeof(mod->last_error), "%s", msg);
	mod->last_error_at = time(NULL);
}

static void instance_free(struct onshi_core *core, struct onshi_instance *inst)
{
	if (!inst)
		return;
	onshi_conf_values_free(inst->values, inst->nvalues);
	free(inst->institution_code);
	onshi_loader_release(core->loader, inst->plugin);
	free(inst);
}

/*
 * Make a new instance of mod from configuration cfg: check its section,
 * open the plugin, resolve its keys and call create().
 */
static int instance_create(struct onshi_module *mod, const struct onshi_config *cfg,
			   struct onshi_instance **out, char *msg, size_t msglen)
{
	struct onshi_core *core = mod->core;
	const struct onshi_conf_section *sec, *inst_sec;
	const struct onshi_plugin *desc;
	struct onshi_diag diag = { 0 };
	struct onshi_instance *inst;
	const char *plugin_name, *code;
	enum onshi_load_error lerr;
	char why[1024];
	int rc;

	*out = NULL;
	sec = onshi_config_section(cfg, mod->section_type, mod->section_name);
	if (!sec) {
		snprintf(msg, msglen, "no [%s %s] section in %s any more",
			 mod->section_type, mod->section_name, cfg->path);
		return ONSHI_ENOTFOUND;
	}
	plugin_name = onshi_conf_section_get(sec, "plugin");
	inst_sec = onshi_conf_module_institution(cfg, sec);
	code = inst_sec ? onshi_conf_section_get(inst_sec, "code") : NULL;
	if (!plugin_name || !code) {
		snprintf(msg, msglen,
			 "%s:%d: [%s %s] needs plugin = and a valid institution",
			 sec->file, sec->line, mod->section_type, mod->section_name);
		return ONSHI_EINVAL;
	}
	inst = calloc(1, sizeof(*inst));
	if (!inst)
		return ONSHI_ENOMEM;
	inst->module = mod;
	lerr = onshi_loader_open(core->loader, plugin_name, &inst->plugin, why,
				 sizeof(why));
	if (lerr != ONSHI_LOAD_OK) {
		snprintf(msg, msglen, "%s", why);
		free(inst);
		return lerr == ONSHI_LOAD_NOT_FOUND    ? ONSHI_ENOTFOUND
		       : lerr == ONSHI_LOAD_ABI_MAJOR  ? ONSHI_EABI
		       : lerr == ONSHI_LOAD_UNSAFE_DIR ? ONSHI_EPERM
						       : ONSHI_EINVAL;
	}
	desc = inst->plugin->desc;
	if ((int)desc->kind != onshi_conf_module_kind(mod->section_type)) {
		snprintf(msg, msglen,
			 "%s:%d: plugin '%s' is a %s plugin, it cannot serve a [%s] section",
			 sec->file, sec->line, desc->name,
			 desc->kind == ONSHI_KIND_READER ? "reader" : "rececon",
			 mod->section_type);
		instance_free(core, inst);
		return ONSHI_EINVAL;
	}
	onshi_conf_check_plugin_keys(sec, desc, &diag);
	if (diag.count) {
		snprintf(msg, msglen, "%s%s", diag.lines[0],
			 diag.count > 1 ? " (and more: run onshid --check-config)"
					: "");
		onshi_diag_clear(&diag);
		instance_free(core, inst);
		return ONSHI_EINVAL;
	}
	rc = onshi_conf_resolve_plugin_keys(cfg, sec, desc, &inst->values,
					    &inst->nvalues);
	inst->institution_code = strdup(code);
	if (rc != ONSHI_OK || !inst->institution_code) {
		snprintf(msg, msglen, "out of memory");
		instance_free(core, inst);
		return ONSHI_ENOMEM;
	}
	rc = desc->ops->create(mod->host, inst, &inst->state);
	if (rc != ONSHI_OK) {
		snprintf(msg, msglen,
			 "plugin %s %s: create failed: %s (see the log above)",
			 desc->name, desc->version, onshi_strerror(rc));
		onshi_loop_forget_owner(core->loop, inst);
		onshi_path_watches_forget_owner(core->path_watches, inst);
		instance_free(core, inst);
		return rc;
	}
	*out = inst;
	return ONSHI_OK;
}

static void instance_stop_destroy(struct onshi_module *mod,
				  struct onshi_instance *inst, int started)
{
	struct onshi_core *core = mod->core;
	const struct onshi_plugin_ops *ops = inst->plugin->desc->ops;
	unsigned leaked;

	if (started)
		ops->stop(inst->state);
	/* After stop() no plugin thread runs: nothing can re-register. */
	leaked = onshi_loop_forget_owner(core->loop, inst);
	leaked += onshi_path_watches_forget_owner(core->path_watches, inst);
	tell_stopping(core->module_listeners, inst);
	if (leaked)
		onshi_logf(&core->log, ONSHI_LOG_WARNING,
			   "%s: plugin left %u fd watch(es)/timer(s)/folder watch(es) registered after stop; removed them (plugin bug)",
			   mod->name, leaked);
	ops->destroy(inst->state);
	instance_free(core, inst);
	/* What the old instance saw is history: no stale event or device
	 * state under a module that is disabled, failed or started anew. */
	mod->last_event[0] = '\0';
	mod->last_event_at = 0;
	device_forget(mod);
}

/* start() a created instance; on failure destroy it. */
static int instance_start(struct onshi_module *mod, struct onshi_instance *inst,
			  char *msg, size_t msglen)
{
	const struct onshi_plugin *desc = inst->plugin->desc;
	int rc = desc->ops->start(inst->state);

	if (rc != ONSHI_OK) {
		snprintf(msg, msglen,
			 "plugin %s %s: start failed: %s (see the log above)",
			 desc->name, desc->version, onshi_strerror(rc));
		instance_stop_destroy(mod, inst, 0);
		return rc;
	}
	return ONSHI_OK;
}

static int enable(struct onshi_module *mod, char *msg, size_t msglen)
{
	struct onshi_instance *inst;
	int rc;

	if (mod->state == ONSHI_MODULE_RUNNING) {
		snprintf(msg, msglen, "%s is already enabled", mod->name);
		return ONSHI_OK;
	}
	rc = instance_create(mod, mod->core->config, &inst, msg, msglen);
	if (rc == ONSHI_OK)
		rc = instance_start(mod, inst, msg, msglen);
	if (rc != ONSHI_OK) {
		mod->state = ONSHI_MODULE_FAILED;
		set_error(mod, msg);
		onshi_logf(&mod->core->log, ONSHI_LOG_ERR, "%s: %s", mod->name, msg);
		return rc;
	}
	mod->inst = inst;
	mod->state = ONSHI_MODULE_RUNNING;
	mod->starts++;
	snprintf(msg, msglen, "%s enabled (%s %s)", mod->name,
		 inst->plugin->desc->name, inst->plugin->desc->version);
	onshi_logf(&mod->core->log, ONSHI_LOG_INFO, "%s", msg);
	tell_started(mod);
	return ONSHI_OK;
}

static int disable(struct onshi_module *mod, char *msg, size_t msglen)
{
	if (!mod->inst) {
		mod->state = ONSHI_MODULE_DISABLED;
		snprintf(msg, msglen, "%s is already disabled", mod->name);
		return ONSHI_OK;
	}
	instance_stop_destroy(mod, mod->inst, 1);
	mod->inst = NULL;
	mod->state = ONSHI_MODULE_DISABLED;
	snprintf(msg, msglen, "%s disabled", mod->name);
	onshi_logf(&mod->core->log, ONSHI_LOG_INFO, "%s", msg);
	return ONSHI_OK;
}

static int reload(struct onshi_module *mod, char *msg, size_t msglen)
{
	struct onshi_core *core = mod->core;
	struct onshi_diag diag = { 0 };
	struct onshi_config *fresh = NULL;
	struct onshi_instance *inst;
	int rc;

	rc = onshi_config_load(core->config->path, &fresh, &diag);
	if (rc == ONSHI_OK)
		onshi_conf_check_core(fresh, &diag);
	if (rc != ONSHI_OK || diag.count) {
		snprintf(msg, msglen,
			 "configuration not reloaded, %s keeps running as before: %s",
			 mod->name,
			 diag.count ? diag.lines[0] : onshi_strerror(rc));
		onshi_diag_clear(&diag);
		onshi_config_free(fresh);
		return rc != ONSHI_OK ? rc : ONSHI_EINVAL;
	}
	rc = instance_create(mod, fresh, &inst, msg, msglen);
	if (rc != ONSHI_OK) {
		char why[768];

		snprintf(why, sizeof(why), "%s", msg);
		snprintf(msg, msglen, "reload refused, %s keeps running as before: %s",
			 mod->name, why);
		onshi_config_free(fresh);
		return rc;
	}
	if (mod->state == ONSHI_MODULE_DISABLED) {
		/* A disabled module stays disabled; the check was the point. */
		instance_stop_destroy(mod, inst, 0);
		onshi_config_free(core->config);
		core->config = fresh;
		snprintf(msg, msglen,
			 "%s: configuration re-read and checked; it stays disabled until enabled",
			 mod->name);
		return ONSHI_OK;
	}
	/* The new instance is built: swap. */
	if (mod->inst)
		instance_stop_destroy(mod, mod->inst, 1);
	mod->inst = NULL;
	onshi_config_free(core->config);
	core->config = fresh;
	rc = instance_start(mod, inst, msg, msglen);
	if (rc != ONSHI_OK) {
		mod->state = ONSHI_MODULE_FAILED;
		set_error(mod, msg);
		onshi_logf(&core->log, ONSHI_LOG_ERR, "%s: %s", mod->name, msg);
		return rc;
	}
	mod->inst = inst;
	mod->state = ONSHI_MODULE_RUNNING;
	mod->starts++;
	snprintf(msg, msglen, "%s reloaded (%s %s)", mod->name,
		 inst->plugin->desc->name, inst->plugin->desc->version);
	onshi_logf(&core->log, ONSHI_LOG_INFO, "%s", msg);
	tell_started(mod);
	return ONSHI_OK;
}

/* Every switch, whoever asked (audit.h's actor), goes to the audit log. */
static int audited(struct onshi_module *mod, const char *action,
		   int (*fn)(struct onshi_module *, char *, size_t), char *msg,
		   size_t msglen)
{
	int rc = fn(mod, msg, msglen);

	onshi_audit(mod->core, "module", "action", action, "module", mod->name,
		    "outcome", rc == ONSHI_OK ? "ok" : "failed", (char *)NULL);
	return rc;
}

int onshi_module_enable(struct onshi_module *mod, char *msg, size_t msglen)
{
	return audited(mod, "enable", enable, msg, msglen);
}

int onshi_module_disable(struct onshi_module *mod, char *msg, size_t msglen)
{
	return audited(mod, "disable", disable, msg, msglen);
}

int onshi_module_reload(struct onshi_module *mod, char *msg, size_t msglen)
{
	return audited(mod, "reload", reload, msg, msglen);
}

const char *onshi_module_institution_code(struct onshi_core *core,
					  const char *module_name)
{
	struct onshi_module *m = onshi_module_find(core, module_name);
	const struct onshi_conf_section *sec, *inst;

	if (!m)
		return NULL;
	sec = onshi_config_section(core->config, m->section_type, m->section_name);
	inst = sec ? onshi_conf_module_institution(core->config, sec) : NULL;
	return inst ? onshi_conf_section_get(inst, "code") : NULL;
}

struct onshi_module *onshi_module_find(struct onshi_core *core, const char *name)
{
	for (struct onshi_module *m = core->modules; m; m = m->next)
		if (strcmp(m->name, name) == 0)
			return m;
	return NULL;
}

int onshi_modules_build(struct onshi_core *core, const struct onshi_host *host)
{
	struct onshi_module **tail = &core->modules;
	const struct onshi_config *cfg = core->config;

	for (size_t i = 0; i < cfg->nsections; i++) {
		const struct onshi_conf_section *sec = &cfg->sections[i];
		struct onshi_module *mod;

		if (!onshi_conf_is_module_section(sec->type) || !sec->name)
			continue;
		mod = calloc(1, sizeof(*mod));
		if (!mod)
			return ONSHI_ENOMEM;
		mod->core = core;
		mod->host = host;
		mod->section_type = strdup(sec->type);
		mod->section_name = strdup(sec->name);
		if (asprintf(&mod->name, "%s:%s", sec->type, sec->name) < 0)
			mod->name = NULL;
		*tail = mod; /* linked first so that free finds it */
		tail = &mod->next;
		if (!mod->section_type || !mod->section_name || !mod->name)
			return ONSHI_ENOMEM;
	}
	return ONSHI_OK;
}

void onshi_modules_start_all(struct onshi_core *core)
{
	for (struct onshi_module *m = core->modules; m; m = m->next) {
		const struct onshi_conf_section *sec =
			onshi_config_section(core->config, m->section_type,
					     m->section_name);
		const char *enabled = onshi_conf_section_get(sec, "enabled");
		char msg[1024];

		if (enabled && onshi_conf_parse_bool(enabled) == 0) {
			onshi_logf(&core->log, ONSHI_LOG_INFO,
				   "%s: disabled in configuration", m->name);
			continue;
		}
		/* A failing module is logged and shown in status; the
		 * daemon serves the others. */
		onshi_module_enable(m, msg, sizeof(msg));
	}
}

static void free_list_reverse(struct onshi_core *core, struct onshi_module *m)
{
	char msg[256];

	if (!m)
		return;
	free_list_reverse(core, m->next);
	if (m->inst)
		onshi_module_disable(m, msg, sizeof(msg));
	free(m->name);
	free(m->section_name);
	free(m->section_type);
	free(m);
}

void onshi_modules_free(struct onshi_core *core)
{
	free_list_reverse(core, core->modules);
	core->modules = NULL;
	/* Whoever registered normally unlistens on close; a leftover is
	 * released here so that nothing leaks. */
	while (core->module_listeners) {
		struct onshi_module_listen_entry *e = core->module_listeners;

		core->module_listeners = e->next;
		free(e);
	}
}
