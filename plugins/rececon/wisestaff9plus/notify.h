/* SPDX-License-Identifier: Apache-2.0 */
/*
 * notify.h — best-effort HTTP notifications for wisestaff9plus: after a
 * file is written, POST a small JSON document naming it to the receipt
 * computer's notify_url, so it need not poll.
 *
 * libcurl's multi-socket API runs on the daemon's loop through the host's
 * watch_fd/timer_start services, so nothing ever blocks the loop. A failed
 * notification (no connection, timeout, a status other than 2xx) is tried
 * again after retry_ms, then twice that, and so on, up to `tries` attempts
 * in all; then it is dropped with a log line. The file itself was already
 * written: a lost notification only means the receipt computer finds the
 * file on its next look.
 */
#ifndef ONSHI_WS9P_NOTIFY_H
#define ONSHI_WS9P_NOTIFY_H

#include <onshi/host.h>

struct notify_config {
	const char *url;      /* http:// or https:// */
	unsigned timeout_ms;  /* per attempt */
	unsigned tries;       /* attempts in all, at least 1 */
	unsigned retry_ms;    /* first wait; doubles after each failure */
	unsigned max_pending; /* notifications kept at most (oldest dropped) */
};

struct notify_stats {
	unsigned long sent;    /* answered 2xx */
	unsigned long retried; /* failed attempts that were tried again */
	unsigned long dropped; /* given up after the last attempt, or evicted */
	unsigned long pending; /* in flight or waiting to retry */
};

struct notifier;

/* Make a notifier that posts on the host's loop. */
int notifier_create(const struct onshi_host *host, struct onshi_instance *inst,
		    const struct notify_config *cfg, struct notifier **out);

/*
 * Queue a notification for a written file: event is "result", "error" or
 * "face"; folder is the sub-folder ("res", "face"); name the file's name;
 * path its full path. Never blocks; failures are logged, not returned.
 */
void notifier_send(struct notifier *n, const char *event, const char *folder,
		   const char *name, const char *path);

void notifier_stats(const struct notifier *n, struct notify_stats *st);

/* Cancel everything (transfers, timers, watches) and free. NULL is fine. */
void notifier_destroy(struct notifier *n);

#endif
