/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pcsc — reader plugin for any PC/SC reader and a My Number Card, PIN mode
 * (docs/readers/pcsc.md).
 *
 * PC/SC calls block, so the plugin runs one thread per instance: it waits
 * for a card with SCardGetStatusChange (a 1 s timeout, and SCardCancel from
 * stop(), so stop() can always end it), reads the JPKI user-authentication
 * certificate and token info, asks the loop for a challenge (host services
 * are loop-only, so everything the thread wants from the host is posted),
 * takes the PIN from the configured PIN source, VERIFYs it, has the card
 * sign the nonce, and posts the read back for host->card_submit. Wrong PINs
 * and locked cards end the read with a message and are never submitted.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <winscard.h>

#include <onshi/host.h>
#include <onshi/message.h>
#include <onshi/plugin.h>

#include "jpki.h"
#include "pin_tty.h"

#define WAIT_SLICE_MS 200      /* how often blocking waits look at stopping */
#define STATUS_TIMEOUT_MS 1000 /* SCardGetStatusChange timeout */
#define RETRY_MS 1000          /* no pcscd / no reader: look again after */
#define EVENT_MAX 256

enum post_kind {
	POST_EVENT,
	POST_CHALLENGE,
	POST_SUBMIT
};
enum {
	DEVICE_UP = 1,
	DEVICE_LOST = 2
};

/* Something the thread hands to the loop; linked so stop() can free the
 * ones the daemon dropped. */
struct pcsc_post {
	struct pcsc_post *prev, *next;
	struct pcsc *r;
	enum post_kind kind;
	int level;
	char text[EVENT_MAX];
	int device; /* POST_EVENT: DEVICE_UP / DEVICE_LOST, or 0: no news */
	/* POST_SUBMIT */
	char read_id[64];
	char nonce[128];
	int token;
	unsigned char *cert;
	size_t cert_len;
	unsigned char sig[JPKI_SIG_MAX];
	size_t sig_len;
};

enum chal_state {
	CHAL_IDLE,
	CHAL_WAITING,
	CHAL_DONE
};

struct pcsc {
	const struct onshi_host *host;
	struct onshi_instance *inst;
	/* configuration, read-only once started */
	char *reader_want; /* substring; NULL: the first reader */
	char *pin_path;    /* pin_source = file:PATH or prompt:TTY */
	int pin_tty;       /* prompt:TTY: ask the patient on a terminal */
	char *pin_prompt;
	int consent[ONSHI_CONSENT_KINDS];
	long timeout_ms;

	pthread_t thread;
	int thread_started;
	pthread_mutex_t lock; /* everything below */
	pthread_cond_t cond;
	int stopping;
	SCARDCONTEXT ctx;
	int ctx_valid;
	char reader[256];     /* the reader being watched, "" if none */
	char last[EVENT_MAX]; /* last event, for status */
	unsigned long submitted;
	struct pcsc_post *posts;
	enum chal_state chal;
	char nonce[128];
	char chal_why[EVENT_MAX];
	unsigned seq;
};

static const struct onshi_conf_key pcsc_keys[] = {
	{ .name = "reader",
	  .type = ONSHI_CONF_STRING,
	  .help = "PC/SC reader name substring (default: the first reader)" },
	{ .name = "pin_source",
	  .type = ONSHI_CONF_STRING,
	  .required = 1,
	  .help = "where the PIN comes from: prompt:/dev/TTY (a terminal at the desk) or file:/ABSOLUTE/PATH (test hook)" },
	{ .name = "pin_prompt",
	  .type = ONSHI_CONF_STRING,
	  .default_value = "PIN (4 digits), then Enter: ",
	  .help = "the text shown on the prompt: terminal" },
	{ .name = "consent",
	  .type = ONSHI_CONF_STRING,
	  .default_value = "0,0,0,0",
	  .help = "consent flags sent with every read: pharmacists,checkups,diagnosis,operation (0-3 each)" },
	{ .name = "read_timeout_ms",
	  .type = ONSHI_CONF_INT,
	  .default_value = "30000",
	  .min = 1000,
	  .max = 600000,
	  .help = "how long a read waits for the challenge and for the PIN" },
	{ .name = NULL },
};

