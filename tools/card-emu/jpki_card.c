/* SPDX-License-Identifier: Apache-2.0 */
/*
 * jpki_card.c — the JPKI applet of the virtual My Number Card (see jpki_card.h).
 *
 * Commands (docs/card-emu.md): SELECT of the JPKI AP by name and of its EFs
 * by id, READ BINARY with offsets, VERIFY with a retry counter (no data:
 * report the counter; three wrong PINs lock), and COMPUTE DIGITAL SIGNATURE
 * over a host-built SHA-256 DigestInfo. Anything else gets the ISO 7816-4
 * status word a real card would give, never a crash: this function sees
 * whatever bytes the host sends.
 */
#include "jpki_card.h"

#include <openssl/crypto.h>
#include <openssl/rsa.h>
#include <stdlib.h>
#include <string.h>

/* Status words used here (ISO 7816-4). */
#define SW_OK 0x9000
#define SW_EOF_BEFORE_LE 0x6282 /* fewer bytes than asked: end of file */
#define SW_WRONG_LENGTH 0x6700
#define SW_INCOMPATIBLE_FILE 0x6981 /* e.g. READ BINARY of a key EF */
#define SW_SECURITY_NOT_SATISFIED 0x6982
#define SW_AUTH_BLOCKED 0x6983
#define SW_NO_CURRENT_EF 0x6986
#define SW_WRONG_DATA 0x6A80
#define SW_FUNC_NOT_SUPPORTED 0x6A81
#define SW_FILE_NOT_FOUND 0x6A82
#define SW_WRONG_P1P2 0x6A86
#define SW_OFFSET_OUTSIDE 0x6B00
#define SW_INS_NOT_SUPPORTED 0x6D00
#define SW_CLA_NOT_SUPPORTED 0x6E00
#define SW_UNKNOWN 0x6F00

static const unsigned char jpki_aid[] = {
	0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01,
};

/* DER prefix of a DigestInfo with SHA-256 (RFC 8017 §9.2 note 1). */
static const unsigned char sha256_prefix[] = {
	0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
	0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20,
};
#define SHA256_DIGESTINFO_LEN (sizeof(sha256_prefix) + 32)

/* A command APDU split into its fields. */
struct apdu {
	unsigned char cla, ins, p1, p2;
	const unsigned char *data;
	size_t lc;
	size_t le; /* bytes expected; 0 with has_le = 0: none expected */
	int has_le;
};

/*
 * ISO 7816-4 §5.1 cases 1-4, short and extended. Returns 0, or -1 when the
 * length bytes do not add up (the caller answers 6700).
 */
static int apdu_parse(const unsigned char *b, size_t len, struct apdu *a)
{
	memset(a, 0, sizeof(*a));
	if (len < 4)
		return -1;
	a->cla = b[0];
	a->ins = b[1];
	a->p1 = b[2];
	a->p2 = b[3];
	if (len == 4)
		return 0; /* case 1 */
	if (len == 5) {   /* case 2 short */
		a->has_le = 1;
		a->le = b[4] ? b[4] : 256;
		return 0;
	}
	if (b[4] != 0) { /* case 3 or 4 short */
		a->lc = b[4];
		a->data = b + 5;
		if (len == 5 + a->lc)
			return 0;
		if (len == 6 + a->lc) {
			a->has_le = 1;
			a->le = b[len - 1] ? b[len - 1] : 256;
			return 0;
		}
		return -1;
	}
	/* extended: 00 then two length bytes */
	if (len < 7)
		return -1;
	if (len == 7) { /* case 2 extended */
		size_t le = (size_t)b[5] << 8 | b[6];

		a->has_le = 1;
		a->le = le ? le : 65536;
		return 0;
	}
	a->lc = (size_t)b[5] << 8 | b[6];
	if (a->lc == 0)
		return -1;
	a->data = b + 7;
	if (len == 7 + a->lc)
		return 0;
	if (len == 9 + a->lc) {
		size_t le = (size_t)b[len - 2] << 8 | b[len - 1];

		a->has_le = 1;
		a->le = le ? le : 65536;
		return 0;
	}
	return -1;
}

static size_t put_sw(unsigned char *out, size_t n, unsigned sw)
{
	out[n] = (unsigned char)(sw >> 8);
	out[n + 1] = (unsigned char)sw;
	return n + 2;
}

static void pin_set(struct card_pin *p, const char *value)
{
	memset(p, 0, sizeof(*p));
	strcpy(p->value, value);
	p->tries = CARD_PIN_TRIES;
}

