/* SPDX-License-Identifier: Apache-2.0 */
/*
 * reader-emu.c — onshi-reader-emu, a software stand-in for the four
 * face-authentication readers (docs/readers/).
 *
 * It plays the device end of one vendor's modeled link, using the very
 * codec the plugin uses: it listens on tcp:HOST:PORT (one host at a time)
 * or offers a pty whose slave name it links at PATH, emits CARD_PLACED /
 * CARD_REMOVED / DEVICE_ERROR when told (control lines on stdin or a FIFO,
 * a script, or a timer), and answers ATTEST_REQUEST by really signing
 * "onshi-face-v1\n<nonce>\n<sha256 hex of the card cert>\n" with the device
 * key (ECDSA SHA-256, docs/national-api.md). It can also inject garbage and
 * broken frames, drop the link, and record both directions of the traffic
 * (SANE sanei_usb style) for the unit tests' fixtures.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <onshi/message.h>

#include "almex_link.h"
#include "canon_link.h"
#include "fujitsu_link.h"
#include "frlink.h"
#include "panasonic_link.h"

struct emu {
	const struct fr_link_ops *link;
	void *codec;
	const char *vendor;
	/* link */
	int listen_fd, client_fd;
	int pty_master, pty_slave;
	const char *pty_link;
	/* control */
	int ctl_fd;
	struct fr_buf ctl_in;
	/* identity */
	EVP_PKEY *key;
	unsigned char *dev_cert;
	size_t dev_cert_len;
	unsigned char *card; /* the card on the reader (or last one) */
	size_t card_len;
	const char *default_card;
	/* behaviour */
	unsigned garbage_pct;
	int mute_attest;
	long place_every;
	uint64_t next_place;
	char **script;
	size_t script_n, script_pos;
	uint64_t script_wait;
	int script_started;
	FILE *rec_dev, *rec_host;
	int quiet;
	unsigned long attests;
};

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void say(const struct emu *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void say(const struct emu *e, const char *fmt, ...)
{
	va_list ap;

	if (e->quiet)
		return;
	fprintf(stderr, "reader-emu[%s]: ", e->vendor);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- files and crypto ---- */

/* A certificate file (PEM or DER) as DER. */
static int load_cert_der(const char *path, unsigned char **der, size_t *len)
{
	FILE *f = fopen(path, "rb");
	X509 *x;
	unsigned char *p = NULL;
	int n;

	if (f == NULL)
		return -1;
	x = PEM_read_X509(f, NULL, NULL, NULL);
	if (x == NULL) {
		rewind(f);
		x = d2i_X509_fp(f, NULL);
	}
	fclose(f);
	if (x == NULL)
		return -1;
	n = i2d_X509(x, &p);
	X509_free(x);
	if (n <= 0)
		return -1;
	*der = malloc((size_t)n);
	if (*der == NULL) {
		OPENSSL_free(p);
		return -1;
	}
	memcpy(*der, p, (size_t)n);
	*len = (size_t)n;
	OPENSSL_free(p);
	return 0;
}

static int sign_attestation(struct emu *e, const char *nonce,
			    unsigned char **sig, size_t *siglen)
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	char hex[65], *text = NULL;
	EVP_MD_CTX *ctx;
	int i, ok = 0;

	if (!EVP_Digest(e->card, e->card_len, md, &mdlen, EVP_sha256(), NULL))
		return -1;
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	if (asprintf(&text, "onshi-face-v1\n%s\n%s\n", nonce, hex) < 0)
		return -1;
	ctx = EVP_MD_CTX_new();
	*sig = NULL;
	if (ctx != NULL &&
	    EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, e->key) == 1 &&
	    EVP_DigestSign(ctx, NULL, siglen, (unsigned char *)text, strlen(text)) == 1 &&
	    (*sig = malloc(*siglen)) != NULL &&
	    EVP_DigestSign(ctx, *sig, siglen, (unsigned char *)text, strlen(text)) == 1)
		ok = 1;
	EVP_MD_CTX_free(ctx);
	free(text);
	if (!ok) {
		free(*sig);
		*sig = NULL;
	}
	return ok ? 0 : -1;
}

/* ---- the link to the host ---- */

static int host_fd(const struct emu *e)
{
	return e->client_fd >= 0 ? e->client_fd : e->pty_master;
}

