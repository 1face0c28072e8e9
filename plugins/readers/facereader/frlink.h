/* SPDX-License-Identifier: Apache-2.0 */
/*
 * frlink.h — what a face-auth reader's device link carries, independent of
 * how a vendor frames it.
 *
 * A vendor codec (struct fr_link_ops) turns bytes from the device into
 * struct fr_msg values and fr_msg values into bytes. The same codec serves
 * both ends: the reader plugin (host side, through the facereader skeleton)
 * and the device emulator in tools/reader-emu. Nothing here talks to the
 * daemon, so codecs are unit-testable on their own. Installed as
 * <onshi/frlink.h> with the skeleton's library (pkg-config onshi-facereader).
 */
#ifndef ONSHI_FRLINK_H
#define ONSHI_FRLINK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Messages on a face-reader link. */
enum fr_msg_type {
	/* device → host */
	FR_MSG_CARD_PLACED = 1, /* card cert, token, verdict, consents */
	FR_MSG_CARD_REMOVED = 2,
	FR_MSG_ATTEST = 3,       /* signature + device cert */
	FR_MSG_DEVICE_ERROR = 4, /* code + text */
	/* host → device */
	FR_MSG_ATTEST_REQUEST = 5, /* nonce */
	FR_MSG_RESULT = 6, /* code (0 = accepted) + text, for the display */
};

#define FR_OPERATOR_MAX 32
#define FR_TEXT_MAX 128
#define FR_NONCE_MAX 64
#define FR_BLOB_MAX 8192 /* any certificate or signature */

/* One decoded message; blobs are owned (free with fr_msg_clear). */
struct fr_msg {
	int type;       /* enum fr_msg_type */
	int token;      /* CARD_PLACED: ONSHI_TOKEN_* */
	int method;     /* CARD_PLACED: ONSHI_AUTH_* */
	int consent[4]; /* CARD_PLACED: onshi_consent, -1 absent */
	char operator_id[FR_OPERATOR_MAX + 1]; /* CARD_PLACED, visual */
	unsigned char *cert; /* CARD_PLACED: card cert; ATTEST: device cert */
	size_t cert_len;
	unsigned char *sig; /* ATTEST: ECDSA DER signature */
	size_t sig_len;
	int code;                     /* DEVICE_ERROR, RESULT */
	char text[FR_TEXT_MAX + 1];   /* DEVICE_ERROR, RESULT */
	char nonce[FR_NONCE_MAX + 1]; /* ATTEST_REQUEST */
};

/*
 * A growable byte buffer: data[0..len) is its content. Consuming from the
 * front moves data forward instead of the bytes (resynchronising over
 * garbage a byte at a time must not cost a memmove each); the bytes are
 * moved back to the start only when room is needed at the end.
 */
struct fr_buf {
	unsigned char *data;
	size_t len;
	unsigned char *base; /* the allocation; data is inside it */
	size_t cap;          /* bytes at base */
};

/*
 * Where a codec's feed() sends what it found: each complete message, and a
 * one-line description of each thing it skipped (garbage, bad checksum,
 * oversized frame). msg() takes ownership of the message's blobs.
 */
struct fr_sink {
	void (*msg)(void *arg, struct fr_msg *m);
	void (*problem)(void *arg, const char *what);
	void *arg;
};

/* A vendor's device link: framing and payload encoding. */
struct fr_link_ops {
	const char *name;         /* "panasonic" */
	void *(*codec_new)(void); /* NULL when out of memory */
	void (*codec_free)(void *c);
	/* Forget any partial frame (after a reconnect). */
	void (*codec_reset)(void *c);
	/*
	 * Decode len bytes: zero or more sink->msg() and sink->problem()
	 * calls. Never fails: bad input is reported and skipped, and the
	 * codec resynchronises on the next frame start.
	 */
	void (*feed)(void *c, const unsigned char *buf, size_t len,
		     const struct fr_sink *sink);
	/* Append the framed message to out. 0, or -1 if it cannot be encoded. */
	int (*encode)(void *c, const struct fr_msg *m, struct fr_buf *out);
};

/* ---- helpers shared by the codecs (frlink.c) ---- */

/* sink->problem() with a printf format (one line, cut at 191 bytes). */
void fr_problem(const struct fr_sink *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Resynchronising after garbage: a codec drops bytes one at a time until a
 * frame starts, and reports the whole run once ("N bytes skipped looking
 * for a VENDOR message (first reason)") instead of once per byte.
 */
struct fr_resync {
	size_t skipped;
	char why[96]; /* the first reason in the run */
};
/* Drop in's first byte, noting why. */
void fr_resync_skip(struct fr_resync *r, struct fr_buf *in, const char *why);
/* Report the run so far (if any) to the sink and start afresh. */
void fr_resync_report(struct fr_resync *r, const struct fr_sink *s,
		      const char *vendor);

void fr_msg_init(struct fr_msg *m, int type);
void fr_msg_clear(struct fr_msg *m);
/* A copy of src's blobs into dst (dst is overwritten). 0 or -1. */
int fr_msg_copy(struct fr_msg *dst, const struct fr_msg *src);
const char *fr_msg_type_name(int type);
/* Whether the message's fields are in range for its type; why on failure. */
int fr_msg_check(const struct fr_msg *m, const char **why);

int fr_buf_reserve(struct fr_buf *b, size_t extra);
int fr_buf_append(struct fr_buf *b, const void *p, size_t n);
int fr_buf_byte(struct fr_buf *b, unsigned char c);
int fr_buf_printf(struct fr_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Drop the first n bytes. */
void fr_buf_consume(struct fr_buf *b, size_t n);
void fr_buf_free(struct fr_buf *b);

/* Standard base64 with padding; out must hold 4 * ((n + 2) / 3) + 1. */
void fr_base64_encode(const unsigned char *in, size_t n, char *out);
/* Decode strict base64 (no whitespace); *out malloc'ed. 0 or -1. */
int fr_base64_decode(const char *in, size_t n, unsigned char **out, size_t *outlen);
/* CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF). */
uint16_t fr_crc16(const unsigned char *p, size_t n);
/* Copy at most cap bytes of printable ASCII (others become '?'). */
void fr_copy_text(char *dst, size_t cap, const char *src, size_t n);
/* "token"/"method" words used by the text codecs and the emulator. */
const char *fr_token_word(int token);
int fr_token_parse(const char *w);
const char *fr_method_word(int method);
int fr_method_parse(const char *w);

#ifdef __cplusplus
}
#endif

#endif /* ONSHI_FRLINK_H */
