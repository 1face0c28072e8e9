/* SPDX-License-Identifier: Apache-2.0 */
/*
 * key_hex.c — hex SHA-256 of two pieces (key_hex.h), with OpenSSL's
 * EVP interface.
 */
#include "config.h"

#include <openssl/evp.h>
#include <stdio.h>

#include "key_hex.h"

void onshi_key_hex(const void *a, size_t alen, const void *b, size_t blen,
		   char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	out[0] = '\0';
	if (!ctx)
		return;
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) &&
	    EVP_DigestUpdate(ctx, a, alen) &&
	    (!blen || EVP_DigestUpdate(ctx, b, blen)) &&
	    EVP_DigestFinal_ex(ctx, md, &mdlen))
		for (unsigned i = 0; i < mdlen && i < 32; i++)
			snprintf(out + 2 * i, 3, "%02x", md[i]);
	EVP_MD_CTX_free(ctx);
}
