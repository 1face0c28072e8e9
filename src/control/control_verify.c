/* SPDX-License-Identifier: Apache-2.0 */
/*
 * control_verify.c — VERIFY: one insurance-card inquiry from the command
 * line (`onshictl verify --insurer .. --symbol .. --number .. --branch ..
 * --birth YYYYMMDD [--institution NAME]`), straight to the national link.
 *
 * Interactive, so not spooled: if the national service cannot answer within
 * the link's deadline the operator gets the reason and may try again. The
 * reply is "1 <validity text>" and one key=value line with the record.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <onshi/message.h>

#include "control.h"
#include "core.h"
#include "national.h"

struct verify {
	struct onshi_core *core;
	struct onshi_control_client *client;
	uint64_t started_ms;
};

static const char *validity_text(enum onshi_validity v)
{
	switch (v) {
	case ONSHI_VALIDITY_VALID: return "valid";
	case ONSHI_VALIDITY_INVALID: return "invalid";
	case ONSHI_VALIDITY_SUPERSEDED:
		return "invalid (a newer qualification exists)";
	case ONSHI_VALIDITY_NOT_FOUND: return "no such qualification";
	case ONSHI_VALIDITY_AMBIGUOUS: return "several persons match";
	case ONSHI_VALIDITY_UNREGISTERED:
		return "valid (unregistered, public assistance only)";
	case ONSHI_VALIDITY_NONE: break;
	}
	return "no validity in the answer";
}

static void put_opt(struct onshi_strbuf *b, const char *key, const char *v)
{
	if (v && *v)
		onshi_control_put_kv(b, key, v);
}

static void on_answer(void *arg, enum onshi_national_outcome outcome,
		      long status, const char *body, size_t len, const char *why)
{
	struct verify *v = arg;
	struct onshi_strbuf reply = { 0 };
	struct onshi_msg res;
	char msg[512];
	long ms = (long)(onshi_loop_now_ms() - v->started_ms);

	memset(&res, 0, sizeof(res));
	if (onshi_control_national_failure(&reply, outcome, status, body, len, why)) {
		/* the reply says why */
	} else if (onshi_msg_parse(ONSHI_MSG_INQUIRY_RESULT, body, len, NULL,
				   &res, msg, sizeof(msg)) != ONSHI_OK) {
		onshi_strbuf_printf(&reply,
				    "-1 the national service answered with a malformed document: %s\n",
				    msg);
	} else {
		const struct onshi_inquiry_result *r = &res.u.inquiry_result;
		const struct onshi_qualification *q = r->n_results ? &r->results[0]
								   : NULL;

		onshi_strbuf_printf(&reply, "1 %s\n",
				    validity_text(r->qualification_validity));
		onshi_control_put_kv_long(&reply, "validity",
					  (long)r->qualification_validity);
		onshi_control_put_kv_long(&reply, "status",
					  (long)r->processing_result_status);
		put_opt(&reply, "code", r->processing_result_code);
		put_opt(&reply, "message", r->processing_result_message);
		onshi_control_put_kv_long(&reply, "records", (long)r->n_results);
		if (q) {
			put_opt(&reply, "name", q->name);
			put_opt(&reply, "kana", q->name_kana);
			put_opt(&reply, "birth", q->birthdate);
			put_opt(&reply, "sex", q->sex1);
			put_opt(&reply, "insurer", q->insurer_number);
			put_opt(&reply, "insurer_name", q->insurer_name);
			put_opt(&reply, "ratio",
				q->insured_partial_contribution_ratio);
			put_opt(&reply, "expires", q->insured_card_expiration_date);
			put_opt(&reply, "lost", q->disqualification_date);
		}
		onshi_control_put_kv_long(&reply, "ms", ms);
		onshi_strbuf_append(&reply, "\n", 1);
	}
	onshi_msg_clear(&res);
	onshi_control_answer(v->client, &reply);
	onshi_strbuf_free(&reply);
	free(v);
}

