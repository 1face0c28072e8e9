/* SPDX-License-Identifier: Apache-2.0 */
/*
 * manifest.c — verifying and parsing the signed maintenance manifest: what
 * the bytes say, before anything about this installation is asked. See
 * manifest.h for the contract and docs/maintenance.md for every refusal;
 * the check against this installation and the state file holding the last
 * applied serial are in manifest_state.c.
 *
 * The signature is checked over the exact bytes before libxml2 sees them.
 * The parser then runs without network access, without entity
 * substitution, and stops at the first DOCTYPE (so external entities and
 * entity bombs never get a declaration in); the tree is walked strictly:
 * whatever is not in the format is refused by name rather than ignored,
 * because a maintenance instruction we do not understand must not be
 * half-applied. Values are taken exactly as written: no trimming, no
 * signs, no leading zeros. Text from the manifest is made printable before
 * it goes into a message, since messages end up in logs and reports.
 */
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include <onshi/error.h>

#include "manifest.h"
#include "manifest_internal.h"
#include "msg.h"
#include "xml_util.h"

/* How much of a hostile value a message quotes. */
#define QUOTE_MAX 40

/* Copy s for a message: printable ASCII only, at most QUOTE_MAX bytes. */
static const char *quote(const char *s, char buf[QUOTE_MAX + 4])
{
	size_t i;

	for (i = 0; i < QUOTE_MAX && s[i] != '\0'; i++)
		buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	if (s[i] != '\0') {
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	buf[i] = '\0';
	return buf;
}

/* ---- signature ---- */

int onshi_manifest_verify_sig(const char *trust_key_pem_path,
			      const void *manifest, size_t len, const void *sig,
			      size_t siglen, char *msg, size_t msglen)
{
	if (len == 0) {
		onshi_set_msg(msg, msglen,
			      "the manifest is empty (0 bytes): nothing to verify");
		return ONSHI_EINVAL;
	}
	if (len > ONSHI_MANIFEST_MAX_BYTES) {
		onshi_set_msg(msg, msglen,
			      "the manifest is %zu bytes, over the limit of %d",
			      len, ONSHI_MANIFEST_MAX_BYTES);
		return ONSHI_ETOOBIG;
	}
	return onshi_ed25519_verify(trust_key_pem_path, manifest, len, sig,
				    siglen, "the manifest", msg, msglen);
}

/* ---- parsing ---- */

/* What the tree walk carries. */
struct walk {
	xmlDocPtr doc;
	struct onshi_manifest *out;
	int seen_serial, seen_code, seen_not_after;
	char *msg;
	size_t msglen;
};

static const char *node_name(const xmlNode *n)
{
	return (const char *)n->name;
}

static int is_blank(const xmlChar *s)
{
	if (s == NULL)
		return 1;
	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
			return 0;
	return 1;
}

/* No namespaces anywhere: <m:Serial> or xmlns= is not our format. */
static int refuse_namespace(struct walk *w, const xmlNode *n)
{
	char q[QUOTE_MAX + 4];

	if (n->ns == NULL && n->nsDef == NULL)
		return ONSHI_OK;
	onshi_set_msg(w->msg, w->msglen,
		      "<%s> at line %ld uses an XML namespace: the "
		      "manifest has none",
		      quote(node_name(n), q), xmlGetLineNo(n));
	return ONSHI_EINVAL;
}

/* Comments are allowed anywhere; other non-element nodes are refused. */
static int check_other_node(struct walk *w, const xmlNode *parent, const xmlNode *n)
{
	char q[QUOTE_MAX + 4];

	switch (n->type) {
	case XML_COMMENT_NODE: return ONSHI_OK;
	case XML_TEXT_NODE:
	case XML_CDATA_SECTION_NODE:
		if (is_blank(n->content))
			return ONSHI_OK;
		onshi_set_msg(w->msg, w->msglen,
			      "text '%s' inside <%s> at line %ld: only "
			      "elements belong there",
			      quote((const char *)n->content, q),
			      node_name(parent), xmlGetLineNo(n));
		return ONSHI_EINVAL;
	case XML_PI_NODE:
		onshi_set_msg(w->msg, w->msglen,
			      "processing instruction <?%s?> at line %ld "
			      "is not allowed in a manifest",
			      quote(node_name(n), q), xmlGetLineNo(n));
		return ONSHI_EINVAL;
	default:
		onshi_set_msg(w->msg, w->msglen,
			      "unexpected XML node (type %d) inside <%s> "
			      "at line %ld",
			      (int)n->type, node_name(parent), xmlGetLineNo(n));
		return ONSHI_EINVAL;
	}
}

/* The text of a leaf element into buf; refuses children and attributes. */
static int leaf_text(struct walk *w, const xmlNode *el, char *buf, size_t buflen)
{
	char q[QUOTE_MAX + 4];
	size_t used = 0, n;
	const xmlNode *c;

	if (el->properties != NULL) {
		onshi_set_msg(w->msg, w->msglen,
			      "unknown attribute %s on <%s> at line %ld",
			      quote((const char *)el->properties->name, q),
			      node_name(el), xmlGetLineNo(el));
		return ONSHI_EINVAL;
	}
	for (c = el->children; c != NULL; c = c->next) {
		if (c->type == XML_ELEMENT_NODE) {
			onshi_set_msg(w->msg, w->msglen,
				      "unknown element <%s> inside <%s> at "
				      "line %ld",
				      quote(node_name(c), q), node_name(el),
				      xmlGetLineNo(c));
			return ONSHI_EINVAL;
		}
		if (c->type != XML_TEXT_NODE && c->type != XML_CDATA_SECTION_NODE) {
			onshi_set_msg(w->msg, w->msglen,
				      "<%s> at line %ld must hold only text",
				      node_name(el), xmlGetLineNo(el));
			return ONSHI_EINVAL;
		}
		if (c->content == NULL)
			continue;
		n = strlen((const char *)c->content);
		if (n >= buflen - used) {
			onshi_set_msg(w->msg, w->msglen,
				      "<%s> at line %ld is longer than %zu "
				      "characters",
				      node_name(el), xmlGetLineNo(el), buflen - 1);
			return ONSHI_EINVAL;
		}
		memcpy(buf + used, c->content, n);
		used += n;
	}
	buf[used] = '\0';
	if (used == 0) {
		onshi_set_msg(w->msg, w->msglen, "<%s> at line %ld is empty",
			      node_name(el), xmlGetLineNo(el));
		return ONSHI_EINVAL;
	}
	return ONSHI_OK;
}

static int parse_serial(struct walk *w, const char *s)
{
	char q[QUOTE_MAX + 4];
	uint64_t v = 0;
	size_t i, n = strlen(s);

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9') {
			onshi_set_msg(w->msg, w->msglen,
				      "<Serial> '%s' is not a positive "
				      "decimal integer (digits only: no sign, spaces or other "
				      "characters)",
				      quote(s, q));
			return ONSHI_EINVAL;
		}
	}
	if (s[0] == '0') {
		onshi_set_msg(w->msg, w->msglen,
			      "<Serial> '%s' must be a positive integer "
			      "without leading zeros",
			      quote(s, q));
		return ONSHI_EINVAL;
	}
	for (i = 0; i < n; i++) {
		unsigned d = (unsigned)(s[i] - '0');

		/* Digit count alone does not bound it: 19 digits can exceed 2^63-1. */
		if (i >= MANIFEST_SERIAL_DIGITS_MAX ||
		    v > (ONSHI_MANIFEST_SERIAL_MAX - d) / 10) {
			onshi_set_msg(w->msg, w->msglen,
				      "<Serial> %s is larger than the "
				      "maximum %" PRIu64,
				      quote(s, q), ONSHI_MANIFEST_SERIAL_MAX);
			return ONSHI_EINVAL;
		}
		v = v * 10 + d;
	}
	w->out->serial = v;
	return ONSHI_OK;
}

