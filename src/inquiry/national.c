/* SPDX-License-Identifier: Apache-2.0 */
/*
 * national.c — the national link's calls: mTLS requests on http.c's curl
 * multi handles (one per client certificate), bearer tokens per institution (and its own client
 * certificate, if it has one), retries with backoff until the deadline,
 * and what each transfer's end means (see national.h). The link's state
 * (national_link.c), the idle probe (national_probe.c) and opening the
 * link from the configuration (national_open.c) are apart; their shared
 * structs are in national_internal.h.
 */
#include "config.h"

#include <curl/curl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"
#include "http_tls.h"
#include "national_internal.h"
#include "xml_util.h"

/* A bulk result for 100,000 persons is large; anything bigger is hostile. */
#define MAX_ANSWER_BYTES (256u * 1024 * 1024)
#define BACKOFF_BASE_MS 200u
#define BACKOFF_CAP_MS 5000u
/* Tokens are renewed this long before the server says they expire. */
#define TOKEN_MARGIN_MS 30000u

/* ---- calls ---- */

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
	struct onshi_national_call *c = userp;
	size_t len = size * nmemb;

	if (c->sink_fd >= 0)
		return national_sink_write(c, data, len);
	if (c->answer.len + len > MAX_ANSWER_BYTES) {
		c->too_big = 1;
		return 0; /* makes curl fail the transfer */
	}
	onshi_strbuf_append(&c->answer, data, len);
	return c->answer.failed ? 0 : len;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *userp)
{
	struct onshi_national_call *c = userp;
	size_t len = size * nmemb;

	if (len > 12 && strncasecmp(data, "Retry-After:", 12) == 0) {
		long s = strtol(data + 12, NULL, 10);

		/* Only the delta-seconds form; an HTTP date counts as unknown. */
		if (s > 0 && s < 86400)
			c->retry_after_s = s;
	}
	return len;
}

void national_call_free(struct onshi_national_call *c)
{
	struct onshi_national *n = c->n;
	struct onshi_national_call **pp;

	for (pp = &n->calls; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	n->pending--;
	if (c->easy) {
		onshi_http_cancel(c->http, c->easy);
		onshi_http_easy_release(c->http, c->easy);
	}
	curl_slist_free_all(c->headers);
	if (c->retry_timer)
		onshi_loop_timer_stop(n->loop, c->retry_timer);
	onshi_strbuf_free(&c->answer);
	free(c->path);
	free(c->body);
	free(c->idem);
	free(c);
}

static void finish(struct onshi_national_call *c,
		   enum onshi_national_outcome outcome, long status, const char *why)
{
	onshi_national_cb cb = c->cb;
	void *arg = c->arg;
	struct onshi_strbuf answer = c->answer;

	int to_file = c->sink_fd >= 0;
	size_t sink_len = c->sink_len;

	/* The callback may start new calls: hand over the body first. */
	memset(&c->answer, 0, sizeof(c->answer));
	national_call_free(c);
	if (to_file) /* the body is in the caller's file */
		cb(arg, outcome, status, NULL, sink_len, why);
	else
		cb(arg, outcome, status, answer.data ? answer.data : "",
		   answer.len, why);
	onshi_strbuf_free(&answer);
}

struct national_token *national_token_for(struct onshi_national *n, const char *inst)
{
	struct national_token *t;

	for (t = n->tokens; t; t = t->next)
		if (strcmp(t->inst, inst) == 0)
			return t;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	snprintf(t->inst, sizeof(t->inst), "%s", inst);
	t->next = n->tokens;
	n->tokens = t;
	return t;
}

static void on_transfer_done(void *arg, CURL *easy, CURLcode res);

static int send_call(struct onshi_national_call *c, const char *token)
{
	struct onshi_national *n = c->n;
	struct national_token *t = national_token_for(n, c->inst);
	struct onshi_http_tls tls = {
		.ca_bundle = n->ca_bundle,
		.client_cert = n->client_cert,
		.client_key = n->client_key,
		.client_p12 = n->client_p12,
		.p12_password = n->p12_password,
	};
	char *url = NULL, *hdr = NULL;
	struct onshi_http *http = t && t->http ? t->http : n->http;
	CURL *e;

	if (t && (t->client_p12 || t->client_cert)) {
		tls.client_cert = t->client_cert;
		tls.client_key = t->client_key;
		tls.client_p12 = t->client_p12;
		tls.p12_password = t->p12_password;
	}
	if (asprintf(&url, "%s%s", n->endpoint, c->path) < 0)
		return ONSHI_ENOMEM;
	e = onshi_http_easy(http); /* pooled: no init per call */
	if (!e) {
		free(url);
		return ONSHI_ENOMEM;
	}
	curl_slist_free_all(c->headers);
	c->headers = curl_slist_append(NULL, "Content-Type: application/xml; charset=utf-8");
	c->headers = curl_slist_append(c->headers, "Expect:");
	if (token && asprintf(&hdr, "Authorization: Bearer %s", token) >= 0) {
		c->headers = curl_slist_append(c->headers, hdr);
		free(hdr);
	}
	if (c->idem && asprintf(&hdr, "Idempotency-Key: %s", c->idem) >= 0) {
		c->headers = curl_slist_append(c->headers, hdr);
		free(hdr);
	}
	onshi_strbuf_free(&c->answer);
	national_sink_reset(c);
	c->retry_after_s = 0;
	c->too_big = 0;
	c->errbuf[0] = '\0';
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_POST, 1L);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, c->body);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)c->len);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, c->headers);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, c);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, c->errbuf);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS,
			 strncmp(c->path, "/bulk", 5) == 0 ? n->bulk_timeout_ms
							   : n->timeout_ms);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, n->connect_timeout_ms);
	onshi_http_set_tls(e, &tls);
	free(url);
	c->easy = e;
	c->http = http;
	if (onshi_http_add(http, e, on_transfer_done, c) != ONSHI_OK) {
		onshi_http_easy_release(http, e);
		c->easy = NULL;
		return ONSHI_EIO;
	}
	return ONSHI_OK;
}

