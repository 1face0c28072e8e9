/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cert.c — certificate checks for the clinic's client certificate, its
 * renewal, and My Number Card (JPKI) and face-reader verification. See
 * cert.h for the contract and docs/certificates.md for the messages.
 *
 * Everything goes through OpenSSL 3's public API. Chain checks use an
 * X509_STORE built once (struct onshi_cert_trust) and an X509_STORE_CTX per
 * check with the caller's `now`, so results never depend on a global clock
 * or on OpenSSL's default paths. Each public function leaves OpenSSL's
 * per-thread error queue empty: a stale entry there would be misreported by
 * the next TLS call (libcurl reads it).
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <onshi/error.h>

#include "atomic_file.h"
#include "cert.h"
#include "mask.h"
#include "msg.h"
#include "read_file.h"
#include "utc.h"

/* Certificates, keys, bundles and CRLs are small; refuse anything bigger. */
#define CERT_FILE_MAX (4u * 1024 * 1024)

#define SECONDS_PER_DAY 86400

/* What a certificate is used for: picks the wording of chain messages. */
enum cert_role {
	ROLE_CLIENT,  /* the clinic certificate in service */
	ROLE_INSTALL, /* a new clinic certificate about to be installed */
	ROLE_CARD,    /* a My Number Card's JPKI user-auth certificate */
	ROLE_READER,  /* a face-auth reader's device certificate */
};

struct onshi_cert_trust {
	X509_STORE *store;
	char *source;   /* the file or folder it came from, for messages */
	unsigned ncert; /* CA certificates loaded */
	unsigned ncrl;  /* CRLs loaded: CRL checking is on when > 0 */
};

/* The reason of OpenSSL's most recent error, for "(...)" in messages. */
static const char *ossl_reason(void)
{
	const char *r = ERR_reason_error_string(ERR_peek_last_error());

	return r ? r : "no detail from OpenSSL";
}

/* Copy at most size-1 bytes without cutting a UTF-8 sequence in two. */
static void copy_utf8(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (size == 0)
		return;
	if (n >= size) {
		n = size - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void fmt_date(time_t t, char *buf, size_t size)
{
	if (onshi_utc_format(buf, size, ONSHI_UTC_DATE, t) == 0)
		snprintf(buf, size, "(unknown date)");
}

static void fmt_datetime(time_t t, char *buf, size_t size)
{
	if (onshi_utc_format(buf, size, "%Y-%m-%d %H:%M UTC", t) == 0)
		snprintf(buf, size, "(unknown time)");
}

static int asn1_to_time(const ASN1_TIME *a, time_t *out)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (a == NULL || ASN1_TIME_to_tm(a, &tm) != 1)
		return -1;
	*out = timegm(&tm);
	return 0;
}

/* "C=JP, O=..., CN=...", UTF-8 kept readable (clinic names are Japanese). */
static void name_text(const X509_NAME *name, char *buf, size_t size)
{
	unsigned long flags = (XN_FLAG_SEP_CPLUS_SPC | ASN1_STRFLGS_RFC2253) &
			      ~ASN1_STRFLGS_ESC_MSB;
	BIO *b = BIO_new(BIO_s_mem());
	char *data;
	long n;

	buf[0] = '\0';
	if (b == NULL)
		return;
	if (X509_NAME_print_ex(b, name, 0, flags) >= 0 && BIO_write(b, "", 1) == 1) {
		n = BIO_get_mem_data(b, &data);
		if (n > 0)
			copy_utf8(buf, size, data);
	}
	BIO_free(b);
}

/* The last commonName of a name (the most specific one), UTF-8. */
static void name_cn(const X509_NAME *name, char *buf, size_t size)
{
	int i = -1, last = -1;
	unsigned char *utf8 = NULL;
	const X509_NAME_ENTRY *e;

	buf[0] = '\0';
	while ((i = X509_NAME_get_index_by_NID(name, NID_commonName, i)) >= 0)
		last = i;
	if (last < 0)
		return;
	e = X509_NAME_get_entry(name, last);
	if (ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e)) < 0)
		return;
	copy_utf8(buf, size, (const char *)utf8);
	OPENSSL_free(utf8);
}

