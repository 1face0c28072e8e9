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
 *
 * onshi_msg_parse() (xmlmsg_sax.c) does the mapping from libxml2's SAX
 * events instead of a tree, with the steps here that do not need the
 * tree; the tree walk stays for batch units (xmlmsg_stream.c) and as the
 * reference the SAX path is tested against (xmsg_parse_dom()).
 */
#include "config.h"

#include <stdbool.h>
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

int xmsg_bad_root(char *msg, size_t msglen, const char *name)
{
	onshi_set_msg(msg, msglen, "the root element is <%s>, not <XmlMsg>", name);
	return ONSHI_EPROTO;
}

int xmsg_too_deep(char *msg, size_t msglen, unsigned max)
{
	onshi_set_msg(msg, msglen, "elements nest deeper than %u levels", max);
	return ONSHI_ETOOBIG;
}

int xmsg_leaf_child_element(struct xmsg_parse_state *ps, const char *leaf,
			    const char *child)
{
	onshi_set_msg(ps->msg, ps->msglen,
		      "%s must hold text, not the element %s", leaf, child);
	return ONSHI_EINVAL;
}

int xmsg_leaf_entity_ref(struct xmsg_parse_state *ps, const char *leaf)
{
	onshi_set_msg(ps->msg, ps->msglen, "%s holds an entity reference", leaf);
	return ONSHI_EPERM;
}

