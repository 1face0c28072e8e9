/* SPDX-License-Identifier: Apache-2.0 */
/*
 * panasonic_link.c — the modeled Panasonic device link: binary frames
 *
 *     STX | DLE-escaped( LEN:u16be  CMD:u8  DATA[LEN-1]  CRC:u16be ) | ETX
 *
 * with CRC-16/CCITT-FALSE over LEN..DATA, and 0x02/0x03/0x10 inside the
 * frame sent as DLE (0x10) followed by the byte XOR 0x20. The decoder hunts
 * for STX, so garbage, a lost ETX or a bad frame costs one frame, never the
 * stream. The real protocol is not public; see docs/readers/panasonic.md.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "panasonic_link.h"

#define STX 0x02
#define ETX 0x03
#define DLE 0x10
#define PANA_MAX_LEN 16384 /* CMD + DATA */

enum pana_cmd {
	PANA_CARD_PLACED = 0x31,
	PANA_CARD_REMOVED = 0x32,
	PANA_ATTEST = 0x33,
	PANA_DEVICE_ERROR = 0x3e,
	PANA_ATTEST_REQUEST = 0x51,
	PANA_RESULT = 0x52,
};

struct pana {
	struct fr_buf body; /* unescaped LEN..CRC of the current frame */
	int in_frame, esc, skipping;
	size_t garbage;
};

static void *pana_new(void)
{
	return calloc(1, sizeof(struct pana));
}

static void pana_free(void *c)
{
	struct pana *p = c;

	fr_buf_free(&p->body);
	free(p);
}

static void pana_reset(void *c)
{
	struct pana *p = c;

	p->body.len = 0;
	p->in_frame = p->esc = p->skipping = 0;
	p->garbage = 0;
}

/* ---- payload ---- */

struct rd {
	const unsigned char *p;
	size_t n, off;
	int bad;
};

static unsigned rd_u8(struct rd *r)
{
	if (r->off + 1 > r->n) {
		r->bad = 1;
		return 0;
	}
	return r->p[r->off++];
}

static unsigned rd_u16(struct rd *r)
{
	unsigned v;

	if (r->off + 2 > r->n) {
		r->bad = 1;
		return 0;
	}
	v = (unsigned)r->p[r->off] << 8 | r->p[r->off + 1];
	r->off += 2;
	return v;
}

static const unsigned char *rd_bytes(struct rd *r, size_t n)
{
	const unsigned char *q;

	if (r->off + n > r->n) {
		r->bad = 1;
		return NULL;
	}
	q = r->p + r->off;
	r->off += n;
	return q;
}

static int rd_blob(struct rd *r, unsigned char **out, size_t *outlen)
{
	size_t n = rd_u16(r);
	const unsigned char *q = rd_bytes(r, n);

	if (q == NULL || n == 0)
		return r->bad = 1, -1;
	*out = malloc(n);
	if (*out == NULL)
		return r->bad = 1, -1;
	memcpy(*out, q, n);
	*outlen = n;
	return 0;
}

static void rd_text(struct rd *r, char *dst, size_t cap)
{
	size_t n = rd_u8(r);
	const unsigned char *q = rd_bytes(r, n);

	if (q != NULL)
		fr_copy_text(dst, cap, (const char *)q, n);
}

