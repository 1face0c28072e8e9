/* SPDX-License-Identifier: Apache-2.0 */
/*
 * control_selftest_result.c — SELFTEST's result lines: each check adds its
 * line and sets its level, detail and advice; the reply is rendered from
 * them in the order they were added. Apart so that the check families
 * (control_selftest_local.c, control_selftest_remote.c) and the command
 * (control_selftest.c) share one way of saying a result.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "control.h"
#include "control_selftest_internal.h"
#include "core.h"

struct result *selftest_result_add(struct selftest *st, const char *name)
{
	struct result *r;

	if (st->nresults == st->cap)
		return NULL; /* sized before any check runs: cannot happen */
	r = &st->results[st->nresults++];
	snprintf(r->name, sizeof(r->name), "%s", name);
	return r;
}

void selftest_result_set(struct result *r, enum level level, const char *advice,
			 const char *fmt, ...)
{
	va_list ap;

	r->level = level;
	va_start(ap, fmt);
	vsnprintf(r->detail, sizeof(r->detail), fmt, ap);
	va_end(ap);
	snprintf(r->advice, sizeof(r->advice), "%s", advice ? advice : "");
}

static const char *level_word(enum level l)
{
	return l == LEVEL_FAIL ? "FAIL" : l == LEVEL_WARN ? "WARN" : "OK";
}

/* The reply: "N selftest WORST" and a line per check. */
void selftest_render(struct selftest *st, struct onshi_strbuf *reply)
{
	unsigned worst = LEVEL_OK;

	for (size_t i = 0; i < st->nresults; i++)
		if (st->results[i].level > worst)
			worst = st->results[i].level;
	onshi_strbuf_printf(reply, "%zu selftest %s\n", st->nresults,
			    level_word((enum level)worst));
	for (size_t i = 0; i < st->nresults; i++) {
		const struct result *r = &st->results[i];

		onshi_control_put_kv(reply, "check", r->name);
		onshi_control_put_kv(reply, "result", level_word(r->level));
		onshi_control_put_kv(reply, "detail", r->detail);
		if (r->level != LEVEL_OK && r->advice[0])
			onshi_control_put_kv(reply, "advice", r->advice);
		onshi_strbuf_append(reply, "\n", 1);
	}
	onshi_logf(&st->core->log,
		   worst == LEVEL_OK ? ONSHI_LOG_INFO : ONSHI_LOG_WARNING,
		   "selftest: %s (%zu checks)", level_word((enum level)worst),
		   st->nresults);
}
