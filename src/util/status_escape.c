/* SPDX-License-Identifier: Apache-2.0 */
/*
 * status_escape.c — UTF-8 checking and HTML escaping for the status
 * renderings: plugin status texts and configured names are not trusted to
 * be UTF-8, nor HTML-safe.
 */
#include "config.h"

#include <string.h>

#include "status_escape.h"

int onshi_utf8_seq_len(const unsigned char *p)
{
	int n;
	unsigned cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, cp = p[0] & 0x07;
	else
		return 0;
	for (int i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0; /* also stops at the terminating NUL */
		cp = cp << 6 | (p[i] & 0x3f);
	}
	/* Overlong forms, surrogates and beyond U+10FFFF are not UTF-8. */
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

void onshi_html_escape(struct onshi_strbuf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	while (*p) {
		int l = onshi_utf8_seq_len(p);
		const char *rep = NULL;

		if (l == 0) {
			rep = "\xef\xbf\xbd"; /* not UTF-8: U+FFFD */
		} else if (l == 1) {
			switch (*p) {
			case '&': rep = "&amp;"; break;
			case '<': rep = "&lt;"; break;
			case '>': rep = "&gt;"; break;
			case '"': rep = "&quot;"; break;
			case '\'': rep = "&#39;"; break;
			default:
				if (*p < 0x20 || *p == 0x7f)
					rep = " ";
			}
		}
		if (rep) {
			onshi_strbuf_append(b, rep, strlen(rep));
			p++;
		} else {
			onshi_strbuf_append(b, (const char *)p, (size_t)l);
			p += l;
		}
	}
}
