/* SPDX-License-Identifier: Apache-2.0 */
/*
 * control_cert.c — CERT STATUS / CERT CSR / CERT INSTALL: the clinic's
 * client certificate from the operator's side (`onshictl cert ...`).
 *
 *   CERT STATUS [institution=NAME]   what is in service, days left: one
 *                                    line per institution unless one
 *                                    is named
 *   CERT CSR [institution=NAME]      new key (<client_key>.new, 0600) and a
 *                                    CSR (<client_cert>.csr) to send to the
 *                                    issuer; the key in service is untouched
 *   CERT INSTALL bytes=N [institution=NAME], then the N bytes
 *                                    check the certificate sent (onshictl
 *                                    reads the file with its caller's
 *                                    rights; onshid opens no path a caller
 *                                    names) (key match with the new key,
 *                                    else the current one; chain to
 *                                    ca_bundle; validity; institution code),
 *                                    then swap it in atomically: the next
 *                                    connections use it, no restart
 *
 * The certificate used for an institution is its own (client_cert in its
 * [institution] section) or [national]'s. PKCS#12 bundles are checked by
 * STATUS but CSR/INSTALL work on PEM files only.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "atomic_file.h"
#include "cert.h"
#include "cert_status.h"
#include "audit.h"
#include "control.h"
#include "control_frame.h"
#include "core.h"
#include "read_file.h"
#include "utc.h"

/* Where an uploaded certificate waits for its checks, beside client_cert. */
#define UPLOAD_SUFFIX ".uploaded"

/* The checks name the file they read: say "the file sent" instead of
 * onshid's staging name, which means nothing to the operator. */
static void name_upload(char *why, size_t whylen, const char *staged)
{
	char *at = strstr(why, staged), rest[600];

	if (!at)
		return;
	snprintf(rest, sizeof(rest), "%s", at + strlen(staged));
	snprintf(at, whylen - (size_t)(at - why), "(the file sent)%s", rest);
}

/* Write data to path atomically. */
static int write_whole(const char *path, const void *data, size_t len,
		       unsigned mode, char *why, size_t whylen)
{
	char *full = strdup(path), *slash;
	int rc;

	if (!full) {
		snprintf(why, whylen, "out of memory");
		return ONSHI_ENOMEM;
	}
	slash = strrchr(full, '/');
	if (slash)
		*slash = '\0';
	rc = onshi_write_file_atomic(slash ? full : ".", slash ? slash + 1 : full,
				     data, len, mode, why, whylen);
	free(full);
	return rc;
}

static int copy_file(const char *from, const char *to, unsigned mode, char *why,
		     size_t whylen)
{
	struct onshi_read_fail fail;
	char *buf;
	size_t len;
	int rc;

	/* Less than the CERT INSTALL body limit, as the upload is. */
	rc = onshi_read_file(AT_FDCWD, from, ONSHI_CONTROL_CERT_MAX_BODY - 1, 0,
			     &buf, &len, &fail);
	if (rc == ONSHI_ETOOBIG || rc == ONSHI_ENOMEM) {
		snprintf(why, whylen, "%s is too large for a certificate", from);
		return ONSHI_ETOOBIG;
	}
	if (rc != ONSHI_OK) {
		snprintf(why, whylen, "cannot read %s: %s", from, strerror(fail.err));
		return ONSHI_EIO;
	}
	rc = write_whole(to, buf, len, mode, why, whylen);
	free(buf);
	return rc;
}

