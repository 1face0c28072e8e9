/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fujitsu.c — the fujitsu face-authentication reader plugin (KEY=VALUE text lines with base64 blobs and a checksum).
 *
 * Everything but the device link comes from the shared skeleton
 * (plugins/readers/facereader); this file names the codec and copies the
 * generic ops. The link is modeled: the vendor's protocol is not public
 * (docs/readers/fujitsu.md).
 */
#include <onshi/host.h>
#include <onshi/plugin.h>

#include "facereader.h"
#include "fujitsu_link.h"

static int fujitsu_create(const struct onshi_host *host,
			  struct onshi_instance *inst, void **state_out)
{
	return facereader_create(host, inst, &fujitsu_link, state_out);
}

static const struct onshi_plugin_ops fujitsu_ops = {
	FACEREADER_GENERIC_OPS,
	.create = fujitsu_create,
};

ONSHI_PLUGIN_EXPORT const struct onshi_plugin onshi_plugin_v1 = {
	ONSHI_PLUGIN_HEADER,
	.kind = ONSHI_KIND_READER,
	.name = "fujitsu",
	.version = "0.1.0",
	.vendor = "onshi project (modeled link for Fujitsu Japan readers)",
	.description = "Fujitsu Japan face-auth reader: KEY=VALUE text lines with base64 blobs and a checksum",
	.config = facereader_conf_keys,
	.ops_size = sizeof(fujitsu_ops),
	.ops = &fujitsu_ops,
};
