/* SPDX-License-Identifier: Apache-2.0 */
/*
 * wisestaff9plus — the official req/res/face folder interface with the
 * habits of a WiseStaff-9 Plus receipt computer (a modeled protocol: the
 * vendor's is not public; see docs/rececon/wisestaff9plus.md):
 *
 *   - every file is written in UTF-8;
 *   - results carry all four consent triples (Pharmacists,
 *     SpecificHealthCheckups, Diagnosis, Operation) as the core has them;
 *   - after each result, .err or face/ file is written, an HTTP POST to
 *     notify_url names it, so the receipt computer need not poll. The
 *     file is always written first and deliver() succeeds on that alone;
 *     the notification is best effort, retried with backoff (notify.c).
 *
 * All folder work is the shared engine in ../folder/.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <onshi/host.h>
#include <onshi/message.h>
#include <onshi/plugin.h>

#include "../folder/official_folder.h"
#include "notify.h"

struct ws9p {
	const struct onshi_host *host;
	struct onshi_instance *inst;
	struct official_folder *of;
	struct notify_config ncfg;
	struct notifier *notifier;
};

static const struct onshi_conf_key ws9p_keys[] = {
	OFFICIAL_FOLDER_CONF_KEYS,
	OFFICIAL_FACE_ENCODING_KEY("utf-8"),
	{ .name = "notify_url",
	  .type = ONSHI_CONF_STRING,
	  .help = "http(s) URL the receipt computer listens on; unset: no "
		  "notifications" },
	{ .name = "notify_timeout_ms",
	  .type = ONSHI_CONF_INT,
	  .default_value = "5000",
	  .min = 100,
	  .max = 60000,
	  .help = "time allowed for one notification attempt" },
	{ .name = "notify_tries",
	  .type = ONSHI_CONF_INT,
	  .default_value = "5",
	  .min = 1,
	  .max = 20,
	  .help = "attempts per notification before giving up" },
	{ .name = "notify_retry_ms",
	  .type = ONSHI_CONF_INT,
	  .default_value = "4000",
	  .min = 10,
	  .max = 600000,
	  .help = "wait before the second attempt; doubles after each" },
	{ .name = NULL },
};

static void ws9p_written(void *arg, enum official_file what, const char *dir,
			 const char *name)
{
	struct ws9p *p = arg;
	const char *event = what == OFFICIAL_FACE    ? "face"
			    : what == OFFICIAL_ERROR ? "error"
						     : "result";
	const char *slash = strrchr(dir, '/');
	char path[4096];

	if (p->notifier == NULL)
		return;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	notifier_send(p->notifier, event, slash ? slash + 1 : dir, name, path);
}

static void ws9p_destroy(void *state)
{
	struct ws9p *p = state;

	if (p == NULL)
		return;
	notifier_destroy(p->notifier);
	official_destroy(p->of);
	free((char *)p->ncfg.url);
	free(p);
}

static int ws9p_create(const struct onshi_host *host,
		       struct onshi_instance *inst, void **state_out)
{
	struct official_habits habits = {
		.charset = ONSHI_CHARSET_UTF8,
		.face_charset = OFFICIAL_CHARSET_CONF,
		.consent_kinds = ONSHI_CONSENT_KINDS,
		.afi_reception = 0,
		.written = ws9p_written,
	};
	const char *url = host->conf_str(inst, "notify_url");
	struct ws9p *p;
	int rc;

	if (url != NULL && url[0] != '\0' && strncmp(url, "http://", 7) != 0 &&
	    strncmp(url, "https://", 8) != 0) {
		host->log(inst, ONSHI_LOG_ERR,
			  "notify_url '%s' is not an "
			  "http:// or https:// URL",
			  url);
		return ONSHI_EINVAL;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return ONSHI_ENOMEM;
	p->host = host;
	p->inst = inst;
	habits.arg = p;
	rc = official_create(host, inst, &habits, &p->of);
	if (rc != ONSHI_OK) {
		ws9p_destroy(p);
		return rc;
	}
	if (url != NULL && url[0] != '\0') {
		p->ncfg.url = strdup(url);
		if (p->ncfg.url == NULL) {
			ws9p_destroy(p);
			return ONSHI_ENOMEM;
		}
	}
	p->ncfg.timeout_ms = (unsigned)host->conf_int(inst, "notify_timeout_ms");
	p->ncfg.tries = (unsigned)host->conf_int(inst, "notify_tries");
	p->ncfg.retry_ms = (unsigned)host->conf_int(inst, "notify_retry_ms");
	p->ncfg.max_pending = 1000;
	*state_out = p;
	return ONSHI_OK;
}

static int ws9p_start(void *state)
{
	struct ws9p *p = state;
	int rc;

	/* Before the folder: results taken at start are notified too. */
	if (p->ncfg.url != NULL) {
		rc = notifier_create(p->host, p->inst, &p->ncfg, &p->notifier);
		if (rc != ONSHI_OK) {
			p->host->log(p->inst, ONSHI_LOG_ERR,
				     "cannot set up HTTP "
				     "notifications: %s",
				     onshi_strerror(rc));
			return rc;
		}
	}
	rc = official_start(p->of);
	if (rc != ONSHI_OK) {
		notifier_destroy(p->notifier);
		p->notifier = NULL;
	}
	return rc;
}

static void ws9p_stop(void *state)
{
	struct ws9p *p = state;
	struct notify_stats st;

	official_stop(p->of);
	notifier_stats(p->notifier, &st);
	if (st.pending > 0)
		p->host->log(p->inst, ONSHI_LOG_NOTICE,
			     "%lu notifications not "
			     "sent at stop (their files are in place)",
			     st.pending);
	notifier_destroy(p->notifier);
	p->notifier = NULL;
}

static void ws9p_status(void *state, char *buf, size_t len)
{
	struct ws9p *p = state;
	struct notify_stats st;
	size_t n;

	official_status(p->of, buf, len);
	if (p->notifier == NULL)
		return;
	notifier_stats(p->notifier, &st);
	n = strlen(buf);
	snprintf(buf + n, len - n,
		 "; notifications %lu sent, %lu pending, %lu "
		 "retried, %lu given up",
		 st.sent, st.pending, st.retried, st.dropped);
}

static int ws9p_deliver(void *state, const struct onshi_delivery *d)
{
	struct ws9p *p = state;

	return official_deliver(p->of, d);
}

static const struct onshi_plugin_ops ws9p_ops = {
	.create = ws9p_create,
	.start = ws9p_start,
	.stop = ws9p_stop,
	.destroy = ws9p_destroy,
	.status = ws9p_status,
	.deliver = ws9p_deliver,
};

ONSHI_PLUGIN_EXPORT const struct onshi_plugin onshi_plugin_v1 = {
	ONSHI_PLUGIN_HEADER,
	.kind = ONSHI_KIND_RECECON,
	.name = "wisestaff9plus",
	.version = "1.0.0",
	.vendor = "onshi project",
	.description = "WiseStaff-9 Plus folder interface (UTF-8, four consent "
		       "flags, HTTP notification to notify_url)",
	.config = ws9p_keys,
	.ops_size = sizeof(ws9p_ops),
	.ops = &ws9p_ops,
};
