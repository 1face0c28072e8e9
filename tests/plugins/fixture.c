/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fixture.c — test plugins for the loader and module tests.
 *
 * Built several times (tests/local.mk) with one FIXTURE_* define each, to
 * make a good plugin and one broken plugin per load-error cause. The good
 * one runs a worker thread that posts back to the loop, so that disable
 * really has a thread to join.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <onshi/host.h>
#include <onshi/plugin.h>

#ifndef FIXTURE_NAME
#error FIXTURE_NAME must be defined
#endif

struct fixture {
	const struct onshi_host *host;
	struct onshi_instance *inst;
	pthread_t thread;
	int thread_running;
	int pipefd[2]; /* closing the write end stops the worker */
	struct onshi_timer *timer;
	unsigned long ticks, posts;
	char greeting[64];
};

static const struct onshi_conf_key fixture_keys[] = {
	{ .name = "greeting", .type = ONSHI_CONF_STRING, .default_value = "hello" },
	{ .name = "count",
	  .type = ONSHI_CONF_INT,
	  .default_value = "1",
	  .min = 1,
	  .max = 100,
	  .help = "a number from 1 to 100" },
	{ .name = "fail_start", .type = ONSHI_CONF_BOOL, .default_value = "no" },
	{ .name = NULL },
};

static void on_post(void *arg)
{
	struct fixture *fx = arg;

	fx->posts++;
	fx->host->set_event(fx->inst, "%s %lu", fx->greeting, fx->posts);
}

/* The worker posts once, then waits for stop (its pipe closing). */
static void *worker(void *arg)
{
	struct fixture *fx = arg;
	char c;

	fx->host->post(fx->inst, on_post, fx);
	while (read(fx->pipefd[0], &c, 1) > 0)
		;
	return NULL;
}

static void on_tick(void *arg)
{
	struct fixture *fx = arg;

	fx->ticks++;
}

static int fixture_create(const struct onshi_host *host,
			  struct onshi_instance *inst, void **state_out)
{
	struct fixture *fx;

#ifdef FIXTURE_FAIL_CREATE
	host->log(inst, ONSHI_LOG_ERR, "fixture refuses to be created");
	return ONSHI_EINVAL;
#endif
	fx = calloc(1, sizeof(*fx));
	if (!fx)
		return ONSHI_ENOMEM;
	fx->host = host;
	fx->inst = inst;
	fx->pipefd[0] = fx->pipefd[1] = -1;
	snprintf(fx->greeting, sizeof(fx->greeting), "%s",
		 host->conf_str(inst, "greeting"));
	*state_out = fx;
	return ONSHI_OK;
}

static int fixture_start(void *state)
{
	struct fixture *fx = state;

	if (fx->host->conf_bool(fx->inst, "fail_start"))
		return ONSHI_EIO;
	if (pipe(fx->pipefd) < 0)
		return ONSHI_EIO;
	if (pthread_create(&fx->thread, NULL, worker, fx) != 0)
		return ONSHI_EIO;
	fx->thread_running = 1;
	fx->timer = fx->host->timer_start(fx->inst, 5, 1, on_tick, fx);
	return fx->timer ? ONSHI_OK : ONSHI_ENOMEM;
}

static void fixture_stop(void *state)
{
	struct fixture *fx = state;

	if (fx->pipefd[1] >= 0) {
		close(fx->pipefd[1]);
		fx->pipefd[1] = -1;
	}
	if (fx->thread_running) {
		pthread_join(fx->thread, NULL);
		fx->thread_running = 0;
	}
	fx->host->timer_stop(fx->inst, fx->timer);
	fx->timer = NULL;
}

static void fixture_destroy(void *state)
{
	struct fixture *fx = state;

	if (fx->pipefd[0] >= 0)
		close(fx->pipefd[0]);
	if (fx->pipefd[1] >= 0)
		close(fx->pipefd[1]);
	free(fx);
}

static void fixture_status(void *state, char *buf, size_t len)
{
	struct fixture *fx = state;

	snprintf(buf, len, "%lu posts", fx->posts);
}

static const struct onshi_plugin_ops fixture_ops = {
	.create = fixture_create,
	.start = fixture_start,
	.stop = fixture_stop,
	.destroy = fixture_destroy,
	.status = fixture_status,
};

#ifdef FIXTURE_NO_SYMBOL
#define DESCRIPTOR onshi_plugin_v0 /* wrong name: nothing exported */
#else
#define DESCRIPTOR onshi_plugin_v1
#endif

ONSHI_PLUGIN_EXPORT const struct onshi_plugin DESCRIPTOR = {
#ifdef FIXTURE_BAD_MAGIC
	.magic = 0xdeadbeef,
	.abi_major = ONSHI_ABI_MAJOR,
#elif defined(FIXTURE_WRONG_ABI)
	.magic = ONSHI_PLUGIN_MAGIC,
	.abi_major = ONSHI_ABI_MAJOR + 1,
#else
	.magic = ONSHI_PLUGIN_MAGIC,
	.abi_major = ONSHI_ABI_MAJOR,
#endif
	.abi_minor = ONSHI_ABI_MINOR,
#ifdef FIXTURE_RECECON
	.kind = ONSHI_KIND_RECECON,
#else
	.kind = ONSHI_KIND_READER,
#endif
	.name = FIXTURE_NAME,
	.version = "0.0.1",
	.vendor = "onshi tests",
	.description = "test fixture",
	.config = fixture_keys,
#ifdef FIXTURE_SHORT_OPS
	.ops_size = sizeof(void (*)(void)) * 2,
#else
	.ops_size = sizeof(fixture_ops),
#endif
	.ops = &fixture_ops,
};
