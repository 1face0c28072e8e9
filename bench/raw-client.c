/* SPDX-License-Identifier: Apache-2.0 */
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
 * With --card METHOD (face or pin) it is the floor of a My Number Card
 * inquiry instead: per request POST /challenge for a nonce, the proof made
 * here (face: the reader's ECDSA attestation over the nonce and the card
 * certificate's hash, with --reader-cert/--reader-key; pin: the card's RSA
 * PKCS#1 v1.5 signature over the nonce, with --card-key), then POST
 * /qualification with the CardAuthentication block (docs/national-api.md).
 * The latency is the two round trips; making the proof is device work (the
 * reader's or the card's), timed apart as sign_*, not in the latency.
 * Always over one reused connection.
 *
 * Output: one line "RESULT key=value ..." on stdout (times in ms).
 */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <getopt.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
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
		bench_die("POST /auth failed: %s",
			  rc != CURLE_OK ? curl_easy_strerror(rc) : "no AccessToken");
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

/* ---- My Number Card floor (--card) ---- */

struct cardrun {
	const char *method; /* "face" or "pin" */
	EVP_PKEY *key;      /* reader key (face) or card key (pin) */
	char *cert_b64;     /* card certificate, DER base64 */
	char *reader_b64;   /* reader certificate, DER base64 (face) */
	char hash_hex[65];  /* sha256 of the card certificate DER */
};

static char *b64(const unsigned char *p, size_t n)
{
	char *out = malloc(4 * ((n + 2) / 3) + 1);

	if (!out)
		bench_die("out of memory");
	EVP_EncodeBlock((unsigned char *)out, p, (int)n);
	return out;
}

/* A certificate file (PEM) as base64 DER; its sha256 in hex if asked. */
static char *cert_b64(const char *path, char *hash_hex)
{
	FILE *f = fopen(path, "r");
	X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
	unsigned char *der = NULL, md[32];
	unsigned int mdlen = 0;
	char *out;
	int n;

	if (f)
		fclose(f);
	if (!x || (n = i2d_X509(x, &der)) <= 0)
		bench_die("cannot read the certificate %s", path);
	if (hash_hex) {
		EVP_Digest(der, (size_t)n, md, &mdlen, EVP_sha256(), NULL);
		for (int i = 0; i < 32; i++)
			snprintf(hash_hex + 2 * i, 3, "%02x", md[i]);
	}
	out = b64(der, (size_t)n);
	OPENSSL_free(der);
	X509_free(x);
	return out;
}

static EVP_PKEY *load_key(const char *path)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *k = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;

	if (f)
		fclose(f);
	if (!k)
		bench_die("cannot read the private key %s", path);
	return k;
}

/* The proof for this nonce, base64 (what the reader or the card makes). */
static char *card_proof(const struct cardrun *c, const char *nonce)
{
	unsigned char *sig = NULL;
	size_t siglen = 0;
	char *text = NULL, *out;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int n;

	if (strcmp(c->method, "face") == 0)
		n = asprintf(&text, "onshi-face-v1\n%s\n%s\n", nonce, c->hash_hex);
	else
		n = asprintf(&text, "%s", nonce);
	if (n < 0 || !ctx ||
	    EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, c->key) != 1 ||
	    EVP_DigestSign(ctx, NULL, &siglen, (unsigned char *)text, (size_t)n) != 1 ||
	    !(sig = malloc(siglen)) ||
	    EVP_DigestSign(ctx, sig, &siglen, (unsigned char *)text, (size_t)n) != 1)
		bench_die("signing the nonce failed");
	out = b64(sig, siglen);
	free(sig);
	free(text);
	EVP_MD_CTX_free(ctx);
	return out;
}

