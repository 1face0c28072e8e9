/* SPDX-License-Identifier: Apache-2.0 */
/*
 * maintenance.h — the remote-maintenance poller (docs/maintenance.md,
 * docs/maintenance.md): every [maintenance] poll_s seconds, and on
 * `onshictl maintenance poll`, fetch manifest_url and manifest_url + ".sig"
 * over HTTPS, verify, parse and check them (src/maintenance/manifest.h), and apply the
 * module switches all or nothing, then POST a status report to report_url.
 *
 * Whatever goes wrong (fetch, signature, format, serial, apply), the daemon
 * keeps serving on its current module states; the reason goes to the log,
 * to `onshictl status` and into the next report. Everything runs on the
 * loop thread.
 */
#ifndef ONSHI_CORE_MAINTENANCE_H
#define ONSHI_CORE_MAINTENANCE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "strbuf.h"

struct onshi_core;
struct onshi_maintenance;

/* How the last poll ended. */
enum onshi_maint_outcome {
	ONSHI_MAINT_NONE = 0,     /* no poll yet */
	ONSHI_MAINT_APPLIED,      /* a new manifest was applied */
	ONSHI_MAINT_REFUSED,      /* fetched, but refused (reason says why) */
	ONSHI_MAINT_FETCH_FAILED, /* the server could not be asked */
	ONSHI_MAINT_UNCHANGED, /* the applied manifest again (or 304): normal */
	ONSHI_MAINT_UNPUBLISHED, /* 404: no manifest published yet: normal */
};

/* Whether an outcome is a normal poll (applied, unchanged, unpublished). */
int onshi_maint_outcome_ok(enum onshi_maint_outcome o);

/*
 * Read [maintenance] from core->config and start the poll timer. No
 * section: *out is NULL (maintenance not configured), ONSHI_OK.
 */
int onshi_maintenance_open(struct onshi_core *core, struct onshi_maintenance **out,
			   char *msg, size_t msglen);
/* Abort a poll or report in flight (waiting callers are not answered). */
void onshi_maintenance_close(struct onshi_maintenance *m);

/*
 * Poll now. cb (may be NULL) runs once on the loop thread when this poll,
 * or the one already running, has finished. Returns ONSHI_OK or
 * ONSHI_ENOMEM (cb not called).
 */
typedef void (*onshi_maint_done_cb)(void *arg, enum onshi_maint_outcome o,
				    const char *reason);
int onshi_maintenance_poll(struct onshi_maintenance *m, onshi_maint_done_cb cb,
			   void *arg);

/* For status: the manifest URL, last poll time (0: none), the serial of
 * the last applied manifest, and the last outcome with its reason. */
const char *onshi_maintenance_url(const struct onshi_maintenance *m);
time_t onshi_maintenance_last_poll(const struct onshi_maintenance *m);
uint64_t onshi_maintenance_serial(const struct onshi_maintenance *m);
enum onshi_maint_outcome onshi_maintenance_outcome(const struct onshi_maintenance *m,
						   const char **reason);
const char *onshi_maint_outcome_name(enum onshi_maint_outcome o);

/*
 * The status report (docs/maintenance.md "Status report", XSD
 * etc/xsd/onshi-status-report.xsd) as of now, into out. m may be NULL
 * (no maintenance section: no <Maintenance> element).
 */
int onshi_maintenance_build_report(struct onshi_core *core,
				   const struct onshi_maintenance *m,
				   struct onshi_strbuf *out);

struct onshi_status_snapshot;
/* The status model's provider of the "maintenance" line, none when not
 * configured (maintenance_status.c); ctx is the core. */
void onshi_maintenance_status_line(struct onshi_status_snapshot *s, void *ctx);

#endif
