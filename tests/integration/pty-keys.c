/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pty-keys.c — a patient at a terminal, for tests: opens a pseudo-terminal,
 * links its slave at LINK (the device a plugin is configured with), waits
 * until the text written to the terminal contains WAIT, then types KEYS;
 * everything written to the terminal is copied to stdout, so a test can
 * check what the patient saw. Ends after SECONDS or on SIGTERM.
 *
 * usage: pty-keys LINK WAIT KEYS SECONDS
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t done;

static void on_term(int sig)
{
	(void)sig;
	done = 1;
}

int main(int argc, char **argv)
{
	char seen[8192] = "";
	size_t got = 0;
	int m, s, typed = 0;
	time_t end;

	if (argc != 5) {
		fprintf(stderr, "usage: pty-keys LINK WAIT KEYS SECONDS\n");
		return 2;
	}
	signal(SIGTERM, on_term);
	m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0) {
		perror("pty-keys: posix_openpt");
		return 1;
	}
	/* Held open so the terminal is not hung up between users. */
	s = open(ptsname(m), O_RDWR | O_NOCTTY | O_CLOEXEC);
	unlink(argv[1]);
	if (s < 0 || symlink(ptsname(m), argv[1]) < 0) {
		fprintf(stderr, "pty-keys: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	end = time(NULL) + atoi(argv[4]);
	while (!done && time(NULL) < end) {
		struct pollfd pf = { .fd = m, .events = POLLIN };
		ssize_t n;

		if (poll(&pf, 1, 100) <= 0)
			continue;
		n = read(m, seen + got, sizeof(seen) - 1 - got);
		if (n <= 0)
			continue;
		fwrite(seen + got, 1, (size_t)n, stdout);
		fflush(stdout);
		got += (size_t)n;
		seen[got] = '\0';
		if (!typed && strstr(seen, argv[2])) {
			if (write(m, argv[3], strlen(argv[3])) < 0)
				perror("pty-keys: write");
			typed = 1;
		}
		if (got == sizeof(seen) - 1)
			got = 0; /* keep reading; only the newest text is matched */
	}
	unlink(argv[1]);
	close(s);
	close(m);
	return 0;
}
