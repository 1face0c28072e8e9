/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vici_conn.c — a VICI connection on the loop (vici_conn.h).
 *
 * Reading: bytes are appended to `in` until onshi_vici_segment() says a
 * whole segment is there; it is parsed and handed on, events to the
 * owner, anything else to the command at the head of the queue. Writing:
 * the head command's bytes go out when it reaches the head; the next one
 * only after its answer. A callback may close the connection: `depth`
 * counts the callbacks running and the memory goes when the last returns.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "msg.h"
#include "vici_conn.h"

/* A read's worth; segments themselves are bounded by the wire format. */
#define READ_CHUNK 16384

struct command {
	struct onshi_strbuf bytes;
	size_t sent;
	unsigned answer_ms;
	onshi_vici_answer_cb cb;
	void *arg;
	struct command *next;
};

struct onshi_vici_conn {
	struct onshi_loop *loop;
	int fd;
	struct onshi_loop_watch *watch;
	struct onshi_loop_timer *timer; /* the head command's answer time */
	struct onshi_strbuf in;
	struct command *head, *tail;
	unsigned queued;
	onshi_vici_event_cb on_event;
	onshi_vici_closed_cb on_closed;
	void *arg;
	int depth;  /* callbacks running */
	int closed; /* the owner closed it: free when depth is 0 */
	int ended;  /* the connection failed: nothing more is done */
	char path[108];
};

static void command_free(struct command *cmd)
{
	onshi_strbuf_free(&cmd->bytes);
	free(cmd);
}

static void conn_free(struct onshi_vici_conn *c)
{
	while (c->head) {
		struct command *cmd = c->head;

		c->head = cmd->next;
		command_free(cmd);
	}
	onshi_loop_forget_owner(c->loop, c);
	if (c->fd >= 0)
		close(c->fd);
	onshi_strbuf_free(&c->in);
	free(c);
}

static void want_events(struct onshi_vici_conn *c)
{
	unsigned ev = ONSHI_FD_READ;

	if (!c->watch)
		return;
	if (c->head && c->head->sent < c->head->bytes.len)
		ev |= ONSHI_FD_WRITE;
	onshi_loop_watch_modify(c->loop, c->watch, ev);
}

/*
 * The connection is over: fail every command, in order, then tell the
 * owner. Runs at most once.
 */
static void conn_end(struct onshi_vici_conn *c, const char *why)
{
	if (c->ended)
		return;
	c->ended = 1;
	if (c->timer) {
		onshi_loop_timer_stop(c->loop, c->timer);
		c->timer = NULL;
	}
	if (c->watch) {
		onshi_loop_unwatch(c->loop, c->watch);
		c->watch = NULL;
	}
	c->depth++;
	while (c->head && !c->closed) {
		struct command *cmd = c->head;

		c->head = cmd->next;
		c->queued--;
		cmd->cb(cmd->arg, NULL, why);
		command_free(cmd);
	}
	if (!c->closed && c->on_closed)
		c->on_closed(c->arg, why);
	c->depth--;
}

static void on_answer_timeout(void *arg)
{
	struct onshi_vici_conn *c = arg;
	char why[160];

	c->timer = NULL;
	snprintf(why, sizeof(why), "charon did not answer within %u ms on %s",
		 c->head ? c->head->answer_ms : 0, c->path);
	conn_end(c, why);
	if (c->closed && c->depth == 0)
		conn_free(c);
}

/* The head command was answered, or has just reached the head. */
static void head_started(struct onshi_vici_conn *c)
{
	if (c->timer) {
		onshi_loop_timer_stop(c->loop, c->timer);
		c->timer = NULL;
	}
	if (c->head)
		c->timer = onshi_loop_timer(c->loop, c, c->head->answer_ms, 0,
					    on_answer_timeout, c);
	want_events(c);
}

static void dispatch(struct onshi_vici_conn *c, const struct onshi_vici_packet *p)
{
	struct command *cmd;

	if (p->type == ONSHI_VICI_EVENT) {
		if (c->on_event)
			c->on_event(c->arg, p);
		return;
	}
	cmd = c->head;
	if (!cmd || cmd->sent < cmd->bytes.len) {
		conn_end(c, "charon sent an answer to no command");
		return;
	}
	if (p->type == ONSHI_VICI_CMD_REQUEST || p->type == ONSHI_VICI_EVENT_REGISTER ||
	    p->type == ONSHI_VICI_EVENT_UNREGISTER) {
		conn_end(c, "charon sent a request packet to its client");
		return;
	}
	c->head = cmd->next;
	if (!c->head)
		c->tail = NULL;
	c->queued--;
	head_started(c);
	cmd->cb(cmd->arg, p, NULL);
	command_free(cmd);
}

