/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_reader_fujitsu.c — the Fujitsu text-line codec: the generic checks,
 * then its own rules: the SUM field, keep-alive empty lines, bare LF,
 * over-long lines, unknown keys, bad fields, and the recorded exchanges.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <onshi/message.h>

#include "fujitsu_link.h"
#include "test_reader_common.h"

/* Append "text;SUM=XX\r\n" with a correct sum. */
static void line(struct fr_buf *b, const char *text)
{
	unsigned sum = 0;
	const char *p;

	for (p = text; *p; p++)
		sum += (unsigned char)*p;
	fr_buf_printf(b, "%s;SUM=%02X\r\n", text, sum & 0xff);
}

static void test_known_line(void **state)
{
	struct fr_buf b = { 0 };

	(void)state;
	encode_sample(FR_MSG_CARD_REMOVED, &b);
	fr_buf_byte(&b, 0);
	assert_string_equal((char *)b.data, "EVT=REMOVED;SUM=3E\r\n");
	fr_buf_free(&b);
}

static void test_bad_checksum(void **state)
{
	struct fr_buf b = { 0 };
	struct capture c = { 0 };

	(void)state;
	fr_buf_printf(&b, "EVT=REMOVED;SUM=3F\r\n");
	fr_buf_printf(&b, "EVT=REMOVED\r\n");
	line(&b, "EVT=REMOVED");
	cap_feed(&c, b.data, b.len, 0);
	assert_int_equal(c.n, 1);
	assert_true(cap_has_problem(&c, "bad checksum"));
	assert_true(cap_has_problem(&c, "without a checksum"));
	cap_clear(&c);
	fr_buf_free(&b);
}

static void test_empty_lines_and_lf(void **state)
{
	struct fr_buf b = { 0 };
	struct capture c = { 0 };

	(void)state;
	fr_buf_printf(&b, "\r\n\r\n\n");
	fr_buf_printf(&b, "EVT=REMOVED;SUM=3E\n"); /* bare LF */
	line(&b, "EVT=ERROR;CODE=12;TEXT=lens%20dirty;NEWKEY=whatever");
	cap_feed(&c, b.data, b.len, 1);
	assert_int_equal(c.np, 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.msg[1].type, FR_MSG_DEVICE_ERROR);
	assert_int_equal(c.msg[1].code, 12);
	assert_string_equal(c.msg[1].text, "lens dirty");
	cap_clear(&c);
	fr_buf_free(&b);
}

static void test_oversized_line(void **state)
{
	struct fr_buf b = { 0 };
	struct capture c = { 0 };
	size_t i;

	(void)state;
	fr_buf_printf(&b, "EVT=CARD;CERT=");
	for (i = 0; i < 40000; i++)
		fr_buf_byte(&b, 'A');
	fr_buf_printf(&b, "\r\n");
	line(&b, "EVT=REMOVED");
	cap_feed(&c, b.data, b.len, 1000);
	assert_int_equal(c.n, 1);
	assert_true(cap_has_problem(&c, "longer than"));
	cap_clear(&c);
	/* All in one read as well. */
	cap_feed(&c, b.data, b.len, 0);
	assert_int_equal(c.n, 1);
	cap_clear(&c);
	fr_buf_free(&b);
}

static void test_bad_fields(void **state)
{
	static const char *bad[] = {
		"EVT=CARD;TOKEN=card;METHOD=face;CONSENT=1,1,0;CERT=MIIB",
		"EVT=CARD;TOKEN=watch;METHOD=face;CONSENT=1,1,0,0;CERT=MIIB",
		"EVT=CARD;TOKEN=card;METHOD=face;CONSENT=1,1,0,0;CERT=M!IB",
		"EVT=CARD;TOKEN=card;CERT=MIIB;CERT=MIIB",
		"EVT=ERROR;CODE=abc",
		"EVT=ERROR;TEXT=%4",
		"EVT=NOSUCH",
		"JUNK",
		"EVT=ERROR;;CODE=1",
		"CMD=ATTEST;NONCE=",
	};
	struct fr_buf b = { 0 };
	struct capture c = { 0 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		line(&b, bad[i]);
	fr_buf_printf(&b, "EVT=REM\x01VED;SUM=00\r\n");
	line(&b, "EVT=REMOVED");
	cap_feed(&c, b.data, b.len, 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.np, (int)(sizeof(bad) / sizeof(bad[0])) + 1);
	cap_clear(&c);
	fr_buf_free(&b);
}

static void test_fixture_face(void **state)
{
	unsigned char *dev, *host;
	size_t dlen, hlen;
	struct capture c = { 0 };

	(void)state;
	load_fixture("fujitsu", "face-read.dev.txt", &dev, &dlen);
	cap_feed(&c, dev, dlen, 17);
	assert_int_equal(c.np, 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.msg[0].type, FR_MSG_CARD_PLACED);
	assert_int_equal(c.msg[0].method, ONSHI_AUTH_FACE);
	assert_int_equal(c.msg[0].cert[0], 0x30);
	assert_int_equal(c.msg[1].type, FR_MSG_ATTEST);
	cap_clear(&c);
	load_fixture("fujitsu", "face-read.host.txt", &host, &hlen);
	cap_feed(&c, host, hlen, 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.msg[0].type, FR_MSG_ATTEST_REQUEST);
	assert_string_equal(c.msg[0].nonce, "00112233445566778899aabbccddeeff");
	cap_clear(&c);
	free(dev);
	free(host);
}

static void test_fixture_noisy(void **state)
{
	unsigned char *dev;
	size_t dlen;
	struct capture c = { 0 };

	(void)state;
	load_fixture("fujitsu", "noisy.dev.txt", &dev, &dlen);
	cap_feed(&c, dev, dlen, 1);
	assert_true(c.np >= 2);
	assert_true(c.n >= 2);
	assert_int_equal(c.msg[c.n - 1].type, FR_MSG_CARD_REMOVED);
	cap_clear(&c);
	free(dev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		GENERIC_CODEC_TESTS,
		cmocka_unit_test(test_known_line),
		cmocka_unit_test(test_bad_checksum),
		cmocka_unit_test(test_empty_lines_and_lf),
		cmocka_unit_test(test_oversized_line),
		cmocka_unit_test(test_bad_fields),
		cmocka_unit_test(test_fixture_face),
		cmocka_unit_test(test_fixture_noisy),
	};

	test_link = &fujitsu_link;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
