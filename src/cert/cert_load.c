/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cert_load.c — reading certificates, keys and PKCS#12 files (PEM or DER)
 * and describing a certificate (names, serial, dates) for messages and
 * struct onshi_cert_info. See cert.h for the contract and
 * docs/certificates.md for the messages.
 *
 * The bottom of libonshi-cert: the trust sets (cert_trust.c), the clinic
 * certificate checks (cert_clinic.c) and the card checks (cert_jpki.c) all
 * read and describe certificates the same way, through these functions
 * (cert_internal.h); this file calls none of them.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include <onshi/error.h>

#include "cert.h"
#include "cert_internal.h"
#include "msg.h"
#include "read_file.h"
#include "utc.h"

#define SECONDS_PER_DAY 86400

/* The reason of OpenSSL's most recent error, for "(...)" in messages. */
const char *cert_ossl_reason(void)
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

void cert_fmt_date(time_t t, char *buf, size_t size)
{
	if (onshi_utc_format(buf, size, ONSHI_UTC_DATE, t) == 0)
		snprintf(buf, size, "(unknown date)");
}

void cert_fmt_datetime(time_t t, char *buf, size_t size)
{
	if (onshi_utc_format(buf, size, "%Y-%m-%d %H:%M UTC", t) == 0)
		snprintf(buf, size, "(unknown time)");
}

int cert_asn1_to_time(const ASN1_TIME *a, time_t *out)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (a == NULL || ASN1_TIME_to_tm(a, &tm) != 1)
		return -1;
	*out = timegm(&tm);
	return 0;
}

/* "C=JP, O=..., CN=...", UTF-8 kept readable (clinic names are Japanese). */
void cert_name_text(const X509_NAME *name, char *buf, size_t size)
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

void cert_serial_hex(const X509 *x, char *buf, size_t size)
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

void cert_fill_info(const X509 *x, time_t now, struct onshi_cert_info *info)
{
	memset(info, 0, sizeof(*info));
	name_cn(X509_get_subject_name(x), info->cn, sizeof(info->cn));
	cert_name_text(X509_get_subject_name(x), info->subject,
		       sizeof(info->subject));
	cert_name_text(X509_get_issuer_name(x), info->issuer, sizeof(info->issuer));
	cert_serial_hex(x, info->serial_hex, sizeof(info->serial_hex));
	if (cert_asn1_to_time(X509_get0_notBefore(x), &info->not_before) < 0)
		info->not_before = 0;
	if (cert_asn1_to_time(X509_get0_notAfter(x), &info->not_after) < 0)
		info->not_after = 0;
	info->days_left = days_between(now, info->not_after);
}

/*
 * Read a whole (small) file into memory. what names the file's role in
 * messages ("client certificate"). Missing → ONSHI_ENOTFOUND.
 */
int cert_read_whole(const char *path, const char *what, unsigned char **out,
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

int cert_looks_pem(const unsigned char *buf, size_t len)
{
	return buf != NULL && len >= 10 && memmem(buf, len, "-----BEGIN", 10) != NULL;
}

/*
 * Load a certificate file: PEM (leaf first, intermediates after it, which
 * go to *extra) or a single DER certificate (issuers often mail a .cer).
 */
int cert_load_cert_file(const char *path, const char *what, X509 **leaf,
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
	rc = cert_read_whole(path, what, &buf, &len, msg, msglen);
	if (rc != ONSHI_OK)
		return rc;
	if (!cert_looks_pem(buf, len)) {
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
			      what, path, cert_ossl_reason());
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

int cert_load_key_file(const char *path, const char *what, EVP_PKEY **out,
		       char *msg, size_t msglen)
{
	unsigned char *buf;
	const unsigned char *p;
	size_t len;
	BIO *b;
	int rc;

	*out = NULL;
	rc = cert_read_whole(path, what, &buf, &len, msg, msglen);
	if (rc != ONSHI_OK)
		return rc;
	if (cert_looks_pem(buf, len)) {
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
			      what, path, cert_ossl_reason());
		return ONSHI_EINVAL;
	}
	return ONSHI_OK;
}

int cert_load_p12(const char *path, const char *password, X509 **cert,
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
	rc = cert_read_whole(path, "client PKCS#12 file", &buf, &len, msg, msglen);
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
			      path, cert_ossl_reason());
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