/* Decode CMD + DATA into m; NULL or why not. */
static const char *pana_decode(const unsigned char *p, size_t n, struct fr_msg *m)
{
	struct rd r = { p + 1, n - 1, 0, 0 };
	int i;

	switch (p[0]) {
	case PANA_CARD_PLACED:
		fr_msg_init(m, FR_MSG_CARD_PLACED);
		m->token = (int)rd_u8(&r);
		m->method = (int)rd_u8(&r);
		for (i = 0; i < 4; i++) {
			unsigned v = rd_u8(&r);

			m->consent[i] = v == 0xff ? -1 : (int)v;
		}
		rd_text(&r, m->operator_id, sizeof(m->operator_id));
		rd_blob(&r, &m->cert, &m->cert_len);
		break;
	case PANA_CARD_REMOVED: fr_msg_init(m, FR_MSG_CARD_REMOVED); break;
	case PANA_ATTEST:
		fr_msg_init(m, FR_MSG_ATTEST);
		if (rd_blob(&r, &m->sig, &m->sig_len) == 0)
			rd_blob(&r, &m->cert, &m->cert_len);
		break;
	case PANA_DEVICE_ERROR:
	case PANA_RESULT:
		fr_msg_init(m, p[0] == PANA_RESULT ? FR_MSG_RESULT
						   : FR_MSG_DEVICE_ERROR);
		m->code = (int)rd_u16(&r);
		rd_text(&r, m->text, sizeof(m->text));
		break;
	case PANA_ATTEST_REQUEST:
		fr_msg_init(m, FR_MSG_ATTEST_REQUEST);
		rd_text(&r, m->nonce, sizeof(m->nonce));
		break;
	default: return "unknown command";
	}
	if (r.bad) {
		fr_msg_clear(m);
		return "payload shorter than its fields";
	}
	if (r.off != r.n) {
		fr_msg_clear(m);
		return "extra bytes after the payload";
	}
	return NULL;
}

static void frame_done(struct pana *p, const struct fr_sink *s)
{
	const unsigned char *b = p->body.data;
	size_t n = p->body.len, len;
	unsigned crc;
	struct fr_msg m;
	const char *why;

	if (n >= 2 && b[0] == 0 && b[1] == 0) {
		fr_problem(s, "panasonic frame with zero length");
		return;
	}
	if (n < 5) {
		fr_problem(s, "panasonic frame of %zu bytes is too short", n);
		return;
	}
	len = (size_t)b[0] << 8 | b[1];
	if (len != n - 4) {
		fr_problem(s,
			   "panasonic frame length field says %zu, frame has "
			   "%zu",
			   len, n - 4);
		return;
	}
	crc = (unsigned)b[n - 2] << 8 | b[n - 1];
	if (crc != fr_crc16(b, n - 2)) {
		fr_problem(s,
			   "panasonic frame (command 0x%02x) with a bad "
			   "checksum",
			   b[2]);
		return;
	}
	why = pana_decode(b + 2, len, &m);
	if (why != NULL) {
		fr_problem(s, "panasonic command 0x%02x: %s", b[2], why);
		return;
	}
	s->msg(s->arg, &m);
}

static void pana_feed(void *c, const unsigned char *buf, size_t len,
		      const struct fr_sink *s)
{
	struct pana *p = c;
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char b = buf[i];

		if (b == STX) {
			if (p->in_frame)
				fr_problem(s,
					   "panasonic frame cut short (STX "
					   "before ETX, %zu bytes)",
					   p->body.len);
			if (p->garbage)
				fr_problem(s,
					   "%zu bytes of garbage between "
					   "panasonic frames",
					   p->garbage);
			p->garbage = 0;
			p->in_frame = 1;
			p->skipping = p->esc = 0;
			p->body.len = 0;
			continue;
		}
		if (!p->in_frame) {
			if (!p->skipping)
				p->garbage++;
			continue;
		}
		if (b == ETX) {
			p->in_frame = 0;
			if (p->esc)
				fr_problem(s, "panasonic frame ends inside an "
					      "escape");
			else
				frame_done(p, s);
			p->esc = 0;
			p->body.len = 0;
			continue;
		}
		if (b == DLE && !p->esc) {
			p->esc = 1;
			continue;
		}
		if (p->esc) {
			b ^= 0x20;
			p->esc = 0;
		}
		if (fr_buf_byte(&p->body, b) < 0) {
			p->in_frame = 0;
			p->skipping = 1;
			fr_problem(s, "out of memory reading a panasonic frame");
			continue;
		}
		/* Judge the length as soon as it is known. */
		if (p->body.len >= 2) {
			size_t flen = (size_t)p->body.data[0] << 8 |
				      p->body.data[1];

			if (flen > PANA_MAX_LEN) {
				fr_problem(s,
					   "panasonic frame length %zu over "
					   "the limit of %d; skipped",
					   flen, PANA_MAX_LEN);
				p->in_frame = 0;
				p->skipping = 1; /* until the next STX */
				p->body.len = 0;
			} else if (p->body.len > flen + 4) {
				fr_problem(s,
					   "panasonic frame runs past its "
					   "length of %zu (ETX lost); skipped",
					   flen);
				p->in_frame = 0;
				p->skipping = 1;
				p->body.len = 0;
			}
		}
	}
	if (p->garbage) {
		fr_problem(s, "%zu bytes of garbage outside panasonic frames",
			   p->garbage);
		p->garbage = 0;
	}
}

