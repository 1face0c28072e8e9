/*
 * oqsfolder — the official qualification-verification terminal's folder
 * interface (REFERENCE.md §2), so that any receipt computer written for it
 * works with onshi unchanged.
 *
 * The receipt computer drops OQSsiquc01req_<id>.xml (and the batch
 * OQSmuquc01req_/OQSmuquc02req_ files) into DIR/req/; each complete file is
 * handed to the daemon with host->submit() under its file name and removed
 * once the daemon holds it durably. Answers come back through deliver() and
 * are written atomically as DIR/res/OQS...res_<id>.xml, or
 * DIR/res/<request base name>.err for errors; unasked My Number Card results
 * go to DIR/face/. The plugin never parses XML: the core does, and turns
 * malformed or hostile requests into error answers. What the plugin refuses
 * by itself (unsafe names, symlinks, oversized files) goes to DIR/failed/
 * with a reason file, and gets an .err in res/ when its name allows one.
 * The folder handling is shared with the WiseStaff adapters
 * (../folder/folder_watch.c). See docs/rececon/oqsfolder.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <onshi/host.h>
#include <onshi/message.h>
#include <onshi/plugin.h>

#include "../folder/folder_watch.h"

/* Folders are shared with the receipt computer's account through a group. */
#define OQS_DIR_MODE 0770
#define OQS_FILE_MODE 0660
/* Scans leave files this young alone: they may still be being written. */
#define OQS_SETTLE_MS 2000
#define OQS_RETRY_MIN_MS 1000
#define OQS_RETRY_MAX_MS 60000
/* Remembered request encodings (for output_encoding = same), at most. */
#define OQS_CS_BUCKETS 1024
#define OQS_CS_MAX 200000

/* output_encoding: a charset, or "as the request" */
#define OQS_CS_SAME (-1)

struct cs_entry {
	struct cs_entry *next;
	int cs;
	char id[];
};

struct oqs {
	const struct onshi_host *host;
	struct onshi_instance *inst;
	char *base, *req, *res, *face, *failed;
	int out_cs;              /* ONSHI_CHARSET_* or OQS_CS_SAME */
	int last_cs;             /* encoding of the latest request read */
	size_t max_request, max_batch;
	struct folder_watch *fw;
	struct cs_entry *cs_map[OQS_CS_BUCKETS];
	size_t cs_count;
	unsigned long accepted, results, errors, pushes, refused_err;
};

static const struct onshi_conf_key oqs_keys[] = {
	{ .name = "dir", .type = ONSHI_CONF_PATH, .required = 1,
	  .help = "folder holding req/, res/, face/ and failed/ (created if "
		  "missing)" },
	{ .name = "output_encoding", .type = ONSHI_CONF_STRING,
	  .default_value = "same",
	  .help = "encoding of written files: utf-8, shift_jis, or same "
		  "(as each request)" },
	{ .name = "max_request_bytes", .type = ONSHI_CONF_INT,
	  .default_value = "1048576", .min = 1024, .max = 33554432,
	  .help = "largest individual request file accepted (OQSsiquc01req)" },
	{ .name = "max_batch_bytes", .type = ONSHI_CONF_INT,
	  .default_value = "33554432", .min = 1024, .max = 268435456,
	  .help = "largest batch request file accepted (OQSmuquc01req/02req)" },
	{ .name = NULL },
};

/* ---- request encodings, for output_encoding = same ---- */

static unsigned cs_hash(const char *s)
{
	unsigned h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h % OQS_CS_BUCKETS;
}

static struct cs_entry **cs_find(struct oqs *o, const char *id)
{
	struct cs_entry **pp = &o->cs_map[cs_hash(id)];

	while (*pp != NULL && strcmp((*pp)->id, id) != 0)
		pp = &(*pp)->next;
	return pp;
}

static void cs_put(struct oqs *o, const char *id, int cs)
{
	struct cs_entry **pp = cs_find(o, id), *e;
	size_t n;

	if (*pp != NULL) {
		(*pp)->cs = cs;
		return;
	}
	if (o->cs_count >= OQS_CS_MAX)
		return; /* forgotten ones fall back to the answer's own */
	n = strlen(id) + 1;
	e = malloc(sizeof(*e) + n);
	if (e == NULL)
		return;
	memcpy(e->id, id, n);
	e->cs = cs;
	e->next = NULL;
	*pp = e;
	o->cs_count++;
}

/* Forget id; its charset, or fallback when it was not remembered. */
static int cs_take(struct oqs *o, const char *id, int fallback)
{
	struct cs_entry **pp = cs_find(o, id), *e = *pp;
	int cs;

	if (e == NULL)
		return fallback;
	cs = e->cs;
	*pp = e->next;
	free(e);
	o->cs_count--;
	return cs;
}

