/* SPDX-License-Identifier: Apache-2.0 */
/*
 * xmlmsg_internal.h — the table that maps XmlMsg elements onto the structs
 * of onshi/message.h, shared by the parser, the writer and the model
 * helpers so that the three can never disagree about a field.
 *
 * Each element is a struct xmsg_field: its name, how its text is typed and
 * checked, and where it lives (an offset from the struct the enclosing
 * element maps to). Groups (MessageHeader, QualificationConfirmSearchInfo)
 * and lists (ResultOfQualificationConfirmation) point at a child table.
 */
#ifndef ONSHI_XMLMSG_INTERNAL_H
#define ONSHI_XMLMSG_INTERNAL_H

#include <stddef.h>

#include <onshi/message.h>

#include "msg.h"

enum xmsg_type {
	XT_STR,      /* char *, verbatim text */
	XT_DIGITS,   /* char *, ASCII digits, blanks around trimmed */
	XT_DATE,     /* char *, YYYYMMDD */
	XT_DATETIME, /* char *, YYYYMMDDhhmmss */
	XT_INSURER,  /* char *, normalised to 8 characters */
	XT_BASE64,   /* char *, base64 alphabet, whitespace removed */
	XT_CODE,     /* enum (int), 0 = absent, value in codes[] */
	XT_CONSENT,  /* enum onshi_consent, -1 = absent */
	XT_KEYWORD,  /* enum (int), 0 = absent, words[value - 1] */
	XT_CHARSET,  /* enum onshi_charset; the writer writes its argument */
	XT_COUNT,    /* long, >= 0 */
	XT_GROUP,    /* element whose children map through sub */
	XT_LIST,     /* repeated element, array of sub-mapped structs */
};

#define XF_REQUIRED 0x1u /* parse error when absent or empty */
#define XF_ALWAYS 0x2u   /* writer emits even when zero/absent */
/* A second place the parser reads a value from: the slot belongs to the
 * field of the same name in the node named by home, which writes, copies
 * and frees it; the two given with different values are refused. */
#define XF_ALIAS 0x4u
#define XF_TODAY 0x8u /* XT_DATE: absent or empty → today's local date */
#define XF_NONE_OFF ((size_t)-1)

struct xmsg_node;

struct xmsg_field {
	const char *name;
	enum xmsg_type type;
	unsigned flags;
	size_t off;                  /* of the value (or array pointer) */
	size_t minlen, maxlen;       /* string bytes after normalisation */
	const int *codes;            /* XT_CODE: allowed values, 0-terminated */
	const char *const *words;    /* XT_KEYWORD: NULL-terminated */
	const struct xmsg_node *sub; /* XT_GROUP, XT_LIST */
	size_t has_off;   /* XT_GROUP: bool presence flag or XF_NONE_OFF */
	size_t count_off; /* XT_LIST: size_t count */
	size_t elem_size; /* XT_LIST */
	const char *home; /* XF_ALIAS: node of the owning field */
};

/*
 * A node may keep its leaf elements as sent (keeps_sent): the parser then
 * records each one's verbatim text, in document order, into the
 * struct onshi_sent_text array at sent_off (count at n_sent_off; field =
 * the index in fields[]), and the writer echoes that list instead of the
 * normalised fields whenever it is not empty.
 */
struct xmsg_node {
	const char *name; /* element name, for messages */
	const struct xmsg_field *fields;
	size_t n_fields;
	int keeps_sent;
	size_t sent_off, n_sent_off;
};

/* Today's local date as YYYYMMDD into *field (XF_TODAY). */
int xmsg_set_today(char **field);
/* Free a node's as-sent list (keeps_sent nodes); nothing otherwise. */
void xmsg_free_sent(const struct xmsg_node *node, void *base);

/* The four kinds of one two-phase batch: OQSmuquc, and the period
 * batches OQSmuonq, OQSmuhvq, OQSmutic (message.h). */
