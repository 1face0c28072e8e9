/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http_tls.h — the TLS settings every onshi HTTPS client uses.
 *
 * The national link, the maintenance poller and the selftest probes all
 * speak mutual TLS 1.2 or newer, check the server against a CA bundle and
 * its host name, and present the clinic's certificate as a PKCS#12 bundle
 * or a PEM certificate with its key (the TLS identity keys of a config
 * section, conf_schema.c). This is the one place that turns those settings
 * into libcurl options.
 */
#ifndef ONSHI_CORE_HTTP_TLS_H
#define ONSHI_CORE_HTTP_TLS_H

#include <curl/curl.h>

/* A section's resolved TLS settings; NULL: not set. */
struct onshi_http_tls {
	const char *ca_bundle;    /* NULL: the system's CAs */
	const char *client_p12;   /* wins over client_cert + client_key */
	const char *p12_password; /* NULL: empty */
	const char *client_cert;
	const char *client_key;
};

/* Set easy's TLS options from tls. curl copies the strings. */
void onshi_http_set_tls(CURL *easy, const struct onshi_http_tls *tls);

#endif
