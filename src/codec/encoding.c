/* SPDX-License-Identifier: Apache-2.0 */
/*
 * encoding.c — UTF-8 checks and CP932 <-> UTF-8 conversion with iconv.
 *
 * One iconv descriptor per call: a descriptor is stateful and not safe to
 * share between threads, and opening one costs microseconds, far below a
 * file poll. See encoding.h for why the codec converts by itself.
 */
#include "config.h"

#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "encoding.h"

/* 〓 GETA MARK in CP932: what the official terminal writes for the unwritable. */
static const char cp932_geta[2] = { (char)0x81, (char)0xAC };

enum onshi_enc onshi_enc_from_name(const char *name)
{
	static const char *const utf8[] = { "UTF-8", "UTF8", "US-ASCII", "ASCII" };
	static const char *const cp932[] = {
		"Shift_JIS", "Shift-JIS", "ShiftJIS",   "SJIS",
		"x-sjis",    "MS_Kanji",  "csShiftJIS", "Windows-31J",
		"CP932",     "MS932",     "IBM-943",    "x-ms-cp932",
	};
	size_t i;

	if (name == NULL || name[0] == '\0')
		return ONSHI_ENC_UTF8;
	for (i = 0; i < sizeof(utf8) / sizeof(utf8[0]); i++)
		if (strcasecmp(name, utf8[i]) == 0)
			return ONSHI_ENC_UTF8;
	for (i = 0; i < sizeof(cp932) / sizeof(cp932[0]); i++)
		if (strcasecmp(name, cp932[i]) == 0)
			return ONSHI_ENC_CP932;
	return ONSHI_ENC_UNSUPPORTED;
}

static int is_xml_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int onshi_enc_find_decl(const char *buf, size_t len, size_t *decl_start,
			size_t *decl_end, char *name, size_t namelen)
{
	size_t p = 0, end;

	*decl_start = *decl_end = 0;
	if (namelen > 0)
		name[0] = '\0';
	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
		p = 3;
	if (len - p < 6 || memcmp(buf + p, "<?xml", 5) != 0 ||
	    !is_xml_space(buf[p + 5]))
		return 0;
	/* A declaration is short; bound the search so junk cannot make us scan. */
	for (end = p + 5; end + 1 < len && end < p + 512; end++)
		if (buf[end] == '?' && buf[end + 1] == '>')
			break;
	if (end + 1 >= len || end >= p + 512)
		return -1;
	*decl_start = p;
	*decl_end = end + 2;

	/* Walk the pseudo-attributes: name = "value" */
	p += 5;
	while (p < end) {
		size_t an, al, vs, vl;
		char q;

		while (p < end && is_xml_space(buf[p]))
			p++;
		if (p >= end)
			break;
		an = p;
		while (p < end && !is_xml_space(buf[p]) && buf[p] != '=')
			p++;
		al = p - an;
		while (p < end && is_xml_space(buf[p]))
			p++;
		if (p >= end || buf[p] != '=')
			return -1;
		p++;
		while (p < end && is_xml_space(buf[p]))
			p++;
		if (p >= end || (buf[p] != '"' && buf[p] != '\''))
			return -1;
		q = buf[p++];
		vs = p;
		while (p < end && buf[p] != q)
			p++;
		if (p >= end)
			return -1;
		vl = p - vs;
		p++;
		if (al == 8 && memcmp(buf + an, "encoding", 8) == 0) {
			if (vl + 1 > namelen)
				return -1;
			memcpy(name, buf + vs, vl);
			name[vl] = '\0';
		}
	}
	return 0;
}

