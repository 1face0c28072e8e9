/* SPDX-License-Identifier: Apache-2.0 */
/*
 * loader.c — libltdl plugin loading. Nothing else in onshi calls lt_dl*.
 *
 * Modules are opened with local symbol scope (so two plugins' symbols never
 * collide) and with extension search (NAME.la in a build tree, NAME.so once
 * installed). Before opening we check the file is a regular file in a
 * root-owned directory nobody else can write to: loading a plugin is running
 * its code as the daemon.
 */
#include "config.h"

#include <errno.h>
#include <ltdl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "loader.h"
#include "plugin_sig.h"

struct loaded {
	struct onshi_plugin_handle pub;
	lt_dlhandle dl;
	unsigned refs;
	struct loaded *next;
};

struct onshi_loader {
	char *dirs;
	int allow_unsafe_dir;
	char *trust_key;      /* require_signature = yes; NULL: not required */
	pthread_mutex_t lock; /* libltdl is not thread-safe: serialise */
	struct loaded *loaded;
};

int onshi_loader_new(const char *dirs, int allow_unsafe_dir, struct onshi_loader **out)
{
	struct onshi_loader *l = calloc(1, sizeof(*l));

	*out = NULL;
	if (!l)
		return ONSHI_ENOMEM;
	l->dirs = strdup(dirs);
	if (!l->dirs) {
		free(l);
		return ONSHI_ENOMEM;
	}
	if (lt_dlinit() != 0) { /* reference counted inside libltdl */
		free(l->dirs);
		free(l);
		return ONSHI_EIO;
	}
	l->allow_unsafe_dir = allow_unsafe_dir;
	pthread_mutex_init(&l->lock, NULL);
	*out = l;
	return ONSHI_OK;
}

void onshi_loader_free(struct onshi_loader *l)
{
	if (!l)
		return;
	while (l->loaded) {
		struct loaded *d = l->loaded;

		l->loaded = d->next;
		lt_dlclose(d->dl);
		free(d->pub.name);
		free(d->pub.path);
		free(d);
	}
	lt_dlexit();
	pthread_mutex_destroy(&l->lock);
	free(l->trust_key);
	free(l->dirs);
	free(l);
}

int onshi_loader_require_signature(struct onshi_loader *l,
				   const char *trust_key_pem_path)
{
	char *k = strdup(trust_key_pem_path);

	if (!k)
		return ONSHI_ENOMEM;
	pthread_mutex_lock(&l->lock);
	free(l->trust_key);
	l->trust_key = k;
	pthread_mutex_unlock(&l->lock);
	return ONSHI_OK;
}

/* The signature check before anything of the file runs. */
static enum onshi_load_error check_signature(struct onshi_loader *l,
					     const char *name, const char *path,
					     char *msg, size_t msglen)
{
	size_t n = strlen(path);
	char why[1024];

	if (n < 3 || strcmp(path + n - 3, ".so") != 0) {
		snprintf(msg, msglen,
			 "plugin '%s' refused: [plugins] require_signature = yes loads only signed NAME.so files, and %s is a libtool archive (install the plugin, and its .so.sig)",
			 name, path);
		return ONSHI_LOAD_BAD_SIGNATURE;
	}
	if (onshi_plugin_sig_check(path, l->trust_key, why, sizeof(why)) != ONSHI_OK) {
		snprintf(msg, msglen,
			 "plugin '%s' refused (require_signature = yes): %s",
			 name, why);
		return ONSHI_LOAD_BAD_SIGNATURE;
	}
	return ONSHI_LOAD_OK;
}

/* Plugin names are file names we build paths from: keep them plain. */
static int valid_name(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

/* The plugin directory and file must be root's and writable by no one
 * else: whoever can write there can run code as the daemon. */
static enum onshi_load_error check_owner(const char *path, const char *what,
					 char *msg, size_t msglen)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		snprintf(msg, msglen, "%s %s: %s", what, path, strerror(errno));
		return ONSHI_LOAD_NOT_FOUND;
	}
	if (st.st_uid != 0) {
		snprintf(msg, msglen,
			 "%s %s is owned by uid %u, not root: refusing to load plugins from it (chown root it, or set [plugins] allow_unsafe_dir = yes for development)",
			 what, path, (unsigned)st.st_uid);
		return ONSHI_LOAD_UNSAFE_DIR;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(msg, msglen,
			 "%s %s is writable by %s: refusing to load plugins from it (chmod go-w it, or set [plugins] allow_unsafe_dir = yes for development)",
			 what, path,
			 (st.st_mode & S_IWOTH) ? "everyone" : "its group");
		return ONSHI_LOAD_UNSAFE_DIR;
	}
	return ONSHI_LOAD_OK;
}

