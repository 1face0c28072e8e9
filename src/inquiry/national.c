/* SPDX-License-Identifier: Apache-2.0 */
/*
 * national.c — the national link: mTLS calls, tokens, retries (see
 * national.h), on http.c's curl multi handle.
 */
#include "config.h"

#include <curl/curl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core.h"
#include "http.h"
#include "http_tls.h"
#include "log.h"
#include "national.h"
#include "strbuf.h"
#include "xml_util.h"

/* A bulk result for 100,000 persons is large; anything bigger is hostile. */
#define MAX_ANSWER_BYTES (256u * 1024 * 1024)
#define BACKOFF_BASE_MS 200u
#define BACKOFF_CAP_MS 5000u
/* Tokens are renewed this long before the server says they expire. */
#define TOKEN_MARGIN_MS 30000u

/* Per institution: its bearer token and, when it has its own, its client
 * certificate (a dental department with its own code has its own). */
struct token {
	char inst[11];
	char *client_cert, *client_key, *client_p12, *p12_password;
	char *value;
	uint64_t expires_ms;
	int fetching;
	struct onshi_national_call *waiting; /* calls queued for the token */
	struct token *next;
};

struct onshi_national_call {
	struct onshi_national *n;
	char inst[11];
	char *path;
	char *body;
	size_t len;
	char *idem;
	onshi_national_cb cb;
	void *arg;
	uint64_t deadline_ms;
	unsigned attempt;
	int is_auth;  /* our own POST /auth (token fetch or idle probe) */
	int reauthed; /* re-authenticated once after a 401 already */
	int is_probe; /* the idle probe: its answer is judged on arrival */
	CURL *easy;
	struct curl_slist *headers;
	struct onshi_strbuf answer;
	long retry_after_s;
	int too_big;
	char errbuf[CURL_ERROR_SIZE];
	struct onshi_loop_timer *retry_timer;
	struct onshi_national_call *next;         /* all calls */
	struct onshi_national_call *next_waiting; /* token wait list */
};

struct onshi_national {
	struct onshi_core *core;
	char *endpoint;
	char *client_cert, *client_key, *client_p12, *p12_password, *ca_bundle;
	long timeout_ms, connect_timeout_ms, deadline_ms;
	long bulk_timeout_ms; /* batch documents are megabytes, not kilobytes */
	struct onshi_http *http; /* curl multi on the loop */
	struct token *tokens;
	struct onshi_national_call *calls;
	unsigned pending;
	unsigned seed; /* jitter; no global PRNG state */
	char state[512];
	/* The link as the last answer (or its absence) showed it. */
	enum onshi_national_link link;
	time_t link_since;
	char link_why[512];
	/* The idle probe: POST /auth for probe_inst when no call ended for
	 * probe_ms; 0 = off. */
	uint64_t probe_ms, last_done_ms;
	char probe_inst[11];
	int probing;
};

static void set_state(struct onshi_national *n, const char *fmt, ...)
	ONSHI_PRINTF(2, 3);

static void set_state(struct onshi_national *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(n->state, sizeof(n->state), fmt, ap);
	va_end(ap);
}

/* ---- the link state ---- */

static int link_bad(enum onshi_national_link l)
{
	return l >= ONSHI_NATIONAL_LINK_MAINTENANCE;
}

/*
 * What the last transfer showed. Only a change between usable and not
 * usable is logged: a link down for an hour is one line, not one per
 * retry or probe.
 */
static void link_note(struct onshi_national *n, enum onshi_national_link l,
		      const char *why)
{
	time_t now = time(NULL);

	if (link_bad(l)) {
		if (!link_bad(n->link)) {
			n->link_since = now;
			onshi_logf(&n->core->log, ONSHI_LOG_WARNING,
				   "national link down: %s", why);
		}
		snprintf(n->link_why, sizeof(n->link_why), "%s", why);
	} else if (link_bad(n->link)) {
		onshi_logf(&n->core->log, ONSHI_LOG_NOTICE,
			   "national link back after %lld s (was: %s)",
			   (long long)(now - n->link_since), n->link_why);
		n->link_since = now;
		n->link_why[0] = '\0';
	} else if (n->link == ONSHI_NATIONAL_LINK_IDLE) {
		n->link_since = now;
	}
	n->link = l;
}

