/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conf_schema.c — the daemon's configuration schema and its checks.
 *
 * A declarative table (as FreeRADIUS modules declare their config items)
 * says which sections exist, whether they take a name, and which keys they
 * accept with which type. Checks never stop at the first problem. Reading
 * values out of a checked configuration (the daemon's settings, a plugin
 * instance's keys) is conf_settings.c's.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf_schema.h"
#include "log.h"
#include "status_listen.h"

/* Extra value checks beyond the type. */
enum value_check {
	CHECK_NONE = 0,
	CHECK_INSTITUTION_CODE,
	CHECK_LOG_LEVEL,
	CHECK_LOG_TARGET,
	CHECK_HTTPS_URL,
	CHECK_POLL_S,
	CHECK_TIMEOUT_MS,
	CHECK_REFRESH_S,
	CHECK_IDLE_TIMEOUT_S,
	CHECK_PROBE_S,
	CHECK_BATCH_PERSONS,
	CHECK_BATCH_BYTES,
	CHECK_PAGE_LANGUAGE,
	CHECK_VPN_NAME,
	CHECK_VICI_SOCKET,
};

struct schema_key {
	const char *name;
	enum onshi_conf_type type;
	int required;
	enum value_check check;
};

enum section_naming {
	UNNAMED, /* [national] */
	NAMED,   /* [institution main] */
};

struct schema_section {
	const char *type;
	enum section_naming naming;
	const struct schema_key *keys;
};

/*
 * A TLS client identity: a PEM certificate with its key, or a PKCS#12
 * bundle (check_client_cert() says which combinations are valid). The same
 * four keys in every section that connects with a certificate of its own.
 */
#define TLS_IDENTITY_KEYS                                               \
	{ "client_cert", ONSHI_CONF_PATH, 0, CHECK_NONE },              \
		{ "client_key", ONSHI_CONF_PATH, 0, CHECK_NONE },       \
		{ "client_p12", ONSHI_CONF_PATH, 0, CHECK_NONE },       \
	{                                                               \
		"client_p12_password", ONSHI_CONF_STRING, 0, CHECK_NONE \
	}

static const struct schema_key institution_keys[] = {
	{ "code", ONSHI_CONF_STRING, 1, CHECK_INSTITUTION_CODE },
	{ "name", ONSHI_CONF_STRING, 0, CHECK_NONE },
	/* An institution with a certificate of its own ([national] has the
	 * default one). */
	TLS_IDENTITY_KEYS,
	{ NULL, 0, 0, 0 },
};
static const struct schema_key log_keys[] = {
	{ "level", ONSHI_CONF_STRING, 0, CHECK_LOG_LEVEL },
	{ "target", ONSHI_CONF_STRING, 0, CHECK_LOG_TARGET },
	{ NULL, 0, 0, 0 },
};
static const struct schema_key spool_keys[] = {
	{ "dir", ONSHI_CONF_PATH, 0, CHECK_NONE },
	/* The daemon's own bounds on one batch (docs/configuration.md). */
	{ "max_batch_persons", ONSHI_CONF_INT, 0, CHECK_BATCH_PERSONS },
	{ "max_batch_answer_bytes", ONSHI_CONF_INT, 0, CHECK_BATCH_BYTES },
	{ NULL, 0, 0, 0 },
};
/* The hash-chained audit log (docs/audit.md). */
static const struct schema_key audit_keys[] = {
	{ "file", ONSHI_CONF_PATH, 0, CHECK_NONE },
	{ NULL, 0, 0, 0 },
};
static const struct schema_key control_keys[] = {
	{ "socket", ONSHI_CONF_PATH, 0, CHECK_NONE },
	{ "group", ONSHI_CONF_STRING, 0, CHECK_NONE },
	/* A silent client is closed after this (control.c). */
	{ "idle_timeout_s", ONSHI_CONF_INT, 0, CHECK_IDLE_TIMEOUT_S },
	{ NULL, 0, 0, 0 },
};
static const struct schema_key plugins_keys[] = {
	{ "dir", ONSHI_CONF_STRING, 0, CHECK_NONE }, /* colon-separated */
	{ "allow_unsafe_dir", ONSHI_CONF_BOOL, 0, CHECK_NONE },
	/* Plugin integrity (docs/maintenance.md "Plugin signatures"). */
	{ "require_signature", ONSHI_CONF_BOOL, 0, CHECK_NONE },
	{ "trust_key", ONSHI_CONF_PATH, 0, CHECK_NONE },
	{ NULL, 0, 0, 0 },
};
/* Remote maintenance (docs/maintenance.md). */
static const struct schema_key maintenance_keys[] = {
	{ "manifest_url", ONSHI_CONF_STRING, 1, CHECK_HTTPS_URL },
	{ "trust_key", ONSHI_CONF_PATH, 1, CHECK_NONE },
	{ "poll_s", ONSHI_CONF_INT, 0, CHECK_POLL_S },
	{ "timeout_ms", ONSHI_CONF_INT, 0, CHECK_TIMEOUT_MS },
	{ "connect_timeout_ms", ONSHI_CONF_INT, 0, CHECK_TIMEOUT_MS },
	{ "ca_bundle", ONSHI_CONF_PATH, 0, CHECK_NONE },
	{ "report_url", ONSHI_CONF_STRING, 0, CHECK_HTTPS_URL },
	TLS_IDENTITY_KEYS,
	{ "state_file", ONSHI_CONF_PATH, 0, CHECK_NONE },
	{ NULL, 0, 0, 0 },
};
static const struct schema_key national_keys[] = {
	{ "endpoint", ONSHI_CONF_STRING, 1, CHECK_HTTPS_URL },
	TLS_IDENTITY_KEYS,
	{ "ca_bundle", ONSHI_CONF_PATH, 0, CHECK_NONE },
	{ "timeout_ms", ONSHI_CONF_INT, 0, CHECK_NONE },
	{ "connect_timeout_ms", ONSHI_CONF_INT, 0, CHECK_NONE },
	{ "deadline_ms", ONSHI_CONF_INT, 0, CHECK_NONE },
	{ "bulk_timeout_ms", ONSHI_CONF_INT, 0, CHECK_NONE },
	{ "max_connections", ONSHI_CONF_INT, 0, CHECK_NONE },
	{ "requeue_s", ONSHI_CONF_INT, 0, CHECK_NONE },
	{ "probe_s", ONSHI_CONF_INT, 0, CHECK_PROBE_S },
	/* The national service's persons per upload (batch_parts.h). */
	{ "batch_max_persons", ONSHI_CONF_INT, 0, CHECK_BATCH_PERSONS },
	{ NULL, 0, 0, 0 },
};
/* The IPsec tunnel to the national network, watched and brought up
 * through strongSwan's charon (docs/vpn.md); absent = not watched. */
static const struct schema_key vpn_keys[] = {
	{ "connection", ONSHI_CONF_STRING, 1, CHECK_VPN_NAME },
	{ "child", ONSHI_CONF_STRING, 0, CHECK_VPN_NAME },
	{ "vici_socket", ONSHI_CONF_PATH, 0, CHECK_VICI_SOCKET },
	{ "initiate", ONSHI_CONF_BOOL, 0, CHECK_NONE },
	{ "poll_s", ONSHI_CONF_INT, 0, CHECK_REFRESH_S },
	{ "retry_max_s", ONSHI_CONF_INT, 0, CHECK_REFRESH_S },
	{ "initiate_timeout_ms", ONSHI_CONF_INT, 0, CHECK_TIMEOUT_MS },
	{ NULL, 0, 0, 0 },
};
/* My Number Card checks: JPKI CAs and CRLs, and the reader makers' CA. */
static const struct schema_key jpki_keys[] = {
	{ "trust_dir", ONSHI_CONF_PATH, 0, CHECK_NONE },
	{ "reader_ca", ONSHI_CONF_PATH, 0, CHECK_NONE },
	{ NULL, 0, 0, 0 },
};
/* The front-desk status page (status_page.c); absent = off. */
static const struct schema_key status_page_keys[] = {
	{ "listen", ONSHI_CONF_STRING, 1, CHECK_NONE },
	{ "refresh_s", ONSHI_CONF_INT, 0, CHECK_REFRESH_S },
	{ "allow_remote", ONSHI_CONF_BOOL, 0, CHECK_NONE },
	/* The desk part's language: ja (default) or en. */
	{ "language", ONSHI_CONF_STRING, 0, CHECK_PAGE_LANGUAGE },
	{ NULL, 0, 0, 0 },
};
/* The daemon's keys in every [reader X] / [rececon X] section. */
static const struct schema_key module_keys[] = {
	{ "plugin", ONSHI_CONF_STRING, 1, CHECK_NONE },
	{ "institution", ONSHI_CONF_STRING, 0, CHECK_NONE },
	{ "enabled", ONSHI_CONF_BOOL, 0, CHECK_NONE },
	{ NULL, 0, 0, 0 },
};

static const struct schema_key daemon_keys[] = {
	/* onshid holds patient data and the clinic's private key: no core
	 * files unless a developer asks for them. */
	{ "allow_core_dumps", ONSHI_CONF_BOOL, 0, CHECK_NONE },
	{ NULL, 0, 0, 0 },
};

static const struct schema_section sections[] = {
	{ "daemon", UNNAMED, daemon_keys },
	{ "institution", NAMED, institution_keys },
	{ "log", UNNAMED, log_keys },
	{ "spool", UNNAMED, spool_keys },
	{ "audit", UNNAMED, audit_keys },
	{ "control", UNNAMED, control_keys },
	{ "plugins", UNNAMED, plugins_keys },
	{ "maintenance", UNNAMED, maintenance_keys },
	{ "national", UNNAMED, national_keys },
	{ "vpn", UNNAMED, vpn_keys },
	{ "jpki", UNNAMED, jpki_keys },
	{ "status_page", UNNAMED, status_page_keys },
	{ "reader", NAMED, module_keys },
	{ "rececon", NAMED, module_keys },
	{ NULL, 0, NULL },
};

int onshi_conf_parse_bool(const char *v)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return 1;
		if (strcasecmp(v, no[i]) == 0)
			return 0;
	}
	return -1;
}

