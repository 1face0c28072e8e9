/* SPDX-License-Identifier: Apache-2.0 */
/*
 * batch_parts.c — the spool's record of a batch uploaded in parts
 * (batch_parts.h). The map is a few lines of text:
 *
 *   onshi-batch-map 1
 *   number ONSHI0123456789
 *   institution 1311111111
 *   part 10000 R20261207000001
 *   part 10000 - OE0001 why the service refused it
 *   end 20000
 *
 * "end" and the sum it repeats tell a whole map from one cut off. The map
 * is ours, written in a folder only onshid can write (spool checks), but
 * it is still read as untrusted: every field is checked and a broken one
 * named, never guessed.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "atomic_file.h"
#include "batch_parts.h"
#include "read_file.h"
#include "strbuf.h"
#include "xmlmsg_stream.h"

#define MAP_MAGIC "onshi-batch-map 1"
/* The most parts one map may name: 100,000 persons in parts of one. */
#define MAP_MAX_PARTS 100000
#define MAP_MAX_BYTES (MAP_MAX_PARTS * 384L)
/* A part's upload document is at most the codec's bound on an upload. */
#define PART_MAX_BYTES (64L << 20)
#define DEFAULT_CODE "OE0001"

void onshi_batch_number(const char *key, char out[ONSHI_BATCH_NUMBER_LEN + 1])
{
	size_t pre = sizeof(ONSHI_BATCH_NUMBER_PREFIX) - 1, i;
	int ended = key == NULL;

	memcpy(out, ONSHI_BATCH_NUMBER_PREFIX, pre);
	/* The key's first hex digits, upper case; a short key pads with 0. */
	for (i = 0; pre + i < ONSHI_BATCH_NUMBER_LEN; i++) {
		char c = ended ? '0' : key[i];

		if (c == '\0') {
			ended = 1;
			c = '0';
		}
		c = (char)(c >= 'a' && c <= 'f' ? c - 'a' + 'A' : c);
		out[pre + i] = strchr("0123456789ABCDEF", c) && c ? c : '0';
	}
	out[ONSHI_BATCH_NUMBER_LEN] = '\0';
}

bool onshi_batch_number_is_ours(const char *s)
{
	size_t pre = sizeof(ONSHI_BATCH_NUMBER_PREFIX) - 1;

	if (!s || strlen(s) != ONSHI_BATCH_NUMBER_LEN ||
	    strncmp(s, ONSHI_BATCH_NUMBER_PREFIX, pre) != 0)
		return false;
	for (s += pre; *s; s++)
		if (!strchr("0123456789ABCDEF", *s))
			return false;
	return true;
}

/* A field kept on a map line: visible ASCII, no spaces, bounded. */
static bool good_word(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > ONSHI_BATCH_FIELD_MAX)
		return false;
	for (; *s; s++)
		if (*s < 0x21 || *s > 0x7e)
			return false;
	return true;
}

int onshi_batch_map_add(struct onshi_batch_map *m, size_t persons,
			const char *reception, const char *code, const char *refusal)
{
	struct onshi_batch_part *np, *p;

	np = realloc(m->parts, (m->n_parts + 1) * sizeof(*np));
	if (!np)
		return ONSHI_ENOMEM;
	m->parts = np;
	p = &np[m->n_parts];
	memset(p, 0, sizeof(*p));
	p->persons = persons;
	if (reception) {
		if (!(p->reception = strdup(reception)))
			return ONSHI_ENOMEM;
	} else {
		p->code = strdup(good_word(code) ? code : DEFAULT_CODE);
		p->refusal = strdup(refusal && *refusal ? refusal : "refused");
		if (!p->code || !p->refusal) {
			free(p->code);
			free(p->refusal);
			return ONSHI_ENOMEM;
		}
		/* One line in the map. */
		for (char *c = p->refusal; *c; c++)
			if (*c == '\n' || *c == '\r')
				*c = ' ';
	}
	m->n_parts++;
	m->persons += persons;
	return ONSHI_OK;
}

