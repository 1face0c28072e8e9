/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_wisestaff8.c — the WiseStaff-8 CSV adapter: the parser and encoders
 * on their own with hostile inputs (quotes, embedded commas and CRLF, BOM,
 * trailing empty fields, overlong lines and files, invalid CP932, NUL), then
 * the plugin with the mock host: a Q file becomes an XmlMsg request carrying
 * the receipt number, an answer becomes a CP932 CRLF R line (髙 﨑 ① kept,
 * 〓 for what CP932 lacks, half-width kana), malformed requests an R line
 * with status 2, error answers and card pushes their lines.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../plugins/rececon/wisestaff8/ws8_csv.h"
#include "test_rececon_mock.h"
#include "testutil.h"

/* ---- the parser ---- */

static int parse_req(const char *text, struct ws8_request *r, const char **code,
		     char *msg, size_t msglen)
{
	return ws8_request_parse(text, strlen(text), r, code, msg, msglen);
}

static void test_csv_basic(void **state)
{
	struct ws8_request r;
	const char *code;
	char msg[256];

	(void)state;
	assert_int_equal(parse_req("Q1,06139999,1234,56,01,19800101,R-001\r\n",
				   &r, &code, msg, sizeof(msg)),
			 0);
	assert_string_equal(r.insurer, "06139999");
	assert_string_equal(r.symbol, "1234");
	assert_string_equal(r.number, "56");
	assert_string_equal(r.branch, "01");
	assert_string_equal(r.birth, "19800101");
	assert_string_equal(r.receipt, "R-001");
	ws8_request_free(&r);
	/* LF only, no final line break, one-digit branch, blanks trimmed. */
	assert_int_equal(parse_req("Q1, 123456 ,,7,1,19800101,9", &r, &code,
				   msg, sizeof(msg)),
			 0);
	assert_string_equal(r.insurer, "123456");
	assert_string_equal(r.symbol, "");
	assert_string_equal(r.branch, "01");
	ws8_request_free(&r);
}

static void test_csv_quotes(void **state)
{
	struct ws8_csv c;
	struct ws8_request r;
	const char *code;
	char msg[256];
	static const char text[] =
		"\"Q1\",\"06139999\",\"12,34\",\"5\"\"6\",01,19800101,\"A\r\nB\"\r\n";

	(void)state;
	assert_int_equal(ws8_csv_parse(text, sizeof(text) - 1, &c, msg, sizeof(msg)),
			 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.r[0].n, 7);
	assert_string_equal(c.r[0].f[2], "12,34");
	assert_string_equal(c.r[0].f[3], "5\"6");
	assert_string_equal(c.r[0].f[6], "A\r\nB");
	ws8_csv_free(&c);
	/* Parsed fine, but a line break has no place in a receipt number. */
	assert_int_equal(parse_req(text, &r, &code, msg, sizeof(msg)), -1);
	assert_string_equal(code, WS8_E_INVALID);
	assert_non_null(strstr(msg, "receipt number"));
	ws8_request_free(&r);
	/* An embedded comma in a quoted symbol is accepted. */
	assert_int_equal(parse_req("Q1,06139999,\"12,34\",56,01,19800101,X\r\n",
				   &r, &code, msg, sizeof(msg)),
			 0);
	assert_string_equal(r.symbol, "12,34");
	ws8_request_free(&r);
}

