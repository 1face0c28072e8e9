/*
 * xml_util.c — one child element's text from a small trusted-shape answer.
 */
#include "config.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>

#include "xml_util.h"

char *onshi_xml_child_text(const char *buf, size_t len, const char *name)
{
	xmlDocPtr doc;
	char *out = NULL;

	if (len > 64 * 1024 || memmem(buf, len, "<!DOCTYPE", 9))
		return NULL; /* answers this small never carry a DTD */
	doc = xmlReadMemory(buf, (int)len, "answer.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR |
				    XML_PARSE_NOWARNING);
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