static void on_retry_timer(void *arg)
{
	struct onshi_national_call *c = arg;

	c->retry_timer = NULL;
	national_call_start(c);
}

/* Retry after delay_ms if the deadline allows; else give up. */
static void retry_or_give_up(struct onshi_national_call *c, uint64_t delay_ms,
			     long status, const char *why)
{
	struct onshi_national *n = c->n;

	if (onshi_loop_now_ms() + delay_ms > c->deadline_ms) {
		finish(c, ONSHI_NATIONAL_UNAVAILABLE, status, why);
		return;
	}
	c->retry_timer = onshi_loop_timer(n->loop, n, delay_ms, 0, on_retry_timer, c);
	if (!c->retry_timer)
		finish(c, ONSHI_NATIONAL_UNAVAILABLE, status, "out of memory");
}

static uint64_t backoff_ms(struct onshi_national_call *c)
{
	unsigned shift = c->attempt < 5 ? c->attempt : 5;
	uint64_t base = (uint64_t)BACKOFF_BASE_MS << shift;

	if (base > BACKOFF_CAP_MS)
		base = BACKOFF_CAP_MS;
	/* Full jitter in [base/2, base]: spread clinics that failed together. */
	return base / 2 + (uint64_t)rand_r(&c->n->seed) % (base / 2 + 1);
}

static void fail_waiting(struct national_token *t, enum onshi_national_outcome o,
			 long status, const char *why)
{
	while (t->waiting) {
		struct onshi_national_call *c = t->waiting;

		t->waiting = c->next_waiting;
		finish(c, o, status, why);
	}
}

int national_token_store(struct national_token *t, const char *body, size_t len)
{
	char *tok = onshi_xml_child_text(body, len, "AccessToken");
	char *ttl = onshi_xml_child_text(body, len, "ExpiresIn");
	long ttl_s = ttl ? strtol(ttl, NULL, 10) : 0;

	free(ttl);
	if (!tok || !*tok || strpbrk(tok, "\r\n ") || ttl_s <= 0) {
		free(tok);
		return -1;
	}
	free(t->value);
	t->value = tok;
	t->expires_ms = onshi_loop_now_ms() + (uint64_t)ttl_s * 1000u;
	if (t->expires_ms > TOKEN_MARGIN_MS * 2)
		t->expires_ms -= TOKEN_MARGIN_MS;
	return 0;
}

static void on_auth_done(void *arg, enum onshi_national_outcome o, long status,
			 const char *body, size_t len, const char *why)
{
	struct national_token *t = arg;

	t->fetching = 0;
	if (o != ONSHI_NATIONAL_ANSWER) {
		fail_waiting(t, o, status, why);
		return;
	}
	if (national_token_store(t, body, len) < 0) {
		fail_waiting(t, ONSHI_NATIONAL_UNAVAILABLE, status,
			     "the national service's AuthResponse has no usable AccessToken/ExpiresIn");
		return;
	}
	while (t->waiting) {
		struct onshi_national_call *c = t->waiting;

		t->waiting = c->next_waiting;
		if (send_call(c, t->value) != ONSHI_OK)
			finish(c, ONSHI_NATIONAL_UNAVAILABLE, 0,
			       "cannot start the HTTPS call");
	}
}

