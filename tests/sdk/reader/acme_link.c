/* SPDX-License-Identifier: Apache-2.0 */
/*
 * acme_link.c — the Acme line codec (see acme_link.h): bytes from the link
 * into struct fr_msg, and back. It is all a vendor writes for the link;
 * reconnecting, queueing, the read flow and the attestation are the
 * skeleton's (libonshi-facereader), and so are the helpers used here
 * (fr_buf, base64, token and method words, problem reports).
 *
 * A line that does not parse is reported and skipped as a whole, and the
 * next LF starts afresh: that is the codec's resynchronisation. A codec
 * for a serial line would add a checksum; TCP has one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acme_link.h"

/* Two base64 blobs of FR_BLOB_MAX bytes and the rest fit. */
#define ACME_MAX_LINE 24576

struct acme_codec {
	struct fr_buf line; /* the line read so far */
	int skipping;       /* in an over-long line: drop it up to its LF */
};

static void *acme_new(void)
{
	return calloc(1, sizeof(struct acme_codec));
}

static void acme_free(void *c)
{
	struct acme_codec *a = c;

	fr_buf_free(&a->line);
	free(a);
}

static void acme_reset(void *c)
{
	struct acme_codec *a = c;

	a->line.len = 0;
	a->skipping = 0;
}

/* ---- decoding ---- */

/* Split l at spaces into at most max words; the last keeps the rest. */
static int split(char *l, char **w, int max)
{
	int n = 0;

	while (n < max) {
		w[n++] = l;
		if (n == max || (l = strchr(l, ' ')) == NULL)
			break;
		*l++ = '\0';
	}
	return n;
}

