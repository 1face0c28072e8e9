/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_mask.c — onshi_mask_number() / onshi_mask_name(): the ends of a
 * number kept, the middle starred (never more than 8 stars, so the length
 * does not show), short values fully starred, multibyte characters kept
 * whole, control bytes made printable, and a too-small buffer cut safely.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mask.h"

static void masks_numbers(void **state)
{
	char out[64];

	(void)state;
	onshi_mask_number(out, sizeof(out), "12345678");
	assert_string_equal(out, "12****78");
	onshi_mask_number(out, sizeof(out), "20010327");
	assert_string_equal(out, "20****27");
	onshi_mask_number(out, sizeof(out), "123456");
	assert_string_equal(out, "12**56");
	/* A long serial: at most 8 stars. */
	onshi_mask_number(out, sizeof(out), "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
	assert_string_equal(out, "AB********YZ");
}

static void short_values_fully_starred(void **state)
{
	char out[16];

	(void)state;
	onshi_mask_number(out, sizeof(out), "4260");
	assert_string_equal(out, "****");
	onshi_mask_number(out, sizeof(out), "12345");
	assert_string_equal(out, "*****");
	onshi_mask_number(out, sizeof(out), "");
	assert_string_equal(out, "*");
	onshi_mask_number(out, sizeof(out), NULL);
	assert_string_equal(out, "*");
}

static void multibyte_and_control(void **state)
{
	char out[64];

	(void)state;
	/* Full-width digits count as one character each. */
	onshi_mask_number(out, sizeof(out), "１２３４５６７");
	assert_string_equal(out, "１２***６７");
	onshi_mask_number(out, sizeof(out),
			  "\x01"
			  "2345678\n");
	assert_string_equal(out, "?2*****8?");
}

static void small_buffer(void **state)
{
	char out[5];

	(void)state;
	onshi_mask_number(out, sizeof(out), "12345678");
	assert_string_equal(out, "12**");
	onshi_mask_number(out, 1, "12345678");
	assert_string_equal(out, "");
}

static void names(void **state)
{
	char out[8];

	(void)state;
	onshi_mask_name(out, sizeof(out), "診療　太郎");
	assert_string_equal(out, "*");
}

static void masks_by_element(void **state)
{
	char out[64];

	(void)state;
	onshi_mask_element(out, sizeof(out), "DrugName", "アムロジピン錠５ｍｇ");
	assert_string_equal(out, "*");
	onshi_mask_element(out, sizeof(out), "DispensingPharmacyName", "みどり薬局");
	assert_string_equal(out, "*");
	onshi_mask_element(out, sizeof(out), "MessageContents", "同意なし");
	assert_string_equal(out, "*");
	onshi_mask_element(out, sizeof(out), "ReferenceNumber", "REF-2026-000123");
	assert_string_equal(out, "RE********23");
	onshi_mask_element(out, sizeof(out), "Birthdate", "19800101");
	assert_string_equal(out, "19****01");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(masks_by_element),
		cmocka_unit_test(masks_numbers),
		cmocka_unit_test(short_values_fully_starred),
		cmocka_unit_test(multibyte_and_control),
		cmocka_unit_test(small_buffer),
		cmocka_unit_test(names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
