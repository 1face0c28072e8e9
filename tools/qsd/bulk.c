/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bulk.c — batch receptions of onshi-qsd (OQSmuquc01 / OQSmuquc02, and the
 * batches by period OQSmuonq, OQSmuhvq, OQSmutic).
 *
 * Phase 1 stores the uploaded searches under the client's Idempotency-Key
 * and hands out a ReceptionNumber; the same key with the same body gets the
 * same number back (a retried upload must never become a second
 * reception), the same key with another body is refused. Phase 2 answers
 * "processing" until the reception is ready_after seconds old, then looks
 * every search up in the dataset. A batch by period names no persons: its
 * result lists the institution's patients of that period, a fixed
 * selection of the dataset (docs/qsd.md).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qsd.h"

struct reception {
	char institution[11];
	char key[129];
	unsigned char digest[32];
	char number[16];
	time_t created;
	struct onshi_msg req;
};

struct qsd_bulk_store {
	pthread_mutex_t lock;
	unsigned ready_after;
	unsigned counter;
	struct reception *r;
	size_t n, cap;
};

struct qsd_bulk_store *qsd_bulk_new(unsigned ready_after_s)
{
	struct qsd_bulk_store *b = calloc(1, sizeof(*b));

	if (b == NULL)
		return NULL;
	pthread_mutex_init(&b->lock, NULL);
	b->ready_after = ready_after_s;
	return b;
}

void qsd_bulk_free(struct qsd_bulk_store *b)
{
	if (b == NULL)
		return;
	for (size_t i = 0; i < b->n; i++)
		onshi_msg_clear(&b->r[i].req);
	free(b->r);
	pthread_mutex_destroy(&b->lock);
	free(b);
}

void qsd_bulk_set_delay(struct qsd_bulk_store *b, unsigned ready_after_s)
{
	pthread_mutex_lock(&b->lock);
	b->ready_after = ready_after_s;
	pthread_mutex_unlock(&b->lock);
}

int qsd_bulk_accept(struct qsd_bulk_store *b, const char *institution,
		    const char *key, const unsigned char digest[32],
		    struct onshi_msg *req, char out[16])
{
	struct reception *r;
	time_t wall = time(NULL);
	struct tm tm;
	int rc = ONSHI_OK;

	pthread_mutex_lock(&b->lock);
	for (size_t i = 0; i < b->n; i++) {
		r = &b->r[i];
		if (strcmp(r->institution, institution) != 0 ||
		    strcmp(r->key, key) != 0)
			continue;
		memcpy(out, r->number, 16);
		rc = memcmp(r->digest, digest, 32) == 0 ? ONSHI_EEXIST : ONSHI_ESTATE;
		goto out;
	}
	if (b->n == b->cap) {
		size_t ncap = b->cap ? b->cap * 2 : 16;
		struct reception *nr = realloc(b->r, ncap * sizeof(*nr));

		if (nr == NULL) {
			rc = ONSHI_ENOMEM;
			goto out;
		}
		b->r = nr;
		b->cap = ncap;
	}
	r = &b->r[b->n++];
	memset(r, 0, sizeof(*r));
	snprintf(r->institution, sizeof(r->institution), "%s", institution);
	snprintf(r->key, sizeof(r->key), "%s", key);
	memcpy(r->digest, digest, 32);
	gmtime_r(&wall, &tm);
	snprintf(r->number, sizeof(r->number), "R%04u%02u%02u%06u",
		 (unsigned)(tm.tm_year + 1900) % 10000u,
		 (unsigned)(tm.tm_mon + 1) % 100u, (unsigned)tm.tm_mday % 100u,
		 ++b->counter % 1000000u);
	r->created = qsd_now();
	/* Take the parsed request over: the caller's copy becomes empty. */
	r->req = *req;
	onshi_msg_init(req, ONSHI_MSG_NONE);
	memcpy(out, r->number, 16);
out:
	pthread_mutex_unlock(&b->lock);
	return rc;
}

