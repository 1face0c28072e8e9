/* SPDX-License-Identifier: Apache-2.0 */
/*
 * plugin_sig.h — plugin integrity: with `[plugins] require_signature = yes`
 * every plugin X.so must come with X.so.sig, a raw Ed25519 signature over
 * the exact bytes of X.so by the maintenance key (the manifest's
 * trust_key), or the loader refuses it.
 *
 * The signature is the one `openssl pkeyutl -sign -rawin -inkey maint.key
 * -in X.so -out X.so.sig` makes, so a vendor's release process needs only
 * the openssl command. The check reads the file itself; the loader must
 * then load the same file (the plugin folder is root-owned and not
 * group/world-writable, docs/plugin-guide.md, so it cannot change in between).
 */
#ifndef ONSHI_CORE_PLUGIN_SIG_H
#define ONSHI_CORE_PLUGIN_SIG_H

#include <stddef.h>

/* Plugins larger than this are refused rather than read into memory. */
#define ONSHI_PLUGIN_MAX_BYTES (256 * 1024 * 1024)

/*
 * Check so_path against so_path + ".sig" with the Ed25519 public key in
 * trust_key_pem_path. Returns ONSHI_OK, or with a reason in msg (may be
 * NULL): ONSHI_ENOTFOUND when the plugin or its .sig is missing (each says
 * which, and how to sign); ONSHI_EIO when either cannot be read, is not a
 * regular file, or the trust key cannot be read; ONSHI_ETOOBIG over
 * ONSHI_PLUGIN_MAX_BYTES; ONSHI_ECRYPTO when the trust key is not Ed25519,
 * the .sig is not 64 raw bytes, or the signature does not match (the file
 * was changed after signing, or it was signed with another key).
 */
int onshi_plugin_sig_check(const char *so_path, const char *trust_key_pem_path,
			   char *msg, size_t msglen);

#endif
