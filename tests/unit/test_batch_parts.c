/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The spool's record of a batch uploaded in parts (src/inquiry/
 * batch_parts.c): onshi's numbers, the map written and read back
 * through real files, every way a map can be broken (cut off, a field out
 * of shape, sums that disagree, a NUL, a path in the number), and a
 * refused part's persons turned into error units from its kept document.
 */
#include "config.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "batch_parts.h"
#include "key_hex.h"
#include "xmlmsg_stream.h"

static char spool[] = "/tmp/test_batch_parts.XXXXXX";

static void test_number(void **state)
{
	char a[ONSHI_BATCH_NUMBER_LEN + 1], b[ONSHI_BATCH_NUMBER_LEN + 1];

	(void)state;
	onshi_batch_number("0a1b2c3d4e5f60718293", a);
	assert_string_equal(a, "ONSHI0A1B2C3D4E");
	assert_true(onshi_batch_number_is_ours(a));
	onshi_batch_number("ff", b); /* short: padded */
	assert_string_equal(b, "ONSHIFF00000000");
	onshi_batch_number("zz../x", b); /* not hex: folded to 0 */
	assert_true(onshi_batch_number_is_ours(b));
	assert_null(strchr(b, '/'));
	assert_false(onshi_batch_number_is_ours("R20261207000001"));
	assert_false(onshi_batch_number_is_ours("ONSHI0A1B2C3D4"));
	assert_false(onshi_batch_number_is_ours("ONSHI0A1B2C3D4E5"));
	assert_false(onshi_batch_number_is_ours("ONSHI../../etc/p"));
	assert_false(onshi_batch_number_is_ours("ONSHI0a1b2c3d4e"));
	assert_false(onshi_batch_number_is_ours(NULL));
}

static void test_round_trip(void **state)
{
	struct onshi_batch_map m = { 0 }, back;
	char why[512];

	(void)state;
	onshi_batch_number("00112233445566778899", m.number);
	strcpy(m.institution, "1312345678");
	assert_int_equal(onshi_batch_map_add(&m, 1000, "R20261207000001", NULL, NULL),
			 ONSHI_OK);
	assert_int_equal(onshi_batch_map_add(&m, 1000, NULL, "OE0007",
					     "too many\npersons"),
			 ONSHI_OK);
	assert_int_equal(onshi_batch_map_add(&m, 5, NULL, "bad code", NULL), ONSHI_OK);
	assert_int_equal(m.persons, 2005);
	assert_int_equal(onshi_batch_map_save(spool, &m, why, sizeof(why)), ONSHI_OK);
	assert_int_equal(onshi_batch_map_load(spool, m.number, &back, why,
					      sizeof(why)),
			 ONSHI_OK);
	assert_string_equal(back.institution, "1312345678");
	assert_int_equal(back.n_parts, 3);
	assert_int_equal(back.persons, 2005);
	assert_string_equal(back.parts[0].reception, "R20261207000001");
	assert_null(back.parts[1].reception);
	assert_string_equal(back.parts[1].code, "OE0007");
	/* A newline in a refusal cannot start a line of its own. */
	assert_string_equal(back.parts[1].refusal, "too many persons");
	/* A code with a space is replaced by the default one. */
	assert_string_equal(back.parts[2].code, "OE0001");
	assert_string_equal(back.parts[2].refusal, "refused");
	onshi_batch_map_clear(&back);
	/* Another number: none. */
	assert_int_equal(onshi_batch_map_load(spool, "ONSHI0000000000", &back,
					      why, sizeof(why)),
			 ONSHI_ENOTFOUND);
	/* Not one of ours (a path): none, nothing opened. */
	assert_int_equal(onshi_batch_map_load(spool, "../../etc/passwd", &back,
					      why, sizeof(why)),
			 ONSHI_ENOTFOUND);
	onshi_batch_map_clear(&m);
}