static int fill_unit(struct onshi_bulk_unit *u, const struct qsd_dataset *ds,
		     struct qsd_refnums *refnums, const char *institution,
		     const struct onshi_search_info *s)
{
	size_t first = 0, n = qsd_dataset_find(ds, s, &first);
	int rc = onshi_search_info_copy(&u->search, s);

	u->has_search = rc == ONSHI_OK;
	if (n == 0) {
		u->qualification_validity = ONSHI_VALIDITY_NOT_FOUND;
		u->processing_result_status = ONSHI_STATUS_ERROR;
		if (rc == ONSHI_OK)
			rc = onshi_msg_set(&u->processing_result_code, "1001");
		if (rc == ONSHI_OK)
			rc = onshi_msg_set(&u->processing_result_message,
					   "該当資格なし");
		return rc;
	}
	u->qualification_validity =
		n > 1 ? ONSHI_VALIDITY_AMBIGUOUS
		      : (enum onshi_validity)ds->rec[ds->by_keys[first]].validity;
	u->processing_result_status = n > 1 ? ONSHI_STATUS_ERROR
					    : ONSHI_STATUS_NORMAL;
	if (n > 1 && rc == ONSHI_OK)
		rc = onshi_msg_set(&u->processing_result_code, "1002");
	if (n > 1 && rc == ONSHI_OK)
		rc = onshi_msg_set(&u->processing_result_message, "複数の資格が該当");
	for (size_t i = 0; i < n && rc == ONSHI_OK; i++) {
		struct onshi_qualification *q = onshi_bulk_unit_add(u);

		rc = q != NULL
			     ? qsd_record_to_result(&ds->rec[ds->by_keys[first + i]], q)
			     : ONSHI_ENOMEM;
		if (rc == ONSHI_OK)
			rc = qsd_refnum_apply(refnums, institution,
					      &ds->rec[ds->by_keys[first + i]], q);
	}
	return rc;
}