/* ---- loop side: what the thread posts ---------------------------------- */

static void post_unlink(struct pcsc_post *p)
{
	if (p->prev)
		p->prev->next = p->next;
	else
		p->r->posts = p->next;
	if (p->next)
		p->next->prev = p->prev;
	p->prev = p->next = NULL;
}

static void post_free(struct pcsc_post *p)
{
	free(p->cert);
	OPENSSL_cleanse(p, sizeof(*p));
	free(p);
}

static void on_challenge(void *arg, const char *nonce, const char *why)
{
	struct pcsc *r = arg;

	pthread_mutex_lock(&r->lock);
	/* a late answer to a read that gave up is ignored */
	if (r->chal == CHAL_WAITING) {
		r->nonce[0] = '\0';
		r->chal_why[0] = '\0';
		if (nonce && strlen(nonce) < sizeof(r->nonce))
			strcpy(r->nonce, nonce);
		else
			snprintf(r->chal_why, sizeof(r->chal_why), "%s",
				 why ? why : "no usable nonce");
		r->chal = CHAL_DONE;
		pthread_cond_broadcast(&r->cond);
	}
	pthread_mutex_unlock(&r->lock);
}

static void do_submit(struct pcsc *r, struct pcsc_post *p)
{
	struct onshi_card_read cr = {
		.read_id = p->read_id,
		.token_type = p->token,
		.method = ONSHI_AUTH_PIN,
		.cert_der = p->cert,
		.cert_len = p->cert_len,
		.nonce = p->nonce,
		.signature = p->sig,
		.signature_len = p->sig_len,
	};
	char msg[512] = "";
	int rc;

	memcpy(cr.consent, r->consent, sizeof(cr.consent));
	rc = r->host->card_submit(r->inst, &cr, msg, sizeof(msg));
	if (rc == ONSHI_OK) {
		pthread_mutex_lock(&r->lock);
		r->submitted++;
		snprintf(r->last, sizeof(r->last), "card read %s submitted",
			 p->read_id);
		pthread_mutex_unlock(&r->lock);
		r->host->log(r->inst, ONSHI_LOG_INFO,
			     "card read %s submitted (PIN, %s)", p->read_id,
			     p->token == ONSHI_TOKEN_SMARTPHONE ? "smartphone"
								: "card");
		r->host->set_event(r->inst, "card read %s submitted", p->read_id);
	} else {
		pthread_mutex_lock(&r->lock);
		snprintf(r->last, sizeof(r->last), "card read refused: %s",
			 msg[0] ? msg : onshi_strerror(rc));
		pthread_mutex_unlock(&r->lock);
		r->host->log(r->inst, ONSHI_LOG_WARNING, "card read %s refused: %s",
			     p->read_id, msg[0] ? msg : onshi_strerror(rc));
		r->host->set_event(r->inst, "card read refused: %s",
				   msg[0] ? msg : onshi_strerror(rc));
	}
}

static void on_post(void *arg)
{
	struct pcsc_post *p = arg;
	struct pcsc *r = p->r;
	int rc;

	pthread_mutex_lock(&r->lock);
	post_unlink(p);
	pthread_mutex_unlock(&r->lock);
	switch (p->kind) {
	case POST_EVENT:
		r->host->log(r->inst, p->level, "%s", p->text);
		r->host->set_event(r->inst, "%s", p->text);
		/* ABI 1.4: a lost reader makes the module failing. */
		if (p->device && ONSHI_HOST_HAS(r->host, device_state) &&
		    r->host->device_state)
			r->host->device_state(r->inst, p->device == DEVICE_UP,
					      p->text);
		break;
	case POST_CHALLENGE:
		rc = r->host->challenge(r->inst, on_challenge, r);
		if (rc != ONSHI_OK)
			on_challenge(r, NULL, onshi_strerror(rc));
		break;
	case POST_SUBMIT: do_submit(r, p); break;
	}
	post_free(p);
}

