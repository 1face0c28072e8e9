/* SPDX-License-Identifier: Apache-2.0 */
/*
 * onshi/plugin.h — the plugin ABI: what a reader or receipt-computer plugin
 * exports and what the daemon calls.
 *
 * A plugin is a shared object (built with libtool `-module -avoid-version`)
 * that exports exactly one symbol, the descriptor `onshi_plugin_v1`:
 *
 *     static const struct onshi_plugin_ops ops = {
 *             .create = my_create, .start = my_start,
 *             .stop = my_stop, .destroy = my_destroy,
 *     };
 *     ONSHI_PLUGIN_EXPORT const struct onshi_plugin onshi_plugin_v1 = {
 *             ONSHI_PLUGIN_HEADER,
 *             .kind = ONSHI_KIND_READER,
 *             .name = "myreader", .version = "1.0", .vendor = "Example K.K.",
 *             .config = my_keys,
 *             .ops_size = sizeof(ops), .ops = &ops,
 *     };
 *
 * The daemon checks, in this order and with a distinct message for each:
 * the symbol exists, `magic`, `abi_major` equal to ONSHI_ABI_MAJOR, `kind`,
 * `ops_size` at least ONSHI_PLUGIN_OPS_MIN_SIZE and the required entry points
 * non-NULL. A plugin built against an older minor of the same major loads;
 * entry points past its `ops_size` are treated as absent.
 *
 * Plugins reach the daemon only through the `struct onshi_host` pointer
 * handed to create() (see onshi/host.h); they link no daemon symbols.
 *
 * Threads: every entry point below is called on the daemon's event-loop
 * thread. An entry point must not block: a plugin that has to wait on a
 * device (PC/SC) runs its own thread and posts results back with
 * host->post().
 */
#ifndef ONSHI_PLUGIN_H
#define ONSHI_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#include <onshi/error.h>