/*
 * Find NAME.so or NAME.la in the directory list. On success `path` holds the
 * file found and `stem` the path without extension for lt_dlopenadvise.
 */
static enum onshi_load_error find_plugin(struct onshi_loader *l, const char *name,
					 char *path, size_t pathlen, char *stem,
					 size_t stemlen, char *msg, size_t msglen)
{
	static const char *const exts[] = { ".so", ".la" };
	char *copy = strdup(l->dirs), *save = NULL;
	enum onshi_load_error rc = ONSHI_LOAD_NOT_FOUND;

	if (!copy) {
		snprintf(msg, msglen, "out of memory");
		return ONSHI_LOAD_DLOPEN;
	}
	for (char *dir = strtok_r(copy, ":", &save); dir;
	     dir = strtok_r(NULL, ":", &save)) {
		for (size_t i = 0; i < 2; i++) {
			struct stat st;

			snprintf(path, pathlen, "%s/%s%s", dir, name, exts[i]);
			if (stat(path, &st) < 0)
				continue;
			if (!S_ISREG(st.st_mode)) {
				snprintf(msg, msglen,
					 "%s is not a regular file", path);
				rc = ONSHI_LOAD_NOT_REGULAR;
				goto out;
			}
			if (!l->allow_unsafe_dir) {
				rc = check_owner(dir, "plugin directory", msg, msglen);
				if (rc == ONSHI_LOAD_OK)
					rc = check_owner(path, "plugin file",
							 msg, msglen);
				if (rc != ONSHI_LOAD_OK)
					goto out;
			}
			snprintf(stem, stemlen, "%s/%s", dir, name);
			rc = ONSHI_LOAD_OK;
			goto out;
		}
	}
	snprintf(msg, msglen,
		 "plugin '%s' not found: no %s.so or %s.la in %s (check [plugins] dir and that the plugin is installed)",
		 name, name, name, l->dirs);
out:
	free(copy);
	return rc;
}

enum onshi_load_error onshi_loader_check_descriptor(const struct onshi_plugin *p,
						    char *msg, size_t msglen)
{
	if (p->magic != ONSHI_PLUGIN_MAGIC) {
		snprintf(msg, msglen,
			 "bad magic 0x%08x (expected 0x%08x): not an onshi plugin descriptor",
			 (unsigned)p->magic, (unsigned)ONSHI_PLUGIN_MAGIC);
		return ONSHI_LOAD_BAD_MAGIC;
	}
	if (p->abi_major != ONSHI_ABI_MAJOR) {
		snprintf(msg, msglen,
			 "built for plugin ABI %u.%u but this onshid speaks ABI %d.%d: rebuild the plugin against this onshi SDK",
			 p->abi_major, p->abi_minor, ONSHI_ABI_MAJOR,
			 ONSHI_ABI_MINOR);
		return ONSHI_LOAD_ABI_MAJOR;
	}
	if (p->kind != ONSHI_KIND_READER && p->kind != ONSHI_KIND_RECECON) {
		snprintf(msg, msglen, "unknown plugin kind %u", (unsigned)p->kind);
		return ONSHI_LOAD_BAD_KIND;
	}
	if (p->kind == ONSHI_KIND_RECECON && p->abi_minor < ONSHI_RECECON_MIN_MINOR) {
		/* Adapters read the message structs, which grew in 1.3. */
		snprintf(msg, msglen,
			 "receipt-computer plugin built for ABI %u.%u, but the message model (onshi/message.h) changed in ABI %d.%d: rebuild the plugin against this onshi SDK",
			 p->abi_major, p->abi_minor, ONSHI_ABI_MAJOR,
			 ONSHI_RECECON_MIN_MINOR);
		return ONSHI_LOAD_ABI_MAJOR;
	}
	if (!p->ops || p->ops_size < ONSHI_PLUGIN_OPS_MIN_SIZE) {
		snprintf(msg, msglen,
			 "ops table too short (%zu bytes, at least %zu needed): the plugin is incomplete or corrupt",
			 p->ops ? p->ops_size : (size_t)0,
			 (size_t)ONSHI_PLUGIN_OPS_MIN_SIZE);
		return ONSHI_LOAD_SHORT_OPS;
	}
	if (!p->ops->create || !p->ops->start || !p->ops->stop || !p->ops->destroy) {
		snprintf(msg, msglen, "required entry point %s is missing",
			 !p->ops->create  ? "create"
			 : !p->ops->start ? "start"
			 : !p->ops->stop  ? "stop"
					  : "destroy");
		return ONSHI_LOAD_MISSING_OP;
	}
	if (!p->name || !p->version) {
		snprintf(msg, msglen, "descriptor has no %s",
			 !p->name ? "name" : "version");
		return ONSHI_LOAD_MISSING_OP;
	}
	return ONSHI_LOAD_OK;
}