size_t onshi_enc_utf8_decode(const unsigned char *s, size_t n, unsigned *cp)
{
	unsigned c, min;
	size_t len, i;

	if (n == 0)
		return 0;
	c = s[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
		c &= 0x1F;
		min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		c &= 0x0F;
		min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		c &= 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return len;
}

int onshi_enc_utf8_check(const char *buf, size_t len, size_t *bad_off)
{
	const unsigned char *s = (const unsigned char *)buf;
	size_t i = 0;
	unsigned cp;

	while (i < len) {
		size_t n;

		/* Fast path: XmlMsg documents are mostly ASCII markup, so skip
		 * eight bytes at a time while none has its high bit set. */
		while (len - i >= 8) {
			uint64_t w;

			memcpy(&w, s + i, 8);
			if (w & UINT64_C(0x8080808080808080))
				break;
			i += 8;
		}
		if (i >= len)
			break;
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		n = onshi_enc_utf8_decode(s + i, len - i, &cp);
		if (n == 0) {
			*bad_off = i;
			return -1;
		}
		i += n;
	}
	return 0;
}

int onshi_enc_cp932_to_utf8(const char *in, size_t len, char **out,
			    size_t *outlen, size_t *bad_off)
{
	iconv_t cd;
	char *buf, *ip = (char *)in, *op;
	size_t cap, il = len, ol;

	*out = NULL;
	cd = iconv_open("UTF-8", "CP932");
	if (cd == (iconv_t)-1)
		return -2;
	/* A half-width kana byte becomes 3 UTF-8 bytes: the worst case. */
	cap = len * 3 + 4;
	buf = malloc(cap);
	if (buf == NULL) {
		iconv_close(cd);
		return -2;
	}
	op = buf;
	ol = cap - 1;
	if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1) {
		*bad_off = (size_t)(ip - in);
		free(buf);
		iconv_close(cd);
		return errno == E2BIG ? -2 : -1;
	}
	iconv_close(cd);
	*op = '\0';
	*outlen = (size_t)(op - buf);
	*out = buf;
	return 0;
}

/* CP932 writes these characters with different code points than Unicode's
 * JIS mapping (the old WAVE DASH problem): map before giving up. */
static unsigned cp932_lookalike(unsigned cp)
{
	switch (cp) {
	case 0x301C: return 0xFF5E; /* WAVE DASH → FULLWIDTH TILDE */
	case 0x2016: return 0x2225; /* DOUBLE VERTICAL LINE → PARALLEL TO */
	case 0x2212: return 0xFF0D; /* MINUS SIGN → FULLWIDTH HYPHEN-MINUS */
	case 0x00A2: return 0xFFE0; /* CENT SIGN */
	case 0x00A3: return 0xFFE1; /* POUND SIGN */
	case 0x00AC: return 0xFFE2; /* NOT SIGN */
	case 0x2014: return 0x2015; /* EM DASH → HORIZONTAL BAR */
	default: return 0;
	}
}

static size_t utf8_encode(unsigned cp, char *o)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	} else if (cp < 0x800) {
		o[0] = (char)(0xC0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	} else if (cp < 0x10000) {
		o[0] = (char)(0xE0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	o[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

int onshi_enc_utf8_to_cp932(const char *in, size_t len, char **out,
			    size_t *outlen, size_t *substituted)
{
	iconv_t cd;
	char *buf, *ip = (char *)in, *op;
	size_t cap, il = len, ol, subst = 0;

	*out = NULL;
	if (substituted != NULL)
		*substituted = 0;
	cd = iconv_open("CP932", "UTF-8");
	if (cd == (iconv_t)-1)
		return -2;
	/* CP932 never needs more bytes than UTF-8 does, 〓 included (2 ≤ 2..4). */
	cap = len + 1;
	buf = malloc(cap);
	if (buf == NULL) {
		iconv_close(cd);
		return -2;
	}
	op = buf;
	ol = cap - 1;
	while (il > 0) {
		unsigned cp, alt;
		size_t n;
		char tmp[4], *tp = tmp, *top;
		size_t tl, tol;

		if (iconv(cd, &ip, &il, &op, &ol) != (size_t)-1)
			break;
		if (errno != EILSEQ && errno != EINVAL)
			goto fail;
		n = onshi_enc_utf8_decode((const unsigned char *)ip, il, &cp);
		if (n == 0) {
			free(buf);
			iconv_close(cd);
			return -1;
		}
		alt = cp932_lookalike(cp);
		if (alt != 0) {
			tl = utf8_encode(alt, tmp);
			top = op;
			tol = ol;
			if (iconv(cd, &tp, &tl, &top, &tol) != (size_t)-1 && tl == 0) {
				op = top;
				ol = tol;
				ip += n;
				il -= n;
				continue;
			}
			iconv(cd, NULL, NULL, NULL, NULL);
		}
		if (ol < 2)
			goto fail;
		memcpy(op, cp932_geta, 2);
		op += 2;
		ol -= 2;
		ip += n;
		il -= n;
		subst++;
	}
	iconv_close(cd);
	*op = '\0';
	*outlen = (size_t)(op - buf);
	*out = buf;
	if (substituted != NULL)
		*substituted = subst;
	return 0;
fail:
	free(buf);
	iconv_close(cd);
	return -2;
}
