/* SPDX-License-Identifier: Apache-2.0 */
/*
 * control_batch.c — BATCH SUBMIT / BATCH FETCH: the day-before batch check
 * from the command line (`onshictl batch submit FILE`, `batch fetch R..`).
 *
 * SUBMIT takes the file as the request's body (bytes=N: onshictl reads it
 * with its caller's rights; onshid opens no path a caller names): an
 * OQSmuquc01req document, or CSV lines `insurer,symbol,number,branch,birth`.
 * It uploads it with an
 * Idempotency-Key derived from the institution and the file's bytes, so
 * submitting the same file again returns the same ReceptionNumber instead of
 * creating a second reception. FETCH asks for the result once; onshictl
 * repeats it while the answer is "processing" (SegmentOfResult 2).
 *
 * kind=online|home-visit|medical-aid makes it a batch by period
 * (OQSmuonq, OQSmuhvq, OQSmutic): the period then comes as words after
 * "-" (from=, to=, by=consent, month=, flag=), or the body is that kind's
 * upload document; the key is derived from the document sent.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <onshi/message.h>

#include "control.h"
#include "batch_parts.h"
#include "control_batch.h"
#include "inquiry.h"
#include "core.h"
#include "national.h"
#include "xmlmsg_internal.h"
#include "xmlmsg_stream.h"

/* A refusal's explanation is read back from the answer's file up to this. */
#define REFUSAL_MAX_BYTES 65536

struct batch_call {
	struct onshi_control_client *client;
	struct onshi_core *core;
	int fetch; /* 0: SUBMIT, 1: FETCH */
	size_t count;
	const struct batch_kind *bk;
	int fd; /* FETCH: the answer as it arrives, in the spool's folder */
	char reception[65]; /* FETCH: the number asked for, for messages */
};

/* The batch kinds by their control-protocol name, with their calls in
 * our national API profile (docs/national-api.md). */
static const struct batch_kind {
	const char *name;
	enum onshi_msg_kind upload;
	const char *path, *result_path, *flag;
} batch_kinds[] = {
	{ "qualification", ONSHI_MSG_BULK_REQUEST, "/bulk", "/bulk/result", NULL },
	{ "online", ONSHI_MSG_ONLINE_BULK_REQUEST, "/bulk/online",
	  "/bulk/online/result", "3" },
	{ "home-visit", ONSHI_MSG_HOMEVISIT_BULK_REQUEST, "/bulk/homevisit",
	  "/bulk/homevisit/result", "2" },
	{ "medical-aid", ONSHI_MSG_MEDAID_BULK_REQUEST, "/bulk/medicalaid",
	  "/bulk/medicalaid/result", NULL },
};

/* The value of "key=VALUE" among argv[from..argc), or NULL. */
static const char *word(int argc, char **argv, int from, const char *key)
{
	size_t n = strlen(key);

	for (int i = from; i < argc; i++)
		if (strncmp(argv[i], key, n) == 0 && argv[i][n] == '=')
			return argv[i] + n + 1;
	return NULL;
}

/* The period of a batch by period from the command's words. */
static int period_from_words(const struct batch_kind *bk, int argc, char **argv,
			     struct onshi_period_bulk_request *r)
{
	const char *from = word(argc, argv, 3, "from"),
		   *to = word(argc, argv, 3, "to");
	const char *by = word(argc, argv, 3, "by"),
		   *flag = word(argc, argv, 3, "flag");
	int consent = by && strcmp(by, "consent") == 0;
	struct onshi_period_search *p = &r->search;

	r->has_search = true;
	if (onshi_msg_set(&p->medical_treatment_flag, flag ? flag : bk->flag) ||
	    onshi_msg_set(&p->medical_treatment_month, word(argc, argv, 3, "month")) ||
	    onshi_msg_set(consent ? &p->consent_date_from : &p->examination_date_from,
			  from) ||
	    onshi_msg_set(consent ? &p->consent_date_to : &p->examination_date_to, to))
		return ONSHI_ENOMEM;
	return ONSHI_OK;
}

static void today(char out[9])
{
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(out, 9, "%Y%m%d", &tm);
}

/*
 * A ready result, streamed from the answer's file unit by unit into the
 * reply's lines (a file of their own): memory holds one unit and one
 * slice of lines, whatever the batch's size. The reply goes out only
 * once every unit has been read, so a document cut off or broken midway
 * is refused whole, never half shown. 0 with the reply sent; -1 with
 * reply holding the refusal.
 */
