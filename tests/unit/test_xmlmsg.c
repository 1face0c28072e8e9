/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_xmlmsg.c — unit tests of the XmlMsg model and codec (message.h):
 * real-shaped samples, every code table value, CP932 in and out, 〓
 * substitution, hostile input (XXE, entity bombs, truncation, size, depth,
 * bad bytes), folder-interface file names, XSD validation of what the
 * writer produces, and the request shapes of real receipt-computer clients
 * (tests/fixtures/clients): their search info echoed as sent.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <libxml/parser.h>
#include <libxml/xmlschemas.h>

#include <onshi/message.h>

#include "testutil.h"

#define MSGLEN 256

/* ---- helpers ---- */

static char *fixture_in(const char *dir, const char *name, size_t *len)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return test_read_file(path, len);
}

static char *fixture(const char *name, size_t *len)
{
	return fixture_in(XMLMSG_FIXTURE_DIR, name, len);
}

/* Parse a fixture; returns the code, message in msg. */
static int parse_fixture(const char *name, enum onshi_msg_kind kind,
			 struct onshi_msg *m, char *msg)
{
	size_t len;
	char *buf = fixture(name, &len);
	int rc = onshi_msg_parse(kind, buf, len, NULL, m, msg, MSGLEN);

	free(buf);
	return rc;
}

/* Validate a written document against etc/xsd/<xsd>.xsd. */
static void assert_valid(const char *doc, size_t len, const char *xsd, int cp932)
{
	char path[1024];
	xmlSchemaParserCtxtPtr pc;
	xmlSchemaPtr schema;
	xmlSchemaValidCtxtPtr vc;
	xmlDocPtr d;

	snprintf(path, sizeof(path), "%s/%s.xsd", XMLMSG_XSD_DIR, xsd);
	pc = xmlSchemaNewParserCtxt(path);
	assert_non_null(pc);
	schema = xmlSchemaParse(pc);
	assert_non_null(schema);
	vc = xmlSchemaNewValidCtxt(schema);
	assert_non_null(vc);
	/* glibc's iconv reads CP932 (libxml2 uses iconv for names it lacks) */
	d = xmlReadMemory(doc, (int)len, NULL, cp932 ? "CP932" : "UTF-8",
			  XML_PARSE_NONET | XML_PARSE_IGNORE_ENC);
	assert_non_null(d);
	assert_int_equal(xmlSchemaValidateDoc(vc, d), 0);
	xmlFreeDoc(d);
	xmlSchemaFreeValidCtxt(vc);
	xmlSchemaFree(schema);
	xmlSchemaFreeParserCtxt(pc);
}

/* Write m, validate it, parse it back as the same kind into back. */
static void round_trip(const struct onshi_msg *m, enum onshi_charset cs,
		       const char *xsd, struct onshi_msg *back)
{
	char *out, msg[MSGLEN];
	size_t len, subst;

	assert_int_equal(onshi_msg_write(m, cs, &out, &len, &subst, msg, sizeof(msg)),
			 ONSHI_OK);
	assert_int_equal(strlen(out), len);
	assert_valid(out, len, xsd, cs == ONSHI_CHARSET_CP932);
	assert_int_equal(onshi_msg_parse(m->kind, out, len, NULL, back, msg,
					 sizeof(msg)),
			 ONSHI_OK);
	assert_int_equal(back->source_charset, cs);
	free(out);
}

/* ---- individual requests ---- */

static void test_reference_request(void **state)
{
	struct onshi_msg m;
	char msg[MSGLEN];
	const struct onshi_inquiry_request *r = &m.u.inquiry_request;

	(void)state;
	assert_int_equal(parse_fixture("req_reference.xml",
				       ONSHI_MSG_INQUIRY_REQUEST, &m, msg),
			 ONSHI_OK);
	assert_int_equal(m.source_charset, ONSHI_CHARSET_UTF8);
	assert_string_equal(r->hdr.qualification_confirmation_date, "20210816");
	assert_string_equal(r->hdr.medical_institution_code, "6540212424");
	assert_string_equal(r->hdr.arbitrary_file_identifier, "CLINICID");
	/* no ReferenceClassification: an insurance-card inquiry */
	assert_int_equal(r->hdr.reference_classification, ONSHI_REFCLASS_CARDINFO);
	assert_true(r->has_search);
	assert_false(r->has_card_auth);
	assert_string_equal(r->search.insurer_number, "06139999");
	assert_string_equal(r->search.insured_card_symbol, "1234");
	assert_string_equal(r->search.insured_identification_number, "56");
	assert_string_equal(r->search.insured_branch_number, "01");
	assert_string_equal(r->search.birthdate, "19800101");
	assert_string_equal(r->search.limit_application_cons_flg, "1");
	onshi_msg_clear(&m);
	assert_int_equal(m.kind, ONSHI_MSG_NONE);
}

static void test_insurer_forms(void **state)
{
	static const char *const six[] = {
		"req_insurer6.xml",
		"req_insurer_zero.xml",
		"req_insurer_space.xml",
	};
	struct onshi_msg m;
	char msg[MSGLEN], out[9];
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		assert_int_equal(parse_fixture(six[i], ONSHI_MSG_INQUIRY_REQUEST,
					       &m, msg),
				 ONSHI_OK);
		assert_string_equal(m.u.inquiry_request.search.insurer_number,
				    "  123456");
		onshi_msg_clear(&m);
	}
	assert_int_equal(parse_fixture("req_insurer_bad.xml",
				       ONSHI_MSG_INQUIRY_REQUEST, &m, msg),
			 ONSHI_EINVAL);
	assert_string_equal(msg, "InsurerNumber '12a456' is not 6 or 8 digits");
	onshi_msg_clear(&m);

	assert_int_equal(onshi_insurer_number_normalize("39131234", out, msg,
							sizeof(msg)),
			 ONSHI_OK);
	assert_string_equal(out, "39131234");
	assert_int_equal(onshi_insurer_number_normalize(" 01234567 \n", out,
							msg, sizeof(msg)),
			 ONSHI_OK);
	assert_string_equal(out, "01234567");
	assert_int_equal(onshi_insurer_number_normalize("00654321", out, msg,
							sizeof(msg)),
			 ONSHI_OK);
	assert_string_equal(out, "  654321");
	assert_int_equal(onshi_insurer_number_normalize("1234567", out, msg,
							sizeof(msg)),
			 ONSHI_EINVAL);
	assert_int_equal(onshi_insurer_number_normalize("", out, msg, sizeof(msg)),
			 ONSHI_EINVAL);
	assert_int_equal(onshi_insurer_number_normalize("１２３４５６", out,
							msg, sizeof(msg)),
			 ONSHI_EINVAL);
}

static void test_empty_and_unknown_elements(void **state)
{
	struct onshi_msg m, back;
	char msg[MSGLEN], *out;
	size_t len;

	(void)state;
	assert_int_equal(parse_fixture("req_empty_elements.xml",
				       ONSHI_MSG_INQUIRY_REQUEST, &m, msg),
			 ONSHI_OK);
	assert_string_equal(m.u.inquiry_request.search.insured_card_symbol, "");
	assert_string_equal(m.u.inquiry_request.search.insured_branch_number, "");
	assert_null(m.u.inquiry_request.search.limit_application_cons_flg);
	/* present-but-empty elements are echoed, absent ones are not */
	assert_int_equal(onshi_msg_write(&m, ONSHI_CHARSET_UTF8, &out, &len,
					 NULL, msg, sizeof(msg)),
			 ONSHI_OK);
	assert_non_null(strstr(out, "<InsuredCardSymbol></InsuredCardSymbol>"));
	assert_null(strstr(out, "LimitApplicationCertificateRelatedConsFlg"));
	assert_valid(out, len, "OQSsiquc01req", 0);
	assert_int_equal(onshi_msg_parse(ONSHI_MSG_INQUIRY_REQUEST, out, len,
					 NULL, &back, msg, sizeof(msg)),
			 ONSHI_OK);
	assert_string_equal(back.u.inquiry_request.search.insured_card_symbol, "");
	free(out);
	onshi_msg_clear(&back);
	onshi_msg_clear(&m);

	assert_int_equal(parse_fixture("req_unknown_elements.xml",
				       ONSHI_MSG_INQUIRY_REQUEST, &m, msg),
			 ONSHI_OK);
	assert_string_equal(m.u.inquiry_request.search.insurer_number, "06139999");
	onshi_msg_clear(&m);
	/* XInclude is never processed: the element is merely unknown */
	assert_int_equal(parse_fixture("xinclude.xml",
				       ONSHI_MSG_INQUIRY_REQUEST, &m, msg),
			 ONSHI_OK);
	assert_string_equal(m.u.inquiry_request.hdr.arbitrary_file_identifier,
			    "REQ-0001");
	onshi_msg_clear(&m);
}

static void test_invalid_requests(void **state)
{
	static const struct {
		const char *file;
		int rc;
		const char *msg;
	} cases[] = {
		{ "req_missing_insurer.xml", ONSHI_EINVAL,
		  "required element InsurerNumber is missing from QualificationConfirmSearchInfo" },
		{ "req_bad_date.xml", ONSHI_EINVAL,
		  "Birthdate '20****31' is not a date YYYYMMDD" },
		{ "req_dup_element.xml", ONSHI_EINVAL,
		  "Birthdate appears more than once in QualificationConfirmSearchInfo" },
		{ "req_wrong_root.xml", ONSHI_EPROTO,
		  "the root element is <Message>, not <XmlMsg>" },
		{ "req_card_pin_nosig.xml", ONSHI_EINVAL,
		  "CardAuthentication by PIN has no Signature" },
		{ "bulk1_req_empty.xml", ONSHI_EINVAL, NULL },
	};
	struct onshi_msg m;
	char msg[MSGLEN];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum onshi_msg_kind k = strncmp(cases[i].file, "bulk1", 5) == 0
						? ONSHI_MSG_BULK_REQUEST
						: ONSHI_MSG_INQUIRY_REQUEST;

		assert_int_equal(parse_fixture(cases[i].file, k, &m, msg),
				 cases[i].rc);
		if (cases[i].msg != NULL)
			assert_string_equal(msg, cases[i].msg);
		else
			assert_non_null(strstr(msg, "QualificationConfirmSearchInfo"));
		onshi_msg_clear(&m);
	}
	/* truncated: libxml2's reason with a line number */
	assert_int_equal(parse_fixture("req_truncated.xml",
				       ONSHI_MSG_INQUIRY_REQUEST, &m, msg),
			 ONSHI_EPROTO);
	assert_non_null(strstr(msg, "not well-formed XML at line"));
	onshi_msg_clear(&m);
	assert_int_equal(onshi_msg_parse(ONSHI_MSG_INQUIRY_REQUEST, "", 0, NULL,
					 &m, msg, sizeof(msg)),
			 ONSHI_EPROTO);
	assert_string_equal(msg, "document is empty");
	onshi_msg_clear(&m);
	/* a My Number Card inquiry without its CardAuthentication */
	{
		const char *doc =
			"<XmlMsg><MessageHeader><QualificationConfirmationDate>20250401"
			"</QualificationConfirmationDate><MedicalInstitutionCode>1311111111"
			"</MedicalInstitutionCode><ReferenceClassification>1</ReferenceClassification>"
			"</MessageHeader><MessageBody/></XmlMsg>";

		assert_int_equal(onshi_msg_parse(ONSHI_MSG_INQUIRY_REQUEST, doc,
						 strlen(doc), NULL, &m, msg,
						 sizeof(msg)),
				 ONSHI_EINVAL);
		assert_non_null(strstr(msg, "CardAuthentication"));
		onshi_msg_clear(&m);
	}
}

static void test_card_auth(void **state)
{
	struct onshi_msg m, back;
	char msg[MSGLEN];
	const struct onshi_card_auth *ca = &m.u.inquiry_request.card_auth;

	(void)state;
	assert_int_equal(parse_fixture("req_card_face.xml",
				       ONSHI_MSG_INQUIRY_REQUEST, &m, msg),
			 ONSHI_OK);
	assert_int_equal(m.u.inquiry_request.hdr.reference_classification,
			 ONSHI_REFCLASS_MYNUMBER);
	assert_true(m.u.inquiry_request.has_card_auth);
	assert_false(m.u.inquiry_request.has_search);
	assert_int_equal(ca->token_type, ONSHI_TOKEN_CARD);
	assert_int_equal(ca->method, ONSHI_AUTH_FACE);
	assert_string_equal(ca->certificate, "MIIBszCCAVmgAwIBAgIUQ2VydA==");
	assert_string_equal(ca->nonce, "n-3f9c2a");
	/* base64 wrapped over two lines is joined */
	assert_string_equal(ca->attestation, "QXR0ZXN0YXRpb24=");
	assert_string_equal(ca->reader_certificate, "UmVhZGVy");
	assert_null(ca->signature);
	assert_int_equal(ca->consent[ONSHI_CONSENT_PHARMACISTS], ONSHI_CONSENT_YES);
	assert_int_equal(ca->consent[ONSHI_CONSENT_SPECIFIC_HEALTH_CHECKUPS],
			 ONSHI_CONSENT_NO);
	assert_int_equal(ca->consent[ONSHI_CONSENT_DIAGNOSIS], ONSHI_CONSENT_YES);
	assert_int_equal(ca->consent[ONSHI_CONSENT_OPERATION],
			 ONSHI_CONSENT_IMPOSSIBLE);
	round_trip(&m, ONSHI_CHARSET_UTF8, "OQSsiquc01req", &back);
	assert_string_equal(back.u.inquiry_request.card_auth.attestation,
			    ca->attestation);
	assert_int_equal(back.u.inquiry_request.card_auth.consent[ONSHI_CONSENT_OPERATION],
			 ONSHI_CONSENT_IMPOSSIBLE);
	onshi_msg_clear(&back);
	onshi_msg_clear(&m);

	assert_int_equal(parse_fixture("req_card_pin.xml",
				       ONSHI_MSG_INQUIRY_REQUEST, &m, msg),
			 ONSHI_OK);
	assert_int_equal(ca->token_type, ONSHI_TOKEN_SMARTPHONE);
	assert_int_equal(ca->method, ONSHI_AUTH_PIN);
	assert_string_equal(ca->signature, "U2lnbmF0dXJl");
	onshi_msg_clear(&m);

	assert_int_equal(parse_fixture("req_card_visual.xml",
				       ONSHI_MSG_INQUIRY_REQUEST, &m, msg),
			 ONSHI_OK);
	assert_int_equal(ca->method, ONSHI_AUTH_VISUAL);
	assert_string_equal(ca->operator_id, "staff-12");
	/* built in code: unset consents are absent and not written */
	onshi_msg_clear(&m);
	onshi_msg_init(&m, ONSHI_MSG_INQUIRY_REQUEST);
	assert_int_equal(m.u.inquiry_request.card_auth.consent[ONSHI_CONSENT_DIAGNOSIS],
			 ONSHI_CONSENT_ABSENT);
	onshi_msg_clear(&m);
}

/* ---- results ---- */

