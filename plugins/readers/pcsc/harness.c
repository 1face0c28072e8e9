/* SPDX-License-Identifier: Apache-2.0 */
/*
 * harness.c — pcsc-harness: the pcsc plugin's source linked with a mock
 * host (collectd style), for tests/integration/pcsc.test.
 *
 * It runs the plugin against a real pcscd without onshid: a small loop
 * runs posted callbacks, challenge() hands out a fresh random nonce, and
 * card_submit() checks what the plugin sends — the PIN-mode signature over
 * the nonce verified with the certificate's key, the certificate against
 * the JPKI CA when --ca is given — and prints one line per read:
 *
 *   SUBMIT id=pcsc-... token=card method=pin consent=1,1,0,0 sig=ok chain=ok
 *
 * Events print as "EVENT <text>" followed by "STATUS <status op line>".
 * Options: -o key=value (plugin config), --ca FILE, --no-challenge (the
 * national service refuses), --reads N (exit 0 after N submits). SIGTERM
 * stops the plugin (stop, join, destroy) and exits 0.
 */
#include "config.h"

#include <errno.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <onshi/host.h>
#include <onshi/message.h>
#include <onshi/plugin.h>

extern const struct onshi_plugin onshi_plugin_v1;

#define MAX_OPTS 16

struct posted {
	onshi_post_cb cb;
	void *arg;
	struct posted *next;
};

