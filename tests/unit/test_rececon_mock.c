/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_rececon_mock.c — the mock daemon of test_rececon_mock.h.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "atomic_file.h"
#include "test_rececon_mock.h"
#include "testutil.h"

/* The daemon's handle is opaque to plugins; any object will do here. */
struct onshi_instance {
	int unused;
};

struct onshi_watch {
	int fd;
	unsigned events;
	onshi_fd_cb cb;
	void *arg;
	int active;
};

struct onshi_timer {
	uint64_t due, ms;
	int repeat;
	onshi_timer_cb cb;
	void *arg;
	int active;
};

#define MAX_WATCHES 32
#define MAX_TIMERS 64

struct mock M;
struct onshi_instance mock_inst;
static struct onshi_watch watches[MAX_WATCHES];
static struct onshi_timer timers[MAX_TIMERS];

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- host services ---- */

static void m_log(struct onshi_instance *inst, int level, const char *fmt, ...)
	ONSHI_PRINTF(3, 4);
static void m_log(struct onshi_instance *inst, int level, const char *fmt, ...)
{
	size_t n = strlen(M.log);
	va_list ap;

	(void)inst;
	va_start(ap, fmt);
	if (n + 2 < sizeof(M.log)) {
		vsnprintf(M.log + n, sizeof(M.log) - n - 1, fmt, ap);
		strcat(M.log, "\n");
	}
	va_end(ap);
	if (getenv("TEST_VERBOSE"))
		fprintf(stderr, "log[%d]: %s", level, M.log + n);
}

static const struct onshi_conf_key *key_of(const char *key)
{
	const struct onshi_conf_key *k;

	for (k = onshi_plugin_v1.config; k && k->name; k++)
		if (strcmp(k->name, key) == 0)
			return k;
	fail_msg("the plugin asked for key '%s' it does not declare", key);
	return NULL;
}

static const char *m_conf_str(struct onshi_instance *inst, const char *key)
{
	const struct onshi_conf_key *k = key_of(key);
	int i;

	(void)inst;
	if (strcmp(key, "dir") == 0)
		return M.dir;
	for (i = 0; i < MOCK_MAX_CONF && M.conf[i][0]; i++)
		if (strcmp(M.conf[i][0], key) == 0)
			return M.conf[i][1];
	return k ? k->default_value : NULL;
}

static long m_conf_int(struct onshi_instance *inst, const char *key)
{
	const char *v = m_conf_str(inst, key);

	return v ? strtol(v, NULL, 10) : 0;
}

static int m_conf_bool(struct onshi_instance *inst, const char *key)
{
	const char *v = m_conf_str(inst, key);

	return v && (strcmp(v, "yes") == 0 || strcmp(v, "1") == 0);
}

static const char *m_module_name(struct onshi_instance *inst)
{
	(void)inst;
	return "rececon:test";
}

static const char *m_institution_code(struct onshi_instance *inst)
{
	(void)inst;
	return "1311111111";
}

static struct onshi_watch *m_watch_fd(struct onshi_instance *inst, int fd,
				      unsigned events, onshi_fd_cb cb, void *arg)
{
	int i;

	assert_ptr_equal(inst, &mock_inst);
	for (i = 0; i < MAX_WATCHES; i++) {
		if (!watches[i].active) {
			watches[i].fd = fd;
			watches[i].events = events;
			watches[i].cb = cb;
			watches[i].arg = arg;
			watches[i].active = 1;
			return &watches[i];
		}
	}
	fail_msg("too many watches");
	return NULL;
}

static int m_watch_modify(struct onshi_instance *inst, struct onshi_watch *w,
			  unsigned events)
{
	(void)inst;
	assert_true(w->active);
	w->events = events;
	return ONSHI_OK;
}

static void m_unwatch_fd(struct onshi_instance *inst, struct onshi_watch *w)
{
	(void)inst;
	assert_true(w->active);
	w->active = 0;
}

static struct onshi_timer *m_timer_start(struct onshi_instance *inst, uint64_t ms,
					 int repeat, onshi_timer_cb cb, void *arg)
{
	int i;

	(void)inst;
	for (i = 0; i < MAX_TIMERS; i++) {
		if (!timers[i].active) {
			timers[i].due = now_ms() + ms;
			timers[i].ms = ms;
			timers[i].repeat = repeat;
			timers[i].cb = cb;
			timers[i].arg = arg;
			timers[i].active = 1;
			return &timers[i];
		}
	}
	fail_msg("too many timers");
	return NULL;
}

