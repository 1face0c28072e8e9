/* SPDX-License-Identifier: Apache-2.0 */
/*
 * status_snapshot.c — the STATUS report, parsed back into lines of fields.
 *
 * The XML document and the HTML page are renderings of this snapshot, so
 * they can never say something `onshictl status` does not.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "status.h"

int onshi_status_snapshot_take(struct onshi_core *core,
			       struct onshi_status_snapshot *s)
{
	char *p, *nl;
	size_t cap = 0;

	memset(s, 0, sizeof(*s));
	s->taken = time(NULL);
	onshi_status_report(core, &s->text);
	if (s->text.failed || !s->text.data)
		return -1;
	/* Skip the "N status" header; each further line is one item. */
	p = strchr(s->text.data, '\n');
	if (!p)
		return -1;
	for (p++; *p; p = nl + 1) {
		struct onshi_status_line *l;

		nl = strchr(p, '\n');
		if (!nl)
			break;
		*nl = '\0';
		if (s->nlines == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct onshi_status_line *m =
				realloc(s->lines, ncap * sizeof(*m));

			if (!m)
				return -1;
			s->lines = m;
			cap = ncap;
		}
		l = &s->lines[s->nlines];
		l->n = onshi_kv_parse(p, l->f, ONSHI_STATUS_MAX_FIELDS);
		if (l->n <= 0)
			continue; /* written by us: cannot happen; skip */
		l->kind = l->f[0].key;
		s->nlines++;
	}
	return 0;
}

void onshi_status_snapshot_free(struct onshi_status_snapshot *s)
{
	free(s->lines);
	onshi_strbuf_free(&s->text);
	memset(s, 0, sizeof(*s));
}

const struct onshi_status_line *
onshi_status_snapshot_find(const struct onshi_status_snapshot *s,
			   const char *kind)
{
	for (size_t i = 0; i < s->nlines; i++)
		if (strcmp(s->lines[i].kind, kind) == 0)
			return &s->lines[i];
	return NULL;
}

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