struct onshi_national_call *national_call_new(struct onshi_national *n,
					      const char *inst, const char *path,
					      const char *body, size_t len,
					      const char *idem,
					      onshi_national_cb cb, void *arg)
{
	struct onshi_national_call *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->n = n;
	snprintf(c->inst, sizeof(c->inst), "%s", inst);
	c->path = strdup(path);
	c->body = malloc(len + 1);
	c->idem = idem ? strdup(idem) : NULL;
	if (!c->path || !c->body || (idem && !c->idem)) {
		free(c->path);
		free(c->body);
		free(c->idem);
		free(c);
		return NULL;
	}
	memcpy(c->body, body, len);
	c->body[len] = '\0';
	c->len = len;
	c->cb = cb;
	c->arg = arg;
	c->sink_fd = -1;
	c->deadline_ms = onshi_loop_now_ms() + (uint64_t)n->deadline_ms;
	c->next = n->calls;
	n->calls = c;
	n->pending++;
	return c;
}

int national_auth_body(char *body, size_t size, const char *inst)
{
	return snprintf(body, size,
			"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			"<AuthRequest><MedicalInstitutionCode>%s</MedicalInstitutionCode></AuthRequest>\n",
			inst);
}

static void fetch_token(struct onshi_national *n, struct national_token *t)
{
	struct onshi_national_call *c;
	char body[256];
	int len = national_auth_body(body, sizeof(body), t->inst);

	c = national_call_new(n, t->inst, "/auth", body, (size_t)len, NULL,
			      on_auth_done, t);
	if (!c) {
		fail_waiting(t, ONSHI_NATIONAL_UNAVAILABLE, 0, "out of memory");
		return;
	}
	c->is_auth = 1;
	t->fetching = 1;
	national_call_start(c);
}

void national_call_start(struct onshi_national_call *c)
{
	struct onshi_national *n = c->n;
	struct national_token *t;

	if (n->call_cb && !c->is_probe)
		n->call_cb(n->call_arg);
	if (c->is_auth) {
		if (send_call(c, NULL) != ONSHI_OK)
			finish(c, ONSHI_NATIONAL_UNAVAILABLE, 0,
			       "cannot start the HTTPS call");
		return;
	}
	t = national_token_for(n, c->inst);
	if (!t) {
		finish(c, ONSHI_NATIONAL_UNAVAILABLE, 0, "out of memory");
		return;
	}
	if (t->value && onshi_loop_now_ms() < t->expires_ms) {
		if (send_call(c, t->value) != ONSHI_OK)
			finish(c, ONSHI_NATIONAL_UNAVAILABLE, 0,
			       "cannot start the HTTPS call");
		return;
	}
	c->next_waiting = t->waiting;
	t->waiting = c;
	if (!t->fetching)
		fetch_token(n, t);
}

static void forget_token(struct onshi_national *n, const char *inst)
{
	struct national_token *t = national_token_for(n, inst);

	if (t) {
		free(t->value);
		t->value = NULL;
	}
}

