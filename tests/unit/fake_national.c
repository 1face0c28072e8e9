/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fake_national.c — the national link faked for unit tests
 * (fake_national.h): calls are recorded and answered by the test.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <onshi/error.h>

#include "fake_national.h"
#include "vpn.h"

/* The link handle: the fake keeps one. */
struct onshi_national {
	int open;
};

struct fake_national fake_national = { .configured = 1 };
static struct onshi_national the_link;

void fake_national_reset(void)
{
	for (unsigned i = 0; i < fake_national.ncalls; i++)
		free(fake_national.calls[i].body);
	memset(&fake_national, 0, sizeof(fake_national));
	fake_national.configured = 1;
	the_link.open = 0;
}

int onshi_national_open(struct onshi_loop *loop, struct onshi_log *log,
			const struct onshi_config *cfg,
			struct onshi_national **out, char *msg, size_t msglen)
{
	(void)loop;
	(void)log;
	(void)cfg;
	*out = NULL;
	if (!fake_national.configured) {
		snprintf(msg, msglen, "fake national link: not configured");
		return ONSHI_OK;
	}
	the_link.open = 1;
	*out = &the_link;
	snprintf(msg, msglen, "fake national link open");
	return ONSHI_OK;
}

/* As the real link: calls in flight are dropped, their callbacks never run. */
void onshi_national_close(struct onshi_national *n)
{
	if (!n)
		return;
	for (unsigned i = 0; i < fake_national.ncalls; i++)
		fake_national.calls[i].owed = 0;
	fake_national.closed++;
	n->open = 0;
}

struct onshi_national_call *onshi_national_post(struct onshi_national *n,
						const char *institution,
						const char *path,
						const char *body, size_t len,
						const char *idempotency_key,
						onshi_national_cb cb, void *arg)
{
	struct onshi_national_call *c;

	if (!n || !n->open || fake_national.refuse_posts ||
	    fake_national.ncalls == FAKE_NATIONAL_MAX_CALLS)
		return NULL;
	c = &fake_national.calls[fake_national.ncalls];
	memset(c, 0, sizeof(*c));
	snprintf(c->institution, sizeof(c->institution), "%s",
		 institution ? institution : "(null)");
	snprintf(c->path, sizeof(c->path), "%s", path);
	c->body = malloc(len + 1);
	if (!c->body)
		return NULL;
	memcpy(c->body, body, len);
	c->body[len] = '\0';
	c->len = len;
	if (idempotency_key) {
		c->has_key = 1;
		snprintf(c->key, sizeof(c->key), "%s", idempotency_key);
	}
	c->cb = cb;
	c->arg = arg;
	c->owed = 1;
	c->sink_fd = -1;
	fake_national.ncalls++;
	return c;
}

struct onshi_national_call *onshi_national_post_owned(struct onshi_national *n,
						      const char *institution,
						      const char *path,
						      char *body, size_t len,
						      const char *idempotency_key,
						      onshi_national_cb cb, void *arg)
{
	struct onshi_national_call *c = onshi_national_post(n, institution,
							    path, body, len,
							    idempotency_key, cb,
							    arg);

	free(body); /* taken over, as the real link does */
	return c;
}

struct onshi_national_call *onshi_national_post_to_file(struct onshi_national *n,
							const char *institution,
							const char *path,
							const char *body, size_t len,
							const char *idempotency_key,
							int fd, size_t max_bytes,
							onshi_national_cb cb,
							void *arg)
{
	struct onshi_national_call *c = onshi_national_post(n, institution,
							    path, body, len,
							    idempotency_key, cb,
							    arg);

	(void)max_bytes;
	if (c)
		c->sink_fd = fd;
	return c;
}

const char *onshi_national_state(const struct onshi_national *n)
{
	return n && n->open ? "ok (fake)" : "not configured (fake national link)";
}

void fake_national_answer(unsigned i, enum onshi_national_outcome outcome,
			  long status, const char *body, const char *why)
{
	struct onshi_national_call *c;
	size_t len = body ? strlen(body) : 0;
	char *copy;

	if (i >= fake_national.ncalls || !fake_national.calls[i].owed) {
		fprintf(stderr, "fake national: call %u is not owed an answer\n", i);
		abort();
	}
	c = &fake_national.calls[i];
	copy = malloc(len + 1);
	if (!copy)
		abort();
	/* The callback may post again (a retry): the record is settled first,
	 * and the body lives only for the callback, as the real link's. */
	c->owed = 0;
	memcpy(copy, body ? body : "", len + 1);
	if (c->sink_fd >= 0) {
		/* As national_file.c: the body is in the caller's file. */
		if (ftruncate(c->sink_fd, 0) != 0 ||
		    pwrite(c->sink_fd, copy, len, 0) != (ssize_t)len)
			abort();
		c->cb(c->arg, outcome, status, NULL, len, why ? why : "");
	} else {
		c->cb(c->arg, outcome, status, copy, len, why ? why : "");
	}
	free(copy);
}

unsigned fake_national_owed(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < fake_national.ncalls; i++)
		n += fake_national.calls[i].owed;
	return n;
}

/* The tunnel watcher's hooks: the pipeline's tests have no [vpn]. */
void onshi_national_on_unreachable(struct onshi_national *n,
				   onshi_national_unreachable_cb cb, void *arg)
{
	(void)n;
	(void)cb;
	(void)arg;
}

void onshi_national_on_call(struct onshi_national *n, void (*cb)(void *arg), void *arg)
{
	(void)n;
	(void)cb;
	(void)arg;
}

void onshi_vpn_demand(void *v)
{
	(void)v;
}

void onshi_national_retry_now(struct onshi_national *n)
{
	(void)n;
}

/* No [vpn] in these tests: the watcher is never there (vpn.h). */
int onshi_vpn_open(struct onshi_loop *loop, struct onshi_log *log,
		   const struct onshi_config *cfg, struct onshi_vpn **out,
		   char *msg, size_t msglen)
{
	(void)loop;
	(void)log;
	(void)cfg;
	(void)msg;
	(void)msglen;
	*out = NULL;
	return ONSHI_OK;
}

void onshi_vpn_close(struct onshi_vpn *v)
{
	(void)v;
}

void onshi_vpn_on_change(struct onshi_vpn *v, void (*cb)(void *arg, int up), void *arg)
{
	(void)v;
	(void)cb;
	(void)arg;
}

void onshi_vpn_unreachable(void *v, char *why, size_t size)
{
	(void)v;
	(void)why;
	(void)size;
}

void onshi_national_flush_connections(struct onshi_national *n)
{
	(void)n;
}
