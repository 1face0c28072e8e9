/* SPDX-License-Identifier: Apache-2.0 */
/*
 * xmlmsg_values.c — checking and normalising the text of XmlMsg elements.
 *
 * The parser and the writer run every typed value through the same checks,
 * so onshi never writes a document it would refuse to read. Messages quote
 * the offending value (shortened) and name the element, because the
 * receipt-computer operator reading an .err file has nothing else to go on.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encoding.h"
#include "mask.h"
#include "xmlmsg_internal.h"

void xmsg_quote(char *dst, size_t dstlen, const char *value)
{
	const unsigned char *s = (const unsigned char *)value;
	size_t i = 0, o = 0, cap = dstlen < 44 ? dstlen : 44;
	unsigned cp;

	if (dstlen == 0)
		return;
	while (s[i] != '\0') {
		size_t n = onshi_enc_utf8_decode(s + i,
						 strlen((const char *)s + i), &cp);

		if (n == 0 || cp < 0x20 || cp == 0x7F) { /* keep messages printable */
			if (o + 2 > cap)
				break;
			dst[o++] = '?';
			i += n == 0 ? 1 : n;
			continue;
		}
		if (o + n + 1 > cap) {
			if (o + 4 <= dstlen) { /* say it was cut */
				memcpy(dst + o, "...", 3);
				o += 3;
			}
			break;
		}
		memcpy(dst + o, s + i, n);
		o += n;
		i += n;
	}
	dst[o] = '\0';
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Trimmed view of text: [*start, *start + *len). */
static void trim(const char *text, const char **start, size_t *len)
{
	size_t n = strlen(text);

	while (n > 0 && is_blank(*text)) {
		text++;
		n--;
	}
	while (n > 0 && is_blank(text[n - 1]))
		n--;
	*start = text;
	*len = n;
}

static int all_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static int num(const char *s, size_t n)
{
	int v = 0;

	while (n-- > 0)
		v = v * 10 + (*s++ - '0');
	return v;
}

static int valid_date(const char *s)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30,
				     31, 31, 30, 31, 30, 31 };
	int y = num(s, 4), m = num(s + 4, 2), d = num(s + 6, 2), max;

	if (y < 1868 || m < 1 || m > 12 || d < 1) /* 1868: Meiji 1 */
		return 0;
	max = mdays[m - 1];
	if (m == 2 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		max = 28;
	return d <= max;
}

static int valid_time(const char *s)
{
	return num(s, 2) < 24 && num(s + 2, 2) < 60 && num(s + 4, 2) < 61;
}

int onshi_insurer_number_normalize(const char *in, char out[9], char *msg, size_t msglen)
{
	const char *s;
	size_t n;
	char q[64];

	trim(in, &s, &n);
	/* 8 digits starting "00" are a zero-padded 6-digit number: no
	 * insurer-type (houbetsu) code is 00. */
	if (n == 8 && all_digits(s, n) && !(s[0] == '0' && s[1] == '0')) {
		memcpy(out, s, 8);
		out[8] = '\0';
		return ONSHI_OK;
	}
	if (n == 8 && s[0] == '0' && s[1] == '0' && all_digits(s, n)) {
		s += 2;
		n = 6;
	}
	if (n == 6 && all_digits(s, n)) {
		memcpy(out, "  ", 2);
		memcpy(out + 2, s, 6);
		out[8] = '\0';
		return ONSHI_OK;
	}
	xmsg_quote(q, sizeof(q), in);
	onshi_set_msg(msg, msglen, "InsurerNumber '%s' is not 6 or 8 digits", q);
	return ONSHI_EINVAL;
}

static int dup_range(const char *s, size_t n, char **out)
{
	char *p = malloc(n + 1);

	if (p == NULL)
		return ONSHI_ENOMEM;
	memcpy(p, s, n);
	p[n] = '\0';
	*out = p;
	return ONSHI_OK;
}

