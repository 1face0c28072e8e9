/* SPDX-License-Identifier: Apache-2.0 */
/*
 * example — the smallest useful onshi plugin, and the template for vendors.
 *
 * It pretends to be a card reader that reports a heartbeat every
 * `interval_ms`. It shows every part of the ABI a real plugin uses: the
 * descriptor, a config key table, create/start/stop/destroy, a timer on the
 * daemon's loop, events for `onshictl status` and the optional status op.
 * It opens no device and never produces card results.
 */
#include <stdio.h>
#include <stdlib.h>

#include <onshi/host.h>
#include <onshi/plugin.h>

struct example {
	const struct onshi_host *host;
	struct onshi_instance *inst;
	struct onshi_timer *timer;
	long interval_ms;
	unsigned long beats;
};

static const struct onshi_conf_key example_keys[] = {
	{ .name = "interval_ms",
	  .type = ONSHI_CONF_INT,
	  .default_value = "1000",
	  .min = 10,
	  .max = 3600000,
	  .help = "heartbeat period in milliseconds" },
	{ .name = NULL },
};

static void example_beat(void *arg)
{
	struct example *ex = arg;

	ex->beats++;
	ex->host->set_event(ex->inst, "heartbeat %lu", ex->beats);
}

static int example_create(const struct onshi_host *host,
			  struct onshi_instance *inst, void **state_out)
{
	struct example *ex = calloc(1, sizeof(*ex));

	if (!ex)
		return ONSHI_ENOMEM;
	ex->host = host;
	ex->inst = inst;
	ex->interval_ms = host->conf_int(inst, "interval_ms");
	*state_out = ex;
	return ONSHI_OK;
}

static int example_start(void *state)
{
	struct example *ex = state;

	ex->timer = ex->host->timer_start(ex->inst, (uint64_t)ex->interval_ms,
					  1, example_beat, ex);
	if (!ex->timer)
		return ONSHI_ENOMEM;
	ex->host->set_event(ex->inst, "started, heartbeat every %ld ms",
			    ex->interval_ms);
	return ONSHI_OK;
}

static void example_stop(void *state)
{
	struct example *ex = state;

	ex->host->timer_stop(ex->inst, ex->timer);
	ex->timer = NULL;
}

static void example_destroy(void *state)
{
	free(state);
}

static void example_status(void *state, char *buf, size_t len)
{
	struct example *ex = state;

	snprintf(buf, len, "%lu heartbeats", ex->beats);
}

static const struct onshi_plugin_ops example_ops = {
	.create = example_create,
	.start = example_start,
	.stop = example_stop,
	.destroy = example_destroy,
	.status = example_status,
};

ONSHI_PLUGIN_EXPORT const struct onshi_plugin onshi_plugin_v1 = {
	ONSHI_PLUGIN_HEADER,
	.kind = ONSHI_KIND_READER,
	.name = "example",
	.version = "1.0.0",
	.vendor = "onshi project",
	.description = "heartbeat-only example reader (no device)",
	.config = example_keys,
	.ops_size = sizeof(example_ops),
	.ops = &example_ops,
};
