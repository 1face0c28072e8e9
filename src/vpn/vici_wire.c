/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vici_wire.c — strongSwan's VICI wire format (src/vpn/vici_wire.h):
 * building request packets into a strbuf and parsing packets into a tree.
 *
 * The parser reads bytes from charon's socket, which another process may
 * also hold, so it trusts nothing: every length is checked against what is
 * left before it is used, the tree is bounded in depth and size, and every
 * refusal names the problem and its offset in the packet.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "vici_wire.h"

enum vici_element {
	EL_SECTION_START = 1,
	EL_SECTION_END = 2,
	EL_KEY_VALUE = 3,
	EL_LIST_START = 4,
	EL_LIST_ITEM = 5,
	EL_LIST_END = 6,
};

static const char *const packet_type_names[] = {
	"CMD_REQUEST",      "CMD_RESPONSE",  "CMD_UNKNOWN",   "EVENT_REGISTER",
	"EVENT_UNREGISTER", "EVENT_CONFIRM", "EVENT_UNKNOWN", "EVENT",
};

static const char *const element_names[] = {
	"?",          "SECTION_START", "SECTION_END", "KEY_VALUE",
	"LIST_START", "LIST_ITEM",     "LIST_END",
};

/* Types that carry a name after the type byte (README, "Packet layer"). */
static int packet_is_named(unsigned type)
{
	return type == ONSHI_VICI_CMD_REQUEST || type == ONSHI_VICI_EVENT_REGISTER ||
	       type == ONSHI_VICI_EVENT_UNREGISTER || type == ONSHI_VICI_EVENT;
}

/* ---- building ---------------------------------------------------------- */

/* Why `bad` was set: the first rule broken, so end() can say which. */
enum builder_fault {
	FAULT_NONE = 0,
	FAULT_TYPE,
	FAULT_PACKET_NAME,
	FAULT_MISSING,
	FAULT_NAME_LONG,
	FAULT_VALUE_LONG,
	FAULT_SECTION_END,
	FAULT_SECTION_IN_LIST,
	FAULT_ITEM_OUTSIDE,
	FAULT_LIST_END_OUTSIDE,
	FAULT_KV_IN_LIST,
	FAULT_LIST_NESTED,
};

static const char *const fault_sentences[] = {
	[FAULT_TYPE] = "an unknown packet type was asked for",
	[FAULT_PACKET_NAME] = "a named packet type had no name, or an unnamed one had a name",
	[FAULT_MISSING] = "a key, section, list name or value was NULL",
	[FAULT_NAME_LONG] = "a name was longer than 255 bytes",
	[FAULT_VALUE_LONG] = "a value was longer than 65,535 bytes",
	[FAULT_SECTION_END] = "a section was ended that was never started",
	[FAULT_SECTION_IN_LIST] = "a section was started or ended inside a list",
	[FAULT_ITEM_OUTSIDE] = "a list item was added outside a list",
	[FAULT_LIST_END_OUTSIDE] = "a list was ended that was never started",
	[FAULT_KV_IN_LIST] = "a key/value was added inside a list",
	[FAULT_LIST_NESTED] = "a list was started inside a list (lists do not nest)",
};

/* A caller may have set `bad` itself: any value outside the table is a fault. */
static const char *fault_sentence(int f)
{
	if (f > 0 &&
	    (size_t)f < sizeof(fault_sentences) / sizeof(fault_sentences[0]) &&
	    fault_sentences[f])
		return fault_sentences[f];
	return "a rule of the format was broken";
}

/* Keep the first fault: later ones are usually its consequences. */
static void fault(struct onshi_vici_builder *b, enum builder_fault f)
{
	if (!b->bad)
		b->bad = f;
}

static void put_u8(struct onshi_vici_builder *b, unsigned v)
{
	char c = (char)(unsigned char)v;

	onshi_strbuf_append(&b->buf, &c, 1);
}

