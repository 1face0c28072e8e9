/* SPDX-License-Identifier: Apache-2.0 */
/*
 * control_batch_common.c — what BATCH SUBMIT / BATCH FETCH
 * (control_batch.c) and their parted form (control_batch_parts.c) share:
 * the CSV reader, the idempotency key, the reply's unit lines and the
 * files the results pass through (control_batch.h). Below both, so that
 * neither calls the other back.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <onshi/message.h>

#include "batch_parts.h"
#include "control.h"
#include "control_batch.h"
#include "core.h"
#include "inquiry.h"
#include "key_hex.h"

/* The searches of a CSV batch file: its lines that are not empty or
 * comments (as onshi_cbatch_csv_next() reads them). */
size_t onshi_cbatch_csv_count(const char *text)
{
	size_t n = 0;

	while (*text) {
		size_t ll = strcspn(text, "\n");

		n += ll && *text != '#' && *text != '\r';
		text += ll + (text[ll] == '\n');
	}
	return n;
}

/*
 * The next CSV line "insurer,symbol,number,branch,birth" as a search
 * (onshi_search_source): read while the upload is written, so that a
 * batch of 100,000 persons is never a model in memory.
 */
int onshi_cbatch_csv_next(void *arg, struct onshi_search_info *si, int *got,
			  char *why, size_t whylen)
{
	struct csv_source *cs = arg;
	char *line;

	*got = 0;
	cs->last_gave = 0;
	for (;;) {
		char *f[5], *p;
		int n = 0;

		line = strtok_r(cs->save ? NULL : cs->text, "\n", &cs->save);
		if (!line)
			return ONSHI_OK;
		cs->lineno++;
		line[strcspn(line, "\r")] = '\0';
		if (!*line || *line == '#')
			continue;
		p = line;
		while (n < 5) {
			f[n++] = p;
			p = strchr(p, ',');
			if (!p)
				break;
			*p++ = '\0';
		}
		if (n != 5 || p) {
			snprintf(why, whylen,
				 "line %u: want insurer,symbol,number,branch,birth",
				 cs->lineno);
			return ONSHI_EINVAL;
		}
		/* Refused at the first line over the limit, naming the file's
		 * whole count (its other lines counted, not read). */
		if (onshi_batch_size_refusal(cs->core, ++cs->taken, why, whylen)) {
			size_t total = cs->taken +
				       (cs->save ? onshi_cbatch_csv_count(cs->save)
						 : 0);

			onshi_batch_size_refusal(cs->core, total, why, whylen);
			return ONSHI_ETOOBIG;
		}
		if (onshi_msg_set(&si->insurer_number, f[0]) ||
		    onshi_msg_set(&si->insured_card_symbol, f[1]) ||
		    onshi_msg_set(&si->insured_identification_number, f[2]) ||
		    onshi_msg_set(&si->insured_branch_number, f[3]) ||
		    onshi_msg_set(&si->birthdate, f[4]))
			return ONSHI_ENOMEM;
		*got = cs->last_gave = 1;
		return ONSHI_OK;
	}
}

void onshi_cbatch_key_of(const char *code, const char *body, size_t len, char out[65])
{
	onshi_key_hex(code, strlen(code), body, len, out);
}

void onshi_cbatch_put_unit(struct onshi_strbuf *b, size_t i,
			   const struct onshi_bulk_unit *u)
{
	const struct onshi_qualification *q = u->n_results ? &u->results[0] : NULL;

	onshi_control_put_kv_long(b, "unit", (long)i + 1);
	onshi_control_put_kv_long(b, "validity", (long)u->qualification_validity);
	onshi_control_put_kv_long(b, "status", (long)u->processing_result_status);
	if (u->has_search) {
		if (u->search.insurer_number)
			onshi_control_put_kv(b, "insurer", u->search.insurer_number);
		if (u->search.insured_identification_number)
			onshi_control_put_kv(b, "number",
					     u->search.insured_identification_number);
	}
	if (q && q->name)
		onshi_control_put_kv(b, "name", q->name);
	if (u->processing_result_message)
		onshi_control_put_kv(b, "message", u->processing_result_message);
	onshi_strbuf_append(b, "\n", 1);
}

/* [spool] max_batch_answer_bytes (its default when settings were not
 * loaded). */
size_t onshi_cbatch_answer_bound(const struct onshi_core *core)
{
	long v = core->settings.batch_max_answer_bytes;

	return (size_t)(v > 0 ? v : ONSHI_BATCH_ANSWER_BYTES_DEFAULT);
}

/*
 * A file nobody else can open, in the spool's folder (the disk the
 * operator gave onshid for patient data, 0600): gone when closed, so a
 * crash leaves nothing behind. -1 with why set.
 */
int onshi_cbatch_tmpfile(const struct onshi_core *core, char *why, size_t whylen)
{
	return onshi_batch_tmpfile(core->settings.spool_dir ? core->settings.spool_dir
							    : "/tmp",
				   why, whylen);
}

/* Append to fd what b holds once it is a slice long (all when force). */
int onshi_cbatch_flush_lines(int fd, struct onshi_strbuf *b, int force)
{
	size_t done = 0;

	if (b->failed)
		return -1;
	if (!force && b->len < LINES_SLICE)
		return 0;
	while (done < b->len) {
		ssize_t n = write(fd, b->data + done, b->len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		done += (size_t)n;
	}
	onshi_strbuf_consume(b, b->len);
	return 0;
}
