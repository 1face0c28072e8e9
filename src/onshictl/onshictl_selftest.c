/* SPDX-License-Identifier: Apache-2.0 */
/*
 * onshictl_selftest.c — how `onshictl selftest` shows onshid's SELFTEST
 * reply: a line per check for people, or (-o xml) one document for scripts
 * (etc/xsd/onshi-selftest.xsd), and an exit status a script can act on:
 * 0 every check OK, 1 a WARN, 2 a FAIL.
 *
 * The checks themselves run inside onshid (control_selftest.c): only the
 * daemon's user can say whether the daemon can write a folder.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "onshictl_selftest.h"
#include "status_kv.h"
#include "utc.h"

#define MAX_FIELDS 8

/* Length of the valid UTF-8 sequence at s, or 0. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n = s[0] < 0x80             ? 1
		   : (s[0] & 0xE0) == 0xC0 ? 2
		   : (s[0] & 0xF0) == 0xE0 ? 3
		   : (s[0] & 0xF8) == 0xF0 ? 4
					   : 0;

	if (n == 0 || (n == 2 && s[0] < 0xC2) || (n == 4 && s[0] > 0xF4))
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	return n;
}

/*
 * An attribute value: details carry folder names and server texts that
 * may hold anything; the document must stay well-formed UTF-8.
 */
static void put_attr(const char *name, const char *value)
{
	const unsigned char *p = (const unsigned char *)value;

	printf(" %s=\"", name);
	while (*p) {
		size_t n = utf8_len(p);

		if (n == 0) {
			putchar('?'); /* not UTF-8: a byte of a foreign name */
			p++;
			continue;
		}
		if (*p == '&')
			fputs("&amp;", stdout);
		else if (*p == '<')
			fputs("&lt;", stdout);
		else if (*p == '>')
			fputs("&gt;", stdout);
		else if (*p == '"')
			fputs("&quot;", stdout);
		else if (*p < 0x20 || *p == 0x7F)
			putchar(' ');
		else
			fwrite(p, 1, n, stdout);
		p += n;
	}
	putchar('"');
}

static int level_of(const char *result)
{
	if (result && strcmp(result, "OK") == 0)
		return 0;
	if (result && strcmp(result, "WARN") == 0)
		return 1;
	if (result && strcmp(result, "FAIL") == 0)
		return 2;
	return -1;
}

int onshictl_selftest_show(char **lines, long count, int xml)
{
	static const char *const words[] = { "OK", "WARN", "FAIL" };
	struct onshi_kv f[MAX_FIELDS];
	int worst = 0, n;
	char when[32];
	time_t now = time(NULL);

	/* Judge every line first: a malformed one spoils no half document. */
	for (long i = 0; i < count; i++) {
		char copy[8192];
		int l;

		snprintf(copy, sizeof(copy), "%s", lines[i]);
		n = onshi_kv_parse(copy, f, MAX_FIELDS);
		l = n < 0 ? -1 : level_of(onshi_kv_get(f, n, "result"));
		if (l < 0 || !onshi_kv_get(f, n, "check") ||
		    !onshi_kv_get(f, n, "detail"))
			return ONSHICTL_SELFTEST_BADREPLY;
		if (l > worst)
			worst = l;
	}
	if (xml) {
		onshi_utc_format(when, sizeof(when), ONSHI_UTC_ISO8601, now);
		printf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		       "<selftest xmlns=\"urn:onshi:selftest:1\"");
		put_attr("result", words[worst]);
		put_attr("time", when);
		printf(">\n");
	}
	for (long i = 0; i < count; i++) {
		const char *advice;

		n = onshi_kv_parse(lines[i], f, MAX_FIELDS);
		advice = onshi_kv_get(f, n, "advice");
		if (xml) {
			printf("  <check");
			put_attr("name", onshi_kv_get(f, n, "check"));
			put_attr("result", onshi_kv_get(f, n, "result"));
			put_attr("detail", onshi_kv_get(f, n, "detail"));
			if (advice)
				put_attr("advice", advice);
			printf("/>\n");
			continue;
		}
		printf("%-4s  %-22s %s%s%s\n", onshi_kv_get(f, n, "result"),
		       onshi_kv_get(f, n, "check"), onshi_kv_get(f, n, "detail"),
		       advice ? " — " : "", advice ? advice : "");
	}
	if (xml)
		printf("</selftest>\n");
	return worst;
}
