/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_vici_wire.c — strongSwan's VICI wire format (src/vpn/vici_wire.h):
 * the README's encoding example byte for byte, parsing it back, a list-sa
 * event and a command response round trip, transport segments, hostile
 * packets (each refused with a sentence naming the problem) and builder
 * misuse.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vici_wire.h"

/* The README's example message ("Encoding example"), as charon encodes it. */
static const unsigned char readme_message[] = {
	3,   4,   'k', 'e', 'y', '1', 0,   6,   'v', 'a', 'l', 'u', 'e',
	'1', 1,   8,   's', 'e', 'c', 't', 'i', 'o', 'n', '1', 1,   11,
	's', 'u', 'b', '-', 's', 'e', 'c', 't', 'i', 'o', 'n', 3,   4,
	'k', 'e', 'y', '2', 0,   6,   'v', 'a', 'l', 'u', 'e', '2', 2,
	4,   5,   'l', 'i', 's', 't', '1', 5,   0,   5,   'i', 't', 'e',
	'm', '1', 5,   0,   5,   'i', 't', 'e', 'm', '2', 6,   2,
};

/* The same message as a CMD_REQUEST named "example", length field first. */
static size_t readme_segment(unsigned char *out)
{
	size_t data_len = 1 + 1 + 7 + sizeof(readme_message);

	out[0] = 0;
	out[1] = 0;
	out[2] = (unsigned char)(data_len >> 8);
	out[3] = (unsigned char)data_len;
	out[4] = ONSHI_VICI_CMD_REQUEST;
	out[5] = 7;
	memcpy(out + 6, "example", 7);
	memcpy(out + 13, readme_message, sizeof(readme_message));
	return 4 + data_len;
}

static void build_readme(struct onshi_vici_builder *b)
{
	char msg[256] = "";

	onshi_vici_begin(b, ONSHI_VICI_CMD_REQUEST, "example");
	onshi_vici_add_kv(b, "key1", "value1");
	onshi_vici_section_start(b, "section1");
	onshi_vici_section_start(b, "sub-section");
	onshi_vici_add_kv(b, "key2", "value2");
	onshi_vici_section_end(b);
	onshi_vici_list_start(b, "list1");
	onshi_vici_list_item(b, "item1");
	onshi_vici_list_item(b, "item2");
	onshi_vici_list_end(b);
	onshi_vici_section_end(b);
	assert_int_equal(onshi_vici_end(b, msg, sizeof(msg)), 0);
}

static void readme_example_builds_exactly(void **state)
{
	struct onshi_vici_builder b = { 0 };
	unsigned char want[128];
	size_t want_len = readme_segment(want);

	(void)state;
	build_readme(&b);
	assert_int_equal(b.buf.len, want_len);
	assert_memory_equal(b.buf.data, want, want_len);
	onshi_vici_builder_free(&b);
}

static void readme_example_parses(void **state)
{
	unsigned char seg[128];
	size_t seg_len = readme_segment(seg);
	struct onshi_vici_packet *p = NULL;
	const struct onshi_vici_node *s1, *sub, *list, *item;
	char msg[256] = "";

	(void)state;
	assert_int_equal(onshi_vici_segment(seg, seg_len, msg, sizeof(msg)),
			 (long)seg_len);
	assert_int_equal(onshi_vici_parse(seg + 4, seg_len - 4, &p, msg, sizeof(msg)),
			 0);
	assert_non_null(p);
	assert_int_equal(p->type, ONSHI_VICI_CMD_REQUEST);
	assert_string_equal(p->name, "example");
	assert_int_equal(p->root->kind, ONSHI_VICI_SECTION);
	assert_null(p->root->name);
	assert_string_equal(onshi_vici_value(p->root, "key1"), "value1");
	s1 = onshi_vici_member(p->root, "section1");
	assert_non_null(s1);
	assert_int_equal(s1->kind, ONSHI_VICI_SECTION);
	/* A section is not a value. */
	assert_null(onshi_vici_value(p->root, "section1"));
	sub = onshi_vici_member(s1, "sub-section");
	assert_non_null(sub);
	assert_string_equal(onshi_vici_value(sub, "key2"), "value2");
	assert_int_equal(onshi_vici_member(sub, "key2")->value_len, 6);
	assert_null(onshi_vici_value(s1, "key2"));
	list = onshi_vici_member(s1, "list1");
	assert_non_null(list);
	assert_int_equal(list->kind, ONSHI_VICI_LIST);
	item = list->child;
	assert_non_null(item);
	assert_int_equal(item->kind, ONSHI_VICI_VALUE);
	assert_null(item->name);
	assert_string_equal(item->value, "item1");
	assert_string_equal(item->next->value, "item2");
	assert_null(item->next->next);
	/* Order is kept: key1 first, section1 after it, nothing else. */
	assert_string_equal(p->root->child->name, "key1");
	assert_ptr_equal(p->root->child->next, s1);
	assert_null(s1->next);
	assert_null(onshi_vici_member(p->root, "missing"));
	assert_null(onshi_vici_member(NULL, "key1"));
	assert_null(onshi_vici_member(list, "item1"));
	onshi_vici_packet_free(p);
}

