/* SPDX-License-Identifier: Apache-2.0 */
/*
 * facereader.c — the shared face-auth reader skeleton; see facereader.h.
 *
 * Two state machines run on the daemon's loop. The link: DOWN (reconnect
 * timer armed, backoff doubling up to reconnect_max_ms) → CONNECTING (tcp
 * only, write-readiness plus a deadline) → UP (read watch; output queued
 * and flushed on write-readiness). The read: IDLE → WAIT_CHALLENGE (nonce
 * from host->challenge) → WAIT_ATTEST (device signs it) → card_submit →
 * IDLE; visual reads skip the attestation. Each wait has a deadline; a
 * late answer is recognised by its generation number and dropped.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <onshi/message.h>

#include "facereader.h"

#define FR_READ_CHUNK 4096
#define FR_OUT_MAX (256 * 1024) /* device not reading: drop the link */
#define FR_BAD_WINDOW_MS 10000  /* bad-frame log rate limit window */
#define FR_BAD_PER_WINDOW 5

enum fr_kind {
	FR_DEV_TCP = 1,
	FR_DEV_SERIAL = 2
};

/*
 * One outstanding host->challenge. The daemon drops the answers still owed
 * to an instance that stops (src/inquiry/card_read.c), so destroy() frees these.
 */
struct fr_chal {
	struct fr_chal *next;
	struct facereader *fr;
	unsigned gen;
};

struct facereader {
	const struct onshi_host *host;
	struct onshi_instance *inst;
	const struct fr_link_ops *link;
	void *codec;

	/* configuration */
	char *device;
	int kind;
	char *host_part, *port_part; /* tcp */
	const char *path;            /* serial, points into device */
	unsigned long backoff_min, backoff_max;
	unsigned long connect_timeout, challenge_timeout, attest_timeout;

	/* link */
	int link_state;
	int fd;
	struct onshi_watch *watch;
	unsigned watch_events;
	struct onshi_timer *reconnect_timer, *connect_timer;
	unsigned long backoff;
	uint64_t next_try_ms; /* monotonic: when the next attempt runs */
	time_t down_since, up_since;
	char down_why[160];
	struct fr_buf out;
	int in_feed;      /* inside codec feed(): defer flushing */
	int lost_in_feed; /* the link failed during feed() */
	int started;

	/* bad-frame rate limiting */
	uint64_t bad_window_start;
	unsigned bad_in_window, bad_suppressed;

	/* the read in progress */
	int read_state;
	unsigned gen;
	struct fr_msg placed; /* the CARD_PLACED being handled */
	char nonce[FR_NONCE_MAX + 1];
	char read_id[96];
	struct onshi_timer *step_timer;
	struct fr_chal *chals;
	unsigned long read_seq;
	unsigned long long id_base;

	struct facereader_stats st;
	char last[160]; /* last notable thing, for status */
};

const struct onshi_conf_key facereader_conf_keys[] = {
	{ .name = "device",
	  .type = ONSHI_CONF_STRING,
	  .required = 1,
	  .help = "tcp:HOST:PORT (HOST an IP address) or serial:/dev/PATH "
		  "(115200 8N1 raw)" },
	{ .name = "reconnect_min_ms",
	  .type = ONSHI_CONF_INT,
	  .default_value = "250",
	  .min = 10,
	  .max = 60000,
	  .help = "first delay before reconnecting a lost link" },
	{ .name = "reconnect_max_ms",
	  .type = ONSHI_CONF_INT,
	  .default_value = "10000",
	  .min = 100,
	  .max = 600000,
	  .help = "longest delay between reconnect attempts (doubling)" },
	{ .name = "connect_timeout_ms",
	  .type = ONSHI_CONF_INT,
	  .default_value = "5000",
	  .min = 100,
	  .max = 120000,
	  .help = "how long a tcp connect may take" },
	{ .name = "challenge_timeout_ms",
	  .type = ONSHI_CONF_INT,
	  .default_value = "15000",
	  .min = 100,
	  .max = 120000,
	  .help = "how long to wait for the national nonce" },
	{ .name = "attest_timeout_ms",
	  .type = ONSHI_CONF_INT,
	  .default_value = "10000",
	  .min = 100,
	  .max = 120000,
	  .help = "how long the device may take to sign the nonce" },
	{ .name = NULL },
};

