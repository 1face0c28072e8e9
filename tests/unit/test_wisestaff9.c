/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_wisestaff9.c — the WiseStaff-9 adapter with the mock host: requests
 * taken from req/ and submitted untouched; results, .err files and face/
 * pushes always in CP932 (髙 﨑 ① kept, 〓 for what CP932 lacks); the
 * reception number in ArbitraryFileIdentifier (the request's own, else the
 * file name's id, else the push id); only the two consent triples that
 * generation knows; oversized requests answered with an .err.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_rececon_mock.h"
#include "testutil.h"

static const char req_afi[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<XmlMsg><MessageHeader>"
	"<QualificationConfirmationDate>20260401</QualificationConfirmationDate>"
	"<MedicalInstitutionCode>1311111111</MedicalInstitutionCode>"
	"<ArbitraryFileIdentifier>UKE-0815</ArbitraryFileIdentifier>"
	"</MessageHeader><MessageBody><QualificationConfirmSearchInfo>"
	"<InsurerNumber>06139999</InsurerNumber>"
	"<InsuredCardSymbol>1234</InsuredCardSymbol>"
	"<InsuredIdentificationNumber>56</InsuredIdentificationNumber>"
	"<InsuredBranchNumber>01</InsuredBranchNumber>"
	"<Birthdate>19800101</Birthdate>"
	"</QualificationConfirmSearchInfo></MessageBody></XmlMsg>\n";

static const char req_plain[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<XmlMsg><MessageHeader>"
	"<QualificationConfirmationDate>20260401</QualificationConfirmationDate>"
	"<MedicalInstitutionCode>1311111111</MedicalInstitutionCode>"
	"</MessageHeader><MessageBody><QualificationConfirmSearchInfo>"
	"<InsurerNumber>06139999</InsurerNumber>"
	"<InsuredIdentificationNumber>57</InsuredIdentificationNumber>"
	"<Birthdate>19800101</Birthdate>"
	"</QualificationConfirmSearchInfo></MessageBody></XmlMsg>\n";

static int setup(void **state)
{
	(void)state;
	mock_setup();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	mock_teardown();
	return 0;
}

static int nsubs_target;

static int enough_subs(void)
{
	return M.nsubs >= nsubs_target;
}

static void deliver_answer(int idx, const char *name)
{
	struct onshi_msg res;
	struct onshi_delivery d;

	mock_answer(M.subs[idx].body, M.subs[idx].len, name, "ﾀｶﾊｼ ﾀﾛｳ", &res);
	memset(&d, 0, sizeof(d));
	d.request_id = M.subs[idx].id;
	d.request_kind = M.subs[idx].kind;
	d.result = &res;
	assert_int_equal(mock_deliver(&d), ONSHI_OK);
	onshi_msg_clear(&res);
}

static void test_descriptor(void **state)
{
	(void)state;
	assert_string_equal(onshi_plugin_v1.name, "wisestaff9");
	assert_int_equal(onshi_plugin_v1.kind, ONSHI_KIND_RECECON);
	assert_true(ONSHI_OPS_HAS(onshi_plugin_v1.ops_size, deliver));
}

static void test_cp932_result(void **state)
{
	char *raw;
	size_t len;

	(void)state;
	assert_int_equal(mock_create_and_start(), ONSHI_OK);
	assert_true(mock_exists("", "face"));
	mock_put("req", "OQSsiquc01req_0815.xml", req_afi, sizeof(req_afi) - 1);
	nsubs_target = 1;
	assert_true(mock_run(3000, enough_subs));
	assert_string_equal(M.subs[0].id, "OQSsiquc01req_0815.xml");
	/* Submitted untouched: the core parses. */
	assert_string_equal(M.subs[0].body, req_afi);
	deliver_answer(0, "髙﨑①😀　太郎");
	raw = mock_slurp("res", "OQSsiquc01res_0815.xml", &len);
	assert_non_null(strstr(raw, "encoding=\"Shift_JIS\""));
	assert_non_null(strstr(raw, "<CharacterCodeIdentifier>1</CharacterCodeIdentifier>"));
	/* 髙 﨑 ① in CP932, the emoji as 〓 (81 AC). */
	assert_non_null(memmem(raw, len, "\xfb\xfc\xfa\xb1\x87\x40\x81\xac", 8));
	/* The request's own reception number is kept. */
	assert_non_null(strstr(raw, "<ArbitraryFileIdentifier>UKE-0815<"));
	/* This generation's two consent triples, not the newer two. */
	assert_non_null(strstr(raw, "<PharmacistsInfoConsFlg>1<"));
	assert_non_null(strstr(raw, "<SpecificHealthCheckupsInfoConsFlg>1<"));
	assert_null(strstr(raw, "DiagnosisInfo"));
	assert_null(strstr(raw, "OperationInfo"));
	free(raw);
	assert_non_null(strstr(M.log, "1 characters that Shift_JIS cannot hold"));
}

static void test_reception_from_name(void **state)
{
	struct onshi_msg req, doc, back;
	struct onshi_delivery d;
	char why[256], *raw, *xml;
	size_t len, xlen;

	(void)state;
	assert_int_equal(mock_create_and_start(), ONSHI_OK);
	/* A UTF-8 request without an identifier: still answered in CP932. */
	mock_put("req", "OQSsiquc01req_00042.xml", req_plain, sizeof(req_plain) - 1);
	nsubs_target = 1;
	assert_true(mock_run(3000, enough_subs));
	deliver_answer(0, "山田　太郎");
	raw = mock_slurp("res", "OQSsiquc01res_00042.xml", &len);
	assert_non_null(strstr(raw, "encoding=\"Shift_JIS\""));
	assert_non_null(strstr(raw, "<ArbitraryFileIdentifier>00042<"));
	free(raw);

	/* An .err: the same reception number. */
	assert_int_equal(onshi_msg_parse(ONSHI_MSG_INQUIRY_REQUEST, req_plain,
					 sizeof(req_plain) - 1, NULL, &req, why,
					 sizeof(why)),
			 ONSHI_OK);
	assert_int_equal(onshi_msg_error_init(&doc, ONSHI_EINVAL, "髙 invalid", &req),
			 ONSHI_OK);
	assert_int_equal(onshi_msg_write(&doc, ONSHI_CHARSET_UTF8, &xml, &xlen,
					 NULL, why, sizeof(why)),
			 ONSHI_OK);
	assert_int_equal(onshi_msg_parse(ONSHI_MSG_ERROR, xml, xlen, NULL,
					 &back, why, sizeof(why)),
			 ONSHI_OK);
	memset(&d, 0, sizeof(d));
	d.request_id = "OQSsiquc01req_00042.xml";
	d.request_kind = ONSHI_MSG_INQUIRY_REQUEST;
	d.is_error = 1;
	d.result = &back;
	assert_int_equal(mock_deliver(&d), ONSHI_OK);
	raw = mock_slurp("res", "OQSsiquc01req_00042.err", &len);
	assert_non_null(strstr(raw, "encoding=\"Shift_JIS\""));
	assert_non_null(strstr(raw, "<ArbitraryFileIdentifier>00042<"));
	assert_non_null(memmem(raw, len, "\xfb\xfc invalid", 9));
	free(raw);
	free(xml);
	onshi_msg_clear(&back);
	onshi_msg_clear(&doc);
	onshi_msg_clear(&req);
}

static void test_face_push(void **state)
{
	struct onshi_msg res;
	struct onshi_delivery d;
	char *raw;
	size_t len;

	(void)state;
	assert_int_equal(mock_create_and_start(), ONSHI_OK);
	mock_answer(req_plain, sizeof(req_plain) - 1, "宮﨑　花子", "ﾐﾔｻﾞｷ ﾊﾅｺ",
		    &res);
	memset(&d, 0, sizeof(d));
	d.push = 1;
	d.push_id = "7001";
	d.result = &res;
	assert_int_equal(mock_deliver(&d), ONSHI_OK);
	onshi_msg_clear(&res);
	raw = mock_slurp("face", mock_face_name("7001"), &len);
	assert_non_null(strstr(raw, "encoding=\"Shift_JIS\""));
	assert_non_null(strstr(raw, "<ArbitraryFileIdentifier>7001<"));
	assert_non_null(memmem(raw, len, "\x8b\x7b\xfa\xb1", 4)); /* 宮﨑 */
	free(raw);
	assert_int_equal(mock_count("res"), 0);
}

static void test_oversized(void **state)
{
	char *big = malloc(4096), *raw;

	(void)state;
	assert_non_null(big);
	memset(big, ' ', 4096);
	mock_conf("max_request_bytes", "1024");
	assert_int_equal(mock_create_and_start(), ONSHI_OK);
	mock_put("req", "OQSsiquc01req_big.xml", big, 4096);
	free(big);
	mock_run(300, NULL);
	raw = mock_slurp("res", "OQSsiquc01req_big.err", NULL);
	assert_non_null(strstr(raw, "<ErrorCode>OE0007<"));
	assert_non_null(strstr(raw, "<ArbitraryFileIdentifier>big<"));
	assert_non_null(strstr(raw, "encoding=\"Shift_JIS\""));
	free(raw);
	assert_true(mock_exists("failed", "OQSsiquc01req_big.xml"));
	assert_int_equal(M.nsubs, 0);
	mock_stop();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_descriptor),
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_cp932_result),
		T(test_reception_from_name),
		T(test_face_push),
		T(test_oversized),
#undef T
	};

	onshi_xmlmsg_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
