/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core.h — the core context: the one object that holds the daemon's state.
 *
 * There is no other global mutable state in libonshi: the logger, the loaded
 * configuration, the event loop, the plugin loader, the modules and the
 * control server all hang off `struct onshi_core`.
 */
#ifndef ONSHI_CORE_CORE_H
#define ONSHI_CORE_CORE_H

#include <time.h>

#include "conf.h"
#include "conf_schema.h"
#include "diag.h"
#include "log.h"
#include "loop.h"
#include "status_model.h"

struct onshi_loader;
struct onshi_module;
struct onshi_module_listen_entry;
struct onshi_control;
struct onshi_control_commands;
struct onshi_spool;
struct onshi_national;
struct onshi_vpn;
struct onshi_cards;
struct onshi_maintenance;
struct onshi_audit;
struct onshi_status_page;

/*
 * Today's answers, for the status dashboard: kept in the core, fed where
 * answers are recorded (inquiry_deliver.c) and card reads accepted
 * (card_read.c), and zeroed when the local date changes (checked on every
 * use, so no timer).
 */
/* Request families counted on the status page (status_counts.c). */
#define ONSHI_COUNT_FAMILIES 8

struct onshi_counts {
	long day;       /* local date as YYYYMMDD these counts are for */
	long valid;     /* valid, and valid (public assistance only) */
	long invalid;   /* invalid, and invalid because a newer one exists */
	long no_record; /* no such qualification */
	long other;     /* several persons match, or no validity given */
	long errors;    /* refusals and error answers */
	long card_face, card_pin, card_visual; /* card reads by method */
	/* requests accepted, by family (onshi_counts_family_key) */
	long requests[ONSHI_COUNT_FAMILIES];
};

struct onshi_core {
	struct onshi_log log;
	struct onshi_config *config; /* as last read; reload replaces it */
	struct onshi_settings settings;
	struct onshi_loop *loop;
	struct onshi_loader *loader;
	struct onshi_module *modules; /* in configuration order */
	/* who hears of modules started and stopping (module.h) */
	struct onshi_module_listen_entry *module_listeners;
	struct onshi_control *control;
	struct onshi_control_commands *control_commands; /* control_dispatch.h */
	struct onshi_spool *spool;       /* accepted requests until delivered */
	struct onshi_national *national; /* NULL: no [national] section */
	struct onshi_vpn *vpn;     /* the tunnel's watcher; NULL: no [vpn] */
	struct onshi_cards *cards; /* JPKI trust, pending challenges */
	struct onshi_maintenance *maintenance; /* NULL: no [maintenance] */
	struct onshi_audit *audit; /* the hash-chained audit log (audit.h) */
	struct onshi_loop_timer *requeue_timer; /* re-asks unanswered work */
	struct onshi_notify *notify; /* NULL: no systemd watchdog (notify.c) */
	int signal_fd;
	struct onshi_loop_watch *signal_watch;
	time_t started_at;
	struct onshi_counts counts;
	struct onshi_status_page *status_page; /* NULL: no [status_page] */
	struct onshi_status_registry status;   /* status providers (core.c) */
	/* the one inotify fd of every plugin's watch_path (path_watch.h);
	 * NULL until a plugin first watches a folder */
	struct onshi_path_watches *path_watches;
};

/*
 * Check a configuration file completely: syntax, the daemon's sections and
 * keys, and every module section against its plugin's key table (the plugins
 * are opened to read their tables, not started). Problems go to diag
 * (check_config.c).
 */
int onshi_core_check_config(const char *path, struct onshi_diag *diag);

/*
 * Build the core from a configuration: check the daemon's part (a module
 * whose plugin is broken only fails that module, later), set up logging,
 * the loop, the loader and the modules (not started). `log_stderr` forces
 * logging to stderr (foreground runs).
 */
int onshi_core_open(const char *path, int log_stderr, struct onshi_core **out,
		    struct onshi_diag *diag);
/* Start enabled modules and the control socket, handle SIGTERM/SIGINT. */
int onshi_core_start(struct onshi_core *core);
/* Run the loop until a stop signal; then stop everything. */
int onshi_core_run(struct onshi_core *core);
void onshi_core_close(struct onshi_core *core);

/* Register the status model's providers, in the report's order
 * (core_status.c). */
int onshi_core_status_register(struct onshi_core *core);

#endif