static void link_lost(struct facereader *fr, const char *why);
static void link_try(struct facereader *fr);
static void read_abandon(struct facereader *fr, const char *why);

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void clock_text(time_t t, char *buf, size_t len)
{
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, len, "%H:%M:%S", &tm);
}

/* ---- configuration ---- */

static int parse_device(struct facereader *fr, char *msg, size_t len)
{
	const char *d = fr->device, *colon;

	if (strncmp(d, "serial:", 7) == 0) {
		fr->kind = FR_DEV_SERIAL;
		fr->path = d + 7;
		if (fr->path[0] != '/') {
			snprintf(msg, len,
				 "device %s: the serial path must be "
				 "absolute (serial:/dev/ttyUSB0)",
				 d);
			return ONSHI_EINVAL;
		}
		return ONSHI_OK;
	}
	if (strncmp(d, "tcp:", 4) != 0) {
		snprintf(msg, len,
			 "device %s: expected tcp:HOST:PORT or "
			 "serial:/dev/PATH",
			 d);
		return ONSHI_EINVAL;
	}
	fr->kind = FR_DEV_TCP;
	d += 4;
	colon = strrchr(d, ':');
	if (colon == NULL || colon == d || colon[1] == '\0') {
		snprintf(msg, len, "device %s: expected tcp:HOST:PORT", fr->device);
		return ONSHI_EINVAL;
	}
	if (d[0] == '[' && colon[-1] == ']')
		fr->host_part = strndup(d + 1, (size_t)(colon - d - 2));
	else
		fr->host_part = strndup(d, (size_t)(colon - d));
	fr->port_part = strdup(colon + 1);
	if (fr->host_part == NULL || fr->port_part == NULL)
		return ONSHI_ENOMEM;
	if (strcmp(fr->host_part, "localhost") == 0) {
		free(fr->host_part);
		fr->host_part = strdup("127.0.0.1");
		if (fr->host_part == NULL)
			return ONSHI_ENOMEM;
	}
	{
		/* Numeric only: name resolution would block the loop. */
		struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
					  .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV };
		struct addrinfo *ai = NULL;

		if (getaddrinfo(fr->host_part, fr->port_part, &hints, &ai) != 0) {
			snprintf(msg, len,
				 "device %s: HOST must be an IP "
				 "address and PORT a number",
				 fr->device);
			return ONSHI_EINVAL;
		}
		freeaddrinfo(ai);
	}
	return ONSHI_OK;
}

int facereader_create(const struct onshi_host *host, struct onshi_instance *inst,
		      const struct fr_link_ops *link, void **state_out)
{
	struct facereader *fr;
	const char *dev;
	char msg[256];
	struct timespec ts;
	int rc;

	*state_out = NULL;
	/* The read flow needs ABI 1.2's card pipeline in the daemon. */
	if (!ONSHI_HOST_HAS(host, card_submit) || host->challenge == NULL ||
	    host->card_submit == NULL) {
		host->log(inst, ONSHI_LOG_ERR,
			  "this daemon has no card "
			  "pipeline (host->challenge/card_submit missing, "
			  "ABI %u.%u): the %s reader cannot run; upgrade "
			  "onshid to ABI 1.2 with the card inquiry path",
			  host->abi_major, host->abi_minor, link->name);
		return ONSHI_EABI;
	}
	fr = calloc(1, sizeof(*fr));
	if (fr == NULL)
		return ONSHI_ENOMEM;
	fr->host = host;
	fr->inst = inst;
	fr->link = link;
	fr->fd = -1;
	fr_msg_init(&fr->placed, 0);
	dev = host->conf_str(inst, "device");
	fr->device = strdup(dev ? dev : "");
	if (fr->device == NULL) {
		facereader_destroy(fr);
		return ONSHI_ENOMEM;
	}
	rc = parse_device(fr, msg, sizeof(msg));
	if (rc != ONSHI_OK) {
		if (rc != ONSHI_ENOMEM)
			host->log(inst, ONSHI_LOG_ERR, "%s", msg);
		facereader_destroy(fr);
		return rc;
	}
	fr->backoff_min = (unsigned long)host->conf_int(inst, "reconnect_min_ms");
	fr->backoff_max = (unsigned long)host->conf_int(inst, "reconnect_max_ms");
	fr->connect_timeout = (unsigned long)host->conf_int(inst, "connect_timeout_ms");
	fr->challenge_timeout =
		(unsigned long)host->conf_int(inst, "challenge_timeout_ms");
	fr->attest_timeout = (unsigned long)host->conf_int(inst, "attest_timeout_ms");
	if (fr->backoff_min == 0)
		fr->backoff_min = 250;
	if (fr->backoff_max < fr->backoff_min)
		fr->backoff_max = fr->backoff_min;
	if (fr->connect_timeout == 0)
		fr->connect_timeout = 5000;
	if (fr->challenge_timeout == 0)
		fr->challenge_timeout = 15000;
	if (fr->attest_timeout == 0)
		fr->attest_timeout = 10000;
	fr->backoff = fr->backoff_min;
	clock_gettime(CLOCK_REALTIME, &ts);
	fr->id_base = (unsigned long long)ts.tv_sec * 1000 +
		      (unsigned long long)ts.tv_nsec / 1000000;
	fr->codec = link->codec_new();
	if (fr->codec == NULL) {
		facereader_destroy(fr);
		return ONSHI_ENOMEM;
	}
	*state_out = fr;
	return ONSHI_OK;
}

