/*
 * status_page.c — the read-only front-desk status page, served by onshid.
 *
 * libmicrohttpd runs on the daemon's own event loop, with no thread of its
 * own: MHD_USE_EPOLL without an internal polling thread gives one epoll fd
 * that becomes readable when any of MHD's sockets needs attention. We watch
 * that fd, call MHD_run() when it is ready, and re-arm a one-shot timer
 * from MHD_get_timeout() after every run (connection timeouts). So every
 * request is answered on the loop thread and reads core state safely.
 *
 * GET / is the HTML page, GET /status.xml the XML document; anything else
 * is 404, and methods other than GET/HEAD are 405.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "status.h"

#define DEFAULT_REFRESH_S 5
/* Enough for a front desk and a few scripts; the rest wait or are refused. */
#define MAX_CONNECTIONS 32
#define MAX_PER_IP 16
/* Request line and headers must fit: a long URL is answered 414. */
#define CONNECTION_MEMORY 16384
#define CONNECTION_TIMEOUT_S 10

struct onshi_status_page {
	struct onshi_core *core;
	struct MHD_Daemon *mhd;
	struct onshi_loop_watch *watch;
	struct onshi_loop_timer *timer;
	int refresh_s;
	char listen[128];
};

static void run_mhd(struct onshi_status_page *sp);

static void on_timer(void *arg)
{
	struct onshi_status_page *sp = arg;

	sp->timer = NULL; /* one-shot: the loop frees it after this call */
	run_mhd(sp);
}

/* Run MHD, then wake up again when it says a timeout is due. */
static void run_mhd(struct onshi_status_page *sp)
{
	MHD_UNSIGNED_LONG_LONG ms;

	MHD_run(sp->mhd);
	if (sp->timer) {
		onshi_loop_timer_stop(sp->core->loop, sp->timer);
		sp->timer = NULL;
	}
	if (MHD_get_timeout(sp->mhd, &ms) == MHD_YES)
		sp->timer = onshi_loop_timer(sp->core->loop, sp, (uint64_t)ms,
					     0, on_timer, sp);
}

static void on_ready(int fd, unsigned events, void *arg)
{
	(void)fd;
	(void)events;
	run_mhd(arg);
}

static void mhd_log(void *arg, const char *fmt, va_list ap)
{
	struct onshi_status_page *sp = arg;
	char msg[512];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	onshi_logf(&sp->core->log, ONSHI_LOG_WARNING, "status page: %s", msg);
}

