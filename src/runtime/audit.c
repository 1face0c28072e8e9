/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit.c — the daemon's audit log writer (format in audit.h and
 * docs/audit.md).
 *
 * Each record is one write(2) of a whole line to a file opened O_APPEND,
 * so a crash of the process loses nothing already written and never
 * interleaves records. fdatasync() is due on a short one-shot loop timer
 * (SYNC_MS after the first unsynced record) and at stop: a power loss can
 * lose the records of the last SYNC_MS (and a round of the group commit),
 * which the spool (fsynced per request) does not: the spool is what makes
 * work survive, the audit log says what happened. A syscall per record
 * keeps the hot path cheap; with a group commit the timer's fdatasync
 * runs on its worker, in its next round, not on the loop thread.
 *
 * The writer knows only the loop (for its sync timer), the log and the
 * file's path: the daemon opens it from its settings in audit_core.c.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "group_commit.h"
#include "log.h"
#include "loop.h"
#include "strbuf.h"
#include "utc.h"

/* How long a record may wait for fdatasync(). */
#define SYNC_MS 200
/* How much of the file's end is read to continue the chain. */
#define TAIL_MAX 65536

struct onshi_audit {
	struct onshi_loop *loop; /* NULL: sync only at close */
	struct onshi_log *log;
	char *path;
	int fd;
	uint64_t seq;                        /* of the last record written */
	char head[ONSHI_AUDIT_HASH_HEX + 1]; /* its hash */
	char actor[64];
	struct onshi_loop_timer *sync_timer;
	struct onshi_group_commit *commit; /* NULL: fdatasync on the loop */
	unsigned syncs_queued;             /* in the commit, not done yet */
	struct onshi_sha256 *hasher;       /* one SHA-256 context, reused */
	int need_recover;                  /* the tail must be checked again */
	unsigned long dropped;             /* events not written meanwhile */
	int failing;                       /* a write failure was logged */
};

static const char zero_hash[] =
	"0000000000000000000000000000000000000000000000000000000000000000";

/* Characters written as they are; everything else is %XX. */
static int plain(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || strchr("._:+@~/,-", c) != NULL;
}

static void put_value(struct onshi_strbuf *b, const char *v)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)v;

	while (*p) {
		const unsigned char *run = p;

		/* Runs of plain bytes in one append: most values are all
		 * plain, and a record is formatted on every event. */
		while (*p && plain(*p))
			p++;
		if (p > run)
			onshi_strbuf_append(b, (const char *)run, (size_t)(p - run));
		if (*p) {
			char esc[3] = { '%', hex[*p >> 4], hex[*p & 15] };

			onshi_strbuf_append(b, esc, sizeof(esc));
			p++;
		}
	}
}

/* The worker's fdatasync of the records written before on_sync ran. */
static void synced(void *arg, int rc, const char *why)
{
	struct onshi_audit *a = arg;

	a->syncs_queued--;
	if (rc != ONSHI_OK)
		onshi_logf(a->log, ONSHI_LOG_ERR, "audit log %s: %s", a->path, why);
}

static void on_sync(void *arg)
{
	struct onshi_audit *a = arg;
	int fd;

	a->sync_timer = NULL; /* one-shot: released by the loop */
	if (a->fd < 0)
		return;
	/* A disk flush takes milliseconds: the loop thread goes on. */
	if (a->commit && (fd = dup(a->fd)) >= 0) {
		if (onshi_group_commit_sync(a->commit, fd, "the audit log",
					    synced, a) == ONSHI_OK) {
			a->syncs_queued++;
			return;
		}
		close(fd);
	}
	if (fdatasync(a->fd) < 0)
		onshi_logf(a->log, ONSHI_LOG_ERR, "audit log %s: fdatasync failed: %s",
			   a->path, strerror(errno));
}

void onshi_audit_writer_set_commit(struct onshi_audit *a,
				   struct onshi_group_commit *gc)
{
	if (!a)
		return;
	/* Syncs already queued in the old one run (and call synced()) when
	 * it is flushed or freed, which its owner does before a goes. */
	a->commit = gc;
}