/* ---- output ---- */

static void watch_set(struct facereader *fr, unsigned events)
{
	if (fr->watch == NULL || events == fr->watch_events)
		return;
	if (fr->host->watch_modify(fr->inst, fr->watch, events) == ONSHI_OK)
		fr->watch_events = events;
}

/* Write what is queued; on a fatal error the link is lost. */
static void flush_out(struct facereader *fr)
{
	while (fr->out.len > 0) {
		ssize_t n = write(fr->fd, fr->out.data, fr->out.len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			char why[128];

			snprintf(why, sizeof(why), "write: %s",
				 n < 0 ? strerror(errno) : "nothing written");
			link_lost(fr, why);
			return;
		}
		fr_buf_consume(&fr->out, (size_t)n);
	}
	watch_set(fr, ONSHI_FD_READ | (fr->out.len ? ONSHI_FD_WRITE : 0));
}

/* Queue one message for the device; dropped when the link is not up. */
static void send_msg(struct facereader *fr, const struct fr_msg *m)
{
	if (fr->link_state != FR_LINK_UP) {
		fr->host->log(fr->inst, ONSHI_LOG_DEBUG,
			      "link down: %s not "
			      "sent",
			      fr_msg_type_name(m->type));
		return;
	}
	if (fr->out.len > FR_OUT_MAX) {
		if (fr->in_feed)
			fr->lost_in_feed = 1;
		else
			link_lost(fr, "the device stopped reading");
		return;
	}
	if (fr->link->encode(fr->codec, m, &fr->out) < 0) {
		fr->host->log(fr->inst, ONSHI_LOG_ERR,
			      "cannot encode %s for "
			      "the device",
			      fr_msg_type_name(m->type));
		return;
	}
	if (!fr->in_feed)
		flush_out(fr);
}

static void send_result(struct facereader *fr, int code, const char *text)
{
	struct fr_msg m;

	fr_msg_init(&m, FR_MSG_RESULT);
	m.code = code;
	fr_copy_text(m.text, sizeof(m.text), text, strlen(text));
	send_msg(fr, &m);
}

/* ---- the read flow ---- */

static void step_timer_stop(struct facereader *fr)
{
	if (fr->step_timer != NULL) {
		fr->host->timer_stop(fr->inst, fr->step_timer);
		fr->step_timer = NULL;
	}
}

static void read_reset(struct facereader *fr)
{
	step_timer_stop(fr);
	fr->read_state = FR_READ_IDLE;
	fr->gen++; /* late challenge answers are now stale */
	fr_msg_clear(&fr->placed);
	fr->nonce[0] = '\0';
}

static void read_abandon(struct facereader *fr, const char *why)
{
	if (fr->read_state == FR_READ_IDLE)
		return;
	fr->st.reads_failed++;
	fr->host->log(fr->inst, ONSHI_LOG_WARNING, "read %s abandoned: %s",
		      fr->read_id, why);
	fr->host->set_event(fr->inst, "read %s abandoned: %s", fr->read_id, why);
	snprintf(fr->last, sizeof(fr->last), "read abandoned: %s", why);
	read_reset(fr);
	send_result(fr, 1, why);
}

