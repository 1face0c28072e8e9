/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_reader_common.c — the generic face-reader codec checks and helpers
 * (see test_reader_common.h). Every vendor's codec must decode what it
 * encodes, whatever the read boundaries, and survive garbage, truncation
 * and random noise without crashing or leaking.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <onshi/message.h>

#include "test_reader_common.h"

const struct fr_link_ops *test_link;

static void cap_msg(void *arg, struct fr_msg *m)
{
	struct capture *c = arg;

	if (c->n >= CAP_MAX) {
		c->overflow = 1;
		fr_msg_clear(m);
		return;
	}
	c->msg[c->n++] = *m; /* takes the blobs */
}

static void cap_problem(void *arg, const char *what)
{
	struct capture *c = arg;

	if (c->np >= CAP_MAX) {
		c->overflow = 1;
		return;
	}
	snprintf(c->problem[c->np++], sizeof(c->problem[0]), "%s", what);
}

void cap_clear(struct capture *c)
{
	int i;

	for (i = 0; i < c->n; i++)
		fr_msg_clear(&c->msg[i]);
	memset(c, 0, sizeof(*c));
}

void cap_feed_codec(struct capture *c, void *codec, const unsigned char *buf,
		    size_t len, size_t chunk)
{
	struct fr_sink sink = { cap_msg, cap_problem, c };
	size_t off = 0;

	if (chunk == 0)
		chunk = len ? len : 1;
	while (off < len) {
		size_t n = len - off < chunk ? len - off : chunk;

		test_link->feed(codec, buf + off, n, &sink);
		off += n;
	}
}

void cap_feed(struct capture *c, const unsigned char *buf, size_t len, size_t chunk)
{
	void *codec = test_link->codec_new();

	assert_non_null(codec);
	cap_feed_codec(c, codec, buf, len, chunk);
	test_link->codec_free(codec);
}

static unsigned char *blob(size_t n, unsigned seed)
{
	unsigned char *p = malloc(n);
	size_t i;

	assert_non_null(p);
	/* Every byte value, the framing bytes of all vendors included. */
	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 7 + seed);
	if (n > 2) {
		p[0] = 0x30;
		p[1] = 0x82;
	}
	return p;
}

void sample_msg(int type, struct fr_msg *m)
{
	fr_msg_init(m, type);
	switch (type) {
	case FR_MSG_CARD_PLACED:
		m->token = ONSHI_TOKEN_SMARTPHONE;
		m->method = ONSHI_AUTH_VISUAL;
		m->consent[0] = 1;
		m->consent[1] = 0;
		m->consent[2] = -1;
		m->consent[3] = 3;
		snprintf(m->operator_id, sizeof(m->operator_id), "ST-01;a=b%%");
		m->cert_len = 1234;
		m->cert = blob(m->cert_len, 3);
		break;
	case FR_MSG_ATTEST:
		m->sig_len = 71;
		m->sig = blob(m->sig_len, 5);
		m->cert_len = 420;
		m->cert = blob(m->cert_len, 11);
		break;
	case FR_MSG_DEVICE_ERROR:
		m->code = 4097;
		snprintf(m->text, sizeof(m->text),
			 "camera <fault> & \"x\"; "
			 "k=v 100%%");
		break;
	case FR_MSG_ATTEST_REQUEST:
		snprintf(m->nonce, sizeof(m->nonce),
			 "0123456789abcdef0123456789abcdef");
		break;
	case FR_MSG_RESULT:
		m->code = 0;
		snprintf(m->text, sizeof(m->text), "accepted");
		break;
	default: break;
	}
}

void encode_sample(int type, struct fr_buf *out)
{
	struct fr_msg m;
	void *codec = test_link->codec_new();

	sample_msg(type, &m);
	assert_int_equal(test_link->encode(codec, &m, out), 0);
	fr_msg_clear(&m);
	test_link->codec_free(codec);
}

