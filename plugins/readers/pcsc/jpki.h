/* SPDX-License-Identifier: Apache-2.0 */
/*
 * jpki.h — the host side of the My Number Card's JPKI application
 * (docs/card-emu.md): select, read the user-authentication certificate and
 * token info, ask and verify the auth PIN, sign with the auth key.
 *
 * It talks to the card only through a transmit callback, so it knows
 * nothing of PC/SC: the plugin passes SCardTransmit, a test can pass the
 * virtual card's APDU engine directly.
 */
#ifndef ONSHI_PCSC_JPKI_H
#define ONSHI_PCSC_JPKI_H

#include <stddef.h>

/* Send apdu, receive the response (data + SW) into resp; its length in
 * *resp_len (in: room). 0, or -1 when the card is gone or the link failed. */
typedef int (*jpki_transmit_fn)(void *arg, const unsigned char *apdu, size_t len,
				unsigned char *resp, size_t *resp_len);

struct jpki {
	jpki_transmit_fn transmit;
	void *arg;
	unsigned last_sw; /* SW of the last answer, for messages */
};

enum jpki_result {
	JPKI_OK = 0,
	JPKI_GONE = -1,       /* transmit failed: card removed or reader lost */
	JPKI_NOT_JPKI = -2,   /* no JPKI application on this card */
	JPKI_WRONG_PIN = -3,  /* *tries_left tells how many remain */
	JPKI_LOCKED = -4,     /* PIN blocked: only the municipal office helps */
	JPKI_CARD_ERROR = -5, /* an unexpected status word (last_sw) */
	JPKI_BAD_DATA = -6,   /* a certificate that is not DER, too big */
};

/* Largest certificate we accept from a card (real ones are ~1.5 KB). */
#define JPKI_CERT_MAX 8192
/* RSA-2048 signatures; room for larger keys. */
#define JPKI_SIG_MAX 512

int jpki_select_ap(struct jpki *j);

/* Read the user-authentication certificate (EF 000A) into a malloc'd
 * buffer, its length from the DER header. */
int jpki_read_auth_cert(struct jpki *j, unsigned char **der, size_t *len);

/* EF 0006: ONSHI_TOKEN_CARD or ONSHI_TOKEN_SMARTPHONE; the raw text
 * (trimmed, up to 32 characters) in text. An unknown text is a card. */
int jpki_token_type(struct jpki *j, int *token, char text[33]);

/* Tries left on the auth PIN, without using one (VERIFY with no data). */
int jpki_auth_pin_tries(struct jpki *j, unsigned *tries_left);

/* VERIFY the auth PIN (4 ASCII digits). */
int jpki_verify_auth_pin(struct jpki *j, const char *pin, unsigned *tries_left);

/* Sign msg (RSA PKCS#1 v1.5 SHA-256) with the auth key: the DigestInfo is
 * built here, the card pads and signs it. */
int jpki_sign_auth(struct jpki *j, const void *msg, size_t msglen,
		   unsigned char *sig, size_t *siglen);

#endif /* ONSHI_PCSC_JPKI_H */
