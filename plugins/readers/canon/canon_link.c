/* SPDX-License-Identifier: Apache-2.0 */
/*
 * canon_link.c — the modeled Canon device link: nested TLV
 *
 *     70 L { 80 01 type  81 01 token  82 01 method  A3 L { 84 01 c × 4 }
 *            85 L operator  86 L card-cert  87 L signature  88 L dev-cert
 *            89 02 code  8A L text  8B L nonce  ...  8F 01 lrc }
 *
 * Tags are one byte (bit 0x20 = constructed), lengths BER-style (short
 * form, 81 LL or 82 LL LL). 8F closes every message with the XOR of all
 * value bytes before it. Unknown tags are skipped, so newer firmware can
 * add fields. A message that fails its length or LRC costs one byte: the
 * decoder slides to the next 70 and tries again. The real protocol is not
 * public; see docs/readers/canon.md.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canon_link.h"

#define CANON_MAX_LEN 16384
#define T_MSG 0x70
#define T_TYPE 0x80
#define T_TOKEN 0x81
#define T_METHOD 0x82
#define T_CONSENTS 0xa3
#define T_CONSENT 0x84
#define T_OPERATOR 0x85
#define T_CARD_CERT 0x86
#define T_SIG 0x87
#define T_DEV_CERT 0x88
#define T_CODE 0x89
#define T_TEXT 0x8a
#define T_NONCE 0x8b
#define T_LRC 0x8f

struct canon {
	struct fr_buf in;
	struct fr_resync resync; /* after garbage */
};

static void *canon_new(void)
{
	return calloc(1, sizeof(struct canon));
}

static void canon_free(void *c)
{
	struct canon *k = c;

	fr_buf_free(&k->in);
	free(k);
}

static void canon_reset(void *c)
{
	struct canon *k = c;

	k->in.len = 0;
	k->resync.skipped = 0;
}

/*
 * Read one TLV header at p[0..n): tag, value length, header size.
 * 1 done, 0 need more bytes, -1 malformed.
 */
static int tlv_header(const unsigned char *p, size_t n, unsigned *tag,
		      size_t *len, size_t *hdr)
{
	if (n < 2)
		return 0;
	*tag = p[0];
	if (p[1] < 0x80) {
		*len = p[1];
		*hdr = 2;
	} else if (p[1] == 0x81) {
		if (n < 3)
			return 0;
		*len = p[2];
		*hdr = 3;
		if (*len < 0x80)
			return -1; /* not minimal: a sign of garbage */
	} else if (p[1] == 0x82) {
		if (n < 4)
			return 0;
		*len = (size_t)p[2] << 8 | p[3];
		*hdr = 4;
		if (*len < 0x100)
			return -1;
	} else {
		return -1; /* indefinite or longer forms: not used */
	}
	return 1;
}

static int blob(const unsigned char *v, size_t n, unsigned char **out, size_t *outlen)
{
	if (*out != NULL || n == 0 || n > FR_BLOB_MAX)
		return -1;
	*out = malloc(n);
	if (*out == NULL)
		return -1;
	memcpy(*out, v, n);
	*outlen = n;
	return 0;
}

/* The consents block: four 84 01 xx in order. */
static const char *consents(const unsigned char *v, size_t n, int *consent)
{
	size_t off = 0, len, hdr;
	unsigned tag;
	int k = 0;

	while (off < n) {
		if (tlv_header(v + off, n - off, &tag, &len, &hdr) != 1 ||
		    off + hdr + len > n)
			return "malformed consents block";
		if (tag == T_CONSENT) {
			if (len != 1 || k >= 4)
				return "bad consent entry";
			consent[k++] = v[off + hdr] == 0xff ? -1 : (int)v[off + hdr];
		}
		off += hdr + len;
	}
	return NULL;
}

