/* SPDX-License-Identifier: Apache-2.0 */
/*
 * onshictl_conn.c — onshictl's side of the control socket: connect (saying
 * why not, in words an operator can act on), send a request line (and the
 * body of an upload), read the "N message" header and its N lines. Apart
 * from main() so that every command family sends through the same code.
 * It also holds the one-line usage error each family reports with.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "onshictl.h"
#include "onshictl_upload.h"

int onshictl_bad_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("onshictl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (onshictl -h lists the commands)\n", stderr);
	return EXIT_USAGE;
}

static int connect_socket(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "onshictl: socket path too long: %s\n", path);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		if (e == ENOENT)
			fprintf(stderr,
				"onshictl: cannot reach onshid at %s: no such socket (is onshid running? see systemctl status onshid; or point -s / ONSHI_SOCKET at its [control] socket)\n",
				path);
		else if (e == ECONNREFUSED)
			fprintf(stderr,
				"onshictl: cannot reach onshid at %s: connection refused, the socket is left from an onshid that stopped (is onshid running? see systemctl status onshid)\n",
				path);
		else if (e == EACCES || e == EPERM)
			fprintf(stderr,
				"onshictl: cannot reach onshid at %s: permission denied: run as root, or as a member of the control group ([control] group in onshid.ini, usually 'onshi': sudo usermod -aG onshi $USER, then log in again)\n",
				path);
		else if (e == ENOTSOCK || e == ENOTDIR)
			fprintf(stderr,
				"onshictl: cannot reach onshid at %s: not a socket (check -s / ONSHI_SOCKET against [control] socket in onshid.ini)\n",
				path);
		else
			fprintf(stderr, "onshictl: cannot reach onshid at %s: %s\n",
				path, strerror(e));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/*
 * Read until the header's N lines have arrived (or the peer closes). Lines
 * are counted as bytes arrive, each byte looked at once: a batch's reply
 * of 100,000 lines is read in linear time.
 */
static int read_reply(int fd, struct onshi_strbuf *in, struct reply *r)
{
	char buf[65536];
	size_t scanned = 0; /* bytes of in already counted */
	long have = -1;     /* lines after the header; -1: header not yet */
	char *nl;

	memset(r, 0, sizeof(*r));
	for (;;) {
		if (have < 0 && in->len && (nl = memchr(in->data, '\n', in->len))) {
			char *end;

			r->count = strtol(in->data, &end, 10);
			if (end == in->data || (*end != ' ' && *end != '\n'))
				return -1;
			if (r->count < 0)
				break;
			have = 0;
			scanned = (size_t)(nl + 1 - in->data);
		}
		if (have >= 0) {
			for (char *p = in->data + scanned;
			     (p = memchr(p, '\n', in->len - (size_t)(p - in->data)));
			     p++)
				have++;
			scanned = in->len;
			if (have >= r->count)
				break;
		}
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		onshi_strbuf_append(in, buf, (size_t)n);
		if (in->failed)
			return -1;
	}
	/* Split in place. */
	nl = strchr(in->data, '\n');
	*nl = '\0';
	r->message = strchr(in->data, ' ');
	r->message = r->message ? r->message + 1 : (char *)"";
	if (r->count > 0) {
		char *p = nl + 1;

		r->lines = calloc((size_t)r->count, sizeof(*r->lines));
		if (!r->lines)
			return -1;
		for (long i = 0; i < r->count; i++) {
			char *e = strchr(p, '\n');

			*e = '\0';
			r->lines[i] = p;
			p = e + 1;
		}
	}
	return 0;
}

/* onshid hung up before a whole reply: say who it serves, where to look. */
static int no_reply(const char *sock)
{
	fprintf(stderr,
		"onshictl: onshid on %s closed the connection without a complete reply (it serves only root, its own user and its [control] group; its log says why)\n",
		sock);
	return EXIT_BADREPLY;
}

/* Send one request line and read its reply on a new connection. */
int onshictl_exchange(const char *sock, const struct onshi_strbuf *req,
		      struct onshi_strbuf *in, struct reply *r)
{
	int fd = connect_socket(sock);

	if (fd < 0)
		return EXIT_UNREACHABLE;
	if (write(fd, req->data, req->len) != (ssize_t)req->len ||
	    read_reply(fd, in, r) < 0) {
		close(fd);
		return no_reply(sock);
	}
	close(fd);
	return 0;
}

/*
 * onshictl_exchange() for a request with a body: the file is read here, with the
 * caller's rights, and streamed after the line (onshictl_upload.h). The
 * reply is read even when onshid stopped reading early: it says why.
 */
int onshictl_exchange_upload(const char *sock, const struct onshi_strbuf *req,
			     struct onshictl_upload *u, struct onshi_strbuf *in,
			     struct reply *r)
{
	char why[512];
	int fd = connect_socket(sock), sent;

	if (fd < 0)
		return EXIT_UNREACHABLE;
	sent = onshictl_upload_send(fd, req->data, req->len, u, why, sizeof(why));
	if (sent < 0) {
		fprintf(stderr, "onshictl: %s\n", why);
		close(fd);
		return EXIT_USAGE;
	}
	if (read_reply(fd, in, r) < 0) {
		close(fd);
		return no_reply(sock);
	}
	close(fd);
	return 0;
}