static void serial_hex(const X509 *x, char *buf, size_t size)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	char *hex = bn ? BN_bn2hex(bn) : NULL;

	if (size > 0)
		buf[0] = '\0';
	if (hex != NULL && size > 0)
		snprintf(buf, size, "%s", hex);
	OPENSSL_free(hex);
	BN_free(bn);
}

static long days_between(time_t from, time_t to)
{
	time_t d = to - from;
	long days = (long)(d / SECONDS_PER_DAY);

	if (d % SECONDS_PER_DAY < 0)
		days--; /* floor, also for expired certificates */
	return days;
}

static void fill_info(const X509 *x, time_t now, struct onshi_cert_info *info)
{
	memset(info, 0, sizeof(*info));
	name_cn(X509_get_subject_name(x), info->cn, sizeof(info->cn));
	name_text(X509_get_subject_name(x), info->subject, sizeof(info->subject));
	name_text(X509_get_issuer_name(x), info->issuer, sizeof(info->issuer));
	serial_hex(x, info->serial_hex, sizeof(info->serial_hex));
	if (asn1_to_time(X509_get0_notBefore(x), &info->not_before) < 0)
		info->not_before = 0;
	if (asn1_to_time(X509_get0_notAfter(x), &info->not_after) < 0)
		info->not_after = 0;
	info->days_left = days_between(now, info->not_after);
}

/*
 * Read a whole (small) file into memory. what names the file's role in
 * messages ("client certificate"). Missing → ONSHI_ENOTFOUND.
 */
static int read_whole(const char *path, const char *what, unsigned char **out,
		      size_t *outlen, char *msg, size_t msglen)
{
	struct onshi_read_fail fail;
	char *buf;
	int rc;

	*out = NULL;
	*outlen = 0;
	rc = onshi_read_file(AT_FDCWD, path, CERT_FILE_MAX, ONSHI_READ_REGULAR,
			     &buf, outlen, &fail);
	switch (rc) {
	case ONSHI_OK: *out = (unsigned char *)buf; return ONSHI_OK;
	case ONSHI_ENOTFOUND:
	case ONSHI_EIO:
		if (fail.at_open) {
			onshi_set_msg(msg, msglen, "cannot open %s %s: %s",
				      what, path, strerror(fail.err));
			return rc;
		}
		if (fail.size < 0) /* fstat failed */
			break;
		onshi_set_msg(msg, msglen, "cannot read %s %s: %s", what, path,
			      strerror(fail.err));
		return ONSHI_EIO;
	case ONSHI_ETOOBIG:
		onshi_set_msg(msg, msglen,
			      "%s %s is too large (%lld bytes) to be a "
			      "certificate or key file",
			      what, path, fail.size);
		return ONSHI_ETOOBIG;
	case ONSHI_ENOMEM:
		onshi_set_msg(msg, msglen, "out of memory reading %s %s", what, path);
		return ONSHI_ENOMEM;
	default: break;
	}
	onshi_set_msg(msg, msglen, "%s %s is not a regular file", what, path);
	return ONSHI_EINVAL;
}

/* Free a buffer that may have held a private key. */
static void free_secret(unsigned char *buf, size_t len)
{
	if (buf == NULL)
		return;
	OPENSSL_cleanse(buf, len);
	free(buf);
}

static int looks_pem(const unsigned char *buf, size_t len)
{
	return buf != NULL && len >= 10 && memmem(buf, len, "-----BEGIN", 10) != NULL;
}

/*
 * Load a certificate file: PEM (leaf first, intermediates after it, which
 * go to *extra) or a single DER certificate (issuers often mail a .cer).
 */
