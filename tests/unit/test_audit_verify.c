/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_audit_verify.c — the audit log checker (src/runtime/audit_verify.c) on
 * hand-made files: empty, one record, a chain built here record by record;
 * lines with NUL bytes, a bad hex hash, a seq of 0 or one that overflows,
 * a huge line, a torn first line with and without its kind=recovered
 * record; and %XX decoding of fields.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "audit.h"

static const char zeros[] =
	"0000000000000000000000000000000000000000000000000000000000000000";

/* Append record "SEQ T prev=PREV kind=KIND REST hash=H\n" to buf; H into
 * prev (the next record's prev). */
static void add(char *buf, size_t size, unsigned long seq, char *prev,
		const char *kind, const char *rest)
{
	char body[1024], hash[ONSHI_AUDIT_HASH_HEX + 1];

	snprintf(body, sizeof(body), "%lu 2026-11-25T00:00:00Z prev=%s kind=%s%s%s",
		 seq, prev, kind, rest[0] ? " " : "", rest);
	onshi_audit_sha256_hex(body, strlen(body), hash);
	snprintf(buf + strlen(buf), size - strlen(buf), "%s hash=%s\n", body, hash);
	memcpy(prev, hash, sizeof(hash));
}

static int verify(const char *buf, struct onshi_audit_report *rep, char *msg,
		  size_t msglen)
{
	msg[0] = '\0';
	return onshi_audit_verify_buf(buf, strlen(buf), rep, msg, msglen);
}

static void empty_and_chain(void **state)
{
	struct onshi_audit_report rep;
	char buf[8192] = "", prev[65], msg[256];

	(void)state;
	assert_int_equal(verify("", &rep, msg, sizeof(msg)), 0);
	assert_int_equal(rep.records, 0);
	memcpy(prev, zeros, sizeof(prev));
	add(buf, sizeof(buf), 1, prev, "start", "by=daemon");
	add(buf, sizeof(buf), 2, prev, "accept", "by=daemon id=A%201");
	add(buf, sizeof(buf), 3, prev, "stop", "by=daemon");
	assert_int_equal(verify(buf, &rep, msg, sizeof(msg)), 0);
	assert_int_equal(rep.records, 3);
	assert_int_equal(rep.last_seq, 3);
	assert_string_equal(rep.last_hash, prev);
	/* The first record must be 1 and chain to zeros. */
	assert_int_equal(verify(strchr(buf, '\n') + 1, &rep, msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "line 1: deleted: record 1 is missing"));
}

static void field_decoding(void **state)
{
	const char line[] = "2 T prev=x kind=accept id=A%201%zz module=rececon:desk";
	char v[32];

	(void)state;
	assert_int_equal(onshi_audit_field(line, strlen(line), "id", v, sizeof(v)), 1);
	assert_string_equal(v, "A 1%zz");
	assert_int_equal(onshi_audit_field(line, strlen(line), "module", v,
					   sizeof(v)),
			 1);
	assert_string_equal(v, "rececon:desk");
	assert_int_equal(onshi_audit_field(line, strlen(line), "mod", v, sizeof(v)),
			 0);
	/* Cut to fit, always terminated. */
	assert_int_equal(onshi_audit_field(line, strlen(line), "module", v, 4), 1);
	assert_string_equal(v, "rec");
}

static void hostile_lines(void **state)
{
	struct onshi_audit_report rep;
	struct onshi_audit_record r;
	char buf[8192] = "", prev[65], msg[256], *big;
	static const char nul_line[] = "1 T prev=a\0b kind=x hash=00";

	(void)state;
	assert_int_equal(onshi_audit_parse(nul_line, sizeof(nul_line) - 1, &r), -1);
	memcpy(prev, zeros, sizeof(prev));
	add(buf, sizeof(buf), 1, prev, "start", "");
	/* seq 0, a seq too big for 64 bits, upper-case hex: not records. */
	strcat(buf, "0 T prev=");
	strcat(buf, zeros);
	strcat(buf, " kind=x hash=");
	strcat(buf, zeros);
	strcat(buf, "\n");
	assert_int_equal(verify(buf, &rep, msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "line 2: not an audit record"));
	{
		const char *o = "99999999999999999999999 T prev=0 kind=x hash=";
		char l[256];

		snprintf(l, sizeof(l), "%s%s", o, zeros);
		assert_int_equal(onshi_audit_parse(l, strlen(l), &r), -1);
		snprintf(l, sizeof(l), "1 T prev=%s kind=x hash=%.63sA", zeros, zeros);
		assert_int_equal(onshi_audit_parse(l, strlen(l), &r), -1);
	}
	/* A megabyte line without a newline: truncated, no crash. */
	big = malloc(1 << 20);
	assert_non_null(big);
	memset(big, 'a', (1 << 20) - 1);
	big[(1 << 20) - 1] = '\0';
	assert_int_equal(verify(big, &rep, msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "line 1: truncated"));
	free(big);
}

static void torn_first_line(void **state)
{
	struct onshi_audit_report rep;
	char buf[8192], prev[65], msg[256], rest[256], sha[65];
	const char torn[] = "1 2026-11-25T00:00:00Z prev=00";

	(void)state;
	/* Torn and not named: the file fails. */
	snprintf(buf, sizeof(buf), "%s\n", torn);
	assert_int_equal(verify(buf, &rep, msg, sizeof(msg)), -1);
	/* Named by the next record: a gap, the chain intact. */
	memcpy(prev, zeros, sizeof(prev));
	onshi_audit_sha256_hex(torn, strlen(torn), sha);
	snprintf(rest, sizeof(rest),
		 "by=daemon reason=torn torn_bytes=%zu torn_sha256=%s",
		 strlen(torn), sha);
	add(buf, sizeof(buf), 1, prev, "recovered", rest);
	assert_int_equal(verify(buf, &rep, msg, sizeof(msg)), 0);
	assert_int_equal(rep.records, 1);
	assert_int_equal(rep.gaps, 1);
	/* Naming other bytes does not count. */
	buf[0] = '\0';
	snprintf(buf, sizeof(buf), "%sX\n", torn);
	memcpy(prev, zeros, sizeof(prev));
	add(buf, sizeof(buf), 1, prev, "recovered", rest);
	assert_int_equal(verify(buf, &rep, msg, sizeof(msg)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(empty_and_chain),
		cmocka_unit_test(field_decoding),
		cmocka_unit_test(hostile_lines),
		cmocka_unit_test(torn_first_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