static void test_csv_hostile(void **state)
{
	static const struct {
		const char *text, *code, *msg;
	} cases[] = {
		{ "Q1,06139999,\"1234,56,01,19800101,X\r\n", WS8_E_MALFORMED,
		  "not closed" },
		{ "Q1,06139999,\"12\"34,56,01,19800101,X\r\n", WS8_E_MALFORMED,
		  "after the closing quote" },
		{ "Q1,06139999,12\"34,56,01,19800101,X\r\n", WS8_E_MALFORMED,
		  "quote inside" },
		{ "Q1,06139999,1234,56\r\n", WS8_E_MALFORMED, "4 fields" },
		{ "Q1,06139999,1234,56,01,19800101,X,extra\r\n",
		  WS8_E_MALFORMED, "field 8 is not empty" },
		{ "Q2,06139999,1234,56,01,19800101,X\r\n", WS8_E_MALFORMED,
		  "record type" },
		{ "Q1,06139999,1234,56,01,19800101,X\r\n"
		  "Q1,06139999,1234,57,01,19800101,Y\r\n",
		  WS8_E_MALFORMED, "one request" },
		{ "\r\n\r\n", WS8_E_MALFORMED, "no request line" },
		{ "Q1,6139999,1234,56,01,19800101,X\r\n", WS8_E_INVALID,
		  "insurer number" },
		{ "Q1,06139999,1234,56,01,19801301,X\r\n", WS8_E_INVALID, "birth date" },
		{ "Q1,06139999,1234,,01,19800101,X\r\n", WS8_E_INVALID,
		  "insured number is empty" },
		{ "Q1,06139999,1234,56,001,19800101,X\r\n", WS8_E_INVALID,
		  "branch number" },
		{ "Q1,06139999,1234,56,01,19800101,\r\n", WS8_E_INVALID,
		  "receipt number" },
		{ ",,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,\r\n", WS8_E_MALFORMED,
		  "more than 32 fields" },
	};
	struct ws8_request r;
	const char *code;
	char msg[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		msg[0] = '\0';
		if (parse_req(cases[i].text, &r, &code, msg, sizeof(msg)) != -1)
			fail_msg("case %zu accepted", i);
		if (strcmp(code, cases[i].code) != 0 ||
		    strstr(msg, cases[i].msg) == NULL)
			fail_msg("case %zu: %s / %s", i, code, msg);
		ws8_request_free(&r);
	}
	/* Trailing empty fields (a spreadsheet's habit) are accepted. */
	assert_int_equal(parse_req("Q1,06139999,1234,56,01,19800101,X,,,\r\n",
				   &r, &code, msg, sizeof(msg)),
			 0);
	ws8_request_free(&r);
	/* The receipt number survives into the error when usable. */
	assert_int_equal(parse_req("Q1,06139999,1234,56,01,1980,RN7\r\n", &r,
				   &code, msg, sizeof(msg)),
			 -1);
	assert_string_equal(r.receipt, "RN7");
	ws8_request_free(&r);
}

static void test_csv_overlong(void **state)
{
	char *text = malloc(WS8_MAX_LINE + 64), msg[256];
	struct ws8_request r;
	const char *code;

	(void)state;
	if (text == NULL) { /* an explicit return: GCC's sanitizer build
			     * does not see assert_non_null() stop here */
		fail_msg("out of memory");
		return;
	}
	strcpy(text, "Q1,06139999,");
	memset(text + 12, 'A', WS8_MAX_LINE);
	strcpy(text + 12 + WS8_MAX_LINE, ",56,01,19800101,X\r\n");
	assert_int_equal(parse_req(text, &r, &code, msg, sizeof(msg)), -1);
	assert_string_equal(code, WS8_E_TOOBIG);
	assert_non_null(strstr(msg, "longer than"));
	ws8_request_free(&r);
	/* The same inside quotes. */
	text[12] = '"';
	text[11 + WS8_MAX_LINE] = '"';
	assert_int_equal(parse_req(text, &r, &code, msg, sizeof(msg)), -1);
	assert_string_equal(code, WS8_E_TOOBIG);
	ws8_request_free(&r);
	free(text);
}

