/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fx_cardreader.c — a test reader that "reads" a My Number Card from files:
 * on start (and on each `period_ms`) it asks the daemon for a challenge,
 * signs the nonce with the card's key as the card would in PIN mode (RSA
 * PKCS#1 v1.5, SHA-256) and submits the read. It lets the core's card
 * pipeline (challenge → checks → national → push to face/) be tested
 * without any device; the real readers have their own tests.
 */
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <onshi/host.h>
#include <onshi/message.h>
#include <onshi/plugin.h>

struct fxcr {
	const struct onshi_host *host;
	struct onshi_instance *inst;
	struct onshi_timer *timer;
	unsigned char *cert;
	int cert_len;
	EVP_PKEY *key;
	unsigned long reads;
	int waiting; /* a challenge is outstanding */
};

static const struct onshi_conf_key fxcr_keys[] = {
	{ .name = "card_cert", .type = ONSHI_CONF_PATH, .required = 1 },
	{ .name = "card_key", .type = ONSHI_CONF_PATH, .required = 1 },
	{ .name = "period_ms",
	  .type = ONSHI_CONF_INT,
	  .default_value = "0",
	  .min = 0,
	  .max = 3600000 },
	/* Read ids are PREFIX0001, PREFIX0002...; tests set hostile prefixes. */
	{ .name = "read_id_prefix", .type = ONSHI_CONF_STRING, .default_value = "R" },
	/* Each read the daemon accepted (card_submit said OK) is appended
	 * here: the crash test checks every one got its face/ file. */
	{ .name = "accepted_log", .type = ONSHI_CONF_PATH },
	{ .name = NULL },
};

static void on_nonce(void *arg, const char *nonce, const char *why)
{
	struct fxcr *f = arg;
	struct onshi_card_read r;
	unsigned char sig[1024];
	size_t siglen = sizeof(sig);
	char id[128], msg[512];
	EVP_MD_CTX *ctx;
	int rc;

	f->waiting = 0;
	if (!nonce) {
		f->host->set_event(f->inst, "no challenge: %s", why);
		return;
	}
	ctx = EVP_MD_CTX_new();
	if (!ctx || EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, f->key) != 1 ||
	    EVP_DigestSign(ctx, sig, &siglen, (const unsigned char *)nonce,
			   strlen(nonce)) != 1) {
		EVP_MD_CTX_free(ctx);
		f->host->set_event(f->inst, "signing failed");
		return;
	}
	EVP_MD_CTX_free(ctx);
	f->reads++;
	snprintf(id, sizeof(id), "%s%04lu",
		 f->host->conf_str(f->inst, "read_id_prefix"), f->reads);
	memset(&r, 0, sizeof(r));
	r.read_id = id;
	r.token_type = ONSHI_TOKEN_CARD;
	r.method = ONSHI_AUTH_PIN;
	r.cert_der = f->cert;
	r.cert_len = (size_t)f->cert_len;
	r.nonce = nonce;
	r.signature = sig;
	r.signature_len = siglen;
	r.consent[0] = 1;
	r.consent[1] = 1;
	r.consent[2] = 0;
	r.consent[3] = 0;
	msg[0] = '\0';
	rc = f->host->card_submit(f->inst, &r, msg, sizeof(msg));
	if (rc == ONSHI_OK && f->host->conf_str(f->inst, "accepted_log")) {
		FILE *log = fopen(f->host->conf_str(f->inst, "accepted_log"), "a");

		if (log) {
			fprintf(log, "%s\n", id);
			fclose(log);
		}
	}
	f->host->set_event(f->inst, "read %s submitted: %s %s", id,
			   onshi_strerror(rc), msg);
}

static void read_card(void *arg)
{
	struct fxcr *f = arg;

	if (f->waiting)
		return;
	f->waiting = 1;
	if (f->host->challenge(f->inst, on_nonce, f) != ONSHI_OK) {
		f->waiting = 0;
		f->host->set_event(f->inst, "challenge refused");
	}
}

static int fxcr_create(const struct onshi_host *host,
		       struct onshi_instance *inst, void **state_out)
{
	struct fxcr *f;
	FILE *fp;
	X509 *x = NULL;

	if (!ONSHI_HOST_HAS(host, card_submit) || !host->card_submit) {
		host->log(inst, ONSHI_LOG_ERR, "daemon has no card pipeline");
		return ONSHI_EABI;
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		return ONSHI_ENOMEM;
	f->host = host;
	f->inst = inst;
	fp = fopen(host->conf_str(inst, "card_cert"), "r");
	if (fp) {
		x = PEM_read_X509(fp, NULL, NULL, NULL);
		fclose(fp);
	}
	fp = fopen(host->conf_str(inst, "card_key"), "r");
	if (fp) {
		f->key = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
		fclose(fp);
	}
	if (x)
		f->cert_len = i2d_X509(x, &f->cert);
	X509_free(x);
	if (!f->key || f->cert_len <= 0) {
		host->log(inst, ONSHI_LOG_ERR, "cannot read card_cert/card_key");
		EVP_PKEY_free(f->key);
		OPENSSL_free(f->cert);
		free(f);
		return ONSHI_EINVAL;
	}
	*state_out = f;
	return ONSHI_OK;
}

static int fxcr_start(void *state)
{
	struct fxcr *f = state;
	long period = f->host->conf_int(f->inst, "period_ms");

	f->timer = f->host->timer_start(f->inst, period ? (uint64_t)period : 10,
					period ? 1 : 0, read_card, f);
	return f->timer ? ONSHI_OK : ONSHI_ENOMEM;
}

static void fxcr_stop(void *state)
{
	struct fxcr *f = state;

	if (f->host->conf_int(f->inst, "period_ms"))
		f->host->timer_stop(f->inst, f->timer);
	f->timer = NULL;
}

static void fxcr_destroy(void *state)
{
	struct fxcr *f = state;

	EVP_PKEY_free(f->key);
	OPENSSL_free(f->cert);
	free(f);
}

static const struct onshi_plugin_ops fxcr_ops = {
	.create = fxcr_create,
	.start = fxcr_start,
	.stop = fxcr_stop,
	.destroy = fxcr_destroy,
};

ONSHI_PLUGIN_EXPORT const struct onshi_plugin onshi_plugin_v1 = {
	ONSHI_PLUGIN_HEADER,
	.kind = ONSHI_KIND_READER,
	.name = "fx_cardreader",
	.version = "0.0.1",
	.vendor = "onshi tests",
	.description = "reads a card from files (tests)",
	.config = fxcr_keys,
	.ops_size = sizeof(fxcr_ops),
	.ops = &fxcr_ops,
};