static void on_step_timeout(void *arg)
{
	struct facereader *fr = arg;

	fr->step_timer = NULL; /* one-shot: the host releases it */
	if (fr->read_state == FR_READ_WAIT_CHALLENGE)
		read_abandon(fr, "no nonce from the national service in time");
	else if (fr->read_state == FR_READ_WAIT_ATTEST)
		read_abandon(fr, "the device did not sign the nonce in time");
}

static void step_timer_arm(struct facereader *fr, unsigned long ms)
{
	step_timer_stop(fr);
	fr->step_timer = fr->host->timer_start(fr->inst, ms, 0, on_step_timeout, fr);
}

static void submit_read(struct facereader *fr, const struct fr_msg *attest)
{
	struct onshi_card_read rd;
	char msg[256] = "";
	const char *method = fr_method_word(fr->placed.method);
	int rc, i;

	memset(&rd, 0, sizeof(rd));
	rd.read_id = fr->read_id;
	rd.token_type = fr->placed.token;
	rd.method = fr->placed.method;
	rd.cert_der = fr->placed.cert;
	rd.cert_len = fr->placed.cert_len;
	rd.nonce = fr->nonce;
	if (attest != NULL) {
		rd.signature = attest->sig;
		rd.signature_len = attest->sig_len;
		rd.reader_cert_der = attest->cert;
		rd.reader_cert_len = attest->cert_len;
	}
	if (fr->placed.method == ONSHI_AUTH_VISUAL)
		rd.operator_id = fr->placed.operator_id;
	for (i = 0; i < 4; i++)
		rd.consent[i] = fr->placed.consent[i];
	rc = fr->host->card_submit(fr->inst, &rd, msg, sizeof(msg));
	if (rc != ONSHI_OK) {
		char why[320];

		snprintf(why, sizeof(why), "the daemon refused it: %s",
			 msg[0] ? msg : onshi_strerror(rc));
		read_abandon(fr, why);
		return;
	}
	fr->st.reads_submitted++;
	fr->host->log(fr->inst, ONSHI_LOG_NOTICE,
		      "card read %s submitted "
		      "(%s, %s)",
		      fr->read_id, method, fr_token_word(fr->placed.token));
	fr->host->set_event(fr->inst, "card read %s submitted (%s)",
			    fr->read_id, method);
	snprintf(fr->last, sizeof(fr->last), "last read %s (%s)", fr->read_id, method);
	read_reset(fr);
	send_result(fr, 0, "accepted");
}

