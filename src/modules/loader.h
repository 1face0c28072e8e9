/* SPDX-License-Identifier: Apache-2.0 */
/*
 * loader.h — finding, opening and checking plugin shared objects.
 *
 * The only part of onshi that calls libltdl. A plugin is opened once and
 * shared by every instance that uses it (reference counted); it is closed
 * when the last instance is gone, which the module layer guarantees is after
 * the plugin's stop() has joined its threads.
 */
#ifndef ONSHI_CORE_LOADER_H
#define ONSHI_CORE_LOADER_H

#include <stddef.h>

#include <onshi/plugin.h>

/* Why a load failed: one cause each, so tests and operators can tell. */
enum onshi_load_error {
	ONSHI_LOAD_OK = 0,
	ONSHI_LOAD_NOT_FOUND,   /* no NAME.so / NAME.la in any plugin dir */
	ONSHI_LOAD_NOT_REGULAR, /* found, but not a regular file */
	ONSHI_LOAD_UNSAFE_DIR,  /* dir not root-owned or group/world-writable */
	ONSHI_LOAD_BAD_NAME,    /* name with '/', '..' or odd characters */
	ONSHI_LOAD_DLOPEN,      /* the dynamic linker refused it */
	ONSHI_LOAD_NO_SYMBOL,   /* no onshi_plugin_v1 exported */
	ONSHI_LOAD_BAD_MAGIC,   /* descriptor magic wrong */
	ONSHI_LOAD_ABI_MAJOR,   /* built for another ABI major */
	ONSHI_LOAD_BAD_KIND,    /* kind neither reader nor rececon */
	ONSHI_LOAD_SHORT_OPS,   /* ops table smaller than the minimum */
	ONSHI_LOAD_MISSING_OP,  /* a required entry point is NULL */
	ONSHI_LOAD_NAME_MISMATCH, /* NAME.so declares another name */
	ONSHI_LOAD_BAD_SIGNATURE, /* require_signature: no valid NAME.so.sig */
};

struct onshi_loader;

struct onshi_plugin_handle {
	const struct onshi_plugin *desc;
	char *name;
	char *path; /* the file that was opened */
};

/*
 * dirs: colon-separated plugin directories searched in order.
 * allow_unsafe_dir: skip the owner/permission check (tests, development).
 */
int onshi_loader_new(const char *dirs, int allow_unsafe_dir,
		     struct onshi_loader **out);
void onshi_loader_free(struct onshi_loader *loader);

/*
 * From now on open only plugins NAME.so with a valid NAME.so.sig (raw
 * Ed25519 by the key in trust_key_pem_path, src/modules/plugin_sig.h), and open
 * exactly the file that was checked; NAME.la (a build tree) is refused.
 * Plugins already open stay open. ONSHI_OK or ONSHI_ENOMEM.
 */
int onshi_loader_require_signature(struct onshi_loader *loader,
				   const char *trust_key_pem_path);

/*
 * Open plugin `name` (or take another reference to it). On failure returns
 * the cause and writes a message that says what to do into msg.
 */
enum onshi_load_error onshi_loader_open(struct onshi_loader *loader, const char *name,
					struct onshi_plugin_handle **out,
					char *msg, size_t msglen);
/* Drop a reference; the last one closes the shared object. */
void onshi_loader_release(struct onshi_loader *loader,
			  struct onshi_plugin_handle *h);

/* Check a descriptor as the loader does (exposed for unit tests). */
enum onshi_load_error onshi_loader_check_descriptor(const struct onshi_plugin *p,
						    char *msg, size_t msglen);

#endif
