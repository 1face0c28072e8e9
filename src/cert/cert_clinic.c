/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cert_clinic.c — the clinic's client certificate: the check of the one in
 * service (PEM pair or PKCS#12), of a new one before `cert install`, of its
 * institution code, and its renewal (a new key and CSR).
 *
 * Apart from the card checks (cert_jpki.c): these read the clinic's own
 * files and speak to the operator of a renewal; the card checks see only
 * what a reader sent. Both verify through cert_trust.c.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <onshi/error.h>

#include "atomic_file.h"
#include "cert.h"
#include "cert_internal.h"
#include "msg.h"

/* What check_client and check_install loaded, and how to name it. */
struct clinic_files {
	X509 *cert;
	STACK_OF(X509) * extra;
	EVP_PKEY *key;
	const char *cert_desc, *key_desc; /* the paths, for messages */
};

/*
 * The checks shared by check_client and check_install: key match, dates,
 * chain. Fills info and the success or warning message.
 */
static int check_clinic(const struct clinic_files *f, const char *ca_bundle,
			time_t now, enum cert_role role,
			struct onshi_cert_info *info, char *msg, size_t msglen)
{
	X509 *cert = f->cert;
	const char *cert_desc = f->cert_desc, *key_desc = f->key_desc;
	const char *who = role == ROLE_INSTALL ? "the new certificate"
					       : "client certificate";
	const char *renew = "run `onshictl cert csr`, send the CSR to the "
			    "issuer and install the new certificate with "
			    "`onshictl cert install FILE`";
	struct onshi_cert_trust *trust;
	char when[64], m[512];
	int rc;

	cert_fill_info(cert, now, info);
	if (X509_check_private_key(cert, f->key) != 1) {
		if (role == ROLE_INSTALL)
			onshi_set_msg(msg, msglen,
				      "the new certificate %s does not "
				      "match the key %s (serial %s, %s): install the "
				      "certificate issued for the CSR that `onshictl "
				      "cert csr` made with this key",
				      cert_desc, key_desc, info->serial_hex,
				      info->subject);
		else
			onshi_set_msg(msg, msglen,
				      "client key %s does not match the "
				      "certificate %s (serial %s, %s): configure the "
				      "key that belongs to this certificate",
				      key_desc, cert_desc, info->serial_hex,
				      info->subject);
		return ONSHI_ECRYPTO;
	}
	if (now < info->not_before) {
		cert_fmt_datetime(info->not_before, when, sizeof(when));
		onshi_set_msg(msg, msglen,
			      "%s%s not valid before %s: check the "
			      "system clock%s",
			      who, role == ROLE_INSTALL ? " is" : "", when,
			      role == ROLE_INSTALL ? ", or install it after that time"
						   : "");
		return ONSHI_ECRYPTO;
	}
	if (now > info->not_after) {
		cert_fmt_date(info->not_after, when, sizeof(when));
		if (role == ROLE_INSTALL)
			onshi_set_msg(msg, msglen,
				      "the new certificate expired on %s: "
				      "ask the issuer for a current one",
				      when);
		else
			onshi_set_msg(msg, msglen,
				      "client certificate expired on %s: "
				      "%s",
				      when, renew);
		return ONSHI_ECRYPTO;
	}
	if (ca_bundle != NULL) {
		rc = onshi_cert_trust_load_file(ca_bundle, &trust, m, sizeof(m));
		if (rc != ONSHI_OK) {
			onshi_set_msg(msg, msglen,
				      "cannot check %s against the CA "
				      "bundle: %s",
				      who, m);
			return rc;
		}
		rc = cert_verify_chain(trust, cert, f->extra, now, role, who,
				       msg, msglen);
		onshi_cert_trust_free(trust);
		if (rc != ONSHI_OK)
			return rc;
	}

	cert_fmt_date(info->not_after, when, sizeof(when));
	if (info->days_left < ONSHI_CERT_WARN_DAYS) {
		info->warning = 1;
		if (info->days_left < 1)
			snprintf(info->warning_msg, sizeof(info->warning_msg),
				 "%s expires within a day (%s): %s", who, when,
				 renew);
		else
			snprintf(info->warning_msg, sizeof(info->warning_msg),
				 "%s expires in %ld day%s (%s): %s", who,
				 info->days_left,
				 info->days_left == 1 ? "" : "s", when, renew);
		onshi_set_msg(msg, msglen, "%s", info->warning_msg);
	} else if (role == ROLE_INSTALL) {
		onshi_set_msg(msg, msglen,
			      "the new certificate for %s (serial %s) "
			      "passes every check and is valid until %s (%ld days "
			      "left)",
			      info->cn, info->serial_hex, when, info->days_left);
	} else {
		onshi_set_msg(msg, msglen,
			      "client certificate for %s (serial %s) is "
			      "valid until %s (%ld days left)",
			      info->cn, info->serial_hex, when, info->days_left);
	}
	return ONSHI_OK;
}

/*
 * The end of check_client and check_install: info zeroed, the shared checks
 * when loading went well (rc), then what was loaded freed.
 */
static int finish_clinic(int rc, struct clinic_files *f, const char *ca_bundle,
			 time_t now, enum cert_role role,
			 struct onshi_cert_info *info, char *msg, size_t msglen)
{
	struct onshi_cert_info local;

	if (info == NULL)
		info = &local;
	memset(info, 0, sizeof(*info));
	if (rc == ONSHI_OK)
		rc = check_clinic(f, ca_bundle, now, role, info, msg, msglen);
	X509_free(f->cert);
	EVP_PKEY_free(f->key);
	sk_X509_pop_free(f->extra, X509_free);
	ERR_clear_error();
	return rc;
}

int onshi_cert_check_client(const char *cert_pem_path, const char *key_pem_path,
			    const char *p12_path, const char *p12_password,
			    const char *ca_bundle, time_t now,
			    struct onshi_cert_info *info, char *msg, size_t msglen)
{
	struct clinic_files f = { NULL };
	int rc;

	if (p12_path != NULL) {
		rc = cert_load_p12(p12_path, p12_password, &f.cert, &f.key,
				   &f.extra, msg, msglen);
		f.cert_desc = f.key_desc = p12_path;
	} else if (cert_pem_path != NULL && key_pem_path != NULL) {
		rc = cert_load_cert_file(cert_pem_path, "client certificate",
					 &f.cert, &f.extra, msg, msglen);
		if (rc == ONSHI_OK)
			rc = cert_load_key_file(key_pem_path, "client key",
						&f.key, msg, msglen);
		f.cert_desc = cert_pem_path;
		f.key_desc = key_pem_path;
	} else {
		onshi_set_msg(msg, msglen,
			      "no client certificate configured: give "
			      "[national] client_cert and client_key, or client_p12");
		rc = ONSHI_EINVAL;
	}
	return finish_clinic(rc, &f, ca_bundle, now, ROLE_CLIENT, info, msg, msglen);
}

int onshi_cert_check_install(const char *new_cert_path, const char *key_path,
			     const char *ca_bundle, time_t now,
			     struct onshi_cert_info *info, char *msg, size_t msglen)
{
	struct clinic_files f = { NULL };
	int rc;

	if (new_cert_path == NULL || key_path == NULL || ca_bundle == NULL) {
		onshi_set_msg(msg, msglen,
			      "cert install needs the new certificate, "
			      "the key made by `onshictl cert csr` and [national] "
			      "ca_bundle");
		rc = ONSHI_EINVAL;
	} else {
		f.cert_desc = new_cert_path;
		f.key_desc = key_path;
		rc = cert_load_cert_file(new_cert_path, "new certificate",
					 &f.cert, &f.extra, msg, msglen);
		if (rc == ONSHI_OK)
			rc = cert_load_key_file(key_path,
						"key for the new certificate",
						&f.key, msg, msglen);
	}
	return finish_clinic(rc, &f, ca_bundle, now, ROLE_INSTALL, info, msg, msglen);
}

int onshi_cert_check_institution(const struct onshi_cert_info *info,
				 const char *institution_code, char *msg,
				 size_t msglen)
{
	if (info == NULL || institution_code == NULL) {
		onshi_set_msg(msg, msglen,
			      "no certificate or institution code to "
			      "compare");
		return ONSHI_EINVAL;
	}
	if (info->cn[0] == '\0') {
		onshi_set_msg(msg, msglen,
			      "client certificate (%s) has no commonName, "
			      "so no institution code: use the certificate the "
			      "national CA issued for %s",
			      info->subject, institution_code);
		return ONSHI_ECRYPTO;
	}
	if (strcmp(info->cn, institution_code) != 0) {
		onshi_set_msg(msg, msglen,
			      "client certificate is for institution "
			      "code %s, but [institution] code is %s: the national "
			      "service will refuse every request; use the "
			      "certificate issued for %s or correct the code",
			      info->cn, institution_code, institution_code);
		return ONSHI_ECRYPTO;
	}
	onshi_set_msg(msg, msglen, "client certificate matches institution code %s",
		      institution_code);
	return ONSHI_OK;
}

/* ---- CSR ---- */

/* Split path into its folder ("." when none) and base name. */
static int split_path(const char *path, char **dir, const char **base)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL) {
		*dir = strdup(".");
		*base = path;
	} else {
		*dir = slash == path ? strdup("/")
				     : strndup(path, (size_t)(slash - path));
		*base = slash + 1;
	}
	return *dir == NULL ? -1 : 0;
}

