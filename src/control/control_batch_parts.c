/* SPDX-License-Identifier: Apache-2.0 */
/*
 * control_batch_parts.c — BATCH SUBMIT and BATCH FETCH of a batch longer
 * than the national service takes in one upload ([national]
 * batch_max_persons).
 *
 * SUBMIT cuts the batch into parts of at most that many persons, keeps
 * each part's document in the spool, uploads the parts one after another
 * (each with a key made of the file's Idempotency-Key, the part size and
 * "-<part>", so submitting the same file again meets the same
 * receptions) and writes the map
 * (batch_parts.h) before it answers with onshi's own number. A part the
 * service refuses is recorded as refused and the others go on; only when
 * every part is refused is the submit refused as a whole. A transport
 * failure stops the submit: submitting again is safe.
 *
 * FETCH of onshi's number fetches the parts one after another, each into
 * its own file. While any part is still processing the answer is
 * "processing"; once all are in, one result is streamed: the units of
 * each part in order, numbered through, and for a part refused at upload
 * or at fetch (or ended abnormally) its persons as error units with the
 * refusal as message. The counts are the sums.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <onshi/message.h>

#include "batch_parts.h"
#include "control.h"
#include "control_batch.h"
#include "core.h"
#include "national.h"
#include "xmlmsg_stream.h"

#define PATH_UPLOAD "/bulk"
#define PATH_RESULT "/bulk/result"
/* A refusal's own error code when the service gave none. */
#define CODE_MALFORMED "OE0009"

/* ---- SUBMIT ------------------------------------------------------------ */

struct parts_submit {
	struct onshi_control_client *client;
	struct onshi_core *core;
	char code[11];
	char key[65];
	struct onshi_batch_map map;
	size_t n, next;
	char **docs; /* the parts' documents, handed to the link one by one */
	size_t *lens, *persons;
};

static void submit_free(struct parts_submit *ps)
{
	for (size_t i = 0; i < ps->n; i++)
		free(ps->docs[i]);
	free(ps->docs);
	free(ps->lens);
	free(ps->persons);
	onshi_batch_map_clear(&ps->map);
	free(ps);
}

static int submit_add_doc(struct parts_submit *ps, char *doc, size_t len, size_t persons)
{
	char **d = realloc(ps->docs, (ps->n + 1) * sizeof(*d));
	size_t *l, *p;

	if (d)
		ps->docs = d;
	l = d ? realloc(ps->lens, (ps->n + 1) * sizeof(*l)) : NULL;
	if (l)
		ps->lens = l;
	p = l ? realloc(ps->persons, (ps->n + 1) * sizeof(*p)) : NULL;
	if (!p) {
		free(doc);
		return ONSHI_ENOMEM;
	}
	ps->persons = p;
	ps->docs[ps->n] = doc;
	ps->lens[ps->n] = len;
	ps->persons[ps->n] = persons;
	ps->n++;
	return ONSHI_OK;
}

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

/* The CSV's parts, written search by search. */
static int split_csv(struct parts_submit *ps, char *csv, char *date, size_t max,
		     struct onshi_strbuf *reply)
{
	struct csv_source cs = { NULL, csv, 0, 0, 0, ps->core };
	struct csv_part cp = { &cs, 0, 0 };
	struct onshi_req_header h;
	char why[512];

