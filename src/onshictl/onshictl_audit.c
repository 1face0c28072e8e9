/* SPDX-License-Identifier: Apache-2.0 */
/*
 * onshictl_audit.c — `onshictl audit verify`: the daemon's answer, or with
 * --file a log checked here, offline, with the daemon's own verifier
 * (audit_verify.c).
 */
#include "config.h"

#include <stdio.h>

#include "audit.h"
#include "onshictl.h"

/*
 * audit verify --file PATH: check a log offline (root, a stopped daemon or
 * a copy). 0 and "N records, chain intact", else 1 naming the first bad
 * line.
 */
int onshictl_audit_verify_file(const char *path)
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

int onshictl_audit_show(struct reply *r)
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
