/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oqsfolder — the official qualification-verification terminal's folder
 * interface (docs/rececon/oqsfolder.md), so that any receipt computer written for it
 * works with onshi unchanged.
 *
 * The receipt computer drops OQSsiquc01req_<id>.xml (and the batch
 * OQSmuquc01req_/OQSmuquc02req_ files) into DIR/req/; each complete file is
 * handed to the daemon with host->submit_later() (host->submit() on a
 * daemon older than ABI 1.5) under its file name and removed once the
 * daemon holds it durably. Answers come back through deliver() and are
 * written atomically (flushed in the daemon's group commit) as DIR/res/OQS...res_<id>.xml, or
 * DIR/res/<request base name>.err for errors; unasked My Number Card results
 * go to DIR/face/. The plugin never parses XML: the core does, and turns
 * malformed or hostile requests into error answers. What the plugin refuses
 * by itself (unsafe names, symlinks, oversized files) goes to DIR/failed/
 * with a reason file, and gets an .err in res/ when its name allows one.
 *
 * Its habits are the official terminal's own: files written in the
 * output_encoding key's encoding (by default each answer in the encoding
 * its request declared), ArbitraryFileIdentifier echoed as the request sent
 * it, all four consent triples. All folder work is the shared engine in
 * ../folder/ (official_folder.c over folder_watch.c), as for wisestaff9 and
 * wisestaff9plus. See docs/rececon/oqsfolder.md.
 */
#include <stdlib.h>

#include <onshi/host.h>
#include <onshi/message.h>
#include <onshi/plugin.h>

#include "../folder/official_folder.h"

static const struct onshi_conf_key oqs_keys[] = {
	OFFICIAL_FOLDER_CONF_KEYS,
	OFFICIAL_FACE_ENCODING_KEY("utf-8"),
	OFFICIAL_FOLDER_ENCODING_KEY,
	{ .name = NULL },
};

static int oqs_create(const struct onshi_host *host,
		      struct onshi_instance *inst, void **state_out)
{
	static const struct official_habits habits = {
		.charset = OFFICIAL_CHARSET_CONF,
		.face_charset = OFFICIAL_CHARSET_CONF,
		.consent_kinds = ONSHI_CONSENT_KINDS,
		.afi_reception = 0,
	};
	struct official_folder *of = NULL;
	int rc = official_create(host, inst, &habits, &of);

	*state_out = of;
	return rc;
}

static const struct onshi_plugin_ops oqs_ops = OFFICIAL_OPS(oqs_create);

ONSHI_PLUGIN_EXPORT const struct onshi_plugin onshi_plugin_v1 = {
	ONSHI_PLUGIN_HEADER,
	.kind = ONSHI_KIND_RECECON,
	.name = "oqsfolder",
	.version = "1.0.0",
	.vendor = "onshi project",
	.description = "the official terminal's req/res/face folder interface",
	.config = oqs_keys,
	.ops_size = sizeof(oqs_ops),
	.ops = &oqs_ops,
};
