/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_reader_skeleton.c — the face-reader skeleton's state machines with a
 * mock host (collectd style: the plugin's sources linked with a fake
 * daemon). The "device" is the test itself on a real socket or pty,
 * speaking the Panasonic codec; timers never fire on their own: the test
 * fires them, so every deadline is checked deterministically.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <onshi/host.h>
#include <onshi/message.h>

#include "facereader.h"
#include "panasonic_link.h"
#include "test_reader_common.h"

/* ---- the mock host ---- */

struct mwatch {
	int fd, active;
	unsigned events;
	onshi_fd_cb cb;
	void *arg;
};

struct mtimer {
	uint64_t ms;
	int active;
	onshi_timer_cb cb;
	void *arg;
};

static struct mock {
	char device[128];
	struct mwatch w[8];
	struct mtimer t[32];
	char log[16384];
	char event[256];
	int challenges;
	onshi_challenge_cb chal_cb;
	void *chal_arg;
	int chal_rc;
	int submits, submit_rc;
	struct onshi_card_read rd;
	unsigned char cert[2048], sig[256], rcert[1024];
	char nonce[80], op[40], read_id[96];
} M;

static void m_log(struct onshi_instance *i, int level, const char *fmt, ...)
{
	va_list ap;
	size_t n = strlen(M.log);

	(void)i;
	(void)level;
	va_start(ap, fmt);
	if (n + 2 < sizeof(M.log)) {
		vsnprintf(M.log + n, sizeof(M.log) - n - 1, fmt, ap);
		strcat(M.log, "\n");
	}
	va_end(ap);
}

static const char *m_conf_str(struct onshi_instance *i, const char *key)
{
	(void)i;
	return strcmp(key, "device") == 0 ? M.device : NULL;
}

static long m_conf_int(struct onshi_instance *i, const char *key)
{
	(void)i;
	if (strcmp(key, "reconnect_min_ms") == 0)
		return 100;
	if (strcmp(key, "reconnect_max_ms") == 0)
		return 800;
	if (strcmp(key, "connect_timeout_ms") == 0)
		return 3000;
	if (strcmp(key, "challenge_timeout_ms") == 0)
		return 7000;
	if (strcmp(key, "attest_timeout_ms") == 0)
		return 9000;
	return 0;
}

static const char *m_module(struct onshi_instance *i)
{
	(void)i;
	return "reader:test";
}

static struct onshi_watch *m_watch(struct onshi_instance *i, int fd,
				   unsigned events, onshi_fd_cb cb, void *arg)
{
	int k;

	(void)i;
	for (k = 0; k < 8; k++)
		if (!M.w[k].active) {
			M.w[k] = (struct mwatch){ fd, 1, events, cb, arg };
			return (struct onshi_watch *)&M.w[k];
		}
	return NULL;
}

static int m_watch_modify(struct onshi_instance *i, struct onshi_watch *w,
			  unsigned events)
{
	(void)i;
	((struct mwatch *)w)->events = events;
	return ONSHI_OK;
}

static void m_unwatch(struct onshi_instance *i, struct onshi_watch *w)
{
	(void)i;
	((struct mwatch *)w)->active = 0;
}

static struct onshi_timer *m_timer(struct onshi_instance *i, uint64_t ms,
				   int repeat, onshi_timer_cb cb, void *arg)
{
	int k;

	(void)i;
	(void)repeat;
	for (k = 0; k < 32; k++)
		if (!M.t[k].active) {
			M.t[k] = (struct mtimer){ ms, 1, cb, arg };
			return (struct onshi_timer *)&M.t[k];
		}
	return NULL;
}

static void m_timer_stop(struct onshi_instance *i, struct onshi_timer *t)
{
	(void)i;
	assert_true(((struct mtimer *)t)->active); /* no double stop */
	((struct mtimer *)t)->active = 0;
}

static void m_set_event(struct onshi_instance *i, const char *fmt, ...)
{
	va_list ap;

	(void)i;
	va_start(ap, fmt);
	vsnprintf(M.event, sizeof(M.event), fmt, ap);
	va_end(ap);
}

