/* SPDX-License-Identifier: Apache-2.0 */
/*
 * notify.c — tell the service manager how onshid is doing (sd_notify(3)):
 * READY=1 once the control socket is open and the modules are started,
 * WATCHDOG=1 from a loop timer at half the unit's WatchdogSec (so a stuck
 * event loop stops the pings and systemd restarts the daemon), STOPPING=1
 * on the way out. Without a service manager (NOTIFY_SOCKET unset) or when
 * built without libsystemd, every call does nothing.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "core.h"
#include "loop.h"
#include "notify.h"

struct onshi_notify {
	struct onshi_loop_timer *watchdog;
};

#ifdef HAVE_SYSTEMD
static void watchdog_ping(void *arg)
{
	(void)arg;
	sd_notify(0, "WATCHDOG=1");
}
#endif

int onshi_notify_ready(struct onshi_core *core, char *msg, size_t msglen)
{
#ifdef HAVE_SYSTEMD
	uint64_t usec = 0;
	int r;

	msg[0] = '\0';
	r = sd_notifyf(0, "READY=1\nSTATUS=ready, control socket %s\nMAINPID=%lu",
		       core->settings.control_socket, (unsigned long)getpid());
	if (r < 0) {
		snprintf(msg, msglen, "cannot notify the service manager: %s",
			 strerror(-r));
		return ONSHI_EIO;
	}
	/* r == 0: not started by a service manager; nothing else to do. */
	if (r == 0 || sd_watchdog_enabled(0, &usec) <= 0 || usec == 0)
		return ONSHI_OK;
	core->notify = calloc(1, sizeof(*core->notify));
	if (!core->notify)
		return ONSHI_ENOMEM;
	/* Half the timeout, as sd_watchdog_enabled(3) advises; at least 1 ms. */
	core->notify->watchdog = onshi_loop_timer(core->loop, core->notify,
						  usec / 2000 ? usec / 2000 : 1,
						  1, watchdog_ping, NULL);
	if (!core->notify->watchdog) {
		snprintf(msg, msglen, "cannot start the watchdog timer");
		return ONSHI_ENOMEM;
	}
	snprintf(msg, msglen, "watchdog: a ping every %llu ms",
		 (unsigned long long)(usec / 2000));
	sd_notify(0, "WATCHDOG=1");
#else
	(void)core;
	msg[0] = '\0';
	(void)msglen;
#endif
	return ONSHI_OK;
}

void onshi_notify_stopping(struct onshi_core *core)
{
	if (core->notify) {
		if (core->notify->watchdog)
			onshi_loop_timer_stop(core->loop, core->notify->watchdog);
		free(core->notify);
		core->notify = NULL;
	}
#ifdef HAVE_SYSTEMD
	if (core->started_at)
		sd_notify(0, "STOPPING=1");
#endif
}
