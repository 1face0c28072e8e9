/* SPDX-License-Identifier: Apache-2.0 */
/*
 * refnum.c — the reference numbers (照会番号) institutions register with
 * onshi-qsd (OQSsiimm01, OQSmuimm01/02).
 *
 * Kept per institution and person, in memory for the run: a person
 * registered again gets the new number. Results, batch units and card
 * pushes of that institution carry the number in the person's record.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qsd.h"

struct refnum {
	char institution[11];
	unsigned person_id;
	char number[ONSHI_REFNUM_MAX + 1];
};

struct qsd_refnums {
	pthread_mutex_t lock;
	struct refnum *r;
	size_t n, cap;
};

struct qsd_refnums *qsd_refnums_new(void)
{
	struct qsd_refnums *s = calloc(1, sizeof(*s));

	if (s != NULL)
		pthread_mutex_init(&s->lock, NULL);
	return s;
}

void qsd_refnums_free(struct qsd_refnums *s)
{
	if (s == NULL)
		return;
	free(s->r);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

int qsd_refnum_set(struct qsd_refnums *s, const char *institution,
		   unsigned person_id, const char *number)
{
	int rc = ONSHI_OK;
	size_t i;

	if (strlen(number) > ONSHI_REFNUM_MAX)
		return ONSHI_EINVAL;
	pthread_mutex_lock(&s->lock);
	for (i = 0; i < s->n; i++)
		if (s->r[i].person_id == person_id &&
		    strcmp(s->r[i].institution, institution) == 0)
			break;
	if (i == s->n) {
		if (s->n == s->cap) {
			size_t ncap = s->cap ? s->cap * 2 : 64;
			struct refnum *nr = realloc(s->r, ncap * sizeof(*nr));

			if (nr == NULL) {
				rc = ONSHI_ENOMEM;
				goto out;
			}
			s->r = nr;
			s->cap = ncap;
		}
		s->n++;
		snprintf(s->r[i].institution, sizeof(s->r[i].institution), "%s",
			 institution);
		s->r[i].person_id = person_id;
	}
	snprintf(s->r[i].number, sizeof(s->r[i].number), "%s", number);
out:
	pthread_mutex_unlock(&s->lock);
	return rc;
}

int qsd_refnum_apply(struct qsd_refnums *s, const char *institution,
		     const struct qsd_record *rec, struct onshi_qualification *q)
{
	char number[ONSHI_REFNUM_MAX + 1] = "";

	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->n; i++)
		if (s->r[i].person_id == rec->person_id &&
		    strcmp(s->r[i].institution, institution) == 0)
			memcpy(number, s->r[i].number, sizeof(number));
	pthread_mutex_unlock(&s->lock);
	return number[0] != '\0' ? onshi_msg_set(&q->reference_number, number)
				 : ONSHI_OK;
}

int qsd_refnum_register(struct qsd_refnums *s, const struct qsd_dataset *ds,
			const char *institution, const struct onshi_refnum_info *ri,
			struct onshi_refnum_unit *u)
{
	struct onshi_search_info si;
	size_t first = 0, n;
	int rc = ONSHI_OK;

	memset(&si, 0, sizeof(si));
	si.insurer_number = ri->insurer_number;
	si.insured_card_symbol = ri->insured_card_symbol;
	si.insured_identification_number = ri->insured_identification_number;
	si.insured_branch_number = ri->insured_branch_number;
	si.birthdate = ri->birthdate;
	n = qsd_dataset_find(ds, &si, &first);
	if (n == 1)
		rc = qsd_refnum_set(s, institution,
				    ds->rec[ds->by_keys[first]].person_id,
				    ri->reference_number);
	if (u == NULL || rc != ONSHI_OK)
		return rc;
	u->has_info = true;
	rc = onshi_msg_set(&u->info.insurer_number, ri->insurer_number);
	rc = rc ? rc
		: onshi_msg_set(&u->info.insured_card_symbol, ri->insured_card_symbol);
	rc = rc ? rc
		: onshi_msg_set(&u->info.insured_identification_number,
				ri->insured_identification_number);
	rc = rc ? rc
		: onshi_msg_set(&u->info.insured_branch_number,
				ri->insured_branch_number);
	rc = rc ? rc : onshi_msg_set(&u->info.birthdate, ri->birthdate);
	rc = rc ? rc
		: onshi_msg_set(&u->info.reference_number, ri->reference_number);
	u->processing_result_status = n == 1 ? ONSHI_STATUS_NORMAL
					     : ONSHI_STATUS_ERROR;
	if (rc == ONSHI_OK && n != 1)
		rc = onshi_msg_set(&u->processing_result_code,
				   n == 0 ? "1001" : "1002");
	if (rc == ONSHI_OK && n != 1)
		rc = onshi_msg_set(&u->processing_result_message,
				   n == 0 ? "該当資格なし" : "複数の資格が該当");
	return rc;
}
