/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_xmlmsg_stream.c — batch documents read and written a unit at a
 * time (xmlmsg_stream.h): a result read from a file gives the same units
 * as the whole-document parser; broken and hostile results (cut off
 * mid-unit, a broken element, over the byte or unit bound, not UTF-8, a
 * DOCTYPE, the wrong root, the header after the body, empty) are refused
 * with a message naming the problem and the unit; an upload written
 * search by search parses back to what was given.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <onshi/message.h>

#include "strbuf.h"
#include "xmlmsg_stream.h"

static const char head[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
	"<XmlMsg><MessageHeader>"
	"<ProcessExecutionTime>20250401093000</ProcessExecutionTime>"
	"<CharacterCodeIdentifier>0</CharacterCodeIdentifier>"
	"<SegmentOfResult>1</SegmentOfResult>"
	"<MedicalInstitutionCode>1311111111</MedicalInstitutionCode>"
	"<ReceptionNumber>R20250401000042</ReceptionNumber>"
	"<NumberOfProcessingResult>2</NumberOfProcessingResult>"
	"<NumberOfNormalProcessing>1</NumberOfNormalProcessing>"
	"<NumberOfError>1</NumberOfError>"
	"</MessageHeader>\n<MessageBody>\n";
static const char unit_ok[] =
	"<BulkConfirmUnit><QualificationConfirmSearchInfo>"
	"<InsurerNumber>06139999</InsurerNumber><InsuredCardSymbol>12</InsuredCardSymbol>"
	"<InsuredIdentificationNumber>1</InsuredIdentificationNumber>"
	"<InsuredBranchNumber>00</InsuredBranchNumber><Birthdate>19800101</Birthdate>"
	"</QualificationConfirmSearchInfo><ProcessingResultStatus>1</ProcessingResultStatus>"
	"<QualificationValidity>1</QualificationValidity>"
	"<ResultOfQualificationConfirmation><InsurerNumber>06139999</InsurerNumber>"
	"<Name>髙橋　花子</Name><NameKana>ﾀｶﾊｼ ﾊﾅｺ</NameKana>"
	"</ResultOfQualificationConfirmation></BulkConfirmUnit>\n";
static const char unit_err[] =
	"<BulkConfirmUnit><QualificationConfirmSearchInfo>"
	"<InsurerNumber>123456</InsurerNumber><InsuredCardSymbol>12</InsuredCardSymbol>"
	"<InsuredIdentificationNumber>2</InsuredIdentificationNumber>"
	"<InsuredBranchNumber>00</InsuredBranchNumber><Birthdate>19900215</Birthdate>"
	"</QualificationConfirmSearchInfo><ProcessingResultStatus>2</ProcessingResultStatus>"
	"<ProcessingResultCode>1001</ProcessingResultCode>"
	"<ProcessingResultMessage>該当資格なし</ProcessingResultMessage>"
	"<QualificationValidity>4</QualificationValidity></BulkConfirmUnit>\n";
static const char tail[] = "</MessageBody></XmlMsg>\n";

/* A file holding the parts given, from its start. */
static int file_of(const char *first, ...)
{
	char path[] = "/tmp/test-xmlmsg-stream-XXXXXX";
	int fd = mkstemp(path);
	va_list ap;

	assert_true(fd >= 0);
	unlink(path);
	va_start(ap, first);
	for (const char *p = first; p; p = va_arg(ap, const char *))
		assert_int_equal(write(fd, p, strlen(p)), (ssize_t)strlen(p));
	va_end(ap);
	return fd;
}

/* Read every unit of fd; the first error's code and message. */
static int read_all(int fd, size_t max_bytes, size_t max_units, size_t *units,
		    char *msg, size_t msglen)
{
	struct onshi_bulk_stream *s;
	struct onshi_bulk_unit u;
	int got = 1, rc;

	*units = 0;
	rc = onshi_bulk_stream_open(fd, ONSHI_MSG_BULK_RESULT, max_bytes,
				    max_units, &s, msg, msglen);
	if (rc != ONSHI_OK)
		return rc;
	while (rc == ONSHI_OK && got) {
		rc = onshi_bulk_stream_next(s, &u, &got, msg, msglen);
		onshi_bulk_unit_clear(&u);
	}
	*units = onshi_bulk_stream_count(s);
	onshi_bulk_stream_close(s);
	return rc;
}

static void test_units_as_the_whole_parser_sees_them(void **state)
{
	int fd = file_of(head, unit_ok, unit_err, tail, NULL);
	struct onshi_bulk_stream *s;
	struct onshi_bulk_unit u;
	struct onshi_msg whole;
	struct onshi_strbuf doc = { 0 };
	char msg[300];
	int got;

	(void)state;
	onshi_strbuf_printf(&doc, "%s%s%s%s", head, unit_ok, unit_err, tail);
	assert_int_equal(onshi_msg_parse(ONSHI_MSG_BULK_RESULT, doc.data,
					 doc.len, NULL, &whole, msg, sizeof(msg)),
			 ONSHI_OK);
	assert_int_equal(onshi_bulk_stream_open(fd, ONSHI_MSG_BULK_RESULT, 0, 0,
						&s, msg, sizeof(msg)),
			 ONSHI_OK);
	assert_int_equal(onshi_bulk_stream_header(s)->segment_of_result,
			 ONSHI_SEGMENT_NORMAL);
	assert_string_equal(onshi_bulk_stream_header(s)->reception_number,
			    "R20250401000042");
	assert_int_equal(onshi_bulk_stream_header(s)->number_of_processing_result, 2);
	for (size_t i = 0; i < whole.u.bulk_result.n_units; i++) {
		const struct onshi_bulk_unit *w = &whole.u.bulk_result.units[i];

		assert_int_equal(onshi_bulk_stream_next(s, &u, &got, msg, sizeof(msg)),
				 ONSHI_OK);
		assert_int_equal(got, 1);
		assert_int_equal(u.qualification_validity, w->qualification_validity);
		assert_int_equal(u.processing_result_status,
				 w->processing_result_status);
		assert_string_equal(u.search.insurer_number, w->search.insurer_number);
		assert_int_equal(u.n_results, w->n_results);
		if (u.n_results)
			assert_string_equal(u.results[0].name, w->results[0].name);
		onshi_bulk_unit_clear(&u);
	}
	assert_int_equal(onshi_bulk_stream_next(s, &u, &got, msg, sizeof(msg)),
			 ONSHI_OK);
	assert_int_equal(got, 0);
	assert_int_equal(onshi_bulk_stream_count(s), 2);
	onshi_bulk_stream_close(s);
	onshi_msg_clear(&whole);
	onshi_strbuf_free(&doc);
	close(fd);
}

static void test_processing_and_many_units(void **state)
{
	static const char processing[] =
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<XmlMsg><MessageHeader><SegmentOfResult>2</SegmentOfResult>"
		"<ReceptionNumber>R1</ReceptionNumber></MessageHeader><MessageBody/></XmlMsg>";
	struct onshi_strbuf big = { 0 };
	char msg[300];
	size_t units;
	int fd;

	(void)state;
	fd = file_of(processing, NULL);
	assert_int_equal(read_all(fd, 0, 0, &units, msg, sizeof(msg)), ONSHI_OK);
	assert_int_equal(units, 0);
	close(fd);
	/* 5,000 units, and a bound on units one short of them. */
	onshi_strbuf_printf(&big, "%s", head);
	for (int i = 0; i < 5000; i++)
		onshi_strbuf_printf(&big, "%s", i % 2 ? unit_err : unit_ok);
	onshi_strbuf_printf(&big, "%s", tail);
	fd = file_of(big.data, NULL);
	assert_int_equal(read_all(fd, 0, 0, &units, msg, sizeof(msg)), ONSHI_OK);
	assert_int_equal(units, 5000);
	assert_int_equal(read_all(fd, 0, 4999, &units, msg, sizeof(msg)),
			 ONSHI_ETOOBIG);
	assert_non_null(strstr(msg, "more than 4999 units"));
	assert_int_equal(read_all(fd, big.len - 1, 0, &units, msg, sizeof(msg)),
			 ONSHI_ETOOBIG);
	assert_non_null(strstr(msg, "over the limit"));
	close(fd);
	onshi_strbuf_free(&big);
}

/* One hostile document: its code, and words its message must hold. */
static void refused(const char *doc, int want, const char *words)
{
	char msg[400] = "";
	size_t units;
	int fd = file_of(doc, NULL);
	int rc = read_all(fd, 0, 0, &units, msg, sizeof(msg));

	close(fd);
	if (rc != want || !strstr(msg, words)) {
		fprintf(stderr, "got %d '%s', want %d with '%s'\n", rc, msg,
			want, words);
		fail();
	}
}

static void test_hostile_results(void **state)
{
	struct onshi_strbuf d = { 0 };
	char cut[2048];

	(void)state;
	/* Cut off in the middle of the second unit. */
	snprintf(cut, sizeof(cut), "%s%s%.*s", head, unit_ok, 120, unit_err);
	refused(cut, ONSHI_EPROTO, "the document is cut off after");
	/* Cut off between units, and before the header ends. */
	snprintf(cut, sizeof(cut), "%s%s", head, unit_ok);
	refused(cut, ONSHI_EPROTO, "cut off");
	refused("<?xml version=\"1.0\"?>\n<XmlMsg><MessageHeader><Segment",
		ONSHI_EPROTO, "cut off after 53 bytes, after 0 whole unit(s)");
	/* Whole in length but broken inside: not a cut, named as such. */
	snprintf(cut, sizeof(cut), "%s%s%s%s", head, unit_ok,
		 "<BulkConfirmUnit><Name>x</Nme></BulkConfirmUnit>", tail);
	refused(cut, ONSHI_EPROTO, "not well-formed XML at line");
	/* A unit with a broken element. */
	onshi_strbuf_printf(&d, "%s%s%s%s", head, unit_ok,
			    "<BulkConfirmUnit><QualificationValidity>9</QualificationValidity></BulkConfirmUnit>",
			    tail);
	refused(d.data, ONSHI_EINVAL, "unit 2: ");
	onshi_strbuf_consume(&d, d.len);
	onshi_strbuf_printf(&d, "%s%s%s", head,
			    "<BulkConfirmUnit><QualificationConfirmSearchInfo><Birthdate>2025-01-01</Birthdate></QualificationConfirmSearchInfo></BulkConfirmUnit>",
			    tail);
	refused(d.data, ONSHI_EINVAL, "unit 1: ");
	/* Not UTF-8: Shift_JIS bytes in a name, whatever the prolog says. */
	onshi_strbuf_consume(&d, d.len);
	onshi_strbuf_printf(&d, "%s%s%s%s", head,
			    "<BulkConfirmUnit><ResultOfQualificationConfirmation><Name>\x92\x86\x91\xba</Name></ResultOfQualificationConfirmation></BulkConfirmUnit>",
			    unit_ok, tail);
	refused(d.data, ONSHI_EENCODING, "not UTF-8");
	/* A DOCTYPE and an entity bomb never reach the parser. */
	refused("<?xml version=\"1.0\"?>\n<!DOCTYPE XmlMsg [<!ENTITY a \"aaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]>\n"
		"<XmlMsg><MessageHeader/><MessageBody><BulkConfirmUnit>&b;</BulkConfirmUnit></MessageBody></XmlMsg>",
		ONSHI_EPERM, "DOCTYPE");
	/* The wrong root, the body before the header, nothing at all. */
	refused("<?xml version=\"1.0\"?><Other/>", ONSHI_EPROTO, "not <XmlMsg>");
	refused("<XmlMsg><MessageBody/><MessageHeader/></XmlMsg>", ONSHI_EPROTO,
		"MessageHeader must come first");
	refused("", ONSHI_EPROTO, "empty");
	/* Bytes after the root element. */
	onshi_strbuf_consume(&d, d.len);
	onshi_strbuf_printf(&d, "%s%s%s<XmlMsg/>", head, unit_ok, tail);
	refused(d.data, ONSHI_EPROTO, "");
	onshi_strbuf_free(&d);
}

/* An upload's searches, from an array (onshi_search_source). */
struct searches {
	const char *const (*rows)[5];
	size_t n, at;
};

static int next_search(void *arg, struct onshi_search_info *si, int *got,
		       char *msg, size_t msglen)
{
	struct searches *s = arg;
	const char *const *r;

	(void)msg;
	(void)msglen;
	*got = s->at < s->n;
	if (!*got)
		return ONSHI_OK;
	r = s->rows[s->at++];
	if (onshi_msg_set(&si->insurer_number, r[0]) ||
	    onshi_msg_set(&si->insured_card_symbol, r[1]) ||
	    onshi_msg_set(&si->insured_identification_number, r[2]) ||
	    onshi_msg_set(&si->insured_branch_number, r[3]) ||
	    onshi_msg_set(&si->birthdate, r[4]))
		return ONSHI_ENOMEM;
	return ONSHI_OK;
}

static void test_upload_written_search_by_search(void **state)
{
	static const char *const rows[][5] = {
		{ "06139999", "12", "1", "00", "19800101" },
		{ "123456", "", "2", "01", "19900215" },
		{ "39131446", "髙<&>", "3", "00", "20010327" },
	};
	static const char *const bad[][5] = {
		{ "06139999", "12", "1", "00", "19800101" },
		{ "06139999", "12", "1", "00", "1980-01-01" },
	};
	struct onshi_req_header h = { 0 };
	struct searches src = { rows, 3, 0 };
	struct onshi_strbuf out = { 0 };
	struct onshi_msg m;
	char msg[300];
	size_t count;

	(void)state;
	h.medical_institution_code = (char *)"1311111111";
	h.qualification_confirmation_date = (char *)"20250401";
	h.arbitrary_file_identifier = (char *)"onshictl-batch";
	assert_int_equal(onshi_bulk_upload_write(&h, next_search, &src, &out,
						 &count, msg, sizeof(msg)),
			 ONSHI_OK);
	assert_int_equal(count, 3);
	assert_int_equal(onshi_msg_parse(ONSHI_MSG_BULK_REQUEST, out.data,
					 out.len, NULL, &m, msg, sizeof(msg)),
			 ONSHI_OK);
	assert_int_equal(m.u.bulk_request.n_search, 3);
	assert_string_equal(m.u.bulk_request.hdr.medical_institution_code,
			    "1311111111");
	assert_string_equal(m.u.bulk_request.search[1].insurer_number, "  123456");
	assert_string_equal(m.u.bulk_request.search[2].insured_card_symbol, "髙<&>");
	onshi_msg_clear(&m);
	onshi_strbuf_free(&out);
	/* A bad search stops the writing, named by the writer's check. */
	src = (struct searches){ bad, 2, 0 };
	assert_int_equal(onshi_bulk_upload_write(&h, next_search, &src, &out,
						 &count, msg, sizeof(msg)),
			 ONSHI_EINVAL);
	assert_int_equal(count, 1);
	assert_non_null(strstr(msg, "Birthdate"));
	onshi_strbuf_free(&out);
	/* No search at all. */
	src = (struct searches){ rows, 0, 0 };
	assert_int_equal(onshi_bulk_upload_write(&h, next_search, &src, &out,
						 &count, msg, sizeof(msg)),
			 ONSHI_EINVAL);
	assert_string_equal(msg, "no searches in the file");
	onshi_strbuf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_units_as_the_whole_parser_sees_them),
		cmocka_unit_test(test_processing_and_many_units),
		cmocka_unit_test(test_hostile_results),
		cmocka_unit_test(test_upload_written_search_by_search),
	};

	onshi_xmlmsg_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
