/* SPDX-License-Identifier: Apache-2.0 */
/*
 * control.c — the control socket's connections: accept, peer check, line
 * framing and non-blocking replies on the core's loop.
 *
 * Connections are bounded so that silent clients cannot lock operators
 * out: a client that sends nothing for [control] idle_timeout_s is closed
 * (unless a command is answering it); one user holds at most MAX_PER_UID
 * connections, and a new one past that replaces the user's own oldest idle
 * connection; users other than root and onshid's own together hold at most
 * MAX_CLIENTS - OPERATOR_RESERVE, so root always finds a free slot, and at
 * MAX_CLIENTS root's (or onshid's user's) new connection replaces the
 * oldest idle one of anybody.
 *
 * Uploads (a request line with bytes=N, then N bytes: control_frame.h) are
 * read a slice per wake-up like any other input, so a client that announces
 * a body and stalls holds nothing but its own connection until the idle
 * timeout; the bodies of users other than root and onshid's own together
 * stay under BODY_BUDGET bytes of memory.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "loop.h"

#include "audit.h"
#include "control.h"
#include "control_frame.h"
#include "core.h"

/* Local operators are few; a flood of connections is an attack or a bug. */
#define MAX_CLIENTS 32
/* One user's share (onshictl uses one connection per command). */
#define MAX_PER_UID 8
/* Slots that only root and onshid's own user may take. */
#define OPERATOR_RESERVE 8
/* How often idle clients are looked for (at most; less for short timeouts). */
#define IDLE_SWEEP_MS 1000
/* Body bytes all non-operator uploads may hold at once (two largest batches). */
#define BODY_BUDGET (2 * (size_t)ONSHI_CONTROL_BATCH_MAX_BODY)
/* At most this much is read per wake-up, so one upload cannot hold the loop. */
#define READ_SLICE (256u * 1024)
/* A reply from a file is sent this much at a time. */
#define REPLY_SLICE (64u * 1024)

struct client {
	struct onshi_control *ctl;
	int fd;
	struct onshi_loop_watch *watch;
	struct onshi_control_frame frame; /* request lines and bodies */
	struct onshi_strbuf out;
	int out_fd;   /* the rest of a long reply, read as out drains; or -1 */
	int closing;  /* close once out is written */
	int held;     /* an asynchronous command is answering */
	int gone;     /* peer went away while held: free on answer */
	unsigned uid; /* the peer's, from SO_PEERCRED (for the audit log) */
	char who[64]; /* "uid U pid P", for the log */
	uint64_t active_ms; /* last byte received or sent */
	struct client *next;
};

/* The public name of a connection is its struct client. */
struct onshi_control_client {
	struct client c;
};

struct onshi_control {
	struct onshi_core *core;
	onshi_control_dispatch_fn *dispatch; /* answers each request line */
	void *dispatch_arg;
	int fd;
	char *path;
	gid_t gid;
	struct onshi_loop_watch *watch;
	int bound;              /* the socket file is ours to remove */
	struct client *clients; /* newest first */
	unsigned nclients;
	uint64_t idle_ms;                    /* [control] idle_timeout_s */
	struct onshi_loop_timer *idle_timer; /* runs while clients exist */
};

