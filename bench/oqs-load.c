/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oqs-load.c — a receipt computer (レセコン) driving onshi's oqsfolder
 * adapter, for benchmarks.
 *
 * It keeps --concurrency requests outstanding: each request file is written
 * complete under DIR/stage/ (same file system, not timed), then renamed into
 * DIR/req/ — the clock starts just before rename(). With several --dir
 * (one adapter folder per institution of a clinic group), request i goes to
 * folder i modulo their count, carrying that folder's --code, and the
 * outstanding requests are counted over all of them together. Results are
 * seen through inotify on each DIR/res/ (IN_MOVED_TO: onshi renames each
 * finished result into
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

/* One adapter folder and the institution code its requests carry. */
struct folder {
	const char *dir, *code;
	char req[PATH_MAX], res[PATH_MAX], stage[PATH_MAX];
	int wd;
};

/* Enough for a clinic group's folders in one run (bench/run uses 100). */
#define MAX_FOLDERS 1000

struct run {
	const char *tag;
	struct folder *folders;
	size_t nfolders;
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
	fprintf(stderr, "usage: oqs-load --dir OQSDIR [--code CODE] [--dir OQSDIR "
			"[--code CODE]]... --persons TSV --count N "
			"--concurrency C [--tag T] [--pad BYTES] "
			"[--poll-ms P[,P...]] [--timeout S]\n"
			"  each --code belongs to the --dir before it (a --code "
			"before every --dir sets the default, 1312345678)\n");
	exit(2);
}

/* Write request i complete under its folder's stage/ and rename it into
 * req/; requests take the folders in turn. */
static void send_one(struct run *r, size_t i)
{
	const struct folder *f = &r->folders[i % r->nfolders];
	char name[128], from[PATH_MAX + 160], to[PATH_MAX + 160];
	size_t len;
	char *xml = bench_request_xml(r->persons, r->npersons, i, r->tag,
				      f->code, &len);
	int fd;

	snprintf(name, sizeof(name), "OQSsiquc01req_%s-%zu.xml", r->tag, i);
	snprintf(from, sizeof(from), "%s/%s", f->stage, name);
	snprintf(to, sizeof(to), "%s/%s", f->req, name);
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

/* A result file is complete in folder f: stop its clock, check it, delete
 * it. A result in another folder than its request went to is wrong. */
static void take_result(struct run *r, const struct folder *f, const char *name,
			uint64_t now)
{
	char path[PATH_MAX + 160], want[160], buf[65536];
	int is_err, fd;
	long i = index_of(r, name, &is_err);
	ssize_t n;

	if (i < 0 || r->done[i])
		return;
	if (&r->folders[(size_t)i % r->nfolders] != f)
		bench_die("oqs-load: %s came back in %s, not in the folder it was sent to",
			  name, f->res);
	r->t1[i] = now;
	r->done[i] = 1;
	r->finished++;
	snprintf(path, sizeof(path), "%s/%s", f->res, name);
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

/* After an inotify overflow: look at what is in every res/. */
static void scan_res(struct run *r)
{
	uint64_t now = bench_now_ns();

	for (size_t k = 0; k < r->nfolders; k++) {
		const struct folder *f = &r->folders[k];
		DIR *d = opendir(f->res);
		struct dirent *de;

		if (!d)
			bench_die("cannot read %s", f->res);
		while ((de = readdir(d)))
			if (de->d_name[0] != '.')
				take_result(r, f, de->d_name, now);
		closedir(d);
	}
}

/* The folder an inotify watch belongs to. */
static const struct folder *folder_of_watch(const struct run *r, int wd)
{
	for (size_t k = 0; k < r->nfolders; k++)
		if (r->folders[k].wd == wd)
			return &r->folders[k];
	return NULL;
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

		const struct folder *f;

		if (ev->mask & IN_Q_OVERFLOW)
			scan_res(r);
		else if (ev->len && ev->name[0] != '.' &&
			 (f = folder_of_watch(r, ev->wd)))
			take_result(r, f, ev->name, now);
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
	struct run r = { .tag = "b", .concurrency = 1, .timeout_s = 120 };
	const char *persons = NULL, *poll_ms = "1000,3000";
	const char *default_code = "1312345678";
	uint64_t start, end, last_progress, *lat;
	struct bench_stats st;
	size_t nlat, before;
	char *list, *save = NULL;
	int o;

	r.folders = calloc(MAX_FOLDERS, sizeof(*r.folders));
	if (!r.folders)
		bench_die("out of memory");
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'd':
			if (r.nfolders == MAX_FOLDERS)
				bench_die("more than %d --dir", MAX_FOLDERS);
			r.folders[r.nfolders++].dir = optarg;
			break;
		case 'p': persons = optarg; break;
		case 'n': r.count = strtoul(optarg, NULL, 10); break;
		case 'c': r.concurrency = strtoul(optarg, NULL, 10); break;
		case 't': r.tag = optarg; break;
		case 'C':
			/* The code of the --dir before it, or the default. */
			if (strlen(optarg) != 10 || strspn(optarg, "0123456789") != 10)
				bench_die("--code wants 10 digits, not '%s'", optarg);
			if (r.nfolders)
				r.folders[r.nfolders - 1].code = optarg;
			else
				default_code = optarg;
			break;
		case 'P': r.pad = strtoul(optarg, NULL, 10); break;
		case 'o': poll_ms = optarg; break;
		case 'T':
			r.timeout_s = (unsigned)strtoul(optarg, NULL, 10);
			break;
		default: usage();
		}
	}
	if (!r.nfolders || !persons || !r.count || !r.concurrency ||
	    strlen(r.tag) > 40)
		usage();
	r.npersons = bench_load_persons(persons, &r.persons);
	if (!r.npersons)
		bench_die("no persons in %s", persons);
	r.t0 = calloc(r.count, sizeof(*r.t0));
	r.t1 = calloc(r.count, sizeof(*r.t1));
	r.done = calloc(r.count, 1);
	lat = calloc(r.count, sizeof(*lat));
	if (!r.t0 || !r.t1 || !r.done || !lat)
		bench_die("out of memory");
	/* One inotify instance for every folder: instances are a per-user
	 * limit shared with onshid (fs.inotify.max_user_instances). */
	r.ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (r.ino < 0)
		bench_die("inotify_init1: %s", strerror(errno));
	for (size_t k = 0; k < r.nfolders; k++) {
		struct folder *f = &r.folders[k];

		if (!f->code)
			f->code = default_code;
		snprintf(f->req, sizeof(f->req), "%s/req", f->dir);
		snprintf(f->res, sizeof(f->res), "%s/res", f->dir);
		snprintf(f->stage, sizeof(f->stage), "%s/stage", f->dir);
		if (mkdir(f->stage, 0770) < 0 && errno != EEXIST)
			bench_die("cannot make %s: %s", f->stage, strerror(errno));
		f->wd = inotify_add_watch(r.ino, f->res, IN_MOVED_TO | IN_CLOSE_WRITE);
		if (f->wd < 0)
			bench_die("cannot watch %s: %s", f->res, strerror(errno));
	}

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
	printf("RESULT tool=oqs-load count=%zu concurrency=%zu folders=%zu pad=%zu errs=%zu bad=%zu elapsed_s=%.3f rate=%.1f",
	       r.count, r.concurrency, r.nfolders, r.pad, r.errs, r.bad,
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
	free(r.folders);
	close(r.ino);
	return r.errs || r.bad ? 1 : 0;
}