	memset(&h, 0, sizeof(h));
	h.medical_institution_code = ps->code;
	h.qualification_confirmation_date = date;
	h.arbitrary_file_identifier = (char *)"onshictl-batch";
	for (;;) {
		struct onshi_strbuf xml = { 0 };
		size_t count = 0;
		int rc;

		cp.left = max;
		rc = onshi_bulk_upload_write(&h, csv_part_next, &cp, &xml,
					     &count, why, sizeof(why));
		if (rc != ONSHI_OK && count == 0 && cp.ended && ps->n > 0) {
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
		if (submit_add_doc(ps, xml.data, xml.len, count) != ONSHI_OK) {
			onshi_strbuf_printf(reply, "-1 out of memory\n");
			return ONSHI_ENOMEM;
		}
		if (cp.ended)
			return ONSHI_OK;
	}
}

/* The parsed upload's parts: the same header, a slice of its searches. */
static int split_req(struct parts_submit *ps, const struct onshi_msg *req,
		     size_t max, struct onshi_strbuf *reply)
{
	const struct onshi_bulk_request *br = &req->u.bulk_request;
	char msg[512];

	for (size_t off = 0; off < br->n_search; off += max) {
		struct onshi_msg part = *req; /* borrows req's strings */
		char *xml = NULL;
		size_t len = 0;

		part.u.bulk_request.search = br->search + off;
		part.u.bulk_request.n_search = br->n_search - off < max
						       ? br->n_search - off
						       : max;
		if (onshi_msg_write(&part, ONSHI_CHARSET_UTF8, &xml, &len, NULL,
				    msg, sizeof(msg)) != ONSHI_OK) {
			onshi_strbuf_printf(reply, "-1 the batch file: %s\n", msg);
			return ONSHI_EINVAL;
		}
		if (submit_add_doc(ps, xml, len, part.u.bulk_request.n_search) !=
		    ONSHI_OK) {
			onshi_strbuf_printf(reply, "-1 out of memory\n");
			return ONSHI_ENOMEM;
		}
	}
	return ONSHI_OK;
}

static void submit_next(struct parts_submit *ps);

/* The error document of a refusal: its code and message, or why. */
static void refusal_of(const char *body, size_t len, const char *why,
		       char *code, size_t codelen, char *msg, size_t msglen)
{
	struct onshi_msg err;

	snprintf(code, codelen, "%s", "OE0001");
	snprintf(msg, msglen, "%s", why && *why ? why : "refused");
	if (body && onshi_msg_parse(ONSHI_MSG_ERROR, body, len, NULL, &err,
				    NULL, 0) == ONSHI_OK) {
		if (err.u.error.hdr.error_code)
			snprintf(code, codelen, "%s", err.u.error.hdr.error_code);
		if (err.u.error.hdr.error_message)
			snprintf(msg, msglen, "refused by the national service: %s",
				 err.u.error.hdr.error_message);
	}
	onshi_msg_clear(&err);
}

static void submit_finish(struct parts_submit *ps)
{
	struct onshi_strbuf reply = { 0 };
	size_t refused = 0;
	char why[512];
	const struct onshi_batch_part *first = NULL;

	for (size_t i = 0; i < ps->map.n_parts; i++)
		if (!ps->map.parts[i].reception) {
			refused++;
			first = first ? first : &ps->map.parts[i];
		}
	if (refused == ps->map.n_parts) {
		onshi_strbuf_printf(&reply,
				    "-1 every part of the batch was refused; the first: %s\n",
				    first->refusal);
	} else if (onshi_batch_map_save(ps->core->settings.spool_dir, &ps->map,
					why, sizeof(why)) != ONSHI_OK) {
		onshi_strbuf_printf(&reply,
				    "-1 cannot keep the batch's parts: %s\n", why);
	} else {
		onshi_strbuf_printf(&reply, "1 accepted\n");
		onshi_control_put_kv(&reply, "reception", ps->map.number);
		onshi_control_put_kv_long(&reply, "count", (long)ps->map.persons);
		onshi_control_put_kv_long(&reply, "parts", (long)ps->map.n_parts);
		onshi_control_put_kv_long(&reply, "refused", (long)refused);
		onshi_strbuf_append(&reply, "\n", 1);
	}
	onshi_control_answer(ps->client, &reply);
	onshi_strbuf_free(&reply);
	submit_free(ps);
}

static void on_part_uploaded(void *arg, enum onshi_national_outcome outcome,
			     long status, const char *body, size_t len,
			     const char *why)
{
	struct parts_submit *ps = arg;
	size_t k = ps->next, persons = ps->persons[k];
	char code[ONSHI_BATCH_FIELD_MAX + 1], msg[512];
	struct onshi_msg res;
	int rc = ONSHI_OK;

	(void)status;
	if (outcome == ONSHI_NATIONAL_UNAVAILABLE) {
		struct onshi_strbuf reply = { 0 };

		onshi_strbuf_printf(&reply,
				    "-1 national service unavailable while uploading part %zu of %zu: %s "
				    "(parts already accepted keep their receptions: submit the same file again)\n",
				    k + 1, ps->n, why);
		onshi_control_answer(ps->client, &reply);
		onshi_strbuf_free(&reply);
		submit_free(ps);
		return;
	}
	memset(&res, 0, sizeof(res));
	if (outcome == ONSHI_NATIONAL_REFUSED) {
		refusal_of(body, len, why, code, sizeof(code), msg, sizeof(msg));
		rc = onshi_batch_map_add(&ps->map, persons, NULL, code, msg);
	} else if (onshi_msg_parse(ONSHI_MSG_BULK_RECEPTION, body, len, NULL,
				   &res, msg, sizeof(msg)) != ONSHI_OK ||
		   !res.u.bulk_reception.hdr.reception_number ||
		   strlen(res.u.bulk_reception.hdr.reception_number) >
			   ONSHI_BATCH_FIELD_MAX ||
		   strpbrk(res.u.bulk_reception.hdr.reception_number, " \t\r\n")) {
		char m2[600];

		snprintf(m2, sizeof(m2),
			 "the national service answered the upload with a malformed document: %s",
			 res.u.bulk_reception.hdr.reception_number
				 ? msg
				 : "no ReceptionNumber");
		rc = onshi_batch_map_add(&ps->map, persons, NULL, CODE_MALFORMED, m2);
	} else {
		rc = onshi_batch_map_add(&ps->map, persons,
					 res.u.bulk_reception.hdr.reception_number,
					 NULL, NULL);
	}
	onshi_msg_clear(&res);
	if (rc != ONSHI_OK) {
		struct onshi_strbuf reply = { 0 };

		onshi_strbuf_printf(&reply, "-1 out of memory\n");
		onshi_control_answer(ps->client, &reply);
		onshi_strbuf_free(&reply);
		submit_free(ps);
		return;
	}
	ps->next++;
	if (ps->next < ps->n)
		submit_next(ps);
	else
		submit_finish(ps);
}

static void submit_next(struct parts_submit *ps)
{
	size_t k = ps->next;
	char key[96];
	char *doc = ps->docs[k];

	snprintf(key, sizeof(key), "%s-%zu", ps->key, k + 1);
	ps->docs[k] = NULL; /* the link takes it over */
	if (!onshi_national_post_owned(ps->core->national, ps->code, PATH_UPLOAD, doc,
				       ps->lens[k], key, on_part_uploaded, ps)) {
		struct onshi_strbuf err = { 0 };

		onshi_strbuf_printf(&err, "-1 cannot start the national call\n");
		onshi_control_answer(ps->client, &err);
		onshi_strbuf_free(&err);
		submit_free(ps);
	}
}

void onshi_cbatch_submit_parts(struct onshi_core *core,
			       struct onshi_control_client *client,
			       const char *code, char *date, const char *key,
			       char *csv, const struct onshi_msg *req,
			       struct onshi_strbuf *reply)
{
	size_t max = (size_t)core->settings.national_batch_max_persons;
	struct parts_submit *ps = calloc(1, sizeof(*ps));
	char why[512];
	int rc;

