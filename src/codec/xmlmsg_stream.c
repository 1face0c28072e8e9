/* SPDX-License-Identifier: Apache-2.0 */
/*
 * xmlmsg_stream.c — a batch result read unit by unit from a file with
 * libxml2's xmlTextReader (see xmlmsg_stream.h). Each BulkConfirmUnit is
 * expanded, mapped by xmsg_parse_element() through the element tables the
 * whole-document parser uses, and the reader moves on, freeing the
 * subtree: memory stays that of one unit whatever the batch's size.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/xmlreader.h>

#include "xmlmsg_internal.h"
#include "xmlmsg_stream.h"

/* The prolog is looked at this far for a DOCTYPE or entity declaration. */
#define PROLOG_SCAN_BYTES 65536

struct onshi_bulk_stream {
	xmlTextReaderPtr reader;
	const struct xmsg_node *root, *unit_node;
	struct onshi_bulk_result res; /* the header; units are handed out */
	int fd;
	long long size;
	size_t max_units, units;
	int in_body, done;
	/* libxml2's first error, kept by on_error() for the message. */
	char err[200];
	int err_line;
};

static void on_error(void *arg, xmlErrorPtr e)
{
	struct onshi_bulk_stream *s = arg;
	size_t n;

	if (s->err[0] || e == NULL || e->level < XML_ERR_ERROR || e->message == NULL)
		return;
	snprintf(s->err, sizeof(s->err), "%s", e->message);
	n = strlen(s->err);
	while (n > 0 && (s->err[n - 1] == '\n' || s->err[n - 1] == ' '))
		s->err[--n] = '\0';
	s->err_line = e->line;
}

static const struct xmsg_field *field_named(const struct xmsg_node *node,
					    const char *name)
{
	for (size_t i = 0; i < node->n_fields; i++)
		if (strcmp(node->fields[i].name, name) == 0)
			return &node->fields[i];
	return NULL;
}

/*
 * Refuse a DOCTYPE or entity declaration before libxml2 sees one: in a
 * well-formed document they can only stand before the root element.
 */
static int prolog_check(int fd, char *msg, size_t msglen)
{
	char buf[PROLOG_SCAN_BYTES + 1];
	ssize_t n = pread(fd, buf, PROLOG_SCAN_BYTES, 0);
	char *p;

	if (n < 0) {
		onshi_set_msg(msg, msglen, "cannot read the document back");
		return ONSHI_EIO;
	}
	buf[n] = '\0';
	for (p = buf; (p = memchr(p, '<', (size_t)(buf + n - p))) != NULL; p++) {
		if (p + 1 < buf + n && (p[1] == '?' || p[1] == '!')) {
			if (strncmp(p, "<!DOCTYPE", 9) == 0 ||
			    strncmp(p, "<!ENTITY", 8) == 0) {
				onshi_set_msg(msg, msglen,
					      "the document has a DOCTYPE: DTDs and entity declarations are refused");
				return ONSHI_EPERM;
			}
			continue;
		}
		return ONSHI_OK; /* the root element starts: no prolog left */
	}
	onshi_set_msg(msg, msglen,
		      n == 0 ? "document is empty"
			     : "no root element in the document's first %d bytes",
		      PROLOG_SCAN_BYTES);
	return ONSHI_EPROTO;
}

/*
 * Whether the file ends as every whole document of the national service
 * does, with </XmlMsg> (white space aside): if not, it was cut off on the
 * way, which the caller may treat as a transport failure and ask again.
 */
static int ends_whole(const struct onshi_bulk_stream *s)
{
	static const char end[] = "</XmlMsg>";
	char buf[256];
	long long at = s->size > (long long)sizeof(buf)
			       ? s->size - (long long)sizeof(buf)
			       : 0;
	ssize_t n = pread(s->fd, buf, (size_t)(s->size - at), (off_t)at);

	while (n > 0 && (buf[n - 1] == ' ' || buf[n - 1] == '\n' ||
			 buf[n - 1] == '\r' || buf[n - 1] == '\t'))
		n--;
	return n >= (ssize_t)(sizeof(end) - 1) &&
	       memcmp(buf + n - (sizeof(end) - 1), end, sizeof(end) - 1) == 0;
}

/* Why the reader stopped, for the message: a cut, libxml2's words. */
static int reader_failed(struct onshi_bulk_stream *s, char *msg, size_t msglen)
{
	if (strstr(s->err, "not proper UTF-8") || strstr(s->err, "encoding")) {
		onshi_set_msg(msg, msglen,
			      "not UTF-8 at line %d, after %zu whole unit(s) (%s)",
			      s->err_line, s->units, s->err);
		return ONSHI_EENCODING;
	}
	if (!ends_whole(s)) {
		onshi_set_msg(msg, msglen,
			      "the document is cut off after %lld bytes, after %zu whole unit(s)%s%s",
			      s->size, s->units, s->err[0] ? ": " : "", s->err);
		return ONSHI_EPROTO;
	}
	onshi_set_msg(msg, msglen,
		      "not well-formed XML at line %d, after %zu whole unit(s): %s",
		      s->err_line, s->units,
		      s->err[0] ? s->err : "the document ends early");
	return ONSHI_EPROTO;
}

