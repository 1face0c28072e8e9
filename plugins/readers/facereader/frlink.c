/* SPDX-License-Identifier: Apache-2.0 */
/*
 * frlink.c — helpers shared by the face-reader codecs: message lifetime and
 * checks, a growable buffer, base64, CRC-16 and the words the text codecs
 * use for token types and methods. See frlink.h.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <onshi/message.h>

#include "frlink.h"

void fr_msg_init(struct fr_msg *m, int type)
{
	int i;

	memset(m, 0, sizeof(*m));
	m->type = type;
	for (i = 0; i < 4; i++)
		m->consent[i] = ONSHI_CONSENT_ABSENT;
}

void fr_msg_clear(struct fr_msg *m)
{
	free(m->cert);
	free(m->sig);
	m->cert = m->sig = NULL;
	m->cert_len = m->sig_len = 0;
}

static unsigned char *dup_blob(const unsigned char *p, size_t n)
{
	unsigned char *d;

	if (p == NULL || n == 0)
		return NULL;
	d = malloc(n);
	if (d != NULL)
		memcpy(d, p, n);
	return d;
}

int fr_msg_copy(struct fr_msg *dst, const struct fr_msg *src)
{
	*dst = *src;
	dst->cert = dup_blob(src->cert, src->cert_len);
	dst->sig = dup_blob(src->sig, src->sig_len);
	if ((src->cert_len && dst->cert == NULL) ||
	    (src->sig_len && dst->sig == NULL)) {
		fr_msg_clear(dst);
		return -1;
	}
	return 0;
}

const char *fr_msg_type_name(int type)
{
	switch (type) {
	case FR_MSG_CARD_PLACED: return "CARD_PLACED";
	case FR_MSG_CARD_REMOVED: return "CARD_REMOVED";
	case FR_MSG_ATTEST: return "ATTEST";
	case FR_MSG_DEVICE_ERROR: return "DEVICE_ERROR";
	case FR_MSG_ATTEST_REQUEST: return "ATTEST_REQUEST";
	case FR_MSG_RESULT: return "RESULT";
	default: return "UNKNOWN";
	}
}

int fr_msg_check(const struct fr_msg *m, const char **why)
{
	int i;

	*why = NULL;
	switch (m->type) {
	case FR_MSG_CARD_PLACED:
		if (m->cert_len == 0 || m->cert_len > FR_BLOB_MAX)
			*why = "card certificate missing or too long";
		else if (m->token != ONSHI_TOKEN_CARD &&
			 m->token != ONSHI_TOKEN_SMARTPHONE)
			*why = "unknown token type";
		else if (m->method != ONSHI_AUTH_FACE && m->method != ONSHI_AUTH_PIN &&
			 m->method != ONSHI_AUTH_VISUAL)
			*why = "unknown authentication method";
		for (i = 0; i < 4 && *why == NULL; i++)
			if (m->consent[i] < ONSHI_CONSENT_ABSENT ||
			    m->consent[i] > ONSHI_CONSENT_IMPOSSIBLE)
				*why = "consent flag out of range";
		break;
	case FR_MSG_ATTEST:
		if (m->sig_len == 0 || m->sig_len > FR_BLOB_MAX)
			*why = "attestation signature missing or too long";
		else if (m->cert_len == 0 || m->cert_len > FR_BLOB_MAX)
			*why = "device certificate missing or too long";
		break;
	case FR_MSG_ATTEST_REQUEST:
		if (m->nonce[0] == '\0')
			*why = "nonce missing";
		break;
	case FR_MSG_CARD_REMOVED:
	case FR_MSG_DEVICE_ERROR:
	case FR_MSG_RESULT: break;
	default: *why = "unknown message type";
	}
	return *why == NULL ? 0 : -1;
}

/* ---- buffer ---- */

int fr_buf_reserve(struct fr_buf *b, size_t extra)
{
	size_t off = b->data ? (size_t)(b->data - b->base) : 0;
	size_t cap;
	unsigned char *d;

	if (off + b->len + extra <= b->cap)
		return 0;
	if (off) { /* reclaim the consumed front first */
		memmove(b->base, b->data, b->len);
		b->data = b->base;
		if (b->len + extra <= b->cap)
			return 0;
	}
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + extra)
		cap *= 2;
	d = realloc(b->base, cap);
	if (d == NULL)
		return -1;
	b->base = b->data = d;
	b->cap = cap;
	return 0;
}

