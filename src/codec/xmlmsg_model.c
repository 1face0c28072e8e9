/* SPDX-License-Identifier: Apache-2.0 */
/*
 * xmlmsg_model.c — owning, copying and freeing the message structs.
 *
 * Walks the same element tables as the codec, so a field added to a table
 * is freed and copied without touching this file.
 */
#include "config.h"

#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xmlmsg_internal.h"

#define FIELD(base, f) ((char *)(base) + (f)->off)

static int is_string_type(enum xmsg_type t)
{
	return t == XT_STR || t == XT_DIGITS || t == XT_DATE ||
	       t == XT_DATETIME || t == XT_INSURER || t == XT_BASE64;
}

#define SENT(node, base) \
	((struct onshi_sent_text **)(void *)((char *)(base) + (node)->sent_off))
#define N_SENT(node, base) \
	((size_t *)(void *)((char *)(base) + (node)->n_sent_off))

void xmsg_free_sent(const struct xmsg_node *node, void *base)
{
	struct onshi_sent_text **sp;
	size_t *np, j;

	if (!node->keeps_sent)
		return;
	sp = SENT(node, base);
	np = N_SENT(node, base);
	for (j = 0; j < *np; j++)
		free((*sp)[j].text);
	free(*sp);
	*sp = NULL;
	*np = 0;
}

/* Deep copy of the as-sent list into a dst whose list is empty. */
static int copy_sent(const struct xmsg_node *node, void *dst, const void *src)
{
	const struct onshi_sent_text *s;
	struct onshi_sent_text *d;
	size_t n, j;

	if (!node->keeps_sent)
		return ONSHI_OK;
	s = *(struct onshi_sent_text *const *)(const void *)((const char *)src +
							     node->sent_off);
	n = *(const size_t *)(const void *)((const char *)src + node->n_sent_off);
	if (n == 0)
		return ONSHI_OK;
	d = calloc(n, sizeof(*d));
	if (d == NULL)
		return ONSHI_ENOMEM;
	*SENT(node, dst) = d;
	for (j = 0; j < n; j++) {
		d[j].field = s[j].field;
		if (onshi_msg_set(&d[j].text, s[j].text) != ONSHI_OK)
			return ONSHI_ENOMEM; /* the caller frees the j done */
		*N_SENT(node, dst) = j + 1;
	}
	return ONSHI_OK;
}

void xmsg_free_node(const struct xmsg_node *node, void *base)
{
	size_t i, j;

	xmsg_free_sent(node, base);
	for (i = 0; i < node->n_fields; i++) {
		const struct xmsg_field *f = &node->fields[i];

		if (f->flags & XF_ALIAS)
			continue; /* its slot is freed by its home field */
		if (is_string_type(f->type)) {
			char **sp = (char **)(void *)FIELD(base, f);

			free(*sp);
			*sp = NULL;
		} else if (f->type == XT_GROUP) {
			xmsg_free_node(f->sub, FIELD(base, f));
		} else if (f->type == XT_LIST) {
			char **ap = (char **)(void *)FIELD(base, f);
			size_t *np = (size_t *)(void *)((char *)base + f->count_off);

			for (j = 0; j < *np; j++)
				xmsg_free_node(f->sub, *ap + j * f->elem_size);
			free(*ap);
			*ap = NULL;
			*np = 0;
		}
	}
}

void xmsg_init_node(const struct xmsg_node *node, void *base)
{
	size_t i;

	for (i = 0; i < node->n_fields; i++) {
		const struct xmsg_field *f = &node->fields[i];

		if (f->type == XT_CONSENT)
			xmsg_int_set(f, base, ONSHI_CONSENT_ABSENT);
		else if (f->type == XT_GROUP)
			xmsg_init_node(f->sub, FIELD(base, f));
	}
}