static void on_challenge(void *arg, const char *nonce, const char *why)
{
	struct fr_chal *c = arg, **pp;
	struct facereader *fr = c->fr;
	struct fr_msg m;

	for (pp = &fr->chals; *pp != NULL; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	if (c->gen != fr->gen || fr->read_state != FR_READ_WAIT_CHALLENGE) {
		free(c); /* stale: the read was abandoned meanwhile */
		return;
	}
	free(c);
	if (nonce == NULL || nonce[0] == '\0' || strlen(nonce) > FR_NONCE_MAX) {
		char buf[256];

		snprintf(buf, sizeof(buf),
			 "no nonce from the national "
			 "service: %s",
			 why ? why : (nonce ? "bad nonce" : "unknown reason"));
		read_abandon(fr, buf);
		return;
	}
	snprintf(fr->nonce, sizeof(fr->nonce), "%s", nonce);
	if (fr->placed.method == ONSHI_AUTH_VISUAL) {
		submit_read(fr, NULL); /* no attestation: staff checked */
		return;
	}
	fr->read_state = FR_READ_WAIT_ATTEST;
	step_timer_arm(fr, fr->attest_timeout);
	fr_msg_init(&m, FR_MSG_ATTEST_REQUEST);
	snprintf(m.nonce, sizeof(m.nonce), "%s", fr->nonce);
	fr->host->log(fr->inst, ONSHI_LOG_INFO,
		      "read %s: nonce received, "
		      "asking the device to attest",
		      fr->read_id);
	send_msg(fr, &m);
}

static void on_card_placed(struct facereader *fr, struct fr_msg *m)
{
	struct fr_chal *c;
	int rc;

	if (fr->read_state != FR_READ_IDLE)
		read_abandon(fr, "a new card was placed");
	if (m->method == ONSHI_AUTH_PIN) {
		fr->st.reads_failed++;
		fr->host->log(fr->inst, ONSHI_LOG_WARNING,
			      "the device "
			      "reported a PIN read: PIN mode is not supported "
			      "by %s readers (use face or visual)",
			      fr->link->name);
		send_result(fr, 2, "PIN mode not supported");
		return;
	}
	if (m->method == ONSHI_AUTH_VISUAL && m->operator_id[0] == '\0') {
		fr->st.reads_failed++;
		fr->host->log(fr->inst, ONSHI_LOG_WARNING,
			      "visual check "
			      "without an operator id: read refused");
		send_result(fr, 3, "visual check needs an operator id");
		return;
	}
	fr->placed = *m; /* takes the blobs */
	m->cert = m->sig = NULL;
	m->cert_len = m->sig_len = 0;
	snprintf(fr->read_id, sizeof(fr->read_id), "%s-%llu-%lu",
		 fr->link->name, fr->id_base, ++fr->read_seq);
	fr->read_state = FR_READ_WAIT_CHALLENGE;
	fr->gen++;
	fr->host->log(fr->inst, ONSHI_LOG_INFO,
		      "card placed (%s, %s%s%s, "
		      "consents %d,%d,%d,%d): read %s, asking for a nonce",
		      fr_token_word(fr->placed.token),
		      fr_method_word(fr->placed.method),
		      fr->placed.operator_id[0] ? " by " : "", fr->placed.operator_id,
		      fr->placed.consent[0], fr->placed.consent[1],
		      fr->placed.consent[2], fr->placed.consent[3], fr->read_id);
	fr->host->set_event(fr->inst, "card placed: read %s in progress", fr->read_id);
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		read_abandon(fr, "out of memory");
		return;
	}
	c->fr = fr;
	c->gen = fr->gen;
	c->next = fr->chals;
	fr->chals = c;
	step_timer_arm(fr, fr->challenge_timeout);
	rc = fr->host->challenge(fr->inst, on_challenge, c);
	if (rc != ONSHI_OK) {
		char why[128];

		/* Not queued: the callback will not run, reclaim it. */
		if (fr->chals == c) {
			fr->chals = c->next;
			free(c);
		}
		snprintf(why, sizeof(why), "cannot ask for a nonce: %s",
			 onshi_strerror(rc));
		read_abandon(fr, why);
	}
}

static void on_attest(struct facereader *fr, const struct fr_msg *m)
{
	if (fr->read_state != FR_READ_WAIT_ATTEST) {
		fr->host->log(fr->inst, ONSHI_LOG_WARNING,
			      "unexpected "
			      "attestation from the device (no read waits "
			      "for one): ignored");
		return;
	}
	step_timer_stop(fr);
	submit_read(fr, m);
}

static void sink_msg(void *arg, struct fr_msg *m)
{
	struct facereader *fr = arg;
	const char *why;

	if (fr_msg_check(m, &why) < 0) {
		fr->host->log(fr->inst, ONSHI_LOG_WARNING,
			      "device sent a bad "
			      "%s: %s; ignored",
			      fr_msg_type_name(m->type), why);
		fr_msg_clear(m);
		return;
	}
	switch (m->type) {
	case FR_MSG_CARD_PLACED: on_card_placed(fr, m); break;
	case FR_MSG_ATTEST: on_attest(fr, m); break;
	case FR_MSG_CARD_REMOVED:
		fr->host->log(fr->inst, ONSHI_LOG_INFO, "card removed");
		if (fr->read_state != FR_READ_IDLE)
			read_abandon(fr, "card removed before the read "
					 "finished");
		else
			fr->host->set_event(fr->inst, "card removed");
		break;
	case FR_MSG_DEVICE_ERROR:
		fr->st.device_errors++;
		fr->host->log(fr->inst, ONSHI_LOG_WARNING,
			      "device error %d: "
			      "%s",
			      m->code, m->text);
		fr->host->set_event(fr->inst, "device error %d: %s", m->code,
				    m->text);
		snprintf(fr->last, sizeof(fr->last), "device error %d: %s",
			 m->code, m->text);
		if (fr->read_state != FR_READ_IDLE)
			read_abandon(fr, "the device reported an error");
		break;
	default:
		fr->host->log(fr->inst, ONSHI_LOG_WARNING,
			      "device sent %s, a "
			      "host-to-device message: ignored",
			      fr_msg_type_name(m->type));
	}
	fr_msg_clear(m);
}