struct xmsg_batch_family {
	enum onshi_msg_kind upload, reception, fetch, result;
};
/* The family any of its four kinds belongs to, or NULL. */
const struct xmsg_batch_family *xmsg_batch_family(enum onshi_msg_kind kind);

/* The <XmlMsg> table of each kind (NULL for NONE / out of range). */
const struct xmsg_node *xmsg_root(enum onshi_msg_kind kind);

extern const struct xmsg_node xmsg_search_node;
extern const struct xmsg_node xmsg_qualification_node;

/*
 * Check and normalise the text of a typed string field: *out gets a malloc'd
 * copy in canonical form. Returns ONSHI_OK, ONSHI_EINVAL (msg names the
 * element and the value) or ONSHI_ENOMEM.
 */
int xmsg_normalize(const struct xmsg_field *f, const char *text, char **out,
		   char *msg, size_t msglen);

/* Parse/format the integer-valued types; ONSHI_EINVAL with a message. */
int xmsg_int_from_text(const struct xmsg_field *f, const char *text,
		       long *value, char *msg, size_t msglen);
int xmsg_int_to_text(const struct xmsg_field *f, long value, char *buf,
		     size_t buflen, char *msg, size_t msglen);

/* Is this integer value "absent" for its type? */
int xmsg_int_absent(const struct xmsg_field *f, long value);
long xmsg_int_get(const struct xmsg_field *f, const void *base);
void xmsg_int_set(const struct xmsg_field *f, void *base, long value);

/* Free everything a node's struct owns (recursively); zero nothing else. */
void xmsg_free_node(const struct xmsg_node *node, void *base);
/* Reset absent markers (consents to -1) of a freshly zeroed struct. */
void xmsg_init_node(const struct xmsg_node *node, void *base);
/* Deep copy src into zeroed dst. ONSHI_ENOMEM (dst then freed). */
int xmsg_copy_node(const struct xmsg_node *node, void *dst, const void *src);

/* Cross-element rules of a whole document (search info or card auth as the
 * ReferenceClassification demands, the auth method's own field, ...;
 * xmlmsg_check.c). */
int xmsg_check_document(const struct onshi_msg *m, char *msg, size_t msglen);

/* The most fields one node may have: the parser's seen[] per element. */
#define XMSG_MAX_FIELDS 128

/* What one parse needs to carry down the tree (xmlmsg_parse.c walks an
 * xmlDoc, xmlmsg_sax.c libxml2's events; the steps below are shared). */
struct xmsg_parse_state {
	size_t items; /* list entries so far */
	size_t max_items;
	char *msg;
	size_t msglen;
	const char *alias_node; /* where an XF_ALIAS field last filled a slot */
};

/* The index in node->fields of the child element called name, or -1. */
int xmsg_find_field(const struct xmsg_node *node, const char *name);
/* Entering an element mapped by node onto base: the table's size is
 * checked and a keeps_sent node's list allocated. */
int xmsg_node_begin(struct xmsg_parse_state *ps, const struct xmsg_node *node,
		    void *base);
/* Child element k (f = &node->fields[k]) seen in a node element: refused
 * when already seen unless a list entry; marks seen[k]. */
int xmsg_node_child(struct xmsg_parse_state *ps, const struct xmsg_node *node,
		    size_t k, unsigned char *seen);
/* Leaving it: the required fields present, XF_TODAY dates filled. */
int xmsg_node_end(struct xmsg_parse_state *ps, const struct xmsg_node *node,
		  void *base, const unsigned char *seen);
/* The "more than max_items" refusal, for the list field f. */
int xmsg_too_many(struct xmsg_parse_state *ps, const struct xmsg_field *f);
/* A leaf element's text (malloc'd, owned from here on) into field f of
 * node at base; *raw (raw not NULL) gets the text itself on success. */
