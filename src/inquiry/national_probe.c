/* SPDX-License-Identifier: Apache-2.0 */
/*
 * national_probe.c — the idle probe: when no call has ended for [national]
 * probe_s seconds, one POST /auth as the first institution (the cheapest
 * call that proves TLS, the client certificate and the service), so the
 * link state is never older than that. Apart from national.c because it
 * is a client of the calls, not part of them: it starts one like any
 * other and judges the answer itself.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "national_internal.h"

static void on_probe_done(void *arg, enum onshi_national_outcome o, long status,
			  const char *body, size_t len, const char *why)
{
	struct onshi_national *n = arg;
	struct national_token fresh, *t;

	(void)status;
	(void)why; /* transfer_done has noted how the call ended */
	n->probing = 0;
	if (o != ONSHI_NATIONAL_ANSWER)
		return;
	/* A 200 without a usable token is no working link either. */
	memset(&fresh, 0, sizeof(fresh));
	if (national_token_store(&fresh, body, len) < 0) {
		national_set_state(n, "unusable answer: the national service's AuthResponse has no usable AccessToken/ExpiresIn");
		national_link_note(n, ONSHI_NATIONAL_LINK_DOWN, n->state);
		return;
	}
	national_link_note(n, ONSHI_NATIONAL_LINK_OK, NULL);
	/* A fresh token spares the next real call its own POST /auth. */
	t = national_token_for(n, n->probe_inst);
	if (t && !t->fetching) {
		free(t->value);
		t->value = fresh.value;
		t->expires_ms = fresh.expires_ms;
	} else {
		free(fresh.value);
	}
}

static void on_probe_timer(void *arg)
{
	struct onshi_national *n = arg;
	struct onshi_national_call *c;
	char body[256];
	int len;

	/* Calls in flight or retrying tell the state themselves. */
	if (n->probing || n->pending ||
	    onshi_loop_now_ms() - n->last_done_ms < n->probe_ms)
		return;
	len = national_auth_body(body, sizeof(body), n->probe_inst);
	c = national_call_new(n, n->probe_inst, "/auth", body, (size_t)len,
			      NULL, on_probe_done, n);
	if (!c)
		return;
	c->is_auth = 1;
	c->is_probe = 1;
	/* One attempt: the next probe is the retry. */
	c->deadline_ms = onshi_loop_now_ms();
	n->probing = 1;
	national_call_start(c);
}

int national_probe_start(struct onshi_national *n)
{
	if (!n->probe_ms || !n->probe_inst[0])
		return ONSHI_OK;
	/* Looked at every second (or probe_s, if shorter): a probe goes out
	 * within a second of probe_s of quiet. */
	if (!onshi_loop_timer(n->loop, n, n->probe_ms < 1000 ? n->probe_ms : 1000,
			      1, on_probe_timer, n))
		return ONSHI_ENOMEM;
	return ONSHI_OK;
}