static int load_cert_file(const char *path, const char *what, X509 **leaf,
			  STACK_OF(X509) * *extra, char *msg, size_t msglen)
{
	unsigned char *buf;
	const unsigned char *p;
	size_t len;
	BIO *b;
	X509 *x;
	int rc;

	*leaf = NULL;
	*extra = NULL;
	rc = read_whole(path, what, &buf, &len, msg, msglen);
	if (rc != ONSHI_OK)
		return rc;
	if (!looks_pem(buf, len)) {
		p = buf;
		*leaf = d2i_X509(NULL, &p, (long)len);
		free(buf);
		if (*leaf == NULL) {
			onshi_set_msg(msg, msglen,
				      "%s %s is not a certificate (neither "
				      "PEM nor DER): give the certificate file the "
				      "issuer sent",
				      what, path);
			return ONSHI_EINVAL;
		}
		return ONSHI_OK;
	}
	b = BIO_new_mem_buf(buf, (int)len);
	if (b == NULL) {
		free(buf);
		onshi_set_msg(msg, msglen, "out of memory reading %s %s", what, path);
		return ONSHI_ENOMEM;
	}
	*leaf = PEM_read_bio_X509(b, NULL, NULL, NULL);
	if (*leaf == NULL) {
		onshi_set_msg(msg, msglen,
			      "%s %s is not a PEM certificate (%s): it "
			      "must start with -----BEGIN CERTIFICATE-----",
			      what, path, ossl_reason());
		BIO_free(b);
		free(buf);
		return ONSHI_EINVAL;
	}
	*extra = sk_X509_new_null();
	while (*extra != NULL && (x = PEM_read_bio_X509(b, NULL, NULL, NULL)))
		if (!sk_X509_push(*extra, x))
			X509_free(x);
	ERR_clear_error(); /* the read that ended the loop left an entry */
	BIO_free(b);
	free(buf);
	return ONSHI_OK;
}

