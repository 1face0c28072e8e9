/* SPDX-License-Identifier: Apache-2.0 */
/*
 * xml_util.c — the hardened libxml2 reader shared by the manifest and the
 * XmlMsg codec (as a tree, or as the events that tree is built from), and
 * one child element's text from a small trusted-shape answer.
 */
#include "config.h"

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <onshi/error.h>

#include "xml_util.h"

/*
 * What a hardened read keeps on the parser context (_private): whether a
 * DOCTYPE was refused, and for onshi_xml_sax_hardened() the caller's
 * handlers plus what it takes to deliver the events the tree builder would
 * have turned into nodes, and no others.
 */
struct reader {
	int doctype;
	const struct onshi_xml_sax *sax;
	void *user;
	unsigned depth; /* open elements: text outside the root has no node */
	int in_text;    /* the open element's last child is text... */
	size_t run;     /* ...of this many bytes */
};

/* SAX hook: any DOCTYPE stops the parser before its subset is read. */
static void refuse_doctype(void *ctx, const xmlChar *name,
			   const xmlChar *ext_id, const xmlChar *sys_id)
{
	xmlParserCtxtPtr ctxt = ctx;

	(void)name;
	(void)ext_id;
	(void)sys_id;
	((struct reader *)ctxt->_private)->doctype = 1;
	xmlStopParser(ctxt);
}

/* Belt and braces: an entity declaration that got past it stops it too. */
static void refuse_entity(void *ctx, const xmlChar *name, int type,
			  const xmlChar *public_id, const xmlChar *system_id,
			  xmlChar *content)
{
	xmlParserCtxtPtr ctxt = ctx;

	(void)name;
	(void)type;
	(void)public_id;
	(void)system_id;
	(void)content;
	((struct reader *)ctxt->_private)->doctype = 1;
	xmlStopParser(ctxt);
}

/*
 * The event handlers of onshi_xml_sax_hardened(). Each mirrors what
 * libxml2 2.9's tree builder (SAX2.c) does with the same event, so that a
 * SAX reader sees exactly the tree the DOM reader would have built.
 */
static void sax_start(void *ctx, const xmlChar *local, const xmlChar *prefix,
		      const xmlChar *uri, int nb_ns, const xmlChar **ns,
		      int nb_attrs, int nb_defaulted, const xmlChar **attrs)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct reader *r = ctxt->_private;
	const xmlChar *name = local;

	(void)nb_ns;
	(void)ns;
	(void)nb_attrs;
	(void)nb_defaulted;
	(void)attrs;
	/* The tree names an element whose prefix is undeclared prefix:local
	 * (xmlSAX2StartElementNs), so a lookup by name must not match it. */
	if (prefix != NULL && uri == NULL) {
		const xmlChar *q = xmlDictQLookup(ctxt->dict, prefix, local);

		if (q != NULL)
			name = q;
	}
	r->depth++;
	r->in_text = 0;
	r->sax->start(r->user, (const char *)name);
}

static void sax_end(void *ctx, const xmlChar *local, const xmlChar *prefix,
		    const xmlChar *uri)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct reader *r = ctxt->_private;

	(void)local;
	(void)prefix;
	(void)uri;
	r->depth--;
	r->in_text = 0; /* the parent's last child is now an element */
	r->sax->end(r->user);
}

/*
 * Text, CDATA (merged into text by XML_PARSE_NOCDATA) and whitespace. The
 * tree builder appends a run of text to one node and gives up when that
 * node would pass XML_MAX_TEXT_LENGTH (xmlSAX2Text: "huge text node"): it
 * then halts the parser as out of memory without marking the document
 * ill-formed, and the document ends there, or fails as extra content after
 * the root, depending on what follows. The same state is set here so that
 * libxml2 goes on exactly as it does under the tree builder.
 */
static void sax_text(void *ctx, const xmlChar *ch, int len)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct reader *r = ctxt->_private;

	if (r->depth == 0)
		return; /* no open element: the tree builder drops it */
	if (!r->in_text) {
		r->in_text = 1;
		r->run = (size_t)len;
	} else if (r->run + (size_t)len > XML_MAX_TEXT_LENGTH &&
		   (ctxt->options & XML_PARSE_HUGE) == 0) {
		ctxt->errNo = XML_ERR_NO_MEMORY;
		ctxt->instate = XML_PARSER_EOF;
		ctxt->disableSAX = 1;
		return;
	} else {
		r->run += (size_t)len;
	}
	r->sax->text(r->user, (const char *)ch, (size_t)len);
}

/* Comments and PIs are nodes too: text after one starts a new run. */
static void sax_comment(void *ctx, const xmlChar *value)
{
	xmlParserCtxtPtr ctxt = ctx;

	(void)value;
	((struct reader *)ctxt->_private)->in_text = 0;
}

static void sax_pi(void *ctx, const xmlChar *target, const xmlChar *data)
{
	xmlParserCtxtPtr ctxt = ctx;

	(void)target;
	(void)data;
	((struct reader *)ctxt->_private)->in_text = 0;
}

/* An entity reference left as such (none can be declared here). */
static void sax_reference(void *ctx, const xmlChar *name)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct reader *r = ctxt->_private;

	(void)name;
	r->in_text = 0;
	if (r->depth > 0)
		r->sax->reference(r->user);
}