/* Decode the value of a 70 message (LRC already checked). */
static const char *decode(const unsigned char *v, size_t n, struct fr_msg *m)
{
	size_t off = 0, len, hdr;
	unsigned tag;
	const unsigned char *x;
	const char *why;
	int type = 0;

	fr_msg_init(m, 0);
	while (off < n) {
		if (tlv_header(v + off, n - off, &tag, &len, &hdr) != 1 ||
		    off + hdr + len > n)
			return "malformed element";
		x = v + off + hdr;
		switch (tag) {
		case T_TYPE:
			if (len != 1 || x[0] < FR_MSG_CARD_PLACED || x[0] > FR_MSG_RESULT)
				return "bad message type";
			type = x[0];
			break;
		case T_TOKEN:
			if (len != 1)
				return "bad token";
			m->token = x[0];
			break;
		case T_METHOD:
			if (len != 1)
				return "bad method";
			m->method = x[0];
			break;
		case T_CONSENTS:
			if ((why = consents(x, len, m->consent)) != NULL)
				return why;
			break;
		case T_OPERATOR:
			fr_copy_text(m->operator_id, sizeof(m->operator_id),
				     (const char *)x, len);
			break;
		case T_CARD_CERT:
		case T_DEV_CERT:
			if (blob(x, len, &m->cert, &m->cert_len) < 0)
				return "bad certificate";
			break;
		case T_SIG:
			if (blob(x, len, &m->sig, &m->sig_len) < 0)
				return "bad signature";
			break;
		case T_CODE:
			if (len != 2)
				return "bad code";
			m->code = x[0] << 8 | x[1];
			break;
		case T_TEXT:
			fr_copy_text(m->text, sizeof(m->text), (const char *)x, len);
			break;
		case T_NONCE:
			if (len == 0 || len > FR_NONCE_MAX)
				return "bad nonce";
			fr_copy_text(m->nonce, sizeof(m->nonce),
				     (const char *)x, len);
			break;
		default: break; /* newer firmware's fields */
		}
		off += hdr + len;
	}
	if (type == 0)
		return "no message type";
	m->type = type;
	return NULL;
}

/* Whether v[0..n) ends in a correct 8F 01 lrc; *body is what it covers. */
static int lrc_ok(const unsigned char *v, size_t n)
{
	unsigned char x = 0;
	size_t i;

	if (n < 3 || v[n - 3] != T_LRC || v[n - 2] != 1)
		return 0;
	for (i = 0; i < n - 3; i++)
		x ^= v[i];
	return x == v[n - 1];
}

static void canon_feed(void *c, const unsigned char *buf, size_t len,
		       const struct fr_sink *s)
{
	struct canon *k = c;

	if (fr_buf_append(&k->in, buf, len) < 0) {
		fr_problem(s, "out of memory reading canon messages");
		k->in.len = 0;
		return;
	}
	while (k->in.len > 0) {
		const unsigned char *p = k->in.data;
		size_t vlen, hdr;
		unsigned tag;
		struct fr_msg m;
		const char *why;
		int rc;

		if (p[0] != T_MSG) {
			fr_resync_skip(&k->resync, &k->in, "not a message tag");
			continue;
		}
		rc = tlv_header(p, k->in.len, &tag, &vlen, &hdr);
		if (rc == 0)
			break;
		if (rc < 0) {
			fr_resync_skip(&k->resync, &k->in, "malformed message length");
			continue;
		}
		if (vlen == 0) {
			fr_resync_skip(&k->resync, &k->in, "empty message");
			continue;
		}
		if (vlen > CANON_MAX_LEN) {
			char w[64];

			snprintf(w, sizeof(w),
				 "length %zu over the limit of "
				 "%d",
				 vlen, CANON_MAX_LEN);
			fr_resync_skip(&k->resync, &k->in, w);
			continue;
		}
		if (k->in.len < hdr + vlen)
			break;
		if (!lrc_ok(p + hdr, vlen)) {
			fr_resync_skip(&k->resync, &k->in, "bad LRC check byte");
			continue;
		}
		fr_resync_report(&k->resync, s, "canon");
		why = decode(p + hdr, vlen - 3, &m);
		if (why != NULL) {
			fr_problem(s, "canon message: %s", why);
			fr_msg_clear(&m);
		} else {
			s->msg(s->arg, &m);
		}
		fr_buf_consume(&k->in, hdr + vlen);
	}
	fr_resync_report(&k->resync, s, "canon");
}