static int is_b64(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=';
}

/*
 * The value quoted for an error message (q holds 64 bytes). These messages
 * reach logs and the value may be a person's number or birth date, so only
 * its ends are shown (mask.h). Made only when a message needs it: fields
 * are normalised on every parse.
 */
static const char *masked(char *q, const char *element, const char *text)
{
	char raw[64];

	xmsg_quote(raw, sizeof(raw), text);
	onshi_mask_element(q, 64, element, raw);
	return q;
}

int xmsg_normalize(const struct xmsg_field *f, const char *text, char **out,
		   char *msg, size_t msglen)
{
	const char *s;
	size_t n, i, bad;
	char q[64], ins[9];

	*out = NULL;
	if (onshi_enc_utf8_check(text, strlen(text), &bad) != 0) {
		onshi_set_msg(msg, msglen,
			      "%s holds bytes that are not valid UTF-8 (at byte %zu)",
			      f->name, bad);
		return ONSHI_EINVAL;
	}
	for (i = 0; text[i] != '\0'; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
			onshi_set_msg(msg, msglen, "%s holds control character 0x%02x",
				      f->name, c);
			return ONSHI_EINVAL;
		}
	}
	if (f->type == XT_STR) {
		s = text;
		n = strlen(text);
	} else {
		trim(text, &s, &n);
	}
	if (n == 0) {
		if (f->flags & XF_REQUIRED) {
			onshi_set_msg(msg, msglen, "%s is empty", f->name);
			return ONSHI_EINVAL;
		}
		return dup_range("", 0, out);
	}
	switch (f->type) {
	case XT_STR: break;
	case XT_DIGITS:
		if (!all_digits(s, n)) {
			onshi_set_msg(msg, msglen, "%s '%s' is not all digits",
				      f->name, masked(q, f->name, text));
			return ONSHI_EINVAL;
		}
		break;
	case XT_DATE:
		if (n != 8 || !all_digits(s, n) || !valid_date(s)) {
			onshi_set_msg(msg, msglen, "%s '%s' is not a date YYYYMMDD",
				      f->name, masked(q, f->name, text));
			return ONSHI_EINVAL;
		}
		break;
	case XT_DATETIME:
		if (n != 14 || !all_digits(s, n) || !valid_date(s) ||
		    !valid_time(s + 8)) {
			onshi_set_msg(msg, msglen,
				      "%s '%s' is not a time YYYYMMDDhhmmss",
				      f->name, masked(q, f->name, text));
			return ONSHI_EINVAL;
		}
		break;
	case XT_INSURER:
		if (onshi_insurer_number_normalize(text, ins, msg, msglen) != ONSHI_OK)
			return ONSHI_EINVAL;
		return dup_range(ins, 8, out);
	case XT_BASE64: {
		char *p;
		size_t o = 0;

		/* Encoders wrap lines; the value is the alphabet characters only. */
		p = malloc(n + 1);
		if (p == NULL)
			return ONSHI_ENOMEM;
		for (i = 0; i < n; i++) {
			if (is_blank(s[i]))
				continue;
			if (!is_b64(s[i])) {
				free(p);
				onshi_set_msg(msg, msglen,
					      "%s is not base64 (character %zu)",
					      f->name, i + 1);
				return ONSHI_EINVAL;
			}
			p[o++] = s[i];
		}
		p[o] = '\0';
		if (o > f->maxlen) {
			free(p);
			onshi_set_msg(msg, msglen, "%s is longer than %zu bytes",
				      f->name, f->maxlen);
			return ONSHI_EINVAL;
		}
		*out = p;
		return ONSHI_OK;
	}
	default:
		onshi_set_msg(msg, msglen, "%s is not a text element", f->name);
		return ONSHI_EINVAL;
	}
	if (f->maxlen > 0 && n > f->maxlen) {
		onshi_set_msg(msg, msglen, "%s is longer than %zu bytes",
			      f->name, f->maxlen);
		return ONSHI_EINVAL;
	}
	if (n < f->minlen) {
		onshi_set_msg(msg, msglen, "%s '%s' is shorter than %zu characters",
			      f->name, masked(q, f->name, text), f->minlen);
		return ONSHI_EINVAL;
	}
	return dup_range(s, n, out);
}

