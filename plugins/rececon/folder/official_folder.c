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
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <onshi/host.h>
#include <onshi/message.h>
#include <onshi/plugin.h>

#include "folder_watch.h"
#include "official_folder.h"

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
	struct official_habits habits;   /* charset resolved: never _CONF */
	char *base, *req, *res, *face, *failed;
	size_t max_request, max_batch;
	struct folder_watch *fw;
	int last_cs;                     /* encoding of the latest request */
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
		"shift_jis", "shift-jis", "sjis", "x-sjis", "windows-31j",
		"cp932", "ms932", "ms_kanji", "csshiftjis", "x-ms-cp932", NULL,
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
	while (e < p + end && (*e == ' ' || *e == '\t' || *e == '\r' ||
			       *e == '\n' || *e == '='))
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
	if (strcasecmp(s, "shift_jis") == 0 || strcasecmp(s, "shift-jis") == 0 ||
	    strcasecmp(s, "sjis") == 0 || strcasecmp(s, "cp932") == 0 ||
	    strcasecmp(s, "windows-31j") == 0)
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

static struct onshi_res_header *res_header(struct onshi_msg *m)
{
	switch (m->kind) {
	case ONSHI_MSG_INQUIRY_RESULT: return &m->u.inquiry_result.hdr;
	case ONSHI_MSG_BULK_RECEPTION: return &m->u.bulk_reception.hdr;
	case ONSHI_MSG_BULK_RESULT: return &m->u.bulk_result.hdr;
	case ONSHI_MSG_ERROR: return &m->u.error.hdr;
	default: return NULL;
	}
}

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
	h = res_header(&hc->msg);
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

static int write_doc(struct official_folder *of, const char *dir,
		     const char *name, const struct onshi_msg *m, int cs,
		     enum official_file what)
{
	char msg[512], *out = NULL;
	size_t outlen = 0, subst = 0;
	int rc;

