/* SPDX-License-Identifier: Apache-2.0 */
/*
 * official_folder.c — the official req/res/face folder protocol with an
 * adapter's habits applied at write time; see official_folder.h.
 *
 * Requests are handed to the core untouched (it parses, checks and answers
 * malformed ones with an error document); habits only shape what is
 * written back: the encoding, ArbitraryFileIdentifier and the consent
 * triples. The answer the core hands over is const, so habits work on a
 * shallow copy whose few replaced pointers belong to this file. The one
 * thing read from a request is the encoding its XML declaration names, for
 * answering it in kind (OFFICIAL_CHARSET_SAME).
 *
 * What receipt computers rely on (docs/rececon/oqsfolder.md): every
 * request-shaped name in req/ gets exactly one outcome, also kinds onshi
 * does not handle; every file appears in res/ or face/ by a rename from
 * tmp/ beside them, so a watcher (also over a Samba share) sees it added
 * under its final name; an .err is followed by a copy of the request
 * (clients wait for res/<request name>, then read the .err beside it).
 */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include <onshi/host.h>
#include <onshi/message.h>
#include <onshi/plugin.h>

#include "folder_watch.h"
#include "official_folder.h"

/* The bytes of a safe file id (onshi/message.h, onshi_file_name_classify). */
#define ID_CHARS                                               \
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
	"0123456789._+=@~-"

/* Remembered request encodings (for OFFICIAL_CHARSET_SAME), at most. */
#define OF_CS_BUCKETS 1024
#define OF_CS_MAX 200000

struct cs_entry {
	struct cs_entry *next;
	int cs;
	char id[];
};

struct official_folder {
	const struct onshi_host *host;
	struct onshi_instance *inst;
	struct official_habits habits; /* charsets resolved: never _CONF */
	char *base, *req, *res, *face, *failed, *tmp;
	/* The staging folder for res/ and face/: tmp/, or NULL (a temporary
	 * name inside the folder itself) when it is another file system. */
	const char *res_tmp, *face_tmp;
	size_t max_request, max_batch;
	unsigned rescan_s;
	unsigned long links; /* names made for request copies */
	struct folder_watch *fw;
	int last_cs; /* encoding of the latest request */
	/* ABI 1.5 group commit: requests handed over with submit_later,
	 * answers written with write_file_staged_later (not with a written
	 * hook, which must see the file in place). */
	int later;
	struct cs_entry *cs_map[OF_CS_BUCKETS];
	size_t cs_count;
	unsigned long accepted, results, errors, pushes, refused_err;
};

const char *official_dir(const struct official_folder *of)
{
	return of->base;
}

/* ---- request encodings, for OFFICIAL_CHARSET_SAME ---- */

static unsigned cs_hash(const char *s)
{
	unsigned h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h % OF_CS_BUCKETS;
}

static struct cs_entry **cs_find(struct official_folder *of, const char *id)
{
	struct cs_entry **pp = &of->cs_map[cs_hash(id)];

	while (*pp != NULL && strcmp((*pp)->id, id) != 0)
		pp = &(*pp)->next;
	return pp;
}

static void cs_put(struct official_folder *of, const char *id, int cs)
{
	struct cs_entry **pp, *e;
	size_t n;

	if (of->habits.charset != OFFICIAL_CHARSET_SAME)
		return;
	pp = cs_find(of, id);
	if (*pp != NULL) {
		(*pp)->cs = cs;
		return;
	}
	if (of->cs_count >= OF_CS_MAX)
		return; /* forgotten ones fall back to the answer's own */
	n = strlen(id) + 1;
	e = malloc(sizeof(*e) + n);
	if (e == NULL)
		return;
	memcpy(e->id, id, n);
	e->cs = cs;
	e->next = NULL;
	*pp = e;
	of->cs_count++;
}

/* Forget id; its charset, or fallback when it was not remembered. */
static int cs_take(struct official_folder *of, const char *id, int fallback)
{
	struct cs_entry **pp = cs_find(of, id), *e = *pp;
	int cs;

	if (e == NULL)
		return fallback;
	cs = e->cs;
	*pp = e->next;
	free(e);
	of->cs_count--;
	return cs;
}