static void m_timer_stop(struct onshi_instance *inst, struct onshi_timer *t)
{
	(void)inst;
	assert_true(t->active);
	t->active = 0;
}

static int m_post(struct onshi_instance *inst, onshi_post_cb cb, void *arg)
{
	(void)inst;
	(void)cb;
	(void)arg;
	return ONSHI_EUNAVAIL;
}

static void m_set_event(struct onshi_instance *inst, const char *fmt, ...)
	ONSHI_PRINTF(2, 3);
static void m_set_event(struct onshi_instance *inst, const char *fmt, ...)
{
	(void)inst;
	(void)fmt;
}

static int m_submit(struct onshi_instance *inst, const char *request_id, int kind,
		    const void *body, size_t len, char *msg, size_t msglen)
{
	struct mock_sub *s;

	assert_ptr_equal(inst, &mock_inst);
	assert_true(M.nsubs < MOCK_MAX_SUBS);
	if (M.submit_rc != ONSHI_OK && !M.keep_refused) {
		snprintf(msg, msglen, "mock says %s", onshi_strerror(M.submit_rc));
		return M.submit_rc;
	}
	s = &M.subs[M.nsubs++];
	snprintf(s->id, sizeof(s->id), "%s", request_id);
	s->kind = kind;
	s->body = malloc(len + 1);
	assert_non_null(s->body);
	memcpy(s->body, body, len);
	s->body[len] = '\0';
	s->len = len;
	if (M.submit_rc != ONSHI_OK) {
		snprintf(msg, msglen, "mock says %s", onshi_strerror(M.submit_rc));
		return M.submit_rc;
	}
	if (M.in_submit != NULL)
		M.in_submit(request_id, kind, body, len);
	return ONSHI_OK;
}

/* As the core does: a request that may be partial and does not parse
 * is handed back unkept. */
static int m_submit_flags(struct onshi_instance *inst, const char *request_id,
			  int kind, const void *body, size_t len,
			  unsigned flags, char *msg, size_t msglen)
{
	struct onshi_msg m;
	int rc;

	if (flags & ONSHI_SUBMIT_MAY_BE_PARTIAL) {
		rc = onshi_msg_parse((enum onshi_msg_kind)kind, body, len, NULL,
				     &m, msg, msglen);
		onshi_msg_clear(&m);
		if (rc != ONSHI_OK) {
			M.partial_refusals++;
			return ONSHI_EINCOMPLETE;
		}
	}
	return m_submit(inst, request_id, kind, body, len, msg, msglen);
}

static int m_msg_write(const struct onshi_msg *m, int charset, char **out,
		       size_t *outlen, size_t *substituted, char *msg, size_t msglen)
{
	return onshi_msg_write(m, (enum onshi_charset)charset, out, outlen,
			       substituted, msg, msglen);
}

static void m_buf_free(void *p)
{
	free(p);
}

static int m_file_name_classify(const char *name, int *kind, char *id,
				size_t idlen, char *msg, size_t msglen)
{
	enum onshi_msg_kind k = ONSHI_MSG_NONE;
	int rc = onshi_file_name_classify(name, &k, id, idlen, msg, msglen);

	*kind = (int)k;
	return rc;
}

static int m_file_name_result(int kind, const char *id, int face, char *out,
			      size_t outlen)
{
	return onshi_file_name_result((enum onshi_msg_kind)kind, id, face != 0,
				      out, outlen);
}

static int m_file_name_error(int kind, const char *id, char *out, size_t outlen)
{
	return onshi_file_name_error((enum onshi_msg_kind)kind, id, out, outlen);
}

static int m_write_file_atomic(struct onshi_instance *inst, const char *dir,
			       const char *name, const void *data, size_t len,
			       unsigned mode, char *msg, size_t msglen)
{
	assert_ptr_equal(inst, &mock_inst);
	return onshi_write_file_atomic(dir, name, data, len, mode, msg, msglen);
}

