/* SPDX-License-Identifier: Apache-2.0 */
/*
 * wisestaff8 — the legacy WiseStaff-8 CSV protocol (docs/rececon/wisestaff8.md; a modeled
 * protocol, the vendor's is not public: docs/rececon/wisestaff8.md).
 *
 * The receipt computer writes DIR/SEND/Q<id>.CSV holding one line
 * `Q1,<insurer>,<symbol>,<number>,<branch>,<birth>,<receipt no>` in CP932
 * with CRLF. Each complete file is read (shared folder machinery), decoded
 * and validated here, turned into an XmlMsg inquiry request carrying the
 * receipt number in ArbitraryFileIdentifier, encoded with host->msg_write
 * and submitted under the file's name. The answer comes back parsed in
 * deliver() and is written as DIR/RECV/R<id>.CSV: one 17-field R1 line in
 * CP932 with CRLF. A request that cannot be read or validated gets an R1
 * line with status 2 and an error code and message right away — never
 * silence. Card pushes become DIR/RECV/C<id>.CSV with the same fields.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <onshi/host.h>
#include <onshi/message.h>
#include <onshi/plugin.h>

#include "../folder/folder_watch.h"
#include "ws8_csv.h"

/* Longest <id> in Q<id>.CSV. */
#define WS8_ID_MAX 64

struct ws8 {
	const struct onshi_host *host;
	struct onshi_instance *inst;
	char *base, *send, *recv, *failed;
	size_t max_request;
	struct folder_watch *fw;
	unsigned long accepted, results, errors, pushes;
};

static const struct onshi_conf_key ws8_keys[] = {
	{ .name = "dir",
	  .type = ONSHI_CONF_PATH,
	  .required = 1,
	  .help = "folder holding SEND/, RECV/ and failed/ (created if "
		  "missing)" },
	{ .name = "max_request_bytes",
	  .type = ONSHI_CONF_INT,
	  .default_value = "4096",
	  .min = 256,
	  .max = 1048576,
	  .help = "largest Q<id>.CSV accepted (one line is under 200 bytes)" },
	FOLDER_RESCAN_KEY,
	{ .name = NULL },
};

/*
 * The <id> of "Q<id>.CSV" / "R<id>.CSV" (letter and suffix case-blind)
 * into id[WS8_ID_MAX + 1]. 1: that shape with a safe id; 0: another
 * name; -1: that shape but an unsafe id (why says which).
 */
static int csv_name_id(const char *name, char letter, char *id, char *why, size_t whylen)
{
	size_t n = strlen(name), l;

	if (n < 6 || (name[0] != letter && name[0] != letter + 32) ||
	    strcasecmp(name + n - 4, ".csv") != 0)
		return 0;
	l = n - 5;
	if (l > WS8_ID_MAX) {
		snprintf(why, whylen,
			 "the id in the file name is longer than %d "
			 "characters",
			 WS8_ID_MAX);
		return -1;
	}
	if (strspn(name + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			     "0123456789_-") < l) {
		snprintf(why, whylen,
			 "the id in the file name may hold only "
			 "A-Z a-z 0-9 _ -");
		return -1;
	}
	memcpy(id, name + 1, l);
	id[l] = '\0';
	return 1;
}

/* ---- writing R/C lines ---- */

/* Encode text as CP932 and write it atomically as RECV/name. */
static int write_line_file(struct ws8 *w, const char *name, const char *text,
			   size_t len)
{
	char msg[512], *out = NULL;
	size_t outlen = 0, subst = 0;
	int rc;

	if (ws8_encode_cp932(text, len, &out, &outlen, &subst) < 0) {
		w->host->log(w->inst, ONSHI_LOG_ERR,
			     "cannot encode %s as CP932 "
			     "(out of memory)",
			     name);
		return ONSHI_ENOMEM;
	}
	rc = w->host->write_file_atomic(w->inst, w->recv, name, out, outlen,
					FOLDER_FILE_MODE, msg, sizeof(msg));
	free(out);
	if (rc != ONSHI_OK) {
		w->host->log(w->inst, ONSHI_LOG_ERR, "%s; written later", msg);
		w->host->set_event(w->inst, "cannot write %s", name);
		return rc == ONSHI_EINVAL ? rc : ONSHI_EIO;
	}
	if (subst > 0)
		w->host->log(w->inst, ONSHI_LOG_NOTICE,
			     "%s: %zu characters that "
			     "CP932 cannot hold were written as U+3013",
			     name, subst);
	w->host->log(w->inst, ONSHI_LOG_INFO, "wrote %s/%s", w->recv, name);
	w->host->set_event(w->inst, "wrote %s", name);
	return ONSHI_OK;
}