static void cs_clear(struct official_folder *of)
{
	struct cs_entry *e, *next;
	size_t i;

	for (i = 0; i < OF_CS_BUCKETS; i++) {
		for (e = of->cs_map[i]; e != NULL; e = next) {
			next = e->next;
			free(e);
		}
		of->cs_map[i] = NULL;
	}
	of->cs_count = 0;
}

/*
 * The encoding a request declares in its XML declaration. Not parsing:
 * only which of the two charsets to answer in; the core decodes.
 */
static int sniff_charset(const char *p, size_t len)
{
	static const char *const sjis[] = {
		"shift_jis",   "shift-jis",  "sjis",  "x-sjis",
		"windows-31j", "cp932",      "ms932", "ms_kanji",
		"csshiftjis",  "x-ms-cp932", NULL,
	};
	char val[32];
	size_t end, i, v = 0;
	const char *e;

	if (len >= 3 && (unsigned char)p[0] == 0xef &&
	    (unsigned char)p[1] == 0xbb && (unsigned char)p[2] == 0xbf)
		return ONSHI_CHARSET_UTF8;
	if (len < 5 || memcmp(p, "<?xml", 5) != 0)
		return ONSHI_CHARSET_UTF8;
	for (end = 5; end + 1 < len && end < 256; end++)
		if (p[end] == '?' && p[end + 1] == '>')
			break;
	for (e = NULL, i = 5; i + 8 <= end; i++) {
		if (memcmp(p + i, "encoding", 8) == 0) {
			e = p + i + 8;
			break;
		}
	}
	if (e == NULL)
		return ONSHI_CHARSET_UTF8;
	while (e < p + end &&
	       (*e == ' ' || *e == '\t' || *e == '\r' || *e == '\n' || *e == '='))
		e++;
	if (e >= p + end || (*e != '"' && *e != '\''))
		return ONSHI_CHARSET_UTF8;
	for (i = 1; e + i < p + end && e[i] != e[0] && v + 1 < sizeof(val); i++)
		val[v++] = e[i];
	val[v] = '\0';
	for (i = 0; sjis[i] != NULL; i++)
		if (strcasecmp(val, sjis[i]) == 0)
			return ONSHI_CHARSET_CP932;
	return ONSHI_CHARSET_UTF8;
}

/* The output_encoding key: a charset, OFFICIAL_CHARSET_SAME, or -2. */
static int parse_encoding(const char *s)
{
	if (s == NULL || strcasecmp(s, "same") == 0)
		return OFFICIAL_CHARSET_SAME;
	if (strcasecmp(s, "utf-8") == 0 || strcasecmp(s, "utf8") == 0)
		return ONSHI_CHARSET_UTF8;
	if (strcasecmp(s, "shift_jis") == 0 ||
	    strcasecmp(s, "shift-jis") == 0 || strcasecmp(s, "sjis") == 0 ||
	    strcasecmp(s, "cp932") == 0 || strcasecmp(s, "windows-31j") == 0)
		return ONSHI_CHARSET_CP932;
	return -2;
}

/* The charset to write in, given the request's (or the latest one's). */
static int out_charset(const struct official_folder *of, int request_cs)
{
	if (of->habits.charset == OFFICIAL_CHARSET_SAME)
		return request_cs;
	return of->habits.charset;
}

static const char *cs_name(int cs)
{
	return cs == ONSHI_CHARSET_CP932 ? "Shift_JIS" : "UTF-8";
}

/* ---- habits ---- */

/* Owned replacements made in a shallow copy, freed after writing. */
struct habit_copy {
	struct onshi_msg msg;
	struct onshi_qualification *results;
};

