/*
 * raw-client.c — the physical floor: the same individual inquiries that
 * oqs-load drops into req/, sent straight to the national service
 * (onshi-qsd) by a plain libcurl client, without onshi.
 *
 * Mutual TLS with the clinic certificate, TLS 1.2+, server checked against
 * the national CA and its name (what onshid does), one POST /auth for the
 * bearer token, then POST /qualification per request. With --connections 1
 * it is one easy handle reused request after request, so one kept-alive
 * connection: the round trip floor. With --connections K > 1 it keeps K
 * transfers in flight on a multi handle (K connections, each reused): the
 * raw throughput ceiling. Every answer must be 200 and echo the request's
 * ArbitraryFileIdentifier.
 *
 * Output: one line "RESULT key=value ..." on stdout (times in ms).
 */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

struct buf {
	char *data;
	size_t len;
};

struct slot {
	CURL *e;
	struct buf answer;
	char *body;
	size_t index;
	uint64_t t0;
};

static const char *pki;
static char cert[4096], key[4096], ca[4096];

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
	struct buf *b = userp;
	size_t n = size * nmemb;
	char *nd = realloc(b->data, b->len + n + 1);

	if (!nd)
		return 0;
	b->data = nd;
	memcpy(b->data + b->len, data, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

static CURL *easy(struct buf *answer, struct curl_slist *headers)
{
	CURL *e = curl_easy_init();

	if (!e)
		bench_die("curl_easy_init failed");
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_POST, 1L);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, answer);
	curl_easy_setopt(e, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(e, CURLOPT_CAINFO, ca);
	curl_easy_setopt(e, CURLOPT_SSLCERT, cert);
	curl_easy_setopt(e, CURLOPT_SSLKEY, key);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 10000L);
	return e;
}

static char *get_token(const char *url, const char *code)
{
	struct buf answer = { 0 };
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/xml");
	char u[2048], body[256], *tok, *end;
	CURL *e = easy(&answer, h);
	CURLcode rc;

	snprintf(u, sizeof(u), "%s/auth", url);
	snprintf(body, sizeof(body),
		 "<AuthRequest><MedicalInstitutionCode>%s</MedicalInstitutionCode></AuthRequest>",
		 code);
	curl_easy_setopt(e, CURLOPT_URL, u);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
	rc = curl_easy_perform(e);
	if (rc != CURLE_OK || !answer.data ||
	    !(tok = strstr(answer.data, "<AccessToken>")) ||
	    !(end = strstr(tok, "</AccessToken>")))
		bench_die("POST /auth failed: %s", rc != CURLE_OK
			  ? curl_easy_strerror(rc) : "no AccessToken");
	tok += strlen("<AccessToken>");
	*end = '\0';
	tok = strdup(tok);
	curl_easy_cleanup(e);
	curl_slist_free_all(h);
	free(answer.data);
	return tok;
}

static int answer_ok(CURL *e, const struct buf *a, const char *tag, size_t i)
{
	long status = 0;
	char want[160];

	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	snprintf(want, sizeof(want), "AFI-%s-%zu<", tag, i);
	return status == 200 && a->data && strstr(a->data, want);
}

