/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cert_trust.c — trust sets (struct onshi_cert_trust: CA certificates and
 * CRLs from a folder or a file) and the chain check against one, with a
 * message per cause worded for what the certificate is used for.
 *
 * Apart from the checks that use it: the clinic bundle, the JPKI folder
 * and the reader makers' CAs all load and verify the same way, and only
 * this file sees inside struct onshi_cert_trust.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <onshi/error.h>

#include "cert.h"
#include "cert_internal.h"
#include "mask.h"
#include "msg.h"

struct onshi_cert_trust {
	X509_STORE *store;
	char *source;   /* the file or folder it came from, for messages */
	unsigned ncert; /* CA certificates loaded */
	unsigned ncrl;  /* CRLs loaded: CRL checking is on when > 0 */
};

/* ---- trust sets ---- */

static int trust_new(const char *source, struct onshi_cert_trust **out,
		     char *msg, size_t msglen)
{
	struct onshi_cert_trust *t = calloc(1, sizeof(*t));

	*out = NULL;
	if (t == NULL || (t->store = X509_STORE_new()) == NULL ||
	    (t->source = strdup(source)) == NULL) {
		if (t != NULL)
			X509_STORE_free(t->store);
		free(t);
		onshi_set_msg(msg, msglen, "out of memory loading %s", source);
		return ONSHI_ENOMEM;
	}
	*out = t;
	return ONSHI_OK;
}

void onshi_cert_trust_free(struct onshi_cert_trust *trust)
{
	if (trust == NULL)
		return;
	X509_STORE_free(trust->store);
	free(trust->source);
	free(trust);
}

/* Add every certificate and CRL of a PEM or DER file to the trust set. */
static int trust_add_file(struct onshi_cert_trust *t, const char *path,
			  char *msg, size_t msglen)
{
	STACK_OF(X509_INFO) * infos;
	X509_INFO *xi;
	X509 *x;
	X509_CRL *crl;
	unsigned char *buf;
	const unsigned char *p;
	size_t len;
	unsigned found = 0;
	BIO *b;
	int rc, i;

	rc = cert_read_whole(path, "trusted CA file", &buf, &len, msg, msglen);
	if (rc != ONSHI_OK)
		return rc;
	if (cert_looks_pem(buf, len)) {
		b = BIO_new_mem_buf(buf, (int)len);
		infos = b ? PEM_X509_INFO_read_bio(b, NULL, NULL, NULL) : NULL;
		BIO_free(b);
		for (i = 0; infos != NULL && i < sk_X509_INFO_num(infos); i++) {
			xi = sk_X509_INFO_value(infos, i);
			if (xi->x509 != NULL &&
			    X509_STORE_add_cert(t->store, xi->x509)) {
				t->ncert++;
				found++;
			}
			if (xi->crl != NULL && X509_STORE_add_crl(t->store, xi->crl)) {
				t->ncrl++;
				found++;
			}
		}
		sk_X509_INFO_pop_free(infos, X509_INFO_free);
	} else {
		p = buf;
		if ((x = d2i_X509(NULL, &p, (long)len)) != NULL) {
			if (X509_STORE_add_cert(t->store, x)) {
				t->ncert++;
				found++;
			}
			X509_free(x);
		} else {
			p = buf;
			crl = d2i_X509_CRL(NULL, &p, (long)len);
			if (crl != NULL && X509_STORE_add_crl(t->store, crl)) {
				t->ncrl++;
				found++;
			}
			X509_CRL_free(crl);
		}
	}
	free(buf);
	if (found == 0) {
		onshi_set_msg(msg, msglen,
			      "%s holds no certificate or CRL that "
			      "OpenSSL can read (%s): replace it or remove it",
			      path, cert_ossl_reason());
		return ONSHI_EINVAL;
	}
	return ONSHI_OK;
}

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/*
 * The end of loading a trust set from `where` (a folder when is_dir): a set
 * without any CA certificate is refused, as is a failed load; else *out.
 */
static int trust_done(struct onshi_cert_trust *t, int rc, const char *where,
		      int is_dir, struct onshi_cert_trust **out, char *msg,
		      size_t msglen)
{
	ERR_clear_error();
	if (rc == ONSHI_OK && t->ncert == 0) {
		if (is_dir)
			onshi_set_msg(msg, msglen,
				      "trust folder %s holds no CA certificate "
				      "(*.crt): put the issuing CA's certificate there",
				      where);
		else
			onshi_set_msg(msg, msglen,
				      "%s holds no CA certificate: it must hold "
				      "the issuing CA's certificate (PEM)",
				      where);
		rc = is_dir ? ONSHI_ENOTFOUND : ONSHI_EINVAL;
	}
	if (rc != ONSHI_OK) {
		onshi_cert_trust_free(t);
		return rc;
	}
	*out = t;
	return ONSHI_OK;
}