static int apply_habits(struct official_folder *of, const struct onshi_msg *in,
			const char *reception, struct habit_copy *hc)
{
	struct onshi_res_header *h;
	struct onshi_inquiry_result *ir;
	size_t i;
	int k;

	hc->msg = *in;
	hc->results = NULL;
	h = onshi_msg_res_header(&hc->msg);
	if (of->habits.afi_reception && h != NULL && reception != NULL &&
	    (h->arbitrary_file_identifier == NULL ||
	     h->arbitrary_file_identifier[0] == '\0'))
		h->arbitrary_file_identifier = (char *)reception;
	if (hc->msg.kind != ONSHI_MSG_INQUIRY_RESULT ||
	    of->habits.consent_kinds >= ONSHI_CONSENT_KINDS)
		return ONSHI_OK;
	ir = &hc->msg.u.inquiry_result;
	if (ir->n_results == 0)
		return ONSHI_OK;
	hc->results = malloc(ir->n_results * sizeof(*hc->results));
	if (hc->results == NULL)
		return ONSHI_ENOMEM;
	for (i = 0; i < ir->n_results; i++) {
		hc->results[i] = ir->results[i];
		/* Triples this generation does not know are left out. */
		for (k = of->habits.consent_kinds; k < ONSHI_CONSENT_KINDS; k++)
			memset(&hc->results[i].consent[k], 0,
			       sizeof(hc->results[i].consent[k]));
	}
	ir->results = hc->results;
	return ONSHI_OK;
}

/* ---- writing ---- */

/* Durable now, or (group commit, inside deliver) before the daemon
 * forgets the answer: the receipt computer sees it whole either way. */
static int write_staged(struct official_folder *of, const char *tmp_dir,
			const char *dir, const char *name, const void *data,
			size_t len, char *msg, size_t msglen)
{
	if (of->later)
		return of->host->write_file_staged_later(of->inst, tmp_dir, dir,
							 name, data, len,
							 FOLDER_FILE_MODE, msg,
							 msglen);
	return of->host->write_file_staged(of->inst, tmp_dir, dir, name, data,
					   len, FOLDER_FILE_MODE, msg, msglen);
}

static int write_doc(struct official_folder *of, const char *dir, const char *name,
		     const struct onshi_msg *m, int cs, enum official_file what)
{
	char msg[512], *out = NULL;
	size_t outlen = 0, subst = 0;
	int rc;

	rc = of->host->msg_write(m, cs, &out, &outlen, &subst, msg, sizeof(msg));
	if (rc != ONSHI_OK) {
		of->host->log(of->inst, ONSHI_LOG_ERR, "cannot write %s: %s",
			      name, msg);
		return rc;
	}
	rc = write_staged(of, dir == of->face ? of->face_tmp : of->res_tmp, dir,
			  name, out, outlen, msg, sizeof(msg));
	of->host->buf_free(out);
	if (rc != ONSHI_OK) {
		of->host->log(of->inst, ONSHI_LOG_ERR,
			      "%s; the answer is kept and "
			      "written later",
			      msg);
		of->host->set_event(of->inst, "cannot write %s", name);
		return rc == ONSHI_EINVAL ? rc : ONSHI_EIO;
	}
	if (subst > 0)
		of->host->log(of->inst, ONSHI_LOG_NOTICE,
			      "%s: %zu characters that "
			      "Shift_JIS cannot hold were written as U+3013",
			      name, subst);
	of->host->log(of->inst, ONSHI_LOG_INFO, "wrote %s/%s (%s)", dir, name,
		      cs_name(cs));
	of->host->set_event(of->inst, "wrote %s", name);
	if (of->habits.written != NULL)
		of->habits.written(of->habits.arg, what, dir, name);
	return ONSHI_OK;
}

/*
 * "<request base name>.err" for a request file name ending in ".xml" (any
 * case), as the real terminal names it: the client's own spelling.
 */
static int error_name(const char *request, char *out, size_t outlen)
{
	size_t n = strlen(request);

	if (n <= 4 || request[0] == '.' ||
	    strcasecmp(request + n - 4, ".xml") != 0 || n >= outlen || n > NAME_MAX)
		return ONSHI_EINVAL;
	memcpy(out, request, n - 4);
	memcpy(out + n - 4, ".err", 5);
	return ONSHI_OK;
}

/*
 * Letters and digits, then "req_", the id, ".xml": the shape of every
 * request name of the official interface, known kinds or not. The length
 * of the kind prefix (before "req_"), or 0.
 */