void assert_msg_equal(const struct fr_msg *a, const struct fr_msg *b)
{
	int i;

	assert_int_equal(a->type, b->type);
	assert_int_equal(a->cert_len, b->cert_len);
	if (a->cert_len)
		assert_memory_equal(a->cert, b->cert, a->cert_len);
	assert_int_equal(a->sig_len, b->sig_len);
	if (a->sig_len)
		assert_memory_equal(a->sig, b->sig, a->sig_len);
	if (a->type == FR_MSG_CARD_PLACED) {
		assert_int_equal(a->token, b->token);
		assert_int_equal(a->method, b->method);
		for (i = 0; i < 4; i++)
			assert_int_equal(a->consent[i], b->consent[i]);
		assert_string_equal(a->operator_id, b->operator_id);
	}
	if (a->type == FR_MSG_DEVICE_ERROR || a->type == FR_MSG_RESULT) {
		assert_int_equal(a->code, b->code);
		assert_string_equal(a->text, b->text);
	}
	if (a->type == FR_MSG_ATTEST_REQUEST)
		assert_string_equal(a->nonce, b->nonce);
}

int cap_has_problem(const struct capture *c, const char *needle)
{
	int i;

	for (i = 0; i < c->np; i++)
		if (strstr(c->problem[i], needle) != NULL)
			return 1;
	return 0;
}

