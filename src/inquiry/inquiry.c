/* SPDX-License-Identifier: Apache-2.0 */
/*
 * inquiry.c — requests from adapters through the spool to their answers.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include <onshi/host.h>
#include <onshi/message.h>

#include "audit.h"
#include "audit_national.h"
#include "card_check.h"
#include "cert_status.h"
#include "core.h"
#include "inquiry.h"
#include "module.h"
#include "national.h"
#include "spool.h"
#include "status.h"
#include "xmlmsg_internal.h"

/* A 200 whose body does not parse is asked again this many times. */
#define MALFORMED_RETRIES 3
/* How often requests the national service could not answer are re-asked. */
#define DEFAULT_REQUEUE_S 30

static void process(struct onshi_core *core, struct onshi_spool_entry *e);

/* Spool kind flag: an unasked result for an adapter's face/ (a card read's
 * answer fanned out); the low byte is the message kind. */
#define KIND_PUSH 0x100
#define MSG_KIND(k) ((k)&0xff)

/*
 * The request kinds the core serves: the result kind each is answered
 * with, the call of our national API profile that answers it
 * (docs/national-api.md), and whether it is an upload (sent with an
 * Idempotency-Key, so a retry never becomes a second reception).
 */
struct request_kind {
	int kind, answer;
	const char *path;
	int upload;
};

static const struct request_kind request_kinds[] = {
	{ ONSHI_MSG_INQUIRY_REQUEST, ONSHI_MSG_INQUIRY_RESULT, "/qualification", 0 },
	{ ONSHI_MSG_BULK_REQUEST, ONSHI_MSG_BULK_RECEPTION, "/bulk", 1 },
	{ ONSHI_MSG_BULK_FETCH, ONSHI_MSG_BULK_RESULT, "/bulk/result", 0 },
	{ ONSHI_MSG_DRUG_REQUEST, ONSHI_MSG_DRUG_RESULT, "/info/drug", 0 },
	{ ONSHI_MSG_CHECKUP_REQUEST, ONSHI_MSG_CHECKUP_RESULT, "/info/checkup", 0 },
	{ ONSHI_MSG_ONLINE_BULK_REQUEST, ONSHI_MSG_ONLINE_BULK_RECEPTION,
	  "/bulk/online", 1 },
	{ ONSHI_MSG_ONLINE_BULK_FETCH, ONSHI_MSG_ONLINE_BULK_RESULT,
	  "/bulk/online/result", 0 },
	{ ONSHI_MSG_HOMEVISIT_BULK_REQUEST, ONSHI_MSG_HOMEVISIT_BULK_RECEPTION,
	  "/bulk/homevisit", 1 },
	{ ONSHI_MSG_HOMEVISIT_BULK_FETCH, ONSHI_MSG_HOMEVISIT_BULK_RESULT,
	  "/bulk/homevisit/result", 0 },
	{ ONSHI_MSG_MEDAID_BULK_REQUEST, ONSHI_MSG_MEDAID_BULK_RECEPTION,
	  "/bulk/medicalaid", 1 },
	{ ONSHI_MSG_MEDAID_BULK_FETCH, ONSHI_MSG_MEDAID_BULK_RESULT,
	  "/bulk/medicalaid/result", 0 },
	{ ONSHI_MSG_REFNUM_REQUEST, ONSHI_MSG_REFNUM_RESULT, "/reference-number", 0 },
	{ ONSHI_MSG_REFNUM_BULK_REQUEST, ONSHI_MSG_REFNUM_BULK_RECEPTION,
	  "/reference-number/bulk", 1 },
	{ ONSHI_MSG_REFNUM_BULK_FETCH, ONSHI_MSG_REFNUM_BULK_RESULT,
	  "/reference-number/bulk/result", 0 },
};

static const struct request_kind *request_kind_of(int kind)
{
	for (size_t i = 0; i < sizeof(request_kinds) / sizeof(request_kinds[0]); i++)
		if (request_kinds[i].kind == MSG_KIND(kind))
			return &request_kinds[i];
	return NULL;
}

static int is_request_kind(int kind)
{
	return request_kind_of(kind) != NULL;
}

/* The result kind of a request kind. */
static int answer_kind_ok(const struct onshi_spool_entry *e)
{
	const struct request_kind *rk = request_kind_of(e->kind);

	return rk ? rk->answer : ONSHI_MSG_ERROR;
}

