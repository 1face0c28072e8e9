/* SPDX-License-Identifier: Apache-2.0 */
/*
 * control_selftest.c — SELFTEST (`onshictl selftest`): prove the
 * installation now, from inside onshid, so that files and folders are
 * checked with the daemon's own user and permissions.
 *
 * The reply is one line per check:
 *   check=NAME result=OK|WARN|FAIL detail="..." [advice="..."]
 * in a fixed order: config, each institution's certificate, the national
 * service for each institution, the clock, each reader, each receipt-computer
 * adapter, maintenance, the spool's disk.
 *
 * The network checks are live calls made now, each on a fresh connection
 * of a curl multi handle of their own on the core's loop (http.c), so the
 * loop never blocks and the national link's pooled connections, cached
 * tokens and retries neither help nor hide anything: one POST /auth per
 * institution with its own certificate proves reachability, the server's
 * certificate, our client certificate and the institution code at once,
 * and its Date header gives the clock. The answer waits until every
 * transfer has ended; curl's timeouts bound that wait.
 */
#include "config.h"

#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "cert_status.h"
#include "control.h"
#include "core.h"
#include "http.h"
#include "http_tls.h"
#include "manifest.h"
#include "module.h"
#include "status_kv.h"
#include "xml_util.h"

/* Certificates: the same window as the daemon's own expiry warning. */
#define CERT_WARN_DAYS 30
/* Clock: Date has whole seconds; more than this off is worth a look, and
 * past the FAIL limit tokens and certificates start to misbehave. */
#define CLOCK_WARN_S 5
#define CLOCK_FAIL_S 300
/* The spool's disk: below these the daemon soon cannot accept requests. */
#define SPOOL_WARN_BYTES (256ull * 1024 * 1024)
#define SPOOL_FAIL_BYTES (32ull * 1024 * 1024)
/* A selftest waits for an answer, not for retries: short limits. */
#define PROBE_CONNECT_MS 5000L
#define PROBE_TIMEOUT_MS 15000L
#define PROBE_MAX_BODY (64u * 1024)
#define TEXT_LEN 600

enum level {
	LEVEL_OK,
	LEVEL_WARN,
	LEVEL_FAIL
};

struct result {
	char name[96];
	enum level level;
	char detail[TEXT_LEN];
	char advice[TEXT_LEN];
};

struct selftest;

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

struct selftest {
	struct onshi_core *core;
	struct onshi_control_client *client;
	struct onshi_http *http;
	struct result *results;
	size_t nresults, cap;
	struct probe *probes;
	unsigned running;
	struct result *clock;    /* filled from the first Date seen */
	struct result *manifest; /* NULL: maintenance not configured */
	struct probe *man_probe, *sig_probe;
	char *trust_key;
};

static struct result *add_result(struct selftest *st, const char *name)
{
	struct result *r;

	if (st->nresults == st->cap)
		return NULL; /* sized before any check runs: cannot happen */
	r = &st->results[st->nresults++];
	snprintf(r->name, sizeof(r->name), "%s", name);
	return r;
}

static void set_result(struct result *r, enum level level, const char *advice,
		       const char *fmt, ...) ONSHI_PRINTF(4, 5);

static void set_result(struct result *r, enum level level, const char *advice,
		       const char *fmt, ...)
{
	va_list ap;

	r->level = level;
	va_start(ap, fmt);
	vsnprintf(r->detail, sizeof(r->detail), fmt, ap);
	va_end(ap);
	snprintf(r->advice, sizeof(r->advice), "%s", advice ? advice : "");
}

/* ---- config: what `onshid --check-config` says ---- */

