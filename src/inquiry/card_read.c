/* SPDX-License-Identifier: Apache-2.0 */
/*
 * card_read.c — My Number Card reads from reader plugins: host->challenge
 * (a national nonce for the read) and host->card_submit (the read becomes
 * a My Number inquiry, accepted like any other; inquiry.c checks it with
 * card_check.c before it is sent).
 */
#include "config.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <onshi/message.h>

#include "card_check.h"
#include "card_read.h"
#include "core.h"
#include "inquiry.h"
#include "module.h"
#include "national.h"
#include "status.h"
#include "xml_util.h"
#include "xmlmsg_internal.h"

static void on_challenge(void *arg, enum onshi_national_outcome outcome,
			 long status, const char *body, size_t len, const char *why)
{
	struct onshi_card_challenge *ch = arg;
	char *nonce = NULL, reason[600];

	onshi_cards_challenge_remove(ch->core, ch);
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

int onshi_card_challenge(struct onshi_instance *inst, onshi_challenge_cb cb, void *arg)
{
	struct onshi_core *core = inst->module->core;
	struct onshi_card_challenge *ch;

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
	onshi_cards_challenge_add(core, ch);
	if (!onshi_national_post(core->national, inst->institution_code,
				 "/challenge", "", 0, NULL, on_challenge, ch)) {
		onshi_cards_challenge_remove(core, ch);
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
		      const struct onshi_card_read *r, char *msg, size_t msglen)
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
				? ONSHI_TOKEN_SMARTPHONE
				: ONSHI_TOKEN_CARD;
	a->method = (enum onshi_auth_method)r->method;
	for (int i = 0; i < ONSHI_CONSENT_KINDS; i++)
		a->consent[i] = r->consent[i] >= 0 && r->consent[i] <= 3
					? (enum onshi_consent)r->consent[i]
					: ONSHI_CONSENT_ABSENT;
	if (onshi_msg_set(&q->hdr.qualification_confirmation_date, date) ||
	    onshi_msg_set(&q->hdr.medical_institution_code, inst->institution_code) ||
	    onshi_msg_set(&q->hdr.arbitrary_file_identifier, r->read_id) ||
	    onshi_msg_set(&a->nonce, r->nonce) ||
	    !(a->certificate = base64(r->cert_der, r->cert_len)))
		goto out;
	if (r->method == ONSHI_AUTH_PIN &&
	    !(a->signature = base64(r->signature, r->signature_len)))
		goto out;
	if (r->method == ONSHI_AUTH_FACE &&
	    (!(a->attestation = base64(r->signature, r->signature_len)) ||
	     !(a->reader_certificate = base64(r->reader_cert_der, r->reader_cert_len))))
		goto out;
	if (r->method == ONSHI_AUTH_VISUAL &&
	    onshi_msg_set(&a->operator_id, r->operator_id))
		goto out;
	rc = onshi_msg_write(&req, ONSHI_CHARSET_UTF8, &xml, &len, NULL, msg, msglen);
	if (rc == ONSHI_OK)
		rc = onshi_inquiry_accept(core, inst->module->name, r->read_id,
					  ONSHI_MSG_INQUIRY_REQUEST, xml, len,
					  0, msg, msglen);
	if (rc == ONSHI_OK)
		onshi_counts_card(core, r->method); /* today's reads by method */
out:
	if (rc == ONSHI_ENOMEM && !msg[0])
		snprintf(msg, msglen, "out of memory");
	free(xml);
	onshi_msg_clear(&req);
	return rc;
}