static enum onshi_load_error open_new(struct onshi_loader *l, const char *name,
				      struct loaded **out, char *msg, size_t msglen)
{
	char path[4096], stem[4096], why[900];
	enum onshi_load_error rc;
	const struct onshi_plugin *desc;
	struct loaded *d;
	lt_dladvise advise;
	lt_dlhandle dl = NULL;

	rc = find_plugin(l, name, path, sizeof(path), stem, sizeof(stem), msg, msglen);
	if (rc != ONSHI_LOAD_OK)
		return rc;
	if (l->trust_key) {
		rc = check_signature(l, name, path, msg, msglen);
		if (rc != ONSHI_LOAD_OK)
			return rc;
	}
	if (lt_dladvise_init(&advise) == 0) {
		lt_dladvise_local(&advise); /* plugin symbols stay private */
		/* Signed: exactly the checked file, never a .la beside it. */
		if (!l->trust_key)
			lt_dladvise_ext(&advise); /* NAME.la or NAME.so */
		dl = lt_dlopenadvise(l->trust_key ? path : stem, advise);
		lt_dladvise_destroy(&advise);
	}
	if (!dl) {
		const char *e = lt_dlerror();

		snprintf(msg, msglen,
			 "cannot load %s: %s (run ldd(1) on it to see missing libraries)",
			 path, e ? e : "unknown error");
		return ONSHI_LOAD_DLOPEN;
	}
	desc = lt_dlsym(dl, ONSHI_PLUGIN_SYMBOL_NAME);
	if (!desc) {
		snprintf(msg, msglen, "%s exports no %s: not an onshi plugin",
			 path, ONSHI_PLUGIN_SYMBOL_NAME);
		lt_dlclose(dl);
		return ONSHI_LOAD_NO_SYMBOL;
	}
	rc = onshi_loader_check_descriptor(desc, why, sizeof(why));
	if (rc != ONSHI_LOAD_OK) {
		snprintf(msg, msglen, "%s: %s", path, why);
		lt_dlclose(dl);
		return rc;
	}
	if (strcmp(desc->name, name) != 0) {
		snprintf(msg, msglen, "%s declares itself plugin '%s', not '%s'",
			 path, desc->name, name);
		lt_dlclose(dl);
		return ONSHI_LOAD_NAME_MISMATCH;
	}
	d = calloc(1, sizeof(*d));
	if (d) {
		d->pub.name = strdup(name);
		d->pub.path = strdup(path);
	}
	if (!d || !d->pub.name || !d->pub.path) {
		if (d) {
			free(d->pub.name);
			free(d->pub.path);
		}
		free(d);
		lt_dlclose(dl);
		snprintf(msg, msglen, "out of memory");
		return ONSHI_LOAD_DLOPEN;
	}
	d->pub.desc = desc;
	d->dl = dl;
	*out = d;
	return ONSHI_LOAD_OK;
}

enum onshi_load_error onshi_loader_open(struct onshi_loader *l, const char *name,
					struct onshi_plugin_handle **out,
					char *msg, size_t msglen)
{
	enum onshi_load_error rc = ONSHI_LOAD_OK;
	struct loaded *d;

	*out = NULL;
	if (!valid_name(name)) {
		snprintf(msg, msglen,
			 "plugin name '%s' is not allowed: use letters, digits, '-' and '_' only",
			 name);
		return ONSHI_LOAD_BAD_NAME;
	}
	pthread_mutex_lock(&l->lock);
	for (d = l->loaded; d; d = d->next)
		if (strcmp(d->pub.name, name) == 0)
			break;
	if (!d) {
		rc = open_new(l, name, &d, msg, msglen);
		if (rc == ONSHI_LOAD_OK) {
			d->next = l->loaded;
			l->loaded = d;
		}
	}
	if (rc == ONSHI_LOAD_OK) {
		d->refs++;
		*out = &d->pub;
	}
	pthread_mutex_unlock(&l->lock);
	return rc;
}

void onshi_loader_release(struct onshi_loader *l, struct onshi_plugin_handle *h)
{
	struct loaded **pp;

	if (!h)
		return;
	pthread_mutex_lock(&l->lock);
	for (pp = &l->loaded; *pp; pp = &(*pp)->next) {
		struct loaded *d = *pp;

		if (&d->pub != h)
			continue;
		if (--d->refs == 0) {
			*pp = d->next;
			lt_dlclose(d->dl);
			free(d->pub.name);
			free(d->pub.path);
			free(d);
		}
		break;
	}
	pthread_mutex_unlock(&l->lock);
}