static void sink_problem(void *arg, const char *what)
{
	struct facereader *fr = arg;
	uint64_t now = now_ms();

	fr->st.bad_frames++;
	if (now - fr->bad_window_start >= FR_BAD_WINDOW_MS) {
		if (fr->bad_suppressed > 0)
			fr->host->log(fr->inst, ONSHI_LOG_WARNING,
				      "%u more bad "
				      "frames from the device were not logged",
				      fr->bad_suppressed);
		fr->bad_window_start = now;
		fr->bad_in_window = 0;
		fr->bad_suppressed = 0;
	}
	if (fr->bad_in_window < FR_BAD_PER_WINDOW) {
		fr->bad_in_window++;
		fr->host->log(fr->inst, ONSHI_LOG_WARNING,
			      "bad frame from "
			      "the device skipped: %s",
			      what);
	} else {
		fr->bad_suppressed++;
	}
}

/* ---- the link ---- */

static void link_close(struct facereader *fr)
{
	if (fr->watch != NULL) {
		fr->host->unwatch_fd(fr->inst, fr->watch);
		fr->watch = NULL;
	}
	if (fr->connect_timer != NULL) {
		fr->host->timer_stop(fr->inst, fr->connect_timer);
		fr->connect_timer = NULL;
	}
	if (fr->fd >= 0)
		close(fr->fd);
	fr->fd = -1;
	fr->out.len = 0;
	fr->watch_events = 0;
}

static void on_reconnect(void *arg)
{
	struct facereader *fr = arg;

	fr->reconnect_timer = NULL; /* one-shot: the host releases it */
	link_try(fr);
}

/* Schedule the next attempt and say so. */
static void link_schedule(struct facereader *fr)
{
	char since[16];
	unsigned long wait = fr->backoff;

	fr->link_state = FR_LINK_DOWN;
	fr->next_try_ms = now_ms() + wait;
	fr->reconnect_timer = fr->host->timer_start(fr->inst, wait, 0,
						    on_reconnect, fr);
	fr->backoff = fr->backoff * 2 > fr->backoff_max ? fr->backoff_max
							: fr->backoff * 2;
	clock_text(fr->down_since, since, sizeof(since));
	fr->host->set_event(fr->inst,
			    "link down since %s, retrying in %lu s "
			    "(%s)",
			    since, (wait + 999) / 1000, fr->down_why);
}

/* Tell the daemon (ABI 1.4) whether the device answers, so the module
 * shows failing rather than running while it does not. */
static void device_state(struct facereader *fr, int up)
{
	char why[400];

	if (!ONSHI_HOST_HAS(fr->host, device_state) || !fr->host->device_state)
		return;
	snprintf(why, sizeof(why), "%s: %s", fr->device, fr->down_why);
	fr->host->device_state(fr->inst, up, up ? NULL : why);
}

static void link_failed(struct facereader *fr, const char *why, int first)
{
	link_close(fr);
	snprintf(fr->down_why, sizeof(fr->down_why), "%s", why);
	device_state(fr, 0);
	if (first) {
		fr->down_since = time(NULL);
		fr->host->log(fr->inst, ONSHI_LOG_WARNING,
			      "device %s: %s; "
			      "reconnecting",
			      fr->device, why);
	} else {
		fr->host->log(fr->inst, ONSHI_LOG_INFO,
			      "device %s: %s; next "
			      "try in %lu ms",
			      fr->device, why, fr->backoff);
	}
	link_schedule(fr);
}

static void link_lost(struct facereader *fr, const char *why)
{
	if (fr->in_feed) {
		fr->lost_in_feed = 1; /* the codec is busy: finish first */
		return;
	}
	fr->st.link_losses++;
	fr->link_state = FR_LINK_DOWN; /* nothing more to send on it */
	read_abandon(fr, "the device link was lost");
	link_failed(fr, why, 1);
}

