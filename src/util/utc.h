/* SPDX-License-Identifier: Apache-2.0 */
/*
 * utc.h — showing a time_t as UTC text.
 *
 * The audit log, the maintenance report and manifest messages, the
 * certificate dates and onshictl's selftest document all print UTC times;
 * this is the one place that turns a time_t into that text.
 */
#ifndef ONSHI_CORE_UTC_H
#define ONSHI_CORE_UTC_H

#include <stddef.h>
#include <time.h>

/* The formats in use: ISO-8601 with a Z, and a plain date. */
#define ONSHI_UTC_ISO8601 "%Y-%m-%dT%H:%M:%SZ"
#define ONSHI_UTC_DATE "%Y-%m-%d"
/* Room for any of them ("2026-12-06T18:13:30Z" and more). */
#define ONSHI_UTC_LEN 32

/*
 * strftime(fmt) of t in UTC into buf. Returns the length written, or 0
 * with buf empty when t is out of range or the text does not fit.
 */
size_t onshi_utc_format(char *buf, size_t len, const char *fmt, time_t t)
	__attribute__((format(strftime, 3, 0)));

#endif
