/* SPDX-License-Identifier: Apache-2.0 */
/*
 * diag.h — a list of "file:line: reason" problems.
 *
 * Configuration checks collect every problem they find (not just the first)
 * so that `onshid --check-config` tells the operator everything at once.
 */
#ifndef ONSHI_CORE_DIAG_H
#define ONSHI_CORE_DIAG_H

#include <stddef.h>
#include <stdio.h>

#include <onshi/host.h>

struct onshi_diag {
	char **lines;
	size_t count;
	size_t cap;
};

/* Record "file:line: reason" (line 0: "file: reason"; no file: "reason"). */
void onshi_diag_add(struct onshi_diag *d, const char *file, int line,
		    const char *fmt, ...) ONSHI_PRINTF(4, 5);
void onshi_diag_print(const struct onshi_diag *d, FILE *out);
void onshi_diag_clear(struct onshi_diag *d);

#endif
