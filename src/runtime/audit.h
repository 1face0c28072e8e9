/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit.h — the append-only, hash-chained audit log (docs/audit.md).
 *
 * One text line per event:
 *
 *   SEQ TIME prev=HEX64 kind=KIND [key=value]... hash=HEX64
 *
 * hash is the SHA-256 of the line up to (not including) " hash=", and
 * prev is the hash of the record before (64 zeros for the first one), so
 * editing, deleting, reordering or inserting a line breaks the chain.
 * Values are file ids, module names, outcomes and codes: never personal
 * data. Bytes outside [A-Za-z0-9._:+@~/,-] are written as %XX.
 */
#ifndef ONSHI_CORE_AUDIT_H
#define ONSHI_CORE_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include <onshi/host.h>

#include <stdarg.h>

struct onshi_core;
struct onshi_log;
struct onshi_loop;
struct onshi_audit;
struct onshi_group_commit;

/* ---- the writer (audit.c): a file, the loop and the log, nothing else ---- */

/*
 * Open the audit log at path, 0600, in a directory only its owner can
 * change; continue the chain from its tail (a torn last line gets a
 * kind=recovered record) and write kind=start. loop (may be NULL: then
 * records are synced only at close) runs the short fdatasync timer; log
 * gets the writer's troubles. A refusal (unsafe parent directory, not a
 * regular file) is an error naming the path.
 */
int onshi_audit_writer_open(struct onshi_loop *loop, struct onshi_log *log,
			    const char *path, struct onshi_audit **out,
			    char *msg, size_t msglen);
/* Write kind=stop, sync and close; NULL is ignored. */
void onshi_audit_writer_close(struct onshi_audit *a);
/*
 * Run the timer's fdatasync on gc's worker (in its next round) instead of
 * on the loop thread; NULL: on the loop again. gc must outlive the writer,
 * or be set to NULL and flushed before it goes.
 */
void onshi_audit_writer_set_commit(struct onshi_audit *a,
				   struct onshi_group_commit *gc);

/*
 * Record one event: kind, then key, value pairs ending with NULL (a NULL
 * or empty value leaves its key out). Never fails the caller: a record
 * that cannot be written is counted and named by the kind=recovered
 * record written once the file is writable again. A NULL writer records
 * nothing.
 */
void onshi_audit_record(struct onshi_audit *a, const char *kind, ...)
	__attribute__((sentinel));
void onshi_audit_record_v(struct onshi_audit *a, const char *kind, va_list ap);

/*
 * Who is acting for the events recorded until it is cleared (NULL): the
 * control socket's peer ("uid:1000") or a manifest ("manifest:SERIAL").
 * Recorded as by=; events without one are the daemon's own (by=daemon).
 */
void onshi_audit_set_actor(struct onshi_audit *a, const char *actor);
const char *onshi_audit_get_actor(const struct onshi_audit *a);

/* The file's path, and the last record's seq and hash (for AUDIT VERIFY). */
const char *onshi_audit_file(const struct onshi_audit *a);
int onshi_audit_chain_head(const struct onshi_audit *a, uint64_t *seq,
			   char hash[65]);

/* ---- the daemon's audit log (audit_core.c): the writer in core->audit ---- */

/*
 * Open [audit] file (default <spool dir>/audit.log) into core->audit; the
 * functions below are the writer's, on core->audit, and do nothing while
 * it is not open.
 */
int onshi_audit_open(struct onshi_core *core, char *msg, size_t msglen);
void onshi_audit_close(struct onshi_core *core);
/* onshi_audit_writer_set_commit() on core->audit. */
void onshi_audit_set_commit(struct onshi_core *core, struct onshi_group_commit *gc);
void onshi_audit(struct onshi_core *core, const char *kind, ...)
	__attribute__((sentinel));
void onshi_audit_actor(struct onshi_core *core, const char *actor);
const char *onshi_audit_actor_get(struct onshi_core *core);
const char *onshi_audit_path(struct onshi_core *core);
int onshi_audit_head(struct onshi_core *core, uint64_t *seq, char hash[65]);

/* ---- checking a file (audit_verify.c; also linked into onshictl) ---- */

#define ONSHI_AUDIT_HASH_HEX 64

/* One parsed line. */
struct onshi_audit_record {
	uint64_t seq;
	char prev[ONSHI_AUDIT_HASH_HEX + 1];
	char hash[ONSHI_AUDIT_HASH_HEX + 1];
	char kind[32];
};

/* SHA-256 of data as 64 lower-case hex digits. */
void onshi_audit_sha256_hex(const void *data, size_t len,
			    char out[ONSHI_AUDIT_HASH_HEX + 1]);

/*
 * A SHA-256 context kept for many hashes (the writer hashes every record):
 * the digest is fetched from the provider once per process, where
 * EVP_sha256() in OpenSSL 3 fetches it again on every call. new may
 * return NULL (out of memory); onshi_sha256_hex(NULL, ...) is
 * onshi_audit_sha256_hex().
 */
struct onshi_sha256;
struct onshi_sha256 *onshi_sha256_new(void);
void onshi_sha256_free(struct onshi_sha256 *h);
void onshi_sha256_hex(struct onshi_sha256 *h, const void *data, size_t len,
		      char out[ONSHI_AUDIT_HASH_HEX + 1]);

/*
 * Parse one line (without its newline). 0: well-formed and its own hash
 * matches; -1: not a record; -2: a record whose hash does not match.
 */
int onshi_audit_parse(const char *line, size_t len, struct onshi_audit_record *r);

/* The value of key in a record line (decoded), or 0 if absent. */
int onshi_audit_field(const char *line, size_t len, const char *key, char *out,
		      size_t outlen);

struct onshi_audit_report {
	unsigned long records; /* lines that verified */
	unsigned long gaps;    /* kind=recovered records */
	unsigned long dropped; /* events they say were not recorded */
	uint64_t last_seq;
	char last_hash[ONSHI_AUDIT_HASH_HEX + 1];
	char gap_note[256]; /* the first gap, for people */
};

/*
 * Check a whole file. 0: the chain is intact (gaps named by kind=recovered
 * records are reported, not failures); -1 with msg "line N: why" naming
 * the first bad line (edited, deleted, reordered, inserted, truncated) or
 * why the file cannot be read.
 */
int onshi_audit_verify_file(const char *path, struct onshi_audit_report *rep,
			    char *msg, size_t msglen);
int onshi_audit_verify_buf(const char *buf, size_t len,
			   struct onshi_audit_report *rep, char *msg, size_t msglen);

#endif