/* What charon streams for one tunnel after `list-sas`. */
static void list_sa_event_round_trip(void **state)
{
	struct onshi_vici_builder b = { 0 };
	struct onshi_vici_packet *p = NULL;
	const struct onshi_vici_node *ike, *children, *child, *ts;
	char msg[256] = "";

	(void)state;
	onshi_vici_begin(&b, ONSHI_VICI_EVENT, "list-sa");
	onshi_vici_section_start(&b, "national");
	onshi_vici_add_kv(&b, "uniqueid", "7");
	onshi_vici_add_kv(&b, "version", "2");
	onshi_vici_add_kv(&b, "state", "ESTABLISHED");
	onshi_vici_add_kv(&b, "local-host", "192.0.2.10");
	onshi_vici_add_kv(&b, "remote-host", "198.51.100.1");
	onshi_vici_add_kv(&b, "established", "12");
	onshi_vici_add_kv(&b, "rekey-time", "13950");
	onshi_vici_section_start(&b, "child-sas");
	onshi_vici_section_start(&b, "net-1");
	onshi_vici_add_kv(&b, "name", "net");
	onshi_vici_add_kv(&b, "state", "INSTALLED");
	onshi_vici_add_kv(&b, "mode", "TUNNEL");
	onshi_vici_add_kv(&b, "bytes-in", "183204");
	onshi_vici_add_kv(&b, "bytes-out", "90211");
	onshi_vici_add_kv(&b, "install-time", "12");
	onshi_vici_list_start(&b, "local-ts");
	onshi_vici_list_item(&b, "10.20.0.0/24");
	onshi_vici_list_end(&b);
	onshi_vici_list_start(&b, "remote-ts");
	onshi_vici_list_item(&b, "172.16.0.0/16");
	onshi_vici_list_item(&b, "172.17.0.0/16");
	onshi_vici_list_end(&b);
	onshi_vici_section_end(&b);
	onshi_vici_section_end(&b);
	onshi_vici_section_end(&b);
	assert_int_equal(onshi_vici_end(&b, msg, sizeof(msg)), 0);

	assert_int_equal(onshi_vici_segment((unsigned char *)b.buf.data,
					    b.buf.len, msg, sizeof(msg)),
			 (long)b.buf.len);
	assert_int_equal(onshi_vici_parse((unsigned char *)b.buf.data + 4,
					  b.buf.len - 4, &p, msg, sizeof(msg)),
			 0);
	assert_int_equal(p->type, ONSHI_VICI_EVENT);
	assert_string_equal(p->name, "list-sa");
	ike = onshi_vici_member(p->root, "national");
	assert_non_null(ike);
	assert_string_equal(onshi_vici_value(ike, "state"), "ESTABLISHED");
	assert_string_equal(onshi_vici_value(ike, "established"), "12");
	children = onshi_vici_member(ike, "child-sas");
	child = onshi_vici_member(children, "net-1");
	assert_non_null(child);
	assert_string_equal(onshi_vici_value(child, "state"), "INSTALLED");
	assert_string_equal(onshi_vici_value(child, "bytes-in"), "183204");
	assert_string_equal(onshi_vici_value(child, "install-time"), "12");
	ts = onshi_vici_member(child, "local-ts");
	assert_int_equal(ts->kind, ONSHI_VICI_LIST);
	assert_string_equal(ts->child->value, "10.20.0.0/24");
	assert_null(ts->child->next);
	ts = onshi_vici_member(child, "remote-ts");
	assert_string_equal(ts->child->next->value, "172.17.0.0/16");
	onshi_vici_packet_free(p);
	onshi_vici_builder_free(&b);
}

