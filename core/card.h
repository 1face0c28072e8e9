/* SPDX-License-Identifier: Apache-2.0 */
/*
 * card.h — My Number Card reads from reader plugins (plugin ABI 1.2):
 * national challenges (nonces), turning a read into a spooled My Number
 * inquiry, and checking its JPKI certificate and proof before it is sent.
 *
 * The result of a read is pushed, unasked, to every receipt-computer
 * adapter of the reader's institution (inquiry.c does the fan-out).
 */
#ifndef ONSHI_CORE_CARD_H
#define ONSHI_CORE_CARD_H

#include <stddef.h>

#include <onshi/host.h>

struct onshi_core;
struct onshi_msg;

/* Load [jpki] trust_dir / reader_ca (absent: card reads are refused). */
int onshi_cards_open(struct onshi_core *core, char *msg, size_t msglen);
void onshi_cards_close(struct onshi_core *core);

/* host->challenge and host->card_submit. */
int onshi_card_challenge(struct onshi_instance *inst, onshi_challenge_cb cb,
			 void *arg);
int onshi_card_submit(struct onshi_instance *inst,
		      const struct onshi_card_read *read, char *msg,
		      size_t msglen);

/* An instance is going away: its pending challenges must not call it. */
void onshi_cards_forget_instance(struct onshi_core *core,
				 struct onshi_instance *inst);

/*
 * Check a parsed My Number inquiry's CardAuthentication: the certificate
 * chains to [jpki] trust_dir and is not revoked or expired, and the PIN
 * signature or reader attestation verifies. ONSHI_OK or an error with why.
 */
int onshi_card_check(struct onshi_core *core, const struct onshi_msg *req,
		     char *why, size_t whylen);

#endif