void onshi_batch_map_clear(struct onshi_batch_map *m)
{
	for (size_t i = 0; i < m->n_parts; i++) {
		free(m->parts[i].reception);
		free(m->parts[i].code);
		free(m->parts[i].refusal);
	}
	free(m->parts);
	memset(m, 0, sizeof(*m));
}

/* <spool>/batches, made when missing. */
static int batches_dir(const char *spool_dir, char *out, size_t outlen,
		       char *why, size_t whylen)
{
	snprintf(out, outlen, "%s/batches", spool_dir);
	if (mkdir(out, 0700) < 0 && errno != EEXIST) {
		snprintf(why, whylen, "cannot make %s: %s", out, strerror(errno));
		return ONSHI_EIO;
	}
	return ONSHI_OK;
}

size_t onshi_batch_sweep(const char *spool_dir, unsigned keep_days)
{
	time_t before = time(NULL) - (time_t)keep_days * 86400;
	char dir[4096];
	struct dirent *de;
	size_t removed = 0;
	int dfd;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/batches", spool_dir);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dfd < 0)
		return 0;
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return 0;
	}
	while ((de = readdir(d))) {
		struct stat st;

		/* Only our own names: ONSHI…, then ".map" or ".<k>.xml". */
		if (strncmp(de->d_name, ONSHI_BATCH_NUMBER_PREFIX,
			    sizeof(ONSHI_BATCH_NUMBER_PREFIX) - 1) != 0 ||
		    de->d_name[ONSHI_BATCH_NUMBER_LEN] != '.')
			continue;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode) && st.st_mtime < before &&
		    unlinkat(dfd, de->d_name, 0) == 0)
			removed++;
	}
	closedir(d);
	return removed;
}

int onshi_batch_part_save(const char *spool_dir, const char *number, size_t k,
			  const char *doc, size_t len, char *why, size_t whylen)
{
	char dir[4096], name[64];
	int rc = batches_dir(spool_dir, dir, sizeof(dir), why, whylen);

	if (rc != ONSHI_OK)
		return rc;
	if (!onshi_batch_number_is_ours(number)) {
		snprintf(why, whylen,
			 "'%.40s' is not one of onshi's reception numbers", number);
		return ONSHI_EINVAL;
	}
	snprintf(name, sizeof(name), "%s.%zu.xml", number, k);
	return onshi_write_file_atomic(dir, name, doc, len, 0600, why, whylen);
}

int onshi_batch_map_save(const char *spool_dir, const struct onshi_batch_map *m,
			 char *why, size_t whylen)
{
	struct onshi_strbuf b = { 0 };
	char dir[4096], name[64];
	int rc = batches_dir(spool_dir, dir, sizeof(dir), why, whylen);

	if (rc != ONSHI_OK)
		return rc;
	if (!onshi_batch_number_is_ours(m->number) || m->n_parts == 0) {
		snprintf(why, whylen,
			 "a batch map needs one of onshi's numbers and a part");
		return ONSHI_EINVAL;
	}
	onshi_strbuf_printf(&b, MAP_MAGIC "\nnumber %s\ninstitution %s\n",
			    m->number, m->institution);
	for (size_t i = 0; i < m->n_parts; i++) {
		const struct onshi_batch_part *p = &m->parts[i];

		if (p->reception)
			onshi_strbuf_printf(&b, "part %zu %s\n", p->persons,
					    p->reception);
		else
			onshi_strbuf_printf(&b, "part %zu - %s %s\n",
					    p->persons, p->code, p->refusal);
	}
	onshi_strbuf_printf(&b, "end %zu\n", m->persons);
	if (b.failed) {
		onshi_strbuf_free(&b);
		snprintf(why, whylen, "out of memory");
		return ONSHI_ENOMEM;
	}
	snprintf(name, sizeof(name), "%s.map", m->number);
	rc = onshi_write_file_atomic(dir, name, b.data, b.len, 0600, why, whylen);
	onshi_strbuf_free(&b);
	return rc;
}

