/* SPDX-License-Identifier: Apache-2.0 */
/*
 * notify.c — HTTP notifications on the daemon's loop with curl multi; see
 * notify.h. The curl ↔ loop glue is the core's own (src/runtime/curl_loop.c,
 * compiled in): here it runs on host->watch_fd and host->timer_start, and
 * finished transfers are collected after each turn of curl.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "curl_loop.h"
#include "notify.h"

struct note {
	struct note *next, *prev;
	struct notifier *n;
	char *body;
	char *name;       /* for log lines */
	unsigned attempt; /* attempts made so far */
	CURL *easy;       /* while in flight */
	struct curl_slist *headers;
	struct onshi_timer *retry; /* while waiting to retry */
};

struct notifier {
	const struct onshi_host *host;
	struct onshi_instance *inst;
	char *url;
	unsigned timeout_ms, tries, retry_ms, max_pending;
	struct onshi_curl_loop curl; /* the multi handle on the host's loop */
	struct note *head, *tail;
	unsigned long count;
	struct notify_stats st;
};

/* ---- curl_loop's view of the host's loop ---- */

static void collect(void *arg);

static void *host_watch(void *ctx, int fd, unsigned events, onshi_fd_cb cb, void *arg)
{
	struct notifier *n = ctx;

	return n->host->watch_fd(n->inst, fd, events, cb, arg);
}

static void host_modify(void *ctx, void *w, unsigned events)
{
	struct notifier *n = ctx;

	n->host->watch_modify(n->inst, w, events);
}

static void host_unwatch(void *ctx, void *w)
{
	struct notifier *n = ctx;

	n->host->unwatch_fd(n->inst, w);
}

static void *host_timer(void *ctx, uint64_t ms, onshi_timer_cb cb, void *arg)
{
	struct notifier *n = ctx;

	return n->host->timer_start(n->inst, ms, 0, cb, arg);
}

static void host_timer_stop(void *ctx, void *t)
{
	struct notifier *n = ctx;

	n->host->timer_stop(n->inst, t);
}

static const struct onshi_curl_loop_ops host_loop_ops = {
	.watch = host_watch,
	.modify = host_modify,
	.unwatch = host_unwatch,
	.timer = host_timer,
	.timer_stop = host_timer_stop,
};

/* ---- notes ---- */

static void note_unlink(struct note *t)
{
	struct notifier *n = t->n;

	if (t->prev)
		t->prev->next = t->next;
	else
		n->head = t->next;
	if (t->next)
		t->next->prev = t->prev;
	else
		n->tail = t->prev;
	n->count--;
}

/* Stop whatever the note is doing and free it. */
static void note_free(struct note *t)
{
	struct notifier *n = t->n;

	if (t->easy != NULL) {
		curl_multi_remove_handle(n->curl.multi, t->easy);
		curl_easy_cleanup(t->easy);
	}
	curl_slist_free_all(t->headers);
	if (t->retry != NULL)
		n->host->timer_stop(n->inst, t->retry);
	note_unlink(t);
	free(t->body);
	free(t->name);
	free(t);
}

static size_t discard_body(char *data, size_t size, size_t nmemb, void *userp)
{
	(void)data;
	(void)userp;
	return size * nmemb;
}

static void attempt(struct note *t);

static void on_retry(void *arg)
{
	struct note *t = arg;

	t->retry = NULL; /* one-shot: the host releases it */
	attempt(t);
}

/* An attempt failed: wait and try again, or give up. */
static void failed(struct note *t, const char *why)
{
	struct notifier *n = t->n;
	uint64_t wait;
	unsigned i;

	if (t->attempt >= n->tries) {
		n->host->log(n->inst, ONSHI_LOG_WARNING,
			     "notification for %s "
			     "to %s failed %u times (%s); giving up — the file "
			     "is in place",
			     t->name, n->url, t->attempt, why);
		n->st.dropped++;
		note_free(t);
		return;
	}
	for (wait = n->retry_ms, i = 1; i < t->attempt && wait < 3600000; i++)
		wait *= 2;
	n->host->log(n->inst, ONSHI_LOG_INFO,
		     "notification for %s failed "
		     "(%s); try %u of %u in %llu ms",
		     t->name, why, t->attempt + 1, n->tries,
		     (unsigned long long)wait);
	n->st.retried++;
	t->retry = n->host->timer_start(n->inst, wait, 0, on_retry, t);
	if (t->retry == NULL) {
		n->st.dropped++;
		note_free(t);
	}
}

static void attempt(struct note *t)
{
	struct notifier *n = t->n;
	CURL *e;

	t->attempt++;
	e = curl_easy_init();
	if (e == NULL) {
		failed(t, "out of memory");
		return;
	}
	if (t->headers == NULL)
		t->headers = curl_slist_append(NULL, "Content-Type: "
						     "application/json");
	curl_easy_setopt(e, CURLOPT_URL, n->url);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, t->body);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(t->body));
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)n->timeout_ms);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)n->timeout_ms);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard_body);
	curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)t);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "onshi-wisestaff9plus");
	/* Only the receipt computer's own URL: never follow elsewhere. */
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(e, CURLOPT_PROTOCOLS, CURLPROTO_HTTP | CURLPROTO_HTTPS);
#endif
	t->easy = e;
	if (curl_multi_add_handle(n->curl.multi, e) != CURLM_OK) {
		curl_easy_cleanup(e);
		t->easy = NULL;
		failed(t, "cannot start the transfer");
	}
}

