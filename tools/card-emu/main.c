/* SPDX-License-Identifier: Apache-2.0 */
/*
 * main.c — onshi-card-emu: a virtual My Number Card on pcscd's vpcd driver.
 *
 * vpcd (vsmartcard) is a pcsc-lite reader driver that listens on TCP; the
 * virtual card connects to it. Frames both ways are a 2-byte big-endian
 * length and a payload: a 1-byte payload is a control code (00 power off,
 * 01 power on, 02 reset, 04 get ATR — answered with the framed ATR), a
 * longer one a command APDU, answered with the response APDU. The card
 * itself is jpki_card.c. While connected the card is "in the reader"; when the
 * link drops (pcscd restarted) we reconnect every second. SIGUSR1 takes the
 * card out and puts it back a second later, keeping its PIN counters (what
 * a patient retrying does). SIGTERM/SIGINT end the program cleanly; the link
 * is polled so a signal is seen within 200 ms.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "jpki_card.h"

#define PROG "onshi-card-emu"
#define POLL_MS 200
#define RECONNECT_MS 1000
/* pcscd polls a present card's ATR every 400 ms; a link silent for longer
 * than this is one vpcd never took up (seen right after a card change) */
#define IDLE_MS 3000

static const unsigned char atr[] = {
	0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14,
};

/* Set by the signal handlers, read by the loops. */
static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t reinsert_requested; /* SIGUSR1 */

struct options {
	char *host;
	char *port;
	const char *cert, *key, *ca;
	const char *sign_cert, *sign_key, *sign_ca;
	const char *pin, *sign_pin, *token;
	int verbose, quiet;
};

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		reinsert_requested = 1;
	else
		stop_requested = 1;
}

