/* SPDX-License-Identifier: Apache-2.0 */
/*
 * official_folder.h — the official terminal's req/res/face folder protocol
 * (docs/rececon/oqsfolder.md) as a reusable engine, for the adapters that speak it
 * with a receipt computer's own habits (oqsfolder, wisestaff9,
 * wisestaff9plus).
 *
 * Like OpenSC's card drivers copying the generic ops, an adapter fills a
 * `struct official_habits` (output encoding, what goes into
 * ArbitraryFileIdentifier, how many consent triples its receipt computer
 * understands, a hook run after each file is written) and forwards its
 * plugin ops to the official_* functions below (or takes OFFICIAL_OPS
 * whole). The folder watching itself is folder_watch.c. Everything runs on
 * the daemon's loop thread. Part of libonshi-folder: installed as
 * <onshi/official_folder.h> beside <onshi/folder_watch.h>, which the
 * "folder_watch.h" below finds there (pkg-config onshi-folder,
 * docs/plugin-guide.md §12).
 */
#ifndef ONSHI_OFFICIAL_FOLDER_H
#define ONSHI_OFFICIAL_FOLDER_H

#include <stddef.h>

#include <onshi/host.h>
#include <onshi/plugin.h>

#include "folder_watch.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The keys every official-folder adapter accepts, for its key table. */
#define OFFICIAL_FOLDER_CONF_KEYS                                           \
	{ .name = "dir",                                                    \
	  .type = ONSHI_CONF_PATH,                                          \
	  .required = 1,                                                    \
	  .help = "folder holding req/, res/, face/, failed/ and tmp/ "     \
		  "(created if missing)" },                                 \
		FOLDER_RESCAN_KEY,                                          \
		{ .name = "max_request_bytes",                              \
		  .type = ONSHI_CONF_INT,                                   \
		  .default_value = "1048576",                               \
		  .min = 1024,                                              \
		  .max = 33554432,                                          \
		  .help = "largest individual request file accepted" },     \
	{                                                                   \
		.name = "max_batch_bytes", .type = ONSHI_CONF_INT,          \
		.default_value = "33554432", .min = 1024, .max = 268435456, \
		.help = "largest batch request file accepted"               \
	}

/* The output_encoding key, for adapters with charset OFFICIAL_CHARSET_CONF. */
#define OFFICIAL_FOLDER_ENCODING_KEY                                            \
	{                                                                       \
		.name = "output_encoding", .type = ONSHI_CONF_STRING,           \
		.default_value = "same",                                        \
		.help = "encoding of written files: utf-8, shift_jis, or same " \
			"(as each request)"                                     \
	}

/*
 * The face_encoding key: the encoding of face/ files, the adapter's own
 * setting (clients read face/ in one configured encoding), with the
 * adapter's habit as default ("utf-8" or "shift_jis").
 */
#define OFFICIAL_FACE_ENCODING_KEY(dflt)                              \
	{                                                             \
		.name = "face_encoding", .type = ONSHI_CONF_STRING,   \
		.default_value = dflt,                                \
		.help = "encoding of face/ files: utf-8 or shift_jis" \
	}

/*
 * Habit charsets besides ONSHI_CHARSET_*: each answer in the encoding its
 * request declared (remembered from take to delivery; after a restart the
 * answer's own source charset; files with no request of their own use the
 * latest request's), or whatever the output_encoding key says.
 */
#define OFFICIAL_CHARSET_SAME (-1)
#define OFFICIAL_CHARSET_CONF (-2)

/* Which file an after-write hook is told about. */
enum official_file {
	OFFICIAL_RESULT = 1, /* res/OQS...res_<id>.xml */
	OFFICIAL_ERROR,      /* res/<request base>.err */
	OFFICIAL_FACE,       /* face/OQSsiquc01res_face_<id>.xml */
};

struct official_habits {
	int charset; /* ONSHI_CHARSET_* or OFFICIAL_CHARSET_* */
	/* face/ files: ONSHI_CHARSET_*, or OFFICIAL_CHARSET_CONF (the
	 * face_encoding key, which the adapter's key table then declares) */
	int face_charset;
	int consent_kinds; /* consent triples kept in results, 1..4 */
	/*
	 * Non-zero: ArbitraryFileIdentifier of every answer is the
	 * reception number: the request's own identifier when it had a
	 * non-empty one, else the <id> of its file name (push: push_id).
	 */
	int afi_reception;
	/* After a file is durably written (may be NULL): dir, base name. */
	void (*written)(void *arg, enum official_file what, const char *dir,
			const char *name);
	void *arg;
};

struct official_folder;

/* Read dir and the size limits of the instance's section; no I/O yet. */
int official_create(const struct onshi_host *host, struct onshi_instance *inst,
		    const struct official_habits *habits,
		    struct official_folder **out);
/* Create the folders and start taking requests. */
int official_start(struct official_folder *of);
void official_stop(struct official_folder *of);
void official_destroy(struct official_folder *of);
/* The plugin's deliver op. */
int official_deliver(struct official_folder *of, const struct onshi_delivery *d);
/* One line for `onshictl status`. */
void official_status(struct official_folder *of, char *buf, size_t len);

/* The root folder (for adapters that add files of their own). */
const char *official_dir(const struct official_folder *of);

/* Plugin ops for an adapter whose state is the official_folder itself. */
int official_op_start(void *state);
void official_op_stop(void *state);
void official_op_destroy(void *state);
void official_op_status(void *state, char *buf, size_t len);
int official_op_deliver(void *state, const struct onshi_delivery *d);

#define OFFICIAL_OPS(create_fn)                                               \
	{                                                                     \
		.create = (create_fn), .start = official_op_start,            \
		.stop = official_op_stop, .destroy = official_op_destroy,     \
		.status = official_op_status, .deliver = official_op_deliver, \
	}

#ifdef __cplusplus
}
#endif

#endif
