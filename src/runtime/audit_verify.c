/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit_verify.c — checking an audit log's hash chain (docs/audit.md).
 *
 * Shared by the daemon (AUDIT VERIFY) and onshictl (audit verify --file),
 * so it depends on nothing but libc and OpenSSL's SHA-256.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pthread.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "audit.h"

static const char zero_hash[] =
	"0000000000000000000000000000000000000000000000000000000000000000";

/* SHA-256 as the provider implements it, fetched once for the process
 * and never freed (it lives as long as libcrypto): OpenSSL 3 looks up
 * EVP_sha256() again on every digest call, a third of an audit record's
 * cost. Written once, under pthread_once, and only read after. */
static EVP_MD *sha256_fetched;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void fetch_sha256(void)
{
	sha256_fetched = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static const EVP_MD *sha256_md(void)
{
	pthread_once(&sha256_once, fetch_sha256);
	return sha256_fetched ? sha256_fetched : EVP_sha256();
}

struct onshi_sha256 {
	EVP_MD_CTX *ctx;
};

struct onshi_sha256 *onshi_sha256_new(void)
{
	struct onshi_sha256 *h = calloc(1, sizeof(*h));

	if (h && !(h->ctx = EVP_MD_CTX_new())) {
		free(h);
		h = NULL;
	}
	return h;
}

void onshi_sha256_free(struct onshi_sha256 *h)
{
	if (!h)
		return;
	EVP_MD_CTX_free(h->ctx);
	free(h);
}

void onshi_sha256_hex(struct onshi_sha256 *h, const void *data, size_t len,
		      char out[ONSHI_AUDIT_HASH_HEX + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	int ok;

	if (h)
		ok = EVP_DigestInit_ex(h->ctx, sha256_md(), NULL) &&
		     EVP_DigestUpdate(h->ctx, data, len) &&
		     EVP_DigestFinal_ex(h->ctx, md, &mdlen);
	else
		ok = EVP_Digest(data, len, md, &mdlen, sha256_md(), NULL);
	if (!ok || mdlen != 32) {
		/* Cannot happen with a working libcrypto; never matches. */
		memset(out, 'x', ONSHI_AUDIT_HASH_HEX);
		out[ONSHI_AUDIT_HASH_HEX] = '\0';
		return;
	}
	for (unsigned i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[ONSHI_AUDIT_HASH_HEX] = '\0';
}

void onshi_audit_sha256_hex(const void *data, size_t len,
			    char out[ONSHI_AUDIT_HASH_HEX + 1])
{
	onshi_sha256_hex(NULL, data, len, out);
}

static int is_hex64(const char *p)
{
	for (int i = 0; i < ONSHI_AUDIT_HASH_HEX; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
			return 0;
	return 1;
}

int onshi_audit_parse(const char *line, size_t len, struct onshi_audit_record *r)
{
	static const char tag[] = " hash=";
	const size_t tail = sizeof(tag) - 1 + ONSHI_AUDIT_HASH_HEX;
	const char *p = line, *end, *sp;
	char mine[ONSHI_AUDIT_HASH_HEX + 1];
	uint64_t seq = 0;
	size_t klen;

	memset(r, 0, sizeof(*r));
	if (len < tail + 8 || memchr(line, '\0', len))
		return -1;
	end = line + len - tail;
	if (memcmp(end, tag, sizeof(tag) - 1) != 0 ||
	    !is_hex64(end + sizeof(tag) - 1))
		return -1;
	/* SEQ */
	if (*p < '1' || *p > '9')
		return -1;
	while (p < end && *p >= '0' && *p <= '9') {
		if (seq > (UINT64_MAX - 9) / 10)
			return -1;
		seq = seq * 10 + (uint64_t)(*p++ - '0');
	}
	if (p >= end || *p++ != ' ')
		return -1;
	/* TIME: one word */
	sp = memchr(p, ' ', (size_t)(end - p));
	if (!sp || sp == p)
		return -1;
	p = sp + 1;
	if ((size_t)(end - p) < 5 + ONSHI_AUDIT_HASH_HEX + 6 ||
	    memcmp(p, "prev=", 5) != 0 || !is_hex64(p + 5) ||
	    p[5 + ONSHI_AUDIT_HASH_HEX] != ' ')
		return -1;
	memcpy(r->prev, p + 5, ONSHI_AUDIT_HASH_HEX);
	p += 5 + ONSHI_AUDIT_HASH_HEX + 1;
	if (memcmp(p, "kind=", 5) != 0)
		return -1;
	p += 5;
	sp = memchr(p, ' ', (size_t)(end - p));
	klen = (size_t)((sp ? sp : end) - p);
	if (!klen || klen >= sizeof(r->kind))
		return -1;
	memcpy(r->kind, p, klen);
	r->seq = seq;
	memcpy(r->hash, end + sizeof(tag) - 1, ONSHI_AUDIT_HASH_HEX);
	onshi_audit_sha256_hex(line, (size_t)(end - line), mine);
	return strcmp(mine, r->hash) == 0 ? 0 : -2;
}

int onshi_audit_field(const char *line, size_t len, const char *key, char *out,
		      size_t outlen)
{
	size_t klen = strlen(key);
	const char *p = line, *end = line + len;

	while (p < end) {
		const char *sp = memchr(p, ' ', (size_t)(end - p));
		const char *wend = sp ? sp : end;

		if ((size_t)(wend - p) > klen && memcmp(p, key, klen) == 0 &&
		    p[klen] == '=') {
			size_t o = 0;

			for (const char *v = p + klen + 1;
			     v < wend && o + 1 < outlen; v++) {
				int hi, lo;

				if (*v == '%' && wend - v >= 3 &&
				    (hi = OPENSSL_hexchar2int((unsigned char)v[1])) >= 0 &&
				    (lo = OPENSSL_hexchar2int((unsigned char)v[2])) >=
					    0) {
					out[o++] = (char)(hi * 16 + lo);
					v += 2;
				} else {
					out[o++] = *v;
				}
			}
			out[o] = '\0';
			return 1;
		}
		p = wend + 1;
	}
	return 0;
}

struct line {
	const char *p;
	size_t len;
	int complete; /* ended with a newline */
};

/* Whether some line after index i holds record seq (a reorder, not a gap). */
static int seq_later(const struct line *lines, size_t n, size_t i, uint64_t seq)
{
	struct onshi_audit_record r;

	for (size_t j = i + 1; j < n; j++)
		if (onshi_audit_parse(lines[j].p, lines[j].len, &r) == 0 &&
		    r.seq == seq)
			return 1;
	return 0;
}

/*
 * A bad line is a recorded gap when the next line is a kind=recovered
 * record that continues the chain and names exactly these bytes.
 */
static int recovered_gap(const struct line *bad, const struct line *next,
			 uint64_t expect, const char *prev)
{
	struct onshi_audit_record r;
	char v[80], sha[ONSHI_AUDIT_HASH_HEX + 1];

	if (!next || onshi_audit_parse(next->p, next->len, &r) != 0 ||
	    strcmp(r.kind, "recovered") != 0 || r.seq != expect ||
	    strcmp(r.prev, prev) != 0)
		return 0;
	if (!onshi_audit_field(next->p, next->len, "torn_bytes", v, sizeof(v)) ||
	    strtoull(v, NULL, 10) != bad->len)
		return 0;
	onshi_audit_sha256_hex(bad->p, bad->len, sha);
	return onshi_audit_field(next->p, next->len, "torn_sha256", v, sizeof(v)) &&
	       strcmp(v, sha) == 0;
}

int onshi_audit_verify_buf(const char *buf, size_t len,
			   struct onshi_audit_report *rep, char *msg, size_t msglen)
{
	struct line *lines = NULL;
	size_t n = 0, cap = 0;
	uint64_t expect = 1;
	char prev[ONSHI_AUDIT_HASH_HEX + 1];
	int rc = 0;

	memset(rep, 0, sizeof(*rep));
	memcpy(prev, zero_hash, sizeof(prev));
	for (size_t off = 0; off < len;) {
		const char *nl = memchr(buf + off, '\n', len - off);
		size_t l = nl ? (size_t)(nl - (buf + off)) : len - off;

		if (n == cap) {
			struct line *g = realloc(lines, (cap = cap ? 2 * cap : 256) *
								sizeof(*g));
			if (!g) {
				free(lines);
				snprintf(msg, msglen, "out of memory");
				return -1;
			}
			lines = g;
		}
		lines[n].p = buf + off;
		lines[n].len = l;
		lines[n].complete = nl != NULL;
		n++;
		off += l + (nl ? 1 : 0);
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		const struct line *L = &lines[i];
		struct onshi_audit_record r;
		unsigned long lno = (unsigned long)i + 1;
		int p = onshi_audit_parse(L->p, L->len, &r);

		if (p != 0 || !L->complete) {
			if (L->complete &&
			    recovered_gap(L, i + 1 < n ? &lines[i + 1] : NULL,
					  expect, prev)) {
				rep->gaps++;
				if (!rep->gap_note[0])
					snprintf(rep->gap_note,
						 sizeof(rep->gap_note),
						 "line %lu: a torn write of %zu bytes (crash or full disk), named by the kind=recovered record on line %lu",
						 lno, L->len, lno + 1);
				continue;
			}
			if (!L->complete)
				snprintf(msg, msglen,
					 "line %lu: truncated: the last record is incomplete (%zu bytes, no newline)",
					 lno, L->len);
			else if (p == -2)
				snprintf(msg, msglen,
					 "line %lu: edited: record %" PRIu64
					 "'s hash does not match its content",
					 lno, r.seq);
			else
				snprintf(msg, msglen,
					 "line %lu: not an audit record (edited, inserted or damaged)",
					 lno);
			rc = -1;
			break;
		}
		if (r.seq > expect) {
			if (seq_later(lines, n, i, expect))
				snprintf(msg, msglen,
					 "line %lu: reordered: record %" PRIu64
					 " is here but record %" PRIu64 " comes later",
					 lno, r.seq, expect);
			else if (r.seq == expect + 1)
				snprintf(msg, msglen,
					 "line %lu: deleted: record %" PRIu64
					 " is missing before record %" PRIu64,
					 lno, expect, r.seq);
			else
				snprintf(msg, msglen,
					 "line %lu: deleted: records %" PRIu64 "-%" PRIu64
					 " are missing before record %" PRIu64,
					 lno, expect, r.seq - 1, r.seq);
			rc = -1;
		} else if (r.seq < expect) {
			snprintf(msg, msglen,
				 "line %lu: inserted or reordered: record %" PRIu64
				 " again after record %" PRIu64,
				 lno, r.seq, expect - 1);
			rc = -1;
		} else if (strcmp(r.prev, prev) != 0) {
			snprintf(msg, msglen,
				 "line %lu: inserted or replaced: record %" PRIu64
				 " does not chain to the record before it",
				 lno, r.seq);
			rc = -1;
		} else {
			rep->records++;
			if (strcmp(r.kind, "recovered") == 0) {
				char v[32];

				if (onshi_audit_field(L->p, L->len, "dropped",
						      v, sizeof(v)))
					rep->dropped += strtoul(v, NULL, 10);
				if (!onshi_audit_field(L->p, L->len, "torn_bytes",
						       v, sizeof(v))) {
					/* A gap of unwritten events only. */
					rep->gaps++;
					if (!rep->gap_note[0])
						snprintf(rep->gap_note,
							 sizeof(rep->gap_note),
							 "line %lu: events not recorded while the file was unwritable",
							 lno);
				}
			}
			expect = r.seq + 1;
			memcpy(prev, r.hash, sizeof(prev));
			rep->last_seq = r.seq;
			memcpy(rep->last_hash, r.hash, sizeof(rep->last_hash));
		}
	}
	free(lines);
	return rc;
}

int onshi_audit_verify_file(const char *path, struct onshi_audit_report *rep,
			    char *msg, size_t msglen)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	int fd, rc;

	memset(rep, 0, sizeof(*rep));
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(msg, msglen, "cannot open %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(msg, msglen, "%s is not a regular file", path);
		close(fd);
		return -1;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		snprintf(msg, msglen, "%s: out of memory", path);
		close(fd);
		return -1;
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(msg, msglen, "cannot read %s: %s", path,
				 strerror(errno));
			free(buf);
			close(fd);
			return -1;
		}
		if (r == 0)
			break; /* shrank meanwhile: check what is there */
		got += (size_t)r;
	}
	close(fd);
	rc = onshi_audit_verify_buf(buf, got, rep, msg, msglen);
	free(buf);
	return rc;
}