/* Never prompt on a terminal for a key's pass phrase: we run unattended. */
static int no_password_cb(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

static int load_key_file(const char *path, const char *what, EVP_PKEY **out,
			 char *msg, size_t msglen)
{
	unsigned char *buf;
	const unsigned char *p;
	size_t len;
	BIO *b;
	int rc;

	*out = NULL;
	rc = read_whole(path, what, &buf, &len, msg, msglen);
	if (rc != ONSHI_OK)
		return rc;
	if (looks_pem(buf, len)) {
		if (memmem(buf, len, "ENCRYPTED", 9) != NULL) {
			free_secret(buf, len);
			onshi_set_msg(msg, msglen,
				      "%s %s is encrypted: onshi needs an "
				      "unencrypted key, readable only by its user "
				      "(mode 0600)",
				      what, path);
			return ONSHI_EINVAL;
		}
		b = BIO_new_mem_buf(buf, (int)len);
		if (b != NULL)
			*out = PEM_read_bio_PrivateKey(b, NULL, no_password_cb, NULL);
		BIO_free(b);
	} else {
		p = buf;
		*out = d2i_AutoPrivateKey(NULL, &p, (long)len);
	}
	free_secret(buf, len);
	if (*out == NULL) {
		onshi_set_msg(msg, msglen,
			      "%s %s is not a private key (%s): give the "
			      "PEM key file",
			      what, path, ossl_reason());
		return ONSHI_EINVAL;
	}
	return ONSHI_OK;
}

static int load_p12(const char *path, const char *password, X509 **cert,
		    EVP_PKEY **key, STACK_OF(X509) * *extra, char *msg, size_t msglen)
{
	unsigned char *buf;
	const unsigned char *p;
	size_t len;
	PKCS12 *p12;
	int rc, mac_ok;

	*cert = NULL;
	*key = NULL;
	*extra = NULL;
	rc = read_whole(path, "client PKCS#12 file", &buf, &len, msg, msglen);
	if (rc != ONSHI_OK)
		return rc;
	p = buf;
	p12 = d2i_PKCS12(NULL, &p, (long)len);
	free_secret(buf, len);
	if (p12 == NULL) {
		onshi_set_msg(msg, msglen,
			      "client PKCS#12 file %s is not a PKCS#12 "
			      "(.p12/.pfx) file",
			      path);
		return ONSHI_EINVAL;
	}
	/* Same rule as PKCS12_parse: no password means NULL or "". */
	if (!PKCS12_mac_present(p12))
		mac_ok = 1;
	else if (password == NULL || password[0] == '\0')
		mac_ok = PKCS12_verify_mac(p12, NULL, 0) ||
			 PKCS12_verify_mac(p12, "", 0);
	else
		mac_ok = PKCS12_verify_mac(p12, password, -1);
	if (!mac_ok) {
		PKCS12_free(p12);
		onshi_set_msg(msg, msglen,
			      "cannot open client PKCS#12 file %s: wrong "
			      "password (check [national] client_p12_password)",
			      path);
		return ONSHI_EPERM;
	}
	if (!PKCS12_parse(p12, password ? password : "", key, cert, extra)) {
		onshi_set_msg(msg, msglen,
			      "cannot read client PKCS#12 file %s (%s): "
			      "export it again with OpenSSL 3 defaults "
			      "(AES-256-CBC, PBKDF2)",
			      path, ossl_reason());
		PKCS12_free(p12);
		return ONSHI_EINVAL;
	}
	PKCS12_free(p12);
	if (*cert == NULL || *key == NULL) {
		onshi_set_msg(msg, msglen,
			      "client PKCS#12 file %s holds no %s: it "
			      "must hold the clinic certificate and its key",
			      path, *cert == NULL ? "certificate" : "private key");
		return ONSHI_EINVAL;
	}
	return ONSHI_OK;
}

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

	rc = read_whole(path, "trusted CA file", &buf, &len, msg, msglen);
	if (rc != ONSHI_OK)
		return rc;
	if (looks_pem(buf, len)) {
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
			      path, ossl_reason());
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
static int verify_chain(const struct onshi_cert_trust *t, X509 *leaf,
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
	name_text(X509_get_issuer_name(bad), issuer, sizeof(issuer));
	name_text(X509_get_subject_name(bad), subject, sizeof(subject));
	serial_hex(leaf, serial, sizeof(serial));
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
			ok = asn1_to_time(X509_get0_notAfter(bad), &tt);
		else
			ok = asn1_to_time(X509_get0_notBefore(bad), &tt);
		if (ok < 0)
			tt = 0;
		if (err == X509_V_ERR_CERT_HAS_EXPIRED)
			fmt_date(tt, when, sizeof(when));
		else
			fmt_datetime(tt, when, sizeof(when));
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

/* ---- the clinic certificate ---- */

/*
 * The checks shared by check_client and check_install: key match, dates,
 * chain. Fills info and the success or warning message.
 */
static int check_clinic(X509 *cert, STACK_OF(X509) * extra, EVP_PKEY *key,
			const char *cert_desc, const char *key_desc,
			const char *ca_bundle, time_t now, enum cert_role role,
			struct onshi_cert_info *info, char *msg, size_t msglen)
{
	const char *who = role == ROLE_INSTALL ? "the new certificate"
					       : "client certificate";
	const char *renew = "run `onshictl cert csr`, send the CSR to the "
			    "issuer and install the new certificate with "
			    "`onshictl cert install FILE`";
	struct onshi_cert_trust *trust;
	char when[64], m[512];
	int rc;

	fill_info(cert, now, info);
	if (X509_check_private_key(cert, key) != 1) {
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
		fmt_datetime(info->not_before, when, sizeof(when));
		onshi_set_msg(msg, msglen,
			      "%s%s not valid before %s: check the "
			      "system clock%s",
			      who, role == ROLE_INSTALL ? " is" : "", when,
			      role == ROLE_INSTALL ? ", or install it after that time"
						   : "");
		return ONSHI_ECRYPTO;
	}
	if (now > info->not_after) {
		fmt_date(info->not_after, when, sizeof(when));
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
		rc = verify_chain(trust, cert, extra, now, role, who, msg, msglen);
		onshi_cert_trust_free(trust);
		if (rc != ONSHI_OK)
			return rc;
	}

	fmt_date(info->not_after, when, sizeof(when));
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

int onshi_cert_check_client(const char *cert_pem_path, const char *key_pem_path,
			    const char *p12_path, const char *p12_password,
			    const char *ca_bundle, time_t now,
			    struct onshi_cert_info *info, char *msg, size_t msglen)
{
	struct onshi_cert_info local;
	STACK_OF(X509) *extra = NULL;
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	const char *cdesc, *kdesc;
	int rc;

	if (info == NULL)
		info = &local;
	memset(info, 0, sizeof(*info));
	if (p12_path != NULL) {
		rc = load_p12(p12_path, p12_password, &cert, &key, &extra, msg,
			      msglen);
		cdesc = kdesc = p12_path;
	} else if (cert_pem_path != NULL && key_pem_path != NULL) {
		rc = load_cert_file(cert_pem_path, "client certificate", &cert,
				    &extra, msg, msglen);
		if (rc == ONSHI_OK)
			rc = load_key_file(key_pem_path, "client key", &key,
					   msg, msglen);
		cdesc = cert_pem_path;
		kdesc = key_pem_path;
	} else {
		onshi_set_msg(msg, msglen,
			      "no client certificate configured: give "
			      "[national] client_cert and client_key, or client_p12");
		return ONSHI_EINVAL;
	}
	if (rc == ONSHI_OK)
		rc = check_clinic(cert, extra, key, cdesc, kdesc, ca_bundle,
				  now, ROLE_CLIENT, info, msg, msglen);
	X509_free(cert);
	EVP_PKEY_free(key);
	sk_X509_pop_free(extra, X509_free);
	ERR_clear_error();
	return rc;
}

int onshi_cert_check_install(const char *new_cert_path, const char *key_path,
			     const char *ca_bundle, time_t now,
			     struct onshi_cert_info *info, char *msg, size_t msglen)
{
	struct onshi_cert_info local;
	STACK_OF(X509) *extra = NULL;
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	int rc;

	if (info == NULL)
		info = &local;
	memset(info, 0, sizeof(*info));
	if (new_cert_path == NULL || key_path == NULL || ca_bundle == NULL) {
		onshi_set_msg(msg, msglen,
			      "cert install needs the new certificate, "
			      "the key made by `onshictl cert csr` and [national] "
			      "ca_bundle");
		return ONSHI_EINVAL;
	}
	rc = load_cert_file(new_cert_path, "new certificate", &cert, &extra,
			    msg, msglen);
	if (rc == ONSHI_OK)
		rc = load_key_file(key_path, "key for the new certificate",
				   &key, msg, msglen);
	if (rc == ONSHI_OK)
		rc = check_clinic(cert, extra, key, new_cert_path, key_path,
				  ca_bundle, now, ROLE_INSTALL, info, msg, msglen);
	X509_free(cert);
	EVP_PKEY_free(key);
	sk_X509_pop_free(extra, X509_free);
	ERR_clear_error();
	return rc;
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
			      ossl_reason());
		goto out;
	}
	if (org_name != NULL && org_name[0] != '\0' &&
	    !X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
					(const unsigned char *)org_name, -1, -1, 0)) {
		onshi_set_msg(msg, msglen,
			      "organisation name '%s' cannot go into the "
			      "CSR (%s): it must be UTF-8, at most 64 characters",
			      org_name, ossl_reason());
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
			      ossl_reason());
		goto out;
	}
	if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
					(const unsigned char *)institution_code,
					-1, -1, 0) ||
	    !X509_REQ_set_pubkey(req, key) || !add_req_extensions(req) ||
	    X509_REQ_sign(req, key, EVP_sha256()) <= 0) {
		onshi_set_msg(msg, msglen, "cannot build or sign the CSR (%s)",
			      ossl_reason());
		goto out;
	}
	kb = BIO_new(BIO_s_mem());
	cb = BIO_new(BIO_s_mem());
	if (kb == NULL || cb == NULL ||
	    !PEM_write_bio_PrivateKey(kb, key, NULL, NULL, 0, NULL, NULL) ||
	    !PEM_write_bio_X509_REQ(cb, req)) {
		onshi_set_msg(msg, msglen, "cannot encode the key or CSR (%s)",
			      ossl_reason());
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

/* ---- My Number Card and face readers ---- */

static X509 *parse_der(const unsigned char *der, size_t len)
{
	const unsigned char *p = der;
	X509 *x;

	if (der == NULL || len == 0 || len > CERT_FILE_MAX)
		return NULL;
	x = d2i_X509(NULL, &p, (long)len);
	if (x != NULL && p != der + len) {
		X509_free(x); /* trailing bytes: not one certificate */
		x = NULL;
	}
	return x;
}

int onshi_cert_jpki_check(const struct onshi_cert_trust *trust,
			  const unsigned char *cert_der, size_t len, time_t now,
			  char *serial_hex_out, size_t serial_len, char *msg,
			  size_t msglen)
{
	X509 *x;
	int rc;

	if (serial_hex_out != NULL && serial_len > 0)
		serial_hex_out[0] = '\0';
	if (trust == NULL) {
		onshi_set_msg(msg, msglen,
			      "no JPKI trust set loaded: set [jpki] "
			      "trust_dir");
		return ONSHI_EINVAL;
	}
	x = parse_der(cert_der, len);
	if (x == NULL) {
		onshi_set_msg(msg, msglen,
			      "the card certificate is not a DER X.509 "
			      "certificate (%zu bytes): the reader sent something "
			      "else",
			      len);
		ERR_clear_error();
		return ONSHI_EINVAL;
	}
	if (serial_hex_out != NULL && serial_len > 0)
		serial_hex(x, serial_hex_out, serial_len);
	rc = verify_chain(trust, x, NULL, now, ROLE_CARD,
			  "the My Number Card certificate", msg, msglen);
	/* The card's signing certificate (nonRepudiation) is no login. */
	if (rc == ONSHI_OK && (X509_get_key_usage(x) & KU_NON_REPUDIATION) != 0) {
		onshi_set_msg(msg, msglen,
			      "the certificate (serial %s) is the card's "
			      "digital-signature certificate, not its "
			      "user-authentication certificate: the reader must "
			      "read EF 000A",
			      serial_hex_out ? serial_hex_out : "?");
		rc = ONSHI_ECRYPTO;
	} else if (rc == ONSHI_OK)
		onshi_set_msg(msg, msglen,
			      "the My Number Card certificate (serial "
			      "%s) is valid and not revoked",
			      serial_hex_out ? serial_hex_out : "?");
	X509_free(x);
	ERR_clear_error();
	return rc;
}

int onshi_cert_jpki_verify(const char *trust_dir, const unsigned char *cert_der,
			   size_t len, time_t now, char *serial_hex_out,
			   size_t serial_len, char *msg, size_t msglen)
{
	struct onshi_cert_trust *t;
	int rc;

	if (serial_hex_out != NULL && serial_len > 0)
		serial_hex_out[0] = '\0';
	rc = onshi_cert_trust_load_dir(trust_dir, &t, msg, msglen);
	if (rc != ONSHI_OK)
		return rc;
	rc = onshi_cert_jpki_check(t, cert_der, len, now, serial_hex_out,
				   serial_len, msg, msglen);
	onshi_cert_trust_free(t);
	return rc;
}

/* 1 verified, 0 not; pkcs1 forces RSA PKCS#1 v1.5 padding. */
static int verify_sha256(EVP_PKEY *pkey, int pkcs1, const void *data,
			 size_t len, const unsigned char *sig, size_t siglen)
{
	EVP_MD_CTX *mctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	int ok = 0;

	if (mctx != NULL &&
	    EVP_DigestVerifyInit(mctx, &pctx, EVP_sha256(), NULL, pkey) == 1 &&
	    (!pkcs1 || EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) > 0))
		ok = EVP_DigestVerify(mctx, sig, siglen, data, len) == 1;
	EVP_MD_CTX_free(mctx);
	return ok;
}

