/* SPDX-License-Identifier: Apache-2.0 */
/*
 * almex.c — the almex face-authentication reader plugin (length-prefixed XML messages).
 *
 * Everything but the device link comes from the shared skeleton
 * (plugins/readers/facereader); this file names the codec and copies the
 * generic ops. The link is modeled: the vendor's protocol is not public
 * (docs/readers/almex.md).
 */
#include <onshi/host.h>
#include <onshi/plugin.h>

#include "facereader.h"
#include "almex_link.h"

static int almex_create(const struct onshi_host *host,
			struct onshi_instance *inst, void **state_out)
{
	return facereader_create(host, inst, &almex_link, state_out);
}

static const struct onshi_plugin_ops almex_ops = {
	FACEREADER_GENERIC_OPS,
	.create = almex_create,
};

ONSHI_PLUGIN_EXPORT const struct onshi_plugin onshi_plugin_v1 = {
	ONSHI_PLUGIN_HEADER,
	.kind = ONSHI_KIND_READER,
	.name = "almex",
	.version = "0.1.0",
	.vendor = "onshi project (modeled link for ALMEX readers)",
	.description = "ALMEX face-auth reader: length-prefixed XML messages",
	.config = facereader_conf_keys,
	.ops_size = sizeof(almex_ops),
	.ops = &almex_ops,
};
