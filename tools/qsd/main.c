/* SPDX-License-Identifier: Apache-2.0 */
/*
 * main.c — onshi-qsd's command line: options, dataset, start, wait, stop.
 *
 * The simulator serves until SIGINT or SIGTERM. Signals are blocked in every
 * thread and taken synchronously here with sigwait(), so no handler runs
 * inside libmicrohttpd's threads. With --ready-file the chosen port is
 * written (atomically, by rename) once the socket listens, which is what
 * scripts wait for when they ask for port 0.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qsd.h"

uint64_t qsd_rand_next(uint64_t *state)
{
	/* splitmix64: tiny, fast, and good enough for test data and fault rolls. */
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

time_t qsd_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

void qsd_log(const struct qsd *q, const char *fmt, ...)
{
	va_list ap;

	if (q->opt.quiet)
		return;
	va_start(ap, fmt);
	fputs("onshi-qsd: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static void usage(FILE *f)
{
	fputs("usage: onshi-qsd --pki DIR [options]\n"
	      "  --pki DIR            the onshi-pki directory (server cert, national CA,\n"
	      "                       jpki/, readers/)\n"
	      "  --listen HOST:PORT   default 127.0.0.1:8443; port 0 picks a free port\n"
	      "  --allow-remote       allow a non-loopback --listen address\n"
	      "  --dataset FILE       load persons from a dump instead of generating\n"
	      "  --persons N          persons to generate (default 12000, at least 100)\n"
	      "  --seed S             seed for the dataset and the fault rolls (default 1)\n"
	      "  --dump-dataset FILE  write the dataset as TSV (- = stdout)\n"
	      "  --dump-only          exit after --dump-dataset instead of serving\n"
	      "  --faults SPEC        e.g. latency=20-80,error=10,maintenance=30@5 (docs/qsd.md)\n"
	      "  --token-ttl S        token lifetime in seconds (default 3600)\n"
	      "  --bulk-delay S       seconds until a batch result is ready (default 3)\n"
	      "  --bulk-max-persons N refuse a batch upload of more than N persons\n"
	      "                       (HTTP 413; default 0 = no limit)\n"
	      "  --threads N          server threads (default 2)\n"
	      "  --ready-file PATH    write the listening port there once ready\n"
	      "  --serve DIR          GET /files/NAME answers DIR/NAME (maintenance\n"
	      "                       manifests and their .sig)\n"
	      "  --report-dir DIR     POST /_report bodies are kept as DIR/report-N.xml\n"
	      "  --tls-priority STR   GnuTLS priority string (default: TLS 1.2 and 1.3,\n"
	      "                       NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2); for\n"
	      "                       tests of what onshid refuses, e.g. TLS 1.0 only\n"
	      "  -q, --quiet          no log lines\n"
	      "  -h, --help           this text\n",
	      f);
}

static int parse_unsigned(const char *opt, const char *s, unsigned long max,
			  unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || *out > max || s[0] == '-') {
		fprintf(stderr, "onshi-qsd: %s '%s': want a number 0-%lu\n",
			opt, s, max);
		return -1;
	}
	return 0;
}

static int write_ready_file(const char *path, unsigned port)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (f == NULL)
		return -1;
	fprintf(f, "%u\n", port);
	if (fclose(f) != 0 || rename(tmp, path) != 0)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pki", required_argument, NULL, 'P' },
		{ "listen", required_argument, NULL, 'l' },
		{ "allow-remote", no_argument, NULL, 'R' },
		{ "dataset", required_argument, NULL, 'd' },
		{ "persons", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 's' },
		{ "dump-dataset", required_argument, NULL, 'D' },
		{ "dump-only", no_argument, NULL, 'O' },
		{ "faults", required_argument, NULL, 'f' },
		{ "token-ttl", required_argument, NULL, 't' },
		{ "bulk-delay", required_argument, NULL, 'b' },
		{ "bulk-max-persons", required_argument, NULL, 'M' },
		{ "threads", required_argument, NULL, 'T' },
		{ "ready-file", required_argument, NULL, 'r' },
		{ "serve", required_argument, NULL, 'S' },
		{ "report-dir", required_argument, NULL, 'W' },
		{ "tls-priority", required_argument, NULL, 'L' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct qsd q;
	struct qsd_fault_plan plan;
	char msg[1024], path[4096], path2[4096];
	bool dump_only = false;
	unsigned long v;
	sigset_t sigs;
	int c, sig, rc, status = 1;

	memset(&q, 0, sizeof(q));
	q.opt.listen = "127.0.0.1:8443";
	q.opt.persons = 12000;
	q.opt.seed = 1;
	q.opt.token_ttl = 3600;
	q.opt.bulk_delay = 3;
	q.opt.threads = 2;
	while ((c = getopt_long(argc, argv, "qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'P': q.opt.pki_dir = optarg; break;
		case 'l': q.opt.listen = optarg; break;
		case 'R': q.opt.allow_remote = true; break;
		case 'd': q.opt.dataset_path = optarg; break;
		case 'D': q.opt.dump_path = optarg; break;
		case 'O': dump_only = true; break;
		case 'f': q.opt.faults = optarg; break;
		case 'r': q.opt.ready_file = optarg; break;
		case 'S': q.opt.serve_dir = optarg; break;
		case 'W': q.opt.report_dir = optarg; break;
		case 'L': q.opt.tls_priority = optarg; break;
		case 'q': q.opt.quiet = true; break;
		case 'n':
			if (parse_unsigned("--persons", optarg, 2000000, &v) != 0)
				return 2;
			q.opt.persons = (unsigned)v;
			break;
		case 's':
			if (parse_unsigned("--seed", optarg, ULONG_MAX, &v) != 0)
				return 2;
			q.opt.seed = v;
			break;
		case 't':
			if (parse_unsigned("--token-ttl", optarg, 7 * 86400, &v) != 0 ||
			    v == 0)
				return 2;
			q.opt.token_ttl = (unsigned)v;
			break;
		case 'b':
			if (parse_unsigned("--bulk-delay", optarg, 86400, &v) != 0)
				return 2;
			q.opt.bulk_delay = (unsigned)v;
			break;
		case 'M':
			if (parse_unsigned("--bulk-max-persons", optarg,
					   1000000, &v) != 0)
				return 2;
			q.opt.bulk_max_persons = (unsigned)v;
			break;
		case 'T':
			if (parse_unsigned("--threads", optarg, 256, &v) != 0 ||
			    v == 0)
				return 2;
			q.opt.threads = (unsigned)v;
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || q.opt.pki_dir == NULL || q.opt.persons < 100 ||
	    (dump_only && q.opt.dump_path == NULL)) {
		usage(stderr);
		return 2;
	}
	if (qsd_faults_parse(q.opt.faults, &plan, msg, sizeof(msg)) != ONSHI_OK) {
		fprintf(stderr, "onshi-qsd: %s\n", msg);
		return 2;
	}
	onshi_xmlmsg_init();
	qsd_faults_init(&q.faults, q.opt.seed);
	qsd_faults_set(&q.faults, &plan, q.opt.faults);

	snprintf(path, sizeof(path), "%s/jpki/cards.tsv", q.opt.pki_dir);
	if (q.opt.dataset_path != NULL)
		rc = qsd_dataset_load(&q.ds, q.opt.dataset_path, msg, sizeof(msg));
	else
		rc = qsd_dataset_generate(&q.ds, q.opt.persons, q.opt.seed,
					  path, msg, sizeof(msg));
	if (rc == ONSHI_OK && q.opt.dump_path != NULL)
		rc = qsd_dataset_dump(&q.ds, q.opt.dump_path, msg, sizeof(msg));
	if (rc != ONSHI_OK) {
		fprintf(stderr, "onshi-qsd: %s\n", msg);
		goto out;
	}
	if (dump_only) {
		status = 0;
		goto out;
	}
	snprintf(path, sizeof(path), "%s/jpki", q.opt.pki_dir);
	snprintf(path2, sizeof(path2), "%s/readers", q.opt.pki_dir);
	q.cards = qsd_cardcheck_new(path, path2, msg, sizeof(msg));
	q.sessions = qsd_sessions_new(q.opt.token_ttl, QSD_NONCE_TTL);
	q.bulk = qsd_bulk_new(q.opt.bulk_delay);
	q.refnums = qsd_refnums_new();
	if (q.cards == NULL || q.sessions == NULL || q.bulk == NULL) {
		fprintf(stderr, "onshi-qsd: %s\n",
			q.cards == NULL ? msg : "out of memory");
		goto out;
	}

	/* Block the stop signals before any thread exists: all inherit the mask. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (qsd_server_start(&q, msg, sizeof(msg)) != ONSHI_OK) {
		fprintf(stderr, "onshi-qsd: %s\n", msg);
		goto out;
	}
	qsd_log(&q, "listening on port %u (%zu records, faults: %s)",
		(unsigned)q.port, q.ds.n,
		q.opt.faults != NULL ? q.opt.faults : "none");
	if (q.opt.ready_file != NULL &&
	    write_ready_file(q.opt.ready_file, q.port) != 0) {
		fprintf(stderr, "onshi-qsd: cannot write %s: %s\n",
			q.opt.ready_file, strerror(errno));
		goto out;
	}
	if (sigwait(&sigs, &sig) == 0)
		qsd_log(&q, "stopping on signal %d", sig);
	status = 0;
out:
	qsd_server_stop(&q);
	qsd_cardcheck_free(q.cards);
	qsd_sessions_free(q.sessions);
	qsd_bulk_free(q.bulk);
	qsd_refnums_free(q.refnums);
	qsd_dataset_free(&q.ds);
	qsd_faults_destroy(&q.faults);
	return status;
}
