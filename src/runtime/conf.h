/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conf.h — the INI configuration as read from disk.
 *
 * onshid.ini plus every *.ini in onshid.d/ beside it (name order; a later
 * file's key replaces an earlier one in the same section). Every section and
 * key remembers the file and line it came from, so that checks can report
 * "file:line: reason". This module only reads; what is allowed where is
 * config_schema.c's job.
 */
#ifndef ONSHI_CORE_CONF_H
#define ONSHI_CORE_CONF_H

#include <stddef.h>

#include "diag.h"

struct onshi_conf_entry {
	char *key;
	char *value;
	const char *file; /* owned by the config's file list */
	int line;
};

struct onshi_conf_section {
	char *type; /* "institution", "reader", "national", ... */
	char *name; /* "main" in [institution main]; NULL if none */
	const char *file;
	int line;
	struct onshi_conf_entry *entries;
	size_t count;
	size_t cap;
};

struct onshi_config {
	char *path;     /* main file as given */
	char *base_dir; /* its directory: relative paths resolve here */
	char **files;   /* every file read, in order */
	size_t nfiles;
	struct onshi_conf_section *sections;
	size_t nsections;
	size_t cap;
};

/*
 * Read `path` and its onshid.d/ drop-ins. Syntax problems are added to
 * `diag`; returns ONSHI_OK (check diag->count), or an error when nothing
 * usable could be read (missing main file, out of memory).
 */
int onshi_config_load(const char *path, struct onshi_config **out,
		      struct onshi_diag *diag);
void onshi_config_free(struct onshi_config *cfg);

/* The section [type name] (name NULL for [type]), or NULL. */
const struct onshi_conf_section *onshi_config_section(const struct onshi_config *cfg,
						      const char *type,
						      const char *name);
/* The entry for key in sec, or NULL. */
const struct onshi_conf_entry *onshi_conf_section_entry(const struct onshi_conf_section *sec,
							const char *key);
/* Its value, or NULL. */
const char *onshi_conf_section_get(const struct onshi_conf_section *sec,
				   const char *key);

/* Resolve a path value against cfg->base_dir; malloc'd. */
char *onshi_config_resolve_path(const struct onshi_config *cfg, const char *value);

/* sec's value of key resolved as a path (malloc'd); NULL when the key is
 * absent (or out of memory). sec may be NULL. */
char *onshi_conf_section_path(const struct onshi_config *cfg,
			      const struct onshi_conf_section *sec, const char *key);

/*
 * The section whose TLS client identity applies: own when it names a
 * client_cert or client_p12, else fallback (an [institution] or
 * [maintenance] without one of its own presents [national]'s). own may be
 * NULL.
 */
const struct onshi_conf_section *
onshi_conf_tls_identity(const struct onshi_conf_section *own,
			const struct onshi_conf_section *fallback);

#endif
