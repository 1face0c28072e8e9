/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hello — an onshi reader plugin built out of tree against the installed SDK
 * (pkg-config onshi-plugin). Copy this directory to start a vendor plugin.
 *
 * It stands in for a card reader: every `interval_ms` it "polls" and records
 * an event; its status op reports the greeting and how often it polled. A
 * real reader would open its device in start(), watch the device's fd with
 * host->watch_fd() (or run a thread that posts back with host->post()) and
 * close it in stop().
 *
 * Configuration ([reader NAME] with plugin = hello):
 *   greeting     string, default "hello"  shown in `onshictl status`
 *   interval_ms  10..3600000, default 1000
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <onshi/host.h>
#include <onshi/plugin.h>

struct hello {
	const struct onshi_host *host;
	struct onshi_instance *inst;
	struct onshi_timer *timer;
	char *greeting;
	long interval_ms;
	unsigned long polls;
};

/* Every key the section may hold besides plugin/institution/enabled; the
 * daemon checks types, bounds and required keys before create(). */
static const struct onshi_conf_key hello_keys[] = {
	{ .name = "greeting",
	  .type = ONSHI_CONF_STRING,
	  .default_value = "hello",
	  .help = "text shown in onshictl status" },
	{ .name = "interval_ms",
	  .type = ONSHI_CONF_INT,
	  .default_value = "1000",
	  .min = 10,
	  .max = 3600000,
	  .help = "how often to poll the (imaginary) reader, in milliseconds" },
	{ .name = NULL },
};

/* Timer callback: runs on the daemon's loop thread, must not block. */
static void hello_poll(void *arg)
{
	struct hello *h = arg;

	h->polls++;
	h->host->set_event(h->inst, "poll %lu", h->polls);
}

static int hello_create(const struct onshi_host *host,
			struct onshi_instance *inst, void **state_out)
{
	struct hello *h = calloc(1, sizeof(*h));
	const char *greeting = host->conf_str(inst, "greeting");

	if (!h)
		return ONSHI_ENOMEM;
	h->host = host;
	h->inst = inst;
	/* Keep a copy: host.h does not say how long the string lives. */
	h->greeting = strdup(greeting ? greeting : "hello");
	h->interval_ms = host->conf_int(inst, "interval_ms");
	if (!h->greeting) {
		free(h);
		return ONSHI_ENOMEM;
	}
	*state_out = h;
	return ONSHI_OK;
}

static int hello_start(void *state)
{
	struct hello *h = state;

	h->timer = h->host->timer_start(h->inst, (uint64_t)h->interval_ms, 1,
					hello_poll, h);
	if (!h->timer) {
		h->host->log(h->inst, ONSHI_LOG_ERR, "cannot start the poll timer");
		return ONSHI_ENOMEM;
	}
	h->host->log(h->inst, ONSHI_LOG_INFO, "%s: polling every %ld ms",
		     h->greeting, h->interval_ms);
	h->host->set_event(h->inst, "started");
	return ONSHI_OK;
}

/* After stop() returns none of our code may run: cancel the timer. */
static void hello_stop(void *state)
{
	struct hello *h = state;

	if (h->timer)
		h->host->timer_stop(h->inst, h->timer);
	h->timer = NULL;
}

static void hello_destroy(void *state)
{
	struct hello *h = state;

	free(h->greeting);
	free(h);
}

/* One line for `onshictl status`. */
static void hello_status(void *state, char *buf, size_t len)
{
	struct hello *h = state;

	snprintf(buf, len, "%s, %lu polls every %ld ms", h->greeting, h->polls,
		 h->interval_ms);
}

static const struct onshi_plugin_ops hello_ops = {
	.create = hello_create,
	.start = hello_start,
	.stop = hello_stop,
	.destroy = hello_destroy,
	.status = hello_status,
};

/* The only exported symbol (built with -fvisibility=hidden). */
ONSHI_PLUGIN_EXPORT const struct onshi_plugin onshi_plugin_v1 = {
	ONSHI_PLUGIN_HEADER,
	.kind = ONSHI_KIND_READER,
	.name = "hello",
	.version = "1.0.0",
	.vendor = "Example K.K.",
	.description = "SDK example reader (no device)",
	.config = hello_keys,
	.ops_size = sizeof(hello_ops),
	.ops = &hello_ops,
};