static int stream_result(struct batch_call *bc, struct onshi_bulk_stream *st,
			 struct onshi_strbuf *reply)
{
	const struct onshi_res_header *h = onshi_bulk_stream_header(st);
	struct onshi_strbuf lines = { 0 }, head = { 0 };
	struct onshi_bulk_unit u;
	char msg[512], why[256];
	int got = 1, rc = ONSHI_OK;
	size_t n;
	int out = onshi_cbatch_tmpfile(bc->core, why, sizeof(why));

	if (out < 0) {
		onshi_strbuf_printf(reply, "-1 %s\n", why);
		return -1;
	}
	while (rc == ONSHI_OK) {
		rc = onshi_bulk_stream_next(st, &u, &got, msg, sizeof(msg));
		if (rc != ONSHI_OK || !got)
			break;
		onshi_cbatch_put_unit(&lines, onshi_bulk_stream_count(st) - 1, &u);
		onshi_bulk_unit_clear(&u);
		if (onshi_cbatch_flush_lines(out, &lines, 0) < 0) {
			snprintf(msg, sizeof(msg),
				 "cannot write the reply's lines: %s",
				 strerror(errno ? errno : ENOMEM));
			rc = ONSHI_EIO;
		}
	}
	n = onshi_bulk_stream_count(st);
	if (rc == ONSHI_OK && h->number_of_processing_result > 0 &&
	    (size_t)h->number_of_processing_result != n) {
		snprintf(msg, sizeof(msg),
			 "NumberOfProcessingResult says %ld units, the document holds %zu",
			 h->number_of_processing_result, n);
		rc = ONSHI_EPROTO;
	}
	if (rc == ONSHI_OK && (onshi_cbatch_flush_lines(out, &lines, 1) < 0 ||
			       lseek(out, 0, SEEK_SET) != 0)) {
		snprintf(msg, sizeof(msg), "cannot write the reply's lines: %s",
			 strerror(errno));
		rc = ONSHI_EIO;
	}
	onshi_strbuf_free(&lines);
	if (rc != ONSHI_OK) {
		close(out);
		onshi_strbuf_printf(reply,
				    rc == ONSHI_EIO
					    ? "-1 %s\n"
					    : "-1 the national service answered with a malformed document: %s\n",
				    msg);
		return -1;
	}
	onshi_strbuf_printf(&head, "%zu ready\n", n + 1);
	onshi_control_put_kv_long(&head, "segment", (long)h->segment_of_result);
	onshi_control_put_kv_long(&head, "results", h->number_of_processing_result);
	onshi_control_put_kv_long(&head, "normal", h->number_of_normal_processing);
	onshi_control_put_kv_long(&head, "errors", h->number_of_error);
	onshi_strbuf_append(&head, "\n", 1);
	onshi_control_answer_file(bc->client, &head, out);
	onshi_strbuf_free(&head);
	return 0;
}

/* FETCH: the answer is in bc->fd (national_file.c), read back as a stream. */
static void on_fetch_answer(struct batch_call *bc, enum onshi_national_outcome outcome,
			    long status, size_t len, const char *why)
{
	struct onshi_strbuf reply = { 0 };
	struct onshi_bulk_stream *st = NULL;
	char msg[512], *text = NULL;
	ssize_t n = 0;
	int answered = 0;

	if (outcome != ONSHI_NATIONAL_ANSWER) {
		/* A refusal's explanation is a small document: read it whole. */
		size_t want = len < REFUSAL_MAX_BYTES ? len : REFUSAL_MAX_BYTES;

		text = malloc(want + 1);
		if (text)
			n = pread(bc->fd, text, want, 0);
		if (n < 0)
			n = 0;
		if (text)
			text[n] = '\0';
		onshi_control_national_failure(&reply, outcome, status,
					       text ? text : "", (size_t)n, why);
	} else if (onshi_bulk_stream_open(bc->fd,
					  xmsg_batch_family(bc->bk->upload)->result,
					  onshi_cbatch_answer_bound(bc->core), 0,
					  &st, msg, sizeof(msg)) != ONSHI_OK) {
		onshi_strbuf_printf(&reply,
				    "-1 the national service answered with a malformed document: %s\n",
				    msg);
	} else if (onshi_bulk_stream_header(st)->segment_of_result ==
		   ONSHI_SEGMENT_PROCESSING) {
		onshi_strbuf_printf(&reply, "1 processing\n");
		onshi_control_put_kv_long(&reply, "segment", 2);
		onshi_strbuf_append(&reply, "\n", 1);
	} else if (onshi_bulk_stream_header(st)->segment_of_result ==
		   ONSHI_SEGMENT_ABNORMAL) {
		/* The service ended the batch abnormally: its reason, not
		 * an empty "ready" result. */
		const struct onshi_res_header *h = onshi_bulk_stream_header(st);

		onshi_strbuf_printf(&reply,
				    "-1 the national service ended batch %s abnormally (%s): %s\n",
				    bc->reception,
				    h->error_code ? h->error_code : "-",
				    h->error_message ? h->error_message
						     : "no message");
	} else {
		answered = stream_result(bc, st, &reply) == 0;
	}
	onshi_bulk_stream_close(st);
	free(text);
	close(bc->fd);
	if (!answered)
		onshi_control_answer(bc->client, &reply);
	onshi_strbuf_free(&reply);
	free(bc);
}

