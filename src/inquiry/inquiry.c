/* SPDX-License-Identifier: Apache-2.0 */
/*
 * inquiry.c — requests from adapters through the spool to the national
 * service: accepted and spooled, checked (batch sizes, card checks),
 * asked upstream, and the service's answer judged (refused, cut off,
 * malformed and asked again); the requeue timer asks again what is still
 * unanswered. How a settled request reaches its adapter is
 * inquiry_deliver.c's; the request kinds served are inquiry_kinds.c's.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <onshi/host.h>
#include <onshi/message.h>

#include "audit.h"
#include "audit_national.h"
#include "card_check.h"
#include "cert_status.h"
#include "core.h"
#include "group_commit.h"
#include "inquiry.h"
#include "inquiry_internal.h"
#include "key_hex.h"
#include "module.h"
#include "national.h"
#include "spool.h"
#include "status.h"
#include "vpn.h"

/* A 200 whose body does not parse is asked again this many times. */
#define MALFORMED_RETRIES 3
/* How often requests the national service could not answer are re-asked. */
#define DEFAULT_REQUEUE_S 30

static void process(struct onshi_core *core, struct onshi_spool_entry *e);

static int is_request_kind(int kind)
{
	return inquiry_request_kind_of(kind) != NULL;
}

/* A stable key per spooled upload: retries and restarts reuse it. */
static void idempotency_key(const struct onshi_spool_entry *e, char out[65])
{
	char *text = NULL;
	int n = asprintf(&text, "%s\n%s\n%llu", e->module, e->request_id,
			 (unsigned long long)e->seq);

	out[0] = '\0';
	if (n >= 0)
		onshi_key_hex(text, (size_t)n, NULL, 0, out);
	free(text);
}

/*
 * Whether req may be sent for e's adapter: ONSHI_OK and *code its
 * institution, or the error to answer with (why says which).
 */
static int institution_ok(struct onshi_core *core, const struct onshi_spool_entry *e,
			  const struct onshi_msg *req, const char **code,
			  char *why, size_t whylen)
{
	const struct onshi_req_header *h = onshi_msg_req_header(req);

	*code = onshi_module_institution_code(core, e->module);
	if (!*code) {
		snprintf(why, whylen,
			 "the adapter that sent this request is no longer configured");
		return ONSHI_ENOTFOUND;
	}
	if (!h || !h->medical_institution_code ||
	    strcmp(h->medical_institution_code, *code) != 0) {
		snprintf(why, whylen,
			 "MedicalInstitutionCode %s does not match this adapter's institution (%s)",
			 h && h->medical_institution_code ? h->medical_institution_code
							  : "(none)",
			 *code);
		return ONSHI_EPERM;
	}
	return ONSHI_OK;
}

/*
 * POST req (in UTF-8, whatever it came in) for institution code.
 * ONSHI_OK: in flight. ONSHI_ENOMEM: not sent (the requeue timer retries).
 * Else the request cannot be written (why says why).
 */
static int post_national(struct onshi_core *core, struct onshi_spool_entry *e,
			 const struct onshi_msg *req, const char *code,
			 char *why, size_t whylen)
{
	const struct inquiry_request_kind *rk = inquiry_request_kind_of(e->kind);
	char *xml = NULL, key[65];
	size_t len;

	/* A batch over the service's persons per upload, or a fetch of
	 * one of our own numbers: asked in parts (inquiry_parts.c). */
	if (inquiry_parts_wanted(core, e, req)) {
		idempotency_key(e, key);
		return inquiry_parts_post(core, e, req, code, key,
					  inquiry_on_national_answer, why, whylen);
	}
	if (onshi_msg_write(req, ONSHI_CHARSET_UTF8, &xml, &len, NULL, why,
			    whylen) != ONSHI_OK)
		return ONSHI_EINVAL;
	/* Only uploads need one (inquiries and fetches are plain reads). */
	if (rk->upload)
		idempotency_key(e, key);
	e->in_flight = 1;
	e->user = core;
	if (!onshi_national_post(core->national, code, rk->path, xml, len,
				 rk->upload ? key : NULL,
				 inquiry_on_national_answer, e))
		e->in_flight = 0;
	free(xml);
	return e->in_flight ? ONSHI_OK : ONSHI_ENOMEM;
}

/* Send a parsed, checked request upstream; one that cannot go is
 * answered with an error now. */
