/* SPDX-License-Identifier: Apache-2.0 */
/*
 * card-load.c — a patient at the front desk, for benchmarks: card reads one
 * after another on a reader emulator, each timed from "card placed" to the
 * face file complete in the receipt computer's face/ folder.
 *
 * Two modes:
 *   emu  — onshi-reader-emu (panasonic, fujitsu, almex, canon): the clock
 *          starts just before the "place face" line is written into the
 *          emulator's control FIFO;
 *   pcsc — onshi-card-emu in vpcd behind a private pcscd: each read after
 *          the first is a SIGUSR1 to the emulator (card out, back in a
 *          second later); the clock starts when the emulator says the
 *          card is inserted (its stderr line, stamped on arrival; below).
 * Either way the clock stops at inotify IN_MOVED_TO (or IN_CLOSE_WRITE) of
 * the face file; the file is read, must be a valid qualification
 * (QualificationValidity 1), and is deleted. CLOCK_MONOTONIC throughout.
 *
 * Card I/O is separated with the emulator's own log lines: the emulator's
 * stderr goes through `card-load --stamp FILE`, which writes each line to
 * FILE with the CLOCK_MONOTONIC time it arrived (the same clock, so the
 * times compare with ours). Per read:
 *   emu:  (FIFO write → "sent CARD_PLACED") + ("ATTEST_REQUEST" → "sent
 *         ATTEST"): the device taking the card and signing the attestation;
 *   pcsc: (inserted → first ATR, i.e. pcscd noticing the card) + the sum,
 *         over every APDU, of "<<" → ">>" (the card computing its answer).
 *         The APDUs' way through pcscd and vpcd is not separable and stays
 *         in onshi's share (pessimistic for onshi).
 * Between reads we wait (untimed) until the device has been told the
 * result (emu: its "RESULT" line) so reads never overlap.
 *
 * Output: one line "RESULT key=value ..." on stdout (times in ms):
 * p50.. the whole read, cardio_p50.. card I/O, own_p50.. the read less its
 * own card I/O.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/types.h>
#include <unistd.h>

#include "bench.h"

/* One stamped log line of the emulator. */
struct stamp {
	uint64_t t;
	char *line;
};

/* Log lines we look for, indexed as they arrive (one pass over the log). */
enum {
	M_PLACED,
	M_ATTREQ,
	M_ATTSENT,
	M_RESULT,
	M_INSERTED,
	M_N
};
static const char *const marker_text[M_N] = {
	"sent CARD_PLACED", "ATTEST_REQUEST nonce=", "sent ATTEST ",
	"RESULT code=",     "card inserted",
};
struct marker {
	size_t *idx, n, cap;
};

struct run {
	const char *mode, *control, *face, *stamps, *place;
	pid_t emu_pid;
	size_t count, warmup;
	unsigned timeout_s;
	int ino;
	uint64_t *t0, *t1, *cardio;
	size_t errs;
	/* the stamped log, read as it grows */
	FILE *sf;
	struct stamp *st;
	size_t nst, cap;
	struct marker mk[M_N];
};

static void usage(void)
{
	fprintf(stderr,
		"usage: card-load --mode emu|pcsc --face DIR --stamps FILE --count N\n"
		"         [--control FIFO] [--place LINE] [--emu-pid PID] [--warmup W]\n"
		"         [--timeout S]\n"
		"       card-load --stamp FILE   (relay: stdin lines to FILE, stamped)\n");
	exit(2);
}

/* ---- relay mode ---- */

static int stamp_relay(const char *path)
{
	FILE *out = fopen(path, "w");
	char buf[65536], line[8192];
	size_t ll = 0;
	ssize_t n;

	if (!out)
		bench_die("card-load: cannot write %s: %s", path, strerror(errno));
	while ((n = read(STDIN_FILENO, buf, sizeof(buf))) != 0) {
		uint64_t now = bench_now_ns();

		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] != '\n') {
				if (ll < sizeof(line) - 1)
					line[ll++] = buf[i];
				continue;
			}
			line[ll] = '\0';
			fprintf(out, "%llu %s\n", (unsigned long long)now, line);
			ll = 0;
		}
		fflush(out);
	}
	fclose(out);
	return 0;
}

