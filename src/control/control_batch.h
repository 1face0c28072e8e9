/* SPDX-License-Identifier: Apache-2.0 */
/*
 * control_batch.h — what BATCH SUBMIT / BATCH FETCH (control_batch.c) and
 * their parted form (control_batch_parts.c: a batch over the national
 * service's persons per upload) share, in control_batch_common.c: the CSV
 * reader, the idempotency key, the reply's unit lines and the files the
 * results pass through.
 */
#ifndef ONSHI_CONTROL_BATCH_H
#define ONSHI_CONTROL_BATCH_H

#include <stddef.h>

#include <onshi/message.h>

#include "strbuf.h"

struct onshi_core;
struct onshi_control_client;

/* Reply lines are written to their file in slices of about this much. */
#define LINES_SLICE (64u * 1024)

/* Where the CSV of a BATCH SUBMIT is being read (onshi_cbatch_csv_next()). */
struct csv_source {
	char *save; /* strtok_r's place; NULL before the first line */
	char *text;
	unsigned lineno;
	size_t taken;  /* searches so far */
	int last_gave; /* the last call gave a search (the writer checks it) */
	const struct onshi_core *core;
};

/* The searches of a CSV batch text: its lines that are neither empty nor
 * comments. */
size_t onshi_cbatch_csv_count(const char *text);
/* The next CSV line "insurer,symbol,number,branch,birth" as a search
 * (an onshi_search_source). */
int onshi_cbatch_csv_next(void *arg, struct onshi_search_info *si, int *got,
			  char *why, size_t whylen);
/* The Idempotency-Key of an upload: SHA-256 of institution and bytes, hex. */
void onshi_cbatch_key_of(const char *code, const char *body, size_t len,
			 char out[65]);
/* One reply line for unit i (from 0). */
void onshi_cbatch_put_unit(struct onshi_strbuf *b, size_t i,
			   const struct onshi_bulk_unit *u);
/* [spool] max_batch_answer_bytes. */
size_t onshi_cbatch_answer_bound(const struct onshi_core *core);
/* An anonymous file in the spool's folder; -1 with why. */
int onshi_cbatch_tmpfile(const struct onshi_core *core, char *why, size_t whylen);
/* Append b to fd once it is a slice long (all when force); -1 on error. */
int onshi_cbatch_flush_lines(int fd, struct onshi_strbuf *b, int force);

/*
 * The parted forms (control_batch_parts.c). SUBMIT: the batch (CSV text,
 * or a parsed OQSmuquc01req in req) has more persons than [national]
 * batch_max_persons: upload it in parts and answer with onshi's own
 * number. FETCH: number is one of onshi's (batch_parts.h): fetch every
 * part and answer with one merged result. Both answer client themselves.
 */
void onshi_cbatch_submit_parts(struct onshi_core *core,
			       struct onshi_control_client *client,
			       const char *code, char *date, const char *key,
			       char *csv, const struct onshi_msg *req,
			       struct onshi_strbuf *reply);
void onshi_cbatch_fetch_parts(struct onshi_core *core,
			      struct onshi_control_client *client, const char *code,
			      const char *number, struct onshi_strbuf *reply);

#endif
