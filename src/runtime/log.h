/* SPDX-License-Identifier: Apache-2.0 */
/*
 * log.h — the daemon's logger: levels, stderr or syslog.
 *
 * One `struct onshi_log` lives in the core context; everything that logs is
 * handed a pointer to it (no global logger). Levels are syslog's.
 */
#ifndef ONSHI_CORE_LOG_H
#define ONSHI_CORE_LOG_H

#include <stdarg.h>

#include <onshi/host.h>

enum onshi_log_target {
	ONSHI_LOG_STDERR = 0,
	ONSHI_LOG_SYSLOG = 1,
};

struct onshi_log {
	int level; /* drop messages above this level */
	enum onshi_log_target target;
	int syslog_open;
};

void onshi_log_init(struct onshi_log *log, int level, enum onshi_log_target target);
void onshi_log_close(struct onshi_log *log);
/* Parse "error|warning|notice|info|debug"; -1 if unknown. */
int onshi_log_level_from_name(const char *name);
const char *onshi_log_level_name(int level);

void onshi_logf(struct onshi_log *log, int level, const char *fmt, ...)
	ONSHI_PRINTF(3, 4);
/* `prefix` (e.g. a module name) is written before the message when set. */
void onshi_vlogf(struct onshi_log *log, int level, const char *prefix,
		 const char *fmt, va_list ap) ONSHI_PRINTF(4, 0);

#endif
