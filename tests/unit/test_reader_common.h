/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_reader_common.h — shared pieces of the face-reader codec tests:
 * a sink that captures what a codec decodes, sample messages of every
 * type, the generic codec checks every vendor must pass, and fixture
 * loading (recorded exchanges in tests/fixtures/readers/<vendor>/).
 */
#ifndef TEST_READER_COMMON_H
#define TEST_READER_COMMON_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include "frlink.h"

#define CAP_MAX 64

struct capture {
	struct fr_msg msg[CAP_MAX];
	int n;
	char problem[CAP_MAX][192];
	int np;
	int overflow;
};

/* The codec under test, set by each vendor's main(). */
extern const struct fr_link_ops *test_link;

void cap_clear(struct capture *c);
/* Feed buf to a fresh codec in chunks of `chunk` bytes (0 = all at once). */
void cap_feed(struct capture *c, const unsigned char *buf, size_t len, size_t chunk);
/* Feed into an existing codec. */
void cap_feed_codec(struct capture *c, void *codec, const unsigned char *buf,
		    size_t len, size_t chunk);
/* A filled-in message of each type (blobs owned: fr_msg_clear). */
void sample_msg(int type, struct fr_msg *m);
void encode_sample(int type, struct fr_buf *out);
void assert_msg_equal(const struct fr_msg *a, const struct fr_msg *b);
/* Whether any captured problem contains `needle`. */
int cap_has_problem(const struct capture *c, const char *needle);
/* Read tests/fixtures/readers/<vendor>/<name>; fails the test if absent. */
/*
 * The recorded exchanges of tests/fixtures/readers/VENDOR (face-read.dev.bin,
 * face-read.host.bin, noisy.dev.bin) decode as recorded: a clean face read,
 * the host's attestation request, and a noisy stream with at least
 * min_noise_problems problems reported that still ends with the card removed.
 */
void check_recorded_fixtures(const char *vendor, int min_noise_problems);
void load_fixture(const char *vendor, const char *name, unsigned char **buf,
		  size_t *len);

/* The generic checks, as cmocka tests. */
void generic_roundtrip(void **state);
void generic_split_bytes(void **state);
void generic_several(void **state);
void generic_garbage_between(void **state);
void generic_truncated(void **state);
void generic_random_noise(void **state);

#define GENERIC_CODEC_TESTS                                \
	cmocka_unit_test(generic_roundtrip),               \
		cmocka_unit_test(generic_split_bytes),     \
		cmocka_unit_test(generic_several),         \
		cmocka_unit_test(generic_garbage_between), \
		cmocka_unit_test(generic_truncated),       \
		cmocka_unit_test(generic_random_noise)

#endif
