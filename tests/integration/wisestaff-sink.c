/* SPDX-License-Identifier: Apache-2.0 */
/*
 * wisestaff-sink.c — a tiny HTTP receiver for wisestaff.test: it listens on
 * loopback (port 0, the chosen port written to --port-file), appends the
 * body of every POST as one line to --log, and answers 503 to the first
 * --fail N requests and 204 afterwards, so the test sees the adapter's
 * retries. Built on libmicrohttpd; runs until killed.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

#if MHD_VERSION < 0x00097002
typedef int sink_result;
#else
typedef enum MHD_Result sink_result;
#endif

struct req {
	char buf[8192];
	size_t len;
};

static const char *log_path;
static int fail_first, seen;

static sink_result answer(void *cls, struct MHD_Connection *c, const char *url,
			  const char *method, const char *version,
			  const char *data, size_t *size, void **ctx)
{
	struct MHD_Response *r;
	struct req *q = *ctx;
	sink_result ret;
	FILE *f;

	(void)cls;
	(void)url;
	(void)version;
	if (strcmp(method, "POST") != 0)
		return MHD_NO;
	if (q == NULL) {
		q = calloc(1, sizeof(*q));
		if (q == NULL)
			return MHD_NO;
		*ctx = q;
		return MHD_YES;
	}
	if (*size > 0) {
		size_t n = *size < sizeof(q->buf) - 1 - q->len
				   ? *size
				   : sizeof(q->buf) - 1 - q->len;

		memcpy(q->buf + q->len, data, n);
		q->len += n;
		*size = 0;
		return MHD_YES;
	}
	seen++;
	r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	if (seen <= fail_first) {
		ret = MHD_queue_response(c, 503, r);
	} else {
		q->buf[q->len] = '\0';
		f = fopen(log_path, "a");
		if (f != NULL) {
			fprintf(f, "%s%s", q->buf,
				q->len && q->buf[q->len - 1] == '\n' ? "" : "\n");
			fclose(f);
		}
		ret = MHD_queue_response(c, 204, r);
	}
	MHD_destroy_response(r);
	return ret;
}

static void done(void *cls, struct MHD_Connection *c, void **ctx,
		 enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	free(*ctx);
	*ctx = NULL;
}

int main(int argc, char **argv)
{
	const char *port_file = NULL;
	const union MHD_DaemonInfo *info;
	struct sockaddr_in sa;
	struct MHD_Daemon *d;
	sigset_t set;
	int i, sig;
	FILE *f;

	for (i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--port-file") == 0)
			port_file = argv[i + 1];
		else if (strcmp(argv[i], "--log") == 0)
			log_path = argv[i + 1];
		else if (strcmp(argv[i], "--fail") == 0)
			fail_first = atoi(argv[i + 1]);
	}
	if (port_file == NULL || log_path == NULL) {
		fprintf(stderr, "usage: wisestaff-sink --port-file F --log F "
				"[--fail N]\n");
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL,
			     answer, NULL, MHD_OPTION_SOCK_ADDR, &sa,
			     MHD_OPTION_NOTIFY_COMPLETED, done, NULL,
			     MHD_OPTION_END);
	if (d == NULL) {
		fprintf(stderr, "wisestaff-sink: cannot listen\n");
		return 1;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	f = fopen(port_file, "w");
	if (info == NULL || f == NULL)
		return 1;
	fprintf(f, "%u\n", (unsigned)info->port);
	fclose(f);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sigwait(&set, &sig);
	MHD_stop_daemon(d);
	return 0;
}
