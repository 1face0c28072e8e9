/* SPDX-License-Identifier: Apache-2.0 */
/*
 * inquiry_parts.c — a receipt computer's batch over the national
 * service's persons per upload ([national] batch_max_persons), asked in
 * parts so that the receipt computer never notices: its OQSmuquc01req
 * goes up as several uploads (batch_parts_calls.c) and is answered with
 * one OQSmuquc01res carrying onshi's own ReceptionNumber; its
 * OQSmuquc02req for that number fetches every part and is answered with
 * one OQSmuquc02res holding all units in the order of the upload (a part
 * the service refused giving its persons as error units), or with
 * SegmentOfResult 2 while any part is still processing.
 *
 * Everything ends in the pipeline's answer callback (inquiry.c hands in
 * inquiry_on_national_answer) as a single national call would: the synthesized document as an answer (judged, spooled and
 * delivered like any other), a refusal as an error document, a transport
 * failure as one (the request stays in the spool and is asked again; the
 * parts' keys make a second upload meet the same receptions). A merged
 * result is a model in memory, so folder batches keep their 20,000-person
 * bound (inquiry.c).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <onshi/message.h>

#include "batch_parts.h"
#include "conf_schema.h"
#include "core.h"
#include "inquiry_internal.h"
#include "spool.h"
#include "xmlmsg_stream.h"

int inquiry_parts_wanted(const struct onshi_core *core,
			 const struct onshi_spool_entry *e,
			 const struct onshi_msg *req)
{
	long max = core->settings.national_batch_max_persons;

	if (e->kind == ONSHI_MSG_BULK_REQUEST)
		return max > 0 && req->u.bulk_request.n_search > (size_t)max;
	if (e->kind == ONSHI_MSG_BULK_FETCH)
		return onshi_batch_number_is_ours(req->u.bulk_fetch.hdr.reception_number);
	return 0;
}

/* One request asked in parts: e, and where its end is told. */
struct part_call {
	struct onshi_spool_entry *e;
	onshi_national_cb done;
};

/* Hand doc to the pipeline as the national service's answer to e. */
static void answer_with(const struct part_call *pc,
			enum onshi_national_outcome outcome, long status,
			struct onshi_msg *doc)
{
	struct onshi_spool_entry *e = pc->e;
	char *xml = NULL, why[512];
	size_t len = 0;

	if (onshi_msg_write(doc, ONSHI_CHARSET_UTF8, &xml, &len, NULL, why,
			    sizeof(why)) != ONSHI_OK) {
		/* Ours and cannot be written: kept, asked again later. */
		pc->done(e, ONSHI_NATIONAL_UNAVAILABLE, 0, NULL, 0, why);
		return;
	}
	pc->done(e, outcome, status, xml, len, "");
	free(xml);
}

/* A refusal of e's request, as the service's error document would say it. */
static void refuse(const struct part_call *pc, const struct onshi_msg *req,
		   int err, const char *why)
{
	struct onshi_spool_entry *e = pc->e;
	struct onshi_msg doc;

	if (onshi_msg_error_init(&doc, err, why, req) != ONSHI_OK) {
		pc->done(e, ONSHI_NATIONAL_UNAVAILABLE, 0, NULL, 0, "out of memory");
		return;
	}
	answer_with(pc, ONSHI_NATIONAL_REFUSED, 422, &doc);
	onshi_msg_clear(&doc);
}

/* e's request again (its spooled body), for the answer's echo. */
static int request_of(const struct onshi_spool_entry *e, struct onshi_msg *req)
{
	return onshi_msg_parse(e->kind, e->body, e->body_len, NULL, req, NULL, 0);
}

/* ---- the upload ---------------------------------------------------------- */

static void on_uploaded(void *arg, int rc, const struct onshi_batch_map *m,
			const char *why)
{
	struct part_call call = *(struct part_call *)arg, *pc = &call;
	struct onshi_spool_entry *e = pc->e;
	struct onshi_msg req, res;

	free(arg);
	if (rc == ONSHI_EUNAVAIL || rc == ONSHI_EIO || rc == ONSHI_ENOMEM) {
		pc->done(e, ONSHI_NATIONAL_UNAVAILABLE, 0, NULL, 0, why);
		return;
	}
	if (request_of(e, &req) != ONSHI_OK) {
		onshi_msg_clear(&req);
		pc->done(e, ONSHI_NATIONAL_UNAVAILABLE, 0, NULL, 0,
			 "cannot read the spooled request");
		return;
	}
	if (rc != ONSHI_OK) {
		refuse(pc, &req, ONSHI_EPERM, why);
	} else if (onshi_msg_result_for(&req, &res) != ONSHI_OK ||
		   onshi_msg_set(&res.u.bulk_reception.hdr.reception_number,
				 m->number) != ONSHI_OK) {
		onshi_msg_clear(&res);
		pc->done(e, ONSHI_NATIONAL_UNAVAILABLE, 0, NULL, 0, "out of memory");
	} else {
		res.u.bulk_reception.hdr.segment_of_result = ONSHI_SEGMENT_NORMAL;
		res.u.bulk_reception.processing_result_status = ONSHI_STATUS_NORMAL;
		answer_with(pc, ONSHI_NATIONAL_ANSWER, 200, &res);
		onshi_msg_clear(&res);
	}
	onshi_msg_clear(&req);
}