static int m_challenge(struct onshi_instance *i, onshi_challenge_cb cb, void *arg)
{
	(void)i;
	M.challenges++;
	if (M.chal_rc != ONSHI_OK)
		return M.chal_rc;
	M.chal_cb = cb;
	M.chal_arg = arg;
	return ONSHI_OK;
}

static int m_card_submit(struct onshi_instance *i,
			 const struct onshi_card_read *rd, char *msg, size_t len)
{
	(void)i;
	M.submits++;
	if (M.submit_rc != ONSHI_OK) {
		snprintf(msg, len, "certificate revoked");
		return M.submit_rc;
	}
	/* "Everything read points to is copied": so do we. */
	M.rd = *rd;
	assert_true(rd->cert_len <= sizeof(M.cert));
	memcpy(M.cert, rd->cert_der, rd->cert_len);
	if (rd->signature_len) {
		memcpy(M.sig, rd->signature, rd->signature_len);
		memcpy(M.rcert, rd->reader_cert_der, rd->reader_cert_len);
	}
	snprintf(M.nonce, sizeof(M.nonce), "%s", rd->nonce);
	snprintf(M.op, sizeof(M.op), "%s", rd->operator_id ? rd->operator_id : "");
	snprintf(M.read_id, sizeof(M.read_id), "%s", rd->read_id);
	return ONSHI_OK;
}

static struct onshi_host host = {
	.size = sizeof(struct onshi_host),
	.abi_major = ONSHI_ABI_MAJOR,
	.abi_minor = ONSHI_ABI_MINOR,
	.log = m_log,
	.conf_str = m_conf_str,
	.conf_int = m_conf_int,
	.module_name = m_module,
	.watch_fd = m_watch,
	.watch_modify = m_watch_modify,
	.unwatch_fd = m_unwatch,
	.timer_start = m_timer,
	.timer_stop = m_timer_stop,
	.set_event = m_set_event,
	.challenge = m_challenge,
	.card_submit = m_card_submit,
};

/* Fire the active timer of `ms` (a one-shot is released first). */
static void fire(uint64_t ms)
{
	int k;

	for (k = 0; k < 32; k++)
		if (M.t[k].active && M.t[k].ms == ms) {
			M.t[k].active = 0;
			M.t[k].cb(M.t[k].arg);
			return;
		}
	fail_msg("no active %llu ms timer", (unsigned long long)ms);
}

static int timer_armed(uint64_t ms)
{
	int k;

	for (k = 0; k < 32; k++)
		if (M.t[k].active && M.t[k].ms == ms)
			return 1;
	return 0;
}

/* Run the watches for up to ms milliseconds. */
static void pump(int ms)
{
	struct pollfd pf[8];
	int map[8], n, k, r;

	n = 0;
	for (k = 0; k < 8; k++) {
		short ev = 0;

		if (!M.w[k].active)
			continue;
		if (M.w[k].events & ONSHI_FD_READ)
			ev |= POLLIN;
		if (M.w[k].events & ONSHI_FD_WRITE)
			ev |= POLLOUT;
		pf[n] = (struct pollfd){ M.w[k].fd, ev, 0 };
		map[n++] = k;
	}
	r = poll(pf, (nfds_t)n, ms);
	for (k = 0; r > 0 && k < n; k++) {
		struct mwatch *w = &M.w[map[k]];
		unsigned ev = 0;

		if (!w->active || pf[k].revents == 0)
			continue;
		if (pf[k].revents & POLLIN)
			ev |= ONSHI_FD_READ;
		if (pf[k].revents & POLLOUT)
			ev |= ONSHI_FD_WRITE;
		if (pf[k].revents & (POLLERR | POLLHUP))
			ev |= ONSHI_FD_ERROR;
		w->cb(w->fd, ev, w->arg);
	}
}

/* ---- the device end ---- */

