/* SPDX-License-Identifier: Apache-2.0 */
/*
 * xml_util.h — the one hardened way libxml2 reads untrusted XML here
 * (manifest, XmlMsg), and reading one child element's text out of a small
 * document from the national service (AuthResponse, ChallengeResponse),
 * with the same spirit: no network, no DTD.
 */
#ifndef ONSHI_CORE_XML_UTIL_H
#define ONSHI_CORE_XML_UTIL_H

#include <stddef.h>

#include <libxml/tree.h>

/*
 * The caller's own sentences for each refusal, so that every reader keeps
 * its messages. syntax is completed with " at line N: <libxml2's message>"
 * when libxml2 gave one; nomem NULL leaves msg as it was.
 */
struct onshi_xml_read_texts {
	const char *nomem;   /* ONSHI_ENOMEM: no parser context */
	const char *doctype; /* ONSHI_EPERM: DOCTYPE or entity declaration */
	const char *syntax;  /* ONSHI_EPROTO: not well-formed */
};

/*
 * Parse len bytes of UTF-8 (the encoding is forced to UTF-8 and any
 * declared one ignored: the caller has dealt with it) without network
 * access, without loading DTDs, without entity substitution and with CDATA
 * merged into text; libxml2's own limits stay (no HUGE). The parser stops
 * at the first DOCTYPE (internal or external subset) or entity
 * declaration, so no entity is ever declared. url names the document in
 * libxml2's errors (may be NULL). Size limits are the caller's, checked
 * before the call (len must fit an int).
 *
 * Returns the document (free with xmlFreeDoc), or NULL with *rc set to
 * ONSHI_ENOMEM, ONSHI_EPERM or ONSHI_EPROTO and msg to the matching text.
 */
xmlDocPtr onshi_xml_read_hardened(const char *buf, size_t len, const char *url,
				  const struct onshi_xml_read_texts *texts,
				  int *rc, char *msg, size_t msglen);

/*
 * The events of a document as onshi_xml_read_hardened() would see it,
 * without building the tree: the elements (start, end), the text of each
 * (text, possibly in several pieces) and entity references left as such
 * (reference; none can be declared, so none arrive in practice), exactly
 * as they would become nodes of the tree, in document order. name is what
 * the tree would call the element: its local name, or prefix:local when
 * the prefix is not declared. Comments, PIs and attributes are not
 * passed on, nor text outside the root. All four handlers are required.
 */
struct onshi_xml_sax {
	void (*start)(void *user, const char *name);
	void (*end)(void *user);
	void (*text)(void *user, const char *s, size_t len);
	void (*reference)(void *user);
};

/*
 * Parse like onshi_xml_read_hardened() (same settings, same refusals, same
 * messages), delivering the events to sax with user. Returns ONSHI_OK or
 * what onshi_xml_read_hardened() would have set in *rc. Events may have
 * been delivered before a refusal; and where the tree builder would have
 * stopped short without a refusal (a text node over libxml2's
 * XML_MAX_TEXT_LENGTH), the events stop there too, with elements left
 * open: the tree would have held them open just the same.
 */
int onshi_xml_sax_hardened(const char *buf, size_t len, const char *url,
			   const struct onshi_xml_read_texts *texts,
			   const struct onshi_xml_sax *sax, void *user,
			   char *msg, size_t msglen);

/* The text of the root's first child element `name` (malloc'd), or NULL. */
char *onshi_xml_child_text(const char *buf, size_t len, const char *name);

#endif
