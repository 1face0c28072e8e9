/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fake_national.h — a fake of the national service link (national.h) for
 * unit tests linked by link-time substitution: onshi_national_open, _close,
 * _post, _post_owned, _post_to_file and _state are defined by fake_national.c instead of national*.c.
 * Every POST is recorded (institution, path, body, Idempotency-Key) and
 * stays owed until the test answers it with fake_national_answer(), which
 * calls the caller's callback as the real link does on the loop thread.
 * Nothing goes on the wire and no time passes.
 */
#ifndef ONSHI_TEST_FAKE_NATIONAL_H
#define ONSHI_TEST_FAKE_NATIONAL_H

#include <stddef.h>

#include "national.h"

#define FAKE_NATIONAL_MAX_CALLS 64

/* One recorded POST: what national.h calls a call handle. */
struct onshi_national_call {
	char institution[32];
	char path[64];
	char *body; /* NUL-terminated copy */
	size_t len;
	char key[80]; /* the Idempotency-Key, "" when none */
	int has_key;
	onshi_national_cb cb;
	void *arg;
	int owed;    /* 1 until answered or dropped by onshi_national_close */
	int sink_fd; /* onshi_national_post_to_file: the answer goes here */
};

struct fake_national {
	int configured;   /* onshi_national_open opens a link (1) or none (0) */
	int refuse_posts; /* onshi_national_post fails (as out of memory) */
	unsigned ncalls;
	unsigned closed; /* onshi_national_close calls on an open link */
	struct onshi_national_call calls[FAKE_NATIONAL_MAX_CALLS];
};

extern struct fake_national fake_national;

/* Forget every recorded call (bodies freed, callbacks never called) and
 * configure an open link again. */
void fake_national_reset(void);
/* Answer call i: its callback runs now with body (may be NULL: empty). */
void fake_national_answer(unsigned i, enum onshi_national_outcome outcome,
			  long status, const char *body, const char *why);
/* Calls still owed an answer. */
unsigned fake_national_owed(void);

#endif
