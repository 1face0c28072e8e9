/* SPDX-License-Identifier: Apache-2.0 */
/*
 * status_xml.c — the status as an XML document for scripts
 * (`onshictl status -o xml`, and GET /status.xml of the status page).
 *
 * Built with libxml2's tree API from a status snapshot (status_model.h):
 * each line becomes one element named after its kind, its fields become
 * attributes. The schema is etc/xsd/onshi-status.xsd.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/tree.h>

#include "status.h"

/* Report line kind → element, and the attribute its first value goes in. */
static const struct {
	const char *kind, *attr;
} elements[] = {
	{ "daemon", "name" },         { "vpn", "connection" },
	{ "institution", "section" }, { "cert", "institution" },
	{ "maintenance", "url" },     { "module", "name" },
	{ "today", "date" },
};

/* A key is an attribute name only if it is [a-z_]+ (ours always are). */
static int name_ok(const char *k)
{
	if (!*k)
		return 0;
	for (; *k; k++)
		if (!((*k >= 'a' && *k <= 'z') || *k == '_'))
			return 0;
	return 1;
}

/* Plugin status texts are the plugins' words: keep only valid UTF-8 and
 * no control characters, so the document is always well-formed. */
static char *clean(const char *s)
{
	size_t n = strlen(s);
	char *out = malloc(3 * n + 1), *o = out;
	const unsigned char *p = (const unsigned char *)s;

	if (!out)
		return NULL;
	while (*p) {
		int l = onshi_utf8_seq_len(p);

		if (l == 0) {
			memcpy(o, "\xef\xbf\xbd", 3); /* U+FFFD */
			o += 3;
			p++;
		} else if (l == 1 && (*p < 0x20 || *p == 0x7f)) {
			*o++ = ' ';
			p++;
		} else {
			memcpy(o, p, (size_t)l);
			o += l;
			p += l;
		}
	}
	*o = '\0';
	return out;
}

static int add_line(xmlNodePtr root, xmlNsPtr ns, const struct onshi_status_line *l)
{
	const char *attr = NULL;
	xmlNodePtr el;

	for (size_t i = 0; i < sizeof(elements) / sizeof(elements[0]); i++)
		if (strcmp(elements[i].kind, l->kind) == 0)
			attr = elements[i].attr;
	if (!attr)
		return 0; /* a kind this schema does not know yet */
	el = xmlNewChild(root, ns, BAD_CAST l->kind, NULL);
	if (!el)
		return -1;
	for (int i = 0; i < l->n; i++) {
		const char *key = i == 0 ? attr : l->f[i].key;
		char *v;

		if (!name_ok(key) || xmlHasProp(el, BAD_CAST key))
			continue;
		v = clean(l->f[i].value);
		if (!v || !xmlNewProp(el, BAD_CAST key, BAD_CAST v)) {
			free(v);
			return -1;
		}
		free(v);
	}
	return 0;
}

int onshi_status_xml_doc(const struct onshi_status_snapshot *s, char **out,
			 size_t *len)
{
	xmlDocPtr doc = NULL;
	xmlNodePtr root;
	xmlNsPtr ns;
	xmlChar *mem = NULL;
	int size = 0, rc = ONSHI_ENOMEM;
	char when[40];
	struct tm tm;

	*out = NULL;
	*len = 0;
	if (s->failed)
		goto done;
	doc = xmlNewDoc(BAD_CAST "1.0");
	root = doc ? xmlNewNode(NULL, BAD_CAST "status") : NULL;
	if (!root)
		goto done;
	xmlDocSetRootElement(doc, root);
	ns = xmlNewNs(root, BAD_CAST ONSHI_STATUS_XMLNS, NULL);
	if (!ns)
		goto done;
	xmlSetNs(root, ns);
	localtime_r(&s->taken, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S%z", &tm);
	/* xs:dateTime wants +09:00, strftime gives +0900. */
	if (strlen(when) == 24) {
		memmove(when + 23, when + 22, 2);
		when[22] = ':';
		when[25] = '\0';
	}
	if (!xmlNewProp(root, BAD_CAST "generated", BAD_CAST when))
		goto done;
	for (size_t i = 0; i < s->nlines; i++)
		if (add_line(root, ns, &s->lines[i]) < 0)
			goto done;
	xmlDocDumpFormatMemoryEnc(doc, &mem, &size, "UTF-8", 1);
	if (!mem || size <= 0)
		goto done;
	*out = malloc((size_t)size + 1);
	if (!*out)
		goto done;
	memcpy(*out, mem, (size_t)size);
	(*out)[size] = '\0';
	*len = (size_t)size;
	rc = ONSHI_OK;
done:
	xmlFree(mem);
	xmlFreeDoc(doc);
	return rc;
}

int onshi_status_xml(struct onshi_core *core, char **out, size_t *len)
{
	struct onshi_status_snapshot s;
	int rc = ONSHI_ENOMEM;

	*out = NULL;
	*len = 0;
	if (onshi_status_snapshot_take(core, &s) == 0)
		rc = onshi_status_xml_doc(&s, out, len);
	onshi_status_snapshot_free(&s);
	return rc;
}