static void test_reference_result(void **state)
{
	struct onshi_msg m, back;
	char msg[MSGLEN];
	const struct onshi_inquiry_result *r = &m.u.inquiry_result;
	const struct onshi_qualification *q;

	(void)state;
	assert_int_equal(parse_fixture("res_reference.xml",
				       ONSHI_MSG_INQUIRY_RESULT, &m, msg),
			 ONSHI_OK);
	assert_string_equal(r->hdr.process_execution_time, "20230221174835");
	assert_int_equal(r->hdr.character_code, ONSHI_CHARSET_UTF8);
	assert_int_equal(r->hdr.segment_of_result, ONSHI_SEGMENT_NORMAL);
	assert_int_equal(r->hdr.reference_classification, ONSHI_REFCLASS_MYNUMBER);
	assert_string_equal(r->hdr.arbitrary_file_identifier, "ArnHCeDfNjMCFzg=");
	assert_int_equal(r->processing_result_status, ONSHI_STATUS_NORMAL);
	assert_int_equal(r->qualification_validity, ONSHI_VALIDITY_VALID);
	assert_int_equal(r->n_results, 1);
	q = &r->results[0];
	assert_string_equal(q->insurer_number, "  123456");
	assert_string_equal(q->insured_card_symbol, "12-34");
	assert_string_equal(q->name, "診療　太郎");
	assert_string_equal(q->name_kana, "ｼﾝﾘｮｳ ﾀﾛｳ");
	assert_string_equal(q->consent[ONSHI_CONSENT_PHARMACISTS].flg, "1");
	assert_string_equal(q->consent[ONSHI_CONSENT_PHARMACISTS].time,
			    "20230221174835");
	assert_string_equal(q->consent[ONSHI_CONSENT_PHARMACISTS].available_time,
			    "20230222174835");
	assert_null(q->consent[ONSHI_CONSENT_DIAGNOSIS].flg);
	round_trip(&m, ONSHI_CHARSET_UTF8, "OQSsiquc01res", &back);
	assert_string_equal(back.u.inquiry_result.results[0].name, "診療　太郎");
	onshi_msg_clear(&back);
	onshi_msg_clear(&m);
}

/* A result for a parsed request echoes its identifier and search info. */
static void test_result_echo_every_validity(void **state)
{
	struct onshi_msg req, res, back;
	char msg[MSGLEN], *out;
	size_t len;
	int v;

	(void)state;
	assert_int_equal(parse_fixture("req_utf8.xml",
				       ONSHI_MSG_INQUIRY_REQUEST, &req, msg),
			 ONSHI_OK);
	for (v = ONSHI_VALIDITY_VALID; v <= ONSHI_VALIDITY_UNREGISTERED; v++) {
		struct onshi_inquiry_result *r;
		struct onshi_qualification *q;

		assert_int_equal(onshi_msg_result_for(&req, &res), ONSHI_OK);
		assert_int_equal(res.kind, ONSHI_MSG_INQUIRY_RESULT);
		r = &res.u.inquiry_result;
		assert_int_equal(strlen(r->hdr.process_execution_time), 14);
		r->processing_result_status = ONSHI_STATUS_NORMAL;
		r->qualification_validity = (enum onshi_validity)v;
		if (v != ONSHI_VALIDITY_NOT_FOUND) {
			q = onshi_inquiry_result_add(r);
			assert_non_null(q);
			assert_int_equal(onshi_msg_set(&q->insurer_number, "06139999"),
					 ONSHI_OK);
			assert_int_equal(onshi_msg_set(&q->name, "髙橋　一郎"),
					 ONSHI_OK);
			assert_int_equal(onshi_msg_set(&q->insured_partial_contribution_ratio,
						       "030"),
					 ONSHI_OK);
		}
		round_trip(&res, ONSHI_CHARSET_UTF8, "OQSsiquc01res", &back);
		r = &back.u.inquiry_result;
		assert_int_equal(r->qualification_validity, v);
		assert_string_equal(r->hdr.arbitrary_file_identifier, "REQ-0001");
		assert_string_equal(r->hdr.medical_institution_code, "1311111111");
		assert_int_equal(r->hdr.reference_classification,
				 ONSHI_REFCLASS_CARDINFO);
		assert_true(r->has_search);
		assert_string_equal(r->search.insurer_number, "06139999");
		assert_string_equal(r->search.insured_card_symbol, "1234");
		assert_string_equal(r->search.birthdate, "20010327");
		assert_int_equal(r->n_results, v == ONSHI_VALIDITY_NOT_FOUND ? 0 : 1);
		if (v != ONSHI_VALIDITY_NOT_FOUND)
			assert_string_equal(r->results[0].insured_partial_contribution_ratio,
					    "030");
		onshi_msg_clear(&back);
		onshi_msg_clear(&res);
	}
	/* a code outside OQSCD006 is not written */
	assert_int_equal(onshi_msg_result_for(&req, &res), ONSHI_OK);
	res.u.inquiry_result.qualification_validity = (enum onshi_validity)7;
	assert_int_equal(onshi_msg_write(&res, ONSHI_CHARSET_UTF8, &out, &len,
					 NULL, msg, sizeof(msg)),
			 ONSHI_EINVAL);
	assert_null(out);
	assert_non_null(strstr(msg, "QualificationValidity"));
	onshi_msg_clear(&res);
	onshi_msg_clear(&req);
}

static void test_writer_refuses_bad_fields(void **state)
{
	struct onshi_msg m;
	char msg[MSGLEN], *out;
	size_t len;

	(void)state;
	assert_int_equal(parse_fixture("req_utf8.xml",
				       ONSHI_MSG_INQUIRY_REQUEST, &m, msg),
			 ONSHI_OK);
	assert_int_equal(onshi_msg_set(&m.u.inquiry_request.hdr.arbitrary_file_identifier,
				       "bad\xff"),
			 ONSHI_OK);
	assert_int_equal(onshi_msg_write(&m, ONSHI_CHARSET_UTF8, &out, &len,
					 NULL, msg, sizeof(msg)),
			 ONSHI_EINVAL);
	assert_non_null(strstr(msg, "ArbitraryFileIdentifier holds bytes that are not valid UTF-8"));
	assert_int_equal(onshi_msg_set(&m.u.inquiry_request.hdr.arbitrary_file_identifier,
				       "bell\a"),
			 ONSHI_OK);
	assert_int_equal(onshi_msg_write(&m, ONSHI_CHARSET_UTF8, &out, &len,
					 NULL, msg, sizeof(msg)),
			 ONSHI_EINVAL);
	assert_non_null(strstr(msg, "control character"));
	assert_int_equal(onshi_msg_set(&m.u.inquiry_request.hdr.arbitrary_file_identifier,
				       "<&>"),
			 ONSHI_OK);
	assert_int_equal(onshi_msg_set(&m.u.inquiry_request.hdr.medical_institution_code,
				       NULL),
			 ONSHI_OK);
	assert_int_equal(onshi_msg_write(&m, ONSHI_CHARSET_UTF8, &out, &len,
					 NULL, msg, sizeof(msg)),
			 ONSHI_EINVAL);
	assert_string_equal(msg, "required element MedicalInstitutionCode of MessageHeader is not set");
	/* markup characters are escaped, not injected */
	assert_int_equal(onshi_msg_set(&m.u.inquiry_request.hdr.medical_institution_code,
				       "1311111111"),
			 ONSHI_OK);
	assert_int_equal(onshi_msg_write(&m, ONSHI_CHARSET_UTF8, &out, &len,
					 NULL, msg, sizeof(msg)),
			 ONSHI_OK);
	assert_non_null(strstr(out, "&lt;&amp;&gt;"));
	free(out);
	onshi_msg_clear(&m);
}

/* ---- CP932 ---- */

static void test_cp932_round_trip(void **state)
{
	static const char *const files[] = { "req_sjis.xml", "req_windows31j.xml" };
	struct onshi_msg req, res, back;
	char msg[MSGLEN], *out;
	size_t len, subst = 99, i;

	(void)state;
	for (i = 0; i < 2; i++) {
		assert_int_equal(parse_fixture(files[i], ONSHI_MSG_INQUIRY_REQUEST,
					       &req, msg),
				 ONSHI_OK);
		assert_int_equal(req.source_charset, ONSHI_CHARSET_CP932);
		assert_string_equal(req.u.inquiry_request.search.insured_card_symbol,
				    "髙﨑①㈱ｼﾝﾘｮｳ");
		assert_string_equal(req.u.inquiry_request.hdr.arbitrary_file_identifier,
				    "受付ｳｹﾂｹ001");
		assert_string_equal(req.u.inquiry_request.search.insurer_number,
				    "  123456");
		if (i == 0)
			break;
	}
	onshi_msg_clear(&req);
	assert_int_equal(parse_fixture("req_sjis.xml",
				       ONSHI_MSG_INQUIRY_REQUEST, &req, msg),
			 ONSHI_OK);
	assert_int_equal(onshi_msg_result_for(&req, &res), ONSHI_OK);
	/* the result answers in the request's encoding unless told otherwise */
	assert_int_equal(res.u.inquiry_result.hdr.character_code, ONSHI_CHARSET_CP932);
	res.u.inquiry_result.processing_result_status = ONSHI_STATUS_NORMAL;
	res.u.inquiry_result.qualification_validity = ONSHI_VALIDITY_VALID;
	{
		struct onshi_qualification *q =
			onshi_inquiry_result_add(&res.u.inquiry_result);

		assert_non_null(q);
		assert_int_equal(onshi_msg_set(&q->name, "髙﨑　①子㈱"), ONSHI_OK);
		assert_int_equal(onshi_msg_set(&q->name_kana, "ﾀｶｻｷ ﾏﾙｺ"), ONSHI_OK);
	}
	assert_int_equal(onshi_msg_write(&res, ONSHI_CHARSET_CP932, &out, &len,
					 &subst, msg, sizeof(msg)),
			 ONSHI_OK);
	assert_int_equal(subst, 0);
	assert_true(strncmp(out, "<?xml version=\"1.0\" encoding=\"Shift_JIS\"",
			    40) == 0);
	assert_non_null(strstr(out, "<CharacterCodeIdentifier>1</CharacterCodeIdentifier>"));
	assert_non_null(strstr(out, "\xFB\xFC")); /* 髙 in CP932 */
	assert_non_null(strstr(out, "\x87\x40")); /* ① */
	assert_non_null(strstr(out, "\xC0\xB6\xBB\xB7")); /* ﾀｶｻｷ: one byte each */
	assert_null(strstr(out, "\xE9\xAB\x99")); /* no UTF-8 髙 left */
	assert_valid(out, len, "OQSsiquc01res", 1);
	assert_int_equal(onshi_msg_parse(ONSHI_MSG_INQUIRY_RESULT, out, len,
					 NULL, &back, msg, sizeof(msg)),
			 ONSHI_OK);
	assert_int_equal(back.source_charset, ONSHI_CHARSET_CP932);
	assert_int_equal(back.u.inquiry_result.hdr.character_code,
			 ONSHI_CHARSET_CP932);
	assert_string_equal(back.u.inquiry_result.results[0].name, "髙﨑　①子㈱");
	assert_string_equal(back.u.inquiry_result.results[0].name_kana, "ﾀｶｻｷ ﾏﾙｺ");
	assert_string_equal(back.u.inquiry_result.search.insured_card_symbol,
			    "髙﨑①㈱ｼﾝﾘｮｳ");
	assert_string_equal(back.u.inquiry_result.hdr.arbitrary_file_identifier,
			    "受付ｳｹﾂｹ001");
	free(out);
	onshi_msg_clear(&back);
	onshi_msg_clear(&res);
	onshi_msg_clear(&req);
}

static void test_cp932_substitution(void **state)
{
	struct onshi_msg req, res, back;
	char msg[MSGLEN], *out;
	size_t len, subst;
	struct onshi_qualification *q;

	(void)state;
	assert_int_equal(parse_fixture("req_utf8.xml",
				       ONSHI_MSG_INQUIRY_REQUEST, &req, msg),
			 ONSHI_OK);
	assert_int_equal(onshi_msg_result_for(&req, &res), ONSHI_OK);
	q = onshi_inquiry_result_add(&res.u.inquiry_result);
	assert_non_null(q);
	/* é and 😀 cannot be CP932; 〜 (WAVE DASH) and − map to CP932 forms */
	assert_int_equal(onshi_msg_set(&q->name,
				       "Ren\xC3\xA9\xF0\x9F\x98\x80\xE3\x80\x9C\xE2\x88\x92"),
			 ONSHI_OK);
	assert_int_equal(onshi_msg_write(&res, ONSHI_CHARSET_CP932, &out, &len,
					 &subst, msg, sizeof(msg)),
			 ONSHI_OK);
	assert_int_equal(subst, 2);
	assert_non_null(strstr(out, "Ren\x81\xAC\x81\xAC\x81\x60"));
	assert_int_equal(onshi_msg_parse(ONSHI_MSG_INQUIRY_RESULT, out, len,
					 NULL, &back, msg, sizeof(msg)),
			 ONSHI_OK);
	assert_int_equal(strncmp(back.u.inquiry_result.results[0].name,
				 "Ren〓〓", strlen("Ren〓〓")),
			 0);
	free(out);
	/* UTF-8 output keeps everything */
	assert_int_equal(onshi_msg_write(&res, ONSHI_CHARSET_UTF8, &out, &len,
					 &subst, msg, sizeof(msg)),
			 ONSHI_OK);
	assert_int_equal(subst, 0);
	assert_non_null(strstr(out, "Ren\xC3\xA9\xF0\x9F\x98\x80"));
	free(out);
	onshi_msg_clear(&back);
	onshi_msg_clear(&res);
	onshi_msg_clear(&req);
}

static void test_bad_encodings(void **state)
{
	static const struct {
		const char *file;
		const char *needle;
	} cases[] = {
		{ "req_invalid_utf8.xml",
		  "is not valid UTF-8 (as the declaration says)" },
		{ "req_utf8_but_sjis.xml", "no encoding declared, so UTF-8 is assumed" },
		{ "req_sjis_invalid.xml", "is not valid Shift_JIS (CP932)" },
		{ "req_eucjp.xml", "encoding 'EUC-JP' is not supported" },
		{ "req_utf16.xml", "UTF-16" },
	};
	struct onshi_msg m;
	char msg[MSGLEN];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(parse_fixture(cases[i].file,
					       ONSHI_MSG_INQUIRY_REQUEST, &m, msg),
				 ONSHI_EENCODING);
		assert_non_null(strstr(msg, cases[i].needle));
		onshi_msg_clear(&m);
	}
}

/* ---- hostile input ---- */

static void test_doctype_refused(void **state)
{
	static const char *const files[] = {
		"xxe_file.xml",
		"xxe_param.xml",
		"xxe_dtd.xml",
		"billion_laughs.xml",
	};
	struct onshi_msg m;
	char msg[MSGLEN];
	size_t i;
	clock_t t0 = clock();

	(void)state;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		assert_int_equal(parse_fixture(files[i], ONSHI_MSG_INQUIRY_REQUEST,
					       &m, msg),
				 ONSHI_EPERM);
		assert_string_equal(msg, "the document has a DOCTYPE: DTDs and entity declarations "
					 "are refused");
		assert_null(m.u.inquiry_request.hdr.arbitrary_file_identifier);
		onshi_msg_clear(&m);
	}
	/* the bomb never went off: well under a second even under valgrind */
	assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 5.0);
	/* an entity reference with no DTD at all is simply not well-formed */
	assert_int_equal(parse_fixture("undeclared_entity.xml",
				       ONSHI_MSG_INQUIRY_REQUEST, &m, msg),
			 ONSHI_EPROTO);
	assert_non_null(strstr(msg, "Entity 'bomb' not defined"));
	onshi_msg_clear(&m);
}

