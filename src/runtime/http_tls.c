/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http_tls.c — the TLS settings every onshi HTTPS client uses (http_tls.h).
 */
#include "config.h"

#include "http_tls.h"

void onshi_http_set_tls(CURL *easy, const struct onshi_http_tls *tls)
{
	/* Mutual TLS, 1.2 or newer, server checked against our CA and name. */
	curl_easy_setopt(easy, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
	if (tls->ca_bundle)
		curl_easy_setopt(easy, CURLOPT_CAINFO, tls->ca_bundle);
	if (tls->client_p12) {
		curl_easy_setopt(easy, CURLOPT_SSLCERTTYPE, "P12");
		curl_easy_setopt(easy, CURLOPT_SSLCERT, tls->client_p12);
		curl_easy_setopt(easy, CURLOPT_KEYPASSWD,
				 tls->p12_password ? tls->p12_password : "");
	} else if (tls->client_cert) {
		curl_easy_setopt(easy, CURLOPT_SSLCERT, tls->client_cert);
		curl_easy_setopt(easy, CURLOPT_SSLKEY, tls->client_key);
	}
}
