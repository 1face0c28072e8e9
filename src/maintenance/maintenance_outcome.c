/* SPDX-License-Identifier: Apache-2.0 */
/*
 * maintenance_outcome.c — how the last poll ended and why (audited when it
 * changes, logged as loud as it is new), the last errors kept for the next
 * report, and the getters `onshictl status` and the report read them by.
 *
 * Apart because the poll, the apply step and the report all write it.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "core.h"
#include "maintenance.h"
#include "maintenance_internal.h"

void maint_note_error(struct onshi_maintenance *m, const char *source,
		      const char *text)
{
	struct last_error *e = &m->errors[m->errnext];

	e->at = time(NULL);
	snprintf(e->source, sizeof(e->source), "%s", source);
	snprintf(e->text, sizeof(e->text), "%s", text);
	m->errnext = (m->errnext + 1) % MAX_ERRORS;
	if (m->nerrors < MAX_ERRORS)
		m->nerrors++;
}

void maint_set_outcome(struct onshi_maintenance *m, enum onshi_maint_outcome o,
		       const char *fmt, ...)
{
	int same = m->outcome == o;
	char old[REASON_LEN];
	va_list ap;

	snprintf(old, sizeof(old), "%s", m->reason);
	va_start(ap, fmt);
	vsnprintf(m->reason, sizeof(m->reason), fmt, ap);
	va_end(ap);
	m->outcome = o;
	m->last_poll_at = time(NULL);
	same = same && strcmp(old, m->reason) == 0;
	if (!same)
		onshi_audit(m->core, "manifest", "outcome",
			    onshi_maint_outcome_name(o), "reason", m->reason,
			    (char *)NULL);
	if (o == ONSHI_MAINT_APPLIED) {
		onshi_logf(&m->core->log, ONSHI_LOG_NOTICE, "maintenance: %s",
			   m->reason);
		return;
	}
	/* Nothing new to apply is the usual poll: said once, not an error. */
	if (o == ONSHI_MAINT_UNCHANGED || o == ONSHI_MAINT_UNPUBLISHED) {
		onshi_logf(&m->core->log, same ? ONSHI_LOG_DEBUG : ONSHI_LOG_INFO,
			   "maintenance: %s", m->reason);
		return;
	}
	/* The same refusal every poll_s is news only the first time. */
	onshi_logf(&m->core->log, same ? ONSHI_LOG_INFO : ONSHI_LOG_WARNING,
		   "maintenance: %s", m->reason);
	maint_note_error(m, "maintenance", m->reason);
}

/* ---- status ---- */

const char *onshi_maintenance_url(const struct onshi_maintenance *m)
{
	return m ? m->manifest_url : "";
}

time_t onshi_maintenance_last_poll(const struct onshi_maintenance *m)
{
	return m ? m->last_poll_at : 0;
}

uint64_t onshi_maintenance_serial(const struct onshi_maintenance *m)
{
	return m ? m->serial : 0;
}

enum onshi_maint_outcome onshi_maintenance_outcome(const struct onshi_maintenance *m,
						   const char **reason)
{
	*reason = m && m->outcome != ONSHI_MAINT_NONE ? m->reason : "";
	return m ? m->outcome : ONSHI_MAINT_NONE;
}

int onshi_maint_outcome_ok(enum onshi_maint_outcome o)
{
	return o == ONSHI_MAINT_APPLIED || o == ONSHI_MAINT_UNCHANGED ||
	       o == ONSHI_MAINT_UNPUBLISHED;
}

const char *onshi_maint_outcome_name(enum onshi_maint_outcome o)
{
	switch (o) {
	case ONSHI_MAINT_APPLIED: return "applied";
	case ONSHI_MAINT_REFUSED: return "refused";
	case ONSHI_MAINT_FETCH_FAILED: return "fetch-failed";
	case ONSHI_MAINT_UNCHANGED: return "unchanged";
	case ONSHI_MAINT_UNPUBLISHED: return "unpublished";
	case ONSHI_MAINT_NONE: break;
	}
	return "none";
}
