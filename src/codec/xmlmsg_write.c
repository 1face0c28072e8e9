/* SPDX-License-Identifier: Apache-2.0 */
/*
 * xmlmsg_write.c — producing an XmlMsg document with libxml2's xmlTextWriter.
 *
 * The writer emits, in table order, every field the struct holds, running
 * typed values through the parser's own checks first (so what we write we
 * can read back). The document is built in UTF-8; for CP932 output the
 * declaration is swapped for encoding="Shift_JIS" (what receipt computers
 * expect to see; Windows reads it as CP932) and the bytes converted by
 * encoding.c, which substitutes 〓 for what CP932 cannot hold.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <libxml/xmlwriter.h>

#include "encoding.h"
#include "strbuf.h"
#include "xmlmsg_internal.h"
#include "xmlmsg_stream.h"

static const char decl_utf8[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>";
static const char decl_sjis[] =
	"<?xml version=\"1.0\" encoding=\"Shift_JIS\" standalone=\"no\"?>";

struct write_state {
	xmlTextWriterPtr w;
	enum onshi_charset cs;
	char *msg;
	size_t msglen;
};

static int is_string_type(enum xmsg_type t)
{
	return t == XT_STR || t == XT_DIGITS || t == XT_DATE ||
	       t == XT_DATETIME || t == XT_INSURER || t == XT_BASE64;
}

/* Would this group produce any element? (decides whether to emit it) */
static int has_content(const struct xmsg_node *node, const void *base)
{
	size_t i;

	for (i = 0; i < node->n_fields; i++) {
		const struct xmsg_field *f = &node->fields[i];
		const char *p = (const char *)base + f->off;

		if (f->flags & XF_ALIAS)
			continue;
		if (is_string_type(f->type)) {
			if (*(char *const *)(const void *)p != NULL)
				return 1;
		} else if (f->type == XT_GROUP) {
			if (f->has_off != XF_NONE_OFF
				    ? *(const bool *)((const char *)base + f->has_off)
				    : has_content(f->sub, p))
				return 1;
		} else if (f->type == XT_LIST) {
			if (*(const size_t *)(const void *)((const char *)base +
							    f->count_off) > 0)
				return 1;
		} else if (!xmsg_int_absent(f, xmsg_int_get(f, base))) {
			return 1;
		}
	}
	return 0;
}

static int write_node(struct write_state *ws, const struct xmsg_node *node,
		      const void *base);

static int write_element(struct write_state *ws, const char *name,
			 const struct xmsg_node *sub, const void *base)
{
	int rc;

	if (xmlTextWriterStartElement(ws->w, BAD_CAST name) < 0)
		return ONSHI_ENOMEM;
	rc = write_node(ws, sub, base);
	if (rc == ONSHI_OK && xmlTextWriterEndElement(ws->w) < 0)
		rc = ONSHI_ENOMEM;
	return rc;
}

static int write_missing(struct write_state *ws, const struct xmsg_field *f,
			 const struct xmsg_node *node)
{
	if (!(f->flags & XF_REQUIRED))
		return ONSHI_OK;
	onshi_set_msg(ws->msg, ws->msglen, "required element %s of %s is not set",
		      f->name, node->name);
	return ONSHI_EINVAL;
}

/*
 * Echo a keeps_sent node's elements as the client sent them: the required
 * ones must still be set in the model, and each text must pass its
 * field's checks (so what we write we can read back).
 */
static int write_sent(struct write_state *ws, const struct xmsg_node *node,
		      const void *base, const struct onshi_sent_text *sent, size_t n)
{
	size_t i;
	int rc;

	for (i = 0; i < node->n_fields; i++) {
		const struct xmsg_field *f = &node->fields[i];

		if (is_string_type(f->type) &&
		    *(char *const *)(const void *)((const char *)base + f->off) ==
			    NULL) {
			rc = write_missing(ws, f, node);
			if (rc != ONSHI_OK)
				return rc;
		}
	}
	for (i = 0; i < n; i++) {
		const struct xmsg_field *f;
		char *norm;

		if (sent[i].field >= node->n_fields || sent[i].text == NULL ||
		    !is_string_type(node->fields[sent[i].field].type)) {
			onshi_set_msg(ws->msg, ws->msglen,
				      "entry %zu of the %s as sent is not "
				      "one of its text elements",
				      i, node->name);
			return ONSHI_EINVAL;
		}
		f = &node->fields[sent[i].field];
		rc = xmsg_normalize(f, sent[i].text, &norm, ws->msg, ws->msglen);
		if (rc != ONSHI_OK)
			return rc;
		free(norm);
		if (xmlTextWriterWriteElement(ws->w, BAD_CAST f->name,
					      BAD_CAST sent[i].text) < 0)
			return ONSHI_ENOMEM;
	}
	return ONSHI_OK;
}

