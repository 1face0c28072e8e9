/* SPDX-License-Identifier: Apache-2.0 */
/*
 * module.h — configured modules ("reader:front-desk", "rececon:ws9") and
 * their running plugin instances.
 *
 * A module is a [reader X] / [rececon X] section; it is enabled (one running
 * instance), disabled (none) or failed (the last start or reload failed; the
 * reason is kept). Enable/disable/reload happen on the loop thread:
 *   disable = stop (plugin joins its threads), forget its loop registrations,
 *             destroy, release the plugin;
 *   reload  = re-read the configuration, create a new instance from it, stop
 *             and destroy the old one, start the new one (FreeRADIUS-style:
 *             a bad new configuration leaves the old instance running).
 */
#ifndef ONSHI_CORE_MODULE_H
#define ONSHI_CORE_MODULE_H

#include <stddef.h>
#include <time.h>

#include <onshi/host.h>

#include "conf_schema.h"
#include "loader.h"

struct onshi_core;

enum onshi_module_state {
	ONSHI_MODULE_DISABLED = 0,
	ONSHI_MODULE_RUNNING,
	ONSHI_MODULE_FAILED,
};

/* One plugin instance: what plugins know as `struct onshi_instance *`. */
struct onshi_instance {
	struct onshi_module *module;
	struct onshi_plugin_handle *plugin;
	void *state;
	struct onshi_conf_value *values;
	size_t nvalues;
	char *institution_code;
};

struct onshi_module {
	struct onshi_core *core;
	const struct onshi_host *host; /* handed to the plugin's create() */
	char *name;                    /* "reader:front-desk" */
	char *section_name;            /* "front-desk" */
	char *section_type;            /* "reader" */
	struct onshi_instance *inst;   /* NULL unless running */
	enum onshi_module_state state;
	char last_event[256];
	time_t last_event_at;
	char last_error[512];
	time_t last_error_at;
	/* The running instance's device is lost (host->device_state): the
	 * module shows "failing", not "running". */
	int device_down;
	char device_why[256];
	time_t device_since;
	unsigned long starts;
	struct onshi_module *next;
};

/*
 * Build the module list from core->config (nothing started). host is the
 * services table every instance's create() receives (host.c's, from
 * core.c: this layer does not reach up to the services).
 */
int onshi_modules_build(struct onshi_core *core, const struct onshi_host *host);
/* Start every module whose section says enabled (default yes). */
void onshi_modules_start_all(struct onshi_core *core);
/* Stop and free every module (reverse order). */
void onshi_modules_free(struct onshi_core *core);

struct onshi_module *onshi_module_find(struct onshi_core *core, const char *name);
/* These return ONSHI_OK or an error with a reason in msg. */
int onshi_module_enable(struct onshi_module *mod, char *msg, size_t msglen);
int onshi_module_disable(struct onshi_module *mod, char *msg, size_t msglen);
int onshi_module_reload(struct onshi_module *mod, char *msg, size_t msglen);

const char *onshi_module_state_name(enum onshi_module_state s);
/* The state status shows: the state's name, or "failing" while a running
 * module's device is lost. */
const char *onshi_module_shown_state(const struct onshi_module *m);
/* host->device_state: the instance's device answers again (up) or is lost
 * (why); logged once per change. */
void onshi_module_device_state(struct onshi_instance *inst, int up, const char *why);

/* The institution code a module serves, from the configuration (also while
 * it is disabled); NULL if the module is not configured. */
const char *onshi_module_institution_code(struct onshi_core *core,
					  const char *module_name);

/*
 * What happens to modules, for those above that care (collectd-style:
 * they register, module.c names none of them). Either callback may be NULL.
 *   started:  mod has just become running (enable, reload, start_all);
 *             called in registration order.
 *   stopping: inst is being torn down: its stop() has returned (when it
 *             was started), so no plugin thread runs any more, and
 *             destroy() follows; whoever still holds inst must let go of
 *             it now. Called in reverse registration order.
 * Listeners are called on the loop thread.
 */
struct onshi_module_listener {
	void (*started)(void *ctx, struct onshi_module *mod);
	void (*stopping)(void *ctx, struct onshi_instance *inst);
};

/* Register l (not copied: it must outlive the registration) with ctx. */
int onshi_module_listen(struct onshi_core *core,
			const struct onshi_module_listener *l, void *ctx);
/* Remove the registration of l with ctx; nothing if there is none. */
void onshi_module_unlisten(struct onshi_core *core,
			   const struct onshi_module_listener *l, void *ctx);

struct onshi_status_snapshot;
/* The status model's provider of the "module" lines, one per module in
 * configuration order (module_status.c); ctx is the core. */
void onshi_module_status_lines(struct onshi_status_snapshot *s, void *ctx);

#endif