static void put_raw(struct emu *e, const unsigned char *p, size_t n)
{
	int fd = host_fd(e);
	size_t off = 0;

	if (fd < 0) {
		say(e, "no host connected: %zu bytes dropped", n);
		return;
	}
	if (e->rec_dev != NULL) {
		fwrite(p, 1, n, e->rec_dev);
		fflush(e->rec_dev);
	}
	while (off < n) {
		ssize_t w = write(fd, p + off, n - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			struct pollfd pf = { .fd = fd, .events = POLLOUT };

			poll(&pf, 1, 1000);
			continue;
		}
		if (w <= 0) {
			say(e, "write to host: %s", strerror(errno));
			return;
		}
		off += (size_t)w;
	}
}

static void put_garbage(struct emu *e, size_t n)
{
	unsigned char buf[256];
	size_t i;

	if (n > sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	for (i = 0; i < n; i++)
		buf[i] = (unsigned char)(rand() & 0xff);
	/* Text lines resync at the line end: close the garbage line. */
	if (strcmp(e->vendor, "fujitsu") == 0) {
		for (i = 0; i < n; i++)
			if (buf[i] == '\n')
				buf[i] = '#';
		buf[n++] = '\r';
		buf[n++] = '\n';
	}
	put_raw(e, buf, n);
}

static void send_msg(struct emu *e, const struct fr_msg *m)
{
	struct fr_buf out = { 0 };

	if (e->garbage_pct && (unsigned)(rand() % 100) < e->garbage_pct)
		put_garbage(e, 1 + (size_t)(rand() % 24));
	if (e->link->encode(e->codec, m, &out) < 0) {
		say(e, "cannot encode %s", fr_msg_type_name(m->type));
		fr_buf_free(&out);
		return;
	}
	put_raw(e, out.data, out.len);
	say(e, "sent %s (%zu bytes)", fr_msg_type_name(m->type), out.len);
	fr_buf_free(&out);
}

/* A frame that looks right but fails its check (or its XML). */
static void send_bad_frame(struct emu *e)
{
	struct fr_msg m;
	struct fr_buf out = { 0 };
	size_t i;

	fr_msg_init(&m, FR_MSG_DEVICE_ERROR);
	m.code = 99;
	snprintf(m.text, sizeof(m.text), "ZZZZ");
	if (e->link->encode(e->codec, &m, &out) == 0) {
		for (i = 0; i < out.len; i++)
			if (out.data[i] == 'Z') {
				out.data[i] = '<';
				break;
			}
		put_raw(e, out.data, out.len);
		say(e, "sent a corrupted frame");
	}
	fr_buf_free(&out);
}

static void close_pty(struct emu *e)
{
	if (e->pty_master >= 0)
		close(e->pty_master);
	if (e->pty_slave >= 0)
		close(e->pty_slave);
	e->pty_master = e->pty_slave = -1;
}

static int open_pty(struct emu *e)
{
	struct termios tio;
	const char *name;

	e->pty_master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (e->pty_master < 0 || grantpt(e->pty_master) < 0 ||
	    unlockpt(e->pty_master) < 0 || (name = ptsname(e->pty_master)) == NULL) {
		fprintf(stderr, "reader-emu: cannot make a pty: %s\n",
			strerror(errno));
		return -1;
	}
	/* Our own slave fd keeps the master from seeing hang-ups. */
	e->pty_slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (e->pty_slave < 0 || tcgetattr(e->pty_slave, &tio) < 0) {
		fprintf(stderr, "reader-emu: cannot open %s: %s\n", name,
			strerror(errno));
		return -1;
	}
	cfmakeraw(&tio);
	cfsetispeed(&tio, B115200);
	cfsetospeed(&tio, B115200);
	tcsetattr(e->pty_slave, TCSANOW, &tio);
	fcntl(e->pty_master, F_SETFL, O_NONBLOCK);
	unlink(e->pty_link);
	if (symlink(name, e->pty_link) < 0) {
		fprintf(stderr, "reader-emu: cannot link %s -> %s: %s\n",
			e->pty_link, name, strerror(errno));
		return -1;
	}
	say(e, "pty %s linked at %s", name, e->pty_link);
	e->link->codec_reset(e->codec);
	return 0;
}

static void drop_link(struct emu *e)
{
	if (e->client_fd >= 0) {
		close(e->client_fd);
		e->client_fd = -1;
		say(e, "link dropped");
	} else if (e->pty_master >= 0) {
		close_pty(e);
		say(e, "pty link dropped");
		if (open_pty(e) < 0)
			stop_flag = 1;
	}
	e->link->codec_reset(e->codec);
}

/* ---- device behaviour ---- */

static void on_host_msg(void *arg, struct fr_msg *m)
{
	struct emu *e = arg;
	struct fr_msg a;

	switch (m->type) {
	case FR_MSG_ATTEST_REQUEST:
		say(e, "ATTEST_REQUEST nonce=%s", m->nonce);
		if (e->mute_attest) {
			say(e, "attestation muted: no answer");
			break;
		}
		if (e->card == NULL) {
			fr_msg_init(&a, FR_MSG_DEVICE_ERROR);
			a.code = 10;
			snprintf(a.text, sizeof(a.text), "no card to attest");
			send_msg(e, &a);
			break;
		}
		fr_msg_init(&a, FR_MSG_ATTEST);
		if (sign_attestation(e, m->nonce, &a.sig, &a.sig_len) < 0) {
			say(e, "signing failed");
			break;
		}
		a.cert = e->dev_cert;
		a.cert_len = e->dev_cert_len;
		send_msg(e, &a);
		a.cert = NULL;
		fr_msg_clear(&a);
		e->attests++;
		break;
	case FR_MSG_RESULT:
		say(e, "RESULT code=%d text=%s", m->code, m->text);
		break;
	default:
		say(e, "unexpected %s from the host", fr_msg_type_name(m->type));
	}
	fr_msg_clear(m);
}

static void on_host_problem(void *arg, const char *what)
{
	say(arg, "bad data from the host: %s", what);
}

/* "1,1,0,0" / "-" for absent */
static int parse_consents(const char *v, int *c)
{
	int k;

	for (k = 0; k < 4; k++) {
		if (*v == '-')
			c[k] = -1;
		else if (*v >= '0' && *v <= '3')
			c[k] = *v - '0';
		else
			return -1;
		v++;
		if (k < 3 && *v++ != ',')
			return -1;
	}
	return *v == '\0' ? 0 : -1;
}

static void cmd_place(struct emu *e, char *args)
{
	struct fr_msg m;
	char *tok, *save = NULL;
	const char *path = e->default_card;
	int consents_set = 0;
	static const int def_consent[4] = { 1, 1, 0, 0 };

	fr_msg_init(&m, FR_MSG_CARD_PLACED);
	m.token = ONSHI_TOKEN_CARD;
	m.method = ONSHI_AUTH_FACE;
	for (tok = strtok_r(args, " \t", &save); tok != NULL;
	     tok = strtok_r(NULL, " \t", &save)) {
		if (fr_method_parse(tok) != ONSHI_AUTH_NONE)
			m.method = fr_method_parse(tok);
		else if (strncmp(tok, "consents=", 9) == 0) {
			if (parse_consents(tok + 9, m.consent) < 0) {
				say(e, "bad consents %s", tok + 9);
				return;
			}
			consents_set = 1;
		} else if (strncmp(tok, "operator=", 9) == 0)
			snprintf(m.operator_id, sizeof(m.operator_id), "%s", tok + 9);
		else if (strncmp(tok, "token=", 6) == 0)
			m.token = fr_token_parse(tok + 6);
		else
			path = tok;
	}
	if (!consents_set)
		memcpy(m.consent, def_consent, sizeof(def_consent));
	if (path == NULL) {
		say(e, "place: no card certificate (give a path or "
		       "--card-cert)");
		return;
	}
	free(e->card);
	e->card = NULL;
	if (load_cert_der(path, &e->card, &e->card_len) < 0) {
		say(e, "place: cannot read the certificate %s", path);
		return;
	}
	m.cert = e->card;
	m.cert_len = e->card_len;
	say(e, "card placed: %s (%s)", path, fr_method_word(m.method));
	send_msg(e, &m);
}

static void run_command(struct emu *e, char *line)
{
	char *cmd, *rest;
	struct fr_msg m;

	line[strcspn(line, "\r\n")] = '\0';
	cmd = line + strspn(line, " \t");
	if (*cmd == '\0' || *cmd == '#')
		return;
	rest = cmd + strcspn(cmd, " \t");
	if (*rest)
		*rest++ = '\0';
	rest += strspn(rest, " \t");
	if (strcmp(cmd, "place") == 0) {
		cmd_place(e, rest);
	} else if (strcmp(cmd, "remove") == 0) {
		fr_msg_init(&m, FR_MSG_CARD_REMOVED);
		send_msg(e, &m);
	} else if (strcmp(cmd, "error") == 0) {
		fr_msg_init(&m, FR_MSG_DEVICE_ERROR);
		m.code = atoi(rest);
		rest += strcspn(rest, " \t");
		rest += strspn(rest, " \t");
		fr_copy_text(m.text, sizeof(m.text), rest, strlen(rest));
		send_msg(e, &m);
	} else if (strcmp(cmd, "drop-link") == 0) {
		drop_link(e);
	} else if (strcmp(cmd, "garbage") == 0) {
		put_garbage(e, *rest ? (size_t)atoi(rest) : 32);
		say(e, "sent garbage");
	} else if (strcmp(cmd, "badframe") == 0) {
		send_bad_frame(e);
	} else if (strcmp(cmd, "mute-attest") == 0) {
		e->mute_attest = strcmp(rest, "off") != 0;
		say(e, "attestation %s", e->mute_attest ? "muted" : "on");
	} else if (strcmp(cmd, "quit") == 0) {
		stop_flag = 1;
	} else {
		say(e, "unknown command: %s", cmd);
	}
}

static void run_script(struct emu *e)
{
	uint64_t now = now_ms();

	if (!e->script_started || now < e->script_wait)
		return;
	while (e->script_pos < e->script_n && !stop_flag) {
		char *l = e->script[e->script_pos++];

		if (strncmp(l, "sleep ", 6) == 0) {
			e->script_wait = now + (uint64_t)atol(l + 6);
			return;
		}
		{
			char *copy = strdup(l);

			if (copy == NULL)
				return;
			run_command(e, copy);
			free(copy);
		}
	}
}

static int load_script(struct emu *e, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[1024];

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		char **n = realloc(e->script, (e->script_n + 1) * sizeof(*n));

		if (n == NULL)
			break;
		e->script = n;
		line[strcspn(line, "\r\n")] = '\0';
		e->script[e->script_n] = strdup(line);
		if (e->script[e->script_n] != NULL)
			e->script_n++;
	}
	fclose(f);
	return 0;
}

