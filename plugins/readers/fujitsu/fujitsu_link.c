/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fujitsu_link.c — the modeled Fujitsu device link: text lines
 *
 *     EVT=CARD;TOKEN=card;METHOD=face;CONSENT=1,1,0,0;CERT=<base64>;SUM=5C\r\n
 *
 * Fields are KEY=VALUE separated by ';'; binary values are base64, free
 * text is percent-encoded; the last field SUM is the sum of all bytes
 * before ";SUM=" modulo 256, two upper-case hex digits. Lines end in CRLF
 * (a bare LF is accepted); empty lines are keep-alives. Unknown keys are
 * ignored so newer firmware can add fields. The real protocol is not
 * public; see docs/readers/fujitsu.md.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fujitsu_link.h"

#define FJ_MAX_LINE 16384

struct fj {
	struct fr_buf line;
	int skipping; /* inside an over-long line: drop to the next LF */
};

static void *fj_new(void)
{
	return calloc(1, sizeof(struct fj));
}

static void fj_free(void *c)
{
	struct fj *f = c;

	fr_buf_free(&f->line);
	free(f);
}

static void fj_reset(void *c)
{
	struct fj *f = c;

	f->line.len = 0;
	f->skipping = 0;
}

/* ---- decoding ---- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Percent-decode v[0..n) into dst (cap bytes); -1 on a bad escape. */
static int pct_decode(const char *v, size_t n, char *dst, size_t cap)
{
	char tmp[FR_TEXT_MAX * 3 + 1];
	size_t i, o = 0;

	for (i = 0; i < n && o + 1 < sizeof(tmp); i++) {
		if (v[i] == '%') {
			int hi, lo;

			if (i + 2 >= n)
				return -1;
			hi = hexval(v[i + 1]);
			lo = hexval(v[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			tmp[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			tmp[o++] = v[i];
		}
	}
	fr_copy_text(dst, cap, tmp, o);
	return 0;
}

static int parse_int(const char *v, size_t n, int lo, int hi, int *out)
{
	int x = 0;
	size_t i;

	if (n == 0 || n > 6)
		return -1;
	for (i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		x = x * 10 + (v[i] - '0');
	}
	if (x < lo || x > hi)
		return -1;
	*out = x;
	return 0;
}

static int parse_word(const char *v, size_t n, char *w, size_t cap)
{
	if (n == 0 || n >= cap)
		return -1;
	memcpy(w, v, n);
	w[n] = '\0';
	return 0;
}

static int parse_consent(const char *v, size_t n, int *consent)
{
	size_t i = 0;
	int k;

	for (k = 0; k < 4; k++) {
		if (i >= n)
			return -1;
		if (v[i] == '-')
			consent[k] = -1;
		else if (v[i] >= '0' && v[i] <= '3')
			consent[k] = v[i] - '0';
		else
			return -1;
		i++;
		if (k < 3) {
			if (i >= n || v[i] != ',')
				return -1;
			i++;
		}
	}
	return i == n ? 0 : -1;
}

static int parse_blob(const char *v, size_t n, unsigned char **out, size_t *outlen)
{
	if (*out != NULL)
		return -1; /* given twice */
	if (fr_base64_decode(v, n, out, outlen) < 0)
		return -1;
	if (*outlen > FR_BLOB_MAX) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* One field into m; NULL or why not. */
static const char *field(struct fr_msg *m, const char *k, size_t kn,
			 const char *v, size_t vn)
{
	char w[16];

#define KEY(s) (kn == sizeof(s) - 1 && memcmp(k, s, kn) == 0)
	if (KEY("TOKEN")) {
		if (parse_word(v, vn, w, sizeof(w)) < 0 ||
		    (m->token = fr_token_parse(w)) == 0)
			return "bad TOKEN";
	} else if (KEY("METHOD")) {
		if (parse_word(v, vn, w, sizeof(w)) < 0 ||
		    (m->method = fr_method_parse(w)) == 0)
			return "bad METHOD";
	} else if (KEY("CONSENT")) {
		if (parse_consent(v, vn, m->consent) < 0)
			return "bad CONSENT";
	} else if (KEY("OPERATOR")) {
		if (vn > FR_OPERATOR_MAX * 3 ||
		    pct_decode(v, vn, m->operator_id, sizeof(m->operator_id)) < 0)
			return "bad OPERATOR";
	} else if (KEY("TEXT")) {
		if (vn > FR_TEXT_MAX * 3 ||
		    pct_decode(v, vn, m->text, sizeof(m->text)) < 0)
			return "bad TEXT";
	} else if (KEY("CODE")) {
		if (parse_int(v, vn, 0, 65535, &m->code) < 0)
			return "bad CODE";
	} else if (KEY("NONCE")) {
		if (vn == 0 || vn > FR_NONCE_MAX)
			return "bad NONCE";
		fr_copy_text(m->nonce, sizeof(m->nonce), v, vn);
	} else if (KEY("CERT") || KEY("DEVCERT")) {
		if (parse_blob(v, vn, &m->cert, &m->cert_len) < 0)
			return KEY("CERT") ? "bad CERT" : "bad DEVCERT";
	} else if (KEY("SIG")) {
		if (parse_blob(v, vn, &m->sig, &m->sig_len) < 0)
			return "bad SIG";
	}
	/* Unknown keys: newer firmware, ignored. */
#undef KEY
	return NULL;
}

static int msg_type(const char *k, size_t kn, const char *v, size_t vn)
{
	static const struct {
		const char *key, *val;
		int type;
	} t[] = {
		{ "EVT", "CARD", FR_MSG_CARD_PLACED },
		{ "EVT", "REMOVED", FR_MSG_CARD_REMOVED },
		{ "EVT", "ATTEST", FR_MSG_ATTEST },
		{ "EVT", "ERROR", FR_MSG_DEVICE_ERROR },
		{ "CMD", "ATTEST", FR_MSG_ATTEST_REQUEST },
		{ "CMD", "RESULT", FR_MSG_RESULT },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strlen(t[i].key) == kn && memcmp(t[i].key, k, kn) == 0 &&
		    strlen(t[i].val) == vn && memcmp(t[i].val, v, vn) == 0)
			return t[i].type;
	return 0;
}

static void line_done(const char *l, size_t n, const struct fr_sink *s)
{
	const char *sum, *p, *end;
	unsigned total = 0;
	int want_hi, want_lo;
	struct fr_msg m;
	size_t i;
	int show = n < 20 ? (int)n : 20; /* lines are not NUL-terminated */

	if (n == 0)
		return; /* keep-alive */
	for (i = 0; i < n; i++)
		if ((unsigned char)l[i] < 0x20 || (unsigned char)l[i] > 0x7e) {
			fr_problem(s,
				   "fujitsu line with a non-text byte 0x%02x "
				   "at %zu",
				   (unsigned char)l[i], i);
			return;
		}
	/* ";SUM=XX" closes every line. */
	if (n < 8 || memcmp(l + n - 7, ";SUM=", 5) != 0) {
		fr_problem(s, "fujitsu line without a checksum (%.*s...)", show, l);
		return;
	}
	sum = l + n - 2;
	want_hi = hexval(sum[0]);
	want_lo = hexval(sum[1]);
	for (i = 0; i < n - 7; i++)
		total += (unsigned char)l[i];
	if (want_hi < 0 || want_lo < 0 ||
	    (unsigned)(want_hi << 4 | want_lo) != (total & 0xff)) {
		fr_problem(s, "fujitsu line with a bad checksum (%.*s...)", show, l);
		return;
	}
	end = l + n - 7;
	p = memchr(l, '=', (size_t)(end - l));
	{
		const char *semi = memchr(l, ';', (size_t)(end - l));
		const char *vend = semi ? semi : end;
		int type = p && p < vend ? msg_type(l, (size_t)(p - l), p + 1,
						    (size_t)(vend - p - 1))
					 : 0;

		if (type == 0) {
			fr_problem(s, "fujitsu line of unknown kind (%.*s...)",
				   show, l);
			return;
		}
		fr_msg_init(&m, type);
		p = semi ? semi + 1 : end;
	}
	while (p < end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		const char *fend = semi ? semi : end;
		const char *eq = memchr(p, '=', (size_t)(fend - p));
		const char *why;

		if (eq == NULL || eq == p) {
			fr_problem(s, "fujitsu field without KEY=VALUE");
			fr_msg_clear(&m);
			return;
		}
		why = field(&m, p, (size_t)(eq - p), eq + 1,
			    (size_t)(fend - eq - 1));
		if (why != NULL) {
			fr_problem(s, "fujitsu %s: %s",
				   fr_msg_type_name(m.type), why);
			fr_msg_clear(&m);
			return;
		}
		p = semi ? semi + 1 : end;
	}
	s->msg(s->arg, &m);
}

static void fj_feed(void *c, const unsigned char *buf, size_t len,
		    const struct fr_sink *s)
{
	struct fj *f = c;
	size_t i, start = 0;

	for (i = 0; i < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (f->skipping) {
			f->skipping = 0;
		} else if (f->line.len + (i - start) > FJ_MAX_LINE) {
			fr_problem(s, "fujitsu line longer than %d bytes; skipped",
				   FJ_MAX_LINE);
		} else if (fr_buf_append(&f->line, buf + start, i - start) == 0) {
			size_t n = f->line.len;

			if (n > 0 && f->line.data[n - 1] == '\r')
				n--;
			line_done((const char *)f->line.data, n, s);
		}
		f->line.len = 0;
		start = i + 1;
	}
	if (start < len && !f->skipping) {
		if (f->line.len + (len - start) > FJ_MAX_LINE) {
			fr_problem(s, "fujitsu line longer than %d bytes; skipped",
				   FJ_MAX_LINE);
			f->line.len = 0;
			f->skipping = 1;
		} else {
			fr_buf_append(&f->line, buf + start, len - start);
		}
	}
}

/* ---- encoding ---- */

static int put_pct(struct fr_buf *b, const char *t)
{
	const unsigned char *p;
	int rc = 0;

	for (p = (const unsigned char *)t; *p; p++) {
		if (*p <= 0x20 || *p >= 0x7f || *p == ';' || *p == '=' || *p == '%')
			rc |= fr_buf_printf(b, "%%%02X", *p);
		else
			rc |= fr_buf_byte(b, *p);
	}
	return rc;
}

static int put_b64(struct fr_buf *b, const char *key, const unsigned char *p, size_t n)
{
	char *enc = malloc(4 * ((n + 2) / 3) + 1);
	int rc;

	if (enc == NULL)
		return -1;
	fr_base64_encode(p, n, enc);
	rc = fr_buf_printf(b, ";%s=%s", key, enc);
	free(enc);
	return rc;
}

static int fj_encode(void *c, const struct fr_msg *m, struct fr_buf *out)
{
	size_t start = out->len, i;
	unsigned total = 0;
	int rc = 0, k;

	(void)c;
	switch (m->type) {
	case FR_MSG_CARD_PLACED:
		rc |= fr_buf_printf(out, "EVT=CARD;TOKEN=%s;METHOD=%s;CONSENT=",
				    fr_token_word(m->token),
				    fr_method_word(m->method));
		for (k = 0; k < 4; k++)
			rc |= m->consent[k] < 0
				      ? fr_buf_printf(out, "-%s", k < 3 ? "," : "")
				      : fr_buf_printf(out, "%d%s", m->consent[k],
						      k < 3 ? "," : "");
		if (m->operator_id[0]) {
			rc |= fr_buf_printf(out, ";OPERATOR=");
			rc |= put_pct(out, m->operator_id);
		}
		rc |= put_b64(out, "CERT", m->cert, m->cert_len);
		break;
	case FR_MSG_CARD_REMOVED:
		rc |= fr_buf_printf(out, "EVT=REMOVED");
		break;
	case FR_MSG_ATTEST:
		rc |= fr_buf_printf(out, "EVT=ATTEST");
		rc |= put_b64(out, "SIG", m->sig, m->sig_len);
		rc |= put_b64(out, "DEVCERT", m->cert, m->cert_len);
		break;
	case FR_MSG_DEVICE_ERROR:
	case FR_MSG_RESULT:
		rc |= fr_buf_printf(out, "%s;CODE=%d;TEXT=",
				    m->type == FR_MSG_RESULT ? "CMD=RESULT" : "EVT=ERROR",
				    m->code);
		rc |= put_pct(out, m->text);
		break;
	case FR_MSG_ATTEST_REQUEST:
		rc |= fr_buf_printf(out, "CMD=ATTEST;NONCE=%s", m->nonce);
		break;
	default: rc = -1;
	}
	if (rc != 0 || out->len - start > FJ_MAX_LINE - 16) {
		out->len = start;
		return -1;
	}
	for (i = start; i < out->len; i++)
		total += out->data[i];
	return fr_buf_printf(out, ";SUM=%02X\r\n", total & 0xff);
}

const struct fr_link_ops fujitsu_link = {
	.name = "fujitsu",
	.codec_new = fj_new,
	.codec_free = fj_free,
	.codec_reset = fj_reset,
	.feed = fj_feed,
	.encode = fj_encode,
};