int onshi_conf_parse_long(const char *value, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(value, &end, 10);
	if (errno || end == value || *end)
		return -1;
	if ((min || max) && (v < min || v > max))
		return -1;
	*out = v;
	return 0;
}

int onshi_conf_is_module_section(const char *type)
{
	return onshi_conf_module_kind(type) != 0;
}

int onshi_conf_module_kind(const char *type)
{
	if (strcmp(type, "reader") == 0)
		return ONSHI_KIND_READER;
	if (strcmp(type, "rececon") == 0)
		return ONSHI_KIND_RECECON;
	return 0;
}

/* 医療機関コード: 10 digits, the first two a prefecture 01–47. */
static const char *institution_code_problem(const char *v)
{
	size_t n = strlen(v);
	int pref;

	if (n != 10)
		return "must be 10 digits";
	for (size_t i = 0; i < n; i++)
		if (v[i] < '0' || v[i] > '9')
			return "must be 10 digits";
	pref = (v[0] - '0') * 10 + (v[1] - '0');
	if (pref < 1 || pref > 47)
		return "must start with a prefecture number 01-47";
	return NULL;
}

/*
 * A swanctl connection or child name as VICI carries it: a name of at
 * most 255 bytes, printable, without spaces or the characters swanctl.conf
 * gives meaning to.
 */