/* Read the next node; 1 read, 0 end of input, <0 an onshi error. */
static int step(struct onshi_bulk_stream *s, int next_sibling, char *msg, size_t msglen)
{
	int r = next_sibling ? xmlTextReaderNext(s->reader)
			     : xmlTextReaderRead(s->reader);

	if (r < 0 || s->err[0])
		return reader_failed(s, msg, msglen);
	if (r == 1 &&
	    xmlTextReaderNodeType(s->reader) == XML_READER_TYPE_DOCUMENT_TYPE) {
		onshi_set_msg(msg, msglen,
			      "the document has a DOCTYPE: DTDs and entity declarations are refused");
		return ONSHI_EPERM;
	}
	return r;
}

static int is_element(struct onshi_bulk_stream *s, const char *name)
{
	const xmlChar *n = xmlTextReaderConstLocalName(s->reader);

	return xmlTextReaderNodeType(s->reader) == XML_READER_TYPE_ELEMENT &&
	       n != NULL && strcmp((const char *)n, name) == 0;
}

/* The reader on an element: map its subtree through node into base. */
static int take_element(struct onshi_bulk_stream *s,
			const struct xmsg_node *node, void *base, unsigned depth,
			const char *where, char *msg, size_t msglen)
{
	xmlNodePtr el = xmlTextReaderExpand(s->reader);
	char why[300];
	int rc;

	if (el == NULL || s->err[0])
		return reader_failed(s, msg, msglen);
	why[0] = '\0';
	rc = xmsg_parse_element(node, el, base, depth, 0, why, sizeof(why));
	if (rc != ONSHI_OK)
		onshi_set_msg(msg, msglen, "%s: %s", where, why);
	return rc;
}

