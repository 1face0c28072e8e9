/* SPDX-License-Identifier: Apache-2.0 */
/*
 * inquiry_kinds.c — the request kinds the core serves, as a table: the
 * result kind each is answered with, the path of our national API profile
 * that answers it, and whether it is an upload. Apart from inquiry.c
 * because both halves of the pipeline read it (asking upstream, and
 * parsing a spooled answer back for delivery), and because a new kind of
 * request starts here.
 */
#include "config.h"

#include <stddef.h>

#include <onshi/message.h>

#include "inquiry_internal.h"
#include "spool.h"

static const struct inquiry_request_kind request_kinds[] = {
	{ ONSHI_MSG_INQUIRY_REQUEST, ONSHI_MSG_INQUIRY_RESULT, "/qualification", 0 },
	{ ONSHI_MSG_BULK_REQUEST, ONSHI_MSG_BULK_RECEPTION, "/bulk", 1 },
	{ ONSHI_MSG_BULK_FETCH, ONSHI_MSG_BULK_RESULT, "/bulk/result", 0 },
	{ ONSHI_MSG_DRUG_REQUEST, ONSHI_MSG_DRUG_RESULT, "/info/drug", 0 },
	{ ONSHI_MSG_CHECKUP_REQUEST, ONSHI_MSG_CHECKUP_RESULT, "/info/checkup", 0 },
	{ ONSHI_MSG_ONLINE_BULK_REQUEST, ONSHI_MSG_ONLINE_BULK_RECEPTION,
	  "/bulk/online", 1 },
	{ ONSHI_MSG_ONLINE_BULK_FETCH, ONSHI_MSG_ONLINE_BULK_RESULT,
	  "/bulk/online/result", 0 },
	{ ONSHI_MSG_HOMEVISIT_BULK_REQUEST, ONSHI_MSG_HOMEVISIT_BULK_RECEPTION,
	  "/bulk/homevisit", 1 },
	{ ONSHI_MSG_HOMEVISIT_BULK_FETCH, ONSHI_MSG_HOMEVISIT_BULK_RESULT,
	  "/bulk/homevisit/result", 0 },
	{ ONSHI_MSG_MEDAID_BULK_REQUEST, ONSHI_MSG_MEDAID_BULK_RECEPTION,
	  "/bulk/medicalaid", 1 },
	{ ONSHI_MSG_MEDAID_BULK_FETCH, ONSHI_MSG_MEDAID_BULK_RESULT,
	  "/bulk/medicalaid/result", 0 },
	{ ONSHI_MSG_REFNUM_REQUEST, ONSHI_MSG_REFNUM_RESULT, "/reference-number", 0 },
	{ ONSHI_MSG_REFNUM_BULK_REQUEST, ONSHI_MSG_REFNUM_BULK_RECEPTION,
	  "/reference-number/bulk", 1 },
	{ ONSHI_MSG_REFNUM_BULK_FETCH, ONSHI_MSG_REFNUM_BULK_RESULT,
	  "/reference-number/bulk/result", 0 },
};

const struct inquiry_request_kind *inquiry_request_kind_of(int kind)
{
	for (size_t i = 0; i < sizeof(request_kinds) / sizeof(request_kinds[0]); i++)
		if (request_kinds[i].kind == MSG_KIND(kind))
			return &request_kinds[i];
	return NULL;
}

int inquiry_answer_kind_ok(const struct onshi_spool_entry *e)
{
	const struct inquiry_request_kind *rk = inquiry_request_kind_of(e->kind);

	return rk ? rk->answer : ONSHI_MSG_ERROR;
}

int inquiry_answer_kind(const struct onshi_spool_entry *e)
{
	return e->answer_is_error ? ONSHI_MSG_ERROR : inquiry_answer_kind_ok(e);
}
