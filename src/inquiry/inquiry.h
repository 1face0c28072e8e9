/* SPDX-License-Identifier: Apache-2.0 */
/*
 * inquiry.h — the path of a request from an adapter to its answer:
 * accept into the spool, check and parse it, ask upstream, record the
 * answer, deliver it to the adapter that asked (now, or once that module
 * runs again). The spool makes every step survive a crash.
 *
 * Malformed or hostile requests are answered at once with an error
 * document naming the problem; card reads (from readers) are checked and
 * their answers pushed to the institution's receipt-computer adapters.
 */
#ifndef ONSHI_CORE_INQUIRY_H
#define ONSHI_CORE_INQUIRY_H

#include <stddef.h>

#include <onshi/host.h>

struct onshi_core;
struct onshi_module;
struct onshi_instance;

/*
 * The most persons one batch upload may hold: [spool] max_batch_persons
 * (conf_schema.h: default and ceiling 100,000, the codec's bound on one
 * parsed upload). A batch's result no longer limits it: it is written to
 * the spool as it arrives and read back unit by unit (xmlmsg_stream.h).
 * NULL when a batch of n persons may be uploaded, else why not.
 */
const char *onshi_batch_size_refusal(const struct onshi_core *core, size_t n,
				     char *why, size_t whylen);

/* Open the spool and resume unfinished work. */
int onshi_inquiry_open(struct onshi_core *core, char *msg, size_t msglen);
void onshi_inquiry_close(struct onshi_core *core);

/*
 * Accept a request for module (spooled durably, then processed). flags:
 * ONSHI_SUBMIT_* of onshi/host.h (a request that may be partial and does
 * not parse is handed back with ONSHI_EINCOMPLETE, not spooled).
 */
int onshi_inquiry_accept(struct onshi_core *core, const char *module,
			 const char *request_id, int kind, const void *body,
			 size_t len, unsigned flags, char *msg, size_t msglen);

/* host->submit() and host->submit_flags(). */
int onshi_inquiry_submit(struct onshi_instance *inst, const char *request_id,
			 int kind, const void *body, size_t len, char *msg,
			 size_t msglen);
int onshi_inquiry_submit_flags(struct onshi_instance *inst, const char *request_id,
			       int kind, const void *body, size_t len,
			       unsigned flags, char *msg, size_t msglen);

/*
 * onshi_inquiry_accept() made durable in the next round of the spool's
 * group commit: ONSHI_OK means the request is in the spool's index (a
 * second offer gets ONSHI_EUNAVAIL); done(arg, rc, why) runs on the loop
 * thread once the record is durable (rc ONSHI_OK: the adapter may delete
 * its copy) or could not be made so (the adapter keeps it), unless inst
 * (may be NULL) stopped meanwhile. The request is checked and asked
 * upstream only after done. Errors returned here are as for
 * onshi_inquiry_accept(); done is then never called.
 */
int onshi_inquiry_accept_later(struct onshi_core *core,
			       struct onshi_instance *inst, const char *module,
			       const char *request_id, int kind, const void *body,
			       size_t len, unsigned flags, onshi_submit_cb done,
			       void *arg, char *msg, size_t msglen);
/* host->submit_later(). */
int onshi_inquiry_submit_later(struct onshi_instance *inst,
			       const char *request_id, int kind, const void *body,
			       size_t len, unsigned flags, onshi_submit_cb done,
			       void *arg, char *msg, size_t msglen);

/* Spool depth for status: all entries, and those still unanswered. */
size_t onshi_inquiry_depth(struct onshi_core *core, size_t *unanswered);

struct onshi_status_snapshot;
/* The status model's provider of spool= and unanswered=, added to the line
 * before them (the daemon line); ctx is the core. */
void onshi_inquiry_status_fields(struct onshi_status_snapshot *s, void *ctx);

#endif