static void on_batch_answer(void *arg, enum onshi_national_outcome outcome,
			    long status, const char *body, size_t len,
			    const char *why)
{
	struct batch_call *bc = arg;
	struct onshi_strbuf reply = { 0 };
	struct onshi_msg res;
	char msg[512];

	if (bc->fetch) {
		on_fetch_answer(bc, outcome, status, len, why);
		return;
	}
	memset(&res, 0, sizeof(res));
	if (onshi_control_national_failure(&reply, outcome, status, body, len, why)) {
		/* the reply says why */
	} else if (onshi_msg_parse(xmsg_batch_family(bc->bk->upload)->reception, body,
				   len, NULL, &res, msg, sizeof(msg)) != ONSHI_OK) {
		onshi_strbuf_printf(&reply,
				    "-1 the national service answered with a malformed document: %s\n",
				    msg);
	} else {
		const char *rn = res.u.bulk_reception.hdr.reception_number;

		onshi_strbuf_printf(&reply, "1 accepted\n");
		onshi_control_put_kv(&reply, "reception", rn ? rn : "");
		onshi_control_put_kv_long(&reply, "count", (long)bc->count);
		onshi_strbuf_append(&reply, "\n", 1);
	}
	onshi_msg_clear(&res);
	onshi_control_answer(bc->client, &reply);
	onshi_strbuf_free(&reply);
	free(bc);
}

static void send_batch(struct onshi_core *core, struct onshi_control_client *client,
		       struct onshi_msg *req, const char *code, int fetch,
		       size_t count, const char *idem,
		       const struct batch_kind *bk, struct onshi_strbuf *reply)
{
	struct batch_call *bc;
	char *xml = NULL, msg[512], key[65];
	size_t len;

	if (onshi_msg_write(req, ONSHI_CHARSET_UTF8, &xml, &len, NULL, msg,
			    sizeof(msg)) != ONSHI_OK) {
		onshi_strbuf_printf(reply, "-1 %s\n", msg);
		return;
	}
	/* A period given as words: the key is the document's (no file). */
	if (!fetch && !idem) {
		onshi_cbatch_key_of(code, xml, len, key);
		idem = key;
	}
	bc = calloc(1, sizeof(*bc));
	if (!bc) {
		free(xml);
		onshi_strbuf_printf(reply, "-1 out of memory\n");
		return;
	}
	bc->fetch = fetch;
	bc->count = count;
	bc->bk = bk;
	bc->core = core;
	bc->fd = -1;
	if (fetch && req->u.bulk_fetch.hdr.reception_number)
		snprintf(bc->reception, sizeof(bc->reception), "%s",
			 req->u.bulk_fetch.hdr.reception_number);
	/* A result may be 100,000 persons: it goes to a file, not memory. */
	if (fetch && (bc->fd = onshi_cbatch_tmpfile(core, msg, sizeof(msg))) < 0) {
		onshi_strbuf_printf(reply, "-1 %s\n", msg);
		free(bc);
		free(xml);
		return;
	}
	bc->client = onshi_control_hold(client);
	if (!(fetch ? onshi_national_post_to_file(core->national, code, bk->result_path,
						  xml, len, NULL, bc->fd,
						  onshi_cbatch_answer_bound(core),
						  on_batch_answer, bc)
		    : onshi_national_post(core->national, code, bk->path, xml,
					  len, idem, on_batch_answer, bc))) {
		struct onshi_strbuf err = { 0 };

		onshi_strbuf_printf(&err, "-1 cannot start the national call\n");
		onshi_control_answer(client, &err);
		onshi_strbuf_free(&err);
		if (bc->fd >= 0)
			close(bc->fd);
		free(bc);
	}
	free(xml);
}

