/* SPDX-License-Identifier: Apache-2.0 */
/*
 * control_frame.h — the control socket's framing, apart from the socket.
 *
 * A request is one line; a line that carries the word bytes=N is followed
 * by exactly N raw bytes (the body: a file onshictl read with its caller's
 * rights, so that onshid never opens a path a caller names). After the
 * body the next request line starts. Only commands that take a body may
 * announce one, and each has a limit checked before a byte of the body is
 * read. Keeping this free of sockets lets control.c and the fuzzer run the
 * same code.
 */
#ifndef ONSHI_CORE_CONTROL_FRAME_H
#define ONSHI_CORE_CONTROL_FRAME_H

#include <stddef.h>

#include "control.h"

/* The largest file each body-taking command accepts. */
#define ONSHI_CONTROL_BATCH_MAX_BODY \
	(32u * 1024 * 1024) /* the codec's batch limit */
#define ONSHI_CONTROL_CERT_MAX_BODY \
	(1024u * 1024) /* a PEM chain is a few KiB */

struct onshi_control_frame {
	char in[ONSHI_CONTROL_MAX_LINE + 1]; /* bytes not yet framed */
	size_t inlen;
	char line[ONSHI_CONTROL_MAX_LINE + 1]; /* the request being framed */
	char *body;                            /* NULL: no body announced */
	size_t body_len, body_want, body_cap;
	int in_body; /* line[] waits for the rest of its body */
};

enum onshi_frame_step {
	ONSHI_FRAME_MORE, /* need more bytes (see onshi_control_frame_room) */
	ONSHI_FRAME_REQUEST, /* line (and body, when announced) complete */
	ONSHI_FRAME_FATAL,   /* cannot go on: answer "-1 why" and close */
};

/*
 * Where the next received bytes go and how many may be taken, never
 * more than the current body still needs (so bytes after a body stay in
 * the socket until the body is done). NULL when no room: the caller
 * must call onshi_control_frame_next first. at_most bounds one read so a
 * big upload does not hold the loop.
 */
char *onshi_control_frame_room(struct onshi_control_frame *f, size_t at_most,
			       size_t *room);
/* n bytes were written into the room. */
void onshi_control_frame_fed(struct onshi_control_frame *f, size_t n);

/*
 * Frame the next request from what was fed. On ONSHI_FRAME_REQUEST,
 * f->line is the line (NUL-terminated, no CR/LF) and f->body, when not
 * NULL, its f->body_len bytes; call onshi_control_frame_done after
 * answering. budget is how many body bytes the caller can hold for this
 * client now (other clients' uploads share memory); a larger announcement
 * is refused as busy. On ONSHI_FRAME_FATAL why says what was wrong.
 */
enum onshi_frame_step onshi_control_frame_next(struct onshi_control_frame *f,
					       size_t budget, char *why,
					       size_t whylen);
void onshi_control_frame_done(struct onshi_control_frame *f);

/* The bytes=N a body-taking request announced (body_want), 0 if none. */
size_t onshi_control_frame_announced(const struct onshi_control_frame *f);

#endif
