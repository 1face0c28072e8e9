/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_inquiry.c — the inquiry pipeline (src/inquiry/inquiry.c,
 * inquiry_deliver.c, inquiry_kinds.c) on its own: a request accepted from
 * an adapter, checked, asked upstream, and the national service's answer
 * judged and delivered.
 *
 * Real: the three pipeline files, the spool (spool.c, in a temporary
 * folder), today's counts (status_counts.c), the audit record of national
 * outcomes (audit_national.c), the status model, the configuration
 * reader, the log (stderr, errors only) and the message codec.
 * Faked (link-time substitution): the national link (fake_national.c:
 * records each call, answers what the test scripts), the modules and the
 * adapters' deliver op (fake_modules.c: the delivery sink), the audit
 * writer, the requeue timer and the certificate startup log
 * (fake_pipeline.c), and the card check (below: a scripted verdict).
 * The requeue timer is fired by the test; nothing waits on time.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <onshi/host.h>
#include <onshi/message.h>

#include "card_check.h"
#include "conf.h"
#include "core.h"
#include "fake_modules.h"
#include "fake_national.h"
#include "fake_pipeline.h"
#include "group_commit.h"
#include "inquiry.h"
#include "spool.h"
#include "spool_log.h"
#include "status.h"
#include "testutil.h"

/* ---- the card check, faked: what it was asked, what it answers ---- */

static struct {
	unsigned calls;
	int rc;
	char why[256];
} card;

int onshi_cards_open(struct onshi_core *core, char *msg, size_t msglen)
{
	(void)core;
	msg[0] = '\0';
	(void)msglen;
	return ONSHI_OK;
}

void onshi_cards_close(struct onshi_core *core)
{
	(void)core;
}

int onshi_card_check(struct onshi_core *core, const struct onshi_msg *req,
		     char *why, size_t whylen)
{
	(void)core;
	(void)req;
	card.calls++;
	if (card.rc != ONSHI_OK)
		snprintf(why, whylen, "%s", card.why);
	return card.rc;
}

/* ---- documents ---- */

#define CODE "1311111111"
#define WS9 "rececon:ws9"

/* An insurance-card inquiry for institution code. */
static const char *inquiry_xml(const char *code, const char *afi)
{
	static char buf[2048];

	snprintf(buf, sizeof(buf),
		 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		 "<XmlMsg><MessageHeader>"
		 "<QualificationConfirmationDate>20250401</QualificationConfirmationDate>"
		 "<MedicalInstitutionCode>%s</MedicalInstitutionCode>"
		 "<ArbitraryFileIdentifier>%s</ArbitraryFileIdentifier>"
		 "<ReferenceClassification>2</ReferenceClassification>"
		 "</MessageHeader><MessageBody><QualificationConfirmSearchInfo>"
		 "<InsurerNumber>06139999</InsurerNumber>"
		 "<InsuredCardSymbol>1234</InsuredCardSymbol>"
		 "<InsuredIdentificationNumber>4260</InsuredIdentificationNumber>"
		 "<InsuredBranchNumber>01</InsuredBranchNumber>"
		 "<Birthdate>20010327</Birthdate>"
		 "</QualificationConfirmSearchInfo></MessageBody></XmlMsg>\n",
		 code, afi);
	return buf;
}