static void on_fd(int fd, unsigned events, void *arg)
{
	struct facereader *fr = arg;
	unsigned char buf[FR_READ_CHUNK];
	struct fr_sink sink = { sink_msg, sink_problem, fr };
	int rounds;

	(void)fd;
	if (events & ONSHI_FD_READ || events & ONSHI_FD_ERROR) {
		for (rounds = 0; rounds < 16; rounds++) {
			ssize_t n = read(fr->fd, buf, sizeof(buf));

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				break;
			if (n <= 0) {
				char why[128];

				snprintf(why, sizeof(why), "%s",
					 n == 0 ? "the device closed the link"
						: strerror(errno));
				link_lost(fr, why);
				return;
			}
			fr->in_feed = 1;
			fr->link->feed(fr->codec, buf, (size_t)n, &sink);
			fr->in_feed = 0;
			if (fr->lost_in_feed) {
				fr->lost_in_feed = 0;
				link_lost(fr, "the device stopped reading");
				return;
			}
			if (fr->link_state != FR_LINK_UP)
				return;
		}
	}
	if (fr->link_state == FR_LINK_UP)
		flush_out(fr);
}

static void link_up(struct facereader *fr)
{
	if (fr->connect_timer != NULL) {
		fr->host->timer_stop(fr->inst, fr->connect_timer);
		fr->connect_timer = NULL;
	}
	fr->link_state = FR_LINK_UP;
	fr->backoff = fr->backoff_min;
	fr->down_since = 0;
	fr->up_since = time(NULL);
	fr->st.connects++;
	fr->link->codec_reset(fr->codec);
	if (fr->watch == NULL) {
		fr->watch = fr->host->watch_fd(fr->inst, fr->fd, ONSHI_FD_READ,
					       on_fd, fr);
		if (fr->watch == NULL) {
			link_failed(fr, "cannot watch the device", 1);
			return;
		}
	} else {
		fr->host->watch_modify(fr->inst, fr->watch, ONSHI_FD_READ);
	}
	fr->watch_events = ONSHI_FD_READ;
	fr->host->log(fr->inst, ONSHI_LOG_NOTICE, "connected to %s (%s link)",
		      fr->device, fr->link->name);
	device_state(fr, 1);
	fr->host->set_event(fr->inst, "connected to %s", fr->device);
}

static void on_connect_timeout(void *arg)
{
	struct facereader *fr = arg;

	fr->connect_timer = NULL; /* one-shot: the host releases it */
	link_failed(fr, "connect timed out", fr->down_since == 0);
}

static void on_connecting(int fd, unsigned events, void *arg)
{
	struct facereader *fr = arg;
	int err = 0;
	socklen_t len = sizeof(err);

	(void)events;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err == EINPROGRESS)
		return;
	if (err != 0) {
		char why[128];

		snprintf(why, sizeof(why), "connect: %s", strerror(err));
		link_failed(fr, why, fr->down_since == 0);
		return;
	}
	/* Re-watch with the reading callback. */
	fr->host->unwatch_fd(fr->inst, fr->watch);
	fr->watch = NULL;
	link_up(fr);
}

