/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cert_internal.h — what the files of libonshi-cert share and cert.h does
 * not show: the file readers and describing helpers of cert_load.c and the
 * chain check of cert_trust.c, used by cert_clinic.c (the clinic
 * certificate, CSR) and cert_jpki.c (My Number Card, face readers).
 *
 * Everything goes through OpenSSL 3's public API. Chain checks use an
 * X509_STORE built once (struct onshi_cert_trust) and an X509_STORE_CTX per
 * check with the caller's `now`, so results never depend on a global clock
 * or on OpenSSL's default paths. Each public function leaves OpenSSL's
 * per-thread error queue empty: a stale entry there would be misreported by
 * the next TLS call (libcurl reads it).
 */
#ifndef ONSHI_CERT_INTERNAL_H
#define ONSHI_CERT_INTERNAL_H

#include <stddef.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "cert.h"

/* Certificates, keys, bundles and CRLs are small; refuse anything bigger. */
#define CERT_FILE_MAX (4u * 1024 * 1024)

/* What a certificate is used for: picks the wording of chain messages. */
enum cert_role {
	ROLE_CLIENT,  /* the clinic certificate in service */
	ROLE_INSTALL, /* a new clinic certificate about to be installed */
	ROLE_CARD,    /* a My Number Card's JPKI user-auth certificate */
	ROLE_READER,  /* a face-auth reader's device certificate */
};

/* ---- cert_load.c: describing a certificate ---- */

/* The reason of OpenSSL's most recent error, for "(...)" in messages. */
const char *cert_ossl_reason(void);
/* "2026-10-01", and "2026-10-01 09:00 UTC" for not-yet-valid times. */
void cert_fmt_date(time_t t, char *buf, size_t size);
void cert_fmt_datetime(time_t t, char *buf, size_t size);
/* 0 and *out, or -1 when a is missing or does not convert. */
int cert_asn1_to_time(const ASN1_TIME *a, time_t *out);
/* "C=JP, O=..., CN=...", UTF-8 kept readable (clinic names are Japanese). */
void cert_name_text(const X509_NAME *name, char *buf, size_t size);
/* The serial in upper-case hex, as `openssl x509 -serial`. */
void cert_serial_hex(const X509 *x, char *buf, size_t size);
/* Fill info from x (everything but the warning) as seen at now. */
void cert_fill_info(const X509 *x, time_t now, struct onshi_cert_info *info);

/* ---- cert_load.c: reading files ---- */

/* A whole file of at most CERT_FILE_MAX bytes; what names its role in
 * messages ("client certificate"). Missing → ONSHI_ENOTFOUND. */
int cert_read_whole(const char *path, const char *what, unsigned char **out,
		    size_t *outlen, char *msg, size_t msglen);
/* 1 when buf holds a PEM block, else DER is assumed. */
int cert_looks_pem(const unsigned char *buf, size_t len);
/* A PEM chain (leaf, then intermediates into *extra) or one DER cert. */
int cert_load_cert_file(const char *path, const char *what, X509 **leaf,
			STACK_OF(X509) * *extra, char *msg, size_t msglen);
/* An unencrypted private key, PEM or DER. */
int cert_load_key_file(const char *path, const char *what, EVP_PKEY **out,
		       char *msg, size_t msglen);
/* The clinic certificate, its key and intermediates from a PKCS#12 file. */
int cert_load_p12(const char *path, const char *password, X509 **cert,
		  EVP_PKEY **key, STACK_OF(X509) * *extra, char *msg, size_t msglen);

/* ---- cert_trust.c ---- */

/*
 * Verify leaf (with the untrusted intermediates extra) against the trust
 * set at now: ONSHI_OK, or an error with a message worded for role, who
 * naming the certificate ("client certificate").
 */
int cert_verify_chain(const struct onshi_cert_trust *t, X509 *leaf,
		      STACK_OF(X509) * extra, time_t now, enum cert_role role,
		      const char *who, char *msg, size_t msglen);

#endif
