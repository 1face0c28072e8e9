/* SPDX-License-Identifier: Apache-2.0 */
/*
 * onshictl — the operator's client for onshid's control socket.
 *
 *   onshictl [-s SOCKET] status [-o xml | --check]
 *   onshictl [-s SOCKET] plugin list|enable|disable|reload MODULE
 *   onshictl [-s SOCKET] version
 *   onshictl [-s SOCKET] maintenance poll
 *   onshictl [-s SOCKET] audit verify [--file PATH]
 *   onshictl [-s SOCKET] selftest [-o xml]
 *   onshictl [-s SOCKET] send LINE...     (raw protocol, for scripts)
 *
 * Exit codes: 0 success; 1 the daemon refused (reason printed); 2 usage;
 * 3 cannot reach the daemon; 4 the daemon's reply was malformed.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <limits.h>
#include <time.h>
#include <unistd.h>

#include "status_kv.h"
#include "audit.h"
#include "onshictl_upload.h"
#include "onshictl_selftest.h"
#include "strbuf.h"

#define EXIT_REFUSED 1
#define EXIT_USAGE 2
#define EXIT_UNREACHABLE 3
#define EXIT_BADREPLY 4

#define DEFAULT_SOCKET "/run/onshi/control.sock"
#define MAX_FIELDS 32

struct reply {
	long count; /* N of "N message" */
	char *message;
	char **lines;
};

/*
 * A mistake on the command line: one line with the reason and where the
 * forms are, not the whole usage (which would hide the reason).
 */
static int bad_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void usage(FILE *out)
{
	fprintf(out,
		"usage: onshictl [-s SOCKET] [-o text|xml] COMMAND\n"
		"  status [-o xml | --check]   the dashboard: national link, institutions and\n"
		"                              certificates, modules, spool, today's counts;\n"
		"                              -o xml: an XML document for scripts;\n"
		"                              --check: only the problems, exit 0 all well,\n"
		"                              1 warning, 2 failing (see onshictl(8))\n"
		"  plugin list                 modules and their state\n"
		"  plugin enable|disable|reload MODULE\n"
		"                              MODULE is reader:NAME or rececon:NAME\n"
		"  version                     daemon version and plugin ABI\n"
		"  cert status|csr [--institution NAME]\n"
		"  cert install FILE [--institution NAME]\n"
		"                              the clinic's client certificate\n"
		"  batch submit FILE [--institution NAME]\n"
		"  batch submit [FILE] --kind online|home-visit|medical-aid\n"
		"         [--from YYYYMMDD --to YYYYMMDD [--by examination|consent]]\n"
		"         [--month YYYYMM] [--flag N] [--institution NAME]\n"
		"                              upload a batch (OQSmuquc01req XML, or CSV\n"
		"                              insurer,symbol,number,branch,birth), or a\n"
		"                              batch by period (online care, home visits,\n"
		"                              medical aid: --kind and the period, or FILE)\n"
		"  batch fetch RECEPTION [--kind KIND] [--institution NAME] [--wait SECONDS]\n"
		"                              wait for a batch's results and print them\n"
		"  verify --insurer N --symbol S --number N --branch NN --birth YYYYMMDD\n"
		"         [--institution NAME]  ask the national service now\n"
		"  maintenance poll            fetch and apply the maintenance manifest now\n"
		"  audit verify [--file PATH]  check the audit log's hash chain (by the\n"
		"                              daemon; with --file, offline)\n"
		"  selftest [-o xml]           check the installation now: config, certificates,\n"
		"                              national service, clock, readers, folders,\n"
		"                              maintenance, disk; exit 0 OK, 1 WARN, 2 FAIL\n"
		"  send LINE...                send a raw request line\n"
		"The socket is -s SOCKET, else $ONSHI_SOCKET, else %s.\n"
		"Exit codes: 0 done; 1 onshid refused (reason printed); 2 usage;\n"
		"3 cannot reach onshid; 4 malformed reply (see onshictl(8)).\n",
		DEFAULT_SOCKET);
}

static int bad_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("onshictl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (onshictl -h lists the commands)\n", stderr);
	return EXIT_USAGE;
}

