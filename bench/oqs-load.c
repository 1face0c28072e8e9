/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oqs-load.c — a receipt computer (レセコン) driving onshi's oqsfolder
 * adapter, for benchmarks.
 *
 * It keeps --concurrency requests outstanding: each request file is written
 * complete under DIR/stage/ (same file system, not timed), then renamed into
 * DIR/req/ — the clock starts just before rename(). Results are seen through
 * inotify on DIR/res/ (IN_MOVED_TO: onshi renames each finished result into
 * place; IN_CLOSE_WRITE for writers that do not), which stops the clock;
 * the file is read, checked (it must echo the request's
 * ArbitraryFileIdentifier) and deleted, as a receipt computer does.
 * Timestamps are CLOCK_MONOTONIC.
 *
 * Besides the measured latencies it computes what a receipt computer
 * polling res/ every P ms would have seen for the same results: each
 * result becomes visible at the first poll tick at or after the moment it
 * was complete, the poll clock's phase against the request being uniform
 * (see polled()). These numbers are computed from the measured ones, not
 * measured.
 *
 * Output: one line "RESULT key=value ..." on stdout (times in ms).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"

struct run {
	const char *dir, *tag, *code;
	char req[PATH_MAX], res[PATH_MAX], stage[PATH_MAX];
	struct bench_person *persons;
	size_t npersons, count, concurrency, pad;
	unsigned timeout_s;
	uint64_t *t0, *t1;
	unsigned char *done;
	size_t sent, finished, errs, bad;
	int ino;
};

static void usage(void)
{
	fprintf(stderr, "usage: oqs-load --dir OQSDIR --persons TSV --count N "
			"--concurrency C [--tag T] [--code CODE] [--pad BYTES] "
			"[--poll-ms P[,P...]] [--timeout S]\n");
	exit(2);
}

/* Write request i complete under stage/ and rename it into req/. */
static void send_one(struct run *r, size_t i)
{
	char name[128], from[PATH_MAX + 160], to[PATH_MAX + 160];
	size_t len;
	char *xml = bench_request_xml(r->persons, r->npersons, i, r->tag,
				      r->code, &len);
	int fd;

	snprintf(name, sizeof(name), "OQSsiquc01req_%s-%zu.xml", r->tag, i);
	snprintf(from, sizeof(from), "%s/%s", r->stage, name);
	snprintf(to, sizeof(to), "%s/%s", r->req, name);
	fd = open(from, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0660);
	if (fd < 0)
		bench_die("cannot write %s: %s", from, strerror(errno));
	if (write(fd, xml, len) != (ssize_t)len)
		bench_die("short write to %s", from);
	if (r->pad) {
		/* Trailing white space after the root: legal XML, more bytes. */
		char blank[4096];

		memset(blank, ' ', sizeof(blank));
		for (size_t left = r->pad; left;) {
			size_t n = left < sizeof(blank) ? left : sizeof(blank);

			if (write(fd, blank, n) != (ssize_t)n)
				bench_die("short write to %s", from);
			left -= n;
		}
	}
	close(fd);
	free(xml);
	r->t0[i] = bench_now_ns();
	if (rename(from, to) < 0)
		bench_die("cannot rename %s into req/: %s", from, strerror(errno));
	r->sent++;
}

/* Index of our request from a result name, or -1. */
static long index_of(const struct run *r, const char *name, int *is_err)
{
	const char *rest, *dash;
	size_t taglen = strlen(r->tag);
	char *end;
	long i;

	if (strncmp(name, "OQSsiquc01res_", 14) == 0)
		*is_err = 0;
	else if (strncmp(name, "OQSsiquc01req_", 14) == 0)
		*is_err = 1;
	else
		return -1;
	rest = name + 14;
	if (strncmp(rest, r->tag, taglen) != 0 || rest[taglen] != '-')
		return -1;
	dash = rest + taglen;
	i = strtol(dash + 1, &end, 10);
	if (end == dash + 1 || i < 0 || (size_t)i >= r->count)
		return -1;
	if (strcmp(end, *is_err ? ".err" : ".xml") != 0)
		return -1;
	return i;
}

