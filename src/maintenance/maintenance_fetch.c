/* SPDX-License-Identifier: Apache-2.0 */
/*
 * maintenance_fetch.c — one HTTPS transfer of remote maintenance (the
 * manifest GET, the .sig GET or the report POST) on the shared libcurl
 * multi (http.h): the easy handle set up, the maintenance server checked
 * like the national service (http_tls.h: TLS 1.2 or newer, ca_bundle,
 * the client certificate), the body bounded, and a failed transfer put in
 * words.
 *
 * Apart so that the poll and the report set up their transfers one way.
 */
#include "config.h"

#include <curl/curl.h>
#include <stdio.h>

#include "http.h"
#include "http_tls.h"
#include "maintenance_internal.h"

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
	struct fetch *f = userp;
	size_t len = size * nmemb;

	if (f->body.len + len > f->limit) {
		f->too_big = 1;
		return 0; /* makes curl fail the transfer */
	}
	onshi_strbuf_append(&f->body, data, len);
	return f->body.failed ? 0 : len;
}

CURL *maint_new_easy(struct onshi_maintenance *m, struct fetch *f, const char *url)
{
	CURL *e = curl_easy_init();

	if (!e)
		return NULL;
	onshi_strbuf_free(&f->body);
	f->too_big = 0;
	f->done = 0;
	f->res = CURLE_OK;
	f->status = 0;
	f->errbuf[0] = '\0';
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, f);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, f->errbuf);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, m->timeout_ms);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, m->connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)f->limit);
	/* The maintenance server is checked like the national service. */
	onshi_http_set_tls(e, &(const struct onshi_http_tls){
				      .ca_bundle = m->ca_bundle,
				      .client_cert = m->client_cert,
				      .client_key = m->client_key,
				      .client_p12 = m->client_p12,
				      .p12_password = m->p12_password,
			      });
	f->easy = e;
	return e;
}

void maint_fetch_cancel(struct onshi_maintenance *m, struct fetch *f)
{
	if (f->easy) {
		onshi_http_cancel(m->http, f->easy);
		curl_easy_cleanup(f->easy);
		f->easy = NULL;
	}
	onshi_strbuf_free(&f->body);
}

/* Why a finished transfer did not give a usable answer; NULL if it did. */
const char *maint_fetch_problem(const struct fetch *f, const char *url,
				char *why, size_t whylen)
{
	if (f->res != CURLE_OK) {
		if (f->too_big || f->res == CURLE_FILESIZE_EXCEEDED)
			snprintf(why, whylen, "%s: the %s is larger than %zu bytes",
				 url, f->what, f->limit);
		else
			snprintf(why, whylen, "%s: %s%s%s", url,
				 curl_easy_strerror(f->res),
				 f->errbuf[0] ? ": " : "", f->errbuf);
		return why;
	}
	if (f->status != 200) {
		snprintf(why, whylen, "%s: the server answered HTTP %ld", url,
			 f->status);
		return why;
	}
	return NULL;
}
