/* SPDX-License-Identifier: Apache-2.0 */
/*
 * xmlmsg_write.c — producing an XmlMsg document.
 *
 * The writer emits, in table order, every field the struct holds, running
 * typed values through the parser's own checks first (so what we write we
 * can read back). The document is built in UTF-8 straight into one growing
 * buffer, in the form libxml2's xmlTextWriter gave it before (declaration
 * line, no indentation, `<a/>` for an empty group, text escaped as
 * xmlEncodeSpecialChars does, a newline after the root): the same bytes at
 * a fraction of the cost, since every inquiry writes two documents. For
 * CP932 output the declaration is swapped for encoding="Shift_JIS" (what
 * receipt computers expect to see; Windows reads it as CP932) and the bytes
 * converted by encoding.c, which substitutes 〓 for what CP932 cannot hold.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "encoding.h"
#include "strbuf.h"
#include "xmlmsg_internal.h"
#include "xmlmsg_stream.h"

static const char decl_utf8[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>";
static const char decl_sjis[] =
	"<?xml version=\"1.0\" encoding=\"Shift_JIS\" standalone=\"no\"?>";

/* The document so far; failed is sticky (out of memory). */
struct out_buf {
	char *data;
	size_t len, cap;
	int failed;
};

struct write_state {
	struct out_buf out;
	enum onshi_charset cs;
	char *msg;
	size_t msglen;
};

/* Room for n more bytes (and a NUL); 0, or -1 once out of memory. */
static int reserve(struct out_buf *b, size_t n)
{
	size_t cap;
	char *p;

	if (b->failed)
		return -1;
	if (b->len + n + 1 <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 1024;
	while (cap < b->len + n + 1) {
		if (cap > ((size_t)-1) / 2) {
			b->failed = 1;
			return -1;
		}
		cap *= 2;
	}
	p = realloc(b->data, cap);
	if (p == NULL) {
		b->failed = 1;
		return -1;
	}
	b->data = p;
	b->cap = cap;
	return 0;
}

/*
 * End a document: rc, or ONSHI_ENOMEM if the buffer ran out of memory on
 * the way; on success the text is NUL-terminated, on failure freed.
 */
static int out_finish(struct out_buf *b, int rc)
{
	if (rc == ONSHI_OK && b->failed)
		rc = ONSHI_ENOMEM;
	if (rc != ONSHI_OK) {
		free(b->data);
		b->data = NULL;
		return rc;
	}
	b->data[b->len] = '\0';
	return ONSHI_OK;
}

static void put(struct out_buf *b, const char *s, size_t n)
{
	if (reserve(b, n) < 0)
		return;
	memcpy(b->data + b->len, s, n);
	b->len += n;
}

static void put_str(struct out_buf *b, const char *s)
{
	put(b, s, strlen(s));
}

/* Text content, escaped as libxml2's xmlEncodeSpecialChars does. */
static void put_text(struct out_buf *b, const char *s)
{
	const char *run = s;

	for (; *s != '\0'; s++) {
		const char *ent;

		switch (*s) {
		case '<': ent = "&lt;"; break;
		case '>': ent = "&gt;"; break;
		case '&': ent = "&amp;"; break;
		case '"': ent = "&quot;"; break;
		case '\r': ent = "&#13;"; break;
		default: continue;
		}
		put(b, run, (size_t)(s - run));
		put_str(b, ent);
		run = s + 1;
	}
	put(b, run, (size_t)(s - run));
}

/* <name>text</name> */
static void put_element(struct out_buf *b, const char *name, const char *text)
{
	put(b, "<", 1);
	put_str(b, name);
	put(b, ">", 1);
	put_text(b, text);
	put(b, "</", 2);
	put_str(b, name);
	put(b, ">", 1);
}

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
	size_t open_end;
	int rc;

	put(&ws->out, "<", 1);
	put_str(&ws->out, name);
	put(&ws->out, ">", 1);
	open_end = ws->out.len;
	rc = write_node(ws, sub, base);
	if (rc != ONSHI_OK)
		return rc;
	if (ws->out.failed)
		return ONSHI_ENOMEM;
	if (ws->out.len == open_end) {
		ws->out.len--; /* nothing inside: <name/> */
		put(&ws->out, "/>", 2);
	} else {
		put(&ws->out, "</", 2);
		put_str(&ws->out, name);
		put(&ws->out, ">", 1);
	}
	return ws->out.failed ? ONSHI_ENOMEM : ONSHI_OK;
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
		put_element(&ws->out, f->name, sent[i].text);
		if (ws->out.failed)
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
			put_element(&ws->out, f->name, norm);
			free(norm);
			if (ws->out.failed)
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
			put_element(&ws->out, f->name, text);
			if (ws->out.failed)
				return ONSHI_ENOMEM;
		}
	}
	return ONSHI_OK;
}