static void cs_clear(struct oqs *o)
{
	struct cs_entry *e, *next;
	size_t i;

	for (i = 0; i < OQS_CS_BUCKETS; i++) {
		for (e = o->cs_map[i]; e != NULL; e = next) {
			next = e->next;
			free(e);
		}
		o->cs_map[i] = NULL;
	}
	o->cs_count = 0;
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

static const char *cs_name(int cs)
{
	return cs == ONSHI_CHARSET_CP932 ? "Shift_JIS" : "UTF-8";
}

/* ---- writing answers ---- */

/* Serialise m in cs and write it atomically as dir/name. */
static int write_doc(struct oqs *o, const char *dir, const char *name,
		     const struct onshi_msg *m, int cs)
{
	char msg[512], *out = NULL;
	size_t outlen = 0, subst = 0;
	int rc;

	rc = o->host->msg_write(m, cs, &out, &outlen, &subst, msg, sizeof(msg));
	if (rc != ONSHI_OK) {
		o->host->log(o->inst, ONSHI_LOG_ERR, "cannot write %s: %s", name,
			     msg);
		return rc;
	}
	rc = o->host->write_file_atomic(o->inst, dir, name, out, outlen,
					OQS_FILE_MODE, msg, sizeof(msg));
	o->host->buf_free(out);
	if (rc != ONSHI_OK) {
		o->host->log(o->inst, ONSHI_LOG_ERR, "%s; the answer is kept and "
			     "written later", msg);
		o->host->set_event(o->inst, "cannot write %s", name);
		return rc == ONSHI_EINVAL ? rc : ONSHI_EIO;
	}
	if (subst > 0)
		o->host->log(o->inst, ONSHI_LOG_NOTICE, "%s: %zu characters that "
			     "Shift_JIS cannot hold were written as U+3013",
			     name, subst);
	o->host->log(o->inst, ONSHI_LOG_INFO, "wrote %s/%s (%s)", dir, name,
		     cs_name(cs));
	return ONSHI_OK;
}

static int out_charset(struct oqs *o, int request_cs)
{
	return o->out_cs == OQS_CS_SAME ? request_cs : o->out_cs;
}

/*
 * The .err for a request the plugin refused before the core saw it (too
 * big, not a regular file): the same document shape the core writes.
 */
static int write_refusal(struct oqs *o, int kind, const char *id, int err,
			 const char *why)
{
	char name[ONSHI_FILE_NAME_MAX], code[16], when[16], text[1024];
	const char *inst_code = o->host->institution_code(o->inst);
	struct onshi_msg m;
	struct tm tm;
	time_t now = time(NULL);
	int rc;

	rc = o->host->file_name_error(kind, id, name, sizeof(name));
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
	if (inst_code != NULL && strlen(inst_code) == 10 &&
	    strspn(inst_code, "0123456789") == 10)
		m.u.error.hdr.medical_institution_code = (char *)inst_code;
	/* Not read, so its encoding is unknown: the latest request's. */
	rc = write_doc(o, o->res, name, &m, out_charset(o, o->last_cs));
	if (rc == ONSHI_OK)
		o->refused_err++;
	return rc;
}

/* ---- folder callbacks ---- */

static enum folder_verdict oqs_classify(void *arg, const char *name,
					size_t *limit, char *why,
					size_t whylen)
{
	struct oqs *o = arg;
	char id[ONSHI_FILE_ID_MAX + 1];
	int kind = 0, rc;

	rc = o->host->file_name_classify(name, &kind, id, sizeof(id), why,
					 whylen);
	if (rc == ONSHI_ENOTFOUND)
		return FOLDER_SKIP;
	if (rc != ONSHI_OK)
		return FOLDER_REFUSE;
	*limit = kind == ONSHI_MSG_INQUIRY_REQUEST ? o->max_request
						   : o->max_batch;
	return FOLDER_TAKE;
}

static int oqs_take(void *arg, const char *name, const void *data,
		    size_t len, char *why, size_t whylen)
{
	struct oqs *o = arg;
	char id[ONSHI_FILE_ID_MAX + 1];
	int kind = 0, cs, rc;

	rc = o->host->file_name_classify(name, &kind, id, sizeof(id), why,
					 whylen);
	if (rc != ONSHI_OK)
		return rc;
	cs = sniff_charset(data, len);
	o->last_cs = cs;
	/* Before submit: an error answer may be delivered from inside it. */
	if (o->out_cs == OQS_CS_SAME)
		cs_put(o, name, cs);
	rc = o->host->submit(o->inst, name, kind, data, len, why, whylen);
	if (rc == ONSHI_OK) {
		o->accepted++;
		o->host->set_event(o->inst, "accepted %s", name);
	} else if (rc != ONSHI_EEXIST) {
		cs_take(o, name, 0);
	}
	return rc;
}

static int oqs_refused(void *arg, const char *name, int err, const char *why)
{
	struct oqs *o = arg;
	char id[ONSHI_FILE_ID_MAX + 1], msg[256];
	int kind = 0;

	if (o->host->file_name_classify(name, &kind, id, sizeof(id), msg,
					sizeof(msg)) != ONSHI_OK)
		return ONSHI_OK; /* no safe .err name: failed/ only */
	return write_refusal(o, kind, id, err, why);
}

static const struct folder_watch_ops oqs_folder_ops = {
	.classify = oqs_classify,
	.take = oqs_take,
	.refused = oqs_refused,
};

/* ---- plugin ops ---- */

static char *join(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s = malloc(la + lb + 2);

	if (s != NULL) {
		memcpy(s, a, la);
		s[la] = '/';
		memcpy(s + la + 1, b, lb + 1);
	}
	return s;
}

static void oqs_destroy(void *state)
{
	struct oqs *o = state;

	if (o == NULL)
		return;
	folder_watch_stop(o->fw);
	cs_clear(o);
	free(o->base);
	free(o->req);
	free(o->res);
	free(o->face);
	free(o->failed);
	free(o);
}

static int parse_encoding(const char *s)
{
	if (s == NULL || strcasecmp(s, "same") == 0)
		return OQS_CS_SAME;
	if (strcasecmp(s, "utf-8") == 0 || strcasecmp(s, "utf8") == 0)
		return ONSHI_CHARSET_UTF8;
	if (strcasecmp(s, "shift_jis") == 0 || strcasecmp(s, "shift-jis") == 0 ||
	    strcasecmp(s, "sjis") == 0 || strcasecmp(s, "cp932") == 0 ||
	    strcasecmp(s, "windows-31j") == 0)
		return ONSHI_CHARSET_CP932;
	return -2;
}

static int oqs_create(const struct onshi_host *host,
		      struct onshi_instance *inst, void **state_out)
{
	struct oqs *o;
	const char *dir, *enc;

	/* A daemon that declares 1.1 but left a service out: refuse, not crash. */
	if (!ONSHI_HOST_HAS(host, write_file_atomic) || !host->submit ||
	    !host->msg_write || !host->buf_free || !host->file_name_classify ||
	    !host->file_name_result || !host->file_name_error ||
	    !host->write_file_atomic) {
		host->log(inst, ONSHI_LOG_ERR, "this daemon lacks the host "
			  "services oqsfolder needs (ABI 1.1: submit, msg_write, "
			  "file names, write_file_atomic)");
		return ONSHI_EABI;
	}
	dir = host->conf_str(inst, "dir");
	if (dir == NULL || dir[0] == '\0') {
		host->log(inst, ONSHI_LOG_ERR, "dir is not set: name the folder "
			  "holding req/ and res/");
		return ONSHI_EINVAL;
	}
	enc = host->conf_str(inst, "output_encoding");
	if (parse_encoding(enc) == -2) {
		host->log(inst, ONSHI_LOG_ERR, "output_encoding '%s' is not one of "
			  "utf-8, shift_jis, same", enc);
		return ONSHI_EINVAL;
	}
	o = calloc(1, sizeof(*o));
	if (o == NULL)
		return ONSHI_ENOMEM;
	o->host = host;
	o->inst = inst;
	o->out_cs = parse_encoding(enc);
	o->last_cs = ONSHI_CHARSET_UTF8;
	o->max_request = (size_t)host->conf_int(inst, "max_request_bytes");
	o->max_batch = (size_t)host->conf_int(inst, "max_batch_bytes");
	o->base = strdup(dir);
	o->req = join(dir, "req");
	o->res = join(dir, "res");
	o->face = join(dir, "face");
	o->failed = join(dir, "failed");
	if (!o->base || !o->req || !o->res || !o->face || !o->failed) {
		oqs_destroy(o);
		return ONSHI_ENOMEM;
	}
	*state_out = o;
	return ONSHI_OK;
}

static int oqs_start(void *state)
{
	struct oqs *o = state;
	const char *dirs[] = { o->base, o->req, o->res, o->face, o->failed };
	struct folder_watch_config cfg = {
		.dir = o->req, .failed_dir = o->failed,
		.settle_ms = OQS_SETTLE_MS,
		.retry_min_ms = OQS_RETRY_MIN_MS,
		.retry_max_ms = OQS_RETRY_MAX_MS,
	};
	char msg[512];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		rc = folder_ensure_dir(dirs[i], OQS_DIR_MODE, msg, sizeof(msg));
		if (rc != ONSHI_OK) {
			o->host->log(o->inst, ONSHI_LOG_ERR, "%s", msg);
			return rc;
		}
	}
	rc = folder_watch_start(o->host, o->inst, &cfg, &oqs_folder_ops, o,
				&o->fw, msg, sizeof(msg));
	if (rc != ONSHI_OK) {
		o->host->log(o->inst, ONSHI_LOG_ERR, "%s", msg);
		return rc;
	}
	o->host->set_event(o->inst, "watching %s", o->req);
	return ONSHI_OK;
}

