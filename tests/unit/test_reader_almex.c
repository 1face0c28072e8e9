/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_reader_almex.c — the ALMEX length-prefixed XML codec: the generic
 * checks, then hostile and broken documents (DOCTYPE, entity bombs,
 * external entities, bad XML, wrong root), zero and oversized lengths,
 * and the recorded exchanges.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <onshi/message.h>

#include "almex_link.h"
#include "test_reader_common.h"

static void frame(struct fr_buf *b, const char *xml)
{
	size_t n = strlen(xml);
	unsigned char h[4] = { (unsigned char)(n >> 24), (unsigned char)(n >> 16),
			       (unsigned char)(n >> 8), (unsigned char)n };

	fr_buf_append(b, h, 4);
	fr_buf_append(b, xml, n);
}

static void test_known_message(void **state)
{
	struct fr_buf b = { 0 };
	static const char want[] =
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
		"<AlmexReader version=\"1\"><CardRemoved/></AlmexReader>";

	(void)state;
	encode_sample(FR_MSG_CARD_REMOVED, &b);
	assert_int_equal(b.len, 4 + strlen(want));
	assert_int_equal(b.data[3], strlen(want));
	assert_memory_equal(b.data + 4, want, strlen(want));
	fr_buf_free(&b);
}

static void test_hostile_xml(void **state)
{
	static const char *hostile[] = {
		/* billion laughs */
		"<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
		"<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
		"<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">"
		"]><AlmexReader><DeviceError code=\"1\">&lol3;</DeviceError>"
		"</AlmexReader>",
		/* external entity */
		"<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM "
		"\"file:///etc/passwd\">]><AlmexReader><DeviceError code=\"1\">"
		"&x;</DeviceError></AlmexReader>",
		/* external DTD over the network */
		"<?xml version=\"1.0\"?><!DOCTYPE AlmexReader SYSTEM "
		"\"http://127.0.0.1:1/evil.dtd\"><AlmexReader><CardRemoved/>"
		"</AlmexReader>",
		/* not well-formed */
		"<AlmexReader><CardRemoved></AlmexReader>",
		/* undeclared entity */
		"<AlmexReader><DeviceError code=\"1\">&nope;</DeviceError>"
		"</AlmexReader>",
		/* wrong root */
		"<Other><CardRemoved/></Other>",
		/* no message element */
		"<AlmexReader>  text only  </AlmexReader>",
		/* unknown message */
		"<AlmexReader><SelfDestruct/></AlmexReader>",
		/* bad base64 and bad attributes */
		"<AlmexReader><CardPlaced token=\"card\" method=\"face\">"
		"<Certificate>!!!!</Certificate></CardPlaced></AlmexReader>",
		"<AlmexReader><CardPlaced token=\"watch\" method=\"face\">"
		"<Certificate>MIIB</Certificate></CardPlaced></AlmexReader>",
		"<AlmexReader><CardPlaced token=\"card\" method=\"face\">"
		"<Consent diagnosis=\"7\"/><Certificate>MIIB</Certificate>"
		"</CardPlaced></AlmexReader>",
		"<AlmexReader><DeviceError code=\"x1\">t</DeviceError>"
		"</AlmexReader>",
	};
	struct fr_buf b = { 0 };
	struct capture c = { 0 };
	size_t i, n = sizeof(hostile) / sizeof(hostile[0]);

	(void)state;
	for (i = 0; i < n; i++)
		frame(&b, hostile[i]);
	frame(&b, "<AlmexReader><CardRemoved/></AlmexReader>");
	cap_feed(&c, b.data, b.len, 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.msg[0].type, FR_MSG_CARD_REMOVED);
	assert_int_equal(c.np, (int)n);
	assert_true(cap_has_problem(&c, "DTD or entity declaration refused"));
	assert_true(cap_has_problem(&c, "not well-formed"));
	assert_true(cap_has_problem(&c, "without an AlmexReader root"));
	assert_true(cap_has_problem(&c, "unknown message element"));
	cap_clear(&c);
	fr_buf_free(&b);
}

static void test_consent_absent(void **state)
{
	struct fr_buf b = { 0 };
	struct capture c = { 0 };

	(void)state;
	frame(&b, "<AlmexReader><CardPlaced token=\"card\" method=\"face\">"
		  "<Consent pharmacists=\"1\" operation=\"2\"/><Certificate>"
		  "MIIB</Certificate><Future/></CardPlaced></AlmexReader>");
	cap_feed(&c, b.data, b.len, 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.msg[0].consent[0], 1);
	assert_int_equal(c.msg[0].consent[1], -1);
	assert_int_equal(c.msg[0].consent[2], -1);
	assert_int_equal(c.msg[0].consent[3], 2);
	assert_int_equal(c.msg[0].cert_len, 3);
	cap_clear(&c);
	fr_buf_free(&b);
}

static void test_zero_and_oversized(void **state)
{
	static const unsigned char zero[] = { 0, 0, 0, 0 };
	static const unsigned char big[] = { 0x00, 0x10, 0x00, 0x00, '<' };
	static const unsigned char tiny[] = { 0, 0, 0, 3, '<', 'a', '>' };
	struct fr_buf b = { 0 };
	struct capture c = { 0 };

	(void)state;
	fr_buf_append(&b, zero, sizeof(zero));
	encode_sample(FR_MSG_RESULT, &b);
	fr_buf_append(&b, big, sizeof(big));
	encode_sample(FR_MSG_RESULT, &b);
	fr_buf_append(&b, tiny, sizeof(tiny));
	encode_sample(FR_MSG_RESULT, &b);
	cap_feed(&c, b.data, b.len, 3);
	assert_int_equal(c.n, 3);
	assert_true(cap_has_problem(&c, "zero length"));
	assert_true(cap_has_problem(&c, "over the limit"));
	assert_true(cap_has_problem(&c, "too short"));
	cap_clear(&c);
	fr_buf_free(&b);
}

static void test_fixtures(void **state)
{
	(void)state;
	check_recorded_fixtures("almex", 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		GENERIC_CODEC_TESTS,
		cmocka_unit_test(test_known_message),
		cmocka_unit_test(test_hostile_xml),
		cmocka_unit_test(test_consent_absent),
		cmocka_unit_test(test_zero_and_oversized),
		cmocka_unit_test(test_fixtures),
	};

	test_link = &almex_link;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