int onshi_msg_write(const struct onshi_msg *m, enum onshi_charset cs, char **out,
		    size_t *outlen, size_t *substituted, char *msg, size_t msglen)
{
	const struct xmsg_node *root = xmsg_root(m->kind);
	struct write_state ws = { { NULL, 0, 0, 0 }, cs, msg, msglen };
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
	/* The declaration is ASCII: CP932 conversion leaves it as it is. */
	if (cs == ONSHI_CHARSET_CP932)
		put(&ws.out, decl_sjis, sizeof(decl_sjis) - 1);
	else
		put(&ws.out, decl_utf8, sizeof(decl_utf8) - 1);
	put(&ws.out, "\n", 1);
	rc = write_element(&ws, root->name, root, &m->u);
	put(&ws.out, "\n", 1);
	rc = out_finish(&ws.out, rc);
	if (rc != ONSHI_OK)
		return rc;
	if (cs == ONSHI_CHARSET_UTF8) {
		/* The buffer is the result: no copy. */
		*out = ws.out.data;
		*outlen = ws.out.len;
		return ONSHI_OK;
	}
	rc = onshi_enc_utf8_to_cp932(ws.out.data, ws.out.len, out, outlen,
				     substituted);
	free(ws.out.data);
	if (rc == 0)
		return ONSHI_OK;
	if (rc == -2)
		return ONSHI_ENOMEM;
	onshi_set_msg(msg, msglen, "could not convert the document to CP932");
	return ONSHI_EINVAL;
}

/* ---- a batch upload written search by search ---- */

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
	const struct xmsg_field *sf = field_of(bf->sub,
					       "QualificationConfirmSearchInfo");
	struct write_state ws = { { NULL, 0, 0, 0 }, ONSHI_CHARSET_UTF8, msg, msglen };
	struct onshi_search_info si;
	int rc = ONSHI_OK, got = 1;

	*count = 0;
	if (msg != NULL && msglen > 0)
		msg[0] = '\0';
	/* The shape onshi_msg_write() gives: declaration, root, a newline. */
	put(&ws.out, decl_utf8, sizeof(decl_utf8) - 1);
	put(&ws.out, "\n<", 2);
	put_str(&ws.out, root->name);
	put(&ws.out, ">", 1);
	rc = write_element(&ws, hf->name, hf->sub, h);
	put(&ws.out, "<", 1);
	put_str(&ws.out, bf->name);
	put(&ws.out, ">", 1);
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
	put(&ws.out, "</", 2);
	put_str(&ws.out, bf->name);
	put(&ws.out, "></", 3);
	put_str(&ws.out, root->name);
	put(&ws.out, ">\n", 2);
	rc = out_finish(&ws.out, rc);
	if (rc != ONSHI_OK)
		return rc;
	/* The buffer becomes the caller's: no copy. */
	onshi_strbuf_free(out);
	out->data = ws.out.data;
	out->len = ws.out.len;
	out->cap = ws.out.cap;
	out->failed = 0;
	return ONSHI_OK;
}
