/* SPDX-License-Identifier: Apache-2.0 */
/*
 * wisestaff9 — the official req/res/face folder interface with the habits
 * of a WiseStaff-9 receipt computer (a modeled protocol: the vendor's is not
 * public; see docs/rececon/wisestaff9.md):
 *
 *   - every file it reads is written in Shift_JIS (CP932), whatever the
 *     request's own encoding, since that generation reads nothing else;
 *   - ArbitraryFileIdentifier of every answer carries its reception number
 *     (受付番号): the request's own identifier when it sent one, else the
 *     <id> of the request's file name, which WiseStaff-9 sets to the
 *     reception number;
 *   - results keep the two consent triples that generation knows
 *     (PharmacistsInfo*, SpecificHealthCheckupsInfo*);
 *   - My Number Card results are pushed to face/.
 *
 * All folder work is the shared engine in ../folder/.
 */
#include <stdlib.h>

#include <onshi/host.h>
#include <onshi/message.h>
#include <onshi/plugin.h>

#include "../folder/official_folder.h"

static const struct onshi_conf_key ws9_keys[] = {
	OFFICIAL_FOLDER_CONF_KEYS,
	OFFICIAL_FACE_ENCODING_KEY("shift_jis"),
	{ .name = NULL },
};

static int ws9_create(const struct onshi_host *host,
		      struct onshi_instance *inst, void **state_out)
{
	static const struct official_habits habits = {
		.charset = ONSHI_CHARSET_CP932,
		.face_charset = OFFICIAL_CHARSET_CONF,
		.consent_kinds = ONSHI_CONSENT_SPECIFIC_HEALTH_CHECKUPS + 1,
		.afi_reception = 1,
	};
	struct official_folder *of = NULL;
	int rc = official_create(host, inst, &habits, &of);

	*state_out = of;
	return rc;
}

static const struct onshi_plugin_ops ws9_ops = OFFICIAL_OPS(ws9_create);

ONSHI_PLUGIN_EXPORT const struct onshi_plugin onshi_plugin_v1 = {
	ONSHI_PLUGIN_HEADER,
	.kind = ONSHI_KIND_RECECON,
	.name = "wisestaff9",
	.version = "1.0.0",
	.vendor = "onshi project",
	.description = "WiseStaff-9 folder interface (CP932, reception number "
		       "in ArbitraryFileIdentifier, face/ pushes)",
	.config = ws9_keys,
	.ops_size = sizeof(ws9_ops),
	.ops = &ws9_ops,
};
