/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spool.c — durable request records (see spool.h for the layout).
 *
 * Record files are small text headers followed by the payload:
 *   .req: "onshi-spool 1\nmodule M\nid I\nkind K\nlength N\n\n" + N bytes
 *   .ans: "onshi-spool 1\nerror 0|1\nlength N\n\n" + N bytes
 * A header that does not parse, or a payload of the wrong length, marks the
 * record corrupt: it is moved aside to `<seq>.corrupt` and logged by the
 * caller, never silently dropped.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <onshi/error.h>

#include "group_commit.h"
#include "private_path.h"
#include "read_file.h"
#include "spool.h"

/* A request file is at most a batch of 100,000 persons: bound it. */
#define SPOOL_MAX_RECORD (256u * 1024 * 1024)

struct onshi_spool {
	char *dir;
	int dirfd;
	uint64_t next_seq;
	struct onshi_spool_entry *head, *tail;
	struct onshi_spool_entry *abandoned; /* see e->abandoned */
	size_t count;
	struct onshi_group_commit *commit; /* NULL: every write synchronous */
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

/* Write head + body to a new temporary file in the spool dir (not yet
 * flushed); returns its fd, or -1 with msg set. */
static int write_temp(struct onshi_spool *s, const char *tmp, const char *name,
		      const char *head, size_t headlen, const void *body,
		      size_t len, char *msg, size_t msglen)
{
	int fd, saved;

	fd = openat(s->dirfd, tmp,
		    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		goto fail;
	for (size_t off = 0, total = headlen + len; off < total;) {
		const char *p = off < headlen
					? head + off
					: (const char *)body + (off - headlen);
		size_t n = off < headlen ? headlen - off : total - off;
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			goto fail_fd;
		}
		off += (size_t)w;
	}
	return fd;
fail_fd:
	saved = errno;
	close(fd);
	errno = saved;
fail:
	saved = errno;
	unlinkat(s->dirfd, tmp, 0);
	snprintf(msg, msglen, "spool %s: cannot write %s: %s", s->dir, name,
		 strerror(saved));
	return -1;
}

/* Write name in the spool dir atomically: temp, fsync, rename, fsync dir. */
static int write_record(struct onshi_spool *s, const char *name,
			const char *head, size_t headlen, const void *body,
			size_t len, char *msg, size_t msglen)
{
	char tmp[64];
	int fd, saved;

	snprintf(tmp, sizeof(tmp), ".%s.tmp", name);
	fd = write_temp(s, tmp, name, head, headlen, body, len, msg, msglen);
	if (fd < 0)
		return ONSHI_EIO;
	if (fsync(fd) < 0) {
		saved = errno;
		close(fd);
		errno = saved;
		goto fail;
	}
	close(fd);
	if (renameat(s->dirfd, tmp, s->dirfd, name) < 0)
		goto fail;
	if (fsync(s->dirfd) < 0)
		goto fail;
	return ONSHI_OK;
fail:
	saved = errno;
	unlinkat(s->dirfd, tmp, 0);
	snprintf(msg, msglen, "spool %s: cannot write %s: %s", s->dir, name,
		 strerror(saved));
	return ONSHI_EIO;
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

/* The checks and the in-memory entry shared by both ways of accepting;
 * *head is the record's header (free it). */
static int new_entry(struct onshi_spool *s, const char *module,
		     const char *request_id, int kind, const void *body,
		     size_t len, struct onshi_spool_entry **out, char **head,
		     int *headlen, char *msg, size_t msglen)
{
	struct onshi_spool_entry *e;

	*out = NULL;
	*head = NULL;
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
	if (len > SPOOL_MAX_RECORD || strchr(module, '\n') ||
	    strchr(request_id, '\n')) {
		snprintf(msg, msglen, "request %s not spooled: %s", request_id,
			 len > SPOOL_MAX_RECORD ? "too large" : "bad name");
		return len > SPOOL_MAX_RECORD ? ONSHI_ETOOBIG : ONSHI_EINVAL;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return ONSHI_ENOMEM;
	e->seq = s->next_seq++;
	e->module = strdup(module);
	e->request_id = strdup(request_id);
	e->kind = kind;
	e->body = malloc(len + 1);
	*headlen = asprintf(head, "onshi-spool 1\nmodule %s\nid %s\nkind %d\nlength %zu\n\n",
			    module, request_id, kind, len);
	if (!e->module || !e->request_id || !e->body || *headlen < 0) {
		if (*headlen >= 0)
			free(*head);
		*head = NULL;
		entry_free(e);
		return ONSHI_ENOMEM;
	}
	memcpy(e->body, body, len);
	e->body[len] = '\0';
	e->body_len = len;
	*out = e;
	return ONSHI_OK;
}

int onshi_spool_accept(struct onshi_spool *s, const char *module,
		       const char *request_id, int kind, const void *body, size_t len,
		       struct onshi_spool_entry **out, char *msg, size_t msglen)
{
	struct onshi_spool_entry *e;
	char name[40], *head = NULL;
	int headlen = 0, rc;

	rc = new_entry(s, module, request_id, kind, body, len, &e, &head,
		       &headlen, msg, msglen);
	*out = e;
	if (rc != ONSHI_OK)
		return rc;
	snprintf(name, sizeof(name), "%020" PRIu64 ".req", e->seq);
	rc = write_record(s, name, head, (size_t)headlen, body, len, msg, msglen);
	free(head);
	if (rc != ONSHI_OK) {
		*out = NULL;
		entry_free(e);
		return rc;
	}
	link_entry(s, e);
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
		char name[40];

		/* Renamed before the round failed: not relied on, and the
		 * adapter offers the request again under a new record. */
		snprintf(name, sizeof(name), "%020" PRIu64 ".req", e->seq);
		unlinkat(w->s->dirfd, name, 0);
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

int onshi_spool_accept_later(struct onshi_spool *s, const char *module,
			     const char *request_id, int kind, const void *body,
			     size_t len, onshi_spool_accepted_cb done, void *arg,
			     struct onshi_spool_entry **out, char *msg, size_t msglen)
{
	struct onshi_spool_entry *e;
	struct accept_wait *w;
	char name[40], tmp[64], *head = NULL;
	int headlen = 0, rc, fd, dfd;

	if (!s->commit)
		return ONSHI_ESTATE;
	rc = new_entry(s, module, request_id, kind, body, len, &e, &head,
		       &headlen, msg, msglen);
	*out = e;
	if (rc != ONSHI_OK)
		return rc;
	*out = NULL;
	w = malloc(sizeof(*w));
	snprintf(name, sizeof(name), "%020" PRIu64 ".req", e->seq);
	snprintf(tmp, sizeof(tmp), ".%s.tmp", name);
	fd = w ? write_temp(s, tmp, name, head, (size_t)headlen, body, len, msg, msglen)
	       : -1;
	free(head);
	if (fd < 0) {
		free(w);
		entry_free(e);
		return w ? ONSHI_EIO : ONSHI_ENOMEM;
	}
	dfd = dup(s->dirfd);
	w->s = s;
	w->e = e;
	w->done = done;
	w->arg = arg;
	if (dfd < 0 ||
	    onshi_group_commit_file(s->commit, fd, dfd, tmp, dfd, name, name,
				    record_committed, w) != ONSHI_OK) {
		snprintf(msg, msglen, "spool %s: cannot queue %s: %s", s->dir,
			 name, dfd < 0 ? strerror(errno) : "out of memory");
		close(fd);
		if (dfd >= 0)
			close(dfd);
		unlinkat(s->dirfd, tmp, 0);
		free(w);
		entry_free(e);
		return ONSHI_EIO;
	}
	/* In the index now, so that a second offer is recognised. */
	e->committing = 1;
	link_entry(s, e);
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
	char name[40], head[96];
	int headlen, rc;
	char *copy = malloc(len + 1);

	if (!copy)
		return ONSHI_ENOMEM;
	memcpy(copy, answer, len);
	copy[len] = '\0';
	headlen = snprintf(head, sizeof(head),
			   "onshi-spool 1\nerror %d\nlength %zu\n\n",
			   is_error ? 1 : 0, len);
	snprintf(name, sizeof(name), "%020" PRIu64 ".ans", e->seq);
	rc = write_record(s, name, head, (size_t)headlen, answer, len, msg, msglen);
	if (rc != ONSHI_OK) {
		free(copy);
		return rc;
	}
	free(e->answer);
	e->answer = copy;
	e->answer_len = len;
	e->answer_is_error = is_error ? 1 : 0;
	e->answered = 1;
	return ONSHI_OK;
}

/* Remove e's files; the folder is flushed now, or (later) in the next
 * round of the group commit. */
static void forget(struct onshi_spool *s, struct onshi_spool_entry *e, int later)
{
	char name[40];
	int dfd;

	/* The request goes first: a crash in between leaves an orphan answer
	 * (removed at the next open), never a request that would be asked and
	 * delivered a second time. */
	snprintf(name, sizeof(name), "%020" PRIu64 ".req", e->seq);
	unlinkat(s->dirfd, name, 0);
	/* Only an answered entry has an .ans: one delivered straight from
	 * the national answer never had it written (inquiry_deliver.c). */
	if (e->answered) {
		snprintf(name, sizeof(name), "%020" PRIu64 ".ans", e->seq);
		unlinkat(s->dirfd, name, 0);
	}
	dfd = later && s->commit ? dup(s->dirfd) : -1;
	if (dfd >= 0 && onshi_group_commit_dir(s->commit, dfd, "the spool folder",
					       NULL, NULL) != ONSHI_OK) {
		close(dfd);
		dfd = -1;
	}
	if (dfd < 0)
		fsync(s->dirfd);
	unlink_entry(s, e);
	entry_free(e);
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

/* Read a whole record file (bounded). */
static int read_all(int dirfd, const char *name, char **buf, size_t *len)
{
	return onshi_read_file(dirfd, name, SPOOL_MAX_RECORD + 4096,
			       ONSHI_READ_REGULAR | ONSHI_READ_NOFOLLOW, buf,
			       len, NULL) == ONSHI_OK
		       ? 0
		       : -1;
}

/* Find "\n<key> " in the header and return the value up to the newline. */
static char *header_value(const char *head, const char *key)
{
	char pat[32];
	const char *p, *end;

	snprintf(pat, sizeof(pat), "\n%s ", key);
	p = strstr(head, pat);
	if (!p)
		return NULL;
	p += strlen(pat);
	end = strchr(p, '\n');
	return end ? strndup(p, (size_t)(end - p)) : NULL;
}

/* Split a record into header values and payload; 0 if well-formed. */
static int parse_record(char *buf, size_t len, char **payload, size_t *payload_len)
{
	char *sep = strstr(buf, "\n\n"), *lenstr;
	unsigned long long want;
	char *end;

	if (strncmp(buf, "onshi-spool 1\n", 14) != 0 || !sep)
		return -1;
	sep[1] = '\0'; /* header (with its last newline) is now a string */
	lenstr = header_value(buf, "length");
	if (!lenstr)
		return -1;
	want = strtoull(lenstr, &end, 10);
	if (*end || end == lenstr) {
		free(lenstr);
		return -1;
	}
	free(lenstr);
	*payload = sep + 2;
	*payload_len = len - (size_t)(*payload - buf);
	return *payload_len == want ? 0 : -1;
}

static void set_aside(struct onshi_spool *s, const char *name)
{
	char corrupt[64];

	snprintf(corrupt, sizeof(corrupt), "%s.corrupt", name);
	renameat(s->dirfd, name, s->dirfd, corrupt);
}

static int load_one(struct onshi_spool *s, const char *name, uint64_t seq,
		    unsigned *corrupt)
{
	struct onshi_spool_entry *e;
	char *buf = NULL, *payload, *v, ans[40];
	size_t len, plen;

	if (read_all(s->dirfd, name, &buf, &len) < 0 ||
	    parse_record(buf, len, &payload, &plen) < 0) {
		if (buf)
			free(buf);
		set_aside(s, name);
		(*corrupt)++;
		return ONSHI_OK;
	}
	e = calloc(1, sizeof(*e));
	if (!e) {
		free(buf);
		return ONSHI_ENOMEM;
	}
	e->seq = seq;
	e->module = header_value(buf, "module");
	e->request_id = header_value(buf, "id");
	v = header_value(buf, "kind");
	e->kind = v ? atoi(v) : 0;
	free(v);
	e->body = malloc(plen + 1);
	if (!e->module || !e->request_id || !e->body) {
		free(buf);
		entry_free(e);
		set_aside(s, name);
		(*corrupt)++;
		return ONSHI_OK;
	}
	memcpy(e->body, payload, plen);
	e->body[plen] = '\0';
	e->body_len = plen;
	free(buf);

	snprintf(ans, sizeof(ans), "%020" PRIu64 ".ans", seq);
	buf = NULL;
	if (read_all(s->dirfd, ans, &buf, &len) == 0) {
		if (parse_record(buf, len, &payload, &plen) == 0 &&
		    (v = header_value(buf, "error"))) {
			e->answer_is_error = strcmp(v, "1") == 0;
			free(v);
			e->answer = malloc(plen + 1);
			if (e->answer) {
				memcpy(e->answer, payload, plen);
				e->answer[plen] = '\0';
				e->answer_len = plen;
				e->answered = 1;
			}
		} else {
			set_aside(s, ans); /* asked again: answered anew */
			(*corrupt)++;
		}
		free(buf);
	}
	link_entry(s, e);
	if (seq >= s->next_seq)
		s->next_seq = seq + 1;
	return ONSHI_OK;
}

static int push_seq(uint64_t **seqs, size_t *n, size_t *cap, uint64_t seq)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 64;
		uint64_t *g = realloc(*seqs, c * sizeof(*g));

		if (!g)
			return -1;
		*seqs = g;
		*cap = c;
	}
	(*seqs)[(*n)++] = seq;
	return 0;
}

/* Answers whose request is gone are left over from a finished delivery. */
static void remove_orphan_answers(struct onshi_spool *s)
{
	DIR *d = fdopendir(dup(s->dirfd));
	struct dirent *de;

	if (!d)
		return;
	rewinddir(d); /* a dup shares the offset the scan left at the end */
	while ((de = readdir(d))) {
		char *end, req[40];
		uint64_t seq = strtoull(de->d_name, &end, 10);
		struct stat st;

		if (end == de->d_name || strcmp(end, ".ans") != 0)
			continue;
		snprintf(req, sizeof(req), "%020" PRIu64 ".req", seq);
		if (fstatat(s->dirfd, req, &st, AT_SYMLINK_NOFOLLOW) < 0 &&
		    errno == ENOENT)
			unlinkat(s->dirfd, de->d_name, 0);
	}
	closedir(d);
}

int onshi_spool_open(const char *dir, struct onshi_spool **out, char *msg, size_t msglen)
{
	struct onshi_spool *s;
	unsigned corrupt = 0;
	struct dirent *de;
	uint64_t *seqs = NULL;
	size_t nseqs = 0, capseqs = 0;
	DIR *d;
	int rc = ONSHI_OK;

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
	s->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (!s->dir || s->dirfd < 0) {
		snprintf(msg, msglen, "spool %s: cannot open: %s", dir,
			 strerror(errno));
		free(s->dir);
		if (s->dirfd >= 0)
			close(s->dirfd);
		free(s);
		return ONSHI_EIO;
	}
	d = fdopendir(dup(s->dirfd));
	if (d)
		rewinddir(d);
	if (!d) {
		onshi_spool_close(s);
		snprintf(msg, msglen, "spool %s: cannot list: %s", dir,
			 strerror(errno));
		return ONSHI_EIO;
	}
	/* List first, then act: renaming while readdir() runs may skip
	 * entries. */
	while ((de = readdir(d))) {
		char *end;
		uint64_t seq = strtoull(de->d_name, &end, 10);

		if (de->d_name[0] == '.' && strstr(de->d_name, ".tmp"))
			unlinkat(s->dirfd, de->d_name, 0); /* half-written */
		else if (end != de->d_name && strcmp(end, ".req") == 0 &&
			 push_seq(&seqs, &nseqs, &capseqs, seq) < 0)
			rc = ONSHI_ENOMEM;
	}
	closedir(d);
	for (size_t i = 0; i < nseqs && rc == ONSHI_OK; i++) {
		char name[40];

		snprintf(name, sizeof(name), "%020" PRIu64 ".req", seqs[i]);
		rc = load_one(s, name, seqs[i], &corrupt);
	}
	free(seqs);
	remove_orphan_answers(s);
	if (rc != ONSHI_OK) {
		onshi_spool_close(s);
		return rc;
	}
	snprintf(msg, msglen, "%zu spooled request(s) recovered%s", s->count,
		 corrupt ? ", some corrupt records set aside as *.corrupt" : "");
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
	if (s->dirfd >= 0)
		close(s->dirfd);
	free(s->dir);
	free(s);
}
