/* SPDX-License-Identifier: Apache-2.0 */
/*
 * card.c — My Number Card reads: challenges, submission, checks.
 */
#include "config.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <onshi/message.h>

#include "audit.h"
#include "card.h"
#include "cert.h"
#include "core.h"
#include "inquiry.h"
#include "module.h"
#include "national.h"
#include "status.h"
#include "xml_util.h"
#include "xmlmsg_internal.h"

struct challenge {
	struct onshi_core *core;
	struct onshi_instance *inst; /* NULL once the instance is gone */
	onshi_challenge_cb cb;
	void *arg;
	struct challenge *next;
};

struct onshi_cards {
	struct onshi_cert_trust *jpki;    /* [jpki] trust_dir */
	struct onshi_cert_trust *readers; /* [jpki] reader_ca */
	char why[512];                    /* why reads are refused, if so */
	struct challenge *challenges;
};

int onshi_cards_open(struct onshi_core *core, char *msg, size_t msglen)
{
	const struct onshi_conf_section *j =
		onshi_config_section(core->config, "jpki", NULL);
	const char *dir = onshi_conf_section_get(j, "trust_dir");
	const char *rca = onshi_conf_section_get(j, "reader_ca");
	struct onshi_cards *c = calloc(1, sizeof(*c));
	char *path;
	int rc;

	if (!c)
		return ONSHI_ENOMEM;
	core->cards = c;
	msg[0] = '\0';
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
		rc = path ? onshi_cert_trust_load_file(path, &c->readers, msg,
						       msglen)
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

	if (!c)
		return;
	while (c->challenges) {
		struct challenge *ch = c->challenges;

		c->challenges = ch->next;
		free(ch);
	}
	onshi_cert_trust_free(c->jpki);
	onshi_cert_trust_free(c->readers);
	free(c);
	core->cards = NULL;
}

void onshi_cards_forget_instance(struct onshi_core *core,
				 struct onshi_instance *inst)
{
	if (!core->cards)
		return;
	for (struct challenge *ch = core->cards->challenges; ch; ch = ch->next)
		if (ch->inst == inst)
			ch->inst = NULL;
}

static void unlink_challenge(struct onshi_cards *c, struct challenge *ch)
{
	for (struct challenge **pp = &c->challenges; *pp; pp = &(*pp)->next)
		if (*pp == ch) {
			*pp = ch->next;
			return;
		}
}

static void on_challenge(void *arg, enum onshi_national_outcome outcome,
			 long status, const char *body, size_t len,
			 const char *why)
{
	struct challenge *ch = arg;
	struct onshi_cards *c = ch->core->cards;
	char *nonce = NULL, reason[600];

	unlink_challenge(c, ch);
	if (!ch->inst) { /* the reader was disabled meanwhile */
		free(ch);
		return;
	}
	if (outcome == ONSHI_NATIONAL_ANSWER) {
		nonce = onshi_xml_child_text(body, len, "Nonce");
		if (!nonce || !*nonce || strpbrk(nonce, " \r\n<>&")) {
			free(nonce);
			nonce = NULL;
			why = "the national service's ChallengeResponse has no usable Nonce";
		}
	} else if (outcome == ONSHI_NATIONAL_REFUSED) {
		snprintf(reason, sizeof(reason), "%s", why);
		why = reason;
	}
	ch->cb(ch->arg, nonce, nonce ? NULL : why);
	free(nonce);
	free(ch);
}

int onshi_card_challenge(struct onshi_instance *inst, onshi_challenge_cb cb,
			 void *arg)
{
	struct onshi_core *core = inst->module->core;
	struct challenge *ch;

	if (!core->national) {
		onshi_logf(&core->log, ONSHI_LOG_ERR,
			   "%s: no national link configured: no challenge",
			   inst->module->name);
		return ONSHI_EUNAVAIL;
	}
	ch = calloc(1, sizeof(*ch));
	if (!ch)
		return ONSHI_ENOMEM;
	ch->core = core;
	ch->inst = inst;
	ch->cb = cb;
	ch->arg = arg;
	ch->next = core->cards->challenges;
	core->cards->challenges = ch;
	if (!onshi_national_post(core->national, inst->institution_code,
				 "/challenge", "", 0, NULL, on_challenge, ch)) {
		unlink_challenge(core->cards, ch);
		free(ch);
		return ONSHI_ENOMEM;
	}
	return ONSHI_OK;
}

