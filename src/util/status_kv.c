/* SPDX-License-Identifier: Apache-2.0 */
/*
 * status_kv.c — the control protocol's key=value lines, written by the
 * daemon (the status model's text, onshi_control_put_kv) and read back by
 * onshictl: values with spaces, '"', '\' or '=' are in double quotes with
 * '"' and '\' escaped by '\'.
 */
#include "config.h"

#include <string.h>

#include "status_kv.h"

void onshi_kv_put(struct onshi_strbuf *b, const char *key, const char *value)
{
	int quote = !value[0] || strpbrk(value, " \t\"\\=") != NULL;

	onshi_strbuf_printf(b, "%s%s=",
			    b->len && b->data[b->len - 1] != '\n' ? " " : "", key);
	if (!quote) {
		onshi_strbuf_append(b, value, strlen(value));
		return;
	}
	onshi_strbuf_append(b, "\"", 1);
	for (const char *p = value; *p; p++) {
		if (*p == '"' || *p == '\\')
			onshi_strbuf_append(b, "\\", 1);
		if (*p == '\n' || *p == '\r')
			onshi_strbuf_append(b, " ", 1); /* one line per item */
		else
			onshi_strbuf_append(b, p, 1);
	}
	onshi_strbuf_append(b, "\"", 1);
}

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
