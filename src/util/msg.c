/* SPDX-License-Identifier: Apache-2.0 */
/*
 * msg.c — filling a caller's error-message buffer (src/util/msg.h).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "msg.h"

void onshi_set_msg(char *msg, size_t msglen, const char *fmt, ...)
{
	va_list ap;

	if (msg == NULL || msglen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, msglen, fmt, ap);
	va_end(ap);
}