#ifdef __cplusplus
extern "C" {
#endif

/* "ONSH" */
#define ONSHI_PLUGIN_MAGIC 0x4f4e5348u
/* Major: bumped on any incompatible change; must match exactly. */
#define ONSHI_ABI_MAJOR 1
/* Minor: bumped when entry points or host services are appended. */
#define ONSHI_ABI_MINOR 6
/*
 * Receipt-computer plugins read and build the structs of onshi/message.h,
 * which grew in ABI 1.3 (the search info keeps the elements as sent; the
 * qualification record's certificate blocks were appended at its end
 * within 1.3, before any release): the daemon refuses such plugins built
 * for an older minor.
 */
#define ONSHI_RECECON_MIN_MINOR 3

#define ONSHI_PLUGIN_SYMBOL_NAME "onshi_plugin_v1"

#if defined(__GNUC__)
#define ONSHI_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define ONSHI_PLUGIN_EXPORT
#endif

/* Fills the fixed header fields of a descriptor. */
#define ONSHI_PLUGIN_HEADER                                        \
	.magic = ONSHI_PLUGIN_MAGIC, .abi_major = ONSHI_ABI_MAJOR, \
	.abi_minor = ONSHI_ABI_MINOR

enum onshi_plugin_kind {
	ONSHI_KIND_READER = 1,  /* card reader: [reader NAME] sections */
	ONSHI_KIND_RECECON = 2, /* receipt computer: [rececon NAME] sections */
};

/* Types of configuration values; the daemon checks them before create(). */
enum onshi_conf_type {
	ONSHI_CONF_STRING = 1,
	ONSHI_CONF_INT = 2,  /* decimal, within [min, max] */
	ONSHI_CONF_BOOL = 3, /* yes/no, true/false, on/off, 1/0 */
	ONSHI_CONF_PATH = 4, /* relative paths resolve against the config file */
};

/*
 * One key a plugin accepts in its section (FreeRADIUS-style declarative
 * table, terminated by an entry whose name is NULL). The keys `plugin`,
 * `institution` and `enabled` belong to the daemon and must not be listed.
 * Keys not in the table are configuration errors reported as file:line.
 */
struct onshi_conf_key {
	const char *name;
	enum onshi_conf_type type;
	const char *default_value; /* NULL: no default */
	int required;              /* non-zero: must be set (default ignored) */
	long min, max;             /* ONSHI_CONF_INT bounds; both 0 = any */
	const char *help;          /* one line, shown in errors and docs */
};

struct onshi_host;     /* services the daemon offers: onshi/host.h */
struct onshi_delivery; /* an answer for an adapter: onshi/host.h */
struct onshi_instance; /* the daemon's handle for one running instance */

/*
 * Entry points. `state` is whatever create() stored in *state_out.
 */
struct onshi_plugin_ops {
	/*
	 * create: build one instance from its configuration (read with the
	 * host->conf_* services) without starting any I/O. Return ONSHI_OK or
	 * an error after logging the reason with host->log(). May be called
	 * for a new instance while the old one of the same module still runs
	 * (reload), so keep no state outside *state_out.
	 */
	int (*create)(const struct onshi_host *host,
		      struct onshi_instance *inst, void **state_out);
	/*
	 * start: open devices/folders, register fds and timers, start
	 * threads. On error the daemon calls destroy() without stop().
	 */
	int (*start)(void *state);
	/*
	 * stop: cancel timers and fd watches, stop and JOIN every thread the
	 * plugin started, close devices. When it returns no code of the
	 * plugin may run any more (the daemon may unload it). Never fails.
	 */
	void (*stop)(void *state);
	/* destroy: free the instance. Called after stop() or a failed start(). */
	void (*destroy)(void *state);

	/* ---- optional from here on: NULL or past ops_size = absent ---- */

	/*
	 * status: write a one-line state for `onshictl status` into buf
	 * (e.g. "connected to tcp:127.0.0.1:9101, 12 reads today").
	 */
	void (*status)(void *state, char *buf, size_t len);

	/* ---- ABI 1.1 ---- */

	/*
	 * deliver (receipt-computer adapters): hand one finished answer (see
	 * struct onshi_delivery in onshi/host.h) to the receipt computer.
	 * Return ONSHI_OK once it is durably written — the spool then forgets
	 * it — or an error to have it offered again later (disk full, folder
	 * gone). Called on the loop thread; must not block for long.
	 */
	int (*deliver)(void *state, const struct onshi_delivery *d);
};

/* The smallest ops table the daemon accepts: create..destroy. */
#define ONSHI_PLUGIN_OPS_MIN_SIZE                     \
	(offsetof(struct onshi_plugin_ops, destroy) + \
	 sizeof(((struct onshi_plugin_ops *)0)->destroy))

/* Whether an ops table of `size` bytes includes `member`. */
#define ONSHI_OPS_HAS(size, member)                            \
	((size) >= offsetof(struct onshi_plugin_ops, member) + \
			   sizeof(((struct onshi_plugin_ops *)0)->member))

/* The one exported descriptor. */
struct onshi_plugin {
	uint32_t magic;      /* ONSHI_PLUGIN_MAGIC */
	uint16_t abi_major;  /* ONSHI_ABI_MAJOR the plugin was built with */
	uint16_t abi_minor;  /* ONSHI_ABI_MINOR the plugin was built with */
	uint32_t kind;       /* enum onshi_plugin_kind */
	uint32_t flags;      /* reserved, 0 */
	const char *name;    /* plugin name used in `plugin = NAME` */
	const char *version; /* plugin's own version string */
	const char *vendor;  /* who maintains it */
	const char *description;
	const struct onshi_conf_key *config; /* accepted keys, may be NULL */
	size_t ops_size; /* sizeof(struct onshi_plugin_ops) at build */
	const struct onshi_plugin_ops *ops;
};

#ifdef __cplusplus
}
#endif
#endif /* ONSHI_PLUGIN_H */