static const char *vpn_name_problem(const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || n > 255)
		return "must be a strongSwan connection name of 1 to 255 characters";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c <= ' ' || c >= 0x7f || strchr("{}=#\"'", c))
			return "must be a strongSwan connection name (letters, digits, - _ . and the like; no spaces, braces, = or quotes)";
	}
	return NULL;
}

/* Type and extra checks of one value; reports and returns 0 if bad. */
static int check_value(const struct onshi_conf_entry *e,
		       enum onshi_conf_type type, long min, long max,
		       enum value_check check, struct onshi_diag *diag)
{
	const char *why = NULL;
	long l;

	switch (type) {
	case ONSHI_CONF_BOOL:
		if (onshi_conf_parse_bool(e->value) < 0)
			why = "must be yes or no";
		break;
	case ONSHI_CONF_INT:
		if (onshi_conf_parse_long(e->value, min, max, &l) < 0) {
			if (min || max)
				onshi_diag_add(diag, e->file, e->line,
					       "%s = '%s': must be an integer from %ld to %ld",
					       e->key, e->value, min, max);
			else
				onshi_diag_add(diag, e->file, e->line,
					       "%s = '%s': must be an integer",
					       e->key, e->value);
			return 0;
		}
		break;
	case ONSHI_CONF_PATH:
		if (!e->value[0])
			why = "must not be empty";
		break;
	case ONSHI_CONF_STRING: break;
	}
	if (!why) {
		switch (check) {
		case CHECK_INSTITUTION_CODE:
			why = institution_code_problem(e->value);
			break;
		case CHECK_LOG_LEVEL:
			if (onshi_log_level_from_name(e->value) < 0)
				why = "must be error, warning, notice, info or debug";
			break;
		case CHECK_LOG_TARGET:
			if (strcmp(e->value, "stderr") != 0 &&
			    strcmp(e->value, "syslog") != 0)
				why = "must be stderr or syslog";
			break;
		case CHECK_HTTPS_URL:
			if (strncmp(e->value, "https://", 8) != 0 || !e->value[8])
				why = "must be an https:// URL";
			break;
		case CHECK_POLL_S:
			if (onshi_conf_parse_long(e->value, 1, 7 * 86400, &l) < 0)
				why = "must be a number of seconds from 1 to 604800";
			break;
		case CHECK_TIMEOUT_MS:
			if (onshi_conf_parse_long(e->value, 100, 600000, &l) < 0)
				why = "must be from 100 to 600000 (milliseconds)";
			break;
		case CHECK_REFRESH_S:
			if (onshi_conf_parse_long(e->value, 1, 3600, &l) < 0)
				why = "must be a number of seconds from 1 to 3600";
			break;
		case CHECK_IDLE_TIMEOUT_S:
			if (onshi_conf_parse_long(e->value, 1, 3600, &l) < 0)
				why = "must be a number of seconds from 1 to 3600";
			break;
		case CHECK_PROBE_S:
			if (onshi_conf_parse_long(e->value, 0, 86400, &l) < 0)
				why = "must be a number of seconds from 0 (no probe) to 86400";
			break;
		case CHECK_BATCH_PERSONS:
			if (onshi_conf_parse_long(e->value, 1,
						  ONSHI_BATCH_PERSONS_CEILING, &l) < 0)
				why = "must be a number of persons from 1 to 100000";
			break;
		case CHECK_BATCH_BYTES:
			if (onshi_conf_parse_long(e->value, 1L << 20, 1L << 32,
						  &l) < 0)
				why = "must be a number of bytes from 1048576 to 4294967296";
			break;
		case CHECK_PAGE_LANGUAGE:
			if (strcmp(e->value, "ja") != 0 && strcmp(e->value, "en") != 0)
				why = "must be ja or en";
			break;
		case CHECK_VPN_NAME: why = vpn_name_problem(e->value); break;
		case CHECK_VICI_SOCKET:
			/* sockaddr_un's sun_path holds 107 bytes and a NUL. */
			if (strlen(e->value) > 107)
				why = "is longer than a Unix socket path may be (107 bytes)";
			break;
		case CHECK_NONE: break;
		}
	}
	if (why) {
		onshi_diag_add(diag, e->file, e->line, "%s = '%s': %s", e->key,
			       e->value, why);
		return 0;
	}
	return 1;
}