/* Which document kind a spooled answer is parsed back as. */
static int answer_kind(const struct onshi_spool_entry *e)
{
	return e->answer_is_error ? ONSHI_MSG_ERROR : answer_kind_ok(e);
}

static void try_deliver(struct onshi_core *core, struct onshi_spool_entry *e);

/*
 * A card read's answer goes, unasked, to every receipt-computer adapter of
 * the reader's institution: one answered spool entry each (so a disabled
 * adapter gets it when enabled again), then the read itself is done.
 */
static void fan_out(struct onshi_core *core, struct onshi_spool_entry *e)
{
	const char *code = onshi_module_institution_code(core, e->module);
	struct onshi_spool_entry *created[64];
	unsigned n = 0;
	char id[160], msg[512];

	/* "desk-R0001": reader section name and read id, in file-safe form. */
	snprintf(id, sizeof(id), "%s-%s", strchr(e->module, ':') + 1, e->request_id);
	/* The read id passed the file-id check; the section name may not:
	 * no byte outside the set, no leading dot, no "..". */
	for (char *p = id; *p; p++)
		if (!onshi_file_id_char_ok((unsigned char)*p) ||
		    (*p == '.' && (p == id || p[-1] == '.')))
			*p = '-';
	id[100] = '\0'; /* ONSHI_FILE_ID_MAX */
	for (struct onshi_module *m = core->modules; m && n < 64; m = m->next) {
		struct onshi_spool_entry *p;
		const char *mcode;
		int rc;

		if (strcmp(m->section_type, "rececon") != 0)
			continue;
		mcode = onshi_module_institution_code(core, m->name);
		if (!code || !mcode || strcmp(code, mcode) != 0)
			continue;
		rc = onshi_spool_accept(core->spool, m->name, id,
					KIND_PUSH | MSG_KIND(e->kind), "", 0,
					&p, msg, sizeof(msg));
		if (rc == ONSHI_OK)
			rc = onshi_spool_answer(core->spool, p,
						e->answer_is_error, e->answer,
						e->answer_len, msg, sizeof(msg));
		if (rc != ONSHI_OK && rc != ONSHI_EEXIST) {
			/* Keep the read: fanned out again on the next pass. */
			onshi_logf(&core->log, ONSHI_LOG_ERR,
				   "%s: card result %s not queued for %s: %s",
				   e->module, e->request_id, m->name, msg);
			return;
		}
		if (rc == ONSHI_OK)
			created[n++] = p;
	}
	if (!n)
		onshi_logf(&core->log, ONSHI_LOG_WARNING,
			   "%s: no receipt-computer adapter serves institution %s: card result %s shown in the log only",
			   e->module, code ? code : "?", e->request_id);
	onshi_logf(&core->log, ONSHI_LOG_INFO,
		   "%s: card read %s answered%s; pushed to %u adapter(s)", e->module,
		   e->request_id, e->answer_is_error ? " with an error" : "", n);
	onshi_audit(core, "deliver", "module", e->module, "id", e->request_id,
		    "result", e->answer_is_error ? "error" : "ok", "pushed_to",
		    n ? "adapters" : "log-only", (char *)NULL);
	onshi_spool_delivered(core->spool, e);
	for (unsigned i = 0; i < n; i++)
		try_deliver(core, created[i]);
}

/*
 * Hand doc, e's answer, to e's adapter now. ONSHI_OK: delivered, and the
 * spool has forgotten e (e is freed). ONSHI_EUNAVAIL: the adapter cannot
 * take it now (not running, or no deliver op): it waits. Anything else:
 * the adapter failed (logged); it waits too.
 */
/* e's adapter if it can take an answer now (running, with a deliver op). */
static struct onshi_module *deliverable(struct onshi_core *core,
					const struct onshi_spool_entry *e)
{
	struct onshi_module *mod = onshi_module_find(core, e->module);
	const struct onshi_plugin *desc;

	if (!mod || !mod->inst)
		return NULL; /* delivered when the module runs again */
	desc = mod->inst->plugin->desc;
	if (!ONSHI_OPS_HAS(desc->ops_size, deliver) || !desc->ops->deliver)
		return NULL;
	return mod;
}

