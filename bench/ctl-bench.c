/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ctl-bench.c — start-up and control-socket timings of onshid, measured
 * from C so that no shell or onshictl process spawn is in the numbers.
 *
 *   ctl-bench startup --onshid PATH --conf FILE --sock PATH [--runs R]
 *	[--log FILE]
 *     R times: fork + exec `onshid -c FILE -f`, then connect to the control
 *     socket and send VERSION every 0.2 ms until an answer arrives: the
 *     time from just before fork() to that answer is the start-up time.
 *     After each start the daemon's VmRSS / VmHWM (idle, 300 ms after it
 *     answered) are read from /proc, then it gets SIGTERM and is reaped.
 *
 *   ctl-bench modules --sock PATH --module NAME [--runs R]
 *     R times each DISABLE, ENABLE (alternating) and RELOAD of the module
 *     over the raw control socket: connect, one request line, the whole
 *     reply (which must be "0 ...") — the time of that exchange.
 *
 *   ctl-bench spool-fill --dir SPOOL --count N [--module NAME]
 *     Writes N answered records (.req + .ans, the spool's record format)
 *     for a module that is not configured (default rececon:parked), so
 *     they stay in the spool for good: a spool N deep, for the scaling
 *     runs (start-up recovery and per-request cost against spool depth).
 *
 *   ctl-bench fsync-cost --dir DIR [--runs R]
 *     R times: write a small file, fsync it, rename it, fsync the folder —
 *     the durable-write pattern of the spool and of result files — to show
 *     what the file system under a run charges for it.
 *
 * Output: one "RESULT key=value ..." line per measurement (times in ms).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <onshi/error.h>

#include "bench.h"
#include "spool.h"

/*
 * One request over a fresh connection; the reply is "N message" + N lines.
 * Returns N (negative: an error reply), or -1000 when nothing answers.
 */
static int exchange(const char *sock, const char *line, char *reply, size_t replylen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t got = 0;
	long want = 0;
	int fd, have = 0;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1000;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    write(fd, line, strlen(line)) != (ssize_t)strlen(line)) {
		close(fd);
		return -1000;
	}
	reply[0] = '\0';
	for (;;) {
		ssize_t n = read(fd, reply + got, replylen - 1 - got);
		long lines = 0;

		if (n <= 0)
			break;
		got += (size_t)n;
		reply[got] = '\0';
		if (!have && strchr(reply, '\n')) {
			want = strtol(reply, NULL, 10);
			have = 1;
		}
		if (!have)
			continue;
		for (char *p = reply; (p = strchr(p, '\n')); p++)
			lines++;
		if (lines >= 1 + (want > 0 ? want : 0) || got >= replylen - 1)
			break;
	}
	close(fd);
	return have ? (int)want : -1000;
}

static long status_kb(pid_t pid, const char *key)
{
	char path[64], line[256];
	size_t klen = strlen(key);
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, klen) == 0 && line[klen] == ':')
			v = strtol(line + klen + 1, NULL, 10);
	fclose(f);
	return v;
}

static void sleep_ns(long ns)
{
	struct timespec ts = { ns / 1000000000L, ns % 1000000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int startup(const char *onshid, const char *conf, const char *sock,
		   const char *log, size_t runs)
{
	uint64_t *t = calloc(runs, sizeof(*t));
	long rss = -1, hwm = -1;
	struct bench_stats st;
	char reply[4096];

	if (!t)
		bench_die("out of memory");
	for (size_t r = 0; r < runs; r++) {
		uint64_t t0 = bench_now_ns(), limit = t0 + 30000000000ull;
		int status;
		pid_t pid;

		unlink(sock);
		pid = fork();
		if (pid < 0)
			bench_die("fork: %s", strerror(errno));
		if (pid == 0) {
			int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);

			if (fd >= 0) {
				dup2(fd, 1);
				dup2(fd, 2);
			}
			execl(onshid, onshid, "-c", conf, "-f", (char *)NULL);
			_exit(127);
		}
		while (exchange(sock, "VERSION\n", reply, sizeof(reply)) == -1000) {
			if (waitpid(pid, &status, WNOHANG) == pid)
				bench_die("onshid exited during start-up (see %s)",
					  log);
			if (bench_now_ns() > limit)
				bench_die("onshid did not answer within 30 s");
			sleep_ns(200000);
		}
		t[r] = bench_now_ns() - t0;
		sleep_ns(300000000);
		rss = status_kb(pid, "VmRSS");
		hwm = status_kb(pid, "VmHWM");
		kill(pid, SIGTERM);
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0)
			bench_die("onshid did not stop cleanly on SIGTERM");
	}
	bench_stats(t, runs, &st);
	printf("RESULT what=startup runs=%zu min=%.3f idle_rss_kb=%ld idle_hwm_kb=%ld",
	       runs, (double)st.min / 1e6, rss, hwm);
	bench_print_stats("", &st);
	printf("\n");
	free(t);
	return 0;
}