/* ---- thread side -------------------------------------------------------- */

static int stopping(struct pcsc *r)
{
	int s;

	pthread_mutex_lock(&r->lock);
	s = r->stopping;
	pthread_mutex_unlock(&r->lock);
	return s;
}

/* stopping() for callbacks that take a void pointer (pin_tty.c). */
static int stop_requested(void *arg)
{
	return stopping(arg);
}

/* Hand p to the loop; on failure it is freed here. */
static void post_send(struct pcsc *r, struct pcsc_post *p)
{
	p->r = r;
	pthread_mutex_lock(&r->lock);
	p->next = r->posts;
	if (r->posts)
		r->posts->prev = p;
	r->posts = p;
	pthread_mutex_unlock(&r->lock);
	if (r->host->post(r->inst, on_post, p) != ONSHI_OK) {
		pthread_mutex_lock(&r->lock);
		post_unlink(p);
		pthread_mutex_unlock(&r->lock);
		post_free(p);
	}
}

/* Log a line and make it the instance's latest event (from the thread). */
static void vevent(struct pcsc *r, int device, int level, const char *fmt, va_list ap)
{
	struct pcsc_post *p = calloc(1, sizeof(*p));

	if (!p)
		return;
	p->kind = POST_EVENT;
	p->level = level;
	p->device = device;
	vsnprintf(p->text, sizeof(p->text), fmt, ap);
	pthread_mutex_lock(&r->lock);
	snprintf(r->last, sizeof(r->last), "%s", p->text);
	pthread_mutex_unlock(&r->lock);
	post_send(r, p);
}

static void event(struct pcsc *r, int level, const char *fmt, ...)
	ONSHI_PRINTF(3, 4);
static void event(struct pcsc *r, int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vevent(r, 0, level, fmt, ap);
	va_end(ap);
}

/* An event that also says whether the reader answers (DEVICE_UP/LOST). */
static void device_event(struct pcsc *r, int device, int level, const char *fmt,
			 ...) ONSHI_PRINTF(4, 5);
static void device_event(struct pcsc *r, int device, int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vevent(r, device, level, fmt, ap);
	va_end(ap);
}

/* Sleep up to ms unless stop() comes first; returns stopping. */
static int nap(struct pcsc *r, long ms)
{
	struct timespec ts;
	int s;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&r->lock);
	while (!r->stopping && pthread_cond_timedwait(&r->cond, &r->lock, &ts) == 0)
		;
	s = r->stopping;
	pthread_mutex_unlock(&r->lock);
	return s;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Ask the loop for a challenge and wait for it; 0 and the nonce, or -1. */
static int get_challenge(struct pcsc *r, char *nonce, size_t len, char *why,
			 size_t whylen)
{
	struct pcsc_post *p = calloc(1, sizeof(*p));
	struct timespec ts;
	int rc = -1;

	if (!p) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	pthread_mutex_lock(&r->lock);
	r->chal = CHAL_WAITING;
	pthread_mutex_unlock(&r->lock);
	p->kind = POST_CHALLENGE;
	post_send(r, p);

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += r->timeout_ms / 1000;
	ts.tv_nsec += (r->timeout_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&r->lock);
	while (!r->stopping && r->chal == CHAL_WAITING)
		if (pthread_cond_timedwait(&r->cond, &r->lock, &ts) != 0)
			break;
	if (r->chal == CHAL_DONE && r->nonce[0]) {
		snprintf(nonce, len, "%s", r->nonce);
		rc = 0;
	} else if (r->chal == CHAL_DONE) {
		snprintf(why, whylen, "%s", r->chal_why);
	} else {
		snprintf(why, whylen, "no answer within %ld ms", r->timeout_ms);
	}
	r->chal = CHAL_IDLE;
	pthread_mutex_unlock(&r->lock);
	return rc;
}