/* One transfer ended: decide what it means. */
static void transfer_done(struct onshi_national_call *c, CURLcode res)
{
	struct onshi_national *n = c->n;
	long status = 0;
	char why[600];

	curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &status);
	onshi_http_easy_release(c->http, c->easy);
	c->easy = NULL;
	c->attempt++;
	n->last_done_ms = onshi_loop_now_ms();

	if (res != CURLE_OK && c->sink_fd >= 0 && (c->too_big || c->sink_errno)) {
		/* Asking again would bring the same bytes: said at once. */
		if (c->too_big)
			snprintf(why, sizeof(why),
				 "the national service's answer is larger than the limit of %zu bytes",
				 c->sink_max);
		else
			snprintf(why, sizeof(why),
				 "cannot write the national service's answer to the spool: %s",
				 strerror(c->sink_errno));
		finish(c, ONSHI_NATIONAL_UNAVAILABLE, 0, why);
		return;
	}
	if (res != CURLE_OK) {
		snprintf(why, sizeof(why), "%s: %s",
			 c->too_big ? "answer larger than the limit"
				    : curl_easy_strerror(res),
			 c->errbuf[0] ? c->errbuf : n->endpoint);
		if (n->unreachable_cb)
			n->unreachable_cb(n->unreachable_arg, why, sizeof(why));
		national_set_state(n, "unreachable: %s", why);
		national_link_note(n, ONSHI_NATIONAL_LINK_DOWN, n->state);
		retry_or_give_up(c, backoff_ms(c), 0, why);
		return;
	}
	if (status >= 200 && status < 300) {
		national_set_state(n, "ok");
		if (!c->is_probe)
			national_link_note(n, ONSHI_NATIONAL_LINK_OK, NULL);
		finish(c, ONSHI_NATIONAL_ANSWER, status, NULL);
		return;
	}
	if (status == 401 && !c->is_auth && !c->reauthed) {
		c->reauthed = 1; /* the token expired early: once more */
		national_link_note(n, ONSHI_NATIONAL_LINK_OK, NULL); /* it answered */
		forget_token(n, c->inst);
		national_call_start(c);
		return;
	}
	if (status == 503 && c->retry_after_s) {
		snprintf(why, sizeof(why),
			 "national service in maintenance (503, Retry-After %ld s)",
			 c->retry_after_s);
		national_set_state(n, "maintenance: retry after %ld s",
				   c->retry_after_s);
		national_link_note(n, ONSHI_NATIONAL_LINK_MAINTENANCE, n->state);
		retry_or_give_up(c, (uint64_t)c->retry_after_s * 1000u, status, why);
		return;
	}
	if (status >= 500 || status == 429 || status == 408) {
		snprintf(why, sizeof(why), "national service answered HTTP %ld",
			 status);
		national_set_state(n, "degraded: %s", why);
		national_link_note(n, ONSHI_NATIONAL_LINK_DEGRADED, n->state);
		retry_or_give_up(c, backoff_ms(c), status, why);
		return;
	}
	snprintf(why, sizeof(why),
		 "national service refused the call: HTTP %ld", status);
	if (c->is_auth) {
		/* Without a token no call can succeed: the link is down. */
		national_set_state(n, "authentication refused: HTTP %ld (check the client certificate and the institution code)",
				   status);
		national_link_note(n, ONSHI_NATIONAL_LINK_DOWN, n->state);
	} else {
		national_link_note(n, ONSHI_NATIONAL_LINK_OK, NULL); /* it answered */
	}
	finish(c, ONSHI_NATIONAL_REFUSED, status, why);
}

static void on_transfer_done(void *arg, CURL *easy, CURLcode res)
{
	struct onshi_national_call *c = arg;

	(void)easy; /* c->easy */
	transfer_done(c, res);
}

/* ---- public ---- */

struct onshi_national_call *onshi_national_post(struct onshi_national *n,
						const char *institution,
						const char *path,
						const char *body, size_t len,
						const char *idempotency_key,
						onshi_national_cb cb, void *arg)
{
	struct onshi_national_call *c = national_call_new(n, institution, path,
							  body, len,
							  idempotency_key, cb, arg);

	if (c)
		national_call_start(c);
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
	struct onshi_national_call *c = national_call_new(n, institution, path,
							  body, len,
							  idempotency_key, cb, arg);

	if (c) {
		c->sink_fd = fd; /* national_file.c writes the body there */
		c->sink_max = max_bytes;
		national_call_start(c);
	}
	return c;
}

struct onshi_national_call *onshi_national_post_owned(struct onshi_national *n,
						      const char *institution,
						      const char *path,
						      char *body, size_t len,
						      const char *idempotency_key,
						      onshi_national_cb cb, void *arg)
{
	struct onshi_national_call *c = national_call_new(n, institution, path,
							  "", 0, idempotency_key,
							  cb, arg);

	if (!c) {
		free(body);
		return NULL;
	}
	free(c->body); /* the empty copy: the caller's body instead */
	c->body = body;
	c->len = len;
	national_call_start(c);
	return c;
}

void onshi_national_on_unreachable(struct onshi_national *n,
				   onshi_national_unreachable_cb cb, void *arg)
{
	if (!n)
		return;
	n->unreachable_cb = cb;
	n->unreachable_arg = arg;
}

void onshi_national_on_call(struct onshi_national *n, void (*cb)(void *arg), void *arg)
{
	if (!n)
		return;
	n->call_cb = cb;
	n->call_arg = arg;
}

void onshi_national_retry_now(struct onshi_national *n)
{
	struct onshi_national_call *c, *next;

	if (!n)
		return;
	for (c = n->calls; c; c = next) {
		next = c->next; /* a start may finish and free c */
		if (!c->retry_timer)
			continue;
		onshi_loop_timer_stop(n->loop, c->retry_timer);
		c->retry_timer = NULL;
		national_call_start(c);
	}
}

void onshi_national_flush_connections(struct onshi_national *n)
{
	if (!n)
		return;
	onshi_http_flush_connections(n->http);
	for (struct national_token *t = n->tokens; t; t = t->next)
		onshi_http_flush_connections(t->http); /* NULL is ignored */
}
