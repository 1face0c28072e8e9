/* SPDX-License-Identifier: Apache-2.0 */
/*
 * log.c — stderr or syslog output with levels.
 *
 * stderr lines carry a timestamp and level so that a foreground daemon's
 * output reads well in a terminal and in test logs; syslog gets the bare
 * message (journald and rsyslog add their own).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

static const char *const level_names[] = {
	[ONSHI_LOG_ERR] = "error",     [ONSHI_LOG_WARNING] = "warning",
	[ONSHI_LOG_NOTICE] = "notice", [ONSHI_LOG_INFO] = "info",
	[ONSHI_LOG_DEBUG] = "debug",
};

void onshi_log_init(struct onshi_log *log, int level, enum onshi_log_target target)
{
	onshi_log_close(log);
	log->level = level;
	log->target = target;
	if (target == ONSHI_LOG_SYSLOG) {
		openlog("onshid", LOG_PID | LOG_NDELAY, LOG_DAEMON);
		log->syslog_open = 1;
	}
}

void onshi_log_close(struct onshi_log *log)
{
	if (log->syslog_open) {
		closelog();
		log->syslog_open = 0;
	}
}

int onshi_log_level_from_name(const char *name)
{
	for (int i = ONSHI_LOG_ERR; i <= ONSHI_LOG_DEBUG; i++)
		if (strcmp(name, level_names[i]) == 0)
			return i;
	return -1;
}

const char *onshi_log_level_name(int level)
{
	if (level < ONSHI_LOG_ERR || level > ONSHI_LOG_DEBUG)
		return "?";
	return level_names[level];
}

void onshi_vlogf(struct onshi_log *log, int level, const char *prefix,
		 const char *fmt, va_list ap)
{
	char msg[1024];

	if (level > log->level)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log->target == ONSHI_LOG_SYSLOG) {
		if (prefix)
			syslog(level, "%s: %s", prefix, msg);
		else
			syslog(level, "%s", msg);
		return;
	}

	struct timespec ts;
	struct tm tm;
	char when[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	/* One fprintf per line so concurrent threads do not interleave. */
	fprintf(stderr, "%s.%03ld onshid %s: %s%s%s\n", when,
		ts.tv_nsec / 1000000, onshi_log_level_name(level),
		prefix ? prefix : "", prefix ? ": " : "", msg);
}

void onshi_logf(struct onshi_log *log, int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	onshi_vlogf(log, level, NULL, fmt, ap);
	va_end(ap);
}