static void client_free(struct client *c)
{
	struct onshi_control *ctl = c->ctl;
	struct client **pp;

	if (c->gone)
		return;
	for (pp = &ctl->clients; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	ctl->nclients--;
	onshi_loop_unwatch(ctl->core->loop, c->watch);
	close(c->fd);
	if (c->out_fd >= 0)
		close(c->out_fd);
	c->out_fd = -1;
	onshi_strbuf_free(&c->out);
	onshi_control_frame_done(&c->frame);
	if (c->held) {
		c->gone = 1; /* the pending answer frees it */
		return;
	}
	free(c);
}

/*
 * Whether c can take more input now. While a held command answers, a
 * pipelined request fills the line buffer (or its body completes) and
 * waits; the socket is then not watched for reading until the answer, so
 * the loop does not spin on bytes nobody may take yet.
 */
static int can_read(struct client *c)
{
	size_t room;

	return !c->closing && onshi_control_frame_room(&c->frame, 1, &room) != NULL;
}

static void client_handle_lines(struct client *c);

/*
 * A long reply's next slice from its file (onshi_control_answer_file()),
 * once out has drained: memory holds one slice, not the reply.
 */
static void refill_from_file(struct client *c)
{
	char buf[REPLY_SLICE];
	ssize_t n;

	if (c->out_fd < 0 || c->out.len)
		return;
	do
		n = read(c->out_fd, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	if (n > 0) {
		onshi_strbuf_append(&c->out, buf, (size_t)n);
		return;
	}
	/* The end (or an unreadable file: the client sees a short reply). */
	close(c->out_fd);
	c->out_fd = -1;
	client_handle_lines(c); /* requests that queued up meanwhile */
}

/* Write what we can; switch the watch to write-readiness if needed. */
static void client_flush(struct client *c)
{
	refill_from_file(c);
	while (c->out.len) {
		ssize_t n = send(c->fd, c->out.data, c->out.len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == EINTR)
				continue;
			client_free(c);
			return;
		}
		onshi_strbuf_consume(&c->out, (size_t)n);
		c->active_ms = onshi_loop_now_ms();
		refill_from_file(c);
	}
	if (!c->out.len && c->closing) {
		client_free(c);
		return;
	}
	onshi_loop_watch_modify(c->ctl->core->loop, c->watch,
				c->out.len    ? ONSHI_FD_WRITE
				: can_read(c) ? ONSHI_FD_READ
					      : 0);
}

static int is_operator(unsigned uid)
{
	return uid == 0 || uid == (unsigned)geteuid();
}

/* How many body bytes c may announce now (see BODY_BUDGET). */
static size_t body_budget(const struct client *c)
{
	size_t used = 0;

	if (is_operator(c->uid))
		return (size_t)-1;
	for (const struct client *o = c->ctl->clients; o; o = o->next)
		if (o != c && !is_operator(o->uid))
			used += onshi_control_frame_announced(&o->frame);
	return used < BODY_BUDGET ? BODY_BUDGET - used : 0;
}

static void client_handle_lines(struct client *c)
{
	char actor[32], why[256];

	while (!c->held && !c->closing && c->out_fd < 0) {
		enum onshi_frame_step step =
			onshi_control_frame_next(&c->frame, body_budget(c), why,
						 sizeof(why));

		if (step == ONSHI_FRAME_MORE)
			break;
		if (step == ONSHI_FRAME_FATAL) {
			/* why quotes the client's words: no control characters
			 * into the log or onto the operator's terminal. */
			for (char *p = why; *p; p++)
				if ((unsigned char)*p < 0x20 || *p == 0x7f)
					*p = '?';
			/* The stream cannot be followed any further. */
			onshi_strbuf_printf(&c->out, "-1 %s\n", why);
			onshi_logf(&c->ctl->core->log, ONSHI_LOG_WARNING,
				   "control: closing the connection of %s: %s",
				   c->who, why);
			c->closing = 1;
			break;
		}
		/* What the command does is recorded as done by this user. */
		snprintf(actor, sizeof(actor), "uid:%u", c->uid);
		onshi_audit_actor(c->ctl->core, actor);
		c->ctl->dispatch(c->ctl->dispatch_arg,
				 (struct onshi_control_client *)c,
				 c->frame.line, &c->out);
		onshi_audit_actor(c->ctl->core, NULL);
		/* Commands copy what they keep: the body goes now. */
		onshi_control_frame_done(&c->frame);
	}
}

char *onshi_control_body(struct onshi_control_client *pc, size_t *len)
{
	struct client *c = (struct client *)pc;

	*len = 0;
	if (!c || !c->frame.body)
		return NULL;
	*len = c->frame.body_len;
	return c->frame.body;
}

struct onshi_control_client *onshi_control_hold(struct onshi_control_client *pc)
{
	struct client *c = (struct client *)pc;

	c->held = 1;
	return pc;
}

void onshi_control_answer(struct onshi_control_client *pc,
			  const struct onshi_strbuf *reply)
{
	struct client *c = (struct client *)pc;

	c->held = 0;
	if (c->gone) {
		free(c);
		return;
	}
	if (reply->len)
		onshi_strbuf_append(&c->out, reply->data, reply->len);
	client_handle_lines(c); /* requests that queued up meanwhile */
	if (c->out.failed) {
		client_free(c);
		return;
	}
	client_flush(c);
}

void onshi_control_answer_file(struct onshi_control_client *pc,
			       const struct onshi_strbuf *head, int fd)
{
	struct client *c = (struct client *)pc;

	c->held = 0;
	if (c->gone) {
		close(fd);
		free(c);
		return;
	}
	if (head->len)
		onshi_strbuf_append(&c->out, head->data, head->len);
	/* Later requests wait until the file has been sent whole. */
	c->out_fd = fd;
	if (c->out.failed) {
		client_free(c);
		return;
	}
	client_flush(c);
}

static void client_event(int fd, unsigned events, void *arg)
{
	struct client *c = arg;

	if ((events & ONSHI_FD_READ) && !c->closing) {
		size_t room;
		char *at = onshi_control_frame_room(&c->frame, READ_SLICE, &room);
		ssize_t n = 0;

		/* No room: a held command keeps a whole request (or line)
		 * waiting; framing it says what comes next. */
		if (at) {
			n = recv(fd, at, room, 0);
			if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
				client_free(c); /* peer went away */
				return;
			}
		}
		if (n > 0) {
			c->active_ms = onshi_loop_now_ms();
			onshi_control_frame_fed(&c->frame, (size_t)n);
		}
		client_handle_lines(c);
	} else if ((events & ONSHI_FD_ERROR) && !(events & ONSHI_FD_WRITE)) {
		client_free(c);
		return;
	}
	if (c->out.failed) {
		client_free(c); /* out of memory for the reply */
		return;
	}
	client_flush(c);
}