static int deliver_doc(struct onshi_core *core, struct onshi_spool_entry *e,
		       const struct onshi_msg *doc, int is_error)
{
	struct onshi_module *mod = deliverable(core, e);
	const struct onshi_plugin *desc;
	struct onshi_delivery d;
	int rc;

	if (!mod)
		return ONSHI_EUNAVAIL;
	desc = mod->inst->plugin->desc;
	memset(&d, 0, sizeof(d));
	d.request_kind = MSG_KIND(e->kind);
	d.is_error = is_error;
	d.result = doc;
	if (e->kind & KIND_PUSH) {
		d.push = 1;
		d.push_id = e->request_id; /* made file-safe by fan_out() */
	} else {
		d.request_id = e->request_id;
		d.request_body = e->body;
		d.request_len = e->body_len;
	}
	rc = desc->ops->deliver(mod->inst->state, &d);
	if (rc != ONSHI_OK) {
		onshi_logf(&core->log, ONSHI_LOG_WARNING,
			   "%s: delivery of %s failed (%s); kept in the spool",
			   e->module, e->request_id, onshi_strerror(rc));
		return rc;
	}
	onshi_audit(core, "deliver", "module", e->module, "id", e->request_id,
		    "result", is_error ? "error" : "ok", (char *)NULL);
	onshi_spool_delivered(core->spool, e);
	return ONSHI_OK;
}

/* Offer e's spooled answer to its module; forget it once the adapter has
 * it. Card reads are fanned out to the institution's adapters instead. */
static void try_deliver(struct onshi_core *core, struct onshi_spool_entry *e)
{
	struct onshi_msg answer;
	char why[512];
	int rc;

	if (!e->answered)
		return;
	if (strncmp(e->module, "reader:", 7) == 0) {
		fan_out(core, e);
		return;
	}
	/* Checked before parsing: the requeue timer offers every parked
	 * answer again, and thousands may wait for a disabled adapter. */
	if (!deliverable(core, e))
		return;
	rc = onshi_msg_parse(answer_kind(e), e->answer, e->answer_len, NULL,
			     &answer, why, sizeof(why));
	if (rc != ONSHI_OK) {
		/* Our own document: if it does not parse, keep it for a
		 * person to look at rather than lose the request. */
		onshi_logf(&core->log, ONSHI_LOG_ERR,
			   "%s: spooled answer for %s unreadable: %s",
			   e->module, e->request_id, why);
		onshi_msg_clear(&answer);
		return;
	}
	deliver_doc(core, e, &answer, e->answer_is_error);
	onshi_msg_clear(&answer);
}

/* Answer e with an error document naming the problem, then deliver. */
static void answer_error(struct onshi_core *core, struct onshi_spool_entry *e,
			 int err, const char *why, const struct onshi_msg *req)
{
	struct onshi_msg doc;
	char *xml = NULL, msg[512];
	size_t len;
	int rc;

	rc = onshi_msg_error_init(&doc, err, why, req);
	if (rc == ONSHI_OK)
		rc = onshi_msg_write(&doc, ONSHI_CHARSET_UTF8, &xml, &len, NULL,
				     msg, sizeof(msg));
	onshi_msg_clear(&doc);
	if (rc != ONSHI_OK) {
		onshi_logf(&core->log, ONSHI_LOG_ERR,
			   "%s: cannot build the error answer for %s: %s",
			   e->module, e->request_id, onshi_strerror(rc));
		return;
	}
	rc = onshi_spool_answer(core->spool, e, 1, xml, len, msg, sizeof(msg));
	free(xml);
	if (rc != ONSHI_OK) {
		onshi_logf(&core->log, ONSHI_LOG_ERR, "%s", msg);
		return;
	}
	onshi_counts_answer(core, 1, -1); /* today's counts: an error */
	onshi_logf(&core->log, ONSHI_LOG_NOTICE, "%s: %s refused: %s",
		   e->module, e->request_id, why);
	try_deliver(core, e);
}

/* answer_error() with the spooled request parsed again for the echo. */
static void answer_error_req(struct onshi_core *core, struct onshi_spool_entry *e,
			     int err, const char *why)
{
	struct onshi_msg req;

	onshi_msg_parse(e->kind, e->body, e->body_len, NULL, &req, NULL, 0);
	answer_error(core, e, err, why, &req);
	onshi_msg_clear(&req);
}