static void ask_national(struct onshi_core *core, struct onshi_spool_entry *e,
			 const struct onshi_msg *req)
{
	const char *code;
	char msg[512];
	int rc = institution_ok(core, e, req, &code, msg, sizeof(msg));

	if (rc != ONSHI_OK) {
		inquiry_answer_error(core, e, rc, msg, req);
		return;
	}
	if (!core->national)
		return; /* not configured: it waits in the spool */
	if (post_national(core, e, req, code, msg, sizeof(msg)) == ONSHI_EINVAL)
		inquiry_answer_error(core, e, ONSHI_EINVAL, msg, req);
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

/* Judge the national service's answer to e (not in flight any more, and
 * durable); e may be gone afterwards. */
static void judge_answer(struct onshi_core *core, struct onshi_spool_entry *e,
			 enum onshi_national_outcome outcome, long status,
			 const char *body, size_t len, const char *why)
{
	struct onshi_msg doc;
	char msg[600];
	int rc;

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
			if (inquiry_record_upstream(core, e, &doc, 1, msg,
						    sizeof(msg)) == ONSHI_OK) {
				onshi_msg_clear(&doc);
				onshi_logf(&core->log, ONSHI_LOG_NOTICE, "%s", what);
				return;
			}
		}
		onshi_msg_clear(&doc);
		inquiry_answer_error_req(core, e, ONSHI_EPROTO, why);
		return;
	}
	rc = onshi_msg_parse(inquiry_answer_kind_ok(e), body, len, NULL, &doc,
			     msg, sizeof(msg));
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
		inquiry_answer_error_req(core, e, ONSHI_EPROTO, text);
		return;
	}
	rc = inquiry_record_upstream(core, e, &doc, 0, msg, sizeof(msg));
	onshi_msg_clear(&doc);
	if (rc != ONSHI_OK) /* e is still spooled: answered again later */
		onshi_logf(&core->log, ONSHI_LOG_ERR, "%s: %s: %s", e->module,
			   e->request_id, msg);
}

/*
 * Keep an answer that came before e's record was durable; judged once it
 * is (accepted_durably). Out of memory it is dropped: then e is asked
 * again.
 */
static void keep_early_answer(struct onshi_spool_entry *e,
			      enum onshi_national_outcome outcome, long status,
			      const char *body, size_t len, const char *why)
{
	struct onshi_spool_early_answer *k = calloc(1, sizeof(*k));

	if (!k)
		return;
	k->outcome = (int)outcome;
	k->status = status;
	k->body = malloc(len + 1);
	k->why = strdup(why ? why : "");
	if (!k->body || !k->why) {
		free(k->body);
		free(k->why);
		free(k);
		return;
	}
	if (len)
		memcpy(k->body, body, len);
	k->body[len] = '\0';
	k->len = len;
	e->early_answer = k;
}

void inquiry_on_national_answer(void *arg, enum onshi_national_outcome outcome,
				long status, const char *body, size_t len,
				const char *why)
{
	struct onshi_spool_entry *e = arg;
	struct onshi_core *core = e->user;

	e->in_flight = 0;
	if (e->abandoned) {
		/* Asked before its record was durable, and the record never
		 * became so: the adapter offers the request again; a read
		 * asked twice changes nothing at the national service. */
		onshi_audit_national(core, e->module, e->request_id, outcome,
				     status, body, len);
		onshi_logf(&core->log, ONSHI_LOG_NOTICE,
			   "%s: %s: national answer dropped: the request was not accepted",
			   e->module, e->request_id);
		onshi_spool_release_abandoned(core->spool, e);
		return;
	}
	if (e->committing) {
		/* Never delivered before the request is durable. */
		keep_early_answer(e, outcome, status, body, len, why);
		return;
	}
	judge_answer(core, e, outcome, status, body, len, why);
}

const char *onshi_batch_size_refusal(const struct onshi_core *core, size_t n,
				     char *why, size_t whylen)
{
	long max = core->settings.batch_max_persons > 0
			   ? core->settings.batch_max_persons
			   : ONSHI_BATCH_PERSONS_DEFAULT;

	if (n <= (size_t)max)
		return NULL;
	snprintf(why, whylen,
		 "a batch of %zu persons is over the limit of %ld ([spool] max_batch_persons): split it into batches of at most %ld",
		 n, max, max);
	return why;
}

/*
 * A batch an adapter uploads: its result still comes back through the
 * in-memory path (parsed whole, at most ONSHI_XMLMSG_MAX_BULK_BYTES,
 * 32 MiB, about 25,000 persons of ~1.3 KiB) before the adapter's deliver
 * op writes it, so it is held to what that path can fetch; batches from
 * `onshictl batch submit` stream their result and take [spool]
 * max_batch_persons.
 */
