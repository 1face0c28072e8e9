/* SPDX-License-Identifier: Apache-2.0 */
/*
 * onshictl_verify.c — `onshictl verify`: ask the national service about one
 * insured person now, and print the answer.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onshictl.h"

/* verify --insurer .. → "VERIFY insurer=.. ..." */
int onshictl_verify_build(int argc, char **argv, struct onshi_strbuf *req)
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

int onshictl_verify_show(struct reply *r)
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
