/* SPDX-License-Identifier: Apache-2.0 */
/*
 * control_selftest_remote.c — SELFTEST's live checks over HTTPS: one POST
 * /auth per institution with its own certificate (the national service,
 * and the clock from the answer's Date header), and the maintenance
 * manifest with its signature. Each transfer runs on a fresh connection
 * of the selftest's own curl multi handle on the core's loop (http.c);
 * when the last has ended the command is told (probes_ended) and the
 * results are judged here. Apart from the local checks because only these
 * wait, and only these talk curl.
 */
#include "config.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "control_selftest_internal.h"
#include "core.h"
#include "http.h"
#include "vpn.h"
#include "http_tls.h"
#include "manifest.h"
#include "xml_util.h"

/* Clock: Date has whole seconds; more than this off is worth a look, and
 * past the FAIL limit tokens and certificates start to misbehave. */
#define CLOCK_WARN_S 5
#define CLOCK_FAIL_S 300
/* A selftest waits for an answer, not for retries: short limits. */
#define PROBE_CONNECT_MS 5000L
#define PROBE_TIMEOUT_MS 15000L
#define PROBE_MAX_BODY (64u * 1024)

/* One live HTTPS transfer (national /auth, the manifest or its .sig). */
struct probe {
	struct selftest *st;
	struct result *res; /* the line this transfer fills in */
	CURL *easy;
	struct curl_slist *headers;
	char *url, *post;
	struct onshi_strbuf body;
	char errbuf[CURL_ERROR_SIZE];
	time_t server_date; /* the answer's Date header, 0: none */
	time_t local_at;    /* our clock when the headers arrived */
	long status;
	CURLcode code;
	int too_big, done;
	struct probe *next;
};

/* ---- live HTTPS probes ---- */

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
	struct probe *p = userp;
	size_t len = size * nmemb;

	if (p->body.len + len > PROBE_MAX_BODY) {
		p->too_big = 1;
		return 0;
	}
	onshi_strbuf_append(&p->body, data, len);
	return p->body.failed ? 0 : len;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *userp)
{
	struct probe *p = userp;
	size_t len = size * nmemb;
	char value[128];

	if (len > 5 && len < sizeof(value) + 5 && strncasecmp(data, "Date:", 5) == 0) {
		memcpy(value, data + 5, len - 5);
		value[len - 5] = '\0';
		p->server_date = curl_getdate(value, NULL);
		if (p->server_date < 0)
			p->server_date = 0;
		p->local_at = time(NULL);
	}
	return len;
}

static void on_probe_done(void *arg, CURL *easy, CURLcode code)
{
	struct probe *p = arg;

	p->code = code;
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &p->status);
	curl_easy_cleanup(easy);
	p->easy = NULL;
	p->done = 1;
	if (--p->st->running == 0)
		p->st->probes_ended(p->st);
}

/*
 * Start a transfer with the TLS settings of cert_sec (its client certificate)
 * and ca_sec (its ca_bundle); post NULL: GET.
 */
