/* SPDX-License-Identifier: Apache-2.0 */
/*
 * status_escape.h — making untrusted text (plugin status texts, configured
 * names) safe for the status renderings: UTF-8 checking and HTML escaping,
 * shared by the page's two renderers (status_html.c, status_desk.c) and
 * the XML document (status_xml.c).
 */
#ifndef ONSHI_CORE_STATUS_ESCAPE_H
#define ONSHI_CORE_STATUS_ESCAPE_H

#include "strbuf.h"

/* Length of the valid UTF-8 sequence at p (1-4), or 0 when invalid. */
int onshi_utf8_seq_len(const unsigned char *p);
/* Append s with & < > " ' escaped for HTML text and attribute values;
 * bytes that are not UTF-8, and control characters, become U+FFFD / space. */
void onshi_html_escape(struct onshi_strbuf *b, const char *s);

#endif