/* Each broken map is refused, naming what is wrong. */
static void test_broken_maps(void **state)
{
	static const struct {
		const char *text, *says;
	} cases[] = {
		{ "", "cut off (no number)" },
		{ "onshi-batch-map 2\n", "line 1" },
		{ "onshi-batch-map 1\nnumber ONSHI0011223344\ninstitution 1312345678\n"
		  "part 10 R1\n",
		  "cut off (no end line)" },
		{ "onshi-batch-map 1\nnumber ONSHI0011223344\ninstitution 1312345678\n"
		  "end 10\n",
		  "cut off (no part)" },
		{ "onshi-batch-map 1\nnumber ONSHI0011223344\ninstitution 1312345678\n"
		  "part 10 R1\nend 11\n",
		  "the parts hold 10 persons, the end line says 11" },
		{ "onshi-batch-map 1\nnumber ONSHI0011223344\ninstitution 1312345678\n"
		  "part 10 R1\nend 10\npart 1 R2\n",
		  "line 6" },
		{ "onshi-batch-map 1\nnumber ONSHI../../../x\n", "line 2" },
		{ "onshi-batch-map 1\nnumber ONSHI0011223344\ninstitution 13123\n",
		  "line 3" },
		{ "onshi-batch-map 1\nnumber ONSHI0011223344\ninstitution 1312345678\n"
		  "part 0 R1\n",
		  "line 4" },
		{ "onshi-batch-map 1\nnumber ONSHI0011223344\ninstitution 1312345678\n"
		  "part 99999999999999999999 R1\n",
		  "line 4" },
		{ "onshi-batch-map 1\nnumber ONSHI0011223344\ninstitution 1312345678\n"
		  "part 10 -\n",
		  "line 4" },
		{ "onshi-batch-map 1\nnumber ONSHI0011223344\ninstitution 1312345678\n"
		  "part 10\n",
		  "line 4" },
		{ "onshi-batch-map 1\nnumber ONSHI0011223344\ninstitution 1312345678\n"
		  "part -5 R1\n",
		  "line 4" },
		{ "onshi-batch-map 1\nnumber ONSHI0011223344\ninstitution 1312345678\n"
		  "garbage\n",
		  "line 4" },
	};
	struct onshi_batch_map m;
	char why[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		why[0] = '\0';
		assert_int_equal(onshi_batch_map_parse(cases[i].text,
						       strlen(cases[i].text),
						       &m, why, sizeof(why)),
				 ONSHI_EPROTO);
		if (!strstr(why, cases[i].says))
			fail_msg("case %zu: '%s' does not say '%s'", i, why,
				 cases[i].says);
		assert_int_equal(m.n_parts, 0);
		assert_null(m.parts);
	}
	/* A NUL inside. */
	assert_int_equal(onshi_batch_map_parse("onshi-batch-map 1\n\0x", 20, &m,
					       why, sizeof(why)),
			 ONSHI_EPROTO);
	assert_non_null(strstr(why, "NUL"));
}

/* A map file whose number is not its name's: refused. */
static void test_swapped_map(void **state)
{
	struct onshi_batch_map m = { 0 }, back;
	char why[512], from[4096], to[4096];

	(void)state;
	strcpy(m.number, "ONSHI1111111111");
	strcpy(m.institution, "1312345678");
	assert_int_equal(onshi_batch_map_add(&m, 3, "R1", NULL, NULL), ONSHI_OK);
	assert_int_equal(onshi_batch_map_save(spool, &m, why, sizeof(why)), ONSHI_OK);
	snprintf(from, sizeof(from), "%s/batches/ONSHI1111111111.map", spool);
	snprintf(to, sizeof(to), "%s/batches/ONSHI2222222222.map", spool);
	assert_int_equal(rename(from, to), 0);
	assert_int_equal(onshi_batch_map_load(spool, "ONSHI2222222222", &back,
					      why, sizeof(why)),
			 ONSHI_EPROTO);
	assert_non_null(strstr(why, "it names ONSHI1111111111"));
	onshi_batch_map_clear(&m);
}

struct seen {
	size_t n;
	char first_number[32], last_number[32];
	int all_errors;
};

static int on_unit(void *arg, struct onshi_bulk_unit *u)
{
	struct seen *s = arg;

	if (u->processing_result_status != ONSHI_STATUS_ERROR ||
	    strcmp(u->processing_result_code, "OE0007") != 0 ||
	    strcmp(u->processing_result_message, "over the limit") != 0 ||
	    !u->has_search)
		s->all_errors = 0;
	if (s->n == 0)
		snprintf(s->first_number, 32, "%s",
			 u->search.insured_identification_number);
	snprintf(s->last_number, 32, "%s", u->search.insured_identification_number);
	s->n++;
	onshi_bulk_unit_clear(u); /* handed over: ours to free */
	return ONSHI_OK;
}