static void command_response_failure(void **state)
{
	struct onshi_vici_builder b = { 0 };
	struct onshi_vici_packet *p = NULL;
	char msg[256] = "";

	(void)state;
	onshi_vici_begin(&b, ONSHI_VICI_CMD_RESPONSE, NULL);
	onshi_vici_add_kv(&b, "success", "no");
	onshi_vici_add_kv(&b, "errmsg",
			  "CHILD_SA 'net' not established after 10000ms");
	assert_int_equal(onshi_vici_end(&b, msg, sizeof(msg)), 0);
	/* Unnamed: the type byte comes straight after the length. */
	assert_int_equal((unsigned char)b.buf.data[4], ONSHI_VICI_CMD_RESPONSE);
	assert_int_equal((unsigned char)b.buf.data[5], 3);
	assert_int_equal(onshi_vici_parse((unsigned char *)b.buf.data + 4,
					  b.buf.len - 4, &p, msg, sizeof(msg)),
			 0);
	assert_int_equal(p->type, ONSHI_VICI_CMD_RESPONSE);
	assert_string_equal(p->name, "");
	assert_string_equal(onshi_vici_value(p->root, "success"), "no");
	assert_string_equal(onshi_vici_value(p->root, "errmsg"),
			    "CHILD_SA 'net' not established after 10000ms");
	onshi_vici_packet_free(p);
	onshi_vici_builder_free(&b);
}

/* EVENT_CONFIRM carries nothing: an empty root. */
static void event_confirm_is_empty(void **state)
{
	static const unsigned char confirm[] = { ONSHI_VICI_EVENT_CONFIRM };
	struct onshi_vici_packet *p = NULL;
	char msg[256] = "";

	(void)state;
	assert_int_equal(onshi_vici_parse(confirm, 1, &p, msg, sizeof(msg)), 0);
	assert_int_equal(p->type, ONSHI_VICI_EVENT_CONFIRM);
	assert_null(p->root->child);
	onshi_vici_packet_free(p);
}

/* Values are blobs: a NUL inside one is kept, value_len says how long. */
static void value_with_nul_byte(void **state)
{
	static const unsigned char pkt[] = { 1, 3, 1, 'k', 0, 3, 'a', 0, 'b' };
	struct onshi_vici_packet *p = NULL;
	const struct onshi_vici_node *n;
	char msg[256] = "";

	(void)state;
	assert_int_equal(onshi_vici_parse(pkt, sizeof(pkt), &p, msg, sizeof(msg)), 0);
	n = onshi_vici_member(p->root, "k");
	assert_int_equal(n->value_len, 3);
	assert_memory_equal(n->value, "a\0b", 4);
	onshi_vici_packet_free(p);
}

static void segments(void **state)
{
	unsigned char buf[16] = { 0, 0, 0, 5, 1, 3, 1, 'k', 0 };
	unsigned char huge[4] = { 0, 8, 0, 1 }; /* 512 KiB + 1 */
	unsigned char max[4] = { 0, 8, 0, 0 };  /* exactly 512 KiB */
	unsigned char zero[4] = { 0, 0, 0, 0 };
	char msg[256] = "";
	size_t n;

	(void)state;
	for (n = 0; n < 4; n++)
		assert_int_equal(onshi_vici_segment(buf, n, msg, sizeof(msg)), 0);
	for (n = 4; n < 9; n++)
		assert_int_equal(onshi_vici_segment(buf, n, msg, sizeof(msg)), 0);
	assert_int_equal(onshi_vici_segment(buf, 9, msg, sizeof(msg)), 9);
	/* The next segment's bytes after it do not count. */
	assert_int_equal(onshi_vici_segment(buf, sizeof(buf), msg, sizeof(msg)), 9);
	assert_int_equal(onshi_vici_segment(zero, 4, msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "length 0"));
	msg[0] = '\0';
	assert_int_equal(onshi_vici_segment(huge, 4, msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "524289"));
	assert_non_null(strstr(msg, "limit"));
	assert_int_equal(onshi_vici_segment(max, 4, msg, sizeof(msg)), 0);
	/* No message buffer wanted. */
	assert_int_equal(onshi_vici_segment(zero, 4, NULL, 0), -1);
}

