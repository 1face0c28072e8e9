/* SPDX-License-Identifier: Apache-2.0 */
/*
 * acme-emu — a software Acme reader for testing the acme plugin without
 * hardware: it plays the device end of the link with the plugin's own codec
 * (acme_link.c) and the installed skeleton's helpers.
 *
 *   acme-emu --device-cert CRT --device-key KEY --card-cert CRT
 *            --control FIFO --ready-file FILE [--port N]
 *
 * It listens on 127.0.0.1 (port N, or one it picks, written to FILE once it
 * listens) for one host at a time, and takes control lines from FIFO:
 *
 *   place [face|visual OPERATOR]   a card on the reader: CARD
 *   remove                         REMOVED
 *   error CODE TEXT                ERROR
 *   garbage                        a line that is no Acme message
 *   drop                           close the host's connection
 *
 * It answers NONCE by signing "onshi-face-v1\n<nonce>\n<sha256 hex of the
 * card certificate>\n" with the device key (ECDSA SHA-256), as a real
 * reader's secure element does, and logs what the host sent on stderr.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <onshi/message.h>

#include "acme_link.h"

struct emu {
	int lfd, cfd, ctl;
	void *codec;
	struct fr_buf ctl_in;
	EVP_PKEY *key;
	unsigned char *dev_cert, *card;
	size_t dev_cert_len, card_len;
};

static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("acme-emu: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* A PEM certificate file as DER. */
static int load_cert(const char *path, unsigned char **der, size_t *len)
{
	FILE *f = fopen(path, "r");
	X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
	int n;

	if (f != NULL)
		fclose(f);
	*der = NULL;
	n = x ? i2d_X509(x, der) : -1; /* OpenSSL allocates *der */
	X509_free(x);
	if (n <= 0)
		return -1;
	*len = (size_t)n;
	return 0;
}

static int sign(struct emu *e, const char *nonce, unsigned char **sig, size_t *siglen)
{
	unsigned char md[32];
	char hex[65], *text = NULL;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int i, ok = 0;

	*sig = NULL;
	if (ctx == NULL ||
	    !EVP_Digest(e->card, e->card_len, md, NULL, EVP_sha256(), NULL))
		goto out;
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	if (asprintf(&text, "onshi-face-v1\n%s\n%s\n", nonce, hex) < 0) {
		text = NULL;
		goto out;
	}
	ok = EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, e->key) == 1 &&
	     EVP_DigestSign(ctx, NULL, siglen, (unsigned char *)text,
			    strlen(text)) == 1 &&
	     (*sig = malloc(*siglen)) != NULL &&
	     EVP_DigestSign(ctx, *sig, siglen, (unsigned char *)text,
			    strlen(text)) == 1;
out:
	EVP_MD_CTX_free(ctx);
	free(text);
	if (!ok) {
		free(*sig);
		*sig = NULL;
	}
	return ok ? 0 : -1;
}

static void put(struct emu *e, const void *p, size_t n)
{
	const unsigned char *b = p;

	while (e->cfd >= 0 && n > 0) {
		ssize_t w = write(e->cfd, b, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			say("write: %s: host gone", strerror(errno));
			close(e->cfd);
			e->cfd = -1;
			return;
		}
		b += w;
		n -= (size_t)w;
	}
}

static void send_msg(struct emu *e, const struct fr_msg *m)
{
	struct fr_buf b = { 0 };

	if (e->cfd < 0)
		say("no host connected: %s dropped", fr_msg_type_name(m->type));
	else if (acme_link.encode(e->codec, m, &b) < 0)
		say("cannot encode %s", fr_msg_type_name(m->type));
	else
		put(e, b.data, b.len);
	fr_buf_free(&b);
}

/* What the host sent. */
static void on_msg(void *arg, struct fr_msg *m)
{
	struct emu *e = arg;
	struct fr_msg a;

	if (m->type == FR_MSG_ATTEST_REQUEST) {
		say("NONCE %s", m->nonce);
		fr_msg_init(&a, FR_MSG_ATTEST);
		if (sign(e, m->nonce, &a.sig, &a.sig_len) < 0) {
			say("cannot sign the nonce");
		} else {
			a.cert = e->dev_cert; /* borrowed */
			a.cert_len = e->dev_cert_len;
			send_msg(e, &a);
			a.cert = NULL;
		}
		fr_msg_clear(&a);
	} else if (m->type == FR_MSG_RESULT) {
		say("RESULT code=%d %s", m->code, m->text);
	} else {
		say("unexpected %s from the host", fr_msg_type_name(m->type));
	}
	fr_msg_clear(m);
}

static void on_problem(void *arg, const char *what)
{
	(void)arg;
	say("bad line from the host: %s", what);
}

