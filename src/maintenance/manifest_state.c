/* SPDX-License-Identifier: Apache-2.0 */
/*
 * manifest_state.c — a parsed manifest against this installation: the
 * check (serial newer than the last applied, institution served, NotAfter
 * not passed, modules known) and the state file that keeps the last
 * applied serial. See manifest.h for the contract and docs/maintenance.md
 * for every refusal.
 *
 * Apart from manifest.c because that file reads only the manifest's bytes;
 * this one reads what this installation holds — its institutions, modules,
 * clock and serial state file — which a tampered or lowered copy would
 * turn into a replay.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <onshi/error.h>

#include "atomic_file.h"
#include "manifest.h"
#include "manifest_internal.h"
#include "msg.h"
#include "utc.h"

/* A state file is one serial and a newline; more is corruption. */
#define STATE_FILE_MAX 32

/* ---- checking against this installation ---- */

static void format_utc(time_t t, char buf[32])
{
	if (onshi_utc_format(buf, 32, ONSHI_UTC_ISO8601, t) == 0)
		snprintf(buf, 32, "@%lld", (long long)t);
}

int onshi_manifest_check(const struct onshi_manifest *m, uint64_t last_serial,
			 const char *const *institution_codes, size_t ncodes,
			 const char *const *known_modules, size_t nmodules,
			 time_t now, char *msg, size_t msglen)
{
	char when[32];
	size_t i, j;

	if (m == NULL || (institution_codes == NULL && ncodes > 0) ||
	    (known_modules == NULL && nmodules > 0)) {
		onshi_set_msg(msg, msglen,
			      "manifest check called without a manifest or lists");
		return ONSHI_EINVAL;
	}
	if (m->serial <= last_serial) {
		onshi_set_msg(msg, msglen,
			      "serial %" PRIu64 " is not newer than the last "
			      "applied %" PRIu64 ": %s manifest is refused",
			      m->serial, last_serial,
			      m->serial == last_serial ? "a replayed"
						       : "an older (rollback)");
		return ONSHI_ESTATE;
	}
	for (i = 0; i < ncodes; i++)
		if (institution_codes[i] != NULL &&
		    strcmp(institution_codes[i], m->institution_code) == 0)
			break;
	if (i == ncodes) {
		onshi_set_msg(msg, msglen,
			      "the manifest is for institution %s, which this "
			      "installation does not serve (%s%s%s)",
			      m->institution_code,
			      ncodes == 0 ? "no institution configured" : "it serves ",
			      ncodes > 0 && institution_codes[0]
				      ? institution_codes[0]
				      : "",
			      ncodes > 1 ? " and others" : "");
		return ONSHI_EPERM;
	}
	/* NotAfter is the last valid second: equal is still in time. */
	if (now > m->not_after) {
		format_utc(now, when);
		onshi_set_msg(msg, msglen,
			      "the manifest expired at %s (NotAfter) and it is "
			      "now %s: ask for a freshly signed one",
			      m->not_after_text, when);
		return ONSHI_ETIMEOUT;
	}
	for (i = 0; i < m->n_entries; i++) {
		for (j = 0; j < nmodules; j++)
			if (known_modules[j] != NULL &&
			    strcmp(known_modules[j], m->entries[i].module) == 0)
				break;
		if (j == nmodules) {
			onshi_set_msg(msg, msglen,
				      "unknown module %s: no such module is "
				      "configured here, so the whole manifest is refused",
				      m->entries[i].module);
			return ONSHI_ENOTFOUND;
		}
	}
	manifest_clear_msg(msg, msglen);
	return ONSHI_OK;
}

/* ---- the last applied serial ---- */