static void test_decode(void **state)
{
	char *out, msg[256];
	size_t len;
	/* 髙﨑① in CP932, then a half-width ｱ (0xb1). */
	static const char cp932[] = "\xfb\xfc\xfa\xb1\x87\x40\xb1";

	(void)state;
	assert_int_equal(ws8_decode(cp932, sizeof(cp932) - 1, &out, &len, msg,
				    sizeof(msg)),
			 0);
	assert_string_equal(out, "髙﨑①ｱ");
	free(out);
	/* A BOM: the rest is UTF-8. */
	assert_int_equal(ws8_decode("\xef\xbb\xbf髙", 6, &out, &len, msg, sizeof(msg)),
			 0);
	assert_string_equal(out, "髙");
	free(out);
	/* A lead byte with a bad trail byte; a lone lead byte at the end. */
	assert_int_equal(ws8_decode("Q1,\x81\x20", 5, &out, &len, msg, sizeof(msg)),
			 -1);
	assert_non_null(strstr(msg, "invalid CP932 at byte 3"));
	assert_int_equal(ws8_decode("Q1,\x82", 4, &out, &len, msg, sizeof(msg)), -1);
	assert_int_equal(ws8_decode("\xef\xbb\xbfQ\xff", 5, &out, &len, msg,
				    sizeof(msg)),
			 -1);
	assert_non_null(strstr(msg, "invalid UTF-8 at byte 4"));
	assert_int_equal(ws8_decode("Q1\0x", 4, &out, &len, msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "NUL byte"));
}

static void test_encode_cp932(void **state)
{
	char *out;
	size_t len, subst;

	(void)state;
	assert_int_equal(ws8_encode_cp932("髙﨑①ｱ", strlen("髙﨑①ｱ"), &out,
					  &len, &subst),
			 0);
	assert_int_equal(len, 7);
	assert_memory_equal(out, "\xfb\xfc\xfa\xb1\x87\x40\xb1", 7);
	assert_int_equal(subst, 0);
	free(out);
	/* An emoji and a hangul syllable are not in CP932: 〓 each. */
	assert_int_equal(ws8_encode_cp932("a😀b한", strlen("a😀b한"), &out, &len, &subst),
			 0);
	assert_int_equal(subst, 2);
	assert_memory_equal(out,
			    "a\x81\xac"
			    "b\x81\xac",
			    6);
	free(out);
	/* WAVE DASH becomes the CP932 tilde. */
	assert_int_equal(ws8_encode_cp932("〜", 3, &out, &len, &subst), 0);
	assert_memory_equal(out, "\x81\x60", 2);
	assert_int_equal(subst, 0);
	free(out);
}