static void usage(void)
{
	fprintf(stderr, "usage: raw-client --url URL --pki DIR --persons TSV "
		"--count N [--connections K] [--tag T] [--code CODE]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "url", 1, NULL, 'u' },	 { "pki", 1, NULL, 'k' },
		{ "persons", 1, NULL, 'p' },	 { "count", 1, NULL, 'n' },
		{ "connections", 1, NULL, 'c' }, { "tag", 1, NULL, 't' },
		{ "code", 1, NULL, 'C' },	 { NULL, 0, NULL, 0 },
	};
	const char *url = NULL, *persons = NULL, *tag = "raw",
		   *code = "1312345678";
	size_t count = 0, conns = 1, np, sent = 0, done = 0, bad = 0;
	struct bench_person *pv;
	struct curl_slist *headers;
	char *token, auth[256], qurl[2048];
	uint64_t *lat, start, end;
	struct bench_stats st;
	struct slot *slots;
	CURLM *multi = NULL;
	int o;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'u': url = optarg; break;
		case 'k': pki = optarg; break;
		case 'p': persons = optarg; break;
		case 'n': count = strtoul(optarg, NULL, 10); break;
		case 'c': conns = strtoul(optarg, NULL, 10); break;
		case 't': tag = optarg; break;
		case 'C': code = optarg; break;
		default: usage();
		}
	}
	if (!url || !pki || !persons || !count || !conns)
		usage();
	snprintf(cert, sizeof(cert), "%s/clinic.crt", pki);
	snprintf(key, sizeof(key), "%s/clinic.key", pki);
	snprintf(ca, sizeof(ca), "%s/national-ca.crt", pki);
	snprintf(qurl, sizeof(qurl), "%s/qualification", url);
	np = bench_load_persons(persons, &pv);
	if (!np)
		bench_die("no persons in %s", persons);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	token = get_token(url, code);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
	headers = curl_slist_append(NULL, "Content-Type: application/xml; charset=utf-8");
	headers = curl_slist_append(headers, "Expect:");
	headers = curl_slist_append(headers, auth);
	lat = calloc(count, sizeof(*lat));
	slots = calloc(conns, sizeof(*slots));
	if (!lat || !slots)
		bench_die("out of memory");
	for (size_t k = 0; k < conns; k++) {
		slots[k].e = easy(&slots[k].answer, headers);
		curl_easy_setopt(slots[k].e, CURLOPT_URL, qurl);
		curl_easy_setopt(slots[k].e, CURLOPT_PRIVATE, &slots[k]);
	}

	start = bench_now_ns();
	if (conns == 1) {
		struct slot *s = &slots[0];

		for (size_t i = 0; i < count; i++) {
			size_t len;
			CURLcode rc;

			s->body = bench_request_xml(pv, np, i, tag, code, &len);
			s->answer.len = 0;
			curl_easy_setopt(s->e, CURLOPT_POSTFIELDSIZE, (long)len);
			curl_easy_setopt(s->e, CURLOPT_POSTFIELDS, s->body);
			s->t0 = bench_now_ns();
			rc = curl_easy_perform(s->e);
			lat[i] = bench_now_ns() - s->t0;
			if (rc != CURLE_OK || !answer_ok(s->e, &s->answer, tag, i))
				bad++;
			free(s->body);
		}
		done = count;
	} else {
		multi = curl_multi_init();
		curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)conns);
		while (done < count) {
			CURLMsg *m;
			size_t before;
			int running, left;

			for (size_t k = 0; k < conns && sent < count; k++) {
				struct slot *s = &slots[k];
				size_t len;

				if (s->body)
					continue;
				s->index = sent++;
				s->body = bench_request_xml(pv, np, s->index,
							    tag, code, &len);
				s->answer.len = 0;
				curl_easy_setopt(s->e, CURLOPT_POSTFIELDSIZE, (long)len);
				curl_easy_setopt(s->e, CURLOPT_POSTFIELDS, s->body);
				s->t0 = bench_now_ns();
				curl_multi_add_handle(multi, s->e);
			}
			curl_multi_perform(multi, &running);
			before = done;
			while ((m = curl_multi_info_read(multi, &left))) {
				struct slot *s = NULL;

				if (m->msg != CURLMSG_DONE)
					continue;
				curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE,
						  (char **)&s);
				lat[s->index] = bench_now_ns() - s->t0;
				if (m->data.result != CURLE_OK ||
				    !answer_ok(s->e, &s->answer, tag, s->index))
					bad++;
				curl_multi_remove_handle(multi, s->e);
				free(s->body);
				s->body = NULL;
				done++;
			}
			/* Refill at once: polling with nothing running would
			 * just sleep out the timeout. */
			if (done < count && done == before)
				curl_multi_poll(multi, NULL, 0, 100, NULL);
		}
	}
	end = bench_now_ns();

	bench_stats(lat, count, &st);
	printf("RESULT tool=raw-client count=%zu connections=%zu bad=%zu elapsed_s=%.3f rate=%.1f",
	       count, conns, bad, (double)(end - start) / 1e9,
	       (double)count / ((double)(end - start) / 1e9));
	bench_print_stats("", &st);
	printf("\n");
	for (size_t k = 0; k < conns; k++) {
		curl_easy_cleanup(slots[k].e);
		free(slots[k].answer.data);
	}
	if (multi)
		curl_multi_cleanup(multi);
	curl_slist_free_all(headers);
	curl_global_cleanup();
	free(slots);
	free(lat);
	free(token);
	free(pv);
	return bad ? 1 : 0;
}
