/* SPDX-License-Identifier: Apache-2.0 */
/*
 * status_counts.c — today's answers by validity and card reads by method.
 *
 * The day rolls over lazily: every update and every read first compares
 * the local date with the one the counts are for, so the counts start from
 * zero at local midnight without a timer.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <onshi/message.h>

#include "status.h"

void onshi_counts_roll(struct onshi_counts *c, time_t now)
{
	struct tm tm;
	long day;

	localtime_r(&now, &tm);
	day = (tm.tm_year + 1900L) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
	if (c->day != day) {
		memset(c, 0, sizeof(*c));
		c->day = day;
	}
}

void onshi_counts_answer(struct onshi_core *core, int is_error, int validity)
{
	struct onshi_counts *c = &core->counts;

	onshi_counts_roll(c, time(NULL));
	if (is_error) {
		c->errors++;
		return;
	}
	switch (validity) {
	case ONSHI_VALIDITY_VALID:
	case ONSHI_VALIDITY_UNREGISTERED: c->valid++; break;
	case ONSHI_VALIDITY_INVALID:
	case ONSHI_VALIDITY_SUPERSEDED: c->invalid++; break;
	case ONSHI_VALIDITY_NOT_FOUND: c->no_record++; break;
	default: c->other++; break;
	}
}

void onshi_counts_card(struct onshi_core *core, int method)
{
	struct onshi_counts *c = &core->counts;

	onshi_counts_roll(c, time(NULL));
	if (method == ONSHI_AUTH_FACE)
		c->card_face++;
	else if (method == ONSHI_AUTH_PIN)
		c->card_pin++;
	else if (method == ONSHI_AUTH_VISUAL)
		c->card_visual++;
}

/*
 * Request families: the status key each is counted under and the kinds
 * that belong to it. Key names are [a-z_] (status_xml.c makes them
 * attributes; etc/xsd/onshi-status.xsd lists them).
 */
static const struct {
	const char *key;
	int kinds[4];
} families[ONSHI_COUNT_FAMILIES] = {
	{ "req_qualification", { ONSHI_MSG_INQUIRY_REQUEST } },
	{ "req_batch", { ONSHI_MSG_BULK_REQUEST, ONSHI_MSG_BULK_FETCH } },
	{ "req_drug", { ONSHI_MSG_DRUG_REQUEST } },
	{ "req_checkup", { ONSHI_MSG_CHECKUP_REQUEST } },
	{ "req_batch_online",
	  { ONSHI_MSG_ONLINE_BULK_REQUEST, ONSHI_MSG_ONLINE_BULK_FETCH } },
	{ "req_batch_homevisit",
	  { ONSHI_MSG_HOMEVISIT_BULK_REQUEST, ONSHI_MSG_HOMEVISIT_BULK_FETCH } },
	{ "req_batch_medicalaid",
	  { ONSHI_MSG_MEDAID_BULK_REQUEST, ONSHI_MSG_MEDAID_BULK_FETCH } },
	{ "req_reference_number",
	  { ONSHI_MSG_REFNUM_REQUEST, ONSHI_MSG_REFNUM_BULK_REQUEST,
	    ONSHI_MSG_REFNUM_BULK_FETCH } },
};

const char *onshi_counts_family_key(int i)
{
	return i >= 0 && i < ONSHI_COUNT_FAMILIES ? families[i].key : NULL;
}

void onshi_counts_request(struct onshi_core *core, int kind)
{
	struct onshi_counts *c = &core->counts;

	onshi_counts_roll(c, time(NULL));
	for (int i = 0; i < ONSHI_COUNT_FAMILIES && families[i].key; i++)
		for (int k = 0; k < 4 && families[i].kinds[k]; k++)
			if (families[i].kinds[k] == kind)
				c->requests[i]++;
}

void onshi_counts_today(struct onshi_core *core, struct onshi_counts *out)
{
	onshi_counts_roll(&core->counts, time(NULL));
	*out = core->counts;
}

/* "today=YYYY-MM-DD valid=.. invalid=.. ..." (reset at local midnight). */
void onshi_counts_status_line(struct onshi_status_snapshot *s, void *core)
{
	struct onshi_counts c;
	char day[48];

	onshi_counts_today(core, &c);
	snprintf(day, sizeof(day), "%04ld-%02ld-%02ld", c.day / 10000,
		 c.day / 100 % 100, c.day % 100);
	onshi_status_line_begin(s, "today", day);
	onshi_status_put_long(s, "valid", c.valid);
	onshi_status_put_long(s, "invalid", c.invalid);
	onshi_status_put_long(s, "no_record", c.no_record);
	onshi_status_put_long(s, "other", c.other);
	onshi_status_put_long(s, "errors", c.errors);
	onshi_status_put_long(s, "card_face", c.card_face);
	onshi_status_put_long(s, "card_pin", c.card_pin);
	onshi_status_put_long(s, "card_visual", c.card_visual);
	for (int i = 0; onshi_counts_family_key(i); i++)
		onshi_status_put_long(s, onshi_counts_family_key(i), c.requests[i]);
}