static void test_halfwidth_kana(void **state)
{
	static const char *const cases[][2] = {
		{ "タカハシ　タロウ", "ﾀｶﾊｼ ﾀﾛｳ" },
		{ "ガッコウ・パン", "ｶﾞｯｺｳ･ﾊﾟﾝ" },
		{ "ヴァーチャル", "ｳﾞｧｰﾁｬﾙ" },
		{ "やまだ　はなこ", "ﾔﾏﾀﾞ ﾊﾅｺ" },
		{ "ｼﾝﾘｮｳ ﾀﾛｳ", "ｼﾝﾘｮｳ ﾀﾛｳ" },
		{ "ＡＢＣ１２３", "ABC123" },
		{ "髙", "髙" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *hw = ws8_halfwidth_kana(cases[i][0]);

		assert_non_null(hw);
		assert_string_equal(hw, cases[i][1]);
		free(hw);
	}
}

static void test_csv_append(void **state)
{
	const char *f[4] = { "R1", "a,b", "say \"hi\"", NULL };
	char *buf = NULL;
	size_t len = 0, cap = 0;

	(void)state;
	assert_int_equal(ws8_csv_append(&buf, &len, &cap, f, 4), 0);
	assert_string_equal(buf, "R1,\"a,b\",\"say \"\"hi\"\"\",\r\n");
	free(buf);
}

/* ---- the plugin ---- */

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

static int one_sub(void)
{
	return M.nsubs >= 1;
}

static const char *wait_name;

static int file_there(void)
{
	return mock_exists("RECV", wait_name);
}

static void wait_recv(const char *name)
{
	wait_name = name;
	if (!mock_run(5000, file_there))
		fail_msg("RECV/%s not written; log:\n%s", name, M.log);
}

/* RECV/name decoded from CP932, CRLF checked. */
static char *recv_line(const char *name)
{
	char *raw, *text, msg[256];
	size_t len, tlen;

	raw = mock_slurp("RECV", name, &len);
	assert_true(len >= 2);
	assert_memory_equal(raw + len - 2, "\r\n", 2);
	assert_null(memchr(raw, '\n', len - 1));
	assert_int_equal(ws8_decode(raw, len, &text, &tlen, msg, sizeof(msg)), 0);
	free(raw);
	return text;
}

static void test_descriptor(void **state)
{
	(void)state;
	assert_int_equal(onshi_plugin_v1.magic, ONSHI_PLUGIN_MAGIC);
	assert_string_equal(onshi_plugin_v1.name, "wisestaff8");
	assert_true(ONSHI_OPS_HAS(onshi_plugin_v1.ops_size, deliver));
}

static void test_exchange(void **state)
{
	struct onshi_msg req, res;
	struct onshi_delivery d;
	char why[256], *line, *raw;
	size_t len;
	/* The receipt number in CP932 (髙): it comes back unchanged. */
	static const char q[] = "Q1,06139999,1234,56,01,19800101,\xfb\xfc-0001\r\n";

	(void)state;
	assert_int_equal(mock_create_and_start(), ONSHI_OK);
	mock_put("SEND", "Q0001.CSV", q, sizeof(q) - 1);
	assert_true(mock_run(3000, one_sub));
	assert_string_equal(M.subs[0].id, "Q0001.CSV");
	assert_int_equal(M.subs[0].kind, ONSHI_MSG_INQUIRY_REQUEST);
	assert_false(mock_exists("SEND", "Q0001.CSV"));
	/* The request is an XmlMsg the core can parse. */
	assert_int_equal(onshi_msg_parse(ONSHI_MSG_INQUIRY_REQUEST,
					 M.subs[0].body, M.subs[0].len, NULL,
					 &req, why, sizeof(why)),
			 ONSHI_OK);
	assert_string_equal(req.u.inquiry_request.hdr.arbitrary_file_identifier,
			    "髙-0001");
	assert_string_equal(req.u.inquiry_request.hdr.medical_institution_code,
			    "1311111111");
	assert_string_equal(req.u.inquiry_request.search.insurer_number, "06139999");
	assert_string_equal(req.u.inquiry_request.search.birthdate, "19800101");
	onshi_msg_clear(&req);

	/* The answer: CP932-only name, a character CP932 lacks, full-width kana. */
	mock_answer(M.subs[0].body, M.subs[0].len, "髙﨑①😀　太郎",
		    "タカハシ　タロウ", &res);
	/* A limit certificate (OQSCD012 A03): the 19th field. */
	assert_int_equal(onshi_msg_set(&res.u.inquiry_result.results[0].limit.classification_flag,
				       "A03"),
			 ONSHI_OK);
	memset(&d, 0, sizeof(d));
	d.request_id = "Q0001.CSV";
	d.request_kind = ONSHI_MSG_INQUIRY_REQUEST;
	d.result = &res;
	assert_int_equal(mock_deliver(&d), ONSHI_OK);
	onshi_msg_clear(&res);
	raw = mock_slurp("RECV", "R0001.CSV", &len);
	/* 髙 﨑 ① as CP932 bytes, 〓 (81 AC) for the emoji. */
	assert_non_null(memmem(raw, len, "\xfb\xfc\xfa\xb1\x87\x40\x81\xac", 8));
	free(raw);
	line = recv_line("R0001.CSV");
	assert_string_equal(line,
			    "R1,髙-0001,1,123456,12-34,4260,01,髙﨑①〓　太郎,"
			    "ﾀｶﾊｼ ﾀﾛｳ,1,19800101,030,20240401,20270331,1,,,,A03\r\n");
	free(line);
	assert_non_null(strstr(M.log, "1 characters that CP932 cannot hold"));
}

static void test_malformed_answered(void **state)
{
	static const char bad[] = "Q1,06139999,\"1234,56,01,19800101,RX\r\n";
	static const char badcp[] = "Q1,06139999,1234,56,01,19800101,\x81\x20\r\n";
	char *line;

	(void)state;
	assert_int_equal(mock_create_and_start(), ONSHI_OK);
	mock_put("SEND", "Q2.CSV", bad, sizeof(bad) - 1);
	wait_recv("R2.CSV");
	line = recv_line("R2.CSV");
	assert_string_equal(line, "R1,,,,,,,,,,,,,,2,OE0009,line 1: a quoted "
				  "field is not closed,,\r\n");
	free(line);
	mock_put("SEND", "q3.csv", badcp, sizeof(badcp) - 1);
	wait_recv("R3.CSV");
	line = recv_line("R3.CSV");
	assert_non_null(strstr(line, ",2,OE0008,invalid CP932 at byte 32"));
	free(line);
	mock_put("SEND", "Q4.CSV", "Q1,06139999,1,2,01,1980,RN4\r\n", 29);
	wait_recv("R4.CSV");
	line = recv_line("R4.CSV");
	assert_string_equal(line, "R1,RN4,,,,,,,,,,,,,2,OE0001,birth date "
				  "'****' is not YYYYMMDD,,\r\n");
	free(line);
	assert_int_equal(M.nsubs, 0);
	assert_int_equal(mock_count("SEND"), 0);
}

static void test_oversized_and_names(void **state)
{
	char *big = malloc(5000), *line;

	(void)state;
	assert_non_null(big);
	memset(big, 'A', 5000);
	assert_int_equal(mock_create_and_start(), ONSHI_OK);
	mock_put("SEND", "Q5.CSV", big, 5000);
	wait_recv("R5.CSV");
	line = recv_line("R5.CSV");
	assert_non_null(strstr(line, ",2,OE0007,"));
	assert_non_null(strstr(line, "over the limit"));
	free(line);
	assert_true(mock_exists("failed", "Q5.CSV"));
	assert_true(mock_exists("failed", "Q5.CSV.reason"));
	free(big);
	/* An unsafe id: no R file can be named, so failed/ only. */
	mock_put("SEND", "Q a.CSV", "x", 1);
	/* Not requests: left alone. */
	mock_put("SEND", "R6.CSV", "x", 1);
	mock_put("SEND", "notes.txt", "x", 1);
	mock_run(300, NULL);
	assert_true(mock_exists("failed", "Q a.CSV"));
	assert_true(mock_exists("SEND", "R6.CSV"));
	assert_true(mock_exists("SEND", "notes.txt"));
	assert_int_equal(M.nsubs, 0);
	mock_stop();
}

static void test_error_answer_and_push(void **state)
{
	struct onshi_msg req, doc, back, res;
	struct onshi_delivery d;
	char why[256], *xml, *line;
	size_t xlen;
	static const char q[] = "Q1,06139999,1234,56,01,19800101,RN8\r\n";

	(void)state;
	assert_int_equal(mock_create_and_start(), ONSHI_OK);
	mock_put("SEND", "Q8.CSV", q, sizeof(q) - 1);
	assert_true(mock_run(3000, one_sub));
	/* The core's error document, e.g. the wrong institution. */
	assert_int_equal(onshi_msg_parse(ONSHI_MSG_INQUIRY_REQUEST,
					 M.subs[0].body, M.subs[0].len, NULL,
					 &req, why, sizeof(why)),
			 ONSHI_OK);
	assert_int_equal(onshi_msg_error_init(&doc, ONSHI_EINVAL,
					      "MedicalInstitutionCode, wrong", &req),
			 ONSHI_OK);
	assert_int_equal(onshi_msg_write(&doc, ONSHI_CHARSET_UTF8, &xml, &xlen,
					 NULL, why, sizeof(why)),
			 ONSHI_OK);
	assert_int_equal(onshi_msg_parse(ONSHI_MSG_ERROR, xml, xlen, NULL,
					 &back, why, sizeof(why)),
			 ONSHI_OK);
	memset(&d, 0, sizeof(d));
	d.request_id = "Q8.CSV";
	d.request_kind = ONSHI_MSG_INQUIRY_REQUEST;
	d.is_error = 1;
	d.result = &back;
	assert_int_equal(mock_deliver(&d), ONSHI_OK);
	line = recv_line("R8.CSV");
	assert_string_equal(line, "R1,RN8,,06139999,1234,56,01,,,,19800101,,,,2,"
				  "OE0001,\"MedicalInstitutionCode, wrong\",,\r\n");
	free(line);
	free(xml);
	onshi_msg_clear(&back);
	onshi_msg_clear(&doc);

	/* A card push: C<id>.CSV with the same fields. */
	mock_answer(M.subs[0].body, M.subs[0].len, "山田　花子", "ﾔﾏﾀﾞ ﾊﾅｺ", &res);
	onshi_msg_clear(&req);
	/* 70-74 with a 高齢受給者証 at 2 割 and a limit class B04 (一般). */
	assert_int_equal(onshi_msg_set(&res.u.inquiry_result.results[0].elderly.contribution_ratio,
				       "020"),
			 ONSHI_OK);
	assert_int_equal(onshi_msg_set(&res.u.inquiry_result.results[0].limit.classification_flag,
				       "B04"),
			 ONSHI_OK);
	memset(&d, 0, sizeof(d));
	d.push = 1;
	d.push_id = "card-0001";
	d.result = &res;
	assert_int_equal(mock_deliver(&d), ONSHI_OK);
	line = recv_line("Ccard-0001.CSV");
	assert_non_null(strstr(line, "R1,RN8,1,123456,12-34,4260,01,山田　花子,"
				     "ﾔﾏﾀﾞ ﾊﾅｺ,1,19800101,030,"));
	/* 19 fields: the bracket and the limit class trail the status. */
	assert_non_null(strstr(line, ",1,,,020,B04\r\n"));
	free(line);
	d.push_id = "../x";
	assert_int_equal(mock_deliver(&d), ONSHI_EINVAL);
	onshi_msg_clear(&res);
	/* A request id that is not Q<id>.CSV cannot be answered. */
	memset(&d, 0, sizeof(d));
	d.request_id = "../../etc/passwd";
	d.result = &back;
	assert_int_equal(mock_deliver(&d), ONSHI_EINVAL);
}

static void test_keep_on_submit_failure(void **state)
{
	static const char q[] = "Q1,06139999,1234,56,01,19800101,RN9\r\n";

	(void)state;
	assert_int_equal(mock_create_and_start(), ONSHI_OK);
	M.submit_rc = ONSHI_EIO;
	mock_put("SEND", "Q9.CSV", q, sizeof(q) - 1);
	mock_run(300, NULL);
	assert_true(mock_exists("SEND", "Q9.CSV"));
	assert_int_equal(mock_active_timers(), 1);
	mock_stop();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_basic),
		cmocka_unit_test(test_csv_quotes),
		cmocka_unit_test(test_csv_hostile),
		cmocka_unit_test(test_csv_overlong),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_encode_cp932),
		cmocka_unit_test(test_halfwidth_kana),
		cmocka_unit_test(test_csv_append),
		cmocka_unit_test(test_descriptor),
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_exchange),
		T(test_malformed_answered),
		T(test_oversized_and_names),
		T(test_error_answer_and_push),
		T(test_keep_on_submit_failure),
#undef T
	};

	onshi_xmlmsg_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