long xmsg_int_get(const struct xmsg_field *f, const void *base)
{
	const char *p = (const char *)base + f->off;

	if (f->type == XT_COUNT)
		return *(const long *)(const void *)p;
	return *(const int *)(const void *)p;
}

void xmsg_int_set(const struct xmsg_field *f, void *base, long value)
{
	char *p = (char *)base + f->off;

	if (f->type == XT_COUNT)
		*(long *)(void *)p = value;
	else
		*(int *)(void *)p = (int)value;
}

int xmsg_int_absent(const struct xmsg_field *f, long value)
{
	if (f->type == XT_CONSENT)
		return value == ONSHI_CONSENT_ABSENT;
	if (f->type == XT_CHARSET || f->type == XT_COUNT)
		return 0;
	return value == 0;
}

int xmsg_int_from_text(const struct xmsg_field *f, const char *text,
		       long *value, char *msg, size_t msglen)
{
	const char *s;
	size_t n, i;
	char q[64];

	trim(text, &s, &n);
	xmsg_quote(q, sizeof(q), text);
	if (f->type == XT_KEYWORD) {
		for (i = 0; f->words[i] != NULL; i++)
			if (strlen(f->words[i]) == n &&
			    strncmp(f->words[i], s, n) == 0) {
				*value = (long)i + 1;
				return ONSHI_OK;
			}
		onshi_set_msg(msg, msglen, "%s '%s' is not one of the known words",
			      f->name, q);
		return ONSHI_EINVAL;
	}
	if (n == 0 || n > 9 || !all_digits(s, n)) {
		onshi_set_msg(msg, msglen, "%s '%s' is not a number", f->name, q);
		return ONSHI_EINVAL;
	}
	*value = num(s, n);
	switch (f->type) {
	case XT_CODE:
		for (i = 0; f->codes[i] != 0; i++)
			if (f->codes[i] == *value)
				return ONSHI_OK;
		break;
	case XT_CONSENT:
		if (*value <= ONSHI_CONSENT_IMPOSSIBLE)
			return ONSHI_OK;
		break;
	case XT_CHARSET:
		if (*value <= ONSHI_CHARSET_CP932)
			return ONSHI_OK;
		break;
	case XT_COUNT: return ONSHI_OK;
	default: break;
	}
	onshi_set_msg(msg, msglen, "%s '%s' is not a valid code", f->name, q);
	return ONSHI_EINVAL;
}

int xmsg_int_to_text(const struct xmsg_field *f, long value, char *buf,
		     size_t buflen, char *msg, size_t msglen)
{
	size_t i;

	switch (f->type) {
	case XT_KEYWORD:
		for (i = 0; f->words[i] != NULL; i++)
			if ((long)i + 1 == value) {
				snprintf(buf, buflen, "%s", f->words[i]);
				return ONSHI_OK;
			}
		break;
	case XT_CODE:
		for (i = 0; f->codes[i] != 0; i++)
			if (f->codes[i] == value) {
				snprintf(buf, buflen, "%ld", value);
				return ONSHI_OK;
			}
		break;
	case XT_CONSENT:
	case XT_CHARSET:
	case XT_COUNT:
		if (value >= 0 && (f->type == XT_COUNT ||
				   value <= (f->type == XT_CONSENT ? 3 : 1))) {
			snprintf(buf, buflen, "%ld", value);
			return ONSHI_OK;
		}
		break;
	default: break;
	}
	onshi_set_msg(msg, msglen, "%s: value %ld cannot be written", f->name, value);
	return ONSHI_EINVAL;
}