static void say(const struct options *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void say(const struct options *o, const char *fmt, ...)
{
	va_list ap;

	if (o->quiet)
		return;
	va_start(ap, fmt);
	fputs(PROG ": ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static void usage(FILE *f)
{
	fputs("usage: " PROG " --vpcd HOST:PORT --cert FILE --key FILE [options]\n"
	      "  --vpcd HOST:PORT     pcscd's vpcd driver (PORT decimal or 0x hex)\n"
	      "  --cert FILE          user-authentication certificate (EF 000A)\n"
	      "  --key FILE           its RSA key (EF 0017)\n"
	      "  --ca FILE            auth CA certificate (EF 000B)\n"
	      "  --pin NNNN           auth PIN, 4 digits (default 1234)\n"
	      "  --token card|android|iphone  token info of EF 0006 (default card)\n"
	      "  --sign-cert FILE     signing certificate (EF 0001)\n"
	      "  --sign-key FILE      its RSA key (EF 001A)\n"
	      "  --sign-ca FILE       signing CA certificate (EF 0002)\n"
	      "  --sign-pin PIN       signing PIN, 6-16 characters (default ABC123)\n"
	      "  -v, --verbose        log every APDU\n"
	      "  -q, --quiet          print only errors\n",
	      f);
}

/* Certificate file (PEM or DER) → DER bytes in f; 0 or -1 (reported). */
static int load_cert(const char *path, struct card_file *f)
{
	FILE *fp = fopen(path, "rb");
	X509 *x;
	unsigned char *der = NULL;
	int n;

	if (!fp) {
		fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
		return -1;
	}
	x = PEM_read_X509(fp, NULL, NULL, NULL);
	if (!x) {
		rewind(fp);
		x = d2i_X509_fp(fp, NULL);
	}
	fclose(fp);
	if (!x) {
		fprintf(stderr, PROG ": %s: not a PEM or DER certificate\n", path);
		return -1;
	}
	n = i2d_X509(x, &der);
	X509_free(x);
	if (n <= 0)
		return -1;
	/* copy into malloc'd memory: card_free() uses free() */
	f->data = malloc((size_t)n);
	if (!f->data) {
		OPENSSL_free(der);
		return -1;
	}
	memcpy(f->data, der, (size_t)n);
	f->len = (size_t)n;
	OPENSSL_free(der);
	return 0;
}

/* An RSA key that matches the certificate in cert; NULL (reported). */
static EVP_PKEY *load_key(const char *path, const struct card_file *cert)
{
	FILE *fp = fopen(path, "rb");
	EVP_PKEY *k;
	const unsigned char *p = cert->data;
	X509 *x;
	int match;

	if (!fp) {
		fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
		return NULL;
	}
	k = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
	fclose(fp);
	if (!k || EVP_PKEY_get_base_id(k) != EVP_PKEY_RSA) {
		fprintf(stderr, PROG ": %s: not an unencrypted PEM RSA key\n", path);
		EVP_PKEY_free(k);
		return NULL;
	}
	x = d2i_X509(NULL, &p, (long)cert->len);
	match = x && X509_check_private_key(x, k) == 1;
	X509_free(x);
	if (!match) {
		fprintf(stderr, PROG ": %s does not match its certificate\n", path);
		EVP_PKEY_free(k);
		return NULL;
	}
	return k;
}

static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "vpcd", required_argument, NULL, 'V' },
		{ "cert", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "ca", required_argument, NULL, 'C' },
		{ "pin", required_argument, NULL, 'p' },
		{ "token", required_argument, NULL, 't' },
		{ "sign-cert", required_argument, NULL, 's' },
		{ "sign-key", required_argument, NULL, 'K' },
		{ "sign-ca", required_argument, NULL, 'S' },
		{ "sign-pin", required_argument, NULL, 'P' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *vpcd = NULL;
	char *colon;
	int ch;

	o->pin = "1234";
	o->sign_pin = "ABC123";
	o->token = "card";
	while ((ch = getopt_long(argc, argv, "vqh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'V': vpcd = optarg; break;
		case 'c': o->cert = optarg; break;
		case 'k': o->key = optarg; break;
		case 'C': o->ca = optarg; break;
		case 'p': o->pin = optarg; break;
		case 't': o->token = optarg; break;
		case 's': o->sign_cert = optarg; break;
		case 'K': o->sign_key = optarg; break;
		case 'S': o->sign_ca = optarg; break;
		case 'P': o->sign_pin = optarg; break;
		case 'v': o->verbose = 1; break;
		case 'q': o->quiet = 1; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
	}
	if (optind != argc || !vpcd || !o->cert || !o->key) {
		fputs(PROG ": --vpcd, --cert and --key are required\n", stderr);
		usage(stderr);
		return -1;
	}
	if (!o->sign_cert != !o->sign_key) {
		fputs(PROG ": --sign-cert and --sign-key go together\n", stderr);
		return -1;
	}
	o->host = strdup(vpcd);
	if (!o->host)
		return -1;
	colon = strrchr(o->host, ':');
	if (!colon || colon == o->host || !colon[1]) {
		fprintf(stderr, PROG ": --vpcd %s: expected HOST:PORT\n", vpcd);
		return -1;
	}
	*colon = '\0';
	o->port = colon + 1;
	return 0;
}

static const char *token_string(const char *name)
{
	if (strcmp(name, "card") == 0)
		return CARD_TOKEN_CARD;
	if (strcmp(name, "android") == 0)
		return CARD_TOKEN_ANDROID;
	if (strcmp(name, "iphone") == 0)
		return CARD_TOKEN_IPHONE;
	return NULL;
}

static int build_card(const struct options *o, struct card *c)
{
	const char *token = token_string(o->token);

	if (!token) {
		fprintf(stderr,
			PROG ": --token %s: expected card, android or iphone\n",
			o->token);
		return -1;
	}
	if (card_init(c, token, o->pin, o->sign_pin) < 0) {
		fputs(PROG ": --pin must be 4 digits and --sign-pin 6 to 16 characters\n",
		      stderr);
		return -1;
	}
	if (load_cert(o->cert, &c->auth_cert) < 0 ||
	    !(c->auth_key = load_key(o->key, &c->auth_cert)))
		return -1;
	if (o->ca && load_cert(o->ca, &c->auth_ca) < 0)
		return -1;
	if (o->sign_cert && (load_cert(o->sign_cert, &c->sign_cert) < 0 ||
			     !(c->sign_key = load_key(o->sign_key, &c->sign_cert))))
		return -1;
	if (o->sign_ca && load_cert(o->sign_ca, &c->sign_ca) < 0)
		return -1;
	return 0;
}

/* Sleep up to ms, returning early when a stop was requested. */
static void nap(int ms)
{
	for (; ms > 0 && !stop_requested; ms -= POLL_MS)
		poll(NULL, 0, ms < POLL_MS ? ms : POLL_MS);
}

static int vpcd_connect(const struct options *o)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	unsigned long port;
	char *end, portstr[16];
	int fd = -1, one = 1;

	/* vpcd ports are written in hex in reader.conf: accept both */
	port = strtoul(o->port, &end, 0);
	if (*end || port == 0 || port > 65535)
		return -1;
	snprintf(portstr, sizeof(portstr), "%lu", port);
	if (getaddrinfo(o->host, portstr, &hints, &res) != 0)
		return -1;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
			    ai->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd >= 0)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

/*
 * Read exactly n bytes, polling so a stop request is noticed. 1: done;
 * 0: the link closed or a stop was requested; -1: error; -2: nothing
 * arrived for idle_ms (0: wait for ever).
 */
static int read_full(int fd, unsigned char *buf, size_t n, int idle_ms)
{
	size_t got = 0;
	int idle = 0;

	while (got < n) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t r;
		int pr = poll(&p, 1, POLL_MS);

		if (stop_requested || reinsert_requested)
			return 0;
		if (pr < 0 && errno != EINTR)
			return -1;
		if (pr == 0 && idle_ms && (idle += POLL_MS) >= idle_ms)
			return -2;
		if (pr <= 0)
			continue;
		r = read(fd, buf + got, n - got);
		if (r == 0)
			return 0;
		if (r < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -1;
		}
		got += (size_t)r;
	}
	return 1;
}

static int write_frame(int fd, const unsigned char *data, size_t len)
{
	unsigned char hdr[2] = { (unsigned char)(len >> 8), (unsigned char)len };
	size_t off = 0;
	unsigned char *buf = malloc(len + 2);

	if (!buf)
		return -1;
	memcpy(buf, hdr, 2);
	memcpy(buf + 2, data, len);
	while (off < len + 2) {
		ssize_t w = send(fd, buf + off, len + 2 - off, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			free(buf);
			return -1;
		}
		off += (size_t)w;
	}
	free(buf);
	return 0;
}

static void log_hex(const char *what, const unsigned char *b, size_t n)
{
	fprintf(stderr, PROG ": %s", what);
	for (size_t i = 0; i < n && i < 64; i++)
		fprintf(stderr, " %02X", b[i]);
	if (n > 64)
		fprintf(stderr, " ... (%zu bytes)", n);
	fputc('\n', stderr);
}

/* Serve one vpcd connection until it closes or a stop is requested. */
static void serve(const struct options *o, struct card *c, int fd, unsigned char *resp)
{
	unsigned char hdr[2], *payload = malloc(65536);

	if (!payload)
		return;
	for (;;) {
		size_t len, rlen;
		int rc;

		rc = read_full(fd, hdr, 2, IDLE_MS);
		if (rc == -2)
			say(o, "vpcd silent for %d ms: reconnecting", IDLE_MS);
		if (rc != 1)
			break;
		len = (size_t)hdr[0] << 8 | hdr[1];
		if (len == 0)
			continue;
		if (read_full(fd, payload, len, 0) != 1)
			break;
		if (len == 1) {
			switch (payload[0]) {
			case 0x00: /* power off */
			case 0x01: /* power on */
			case 0x02: /* reset */
				card_reset(c);
				if (o->verbose)
					say(o, "control %02X", payload[0]);
				continue;
			case 0x04:
				if (o->verbose)
					say(o, "control 04: ATR");
				if (write_frame(fd, atr, sizeof(atr)) < 0)
					goto out;
				continue;
			default:
				say(o, "unknown vpcd control byte %02X ignored",
				    payload[0]);
				continue;
			}
		}
		rlen = card_apdu(c, payload, len, resp, CARD_RESP_MAX);
		if (o->verbose) {
			log_hex("<<", payload, len);
			log_hex(">>", resp, rlen);
		}
		if (write_frame(fd, resp, rlen) < 0)
			break;
	}
out:
	free(payload);
}

int main(int argc, char **argv)
{
	struct options o = { 0 };
	struct card c;
	struct sigaction sa = { .sa_handler = on_signal };
	unsigned char *resp;
	int warned = 0;

	if (parse_args(argc, argv, &o) < 0) {
		free(o.host);
		return 2;
	}
	if (build_card(&o, &c) < 0) {
		card_free(&c);
		free(o.host);
		return 1;
	}
	resp = malloc(CARD_RESP_MAX);
	if (!resp) {
		card_free(&c);
		free(o.host);
		return 1;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	while (!stop_requested) {
		int fd = vpcd_connect(&o);

		if (fd < 0) {
			if (!warned)
				say(&o, "vpcd at %s:%s not reachable yet: retrying every %d ms",
				    o.host, o.port, RECONNECT_MS);
			warned = 1;
			nap(RECONNECT_MS);
			continue;
		}
		warned = 0;
		say(&o, "card inserted: connected to vpcd at %s:%s", o.host, o.port);
		card_reset(&c);
		serve(&o, &c, fd, resp);
		close(fd);
		if (stop_requested)
			break;
		if (reinsert_requested) {
			/* PIN counters survive: only the link drops */
			say(&o, "card taken out (SIGUSR1): putting it back in %d ms",
			    RECONNECT_MS);
			reinsert_requested = 0;
		} else {
			say(&o, "vpcd closed the link: reconnecting");
		}
		nap(RECONNECT_MS);
	}
	say(&o, "stopped");
	free(resp);
	card_free(&c);
	free(o.host);
	return 0;
}