static void test_size_and_depth_limits(void **state)
{
	struct onshi_msg m;
	struct onshi_parse_limits lim = { 0, 0, 0 };
	char msg[MSGLEN], *big, *deep, *doc;
	size_t len, n, i;
	int rc;

	(void)state;
	/* over the 1 MiB default: refused before parsing */
	n = ONSHI_XMLMSG_MAX_BYTES + 1;
	big = malloc(n);
	assert_non_null(big);
	memset(big, ' ', n);
	memcpy(big, "<XmlMsg>", 8);
	assert_int_equal(onshi_msg_parse(ONSHI_MSG_INQUIRY_REQUEST, big, n,
					 NULL, &m, msg, sizeof(msg)),
			 ONSHI_ETOOBIG);
	assert_non_null(strstr(msg, "over the limit of 1048576 for OQSsiquc01req"));
	onshi_msg_clear(&m);
	free(big);

	/* a caller's own limit */
	doc = fixture("req_utf8.xml", &len);
	lim.max_bytes = 100;
	assert_int_equal(onshi_msg_parse(ONSHI_MSG_INQUIRY_REQUEST, doc, len,
					 &lim, &m, msg, sizeof(msg)),
			 ONSHI_ETOOBIG);
	onshi_msg_clear(&m);
	free(doc);

	/* deep nesting inside an unknown element */
	deep = malloc(4096);
	assert_non_null(deep);
	strcpy(deep, "<XmlMsg><MessageBody>");
	for (i = 0; i < 40; i++)
		strcat(deep, "<a>");
	for (i = 0; i < 40; i++)
		strcat(deep, "</a>");
	strcat(deep, "</MessageBody></XmlMsg>");
	assert_int_equal(onshi_msg_parse(ONSHI_MSG_INQUIRY_REQUEST, deep,
					 strlen(deep), NULL, &m, msg, sizeof(msg)),
			 ONSHI_ETOOBIG);
	assert_string_equal(msg, "elements nest deeper than 16 levels");
	onshi_msg_clear(&m);
	free(deep);

	/* too many list entries */
	doc = fixture("bulk1_req.xml", &len);
	lim.max_bytes = 0;
	lim.max_items = 2;
	assert_int_equal(onshi_msg_parse(ONSHI_MSG_BULK_REQUEST, doc, len, &lim,
					 &m, msg, sizeof(msg)),
			 ONSHI_ETOOBIG);
	assert_string_equal(msg, "more than 2 QualificationConfirmSearchInfo entries");
	onshi_msg_clear(&m);
	free(doc);

	/* an over-long value */
	{
		char *lv = malloc(2048);
		char *d2 = malloc(4096);

		assert_non_null(lv);
		assert_non_null(d2);
		memset(lv, 'x', 300);
		lv[300] = '\0';
		snprintf(d2, 4096,
			 "<XmlMsg><MessageHeader><QualificationConfirmationDate>20250401"
			 "</QualificationConfirmationDate><MedicalInstitutionCode>1311111111"
			 "</MedicalInstitutionCode><ArbitraryFileIdentifier>%s"
			 "</ArbitraryFileIdentifier></MessageHeader></XmlMsg>",
			 lv);
		rc = onshi_msg_parse(ONSHI_MSG_INQUIRY_REQUEST, d2, strlen(d2),
				     NULL, &m, msg, sizeof(msg));
		assert_int_equal(rc, ONSHI_EINVAL);
		assert_string_equal(msg, "ArbitraryFileIdentifier is longer than 256 bytes");
		onshi_msg_clear(&m);
		free(lv);
		free(d2);
	}
}

/* ---- batch ---- */

static void test_bulk(void **state)
{
	struct onshi_msg m, res, back;
	char msg[MSGLEN];
	const struct onshi_bulk_result *b;

	(void)state;
	/* phase 1 */
	assert_int_equal(parse_fixture("bulk1_req.xml", ONSHI_MSG_BULK_REQUEST,
				       &m, msg),
			 ONSHI_OK);
	assert_int_equal(m.u.bulk_request.n_search, 3);
	assert_string_equal(m.u.bulk_request.search[1].insurer_number, "  123456");
	assert_string_equal(m.u.bulk_request.search[2].birthdate, "19400704");
	round_trip(&m, ONSHI_CHARSET_UTF8, "OQSmuquc01req", &back);
	assert_int_equal(back.u.bulk_request.n_search, 3);
	onshi_msg_clear(&back);
	assert_int_equal(onshi_msg_result_for(&m, &res), ONSHI_OK);
	assert_int_equal(res.kind, ONSHI_MSG_BULK_RECEPTION);
	assert_int_equal(onshi_msg_set(&res.u.bulk_reception.hdr.reception_number, "R1"),
			 ONSHI_OK);
	res.u.bulk_reception.processing_result_status = ONSHI_STATUS_NORMAL;
	round_trip(&res, ONSHI_CHARSET_CP932, "OQSmuquc01res", &back);
	assert_string_equal(back.u.bulk_reception.hdr.reception_number, "R1");
	assert_string_equal(back.u.bulk_reception.hdr.arbitrary_file_identifier,
			    "BATCH-1");
	onshi_msg_clear(&back);
	onshi_msg_clear(&res);
	onshi_msg_clear(&m);

	/* phase 2 request → a result built in code */
	assert_int_equal(parse_fixture("bulk2_req.xml", ONSHI_MSG_BULK_FETCH, &m, msg),
			 ONSHI_OK);
	assert_string_equal(m.u.bulk_fetch.hdr.reception_number, "R20250401000042");
	round_trip(&m, ONSHI_CHARSET_UTF8, "OQSmuquc02req", &back);
	onshi_msg_clear(&back);
	assert_int_equal(onshi_msg_result_for(&m, &res), ONSHI_OK);
	assert_int_equal(res.kind, ONSHI_MSG_BULK_RESULT);
	{
		struct onshi_bulk_unit *u = onshi_bulk_result_add(&res.u.bulk_result);
		struct onshi_qualification *q;

		assert_non_null(u);
		u->has_search = true;
		assert_int_equal(onshi_msg_set(&u->search.insurer_number, "  123456"),
				 ONSHI_OK);
		assert_int_equal(onshi_msg_set(&u->search.insured_identification_number,
					       "9"),
				 ONSHI_OK);
		assert_int_equal(onshi_msg_set(&u->search.birthdate, "19700101"),
				 ONSHI_OK);
		u->processing_result_status = ONSHI_STATUS_NORMAL;
		u->qualification_validity = ONSHI_VALIDITY_AMBIGUOUS;
		assert_non_null(q = onshi_bulk_unit_add(u));
		assert_int_equal(onshi_msg_set(&q->name, "一"), ONSHI_OK);
		assert_non_null(q = onshi_bulk_unit_add(u));
		assert_int_equal(onshi_msg_set(&q->name, "二"), ONSHI_OK);
		res.u.bulk_result.hdr.number_of_processing_result = 1;
		res.u.bulk_result.hdr.number_of_normal_processing = 1;
	}
	round_trip(&res, ONSHI_CHARSET_UTF8, "OQSmuquc02res", &back);
	b = &back.u.bulk_result;
	assert_string_equal(b->hdr.reception_number, "R20250401000042");
	assert_int_equal(b->hdr.number_of_processing_result, 1);
	assert_int_equal(b->hdr.number_of_error, 0);
	assert_int_equal(b->n_units, 1);
	assert_int_equal(b->units[0].qualification_validity, ONSHI_VALIDITY_AMBIGUOUS);
	assert_int_equal(b->units[0].n_results, 2);
	assert_string_equal(b->units[0].results[1].name, "二");
	onshi_msg_clear(&back);
	onshi_msg_clear(&res);
	onshi_msg_clear(&m);

	/* a phase 2 result as the national service sends it */
	assert_int_equal(parse_fixture("bulk2_res.xml", ONSHI_MSG_BULK_RESULT, &m, msg),
			 ONSHI_OK);
	b = &m.u.bulk_result;
	assert_int_equal(b->hdr.number_of_processing_result, 2);
	assert_int_equal(b->hdr.number_of_normal_processing, 1);
	assert_int_equal(b->hdr.number_of_error, 1);
	assert_int_equal(b->n_units, 2);
	assert_string_equal(b->units[0].results[0].name, "髙橋　花子");
	assert_int_equal(b->units[1].processing_result_status, ONSHI_STATUS_ERROR);
	assert_string_equal(b->units[1].processing_result_message, "該当資格なし");
	assert_int_equal(b->units[1].qualification_validity, ONSHI_VALIDITY_NOT_FOUND);
	assert_string_equal(b->units[1].search.insurer_number, "  123456");
	round_trip(&m, ONSHI_CHARSET_CP932, "OQSmuquc02res", &back);
	assert_string_equal(back.u.bulk_result.units[0].results[0].name, "髙橋　花子");
	onshi_msg_clear(&back);
	onshi_msg_clear(&m);

	assert_int_equal(parse_fixture("bulk2_res_processing.xml",
				       ONSHI_MSG_BULK_RESULT, &m, msg),
			 ONSHI_OK);
	assert_int_equal(m.u.bulk_result.hdr.segment_of_result,
			 ONSHI_SEGMENT_PROCESSING);
	assert_int_equal(m.u.bulk_result.n_units, 0);
	onshi_msg_clear(&m);
}

/* A batch of 5,000 searches (about 1.2 MB): over the individual limit, fine for batch. */
static void test_bulk_large(void **state)
{
	struct onshi_msg m;
	char msg[MSGLEN], *doc, *p;
	size_t cap = 6000 * 300, i;

	(void)state;
	doc = malloc(cap);
	assert_non_null(doc);
	p = doc +
	    sprintf(doc,
		    "<XmlMsg><MessageHeader><QualificationConfirmationDate>20250401"
		    "</QualificationConfirmationDate><MedicalInstitutionCode>1311111111"
		    "</MedicalInstitutionCode></MessageHeader><MessageBody>");
	for (i = 0; i < 5000; i++)
		p += sprintf(p,
			     "<QualificationConfirmSearchInfo><InsurerNumber>%06zu</InsurerNumber>"
			     "<InsuredCardSymbol>記号%zu</InsuredCardSymbol><InsuredIdentificationNumber>"
			     "%zu</InsuredIdentificationNumber><Birthdate>19800101</Birthdate>"
			     "</QualificationConfirmSearchInfo>\n",
			     i + 100000, i, i);
	p += sprintf(p, "</MessageBody></XmlMsg>");
	assert_true((size_t)(p - doc) > ONSHI_XMLMSG_MAX_BYTES);
	assert_int_equal(onshi_msg_parse(ONSHI_MSG_BULK_REQUEST, doc,
					 (size_t)(p - doc), NULL, &m, msg,
					 sizeof(msg)),
			 ONSHI_OK);
	assert_int_equal(m.u.bulk_request.n_search, 5000);
	assert_string_equal(m.u.bulk_request.search[4999].insurer_number, "  104999");
	assert_string_equal(m.u.bulk_request.search[4999].insured_card_symbol,
			    "記号4999");
	onshi_msg_clear(&m);
	assert_int_equal(onshi_msg_parse(ONSHI_MSG_INQUIRY_REQUEST, doc,
					 (size_t)(p - doc), NULL, &m, msg,
					 sizeof(msg)),
			 ONSHI_ETOOBIG);
	onshi_msg_clear(&m);
	free(doc);
}

/* ---- .err documents ---- */

static void test_error_document(void **state)
{
	struct onshi_msg req, err, back;
	char msg[MSGLEN], *out;
	size_t len;
	int rc;

	(void)state;
	rc = parse_fixture("req_insurer_bad.xml", ONSHI_MSG_INQUIRY_REQUEST,
			   &req, msg);
	assert_int_equal(rc, ONSHI_EINVAL);
	/* the half-parsed request still gives its identifier to echo */
	assert_int_equal(onshi_msg_error_init(&err, rc, msg, &req), ONSHI_OK);
	assert_int_equal(onshi_msg_write(&err, ONSHI_CHARSET_UTF8, &out, &len,
					 NULL, msg, sizeof(msg)),
			 ONSHI_OK);
	assert_valid(out, len, "onshi-error", 0);
	assert_non_null(strstr(out, "<SegmentOfResult>9</SegmentOfResult>"));
	assert_non_null(strstr(out, "<ErrorCode>OE0001</ErrorCode>"));
	assert_non_null(strstr(out, "<ErrorMessage>InsurerNumber '12a456' is not 6 or 8 digits"
				    "</ErrorMessage>"));
	assert_non_null(strstr(out, "<ArbitraryFileIdentifier>REQ-0001</ArbitraryFileIdentifier>"));
	assert_null(strstr(out, "QualificationConfirmSearchInfo"));
	assert_int_equal(onshi_msg_parse(ONSHI_MSG_ERROR, out, len, NULL, &back,
					 msg, sizeof(msg)),
			 ONSHI_OK);
	assert_string_equal(back.u.error.hdr.error_code, "OE0001");
	free(out);
	onshi_msg_clear(&back);
	onshi_msg_clear(&err);
	onshi_msg_clear(&req);

	/* hostile input: nothing to echo, still a complete document */
	rc = parse_fixture("billion_laughs.xml", ONSHI_MSG_INQUIRY_REQUEST,
			   &req, msg);
	assert_int_equal(onshi_msg_error_init(&err, rc, msg, &req), ONSHI_OK);
	round_trip(&err, ONSHI_CHARSET_CP932, "onshi-error", &back);
	assert_string_equal(back.u.error.hdr.error_code, "OE0006");
	assert_non_null(strstr(back.u.error.hdr.error_message, "DOCTYPE"));
	assert_null(back.u.error.hdr.arbitrary_file_identifier);
	onshi_msg_clear(&back);
	onshi_msg_clear(&err);
	onshi_msg_clear(&req);

	/* an error document must carry its code and message */
	{
		const char *doc = "<XmlMsg><MessageHeader><SegmentOfResult>9"
				  "</SegmentOfResult></MessageHeader></XmlMsg>";

		rc = onshi_msg_parse(ONSHI_MSG_ERROR, doc, strlen(doc), NULL,
				     &back, msg, sizeof(msg));
	}
	assert_int_equal(rc, ONSHI_EINVAL);
	assert_string_equal(msg, "required element ErrorCode is missing from MessageHeader");
	onshi_msg_clear(&back);
}

/* ---- real clients' request shapes (tests/fixtures/clients) ---- */

static char *client_fixture(const char *name, size_t *len)
{
	return fixture_in(CLIENTS_FIXTURE_DIR, name, len);
}

/* The elements of one QualificationConfirmSearchInfo, read by libxml2
 * alone (not by our codec): names and texts in document order. */
struct elem_list {
	size_t n;
	char *name[16];
	char *text[16];
};

static const xmlNode *nth_search(const xmlNode *n, size_t *which)
{
	for (; n != NULL; n = n->next) {
		const xmlNode *r;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (strcmp((const char *)n->name,
			   "QualificationConfirmSearchInfo") == 0 &&
		    (*which)-- == 0)
			return n;
		r = nth_search(n->children, which);
		if (r != NULL)
			return r;
	}
	return NULL;
}

static void collect_search(const char *doc, size_t len, int cp932, size_t which,
			   struct elem_list *out)
{
	xmlDocPtr d = xmlReadMemory(doc, (int)len, NULL, cp932 ? "CP932" : "UTF-8",
				    XML_PARSE_NONET | XML_PARSE_IGNORE_ENC);
	const xmlNode *si, *c;

	assert_non_null(d);
	si = nth_search(xmlDocGetRootElement(d), &which);
	assert_non_null(si);
	memset(out, 0, sizeof(*out));
	for (c = si->children; c != NULL; c = c->next) {
		xmlChar *t;

		if (c->type != XML_ELEMENT_NODE)
			continue;
		assert_true(out->n < 16);
		t = xmlNodeGetContent(c);
		out->name[out->n] = strdup((const char *)c->name);
		out->text[out->n] = strdup(t != NULL ? (const char *)t : "");
		xmlFree(t);
		out->n++;
	}
	xmlFreeDoc(d);
}

static void free_list(struct elem_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->name[i]);
		free(l->text[i]);
	}
}

/* The which-th search info of got (written by us) is the one of sent
 * (the client's file), element for element, byte for byte. */
