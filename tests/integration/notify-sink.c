/* SPDX-License-Identifier: Apache-2.0 */
/*
 * notify-sink.c — stands in for systemd's notification socket in tests:
 * binds an AF_UNIX datagram socket at PATH and prints every assignment of
 * every datagram it receives (sd_notify(3) sends "KEY=value" lines) on a
 * line of its own, flushed, until SIGTERM or SECONDS have passed.
 *
 * usage: notify-sink PATH SECONDS
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[4096];
	time_t end;
	int fd;

	if (argc != 3 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: notify-sink PATH SECONDS\n");
		return 2;
	}
	strcpy(sa.sun_path, argv[1]);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "notify-sink: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	end = time(NULL) + atoi(argv[2]);
	while (time(NULL) < end) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 200) <= 0)
			continue;
		n = recv(fd, buf, sizeof(buf) - 1, 0);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		/* One assignment per output line, as the tests grep them. */
		for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
			printf("%s\n", line);
		fflush(stdout);
	}
	unlink(argv[1]);
	return 0;
}