static int write_atomic(const char *path, const void *data, size_t len,
			unsigned mode, char *msg, size_t msglen)
{
	const char *base;
	char *dir;
	int rc;

	if (split_path(path, &dir, &base) < 0) {
		onshi_set_msg(msg, msglen, "out of memory writing %s", path);
		return ONSHI_ENOMEM;
	}
	rc = onshi_write_file_atomic(dir, base, data, len, mode, msg, msglen);
	free(dir);
	return rc;
}

static int valid_institution_code(const char *code)
{
	size_t i;

	if (code == NULL || strlen(code) != 10)
		return 0;
	for (i = 0; i < 10; i++)
		if (!isdigit((unsigned char)code[i]))
			return 0;
	return 1;
}

static int add_req_extensions(X509_REQ *req)
{
	STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
	X509_EXTENSION *ku, *eku;
	int ok = 0;

	ku = X509V3_EXT_nconf_nid(NULL, NULL, NID_key_usage,
				  "critical,digitalSignature");
	eku = X509V3_EXT_nconf_nid(NULL, NULL, NID_ext_key_usage, "clientAuth");
	if (exts != NULL && ku != NULL && eku != NULL &&
	    sk_X509_EXTENSION_push(exts, ku)) {
		ku = NULL;
		if (sk_X509_EXTENSION_push(exts, eku)) {
			eku = NULL;
			ok = X509_REQ_add_extensions(req, exts) == 1;
		}
	}
	X509_EXTENSION_free(ku);
	X509_EXTENSION_free(eku);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	return ok;
}