static int write_fields(struct ws8 *w, const char *name,
			const char *const f[WS8_RESULT_FIELDS])
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int rc;

	if (ws8_csv_append(&buf, &len, &cap, f, WS8_RESULT_FIELDS) < 0) {
		free(buf);
		return ONSHI_ENOMEM;
	}
	rc = write_line_file(w, name, buf, len);
	free(buf);
	return rc;
}

/* An R1 line with status 2 for a request the core never saw. */
static int write_error_line(struct ws8 *w, const char *id, const char *receipt,
			    const char *code, const char *why)
{
	const char *f[WS8_RESULT_FIELDS] = { 0 };
	char name[WS8_ID_MAX + 8];

	snprintf(name, sizeof(name), "R%s.CSV", id);
	f[0] = "R1";
	f[1] = receipt;
	f[14] = "2";
	f[15] = code;
	f[16] = why;
	w->errors++;
	return write_fields(w, name, f);
}

/* "  123456" → "123456": the receipt computer keys 6-digit numbers. */
static const char *insurer_text(const char *s)
{
	if (s == NULL)
		return NULL;
	while (*s == ' ')
		s++;
	return s;
}

static const char *nz(const char *a, const char *b)
{
	return a != NULL && a[0] != '\0' ? a : b;
}

/* Fill the 19 fields from an answer; *kana is malloc'd (free it). */
static void answer_fields(const struct onshi_msg *m,
			  const char *f[WS8_RESULT_FIELDS], char *validity,
			  char *status, char **kana)
{
	const struct onshi_search_info *s = NULL;
	const struct onshi_qualification *q = NULL;
	const struct onshi_res_header *h;

	*kana = NULL;
	f[0] = "R1";
	if (m->kind == ONSHI_MSG_ERROR) {
		h = &m->u.error.hdr;
		if (m->u.error.has_search)
			s = &m->u.error.search;
		f[14] = "2";
		f[15] = nz(h->error_code, WS8_E_INVALID);
		f[16] = h->error_message;
	} else if (m->kind == ONSHI_MSG_INQUIRY_RESULT) {
		const struct onshi_inquiry_result *r = &m->u.inquiry_result;

		h = &r->hdr;
		if (r->has_search)
			s = &r->search;
		/* Several persons match: naming one of them would mislead. */
		if (r->n_results > 0 &&
		    r->qualification_validity != ONSHI_VALIDITY_AMBIGUOUS)
			q = &r->results[0];
		if (r->qualification_validity != ONSHI_VALIDITY_NONE) {
			snprintf(validity, 4, "%d", (int)r->qualification_validity);
			f[2] = validity;
		}
		if (h->segment_of_result == ONSHI_SEGMENT_ABNORMAL ||
		    r->processing_result_status == ONSHI_STATUS_ERROR) {
			f[14] = "2";
			f[15] = nz(r->processing_result_code, h->error_code);
			f[16] = nz(r->processing_result_message, h->error_message);
		} else {
			snprintf(status, 4, "%d",
				 r->processing_result_status == ONSHI_STATUS_NONE
					 ? 1
					 : (int)r->processing_result_status);
			f[14] = status;
			f[15] = r->processing_result_code;
			f[16] = r->processing_result_message;
		}
	} else {
		f[14] = "2";
		f[15] = WS8_E_INVALID;
		f[16] = "unexpected answer kind for a WiseStaff-8 request";
		return;
	}
	f[1] = h->arbitrary_file_identifier;
	if (q != NULL) {
		f[3] = insurer_text(q->insurer_number);
		f[4] = q->insured_card_symbol;
		f[5] = q->insured_identification_number;
		f[6] = q->insured_branch_number;
		f[7] = q->name;
		if (q->name_kana != NULL) {
			*kana = ws8_halfwidth_kana(q->name_kana);
			f[8] = *kana;
		}
		f[9] = q->sex1;
		f[10] = q->birthdate;
		f[11] = q->insured_partial_contribution_ratio;
		f[12] = nz(q->insured_card_valid_date, q->qualification_date);
		f[13] = nz(q->insured_card_expiration_date, q->disqualification_date);
		/* What the front desk needs most from the certificates:
		 * 高齢受給者証 co-payment ("020") and limit class (OQSCD012). */
		f[17] = q->elderly.contribution_ratio;
		f[18] = q->limit.classification_flag;
	} else if (s != NULL) {
		f[3] = insurer_text(s->insurer_number);
		f[4] = s->insured_card_symbol;
		f[5] = s->insured_identification_number;
		f[6] = s->insured_branch_number;
		f[10] = s->birthdate;
	}
}

