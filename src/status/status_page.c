/* SPDX-License-Identifier: Apache-2.0 */
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
 * The listening socket is ours, not MHD's (MHD_USE_NO_LISTEN_SOCKET +
 * MHD_add_connection): at its connection limit MHD takes its listening
 * socket out of its epoll set and, run from an outside loop, only puts it
 * back on a later MHD_run() that nothing triggers — the page stayed shut
 * for good. Accepting ourselves, we always accept; at MAX_CONNECTIONS we
 * cut the oldest connection whose request is still incomplete (every local
 * client is 127.0.0.1, so a per-address share would not help), and a
 * connection that has not completed a request within REQUEST_DEADLINE_MS
 * is cut too (MHD's timeout only counts inactivity: a client trickling a
 * byte a second was never idle). Cutting is shutdown(): MHD sees the
 * connection end and closes it as if the client had gone.
 *
 * GET / is the HTML page, GET /status.xml the XML document; anything else
 * is 404, and methods other than GET/HEAD are 405.
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <microhttpd.h>

#include "status.h"
#include "status_listen.h"

#define DEFAULT_REFRESH_S 5
/* Enough for a front desk and a few scripts; beyond it the oldest
 * incomplete connection makes room. */
#define MAX_CONNECTIONS 32
/* MHD's own limit: room for connections cut but not yet closed by MHD. */
#define MHD_CONNECTIONS (2 * MAX_CONNECTIONS)
/* Request line and headers must fit: a long URL is answered 414. */
#define CONNECTION_MEMORY 16384
/* MHD's inactivity timeout. */
#define CONNECTION_TIMEOUT_S 10
/* A whole request, from connect (or the previous answer) to its answer. */
#define REQUEST_DEADLINE_S 10
#define REQUEST_DEADLINE_MS (REQUEST_DEADLINE_S * 1000)
/* `onshictl status` says "saturated" this long after a cut at the limit. */
#define SATURATED_MS 60000
/* At most one log line per kind of cut this often; the rest are counted. */
#define CUT_LOG_MS 10000
#define ACCEPT_BURST 16
#define ACCEPT_RETRY_MS 1000

/* One connection MHD holds, oldest deadline first in the page's list. */
struct page_conn {
	struct onshi_status_page *sp;
	int fd;
	uint64_t since_ms; /* connected, or the previous request answered */
	int answering;     /* its request is complete: being answered */
	int cut;           /* shut down by us; MHD closes it */
	char peer[64];
	struct page_conn *prev, *next;
};

/* Rate-limited log line for one kind of cut. */
struct cut_log {
	uint64_t last_ms;
	unsigned long unlogged;
};

struct onshi_status_page {
	struct onshi_core *core;
	struct MHD_Daemon *mhd;
	int listen_fd;
	struct onshi_loop_watch *listen_watch;
	struct onshi_loop_watch *watch; /* MHD's epoll fd */
	struct onshi_loop_timer *timer; /* MHD's next timeout */
	struct onshi_loop_timer *deadline_timer;
	struct onshi_loop_timer *accept_retry;
	struct page_conn *head, *tail;
	unsigned open; /* connections not cut */
	unsigned long cut_at_limit, cut_at_deadline;
	uint64_t last_limit_cut_ms;
	struct cut_log limit_log, deadline_log;
	int accept_errno; /* accept() failing with this: not serving */
	int refresh_s;
	enum onshi_page_lang lang;
	char listen[128];
};

static void run_mhd(struct onshi_status_page *sp);

static void conn_unlink(struct onshi_status_page *sp, struct page_conn *pc)
{
	if (pc->prev)
		pc->prev->next = pc->next;
	else
		sp->head = pc->next;
	if (pc->next)
		pc->next->prev = pc->prev;
	else
		sp->tail = pc->prev;
	pc->prev = pc->next = NULL;
}

static void conn_append(struct onshi_status_page *sp, struct page_conn *pc)
{
	pc->prev = sp->tail;
	pc->next = NULL;
	if (sp->tail)
		sp->tail->next = pc;
	else
		sp->head = pc;
	sp->tail = pc;
}

static struct page_conn *conn_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