static int open_tcp(struct facereader *fr, char *why, size_t len)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV };
	struct addrinfo *ai = NULL;
	int fd, one = 1;

	if (getaddrinfo(fr->host_part, fr->port_part, &hints, &ai) != 0) {
		snprintf(why, len, "bad address");
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(why, len, "socket: %s", strerror(errno));
		freeaddrinfo(ai);
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	fr->fd = fd;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
		freeaddrinfo(ai);
		return 1;
	}
	freeaddrinfo(ai);
	if (errno != EINPROGRESS) {
		snprintf(why, len, "connect: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int open_serial(struct facereader *fr, char *why, size_t len)
{
	struct termios tio;
	int fd;

	fd = open(fr->path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, len, "open %s: %s", fr->path, strerror(errno));
		return -1;
	}
	fr->fd = fd;
	if (tcgetattr(fd, &tio) < 0) {
		snprintf(why, len, "%s is not a serial port: %s", fr->path,
			 strerror(errno));
		return -1;
	}
	cfmakeraw(&tio);
	tio.c_cflag |= CLOCAL | CREAD;
	tio.c_cc[VMIN] = 1;
	tio.c_cc[VTIME] = 0;
	cfsetispeed(&tio, B115200);
	cfsetospeed(&tio, B115200);
	if (tcsetattr(fd, TCSANOW, &tio) < 0) {
		snprintf(why, len, "cannot set %s to raw 115200: %s", fr->path,
			 strerror(errno));
		return -1;
	}
	return 1;
}

static void link_try(struct facereader *fr)
{
	char why[192];
	int first = fr->down_since == 0;
	int rc;

	why[0] = '\0';
	if (fr->kind == FR_DEV_SERIAL)
		rc = open_serial(fr, why, sizeof(why));
	else
		rc = open_tcp(fr, why, sizeof(why));
	if (rc < 0) {
		link_failed(fr, why, first);
		return;
	}
	if (rc > 0) {
		link_up(fr);
		return;
	}
	fr->link_state = FR_LINK_CONNECTING;
	fr->watch = fr->host->watch_fd(fr->inst, fr->fd, ONSHI_FD_WRITE,
				       on_connecting, fr);
	if (fr->watch == NULL) {
		link_failed(fr, "cannot watch the device", first);
		return;
	}
	fr->connect_timer = fr->host->timer_start(fr->inst, fr->connect_timeout,
						  0, on_connect_timeout, fr);
}

/* ---- entry points ---- */

int facereader_start(void *state)
{
	struct facereader *fr = state;

	fr->started = 1;
	fr->down_since = 0;
	link_try(fr);
	/* A device that is off now is not fatal: we keep retrying. */
	return ONSHI_OK;
}

void facereader_stop(void *state)
{
	struct facereader *fr = state;

	if (!fr->started)
		return;
	fr->started = 0;
	step_timer_stop(fr);
	if (fr->read_state != FR_READ_IDLE)
		read_reset(fr);
	if (fr->reconnect_timer != NULL) {
		fr->host->timer_stop(fr->inst, fr->reconnect_timer);
		fr->reconnect_timer = NULL;
	}
	link_close(fr);
	fr->link_state = FR_LINK_DOWN;
}

void facereader_destroy(void *state)
{
	struct facereader *fr = state;
	struct fr_chal *c, *next;

	if (fr == NULL)
		return;
	/* The daemon drops challenge answers for a stopped instance. */
	for (c = fr->chals; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	if (fr->codec != NULL)
		fr->link->codec_free(fr->codec);
	fr_msg_clear(&fr->placed);
	fr_buf_free(&fr->out);
	if (fr->fd >= 0)
		close(fr->fd);
	free(fr->device);
	free(fr->host_part);
	free(fr->port_part);
	free(fr);
}

void facereader_status(void *state, char *buf, size_t len)
{
	struct facereader *fr = state;
	char since[16], counts[160];
	const char *step = "";

	snprintf(counts, sizeof(counts),
		 "%lu reads submitted, %lu failed, "
		 "%lu bad frames",
		 fr->st.reads_submitted, fr->st.reads_failed, fr->st.bad_frames);
	if (fr->read_state == FR_READ_WAIT_CHALLENGE)
		step = "; reading: waiting for the nonce";
	else if (fr->read_state == FR_READ_WAIT_ATTEST)
		step = "; reading: waiting for the attestation";
	switch (fr->link_state) {
	case FR_LINK_UP:
		clock_text(fr->up_since, since, sizeof(since));
		snprintf(buf, len, "connected to %s since %s; %s%s%s%s", fr->device,
			 since, counts, step, fr->last[0] ? "; " : "", fr->last);
		break;
	case FR_LINK_CONNECTING:
		snprintf(buf, len, "connecting to %s; %s", fr->device, counts);
		break;
	default:
		if (!fr->started) {
			snprintf(buf, len, "stopped (%s)", fr->device);
			break;
		} else {
			uint64_t now = now_ms();
			unsigned long left =
				fr->next_try_ms > now
					? (unsigned long)(fr->next_try_ms - now)
					: 0;

			clock_text(fr->down_since, since, sizeof(since));
			snprintf(buf, len,
				 "dead device: link down since %s, "
				 "retrying in %lu s (%s: %s); %s",
				 since, (left + 999) / 1000, fr->device,
				 fr->down_why, counts);
		}
	}
}

void facereader_get_stats(const struct facereader *fr, struct facereader_stats *st)
{
	*st = fr->st;
	st->link = fr->link_state;
	st->read = fr->read_state;
	st->backoff_ms = fr->backoff;
}