int xmsg_copy_node(const struct xmsg_node *node, void *dst, const void *src)
{
	size_t i, j;

	if (copy_sent(node, dst, src) != ONSHI_OK)
		goto fail;
	for (i = 0; i < node->n_fields; i++) {
		const struct xmsg_field *f = &node->fields[i];

		if (f->flags & XF_ALIAS)
			continue; /* copied by its home field */
		if (is_string_type(f->type)) {
			char *const *s = (char *const *)(const void *)FIELD(src, f);

			if (onshi_msg_set((char **)(void *)FIELD(dst, f), *s) != ONSHI_OK)
				goto fail;
		} else if (f->type == XT_GROUP) {
			if (f->has_off != XF_NONE_OFF)
				*(bool *)((char *)dst + f->has_off) =
					*(const bool *)((const char *)src + f->has_off);
			if (xmsg_copy_node(f->sub, FIELD(dst, f), FIELD(src, f)) !=
			    ONSHI_OK)
				goto fail;
		} else if (f->type == XT_LIST) {
			char *const *sa = (char *const *)(const void *)FIELD(src, f);
			size_t n = *(const size_t *)(const void *)((const char *)src +
								   f->count_off);
			char **da = (char **)(void *)FIELD(dst, f);
			size_t *dn = (size_t *)(void *)((char *)dst + f->count_off);

			if (n == 0)
				continue;
			*da = calloc(n, f->elem_size);
			if (*da == NULL)
				goto fail;
			*dn = n;
			for (j = 0; j < n; j++)
				if (xmsg_copy_node(f->sub, *da + j * f->elem_size,
						   *sa + j * f->elem_size) != ONSHI_OK)
					goto fail;
		} else {
			xmsg_int_set(f, dst, xmsg_int_get(f, src));
		}
	}
	return ONSHI_OK;
fail:
	xmsg_free_node(node, dst);
	return ONSHI_ENOMEM;
}

int onshi_msg_set(char **field, const char *value)
{
	char *p = NULL;

	if (value != NULL) {
		p = strdup(value);
		if (p == NULL)
			return ONSHI_ENOMEM;
	}
	free(*field);
	*field = p;
	return ONSHI_OK;
}

void onshi_msg_init(struct onshi_msg *m, enum onshi_msg_kind kind)
{
	const struct xmsg_node *root = xmsg_root(kind);

	memset(m, 0, sizeof(*m));
	m->kind = root != NULL ? kind : ONSHI_MSG_NONE;
	if (root != NULL)
		xmsg_init_node(root, &m->u);
}

void onshi_msg_clear(struct onshi_msg *m)
{
	const struct xmsg_node *root = xmsg_root(m->kind);

	if (root != NULL)
		xmsg_free_node(root, &m->u);
	onshi_msg_init(m, ONSHI_MSG_NONE);
}

/*
 * Grow *arr (count *n, element size sz) by one zeroed element. The room
 * doubles when it runs out (its size asked of malloc, since arrays are
 * also allocated whole elsewhere): a batch of 100,000 units is built in
 * linear time, not with a realloc per unit.
 */
static void *grow(void **arr, size_t *n, size_t sz)
{
	char *p = *arr;

	if (*n >= SIZE_MAX / sz / 2 - 1)
		return NULL;
	if (p == NULL || malloc_usable_size(p) < (*n + 1) * sz) {
		p = realloc(*arr, (*n + 1) * 2 * sz);
		if (p == NULL)
			return NULL;
	}
	*arr = p;
	memset(p + *n * sz, 0, sz);
	return p + (*n)++ * sz;
}

struct onshi_qualification *onshi_inquiry_result_add(struct onshi_inquiry_result *r)
{
	return grow((void **)&r->results, &r->n_results, sizeof(*r->results));
}

struct onshi_search_info *onshi_bulk_request_add(struct onshi_bulk_request *r)
{
	return grow((void **)&r->search, &r->n_search, sizeof(*r->search));
}

struct onshi_bulk_unit *onshi_bulk_result_add(struct onshi_bulk_result *r)
{
	return grow((void **)&r->units, &r->n_units, sizeof(*r->units));
}

struct onshi_qualification *onshi_bulk_unit_add(struct onshi_bulk_unit *u)
{
	return grow((void **)&u->results, &u->n_results, sizeof(*u->results));
}

