/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_card.c — the card path on its own: a reader asks the national
 * service for a challenge, submits a My Number Card read (card_read.c),
 * the read is checked (card_check.c) and asked like any inquiry, and its
 * answer is fanned out to every receipt-computer adapter of the reader's
 * institution (inquiry_deliver.c). A reader that stops while a challenge
 * is owed to it gets nothing, and nothing leaks (valgrind, tests/run-test).
 *
 * Real: card_read.c, card_check.c, the inquiry pipeline (inquiry.c,
 * inquiry_deliver.c, inquiry_kinds.c), the spool (temporary folder),
 * counts, the status model, the configuration reader, the log and the
 * codec. Faked (link-time substitution): the national link
 * (fake_national.c), the modules and the adapters' delivery sink
 * (fake_modules.c), the audit writer and the requeue timer
 * (fake_pipeline.c), and the certificate library's JPKI functions (below:
 * they record the bytes they were given and return the test's verdict).
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
#include <openssl/evp.h>

#include <onshi/host.h>
#include <onshi/message.h>

#include "card_check.h"
#include "card_read.h"
#include "cert.h"
#include "conf.h"
#include "core.h"
#include "fake_modules.h"
#include "fake_national.h"
#include "fake_pipeline.h"
#include "inquiry.h"
#include "spool.h"
#include "testutil.h"

/* ---- the certificate library's JPKI checks, faked ---- */

struct onshi_cert_trust {
	const char *what;
};

static struct onshi_cert_trust jpki_trust = { "jpki" }, reader_trust = { "readers" };

/* What the checks were given and what they answer. */
static struct {
	char dir[4200], file[4200]; /* the paths loaded */
	int load_rc;                /* what loading trust_dir returns */
	unsigned frees;
	unsigned jpki_calls;
	const struct onshi_cert_trust *jpki_trust;
	unsigned char der[256];
	size_t der_len;
	int jpki_rc;
	char jpki_why[128];
	unsigned pin_calls;
	char pin_nonce[64];
	unsigned char pin_sig[128];
	size_t pin_sig_len;
	int pin_rc;
	unsigned face_calls;
	const struct onshi_cert_trust *face_trust;
	unsigned char reader_der[128];
	size_t reader_der_len;
	char face_nonce[64];
	int face_rc;
} cert;

int onshi_cert_trust_load_dir(const char *dir, struct onshi_cert_trust **out,
			      char *msg, size_t msglen)
{
	snprintf(cert.dir, sizeof(cert.dir), "%s", dir);
	if (cert.load_rc != ONSHI_OK) {
		snprintf(msg, msglen, "%s: no CA certificates in it", dir);
		return cert.load_rc;
	}
	*out = &jpki_trust;
	return ONSHI_OK;
}

int onshi_cert_trust_load_file(const char *path, struct onshi_cert_trust **out,
			       char *msg, size_t msglen)
{
	(void)msg;
	(void)msglen;
	snprintf(cert.file, sizeof(cert.file), "%s", path);
	*out = &reader_trust;
	return ONSHI_OK;
}

void onshi_cert_trust_free(struct onshi_cert_trust *trust)
{
	cert.frees += trust != NULL;
}

static void keep(unsigned char *dst, size_t cap, size_t *len,
		 const unsigned char *src, size_t n)
{
	assert_true(n <= cap);
	memcpy(dst, src, n);
	*len = n;
}

int onshi_cert_jpki_check(const struct onshi_cert_trust *trust,
			  const unsigned char *cert_der, size_t len, time_t now,
			  char *serial_hex_out, size_t serial_len, char *msg,
			  size_t msglen)
{
	(void)now;
	cert.jpki_calls++;
	cert.jpki_trust = trust;
	keep(cert.der, sizeof(cert.der), &cert.der_len, cert_der, len);
	snprintf(serial_hex_out, serial_len, "0A1B");
	if (cert.jpki_rc != ONSHI_OK)
		snprintf(msg, msglen, "%s", cert.jpki_why);
	return cert.jpki_rc;
}

