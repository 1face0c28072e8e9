/* SPDX-License-Identifier: Apache-2.0 */
/*
 * control_national.c — the "-1 reason" reply of a command whose call to
 * the national service brought no answer (VERIFY, BATCH; control.h).
 */
#include "config.h"

#include <onshi/message.h>

#include "control.h"

int onshi_control_national_failure(struct onshi_strbuf *reply,
				   enum onshi_national_outcome outcome, long status,
				   const char *body, size_t len, const char *why)
{
	struct onshi_msg err;

	if (outcome == ONSHI_NATIONAL_ANSWER)
		return 0;
	if (outcome == ONSHI_NATIONAL_UNAVAILABLE) {
		onshi_strbuf_printf(reply,
				    "-1 national service unavailable: %s\n", why);
		return 1;
	}
	/* Refusals come with an error document that says why. */
	if (onshi_msg_parse(ONSHI_MSG_ERROR, body, len, NULL, &err, NULL, 0) == ONSHI_OK &&
	    err.u.error.hdr.error_message)
		onshi_strbuf_printf(reply,
				    "-1 refused by the national service (HTTP %ld, %s): %s\n",
				    status,
				    err.u.error.hdr.error_code ? err.u.error.hdr.error_code
							       : "-",
				    err.u.error.hdr.error_message);
	else
		onshi_strbuf_printf(reply, "-1 %s\n", why);
	onshi_msg_clear(&err);
	return 1;
}