static size_t request_shape(const char *name)
{
	size_t n = strlen(name), p;

	if (n < 4 || strcasecmp(name + n - 4, ".xml") != 0)
		return 0;
	/* "req" is letters too: the prefix ends at the first "req_". */
	for (p = 1; p + 4 + 4 <= n; p++) {
		unsigned char c = (unsigned char)name[p - 1];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9')))
			return 0;
		if (strncasecmp(name + p, "req_", 4) == 0)
			return p;
	}
	return 0;
}

/*
 * The copy of a request placed beside its .err in res/, after the .err:
 * clients wait for res/<request name>, then read the .err. From the bytes
 * the core kept (the file itself is long gone).
 */
static int write_request_copy(struct official_folder *of, const char *name,
			      const void *data, size_t len)
{
	char msg[512];
	int rc;

	rc = write_staged(of, of->res_tmp, of->res, name, data, len, msg,
			  sizeof(msg));
	if (rc != ONSHI_OK)
		of->host->log(of->inst, ONSHI_LOG_ERR,
			      "%s; the error answer "
			      "is written again later",
			      msg);
	return rc == ONSHI_OK ? rc : ONSHI_EIO;
}

/*
 * The same for a refused request still in req/ (dirfd): a second name of
 * the file itself, made in tmp/ and renamed into res/, so nothing of it is
 * read (it may be huge). Only for a plain file with a single name: never
 * a symlink, FIFO, device or someone else's hard-linked file. Failing is
 * logged; the .err stands on its own.
 */
