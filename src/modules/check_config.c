/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_config.c — checking a configuration file completely
 * (onshid --check-config, SELFTEST): syntax, the daemon's sections and
 * keys, each module section against its plugin's key table, then the files
 * the configuration points at. The daemon's own start uses the same load
 * without the plugins (check_config.h).
 */
#include "config.h"

#include "check_config.h"
#include "check_files.h"
#include "core.h"
#include "loader.h"

/* Open each module's plugin to check its keys (nothing is started). */
static void check_plugins(const struct onshi_config *cfg,
			  const struct onshi_settings *settings,
			  struct onshi_diag *diag)
{
	struct onshi_loader *loader;

	if (onshi_loader_new(settings->plugin_dirs, settings->allow_unsafe_plugin_dir,
			     &loader) != ONSHI_OK) {
		onshi_diag_add(diag, NULL, 0, "cannot initialise libltdl");
		return;
	}
	if (settings->plugin_trust_key &&
	    onshi_loader_require_signature(loader, settings->plugin_trust_key)) {
		onshi_diag_add(diag, NULL, 0, "out of memory");
		onshi_loader_free(loader);
		return;
	}
	for (size_t i = 0; i < cfg->nsections; i++) {
		const struct onshi_conf_section *sec = &cfg->sections[i];
		const char *name = onshi_conf_section_get(sec, "plugin");
		const struct onshi_conf_entry *pe;
		struct onshi_plugin_handle *h;
		char msg[1024];

		if (!onshi_conf_is_module_section(sec->type) || !name)
			continue;
		pe = onshi_conf_section_entry(sec, "plugin");
		if (onshi_loader_open(loader, name, &h, msg, sizeof(msg)) !=
		    ONSHI_LOAD_OK) {
			onshi_diag_add(diag, pe->file, pe->line, "%s", msg);
			continue;
		}
		if ((int)h->desc->kind != onshi_conf_module_kind(sec->type))
			onshi_diag_add(diag, pe->file, pe->line,
				       "plugin '%s' is a %s plugin, it cannot serve [%s %s]",
				       name,
				       h->desc->kind == ONSHI_KIND_READER
					       ? "reader"
					       : "rececon",
				       sec->type, sec->name);
		else
			onshi_conf_check_plugin_keys(sec, h->desc, diag);
		onshi_loader_release(loader, h);
	}
	onshi_loader_free(loader);
}

int onshi_config_load_checked(const char *path, int with_plugins,
			      struct onshi_config **cfg_out,
			      struct onshi_settings *settings,
			      struct onshi_diag *diag)
{
	struct onshi_config *cfg;
	int rc;

	rc = onshi_config_load(path, &cfg, diag);
	if (rc != ONSHI_OK)
		return rc;
	onshi_conf_check_core(cfg, diag);
	rc = onshi_settings_load(cfg, settings);
	if (rc != ONSHI_OK) {
		onshi_config_free(cfg);
		return rc;
	}
	if (with_plugins && !diag->count)
		check_plugins(cfg, settings, diag);
	if (diag->count) {
		onshi_settings_free(settings);
		onshi_config_free(cfg);
		return ONSHI_EINVAL;
	}
	*cfg_out = cfg;
	return ONSHI_OK;
}

int onshi_core_check_config(const char *path, struct onshi_diag *diag)
{
	struct onshi_settings settings;
	struct onshi_config *cfg;
	int rc = onshi_config_load_checked(path, 1, &cfg, &settings, diag);

	if (rc != ONSHI_OK)
		return rc;
	/* The configuration is sound: now what it points at. */
	onshi_check_config_files(cfg, diag);
	onshi_settings_free(&settings);
	onshi_config_free(cfg);
	return diag->count ? ONSHI_EINVAL : ONSHI_OK;
}