static int all_digits(const char *s)
{
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

int card_init(struct card *c, const char *token, const char *auth_pin,
	      const char *sign_pin)
{
	size_t tlen = strlen(token), slen = strlen(sign_pin);

	memset(c, 0, sizeof(*c));
	if (tlen == 0 || tlen > CARD_TOKEN_INFO_LEN)
		return -1;
	if (strlen(auth_pin) != 4 || !all_digits(auth_pin))
		return -1;
	if (slen < 6 || slen > 16)
		return -1;
	memset(c->token_info, ' ', sizeof(c->token_info));
	memcpy(c->token_info, token, tlen);
	pin_set(&c->auth_pin, auth_pin);
	pin_set(&c->sign_pin, sign_pin);
	return 0;
}

void card_free(struct card *c)
{
	free(c->auth_cert.data);
	free(c->auth_ca.data);
	free(c->sign_cert.data);
	free(c->sign_ca.data);
	EVP_PKEY_free(c->auth_key);
	EVP_PKEY_free(c->sign_key);
	OPENSSL_cleanse(&c->auth_pin, sizeof(c->auth_pin));
	OPENSSL_cleanse(&c->sign_pin, sizeof(c->sign_pin));
	memset(c, 0, sizeof(*c));
}

void card_reset(struct card *c)
{
	c->ap_selected = 0;
	c->current_ef = CARD_EF_NONE;
	c->auth_pin.verified = 0;
	c->sign_pin.verified = 0;
}

/* Whether EF `id` exists on this card (files with no data do not). */
static int ef_exists(const struct card *c, unsigned id)
{
	switch (id) {
	case CARD_EF_AUTH_CERT: return c->auth_cert.data != NULL;
	case CARD_EF_AUTH_CA: return c->auth_ca.data != NULL;
	case CARD_EF_SIGN_CERT: return c->sign_cert.data != NULL;
	case CARD_EF_SIGN_CA: return c->sign_ca.data != NULL;
	case CARD_EF_TOKEN_INFO:
	case CARD_EF_AUTH_PIN: return 1;
	case CARD_EF_AUTH_KEY: return c->auth_key != NULL;
	case CARD_EF_SIGN_KEY:
	case CARD_EF_SIGN_PIN: return c->sign_key != NULL;
	default: return 0;
	}
}

static size_t cmd_select(struct card *c, const struct apdu *a, unsigned char *out)
{
	unsigned id;

	/* P2 0C: no FCI wanted (what every JPKI reader sends); 00 tolerated */
	if (a->p2 != 0x0C && a->p2 != 0x00)
		return put_sw(out, 0, SW_WRONG_P1P2);
	if (a->p1 == 0x04) {
		if (a->lc == sizeof(jpki_aid) &&
		    memcmp(a->data, jpki_aid, sizeof(jpki_aid)) == 0) {
			c->ap_selected = 1;
			c->current_ef = CARD_EF_NONE;
			return put_sw(out, 0, SW_OK);
		}
		if (a->lc == 0)
			return put_sw(out, 0, SW_WRONG_LENGTH);
		return put_sw(out, 0, SW_FILE_NOT_FOUND);
	}
	if (a->p1 != 0x02)
		return put_sw(out, 0, SW_WRONG_P1P2);
	if (a->lc != 2)
		return put_sw(out, 0, SW_WRONG_LENGTH);
	id = (unsigned)a->data[0] << 8 | a->data[1];
	if (!c->ap_selected || !ef_exists(c, id))
		return put_sw(out, 0, SW_FILE_NOT_FOUND);
	c->current_ef = id;
	return put_sw(out, 0, SW_OK);
}

static size_t cmd_read_binary(struct card *c, const struct apdu *a,
			      unsigned char *out, size_t outmax)
{
	const struct card_file *f;
	struct card_file token = { c->token_info, sizeof(c->token_info) };
	size_t off, n;

	if (a->lc != 0 || !a->has_le)
		return put_sw(out, 0, SW_WRONG_LENGTH);
	if (a->p1 & 0x80) /* short EF id in P1: not offered by this applet */
		return put_sw(out, 0, SW_FUNC_NOT_SUPPORTED);
	switch (c->current_ef) {
	case CARD_EF_NONE: return put_sw(out, 0, SW_NO_CURRENT_EF);
	case CARD_EF_AUTH_CERT: f = &c->auth_cert; break;
	case CARD_EF_AUTH_CA: f = &c->auth_ca; break;
	case CARD_EF_SIGN_CA: f = &c->sign_ca; break;
	case CARD_EF_TOKEN_INFO: f = &token; break;
	case CARD_EF_SIGN_CERT:
		/* the signing cert names the holder: signing PIN first */
		if (!c->sign_pin.verified)
			return put_sw(out, 0, SW_SECURITY_NOT_SATISFIED);
		f = &c->sign_cert;
		break;
	default: /* keys and PINs are not readable */
		return put_sw(out, 0, SW_INCOMPATIBLE_FILE);
	}
	off = (size_t)a->p1 << 8 | a->p2;
	if (off >= f->len)
		return put_sw(out, 0, SW_OFFSET_OUTSIDE);
	n = f->len - off;
	if (n > a->le)
		n = a->le;
	if (n > outmax - 2)
		n = outmax - 2;
	memcpy(out, f->data + off, n);
	/* a short read past the end says so, as ISO 7816-4 asks */
	return put_sw(out, n,
		      n < a->le && off + n == f->len ? SW_EOF_BEFORE_LE : SW_OK);
}

static size_t cmd_verify(struct card *c, const struct apdu *a, unsigned char *out)
{
	struct card_pin *p;
	size_t minlen, maxlen;

	if (a->p1 != 0x00 || a->p2 != 0x80)
		return put_sw(out, 0, SW_WRONG_P1P2);
	if (c->current_ef == CARD_EF_AUTH_PIN) {
		p = &c->auth_pin;
		minlen = maxlen = 4;
	} else if (c->current_ef == CARD_EF_SIGN_PIN) {
		p = &c->sign_pin;
		minlen = 6;
		maxlen = 16;
	} else {
		return put_sw(out, 0, SW_NO_CURRENT_EF);
	}
	if (p->tries == 0)
		return put_sw(out, 0, SW_AUTH_BLOCKED);
	if (a->lc == 0) /* a question, not an attempt: no try used */
		return put_sw(out, 0, 0x63C0 | p->tries);
	if (a->has_le)
		return put_sw(out, 0, SW_WRONG_LENGTH);
	if (a->lc < minlen || a->lc > maxlen)
		return put_sw(out, 0, SW_WRONG_LENGTH);
	if (a->lc == strlen(p->value) &&
	    CRYPTO_memcmp(a->data, p->value, a->lc) == 0) {
		p->tries = CARD_PIN_TRIES;
		p->verified = 1;
		return put_sw(out, 0, SW_OK);
	}
	p->verified = 0;
	p->tries--;
	if (p->tries == 0)
		return put_sw(out, 0, SW_AUTH_BLOCKED);
	return put_sw(out, 0, 0x63C0 | p->tries);
}

/* RSA PKCS#1 v1.5 type 1 padding of the DigestInfo as given, no hashing. */
static size_t rsa_sign_digestinfo(EVP_PKEY *key, const unsigned char *di,
				  size_t dilen, unsigned char *out, size_t outmax)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
	size_t siglen = outmax;
	int ok;

	if (!ctx)
		return 0;
	ok = EVP_PKEY_sign_init(ctx) > 0 &&
	     EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 &&
	     EVP_PKEY_sign(ctx, out, &siglen, di, dilen) > 0;
	EVP_PKEY_CTX_free(ctx);
	return ok ? siglen : 0;
}