void load_fixture(const char *vendor, const char *name, unsigned char **buf,
		  size_t *len)
{
	char path[1024];
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/%s/%s", READER_FIXTURES, vendor, name);
	f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("fixture %s missing", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	*buf = malloc((size_t)n + 1);
	assert_non_null(*buf);
	assert_int_equal(fread(*buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
}

/* ---- the generic checks ---- */

static const int all_types[] = {
	FR_MSG_CARD_PLACED,  FR_MSG_CARD_REMOVED,   FR_MSG_ATTEST,
	FR_MSG_DEVICE_ERROR, FR_MSG_ATTEST_REQUEST, FR_MSG_RESULT,
};
#define NTYPES (sizeof(all_types) / sizeof(all_types[0]))

static void check_all_types(const struct capture *c, int offset)
{
	size_t i;

	for (i = 0; i < NTYPES; i++) {
		struct fr_msg want;

		sample_msg(all_types[i], &want);
		assert_msg_equal(&c->msg[offset + (int)i], &want);
		fr_msg_clear(&want);
	}
}

void generic_roundtrip(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NTYPES; i++) {
		struct fr_buf b = { 0 };
		struct capture c = { 0 };
		struct fr_msg want;

		encode_sample(all_types[i], &b);
		cap_feed(&c, b.data, b.len, 0);
		assert_int_equal(c.np, 0);
		assert_int_equal(c.n, 1);
		sample_msg(all_types[i], &want);
		assert_msg_equal(&c.msg[0], &want);
		fr_msg_clear(&want);
		cap_clear(&c);
		fr_buf_free(&b);
	}
}

static void all_encoded(struct fr_buf *b)
{
	size_t i;

	for (i = 0; i < NTYPES; i++)
		encode_sample(all_types[i], b);
}

void generic_split_bytes(void **state)
{
	struct fr_buf b = { 0 };
	struct capture c = { 0 };
	size_t chunk;

	(void)state;
	all_encoded(&b);
	for (chunk = 1; chunk <= 7; chunk += 3) {
		cap_feed(&c, b.data, b.len, chunk);
		assert_int_equal(c.np, 0);
		assert_int_equal(c.n, (int)NTYPES);
		check_all_types(&c, 0);
		cap_clear(&c);
	}
	fr_buf_free(&b);
}

void generic_several(void **state)
{
	struct fr_buf b = { 0 };
	struct capture c = { 0 };

	(void)state;
	all_encoded(&b);
	all_encoded(&b);
	cap_feed(&c, b.data, b.len, 0);
	assert_int_equal(c.np, 0);
	assert_int_equal(c.n, 2 * (int)NTYPES);
	check_all_types(&c, 0);
	check_all_types(&c, (int)NTYPES);
	cap_clear(&c);
	fr_buf_free(&b);
}

static const unsigned char garbage[] = "GARBAGE\xff\xfe\x00\x01junk\r\n";

void generic_garbage_between(void **state)
{
	struct fr_buf b = { 0 };
	struct capture c = { 0 };
	size_t i;

	(void)state;
	fr_buf_append(&b, garbage, sizeof(garbage) - 1);
	for (i = 0; i < NTYPES; i++) {
		encode_sample(all_types[i], &b);
		fr_buf_append(&b, garbage, sizeof(garbage) - 1);
	}
	cap_feed(&c, b.data, b.len, 0);
	assert_int_equal(c.n, (int)NTYPES);
	check_all_types(&c, 0);
	assert_true(c.np >= 1); /* reported, rate-limiting is the host's */
	cap_clear(&c);
	/* The same, split at every 5 bytes. */
	cap_feed(&c, b.data, b.len, 5);
	assert_int_equal(c.n, (int)NTYPES);
	check_all_types(&c, 0);
	cap_clear(&c);
	fr_buf_free(&b);
}

void generic_truncated(void **state)
{
	struct fr_buf one = { 0 }, b = { 0 };
	struct capture c = { 0 };
	struct fr_msg want;
	int k;

	(void)state;
	encode_sample(FR_MSG_DEVICE_ERROR, &one);
	/* Truncated at the end of the stream: nothing yet, no crash. */
	cap_feed(&c, one.data, one.len / 2, 0);
	assert_int_equal(c.n, 0);
	cap_clear(&c);
	/* A frame cut short, then three good ones: the stream recovers. */
	fr_buf_append(&b, one.data, one.len / 2);
	for (k = 0; k < 3; k++)
		encode_sample(FR_MSG_DEVICE_ERROR, &b);
	cap_feed(&c, b.data, b.len, 0);
	assert_true(c.n >= 2);
	assert_true(c.np >= 1);
	sample_msg(FR_MSG_DEVICE_ERROR, &want);
	assert_msg_equal(&c.msg[c.n - 1], &want);
	fr_msg_clear(&want);
	cap_clear(&c);
	fr_buf_free(&one);
	fr_buf_free(&b);
}

void generic_random_noise(void **state)
{
	unsigned char buf[8192];
	struct capture c = { 0 };
	struct fr_buf b = { 0 };
	unsigned seed = 12345;
	size_t i;
	int round;

	(void)state;
	for (round = 0; round < 20; round++) {
		for (i = 0; i < sizeof(buf); i++) {
			seed = seed * 1103515245u + 12345u;
			buf[i] = (unsigned char)(seed >> 16);
		}
		cap_feed(&c, buf, sizeof(buf), (size_t)(round % 7) + 1);
		cap_clear(&c);
	}
	/*
	 * Noise, a line end, then good frames: they get through once enough
	 * bytes follow to disprove any length the noise seemed to announce.
	 */
	fr_buf_append(&b, buf, 300);
	fr_buf_append(&b, "\r\n", 2);
	while (b.len < 300 + 70000)
		encode_sample(FR_MSG_CARD_REMOVED, &b);
	cap_feed(&c, b.data, b.len, 0);
	assert_true(c.n >= 1);
	for (i = 0; i < (size_t)c.n; i++)
		assert_int_equal(c.msg[i].type, FR_MSG_CARD_REMOVED);
	cap_clear(&c);
	fr_buf_free(&b);
}

void check_recorded_fixtures(const char *vendor, int min_noise_problems)
{
	unsigned char *p;
	size_t n;
	struct capture c = { 0 };

	load_fixture(vendor, "face-read.dev.bin", &p, &n);
	cap_feed(&c, p, n, 5);
	assert_int_equal(c.np, 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.msg[0].type, FR_MSG_CARD_PLACED);
	assert_int_equal(c.msg[0].cert[0], 0x30);
	assert_int_equal(c.msg[1].type, FR_MSG_ATTEST);
	cap_clear(&c);
	free(p);
	load_fixture(vendor, "face-read.host.bin", &p, &n);
	cap_feed(&c, p, n, 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.msg[0].nonce, "00112233445566778899aabbccddeeff");
	cap_clear(&c);
	free(p);
	load_fixture(vendor, "noisy.dev.bin", &p, &n);
	cap_feed(&c, p, n, 1);
	assert_true(c.np >= min_noise_problems);
	assert_true(c.n >= 2);
	assert_int_equal(c.msg[c.n - 1].type, FR_MSG_CARD_REMOVED);
	cap_clear(&c);
	free(p);
}
