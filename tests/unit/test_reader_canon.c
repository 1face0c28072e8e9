/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_reader_canon.c — the Canon nested-TLV codec: the generic checks,
 * then its own rules: the LRC element, BER length forms, zero and
 * oversized lengths, unknown (also constructed) tags skipped, and the
 * recorded exchanges.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <onshi/message.h>

#include "canon_link.h"
#include "test_reader_common.h"

/* Wrap value bytes in 70 L { ... 8F 01 lrc } (short form only). */
static void msg(struct fr_buf *b, const unsigned char *v, size_t n)
{
	unsigned char x = 0;
	size_t i;

	for (i = 0; i < n; i++)
		x ^= v[i];
	fr_buf_byte(b, 0x70);
	fr_buf_byte(b, (unsigned char)(n + 3));
	fr_buf_append(b, v, n);
	fr_buf_byte(b, 0x8f);
	fr_buf_byte(b, 0x01);
	fr_buf_byte(b, x);
}

static void test_known_vector(void **state)
{
	static const unsigned char want[] = { 0x70, 0x06, 0x80, 0x01,
					      0x02, 0x8f, 0x01, 0x83 };
	struct fr_buf b = { 0 };

	(void)state;
	encode_sample(FR_MSG_CARD_REMOVED, &b);
	assert_int_equal(b.len, sizeof(want));
	assert_memory_equal(b.data, want, sizeof(want));
	fr_buf_free(&b);
}

static void test_bad_lrc(void **state)
{
	struct fr_buf b = { 0 };
	struct capture c = { 0 };

	(void)state;
	encode_sample(FR_MSG_DEVICE_ERROR, &b);
	b.data[b.len - 1] ^= 0x55;
	encode_sample(FR_MSG_CARD_REMOVED, &b);
	cap_feed(&c, b.data, b.len, 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.msg[0].type, FR_MSG_CARD_REMOVED);
	assert_true(cap_has_problem(&c, "bad LRC"));
	cap_clear(&c);
	fr_buf_free(&b);
}

static void test_lengths(void **state)
{
	static const unsigned char zero[] = { 0x70, 0x00 };
	static const unsigned char big[] = { 0x70, 0x82, 0xff, 0xff };
	static const unsigned char indefinite[] = { 0x70, 0x80, 0x00, 0x00 };
	static const unsigned char nonminimal[] = { 0x70, 0x81, 0x05 };
	struct fr_buf b = { 0 };
	struct capture c = { 0 };

	(void)state;
	fr_buf_append(&b, zero, sizeof(zero));
	fr_buf_append(&b, big, sizeof(big));
	fr_buf_append(&b, indefinite, sizeof(indefinite));
	fr_buf_append(&b, nonminimal, sizeof(nonminimal));
	encode_sample(FR_MSG_ATTEST, &b); /* long form 82 */
	cap_feed(&c, b.data, b.len, 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.msg[0].type, FR_MSG_ATTEST);
	assert_true(c.np >= 1);
	cap_clear(&c);
	fr_buf_free(&b);
}

static void test_unknown_and_bad_elements(void **state)
{
	/* type 4 (error), an unknown constructed tag with a nested TLV,
	 * an unknown primitive tag, then code and text. */
	static const unsigned char good[] = { 0x80, 0x01, 0x04, 0xbf, 0x04,
					      0x90, 0x02, 0xaa, 0xbb, 0x9e,
					      0x00, 0x89, 0x02, 0x00, 0x07,
					      0x8a, 0x02, 'h',  'i' };
	static const unsigned char notype[] = { 0x89, 0x02, 0x00, 0x07 };
	static const unsigned char badtype[] = { 0x80, 0x01, 0x09 };
	static const unsigned char overrun[] = { 0x80, 0x01, 0x04,
						 0x8a, 0x7f, 'x' };
	static const unsigned char badconsent[] = { 0x80, 0x01, 0x01, 0xa3,
						    0x03, 0x84, 0x02, 0x01 };
	struct fr_buf b = { 0 };
	struct capture c = { 0 };

	(void)state;
	msg(&b, notype, sizeof(notype));
	msg(&b, badtype, sizeof(badtype));
	msg(&b, overrun, sizeof(overrun));
	msg(&b, badconsent, sizeof(badconsent));
	msg(&b, good, sizeof(good));
	cap_feed(&c, b.data, b.len, 1);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.msg[0].type, FR_MSG_DEVICE_ERROR);
	assert_int_equal(c.msg[0].code, 7);
	assert_string_equal(c.msg[0].text, "hi");
	assert_int_equal(c.np, 4);
	assert_true(cap_has_problem(&c, "no message type"));
	assert_true(cap_has_problem(&c, "bad message type"));
	assert_true(cap_has_problem(&c, "malformed element"));
	cap_clear(&c);
	fr_buf_free(&b);
}

static void test_fixtures(void **state)
{
	(void)state;
	check_recorded_fixtures("canon", 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		GENERIC_CODEC_TESTS,
		cmocka_unit_test(test_known_vector),
		cmocka_unit_test(test_bad_lrc),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_unknown_and_bad_elements),
		cmocka_unit_test(test_fixtures),
	};

	test_link = &canon_link;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