/* "key=value" words into the search info; NULL on success, else why. */
static const char *take_args(int argc, char **argv, struct onshi_msg *req,
			     const char **institution)
{
	struct onshi_search_info *si = &req->u.inquiry_request.search;
	static const char *const keys[] = { "insurer", "symbol", "number",
					    "branch",  "birth",  "institution" };
	char **fields[] = { &si->insurer_number,
			    &si->insured_card_symbol,
			    &si->insured_identification_number,
			    &si->insured_branch_number,
			    &si->birthdate,
			    NULL };

	for (int i = 1; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		size_t k;

		if (!eq)
			return "arguments are key=value";
		*eq = '\0';
		for (k = 0; k < 6; k++)
			if (strcmp(argv[i], keys[k]) == 0)
				break;
		if (k == 6)
			return "unknown key (insurer, symbol, number, branch, birth, institution)";
		if (k == 5)
			*institution = eq + 1;
		else if (onshi_msg_set(fields[k], eq + 1) != ONSHI_OK)
			return "out of memory";
	}
	if (!si->insurer_number || !si->insured_card_symbol ||
	    !si->insured_identification_number || !si->insured_branch_number ||
	    !si->birthdate)
		return "needs insurer, symbol, number, branch and birth";
	return NULL;
}

static void cmd_verify(struct onshi_core *core, struct onshi_control_client *client,
		       int argc, char **argv, struct onshi_strbuf *reply)
{
	struct onshi_req_header *h;
	const char *institution = NULL, *why, *code;
	struct onshi_msg req;
	struct verify *v;
	char date[9], msg[512], *xml = NULL;
	size_t len;
	time_t now = time(NULL);
	struct tm tm;

	if (!core->national) {
		onshi_strbuf_printf(reply, "-1 %s\n",
				    onshi_national_state(core->national));
		return;
	}
	onshi_msg_init(&req, ONSHI_MSG_INQUIRY_REQUEST);
	why = take_args(argc, argv, &req, &institution);
	if (why) {
		onshi_strbuf_printf(reply, "-1 %s\n", why);
		onshi_msg_clear(&req);
		return;
	}
	code = onshi_control_institution_code(core, institution, msg, sizeof(msg));
	if (!code) {
		onshi_strbuf_printf(reply, "-1 %s\n", msg);
		onshi_msg_clear(&req);
		return;
	}
	localtime_r(&now, &tm);
	strftime(date, sizeof(date), "%Y%m%d", &tm);
	h = &req.u.inquiry_request.hdr;
	req.u.inquiry_request.has_search = true;
	h->reference_classification = ONSHI_REFCLASS_CARDINFO;
	if (onshi_msg_set(&h->qualification_confirmation_date, date) ||
	    onshi_msg_set(&h->medical_institution_code, code) ||
	    onshi_msg_set(&h->arbitrary_file_identifier, "onshictl-verify")) {
		onshi_strbuf_printf(reply, "-1 out of memory\n");
		onshi_msg_clear(&req);
		return;
	}
	/* The writer checks every value (insurer digits, date, lengths). */
	if (onshi_msg_write(&req, ONSHI_CHARSET_UTF8, &xml, &len, NULL, msg,
			    sizeof(msg)) != ONSHI_OK) {
		onshi_strbuf_printf(reply, "-1 %s\n", msg);
		onshi_msg_clear(&req);
		return;
	}
	onshi_msg_clear(&req);
	v = calloc(1, sizeof(*v));
	if (!v) {
		free(xml);
		onshi_strbuf_printf(reply, "-1 out of memory\n");
		return;
	}
	v->core = core;
	v->client = onshi_control_hold(client);
	v->started_ms = onshi_loop_now_ms();
	if (!onshi_national_post(core->national, code, "/qualification", xml,
				 len, NULL, on_answer, v)) {
		struct onshi_strbuf err = { 0 };

		onshi_strbuf_printf(&err, "-1 cannot start the national call\n");
		onshi_control_answer(client, &err);
		onshi_strbuf_free(&err);
		free(v);
	}
	free(xml);
}

/* Added by core.c to the control socket's commands (control_dispatch.h). */
const struct onshi_control_command onshi_control_verify_cmds[] = {
	{ "VERIFY", 5, 6,
	  "VERIFY insurer=N symbol=S number=N branch=NN birth=YYYYMMDD [institution=NAME]",
	  cmd_verify },
	{ NULL, 0, 0, NULL, NULL },
};
