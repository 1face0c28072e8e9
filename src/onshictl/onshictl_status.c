/* SPDX-License-Identifier: Apache-2.0 */
/*
 * onshictl_status.c — `onshictl status` (the dashboard), `status --check`
 * (the problems only, with the exit code monitoring wants) and `plugin
 * list`, which shows modules as the dashboard does. Apart from main()
 * because the dashboard's wording is a family of its own.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "onshictl.h"

static void print_module(struct onshi_kv *f, int n)
{
	const char *event = field(f, n, "event");
	const char *at = field(f, n, "event_at");
	const char *status = field(f, n, "status");
	const char *error = field(f, n, "error");
	char plugin[128];

	snprintf(plugin, sizeof(plugin), "%s %s", or_dash(field(f, n, "plugin")),
		 field(f, n, "version") ? field(f, n, "version") : "");
	printf("  %-24s %-9s %-22s", field(f, n, "module"),
	       or_dash(field(f, n, "state")), plugin);
	if (event) {
		/* The daemon's own age (clocks may differ), else from event_at. */
		const char *age = field(f, n, "event_age_s");
		long ago = age  ? atol(age)
			   : at ? (long)time(NULL) - atol(at)
				: 0;

		printf(" last: %s (%lds ago)", event, ago < 0 ? 0 : ago);
	}
	printf("\n");
	if (status)
		printf("  %-24s %s\n", "", status);
	if (error)
		printf("  %-24s error: %s\n", "", error);
}

/* "maintenance  URL  serial N, last poll Ns ago: outcome (reason)" */
static void show_maintenance(struct onshi_kv *f, int n)
{
	long at = atol(or_dash(field(f, n, "last_poll")));
	const char *reason = field(f, n, "reason");

	printf("maintenance  %s  applied serial %s, ",
	       field(f, n, "maintenance"), or_dash(field(f, n, "serial")));
	if (at > 0)
		printf("last poll %lds ago: %s\n",
		       (long)time(NULL) - at < 0 ? 0 : (long)time(NULL) - at,
		       or_dash(field(f, n, "outcome")));
	else
		printf("not polled yet\n");
	if (reason)
		printf("             %s\n", reason);
}

/* The national link in capitals, as the front desk says it. */
static const char *link_say(const char *w)
{
	if (strcmp(w, "ok") == 0)
		return "link OK";
	if (strcmp(w, "idle") == 0)
		return "link not checked yet";
	if (strcmp(w, "off") == 0)
		return "not configured";
	if (strcmp(w, "maintenance") == 0)
		return "link MAINTENANCE";
	if (strcmp(w, "degraded") == 0)
		return "link DEGRADED";
	return "link DOWN";
}

/* "45 s", "12 min", "3 h", "2 days": how long a state has lasted. */
static void say_duration(long s, char *buf, size_t len)
{
	if (s < 0)
		s = 0;
	if (s < 120)
		snprintf(buf, len, "%ld s", s);
	else if (s < 2 * 3600)
		snprintf(buf, len, "%ld min", s / 60);
	else if (s < 2 * 86400)
		snprintf(buf, len, "%ld h", s / 3600);
	else
		snprintf(buf, len, "%ld days", s / 86400);
}

/* The link words that mean "not usable now". */
static int link_is_bad(const char *w)
{
	return strcmp(w, "ok") != 0 && strcmp(w, "idle") != 0 &&
	       strcmp(w, "off") != 0;
}

/* "link DOWN for 2 min: <reason>" from the daemon line's link fields. */
static void say_link(struct onshi_kv *f, int n, char *buf, size_t len)
{
	const char *w = field(f, n, "national_link");
	const char *age = field(f, n, "national_link_age_s");
	const char *why = field(f, n, "national_link_reason");
	char dur[32];

	if (!w || !link_is_bad(w) || !age) {
		snprintf(buf, len, "%s", w ? link_say(w) : "");
		return;
	}
	say_duration(atol(age), dur, sizeof(dur));
	snprintf(buf, len, "%s for %s%s%s", link_say(w), dur, why ? ": " : "",
		 why ? why : "");
}

/* "1.2 MiB": a byte count as a person reads it. */
static void say_bytes(const char *n, char *buf, size_t len)
{
	double b = n ? strtod(n, NULL) : 0;

	if (b < 1024)
		snprintf(buf, len, "%.0f B", b);
	else if (b < 1024 * 1024)
		snprintf(buf, len, "%.1f KiB", b / 1024);
	else if (b < 1024.0 * 1024 * 1024)
		snprintf(buf, len, "%.1f MiB", b / (1024 * 1024));
	else
		snprintf(buf, len, "%.1f GiB", b / (1024.0 * 1024 * 1024));
}

/* The tunnel's state in the words the national line uses. */
static const char *vpn_say(const char *st)
{
	if (strcmp(st, "up") == 0)
		return "up";
	if (strcmp(st, "connecting") == 0)
		return "CONNECTING";
	if (strcmp(st, "down") == 0)
		return "DOWN";
	return "not checked yet";
}

