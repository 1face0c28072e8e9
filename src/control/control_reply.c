/* SPDX-License-Identifier: Apache-2.0 */
/*
 * control_reply.c — "key=value" item lines for control replies, and the
 * institution a request names (control_reply.h).
 *
 * Values with spaces are in double quotes, '"' and '\' escaped with '\',
 * so that both people and scripts can read the lines; status_kv.c reads
 * them back for onshictl.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "control_reply.h"
#include "core.h"
#include "status_kv.h"

/* key=value with quoting when needed (status_kv.c writes and reads them). */
void onshi_control_put_kv(struct onshi_strbuf *b, const char *key, const char *value)
{
	onshi_kv_put(b, key, value);
}

void onshi_control_put_kv_long(struct onshi_strbuf *b, const char *key, long value)
{
	char num[32];

	snprintf(num, sizeof(num), "%ld", value);
	onshi_control_put_kv(b, key, num);
}

/* The [institution] to ask for: named, or the only one. */
const char *onshi_control_institution_code(struct onshi_core *core, const char *name,
					   char *why, size_t whylen)
{
	const struct onshi_config *cfg = core->config;
	const struct onshi_conf_section *only = NULL;

	if (name) {
		const struct onshi_conf_section *s =
			onshi_config_section(cfg, "institution", name);

		if (!s)
			snprintf(why, whylen, "no [institution %s]", name);
		return s ? onshi_conf_section_get(s, "code") : NULL;
	}
	for (size_t i = 0; i < cfg->nsections; i++) {
		if (strcmp(cfg->sections[i].type, "institution") != 0)
			continue;
		if (only) {
			snprintf(why, whylen,
				 "several institutions: say which with --institution NAME");
			return NULL;
		}
		only = &cfg->sections[i];
	}
	if (!only)
		snprintf(why, whylen, "no [institution] configured");
	return only ? onshi_conf_section_get(only, "code") : NULL;
}

const char *onshi_control_quote(const char *word, char out[ONSHI_CONTROL_QUOTE_MAX])
{
	size_t i = 0;

	for (; word[i] && i < 32; i++)
		out[i] = word[i] >= 0x20 && word[i] < 0x7f ? word[i] : '?';
	if (word[i] && i == 32)
		memcpy(out + i, "...", 3), i += 3;
	out[i] = '\0';
	return out;
}
