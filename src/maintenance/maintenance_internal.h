/* SPDX-License-Identifier: Apache-2.0 */
/*
 * maintenance_internal.h — the poller's state and the helpers its files
 * share (maintenance.h is what the rest of the daemon sees). The files,
 * each calling only those listed after it:
 *
 *   maintenance.c          open/close, the poll timer, one poll's two GETs
 *   maintenance_apply.c    a fetched manifest verified, checked, applied
 *                          all or nothing, its serial saved
 *   maintenance_report.c   the status report, built and POSTed
 *   maintenance_fetch.c    one HTTPS transfer (a GET or the report POST)
 *   maintenance_outcome.c  how the last poll ended, the errors kept for the
 *                          next report, and the getters status reads
 *
 * Everything runs on the loop thread.
 */
#ifndef ONSHI_MAINTENANCE_INTERNAL_H
#define ONSHI_MAINTENANCE_INTERNAL_H

#include <curl/curl.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <onshi/host.h>

#include "maintenance.h"
#include "strbuf.h"

/* Errors kept for the next report. */
#define MAX_ERRORS 8
#define REASON_LEN 1024

/* One GET (manifest or .sig) or the report POST. */
struct fetch {
	struct onshi_maintenance *m;
	const char *what; /* "manifest", "signature", "report" */
	CURL *easy;
	struct onshi_strbuf body;
	size_t limit;
	int too_big;
	int done;
	CURLcode res;
	long status;
	char errbuf[CURL_ERROR_SIZE];
};

struct waiter {
	onshi_maint_done_cb cb;
	void *arg;
	struct waiter *next;
};

struct last_error {
	time_t at;
	char source[16];
	char text[512];
};

struct onshi_maintenance {
	struct onshi_core *core;
	struct onshi_http *http;
	char *manifest_url, *sig_url, *report_url;
	char *trust_key, *ca_bundle, *state_file;
	/* A second copy of the last applied serial in the spool: a state
	 * file deleted or rewritten lower cannot silently mean 0. */
	char *hwm_file;
	char *client_cert, *client_key, *client_p12, *p12_password;
	long poll_s, timeout_ms, connect_timeout_ms;
	struct onshi_loop_timer *timer;

	int polling;
	struct fetch manifest, sig;
	struct waiter *waiters;

	struct fetch report;
	char *report_xml; /* the body being POSTed */
	struct curl_slist *report_headers;
	int reporting, report_again;

	time_t last_poll_at;
	uint64_t serial; /* last applied (from the state file) */
	enum onshi_maint_outcome outcome;
	char reason[REASON_LEN];
	struct last_error errors[MAX_ERRORS];
	unsigned nerrors, errnext;
};

/* ---- maintenance_outcome.c ---- */

/* Keep an error for the next report (the last MAX_ERRORS). */
void maint_note_error(struct onshi_maintenance *m, const char *source,
		      const char *text);
/* Record how a poll ended: audited when it changed, logged, and kept as an
 * error unless it is a normal outcome. */
void maint_set_outcome(struct onshi_maintenance *m, enum onshi_maint_outcome o,
		       const char *fmt, ...) ONSHI_PRINTF(3, 4);

/* ---- maintenance_fetch.c ---- */

/* A fresh easy handle for f (its body emptied), HTTPS only, with m's
 * timeouts and TLS identity; NULL when out of memory. */
CURL *maint_new_easy(struct onshi_maintenance *m, struct fetch *f, const char *url);
/* Abort f's transfer if one is running, and drop its body. */
void maint_fetch_cancel(struct onshi_maintenance *m, struct fetch *f);
/* Why a finished transfer did not give a usable answer (into why); NULL if
 * it did. */
const char *maint_fetch_problem(const struct fetch *f, const char *url,
				char *why, size_t whylen);

/* ---- maintenance_apply.c ---- */

/* The last applied serial: the state file's, or the spool's high-water
 * mark when that is higher. */
int maint_load_serial(struct onshi_maintenance *m, uint64_t *serial, char *why,
		      size_t whylen);
/* Both GETs of a poll have finished: verify, parse, check and apply what
 * they brought, and set the outcome. */
void maint_process(struct onshi_maintenance *m);

/* ---- maintenance_report.c ---- */

/* POST the status report to report_url, if one is set; when one is in
 * flight, the newest state follows it. */
void maint_send_report(struct onshi_maintenance *m);

#endif
