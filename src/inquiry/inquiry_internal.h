/* SPDX-License-Identifier: Apache-2.0 */
/*
 * inquiry_internal.h — the pipeline's insides, shared by its three files
 * and no one else (the rest of the daemon sees inquiry.h). They call each
 * other one way only, lowest first:
 *
 *   inquiry_kinds.c    the request kinds served, and how each is answered
 *   inquiry_deliver.c  a request settled with an answer, and delivered
 *   inquiry_parts.c    a folder batch over the service's persons per
 *                      upload, asked in parts (batch_parts.h)
 *   inquiry.c          requests accepted, checked and asked upstream
 */
#ifndef ONSHI_INQUIRY_INTERNAL_H
#define ONSHI_INQUIRY_INTERNAL_H

#include <stddef.h>

#include "national.h"

struct onshi_core;
struct onshi_module_listener;
struct onshi_msg;
struct onshi_spool_entry;

/* Spool kind flag: an unasked result for an adapter's face/ (a card read's
 * answer fanned out); the low byte is the message kind. */
#define KIND_PUSH 0x100
#define MSG_KIND(k) ((k)&0xff)

/* ---- inquiry_kinds.c ---- */

/*
 * A request kind the core serves: the result kind it is answered with,
 * the call of our national API profile that answers it
 * (docs/national-api.md), and whether it is an upload (sent with an
 * Idempotency-Key, so a retry never becomes a second reception).
 */
struct inquiry_request_kind {
	int kind, answer;
	const char *path;
	int upload;
};

/* The request kind of a spool kind; NULL if it is none we serve. */
const struct inquiry_request_kind *inquiry_request_kind_of(int kind);
/* The result kind of e's request kind (ONSHI_MSG_ERROR if none). */
int inquiry_answer_kind_ok(const struct onshi_spool_entry *e);
/* Which document kind e's spooled answer is parsed back as. */
int inquiry_answer_kind(const struct onshi_spool_entry *e);

/* ---- inquiry_deliver.c ---- */

/* Offer e's spooled answer to its module; forget it once the adapter has
 * it. Card reads are fanned out to the institution's adapters instead. */
void inquiry_try_deliver(struct onshi_core *core, struct onshi_spool_entry *e);
/* Answer e with an error document naming the problem, then deliver; req
 * (may be NULL) is echoed. */
void inquiry_answer_error(struct onshi_core *core, struct onshi_spool_entry *e,
			  int err, const char *why, const struct onshi_msg *req);
/* inquiry_answer_error() with the spooled request parsed again for the
 * echo. */
void inquiry_answer_error_req(struct onshi_core *core, struct onshi_spool_entry *e,
			      int err, const char *why);
/* Settle e with an upstream document (see inquiry_deliver.c); on failure
 * e is still spooled and why says what went wrong. */
int inquiry_record_upstream(struct onshi_core *core,
			    struct onshi_spool_entry *e, struct onshi_msg *doc,
			    int is_error, char *why, size_t whylen);
/* Offers a (re)started module the answers waiting for it. */
extern const struct onshi_module_listener inquiry_module_listener;

/* ---- inquiry_parts.c ---- */

/* Whether req (e's, parsed) is asked in parts: an upload over [national]
 * batch_max_persons, or a fetch of one of onshi's own numbers. */
int inquiry_parts_wanted(const struct onshi_core *core,
			 const struct onshi_spool_entry *e,
			 const struct onshi_msg *req);
/*
 * Ask req in parts for institution code (key: e's Idempotency-Key). Its
 * end comes to done (inquiry.c hands in inquiry_on_national_answer; its
 * argument is e) as one answer of the national service would: the reception or merged result as a document of the
 * kind asked for, a refusal as an error document, a transport failure as
 * such (kept in the spool, asked again). ONSHI_OK: under way; else not
 * started, with why (ONSHI_EINVAL: answer e with it now).
 */
int inquiry_parts_post(struct onshi_core *core, struct onshi_spool_entry *e,
		       const struct onshi_msg *req, const char *code, const char *key,
		       onshi_national_cb done, char *why, size_t whylen);

/* ---- inquiry.c ---- */

/* A national answer to e (a real call's or inquiry_parts.c's). */
void inquiry_on_national_answer(void *arg, enum onshi_national_outcome outcome,
				long status, const char *body, size_t len,
				const char *why);

#endif
