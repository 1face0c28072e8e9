/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_pin_tty.c — the terminal PIN prompt of the pcsc plugin
 * (plugins/readers/pcsc/pin_tty.c) on a real pseudo-terminal: the patient's
 * keys are typed on the master side while the prompt reads the slave.
 * Checked: digits collected and never echoed (only '*'), backspace, Esc,
 * junk ignored, timeout, a cancel request, a hung-up terminal, a path that
 * is not a terminal, and the terminal's settings restored afterwards.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../plugins/readers/pcsc/pin_tty.h"

struct entry {
	char slave[128];
	long timeout_ms;
	volatile int cancel;
	int rc;
	char pin[16];
	char why[256];
};

static int cancelled(void *arg)
{
	return ((struct entry *)arg)->cancel;
}

static void *run_prompt(void *arg)
{
	struct entry *e = arg;

	e->rc = pcsc_pin_from_tty(e->slave, "PIN: ", e->timeout_ms, cancelled, e,
				  e->pin, sizeof(e->pin), e->why, sizeof(e->why));
	return NULL;
}

/* A pty whose slave stays open here too, so that the prompt's close does
 * not hang it up, and whose settings can be compared afterwards. */
static int open_pty(struct entry *e, int *slave_fd)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);

	assert_true(m >= 0);
	assert_int_equal(grantpt(m), 0);
	assert_int_equal(unlockpt(m), 0);
	snprintf(e->slave, sizeof(e->slave), "%s", ptsname(m));
	*slave_fd = open(e->slave, O_RDWR | O_NOCTTY);
	assert_true(*slave_fd >= 0);
	return m;
}

/* Everything the prompt wrote, until `want` shows up or 5 s pass. */
static void read_until(int m, char *out, size_t len, const char *want)
{
	size_t got = strlen(out);

	for (int i = 0; i < 50 && !strstr(out, want); i++) {
		struct pollfd pf = { .fd = m, .events = POLLIN };
		ssize_t n;

		if (poll(&pf, 1, 100) <= 0)
			continue;
		n = read(m, out + got, len - 1 - got);
		if (n > 0) {
			got += (size_t)n;
			out[got] = '\0';
		}
	}
}

static void type(int m, const char *keys)
{
	assert_int_equal(write(m, keys, strlen(keys)), (ssize_t)strlen(keys));
}

/*
 * One entry on a fresh pty: wait for the prompt, type keys, wait for the
 * prompt to return, then collect the screen until `until` shows up. The
 * master and the slave stay open for the caller (*s: the slave).
 */
static int session(struct entry *e, int *s, const char *keys, char *out,
		   size_t outlen, const char *until)
{
	pthread_t t;
	int m = open_pty(e, s);

	assert_int_equal(pthread_create(&t, NULL, run_prompt, e), 0);
	read_until(m, out, outlen, "PIN: ");
	assert_non_null(strstr(out, "PIN: "));
	type(m, keys);
	pthread_join(t, NULL);
	read_until(m, out, outlen, until);
	assert_non_null(strstr(out, until));
	return m;
}

static void test_digits_masked(void **state)
{
	struct entry e = { .timeout_ms = 5000 };
	struct termios before, after;
	char out[512] = "";
	int s, m;

	(void)state;
	/* a typo erased with backspace, letters ignored */
	m = session(&e, &s,
		    "12x9\x7f"
		    "34\r",
		    out, sizeof(out), "***\b \b**");
	assert_int_equal(e.rc, PIN_TTY_OK);
	assert_string_equal(e.pin, "1234");
	/* the digits themselves never reach the screen */
	assert_null(strpbrk(out, "0123456789"));
	/* the terminal is back as it was (echo and line editing on) */
	before.c_lflag = ECHO | ICANON;
	assert_int_equal(tcgetattr(s, &after), 0);
	assert_int_equal(after.c_lflag & before.c_lflag, before.c_lflag);
	close(s);
	close(m);
}

static void test_escape_cancels(void **state)
{
	struct entry e = { .timeout_ms = 5000 };
	char out[512] = "";
	int s, m;

	(void)state;
	m = session(&e, &s, "12\x1b", out, sizeof(out), "(cancelled)");
	assert_int_equal(e.rc, PIN_TTY_CANCELLED);
	assert_string_equal(e.why, "PIN entry cancelled");
	/* the half-typed PIN is wiped */
	assert_string_equal(e.pin, "");
	close(s);
	close(m);
}

static void test_timeout_and_cancel_request(void **state)
{
	struct entry e = { .timeout_ms = 300 };
	char out[512] = "";
	pthread_t t;
	int s, m;

	(void)state;
	m = session(&e, &s, "12", out, sizeof(out), "(timed out)");
	assert_int_equal(e.rc, PIN_TTY_TIMEOUT);
	assert_string_equal(e.pin, "");

	/* the plugin stopping (or the card removed) ends the entry */
	e.timeout_ms = 10000;
	e.cancel = 1;
	assert_int_equal(pthread_create(&t, NULL, run_prompt, &e), 0);
	pthread_join(t, NULL);
	assert_int_equal(e.rc, PIN_TTY_CANCELLED);
	close(s);
	close(m);
}

static void test_hangup(void **state)
{
	struct entry e = { .timeout_ms = 5000 };
	char out[512] = "";
	pthread_t t;
	int s, m = open_pty(&e, &s);

	(void)state;
	assert_int_equal(pthread_create(&t, NULL, run_prompt, &e), 0);
	read_until(m, out, sizeof(out), "PIN: ");
	close(m); /* the keypad's cable pulled */
	pthread_join(t, NULL);
	assert_int_equal(e.rc, PIN_TTY_ERROR);
	assert_non_null(strstr(e.why, "hung up"));
	close(s);
}

static void test_not_a_terminal(void **state)
{
	struct entry e = { .timeout_ms = 1000 };

	(void)state;
	snprintf(e.slave, sizeof(e.slave), "/dev/null");
	run_prompt(&e);
	assert_int_equal(e.rc, PIN_TTY_ERROR);
	assert_string_equal(e.why, "/dev/null is not a terminal");
	snprintf(e.slave, sizeof(e.slave), "/nonexistent/tty");
	run_prompt(&e);
	assert_int_equal(e.rc, PIN_TTY_ERROR);
	assert_non_null(strstr(e.why, "cannot open the PIN terminal /nonexistent/tty"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_digits_masked),
		cmocka_unit_test(test_escape_cancels),
		cmocka_unit_test(test_timeout_and_cancel_request),
		cmocka_unit_test(test_hangup),
		cmocka_unit_test(test_not_a_terminal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