/* ---- the request ---- */

static char *today(void)
{
	char buf[16];
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(buf, sizeof(buf), "%Y%m%d", &tm);
	return strdup(buf);
}

/* Free what build_request() strdup'ed: never through core functions. */
static void request_msg_free(struct onshi_msg *m)
{
	struct onshi_inquiry_request *r = &m->u.inquiry_request;

	free(r->hdr.qualification_confirmation_date);
	free(r->hdr.medical_institution_code);
	free(r->hdr.arbitrary_file_identifier);
	free(r->search.insurer_number);
	free(r->search.insured_card_symbol);
	free(r->search.insured_identification_number);
	free(r->search.insured_branch_number);
	free(r->search.birthdate);
}

static int build_request(struct ws8 *w, const struct ws8_request *q,
			 struct onshi_msg *m)
{
	struct onshi_inquiry_request *r = &m->u.inquiry_request;
	const char *code = w->host->institution_code(w->inst);
	int k;

	memset(m, 0, sizeof(*m));
	m->kind = ONSHI_MSG_INQUIRY_REQUEST;
	m->source_charset = ONSHI_CHARSET_CP932;
	for (k = 0; k < ONSHI_CONSENT_KINDS; k++)
		r->card_auth.consent[k] = ONSHI_CONSENT_ABSENT;
	r->hdr.qualification_confirmation_date = today();
	r->hdr.medical_institution_code = strdup(code ? code : "");
	r->hdr.arbitrary_file_identifier = strdup(q->receipt);
	r->hdr.reference_classification = ONSHI_REFCLASS_CARDINFO;
	r->has_search = true;
	r->search.insurer_number = strdup(q->insurer);
	r->search.insured_card_symbol = strdup(q->symbol);
	r->search.insured_identification_number = strdup(q->number);
	r->search.insured_branch_number = strdup(q->branch);
	r->search.birthdate = strdup(q->birth);
	if (!r->hdr.qualification_confirmation_date ||
	    !r->hdr.medical_institution_code || !r->hdr.arbitrary_file_identifier ||
	    !r->search.insurer_number || !r->search.insured_card_symbol ||
	    !r->search.insured_identification_number ||
	    !r->search.insured_branch_number || !r->search.birthdate)
		return ONSHI_ENOMEM;
	/* An empty branch means "none": leave the element out. */
	if (r->search.insured_branch_number[0] == '\0') {
		free(r->search.insured_branch_number);
		r->search.insured_branch_number = NULL;
	}
	return ONSHI_OK;
}

/* ---- folder callbacks ---- */

static enum folder_verdict ws8_classify(void *arg, const char *name, size_t *limit,
					int *err, char *why, size_t whylen)
{
	struct ws8 *w = arg;
	char id[WS8_ID_MAX + 1];

	*err = ONSHI_EPERM;
	switch (csv_name_id(name, 'Q', id, why, whylen)) {
	case 0: return FOLDER_SKIP;
	case 1: *limit = w->max_request; return FOLDER_TAKE;
	default: return FOLDER_REFUSE;
	}
}

