/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_msg.c — onshi_set_msg(): formats into the caller's buffer, cuts a
 * long message at the buffer's size with a NUL, and does nothing for a
 * NULL or empty buffer.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "msg.h"

static void formats(void **state)
{
	char msg[64];

	(void)state;
	onshi_set_msg(msg, sizeof(msg), "%s is %d bytes", "cert.pem", 42);
	assert_string_equal(msg, "cert.pem is 42 bytes");
}

static void truncates(void **state)
{
	char msg[8];

	(void)state;
	memset(msg, 'x', sizeof(msg));
	onshi_set_msg(msg, sizeof(msg), "%s", "0123456789");
	assert_string_equal(msg, "0123456");
	onshi_set_msg(msg, 1, "%s", "abc");
	assert_string_equal(msg, "");
}

static void null_or_empty_buffer(void **state)
{
	char msg[4] = "abc";

	(void)state;
	onshi_set_msg(NULL, 10, "%s", "ignored");
	onshi_set_msg(msg, 0, "%s", "ignored");
	assert_string_equal(msg, "abc");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(formats),
		cmocka_unit_test(truncates),
		cmocka_unit_test(null_or_empty_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