/* A result file is complete: stop its clock, check it, delete it. */
static void take_result(struct run *r, const char *name, uint64_t now)
{
	char path[PATH_MAX + 160], want[160], buf[65536];
	int is_err, fd;
	long i = index_of(r, name, &is_err);
	ssize_t n;

	if (i < 0 || r->done[i])
		return;
	r->t1[i] = now;
	r->done[i] = 1;
	r->finished++;
	snprintf(path, sizeof(path), "%s/%s", r->res, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n < 0) {
		r->bad++;
	} else {
		buf[n] = '\0';
		snprintf(want, sizeof(want), "AFI-%s-%ld<", r->tag, i);
		if (!strstr(buf, want))
			r->bad++;
	}
	if (is_err) {
		if (r->errs < 3)
			fprintf(stderr, "oqs-load: %s is an error: %.400s\n",
				name, n > 0 ? buf : "(unreadable)");
		r->errs++;
	}
	unlink(path);
}

/* After an inotify overflow: look at what is in res/. */
static void scan_res(struct run *r)
{
	DIR *d = opendir(r->res);
	struct dirent *de;
	uint64_t now = bench_now_ns();

	if (!d)
		bench_die("cannot read %s", r->res);
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			take_result(r, de->d_name, now);
	closedir(d);
}

static void drain_events(struct run *r)
{
	char buf[65536] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n = read(r->ino, buf, sizeof(buf));
	uint64_t now = bench_now_ns();

	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		bench_die("inotify read: %s", strerror(errno));
	}
	for (char *p = buf; p < buf + n;) {
		struct inotify_event *ev = (struct inotify_event *)p;

		if (ev->mask & IN_Q_OVERFLOW)
			scan_res(r);
		else if (ev->len && ev->name[0] != '.')
			take_result(r, ev->name, now);
		p += sizeof(*ev) + ev->len;
	}
}

/*
 * What a receipt computer polling res/ every period_ns would have seen:
 * its poll clock runs independently of when it wrote the request, so the
 * first tick after the write falls at a phase uniform in [0, period); the
 * phases are spread evenly (golden-ratio sequence) to be reproducible. The
 * result is seen at the first tick at or after it was complete.
 */