/* A count field: digits only, 1..100000. */
static int parse_count(const char *s, size_t *out)
{
	size_t v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (size_t)(*s - '0');
		if (v > MAP_MAX_PARTS)
			return -1;
	}
	*out = v;
	return v ? 0 : -1;
}

/* One "part" line's fields after "part ". */
static int parse_part(struct onshi_batch_map *m, char *rest)
{
	char *persons = rest, *recep, *code, *why = NULL;
	size_t n;

	recep = strchr(persons, ' ');
	if (!recep)
		return -1;
	*recep++ = '\0';
	if (parse_count(persons, &n) < 0)
		return -1;
	if (strcmp(recep, "-") == 0)
		return -1; /* refused without a code */
	if (strncmp(recep, "- ", 2) != 0)
		return good_word(recep)
			       ? onshi_batch_map_add(m, n, recep, NULL, NULL)
			       : -1;
	code = recep + 2;
	why = strchr(code, ' ');
	if (why)
		*why++ = '\0';
	if (!good_word(code))
		return -1;
	return onshi_batch_map_add(m, n, NULL, code, why);
}

int onshi_batch_map_parse(const char *text, size_t len,
			  struct onshi_batch_map *m, char *why, size_t whylen)
{
	char *copy = malloc(len + 1), *save = NULL, *line;
	unsigned lineno = 0;
	size_t end_sum = 0;
	int rc = ONSHI_OK, ended = 0;

	memset(m, 0, sizeof(*m));
	if (!copy)
		return ONSHI_ENOMEM;
	memcpy(copy, text, len);
	copy[len] = '\0';
	if (memchr(text, '\0', len)) {
		snprintf(why, whylen, "a NUL byte in the map");
		rc = ONSHI_EPROTO;
		goto out;
	}
	for (line = strtok_r(copy, "\n", &save); line && rc == ONSHI_OK;
	     line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		if (ended) {
			rc = ONSHI_EPROTO;
		} else if (lineno == 1) {
			rc = strcmp(line, MAP_MAGIC) == 0 ? ONSHI_OK : ONSHI_EPROTO;
		} else if (strncmp(line, "number ", 7) == 0) {
			rc = onshi_batch_number_is_ours(line + 7) ? ONSHI_OK
								  : ONSHI_EPROTO;
			if (rc == ONSHI_OK)
				memcpy(m->number, line + 7,
				       ONSHI_BATCH_NUMBER_LEN + 1);
		} else if (strncmp(line, "institution ", 12) == 0) {
			rc = strlen(line + 12) == 10 &&
					     strspn(line + 12, "0123456789") == 10
				     ? ONSHI_OK
				     : ONSHI_EPROTO;
			if (rc == ONSHI_OK)
				memcpy(m->institution, line + 12, 11);
		} else if (strncmp(line, "part ", 5) == 0) {
			int r = m->n_parts < MAP_MAX_PARTS
					? parse_part(m, line + 5)
					: -1;

			rc = r == 0              ? ONSHI_OK
			     : r == ONSHI_ENOMEM ? r
						 : ONSHI_EPROTO;
		} else if (strncmp(line, "end ", 4) == 0) {
			ended = 1;
			rc = parse_count(line + 4, &end_sum) == 0 ? ONSHI_OK
								  : ONSHI_EPROTO;
		} else {
			rc = ONSHI_EPROTO;
		}
	}
	if (rc == ONSHI_EPROTO) {
		snprintf(why, whylen, "line %u is not what a batch map holds", lineno);
	} else if (rc == ONSHI_ENOMEM) {
		snprintf(why, whylen, "out of memory");
	} else if (!ended || !m->number[0] || !m->institution[0] || !m->n_parts) {
		snprintf(why, whylen, "the map is cut off (no %s)",
			 !m->number[0]        ? "number"
			 : !m->institution[0] ? "institution"
			 : !m->n_parts        ? "part"
					      : "end line");
		rc = ONSHI_EPROTO;
	} else if (end_sum != m->persons) {
		snprintf(why, whylen,
			 "the parts hold %zu persons, the end line says %zu",
			 m->persons, end_sum);
		rc = ONSHI_EPROTO;
	}
out:
	free(copy);
	if (rc != ONSHI_OK)
		onshi_batch_map_clear(m);
	return rc;
}