/* Checked before anything is written so a refused element leaves no half. */
static int value_fits(struct onshi_vici_builder *b, const char *value)
{
	if (!value) {
		fault(b, FAULT_MISSING);
		return 0;
	}
	if (strlen(value) > 65535) {
		fault(b, FAULT_VALUE_LONG);
		return 0;
	}
	return 1;
}

static int name_fits(struct onshi_vici_builder *b, const char *name)
{
	if (!name) {
		fault(b, FAULT_MISSING);
		return 0;
	}
	if (strlen(name) > 255) {
		fault(b, FAULT_NAME_LONG);
		return 0;
	}
	return 1;
}

/* An 8-bit length and the name; 0 when it broke a rule. */
static int put_name(struct onshi_vici_builder *b, const char *name)
{
	if (!name_fits(b, name))
		return 0;
	put_u8(b, (unsigned)strlen(name));
	onshi_strbuf_append(&b->buf, name, strlen(name));
	return 1;
}

static void put_value(struct onshi_vici_builder *b, const char *value)
{
	size_t n = strlen(value);

	put_u8(b, (unsigned)(n >> 8));
	put_u8(b, (unsigned)(n & 0xff));
	onshi_strbuf_append(&b->buf, value, n);
}

void onshi_vici_begin(struct onshi_vici_builder *b,
		      enum onshi_vici_packet_type type, const char *name)
{
	static const char length_placeholder[4];
	unsigned t = (unsigned)type;

	/* The buffer may already hold earlier packets: append after them. */
	b->start = b->buf.len;
	b->depth = 0;
	b->in_list = 0;
	b->bad = FAULT_NONE;
	onshi_strbuf_append(&b->buf, length_placeholder, 4);
	if (t > ONSHI_VICI_EVENT) {
		fault(b, FAULT_TYPE);
		return;
	}
	put_u8(b, t);
	if (packet_is_named(t)) {
		if (!name) {
			fault(b, FAULT_PACKET_NAME);
			return;
		}
		put_name(b, name);
	} else if (name && *name) {
		fault(b, FAULT_PACKET_NAME);
	}
}

void onshi_vici_add_kv(struct onshi_vici_builder *b, const char *key, const char *value)
{
	if (b->bad)
		return;
	if (b->in_list) {
		fault(b, FAULT_KV_IN_LIST);
		return;
	}
	if (!name_fits(b, key) || !value_fits(b, value))
		return;
	put_u8(b, EL_KEY_VALUE);
	put_name(b, key);
	put_value(b, value);
}

void onshi_vici_section_start(struct onshi_vici_builder *b, const char *name)
{
	if (b->bad)
		return;
	if (b->in_list) {
		fault(b, FAULT_SECTION_IN_LIST);
		return;
	}
	if (!name_fits(b, name))
		return;
	put_u8(b, EL_SECTION_START);
	put_name(b, name);
	b->depth++;
}

void onshi_vici_section_end(struct onshi_vici_builder *b)
{
	if (b->bad)
		return;
	if (b->in_list) {
		fault(b, FAULT_SECTION_IN_LIST);
		return;
	}
	if (b->depth == 0) {
		fault(b, FAULT_SECTION_END);
		return;
	}
	put_u8(b, EL_SECTION_END);
	b->depth--;
}

void onshi_vici_list_start(struct onshi_vici_builder *b, const char *name)
{
	if (b->bad)
		return;
	if (b->in_list) {
		fault(b, FAULT_LIST_NESTED);
		return;
	}
	if (!name_fits(b, name))
		return;
	put_u8(b, EL_LIST_START);
	put_name(b, name);
	b->in_list = 1;
}

void onshi_vici_list_item(struct onshi_vici_builder *b, const char *value)
{
	if (b->bad)
		return;
	if (!b->in_list) {
		fault(b, FAULT_ITEM_OUTSIDE);
		return;
	}
	if (!value_fits(b, value))
		return;
	put_u8(b, EL_LIST_ITEM);
	put_value(b, value);
}

