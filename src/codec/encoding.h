/* SPDX-License-Identifier: Apache-2.0 */
/*
 * encoding.h — the byte-level character work of the XmlMsg codec.
 *
 * Receipt computers send XML in UTF-8 or in "Shift_JIS" that is really
 * Windows' CP932 (髙 﨑 ① ㈱ exist only there). libxml2's own Shift_JIS
 * handler may be strict Shift_JIS, so the codec converts CP932 to UTF-8 itself
 * (glibc iconv "CP932") before parsing, and converts its UTF-8 output to
 * CP932 afterwards, substituting 〓 for what CP932 cannot hold. Internal to
 * libonshi; not part of the SDK.
 */
#ifndef ONSHI_ENCODING_H
#define ONSHI_ENCODING_H

#include <stddef.h>

enum onshi_enc {
	ONSHI_ENC_UNSUPPORTED = -1,
	ONSHI_ENC_UTF8 = 0,  /* also US-ASCII, and no declaration at all */
	ONSHI_ENC_CP932 = 1, /* Shift_JIS, SJIS, Windows-31J, CP932, MS932 */
};

/* Map an encoding name from an XML declaration (case-insensitive). */
enum onshi_enc onshi_enc_from_name(const char *name);

/*
 * Find the XML declaration at the start of buf (after an optional UTF-8
 * BOM). On return *decl_start and *decl_end delimit it (both 0 when there is
 * none) and name[] holds its encoding pseudo-attribute ("" when absent).
 * Returns 0, or -1 when a declaration starts but is malformed or its
 * encoding name does not fit.
 */
int onshi_enc_find_decl(const char *buf, size_t len, size_t *decl_start,
			size_t *decl_end, char *name, size_t namelen);

/* Is buf valid UTF-8 (shortest forms, no surrogates, <= U+10FFFF)? Returns
 * 0, or -1 with *bad_off at the first offending byte. */
int onshi_enc_utf8_check(const char *buf, size_t len, size_t *bad_off);

/*
 * Decode one UTF-8 sequence at s (n bytes available) into *cp; returns its
 * length, or 0 when it is not valid UTF-8.
 */
size_t onshi_enc_utf8_decode(const unsigned char *s, size_t n, unsigned *cp);

/* CP932 → UTF-8 into a malloc'd NUL-terminated buffer. Returns 0; -1 with
 * *bad_off set for an invalid or truncated byte sequence; -2 out of memory. */
int onshi_enc_cp932_to_utf8(const char *in, size_t len, char **out,
			    size_t *outlen, size_t *bad_off);

/* UTF-8 (must be valid) → CP932 into a malloc'd NUL-terminated buffer,
 * look-alikes mapped and the rest replaced by 〓, counted in *substituted.
 * Returns 0; -1 invalid UTF-8; -2 out of memory. */
int onshi_enc_utf8_to_cp932(const char *in, size_t len, char **out,
			    size_t *outlen, size_t *substituted);

#endif /* ONSHI_ENCODING_H */