int onshi_batch_map_load(const char *spool_dir, const char *number,
			 struct onshi_batch_map *m, char *why, size_t whylen)
{
	char path[4096], inner[256];
	char *text = NULL;
	size_t len = 0;
	int rc;

	memset(m, 0, sizeof(*m));
	if (!onshi_batch_number_is_ours(number))
		return ONSHI_ENOTFOUND;
	snprintf(path, sizeof(path), "%s/batches/%s.map", spool_dir, number);
	rc = onshi_read_file(AT_FDCWD, path, MAP_MAX_BYTES, ONSHI_READ_REGULAR,
			     &text, &len, NULL);
	if (rc == ONSHI_ENOTFOUND)
		return rc;
	if (rc != ONSHI_OK) {
		snprintf(why, whylen, "cannot read %s: %s", path,
			 rc == ONSHI_ETOOBIG ? "too large" : "read error");
		return rc;
	}
	rc = onshi_batch_map_parse(text, len, m, inner, sizeof(inner));
	if (rc == ONSHI_OK && strcmp(m->number, number) != 0) {
		snprintf(inner, sizeof(inner), "it names %s", m->number);
		onshi_batch_map_clear(m);
		rc = ONSHI_EPROTO;
	}
	if (rc != ONSHI_OK)
		snprintf(why, whylen, "%s: %s", path, inner);
	free(text);
	return rc;
}

int onshi_batch_part_errors(const char *spool_dir, const char *number, size_t k,
			    size_t persons, const char *code,
			    const char *message, onshi_batch_unit_cb cb,
			    void *arg, char *why, size_t whylen)
{
	struct onshi_parse_limits lim = { .max_bytes = PART_MAX_BYTES };
	struct onshi_msg req;
	char path[4096], msg[256];
	char *doc = NULL;
	size_t len = 0;
	int rc;

	snprintf(path, sizeof(path), "%s/batches/%s.%zu.xml", spool_dir, number, k);
	rc = onshi_read_file(AT_FDCWD, path, PART_MAX_BYTES, ONSHI_READ_REGULAR,
			     &doc, &len, NULL);
	if (rc != ONSHI_OK) {
		snprintf(why, whylen, "cannot read %s (%s)", path,
			 rc == ONSHI_ENOTFOUND ? "missing" : "read error");
		return rc;
	}
	rc = onshi_msg_parse(ONSHI_MSG_BULK_REQUEST, doc, len, &lim, &req, msg,
			     sizeof(msg));
	free(doc);
	if (rc != ONSHI_OK) {
		snprintf(why, whylen, "%s: %s", path, msg);
		return rc;
	}
	if (req.u.bulk_request.n_search != persons) {
		snprintf(why, whylen, "%s holds %zu persons, the map says %zu",
			 path, req.u.bulk_request.n_search, persons);
		onshi_msg_clear(&req);
		return ONSHI_EPROTO;
	}
	for (size_t i = 0; rc == ONSHI_OK && i < persons; i++) {
		struct onshi_bulk_unit u;

		/* The search moves from the request into the unit, which
		 * cb takes over. */
		memset(&u, 0, sizeof(u));
		u.has_search = true;
		u.search = req.u.bulk_request.search[i];
		memset(&req.u.bulk_request.search[i], 0,
		       sizeof(req.u.bulk_request.search[i]));
		u.processing_result_status = ONSHI_STATUS_ERROR;
		u.processing_result_code = strdup(code);
		u.processing_result_message = strdup(message);
		if (!u.processing_result_code || !u.processing_result_message) {
			onshi_bulk_unit_clear(&u);
			snprintf(why, whylen, "out of memory");
			rc = ONSHI_ENOMEM;
			break;
		}
		rc = cb(arg, &u);
	}
	onshi_msg_clear(&req);
	return rc;
}
