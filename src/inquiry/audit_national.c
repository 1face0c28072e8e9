/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit_national.c — one audit record per national-service outcome: which
 * request, answered / refused / unavailable, the HTTP status and the
 * answer's codes only (audit_national.h; the record format is audit.c's).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "audit_national.h"
#include "core.h"
#include "national.h"

/*
 * The short text of the first <name> element, found by a plain scan (the
 * answer was or will be parsed properly elsewhere; this only picks a code
 * for the record, and put_value() escapes whatever it is).
 */
static void tag_text(const char *body, size_t len, const char *name, char *out,
		     size_t outlen)
{
	char open[64];
	const char *p, *end = body + len;
	size_t n = 0;

	out[0] = '\0';
	snprintf(open, sizeof(open), "<%s>", name);
	p = memmem(body, len, open, strlen(open));
	if (!p)
		return;
	for (p += strlen(open); p < end && *p != '<' && n + 1 < outlen; p++)
		if (*p != ' ' && *p != '\n' && *p != '\r' && *p != '\t')
			out[n++] = *p;
	out[n] = '\0';
}

void onshi_audit_national(struct onshi_core *core, const char *module,
			  const char *id, int outcome, long status,
			  const char *body, size_t len)
{
	char http[24], validity[16] = "", code[32] = "";
	const char *what = outcome == ONSHI_NATIONAL_ANSWER    ? "answer"
			   : outcome == ONSHI_NATIONAL_REFUSED ? "refused"
							       : "unavailable";

	if (!core || !core->audit)
		return;
	snprintf(http, sizeof(http), "%ld", status);
	/* Codes only: the answer's names and numbers stay out. */
	if (outcome == ONSHI_NATIONAL_ANSWER && body && len) {
		tag_text(body, len, "QualificationValidity", validity,
			 sizeof(validity));
		tag_text(body, len, "ProcessingResultCode", code, sizeof(code));
	} else if (outcome == ONSHI_NATIONAL_REFUSED && body && len) {
		tag_text(body, len, "ErrorCode", code, sizeof(code));
	}
	onshi_audit(core, "national", "module", module, "id", id, "outcome",
		    what, "http", status ? http : NULL, "validity", validity,
		    "code", code, (char *)NULL);
}
