/* SPDX-License-Identifier: Apache-2.0 */
/*
 * diag.c — collecting "file:line: reason" problems.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

void onshi_diag_add(struct onshi_diag *d, const char *file, int line,
		    const char *fmt, ...)
{
	char reason[512], *text = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (file && line > 0)
		n = asprintf(&text, "%s:%d: %s", file, line, reason);
	else if (file)
		n = asprintf(&text, "%s: %s", file, reason);
	else
		n = asprintf(&text, "%s", reason);
	if (n < 0)
		return; /* out of memory: the count still says something failed */
	if (d->count == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 8;
		char **lines = realloc(d->lines, cap * sizeof(*lines));

		if (!lines) {
			free(text);
			return;
		}
		d->lines = lines;
		d->cap = cap;
	}
	d->lines[d->count++] = text;
}

void onshi_diag_print(const struct onshi_diag *d, FILE *out)
{
	for (size_t i = 0; i < d->count; i++)
		fprintf(out, "%s\n", d->lines[i]);
}

void onshi_diag_clear(struct onshi_diag *d)
{
	for (size_t i = 0; i < d->count; i++)
		free(d->lines[i]);
	free(d->lines);
	memset(d, 0, sizeof(*d));
}
