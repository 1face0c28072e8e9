/* SPDX-License-Identifier: Apache-2.0 */
/*
 * control_selftest.c — SELFTEST (`onshictl selftest`): prove the
 * installation now, from inside onshid, so that files and folders are
 * checked with the daemon's own user and permissions.
 *
 * The reply is one line per check:
 *   check=NAME result=OK|WARN|FAIL detail="..." [advice="..."]
 * in a fixed order: config, each institution's certificate, the tunnel to
 * the national network (with [vpn]: asked of charon first, and brought up
 * if down, before the checks that go through it), the national service
 * for each institution, the clock, each reader, each receipt-computer
 * adapter, maintenance, the spool's disk.
 *
 * The network checks are live calls made now, each on a fresh connection
 * of a curl multi handle of their own on the core's loop (http.c), so the
 * loop never blocks and the national link's pooled connections, cached
 * tokens and retries neither help nor hide anything: one POST /auth per
 * institution with its own certificate proves reachability, the server's
 * certificate, our client certificate and the institution code at once,
 * and its Date header gives the clock. The answer waits until every
 * transfer has ended; curl's timeouts bound that wait.
 *
 * This file is the command: it sizes the run, calls the checks in their
 * order and answers when the live ones have ended. The checks are files
 * of their own by family (control_selftest_internal.h): of this machine
 * (control_selftest_local.c) and live, over the network
 * (control_selftest_remote.c); the result lines and the reply made of them
 * are control_selftest_result.c.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "control_selftest_internal.h"
#include "core.h"
#include "http.h"
#include "module.h"
#include "vpn.h"

static void selftest_free(struct selftest *st)
{
	onshi_vpn_check_cancel(st->vpn_check);
	selftest_remote_free(st);
	onshi_http_free(st->http);
	onshi_loop_forget_owner(st->core->loop, st);
	free(st->results);
	free(st);
}

/* On the loop, not inside curl's callback: the multi handle goes too. */
static void on_finish_timer(void *arg)
{
	struct selftest *st = arg;
	struct onshi_strbuf reply = { 0 };

	selftest_remote_judge(st);
	selftest_render(st, &reply);
	if (reply.failed) {
		onshi_strbuf_free(&reply);
		onshi_strbuf_printf(&reply, "-1 out of memory\n");
	}
	onshi_control_answer(st->client, &reply);
	onshi_strbuf_free(&reply);
	selftest_free(st);
}

static void probes_done(struct selftest *st)
{
	if (!onshi_loop_timer(st->core->loop, st, 0, 0, on_finish_timer, st))
		onshi_logf(&st->core->log, ONSHI_LOG_ERR,
			   "selftest: out of memory: the answer is lost");
}

/* Everything after the tunnel, in the reply's order. */
static void selftest_after_vpn(struct selftest *st)
{
	struct onshi_core *core = st->core;

	selftest_remote_national(st);
	for (struct onshi_module *m = core->modules; m; m = m->next)
		if (strcmp(m->section_type, "reader") == 0)
			selftest_check_reader(st, m);
	for (struct onshi_module *m = core->modules; m; m = m->next)
		if (strcmp(m->section_type, "rececon") == 0)
			selftest_check_rececon(st, m);
	selftest_remote_maintenance(st);
	selftest_check_spool(st);
}

static void on_vpn_checked(void *arg, int level, const char *detail, const char *advice)
{
	struct selftest *st = arg;

	st->vpn_check = NULL; /* it frees itself after this call */
	selftest_result_set(st->vpn,
			    level == 0   ? LEVEL_OK
			    : level == 1 ? LEVEL_WARN
					 : LEVEL_FAIL,
			    advice[0] ? advice : NULL, "%s", detail);
	selftest_after_vpn(st);
	if (--st->running == 0)
		st->probes_ended(st);
}

static void cmd_selftest(struct onshi_core *core, struct onshi_control_client *client,
			 int argc, char **argv, struct onshi_strbuf *reply)
{
	const struct onshi_config *cfg = core->config;
	struct selftest *st = calloc(1, sizeof(*st));
	size_t ninst = 0, nmod = 0;

	(void)argc;
	(void)argv;
	for (size_t i = 0; i < cfg->nsections; i++)
		ninst += strcmp(cfg->sections[i].type, "institution") == 0;
	for (struct onshi_module *m = core->modules; m; m = m->next)
		nmod++;
	/* config, cert+national per institution (or one "national"), vpn,
	 * clock, modules, maintenance, spool. */
	if (st) {
		st->cap = 1 + 2 * ninst + 1 + 1 + 1 + nmod + 1 + 1;
		st->results = calloc(st->cap, sizeof(*st->results));
		st->http = onshi_http_new(core->loop);
	}
	if (!st || !st->results || !st->http) {
		if (st) {
			onshi_http_free(st->http);
			free(st->results);
			free(st);
		}
		onshi_strbuf_printf(reply, "-1 out of memory\n");
		return;
	}
	st->core = core;
	st->probes_ended = probes_done;
	selftest_check_config(st);
	for (size_t i = 0; i < cfg->nsections; i++)
		if (strcmp(cfg->sections[i].type, "institution") == 0)
			selftest_check_cert(st, &cfg->sections[i]);
	if (core->vpn) {
		/* The tunnel first: the national check goes through it, and
		 * the vpn check may bring it up. The rest follows its answer. */
		st->vpn = selftest_result_add(st, "vpn");
		st->vpn_check = onshi_vpn_check_start(core->loop, core->vpn,
						      on_vpn_checked, st);
		if (st->vpn_check)
			st->running++;
		else
			selftest_result_set(st->vpn, LEVEL_FAIL, NULL,
					    "out of memory");
	}
	if (!st->vpn_check)
		selftest_after_vpn(st);
	if (st->running == 0) {
		/* Nothing live to wait for: answer at once. */
		st->client = client;
		selftest_remote_judge(st);
		selftest_render(st, reply);
		selftest_free(st);
		return;
	}
	st->client = onshi_control_hold(client);
}

/* Added by core.c to the control socket's commands (control_dispatch.h). */
const struct onshi_control_command onshi_control_selftest_cmds[] = {
	{ "SELFTEST", 0, 0, "SELFTEST", cmd_selftest },
	{ NULL, 0, 0, NULL, NULL },
};
