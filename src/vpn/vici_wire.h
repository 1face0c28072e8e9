/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vici_wire.h — strongSwan's VICI wire format (the charon control socket's
 * protocol, documented in strongSwan's src/libcharon/plugins/vici/README.md):
 * building request packets and parsing whatever charon sends back into a
 * small tree, bounded in every dimension. Debian ships libvici without a
 * header or pkg-config file, so onshid speaks the format itself; this file
 * knows bytes only (no sockets, no daemon state), so the fuzzer and the unit
 * test drive it directly.
 *
 * Transport: a 32-bit big-endian length, then that many bytes of packet.
 * Packet: one type byte; named types (CMD_REQUEST, EVENT_REGISTER,
 * EVENT_UNREGISTER, EVENT) then carry an 8-bit name length and the name;
 * the rest is a message. Message: a sequence of elements — SECTION_START
 * name, SECTION_END, KEY_VALUE name value, LIST_START name, LIST_ITEM value,
 * LIST_END — names with an 8-bit length, values with a 16-bit big-endian
 * length.
 */
#ifndef ONSHI_VPN_VICI_WIRE_H
#define ONSHI_VPN_VICI_WIRE_H

#include <stddef.h>

#include "strbuf.h"

/* strongSwan's own limit on one transport segment (512 KiB). */
#define ONSHI_VICI_MAX_PACKET (512u * 1024u)
/* How deep sections may nest in what we accept (list-sa needs 4). */
#define ONSHI_VICI_MAX_DEPTH 16
/* How many elements one parsed message may hold. */
#define ONSHI_VICI_MAX_ELEMENTS 20000

enum onshi_vici_packet_type {
	ONSHI_VICI_CMD_REQUEST = 0,
	ONSHI_VICI_CMD_RESPONSE = 1,
	ONSHI_VICI_CMD_UNKNOWN = 2,
	ONSHI_VICI_EVENT_REGISTER = 3,
	ONSHI_VICI_EVENT_UNREGISTER = 4,
	ONSHI_VICI_EVENT_CONFIRM = 5,
	ONSHI_VICI_EVENT_UNKNOWN = 6,
	ONSHI_VICI_EVENT = 7,
};

/* ---- building ---------------------------------------------------------- */

/*
 * A packet under construction in a strbuf (whose failure flag is sticky).
 * The builder starts zeroed (= { 0 }). begin() reserves the 4-byte length
 * after whatever the buffer already holds and writes the type and, for
 * named types, the name (a named type needs one, an unnamed one none);
 * end() fills in the length. Names longer than 255 bytes, values longer
 * than 65,535 bytes, unbalanced sections or lists, or a packet over
 * ONSHI_VICI_MAX_PACKET make end() fail, cut the buffer back to where
 * begin() started, and say which rule was broken (`bad` holds it). Depth
 * is not bounded here: what we build is ours.
 */
struct onshi_vici_builder {
	struct onshi_strbuf buf;
	size_t start; /* offset of the length field */
	int depth;    /* open sections */
	int in_list;
	int bad; /* a rule above was broken */
};

void onshi_vici_begin(struct onshi_vici_builder *b,
		      enum onshi_vici_packet_type type, const char *name);
void onshi_vici_add_kv(struct onshi_vici_builder *b, const char *key,
		       const char *value);
void onshi_vici_section_start(struct onshi_vici_builder *b, const char *name);
void onshi_vici_section_end(struct onshi_vici_builder *b);
void onshi_vici_list_start(struct onshi_vici_builder *b, const char *name);
void onshi_vici_list_item(struct onshi_vici_builder *b, const char *value);
void onshi_vici_list_end(struct onshi_vici_builder *b);
/* 0 and the whole segment (length field included) in b->buf; -1 and why. */
int onshi_vici_end(struct onshi_vici_builder *b, char *msg, size_t msglen);
void onshi_vici_builder_free(struct onshi_vici_builder *b);

/* ---- parsing ----------------------------------------------------------- */

/*
 * How much of buf is one whole segment: >0 the segment's total length
 * (4 + data), 0 more bytes are needed, -1 the length field is over
 * ONSHI_VICI_MAX_PACKET or zero (the stream cannot be trusted after that).
 */
long onshi_vici_segment(const unsigned char *buf, size_t len, char *msg,
			size_t msglen);

enum onshi_vici_kind {
	ONSHI_VICI_SECTION, /* name, children in `child` */
	ONSHI_VICI_VALUE,   /* name (NULL for a list item), value */
	ONSHI_VICI_LIST,    /* name, items (VALUE nodes) in `child` */
};

struct onshi_vici_node {
	enum onshi_vici_kind kind;
	char *name;  /* NUL-terminated; NULL for list items and the root */
	char *value; /* NUL-terminated copy (values may hold NULs: see len) */
	size_t value_len;
	struct onshi_vici_node *child; /* first member of a section or list */
	struct onshi_vici_node *next;  /* next sibling */
};

struct onshi_vici_packet {
	enum onshi_vici_packet_type type;
	char name[256];               /* "" for unnamed types */
	struct onshi_vici_node *root; /* the message: a SECTION with no name */
};

/*
 * Parse one segment's data (the bytes after the length field). Every rule
 * of the format is checked: a known type, names within the packet, values
 * within the packet, balanced sections, lists not nested and holding only
 * items, items only in lists, depth and element count within the bounds
 * above. 0 and *out; -1 and a sentence naming the problem and its offset.
 */
int onshi_vici_parse(const unsigned char *data, size_t len,
		     struct onshi_vici_packet **out, char *msg, size_t msglen);
void onshi_vici_packet_free(struct onshi_vici_packet *p);

/* The member `name` of a section (first match), or NULL. */
const struct onshi_vici_node *onshi_vici_member(const struct onshi_vici_node *sec,
						const char *name);
/* The value of the key `name` in a section, or NULL if absent / not a value. */
const char *onshi_vici_value(const struct onshi_vici_node *sec, const char *name);

#endif