/* Write one finished record (text without " hash=..."), chain it. */
static int write_record(struct onshi_audit *a, const char *pre, size_t prelen,
			struct onshi_strbuf *rec)
{
	char hash[ONSHI_AUDIT_HASH_HEX + 1];
	struct onshi_strbuf out = { 0 };
	ssize_t n;

	onshi_sha256_hex(a->hasher, rec->data, rec->len, hash);
	if (prelen)
		onshi_strbuf_append(&out, pre, prelen);
	onshi_strbuf_append(&out, rec->data, rec->len);
	onshi_strbuf_append(&out, " hash=", 6);
	onshi_strbuf_append(&out, hash, ONSHI_AUDIT_HASH_HEX);
	onshi_strbuf_append(&out, "\n", 1);
	if (out.failed) {
		onshi_strbuf_free(&out);
		errno = ENOMEM;
		return -1;
	}
	do
		n = write(a->fd, out.data, out.len);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)out.len) {
		if (n >= 0)
			errno = ENOSPC; /* a short write: the disk is full */
		onshi_strbuf_free(&out);
		return -1;
	}
	onshi_strbuf_free(&out);
	a->seq++;
	memcpy(a->head, hash, sizeof(a->head));
	if (!a->sync_timer && a->loop)
		a->sync_timer = onshi_loop_timer(a->loop, a, SYNC_MS, 0, on_sync, a);
	return 0;
}

/* "SEQ TIME prev=HASH kind=KIND" into b. */
static void begin(struct onshi_audit *a, struct onshi_strbuf *b, const char *kind)
{
	char when[ONSHI_UTC_LEN];

	char seq[24];
	int n;

	onshi_utc_format(when, sizeof(when), ONSHI_UTC_ISO8601, time(NULL));
	/* Appended piece by piece: a format string walked twice (size, then
	 * text) cost more than the rest of the line. */
	n = snprintf(seq, sizeof(seq), "%llu ", (unsigned long long)(a->seq + 1));
	onshi_strbuf_append(b, seq, (size_t)n);
	onshi_strbuf_append(b, when, strlen(when));
	onshi_strbuf_append(b, " prev=", 6);
	onshi_strbuf_append(b, a->head, strlen(a->head));
	onshi_strbuf_append(b, " kind=", 6);
	put_value(b, kind);
}

static void kv(struct onshi_strbuf *b, const char *key, const char *value)
{
	if (!value || !*value)
		return;
	onshi_strbuf_append(b, " ", 1);
	onshi_strbuf_append(b, key, strlen(key));
	onshi_strbuf_append(b, "=", 1);
	put_value(b, value);
}

/*
 * Read the end of the file: continue the chain after its last good record,
 * and when the last line is torn (or events were dropped) write a
 * kind=recovered record naming that. 0 on success.
 */
