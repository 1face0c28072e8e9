/* SPDX-License-Identifier: Apache-2.0 */
/*
 * xmlmsg_parse.c — reading an XmlMsg document from memory.
 *
 * Hostile input is the normal case here (docs/threat-model.md), so in order:
 * the size is checked before anything is read; the encoding is decided
 * from the XML declaration and the bytes converted or checked by us
 * (Shift_JIS family → CP932 via iconv); libxml2 then parses UTF-8 with the
 * declaration removed, without network access, without loading or
 * validating DTDs and without substituting entities, and a DOCTYPE stops
 * the parser at once (so external entities and entity bombs are refused
 * before a single entity is declared); the tree depth is bounded; finally
 * the tree is mapped onto the model through the element tables, ignoring
 * unknown elements and naming the first missing or malformed one.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "encoding.h"
#include "xml_util.h"
#include "xmlmsg_internal.h"

/* What one parse needs to carry down the tree. */
struct parse_state {
	size_t items; /* list entries so far */
	size_t max_items;
	char *msg;
	size_t msglen;
	const char *alias_node; /* where an XF_ALIAS field last filled a slot */
};

void onshi_xmlmsg_init(void)
{
	xmlInitParser();
}

static int check_depth(const xmlNode *n, unsigned depth, unsigned max)
{
	if (depth > max)
		return -1;
	for (n = n->children; n != NULL; n = n->next)
		if (n->type == XML_ELEMENT_NODE && check_depth(n, depth + 1, max) != 0)
			return -1;
	return 0;
}

/* The text of a leaf element: text and CDATA only, comments skipped. */
static int leaf_text(const xmlNode *el, char **out, char *msg, size_t msglen)
{
	const xmlNode *c;
	size_t len = 0, o = 0;
	char *buf;

	for (c = el->children; c != NULL; c = c->next) {
		if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
			len += strlen((const char *)c->content);
		} else if (c->type == XML_ELEMENT_NODE) {
			onshi_set_msg(msg, msglen,
				      "%s must hold text, not the element %s",
				      (const char *)el->name, (const char *)c->name);
			return ONSHI_EINVAL;
		} else if (c->type == XML_ENTITY_REF_NODE) {
			onshi_set_msg(msg, msglen, "%s holds an entity reference",
				      (const char *)el->name);
			return ONSHI_EPERM;
		}
	}
	buf = malloc(len + 1);
	if (buf == NULL)
		return ONSHI_ENOMEM;
	for (c = el->children; c != NULL; c = c->next) {
		if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
			size_t n = strlen((const char *)c->content);

			memcpy(buf + o, c->content, n);
			o += n;
		}
	}
	buf[o] = '\0';
	*out = buf;
	return ONSHI_OK;
}

static int find_field(const struct xmsg_node *node, const xmlChar *name)
{
	size_t i;

	for (i = 0; i < node->n_fields; i++)
		if (strcmp(node->fields[i].name, (const char *)name) == 0)
			return (int)i;
	return -1;
}

static int parse_node(struct parse_state *ps, const struct xmsg_node *node,
		      const xmlNode *el, void *base);

/*
 * Store a normalised string into its slot. A slot already filled can only
 * come from the other place an XF_ALIAS pair reads (duplicates within one
 * node are refused before): the same value is fine, an empty one yields
 * to the other, different values are refused naming both places.
 */
static int store_string(struct parse_state *ps, const struct xmsg_node *node,
			const struct xmsg_field *f, char *val, void *base)
{
	char **slot = (char **)(void *)((char *)base + f->off);
	const char *home_val, *other_val, *home, *other;
	char q1[64], q2[64];

	if (f->flags & XF_ALIAS)
		ps->alias_node = node->name;
	if (*slot == NULL || (*slot)[0] == '\0' || strcmp(*slot, val) == 0 ||
	    val[0] == '\0') {
		if (*slot == NULL || (*slot)[0] == '\0') {
			free(*slot);
			*slot = val;
		} else {
			free(val);
		}
		return ONSHI_OK;
	}
	/* Name the home (header) place first, whichever came first. */
	if (f->flags & XF_ALIAS) {
		home = f->home;
		home_val = *slot;
		other = node->name;
		other_val = val;
	} else {
		home = node->name;
		home_val = val;
		other = ps->alias_node != NULL ? ps->alias_node : "elsewhere";
		other_val = *slot;
	}
	xmsg_quote(q1, sizeof(q1), home_val);
	xmsg_quote(q2, sizeof(q2), other_val);
	onshi_set_msg(ps->msg, ps->msglen,
		      "%s differs between %s ('%s') and %s ('%s'): "
		      "give it once, or the same in both",
		      f->name, home, q1, other, q2);
	free(val);
	return ONSHI_EINVAL;
}