struct hostile {
	const char *what;
	unsigned char bytes[32];
	size_t len;
	const char *word;
};

static const struct hostile hostiles[] = {
	{ "empty packet", { 0 }, 0, "empty" },
	{ "unknown packet type", { 9 }, 1, "unknown packet type 9 at offset 0" },
	{ "unknown element type", { 1, 3, 1, 'k', 0, 0, 7 }, 7, "unknown element type 7 at offset 6" },
	{ "element name length past end",
	  { 1, 3, 20, 'a', 'b' },
	  5,
	  "KEY_VALUE at offset 1: name length at offset 2 runs past the end (needs 20 bytes, 2 left)" },
	{ "element name length byte missing", { 1, 1 }, 2, "name length byte is missing" },
	{ "value length past end",
	  { 1,   3,   5,   's', 't', 'a', 't', 'e', 0x01, 0x2c, 'E',
	    'S', 'T', 'A', 'B', 'L', 'I', 'S', 'H', 'E',  'D',  '!' },
	  22,
	  "value of \"state\" at offset 8 runs past the end (needs 300 bytes, 12 left)" },
	{ "value length cut short", { 1, 3, 1, 'k', 0 }, 5, "value length of \"k\" at offset 4" },
	{ "item value past end",
	  { 1, 4, 1, 'l', 5, 0, 9, 'x' },
	  8,
	  "item of list \"l\" at offset 5 runs past the end" },
	{ "SECTION_END without start",
	  { 1, 2 },
	  2,
	  "SECTION_END at offset 1 without a SECTION_START" },
	{ "SECTION_END after balance", { 1, 1, 1, 's', 2, 2 }, 6, "SECTION_END at offset 5 without" },
	{ "LIST_ITEM outside list", { 1, 5, 0, 1, 'x' }, 5, "LIST_ITEM at offset 1 outside a list" },
	{ "LIST_END outside list", { 1, 6 }, 2, "LIST_END at offset 1 outside" },
	{ "LIST_START inside a list",
	  { 1, 4, 1, 'l', 4, 1, 'm', 6, 6 },
	  9,
	  "LIST_START at offset 4 inside list \"l\"" },
	{ "KEY_VALUE inside a list",
	  { 1, 4, 1, 'l', 3, 1, 'k', 0, 1, 'v', 6 },
	  11,
	  "KEY_VALUE at offset 4 inside list" },
	{ "SECTION_START inside a list",
	  { 1, 4, 1, 'l', 1, 1, 's', 2, 6 },
	  9,
	  "SECTION_START at offset 4 inside list" },
	{ "unclosed section",
	  { 1, 1, 1, 's', 1, 1, 't', 2 },
	  8,
	  "section \"s\" (1 open) is not closed" },
	{ "unclosed list",
	  { 1, 4, 1, 'l', 5, 0, 1, 'x' },
	  8,
	  "list \"l\" is not closed when the packet ends at offset 8" },
	{ "name with a NUL byte", { 1, 3, 2, 'a', 0, 0, 0 }, 7, "NUL byte" },
	{ "named type without name byte",
	  { 7 },
	  1,
	  "EVENT at offset 0: the name length byte is missing" },
	{ "packet name past end",
	  { 0, 5, 'a' },
	  3,
	  "CMD_REQUEST at offset 0: name length at offset 1 runs past the end (needs 5 bytes, 1 left)" },
	{ "packet name with NUL", { 3, 2, 'a', 0 }, 4, "NUL byte" },
	{ "control bytes in a name are not echoed",
	  { 1, 4, 3, 'l', '\n', 0x1b, 4, 1, 'm', 6 },
	  10,
	  "inside list \"l??\"" },
};

static void hostile_packets_refused(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(hostiles) / sizeof(hostiles[0]); i++) {
		const struct hostile *h = &hostiles[i];
		struct onshi_vici_packet *p = (void *)1;
		char msg[256] = "";
		int rc = onshi_vici_parse(h->bytes, h->len, &p, msg, sizeof(msg));

		if (rc != -1 || p != NULL || !strstr(msg, h->word))
			fail_msg("%s: rc %d, message \"%s\", wanted \"%s\"",
				 h->what, rc, msg, h->word);
	}
}