/* One CSV line, written at once: fresh or not, it is judged as it is. */
static int ws8_take(void *arg, const char *name, const void *data, size_t len,
		    int fresh, char *why, size_t whylen)
{
	struct ws8 *w = arg;
	char id[WS8_ID_MAX + 1], msg[512], *text = NULL, *xml = NULL;
	struct ws8_request q;
	const char *code = WS8_E_ENCODING;
	struct onshi_msg m;
	size_t tlen = 0, xlen = 0;
	int rc;

	(void)fresh;
	if (csv_name_id(name, 'Q', id, why, whylen) != 1)
		return ONSHI_EINVAL;
	memset(&q, 0, sizeof(q));
	if (ws8_decode(data, len, &text, &tlen, msg, sizeof(msg)) < 0 ||
	    ws8_request_parse(text, tlen, &q, &code, msg, sizeof(msg)) < 0) {
		free(text);
		w->host->log(w->inst, ONSHI_LOG_NOTICE, "%s refused: %s", name, msg);
		rc = write_error_line(w, id, q.receipt, code, msg);
		ws8_request_free(&q);
		if (rc != ONSHI_OK)
			snprintf(why, whylen, "cannot write the error line");
		return rc;
	}
	free(text);
	rc = build_request(w, &q, &m);
	ws8_request_free(&q);
	if (rc == ONSHI_OK)
		rc = w->host->msg_write(&m, ONSHI_CHARSET_UTF8, &xml, &xlen,
					NULL, why, whylen);
	request_msg_free(&m);
	if (rc != ONSHI_OK) {
		if (xml != NULL)
			w->host->buf_free(xml);
		return rc;
	}
	rc = w->host->submit(w->inst, name, ONSHI_MSG_INQUIRY_REQUEST, xml,
			     xlen, why, whylen);
	w->host->buf_free(xml);
	if (rc == ONSHI_OK) {
		w->accepted++;
		w->host->set_event(w->inst, "accepted %s", name);
	}
	return rc;
}

static int ws8_refused(void *arg, int dirfd, const char *name, int err,
		       const char *why)
{
	struct ws8 *w = arg;
	char id[WS8_ID_MAX + 1], msg[256];

	(void)dirfd;
	if (csv_name_id(name, 'Q', id, msg, sizeof(msg)) != 1)
		return ONSHI_OK; /* no safe R name: failed/ only */
	return write_error_line(w, id, NULL,
				err == ONSHI_ETOOBIG ? WS8_E_TOOBIG : WS8_E_REFUSED,
				why);
}

static const struct folder_watch_ops ws8_folder_ops = {
	.classify = ws8_classify,
	.take = ws8_take,
	.refused = ws8_refused,
};

/* ---- plugin ops ---- */

static void ws8_destroy(void *state)
{
	struct ws8 *w = state;

	if (w == NULL)
		return;
	folder_watch_stop(w->fw);
	free(w->base);
	free(w->send);
	free(w->recv);
	free(w->failed);
	free(w);
}

static int ws8_create(const struct onshi_host *host,
		      struct onshi_instance *inst, void **state_out)
{
	const char *dir;
	struct ws8 *w;

	if (!ONSHI_HOST_HAS(host, write_file_atomic) || !host->submit ||
	    !host->msg_write || !host->buf_free || !host->write_file_atomic) {
		host->log(inst, ONSHI_LOG_ERR,
			  "this daemon lacks the host "
			  "services wisestaff8 needs (ABI 1.1: submit, "
			  "msg_write, write_file_atomic)");
		return ONSHI_EABI;
	}
	dir = host->conf_str(inst, "dir");
	if (dir == NULL || dir[0] == '\0') {
		host->log(inst, ONSHI_LOG_ERR,
			  "dir is not set: name the folder "
			  "holding SEND/ and RECV/");
		return ONSHI_EINVAL;
	}
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return ONSHI_ENOMEM;
	w->host = host;
	w->inst = inst;
	w->max_request = (size_t)host->conf_int(inst, "max_request_bytes");
	w->base = strdup(dir);
	w->send = folder_join(dir, "SEND");
	w->recv = folder_join(dir, "RECV");
	w->failed = folder_join(dir, "failed");
	if (!w->base || !w->send || !w->recv || !w->failed) {
		ws8_destroy(w);
		return ONSHI_ENOMEM;
	}
	*state_out = w;
	return ONSHI_OK;
}