/* Parse one child element into its field; for a leaf, *raw (when raw is
 * not NULL) receives its text as sent, on success. */
static int parse_field(struct parse_state *ps, const struct xmsg_node *node,
		       const struct xmsg_field *f, const xmlNode *child,
		       void *base, char **raw)
{
	char *text = NULL, *val = NULL;
	long v;
	int rc;

	switch (f->type) {
	case XT_GROUP:
		if (f->has_off != XF_NONE_OFF)
			*(bool *)((char *)base + f->has_off) = true;
		return parse_node(ps, f->sub, child, (char *)base + f->off);
	case XT_LIST: {
		char **arr = (char **)(void *)((char *)base + f->off);
		size_t *n = (size_t *)(void *)((char *)base + f->count_off);
		char *elem;

		if (*arr == NULL) {
			/* First one: size the array for all its siblings at once. */
			const xmlNode *s;
			size_t count = 0;

			for (s = child; s != NULL; s = s->next)
				if (s->type == XML_ELEMENT_NODE &&
				    strcmp((const char *)s->name, f->name) == 0)
					count++;
			ps->items += count;
			if (ps->items > ps->max_items) {
				onshi_set_msg(ps->msg, ps->msglen,
					      "more than %zu %s entries",
					      ps->max_items, f->name);
				return ONSHI_ETOOBIG;
			}
			*arr = calloc(count, f->elem_size);
			if (*arr == NULL)
				return ONSHI_ENOMEM;
		}
		elem = *arr + *n * f->elem_size;
		(*n)++;
		xmsg_init_node(f->sub, elem);
		return parse_node(ps, f->sub, child, elem);
	}
	default: break;
	}
	rc = leaf_text(child, &text, ps->msg, ps->msglen);
	if (rc != ONSHI_OK)
		return rc;
	switch (f->type) {
	case XT_CODE:
	case XT_CONSENT:
	case XT_KEYWORD:
	case XT_CHARSET:
	case XT_COUNT:
		if (strspn(text, " \t\r\n") == strlen(text)) {
			/* <QualificationValidity/>: absent, unless it must be there */
			rc = (f->flags & XF_REQUIRED) ? ONSHI_EINVAL : ONSHI_OK;
			if (rc != ONSHI_OK)
				onshi_set_msg(ps->msg, ps->msglen,
					      "%s is empty", f->name);
			break;
		}
		rc = xmsg_int_from_text(f, text, &v, ps->msg, ps->msglen);
		/* A consent already set came from its other spelling (the same
		 * element twice is refused before): it must agree. */
		if (rc == ONSHI_OK && f->type == XT_CONSENT &&
		    xmsg_int_get(f, base) != ONSHI_CONSENT_ABSENT &&
		    xmsg_int_get(f, base) != v) {
			onshi_set_msg(ps->msg, ps->msglen,
				      "%s differs from the same consent in its "
				      "other spelling: give it once, or the same in both",
				      f->name);
			rc = ONSHI_EINVAL;
		}
		if (rc == ONSHI_OK)
			xmsg_int_set(f, base, v);
		break;
	default:
		rc = xmsg_normalize(f, text, &val, ps->msg, ps->msglen);
		if (rc == ONSHI_OK)
			rc = store_string(ps, node, f, val, base);
		break;
	}
	if (rc == ONSHI_OK && raw != NULL)
		*raw = text;
	else
		free(text);
	return rc;
}

/* Remember child element k's text as sent, in document order. */
static void keep_sent(const struct xmsg_node *node, void *base, size_t k, char *text)
{
	struct onshi_sent_text *list =
		*(struct onshi_sent_text **)(void *)((char *)base + node->sent_off);
	size_t *n = (size_t *)(void *)((char *)base + node->n_sent_off);

	list[*n].field = (unsigned)k;
	list[*n].text = text;
	(*n)++;
}

