/* SPDX-License-Identifier: Apache-2.0 */
/*
 * private_path.h — is a folder or file onshid keeps its own state in
 * private to it? The spool, the maintenance state and the audit log decide
 * what onshid asks the national service and which old manifests it
 * accepts: anyone who can write there could plant a request, swap a
 * record or lower the serial. Checked at start; a start that fails names
 * the path, its mode and its owner.
 */
#ifndef ONSHI_CORE_PRIVATE_PATH_H
#define ONSHI_CORE_PRIVATE_PATH_H

#include <stddef.h>

/* Who may own the path besides onshid's own user. */
enum onshi_path_owner {
	ONSHI_OWNER_SELF = 0,     /* onshid's effective user only */
	ONSHI_OWNER_SELF_OR_ROOT, /* also root (a system folder like /var/log) */
};

/*
 * ONSHI_OK when path is owned as `owner` says and writable by nobody but
 * its owner (no group or other write bit); ONSHI_EPERM otherwise, with
 * msg: "<what> <path> is writable by group or others (mode 0777, owner
 * uid 1000): <risk>; chmod/chown ...". ONSHI_ENOTFOUND when it does not
 * exist (msg set), ONSHI_EIO for other errors. Symbolic links are not
 * followed: a link is judged as the link, and refused.
 */
int onshi_private_path_check(const char *what, const char *path,
			     enum onshi_path_owner owner, const char *risk,
			     char *msg, size_t msglen);

/* The same for the folder holding path ("." for a bare name). */
int onshi_private_parent_check(const char *what, const char *path,
			       enum onshi_path_owner owner, const char *risk,
			       char *msg, size_t msglen);

#endif