struct dev {
	int lfd, fd, port;
	void *codec;
	struct capture got;
	void *fr;
	struct facereader_stats st;
};

static void dev_listen(struct dev *d, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t al = sizeof(a);
	int one = 1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)port);
	d->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(d->lfd >= 0);
	setsockopt(d->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	assert_int_equal(bind(d->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(d->lfd, 4), 0);
	getsockname(d->lfd, (struct sockaddr *)&a, &al);
	d->port = ntohs(a.sin_port);
}

static void stats(struct dev *d)
{
	facereader_get_stats(d->fr, &d->st);
}

/* Pump until the link is up (accepting the plugin's connection). */
static void dev_accept(struct dev *d)
{
	int i;

	d->fd = accept(d->lfd, NULL, NULL);
	assert_true(d->fd >= 0);
	for (i = 0; i < 100; i++) {
		stats(d);
		if (d->st.link == FR_LINK_UP)
			break;
		pump(20);
	}
	assert_int_equal(d->st.link, FR_LINK_UP);
}

static int setup(void **state)
{
	struct dev *d = calloc(1, sizeof(*d));
	void *fr = NULL;

	memset(&M, 0, sizeof(M));
	dev_listen(d, 0);
	snprintf(M.device, sizeof(M.device), "tcp:127.0.0.1:%d", d->port);
	d->codec = panasonic_link.codec_new();
	test_link = &panasonic_link;
	assert_int_equal(facereader_create(&host, NULL, &panasonic_link, &fr),
			 ONSHI_OK);
	d->fr = fr;
	assert_int_equal(facereader_start(fr), ONSHI_OK);
	dev_accept(d);
	*state = d;
	return 0;
}

static int teardown(void **state)
{
	struct dev *d = *state;
	int k;

	facereader_stop(d->fr);
	facereader_destroy(d->fr);
	for (k = 0; k < 8; k++)
		assert_false(M.w[k].active); /* stop() removed every watch */
	for (k = 0; k < 32; k++)
		assert_false(M.t[k].active); /* and every timer */
	/* Like src/inquiry/card_check.c, the mock drops answers owed to a gone instance. */
	M.chal_cb = NULL;
	if (d->fd >= 0)
		close(d->fd);
	if (d->lfd >= 0)
		close(d->lfd);
	cap_clear(&d->got);
	panasonic_link.codec_free(d->codec);
	free(d);
	return 0;
}

static void dev_send(struct dev *d, const struct fr_msg *m)
{
	struct fr_buf b = { 0 };

	assert_int_equal(panasonic_link.encode(d->codec, m, &b), 0);
	assert_int_equal(write(d->fd, b.data, b.len), (ssize_t)b.len);
	fr_buf_free(&b);
}

static void dev_send_raw(struct dev *d, const void *p, size_t n)
{
	assert_int_equal(write(d->fd, p, n), (ssize_t)n);
}

/* Pump, and read what the plugin sent, until `count` messages are in. */
static void dev_expect(struct dev *d, int count)
{
	unsigned char buf[4096];
	int i;

	for (i = 0; i < 100 && d->got.n < count; i++) {
		struct pollfd pf = { d->fd, POLLIN, 0 };

		pump(10);
		if (poll(&pf, 1, 10) > 0) {
			ssize_t n = read(d->fd, buf, sizeof(buf));

			if (n > 0)
				cap_feed_codec(&d->got, d->codec, buf, (size_t)n, 0);
		}
	}
	assert_int_equal(d->got.n, count);
}

static void pump_until_challenges(int want)
{
	int i;

	for (i = 0; i < 100 && M.challenges < want; i++)
		pump(10);
	assert_int_equal(M.challenges, want);
}

static void pump_until_submits(int want)
{
	int i;

	for (i = 0; i < 100 && M.submits < want; i++)
		pump(10);
	assert_int_equal(M.submits, want);
}

static void place(struct dev *d, int method, const char *op)
{
	struct fr_msg m;

	sample_msg(FR_MSG_CARD_PLACED, &m);
	m.method = method;
	m.token = ONSHI_TOKEN_CARD;
	snprintf(m.operator_id, sizeof(m.operator_id), "%s", op);
	dev_send(d, &m);
	fr_msg_clear(&m);
}

static void answer_challenge(const char *nonce, const char *why)
{
	onshi_challenge_cb cb = M.chal_cb;

	assert_non_null(cb);
	M.chal_cb = NULL;
	cb(M.chal_arg, nonce, why);
}

static const char *NONCE = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";

/* ---- tests ---- */

static void test_face_read(void **state)
{
	struct dev *d = *state;
	struct fr_msg att, card;
	char st[512];

	place(d, ONSHI_AUTH_FACE, "");
	pump_until_challenges(1);
	assert_non_null(strstr(M.event, "in progress"));
	facereader_status(d->fr, st, sizeof(st));
	assert_non_null(strstr(st, "waiting for the nonce"));
	answer_challenge(NONCE, NULL);
	dev_expect(d, 1);
	assert_int_equal(d->got.msg[0].type, FR_MSG_ATTEST_REQUEST);
	assert_string_equal(d->got.msg[0].nonce, NONCE);
	sample_msg(FR_MSG_ATTEST, &att);
	dev_send(d, &att);
	pump_until_submits(1);
	sample_msg(FR_MSG_CARD_PLACED, &card);
	assert_int_equal(M.rd.method, ONSHI_AUTH_FACE);
	assert_int_equal(M.rd.token_type, ONSHI_TOKEN_CARD);
	assert_int_equal(M.rd.cert_len, card.cert_len);
	assert_memory_equal(M.cert, card.cert, card.cert_len);
	assert_string_equal(M.nonce, NONCE);
	assert_int_equal(M.rd.signature_len, att.sig_len);
	assert_memory_equal(M.sig, att.sig, att.sig_len);
	assert_int_equal(M.rd.reader_cert_len, att.cert_len);
	assert_memory_equal(M.rcert, att.cert, att.cert_len);
	assert_null(M.rd.operator_id);
	assert_int_equal(M.rd.consent[0], 1);
	assert_int_equal(M.rd.consent[2], ONSHI_CONSENT_ABSENT);
	assert_int_equal(M.rd.consent[3], 3);
	assert_int_equal(strncmp(M.read_id, "panasonic-", 10), 0);
	dev_expect(d, 2);
	assert_int_equal(d->got.msg[1].type, FR_MSG_RESULT);
	assert_int_equal(d->got.msg[1].code, 0);
	assert_non_null(strstr(M.event, "submitted (face)"));
	stats(d);
	assert_int_equal(d->st.reads_submitted, 1);
	assert_int_equal(d->st.read, FR_READ_IDLE);
	assert_false(timer_armed(9000));
	fr_msg_clear(&att);
	fr_msg_clear(&card);
}

static void test_visual_read(void **state)
{
	struct dev *d = *state;
	char first[96];

	place(d, ONSHI_AUTH_VISUAL, "OP7");
	pump_until_challenges(1);
	answer_challenge(NONCE, NULL);
	pump_until_submits(1);
	assert_int_equal(M.rd.method, ONSHI_AUTH_VISUAL);
	assert_string_equal(M.op, "OP7");
	assert_int_equal(M.rd.signature_len, 0);
	snprintf(first, sizeof(first), "%s", M.read_id);
	/* A second read gets a new id. */
	place(d, ONSHI_AUTH_VISUAL, "OP8");
	pump_until_challenges(2);
	answer_challenge(NONCE, NULL);
	pump_until_submits(2);
	assert_string_not_equal(first, M.read_id);
}

static void test_pin_and_no_operator_refused(void **state)
{
	struct dev *d = *state;

	place(d, ONSHI_AUTH_PIN, "");
	dev_expect(d, 1);
	assert_int_equal(d->got.msg[0].type, FR_MSG_RESULT);
	assert_int_equal(d->got.msg[0].code, 2);
	assert_non_null(strstr(M.log, "PIN mode is not supported"));
	place(d, ONSHI_AUTH_VISUAL, "");
	dev_expect(d, 2);
	assert_non_null(strstr(M.log, "without an operator id"));
	assert_int_equal(M.challenges, 0);
	assert_int_equal(M.submits, 0);
}

static void test_challenge_timeout_then_late_nonce(void **state)
{
	struct dev *d = *state;

	place(d, ONSHI_AUTH_FACE, "");
	pump_until_challenges(1);
	fire(7000);
	assert_non_null(strstr(M.log, "no nonce from the national service "
				      "in time"));
	dev_expect(d, 1);
	assert_int_equal(d->got.msg[0].type, FR_MSG_RESULT);
	assert_int_equal(d->got.msg[0].code, 1);
	answer_challenge(NONCE, NULL); /* late: dropped */
	pump(20);
	dev_expect(d, 1); /* no ATTEST_REQUEST */
	stats(d);
	assert_int_equal(d->st.read, FR_READ_IDLE);
	assert_int_equal(d->st.reads_failed, 1);
}

static void test_attest_timeout_then_late_attest(void **state)
{
	struct dev *d = *state;
	struct fr_msg att;

	place(d, ONSHI_AUTH_FACE, "");
	pump_until_challenges(1);
	answer_challenge(NONCE, NULL);
	dev_expect(d, 1);
	fire(9000);
	assert_non_null(strstr(M.log, "did not sign the nonce in time"));
	sample_msg(FR_MSG_ATTEST, &att);
	dev_send(d, &att);
	fr_msg_clear(&att);
	dev_expect(d, 2);
	pump(20);
	assert_int_equal(M.submits, 0);
	assert_non_null(strstr(M.log, "unexpected attestation"));
}

static void test_challenge_failure_and_refusal(void **state)
{
	struct dev *d = *state;
	struct fr_msg att;

	place(d, ONSHI_AUTH_FACE, "");
	pump_until_challenges(1);
	answer_challenge(NULL, "national service unreachable");
	assert_non_null(strstr(M.log, "national service unreachable"));
	/* challenge() itself failing */
	M.chal_rc = ONSHI_EUNAVAIL;
	place(d, ONSHI_AUTH_FACE, "");
	pump_until_challenges(2);
	assert_non_null(strstr(M.log, "cannot ask for a nonce"));
	M.chal_rc = ONSHI_OK;
	/* card_submit refusing the read */
	M.submit_rc = ONSHI_ECRYPTO;
	place(d, ONSHI_AUTH_FACE, "");
	pump_until_challenges(3);
	answer_challenge(NONCE, NULL);
	sample_msg(FR_MSG_ATTEST, &att);
	dev_expect(d, 3); /* 2 RESULTs + ATTEST_REQUEST */
	dev_send(d, &att);
	fr_msg_clear(&att);
	pump_until_submits(1);
	assert_non_null(strstr(M.log, "certificate revoked"));
	stats(d);
	assert_int_equal(d->st.reads_failed, 3);
	assert_int_equal(d->st.reads_submitted, 0);
}

static void test_removed_and_device_error(void **state)
{
	struct dev *d = *state;
	struct fr_msg m;
	char st[512];

	place(d, ONSHI_AUTH_FACE, "");
	pump_until_challenges(1);
	fr_msg_init(&m, FR_MSG_CARD_REMOVED);
	dev_send(d, &m);
	for (int i = 0; i < 50 && !strstr(M.log, "card removed before"); i++)
		pump(10);
	assert_non_null(strstr(M.log, "card removed before the read"));
	fr_msg_init(&m, FR_MSG_DEVICE_ERROR);
	m.code = 42;
	snprintf(m.text, sizeof(m.text), "camera\x01 fault");
	dev_send(d, &m);
	for (int i = 0; i < 50 && !strstr(M.event, "device error"); i++)
		pump(10);
	assert_string_equal(M.event, "device error 42: camera? fault");
	facereader_status(d->fr, st, sizeof(st));
	assert_non_null(strstr(st, "device error 42"));
	/* A host-to-device message from the device is ignored. */
	fr_msg_init(&m, FR_MSG_RESULT);
	dev_send(d, &m);
	for (int i = 0; i < 50 && !strstr(M.log, "host-to-device"); i++)
		pump(10);
	assert_non_null(strstr(M.log, "host-to-device"));
}

static void test_garbage_rate_limited(void **state)
{
	struct dev *d = *state;
	static const unsigned char bad[] = { 0x02, 0x00, 0x01, 0x32,
					     0x00, 0x00, 0x03 };
	int i, logged = 0;
	const char *p;

	for (i = 0; i < 20; i++) {
		dev_send_raw(d, "noise!", 6);
		dev_send_raw(d, bad, sizeof(bad));
	}
	place(d, ONSHI_AUTH_FACE, "");
	pump_until_challenges(1);
	stats(d);
	assert_true(d->st.bad_frames >= 20);
	for (p = M.log; (p = strstr(p, "bad frame from the device")); p++)
		logged++;
	assert_int_equal(logged, 5);
	assert_int_equal(d->st.link, FR_LINK_UP);
}

static void wait_link(struct dev *d, int state)
{
	int i;

	for (i = 0; i < 100; i++) {
		stats(d);
		if (d->st.link == state)
			return;
		pump(10);
	}
	fail_msg("link state %d, wanted %d", d->st.link, state);
}

static void test_link_loss_and_backoff(void **state)
{
	struct dev *d = *state;
	char st[512];
	int port = d->port;

	place(d, ONSHI_AUTH_FACE, "");
	pump_until_challenges(1);
	close(d->fd);
	d->fd = -1;
	wait_link(d, FR_LINK_DOWN);
	assert_non_null(strstr(M.log, "read panasonic-"));
	assert_non_null(strstr(M.log, "link was lost"));
	assert_non_null(strstr(M.event, "link down since "));
	assert_non_null(strstr(M.event, "retrying in 1 s"));
	facereader_status(d->fr, st, sizeof(st));
	assert_non_null(strstr(st, "dead device: link down since "));
	assert_true(timer_armed(100));
	/* Device gone for good: the delay doubles up to the cap. */
	close(d->lfd);
	d->lfd = -1;
	fire(100);
	wait_link(d, FR_LINK_DOWN);
	assert_true(timer_armed(200));
	fire(200);
	wait_link(d, FR_LINK_DOWN);
	fire(400);
	wait_link(d, FR_LINK_DOWN);
	fire(800);
	wait_link(d, FR_LINK_DOWN);
	assert_true(timer_armed(800)); /* capped */
	stats(d);
	assert_int_equal(d->st.link_losses, 1);
	/* Back again: the next try connects and the backoff resets. */
	dev_listen(d, port);
	fire(800);
	dev_accept(d);
	stats(d);
	assert_int_equal(d->st.connects, 2);
	assert_int_equal(d->st.backoff_ms, 100);
	assert_non_null(strstr(M.event, "connected to tcp:127.0.0.1:"));
	facereader_status(d->fr, st, sizeof(st));
	assert_non_null(strstr(st, "connected to"));
	/* The late nonce of the abandoned read goes nowhere. */
	answer_challenge(NONCE, NULL);
	pump(20);
	place(d, ONSHI_AUTH_VISUAL, "OP1");
	pump_until_challenges(2);
	answer_challenge(NONCE, NULL);
	pump_until_submits(1);
}

static void test_destroy_with_pending_challenge(void **state)
{
	struct dev *d = *state;

	place(d, ONSHI_AUTH_FACE, "");
	pump_until_challenges(1);
	/* teardown stops and destroys with the answer owed: no leak. */
	(void)d;
}

static void test_serial_pty(void **state)
{
	int master, k;
	void *fr = NULL;
	struct fr_msg m;
	struct facereader_stats st;
	void *codec = panasonic_link.codec_new();
	struct fr_buf b = { 0 };

	(void)state;
	memset(&M, 0, sizeof(M));
	master = posix_openpt(O_RDWR | O_NOCTTY);
	assert_true(master >= 0);
	assert_int_equal(grantpt(master), 0);
	assert_int_equal(unlockpt(master), 0);
	snprintf(M.device, sizeof(M.device), "serial:%s", ptsname(master));
	assert_int_equal(facereader_create(&host, NULL, &panasonic_link, &fr),
			 ONSHI_OK);
	assert_int_equal(facereader_start(fr), ONSHI_OK);
	facereader_get_stats(fr, &st);
	assert_int_equal(st.link, FR_LINK_UP);
	fr_msg_init(&m, FR_MSG_CARD_REMOVED);
	panasonic_link.encode(codec, &m, &b);
	assert_int_equal(write(master, b.data, b.len), (ssize_t)b.len);
	for (k = 0; k < 50 && !strstr(M.log, "card removed"); k++)
		pump(10);
	assert_non_null(strstr(M.log, "card removed"));
	/* The device end goes away: EIO/HUP on the slave, link lost. */
	close(master);
	for (k = 0; k < 50; k++) {
		facereader_get_stats(fr, &st);
		if (st.link == FR_LINK_DOWN)
			break;
		pump(10);
	}
	assert_int_equal(st.link, FR_LINK_DOWN);
	fire(100); /* the pty is gone: open fails, still down */
	facereader_get_stats(fr, &st);
	assert_int_equal(st.link, FR_LINK_DOWN);
	facereader_stop(fr);
	facereader_destroy(fr);
	fr_buf_free(&b);
	panasonic_link.codec_free(codec);
}

static void test_create_refusals(void **state)
{
	struct onshi_host old = host;
	void *fr = (void *)1;
	static const char *bad[] = { "usb:1", "tcp:reader.local:9000",
				     "tcp:127.0.0.1", "serial:ttyS0", "tcp::80" };
	size_t i;

	(void)state;
	memset(&M, 0, sizeof(M));
	old.card_submit = NULL;
	assert_int_equal(facereader_create(&old, NULL, &panasonic_link, &fr),
			 ONSHI_EABI);
	assert_null(fr);
	assert_non_null(strstr(M.log, "no card pipeline"));
	old = host;
	old.size = (uint32_t)offsetof(struct onshi_host, challenge);
	assert_int_equal(facereader_create(&old, NULL, &panasonic_link, &fr),
			 ONSHI_EABI);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(M.device, sizeof(M.device), "%s", bad[i]);
		assert_int_equal(facereader_create(&host, NULL, &panasonic_link, &fr),
				 ONSHI_EINVAL);
	}
	assert_non_null(strstr(M.log, "HOST must be an IP address"));
}