static int modules(const char *sock, const char *module, size_t runs)
{
	static const char *const ops[] = { "DISABLE", "ENABLE", "RELOAD" };
	uint64_t *t[3];
	char line[256], reply[8192];

	for (int k = 0; k < 3; k++)
		if (!(t[k] = calloc(runs, sizeof(uint64_t))))
			bench_die("out of memory");
	for (size_t r = 0; r < runs; r++)
		for (int k = 0; k < 3; k++) {
			uint64_t t0;
			int rc;

			snprintf(line, sizeof(line), "%s %s\n", ops[k], module);
			t0 = bench_now_ns();
			rc = exchange(sock, line, reply, sizeof(reply));
			t[k][r] = bench_now_ns() - t0;
			if (rc != 0)
				bench_die("%s %s answered: %s", ops[k], module,
					  reply[0] ? reply : "(nothing)");
		}
	for (int k = 0; k < 3; k++) {
		struct bench_stats st;

		bench_stats(t[k], runs, &st);
		printf("RESULT what=module op=%s module=%s", ops[k], module);
		bench_print_stats("", &st);
		printf("\n");
		free(t[k]);
	}
	return 0;
}

/* Park count answered requests of module in the spool at dir, written
 * by the spool itself (spool.c), as an outage would leave them. */
static int spool_fill(const char *dir, const char *module, size_t count)
{
	static const struct bench_person p = { "06139999", "1234", "56", "01",
					       "19800101" };
	static const char answer[] =
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<XmlMsg/>\n";
	struct onshi_spool *s;
	char msg[512];

	if (onshi_spool_open(dir, &s, msg, sizeof(msg)) != ONSHI_OK)
		bench_die("%s", msg);
	for (size_t i = 1; i <= count; i++) {
		struct onshi_spool_entry *e;
		char id[64];
		size_t len;
		char *xml = bench_request_xml(&p, 1, i, "parked", "1312345678", &len);

		snprintf(id, sizeof(id), "OQSsiquc01req_parked-%zu.xml", i);
		if (onshi_spool_accept(s, module, id, 1, xml, len, &e, msg,
				       sizeof(msg)) != ONSHI_OK ||
		    onshi_spool_answer(s, e, 1, answer, sizeof(answer) - 1, msg,
				       sizeof(msg)) != ONSHI_OK)
			bench_die("%s", msg);
		free(xml);
	}
	onshi_spool_close(s);
	printf("RESULT what=spool-fill dir=%s count=%zu module=%s\n", dir,
	       count, module);
	return 0;
}

static int fsync_cost(const char *dir, size_t runs)
{
	uint64_t *t = calloc(runs, sizeof(*t));
	struct bench_stats st;
	int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (!t || dirfd < 0)
		bench_die("cannot open %s", dir);
	for (size_t r = 0; r < runs; r++) {
		uint64_t t0 = bench_now_ns();
		int fd = openat(dirfd, ".fsync-cost.tmp",
				O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

		if (fd < 0 || write(fd, "onshi\n", 6) != 6 || fsync(fd) < 0 ||
		    close(fd) < 0 ||
		    renameat(dirfd, ".fsync-cost.tmp", dirfd, "fsync-cost") < 0 ||
		    fsync(dirfd) < 0)
			bench_die("durable write in %s failed: %s", dir,
				  strerror(errno));
		t[r] = bench_now_ns() - t0;
	}
	unlinkat(dirfd, "fsync-cost", 0);
	close(dirfd);
	bench_stats(t, runs, &st);
	printf("RESULT what=fsync-cost dir=%s", dir);
	bench_print_stats("", &st);
	printf("\n");
	free(t);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "onshid", 1, NULL, 'o' }, { "conf", 1, NULL, 'c' },
		{ "sock", 1, NULL, 's' },   { "runs", 1, NULL, 'r' },
		{ "module", 1, NULL, 'm' }, { "log", 1, NULL, 'l' },
		{ "dir", 1, NULL, 'd' },    { "count", 1, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	const char *onshid = NULL, *conf = NULL, *sock = NULL, *module = NULL,
		   *log = "/dev/null", *dir = NULL;
	size_t runs = 5, count = 0;
	int o;

	if (argc < 2)
		goto usage;
	optind = 2;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'o': onshid = optarg; break;
		case 'c': conf = optarg; break;
		case 's': sock = optarg; break;
		case 'r': runs = strtoul(optarg, NULL, 10); break;
		case 'm': module = optarg; break;
		case 'l': log = optarg; break;
		case 'd': dir = optarg; break;
		case 'n': count = strtoul(optarg, NULL, 10); break;
		default: goto usage;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	if (strcmp(argv[1], "spool-fill") == 0 && dir)
		return spool_fill(dir, module ? module : "rececon:parked", count);
	if (strcmp(argv[1], "fsync-cost") == 0 && dir && runs)
		return fsync_cost(dir, runs);
	if (!sock || !runs)
		goto usage;
	if (strcmp(argv[1], "startup") == 0 && onshid && conf)
		return startup(onshid, conf, sock, log, runs);
	if (strcmp(argv[1], "modules") == 0 && module)
		return modules(sock, module, runs);
usage:
	fprintf(stderr,
		"usage: ctl-bench startup --onshid PATH --conf FILE --sock PATH [--runs R] [--log FILE]\n"
		"       ctl-bench modules --sock PATH --module NAME [--runs R]\n"
		"       ctl-bench spool-fill --dir SPOOL --count N [--module NAME]\n"
		"       ctl-bench fsync-cost --dir DIR [--runs R]\n");
	return 2;
}