static int write_node(struct write_state *ws, const struct xmsg_node *node,
		      const void *base)
{
	size_t i, j;
	int rc;

	if (node->keeps_sent) {
		size_t n = *(const size_t *)(const void *)((const char *)base +
							   node->n_sent_off);
		const struct onshi_sent_text *sent =
			*(struct onshi_sent_text *const *)(const void *)((const char *)base +
									 node->sent_off);

		if (n > 0)
			return write_sent(ws, node, base, sent, n);
	}
	for (i = 0; i < node->n_fields; i++) {
		const struct xmsg_field *f = &node->fields[i];
		const char *p = (const char *)base + f->off;

		if (f->flags & XF_ALIAS)
			continue; /* written by its home field */
		if (is_string_type(f->type)) {
			const char *v = *(char *const *)(const void *)p;
			char *norm;

			if (v == NULL) {
				rc = write_missing(ws, f, node);
				if (rc != ONSHI_OK)
					return rc;
				continue;
			}
			rc = xmsg_normalize(f, v, &norm, ws->msg, ws->msglen);
			if (rc != ONSHI_OK)
				return rc;
			rc = xmlTextWriterWriteElement(ws->w, BAD_CAST f->name,
						       BAD_CAST norm);
			free(norm);
			if (rc < 0)
				return ONSHI_ENOMEM;
		} else if (f->type == XT_GROUP) {
			int present = f->has_off != XF_NONE_OFF
					      ? *(const bool *)((const char *)base +
								f->has_off)
					      : (f->flags & XF_ALWAYS) ||
							has_content(f->sub, p);

			if (!present) {
				rc = write_missing(ws, f, node);
				if (rc != ONSHI_OK)
					return rc;
				continue;
			}
			rc = write_element(ws, f->name, f->sub, p);
			if (rc != ONSHI_OK)
				return rc;
		} else if (f->type == XT_LIST) {
			const char *arr = *(char *const *)(const void *)p;
			size_t n = *(const size_t *)(const void *)((const char *)base +
								   f->count_off);

			for (j = 0; j < n; j++) {
				rc = write_element(ws, f->name, f->sub,
						   arr + j * f->elem_size);
				if (rc != ONSHI_OK)
					return rc;
			}
		} else {
			long v = f->type == XT_CHARSET ? (long)ws->cs
						       : xmsg_int_get(f, base);
			char text[32];

			if (xmsg_int_absent(f, v) && !(f->flags & XF_ALWAYS)) {
				rc = write_missing(ws, f, node);
				if (rc != ONSHI_OK)
					return rc;
				continue;
			}
			rc = xmsg_int_to_text(f, v, text, sizeof(text), ws->msg,
					      ws->msglen);
			if (rc != ONSHI_OK)
				return rc;
			if (xmlTextWriterWriteElement(ws->w, BAD_CAST f->name,
						      BAD_CAST text) < 0)
				return ONSHI_ENOMEM;
		}
	}
	return ONSHI_OK;
}

/* Swap the UTF-8 declaration for the Shift_JIS one and convert to CP932. */
static int to_cp932(const char *utf8, size_t len, char **out, size_t *outlen,
		    size_t *substituted)
{
	size_t dl = sizeof(decl_utf8) - 1, sl = sizeof(decl_sjis) - 1;
	char *tmp;
	int rc;

	if (len < dl || memcmp(utf8, decl_utf8, dl) != 0)
		return ONSHI_EINVAL;
	tmp = malloc(len - dl + sl + 1);
	if (tmp == NULL)
		return ONSHI_ENOMEM;
	memcpy(tmp, decl_sjis, sl);
	memcpy(tmp + sl, utf8 + dl, len - dl);
	tmp[len - dl + sl] = '\0';
	rc = onshi_enc_utf8_to_cp932(tmp, len - dl + sl, out, outlen, substituted);
	free(tmp);
	return rc == 0 ? ONSHI_OK : rc == -2 ? ONSHI_ENOMEM : ONSHI_EINVAL;
}