static int m_write_file_staged(struct onshi_instance *inst, const char *tmp_dir,
			       const char *dir, const char *name, const void *data,
			       size_t len, unsigned mode, char *msg, size_t msglen)
{
	assert_ptr_equal(inst, &mock_inst);
	return onshi_write_file_staged(tmp_dir, dir, name, data, len, mode, msg,
				       msglen);
}

const struct onshi_host mock_host = {
	.size = sizeof(struct onshi_host),
	.abi_major = ONSHI_ABI_MAJOR,
	.abi_minor = ONSHI_ABI_MINOR,
	.log = m_log,
	.conf_str = m_conf_str,
	.conf_int = m_conf_int,
	.conf_bool = m_conf_bool,
	.module_name = m_module_name,
	.institution_code = m_institution_code,
	.watch_fd = m_watch_fd,
	.watch_modify = m_watch_modify,
	.unwatch_fd = m_unwatch_fd,
	.timer_start = m_timer_start,
	.timer_stop = m_timer_stop,
	.post = m_post,
	.set_event = m_set_event,
	.submit = m_submit,
	.msg_write = m_msg_write,
	.buf_free = m_buf_free,
	.file_name_classify = m_file_name_classify,
	.file_name_result = m_file_name_result,
	.file_name_error = m_file_name_error,
	.write_file_atomic = m_write_file_atomic,
	.submit_flags = m_submit_flags,
	.write_file_staged = m_write_file_staged,
};

/* ---- loop ---- */

int mock_active_watches(void)
{
	int i, n = 0;

	for (i = 0; i < MAX_WATCHES; i++)
		n += watches[i].active;
	return n;
}

int mock_active_timers(void)
{
	int i, n = 0;

	for (i = 0; i < MAX_TIMERS; i++)
		n += timers[i].active;
	return n;
}

int mock_watch(int nth, int *fd, unsigned *events)
{
	int i;

	for (i = 0; i < MAX_WATCHES; i++) {
		if (watches[i].active && nth-- == 0) {
			*fd = watches[i].fd;
			*events = watches[i].events;
			return 1;
		}
	}
	return 0;
}

int mock_timer(int nth, uint64_t *ms, int *repeat)
{
	int i;

	for (i = 0; i < MAX_TIMERS; i++) {
		if (timers[i].active && nth-- == 0) {
			*ms = timers[i].ms;
			*repeat = timers[i].repeat;
			return 1;
		}
	}
	return 0;
}

void mock_pump(void)
{
	for (;;) {
		struct pollfd p[MAX_WATCHES];
		int idx[MAX_WATCHES], n = 0, i;

		for (i = 0; i < MAX_WATCHES; i++) {
			if (!watches[i].active)
				continue;
			p[n].fd = watches[i].fd;
			p[n].events = POLLIN;
			p[n].revents = 0;
			idx[n++] = i;
		}
		if (n == 0 || poll(p, (nfds_t)n, 100) <= 0)
			return;
		for (i = 0; i < n; i++) {
			struct onshi_watch *w = &watches[idx[i]];

			if (w->active && p[i].revents != 0)
				w->cb(w->fd, ONSHI_FD_READ, w->arg);
		}
	}
}

void mock_fire_timers(void)
{
	struct onshi_timer t;
	int i;

	for (i = 0; i < MAX_TIMERS; i++) {
		if (!timers[i].active)
			continue;
		t = timers[i];
		if (t.repeat)
			timers[i].due = now_ms() + t.ms;
		else
			timers[i].active = 0; /* one-shot: released by the host */
		t.cb(t.arg);
	}
}

