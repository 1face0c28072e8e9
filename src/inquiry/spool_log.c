/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spool_log.c — the spool's append-only file (format in spool_log.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <zlib.h>

#include <onshi/error.h>

#include "spool_log.h"

#define TMP_NAME "." SPOOL_LOG_NAME ".tmp"
/* A body within SPOOL_MAX_BODY (spool.c refuses more), with its module
 * and id. */
#define MAX_PAYLOAD (SPOOL_MAX_BODY + 8192)

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void put64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t get64(const unsigned char *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

size_t spool_log_record_size(const struct spool_log_record *r)
{
	size_t n = SPOOL_LOG_HEAD + r->len;

	if (r->type == SPOOL_REC_REQUEST)
		n += strlen(r->module) + 1 + strlen(r->id) + 1;
	return n;
}

int spool_log_append(struct spool_log *l, struct spool_log_record *r, char *msg,
		     size_t msglen)
{
	unsigned char head[SPOOL_LOG_HEAD] = { 'O', 'S', 'L', '1', 'L' };
	struct iovec iov[4];
	size_t payload = spool_log_record_size(r) - SPOOL_LOG_HEAD;
	size_t total = SPOOL_LOG_HEAD + payload, done = 0;
	int n = 0, saved;
	uLong crc;

	if (payload > MAX_PAYLOAD) {
		snprintf(msg, msglen, "spool %s: record %llu too large", l->dir,
			 (unsigned long long)r->seq);
		return ONSHI_ETOOBIG;
	}
	head[5] = (unsigned char)r->type;
	head[6] = r->is_error ? 1 : 0;
	put32(head + 12, (uint32_t)payload);
	put64(head + 16, r->seq);
	put32(head + 24, (uint32_t)r->kind);
	iov[n++] = (struct iovec){ head, sizeof(head) };
	if (r->type == SPOOL_REC_REQUEST) {
		iov[n++] = (struct iovec){ (void *)r->module, strlen(r->module) + 1 };
		iov[n++] = (struct iovec){ (void *)r->id, strlen(r->id) + 1 };
	}
	iov[n++] = (struct iovec){ (void *)r->data, r->len };
	crc = crc32(0L, head + 12, SPOOL_LOG_HEAD - 12);
	for (int i = 1; i < n; i++)
		crc = crc32(crc, iov[i].iov_base, (uInt)iov[i].iov_len);
	put32(head + 8, (uint32_t)crc);

	/* One call for the common small record; a short write goes on. */
	while (done < total) {
		struct iovec rest[4];
		int k = 0;
		size_t skip = done;
		ssize_t w;

		for (int i = 0; i < n; i++) {
			if (skip >= iov[i].iov_len) {
				skip -= iov[i].iov_len;
				continue;
			}
			rest[k].iov_base = (char *)iov[i].iov_base + skip;
			rest[k++].iov_len = iov[i].iov_len - skip;
			skip = 0;
		}
		w = pwritev(l->fd, rest, k, (off_t)(l->end + done));
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			saved = w < 0 ? errno : ENOSPC;
			/* Never leave half a record: what follows must start
			 * where the reader expects a record. */
			if (ftruncate(l->fd, (off_t)l->end) < 0) {
				/* left as a torn tail: the reader drops it,
				 * and the next record overwrites it */
			}
			snprintf(msg, msglen,
				 "spool %s: cannot write record %llu: %s", l->dir,
				 (unsigned long long)r->seq, strerror(saved));
			return ONSHI_EIO;
		}
		done += (size_t)w;
	}
	r->off = l->end;
	l->end += total;
	return ONSHI_OK;
}

int spool_log_mark_done(struct spool_log *l, uint64_t off)
{
	static const char done = 'X';

	return pwrite(l->fd, &done, 1, (off_t)(off + 4)) == 1 ? ONSHI_OK : ONSHI_EIO;
}

/* The record at p (avail bytes left), or 0 if none is there. */
static int decode(const unsigned char *p, size_t avail, uint64_t off,
		  struct spool_log_record *r)
{
	uint32_t len;
	const char *pay, *nul1, *nul2;

	if (avail < SPOOL_LOG_HEAD || memcmp(p, "OSL1", 4) != 0)
		return 0;
	if ((p[4] != 'L' && p[4] != 'X') ||
	    (p[5] != SPOOL_REC_REQUEST && p[5] != SPOOL_REC_ANSWER) || p[6] > 1)
		return 0;
	len = get32(p + 12);
	if (len > MAX_PAYLOAD || len > avail - SPOOL_LOG_HEAD)
		return 0;
	if ((uint32_t)crc32(crc32(0L, p + 12, SPOOL_LOG_HEAD - 12),
			    p + SPOOL_LOG_HEAD, len) != get32(p + 8))
		return 0;
	memset(r, 0, sizeof(*r));
	r->type = p[5];
	r->done = p[4] == 'X';
	r->is_error = p[6];
	r->seq = get64(p + 16);
	r->kind = (int)get32(p + 24);
	r->off = off;
	pay = (const char *)p + SPOOL_LOG_HEAD;
	r->data = pay;
	r->len = len;
	if (r->type == SPOOL_REC_REQUEST) {
		nul1 = memchr(pay, '\0', len);
		nul2 = nul1 ? memchr(nul1 + 1, '\0', len - (size_t)(nul1 + 1 - pay))
			    : NULL;
		if (!nul2)
			return 0;
		r->module = pay;
		r->id = nul1 + 1;
		r->data = nul2 + 1;
		r->len = len - (size_t)(nul2 + 1 - pay);
	}
	return 1;
}