/* FNV-1a of s, to mix an institution code into a person's draw. */
static uint64_t fnv(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static bool in_range(const char *d, const char *from, const char *to)
{
	if (from == NULL || to == NULL || from[0] == '\0')
		return true; /* no such range asked */
	return d[0] != '\0' && strcmp(d, from) >= 0 && strcmp(d, to) <= 0;
}

/*
 * The institution's patients of a period batch: one person in 8 of the
 * dataset's current records (valid, lost, expired, newer) is a patient of
 * this kind of care at this institution, drawn from the person id, the
 * institution code and the kind; each has an examination date within the
 * 120 days before the request's QualificationConfirmationDate and gave
 * consent up to 30 days before that. Medical aid lists every such patient
 * for any MedicalTreatmentMonth.
 */
static int period_units(const struct qsd_dataset *ds,
			struct qsd_refnums *refnums, const char *institution,
			const struct onshi_msg *req, struct onshi_bulk_result *br)
{
	const struct onshi_period_bulk_request *pr = &req->u.period_bulk_request;
	const struct onshi_period_search *p = &pr->search;
	uint64_t salt = fnv(institution) ^ ((uint64_t)req->kind << 40);
	int medaid = req->kind == ONSHI_MSG_MEDAID_BULK_REQUEST;
	int rc = ONSHI_OK;

	for (size_t i = 0; i < ds->n && rc == ONSHI_OK; i++) {
		const struct qsd_record *rec = &ds->rec[i];
		uint64_t h = salt ^ rec->person_id;
		char exam[9], consent[9];
		struct onshi_bulk_unit *u;
		struct onshi_qualification *q;

		/* Medical aid (OQSmutic) lists the persons on medical aid (A1,
		 * validity 6); the other kinds a share of the insured. */
		if (medaid ? rec->kind != QSD_KIND_MEDICAL_AID
			   : rec->kind != QSD_KIND_VALID && rec->kind != QSD_KIND_LOST &&
				     rec->kind != QSD_KIND_EXPIRED &&
				     rec->kind != QSD_KIND_NEWER)
			continue;
		h = qsd_rand_next(&h);
		if (!medaid && h % 8 != 0)
			continue;
		qsd_days_before(pr->hdr.qualification_confirmation_date,
				(unsigned)((h >> 8) % 120), exam);
		qsd_days_before(exam, (unsigned)((h >> 16) % 30), consent);
		if (!medaid &&
		    (!in_range(exam, p->examination_date_from, p->examination_date_to) ||
		     !in_range(consent, p->consent_date_from, p->consent_date_to)))
			continue;
		u = onshi_bulk_result_add(br);
		if (u == NULL)
			return ONSHI_ENOMEM;
		u->has_search = true;
		rc = onshi_msg_set(&u->search.insurer_number, rec->insurer_number);
		rc = rc ? rc
			: onshi_msg_set(&u->search.insured_card_symbol, rec->symbol);
		rc = rc ? rc
			: onshi_msg_set(&u->search.insured_identification_number,
					rec->number);
		rc = rc ? rc
			: onshi_msg_set(&u->search.insured_branch_number, rec->branch);
		rc = rc ? rc : onshi_msg_set(&u->search.birthdate, rec->birthdate);
		if (rc != ONSHI_OK)
			return rc;
		u->processing_result_status = ONSHI_STATUS_NORMAL;
		u->qualification_validity = (enum onshi_validity)rec->validity;
		q = onshi_bulk_unit_add(u);
		rc = q != NULL ? qsd_record_to_result(rec, q) : ONSHI_ENOMEM;
		if (rc == ONSHI_OK)
			rc = qsd_refnum_apply(refnums, institution, rec, q);
		br->hdr.number_of_normal_processing++;
		br->hdr.number_of_processing_result++;
	}
	return rc;
}

int qsd_bulk_fetch(struct qsd_bulk_store *b, const struct qsd_dataset *ds,
		   struct qsd_refnums *refnums, const char *institution,
		   enum onshi_msg_kind upload, const char *number,
		   struct onshi_msg *res, char *msg, size_t msglen)
{
	struct onshi_bulk_result *br = &res->u.bulk_result;
	const struct reception *r = NULL;
	int rc = ONSHI_OK;

	pthread_mutex_lock(&b->lock);
	for (size_t i = 0; i < b->n; i++)
		if (strcmp(b->r[i].number, number) == 0 &&
		    strcmp(b->r[i].institution, institution) == 0 &&
		    b->r[i].req.kind == upload)
			r = &b->r[i];
	if (r == NULL) {
		snprintf(msg, msglen, "no reception %s of %s for institution %s",
			 number, onshi_msg_kind_name(upload), institution);
		rc = ONSHI_ENOTFOUND;
	} else if (qsd_now() - r->created < (time_t)b->ready_after) {
		br->hdr.segment_of_result = ONSHI_SEGMENT_PROCESSING;
	} else if (upload == ONSHI_MSG_REFNUM_BULK_REQUEST) {
		/* registered at upload; registering again is harmless and
		 * gives each unit its outcome */
		const struct onshi_refnum_bulk_request *rq = &r->req.u.refnum_bulk_request;
		struct onshi_refnum_bulk_result *rr = &res->u.refnum_bulk_result;

		rr->hdr.segment_of_result = ONSHI_SEGMENT_NORMAL;
		for (size_t i = 0; i < rq->n_info && rc == ONSHI_OK; i++) {
			struct onshi_refnum_unit *u = onshi_refnum_bulk_result_add(rr);

			rc = u != NULL ? qsd_refnum_register(refnums, ds, institution,
							     &rq->info[i], u)
				       : ONSHI_ENOMEM;
			if (rc == ONSHI_OK &&
			    u->processing_result_status == ONSHI_STATUS_NORMAL)
				rr->hdr.number_of_normal_processing++;
			else if (rc == ONSHI_OK)
				rr->hdr.number_of_error++;
		}
		rr->hdr.number_of_processing_result = (long)rq->n_info;
	} else if (upload != ONSHI_MSG_BULK_REQUEST) {
		br->hdr.segment_of_result = ONSHI_SEGMENT_NORMAL;
		rc = period_units(ds, refnums, institution, &r->req, br);
	} else {
		const struct onshi_bulk_request *req = &r->req.u.bulk_request;

		br->hdr.segment_of_result = ONSHI_SEGMENT_NORMAL;
		for (size_t i = 0; i < req->n_search && rc == ONSHI_OK; i++) {
			struct onshi_bulk_unit *u = onshi_bulk_result_add(br);

			rc = u != NULL ? fill_unit(u, ds, refnums, institution,
						   &req->search[i])
				       : ONSHI_ENOMEM;
			if (rc == ONSHI_OK &&
			    u->processing_result_status == ONSHI_STATUS_NORMAL)
				br->hdr.number_of_normal_processing++;
			else if (rc == ONSHI_OK)
				br->hdr.number_of_error++;
		}
		br->hdr.number_of_processing_result = (long)req->n_search;
	}
	pthread_mutex_unlock(&b->lock);
	return rc;
}
