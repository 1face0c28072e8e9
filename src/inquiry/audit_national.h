/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit_national.h — the audit record of the national service's outcome
 * for a spooled request. Apart from audit.h because it reads the national
 * client's outcomes: the audit log itself sits below the inquiry pipeline
 * (modules and the control socket record into it too).
 */
#ifndef ONSHI_CORE_AUDIT_NATIONAL_H
#define ONSHI_CORE_AUDIT_NATIONAL_H

#include <stddef.h>

struct onshi_core;

/*
 * The national service's outcome for a spooled request: answer (with the
 * QualificationValidity or ProcessingResultCode), refused (ErrorCode,
 * HTTP status) or unavailable. outcome is enum onshi_national_outcome.
 */
void onshi_audit_national(struct onshi_core *core, const char *module,
			  const char *id, int outcome, long status,
			  const char *body, size_t len);

#endif