static char *card_request_xml(const struct cardrun *c, const char *nonce,
			      const char *proof, const char *tag, size_t i,
			      const char *code, size_t *len)
{
	char *xml = NULL, *extra = NULL;
	int n;

	if (strcmp(c->method, "face") == 0)
		n = asprintf(&extra,
			     "<ReaderAttestation>%s</ReaderAttestation>"
			     "<ReaderCertificate>%s</ReaderCertificate>",
			     proof, c->reader_b64);
	else
		n = asprintf(&extra, "<Signature>%s</Signature>", proof);
	if (n < 0)
		bench_die("out of memory");
	n = asprintf(&xml,
		     "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		     "<XmlMsg><MessageHeader>"
		     "<QualificationConfirmationDate>20261125</QualificationConfirmationDate>"
		     "<MedicalInstitutionCode>%s</MedicalInstitutionCode>"
		     "<ArbitraryFileIdentifier>AFI-%s-%zu</ArbitraryFileIdentifier>"
		     "<ReferenceClassification>1</ReferenceClassification>"
		     "</MessageHeader><MessageBody><CardAuthentication>"
		     "<TokenType>card</TokenType><AuthMethod>%s</AuthMethod>"
		     "<Certificate>%s</Certificate><Nonce>%s</Nonce>%s"
		     "<PharmacistsInfoConsFlg>1</PharmacistsInfoConsFlg>"
		     "<SpecificHealthCheckupsInfoConsFlg>1</SpecificHealthCheckupsInfoConsFlg>"
		     "</CardAuthentication></MessageBody></XmlMsg>\n",
		     code, tag, i, c->method, c->cert_b64, nonce, extra);
	free(extra);
	if (n < 0)
		bench_die("out of memory");
	*len = (size_t)n;
	return xml;
}

/*
 * count card inquiries over one connection: challenge + qualification timed
 * together (lat), the proof timed apart (sig). Returns the bad count.
 */
