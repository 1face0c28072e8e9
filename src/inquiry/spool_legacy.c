/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spool_legacy.c — the spool's record files from before spool.log: one
 * `<seq>.req` per request and `<seq>.ans` per kept answer, each a small
 * text header and the payload:
 *   .req: "onshi-spool 1\nmodule M\nid I\nkind K\nlength N\n\n" + N bytes
 *   .ans: "onshi-spool 1\nerror 0|1\nlength N\n\n" + N bytes
 * A spool left by an older onshid is read once, moved into the log by
 * spool.c, and its files removed: an upgrade loses nothing that waited.
 * A file that does not parse is moved aside to `<name>.corrupt`.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <onshi/error.h>

#include "read_file.h"
#include "spool_legacy.h"

/* A body within SPOOL_MAX_BODY, with its text header. */
#define LEGACY_MAX_RECORD (SPOOL_MAX_BODY + 4096)

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

/* Read name and split it into header and payload; 0 if well-formed. */
static int read_record(int dirfd, const char *name, char **buf, char **payload,
		       size_t *payload_len)
{
	char *sep, *lenstr, *end;
	unsigned long long want;
	size_t len;

	*buf = NULL;
	if (onshi_read_file(dirfd, name, LEGACY_MAX_RECORD,
			    ONSHI_READ_REGULAR | ONSHI_READ_NOFOLLOW, buf, &len,
			    NULL) != ONSHI_OK)
		return -1;
	sep = strstr(*buf, "\n\n");
	if (strncmp(*buf, "onshi-spool 1\n", 14) != 0 || !sep)
		return -1;
	sep[1] = '\0'; /* header (with its last newline) is now a string */
	lenstr = header_value(*buf, "length");
	if (!lenstr)
		return -1;
	want = strtoull(lenstr, &end, 10);
	if (*end || end == lenstr) {
		free(lenstr);
		return -1;
	}
	free(lenstr);
	*payload = sep + 2;
	*payload_len = len - (size_t)(*payload - *buf);
	return *payload_len == want ? 0 : -1;
}

static void set_aside(int dirfd, const char *name, unsigned *corrupt)
{
	char to[64];

	snprintf(to, sizeof(to), "%s.corrupt", name);
	renameat(dirfd, name, dirfd, to);
	(*corrupt)++;
}

/* One request file and its answer, as records for visit. */
static int load_one(int dirfd, uint64_t seq, spool_log_visit_cb visit,
		    void *arg, unsigned *corrupt)
{
	struct spool_log_record r = { .type = SPOOL_REC_REQUEST, .seq = seq };
	char name[40], *buf, *payload, *module = NULL, *id = NULL, *kind = NULL,
				       *err;
	size_t plen;
	int rc;

	snprintf(name, sizeof(name), "%020" PRIu64 ".req", seq);
	if (read_record(dirfd, name, &buf, &payload, &plen) < 0 ||
	    !(module = header_value(buf, "module")) ||
	    !(id = header_value(buf, "id")) || !(kind = header_value(buf, "kind"))) {
		free(module);
		free(id);
		free(buf);
		set_aside(dirfd, name, corrupt);
		return ONSHI_OK;
	}
	r.module = module;
	r.id = id;
	r.kind = atoi(kind);
	r.data = payload;
	r.len = plen;
	rc = visit(arg, &r);
	free(module);
	free(id);
	free(kind);
	free(buf);
	if (rc != ONSHI_OK)
		return rc;

	snprintf(name, sizeof(name), "%020" PRIu64 ".ans", seq);
	if (faccessat(dirfd, name, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
		return ONSHI_OK;
	if (read_record(dirfd, name, &buf, &payload, &plen) < 0 ||
	    !(err = header_value(buf, "error"))) {
		free(buf);
		set_aside(dirfd, name, corrupt); /* asked again: answered anew */
		return ONSHI_OK;
	}
	r = (struct spool_log_record){ .type = SPOOL_REC_ANSWER,
				       .seq = seq,
				       .is_error = strcmp(err, "1") == 0,
				       .data = payload,
				       .len = plen };
	free(err);
	rc = visit(arg, &r);
	free(buf);
	return rc;
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

static int cmp_seq(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int spool_legacy_read(int dirfd, spool_log_visit_cb visit, void *arg,
		      unsigned *corrupt, unsigned *found)
{
	DIR *d = fdopendir(dup(dirfd));
	struct dirent *de;
	uint64_t *seqs = NULL;
	size_t n = 0, cap = 0;
	int rc = ONSHI_OK;

	*found = 0;
	if (!d)
		return ONSHI_EIO;
	rewinddir(d); /* a dup shares the directory offset */
	/* List first, then act: renaming while readdir() runs may skip
	 * entries. */
	while ((de = readdir(d))) {
		char *end;
		uint64_t seq = strtoull(de->d_name, &end, 10);

		if (de->d_name[0] == '.' && strstr(de->d_name, ".tmp"))
			unlinkat(dirfd, de->d_name, 0); /* half-written */
		else if (end != de->d_name && strcmp(end, ".req") == 0 &&
			 push_seq(&seqs, &n, &cap, seq) < 0)
			rc = ONSHI_ENOMEM;
		else if (end != de->d_name && strcmp(end, ".ans") == 0)
			(*found)++; /* an orphan answer goes with the rest */
	}
	closedir(d);
	*found += (unsigned)n;
	if (n)
		qsort(seqs, n, sizeof(*seqs), cmp_seq);
	for (size_t i = 0; i < n && rc == ONSHI_OK; i++)
		rc = load_one(dirfd, seqs[i], visit, arg, corrupt);
	free(seqs);
	return rc;
}

void spool_legacy_remove(int dirfd)
{
	DIR *d = fdopendir(dup(dirfd));
	struct dirent *de;

	if (!d)
		return;
	rewinddir(d);
	while ((de = readdir(d))) {
		char *end;

		strtoull(de->d_name, &end, 10);
		if (end != de->d_name &&
		    (strcmp(end, ".req") == 0 || strcmp(end, ".ans") == 0))
			unlinkat(dirfd, de->d_name, 0);
	}
	closedir(d);
}
