/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_utc.c — onshi_utc_format(): ISO-8601 and date text in UTC whatever
 * TZ says, and an empty string (return 0) when the text does not fit or the
 * time cannot be shown.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "utc.h"

static void iso8601_and_date(void **state)
{
	char buf[ONSHI_UTC_LEN];

	(void)state;
	setenv("TZ", "Asia/Tokyo", 1);
	tzset();
	assert_int_equal(onshi_utc_format(buf, sizeof(buf), ONSHI_UTC_ISO8601,
					  (time_t)1796580000),
			 20);
	assert_string_equal(buf, "2026-12-06T18:00:00Z");
	onshi_utc_format(buf, sizeof(buf), ONSHI_UTC_DATE, (time_t)0);
	assert_string_equal(buf, "1970-01-01");
}

static void too_small_or_out_of_range(void **state)
{
	char buf[ONSHI_UTC_LEN];

	(void)state;
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(onshi_utc_format(buf, 20, ONSHI_UTC_ISO8601, 0), 0);
	assert_string_equal(buf, "");
	assert_int_equal(onshi_utc_format(buf, 0, ONSHI_UTC_ISO8601, 0), 0);
	if (sizeof(time_t) > 4) {
		memset(buf, 'x', sizeof(buf));
		/* A year past INT_MAX: gmtime_r fails. */
		assert_int_equal(onshi_utc_format(buf, sizeof(buf), ONSHI_UTC_ISO8601,
						  (time_t)INT64_MAX),
				 0);
		assert_string_equal(buf, "");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(iso8601_and_date),
		cmocka_unit_test(too_small_or_out_of_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
