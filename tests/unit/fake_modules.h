/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fake_modules.h — a fake of the module layer (module.h) for unit tests
 * linked by link-time substitution: modules are built by the test, not
 * from plugins, and fake_modules.c defines onshi_module_find,
 * _institution_code, _listen, _unlisten, _enable, _disable, _reload and
 * _shown_state instead of module.c. Enabling and disabling tell the
 * registered listeners as module.c does (started in registration order;
 * stopping in reverse, with the instance going away). Each running
 * receipt-computer adapter has a deliver op that records what reached it
 * (the delivery sink); readers have none, as reader plugins.
 */
#ifndef ONSHI_TEST_FAKE_MODULES_H
#define ONSHI_TEST_FAKE_MODULES_H

#include "core.h"
#include "module.h"

#define FAKE_MAX_DELIVERIES 64

/* What one deliver() call handed an adapter. */
struct fake_delivery {
	char module[64];
	char request_id[128]; /* "" for a push */
	int request_kind;
	int is_error;
	int push;
	char push_id[160];
	int result_kind;     /* the answer document's kind */
	char afi[128];       /* its ArbitraryFileIdentifier */
	int validity;        /* an inquiry result's QualificationValidity */
	char error_code[32]; /* an error document's ErrorCode */
	char error_message[1024];
	size_t request_len; /* the request bytes handed back (ABI 1.3) */
};

struct fake_module;

struct fake_modules {
	unsigned ndeliveries;
	struct fake_delivery deliveries[FAKE_MAX_DELIVERIES];
	/* The last enable/disable/reload asked for: "enable reader:desk". */
	char last_action[4200];
	unsigned actions;
	/* When set, enable/disable/reload fail with this message. */
	char refuse[256];
};

extern struct fake_modules fake_modules;

/*
 * Add a module to core->modules (after the others, in configuration
 * order): name "reader:X" or "rececon:X", the institution code it serves,
 * running or disabled.
 */
struct fake_module *fake_module_add(struct onshi_core *core, const char *name,
				    const char *code, int running);
struct onshi_module *fake_module_of(struct fake_module *fm);
/* What the adapter's deliver() returns from now on (ONSHI_OK at first). */
void fake_module_deliver_rc(struct fake_module *fm, int rc);
/* Free every module and forget deliveries, actions and listeners. */
void fake_modules_free(struct onshi_core *core);
/* How many listeners are registered. */
unsigned fake_modules_listeners(void);

#endif
