/* SPDX-License-Identifier: Apache-2.0 */
/*
 * batch_parts_calls.c — the national calls of a batch uploaded in parts
 * (batch_parts.h), shared by `onshictl batch` (control_batch_parts.c) and
 * a receipt computer's folder batch (inquiry_parts.c).
 *
 * Upload: every part's document is kept in the spool before the first
 * goes up, then the parts go one after another, each with a key of its
 * own (the file's key, the part size, the part's number), so the same
 * file submitted again meets the same receptions, and the same file cut
 * another way never meets the old keys with other bodies. A part the
 * service refuses is recorded as refused and the rest go on; the map is
 * written before anyone is given the number.
 *
 * Fetch: the parts are fetched one after another, each into a file of
 * its own; while any is still processing the whole is "processing".
 * Merge then reads the files back unit by unit in part order; a part
 * refused at upload or fetch, or ended abnormally, gives its persons as
 * error units made from its kept document.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <onshi/message.h>

#include "batch_parts.h"
#include "key_hex.h"
#include "national.h"
#include "xmlmsg_stream.h"

#define PATH_UPLOAD "/bulk"
#define PATH_RESULT "/bulk/result"
/* Our code for an answer we could not read. */
#define CODE_MALFORMED "OE0009"
/* A refusal's explanation is read from the start of its file up to this. */
#define REFUSAL_MAX_BYTES 4096

/* ---- documents ----------------------------------------------------------- */

int onshi_batch_docs_add(struct onshi_batch_docs *d, char *doc, size_t len,
			 size_t persons)
{
	char **nd = realloc(d->doc, (d->n + 1) * sizeof(*nd));
	size_t *nl, *np;

	if (nd)
		d->doc = nd;
	nl = nd ? realloc(d->len, (d->n + 1) * sizeof(*nl)) : NULL;
	if (nl)
		d->len = nl;
	np = nl ? realloc(d->persons, (d->n + 1) * sizeof(*np)) : NULL;
	if (!np) {
		free(doc);
		return ONSHI_ENOMEM;
	}
	d->persons = np;
	d->doc[d->n] = doc;
	d->len[d->n] = len;
	d->persons[d->n] = persons;
	d->n++;
	return ONSHI_OK;
}

void onshi_batch_docs_free(struct onshi_batch_docs *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->doc[i]);
	free(d->doc);
	free(d->len);
	free(d->persons);
	memset(d, 0, sizeof(*d));
}

int onshi_batch_split_req(const struct onshi_msg *req, size_t max,
			  struct onshi_batch_docs *d, char *why, size_t whylen)
{
	const struct onshi_bulk_request *br = &req->u.bulk_request;

	for (size_t off = 0; off < br->n_search; off += max) {
		struct onshi_msg part = *req; /* borrows req's strings */
		char *xml = NULL;
		size_t len = 0;
		int rc;

		part.u.bulk_request.search = br->search + off;
		part.u.bulk_request.n_search = br->n_search - off < max
						       ? br->n_search - off
						       : max;
		rc = onshi_msg_write(&part, ONSHI_CHARSET_UTF8, &xml, &len,
				     NULL, why, whylen);
		if (rc == ONSHI_OK)
			rc = onshi_batch_docs_add(d, xml, len,
						  part.u.bulk_request.n_search);
		if (rc == ONSHI_ENOMEM)
			snprintf(why, whylen, "out of memory");
		if (rc != ONSHI_OK)
			return rc;
	}
	return ONSHI_OK;
}

int onshi_batch_tmpfile(const char *dir, char *why, size_t whylen)
{
	char path[4096];
	int fd;

#ifdef O_TMPFILE
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
#endif
	/* File systems without O_TMPFILE: a named file, unlinked at once. */
	snprintf(path, sizeof(path), "%s/batch-XXXXXX", dir);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, whylen, "cannot make a file in %s for the batch: %s",
			 dir, strerror(errno));
		return -1;
	}
	unlink(path);
	return fd;
}

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
			snprintf(code, codelen, "%.64s", err.u.error.hdr.error_code);
		if (err.u.error.hdr.error_message)
			snprintf(msg, msglen, "refused by the national service: %s",
				 err.u.error.hdr.error_message);
	}
	onshi_msg_clear(&err);
}

/* ---- upload ---------------------------------------------------------------- */

