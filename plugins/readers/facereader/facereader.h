/* SPDX-License-Identifier: Apache-2.0 */
/*
 * facereader.h — the skeleton shared by the face-authentication reader
 * plugins (panasonic, fujitsu, almex, canon).
 *
 * It owns the device link (tcp:HOST:PORT or serial:/dev/PATH, non-blocking
 * on the daemon's loop, reconnect with exponential backoff), rate-limited
 * reporting of bad frames, and the read flow: CARD_PLACED → host->challenge
 * → ATTEST_REQUEST → ATTEST → host->card_submit, with a deadline per step.
 * A vendor plugin supplies only its struct fr_link_ops (frlink.h) and
 * copies the generic ops (OpenSC card-*.c style):
 *
 *     static int my_create(const struct onshi_host *h,
 *                          struct onshi_instance *i, void **st)
 *     {
 *             return facereader_create(h, i, &my_link, st);
 *     }
 *     static const struct onshi_plugin_ops ops = {
 *             FACEREADER_GENERIC_OPS, .create = my_create,
 *     };
 *
 * The skeleton knows nothing about framing. Plugins link no daemon
 * symbols, so it goes into each plugin: the static library
 * libonshi-facereader, installed with this header as <onshi/facereader.h>
 * for out-of-tree plugins (pkg-config onshi-facereader,
 * docs/plugin-guide.md §12). It includes only installed headers:
 * "frlink.h" is found beside it, in the tree and in $(includedir)/onshi.
 */
#ifndef ONSHI_FACEREADER_H
#define ONSHI_FACEREADER_H

#include <onshi/host.h>
#include <onshi/plugin.h>

#include "frlink.h"

#ifdef __cplusplus
extern "C" {
#endif

struct facereader;

int facereader_create(const struct onshi_host *host, struct onshi_instance *inst,
		      const struct fr_link_ops *link, void **state_out);
int facereader_start(void *state);
void facereader_stop(void *state);
void facereader_destroy(void *state);
void facereader_status(void *state, char *buf, size_t len);

#define FACEREADER_GENERIC_OPS                              \
	.start = facereader_start, .stop = facereader_stop, \
	.destroy = facereader_destroy, .status = facereader_status

/* The keys every face reader accepts (plus a NULL terminator). */
extern const struct onshi_conf_key facereader_conf_keys[];

/* ---- for tests: the skeleton's state ---- */

enum fr_link_state {
	FR_LINK_DOWN = 0,       /* waiting for the reconnect timer */
	FR_LINK_CONNECTING = 1, /* tcp connect in progress */
	FR_LINK_UP = 2,
};

enum fr_read_state {
	FR_READ_IDLE = 0,
	FR_READ_WAIT_CHALLENGE = 1,
	FR_READ_WAIT_ATTEST = 2,
};

struct facereader_stats {
	int link; /* enum fr_link_state */
	int read; /* enum fr_read_state */
	unsigned long reads_submitted, reads_failed;
	unsigned long bad_frames, connects, link_losses;
	unsigned long device_errors;
	unsigned long backoff_ms; /* the next reconnect delay */
};

void facereader_get_stats(const struct facereader *fr, struct facereader_stats *st);

#ifdef __cplusplus
}
#endif

#endif /* ONSHI_FACEREADER_H */
