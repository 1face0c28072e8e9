/* SPDX-License-Identifier: Apache-2.0 */
/*
 * key_hex.h — the lowercase hex SHA-256 of two pieces one after the
 * other: the daemon's stable keys (an upload's Idempotency-Key, a batch
 * file's key, a part's key) are all made so, and must stay byte for byte
 * what they were, since they outlive a restart and an upgrade. (The audit
 * log hashes one piece at a time with a context of its own, and a failure
 * there must never match: audit.h onshi_sha256_hex. A key that cannot be
 * made is "" instead, which no caller sends.)
 */
#ifndef ONSHI_KEY_HEX_H
#define ONSHI_KEY_HEX_H

#include <stddef.h>

/* hex(SHA-256(a || b)) into out; b may be NULL with blen 0. out is ""
 * when OpenSSL fails (out of memory). */
void onshi_key_hex(const void *a, size_t alen, const void *b, size_t blen,
		   char out[65]);

#endif
