/* SPDX-License-Identifier: Apache-2.0 */
/*
 * card_check.c — checking My Number Card reads before they are sent: the
 * JPKI trust ([jpki] trust_dir, reader_ca), the checks of a parsed
 * inquiry's CardAuthentication, and the national challenges still pending
 * for reader instances (card_read.c asks them).
 */
#include "config.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <onshi/message.h>

#include "audit.h"
#include "card_check.h"
#include "cert.h"
#include "core.h"
#include "module.h"

struct onshi_cards {
	struct onshi_cert_trust *jpki;    /* [jpki] trust_dir */
	struct onshi_cert_trust *readers; /* [jpki] reader_ca */
	char why[512];                    /* why reads are refused, if so */
	struct onshi_card_challenge *challenges;
};

/* An instance is going away: its pending challenges must not call it. */
static void forget_instance(void *ctx, struct onshi_instance *inst)
{
	struct onshi_core *core = ctx;

	if (!core->cards)
		return;
	for (struct onshi_card_challenge *ch = core->cards->challenges; ch;
	     ch = ch->next)
		if (ch->inst == inst)
			ch->inst = NULL;
}

void onshi_cards_challenge_add(struct onshi_core *core,
			       struct onshi_card_challenge *ch)
{
	ch->next = core->cards->challenges;
	core->cards->challenges = ch;
}

void onshi_cards_challenge_remove(struct onshi_core *core,
				  struct onshi_card_challenge *ch)
{
	for (struct onshi_card_challenge **pp = &core->cards->challenges; *pp;
	     pp = &(*pp)->next)
		if (*pp == ch) {
			*pp = ch->next;
			return;
		}
}

static const struct onshi_module_listener module_listener = {
	.stopping = forget_instance,
};

int onshi_cards_open(struct onshi_core *core, char *msg, size_t msglen)
{
	const struct onshi_conf_section *j = onshi_config_section(core->config,
								  "jpki", NULL);
	const char *dir = onshi_conf_section_get(j, "trust_dir");
	const char *rca = onshi_conf_section_get(j, "reader_ca");
	struct onshi_cards *c = calloc(1, sizeof(*c));
	char *path;
	int rc;

	if (!c)
		return ONSHI_ENOMEM;
	core->cards = c;
	msg[0] = '\0';
	if (onshi_module_listen(core, &module_listener, core) != ONSHI_OK)
		return ONSHI_ENOMEM;
	if (!dir) {
		snprintf(c->why, sizeof(c->why),
			 "no [jpki] trust_dir configured: card reads cannot be checked");
		return ONSHI_OK;
	}
	path = onshi_config_resolve_path(core->config, dir);
	rc = path ? onshi_cert_trust_load_dir(path, &c->jpki, msg, msglen)
		  : ONSHI_ENOMEM;
	free(path);
	if (rc == ONSHI_OK && rca) {
		path = onshi_config_resolve_path(core->config, rca);
		rc = path ? onshi_cert_trust_load_file(path, &c->readers, msg, msglen)
			  : ONSHI_ENOMEM;
		free(path);
	}
	if (rc != ONSHI_OK) {
		/* The daemon serves insurance-card inquiries regardless. */
		snprintf(c->why, sizeof(c->why), "[jpki]: %s", msg);
		onshi_logf(&core->log, ONSHI_LOG_ERR, "%s", c->why);
	}
	return ONSHI_OK;
}

void onshi_cards_close(struct onshi_core *core)
{
	struct onshi_cards *c = core->cards;

	onshi_module_unlisten(core, &module_listener, core);
	if (!c)
		return;
	while (c->challenges) {
		struct onshi_card_challenge *ch = c->challenges;

		c->challenges = ch->next;
		free(ch);
	}
	onshi_cert_trust_free(c->jpki);
	onshi_cert_trust_free(c->readers);
	free(c);
	core->cards = NULL;
}

