/* SPDX-License-Identifier: Apache-2.0 */
/*
 * canon.c — the canon face-authentication reader plugin (nested BER-style TLV messages).
 *
 * Everything but the device link comes from the shared skeleton
 * (plugins/readers/facereader); this file names the codec and copies the
 * generic ops. The link is modeled: the vendor's protocol is not public
 * (docs/readers/canon.md).
 */
#include <onshi/host.h>
#include <onshi/plugin.h>

#include "facereader.h"
#include "canon_link.h"

static int canon_create(const struct onshi_host *host,
			struct onshi_instance *inst, void **state_out)
{
	return facereader_create(host, inst, &canon_link, state_out);
}

static const struct onshi_plugin_ops canon_ops = {
	FACEREADER_GENERIC_OPS,
	.create = canon_create,
};

ONSHI_PLUGIN_EXPORT const struct onshi_plugin onshi_plugin_v1 = {
	ONSHI_PLUGIN_HEADER,
	.kind = ONSHI_KIND_READER,
	.name = "canon",
	.version = "0.1.0",
	.vendor = "onshi project (modeled link for Canon Marketing Japan readers)",
	.description = "Canon Marketing Japan face-auth reader: nested BER-style TLV messages",
	.config = facereader_conf_keys,
	.ops_size = sizeof(canon_ops),
	.ops = &canon_ops,
};