static int parse_code(struct walk *w, const char *s)
{
	char q[QUOTE_MAX + 4];
	size_t i;

	for (i = 0; s[i] >= '0' && s[i] <= '9'; i++)
		;
	if (i != 10 || s[i] != '\0') {
		onshi_set_msg(w->msg, w->msglen,
			      "<MedicalInstitutionCode> '%s' is not "
			      "10 digits",
			      quote(s, q));
		return ONSHI_EINVAL;
	}
	memcpy(w->out->institution_code, s, 11);
	return ONSHI_OK;
}

/* n decimal digits at s, or -1. */
static int digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int days_in_month(int year, int month)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30,
				      31, 31, 30, 31, 30, 31 };
	int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return month == 2 && leap ? 29 : days[month - 1];
}

static int parse_not_after(struct walk *w, const char *s)
{
	char q[QUOTE_MAX + 4];
	struct tm tm;
	int year, mon, day, hour, min, sec;
	time_t t;

	if (strlen(s) != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
	    s[13] != ':' || s[16] != ':' || s[19] != 'Z')
		goto bad_form;
	year = digits(s, 4);
	mon = digits(s + 5, 2);
	day = digits(s + 8, 2);
	hour = digits(s + 11, 2);
	min = digits(s + 14, 2);
	sec = digits(s + 17, 2);
	if (year < 0 || mon < 0 || day < 0 || hour < 0 || min < 0 || sec < 0)
		goto bad_form;
	/* No leap seconds: timegm would silently roll :60 into the next minute. */
	if (year < 1970 || mon < 1 || mon > 12 || day < 1 ||
	    day > days_in_month(year, mon) || hour > 23 || min > 59 || sec > 59) {
		onshi_set_msg(w->msg, w->msglen,
			      "<NotAfter> %s is not a real date and time",
			      quote(s, q));
		return ONSHI_EINVAL;
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;
	t = timegm(&tm);
	if (t == (time_t)-1) {
		onshi_set_msg(w->msg, w->msglen,
			      "<NotAfter> %s cannot be represented here",
			      quote(s, q));
		return ONSHI_EINVAL;
	}
	w->out->not_after = t;
	memcpy(w->out->not_after_text, s, 21);
	return ONSHI_OK;
bad_form:
	onshi_set_msg(w->msg, w->msglen,
		      "<NotAfter> '%s' is not of the form "
		      "YYYY-MM-DDTHH:MM:SSZ (UTC, e.g. 2026-12-31T00:00:00Z)",
		      quote(s, q));
	return ONSHI_EINVAL;
}

/* reader:NAME or rececon:NAME, NAME of [A-Za-z0-9._-] led by alnum. */
static int valid_module_name(const char *s)
{
	const char *p;
	size_t n;

	if (strncmp(s, "reader:", 7) == 0)
		p = s + 7;
	else if (strncmp(s, "rececon:", 8) == 0)
		p = s + 8;
	else
		return 0;
	n = strlen(p);
	if (n == 0 || strlen(s) > ONSHI_MANIFEST_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9');

		if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
			return 0;
	}
	return 1;
}

/* The value of attribute a of el into buf; refuses namespaced ones. */
static int attr_value(struct walk *w, const xmlNode *el, const xmlAttr *a,
		      char *buf, size_t buflen)
{
	char q[QUOTE_MAX + 4];
	xmlChar *v;
	size_t n;

	if (a->ns != NULL) {
		onshi_set_msg(w->msg, w->msglen,
			      "attribute %s on <%s> at line %ld uses an "
			      "XML namespace: the manifest has none",
			      quote((const char *)a->name, q), node_name(el),
			      xmlGetLineNo(el));
		return ONSHI_EINVAL;
	}
	v = xmlNodeListGetString(w->doc, a->children, 1);
	if (v == NULL) {
		buf[0] = '\0';
		return ONSHI_OK;
	}
	n = strlen((const char *)v);
	if (n >= buflen) {
		onshi_set_msg(w->msg, w->msglen,
			      "attribute %s on <%s> at line %ld is "
			      "longer than %zu characters",
			      (const char *)a->name, node_name(el),
			      xmlGetLineNo(el), buflen - 1);
		xmlFree(v);
		return ONSHI_EINVAL;
	}
	memcpy(buf, v, n + 1);
	xmlFree(v);
	return ONSHI_OK;
}

/* <Module name= state=/> or <Reload module=/>: one entry. */
static int parse_entry(struct walk *w, const xmlNode *el, int is_reload)
{
	const char *name_attr = is_reload ? "module" : "name";
	char name[ONSHI_MANIFEST_NAME_MAX + 1] = "", state[16] = "";
	char q[QUOTE_MAX + 4];
	struct onshi_manifest_entry *e;
	int have_name = 0, have_state = 0, rc;
	const xmlNode *c;

	if (w->out->n_entries >= ONSHI_MANIFEST_MAX_ENTRIES) {
		onshi_set_msg(w->msg, w->msglen,
			      "the manifest has more than %d "
			      "<Module>/<Reload> entries",
			      ONSHI_MANIFEST_MAX_ENTRIES);
		return ONSHI_ETOOBIG;
	}
	for (const xmlAttr *a = el->properties; a != NULL; a = a->next) {
		const char *an = (const char *)a->name;

		if (strcmp(an, name_attr) == 0) {
			rc = attr_value(w, el, a, name, sizeof(name));
			have_name = 1;
		} else if (!is_reload && strcmp(an, "state") == 0) {
			rc = attr_value(w, el, a, state, sizeof(state));
			have_state = 1;
		} else {
			onshi_set_msg(w->msg, w->msglen,
				      "unknown attribute %s on <%s> at line %ld",
				      quote(an, q), node_name(el),
				      xmlGetLineNo(el));
			return ONSHI_EINVAL;
		}
		if (rc != ONSHI_OK)
			return rc;
	}
	for (c = el->children; c != NULL; c = c->next) {
		if (c->type == XML_ELEMENT_NODE) {
			onshi_set_msg(w->msg, w->msglen,
				      "unknown element <%s> inside <%s> at "
				      "line %ld",
				      quote(node_name(c), q), node_name(el),
				      xmlGetLineNo(c));
			return ONSHI_EINVAL;
		}
		rc = check_other_node(w, el, c);
		if (rc != ONSHI_OK)
			return rc;
	}
	if (!have_name) {
		onshi_set_msg(w->msg, w->msglen,
			      "<%s> at line %ld has no %s attribute",
			      node_name(el), xmlGetLineNo(el), name_attr);
		return ONSHI_EINVAL;
	}
	if (!valid_module_name(name)) {
		onshi_set_msg(w->msg, w->msglen,
			      "<%s %s=\"%s\"> at line %ld: a module name "
			      "is reader:NAME or rececon:NAME, NAME of letters, digits, '.', "
			      "'_' and '-' (up to %d characters in all)",
			      node_name(el), name_attr, quote(name, q),
			      xmlGetLineNo(el), ONSHI_MANIFEST_NAME_MAX);
		return ONSHI_EINVAL;
	}
	for (size_t i = 0; i < w->out->n_entries; i++) {
		if (strcmp(w->out->entries[i].module, name) == 0) {
			onshi_set_msg(w->msg, w->msglen,
				      "module %s is named twice (again at "
				      "line %ld): one instruction per module",
				      name, xmlGetLineNo(el));
			return ONSHI_EINVAL;
		}
	}
	e = &w->out->entries[w->out->n_entries];
	if (is_reload) {
		e->action = ONSHI_MANIFEST_RELOAD;
	} else if (!have_state) {
		onshi_set_msg(w->msg, w->msglen,
			      "<Module name=\"%s\"> at line %ld has no "
			      "state attribute (enabled or disabled)",
			      name, xmlGetLineNo(el));
		return ONSHI_EINVAL;
	} else if (strcmp(state, "enabled") == 0) {
		e->action = ONSHI_MANIFEST_ENABLE;
	} else if (strcmp(state, "disabled") == 0) {
		e->action = ONSHI_MANIFEST_DISABLE;
	} else {
		onshi_set_msg(w->msg, w->msglen,
			      "<Module name=\"%s\"> at line %ld: state "
			      "'%s' is neither enabled nor disabled",
			      name, xmlGetLineNo(el), quote(state, q));
		return ONSHI_EINVAL;
	}
	memcpy(e->module, name, strlen(name) + 1);
	w->out->n_entries++;
	return ONSHI_OK;
}

/* A <Serial>, <MedicalInstitutionCode> or <NotAfter>, each once. */
static int parse_field(struct walk *w, const xmlNode *el, int *seen,
		       int (*parse)(struct walk *, const char *))
{
	char text[64];
	int rc;

	if (*seen) {
		onshi_set_msg(w->msg, w->msglen,
			      "<%s> appears twice (again at line %ld)",
			      node_name(el), xmlGetLineNo(el));
		return ONSHI_EINVAL;
	}
	*seen = 1;
	rc = leaf_text(w, el, text, sizeof(text));
	if (rc != ONSHI_OK)
		return rc;
	return parse(w, text);
}

static int walk_root(struct walk *w, const xmlNode *root)
{
	char q[QUOTE_MAX + 4];
	const xmlNode *c;
	int rc;

	if (strcmp(node_name(root), "MaintenanceManifest") != 0) {
		onshi_set_msg(w->msg, w->msglen,
			      "the root element is <%s>, not "
			      "<MaintenanceManifest>",
			      quote(node_name(root), q));
		return ONSHI_EPROTO;
	}
	rc = refuse_namespace(w, root);
	if (rc != ONSHI_OK)
		return rc;
	if (root->properties != NULL) {
		onshi_set_msg(w->msg, w->msglen,
			      "unknown attribute %s on <MaintenanceManifest>",
			      quote((const char *)root->properties->name, q));
		return ONSHI_EINVAL;
	}
	for (c = root->children; c != NULL; c = c->next) {
		const char *n = node_name(c);

		if (c->type != XML_ELEMENT_NODE) {
			rc = check_other_node(w, root, c);
		} else if ((rc = refuse_namespace(w, c)) != ONSHI_OK) {
			;
		} else if (strcmp(n, "Serial") == 0) {
			rc = parse_field(w, c, &w->seen_serial, parse_serial);
		} else if (strcmp(n, "MedicalInstitutionCode") == 0) {
			rc = parse_field(w, c, &w->seen_code, parse_code);
		} else if (strcmp(n, "NotAfter") == 0) {
			rc = parse_field(w, c, &w->seen_not_after, parse_not_after);
		} else if (strcmp(n, "Module") == 0) {
			rc = parse_entry(w, c, 0);
		} else if (strcmp(n, "Reload") == 0) {
			rc = parse_entry(w, c, 1);
		} else {
			onshi_set_msg(w->msg, w->msglen,
				      "unknown element <%s> at line %ld: "
				      "a manifest holds only Serial, MedicalInstitutionCode, "
				      "NotAfter, Module and Reload",
				      quote(n, q), xmlGetLineNo(c));
			rc = ONSHI_EINVAL;
		}
		if (rc != ONSHI_OK)
			return rc;
	}
	if (!w->seen_serial || !w->seen_code || !w->seen_not_after) {
		onshi_set_msg(w->msg, w->msglen, "the manifest has no <%s>",
			      !w->seen_serial ? "Serial"
			      : !w->seen_code ? "MedicalInstitutionCode"
					      : "NotAfter");
		return ONSHI_EINVAL;
	}
	return ONSHI_OK;
}

/* What the manifest says when the hardened reader refuses it. */
static const struct onshi_xml_read_texts manifest_xml_texts = {
	.nomem = "out of memory parsing the manifest",
	.doctype = "the manifest has a DOCTYPE: DTDs and entity declarations "
		   "are refused",
	.syntax = "the manifest is not well-formed XML",
};

int onshi_manifest_parse(const void *bytes, size_t len,
			 struct onshi_manifest *out, char *msg, size_t msglen)
{
	struct walk w = { .out = out, .msg = msg, .msglen = msglen };
	xmlDocPtr doc = NULL;
	const xmlNode *c;
	int rc;

	if (out == NULL || (bytes == NULL && len > 0)) {
		onshi_set_msg(msg, msglen, "manifest parse called without a buffer");
		return ONSHI_EINVAL;
	}
	memset(out, 0, sizeof(*out));
	if (len == 0) {
		onshi_set_msg(msg, msglen, "the manifest is empty (0 bytes)");
		return ONSHI_EPROTO;
	}
	if (len > ONSHI_MANIFEST_MAX_BYTES) {
		onshi_set_msg(msg, msglen,
			      "the manifest is %zu bytes, over the limit of %d",
			      len, ONSHI_MANIFEST_MAX_BYTES);
		return ONSHI_ETOOBIG;
	}
	doc = onshi_xml_read_hardened(bytes, len, "manifest.xml",
				      &manifest_xml_texts, &rc, msg, msglen);
	if (doc == NULL)
		goto done;
	for (c = doc->children; c != NULL; c = c->next) {
		if (c->type == XML_PI_NODE) {
			char q[QUOTE_MAX + 4];

			onshi_set_msg(msg, msglen,
				      "processing instruction <?%s?> is not "
				      "allowed in a manifest",
				      quote(node_name(c), q));
			rc = ONSHI_EINVAL;
			goto done;
		}
	}
	w.doc = doc;
	rc = walk_root(&w, xmlDocGetRootElement(doc));
	if (rc == ONSHI_OK)
		manifest_clear_msg(msg, msglen);
done:
	if (rc != ONSHI_OK)
		memset(out, 0, sizeof(*out));
	if (doc != NULL)
		xmlFreeDoc(doc);
	return rc;
}
