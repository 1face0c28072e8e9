/* SPDX-License-Identifier: Apache-2.0 */
/*
 * xml_util.c — the hardened libxml2 reader shared by the manifest and the
 * XmlMsg codec, and one child element's text from a small trusted-shape
 * answer.
 */
#include "config.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <onshi/error.h>

#include "xml_util.h"

/* SAX hook: any DOCTYPE stops the parser before its subset is read. */
static void refuse_doctype(void *ctx, const xmlChar *name,
			   const xmlChar *ext_id, const xmlChar *sys_id)
{
	xmlParserCtxtPtr ctxt = ctx;

	(void)name;
	(void)ext_id;
	(void)sys_id;
	*(int *)ctxt->_private = 1;
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
	*(int *)ctxt->_private = 1;
	xmlStopParser(ctxt);
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

xmlDocPtr onshi_xml_read_hardened(const char *buf, size_t len, const char *url,
				  const struct onshi_xml_read_texts *texts,
				  int *rc, char *msg, size_t msglen)
{
	xmlParserCtxtPtr ctxt;
	xmlDocPtr doc;
	int doctype = 0;

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
	ctxt->_private = &doctype;
	/* No NOENT (no substitution), no DTDLOAD, no HUGE: libxml2's limits
	 * stay. COMPACT keeps short texts inside their nodes (fewer mallocs;
	 * read-only trees like ours are what it is for). */
	doc = xmlCtxtReadMemory(ctxt, buf, (int)len, url, "UTF-8",
				XML_PARSE_NONET | XML_PARSE_NOERROR |
					XML_PARSE_NOWARNING | XML_PARSE_IGNORE_ENC |
					XML_PARSE_NOCDATA | XML_PARSE_COMPACT);
	*rc = ONSHI_OK;
	if (doctype) {
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