int onshi_cert_verify_pin_signature(const unsigned char *cert_der, size_t len,
				    const char *nonce, const unsigned char *sig,
				    size_t siglen, char *msg, size_t msglen)
{
	EVP_PKEY *pkey;
	X509 *x;
	int rc = ONSHI_ECRYPTO;

	if (nonce == NULL || nonce[0] == '\0' || sig == NULL || siglen == 0) {
		onshi_set_msg(msg, msglen,
			      "PIN-mode card authentication needs the "
			      "nonce and the card's signature");
		return ONSHI_EINVAL;
	}
	x = parse_der(cert_der, len);
	if (x == NULL) {
		onshi_set_msg(msg, msglen,
			      "the card certificate is not a DER X.509 "
			      "certificate (%zu bytes)",
			      len);
		ERR_clear_error();
		return ONSHI_EINVAL;
	}
	pkey = X509_get0_pubkey(x);
	if (pkey == NULL || EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA) {
		onshi_set_msg(msg, msglen,
			      "the card certificate holds no RSA key: "
			      "not a My Number Card user-authentication certificate");
		rc = ONSHI_EINVAL;
	} else if (verify_sha256(pkey, 1, nonce, strlen(nonce), sig, siglen)) {
		onshi_set_msg(msg, msglen,
			      "the card's PIN signature over the nonce "
			      "verifies");
		rc = ONSHI_OK;
	} else {
		onshi_set_msg(msg, msglen,
			      "the card's PIN signature does not verify "
			      "(RSA PKCS#1 v1.5 SHA-256 over the nonce): it was made "
			      "by another card or over another nonce; ask the holder "
			      "to authenticate again");
	}
	X509_free(x);
	ERR_clear_error();
	return rc;
}