struct upload {
	struct onshi_national *national;
	char spool[4096];
	char code[11];
	char key[65];
	struct onshi_batch_map map;
	struct onshi_batch_docs docs;
	size_t next;
	onshi_batch_uploaded_cb cb;
	void *arg;
};

static void upload_end(struct upload *up, int rc, const char *why)
{
	up->cb(up->arg, rc, &up->map, why);
	onshi_batch_docs_free(&up->docs);
	onshi_batch_map_clear(&up->map);
	free(up);
}

static int upload_next(struct upload *up);

static void upload_finish(struct upload *up)
{
	const struct onshi_batch_part *first = NULL;
	char why[600];

	for (size_t i = 0; i < up->map.n_parts && !first; i++)
		if (!up->map.parts[i].reception)
			first = &up->map.parts[i];
	for (size_t i = 0; i < up->map.n_parts; i++)
		if (up->map.parts[i].reception) {
			int rc = onshi_batch_map_save(up->spool, &up->map, why,
						      sizeof(why));

			upload_end(up, rc, rc == ONSHI_OK ? "" : why);
			return;
		}
	snprintf(why, sizeof(why),
		 "every part of the batch was refused; the first: %s",
		 first ? first->refusal : "refused");
	upload_end(up, ONSHI_EPERM, why);
}

static void on_uploaded(void *arg, enum onshi_national_outcome outcome,
			long status, const char *body, size_t len, const char *why)
{
	struct upload *up = arg;
	size_t k = up->next, persons = up->docs.persons[k];
	char code[ONSHI_BATCH_FIELD_MAX + 1], msg[600];
	const char *rn;
	struct onshi_msg res;
	int rc;

	(void)status;
	if (outcome == ONSHI_NATIONAL_UNAVAILABLE) {
		snprintf(msg, sizeof(msg), "while uploading part %zu of %zu: %s",
			 k + 1, up->docs.n, why);
		upload_end(up, ONSHI_EUNAVAIL, msg);
		return;
	}
	memset(&res, 0, sizeof(res));
	if (outcome == ONSHI_NATIONAL_REFUSED) {
		refusal_of(body, len, why, code, sizeof(code), msg, sizeof(msg));
		rc = onshi_batch_map_add(&up->map, persons, NULL, code, msg);
	} else if (onshi_msg_parse(ONSHI_MSG_BULK_RECEPTION, body, len, NULL,
				   &res, msg, sizeof(msg)) != ONSHI_OK ||
		   !(rn = res.u.bulk_reception.hdr.reception_number) ||
		   strlen(rn) > ONSHI_BATCH_FIELD_MAX || strpbrk(rn, " \t\r\n")) {
		char m2[700];

		snprintf(m2, sizeof(m2),
			 "the national service answered the upload with a malformed document: %s",
			 res.kind == ONSHI_MSG_BULK_RECEPTION ? "no usable ReceptionNumber"
							      : msg);
		rc = onshi_batch_map_add(&up->map, persons, NULL, CODE_MALFORMED, m2);
	} else {
		rc = onshi_batch_map_add(&up->map, persons, rn, NULL, NULL);
	}
	onshi_msg_clear(&res);
	if (rc != ONSHI_OK) {
		upload_end(up, ONSHI_ENOMEM, "out of memory");
		return;
	}
	if (++up->next < up->docs.n) {
		if (upload_next(up) != ONSHI_OK)
			upload_end(up, ONSHI_ENOMEM, "cannot start the national call");
	} else {
		upload_finish(up);
	}
}

/* Send the next part; not ONSHI_OK when the call could not start. */
static int upload_next(struct upload *up)
{
	size_t k = up->next;
	char key[96];
	char *doc = up->docs.doc[k];

	snprintf(key, sizeof(key), "%s-%zu", up->key, k + 1);
	up->docs.doc[k] = NULL; /* the link takes it over */
	return onshi_national_post_owned(up->national, up->code, PATH_UPLOAD, doc,
					 up->docs.len[k], key, on_uploaded, up)
		       ? ONSHI_OK
		       : ONSHI_ENOMEM;
}