/* Root, our own user, or a member of the socket's group may talk to us. */
static int peer_allowed(struct onshi_control *ctl, int fd, char *who,
			size_t wholen, unsigned *uid)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct passwd *pw;
	gid_t groups[64];
	int ngroups = 64;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return 0;
	snprintf(who, wholen, "uid %u pid %d", (unsigned)cred.uid, (int)cred.pid);
	*uid = (unsigned)cred.uid;
	if (cred.uid == 0 || cred.uid == geteuid() || cred.gid == ctl->gid)
		return 1;
	pw = getpwuid(cred.uid);
	if (pw && getgrouplist(pw->pw_name, pw->pw_gid, groups, &ngroups) >= 0)
		for (int i = 0; i < ngroups; i++)
			if (groups[i] == ctl->gid)
				return 1;
	return 0;
}

/* Close a client that sends nothing, saying so (a held one is spared:
 * onshid itself is still answering it). */
static void drop_client(struct client *c, const char *why)
{
	struct onshi_control *ctl = c->ctl;

	onshi_logf(&ctl->core->log, ONSHI_LOG_WARNING,
		   "control: closed the connection of %s: %s (silent for %.1f s)",
		   c->who, why,
		   (double)(onshi_loop_now_ms() - c->active_ms) / 1000.0);
	client_free(c);
}

static void idle_sweep(void *arg)
{
	struct onshi_control *ctl = arg;
	uint64_t now = onshi_loop_now_ms();
	struct client *c, *next;
	char why[64];

	for (c = ctl->clients; c; c = next) {
		next = c->next;
		if (!c->held && now - c->active_ms >= ctl->idle_ms) {
			snprintf(why, sizeof(why), "idle for the %llu s timeout",
				 (unsigned long long)(ctl->idle_ms / 1000));
			drop_client(c, why);
		}
	}
	if (!ctl->clients && ctl->idle_timer) {
		onshi_loop_timer_stop(ctl->core->loop, ctl->idle_timer);
		ctl->idle_timer = NULL;
	}
}

/* The client least recently active that no command is answering: of
 * `uid`, or of anybody when uid is -1. */
static struct client *oldest_idle(struct onshi_control *ctl, long uid)
{
	struct client *c, *best = NULL;