static void link_request_copy(struct official_folder *of, int dirfd, const char *name)
{
	char tmp[NAME_MAX + 1], q[160];
	struct stat st;
	int tfd = -1, rfd = -1;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !S_ISREG(st.st_mode) || st.st_nlink != 1)
		return;
	snprintf(tmp, sizeof(tmp), ".%.40s.%lx.%lu.lnk", name,
		 (unsigned long)time(NULL), ++of->links);
	tfd = open(of->tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	rfd = open(of->res, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (tfd < 0 || rfd < 0 || linkat(dirfd, name, tfd, tmp, 0) < 0)
		goto fail;
	if (renameat(tfd, tmp, rfd, name) < 0) {
		unlinkat(tfd, tmp, 0);
		goto fail;
	}
	fsync(rfd);
	close(tfd);
	close(rfd);
	return;
fail:
	folder_quote(q, sizeof(q), name);
	of->host->log(of->inst, ONSHI_LOG_WARNING,
		      "no copy of '%s' beside its "
		      ".err in %s: %s",
		      q, of->res, strerror(errno));
	if (tfd >= 0)
		close(tfd);
	if (rfd >= 0)
		close(rfd);
}

/*
 * The .err for a request refused before the core saw it (unsupported kind,
 * unsafe name, too big, not a regular file): the same document shape the
 * core writes. id: for the reception-number habit.
 */
static int write_refusal(struct official_folder *of, const char *name,
			 const char *id, int err, const char *why)
{
	char code[16], when[16], text[1024];
	const char *inst_code = of->host->institution_code(of->inst);
	struct onshi_msg m;
	struct tm tm;
	time_t now = time(NULL);
	int rc;

	memset(&m, 0, sizeof(m));
	m.kind = ONSHI_MSG_ERROR;
	m.u.error.hdr.segment_of_result = ONSHI_SEGMENT_ABNORMAL;
	snprintf(code, sizeof(code), "OE%04d", err < 0 ? -err : err);
	snprintf(text, sizeof(text), "%s", why);
	localtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y%m%d%H%M%S", &tm);
	m.u.error.hdr.error_code = code;
	m.u.error.hdr.error_message = text;
	m.u.error.hdr.process_execution_time = when;
	if (of->habits.afi_reception && id[0] != '\0')
		m.u.error.hdr.arbitrary_file_identifier = (char *)id;
	if (inst_code != NULL && strlen(inst_code) == 10 &&
	    strspn(inst_code, "0123456789") == 10)
		m.u.error.hdr.medical_institution_code = (char *)inst_code;
	/* Not read, so its encoding is unknown: the latest request's. */
	rc = write_doc(of, of->res, name, &m, out_charset(of, of->last_cs),
		       OFFICIAL_ERROR);
	if (rc == ONSHI_OK)
		of->refused_err++;
	return rc;
}

/*
 * The real terminal's face file name (REFERENCE §2b):
 * OQSsiquc01res_face_<institution code><20 hex>_<yyyyMMddHHmmss>.xml, in
 * local time. The 20 hex characters begin the SHA-256 of the push id (one
 * per card read): two reads in one second never share a name, and one read
 * delivered again within its second replaces its own file.
 */
static int face_name(struct official_folder *of, const char *push_id, char *out,
		     size_t outlen)
{
	const char *code = of->host->institution_code(of->inst);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0, i;
	char hex[21], when[16];
	struct tm tm;
	time_t now = time(NULL);
	int n;

	if (!EVP_Digest(push_id, strlen(push_id), md, &mdlen, EVP_sha256(), NULL) ||
	    mdlen < 10)
		return ONSHI_ENOMEM;
	for (i = 0; i < 10; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	if (code == NULL || strlen(code) != 10 || strspn(code, "0123456789") != 10)
		code = "0000000000"; /* [institution] code is checked at load */
	localtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y%m%d%H%M%S", &tm);
	n = snprintf(out, outlen, "OQSsiquc01res_face_%s%s_%s.xml", code, hex, when);
	return n > 0 && (size_t)n < outlen ? ONSHI_OK : ONSHI_ETOOBIG;
}

/* ---- folder callbacks ---- */

static enum folder_verdict of_classify(void *arg, const char *name, size_t *limit,
				       int *err, char *why, size_t whylen)
{
	struct official_folder *of = arg;
	char id[ONSHI_FILE_ID_MAX + 1];
	size_t plen;
	int kind = 0, rc;

	rc = of->host->file_name_classify(name, &kind, id, sizeof(id), why, whylen);
	if (rc == ONSHI_OK) {
		/* one person's requests vs. the batch kinds */
		*limit = kind == ONSHI_MSG_INQUIRY_REQUEST ||
					 kind == ONSHI_MSG_DRUG_REQUEST ||
					 kind == ONSHI_MSG_REFNUM_REQUEST ||
					 kind == ONSHI_MSG_CHECKUP_REQUEST
				 ? of->max_request
				 : of->max_batch;
		return FOLDER_TAKE;
	}
	plen = request_shape(name);
	if (plen == 0)
		return FOLDER_SKIP; /* not a request: not ours to touch */
	if (rc == ONSHI_ENOTFOUND) {
		/* A kind of the real terminal's that onshi does not serve:
		 * answered, so that the receipt computer stops waiting. */
		snprintf(why, whylen, "unsupported request kind %.*s",
			 (int)plen, name);
		*err = ONSHI_ENOTFOUND;
	} else {
		*err = ONSHI_EPERM; /* an unsafe id: why says which byte */
	}
	return FOLDER_REFUSE;
}

/* The daemon has a request durably (submit_later's answer), or not. */
static void of_submitted(void *arg, int rc, const char *why)
{
	struct folder_later *l = arg;
	struct official_folder *of = folder_later_arg(l);
	const char *name = folder_later_name(l);

	if (rc == ONSHI_OK) {
		of->accepted++;
		of->host->set_event(of->inst, "accepted %s", name);
	} else if (rc != ONSHI_EEXIST) {
		cs_take(of, name, 0);
	}
	folder_later_done(l, rc, why);
}

static int of_take(void *arg, const char *name, const void *data, size_t len,
		   int fresh, char *why, size_t whylen)
{
	struct official_folder *of = arg;
	char id[ONSHI_FILE_ID_MAX + 1];
	struct folder_later *l = NULL;
	int kind = 0, rc;

	rc = of->host->file_name_classify(name, &kind, id, sizeof(id), why, whylen);
	if (rc != ONSHI_OK)
		return rc;
	of->last_cs = sniff_charset(data, len);
	/* Before submit: an error answer may be delivered from inside it. */
	cs_put(of, name, of->last_cs);
	if (of->later)
		l = folder_watch_take_later(of->fw);
	/* A file written moments ago may be half of what its writer means
	 * (two-step writers): if it does not parse, it waits to settle. */
	if (l != NULL) {
		rc = of->host->submit_later(of->inst, name, kind, data, len,
					    fresh ? ONSHI_SUBMIT_MAY_BE_PARTIAL : 0,
					    of_submitted, l, why, whylen);
		if (rc == ONSHI_OK)
			return rc; /* of_submitted() finishes it */
		folder_later_cancel(l);
	} else if (fresh) {
		rc = of->host->submit_flags(of->inst, name, kind, data, len,
					    ONSHI_SUBMIT_MAY_BE_PARTIAL, why,
					    whylen);
	} else {
		rc = of->host->submit(of->inst, name, kind, data, len, why, whylen);
	}
	if (rc == ONSHI_OK) {
		of->accepted++;
		of->host->set_event(of->inst, "accepted %s", name);
	} else if (rc != ONSHI_EEXIST) {
		cs_take(of, name, 0);
	}
	return rc;
}

static int of_refused(void *arg, int dirfd, const char *name, int err, const char *why)
{
	struct official_folder *of = arg;
	char errname[NAME_MAX + 1], id[ONSHI_FILE_ID_MAX + 1];
	size_t plen = request_shape(name);
	int rc;

	if (plen == 0 || error_name(name, errname, sizeof(errname)) != ONSHI_OK)
		return ONSHI_OK; /* no .err name to give: failed/ only */
	/* The id after "req_", for the reception-number habit, if safe. */
	snprintf(id, sizeof(id), "%.*s", (int)(strlen(name) - plen - 8),
		 name + plen + 4);
	if (strspn(id, ID_CHARS) != strlen(id))
		id[0] = '\0';
	rc = write_refusal(of, errname, id, err, why);
	if (rc == ONSHI_OK)
		link_request_copy(of, dirfd, name);
	return rc;
}

static const struct folder_watch_ops of_folder_ops = {
	.classify = of_classify,
	.take = of_take,
	.refused = of_refused,
};

/* ---- lifecycle ---- */

int official_create(const struct onshi_host *host, struct onshi_instance *inst,
		    const struct official_habits *habits,
		    struct official_folder **out)
{
	struct official_folder *of;
	const char *dir, *enc;
	int charset = habits->charset, face_charset = habits->face_charset;

	*out = NULL;
	/* A daemon that declares 1.3 but left a service out: refuse, not crash. */
	if (!ONSHI_HOST_HAS(host, write_file_staged) || host->abi_minor < 3 ||
	    !host->submit || !host->submit_flags || !host->msg_write ||
	    !host->buf_free || !host->file_name_classify ||
	    !host->file_name_result || !host->write_file_staged) {
		host->log(inst, ONSHI_LOG_ERR,
			  "this onshid is too old (ABI "
			  "%u.%u): folder adapters need ABI 1.3 (submit_flags, "
			  "write_file_staged)",
			  host->abi_major, host->abi_minor);
		return ONSHI_EABI;
	}
	dir = host->conf_str(inst, "dir");
	if (dir == NULL || dir[0] == '\0') {
		host->log(inst, ONSHI_LOG_ERR,
			  "dir is not set: name the folder "
			  "holding req/ and res/");
		return ONSHI_EINVAL;
	}
	if (charset == OFFICIAL_CHARSET_CONF) {
		enc = host->conf_str(inst, "output_encoding");
		charset = parse_encoding(enc);
		if (charset == -2) {
			host->log(inst, ONSHI_LOG_ERR,
				  "output_encoding '%s' is "
				  "not one of utf-8, shift_jis, same",
				  enc);
			return ONSHI_EINVAL;
		}
	}
	if (face_charset == OFFICIAL_CHARSET_CONF) {
		enc = host->conf_str(inst, "face_encoding");
		face_charset = parse_encoding(enc);
		if (face_charset < 0 || strcasecmp(enc, "same") == 0) {
			host->log(inst, ONSHI_LOG_ERR,
				  "face_encoding '%s' is "
				  "not one of utf-8, shift_jis",
				  enc);
			return ONSHI_EINVAL;
		}
	}
	of = calloc(1, sizeof(*of));
	if (of == NULL)
		return ONSHI_ENOMEM;
	of->host = host;
	of->inst = inst;
	of->habits = *habits;
	of->habits.charset = charset;
	of->habits.face_charset = face_charset;
	of->last_cs = ONSHI_CHARSET_UTF8;
	of->later = ONSHI_HOST_HAS(host, write_file_staged_later) &&
		    host->abi_minor >= 5 && host->submit_later != NULL &&
		    host->write_file_staged_later != NULL &&
		    habits->written == NULL;
	of->rescan_s = (unsigned)host->conf_int(inst, "rescan_s");
	if (of->habits.consent_kinds < 1 ||
	    of->habits.consent_kinds > ONSHI_CONSENT_KINDS)
		of->habits.consent_kinds = ONSHI_CONSENT_KINDS;
	of->max_request = (size_t)host->conf_int(inst, "max_request_bytes");
	of->max_batch = (size_t)host->conf_int(inst, "max_batch_bytes");
	of->base = strdup(dir);
	of->req = folder_join(dir, "req");
	of->res = folder_join(dir, "res");
	of->face = folder_join(dir, "face");
	of->failed = folder_join(dir, "failed");
	of->tmp = folder_join(dir, "tmp");
	if (!of->base || !of->req || !of->res || !of->face || !of->failed ||
	    !of->tmp) {
		official_destroy(of);
		return ONSHI_ENOMEM;
	}
	*out = of;
	return ONSHI_OK;
}

/*
 * Remove what a crash left in tmp/: only this adapter writes there, and
 * nothing in it was ever announced to the receipt computer.
 */
static void sweep_tmp(struct official_folder *of)
{
	struct dirent *de;
	DIR *d = opendir(of->tmp);
	unsigned long n = 0;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);

		if (de->d_name[0] != '.' || len < 5 ||
		    (strcmp(de->d_name + len - 4, ".tmp") != 0 &&
		     strcmp(de->d_name + len - 4, ".lnk") != 0))
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) == 0)
			n++;
	}
	closedir(d);
	if (n > 0)
		of->host->log(of->inst, ONSHI_LOG_NOTICE,
			      "removed %lu unfinished "
			      "file(s) from %s",
			      n, of->tmp);
}

