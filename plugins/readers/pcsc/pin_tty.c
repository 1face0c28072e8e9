/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pin_tty.c — pin_source = prompt:/dev/TTY: ask the patient for the PIN on
 * a terminal (a small serial display-and-keypad at the front desk, or a
 * console). The terminal is put in non-canonical mode without echo for the
 * entry, so digits are never shown: each digit echoes '*', backspace
 * erases, Enter ends, Esc cancels. The terminal's settings are restored
 * afterwards whatever happens. Only digits are collected; the caller checks
 * that there are four.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "pin_tty.h"

#define SLICE_MS 100

static long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void put(int fd, const char *s)
{
	size_t n = strlen(s);

	/* A terminal that stops taking output must not hang the read: the
	 * descriptor is non-blocking and a short write is given up. */
	while (n) {
		ssize_t w = write(fd, s, n);

		if (w <= 0 && errno != EINTR)
			return;
		if (w > 0) {
			s += w;
			n -= (size_t)w;
		}
	}
}

int pcsc_pin_from_tty(const char *path, const char *prompt, long timeout_ms,
		      int (*cancelled)(void *), void *arg, char *pin,
		      size_t len, char *why, size_t whylen)
{
	struct termios saved, raw;
	long deadline = mono_ms() + timeout_ms;
	size_t got = 0;
	int fd, rc = PIN_TTY_TIMEOUT;

	pin[0] = '\0';
	if (whylen)
		why[0] = '\0';
	fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, whylen, "cannot open the PIN terminal %s: %s",
			 path, strerror(errno));
		return PIN_TTY_ERROR;
	}
	if (!isatty(fd) || tcgetattr(fd, &saved) < 0) {
		snprintf(why, whylen, "%s is not a terminal", path);
		close(fd);
		return PIN_TTY_ERROR;
	}
	raw = saved;
	raw.c_lflag &= ~(ICANON | ECHO | ECHONL | ISIG | IEXTEN);
	raw.c_iflag &= ~(ICRNL | INLCR | IXON);
	raw.c_cc[VMIN] = 0;
	raw.c_cc[VTIME] = 0;
	if (tcsetattr(fd, TCSAFLUSH, &raw) < 0) {
		snprintf(why, whylen, "cannot set up %s: %s", path, strerror(errno));
		close(fd);
		return PIN_TTY_ERROR;
	}
	put(fd, "\r\n");
	put(fd, prompt);
	while (mono_ms() < deadline) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		unsigned char c;
		ssize_t n;

		if (cancelled && cancelled(arg)) {
			rc = PIN_TTY_CANCELLED;
			break;
		}
		if (poll(&pf, 1, SLICE_MS) <= 0)
			continue;
		if (pf.revents & (POLLHUP | POLLERR)) {
			snprintf(why, whylen, "the PIN terminal %s hung up", path);
			rc = PIN_TTY_ERROR;
			break;
		}
		n = read(fd, &c, 1);
		if (n <= 0)
			continue;
		if (c == '\r' || c == '\n') {
			rc = PIN_TTY_OK;
			break;
		}
		if (c == 0x1b) { /* Esc: the patient gives up */
			rc = PIN_TTY_CANCELLED;
			break;
		}
		if ((c == 0x7f || c == 0x08) && got) {
			pin[--got] = '\0';
			put(fd, "\b \b");
		} else if (c >= '0' && c <= '9' && got + 1 < len) {
			pin[got++] = (char)c;
			pin[got] = '\0';
			put(fd, "*");
		}
		/* Anything else (letters, escape sequences' tails) is ignored. */
	}
	put(fd, rc == PIN_TTY_OK        ? "\r\n"
		: rc == PIN_TTY_TIMEOUT ? "\r\n(timed out)\r\n"
					: "\r\n(cancelled)\r\n");
	tcsetattr(fd, TCSAFLUSH, &saved);
	close(fd);
	if (rc != PIN_TTY_OK) {
		/* Nothing of a half-typed PIN stays in memory. */
		memset(pin, 0, len);
		if (rc == PIN_TTY_CANCELLED && !*why)
			snprintf(why, whylen, "PIN entry cancelled");
	}
	return rc;
}