static void polled(const struct run *r, uint64_t period_ns, uint64_t *out, size_t *n)
{
	*n = 0;
	for (size_t i = 0; i < r->count; i++) {
		double frac = (double)i * 0.6180339887498949;
		uint64_t phase, ready, seen;

		if (!r->done[i])
			continue;
		frac -= (double)(uint64_t)frac;
		phase = (uint64_t)(frac * (double)period_ns);
		ready = r->t1[i] - r->t0[i];
		seen = phase;
		if (seen < ready)
			seen += (ready - seen + period_ns - 1) / period_ns * period_ns;
		out[(*n)++] = seen;
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", 1, NULL, 'd' },     { "persons", 1, NULL, 'p' },
		{ "count", 1, NULL, 'n' },   { "concurrency", 1, NULL, 'c' },
		{ "tag", 1, NULL, 't' },     { "code", 1, NULL, 'C' },
		{ "pad", 1, NULL, 'P' },     { "poll-ms", 1, NULL, 'o' },
		{ "timeout", 1, NULL, 'T' }, { NULL, 0, NULL, 0 },
	};
	struct run r = { .tag = "b",
			 .code = "1312345678",
			 .concurrency = 1,
			 .timeout_s = 120 };
	const char *persons = NULL, *poll_ms = "1000,3000";
	uint64_t start, end, last_progress, *lat;
	struct bench_stats st;
	size_t nlat, before;
	char *list, *save = NULL;
	int o;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'd': r.dir = optarg; break;
		case 'p': persons = optarg; break;
		case 'n': r.count = strtoul(optarg, NULL, 10); break;
		case 'c': r.concurrency = strtoul(optarg, NULL, 10); break;
		case 't': r.tag = optarg; break;
		case 'C': r.code = optarg; break;
		case 'P': r.pad = strtoul(optarg, NULL, 10); break;
		case 'o': poll_ms = optarg; break;
		case 'T':
			r.timeout_s = (unsigned)strtoul(optarg, NULL, 10);
			break;
		default: usage();
		}
	}
	if (!r.dir || !persons || !r.count || !r.concurrency || strlen(r.tag) > 40)
		usage();
	r.npersons = bench_load_persons(persons, &r.persons);
	if (!r.npersons)
		bench_die("no persons in %s", persons);
	snprintf(r.req, sizeof(r.req), "%s/req", r.dir);
	snprintf(r.res, sizeof(r.res), "%s/res", r.dir);
	snprintf(r.stage, sizeof(r.stage), "%s/stage", r.dir);
	if (mkdir(r.stage, 0770) < 0 && errno != EEXIST)
		bench_die("cannot make %s: %s", r.stage, strerror(errno));
	r.t0 = calloc(r.count, sizeof(*r.t0));
	r.t1 = calloc(r.count, sizeof(*r.t1));
	r.done = calloc(r.count, 1);
	lat = calloc(r.count, sizeof(*lat));
	if (!r.t0 || !r.t1 || !r.done || !lat)
		bench_die("out of memory");
	r.ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (r.ino < 0 ||
	    inotify_add_watch(r.ino, r.res, IN_MOVED_TO | IN_CLOSE_WRITE) < 0)
		bench_die("cannot watch %s: %s", r.res, strerror(errno));

	start = last_progress = bench_now_ns();
	while (r.finished < r.count) {
		struct pollfd pfd = { .fd = r.ino, .events = POLLIN };

		while (r.sent < r.count && r.sent - r.finished < r.concurrency)
			send_one(&r, r.sent);
		before = r.finished;
		if (poll(&pfd, 1, 1000) < 0 && errno != EINTR)
			bench_die("poll: %s", strerror(errno));
		if (pfd.revents & POLLIN)
			drain_events(&r);
		if (r.finished != before) {
			last_progress = bench_now_ns();
		} else if (bench_now_ns() - last_progress >
			   (uint64_t)r.timeout_s * 1000000000u) {
			scan_res(&r);
			if (r.finished == before)
				bench_die("oqs-load: no result for %u s: %zu of %zu answered, %zu outstanding",
					  r.timeout_s, r.finished, r.count,
					  r.sent - r.finished);
		}
	}
	end = bench_now_ns();

	for (size_t i = 0; i < r.count; i++)
		lat[i] = r.t1[i] - r.t0[i];
	bench_stats(lat, r.count, &st);
	printf("RESULT tool=oqs-load count=%zu concurrency=%zu pad=%zu errs=%zu bad=%zu elapsed_s=%.3f rate=%.1f",
	       r.count, r.concurrency, r.pad, r.errs, r.bad,
	       (double)(end - start) / 1e9,
	       (double)r.count / ((double)(end - start) / 1e9));
	bench_print_stats("", &st);
	list = strdup(poll_ms);
	for (char *t = list ? strtok_r(list, ",", &save) : NULL; t;
	     t = strtok_r(NULL, ",", &save)) {
		unsigned long ms = strtoul(t, NULL, 10);
		char prefix[32];

		if (!ms)
			continue;
		polled(&r, (uint64_t)ms * 1000000u, lat, &nlat);
		bench_stats(lat, nlat, &st);
		snprintf(prefix, sizeof(prefix), "poll%lu_", ms);
		bench_print_stats(prefix, &st);
	}
	free(list);
	printf("\n");
	free(r.t0);
	free(r.t1);
	free(r.done);
	free(lat);
	free(r.persons);
	close(r.ino);
	return r.errs || r.bad ? 1 : 0;
}
