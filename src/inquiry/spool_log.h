/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spool_log.h — the spool's one append-only file (`spool.log`): how its
 * records are written, marked done in place, read back after a crash, and
 * rewritten when most of it is done.
 *
 * Why one file: on a real disk what an inquiry cost was the file system's
 * metadata work (create, rename and unlink of a record file each, journaled),
 * not the fsyncs (bench/SCALING.md, Round 4). An append to an open file and
 * a one-byte overwrite cost neither an inode nor a directory entry.
 *
 * A record, little-endian:
 *    0  "OSL1"
 *    4  state: 'L' live, 'X' done — written in place when the request is
 *       delivered, so forgetting needs no new space on a full disk; not
 *       covered by the CRC (a single byte is written whole or not at all)
 *    5  type: 'R' request, 'A' answer
 *    6  1 if the answer is an error document, else 0
 *    7  0
 *    8  CRC-32 (zlib) of bytes 12..32 and the payload
 *   12  payload length
 *   16  sequence number
 *   24  kind (enum onshi_msg_kind)
 *   28  0
 *   32  payload — R: module NUL id NUL body; A: the answer document
 * An answer applies to the live request of its sequence number before it;
 * one whose request is done or absent is left over from a delivery.
 */
#ifndef ONSHI_SPOOL_LOG_H
#define ONSHI_SPOOL_LOG_H

#include <stddef.h>
#include <stdint.h>

#define SPOOL_LOG_NAME "spool.log"
#define SPOOL_LOG_HEAD 32
/* A request is at most a batch of 100,000 persons: the bound on a
 * record's body (its module and id are short besides). */
#define SPOOL_MAX_BODY (256u * 1024 * 1024)

enum {
	SPOOL_REC_REQUEST = 'R',
	SPOOL_REC_ANSWER = 'A'
};

/* An open log (or a rewrite in progress). */
struct spool_log {
	int fd;          /* -1: none */
	int dirfd;       /* the spool folder (borrowed) */
	const char *dir; /* for messages (borrowed) */
	uint64_t end;    /* where the next record goes */
};

/* One record read back, or one to write. */
struct spool_log_record {
	int type;
	int done;
	uint64_t seq;
	int kind;
	int is_error;
	const char *module, *id; /* R only */
	const void *data;        /* R: body; A: answer */
	size_t len;
	uint64_t off; /* where it starts in the log */
};

/* The size r takes in the log. */
size_t spool_log_record_size(const struct spool_log_record *r);

/*
 * Append r at l->end (to the page cache: durable once the file is
 * synced); r->off is set. On failure the file is cut back to where it
 * was, so a half-written record is never left behind.
 */
int spool_log_append(struct spool_log *l, struct spool_log_record *r, char *msg,
		     size_t msglen);

/* Mark the record at off done, in place. */
int spool_log_mark_done(struct spool_log *l, uint64_t off);

/* What reading a log found besides its records. */
struct spool_log_scan {
	uint64_t good_end; /* just after the last good record */
	unsigned corrupt;  /* damaged stretches with good records after them */
	uint64_t torn_bytes; /* an incomplete tail (a write cut short) */
};

/* Called for each good record in file order; non-zero stops the read
 * with that value. */
typedef int (*spool_log_visit_cb)(void *arg, const struct spool_log_record *r);

/*
 * Read dirfd/SPOOL_LOG_NAME (absent: no records). A damaged stretch is
 * skipped up to the next good record and counted; a damaged tail is a
 * write cut short by a crash and only measured.
 */
int spool_log_read(int dirfd, spool_log_visit_cb visit, void *arg,
		   struct spool_log_scan *scan, char *msg, size_t msglen);

/* Start writing a new log beside the live one (a temporary file). */
int spool_log_rewrite_begin(struct spool_log *tmp, int dirfd, const char *dir,
			    char *msg, size_t msglen);
/*
 * Make tmp durable and put it in place of the live log l (closed),
 * which becomes tmp. aside: a name to move the old file to first (a log
 * with damaged records, kept for a person to look at), or NULL.
 */
int spool_log_rewrite_commit(struct spool_log *l, struct spool_log *tmp,
			     const char *aside, char *msg, size_t msglen);
/* Give up a rewrite: the temporary file goes. */
void spool_log_rewrite_abort(struct spool_log *tmp);

void spool_log_close(struct spool_log *l);

#endif
