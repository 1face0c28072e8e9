/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ws8_csv.h — the WiseStaff-8 CSV protocol (docs/rececon/wisestaff8.md) as pure
 * functions: decoding request files (CP932, or UTF-8 after a BOM), a small
 * RFC 4180 CSV reader that is strict about what it accepts, validation of
 * the one request record, writing result lines, CP932 encoding with 〓 for
 * what CP932 cannot hold, and half-width kana. No I/O and no host services
 * here, so all of it is unit-tested on its own.
 */
#ifndef ONSHI_WS8_CSV_H
#define ONSHI_WS8_CSV_H

#include <stddef.h>

/* Longest record (one logical line, quotes included) accepted, in bytes. */
#define WS8_MAX_LINE 1024
/* Most fields in a record (a request has 7; trailing empty ones allowed). */
#define WS8_MAX_FIELDS 32
/* Number of fields of a request record and of a result record. */
#define WS8_REQUEST_FIELDS 7
/* 17 fields of docs/rececon/wisestaff8.md, then the elderly co-payment
 * bracket and the limit-certificate class: docs/rececon/wisestaff8.md. */
#define WS8_RESULT_FIELDS 19

/* onshi's own error codes in result lines (docs/rececon/wisestaff8.md). */
#define WS8_E_INVALID "OE0001"   /* a field has a bad value */
#define WS8_E_REFUSED "OE0006"   /* not a regular file, link */
#define WS8_E_TOOBIG "OE0007"    /* file or line too long */
#define WS8_E_ENCODING "OE0008"  /* invalid CP932 / UTF-8 */
#define WS8_E_MALFORMED "OE0009" /* not CSV of the request's shape */

/*
 * Decode a request file to NUL-terminated UTF-8 (malloc'd): after a UTF-8
 * BOM the rest must be valid UTF-8, else the file is CP932. NUL bytes are
 * refused. 0 on success; -1 with msg naming the byte offset.
 */
int ws8_decode(const char *in, size_t len, char **out, size_t *outlen,
	       char *msg, size_t msglen);

/*
 * Encode UTF-8 as CP932 (malloc'd, NUL-terminated). Characters CP932
 * cannot hold (and invalid UTF-8 bytes) become 〓 (0x81 0xAC), counted in
 * *subst (may be NULL); a few look-alikes (〜 − ‖ ¢ £ ¬ —) are first mapped
 * to their CP932 forms. 0, or -1 when out of memory / no iconv.
 */
int ws8_encode_cp932(const char *in, size_t len, char **out, size_t *outlen,
		     size_t *subst);

/*
 * Full-width katakana, hiragana, the long vowel mark, middle dot,
 * ideographic space and full-width ASCII turned into their half-width forms
 * (ガ → ｶﾞ); anything else is copied. malloc'd; NULL when out of memory.
 */
char *ws8_halfwidth_kana(const char *utf8);

/* One CSV record. */
struct ws8_record {
	size_t n;
	char **f;
};

/* Records of a file; blank lines are not records. */
struct ws8_csv {
	size_t n;
	struct ws8_record *r;
};

/*
 * Parse UTF-8 text as CSV: fields separated by ',', records by CRLF or LF
 * (a lone CR too), "quoted" fields with "" for a quote and commas and line
 * breaks inside. Refused, with msg saying where: a record over WS8_MAX_LINE
 * bytes or WS8_MAX_FIELDS fields, an unterminated quote, text after a
 * closing quote. 0 on success (free with ws8_csv_free even on error).
 */
int ws8_csv_parse(const char *text, size_t len, struct ws8_csv *out, char *msg,
		  size_t msglen);
void ws8_csv_free(struct ws8_csv *c);

/* A validated request record. Strings are owned (free with ws8_request_free). */
struct ws8_request {
	char *insurer; /* digits as given: 6 or 8 */
	char *symbol;  /* may be "" */
	char *number;
	char *branch;  /* "" or 1-2 digits */
	char *birth;   /* YYYYMMDD */
	char *receipt; /* the receipt number, 1-32 printable characters */
};

/*
 * Parse and validate a whole request file (already decoded to UTF-8).
 * On error returns -1 with code (one of WS8_E_*) and msg set; req->receipt
 * is kept when the record got far enough to have a usable one, so the
 * error line can carry it.
 */
int ws8_request_parse(const char *text, size_t len, struct ws8_request *req,
		      const char **code, char *msg, size_t msglen);
void ws8_request_free(struct ws8_request *req);

/*
 * Append one CSV record of n fields to a growing malloc'd buffer (*buf,
 * *len, *cap), quoting a field that holds a comma, quote or line break,
 * ended by CRLF. NULL fields are empty. 0, or -1 when out of memory.
 */
int ws8_csv_append(char **buf, size_t *len, size_t *cap,
		   const char *const *fields, size_t n);

#endif