static void assert_echo(const char *sent, size_t sentlen, int sent_cp932,
			const char *got, size_t gotlen, int got_cp932, size_t which)
{
	struct elem_list a, b;

	collect_search(sent, sentlen, sent_cp932, which, &a);
	collect_search(got, gotlen, got_cp932, which, &b);
	assert_true(a.n > 0);
	assert_int_equal(a.n, b.n);
	for (size_t i = 0; i < a.n; i++) {
		assert_string_equal(a.name[i], b.name[i]);
		assert_string_equal(a.text[i], b.text[i]);
	}
	free_list(&a);
	free_list(&b);
}

static void today(char out[9])
{
	time_t t = time(NULL);
	struct tm tm;

	assert_non_null(localtime_r(&t, &tm));
	assert_int_equal(strftime(out, 9, "%Y%m%d", &tm), 8);
}

static const struct {
	const char *file;
	int cp932;
	const char *insurer; /* normalised */
	const char *afi;
} single_clients[] = {
	{ "filemaker_OQSsiquc01req.xml", 0, "06139999", "FMCLINIC01" },
	{ "dotnet_sjis_OQSsiquc01req.xml", 1, "  123456", "髙﨑①受付0001" },
	{ "jsonnet_OQSsiquc01req.xml", 0, "  123456", "ArnHCeDfNjMCFzg=" },
};

/* Each client's individual request parses; the normalised model is as
 * before; the result and the .err echo the search info as sent. */
static void test_client_single_requests(void **state)
{
	(void)state;
	for (size_t i = 0;
	     i < sizeof(single_clients) / sizeof(single_clients[0]); i++) {
		struct onshi_msg req, res, back;
		const struct onshi_search_info *si;
		char msg[MSGLEN], *in, *out;
		size_t inlen, len;

		in = client_fixture(single_clients[i].file, &inlen);
		assert_int_equal(onshi_msg_parse(ONSHI_MSG_INQUIRY_REQUEST, in, inlen,
						 NULL, &req, msg, sizeof(msg)),
				 ONSHI_OK);
		assert_int_equal(req.source_charset,
				 single_clients[i].cp932 ? ONSHI_CHARSET_CP932
							 : ONSHI_CHARSET_UTF8);
		si = &req.u.inquiry_request.search;
		assert_string_equal(si->insurer_number, single_clients[i].insurer);
		assert_string_equal(req.u.inquiry_request.hdr.arbitrary_file_identifier,
				    single_clients[i].afi);
		assert_int_equal(si->n_sent, 6);
		/* forwarded upstream as written: the request itself echoes too */
		assert_int_equal(onshi_msg_write(&req, ONSHI_CHARSET_UTF8, &out,
						 &len, NULL, msg, sizeof(msg)),
				 ONSHI_OK);
		assert_valid(out, len, "OQSsiquc01req", 0);
		assert_echo(in, inlen, single_clients[i].cp932, out, len, 0, 0);
		free(out);

		/* the result, in both encodings */
		assert_int_equal(onshi_msg_result_for(&req, &res), ONSHI_OK);
		res.u.inquiry_result.processing_result_status = ONSHI_STATUS_NORMAL;
		res.u.inquiry_result.qualification_validity = ONSHI_VALIDITY_VALID;
		for (int cs = ONSHI_CHARSET_UTF8; cs <= ONSHI_CHARSET_CP932; cs++) {
			assert_int_equal(onshi_msg_write(&res, (enum onshi_charset)cs,
							 &out, &len, NULL, msg,
							 sizeof(msg)),
					 ONSHI_OK);
			assert_valid(out, len, "OQSsiquc01res", cs);
			assert_echo(in, inlen, single_clients[i].cp932, out,
				    len, cs, 0);
			/* read back: normalised again, still echoing as sent */
			assert_int_equal(onshi_msg_parse(ONSHI_MSG_INQUIRY_RESULT,
							 out, len, NULL, &back,
							 msg, sizeof(msg)),
					 ONSHI_OK);
			assert_string_equal(back.u.inquiry_result.search.insurer_number,
					    single_clients[i].insurer);
			assert_int_equal(back.u.inquiry_result.search.n_sent, 6);
			onshi_msg_clear(&back);
			free(out);
		}
		onshi_msg_clear(&res);

		/* the .err document */
		assert_int_equal(onshi_msg_error_init(&res, ONSHI_EPERM,
						      "refused", &req),
				 ONSHI_OK);
		assert_int_equal(onshi_msg_write(&res, ONSHI_CHARSET_UTF8, &out,
						 &len, NULL, msg, sizeof(msg)),
				 ONSHI_OK);
		assert_valid(out, len, "onshi-error", 0);
		assert_echo(in, inlen, single_clients[i].cp932, out, len, 0, 0);
		free(out);
		onshi_msg_clear(&res);
		onshi_msg_clear(&req);
		free(in);
	}
}

/* Exact texts the echo must keep (what a client compares). */
static void test_client_echo_texts(void **state)
{
	struct onshi_msg req, res;
	char msg[MSGLEN], *in, *out;
	size_t inlen, len;

	(void)state;
	in = client_fixture("jsonnet_OQSsiquc01req.xml", &inlen);
	assert_int_equal(onshi_msg_parse(ONSHI_MSG_INQUIRY_REQUEST, in, inlen,
					 NULL, &req, msg, sizeof(msg)),
			 ONSHI_OK);
	assert_int_equal(onshi_msg_result_for(&req, &res), ONSHI_OK);
	assert_int_equal(onshi_msg_write(&res, ONSHI_CHARSET_UTF8, &out, &len,
					 NULL, msg, sizeof(msg)),
			 ONSHI_OK);
	/* zero padding kept, the client's order kept */
	assert_non_null(strstr(out, "<QualificationConfirmSearchInfo><Birthdate>20010327</Birthdate>"
				    "<InsuredIdentificationNumber>4260</InsuredIdentificationNumber>"
				    "<InsurerNumber>00123456</InsurerNumber>"));
	assert_non_null(strstr(out, "<LimitApplicationCertificateRelatedConsFlg>1"
				    "</LimitApplicationCertificateRelatedConsFlg>"
				    "</QualificationConfirmSearchInfo>"));
	free(out);
	onshi_msg_clear(&res);

	/* a search info edited in code (n_sent = 0) is written normalised */
	onshi_search_info_clear(&req.u.inquiry_request.search);
	assert_int_equal(req.u.inquiry_request.search.n_sent, 0);
	assert_null(req.u.inquiry_request.search.sent);
	assert_int_equal(onshi_msg_set(&req.u.inquiry_request.search.insurer_number,
				       "  123456"),
			 ONSHI_OK);
	assert_int_equal(onshi_msg_set(&req.u.inquiry_request.search.insured_identification_number,
				       "1"),
			 ONSHI_OK);
	assert_int_equal(onshi_msg_set(&req.u.inquiry_request.search.birthdate,
				       "19800101"),
			 ONSHI_OK);
	assert_int_equal(onshi_msg_write(&req, ONSHI_CHARSET_UTF8, &out, &len,
					 NULL, msg, sizeof(msg)),
			 ONSHI_OK);
	assert_non_null(strstr(out, "<QualificationConfirmSearchInfo><InsurerNumber>  123456"
				    "</InsurerNumber>"));
	free(out);
	onshi_msg_clear(&req);

	/* a space-padded " 123456" (7 characters) stays so */
	{
		static const char doc[] =
			"<XmlMsg><MessageHeader><QualificationConfirmationDate>20261125"
			"</QualificationConfirmationDate><MedicalInstitutionCode>1312345678"
			"</MedicalInstitutionCode></MessageHeader><MessageBody>"
			"<QualificationConfirmSearchInfo><InsurerNumber> 123456</InsurerNumber>"
			"<InsuredIdentificationNumber>1</InsuredIdentificationNumber>"
			"<Birthdate>19800101</Birthdate></QualificationConfirmSearchInfo>"
			"</MessageBody></XmlMsg>";

		assert_int_equal(onshi_msg_parse(ONSHI_MSG_INQUIRY_REQUEST, doc,
						 sizeof(doc) - 1, NULL, &req,
						 msg, sizeof(msg)),
				 ONSHI_OK);
		assert_string_equal(req.u.inquiry_request.search.insurer_number,
				    "  123456");
		assert_int_equal(onshi_msg_error_init(&res, ONSHI_EINVAL, "x", &req),
				 ONSHI_OK);
		assert_int_equal(onshi_msg_write(&res, ONSHI_CHARSET_CP932, &out,
						 &len, NULL, msg, sizeof(msg)),
				 ONSHI_OK);
		assert_valid(out, len, "onshi-error", 1);
		assert_non_null(strstr(out, "<InsurerNumber> 123456</InsurerNumber>"));
		free(out);
		/* a sent text that no longer passes its checks is not written */
		assert_int_equal(onshi_msg_set(&res.u.error.search.sent[0].text,
					       "12a456"),
				 ONSHI_OK);
		assert_int_equal(onshi_msg_write(&res, ONSHI_CHARSET_UTF8, &out,
						 &len, NULL, msg, sizeof(msg)),
				 ONSHI_EINVAL);
		assert_string_equal(msg, "InsurerNumber '12a456' is not 6 or 8 digits");
		onshi_msg_clear(&res);
		onshi_msg_clear(&req);
	}
	free(in);
}

/* Shift_JIS from .NET: decoded as CP932, answered in CP932 byte-exact. */
static void test_client_cp932_round_trip(void **state)
{
	struct onshi_msg req, res;
	char msg[MSGLEN], *in, *u8, *out;
	size_t inlen, u8len, len, subst = 9;

	(void)state;
	in = client_fixture("dotnet_sjis_OQSsiquc01req.xml", &inlen);
	u8 = client_fixture("dotnet_sjis_OQSsiquc01req.utf8", &u8len);
	assert_int_equal(onshi_msg_parse(ONSHI_MSG_INQUIRY_REQUEST, in, inlen,
					 NULL, &req, msg, sizeof(msg)),
			 ONSHI_OK);
	assert_string_equal(req.u.inquiry_request.search.insured_card_symbol, "");
	assert_string_equal(req.u.inquiry_request.search.insured_identification_number,
			    "７８９");
	assert_int_equal(onshi_msg_result_for(&req, &res), ONSHI_OK);
	assert_int_equal(res.u.inquiry_result.hdr.character_code, ONSHI_CHARSET_CP932);
	assert_int_equal(onshi_msg_write(&res, ONSHI_CHARSET_CP932, &out, &len,
					 &subst, msg, sizeof(msg)),
			 ONSHI_OK);
	assert_int_equal(subst, 0);
	/* the CP932 bytes of the search info are the client's bytes */
	assert_echo(in, inlen, 1, out, len, 1, 0);
	assert_echo(u8, u8len, 0, out, len, 1, 0);
	assert_non_null(strstr(out, "<InsuredIdentificationNumber>\x82\x56\x82\x57\x82\x58"
				    "</InsuredIdentificationNumber>"));
	assert_non_null(strstr(out, "<InsuredCardSymbol></InsuredCardSymbol>"));
	assert_non_null(strstr(out, "\xFB\xFC")); /* 髙 of the ArbitraryFileIdentifier */
	free(out);
	onshi_msg_clear(&res);
	onshi_msg_clear(&req);
	free(u8);
	free(in);
}

/* Batch upload without a date, padded insurer numbers: parsed, forwarded
 * as sent, and each BulkConfirmUnit echoes its search info as sent. */
static void test_client_batch_upload(void **state)
{
	static const char *const norm[] = { "  123456", "  234567", "  345678",
					    "39131234" };
	struct onshi_msg req, res;
	char msg[MSGLEN], day[9], *in, *out;
	size_t inlen, len, i;

	(void)state;
	in = client_fixture("batch_upload_OQSmuquc01req.xml", &inlen);
	assert_int_equal(onshi_msg_parse(ONSHI_MSG_BULK_REQUEST, in, inlen,
					 NULL, &req, msg, sizeof(msg)),
			 ONSHI_OK);
	today(day);
	assert_string_equal(req.u.bulk_request.hdr.qualification_confirmation_date,
			    day);
	assert_int_equal(req.u.bulk_request.n_search, 4);
	for (i = 0; i < 4; i++)
		assert_string_equal(req.u.bulk_request.search[i].insurer_number,
				    norm[i]);
	assert_int_equal(onshi_msg_write(&req, ONSHI_CHARSET_UTF8, &out, &len,
					 NULL, msg, sizeof(msg)),
			 ONSHI_OK);
	assert_valid(out, len, "OQSmuquc01req", 0);
	for (i = 0; i < 4; i++)
		assert_echo(in, inlen, 1, out, len, 0, i);
	free(out);

	onshi_msg_init(&res, ONSHI_MSG_BULK_RESULT);
	res.u.bulk_result.hdr.segment_of_result = ONSHI_SEGMENT_NORMAL;
	for (i = 0; i < 4; i++) {
		struct onshi_bulk_unit *u = onshi_bulk_result_add(&res.u.bulk_result);

		assert_non_null(u);
		assert_int_equal(onshi_search_info_copy(&u->search,
							&req.u.bulk_request.search[i]),
				 ONSHI_OK);
		u->has_search = true;
		u->processing_result_status = ONSHI_STATUS_NORMAL;
		u->qualification_validity = ONSHI_VALIDITY_VALID;
	}
	assert_int_equal(onshi_msg_write(&res, ONSHI_CHARSET_CP932, &out, &len,
					 NULL, msg, sizeof(msg)),
			 ONSHI_OK);
	assert_valid(out, len, "OQSmuquc02res", 1);
	for (i = 0; i < 4; i++)
		assert_echo(in, inlen, 1, out, len, 1, i);
	assert_non_null(strstr(out, "<InsurerNumber>00234567</InsurerNumber>"));
	assert_non_null(strstr(out, "<InsurerNumber> 345678</InsurerNumber>"));
	free(out);
	onshi_msg_clear(&res);
	onshi_msg_clear(&req);
	free(in);
}

static int parse_fetch(const char *hdr_extra, const char *body,
		       struct onshi_msg *m, char *msg)
{
	char doc[1024];

	snprintf(doc, sizeof(doc),
		 "<XmlMsg><MessageHeader><MedicalInstitutionCode>1312345678"
		 "</MedicalInstitutionCode>%s</MessageHeader><MessageBody>%s</MessageBody></XmlMsg>",
		 hdr_extra, body);
	return onshi_msg_parse(ONSHI_MSG_BULK_FETCH, doc, strlen(doc), NULL, m,
			       msg, MSGLEN);
}

/* ReceptionNumber in the body (real clients), the header (onshi), both
 * the same, both different, neither; the batch date defaults to today. */
