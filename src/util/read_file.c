/* SPDX-License-Identifier: Apache-2.0 */
/*
 * read_file.c — reading a whole small file into memory (src/util/read_file.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <onshi/error.h>

#include "read_file.h"

/* Free a buffer that may hold key material. */
static void wipe_free(char *buf, size_t cap)
{
	if (buf != NULL)
		explicit_bzero(buf, cap);
	free(buf);
}

int onshi_read_fd(int fd, size_t size_hint, size_t max, char **data,
		  size_t *len, int *err)
{
	size_t used = 0, cap;
	char *buf;

	*data = NULL;
	*len = 0;
	if (err)
		*err = 0;
	/* One byte over the size notices growth; +1 more for the NUL. */
	cap = (size_hint < max ? size_hint : max) + 2;
	buf = malloc(cap);
	if (buf == NULL)
		return ONSHI_ENOMEM;
	for (;;) {
		ssize_t r;

		if (used + 1 == cap) {
			size_t ncap = cap * 2 > max + 2 ? max + 2 : cap * 2;
			char *nb;

			if (ncap <= cap) /* already read max + 1 bytes */
				break;
			nb = malloc(ncap);
			if (nb == NULL) {
				wipe_free(buf, cap);
				return ONSHI_ENOMEM;
			}
			memcpy(nb, buf, used);
			wipe_free(buf, cap);
			buf = nb;
			cap = ncap;
		}
		r = read(fd, buf + used, cap - 1 - used);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			if (err)
				*err = errno;
			wipe_free(buf, cap);
			return ONSHI_EIO;
		}
		if (r == 0)
			break;
		used += (size_t)r;
	}
	if (used > max) {
		wipe_free(buf, cap);
		return ONSHI_ETOOBIG;
	}
	buf[used] = '\0';
	*data = buf;
	*len = used;
	return ONSHI_OK;
}

int onshi_read_file(int dirfd, const char *path, size_t max, int flags,
		    char **data, size_t *len, struct onshi_read_fail *fail)
{
	struct onshi_read_fail none;
	int oflags = O_RDONLY | O_CLOEXEC | O_NOCTTY;
	struct stat st;
	int fd, rc;

	if (fail == NULL)
		fail = &none;
	memset(fail, 0, sizeof(*fail));
	fail->size = -1;
	*data = NULL;
	*len = 0;
	if (flags & ONSHI_READ_NOFOLLOW)
		oflags |= O_NOFOLLOW;
	/* Opening a FIFO would block; it is refused below anyway. */
	if (flags & ONSHI_READ_REGULAR)
		oflags |= O_NONBLOCK;
	fd = openat(dirfd, path, oflags);
	if (fd < 0) {
		fail->err = errno;
		fail->at_open = 1;
		return fail->err == ENOENT || fail->err == ENOTDIR ? ONSHI_ENOTFOUND
								   : ONSHI_EIO;
	}
	if (fstat(fd, &st) < 0) {
		fail->err = errno;
		close(fd);
		return ONSHI_EIO;
	}
	fail->size = (long long)st.st_size;
	if ((flags & ONSHI_READ_REGULAR) && !S_ISREG(st.st_mode)) {
		close(fd);
		return ONSHI_EINVAL;
	}
	if (S_ISREG(st.st_mode) && (unsigned long long)st.st_size > max) {
		close(fd);
		return ONSHI_ETOOBIG;
	}
	rc = onshi_read_fd(fd, S_ISREG(st.st_mode) ? (size_t)st.st_size : 4094,
			   max, data, len, &fail->err);
	close(fd);
	if (rc == ONSHI_ETOOBIG && fail->size <= (long long)max)
		fail->size = (long long)max + 1; /* grew, or not a regular file */
	return rc;
}