/*
 * BATCH SUBMIT of CSV: the upload document is written line by line
 * (onshi_bulk_upload_write) and handed to the national link without a
 * copy, so memory holds the CSV and the document once each, never a
 * model of 100,000 searches.
 */
static void send_csv_batch(struct onshi_core *core,
			   struct onshi_control_client *client, char *text,
			   const char *code, char *date, const char *key,
			   struct onshi_strbuf *reply)
{
	struct csv_source cs = { NULL, text, 0, 0, 0, core };
	struct onshi_req_header h;
	struct onshi_strbuf xml = { 0 };
	struct batch_call *bc;
	char why[512];
	size_t count = 0;
	int rc;

	/* The header is ours: the institution asked for, today's date. */
	memset(&h, 0, sizeof(h));
	h.medical_institution_code = (char *)code;
	h.qualification_confirmation_date = date;
	h.arbitrary_file_identifier = (char *)"onshictl-batch";
	rc = onshi_bulk_upload_write(&h, onshi_cbatch_csv_next, &cs, &xml,
				     &count, why, sizeof(why));
	if (rc != ONSHI_OK) {
		onshi_strbuf_free(&xml);
		if (rc == ONSHI_ENOMEM)
			onshi_strbuf_printf(reply, "-1 out of memory\n");
		else if (cs.last_gave)
			/* The writer's check of the line just read. */
			onshi_strbuf_printf(reply, "-1 the batch file: line %u: %s\n",
					    cs.lineno, why);
		else
			onshi_strbuf_printf(reply, "-1 the batch file: %s\n", why);
		return;
	}
	bc = calloc(1, sizeof(*bc));
	if (!bc) {
		onshi_strbuf_free(&xml);
		onshi_strbuf_printf(reply, "-1 out of memory\n");
		return;
	}
	bc->count = count;
	bc->bk = &batch_kinds[0];
	bc->core = core;
	bc->fd = -1;
	bc->client = onshi_control_hold(client);
	/* The link takes the document over (freed by it, also on failure). */
	if (!onshi_national_post_owned(core->national, code, bc->bk->path, xml.data,
				       xml.len, key, on_batch_answer, bc)) {
		struct onshi_strbuf err = { 0 };

		onshi_strbuf_printf(&err, "-1 cannot start the national call\n");
		onshi_control_answer(client, &err);
		onshi_strbuf_free(&err);
		free(bc);
	}
}

/* Whether n persons are more than the national service takes in one
 * upload ([national] batch_max_persons): then they go up in parts. */
static int over_upload_limit(const struct onshi_core *core, size_t n)
{
	long max = core->settings.national_batch_max_persons;

	return max > 0 && n > (size_t)max;
}