static struct probe *probe_start(struct selftest *st, struct result *res,
				 const char *url, const char *post,
				 const struct onshi_conf_section *cert_sec,
				 const struct onshi_conf_section *ca_sec)
{
	const struct onshi_config *cfg = st->core->config;
	struct probe *p = calloc(1, sizeof(*p));
	char *cert, *key, *p12, *ca;
	const char *p12pw;
	CURL *e;

	if (!p)
		return NULL;
	p->st = st;
	p->res = res;
	p->url = strdup(url);
	p->post = post ? strdup(post) : NULL;
	e = curl_easy_init();
	if (!p->url || (post && !p->post) || !e) {
		if (e)
			curl_easy_cleanup(e);
		free(p->url);
		free(p->post);
		free(p);
		return NULL;
	}
	p->next = st->probes;
	st->probes = p;
	curl_easy_setopt(e, CURLOPT_URL, p->url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, p);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, p);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, p->errbuf);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, PROBE_CONNECT_MS);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, PROBE_TIMEOUT_MS);
	/* A new connection: the handshake is part of what is checked. */
	curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
	curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
	if (p->post) {
		p->headers = curl_slist_append(NULL, "Content-Type: application/xml; charset=utf-8");
		p->headers = curl_slist_append(p->headers, "Expect:");
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, p->headers);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, p->post);
	}
	ca = onshi_conf_section_path(cfg, ca_sec, "ca_bundle");
	cert = onshi_conf_section_path(cfg, cert_sec, "client_cert");
	key = onshi_conf_section_path(cfg, cert_sec, "client_key");
	p12 = onshi_conf_section_path(cfg, cert_sec, "client_p12");
	p12pw = onshi_conf_section_get(cert_sec, "client_p12_password");
	/* curl copies string options: the paths can go right away. */
	onshi_http_set_tls(e, &(const struct onshi_http_tls){
				      .ca_bundle = ca,
				      .client_cert = cert,
				      .client_key = key,
				      .client_p12 = p12,
				      .p12_password = p12pw,
			      });
	free(ca);
	free(cert);
	free(key);
	free(p12);
	p->easy = e;
	if (onshi_http_add(st->http, e, on_probe_done, p) != ONSHI_OK) {
		curl_easy_cleanup(e);
		p->easy = NULL;
		p->done = 1;
		p->code = CURLE_OUT_OF_MEMORY;
		return p;
	}
	st->running++;
	return p;
}

/* Why a transfer gave no HTTP answer, and what to do about it. */
static void transport_failure(struct result *r, const struct probe *p,
			      const char *what, const char *where)
{
	const char *why = p->errbuf[0] ? p->errbuf : curl_easy_strerror(p->code);
	const char *advice;

	if (p->too_big) {
		selftest_result_set(r, LEVEL_FAIL, NULL,
				    "%s answered with more than %u KiB: %s",
				    what, PROBE_MAX_BODY / 1024, p->url);
		snprintf(r->advice, sizeof(r->advice),
			 "this is not the answer of the service named in %s: check the address",
			 where);
		return;
	}
	switch (p->code) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
		advice = "is the service up? check the address, the network and the firewall";
		break;
	case CURLE_OPERATION_TIMEDOUT:
		advice = "no answer in time: check the network, proxy and firewall";
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
		advice = "the server's certificate is not trusted or not for this host name: check ca_bundle and the address";
		break;
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
		advice = "the TLS handshake failed: is our client certificate expired or not issued by the national CA (onshictl cert status)? is ca_bundle right?";
		break;
	default: advice = "see the detail"; break;
	}
	selftest_result_set(r, LEVEL_FAIL, NULL, "%s unreachable: %s: %s", what,
			    p->url, why);
	snprintf(r->advice, sizeof(r->advice), "%s (%s)", advice, where);
}

/* When the tunnel to the national network is not up, that is the reason
 * first: the transport error alone would send a technician to the
 * service, the address or the firewall. */
static void vpn_says(struct selftest *st, struct result *r)
{
	const char *why;
	enum onshi_vpn_state vs = onshi_vpn_state(st->core->vpn, NULL, &why);
	char detail[TEXT_LEN];

	if (!st->core->vpn || vs == ONSHI_VPN_UP)
		return;
	snprintf(detail, sizeof(detail), "%s", r->detail);
	/* Cut short when long: the reason comes first for that. */
	if (snprintf(r->detail, sizeof(r->detail),
		     "VPN to the national network is down: %s (%s)", why,
		     detail) >= (int)sizeof(r->detail))
		r->detail[sizeof(r->detail) - 1] = '\0';
	snprintf(r->advice, sizeof(r->advice),
		 "see the vpn line above and docs/vpn.md");
}

