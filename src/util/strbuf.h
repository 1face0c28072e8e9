/* SPDX-License-Identifier: Apache-2.0 */
/*
 * strbuf.h — a growable string for building replies and reports.
 *
 * Allocation failure is sticky: once a call fails, `failed` stays set and
 * later appends do nothing, so callers check once at the end.
 */
#ifndef ONSHI_CORE_STRBUF_H
#define ONSHI_CORE_STRBUF_H

#include <stddef.h>

#include <onshi/host.h>

struct onshi_strbuf {
	char *data; /* always NUL-terminated once anything was appended */
	size_t len;
	size_t cap;
	int failed;
};

void onshi_strbuf_append(struct onshi_strbuf *b, const char *s, size_t n);
void onshi_strbuf_printf(struct onshi_strbuf *b, const char *fmt, ...)
	ONSHI_PRINTF(2, 3);
/* Drop the first n bytes (after they were written out). */
void onshi_strbuf_consume(struct onshi_strbuf *b, size_t n);
void onshi_strbuf_free(struct onshi_strbuf *b);

#endif