static void cmd_batch(struct onshi_core *core, struct onshi_control_client *client,
		      int argc, char **argv, struct onshi_strbuf *reply)
{
	int fetch = strcasecmp(argv[1], "FETCH") == 0;
	const char *code, *inst = word(argc, argv, 3, "institution");
	const char *kind = word(argc, argv, 3, "kind");
	const struct batch_kind *bk = &batch_kinds[0];
	const struct xmsg_batch_family *bf;
	struct onshi_req_header *h;
	struct onshi_msg req;
	char why[512], date[9], key[65];
	char *text = NULL;
	size_t len = 0, count = 0;
	int rc;

	if (!fetch && strcasecmp(argv[1], "SUBMIT") != 0) {
		onshi_strbuf_printf(reply,
				    "-1 usage: BATCH SUBMIT bytes=N (then N bytes) | BATCH SUBMIT - kind=.. | BATCH FETCH RECEPTION [institution=NAME]\n");
		return;
	}
	if (!core->national) {
		onshi_strbuf_printf(reply, "-1 %s\n",
				    onshi_national_state(core->national));
		return;
	}
	for (size_t i = 0;
	     kind && i < sizeof(batch_kinds) / sizeof(batch_kinds[0]); i++)
		if (strcmp(kind, batch_kinds[i].name) == 0)
			bk = &batch_kinds[i];
	if (kind && strcmp(kind, bk->name) != 0) {
		char q[ONSHI_CONTROL_QUOTE_MAX];

		onshi_strbuf_printf(reply,
				    "-1 no batch kind '%s': qualification, online, "
				    "home-visit or medical-aid\n",
				    onshi_control_quote(kind, q));
		return;
	}
	bf = xmsg_batch_family(bk->upload);
	code = onshi_control_institution_code(core, inst, why, sizeof(why));
	if (!code) {
		onshi_strbuf_printf(reply, "-1 %s\n", why);
		return;
	}
	today(date);
	if (fetch && bk->upload == ONSHI_MSG_BULK_REQUEST &&
	    onshi_batch_number_is_ours(argv[2])) {
		/* One of our own numbers: a batch uploaded in parts. */
		onshi_cbatch_fetch_parts(core, client, code, argv[2], reply);
		return;
	}
	if (fetch) {
		onshi_msg_init(&req, bf->fetch);
		h = &req.u.bulk_fetch.hdr;
		rc = onshi_msg_set(&h->reception_number, argv[2]);
	} else if (bk->upload != ONSHI_MSG_BULK_REQUEST) {
		/* A batch by period: its document, or its period as words. */
		key[0] = '\0';
		if (strcmp(argv[2], "-") != 0) {
			text = onshi_control_upload(client, argc, argv, &len, reply);
			if (!text)
				return;
			onshi_cbatch_key_of(code, text, len, key);
			rc = onshi_msg_parse(bk->upload, text, len, NULL, &req,
					     why, sizeof(why));
		} else {
			onshi_msg_init(&req, bk->upload);
			rc = period_from_words(bk, argc, argv,
					       &req.u.period_bulk_request);
			if (rc == ONSHI_OK &&
			    onshi_msg_set(&req.u.period_bulk_request.hdr.qualification_confirmation_date,
					  date) != ONSHI_OK)
				rc = ONSHI_ENOMEM;
			if (rc == ONSHI_OK)
				rc = xmsg_check_document(&req, why, sizeof(why));
		}
		if (rc != ONSHI_OK) {
			onshi_strbuf_printf(reply, "-1 %s: %s\n",
					    strcmp(argv[2], "-")
						    ? "the batch file"
						    : onshi_msg_kind_name(bk->upload),
					    why);
			onshi_msg_clear(&req);
			return;
		}
		h = &req.u.period_bulk_request.hdr;
	} else {
		text = onshi_control_upload(client, argc, argv, &len, reply);
		if (!text)
			return;
		onshi_cbatch_key_of(code, text, len, key);
		if (!memchr(text, '<', len)) {
			if (over_upload_limit(core, onshi_cbatch_csv_count(text)))
				onshi_cbatch_submit_parts(core, client, code, date,
							  key, text, NULL, reply);
			else
				send_csv_batch(core, client, text, code, date,
					       key, reply);
			return;
		}
		rc = onshi_msg_parse(ONSHI_MSG_BULK_REQUEST, text, len, NULL,
				     &req, why, sizeof(why));
		if (rc != ONSHI_OK) {
			onshi_strbuf_printf(reply, "-1 the batch file: %s\n", why);
			onshi_msg_clear(&req);
			return;
		}
		h = &req.u.bulk_request.hdr;
		count = req.u.bulk_request.n_search;
		if (onshi_batch_size_refusal(core, count, why, sizeof(why))) {
			onshi_strbuf_printf(reply, "-1 the batch file: %s\n", why);
			onshi_msg_clear(&req);
			return;
		}
	}
	/* The header is ours: the institution asked for, today's date. */
	if (rc != ONSHI_OK || onshi_msg_set(&h->medical_institution_code, code) ||
	    (!h->qualification_confirmation_date &&
	     onshi_msg_set(&h->qualification_confirmation_date, date)) ||
	    (!h->arbitrary_file_identifier &&
	     onshi_msg_set(&h->arbitrary_file_identifier, "onshictl-batch"))) {
		onshi_strbuf_printf(reply, "-1 out of memory\n");
		onshi_msg_clear(&req);
		return;
	}
	if (!fetch && bk->upload == ONSHI_MSG_BULK_REQUEST &&
	    over_upload_limit(core, count)) {
		onshi_cbatch_submit_parts(core, client, code, date, key, NULL,
					  &req, reply);
		onshi_msg_clear(&req);
		return;
	}
	send_batch(core, client, &req, code, fetch, count,
		   fetch || !key[0] ? NULL : key, bk, reply);
	onshi_msg_clear(&req);
}

/* Added by core.c to the control socket's commands (control_dispatch.h). */
const struct onshi_control_command onshi_control_batch_cmds[] = {
	{ "BATCH", 2, 9,
	  "BATCH SUBMIT bytes=N (N bytes follow) | BATCH SUBMIT - kind=.. | BATCH FETCH RECEPTION [institution=NAME] "
	  "[kind=online|home-visit|medical-aid] [from=YYYYMMDD to=YYYYMMDD [by=consent]] "
	  "[month=YYYYMM] [flag=N]",
	  cmd_batch },
	{ NULL, 0, 0, NULL, NULL },
};