/* MHD_OPTION_NOTIFY_CONNECTION: track what MHD holds. */
static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	struct onshi_status_page *sp = cls;
	struct page_conn *pc = *socket_context;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *fd =
			MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		const union MHD_ConnectionInfo *addr =
			MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

		pc = calloc(1, sizeof(*pc));
		if (!pc || !fd) {
			free(pc);
			return; /* untracked: MHD's own timeout and limit apply */
		}
		pc->sp = sp;
		pc->fd = fd->connect_fd;
		pc->since_ms = onshi_loop_now_ms();
		snprintf(pc->peer, sizeof(pc->peer), "?");
		if (addr && addr->client_addr) {
			const struct sockaddr *sa = addr->client_addr;

			if (sa->sa_family == AF_INET)
				inet_ntop(AF_INET,
					  &((const struct sockaddr_in *)(const void *)sa)
						   ->sin_addr,
					  pc->peer, sizeof(pc->peer));
			else if (sa->sa_family == AF_INET6)
				inet_ntop(AF_INET6,
					  &((const struct sockaddr_in6 *)(const void *)sa)
						   ->sin6_addr,
					  pc->peer, sizeof(pc->peer));
		}
		conn_append(sp, pc);
		sp->open++;
		*socket_context = pc;
		return;
	}
	if (!pc)
		return;
	conn_unlink(sp, pc);
	if (!pc->cut)
		sp->open--;
	free(pc);
	*socket_context = NULL;
}

/* MHD_OPTION_NOTIFY_COMPLETED: a kept-alive connection starts a new
 * request, with a fresh deadline. */
static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct onshi_status_page *sp = cls;
	struct page_conn *pc = conn_of(c);

	(void)con_cls;
	(void)toe;
	if (!pc || pc->cut)
		return;
	pc->answering = 0;
	pc->since_ms = onshi_loop_now_ms();
	conn_unlink(sp, pc);
	conn_append(sp, pc);
}

/* Log the first cut of a kind, then at most one line per CUT_LOG_MS. */
static void log_cut(struct onshi_status_page *sp, int at_limit, uint64_t now,
		    const struct page_conn *pc)
{
	struct cut_log *cl = at_limit ? &sp->limit_log : &sp->deadline_log;
	double open_s = (double)(now - pc->since_ms) / 1000.0;
	char more[64] = "";

	if (cl->last_ms && now - cl->last_ms < CUT_LOG_MS) {
		cl->unlogged++;
		return;
	}
	if (cl->unlogged)
		snprintf(more, sizeof(more),
			 " (and %lu more since the last message)", cl->unlogged);
	if (at_limit)
		onshi_logf(&sp->core->log, ONSHI_LOG_WARNING,
			   "status page: at the connection limit (%d): closed the oldest incomplete connection (from %s, open %.1f s) to make room%s",
			   MAX_CONNECTIONS, pc->peer, open_s, more);
	else
		onshi_logf(&sp->core->log, ONSHI_LOG_WARNING,
			   "status page: closed a connection from %s: no whole request within the %d s deadline (open %.1f s)%s",
			   pc->peer, REQUEST_DEADLINE_S, open_s, more);
	cl->last_ms = now;
	cl->unlogged = 0;
}

/* End a connection MHD holds: MHD reads end-of-file and closes it. */
static void cut(struct onshi_status_page *sp, struct page_conn *pc)
{
	shutdown(pc->fd, SHUT_RDWR);
	pc->cut = 1;
	sp->open--;
}

/* At the limit: the oldest connection still sending its request goes
 * (the oldest of all when every one is being answered). */
static void make_room(struct onshi_status_page *sp)
{
	struct page_conn *pc, *victim = NULL, *oldest = NULL;
	uint64_t now = onshi_loop_now_ms();

	for (pc = sp->head; pc; pc = pc->next) {
		if (pc->cut)
			continue;
		if (!oldest)
			oldest = pc;
		if (!pc->answering) {
			victim = pc;
			break;
		}
	}
	if (!victim)
		victim = oldest;
	if (!victim)
		return;
	sp->cut_at_limit++;
	sp->last_limit_cut_ms = now;
	log_cut(sp, 1, now, victim);
	cut(sp, victim);
	/* Let MHD see it now, so that its slot is free for the new one. */
	MHD_run(sp->mhd);
}

static void arm_deadline(struct onshi_status_page *sp);

static void on_deadline(void *arg)
{
	struct onshi_status_page *sp = arg;
	uint64_t now = onshi_loop_now_ms();
	struct page_conn *pc;

	sp->deadline_timer = NULL; /* one-shot */
	for (pc = sp->head; pc; pc = pc->next) {
		if (pc->cut)
			continue;
		if (now - pc->since_ms < REQUEST_DEADLINE_MS)
			break; /* the list is in deadline order */
		sp->cut_at_deadline++;
		log_cut(sp, 0, now, pc);
		cut(sp, pc);
	}
	run_mhd(sp);
}