static void oqs_stop(void *state)
{
	struct oqs *o = state;

	folder_watch_stop(o->fw);
	o->fw = NULL;
}

static int oqs_deliver(void *state, const struct onshi_delivery *d)
{
	struct oqs *o = state;
	char id[ONSHI_FILE_ID_MAX + 1], name[ONSHI_FILE_NAME_MAX], why[256];
	const char *dir = o->res;
	int kind = 0, rc, cs;

	if (d->result == NULL)
		return ONSHI_EINVAL;
	if (d->push) {
		if (d->push_id == NULL)
			return ONSHI_EINVAL;
		rc = o->host->file_name_result(ONSHI_MSG_INQUIRY_REQUEST,
					       d->push_id, 1, name, sizeof(name));
		dir = o->face;
		cs = out_charset(o, o->last_cs);
	} else {
		if (d->request_id == NULL)
			return ONSHI_EINVAL;
		rc = o->host->file_name_classify(d->request_id, &kind, id,
						 sizeof(id), why, sizeof(why));
		if (rc != ONSHI_OK) {
			char q[160];

			folder_quote(q, sizeof(q), d->request_id);
			o->host->log(o->inst, ONSHI_LOG_ERR, "answer for '%s' "
				     "cannot be named: %s", q, why);
			return ONSHI_EINVAL;
		}
		if (d->is_error)
			rc = o->host->file_name_error(kind, id, name,
						      sizeof(name));
		else
			rc = o->host->file_name_result(kind, id, 0, name,
						       sizeof(name));
		/* Forgotten (restart, reload): the core's own record of it. */
		cs = out_charset(o, cs_take(o, d->request_id,
					    (int)d->result->source_charset));
	}
	if (rc != ONSHI_OK) {
		o->host->log(o->inst, ONSHI_LOG_ERR, "no file name for the answer "
			     "(%s)", onshi_strerror(rc));
		return rc;
	}
	rc = write_doc(o, dir, name, d->result, cs);
	if (rc != ONSHI_OK) {
		/* Offered again later: remember the encoding meanwhile. */
		if (!d->push && o->out_cs == OQS_CS_SAME)
			cs_put(o, d->request_id, cs);
		return rc;
	}
	if (d->push)
		o->pushes++;
	else if (d->is_error)
		o->errors++;
	else
		o->results++;
	o->host->set_event(o->inst, "wrote %s", name);
	return ONSHI_OK;
}

