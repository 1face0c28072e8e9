/* SPDX-License-Identifier: Apache-2.0 */
/*
 * jpki_card.h — the virtual My Number Card's JPKI applet: one APDU in, one
 * response (data + status word) out.
 *
 * The engine knows nothing about vpcd or sockets, so the unit test drives it
 * directly. It holds the card's files (certificates as DER, token info), its
 * two RSA keys, the two PINs with their retry counters, and the volatile
 * state a real card loses at reset (selected AP and EF, verified PINs).
 * The only side effect of card_apdu() is on that state and the counters.
 */
#ifndef ONSHI_CARD_EMU_JPKI_CARD_H
#define ONSHI_CARD_EMU_JPKI_CARD_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

/* Largest response card_apdu() writes: 65536 data bytes + SW1 SW2. */
#define CARD_RESP_MAX (65536 + 2)

/* Tries a PIN starts with; 0 means locked. */
#define CARD_PIN_TRIES 3

/* EF identifiers of the JPKI AP (docs/card-emu.md). */
enum card_ef {
	CARD_EF_NONE = 0,
	CARD_EF_SIGN_CERT = 0x0001,
	CARD_EF_SIGN_CA = 0x0002,
	CARD_EF_TOKEN_INFO = 0x0006,
	CARD_EF_AUTH_CERT = 0x000A,
	CARD_EF_AUTH_CA = 0x000B,
	CARD_EF_AUTH_KEY = 0x0017,
	CARD_EF_AUTH_PIN = 0x0018,
	CARD_EF_SIGN_KEY = 0x001A,
	CARD_EF_SIGN_PIN = 0x001B,
};

/* The token info strings of EF 0006 (before padding to 32 bytes). */
#define CARD_TOKEN_CARD "JPKIAPICCTOKEN2"
#define CARD_TOKEN_ANDROID "JPKIAPGPSETOKEN"
#define CARD_TOKEN_IPHONE "JPKIAPIOSTOKEN"
#define CARD_TOKEN_INFO_LEN 32

/* A transparent file's bytes; NULL data = the file does not exist. */
struct card_file {
	unsigned char *data;
	size_t len;
};

struct card_pin {
	char value[17]; /* ASCII, NUL-terminated */
	unsigned tries; /* left; 0 = locked */
	int verified;   /* volatile: cleared at reset */
};

struct card {
	/* persistent: the card's contents */
	struct card_file auth_cert, auth_ca, sign_cert, sign_ca;
	unsigned char token_info[CARD_TOKEN_INFO_LEN];
	EVP_PKEY *auth_key; /* owned; NULL: no auth key */
	EVP_PKEY *sign_key; /* owned; NULL: no signing side */
	struct card_pin auth_pin, sign_pin;

	/* volatile: lost at power-off or reset */
	int ap_selected;
	unsigned current_ef; /* enum card_ef, CARD_EF_NONE if none */
};

/*
 * Set up an empty card: no files, no keys, token info `token` (one of the
 * CARD_TOKEN_* strings) space padded, the auth PIN `auth_pin` (4 digits)
 * and the signing PIN `sign_pin` (6-16 characters). Returns 0, or -1 on
 * a bad PIN or token string.
 */
int card_init(struct card *c, const char *token, const char *auth_pin,
	      const char *sign_pin);

/* Free what the card owns (file data, keys). */
void card_free(struct card *c);

/* Power-on / reset: forget the selected AP and EF and verified PINs. */
void card_reset(struct card *c);

/*
 * Handle one command APDU (short or extended encoding). Writes response
 * data + SW1 SW2 into `out` (room for `outmax` bytes, at least 2) and
 * returns the response length. Never fails: bad input yields an error SW.
 */
size_t card_apdu(struct card *c, const unsigned char *apdu, size_t len,
		 unsigned char *out, size_t outmax);

#endif /* ONSHI_CARD_EMU_JPKI_CARD_H */
