/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ed25519_verify.c — checking a raw Ed25519 signature with a PEM trust key.
 * See ed25519_verify.h. Every failure says which key or which signed thing
 * and what to do, since operators see only the refusal.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <onshi/error.h>

#include "ed25519_verify.h"
#include "msg.h"

static void clear_msg(char *msg, size_t msglen)
{
	if (msg != NULL && msglen > 0)
		msg[0] = '\0';
}

static const char *siglen_hint(size_t siglen)
{
	if (siglen == 0)
		return " (the signature file is empty)";
	if (siglen == 88 || siglen == 89)
		return " (base64? give the raw output of `openssl pkeyutl -sign -rawin`)";
	if (siglen == 128 || siglen == 129)
		return " (hex? give the raw output of `openssl pkeyutl -sign -rawin`)";
	if (siglen < ONSHI_ED25519_SIG_LEN)
		return " (truncated?)";
	return "";
}

/* The Ed25519 public key in a PEM file; *out NULL on error (msg says). */
static int load_ed25519_key(const char *path, EVP_PKEY **out, char *msg, size_t msglen)
{
	EVP_PKEY *pkey;
	FILE *f;
	int err;

	*out = NULL;
	f = fopen(path, "re");
	if (f == NULL) {
		err = errno;
		onshi_set_msg(msg, msglen, "cannot read the trust key %s: %s",
			      path, strerror(err));
		return ONSHI_EIO;
	}
	pkey = PEM_read_PUBKEY(f, NULL, NULL, NULL);
	fclose(f);
	if (pkey == NULL) {
		onshi_set_msg(msg, msglen,
			      "the trust key %s is not a PEM public key "
			      "(-----BEGIN PUBLIC KEY-----): give the .pub file, e.g. maint.pub",
			      path);
		ERR_clear_error();
		return ONSHI_ECRYPTO;
	}
	if (!EVP_PKEY_is_a(pkey, "ED25519")) {
		onshi_set_msg(msg, msglen,
			      "the trust key %s is not an Ed25519 key but "
			      "%s: signatures are checked only with an Ed25519 key",
			      path,
			      EVP_PKEY_get0_type_name(pkey)
				      ? EVP_PKEY_get0_type_name(pkey)
				      : "non-Ed25519");
		EVP_PKEY_free(pkey);
		return ONSHI_ECRYPTO;
	}
	*out = pkey;
	return ONSHI_OK;
}

int onshi_ed25519_key_check(const char *trust_key_pem_path, char *msg, size_t msglen)
{
	EVP_PKEY *pkey = NULL;
	int rc = load_ed25519_key(trust_key_pem_path, &pkey, msg, msglen);

	EVP_PKEY_free(pkey);
	return rc;
}

int onshi_ed25519_verify(const char *trust_key_pem_path, const void *data,
			 size_t len, const void *sig, size_t siglen,
			 const char *what, char *msg, size_t msglen)
{
	EVP_PKEY *pkey = NULL;
	EVP_MD_CTX *ctx = NULL;
	int rc = ONSHI_ECRYPTO, ok;

	if (trust_key_pem_path == NULL || (data == NULL && len > 0) ||
	    (sig == NULL && siglen > 0) || what == NULL) {
		onshi_set_msg(msg, msglen,
			      "signature check called without a trust key, data or signature");
		return ONSHI_EINVAL;
	}
	rc = load_ed25519_key(trust_key_pem_path, &pkey, msg, msglen);
	if (rc != ONSHI_OK)
		return rc;
	rc = ONSHI_ECRYPTO;
	if (siglen != ONSHI_ED25519_SIG_LEN) {
		onshi_set_msg(msg, msglen,
			      "the signature of %s is %zu bytes, not the %d "
			      "of a raw Ed25519 signature%s",
			      what, siglen, ONSHI_ED25519_SIG_LEN,
			      siglen_hint(siglen));
		goto done;
	}
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL) {
		onshi_set_msg(msg, msglen,
			      "out of memory checking the signature of %s", what);
		rc = ONSHI_ENOMEM;
		goto done;
	}
	/* Ed25519 is one-shot: no digest, the whole message at once. */
	if (EVP_DigestVerifyInit_ex(ctx, NULL, NULL, NULL, NULL, pkey, NULL) != 1) {
		onshi_set_msg(msg, msglen,
			      "cannot set up the Ed25519 check of %s with %s",
			      what, trust_key_pem_path);
		goto done;
	}
	ok = EVP_DigestVerify(ctx, sig, siglen, data, len);
	if (ok != 1) {
		onshi_set_msg(msg, msglen,
			      "the signature of %s does not match the trust key "
			      "%s: it was changed after signing, or signed with another key",
			      what, trust_key_pem_path);
		goto done;
	}
	rc = ONSHI_OK;
	clear_msg(msg, msglen);
done:
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	/* A stale entry would be misreported by the next TLS call (libcurl). */
	ERR_clear_error();
	return rc;
}