/* Trailing newline and blanks off. */
static void chomp(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
		s[--n] = '\0';
}

/*
 * pin_source = file:PATH. A FIFO: wait for a line written into it. A
 * regular file: its content (waiting while it is missing or empty).
 * 0 with the PIN; -1 timed out or stopping; -2 unreadable (why).
 */
static int pin_from_file(struct pcsc *r, char *pin, size_t len, char *why, size_t whylen)
{
	long deadline = now_ms() + r->timeout_ms;
	int fd = -1, rc = -1;
	size_t got = 0;

	pin[0] = '\0';
	while (now_ms() < deadline && !stopping(r)) {
		struct stat st;

		if (fd < 0 && stat(r->pin_path, &st) == 0 && S_ISFIFO(st.st_mode)) {
			/* read-write: no writer yet is not end-of-file */
			fd = open(r->pin_path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
			if (fd < 0) {
				snprintf(why, whylen, "cannot open %s: %s",
					 r->pin_path, strerror(errno));
				return -2;
			}
		}
		if (fd >= 0) {
			struct pollfd pf = { .fd = fd, .events = POLLIN };
			ssize_t n;

			if (poll(&pf, 1, WAIT_SLICE_MS) <= 0)
				continue;
			n = read(fd, pin + got, len - 1 - got);
			if (n > 0) {
				got += (size_t)n;
				pin[got] = '\0';
			}
			if (strchr(pin, '\n') || got >= len - 1) {
				rc = 0;
				break;
			}
			continue;
		}
		fd = open(r->pin_path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			ssize_t n = read(fd, pin, len - 1);

			close(fd);
			fd = -1;
			if (n > 0) {
				pin[n] = '\0';
				rc = 0;
				break;
			}
		} else if (errno != ENOENT) {
			snprintf(why, whylen, "cannot open %s: %s", r->pin_path,
				 strerror(errno));
			return -2;
		}
		if (nap(r, WAIT_SLICE_MS))
			break;
	}
	if (fd >= 0)
		close(fd);
	if (rc == 0)
		chomp(pin);
	return rc;
}

static int pin_valid(const char *pin)
{
	if (strlen(pin) != 4)
		return 0;
	for (int i = 0; i < 4; i++)
		if (pin[i] < '0' || pin[i] > '9')
			return 0;
	return 1;
}

struct link {
	SCARDHANDLE h;
	const SCARD_IO_REQUEST *pci;
	LONG rv;
};

static int pcsc_transmit(void *arg, const unsigned char *apdu, size_t len,
			 unsigned char *resp, size_t *resp_len)
{
	struct link *l = arg;
	DWORD n = (DWORD)*resp_len;

	l->rv = SCardTransmit(l->h, l->pci, apdu, (DWORD)len, NULL, resp, &n);
	if (l->rv != SCARD_S_SUCCESS)
		return -1;
	*resp_len = n;
	return 0;
}

/* The message for a failed step; "gone" covers card and reader loss. */
static void read_failed(struct pcsc *r, struct jpki *j, struct link *l, int rc,
			const char *step)
{
	switch (rc) {
	case JPKI_GONE:
		if (l->rv == (LONG)SCARD_W_REMOVED_CARD ||
		    l->rv == (LONG)SCARD_E_NO_SMARTCARD ||
		    l->rv == (LONG)SCARD_W_RESET_CARD)
			event(r, ONSHI_LOG_WARNING,
			      "card removed during the read (%s): abandoned", step);
		else
			event(r, ONSHI_LOG_WARNING,
			      "card link lost (%s: %s): read abandoned", step,
			      pcsc_stringify_error(l->rv));
		break;
	case JPKI_NOT_JPKI:
		event(r, ONSHI_LOG_NOTICE,
		      "not a My Number Card (no JPKI application): ignored");
		break;
	case JPKI_LOCKED:
		event(r, ONSHI_LOG_WARNING,
		      "card locked: reset it at the municipal office");
		break;
	case JPKI_BAD_DATA:
		event(r, ONSHI_LOG_WARNING,
		      "card certificate unreadable (%s): read abandoned", step);
		break;
	default:
		event(r, ONSHI_LOG_WARNING,
		      "card answered %04X (%s): read abandoned", j->last_sw, step);
		break;
	}
}

/* One card, from placed to submitted (or abandoned with a message). */
static void read_card(struct pcsc *r, SCARDCONTEXT ctx, const char *reader)
{
	struct link l = { 0 };
	struct jpki j = { .transmit = pcsc_transmit, .arg = &l };
	struct pcsc_post *p = NULL;
	DWORD proto = 0;
	unsigned tries;
	char token_text[33], pin[64], why[EVENT_MAX];
	int rc;

	l.rv = SCardConnect(ctx, reader, SCARD_SHARE_EXCLUSIVE,
			    SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &l.h, &proto);
	if (l.rv != SCARD_S_SUCCESS) {
		event(r, ONSHI_LOG_WARNING, "cannot open the card: %s",
		      pcsc_stringify_error(l.rv));
		return;
	}
	l.pci = proto == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
	event(r, ONSHI_LOG_INFO, "card placed: reading");
	p = calloc(1, sizeof(*p));
	if (!p)
		goto out;
	p->kind = POST_SUBMIT;
	if ((rc = jpki_select_ap(&j)) < 0) {
		read_failed(r, &j, &l, rc, "select");
		goto out;
	}
	if ((rc = jpki_read_auth_cert(&j, &p->cert, &p->cert_len)) < 0) {
		read_failed(r, &j, &l, rc, "certificate");
		goto out;
	}
	if ((rc = jpki_token_type(&j, &p->token, token_text)) < 0) {
		read_failed(r, &j, &l, rc, "token info");
		goto out;
	}
	/* a locked card is reported before anyone types a PIN */
	if ((rc = jpki_auth_pin_tries(&j, &tries)) < 0) {
		read_failed(r, &j, &l, rc, "PIN status");
		goto out;
	}
	event(r, ONSHI_LOG_INFO,
	      "%s detected (%s, %zu-byte certificate): asking for a challenge",
	      p->token == ONSHI_TOKEN_SMARTPHONE ? "smartphone JPKI" : "My Number Card",
	      token_text[0] ? token_text : "no token info", p->cert_len);
	if (get_challenge(r, p->nonce, sizeof(p->nonce), why, sizeof(why)) < 0) {
		if (!stopping(r))
			event(r, ONSHI_LOG_WARNING,
			      "no challenge from the national service (%s): read abandoned",
			      why);
		goto out;
	}
	event(r, ONSHI_LOG_INFO,
	      "challenge obtained: waiting for the PIN (%u %s left)", tries,
	      tries == 1 ? "try" : "tries");
	if (r->pin_tty) {
		rc = pcsc_pin_from_tty(r->pin_path, r->pin_prompt,
				       r->timeout_ms, stop_requested, r, pin,
				       sizeof(pin), why, sizeof(why));
		if (rc == PIN_TTY_CANCELLED) {
			if (!stopping(r))
				event(r, ONSHI_LOG_NOTICE,
				      "%s: read abandoned (no try used)", why);
			goto out;
		}
	} else {
		rc = pin_from_file(r, pin, sizeof(pin), why, sizeof(why));
	}
	if (rc == -2) {
		event(r, ONSHI_LOG_ERR, "PIN source: %s: read abandoned", why);
		goto out;
	}
	if (rc < 0) {
		if (!stopping(r))
			event(r, ONSHI_LOG_WARNING,
			      "no PIN entered within %ld s: read abandoned",
			      r->timeout_ms / 1000);
		goto out;
	}
	if (!pin_valid(pin)) {
		event(r, ONSHI_LOG_WARNING,
		      "the PIN must be 4 digits: read abandoned (no try used)");
		goto out;
	}
	rc = jpki_verify_auth_pin(&j, pin, &tries);
	if (rc == JPKI_WRONG_PIN) {
		event(r, ONSHI_LOG_WARNING, "wrong PIN, %u %s left", tries,
		      tries == 1 ? "try" : "tries");
		goto out;
	}
	if (rc < 0) {
		read_failed(r, &j, &l, rc, "PIN");
		goto out;
	}
	p->sig_len = sizeof(p->sig);
	rc = jpki_sign_auth(&j, p->nonce, strlen(p->nonce), p->sig, &p->sig_len);
	if (rc < 0) {
		read_failed(r, &j, &l, rc, "signature");
		goto out;
	}
	pthread_mutex_lock(&r->lock);
	snprintf(p->read_id, sizeof(p->read_id), "pcsc-%lld-%u",
		 (long long)time(NULL), ++r->seq);
	pthread_mutex_unlock(&r->lock);
	event(r, ONSHI_LOG_INFO, "PIN verified, nonce signed: submitting %s",
	      p->read_id);
	post_send(r, p);
	p = NULL;
out:
	OPENSSL_cleanse(pin, sizeof(pin));
	if (p)
		post_free(p);
	/* reset: the card must not stay PIN-verified for the next app */
	SCardDisconnect(l.h, SCARD_RESET_CARD);
}

static int reader_matches(const struct pcsc *r, const char *name)
{
	return !r->reader_want || strstr(name, r->reader_want) != NULL;
}

/* Find the reader to watch; 0 and its name, or -1 (reason posted once). */
static int pick_reader(struct pcsc *r, SCARDCONTEXT ctx, char *out,
		       size_t outlen, LONG *rv)
{
	char *list = NULL;
	DWORD len = SCARD_AUTOALLOCATE;
	int found = -1;

	*rv = SCardListReaders(ctx, NULL, (LPSTR)&list, &len);
	if (*rv != SCARD_S_SUCCESS)
		return -1;
	for (char *s = list; *s; s += strlen(s) + 1) {
		if (reader_matches(r, s) && strlen(s) < outlen) {
			strcpy(out, s);
			found = 0;
			break;
		}
	}
	SCardFreeMemory(ctx, list);
	return found;
}

/* Watch one reader until it goes away or stop(); reads every new card. */
static LONG watch_reader(struct pcsc *r, SCARDCONTEXT ctx, const char *name)
{
	SCARD_READERSTATE rs = { .szReader = name,
				 .dwCurrentState = SCARD_STATE_UNAWARE };
	LONG rv;

	for (;;) {
		rv = SCardGetStatusChange(ctx, STATUS_TIMEOUT_MS, &rs, 1);
		if (stopping(r))
			return SCARD_E_CANCELLED;
		if (rv == (LONG)SCARD_E_TIMEOUT)
			continue;
		if (rv != SCARD_S_SUCCESS)
			return rv;
		if (rs.dwEventState & (SCARD_STATE_UNKNOWN | SCARD_STATE_UNAVAILABLE))
			return SCARD_E_READER_UNAVAILABLE;
		if ((rs.dwEventState & SCARD_STATE_PRESENT) &&
		    !(rs.dwCurrentState & SCARD_STATE_PRESENT) &&
		    !(rs.dwEventState & SCARD_STATE_MUTE))
			read_card(r, ctx, name);
		else if (!(rs.dwEventState & SCARD_STATE_PRESENT) &&
			 (rs.dwCurrentState & SCARD_STATE_PRESENT))
			event(r, ONSHI_LOG_INFO, "card removed");
		rs.dwCurrentState = rs.dwEventState & ~SCARD_STATE_CHANGED;
	}
}

static void *pcsc_thread(void *arg)
{
	struct pcsc *r = arg;
	char name[256];
	LONG rv, last_rv = SCARD_S_SUCCESS;
	int said_no_reader = 0;

	while (!stopping(r)) {
		SCARDCONTEXT ctx;

		rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx);
		if (rv != SCARD_S_SUCCESS) {
			if (rv != last_rv)
				device_event(r, DEVICE_LOST, ONSHI_LOG_WARNING,
					     "PC/SC service not available (%s): is pcscd running?",
					     pcsc_stringify_error(rv));
			last_rv = rv;
			nap(r, RETRY_MS);
			continue;
		}
		pthread_mutex_lock(&r->lock);
		r->ctx = ctx;
		r->ctx_valid = !r->stopping;
		pthread_mutex_unlock(&r->lock);
		while (!stopping(r)) {
			if (pick_reader(r, ctx, name, sizeof(name), &rv) < 0) {
				if (rv == (LONG)SCARD_E_NO_SERVICE)
					break;
				if (!said_no_reader)
					device_event(r, DEVICE_LOST, ONSHI_LOG_WARNING,
						     "no PC/SC reader%s%s%s found: waiting for one",
						     r->reader_want ? " matching '"
								    : "",
						     r->reader_want ? r->reader_want
								    : "",
						     r->reader_want ? "'" : "");
				said_no_reader = 1;
				nap(r, RETRY_MS);
				continue;
			}
			said_no_reader = 0;
			pthread_mutex_lock(&r->lock);
			snprintf(r->reader, sizeof(r->reader), "%s", name);
			pthread_mutex_unlock(&r->lock);
			device_event(r, DEVICE_UP, ONSHI_LOG_INFO,
				     "watching reader '%s'", name);
			rv = watch_reader(r, ctx, name);
			pthread_mutex_lock(&r->lock);
			r->reader[0] = '\0';
			pthread_mutex_unlock(&r->lock);
			if (rv == (LONG)SCARD_E_CANCELLED && stopping(r))
				break;
			device_event(r, DEVICE_LOST, ONSHI_LOG_WARNING,
				     "reader '%s' lost: %s", name,
				     pcsc_stringify_error(rv));
			if (rv == (LONG)SCARD_E_NO_SERVICE ||
			    rv == (LONG)SCARD_E_SERVICE_STOPPED ||
			    rv == (LONG)SCARD_E_INVALID_HANDLE)
				break;
			nap(r, RETRY_MS);
		}
		pthread_mutex_lock(&r->lock);
		r->ctx_valid = 0;
		pthread_mutex_unlock(&r->lock);
		SCardReleaseContext(ctx);
		last_rv = SCARD_S_SUCCESS;
		if (!stopping(r))
			nap(r, RETRY_MS);
	}
	return NULL;
}

