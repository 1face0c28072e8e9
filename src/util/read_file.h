/* SPDX-License-Identifier: Apache-2.0 */
/*
 * read_file.h — reading a whole small file into memory.
 *
 * The one loop behind the configuration reader, the certificate and key
 * loader, the plugin-signature check, the spool's record reader and the
 * simulator's PEM files; the folder plugins compile it in for
 * onshi_read_fd(). It reports what failed (the errno, the size) and
 * leaves the sentence to the caller, because each caller names the file in
 * its own words ("client certificate", "signature file") and the operator
 * messages are part of what the tests check.
 */
#ifndef ONSHI_CORE_READ_FILE_H
#define ONSHI_CORE_READ_FILE_H

#include <stddef.h>

/* flags */
#define ONSHI_READ_REGULAR 0x1  /* refuse what is not a regular file */
#define ONSHI_READ_NOFOLLOW 0x2 /* refuse a symbolic link as the last name */

/* What went wrong, for the caller's message. */
struct onshi_read_fail {
	int err;        /* errno of the call that failed, 0 when none did */
	int at_open;    /* 1: the open itself failed */
	long long size; /* size fstat reported (-1 before fstat); for ETOOBIG */
};

/*
 * Read path (relative to dirfd, or AT_FDCWD) into a malloc'd buffer with a
 * NUL after the last byte; *len is the number of bytes read. Reads to end of
 * file, so a file that grew after fstat is read as it is now.
 * Returns ONSHI_OK, or ONSHI_ENOTFOUND (open: ENOENT or ENOTDIR),
 * ONSHI_EIO (open, fstat or read failed: fail->err), ONSHI_EINVAL (not a
 * regular file, with ONSHI_READ_REGULAR), ONSHI_ETOOBIG (over max bytes),
 * ONSHI_ENOMEM. On failure *data is NULL and anything read was wiped, since
 * callers read keys. fail may be NULL.
 */
int onshi_read_file(int dirfd, const char *path, size_t max, int flags,
		    char **data, size_t *len, struct onshi_read_fail *fail);

/*
 * The reading part alone, for callers that open and check the file
 * themselves (the folder plugins): read fd to its end into a malloc'd,
 * NUL-terminated buffer. size_hint is the size fstat gave. Returns
 * ONSHI_OK, ONSHI_EIO (*err: errno), ONSHI_ETOOBIG (more than max bytes) or
 * ONSHI_ENOMEM; does not close fd.
 */
int onshi_read_fd(int fd, size_t size_hint, size_t max, char **data,
		  size_t *len, int *err);

#endif