int onshi_batch_upload(struct onshi_national *n, const char *spool_dir,
		       const char *code, const char *file_key, size_t max,
		       struct onshi_batch_docs *docs, onshi_batch_uploaded_cb cb,
		       void *arg, char *why, size_t whylen)
{
	struct upload *up = calloc(1, sizeof(*up));
	char size[32];
	int rc = ONSHI_OK;

	if (!up || docs->n == 0) {
		snprintf(why, whylen, up ? "no parts" : "out of memory");
		onshi_batch_docs_free(docs);
		free(up);
		return up ? ONSHI_EINVAL : ONSHI_ENOMEM;
	}
	up->national = n;
	up->docs = *docs;
	memset(docs, 0, sizeof(*docs));
	up->cb = cb;
	up->arg = arg;
	snprintf(up->spool, sizeof(up->spool), "%s", spool_dir);
	snprintf(up->code, sizeof(up->code), "%s", code);
	snprintf(size, sizeof(size), "/%zu", max);
	onshi_key_hex(file_key, strlen(file_key), size, strlen(size), up->key);
	onshi_batch_number(up->key, up->map.number);
	snprintf(up->map.institution, sizeof(up->map.institution), "%s", code);
	/* What older batches left behind goes first. */
	onshi_batch_sweep(spool_dir, ONSHI_BATCH_KEEP_DAYS);
	/* Every part is kept before the first goes up: a refused part's
	 * persons are read back from it. */
	for (size_t i = 0; rc == ONSHI_OK && i < up->docs.n; i++)
		rc = onshi_batch_part_save(spool_dir, up->map.number, i + 1,
					   up->docs.doc[i], up->docs.len[i],
					   why, whylen);
	/* cb only ever runs from a national callback, never from here. */
	if (rc == ONSHI_OK && upload_next(up) != ONSHI_OK) {
		snprintf(why, whylen, "cannot start the national call");
		rc = ONSHI_ENOMEM;
	}
	if (rc != ONSHI_OK) {
		onshi_batch_docs_free(&up->docs);
		onshi_batch_map_clear(&up->map);
		free(up);
	}
	return rc;
}

/* ---- fetch ------------------------------------------------------------------ */

struct onshi_batch_fetched {
	struct onshi_national *national;
	char spool[4096];
	char code[11];
	char date[9];
	size_t max_bytes;
	struct onshi_batch_map map;
	size_t next;
	int *fd;      /* each part's answer (-1: none) */
	char **ecode; /* a part that failed at fetch: its code and message */
	char **emsg;
	onshi_batch_fetched_cb cb;
	void *arg;
};

void onshi_batch_fetched_free(struct onshi_batch_fetched *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->map.n_parts; i++) {
		if (f->fd && f->fd[i] >= 0)
			close(f->fd[i]);
		if (f->ecode)
			free(f->ecode[i]);
		if (f->emsg)
			free(f->emsg[i]);
	}
	free(f->fd);
	free(f->ecode);
	free(f->emsg);
	onshi_batch_map_clear(&f->map);
	free(f);
}

const struct onshi_batch_map *onshi_batch_fetched_map(const struct onshi_batch_fetched *f)
{
	return &f->map;
}

/* The end of a fetch that gives no merge: cb, then f is freed. */
static void fetch_end(struct onshi_batch_fetched *f, int rc, const char *why)
{
	f->cb(f->arg, rc, NULL, why);
	onshi_batch_fetched_free(f);
}

static int fetch_next(struct onshi_batch_fetched *f, char *why, size_t whylen);

/* Part k is not to be had: its persons become error units. */
static int part_failed(struct onshi_batch_fetched *f, size_t k,
		       const char *code, const char *why)
{
	f->ecode[k] = strdup(code);
	f->emsg[k] = strdup(why);
	return f->ecode[k] && f->emsg[k] ? ONSHI_OK : ONSHI_ENOMEM;
}