struct onshi_specific_disease_certificate *
onshi_qualification_add_specific_disease(struct onshi_qualification *q)
{
	return grow((void **)&q->specific_diseases, &q->n_specific_diseases,
		    sizeof(*q->specific_diseases));
}

struct onshi_medical_ticket *onshi_qualification_add_medical_ticket(struct onshi_qualification *q)
{
	return grow((void **)&q->medical_tickets, &q->n_medical_tickets,
		    sizeof(*q->medical_tickets));
}

struct onshi_drug_info *onshi_info_result_add_drug(struct onshi_info_result *r)
{
	return grow((void **)&r->drugs, &r->n_drugs, sizeof(*r->drugs));
}

struct onshi_checkup_info *onshi_info_result_add_checkup(struct onshi_info_result *r)
{
	return grow((void **)&r->checkups, &r->n_checkups, sizeof(*r->checkups));
}

struct onshi_refnum_info *onshi_refnum_bulk_request_add(struct onshi_refnum_bulk_request *r)
{
	return grow((void **)&r->info, &r->n_info, sizeof(*r->info));
}

struct onshi_refnum_unit *onshi_refnum_bulk_result_add(struct onshi_refnum_bulk_result *r)
{
	return grow((void **)&r->units, &r->n_units, sizeof(*r->units));
}

int onshi_search_info_copy(struct onshi_search_info *dst,
			   const struct onshi_search_info *src)
{
	return xmsg_copy_node(&xmsg_search_node, dst, src);
}

int onshi_qualification_copy(struct onshi_qualification *dst,
			     const struct onshi_qualification *src)
{
	return xmsg_copy_node(&xmsg_qualification_node, dst, src);
}

void onshi_search_info_clear(struct onshi_search_info *s)
{
	xmsg_free_node(&xmsg_search_node, s);
}

void onshi_qualification_clear(struct onshi_qualification *q)
{
	xmsg_free_node(&xmsg_qualification_node, q);
}

/* Local time now as YYYYMMDDhhmmss: the official terminal writes JST. */
static int set_now(char **field)
{
	char buf[16];
	time_t t = time(NULL);
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(buf, sizeof(buf), "%Y%m%d%H%M%S", &tm) != 14)
		return onshi_msg_set(field, NULL);
	return onshi_msg_set(field, buf);
}

int xmsg_set_today(char **field)
{
	char buf[16];
	time_t t = time(NULL);
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(buf, sizeof(buf), "%Y%m%d", &tm) != 8)
		return ONSHI_EINVAL;
	return onshi_msg_set(field, buf);
}

/* The request header and search info of any request kind (NULL if none). */
/* A request's header, and its search info when it has one. */
static const struct onshi_req_header *req_header(const struct onshi_msg *req,
						 const struct onshi_search_info **search)
{
	*search = NULL;
	if (req->kind == ONSHI_MSG_INQUIRY_REQUEST && req->u.inquiry_request.has_search)
		*search = &req->u.inquiry_request.search;
	else if ((req->kind == ONSHI_MSG_DRUG_REQUEST ||
		  req->kind == ONSHI_MSG_CHECKUP_REQUEST) &&
		 req->u.info_request.has_search)
		*search = &req->u.info_request.search;
	return onshi_msg_req_header(req);
}

/* Copy what a result echoes from its request header. */
static int echo_header(struct onshi_res_header *h, const struct onshi_req_header *rq)
{
	if (onshi_msg_set(&h->arbitrary_file_identifier, rq->arbitrary_file_identifier) ||
	    onshi_msg_set(&h->medical_institution_code, rq->medical_institution_code) ||
	    onshi_msg_set(&h->qualification_confirmation_date,
			  rq->qualification_confirmation_date) ||
	    onshi_msg_set(&h->reception_number, rq->reception_number))
		return ONSHI_ENOMEM;
	h->reference_classification = rq->reference_classification;
	return ONSHI_OK;
}