static int parse_node(struct parse_state *ps, const struct xmsg_node *node,
		      const xmlNode *el, void *base)
{
	unsigned char seen[128] = { 0 };
	const xmlNode *c;
	size_t i;
	int rc;

	/* A table that outgrows seen[] is a programming error, not input's. */
	if (node->n_fields > sizeof(seen)) {
		onshi_set_msg(ps->msg, ps->msglen,
			      "internal: %s has more than %zu elements",
			      node->name, sizeof(seen));
		return ONSHI_EINVAL;
	}

	if (node->keeps_sent) {
		/* Each leaf at most once (duplicates are refused), so n_fields
		 * entries hold them all. */
		struct onshi_sent_text **list =
			(struct onshi_sent_text **)(void *)((char *)base +
							    node->sent_off);

		*list = calloc(node->n_fields, sizeof(**list));
		if (*list == NULL)
			return ONSHI_ENOMEM;
	}
	for (c = el->children; c != NULL; c = c->next) {
		const struct xmsg_field *f;
		char *raw = NULL;
		int k;

		if (c->type != XML_ELEMENT_NODE)
			continue;
		k = find_field(node, c->name);
		if (k < 0)
			continue; /* unknown elements are for newer peers: skip */
		f = &node->fields[k];
		if (seen[k] && f->type != XT_LIST) {
			onshi_set_msg(ps->msg, ps->msglen,
				      "%s appears more than once in %s",
				      f->name, node->name);
			return ONSHI_EINVAL;
		}
		seen[k] = 1;
		rc = parse_field(ps, node, f, c, base,
				 node->keeps_sent && f->type != XT_GROUP &&
						 f->type != XT_LIST
					 ? &raw
					 : NULL);
		if (rc != ONSHI_OK)
			return rc;
		if (raw != NULL)
			keep_sent(node, base, (size_t)k, raw);
	}
	for (i = 0; i < node->n_fields; i++) {
		const struct xmsg_field *f = &node->fields[i];
		char **slot = (char **)(void *)((char *)base + f->off);

		if ((f->flags & XF_REQUIRED) && !seen[i]) {
			onshi_set_msg(ps->msg, ps->msglen,
				      "required element %s is missing from %s",
				      f->name, node->name);
			return ONSHI_EINVAL;
		}
		if ((f->flags & XF_TODAY) && (*slot == NULL || (*slot)[0] == '\0')) {
			rc = xmsg_set_today(slot);
			if (rc != ONSHI_OK) {
				onshi_set_msg(ps->msg, ps->msglen,
					      "%s is missing from %s and "
					      "today's date is unknown",
					      f->name, node->name);
				return rc;
			}
		}
	}
	return ONSHI_OK;
}

/* One element of a document read elsewhere (xmlmsg_stream.c: a batch
 * result's header and each of its units), with the whole parse's checks. */
int xmsg_parse_element(const struct xmsg_node *node, const struct _xmlNode *el,
		       void *base, unsigned depth, size_t max_items, char *msg,
		       size_t msglen)
{
	struct parse_state ps = { 0, max_items ? max_items : ONSHI_XMLMSG_MAX_ITEMS,
				  msg, msglen, NULL };

	if (check_depth(el, depth, ONSHI_XMLMSG_MAX_DEPTH) != 0) {
		onshi_set_msg(msg, msglen, "elements nest deeper than %u levels",
			      ONSHI_XMLMSG_MAX_DEPTH);
		return ONSHI_ETOOBIG;
	}
	return parse_node(&ps, node, el, base);
}

/* What a document gets when the hardened reader refuses it. */
static const struct onshi_xml_read_texts xmsg_xml_texts = {
	.nomem = NULL,
	.doctype = "the document has a DOCTYPE: DTDs and entity declarations "
		   "are refused",
	.syntax = "not well-formed XML",
};