static void on_fetched(void *arg, enum onshi_national_outcome outcome,
		       long status, const char *body, size_t len, const char *why)
{
	struct onshi_batch_fetched *f = arg;
	struct onshi_bulk_stream *st = NULL;
	size_t k = f->next;
	char code[512], msg[600], text[REFUSAL_MAX_BYTES];
	int rc = ONSHI_OK;

	(void)status;
	(void)body;
	(void)len;
	if (outcome == ONSHI_NATIONAL_UNAVAILABLE) {
		snprintf(msg, sizeof(msg), "while fetching part %zu of %zu: %s",
			 k + 1, f->map.n_parts, why);
		fetch_end(f, ONSHI_EUNAVAIL, msg);
		return;
	}
	if (outcome == ONSHI_NATIONAL_REFUSED) {
		/* The refusal's document is small: read its start. */
		ssize_t n = pread(f->fd[k], text, sizeof(text) - 1, 0);

		text[n > 0 ? n : 0] = '\0';
		refusal_of(text, n > 0 ? (size_t)n : 0, why, code, sizeof(code),
			   msg, sizeof(msg));
		rc = part_failed(f, k, code, msg);
	} else if (onshi_bulk_stream_open(f->fd[k], ONSHI_MSG_BULK_RESULT,
					  f->max_bytes, 0, &st, code,
					  sizeof(code)) != ONSHI_OK) {
		snprintf(msg, sizeof(msg),
			 "the national service answered part %zu of %zu with a malformed document: %.400s",
			 k + 1, f->map.n_parts, code);
		fetch_end(f, ONSHI_EPROTO, msg);
		return;
	} else {
		const struct onshi_res_header *h = onshi_bulk_stream_header(st);

		if (h->segment_of_result == ONSHI_SEGMENT_PROCESSING) {
			onshi_bulk_stream_close(st);
			snprintf(msg, sizeof(msg), "%zu of %zu parts ready", k,
				 f->map.n_parts);
			fetch_end(f, ONSHI_EINCOMPLETE, msg);
			return;
		}
		if (h->segment_of_result == ONSHI_SEGMENT_ABNORMAL) {
			snprintf(msg, sizeof(msg),
				 "the national service ended this part abnormally: %s",
				 h->error_message ? h->error_message : "no message");
			rc = part_failed(f, k, h->error_code ? h->error_code : "OE0001",
					 msg);
		}
		onshi_bulk_stream_close(st);
	}
	if (rc != ONSHI_OK) {
		fetch_end(f, ONSHI_ENOMEM, "out of memory");
		return;
	}
	f->next++;
	if (fetch_next(f, msg, sizeof(msg)) != ONSHI_OK)
		fetch_end(f, ONSHI_EIO, msg);
}

/*
 * Ask for the next part with a reception; every part in: cb (f is then
 * the caller's). Not ONSHI_OK, with why, when the call could not start.
 */
static int fetch_next(struct onshi_batch_fetched *f, char *why, size_t whylen)
{
	struct onshi_req_header *h;
	struct onshi_msg req;
	char *xml = NULL, msg[512] = "";
	size_t len = 0, k;
	int rc;

	while (f->next < f->map.n_parts && !f->map.parts[f->next].reception)
		f->next++;
	if (f->next == f->map.n_parts) {
		f->cb(f->arg, ONSHI_OK, f, "");
		return ONSHI_OK;
	}
	k = f->next;
	onshi_msg_init(&req, ONSHI_MSG_BULK_FETCH);
	h = &req.u.bulk_fetch.hdr;
	rc = onshi_msg_set(&h->reception_number, f->map.parts[k].reception);
	if (rc == ONSHI_OK)
		rc = onshi_msg_set(&h->medical_institution_code, f->code);
	if (rc == ONSHI_OK)
		rc = onshi_msg_set(&h->qualification_confirmation_date, f->date);
	if (rc == ONSHI_OK)
		rc = onshi_msg_write(&req, ONSHI_CHARSET_UTF8, &xml, &len, NULL,
				     msg, sizeof(msg));
	onshi_msg_clear(&req);
	if (rc == ONSHI_OK &&
	    (f->fd[k] = onshi_batch_tmpfile(f->spool, msg, sizeof(msg))) < 0)
		rc = ONSHI_EIO;
	if (rc == ONSHI_OK &&
	    !onshi_national_post_to_file(f->national, f->code, PATH_RESULT, xml,
					 len, NULL, f->fd[k], f->max_bytes,
					 on_fetched, f)) {
		snprintf(msg, sizeof(msg), "cannot start the national call");
		rc = ONSHI_ENOMEM;
	}
	free(xml);
	if (rc != ONSHI_OK)
		snprintf(why, whylen, "%s", msg);
	return rc;
}

