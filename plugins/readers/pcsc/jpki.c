/* SPDX-License-Identifier: Apache-2.0 */
/*
 * jpki.c — JPKI card commands, host side (see jpki.h).
 *
 * Only short APDUs are sent: real My Number Cards and many readers do not
 * take extended lengths, and nothing here needs more than 256 bytes at once.
 */
#include "jpki.h"

#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

#include <onshi/message.h>

static const unsigned char select_ap[] = {
	0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0,
	0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01,
};

static const unsigned char sha256_prefix[] = {
	0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
	0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20,
};

#define EF_TOKEN_INFO 0x0006
#define EF_AUTH_CERT 0x000A
#define EF_AUTH_KEY 0x0017
#define EF_AUTH_PIN 0x0018

/* Send one APDU; the response data (without SW) stays in resp. */
static int xfer(struct jpki *j, const unsigned char *apdu, size_t len,
		unsigned char *resp, size_t room, size_t *datalen)
{
	size_t n = room;

	if (j->transmit(j->arg, apdu, len, resp, &n) < 0)
		return JPKI_GONE;
	if (n < 2)
		return JPKI_GONE;
	j->last_sw = (unsigned)resp[n - 2] << 8 | resp[n - 1];
	if (datalen)
		*datalen = n - 2;
	return JPKI_OK;
}

int jpki_select_ap(struct jpki *j)
{
	unsigned char r[2 + 256];
	int rc = xfer(j, select_ap, sizeof(select_ap), r, sizeof(r), NULL);

	if (rc < 0)
		return rc;
	return j->last_sw == 0x9000 ? JPKI_OK : JPKI_NOT_JPKI;
}

static int select_ef(struct jpki *j, unsigned id)
{
	unsigned char a[] = { 0x00,
			      0xA4,
			      0x02,
			      0x0C,
			      0x02,
			      (unsigned char)(id >> 8),
			      (unsigned char)id };
	unsigned char r[2 + 256];
	int rc = xfer(j, a, sizeof(a), r, sizeof(r), NULL);

	if (rc < 0)
		return rc;
	if (j->last_sw == 0x6A82)
		return JPKI_NOT_JPKI;
	return j->last_sw == 0x9000 ? JPKI_OK : JPKI_CARD_ERROR;
}

/* READ BINARY of up to 256 bytes at off into out; *got bytes arrived. */
static int read_binary(struct jpki *j, size_t off, size_t want,
		       unsigned char *out, size_t *got)
{
	unsigned char a[] = { 0x00, 0xB0, (unsigned char)(off >> 8),
			      (unsigned char)off, (unsigned char)want };
	unsigned char r[2 + 256];
	size_t n;
	int rc = xfer(j, a, sizeof(a), r, sizeof(r), &n);

	if (rc < 0)
		return rc;
	if (j->last_sw != 0x9000 && j->last_sw != 0x6282)
		return JPKI_CARD_ERROR;
	if (n > want)
		n = want;
	memcpy(out, r, n);
	*got = n;
	return JPKI_OK;
}

int jpki_read_auth_cert(struct jpki *j, unsigned char **der, size_t *len)
{
	unsigned char hdr[4], *buf;
	size_t total, off, got;
	int rc;

	*der = NULL;
	*len = 0;
	rc = select_ef(j, EF_AUTH_CERT);
	if (rc < 0)
		return rc;
	rc = read_binary(j, 0, sizeof(hdr), hdr, &got);
	if (rc < 0)
		return rc;
	/* SEQUENCE with a one- or two-byte long-form length */
	if (got < 4 || hdr[0] != 0x30)
		return JPKI_BAD_DATA;
	if (hdr[1] == 0x82)
		total = 4 + ((size_t)hdr[2] << 8 | hdr[3]);
	else if (hdr[1] == 0x81)
		total = 3 + (size_t)hdr[2];
	else
		return JPKI_BAD_DATA;
	if (total > JPKI_CERT_MAX)
		return JPKI_BAD_DATA;
	buf = malloc(total);
	if (!buf)
		return JPKI_CARD_ERROR;
	for (off = 0; off < total; off += got) {
		size_t want = total - off > 256 ? 256 : total - off;

		rc = read_binary(j, off, want, buf + off, &got);
		if (rc == JPKI_OK && got == 0)
			rc = JPKI_BAD_DATA; /* shorter than its header says */
		if (rc < 0) {
			free(buf);
			return rc;
		}
	}
	*der = buf;
	*len = total;
	return JPKI_OK;
}

