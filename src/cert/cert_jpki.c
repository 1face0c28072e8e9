/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cert_jpki.c — the My Number Card side: the card's JPKI
 * user-authentication certificate (chain, CRL, not the signing
 * certificate), the PIN-mode signature over a nonce, and the face-auth
 * reader's attestation.
 *
 * Apart from the clinic certificate (cert_clinic.c): these run on every
 * card inquiry, over DER bytes a reader sent, and their messages reach logs
 * (a card's serial and subject are masked in cert_trust.c).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <onshi/error.h>

#include "cert.h"
#include "cert_internal.h"
#include "msg.h"

/*
 * One DER certificate and nothing after it, or NULL with the message
 * "<what> is not a DER X.509 certificate (N bytes)<hint>".
 */
static X509 *parse_der(const unsigned char *der, size_t len, const char *what,
		       const char *hint, char *msg, size_t msglen)
{
	const unsigned char *p = der;
	X509 *x = NULL;

	if (der != NULL && len > 0 && len <= CERT_FILE_MAX)
		x = d2i_X509(NULL, &p, (long)len);
	if (x != NULL && p != der + len) {
		X509_free(x); /* trailing bytes: not one certificate */
		x = NULL;
	}
	if (x == NULL) {
		onshi_set_msg(msg, msglen,
			      "%s is not a DER X.509 certificate (%zu bytes)%s",
			      what, len, hint);
		ERR_clear_error();
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
	x = parse_der(cert_der, len, "the card certificate",
		      ": the reader sent something else", msg, msglen);
	if (x == NULL)
		return ONSHI_EINVAL;
	if (serial_hex_out != NULL && serial_len > 0)
		cert_serial_hex(x, serial_hex_out, serial_len);
	rc = cert_verify_chain(trust, x, NULL, now, ROLE_CARD,
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
	x = parse_der(cert_der, len, "the card certificate", "", msg, msglen);
	if (x == NULL)
		return ONSHI_EINVAL;
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
	reader = parse_der(reader_der, reader_len,
			   "the face-auth reader's device certificate", "", msg,
			   msglen);
	if (reader == NULL)
		return ONSHI_EINVAL;
	cert_name_text(X509_get_subject_name(reader), subject, sizeof(subject));
	snprintf(who, sizeof(who), "the face-auth reader certificate (%s)", subject);
	rc = cert_verify_chain(reader_trust, reader, NULL, now, ROLE_READER,
			       who, msg, msglen);
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
			      cert_ossl_reason());
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
