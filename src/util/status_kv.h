/* SPDX-License-Identifier: Apache-2.0 */
/*
 * status_kv.h — the control protocol's key=value lines: writing them
 * (the daemon) and reading them back (onshictl).
 */
#ifndef ONSHI_CORE_STATUS_KV_H
#define ONSHI_CORE_STATUS_KV_H

#include "strbuf.h"

struct onshi_kv {
	char *key;
	char *value;
};

/* Append key=value, after a space unless b is empty or at a line's
 * start; the value in double quotes (with '"' and '\' escaped by '\', CR
 * and LF as spaces) when it is empty or holds a space, tab, '"', '\' or
 * '='. */
void onshi_kv_put(struct onshi_strbuf *b, const char *key, const char *value);
/* Split `k=v k2="v w"` in place; returns the number of fields or -1. */
int onshi_kv_parse(char *line, struct onshi_kv *f, int max);
/* The value of key, or NULL. */
const char *onshi_kv_get(const struct onshi_kv *f, int n, const char *key);

#endif