int onshi_msg_result_for(const struct onshi_msg *req, struct onshi_msg *res)
{
	const struct onshi_search_info *search;
	const struct onshi_req_header *rq = req_header(req, &search);
	const struct xmsg_batch_family *bf = xmsg_batch_family(req->kind);
	struct onshi_res_header *h;
	int rc;

	/* every batch: upload → reception, fetch → result */
	if (bf != NULL && (req->kind == bf->upload || req->kind == bf->fetch)) {
		if (req->kind == bf->upload) {
			onshi_msg_init(res, bf->reception);
			h = &res->u.bulk_reception.hdr;
		} else {
			onshi_msg_init(res, bf->result);
			h = bf->result == ONSHI_MSG_REFNUM_BULK_RESULT
				    ? &res->u.refnum_bulk_result.hdr
				    : &res->u.bulk_result.hdr;
		}
		goto started;
	}
	switch (req->kind) {
	case ONSHI_MSG_INQUIRY_REQUEST:
		onshi_msg_init(res, ONSHI_MSG_INQUIRY_RESULT);
		h = &res->u.inquiry_result.hdr;
		break;
	case ONSHI_MSG_REFNUM_REQUEST:
		onshi_msg_init(res, ONSHI_MSG_REFNUM_RESULT);
		h = &res->u.refnum_result.hdr;
		break;
	case ONSHI_MSG_DRUG_REQUEST:
	case ONSHI_MSG_CHECKUP_REQUEST:
		onshi_msg_init(res, req->kind == ONSHI_MSG_DRUG_REQUEST
					    ? ONSHI_MSG_DRUG_RESULT
					    : ONSHI_MSG_CHECKUP_RESULT);
		h = &res->u.info_result.hdr;
		break;
	default: onshi_msg_init(res, ONSHI_MSG_NONE); return ONSHI_EINVAL;
	}
started:
	h->segment_of_result = ONSHI_SEGMENT_NORMAL;
	h->character_code = req->source_charset;
	rc = echo_header(h, rq);
	if (rc == ONSHI_OK)
		rc = set_now(&h->process_execution_time);
	if (rc == ONSHI_OK && search != NULL && res->kind == ONSHI_MSG_INQUIRY_RESULT) {
		rc = onshi_search_info_copy(&res->u.inquiry_result.search, search);
		res->u.inquiry_result.has_search = rc == ONSHI_OK;
	} else if (rc == ONSHI_OK && search != NULL) {
		rc = onshi_search_info_copy(&res->u.info_result.search, search);
		res->u.info_result.has_search = rc == ONSHI_OK;
	}
	if (rc != ONSHI_OK)
		onshi_msg_clear(res);
	return rc;
}

int onshi_msg_error_init(struct onshi_msg *m, int err, const char *message,
			 const struct onshi_msg *req)
{
	struct onshi_error_result *e;
	const struct onshi_search_info *search = NULL;
	const struct onshi_req_header *rq = NULL;
	char code[16];
	int rc;

	onshi_msg_init(m, ONSHI_MSG_ERROR);
	e = &m->u.error;
	e->hdr.segment_of_result = ONSHI_SEGMENT_ABNORMAL;
	if (req != NULL)
		rq = req_header(req, &search);
	/* Error codes are the onshi_err numbers: OE0009 = malformed XML. */
	snprintf(code, sizeof(code), "OE%04d", err < 0 ? -err : err);
	rc = onshi_msg_set(&e->hdr.error_code, code);
	if (rc == ONSHI_OK)
		rc = onshi_msg_set(&e->hdr.error_message,
				   message != NULL && message[0] != '\0'
					   ? message
					   : onshi_strerror(err));
	if (rc == ONSHI_OK)
		rc = set_now(&e->hdr.process_execution_time);
	if (rc == ONSHI_OK && rq != NULL) {
		e->hdr.character_code = req->source_charset;
		rc = echo_header(&e->hdr, rq);
		/* A half-parsed search may lack required fields: echo only whole ones. */
		if (rc == ONSHI_OK && search != NULL &&
		    search->insurer_number != NULL &&
		    search->insured_identification_number != NULL &&
		    search->birthdate != NULL) {
			rc = onshi_search_info_copy(&e->search, search);
			e->has_search = rc == ONSHI_OK;
		}
	}
	if (rc != ONSHI_OK)
		onshi_msg_clear(m);
	return rc;
}