/* Read control lines from fd; 0 at EOF. */
static int read_control(struct emu *e)
{
	char buf[1024];
	ssize_t n = read(e->ctl_fd, buf, sizeof(buf));
	size_t i, start = 0;

	if (n < 0)
		return errno == EAGAIN || errno == EINTR;
	if (n == 0)
		return 0;
	if (fr_buf_append(&e->ctl_in, buf, (size_t)n) < 0)
		return 1;
	for (i = 0; i < e->ctl_in.len; i++) {
		if (e->ctl_in.data[i] != '\n')
			continue;
		e->ctl_in.data[i] = '\0';
		run_command(e, (char *)e->ctl_in.data + start);
		start = i + 1;
	}
	fr_buf_consume(&e->ctl_in, start);
	if (e->ctl_in.len > 4096)
		e->ctl_in.len = 0;
	return 1;
}

static void read_host(struct emu *e)
{
	unsigned char buf[4096];
	struct fr_sink sink = { on_host_msg, on_host_problem, e };
	int fd = host_fd(e);
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		if (e->client_fd >= 0) {
			say(e, "host disconnected");
			close(e->client_fd);
			e->client_fd = -1;
			e->link->codec_reset(e->codec);
		}
		return;
	}
	if (e->rec_host != NULL) {
		fwrite(buf, 1, (size_t)n, e->rec_host);
		fflush(e->rec_host);
	}
	e->link->feed(e->codec, buf, (size_t)n, &sink);
}

