/* SPDX-License-Identifier: Apache-2.0 */
/*
 * national_link.c — the national link's state as the last call or idle
 * probe found it (national.h): ok, maintenance, degraded or down, since
 * when and why, and the one-line state and counts status shows. Apart from
 * national.c because it is what an operator reads, not how bytes move:
 * a link down for an hour is one log line here, whatever the calls retry.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "log.h"
#include "national_internal.h"

void national_set_state(struct onshi_national *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(n->state, sizeof(n->state), fmt, ap);
	va_end(ap);
}

static int link_bad(enum onshi_national_link l)
{
	return l >= ONSHI_NATIONAL_LINK_MAINTENANCE;
}

/*
 * What the last transfer showed. Only a change between usable and not
 * usable is logged: a link down for an hour is one line, not one per
 * retry or probe.
 */
void national_link_note(struct onshi_national *n, enum onshi_national_link l,
			const char *why)
{
	time_t now = time(NULL);

	if (link_bad(l)) {
		if (!link_bad(n->link)) {
			n->link_since = now;
			onshi_logf(n->log, ONSHI_LOG_WARNING,
				   "national link down: %s", why);
		}
		snprintf(n->link_why, sizeof(n->link_why), "%s", why);
	} else if (link_bad(n->link)) {
		onshi_logf(n->log, ONSHI_LOG_NOTICE,
			   "national link back after %lld s (was: %s)",
			   (long long)(now - n->link_since), n->link_why);
		n->link_since = now;
		n->link_why[0] = '\0';
	} else if (n->link == ONSHI_NATIONAL_LINK_IDLE) {
		n->link_since = now;
	}
	n->link = l;
}

enum onshi_national_link onshi_national_link(const struct onshi_national *n,
					     time_t *since, const char **why)
{
	*since = n ? n->link_since : 0;
	*why = n ? n->link_why : "";
	return n ? n->link : ONSHI_NATIONAL_LINK_IDLE;
}

const char *onshi_national_link_word(enum onshi_national_link l)
{
	switch (l) {
	case ONSHI_NATIONAL_LINK_OK: return "ok";
	case ONSHI_NATIONAL_LINK_MAINTENANCE: return "maintenance";
	case ONSHI_NATIONAL_LINK_DEGRADED: return "degraded";
	case ONSHI_NATIONAL_LINK_DOWN: return "down";
	case ONSHI_NATIONAL_LINK_IDLE: break;
	}
	return "idle";
}

const char *onshi_national_state(const struct onshi_national *n)
{
	return n ? n->state : "not configured (no [national] section)";
}

const char *onshi_national_endpoint(const struct onshi_national *n)
{
	return n ? n->endpoint : "";
}

unsigned onshi_national_pending(const struct onshi_national *n)
{
	return n ? n->pending : 0;
}