static size_t cmd_sign(struct card *c, const struct apdu *a, unsigned char *out,
		       size_t outmax)
{
	EVP_PKEY *key;
	size_t siglen;

	if (a->cla != 0x80)
		return put_sw(out, 0, SW_CLA_NOT_SUPPORTED);
	if (a->p1 != 0x00 || a->p2 != 0x80)
		return put_sw(out, 0, SW_WRONG_P1P2);
	if (c->current_ef == CARD_EF_AUTH_KEY) {
		if (!c->auth_pin.verified)
			return put_sw(out, 0, SW_SECURITY_NOT_SATISFIED);
		key = c->auth_key;
	} else if (c->current_ef == CARD_EF_SIGN_KEY) {
		if (!c->sign_pin.verified)
			return put_sw(out, 0, SW_SECURITY_NOT_SATISFIED);
		key = c->sign_key;
	} else {
		return put_sw(out, 0, SW_NO_CURRENT_EF);
	}
	if (a->lc == 0)
		return put_sw(out, 0, SW_WRONG_LENGTH);
	/* only what the JPKI host builds: a SHA-256 DigestInfo */
	if (a->lc != SHA256_DIGESTINFO_LEN ||
	    memcmp(a->data, sha256_prefix, sizeof(sha256_prefix)) != 0)
		return put_sw(out, 0, SW_WRONG_DATA);
	if ((size_t)EVP_PKEY_get_size(key) > outmax - 2)
		return put_sw(out, 0, SW_UNKNOWN);
	if (a->has_le && a->le < (size_t)EVP_PKEY_get_size(key))
		return put_sw(out, 0, SW_WRONG_LENGTH);
	siglen = rsa_sign_digestinfo(key, a->data, a->lc, out, outmax - 2);
	if (siglen == 0)
		return put_sw(out, 0, SW_UNKNOWN);
	return put_sw(out, siglen, SW_OK);
}

size_t card_apdu(struct card *c, const unsigned char *apdu, size_t len,
		 unsigned char *out, size_t outmax)
{
	struct apdu a;

	if (outmax < 2)
		return 0;
	if (apdu_parse(apdu, len, &a) < 0)
		return put_sw(out, 0, SW_WRONG_LENGTH);
	if (a.cla != 0x00 && a.cla != 0x80)
		return put_sw(out, 0, SW_CLA_NOT_SUPPORTED);
	switch (a.ins) {
	case 0xA4:
		if (a.cla != 0x00)
			return put_sw(out, 0, SW_CLA_NOT_SUPPORTED);
		return cmd_select(c, &a, out);
	case 0xB0:
		if (a.cla != 0x00)
			return put_sw(out, 0, SW_CLA_NOT_SUPPORTED);
		return cmd_read_binary(c, &a, out, outmax);
	case 0x20:
		if (a.cla != 0x00)
			return put_sw(out, 0, SW_CLA_NOT_SUPPORTED);
		return cmd_verify(c, &a, out);
	case 0x2A: return cmd_sign(c, &a, out, outmax);
	default: return put_sw(out, 0, SW_INS_NOT_SUPPORTED);
	}
}