int xmsg_parse_leaf(struct xmsg_parse_state *ps, const struct xmsg_node *node,
		    const struct xmsg_field *f, char *text, void *base, char **raw);
/* Remember child element k's text as sent, in document order. */
void xmsg_keep_sent(const struct xmsg_node *node, void *base, size_t k, char *text);
/* The refusals of a whole document's shape, in the words every reader of
 * it uses (the tree walk, the SAX walk, the batch stream): a root other
 * than XmlMsg (name "" when there is none), elements nested deeper than
 * max. */
int xmsg_bad_root(char *msg, size_t msglen, const char *name);
int xmsg_too_deep(char *msg, size_t msglen, unsigned max);
/* The refusals of leaf_text() for a child that is not text. */
int xmsg_leaf_child_element(struct xmsg_parse_state *ps, const char *leaf,
			    const char *child);
int xmsg_leaf_entity_ref(struct xmsg_parse_state *ps, const char *leaf);

/*
 * The model of a whole document from its UTF-8 text (xmlmsg_sax.c): what
 * reading it with onshi_xml_read_hardened(), checking the root's name and
 * the depth, and walking the tree into base would give, rc and message
 * alike, without the tree. *walked is set when the answer comes from the
 * walk (the model then holds what the walk filled); otherwise the model
 * is to be thrown away, as the tree path never touched it.
 */
struct onshi_xml_read_texts;
int xmsg_sax_parse(const struct xmsg_node *root, const char *text, size_t textlen,
		   const struct onshi_xml_read_texts *texts, unsigned max_depth,
		   struct xmsg_parse_state *ps, void *base, int *walked);

/* The steps of onshi_msg_parse() around the walk (xmlmsg_parse.c): the
 * size limit of a kind; the encoding decided and the text handed back as
 * UTF-8 without BOM or declaration (*owned to free); libxml2's refusal
 * texts; the tree path of the walk (read, root, depth, walk). */
size_t xmsg_default_max_bytes(enum onshi_msg_kind kind);
int xmsg_to_utf8(const char *buf, size_t len, const char **text, size_t *textlen,
		 char **owned, enum onshi_charset *cs, char *msg, size_t msglen);
extern const struct onshi_xml_read_texts xmsg_xml_texts;
int xmsg_dom_parse(const struct xmsg_node *root, const char *text, size_t textlen,
		   unsigned max_depth, struct xmsg_parse_state *ps, void *base);

/* onshi_msg_parse() through the tree (xmlDoc) instead of SAX events: the
 * reference the SAX path is tested against (test_xmlmsg_sax). */
int xmsg_parse_dom(enum onshi_msg_kind kind, const char *buf, size_t len,
		   const struct onshi_parse_limits *limits,
		   struct onshi_msg *out, char *msg, size_t msglen);

/* Parse el (an xmlNode) as node into base: the stream reader's way into the
 * tables (xmlmsg_stream.c); depth: el's own (the root is 1). max_items 0: ONSHI_XMLMSG_MAX_ITEMS. */
struct _xmlNode;
int xmsg_parse_element(const struct xmsg_node *node, const struct _xmlNode *el,
		       void *base, unsigned depth, size_t max_items, char *msg,
		       size_t msglen);

/* Write "value" for messages: at most ~40 bytes, cut at a character. */
void xmsg_quote(char *dst, size_t dstlen, const char *value);

/* Whether c may stand in a folder-interface file id: letters, digits and
 * ._+=@~- (xmlmsg_filename.c; card and push ids use the same set). */
int onshi_file_id_char_ok(unsigned char c);

/* Whether the n bytes at id are a whole file id: 1..ONSHI_FILE_ID_MAX of
 * those bytes, not starting with '.' and without "..". ONSHI_OK, or
 * ONSHI_EPERM with the reason in msg. */
int onshi_file_id_check(const char *id, size_t n, char *msg, size_t msglen);

#endif /* ONSHI_XMLMSG_INTERNAL_H */