int onshi_bulk_stream_open(int fd, enum onshi_msg_kind kind, size_t max_bytes,
			   size_t max_units, struct onshi_bulk_stream **out,
			   char *msg, size_t msglen)
{
	const struct xmsg_batch_family *bf = xmsg_batch_family(kind);
	const struct xmsg_field *hf, *bodyf, *unitf;
	struct onshi_bulk_stream *s;
	struct stat st;
	int rc, r;

	*out = NULL;
	if (msg != NULL && msglen > 0)
		msg[0] = '\0';
	if (bf == NULL || kind != bf->result) {
		onshi_set_msg(msg, msglen, "%s is not a batch result",
			      onshi_msg_kind_name(kind));
		return ONSHI_EINVAL;
	}
	if (fstat(fd, &st) != 0) {
		onshi_set_msg(msg, msglen, "cannot read the document back");
		return ONSHI_EIO;
	}
	if (max_bytes && (size_t)st.st_size > max_bytes) {
		onshi_set_msg(msg, msglen,
			      "document is %lld bytes, over the limit of %zu for %s",
			      (long long)st.st_size, max_bytes,
			      onshi_msg_kind_name(kind));
		return ONSHI_ETOOBIG;
	}
	rc = prolog_check(fd, msg, msglen);
	if (rc != ONSHI_OK)
		return rc;
	if (lseek(fd, 0, SEEK_SET) != 0) {
		onshi_set_msg(msg, msglen, "cannot read the document back");
		return ONSHI_EIO;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return ONSHI_ENOMEM;
	s->root = xmsg_root(kind);
	hf = field_named(s->root, "MessageHeader");
	bodyf = field_named(s->root, "MessageBody");
	unitf = bodyf != NULL ? field_named(bodyf->sub, "BulkConfirmUnit") : NULL;
	if (hf == NULL || unitf == NULL) {
		free(s);
		onshi_set_msg(msg, msglen, "internal: no unit table for %s",
			      onshi_msg_kind_name(kind));
		return ONSHI_EINVAL;
	}
	s->unit_node = unitf->sub;
	s->max_units = max_units;
	s->fd = fd;
	s->size = (long long)st.st_size;
	xmsg_init_node(s->root, &s->res);
	/* UTF-8 forced: whatever the prolog declares, other bytes are refused. */
	s->reader = xmlReaderForFd(fd, NULL, "UTF-8",
				   XML_PARSE_NONET | XML_PARSE_NOCDATA |
					   XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (s->reader == NULL) {
		free(s);
		return ONSHI_ENOMEM;
	}
	xmlTextReaderSetStructuredErrorHandler(s->reader, on_error, s);
	/* The root, then its first element child: the header. */
	r = step(s, 0, msg, msglen);
	while (r == 1 && xmlTextReaderNodeType(s->reader) != XML_READER_TYPE_ELEMENT)
		r = step(s, 0, msg, msglen);
	if (r == 1 && !is_element(s, "XmlMsg"))
		r = xmsg_bad_root(msg, msglen,
				  (const char *)xmlTextReaderConstLocalName(s->reader));
	if (r == 1 && xmlTextReaderIsEmptyElement(s->reader))
		r = 0;
	if (r == 1)
		r = step(s, 0, msg, msglen);
	while (r == 1 && xmlTextReaderNodeType(s->reader) != XML_READER_TYPE_ELEMENT &&
	       xmlTextReaderNodeType(s->reader) != XML_READER_TYPE_END_ELEMENT)
		r = step(s, 0, msg, msglen);
	if (r == 1 && !is_element(s, "MessageHeader")) {
		onshi_set_msg(msg, msglen,
			      "MessageHeader must come first in a batch result");
		r = ONSHI_EPROTO;
	}
	if (r == 0) {
		if (!msg || !msg[0])
			reader_failed(s, msg, msglen);
		r = ONSHI_EPROTO;
	}
	if (r == 1)
		r = take_element(s, hf->sub, (char *)&s->res + hf->off, 2,
				 "MessageHeader", msg, msglen);
	if (r != ONSHI_OK && r != 1) {
		onshi_bulk_stream_close(s);
		return r;
	}
	*out = s;
	return ONSHI_OK;
}

const struct onshi_res_header *onshi_bulk_stream_header(const struct onshi_bulk_stream *s)
{
	return &s->res.hdr;
}

size_t onshi_bulk_stream_count(const struct onshi_bulk_stream *s)
{
	return s->units;
}

int onshi_bulk_stream_next(struct onshi_bulk_stream *s, struct onshi_bulk_unit *u,
			   int *got, char *msg, size_t msglen)
{
	char where[64];
	int r, type;

	*got = 0;
	memset(u, 0, sizeof(*u));
	xmsg_init_node(s->unit_node, u);
	if (s->done)
		return ONSHI_OK;
	snprintf(where, sizeof(where), "unit %zu", s->units + 1);
	/* From the header (or the last unit) to the next element. */
	for (;;) {
		r = step(s, 1, msg, msglen);
		if (r < 0)
			return r;
		if (r == 0) {
			s->done = 1;
			return ONSHI_OK; /* well-formed to the end */
		}
		type = xmlTextReaderNodeType(s->reader);
		if (type == XML_READER_TYPE_END_ELEMENT) {
			/* </MessageBody>: later siblings are not units. */
			s->in_body = 0;
			continue;
		}
		if (type != XML_READER_TYPE_ELEMENT)
			continue;
		if (!s->in_body && is_element(s, "MessageBody") &&
		    xmlTextReaderDepth(s->reader) == 1) {
			if (xmlTextReaderIsEmptyElement(s->reader))
				continue;
			s->in_body = 1;
			/* Into the body: its first child. */
			r = step(s, 0, msg, msglen);
			if (r < 0)
				return r;
			if (r == 0)
				return reader_failed(s, msg, msglen);
			type = xmlTextReaderNodeType(s->reader);
			if (type == XML_READER_TYPE_END_ELEMENT) {
				s->in_body = 0;
				continue;
			}
			if (type != XML_READER_TYPE_ELEMENT) {
				/* white space before the first unit: on */
				r = 1;
				while (r == 1 &&
				       (type = xmlTextReaderNodeType(s->reader)) !=
					       XML_READER_TYPE_ELEMENT &&
				       type != XML_READER_TYPE_END_ELEMENT)
					r = step(s, 1, msg, msglen);
				if (r < 0)
					return r;
				if (r == 0)
					return reader_failed(s, msg, msglen);
				if (type == XML_READER_TYPE_END_ELEMENT) {
					s->in_body = 0;
					continue;
				}
			}
		}
		if (s->in_body && is_element(s, "BulkConfirmUnit"))
			break;
		/* Another element: newer peers may add some; skipped. */
	}
	if (s->max_units && s->units >= s->max_units) {
		onshi_set_msg(msg, msglen,
			      "the result holds more than %zu units (the limit)",
			      s->max_units);
		return ONSHI_ETOOBIG;
	}
	r = take_element(s, s->unit_node, u, 3, where, msg, msglen);
	if (r != ONSHI_OK) {
		onshi_bulk_unit_clear(u);
		return r;
	}
	s->units++;
	*got = 1;
	return ONSHI_OK;
}

void onshi_bulk_unit_clear(struct onshi_bulk_unit *u)
{
	const struct xmsg_node *root = xmsg_root(ONSHI_MSG_BULK_RESULT);
	const struct xmsg_field *bodyf = field_named(root, "MessageBody");
	const struct xmsg_field *unitf = field_named(bodyf->sub, "BulkConfirmUnit");

	xmsg_free_node(unitf->sub, u);
	memset(u, 0, sizeof(*u));
}

void onshi_bulk_stream_close(struct onshi_bulk_stream *s)
{
	if (s == NULL)
		return;
	if (s->reader != NULL)
		xmlFreeTextReader(s->reader);
	xmsg_free_node(s->root, &s->res);
	free(s);
}