int onshi_cert_check_face_attestation(const struct onshi_cert_trust *reader_trust,
				      const unsigned char *reader_der,
				      size_t reader_len, const unsigned char *card_der,
				      size_t card_len, const char *nonce,
				      const unsigned char *sig, size_t siglen,
				      time_t now, char *msg, size_t msglen)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	char subject[256], who[300], *text = NULL;
	char hex[2 * EVP_MAX_MD_SIZE + 1];
	EVP_PKEY *pkey;
	X509 *reader;
	int rc, n;

	if (reader_trust == NULL || nonce == NULL || nonce[0] == '\0' ||
	    sig == NULL || siglen == 0 || card_der == NULL || card_len == 0) {
		onshi_set_msg(msg, msglen,
			      "face-mode card authentication needs the "
			      "reader CA, the card certificate, the nonce and the "
			      "reader's attestation");
		return ONSHI_EINVAL;
	}
	reader = parse_der(reader_der, reader_len);
	if (reader == NULL) {
		onshi_set_msg(msg, msglen,
			      "the face-auth reader's device certificate "
			      "is not a DER X.509 certificate (%zu bytes)",
			      reader_len);
		ERR_clear_error();
		return ONSHI_EINVAL;
	}
	name_text(X509_get_subject_name(reader), subject, sizeof(subject));
	snprintf(who, sizeof(who), "the face-auth reader certificate (%s)", subject);
	rc = verify_chain(reader_trust, reader, NULL, now, ROLE_READER, who,
			  msg, msglen);
	if (rc != ONSHI_OK)
		goto out;
	pkey = X509_get0_pubkey(reader);
	if (pkey == NULL || EVP_PKEY_get_base_id(pkey) != EVP_PKEY_EC) {
		onshi_set_msg(msg, msglen,
			      "the face-auth reader's device certificate "
			      "(%s) holds no EC key: attestations are ECDSA",
			      subject);
		rc = ONSHI_EINVAL;
		goto out;
	}
	if (!EVP_Digest(card_der, card_len, md, &mdlen, EVP_sha256(), NULL)) {
		onshi_set_msg(msg, msglen, "cannot hash the card certificate (%s)",
			      ossl_reason());
		rc = ONSHI_ECRYPTO;
		goto out;
	}
	for (i = 0; i < mdlen; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	n = asprintf(&text, "onshi-face-v1\n%s\n%s\n", nonce, hex);
	if (n < 0) {
		text = NULL;
		onshi_set_msg(msg, msglen, "out of memory checking an attestation");
		rc = ONSHI_ENOMEM;
		goto out;
	}
	if (verify_sha256(pkey, 0, text, (size_t)n, sig, siglen)) {
		onshi_set_msg(msg, msglen,
			      "the reader's face attestation verifies "
			      "(%s)",
			      subject);
		rc = ONSHI_OK;
	} else {
		onshi_set_msg(msg, msglen,
			      "the face-auth reader's attestation does "
			      "not verify (%s): it was not made by this reader over "
			      "this nonce and card certificate; ask the holder to "
			      "authenticate again",
			      subject);
		rc = ONSHI_ECRYPTO;
	}
out:
	free(text);
	X509_free(reader);
	ERR_clear_error();
	return rc;
}

int onshi_cert_verify_face_attestation(const unsigned char *reader_der,
				       size_t reader_len, const char *reader_ca_path,
				       const unsigned char *card_der,
				       size_t card_len, const char *nonce,
				       const unsigned char *sig, size_t siglen,
				       time_t now, char *msg, size_t msglen)
{
	struct onshi_cert_trust *t;
	int rc;

	rc = onshi_cert_trust_load_file(reader_ca_path, &t, msg, msglen);
	if (rc != ONSHI_OK)
		return rc;
	rc = onshi_cert_check_face_attestation(t, reader_der, reader_len,
					       card_der, card_len, nonce, sig,
					       siglen, now, msg, msglen);
	onshi_cert_trust_free(t);
	return rc;
}