/* ---- the fetch ------------------------------------------------------------ */

/* Each merged unit moves into the result. */
static int keep_unit(void *arg, struct onshi_bulk_unit *u)
{
	struct onshi_bulk_result *br = arg;
	struct onshi_bulk_unit *slot = onshi_bulk_result_add(br);

	if (!slot) {
		onshi_bulk_unit_clear(u);
		return ONSHI_ENOMEM;
	}
	*slot = *u;
	memset(u, 0, sizeof(*u));
	return ONSHI_OK;
}

static void on_fetched(void *arg, int rc, struct onshi_batch_fetched *f,
		       const char *why)
{
	struct part_call call = *(struct part_call *)arg, *pc = &call;
	struct onshi_spool_entry *e = pc->e;
	struct onshi_core *core = e->user;
	struct onshi_msg req, res;
	struct onshi_bulk_result *br = &res.u.bulk_result;
	char msg[600];
	long normal = 0, errors = 0;

	free(arg);
	if (rc == ONSHI_EUNAVAIL || rc == ONSHI_ENOMEM || rc == ONSHI_EIO) {
		onshi_batch_fetched_free(f);
		pc->done(e, ONSHI_NATIONAL_UNAVAILABLE, 0, NULL, 0, why);
		return;
	}
	memset(&res, 0, sizeof(res));
	if (request_of(e, &req) != ONSHI_OK || onshi_msg_result_for(&req, &res) ||
	    onshi_msg_set(&br->hdr.reception_number,
			  req.u.bulk_fetch.hdr.reception_number)) {
		onshi_batch_fetched_free(f);
		onshi_msg_clear(&req);
		onshi_msg_clear(&res);
		pc->done(e, ONSHI_NATIONAL_UNAVAILABLE, 0, NULL, 0,
			 "cannot read the spooled request");
		return;
	}
	if (rc == ONSHI_EINCOMPLETE) {
		/* As the service says it: not ready yet, ask again later. */
		br->hdr.segment_of_result = ONSHI_SEGMENT_PROCESSING;
		answer_with(pc, ONSHI_NATIONAL_ANSWER, 200, &res);
	} else if (rc != ONSHI_OK) {
		refuse(pc, &req, ONSHI_EPROTO, why);
	} else if (onshi_batch_merge(f, keep_unit, br, &normal, &errors, msg,
				     sizeof(msg)) != ONSHI_OK) {
		onshi_logf(&core->log, ONSHI_LOG_WARNING,
			   "%s: %s: batch %s cannot be merged: %s", e->module,
			   e->request_id, br->hdr.reception_number, msg);
		refuse(pc, &req, ONSHI_EPROTO, msg);
	} else {
		br->hdr.segment_of_result = ONSHI_SEGMENT_NORMAL;
		br->hdr.number_of_processing_result = (long)br->n_units;
		br->hdr.number_of_normal_processing = normal;
		br->hdr.number_of_error = errors;
		answer_with(pc, ONSHI_NATIONAL_ANSWER, 200, &res);
	}
	onshi_batch_fetched_free(f);
	onshi_msg_clear(&req);
	onshi_msg_clear(&res);
}

int inquiry_parts_post(struct onshi_core *core, struct onshi_spool_entry *e,
		       const struct onshi_msg *req, const char *code, const char *key,
		       onshi_national_cb done, char *why, size_t whylen)
{
	long bound = core->settings.batch_max_answer_bytes;
	struct part_call *pc = malloc(sizeof(*pc));
	int rc;

	if (!pc) {
		snprintf(why, whylen, "out of memory");
		return ONSHI_ENOMEM;
	}
	pc->e = e;
	pc->done = done;
	e->user = core;
	e->in_flight = 1;
	if (e->kind == ONSHI_MSG_BULK_REQUEST) {
		size_t max = (size_t)core->settings.national_batch_max_persons;
		struct onshi_batch_docs d = { 0 };

		rc = onshi_batch_split_req(req, max, &d, why, whylen);
		if (rc == ONSHI_OK)
			rc = onshi_batch_upload(core->national,
						core->settings.spool_dir, code,
						key, max, &d, on_uploaded, pc,
						why, whylen);
		else
			onshi_batch_docs_free(&d);
	} else {
		rc = onshi_batch_fetch(core->national, core->settings.spool_dir,
				       (size_t)(bound > 0 ? bound : ONSHI_BATCH_ANSWER_BYTES_DEFAULT),
				       code, req->u.bulk_fetch.hdr.reception_number,
				       on_fetched, pc, why, whylen);
	}
	if (rc == ONSHI_OK)
		return ONSHI_OK;
	free(pc);
	e->in_flight = 0;
	/* No such batch, or its map is broken: answered now, by name. A
	 * full disk or no memory: kept, asked again. */
	return rc == ONSHI_ENOTFOUND || rc == ONSHI_EPROTO || rc == ONSHI_EINVAL
		       ? ONSHI_EINVAL
		       : ONSHI_ENOMEM;
}