/* The text of a leaf element: text and CDATA only, comments skipped. */
static int leaf_text(struct xmsg_parse_state *ps, const xmlNode *el, char **out)
{
	const xmlNode *c;
	size_t len = 0, o = 0;
	char *buf;

	for (c = el->children; c != NULL; c = c->next) {
		if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
			len += strlen((const char *)c->content);
		} else if (c->type == XML_ELEMENT_NODE) {
			return xmsg_leaf_child_element(ps, (const char *)el->name,
						       (const char *)c->name);
		} else if (c->type == XML_ENTITY_REF_NODE) {
			return xmsg_leaf_entity_ref(ps, (const char *)el->name);
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

int xmsg_find_field(const struct xmsg_node *node, const char *name)
{
	size_t i;

	for (i = 0; i < node->n_fields; i++)
		if (strcmp(node->fields[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int parse_node(struct xmsg_parse_state *ps, const struct xmsg_node *node,
		      const xmlNode *el, void *base);

/*
 * Store a normalised string into its slot. A slot already filled can only
 * come from the other place an XF_ALIAS pair reads (duplicates within one
 * node are refused before): the same value is fine, an empty one yields
 * to the other, different values are refused naming both places.
 */
static int store_string(struct xmsg_parse_state *ps, const struct xmsg_node *node,
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

int xmsg_too_many(struct xmsg_parse_state *ps, const struct xmsg_field *f)
{
	onshi_set_msg(ps->msg, ps->msglen, "more than %zu %s entries",
		      ps->max_items, f->name);
	return ONSHI_ETOOBIG;
}

/* Parse one child element into its field; for a leaf, *raw (when raw is
 * not NULL) receives its text as sent, on success. */
static int parse_field(struct xmsg_parse_state *ps,
		       const struct xmsg_node *node, const struct xmsg_field *f,
		       const xmlNode *child, void *base, char **raw)
{
	char *text = NULL;
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
			if (ps->items > ps->max_items)
				return xmsg_too_many(ps, f);
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
	rc = leaf_text(ps, child, &text);
	if (rc != ONSHI_OK)
		return rc;
	return xmsg_parse_leaf(ps, node, f, text, base, raw);
}

int xmsg_parse_leaf(struct xmsg_parse_state *ps, const struct xmsg_node *node,
		    const struct xmsg_field *f, char *text, void *base, char **raw)
{
	char *val = NULL;
	long v;
	int rc;

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

void xmsg_keep_sent(const struct xmsg_node *node, void *base, size_t k, char *text)
{
	struct onshi_sent_text *list =
		*(struct onshi_sent_text **)(void *)((char *)base + node->sent_off);
	size_t *n = (size_t *)(void *)((char *)base + node->n_sent_off);

	list[*n].field = (unsigned)k;
	list[*n].text = text;
	(*n)++;
}

int xmsg_node_begin(struct xmsg_parse_state *ps, const struct xmsg_node *node,
		    void *base)
{
	/* A table that outgrows seen[] is a programming error, not input's. */
	if (node->n_fields > XMSG_MAX_FIELDS) {
		onshi_set_msg(ps->msg, ps->msglen,
			      "internal: %s has more than %zu elements",
			      node->name, (size_t)XMSG_MAX_FIELDS);
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
	return ONSHI_OK;
}

int xmsg_node_child(struct xmsg_parse_state *ps, const struct xmsg_node *node,
		    size_t k, unsigned char *seen)
{
	const struct xmsg_field *f = &node->fields[k];

	if (seen[k] && f->type != XT_LIST) {
		onshi_set_msg(ps->msg, ps->msglen, "%s appears more than once in %s",
			      f->name, node->name);
		return ONSHI_EINVAL;
	}
	seen[k] = 1;
	return ONSHI_OK;
}

int xmsg_node_end(struct xmsg_parse_state *ps, const struct xmsg_node *node,
		  void *base, const unsigned char *seen)
{
	size_t i;
	int rc;

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

static int parse_node(struct xmsg_parse_state *ps, const struct xmsg_node *node,
		      const xmlNode *el, void *base)
{
	unsigned char seen[XMSG_MAX_FIELDS] = { 0 };
	const xmlNode *c;
	int rc;

	rc = xmsg_node_begin(ps, node, base);
	if (rc != ONSHI_OK)
		return rc;
	for (c = el->children; c != NULL; c = c->next) {
		const struct xmsg_field *f;
		char *raw = NULL;
		int k;

		if (c->type != XML_ELEMENT_NODE)
			continue;
		k = xmsg_find_field(node, (const char *)c->name);
		if (k < 0)
			continue; /* unknown elements are for newer peers: skip */
		f = &node->fields[k];
		rc = xmsg_node_child(ps, node, (size_t)k, seen);
		if (rc != ONSHI_OK)
			return rc;
		rc = parse_field(ps, node, f, c, base,
				 node->keeps_sent && f->type != XT_GROUP &&
						 f->type != XT_LIST
					 ? &raw
					 : NULL);
		if (rc != ONSHI_OK)
			return rc;
		if (raw != NULL)
			xmsg_keep_sent(node, base, (size_t)k, raw);
	}
	return xmsg_node_end(ps, node, base, seen);
}

/* One element of a document read elsewhere (xmlmsg_stream.c: a batch
 * result's header and each of its units), with the whole parse's checks. */
int xmsg_parse_element(const struct xmsg_node *node, const struct _xmlNode *el,
		       void *base, unsigned depth, size_t max_items, char *msg,
		       size_t msglen)
{
	struct xmsg_parse_state ps = { 0, max_items ? max_items : ONSHI_XMLMSG_MAX_ITEMS,
				       msg, msglen, NULL };

	if (check_depth(el, depth, ONSHI_XMLMSG_MAX_DEPTH) != 0)
		return xmsg_too_deep(msg, msglen, ONSHI_XMLMSG_MAX_DEPTH);
	return parse_node(&ps, node, el, base);
}

/* What a document gets when the hardened reader refuses it. */
const struct onshi_xml_read_texts xmsg_xml_texts = {
	.nomem = NULL,
	.doctype = "the document has a DOCTYPE: DTDs and entity declarations "
		   "are refused",
	.syntax = "not well-formed XML",
};

/* Decide the encoding and hand back UTF-8 without BOM or declaration. */
int xmsg_to_utf8(const char *buf, size_t len, const char **text, size_t *textlen,
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

size_t xmsg_default_max_bytes(enum onshi_msg_kind kind)
{
	const struct xmsg_batch_family *bf = xmsg_batch_family(kind);

	/* batch uploads and batch results: many persons */
	if (bf != NULL && (kind == bf->upload || kind == bf->result))
		return ONSHI_XMLMSG_MAX_BULK_BYTES;
	return ONSHI_XMLMSG_MAX_BYTES;
}

/* The tree path of a whole document: read, its root named, its depth
 * bounded, then walked. */
int xmsg_dom_parse(const struct xmsg_node *root, const char *text, size_t textlen,
		   unsigned max_depth, struct xmsg_parse_state *ps, void *base)
{
	xmlDocPtr doc;
	xmlNodePtr top;
	int rc;

	doc = onshi_xml_read_hardened(text, textlen, NULL, &xmsg_xml_texts, &rc,
				      ps->msg, ps->msglen);
	if (doc == NULL)
		return rc;
	top = xmlDocGetRootElement(doc);
	if (top == NULL || strcmp((const char *)top->name, "XmlMsg") != 0)
		rc = xmsg_bad_root(ps->msg, ps->msglen,
				   top != NULL ? (const char *)top->name : "");
	else if (check_depth(top, 1, max_depth) != 0)
		rc = xmsg_too_deep(ps->msg, ps->msglen, max_depth);
	else
		rc = parse_node(ps, root, top, base);
	xmlFreeDoc(doc);
	return rc;
}
