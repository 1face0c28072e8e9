/* SPDX-License-Identifier: Apache-2.0 */
/*
 * manifest.h — the signed maintenance manifest (docs/maintenance.md): verifying
 * its signature, parsing it, checking it against this clinic, and keeping
 * the serial of the last applied one.
 *
 * A manifest lets maintenance staff switch modules on and off remotely, so
 * everything here assumes hostile input. The order is fixed: verify the raw
 * Ed25519 signature over the exact bytes with the trust key, only then
 * parse (hardened libxml2, strict: anything unexpected is refused by name),
 * then check serial (no replay, no rollback), institution code, NotAfter
 * and module names. Each refusal comes with its own sentence for the log,
 * `onshictl status` and the status report. The functions are pure: no
 * event loop, no globals; the poller and the apply step live elsewhere.
 */
#ifndef ONSHI_CORE_MANIFEST_H
#define ONSHI_CORE_MANIFEST_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ed25519_verify.h"

/* Larger manifests are refused before they are verified or parsed. */
#define ONSHI_MANIFEST_MAX_BYTES (64 * 1024)
/* At most this many <Module>/<Reload> entries in one manifest. */
#define ONSHI_MANIFEST_MAX_ENTRIES 256
/* Longest module name, "reader:" or "rececon:" included. */
#define ONSHI_MANIFEST_NAME_MAX 72
/* The highest serial accepted: 2^63-1, so it fits every signed 64-bit. */
#define ONSHI_MANIFEST_SERIAL_MAX UINT64_C(9223372036854775807)

enum onshi_manifest_action {
	ONSHI_MANIFEST_ENABLE,  /* <Module name="…" state="enabled"/> */
	ONSHI_MANIFEST_DISABLE, /* <Module name="…" state="disabled"/> */
	ONSHI_MANIFEST_RELOAD,  /* <Reload module="…"/> */
};

struct onshi_manifest_entry {
	enum onshi_manifest_action action;
	char module[ONSHI_MANIFEST_NAME_MAX + 1]; /* "reader:front-desk" */
};

/* Fixed size (about 20 KiB), nothing to free; entries in document order. */
struct onshi_manifest {
	uint64_t serial;           /* 1 .. ONSHI_MANIFEST_SERIAL_MAX */
	char institution_code[11]; /* 10 digits */
	time_t not_after;          /* UTC seconds */
	char not_after_text[21];   /* as written: 2026-12-31T00:00:00Z */
	size_t n_entries;
	struct onshi_manifest_entry entries[ONSHI_MANIFEST_MAX_ENTRIES];
};

/*
 * Verify sig[0..siglen) as a raw Ed25519 signature over
 * manifest[0..len), made with the private half of the PEM public key in
 * trust_key_pem_path (as `openssl pkeyutl -sign -rawin` makes it).
 * Returns ONSHI_OK; ONSHI_ECRYPTO when the trust key is not an Ed25519
 * public key, the signature is not 64 bytes, or it does not match (the
 * manifest was changed after signing, or another key signed it: Ed25519
 * cannot tell those apart); ONSHI_EIO when the trust key cannot be read;
 * ONSHI_EINVAL for an empty manifest; ONSHI_ETOOBIG over
 * ONSHI_MANIFEST_MAX_BYTES. msg (may be NULL) gets the reason.
 */
int onshi_manifest_verify_sig(const char *trust_key_pem_path,
			      const void *manifest, size_t len, const void *sig,
			      size_t siglen, char *msg, size_t msglen);

/*
 * Parse a manifest whose signature has been verified. Refuses (and says
 * why) a DOCTYPE or entity declaration (ONSHI_EPERM), more than
 * ONSHI_MANIFEST_MAX_BYTES or ONSHI_MANIFEST_MAX_ENTRIES (ONSHI_ETOOBIG),
 * XML that is not well-formed or has the wrong root (ONSHI_EPROTO), and
 * (ONSHI_EINVAL) unknown elements or attributes, namespaces, a missing or
 * repeated <Serial>/<MedicalInstitutionCode>/<NotAfter>, a serial that is
 * not plain decimal digits in 1..2^63-1, an institution code that is not
 * 10 digits, a NotAfter not exactly YYYY-MM-DDTHH:MM:SSZ or not a real
 * time, a module name not reader:NAME / rececon:NAME with NAME of
 * [A-Za-z0-9._-] starting with a letter or digit, a state other than
 * enabled/disabled, and the same module named twice. out is zeroed first.
 */
int onshi_manifest_parse(const void *bytes, size_t len,
			 struct onshi_manifest *out, char *msg, size_t msglen);

/*
 * Check a parsed manifest against this installation, in this order:
 * serial newer than last_serial (ONSHI_ESTATE: replay or rollback); the
 * institution code one of institution_codes[0..ncodes) (ONSHI_EPERM);
 * now not after NotAfter (ONSHI_ETIMEOUT); every module one of
 * known_modules[0..nmodules) (ONSHI_ENOTFOUND; the whole manifest is
 * refused). Returns ONSHI_OK when it may be applied.
 */
int onshi_manifest_check(const struct onshi_manifest *m, uint64_t last_serial,
			 const char *const *institution_codes, size_t ncodes,
			 const char *const *known_modules, size_t nmodules,
			 time_t now, char *msg, size_t msglen);

/*
 * Read the serial of the last applied manifest from path ("42\n").
 * A missing file gives 0 (nothing applied yet). A file that is not exactly
 * one serial and a newline, is not a regular file or is writable by group
 * or others is refused with ONSHI_EINVAL / ONSHI_EPERM and a reason: never
 * treated as 0, which would let an old manifest be applied again. Other
 * read errors give ONSHI_EIO.
 */
int onshi_manifest_state_load(const char *path, uint64_t *serial, char *msg,
			      size_t msglen);

/*
 * Write serial to path atomically (temporary file in the same folder,
 * fsync, rename, fsync of the folder), mode 0600. ONSHI_EINVAL for a
 * serial over ONSHI_MANIFEST_SERIAL_MAX or a path without a file name,
 * ONSHI_ENOTFOUND when the folder does not exist, ONSHI_EIO otherwise.
 */
int onshi_manifest_state_save(const char *path, uint64_t serial, char *msg,
			      size_t msglen);

#endif
