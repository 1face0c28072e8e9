/* SPDX-License-Identifier: Apache-2.0 */
/*
 * status_kv.c — reading back the control protocol's key=value lines.
 *
 * The writer is onshi_control_put_kv (control_cmds.c): values with spaces,
 * '"', '\' or '=' are in double quotes with '"' and '\' escaped by '\'.
 * onshictl and the daemon's own XML/HTML renderings share this reader.
 */
#include "config.h"

#include <string.h>

#include "status_kv.h"

int onshi_kv_parse(char *line, struct onshi_kv *f, int max)
{
	int n = 0;
	char *p = line;

	while (*p && n < max) {
		char *key, *out;

		while (*p == ' ')
			p++;
		if (!*p)
			break;
		key = p;
		while (*p && *p != '=' && *p != ' ')
			p++;
		if (*p != '=')
			return -1;
		*p++ = '\0';
		f[n].key = key;
		f[n].value = out = p;
		if (*p == '"') {
			p++;
			while (*p && *p != '"') {
				if (*p == '\\' && p[1])
					p++;
				*out++ = *p++;
			}
			if (*p != '"')
				return -1;
			p++;
		} else {
			while (*p && *p != ' ')
				*out++ = *p++;
		}
		if (*p)
			p++;
		*out = '\0';
		n++;
	}
	return n;
}

const char *onshi_kv_get(const struct onshi_kv *f, int n, const char *key)
{
	for (int i = 0; i < n; i++)
		if (strcmp(f[i].key, key) == 0)
			return f[i].value;
	return NULL;
}
