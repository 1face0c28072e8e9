/* SPDX-License-Identifier: Apache-2.0 */
/*
 * control_reply.h — writing the lines of a control reply, and the
 * configuration look-up every command that names an institution shares.
 *
 * Below the commands and the status model alike: anything that writes
 * "key=value" item lines (control commands, the certificate status line)
 * uses these, and they call nothing above the configuration.
 */
#ifndef ONSHI_CORE_CONTROL_REPLY_H
#define ONSHI_CORE_CONTROL_REPLY_H

#include <stddef.h>

#include "strbuf.h"

struct onshi_core;

/* Append " key=value" (quoted when needed) to an item line. */
void onshi_control_put_kv(struct onshi_strbuf *b, const char *key, const char *value);
void onshi_control_put_kv_long(struct onshi_strbuf *b, const char *key, long value);

/* The code of [institution NAME], or of the only one when name is NULL;
 * NULL with a reason in why. */
const char *onshi_control_institution_code(struct onshi_core *core, const char *name,
					   char *why, size_t whylen);

/*
 * A word the client sent, fit to quote back in a one-line reply: at most
 * 32 bytes of it, every byte but printable ASCII shown as '?', "..." when
 * cut. Returns out. (A reply goes to an operator's terminal: an escape
 * sequence or a CR sent in a word must not come back as one.)
 */
#define ONSHI_CONTROL_QUOTE_MAX 36
const char *onshi_control_quote(const char *word, char out[ONSHI_CONTROL_QUOTE_MAX]);

#endif
