/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_files.c — what `onshid --check-config` checks beyond the syntax:
 * every certificate, key, PKCS#12 bundle, CA bundle, trust folder and
 * maintenance key the configuration names exists, can be read by the user
 * running the check (run it as onshid's user) and parses; each
 * institution's client certificate matches its key and carries the
 * institution's code. A technician learns this before the first patient,
 * not from the first refused inquiry. Each problem is reported as
 * "file:line: reason" at the key that names the file.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <onshi/error.h>

#include "cert.h"
#include "check_files.h"
#include "ed25519_verify.h"

#define MSG_LEN 512

/* What a PATH key must hold. */
enum holds {
	HOLDS_CA_FILE, /* PEM CA certificates (and CRLs) */
	HOLDS_CA_DIR,  /* a folder of them (JPKI trust) */
	HOLDS_ED25519, /* an Ed25519 public key (maintenance, plugins) */
};

struct path_key {
	const char *section, *key;
	enum holds holds;
};

/* Client certificates and keys are checked per institution, below. */
static const struct path_key path_keys[] = {
	{ "national", "ca_bundle", HOLDS_CA_FILE },
	{ "maintenance", "ca_bundle", HOLDS_CA_FILE },
	{ "maintenance", "trust_key", HOLDS_ED25519 },
	{ "plugins", "trust_key", HOLDS_ED25519 },
	{ "jpki", "trust_dir", HOLDS_CA_DIR },
	{ "jpki", "reader_ca", HOLDS_CA_FILE },
};

static void check_path_key(const struct onshi_config *cfg,
			   const struct path_key *pk, struct onshi_diag *diag)
{
	const struct onshi_conf_section *sec = onshi_config_section(cfg, pk->section,
								    NULL);
	const struct onshi_conf_entry *e = onshi_conf_section_entry(sec, pk->key);
	struct onshi_cert_trust *trust = NULL;
	char msg[MSG_LEN], *path;
	int rc;

	if (e == NULL)
		return;
	path = onshi_config_resolve_path(cfg, e->value);
	if (path == NULL) {
		onshi_diag_add(diag, e->file, e->line, "out of memory");
		return;
	}
	if (access(path, R_OK) < 0) {
		onshi_diag_add(diag, e->file, e->line, "[%s] %s = %s: %s%s",
			       pk->section, pk->key, path, strerror(errno),
			       errno == EACCES ? " (onshid's user must be able "
						 "to read it)"
					       : "");
	} else {
		switch (pk->holds) {
		case HOLDS_CA_FILE:
			rc = onshi_cert_trust_load_file(path, &trust, msg,
							sizeof(msg));
			break;
		case HOLDS_CA_DIR:
			rc = onshi_cert_trust_load_dir(path, &trust, msg,
						       sizeof(msg));
			break;
		default:
			rc = onshi_ed25519_key_check(path, msg, sizeof(msg));
			break;
		}
		onshi_cert_trust_free(trust);
		if (rc != ONSHI_OK)
			onshi_diag_add(diag, e->file, e->line, "[%s] %s: %s",
				       pk->section, pk->key, msg);
	}
	free(path);
}

/*
 * One institution's client certificate: its own, or the [national] one.
 * Reported at the line of the key naming the certificate (or the code).
 */
static void check_institution(const struct onshi_config *cfg,
			      const struct onshi_conf_section *inst,
			      struct onshi_diag *diag)
{
	const struct onshi_conf_section *nat = onshi_config_section(cfg, "national",
								    NULL);
	const struct onshi_conf_section *src;
	const struct onshi_conf_entry *where, *code;
	char *cert, *key, *p12, *ca, msg[MSG_LEN];
	struct onshi_cert_info info;
	int rc;

	code = onshi_conf_section_entry(inst, "code");
	src = onshi_conf_tls_identity(inst, nat);
	if (src == NULL || code == NULL)
		return; /* no national link configured: nothing to present */
	where = onshi_conf_section_entry(src, "client_p12");
	if (where == NULL)
		where = onshi_conf_section_entry(src, "client_cert");
	if (where == NULL)
		return; /* the schema check names a missing certificate */
	cert = onshi_conf_section_path(cfg, src, "client_cert");
	key = onshi_conf_section_path(cfg, src, "client_key");
	p12 = onshi_conf_section_path(cfg, src, "client_p12");
	ca = onshi_conf_section_path(cfg, nat, "ca_bundle");
	rc = onshi_cert_check_client(cert, key, p12,
				     onshi_conf_section_get(src, "client_p12_password"),
				     ca, time(NULL), &info, msg, sizeof(msg));
	if (rc != ONSHI_OK)
		onshi_diag_add(diag, where->file, where->line,
			       "[institution %s] client certificate: %s",
			       inst->name ? inst->name : "", msg);
	else if (onshi_cert_check_institution(&info, code->value, msg,
					      sizeof(msg)) != ONSHI_OK)
		onshi_diag_add(diag, code->file, code->line, "[institution %s] %s",
			       inst->name ? inst->name : "", msg);
	free(cert);
	free(key);
	free(p12);
	free(ca);
}

void onshi_check_config_files(const struct onshi_config *cfg, struct onshi_diag *diag)
{
	size_t i;

	for (i = 0; i < sizeof(path_keys) / sizeof(path_keys[0]); i++)
		check_path_key(cfg, &path_keys[i], diag);
	for (i = 0; i < cfg->nsections; i++)
		if (strcmp(cfg->sections[i].type, "institution") == 0)
			check_institution(cfg, &cfg->sections[i], diag);
}
