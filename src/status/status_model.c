/* SPDX-License-Identifier: Apache-2.0 */
/*
 * status_model.c — the status model: the providers' registry, the lines
 * they build, and the lines as STATUS text.
 *
 * The XML document, the HTML page and the desk banner render the same
 * snapshot (status_xml.c, status_html.c, status_desk.c), so they can never
 * say something `onshictl status` does not.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <onshi/error.h>

#include "status_model.h"

int onshi_status_register(struct onshi_status_registry *r, const char *name,
			  onshi_status_provider_fn fn, void *ctx)
{
	struct onshi_status_provider *p = realloc(r->p, (r->n + 1) * sizeof(*p));

	if (!p)
		return ONSHI_ENOMEM;
	r->p = p;
	p[r->n].name = name;
	p[r->n].fn = fn;
	p[r->n].ctx = ctx;
	r->n++;
	return ONSHI_OK;
}

void onshi_status_registry_free(struct onshi_status_registry *r)
{
	free(r->p);
	r->p = NULL;
	r->n = 0;
}

int onshi_status_collect(const struct onshi_status_registry *r,
			 struct onshi_status_snapshot *s)
{
	memset(s, 0, sizeof(*s));
	s->taken = time(NULL);
	for (size_t i = 0; r && i < r->n; i++)
		r->p[i].fn(s, r->p[i].ctx);
	return s->failed ? -1 : 0;
}

void onshi_status_snapshot_free(struct onshi_status_snapshot *s)
{
	for (size_t i = 0; i < s->nlines; i++) {
		struct onshi_status_line *l = &s->lines[i];

		for (int j = 0; j < l->n; j++) {
			free(l->f[j].key);
			free(l->f[j].value);
		}
		free(l->f);
	}
	free(s->lines);
	memset(s, 0, sizeof(*s));
}

/* Add key=value to line l (copies both). */
static void add_field(struct onshi_status_snapshot *s, struct onshi_status_line *l,
		      const char *key, const char *value)
{
	char *k, *v;

	if (l->n == l->cap) {
		int ncap = l->cap ? l->cap * 2 : 8;
		struct onshi_kv *f = realloc(l->f, (size_t)ncap * sizeof(*f));

		if (!f) {
			s->failed = 1;
			return;
		}
		l->f = f;
		l->cap = ncap;
	}
	k = strdup(key);
	v = strdup(value ? value : "");
	if (!k || !v) {
		free(k);
		free(v);
		s->failed = 1;
		return;
	}
	l->f[l->n].key = k;
	l->f[l->n].value = v;
	l->n++;
	l->kind = l->f[0].key;
}

void onshi_status_line_begin(struct onshi_status_snapshot *s, const char *kind,
			     const char *value)
{
	struct onshi_status_line *l;

	if (s->nlines == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 16;
		struct onshi_status_line *m = realloc(s->lines, ncap * sizeof(*m));

		if (!m) {
			s->failed = 1;
			return;
		}
		s->lines = m;
		s->cap = ncap;
	}
	l = &s->lines[s->nlines];
	memset(l, 0, sizeof(*l));
	add_field(s, l, kind, value);
	/* A line without its kind cannot be rendered: leave it out. */
	if (l->n == 1)
		s->nlines++;
	else
		free(l->f);
}

void onshi_status_put(struct onshi_status_snapshot *s, const char *key,
		      const char *value)
{
	if (!s->nlines) {
		s->failed = 1; /* a provider's mistake: no line to add to */
		return;
	}
	add_field(s, &s->lines[s->nlines - 1], key, value);
}

void onshi_status_put_long(struct onshi_status_snapshot *s, const char *key, long value)
{
	char num[32];

	snprintf(num, sizeof(num), "%ld", value);
	onshi_status_put(s, key, num);
}

const struct onshi_status_line *onshi_status_snapshot_find(const struct onshi_status_snapshot *s,
							   const char *kind)
{
	for (size_t i = 0; i < s->nlines; i++)
		if (strcmp(s->lines[i].kind, kind) == 0)
			return &s->lines[i];
	return NULL;
}

void onshi_status_text(const struct onshi_status_snapshot *s, struct onshi_strbuf *out)
{
	for (size_t i = 0; i < s->nlines; i++) {
		const struct onshi_status_line *l = &s->lines[i];

		for (int j = 0; j < l->n; j++)
			onshi_kv_put(out, l->f[j].key, l->f[j].value);
		onshi_strbuf_append(out, "\n", 1);
	}
}
