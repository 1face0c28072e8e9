/* SPDX-License-Identifier: Apache-2.0 */
/*
 * control_frame.c — request lines and the bodies some of them announce
 * (control_frame.h). Hostile input ends in ONSHI_FRAME_FATAL with one
 * sentence: a length that is not plain decimal digits, one past the
 * command's limit, a body on a command that takes none, bytes= twice.
 * The connection cannot be resynchronised after those, so it is closed.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "control_frame.h"

/* First allocation for a body; it doubles up to the announced length so
 * that an announcement alone does not reserve the whole limit. */
#define BODY_FIRST_CAP (64u * 1024)

static const struct body_command {
	const char *verb, *sub;
	size_t limit;
} body_commands[] = {
	{ "BATCH", "SUBMIT", ONSHI_CONTROL_BATCH_MAX_BODY },
	{ "CERT", "INSTALL", ONSHI_CONTROL_CERT_MAX_BODY },
};

char *onshi_control_frame_room(struct onshi_control_frame *f, size_t at_most,
			       size_t *room)
{
	size_t n;

	*room = 0;
	if (!f->in_body) {
		n = ONSHI_CONTROL_MAX_LINE - f->inlen;
		*room = n < at_most ? n : at_most;
		return *room ? f->in + f->inlen : NULL;
	}
	if (f->body_len == f->body_want)
		return NULL;
	if (f->body_len == f->body_cap) {
		size_t cap = f->body_cap * 2 < f->body_want ? f->body_cap * 2
							    : f->body_want;
		char *g = realloc(f->body, cap + 1);

		if (!g)
			return NULL; /* onshi_control_frame_next reports it */
		f->body = g;
		f->body_cap = cap;
	}
	n = f->body_cap - f->body_len;
	*room = n < at_most ? n : at_most;
	return f->body + f->body_len;
}

void onshi_control_frame_fed(struct onshi_control_frame *f, size_t n)
{
	if (f->in_body)
		f->body_len += n;
	else
		f->inlen += n;
}

/* N of a bytes=N word: decimal digits only (no sign, no space, no hex),
 * at most limit+1 so that any overflow reads as "too large". */
static int parse_length(const char *s, size_t limit, size_t *out)
{
	size_t v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (size_t)(*s - '0');
		if (v > limit)
			v = limit + 1; /* stays put: no wrap-around */
	}
	*out = v;
	return 0;
}

/*
 * The body the line announces: 0 with *want set (0 and *has = 0 when none),
 * or -1 with why set.
 */
static int announced_body(const char *line, size_t budget, int *has,
			  size_t *want, char *why, size_t whylen)
{
	char copy[ONSHI_CONTROL_MAX_LINE + 1], *save = NULL, *w;
	const char *verb = NULL, *sub = NULL, *len = NULL;
	const struct body_command *bc = NULL;

	*has = 0;
	*want = 0;
	snprintf(copy, sizeof(copy), "%s", line);
	for (w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		int is_len = strncasecmp(w, "bytes=", 6) == 0;

		if (!verb)
			verb = w;
		else if (!sub && !is_len)
			sub = w;
		if (!is_len)
			continue;
		if (len) {
			snprintf(why, whylen, "bytes= given twice in one request");
			return -1;
		}
		len = w + 6;
	}
	if (!len)
		return 0;
	for (size_t i = 0; i < sizeof(body_commands) / sizeof(body_commands[0]); i++)
		if (sub && strcasecmp(verb, body_commands[i].verb) == 0 &&
		    strcasecmp(sub, body_commands[i].sub) == 0)
			bc = &body_commands[i];
	if (!bc) {
		snprintf(why, whylen,
			 "only BATCH SUBMIT and CERT INSTALL take a body (bytes=N): '%.32s%s%.32s' does not",
			 verb, sub ? " " : "", sub ? sub : "");
		return -1;
	}
	if (parse_length(len, bc->limit, want) < 0) {
		snprintf(why, whylen,
			 "bytes=%.24s is not a length: give the body's size in bytes as decimal digits",
			 len);
		return -1;
	}
	if (*want > bc->limit) {
		snprintf(why, whylen,
			 "%s %s: the file is larger than the %zu bytes onshid accepts",
			 bc->verb, bc->sub, bc->limit);
		return -1;
	}
	if (*want > budget) {
		snprintf(why, whylen,
			 "onshid is receiving other uploads and has no room for %zu more bytes now: try again in a moment",
			 *want);
		return -1;
	}
	*has = 1;
	return 0;
}

static enum onshi_frame_step body_step(struct onshi_control_frame *f, char *why,
				       size_t whylen)
{
	if (f->body_len < f->body_want) {
		size_t room;

		/* No room and not complete: the body could not grow. */
		if (!onshi_control_frame_room(f, 1, &room)) {
			snprintf(why, whylen, "out of memory for a body of %zu bytes",
				 f->body_want);
			return ONSHI_FRAME_FATAL;
		}
		return ONSHI_FRAME_MORE;
	}
	f->body[f->body_len] = '\0'; /* text parsers may treat it as a string */
	return ONSHI_FRAME_REQUEST;
}

enum onshi_frame_step onshi_control_frame_next(struct onshi_control_frame *f,
					       size_t budget, char *why, size_t whylen)
{
	char *nl;
	size_t linelen, take;
	int has;

	if (f->in_body)
		return body_step(f, why, whylen);
	nl = memchr(f->in, '\n', f->inlen);
	if (!nl) {
		if (f->inlen == ONSHI_CONTROL_MAX_LINE) {
			snprintf(why, whylen, "request line longer than %d bytes",
				 ONSHI_CONTROL_MAX_LINE);
			return ONSHI_FRAME_FATAL;
		}
		return ONSHI_FRAME_MORE;
	}
	linelen = (size_t)(nl - f->in);
	memcpy(f->line, f->in, linelen);
	f->line[linelen] = '\0';
	if (linelen && f->line[linelen - 1] == '\r')
		f->line[linelen - 1] = '\0';
	memmove(f->in, nl + 1, f->inlen - linelen - 1);
	f->inlen -= linelen + 1;
	if (announced_body(f->line, budget, &has, &f->body_want, why, whylen) < 0)
		return ONSHI_FRAME_FATAL;
	if (!has)
		return ONSHI_FRAME_REQUEST;
	f->body_cap = f->body_want < BODY_FIRST_CAP ? f->body_want : BODY_FIRST_CAP;
	f->body = malloc(f->body_cap + 1);
	if (!f->body) {
		snprintf(why, whylen, "out of memory for a body of %zu bytes",
			 f->body_want);
		return ONSHI_FRAME_FATAL;
	}
	f->in_body = 1;
	/* What came with the line: the body's start, maybe the next request. */
	take = f->inlen < f->body_want ? f->inlen : f->body_want;
	memcpy(f->body, f->in, take);
	f->body_len = take;
	memmove(f->in, f->in + take, f->inlen - take);
	f->inlen -= take;
	return body_step(f, why, whylen);
}

void onshi_control_frame_done(struct onshi_control_frame *f)
{
	free(f->body);
	f->body = NULL;
	f->body_len = f->body_want = f->body_cap = 0;
	f->in_body = 0;
}

size_t onshi_control_frame_announced(const struct onshi_control_frame *f)
{
	return f->in_body ? f->body_want : 0;
}