void onshi_vici_list_end(struct onshi_vici_builder *b)
{
	if (b->bad)
		return;
	if (!b->in_list) {
		fault(b, FAULT_LIST_END_OUTSIDE);
		return;
	}
	put_u8(b, EL_LIST_END);
	b->in_list = 0;
}

/* Drop the refused packet so earlier packets in the buffer stay sendable. */
static int refuse(struct onshi_vici_builder *b)
{
	if (b->buf.data && b->start <= b->buf.len) {
		b->buf.len = b->start;
		b->buf.data[b->buf.len] = '\0';
	}
	return -1;
}

int onshi_vici_end(struct onshi_vici_builder *b, char *msg, size_t msglen)
{
	size_t data_len;
	unsigned char *p;

	if (b->buf.failed) {
		onshi_set_msg(msg, msglen,
			      "VICI builder: out of memory while building the packet");
		return -1;
	}
	if (b->bad) {
		onshi_set_msg(msg, msglen, "VICI builder: %s",
			      fault_sentence(b->bad));
		return refuse(b);
	}
	if (b->in_list) {
		onshi_set_msg(msg, msglen,
			      "VICI builder: the packet ends with a list still open");
		return refuse(b);
	}
	if (b->depth > 0) {
		onshi_set_msg(msg, msglen,
			      "VICI builder: the packet ends with %d section(s) still open",
			      b->depth);
		return refuse(b);
	}
	if (!b->buf.data || b->buf.len < b->start + 5) {
		onshi_set_msg(msg, msglen,
			      "VICI builder: end() without begin() (no packet to finish)");
		return refuse(b);
	}
	data_len = b->buf.len - b->start - 4;
	if (data_len > ONSHI_VICI_MAX_PACKET) {
		onshi_set_msg(msg, msglen,
			      "VICI builder: the packet is %zu bytes, over the %u-byte limit",
			      data_len, ONSHI_VICI_MAX_PACKET);
		return refuse(b);
	}
	p = (unsigned char *)b->buf.data + b->start;
	p[0] = (unsigned char)(data_len >> 24);
	p[1] = (unsigned char)(data_len >> 16);
	p[2] = (unsigned char)(data_len >> 8);
	p[3] = (unsigned char)data_len;
	return 0;
}

void onshi_vici_builder_free(struct onshi_vici_builder *b)
{
	onshi_strbuf_free(&b->buf);
	b->start = 0;
	b->depth = 0;
	b->in_list = 0;
	b->bad = 0;
}

/* ---- parsing ----------------------------------------------------------- */

long onshi_vici_segment(const unsigned char *buf, size_t len, char *msg, size_t msglen)
{
	uint32_t n;

	if (len < 4)
		return 0;
	n = (uint32_t)buf[0] << 24 | (uint32_t)buf[1] << 16 |
	    (uint32_t)buf[2] << 8 | (uint32_t)buf[3];
	if (n == 0) {
		onshi_set_msg(msg, msglen,
			      "VICI segment: length 0 (a packet has at least its type byte)");
		return -1;
	}
	if (n > ONSHI_VICI_MAX_PACKET) {
		onshi_set_msg(msg, msglen,
			      "VICI segment: length %lu is over the %u-byte limit",
			      (unsigned long)n, ONSHI_VICI_MAX_PACKET);
		return -1;
	}
	if (len - 4 < n)
		return 0;
	return (long)n + 4;
}

/*
 * A name fit for a message: hostile bytes must not reach the log as control
 * characters, and a 255-byte name must not crowd out the offset.
 */