/* Sections nested n deep, each named "s", as an unnamed response. */
static size_t nested(unsigned char *out, int n)
{
	size_t len = 0;
	int i;

	out[len++] = ONSHI_VICI_CMD_RESPONSE;
	for (i = 0; i < n; i++) {
		out[len++] = 1;
		out[len++] = 1;
		out[len++] = 's';
	}
	for (i = 0; i < n; i++)
		out[len++] = 2;
	return len;
}

static void depth_bounded(void **state)
{
	unsigned char buf[1 + 4 * (ONSHI_VICI_MAX_DEPTH + 1)];
	struct onshi_vici_packet *p = NULL;
	const struct onshi_vici_node *n;
	char msg[256] = "";
	size_t len;
	int i;

	(void)state;
	len = nested(buf, ONSHI_VICI_MAX_DEPTH);
	assert_int_equal(onshi_vici_parse(buf, len, &p, msg, sizeof(msg)), 0);
	n = p->root;
	for (i = 0; i < ONSHI_VICI_MAX_DEPTH; i++)
		n = onshi_vici_member(n, "s");
	assert_non_null(n);
	assert_null(n->child);
	onshi_vici_packet_free(p);

	len = nested(buf, ONSHI_VICI_MAX_DEPTH + 1);
	assert_int_equal(onshi_vici_parse(buf, len, &p, msg, sizeof(msg)), -1);
	assert_null(p);
	assert_non_null(strstr(msg, "SECTION_START at offset 49 nests sections 17 deep (at most 16)"));
}

static void element_count_bounded(void **state)
{
	struct onshi_vici_builder b = { 0 };
	struct onshi_vici_packet *p = NULL;
	char msg[256] = "";
	int i;

	(void)state;
	onshi_vici_begin(&b, ONSHI_VICI_CMD_RESPONSE, NULL);
	onshi_vici_list_start(&b, "plugins");
	for (i = 0; i < ONSHI_VICI_MAX_ELEMENTS + 1; i++)
		onshi_vici_list_item(&b, "x");
	onshi_vici_list_end(&b);
	assert_int_equal(onshi_vici_end(&b, msg, sizeof(msg)), 0);
	assert_int_equal(onshi_vici_parse((unsigned char *)b.buf.data + 4,
					  b.buf.len - 4, &p, msg, sizeof(msg)),
			 -1);
	assert_null(p);
	assert_non_null(strstr(msg, "too many elements (more than 20000)"));
	onshi_vici_builder_free(&b);

	/* The bound itself is allowed: a list and 19,998 items. */
	onshi_vici_begin(&b, ONSHI_VICI_CMD_RESPONSE, NULL);
	onshi_vici_list_start(&b, "plugins");
	for (i = 0; i < ONSHI_VICI_MAX_ELEMENTS - 2; i++)
		onshi_vici_list_item(&b, "x");
	onshi_vici_list_end(&b);
	assert_int_equal(onshi_vici_end(&b, msg, sizeof(msg)), 0);
	assert_int_equal(onshi_vici_parse((unsigned char *)b.buf.data + 4,
					  b.buf.len - 4, &p, msg, sizeof(msg)),
			 0);
	onshi_vici_packet_free(p);
	onshi_vici_builder_free(&b);
}

/* end() must fail, say why, and leave nothing of the packet behind. */
static void expect_end_fails(struct onshi_vici_builder *b, const char *word)
{
	char msg[256] = "";

	assert_int_equal(onshi_vici_end(b, msg, sizeof(msg)), -1);
	if (!strstr(msg, word))
		fail_msg("message \"%s\", wanted \"%s\"", msg, word);
	assert_int_equal(b->buf.len, b->start);
	onshi_vici_builder_free(b);
}

