/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fake_pipeline.c — the audit log, the loop timer and the certificate
 * startup log faked for the inquiry pipeline's unit tests
 * (fake_pipeline.h).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <onshi/error.h>

#include "audit.h"
#include "cert_status.h"
#include "core.h"
#include "fake_modules.h"
#include "fake_national.h"
#include "fake_pipeline.h"
#include "inquiry.h"
#include "loop.h"

struct fake_pipeline fake_pipeline;

/* The writer handle and the timer: tokens the fakes hand out. */
struct onshi_audit {
	int unused;
};
struct onshi_loop_timer {
	onshi_timer_cb cb;
	void *arg;
};
static struct onshi_audit the_audit;
static struct onshi_loop_timer the_timer;

void fake_pipeline_reset(void)
{
	memset(&fake_pipeline, 0, sizeof(fake_pipeline));
	memset(&the_timer, 0, sizeof(the_timer));
}

int onshi_audit_open(struct onshi_core *core, char *msg, size_t msglen)
{
	core->audit = &the_audit;
	snprintf(msg, msglen, "fake audit log open");
	return ONSHI_OK;
}

void onshi_audit_close(struct onshi_core *core)
{
	core->audit = NULL;
}

/* The fake writer syncs nothing: no commit to join. */
void onshi_audit_set_commit(struct onshi_core *core, struct onshi_group_commit *gc)
{
	(void)core;
	(void)gc;
}

void onshi_audit(struct onshi_core *core, const char *kind, ...)
{
	char *line;
	size_t n;
	va_list ap;
	const char *k, *v;

	if (!core->audit)
		return; /* as audit_core.c: nothing while the log is not open */
	if (fake_pipeline.naudit == FAKE_AUDIT_MAX)
		abort();
	line = fake_pipeline.audit[fake_pipeline.naudit++];
	snprintf(line, 512, "%s", kind);
	va_start(ap, kind);
	while ((k = va_arg(ap, const char *))) {
		v = va_arg(ap, const char *);
		n = strlen(line);
		if (v && *v)
			snprintf(line + n, 512 - n, " %s=%s", k, v);
	}
	va_end(ap);
}

unsigned fake_audited(const char *word, ...)
{
	unsigned hits = 0;

	for (unsigned i = 0; i < fake_pipeline.naudit; i++) {
		const char *w = word;
		int all = 1;
		va_list ap;

		va_start(ap, word);
		for (; w && all; w = va_arg(ap, const char *))
			all = strstr(fake_pipeline.audit[i], w) != NULL;
		va_end(ap);
		hits += all;
	}
	return hits;
}

struct onshi_loop_timer *onshi_loop_timer(struct onshi_loop *loop,
					  const void *owner, uint64_t ms,
					  int repeat, onshi_timer_cb cb, void *arg)
{
	(void)loop;
	(void)owner;
	the_timer.cb = cb;
	the_timer.arg = arg;
	fake_pipeline.timer_set = 1;
	fake_pipeline.timer_ms = ms;
	fake_pipeline.timer_repeat = repeat;
	return &the_timer;
}

void onshi_loop_timer_stop(struct onshi_loop *loop, struct onshi_loop_timer *t)
{
	(void)loop;
	if (t == &the_timer)
		fake_pipeline.timer_set = 0;
}

/* The group commit's wake-ups: its rounds are run by flush and free here
 * (the fake adapters deliver synchronously), so a post is dropped. */
int onshi_loop_post(struct onshi_loop *loop, const void *owner,
		    onshi_post_cb cb, void *arg)
{
	(void)loop;
	(void)owner;
	(void)cb;
	(void)arg;
	return ONSHI_OK;
}

/* No loop waits here: refused, so the group commit wakes its worker at
 * once for each member, as it does off the loop thread. */
int onshi_loop_before_wait(struct onshi_loop *loop, const void *owner,
			   onshi_post_cb cb, void *arg)
{
	(void)loop;
	(void)owner;
	(void)cb;
	(void)arg;
	return ONSHI_ENOMEM;
}

unsigned onshi_loop_forget_owner(struct onshi_loop *loop, const void *owner)
{
	(void)loop;
	(void)owner;
	return 0;
}

void fake_timer_fire(void)
{
	if (!fake_pipeline.timer_set) {
		fprintf(stderr, "fake loop: no timer set\n");
		abort();
	}
	the_timer.cb(the_timer.arg);
}

void onshi_cert_log_startup(struct onshi_core *core)
{
	(void)core;
}

void fake_core_free(struct onshi_core *core)
{
	onshi_inquiry_close(core);
	fake_modules_free(core);
	fake_national_reset();
	onshi_config_free(core->config);
	free(core->settings.spool_dir);
	onshi_log_close(&core->log);
	free(core);
}
