/* SPDX-License-Identifier: Apache-2.0 */
/*
 * onshictl_cert.c — `onshictl cert status|csr|install`: the request (for
 * install, the certificate file is read here and sent as the body) and the
 * certificate's or the institutions' table as text. The dashboard words a
 * certificate state the same way (onshictl_cert_say).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "onshictl.h"
#include "onshictl_upload.h"

/* A certificate state as the dashboard says it. */
const char *onshictl_cert_say(const char *st)
{
	return strcmp(st, "expired") == 0 ? "EXPIRED" : st;
}

/*
 * cert status|csr|install FILE [--institution NAME] → "CERT ..."; for
 * install, FILE is opened into up and its bytes follow the line.
 */
int onshictl_cert_build(int argc, char **argv, struct onshi_strbuf *req,
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
		       onshictl_cert_say(st), or_dash(field(f, n, "not_after")),
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

int onshictl_cert_show(struct reply *r)
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
		printf("state      %s\n", onshictl_cert_say(field(f, n, "state")));
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