/* Decide the encoding and hand back UTF-8 without BOM or declaration. */
static int to_utf8(const char *buf, size_t len, const char **text, size_t *textlen,
		   char **owned, enum onshi_charset *cs, char *msg, size_t msglen)
{
	size_t ds, de, bad;
	char name[48];
	enum onshi_enc enc;
	int rc;

	*owned = NULL;
	if ((len >= 2 &&
	     ((unsigned char)buf[0] == 0xFE || (unsigned char)buf[0] == 0xFF) &&
	     ((unsigned char)buf[1] == 0xFE || (unsigned char)buf[1] == 0xFF)) ||
	    (len >= 2 && (buf[0] == '\0' || buf[1] == '\0'))) {
		onshi_set_msg(msg, msglen,
			      "document is UTF-16 or UTF-32: use UTF-8 or Shift_JIS");
		return ONSHI_EENCODING;
	}
	if (onshi_enc_find_decl(buf, len, &ds, &de, name, sizeof(name)) != 0) {
		onshi_set_msg(msg, msglen,
			      "the XML declaration is malformed or too long");
		return ONSHI_EPROTO;
	}
	enc = onshi_enc_from_name(name);
	if (enc == ONSHI_ENC_UNSUPPORTED) {
		char q[64];

		xmsg_quote(q, sizeof(q), name);
		onshi_set_msg(msg, msglen,
			      "encoding '%s' is not supported: use UTF-8 or Shift_JIS",
			      q);
		return ONSHI_EENCODING;
	}
	if (de == 0 && len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
		de = 3; /* BOM without declaration */
	if (enc == ONSHI_ENC_UTF8) {
		if (ds == 3 && name[0] != '\0' && strcasecmp(name, "UTF-8") != 0 &&
		    strcasecmp(name, "UTF8") != 0) {
			onshi_set_msg(msg, msglen,
				      "a UTF-8 byte order mark contradicts encoding '%s'",
				      name);
			return ONSHI_EENCODING;
		}
		if (onshi_enc_utf8_check(buf + de, len - de, &bad) != 0) {
			onshi_set_msg(msg, msglen,
				      "the byte at offset %zu is not valid UTF-8%s",
				      de + bad,
				      name[0] != '\0'
					      ? " (as the declaration says)"
					      : " (no encoding declared, so UTF-8 is assumed)");
			return ONSHI_EENCODING;
		}
		*text = buf + de;
		*textlen = len - de;
		*cs = ONSHI_CHARSET_UTF8;
		return ONSHI_OK;
	}
	if (ds != 0) {
		onshi_set_msg(msg, msglen,
			      "a UTF-8 byte order mark contradicts encoding '%s'",
			      name);
		return ONSHI_EENCODING;
	}
	rc = onshi_enc_cp932_to_utf8(buf + de, len - de, owned, textlen, &bad);
	if (rc == -2)
		return ONSHI_ENOMEM;
	if (rc != 0) {
		onshi_set_msg(msg, msglen,
			      "the byte at offset %zu is not valid Shift_JIS (CP932) as the "
			      "declaration says",
			      de + bad);
		return ONSHI_EENCODING;
	}
	*text = *owned;
	*cs = ONSHI_CHARSET_CP932;
	return ONSHI_OK;
}

static size_t default_max_bytes(enum onshi_msg_kind kind)
{
	const struct xmsg_batch_family *bf = xmsg_batch_family(kind);

	/* batch uploads and batch results: many persons */
	if (bf != NULL && (kind == bf->upload || kind == bf->result))
		return ONSHI_XMLMSG_MAX_BULK_BYTES;
	return ONSHI_XMLMSG_MAX_BYTES;
}

int onshi_msg_parse(enum onshi_msg_kind kind, const char *buf, size_t len,
		    const struct onshi_parse_limits *limits,
		    struct onshi_msg *out, char *msg, size_t msglen)
{
	const struct xmsg_node *root = xmsg_root(kind);
	struct parse_state ps = { 0, ONSHI_XMLMSG_MAX_ITEMS, msg, msglen, NULL };
	size_t max_bytes = default_max_bytes(kind), textlen = 0;
	unsigned max_depth = ONSHI_XMLMSG_MAX_DEPTH;
	xmlDocPtr doc = NULL;
	xmlNodePtr top;
	const char *text = NULL;
	char *owned = NULL;
	int rc;

	if (msg != NULL && msglen > 0)
		msg[0] = '\0';
	onshi_msg_init(out, kind);
	if (root == NULL || buf == NULL) {
		onshi_set_msg(msg, msglen, "no such message kind or no buffer");
		return ONSHI_EINVAL;
	}
	if (limits != NULL) {
		if (limits->max_bytes != 0)
			max_bytes = limits->max_bytes;
		if (limits->max_depth != 0)
			max_depth = limits->max_depth;
		if (limits->max_items != 0)
			ps.max_items = limits->max_items;
	}
	if (len > max_bytes || len > INT32_MAX) {
		onshi_set_msg(msg, msglen,
			      "document is %zu bytes, over the limit of %zu for %s",
			      len, max_bytes, onshi_msg_kind_name(kind));
		return ONSHI_ETOOBIG;
	}
	if (len == 0) {
		onshi_set_msg(msg, msglen, "document is empty");
		return ONSHI_EPROTO;
	}
	rc = to_utf8(buf, len, &text, &textlen, &owned, &out->source_charset,
		     msg, msglen);
	if (rc != ONSHI_OK)
		goto done;

	doc = onshi_xml_read_hardened(text, textlen, NULL, &xmsg_xml_texts, &rc,
				      msg, msglen);
	if (doc == NULL)
		goto done;
	top = xmlDocGetRootElement(doc);
	if (top == NULL || strcmp((const char *)top->name, "XmlMsg") != 0) {
		onshi_set_msg(msg, msglen, "the root element is <%s>, not <XmlMsg>",
			      top != NULL ? (const char *)top->name : "");
		rc = ONSHI_EPROTO;
		goto done;
	}
	if (check_depth(top, 1, max_depth) != 0) {
		onshi_set_msg(msg, msglen,
			      "elements nest deeper than %u levels", max_depth);
		rc = ONSHI_ETOOBIG;
		goto done;
	}
	rc = parse_node(&ps, root, top, &out->u);
	if (rc != ONSHI_OK)
		goto done;
	if (kind == ONSHI_MSG_INQUIRY_REQUEST &&
	    out->u.inquiry_request.hdr.reference_classification == ONSHI_REFCLASS_NONE)
		out->u.inquiry_request.hdr.reference_classification = ONSHI_REFCLASS_CARDINFO;
	rc = xmsg_check_document(out, msg, msglen);
done:
	if (doc != NULL)
		xmlFreeDoc(doc);
	free(owned);
	return rc;
}
