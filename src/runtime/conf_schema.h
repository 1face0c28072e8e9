/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conf_schema.h — what may appear where in the configuration.
 *
 * The daemon's own sections and keys are a table in conf_schema.c; a
 * [reader X] / [rececon X] section is checked against the daemon's module
 * keys plus the key table its plugin declares. Every problem is reported as
 * "file:line: reason" into a diag list.
 *
 * What a checked configuration gives (a plugin instance's values, the
 * daemon's settings, a module's institution) is read out by
 * conf_settings.c, declared below the checks.
 */
#ifndef ONSHI_CORE_CONF_SCHEMA_H
#define ONSHI_CORE_CONF_SCHEMA_H

#include <onshi/plugin.h>

#include "conf.h"
#include "diag.h"

/* Check the daemon's sections and the daemon-owned keys of module sections. */
void onshi_conf_check_core(const struct onshi_config *cfg, struct onshi_diag *diag);

/* Check a module section's plugin-specific keys against the plugin's table. */
void onshi_conf_check_plugin_keys(const struct onshi_conf_section *sec,
				  const struct onshi_plugin *plugin,
				  struct onshi_diag *diag);

/* Whether a section type names modules: "reader" or "rececon". */
int onshi_conf_is_module_section(const char *type);
/* The plugin kind a module section type needs (0 if not a module type). */
int onshi_conf_module_kind(const char *type);

/* yes/no, true/false, on/off, 1/0 → 1/0; -1 if none of these. */
int onshi_conf_parse_bool(const char *value);
/* A decimal integer in [min, max] (both 0: any long); -1 if not. */
int onshi_conf_parse_long(const char *value, long min, long max, long *out);

/* ---- conf_settings.c ---- */

/* One resolved key of a running instance: value, default or NULL. */
struct onshi_conf_value {
	const char *key; /* points into the plugin's table */
	enum onshi_conf_type type;
	char *value; /* owned; PATH values resolved */
};

/*
 * Build the values a plugin instance sees from its section: every key of the
 * plugin's table with its configured value or default (NULL if neither).
 */
int onshi_conf_resolve_plugin_keys(const struct onshi_config *cfg,
				   const struct onshi_conf_section *sec,
				   const struct onshi_plugin *plugin,
				   struct onshi_conf_value **out, size_t *count);
void onshi_conf_values_free(struct onshi_conf_value *v, size_t count);

/*
 * The daemon's own settings, with defaults applied and paths resolved.
 */
/* [control] idle_timeout_s when absent. */
#define ONSHI_CONTROL_IDLE_TIMEOUT_S 30

/*
 * One batch's bounds ([spool] max_batch_persons, max_batch_answer_bytes):
 * what protects the daemon, not the national service's own limit. The
 * persons' ceiling is the codec's (ONSHI_XMLMSG_MAX_ITEMS: an upload is
 * still one parsed document); a result is streamed from the spool
 * whatever its size, so its bound is only the disk's.
 */
#define ONSHI_BATCH_PERSONS_CEILING 100000
#define ONSHI_BATCH_PERSONS_DEFAULT 100000
#define ONSHI_BATCH_ANSWER_BYTES_DEFAULT (512L << 20)

struct onshi_settings {
	int log_level;
	int log_syslog; /* [log] target: 1 syslog, 0 stderr, -1 unset */
	char *control_socket;
	char *control_group;         /* NULL: the daemon's own group */
	long control_idle_timeout_s; /* a silent client is closed after it */
	char *plugin_dirs;           /* colon-separated, each resolved */
	int allow_unsafe_plugin_dir;
	int allow_core_dumps;   /* [daemon] allow_core_dumps = yes */
	char *plugin_trust_key; /* require_signature = yes: its key; else NULL */
	char *spool_dir;
	long batch_max_persons;      /* [spool] max_batch_persons */
	long batch_max_answer_bytes; /* [spool] max_batch_answer_bytes */
	/* [national] batch_max_persons: the most persons one upload may
	 * carry (the national service's limit); a longer batch is sent in
	 * parts (batch_parts.h). 0: no limit, never split. */
	long national_batch_max_persons;
};

int onshi_settings_load(const struct onshi_config *cfg, struct onshi_settings *s);
void onshi_settings_free(struct onshi_settings *s);

/* The institution a module section names (or the only one); NULL if none. */
const struct onshi_conf_section *
onshi_conf_module_institution(const struct onshi_config *cfg,
			      const struct onshi_conf_section *module_sec);

#endif
