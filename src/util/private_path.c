/* SPDX-License-Identifier: Apache-2.0 */
/*
 * private_path.c — checks that onshid's state is private to it; see
 * private_path.h.
 */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <onshi/error.h>

#include "private_path.h"

/* "uid 1000 (clinic)", or just the number when it has no name. */
static void owner_name(uid_t uid, char *out, size_t outlen)
{
	struct passwd *pw = getpwuid(uid);

	if (pw != NULL && pw->pw_name != NULL)
		snprintf(out, outlen, "uid %u (%s)", (unsigned)uid, pw->pw_name);
	else
		snprintf(out, outlen, "uid %u", (unsigned)uid);
}

int onshi_private_path_check(const char *what, const char *path,
			     enum onshi_path_owner owner, const char *risk,
			     char *msg, size_t msglen)
{
	char who[96], me[96];
	struct stat st;
	uid_t self = geteuid();
	int owned;

	if (lstat(path, &st) < 0) {
		int err = errno;

		snprintf(msg, msglen, "%s %s: %s", what, path, strerror(err));
		return err == ENOENT ? ONSHI_ENOTFOUND : ONSHI_EIO;
	}
	owner_name(st.st_uid, who, sizeof(who));
	if (S_ISLNK(st.st_mode)) {
		snprintf(msg, msglen,
			 "%s %s is a symbolic link (owner %s): %s; "
			 "put the real path in the configuration",
			 what, path, who, risk);
		return ONSHI_EPERM;
	}
	owned = st.st_uid == self ||
		(owner == ONSHI_OWNER_SELF_OR_ROOT && st.st_uid == 0);
	if (!owned) {
		owner_name(self, me, sizeof(me));
		snprintf(msg, msglen,
			 "%s %s is owned by %s, not by onshid's "
			 "user %s (mode %04o): %s; chown it to onshid's user",
			 what, path, who, me, (unsigned)(st.st_mode & 07777), risk);
		return ONSHI_EPERM;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(msg, msglen,
			 "%s %s is writable by %s (mode %04o, owner "
			 "%s): %s; chmod go-w it",
			 what, path, (st.st_mode & S_IWOTH) ? "everyone" : "its group",
			 (unsigned)(st.st_mode & 07777), who, risk);
		return ONSHI_EPERM;
	}
	return ONSHI_OK;
}

int onshi_private_parent_check(const char *what, const char *path,
			       enum onshi_path_owner owner, const char *risk,
			       char *msg, size_t msglen)
{
	char *dir = strdup(path), *slash;
	int rc;

	if (dir == NULL) {
		snprintf(msg, msglen, "out of memory");
		return ONSHI_ENOMEM;
	}
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash != NULL)
		*slash = '\0';
	else
		strcpy(dir, ".");
	rc = onshi_private_path_check(what, dir, owner, risk, msg, msglen);
	free(dir);
	return rc;
}