/* ---- encoding ---- */

static int put_tlv(struct fr_buf *b, unsigned tag, const void *v, size_t n)
{
	int rc = fr_buf_byte(b, (unsigned char)tag);

	if (n < 0x80) {
		rc |= fr_buf_byte(b, (unsigned char)n);
	} else if (n < 0x100) {
		rc |= fr_buf_byte(b, 0x81);
		rc |= fr_buf_byte(b, (unsigned char)n);
	} else if (n <= 0xffff) {
		rc |= fr_buf_byte(b, 0x82);
		rc |= fr_buf_byte(b, (unsigned char)(n >> 8));
		rc |= fr_buf_byte(b, (unsigned char)n);
	} else {
		return -1;
	}
	return rc | fr_buf_append(b, v, n);
}

static int put_u8(struct fr_buf *b, unsigned tag, int v)
{
	unsigned char c = (unsigned char)v;

	return put_tlv(b, tag, &c, 1);
}

static int canon_encode(void *c, const struct fr_msg *m, struct fr_buf *out)
{
	struct fr_buf v = { 0 }, cs = { 0 };
	unsigned char code[2], x = 0;
	size_t i;
	int rc = 0, k;

	(void)c;
	if (m->type < FR_MSG_CARD_PLACED || m->type > FR_MSG_RESULT)
		return -1;
	rc |= put_u8(&v, T_TYPE, m->type);
	switch (m->type) {
	case FR_MSG_CARD_PLACED:
		rc |= put_u8(&v, T_TOKEN, m->token);
		rc |= put_u8(&v, T_METHOD, m->method);
		for (k = 0; k < 4; k++)
			rc |= put_u8(&cs, T_CONSENT,
				     m->consent[k] < 0 ? 0xff : m->consent[k]);
		rc |= put_tlv(&v, T_CONSENTS, cs.data, cs.len);
		if (m->operator_id[0])
			rc |= put_tlv(&v, T_OPERATOR, m->operator_id,
				      strlen(m->operator_id));
		rc |= put_tlv(&v, T_CARD_CERT, m->cert, m->cert_len);
		break;
	case FR_MSG_ATTEST:
		rc |= put_tlv(&v, T_SIG, m->sig, m->sig_len);
		rc |= put_tlv(&v, T_DEV_CERT, m->cert, m->cert_len);
		break;
	case FR_MSG_DEVICE_ERROR:
	case FR_MSG_RESULT:
		code[0] = (unsigned char)(m->code >> 8);
		code[1] = (unsigned char)m->code;
		rc |= put_tlv(&v, T_CODE, code, 2);
		rc |= put_tlv(&v, T_TEXT, m->text, strlen(m->text));
		break;
	case FR_MSG_ATTEST_REQUEST:
		rc |= put_tlv(&v, T_NONCE, m->nonce, strlen(m->nonce));
		break;
	default: break;
	}
	for (i = 0; i < v.len; i++)
		x ^= v.data[i];
	rc |= put_u8(&v, T_LRC, x);
	if (rc == 0 && v.len <= CANON_MAX_LEN)
		rc = put_tlv(out, T_MSG, v.data, v.len);
	else
		rc = -1;
	fr_buf_free(&v);
	fr_buf_free(&cs);
	return rc ? -1 : 0;
}

const struct fr_link_ops canon_link = {
	.name = "canon",
	.codec_new = canon_new,
	.codec_free = canon_free,
	.codec_reset = canon_reset,
	.feed = canon_feed,
	.encode = canon_encode,
};