static void test_client_batch_fetch(void **state)
{
	struct onshi_msg m, back;
	char msg[MSGLEN], day[9], *in, *out;
	size_t inlen, len;

	(void)state;
	in = client_fixture("batch_fetch_body_OQSmuquc02req.xml", &inlen);
	assert_int_equal(onshi_msg_parse(ONSHI_MSG_BULK_FETCH, in, inlen, NULL,
					 &m, msg, sizeof(msg)),
			 ONSHI_OK);
	free(in);
	today(day);
	assert_string_equal(m.u.bulk_fetch.hdr.reception_number, "R20261125000042");
	assert_string_equal(m.u.bulk_fetch.hdr.qualification_confirmation_date, day);
	assert_string_equal(m.u.bulk_fetch.hdr.arbitrary_file_identifier,
			    "BATCHFETCH01");
	/* written (upstream) with the number in the header, once */
	assert_int_equal(onshi_msg_write(&m, ONSHI_CHARSET_UTF8, &out, &len,
					 NULL, msg, sizeof(msg)),
			 ONSHI_OK);
	assert_valid(out, len, "OQSmuquc02req", 0);
	assert_non_null(strstr(out, "<ReceptionNumber>R20261125000042</ReceptionNumber>"
				    "</MessageHeader><MessageBody/>"));
	assert_int_equal(onshi_msg_parse(ONSHI_MSG_BULK_FETCH, out, len, NULL,
					 &back, msg, sizeof(msg)),
			 ONSHI_OK);
	assert_string_equal(back.u.bulk_fetch.hdr.reception_number, "R20261125000042");
	onshi_msg_clear(&back);
	free(out);
	assert_int_equal(onshi_msg_result_for(&m, &back), ONSHI_OK);
	assert_string_equal(back.u.bulk_result.hdr.reception_number,
			    "R20261125000042");
	assert_string_equal(back.u.bulk_result.hdr.qualification_confirmation_date,
			    day);
	onshi_msg_clear(&back);
	onshi_msg_clear(&m);

	assert_int_equal(parse_fetch("<ReceptionNumber>R1</ReceptionNumber>",
				     "", &m, msg),
			 ONSHI_OK);
	assert_string_equal(m.u.bulk_fetch.hdr.reception_number, "R1");
	onshi_msg_clear(&m);
	assert_int_equal(parse_fetch("<ReceptionNumber>R1</ReceptionNumber>",
				     "<ReceptionNumber>R1</ReceptionNumber>", &m, msg),
			 ONSHI_OK);
	assert_string_equal(m.u.bulk_fetch.hdr.reception_number, "R1");
	onshi_msg_clear(&m);
	assert_int_equal(parse_fetch("<ReceptionNumber/>",
				     "<ReceptionNumber>R2</ReceptionNumber>", &m, msg),
			 ONSHI_OK);
	assert_string_equal(m.u.bulk_fetch.hdr.reception_number, "R2");
	onshi_msg_clear(&m);
	assert_int_equal(parse_fetch("<ReceptionNumber>R1</ReceptionNumber>",
				     "<ReceptionNumber>R2</ReceptionNumber>", &m, msg),
			 ONSHI_EINVAL);
	assert_string_equal(msg,
			    "ReceptionNumber differs between MessageHeader ('R1') and "
			    "MessageBody ('R2'): give it once, or the same in both");
	onshi_msg_clear(&m);
	in = client_fixture("batch_fetch_both_differ_OQSmuquc02req.xml", &inlen);
	assert_int_equal(onshi_msg_parse(ONSHI_MSG_BULK_FETCH, in, inlen, NULL,
					 &m, msg, sizeof(msg)),
			 ONSHI_EINVAL);
	assert_non_null(strstr(msg, "MessageHeader ('R20261125000001') and MessageBody "
				    "('R20261125000002')"));
	onshi_msg_clear(&m);
	free(in);
	{ /* body before header in the document: still both named, header first */
		static const char doc[] =
			"<XmlMsg><MessageBody><ReceptionNumber>R2</ReceptionNumber></MessageBody>"
			"<MessageHeader><MedicalInstitutionCode>1312345678</MedicalInstitutionCode>"
			"<ReceptionNumber>R1</ReceptionNumber></MessageHeader></XmlMsg>";

		assert_int_equal(onshi_msg_parse(ONSHI_MSG_BULK_FETCH, doc,
						 sizeof(doc) - 1, NULL, &m, msg,
						 sizeof(msg)),
				 ONSHI_EINVAL);
		assert_string_equal(msg,
				    "ReceptionNumber differs between MessageHeader ('R1') "
				    "and MessageBody ('R2'): give it once, or the same in both");
		onshi_msg_clear(&m);
	}
	assert_int_equal(parse_fetch("", "", &m, msg), ONSHI_EINVAL);
	assert_string_equal(msg, "required element ReceptionNumber is missing "
				 "(give it in MessageBody or in MessageHeader)");
	onshi_msg_clear(&m);
	assert_int_equal(parse_fetch("<ReceptionNumber> </ReceptionNumber>",
				     "<ReceptionNumber/>", &m, msg),
			 ONSHI_EINVAL);
	onshi_msg_clear(&m);

	/* an explicit date stays; an empty one is today */
	assert_int_equal(parse_fetch("<QualificationConfirmationDate>20250401"
				     "</QualificationConfirmationDate>",
				     "<ReceptionNumber>R1</ReceptionNumber>", &m, msg),
			 ONSHI_OK);
	assert_string_equal(m.u.bulk_fetch.hdr.qualification_confirmation_date,
			    "20250401");
	onshi_msg_clear(&m);
	assert_int_equal(parse_fetch("<QualificationConfirmationDate/>",
				     "<ReceptionNumber>R1</ReceptionNumber>", &m, msg),
			 ONSHI_OK);
	assert_string_equal(m.u.bulk_fetch.hdr.qualification_confirmation_date, day);
	onshi_msg_clear(&m);

	/* individual inquiries still need their date */
	{
		static const char doc[] =
			"<XmlMsg><MessageHeader><MedicalInstitutionCode>1312345678"
			"</MedicalInstitutionCode></MessageHeader><MessageBody>"
			"<QualificationConfirmSearchInfo><InsurerNumber>06139999</InsurerNumber>"
			"<InsuredIdentificationNumber>1</InsuredIdentificationNumber>"
			"<Birthdate>19800101</Birthdate></QualificationConfirmSearchInfo>"
			"</MessageBody></XmlMsg>";

		assert_int_equal(onshi_msg_parse(ONSHI_MSG_INQUIRY_REQUEST, doc,
						 sizeof(doc) - 1, NULL, &m, msg,
						 sizeof(msg)),
				 ONSHI_EINVAL);
		assert_string_equal(msg, "required element QualificationConfirmationDate is "
					 "missing from MessageHeader");
		onshi_msg_clear(&m);
	}
}

/* ---- file names ---- */

static void test_file_names(void **state)
{
	static const struct {
		const char *name;
		enum onshi_msg_kind kind;
		const char *id;
	} good[] = {
		{ "OQSsiquc01req_20250401-0001.xml", ONSHI_MSG_INQUIRY_REQUEST,
		  "20250401-0001" },
		{ "OQSmuquc01req_batch.1.xml", ONSHI_MSG_BULK_REQUEST, "batch.1" },
		{ "OQSmuquc02req_R=42.XML", ONSHI_MSG_BULK_FETCH, "R=42" },
		{ "oqssiquc01req_a_b+c@d~e.xml", ONSHI_MSG_INQUIRY_REQUEST,
		  "a_b+c@d~e" },
	};
	static const char *const ignored[] = {
		"OQSsiquc01res_1.xml", "OQSsiquc01req_1.xml.tmp",
		"OQSsiquc01req_1.err", "readme.txt",
		"OQSsiquc01req_",      "",
		"OQSsiquc01req.xml",
	};
	static const char *const hostile[] = {
		"OQSsiquc01req_../../etc/passwd.xml",
		"OQSsiquc01req_a/b.xml",
		"OQSsiquc01req_.hidden.xml",
		"OQSsiquc01req_a..b.xml",
		"OQSsiquc01req_\x1b[31mred.xml",
		"OQSsiquc01req_line\nbreak.xml",
		"OQSsiquc01req_.xml",
		"OQSsiquc01req_\xE5\x8F\x97\xE4\xBB\x98.xml",
		"OQSsiquc01req_a b.xml",
		"OQSsiquc01req_C:\\x.xml",
		"OQSmuquc02req_..xml",
	};
	enum onshi_msg_kind kind;
	char id[ONSHI_FILE_ID_MAX + 1], msg[MSGLEN], name[ONSHI_FILE_NAME_MAX],
		longname[300];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(onshi_file_name_classify(good[i].name, &kind,
							  id, sizeof(id), msg,
							  sizeof(msg)),
				 ONSHI_OK);
		assert_int_equal(kind, good[i].kind);
		assert_string_equal(id, good[i].id);
	}
	for (i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		assert_int_equal(onshi_file_name_classify(ignored[i], &kind, id,
							  sizeof(id), msg,
							  sizeof(msg)),
				 ONSHI_ENOTFOUND);
	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		msg[0] = '\0';
		assert_int_equal(onshi_file_name_classify(hostile[i], &kind, id,
							  sizeof(id), msg,
							  sizeof(msg)),
				 ONSHI_EPERM);
		assert_true(strlen(msg) > 10);
		assert_null(strchr(msg, '\n'));
		assert_null(strchr(msg, '\x1b'));
	}
	assert_int_equal(onshi_file_name_classify("OQSsiquc01req_../../etc/passwd.xml",
						  &kind, id, sizeof(id), msg,
						  sizeof(msg)),
			 ONSHI_EPERM);
	assert_string_equal(msg, "the file name's id starts with '.'");
	assert_int_equal(onshi_file_name_classify("OQSsiquc01req_a..b.xml", &kind,
						  id, sizeof(id), msg, sizeof(msg)),
			 ONSHI_EPERM);
	assert_string_equal(msg, "the file name's id contains '..'");
	assert_int_equal(onshi_file_name_classify("OQSsiquc01req_a/b.xml", &kind, id,
						  sizeof(id), msg, sizeof(msg)),
			 ONSHI_EPERM);
	assert_string_equal(msg, "the file name's id holds byte 0x2f at 2 "
				 "(allowed: letters, digits and ._+=@~-)");
	/* bounded length */
	memcpy(longname, "OQSsiquc01req_", 14);
	memset(longname + 14, 'a', ONSHI_FILE_ID_MAX + 1);
	strcpy(longname + 14 + ONSHI_FILE_ID_MAX + 1, ".xml");
	assert_int_equal(onshi_file_name_classify(longname, &kind, id,
						  sizeof(id), msg, sizeof(msg)),
			 ONSHI_EPERM);
	strcpy(longname + 14 + ONSHI_FILE_ID_MAX, ".xml");
	assert_int_equal(onshi_file_name_classify(longname, &kind, id,
						  sizeof(id), msg, sizeof(msg)),
			 ONSHI_OK);
	assert_int_equal(strlen(id), ONSHI_FILE_ID_MAX);

	assert_int_equal(onshi_file_name_result(ONSHI_MSG_INQUIRY_REQUEST, "7",
						false, name, sizeof(name)),
			 ONSHI_OK);
	assert_string_equal(name, "OQSsiquc01res_7.xml");
	assert_int_equal(onshi_file_name_result(ONSHI_MSG_INQUIRY_REQUEST, "7",
						true, name, sizeof(name)),
			 ONSHI_OK);
	assert_string_equal(name, "OQSsiquc01res_face_7.xml");
	assert_int_equal(onshi_file_name_result(ONSHI_MSG_BULK_REQUEST, "b",
						false, name, sizeof(name)),
			 ONSHI_OK);
	assert_string_equal(name, "OQSmuquc01res_b.xml");
	assert_int_equal(onshi_file_name_result(ONSHI_MSG_BULK_FETCH, "b",
						false, name, sizeof(name)),
			 ONSHI_OK);
	assert_string_equal(name, "OQSmuquc02res_b.xml");
	assert_int_equal(onshi_file_name_error(ONSHI_MSG_BULK_FETCH, "b", name,
					       sizeof(name)),
			 ONSHI_OK);
	assert_string_equal(name, "OQSmuquc02req_b.err");
	assert_int_equal(onshi_file_name_error(ONSHI_MSG_INQUIRY_REQUEST, "x-1",
					       name, sizeof(name)),
			 ONSHI_OK);
	assert_string_equal(name, "OQSsiquc01req_x-1.err");
	assert_int_equal(onshi_file_name_result(ONSHI_MSG_INQUIRY_REQUEST, "../x",
						false, name, sizeof(name)),
			 ONSHI_EPERM);
	assert_int_equal(onshi_file_name_result(ONSHI_MSG_INQUIRY_RESULT, "x",
						false, name, sizeof(name)),
			 ONSHI_EINVAL);
	assert_int_equal(onshi_file_name_result(ONSHI_MSG_BULK_REQUEST, "x",
						true, name, sizeof(name)),
			 ONSHI_EINVAL);
	assert_int_equal(onshi_file_name_result(ONSHI_MSG_INQUIRY_REQUEST, "x",
						false, name, 10),
			 ONSHI_ETOOBIG);
}

static void test_copy_and_kind_names(void **state)
{
	struct onshi_msg m;
	struct onshi_search_info s;
	char msg[MSGLEN];

	(void)state;
	assert_int_equal(parse_fixture("req_utf8.xml",
				       ONSHI_MSG_INQUIRY_REQUEST, &m, msg),
			 ONSHI_OK);
	memset(&s, 0, sizeof(s));
	assert_int_equal(onshi_search_info_copy(&s, &m.u.inquiry_request.search),
			 ONSHI_OK);
	onshi_msg_clear(&m);
	assert_string_equal(s.insurer_number, "06139999");
	assert_string_equal(s.insured_branch_number, "01");
	onshi_search_info_clear(&s);
	assert_null(s.insurer_number);
	assert_string_equal(onshi_msg_kind_name(ONSHI_MSG_BULK_FETCH),
			    "OQSmuquc02req");
	assert_string_equal(onshi_msg_kind_name(ONSHI_MSG_NONE), "");
	assert_int_equal(onshi_msg_parse((enum onshi_msg_kind)42, "<XmlMsg/>",
					 9, NULL, &m, msg, sizeof(msg)),
			 ONSHI_EINVAL);
	onshi_msg_clear(&m);
}

/* ---- the certificate blocks of a record ---- */

static void assert_certificates(const struct onshi_qualification *q)
{
	assert_string_equal(q->elderly.certificate_date, "20260701");
	assert_string_equal(q->elderly.valid_start_date, "20260801");
	assert_string_equal(q->elderly.valid_end_date, "20270731");
	assert_string_equal(q->elderly.contribution_ratio, "020");
	assert_string_equal(q->limit_cons_flg, "1");
	assert_string_equal(q->limit_cons_time, "20261206101500");
	assert_string_equal(q->limit.classification, "02");
	assert_string_equal(q->limit.classification_flag, "B05");
	assert_string_equal(q->limit.certificate_date, "20260701");
	assert_string_equal(q->limit.valid_start_date, "20260801");
	assert_string_equal(q->limit.valid_end_date, "20270731");
	assert_string_equal(q->limit.long_term_date, "20261001");
	assert_string_equal(q->specific_diseases_cons_flg, "1");
	assert_string_equal(q->specific_diseases_cons_time, "20261206101500");
	assert_int_equal(q->n_specific_diseases, 2);
	assert_string_equal(q->specific_diseases[0].disease_category, "01");
	assert_string_equal(q->specific_diseases[0].certificate_date, "20200401");
	assert_string_equal(q->specific_diseases[0].valid_start_date, "20200401");
	assert_string_equal(q->specific_diseases[0].valid_end_date, "99991231");
	assert_string_equal(q->specific_diseases[0].self_pay, "10000");
	assert_string_equal(q->specific_diseases[1].disease_category, "02");
	assert_null(q->specific_diseases[1].certificate_date);
	assert_int_equal(q->n_medical_tickets, 2);
	assert_string_equal(q->medical_tickets[0].ticket_type, "1");
	assert_string_equal(q->medical_tickets[0].valid_date, "20261201");
	assert_string_equal(q->medical_tickets[0].expiration_date, "20261231");
	assert_string_equal(q->medical_tickets[0].issue_number, "1234567");
	assert_string_equal(q->medical_tickets[0].medical_treatment_month, "202612");
	assert_string_equal(q->medical_tickets[0].designated_institution_code,
			    "1312345678");
	assert_string_equal(q->medical_tickets[0].designated_institution_name,
			    "髙田内科①");
	assert_string_equal(q->medical_tickets[0].self_pay_amount, "0");
	assert_string_equal(q->medical_tickets[0].district_contact_name, "﨑山　花子");
	assert_string_equal(q->medical_tickets[0].handling_contact_name, "山田　一郎");
	assert_string_equal(q->medical_tickets[0].remarks1, "単独");
	assert_string_equal(q->medical_tickets[1].ticket_type, "2");
	assert_string_equal(q->medical_tickets[1].issue_number, "1234568");
	assert_null(q->medical_tickets[1].valid_date);
	assert_string_equal(q->reference_number, "KARTE-000042");
	assert_string_equal(q->limit_certificate_changed, "1");
	assert_string_equal(q->qualification_confirmation_key,
			    "7F3A9C0E5B2D4A6F8E1C3B5D7A9F0E2C");
	assert_string_equal(q->consent[ONSHI_CONSENT_PHARMACISTS].flg, "1");
	assert_string_equal(q->insurer_name, "㈱髙島電機健康保険組合");
}