static void oqs_status(void *state, char *buf, size_t len)
{
	struct oqs *o = state;
	struct folder_stats st;
	long res = folder_count_files(o->res), face = folder_count_files(o->face);

	folder_watch_stats(o->fw, &st);
	snprintf(buf, len, "%s %s, %ld pending in res/, %ld in face/, %lu "
		 "accepted, %lu answered, %lu .err, %lu refused to failed/, "
		 "%lu waiting to retry", o->fw ? "watching" : "stopped", o->req,
		 res, face, o->accepted, o->results, o->errors + o->refused_err,
		 st.refused, st.waiting);
}

static const struct onshi_plugin_ops oqs_ops = {
	.create = oqs_create,
	.start = oqs_start,
	.stop = oqs_stop,
	.destroy = oqs_destroy,
	.status = oqs_status,
	.deliver = oqs_deliver,
};

ONSHI_PLUGIN_EXPORT const struct onshi_plugin onshi_plugin_v1 = {
	ONSHI_PLUGIN_HEADER,
	.kind = ONSHI_KIND_RECECON,
	.name = "oqsfolder",
	.version = "1.0.0",
	.vendor = "onshi project",
	.description = "the official terminal's req/res/face folder interface",
	.config = oqs_keys,
	.ops_size = sizeof(oqs_ops),
	.ops = &oqs_ops,
};
