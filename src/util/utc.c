/* SPDX-License-Identifier: Apache-2.0 */
/*
 * utc.c — showing a time_t as UTC text (src/util/utc.h).
 */
#include "config.h"

#include "utc.h"

size_t onshi_utc_format(char *buf, size_t len, const char *fmt, time_t t)
{
	struct tm tm;
	size_t n;

	if (len == 0)
		return 0;
	buf[0] = '\0';
	if (gmtime_r(&t, &tm) == NULL)
		return 0;
		/* fmt is checked at each call (the strftime attribute in utc.h). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	n = strftime(buf, len, fmt, &tm);
#pragma GCC diagnostic pop
	if (n == 0)
		buf[0] = '\0'; /* strftime leaves it undefined */
	return n;
}