int onshi_manifest_state_load(const char *path, uint64_t *serial, char *msg,
			      size_t msglen)
{
	char buf[STATE_FILE_MAX + 1];
	uint64_t v = 0;
	size_t used = 0, i;
	struct stat st;
	ssize_t r;
	int fd, err;

	if (path == NULL || serial == NULL) {
		onshi_set_msg(msg, msglen,
			      "manifest state load called without a path");
		return ONSHI_EINVAL;
	}
	*serial = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		err = errno;
		if (err == ENOENT) {
			manifest_clear_msg(msg, msglen);
			return ONSHI_OK;
		}
		if (err == ELOOP) {
			onshi_set_msg(msg, msglen,
				      "manifest state file %s is a symbolic link: "
				      "refused, as anyone who can point it elsewhere could "
				      "lower the serial",
				      path);
			return ONSHI_EPERM;
		}
		onshi_set_msg(msg, msglen, "cannot read manifest state file %s: %s",
			      path, strerror(err));
		return ONSHI_EIO;
	}
	if (fstat(fd, &st) < 0) {
		err = errno;
		close(fd);
		onshi_set_msg(msg, msglen, "cannot read manifest state file %s: %s",
			      path, strerror(err));
		return ONSHI_EIO;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		onshi_set_msg(msg, msglen,
			      "manifest state file %s is not a regular file", path);
		return ONSHI_EIO;
	}
	/* Whoever can write it can lower the serial and replay old manifests. */
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		close(fd);
		onshi_set_msg(msg, msglen,
			      "manifest state file %s is writable by group or "
			      "others (mode %03o): refused; chmod 600 it",
			      path, (unsigned)(st.st_mode & 0777));
		return ONSHI_EPERM;
	}
	while (used < sizeof(buf)) {
		r = read(fd, buf + used, sizeof(buf) - used);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = errno;
			close(fd);
			onshi_set_msg(msg, msglen,
				      "cannot read manifest state file %s: %s",
				      path, strerror(err));
			return ONSHI_EIO;
		}
		if (r == 0)
			break;
		used += (size_t)r;
	}
	close(fd);
	if (used == sizeof(buf))
		goto corrupt;
	/* Exactly digits and one newline; "0" only by itself. */
	if (used < 2 || buf[used - 1] != '\n' ||
	    used - 1 > MANIFEST_SERIAL_DIGITS_MAX || (buf[0] == '0' && used != 2))
		goto corrupt;
	for (i = 0; i < used - 1; i++) {
		unsigned d = (unsigned)(buf[i] - '0');

		if (buf[i] < '0' || buf[i] > '9' ||
		    v > (ONSHI_MANIFEST_SERIAL_MAX - d) / 10)
			goto corrupt;
		v = v * 10 + d;
	}
	*serial = v;
	manifest_clear_msg(msg, msglen);
	return ONSHI_OK;
corrupt:
	onshi_set_msg(msg, msglen,
		      "manifest state file %s is corrupt (%zu bytes, not one "
		      "serial and a newline): refusing manifests rather than starting "
		      "again from serial 0; restore it, or write the last applied serial "
		      "into it",
		      path, used == sizeof(buf) ? (size_t)st.st_size : used);
	return ONSHI_EINVAL;
}

int onshi_manifest_state_save(const char *path, uint64_t serial, char *msg,
			      size_t msglen)
{
	char dir[PATH_MAX], text[32];
	const char *slash, *name;
	size_t dlen;
	int n;

	if (path == NULL) {
		onshi_set_msg(msg, msglen,
			      "manifest state save called without a path");
		return ONSHI_EINVAL;
	}
	if (serial > ONSHI_MANIFEST_SERIAL_MAX) {
		onshi_set_msg(msg, msglen,
			      "serial %" PRIu64 " is over the maximum %" PRIu64,
			      serial, ONSHI_MANIFEST_SERIAL_MAX);
		return ONSHI_EINVAL;
	}
	slash = strrchr(path, '/');
	if (slash == NULL) {
		snprintf(dir, sizeof(dir), ".");
		name = path;
	} else {
		dlen = (size_t)(slash - path);
		if (dlen == 0)
			dlen = 1; /* "/file": the folder is "/" */
		if (dlen >= sizeof(dir)) {
			onshi_set_msg(msg, msglen, "manifest state path is too long");
			return ONSHI_EINVAL;
		}
		memcpy(dir, path, dlen);
		dir[dlen] = '\0';
		name = slash + 1;
	}
	if (name[0] == '\0') {
		onshi_set_msg(msg, msglen,
			      "manifest state path %s names a folder, not a file",
			      path);
		return ONSHI_EINVAL;
	}
	n = snprintf(text, sizeof(text), "%" PRIu64 "\n", serial);
	return onshi_write_file_atomic(dir, name, text, (size_t)n, 0600, msg, msglen);
}