#define FOLDER_BATCH_MAX_PERSONS 20000

static const char *folder_batch_refusal(const struct onshi_core *core, size_t n,
					char *why, size_t whylen)
{
	if (onshi_batch_size_refusal(core, n, why, whylen))
		return why;
	if (n <= FOLDER_BATCH_MAX_PERSONS)
		return NULL;
	snprintf(why, whylen,
		 "a batch of %zu persons is over the limit of %d for a batch from a receipt computer's folder (its result is still read whole): split it into batches of at most %d, or use onshictl batch submit",
		 n, FOLDER_BATCH_MAX_PERSONS, FOLDER_BATCH_MAX_PERSONS);
	return why;
}

/* The checks of a parsed spooled request before it goes upstream (batch
 * sizes, card checks); rc and why: how the parse went. */
static int check_request(struct onshi_core *core, struct onshi_spool_entry *e,
			 struct onshi_msg *req, int rc, char *why, size_t whylen)
{
	if (rc == ONSHI_OK && e->kind == ONSHI_MSG_BULK_REQUEST &&
	    folder_batch_refusal(core, req->u.bulk_request.n_search, why, whylen))
		rc = ONSHI_ETOOBIG;
	if (rc == ONSHI_OK && e->kind == ONSHI_MSG_REFNUM_BULK_REQUEST &&
	    folder_batch_refusal(core, req->u.refnum_bulk_request.n_info, why, whylen))
		rc = ONSHI_ETOOBIG;
	if (rc == ONSHI_OK && e->kind == ONSHI_MSG_INQUIRY_REQUEST &&
	    req->u.inquiry_request.has_card_auth)
		rc = onshi_card_check(core, req, why, whylen);
	return rc;
}

/* Keep the request's ArbitraryFileIdentifier for the answer's echo. */
static void remember_echo(struct onshi_spool_entry *e, const struct onshi_msg *req)
{
	const struct onshi_req_header *rh = onshi_msg_req_header(req);

	if (e->echo_known)
		return;
	free(e->echo_afi);
	e->echo_afi = rh && rh->arbitrary_file_identifier
			      ? strdup(rh->arbitrary_file_identifier)
			      : NULL;
	e->echo_known = !rh || !rh->arbitrary_file_identifier || e->echo_afi;
}

/*
 * Check a parsed spooled request (rc and why: how the parse went) and ask
 * upstream; bad ones are answered now.
 */
static void check_and_ask(struct onshi_core *core, struct onshi_spool_entry *e,
			  struct onshi_msg *req, int rc, char *why, size_t whylen)
{
	rc = check_request(core, e, req, rc, why, whylen);
	if (rc != ONSHI_OK) {
		inquiry_answer_error(core, e, rc, why, req);
		return;
	}
	remember_echo(e, req);
	ask_national(core, e, req);
}

/*
 * Ask upstream at once for a request whose record is still being made
 * durable, so that the national round trip overlaps the disk's: only a
 * plain read (an upload creates state at the national service, so it waits
 * for durability) that passes every check without a word to the audit log
 * (a card check is recorded: it follows the accept record) and can be
 * sent now. Its answer waits for the record (inquiry_on_national_answer). 1: in
 * flight; 0: nothing was done, it is checked and asked once durable.
 */
static int ask_early(struct onshi_core *core, struct onshi_spool_entry *e,
		     struct onshi_msg *req, int prc)
{
	const struct inquiry_request_kind *rk = inquiry_request_kind_of(e->kind);
	const char *code;
	char why[512];

	if (!rk || rk->upload || prc != ONSHI_OK || !core->national)
		return 0;
	if (e->kind == ONSHI_MSG_INQUIRY_REQUEST && req->u.inquiry_request.has_card_auth)
		return 0;
	if (check_request(core, e, req, ONSHI_OK, why, sizeof(why)) != ONSHI_OK ||
	    institution_ok(core, e, req, &code, why, sizeof(why)) != ONSHI_OK)
		return 0; /* answered with the error once durable */
	remember_echo(e, req);
	return post_national(core, e, req, code, why, sizeof(why)) == ONSHI_OK;
}