static void builder_misuse(void **state)
{
	struct onshi_vici_builder b = { 0 };
	char name[257], *value;

	(void)state;
	memset(name, 'n', 256);
	name[256] = '\0';
	onshi_vici_begin(&b, ONSHI_VICI_CMD_REQUEST, "load-conn");
	onshi_vici_section_start(&b, name);
	onshi_vici_section_end(&b);
	expect_end_fails(&b, "longer than 255");

	name[255] = '\0'; /* 255 is allowed */
	onshi_vici_begin(&b, ONSHI_VICI_CMD_REQUEST, name);
	onshi_vici_add_kv(&b, name, "v");
	assert_int_equal(onshi_vici_end(&b, NULL, 0), 0);
	onshi_vici_builder_free(&b);

	value = malloc(65537);
	assert_non_null(value);
	memset(value, 'v', 65536);
	value[65536] = '\0';
	onshi_vici_begin(&b, ONSHI_VICI_CMD_REQUEST, "load-cert");
	onshi_vici_add_kv(&b, "data", value);
	expect_end_fails(&b, "longer than 65,535");

	/* Nine values of 65,535 bytes are over 512 KiB. */
	value[65535] = '\0';
	onshi_vici_begin(&b, ONSHI_VICI_CMD_REQUEST, "load-cert");
	onshi_vici_list_start(&b, "data");
	for (int i = 0; i < 9; i++)
		onshi_vici_list_item(&b, value);
	onshi_vici_list_end(&b);
	expect_end_fails(&b, "over the 524288-byte limit");
	free(value);

	onshi_vici_begin(&b, ONSHI_VICI_CMD_REQUEST, "load-conn");
	onshi_vici_section_start(&b, "national");
	expect_end_fails(&b, "1 section(s) still open");

	onshi_vici_begin(&b, ONSHI_VICI_CMD_REQUEST, "load-shared");
	onshi_vici_list_start(&b, "owners");
	expect_end_fails(&b, "list still open");

	onshi_vici_begin(&b, ONSHI_VICI_CMD_REQUEST, "x");
	onshi_vici_section_end(&b);
	expect_end_fails(&b, "never started");

	onshi_vici_begin(&b, ONSHI_VICI_CMD_REQUEST, "x");
	onshi_vici_list_item(&b, "i");
	expect_end_fails(&b, "list item was added outside a list");

	onshi_vici_begin(&b, ONSHI_VICI_CMD_REQUEST, "x");
	onshi_vici_list_start(&b, "l");
	onshi_vici_add_kv(&b, "k", "v");
	onshi_vici_list_end(&b);
	expect_end_fails(&b, "key/value was added inside a list");

	onshi_vici_begin(&b, ONSHI_VICI_CMD_REQUEST, "x");
	onshi_vici_list_start(&b, "l");
	onshi_vici_list_start(&b, "m");
	onshi_vici_list_end(&b);
	onshi_vici_list_end(&b);
	expect_end_fails(&b, "lists do not nest");

	onshi_vici_begin(&b, ONSHI_VICI_CMD_REQUEST, NULL);
	expect_end_fails(&b, "had no name");

	onshi_vici_begin(&b, ONSHI_VICI_CMD_REQUEST, "x");
	onshi_vici_add_kv(&b, "k", NULL);
	expect_end_fails(&b, "NULL");
}

/* A refused packet leaves the packets queued before it intact. */
static void refused_packet_keeps_earlier_ones(void **state)
{
	struct onshi_vici_builder b = { 0 };
	unsigned char want[128];
	size_t want_len = readme_segment(want);
	char msg[256] = "";

	(void)state;
	build_readme(&b);
	onshi_vici_begin(&b, ONSHI_VICI_CMD_REQUEST, "second");
	assert_int_equal(b.start, want_len);
	onshi_vici_section_start(&b, "open");
	assert_int_equal(onshi_vici_end(&b, msg, sizeof(msg)), -1);
	assert_int_equal(b.buf.len, want_len);
	assert_memory_equal(b.buf.data, want, want_len);
	/* And a good second packet follows the first. */
	build_readme(&b);
	assert_int_equal(b.buf.len, 2 * want_len);
	assert_memory_equal(b.buf.data + want_len, want, want_len);
	onshi_vici_builder_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(readme_example_builds_exactly),
		cmocka_unit_test(readme_example_parses),
		cmocka_unit_test(list_sa_event_round_trip),
		cmocka_unit_test(command_response_failure),
		cmocka_unit_test(event_confirm_is_empty),
		cmocka_unit_test(value_with_nul_byte),
		cmocka_unit_test(segments),
		cmocka_unit_test(hostile_packets_refused),
		cmocka_unit_test(depth_bounded),
		cmocka_unit_test(element_count_bounded),
		cmocka_unit_test(builder_misuse),
		cmocka_unit_test(refused_packet_keeps_earlier_ones),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