	rc = of->host->msg_write(m, cs, &out, &outlen, &subst, msg,
				 sizeof(msg));
	if (rc != ONSHI_OK) {
		of->host->log(of->inst, ONSHI_LOG_ERR, "cannot write %s: %s", name,
			      msg);
		return rc;
	}
	rc = of->host->write_file_atomic(of->inst, dir, name, out, outlen,
					 FOLDER_FILE_MODE, msg, sizeof(msg));
	of->host->buf_free(out);
	if (rc != ONSHI_OK) {
		of->host->log(of->inst, ONSHI_LOG_ERR, "%s; the answer is kept and "
			      "written later", msg);
		of->host->set_event(of->inst, "cannot write %s", name);
		return rc == ONSHI_EINVAL ? rc : ONSHI_EIO;
	}
	if (subst > 0)
		of->host->log(of->inst, ONSHI_LOG_NOTICE, "%s: %zu characters that "
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
 * The .err for a request refused before the core saw it (too big, not a
 * regular file): the same document shape the core writes.
 */
static int write_refusal(struct official_folder *of, int kind, const char *id,
			 int err, const char *why)
{
	char name[ONSHI_FILE_NAME_MAX], code[16], when[16], text[1024];
	const char *inst_code = of->host->institution_code(of->inst);
	struct onshi_msg m;
	struct tm tm;
	time_t now = time(NULL);
	int rc;

	rc = of->host->file_name_error(kind, id, name, sizeof(name));
	if (rc != ONSHI_OK)
		return rc;
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
	if (of->habits.afi_reception)
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

/* ---- folder callbacks ---- */

static enum folder_verdict of_classify(void *arg, const char *name,
				       size_t *limit, char *why, size_t whylen)
{
	struct official_folder *of = arg;
	char id[ONSHI_FILE_ID_MAX + 1];
	int kind = 0, rc;

	rc = of->host->file_name_classify(name, &kind, id, sizeof(id), why,
					  whylen);
	if (rc == ONSHI_ENOTFOUND)
		return FOLDER_SKIP;
	if (rc != ONSHI_OK)
		return FOLDER_REFUSE;
	*limit = kind == ONSHI_MSG_INQUIRY_REQUEST ? of->max_request
						   : of->max_batch;
	return FOLDER_TAKE;
}

static int of_take(void *arg, const char *name, const void *data, size_t len,
		   char *why, size_t whylen)
{
	struct official_folder *of = arg;
	char id[ONSHI_FILE_ID_MAX + 1];
	int kind = 0, rc;

	rc = of->host->file_name_classify(name, &kind, id, sizeof(id), why,
					  whylen);
	if (rc != ONSHI_OK)
		return rc;
	of->last_cs = sniff_charset(data, len);
	/* Before submit: an error answer may be delivered from inside it. */
	cs_put(of, name, of->last_cs);
	rc = of->host->submit(of->inst, name, kind, data, len, why, whylen);
	if (rc == ONSHI_OK) {
		of->accepted++;
		of->host->set_event(of->inst, "accepted %s", name);
	} else if (rc != ONSHI_EEXIST) {
		cs_take(of, name, 0);
	}
	return rc;
}

static int of_refused(void *arg, const char *name, int err, const char *why)
{
	struct official_folder *of = arg;
	char id[ONSHI_FILE_ID_MAX + 1], msg[256];
	int kind = 0;

	if (of->host->file_name_classify(name, &kind, id, sizeof(id), msg,
					 sizeof(msg)) != ONSHI_OK)
		return ONSHI_OK; /* no safe .err name: failed/ only */
	return write_refusal(of, kind, id, err, why);
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
	int charset = habits->charset;

	*out = NULL;
	/* A daemon that declares 1.1 but left a service out: refuse, not crash. */
	if (!ONSHI_HOST_HAS(host, write_file_atomic) || !host->submit ||
	    !host->msg_write || !host->buf_free || !host->file_name_classify ||
	    !host->file_name_result || !host->file_name_error ||
	    !host->write_file_atomic) {
		host->log(inst, ONSHI_LOG_ERR, "this daemon lacks the host "
			  "services folder adapters need (ABI 1.1: submit, "
			  "msg_write, file names, write_file_atomic)");
		return ONSHI_EABI;
	}
	dir = host->conf_str(inst, "dir");
	if (dir == NULL || dir[0] == '\0') {
		host->log(inst, ONSHI_LOG_ERR, "dir is not set: name the folder "
			  "holding req/ and res/");
		return ONSHI_EINVAL;
	}
	if (charset == OFFICIAL_CHARSET_CONF) {
		enc = host->conf_str(inst, "output_encoding");
		charset = parse_encoding(enc);
		if (charset == -2) {
			host->log(inst, ONSHI_LOG_ERR, "output_encoding '%s' is "
				  "not one of utf-8, shift_jis, same", enc);
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
	of->last_cs = ONSHI_CHARSET_UTF8;
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
	if (!of->base || !of->req || !of->res || !of->face || !of->failed) {
		official_destroy(of);
		return ONSHI_ENOMEM;
	}
	*out = of;
	return ONSHI_OK;
}

int official_start(struct official_folder *of)
{
	const char *dirs[] = { of->base, of->req, of->res, of->face, of->failed };

	return folder_adapter_start(of->host, of->inst, dirs,
				    sizeof(dirs) / sizeof(dirs[0]), of->req,
				    of->failed, &of_folder_ops, of, &of->fw);
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
		rc = of->host->file_name_result(ONSHI_MSG_INQUIRY_REQUEST,
						d->push_id, 1, name, sizeof(name));
		dir = of->face;
		what = OFFICIAL_FACE;
		reception = d->push_id;
		cs = out_charset(of, of->last_cs);
	} else {
		if (d->request_id == NULL)
			return ONSHI_EINVAL;
		rc = of->host->file_name_classify(d->request_id, &kind, id,
						  sizeof(id), why, sizeof(why));
		if (rc != ONSHI_OK) {
			char q[160];

			folder_quote(q, sizeof(q), d->request_id);
			of->host->log(of->inst, ONSHI_LOG_ERR, "answer for '%s' "
				      "cannot be named: %s", q, why);
			return ONSHI_EINVAL;
		}
		if (d->is_error)
			rc = of->host->file_name_error(kind, id, name,
						       sizeof(name));
		else
			rc = of->host->file_name_result(kind, id, 0, name,
							sizeof(name));
		what = d->is_error ? OFFICIAL_ERROR : OFFICIAL_RESULT;
		reception = id;
		/* Forgotten (restart, reload): the core's own record of it. */
		cs = out_charset(of, cs_take(of, d->request_id,
					     (int)d->result->source_charset));
	}
	if (rc != ONSHI_OK) {
		of->host->log(of->inst, ONSHI_LOG_ERR, "no file name for the "
			      "answer (%s)", onshi_strerror(rc));
		return rc;
	}
	rc = apply_habits(of, d->result, reception, &hc);
	if (rc == ONSHI_OK)
		rc = write_doc(of, dir, name, &hc.msg, cs, what);
	free(hc.results);
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
	snprintf(buf, len, "%s %s, %ld pending in res/, %ld in face/, %lu "
		 "accepted, %lu answered, %lu .err, %lu pushes, %lu refused to "
		 "failed/, %lu waiting to retry", of->fw ? "watching" : "stopped",
		 of->req, res, face, of->accepted, of->results,
		 of->errors + of->refused_err, of->pushes, st.refused,
		 st.waiting);
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
