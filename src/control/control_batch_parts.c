/* SPDX-License-Identifier: Apache-2.0 */
/*
 * control_batch_parts.c — BATCH SUBMIT and BATCH FETCH of a batch longer
 * than the national service takes in one upload ([national]
 * batch_max_persons): the batch is cut into parts here (a CSV search by
 * search, an XML upload by slices of its searches) and the calls, the
 * map and the merge are batch_parts_calls.c's. SUBMIT answers with
 * onshi's own number, the parts and how many were refused; FETCH answers
 * "processing" until every part is in, then one result whose unit lines
 * run through all parts, with the summed counts.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <onshi/message.h>

#include "batch_parts.h"
#include "control.h"
#include "control_batch.h"
#include "core.h"
#include "xmlmsg_stream.h"

/* ---- SUBMIT ------------------------------------------------------------ */

/* A part of the CSV: at most left more searches from cs. */
struct csv_part {
	struct csv_source *cs;
	size_t left;
	int ended; /* the CSV has no more searches */
};

static int csv_part_next(void *arg, struct onshi_search_info *si, int *got,
			 char *why, size_t whylen)
{
	struct csv_part *cp = arg;
	int rc;

	*got = 0;
	if (cp->left == 0)
		return ONSHI_OK;
	rc = onshi_cbatch_csv_next(cp->cs, si, got, why, whylen);
	if (rc == ONSHI_OK && !*got)
		cp->ended = 1;
	if (*got)
		cp->left--;
	return rc;
}

/* The CSV's parts, written search by search; a refusal goes to reply. */
static int split_csv(struct onshi_core *core, const char *code, char *date,
		     char *csv, size_t max, struct onshi_batch_docs *d,
		     struct onshi_strbuf *reply)
{
	struct csv_source cs = { NULL, csv, 0, 0, 0, core };
	struct csv_part cp = { &cs, 0, 0 };
	struct onshi_req_header h;
	char why[512];

	memset(&h, 0, sizeof(h));
	h.medical_institution_code = (char *)code;
	h.qualification_confirmation_date = date;
	h.arbitrary_file_identifier = (char *)"onshictl-batch";
	for (;;) {
		struct onshi_strbuf xml = { 0 };
		size_t count = 0;
		int rc;

		cp.left = max;
		rc = onshi_bulk_upload_write(&h, csv_part_next, &cp, &xml,
					     &count, why, sizeof(why));
		if (rc != ONSHI_OK && count == 0 && cp.ended && d->n > 0) {
			onshi_strbuf_free(&xml);
			return ONSHI_OK; /* the last part ended the CSV exactly */
		}
		if (rc != ONSHI_OK) {
			onshi_strbuf_free(&xml);
			if (rc == ONSHI_ENOMEM)
				onshi_strbuf_printf(reply, "-1 out of memory\n");
			else if (cs.last_gave)
				onshi_strbuf_printf(reply,
						    "-1 the batch file: line %u: %s\n",
						    cs.lineno, why);
			else
				onshi_strbuf_printf(reply,
						    "-1 the batch file: %s\n", why);
			return rc;
		}
		if (onshi_batch_docs_add(d, xml.data, xml.len, count) != ONSHI_OK) {
			onshi_strbuf_printf(reply, "-1 out of memory\n");
			return ONSHI_ENOMEM;
		}
		if (cp.ended)
			return ONSHI_OK;
	}
}

static void on_uploaded(void *arg, int rc, const struct onshi_batch_map *m,
			const char *why)
{
	struct onshi_control_client *client = arg;
	struct onshi_strbuf reply = { 0 };
	size_t refused = 0;

	if (rc == ONSHI_EUNAVAIL) {
		onshi_strbuf_printf(&reply,
				    "-1 national service unavailable %s "
				    "(parts already accepted keep their receptions: submit the same file again)\n",
				    why);
	} else if (rc != ONSHI_OK) {
		onshi_strbuf_printf(&reply, "-1 %s\n", why);
	} else {
		for (size_t i = 0; i < m->n_parts; i++)
			refused += !m->parts[i].reception;
		onshi_strbuf_printf(&reply, "1 accepted\n");
		onshi_control_put_kv(&reply, "reception", m->number);
		onshi_control_put_kv_long(&reply, "count", (long)m->persons);
		onshi_control_put_kv_long(&reply, "parts", (long)m->n_parts);
		onshi_control_put_kv_long(&reply, "refused", (long)refused);
		onshi_strbuf_append(&reply, "\n", 1);
	}
	onshi_control_answer(client, &reply);
	onshi_strbuf_free(&reply);
}

void onshi_cbatch_submit_parts(struct onshi_core *core,
			       struct onshi_control_client *client,
			       const char *code, char *date, const char *key,
			       char *csv, const struct onshi_msg *req,
			       struct onshi_strbuf *reply)
{
	size_t max = (size_t)core->settings.national_batch_max_persons;
	struct onshi_batch_docs d = { 0 };
	char why[512];
	int rc;

