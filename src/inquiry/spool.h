/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spool.h — the durable record of every accepted request until its answer
 * has been delivered: the source of truth for "nothing lost, nothing
 * doubled" (docs/threat-model.md).
 *
 * One directory (0700) holding one append-only file, `spool.log`
 * (spool_log.h): per request a request record (who asked, the adapter's
 * id, the kind, the raw request bytes) and, when the answer cannot be
 * delivered at once (adapter disabled or failing, card reads waiting to
 * be fanned out), an answer record; an answer its adapter takes straight
 * away is never written here (inquiry_deliver.c: inquiry_record_upstream).
 * A record is synced before anything acts on it; a delivered request's
 * record is marked done in place. At open the log is read (a write cut
 * short by a crash is dropped, damaged records are skipped and the log
 * kept aside as `spool.log.<time>.corrupt`) and written back with only the
 * live records; it is rewritten the same way whenever it has grown to
 * twice what is live in it. The record files of an older onshid
 * (`<seq>.req`, `<seq>.ans`) are moved into the log at open.
 */
#ifndef ONSHI_CORE_SPOOL_H
#define ONSHI_CORE_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#include <onshi/error.h>

struct onshi_spool;

/*
 * A national answer that came back while its request's record was still
 * being made durable (inquiry.c asks read-only inquiries at once): kept,
 * unread, until the record is durable (not persisted).
 */
struct onshi_spool_early_answer {
	int outcome;
	long status;
	char *body;
	size_t len;
	char *why;
};

struct onshi_spool_entry {
	uint64_t seq;
	char *module;     /* "rececon:ws9" */
	char *request_id; /* the adapter's id, unique per module */
	int kind;         /* enum onshi_msg_kind */
	char *body;       /* raw request bytes (NUL-terminated copy) */
	size_t body_len;
	int answered;
	int answer_is_error;
	char *answer; /* answer document, UTF-8 XML, when answered */
	size_t answer_len;
	int in_flight;         /* being asked upstream (not persisted) */
	int malformed_answers; /* unparsable upstream answers (not persisted) */
	void *user;            /* for the spool's user (not persisted) */
	/* The request's ArbitraryFileIdentifier, kept from the first parse so
	 * the answer can echo it without parsing the request again (not
	 * persisted; echo_known 0 after a restart). */
	char *echo_afi;
	int echo_known;
	/* Accepted with onshi_spool_accept_later() and not durable yet (not
	 * persisted): nothing may act on it. */
	int committing;
	void *committing_for; /* whom to tell once it is (the spool's user) */
	struct onshi_spool_early_answer *early_answer; /* freed with e */
	/* Its record could not be made durable while a call for it was in
	 * flight: out of the index (a second offer is a new request), kept
	 * only for that call's callback (onshi_spool_release_abandoned). */
	int abandoned;
	/* Where its request record starts in the log, and the bytes its
	 * records take there (not persisted). */
	uint64_t log_off;
	size_t log_bytes;
	struct onshi_spool_entry *next;
};

/* Open (create 0700) dir and load what it holds. */
int onshi_spool_open(const char *dir, struct onshi_spool **out, char *msg,
		     size_t msglen);
void onshi_spool_close(struct onshi_spool *s);

/*
 * Record a request durably. ONSHI_EEXIST (and *out set to the existing
 * entry) when module already has request_id.
 */
int onshi_spool_accept(struct onshi_spool *s, const char *module,
		       const char *request_id, int kind, const void *body, size_t len,
		       struct onshi_spool_entry **out, char *msg, size_t msglen);
struct onshi_group_commit;

/*
 * Make record writes durable through gc (group_commit.h) where a caller
 * asks for it (onshi_spool_accept_later, onshi_spool_delivered_later);
 * NULL: every write is synchronous. gc must outlive its use here.
 */
void onshi_spool_set_commit(struct onshi_spool *s, struct onshi_group_commit *gc);
struct onshi_group_commit *onshi_spool_commit(struct onshi_spool *s);

/* e's record is durable (rc ONSHI_OK) or could not be made so: then e is
 * removed from the spool right after this returns. */
typedef void (*onshi_spool_accepted_cb)(void *arg, struct onshi_spool_entry *e,
					int rc, const char *why);
/* (On failure an entry still e->in_flight is abandoned rather than freed:
 * see e->abandoned.) */

/*
 * onshi_spool_accept() whose record becomes durable in the group commit's
 * next round: *out is in the index at once (e->committing), done runs on
 * the loop thread once the round is over. A second offer of the same id
 * meanwhile gets ONSHI_EUNAVAIL. ONSHI_ESTATE without a group commit.
 */
int onshi_spool_accept_later(struct onshi_spool *s, const char *module,
			     const char *request_id, int kind, const void *body,
			     size_t len, onshi_spool_accepted_cb done,
			     void *arg, struct onshi_spool_entry **out,
			     char *msg, size_t msglen);

/* An abandoned entry's call has ended: free it (before close, which
 * frees those left). */
void onshi_spool_release_abandoned(struct onshi_spool *s,
				   struct onshi_spool_entry *e);

/* Record the answer durably (before anyone is told). */
int onshi_spool_answer(struct onshi_spool *s, struct onshi_spool_entry *e,
		       int is_error, const char *answer, size_t len, char *msg,
		       size_t msglen);
/* The answer was delivered: forget the entry (frees e). */
int onshi_spool_delivered(struct onshi_spool *s, struct onshi_spool_entry *e);
/* The same, with the folder flushed in the group commit's next round
 * rather than now: for a delivery whose files a round already made
 * durable, so that nothing is left to order after the forget. */
void onshi_spool_delivered_later(struct onshi_spool *s, struct onshi_spool_entry *e);

/* For tests and benchmarks: rewrite the log from this size on (default
 * 4 MiB), and its size now. */
void onshi_spool_set_compact_min(struct onshi_spool *s, uint64_t bytes);
uint64_t onshi_spool_log_size(const struct onshi_spool *s);

/* First entry (in sequence order); iterate with e->next. */
struct onshi_spool_entry *onshi_spool_first(struct onshi_spool *s);
/* Number of entries, and of those still unanswered. */
size_t onshi_spool_count(const struct onshi_spool *s, size_t *unanswered);

#endif