/* ---- calls ---- */

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
	struct onshi_national_call *c = userp;
	size_t len = size * nmemb;

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

static void call_free(struct onshi_national_call *c)
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
		onshi_http_cancel(n->http, c->easy);
		curl_easy_cleanup(c->easy);
	}
	curl_slist_free_all(c->headers);
	if (c->retry_timer)
		onshi_loop_timer_stop(n->core->loop, c->retry_timer);
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

	/* The callback may start new calls: hand over the body first. */
	memset(&c->answer, 0, sizeof(c->answer));
	call_free(c);
	cb(arg, outcome, status, answer.data ? answer.data : "", answer.len, why);
	onshi_strbuf_free(&answer);
}

static void start(struct onshi_national_call *c);

static struct token *token_for(struct onshi_national *n, const char *inst)
{
	struct token *t;

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

static struct token *token_for(struct onshi_national *n, const char *inst);
static void on_transfer_done(void *arg, CURL *easy, CURLcode res);

static int send_call(struct onshi_national_call *c, const char *token)
{
	struct onshi_national *n = c->n;
	struct token *t = token_for(n, c->inst);
	struct onshi_http_tls tls = {
		.ca_bundle = n->ca_bundle,
		.client_cert = n->client_cert,
		.client_key = n->client_key,
		.client_p12 = n->client_p12,
		.p12_password = n->p12_password,
	};
	char *url = NULL, *hdr = NULL;
	CURL *e;

	if (t && (t->client_p12 || t->client_cert)) {
		tls.client_cert = t->client_cert;
		tls.client_key = t->client_key;
		tls.client_p12 = t->client_p12;
		tls.p12_password = t->p12_password;
	}
	if (asprintf(&url, "%s%s", n->endpoint, c->path) < 0)
		return ONSHI_ENOMEM;
	e = curl_easy_init();
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
	if (onshi_http_add(n->http, e, on_transfer_done, c) != ONSHI_OK) {
		curl_easy_cleanup(e);
		c->easy = NULL;
		return ONSHI_EIO;
	}
	return ONSHI_OK;
}

static void on_retry_timer(void *arg)
{
	struct onshi_national_call *c = arg;

	c->retry_timer = NULL;
	start(c);
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
	c->retry_timer = onshi_loop_timer(n->core->loop, n, delay_ms, 0,
					  on_retry_timer, c);
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

static void fail_waiting(struct token *t, enum onshi_national_outcome o,
			 long status, const char *why)
{
	while (t->waiting) {
		struct onshi_national_call *c = t->waiting;

		t->waiting = c->next_waiting;
		finish(c, o, status, why);
	}
}

/* Keep the token of an AuthResponse; -1 when it has no usable one. */
static int token_store(struct token *t, const char *body, size_t len)
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
	struct token *t = arg;

	t->fetching = 0;
	if (o != ONSHI_NATIONAL_ANSWER) {
		fail_waiting(t, o, status, why);
		return;
	}
	if (token_store(t, body, len) < 0) {
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

static struct onshi_national_call *new_call(struct onshi_national *n,
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
	c->deadline_ms = onshi_loop_now_ms() + (uint64_t)n->deadline_ms;
	c->next = n->calls;
	n->calls = c;
	n->pending++;
	return c;
}

/* The body of POST /auth for institution inst. */
static int auth_body(char *body, size_t size, const char *inst)
{
	return snprintf(body, size,
			"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			"<AuthRequest><MedicalInstitutionCode>%s</MedicalInstitutionCode></AuthRequest>\n",
			inst);
}

static void fetch_token(struct onshi_national *n, struct token *t)
{
	struct onshi_national_call *c;
	char body[256];
	int len = auth_body(body, sizeof(body), t->inst);

	c = new_call(n, t->inst, "/auth", body, (size_t)len, NULL, on_auth_done, t);
	if (!c) {
		fail_waiting(t, ONSHI_NATIONAL_UNAVAILABLE, 0, "out of memory");
		return;
	}
	c->is_auth = 1;
	t->fetching = 1;
	start(c);
}

/* (Re)start a call: auth calls go straight out; others need a token. */
static void start(struct onshi_national_call *c)
{
	struct onshi_national *n = c->n;
	struct token *t;

	if (c->is_auth) {
		if (send_call(c, NULL) != ONSHI_OK)
			finish(c, ONSHI_NATIONAL_UNAVAILABLE, 0,
			       "cannot start the HTTPS call");
		return;
	}
	t = token_for(n, c->inst);
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
	struct token *t = token_for(n, inst);

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
	curl_easy_cleanup(c->easy);
	c->easy = NULL;
	c->attempt++;
	n->last_done_ms = onshi_loop_now_ms();

	if (res != CURLE_OK) {
		snprintf(why, sizeof(why), "%s: %s",
			 c->too_big ? "answer larger than the limit"
				    : curl_easy_strerror(res),
			 c->errbuf[0] ? c->errbuf : n->endpoint);
		set_state(n, "unreachable: %s", why);
		link_note(n, ONSHI_NATIONAL_LINK_DOWN, n->state);
		retry_or_give_up(c, backoff_ms(c), 0, why);
		return;
	}
	if (status >= 200 && status < 300) {
		set_state(n, "ok");
		if (!c->is_probe)
			link_note(n, ONSHI_NATIONAL_LINK_OK, NULL);
		finish(c, ONSHI_NATIONAL_ANSWER, status, NULL);
		return;
	}
	if (status == 401 && !c->is_auth && !c->reauthed) {
		c->reauthed = 1; /* the token expired early: once more */
		link_note(n, ONSHI_NATIONAL_LINK_OK, NULL); /* it answered */
		forget_token(n, c->inst);
		start(c);
		return;
	}
	if (status == 503 && c->retry_after_s) {
		snprintf(why, sizeof(why),
			 "national service in maintenance (503, Retry-After %ld s)",
			 c->retry_after_s);
		set_state(n, "maintenance: retry after %ld s", c->retry_after_s);
		link_note(n, ONSHI_NATIONAL_LINK_MAINTENANCE, n->state);
		retry_or_give_up(c, (uint64_t)c->retry_after_s * 1000u, status, why);
		return;
	}
	if (status >= 500 || status == 429 || status == 408) {
		snprintf(why, sizeof(why), "national service answered HTTP %ld",
			 status);
		set_state(n, "degraded: %s", why);
		link_note(n, ONSHI_NATIONAL_LINK_DEGRADED, n->state);
		retry_or_give_up(c, backoff_ms(c), status, why);
		return;
	}
	snprintf(why, sizeof(why),
		 "national service refused the call: HTTP %ld", status);
	if (c->is_auth) {
		/* Without a token no call can succeed: the link is down. */
		set_state(n, "authentication refused: HTTP %ld (check the client certificate and the institution code)",
			  status);
		link_note(n, ONSHI_NATIONAL_LINK_DOWN, n->state);
	} else {
		link_note(n, ONSHI_NATIONAL_LINK_OK, NULL); /* it answered */
	}
	finish(c, ONSHI_NATIONAL_REFUSED, status, why);
}

static void on_transfer_done(void *arg, CURL *easy, CURLcode res)
{
	struct onshi_national_call *c = arg;

	(void)easy; /* c->easy */
	transfer_done(c, res);
}

/* ---- the idle probe ---- */

static void on_probe_done(void *arg, enum onshi_national_outcome o, long status,
			  const char *body, size_t len, const char *why)
{
	struct onshi_national *n = arg;
	struct token fresh, *t;

	(void)status;
	(void)why; /* transfer_done has noted how the call ended */
	n->probing = 0;
	if (o != ONSHI_NATIONAL_ANSWER)
		return;
	/* A 200 without a usable token is no working link either. */
	memset(&fresh, 0, sizeof(fresh));
	if (token_store(&fresh, body, len) < 0) {
		set_state(n, "unusable answer: the national service's AuthResponse has no usable AccessToken/ExpiresIn");
		link_note(n, ONSHI_NATIONAL_LINK_DOWN, n->state);
		return;
	}
	link_note(n, ONSHI_NATIONAL_LINK_OK, NULL);
	/* A fresh token spares the next real call its own POST /auth. */
	t = token_for(n, n->probe_inst);
	if (t && !t->fetching) {
		free(t->value);
		t->value = fresh.value;
		t->expires_ms = fresh.expires_ms;
	} else {
		free(fresh.value);
	}
}

static void on_probe_timer(void *arg)
{
	struct onshi_national *n = arg;
	struct onshi_national_call *c;
	char body[256];
	int len;

	/* Calls in flight or retrying tell the state themselves. */
	if (n->probing || n->pending ||
	    onshi_loop_now_ms() - n->last_done_ms < n->probe_ms)
		return;
	len = auth_body(body, sizeof(body), n->probe_inst);
	c = new_call(n, n->probe_inst, "/auth", body, (size_t)len, NULL,
		     on_probe_done, n);
	if (!c)
		return;
	c->is_auth = 1;
	c->is_probe = 1;
	/* One attempt: the next probe is the retry. */
	c->deadline_ms = onshi_loop_now_ms();
	n->probing = 1;
	start(c);
}

/* ---- public ---- */

struct onshi_national_call *onshi_national_post(struct onshi_national *n,
						const char *institution,
						const char *path,
						const char *body, size_t len,
						const char *idempotency_key,
						onshi_national_cb cb, void *arg)
{
	struct onshi_national_call *c = new_call(n, institution, path, body,
						 len, idempotency_key, cb, arg);

	if (c)
		start(c);
	return c;
}

enum onshi_national_link onshi_national_link(const struct onshi_national *n,
					     time_t *since, const char **why)
{
	*since = n ? n->link_since : 0;
	*why = n ? n->link_why : "";
	return n ? n->link : ONSHI_NATIONAL_LINK_IDLE;
}

const char *onshi_national_link_word(enum onshi_national_link l)
{
	switch (l) {
	case ONSHI_NATIONAL_LINK_OK: return "ok";
	case ONSHI_NATIONAL_LINK_MAINTENANCE: return "maintenance";
	case ONSHI_NATIONAL_LINK_DEGRADED: return "degraded";
	case ONSHI_NATIONAL_LINK_DOWN: return "down";
	case ONSHI_NATIONAL_LINK_IDLE: break;
	}
	return "idle";
}

const char *onshi_national_state(const struct onshi_national *n)
{
	return n ? n->state : "not configured (no [national] section)";
}

const char *onshi_national_endpoint(const struct onshi_national *n)
{
	return n ? n->endpoint : "";
}

unsigned onshi_national_pending(const struct onshi_national *n)
{
	return n ? n->pending : 0;
}

void onshi_national_flush_connections(struct onshi_national *n)
{
	if (n)
		onshi_http_flush_connections(n->http);
}

static long conf_long(const struct onshi_conf_section *sec, const char *key, long dflt)
{
	const char *v = onshi_conf_section_get(sec, key);
	long l;

	return v && onshi_conf_parse_long(v, 0, 0, &l) == 0 ? l : dflt;
}

int onshi_national_open(struct onshi_core *core, struct onshi_national **out,
			char *msg, size_t msglen)
{
	const struct onshi_config *cfg = core->config;
	const struct onshi_conf_section *sec = onshi_config_section(cfg, "national",
								    NULL);
	struct onshi_national *n;
	const char *v;

	*out = NULL;
	if (!sec) {
		snprintf(msg, msglen,
			 "no [national] section: requests wait in the spool");
		return ONSHI_OK;
	}
	n = calloc(1, sizeof(*n));
	if (!n)
		return ONSHI_ENOMEM;
	n->core = core;
	v = onshi_conf_section_get(sec, "endpoint");
	n->endpoint = v ? strdup(v) : NULL;
	/* A trailing '/' would double the slash before each path. */
	if (n->endpoint && *n->endpoint && n->endpoint[strlen(n->endpoint) - 1] == '/')
		n->endpoint[strlen(n->endpoint) - 1] = '\0';
	n->client_cert = onshi_conf_section_path(cfg, sec, "client_cert");
	n->client_key = onshi_conf_section_path(cfg, sec, "client_key");
	n->client_p12 = onshi_conf_section_path(cfg, sec, "client_p12");
	v = onshi_conf_section_get(sec, "client_p12_password");
	n->p12_password = v ? strdup(v) : NULL;
	n->ca_bundle = onshi_conf_section_path(cfg, sec, "ca_bundle");
	n->timeout_ms = conf_long(sec, "timeout_ms", 10000);
	n->connect_timeout_ms = conf_long(sec, "connect_timeout_ms", 3000);
	n->deadline_ms = conf_long(sec, "deadline_ms", 30000);
	n->bulk_timeout_ms = conf_long(sec, "bulk_timeout_ms", 120000);
	n->seed = (unsigned)time(NULL) ^ (unsigned)(uintptr_t)n;
	set_state(n, "idle (no call yet)");
	/* The first probe comes after probe_s of quiet, like every other. */
	n->probe_ms = (uint64_t)conf_long(sec, "probe_s", 60) * 1000u;
	n->last_done_ms = onshi_loop_now_ms();
	for (size_t i = 0; i < cfg->nsections; i++) {
		const struct onshi_conf_section *is = &cfg->sections[i];
		const char *code = onshi_conf_section_get(is, "code");
		struct token *t;

		/* The probe authenticates as the first institution. */
		if (!n->probe_inst[0] && code && strcmp(is->type, "institution") == 0)
			snprintf(n->probe_inst, sizeof(n->probe_inst), "%s", code);

		/* only institutions with a certificate of their own */
		if (strcmp(is->type, "institution") != 0 || !code ||
		    onshi_conf_tls_identity(is, NULL) != is)
			continue;
		t = token_for(n, code);
		if (!t) {
			onshi_national_close(n);
			return ONSHI_ENOMEM;
		}
		t->client_cert = onshi_conf_section_path(cfg, is, "client_cert");
		t->client_key = onshi_conf_section_path(cfg, is, "client_key");
		t->client_p12 = onshi_conf_section_path(cfg, is, "client_p12");
		v = onshi_conf_section_get(is, "client_p12_password");
		t->p12_password = v ? strdup(v) : NULL;
	}
	n->http = onshi_http_new(core);
	if (!n->endpoint || !n->http) {
		onshi_national_close(n);
		return ONSHI_ENOMEM;
	}
	onshi_http_set_max_connections(n->http,
				       conf_long(sec, "max_connections", 8));
	/* Looked at every second (or probe_s, if shorter): a probe goes out
	 * within a second of probe_s of quiet. */
	if (n->probe_ms && n->probe_inst[0] &&
	    !onshi_loop_timer(core->loop, n, n->probe_ms < 1000 ? n->probe_ms : 1000,
			      1, on_probe_timer, n)) {
		onshi_national_close(n);
		return ONSHI_ENOMEM;
	}
	snprintf(msg, msglen, "national link to %s", n->endpoint);
	*out = n;
	return ONSHI_OK;
}

void onshi_national_close(struct onshi_national *n)
{
	if (!n)
		return;
	while (n->calls) {
		struct onshi_national_call *c = n->calls;

		call_free(c);
	}
	while (n->tokens) {
		struct token *t = n->tokens;

		n->tokens = t->next;
		free(t->value);
		free(t->client_cert);
		free(t->client_key);
		free(t->client_p12);
		free(t->p12_password);
		free(t);
	}
	onshi_http_free(n->http);
	onshi_loop_forget_owner(n->core->loop, n);
	free(n->endpoint);
	free(n->client_cert);
	free(n->client_key);
	free(n->client_p12);
	free(n->p12_password);
	free(n->ca_bundle);
	free(n);
}