/* ---- encoding ---- */

static int put_u16(struct fr_buf *b, size_t v)
{
	if (v > 0xffff)
		return -1;
	return fr_buf_byte(b, (unsigned char)(v >> 8)) |
	       fr_buf_byte(b, (unsigned char)v);
}

static int put_text(struct fr_buf *b, const char *t)
{
	size_t n = strlen(t);

	if (n > 255)
		n = 255;
	return fr_buf_byte(b, (unsigned char)n) | fr_buf_append(b, t, n);
}

static int put_blob(struct fr_buf *b, const unsigned char *p, size_t n)
{
	return put_u16(b, n) | fr_buf_append(b, p, n);
}

static int pana_encode(void *c, const struct fr_msg *m, struct fr_buf *out)
{
	struct fr_buf body = { 0 };
	size_t i;
	unsigned crc;
	int rc = 0, k;

	(void)c;
	rc |= put_u16(&body, 0); /* LEN, filled in below */
	switch (m->type) {
	case FR_MSG_CARD_PLACED:
		rc |= fr_buf_byte(&body, PANA_CARD_PLACED);
		rc |= fr_buf_byte(&body, (unsigned char)m->token);
		rc |= fr_buf_byte(&body, (unsigned char)m->method);
		for (k = 0; k < 4; k++)
			rc |= fr_buf_byte(&body,
					  m->consent[k] < 0
						  ? 0xff
						  : (unsigned char)m->consent[k]);
		rc |= put_text(&body, m->operator_id);
		rc |= put_blob(&body, m->cert, m->cert_len);
		break;
	case FR_MSG_CARD_REMOVED:
		rc |= fr_buf_byte(&body, PANA_CARD_REMOVED);
		break;
	case FR_MSG_ATTEST:
		rc |= fr_buf_byte(&body, PANA_ATTEST);
		rc |= put_blob(&body, m->sig, m->sig_len);
		rc |= put_blob(&body, m->cert, m->cert_len);
		break;
	case FR_MSG_DEVICE_ERROR:
	case FR_MSG_RESULT:
		rc |= fr_buf_byte(&body, m->type == FR_MSG_RESULT
						 ? PANA_RESULT
						 : PANA_DEVICE_ERROR);
		rc |= put_u16(&body, (size_t)(m->code & 0xffff));
		rc |= put_text(&body, m->text);
		break;
	case FR_MSG_ATTEST_REQUEST:
		rc |= fr_buf_byte(&body, PANA_ATTEST_REQUEST);
		rc |= put_text(&body, m->nonce);
		break;
	default: rc = -1;
	}
	if (rc != 0 || body.len - 2 > PANA_MAX_LEN) {
		fr_buf_free(&body);
		return -1;
	}
	body.data[0] = (unsigned char)((body.len - 2) >> 8);
	body.data[1] = (unsigned char)(body.len - 2);
	crc = fr_crc16(body.data, body.len);
	rc |= put_u16(&body, crc);
	rc |= fr_buf_byte(out, STX);
	for (i = 0; i < body.len; i++) {
		unsigned char b = body.data[i];

		if (b == STX || b == ETX || b == DLE) {
			rc |= fr_buf_byte(out, DLE);
			b ^= 0x20;
		}
		rc |= fr_buf_byte(out, b);
	}
	rc |= fr_buf_byte(out, ETX);
	fr_buf_free(&body);
	return rc ? -1 : 0;
}

const struct fr_link_ops panasonic_link = {
	.name = "panasonic",
	.codec_new = pana_new,
	.codec_free = pana_free,
	.codec_reset = pana_reset,
	.feed = pana_feed,
	.encode = pana_encode,
};