/* Wake up when the first connection's deadline is due. */
static void arm_deadline(struct onshi_status_page *sp)
{
	struct page_conn *pc;
	uint64_t now = onshi_loop_now_ms(), due;

	if (sp->deadline_timer) {
		onshi_loop_timer_stop(sp->core->loop, sp->deadline_timer);
		sp->deadline_timer = NULL;
	}
	for (pc = sp->head; pc && pc->cut; pc = pc->next)
		;
	if (!pc)
		return;
	due = pc->since_ms + REQUEST_DEADLINE_MS;
	sp->deadline_timer = onshi_loop_timer(sp->core->loop, sp,
					      due > now ? due - now : 0, 0,
					      on_deadline, sp);
}

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
	arm_deadline(sp);
}

static void on_ready(int fd, unsigned events, void *arg)
{
	(void)fd;
	(void)events;
	run_mhd(arg);
}

static void on_listen(int fd, unsigned events, void *arg);

static void on_accept_retry(void *arg)
{
	struct onshi_status_page *sp = arg;

	sp->accept_retry = NULL;
	onshi_loop_watch_modify(sp->core->loop, sp->listen_watch, ONSHI_FD_READ);
	on_listen(sp->listen_fd, ONSHI_FD_READ, sp);
}

static void on_listen(int fd, unsigned events, void *arg)
{
	struct onshi_status_page *sp = arg;

	(void)events;
	for (int i = 0; i < ACCEPT_BURST; i++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		int c = accept4(fd, (struct sockaddr *)&ss, &len,
				SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			/* Out of descriptors or memory: pause, retry, say so. */
			if (sp->accept_errno != errno)
				onshi_logf(&sp->core->log, ONSHI_LOG_ERR,
					   "status page: not serving: cannot accept connections on %s: %s (retrying every second)",
					   sp->listen, strerror(errno));
			sp->accept_errno = errno;
			onshi_loop_watch_modify(sp->core->loop, sp->listen_watch, 0);
			if (!sp->accept_retry)
				sp->accept_retry =
					onshi_loop_timer(sp->core->loop, sp,
							 ACCEPT_RETRY_MS, 0,
							 on_accept_retry, sp);
			break;
		}
		if (sp->accept_errno) {
			onshi_logf(&sp->core->log, ONSHI_LOG_NOTICE,
				   "status page: accepting connections again on %s",
				   sp->listen);
			sp->accept_errno = 0;
		}
		if (sp->open >= MAX_CONNECTIONS)
			make_room(sp);
		/* On failure MHD has closed c (and logged why). */
		MHD_add_connection(sp->mhd, c, (struct sockaddr *)&ss, len);
	}
	run_mhd(sp);
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
	struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body,
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

static enum MHD_Result plain(struct MHD_Connection *c, unsigned code, const char *msg)
{
	return respond(c, code, "text/plain; charset=utf-8", msg, strlen(msg));
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct onshi_status_page *sp = cls;
	struct page_conn *pc = conn_of(c);
	enum MHD_Result ret;

	if (pc)
		pc->answering = 1; /* the request is whole: not cut at the limit */
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

		if (onshi_status_html(sp->core, sp->refresh_s, sp->lang, &b) !=
		    ONSHI_OK) {
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

/* Our listening socket (see the top of the file for why not MHD's). */
static int listen_on(const struct sockaddr_storage *ss, socklen_t sslen)
{
	int one = 1;
	int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    (ss->ss_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0) ||
	    bind(fd, (const struct sockaddr *)ss, sslen) < 0 ||
	    listen(fd, SOMAXCONN) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int onshi_status_page_open(struct onshi_core *core, char *msg, size_t msglen)
{
	const struct onshi_conf_section *sec =
		onshi_config_section(core->config, "status_page", NULL);
	const char *listen = onshi_conf_section_get(sec, "listen");
	const char *refresh = onshi_conf_section_get(sec, "refresh_s");
	const char *language = onshi_conf_section_get(sec, "language");
	struct onshi_status_page *sp;
	struct sockaddr_storage ss, bound;
	socklen_t sslen, blen = sizeof(bound);
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
	/* --check-config allows ja and en only; Japanese unless en. */
	sp->lang = language && strcmp(language, "en") == 0 ? ONSHI_PAGE_EN
							   : ONSHI_PAGE_JA;
	snprintf(sp->listen, sizeof(sp->listen), "%s", listen);
	sp->listen_fd = listen_on(&ss, sslen);
	if (sp->listen_fd >= 0)
		sp->mhd = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
						   MHD_USE_NO_LISTEN_SOCKET |
						   (ss.ss_family == AF_INET6 ? MHD_USE_IPv6
									     : 0),
					   0, NULL, NULL, on_request, sp,
					   /* First, so that no message goes to stderr instead. */
					   MHD_OPTION_EXTERNAL_LOGGER, mhd_log,
					   sp, MHD_OPTION_CONNECTION_LIMIT,
					   (unsigned)MHD_CONNECTIONS,
					   MHD_OPTION_CONNECTION_MEMORY_LIMIT,
					   (size_t)CONNECTION_MEMORY,
					   MHD_OPTION_CONNECTION_TIMEOUT,
					   (unsigned)CONNECTION_TIMEOUT_S,
					   MHD_OPTION_NOTIFY_CONNECTION, on_connection,
					   sp, MHD_OPTION_NOTIFY_COMPLETED,
					   on_completed, sp, MHD_OPTION_END);
	info = sp->mhd ? MHD_get_daemon_info(sp->mhd, MHD_DAEMON_INFO_EPOLL_FD)
		       : NULL;
	if (info)
		sp->watch = onshi_loop_watch(core->loop, sp, info->epoll_fd,
					     ONSHI_FD_READ, on_ready, sp);
	if (sp->watch)
		sp->listen_watch = onshi_loop_watch(core->loop, sp, sp->listen_fd,
						    ONSHI_FD_READ, on_listen, sp);
	if (!sp->listen_watch) {
		snprintf(msg, msglen,
			 "status page: cannot listen on %s (address in use, or not an address of this machine?)",
			 listen);
		onshi_loop_forget_owner(core->loop, sp);
		if (sp->mhd)
			MHD_stop_daemon(sp->mhd);
		if (sp->listen_fd >= 0)
			close(sp->listen_fd);
		free(sp);
		return ONSHI_EIO;
	}
	core->status_page = sp;
	/* Port 0: name the port the kernel chose, for status and the log. */
	if (getsockname(sp->listen_fd, (struct sockaddr *)&bound, &blen) == 0) {
		char *colon = strrchr(sp->listen, ':');
		unsigned port =
			ntohs(bound.ss_family == AF_INET6
				      ? ((struct sockaddr_in6 *)&bound)->sin6_port
				      : ((struct sockaddr_in *)&bound)->sin_port);

		if (colon && strcmp(colon, ":0") == 0)
			snprintf(colon,
				 sizeof(sp->listen) - (size_t)(colon - sp->listen),
				 ":%u", port);
	}
	run_mhd(sp);
	snprintf(msg, msglen, "status page on http://%s/ (refresh every %d s%s)",
		 sp->listen, sp->refresh_s,
		 loopback ? "" : ", reachable from other machines");
	return ONSHI_OK;
}

void onshi_status_page_close(struct onshi_core *core)
{
	struct onshi_status_page *sp = core->status_page;

	if (!sp)
		return;
	onshi_loop_forget_owner(core->loop, sp);
	MHD_stop_daemon(sp->mhd); /* closes every connection: frees the list */
	close(sp->listen_fd);
	free(sp);
	core->status_page = NULL;
}

const char *onshi_status_page_listen(const struct onshi_core *core)
{
	return core->status_page ? core->status_page->listen : NULL;
}

const char *onshi_status_page_trouble(const struct onshi_core *core, char *buf,
				      size_t len)
{
	const struct onshi_status_page *sp = core->status_page;
	uint64_t now = onshi_loop_now_ms();

	if (!sp)
		return NULL;
	if (sp->accept_errno) {
		snprintf(buf, len, "not serving: cannot accept connections: %s",
			 strerror(sp->accept_errno));
		return buf;
	}
	if (sp->open >= MAX_CONNECTIONS ||
	    (sp->cut_at_limit && now - sp->last_limit_cut_ms < SATURATED_MS)) {
		int n = snprintf(buf, len, "saturated: %u of %d connections open",
				 sp->open, MAX_CONNECTIONS);

		if (sp->cut_at_limit && n >= 0 && (size_t)n < len)
			snprintf(buf + n, len - (size_t)n,
				 ", %lu incomplete one(s) closed to make room (the last %llu s ago)",
				 sp->cut_at_limit,
				 (unsigned long long)((now - sp->last_limit_cut_ms) /
						      1000));
		return buf;
	}
	return NULL;
}

void onshi_status_page_status_field(struct onshi_status_snapshot *s, void *ctx)
{
	struct onshi_core *core = ctx;
	char url[512], trouble[320];
	const char *t;

	if (!onshi_status_page_listen(core))
		return;
	t = onshi_status_page_trouble(core, trouble, sizeof(trouble));
	/* onshictl prints the value as it is: the trouble follows the
	 * address on the "status page" line. */
	snprintf(url, sizeof(url), "http://%s/%s%s",
		 onshi_status_page_listen(core), t ? " — " : "", t ? t : "");
	onshi_status_put(s, "status_page", url);
}