static struct {
	const char *keys[MAX_OPTS];
	const char *values[MAX_OPTS];
	int nopts;
	const char *ca;
	int no_challenge;
	long reads_wanted;
	long reads;
	pthread_mutex_t lock;
	struct posted *head, **tail;
	int wake[2];
	void *state;
	onshi_challenge_cb chal_cb;
	void *chal_arg;
} h = { .lock = PTHREAD_MUTEX_INITIALIZER };

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void out(const char *fmt, ...) ONSHI_PRINTF(1, 2);
static void out(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void host_log(struct onshi_instance *inst, int level, const char *fmt, ...)
{
	va_list ap;

	(void)inst;
	printf("LOG %d ", level);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static const char *host_conf_str(struct onshi_instance *inst, const char *key)
{
	(void)inst;
	/* The last -o for a key wins, as later keys do in onshid.ini. */
	for (int i = h.nopts - 1; i >= 0; i--)
		if (strcmp(h.keys[i], key) == 0)
			return h.values[i];
	for (const struct onshi_conf_key *k = onshi_plugin_v1.config; k->name; k++)
		if (strcmp(k->name, key) == 0)
			return k->default_value;
	return NULL;
}

static long host_conf_int(struct onshi_instance *inst, const char *key)
{
	const char *v = host_conf_str(inst, key);

	return v ? strtol(v, NULL, 10) : 0;
}

static int host_post(struct onshi_instance *inst, onshi_post_cb cb, void *arg)
{
	struct posted *p = malloc(sizeof(*p));

	(void)inst;
	if (!p)
		return ONSHI_ENOMEM;
	p->cb = cb;
	p->arg = arg;
	p->next = NULL;
	pthread_mutex_lock(&h.lock);
	*h.tail = p;
	h.tail = &p->next;
	pthread_mutex_unlock(&h.lock);
	if (write(h.wake[1], "x", 1) < 0)
		return ONSHI_EIO;
	return ONSHI_OK;
}

static void host_set_event(struct onshi_instance *inst, const char *fmt, ...)
{
	char status[512];
	va_list ap;

	(void)inst;
	printf("EVENT ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (h.state) {
		onshi_plugin_v1.ops->status(h.state, status, sizeof(status));
		printf("STATUS %s\n", status);
	}
	fflush(stdout);
}

static int host_challenge(struct onshi_instance *inst, onshi_challenge_cb cb,
			  void *arg)
{
	(void)inst;
	/* answered on a later loop turn, as a network round trip would be */
	h.chal_cb = cb;
	h.chal_arg = arg;
	if (write(h.wake[1], "c", 1) < 0)
		return ONSHI_EIO;
	return ONSHI_OK;
}

static void answer_challenge(void)
{
	unsigned char raw[16];
	char nonce[33];
	onshi_challenge_cb cb = h.chal_cb;

	h.chal_cb = NULL;
	if (!cb)
		return;
	if (h.no_challenge) {
		cb(h.chal_arg, NULL, "national service unreachable (test)");
		return;
	}
	RAND_bytes(raw, sizeof(raw));
	for (int i = 0; i < 16; i++)
		snprintf(nonce + 2 * i, 3, "%02x", raw[i]);
	out("CHALLENGE %s", nonce);
	cb(h.chal_arg, nonce, NULL);
}

static int chain_ok(X509 *x)
{
	X509_STORE *st = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	int ok = st && ctx && X509_STORE_load_file(st, h.ca) == 1 &&
		 X509_STORE_CTX_init(ctx, st, x, NULL) == 1 &&
		 X509_verify_cert(ctx) == 1;

	X509_STORE_CTX_free(ctx);
	X509_STORE_free(st);
	return ok;
}

static int host_card_submit(struct onshi_instance *inst,
			    const struct onshi_card_read *rd, char *msg, size_t msglen)
{
	const unsigned char *p = rd->cert_der;
	X509 *x = d2i_X509(NULL, &p, (long)rd->cert_len);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int sig_ok = 0;

	(void)inst;
	if (x && md &&
	    EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL,
				 X509_get0_pubkey(x)) == 1)
		sig_ok = EVP_DigestVerify(md, rd->signature, rd->signature_len,
					  (const unsigned char *)rd->nonce,
					  strlen(rd->nonce)) == 1;
	out("SUBMIT id=%s token=%s method=%s consent=%d,%d,%d,%d sig=%s chain=%s nonce=%s",
	    rd->read_id,
	    rd->token_type == ONSHI_TOKEN_CARD         ? "card"
	    : rd->token_type == ONSHI_TOKEN_SMARTPHONE ? "smartphone"
						       : "?",
	    rd->method == ONSHI_AUTH_PIN ? "pin" : "?", rd->consent[0],
	    rd->consent[1], rd->consent[2], rd->consent[3], sig_ok ? "ok" : "BAD",
	    !h.ca              ? "unchecked"
	    : x && chain_ok(x) ? "ok"
			       : "BAD",
	    rd->nonce);
	EVP_MD_CTX_free(md);
	X509_free(x);
	h.reads++;
	if (!sig_ok) {
		snprintf(msg, msglen, "signature does not verify");
		return ONSHI_ECRYPTO;
	}
	return ONSHI_OK;
}

static const struct onshi_host host = {
	.size = sizeof(struct onshi_host),
	.abi_major = ONSHI_ABI_MAJOR,
	.abi_minor = ONSHI_ABI_MINOR,
	.log = host_log,
	.conf_str = host_conf_str,
	.conf_int = host_conf_int,
	.post = host_post,
	.set_event = host_set_event,
	.challenge = host_challenge,
	.card_submit = host_card_submit,
};

static void run_posts(void)
{
	for (;;) {
		struct posted *p;

		pthread_mutex_lock(&h.lock);
		p = h.head;
		if (p) {
			h.head = p->next;
			if (!h.head)
				h.tail = &h.head;
		}
		pthread_mutex_unlock(&h.lock);
		if (!p)
			return;
		p->cb(p->arg);
		free(p);
	}
}

/* Posts left when the plugin stopped are dropped, as the daemon does. */
static void drop_posts(void)
{
	while (h.head) {
		struct posted *p = h.head;

		h.head = p->next;
		free(p);
	}
	h.tail = &h.head;
}

int main(int argc, char **argv)
{
	const struct onshi_plugin_ops *ops = onshi_plugin_v1.ops;
	struct sigaction sa = { .sa_handler = on_signal };
	int rc;

	h.tail = &h.head;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-o") == 0 && i + 1 < argc &&
		    h.nopts < MAX_OPTS && strchr(argv[i + 1], '=')) {
			char *eq = strchr(argv[++i], '=');

			*eq = '\0';
			h.keys[h.nopts] = argv[i];
			h.values[h.nopts++] = eq + 1;
		} else if (strcmp(argv[i], "--ca") == 0 && i + 1 < argc) {
			h.ca = argv[++i];
		} else if (strcmp(argv[i], "--reads") == 0 && i + 1 < argc) {
			h.reads_wanted = strtol(argv[++i], NULL, 10);
		} else if (strcmp(argv[i], "--no-challenge") == 0) {
			h.no_challenge = 1;
		} else {
			fprintf(stderr,
				"usage: pcsc-harness [-o key=value]... [--ca FILE] [--reads N] [--no-challenge]\n");
			return 2;
		}
	}
	if (pipe(h.wake) < 0)
		return 1;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	rc = ops->create(&host, NULL, &h.state);
	if (rc != ONSHI_OK) {
		out("CREATE failed: %s", onshi_strerror(rc));
		return 1;
	}
	if (ops->start(h.state) != ONSHI_OK) {
		ops->destroy(h.state);
		return 1;
	}
	while (!stop_requested && (h.reads_wanted == 0 || h.reads < h.reads_wanted)) {
		struct pollfd pf = { .fd = h.wake[0], .events = POLLIN };
		char buf[64];

		if (poll(&pf, 1, 200) > 0 &&
		    read(h.wake[0], buf, sizeof(buf)) < 0 && errno != EINTR)
			break;
		run_posts();
		answer_challenge();
	}
	ops->stop(h.state);
	drop_posts();
	ops->destroy(h.state);
	h.state = NULL;
	out("STOPPED after %ld read%s", h.reads, h.reads == 1 ? "" : "s");
	close(h.wake[0]);
	close(h.wake[1]);
	return 0;
}
