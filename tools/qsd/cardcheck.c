/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cardcheck.c — how onshi-qsd checks a My Number Card inquiry.
 *
 * The CardAuthentication block (include/onshi/message.h) carries the card's
 * JPKI user-authentication certificate and proof that the card was really
 * there: in PIN mode the card's RSA PKCS#1 v1.5 SHA-256 signature over the
 * nonce; in face mode an ECDSA SHA-256 attestation by the face reader's
 * device key over "onshi-face-v1\n<nonce>\n<sha256 hex of the card cert
 * DER>\n", with the reader's device certificate; in visual mode an
 * operator id. Certificates are checked with OpenSSL against the PKI
 * directory: the JPKI CA with its CRL for cards, the reader makers' CA for
 * readers. The stores are filled once and only read afterwards, which
 * OpenSSL allows from many threads.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "qsd.h"

struct qsd_cardcheck {
	X509_STORE *jpki;
	X509_STORE *readers;
};

/* Load PEM certificates and CRLs from path into st (must exist when required). */
static int store_load(X509_STORE *st, const char *dir, const char *name,
		      bool required, char *msg, size_t msglen)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (f == NULL) {
		if (!required)
			return ONSHI_OK;
		snprintf(msg, msglen,
			 "cannot read %s (run onshi-pki on the PKI directory)",
			 path);
		return ONSHI_ENOTFOUND;
	}
	fclose(f);
	if (X509_STORE_load_file(st, path) != 1) {
		snprintf(msg, msglen, "%s: not a PEM certificate or CRL file", path);
		return ONSHI_ECRYPTO;
	}
	return ONSHI_OK;
}

struct qsd_cardcheck *qsd_cardcheck_new(const char *jpki_dir, const char *reader_dir,
					char *msg, size_t msglen)
{
	struct qsd_cardcheck *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->jpki = X509_STORE_new();
	c->readers = X509_STORE_new();
	if (c->jpki == NULL || c->readers == NULL ||
	    store_load(c->jpki, jpki_dir, "auth-ca.crt", true, msg, msglen) != ONSHI_OK ||
	    store_load(c->jpki, jpki_dir, "crl.pem", true, msg, msglen) != ONSHI_OK ||
	    store_load(c->readers, reader_dir, "reader-ca.crt", true, msg,
		       msglen) != ONSHI_OK) {
		qsd_cardcheck_free(c);
		return NULL;
	}
	/* Every JPKI card certificate must be checked against its CA's CRL. */
	X509_STORE_set_flags(c->jpki, X509_V_FLAG_CRL_CHECK);
	return c;
}

void qsd_cardcheck_free(struct qsd_cardcheck *c)
{
	if (c == NULL)
		return;
	X509_STORE_free(c->jpki);
	X509_STORE_free(c->readers);
	free(c);
}

/* Decode base64 (whitespace already removed by the codec) into a malloc'd buffer. */
static unsigned char *b64_decode(const char *in, size_t *outlen)
{
	EVP_ENCODE_CTX *ctx;
	size_t n = strlen(in);
	unsigned char *out = malloc(n / 4 * 3 + 4);
	int len1 = 0, len2 = 0;

	if (out == NULL || n == 0 || n > 1u << 20)
		goto fail;
	ctx = EVP_ENCODE_CTX_new();
	if (ctx == NULL)
		goto fail;
	EVP_DecodeInit(ctx);
	if (EVP_DecodeUpdate(ctx, out, &len1, (const unsigned char *)in, (int)n) < 0 ||
	    EVP_DecodeFinal(ctx, out + len1, &len2) < 0) {
		EVP_ENCODE_CTX_free(ctx);
		goto fail;
	}
	EVP_ENCODE_CTX_free(ctx);
	*outlen = (size_t)(len1 + len2);
	return out;
fail:
	free(out);
	return NULL;
}

static X509 *decode_cert(const char *b64, unsigned char **der, size_t *derlen)
{
	const unsigned char *p;
	X509 *x;

	*der = b64_decode(b64, derlen);
	if (*der == NULL)
		return NULL;
	p = *der;
	x = d2i_X509(NULL, &p, (long)*derlen);
	if (x != NULL && p != *der + *derlen) {
		X509_free(x);
		x = NULL;
	}
	return x;
}

static int verify_chain(X509_STORE *st, X509 *x, const char *what, char *msg,
			size_t msglen)
{
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	int ok, err;

	if (ctx == NULL || X509_STORE_CTX_init(ctx, st, x, NULL) != 1) {
		X509_STORE_CTX_free(ctx);
		return ONSHI_ENOMEM;
	}
	ok = X509_verify_cert(ctx);
	err = X509_STORE_CTX_get_error(ctx);
	X509_STORE_CTX_free(ctx);
	if (ok == 1)
		return ONSHI_OK;
	snprintf(msg, msglen, "%s refused: %s", what,
		 X509_verify_cert_error_string(err));
	return ONSHI_ECRYPTO;
}