int onshi_msg_write(const struct onshi_msg *m, enum onshi_charset cs, char **out,
		    size_t *outlen, size_t *substituted, char *msg, size_t msglen)
{
	const struct xmsg_node *root = xmsg_root(m->kind);
	struct write_state ws = { NULL, cs, msg, msglen };
	xmlBufferPtr buf = NULL;
	const char *content;
	size_t len;
	int rc;

	*out = NULL;
	*outlen = 0;
	if (substituted != NULL)
		*substituted = 0;
	if (msg != NULL && msglen > 0)
		msg[0] = '\0';
	if (root == NULL || (cs != ONSHI_CHARSET_UTF8 && cs != ONSHI_CHARSET_CP932)) {
		onshi_set_msg(msg, msglen, "no such message kind or output encoding");
		return ONSHI_EINVAL;
	}
	rc = xmsg_check_document(m, msg, msglen);
	if (rc != ONSHI_OK)
		return rc;
	buf = xmlBufferCreate();
	if (buf == NULL)
		return ONSHI_ENOMEM;
	/* Doubling, not libxml2's default exact fit (a realloc per flush):
	 * a batch result of 100,000 units is 130 MB. */
	xmlBufferSetAllocationScheme(buf, XML_BUFFER_ALLOC_DOUBLEIT);
	ws.w = xmlNewTextWriterMemory(buf, 0);
	if (ws.w == NULL) {
		xmlBufferFree(buf);
		return ONSHI_ENOMEM;
	}
	rc = ONSHI_ENOMEM;
	if (xmlTextWriterStartDocument(ws.w, "1.0", "UTF-8", "no") < 0)
		goto done;
	rc = write_element(&ws, root->name, root, &m->u);
	if (rc != ONSHI_OK)
		goto done;
	rc = ONSHI_ENOMEM;
	if (xmlTextWriterEndDocument(ws.w) < 0)
		goto done;
	xmlFreeTextWriter(ws.w); /* flushes into buf */
	ws.w = NULL;
	content = (const char *)xmlBufferContent(buf);
	len = (size_t)xmlBufferLength(buf);
	if (cs == ONSHI_CHARSET_CP932) {
		rc = to_cp932(content, len, out, outlen, substituted);
	} else {
		*out = malloc(len + 1);
		if (*out != NULL) {
			memcpy(*out, content, len);
			(*out)[len] = '\0';
			*outlen = len;
			rc = ONSHI_OK;
		}
	}
	if (rc != ONSHI_OK && rc != ONSHI_ENOMEM)
		onshi_set_msg(msg, msglen, "could not convert the document to CP932");
done:
	if (ws.w != NULL)
		xmlFreeTextWriter(ws.w);
	xmlBufferFree(buf);
	return rc;
}

/* ---- a batch upload written search by search ---- */

/* xmlOutputBuffer's sink: the caller's strbuf. */
static int append_out(void *ctx, const char *buf, int len)
{
	struct onshi_strbuf *b = ctx;

	onshi_strbuf_append(b, buf, (size_t)len);
	return b->failed ? -1 : len;
}

static const struct xmsg_field *field_of(const struct xmsg_node *node,
					 const char *name)
{
	for (size_t i = 0; i < node->n_fields; i++)
		if (strcmp(node->fields[i].name, name) == 0)
			return &node->fields[i];
	return NULL;
}

int onshi_bulk_upload_write(const struct onshi_req_header *h,
			    onshi_search_source next, void *arg,
			    struct onshi_strbuf *out, size_t *count, char *msg,
			    size_t msglen)
{
	const struct xmsg_node *root = xmsg_root(ONSHI_MSG_BULK_REQUEST);
	const struct xmsg_field *hf = field_of(root, "MessageHeader");
	const struct xmsg_field *bf = field_of(root, "MessageBody");
	const struct xmsg_field *sf = field_of(bf->sub, "QualificationConfirmSearchInfo");
	struct write_state ws = { NULL, ONSHI_CHARSET_UTF8, msg, msglen };
	xmlOutputBufferPtr ob;
	struct onshi_search_info si;
	int rc = ONSHI_OK, got = 1;

	*count = 0;
	if (msg != NULL && msglen > 0)
		msg[0] = '\0';
	ob = xmlOutputBufferCreateIO(append_out, NULL, out, NULL);
	if (ob == NULL)
		return ONSHI_ENOMEM;
	ws.w = xmlNewTextWriter(ob); /* owns ob from here */
	if (ws.w == NULL) {
		xmlOutputBufferClose(ob);
		return ONSHI_ENOMEM;
	}
	if (xmlTextWriterStartDocument(ws.w, "1.0", "UTF-8", "no") < 0 ||
	    xmlTextWriterStartElement(ws.w, BAD_CAST root->name) < 0)
		rc = ONSHI_ENOMEM;
	if (rc == ONSHI_OK)
		rc = write_element(&ws, hf->name, hf->sub, h);
	if (rc == ONSHI_OK && xmlTextWriterStartElement(ws.w, BAD_CAST bf->name) < 0)
		rc = ONSHI_ENOMEM;
	while (rc == ONSHI_OK) {
		memset(&si, 0, sizeof(si));
		xmsg_init_node(sf->sub, &si);
		rc = next(arg, &si, &got, msg, msglen);
		if (rc == ONSHI_OK && got)
			rc = write_element(&ws, sf->name, sf->sub, &si);
		xmsg_free_node(sf->sub, &si);
		if (rc != ONSHI_OK || !got)
			break;
		(*count)++;
	}
	if (rc == ONSHI_OK && *count == 0) {
		onshi_set_msg(msg, msglen, "no searches in the file");
		rc = ONSHI_EINVAL;
	}
	if (rc == ONSHI_OK && xmlTextWriterEndDocument(ws.w) < 0)
		rc = ONSHI_ENOMEM;
	xmlFreeTextWriter(ws.w); /* flushes into out */
	if (rc == ONSHI_OK && out->failed)
		rc = ONSHI_ENOMEM;
	return rc;
}