#define SHOWN_LEN 48
static const char *shown(char out[SHOWN_LEN], const char *s, size_t n)
{
	size_t i, o = 0;

	if (!s)
		return "(root)";
	for (i = 0; i < n && o < SHOWN_LEN - 4; i++) {
		unsigned char c = (unsigned char)s[i];

		out[o++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	if (i < n) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return out;
}

/* Where the parser is: the bytes, the position and where to complain. */
struct cursor {
	const unsigned char *data;
	size_t len;
	size_t pos;
	char *msg;
	size_t msglen;
};

static size_t left(const struct cursor *c)
{
	return c->len - c->pos;
}

/*
 * An 8-bit length and that many bytes of name, copied NUL-terminated into
 * *out (malloc'd, or into fixed when given). `what` says whose name it is.
 */
static int read_name(struct cursor *c, const char *what, size_t el_off,
		     char **out, char *fixed)
{
	size_t n;
	const unsigned char *p;
	char *copy;

	if (left(c) < 1) {
		onshi_set_msg(c->msg, c->msglen,
			      "VICI %s at offset %zu: the name length byte is missing (the packet ends there)",
			      what, el_off);
		return -1;
	}
	n = c->data[c->pos];
	if (n > left(c) - 1) {
		onshi_set_msg(c->msg, c->msglen,
			      "VICI %s at offset %zu: name length at offset %zu runs past the end (needs %zu bytes, %zu left)",
			      what, el_off, c->pos, n, left(c) - 1);
		return -1;
	}
	p = c->data + c->pos + 1;
	if (memchr(p, '\0', n)) {
		onshi_set_msg(c->msg, c->msglen,
			      "VICI %s at offset %zu: the name holds a NUL byte",
			      what, el_off);
		return -1;
	}
	copy = fixed ? fixed : malloc(n + 1);
	if (!copy) {
		onshi_set_msg(c->msg, c->msglen,
			      "VICI %s at offset %zu: out of memory for a %zu-byte name",
			      what, el_off, n);
		return -1;
	}
	memcpy(copy, p, n);
	copy[n] = '\0';
	c->pos += 1 + n;
	if (out)
		*out = copy;
	return 0;
}

/* A 16-bit big-endian length and that many bytes, copied with a NUL after. */
static int read_value(struct cursor *c, const char *owner,
		      struct onshi_vici_node *node)
{
	size_t n, at = c->pos;
	char *copy;

	if (left(c) < 2) {
		onshi_set_msg(c->msg, c->msglen,
			      "VICI message: value length of %s at offset %zu runs past the end (needs 2 bytes, %zu left)",
			      owner, at, left(c));
		return -1;
	}
	n = (size_t)c->data[at] << 8 | c->data[at + 1];
	if (n > left(c) - 2) {
		onshi_set_msg(c->msg, c->msglen,
			      "VICI message: value of %s at offset %zu runs past the end (needs %zu bytes, %zu left)",
			      owner, at, n, left(c) - 2);
		return -1;
	}
	copy = malloc(n + 1);
	if (!copy) {
		onshi_set_msg(c->msg, c->msglen,
			      "VICI message: out of memory for the %zu-byte value of %s at offset %zu",
			      n, owner, at);
		return -1;
	}
	memcpy(copy, c->data + at + 2, n);
	copy[n] = '\0';
	node->value = copy;
	node->value_len = n;
	c->pos += 2 + n;
	return 0;
}

/* An open section or list and the place its next member goes. */
struct frame {
	struct onshi_vici_node *node;
	struct onshi_vici_node **tail;
};

/* Sections to ONSHI_VICI_MAX_DEPTH, the root below them, a list above. */
#define FRAMES (ONSHI_VICI_MAX_DEPTH + 2)

static struct onshi_vici_node *new_node(struct frame *parent, enum onshi_vici_kind kind)
{
	struct onshi_vici_node *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->kind = kind;
	/* Linked at once, so freeing the root frees it on any later error. */
	*parent->tail = n;
	parent->tail = &n->next;
	return n;
}

static void node_free(struct onshi_vici_node *n)
{
	/* Siblings in a loop, children by recursion: depth is bounded. */
	while (n) {
		struct onshi_vici_node *next = n->next;

		node_free(n->child);
		free(n->name);
		free(n->value);
		free(n);
		n = next;
	}
}

void onshi_vici_packet_free(struct onshi_vici_packet *p)
{
	if (!p)
		return;
	node_free(p->root);
	free(p);
}

static int out_of_memory(struct cursor *c, size_t el_off)
{
	onshi_set_msg(c->msg, c->msglen,
		      "VICI message: out of memory for the element at offset %zu",
		      el_off);
	return -1;
}

/* The elements from c->pos to the end, into root. */
static int parse_message(struct cursor *c, struct onshi_vici_node *root)
{
	struct frame stack[FRAMES];
	int depth = 0; /* open sections; stack[0] is the root */
	struct frame *list = NULL;
	size_t elements = 0;
	char a[SHOWN_LEN], b[SHOWN_LEN], owner[SHOWN_LEN + 16];

	stack[0].node = root;
	stack[0].tail = &root->child;
	while (c->pos < c->len) {
		size_t at = c->pos;
		unsigned type = c->data[at];
		struct frame *top = &stack[depth];
		struct onshi_vici_node *n;

		if (++elements > ONSHI_VICI_MAX_ELEMENTS) {
			onshi_set_msg(c->msg, c->msglen,
				      "VICI message: too many elements (more than %u) at offset %zu",
				      ONSHI_VICI_MAX_ELEMENTS, at);
			return -1;
		}
		if (type < EL_SECTION_START || type > EL_LIST_END) {
			onshi_set_msg(c->msg, c->msglen,
				      "VICI message: unknown element type %u at offset %zu",
				      type, at);
			return -1;
		}
		/* Only items and the list's end may follow a LIST_START. */
		if (list && type != EL_LIST_ITEM && type != EL_LIST_END) {
			onshi_set_msg(c->msg, c->msglen,
				      "VICI message: %s at offset %zu inside list \"%s\" (lists hold only items and do not nest)",
				      element_names[type], at,
				      shown(a, list->node->name,
					    strlen(list->node->name)));
			return -1;
		}
		c->pos++;
		switch (type) {
		case EL_SECTION_START:
			if (depth == ONSHI_VICI_MAX_DEPTH) {
				onshi_set_msg(c->msg, c->msglen,
					      "VICI message: SECTION_START at offset %zu nests sections %d deep (at most %d)",
					      at, depth + 1, ONSHI_VICI_MAX_DEPTH);
				return -1;
			}
			n = new_node(top, ONSHI_VICI_SECTION);
			if (!n)
				return out_of_memory(c, at);
			if (read_name(c, "message: SECTION_START", at, &n->name,
				      NULL) < 0)
				return -1;
			depth++;
			stack[depth].node = n;
			stack[depth].tail = &n->child;
			break;
		case EL_SECTION_END:
			if (depth == 0) {
				onshi_set_msg(c->msg, c->msglen,
					      "VICI message: SECTION_END at offset %zu without a SECTION_START",
					      at);
				return -1;
			}
			depth--;
			break;
		case EL_KEY_VALUE:
			n = new_node(top, ONSHI_VICI_VALUE);
			if (!n)
				return out_of_memory(c, at);
			if (read_name(c, "message: KEY_VALUE", at, &n->name, NULL) < 0)
				return -1;
			snprintf(owner, sizeof(owner), "\"%s\"",
				 shown(a, n->name, strlen(n->name)));
			if (read_value(c, owner, n) < 0)
				return -1;
			break;
		case EL_LIST_START:
			n = new_node(top, ONSHI_VICI_LIST);
			if (!n)
				return out_of_memory(c, at);
			if (read_name(c, "message: LIST_START", at, &n->name, NULL) < 0)
				return -1;
			list = &stack[depth + 1];
			list->node = n;
			list->tail = &n->child;
			break;
		case EL_LIST_ITEM:
			if (!list) {
				onshi_set_msg(c->msg, c->msglen,
					      "VICI message: LIST_ITEM at offset %zu outside a list",
					      at);
				return -1;
			}
			n = new_node(list, ONSHI_VICI_VALUE);
			if (!n)
				return out_of_memory(c, at);
			snprintf(owner, sizeof(owner), "an item of list \"%s\"",
				 shown(a, list->node->name, strlen(list->node->name)));
			if (read_value(c, owner, n) < 0)
				return -1;
			break;
		case EL_LIST_END:
			if (!list) {
				onshi_set_msg(c->msg, c->msglen,
					      "VICI message: LIST_END at offset %zu outside a list",
					      at);
				return -1;
			}
			list = NULL;
			break;
		}
	}
	if (list) {
		onshi_set_msg(c->msg, c->msglen,
			      "VICI message: list \"%s\" is not closed when the packet ends at offset %zu",
			      shown(a, list->node->name, strlen(list->node->name)),
			      c->len);
		return -1;
	}
	if (depth > 0) {
		const char *name = stack[depth].node->name;

		onshi_set_msg(c->msg, c->msglen,
			      "VICI message: section \"%s\" (%d open) is not closed when the packet ends at offset %zu",
			      shown(b, name, strlen(name)), depth, c->len);
		return -1;
	}
	return 0;
}

int onshi_vici_parse(const unsigned char *data, size_t len,
		     struct onshi_vici_packet **out, char *msg, size_t msglen)
{
	struct cursor c = { data, len, 0, msg, msglen };
	struct onshi_vici_packet *p;
	unsigned type;

	*out = NULL;
	if (len == 0) {
		onshi_set_msg(msg, msglen,
			      "VICI packet: empty (not even a type byte at offset 0)");
		return -1;
	}
	if (len > ONSHI_VICI_MAX_PACKET) {
		onshi_set_msg(msg, msglen,
			      "VICI packet: %zu bytes, over the %u-byte limit",
			      len, ONSHI_VICI_MAX_PACKET);
		return -1;
	}
	type = data[0];
	if (type > ONSHI_VICI_EVENT) {
		onshi_set_msg(msg, msglen,
			      "VICI packet: unknown packet type %u at offset 0",
			      type);
		return -1;
	}
	p = calloc(1, sizeof(*p));
	if (p)
		p->root = calloc(1, sizeof(*p->root));
	if (!p || !p->root) {
		free(p);
		onshi_set_msg(msg, msglen,
			      "VICI packet: out of memory for a %zu-byte packet",
			      len);
		return -1;
	}
	p->type = (enum onshi_vici_packet_type)type;
	p->root->kind = ONSHI_VICI_SECTION;
	c.pos = 1;
	if (packet_is_named(type)) {
		char what[40];

		snprintf(what, sizeof(what), "packet: %s", packet_type_names[type]);
		if (read_name(&c, what, 0, NULL, p->name) < 0)
			goto fail;
	}
	if (parse_message(&c, p->root) < 0)
		goto fail;
	*out = p;
	return 0;
fail:
	onshi_vici_packet_free(p);
	return -1;
}

const struct onshi_vici_node *onshi_vici_member(const struct onshi_vici_node *sec,
						const char *name)
{
	const struct onshi_vici_node *n;

	if (!sec || sec->kind != ONSHI_VICI_SECTION || !name)
		return NULL;
	for (n = sec->child; n; n = n->next)
		if (n->name && strcmp(n->name, name) == 0)
			return n;
	return NULL;
}

const char *onshi_vici_value(const struct onshi_vici_node *sec, const char *name)
{
	const struct onshi_vici_node *n = onshi_vici_member(sec, name);

	return n && n->kind == ONSHI_VICI_VALUE ? n->value : NULL;
}
