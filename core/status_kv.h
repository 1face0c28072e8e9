/* SPDX-License-Identifier: Apache-2.0 */
/*
 * status_kv.h — reading the control protocol's key=value lines back
 * (shared by onshictl and the daemon's status renderings).
 */
#ifndef ONSHI_CORE_STATUS_KV_H
#define ONSHI_CORE_STATUS_KV_H

struct onshi_kv {
	char *key;
	char *value;
};

/* Split `k=v k2="v w"` in place; returns the number of fields or -1. */
int onshi_kv_parse(char *line, struct onshi_kv *f, int max);
/* The value of key, or NULL. */
const char *onshi_kv_get(const struct onshi_kv *f, int n, const char *key);

#endif
