/* SPDX-License-Identifier: Apache-2.0 */
/*
 * notify.h — readiness and watchdog notification to the service manager
 * (systemd Type=notify, WatchdogSec=). See notify.c.
 */
#ifndef ONSHI_NOTIFY_H
#define ONSHI_NOTIFY_H

#include <stddef.h>

struct onshi_core;

/* Say READY=1 and start the watchdog pings when the unit asks for them.
 * ONSHI_OK also when there is no service manager; msg says what was set up
 * (empty when nothing). */
int onshi_notify_ready(struct onshi_core *core, char *msg, size_t msglen);
/* Stop the watchdog pings and say STOPPING=1. Safe to call more than once. */
void onshi_notify_stopping(struct onshi_core *core);

#endif