static void check_config(struct selftest *st)
{
	struct result *r = add_result(st, "config");
	struct onshi_diag diag = { 0 };

	onshi_core_check_config(st->core->config->path, &diag);
	if (diag.count)
		set_result(r, LEVEL_FAIL,
			   "run onshid --check-config for every problem, fix the file, then restart onshid",
			   "%s: %zu problem%s, first: %s", st->core->config->path,
			   diag.count, diag.count == 1 ? "" : "s", diag.lines[0]);
	else
		set_result(r, LEVEL_OK, NULL, "%s checks", st->core->config->path);
	onshi_diag_clear(&diag);
}

/* ---- certificates: the STATUS cert line, judged ---- */

static void check_cert(struct selftest *st, const struct onshi_conf_section *inst)
{
	struct onshi_strbuf line = { 0 };
	struct onshi_kv f[24];
	char name[96];
	struct result *r;
	const char *state, *msg, *days;
	int n;

	snprintf(name, sizeof(name), "cert:%s", inst->name);
	r = add_result(st, name);
	onshi_cert_status_line(st->core, inst->name, &line);
	/* The STATUS line ends in a newline: not part of the last value. */
	if (line.len && line.data[line.len - 1] == '\n')
		line.data[--line.len] = '\0';
	n = line.data ? onshi_kv_parse(line.data, f, 24) : -1;
	if (n < 0) {
		set_result(r, LEVEL_FAIL, "see onshictl cert status",
			   "cannot check the certificate (out of memory?)");
		onshi_strbuf_free(&line);
		return;
	}
	state = onshi_kv_get(f, n, "state");
	msg = onshi_kv_get(f, n, "message");
	days = onshi_kv_get(f, n, "days_left");
	if (!state || strcmp(state, "error") == 0)
		set_result(r, LEVEL_FAIL,
			   "fix the files named in [national] / the [institution] section, or renew: onshictl cert csr, then onshictl cert install FILE",
			   "%s", msg ? msg : "certificate not usable");
	else if (days && strtol(days, NULL, 10) < CERT_WARN_DAYS)
		set_result(r, LEVEL_WARN,
			   "renew now: onshictl cert csr, have it signed, onshictl cert install FILE",
			   "%s days left (expires %s); serial %s", days,
			   onshi_kv_get(f, n, "not_after") ?: "-",
			   onshi_kv_get(f, n, "serial") ?: "-");
	else
		set_result(r, LEVEL_OK, NULL,
			   "code %s, %s days left (expires %s), matches its key",
			   onshi_kv_get(f, n, "code") ?: "-", days ? days : "-",
			   onshi_kv_get(f, n, "not_after") ?: "-");
	onshi_strbuf_free(&line);
}

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

static void probes_done(struct selftest *st);

static void on_probe_done(void *arg, CURL *easy, CURLcode code)
{
	struct probe *p = arg;

	p->code = code;
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &p->status);
	curl_easy_cleanup(easy);
	p->easy = NULL;
	p->done = 1;
	if (--p->st->running == 0)
		probes_done(p->st);
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
		set_result(r, LEVEL_FAIL, NULL,
			   "%s answered with more than %u KiB: %s", what,
			   PROBE_MAX_BODY / 1024, p->url);
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
	set_result(r, LEVEL_FAIL, NULL, "%s unreachable: %s: %s", what, p->url, why);
	snprintf(r->advice, sizeof(r->advice), "%s (%s)", advice, where);
}