static int listen_tcp(struct emu *e, const char *spec, const char *ready)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV |
					      AI_PASSIVE };
	struct addrinfo *ai = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[64], port[16];
	const char *colon;
	int one = 1;

	if (strncmp(spec, "tcp:", 4) != 0 || (colon = strrchr(spec + 4, ':')) == NULL ||
	    (size_t)(colon - spec - 4) >= sizeof(host)) {
		fprintf(stderr, "reader-emu: --listen wants tcp:HOST:PORT\n");
		return -1;
	}
	memcpy(host, spec + 4, (size_t)(colon - spec - 4));
	host[colon - spec - 4] = '\0';
	snprintf(port, sizeof(port), "%s", colon + 1);
	if (getaddrinfo(host, port, &hints, &ai) != 0) {
		fprintf(stderr, "reader-emu: bad address %s\n", spec);
		return -1;
	}
	e->listen_fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(e->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (e->listen_fd < 0 || bind(e->listen_fd, ai->ai_addr, ai->ai_addrlen) < 0 ||
	    listen(e->listen_fd, 4) < 0) {
		fprintf(stderr, "reader-emu: cannot listen on %s: %s\n", spec,
			strerror(errno));
		freeaddrinfo(ai);
		return -1;
	}
	freeaddrinfo(ai);
	getsockname(e->listen_fd, (struct sockaddr *)&ss, &sl);
	snprintf(port, sizeof(port), "%u",
		 ntohs(ss.ss_family == AF_INET6
			       ? ((struct sockaddr_in6 *)&ss)->sin6_port
			       : ((struct sockaddr_in *)&ss)->sin_port));
	say(e, "listening on %s:%s", host, port);
	if (ready != NULL) {
		FILE *f = fopen(ready, "w");

		if (f != NULL) {
			fprintf(f, "%s\n", port);
			fclose(f);
		}
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: onshi-reader-emu --vendor panasonic|fujitsu|almex|canon\n"
		"         (--listen tcp:HOST:PORT | --pty LINKPATH)\n"
		"         --device-cert FILE --device-key FILE [--card-cert FILE]\n"
		"         [--script FILE | --place-every MS] [--garbage-rate PCT]\n"
		"         [--control FIFO] [--record PREFIX] [--ready-file FILE] [-q]\n"
		"control lines (stdin or FIFO): place [CERT] face|visual|pin\n"
		"  [operator=ID] [token=card|smartphone] [consents=1,1,0,0] | remove |\n"
		"  error CODE TEXT | drop-link | garbage [N] | badframe |\n"
		"  mute-attest on|off | quit;  scripts may also say: sleep MS\n");
}