/*
 * tmp/ stages res/ or face/ only on the same file system (a rename cannot
 * cross one): otherwise files are renamed inside the folder, which a
 * watcher over a share sees as a rename, so the operator is told.
 */
static const char *staging_for(struct official_folder *of, const char *dir)
{
	struct stat a, b;

	if (stat(of->tmp, &a) == 0 && stat(dir, &b) == 0 && a.st_dev == b.st_dev)
		return of->tmp;
	of->host->log(of->inst, ONSHI_LOG_WARNING,
		      "%s is not on the file "
		      "system of %s: files are renamed into place inside it, "
		      "which a receipt computer watching over a share sees as "
		      "a rename, not a new file (keep them on one file system)",
		      dir, of->tmp);
	return NULL;
}

int official_start(struct official_folder *of)
{
	/* tmp/ before req/: answers may be written from the first scan on. */
	const char *dirs[] = { of->base, of->tmp,    of->res,
			       of->face, of->failed, of->req };
	char msg[512];
	size_t i;
	int rc;

	/* The staging folders are chosen before the first scan writes. */
	for (i = 0; i < 4; i++) {
		rc = folder_ensure_dir(dirs[i], FOLDER_DIR_MODE, msg, sizeof(msg));
		if (rc != ONSHI_OK) {
			of->host->log(of->inst, ONSHI_LOG_ERR, "%s", msg);
			return rc;
		}
	}
	/* Every write is whole within one call: what is left is a crash's. */
	sweep_tmp(of);
	of->res_tmp = staging_for(of, of->res);
	of->face_tmp = staging_for(of, of->face);
	return folder_adapter_start(of->host, of->inst, dirs,
				    sizeof(dirs) / sizeof(dirs[0]), of->req,
				    of->failed, of->rescan_s, &of_folder_ops,
				    of, &of->fw);
}