/* Every new element parsed, written (UTF-8 and CP932) valid against the
 * XSD, read back the same; writing what was read gives the same bytes. */
static void test_certificate_records(void **state)
{
	struct onshi_msg m, back, back2;
	char msg[MSGLEN], *out1, *out2;
	size_t len1, len2, subst;
	int cs;

	(void)state;
	assert_int_equal(parse_fixture("res_certificates.xml",
				       ONSHI_MSG_INQUIRY_RESULT, &m, msg),
			 ONSHI_OK);
	assert_int_equal(m.u.inquiry_result.n_results, 1);
	assert_certificates(&m.u.inquiry_result.results[0]);
	for (cs = ONSHI_CHARSET_UTF8; cs <= ONSHI_CHARSET_CP932; cs++) {
		round_trip(&m, (enum onshi_charset)cs, "OQSsiquc01res", &back);
		assert_int_equal(back.u.inquiry_result.n_results, 1);
		assert_certificates(&back.u.inquiry_result.results[0]);
		assert_int_equal(onshi_msg_write(&m, (enum onshi_charset)cs, &out1,
						 &len1, &subst, msg, sizeof(msg)),
				 ONSHI_OK);
		assert_int_equal(subst, 0); /* 髙 﨑 ① ㈱ are CP932 */
		assert_int_equal(onshi_msg_write(&back, (enum onshi_charset)cs, &out2,
						 &len2, NULL, msg, sizeof(msg)),
				 ONSHI_OK);
		/* Same bytes but for ProcessExecutionTime, which both copy. */
		assert_int_equal(len1, len2);
		assert_memory_equal(out1, out2, len1);
		/* The blocks nest as real results nest them, in table order. */
		if (cs == ONSHI_CHARSET_UTF8) {
			assert_non_null(strstr(out1,
					       "<SpecificDiseasesCertificateList>"
					       "<SpecificDiseasesCertificateInfo>"));
			assert_non_null(strstr(out1, "<PublicExpenseResultList><MedicalTicketInfo>"
						     "<TicketType>1</TicketType>"));
			assert_non_null(strstr(out1,
					       "<ElderlyRecipientCertificateInfo>"
					       "<ElderlyRecipientCertificateDate>"));
			assert_null(strstr(out1, "InjuryName1")); /* not modeled */
		}
		free(out1);
		free(out2);
		onshi_msg_clear(&back);
	}
	/* Deep copy and clear (valgrind checks the lists are owned). */
	onshi_msg_init(&back2, ONSHI_MSG_INQUIRY_RESULT);
	assert_non_null(onshi_inquiry_result_add(&back2.u.inquiry_result));
	assert_int_equal(onshi_qualification_copy(&back2.u.inquiry_result.results[0],
						  &m.u.inquiry_result.results[0]),
			 ONSHI_OK);
	assert_certificates(&back2.u.inquiry_result.results[0]);
	onshi_qualification_clear(&back2.u.inquiry_result.results[0]);
	assert_null(back2.u.inquiry_result.results[0].medical_tickets);
	assert_int_equal(back2.u.inquiry_result.results[0].n_specific_diseases, 0);
	onshi_msg_clear(&back2);

	/* Built in code: the add helpers, and a batch unit (OQSmuquc02res XSD). */
	onshi_msg_init(&back2, ONSHI_MSG_BULK_RESULT);
	back2.u.bulk_result.hdr.segment_of_result = ONSHI_SEGMENT_NORMAL;
	{
		struct onshi_bulk_unit *u = onshi_bulk_result_add(&back2.u.bulk_result);
		struct onshi_qualification *q;
		struct onshi_specific_disease_certificate *d;
		struct onshi_medical_ticket *t;

		assert_non_null(u);
		u->processing_result_status = ONSHI_STATUS_NORMAL;
		u->qualification_validity = ONSHI_VALIDITY_UNREGISTERED;
		q = onshi_bulk_unit_add(u);
		assert_non_null(q);
		assert_int_equal(onshi_msg_set(&q->insured_card_classification, "A1"),
				 ONSHI_OK);
		t = onshi_qualification_add_medical_ticket(q);
		assert_non_null(t);
		assert_int_equal(onshi_msg_set(&t->issue_number, "7654321"), ONSHI_OK);
		d = onshi_qualification_add_specific_disease(q);
		assert_non_null(d);
		assert_int_equal(onshi_msg_set(&d->disease_category, "03"), ONSHI_OK);
		assert_int_equal(onshi_msg_set(&q->elderly.contribution_ratio, "030"),
				 ONSHI_OK);
		assert_int_equal(onshi_msg_set(&q->limit.classification_flag, "A01"),
				 ONSHI_OK);
	}
	round_trip(&back2, ONSHI_CHARSET_CP932, "OQSmuquc02res", &back);
	{
		const struct onshi_qualification *q =
			&back.u.bulk_result.units[0].results[0];

		assert_string_equal(q->insured_card_classification, "A1");
		assert_int_equal(q->n_medical_tickets, 1);
		assert_string_equal(q->medical_tickets[0].issue_number, "7654321");
		assert_int_equal(q->n_specific_diseases, 1);
		assert_string_equal(q->specific_diseases[0].disease_category, "03");
		assert_string_equal(q->elderly.contribution_ratio, "030");
		assert_null(q->elderly.certificate_date);
		assert_string_equal(q->limit.classification_flag, "A01");
		assert_int_equal(back.u.bulk_result.units[0].qualification_validity,
				 ONSHI_VALIDITY_UNREGISTERED);
	}
	onshi_msg_clear(&back);
	onshi_msg_clear(&back2);
	onshi_msg_clear(&m);
}

/* PharmaceuticalInfo* and *AcquisitionTime are read into the same slots
 * and written as Pharmacists* / *AvailableTime; both spellings of one
 * element with different values are refused. */
static void test_consent_spellings(void **state)
{
	static const char *const body_fmt =
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?><XmlMsg><MessageHeader>"
		"<CharacterCodeIdentifier>0</CharacterCodeIdentifier><SegmentOfResult>1"
		"</SegmentOfResult></MessageHeader><MessageBody><ResultList>"
		"<ResultOfQualificationConfirmation><Name>X</Name>%s"
		"</ResultOfQualificationConfirmation></ResultList></MessageBody></XmlMsg>";
	const struct onshi_qualification *q;
	struct onshi_msg m, back;
	char msg[MSGLEN], doc[1024], *out;
	size_t len;

	(void)state;
	assert_int_equal(parse_fixture("res_consent_spellings.xml",
				       ONSHI_MSG_INQUIRY_RESULT, &m, msg),
			 ONSHI_OK);
	q = &m.u.inquiry_result.results[0];
	assert_string_equal(q->consent[ONSHI_CONSENT_PHARMACISTS].flg, "1");
	assert_string_equal(q->consent[ONSHI_CONSENT_PHARMACISTS].time,
			    "20261206101500");
	assert_string_equal(q->consent[ONSHI_CONSENT_PHARMACISTS].available_time,
			    "20261207101500");
	assert_string_equal(q->consent[ONSHI_CONSENT_SPECIFIC_HEALTH_CHECKUPS].available_time,
			    "20261207101501");
	assert_string_equal(q->consent[ONSHI_CONSENT_DIAGNOSIS].flg, "0");
	assert_string_equal(q->consent[ONSHI_CONSENT_DIAGNOSIS].available_time,
			    "20261207101502");
	assert_string_equal(q->consent[ONSHI_CONSENT_OPERATION].flg, "2");
	assert_string_equal(q->consent[ONSHI_CONSENT_OPERATION].available_time,
			    "20261207101503");
	assert_int_equal(onshi_msg_write(&m, ONSHI_CHARSET_UTF8, &out, &len,
					 NULL, msg, sizeof(msg)),
			 ONSHI_OK);
	assert_non_null(strstr(out, "<PharmacistsInfoConsFlg>1</PharmacistsInfoConsFlg>"));
	assert_non_null(strstr(out, "<PharmacistsInfoAvailableTime>20261207101500<"));
	assert_non_null(strstr(out, "<OperationInfoAvailableTime>20261207101503<"));
	assert_null(strstr(out, "Pharmaceutical"));
	assert_null(strstr(out, "AcquisitionTime"));
	free(out);
	round_trip(&m, ONSHI_CHARSET_CP932, "OQSsiquc01res", &back);
	assert_string_equal(back.u.inquiry_result.results[0]
				    .consent[ONSHI_CONSENT_PHARMACISTS]
				    .available_time,
			    "20261207101500");
	onshi_msg_clear(&back);
	onshi_msg_clear(&m);

	/* Both spellings, same value: fine; different: refused, both named. */
	snprintf(doc, sizeof(doc), body_fmt,
		 "<PharmacistsInfoConsFlg>1</PharmacistsInfoConsFlg>"
		 "<PharmaceuticalInfoConsFlg>1</PharmaceuticalInfoConsFlg>");
	assert_int_equal(onshi_msg_parse(ONSHI_MSG_INQUIRY_RESULT, doc,
					 strlen(doc), NULL, &m, msg, sizeof(msg)),
			 ONSHI_OK);
	onshi_msg_clear(&m);
	snprintf(doc, sizeof(doc), body_fmt,
		 "<DiagnosisInfoAvailableTime>20261207101500</DiagnosisInfoAvailableTime>"
		 "<DiagnosisInfoAcquisitionTime>20261208101500</DiagnosisInfoAcquisitionTime>");
	assert_int_equal(onshi_msg_parse(ONSHI_MSG_INQUIRY_RESULT, doc,
					 strlen(doc), NULL, &m, msg, sizeof(msg)),
			 ONSHI_EINVAL);
	assert_non_null(strstr(msg, "DiagnosisInfoAcquisitionTime"));
	assert_non_null(strstr(msg, "DiagnosisInfoAvailableTime"));
	onshi_msg_clear(&m);

	/* A request's CardAuthentication takes the other spelling too. */
	{
		size_t flen;
		char *req = fixture("req_card_pin.xml", &flen), *p;
		char *alt = malloc(flen + 64);

		assert_non_null(alt);
		p = strstr(req, "PharmacistsInfoConsFlg");
		if (p != NULL) {
			/* rename the element (both tags) to the other spelling */
			char *e = strstr(p + 1, "PharmacistsInfoConsFlg");
			size_t o = 0;

			assert_non_null(e);
			memcpy(alt, req, (size_t)(p - req));
			o = (size_t)(p - req);
			o += (size_t)sprintf(alt + o, "PharmaceuticalInfoConsFlg");
			p += strlen("PharmacistsInfoConsFlg");
			memcpy(alt + o, p, (size_t)(e - p));
			o += (size_t)(e - p);
			o += (size_t)sprintf(alt + o, "PharmaceuticalInfoConsFlg");
			e += strlen("PharmacistsInfoConsFlg");
			memcpy(alt + o, e, flen - (size_t)(e - req));
			o += flen - (size_t)(e - req);
			assert_int_equal(onshi_msg_parse(ONSHI_MSG_INQUIRY_REQUEST,
							 alt, o, NULL, &m, msg,
							 sizeof(msg)),
					 ONSHI_OK);
			assert_int_equal(onshi_msg_parse(ONSHI_MSG_INQUIRY_REQUEST,
							 req, flen, NULL, &back,
							 msg, sizeof(msg)),
					 ONSHI_OK);
			assert_int_equal(m.u.inquiry_request.card_auth.consent[ONSHI_CONSENT_PHARMACISTS],
					 back.u.inquiry_request.card_auth
						 .consent[ONSHI_CONSENT_PHARMACISTS]);
			assert_int_not_equal(m.u.inquiry_request.card_auth.consent[ONSHI_CONSENT_PHARMACISTS],
					     ONSHI_CONSENT_ABSENT);
			onshi_msg_clear(&back);
			onshi_msg_clear(&m);
			/* Both spellings there, disagreeing: refused. */
			{
				char *both = malloc(flen + 128),
				     *cut = strstr(req, "</CardAuthentication>");
				size_t n2;

				assert_non_null(both);
				assert_non_null(cut);
				n2 = (size_t)(cut - req);
				memcpy(both, req, n2);
				/* the fixture's PharmacistsInfoConsFlg is 1 */
				n2 += (size_t)sprintf(both + n2,
						      "<PharmaceuticalInfoConsFlg>0"
						      "</PharmaceuticalInfoConsFlg>");
				memcpy(both + n2, cut, flen - (size_t)(cut - req));
				n2 += flen - (size_t)(cut - req);
				assert_int_equal(onshi_msg_parse(ONSHI_MSG_INQUIRY_REQUEST,
								 both, n2, NULL, &m,
								 msg, sizeof(msg)),
						 ONSHI_EINVAL);
				assert_non_null(strstr(msg, "other spelling"));
				onshi_msg_clear(&m);
				free(both);
			}
		}
		free(alt);
		free(req);
	}
}

/* ---- drug history and check-up information (YZKsiquc01, TKKsiquc01) ---- */

static char *example(const char *name, size_t *len)
{
	return fixture_in(XMLMSG_EXAMPLE_DIR, name, len);
}

/* The documented examples parse, and what onshi writes from them validates
 * and reads back the same, in UTF-8 and in CP932. */
static void test_info_examples(void **state)
{
	static const struct {
		const char *file, *xsd;
		enum onshi_msg_kind kind;
	} ex[] = {
		{ "YZKsiquc01req_0001.xml", "YZKsiquc01req", ONSHI_MSG_DRUG_REQUEST },
		{ "TKKsiquc01req_0001.xml", "TKKsiquc01req", ONSHI_MSG_CHECKUP_REQUEST },
		{ "YZKsiquc01res_0001.xml", "YZKsiquc01res", ONSHI_MSG_DRUG_RESULT },
		{ "YZKsiquc01res_0002.xml", "YZKsiquc01res", ONSHI_MSG_DRUG_RESULT },
		{ "TKKsiquc01res_0001.xml", "TKKsiquc01res", ONSHI_MSG_CHECKUP_RESULT },
	};
	char msg[MSGLEN], *buf;
	size_t len;

	(void)state;
	for (size_t i = 0; i < sizeof(ex) / sizeof(ex[0]); i++) {
		struct onshi_msg m, back;

		buf = example(ex[i].file, &len);
		assert_int_equal(onshi_msg_parse(ex[i].kind, buf, len, NULL, &m,
						 msg, sizeof(msg)),
				 ONSHI_OK);
		free(buf);
		for (int cs = ONSHI_CHARSET_UTF8; cs <= ONSHI_CHARSET_CP932; cs++) {
			round_trip(&m, (enum onshi_charset)cs, ex[i].xsd, &back);
			onshi_msg_clear(&back);
		}
		onshi_msg_clear(&m);
	}
}