static void test_device_absent_at_start(void **state)
{
	void *fr = NULL;
	char st[512];

	(void)state;
	memset(&M, 0, sizeof(M));
	snprintf(M.device, sizeof(M.device), "serial:/nonexistent/tty");
	assert_int_equal(facereader_create(&host, NULL, &panasonic_link, &fr),
			 ONSHI_OK);
	assert_int_equal(facereader_start(fr), ONSHI_OK); /* keeps trying */
	facereader_status(fr, st, sizeof(st));
	assert_non_null(strstr(st, "dead device: link down since"));
	assert_non_null(strstr(st, "No such file"));
	facereader_stop(fr);
	facereader_status(fr, st, sizeof(st));
	assert_non_null(strstr(st, "stopped"));
	facereader_destroy(fr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_face_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_visual_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pin_and_no_operator_refused,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_challenge_timeout_then_late_nonce,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_attest_timeout_then_late_attest,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_challenge_failure_and_refusal,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_removed_and_device_error,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage_rate_limited,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_link_loss_and_backoff,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_destroy_with_pending_challenge,
						setup, teardown),
		cmocka_unit_test(test_serial_pty),
		cmocka_unit_test(test_create_refusals),
		cmocka_unit_test(test_device_absent_at_start),
	};

	test_link = &panasonic_link;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
