/* SPDX-License-Identifier: Apache-2.0 */
/*
 * card_read.h — My Number Card reads from reader plugins (plugin ABI 1.2):
 * national challenges (nonces) and turning a read into a spooled My Number
 * inquiry (checked by card_check.c before it is sent).
 *
 * The result of a read is pushed, unasked, to every receipt-computer
 * adapter of the reader's institution (inquiry_deliver.c does the fan-out).
 */
#ifndef ONSHI_CORE_CARD_READ_H
#define ONSHI_CORE_CARD_READ_H

#include <stddef.h>

#include <onshi/host.h>

/* host->challenge and host->card_submit. */
int onshi_card_challenge(struct onshi_instance *inst, onshi_challenge_cb cb,
			 void *arg);
int onshi_card_submit(struct onshi_instance *inst,
		      const struct onshi_card_read *read, char *msg, size_t msglen);

#endif