	for (c = ctl->clients; c; c = c->next)
		if (!c->held && (uid < 0 || c->uid == (unsigned)uid) &&
		    (!best || c->active_ms <= best->active_ms))
			best = c;
	return best;
}

/*
 * Room for a new connection of `uid`: 1, possibly after closing an idle
 * one (see the top of the file); 0 with the reason in why.
 */
static int make_room(struct onshi_control *ctl, unsigned uid, char *why, size_t whylen)
{
	unsigned mine = 0, others = 0;
	struct client *c, *victim;

	for (c = ctl->clients; c; c = c->next) {
		if (c->uid == uid)
			mine++;
		if (!is_operator(c->uid))
			others++;
	}
	if (mine >= MAX_PER_UID) {
		victim = oldest_idle(ctl, uid);
		if (!victim) {
			snprintf(why, whylen,
				 "uid %u has %d connections (the per-user cap), all busy",
				 uid, MAX_PER_UID);
			return 0;
		}
		snprintf(why, whylen,
			 "uid %u opened another connection past its cap of %d, and this was its oldest idle one",
			 uid, MAX_PER_UID);
		drop_client(victim, why);
		return 1;
	}
	if (!is_operator(uid) && others >= MAX_CLIENTS - OPERATOR_RESERVE) {
		snprintf(why, whylen,
			 "%u connections of users other than root and onshid's (the limit; %d more are kept for them)",
			 others, OPERATOR_RESERVE);
		return 0;
	}
	if (ctl->nclients >= MAX_CLIENTS) {
		victim = is_operator(uid) ? oldest_idle(ctl, -1) : NULL;
		if (!victim) {
			snprintf(why, whylen, "%u connections (the limit)",
				 ctl->nclients);
			return 0;
		}
		drop_client(victim,
			    "the oldest idle connection makes room at the connection limit for root or onshid's user");
		return 1;
	}
	return 1;
}

static void accept_event(int fd, unsigned events, void *arg)
{
	struct onshi_control *ctl = arg;
	char who[64], why[160];
	struct client *c;
	unsigned uid = 0;
	int cfd;

	cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (cfd < 0)
		return;
	if (!peer_allowed(ctl, cfd, who, sizeof(who), &uid)) {
		onshi_logf(&ctl->core->log, ONSHI_LOG_WARNING,
			   "control: refused connection from %s: not root, not onshid's user, not in the socket's group",
			   who);
		close(cfd);
		return;
	}
	if (!make_room(ctl, uid, why, sizeof(why))) {
		char busy[256];
		int n = snprintf(busy, sizeof(busy),
				 "-1 too many control connections: %s\n", why);

		onshi_logf(&ctl->core->log, ONSHI_LOG_WARNING,
			   "control: refused connection from %s: %s", who, why);
		if (n > 0 && send(cfd, busy, strlen(busy), MSG_NOSIGNAL) < 0) {
			/* nothing more to do: we close anyway */
		}
		close(cfd);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(cfd);
		return;
	}
	c->ctl = ctl;
	c->fd = cfd;
	c->out_fd = -1;
	c->uid = uid;
	c->active_ms = onshi_loop_now_ms();
	snprintf(c->who, sizeof(c->who), "%s", who);
	c->watch = onshi_loop_watch(ctl->core->loop, ctl, cfd, ONSHI_FD_READ,
				    client_event, c);
	if (!c->watch) {
		close(cfd);
		free(c);
		return;
	}
	c->next = ctl->clients;
	ctl->clients = c;
	ctl->nclients++;
	if (!ctl->idle_timer)
		ctl->idle_timer = onshi_loop_timer(ctl->core->loop, ctl,
						   ctl->idle_ms < IDLE_SWEEP_MS
							   ? ctl->idle_ms
							   : IDLE_SWEEP_MS,
						   1, idle_sweep, ctl);
}

static int resolve_group(struct onshi_core *core, gid_t *gid, char *msg, size_t msglen)
{
	const char *name = core->settings.control_group;
	struct group *gr;

	*gid = getegid();
	if (!name)
		return ONSHI_OK;
	gr = getgrnam(name);
	if (!gr) {
		snprintf(msg, msglen,
			 "[control] group '%s' does not exist: create it (groupadd %s) or remove the key",
			 name, name);
		return ONSHI_ENOTFOUND;
	}
	*gid = gr->gr_gid;
	return ONSHI_OK;
}