/* The national line of one institution, from its POST /auth. */
static void judge_national(struct probe *p)
{
	struct result *r = p->res;
	char *token;

	if (p->code != CURLE_OK) {
		transport_failure(r, p, "national service", "[national] endpoint");
		return;
	}
	if (p->status == 403 || p->status == 400) {
		set_result(r, LEVEL_FAIL,
			   "the institution code in onshid.ini must be the certificate's (onshictl cert status)",
			   "national service refused the authentication: HTTP %ld",
			   p->status);
		return;
	}
	if (p->status < 200 || p->status > 299) {
		set_result(r, LEVEL_FAIL,
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
		set_result(r, LEVEL_FAIL,
			   "the endpoint may not be the national service: check [national] endpoint",
			   "%s answered without an access token", p->url);
	else
		set_result(r, LEVEL_OK, NULL,
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
			set_result(r, LEVEL_FAIL,
				   "set the clock: enable time sync (timedatectl set-ntp true) and check chronyc tracking",
				   "%+ld s off the national service's clock", off);
		else if (labs(off) > CLOCK_WARN_S)
			set_result(r, LEVEL_WARN,
				   "check time sync (timedatectl; chronyc tracking)",
				   "%+ld s off the national service's clock", off);
		else
			set_result(r, LEVEL_OK, NULL,
				   "%+ld s off the national service's clock", off);
		return;
	}
	set_result(r, LEVEL_WARN,
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

		set_result(r, LEVEL_FAIL,
			   "check [maintenance] manifest_url; the maintenance provider must publish the manifest and its .sig",
			   "%s: the server answered HTTP %ld", bad->url,
			   bad->status);
		return;
	}
	if (onshi_manifest_verify_sig(st->trust_key, m->body.data, m->body.len,
				      s->body.data, s->body.len, why,
				      sizeof(why)) != ONSHI_OK) {
		set_result(r, LEVEL_FAIL,
			   "check [maintenance] trust_key against the maintenance provider's key; ask them to sign again",
			   "%s: signature refused: %s", m->url, why);
		return;
	}
	man = malloc(sizeof(*man));
	if (man && onshi_manifest_parse(m->body.data, m->body.len, man, why,
					sizeof(why)) == ONSHI_OK)
		set_result(r, LEVEL_OK, NULL,
			   "%s reachable, signature valid (serial %llu)",
			   m->url, (unsigned long long)man->serial);
	else
		set_result(r, LEVEL_FAIL,
			   "the maintenance provider signed a manifest onshid cannot read: tell them",
			   "%s: signature valid but the manifest is refused: %s",
			   m->url, man ? why : "out of memory");
	free(man);
}

static void national_probes(struct selftest *st)
{
	const struct onshi_config *cfg = st->core->config;
	const struct onshi_conf_section *nat = onshi_config_section(cfg, "national",
								    NULL);
	const char *endpoint = onshi_conf_section_get(nat, "endpoint");
	char url[1024], body[256], name[96];

	if (!nat || !endpoint) {
		struct result *r = add_result(st, "national");

		set_result(r, LEVEL_FAIL,
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
		r = add_result(st, name);
		snprintf(body, sizeof(body),
			 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			 "<AuthRequest><MedicalInstitutionCode>%.10s</MedicalInstitutionCode></AuthRequest>\n",
			 code ? code : "");
		if (!probe_start(st, r, url, body,
				 onshi_conf_tls_identity(s, nat), nat))
			set_result(r, LEVEL_FAIL, NULL,
				   "cannot start the call: out of memory");
	}
	st->clock = add_result(st, "clock");
}

static void maintenance_probes(struct selftest *st)
{
	const struct onshi_config *cfg = st->core->config;
	const struct onshi_conf_section *sec =
		onshi_config_section(cfg, "maintenance", NULL);
	const struct onshi_conf_section *nat = onshi_config_section(cfg, "national",
								    NULL);
	const char *url = onshi_conf_section_get(sec, "manifest_url");
	struct result *r = add_result(st, "maintenance");
	const struct onshi_conf_section *id_sec, *ca_sec;
	char sig[1100];

	if (!sec) {
		set_result(r, LEVEL_OK, NULL,
			   "not configured (no [maintenance] section): skipped");
		return;
	}
	st->trust_key = onshi_conf_section_path(cfg, sec, "trust_key");
	if (!url || !st->trust_key) {
		set_result(r, LEVEL_FAIL,
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
		set_result(r, LEVEL_FAIL, NULL,
			   "cannot start the download: out of memory");
}

/* ---- readers: the plugin's own account of its device link ---- */

static void check_reader(struct selftest *st, const struct onshi_module *m)
{
	struct result *r = add_result(st, m->name);
	const struct onshi_plugin *d = m->inst ? m->inst->plugin->desc : NULL;
	char text[256] = "";
	char advice[TEXT_LEN];

	if (m->state == ONSHI_MODULE_FAILED) {
		snprintf(advice, sizeof(advice),
			 "fix what the detail names, then onshictl plugin reload %s",
			 m->name);
		set_result(r, LEVEL_FAIL, advice, "failed: %s", m->last_error);
		return;
	}
	if (m->state != ONSHI_MODULE_RUNNING || !d) {
		snprintf(advice, sizeof(advice),
			 "onshictl plugin enable %s, or remove its section if it is not used",
			 m->name);
		set_result(r, LEVEL_WARN, advice, "disabled: not checked");
		return;
	}
	if (d->ops->status && ONSHI_OPS_HAS(d->ops_size, status)) {
		d->ops->status(m->inst->state, text, sizeof(text));
		text[sizeof(text) - 1] = '\0';
	}
	/* Reader plugins say so in their status when the device is away. */
	if (strstr(text, "dead device") || strstr(text, "link down") ||
	    strstr(text, "connecting to") || strstr(text, "'(none)'") ||
	    strstr(text, "no device") || strncmp(text, "stopped", 7) == 0) {
		snprintf(advice, sizeof(advice),
			 "check the reader's cable, power and the device setting of [reader %s]",
			 m->section_name);
		set_result(r, LEVEL_FAIL, advice, "no device: %s", text);
		return;
	}
	set_result(r, LEVEL_OK, NULL, "%s", text[0] ? text : "running");
}

/* ---- receipt-computer folders: written and removed by onshid itself ---- */

/* Write and remove a probe file in dir; 0, or errno with what failed. */
static int probe_folder(const char *dir, const char **step)
{
	char path[4200];
	int fd, e;

	snprintf(path, sizeof(path), "%s/.onshi-selftest.%ld", dir, (long)getpid());
	*step = "create a file in";
	/* A dot file: the folder watchers skip dot files, nobody reads it. */
	/* Never through a link or over a file someone put there. */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return errno;
	*step = "write a file in";
	e = write(fd, "onshi selftest\n", 15) == 15 ? 0 : (errno ? errno : EIO);
	if (close(fd) < 0 && !e)
		e = errno;
	*step = "remove a file from";
	if (unlink(path) < 0 && !e)
		e = errno;
	if (e)
		*step = "write a file in";
	return e;
}

static void check_rececon(struct selftest *st, const struct onshi_module *m)
{
	const struct onshi_conf_section *sec =
		onshi_config_section(st->core->config, m->section_type,
				     m->section_name);
	char *dir = onshi_conf_section_path(st->core->config, sec, "dir");
	struct result *r = add_result(st, m->name);
	char advice[TEXT_LEN], failed[2048] = "";
	unsigned checked = 0, bad = 0;
	struct dirent *de;
	const char *step;
	DIR *d;
	int e;

	if (m->state == ONSHI_MODULE_FAILED)
		snprintf(failed, sizeof(failed), "failed: %s; ", m->last_error);
	if (!dir) {
		set_result(r, failed[0] ? LEVEL_FAIL : LEVEL_OK, NULL,
			   "%sno dir setting: no folders to check", failed);
		return;
	}
	e = probe_folder(dir, &step);
	if (e) {
		snprintf(advice, sizeof(advice),
			 "create %.400s and let onshid's user write there (chown/chmod, or the share's permissions)",
			 dir);
		set_result(r, LEVEL_FAIL, advice, "%sonshid cannot %s %s: %s",
			   failed, step, dir, strerror(e));
		free(dir);
		return;
	}
	checked++;
	/* The adapter's working folders (req/, res/, SEND/, ...) are the
	 * sub-folders of dir: each must be writable too. */
	d = opendir(dir);
	while (d && (de = readdir(d))) {
		char sub[4100];
		struct stat sb;

		if (de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name);
		/* Followed like the adapter follows it (a share may be a link). */
		if (stat(sub, &sb) < 0 || !S_ISDIR(sb.st_mode))
			continue;
		checked++;
		e = probe_folder(sub, &step);
		if (e && !bad++) {
			snprintf(advice, sizeof(advice),
				 "let onshid's user write to %.400s (chown/chmod, or the share's permissions)",
				 sub);
			set_result(r, LEVEL_FAIL, advice, "%sonshid cannot %s %s: %s",
				   failed, step, sub, strerror(e));
		}
	}
	if (d)
		closedir(d);
	if (!bad && failed[0]) {
		snprintf(advice, sizeof(advice),
			 "fix what the detail names, then onshictl plugin reload %s",
			 m->name);
		set_result(r, LEVEL_FAIL, advice, "%sfolders writable", failed);
	} else if (!bad && m->state != ONSHI_MODULE_RUNNING) {
		snprintf(advice, sizeof(advice),
			 "onshictl plugin enable %s, or remove its section if it is not used",
			 m->name);
		set_result(r, LEVEL_WARN, advice,
			   "disabled; its %u folder%s under %s are writable",
			   checked, checked == 1 ? "" : "s", dir);
	} else if (!bad) {
		set_result(r, LEVEL_OK, NULL,
			   "%u folder%s under %s writable by onshid", checked,
			   checked == 1 ? "" : "s", dir);
	}
	free(dir);
}

/* ---- the spool's disk ---- */

static void check_spool(struct selftest *st)
{
	const char *dir = st->core->settings.spool_dir;
	struct result *r = add_result(st, "spool-disk");
	unsigned long long avail;
	struct statvfs vfs;

	if (statvfs(dir, &vfs) < 0) {
		set_result(r, LEVEL_FAIL, "check [spool] dir", "%s: %s", dir,
			   strerror(errno));
		return;
	}
	avail = (unsigned long long)vfs.f_bavail * vfs.f_frsize;
	if (avail < SPOOL_FAIL_BYTES || (vfs.f_files && vfs.f_favail < 100))
		set_result(r, LEVEL_FAIL,
			   "free space on that disk now: requests cannot be kept",
			   "%s: %llu MiB free, %llu files left", dir,
			   avail >> 20, (unsigned long long)vfs.f_favail);
	else if (avail < SPOOL_WARN_BYTES)
		set_result(r, LEVEL_WARN,
			   "free space on that disk soon (old logs, backups)",
			   "%s: only %llu MiB free (warning under %llu MiB)",
			   dir, avail >> 20, SPOOL_WARN_BYTES >> 20);
	else
		set_result(r, LEVEL_OK, NULL, "%s: %llu MiB free", dir, avail >> 20);
}

/* ---- the answer ---- */

static const char *level_word(enum level l)
{
	return l == LEVEL_FAIL ? "FAIL" : l == LEVEL_WARN ? "WARN" : "OK";
}

static void selftest_free(struct selftest *st)
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
	onshi_http_free(st->http);
	onshi_loop_forget_owner(st->core->loop, st);
	free(st->trust_key);
	free(st->results);
	free(st);
}

/* The reply: "N selftest WORST" and a line per check. */
static void render(struct selftest *st, struct onshi_strbuf *reply)
{
	unsigned worst = LEVEL_OK;

	for (size_t i = 0; i < st->nresults; i++)
		if (st->results[i].level > worst)
			worst = st->results[i].level;
	onshi_strbuf_printf(reply, "%zu selftest %s\n", st->nresults,
			    level_word((enum level)worst));
	for (size_t i = 0; i < st->nresults; i++) {
		const struct result *r = &st->results[i];

		onshi_control_put_kv(reply, "check", r->name);
		onshi_control_put_kv(reply, "result", level_word(r->level));
		onshi_control_put_kv(reply, "detail", r->detail);
		if (r->level != LEVEL_OK && r->advice[0])
			onshi_control_put_kv(reply, "advice", r->advice);
		onshi_strbuf_append(reply, "\n", 1);
	}
	onshi_logf(&st->core->log,
		   worst == LEVEL_OK ? ONSHI_LOG_INFO : ONSHI_LOG_WARNING,
		   "selftest: %s (%zu checks)", level_word((enum level)worst),
		   st->nresults);
}

static void judge_all(struct selftest *st)
{
	for (struct probe *p = st->probes; p; p = p->next)
		if (p->res != st->manifest && p->done)
			judge_national(p);
	judge_clock(st);
	judge_manifest(st);
}

/* On the loop, not inside curl's callback: the multi handle goes too. */
static void on_finish_timer(void *arg)
{
	struct selftest *st = arg;
	struct onshi_strbuf reply = { 0 };

	judge_all(st);
	render(st, &reply);
	if (reply.failed) {
		onshi_strbuf_free(&reply);
		onshi_strbuf_printf(&reply, "-1 out of memory\n");
	}
	onshi_control_answer(st->client, &reply);
	onshi_strbuf_free(&reply);
	selftest_free(st);
}

static void probes_done(struct selftest *st)
{
	if (!onshi_loop_timer(st->core->loop, st, 0, 0, on_finish_timer, st))
		onshi_logf(&st->core->log, ONSHI_LOG_ERR,
			   "selftest: out of memory: the answer is lost");
}

static void cmd_selftest(struct onshi_core *core, struct onshi_control_client *client,
			 int argc, char **argv, struct onshi_strbuf *reply)
{
	const struct onshi_config *cfg = core->config;
	struct selftest *st = calloc(1, sizeof(*st));
	size_t ninst = 0, nmod = 0;

	(void)argc;
	(void)argv;
	for (size_t i = 0; i < cfg->nsections; i++)
		ninst += strcmp(cfg->sections[i].type, "institution") == 0;
	for (struct onshi_module *m = core->modules; m; m = m->next)
		nmod++;
	/* config, cert+national per institution (or one "national"), clock,
	 * modules, maintenance, spool. */
	if (st) {
		st->cap = 1 + 2 * ninst + 1 + 1 + nmod + 1 + 1;
		st->results = calloc(st->cap, sizeof(*st->results));
		st->http = onshi_http_new(core);
	}
	if (!st || !st->results || !st->http) {
		if (st) {
			onshi_http_free(st->http);
			free(st->results);
			free(st);
		}
		onshi_strbuf_printf(reply, "-1 out of memory\n");
		return;
	}
	st->core = core;
	check_config(st);
	for (size_t i = 0; i < cfg->nsections; i++)
		if (strcmp(cfg->sections[i].type, "institution") == 0)
			check_cert(st, &cfg->sections[i]);
	national_probes(st);
	for (struct onshi_module *m = core->modules; m; m = m->next)
		if (strcmp(m->section_type, "reader") == 0)
			check_reader(st, m);
	for (struct onshi_module *m = core->modules; m; m = m->next)
		if (strcmp(m->section_type, "rececon") == 0)
			check_rececon(st, m);
	maintenance_probes(st);
	check_spool(st);
	if (st->running == 0) {
		/* Nothing live to wait for: answer at once. */
		st->client = client;
		judge_all(st);
		render(st, reply);
		selftest_free(st);
		return;
	}
	st->client = onshi_control_hold(client);
}

/* Added by core.c to the control socket's commands (control_dispatch.h). */
const struct onshi_control_command onshi_control_selftest_cmds[] = {
	{ "SELFTEST", 0, 0, "SELFTEST", cmd_selftest },
	{ NULL, 0, 0, NULL, NULL },
};