static void test_info_request_and_result(void **state)
{
	struct onshi_msg req, res, back;
	struct onshi_drug_info *d;
	struct onshi_checkup_info *c;
	char msg[MSGLEN], *buf, *out;
	size_t len, subst;

	(void)state;
	/* a client's shape: single-quoted prolog, blanks in tags, no date */
	static const char sjis_req[] =
		"<?xml version='1.0' encoding='Shift_JIS' ?>\r\n<XmlMsg><MessageHeader >"
		"<MedicalInstitutionCode>1312345678</MedicalInstitutionCode>"
		"<ArbitraryFileIdentifier >\x87\x40\xFB\xFC</ArbitraryFileIdentifier >"
		"</MessageHeader><MessageBody><QualificationConfirmSearchInfo>"
		"<InsurerNumber>  123456</InsurerNumber><InsuredCardSymbol />"
		"<InsuredIdentificationNumber>56</InsuredIdentificationNumber>"
		"<Birthdate>19800101</Birthdate></QualificationConfirmSearchInfo>"
		"</MessageBody></XmlMsg>\r\n";
	assert_int_equal(onshi_msg_parse(ONSHI_MSG_DRUG_REQUEST, sjis_req,
					 sizeof(sjis_req) - 1, NULL, &req, msg,
					 sizeof(msg)),
			 ONSHI_OK);
	assert_int_equal(req.source_charset, ONSHI_CHARSET_CP932);
	assert_string_equal(req.u.info_request.hdr.arbitrary_file_identifier, "①髙");
	assert_non_null(req.u.info_request.hdr.qualification_confirmation_date); /* today */
	assert_true(req.u.info_request.has_search);
	assert_string_equal(req.u.info_request.search.insurer_number, "  123456");
	assert_int_equal(onshi_msg_result_for(&req, &res), ONSHI_OK);
	assert_int_equal(res.kind, ONSHI_MSG_DRUG_RESULT);
	assert_int_equal(res.u.info_result.hdr.character_code, ONSHI_CHARSET_CP932);
	assert_string_equal(res.u.info_result.hdr.arbitrary_file_identifier, "①髙");
	assert_true(res.u.info_result.has_search);
	assert_int_equal(onshi_msg_set(&res.u.info_result.result_code, "1"), ONSHI_OK);
	d = onshi_info_result_add_drug(&res.u.info_result);
	assert_non_null(d);
	assert_int_equal(onshi_msg_set(&d->dispensing_date, "20261101"), ONSHI_OK);
	assert_int_equal(onshi_msg_set(&d->drug_name, "ロキソプロフェンＮａ錠６０ｍｇ"),
			 ONSHI_OK);
	assert_int_equal(onshi_msg_set(&d->pharmacy_name, "みどり薬局　髙山店"),
			 ONSHI_OK);
	assert_int_equal(onshi_msg_set(&d->quantity, "3"), ONSHI_OK);
	assert_int_equal(onshi_msg_set(&d->unit, "錠"), ONSHI_OK);
	/* CP932 out: 髙 survives, written as FB FC; XSD-valid; reads back */
	assert_int_equal(onshi_msg_write(&res, ONSHI_CHARSET_CP932, &out, &len,
					 &subst, msg, sizeof(msg)),
			 ONSHI_OK);
	assert_int_equal(subst, 0);
	assert_non_null(strstr(out, "\xFB\xFC"));
	assert_valid(out, len, "YZKsiquc01res", 1);
	assert_int_equal(onshi_msg_parse(ONSHI_MSG_DRUG_RESULT, out, len, NULL,
					 &back, msg, sizeof(msg)),
			 ONSHI_OK);
	free(out);
	assert_int_equal(back.u.info_result.n_drugs, 1);
	assert_string_equal(back.u.info_result.drugs[0].pharmacy_name,
			    "みどり薬局　髙山店");
	assert_string_equal(back.u.info_result.drugs[0].drug_name,
			    "ロキソプロフェンＮａ錠６０ｍｇ");
	assert_string_equal(back.u.info_result.result_code, "1");
	/* the search info is echoed as sent */
	assert_string_equal(back.u.info_result.search.insurer_number, "  123456");
	onshi_msg_clear(&back);
	onshi_msg_clear(&res);
	onshi_msg_clear(&req);

	/* check-ups: a refusal has ResultCode and MessageContents, no entries */
	buf = example("TKKsiquc01req_0001.xml", &len);
	assert_int_equal(onshi_msg_parse(ONSHI_MSG_CHECKUP_REQUEST, buf, len,
					 NULL, &req, msg, sizeof(msg)),
			 ONSHI_OK);
	free(buf);
	assert_int_equal(onshi_msg_result_for(&req, &res), ONSHI_OK);
	assert_int_equal(res.kind, ONSHI_MSG_CHECKUP_RESULT);
	assert_int_equal(onshi_msg_set(&res.u.info_result.result_code, "2"), ONSHI_OK);
	assert_int_equal(onshi_msg_set(&res.u.info_result.message_contents,
				       "特定健診情報の閲覧について本人の同意が得られていません"),
			 ONSHI_OK);
	round_trip(&res, ONSHI_CHARSET_UTF8, "TKKsiquc01res", &back);
	assert_int_equal(back.u.info_result.n_checkups, 0);
	assert_string_equal(back.u.info_result.result_code, "2");
	onshi_msg_clear(&back);
	c = onshi_info_result_add_checkup(&res.u.info_result);
	assert_non_null(c);
	assert_int_equal(onshi_msg_set(&c->examination_date, "20260513"), ONSHI_OK);
	assert_int_equal(onshi_msg_set(&c->hba1c, "5.6"), ONSHI_OK);
	round_trip(&res, ONSHI_CHARSET_CP932, "TKKsiquc01res", &back);
	assert_int_equal(back.u.info_result.n_checkups, 1);
	assert_string_equal(back.u.info_result.checkups[0].hba1c, "5.6");
	onshi_msg_clear(&back);
	onshi_msg_clear(&res);
	onshi_msg_clear(&req);
}

static void test_info_bad_input(void **state)
{
	static const char nosearch[] =
		"<XmlMsg><MessageHeader><MedicalInstitutionCode>1312345678</MedicalInstitutionCode>"
		"</MessageHeader><MessageBody/></XmlMsg>";
	static const char badinsurer[] =
		"<XmlMsg><MessageHeader><MedicalInstitutionCode>1312345678</MedicalInstitutionCode>"
		"</MessageHeader><MessageBody><QualificationConfirmSearchInfo>"
		"<InsurerNumber>12a456</InsurerNumber><InsuredIdentificationNumber>1</InsuredIdentificationNumber>"
		"<Birthdate>19800101</Birthdate></QualificationConfirmSearchInfo></MessageBody></XmlMsg>";
	static const char baddate[] =
		"<XmlMsg><MessageHeader><SegmentOfResult>1</SegmentOfResult></MessageHeader>"
		"<MessageBody><DrugInformationList><DrugInformation>"
		"<DispensingDate>2026-11-01</DispensingDate></DrugInformation></DrugInformationList>"
		"</MessageBody></XmlMsg>";
	struct onshi_msg m;
	char msg[MSGLEN];

	(void)state;
	for (int k = ONSHI_MSG_DRUG_REQUEST; k <= ONSHI_MSG_CHECKUP_REQUEST; k += 2) {
		assert_int_equal(onshi_msg_parse((enum onshi_msg_kind)k,
						 nosearch, sizeof(nosearch) - 1,
						 NULL, &m, msg, sizeof(msg)),
				 ONSHI_EINVAL);
		assert_non_null(strstr(msg, "QualificationConfirmSearchInfo is missing"));
		onshi_msg_clear(&m);
		assert_int_equal(onshi_msg_parse((enum onshi_msg_kind)k, badinsurer,
						 sizeof(badinsurer) - 1, NULL,
						 &m, msg, sizeof(msg)),
				 ONSHI_EINVAL);
		assert_non_null(strstr(msg, "InsurerNumber"));
		onshi_msg_clear(&m);
	}
	assert_int_equal(onshi_msg_parse(ONSHI_MSG_DRUG_RESULT, baddate,
					 sizeof(baddate) - 1, NULL, &m, msg,
					 sizeof(msg)),
			 ONSHI_EINVAL);
	assert_non_null(strstr(msg, "DispensingDate"));
	onshi_msg_clear(&m);
}

static void test_info_file_names(void **state)
{
	enum onshi_msg_kind k;
	char id[ONSHI_FILE_ID_MAX + 1], name[ONSHI_FILE_NAME_MAX], msg[MSGLEN];

	(void)state;
	assert_int_equal(onshi_file_name_classify("YZKsiquc01req_A-1.xml", &k, id,
						  sizeof(id), msg, sizeof(msg)),
			 ONSHI_OK);
	assert_int_equal(k, ONSHI_MSG_DRUG_REQUEST);
	assert_string_equal(id, "A-1");
	assert_int_equal(onshi_file_name_result(k, id, false, name, sizeof(name)),
			 ONSHI_OK);
	assert_string_equal(name, "YZKsiquc01res_A-1.xml");
	assert_int_equal(onshi_file_name_error(k, id, name, sizeof(name)), ONSHI_OK);
	assert_string_equal(name, "YZKsiquc01req_A-1.err");
	assert_int_equal(onshi_file_name_classify("tkksiquc01req_7.XML", &k, id,
						  sizeof(id), msg, sizeof(msg)),
			 ONSHI_OK);
	assert_int_equal(k, ONSHI_MSG_CHECKUP_REQUEST);
	assert_int_equal(onshi_file_name_result(k, id, false, name, sizeof(name)),
			 ONSHI_OK);
	assert_string_equal(name, "TKKsiquc01res_7.xml");
	assert_int_equal(onshi_file_name_result(k, id, true, name, sizeof(name)),
			 ONSHI_EINVAL);
	assert_string_equal(onshi_msg_kind_name(ONSHI_MSG_DRUG_RESULT),
			    "YZKsiquc01res");
	assert_string_equal(onshi_msg_kind_name(ONSHI_MSG_CHECKUP_REQUEST),
			    "TKKsiquc01req");
}

/* ---- batches by period (OQSmuonq, OQSmuhvq, OQSmutic) ---- */

static void test_period_batches(void **state)
{
	static const struct {
		const char *file, *prefix;
		enum onshi_msg_kind kind, reception, fetch, result;
	} ex[] = {
		{ "OQSmuonq01req_0001.xml", "OQSmuonq",
		  ONSHI_MSG_ONLINE_BULK_REQUEST, ONSHI_MSG_ONLINE_BULK_RECEPTION,
		  ONSHI_MSG_ONLINE_BULK_FETCH, ONSHI_MSG_ONLINE_BULK_RESULT },
		{ "OQSmuhvq01req_0001.xml", "OQSmuhvq",
		  ONSHI_MSG_HOMEVISIT_BULK_REQUEST, ONSHI_MSG_HOMEVISIT_BULK_RECEPTION,
		  ONSHI_MSG_HOMEVISIT_BULK_FETCH, ONSHI_MSG_HOMEVISIT_BULK_RESULT },
		{ "OQSmutic01req_0001.xml", "OQSmutic",
		  ONSHI_MSG_MEDAID_BULK_REQUEST, ONSHI_MSG_MEDAID_BULK_RECEPTION,
		  ONSHI_MSG_MEDAID_BULK_FETCH, ONSHI_MSG_MEDAID_BULK_RESULT },
	};
	char msg[MSGLEN], xsd[32], *buf;
	size_t len;

	(void)state;
	for (size_t i = 0; i < sizeof(ex) / sizeof(ex[0]); i++) {
		struct onshi_msg m, back, res, f, fres;
		struct onshi_bulk_unit *u;

		buf = example(ex[i].file, &len);
		assert_int_equal(onshi_msg_parse(ex[i].kind, buf, len, NULL, &m,
						 msg, sizeof(msg)),
				 ONSHI_OK);
		free(buf);
		assert_int_equal(m.source_charset, ONSHI_CHARSET_CP932);
		assert_true(m.u.period_bulk_request.has_search);
		/* batch headers: no date → today */
		assert_non_null(m.u.period_bulk_request.hdr.qualification_confirmation_date);
		snprintf(xsd, sizeof(xsd), "%s01req", ex[i].prefix);
		for (int cs = ONSHI_CHARSET_UTF8; cs <= ONSHI_CHARSET_CP932; cs++) {
			round_trip(&m, (enum onshi_charset)cs, xsd, &back);
			assert_int_equal(back.kind, ex[i].kind);
			onshi_msg_clear(&back);
		}
		/* phase 1 result: a reception of the same family */
		assert_int_equal(onshi_msg_result_for(&m, &res), ONSHI_OK);
		assert_int_equal(res.kind, ex[i].reception);
		assert_int_equal(onshi_msg_set(&res.u.bulk_reception.hdr.reception_number,
					       "R20261125000001"),
				 ONSHI_OK);
		res.u.bulk_reception.processing_result_status = ONSHI_STATUS_NORMAL;
		snprintf(xsd, sizeof(xsd), "%s01res", ex[i].prefix);
		round_trip(&res, ONSHI_CHARSET_CP932, xsd, &back);
		assert_string_equal(back.u.bulk_reception.hdr.reception_number,
				    "R20261125000001");
		onshi_msg_clear(&back);
		onshi_msg_clear(&res);
		onshi_msg_clear(&m);
		/* phase 2: the fetch, ReceptionNumber in the body, and its result */
		buf = example("OQSmuonq02req_0001.xml", &len);
		assert_int_equal(onshi_msg_parse(ex[i].fetch, buf, len, NULL,
						 &f, msg, sizeof(msg)),
				 ONSHI_OK);
		free(buf);
		assert_string_equal(f.u.bulk_fetch.hdr.reception_number,
				    "R20261125000001");
		snprintf(xsd, sizeof(xsd), "%s02req", ex[i].prefix);
		round_trip(&f, ONSHI_CHARSET_UTF8, xsd, &back);
		onshi_msg_clear(&back);
		assert_int_equal(onshi_msg_result_for(&f, &fres), ONSHI_OK);
		assert_int_equal(fres.kind, ex[i].result);
		u = onshi_bulk_result_add(&fres.u.bulk_result);
		assert_non_null(u);
		u->has_search = true;
		assert_int_equal(onshi_msg_set(&u->search.insurer_number, "06139999"),
				 ONSHI_OK);
		assert_int_equal(onshi_msg_set(&u->search.insured_identification_number,
					       "56"),
				 ONSHI_OK);
		assert_int_equal(onshi_msg_set(&u->search.birthdate, "19800101"),
				 ONSHI_OK);
		u->processing_result_status = ONSHI_STATUS_NORMAL;
		u->qualification_validity = ONSHI_VALIDITY_VALID;
		fres.u.bulk_result.hdr.number_of_processing_result = 1;
		fres.u.bulk_result.hdr.number_of_normal_processing = 1;
		snprintf(xsd, sizeof(xsd), "%s02res", ex[i].prefix);
		round_trip(&fres, ONSHI_CHARSET_CP932, xsd, &back);
		assert_int_equal(back.u.bulk_result.n_units, 1);
		onshi_msg_clear(&back);
		onshi_msg_clear(&fres);
		onshi_msg_clear(&f);
	}
}