int onshi_control_open(struct onshi_core *core,
		       onshi_control_dispatch_fn *dispatch, void *dispatch_arg,
		       struct onshi_control **out, char *msg, size_t msglen)
{
	const char *path = core->settings.control_socket;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct onshi_control *ctl;
	mode_t old_umask;
	int rc;

	*out = NULL;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(msg, msglen, "control socket path too long: %s", path);
		return ONSHI_EINVAL;
	}
	ctl = calloc(1, sizeof(*ctl));
	if (!ctl)
		return ONSHI_ENOMEM;
	ctl->core = core;
	ctl->dispatch = dispatch;
	ctl->dispatch_arg = dispatch_arg;
	ctl->fd = -1;
	ctl->idle_ms = (uint64_t)core->settings.control_idle_timeout_s * 1000;
	rc = resolve_group(core, &ctl->gid, msg, msglen);
	if (rc != ONSHI_OK)
		goto fail;
	ctl->path = strdup(path);
	if (!ctl->path) {
		rc = ONSHI_ENOMEM;
		goto fail;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	ctl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ctl->fd < 0)
		goto sysfail;
	/* A stale socket from a killed daemon would block bind(); a live one
	 * is detected by connecting to it first. */
	{
		int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (probe >= 0 &&
		    connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			close(probe);
			snprintf(msg, msglen,
				 "control socket %s is in use: is another onshid running?",
				 path);
			rc = ONSHI_EEXIST;
			goto fail;
		}
		if (probe >= 0)
			close(probe);
		unlink(path);
	}
	old_umask = umask(0117); /* socket created 0660 */
	if (bind(ctl->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		umask(old_umask);
		goto sysfail;
	}
	umask(old_umask);
	ctl->bound = 1;
	if (chmod(path, 0660) < 0 ||
	    (core->settings.control_group && chown(path, (uid_t)-1, ctl->gid) < 0))
		goto sysfail;
	if (listen(ctl->fd, 16) < 0)
		goto sysfail;
	ctl->watch = onshi_loop_watch(core->loop, ctl, ctl->fd, ONSHI_FD_READ,
				      accept_event, ctl);
	if (!ctl->watch)
		goto sysfail;
	*out = ctl;
	return ONSHI_OK;
sysfail:
	snprintf(msg, msglen, "control socket %s: %s", path, strerror(errno));
	rc = ONSHI_EIO;
fail:
	onshi_control_close(ctl);
	return rc;
}

void onshi_control_close(struct onshi_control *ctl)
{
	if (!ctl)
		return;
	while (ctl->clients) {
		struct client *c = ctl->clients;

		c->held = 0; /* shutting down: nobody will answer */
		client_free(c);
	}
	if (ctl->idle_timer)
		onshi_loop_timer_stop(ctl->core->loop, ctl->idle_timer);
	if (ctl->watch)
		onshi_loop_unwatch(ctl->core->loop, ctl->watch);
	if (ctl->fd >= 0)
		close(ctl->fd);
	if (ctl->bound)
		unlink(ctl->path);
	free(ctl->path);
	free(ctl);
}

int onshi_control_has_upload(int argc, char **argv)
{
	for (int i = 2; i < argc; i++)
		if (strncasecmp(argv[i], "bytes=", 6) == 0)
			return 1;
	return 0;
}

char *onshi_control_upload(struct onshi_control_client *client, int argc,
			   char **argv, size_t *len, struct onshi_strbuf *reply)
{
	char *body;

	*len = 0;
	if (!onshi_control_has_upload(argc, argv)) {
		onshi_strbuf_printf(reply,
				    "-1 %s %s: onshid no longer opens files named in a request; update onshictl, which sends the file's bytes (bytes=N, then the N bytes)\n",
				    argv[0], argv[1]);
		return NULL;
	}
	body = onshi_control_body(client, len);
	if (!body)
		onshi_strbuf_printf(reply,
				    "-1 bytes= was given but no body came with the request\n");
	return body;
}