int onshi_cert_verify_pin_signature(const unsigned char *cert_der, size_t len,
				    const char *nonce, const unsigned char *sig,
				    size_t siglen, char *msg, size_t msglen)
{
	cert.pin_calls++;
	/* The certificate the signature is checked with is the one checked. */
	assert_int_equal(len, cert.der_len);
	assert_memory_equal(cert_der, cert.der, len);
	snprintf(cert.pin_nonce, sizeof(cert.pin_nonce), "%s", nonce);
	keep(cert.pin_sig, sizeof(cert.pin_sig), &cert.pin_sig_len, sig, siglen);
	if (cert.pin_rc != ONSHI_OK)
		snprintf(msg, msglen, "the PIN signature does not verify");
	return cert.pin_rc;
}

int onshi_cert_check_face_attestation(const struct onshi_cert_trust *readers,
				      const unsigned char *reader_der,
				      size_t reader_len, const unsigned char *card_der,
				      size_t card_len, const char *nonce,
				      const unsigned char *sig, size_t siglen,
				      time_t now, char *msg, size_t msglen)
{
	(void)now;
	(void)sig;
	(void)siglen;
	cert.face_calls++;
	cert.face_trust = readers;
	assert_int_equal(card_len, cert.der_len);
	assert_memory_equal(card_der, cert.der, card_len);
	keep(cert.reader_der, sizeof(cert.reader_der), &cert.reader_der_len,
	     reader_der, reader_len);
	snprintf(cert.face_nonce, sizeof(cert.face_nonce), "%s", nonce);
	if (cert.face_rc != ONSHI_OK)
		snprintf(msg, msglen, "the reader's attestation does not verify");
	return cert.face_rc;
}

/* ---- a read and the answers ---- */

#define CODE "1311111111"

/* Bytes that only survive base64 both ways intact (NUL, 0xff, ...). */
static const unsigned char card_der[] = { 0x30, 0x82, 0x00, 0x0a, 0xff, 0xfe,
					  0x00, 0x01, 0x7f, 0x80, 0x3c, 0x26,
					  0x3e, 0x22, 0x0d, 0x0a, 0x41 };
static const unsigned char pin_sig[] = { 0x01, 0x00, 0xff, 0x10, 0x20,
					 0x30, 0x40, 0x50, 0x60 };
static const unsigned char reader_der[] = { 0x30, 0x03, 0x02, 0x01, 0x05 };

static struct onshi_card_read pin_read(const char *id)
{
	struct onshi_card_read r = {
		.read_id = id,
		.token_type = ONSHI_TOKEN_CARD,
		.method = ONSHI_AUTH_PIN,
		.cert_der = card_der,
		.cert_len = sizeof(card_der),
		.nonce = "nonce-1",
		.signature = pin_sig,
		.signature_len = sizeof(pin_sig),
		.consent = { 1, 0, 1, 3 },
	};

	return r;
}