/*
 * "vpn          national  up for 12 min, peer 203.0.113.1, 1.2 MiB in /
 * 310.0 KiB out, last rekey 3 min ago", or "DOWN for 2 min: <reason>".
 */
static void show_vpn(struct onshi_kv *f, int n)
{
	const char *st = or_dash(field(f, n, "state"));
	const char *age = field(f, n, "age_s");
	const char *rekey = field(f, n, "last_rekey");
	const char *next = field(f, n, "next_try_s");
	char dur[32] = "?", in[32], out[32], ago[32];

	if (age)
		say_duration(atol(age), dur, sizeof(dur));
	printf("vpn          %s  %s", field(f, n, "vpn"), vpn_say(st));
	if (strcmp(st, "up") == 0) {
		say_bytes(field(f, n, "bytes_in"), in, sizeof(in));
		say_bytes(field(f, n, "bytes_out"), out, sizeof(out));
		printf(" for %s, peer %s, %s in / %s out", dur,
		       or_dash(field(f, n, "peer")), in, out);
		if (rekey) {
			say_duration((long)time(NULL) - atol(rekey), ago,
				     sizeof(ago));
			printf(", last rekey %s ago", ago);
		}
		printf("\n");
		return;
	}
	if (age)
		printf(" for %s", dur);
	printf("%s%s\n", field(f, n, "reason") ? ": " : "",
	       field(f, n, "reason") ? field(f, n, "reason") : "");
	if (next)
		printf("             next attempt to bring it up in %s s (%s so far)\n",
		       next, or_dash(field(f, n, "initiations")));
}

/* "today        2026-11-26: 3 valid, 1 invalid, ...; card reads: ..." */
static void show_today(struct onshi_kv *f, int n)
{
	printf("today        %s: %s valid, %s invalid, %s no record, %s other, %s error(s); card reads: %s face, %s PIN, %s visual\n",
	       field(f, n, "today"), or_dash(field(f, n, "valid")),
	       or_dash(field(f, n, "invalid")), or_dash(field(f, n, "no_record")),
	       or_dash(field(f, n, "other")), or_dash(field(f, n, "errors")),
	       or_dash(field(f, n, "card_face")), or_dash(field(f, n, "card_pin")),
	       or_dash(field(f, n, "card_visual")));
	if (field(f, n, "req_qualification"))
		printf("requests     %s qualification, %s batch, %s drug history, %s check-ups, %s online-care batch, %s home-visit batch, %s medical-aid batch, %s reference numbers\n",
		       or_dash(field(f, n, "req_qualification")),
		       or_dash(field(f, n, "req_batch")),
		       or_dash(field(f, n, "req_drug")),
		       or_dash(field(f, n, "req_checkup")),
		       or_dash(field(f, n, "req_batch_online")),
		       or_dash(field(f, n, "req_batch_homevisit")),
		       or_dash(field(f, n, "req_batch_medicalaid")),
		       or_dash(field(f, n, "req_reference_number")));
}

int onshictl_status_show(struct reply *r)
{
	struct onshi_kv f[MAX_FIELDS];
	int header = 0;

	for (long i = 0; i < r->count; i++) {
		int n = parse_fields(r->lines[i], f, MAX_FIELDS);

		if (n < 0)
			return EXIT_BADREPLY;
		if (field(f, n, "daemon")) {
			printf("onshid %s (plugin ABI %s), pid %s, up %s s\n",
			       or_dash(field(f, n, "version")),
			       or_dash(field(f, n, "abi")),
			       or_dash(field(f, n, "pid")),
			       or_dash(field(f, n, "uptime_s")));
			printf("config       %s\n", or_dash(field(f, n, "config")));
			printf("spool        %s request(s), %s awaiting the national service\n",
			       or_dash(field(f, n, "spool")),
			       or_dash(field(f, n, "unanswered")));
			if (field(f, n, "national_link") &&
			    strcmp(field(f, n, "national_link"), "off") == 0) {
				printf("national     %s\n",
				       or_dash(field(f, n, "national")));
			} else if (field(f, n, "national_link") &&
				   link_is_bad(field(f, n, "national_link"))) {
				char say[900];

				/* Down: how long and why first, in words. */
				say_link(f, n, say, sizeof(say));
				printf("national     %s — %s (%s call(s) in flight)\n",
				       or_dash(field(f, n, "national_endpoint")), say,
				       or_dash(field(f, n, "national_pending")));
			} else
				printf("national     %s  %s (%s call(s) in flight)%s%s\n",
				       or_dash(field(f, n, "national_endpoint")),
				       or_dash(field(f, n, "national")),
				       or_dash(field(f, n, "national_pending")),
				       /* an older onshid has no link word */
				       field(f, n, "national_link") ? " — " : "",
				       field(f, n, "national_link")
					       ? link_say(field(f, n, "national_link"))
					       : "");
			if (field(f, n, "status_page"))
				printf("status page  %s\n",
				       field(f, n, "status_page"));
		} else if (field(f, n, "vpn")) {
			show_vpn(f, n);
		} else if (field(f, n, "maintenance")) {
			show_maintenance(f, n);
		} else if (field(f, n, "today")) {
			show_today(f, n);
		} else if (field(f, n, "cert")) {
			const char *st = or_dash(field(f, n, "state"));
			const char *days = field(f, n, "days_left");

			printf("certificate  %-12s %-7s", field(f, n, "cert"),
			       onshictl_cert_say(st));
			if (field(f, n, "not_after"))
				printf(" CN=%s, expires %s (%s days)%s",
				       or_dash(field(f, n, "cn")),
				       field(f, n, "not_after"), or_dash(days),
				       /* warned from 30 days (ONSHI_CERT_WARN_DAYS) */
				       days && atol(days) < 30 ? "  << renew soon"
							       : "");
			printf("\n");
			if (field(f, n, "message"))
				printf("             %s\n", field(f, n, "message"));
		} else if (field(f, n, "institution") && !field(f, n, "module")) {
			const char *name = field(f, n, "name");

			printf("institution  %-12s %s%s%s\n",
			       field(f, n, "institution"),
			       or_dash(field(f, n, "code")), name ? "  " : "",
			       name ? name : "");
		} else if (field(f, n, "module")) {
			if (!header++)
				printf("modules\n");
			print_module(f, n);
		}
	}
	return 0;
}