/* A stable key per spooled upload: retries and restarts reuse it. */
static void idempotency_key(const struct onshi_spool_entry *e, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	char *text = NULL;
	int n = asprintf(&text, "%s\n%s\n%llu", e->module, e->request_id,
			 (unsigned long long)e->seq);

	if (n < 0 || !EVP_Digest(text, (size_t)n, md, &mdlen, EVP_sha256(), NULL))
		mdlen = 0;
	free(text);
	for (unsigned i = 0; i < mdlen && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	out[mdlen ? 64 : 0] = '\0';
}

static void on_national_answer(void *arg, enum onshi_national_outcome outcome,
			       long status, const char *body, size_t len,
			       const char *why);

/* Send a parsed, checked request upstream (in UTF-8, whatever it came in). */
static void ask_national(struct onshi_core *core, struct onshi_spool_entry *e,
			 const struct onshi_msg *req)
{
	const struct onshi_req_header *h = onshi_msg_req_header(req);
	const char *code = onshi_module_institution_code(core, e->module);
	const struct request_kind *rk;
	const char *path;
	char *xml = NULL, msg[512], key[65];
	size_t len;

	if (!code) {
		answer_error(core, e, ONSHI_ENOTFOUND,
			     "the adapter that sent this request is no longer configured",
			     req);
		return;
	}
	if (!h || !h->medical_institution_code ||
	    strcmp(h->medical_institution_code, code) != 0) {
		snprintf(msg, sizeof(msg),
			 "MedicalInstitutionCode %s does not match this adapter's institution (%s)",
			 h && h->medical_institution_code ? h->medical_institution_code
							  : "(none)",
			 code);
		answer_error(core, e, ONSHI_EPERM, msg, req);
		return;
	}
	if (!core->national)
		return; /* not configured: it waits in the spool */
	if (onshi_msg_write(req, ONSHI_CHARSET_UTF8, &xml, &len, NULL, msg,
			    sizeof(msg)) != ONSHI_OK) {
		answer_error(core, e, ONSHI_EINVAL, msg, req);
		return;
	}
	rk = request_kind_of(e->kind);
	path = rk->path;
	/* Only uploads need one (inquiries and fetches are plain reads). */
	if (rk->upload)
		idempotency_key(e, key);
	e->in_flight = 1;
	e->user = core;
	if (!onshi_national_post(core->national, code, path, xml, len,
				 rk->upload ? key : NULL, on_national_answer, e))
		e->in_flight = 0; /* out of memory: the requeue timer retries */
	free(xml);
}

/* The request's ArbitraryFileIdentifier, for the answer to echo: kept
 * from process(), or (after a restart) read from the spooled request. */
static void echo_afi(struct onshi_spool_entry *e, char **afi)
{
	struct onshi_msg req;
	const struct onshi_req_header *rh;

	if (e->echo_known) {
		onshi_msg_set(afi, e->echo_afi);
		return;
	}
	if (onshi_msg_parse(e->kind, e->body, e->body_len, NULL, &req, NULL, 0) ==
		    ONSHI_OK &&
	    (rh = onshi_msg_req_header(&req)))
		onshi_msg_set(afi, rh->arbitrary_file_identifier);
	onshi_msg_clear(&req);
}

/* Today's counts, once an answer is settled: single inquiries by
 * validity, and refusals. */
static void count_answer(struct onshi_core *core, const struct onshi_msg *doc,
			 int is_error)
{
	if (is_error || doc->kind == ONSHI_MSG_INQUIRY_RESULT)
		onshi_counts_answer(core, is_error,
				    is_error ? -1 : (int)doc->u.inquiry_result.qualification_validity);
}

/*
 * Settle e with an upstream document, echoing the request's
 * ArbitraryFileIdentifier as the official terminal does. When e's adapter
 * can take the answer now, it is delivered straight away and never
 * written to the spool: a crash before the delivery leaves the request
 * spooled, to be asked again (the same answer, under the same file name;
 * batch uploads keep their idempotency key). Otherwise the answer is
 * spooled and waits (card reads: fanned out from the spool).
 */
static int record_upstream(struct onshi_core *core, struct onshi_spool_entry *e,
			   struct onshi_msg *doc, int is_error, char *why,
			   size_t whylen)
{
	int reader = strncmp(e->module, "reader:", 7) == 0;
	char *xml = NULL;
	size_t len;
	int rc;

	echo_afi(e, is_error ? &doc->u.error.hdr.arbitrary_file_identifier
			     : &onshi_msg_res_header(doc)->arbitrary_file_identifier);
	if (!reader && deliver_doc(core, e, doc, is_error) == ONSHI_OK) {
		count_answer(core, doc, is_error);
		return ONSHI_OK;
	}
	rc = onshi_msg_write(doc, ONSHI_CHARSET_UTF8, &xml, &len, NULL, why, whylen);
	if (rc == ONSHI_OK)
		rc = onshi_spool_answer(core->spool, e, is_error, xml, len, why,
					whylen);
	free(xml);
	if (rc != ONSHI_OK)
		return rc;
	count_answer(core, doc, is_error);
	if (reader)
		fan_out(core, e);
	return ONSHI_OK;
}

/*
 * An answer that stops before its root element is closed was cut off on
 * the way (a truncated 200): whitespace aside, every whole document of the
 * national service ends with </XmlMsg>.
 */
static int cut_off(const char *body, size_t len)
{
	static const char end[] = "</XmlMsg>";
	const size_t n = sizeof(end) - 1;

	while (len > 0 && (body[len - 1] == ' ' || body[len - 1] == '\n' ||
			   body[len - 1] == '\r' || body[len - 1] == '\t' ||
			   body[len - 1] == '\0'))
		len--;
	return len < n || memcmp(body + len - n, end, n) != 0;
}

static void on_national_answer(void *arg, enum onshi_national_outcome outcome,
			       long status, const char *body, size_t len,
			       const char *why)
{
	struct onshi_spool_entry *e = arg;
	struct onshi_core *core = e->user;
	struct onshi_msg doc;
	char msg[600];
	int rc;

	e->in_flight = 0;
	onshi_audit_national(core, e->module, e->request_id, outcome, status,
			     body, len);
	if (outcome == ONSHI_NATIONAL_UNAVAILABLE) {
		onshi_logf(&core->log, ONSHI_LOG_WARNING,
			   "%s: %s still unanswered (%s); kept in the spool",
			   e->module, e->request_id, why);
		return; /* the requeue timer asks again */
	}
	if (outcome == ONSHI_NATIONAL_REFUSED) {
		/* The service explains refusals with an error document. */
		rc = onshi_msg_parse(ONSHI_MSG_ERROR, body, len, NULL, &doc, NULL, 0);
		if (rc == ONSHI_OK) {
			char what[300];

			/* e may be gone once recorded: log first. */
			snprintf(what, sizeof(what),
				 "%s: %s refused by the national service (HTTP %ld)",
				 e->module, e->request_id, status);
			if (record_upstream(core, e, &doc, 1, msg, sizeof(msg)) ==
			    ONSHI_OK) {
				onshi_msg_clear(&doc);
				onshi_logf(&core->log, ONSHI_LOG_NOTICE, "%s", what);
				return;
			}
		}
		onshi_msg_clear(&doc);
		answer_error_req(core, e, ONSHI_EPROTO, why);
		return;
	}
	rc = onshi_msg_parse(answer_kind_ok(e), body, len, NULL, &doc, msg,
			     sizeof(msg));
	if (rc != ONSHI_OK) {
		onshi_msg_clear(&doc);
		if (rc == ONSHI_EPROTO && cut_off(body, len)) {
			/* A transport failure, like a dropped connection:
			 * kept, and asked again until a whole one comes. */
			onshi_logf(&core->log, ONSHI_LOG_WARNING,
				   "%s: %s: the national service's answer was cut off after %zu bytes (%s); kept in the spool, asked again",
				   e->module, e->request_id, len, msg);
			return; /* the requeue timer asks again */
		}
		if (++e->malformed_answers < MALFORMED_RETRIES) {
			onshi_logf(&core->log, ONSHI_LOG_WARNING,
				   "%s: %s: malformed answer from the national service (%s); asking again",
				   e->module, e->request_id, msg);
			process(core, e);
			return;
		}
		char text[700];

		snprintf(text, sizeof(text),
			 "the national service answered with a malformed document: %s",
			 msg);
		answer_error_req(core, e, ONSHI_EPROTO, text);
		return;
	}
	rc = record_upstream(core, e, &doc, 0, msg, sizeof(msg));
	onshi_msg_clear(&doc);
	if (rc != ONSHI_OK) /* e is still spooled: answered again later */
		onshi_logf(&core->log, ONSHI_LOG_ERR, "%s: %s: %s", e->module,
			   e->request_id, msg);
}

const char *onshi_batch_size_refusal(size_t n, char *why, size_t whylen)
{
	if (n <= ONSHI_BATCH_MAX_PERSONS)
		return NULL;
	snprintf(why, whylen,
		 "a batch of %zu persons is over the limit of %d (its result could not be fetched in one document): split it into batches of at most %d",
		 n, ONSHI_BATCH_MAX_PERSONS, ONSHI_BATCH_MAX_PERSONS);
	return why;
}

/*
 * Check a parsed spooled request (rc and why: how the parse went) and ask
 * upstream; bad ones are answered now.
 */
static void check_and_ask(struct onshi_core *core, struct onshi_spool_entry *e,
			  struct onshi_msg *req, int rc, char *why, size_t whylen)
{
	if (rc == ONSHI_OK && e->kind == ONSHI_MSG_BULK_REQUEST &&
	    onshi_batch_size_refusal(req->u.bulk_request.n_search, why, whylen))
		rc = ONSHI_ETOOBIG;
	if (rc == ONSHI_OK && e->kind == ONSHI_MSG_REFNUM_BULK_REQUEST &&
	    onshi_batch_size_refusal(req->u.refnum_bulk_request.n_info, why, whylen))
		rc = ONSHI_ETOOBIG;
	if (rc == ONSHI_OK && e->kind == ONSHI_MSG_INQUIRY_REQUEST &&
	    req->u.inquiry_request.has_card_auth)
		rc = onshi_card_check(core, req, why, whylen);
	if (rc != ONSHI_OK) {
		answer_error(core, e, rc, why, req);
		return;
	}
	if (!e->echo_known) {
		const struct onshi_req_header *rh = onshi_msg_req_header(req);

		free(e->echo_afi);
		e->echo_afi = rh && rh->arbitrary_file_identifier
				      ? strdup(rh->arbitrary_file_identifier)
				      : NULL;
		e->echo_known = !rh || !rh->arbitrary_file_identifier || e->echo_afi;
	}
	ask_national(core, e, req);
}

/* Check a spooled request; bad ones are answered now. */
static void process(struct onshi_core *core, struct onshi_spool_entry *e)
{
	struct onshi_msg req;
	char why[512] = "";
	int rc;

	if (e->answered) {
		try_deliver(core, e);
		return;
	}
	if (!is_request_kind(e->kind)) {
		answer_error(core, e, ONSHI_EINVAL, "not a request document", NULL);
		return;
	}
	rc = onshi_msg_parse(e->kind, e->body, e->body_len, NULL, &req, why,
			     sizeof(why));
	check_and_ask(core, e, &req, rc, why, sizeof(why));
	onshi_msg_clear(&req);
}

int onshi_inquiry_accept(struct onshi_core *core, const char *module,
			 const char *request_id, int kind, const void *body,
			 size_t len, unsigned flags, char *msg, size_t msglen)
{
	struct onshi_spool_entry *e;
	struct onshi_msg req;
	char why[512] = "";
	int rc, prc;

	if (!core->spool) {
		snprintf(msg, msglen, "the spool is not open");
		return ONSHI_EUNAVAIL;
	}
	if (kind & ~0xff) {
		snprintf(msg, msglen, "not a request kind: %d", kind);
		return ONSHI_EINVAL;
	}
	/* Parsed once, before the spool: a file its writer may not have
	 * finished is handed back unkept when it does not parse yet. */
	onshi_msg_init(&req, ONSHI_MSG_NONE);
	prc = is_request_kind(kind) ? onshi_msg_parse(kind, body, len, NULL,
						      &req, why, sizeof(why))
				    : ONSHI_EINVAL;
	if (prc != ONSHI_OK && (flags & ONSHI_SUBMIT_MAY_BE_PARTIAL)) {
		onshi_msg_clear(&req);
		snprintf(msg, msglen, "%s", why);
		return ONSHI_EINCOMPLETE;
	}
	rc = onshi_spool_accept(core->spool, module, request_id, kind, body,
				len, &e, msg, msglen);
	if (rc != ONSHI_OK) {
		onshi_msg_clear(&req);
		return rc;
	}
	onshi_audit(core, "accept", "module", module, "id", request_id, "doc",
		    onshi_msg_kind_name(kind), (char *)NULL);
	onshi_counts_request(core, kind);
	if (is_request_kind(kind))
		check_and_ask(core, e, &req, prc, why, sizeof(why));
	else
		process(core, e);
	onshi_msg_clear(&req);
	return ONSHI_OK;
}

int onshi_inquiry_submit(struct onshi_instance *inst, const char *request_id,
			 int kind, const void *body, size_t len, char *msg,
			 size_t msglen)
{
	return onshi_inquiry_accept(inst->module->core, inst->module->name,
				    request_id, kind, body, len, 0, msg, msglen);
}

int onshi_inquiry_submit_flags(struct onshi_instance *inst, const char *request_id,
			       int kind, const void *body, size_t len,
			       unsigned flags, char *msg, size_t msglen)
{
	return onshi_inquiry_accept(inst->module->core, inst->module->name,
				    request_id, kind, body, len, flags, msg, msglen);
}

/* A module (re)started: offer it the answers waiting for it. */
static void module_started(void *ctx, struct onshi_module *mod)
{
	struct onshi_core *core = ctx;
	struct onshi_spool_entry *e, *next;

	if (!core->spool)
		return;
	for (e = onshi_spool_first(core->spool); e; e = next) {
		next = e->next; /* try_deliver may free e */
		if (strcmp(e->module, mod->name) == 0 && e->answered)
			try_deliver(core, e);
	}
}

static const struct onshi_module_listener module_listener = {
	.started = module_started,
};

/*
 * Ask again what is unanswered and not in flight (after outages), and
 * offer again answers whose delivery failed (a full or read-only result
 * folder): process() delivers answered entries.
 */
static void requeue(void *arg)
{
	struct onshi_core *core = arg;
	struct onshi_spool_entry *e, *next;

	for (e = onshi_spool_first(core->spool); e; e = next) {
		next = e->next; /* process may deliver and free e */
		if (!e->in_flight)
			process(core, e);
	}
}

int onshi_inquiry_open(struct onshi_core *core, char *msg, size_t msglen)
{
	const struct onshi_conf_section *nat =
		onshi_config_section(core->config, "national", NULL);
	const char *v = onshi_conf_section_get(nat, "requeue_s");
	long requeue_s = DEFAULT_REQUEUE_S;
	int rc;

	onshi_xmlmsg_init();
	rc = onshi_national_open(core, &core->national, msg, msglen);
	if (rc != ONSHI_OK)
		return rc;
	onshi_logf(&core->log, ONSHI_LOG_INFO, "%s", msg);
	onshi_cert_log_startup(core);
	rc = onshi_cards_open(core, msg, msglen);
	if (rc != ONSHI_OK)
		return rc;
	rc = onshi_spool_open(core->settings.spool_dir, &core->spool, msg, msglen);
	if (rc != ONSHI_OK)
		return rc;
	onshi_logf(&core->log, ONSHI_LOG_INFO, "%s", msg);
	/* After the spool (its directory is the default home), before the
	 * resumed work below is recorded. */
	rc = onshi_audit_open(core, msg, msglen);
	if (rc != ONSHI_OK)
		return rc;
	onshi_logf(&core->log, ONSHI_LOG_INFO, "%s", msg);
	if (v && (onshi_conf_parse_long(v, 1, 86400, &requeue_s) < 0))
		requeue_s = DEFAULT_REQUEUE_S;
	core->requeue_timer = onshi_loop_timer(core->loop, &core->spool,
					       (uint64_t)requeue_s * 1000u, 1,
					       requeue, core);
	requeue(core); /* resume what a restart interrupted */
	return onshi_module_listen(core, &module_listener, core);
}

void onshi_inquiry_close(struct onshi_core *core)
{
	if (core->requeue_timer)
		onshi_loop_timer_stop(core->loop, core->requeue_timer);
	core->requeue_timer = NULL;
	/* Calls in flight are dropped: their requests stay in the spool. */
	onshi_national_close(core->national);
	core->national = NULL;
	onshi_module_unlisten(core, &module_listener, core);
	onshi_cards_close(core);
	onshi_spool_close(core->spool);
	core->spool = NULL;
	onshi_audit_close(core);
}

size_t onshi_inquiry_depth(struct onshi_core *core, size_t *unanswered)
{
	if (!core->spool) {
		if (unanswered)
			*unanswered = 0;
		return 0;
	}
	return onshi_spool_count(core->spool, unanswered);
}

void onshi_inquiry_status_fields(struct onshi_status_snapshot *s, void *ctx)
{
	size_t unanswered, depth = onshi_inquiry_depth(ctx, &unanswered);

	onshi_status_put_long(s, "spool", (long)depth);
	onshi_status_put_long(s, "unanswered", (long)unanswered);
}