static enum MHD_Result respond(struct MHD_Connection *c, unsigned code,
			       const char *type, const char *body, size_t len)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(len, (void *)body,
						MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	/* Always fresh, never framed or sniffed, no scripts or fetches. */
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Content-Security-Policy",
				"default-src 'none'; style-src 'unsafe-inline'");
	if (code == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result plain(struct MHD_Connection *c, unsigned code,
			     const char *msg)
{
	return respond(c, code, "text/plain; charset=utf-8", msg, strlen(msg));
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct onshi_status_page *sp = cls;
	enum MHD_Result ret;

	(void)version;
	(void)upload;
	(void)con_cls;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return plain(c, MHD_HTTP_METHOD_NOT_ALLOWED,
			     "405 method not allowed: the status page is read-only (GET / or GET /status.xml)\n");
	*upload_size = 0; /* a GET body is ignored */
	if (strcmp(url, "/") == 0) {
		struct onshi_strbuf b = { 0 };

		if (onshi_status_html(sp->core, sp->refresh_s, &b) != ONSHI_OK) {
			onshi_strbuf_free(&b);
			return plain(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
				     "500 out of memory\n");
		}
		ret = respond(c, MHD_HTTP_OK, "text/html; charset=utf-8",
			      b.data, b.len);
		onshi_strbuf_free(&b);
		return ret;
	}
	if (strcmp(url, "/status.xml") == 0) {
		char *xml;
		size_t len;

		if (onshi_status_xml(sp->core, &xml, &len) != ONSHI_OK)
			return plain(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
				     "500 out of memory\n");
		ret = respond(c, MHD_HTTP_OK, "application/xml; charset=utf-8",
			      xml, len);
		free(xml);
		return ret;
	}
	return plain(c, MHD_HTTP_NOT_FOUND,
		     "404 not found: the status page has / and /status.xml only\n");
}

int onshi_status_page_open(struct onshi_core *core, char *msg, size_t msglen)
{
	const struct onshi_conf_section *sec =
		onshi_config_section(core->config, "status_page", NULL);
	const char *listen = onshi_conf_section_get(sec, "listen");
	const char *refresh = onshi_conf_section_get(sec, "refresh_s");
	struct onshi_status_page *sp;
	struct sockaddr_storage ss;
	socklen_t sslen;
	const union MHD_DaemonInfo *info;
	int loopback;
	long r = DEFAULT_REFRESH_S;
	char why[256];

	msg[0] = '\0';
	if (!listen)
		return ONSHI_OK; /* absent: no page */
	/* --check-config has checked these; a daemon started without it
	 * still refuses a bad address here. */
	if (onshi_status_parse_listen(listen, &ss, &sslen, &loopback, why,
				      sizeof(why)) < 0) {
		snprintf(msg, msglen, "[status_page] listen = %s", why);
		return ONSHI_EINVAL;
	}
	if (refresh)
		onshi_conf_parse_long(refresh, 1, 3600, &r);
	sp = calloc(1, sizeof(*sp));
	if (!sp) {
		snprintf(msg, msglen, "status page: out of memory");
		return ONSHI_ENOMEM;
	}
	sp->core = core;
	sp->refresh_s = (int)r;
	snprintf(sp->listen, sizeof(sp->listen), "%s", listen);
	sp->mhd = MHD_start_daemon(
		MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
			(ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
		0, NULL, NULL, on_request, sp,
		/* First, so that no message goes to stderr instead. */
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, sp,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)MAX_CONNECTIONS,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)MAX_PER_IP,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONNECTION_TIMEOUT_S,
		MHD_OPTION_END);
	info = sp->mhd ? MHD_get_daemon_info(sp->mhd, MHD_DAEMON_INFO_EPOLL_FD)
		       : NULL;
	if (info)
		sp->watch = onshi_loop_watch(core->loop, sp, info->epoll_fd,
					     ONSHI_FD_READ, on_ready, sp);
	if (!sp->watch) {
		snprintf(msg, msglen,
			 "status page: cannot listen on %s (address in use, or not an address of this machine?)",
			 listen);
		if (sp->mhd)
			MHD_stop_daemon(sp->mhd);
		free(sp);
		return ONSHI_EIO;
	}
	core->status_page = sp;
	/* Port 0: name the port the kernel chose, for status and the log. */
	info = MHD_get_daemon_info(sp->mhd, MHD_DAEMON_INFO_BIND_PORT);
	if (info && info->port) {
		char *colon = strrchr(sp->listen, ':');

		if (colon && strcmp(colon, ":0") == 0)
			snprintf(colon, sizeof(sp->listen) - (size_t)(colon - sp->listen),
				 ":%u", (unsigned)info->port);
	}
	run_mhd(sp);
	snprintf(msg, msglen, "status page on http://%s/ (refresh every %d s%s)",
		 sp->listen, sp->refresh_s, loopback ? "" : ", reachable from other machines");
	return ONSHI_OK;
}

void onshi_status_page_close(struct onshi_core *core)
{
	struct onshi_status_page *sp = core->status_page;

	if (!sp)
		return;
	onshi_loop_forget_owner(core->loop, sp);
	MHD_stop_daemon(sp->mhd);
	free(sp);
	core->status_page = NULL;
}

const char *onshi_status_page_listen(const struct onshi_core *core)
{
	return core->status_page ? core->status_page->listen : NULL;
}
