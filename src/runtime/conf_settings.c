/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conf_settings.c — what a checked configuration gives the daemon and its
 * plugins: the daemon's own settings with defaults applied and paths
 * resolved, each plugin instance's key values (configured or default),
 * and the institution a module section serves. Apart from conf_schema.c,
 * which says what may be written where: this file only reads values out.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "conf_schema.h"
#include "log.h"

#ifndef ONSHI_PLUGIN_DIR
#define ONSHI_PLUGIN_DIR "/usr/lib/onshi/plugins"
#endif

void onshi_conf_values_free(struct onshi_conf_value *v, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(v[i].value);
	free(v);
}

int onshi_conf_resolve_plugin_keys(const struct onshi_config *cfg,
				   const struct onshi_conf_section *sec,
				   const struct onshi_plugin *plugin,
				   struct onshi_conf_value **out, size_t *count)
{
	struct onshi_conf_value *v;
	size_t n = 0;

	*out = NULL;
	*count = 0;
	if (!plugin->config)
		return ONSHI_OK;
	while (plugin->config[n].name)
		n++;
	v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		return ONSHI_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct onshi_conf_key *k = &plugin->config[i];
		const char *raw = onshi_conf_section_get(sec, k->name);

		if (!raw)
			raw = k->default_value;
		v[i].key = k->name;
		v[i].type = k->type;
		if (!raw)
			continue;
		v[i].value = k->type == ONSHI_CONF_PATH
				     ? onshi_config_resolve_path(cfg, raw)
				     : strdup(raw);
		if (!v[i].value) {
			onshi_conf_values_free(v, n);
			return ONSHI_ENOMEM;
		}
	}
	*out = v;
	*count = n;
	return ONSHI_OK;
}

const struct onshi_conf_section *
onshi_conf_module_institution(const struct onshi_config *cfg,
			      const struct onshi_conf_section *module_sec)
{
	const char *name = onshi_conf_section_get(module_sec, "institution");
	const struct onshi_conf_section *only = NULL;

	if (name)
		return onshi_config_section(cfg, "institution", name);
	for (size_t i = 0; i < cfg->nsections; i++) {
		if (strcmp(cfg->sections[i].type, "institution") != 0)
			continue;
		if (only)
			return NULL; /* several: the section must say which */
		only = &cfg->sections[i];
	}
	return only;
}

static char *setting_path(const struct onshi_config *cfg, const char *type,
			  const char *key, const char *fallback)
{
	const char *v = onshi_conf_section_get(onshi_config_section(cfg, type, NULL),
					       key);

	return v ? onshi_config_resolve_path(cfg, v) : strdup(fallback);
}

/* Each colon-separated directory resolved against the config directory. */
static char *resolve_dir_list(const struct onshi_config *cfg, const char *list)
{
	char *copy = strdup(list), *save = NULL, *out = NULL;
	size_t len = 0;

	if (!copy)
		return NULL;
	for (char *d = strtok_r(copy, ":", &save); d;
	     d = strtok_r(NULL, ":", &save)) {
		char *abs = onshi_config_resolve_path(cfg, d), *grown;
		size_t al;

		if (!abs)
			goto fail;
		al = strlen(abs);
		grown = realloc(out, len + al + 2);
		if (!grown) {
			free(abs);
			goto fail;
		}
		out = grown;
		if (len)
			out[len++] = ':';
		memcpy(out + len, abs, al + 1);
		len += al;
		free(abs);
	}
	free(copy);
	return out ? out : strdup("");
fail:
	free(copy);
	free(out);
	return NULL;
}

int onshi_settings_load(const struct onshi_config *cfg, struct onshi_settings *s)
{
	const struct onshi_conf_section *log = onshi_config_section(cfg, "log", NULL);
	const struct onshi_conf_section *plugins =
		onshi_config_section(cfg, "plugins", NULL);
	const char *v;
	int oom = 0;

	memset(s, 0, sizeof(*s));
	s->log_level = ONSHI_LOG_INFO;
	if ((v = onshi_conf_section_get(log, "level")))
		s->log_level = onshi_log_level_from_name(v);
	if (s->log_level < 0)
		s->log_level = ONSHI_LOG_INFO;
	v = onshi_conf_section_get(log, "target");
	s->log_syslog = v ? strcmp(v, "syslog") == 0 : -1;

	s->control_socket = setting_path(cfg, "control", "socket",
					 "/run/onshi/control.sock");
	v = onshi_conf_section_get(onshi_config_section(cfg, "control", NULL),
				   "group");
	if (v && !(s->control_group = strdup(v)))
		oom = 1;
	s->control_idle_timeout_s = ONSHI_CONTROL_IDLE_TIMEOUT_S;
	v = onshi_conf_section_get(onshi_config_section(cfg, "control", NULL),
				   "idle_timeout_s");
	if (v)
		onshi_conf_parse_long(v, 1, 3600, &s->control_idle_timeout_s);
	s->spool_dir = setting_path(cfg, "spool", "dir", "/var/lib/onshi");
	s->batch_max_persons = ONSHI_BATCH_PERSONS_DEFAULT;
	v = onshi_conf_section_get(onshi_config_section(cfg, "spool", NULL),
				   "max_batch_persons");
	if (v)
		onshi_conf_parse_long(v, 1, ONSHI_BATCH_PERSONS_CEILING,
				      &s->batch_max_persons);
	v = onshi_conf_section_get(onshi_config_section(cfg, "national", NULL),
				   "batch_max_persons");
	if (v)
		onshi_conf_parse_long(v, 1, ONSHI_BATCH_PERSONS_CEILING,
				      &s->national_batch_max_persons);
	s->batch_max_answer_bytes = ONSHI_BATCH_ANSWER_BYTES_DEFAULT;
	v = onshi_conf_section_get(onshi_config_section(cfg, "spool", NULL),
				   "max_batch_answer_bytes");
	if (v)
		onshi_conf_parse_long(v, 1L << 20, 1L << 32,
				      &s->batch_max_answer_bytes);
	v = onshi_conf_section_get(plugins, "dir");
	s->plugin_dirs = v ? resolve_dir_list(cfg, v) : strdup(ONSHI_PLUGIN_DIR);
	v = onshi_conf_section_get(plugins, "allow_unsafe_dir");
	s->allow_unsafe_plugin_dir = v && onshi_conf_parse_bool(v) == 1;
	v = onshi_conf_section_get(onshi_config_section(cfg, "daemon", NULL),
				   "allow_core_dumps");
	s->allow_core_dumps = v && onshi_conf_parse_bool(v) == 1;
	v = onshi_conf_section_get(plugins, "require_signature");
	if (v && onshi_conf_parse_bool(v) == 1) {
		/* Its own key, else the maintenance key (the usual case). */
		const char *key = onshi_conf_section_get(plugins, "trust_key");

		if (!key)
			key = onshi_conf_section_get(onshi_config_section(cfg, "maintenance",
									  NULL),
						     "trust_key");
		if (key &&
		    !(s->plugin_trust_key = onshi_config_resolve_path(cfg, key)))
			oom = 1;
	}
	if (oom || !s->control_socket || !s->spool_dir || !s->plugin_dirs) {
		onshi_settings_free(s);
		return ONSHI_ENOMEM;
	}
	return ONSHI_OK;
}

void onshi_settings_free(struct onshi_settings *s)
{
	free(s->control_socket);
	free(s->control_group);
	free(s->plugin_dirs);
	free(s->plugin_trust_key);
	free(s->spool_dir);
	memset(s, 0, sizeof(*s));
}
