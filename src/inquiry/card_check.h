/* SPDX-License-Identifier: Apache-2.0 */
/*
 * card_check.h — checking My Number Card reads (plugin ABI 1.2) before they
 * are sent: the [jpki] trust, the CardAuthentication checks of a parsed
 * inquiry (inquiry.c calls them), and the national challenges pending for
 * reader instances (asked by card_read.c; forgotten when an instance stops,
 * through a module listener).
 */
#ifndef ONSHI_CORE_CARD_CHECK_H
#define ONSHI_CORE_CARD_CHECK_H

#include <stddef.h>

#include <onshi/host.h>

struct onshi_core;
struct onshi_msg;

/* Load [jpki] trust_dir / reader_ca (absent: card reads are refused). */
int onshi_cards_open(struct onshi_core *core, char *msg, size_t msglen);
void onshi_cards_close(struct onshi_core *core);

/* A national challenge in flight for a reader instance. */
struct onshi_card_challenge {
	struct onshi_core *core;
	struct onshi_instance *inst; /* NULL once the instance is gone */
	onshi_challenge_cb cb;
	void *arg;
	struct onshi_card_challenge *next;
};

/* Keep ch pending: from now the list owns it (onshi_cards_close frees
 * what is still pending); its inst is cleared when the instance stops. */
void onshi_cards_challenge_add(struct onshi_core *core,
			       struct onshi_card_challenge *ch);
/* Take ch off the list (answered, or never sent); the caller frees it. */
void onshi_cards_challenge_remove(struct onshi_core *core,
				  struct onshi_card_challenge *ch);

/*
 * Check a parsed My Number inquiry's CardAuthentication: the certificate
 * chains to [jpki] trust_dir and is not revoked or expired, and the PIN
 * signature or reader attestation verifies. ONSHI_OK or an error with why.
 */
int onshi_card_check(struct onshi_core *core, const struct onshi_msg *req,
		     char *why, size_t whylen);

#endif