static void test_part_errors(void **state)
{
	static const char doc[] =
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<XmlMsg><MessageHeader>"
		"<MedicalInstitutionCode>1312345678</MedicalInstitutionCode>"
		"</MessageHeader><MessageBody>"
		"<QualificationConfirmSearchInfo><InsurerNumber>06139999</InsurerNumber>"
		"<InsuredIdentificationNumber>111</InsuredIdentificationNumber>"
		"<Birthdate>19800101</Birthdate></QualificationConfirmSearchInfo>"
		"<QualificationConfirmSearchInfo><InsurerNumber>06139999</InsurerNumber>"
		"<InsuredIdentificationNumber>222</InsuredIdentificationNumber>"
		"<Birthdate>19800101</Birthdate></QualificationConfirmSearchInfo>"
		"</MessageBody></XmlMsg>\n";
	struct seen s = { 0, "", "", 1 };
	char why[512];

	(void)state;
	assert_int_equal(onshi_batch_part_save(spool, "ONSHI3333333333", 2, doc,
					       sizeof(doc) - 1, why, sizeof(why)),
			 ONSHI_OK);
	assert_int_equal(onshi_batch_part_errors(spool, "ONSHI3333333333", 2, 2,
						 "OE0007", "over the limit",
						 on_unit, &s, why, sizeof(why)),
			 ONSHI_OK);
	assert_int_equal(s.n, 2);
	assert_true(s.all_errors);
	assert_string_equal(s.first_number, "111");
	assert_string_equal(s.last_number, "222");
	/* The map says another count: refused, naming both. */
	assert_int_not_equal(onshi_batch_part_errors(spool, "ONSHI3333333333", 2,
						     3, "OE0007", "x", on_unit,
						     &s, why, sizeof(why)),
			     ONSHI_OK);
	assert_non_null(strstr(why, "holds 2 persons, the map says 3"));
	/* A part that was never kept. */
	assert_int_not_equal(onshi_batch_part_errors(spool, "ONSHI3333333333", 7,
						     1, "OE0007", "x", on_unit,
						     &s, why, sizeof(why)),
			     ONSHI_OK);
	assert_non_null(strstr(why, "missing"));
	/* A part number that is not one of ours is not written. */
	assert_int_equal(onshi_batch_part_save(spool, "../x", 1, doc, 3, why,
					       sizeof(why)),
			 ONSHI_EINVAL);
}

/* Set path's modification time days ago. */
static void age(const char *path, int days)
{
	struct timespec t[2];

	clock_gettime(CLOCK_REALTIME, &t[0]);
	t[0].tv_sec -= (time_t)days * 86400;
	t[1] = t[0];
	assert_int_equal(utimensat(AT_FDCWD, path, t, 0), 0);
}

/* Old batches' files go; fresh ones and other names stay. */
static void test_sweep(void **state)
{
	static const char *const names[] = {
		"ONSHI4444444444.map",
		"ONSHI4444444444.1.xml",
		"ONSHI5555555555.map",
		"notes.txt",
	};
	char path[4096], why[256];
	int days[] = { 40, 40, 2, 40 };

	(void)state;
	/* batches/ exists once a part was kept. */
	assert_int_equal(onshi_batch_part_save(spool, "ONSHI6666666666", 1, "x",
					       1, why, sizeof(why)),
			 ONSHI_OK);
	for (size_t i = 0; i < 4; i++) {
		FILE *f;

		snprintf(path, sizeof(path), "%s/batches/%s", spool, names[i]);
		f = fopen(path, "w");
		assert_non_null(f);
		fclose(f);
		age(path, days[i]);
	}
	assert_int_equal(onshi_batch_sweep(spool, ONSHI_BATCH_KEEP_DAYS), 2);
	for (size_t i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/batches/%s", spool, names[i]);
		assert_int_equal(access(path, F_OK) == 0,
				 days[i] < 31 || strncmp(names[i], "ONSHI", 5) != 0);
	}
	/* No batches/ at all: nothing to do. */
	assert_int_equal(onshi_batch_sweep("/nonexistent-spool", 31), 0);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(spool) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[256];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", spool);
	return system(cmd) == 0 ? 0 : -1;
}

/*
 * The parts' keys (and every other stable key) are hex SHA-256 of two
 * pieces one after the other: the same bytes cut anywhere give the same
 * key, and the key of known bytes is the known digest (FIPS 180-2's
 * "abc"), so keys made before stay what they were.
 */
static void test_key_hex(void **state)
{
	char a[65], b[65], c[65];

	(void)state;
	onshi_key_hex("abc", 3, NULL, 0, a);
	onshi_key_hex("a", 1, "bc", 2, b);
	onshi_key_hex("ab", 2, "c", 1, c);
	assert_string_equal(a, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_string_equal(b, a);
	assert_string_equal(c, a);
	onshi_key_hex("", 0, "", 0, a);
	assert_string_equal(a, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_number),
		cmocka_unit_test(test_key_hex),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_broken_maps),
		cmocka_unit_test(test_swapped_map),
		cmocka_unit_test(test_part_errors),
		cmocka_unit_test(test_sweep),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