/* ---- the stamped log ---- */

/* Read whatever the relay has added since last time. */
static void stamps_update(struct run *r)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (!r->sf) {
		r->sf = fopen(r->stamps, "r");
		if (!r->sf)
			return;
	}
	clearerr(r->sf);
	for (;;) {
		long pos = ftell(r->sf);
		unsigned long long t;
		int off = 0;

		n = getline(&line, &cap, r->sf);
		if (n <= 0)
			break;
		if (line[n - 1] != '\n') {
			/* a line still being written: read it again later */
			fseek(r->sf, pos, SEEK_SET);
			break;
		}
		line[n - 1] = '\0';
		if (sscanf(line, "%llu %n", &t, &off) != 1 || !off)
			continue;
		if (r->nst == r->cap) {
			struct stamp *ns;

			r->cap = r->cap ? r->cap * 2 : 4096;
			ns = realloc(r->st, r->cap * sizeof(*ns));
			if (!ns)
				bench_die("out of memory");
			r->st = ns;
		}
		r->st[r->nst].t = t;
		r->st[r->nst].line = strdup(line + off);
		if (!r->st[r->nst].line)
			bench_die("out of memory");
		for (int m = 0; m < M_N; m++) {
			struct marker *k = &r->mk[m];

			if (!strstr(r->st[r->nst].line, marker_text[m]))
				continue;
			if (k->n == k->cap) {
				size_t *ni;

				k->cap = k->cap ? k->cap * 2 : 1024;
				ni = realloc(k->idx, k->cap * sizeof(*ni));
				if (!ni)
					bench_die("out of memory");
				k->idx = ni;
			}
			k->idx[k->n++] = r->nst;
		}
		r->nst++;
	}
	free(line);
}

/*
 * Forget the log read so far and go on from its end: a run against an
 * emulator that earlier runs already used (bench/run repeats each row)
 * counts only its own reads' lines.
 */
static void stamps_forget(struct run *r)
{
	stamps_update(r);
	for (size_t i = 0; i < r->nst; i++)
		free(r->st[i].line);
	r->nst = 0;
	for (int m = 0; m < M_N; m++)
		r->mk[m].n = 0;
}

/* Index of the k-th (0-based) line with marker m; -1 if none. */
static long nth_line(const struct run *r, int m, size_t k)
{
	return k < r->mk[m].n ? (long)r->mk[m].idx[k] : -1;
}

/* Wait up to secs until the log has at least want lines with what. */
static int wait_lines(struct run *r, int m, size_t want, unsigned secs)
{
	uint64_t until = bench_now_ns() + (uint64_t)secs * 1000000000u;

	for (;;) {
		stamps_update(r);
		if (r->mk[m].n >= want)
			return 0;
		if (bench_now_ns() > until)
			return -1;
		usleep(1000);
	}
}

/* ---- face files ---- */

