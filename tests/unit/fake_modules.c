/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fake_modules.c — the module layer faked for unit tests
 * (fake_modules.h): modules the test builds, listeners told as module.c
 * tells them, and a deliver op that records what reached each adapter.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <onshi/error.h>
#include <onshi/message.h>
#include <onshi/plugin.h>

#include "fake_modules.h"

struct fake_module {
	struct onshi_module mod; /* first: module pointers are fake ones */
	struct onshi_plugin_handle handle;
	char code[16];
	int deliver_rc;
};

struct fake_modules fake_modules;

#define MAX_LISTENERS 8
static struct {
	const struct onshi_module_listener *l;
	void *ctx;
} listeners[MAX_LISTENERS];
static unsigned nlisteners;

static int noop_create(const struct onshi_host *host,
		       struct onshi_instance *inst, void **state_out)
{
	(void)host;
	(void)inst;
	(void)state_out;
	return ONSHI_OK;
}

static int noop_start(void *state)
{
	(void)state;
	return ONSHI_OK;
}

static void noop_state(void *state)
{
	(void)state;
}

static void copy(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

/* The delivery sink: state is the fake module. */
static int fake_deliver(void *state, const struct onshi_delivery *d)
{
	struct fake_module *fm = state;
	struct fake_delivery *r;
	const struct onshi_msg *m = d->result;

	if (fm->deliver_rc != ONSHI_OK)
		return fm->deliver_rc;
	if (fake_modules.ndeliveries == FAKE_MAX_DELIVERIES)
		abort();
	r = &fake_modules.deliveries[fake_modules.ndeliveries++];
	memset(r, 0, sizeof(*r));
	copy(r->module, sizeof(r->module), fm->mod.name);
	copy(r->request_id, sizeof(r->request_id), d->request_id);
	r->request_kind = d->request_kind;
	r->is_error = d->is_error;
	r->push = d->push;
	copy(r->push_id, sizeof(r->push_id), d->push_id);
	r->request_len = d->request_body ? d->request_len : 0;
	r->result_kind = m->kind;
	r->validity = -1;
	if (m->kind == ONSHI_MSG_ERROR) {
		copy(r->afi, sizeof(r->afi), m->u.error.hdr.arbitrary_file_identifier);
		copy(r->error_code, sizeof(r->error_code), m->u.error.hdr.error_code);
		copy(r->error_message, sizeof(r->error_message),
		     m->u.error.hdr.error_message);
	} else if (m->kind == ONSHI_MSG_INQUIRY_RESULT) {
		copy(r->afi, sizeof(r->afi),
		     m->u.inquiry_result.hdr.arbitrary_file_identifier);
		r->validity = (int)m->u.inquiry_result.qualification_validity;
	}
	return ONSHI_OK;
}

static const struct onshi_plugin_ops rececon_ops = {
	.create = noop_create,
	.start = noop_start,
	.stop = noop_state,
	.destroy = noop_state,
	.deliver = fake_deliver,
};

static const struct onshi_plugin rececon_desc = {
	ONSHI_PLUGIN_HEADER,     .kind = ONSHI_KIND_RECECON,
	.name = "fake-rececon",  .version = "1.0",
	.vendor = "onshi tests", .ops_size = sizeof(struct onshi_plugin_ops),
	.ops = &rececon_ops,
};

/* Readers deliver nothing: their ops end before deliver. */
static const struct onshi_plugin_ops reader_ops = {
	.create = noop_create,
	.start = noop_start,
	.stop = noop_state,
	.destroy = noop_state,
};

static const struct onshi_plugin reader_desc = {
	ONSHI_PLUGIN_HEADER,     .kind = ONSHI_KIND_READER,
	.name = "fake-reader",   .version = "1.0",
	.vendor = "onshi tests", .ops_size = ONSHI_PLUGIN_OPS_MIN_SIZE,
	.ops = &reader_ops,
};

/* A running instance: on the heap, freed when it stops, so that whoever
 * still held it after stopping() is caught by valgrind. */
static struct onshi_instance *new_instance(struct fake_module *fm)
{
	struct onshi_instance *inst = calloc(1, sizeof(*inst));

	if (!inst)
		abort();
	inst->module = &fm->mod;
	inst->plugin = &fm->handle;
	inst->state = fm;
	inst->institution_code = fm->code;
	return inst;
}

struct fake_module *fake_module_add(struct onshi_core *core, const char *name,
				    const char *code, int running)
{
	struct fake_module *fm = calloc(1, sizeof(*fm));
	const char *colon = strchr(name, ':');
	struct onshi_module **tail = &core->modules;

	if (!fm || !colon)
		abort();
	fm->mod.core = core;
	fm->mod.name = strdup(name);
	fm->mod.section_name = strdup(colon + 1);
	fm->mod.section_type = strndup(name, (size_t)(colon - name));
	if (!fm->mod.name || !fm->mod.section_name || !fm->mod.section_type)
		abort();
	copy(fm->code, sizeof(fm->code), code);
	fm->handle.desc = strcmp(fm->mod.section_type, "rececon") == 0
				  ? &rececon_desc
				  : &reader_desc;
	fm->deliver_rc = ONSHI_OK;
	if (running) {
		fm->mod.inst = new_instance(fm);
		fm->mod.state = ONSHI_MODULE_RUNNING;
	}
	while (*tail)
		tail = &(*tail)->next;
	*tail = &fm->mod;
	return fm;
}

struct onshi_module *fake_module_of(struct fake_module *fm)
{
	return &fm->mod;
}

void fake_module_deliver_rc(struct fake_module *fm, int rc)
{
	fm->deliver_rc = rc;
}

void fake_modules_free(struct onshi_core *core)
{
	struct onshi_module *m = core->modules, *next;

	for (; m; m = next) {
		next = m->next;
		free(m->inst);
		free(m->name);
		free(m->section_name);
		free(m->section_type);
		free(m);
	}
	core->modules = NULL;
	memset(&fake_modules, 0, sizeof(fake_modules));
	nlisteners = 0;
}

unsigned fake_modules_listeners(void)
{
	return nlisteners;
}

/* ---- module.h, as the code under test calls it ---- */

struct onshi_module *onshi_module_find(struct onshi_core *core, const char *name)
{
	for (struct onshi_module *m = core->modules; m; m = m->next)
		if (strcmp(m->name, name) == 0)
			return m;
	return NULL;
}

const char *onshi_module_institution_code(struct onshi_core *core,
					  const char *module_name)
{
	struct onshi_module *m = onshi_module_find(core, module_name);

	return m ? ((struct fake_module *)m)->code : NULL;
}

int onshi_module_listen(struct onshi_core *core,
			const struct onshi_module_listener *l, void *ctx)
{
	(void)core;
	if (nlisteners == MAX_LISTENERS)
		return ONSHI_ENOMEM;
	listeners[nlisteners].l = l;
	listeners[nlisteners].ctx = ctx;
	nlisteners++;
	return ONSHI_OK;
}

void onshi_module_unlisten(struct onshi_core *core,
			   const struct onshi_module_listener *l, void *ctx)
{
	(void)core;
	for (unsigned i = 0; i < nlisteners; i++)
		if (listeners[i].l == l && listeners[i].ctx == ctx) {
			memmove(&listeners[i], &listeners[i + 1],
				(nlisteners - i - 1) * sizeof(listeners[0]));
			nlisteners--;
			return;
		}
}

/* Record the action; refused when the test says so. */
static int action(const char *what, const char *done, struct onshi_module *mod,
		  char *msg, size_t msglen)
{
	fake_modules.actions++;
	snprintf(fake_modules.last_action, sizeof(fake_modules.last_action),
		 "%s %s", what, mod->name);
	if (fake_modules.refuse[0]) {
		snprintf(msg, msglen, "%s", fake_modules.refuse);
		return ONSHI_EINVAL;
	}
	snprintf(msg, msglen, "%s: %s", mod->name, done);
	return ONSHI_OK;
}

int onshi_module_enable(struct onshi_module *mod, char *msg, size_t msglen)
{
	struct fake_module *fm = (struct fake_module *)mod;
	int rc = action("enable", "enabled", mod, msg, msglen);

	if (rc != ONSHI_OK || mod->inst)
		return rc;
	mod->inst = new_instance(fm);
	mod->state = ONSHI_MODULE_RUNNING;
	mod->starts++;
	for (unsigned i = 0; i < nlisteners; i++)
		if (listeners[i].l->started)
			listeners[i].l->started(listeners[i].ctx, mod);
	return ONSHI_OK;
}

int onshi_module_disable(struct onshi_module *mod, char *msg, size_t msglen)
{
	int rc = action("disable", "disabled", mod, msg, msglen);

	if (rc != ONSHI_OK || !mod->inst)
		return rc;
	for (unsigned i = nlisteners; i-- > 0;)
		if (listeners[i].l->stopping)
			listeners[i].l->stopping(listeners[i].ctx, mod->inst);
	free(mod->inst);
	mod->inst = NULL;
	mod->state = ONSHI_MODULE_DISABLED;
	return ONSHI_OK;
}

int onshi_module_reload(struct onshi_module *mod, char *msg, size_t msglen)
{
	return action("reload", "reloaded", mod, msg, msglen);
}

const char *onshi_module_shown_state(const struct onshi_module *m)
{
	switch (m->state) {
	case ONSHI_MODULE_RUNNING: return "running";
	case ONSHI_MODULE_FAILED: return "failed";
	default: return "disabled";
	}
}