static void control(struct emu *e, char *l)
{
	struct fr_msg m;
	char op[FR_OPERATOR_MAX + 1];
	int code, k, visual = sscanf(l, "place visual %32s", op) == 1;

	if (visual || strcmp(l, "place") == 0 || strcmp(l, "place face") == 0) {
		fr_msg_init(&m, FR_MSG_CARD_PLACED);
		m.token = ONSHI_TOKEN_CARD;
		m.method = visual ? ONSHI_AUTH_VISUAL : ONSHI_AUTH_FACE;
		if (visual)
			snprintf(m.operator_id, sizeof(m.operator_id), "%s", op);
		for (k = 0; k < 4; k++) /* consents as a clinic asks them */
			m.consent[k] = k < 2 ? ONSHI_CONSENT_YES : ONSHI_CONSENT_NO;
		m.cert = e->card; /* borrowed */
		m.cert_len = e->card_len;
		send_msg(e, &m);
	} else if (strcmp(l, "remove") == 0) {
		fr_msg_init(&m, FR_MSG_CARD_REMOVED);
		send_msg(e, &m);
	} else if (sscanf(l, "error %d %n", &code, &k) == 1) {
		fr_msg_init(&m, FR_MSG_DEVICE_ERROR);
		m.code = code;
		fr_copy_text(m.text, sizeof(m.text), l + k, strlen(l + k));
		send_msg(e, &m);
	} else if (strcmp(l, "garbage") == 0) {
		put(e, "HELLO? this is no acme line\n", 28);
	} else if (strcmp(l, "drop") == 0 && e->cfd >= 0) {
		say("dropping the link");
		close(e->cfd);
		e->cfd = -1;
	} else {
		say("unknown control line '%s'", l);
	}
}

static void read_control(struct emu *e)
{
	char buf[512], *nl;
	ssize_t n = read(e->ctl, buf, sizeof(buf));

	if (n <= 0 || fr_buf_append(&e->ctl_in, buf, (size_t)n) < 0)
		return;
	while ((nl = memchr(e->ctl_in.data, '\n', e->ctl_in.len)) != NULL) {
		*nl = '\0';
		control(e, (char *)e->ctl_in.data);
		fr_buf_consume(&e->ctl_in, (size_t)(nl - (char *)e->ctl_in.data) + 1);
	}
}

static int listen_on(int port, const char *ready_file)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
	char tmp[4096];
	FILE *f;

	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 4) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
		say("listen on 127.0.0.1:%d: %s", port, strerror(errno));
		return -1;
	}
	/* The port appears all at once: written aside, then renamed. */
	snprintf(tmp, sizeof(tmp), "%s.tmp", ready_file);
	f = fopen(tmp, "w");
	if (f == NULL || fprintf(f, "%d\n", ntohs(sa.sin_port)) < 0 ||
	    fclose(f) != 0 || rename(tmp, ready_file) < 0) {
		say("cannot write %s", ready_file);
		return -1;
	}
	say("listening on 127.0.0.1:%d", ntohs(sa.sin_port));
	return fd;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device-cert", required_argument, NULL, 'c' },
		{ "device-key", required_argument, NULL, 'k' },
		{ "card-cert", required_argument, NULL, 'C' },
		{ "control", required_argument, NULL, 'f' },
		{ "ready-file", required_argument, NULL, 'r' },
		{ "port", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dev = NULL, *key = NULL, *card = NULL, *fifo = NULL,
		   *ready = NULL;
	struct emu e = { .lfd = -1, .cfd = -1, .ctl = -1 };
	struct fr_sink sink = { on_msg, on_problem, &e };
	FILE *kf;
	int o, port = 0;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'c': dev = optarg; break;
		case 'k': key = optarg; break;
		case 'C': card = optarg; break;
		case 'f': fifo = optarg; break;
		case 'r': ready = optarg; break;
		case 'p': port = atoi(optarg); break;
		default: return 2;
		}
	}
	if (!dev || !key || !card || !fifo || !ready) {
		fprintf(stderr, "usage: acme-emu --device-cert CRT --device-key KEY "
				"--card-cert CRT --control FIFO --ready-file FILE "
				"[--port N]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	kf = fopen(key, "r");
	e.key = kf ? PEM_read_PrivateKey(kf, NULL, NULL, NULL) : NULL;
	if (kf != NULL)
		fclose(kf);
	if (e.key == NULL || load_cert(dev, &e.dev_cert, &e.dev_cert_len) < 0 ||
	    load_cert(card, &e.card, &e.card_len) < 0) {
		say("cannot read the device key or the certificates");
		return 1;
	}
	/* O_RDWR: the FIFO never reads as closed between writers. */
	if ((mkfifo(fifo, 0600) < 0 && errno != EEXIST) ||
	    (e.ctl = open(fifo, O_RDWR | O_CLOEXEC)) < 0) {
		say("control FIFO %s: %s", fifo, strerror(errno));
		return 1;
	}
	e.codec = acme_link.codec_new();
	if (e.codec == NULL || (e.lfd = listen_on(port, ready)) < 0)
		return 1;
	for (;;) {
		struct pollfd pf[3] = { { e.lfd, POLLIN, 0 },
					{ e.ctl, POLLIN, 0 },
					{ e.cfd, POLLIN, 0 } };
		unsigned char buf[4096];
		ssize_t n;

		if (poll(pf, e.cfd >= 0 ? 3 : 2, -1) < 0 && errno != EINTR)
			return 1;
		if (pf[0].revents & POLLIN) {
			int fd = accept4(e.lfd, NULL, NULL, SOCK_CLOEXEC);

			if (fd >= 0) {
				if (e.cfd >= 0)
					close(e.cfd); /* the host came back */
				e.cfd = fd;
				acme_link.codec_reset(e.codec);
				say("host connected");
			}
		}
		if (pf[1].revents & POLLIN)
			read_control(&e);
		if (e.cfd >= 0 && pf[2].fd == e.cfd && pf[2].revents) {
			n = read(e.cfd, buf, sizeof(buf));
			if (n > 0) {
				acme_link.feed(e.codec, buf, (size_t)n, &sink);
			} else if (n == 0 || errno != EINTR) {
				say("host closed the link");
				close(e.cfd);
				e.cfd = -1;
			}
		}
	}
}