int onshi_cert_make_csr(const char *key_out_path, const char *csr_out_path,
			const char *institution_code, const char *org_name,
			char *msg, size_t msglen)
{
	EVP_PKEY *key = NULL;
	X509_REQ *req = NULL;
	X509_NAME *name;
	BIO *kb = NULL, *cb = NULL;
	char *data;
	long n;
	int rc = ONSHI_ECRYPTO;

	if (key_out_path == NULL || csr_out_path == NULL ||
	    strcmp(key_out_path, csr_out_path) == 0) {
		onshi_set_msg(msg, msglen,
			      "cert csr needs two different files: one "
			      "for the new key, one for the CSR");
		return ONSHI_EINVAL;
	}
	if (!valid_institution_code(institution_code)) {
		onshi_set_msg(msg, msglen,
			      "institution code '%s' is not 10 digits: "
			      "set [institution] code to the clinic's 医療機関コード",
			      institution_code ? institution_code : "");
		return ONSHI_EINVAL;
	}
	/* The subject first: a bad organisation name costs no key. */
	req = X509_REQ_new();
	name = req ? X509_REQ_get_subject_name(req) : NULL;
	if (name == NULL || !X509_REQ_set_version(req, X509_REQ_VERSION_1) ||
	    !X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC,
					(const unsigned char *)"JP", -1, -1, 0)) {
		onshi_set_msg(msg, msglen, "cannot build the CSR (%s)",
			      cert_ossl_reason());
		goto out;
	}
	if (org_name != NULL && org_name[0] != '\0' &&
	    !X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
					(const unsigned char *)org_name, -1, -1, 0)) {
		onshi_set_msg(msg, msglen,
			      "organisation name '%s' cannot go into the "
			      "CSR (%s): it must be UTF-8, at most 64 characters",
			      org_name, cert_ossl_reason());
		rc = ONSHI_EINVAL;
		goto out;
	}
	/*
	 * EC P-256: the national CA of our profile and the clinic certificates
	 * it issues are P-256 (docs/pki.md), every TLS 1.2+ server takes
	 * ECDSA client certificates, and a key is made in milliseconds. An
	 * issuer that insists on RSA would need a key-type argument here.
	 */
	key = EVP_EC_gen("P-256");
	if (key == NULL) {
		onshi_set_msg(msg, msglen, "cannot make a new EC P-256 key (%s)",
			      cert_ossl_reason());
		goto out;
	}
	if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
					(const unsigned char *)institution_code,
					-1, -1, 0) ||
	    !X509_REQ_set_pubkey(req, key) || !add_req_extensions(req) ||
	    X509_REQ_sign(req, key, EVP_sha256()) <= 0) {
		onshi_set_msg(msg, msglen, "cannot build or sign the CSR (%s)",
			      cert_ossl_reason());
		goto out;
	}
	kb = BIO_new(BIO_s_mem());
	cb = BIO_new(BIO_s_mem());
	if (kb == NULL || cb == NULL ||
	    !PEM_write_bio_PrivateKey(kb, key, NULL, NULL, 0, NULL, NULL) ||
	    !PEM_write_bio_X509_REQ(cb, req)) {
		onshi_set_msg(msg, msglen, "cannot encode the key or CSR (%s)",
			      cert_ossl_reason());
		goto out;
	}
	/* The key first: a CSR without its key would be useless. */
	n = BIO_get_mem_data(kb, &data);
	rc = write_atomic(key_out_path, data, (size_t)n, 0600, msg, msglen);
	OPENSSL_cleanse(data, (size_t)n);
	if (rc != ONSHI_OK)
		goto out;
	n = BIO_get_mem_data(cb, &data);
	rc = write_atomic(csr_out_path, data, (size_t)n, 0644, msg, msglen);
	if (rc != ONSHI_OK)
		goto out;
	onshi_set_msg(msg, msglen,
		      "new key in %s (EC P-256, mode 0600) and CSR for "
		      "CN=%s in %s: send the CSR to the issuer, then run `onshictl "
		      "cert install FILE` with the certificate it returns",
		      key_out_path, institution_code, csr_out_path);
out:
	BIO_free(kb);
	BIO_free(cb);
	X509_REQ_free(req);
	EVP_PKEY_free(key);
	ERR_clear_error();
	return rc;
}