static int recover(struct onshi_audit *a, const char *reason)
{
	struct onshi_audit_record r;
	struct onshi_strbuf rec = { 0 };
	struct stat st;
	char *buf = NULL, num[32], sha[ONSHI_AUDIT_HASH_HEX + 1];
	const char *torn = NULL, *last = NULL;
	size_t len = 0, torn_len = 0;
	off_t from;
	int nl_missing = 0, rc;

	if (fstat(a->fd, &st) < 0)
		return -1;
	from = st.st_size > TAIL_MAX ? st.st_size - TAIL_MAX : 0;
	len = (size_t)(st.st_size - from);
	buf = malloc(len + 1);
	if (!buf)
		return -1;
	{
		int rfd = open(a->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		ssize_t got = rfd >= 0 ? pread(rfd, buf, len, from) : -1;

		if (rfd >= 0)
			close(rfd);
		if (got < 0) {
			free(buf);
			return -1;
		}
		len = (size_t)got;
	}
	/* The last line, and the one before it. */
	a->seq = 0;
	memcpy(a->head, zero_hash, sizeof(a->head));
	if (len) {
		size_t end = len, start;

		if (buf[len - 1] != '\n')
			nl_missing = 1;
		else
			end = len - 1;
		start = end;
		while (start > 0 && buf[start - 1] != '\n')
			start--;
		if (!nl_missing &&
		    onshi_audit_parse(buf + start, end - start, &r) == 0) {
			last = buf + start;
		} else {
			torn = buf + start;
			torn_len = end - start;
			if (start > 0) {
				size_t pend = start - 1, pstart = pend;

				while (pstart > 0 && buf[pstart - 1] != '\n')
					pstart--;
				if ((pstart > 0 || from == 0) &&
				    onshi_audit_parse(buf + pstart,
						      pend - pstart, &r) == 0)
					last = buf + pstart;
			}
			if (!last && !(start == 0 && from == 0))
				reason = "unreadable-tail"; /* chain restarts */
		}
		if (last) {
			a->seq = r.seq;
			memcpy(a->head, r.hash, sizeof(a->head));
		}
	}
	if (!torn && !a->dropped) {
		free(buf);
		return 0;
	}
	begin(a, &rec, "recovered");
	kv(&rec, "reason", torn ? reason : "write-failed");
	if (torn) {
		snprintf(num, sizeof(num), "%zu", torn_len);
		kv(&rec, "torn_bytes", num);
		onshi_sha256_hex(a->hasher, torn, torn_len, sha);
		kv(&rec, "torn_sha256", sha);
	}
	if (a->dropped) {
		snprintf(num, sizeof(num), "%lu", a->dropped);
		kv(&rec, "dropped", num);
	}
	rc = write_record(a, "\n", nl_missing ? 1 : 0, &rec);
	if (rc == 0) {
		onshi_logf(a->log, ONSHI_LOG_WARNING,
			   "audit log %s: %s%s%s; the chain continues at record %llu (kind=recovered)",
			   a->path, torn ? "the last record was torn (" : "",
			   torn ? reason : "",
			   torn ? ")" : "events were not recorded while the file was unwritable",
			   (unsigned long long)a->seq);
		if (a->dropped)
			onshi_logf(a->log, ONSHI_LOG_WARNING,
				   "audit log %s: %lu event(s) were not recorded",
				   a->path, a->dropped);
		a->dropped = 0;
	}
	onshi_strbuf_free(&rec);
	free(buf);
	return rc;
}

static void write_failed(struct onshi_audit *a)
{
	int err = errno;

	a->dropped++;
	a->need_recover = 1;
	if (a->failing)
		return;
	a->failing = 1;
	onshi_logf(a->log, ONSHI_LOG_ERR,
		   "audit log %s: cannot write: %s; events are counted and the chain continues with a kind=recovered record once the file is writable again",
		   a->path, strerror(err));
}

static void record_v(struct onshi_audit *a, const char *kind, va_list ap)
{
	struct onshi_strbuf rec = { 0 };
	const char *key;

	if (a->need_recover) {
		if (recover(a, "write-failed") != 0) {
			write_failed(a);
			return;
		}
		a->need_recover = 0;
		if (a->failing)
			onshi_logf(a->log, ONSHI_LOG_NOTICE,
				   "audit log %s: writable again", a->path);
		a->failing = 0;
	}
	begin(a, &rec, kind);
	kv(&rec, "by", a->actor[0] ? a->actor : "daemon");
	while ((key = va_arg(ap, const char *))) {
		const char *value = va_arg(ap, const char *);

		kv(&rec, key, value);
	}
	if (write_record(a, NULL, 0, &rec) != 0)
		write_failed(a);
	onshi_strbuf_free(&rec);
}

void onshi_audit_record_v(struct onshi_audit *a, const char *kind, va_list ap)
{
	if (a)
		record_v(a, kind, ap);
}

void onshi_audit_record(struct onshi_audit *a, const char *kind, ...)
{
	va_list ap;

	va_start(ap, kind);
	onshi_audit_record_v(a, kind, ap);
	va_end(ap);
}

void onshi_audit_set_actor(struct onshi_audit *a, const char *actor)
{
	if (a)
		snprintf(a->actor, sizeof(a->actor), "%s", actor ? actor : "");
}

const char *onshi_audit_get_actor(const struct onshi_audit *a)
{
	return a && a->actor[0] ? a->actor : NULL;
}

const char *onshi_audit_file(const struct onshi_audit *a)
{
	return a ? a->path : NULL;
}

int onshi_audit_chain_head(const struct onshi_audit *a, uint64_t *seq, char hash[65])
{
	if (!a || a->need_recover)
		return -1;
	*seq = a->seq;
	memcpy(hash, a->head, ONSHI_AUDIT_HASH_HEX + 1);
	return 0;
}

/* The parent must be a directory only its owner (us or root) can change. */
static int parent_ok(const char *path, char *msg, size_t msglen)
{
	char *dir = strdup(path), *slash;
	struct stat st;
	int ok;

	if (!dir) {
		snprintf(msg, msglen, "out of memory");
		return 0;
	}
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		strcpy(dir, ".");
	if (stat(dir, &st) < 0) {
		snprintf(msg, msglen, "[audit] file: directory %s: %s", dir,
			 strerror(errno));
		free(dir);
		return 0;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(msg, msglen, "[audit] file: %s is not a directory", dir);
		free(dir);
		return 0;
	}
	ok = (st.st_uid == 0 || st.st_uid == geteuid()) &&
	     !(st.st_mode & (S_IWGRP | S_IWOTH));
	if (!ok)
		snprintf(msg, msglen,
			 "[audit] file: directory %s is writable by others than its owner (mode %03o, uid %u): anyone there could replace the audit log",
			 dir, (unsigned)(st.st_mode & 0777), (unsigned)st.st_uid);
	free(dir);
	return ok;
}

int onshi_audit_writer_open(struct onshi_loop *loop, struct onshi_log *log,
			    const char *path, struct onshi_audit **out,
			    char *msg, size_t msglen)
{
	struct onshi_audit *a = calloc(1, sizeof(*a));
	struct stat st;
	char pid[24];

	*out = NULL;
	if (!a || !(a->path = strdup(path))) {
		free(a);
		snprintf(msg, msglen, "out of memory");
		return ONSHI_ENOMEM;
	}
	a->loop = loop;
	a->log = log;
	a->fd = -1;
	a->hasher = onshi_sha256_new(); /* NULL: each hash sets one up */
	if (!parent_ok(a->path, msg, msglen))
		goto fail;
	/* O_NONBLOCK: a FIFO planted at the path fails at once (ENXIO)
	 * instead of holding the daemon's start; no effect on a file. */
	a->fd = open(a->path,
		     O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK,
		     0600);
	if (a->fd < 0 || fstat(a->fd, &st) < 0) {
		snprintf(msg, msglen, "[audit] file %s: %s", a->path,
			 strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(msg, msglen, "[audit] file %s is not a regular file",
			 a->path);
		goto fail;
	}
	/* Personal work is recorded here: only the daemon reads it. */
	if ((st.st_mode & 0777) != 0600 && fchmod(a->fd, 0600) < 0) {
		snprintf(msg, msglen, "[audit] file %s: cannot make it 0600: %s",
			 a->path, strerror(errno));
		goto fail;
	}
	*out = a;
	if (recover(a, "torn") != 0) {
		/* Unreadable is logged; events still get written. */
		onshi_logf(a->log, ONSHI_LOG_ERR,
			   "audit log %s: cannot read its end: %s", a->path,
			   strerror(errno));
		a->need_recover = 1;
	}
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	onshi_audit_record(a, "start", "version", PACKAGE_VERSION, "pid", pid,
			   (char *)NULL);
	snprintf(msg, msglen, "audit log %s (record %llu)", a->path,
		 (unsigned long long)a->seq);
	return ONSHI_OK;
fail:
	if (a->fd >= 0)
		close(a->fd);
	onshi_sha256_free(a->hasher);
	free(a->path);
	free(a);
	return ONSHI_EINVAL;
}

void onshi_audit_writer_close(struct onshi_audit *a)
{
	if (!a)
		return;
	onshi_audit_record(a, "stop", (char *)NULL);
	if (a->sync_timer && a->loop)
		onshi_loop_timer_stop(a->loop, a->sync_timer);
	/* Its queued syncs point at a: done (and told) before it goes. */
	if (a->commit && a->syncs_queued)
		onshi_group_commit_flush(a->commit);
	if (fdatasync(a->fd) < 0)
		onshi_logf(a->log, ONSHI_LOG_ERR, "audit log %s: fdatasync failed: %s",
			   a->path, strerror(errno));
	close(a->fd);
	onshi_sha256_free(a->hasher);
	free(a->path);
	free(a);
}