int jpki_token_type(struct jpki *j, int *token, char text[33])
{
	unsigned char buf[32];
	size_t got, n;
	int rc;

	*token = ONSHI_TOKEN_CARD;
	text[0] = '\0';
	rc = select_ef(j, EF_TOKEN_INFO);
	if (rc == JPKI_NOT_JPKI || rc == JPKI_CARD_ERROR)
		return JPKI_OK; /* older cards: no token info, a plain card */
	if (rc < 0)
		return rc;
	rc = read_binary(j, 0, sizeof(buf), buf, &got);
	if (rc < 0)
		return rc;
	for (n = 0; n < got && buf[n] >= 0x21 && buf[n] <= 0x7E; n++)
		text[n] = (char)buf[n];
	text[n] = '\0';
	if (strcmp(text, "JPKIAPGPSETOKEN") == 0 ||
	    strcmp(text, "JPKIAPIOSTOKEN") == 0)
		*token = ONSHI_TOKEN_SMARTPHONE;
	return JPKI_OK;
}

/* 63Cx / 6983 / 9000 of a VERIFY → result and tries left. */
static int verify_result(unsigned sw, unsigned *tries_left)
{
	if ((sw & 0xFFF0) == 0x63C0) {
		*tries_left = sw & 0x0F;
		return *tries_left ? JPKI_WRONG_PIN : JPKI_LOCKED;
	}
	if (sw == 0x6983 || sw == 0x6984)
		return JPKI_LOCKED;
	return sw == 0x9000 ? JPKI_OK : JPKI_CARD_ERROR;
}

int jpki_auth_pin_tries(struct jpki *j, unsigned *tries_left)
{
	static const unsigned char a[] = { 0x00, 0x20, 0x00, 0x80 };
	unsigned char r[2 + 256];
	int rc;

	*tries_left = 0;
	rc = select_ef(j, EF_AUTH_PIN);
	if (rc < 0)
		return rc;
	rc = xfer(j, a, sizeof(a), r, sizeof(r), NULL);
	if (rc < 0)
		return rc;
	rc = verify_result(j->last_sw, tries_left);
	/* here 63Cx is the answer, not a failure */
	return rc == JPKI_WRONG_PIN ? JPKI_OK : rc;
}

int jpki_verify_auth_pin(struct jpki *j, const char *pin, unsigned *tries_left)
{
	unsigned char a[9] = { 0x00, 0x20, 0x00, 0x80, 0x04 };
	unsigned char r[2 + 256];
	int rc;

	*tries_left = 0;
	if (strlen(pin) != 4)
		return JPKI_CARD_ERROR;
	rc = select_ef(j, EF_AUTH_PIN);
	if (rc < 0)
		return rc;
	memcpy(a + 5, pin, 4);
	rc = xfer(j, a, sizeof(a), r, sizeof(r), NULL);
	memset(a, 0, sizeof(a)); /* the PIN does not linger on the stack */
	if (rc < 0)
		return rc;
	return verify_result(j->last_sw, tries_left);
}

int jpki_sign_auth(struct jpki *j, const void *msg, size_t msglen,
		   unsigned char *sig, size_t *siglen)
{
	unsigned char a[5 + sizeof(sha256_prefix) + SHA256_DIGEST_LENGTH + 1];
	unsigned char r[2 + JPKI_SIG_MAX];
	size_t n;
	int rc;

	rc = select_ef(j, EF_AUTH_KEY);
	if (rc < 0)
		return rc;
	a[0] = 0x80;
	a[1] = 0x2A;
	a[2] = 0x00;
	a[3] = 0x80;
	a[4] = (unsigned char)(sizeof(sha256_prefix) + SHA256_DIGEST_LENGTH);
	memcpy(a + 5, sha256_prefix, sizeof(sha256_prefix));
	SHA256(msg, msglen, a + 5 + sizeof(sha256_prefix));
	a[sizeof(a) - 1] = 0x00; /* Le: 256 */
	rc = xfer(j, a, sizeof(a), r, sizeof(r), &n);
	if (rc < 0)
		return rc;
	if (j->last_sw != 0x9000 || n == 0 || n > *siglen)
		return JPKI_CARD_ERROR;
	memcpy(sig, r, n);
	*siglen = n;
	return JPKI_OK;
}