/* A My Number Card inquiry (its CardAuthentication is the card check's). */
static const char card_xml[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<XmlMsg><MessageHeader>"
	"<QualificationConfirmationDate>20250401</QualificationConfirmationDate>"
	"<MedicalInstitutionCode>" CODE "</MedicalInstitutionCode>"
	"<ArbitraryFileIdentifier>CARD-1</ArbitraryFileIdentifier>"
	"<ReferenceClassification>1</ReferenceClassification>"
	"</MessageHeader><MessageBody><CardAuthentication>"
	"<TokenType>card</TokenType><AuthMethod>pin</AuthMethod>"
	"<Certificate>MIIBszCCAVmgAwIBAgIUQ2VydA==</Certificate>"
	"<Nonce>n-3f9c2a</Nonce><Signature>U2lnbmF0dXJl</Signature>"
	"</CardAuthentication></MessageBody></XmlMsg>\n";

/* A batch upload of two persons. */
static const char bulk_xml[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<XmlMsg><MessageHeader>"
	"<QualificationConfirmationDate>20250401</QualificationConfirmationDate>"
	"<MedicalInstitutionCode>" CODE "</MedicalInstitutionCode>"
	"<ArbitraryFileIdentifier>BATCH-1</ArbitraryFileIdentifier>"
	"</MessageHeader><MessageBody>"
	"<QualificationConfirmSearchInfo><InsurerNumber>06139999</InsurerNumber>"
	"<InsuredCardSymbol>12</InsuredCardSymbol>"
	"<InsuredIdentificationNumber>1</InsuredIdentificationNumber>"
	"<InsuredBranchNumber>00</InsuredBranchNumber>"
	"<Birthdate>19800101</Birthdate></QualificationConfirmSearchInfo>"
	"<QualificationConfirmSearchInfo><InsurerNumber>39131234</InsurerNumber>"
	"<InsuredCardSymbol>12</InsuredCardSymbol>"
	"<InsuredIdentificationNumber>3</InsuredIdentificationNumber>"
	"<InsuredBranchNumber>00</InsuredBranchNumber>"
	"<Birthdate>19400704</Birthdate></QualificationConfirmSearchInfo>"
	"</MessageBody></XmlMsg>\n";

/* The national service's answer to an inquiry: valid (1). Its
 * ArbitraryFileIdentifier is not the request's: ours is echoed. */
static const char result_valid[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<XmlMsg><MessageHeader>"
	"<ProcessExecutionTime>20250401093000</ProcessExecutionTime>"
	"<CharacterCodeIdentifier>0</CharacterCodeIdentifier>"
	"<SegmentOfResult>1</SegmentOfResult>"
	"<QualificationConfirmationDate>20250401</QualificationConfirmationDate>"
	"<ReferenceClassification>2</ReferenceClassification>"
	"<ArbitraryFileIdentifier>FROM-THE-SERVICE</ArbitraryFileIdentifier>"
	"<MedicalInstitutionCode>" CODE "</MedicalInstitutionCode>"
	"</MessageHeader><MessageBody><ResultList>"
	"<ResultOfQualificationConfirmation>"
	"<InsuredCardClassification>01</InsuredCardClassification>"
	"<InsurerNumber>06139999</InsurerNumber>"
	"<InsuredCardSymbol>1234</InsuredCardSymbol>"
	"<InsuredIdentificationNumber>4260</InsuredIdentificationNumber>"
	"<InsuredBranchNumber>01</InsuredBranchNumber>"
	"<PersonalFamilyClassification>1</PersonalFamilyClassification>"
	"<Name>SHINRYO TARO</Name><Sex1>1</Sex1><Birthdate>20010327</Birthdate>"
	"</ResultOfQualificationConfirmation></ResultList>"
	"<ProcessingResultStatus>1</ProcessingResultStatus>"
	"<QualificationValidity>1</QualificationValidity>"
	"</MessageBody></XmlMsg>\n";

/* Whole, but not a valid inquiry result: malformed, not cut off. */
static const char result_malformed[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<XmlMsg><MessageHeader><SegmentOfResult>1</SegmentOfResult>"
	"</MessageHeader><MessageBody>"
	"<QualificationValidity>banana</QualificationValidity>"
	"</MessageBody></XmlMsg>\n";

/* Not well-formed XML, yet it ends with the root's end tag: malformed
 * too (a cut-off answer stops before it). */
static const char result_not_xml[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<XmlMsg><MessageHeader><SegmentOfResult>1</SegmentOfResult>"
	"</MessageHeader><MessageBody><Unclosed></MessageBody></XmlMsg>\n";

/* The batch upload's answer: its reception number. */
static const char reception_xml[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<XmlMsg><MessageHeader>"
	"<ProcessExecutionTime>20250401093000</ProcessExecutionTime>"
	"<CharacterCodeIdentifier>0</CharacterCodeIdentifier>"
	"<SegmentOfResult>1</SegmentOfResult>"
	"<ReceptionNumber>R20250401000042</ReceptionNumber>"
	"</MessageHeader><MessageBody>"
	"<ProcessingResultStatus>1</ProcessingResultStatus>"
	"</MessageBody></XmlMsg>\n";

/* A refusal as the national service explains it. */
static const char refusal_xml[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<XmlMsg><MessageHeader><SegmentOfResult>9</SegmentOfResult>"
	"<ErrorCode>EQ1001</ErrorCode>"
	"<ErrorMessage>QualificationConfirmationDate is not today</ErrorMessage>"
	"</MessageHeader><MessageBody/></XmlMsg>\n";

/* ---- the fixture: a core with the pipeline open ---- */

struct fixture {
	char *dir;
	char spool[4200];
	struct onshi_core *core;
	struct fake_module *ws9, *east;
};

static void open_pipeline(struct fixture *f)
{
	char msg[1024];

	assert_int_equal(onshi_inquiry_open(f->core, msg, sizeof(msg)), ONSHI_OK);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct onshi_diag diag = { 0 };
	char path[4200];

	assert_non_null(f);
	f->dir = test_tmpdir();
	test_write(f->dir, "onshid.ini", "[national]\nrequeue_s = 7\n");
	snprintf(path, sizeof(path), "%s/onshid.ini", f->dir);
	snprintf(f->spool, sizeof(f->spool), "%s/spool", f->dir);
	f->core = calloc(1, sizeof(*f->core));
	assert_non_null(f->core);
	onshi_log_init(&f->core->log, ONSHI_LOG_ERR, ONSHI_LOG_STDERR);
	assert_int_equal(onshi_config_load(path, &f->core->config, &diag), ONSHI_OK);
	onshi_diag_clear(&diag);
	f->core->settings.spool_dir = strdup(f->spool);
	fake_national_reset();
	fake_pipeline_reset();
	memset(&card, 0, sizeof(card));
	f->ws9 = fake_module_add(f->core, WS9, CODE, 1);
	f->east = fake_module_add(f->core, "rececon:east", "1322222222", 1);
	open_pipeline(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	fake_core_free(f->core);
	test_rmtree(f->dir);
	free(f);
	return 0;
}

/* ---- helpers ---- */

static int submit(struct fixture *f, const char *module, const char *id, int kind,
		  const char *xml, unsigned flags, char *msg, size_t msglen)
{
	msg[0] = '\0';
	return onshi_inquiry_accept(f->core, module, id, kind, xml, strlen(xml),
				    flags, msg, msglen);
}

static void submit_ok(struct fixture *f, const char *id, int kind, const char *xml)
{
	char msg[1024];

	assert_int_equal(submit(f, WS9, id, kind, xml, 0, msg, sizeof(msg)), ONSHI_OK);
}

/* The spool's entry for module's request id, or NULL. */
static struct onshi_spool_entry *spooled(struct fixture *f, const char *id)
{
	for (struct onshi_spool_entry *e = onshi_spool_first(f->core->spool); e;
	     e = e->next)
		if (strcmp(e->request_id, id) == 0)
			return e;
	return NULL;
}

/* Files NAME.suffix in the spool folder: what a restart would find. */
/* What the spool's log holds now, as the files it once was: live
 * request records (".req") and the answers kept for them (".ans"). */
struct log_count {
	int answers;
	unsigned n;
	uint64_t live[64];
	size_t nlive;
};

static int count_record(void *arg, const struct spool_log_record *r)
{
	struct log_count *c = arg;

	if (r->done)
		return 0;
	if (r->type == SPOOL_REC_REQUEST) {
		assert_true(c->nlive < 64);
		c->live[c->nlive++] = r->seq;
		c->n += !c->answers;
		return 0;
	}
	for (size_t i = 0; i < c->nlive; i++)
		if (c->live[i] == r->seq)
			c->n += c->answers;
	return 0;
}

static unsigned on_disk(struct fixture *f, const char *suffix)
{
	struct log_count c = { .answers = strcmp(suffix, ".ans") == 0 };
	struct spool_log_scan scan;
	char msg[256];
	int dirfd = open(f->spool, O_RDONLY | O_DIRECTORY);

	assert_true(dirfd >= 0);
	assert_int_equal(spool_log_read(dirfd, count_record, &c, &scan, msg,
					sizeof(msg)),
			 0);
	close(dirfd);
	assert_int_equal(scan.corrupt, 0);
	return c.n;
}

/* The error code our error documents carry for err (OE + its number). */
static const char *oe(int err)
{
	static char code[16];

	snprintf(code, sizeof(code), "OE%04d", -err);
	return code;
}

/* What the parser says of a document, as the pipeline will quote it. */
static void parse_why(int kind, const char *xml, char *why, size_t whylen)
{
	struct onshi_msg m;

	assert_int_not_equal(onshi_msg_parse(kind, xml, strlen(xml), NULL, &m,
					     why, whylen),
			     ONSHI_OK);
	onshi_msg_clear(&m);
}

/* A document cut off halfway (out has room for all of it). */
static void first_half(char *out, const char *doc)
{
	size_t n = strlen(doc) / 2;

	memcpy(out, doc, n);
	out[n] = '\0';
}

static const struct fake_delivery *delivered(unsigned i)
{
	assert_true(i < fake_modules.ndeliveries);
	return &fake_modules.deliveries[i];
}

/* ---- a good answer ---- */

static void test_open_sets_requeue_timer_and_listener(void **state)
{
	struct fixture *f = *state;
	size_t unanswered = 9;

	/* [national] requeue_s = 7, repeating; the module listener that
	 * offers a restarted adapter its answers. */
	assert_true(fake_pipeline.timer_set);
	assert_int_equal(fake_pipeline.timer_ms, 7000);
	assert_int_equal(fake_pipeline.timer_repeat, 1);
	assert_int_equal(fake_modules_listeners(), 1);
	assert_int_equal(onshi_inquiry_depth(f->core, &unanswered), 0);
	assert_int_equal(unanswered, 0);
	onshi_inquiry_close(f->core);
	assert_false(fake_pipeline.timer_set);
	assert_int_equal(fake_modules_listeners(), 0);
	assert_null(f->core->spool);
	open_pipeline(f); /* for teardown */
}

static void test_good_answer_delivered_once(void **state)
{
	struct fixture *f = *state;
	struct onshi_spool_entry *e;
	const struct fake_delivery *d;

	submit_ok(f, "R1", ONSHI_MSG_INQUIRY_REQUEST, inquiry_xml(CODE, "REQ-1"));
	/* Spooled durably before anyone is asked; asked once, in UTF-8, for
	 * the adapter's institution, without an Idempotency-Key. */
	assert_int_equal(on_disk(f, ".req"), 1);
	assert_int_equal(fake_national.ncalls, 1);
	assert_string_equal(fake_national.calls[0].path, "/qualification");
	assert_string_equal(fake_national.calls[0].institution, CODE);
	assert_false(fake_national.calls[0].has_key);
	assert_non_null(strstr(fake_national.calls[0].body,
			       "<InsurerNumber>06139999</InsurerNumber>"));
	assert_non_null(strstr(fake_national.calls[0].body, "UTF-8"));
	e = spooled(f, "R1");
	assert_non_null(e);
	assert_true(e->in_flight);
	/* The requeue timer leaves a call in flight alone. */
	fake_timer_fire();
	assert_int_equal(fake_national.ncalls, 1);

	fake_national_answer(0, ONSHI_NATIONAL_ANSWER, 200, result_valid, NULL);
	assert_int_equal(fake_modules.ndeliveries, 1);
	d = delivered(0);
	assert_string_equal(d->module, WS9);
	assert_string_equal(d->request_id, "R1");
	assert_int_equal(d->request_kind, ONSHI_MSG_INQUIRY_REQUEST);
	assert_false(d->is_error);
	assert_false(d->push);
	assert_int_equal(d->result_kind, ONSHI_MSG_INQUIRY_RESULT);
	assert_int_equal(d->validity, ONSHI_VALIDITY_VALID);
	/* The request's identifier is echoed, not the service's. */
	assert_string_equal(d->afi, "REQ-1");
	assert_int_equal(d->request_len, strlen(inquiry_xml(CODE, "REQ-1")));
	/* Delivered straight away: forgotten, never written as an answer. */
	assert_null(spooled(f, "R1"));
	assert_int_equal(on_disk(f, ".req") + on_disk(f, ".ans"), 0);
	assert_int_equal(f->core->counts.valid, 1);
	assert_int_equal(f->core->counts.requests[0], 1);
	assert_int_equal(fake_audited("accept", "id=R1", "doc=", NULL), 1);
	assert_int_equal(fake_audited("national", "id=R1", "outcome=answer",
				      "http=200", "validity=1", NULL),
			 1);
	assert_int_equal(fake_audited("deliver", "id=R1", "result=ok", NULL), 1);

	/* Once: nothing is asked or delivered again. */
	fake_timer_fire();
	assert_int_equal(fake_national.ncalls, 1);
	assert_int_equal(fake_modules.ndeliveries, 1);
}

/* ---- malformed, cut off, unavailable ---- */

static void test_malformed_answer_asked_again_then_refused(void **state)
{
	struct fixture *f = *state;
	const struct fake_delivery *d;
	char why[512], expect[700];

	submit_ok(f, "R2", ONSHI_MSG_INQUIRY_REQUEST, inquiry_xml(CODE, "REQ-2"));
	/* A malformed 200 is asked again at once, twice ... */
	fake_national_answer(0, ONSHI_NATIONAL_ANSWER, 200, result_malformed, NULL);
	assert_int_equal(fake_national.ncalls, 2);
	assert_string_equal(fake_national.calls[1].body, fake_national.calls[0].body);
	fake_national_answer(1, ONSHI_NATIONAL_ANSWER, 200, result_not_xml, NULL);
	assert_int_equal(fake_national.ncalls, 3);
	assert_int_equal(fake_modules.ndeliveries, 0);
	assert_non_null(spooled(f, "R2"));
	/* ... and the third time the adapter gets an error naming it. */
	fake_national_answer(2, ONSHI_NATIONAL_ANSWER, 200, result_malformed, NULL);
	assert_int_equal(fake_national.ncalls, 3);
	assert_int_equal(fake_modules.ndeliveries, 1);
	d = delivered(0);
	parse_why(ONSHI_MSG_INQUIRY_RESULT, result_malformed, why, sizeof(why));
	snprintf(expect, sizeof(expect),
		 "the national service answered with a malformed document: %s", why);
	assert_true(d->is_error);
	assert_int_equal(d->result_kind, ONSHI_MSG_ERROR);
	assert_string_equal(d->request_id, "R2");
	assert_string_equal(d->error_message, expect);
	assert_string_equal(d->error_code, oe(ONSHI_EPROTO));
	assert_string_equal(d->afi, "REQ-2");
	assert_null(spooled(f, "R2"));
	assert_int_equal(f->core->counts.errors, 1);
	assert_int_equal(fake_audited("national", "id=R2", "outcome=answer", NULL), 3);
}

static void test_malformed_then_good_answer(void **state)
{
	struct fixture *f = *state;

	submit_ok(f, "R3", ONSHI_MSG_INQUIRY_REQUEST, inquiry_xml(CODE, "REQ-3"));
	fake_national_answer(0, ONSHI_NATIONAL_ANSWER, 200, result_malformed, NULL);
	assert_int_equal(fake_national.ncalls, 2);
	fake_national_answer(1, ONSHI_NATIONAL_ANSWER, 200, result_valid, NULL);
	assert_int_equal(fake_modules.ndeliveries, 1);
	assert_false(delivered(0)->is_error);
	assert_int_equal(delivered(0)->validity, ONSHI_VALIDITY_VALID);
	assert_null(spooled(f, "R3"));
}

static void test_cut_off_answer_kept_and_asked_again(void **state)
{
	struct fixture *f = *state;
	char half[sizeof(result_valid)];
	struct onshi_spool_entry *e;

	/* A 200 that stops mid-document is a transport failure. */
	first_half(half, result_valid);
	submit_ok(f, "R4", ONSHI_MSG_INQUIRY_REQUEST, inquiry_xml(CODE, "REQ-4"));
	fake_national_answer(0, ONSHI_NATIONAL_ANSWER, 200, half, NULL);
	/* Not asked again at once (unlike a malformed one), not answered. */
	assert_int_equal(fake_national.ncalls, 1);
	assert_int_equal(fake_modules.ndeliveries, 0);
	e = spooled(f, "R4");
	assert_non_null(e);
	assert_false(e->answered);
	assert_false(e->in_flight);
	assert_int_equal(e->malformed_answers, 0);
	assert_int_equal(on_disk(f, ".req"), 1);
	assert_int_equal(on_disk(f, ".ans"), 0);
	/* The requeue timer asks again until a whole one comes. */
	fake_timer_fire();
	assert_int_equal(fake_national.ncalls, 2);
	fake_national_answer(1, ONSHI_NATIONAL_ANSWER, 200, half, NULL);
	fake_timer_fire();
	assert_int_equal(fake_national.ncalls, 3);
	fake_national_answer(2, ONSHI_NATIONAL_ANSWER, 200, result_valid, NULL);
	assert_int_equal(fake_modules.ndeliveries, 1);
	assert_false(delivered(0)->is_error);
	assert_null(spooled(f, "R4"));
}

static void test_unavailable_kept_in_spool_and_asked_again(void **state)
{
	struct fixture *f = *state;
	struct onshi_spool_entry *e;
	size_t unanswered = 0;

	submit_ok(f, "R5", ONSHI_MSG_INQUIRY_REQUEST, inquiry_xml(CODE, "REQ-5"));
	fake_national_answer(0, ONSHI_NATIONAL_UNAVAILABLE, 0, NULL,
			     "no answer within 30 s");
	assert_int_equal(fake_modules.ndeliveries, 0);
	e = spooled(f, "R5");
	assert_non_null(e);
	assert_false(e->answered);
	assert_false(e->in_flight);
	assert_int_equal(onshi_inquiry_depth(f->core, &unanswered), 1);
	assert_int_equal(unanswered, 1);
	assert_int_equal(on_disk(f, ".req"), 1);
	assert_int_equal(fake_audited("national", "id=R5", "outcome=unavailable", NULL),
			 1);
	/* Not before the requeue timer. */
	assert_int_equal(fake_national.ncalls, 1);
	fake_timer_fire();
	assert_int_equal(fake_national.ncalls, 2);
	assert_string_equal(fake_national.calls[1].body, fake_national.calls[0].body);
	assert_string_equal(fake_national.calls[1].path, "/qualification");

	/* A restart while it is in flight: the call is dropped, the request
	 * is read back from the spool and asked at once. */
	onshi_inquiry_close(f->core);
	assert_int_equal(fake_national.closed, 1);
	assert_int_equal(fake_national_owed(), 0);
	open_pipeline(f);
	assert_int_equal(fake_national.ncalls, 3);
	assert_string_equal(fake_national.calls[2].body, fake_national.calls[0].body);
	e = spooled(f, "R5");
	assert_non_null(e);
	assert_string_equal(e->module, WS9);
	fake_national_answer(2, ONSHI_NATIONAL_ANSWER, 200, result_valid, NULL);
	assert_int_equal(fake_modules.ndeliveries, 1);
	assert_string_equal(delivered(0)->request_id, "R5");
	/* After the restart the echo comes from the spooled request. */
	assert_string_equal(delivered(0)->afi, "REQ-5");
	assert_int_equal(on_disk(f, ".req"), 0);
}

/* ---- refusals ---- */

static void test_refusal_document_delivered_as_error(void **state)
{
	struct fixture *f = *state;
	const struct fake_delivery *d;

	submit_ok(f, "R6", ONSHI_MSG_INQUIRY_REQUEST, inquiry_xml(CODE, "REQ-6"));
	fake_national_answer(0, ONSHI_NATIONAL_REFUSED, 400, refusal_xml, "HTTP 400");
	assert_int_equal(fake_national.ncalls, 1); /* a refusal is final */
	assert_int_equal(fake_modules.ndeliveries, 1);
	d = delivered(0);
	assert_true(d->is_error);
	assert_string_equal(d->request_id, "R6");
	/* The service's own code and words, with our echo. */
	assert_string_equal(d->error_code, "EQ1001");
	assert_string_equal(d->error_message,
			    "QualificationConfirmationDate is not today");
	assert_string_equal(d->afi, "REQ-6");
	assert_null(spooled(f, "R6"));
	assert_int_equal(f->core->counts.errors, 1);
	assert_int_equal(fake_audited("national", "id=R6", "outcome=refused",
				      "http=400", "code=EQ1001", NULL),
			 1);
	assert_int_equal(fake_audited("deliver", "id=R6", "result=error", NULL), 1);
}

static void test_refusal_without_document(void **state)
{
	struct fixture *f = *state;
	const struct fake_delivery *d;

	submit_ok(f, "R7", ONSHI_MSG_INQUIRY_REQUEST, inquiry_xml(CODE, "REQ-7"));
	fake_national_answer(0, ONSHI_NATIONAL_REFUSED, 403, "Forbidden",
			     "HTTP 403 from the national service: Forbidden");
	assert_int_equal(fake_modules.ndeliveries, 1);
	d = delivered(0);
	assert_true(d->is_error);
	assert_string_equal(d->error_code, oe(ONSHI_EPROTO));
	assert_string_equal(d->error_message,
			    "HTTP 403 from the national service: Forbidden");
	assert_string_equal(d->afi, "REQ-7");
	assert_null(spooled(f, "R7"));
}

/* ---- requests answered without asking ---- */

static void test_wrong_institution_refused_without_asking(void **state)
{
	struct fixture *f = *state;
	const struct fake_delivery *d;

	submit_ok(f, "R8", ONSHI_MSG_INQUIRY_REQUEST,
		  inquiry_xml("1399999999", "REQ-8"));
	assert_int_equal(fake_national.ncalls, 0);
	assert_int_equal(fake_modules.ndeliveries, 1);
	d = delivered(0);
	assert_true(d->is_error);
	assert_string_equal(d->error_code, oe(ONSHI_EPERM));
	assert_string_equal(d->error_message,
			    "MedicalInstitutionCode 1399999999 does not match this adapter's institution (1311111111)");
	assert_string_equal(d->afi, "REQ-8");
	assert_null(spooled(f, "R8"));
	assert_int_equal(f->core->counts.errors, 1);
}

static void test_malformed_request_answered_at_once(void **state)
{
	struct fixture *f = *state;
	static const char no_search[] =
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<XmlMsg><MessageHeader>"
		"<QualificationConfirmationDate>20250401</QualificationConfirmationDate>"
		"<MedicalInstitutionCode>" CODE "</MedicalInstitutionCode>"
		"<ArbitraryFileIdentifier>REQ-9</ArbitraryFileIdentifier>"
		"<ReferenceClassification>2</ReferenceClassification>"
		"</MessageHeader><MessageBody/></XmlMsg>\n";
	const struct fake_delivery *d;
	char why[512];

	parse_why(ONSHI_MSG_INQUIRY_REQUEST, no_search, why, sizeof(why));
	submit_ok(f, "R9", ONSHI_MSG_INQUIRY_REQUEST, no_search);
	assert_int_equal(fake_national.ncalls, 0);
	assert_int_equal(fake_modules.ndeliveries, 1);
	d = delivered(0);
	assert_true(d->is_error);
	assert_string_equal(d->error_message, why);
	assert_null(spooled(f, "R9"));
	/* Accepted (spooled and audited) before it was answered. */
	assert_int_equal(fake_audited("accept", "id=R9", NULL), 1);
}

static void test_partial_request_handed_back(void **state)
{
	struct fixture *f = *state;
	const char *whole = inquiry_xml(CODE, "REQ-10");
	char half[2048], why[512], msg[512];

	/* A file its writer has not finished: not kept, looked at again. */
	first_half(half, whole);
	parse_why(ONSHI_MSG_INQUIRY_REQUEST, half, why, sizeof(why));
	assert_int_equal(submit(f, WS9, "R10", ONSHI_MSG_INQUIRY_REQUEST, half,
				ONSHI_SUBMIT_MAY_BE_PARTIAL, msg, sizeof(msg)),
			 ONSHI_EINCOMPLETE);
	assert_string_equal(msg, why);
	assert_null(spooled(f, "R10"));
	assert_int_equal(on_disk(f, ".req"), 0);
	assert_int_equal(fake_audited("accept", NULL), 0);
	assert_int_equal(fake_national.ncalls + fake_modules.ndeliveries, 0);
}

static void test_kinds_and_duplicates(void **state)
{
	struct fixture *f = *state;
	char msg[512];

	/* Spool flags are not the adapters' to set. */
	assert_int_equal(submit(f, WS9, "R11", 0x100 | ONSHI_MSG_INQUIRY_REQUEST,
				inquiry_xml(CODE, "X"), 0, msg, sizeof(msg)),
			 ONSHI_EINVAL);
	assert_string_equal(msg, "not a request kind: 257");
	assert_null(spooled(f, "R11"));

	/* A result is no request: answered with an error document. */
	submit_ok(f, "R12", ONSHI_MSG_INQUIRY_RESULT, result_valid);
	assert_int_equal(fake_national.ncalls, 0);
	assert_int_equal(fake_modules.ndeliveries, 1);
	assert_true(delivered(0)->is_error);
	assert_string_equal(delivered(0)->error_message, "not a request document");
	assert_string_equal(delivered(0)->error_code, oe(ONSHI_EINVAL));

	/* The same id twice while the first is open: asked once. */
	submit_ok(f, "R13", ONSHI_MSG_INQUIRY_REQUEST, inquiry_xml(CODE, "A"));
	assert_int_equal(submit(f, WS9, "R13", ONSHI_MSG_INQUIRY_REQUEST,
				inquiry_xml(CODE, "A"), 0, msg, sizeof(msg)),
			 ONSHI_EEXIST);
	assert_string_equal(msg, WS9 " R13 already accepted");
	assert_int_equal(fake_national.ncalls, 1);
	assert_int_equal(on_disk(f, ".req"), 1);
}

static void test_unconfigured_adapter_answer_kept(void **state)
{
	struct fixture *f = *state;
	struct onshi_spool_entry *e;
	char msg[512];

	/* Accepted for a module that is gone from the configuration: the
	 * answer says so and waits in the spool for a person to look. */
	assert_int_equal(submit(f, "rececon:gone", "R15", ONSHI_MSG_INQUIRY_REQUEST,
				inquiry_xml(CODE, "B"), 0, msg, sizeof(msg)),
			 ONSHI_OK);
	assert_int_equal(fake_national.ncalls, 0);
	e = spooled(f, "R15");
	assert_non_null(e);
	assert_true(e->answered);
	assert_true(e->answer_is_error);
	assert_non_null(strstr(e->answer,
			       "the adapter that sent this request is no longer configured"));
	assert_int_equal(on_disk(f, ".ans"), 1);
	assert_int_equal(fake_modules.ndeliveries, 0);
}

static void test_card_check_refusal_not_asked(void **state)
{
	struct fixture *f = *state;
	const struct fake_delivery *d;

	card.rc = ONSHI_ECRYPTO;
	snprintf(card.why, sizeof(card.why), "JPKI certificate revoked (serial 0A1B)");
	submit_ok(f, "C1", ONSHI_MSG_INQUIRY_REQUEST, card_xml);
	assert_int_equal(card.calls, 1);
	assert_int_equal(fake_national.ncalls, 0);
	assert_int_equal(fake_modules.ndeliveries, 1);
	d = delivered(0);
	assert_true(d->is_error);
	assert_string_equal(d->error_code, oe(ONSHI_ECRYPTO));
	assert_string_equal(d->error_message,
			    "JPKI certificate revoked (serial 0A1B)");
	assert_string_equal(d->afi, "CARD-1");

	/* Passed: asked upstream like any inquiry. Insurance-card
	 * inquiries are not the card check's. */
	card.rc = ONSHI_OK;
	submit_ok(f, "C2", ONSHI_MSG_INQUIRY_REQUEST, card_xml);
	submit_ok(f, "C3", ONSHI_MSG_INQUIRY_REQUEST, inquiry_xml(CODE, "A"));
	assert_int_equal(card.calls, 2);
	assert_int_equal(fake_national.ncalls, 2);
	assert_string_equal(fake_national.calls[0].path, "/qualification");
	assert_non_null(strstr(fake_national.calls[0].body,
			       "<Nonce>n-3f9c2a</Nonce>"));
}

/* ---- delivery ---- */

static void test_stopped_adapter_gets_answer_when_started(void **state)
{
	struct fixture *f = *state;
	struct onshi_spool_entry *e;
	char msg[256];

	submit_ok(f, "R16", ONSHI_MSG_INQUIRY_REQUEST, inquiry_xml(CODE, "A16"));
	assert_int_equal(onshi_module_disable(fake_module_of(f->ws9), msg,
					      sizeof(msg)),
			 ONSHI_OK);
	fake_national_answer(0, ONSHI_NATIONAL_ANSWER, 200, result_valid, NULL);
	/* Kept, durably, as an answer: not asked again, not delivered. */
	e = spooled(f, "R16");
	assert_non_null(e);
	assert_true(e->answered);
	assert_false(e->answer_is_error);
	assert_int_equal(on_disk(f, ".ans"), 1);
	fake_timer_fire();
	assert_int_equal(fake_national.ncalls, 1);
	assert_int_equal(fake_modules.ndeliveries, 0);
	/* Counted once, when settled. */
	assert_int_equal(f->core->counts.valid, 1);

	assert_int_equal(onshi_module_enable(fake_module_of(f->ws9), msg, sizeof(msg)),
			 ONSHI_OK);
	assert_int_equal(fake_modules.ndeliveries, 1);
	assert_string_equal(delivered(0)->request_id, "R16");
	assert_string_equal(delivered(0)->afi, "A16");
	assert_int_equal(delivered(0)->validity, ONSHI_VALIDITY_VALID);
	assert_null(spooled(f, "R16"));
	assert_int_equal(on_disk(f, ".req") + on_disk(f, ".ans"), 0);
	assert_int_equal(f->core->counts.valid, 1);
	/* Nothing is left to offer. */
	fake_timer_fire();
	assert_int_equal(fake_modules.ndeliveries, 1);
}

static void test_failed_delivery_kept_and_offered_again(void **state)
{
	struct fixture *f = *state;

	fake_module_deliver_rc(f->ws9, ONSHI_EIO); /* its folder is full */
	submit_ok(f, "R17", ONSHI_MSG_INQUIRY_REQUEST, inquiry_xml(CODE, "A17"));
	fake_national_answer(0, ONSHI_NATIONAL_ANSWER, 200, result_valid, NULL);
	assert_int_equal(fake_modules.ndeliveries, 0);
	assert_non_null(spooled(f, "R17"));
	assert_int_equal(on_disk(f, ".ans"), 1);
	fake_timer_fire(); /* still failing */
	assert_int_equal(fake_modules.ndeliveries, 0);
	assert_non_null(spooled(f, "R17"));

	fake_module_deliver_rc(f->ws9, ONSHI_OK);
	fake_timer_fire();
	assert_int_equal(fake_modules.ndeliveries, 1);
	assert_string_equal(delivered(0)->request_id, "R17");
	assert_null(spooled(f, "R17"));
	fake_timer_fire();
	/* Asked once, delivered once. */
	assert_int_equal(fake_national.ncalls, 1);
	assert_int_equal(fake_modules.ndeliveries, 1);
}

/* ---- uploads, an absent link, limits, status ---- */

static int is_hex64(const char *s)
{
	size_t n = strlen(s);

	return n == 64 && strspn(s, "0123456789abcdef") == 64;
}

static void test_upload_keeps_its_idempotency_key(void **state)
{
	struct fixture *f = *state;
	char key[80];

	submit_ok(f, "B1", ONSHI_MSG_BULK_REQUEST, bulk_xml);
	assert_int_equal(fake_national.ncalls, 1);
	assert_string_equal(fake_national.calls[0].path, "/bulk");
	assert_true(fake_national.calls[0].has_key);
	assert_true(is_hex64(fake_national.calls[0].key));
	snprintf(key, sizeof(key), "%s", fake_national.calls[0].key);
	assert_int_equal(f->core->counts.requests[1], 1); /* req_batch */

	/* Retried after an outage and after a restart: the same key, so the
	 * service never makes a second reception of it. */
	fake_national_answer(0, ONSHI_NATIONAL_UNAVAILABLE, 0, NULL, "down");
	fake_timer_fire();
	assert_int_equal(fake_national.ncalls, 2);
	assert_string_equal(fake_national.calls[1].key, key);
	onshi_inquiry_close(f->core);
	open_pipeline(f);
	assert_int_equal(fake_national.ncalls, 3);
	assert_string_equal(fake_national.calls[2].key, key);
	/* Another upload gets another key. */
	submit_ok(f, "B2", ONSHI_MSG_BULK_REQUEST, bulk_xml);
	assert_int_equal(fake_national.ncalls, 4);
	assert_string_not_equal(fake_national.calls[3].key, key);

	fake_national_answer(2, ONSHI_NATIONAL_ANSWER, 200, reception_xml, NULL);
	assert_int_equal(fake_modules.ndeliveries, 1);
	assert_string_equal(delivered(0)->request_id, "B1");
	assert_int_equal(delivered(0)->request_kind, ONSHI_MSG_BULK_REQUEST);
	assert_int_equal(delivered(0)->result_kind, ONSHI_MSG_BULK_RECEPTION);
	assert_false(delivered(0)->is_error);
	assert_null(spooled(f, "B1"));
}

static void test_no_national_link_waits_in_spool(void **state)
{
	struct fixture *f = *state;

	onshi_inquiry_close(f->core);
	fake_national.configured = 0;
	open_pipeline(f);
	assert_null(f->core->national);
	submit_ok(f, "R18", ONSHI_MSG_INQUIRY_REQUEST, inquiry_xml(CODE, "A18"));
	fake_timer_fire();
	assert_int_equal(fake_national.ncalls, 0);
	assert_int_equal(fake_modules.ndeliveries, 0);
	assert_non_null(spooled(f, "R18"));
	assert_false(spooled(f, "R18")->in_flight);

	/* Configured again (a restart): asked then. */
	onshi_inquiry_close(f->core);
	fake_national.configured = 1;
	open_pipeline(f);
	assert_int_equal(fake_national.ncalls, 1);
	fake_national_answer(0, ONSHI_NATIONAL_ANSWER, 200, result_valid, NULL);
	assert_int_equal(fake_modules.ndeliveries, 1);
	assert_string_equal(delivered(0)->afi, "A18");
}

static void test_link_refusing_calls_retried_by_timer(void **state)
{
	struct fixture *f = *state;

	/* The link could not start the call (out of memory): not in flight,
	 * so the requeue timer asks again. */
	fake_national.refuse_posts = 1;
	submit_ok(f, "R19", ONSHI_MSG_INQUIRY_REQUEST, inquiry_xml(CODE, "A19"));
	assert_int_equal(fake_national.ncalls, 0);
	assert_false(spooled(f, "R19")->in_flight);
	fake_national.refuse_posts = 0;
	fake_timer_fire();
	assert_int_equal(fake_national.ncalls, 1);
	assert_true(spooled(f, "R19")->in_flight);
}

static void test_batch_size_refusal(void **state)
{
	struct fixture *f = *state;
	char why[300];

	/* The default, then [spool] max_batch_persons. */
	assert_null(onshi_batch_size_refusal(f->core, ONSHI_BATCH_PERSONS_DEFAULT,
					     why, sizeof(why)));
	f->core->settings.batch_max_persons = 20000;
	assert_null(onshi_batch_size_refusal(f->core, 20000, why, sizeof(why)));
	assert_ptr_equal(onshi_batch_size_refusal(f->core, 20001, why, sizeof(why)),
			 why);
	assert_string_equal(why, "a batch of 20001 persons is over the limit of 20000 ([spool] max_batch_persons): split it into batches of at most 20000");
}

static void test_status_fields(void **state)
{
	struct fixture *f = *state;
	struct onshi_status_snapshot s = { 0 };
	struct onshi_strbuf text = { 0 };

	submit_ok(f, "R20", ONSHI_MSG_INQUIRY_REQUEST, inquiry_xml(CODE, "A"));
	submit_ok(f, "R21", ONSHI_MSG_INQUIRY_REQUEST, inquiry_xml(CODE, "B"));
	fake_module_deliver_rc(f->ws9, ONSHI_EIO);
	fake_national_answer(1, ONSHI_NATIONAL_ANSWER, 200, result_valid, NULL);
	onshi_status_line_begin(&s, "daemon", "onshid");
	onshi_inquiry_status_fields(&s, f->core);
	onshi_status_text(&s, &text);
	assert_string_equal(text.data, "daemon=onshid spool=2 unanswered=1\n");
	onshi_strbuf_free(&text);
	onshi_status_snapshot_free(&s);
}

/* ---- asked while the request is made durable (group commit) ---- */

/* What the adapter was told of its request, and how many answers it had
 * been handed by then. */
struct told {
	unsigned calls;
	int rc;
	unsigned deliveries_then;
};

static void told_cb(void *arg, int rc, const char *why)
{
	struct told *t = arg;

	(void)why;
	t->calls++;
	t->rc = rc;
	t->deliveries_then = fake_modules.ndeliveries;
}

static int submit_later(struct fixture *f, const char *id, int kind,
			const char *xml, struct told *t)
{
	char msg[1024] = "";

	return onshi_inquiry_accept_later(f->core, fake_module_of(f->ws9)->inst,
					  WS9, id, kind, xml, strlen(xml), 0,
					  told_cb, t, msg, sizeof(msg));
}

static struct onshi_group_commit *commit_of(struct fixture *f)
{
	return onshi_spool_commit(f->core->spool);
}

/* Let the held round run and its completions with it. */
static void finish_round(struct fixture *f)
{
	onshi_group_commit_hold(commit_of(f), 0);
	onshi_group_commit_flush(commit_of(f));
}

/* Queue a member that cannot be flushed (a pipe), so that the held round
 * fails for every member. */
/* The next round fails, as on a disk that reports an error. */
static void spoil_round(struct fixture *f)
{
	onshi_group_commit_fail_next(commit_of(f), EIO);
}

static void test_inquiry_asked_before_durable_delivered_after(void **state)
{
	struct fixture *f = *state;
	struct told t = { 0 };
	struct onshi_spool_entry *e;

	onshi_group_commit_hold(commit_of(f), 1);
	assert_int_equal(submit_later(f, "R1", ONSHI_MSG_INQUIRY_REQUEST,
				      inquiry_xml(CODE, "REQ-1"), &t),
			 ONSHI_OK);
	/* Asked at once, while its record still waits for the disk. */
	e = spooled(f, "R1");
	assert_non_null(e);
	assert_true(e->committing);
	assert_int_equal(fake_national.ncalls, 1);
	fake_national_answer(0, ONSHI_NATIONAL_ANSWER, 200, result_valid, NULL);
	/* Never delivered (nor judged) before the request is durable. */
	assert_int_equal(fake_modules.ndeliveries, 0);
	assert_int_equal(fake_audited("national", "id=R1", NULL), 0);
	assert_int_equal(t.calls, 0);

	finish_round(f);
	/* The adapter hears its request is kept, then gets the answer. */
	assert_int_equal(t.calls, 1);
	assert_int_equal(t.rc, ONSHI_OK);
	assert_int_equal(t.deliveries_then, 0);
	assert_int_equal(fake_modules.ndeliveries, 1);
	assert_string_equal(delivered(0)->request_id, "R1");
	assert_string_equal(delivered(0)->afi, "REQ-1");
	assert_int_equal(delivered(0)->validity, ONSHI_VALIDITY_VALID);
	assert_int_equal(fake_audited("accept", "id=R1", NULL), 1);
	assert_int_equal(fake_audited("national", "id=R1", "outcome=answer", NULL), 1);
	assert_int_equal(fake_audited("deliver", "id=R1", "result=ok", NULL), 1);
	assert_null(spooled(f, "R1"));

	/* Once: nothing is asked or delivered again. */
	fake_timer_fire();
	assert_int_equal(fake_national.ncalls, 1);
	assert_int_equal(fake_modules.ndeliveries, 1);
}

static void test_inquiry_answered_after_durable(void **state)
{
	struct fixture *f = *state;
	struct told t = { 0 };

	onshi_group_commit_hold(commit_of(f), 1);
	assert_int_equal(submit_later(f, "R1", ONSHI_MSG_INQUIRY_REQUEST,
				      inquiry_xml(CODE, "REQ-1"), &t),
			 ONSHI_OK);
	assert_int_equal(fake_national.ncalls, 1);
	finish_round(f);
	assert_int_equal(t.rc, ONSHI_OK);
	/* Durable and still asked: neither asked again nor delivered. */
	assert_true(spooled(f, "R1")->in_flight);
	fake_timer_fire();
	assert_int_equal(fake_national.ncalls, 1);
	assert_int_equal(fake_modules.ndeliveries, 0);

	fake_national_answer(0, ONSHI_NATIONAL_ANSWER, 200, result_valid, NULL);
	assert_int_equal(fake_modules.ndeliveries, 1);
	assert_null(spooled(f, "R1"));
}

/* The record never became durable: the answer is dropped, whether it came
 * before or after, and the adapter's next offer is a new request. */
static void test_failed_record_drops_early_answer(void **state)
{
	struct fixture *f = *state;
	struct told t1 = { 0 }, t2 = { 0 }, t3 = { 0 };

	onshi_group_commit_hold(commit_of(f), 1);
	assert_int_equal(submit_later(f, "R1", ONSHI_MSG_INQUIRY_REQUEST,
				      inquiry_xml(CODE, "REQ-1"), &t1),
			 ONSHI_OK);
	assert_int_equal(submit_later(f, "R2", ONSHI_MSG_INQUIRY_REQUEST,
				      inquiry_xml(CODE, "REQ-2"), &t2),
			 ONSHI_OK);
	assert_int_equal(fake_national.ncalls, 2);
	fake_national_answer(0, ONSHI_NATIONAL_ANSWER, 200, result_valid, NULL);
	spoil_round(f);
	finish_round(f);
	assert_int_equal(t1.calls, 1);
	assert_int_not_equal(t1.rc, ONSHI_OK);
	assert_int_not_equal(t2.rc, ONSHI_OK);
	assert_null(spooled(f, "R1"));
	assert_null(spooled(f, "R2"));
	assert_int_equal(on_disk(f, ".req"), 0);
	assert_int_equal(fake_modules.ndeliveries, 0);
	/* R2's answer comes after: dropped too, the call recorded. */
	fake_national_answer(1, ONSHI_NATIONAL_ANSWER, 200, result_valid, NULL);
	assert_int_equal(fake_modules.ndeliveries, 0);
	assert_int_equal(fake_audited("accept", NULL), 0);
	assert_int_equal(fake_audited("national", "id=R2", NULL), 1);

	/* Offered again: a new request, asked and delivered once. */
	assert_int_equal(submit_later(f, "R2", ONSHI_MSG_INQUIRY_REQUEST,
				      inquiry_xml(CODE, "REQ-2"), &t3),
			 ONSHI_OK);
	assert_int_equal(fake_national.ncalls, 3);
	onshi_group_commit_flush(commit_of(f));
	assert_int_equal(t3.rc, ONSHI_OK);
	fake_national_answer(2, ONSHI_NATIONAL_ANSWER, 200, result_valid, NULL);
	assert_int_equal(fake_modules.ndeliveries, 1);
	assert_string_equal(delivered(0)->request_id, "R2");
}

/* An upload creates state at the national service: sent only once its
 * request is durable. So are requests answered with an error, and card
 * inquiries (their check is recorded after the accept). */
static void test_upload_card_and_refusal_wait_for_durable(void **state)
{
	struct fixture *f = *state;
	struct told t1 = { 0 }, t2 = { 0 }, t3 = { 0 };

	onshi_group_commit_hold(commit_of(f), 1);
	assert_int_equal(submit_later(f, "B1", ONSHI_MSG_BULK_REQUEST, bulk_xml, &t1),
			 ONSHI_OK);
	assert_int_equal(submit_later(f, "C1", ONSHI_MSG_INQUIRY_REQUEST,
				      card_xml, &t2),
			 ONSHI_OK);
	assert_int_equal(submit_later(f, "W1", ONSHI_MSG_INQUIRY_REQUEST,
				      inquiry_xml("1322222222", "REQ-W"), &t3),
			 ONSHI_OK);
	assert_int_equal(fake_national.ncalls, 0);
	assert_int_equal(card.calls, 0);
	assert_int_equal(fake_modules.ndeliveries, 0);

	finish_round(f);
	assert_int_equal(fake_national.ncalls, 2);
	assert_string_equal(fake_national.calls[0].path, "/bulk");
	assert_true(fake_national.calls[0].has_key);
	assert_int_equal(card.calls, 1);
	/* The wrong institution's request is answered, now it is kept. */
	assert_int_equal(fake_modules.ndeliveries, 1);
	assert_string_equal(delivered(0)->request_id, "W1");
	assert_true(delivered(0)->is_error);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_open_sets_requeue_timer_and_listener),
		T(test_good_answer_delivered_once),
		T(test_malformed_answer_asked_again_then_refused),
		T(test_malformed_then_good_answer),
		T(test_cut_off_answer_kept_and_asked_again),
		T(test_unavailable_kept_in_spool_and_asked_again),
		T(test_refusal_document_delivered_as_error),
		T(test_refusal_without_document),
		T(test_wrong_institution_refused_without_asking),
		T(test_malformed_request_answered_at_once),
		T(test_partial_request_handed_back),
		T(test_kinds_and_duplicates),
		T(test_unconfigured_adapter_answer_kept),
		T(test_card_check_refusal_not_asked),
		T(test_stopped_adapter_gets_answer_when_started),
		T(test_failed_delivery_kept_and_offered_again),
		T(test_upload_keeps_its_idempotency_key),
		T(test_no_national_link_waits_in_spool),
		T(test_link_refusing_calls_retried_by_timer),
		T(test_batch_size_refusal),
		T(test_status_fields),
		T(test_inquiry_asked_before_durable_delivered_after),
		T(test_inquiry_answered_after_durable),
		T(test_failed_record_drops_early_answer),
		T(test_upload_card_and_refusal_wait_for_durable),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