int onshi_cert_trust_load_dir(const char *dir, struct onshi_cert_trust **out,
			      char *msg, size_t msglen)
{
	struct onshi_cert_trust *t;
	struct dirent *de;
	struct stat st;
	char *path;
	DIR *d;
	int rc, err;

	*out = NULL;
	d = opendir(dir);
	if (d == NULL) {
		err = errno;
		onshi_set_msg(msg, msglen, "cannot open trust folder %s: %s",
			      dir, strerror(err));
		return err == ENOENT || err == ENOTDIR ? ONSHI_ENOTFOUND : ONSHI_EIO;
	}
	rc = trust_new(dir, &t, msg, msglen);
	while (rc == ONSHI_OK && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		/* Only CA certificates and CRLs: it may hold keys too. */
		if (!has_suffix(de->d_name, ".crt") &&
		    !has_suffix(de->d_name, "crl.pem") &&
		    !has_suffix(de->d_name, ".crl"))
			continue;
		if (asprintf(&path, "%s/%s", dir, de->d_name) < 0) {
			onshi_set_msg(msg, msglen, "out of memory loading %s", dir);
			rc = ONSHI_ENOMEM;
			break;
		}
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
			rc = trust_add_file(t, path, msg, msglen);
		free(path);
	}
	closedir(d);
	return trust_done(t, rc, dir, 1, out, msg, msglen);
}

int onshi_cert_trust_load_file(const char *path, struct onshi_cert_trust **out,
			       char *msg, size_t msglen)
{
	struct onshi_cert_trust *t;
	struct stat st;
	int rc;

	*out = NULL;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return onshi_cert_trust_load_dir(path, out, msg, msglen);
	rc = trust_new(path, &t, msg, msglen);
	if (rc == ONSHI_OK)
		rc = trust_add_file(t, path, msg, msglen);
	return trust_done(t, rc, path, 0, out, msg, msglen);
}

/* ---- chain verification ---- */

/* CRLs are checked where present: a CA without one in the set is not an
 * error (the store has no other way to say "this CA publishes none"). */
static int verify_cb(int ok, X509_STORE_CTX *ctx)
{
	if (!ok && X509_STORE_CTX_get_error(ctx) == X509_V_ERR_UNABLE_TO_GET_CRL)
		return 1;
	return ok;
}

/*
 * Verify leaf against the trust set at now. Returns ONSHI_OK, or an error
 * with a message worded for the role. who names the certificate
 * ("client certificate", "the My Number Card certificate").
 */
