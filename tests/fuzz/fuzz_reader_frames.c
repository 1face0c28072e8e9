/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_reader_frames.c — libFuzzer target for the four face-reader device
 * link codecs (plugins/readers/VENDOR/VENDOR_link.h for panasonic, fujitsu, almex, canon;
 * struct fr_link_ops in plugins/readers/facereader/frlink.h). The first
 * input byte picks a read size, so frames arrive split at every boundary a
 * serial line or socket could produce; the rest is fed to every codec.
 * Each decoded message that passes fr_msg_check() is encoded again and
 * must decode to one message of the same type (the codecs' own contract,
 * tests/unit/test_reader_common.c); a violation aborts as a finding.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frlink.h"
#include "panasonic_link.h"
#include "fujitsu_link.h"
#include "almex_link.h"
#include "canon_link.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct fr_link_ops *const links[] = {
	&panasonic_link,
	&fujitsu_link,
	&almex_link,
	&canon_link,
};

struct count {
	int n;
	int type;
};

static void count_msg(void *arg, struct fr_msg *m)
{
	struct count *c = arg;

	c->n++;
	c->type = m->type;
	fr_msg_clear(m);
}

static void ignore_problem(void *arg, const char *what)
{
	(void)arg;
	(void)what;
}

struct ctx {
	const struct fr_link_ops *link;
};

static void roundtrip_msg(void *arg, struct fr_msg *m)
{
	struct ctx *x = arg;
	const char *why = NULL;

	if (fr_msg_check(m, &why) == 0) {
		struct fr_buf out = { 0 };
		void *c2 = x->link->codec_new();

		if (c2 != NULL && x->link->encode(c2, m, &out) == 0) {
			struct count cnt = { 0, 0 };
			struct fr_sink s2 = { count_msg, ignore_problem, &cnt };

			x->link->codec_reset(c2);
			x->link->feed(c2, out.data, out.len, &s2);
			if (cnt.n != 1 || cnt.type != m->type) {
				fprintf(stderr,
					"%s: a checked %s message "
					"re-encoded to %zu bytes decodes to %d "
					"message(s) of type %d\n",
					x->link->name, fr_msg_type_name(m->type),
					out.len, cnt.n, cnt.type);
				abort();
			}
		}
		fr_buf_free(&out);
		if (c2 != NULL)
			x->link->codec_free(c2);
	}
	fr_msg_clear(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t chunk;

	if (size == 0)
		return 0;
	chunk = data[0] == 0 ? size : data[0];
	data++;
	size--;
	for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
		struct ctx x = { links[i] };
		struct fr_sink sink = { roundtrip_msg, ignore_problem, &x };
		void *codec = links[i]->codec_new();

		if (codec == NULL)
			continue;
		for (size_t off = 0; off < size; off += chunk) {
			size_t n = size - off < chunk ? size - off : chunk;

			links[i]->feed(codec, data + off, n, &sink);
		}
		/* A reconnect mid-frame, then the whole input again. */
		links[i]->codec_reset(codec);
		links[i]->feed(codec, data, size, &sink);
		links[i]->codec_free(codec);
	}
	return 0;
}
