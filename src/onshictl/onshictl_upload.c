/* SPDX-License-Identifier: Apache-2.0 */
/*
 * onshictl_upload.c — read the file of `batch submit FILE` / `cert install
 * FILE` on the client side and stream it to onshid (onshictl_upload.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "onshictl_upload.h"

static const char *kind_of(mode_t m)
{
	return S_ISFIFO(m)                ? "a FIFO"
	       : S_ISDIR(m)               ? "a directory"
	       : S_ISCHR(m) || S_ISBLK(m) ? "a device"
	       : S_ISSOCK(m)              ? "a socket"
					  : "something else";
}

static int read_stdin(struct onshictl_upload *u, char *why, size_t whylen)
{
	size_t cap = 0;

	for (;;) {
		ssize_t n;

		if (u->size == cap) {
			char *g;

			cap = cap ? cap * 2 : 64 * 1024;
			if (cap > ONSHICTL_STDIN_MAX + 1)
				cap = ONSHICTL_STDIN_MAX + 1;
			if (u->size == cap) {
				snprintf(why, whylen,
					 "standard input holds more than %u bytes",
					 ONSHICTL_STDIN_MAX);
				return -1;
			}
			g = realloc(u->data, cap);
			if (!g) {
				snprintf(why, whylen,
					 "out of memory reading standard input");
				return -1;
			}
			u->data = g;
		}
		n = read(STDIN_FILENO, u->data + u->size, cap - u->size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(why, whylen, "standard input: %s", strerror(errno));
			return -1;
		}
		if (n == 0)
			return 0;
		u->size += (size_t)n;
	}
}

int onshictl_upload_open(const char *name, struct onshictl_upload *u, char *why,
			 size_t whylen)
{
	struct stat st;
	int flags;

	memset(u, 0, sizeof(*u));
	u->name = name;
	u->fd = -1;
	if (strcmp(name, "-") == 0)
		return read_stdin(u, why, whylen);
	/* O_NONBLOCK: opening a FIFO with no writer would wait forever. */
	u->fd = open(name, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (u->fd < 0) {
		snprintf(why, whylen, "%s: %s", name, strerror(errno));
		return -1;
	}
	if (fstat(u->fd, &st) < 0) {
		snprintf(why, whylen, "%s: %s", name, strerror(errno));
		onshictl_upload_close(u);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, whylen,
			 "%s is %s, not a file: give the file itself (or - for standard input)",
			 name, kind_of(st.st_mode));
		onshictl_upload_close(u);
		return -1;
	}
	flags = fcntl(u->fd, F_GETFL);
	if (flags >= 0)
		(void)fcntl(u->fd, F_SETFL, flags & ~O_NONBLOCK);
	u->size = (size_t)st.st_size;
	return 0;
}

void onshictl_upload_close(struct onshictl_upload *u)
{
	if (u->fd >= 0)
		close(u->fd);
	u->fd = -1;
	free(u->data);
	u->data = NULL;
}

/* 0, or 1 when the peer stopped reading. */
static int send_all(int sock, const char *p, size_t len)
{
	while (len) {
		ssize_t n = send(sock, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int onshictl_upload_send(int sock, const char *line, size_t linelen,
			 struct onshictl_upload *u, char *why, size_t whylen)
{
	char buf[64 * 1024];
	size_t sent = 0;

	if (send_all(sock, line, linelen))
		return 1;
	if (u->fd < 0)
		return send_all(sock, u->data, u->size);
	while (sent < u->size) {
		size_t want = u->size - sent < sizeof(buf) ? u->size - sent
							   : sizeof(buf);
		ssize_t n = read(u->fd, buf, want);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(why, whylen, "%s: %s", u->name,
				 n < 0 ? strerror(errno)
				       : "the file shrank while it was being sent");
			return -1;
		}
		if (send_all(sock, buf, (size_t)n))
			return 1;
		sent += (size_t)n;
	}
	return 0;
}
