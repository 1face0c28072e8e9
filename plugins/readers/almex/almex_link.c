/* SPDX-License-Identifier: Apache-2.0 */
/*
 * almex_link.c — the modeled ALMEX device link: length-prefixed XML
 *
 *     LEN:u32be  <?xml version="1.0" encoding="UTF-8"?><AlmexReader ...>
 *
 * one small XML document per message (docs/readers/almex.md). Documents
 * come from a device on the network, so libxml2 runs hardened: any DTD or
 * entity declaration is refused before parsing, the parser never touches
 * the network, never substitutes entities and never loads external
 * subsets, and a document is at most ALMEX_MAX_LEN bytes. A length that
 * cannot start a message makes the decoder slide one byte and look again.
 * The real protocol is not public.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <onshi/message.h>

#include "almex_link.h"

#define ALMEX_MAX_LEN 65536
#define ALMEX_MIN_LEN 16

struct almex {
	struct fr_buf in;
	struct fr_resync resync; /* after garbage */
};

static void *almex_new(void)
{
	xmlInitParser(); /* idempotent; the daemon may have done it */
	return calloc(1, sizeof(struct almex));
}

static void almex_free(void *c)
{
	struct almex *a = c;

	fr_buf_free(&a->in);
	free(a);
}

static void almex_reset(void *c)
{
	struct almex *a = c;

	a->in.len = 0;
	a->resync.skipped = 0;
}

/* ---- XML → message ---- */

static const xmlChar *X(const char *s)
{
	return (const xmlChar *)s;
}

static int is_el(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && xmlStrEqual(n->name, X(name));
}

static const xmlNode *child(const xmlNode *n, const char *name)
{
	const xmlNode *c;

	for (c = n->children; c != NULL; c = c->next)
		if (is_el(c, name))
			return c;
	return NULL;
}