static int connect_socket(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "onshictl: socket path too long: %s\n", path);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		if (e == ENOENT)
			fprintf(stderr,
				"onshictl: cannot reach onshid at %s: no such socket (is onshid running? see systemctl status onshid; or point -s / ONSHI_SOCKET at its [control] socket)\n",
				path);
		else if (e == ECONNREFUSED)
			fprintf(stderr,
				"onshictl: cannot reach onshid at %s: connection refused, the socket is left from an onshid that stopped (is onshid running? see systemctl status onshid)\n",
				path);
		else if (e == EACCES || e == EPERM)
			fprintf(stderr,
				"onshictl: cannot reach onshid at %s: permission denied: run as root, or as a member of the control group ([control] group in onshid.ini, usually 'onshi': sudo usermod -aG onshi $USER, then log in again)\n",
				path);
		else if (e == ENOTSOCK || e == ENOTDIR)
			fprintf(stderr,
				"onshictl: cannot reach onshid at %s: not a socket (check -s / ONSHI_SOCKET against [control] socket in onshid.ini)\n",
				path);
		else
			fprintf(stderr, "onshictl: cannot reach onshid at %s: %s\n",
				path, strerror(e));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Read until the header's N lines have arrived (or the peer closes). */
static int read_reply(int fd, struct onshi_strbuf *in, struct reply *r)
{
	char buf[4096];
	char *nl;

	memset(r, 0, sizeof(*r));
	for (;;) {
		long have = 0;

		if (in->len && (nl = strchr(in->data, '\n'))) {
			char *end;

			r->count = strtol(in->data, &end, 10);
			if (end == in->data || (*end != ' ' && *end != '\n'))
				return -1;
			if (r->count < 0)
				break;
			for (char *p = nl + 1; (p = strchr(p, '\n')); p++)
				have++;
			if (have >= r->count)
				break;
		}
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		onshi_strbuf_append(in, buf, (size_t)n);
		if (in->failed)
			return -1;
	}
	/* Split in place. */
	nl = strchr(in->data, '\n');
	*nl = '\0';
	r->message = strchr(in->data, ' ');
	r->message = r->message ? r->message + 1 : (char *)"";
	if (r->count > 0) {
		char *p = nl + 1;

		r->lines = calloc((size_t)r->count, sizeof(*r->lines));
		if (!r->lines)
			return -1;
		for (long i = 0; i < r->count; i++) {
			char *e = strchr(p, '\n');

			*e = '\0';
			r->lines[i] = p;
			p = e + 1;
		}
	}
	return 0;
}

/* The protocol's key=value lines (status_kv.c, shared with onshid). */
static int parse_fields(char *line, struct onshi_kv *f, int max)
{
	return onshi_kv_parse(line, f, max);
}

static const char *field(const struct onshi_kv *f, int n, const char *key)
{
	return onshi_kv_get(f, n, key);
}

static const char *or_dash(const char *s)
{
	return s && *s ? s : "-";
}

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

