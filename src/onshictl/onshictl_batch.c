/* SPDX-License-Identifier: Apache-2.0 */
/*
 * onshictl_batch.c — `onshictl batch submit|fetch`: a batch upload (a file,
 * or a batch by period), and waiting for a batch's results with a progress
 * bar. Apart from main() because it runs its own exchanges (fetch polls
 * until the results are ready).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "onshictl.h"
#include "onshictl_upload.h"

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
int onshictl_batch_run(const char *sock, int argc, char **argv)
{
	const char *inst = NULL, *target;
	long wait_s = 600;
	char period[512] = ""; /* " kind=.. from=.." words */
	int tty = isatty(STDOUT_FILENO), first = 3, period_kind = 0, no_file = 0;

	if (argc < 3 ||
	    (strcmp(argv[1], "submit") != 0 && strcmp(argv[1], "fetch") != 0))
		return onshictl_bad_usage("batch takes submit FILE or fetch RECEPTION");
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
			rc = onshictl_exchange(sock, &req, &in, &r);
		} else if (onshictl_upload_open(target, &up, why, sizeof(why)) < 0) {
			fprintf(stderr, "onshictl: batch submit: %s\n", why);
			onshi_strbuf_free(&req);
			return EXIT_USAGE;
		} else {
			onshi_strbuf_printf(&req, "BATCH SUBMIT bytes=%zu%s%s%s\n",
					    up.size, inst ? " institution=" : "",
					    inst ? inst : "", period);
			rc = onshictl_exchange_upload(sock, &req, &up, &in, &r);
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
			} else if (field(f, n, "parts")) {
				/* Over the service's persons per upload:
				 * onshid sent it in parts (one number). */
				printf("accepted: reception %s, %s person(s) in %s uploads",
				       or_dash(field(f, n, "reception")),
				       or_dash(field(f, n, "count")),
				       or_dash(field(f, n, "parts")));
				if (strcmp(or_dash(field(f, n, "refused")), "0") != 0)
					printf(" (%s refused: their persons come back as errors)",
					       or_dash(field(f, n, "refused")));
				printf("\n");
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
		rc = onshictl_exchange(sock, &req, &in, &r);
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
