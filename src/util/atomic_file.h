/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atomic_file.h — write a whole file so that no reader ever sees part of it.
 *
 * Results for receipt computers (res/, face/) and reason files are read by
 * programs that poll a folder and take whatever they find: a half-written
 * file would be read as a broken answer. The data goes to a hidden
 * temporary name in the same folder, is fsynced, renamed over the final
 * name (atomic within a file system) and the folder is fsynced so that the
 * rename survives a power cut. Offered to plugins as host->write_file_atomic.
 */
#ifndef ONSHI_CORE_ATOMIC_FILE_H
#define ONSHI_CORE_ATOMIC_FILE_H

#include <stddef.h>

/*
 * Write data[0..len) to dir/name with permission bits mode (applied
 * exactly, regardless of the umask), replacing any file of that name.
 * name must be a plain base name: not empty, not "." or "..", no '/', at
 * most NAME_MAX bytes. Returns ONSHI_OK, ONSHI_EINVAL (bad name),
 * ONSHI_ENOTFOUND (dir does not exist) or ONSHI_EIO, with a sentence for the
 * operator in msg (may be NULL) that says what failed and why ("the disk is
 * full", "read-only file system", "permission denied"). No temporary file is
 * left behind on failure.
 */
int onshi_write_file_atomic(const char *dir, const char *name, const void *data,
			    size_t len, unsigned mode, char *msg, size_t msglen);

/*
 * The same, with the temporary file made in tmp_dir (NULL: in dir) and
 * renamed from there into dir. tmp_dir must be on dir's file system. A
 * watcher of dir — inotify, or a Windows client over a Samba share, whose
 * FileSystemWatcher acts on Created events only — then sees the file added
 * under its final name, never a temporary name or a rename inside dir.
 */
int onshi_write_file_staged(const char *tmp_dir, const char *dir,
			    const char *name, const void *data, size_t len,
			    unsigned mode, char *msg, size_t msglen);

/*
 * The first half of onshi_write_file_staged(), for a caller that makes
 * the file durable later (group_commit.h): the temporary file is created
 * in tmp_dir (NULL: dir) and written, not flushed; out holds it open
 * (fd), its folder (tmp_dirfd, the same fd as dirfd when tmp_dir is NULL)
 * and the target folder (dirfd), all of which the caller then owns, and
 * its name. Same errors and messages; nothing is left behind on failure.
 */
struct onshi_unflushed_file {
	int fd, tmp_dirfd, dirfd;
	char tmp_name[64];
};
int onshi_write_file_unflushed(const char *tmp_dir, const char *dir,
			       const char *name, const void *data, size_t len,
			       unsigned mode, struct onshi_unflushed_file *out,
			       char *msg, size_t msglen);

#endif