/* A certificate state as the dashboard says it. */
static const char *cert_say(const char *st)
{
	return strcmp(st, "expired") == 0 ? "EXPIRED" : st;
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

static int show_status(struct reply *r)
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
		} else if (field(f, n, "maintenance")) {
			show_maintenance(f, n);
		} else if (field(f, n, "today")) {
			show_today(f, n);
		} else if (field(f, n, "cert")) {
			const char *st = or_dash(field(f, n, "state"));
			const char *days = field(f, n, "days_left");

			printf("certificate  %-12s %-7s", field(f, n, "cert"),
			       cert_say(st));
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

static int check_status(struct reply *r)
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
		} else if (field(f, n, "cert")) {
			st = or_dash(field(f, n, "state"));
			if (strcmp(st, "ok") == 0)
				continue;
			worst = problem(strcmp(st, "warning") == 0 ? CHECK_WARNING
								   : CHECK_FAILING,
					worst, "certificate %s %s: %s",
					field(f, n, "cert"), cert_say(st),
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

static int show_list(struct reply *r)
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

/* onshid hung up before a whole reply: say who it serves, where to look. */
static int no_reply(const char *sock)
{
	fprintf(stderr,
		"onshictl: onshid on %s closed the connection without a complete reply (it serves only root, its own user and its [control] group; its log says why)\n",
		sock);
	return EXIT_BADREPLY;
}

/* Send one request line and read its reply on a new connection. */
static int exchange(const char *sock, const struct onshi_strbuf *req,
		    struct onshi_strbuf *in, struct reply *r)
{
	int fd = connect_socket(sock);

	if (fd < 0)
		return EXIT_UNREACHABLE;
	if (write(fd, req->data, req->len) != (ssize_t)req->len ||
	    read_reply(fd, in, r) < 0) {
		close(fd);
		return no_reply(sock);
	}
	close(fd);
	return 0;
}

/*
 * exchange() for a request with a body: the file is read here, with the
 * caller's rights, and streamed after the line (onshictl_upload.h). The
 * reply is read even when onshid stopped reading early: it says why.
 */
static int exchange_upload(const char *sock, const struct onshi_strbuf *req,
			   struct onshictl_upload *u, struct onshi_strbuf *in,
			   struct reply *r)
{
	char why[512];
	int fd = connect_socket(sock), sent;

	if (fd < 0)
		return EXIT_UNREACHABLE;
	sent = onshictl_upload_send(fd, req->data, req->len, u, why, sizeof(why));
	if (sent < 0) {
		fprintf(stderr, "onshictl: %s\n", why);
		close(fd);
		return EXIT_USAGE;
	}
	if (read_reply(fd, in, r) < 0) {
		close(fd);
		return no_reply(sock);
	}
	close(fd);
	return 0;
}

static const char *validity_word(long v)
{
	static const char *const words[] = {
		"-",
		"valid",
		"invalid",
		"invalid (newer exists)",
		"no such qualification",
		"several match",
		"valid (unregistered)",
	};

	return v >= 0 && v <= 6 ? words[v] : "?";
}

/* batch submit FILE / batch fetch RECEPTION, with waiting and progress. */
static int run_batch(const char *sock, int argc, char **argv)
{
	const char *inst = NULL, *target;
	long wait_s = 600;
	char period[512] = ""; /* " kind=.. from=.." words */
	int tty = isatty(STDOUT_FILENO), first = 3, period_kind = 0, no_file = 0;

	if (argc < 3 ||
	    (strcmp(argv[1], "submit") != 0 && strcmp(argv[1], "fetch") != 0))
		return bad_usage("batch takes submit FILE or fetch RECEPTION");
	target = argv[2];
	if (strcmp(argv[1], "submit") == 0 && strncmp(target, "--", 2) == 0) {
		target = "-"; /* a batch by period given as options only */
		first = 2;
		no_file = 1;
	}
	for (int i = first; i < argc; i++) {
		static const char *const words[][2] = {
			{ "--kind", "kind" },   { "--from", "from" },
			{ "--to", "to" },       { "--by", "by" },
			{ "--month", "month" }, { "--flag", "flag" },
		};
		size_t w;

		for (w = 0; w < sizeof(words) / sizeof(words[0]); w++)
			if (strcmp(argv[i], words[w][0]) == 0 && i + 1 < argc)
				break;
		if (w < sizeof(words) / sizeof(words[0])) {
			if (strpbrk(argv[i + 1], " \t\r\n=")) {
				fprintf(stderr,
					"onshictl: batch: %s: no spaces or '='\n",
					argv[i]);
				return EXIT_USAGE;
			}
			if (w == 0 && strcmp(argv[i + 1], "qualification") != 0)
				period_kind = 1;
			if (strlen(period) + strlen(argv[i + 1]) + 16 >=
			    sizeof(period)) {
				fprintf(stderr, "onshictl: batch: options too long\n");
				return EXIT_USAGE;
			}
			snprintf(period + strlen(period),
				 sizeof(period) - strlen(period), " %s=%s",
				 words[w][1], argv[i + 1]);
			i++;
		} else if (strcmp(argv[i], "--institution") == 0 && i + 1 < argc)
			inst = argv[++i];
		else if (strcmp(argv[i], "--wait") == 0 && i + 1 < argc)
			wait_s = atol(argv[++i]);
		else {
			fprintf(stderr, "onshictl: batch: unknown option '%s'\n",
				argv[i]);
			return EXIT_USAGE;
		}
	}
	/* The file's path is not sent (its bytes are), so it may have any
	 * name; words of the request line may not. */
	if ((strcmp(argv[1], "fetch") == 0 && strpbrk(target, " \t\r\n")) ||
	    (inst && strpbrk(inst, " \t\r\n"))) {
		fprintf(stderr, "onshictl: batch: names must not contain spaces\n");
		return EXIT_USAGE;
	}
	if (no_file && !period_kind) {
		fprintf(stderr,
			"onshictl: batch submit: give a FILE, or --kind and a period\n");
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "submit") == 0) {
		struct onshi_strbuf req = { 0 }, in = { 0 };
		struct reply r;
		struct onshi_kv f[MAX_FIELDS];
		struct onshictl_upload up = { .fd = -1 };
		char why[512];
		int rc, n;

		/* The file is read here, with the caller's rights: onshid
		 * never opens a path from a request. "-" is standard input,
		 * except that a batch by period takes "-" for "no document". */
		if (strcmp(target, "-") == 0 && period_kind) {
			onshi_strbuf_printf(&req, "BATCH SUBMIT -%s%s%s\n",
					    inst ? " institution=" : "",
					    inst ? inst : "", period);
			rc = exchange(sock, &req, &in, &r);
		} else if (onshictl_upload_open(target, &up, why, sizeof(why)) < 0) {
			fprintf(stderr, "onshictl: batch submit: %s\n", why);
			onshi_strbuf_free(&req);
			return EXIT_USAGE;
		} else {
			onshi_strbuf_printf(&req, "BATCH SUBMIT bytes=%zu%s%s%s\n",
					    up.size, inst ? " institution=" : "",
					    inst ? inst : "", period);
			rc = exchange_upload(sock, &req, &up, &in, &r);
			onshictl_upload_close(&up);
		}
		if (rc == 0 && r.count < 0) {
			fprintf(stderr, "onshictl: %s\n", r.message);
			rc = EXIT_REFUSED;
		} else if (rc == 0) {
			n = r.count ? parse_fields(r.lines[0], f, MAX_FIELDS) : -1;
			if (n < 0) {
				rc = EXIT_BADREPLY;
			} else if (period_kind) {
				printf("accepted: reception %s (the persons of the period come with the result)\n",
				       or_dash(field(f, n, "reception")));
			} else {
				printf("accepted: reception %s, %s person(s)\n",
				       or_dash(field(f, n, "reception")),
				       or_dash(field(f, n, "count")));
			}
		}
		free(r.lines);
		onshi_strbuf_free(&req);
		onshi_strbuf_free(&in);
		return rc;
	}
	for (long waited = 0;; waited++) {
		struct onshi_strbuf req = { 0 }, in = { 0 };
		struct reply r;
		struct onshi_kv f[MAX_FIELDS];
		int rc, n;

		onshi_strbuf_printf(&req, "BATCH FETCH %s%s%s%s\n", argv[2],
				    inst ? " institution=" : "",
				    inst ? inst : "", period);
		rc = exchange(sock, &req, &in, &r);
		onshi_strbuf_free(&req);
		if (rc == 0 && r.count < 0) {
			if (tty)
				printf("\n");
			fprintf(stderr, "onshictl: %s\n", r.message);
			rc = EXIT_REFUSED;
		}
		if (rc != 0 || r.count < 0) {
			free(r.lines);
			onshi_strbuf_free(&in);
			return rc;
		}
		if (strcmp(r.message, "processing") == 0) {
			free(r.lines);
			onshi_strbuf_free(&in);
			if (waited >= wait_s) {
				if (tty)
					printf("\n");
				fprintf(stderr,
					"onshictl: batch %s still processing after %ld s\n",
					argv[2], wait_s);
				return EXIT_REFUSED;
			}
			if (tty) {
				/* A bar that moves: the service gives no
				 * percentage, only "not ready yet". */
				char bar[21];

				for (int i = 0; i < 20; i++)
					bar[i] = i == (int)(waited % 20) ? '#' : '.';
				bar[20] = '\0';
				printf("\rwaiting for %s [%s] %ld s", argv[2],
				       bar, waited);
				fflush(stdout);
			} else if (waited % 10 == 0) {
				printf("processing: %s not ready yet (%ld s)\n",
				       argv[2], waited);
			}
			sleep(1);
			continue;
		}
		if (tty && waited)
			printf("\n");
		n = r.count ? parse_fields(r.lines[0], f, MAX_FIELDS) : -1;
		if (n < 0) {
			free(r.lines);
			onshi_strbuf_free(&in);
			return EXIT_BADREPLY;
		}
		printf("batch %s: %s result(s), %s normal, %s error(s)\n",
		       argv[2], or_dash(field(f, n, "results")),
		       or_dash(field(f, n, "normal")),
		       or_dash(field(f, n, "errors")));
		for (long i = 1; i < r.count; i++) {
			n = parse_fields(r.lines[i], f, MAX_FIELDS);
			if (n < 0)
				continue;
			printf("%6s  %-22s %-10s %s%s%s\n",
			       or_dash(field(f, n, "unit")),
			       validity_word(atol(or_dash(field(f, n, "validity")))),
			       or_dash(field(f, n, "number")),
			       field(f, n, "name") ? field(f, n, "name") : "",
			       field(f, n, "message") ? "  " : "",
			       field(f, n, "message") ? field(f, n, "message") : "");
		}
		free(r.lines);
		onshi_strbuf_free(&in);
		return 0;
	}
}

/*
 * cert status|csr|install FILE [--institution NAME] → "CERT ..."; for
 * install, FILE is opened into up and its bytes follow the line.
 */
static int build_cert(int argc, char **argv, struct onshi_strbuf *req,
		      struct onshictl_upload *up)
{
	const char *inst = NULL;
	char why[512];
	int i = 2;

	if (argc < 2 ||
	    (strcmp(argv[1], "status") != 0 && strcmp(argv[1], "csr") != 0 &&
	     strcmp(argv[1], "install") != 0)) {
		fprintf(stderr,
			"onshictl: cert status|csr|install FILE [--institution NAME]\n");
		return -1;
	}
	if (strcmp(argv[1], "install") == 0) {
		if (argc < 3) {
			fprintf(stderr,
				"onshictl: cert install: which certificate file?\n");
			return -1;
		}
		i = 3;
	}
	for (; i < argc; i++) {
		if (strcmp(argv[i], "--institution") == 0 && i + 1 < argc) {
			inst = argv[++i];
		} else {
			fprintf(stderr, "onshictl: cert: unknown option '%s'\n",
				argv[i]);
			return -1;
		}
	}
	if (inst && strpbrk(inst, " \t\r\n")) {
		fprintf(stderr, "onshictl: cert: names must not contain spaces\n");
		return -1;
	}
	/* Read here, with the caller's rights: onshid opens no path it is sent. */
	if (strcmp(argv[1], "install") == 0 &&
	    onshictl_upload_open(argv[2], up, why, sizeof(why)) < 0) {
		fprintf(stderr, "onshictl: cert install: %s\n", why);
		return -1;
	}
	onshi_strbuf_printf(req, "CERT %s", argv[1]);
	if (up->name)
		onshi_strbuf_printf(req, " bytes=%zu", up->size);
	onshi_strbuf_printf(req, "%s%s\n", inst ? " institution=" : "",
			    inst ? inst : "");
	return 0;
}

/* CERT STATUS of several institutions: a table, a line each. */
static int show_certs(struct reply *r)
{
	struct onshi_kv f[MAX_FIELDS];
	int bad = 0;

	printf("%-12s %-10s %-8s %-10s %5s  %s\n", "institution", "code",
	       "state", "not after", "days", "subject");
	for (long i = 0; i < r->count; i++) {
		int n = parse_fields(r->lines[i], f, MAX_FIELDS);
		const char *st;

		if (n < 0)
			return EXIT_BADREPLY;
		st = or_dash(field(f, n, "state"));
		printf("%-12s %-10s %-8s %-10s %5s  %s\n",
		       or_dash(field(f, n, "cert")), or_dash(field(f, n, "code")),
		       cert_say(st), or_dash(field(f, n, "not_after")),
		       or_dash(field(f, n, "days_left")),
		       field(f, n, "subject") ? field(f, n, "subject")
		       : field(f, n, "cn")    ? field(f, n, "cn")
					      : "-");
		if (field(f, n, "message"))
			printf("%-12s %s\n", "", field(f, n, "message"));
		bad |= strcmp(st, "error") == 0 || strcmp(st, "expired") == 0;
	}
	/* An unusable certificate is a failure for scripts too. */
	return bad ? EXIT_REFUSED : 0;
}

static int show_cert(struct reply *r)
{
	struct onshi_kv f[MAX_FIELDS];
	int n;

	if (strcmp(r->message, "certificates") == 0)
		return show_certs(r);
	if (strcmp(r->message, "certificate") != 0)
		printf("%s\n", r->message);
	if (r->count < 1)
		return 0;
	n = parse_fields(r->lines[0], f, MAX_FIELDS);
	if (n < 0)
		return EXIT_BADREPLY;
	if (field(f, n, "state"))
		printf("state      %s\n", cert_say(field(f, n, "state")));
	if (field(f, n, "cn"))
		printf("subject    CN=%s\nissuer     %s\nserial     %s\n",
		       field(f, n, "cn"), or_dash(field(f, n, "issuer")),
		       or_dash(field(f, n, "serial")));
	if (field(f, n, "not_after"))
		printf("expires    %s (%s days left)\n", field(f, n, "not_after"),
		       or_dash(field(f, n, "days_left")));
	if (field(f, n, "csr"))
		printf("csr        %s\nnew key    %s\n", field(f, n, "csr"),
		       or_dash(field(f, n, "key")));
	if (field(f, n, "message"))
		printf("note       %s\n", field(f, n, "message"));
	/* An unusable certificate is a failure for scripts too. */
	return field(f, n, "state") &&
			       (strcmp(field(f, n, "state"), "error") == 0 ||
				strcmp(field(f, n, "state"), "expired") == 0)
		       ? EXIT_REFUSED
		       : 0;
}

/*
 * audit verify --file PATH: check a log offline (root, a stopped daemon or
 * a copy). 0 and "N records, chain intact", else 1 naming the first bad
 * line.
 */
static int audit_verify_file(const char *path)
{
	struct onshi_audit_report rep;
	char msg[512];

	if (onshi_audit_verify_file(path, &rep, msg, sizeof(msg)) != 0) {
		fprintf(stderr, "onshictl: %s: %s\n", path, msg);
		return EXIT_REFUSED;
	}
	printf("%lu records, chain intact%s\n", rep.records,
	       rep.gaps ? " (with recorded gaps)" : "");
	if (rep.records)
		printf("last record %llu, hash %s\n",
		       (unsigned long long)rep.last_seq, rep.last_hash);
	if (rep.gaps)
		printf("%lu gap(s), %lu event(s) not recorded; first: %s\n",
		       rep.gaps, rep.dropped, rep.gap_note);
	return 0;
}

static int show_audit(struct reply *r)
{
	struct onshi_kv f[MAX_FIELDS];
	int n;

	printf("%s\n", r->message);
	if (r->count < 1 || (n = parse_fields(r->lines[0], f, MAX_FIELDS)) < 0)
		return r->count < 1 ? 0 : EXIT_BADREPLY;
	printf("file %s, last record %s, hash %s\n", or_dash(field(f, n, "file")),
	       or_dash(field(f, n, "last_seq")), or_dash(field(f, n, "head")));
	if (field(f, n, "gap"))
		printf("%s gap(s), %s event(s) not recorded; first: %s\n",
		       or_dash(field(f, n, "gaps")),
		       or_dash(field(f, n, "dropped")), field(f, n, "gap"));
	return 0;
}

/* verify --insurer .. → "VERIFY insurer=.. ..." */
static int build_verify(int argc, char **argv, struct onshi_strbuf *req)
{
	static const char *const opts[] = { "--insurer", "--symbol",
					    "--number",  "--branch",
					    "--birth",   "--institution" };

	onshi_strbuf_printf(req, "VERIFY");
	for (int i = 1; i < argc; i++) {
		size_t k;

		for (k = 0; k < 6; k++)
			if (strcmp(argv[i], opts[k]) == 0)
				break;
		if (k == 6 || i + 1 >= argc) {
			fprintf(stderr, "onshictl: verify: %s '%s'\n",
				k == 6 ? "unknown option" : "missing value for",
				argv[i]);
			return -1;
		}
		if (strpbrk(argv[i + 1], " \t\r\n")) {
			fprintf(stderr,
				"onshictl: verify: %s must not contain spaces\n",
				argv[i]);
			return -1;
		}
		onshi_strbuf_printf(req, " %s=%s", opts[k] + 2, argv[i + 1]);
		i++;
	}
	onshi_strbuf_printf(req, "\n");
	return 0;
}

static int show_verify(struct reply *r)
{
	struct onshi_kv f[MAX_FIELDS];
	int n;
	const char *name, *ratio;

	if (r->count < 1 || (n = parse_fields(r->lines[0], f, MAX_FIELDS)) < 0)
		return EXIT_BADREPLY;
	name = field(f, n, "name");
	ratio = field(f, n, "ratio");
	printf("%s", r->message);
	if (name)
		printf(" — %s (%s), born %s", name, or_dash(field(f, n, "kana")),
		       or_dash(field(f, n, "birth")));
	printf("\n");
	if (field(f, n, "insurer"))
		printf("  insurer %s %s", field(f, n, "insurer"),
		       field(f, n, "insurer_name") ? field(f, n, "insurer_name")
						   : "");
	if (ratio)
		printf(", contribution %d %%", atoi(ratio));
	if (field(f, n, "lost"))
		printf(", lost on %s", field(f, n, "lost"));
	if (field(f, n, "insurer") || ratio)
		printf("\n");
	if (field(f, n, "message"))
		printf("  %s (%s)\n", field(f, n, "message"),
		       or_dash(field(f, n, "code")));
	printf("  answered in %s ms\n", or_dash(field(f, n, "ms")));
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sock = getenv("ONSHI_SOCKET");
	struct onshi_strbuf req = { 0 }, in = { 0 };
	struct onshictl_upload up = { .fd = -1 }; /* cert install's file */
	enum {
		CMD_RAW,
		CMD_STATUS,
		CMD_LIST,
		CMD_ACTION,
		CMD_VERSION,
		CMD_VERIFY,
		CMD_CERT,
		CMD_XML,
		CMD_AUDIT,
		CMD_SELFTEST,
		CMD_CHECK
	} kind = CMD_RAW;
	struct reply r;
	int c, rc = 0, xml = 0, check = 0;

	if (!sock || !*sock)
		sock = DEFAULT_SOCKET;
	while ((c = getopt_long(argc, argv, "+s:ho:", opts, NULL)) != -1) {
		switch (c) {
		case 's': sock = optarg; break;
		case 'o':
			if (strcmp(optarg, "xml") != 0 &&
			    strcmp(optarg, "text") != 0) {
				fprintf(stderr,
					"onshictl: -o takes text or xml, not '%s'\n",
					optarg);
				return EXIT_USAGE;
			}
			xml = strcmp(optarg, "xml") == 0;
			break;
		case 'h': usage(stdout); return 0;
		default: return bad_usage("unknown option");
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		return bad_usage("no command given");
	if (xml && strcmp(argv[0], "status") != 0 &&
	    strcmp(argv[0], "selftest") != 0) {
		fprintf(stderr, "onshictl: -o xml is for status and selftest only\n");
		return EXIT_USAGE;
	}
	if (strcmp(argv[0], "status") == 0 || strcmp(argv[0], "selftest") == 0) {
		/* "status -o xml" as well as "-o xml status". */
		for (int i = 1; i < argc; i++) {
			const char *o = NULL;

			if (strcmp(argv[i], "--check") == 0) {
				check = 1;
				continue;
			}
			if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
				o = argv[++i];
			else if (strncmp(argv[i], "--output=", 9) == 0)
				o = argv[i] + 9;
			if (!o || (strcmp(o, "xml") != 0 && strcmp(o, "text") != 0)) {
				fprintf(stderr,
					"onshictl: %s takes -o text or -o xml, not '%s'\n",
					argv[0], o ? o : argv[i]);
				return EXIT_USAGE;
			}
			xml = strcmp(o, "xml") == 0;
		}
		if (strcmp(argv[0], "selftest") == 0) {
			if (check) {
				fprintf(stderr,
					"onshictl: --check is for status; selftest exits 0/1/2 itself\n");
				return EXIT_USAGE;
			}
			onshi_strbuf_printf(&req, "SELFTEST\n");
			kind = CMD_SELFTEST;
		} else {
			if (check && xml) {
				fprintf(stderr,
					"onshictl: status --check prints lines, not XML: drop -o xml\n");
				return EXIT_USAGE;
			}
			onshi_strbuf_printf(&req, xml ? "STATUS XML\n" : "STATUS\n");
			kind = xml ? CMD_XML : check ? CMD_CHECK : CMD_STATUS;
		}
	} else if (strcmp(argv[0], "version") == 0 && argc == 1) {
		onshi_strbuf_printf(&req, "VERSION\n");
		kind = CMD_VERSION;
	} else if (strcmp(argv[0], "plugin") == 0 && argc == 2 &&
		   strcmp(argv[1], "list") == 0) {
		onshi_strbuf_printf(&req, "LIST\n");
		kind = CMD_LIST;
	} else if (strcmp(argv[0], "plugin") == 0 && argc == 3 &&
		   (strcmp(argv[1], "enable") == 0 || strcmp(argv[1], "disable") == 0 ||
		    strcmp(argv[1], "reload") == 0)) {
		if (strpbrk(argv[2], " \t\r\n")) {
			fprintf(stderr,
				"onshictl: module names have no spaces: '%s'\n",
				argv[2]);
			return EXIT_USAGE;
		}
		onshi_strbuf_printf(&req, "%s %s\n",
				    strcmp(argv[1], "enable") == 0    ? "ENABLE"
				    : strcmp(argv[1], "disable") == 0 ? "DISABLE"
								      : "RELOAD",
				    argv[2]);
		kind = CMD_ACTION;
	} else if (strcmp(argv[0], "cert") == 0) {
		if (build_cert(argc, argv, &req, &up) < 0)
			return EXIT_USAGE;
		kind = CMD_CERT;
	} else if (strcmp(argv[0], "maintenance") == 0 && argc == 2 &&
		   strcmp(argv[1], "poll") == 0) {
		onshi_strbuf_printf(&req, "MAINTENANCE POLL\n");
		kind = CMD_ACTION; /* the outcome is the reply's message */
	} else if (strcmp(argv[0], "audit") == 0 && argc >= 2 &&
		   strcmp(argv[1], "verify") == 0) {
		if (argc == 4 && strcmp(argv[2], "--file") == 0)
			return audit_verify_file(argv[3]);
		if (argc != 2) {
			fprintf(stderr, "onshictl: audit verify [--file PATH]\n");
			return EXIT_USAGE;
		}
		onshi_strbuf_printf(&req, "AUDIT VERIFY\n");
		kind = CMD_AUDIT;
	} else if (strcmp(argv[0], "batch") == 0) {
		return run_batch(sock, argc, argv);
	} else if (strcmp(argv[0], "verify") == 0) {
		if (build_verify(argc, argv, &req) < 0)
			return EXIT_USAGE;
		kind = CMD_VERIFY;
	} else if (strcmp(argv[0], "send") == 0 && argc >= 2) {
		for (int i = 1; i < argc; i++)
			onshi_strbuf_printf(&req, "%s%s", i > 1 ? " " : "", argv[i]);
		onshi_strbuf_printf(&req, "\n");
	} else {
		static const char *const known[] = {
			"status",      "version",  "plugin", "cert",
			"maintenance", "audit",    "batch",  "verify",
			"send",        "selftest", NULL,
		};
		for (int i = 0; known[i]; i++)
			if (strcmp(argv[0], known[i]) == 0)
				return bad_usage("wrong arguments for '%s'",
						 argv[0]);
		return bad_usage("unknown command '%s'", argv[0]);
	}
	if (req.failed)
		return EXIT_REFUSED;
	rc = up.name ? exchange_upload(sock, &req, &up, &in, &r)
		     : exchange(sock, &req, &in, &r);
	onshictl_upload_close(&up);
	if (rc != 0) {
		onshi_strbuf_free(&req);
		onshi_strbuf_free(&in);
		return rc;
	}
	if (r.count < 0) {
		fprintf(stderr, "onshictl: %s\n", r.message);
		rc = EXIT_REFUSED;
	} else {
		switch (kind) {
		case CMD_STATUS: rc = show_status(&r); break;
		case CMD_CHECK: rc = check_status(&r); break;
		case CMD_LIST: rc = show_list(&r); break;
		case CMD_ACTION: printf("%s\n", r.message); break;
		case CMD_VERIFY: rc = show_verify(&r); break;
		case CMD_CERT: rc = show_cert(&r); break;
		case CMD_XML:
			/* The document, a line per reply line, as it came. */
			if (r.count < 2 || strncmp(r.lines[0], "<?xml", 5) != 0)
				rc = EXIT_BADREPLY;
			for (long i = 0; rc == 0 && i < r.count; i++)
				printf("%s\n", r.lines[i]);
			break;
		case CMD_AUDIT: rc = show_audit(&r); break;
		case CMD_SELFTEST:
			rc = onshictl_selftest_show(r.lines, r.count, xml);
			break;
		case CMD_VERSION:
		case CMD_RAW:
			if (kind == CMD_RAW)
				printf("%ld %s\n", r.count, r.message);
			for (long i = 0; i < r.count; i++)
				printf("%s\n", r.lines[i]);
			break;
		}
		if (rc == EXIT_BADREPLY)
			fprintf(stderr,
				"onshictl: malformed reply line from onshid\n");
	}
	free(r.lines);
	onshi_strbuf_free(&req);
	onshi_strbuf_free(&in);
	return rc;
}
