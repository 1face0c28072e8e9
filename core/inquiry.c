/*
 * inquiry.c — requests from adapters through the spool to their answers.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <onshi/message.h>

#include "core.h"
#include "inquiry.h"
#include "module.h"
#include "spool.h"

static int is_request_kind(int kind)
{
	return kind == ONSHI_MSG_INQUIRY_REQUEST ||
	       kind == ONSHI_MSG_BULK_REQUEST || kind == ONSHI_MSG_BULK_FETCH;
}

/* Which document kind an answer is parsed back as. */
static int answer_kind(const struct onshi_spool_entry *e)
{
	if (e->answer_is_error)
		return ONSHI_MSG_ERROR;
	switch (e->kind) {
	case ONSHI_MSG_INQUIRY_REQUEST: return ONSHI_MSG_INQUIRY_RESULT;
	case ONSHI_MSG_BULK_REQUEST: return ONSHI_MSG_BULK_RECEPTION;
	case ONSHI_MSG_BULK_FETCH: return ONSHI_MSG_BULK_RESULT;
	}
	return ONSHI_MSG_ERROR;
}

/* Offer e's answer to its module; forget it once the adapter has it. */
static void try_deliver(struct onshi_core *core, struct onshi_spool_entry *e)
{
	struct onshi_module *mod = onshi_module_find(core, e->module);
	const struct onshi_plugin *desc;
	struct onshi_delivery d;
	struct onshi_msg answer;
	char why[512];
	int rc;

	if (!e->answered || !mod || !mod->inst)
		return; /* delivered when the module runs again */
	desc = mod->inst->plugin->desc;
	if (!ONSHI_OPS_HAS(desc->ops_size, deliver) || !desc->ops->deliver)
		return;
	rc = onshi_msg_parse(answer_kind(e), e->answer, e->answer_len, NULL,
			     &answer, why, sizeof(why));
	if (rc != ONSHI_OK) {
		/* Our own document: if it does not parse, keep it for a
		 * person to look at rather than lose the request. */
		onshi_logf(&core->log, ONSHI_LOG_ERR,
			   "%s: spooled answer for %s unreadable: %s",
			   e->module, e->request_id, why);
		onshi_msg_clear(&answer);
		return;
	}
	memset(&d, 0, sizeof(d));
	d.request_id = e->request_id;
	d.request_kind = e->kind;
	d.is_error = e->answer_is_error;
	d.result = &answer;
	rc = desc->ops->deliver(mod->inst->state, &d);
	onshi_msg_clear(&answer);
	if (rc != ONSHI_OK) {
		onshi_logf(&core->log, ONSHI_LOG_WARNING,
			   "%s: delivery of %s failed (%s); kept in the spool",
			   e->module, e->request_id, onshi_strerror(rc));
		return;
	}
	onshi_spool_delivered(core->spool, e);
}

/* Answer e with an error document naming the problem, then deliver. */
static void answer_error(struct onshi_core *core, struct onshi_spool_entry *e,
			 int err, const char *why, const struct onshi_msg *req)
{
	struct onshi_msg doc;
	char *xml = NULL, msg[512];
	size_t len;
	int rc;

	rc = onshi_msg_error_init(&doc, err, why, req);
	if (rc == ONSHI_OK)
		rc = onshi_msg_write(&doc, ONSHI_CHARSET_UTF8, &xml, &len, NULL,
				     msg, sizeof(msg));
	onshi_msg_clear(&doc);
	if (rc != ONSHI_OK) {
		onshi_logf(&core->log, ONSHI_LOG_ERR,
			   "%s: cannot build the error answer for %s: %s",
			   e->module, e->request_id, onshi_strerror(rc));
		return;
	}
	rc = onshi_spool_answer(core->spool, e, 1, xml, len, msg, sizeof(msg));
	free(xml);
	if (rc != ONSHI_OK) {
		onshi_logf(&core->log, ONSHI_LOG_ERR, "%s", msg);
		return;
	}
	onshi_logf(&core->log, ONSHI_LOG_NOTICE, "%s: %s refused: %s",
		   e->module, e->request_id, why);
	try_deliver(core, e);
}

/* Check a spooled request; bad ones are answered now. */
static void process(struct onshi_core *core, struct onshi_spool_entry *e)
{
	struct onshi_msg req;
	char why[512] = "";
	int rc;

	if (e->answered) {
		try_deliver(core, e);
		return;
	}
	if (!is_request_kind(e->kind)) {
		answer_error(core, e, ONSHI_EINVAL, "not a request document",
			     NULL);
		return;
	}
	rc = onshi_msg_parse(e->kind, e->body, e->body_len, NULL, &req, why,
			     sizeof(why));
	if (rc != ONSHI_OK) {
		answer_error(core, e, rc, why, &req);
		onshi_msg_clear(&req);
		return;
	}
	/* Well-formed: it waits for the national link (next step). */
	onshi_msg_clear(&req);
}

int onshi_inquiry_submit(struct onshi_instance *inst, const char *request_id,
			 int kind, const void *body, size_t len, char *msg,
			 size_t msglen)
{
	struct onshi_core *core = inst->module->core;
	struct onshi_spool_entry *e;
	int rc;

	if (!core->spool) {
		snprintf(msg, msglen, "the spool is not open");
		return ONSHI_EUNAVAIL;
	}
	rc = onshi_spool_accept(core->spool, inst->module->name, request_id,
				kind, body, len, &e, msg, msglen);
	if (rc != ONSHI_OK)
		return rc;
	process(core, e);
	return ONSHI_OK;
}

void onshi_inquiry_module_started(struct onshi_core *core,
				  struct onshi_module *mod)
{
	struct onshi_spool_entry *e, *next;

	if (!core->spool)
		return;
	for (e = onshi_spool_first(core->spool); e; e = next) {
		next = e->next; /* try_deliver may free e */
		if (strcmp(e->module, mod->name) == 0 && e->answered)
			try_deliver(core, e);
	}
}

int onshi_inquiry_open(struct onshi_core *core, char *msg, size_t msglen)
{
	struct onshi_spool_entry *e, *next;
	int rc;

	onshi_xmlmsg_init();
	rc = onshi_spool_open(core->settings.spool_dir, &core->spool, msg,
			      msglen);
	if (rc != ONSHI_OK)
		return rc;
	onshi_logf(&core->log, ONSHI_LOG_INFO, "%s", msg);
	for (e = onshi_spool_first(core->spool); e; e = next) {
		next = e->next;
		if (!e->answered)
			process(core, e);
	}
	return ONSHI_OK;
}

void onshi_inquiry_close(struct onshi_core *core)
{
	onshi_spool_close(core->spool);
	core->spool = NULL;
}

size_t onshi_inquiry_depth(struct onshi_core *core, size_t *unanswered)
{
	if (!core->spool) {
		if (unanswered)
			*unanswered = 0;
		return 0;
	}
	return onshi_spool_count(core->spool, unanswered);
}
