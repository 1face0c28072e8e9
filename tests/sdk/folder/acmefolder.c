/* SPDX-License-Identifier: Apache-2.0 */
/*
 * acmefolder — a receipt-computer plugin built out of tree on the installed
 * onshi folder engine (pkg-config onshi-folder, docs/plugin-guide.md §12).
 *
 * The engine (libonshi-folder) speaks the official terminal's req/res/face
 * folder protocol: it watches DIR/req/ and takes each complete request
 * file once (host->submit), writes each answer atomically into DIR/res/ and
 * each card read pushed by a reader into DIR/face/ (deliver), and moves
 * refused files to DIR/failed/ with the reason. A plugin only states its
 * receipt computer's habits: here every file in UTF-8, the reception
 * number in ArbitraryFileIdentifier, all four consent triples, and a line
 * in the log for each file written.
 *
 * Configuration ([rececon NAME] with plugin = acmefolder): the engine's
 * keys, OFFICIAL_FOLDER_CONF_KEYS (dir, rescan_s, max_request_bytes,
 * max_batch_bytes).
 */
#include <stdlib.h>

#include <onshi/host.h>
#include <onshi/message.h>
#include <onshi/official_folder.h>
#include <onshi/plugin.h>

static const struct onshi_conf_key acmefolder_keys[] = {
	OFFICIAL_FOLDER_CONF_KEYS,
	{ .name = NULL },
};

struct acmefolder {
	const struct onshi_host *host;
	struct onshi_instance *inst;
	struct official_folder *of;
};

/* The engine's hook after each file is durably written. */
static void acmefolder_written(void *arg, enum official_file what,
			       const char *dir, const char *name)
{
	static const char *const kind[] = {
		[OFFICIAL_RESULT] = "result",
		[OFFICIAL_ERROR] = "error",
		[OFFICIAL_FACE] = "card read",
	};
	struct acmefolder *af = arg;

	af->host->log(af->inst, ONSHI_LOG_INFO, "wrote %s %s/%s", kind[what],
		      dir, name);
}

static int acmefolder_create(const struct onshi_host *host,
			     struct onshi_instance *inst, void **state_out)
{
	struct acmefolder *af = calloc(1, sizeof(*af));
	struct official_habits habits = {
		.charset = ONSHI_CHARSET_UTF8,
		.face_charset = ONSHI_CHARSET_UTF8,
		.consent_kinds = ONSHI_CONSENT_KINDS,
		.afi_reception = 1,
		.written = acmefolder_written,
	};
	int rc;

	*state_out = NULL;
	if (af == NULL)
		return ONSHI_ENOMEM;
	af->host = host;
	af->inst = inst;
	habits.arg = af;
	rc = official_create(host, inst, &habits, &af->of);
	if (rc != ONSHI_OK) {
		free(af);
		return rc;
	}
	*state_out = af;
	return ONSHI_OK;
}

static int acmefolder_start(void *state)
{
	return official_start(((struct acmefolder *)state)->of);
}

static void acmefolder_stop(void *state)
{
	official_stop(((struct acmefolder *)state)->of);
}

static void acmefolder_destroy(void *state)
{
	struct acmefolder *af = state;

	official_destroy(af->of);
	free(af);
}

static void acmefolder_status(void *state, char *buf, size_t len)
{
	official_status(((struct acmefolder *)state)->of, buf, len);
}

static int acmefolder_deliver(void *state, const struct onshi_delivery *d)
{
	return official_deliver(((struct acmefolder *)state)->of, d);
}

static const struct onshi_plugin_ops acmefolder_ops = {
	.create = acmefolder_create,
	.start = acmefolder_start,
	.stop = acmefolder_stop,
	.destroy = acmefolder_destroy,
	.status = acmefolder_status,
	.deliver = acmefolder_deliver,
};

ONSHI_PLUGIN_EXPORT const struct onshi_plugin onshi_plugin_v1 = {
	ONSHI_PLUGIN_HEADER,
	.kind = ONSHI_KIND_RECECON,
	.name = "acmefolder",
	.version = "1.0.0",
	.vendor = "Example K.K.",
	.description = "SDK example receipt-computer folder plugin on the "
		       "installed folder engine",
	.config = acmefolder_keys,
	.ops_size = sizeof(acmefolder_ops),
	.ops = &acmefolder_ops,
};