static void cmd_cert(struct onshi_core *core, struct onshi_control_client *client,
		     int argc, char **argv, struct onshi_strbuf *reply)
{
	const char *sub = argv[1], *inst = NULL;
	struct onshi_cert_info info;
	struct onshi_cert_paths p;
	char why[600], *newkey = NULL, *csr = NULL, *staged = NULL;
	const char *act = NULL; /* for the audit log */
	int rc;

	for (int i = 2; i < argc; i++)
		if (strncmp(argv[i], "institution=", 12) == 0)
			inst = argv[i] + 12;
	if (strcasecmp(sub, "STATUS") == 0) {
		const struct onshi_config *cfg = core->config;
		unsigned n = 0;

		for (size_t i = 0; i < cfg->nsections; i++)
			n += strcmp(cfg->sections[i].type, "institution") == 0;
		if (inst || n < 2) {
			onshi_strbuf_printf(reply, "1 certificate\n");
			onshi_cert_status_line(core, inst, reply);
			return;
		}
		/* Several institutions and none named: each one's. */
		onshi_strbuf_printf(reply, "%u certificates\n", n);
		for (size_t i = 0; i < cfg->nsections; i++)
			if (strcmp(cfg->sections[i].type, "institution") == 0)
				onshi_cert_status_line(core, cfg->sections[i].name,
						       reply);
		return;
	}
	rc = onshi_cert_paths_find(core, inst, &p, why, sizeof(why));
	if (rc == ONSHI_OK && (p.p12 || !p.cert || !p.key)) {
		snprintf(why, sizeof(why),
			 "CSR and INSTALL work on PEM files: configure client_cert and client_key");
		rc = ONSHI_EINVAL;
	}
	if (rc != ONSHI_OK) {
		onshi_strbuf_printf(reply, "-1 %s\n", why);
		onshi_cert_paths_free(&p);
		return;
	}
	if (asprintf(&newkey, "%s.new", p.key) < 0)
		newkey = NULL;
	if (asprintf(&csr, "%s.csr", p.cert) < 0)
		csr = NULL;
	if (!newkey || !csr) {
		onshi_strbuf_printf(reply, "-1 out of memory\n");
	} else if (strcasecmp(sub, "CSR") == 0) {
		act = "csr";
		rc = onshi_cert_make_csr(newkey, csr, p.code, p.org, why,
					 sizeof(why));
		if (rc != ONSHI_OK) {
			onshi_strbuf_printf(reply, "-1 %s\n", why);
		} else {
			onshi_strbuf_printf(reply,
					    "1 CSR written: send %s to the issuer, then run onshictl cert install FILE\n",
					    csr);
			onshi_control_put_kv(reply, "csr", csr);
			onshi_control_put_kv(reply, "key", newkey);
			onshi_strbuf_append(reply, "\n", 1);
			onshi_logf(&core->log, ONSHI_LOG_NOTICE,
				   "new key %s and CSR %s made for institution %s",
				   newkey, csr, p.code);
		}
	} else if (strcasecmp(sub, "INSTALL") == 0 && argc >= 3) {
		/* A certificate for the key from CERT CSR, or a renewal of
		 * the key in service. */
		const char *key = access(newkey, R_OK) == 0 ? newkey : p.key;
		size_t len;
		char *pem = onshi_control_upload(client, argc, argv, &len, reply);

		act = "install";
		memset(&info, 0, sizeof(info));
		/* The checks read files: the bytes go next to the certificate
		 * under a name of onshid's choosing (the caller's path is
		 * never opened here) and become the certificate by rename. */
		rc = pem ? ONSHI_OK : ONSHI_EINVAL; /* the reply says why */
		if (rc == ONSHI_OK &&
		    asprintf(&staged, "%s" UPLOAD_SUFFIX, p.cert) < 0) {
			staged = NULL;
			snprintf(why, sizeof(why), "out of memory");
			rc = ONSHI_ENOMEM;
		}
		if (rc == ONSHI_OK)
			rc = write_whole(staged, pem, len, 0644, why, sizeof(why));
		if (rc == ONSHI_OK)
			rc = onshi_cert_check_install(staged, key, p.ca, time(NULL),
						      &info, why, sizeof(why));
		if (rc == ONSHI_OK)
			rc = onshi_cert_check_institution(&info, p.code, why,
							  sizeof(why));
		if (rc == ONSHI_OK && key == newkey)
			rc = copy_file(newkey, p.key, 0600, why, sizeof(why));
		if (rc == ONSHI_OK && rename(staged, p.cert) < 0) {
			snprintf(why, sizeof(why), "cannot replace %s: %s",
				 p.cert, strerror(errno));
			rc = ONSHI_EIO;
		}
		if (rc != ONSHI_OK) {
			if (staged) {
				unlink(staged);
				name_upload(why, sizeof(why), staged);
			}
			if (pem)
				onshi_strbuf_printf(reply,
						    "-1 not installed: %s\n", why);
		} else {
			if (key == newkey)
				unlink(newkey);
			if (core->national)
				onshi_national_flush_connections(core->national);
			onshi_strbuf_printf(reply,
					    "1 installed; new connections use it\n");
			onshi_cert_put_info(reply, &info);
			onshi_strbuf_append(reply, "\n", 1);
			onshi_logf(&core->log, ONSHI_LOG_NOTICE,
				   "client certificate for %s replaced (serial %s, valid %ld more days)",
				   p.code, info.serial_hex, info.days_left);
		}
	} else {
		onshi_strbuf_printf(reply,
				    "-1 usage: CERT STATUS|CSR [institution=NAME] | CERT INSTALL bytes=N [institution=NAME] (then N bytes)\n");
	}
	if (act)
		onshi_audit(core, "cert", "action", act, "institution", p.code,
			    "outcome", rc == ONSHI_OK ? "ok" : "refused", "serial",
			    rc == ONSHI_OK && *act == 'i' ? info.serial_hex : NULL,
			    (char *)NULL);
	free(newkey);
	free(csr);
	free(staged);
	onshi_cert_paths_free(&p);
}

/* Added by core.c to the control socket's commands (control_dispatch.h). */
const struct onshi_control_command onshi_control_cert_cmds[] = {
	{ "CERT", 1, 3,
	  "CERT STATUS|CSR [institution=NAME] | CERT INSTALL bytes=N [institution=NAME] (N bytes follow)",
	  cmd_cert },
	{ NULL, 0, 0, NULL, NULL },
};
