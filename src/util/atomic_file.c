/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atomic_file.c — whole-file writes that readers see complete or not at all:
 * hidden temporary name in the target folder (or in a staging folder beside
 * it), write, fsync, rename, fsync of the folder. See atomic_file.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <onshi/error.h>

#include "atomic_file.h"
#include "msg.h"

#ifndef NAME_MAX
#define NAME_MAX 255
#endif

/* How many temporary names to try before giving up (each is random). */
#define TEMP_ATTEMPTS 16

/* What an operator should make of the usual failures. */
static const char *errno_hint(int err)
{
	switch (err) {
	case ENOSPC:
	case EDQUOT:
		return " (the disk is full or over quota: free some space)";
	case EROFS: return " (the file system is mounted read-only)";
	case EACCES:
	case EPERM: return " (check the folder's owner and permissions)";
	default: return "";
	}
}

static int check_name(const char *name, char *msg, size_t msglen)
{
	size_t n;

	if (name == NULL || name[0] == '\0') {
		onshi_set_msg(msg, msglen, "cannot write a file with an empty name");
		return ONSHI_EINVAL;
	}
	n = strlen(name);
	if (strchr(name, '/') != NULL || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0) {
		onshi_set_msg(msg, msglen,
			      "cannot write '%.64s': not a plain file name", name);
		return ONSHI_EINVAL;
	}
	if (n > NAME_MAX) {
		onshi_set_msg(msg, msglen,
			      "cannot write '%.64s...': the name is %zu "
			      "bytes, over %d",
			      name, n, NAME_MAX);
		return ONSHI_EINVAL;
	}
	return ONSHI_OK;
}

/* A different suffix each call, without global state: time, pid, stack. */
static unsigned long temp_suffix(unsigned attempt)
{
	struct timespec ts;
	uintptr_t here = (uintptr_t)&ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((unsigned long)ts.tv_nsec * 2654435761ul) ^
	       ((unsigned long)getpid() << 16) ^ (unsigned long)here ^
	       ((unsigned long)attempt * 40503ul);
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Open a folder for *at() calls; on failure the message names the target. */
static int open_dir(const char *path, const char *dir, const char *name,
		    char *msg, size_t msglen, int *rc)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), err;

	if (fd >= 0)
		return fd;
	err = errno;
	onshi_set_msg(msg, msglen,
		      "cannot write %s/%s: cannot open the folder %s: "
		      "%s%s",
		      dir, name, path, strerror(err), errno_hint(err));
	*rc = err == ENOENT ? ONSHI_ENOTFOUND : ONSHI_EIO;
	return -1;
}

int onshi_write_file_atomic(const char *dir, const char *name, const void *data,
			    size_t len, unsigned mode, char *msg, size_t msglen)
{
	return onshi_write_file_staged(NULL, dir, name, data, len, mode, msg, msglen);
}

/*
 * The first half of a staged write: check the name, open the folders,
 * create the temporary file and write data to it (not flushed). On success
 * out holds the open file and folders; on failure nothing is left behind.
 */
static int write_unflushed(const char *tmp_dir, const char *dir,
			   const char *name, const void *data, size_t len,
			   unsigned mode, struct onshi_unflushed_file *out,
			   char *msg, size_t msglen)
{
	const char *step;
	int dfd, tfd, fd = -1, err, rc;
	unsigned attempt;

	out->fd = out->tmp_dirfd = out->dirfd = -1;
	rc = check_name(name, msg, msglen);
	if (rc != ONSHI_OK)
		return rc;
	dfd = open_dir(dir, dir, name, msg, msglen, &rc);
	if (dfd < 0)
		return rc;
	tfd = dfd;
	if (tmp_dir != NULL) {
		tfd = open_dir(tmp_dir, dir, name, msg, msglen, &rc);
		if (tfd < 0) {
			close(dfd);
			return rc;
		}
	}
	for (attempt = 0; attempt < TEMP_ATTEMPTS; attempt++) {
		/* Hidden, so that folder pollers skip it; keeps a readable prefix. */
		snprintf(out->tmp_name, sizeof(out->tmp_name), ".%.40s.%08lx.tmp",
			 name, temp_suffix(attempt) & 0xfffffffful);
		fd = openat(tfd, out->tmp_name,
			    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			    0600);
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	if (fd < 0) {
		err = errno;
		onshi_set_msg(msg, msglen,
			      "cannot write %s/%s: cannot create a "
			      "temporary file: %s%s",
			      dir, name, strerror(err), errno_hint(err));
		goto close_dirs;
	}
	step = "cannot set its mode";
	/* Exactly mode: the daemon's umask must not hide results from readers. */
	if (fchmod(fd, (mode_t)(mode & 07777)) < 0)
		goto fail;
	step = "cannot write it";
	if (write_all(fd, data, len) < 0)
		goto fail;
	out->fd = fd;
	out->tmp_dirfd = tfd;
	out->dirfd = dfd;
	return ONSHI_OK;
fail:
	err = errno;
	close(fd);
	unlinkat(tfd, out->tmp_name, 0);
	onshi_set_msg(msg, msglen, "cannot write %s/%s: %s: %s%s", dir, name,
		      step, strerror(err), errno_hint(err));
close_dirs:
	if (tfd != dfd)
		close(tfd);
	close(dfd);
	return ONSHI_EIO;
}

int onshi_write_file_unflushed(const char *tmp_dir, const char *dir,
			       const char *name, const void *data, size_t len,
			       unsigned mode, struct onshi_unflushed_file *out,
			       char *msg, size_t msglen)
{
	return write_unflushed(tmp_dir, dir, name, data, len, mode, out, msg, msglen);
}

int onshi_write_file_staged(const char *tmp_dir, const char *dir,
			    const char *name, const void *data, size_t len,
			    unsigned mode, char *msg, size_t msglen)
{
	struct onshi_unflushed_file f;
	const char *step;
	int err, rc;

	rc = write_unflushed(tmp_dir, dir, name, data, len, mode, &f, msg, msglen);
	if (rc != ONSHI_OK)
		return rc;
	rc = ONSHI_EIO; /* until the file is in place */
	step = "cannot flush it to disk";
	if (fsync(f.fd) < 0)
		goto fail;
	/* close() can report a delayed write error (NFS, CIFS). */
	step = "cannot close it";
	err = close(f.fd);
	f.fd = -1;
	if (err < 0)
		goto fail;
	step = "cannot rename it into place";
	if (renameat(f.tmp_dirfd, f.tmp_name, f.dirfd, name) < 0)
		goto fail;
	/* Only the target folder: a temp name that comes back in the staging
	 * folder after a power cut is swept by its owner. */
	if (fsync(f.dirfd) < 0) {
		/* The file is complete and in place; only durability is unsure. */
		err = errno;
		onshi_set_msg(msg, msglen,
			      "wrote %s/%s but could not flush the folder: "
			      "%s%s",
			      dir, name, strerror(err), errno_hint(err));
		goto close_dirs;
	}
	if (msg != NULL && msglen > 0)
		msg[0] = '\0';
	rc = ONSHI_OK;
	goto close_dirs;
fail:
	err = errno;
	if (f.fd >= 0)
		close(f.fd);
	unlinkat(f.tmp_dirfd, f.tmp_name, 0);
	onshi_set_msg(msg, msglen, "cannot write %s/%s: %s: %s%s", dir, name,
		      step, strerror(err), errno_hint(err));
close_dirs:
	if (f.tmp_dirfd != f.dirfd)
		close(f.tmp_dirfd);
	close(f.dirfd);
	return rc;
}