static size_t card_run(const struct cardrun *c, const char *url,
		       struct curl_slist *headers, size_t count, const char *tag,
		       const char *code, uint64_t *lat, uint64_t *sig)
{
	struct buf answer = { 0 };
	CURL *e = easy(&answer, headers);
	char curl_c[2048], curl_q[2048], nonce[64];
	size_t bad = 0;

	snprintf(curl_c, sizeof(curl_c), "%s/challenge", url);
	snprintf(curl_q, sizeof(curl_q), "%s/qualification", url);
	for (size_t i = 0; i < count; i++) {
		uint64_t t0, t1, t2;
		char *proof, *body, *p, *q, want[160];
		size_t len;
		long status = 0;
		int ok;

		answer.len = 0;
		curl_easy_setopt(e, CURLOPT_URL, curl_c);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, 0L);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, "");
		t0 = bench_now_ns();
		if (curl_easy_perform(e) != CURLE_OK || !answer.data ||
		    !(p = strstr(answer.data, "<Nonce>")) ||
		    !(q = strstr(p, "</Nonce>")) ||
		    (size_t)(q - p - 7) >= sizeof(nonce))
			bench_die("POST /challenge failed: %.300s",
				  answer.data ? answer.data : "(no answer)");
		t1 = bench_now_ns();
		memcpy(nonce, p + 7, (size_t)(q - p - 7));
		nonce[q - p - 7] = '\0';
		proof = card_proof(c, nonce);
		sig[i] = bench_now_ns() - t1;
		body = card_request_xml(c, nonce, proof, tag, i, code, &len);
		answer.len = 0;
		curl_easy_setopt(e, CURLOPT_URL, curl_q);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)len);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
		t2 = bench_now_ns();
		ok = curl_easy_perform(e) == CURLE_OK;
		lat[i] = (t1 - t0) + (bench_now_ns() - t2);
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
		snprintf(want, sizeof(want), "AFI-%s-%zu<", tag, i);
		if (!ok || status != 200 || !answer.data ||
		    !strstr(answer.data, want) ||
		    !strstr(answer.data, "<QualificationValidity>1<")) {
			if (bad < 3)
				fprintf(stderr,
					"raw-client: card inquiry %zu: HTTP %ld %.400s\n",
					i, status, answer.data ? answer.data : "");
			bad++;
		}
		free(body);
		free(proof);
	}
	curl_easy_cleanup(e);
	free(answer.data);
	return bad;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: raw-client --url URL --pki DIR --persons TSV "
		"--count N [--connections K] [--tag T] [--code CODE]\n"
		"       raw-client --card face|pin --card-cert CRT [--card-key KEY]\n"
		"         [--reader-cert CRT --reader-key KEY] --url URL --pki DIR --count N\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "url", 1, NULL, 'u' },
		{ "pki", 1, NULL, 'k' },
		{ "persons", 1, NULL, 'p' },
		{ "count", 1, NULL, 'n' },
		{ "connections", 1, NULL, 'c' },
		{ "tag", 1, NULL, 't' },
		{ "code", 1, NULL, 'C' },
		{ "card", 1, NULL, 'm' },
		{ "card-cert", 1, NULL, 'a' },
		{ "card-key", 1, NULL, 'K' },
		{ "reader-cert", 1, NULL, 'r' },
		{ "reader-key", 1, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	const char *url = NULL, *persons = NULL, *tag = "raw",
		   *code = "1312345678", *card_cert = NULL, *card_key = NULL,
		   *reader_cert = NULL, *reader_key = NULL;
	struct cardrun card = { 0 };
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
		case 'm': card.method = optarg; break;
		case 'a': card_cert = optarg; break;
		case 'K': card_key = optarg; break;
		case 'r': reader_cert = optarg; break;
		case 'R': reader_key = optarg; break;
		default: usage();
		}
	}
	if (card.method) {
		int face = strcmp(card.method, "face") == 0;

		if ((!face && strcmp(card.method, "pin") != 0) || !card_cert ||
		    (face && (!reader_cert || !reader_key)) ||
		    (!face && !card_key) || !url || !pki || !count)
			usage();
		card.cert_b64 = cert_b64(card_cert, card.hash_hex);
		card.key = load_key(face ? reader_key : card_key);
		if (face)
			card.reader_b64 = cert_b64(reader_cert, NULL);
		persons = NULL;
	} else if (!url || !pki || !persons || !count || !conns) {
		usage();
	}
	snprintf(cert, sizeof(cert), "%s/clinic.crt", pki);
	snprintf(key, sizeof(key), "%s/clinic.key", pki);
	snprintf(ca, sizeof(ca), "%s/national-ca.crt", pki);
	snprintf(qurl, sizeof(qurl), "%s/qualification", url);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	token = get_token(url, code);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
	headers = curl_slist_append(NULL, "Content-Type: application/xml; charset=utf-8");
	headers = curl_slist_append(headers, "Expect:");
	headers = curl_slist_append(headers, auth);
	if (card.method) {
		uint64_t *sig = calloc(count, sizeof(*sig));
		struct bench_stats ss;

		lat = calloc(count, sizeof(*lat));
		if (!lat || !sig)
			bench_die("out of memory");
		start = bench_now_ns();
		bad = card_run(&card, url, headers, count, tag, code, lat, sig);
		end = bench_now_ns();
		bench_stats(lat, count, &st);
		bench_stats(sig, count, &ss);
		printf("RESULT tool=raw-client card=%s count=%zu connections=1 bad=%zu elapsed_s=%.3f rate=%.1f",
		       card.method, count, bad, (double)(end - start) / 1e9,
		       (double)count / ((double)(end - start) / 1e9));
		bench_print_stats("", &st);
		bench_print_stats("sign_", &ss);
		printf("\n");
		free(sig);
		free(lat);
		free(token);
		free(card.cert_b64);
		free(card.reader_b64);
		EVP_PKEY_free(card.key);
		curl_slist_free_all(headers);
		curl_global_cleanup();
		return bad ? 1 : 0;
	}
	np = bench_load_persons(persons, &pv);
	if (!np)
		bench_die("no persons in %s", persons);
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
				curl_easy_setopt(s->e, CURLOPT_POSTFIELDSIZE,
						 (long)len);
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
				curl_easy_getinfo(m->easy_handle,
						  CURLINFO_PRIVATE, (char **)&s);
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
