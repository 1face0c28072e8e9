/*
 * bulk.c — batch receptions of onshi-qsd (OQSmuquc01 / OQSmuquc02).
 *
 * Phase 1 stores the uploaded searches under the client's Idempotency-Key
 * and hands out a ReceptionNumber; the same key with the same body gets the
 * same number back (a retried upload must never become a second
 * reception), the same key with another body is refused. Phase 2 answers
 * "processing" until the reception is ready_after seconds old, then looks
 * every search up in the dataset.
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

int qsd_bulk_accept(struct qsd_bulk_store *b, const char *institution, const char *key,
		    const unsigned char digest[32], struct onshi_msg *req, char out[16])
{
	struct reception *r;
	time_t wall = time(NULL);
	struct tm tm;
	int rc = ONSHI_OK;

	pthread_mutex_lock(&b->lock);
	for (size_t i = 0; i < b->n; i++) {
		r = &b->r[i];
		if (strcmp(r->institution, institution) != 0 || strcmp(r->key, key) != 0)
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
		 (unsigned)(tm.tm_year + 1900) % 10000u, (unsigned)(tm.tm_mon + 1) % 100u,
		 (unsigned)tm.tm_mday % 100u, ++b->counter % 1000000u);
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
			rc = onshi_msg_set(&u->processing_result_message, "該当資格なし");
		return rc;
	}
	u->qualification_validity = n > 1 ? ONSHI_VALIDITY_AMBIGUOUS
					  : (enum onshi_validity)ds->rec[ds->by_keys[first]].validity;
	u->processing_result_status = n > 1 ? ONSHI_STATUS_ERROR : ONSHI_STATUS_NORMAL;
	if (n > 1 && rc == ONSHI_OK)
		rc = onshi_msg_set(&u->processing_result_code, "1002");
	if (n > 1 && rc == ONSHI_OK)
		rc = onshi_msg_set(&u->processing_result_message, "複数の資格が該当");
	for (size_t i = 0; i < n && rc == ONSHI_OK; i++) {
		struct onshi_qualification *q = onshi_bulk_unit_add(u);

		rc = q != NULL ? qsd_record_to_result(&ds->rec[ds->by_keys[first + i]], q)
			       : ONSHI_ENOMEM;
	}
	return rc;
}

int qsd_bulk_fetch(struct qsd_bulk_store *b, const struct qsd_dataset *ds,
		   const char *institution, const char *number, struct onshi_msg *res,
		   char *msg, size_t msglen)
{
	struct onshi_bulk_result *br = &res->u.bulk_result;
	const struct reception *r = NULL;
	int rc = ONSHI_OK;

	pthread_mutex_lock(&b->lock);
	for (size_t i = 0; i < b->n; i++)
		if (strcmp(b->r[i].number, number) == 0 &&
		    strcmp(b->r[i].institution, institution) == 0)
			r = &b->r[i];
	if (r == NULL) {
		snprintf(msg, msglen, "no reception %s for institution %s", number, institution);
		rc = ONSHI_ENOTFOUND;
	} else if (qsd_now() - r->created < (time_t)b->ready_after) {
		br->hdr.segment_of_result = ONSHI_SEGMENT_PROCESSING;
	} else {
		const struct onshi_bulk_request *req = &r->req.u.bulk_request;

		br->hdr.segment_of_result = ONSHI_SEGMENT_NORMAL;
		for (size_t i = 0; i < req->n_search && rc == ONSHI_OK; i++) {
			struct onshi_bulk_unit *u = onshi_bulk_result_add(br);

			rc = u != NULL ? fill_unit(u, ds, &req->search[i]) : ONSHI_ENOMEM;
			if (rc == ONSHI_OK && u->processing_result_status == ONSHI_STATUS_NORMAL)
				br->hdr.number_of_normal_processing++;
			else if (rc == ONSHI_OK)
				br->hdr.number_of_error++;
		}
		br->hdr.number_of_processing_result = (long)req->n_search;
	}
	pthread_mutex_unlock(&b->lock);
	return rc;
}
