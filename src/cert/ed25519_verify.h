/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ed25519_verify.h — the raw Ed25519 signature check shared by the plugin
 * loader (plugin_sig.c) and the maintenance manifest (manifest.c), with the
 * trust key read from a PEM public key file. A file of its own so that the
 * loader does not depend on the maintenance code.
 */
#ifndef ONSHI_CORE_ED25519_VERIFY_H
#define ONSHI_CORE_ED25519_VERIFY_H

#include <stddef.h>

/* An Ed25519 signature is exactly this many raw bytes. */
#define ONSHI_ED25519_SIG_LEN 64

/*
 * The check under both manifest and plugin signatures: sig[0..siglen) must
 * be a raw Ed25519 signature over data[0..len) by the key whose PEM public
 * half is in trust_key_pem_path. what names the signed thing in messages
 * ("the manifest", "plugin /usr/lib/onshi/plugins/x.so"). Returns ONSHI_OK,
 * ONSHI_EIO (trust key unreadable) or ONSHI_ECRYPTO (key not an Ed25519
 * public key, signature not 64 bytes, or not matching), with the reason.
 * onshi_ed25519_key_check() only loads the key, for --check-config.
 */
int onshi_ed25519_key_check(const char *trust_key_pem_path, char *msg, size_t msglen);
int onshi_ed25519_verify(const char *trust_key_pem_path, const void *data,
			 size_t len, const void *sig, size_t siglen,
			 const char *what, char *msg, size_t msglen);

#endif