void official_stop(struct official_folder *of)
{
	folder_watch_stop(of->fw);
	of->fw = NULL;
}

void official_destroy(struct official_folder *of)
{
	if (of == NULL)
		return;
	folder_watch_stop(of->fw);
	cs_clear(of);
	free(of->base);
	free(of->req);
	free(of->res);
	free(of->face);
	free(of->failed);
	free(of->tmp);
	free(of);
}

int official_deliver(struct official_folder *of, const struct onshi_delivery *d)
{
	char id[ONSHI_FILE_ID_MAX + 1], name[ONSHI_FILE_NAME_MAX], why[256];
	const char *dir = of->res, *reception;
	enum official_file what;
	struct habit_copy hc;
	int kind = 0, rc, cs;

	if (d->result == NULL)
		return ONSHI_EINVAL;
	if (d->push) {
		if (d->push_id == NULL)
			return ONSHI_EINVAL;
		rc = face_name(of, d->push_id, name, sizeof(name));
		dir = of->face;
		what = OFFICIAL_FACE;
		reception = d->push_id;
		cs = of->habits.face_charset;
	} else {
		if (d->request_id == NULL)
			return ONSHI_EINVAL;
		rc = of->host->file_name_classify(d->request_id, &kind, id,
						  sizeof(id), why, sizeof(why));
		if (rc != ONSHI_OK) {
			char q[160];

			folder_quote(q, sizeof(q), d->request_id);
			of->host->log(of->inst, ONSHI_LOG_ERR,
				      "answer for '%s' "
				      "cannot be named: %s",
				      q, why);
			return ONSHI_EINVAL;
		}
		if (d->is_error)
			rc = error_name(d->request_id, name, sizeof(name));
		else
			rc = of->host->file_name_result(kind, id, 0, name,
							sizeof(name));
		what = d->is_error ? OFFICIAL_ERROR : OFFICIAL_RESULT;
		reception = id;
		/* Forgotten (restart, reload): read again from the request's
		 * bytes the core kept (the answer came upstream in UTF-8). */
		cs = out_charset(of,
				 cs_take(of, d->request_id,
					 d->request_body != NULL && d->request_len > 0
						 ? sniff_charset(d->request_body,
								 d->request_len)
						 : (int)d->result->source_charset));
	}
	if (rc != ONSHI_OK) {
		of->host->log(of->inst, ONSHI_LOG_ERR,
			      "no file name for the "
			      "answer (%s)",
			      onshi_strerror(rc));
		return rc;
	}
	rc = apply_habits(of, d->result, reception, &hc);
	if (rc == ONSHI_OK)
		rc = write_doc(of, dir, name, &hc.msg, cs, what);
	free(hc.results);
	/* After the .err is whole: the copy is what clients wait for. */
	if (rc == ONSHI_OK && d->is_error && !d->push &&
	    d->request_body != NULL && d->request_len > 0)
		rc = write_request_copy(of, d->request_id, d->request_body,
					d->request_len);
	if (rc != ONSHI_OK) {
		/* Offered again later: remember the encoding meanwhile. */
		if (!d->push)
			cs_put(of, d->request_id, cs);
		return rc;
	}
	if (d->push)
		of->pushes++;
	else if (d->is_error)
		of->errors++;
	else
		of->results++;
	return ONSHI_OK;
}

void official_status(struct official_folder *of, char *buf, size_t len)
{
	struct folder_stats st;
	long res = folder_count_files(of->res), face = folder_count_files(of->face);

	folder_watch_stats(of->fw, &st);
	snprintf(buf, len,
		 "%s %s, %ld pending in res/, %ld in face/, %lu "
		 "accepted, %lu answered, %lu .err, %lu pushes, %lu refused to "
		 "failed/, %lu waiting to retry",
		 of->fw ? "watching" : "stopped", of->req, res, face,
		 of->accepted, of->results, of->errors + of->refused_err,
		 of->pushes, st.refused, st.waiting);
}

/* ---- plugin ops, for adapters whose state is the engine itself ---- */

int official_op_start(void *state)
{
	return official_start(state);
}

void official_op_stop(void *state)
{
	official_stop(state);
}

void official_op_destroy(void *state)
{
	official_destroy(state);
}

void official_op_status(void *state, char *buf, size_t len)
{
	official_status(state, buf, len);
}

int official_op_deliver(void *state, const struct onshi_delivery *d)
{
	return official_deliver(state, d);
}