int fr_buf_append(struct fr_buf *b, const void *p, size_t n)
{
	if (n == 0)
		return 0;
	if (fr_buf_reserve(b, n) < 0)
		return -1;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

int fr_buf_byte(struct fr_buf *b, unsigned char c)
{
	return fr_buf_append(b, &c, 1);
}

int fr_buf_printf(struct fr_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || fr_buf_reserve(b, (size_t)n + 1) < 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

void fr_buf_consume(struct fr_buf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
		b->data = b->base;
		return;
	}
	b->data += n;
	b->len -= n;
}

void fr_buf_free(struct fr_buf *b)
{
	free(b->base);
	b->data = b->base = NULL;
	b->len = b->cap = 0;
}

/* ---- base64 ---- */

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void fr_base64_encode(const unsigned char *in, size_t n, char *out)
{
	size_t i, o = 0;

	for (i = 0; i + 2 < n; i += 3) {
		unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 |
			     in[i + 2];
		out[o++] = b64_alphabet[v >> 18 & 63];
		out[o++] = b64_alphabet[v >> 12 & 63];
		out[o++] = b64_alphabet[v >> 6 & 63];
		out[o++] = b64_alphabet[v & 63];
	}
	if (i < n) {
		unsigned v = (unsigned)in[i] << 16;

		if (i + 1 < n)
			v |= (unsigned)in[i + 1] << 8;
		out[o++] = b64_alphabet[v >> 18 & 63];
		out[o++] = b64_alphabet[v >> 12 & 63];
		out[o++] = i + 1 < n ? b64_alphabet[v >> 6 & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
}

static int b64_value(char c)
{
	const char *p;

	if (c == '\0')
		return -1;
	p = strchr(b64_alphabet, c);
	return p ? (int)(p - b64_alphabet) : -1;
}

int fr_base64_decode(const char *in, size_t n, unsigned char **out, size_t *outlen)
{
	unsigned char *d;
	size_t i, o = 0, pad = 0;

	*out = NULL;
	*outlen = 0;
	if (n == 0 || n % 4 != 0)
		return -1;
	if (in[n - 1] == '=')
		pad++;
	if (in[n - 2] == '=')
		pad++;
	d = malloc(n / 4 * 3);
	if (d == NULL)
		return -1;
	for (i = 0; i < n; i += 4) {
		int v[4], k;
		int last = i + 4 == n;

		for (k = 0; k < 4; k++) {
			if (last && k >= 4 - (int)pad && in[i + k] == '=')
				v[k] = 0;
			else if ((v[k] = b64_value(in[i + k])) < 0)
				goto bad;
		}
		d[o++] = (unsigned char)(v[0] << 2 | v[1] >> 4);
		if (!last || pad < 2)
			d[o++] = (unsigned char)((v[1] & 15) << 4 | v[2] >> 2);
		if (!last || pad < 1)
			d[o++] = (unsigned char)((v[2] & 3) << 6 | v[3]);
	}
	*out = d;
	*outlen = o;
	return 0;
bad:
	free(d);
	return -1;
}

uint16_t fr_crc16(const unsigned char *p, size_t n)
{
	uint16_t crc = 0xffff;
	size_t i;
	int b;

	for (i = 0; i < n; i++) {
		crc ^= (uint16_t)(p[i] << 8);
		for (b = 0; b < 8; b++)
			crc = (uint16_t)(crc & 0x8000 ? crc << 1 ^ 0x1021 : crc << 1);
	}
	return crc;
}

void fr_copy_text(char *dst, size_t cap, const char *src, size_t n)
{
	size_t i;

	if (cap == 0)
		return;
	for (i = 0; i < n && i + 1 < cap && src[i] != '\0'; i++) {
		unsigned char c = (unsigned char)src[i];

		/* Device text reaches logs and status lines: no controls. */
		dst[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	dst[i] = '\0';
}

const char *fr_token_word(int token)
{
	return token == ONSHI_TOKEN_SMARTPHONE ? "smartphone" : "card";
}

int fr_token_parse(const char *w)
{
	if (strcmp(w, "card") == 0)
		return ONSHI_TOKEN_CARD;
	if (strcmp(w, "smartphone") == 0)
		return ONSHI_TOKEN_SMARTPHONE;
	return ONSHI_TOKEN_NONE;
}

const char *fr_method_word(int method)
{
	switch (method) {
	case ONSHI_AUTH_FACE: return "face";
	case ONSHI_AUTH_PIN: return "pin";
	case ONSHI_AUTH_VISUAL: return "visual";
	default: return "none";
	}
}

int fr_method_parse(const char *w)
{
	if (strcmp(w, "face") == 0)
		return ONSHI_AUTH_FACE;
	if (strcmp(w, "pin") == 0)
		return ONSHI_AUTH_PIN;
	if (strcmp(w, "visual") == 0)
		return ONSHI_AUTH_VISUAL;
	return ONSHI_AUTH_NONE;
}

void fr_problem(const struct fr_sink *s, const char *fmt, ...)
{
	char buf[192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	s->problem(s->arg, buf);
}

void fr_resync_skip(struct fr_resync *r, struct fr_buf *in, const char *why)
{
	if (r->skipped++ == 0)
		snprintf(r->why, sizeof(r->why), "%s", why);
	fr_buf_consume(in, 1);
}

void fr_resync_report(struct fr_resync *r, const struct fr_sink *s, const char *vendor)
{
	if (r->skipped == 0)
		return;
	fr_problem(s, "%zu bytes skipped looking for %s %s message (%s)", r->skipped,
		   strchr("aeiou", vendor[0]) ? "an" : "a", vendor, r->why);
	r->skipped = 0;
}