/*
 * status --check: the problems only, one line each, and the exit code
 * monitoring wants. The rules are onshictl(8)'s; keep them in step.
 */
#define CHECK_OK 0
#define CHECK_WARNING 1
#define CHECK_FAILING 2

static int problem(int level, int worst, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int problem(int level, int worst, const char *fmt, ...)
{
	va_list ap;

	printf("%s ", level == CHECK_FAILING ? "FAIL" : "WARN");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	return level > worst ? level : worst;
}

int onshictl_status_check(struct reply *r)
{
	struct onshi_kv f[MAX_FIELDS];
	int worst = CHECK_OK, seen_daemon = 0;

	for (long i = 0; i < r->count; i++) {
		int n = parse_fields(r->lines[i], f, MAX_FIELDS);
		const char *st;

		if (n < 0)
			return EXIT_BADREPLY;
		if (field(f, n, "daemon")) {
			/* An onshid older than the link word: nothing to judge. */
			const char *w = field(f, n, "national_link")
						? field(f, n, "national_link")
						: "ok";
			const char *page = field(f, n, "status_page");
			char say[900];

			seen_daemon = 1;
			say_link(f, n, say, sizeof(say));
			if (strcmp(w, "off") == 0)
				worst = problem(CHECK_WARNING, worst,
						"national link not configured: %s",
						or_dash(field(f, n, "national")));
			else if (strcmp(w, "maintenance") == 0)
				worst = problem(CHECK_WARNING, worst,
						"national %s", say);
			else if (link_is_bad(w))
				worst = problem(CHECK_FAILING, worst,
						"national %s", say);
			/* The page's trouble follows its address (" — "). */
			if (page && strstr(page, " — "))
				worst = problem(CHECK_WARNING, worst,
						"status page %s", page);
		} else if (field(f, n, "vpn")) {
			st = or_dash(field(f, n, "state"));
			if (strcmp(st, "down") == 0 || strcmp(st, "connecting") == 0)
				worst = problem(strcmp(st, "down") == 0
							? CHECK_FAILING
							: CHECK_WARNING,
						worst, "vpn %s %s for %s s: %s",
						field(f, n, "vpn"), vpn_say(st),
						or_dash(field(f, n, "age_s")),
						or_dash(field(f, n, "reason")));
		} else if (field(f, n, "cert")) {
			st = or_dash(field(f, n, "state"));
			if (strcmp(st, "ok") == 0)
				continue;
			worst = problem(strcmp(st, "warning") == 0 ? CHECK_WARNING
								   : CHECK_FAILING,
					worst, "certificate %s %s: %s",
					field(f, n, "cert"), onshictl_cert_say(st),
					or_dash(field(f, n, "message")));
		} else if (field(f, n, "module")) {
			st = or_dash(field(f, n, "state"));
			if (strcmp(st, "running") == 0 || strcmp(st, "disabled") == 0)
				continue;
			worst = problem(CHECK_FAILING, worst, "%s %s: %s",
					field(f, n, "module"), st,
					or_dash(field(f, n, "error")));
		} else if (field(f, n, "maintenance")) {
			st = or_dash(field(f, n, "outcome"));
			if (strcmp(st, "refused") == 0 ||
			    strcmp(st, "fetch-failed") == 0)
				worst = problem(CHECK_WARNING, worst,
						"remote maintenance %s: %s", st,
						or_dash(field(f, n, "reason")));
		}
	}
	if (!seen_daemon)
		return EXIT_BADREPLY;
	if (worst == CHECK_OK)
		printf("OK all well\n");
	return worst;
}

int onshictl_plugin_list_show(struct reply *r)
{
	struct onshi_kv f[MAX_FIELDS];

	if (r->count == 0)
		printf("no modules configured\n");
	for (long i = 0; i < r->count; i++) {
		int n = parse_fields(r->lines[i], f, MAX_FIELDS);

		if (n < 0)
			return EXIT_BADREPLY;
		print_module(f, n);
	}
	return 0;
}
