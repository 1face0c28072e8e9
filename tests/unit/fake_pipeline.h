/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fake_pipeline.h — fakes of what the inquiry pipeline calls beside the
 * national link and the modules, for unit tests linked by link-time
 * substitution (fake_pipeline.c defines them instead of the daemon's):
 *
 *   the audit log   onshi_audit_open/_close/onshi_audit record each event
 *                   as one line "kind key=value ..." (empty values left
 *                   out, as audit.c does) for the test to read;
 *   the loop timer  onshi_loop_timer/_stop remember the one timer the
 *                   pipeline sets (the requeue timer); the test fires it
 *                   with fake_timer_fire() instead of waiting;
 *   cert_status     onshi_cert_log_startup does nothing.
 */
#ifndef ONSHI_TEST_FAKE_PIPELINE_H
#define ONSHI_TEST_FAKE_PIPELINE_H

#include <stdint.h>

#define FAKE_AUDIT_MAX 128

struct fake_pipeline {
	unsigned naudit;
	char audit[FAKE_AUDIT_MAX][512];
	/* the timer set last */
	int timer_set;     /* set and not stopped */
	uint64_t timer_ms; /* its period */
	int timer_repeat;
};

extern struct fake_pipeline fake_pipeline;

/* Forget the audit lines and the timer. */
void fake_pipeline_reset(void);
/* How many audit lines contain every one of the words (NULL-ended). */
unsigned fake_audited(const char *word, ...) __attribute__((sentinel));
/* Run the timer's callback once, as the loop would when it is due. */
void fake_timer_fire(void);

struct onshi_core;
/* Undo a pipeline test's fixture: close the pipeline, free the fake
 * modules, reset the fake link, free the core's config, spool path, log
 * and the core itself. */
void fake_core_free(struct onshi_core *core);

#endif