/* texts->syntax, with libxml2's last error on ctxt when there is one. */
static void syntax_error(xmlParserCtxtPtr ctxt, const char *what, char *msg,
			 size_t msglen)
{
	const xmlError *e = xmlCtxtGetLastError(ctxt);
	char text[160];
	size_t n;

	if (msg == NULL || msglen == 0)
		return;
	if (e == NULL || e->message == NULL) {
		snprintf(msg, msglen, "%s", what);
		return;
	}
	snprintf(text, sizeof(text), "%s", e->message);
	n = strlen(text);
	while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == ' '))
		text[--n] = '\0';
	snprintf(msg, msglen, "%s at line %d: %s", what, e->line, text);
}

static void put_msg(char *msg, size_t msglen, const char *text)
{
	if (msg != NULL && msglen > 0 && text != NULL)
		snprintf(msg, msglen, "%s", text);
}

/* The one parse both entry points share; r->sax NULL builds the tree. */
static xmlDocPtr hardened_read(const char *buf, size_t len, const char *url,
			       const struct onshi_xml_read_texts *texts,
			       struct reader *r, int *rc, char *msg, size_t msglen)
{
	xmlParserCtxtPtr ctxt;
	xmlDocPtr doc;

	xmlInitParser();
	ctxt = xmlNewParserCtxt();
	if (ctxt == NULL) {
		put_msg(msg, msglen, texts->nomem);
		*rc = ONSHI_ENOMEM;
		return NULL;
	}
	ctxt->sax->internalSubset = refuse_doctype;
	ctxt->sax->externalSubset = refuse_doctype;
	ctxt->sax->entityDecl = refuse_entity;
	if (r->sax != NULL) {
		/* Only the tree-building handlers change; the document node
		 * (startDocument) is still made, so libxml2 runs as it does
		 * for the tree. ignorableWhitespace must be the very same
		 * function as characters, as in the tree builder: libxml2
		 * then never guesses which blanks are ignorable. */
		ctxt->sax->startElementNs = sax_start;
		ctxt->sax->endElementNs = sax_end;
		ctxt->sax->startElement = NULL;
		ctxt->sax->endElement = NULL;
		ctxt->sax->characters = sax_text;
		ctxt->sax->ignorableWhitespace = sax_text;
		ctxt->sax->cdataBlock = NULL;
		ctxt->sax->comment = sax_comment;
		ctxt->sax->processingInstruction = sax_pi;
		ctxt->sax->reference = sax_reference;
	}
	ctxt->_private = r;
	/* No NOENT (no substitution), no DTDLOAD, no HUGE: libxml2's limits
	 * stay. COMPACT keeps short texts inside their nodes (fewer mallocs;
	 * read-only trees like ours are what it is for). */
	doc = xmlCtxtReadMemory(ctxt, buf, (int)len, url, "UTF-8",
				XML_PARSE_NONET | XML_PARSE_NOERROR |
					XML_PARSE_NOWARNING | XML_PARSE_IGNORE_ENC |
					XML_PARSE_NOCDATA | XML_PARSE_COMPACT);
	*rc = ONSHI_OK;
	if (r->doctype) {
		put_msg(msg, msglen, texts->doctype);
		*rc = ONSHI_EPERM;
	} else if (doc == NULL || !ctxt->wellFormed) {
		syntax_error(ctxt, texts->syntax, msg, msglen);
		*rc = ONSHI_EPROTO;
	}
	if (*rc != ONSHI_OK && doc != NULL) {
		xmlFreeDoc(doc);
		doc = NULL;
	}
	xmlFreeParserCtxt(ctxt);
	return doc;
}

xmlDocPtr onshi_xml_read_hardened(const char *buf, size_t len, const char *url,
				  const struct onshi_xml_read_texts *texts,
				  int *rc, char *msg, size_t msglen)
{
	struct reader r = { 0 };

	return hardened_read(buf, len, url, texts, &r, rc, msg, msglen);
}

int onshi_xml_sax_hardened(const char *buf, size_t len, const char *url,
			   const struct onshi_xml_read_texts *texts,
			   const struct onshi_xml_sax *sax, void *user,
			   char *msg, size_t msglen)
{
	struct reader r = { .sax = sax, .user = user };
	xmlDocPtr doc;
	int rc;

	/* All that was built is the document node. */
	doc = hardened_read(buf, len, url, texts, &r, &rc, msg, msglen);
	if (doc != NULL)
		xmlFreeDoc(doc);
	return rc;
}

char *onshi_xml_child_text(const char *buf, size_t len, const char *name)
{
	xmlDocPtr doc;
	char *out = NULL;

	if (len > 64 * 1024 || memmem(buf, len, "<!DOCTYPE", 9))
		return NULL; /* answers this small never carry a DTD */
	doc = xmlReadMemory(buf, (int)len, "answer.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc)
		return NULL;
	if (!doc->intSubset) {
		xmlNodePtr root = xmlDocGetRootElement(doc);

		for (xmlNodePtr c = root ? root->children : NULL; c; c = c->next)
			if (c->type == XML_ELEMENT_NODE &&
			    xmlStrcmp(c->name, BAD_CAST name) == 0) {
				xmlChar *v = xmlNodeGetContent(c);

				out = v ? strdup((const char *)v) : NULL;
				xmlFree(v);
				break;
			}
	}
	xmlFreeDoc(doc);
	return out;
}