int onshi_batch_fetch(struct onshi_national *n, const char *spool_dir,
		      size_t max_answer_bytes, const char *code,
		      const char *number, onshi_batch_fetched_cb cb, void *arg,
		      char *why, size_t whylen)
{
	struct onshi_batch_fetched *f = calloc(1, sizeof(*f));
	time_t now = time(NULL);
	struct tm tm;
	int rc;

	if (!f) {
		snprintf(why, whylen, "out of memory");
		return ONSHI_ENOMEM;
	}
	rc = onshi_batch_map_load(spool_dir, number, &f->map, why, whylen);
	if (rc == ONSHI_ENOTFOUND ||
	    (rc == ONSHI_OK && strcmp(f->map.institution, code) != 0)) {
		snprintf(why, whylen,
			 "no batch %s of institution %s in this terminal's spool",
			 number, code);
		rc = ONSHI_ENOTFOUND;
	}
	/* cb must only ever run from a national callback: a map with
	 * nothing to fetch is not one we write. */
	for (size_t i = 0; rc == ONSHI_OK; i++) {
		if (i == f->map.n_parts) {
			snprintf(why, whylen,
				 "batch %s: its map names no reception", number);
			rc = ONSHI_EPROTO;
		} else if (f->map.parts[i].reception) {
			break;
		}
	}
	if (rc == ONSHI_OK) {
		f->fd = malloc(f->map.n_parts * sizeof(*f->fd));
		f->ecode = calloc(f->map.n_parts, sizeof(*f->ecode));
		f->emsg = calloc(f->map.n_parts, sizeof(*f->emsg));
		if (!f->fd || !f->ecode || !f->emsg) {
			snprintf(why, whylen, "out of memory");
			rc = ONSHI_ENOMEM;
		}
	}
	if (rc != ONSHI_OK) {
		onshi_batch_fetched_free(f);
		return rc;
	}
	for (size_t i = 0; i < f->map.n_parts; i++)
		f->fd[i] = -1;
	f->national = n;
	f->max_bytes = max_answer_bytes;
	f->cb = cb;
	f->arg = arg;
	snprintf(f->spool, sizeof(f->spool), "%s", spool_dir);
	snprintf(f->code, sizeof(f->code), "%s", code);
	localtime_r(&now, &tm);
	strftime(f->date, sizeof(f->date), "%Y%m%d", &tm);
	rc = fetch_next(f, why, whylen);
	if (rc != ONSHI_OK)
		onshi_batch_fetched_free(f);
	return rc;
}

/* ---- merge ------------------------------------------------------------------ */

/* Part k's result, unit by unit, to cb. */
static int merge_result(struct onshi_batch_fetched *f, size_t k,
			onshi_batch_unit_cb cb, void *arg, long *normal,
			long *errors, char *why, size_t whylen)
{
	struct onshi_bulk_stream *st = NULL;
	const struct onshi_res_header *h;
	struct onshi_bulk_unit u;
	size_t n = 0;
	int got = 1, rc;

	if (lseek(f->fd[k], 0, SEEK_SET) != 0)
		return ONSHI_EIO;
	rc = onshi_bulk_stream_open(f->fd[k], ONSHI_MSG_BULK_RESULT,
				    f->max_bytes, 0, &st, why, whylen);
	if (rc != ONSHI_OK)
		return rc;
	h = onshi_bulk_stream_header(st);
	for (;;) {
		rc = onshi_bulk_stream_next(st, &u, &got, why, whylen);
		if (rc != ONSHI_OK || !got)
			break;
		n++;
		rc = cb(arg, &u);
		if (rc != ONSHI_OK) {
			snprintf(why, whylen,
				 "cannot keep unit %zu of part %zu", n, k + 1);
			break;
		}
	}
	if (rc == ONSHI_OK && n != f->map.parts[k].persons) {
		snprintf(why, whylen, "part %zu: %zu units for %zu persons",
			 k + 1, n, f->map.parts[k].persons);
		rc = ONSHI_EPROTO;
	}
	*normal += h->number_of_normal_processing;
	*errors += h->number_of_error;
	onshi_bulk_stream_close(st);
	return rc;
}

int onshi_batch_merge(struct onshi_batch_fetched *f, onshi_batch_unit_cb cb,
		      void *arg, long *normal, long *errors, char *why, size_t whylen)
{
	int rc = ONSHI_OK;

	*normal = *errors = 0;
	for (size_t k = 0; rc == ONSHI_OK && k < f->map.n_parts; k++) {
		const struct onshi_batch_part *p = &f->map.parts[k];
		const char *code = p->reception ? f->ecode[k] : p->code;
		const char *msg = p->reception ? f->emsg[k] : p->refusal;

		if (!code) {
			rc = merge_result(f, k, cb, arg, normal, errors, why, whylen);
			continue;
		}
		rc = onshi_batch_part_errors(f->spool, f->map.number, k + 1,
					     p->persons, code, msg, cb, arg,
					     why, whylen);
		*errors += (long)p->persons;
	}
	return rc;
}