static int ws8_start(void *state)
{
	struct ws8 *w = state;
	const char *dirs[] = { w->base, w->send, w->recv, w->failed };

	return folder_adapter_start(w->host, w->inst, dirs,
				    sizeof(dirs) / sizeof(dirs[0]), w->send, w->failed,
				    (unsigned)w->host->conf_int(w->inst, "rescan_s"),
				    &ws8_folder_ops, w, &w->fw);
}

static void ws8_stop(void *state)
{
	struct ws8 *w = state;

	folder_watch_stop(w->fw);
	w->fw = NULL;
}

static int ws8_deliver(void *state, const struct onshi_delivery *d)
{
	struct ws8 *w = state;
	const char *f[WS8_RESULT_FIELDS] = { 0 };
	char id[WS8_ID_MAX + 1], name[WS8_ID_MAX + 8], why[256], q[160];
	char validity[4], status[4], *kana = NULL;
	int rc;

	if (d->result == NULL)
		return ONSHI_EINVAL;
	if (d->push) {
		size_t l = d->push_id ? strlen(d->push_id) : 0;

		if (l == 0 || l > WS8_ID_MAX ||
		    strspn(d->push_id,
			   "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			   "abcdefghijklmnopqrstuvwxyz0123456789_-") != l) {
			folder_quote(q, sizeof(q), d->push_id ? d->push_id : "");
			w->host->log(w->inst, ONSHI_LOG_ERR,
				     "push id '%s' cannot "
				     "name a C<id>.CSV file",
				     q);
			return ONSHI_EINVAL;
		}
		snprintf(name, sizeof(name), "C%s.CSV", d->push_id);
	} else {
		if (d->request_id == NULL ||
		    csv_name_id(d->request_id, 'Q', id, why, sizeof(why)) != 1) {
			folder_quote(q, sizeof(q),
				     d->request_id ? d->request_id : "");
			w->host->log(w->inst, ONSHI_LOG_ERR,
				     "answer for '%s' "
				     "cannot be named",
				     q);
			return ONSHI_EINVAL;
		}
		snprintf(name, sizeof(name), "R%s.CSV", id);
	}
	answer_fields(d->result, f, validity, status, &kana);
	rc = write_fields(w, name, f);
	free(kana);
	if (rc != ONSHI_OK)
		return rc;
	if (d->push)
		w->pushes++;
	else if (d->is_error)
		w->errors++;
	else
		w->results++;
	return ONSHI_OK;
}

static void ws8_status(void *state, char *buf, size_t len)
{
	struct ws8 *w = state;
	struct folder_stats st;

	folder_watch_stats(w->fw, &st);
	snprintf(buf, len,
		 "%s %s, %ld pending in RECV/, %lu accepted, %lu "
		 "answered, %lu error lines, %lu pushes, %lu refused to "
		 "failed/, %lu waiting to retry",
		 w->fw ? "watching" : "stopped", w->send,
		 folder_count_files(w->recv), w->accepted, w->results,
		 w->errors, w->pushes, st.refused, st.waiting);
}

static const struct onshi_plugin_ops ws8_ops = {
	.create = ws8_create,
	.start = ws8_start,
	.stop = ws8_stop,
	.destroy = ws8_destroy,
	.status = ws8_status,
	.deliver = ws8_deliver,
};

ONSHI_PLUGIN_EXPORT const struct onshi_plugin onshi_plugin_v1 = {
	ONSHI_PLUGIN_HEADER,
	.kind = ONSHI_KIND_RECECON,
	.name = "wisestaff8",
	.version = "1.0.0",
	.vendor = "onshi project",
	.description = "WiseStaff-8 legacy CSV protocol (SEND/Q*.CSV → "
		       "RECV/R*.CSV, CP932, CRLF)",
	.config = ws8_keys,
	.ops_size = sizeof(ws8_ops),
	.ops = &ws8_ops,
};
