/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ws8_csv.c — decoding, CSV reading and writing, CP932 and half-width kana
 * for the WiseStaff-8 adapter; see ws8_csv.h. iconv is glibc's, so the
 * plugin still links no daemon symbols.
 */
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mask.h"
#include "ws8_csv.h"

/* ---- encodings ---- */

/* Length of the UTF-8 sequence starting with byte c (1 for a stray byte). */
static size_t utf8_len(unsigned char c)
{
	if (c < 0xc0)
		return 1;
	if (c < 0xe0)
		return 2;
	if (c < 0xf0)
		return 3;
	return 4;
}

/* Decode one UTF-8 character at p (n bytes available); 0 if invalid. */
static uint32_t utf8_decode(const unsigned char *p, size_t n, size_t *used)
{
	size_t l = utf8_len(p[0]), i;
	uint32_t cp;

	*used = 1;
	if (l == 1)
		return p[0] < 0x80 ? p[0] : 0;
	if (l > n)
		return 0;
	cp = p[0] & (0x7f >> l);
	for (i = 1; i < l; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	*used = l;
	return cp;
}

static size_t utf8_put(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Run iconv over the whole input; on a bad sequence report its offset. */
static int convert(const char *to, const char *from, const char *in, size_t len,
		   char **out, size_t *outlen, size_t *bad_at)
{
	size_t cap = len * 2 + 16, left_in = len, left_out;
	char *buf, *ip = (char *)in, *op;
	iconv_t cd = iconv_open(to, from);
	int rc = 0;

	if (cd == (iconv_t)-1)
		return -2;
	buf = malloc(cap + 1);
	if (buf == NULL) {
		iconv_close(cd);
		return -2;
	}
	op = buf;
	left_out = cap;
	if (iconv(cd, &ip, &left_in, &op, &left_out) == (size_t)-1) {
		/* UTF-8 of CP932 text is at most 1.5x its size: no E2BIG. */
		*bad_at = (size_t)(ip - in);
		rc = -1;
	}
	iconv_close(cd);
	if (rc != 0) {
		free(buf);
		return rc;
	}
	*op = '\0';
	*out = buf;
	*outlen = (size_t)(op - buf);
	return 0;
}

int ws8_decode(const char *in, size_t len, char **out, size_t *outlen,
	       char *msg, size_t msglen)
{
	const char *from = "CP932";
	size_t bad = 0;
	int rc;

	*out = NULL;
	*outlen = 0;
	if (memchr(in, '\0', len) != NULL) {
		snprintf(msg, msglen,
			 "the file contains a NUL byte at offset "
			 "%zu: not a text file",
			 (size_t)((const char *)memchr(in, '\0', len) - in));
		return -1;
	}
	if (len >= 3 && memcmp(in, "\xef\xbb\xbf", 3) == 0) {
		/* A BOM: saved as "CSV UTF-8" (Excel), not CP932. */
		from = "UTF-8";
		in += 3;
		len -= 3;
	}
	rc = convert("UTF-8", from, in, len, out, outlen, &bad);
	if (rc == -2) {
		snprintf(msg, msglen,
			 "cannot convert from %s (out of memory or "
			 "no iconv converter)",
			 from);
		return -1;
	}
	if (rc != 0) {
		snprintf(msg, msglen,
			 "invalid %s at byte %zu (0x%02x): save the "
			 "file as Shift_JIS (CP932)",
			 from, bad + (from[0] == 'U' ? 3 : 0),
			 (unsigned char)in[bad]);
		return -1;
	}
	return 0;
}

/* Look-alikes written in their CP932 forms, as the XML writer does. */
static uint32_t lookalike(uint32_t cp)
{
	switch (cp) {
	case 0x301c: return 0xff5e; /* WAVE DASH → FULLWIDTH TILDE */
	case 0x2212: return 0xff0d; /* MINUS SIGN → FULLWIDTH HYPHEN-MINUS */
	case 0x2016: return 0x2225; /* DOUBLE VERTICAL LINE → PARALLEL TO */
	case 0x00a2: return 0xffe0;
	case 0x00a3: return 0xffe1;
	case 0x00ac: return 0xffe2;
	case 0x2014: return 0x2015; /* EM DASH → HORIZONTAL BAR */
	}
	return 0;
}

int ws8_encode_cp932(const char *in, size_t len, char **out, size_t *outlen,
		     size_t *subst)
{
	size_t cap = len * 2 + 16, o = 0, i = 0, n = 0;
	iconv_t cd = iconv_open("CP932", "UTF-8");
	char *buf;

	*out = NULL;
	if (subst)
		*subst = 0;
	if (cd == (iconv_t)-1)
		return -1;
	buf = malloc(cap + 1);
	if (buf == NULL) {
		iconv_close(cd);
		return -1;
	}
	/* One character at a time: a failure then names exactly one. */
	while (i < len) {
		char tmp[8], *ip, *op = buf + o;
		size_t used, il, ol = cap - o;
		uint32_t cp = utf8_decode((const unsigned char *)in + i,
					  len - i, &used),
			 alt;

		ip = (char *)in + i;
		il = used;
		if (cp == 0 && in[i] != '\0')
			goto replace;
		if (iconv(cd, &ip, &il, &op, &ol) != (size_t)-1) {
			o = (size_t)(op - buf);
			i += used;
			continue;
		}
		iconv(cd, NULL, NULL, NULL, NULL);
		alt = lookalike(cp);
		if (alt != 0) {
			ip = tmp;
			il = utf8_put(tmp, alt);
			op = buf + o;
			ol = cap - o;
			if (iconv(cd, &ip, &il, &op, &ol) != (size_t)-1) {
				o = (size_t)(op - buf);
				i += used;
				continue;
			}
			iconv(cd, NULL, NULL, NULL, NULL);
		}
replace:
		buf[o++] = (char)0x81; /* 〓 GETA MARK */
		buf[o++] = (char)0xac;
		n++;
		i += used;
	}
	iconv_close(cd);
	buf[o] = '\0';
	*out = buf;
	*outlen = o;
	if (subst)
		*subst = n;
	return 0;
}

/* ---- half-width kana ---- */

/* U+30A1 (ァ) .. U+30F6 (ヶ) in half-width form. */
static const char *const hw_kata[] = {
	"ｧ",  "ｱ",  "ｨ",  "ｲ",  "ｩ",  "ｳ",  "ｪ",  "ｴ",  "ｫ",  "ｵ",  "ｶ",
	"ｶﾞ", "ｷ",  "ｷﾞ", "ｸ",  "ｸﾞ", "ｹ",  "ｹﾞ", "ｺ",  "ｺﾞ", "ｻ",  "ｻﾞ",
	"ｼ",  "ｼﾞ", "ｽ",  "ｽﾞ", "ｾ",  "ｾﾞ", "ｿ",  "ｿﾞ", "ﾀ",  "ﾀﾞ", "ﾁ",
	"ﾁﾞ", "ｯ",  "ﾂ",  "ﾂﾞ", "ﾃ",  "ﾃﾞ", "ﾄ",  "ﾄﾞ", "ﾅ",  "ﾆ",  "ﾇ",
	"ﾈ",  "ﾉ",  "ﾊ",  "ﾊﾞ", "ﾊﾟ", "ﾋ",  "ﾋﾞ", "ﾋﾟ", "ﾌ",  "ﾌﾞ", "ﾌﾟ",
	"ﾍ",  "ﾍﾞ", "ﾍﾟ", "ﾎ",  "ﾎﾞ", "ﾎﾟ", "ﾏ",  "ﾐ",  "ﾑ",  "ﾒ",  "ﾓ",
	"ｬ",  "ﾔ",  "ｭ",  "ﾕ",  "ｮ",  "ﾖ",  "ﾗ",  "ﾘ",  "ﾙ",  "ﾚ",  "ﾛ",
	"ﾜ",  "ﾜ",  "ｲ",  "ｴ",  "ｦ",  "ﾝ",  "ｳﾞ", "ｶ",  "ｹ",
};

char *ws8_halfwidth_kana(const char *utf8)
{
	size_t len = strlen(utf8), i = 0, o = 0, used;
	/* A half-width form is at most 6 bytes for a 3-byte character. */
	char *out = malloc(len * 2 + 1);

	if (out == NULL)
		return NULL;
	while (i < len) {
		uint32_t cp = utf8_decode((const unsigned char *)utf8 + i,
					  len - i, &used);
		const char *hw = NULL;
		char one[2];

		if (cp >= 0x3041 && cp <= 0x3096)
			cp += 0x60; /* hiragana → katakana */
		if (cp >= 0x30a1 && cp <= 0x30f6)
			hw = hw_kata[cp - 0x30a1];
		else if (cp == 0x30f7)
			hw = "ﾜﾞ";
		else if (cp == 0x30fa)
			hw = "ｦﾞ";
		else if (cp == 0x30fc)
			hw = "ｰ";
		else if (cp == 0x30fb)
			hw = "･";
		else if (cp == 0x309b)
			hw = "ﾞ";
		else if (cp == 0x309c)
			hw = "ﾟ";
		else if (cp == 0x3001)
			hw = "､";
		else if (cp == 0x3002)
			hw = "｡";
		else if (cp == 0x300c)
			hw = "｢";
		else if (cp == 0x300d)
			hw = "｣";
		else if (cp == 0x3000)
			hw = " ";
		if (cp >= 0xff01 && cp <= 0xff5e) {
			one[0] = (char)(cp - 0xff01 + 0x21);
			one[1] = '\0';
			hw = one;
		}
		if (hw != NULL) {
			size_t l = strlen(hw);

			memcpy(out + o, hw, l);
			o += l;
		} else {
			memcpy(out + o, utf8 + i, used);
			o += used;
		}
		i += used;
	}
	out[o] = '\0';
	return out;
}

/* ---- CSV ---- */

static int push_field(struct ws8_record *r, const char *s, size_t n)
{
	char **nf = realloc(r->f, (r->n + 1) * sizeof(*r->f));

	if (nf == NULL)
		return -1;
	r->f = nf;
	r->f[r->n] = malloc(n + 1);
	if (r->f[r->n] == NULL)
		return -1;
	memcpy(r->f[r->n], s, n);
	r->f[r->n][n] = '\0';
	r->n++;
	return 0;
}

static int push_record(struct ws8_csv *c, struct ws8_record *r)
{
	struct ws8_record *nr = realloc(c->r, (c->n + 1) * sizeof(*c->r));

	if (nr == NULL)
		return -1;
	c->r = nr;
	c->r[c->n++] = *r;
	r->n = 0;
	r->f = NULL;
	return 0;
}

static void record_free(struct ws8_record *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		free(r->f[i]);
	free(r->f);
	r->f = NULL;
	r->n = 0;
}

void ws8_csv_free(struct ws8_csv *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		record_free(&c->r[i]);
	free(c->r);
	c->r = NULL;
	c->n = 0;
}

int ws8_csv_parse(const char *text, size_t len, struct ws8_csv *out, char *msg,
		  size_t msglen)
{
	struct ws8_record rec = { 0, NULL };
	size_t i = 0, line = 1, rec_start = 0, fl = 0, fcap = 256;
	char *field = malloc(fcap);
	int rc = -1;

	out->n = 0;
	out->r = NULL;
	if (field == NULL) {
		snprintf(msg, msglen, "out of memory");
		return -1;
	}
	while (i < len) {
		size_t rec_line = line;
		int quoted_seen = 0, at_end = 0;

		rec_start = i;
		/* A blank line is not a record. */
		if (text[i] == '\r' || text[i] == '\n') {
			if (text[i] == '\r' && i + 1 < len && text[i + 1] == '\n')
				i++;
			i++;
			line++;
			continue;
		}
		while (!at_end) {
			fl = 0;
			quoted_seen = 0;
			if (i < len && text[i] == '"') {
				quoted_seen = 1;
				i++;
				for (;;) {
					if (i >= len) {
						snprintf(msg, msglen,
							 "line %zu: "
							 "a quoted field is not "
							 "closed",
							 rec_line);
						goto out;
					}
					if (text[i] == '"') {
						if (i + 1 < len && text[i + 1] == '"') {
							i += 2;
							field[fl++] = '"';
						} else {
							i++;
							break;
						}
					} else {
						if (text[i] == '\n')
							line++;
						field[fl++] = text[i++];
					}
					if (i - rec_start > WS8_MAX_LINE)
						goto toolong;
					if (fl + 2 >= fcap) {
						char *nf = realloc(field, fcap * 2);

						if (nf == NULL)
							goto nomem;
						field = nf;
						fcap *= 2;
					}
				}
			}
			while (i < len && text[i] != ',' && text[i] != '\r' &&
			       text[i] != '\n') {
				if (quoted_seen) {
					snprintf(msg, msglen,
						 "line %zu, field "
						 "%zu: text after the closing "
						 "quote",
						 rec_line, rec.n + 1);
					goto out;
				}
				if (text[i] == '"') {
					snprintf(msg, msglen,
						 "line %zu, field "
						 "%zu: a quote inside an unquoted "
						 "field",
						 rec_line, rec.n + 1);
					goto out;
				}
				field[fl++] = text[i++];
				if (i - rec_start > WS8_MAX_LINE)
					goto toolong;
				if (fl + 2 >= fcap) {
					char *nf = realloc(field, fcap * 2);

					if (nf == NULL)
						goto nomem;
					field = nf;
					fcap *= 2;
				}
			}
			if (rec.n >= WS8_MAX_FIELDS) {
				snprintf(msg, msglen,
					 "line %zu: more than %d "
					 "fields",
					 rec_line, WS8_MAX_FIELDS);
				goto out;
			}
			if (push_field(&rec, field, fl) < 0)
				goto nomem;
			if (i < len && text[i] == ',') {
				i++;
				continue;
			}
			at_end = 1;
			if (i < len && text[i] == '\r')
				i++;
			if (i < len && text[i] == '\n')
				i++;
			line++;
		}
		if (i - rec_start > WS8_MAX_LINE + 2)
			goto toolong;
		if (push_record(out, &rec) < 0)
			goto nomem;
	}
	rc = 0;
	goto out;
toolong:
	snprintf(msg, msglen, "line %zu is longer than %d bytes", line, WS8_MAX_LINE);
	goto out;
nomem:
	snprintf(msg, msglen, "out of memory");
out:
	record_free(&rec);
	free(field);
	return rc;
}

int ws8_csv_append(char **buf, size_t *len, size_t *cap,
		   const char *const *fields, size_t n)
{
	size_t i, need = 3;
	const char *p;
	char *o;

	for (i = 0; i < n; i++)
		need += (fields[i] ? strlen(fields[i]) * 2 : 0) + 3;
	if (*len + need + 1 > *cap) {
		size_t nc = (*len + need + 1) * 2;
		char *nb = realloc(*buf, nc);

		if (nb == NULL)
			return -1;
		*buf = nb;
		*cap = nc;
	}
	o = *buf + *len;
	for (i = 0; i < n; i++) {
		const char *f = fields[i] ? fields[i] : "";

		if (i > 0)
			*o++ = ',';
		if (strpbrk(f, ",\"\r\n") == NULL) {
			memcpy(o, f, strlen(f));
			o += strlen(f);
			continue;
		}
		*o++ = '"';
		for (p = f; *p; p++) {
			if (*p == '"')
				*o++ = '"';
			*o++ = *p;
		}
		*o++ = '"';
	}
	*o++ = '\r';
	*o++ = '\n';
	*o = '\0';
	*len = (size_t)(o - *buf);
	return 0;
}

/* ---- the request record ---- */

void ws8_request_free(struct ws8_request *req)
{
	free(req->insurer);
	free(req->symbol);
	free(req->number);
	free(req->branch);
	free(req->birth);
	free(req->receipt);
	memset(req, 0, sizeof(*req));
}

/* A copy of s without surrounding ASCII blanks. */
static char *trimmed(const char *s)
{
	size_t n;
	char *r;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	r = malloc(n + 1);
	if (r != NULL) {
		memcpy(r, s, n);
		r[n] = '\0';
	}
	return r;
}

static int all_digits(const char *s)
{
	return s[strspn(s, "0123456789")] == '\0';
}

/* Control characters (line breaks from a quoted field too) in s? */
static int has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/* Count characters (not bytes) of UTF-8 s. */
static size_t char_count(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

int ws8_request_parse(const char *text, size_t len, struct ws8_request *req,
		      const char **code, char *msg, size_t msglen)
{
	static const char *const names[WS8_REQUEST_FIELDS] = {
		"record type",    "insurer number", "insured card symbol",
		"insured number", "branch number",  "birth date",
		"receipt number",
	};
	struct ws8_csv csv;
	struct ws8_record *r;
	char **slot[WS8_REQUEST_FIELDS];
	size_t i;
	int rc = -1;

	memset(req, 0, sizeof(*req));
	slot[0] = NULL;
	slot[1] = &req->insurer;
	slot[2] = &req->symbol;
	slot[3] = &req->number;
	slot[4] = &req->branch;
	slot[5] = &req->birth;
	slot[6] = &req->receipt;
	*code = WS8_E_MALFORMED;
	if (ws8_csv_parse(text, len, &csv, msg, msglen) < 0) {
		if (strstr(msg, "longer than") != NULL)
			*code = WS8_E_TOOBIG;
		goto out;
	}
	if (csv.n == 0) {
		snprintf(msg, msglen, "no request line in the file");
		goto out;
	}
	r = &csv.r[0];
	/* The receipt number first: every error line should carry it. */
	if (r->n >= WS8_REQUEST_FIELDS) {
		char *t = trimmed(r->f[6]);

		if (t != NULL && t[0] != '\0' && !has_control(t) && char_count(t) <= 32)
			req->receipt = t;
		else
			free(t);
	}
	if (csv.n > 1) {
		snprintf(msg, msglen,
			 "%zu records in the file: one request "
			 "(one Q1 line) per file",
			 csv.n);
		goto out;
	}
	if (r->n < WS8_REQUEST_FIELDS) {
		snprintf(msg, msglen,
			 "%zu fields, expected %d: Q1,insurer,"
			 "symbol,number,branch,birth,receipt",
			 r->n, WS8_REQUEST_FIELDS);
		goto out;
	}
	for (i = WS8_REQUEST_FIELDS; i < r->n; i++) {
		if (r->f[i][strspn(r->f[i], " \t")] != '\0') {
			snprintf(msg, msglen,
				 "field %zu is not empty: a request "
				 "has %d fields",
				 i + 1, WS8_REQUEST_FIELDS);
			goto out;
		}
	}
	if (strcmp(r->f[0], "Q1") != 0) {
		snprintf(msg, msglen, "record type '%.16s' is not Q1", r->f[0]);
		goto out;
	}
	*code = WS8_E_INVALID;
	/* The receipt number (field 7) was taken above if usable. */
	for (i = 1; i < WS8_REQUEST_FIELDS - 1; i++) {
		char *t;

		t = trimmed(r->f[i]);
		if (t == NULL) {
			snprintf(msg, msglen, "out of memory");
			goto out;
		}
		*slot[i] = t;
		if (has_control(t)) {
			snprintf(msg, msglen,
				 "the %s contains a line break or "
				 "control character",
				 names[i]);
			goto out;
		}
	}
	if ((strlen(req->insurer) != 6 && strlen(req->insurer) != 8) ||
	    !all_digits(req->insurer)) {
		snprintf(msg, msglen,
			 "insurer number '%.16s' is not 6 or 8 "
			 "digits",
			 req->insurer);
		goto out;
	}
	if (char_count(req->symbol) > 38) {
		snprintf(msg, msglen,
			 "insured card symbol is longer than 38 "
			 "characters");
		goto out;
	}
	if (req->number[0] == '\0' || char_count(req->number) > 38) {
		snprintf(msg, msglen, "insured number is %s",
			 req->number[0] ? "longer than 38 characters" : "empty");
		goto out;
	}
	if (strlen(req->branch) > 2 || !all_digits(req->branch)) {
		snprintf(msg, msglen, "branch number '%.16s' is not 0-2 digits",
			 req->branch);
		goto out;
	}
	if (strlen(req->branch) == 1) {
		/* The official form is two digits: "1" means "01". */
		char *b = malloc(3);

		if (b == NULL)
			goto out;
		b[0] = '0';
		b[1] = req->branch[0];
		b[2] = '\0';
		free(req->branch);
		req->branch = b;
	}
	if (strlen(req->birth) != 8 || !all_digits(req->birth) ||
	    memcmp(req->birth + 4, "00", 2) == 0 ||
	    memcmp(req->birth + 4, "12", 2) > 0 ||
	    memcmp(req->birth + 6, "00", 2) == 0 ||
	    memcmp(req->birth + 6, "31", 2) > 0) {
		char m[24];

		/* Logged: a birth date shows only its ends (mask.h). */
		onshi_mask_number(m, sizeof(m), req->birth);
		snprintf(msg, msglen, "birth date '%s' is not YYYYMMDD", m);
		goto out;
	}
	if (req->receipt == NULL) {
		snprintf(msg, msglen,
			 "receipt number is empty, longer than 32 "
			 "characters or has control characters");
		goto out;
	}
	rc = 0;
out:
	ws8_csv_free(&csv);
	if (rc != 0) {
		/* Keep only what the error line needs. */
		char *keep = req->receipt;

		req->receipt = NULL;
		ws8_request_free(req);
		req->receipt = keep;
	}
	return rc;
}