/* Decode base64 into a malloc'd buffer; NULL if not valid. */
static unsigned char *unbase64(const char *text, size_t *len)
{
	size_t n = strlen(text);
	unsigned char *out;
	int got;

	if (n == 0 || n % 4)
		return NULL;
	out = malloc(n / 4 * 3 + 1);
	if (!out)
		return NULL;
	got = EVP_DecodeBlock(out, (const unsigned char *)text, (int)n);
	if (got < 0) {
		free(out);
		return NULL;
	}
	/* EVP_DecodeBlock counts the padding as data. */
	if (n >= 1 && text[n - 1] == '=')
		got--;
	if (n >= 2 && text[n - 2] == '=')
		got--;
	*len = (size_t)got;
	return out;
}

static int check(struct onshi_core *core, const struct onshi_msg *req,
		 char *why, size_t whylen)
{
	const struct onshi_card_auth *a = &req->u.inquiry_request.card_auth;
	struct onshi_cards *c = core->cards;
	unsigned char *cert = NULL, *sig = NULL, *rcert = NULL;
	size_t cert_len = 0, sig_len = 0, rcert_len = 0;
	char serial[80];
	int rc;

	if (!c || !c->jpki) {
		snprintf(why, whylen, "%s",
			 c && c->why[0]
				 ? c->why
				 : "no [jpki] trust_dir configured: card reads cannot be checked");
		return ONSHI_ECRYPTO;
	}
	cert = a->certificate ? unbase64(a->certificate, &cert_len) : NULL;
	if (!cert) {
		snprintf(why, whylen,
			 "CardAuthentication Certificate is not base64 DER");
		return ONSHI_EINVAL;
	}
	rc = onshi_cert_jpki_check(c->jpki, cert, cert_len, time(NULL), serial,
				   sizeof(serial), why, whylen);
	if (rc == ONSHI_OK && a->method == ONSHI_AUTH_PIN) {
		sig = a->signature ? unbase64(a->signature, &sig_len) : NULL;
		rc = sig ? onshi_cert_verify_pin_signature(cert, cert_len,
							   a->nonce, sig,
							   sig_len, why, whylen)
			 : ONSHI_EINVAL;
		if (!sig)
			snprintf(why, whylen,
				 "CardAuthentication Signature is not base64");
	} else if (rc == ONSHI_OK && a->method == ONSHI_AUTH_FACE) {
		sig = a->attestation ? unbase64(a->attestation, &sig_len) : NULL;
		rcert = a->reader_certificate
				? unbase64(a->reader_certificate, &rcert_len)
				: NULL;
		if (!sig || !rcert) {
			snprintf(why, whylen,
				 "CardAuthentication ReaderAttestation/ReaderCertificate is not base64");
			rc = ONSHI_EINVAL;
		} else if (!c->readers) {
			snprintf(why, whylen,
				 "no [jpki] reader_ca configured: face attestations cannot be checked");
			rc = ONSHI_ECRYPTO;
		} else {
			rc = onshi_cert_check_face_attestation(c->readers, rcert,
							       rcert_len, cert,
							       cert_len, a->nonce,
							       sig, sig_len,
							       time(NULL), why,
							       whylen);
		}
	}
	free(cert);
	free(sig);
	free(rcert);
	return rc;
}

/* Every card read's check, with its method and outcome, is audited. */
int onshi_card_check(struct onshi_core *core, const struct onshi_msg *req,
		     char *why, size_t whylen)
{
	static const char *const methods[] = { "none", "face", "pin", "visual" };
	const struct onshi_card_auth *a = &req->u.inquiry_request.card_auth;
	int rc = check(core, req, why, whylen);

	/* The reason is the error class: why may name the card's holder. */
	onshi_audit(core, "card", "id",
		    req->u.inquiry_request.hdr.arbitrary_file_identifier, "method",
		    (unsigned)a->method < 4 ? methods[a->method] : "?", "token",
		    a->token_type == ONSHI_TOKEN_SMARTPHONE ? "smartphone" : "card",
		    "outcome", rc == ONSHI_OK ? "ok" : "refused", "reason",
		    rc == ONSHI_OK ? NULL : onshi_strerror(rc), (char *)NULL);
	return rc;
}