	if (!ps) {
		onshi_strbuf_printf(reply, "-1 out of memory\n");
		return;
	}
	ps->core = core;
	snprintf(ps->code, sizeof(ps->code), "%s", code);
	/* The parts' keys and our number come from the file's key and the
	 * part size: the same file cut another way (batch_max_persons
	 * changed) must not meet the old parts' keys with other bodies. */
	snprintf(why, sizeof(why), "/%zu", max);
	onshi_cbatch_key_of(key, why, strlen(why), ps->key);
	onshi_batch_number(ps->key, ps->map.number);
	snprintf(ps->map.institution, sizeof(ps->map.institution), "%s", code);
	rc = csv ? split_csv(ps, csv, date, max, reply)
		 : split_req(ps, req, max, reply);
	/* Every part is kept before the first goes up: a refused part's
	 * persons are read back from it. */
	for (size_t i = 0; rc == ONSHI_OK && i < ps->n; i++) {
		rc = onshi_batch_part_save(core->settings.spool_dir,
					   ps->map.number, i + 1, ps->docs[i],
					   ps->lens[i], why, sizeof(why));
		if (rc != ONSHI_OK)
			onshi_strbuf_printf(reply,
					    "-1 cannot keep the batch's parts: %s\n",
					    why);
	}
	if (rc != ONSHI_OK) {
		submit_free(ps);
		return;
	}
	ps->client = onshi_control_hold(client);
	submit_next(ps);
}

/* ---- FETCH ------------------------------------------------------------- */

struct parts_fetch {
	struct onshi_control_client *client;
	struct onshi_core *core;
	char code[11];
	char date[9];
	struct onshi_batch_map map;
	size_t next;
	int *fd;      /* each part's answer (-1: none) */
	char **ecode; /* a part refused at fetch: its code and message */
	char **emsg;
};

static void fetch_free(struct parts_fetch *pf)
{
	for (size_t i = 0; i < pf->map.n_parts; i++) {
		if (pf->fd && pf->fd[i] >= 0)
			close(pf->fd[i]);
		if (pf->ecode)
			free(pf->ecode[i]);
		if (pf->emsg)
			free(pf->emsg[i]);
	}
	free(pf->fd);
	free(pf->ecode);
	free(pf->emsg);
	onshi_batch_map_clear(&pf->map);
	free(pf);
}

static void fetch_reply(struct parts_fetch *pf, struct onshi_strbuf *reply)
{
	onshi_control_answer(pf->client, reply);
	onshi_strbuf_free(reply);
	fetch_free(pf);
}

/* Where the merged lines go, with the running unit number and counts. */
struct merge {
	int out;
	struct onshi_strbuf lines;
	size_t units;
	long normal, errors;
};

static int merge_unit(void *arg, const struct onshi_bulk_unit *u)
{
	struct merge *mg = arg;

	onshi_cbatch_put_unit(&mg->lines, mg->units++, u);
	return onshi_cbatch_flush_lines(mg->out, &mg->lines, 0) < 0 ? ONSHI_EIO
								    : ONSHI_OK;
}

/* A part's result streamed into the merge; -1 with msg. */
static int merge_result(struct parts_fetch *pf, size_t k, struct merge *mg,
			char *msg, size_t msglen)
{
	struct onshi_bulk_stream *st = NULL;
	const struct onshi_res_header *h;
	struct onshi_bulk_unit u;
	size_t first = mg->units;
	int got = 1, rc;

	if (lseek(pf->fd[k], 0, SEEK_SET) != 0 ||
	    onshi_bulk_stream_open(pf->fd[k], ONSHI_MSG_BULK_RESULT,
				   onshi_cbatch_answer_bound(pf->core), 0, &st,
				   msg, msglen) != ONSHI_OK)
		return -1;
	h = onshi_bulk_stream_header(st);
	for (;;) {
		rc = onshi_bulk_stream_next(st, &u, &got, msg, msglen);
		if (rc != ONSHI_OK || !got)
			break;
		rc = merge_unit(mg, &u);
		onshi_bulk_unit_clear(&u);
		if (rc != ONSHI_OK) {
			snprintf(msg, msglen, "cannot write the reply's lines: %s",
				 strerror(errno));
			break;
		}
	}
	if (rc == ONSHI_OK && mg->units - first != pf->map.parts[k].persons) {
		snprintf(msg, msglen, "part %zu: %zu units for %zu persons",
			 k + 1, mg->units - first, pf->map.parts[k].persons);
		rc = ONSHI_EPROTO;
	}
	mg->normal += h->number_of_normal_processing;
	mg->errors += h->number_of_error;
	onshi_bulk_stream_close(st);
	return rc == ONSHI_OK ? 0 : -1;
}

/* Every part is in: one result, streamed part by part. */
static void fetch_merge(struct parts_fetch *pf)
{
	struct onshi_strbuf reply = { 0 }, head = { 0 };
	struct merge mg = { -1, { 0 }, 0, 0, 0 };
	const char *spool = pf->core->settings.spool_dir;
	char msg[512];
	int rc = 0;

	mg.out = onshi_cbatch_tmpfile(pf->core, msg, sizeof(msg));
	if (mg.out < 0)
		rc = -1;
	for (size_t k = 0; rc == 0 && k < pf->map.n_parts; k++) {
		const struct onshi_batch_part *p = &pf->map.parts[k];
		const char *code = p->reception ? pf->ecode[k] : p->code;
		const char *why = p->reception ? pf->emsg[k] : p->refusal;

		if (!code) {
			rc = merge_result(pf, k, &mg, msg, sizeof(msg));
			continue;
		}
		rc = onshi_batch_part_errors(spool, pf->map.number, k + 1,
					     p->persons, code, why, merge_unit,
					     &mg, msg, sizeof(msg)) == ONSHI_OK
			     ? 0
			     : -1;
		mg.errors += (long)p->persons;
	}
	if (rc == 0 && (onshi_cbatch_flush_lines(mg.out, &mg.lines, 1) < 0 ||
			lseek(mg.out, 0, SEEK_SET) != 0)) {
		snprintf(msg, sizeof(msg), "cannot write the reply's lines: %s",
			 strerror(errno));
		rc = -1;
	}
	onshi_strbuf_free(&mg.lines);
	if (rc != 0) {
		if (mg.out >= 0)
			close(mg.out);
		onshi_strbuf_printf(&reply, "-1 batch %s: %s\n", pf->map.number, msg);
		fetch_reply(pf, &reply);
		return;
	}
	onshi_strbuf_printf(&head, "%zu ready\n", mg.units + 1);
	onshi_control_put_kv_long(&head, "segment", ONSHI_SEGMENT_NORMAL);
	onshi_control_put_kv_long(&head, "results", (long)mg.units);
	onshi_control_put_kv_long(&head, "normal", mg.normal);
	onshi_control_put_kv_long(&head, "errors", mg.errors);
	onshi_control_put_kv_long(&head, "parts", (long)pf->map.n_parts);
	onshi_strbuf_append(&head, "\n", 1);
	onshi_control_answer_file(pf->client, &head, mg.out);
	onshi_strbuf_free(&head);
	fetch_free(pf);
}

static void fetch_next(struct parts_fetch *pf);

/* Part k is not to be had: its persons become error units. */
static int part_failed(struct parts_fetch *pf, size_t k, const char *code,
		       const char *why)
{
	pf->ecode[k] = strdup(code);
	pf->emsg[k] = strdup(why);
	return pf->ecode[k] && pf->emsg[k] ? ONSHI_OK : ONSHI_ENOMEM;
}

static void on_part_result(void *arg, enum onshi_national_outcome outcome,
			   long status, const char *body, size_t len, const char *why)
{
	struct parts_fetch *pf = arg;
	struct onshi_strbuf reply = { 0 };
	struct onshi_bulk_stream *st = NULL;
	size_t k = pf->next;
	char code[ONSHI_BATCH_FIELD_MAX + 1], msg[512], text[4096];
	int rc = ONSHI_OK;

	(void)status;
	(void)body;
	if (outcome == ONSHI_NATIONAL_UNAVAILABLE) {
		onshi_strbuf_printf(&reply,
				    "-1 national service unavailable while fetching part %zu of %zu: %s\n",
				    k + 1, pf->map.n_parts, why);
		fetch_reply(pf, &reply);
		return;
	}
	if (outcome == ONSHI_NATIONAL_REFUSED) {
		/* The refusal's document is small: read its start. */
		ssize_t n = pread(pf->fd[k], text, sizeof(text) - 1, 0);

		text[n > 0 ? n : 0] = '\0';
		refusal_of(text, n > 0 ? (size_t)n : 0, why, code, sizeof(code),
			   msg, sizeof(msg));
		rc = part_failed(pf, k, code, msg);
	} else if (onshi_bulk_stream_open(pf->fd[k], ONSHI_MSG_BULK_RESULT,
					  onshi_cbatch_answer_bound(pf->core), 0,
					  &st, msg, sizeof(msg)) != ONSHI_OK) {
		onshi_strbuf_printf(&reply,
				    "-1 the national service answered part %zu of %zu with a malformed document: %s\n",
				    k + 1, pf->map.n_parts, msg);
		fetch_reply(pf, &reply);
		return;
	} else {
		const struct onshi_res_header *h = onshi_bulk_stream_header(st);

		if (h->segment_of_result == ONSHI_SEGMENT_PROCESSING) {
			onshi_bulk_stream_close(st);
			onshi_strbuf_printf(&reply, "1 processing\n");
			onshi_control_put_kv_long(&reply, "segment", 2);
			onshi_control_put_kv_long(&reply, "parts",
						  (long)pf->map.n_parts);
			onshi_control_put_kv_long(&reply, "ready", (long)k);
			onshi_strbuf_append(&reply, "\n", 1);
			fetch_reply(pf, &reply);
			return;
		}
		if (h->segment_of_result == ONSHI_SEGMENT_ABNORMAL) {
			snprintf(msg, sizeof(msg),
				 "the national service ended this part abnormally: %s",
				 h->error_message ? h->error_message : "no message");
			rc = part_failed(pf, k,
					 h->error_code ? h->error_code : "OE0001",
					 msg);
		}
		onshi_bulk_stream_close(st);
	}
	(void)len;
	if (rc != ONSHI_OK) {
		onshi_strbuf_printf(&reply, "-1 out of memory\n");
		fetch_reply(pf, &reply);
		return;
	}
	pf->next++;
	fetch_next(pf);
}

/* Ask for the next part with a reception; merge when none is left. */
static void fetch_next(struct parts_fetch *pf)
{
	struct onshi_strbuf reply = { 0 };
	struct onshi_req_header *h;
	struct onshi_msg req;
	char *xml = NULL, msg[512];
	size_t len = 0, k;
	int rc;

	while (pf->next < pf->map.n_parts && !pf->map.parts[pf->next].reception)
		pf->next++;
	if (pf->next == pf->map.n_parts) {
		fetch_merge(pf);
		return;
	}
	k = pf->next;
	onshi_msg_init(&req, ONSHI_MSG_BULK_FETCH);
	h = &req.u.bulk_fetch.hdr;
	rc = onshi_msg_set(&h->reception_number, pf->map.parts[k].reception);
	if (rc == ONSHI_OK)
		rc = onshi_msg_set(&h->medical_institution_code, pf->code);
	if (rc == ONSHI_OK)
		rc = onshi_msg_set(&h->qualification_confirmation_date, pf->date);
	if (rc == ONSHI_OK)
		rc = onshi_msg_set(&h->arbitrary_file_identifier, "onshictl-batch");
	if (rc == ONSHI_OK)
		rc = onshi_msg_write(&req, ONSHI_CHARSET_UTF8, &xml, &len, NULL,
				     msg, sizeof(msg));
	onshi_msg_clear(&req);
	if (rc == ONSHI_OK &&
	    (pf->fd[k] = onshi_cbatch_tmpfile(pf->core, msg, sizeof(msg))) < 0)
		rc = ONSHI_EIO;
	if (rc != ONSHI_OK) {
		free(xml);
		onshi_strbuf_printf(&reply, "-1 %s\n", msg);
		fetch_reply(pf, &reply);
		return;
	}
	if (!onshi_national_post_to_file(pf->core->national, pf->code,
					 PATH_RESULT, xml, len, NULL, pf->fd[k],
					 onshi_cbatch_answer_bound(pf->core),
					 on_part_result, pf)) {
		onshi_strbuf_printf(&reply, "-1 cannot start the national call\n");
		fetch_reply(pf, &reply);
	}
	free(xml);
}

void onshi_cbatch_fetch_parts(struct onshi_core *core,
			      struct onshi_control_client *client, const char *code,
			      const char *number, struct onshi_strbuf *reply)
{
	struct parts_fetch *pf = calloc(1, sizeof(*pf));
	char why[512];
	int rc;

	if (!pf) {
		onshi_strbuf_printf(reply, "-1 out of memory\n");
		return;
	}
	rc = onshi_batch_map_load(core->settings.spool_dir, number, &pf->map,
				  why, sizeof(why));
	if (rc == ONSHI_ENOTFOUND ||
	    (rc == ONSHI_OK && strcmp(pf->map.institution, code) != 0)) {
		onshi_strbuf_printf(reply,
				    "-1 no batch %s of institution %s in this terminal's spool\n",
				    number, code);
		fetch_free(pf);
		return;
	}
	if (rc != ONSHI_OK) {
		onshi_strbuf_printf(reply, "-1 batch %s: %s\n", number, why);
		fetch_free(pf);
		return;
	}
	pf->fd = malloc(pf->map.n_parts * sizeof(*pf->fd));
	pf->ecode = calloc(pf->map.n_parts, sizeof(*pf->ecode));
	pf->emsg = calloc(pf->map.n_parts, sizeof(*pf->emsg));
	if (!pf->fd || !pf->ecode || !pf->emsg) {
		onshi_strbuf_printf(reply, "-1 out of memory\n");
		fetch_free(pf);
		return;
	}
	for (size_t i = 0; i < pf->map.n_parts; i++)
		pf->fd[i] = -1;
	pf->core = core;
	snprintf(pf->code, sizeof(pf->code), "%s", code);
	{
		time_t now = time(NULL);
		struct tm tm;

		localtime_r(&now, &tm);
		strftime(pf->date, sizeof(pf->date), "%Y%m%d", &tm);
	}
	pf->client = onshi_control_hold(client);
	fetch_next(pf);
}
