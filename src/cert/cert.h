/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cert.h — certificate checks: the clinic's client certificate, its
 * renewal (new key + CSR, checks before installing the issued certificate),
 * and the My Number Card side (JPKI card certificate chain and CRL, PIN
 * signature, face-auth reader attestation; docs/national-api.md).
 *
 * A pure library over the OpenSSL 3 API: no event loop, no globals, no
 * logging. Every function returns an enum onshi_err and fills msg with one
 * sentence the operator can act on ("client certificate expired on
 * 2026-10-01: run `onshictl cert csr` ..."); see docs/certificates.md for
 * every message. Functions taking `now` check validity at that time, so
 * tests and the daemon agree on one clock. All functions are thread-safe;
 * a struct onshi_cert_trust may be shared by threads once loaded.
 */
#ifndef ONSHI_CORE_CERT_H
#define ONSHI_CORE_CERT_H

#include <stddef.h>
#include <time.h>

#include <onshi/error.h>

/* The expiry warning starts this many days before notAfter (DESIGN §10). */
#define ONSHI_CERT_WARN_DAYS 30

/*
 * What a check found out about a certificate. Filled as soon as the
 * certificate parses, even when a later check fails (so `status` can show
 * the expiry date of an expired certificate); zeroed otherwise.
 */
struct onshi_cert_info {
	char cn[65];       /* subject commonName: the institution code */
	char subject[256]; /* "C=JP, O=..., OU=..., CN=..." (UTF-8) */
	char issuer[256];
	char serial_hex[80]; /* upper case, as `openssl x509 -serial` */
	time_t not_before;
	time_t not_after;
	long days_left;        /* floor((not_after - now) / 86400 s) */
	int warning;           /* valid, but < ONSHI_CERT_WARN_DAYS days left */
	char warning_msg[256]; /* the warning sentence when warning is set */
};

/*
 * Check the clinic's client certificate as the national link will use it:
 * either cert_pem_path + key_pem_path (PEM; the cert file may carry
 * intermediates after the leaf) or p12_path + p12_password (PKCS#12; a NULL
 * or empty password means "no password"). Checks, in order: the files load,
 * the key matches the certificate, the certificate is valid at now, and,
 * when ca_bundle is not NULL, it chains to a CA in that bundle (for TLS
 * client use). On ONSHI_OK msg says who the certificate is for and until
 * when, or, inside the warning window, holds the warning (info->warning).
 * Returns ONSHI_ENOTFOUND (a file is missing), ONSHI_EINVAL (a file does
 * not parse, bad arguments), ONSHI_EPERM (wrong PKCS#12 password) or
 * ONSHI_ECRYPTO (key mismatch, not yet valid, expired, wrong CA). info may
 * be NULL.
 */
int onshi_cert_check_client(const char *cert_pem_path, const char *key_pem_path,
			    const char *p12_path, const char *p12_password,
			    const char *ca_bundle, time_t now,
			    struct onshi_cert_info *info, char *msg, size_t msglen);

/*
 * Compare the certificate's institution code (info->cn) with the one in
 * the configuration; ONSHI_ECRYPTO with a message when they differ (the
 * national service refuses a request whose code is not the certificate's).
 */
int onshi_cert_check_institution(const struct onshi_cert_info *info,
				 const char *institution_code, char *msg,
				 size_t msglen);

/*
 * Make a new private key (EC P-256) and a certificate signing request:
 * subject C=JP, O=org_name (UTF-8; omitted when NULL or empty),
 * CN=institution_code (exactly 10 digits), SHA-256 signed, requesting
 * keyUsage digitalSignature and extendedKeyUsage clientAuth. The key
 * is written to key_out_path (PKCS#8 PEM, unencrypted,
 * mode 0600), then the CSR to csr_out_path (PEM, 0644), each atomically
 * (temporary name, fsync, rename): an existing file is replaced only by a
 * complete new one. key_out_path must not be the key the daemon is using:
 * the old key stays in service until `cert install` swaps both. Returns
 * ONSHI_EINVAL (bad code or organisation name), ONSHI_ENOTFOUND (folder
 * missing), ONSHI_EIO or ONSHI_ECRYPTO (key generation failed).
 */
int onshi_cert_make_csr(const char *key_out_path, const char *csr_out_path,
			const char *institution_code, const char *org_name,
			char *msg, size_t msglen);

/*
 * The checks `onshictl cert install FILE` must pass before the daemon swaps
 * to the new certificate: new_cert_path is a PEM certificate (intermediates
 * may follow the leaf), it matches key_path (the key `cert csr` made), it
 * chains to ca_bundle, and it is valid at now. One message per cause.
 * Returns like onshi_cert_check_client (ca_bundle is required here). A
 * certificate inside the warning window passes with info->warning set.
 */
int onshi_cert_check_install(const char *new_cert_path, const char *key_path,
			     const char *ca_bundle, time_t now,
			     struct onshi_cert_info *info, char *msg, size_t msglen);

/*
 * A loaded set of trusted CA certificates and CRLs, reused across checks
 * (loading and parsing on every card inquiry would cost more than the
 * check). Immutable once loaded, so threads may share one; to reload, load
 * a new one, swap the pointer, free the old one when no check uses it.
 */
struct onshi_cert_trust;

/*
 * Load a trust directory such as `[jpki] trust_dir`: every regular file
 * named *.crt (CA certificates, PEM or DER) and *crl.pem / *.crl (CRLs, PEM
 * or DER), nothing else (the test PKI keeps CA keys and card files there
 * too). Hidden files are skipped. A file that does not parse fails the
 * load, naming the file. ONSHI_ENOTFOUND when dir is missing or holds no
 * CA certificate.
 */
int onshi_cert_trust_load_dir(const char *dir, struct onshi_cert_trust **out,
			      char *msg, size_t msglen);

/* Load one PEM file of CA certificates (and CRLs), e.g. the reader makers'
 * CA. A directory is loaded as by onshi_cert_trust_load_dir. */
int onshi_cert_trust_load_file(const char *path, struct onshi_cert_trust **out,
			       char *msg, size_t msglen);

void onshi_cert_trust_free(struct onshi_cert_trust *trust);

/*
 * Check a My Number Card's JPKI user-authentication certificate (DER):
 * it chains to a CA in trust, is valid at now, when trust holds a CRL
 * from its issuer is not revoked, and is not the card's signing
 * certificate (keyUsage nonRepudiation). The serial (upper-case hex, what the
 * national service links to the person) goes to serial_hex_out whenever
 * the certificate parses, also when a check fails, so logs can name it.
 * Returns ONSHI_OK, ONSHI_EINVAL (not a DER certificate), ONSHI_ECRYPTO
 * (expired, not yet valid, revoked, unknown CA, bad signature) or
 * ONSHI_ESTATE (the issuer's CRL in trust is out of date: not the card's
 * fault, the clinic must refresh it).
 */
int onshi_cert_jpki_check(const struct onshi_cert_trust *trust,
			  const unsigned char *cert_der, size_t len, time_t now,
			  char *serial_hex_out, size_t serial_len, char *msg,
			  size_t msglen);

/* The same, loading trust_dir for this one call (tools, tests). */
int onshi_cert_jpki_verify(const char *trust_dir, const unsigned char *cert_der,
			   size_t len, time_t now, char *serial_hex_out,
			   size_t serial_len, char *msg, size_t msglen);

/*
 * PIN mode: sig must be the card's RSA PKCS#1 v1.5 SHA-256 signature over
 * the nonce's ASCII bytes (no terminator, no newline), made with the key of
 * cert_der. Does not check the certificate's chain (jpki_check does).
 * ONSHI_EINVAL (certificate does not parse or holds no RSA key) or
 * ONSHI_ECRYPTO (signature does not verify).
 */
int onshi_cert_verify_pin_signature(const unsigned char *cert_der, size_t len,
				    const char *nonce, const unsigned char *sig,
				    size_t siglen, char *msg, size_t msglen);

/*
 * Face mode: the reader's device certificate (DER) must chain to a CA in
 * readers (the reader makers' CAs) and be valid at now, and sig must be
 * its ECDSA SHA-256 signature (DER) over
 * "onshi-face-v1\n<nonce>\n<sha256 of card_der, 64 lower-case hex>\n".
 * ONSHI_EINVAL (a certificate does not parse, the reader key is not EC)
 * or ONSHI_ECRYPTO (reader not trusted, expired, attestation does not
 * verify).
 */
int onshi_cert_check_face_attestation(const struct onshi_cert_trust *readers,
				      const unsigned char *reader_der,
				      size_t reader_len, const unsigned char *card_der,
				      size_t card_len, const char *nonce,
				      const unsigned char *sig, size_t siglen,
				      time_t now, char *msg, size_t msglen);

/* The same, loading reader_ca_path (file or directory) for this call. */
int onshi_cert_verify_face_attestation(const unsigned char *reader_der,
				       size_t reader_len, const char *reader_ca_path,
				       const unsigned char *card_der,
				       size_t card_len, const char *nonce,
				       const unsigned char *sig, size_t siglen,
				       time_t now, char *msg, size_t msglen);

#endif