/* ---- entry points ------------------------------------------------------- */

static int parse_consent(const char *s, int out[ONSHI_CONSENT_KINDS])
{
	for (int i = 0; i < ONSHI_CONSENT_KINDS; i++) {
		if (*s < '0' || *s > '3')
			return -1;
		out[i] = *s++ - '0';
		if (i < ONSHI_CONSENT_KINDS - 1 && *s++ != ',')
			return -1;
	}
	return *s ? -1 : 0;
}

static void pcsc_destroy(void *state)
{
	struct pcsc *r = state;

	if (!r)
		return;
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->cond);
	free(r->reader_want);
	free(r->pin_path);
	free(r->pin_prompt);
	free(r);
}

static int pcsc_create(const struct onshi_host *host,
		       struct onshi_instance *inst, void **state_out)
{
	const char *src = host->conf_str(inst, "pin_source");
	const char *reader = host->conf_str(inst, "reader");
	const char *consent = host->conf_str(inst, "consent");
	const char *path;
	struct pcsc *r;
	int tty = 0;

	*state_out = NULL;
	if (!ONSHI_HOST_HAS(host, card_submit) || !host->challenge ||
	    !host->card_submit) {
		host->log(inst, ONSHI_LOG_ERR,
			  "this onshid cannot take card reads (no challenge/card_submit service, ABI %u.%u): the pcsc plugin needs the core's card pipeline",
			  host->abi_major, host->abi_minor);
		return ONSHI_EABI;
	}
	if (src && strncmp(src, "prompt:", 7) == 0) {
		tty = 1;
		path = src + 7;
	} else if (src && strncmp(src, "file:", 5) == 0) {
		path = src + 5;
	} else {
		host->log(inst, ONSHI_LOG_ERR,
			  "pin_source '%s': expected prompt:/dev/TTY or file:/ABSOLUTE/PATH",
			  src ? src : "(unset)");
		return ONSHI_EINVAL;
	}
	if (path[0] != '/') {
		host->log(inst, ONSHI_LOG_ERR,
			  "pin_source '%s': the path must be absolute", src);
		return ONSHI_EINVAL;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return ONSHI_ENOMEM;
	r->host = host;
	r->inst = inst;
	r->timeout_ms = host->conf_int(inst, "read_timeout_ms");
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	r->pin_path = strdup(path);
	r->pin_tty = tty;
	r->pin_prompt = strdup(host->conf_str(inst, "pin_prompt"));
	if (reader && *reader)
		r->reader_want = strdup(reader);
	if (!r->pin_path || !r->pin_prompt || (reader && *reader && !r->reader_want)) {
		pcsc_destroy(r);
		return ONSHI_ENOMEM;
	}
	if (parse_consent(consent ? consent : "0,0,0,0", r->consent) < 0) {
		host->log(inst, ONSHI_LOG_ERR,
			  "consent = %s: expected four flags 0-3 separated by commas, e.g. 1,1,0,0",
			  consent);
		pcsc_destroy(r);
		return ONSHI_EINVAL;
	}
	snprintf(r->last, sizeof(r->last), "not started");
	*state_out = r;
	return ONSHI_OK;
}

static int pcsc_start(void *state)
{
	struct pcsc *r = state;
	int err;

	r->stopping = 0;
	err = pthread_create(&r->thread, NULL, pcsc_thread, r);
	if (err) {
		r->host->log(r->inst, ONSHI_LOG_ERR,
			     "cannot start the PC/SC thread: %s", strerror(err));
		return ONSHI_EIO;
	}
	r->thread_started = 1;
	r->host->set_event(r->inst, "started: looking for a PC/SC reader");
	return ONSHI_OK;
}

static void pcsc_stop(void *state)
{
	struct pcsc *r = state;

	pthread_mutex_lock(&r->lock);
	r->stopping = 1;
	if (r->ctx_valid)
		SCardCancel(r->ctx); /* ends a SCardGetStatusChange now */
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
	if (r->thread_started) {
		pthread_join(r->thread, NULL);
		r->thread_started = 0;
	}
	/* posts the daemon will no longer run are ours to free */
	while (r->posts) {
		struct pcsc_post *p = r->posts;

		post_unlink(p);
		post_free(p);
	}
}

static void pcsc_status(void *state, char *buf, size_t len)
{
	struct pcsc *r = state;

	pthread_mutex_lock(&r->lock);
	snprintf(buf, len, "reader '%s', %lu read%s submitted; last: %s",
		 r->reader[0] ? r->reader : "(none)", r->submitted,
		 r->submitted == 1 ? "" : "s", r->last);
	pthread_mutex_unlock(&r->lock);
}

static const struct onshi_plugin_ops pcsc_ops = {
	.create = pcsc_create,
	.start = pcsc_start,
	.stop = pcsc_stop,
	.destroy = pcsc_destroy,
	.status = pcsc_status,
};

ONSHI_PLUGIN_EXPORT const struct onshi_plugin onshi_plugin_v1 = {
	ONSHI_PLUGIN_HEADER,
	.kind = ONSHI_KIND_READER,
	.name = "pcsc",
	.version = "1.0.0",
	.vendor = "onshi project",
	.description = "PC/SC reader with a My Number Card, PIN mode (JPKI)",
	.config = pcsc_keys,
	.ops_size = sizeof(pcsc_ops),
	.ops = &pcsc_ops,
};