static void collect(void *arg)
{
	struct notifier *n = arg;
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(n->curl.multi, &left)) != NULL) {
		struct note *t = NULL;
		long status = 0;
		char why[CURL_ERROR_SIZE + 32];
		CURLcode res;

		if (m->msg != CURLMSG_DONE)
			continue;
		res = m->data.result;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&t);
		curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &status);
		curl_multi_remove_handle(n->curl.multi, m->easy_handle);
		curl_easy_cleanup(m->easy_handle);
		if (t == NULL)
			continue;
		t->easy = NULL;
		if (res == CURLE_OK && status >= 200 && status < 300) {
			n->host->log(n->inst, ONSHI_LOG_DEBUG,
				     "notified %s (HTTP "
				     "%ld)",
				     t->name, status);
			n->st.sent++;
			note_free(t);
			continue;
		}
		if (res != CURLE_OK)
			snprintf(why, sizeof(why), "%s", curl_easy_strerror(res));
		else
			snprintf(why, sizeof(why), "HTTP %ld", status);
		failed(t, why);
	}
}

/* ---- JSON ---- */

/* Append s as a JSON string (quotes included) to out[*o..cap). */
static void json_str(char *out, size_t cap, size_t *o, const char *s)
{
	const unsigned char *p;

	if (*o + 1 < cap)
		out[(*o)++] = '"';
	for (p = (const unsigned char *)s; *p && *o + 8 < cap; p++) {
		if (*p == '"' || *p == '\\') {
			out[(*o)++] = '\\';
			out[(*o)++] = (char)*p;
		} else if (*p < 0x20) {
			*o += (size_t)snprintf(out + *o, cap - *o, "\\u%04x", *p);
		} else {
			out[(*o)++] = (char)*p;
		}
	}
	if (*o + 1 < cap)
		out[(*o)++] = '"';
	out[*o < cap ? *o : cap - 1] = '\0';
}

static char *make_body(struct notifier *n, const char *event,
		       const char *folder, const char *name, const char *path)
{
	const char *module = n->host->module_name(n->inst);
	size_t cap = strlen(path) * 6 + strlen(name) * 6 + 512, o = 0;
	char *b = malloc(cap), when[32];
	time_t now = time(NULL);
	struct tm tm;

	if (b == NULL)
		return NULL;
	localtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y%m%d%H%M%S", &tm);
	o += (size_t)snprintf(b + o, cap - o, "{\"event\":");
	json_str(b, cap, &o, event);
	o += (size_t)snprintf(b + o, cap - o, ",\"folder\":");
	json_str(b, cap, &o, folder);
	o += (size_t)snprintf(b + o, cap - o, ",\"file\":");
	json_str(b, cap, &o, name);
	o += (size_t)snprintf(b + o, cap - o, ",\"path\":");
	json_str(b, cap, &o, path);
	o += (size_t)snprintf(b + o, cap - o, ",\"module\":");
	json_str(b, cap, &o, module ? module : "");
	o += (size_t)snprintf(b + o, cap - o, ",\"time\":\"%s\"}\n", when);
	(void)o;
	return b;
}

/* ---- public ---- */

int notifier_create(const struct onshi_host *host, struct onshi_instance *inst,
		    const struct notify_config *cfg, struct notifier **out)
{
	struct notifier *n = calloc(1, sizeof(*n));

	*out = NULL;
	if (n == NULL)
		return ONSHI_ENOMEM;
	n->host = host;
	n->inst = inst;
	n->url = strdup(cfg->url);
	n->timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : 5000;
	n->tries = cfg->tries ? cfg->tries : 1;
	n->retry_ms = cfg->retry_ms ? cfg->retry_ms : 1000;
	n->max_pending = cfg->max_pending ? cfg->max_pending : 1000;
	if (n->url == NULL || onshi_curl_loop_open(&n->curl, &host_loop_ops, n,
						   collect, n) != ONSHI_OK) {
		notifier_destroy(n);
		return ONSHI_ENOMEM;
	}
	*out = n;
	return ONSHI_OK;
}

void notifier_send(struct notifier *n, const char *event, const char *folder,
		   const char *name, const char *path)
{
	struct note *t;

	if (n == NULL)
		return;
	/* Bounded memory when the receiver is down for long. */
	if (n->count >= n->max_pending && n->head != NULL) {
		n->host->log(n->inst, ONSHI_LOG_WARNING,
			     "too many notifications "
			     "pending; dropping the one for %s",
			     n->head->name);
		n->st.dropped++;
		note_free(n->head);
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return;
	t->n = n;
	t->body = make_body(n, event, folder, name, path);
	t->name = strdup(name);
	if (t->body == NULL || t->name == NULL) {
		free(t->body);
		free(t->name);
		free(t);
		n->host->log(n->inst, ONSHI_LOG_WARNING,
			     "out of memory: no "
			     "notification for %s",
			     name);
		return;
	}
	t->prev = n->tail;
	if (n->tail)
		n->tail->next = t;
	else
		n->head = t;
	n->tail = t;
	n->count++;
	attempt(t);
}

void notifier_stats(const struct notifier *n, struct notify_stats *st)
{
	if (n == NULL) {
		memset(st, 0, sizeof(*st));
		return;
	}
	*st = n->st;
	st->pending = n->count;
}

void notifier_destroy(struct notifier *n)
{
	if (n == NULL)
		return;
	while (n->head != NULL)
		note_free(n->head);
	onshi_curl_loop_close(&n->curl);
	free(n->url);
	free(n);
}
