/* SPDX-License-Identifier: Apache-2.0 */
/*
 * acme — a face-authentication reader plugin built out of tree on the
 * installed onshi face-reader skeleton (pkg-config onshi-facereader,
 * docs/plugin-guide.md §12). Copy this directory to start a reader plugin.
 *
 * The skeleton (libonshi-facereader) does everything but the device's
 * language: it opens the link from the `device` key (tcp:HOST:PORT or
 * serial:/dev/PATH) and reconnects with backoff, feeds the bytes to the
 * codec and reports bad frames, and runs each read: CARD_PLACED →
 * host->challenge() for a national nonce (ABI 1.2) → ATTEST_REQUEST to the
 * device → ATTEST (the device's signature over the nonce and the card) →
 * host->card_submit() (ABI 1.2) → RESULT to the device. This plugin
 * supplies the codec (acme_link.c) and copies the generic ops.
 *
 * Configuration ([reader NAME] with plugin = acme): the skeleton's keys,
 * facereader_conf_keys (device, reconnect_min_ms, reconnect_max_ms,
 * connect_timeout_ms, challenge_timeout_ms, attest_timeout_ms).
 */
#include <onshi/facereader.h>
#include <onshi/host.h>
#include <onshi/plugin.h>

#include "acme_link.h"

static int acme_create(const struct onshi_host *host,
		       struct onshi_instance *inst, void **state_out)
{
	return facereader_create(host, inst, &acme_link, state_out);
}

static const struct onshi_plugin_ops acme_ops = {
	FACEREADER_GENERIC_OPS,
	.create = acme_create,
};

ONSHI_PLUGIN_EXPORT const struct onshi_plugin onshi_plugin_v1 = {
	ONSHI_PLUGIN_HEADER,
	.kind = ONSHI_KIND_READER,
	.name = "acme",
	.version = "1.0.0",
	.vendor = "Example K.K.",
	.description = "SDK example face-auth reader on the installed skeleton",
	.config = facereader_conf_keys,
	.ops_size = sizeof(acme_ops),
	.ops = &acme_ops,
};
