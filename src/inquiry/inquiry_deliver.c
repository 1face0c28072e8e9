/* SPDX-License-Identifier: Apache-2.0 */
/*
 * inquiry_deliver.c — the answer's half of the pipeline: a request is
 * settled with an answer (the national service's, or an error document of
 * ours), counted, and handed to the adapter that asked: now, once its
 * module runs again, or (a card read's answer) pushed to every
 * receipt-computer adapter of the reader's institution. Apart from
 * inquiry.c, which accepts requests and asks upstream: nothing here talks
 * to the national service.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <onshi/host.h>
#include <onshi/message.h>

#include "audit.h"
#include "core.h"
#include "group_commit.h"
#include "inquiry_internal.h"
#include "module.h"
#include "spool.h"
#include "status.h"
#include "xmlmsg_internal.h"

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
		inquiry_try_deliver(core, created[i]);
}

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

/* A delivery whose files wait for a round of the group commit. */
struct delivery_wait {
	struct onshi_core *core;
	struct onshi_spool_entry *e; /* NULL: the adapter failed; nothing to do */
	int is_error;
};

/*
 * The round holding a delivery's files is over. Only now, with the
 * result durable, is the record forgotten (its folder flushed in a later
 * round). If the round failed the entry stays: a spooled answer is
 * offered again, an unspooled one asked again, by the requeue timer.
 */
static void delivery_committed(void *arg, int rc, const char *why)
{
	struct delivery_wait *w = arg;
	struct onshi_spool_entry *e = w->e;
	struct onshi_core *core = w->core;
	int is_error = w->is_error;

	free(w);
	if (!e)
		return;
	e->in_flight = 0;
	if (rc != ONSHI_OK) {
		onshi_logf(&core->log, ONSHI_LOG_WARNING,
			   "%s: delivery of %s failed (%s); kept in the spool",
			   e->module, e->request_id, why);
		return;
	}
	onshi_audit(core, "deliver", "module", e->module, "id", e->request_id,
		    "result", is_error ? "error" : "ok", (char *)NULL);
	onshi_spool_delivered_later(core->spool, e);
}

/*
 * Hand doc, e's answer, to e's adapter now. ONSHI_OK: delivered, and the
 * spool has forgotten e (e is freed) — or, when the adapter staged its
 * files for the group commit (host->write_file_staged_later), e is in
 * flight until their round is over and forgotten then. ONSHI_EUNAVAIL:
 * the adapter cannot take it now (not running, or no deliver op): it
 * waits. Anything else: the adapter failed (logged); it waits too.
 */
static int deliver_doc(struct onshi_core *core, struct onshi_spool_entry *e,
		       const struct onshi_msg *doc, int is_error)
{
	struct onshi_module *mod = deliverable(core, e);
	struct onshi_group_commit *gc = onshi_spool_commit(core->spool);
	struct onshi_commit_set *set = NULL;
	struct delivery_wait *w = NULL;
	const struct onshi_plugin *desc;
	struct onshi_delivery d;
	size_t staged = 0;
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
	/* Files the adapter stages while delivering complete as one set. */
	if (gc && (w = calloc(1, sizeof(*w))) != NULL) {
		w->core = core;
		w->is_error = is_error;
		set = onshi_group_commit_set_begin(gc, delivery_committed, w);
		if (!set) {
			free(w);
			w = NULL;
		}
	}
	rc = desc->ops->deliver(mod->inst->state, &d);
	if (set)
		staged = onshi_group_commit_set_end(gc, set);
	if (!staged)
		free(w); /* the set is gone: its callback never runs */
	if (rc != ONSHI_OK) {
		onshi_logf(&core->log, ONSHI_LOG_WARNING,
			   "%s: delivery of %s failed (%s); kept in the spool",
			   e->module, e->request_id, onshi_strerror(rc));
		return rc; /* staged files still land: offered again anyway */
	}
	if (staged) {
		w->e = e;
		e->in_flight = 1; /* neither re-asked nor offered meanwhile */
		return ONSHI_OK;
	}
	onshi_audit(core, "deliver", "module", e->module, "id", e->request_id,
		    "result", is_error ? "error" : "ok", (char *)NULL);
	onshi_spool_delivered(core->spool, e);
	return ONSHI_OK;
}

/* Offer e's spooled answer to its module; forget it once the adapter has
 * it. Card reads are fanned out to the institution's adapters instead. */
void inquiry_try_deliver(struct onshi_core *core, struct onshi_spool_entry *e)
{
	struct onshi_msg answer;
	char why[512];
	int rc;

	if (!e->answered || e->in_flight)
		return; /* in flight: its delivery's files are being committed */
	if (strncmp(e->module, "reader:", 7) == 0) {
		fan_out(core, e);
		return;
	}
	/* Checked before parsing: the requeue timer offers every parked
	 * answer again, and thousands may wait for a disabled adapter. */
	if (!deliverable(core, e))
		return;
	rc = onshi_msg_parse(inquiry_answer_kind(e), e->answer, e->answer_len,
			     NULL, &answer, why, sizeof(why));
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
void inquiry_answer_error(struct onshi_core *core, struct onshi_spool_entry *e,
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
	inquiry_try_deliver(core, e);
}

/* inquiry_answer_error() with the spooled request parsed again for the echo. */
void inquiry_answer_error_req(struct onshi_core *core, struct onshi_spool_entry *e,
			      int err, const char *why)
{
	struct onshi_msg req;

	onshi_msg_parse(e->kind, e->body, e->body_len, NULL, &req, NULL, 0);
	inquiry_answer_error(core, e, err, why, &req);
	onshi_msg_clear(&req);
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
int inquiry_record_upstream(struct onshi_core *core,
			    struct onshi_spool_entry *e, struct onshi_msg *doc,
			    int is_error, char *why, size_t whylen)
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

/* A module (re)started: offer it the answers waiting for it. */
static void module_started(void *ctx, struct onshi_module *mod)
{
	struct onshi_core *core = ctx;
	struct onshi_spool_entry *e, *next;

	if (!core->spool)
		return;
	for (e = onshi_spool_first(core->spool); e; e = next) {
		next = e->next; /* inquiry_try_deliver may free e */
		if (strcmp(e->module, mod->name) == 0 && e->answered)
			inquiry_try_deliver(core, e);
	}
}

/* A module stops: its requests still being committed stay, but it is not
 * told about them (offered again, they are recognised as duplicates). */
static void module_stopping(void *ctx, struct onshi_instance *inst)
{
	struct onshi_core *core = ctx;

	if (!core->spool)
		return;
	for (struct onshi_spool_entry *e = onshi_spool_first(core->spool); e;
	     e = e->next)
		if (e->committing && e->committing_for == inst)
			e->committing_for = NULL;
}

const struct onshi_module_listener inquiry_module_listener = {
	.started = module_started,
	.stopping = module_stopping,
};