static void test_period_bad_input(void **state)
{
	static const struct {
		enum onshi_msg_kind kind;
		const char *search, *want;
	} bad[] = {
		{ ONSHI_MSG_ONLINE_BULK_REQUEST,
		  "<MedicalTreatmentFlag>3</MedicalTreatmentFlag>", "names no period" },
		{ ONSHI_MSG_ONLINE_BULK_REQUEST,
		  "<ExaminationDateFrom>20261130</ExaminationDateFrom>"
		  "<ExaminationDateTo>20261101</ExaminationDateTo>",
		  "is after ExaminationDateTo" },
		{ ONSHI_MSG_HOMEVISIT_BULK_REQUEST,
		  "<ConsentDateFrom>20261101</ConsentDateFrom>", "go together" },
		{ ONSHI_MSG_HOMEVISIT_BULK_REQUEST,
		  "<ConsentDateFrom>20261101</ConsentDateFrom><ConsentDateTo>20261130</ConsentDateTo>"
		  "<MedicalTreatmentFlag>7</MedicalTreatmentFlag>",
		  "MedicalTreatmentFlag '7'" },
		{ ONSHI_MSG_ONLINE_BULK_REQUEST,
		  "<ExaminationDateFrom>2026-11-01</ExaminationDateFrom>"
		  "<ExaminationDateTo>20261130</ExaminationDateTo>",
		  "ExaminationDateFrom" },
		{ ONSHI_MSG_MEDAID_BULK_REQUEST, "",
		  "MedicalTreatmentMonth (YYYYMM) is missing" },
		{ ONSHI_MSG_MEDAID_BULK_REQUEST,
		  "<MedicalTreatmentMonth>202613</MedicalTreatmentMonth>",
		  "is not YYYYMM" },
	};
	char doc[1024], msg[MSGLEN];
	struct onshi_msg m;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(doc, sizeof(doc),
			 "<XmlMsg><MessageHeader><MedicalInstitutionCode>"
			 "1312345678</MedicalInstitutionCode></MessageHeader><MessageBody>"
			 "<QualificationConfirmSearchInfo>%s</QualificationConfirmSearchInfo>"
			 "</MessageBody></XmlMsg>",
			 bad[i].search);
		assert_int_equal(onshi_msg_parse(bad[i].kind, doc, strlen(doc),
						 NULL, &m, msg, sizeof(msg)),
				 ONSHI_EINVAL);
		if (strstr(msg, bad[i].want) == NULL)
			fail_msg("case %zu: '%s' does not say '%s'", i, msg,
				 bad[i].want);
		onshi_msg_clear(&m);
	}
	snprintf(doc, sizeof(doc),
		 "<XmlMsg><MessageHeader><MedicalInstitutionCode>"
		 "1312345678</MedicalInstitutionCode></MessageHeader><MessageBody/></XmlMsg>");
	assert_int_equal(onshi_msg_parse(ONSHI_MSG_MEDAID_BULK_REQUEST, doc,
					 strlen(doc), NULL, &m, msg, sizeof(msg)),
			 ONSHI_EINVAL);
	assert_non_null(strstr(msg, "QualificationConfirmSearchInfo is missing"));
	onshi_msg_clear(&m);
	assert_int_equal(onshi_msg_parse(ONSHI_MSG_HOMEVISIT_BULK_FETCH, doc,
					 strlen(doc), NULL, &m, msg, sizeof(msg)),
			 ONSHI_EINVAL);
	assert_non_null(strstr(msg, "ReceptionNumber is missing"));
	onshi_msg_clear(&m);
}

static void test_period_file_names(void **state)
{
	static const struct {
		const char *req, *res;
		enum onshi_msg_kind kind;
	} names[] = {
		{ "OQSmuonq01req_X.xml", "OQSmuonq01res_X.xml",
		  ONSHI_MSG_ONLINE_BULK_REQUEST },
		{ "OQSmuonq02req_X.xml", "OQSmuonq02res_X.xml",
		  ONSHI_MSG_ONLINE_BULK_FETCH },
		{ "OQSmuhvq01req_X.xml", "OQSmuhvq01res_X.xml",
		  ONSHI_MSG_HOMEVISIT_BULK_REQUEST },
		{ "OQSmuhvq02req_X.xml", "OQSmuhvq02res_X.xml",
		  ONSHI_MSG_HOMEVISIT_BULK_FETCH },
		{ "OQSmutic01req_X.xml", "OQSmutic01res_X.xml",
		  ONSHI_MSG_MEDAID_BULK_REQUEST },
		{ "OQSmutic02req_X.xml", "OQSmutic02res_X.xml",
		  ONSHI_MSG_MEDAID_BULK_FETCH },
	};
	enum onshi_msg_kind k;
	char id[ONSHI_FILE_ID_MAX + 1], name[ONSHI_FILE_NAME_MAX], msg[MSGLEN];

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		assert_int_equal(onshi_file_name_classify(names[i].req, &k, id,
							  sizeof(id), msg,
							  sizeof(msg)),
				 ONSHI_OK);
		assert_int_equal(k, names[i].kind);
		assert_int_equal(onshi_file_name_result(k, id, false, name,
							sizeof(name)),
				 ONSHI_OK);
		assert_string_equal(name, names[i].res);
		assert_int_equal(strncmp(onshi_msg_kind_name(k), names[i].req, 13), 0);
		assert_int_equal(strlen(onshi_msg_kind_name(k)), 13);
	}
	assert_string_equal(onshi_msg_kind_name(ONSHI_MSG_MEDAID_BULK_RESULT),
			    "OQSmutic02res");
}

/* ---- reference numbers (OQSsiimm01, OQSmuimm01/02) ---- */

static void test_refnum(void **state)
{
	static const char one[] =
		"<?xml version='1.0' encoding='Shift_JIS' ?>\r\n<XmlMsg><MessageHeader >"
		"<MedicalInstitutionCode>1312345678</MedicalInstitutionCode>"
		"<ArbitraryFileIdentifier>\x87\x40</ArbitraryFileIdentifier></MessageHeader>"
		"<MessageBody><ReferenceNumberRegistrationInfo>"
		"<InsurerNumber>  123456</InsurerNumber><InsuredCardSymbol />"
		"<InsuredIdentificationNumber>56</InsuredIdentificationNumber>"
		"<Birthdate>19800101</Birthdate><ReferenceNumber>K-000123</ReferenceNumber>"
		"</ReferenceNumberRegistrationInfo></MessageBody></XmlMsg>";
	struct onshi_msg m, res, back, bulk, f, fres;
	struct onshi_refnum_unit *u;
	struct onshi_qualification q;
	char msg[MSGLEN], *buf;
	size_t len;

	(void)state;
	assert_int_equal(onshi_msg_parse(ONSHI_MSG_REFNUM_REQUEST, one,
					 sizeof(one) - 1, NULL, &m, msg, sizeof(msg)),
			 ONSHI_OK);
	assert_string_equal(m.u.refnum_request.info.insurer_number, "  123456");
	assert_string_equal(m.u.refnum_request.info.reference_number, "K-000123");
	round_trip(&m, ONSHI_CHARSET_CP932, "OQSsiimm01req", &back);
	onshi_msg_clear(&back);
	assert_int_equal(onshi_msg_result_for(&m, &res), ONSHI_OK);
	assert_int_equal(res.kind, ONSHI_MSG_REFNUM_RESULT);
	res.u.refnum_result.unit.processing_result_status = ONSHI_STATUS_NORMAL;
	res.u.refnum_result.unit.has_info = true;
	assert_int_equal(onshi_msg_set(&res.u.refnum_result.unit.info.insurer_number,
				       "  123456"),
			 ONSHI_OK);
	assert_int_equal(onshi_msg_set(&res.u.refnum_result.unit.info.insured_identification_number,
				       "56"),
			 ONSHI_OK);
	assert_int_equal(onshi_msg_set(&res.u.refnum_result.unit.info.birthdate,
				       "19800101"),
			 ONSHI_OK);
	assert_int_equal(onshi_msg_set(&res.u.refnum_result.unit.info.reference_number,
				       "K-000123"),
			 ONSHI_OK);
	round_trip(&res, ONSHI_CHARSET_CP932, "OQSsiimm01res", &back);
	assert_string_equal(back.u.refnum_result.hdr.arbitrary_file_identifier, "①");
	assert_int_equal(back.u.refnum_result.unit.processing_result_status,
			 ONSHI_STATUS_NORMAL);
	onshi_msg_clear(&back);
	onshi_msg_clear(&res);
	onshi_msg_clear(&m);

	/* bulk: the documented example, 8-digit and space-padded numbers */
	buf = example("OQSmuimm01req_0001.xml", &len);
	assert_int_equal(onshi_msg_parse(ONSHI_MSG_REFNUM_BULK_REQUEST, buf,
					 len, NULL, &bulk, msg, sizeof(msg)),
			 ONSHI_OK);
	free(buf);
	assert_int_equal(bulk.u.refnum_bulk_request.n_info, 2);
	assert_string_equal(bulk.u.refnum_bulk_request.info[1].insurer_number,
			    "  130001");
	round_trip(&bulk, ONSHI_CHARSET_UTF8, "OQSmuimm01req", &back);
	onshi_msg_clear(&back);
	assert_int_equal(onshi_msg_result_for(&bulk, &res), ONSHI_OK);
	assert_int_equal(res.kind, ONSHI_MSG_REFNUM_BULK_RECEPTION);
	assert_int_equal(onshi_msg_set(&res.u.bulk_reception.hdr.reception_number, "R1"),
			 ONSHI_OK);
	round_trip(&res, ONSHI_CHARSET_UTF8, "OQSmuimm01res", &back);
	onshi_msg_clear(&back);
	onshi_msg_clear(&res);
	onshi_msg_clear(&bulk);
	buf = example("OQSmuonq02req_0001.xml", &len);
	assert_int_equal(onshi_msg_parse(ONSHI_MSG_REFNUM_BULK_FETCH, buf, len,
					 NULL, &f, msg, sizeof(msg)),
			 ONSHI_OK);
	free(buf);
	round_trip(&f, ONSHI_CHARSET_UTF8, "OQSmuimm02req", &back);
	onshi_msg_clear(&back);
	assert_int_equal(onshi_msg_result_for(&f, &fres), ONSHI_OK);
	assert_int_equal(fres.kind, ONSHI_MSG_REFNUM_BULK_RESULT);
	u = onshi_refnum_bulk_result_add(&fres.u.refnum_bulk_result);
	assert_non_null(u);
	u->processing_result_status = ONSHI_STATUS_ERROR;
	assert_int_equal(onshi_msg_set(&u->processing_result_code, "1001"), ONSHI_OK);
	fres.u.refnum_bulk_result.hdr.number_of_processing_result = 1;
	fres.u.refnum_bulk_result.hdr.number_of_error = 1;
	round_trip(&fres, ONSHI_CHARSET_CP932, "OQSmuimm02res", &back);
	assert_int_equal(back.u.refnum_bulk_result.n_units, 1);
	assert_string_equal(back.u.refnum_bulk_result.units[0].processing_result_code,
			    "1001");
	onshi_msg_clear(&back);
	onshi_msg_clear(&fres);
	onshi_msg_clear(&f);

	/* the record carries ReferenceNumber, copied and freed with it */
	memset(&q, 0, sizeof(q));
	assert_int_equal(onshi_msg_set(&q.reference_number, "K-000123"), ONSHI_OK);
	{
		struct onshi_qualification c;

		memset(&c, 0, sizeof(c));
		assert_int_equal(onshi_qualification_copy(&c, &q), ONSHI_OK);
		assert_string_equal(c.reference_number, "K-000123");
		onshi_qualification_clear(&c);
	}
	onshi_qualification_clear(&q);
	assert_string_equal(onshi_msg_kind_name(ONSHI_MSG_REFNUM_BULK_FETCH),
			    "OQSmuimm02req");
}

static void test_refnum_bad_input(void **state)
{
	static const struct {
		const char *info, *want;
	} bad[] = {
		{ "<InsurerNumber>06139999</InsurerNumber><InsuredIdentificationNumber>1</InsuredIdentificationNumber><Birthdate>19800101</Birthdate>",
		  "ReferenceNumber is missing" },
		{ "<InsurerNumber>06139999</InsurerNumber><InsuredIdentificationNumber>1</InsuredIdentificationNumber><Birthdate>19800101</Birthdate><ReferenceNumber>K 1</ReferenceNumber>",
		  "ReferenceNumber must be 1 to 20" },
		{ "<InsurerNumber>12a456</InsurerNumber><InsuredIdentificationNumber>1</InsuredIdentificationNumber><Birthdate>19800101</Birthdate><ReferenceNumber>K1</ReferenceNumber>",
		  "InsurerNumber" },
		{ "<InsurerNumber>06139999</InsurerNumber><Birthdate>19800101</Birthdate><ReferenceNumber>K1</ReferenceNumber>",
		  "InsuredIdentificationNumber is missing" },
	};
	char doc[1024], msg[MSGLEN];
	struct onshi_msg m;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		for (int k = 0; k < 2; k++) {
			snprintf(doc, sizeof(doc),
				 "<XmlMsg><MessageHeader><MedicalInstitutionCode>"
				 "1312345678</MedicalInstitutionCode></MessageHeader><MessageBody>"
				 "<ReferenceNumberRegistrationInfo>%s</ReferenceNumberRegistrationInfo>"
				 "</MessageBody></XmlMsg>",
				 bad[i].info);
			assert_int_equal(onshi_msg_parse(k ? ONSHI_MSG_REFNUM_BULK_REQUEST
							   : ONSHI_MSG_REFNUM_REQUEST,
							 doc, strlen(doc), NULL,
							 &m, msg, sizeof(msg)),
					 ONSHI_EINVAL);
			if (strstr(msg, bad[i].want) == NULL)
				fail_msg("case %zu: '%s' does not say '%s'", i,
					 msg, bad[i].want);
			onshi_msg_clear(&m);
		}
	}
	snprintf(doc, sizeof(doc),
		 "<XmlMsg><MessageHeader><MedicalInstitutionCode>"
		 "1312345678</MedicalInstitutionCode></MessageHeader><MessageBody/></XmlMsg>");
	assert_int_equal(onshi_msg_parse(ONSHI_MSG_REFNUM_BULK_REQUEST, doc,
					 strlen(doc), NULL, &m, msg, sizeof(msg)),
			 ONSHI_EINVAL);
	assert_non_null(strstr(msg, "no ReferenceNumberRegistrationInfo"));
	onshi_msg_clear(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference_request),
		cmocka_unit_test(test_insurer_forms),
		cmocka_unit_test(test_empty_and_unknown_elements),
		cmocka_unit_test(test_invalid_requests),
		cmocka_unit_test(test_card_auth),
		cmocka_unit_test(test_reference_result),
		cmocka_unit_test(test_result_echo_every_validity),
		cmocka_unit_test(test_writer_refuses_bad_fields),
		cmocka_unit_test(test_cp932_round_trip),
		cmocka_unit_test(test_cp932_substitution),
		cmocka_unit_test(test_bad_encodings),
		cmocka_unit_test(test_doctype_refused),
		cmocka_unit_test(test_size_and_depth_limits),
		cmocka_unit_test(test_bulk),
		cmocka_unit_test(test_bulk_large),
		cmocka_unit_test(test_error_document),
		cmocka_unit_test(test_client_single_requests),
		cmocka_unit_test(test_client_echo_texts),
		cmocka_unit_test(test_client_cp932_round_trip),
		cmocka_unit_test(test_client_batch_upload),
		cmocka_unit_test(test_client_batch_fetch),
		cmocka_unit_test(test_file_names),
		cmocka_unit_test(test_copy_and_kind_names),
		cmocka_unit_test(test_certificate_records),
		cmocka_unit_test(test_consent_spellings),
		cmocka_unit_test(test_info_examples),
		cmocka_unit_test(test_info_request_and_result),
		cmocka_unit_test(test_info_bad_input),
		cmocka_unit_test(test_info_file_names),
		cmocka_unit_test(test_period_batches),
		cmocka_unit_test(test_period_bad_input),
		cmocka_unit_test(test_period_file_names),
		cmocka_unit_test(test_refnum),
		cmocka_unit_test(test_refnum_bad_input),
	};
	int rc;

	onshi_xmlmsg_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	xmlCleanupParser();
	return rc;
}