int mock_run(unsigned ms, int (*cond)(void))
{
	uint64_t end = now_ms() + ms;

	for (;;) {
		struct pollfd p[MAX_WATCHES];
		int idx[MAX_WATCHES], n = 0, i, r;
		uint64_t t = now_ms(), next = end;

		if (cond != NULL && cond())
			return 1;
		if (t >= end)
			return cond == NULL;
		for (i = 0; i < MAX_TIMERS; i++)
			if (timers[i].active && timers[i].due < next)
				next = timers[i].due;
		for (i = 0; i < MAX_WATCHES; i++) {
			if (!watches[i].active)
				continue;
			p[n].fd = watches[i].fd;
			p[n].events = (short)(((watches[i].events & ONSHI_FD_READ)
						       ? POLLIN
						       : 0) |
					      ((watches[i].events & ONSHI_FD_WRITE)
						       ? POLLOUT
						       : 0));
			p[n].revents = 0;
			idx[n++] = i;
		}
		r = poll(p, (nfds_t)n, next > t ? (int)(next - t) : 0);
		for (i = 0; r > 0 && i < n; i++) {
			struct onshi_watch *w = &watches[idx[i]];
			unsigned ev = 0;

			if (!w->active || p[i].revents == 0)
				continue;
			if (p[i].revents & (POLLIN | POLLHUP))
				ev |= ONSHI_FD_READ;
			if (p[i].revents & POLLOUT)
				ev |= ONSHI_FD_WRITE;
			if (p[i].revents & (POLLERR | POLLHUP | POLLNVAL))
				ev |= ONSHI_FD_ERROR;
			w->cb(w->fd, ev, w->arg);
		}
		t = now_ms();
		for (i = 0; i < MAX_TIMERS; i++) {
			struct onshi_timer *tm = &timers[i];

			if (!tm->active || tm->due > t)
				continue;
			if (tm->repeat)
				tm->due = t + tm->ms;
			else
				tm->active = 0; /* one-shot: released */
			tm->cb(tm->arg);
		}
	}
}

/* ---- lifecycle ---- */

void mock_setup(void)
{
	memset(&M, 0, sizeof(M));
	memset(watches, 0, sizeof(watches));
	memset(timers, 0, sizeof(timers));
	M.tmp = test_tmpdir();
	snprintf(M.dir, sizeof(M.dir), "%s/ws", M.tmp);
	/* No safety scan unless a test asks: the tests count timers and
	 * drive scans by hand. */
	mock_conf("rescan_s", "0");
}

void mock_conf(const char *key, const char *value)
{
	int i;

	for (i = 0; i < MOCK_MAX_CONF; i++) {
		if (M.conf[i][0] == NULL || strcmp(M.conf[i][0], key) == 0) {
			M.conf[i][0] = key;
			M.conf[i][1] = value;
			return;
		}
	}
	fail_msg("too many mock_conf keys");
}

int mock_create_and_start(void)
{
	int rc = onshi_plugin_v1.ops->create(&mock_host, &mock_inst, &M.state);

	if (rc != ONSHI_OK) {
		M.state = NULL;
		return rc;
	}
	return onshi_plugin_v1.ops->start(M.state);
}

void mock_stop(void)
{
	onshi_plugin_v1.ops->stop(M.state);
	assert_int_equal(mock_active_watches(), 0);
	assert_int_equal(mock_active_timers(), 0);
}

void mock_teardown(void)
{
	int i;

	if (M.state) {
		if (mock_active_watches() > 0)
			onshi_plugin_v1.ops->stop(M.state);
		onshi_plugin_v1.ops->destroy(M.state);
	}
	for (i = 0; i < M.nsubs; i++)
		free(M.subs[i].body);
	test_rmtree(M.tmp);
}

int mock_deliver(const struct onshi_delivery *d)
{
	return onshi_plugin_v1.ops->deliver(M.state, d);
}

/* ---- files ---- */

void mock_put(const char *sub, const char *name, const void *data, size_t len)
{
	char path[4096], tmp[4096];
	int fd;

	/* Written aside and renamed in: arrives complete (IN_MOVED_TO). */
	snprintf(tmp, sizeof(tmp), "%s/staging", M.tmp);
	snprintf(path, sizeof(path), "%s/%s/%s", M.dir, sub, name);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
	assert_int_equal(rename(tmp, path), 0);
}

int mock_exists(const char *sub, const char *name)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s/%s", M.dir, sub, name);
	return lstat(path, &st) == 0;
}

char *mock_slurp(const char *sub, const char *name, size_t *len)
{
	char path[4096], *buf;
	struct stat st;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/%s", M.dir, sub, name);
	f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("%s missing", path);
	assert_int_equal(fstat(fileno(f), &st), 0);
	buf = malloc((size_t)st.st_size + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)st.st_size, f), (size_t)st.st_size);
	buf[st.st_size] = '\0';
	fclose(f);
	if (len)
		*len = (size_t)st.st_size;
	return buf;
}