/* The next offset after pos where a good record starts, or size. */
static size_t next_good(const unsigned char *map, size_t size, size_t pos)
{
	struct spool_log_record r;

	for (size_t at = pos + 1; at + SPOOL_LOG_HEAD <= size; at++) {
		const unsigned char *m = memmem(map + at, size - at, "OSL1", 4);

		if (!m)
			break;
		at = (size_t)(m - map);
		if (decode(m, size - at, at, &r))
			return at;
	}
	return size;
}

int spool_log_read(int dirfd, spool_log_visit_cb visit, void *arg,
		   struct spool_log_scan *scan, char *msg, size_t msglen)
{
	struct stat st;
	unsigned char *map;
	size_t size, pos = 0;
	int fd, rc = ONSHI_OK;

	memset(scan, 0, sizeof(*scan));
	fd = openat(dirfd, SPOOL_LOG_NAME, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT)
		return ONSHI_OK;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(msg, msglen, "cannot read %s: %s", SPOOL_LOG_NAME,
			 fd < 0 ? strerror(errno) : "not a regular file");
		if (fd >= 0)
			close(fd);
		return ONSHI_EIO;
	}
	size = (size_t)st.st_size;
	if (size == 0) {
		close(fd);
		return ONSHI_OK;
	}
	map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		snprintf(msg, msglen, "cannot map %s: %s", SPOOL_LOG_NAME,
			 strerror(errno));
		return ONSHI_EIO;
	}
	while (pos < size && rc == ONSHI_OK) {
		struct spool_log_record r;
		size_t next;

		if (decode(map + pos, size - pos, pos, &r)) {
			rc = visit(arg, &r);
			pos += SPOOL_LOG_HEAD + get32(map + pos + 12);
			scan->good_end = pos;
			continue;
		}
		next = next_good(map, size, pos);
		if (next == size) { /* nothing good after it: cut short */
			scan->torn_bytes = size - pos;
			break;
		}
		scan->corrupt++;
		pos = next;
	}
	munmap(map, size);
	return rc;
}

int spool_log_rewrite_begin(struct spool_log *tmp, int dirfd, const char *dir,
			    char *msg, size_t msglen)
{
	tmp->dirfd = dirfd;
	tmp->dir = dir;
	tmp->end = 0;
	tmp->fd = openat(dirfd, TMP_NAME,
			 O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (tmp->fd < 0) {
		snprintf(msg, msglen, "spool %s: cannot create %s: %s", dir,
			 TMP_NAME, strerror(errno));
		return ONSHI_EIO;
	}
	return ONSHI_OK;
}

void spool_log_rewrite_abort(struct spool_log *tmp)
{
	if (tmp->fd < 0)
		return;
	close(tmp->fd);
	tmp->fd = -1;
	unlinkat(tmp->dirfd, TMP_NAME, 0);
}

int spool_log_rewrite_commit(struct spool_log *l, struct spool_log *tmp,
			     const char *aside, char *msg, size_t msglen)
{
	const char *step = "flush", *what = SPOOL_LOG_NAME;

	if (fsync(tmp->fd) < 0)
		goto fail;
	step = "keep the damaged log aside as";
	what = aside;
	if (aside && renameat(l->dirfd, SPOOL_LOG_NAME, l->dirfd, aside) < 0 &&
	    errno != ENOENT)
		goto fail;
	step = "rename into place";
	what = SPOOL_LOG_NAME;
	if (renameat(tmp->dirfd, TMP_NAME, tmp->dirfd, SPOOL_LOG_NAME) < 0)
		goto fail;
	/* In place now: the old one is gone whatever follows. */
	spool_log_close(l);
	*l = *tmp;
	tmp->fd = -1;
	if (fsync(l->dirfd) < 0) {
		snprintf(msg, msglen,
			 "spool %s: cannot flush the folder after "
			 "replacing %s: %s",
			 l->dir, SPOOL_LOG_NAME, strerror(errno));
		return ONSHI_EIO;
	}
	return ONSHI_OK;
fail:
	snprintf(msg, msglen, "spool %s: cannot %s %s: %s", tmp->dir, step,
		 what, strerror(errno));
	spool_log_rewrite_abort(tmp);
	return ONSHI_EIO;
}

void spool_log_close(struct spool_log *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
}