static const struct schema_section *schema_for(const char *type)
{
	for (const struct schema_section *s = sections; s->type; s++)
		if (strcmp(s->type, type) == 0)
			return s;
	return NULL;
}

static const struct schema_key *schema_key(const struct schema_key *keys,
					   const char *name)
{
	for (const struct schema_key *k = keys; k->name; k++)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

static void section_label(const struct onshi_conf_section *sec, char *buf, size_t len)
{
	if (sec->name)
		snprintf(buf, len, "[%s %s]", sec->type, sec->name);
	else
		snprintf(buf, len, "[%s]", sec->type);
}

static void check_module_refs(const struct onshi_config *cfg,
			      const struct onshi_conf_section *sec,
			      struct onshi_diag *diag)
{
	const struct onshi_conf_entry *inst =
		onshi_conf_section_entry(sec, "institution");
	size_t ninst = 0;

	for (size_t i = 0; i < cfg->nsections; i++)
		if (strcmp(cfg->sections[i].type, "institution") == 0)
			ninst++;
	if (inst) {
		if (!onshi_config_section(cfg, "institution", inst->value))
			onshi_diag_add(diag, inst->file, inst->line,
				       "institution = '%s': no [institution %s] section",
				       inst->value, inst->value);
	} else if (ninst != 1) {
		char label[300];

		section_label(sec, label, sizeof(label));
		onshi_diag_add(diag, sec->file, sec->line,
			       ninst ? "%s: several [institution] sections: say which with institution = NAME"
				     : "%s: no [institution NAME] section to serve",
			       label);
	}
}

/* A client certificate: a PKCS#12 bundle, or a PEM cert with its key.
 * [national] must have one; an [institution] may have its own. */
static void check_client_cert(const struct onshi_conf_section *sec,
			      int required, struct onshi_diag *diag)
{
	int cert = onshi_conf_section_entry(sec, "client_cert") != NULL;
	int key = onshi_conf_section_entry(sec, "client_key") != NULL;
	int p12 = onshi_conf_section_entry(sec, "client_p12") != NULL;
	char label[300];

	section_label(sec, label, sizeof(label));
	if (p12 && (cert || key))
		onshi_diag_add(diag, sec->file, sec->line,
			       "%s: give client_p12 or client_cert + client_key, not both",
			       label);
	else if (!p12 && (cert != key || (required && !cert)))
		onshi_diag_add(diag, sec->file, sec->line,
			       "%s: needs client_cert and client_key (PEM) or client_p12",
			       label);
}

static void check_national(const struct onshi_config *cfg, struct onshi_diag *diag)
{
	const struct onshi_conf_section *n = onshi_config_section(cfg, "national",
								  NULL);

	if (n)
		check_client_cert(n, 1, diag);
	for (size_t i = 0; i < cfg->nsections; i++)
		if (strcmp(cfg->sections[i].type, "institution") == 0)
			check_client_cert(&cfg->sections[i], 0, diag);
}

/* [maintenance] client certificate pairs; require_signature needs a key. */
static void check_maintenance(const struct onshi_config *cfg, struct onshi_diag *diag)
{
	const struct onshi_conf_section *m = onshi_config_section(cfg, "maintenance",
								  NULL);
	const struct onshi_conf_section *p = onshi_config_section(cfg, "plugins",
								  NULL);
	const struct onshi_conf_entry *req =
		onshi_conf_section_entry(p, "require_signature");

	if (m)
		check_client_cert(m, 0, diag);
	if (req && onshi_conf_parse_bool(req->value) == 1 &&
	    !onshi_conf_section_get(p, "trust_key") &&
	    !onshi_conf_section_get(m, "trust_key"))
		onshi_diag_add(diag, req->file, req->line,
			       "require_signature = yes needs a key: set [plugins] trust_key (or [maintenance] trust_key) to the maintenance public key");
}

/*
 * [status_page] listen: a numeric HOST:PORT, and loopback unless
 * allow_remote = yes — the page shows today's counts and module state to
 * whoever can reach it, and it has no login.
 */
static void check_status_page(const struct onshi_config *cfg, struct onshi_diag *diag)
{
	const struct onshi_conf_section *sp =
		onshi_config_section(cfg, "status_page", NULL);
	const struct onshi_conf_entry *l = onshi_conf_section_entry(sp, "listen");
	const char *remote = onshi_conf_section_get(sp, "allow_remote");
	struct sockaddr_storage ss;
	socklen_t sslen;
	int loopback;
	char why[256];

	if (!l)
		return;
	if (onshi_status_parse_listen(l->value, &ss, &sslen, &loopback, why,
				      sizeof(why)) < 0)
		onshi_diag_add(diag, l->file, l->line,
			       "[status_page] listen = %s", why);
	else if (!loopback && !(remote && onshi_conf_parse_bool(remote) == 1))
		onshi_diag_add(diag, l->file, l->line,
			       "[status_page] listen = %s is not a loopback address: the page has no login and shows today's counts and module state to anyone who can reach it; listen on 127.0.0.1, or set allow_remote = yes",
			       l->value);
}

void onshi_conf_check_core(const struct onshi_config *cfg, struct onshi_diag *diag)
{
	for (size_t i = 0; i < cfg->nsections; i++) {
		const struct onshi_conf_section *sec = &cfg->sections[i];
		const struct schema_section *ss = schema_for(sec->type);
		int module = onshi_conf_is_module_section(sec->type);
		char label[300];

		section_label(sec, label, sizeof(label));
		if (!ss) {
			onshi_diag_add(diag, sec->file, sec->line,
				       "unknown section %s", label);
			continue;
		}
		if (ss->naming == NAMED && !sec->name) {
			onshi_diag_add(diag, sec->file, sec->line,
				       "section [%s] needs a name: [%s NAME]",
				       sec->type, sec->type);
			continue;
		}
		if (ss->naming == UNNAMED && sec->name) {
			onshi_diag_add(diag, sec->file, sec->line,
				       "section [%s] takes no name (found %s)",
				       sec->type, label);
			continue;
		}
		for (size_t j = 0; j < sec->count; j++) {
			const struct onshi_conf_entry *e = &sec->entries[j];
			const struct schema_key *k = schema_key(ss->keys, e->key);

			if (!k) {
				/* Module sections: the plugin's own keys are
				 * checked once the plugin is known. */
				if (!module)
					onshi_diag_add(diag, e->file, e->line,
						       "unknown key '%s' in %s",
						       e->key, label);
				continue;
			}
			check_value(e, k->type, 0, 0, k->check, diag);
		}
		for (const struct schema_key *k = ss->keys; k->name; k++)
			if (k->required && !onshi_conf_section_entry(sec, k->name))
				onshi_diag_add(diag, sec->file, sec->line,
					       "%s: missing required key '%s'",
					       label, k->name);
		if (module)
			check_module_refs(cfg, sec, diag);
	}
	check_national(cfg, diag);
	check_maintenance(cfg, diag);
	check_status_page(cfg, diag);
	/* Two institutions with one code would make results ambiguous. */
	for (size_t i = 0; i < cfg->nsections; i++) {
		const struct onshi_conf_section *a = &cfg->sections[i];
		const char *ca;

		if (strcmp(a->type, "institution") != 0 ||
		    !(ca = onshi_conf_section_get(a, "code")))
			continue;
		for (size_t j = i + 1; j < cfg->nsections; j++) {
			const struct onshi_conf_section *b = &cfg->sections[j];
			const struct onshi_conf_entry *cb =
				onshi_conf_section_entry(b, "code");

			if (strcmp(b->type, "institution") == 0 && cb &&
			    strcmp(ca, cb->value) == 0)
				onshi_diag_add(diag, cb->file, cb->line,
					       "code %s is already used by [institution %s]",
					       ca, a->name);
		}
	}
}

static const struct onshi_conf_key *plugin_key(const struct onshi_plugin *p,
					       const char *name)
{
	if (!p->config)
		return NULL;
	for (const struct onshi_conf_key *k = p->config; k->name; k++)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

void onshi_conf_check_plugin_keys(const struct onshi_conf_section *sec,
				  const struct onshi_plugin *plugin,
				  struct onshi_diag *diag)
{
	char label[300];

	section_label(sec, label, sizeof(label));
	for (size_t j = 0; j < sec->count; j++) {
		const struct onshi_conf_entry *e = &sec->entries[j];
		const struct onshi_conf_key *k;

		if (schema_key(module_keys, e->key))
			continue;
		k = plugin_key(plugin, e->key);
		if (!k) {
			onshi_diag_add(diag, e->file, e->line,
				       "unknown key '%s' in %s (plugin %s does not take it)",
				       e->key, label, plugin->name);
			continue;
		}
		check_value(e, k->type, k->min, k->max, CHECK_NONE, diag);
	}
	if (!plugin->config)
		return;
	for (const struct onshi_conf_key *k = plugin->config; k->name; k++)
		if (k->required && !onshi_conf_section_entry(sec, k->name))
			onshi_diag_add(diag, sec->file, sec->line,
				       "%s: missing required key '%s' (%s)",
				       label, k->name,
				       k->help ? k->help
					       : "see the plugin's documentation");
}