int mock_count(const char *sub)
{
	char path[4096];
	struct dirent *de;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof(path), "%s/%s", M.dir, sub);
	d = opendir(path);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

void mock_answer(const char *req_xml, size_t len, const char *name,
		 const char *kana, struct onshi_msg *res)
{
	struct onshi_msg req, doc;
	struct onshi_qualification *q;
	struct onshi_inquiry_result *r;
	char why[256], *xml = NULL;
	size_t xlen;
	int k;

	assert_int_equal(onshi_msg_parse(ONSHI_MSG_INQUIRY_REQUEST, req_xml,
					 len, NULL, &req, why, sizeof(why)),
			 ONSHI_OK);
	assert_int_equal(onshi_msg_result_for(&req, &doc), ONSHI_OK);
	r = &doc.u.inquiry_result;
	r->processing_result_status = ONSHI_STATUS_NORMAL;
	r->qualification_validity = ONSHI_VALIDITY_VALID;
	onshi_msg_set(&r->hdr.process_execution_time, "20260401093000");
	q = onshi_inquiry_result_add(r);
	assert_non_null(q);
	onshi_msg_set(&q->insured_card_classification, "01");
	onshi_msg_set(&q->insurer_number, "  123456");
	onshi_msg_set(&q->insured_card_symbol, "12-34");
	onshi_msg_set(&q->insured_identification_number, "4260");
	onshi_msg_set(&q->insured_branch_number, "01");
	onshi_msg_set(&q->name, name);
	onshi_msg_set(&q->name_kana, kana);
	onshi_msg_set(&q->sex1, "1");
	onshi_msg_set(&q->birthdate, "19800101");
	onshi_msg_set(&q->insured_partial_contribution_ratio, "030");
	onshi_msg_set(&q->insured_card_valid_date, "20240401");
	onshi_msg_set(&q->insured_card_expiration_date, "20270331");
	for (k = 0; k < ONSHI_CONSENT_KINDS; k++) {
		onshi_msg_set(&q->consent[k].flg, "1");
		onshi_msg_set(&q->consent[k].time, "20260401093000");
		onshi_msg_set(&q->consent[k].available_time, "20260402093000");
	}
	/* As the core does: written, spooled, parsed back, delivered. */
	assert_int_equal(onshi_msg_write(&doc, ONSHI_CHARSET_UTF8, &xml, &xlen,
					 NULL, why, sizeof(why)),
			 ONSHI_OK);
	assert_int_equal(onshi_msg_parse(ONSHI_MSG_INQUIRY_RESULT, xml, xlen,
					 NULL, res, why, sizeof(why)),
			 ONSHI_OK);
	free(xml);
	onshi_msg_clear(&doc);
	onshi_msg_clear(&req);
}

const char *mock_face_name(const char *push_id)
{
	static char found[512];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0, i;
	char prefix[128], path[4096];
	struct dirent *de;
	size_t pl;
	DIR *d;

	assert_true(EVP_Digest(push_id, strlen(push_id), md, &mdlen,
			       EVP_sha256(), NULL));
	pl = (size_t)snprintf(prefix, sizeof(prefix), "OQSsiquc01res_face_%s",
			      m_institution_code(&mock_inst));
	for (i = 0; i < 10; i++)
		pl += (size_t)snprintf(prefix + pl, sizeof(prefix) - pl, "%02x",
				       md[i]);
	snprintf(prefix + pl, sizeof(prefix) - pl, "_");
	pl++;
	snprintf(path, sizeof(path), "%s/face", M.dir);
	d = opendir(path);
	assert_non_null(d);
	found[0] = '\0';
	while ((de = readdir(d)) != NULL) {
		/* <prefix><yyyyMMddHHmmss>.xml */
		if (strncmp(de->d_name, prefix, pl) == 0 &&
		    strlen(de->d_name) == pl + 14 + 4 &&
		    strspn(de->d_name + pl, "0123456789") == 14 &&
		    strcmp(de->d_name + pl + 14, ".xml") == 0) {
			assert_true(found[0] == '\0'); /* one file per read */
			snprintf(found, sizeof(found), "%s", de->d_name);
		}
	}
	closedir(d);
	if (found[0] == '\0')
		fail_msg("no face/ file named %s<yyyyMMddHHmmss>.xml", prefix);
	return found;
}
