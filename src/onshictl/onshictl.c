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
 *
 * This file reads the command line and dispatches; the exchange with onshid
 * and each command family are files of their own (onshictl.h).
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onshictl.h"
#include "onshictl_selftest.h"
#include "onshictl_upload.h"
#include "strbuf.h"

#define DEFAULT_SOCKET "/run/onshi/control.sock"

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
		default: return onshictl_bad_usage("unknown option");
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		return onshictl_bad_usage("no command given");
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
		if (onshictl_cert_build(argc, argv, &req, &up) < 0)
			return EXIT_USAGE;
		kind = CMD_CERT;
	} else if (strcmp(argv[0], "maintenance") == 0 && argc == 2 &&
		   strcmp(argv[1], "poll") == 0) {
		onshi_strbuf_printf(&req, "MAINTENANCE POLL\n");
		kind = CMD_ACTION; /* the outcome is the reply's message */
	} else if (strcmp(argv[0], "audit") == 0 && argc >= 2 &&
		   strcmp(argv[1], "verify") == 0) {
		if (argc == 4 && strcmp(argv[2], "--file") == 0)
			return onshictl_audit_verify_file(argv[3]);
		if (argc != 2) {
			fprintf(stderr, "onshictl: audit verify [--file PATH]\n");
			return EXIT_USAGE;
		}
		onshi_strbuf_printf(&req, "AUDIT VERIFY\n");
		kind = CMD_AUDIT;
	} else if (strcmp(argv[0], "batch") == 0) {
		return onshictl_batch_run(sock, argc, argv);
	} else if (strcmp(argv[0], "verify") == 0) {
		if (onshictl_verify_build(argc, argv, &req) < 0)
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
				return onshictl_bad_usage("wrong arguments for '%s'",
							  argv[0]);
		return onshictl_bad_usage("unknown command '%s'", argv[0]);
	}
	if (req.failed)
		return EXIT_REFUSED;
	rc = up.name ? onshictl_exchange_upload(sock, &req, &up, &in, &r)
		     : onshictl_exchange(sock, &req, &in, &r);
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
		case CMD_STATUS: rc = onshictl_status_show(&r); break;
		case CMD_CHECK: rc = onshictl_status_check(&r); break;
		case CMD_LIST: rc = onshictl_plugin_list_show(&r); break;
		case CMD_ACTION: printf("%s\n", r.message); break;
		case CMD_VERIFY: rc = onshictl_verify_show(&r); break;
		case CMD_CERT: rc = onshictl_cert_show(&r); break;
		case CMD_XML:
			/* The document, a line per reply line, as it came. */
			if (r.count < 2 || strncmp(r.lines[0], "<?xml", 5) != 0)
				rc = EXIT_BADREPLY;
			for (long i = 0; rc == 0 && i < r.count; i++)
				printf("%s\n", r.lines[i]);
			break;
		case CMD_AUDIT: rc = onshictl_audit_show(&r); break;
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