int cert_verify_chain(const struct onshi_cert_trust *t, X509 *leaf,
		      STACK_OF(X509) * extra, time_t now, enum cert_role role,
		      const char *who, char *msg, size_t msglen)
{
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	char issuer[256], subject[256], when[64], serial[80];
	const char *remedy;
	X509 *bad;
	time_t tt;
	int ok, err, depth, rc = ONSHI_ECRYPTO;

	if (ctx == NULL || !X509_STORE_CTX_init(ctx, t->store, leaf, extra)) {
		X509_STORE_CTX_free(ctx);
		onshi_set_msg(msg, msglen, "cannot check %s: out of memory", who);
		return ONSHI_ENOMEM;
	}
	X509_STORE_CTX_set_time(ctx, 0, now);
	/* Anything the operator put into the trust set is an anchor. */
	X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_PARTIAL_CHAIN |
					      (t->ncrl > 0 ? X509_V_FLAG_CRL_CHECK
							   : 0));
	X509_STORE_CTX_set_verify_cb(ctx, verify_cb);
	if (role == ROLE_CLIENT || role == ROLE_INSTALL)
		X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_CLIENT);
	ok = X509_verify_cert(ctx);
	if (ok == 1) {
		X509_STORE_CTX_free(ctx);
		return ONSHI_OK;
	}
	err = X509_STORE_CTX_get_error(ctx);
	depth = X509_STORE_CTX_get_error_depth(ctx);
	bad = X509_STORE_CTX_get_current_cert(ctx);
	if (bad == NULL)
		bad = leaf;
	cert_name_text(X509_get_issuer_name(bad), issuer, sizeof(issuer));
	cert_name_text(X509_get_subject_name(bad), subject, sizeof(subject));
	cert_serial_hex(leaf, serial, sizeof(serial));
	if (role == ROLE_CARD) {
		/* These messages reach logs: a card's serial and subject
		 * point at a person (mask.h). */
		char raw[sizeof(serial)];

		snprintf(raw, sizeof(raw), "%s", serial);
		onshi_mask_number(serial, sizeof(serial), raw);
		if (depth == 0 || bad == leaf)
			onshi_mask_name(subject, sizeof(subject), subject);
	}

	switch (err) {
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
		switch (role) {
		case ROLE_CLIENT:
			remedy = "the national service will refuse it; use the "
				 "certificate the national CA issued to the "
				 "clinic";
			break;
		case ROLE_INSTALL:
			remedy = "install the certificate the issuer sent "
				 "for your CSR";
			break;
		case ROLE_CARD:
			remedy = "not a My Number Card this terminal trusts";
			break;
		default:
			remedy = "the reader is not trusted; check its "
				 "device certificate with the reader's maker";
			break;
		}
		onshi_set_msg(msg, msglen,
			      "%s was not issued by a CA in %s (issuer: "
			      "%s): %s",
			      who, t->source, issuer, remedy);
		break;
	case X509_V_ERR_CERT_SIGNATURE_FAILURE:
		onshi_set_msg(msg, msglen,
			      "%s does not verify against its issuer %s "
			      "in %s: the certificate is forged or damaged",
			      who, issuer, t->source);
		break;
	case X509_V_ERR_CERT_HAS_EXPIRED:
	case X509_V_ERR_CERT_NOT_YET_VALID:
		if (err == X509_V_ERR_CERT_HAS_EXPIRED)
			ok = cert_asn1_to_time(X509_get0_notAfter(bad), &tt);
		else
			ok = cert_asn1_to_time(X509_get0_notBefore(bad), &tt);
		if (ok < 0)
			tt = 0;
		if (err == X509_V_ERR_CERT_HAS_EXPIRED)
			cert_fmt_date(tt, when, sizeof(when));
		else
			cert_fmt_datetime(tt, when, sizeof(when));
		if (depth > 0)
			onshi_set_msg(msg, msglen,
				      "the CA certificate %s in %s %s %s: "
				      "replace it with the CA's current certificate",
				      subject, t->source,
				      err == X509_V_ERR_CERT_HAS_EXPIRED
					      ? "expired on"
					      : "is not valid before",
				      when);
		else if (err == X509_V_ERR_CERT_NOT_YET_VALID)
			onshi_set_msg(msg, msglen,
				      "%s is not valid before %s: check "
				      "the system clock",
				      who, when);
		else if (role == ROLE_CARD)
			onshi_set_msg(msg, msglen,
				      "%s expired on %s: the holder must "
				      "renew the card's certificate at the municipal "
				      "office; confirm the qualification another way",
				      who, when);
		else if (role == ROLE_READER)
			onshi_set_msg(msg, msglen,
				      "%s expired on %s: ask the reader's "
				      "maker for a new device certificate",
				      who, when);
		else
			onshi_set_msg(msg, msglen, "%s expired on %s", who, when);
		break;
	case X509_V_ERR_CERT_REVOKED:
		onshi_set_msg(msg, msglen,
			      "%s (serial %s) is revoked by its issuer's "
			      "CRL in %s: %s",
			      who, serial, t->source,
			      role == ROLE_CARD ? "the card cannot be used; confirm the "
						  "qualification another way"
						: "it must not be used");
		break;
	case X509_V_ERR_CRL_HAS_EXPIRED:
	case X509_V_ERR_CRL_NOT_YET_VALID:
		onshi_set_msg(msg, msglen,
			      "the CRL of %s in %s is out of date (%s): "
			      "fetch the CA's current CRL into that folder; cards "
			      "cannot be checked until then",
			      issuer, t->source,
			      X509_verify_cert_error_string(err));
		rc = ONSHI_ESTATE;
		break;
	case X509_V_ERR_INVALID_PURPOSE:
		onshi_set_msg(msg, msglen,
			      "%s is not made for TLS client "
			      "authentication (extendedKeyUsage lacks clientAuth): "
			      "ask the issuer for a client certificate",
			      who);
		break;
	default:
		onshi_set_msg(msg, msglen,
			      "%s was refused by the chain check against "
			      "%s: %s (at depth %d, %s)",
			      who, t->source, X509_verify_cert_error_string(err),
			      depth, subject);
		break;
	}
	X509_STORE_CTX_free(ctx);
	return rc;
}