/* The national line of one institution, from its POST /auth. */
static void judge_national(struct probe *p)
{
	struct result *r = p->res;
	char *token;

	if (p->code != CURLE_OK) {
		transport_failure(r, p, "national service", "[national] endpoint");
		vpn_says(p->st, r);
		return;
	}
	if (p->status == 403 || p->status == 400) {
		selftest_result_set(r, LEVEL_FAIL,
				    "the institution code in onshid.ini must be the certificate's (onshictl cert status)",
				    "national service refused the authentication: HTTP %ld",
				    p->status);
		return;
	}
	if (p->status < 200 || p->status > 299) {
		selftest_result_set(r, LEVEL_FAIL,
				    p->status >= 500
					    ? "the national service has trouble or is in maintenance: try again later"
					    : "see the detail; onshid's log has more",
				    "national service answered HTTP %ld at %s",
				    p->status, p->url);
		return;
	}
	token = onshi_xml_child_text(p->body.data ? p->body.data : "",
				     p->body.len, "AccessToken");
	if (!token || !*token)
		selftest_result_set(r, LEVEL_FAIL,
				    "the endpoint may not be the national service: check [national] endpoint",
				    "%s answered without an access token", p->url);
	else
		selftest_result_set(r, LEVEL_OK, NULL,
				    "reachable, server certificate verified, authenticated now (%s)",
				    p->url);
	free(token);
}

/* The clock against the first Date header of a national answer. */
static void judge_clock(struct selftest *st)
{
	struct result *r = st->clock;
	long off;

	if (!r)
		return;
	for (struct probe *p = st->probes; p; p = p->next) {
		if (p->res == st->manifest || !p->server_date)
			continue;
		off = (long)(p->local_at - p->server_date);
		if (labs(off) > CLOCK_FAIL_S)
			selftest_result_set(r, LEVEL_FAIL,
					    "set the clock: enable time sync (timedatectl set-ntp true) and check chronyc tracking",
					    "%+ld s off the national service's clock",
					    off);
		else if (labs(off) > CLOCK_WARN_S)
			selftest_result_set(r, LEVEL_WARN,
					    "check time sync (timedatectl; chronyc tracking)",
					    "%+ld s off the national service's clock",
					    off);
		else
			selftest_result_set(r, LEVEL_OK, NULL,
					    "%+ld s off the national service's clock",
					    off);
		return;
	}
	selftest_result_set(r, LEVEL_WARN,
			    "the clock is compared with the national service's answer: fix the national check first",
			    "not compared: no answer with a Date header from the national service");
}

static void judge_manifest(struct selftest *st)
{
	struct result *r = st->manifest;
	struct probe *m = st->man_probe, *s = st->sig_probe;
	struct onshi_manifest *man;
	char why[TEXT_LEN];

	if (!r || !m || !s)
		return;
	if (m->code != CURLE_OK || s->code != CURLE_OK) {
		transport_failure(r, m->code != CURLE_OK ? m : s, "maintenance server",
				  "[maintenance] manifest_url");
		return;
	}
	if (m->status != 200 || s->status != 200) {
		const struct probe *bad = m->status != 200 ? m : s;

		selftest_result_set(r, LEVEL_FAIL,
				    "check [maintenance] manifest_url; the maintenance provider must publish the manifest and its .sig",
				    "%s: the server answered HTTP %ld",
				    bad->url, bad->status);
		return;
	}
	if (onshi_manifest_verify_sig(st->trust_key, m->body.data, m->body.len,
				      s->body.data, s->body.len, why,
				      sizeof(why)) != ONSHI_OK) {
		selftest_result_set(r, LEVEL_FAIL,
				    "check [maintenance] trust_key against the maintenance provider's key; ask them to sign again",
				    "%s: signature refused: %s", m->url, why);
		return;
	}
	man = malloc(sizeof(*man));
	if (man && onshi_manifest_parse(m->body.data, m->body.len, man, why,
					sizeof(why)) == ONSHI_OK)
		selftest_result_set(r, LEVEL_OK, NULL,
				    "%s reachable, signature valid (serial %llu)",
				    m->url, (unsigned long long)man->serial);
	else
		selftest_result_set(r, LEVEL_FAIL,
				    "the maintenance provider signed a manifest onshid cannot read: tell them",
				    "%s: signature valid but the manifest is refused: %s",
				    m->url, man ? why : "out of memory");
	free(man);
}