/* Check a spooled request; bad ones are answered now. */
static void process(struct onshi_core *core, struct onshi_spool_entry *e)
{
	struct onshi_msg req;
	char why[512] = "";
	int rc;

	if (e->answered) {
		inquiry_try_deliver(core, e);
		return;
	}
	if (!is_request_kind(e->kind)) {
		inquiry_answer_error(core, e, ONSHI_EINVAL,
				     "not a request document", NULL);
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

/*
 * A request accepted for a later commit (onshi_inquiry_accept_later): its
 * parse, kept for when the record is durable, and whom to tell.
 */
struct accept_later {
	struct onshi_core *core;
	struct onshi_msg req;
	int prc;
	char why[512];
	onshi_submit_cb done;
	void *arg;
	int asked_early; /* see ask_early() */
};

static void accepted_durably(void *arg, struct onshi_spool_entry *e, int rc,
			     const char *why)
{
	struct accept_later *a = arg;
	struct onshi_core *core = a->core;
	struct onshi_instance *inst = e->committing_for;

	e->committing_for = NULL;
	if (rc == ONSHI_OK) {
		onshi_audit(core, "accept", "module", e->module, "id", e->request_id,
			    "doc", onshi_msg_kind_name(e->kind), (char *)NULL);
		onshi_counts_request(core, e->kind);
	} else {
		onshi_logf(&core->log, ONSHI_LOG_ERR,
			   "%s: %s not accepted: %s; the adapter keeps it",
			   e->module, e->request_id, why);
	}
	/* The adapter deletes its copy now that the record is durable... */
	if (inst)
		a->done(a->arg, rc, why);
	/* ...and only then is the request acted on: its answer judged if it
	 * was asked early (e may be gone after), else checked and asked. */
	if (rc == ONSHI_OK && a->asked_early && e->early_answer) {
		struct onshi_spool_early_answer *k = e->early_answer;

		e->early_answer = NULL;
		judge_answer(core, e, (enum onshi_national_outcome)k->outcome,
			     k->status, k->body, k->len, k->why);
		free(k->body);
		free(k->why);
		free(k);
	} else if (rc == ONSHI_OK && a->asked_early && e->in_flight) {
		/* judged when it comes */
	} else if (rc == ONSHI_OK) {
		if (is_request_kind(e->kind))
			check_and_ask(core, e, &a->req, a->prc, a->why,
				      sizeof(a->why));
		else
			process(core, e);
	}
	onshi_msg_clear(&a->req);
	free(a);
}

int onshi_inquiry_accept_later(struct onshi_core *core,
			       struct onshi_instance *inst, const char *module,
			       const char *request_id, int kind, const void *body,
			       size_t len, unsigned flags, onshi_submit_cb done,
			       void *arg, char *msg, size_t msglen)
{
	struct onshi_spool_entry *e;
	struct accept_later *a;
	int rc;

	if (!core->spool || !onshi_spool_commit(core->spool)) {
		snprintf(msg, msglen, "the spool is not open");
		return ONSHI_EUNAVAIL;
	}
	if (kind & ~0xff) {
		snprintf(msg, msglen, "not a request kind: %d", kind);
		return ONSHI_EINVAL;
	}
	a = calloc(1, sizeof(*a));
	if (!a)
		return ONSHI_ENOMEM;
	a->core = core;
	a->done = done;
	a->arg = arg;
	/* Parsed once, before the spool, as in onshi_inquiry_accept(). */
	onshi_msg_init(&a->req, ONSHI_MSG_NONE);
	a->prc = is_request_kind(kind)
			 ? onshi_msg_parse(kind, body, len, NULL, &a->req,
					   a->why, sizeof(a->why))
			 : ONSHI_EINVAL;
	if (a->prc != ONSHI_OK && (flags & ONSHI_SUBMIT_MAY_BE_PARTIAL)) {
		snprintf(msg, msglen, "%s", a->why);
		rc = ONSHI_EINCOMPLETE;
		goto fail;
	}
	rc = onshi_spool_accept_later(core->spool, module, request_id, kind, body,
				      len, accepted_durably, a, &e, msg, msglen);
	if (rc != ONSHI_OK)
		goto fail;
	e->committing_for = inst; /* forgotten if it stops meanwhile */
	a->asked_early = ask_early(core, e, &a->req, a->prc);
	return ONSHI_OK;
fail:
	onshi_msg_clear(&a->req);
	free(a);
	return rc;
}

int onshi_inquiry_submit_later(struct onshi_instance *inst,
			       const char *request_id, int kind, const void *body,
			       size_t len, unsigned flags, onshi_submit_cb done,
			       void *arg, char *msg, size_t msglen)
{
	return onshi_inquiry_accept_later(inst->module->core, inst,
					  inst->module->name, request_id, kind,
					  body, len, flags, done, arg, msg, msglen);
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
		if (!e->in_flight && !e->committing)
			process(core, e);
	}
}

/*
 * The tunnel to the national network came up: what waited for it goes
 * now, not at the next requeue or the end of a call's pause. It went
 * down: the connections kept through it are dead (their packets are
 * dropped until a timeout), so the next call opens a new one, whose
 * failure says at once that the tunnel is needed.
 */
static void on_vpn_change(void *arg, int up)
{
	struct onshi_core *core = arg;

	if (!up) {
		onshi_national_flush_connections(core->national);
		return;
	}
	onshi_national_retry_now(core->national);
	requeue(core);
}

int onshi_inquiry_open(struct onshi_core *core, char *msg, size_t msglen)
{
	const struct onshi_conf_section *nat =
		onshi_config_section(core->config, "national", NULL);
	const char *v = onshi_conf_section_get(nat, "requeue_s");
	long requeue_s = DEFAULT_REQUEUE_S;
	struct onshi_group_commit *commit;
	int rc;

	onshi_xmlmsg_init();
	rc = onshi_national_open(core->loop, &core->log, core->config,
				 &core->national, msg, msglen);
	if (rc != ONSHI_OK)
		return rc;
	onshi_logf(&core->log, ONSHI_LOG_INFO, "%s", msg);
	rc = onshi_vpn_open(core->loop, &core->log, core->config, &core->vpn,
			    msg, msglen);
	if (rc != ONSHI_OK)
		return rc;
	if (core->vpn) {
		onshi_logf(&core->log, ONSHI_LOG_INFO, "%s", msg);
		/* A call that cannot reach the service says why when the
		 * tunnel is down, and brings it up. */
		onshi_national_on_unreachable(core->national,
					      onshi_vpn_unreachable, core->vpn);
		onshi_national_on_call(core->national, onshi_vpn_demand, core->vpn);
		onshi_vpn_on_change(core->vpn, on_vpn_change, core);
	}
	onshi_cert_log_startup(core);
	rc = onshi_cards_open(core, msg, msglen);
	if (rc != ONSHI_OK)
		return rc;
	rc = onshi_spool_open(core->settings.spool_dir, &core->spool, msg, msglen);
	if (rc != ONSHI_OK)
		return rc;
	onshi_logf(&core->log, ONSHI_LOG_INFO, "%s", msg);
	/* Adapters that accept and deliver through it (ABI 1.5) share one
	 * round of fsyncs per batch of work instead of five per inquiry. */
	rc = onshi_group_commit_new(core->loop, &commit, msg, msglen);
	if (rc != ONSHI_OK)
		return rc;
	onshi_spool_set_commit(core->spool, commit);
	/* After the spool (its directory is the default home), before the
	 * resumed work below is recorded. */
	rc = onshi_audit_open(core, msg, msglen);
	if (rc != ONSHI_OK)
		return rc;
	onshi_logf(&core->log, ONSHI_LOG_INFO, "%s", msg);
	/* Its periodic fdatasync joins the rounds, off the loop thread. */
	onshi_audit_set_commit(core, commit);
	if (v && (onshi_conf_parse_long(v, 1, 86400, &requeue_s) < 0))
		requeue_s = DEFAULT_REQUEUE_S;
	core->requeue_timer = onshi_loop_timer(core->loop, &core->spool,
					       (uint64_t)requeue_s * 1000u, 1,
					       requeue, core);
	requeue(core); /* resume what a restart interrupted */
	return onshi_module_listen(core, &inquiry_module_listener, core);
}

void onshi_inquiry_close(struct onshi_core *core)
{
	if (core->requeue_timer)
		onshi_loop_timer_stop(core->loop, core->requeue_timer);
	core->requeue_timer = NULL;
	/* Every round finished and told before anything it points to goes. */
	if (core->spool) {
		onshi_audit_set_commit(core, NULL);
		onshi_group_commit_free(onshi_spool_commit(core->spool));
		onshi_spool_set_commit(core->spool, NULL);
	}
	/* Calls in flight are dropped: their requests stay in the spool. */
	onshi_national_close(core->national);
	core->national = NULL;
	onshi_vpn_close(core->vpn);
	core->vpn = NULL;
	onshi_module_unlisten(core, &inquiry_module_listener, core);
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