static int blob(const char *s, unsigned char **out, size_t *len)
{
	if (fr_base64_decode(s, strlen(s), out, len) < 0)
		return -1;
	if (*len == 0 || *len > FR_BLOB_MAX) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

static int consents(const char *s, int *c)
{
	int k;

	for (k = 0; k < 4; k++, s += 2) {
		if (s[0] == '-')
			c[k] = -1;
		else if (s[0] >= '0' && s[0] <= '3')
			c[k] = s[0] - '0';
		else
			return -1;
		if (s[1] != (k < 3 ? ',' : '\0'))
			return -1;
	}
	return 0;
}

static int number(const char *s, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (end == s || *end != '\0' || v < 0 || v > 65535)
		return -1;
	*out = (int)v;
	return 0;
}

/* One line (NUL-terminated, without its LF) into m: NULL, or why not. */
static const char *parse(char *l, struct fr_msg *m)
{
	char *w[6] = { NULL };
	int n;

	if (strncmp(l, "ERROR ", 6) == 0 || strncmp(l, "RESULT ", 7) == 0) {
		fr_msg_init(m, l[0] == 'E' ? FR_MSG_DEVICE_ERROR : FR_MSG_RESULT);
		n = split(l, w, 3); /* the text keeps its spaces */
		if (n < 2 || number(w[1], &m->code) < 0)
			return "bad code";
		if (n == 3)
			fr_copy_text(m->text, sizeof(m->text), w[2], strlen(w[2]));
		return NULL;
	}
	n = split(l, w, 6);
	if (strcmp(w[0], "CARD") == 0 && n == 6) {
		fr_msg_init(m, FR_MSG_CARD_PLACED);
		if ((m->token = fr_token_parse(w[1])) == 0)
			return "bad token";
		if ((m->method = fr_method_parse(w[2])) == 0)
			return "bad method";
		if (consents(w[3], m->consent) < 0)
			return "bad consents";
		if (strcmp(w[4], "-") != 0)
			fr_copy_text(m->operator_id, sizeof(m->operator_id),
				     w[4], strlen(w[4]));
		if (blob(w[5], &m->cert, &m->cert_len) < 0)
			return "bad certificate";
	} else if (strcmp(w[0], "REMOVED") == 0 && n == 1) {
		fr_msg_init(m, FR_MSG_CARD_REMOVED);
	} else if (strcmp(w[0], "ATTEST") == 0 && n == 3) {
		fr_msg_init(m, FR_MSG_ATTEST);
		if (blob(w[1], &m->sig, &m->sig_len) < 0)
			return "bad signature";
		if (blob(w[2], &m->cert, &m->cert_len) < 0)
			return "bad device certificate";
	} else if (strcmp(w[0], "NONCE") == 0 && n == 2) {
		fr_msg_init(m, FR_MSG_ATTEST_REQUEST);
		if (w[1][0] == '\0' || strlen(w[1]) > FR_NONCE_MAX)
			return "bad nonce";
		fr_copy_text(m->nonce, sizeof(m->nonce), w[1], strlen(w[1]));
	} else {
		fr_msg_init(m, 0);
		return "unknown message";
	}
	return NULL;
}

static void line_done(struct acme_codec *a, const struct fr_sink *s)
{
	char *l, head[25];
	const char *why;
	struct fr_msg m;
	size_t i;

	if (fr_buf_byte(&a->line, '\0') < 0) {
		fr_problem(s, "acme line dropped: out of memory");
		return;
	}
	l = (char *)a->line.data;
	for (i = 0; l[i] != '\0'; i++)
		if ((unsigned char)l[i] < 0x20 || (unsigned char)l[i] > 0x7e) {
			fr_problem(s, "acme line with the byte 0x%02x at %zu",
				   (unsigned char)l[i], i);
			return;
		}
	if (i == 0)
		return;                        /* an empty line: keep-alive */
	snprintf(head, sizeof(head), "%s", l); /* parse() cuts l into words */
	why = parse(l, &m);
	if (why != NULL) {
		fr_problem(s, "acme line '%s': %s", head, why);
		fr_msg_clear(&m);
		return;
	}
	s->msg(s->arg, &m); /* the sink owns m's blobs now */
}

static void acme_feed(void *c, const unsigned char *buf, size_t len,
		      const struct fr_sink *s)
{
	struct acme_codec *a = c;
	size_t i;

	for (i = 0; i < len; i++) {
		if (buf[i] == '\n') {
			if (!a->skipping)
				line_done(a, s); /* s->msg() or fr_problem() */
			a->skipping = 0;
			a->line.len = 0;
		} else if (a->skipping) {
			continue;
		} else if (a->line.len >= ACME_MAX_LINE) {
			fr_problem(s, "acme line longer than %d bytes: skipped",
				   ACME_MAX_LINE);
			a->skipping = 1;
		} else if (fr_buf_byte(&a->line, buf[i]) < 0) {
			fr_problem(s, "acme line dropped: out of memory");
			a->skipping = 1;
		}
	}
}

/* ---- encoding ---- */

static int put_blob(struct fr_buf *out, const unsigned char *p, size_t n)
{
	char *b64 = malloc(4 * ((n + 2) / 3) + 1);
	int rc;

	if (b64 == NULL)
		return -1;
	fr_base64_encode(p, n, b64);
	rc = fr_buf_printf(out, " %s", b64);
	free(b64);
	return rc;
}

static int acme_encode(void *c, const struct fr_msg *m, struct fr_buf *out)
{
	size_t start = out->len;
	int rc = 0, k;

	(void)c;
	switch (m->type) {
	case FR_MSG_CARD_PLACED:
		if (strchr(m->operator_id, ' ') != NULL)
			return -1;
		rc |= fr_buf_printf(out, "CARD %s %s", fr_token_word(m->token),
				    fr_method_word(m->method));
		for (k = 0; k < 4; k++)
			rc |= m->consent[k] < 0
				      ? fr_buf_printf(out, "%c-", k ? ',' : ' ')
				      : fr_buf_printf(out, "%c%d", k ? ',' : ' ',
						      m->consent[k]);
		rc |= fr_buf_printf(out, " %s",
				    m->operator_id[0] ? m->operator_id : "-");
		rc |= put_blob(out, m->cert, m->cert_len);
		break;
	case FR_MSG_CARD_REMOVED: rc |= fr_buf_printf(out, "REMOVED"); break;
	case FR_MSG_ATTEST:
		rc |= fr_buf_printf(out, "ATTEST");
		rc |= put_blob(out, m->sig, m->sig_len);
		rc |= put_blob(out, m->cert, m->cert_len);
		break;
	case FR_MSG_DEVICE_ERROR:
		rc |= fr_buf_printf(out, "ERROR %d %s", m->code, m->text);
		break;
	case FR_MSG_ATTEST_REQUEST:
		rc |= fr_buf_printf(out, "NONCE %s", m->nonce);
		break;
	case FR_MSG_RESULT:
		rc |= fr_buf_printf(out, "RESULT %d %s", m->code, m->text);
		break;
	default: rc = -1;
	}
	rc |= fr_buf_byte(out, '\n');
	if (rc != 0 || out->len - start > ACME_MAX_LINE) {
		out->len = start;
		return -1;
	}
	return 0;
}

const struct fr_link_ops acme_link = {
	.name = "acme",
	.codec_new = acme_new,
	.codec_free = acme_free,
	.codec_reset = acme_reset,
	.feed = acme_feed,
	.encode = acme_encode,
};
