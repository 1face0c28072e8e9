/* SPDX-License-Identifier: Apache-2.0 */
/*
 * panasonic.c — the panasonic face-authentication reader plugin (binary STX/ETX frames with CRC-16 and DLE escaping).
 *
 * Everything but the device link comes from the shared skeleton
 * (plugins/readers/facereader); this file names the codec and copies the
 * generic ops. The link is modeled: the vendor's protocol is not public
 * (docs/readers/panasonic.md).
 */
#include <onshi/host.h>
#include <onshi/plugin.h>

#include "facereader.h"
#include "panasonic_link.h"

static int panasonic_create(const struct onshi_host *host,
			    struct onshi_instance *inst, void **state_out)
{
	return facereader_create(host, inst, &panasonic_link, state_out);
}

static const struct onshi_plugin_ops panasonic_ops = {
	FACEREADER_GENERIC_OPS,
	.create = panasonic_create,
};

ONSHI_PLUGIN_EXPORT const struct onshi_plugin onshi_plugin_v1 = {
	ONSHI_PLUGIN_HEADER,
	.kind = ONSHI_KIND_READER,
	.name = "panasonic",
	.version = "0.1.0",
	.vendor = "onshi project (modeled link for Panasonic System Solutions Japan readers)",
	.description = "Panasonic System Solutions Japan face-auth reader: binary STX/ETX frames with CRC-16 and DLE escaping",
	.config = facereader_conf_keys,
	.ops_size = sizeof(panasonic_ops),
	.ops = &panasonic_ops,
};