static const xmlNode *first_element(const xmlNode *n)
{
	const xmlNode *c;

	for (c = n->children; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			return c;
	return NULL;
}

/* Attribute as text into dst; 0 present, -1 absent. */
static int attr(const xmlNode *n, const char *name, char *dst, size_t cap)
{
	xmlChar *v = xmlGetNoNsProp(n, X(name));

	if (v == NULL)
		return -1;
	fr_copy_text(dst, cap, (const char *)v, strlen((const char *)v));
	xmlFree(v);
	return 0;
}

static void text_of(const xmlNode *n, char *dst, size_t cap)
{
	xmlChar *v = xmlNodeGetContent(n);

	dst[0] = '\0';
	if (v == NULL)
		return;
	fr_copy_text(dst, cap, (const char *)v, strlen((const char *)v));
	xmlFree(v);
}

static int blob_of(const xmlNode *n, unsigned char **out, size_t *outlen)
{
	xmlChar *v;
	int rc;

	if (n == NULL)
		return -1;
	v = xmlNodeGetContent(n);
	if (v == NULL)
		return -1;
	rc = fr_base64_decode((const char *)v, strlen((const char *)v), out, outlen);
	xmlFree(v);
	if (rc == 0 && *outlen > FR_BLOB_MAX) {
		free(*out);
		*out = NULL;
		rc = -1;
	}
	return rc;
}

static int int_attr(const xmlNode *n, const char *name, int lo, int hi, int *out)
{
	char buf[16], *end;
	long v;

	if (attr(n, name, buf, sizeof(buf)) < 0 || buf[0] == '\0')
		return -1;
	v = strtol(buf, &end, 10);
	if (*end != '\0' || v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

static const char *consent_names[4] = {
	"pharmacists",
	"checkups",
	"diagnosis",
	"operation",
};

static const char *decode_el(const xmlNode *e, struct fr_msg *m)
{
	char w[24];
	int k;

	if (is_el(e, "CardPlaced")) {
		const xmlNode *cs = child(e, "Consent");

		fr_msg_init(m, FR_MSG_CARD_PLACED);
		if (attr(e, "token", w, sizeof(w)) < 0 ||
		    (m->token = fr_token_parse(w)) == 0)
			return "bad token attribute";
		if (attr(e, "method", w, sizeof(w)) < 0 ||
		    (m->method = fr_method_parse(w)) == 0)
			return "bad method attribute";
		attr(e, "operator", m->operator_id, sizeof(m->operator_id));
		for (k = 0; k < 4 && cs != NULL; k++) {
			char probe[4];

			if (attr(cs, consent_names[k], probe, sizeof(probe)) < 0)
				continue; /* absent */
			if (int_attr(cs, consent_names[k], 0, 3, &m->consent[k]) < 0)
				return "bad consent value";
		}
		if (blob_of(child(e, "Certificate"), &m->cert, &m->cert_len) < 0)
			return "missing or bad Certificate";
	} else if (is_el(e, "CardRemoved")) {
		fr_msg_init(m, FR_MSG_CARD_REMOVED);
	} else if (is_el(e, "Attestation")) {
		fr_msg_init(m, FR_MSG_ATTEST);
		if (blob_of(child(e, "Signature"), &m->sig, &m->sig_len) < 0)
			return "missing or bad Signature";
		if (blob_of(child(e, "DeviceCertificate"), &m->cert, &m->cert_len) < 0)
			return "missing or bad DeviceCertificate";
	} else if (is_el(e, "DeviceError") || is_el(e, "Result")) {
		fr_msg_init(m, is_el(e, "Result") ? FR_MSG_RESULT
						  : FR_MSG_DEVICE_ERROR);
		if (int_attr(e, "code", 0, 65535, &m->code) < 0)
			return "bad code attribute";
		text_of(e, m->text, sizeof(m->text));
	} else if (is_el(e, "AttestRequest")) {
		fr_msg_init(m, FR_MSG_ATTEST_REQUEST);
		if (attr(e, "nonce", m->nonce, sizeof(m->nonce)) < 0)
			return "missing nonce";
	} else {
		return "unknown message element";
	}
	return NULL;
}

/* Whether the bytes declare a DTD or entities: refused outright. */
static int has_dtd(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i + 2 < n; i++)
		if (p[i] == '<' && p[i + 1] == '!' &&
		    (p[i + 2] == 'D' || p[i + 2] == 'E' || p[i + 2] == 'A' ||
		     p[i + 2] == 'N'))
			return 1;
	return 0;
}

static void doc_done(const unsigned char *p, size_t n, const struct fr_sink *s)
{
	xmlDocPtr doc;
	const xmlNode *root, *e;
	const char *why;
	struct fr_msg m;

	if (has_dtd(p, n)) {
		fr_problem(s, "almex message with a DTD or entity declaration "
			      "refused");
		return;
	}
	doc = xmlReadMemory((const char *)p, (int)n, "almex.xml", "UTF-8",
			    XML_PARSE_NONET | XML_PARSE_NOERROR |
				    XML_PARSE_NOWARNING | XML_PARSE_NOBLANKS);
	if (doc == NULL) {
		fr_problem(s, "almex message is not well-formed XML");
		return;
	}
	root = xmlDocGetRootElement(doc);
	if (doc->intSubset != NULL || doc->extSubset != NULL) {
		fr_problem(s, "almex message with a DTD refused");
	} else if (root == NULL || !is_el(root, "AlmexReader")) {
		fr_problem(s, "almex message without an AlmexReader root");
	} else if ((e = first_element(root)) == NULL) {
		fr_problem(s, "almex message without a message element");
	} else {
		fr_msg_init(&m, 0);
		why = decode_el(e, &m);
		if (why != NULL) {
			fr_problem(s, "almex %s: %s", (const char *)e->name, why);
			fr_msg_clear(&m);
		} else {
			s->msg(s->arg, &m);
		}
	}
	xmlFreeDoc(doc);
}

static void almex_feed(void *c, const unsigned char *buf, size_t len,
		       const struct fr_sink *s)
{
	struct almex *a = c;

	if (fr_buf_append(&a->in, buf, len) < 0) {
		fr_problem(s, "out of memory reading almex messages");
		a->in.len = 0;
		return;
	}
	while (a->in.len >= 4) {
		const unsigned char *p = a->in.data;
		size_t n = (size_t)p[0] << 24 | (size_t)p[1] << 16 |
			   (size_t)p[2] << 8 | p[3];
		char why[96];

		if (n == 0) {
			fr_resync_skip(&a->resync, &a->in, "zero length");
			continue;
		}
		if (n > ALMEX_MAX_LEN) {
			snprintf(why, sizeof(why),
				 "length %zu over the limit "
				 "of %d",
				 n, ALMEX_MAX_LEN);
			fr_resync_skip(&a->resync, &a->in, why);
			continue;
		}
		if (n < ALMEX_MIN_LEN) {
			snprintf(why, sizeof(why), "length %zu too short", n);
			fr_resync_skip(&a->resync, &a->in, why);
			continue;
		}
		if (a->in.len >= 5 && p[4] != '<') {
			fr_resync_skip(&a->resync, &a->in, "no XML after the length");
			continue;
		}
		if (a->in.len < 4 + n)
			break; /* wait for the rest */
		fr_resync_report(&a->resync, s, "almex");
		doc_done(p + 4, n, s);
		fr_buf_consume(&a->in, 4 + n);
	}
	fr_resync_report(&a->resync, s, "almex");
}

/* ---- message → XML ---- */

static int put_esc(struct fr_buf *b, const char *t)
{
	int rc = 0;

	for (; *t; t++) {
		switch (*t) {
		case '<': rc |= fr_buf_printf(b, "&lt;"); break;
		case '>': rc |= fr_buf_printf(b, "&gt;"); break;
		case '&': rc |= fr_buf_printf(b, "&amp;"); break;
		case '"': rc |= fr_buf_printf(b, "&quot;"); break;
		default: rc |= fr_buf_byte(b, (unsigned char)*t);
		}
	}
	return rc;
}

static int put_b64el(struct fr_buf *b, const char *name, const unsigned char *p,
		     size_t n)
{
	char *enc = malloc(4 * ((n + 2) / 3) + 1);
	int rc;

	if (enc == NULL)
		return -1;
	fr_base64_encode(p, n, enc);
	rc = fr_buf_printf(b, "<%s>%s</%s>", name, enc, name);
	free(enc);
	return rc;
}

static int almex_encode(void *c, const struct fr_msg *m, struct fr_buf *out)
{
	size_t start = out->len, n;
	int rc = 0, k;

	(void)c;
	rc |= fr_buf_append(out, "\0\0\0\0", 4); /* length, filled below */
	rc |= fr_buf_printf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
				 "<AlmexReader version=\"1\">");
	switch (m->type) {
	case FR_MSG_CARD_PLACED:
		rc |= fr_buf_printf(out,
				    "<CardPlaced token=\"%s\" "
				    "method=\"%s\"",
				    fr_token_word(m->token),
				    fr_method_word(m->method));
		if (m->operator_id[0]) {
			rc |= fr_buf_printf(out, " operator=\"");
			rc |= put_esc(out, m->operator_id);
			rc |= fr_buf_printf(out, "\"");
		}
		rc |= fr_buf_printf(out, "><Consent");
		for (k = 0; k < 4; k++)
			if (m->consent[k] >= 0)
				rc |= fr_buf_printf(out, " %s=\"%d\"",
						    consent_names[k],
						    m->consent[k]);
		rc |= fr_buf_printf(out, "/>");
		rc |= put_b64el(out, "Certificate", m->cert, m->cert_len);
		rc |= fr_buf_printf(out, "</CardPlaced>");
		break;
	case FR_MSG_CARD_REMOVED:
		rc |= fr_buf_printf(out, "<CardRemoved/>");
		break;
	case FR_MSG_ATTEST:
		rc |= fr_buf_printf(out, "<Attestation>");
		rc |= put_b64el(out, "Signature", m->sig, m->sig_len);
		rc |= put_b64el(out, "DeviceCertificate", m->cert, m->cert_len);
		rc |= fr_buf_printf(out, "</Attestation>");
		break;
	case FR_MSG_DEVICE_ERROR:
	case FR_MSG_RESULT: {
		const char *el = m->type == FR_MSG_RESULT ? "Result" : "DeviceError";

		rc |= fr_buf_printf(out, "<%s code=\"%d\">", el, m->code);
		rc |= put_esc(out, m->text);
		rc |= fr_buf_printf(out, "</%s>", el);
		break;
	}
	case FR_MSG_ATTEST_REQUEST:
		rc |= fr_buf_printf(out, "<AttestRequest nonce=\"");
		rc |= put_esc(out, m->nonce);
		rc |= fr_buf_printf(out, "\"/>");
		break;
	default: rc = -1;
	}
	rc |= fr_buf_printf(out, "</AlmexReader>");
	n = out->len - start - 4;
	if (rc != 0 || n > ALMEX_MAX_LEN) {
		out->len = start;
		return -1;
	}
	out->data[start] = (unsigned char)(n >> 24);
	out->data[start + 1] = (unsigned char)(n >> 16);
	out->data[start + 2] = (unsigned char)(n >> 8);
	out->data[start + 3] = (unsigned char)n;
	return 0;
}

const struct fr_link_ops almex_link = {
	.name = "almex",
	.codec_new = almex_new,
	.codec_free = almex_free,
	.codec_reset = almex_reset,
	.feed = almex_feed,
	.encode = almex_encode,
};