static char *base64(const unsigned char *data, size_t len)
{
	char *out = malloc(4 * ((len + 2) / 3) + 1);

	if (out)
		EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	return out;
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

/* A read id becomes part of a file name in every adapter's face/ folder,
 * so it must pass the same check as a request file's id (no "..", no
 * leading dot), and stay short enough to leave room for the reader name. */
static int read_id_ok(const char *s, char *msg, size_t msglen)
{
	size_t n = s ? strlen(s) : 0;

	if (n > 64) {
		snprintf(msg, msglen, "read_id is %zu bytes, over 64", n);
		return 0;
	}
	if (onshi_file_id_check(s ? s : "", n, msg, msglen) != ONSHI_OK) {
		char why[160];

		snprintf(why, sizeof(why), "%s", msg);
		snprintf(msg, msglen, "read_id refused: %s", why);
		return 0;
	}
	return 1;
}

int onshi_card_submit(struct onshi_instance *inst,
		      const struct onshi_card_read *r, char *msg,
		      size_t msglen)
{
	struct onshi_core *core = inst->module->core;
	struct onshi_msg req;
	struct onshi_inquiry_request *q;
	struct onshi_card_auth *a;
	char date[9], *xml = NULL;
	size_t len;
	time_t now = time(NULL);
	struct tm tm;
	int rc = ONSHI_ENOMEM;

	if (!read_id_ok(r->read_id, msg, msglen))
		return ONSHI_EINVAL;
	if (!r->cert_der || !r->cert_len || !r->nonce ||
	    (r->method != ONSHI_AUTH_FACE && r->method != ONSHI_AUTH_PIN &&
	     r->method != ONSHI_AUTH_VISUAL) ||
	    (r->method != ONSHI_AUTH_VISUAL && (!r->signature || !r->signature_len)) ||
	    (r->method == ONSHI_AUTH_FACE && !r->reader_cert_der) ||
	    (r->method == ONSHI_AUTH_VISUAL && !r->operator_id)) {
		snprintf(msg, msglen,
			 "incomplete card read: certificate, nonce and the method's proof are needed");
		return ONSHI_EINVAL;
	}
	localtime_r(&now, &tm);
	strftime(date, sizeof(date), "%Y%m%d", &tm);
	onshi_msg_init(&req, ONSHI_MSG_INQUIRY_REQUEST);
	q = &req.u.inquiry_request;
	a = &q->card_auth;
	q->hdr.reference_classification = ONSHI_REFCLASS_MYNUMBER;
	q->has_card_auth = true;
	a->token_type = r->token_type == ONSHI_TOKEN_SMARTPHONE
				? ONSHI_TOKEN_SMARTPHONE : ONSHI_TOKEN_CARD;
	a->method = (enum onshi_auth_method)r->method;
	for (int i = 0; i < ONSHI_CONSENT_KINDS; i++)
		a->consent[i] = r->consent[i] >= 0 && r->consent[i] <= 3
					? (enum onshi_consent)r->consent[i]
					: ONSHI_CONSENT_ABSENT;
	if (onshi_msg_set(&q->hdr.qualification_confirmation_date, date) ||
	    onshi_msg_set(&q->hdr.medical_institution_code,
			  inst->institution_code) ||
	    onshi_msg_set(&q->hdr.arbitrary_file_identifier, r->read_id) ||
	    onshi_msg_set(&a->nonce, r->nonce) ||
	    !(a->certificate = base64(r->cert_der, r->cert_len)))
		goto out;
	if (r->method == ONSHI_AUTH_PIN &&
	    !(a->signature = base64(r->signature, r->signature_len)))
		goto out;
	if (r->method == ONSHI_AUTH_FACE &&
	    (!(a->attestation = base64(r->signature, r->signature_len)) ||
	     !(a->reader_certificate = base64(r->reader_cert_der,
					      r->reader_cert_len))))
		goto out;
	if (r->method == ONSHI_AUTH_VISUAL &&
	    onshi_msg_set(&a->operator_id, r->operator_id))
		goto out;
	rc = onshi_msg_write(&req, ONSHI_CHARSET_UTF8, &xml, &len, NULL, msg,
			     msglen);
	if (rc == ONSHI_OK)
		rc = onshi_inquiry_accept(core, inst->module->name, r->read_id,
					  ONSHI_MSG_INQUIRY_REQUEST, xml, len, 0,
					  msg, msglen);
	if (rc == ONSHI_OK)
		onshi_counts_card(core, r->method); /* today's reads by method */
out:
	if (rc == ONSHI_ENOMEM && !msg[0])
		snprintf(msg, msglen, "out of memory");
	free(xml);
	onshi_msg_clear(&req);
	return rc;
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
		snprintf(why, whylen, "%s", c && c->why[0] ? c->why
			 : "no [jpki] trust_dir configured: card reads cannot be checked");
		return ONSHI_ECRYPTO;
	}
	cert = a->certificate ? unbase64(a->certificate, &cert_len) : NULL;
	if (!cert) {
		snprintf(why, whylen, "CardAuthentication Certificate is not base64 DER");
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
			snprintf(why, whylen, "CardAuthentication Signature is not base64");
	} else if (rc == ONSHI_OK && a->method == ONSHI_AUTH_FACE) {
		sig = a->attestation ? unbase64(a->attestation, &sig_len) : NULL;
		rcert = a->reader_certificate
				? unbase64(a->reader_certificate, &rcert_len) : NULL;
		if (!sig || !rcert) {
			snprintf(why, whylen,
				 "CardAuthentication ReaderAttestation/ReaderCertificate is not base64");
			rc = ONSHI_EINVAL;
		} else if (!c->readers) {
			snprintf(why, whylen,
				 "no [jpki] reader_ca configured: face attestations cannot be checked");
			rc = ONSHI_ECRYPTO;
		} else {
			rc = onshi_cert_check_face_attestation(
				c->readers, rcert, rcert_len, cert, cert_len,
				a->nonce, sig, sig_len, time(NULL), why, whylen);
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
	onshi_audit(core, "card", "id", req->u.inquiry_request.hdr.arbitrary_file_identifier,
		    "method", (unsigned)a->method < 4 ? methods[a->method] : "?",
		    "token", a->token_type == ONSHI_TOKEN_SMARTPHONE ? "smartphone" : "card",
		    "outcome", rc == ONSHI_OK ? "ok" : "refused",
		    "reason", rc == ONSHI_OK ? NULL : onshi_strerror(rc),
		    (char *)NULL);
	return rc;
}