/* Wait for the next face file; stop the clock, check it, delete it. */
static void wait_face(struct run *r, size_t i)
{
	char buf[65536] __attribute__((aligned(__alignof__(struct inotify_event))));
	uint64_t until = bench_now_ns() + (uint64_t)r->timeout_s * 1000000000u;

	for (;;) {
		struct pollfd pfd = { .fd = r->ino, .events = POLLIN };
		ssize_t n;

		if (bench_now_ns() > until)
			bench_die("card-load: read %zu: no face file in %s after %u s",
				  i, r->face, r->timeout_s);
		if (poll(&pfd, 1, 200) < 0 && errno != EINTR)
			bench_die("poll: %s", strerror(errno));
		if (!(pfd.revents & POLLIN))
			continue;
		n = read(r->ino, buf, sizeof(buf));
		if (n <= 0)
			continue;
		r->t1[i] = bench_now_ns();
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *ev = (struct inotify_event *)p;
			char path[PATH_MAX + 256], body[65536];
			ssize_t got;
			int fd;

			p += sizeof(*ev) + ev->len;
			if (!ev->len || ev->name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", r->face, ev->name);
			fd = open(path, O_RDONLY | O_CLOEXEC);
			got = fd >= 0 ? read(fd, body, sizeof(body) - 1) : -1;
			if (fd >= 0)
				close(fd);
			if (got < 0)
				continue; /* already taken (a second event) */
			body[got] = '\0';
			if (!strstr(body, "<QualificationValidity>1<")) {
				if (r->errs < 3)
					fprintf(stderr,
						"card-load: read %zu: %s is not a valid qualification: %.400s\n",
						i, ev->name, body);
				r->errs++;
			}
			unlink(path);
			return;
		}
	}
}