static int verify_sig(X509 *x, const unsigned char *data, size_t len,
		      const char *sig_b64, const char *what, char *msg, size_t msglen)
{
	EVP_PKEY *key = X509_get0_pubkey(x);
	EVP_MD_CTX *md;
	unsigned char *sig;
	size_t siglen;
	int ok;

	sig = b64_decode(sig_b64, &siglen);
	if (sig == NULL) {
		snprintf(msg, msglen, "%s is not base64", what);
		return ONSHI_EINVAL;
	}
	md = EVP_MD_CTX_new();
	/* RSA keys verify with PKCS#1 v1.5 by default; EC keys with ECDSA. */
	ok = md != NULL && key != NULL &&
	     EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key) == 1 &&
	     EVP_DigestVerify(md, sig, siglen, data, len) == 1;
	EVP_MD_CTX_free(md);
	free(sig);
	if (!ok) {
		snprintf(msg, msglen, "%s does not verify", what);
		return ONSHI_ECRYPTO;
	}
	return ONSHI_OK;
}

static void serial_hex(X509 *x, char out[40])
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	char *hex = bn != NULL ? BN_bn2hex(bn) : NULL;
	const char *p = hex != NULL ? hex : "";

	/* Leading zeros dropped on both sides of every serial comparison. */
	while (p[0] == '0' && p[1] != '\0')
		p++;
	snprintf(out, 40, "%s", p);
	OPENSSL_free(hex);
	BN_free(bn);
}

static int check_face(struct qsd_cardcheck *c, const struct onshi_card_auth *ca,
		      const unsigned char *card_der, size_t card_len, char *msg,
		      size_t msglen)
{
	unsigned char digest[32], *rder = NULL;
	char text[256];
	size_t rlen, n;
	X509 *reader;
	int rc;

	if (ca->reader_certificate == NULL || ca->attestation == NULL) {
		snprintf(msg, msglen,
			 "face authentication needs ReaderAttestation and "
			 "ReaderCertificate");
		return ONSHI_EINVAL;
	}
	reader = decode_cert(ca->reader_certificate, &rder, &rlen);
	free(rder);
	if (reader == NULL) {
		snprintf(msg, msglen,
			 "ReaderCertificate is not a DER certificate in base64");
		return ONSHI_EINVAL;
	}
	rc = verify_chain(c->readers, reader, "reader certificate", msg, msglen);
	if (rc == ONSHI_OK) {
		SHA256(card_der, card_len, digest);
		n = (size_t)snprintf(text, sizeof(text), "onshi-face-v1\n%s\n",
				     ca->nonce);
		for (size_t i = 0; i < sizeof(digest); i++)
			n += (size_t)snprintf(text + n, sizeof(text) - n,
					      "%02x", digest[i]);
		n += (size_t)snprintf(text + n, sizeof(text) - n, "\n");
		rc = verify_sig(reader, (const unsigned char *)text, n,
				ca->attestation, "reader attestation", msg, msglen);
	}
	X509_free(reader);
	return rc;
}

int qsd_cardcheck_verify(struct qsd_cardcheck *c, const struct onshi_card_auth *ca,
			 char serial[40], char *msg, size_t msglen)
{
	unsigned char *der = NULL;
	size_t derlen = 0;
	X509 *card;
	int rc;

	serial[0] = '\0';
	if (ca->certificate == NULL || ca->nonce == NULL) {
		snprintf(msg, msglen,
			 "CardAuthentication needs Certificate and Nonce");
		return ONSHI_EINVAL;
	}
	card = decode_cert(ca->certificate, &der, &derlen);
	if (card == NULL) {
		free(der);
		snprintf(msg, msglen,
			 "Certificate is not a DER certificate in base64");
		return ONSHI_EINVAL;
	}
	serial_hex(card, serial);
	rc = verify_chain(c->jpki, card, "card certificate", msg, msglen);
	if (rc != ONSHI_OK)
		goto out;
	switch (ca->method) {
	case ONSHI_AUTH_PIN:
		if (ca->signature == NULL) {
			snprintf(msg, msglen, "PIN authentication needs Signature");
			rc = ONSHI_EINVAL;
			break;
		}
		rc = verify_sig(card, (const unsigned char *)ca->nonce,
				strlen(ca->nonce), ca->signature,
				"card signature over the nonce", msg, msglen);
		break;
	case ONSHI_AUTH_FACE:
		rc = check_face(c, ca, der, derlen, msg, msglen);
		break;
	case ONSHI_AUTH_VISUAL:
		if (ca->operator_id == NULL || ca->operator_id[0] == '\0') {
			snprintf(msg, msglen, "visual check needs OperatorId");
			rc = ONSHI_EINVAL;
		}
		break;
	default:
		snprintf(msg, msglen, "AuthMethod missing");
		rc = ONSHI_EINVAL;
		break;
	}
out:
	X509_free(card);
	free(der);
	return rc;
}