	if (csv) {
		rc = split_csv(core, code, date, csv, max, &d, reply);
	} else {
		rc = onshi_batch_split_req(req, max, &d, why, sizeof(why));
		if (rc != ONSHI_OK)
			onshi_strbuf_printf(reply, "-1 the batch file: %s\n", why);
	}
	if (rc != ONSHI_OK) {
		onshi_batch_docs_free(&d);
		return;
	}
	onshi_control_hold(client);
	if (onshi_batch_upload(core->national, core->settings.spool_dir, code,
			       key, max, &d, on_uploaded, client, why,
			       sizeof(why)) != ONSHI_OK) {
		struct onshi_strbuf err = { 0 };

		onshi_strbuf_printf(&err, "-1 cannot keep the batch's parts: %s\n",
				    why);
		onshi_control_answer(client, &err);
		onshi_strbuf_free(&err);
	}
}

/* ---- FETCH ------------------------------------------------------------- */

struct fetch_call {
	struct onshi_control_client *client;
	struct onshi_core *core;
	char number[ONSHI_BATCH_NUMBER_LEN + 1];
};

/* Where the merged lines go, and the running unit number. */
struct merge {
	int out;
	struct onshi_strbuf lines;
	size_t units;
};

static int merge_unit(void *arg, struct onshi_bulk_unit *u)
{
	struct merge *mg = arg;

	onshi_cbatch_put_unit(&mg->lines, mg->units++, u);
	onshi_bulk_unit_clear(u);
	return onshi_cbatch_flush_lines(mg->out, &mg->lines, 0) < 0 ? ONSHI_EIO
								    : ONSHI_OK;
}

/* Every part is in: one result, its lines streamed to a file. */
static void answer_merged(struct fetch_call *fc, struct onshi_batch_fetched *f)
{
	struct onshi_strbuf reply = { 0 }, head = { 0 };
	struct merge mg = { -1, { 0 }, 0 };
	long normal = 0, errors = 0;
	char msg[512];
	int rc;

	mg.out = onshi_cbatch_tmpfile(fc->core, msg, sizeof(msg));
	rc = mg.out < 0 ? ONSHI_EIO
			: onshi_batch_merge(f, merge_unit, &mg, &normal,
					    &errors, msg, sizeof(msg));
	if (rc == ONSHI_OK && (onshi_cbatch_flush_lines(mg.out, &mg.lines, 1) < 0 ||
			       lseek(mg.out, 0, SEEK_SET) != 0)) {
		snprintf(msg, sizeof(msg), "cannot write the reply's lines: %s",
			 strerror(errno));
		rc = ONSHI_EIO;
	}
	onshi_strbuf_free(&mg.lines);
	if (rc != ONSHI_OK) {
		if (mg.out >= 0)
			close(mg.out);
		onshi_strbuf_printf(&reply, "-1 batch %s: %s\n", fc->number, msg);
		onshi_control_answer(fc->client, &reply);
		onshi_strbuf_free(&reply);
		return;
	}
	onshi_strbuf_printf(&head, "%zu ready\n", mg.units + 1);
	onshi_control_put_kv_long(&head, "segment", ONSHI_SEGMENT_NORMAL);
	onshi_control_put_kv_long(&head, "results", (long)mg.units);
	onshi_control_put_kv_long(&head, "normal", normal);
	onshi_control_put_kv_long(&head, "errors", errors);
	onshi_control_put_kv_long(&head, "parts",
				  (long)onshi_batch_fetched_map(f)->n_parts);
	onshi_strbuf_append(&head, "\n", 1);
	onshi_control_answer_file(fc->client, &head, mg.out);
	onshi_strbuf_free(&head);
}

static void on_fetched(void *arg, int rc, struct onshi_batch_fetched *f,
		       const char *why)
{
	struct fetch_call *fc = arg;
	struct onshi_strbuf reply = { 0 };

	if (rc == ONSHI_OK) {
		answer_merged(fc, f);
		onshi_batch_fetched_free(f);
		free(fc);
		return;
	}
	if (rc == ONSHI_EINCOMPLETE) {
		onshi_strbuf_printf(&reply, "1 processing\n");
		onshi_control_put_kv_long(&reply, "segment", ONSHI_SEGMENT_PROCESSING);
		onshi_control_put_kv(&reply, "parts", why);
		onshi_strbuf_append(&reply, "\n", 1);
	} else if (rc == ONSHI_EUNAVAIL) {
		onshi_strbuf_printf(&reply,
				    "-1 national service unavailable %s\n", why);
	} else {
		onshi_strbuf_printf(&reply, "-1 %s\n", why);
	}
	onshi_control_answer(fc->client, &reply);
	onshi_strbuf_free(&reply);
	free(fc);
}

void onshi_cbatch_fetch_parts(struct onshi_core *core,
			      struct onshi_control_client *client, const char *code,
			      const char *number, struct onshi_strbuf *reply)
{
	struct fetch_call *fc = calloc(1, sizeof(*fc));
	char why[512];
	int rc;

	if (!fc) {
		onshi_strbuf_printf(reply, "-1 out of memory\n");
		return;
	}
	fc->core = core;
	fc->client = client;
	snprintf(fc->number, sizeof(fc->number), "%s", number);
	rc = onshi_batch_fetch(core->national, core->settings.spool_dir,
			       onshi_cbatch_answer_bound(core), code, number,
			       on_fetched, fc, why, sizeof(why));
	if (rc != ONSHI_OK) {
		if (rc == ONSHI_ENOTFOUND)
			onshi_strbuf_printf(reply, "-1 %s\n", why);
		else
			onshi_strbuf_printf(reply, "-1 batch %s: %s\n", number, why);
		free(fc);
		return;
	}
	onshi_control_hold(client);
}
