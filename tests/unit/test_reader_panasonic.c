/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_reader_panasonic.c — the Panasonic link codec: the generic checks,
 * then its own framing: DLE escaping, CRC, zero and oversized lengths, a
 * lost ETX, and the recorded exchanges in tests/fixtures/readers/panasonic.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <onshi/message.h>

#include "panasonic_link.h"
#include "test_reader_common.h"

static void test_escaping(void **state)
{
	struct fr_buf b = { 0 };
	size_t i;

	(void)state;
	encode_sample(FR_MSG_ATTEST, &b);
	assert_int_equal(b.data[0], 0x02);
	assert_int_equal(b.data[b.len - 1], 0x03);
	for (i = 1; i + 1 < b.len; i++)
		assert_true(b.data[i] != 0x02 && b.data[i] != 0x03);
	fr_buf_free(&b);
}

/* The exact bytes of CARD_REMOVED, as in docs/readers/panasonic.md. */
static void test_known_vector(void **state)
{
	static const unsigned char want[] = { 0x02, 0x00, 0x01, 0x32,
					      0xe9, 0xbc, 0x03 };
	struct fr_buf b = { 0 };

	(void)state;
	encode_sample(FR_MSG_CARD_REMOVED, &b);
	assert_int_equal(b.len, sizeof(want));
	assert_memory_equal(b.data, want, sizeof(want));
	fr_buf_free(&b);
}

static void test_bad_checksum(void **state)
{
	struct fr_buf b = { 0 };
	struct capture c = { 0 };

	(void)state;
	encode_sample(FR_MSG_CARD_REMOVED, &b);
	b.data[3] = 0x33; /* the command byte: CRC no longer matches */
	encode_sample(FR_MSG_CARD_REMOVED, &b);
	cap_feed(&c, b.data, b.len, 0);
	assert_int_equal(c.n, 1);
	assert_true(cap_has_problem(&c, "bad checksum"));
	cap_clear(&c);
	fr_buf_free(&b);
}

static void test_zero_and_oversized(void **state)
{
	static const unsigned char zero[] = { 0x02, 0x00, 0x00, 0x12, 0x34, 0x03 };
	static const unsigned char big[] = { 0x02, 0xff, 0xff, 0x31,
					     0x00, 0x00, 0x00, 0x00 };
	struct fr_buf b = { 0 };
	struct capture c = { 0 };

	(void)state;
	fr_buf_append(&b, zero, sizeof(zero));
	fr_buf_append(&b, big, sizeof(big));
	encode_sample(FR_MSG_RESULT, &b);
	cap_feed(&c, b.data, b.len, 2);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.msg[0].type, FR_MSG_RESULT);
	assert_true(cap_has_problem(&c, "zero length"));
	assert_true(cap_has_problem(&c, "over the limit"));
	cap_clear(&c);
	fr_buf_free(&b);
}

static void test_lost_etx(void **state)
{
	struct fr_buf b = { 0 }, one = { 0 };
	struct capture c = { 0 };
	size_t i;

	(void)state;
	/* A frame whose ETX (and the next STX) vanished: bytes keep coming. */
	encode_sample(FR_MSG_DEVICE_ERROR, &one);
	fr_buf_append(&b, one.data, one.len - 1);
	for (i = 0; i < 40; i++)
		fr_buf_append(&b, one.data + 1, one.len - 2);
	encode_sample(FR_MSG_DEVICE_ERROR, &b);
	cap_feed(&c, b.data, b.len, 0);
	assert_int_equal(c.n, 1);
	assert_true(cap_has_problem(&c, "runs past its length"));
	cap_clear(&c);
	fr_buf_free(&b);
	fr_buf_free(&one);
}

static void test_short_payload(void **state)
{
	/* CARD_PLACED claiming a 200-byte certificate it does not carry. */
	unsigned char body[] = { 0x00, 0x0c, 0x31, 1,    1,    1,    1, 0,
				 0,    0,    0x00, 0x00, 0xc8, 0xaa, 0, 0 };
	struct fr_buf b = { 0 };
	struct capture c = { 0 };
	unsigned crc = fr_crc16(body, sizeof(body) - 2);
	size_t i;

	(void)state;
	body[sizeof(body) - 2] = (unsigned char)(crc >> 8);
	body[sizeof(body) - 1] = (unsigned char)crc;
	fr_buf_byte(&b, 0x02);
	for (i = 0; i < sizeof(body); i++) {
		if (body[i] == 0x02 || body[i] == 0x03 || body[i] == 0x10) {
			fr_buf_byte(&b, 0x10);
			fr_buf_byte(&b, body[i] ^ 0x20);
		} else {
			fr_buf_byte(&b, body[i]);
		}
	}
	fr_buf_byte(&b, 0x03);
	cap_feed(&c, b.data, b.len, 0);
	assert_int_equal(c.n, 0);
	assert_true(cap_has_problem(&c, "shorter than its fields"));
	cap_clear(&c);
	fr_buf_free(&b);
}

/* Recorded with onshi-reader-emu --record (see the fixtures' README). */
static void test_fixture_face(void **state)
{
	unsigned char *dev, *host;
	size_t dlen, hlen;
	struct capture c = { 0 };

	(void)state;
	load_fixture("panasonic", "face-read.dev.bin", &dev, &dlen);
	cap_feed(&c, dev, dlen, 3);
	assert_int_equal(c.np, 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.msg[0].type, FR_MSG_CARD_PLACED);
	assert_int_equal(c.msg[0].method, ONSHI_AUTH_FACE);
	assert_int_equal(c.msg[0].cert[0], 0x30);
	assert_int_equal(c.msg[1].type, FR_MSG_ATTEST);
	assert_int_equal(c.msg[1].sig[0], 0x30);
	cap_clear(&c);
	load_fixture("panasonic", "face-read.host.bin", &host, &hlen);
	cap_feed(&c, host, hlen, 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.msg[0].type, FR_MSG_ATTEST_REQUEST);
	assert_string_equal(c.msg[0].nonce, "00112233445566778899aabbccddeeff");
	assert_int_equal(c.msg[1].type, FR_MSG_RESULT);
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
	load_fixture("panasonic", "noisy.dev.bin", &dev, &dlen);
	cap_feed(&c, dev, dlen, 1);
	assert_true(c.np >= 2); /* garbage and the corrupted frame */
	assert_true(c.n >= 2);
	assert_int_equal(c.msg[c.n - 1].type, FR_MSG_CARD_REMOVED);
	cap_clear(&c);
	free(dev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		GENERIC_CODEC_TESTS,
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_known_vector),
		cmocka_unit_test(test_bad_checksum),
		cmocka_unit_test(test_zero_and_oversized),
		cmocka_unit_test(test_lost_etx),
		cmocka_unit_test(test_short_payload),
		cmocka_unit_test(test_fixture_face),
		cmocka_unit_test(test_fixture_noisy),
	};

	test_link = &panasonic_link;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