/* Every whole segment in `in`, in order. */
static void take_segments(struct onshi_vici_conn *c)
{
	size_t off = 0;

	while (!c->ended && !c->closed) {
		char why[300];
		struct onshi_vici_packet *p;
		long n = onshi_vici_segment((const unsigned char *)c->in.data + off,
					    c->in.len - off, why, sizeof(why));

		if (n == 0)
			break;
		if (n < 0) {
			conn_end(c, why);
			break;
		}
		if (onshi_vici_parse((const unsigned char *)c->in.data + off + 4,
				     (size_t)n - 4, &p, why, sizeof(why)) < 0) {
			conn_end(c, why);
			break;
		}
		off += (size_t)n;
		dispatch(c, p);
		onshi_vici_packet_free(p);
	}
	if (!c->ended && !c->closed)
		onshi_strbuf_consume(&c->in, off);
}

static void do_read(struct onshi_vici_conn *c)
{
	char buf[READ_CHUNK];
	ssize_t n = read(c->fd, buf, sizeof(buf));
	char why[200];

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		snprintf(why, sizeof(why),
			 "charon closed its control socket %s%s%s", c->path,
			 n < 0 ? ": " : "", n < 0 ? strerror(errno) : "");
		conn_end(c, why);
		return;
	}
	onshi_strbuf_append(&c->in, buf, (size_t)n);
	if (c->in.failed) {
		conn_end(c, "out of memory reading from charon");
		return;
	}
	take_segments(c);
}

static void do_write(struct onshi_vici_conn *c)
{
	struct command *cmd = c->head;
	ssize_t n;
	char why[200];

	if (!cmd || cmd->sent >= cmd->bytes.len)
		return;
	n = send(c->fd, cmd->bytes.data + cmd->sent, cmd->bytes.len - cmd->sent,
		 MSG_NOSIGNAL);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		snprintf(why, sizeof(why), "writing to charon's control socket %s: %s",
			 c->path, strerror(errno));
		conn_end(c, why);
		return;
	}
	cmd->sent += (size_t)n;
	want_events(c);
}

static void on_fd(int fd, unsigned events, void *arg)
{
	struct onshi_vici_conn *c = arg;

	(void)fd;
	c->depth++;
	if (events & ONSHI_FD_WRITE)
		do_write(c);
	if (!c->ended && !c->closed && (events & (ONSHI_FD_READ | ONSHI_FD_ERROR)))
		do_read(c);
	c->depth--;
	if (c->closed && c->depth == 0)
		conn_free(c);
}

int onshi_vici_conn_open(struct onshi_loop *loop, const char *path,
			 onshi_vici_event_cb on_event,
			 onshi_vici_closed_cb on_closed, void *arg,
			 struct onshi_vici_conn **out, char *msg, size_t msglen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct onshi_vici_conn *c;

	*out = NULL;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		onshi_set_msg(msg, msglen,
			      "charon's control socket path is too long (%zu bytes, at most %zu): %s",
			      strlen(path), sizeof(sa.sun_path) - 1, path);
		return ONSHI_EINVAL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		onshi_set_msg(msg, msglen, "out of memory");
		return ONSHI_ENOMEM;
	}
	c->loop = loop;
	c->on_event = on_event;
	c->on_closed = on_closed;
	c->arg = arg;
	snprintf(c->path, sizeof(c->path), "%s", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	/* A Unix socket connects at once or not at all (EAGAIN: charon's
	 * backlog is full — tried again later like any other failure). */
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		onshi_set_msg(msg, msglen, "charon's control socket %s: %s",
			      path, strerror(errno));
		conn_free(c);
		return ONSHI_EIO;
	}
	c->watch = onshi_loop_watch(loop, c, c->fd, ONSHI_FD_READ, on_fd, c);
	if (!c->watch) {
		onshi_set_msg(msg, msglen, "out of memory");
		conn_free(c);
		return ONSHI_ENOMEM;
	}
	*out = c;
	return ONSHI_OK;
}

int onshi_vici_conn_send(struct onshi_vici_conn *c, struct onshi_vici_builder *b,
			 unsigned answer_ms, onshi_vici_answer_cb cb, void *arg)
{
	struct command *cmd;

	if (c->ended || c->closed)
		return ONSHI_EIO;
	cmd = calloc(1, sizeof(*cmd));
	if (!cmd)
		return ONSHI_ENOMEM;
	cmd->bytes = b->buf; /* taken over: the builder starts empty */
	memset(&b->buf, 0, sizeof(b->buf));
	cmd->answer_ms = answer_ms;
	cmd->cb = cb;
	cmd->arg = arg;
	if (c->tail)
		c->tail->next = cmd;
	else
		c->head = cmd;
	c->tail = cmd;
	c->queued++;
	if (c->head == cmd)
		head_started(c);
	return ONSHI_OK;
}

unsigned onshi_vici_conn_busy(const struct onshi_vici_conn *c)
{
	return c ? c->queued : 0;
}

void onshi_vici_conn_close(struct onshi_vici_conn *c)
{
	if (!c)
		return;
	c->closed = 1;
	if (c->depth == 0)
		conn_free(c);
}
