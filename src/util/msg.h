/* SPDX-License-Identifier: Apache-2.0 */
/*
 * msg.h — filling a caller's error-message buffer.
 *
 * Most core functions report failure as an onshi_err plus a sentence in a
 * caller-supplied (msg, msglen) buffer that may be NULL or empty when the
 * caller does not want one. This is the one helper that writes it.
 */
#ifndef ONSHI_CORE_MSG_H
#define ONSHI_CORE_MSG_H

#include <stddef.h>

#include <onshi/host.h>

/* printf into msg, truncated to msglen-1 bytes; nothing when msg is NULL or
 * msglen is 0. */
void onshi_set_msg(char *msg, size_t msglen, const char *fmt, ...)
	ONSHI_PRINTF(3, 4);

#endif