static const struct fr_link_ops *find_link(const char *v)
{
	if (strcmp(v, "panasonic") == 0)
		return &panasonic_link;
	if (strcmp(v, "fujitsu") == 0)
		return &fujitsu_link;
	if (strcmp(v, "almex") == 0)
		return &almex_link;
	if (strcmp(v, "canon") == 0)
		return &canon_link;
	return NULL;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "vendor", 1, NULL, 'V' },
		{ "listen", 1, NULL, 'l' },
		{ "pty", 1, NULL, 'p' },
		{ "device-cert", 1, NULL, 'c' },
		{ "device-key", 1, NULL, 'k' },
		{ "card-cert", 1, NULL, 'C' },
		{ "script", 1, NULL, 's' },
		{ "place-every", 1, NULL, 'e' },
		{ "garbage-rate", 1, NULL, 'g' },
		{ "control", 1, NULL, 'f' },
		{ "record", 1, NULL, 'r' },
		{ "ready-file", 1, NULL, 'R' },
		{ "quiet", 0, NULL, 'q' },
		{ "help", 0, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct emu e = { .listen_fd = -1,
			 .client_fd = -1,
			 .pty_master = -1,
			 .pty_slave = -1,
			 .ctl_fd = -1 };
	const char *listen_spec = NULL, *cert = NULL, *key = NULL;
	const char *script = NULL, *control = NULL, *record = NULL;
	const char *ready = NULL;
	struct sigaction sa;
	FILE *kf;
	int c, rc = 1;
	size_t i;

	while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		switch (c) {
		case 'V': e.vendor = optarg; break;
		case 'l': listen_spec = optarg; break;
		case 'p': e.pty_link = optarg; break;
		case 'c': cert = optarg; break;
		case 'k': key = optarg; break;
		case 'C': e.default_card = optarg; break;
		case 's': script = optarg; break;
		case 'e': e.place_every = atol(optarg); break;
		case 'g': e.garbage_pct = (unsigned)atoi(optarg); break;
		case 'f': control = optarg; break;
		case 'r': record = optarg; break;
		case 'R': ready = optarg; break;
		case 'q': e.quiet = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (e.vendor == NULL || (e.link = find_link(e.vendor)) == NULL ||
	    (listen_spec == NULL) == (e.pty_link == NULL) || cert == NULL ||
	    key == NULL || e.garbage_pct > 100 || optind != argc) {
		usage(stderr);
		return 2;
	}
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	e.codec = e.link->codec_new();
	if (e.codec == NULL)
		return 1;
	if (load_cert_der(cert, &e.dev_cert, &e.dev_cert_len) < 0) {
		fprintf(stderr,
			"reader-emu: cannot read the device "
			"certificate %s\n",
			cert);
		goto out;
	}
	kf = fopen(key, "r");
	e.key = kf ? PEM_read_PrivateKey(kf, NULL, NULL, NULL) : NULL;
	if (kf)
		fclose(kf);
	if (e.key == NULL) {
		fprintf(stderr, "reader-emu: cannot read the device key %s\n", key);
		goto out;
	}
	if (script != NULL && load_script(&e, script) < 0) {
		fprintf(stderr, "reader-emu: cannot read the script %s\n", script);
		goto out;
	}
	if (record != NULL) {
		char p[4096];

		snprintf(p, sizeof(p), "%s.dev", record);
		e.rec_dev = fopen(p, "wb");
		snprintf(p, sizeof(p), "%s.host", record);
		e.rec_host = fopen(p, "wb");
	}
	if (control != NULL) {
		if (mkfifo(control, 0600) < 0 && errno != EEXIST) {
			fprintf(stderr, "reader-emu: cannot make FIFO %s: %s\n",
				control, strerror(errno));
			goto out;
		}
		/* O_RDWR: writers coming and going never give us EOF. */
		e.ctl_fd = open(control, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	} else {
		e.ctl_fd = STDIN_FILENO;
	}
	if (listen_spec != NULL ? listen_tcp(&e, listen_spec, ready) < 0
				: open_pty(&e) < 0)
		goto out;
	if (e.pty_link != NULL && ready != NULL) {
		FILE *f = fopen(ready, "w");

		if (f != NULL) {
			fprintf(f, "%s\n", e.pty_link);
			fclose(f);
		}
	}
	if (e.pty_link != NULL)
		e.script_started = 1; /* a pty has no "connect" */
	e.next_place = now_ms() + (uint64_t)e.place_every;

	while (!stop_flag) {
		struct pollfd pf[3];
		int n = 0, lfd = -1, hfd = -1, cfd = -1;

		if (e.ctl_fd >= 0) {
			pf[n] = (struct pollfd){ e.ctl_fd, POLLIN, 0 };
			cfd = n++;
		}
		if (e.listen_fd >= 0) {
			pf[n] = (struct pollfd){ e.listen_fd, POLLIN, 0 };
			lfd = n++;
		}
		if (host_fd(&e) >= 0) {
			pf[n] = (struct pollfd){ host_fd(&e), POLLIN, 0 };
			hfd = n++;
		}
		if (poll(pf, (nfds_t)n, 50) < 0 && errno != EINTR)
			break;
		if (cfd >= 0 && pf[cfd].revents && !read_control(&e)) {
			if (e.ctl_fd != STDIN_FILENO)
				close(e.ctl_fd);
			e.ctl_fd = -1; /* stdin at EOF: keep running */
		}
		if (lfd >= 0 && pf[lfd].revents & POLLIN) {
			int fd = accept4(e.listen_fd, NULL, NULL,
					 SOCK_CLOEXEC | SOCK_NONBLOCK);

			if (fd >= 0) {
				if (e.client_fd >= 0) {
					say(&e, "new host replaces the old "
						"one");
					close(e.client_fd);
				}
				e.client_fd = fd;
				e.link->codec_reset(e.codec);
				e.script_started = 1;
				say(&e, "host connected");
			}
		}
		if (hfd >= 0 && pf[hfd].revents && host_fd(&e) == pf[hfd].fd)
			read_host(&e);
		run_script(&e);
		if (e.place_every > 0 && host_fd(&e) >= 0 && now_ms() >= e.next_place) {
			char args[] = "face";

			e.next_place = now_ms() + (uint64_t)e.place_every;
			cmd_place(&e, args);
		}
	}
	say(&e, "stopping after %lu attestations", e.attests);
	rc = 0;
out:
	if (e.client_fd >= 0)
		close(e.client_fd);
	if (e.listen_fd >= 0)
		close(e.listen_fd);
	if (e.ctl_fd > STDIN_FILENO)
		close(e.ctl_fd);
	close_pty(&e);
	if (e.pty_link != NULL)
		unlink(e.pty_link);
	if (e.rec_dev)
		fclose(e.rec_dev);
	if (e.rec_host)
		fclose(e.rec_host);
	for (i = 0; i < e.script_n; i++)
		free(e.script[i]);
	free(e.script);
	fr_buf_free(&e.ctl_in);
	EVP_PKEY_free(e.key);
	free(e.dev_cert);
	free(e.card);
	e.link->codec_free(e.codec);
	return rc;
}