void selftest_remote_national(struct selftest *st)
{
	const struct onshi_config *cfg = st->core->config;
	const struct onshi_conf_section *nat = onshi_config_section(cfg, "national",
								    NULL);
	const char *endpoint = onshi_conf_section_get(nat, "endpoint");
	char url[1024], body[256], name[96];

	if (!nat || !endpoint) {
		struct result *r = selftest_result_add(st, "national");

		selftest_result_set(r, LEVEL_FAIL,
				    "add a [national] section with endpoint, client_cert, client_key and ca_bundle (onshid.ini(5))",
				    "not configured: requests only wait in the spool");
		return;
	}
	/* One trailing '/' is allowed in endpoint, as the national link does. */
	snprintf(url, sizeof(url), "%.*s/auth",
		 (int)(strlen(endpoint) - (endpoint[strlen(endpoint) - 1] == '/')),
		 endpoint);
	for (size_t i = 0; i < cfg->nsections; i++) {
		const struct onshi_conf_section *s = &cfg->sections[i];
		const char *code = onshi_conf_section_get(s, "code");
		struct result *r;

		if (strcmp(s->type, "institution") != 0)
			continue;
		snprintf(name, sizeof(name), "national:%s", s->name);
		r = selftest_result_add(st, name);
		snprintf(body, sizeof(body),
			 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			 "<AuthRequest><MedicalInstitutionCode>%.10s</MedicalInstitutionCode></AuthRequest>\n",
			 code ? code : "");
		if (!probe_start(st, r, url, body,
				 onshi_conf_tls_identity(s, nat), nat))
			selftest_result_set(r, LEVEL_FAIL, NULL,
					    "cannot start the call: out of memory");
	}
	st->clock = selftest_result_add(st, "clock");
}

void selftest_remote_maintenance(struct selftest *st)
{
	const struct onshi_config *cfg = st->core->config;
	const struct onshi_conf_section *sec =
		onshi_config_section(cfg, "maintenance", NULL);
	const struct onshi_conf_section *nat = onshi_config_section(cfg, "national",
								    NULL);
	const char *url = onshi_conf_section_get(sec, "manifest_url");
	struct result *r = selftest_result_add(st, "maintenance");
	const struct onshi_conf_section *id_sec, *ca_sec;
	char sig[1100];

	if (!sec) {
		selftest_result_set(r, LEVEL_OK, NULL,
				    "not configured (no [maintenance] section): skipped");
		return;
	}
	st->trust_key = onshi_conf_section_path(cfg, sec, "trust_key");
	if (!url || !st->trust_key) {
		selftest_result_set(r, LEVEL_FAIL,
				    "set manifest_url and trust_key in [maintenance]",
				    "[maintenance] lacks manifest_url or trust_key");
		return;
	}
	st->manifest = r;
	snprintf(sig, sizeof(sig), "%s.sig", url);
	/* As the poller: its own certificate and CA, else the national ones. */
	id_sec = onshi_conf_tls_identity(sec, nat);
	ca_sec = onshi_conf_section_get(sec, "ca_bundle") ? sec : nat;
	st->man_probe = probe_start(st, r, url, NULL, id_sec, ca_sec);
	st->sig_probe = probe_start(st, r, sig, NULL, id_sec, ca_sec);
	if (!st->man_probe || !st->sig_probe)
		selftest_result_set(r, LEVEL_FAIL, NULL,
				    "cannot start the download: out of memory");
}

void selftest_remote_judge(struct selftest *st)
{
	for (struct probe *p = st->probes; p; p = p->next)
		if (p->res != st->manifest && p->done)
			judge_national(p);
	judge_clock(st);
	judge_manifest(st);
}

void selftest_remote_free(struct selftest *st)
{
	while (st->probes) {
		struct probe *p = st->probes;

		st->probes = p->next;
		if (p->easy) {
			onshi_http_cancel(st->http, p->easy);
			curl_easy_cleanup(p->easy);
		}
		curl_slist_free_all(p->headers);
		onshi_strbuf_free(&p->body);
		free(p->url);
		free(p->post);
		free(p);
	}
	free(st->trust_key);
}