/* Card I/O of every read from the stamped log (see the top comment). */
static void card_io(struct run *r)
{
	for (size_t i = 0; i < r->count; i++) {
		uint64_t io = 0;

		if (strcmp(r->mode, "emu") == 0) {
			long a = nth_line(r, M_PLACED, i);
			long b = nth_line(r, M_ATTREQ, i);
			long c = nth_line(r, M_ATTSENT, i);

			if (a < 0 || b < 0 || c < 0 || r->st[c].t < r->st[b].t)
				bench_die("card-load: read %zu: emulator log lines missing in %s",
					  i, r->stamps);
			io = (r->st[a].t > r->t0[i] ? r->st[a].t - r->t0[i] : 0) +
			     (r->st[c].t - r->st[b].t);
		} else {
			long a = nth_line(r, M_INSERTED, i);
			long end = nth_line(r, M_INSERTED, i + 1);
			int atr = 0;

			if (a < 0)
				bench_die("card-load: read %zu: no insertion in %s",
					  i, r->stamps);
			if (end < 0)
				end = (long)r->nst;
			for (long k = a + 1; k < end; k++) {
				const char *l = r->st[k].line;

				if (!atr && strstr(l, "control 04")) {
					io += r->st[k].t - r->st[a].t;
					atr = 1;
				} else if (strstr(l, ": <<") && k + 1 < end &&
					   strstr(r->st[k + 1].line, ": >>")) {
					io += r->st[k + 1].t - r->st[k].t;
				}
			}
		}
		r->cardio[i] = io;
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mode", 1, NULL, 'm' },    { "control", 1, NULL, 'f' },
		{ "face", 1, NULL, 'F' },    { "stamps", 1, NULL, 's' },
		{ "count", 1, NULL, 'n' },   { "place", 1, NULL, 'p' },
		{ "emu-pid", 1, NULL, 'P' }, { "timeout", 1, NULL, 'T' },
		{ "stamp", 1, NULL, 'S' },   { "warmup", 1, NULL, 'w' },
		{ NULL, 0, NULL, 0 },
	};
	struct run r = { .mode = "emu",
			 .place = "place face consents=1,1,0,0",
			 .timeout_s = 30 };
	struct bench_stats all, io, own;
	uint64_t start, end, *lat, *ownv;
	int o, pcsc;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'm': r.mode = optarg; break;
		case 'f': r.control = optarg; break;
		case 'F': r.face = optarg; break;
		case 's': r.stamps = optarg; break;
		case 'n': r.count = strtoul(optarg, NULL, 10); break;
		case 'p': r.place = optarg; break;
		case 'P': r.emu_pid = (pid_t)atol(optarg); break;
		case 'T':
			r.timeout_s = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'S': return stamp_relay(optarg);
		case 'w': r.warmup = strtoul(optarg, NULL, 10); break;
		default: usage();
		}
	}
	pcsc = strcmp(r.mode, "pcsc") == 0;
	if ((!pcsc && strcmp(r.mode, "emu") != 0) || !r.face || !r.stamps ||
	    !r.count || (pcsc ? r.emu_pid <= 0 : !r.control))
		usage();
	/* The warm-up reads come first, in the same log; only the last
	 * count reads are in the statistics. */
	r.count += r.warmup;
	r.t0 = calloc(r.count, sizeof(*r.t0));
	r.t1 = calloc(r.count, sizeof(*r.t1));
	r.cardio = calloc(r.count, sizeof(*r.cardio));
	lat = calloc(r.count, sizeof(*lat));
	ownv = calloc(r.count, sizeof(*ownv));
	if (!r.t0 || !r.t1 || !r.cardio || !lat || !ownv)
		bench_die("out of memory");
	r.ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (r.ino < 0 ||
	    inotify_add_watch(r.ino, r.face, IN_MOVED_TO | IN_CLOSE_WRITE) < 0)
		bench_die("cannot watch %s: %s", r.face, strerror(errno));

	/* PC/SC counts the emulator's first insertion, at its start, as the
	 * first read; the face readers' lines all follow our own writes. */
	if (!pcsc)
		stamps_forget(&r);
	start = bench_now_ns();
	for (size_t i = 0; i < r.count; i++) {
		if (i == r.warmup)
			start = bench_now_ns();
		if (pcsc) {
			/* The first card goes in when the emulator starts. */
			if (i > 0 && kill(r.emu_pid, SIGUSR1) < 0)
				bench_die("card-load: cannot signal the card emulator %ld: %s",
					  (long)r.emu_pid, strerror(errno));
			wait_face(&r, i);
			if (wait_lines(&r, M_INSERTED, i + 1, r.timeout_s) < 0)
				bench_die("card-load: read %zu: the emulator logged no insertion",
					  i);
			r.t0[i] = r.st[nth_line(&r, M_INSERTED, i)].t;
		} else {
			int fd = open(r.control, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
			char line[512];
			int len = snprintf(line, sizeof(line), "%s\n", r.place);

			if (fd < 0)
				bench_die("card-load: cannot open %s: %s",
					  r.control, strerror(errno));
			r.t0[i] = bench_now_ns();
			if (write(fd, line, (size_t)len) != len)
				bench_die("card-load: short write to %s", r.control);
			close(fd);
			wait_face(&r, i);
			/* untimed: the device has its result before the next card */
			if (wait_lines(&r, M_RESULT, i + 1, r.timeout_s) < 0)
				bench_die("card-load: read %zu: the device was never told the result",
					  i);
		}
	}
	end = bench_now_ns();
	/* the last lines of the last read */
	usleep(100000);
	stamps_update(&r);
	card_io(&r);

	for (size_t i = 0; i < r.count; i++) {
		lat[i] = r.t1[i] - r.t0[i];
		ownv[i] = lat[i] > r.cardio[i] ? lat[i] - r.cardio[i] : 0;
	}
	r.count -= r.warmup;
	bench_stats(lat + r.warmup, r.count, &all);
	bench_stats(r.cardio + r.warmup, r.count, &io);
	bench_stats(ownv + r.warmup, r.count, &own);
	printf("RESULT tool=card-load mode=%s count=%zu warmup=%zu errs=%zu elapsed_s=%.3f",
	       r.mode, r.count, r.warmup, r.errs, (double)(end - start) / 1e9);
	bench_print_stats("", &all);
	bench_print_stats("cardio_", &io);
	bench_print_stats("own_", &own);
	printf("\n");
	for (size_t i = 0; i < r.nst; i++)
		free(r.st[i].line);
	free(r.st);
	for (int m = 0; m < M_N; m++)
		free(r.mk[m].idx);
	if (r.sf)
		fclose(r.sf);
	free(r.t0);
	free(r.t1);
	free(r.cardio);
	free(lat);
	free(ownv);
	close(r.ino);
	return r.errs ? 1 : 0;
}
