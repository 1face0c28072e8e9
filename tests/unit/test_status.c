/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_status.c — the status page's pieces that must not be wrong: HTML
 * escaping of untrusted text, reading key=value lines back, and the
 * listen address check (loopback or not).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "status.h"
#include "status_listen.h"

/* The escaped text, in a static buffer (valgrind: freed at exit). */
static char out[1024];

static char *escaped(const char *s)
{
	struct onshi_strbuf b = { 0 };

	onshi_html_escape(&b, s);
	snprintf(out, sizeof(out), "%s", b.data ? b.data : "");
	onshi_strbuf_free(&b);
	return out;
}

static void test_escape_markup(void **state)
{
	(void)state;
	assert_string_equal(escaped("<script>alert('x')</script>"),
			    "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
	assert_string_equal(escaped("a & b \"q\""), "a &amp; b &quot;q&quot;");
	assert_string_equal(escaped("&amp;"), "&amp;amp;");
	assert_string_equal(escaped(""), "");
	assert_string_equal(escaped(NULL), "");
}

static void test_escape_bytes(void **state)
{
	(void)state;
	/* Japanese passes as it is. */
	assert_string_equal(escaped("髙木　拓也 ｲﾉｳｴ"), "髙木　拓也 ｲﾉｳｴ");
	/* Control characters become spaces (no header/line tricks). */
	assert_string_equal(escaped("a\nb\rc\td\x7f"), "a b c d ");
	/* Not UTF-8 (Shift_JIS, a lone continuation byte, an overlong '<',
	 * a surrogate, a truncated sequence) becomes U+FFFD, never '<'. */
	assert_string_equal(escaped("\x82\xa0"), "\xef\xbf\xbd\xef\xbf\xbd");
	assert_string_equal(escaped("\xc0\xbc"), "\xef\xbf\xbd\xef\xbf\xbd");
	assert_string_equal(escaped("\xed\xa0\x80"),
			    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	assert_string_equal(escaped("x\xe3\x81"), "x\xef\xbf\xbd\xef\xbf\xbd");
	assert_null(strchr(escaped("\xc0\xbcscript\xc0\xbe"), '<'));
}

static void test_kv(void **state)
{
	char line[] = "module=reader:desk state=running status=\"3 reads, \\\"ok\\\" \\\\ x=y\" n=";
	struct onshi_kv f[8];
	int n = onshi_kv_parse(line, f, 8);

	(void)state;
	assert_int_equal(n, 4);
	assert_string_equal(onshi_kv_get(f, n, "module"), "reader:desk");
	assert_string_equal(onshi_kv_get(f, n, "state"), "running");
	assert_string_equal(onshi_kv_get(f, n, "status"), "3 reads, \"ok\" \\ x=y");
	assert_string_equal(onshi_kv_get(f, n, "n"), "");
	assert_null(onshi_kv_get(f, n, "missing"));
	{
		char bad[] = "key=\"unterminated";
		char bad2[] = "novalue other=1";

		assert_int_equal(onshi_kv_parse(bad, f, 8), -1);
		assert_int_equal(onshi_kv_parse(bad2, f, 8), -1);
	}
}

static int listen_ok(const char *s, int *loopback)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char why[256];

	return onshi_status_parse_listen(s, &ss, &len, loopback, why, sizeof(why));
}

static void test_listen(void **state)
{
	int lo;

	(void)state;
	assert_int_equal(listen_ok("127.0.0.1:8089", &lo), 0);
	assert_true(lo);
	assert_int_equal(listen_ok("127.1.2.3:1", &lo), 0);
	assert_true(lo);
	assert_int_equal(listen_ok("[::1]:8089", &lo), 0);
	assert_true(lo);
	assert_int_equal(listen_ok("0.0.0.0:8089", &lo), 0);
	assert_false(lo);
	assert_int_equal(listen_ok("192.168.1.10:80", &lo), 0);
	assert_false(lo);
	assert_int_equal(listen_ok("[::]:8089", &lo), 0);
	assert_false(lo);
	/* port 0: any free port, named by onshictl status */
	assert_int_equal(listen_ok("127.0.0.1:0", &lo), 0);
	assert_true(lo);
	/* Refused: names, no port, bad ports, junk. */
	assert_int_equal(listen_ok("localhost:8089", &lo), -1);
	assert_int_equal(listen_ok("127.0.0.1", &lo), -1);
	assert_int_equal(listen_ok("127.0.0.1:-1", &lo), -1);
	assert_int_equal(listen_ok("127.0.0.1:65536", &lo), -1);
	assert_int_equal(listen_ok("127.0.0.1:80x", &lo), -1);
	assert_int_equal(listen_ok(":8089", &lo), -1);
	assert_int_equal(listen_ok("[::1:8089", &lo), -1);
	assert_int_equal(listen_ok("::1:8089", &lo), -1);
}

/* The counts start again at local midnight, not at UTC midnight. */
static void test_midnight(void **state)
{
	struct onshi_counts c = { 0 };
	/* 2026-11-25 14:59:59 UTC = 23:59:59 in Tokyo (UTC+9, no DST). */
	time_t before = 1795618799, after = before + 1;

	(void)state;
	setenv("TZ", "JST-9", 1); /* POSIX form: no tzdata needed */
	tzset();
	onshi_counts_roll(&c, before);
	assert_int_equal(c.day, 20261125);
	c.valid = 41;
	c.card_face = 30;
	onshi_counts_roll(&c, before);
	assert_int_equal(c.valid, 41); /* same day: kept */
	onshi_counts_roll(&c, after);
	assert_int_equal(c.day, 20261126);
	assert_int_equal(c.valid, 0);
	assert_int_equal(c.card_face, 0);
	/* In UTC the same instants are one day: nothing is reset. */
	setenv("TZ", "UTC0", 1);
	tzset();
	c.valid = 3;
	c.day = 0;
	onshi_counts_roll(&c, before);
	c.valid = 3;
	onshi_counts_roll(&c, after);
	assert_int_equal(c.valid, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_markup),
		cmocka_unit_test(test_escape_bytes),
		cmocka_unit_test(test_kv),
		cmocka_unit_test(test_listen),
		cmocka_unit_test(test_midnight),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	return rc;
}