static const char result_valid[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<XmlMsg><MessageHeader>"
	"<ProcessExecutionTime>20250401093000</ProcessExecutionTime>"
	"<CharacterCodeIdentifier>0</CharacterCodeIdentifier>"
	"<SegmentOfResult>1</SegmentOfResult>"
	"<QualificationConfirmationDate>20250401</QualificationConfirmationDate>"
	"<ReferenceClassification>1</ReferenceClassification>"
	"<MedicalInstitutionCode>" CODE "</MedicalInstitutionCode>"
	"</MessageHeader><MessageBody><ResultList>"
	"<ResultOfQualificationConfirmation>"
	"<InsuredCardClassification>01</InsuredCardClassification>"
	"<InsurerNumber>06139999</InsurerNumber>"
	"<Name>SHINRYO TARO</Name><Sex1>1</Sex1><Birthdate>20010327</Birthdate>"
	"</ResultOfQualificationConfirmation></ResultList>"
	"<ProcessingResultStatus>1</ProcessingResultStatus>"
	"<QualificationValidity>1</QualificationValidity>"
	"</MessageBody></XmlMsg>\n";

static const char challenge_xml[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<ChallengeResponse><Nonce>abc-123</Nonce></ChallengeResponse>\n";

/* ---- the fixture ---- */

struct fixture {
	char *dir;
	struct onshi_core *core;
	struct fake_module *desk, *ws9, *ws10, *east, *lone;
};

static const char conf_text[] = "[national]\n"
				"[jpki]\n"
				"trust_dir = jpki\n"
				"reader_ca = readers.pem\n";

static void open_pipeline(struct fixture *f)
{
	char msg[1024];

	assert_int_equal(onshi_inquiry_open(f->core, msg, sizeof(msg)), ONSHI_OK);
}

static void load_config(struct fixture *f, const char *text)
{
	struct onshi_diag diag = { 0 };
	char path[4200];

	test_write(f->dir, "onshid.ini", text);
	snprintf(path, sizeof(path), "%s/onshid.ini", f->dir);
	onshi_config_free(f->core->config);
	f->core->config = NULL;
	assert_int_equal(onshi_config_load(path, &f->core->config, &diag), ONSHI_OK);
	onshi_diag_clear(&diag);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char spool[4200];

	assert_non_null(f);
	f->dir = test_tmpdir();
	f->core = calloc(1, sizeof(*f->core));
	assert_non_null(f->core);
	onshi_log_init(&f->core->log, ONSHI_LOG_ERR, ONSHI_LOG_STDERR);
	load_config(f, conf_text);
	snprintf(spool, sizeof(spool), "%s/spool", f->dir);
	f->core->settings.spool_dir = strdup(spool);
	fake_national_reset();
	fake_pipeline_reset();
	memset(&cert, 0, sizeof(cert));
	f->desk = fake_module_add(f->core, "reader:desk", CODE, 1);
	f->ws9 = fake_module_add(f->core, "rececon:ws9", CODE, 1);
	f->ws10 = fake_module_add(f->core, "rececon:ws10", CODE, 1);
	f->east = fake_module_add(f->core, "rececon:east", "1322222222", 1);
	f->lone = fake_module_add(f->core, "reader:lone", "1333333333", 1);
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

static struct onshi_instance *inst_of(struct fake_module *fm)
{
	struct onshi_instance *inst = fake_module_of(fm)->inst;

	assert_non_null(inst);
	return inst;
}

static void set_running(struct fake_module *fm, int on)
{
	char msg[256];

	assert_int_equal(on ? onshi_module_enable(fake_module_of(fm), msg, sizeof(msg))
			    : onshi_module_disable(fake_module_of(fm), msg,
						   sizeof(msg)),
			 ONSHI_OK);
}

static void submit_ok(struct fake_module *reader, const struct onshi_card_read *r)
{
	char msg[512] = "";

	assert_int_equal(onshi_card_submit(inst_of(reader), r, msg, sizeof(msg)),
			 ONSHI_OK);
}

static unsigned spool_count(struct fixture *f)
{
	return (unsigned)onshi_inquiry_depth(f->core, NULL);
}

static const struct fake_delivery *delivered(unsigned i)
{
	assert_true(i < fake_modules.ndeliveries);
	return &fake_modules.deliveries[i];
}

static const char *oe(int err)
{
	static char code[16];

	snprintf(code, sizeof(code), "OE%04d", -err);
	return code;
}

/* Each adapter of the institution got the push once, in configuration
 * order, and no one else did. */
static void assert_pushed_to_both(const char *push_id, int is_error)
{
	assert_int_equal(fake_modules.ndeliveries, 2);
	assert_string_equal(delivered(0)->module, "rececon:ws9");
	assert_string_equal(delivered(1)->module, "rececon:ws10");
	for (unsigned i = 0; i < 2; i++) {
		const struct fake_delivery *d = delivered(i);

		assert_true(d->push);
		assert_string_equal(d->push_id, push_id);
		assert_string_equal(d->request_id, ""); /* unasked */
		assert_int_equal(d->request_len, 0);
		assert_int_equal(d->request_kind, ONSHI_MSG_INQUIRY_REQUEST);
		assert_int_equal(d->is_error, is_error);
	}
}

/* ---- challenges ---- */

/* What a reader's challenge callback was told. */
struct heard {
	unsigned calls;
	char nonce[64];
	char why[600];
	int had_nonce;
};

static void on_challenge(void *arg, const char *nonce, const char *why)
{
	struct heard *h = arg;

	h->calls++;
	h->had_nonce = nonce != NULL;
	snprintf(h->nonce, sizeof(h->nonce), "%s", nonce ? nonce : "");
	snprintf(h->why, sizeof(h->why), "%s", why ? why : "");
}

static void test_challenge_answered(void **state)
{
	struct fixture *f = *state;
	struct heard h = { 0 };

	assert_int_equal(onshi_card_challenge(inst_of(f->desk), on_challenge, &h),
			 ONSHI_OK);
	assert_int_equal(fake_national.ncalls, 1);
	assert_string_equal(fake_national.calls[0].path, "/challenge");
	assert_string_equal(fake_national.calls[0].institution, CODE);
	assert_int_equal(fake_national.calls[0].len, 0);
	assert_false(fake_national.calls[0].has_key);
	assert_int_equal(h.calls, 0); /* owed until the service answers */
	fake_national_answer(0, ONSHI_NATIONAL_ANSWER, 200, challenge_xml, NULL);
	assert_int_equal(h.calls, 1);
	assert_true(h.had_nonce);
	assert_string_equal(h.nonce, "abc-123");
	assert_string_equal(h.why, "");
}

static void test_challenge_without_usable_nonce(void **state)
{
	struct fixture *f = *state;
	static const char *const bodies[] = {
		"<ChallengeResponse><Nonce>a b</Nonce></ChallengeResponse>",
		"<ChallengeResponse><Nonce></Nonce></ChallengeResponse>",
		"<ChallengeResponse><Other>x</Other></ChallengeResponse>",
		"not XML at all",
	};

	for (unsigned i = 0; i < 4; i++) {
		struct heard h = { 0 };

		assert_int_equal(onshi_card_challenge(inst_of(f->desk),
						      on_challenge, &h),
				 ONSHI_OK);
		fake_national_answer(i, ONSHI_NATIONAL_ANSWER, 200, bodies[i], NULL);
		assert_int_equal(h.calls, 1);
		assert_false(h.had_nonce);
		assert_string_equal(h.why,
				    "the national service's ChallengeResponse has no usable Nonce");
	}
}

static void test_challenge_refused_or_unavailable(void **state)
{
	struct fixture *f = *state;
	struct heard h = { 0 }, u = { 0 };

	assert_int_equal(onshi_card_challenge(inst_of(f->desk), on_challenge, &h),
			 ONSHI_OK);
	assert_int_equal(onshi_card_challenge(inst_of(f->desk), on_challenge, &u),
			 ONSHI_OK);
	fake_national_answer(0, ONSHI_NATIONAL_REFUSED, 403, "Forbidden",
			     "HTTP 403 from the national service: Forbidden");
	fake_national_answer(1, ONSHI_NATIONAL_UNAVAILABLE, 0, NULL,
			     "no answer within 10 s");
	assert_int_equal(h.calls, 1);
	assert_false(h.had_nonce);
	assert_string_equal(h.why, "HTTP 403 from the national service: Forbidden");
	assert_int_equal(u.calls, 1);
	assert_false(u.had_nonce);
	assert_string_equal(u.why, "no answer within 10 s");
}

static void test_challenge_without_link(void **state)
{
	struct fixture *f = *state;
	struct heard h = { 0 };

	/* The link cannot start the call: refused now, never called back. */
	fake_national.refuse_posts = 1;
	assert_int_equal(onshi_card_challenge(inst_of(f->desk), on_challenge, &h),
			 ONSHI_ENOMEM);
	/* No [national] link at all. */
	onshi_inquiry_close(f->core);
	fake_national.configured = 0;
	fake_national.refuse_posts = 0;
	open_pipeline(f);
	assert_int_equal(onshi_card_challenge(inst_of(f->desk), on_challenge, &h),
			 ONSHI_EUNAVAIL);
	assert_int_equal(fake_national.ncalls, 0);
	assert_int_equal(h.calls, 0);
}

static void test_stopped_reader_gets_no_challenge(void **state)
{
	struct fixture *f = *state;
	struct heard gone = { 0 }, back = { 0 };

	assert_int_equal(onshi_card_challenge(inst_of(f->desk), on_challenge, &gone),
			 ONSHI_OK);
	/* The reader stops (its instance is freed) while the answer is owed;
	 * the answer then comes: no callback into the stopped reader. */
	set_running(f->desk, 0);
	fake_national_answer(0, ONSHI_NATIONAL_ANSWER, 200, challenge_xml, NULL);
	assert_int_equal(gone.calls, 0);

	/* Started again, a new instance is served as before. */
	set_running(f->desk, 1);
	assert_int_equal(onshi_card_challenge(inst_of(f->desk), on_challenge, &back),
			 ONSHI_OK);
	fake_national_answer(1, ONSHI_NATIONAL_ANSWER, 200, challenge_xml, NULL);
	assert_int_equal(back.calls, 1);
	assert_string_equal(back.nonce, "abc-123");
	assert_int_equal(gone.calls, 0);
}

static void test_challenges_owed_at_close_freed(void **state)
{
	struct fixture *f = *state;
	struct heard a = { 0 }, b = { 0 };

	/* One owed to a stopped reader, one to a running one; the daemon
	 * then shuts down before either answer: neither is called back and
	 * both are freed (valgrind checks). */
	assert_int_equal(onshi_card_challenge(inst_of(f->desk), on_challenge, &a),
			 ONSHI_OK);
	assert_int_equal(onshi_card_challenge(inst_of(f->lone), on_challenge, &b),
			 ONSHI_OK);
	set_running(f->desk, 0);
	onshi_inquiry_close(f->core);
	assert_int_equal(fake_national_owed(), 0);
	assert_int_equal(a.calls + b.calls, 0);
	open_pipeline(f); /* for teardown */
}

/* ---- card reads ---- */

static void test_pin_read_checked_asked_and_fanned_out(void **state)
{
	struct fixture *f = *state;
	struct onshi_card_read r = pin_read("R0001");
	char b64[64], path[4200];

	submit_ok(f->desk, &r);
	assert_int_equal(f->core->counts.card_pin, 1);
	/* Checked against [jpki] trust_dir with the reader's own bytes. */
	snprintf(path, sizeof(path), "%s/jpki", f->dir);
	assert_string_equal(cert.dir, path);
	assert_int_equal(cert.jpki_calls, 1);
	assert_ptr_equal(cert.jpki_trust, &jpki_trust);
	assert_int_equal(cert.der_len, sizeof(card_der));
	assert_memory_equal(cert.der, card_der, sizeof(card_der));
	assert_int_equal(cert.pin_calls, 1);
	assert_string_equal(cert.pin_nonce, "nonce-1");
	assert_int_equal(cert.pin_sig_len, sizeof(pin_sig));
	assert_memory_equal(cert.pin_sig, pin_sig, sizeof(pin_sig));
	assert_int_equal(cert.face_calls, 0);
	assert_int_equal(fake_audited("card", "id=R0001", "method=pin",
				      "token=card", "outcome=ok", NULL),
			 1);

	/* Asked as a My Number inquiry for the reader's institution. */
	assert_int_equal(fake_national.ncalls, 1);
	assert_string_equal(fake_national.calls[0].path, "/qualification");
	assert_string_equal(fake_national.calls[0].institution, CODE);
	EVP_EncodeBlock((unsigned char *)b64, card_der, sizeof(card_der));
	assert_non_null(strstr(fake_national.calls[0].body, b64));
	assert_non_null(strstr(fake_national.calls[0].body,
			       "<MedicalInstitutionCode>" CODE
			       "</MedicalInstitutionCode>"));
	assert_non_null(strstr(fake_national.calls[0].body,
			       "<ArbitraryFileIdentifier>R0001</ArbitraryFileIdentifier>"));
	assert_non_null(strstr(fake_national.calls[0].body, "<Nonce>nonce-1</Nonce>"));
	assert_int_equal(spool_count(f), 1);

	/* The answer is pushed, unasked, to both adapters of the
	 * institution (not to east's, not to the reader). */
	fake_national_answer(0, ONSHI_NATIONAL_ANSWER, 200, result_valid, NULL);
	assert_pushed_to_both("desk-R0001", 0);
	assert_int_equal(delivered(0)->result_kind, ONSHI_MSG_INQUIRY_RESULT);
	assert_int_equal(delivered(0)->validity, ONSHI_VALIDITY_VALID);
	assert_string_equal(delivered(0)->afi, "R0001");
	assert_int_equal(spool_count(f), 0);
	assert_int_equal(f->core->counts.valid, 1);
	assert_int_equal(fake_audited("deliver", "module=reader:desk", "id=R0001",
				      "result=ok", "pushed_to=adapters", NULL),
			 1);
	assert_int_equal(fake_audited("deliver", "module=rececon:ws9",
				      "id=desk-R0001", NULL),
			 1);
	fake_timer_fire();
	assert_int_equal(fake_national.ncalls, 1);
	assert_int_equal(fake_modules.ndeliveries, 2);
}

static void test_refused_card_fanned_out_as_error(void **state)
{
	struct fixture *f = *state;
	struct onshi_card_read r = pin_read("R0002");
	char reason[64];

	cert.jpki_rc = ONSHI_ECRYPTO;
	snprintf(cert.jpki_why, sizeof(cert.jpki_why),
		 "the card's certificate is revoked");
	submit_ok(f->desk, &r);
	/* Never asked upstream; the refusal goes where an answer would. */
	assert_int_equal(fake_national.ncalls, 0);
	assert_int_equal(cert.pin_calls, 0);
	assert_pushed_to_both("desk-R0002", 1);
	assert_int_equal(delivered(0)->result_kind, ONSHI_MSG_ERROR);
	assert_string_equal(delivered(0)->error_code, oe(ONSHI_ECRYPTO));
	assert_string_equal(delivered(1)->error_message,
			    "the card's certificate is revoked");
	assert_int_equal(spool_count(f), 0);
	assert_int_equal(f->core->counts.errors, 1);
	/* The audit names the error class, not the words (they may name the
	 * card's holder). */
	snprintf(reason, sizeof(reason), "reason=%s", onshi_strerror(ONSHI_ECRYPTO));
	assert_int_equal(fake_audited("card", "id=R0002", "outcome=refused",
				      reason, NULL),
			 1);
	assert_int_equal(fake_audited("revoked", NULL), 0);

	/* A bad PIN signature is refused the same way. */
	cert.jpki_rc = ONSHI_OK;
	cert.pin_rc = ONSHI_ECRYPTO;
	r = pin_read("R0003");
	submit_ok(f->desk, &r);
	assert_int_equal(fake_national.ncalls, 0);
	assert_int_equal(fake_modules.ndeliveries, 4);
	assert_true(delivered(2)->is_error);
	assert_string_equal(delivered(2)->error_message,
			    "the PIN signature does not verify");
}

static void test_face_and_visual_reads(void **state)
{
	struct fixture *f = *state;
	struct onshi_card_read r = pin_read("F1");
	char path[4200];

	r.method = ONSHI_AUTH_FACE;
	r.token_type = ONSHI_TOKEN_SMARTPHONE;
	r.reader_cert_der = reader_der;
	r.reader_cert_len = sizeof(reader_der);
	submit_ok(f->desk, &r);
	snprintf(path, sizeof(path), "%s/readers.pem", f->dir);
	assert_string_equal(cert.file, path);
	assert_int_equal(cert.face_calls, 1);
	assert_ptr_equal(cert.face_trust, &reader_trust);
	assert_int_equal(cert.reader_der_len, sizeof(reader_der));
	assert_memory_equal(cert.reader_der, reader_der, sizeof(reader_der));
	assert_string_equal(cert.face_nonce, "nonce-1");
	assert_int_equal(cert.pin_calls, 0);
	assert_int_equal(f->core->counts.card_face, 1);
	assert_int_equal(fake_national.ncalls, 1);
	assert_int_equal(fake_audited("card", "id=F1", "method=face",
				      "token=smartphone", "outcome=ok", NULL),
			 1);

	/* Visual: the operator vouches; no signature to check. */
	r = pin_read("V1");
	r.method = ONSHI_AUTH_VISUAL;
	r.signature = NULL;
	r.signature_len = 0;
	r.operator_id = "op-7";
	submit_ok(f->desk, &r);
	assert_int_equal(f->core->counts.card_visual, 1);
	assert_int_equal(cert.jpki_calls, 2);
	assert_int_equal(cert.pin_calls + cert.face_calls, 1);
	assert_int_equal(fake_national.ncalls, 2);
	assert_non_null(strstr(fake_national.calls[1].body, "op-7"));
}

static void reopen_cards(struct fixture *f, const char *conf)
{
	char msg[512];

	onshi_cards_close(f->core);
	load_config(f, conf);
	assert_int_equal(onshi_cards_open(f->core, msg, sizeof(msg)), ONSHI_OK);
}

/* The refusal pushed for read id when the trust is missing. */
static void assert_refused_for(const char *id, const char *why)
{
	char push_id[64];

	snprintf(push_id, sizeof(push_id), "desk-%s", id);
	assert_pushed_to_both(push_id, 1);
	assert_string_equal(delivered(0)->error_message, why);
	assert_string_equal(delivered(1)->error_message, why);
	assert_string_equal(delivered(0)->error_code, oe(ONSHI_ECRYPTO));
	assert_int_equal(fake_national.ncalls, 0);
	memset(&fake_modules.deliveries, 0, sizeof(fake_modules.deliveries));
	fake_modules.ndeliveries = 0;
}

static void test_reads_refused_without_trust(void **state)
{
	struct fixture *f = *state;
	struct onshi_card_read r = pin_read("T1");

	/* No reader_ca: face reads cannot be checked; PIN reads can. */
	reopen_cards(f, "[national]\n[jpki]\ntrust_dir = jpki\n");
	r.method = ONSHI_AUTH_FACE;
	r.reader_cert_der = reader_der;
	r.reader_cert_len = sizeof(reader_der);
	submit_ok(f->desk, &r);
	assert_refused_for("T1", "no [jpki] reader_ca configured: face attestations cannot be checked");
	assert_int_equal(cert.face_calls, 0);

	/* No [jpki] at all. */
	reopen_cards(f, "[national]\n");
	r = pin_read("T2");
	submit_ok(f->desk, &r);
	assert_refused_for("T2", "no [jpki] trust_dir configured: card reads cannot be checked");

	/* A trust_dir that does not load: the reason says which and why. */
	cert.load_rc = ONSHI_EIO;
	reopen_cards(f, conf_text);
	r = pin_read("T3");
	submit_ok(f->desk, &r);
	{
		char why[4400];

		snprintf(why, sizeof(why),
			 "[jpki]: %s/jpki: no CA certificates in it", f->dir);
		assert_refused_for("T3", why);
	}
	/* Only T1's certificate was looked at (before its missing
	 * reader_ca); without trust nothing is. */
	assert_int_equal(cert.jpki_calls, 1);
}

static void test_incomplete_and_hostile_reads_refused(void **state)
{
	struct fixture *f = *state;
	static const char incomplete[] =
		"incomplete card read: certificate, nonce and the method's proof are needed";
	static unsigned char big[20000];
	char long_id[80], msg[512];
	struct onshi_card_read r;
	struct {
		struct onshi_card_read r;
		const char *why;
	} cases[8];
	unsigned n = 0;

	memset(long_id, 'a', 65);
	long_id[65] = '\0';
	cases[n].r = pin_read(long_id);
	cases[n++].why = "read_id is 65 bytes, over 64";
	cases[n].r = pin_read("../escape");
	cases[n++].why = NULL; /* "read_id refused: ..." */
	cases[n].r = pin_read("R1");
	cases[n].r.signature = NULL;
	cases[n++].why = incomplete;
	cases[n].r = pin_read("R1");
	cases[n].r.nonce = NULL;
	cases[n++].why = incomplete;
	cases[n].r = pin_read("R1");
	cases[n].r.method = 9;
	cases[n++].why = incomplete;
	cases[n].r = pin_read("R1");
	cases[n].r.method = ONSHI_AUTH_FACE; /* no reader certificate */
	cases[n++].why = incomplete;
	cases[n].r = pin_read("R1");
	cases[n].r.method = ONSHI_AUTH_VISUAL; /* no operator */
	cases[n++].why = incomplete;
	cases[n].r = pin_read("R1");
	cases[n].r.cert_len = 0;
	cases[n++].why = incomplete;

	for (unsigned i = 0; i < n; i++) {
		msg[0] = '\0';
		assert_int_equal(onshi_card_submit(inst_of(f->desk), &cases[i].r,
						   msg, sizeof(msg)),
				 ONSHI_EINVAL);
		if (cases[i].why)
			assert_string_equal(msg, cases[i].why);
		else
			assert_true(strncmp(msg, "read_id refused: ", 17) == 0);
	}

	/* A certificate far over what a card holds: refused by the writer,
	 * with its reason, before anything is kept. */
	r = pin_read("R2");
	r.cert_der = big;
	r.cert_len = sizeof(big);
	msg[0] = '\0';
	assert_int_not_equal(onshi_card_submit(inst_of(f->desk), &r, msg, sizeof(msg)),
			     ONSHI_OK);
	assert_non_null(strstr(msg, "Certificate"));

	assert_int_equal(spool_count(f), 0);
	assert_int_equal(fake_national.ncalls, 0);
	assert_int_equal(cert.jpki_calls, 0);
	assert_int_equal(f->core->counts.card_pin + f->core->counts.card_face +
				 f->core->counts.card_visual,
			 0);
	assert_int_equal(fake_audited("accept", NULL), 0);

	/* The same read twice: kept and asked once. */
	r = pin_read("R3");
	submit_ok(f->desk, &r);
	assert_int_equal(onshi_card_submit(inst_of(f->desk), &r, msg, sizeof(msg)),
			 ONSHI_EEXIST);
	assert_string_equal(msg, "reader:desk R3 already accepted");
	assert_int_equal(fake_national.ncalls, 1);
	assert_int_equal(f->core->counts.card_pin, 1);
}

/* ---- fan-out ---- */

static void test_read_answer_reaches_adapters_after_reader_stops(void **state)
{
	struct fixture *f = *state;
	struct onshi_card_read r = pin_read("R0004");

	/* The answer of a read is the adapters', not the reader's: the
	 * reader stopping meanwhile changes nothing. */
	submit_ok(f->desk, &r);
	set_running(f->desk, 0);
	fake_national_answer(0, ONSHI_NATIONAL_ANSWER, 200, result_valid, NULL);
	assert_pushed_to_both("desk-R0004", 0);
	assert_int_equal(spool_count(f), 0);
}

static void test_stopped_adapter_gets_push_when_started(void **state)
{
	struct fixture *f = *state;
	struct onshi_card_read r = pin_read("R0005");

	set_running(f->ws10, 0);
	submit_ok(f->desk, &r);
	fake_national_answer(0, ONSHI_NATIONAL_ANSWER, 200, result_valid, NULL);
	/* ws9 now; ws10's copy waits in the spool, answered. */
	assert_int_equal(fake_modules.ndeliveries, 1);
	assert_string_equal(delivered(0)->module, "rececon:ws9");
	assert_int_equal(spool_count(f), 1);
	assert_string_equal(onshi_spool_first(f->core->spool)->module, "rececon:ws10");
	assert_true(onshi_spool_first(f->core->spool)->answered);
	fake_timer_fire();
	assert_int_equal(fake_modules.ndeliveries, 1);
	assert_int_equal(fake_national.ncalls, 1);

	set_running(f->ws10, 1);
	assert_int_equal(fake_modules.ndeliveries, 2);
	assert_string_equal(delivered(1)->module, "rececon:ws10");
	assert_true(delivered(1)->push);
	assert_string_equal(delivered(1)->push_id, "desk-R0005");
	assert_int_equal(delivered(1)->validity, ONSHI_VALIDITY_VALID);
	assert_int_equal(spool_count(f), 0);
}

static void test_no_adapter_for_the_institution(void **state)
{
	struct fixture *f = *state;
	struct onshi_card_read r = pin_read("R0006");

	submit_ok(f->lone, &r);
	assert_string_equal(fake_national.calls[0].institution, "1333333333");
	fake_national_answer(0, ONSHI_NATIONAL_ANSWER, 200, result_valid, NULL);
	/* No one to push to: shown in the log only, and done with. */
	assert_int_equal(fake_modules.ndeliveries, 0);
	assert_int_equal(spool_count(f), 0);
	assert_int_equal(fake_audited("deliver", "module=reader:lone",
				      "pushed_to=log-only", NULL),
			 1);
}

static void test_push_id_made_file_safe(void **state)
{
	struct fixture *f = *state;
	struct fake_module *odd = fake_module_add(f->core, "reader:..front desk",
						  CODE, 1);
	struct onshi_card_read r = pin_read("R7");

	/* A section name may hold what a file name must not. */
	submit_ok(odd, &r);
	fake_national_answer(0, ONSHI_NATIONAL_ANSWER, 200, result_valid, NULL);
	assert_pushed_to_both("-.front-desk-R7", 0);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_challenge_answered),
		T(test_challenge_without_usable_nonce),
		T(test_challenge_refused_or_unavailable),
		T(test_challenge_without_link),
		T(test_stopped_reader_gets_no_challenge),
		T(test_challenges_owed_at_close_freed),
		T(test_pin_read_checked_asked_and_fanned_out),
		T(test_refused_card_fanned_out_as_error),
		T(test_face_and_visual_reads),
		T(test_reads_refused_without_trust),
		T(test_incomplete_and_hostile_reads_refused),
		T(test_read_answer_reaches_adapters_after_reader_stops),
		T(test_stopped_adapter_gets_push_when_started),
		T(test_no_adapter_for_the_institution),
		T(test_push_id_made_file_safe),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
