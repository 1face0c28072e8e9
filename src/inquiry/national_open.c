/* SPDX-License-Identifier: Apache-2.0 */
/*
 * national_open.c — the national link opened from the configuration
 * ([national], and the [institution] sections with a client certificate of
 * their own), and closed. Apart from national.c because it reads settings
 * and wires the parts (the calls, the idle probe) rather than moving bytes;
 * it is the only file that knows them all.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf_schema.h"
#include "http.h"
#include "national_internal.h"

/* An institution with its own certificate closes its connections after
 * this long without a call: a hundred mostly quiet institutions then hold
 * none, not a hundred times max_connections, while one that is busy keeps
 * all of its own warm. Under onshi-qsd's 60 s idle timeout, so a closed
 * connection is rarely found dead. */
#define OWN_IDLE_CLOSE_MS 30000u

static long conf_long(const struct onshi_conf_section *sec, const char *key, long dflt)
{
	const char *v = onshi_conf_section_get(sec, key);
	long l;

	return v && onshi_conf_parse_long(v, 0, 0, &l) == 0 ? l : dflt;
}

int onshi_national_open(struct onshi_loop *loop, struct onshi_log *log,
			const struct onshi_config *cfg,
			struct onshi_national **out, char *msg, size_t msglen)
{
	const struct onshi_conf_section *sec = onshi_config_section(cfg, "national",
								    NULL);
	struct onshi_national *n;
	const char *v;
	long max_conn;

	*out = NULL;
	if (!sec) {
		snprintf(msg, msglen,
			 "no [national] section: requests wait in the spool");
		return ONSHI_OK;
	}
	n = calloc(1, sizeof(*n));
	if (!n)
		return ONSHI_ENOMEM;
	n->loop = loop;
	n->log = log;
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
	national_set_state(n, "idle (no call yet)");
	/* The first probe comes after probe_s of quiet, like every other. */
	n->probe_ms = (uint64_t)conf_long(sec, "probe_s", 60) * 1000u;
	n->last_done_ms = onshi_loop_now_ms();
	for (size_t i = 0; i < cfg->nsections; i++) {
		const struct onshi_conf_section *is = &cfg->sections[i];
		const char *code = onshi_conf_section_get(is, "code");
		struct national_token *t;

		/* The probe authenticates as the first institution. */
		if (!n->probe_inst[0] && code && strcmp(is->type, "institution") == 0)
			snprintf(n->probe_inst, sizeof(n->probe_inst), "%s", code);

		/* only institutions with a certificate of their own */
		if (strcmp(is->type, "institution") != 0 || !code ||
		    onshi_conf_tls_identity(is, NULL) != is)
			continue;
		t = national_token_for(n, code);
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
	n->http = onshi_http_new(loop);
	if (!n->endpoint || !n->http) {
		onshi_national_close(n);
		return ONSHI_ENOMEM;
	}
	max_conn = conf_long(sec, "max_connections", 8);
	onshi_http_set_max_connections(n->http, max_conn);
	/* Each certificate its own connections, capped alike (national_token). */
	for (struct national_token *t = n->tokens; t; t = t->next) {
		t->http = onshi_http_new(loop);
		if (!t->http) {
			onshi_national_close(n);
			return ONSHI_ENOMEM;
		}
		onshi_http_set_max_connections(t->http, max_conn);
		onshi_http_set_idle_close(t->http, OWN_IDLE_CLOSE_MS);
	}
	if (national_probe_start(n) != ONSHI_OK) {
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

		national_call_free(c);
	}
	while (n->tokens) {
		struct national_token *t = n->tokens;

		n->tokens = t->next;
		free(t->value);
		free(t->client_cert);
		free(t->client_key);
		free(t->client_p12);
		free(t->p12_password);
		onshi_http_free(t->http); /* its calls were freed above */
		free(t);
	}
	onshi_http_free(n->http);
	onshi_loop_forget_owner(n->loop, n);
	free(n->endpoint);
	free(n->client_cert);
	free(n->client_key);
	free(n->client_p12);
	free(n->p12_password);
	free(n->ca_bundle);
	free(n);
}
