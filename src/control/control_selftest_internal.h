/* SPDX-License-Identifier: Apache-2.0 */
/*
 * control_selftest_internal.h — what SELFTEST's files share, inside the
 * control folder only: a check's result line, one run of the command
 * (struct selftest), and each check family's entry points.
 *
 *   control_selftest.c         the command: sizes the run, calls the checks
 *                              in order, answers when the live ones end
 *   control_selftest_result.c  the result lines and the reply made of them
 *   control_selftest_local.c   checks of this machine (config, certificates,
 *                              readers, adapters' folders, the spool's disk)
 *   control_selftest_remote.c  live HTTPS checks (national service, clock,
 *                              maintenance manifest)
 *
 * The command calls down into the families; the remote checks tell it that
 * their last transfer has ended only through st->probes_ended, which it set.
 */
#ifndef ONSHI_CORE_CONTROL_SELFTEST_INTERNAL_H
#define ONSHI_CORE_CONTROL_SELFTEST_INTERNAL_H

#include <stddef.h>

#include "strbuf.h"

struct onshi_conf_section;
struct onshi_control_client;
struct onshi_core;
struct onshi_http;
struct onshi_module;
struct onshi_vpn_check;

#define TEXT_LEN 600

enum level {
	LEVEL_OK,
	LEVEL_WARN,
	LEVEL_FAIL
};

struct result {
	char name[96];
	enum level level;
	char detail[TEXT_LEN];
	char advice[TEXT_LEN];
};

/* One live HTTPS transfer (control_selftest_remote.c). */
struct probe;

struct selftest {
	struct onshi_core *core;
	struct onshi_control_client *client;
	struct onshi_http *http;
	struct result *results;
	size_t nresults, cap;
	struct probe *probes;
	unsigned running;
	struct result *clock;    /* filled from the first Date seen */
	struct result *manifest; /* NULL: maintenance not configured */
	struct probe *man_probe, *sig_probe;
	char *trust_key;
	struct result *vpn;                /* NULL: no [vpn] */
	struct onshi_vpn_check *vpn_check; /* the live look, while it runs */
	/* Called inside curl's callback when running has dropped to 0. */
	void (*probes_ended)(struct selftest *st);
};

/* control_selftest_result.c */
struct result *selftest_result_add(struct selftest *st, const char *name);
void selftest_result_set(struct result *r, enum level level, const char *advice,
			 const char *fmt, ...) ONSHI_PRINTF(4, 5);
/* The reply: "N selftest WORST" and a line per check. */
void selftest_render(struct selftest *st, struct onshi_strbuf *reply);

/* control_selftest_local.c: each adds its line(s) and judges at once. */
void selftest_check_config(struct selftest *st);
void selftest_check_cert(struct selftest *st, const struct onshi_conf_section *inst);
void selftest_check_reader(struct selftest *st, const struct onshi_module *m);
void selftest_check_rececon(struct selftest *st, const struct onshi_module *m);
void selftest_check_spool(struct selftest *st);

/*
 * control_selftest_remote.c: national adds a line per institution (or one
 * "national") and "clock"; maintenance adds "maintenance". Their transfers
 * count in st->running; judge fills those lines in once all have ended (or
 * at once when none could start); free releases the transfers.
 */
void selftest_remote_national(struct selftest *st);
void selftest_remote_maintenance(struct selftest *st);
void selftest_remote_judge(struct selftest *st);
void selftest_remote_free(struct selftest *st);

#endif
