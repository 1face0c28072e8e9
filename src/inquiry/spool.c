/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spool.c — durable request records: the index in memory, kept in one
 * append-only file (spool_log.h) that is rewritten with only the live
 * records when it has grown to twice their size.
 *
 * Per request: a request record is appended and synced (alone, or in the
 * group commit's next round) before anything acts on it; an answer that
 * cannot be delivered at once is appended and synced before anyone is
 * told; a delivered request's record is marked done in place. A spool of
 * record files from an older onshid is moved into the log at open
 * (spool_legacy.c).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <onshi/error.h>

#include "group_commit.h"
#include "private_path.h"
#include "spool.h"
#include "spool_legacy.h"
#include "spool_log.h"

/* The log is rewritten once it is at least this long and twice what is
 * live in it: a rewrite copies at most as much as was appended since the
 * last one, and a busy clinic's log stays a few MiB. */
#define SPOOL_COMPACT_MIN (4u * 1024 * 1024)

struct onshi_spool {
	char *dir;
	int dirfd;
	uint64_t next_seq;
	struct onshi_spool_entry *head, *tail;
	struct onshi_spool_entry *abandoned; /* see e->abandoned */
	size_t count;
	struct onshi_group_commit *commit; /* NULL: every write synchronous */
	struct spool_log log;
	uint64_t live_bytes; /* log bytes of the entries in the index */
	uint64_t compact_min;
	uint64_t compact_retry; /* after a failed rewrite: not before this end */
};
static void entry_free(struct onshi_spool_entry *e)
{
	if (!e)
		return;
	free(e->module);
	free(e->request_id);
	free(e->body);
	free(e->answer);
	free(e->echo_afi);
	if (e->early_answer) {
		free(e->early_answer->body);
		free(e->early_answer->why);
		free(e->early_answer);
	}
	free(e);
}

static void link_entry(struct onshi_spool *s, struct onshi_spool_entry *e)
{
	/* Keep sequence order: recovery scans arrive unordered. */
	struct onshi_spool_entry **pp = &s->head;

	if (s->tail && s->tail->seq < e->seq) {
		pp = &s->tail->next; /* the common case: append */
	} else {
		while (*pp && (*pp)->seq < e->seq)
			pp = &(*pp)->next;
	}
	e->next = *pp;
	*pp = e;
	if (!e->next)
		s->tail = e;
	s->count++;
}

/* The checks and the in-memory entry shared by both ways of accepting. */
static int new_entry(struct onshi_spool *s, const char *module,
		     const char *request_id, int kind, const void *body, size_t len,
		     struct onshi_spool_entry **out, char *msg, size_t msglen)
{
	struct onshi_spool_entry *e;

	*out = NULL;
	for (e = s->head; e; e = e->next)
		if (strcmp(e->module, module) == 0 &&
		    strcmp(e->request_id, request_id) == 0) {
			if (e->committing) {
				/* Not durable yet: the adapter keeps its copy
				 * and offers it again. */
				snprintf(msg, msglen,
					 "%s %s is being written to the spool",
					 module, request_id);
				return ONSHI_EUNAVAIL;
			}
			*out = e;
			snprintf(msg, msglen, "%s %s already accepted", module,
				 request_id);
			return ONSHI_EEXIST;
		}
	if (len > SPOOL_MAX_BODY || strchr(module, '\n') || strchr(request_id, '\n')) {
		snprintf(msg, msglen, "request %s not spooled: %s", request_id,
			 len > SPOOL_MAX_BODY ? "too large" : "bad name");
		return len > SPOOL_MAX_BODY ? ONSHI_ETOOBIG : ONSHI_EINVAL;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return ONSHI_ENOMEM;
	e->seq = s->next_seq++;
	e->module = strdup(module);
	e->request_id = strdup(request_id);
	e->kind = kind;
	e->body = malloc(len + 1);
	if (!e->module || !e->request_id || !e->body) {
		entry_free(e);
		return ONSHI_ENOMEM;
	}
	memcpy(e->body, body, len);
	e->body[len] = '\0';
	e->body_len = len;
	*out = e;
	return ONSHI_OK;
}

/* e's request record appended to log (the live one or a rewrite); *off
 * is where it went. */
static int append_request(struct spool_log *log, const struct onshi_spool_entry *e,
			  uint64_t *off, size_t *size, char *msg, size_t msglen)
{
	struct spool_log_record r = {
		.type = SPOOL_REC_REQUEST,
		.seq = e->seq,
		.kind = e->kind,
		.module = e->module,
		.id = e->request_id,
		.data = e->body,
		.len = e->body_len,
	};
	int rc = spool_log_append(log, &r, msg, msglen);

	*off = r.off;
	*size = spool_log_record_size(&r);
	return rc;
}

static int append_answer(struct spool_log *log, uint64_t seq, int is_error,
			 const char *answer, size_t len, size_t *size,
			 char *msg, size_t msglen)
{
	struct spool_log_record r = {
		.type = SPOOL_REC_ANSWER,
		.seq = seq,
		.is_error = is_error,
		.data = answer,
		.len = len,
	};

	*size = spool_log_record_size(&r);
	return spool_log_append(log, &r, msg, msglen);
}

/* Make what was appended durable now. */
static int sync_now(struct onshi_spool *s, char *msg, size_t msglen)
{
	if (fdatasync(s->log.fd) == 0)
		return ONSHI_OK;
	snprintf(msg, msglen, "spool %s: cannot flush %s: %s", s->dir,
		 SPOOL_LOG_NAME, strerror(errno));
	return ONSHI_EIO;
}

/* A record of e is no longer relied on: marked done in place (its
 * answer, if any, goes with it). */
static void retire(struct onshi_spool *s, struct onshi_spool_entry *e)
{
	spool_log_mark_done(&s->log, e->log_off);
	s->live_bytes -= e->log_bytes;
}

/* e in the index: appended, counted. */
static void index_entry(struct onshi_spool *s, struct onshi_spool_entry *e,
			uint64_t off, size_t size)
{
	e->log_off = off;
	e->log_bytes = size;
	s->live_bytes += size;
	link_entry(s, e);
}

int onshi_spool_accept(struct onshi_spool *s, const char *module,
		       const char *request_id, int kind, const void *body, size_t len,
		       struct onshi_spool_entry **out, char *msg, size_t msglen)
{
	struct onshi_spool_entry *e;
	uint64_t off;
	size_t size;
	int rc;

	rc = new_entry(s, module, request_id, kind, body, len, &e, msg, msglen);
	*out = e;
	if (rc != ONSHI_OK)
		return rc;
	rc = append_request(&s->log, e, &off, &size, msg, msglen);
	if (rc == ONSHI_OK && (rc = sync_now(s, msg, msglen)) != ONSHI_OK)
		spool_log_mark_done(&s->log, off); /* not relied on */
	if (rc != ONSHI_OK) {
		*out = NULL;
		entry_free(e);
		return rc;
	}
	index_entry(s, e, off, size);
	return ONSHI_OK;
}

/* An entry is unlinked from the index (not freed). */
static void unlink_entry(struct onshi_spool *s, struct onshi_spool_entry *e)
{
	struct onshi_spool_entry **pp;

	for (pp = &s->head; *pp; pp = &(*pp)->next)
		if (*pp == e) {
			*pp = e->next;
			break;
		}
	if (s->tail == e) { /* rare: the newest entry finished first */
		s->tail = NULL;
		for (struct onshi_spool_entry *t = s->head; t; t = t->next)
			s->tail = t;
	}
	s->count--;
}

/* What a record being committed waits with. */
struct accept_wait {
	struct onshi_spool *s;
	struct onshi_spool_entry *e;
	onshi_spool_accepted_cb done;
	void *arg;
};

static void record_committed(void *arg, int rc, const char *why)
{
	struct accept_wait *w = arg;
	struct onshi_spool_entry *e = w->e;

	e->committing = 0;
	w->done(w->arg, e, rc, why);
	if (rc != ONSHI_OK) { /* never durable: as if never accepted */
		/* Its record may have reached the disk all the same: marked
		 * done, it is not relied on, and the adapter offers the
		 * request again under a new record. */
		retire(w->s, e);
		unlink_entry(w->s, e);
		if (e->in_flight) {
			/* A call for it still runs and holds e: out of the
			 * index, freed when the call ends (or at close). */
			e->abandoned = 1;
			e->next = w->s->abandoned;
			w->s->abandoned = e;
		} else {
			entry_free(e);
		}
	}
	free(w);
}

void onshi_spool_release_abandoned(struct onshi_spool *s, struct onshi_spool_entry *e)
{
	for (struct onshi_spool_entry **pp = &s->abandoned; *pp; pp = &(*pp)->next)
		if (*pp == e) {
			*pp = e->next;
			entry_free(e);
			return;
		}
}

/* Queue a sync of the log in the group commit's next round (cb may be
 * NULL); -1 if it could not be queued. */
static int sync_later(struct onshi_spool *s, onshi_commit_cb cb, void *arg)
{
	int fd = s->commit ? dup(s->log.fd) : -1;

	if (fd < 0)
		return -1;
	/* Every record of a round shares one fdatasync: the group commit
	 * syncs one file once per round however often it is queued. */
	if (onshi_group_commit_sync(s->commit, fd, "the spool log", cb, arg) !=
	    ONSHI_OK) {
		close(fd);
		return -1;
	}
	return 0;
}

int onshi_spool_accept_later(struct onshi_spool *s, const char *module,
			     const char *request_id, int kind, const void *body,
			     size_t len, onshi_spool_accepted_cb done, void *arg,
			     struct onshi_spool_entry **out, char *msg, size_t msglen)
{
	struct onshi_spool_entry *e;
	struct accept_wait *w;
	uint64_t off;
	size_t size;
	int rc;

	if (!s->commit)
		return ONSHI_ESTATE;
	rc = new_entry(s, module, request_id, kind, body, len, &e, msg, msglen);
	*out = e;
	if (rc != ONSHI_OK)
		return rc;
	*out = NULL;
	w = malloc(sizeof(*w));
	if (!w) {
		entry_free(e);
		return ONSHI_ENOMEM;
	}
	rc = append_request(&s->log, e, &off, &size, msg, msglen);
	if (rc != ONSHI_OK) {
		free(w);
		entry_free(e);
		return rc;
	}
	*w = (struct accept_wait){ .s = s, .e = e, .done = done, .arg = arg };
	if (sync_later(s, record_committed, w) < 0) {
		snprintf(msg, msglen,
			 "spool %s: cannot queue record %" PRIu64 " for the disk: %s",
			 s->dir, e->seq, strerror(errno));
		spool_log_mark_done(&s->log, off);
		free(w);
		entry_free(e);
		return ONSHI_EIO;
	}
	/* In the index now, so that a second offer is recognised. */
	e->committing = 1;
	index_entry(s, e, off, size);
	*out = e;
	return ONSHI_OK;
}

void onshi_spool_set_commit(struct onshi_spool *s, struct onshi_group_commit *gc)
{
	s->commit = gc;
}

struct onshi_group_commit *onshi_spool_commit(struct onshi_spool *s)
{
	return s ? s->commit : NULL;
}

int onshi_spool_answer(struct onshi_spool *s, struct onshi_spool_entry *e,
		       int is_error, const char *answer, size_t len, char *msg,
		       size_t msglen)
{
	char *copy = malloc(len + 1);
	size_t size;
	int rc;

	if (!copy)
		return ONSHI_ENOMEM;
	memcpy(copy, answer, len);
	copy[len] = '\0';
	rc = append_answer(&s->log, e->seq, is_error, answer, len, &size, msg, msglen);
	if (rc == ONSHI_OK)
		rc = sync_now(s, msg, msglen);
	if (rc != ONSHI_OK) {
		/* An answer record that did reach the disk is only the
		 * answer this entry gets again after a restart. */
		free(copy);
		return rc;
	}
	free(e->answer);
	e->answer = copy;
	e->answer_len = len;
	e->answer_is_error = is_error ? 1 : 0;
	e->answered = 1;
	e->log_bytes += size;
	s->live_bytes += size;
	return ONSHI_OK;
}

/*
 * Write every live entry into a new log and put it in place (aside: where
 * the old one goes, or NULL to drop it). The entries' offsets and sizes,
 * and the live total, are those of the new log once it is in place.
 */
static int rewrite(struct onshi_spool *s, const char *aside, char *msg, size_t msglen)
{
	struct spool_log tmp;
	struct placed {
		uint64_t off;
		size_t bytes;
	} *at = calloc(s->count ? s->count : 1, sizeof(*at));
	struct onshi_spool_entry *e;
	size_t i = 0, size;
	int rc, old_fd = s->log.fd;

	if (!at)
		return ONSHI_ENOMEM;
	rc = spool_log_rewrite_begin(&tmp, s->dirfd, s->dir, msg, msglen);
	for (e = s->head; e && rc == ONSHI_OK; e = e->next, i++) {
		rc = append_request(&tmp, e, &at[i].off, &at[i].bytes, msg, msglen);
		if (rc == ONSHI_OK && e->answered) {
			rc = append_answer(&tmp, e->seq, e->answer_is_error, e->answer,
					   e->answer_len, &size, msg, msglen);
			at[i].bytes += size;
		}
	}
	if (rc == ONSHI_OK)
		rc = spool_log_rewrite_commit(&s->log, &tmp, aside, msg, msglen);
	else
		spool_log_rewrite_abort(&tmp);
	/* In place (even if the folder's flush then failed): the entries'
	 * records are where the new log has them. */
	if (s->log.fd >= 0 && s->log.fd != old_fd) {
		s->live_bytes = 0;
		for (e = s->head, i = 0; e; e = e->next, i++) {
			e->log_off = at[i].off;
			e->log_bytes = at[i].bytes;
			s->live_bytes += at[i].bytes;
		}
	}
	free(at);
	return rc;
}

/* Rewrite the log when it has grown to twice what is live in it. */
static void maybe_compact(struct onshi_spool *s)
{
	char msg[256];

	if (s->log.end < s->compact_min || s->log.end < 2 * s->live_bytes ||
	    s->log.end < s->compact_retry)
		return;
	/* A failed rewrite leaves the old log, which stays right: try again
	 * once as much again has been written. */
	s->compact_retry = rewrite(s, NULL, msg, sizeof(msg)) == ONSHI_OK
				   ? 0
				   : s->log.end + s->compact_min;
}

/* Forget a delivered entry: its record is marked done and synced now, or
 * (later) in the group commit's next round. */
static void forget(struct onshi_spool *s, struct onshi_spool_entry *e, int later)
{
	char msg[256];

	retire(s, e);
	if (!later || sync_later(s, NULL, NULL) < 0)
		sync_now(s, msg, sizeof(msg));
	unlink_entry(s, e);
	entry_free(e);
	maybe_compact(s);
}

int onshi_spool_delivered(struct onshi_spool *s, struct onshi_spool_entry *e)
{
	forget(s, e, 0);
	return ONSHI_OK;
}

void onshi_spool_delivered_later(struct onshi_spool *s, struct onshi_spool_entry *e)
{
	forget(s, e, 1);
}

void onshi_spool_set_compact_min(struct onshi_spool *s, uint64_t bytes)
{
	s->compact_min = bytes;
}

uint64_t onshi_spool_log_size(const struct onshi_spool *s)
{
	return s->log.end;
}

struct onshi_spool_entry *onshi_spool_first(struct onshi_spool *s)
{
	return s->head;
}

size_t onshi_spool_count(const struct onshi_spool *s, size_t *unanswered)
{
	if (unanswered) {
		*unanswered = 0;
		for (const struct onshi_spool_entry *e = s->head; e; e = e->next)
			if (!e->answered)
				(*unanswered)++;
	}
	return s->count;
}

/* The entry with seq, or NULL (records arrive in order: look at the
 * newest first). */
static struct onshi_spool_entry *find_seq(struct onshi_spool *s, uint64_t seq)
{
	if (s->tail && s->tail->seq == seq)
		return s->tail;
	for (struct onshi_spool_entry *e = s->head; e; e = e->next)
		if (e->seq == seq)
			return e;
	return NULL;
}

/* One record read back at open (from the log or an older spool's files). */
static int recover_record(void *arg, const struct spool_log_record *r)
{
	struct onshi_spool *s = arg;
	struct onshi_spool_entry *e;

	/* Numbers are never reused, not even those of done records. */
	if (r->seq >= s->next_seq)
		s->next_seq = r->seq + 1;
	if (r->done)
		return ONSHI_OK;
	if (r->type == SPOOL_REC_ANSWER) {
		e = find_seq(s, r->seq);
		if (!e) /* its request was delivered: left over */
			return ONSHI_OK;
		free(e->answer);
		e->answer = malloc(r->len + 1);
		if (!e->answer)
			return ONSHI_ENOMEM;
		memcpy(e->answer, r->data, r->len);
		e->answer[r->len] = '\0';
		e->answer_len = r->len;
		e->answer_is_error = r->is_error;
		e->answered = 1;
		return ONSHI_OK;
	}
	if (find_seq(s, r->seq))
		return ONSHI_OK; /* the same record twice: keep the first */
	e = calloc(1, sizeof(*e));
	if (!e)
		return ONSHI_ENOMEM;
	e->seq = r->seq;
	e->kind = r->kind;
	e->module = strdup(r->module);
	e->request_id = strdup(r->id);
	e->body = malloc(r->len + 1);
	if (!e->module || !e->request_id || !e->body) {
		entry_free(e);
		return ONSHI_ENOMEM;
	}
	memcpy(e->body, r->data, r->len);
	e->body[r->len] = '\0';
	e->body_len = r->len;
	link_entry(s, e);
	return ONSHI_OK;
}

/* Read what the folder holds and write it back as one fresh log. */
static int recover(struct onshi_spool *s, char *msg, size_t msglen)
{
	struct spool_log_scan scan;
	unsigned corrupt = 0, legacy = 0;
	char aside[80], why[200];
	int rc;

	rc = spool_legacy_read(s->dirfd, recover_record, s, &corrupt, &legacy);
	if (rc == ONSHI_OK)
		rc = spool_log_read(s->dirfd, recover_record, s, &scan, why,
				    sizeof(why));
	if (rc != ONSHI_OK) {
		snprintf(msg, msglen, "spool %s: %s", s->dir,
			 rc == ONSHI_ENOMEM ? "out of memory" : why);
		return rc;
	}
	/* A log with damaged records is kept for a person to look at. */
	snprintf(aside, sizeof(aside), "%s.%lld.corrupt", SPOOL_LOG_NAME,
		 (long long)time(NULL));
	rc = rewrite(s, scan.corrupt ? aside : NULL, msg, msglen);
	if (rc != ONSHI_OK)
		return rc;
	if (legacy) { /* in the log now */
		spool_legacy_remove(s->dirfd);
		fsync(s->dirfd);
	}
	snprintf(msg, msglen, "%zu spooled request(s) recovered%s%s", s->count,
		 corrupt ? ", some corrupt records set aside as *.corrupt" : "",
		 scan.corrupt ? ", a damaged " SPOOL_LOG_NAME " kept as *.corrupt"
			      : "");
	if (scan.torn_bytes) {
		size_t n = strlen(msg);

		snprintf(msg + n, msglen - n,
			 " (an incomplete last record of %llu bytes dropped: a "
			 "write cut short, its request is offered again)",
			 (unsigned long long)scan.torn_bytes);
	}
	return ONSHI_OK;
}

int onshi_spool_open(const char *dir, struct onshi_spool **out, char *msg, size_t msglen)
{
	struct onshi_spool *s;
	int rc;

	*out = NULL;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		snprintf(msg, msglen, "spool %s: cannot create: %s", dir,
			 strerror(errno));
		return ONSHI_EIO;
	}
	/* What is spooled is asked about as the clinic and answered into
	 * res/: only onshid may put it there. */
	rc = onshi_private_path_check("the spool folder", dir, ONSHI_OWNER_SELF,
				      "anyone who can write there could plant a "
				      "request that onshid asks about as the "
				      "clinic, or swap a record",
				      msg, msglen);
	if (rc != ONSHI_OK)
		return rc;
	s = calloc(1, sizeof(*s));
	if (!s)
		return ONSHI_ENOMEM;
	s->dir = strdup(dir);
	s->next_seq = 1;
	s->log.fd = -1;
	s->compact_min = SPOOL_COMPACT_MIN;
	s->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (!s->dir || s->dirfd < 0) {
		snprintf(msg, msglen, "spool %s: cannot open: %s", dir,
			 strerror(errno));
		onshi_spool_close(s);
		return ONSHI_EIO;
	}
	s->log.dirfd = s->dirfd;
	s->log.dir = s->dir;
	rc = recover(s, msg, msglen);
	if (rc != ONSHI_OK) {
		onshi_spool_close(s);
		return rc;
	}
	*out = s;
	return ONSHI_OK;
}

void onshi_spool_close(struct onshi_spool *s)
{
	if (!s)
		return;
	while (s->head) {
		struct onshi_spool_entry *e = s->head;

		s->head = e->next;
		entry_free(e);
	}
	while (s->abandoned) {
		struct onshi_spool_entry *e = s->abandoned;

		s->abandoned = e->next;
		entry_free(e);
	}
	spool_log_close(&s->log);
	if (s->dirfd >= 0)
		close(s->dirfd);
	free(s->dir);
	free(s);
}
