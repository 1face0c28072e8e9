/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vpn_check.c — SELFTEST's live look at the tunnel (vpn.h
 * onshi_vpn_check_start): on a VICI connection of its own, so that the
 * watcher's state neither helps nor hides anything, ask charon now
 *
 *   1. is the connection loaded, with the configured child?  (list-conns)
 *   2. is it up?                                            (list-sas)
 *
 * and, when it is down and [vpn] initiate = yes, bring it up the way a
 * national call would (initiate) and look once more: a selftest on an
 * idle on-demand link then proves the whole path instead of failing.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vici_conn.h"
#include "vpn.h"
#include "vpn_internal.h"

enum step {
	STEP_CONNS,
	STEP_SAS,
	STEP_INITIATE,
	STEP_SAS_AGAIN
};

struct onshi_vpn_check {
	struct onshi_loop *loop;
	/* What it asks about, copied at the start: the check never reads
	 * the watcher afterwards (a stop may free it first). */
	char connection[256], child[256];
	int initiate;
	long initiate_ms;
	struct onshi_vici_conn *conn;
	onshi_vpn_check_cb cb;
	void *arg;
	enum step step;
	int loaded, has_child;
	char children[200];   /* the connection's children, for the advice */
	struct vpn_look look; /* read as the watcher reads it (vpn.c) */
	int brought_up;
	char initiate_error[VPN_WHY_LEN / 2];
	/* the verdict, told from the loop */
	int level;
	char detail[VPN_WHY_LEN], advice[VPN_WHY_LEN];
	int done;
};

static void check_free(struct onshi_vpn_check *c)
{
	onshi_vici_conn_close(c->conn);
	onshi_loop_forget_owner(c->loop, c);
	free(c);
}

static void on_tell(void *arg)
{
	struct onshi_vpn_check *c = arg;

	c->cb(c->arg, c->level, c->detail, c->advice);
	check_free(c);
}

/* The verdict is told from a timer: never inside the start call or a
 * VICI callback, where the caller might not expect it. */
static void verdict(struct onshi_vpn_check *c, int level, const char *advice,
		    const char *fmt, ...) ONSHI_PRINTF(4, 5);

static void verdict(struct onshi_vpn_check *c, int level, const char *advice,
		    const char *fmt, ...)
{
	va_list ap;

	if (c->done)
		return;
	c->done = 1;
	c->level = level;
	va_start(ap, fmt);
	vsnprintf(c->detail, sizeof(c->detail), fmt, ap);
	va_end(ap);
	snprintf(c->advice, sizeof(c->advice), "%s", advice ? advice : "");
	if (!onshi_loop_timer(c->loop, c, 0, 0, on_tell, c))
		c->done = 0; /* out of memory: the selftest's own bound ends it */
}

static void send_cmd(struct onshi_vpn_check *c, const char *cmd, int noblock,
		     unsigned ms, onshi_vici_answer_cb cb);

static void on_event(void *arg, const struct onshi_vici_packet *p)
{
	struct onshi_vpn_check *c = arg;
	const char *name = c->connection;
	const struct onshi_vici_node *sec = onshi_vici_member(p->root, name);

	if (!sec || sec->kind != ONSHI_VICI_SECTION)
		return;
	if (strcmp(p->name, "list-conn") == 0) {
		const struct onshi_vici_node *ch = onshi_vici_member(sec, "children");

		c->loaded = 1;
		for (ch = ch ? ch->child : NULL; ch; ch = ch->next) {
			size_t n = strlen(c->children);

			if (!ch->name)
				continue;
			if (strcmp(ch->name, c->child) == 0)
				c->has_child = 1;
			snprintf(c->children + n, sizeof(c->children) - n,
				 "%s%s", n ? ", " : "", ch->name);
		}
	} else if (strcmp(p->name, "list-sa") == 0) {
		vpn_look_take(&c->look, c->connection, c->child, p->root);
	}
}

static void on_closed(void *arg, const char *why)
{
	struct onshi_vpn_check *c = arg;

	verdict(c, 2, "start strongSwan's charon with the vici plugin, or set [vpn] vici_socket to its socket; onshid's user must be in the socket's group (docs/vpn.md)",
		"charon is not reachable: %s", why);
}

static void judge_sas(struct onshi_vpn_check *c)
{
	const struct vpn_look *l = &c->look;
	const char *conn = c->connection;

	if (vpn_look_up(l)) {
		verdict(c, 0, NULL,
			"connection '%s' is up: child '%s' installed, peer %s, IKE SA established %ld s ago%s",
			conn, c->child, l->remote_host[0] ? l->remote_host : "?",
			l->established_at ? (long)(time(NULL) - l->established_at) : 0L,
			c->brought_up ? " (brought up by this selftest)" : "");
		return;
	}
	verdict(c, 2, "look at charon's log; `swanctl --initiate --child <child>` shows why it fails (docs/vpn.md)",
		"connection '%s' is loaded but not up: %s%s%s%s%s", conn,
		l->found ? "IKE SA " : "no IKE SA", l->ike_state,
		l->found && !l->child_state[0] ? ", no CHILD_SA" : "",
		c->initiate_error[0] ? "; bringing it up failed: " : "",
		c->initiate_error);
}

static void on_answer(void *arg, const struct onshi_vici_packet *p, const char *why)
{
	struct onshi_vpn_check *c = arg;
	const char *conn = c->connection;

	if (!p) {
		on_closed(c, why);
		return;
	}
	if (p->type == ONSHI_VICI_EVENT_CONFIRM)
		return; /* a registration: its command follows */
	if (p->type != ONSHI_VICI_CMD_RESPONSE) {
		verdict(c, 2, "use strongSwan 5.3 or later",
			"charon refused a VICI command or event this check needs");
		return;
	}
	switch (c->step) {
	case STEP_CONNS:
		if (!c->loaded) {
			verdict(c, 2, "load it: swanctl --load-all (etc/strongswan/onshi-national.conf.example shows one), or set [vpn] connection to the name charon knows",
				"connection '%s' is not loaded in charon", conn);
			return;
		}
		if (!c->has_child) {
			verdict(c, 2, "set [vpn] child to one of the connection's children",
				"connection '%s' has no child '%s' (it has: %s)",
				conn, c->child,
				c->children[0] ? c->children : "none");
			return;
		}
		c->step = STEP_SAS;
		send_cmd(c, "list-sas", 1, VPN_ANSWER_MS, on_answer);
		return;
	case STEP_SAS:
		/* Not while charon is negotiating one already: it would only
		 * queue another CHILD_SA request on that IKE SA. */
		if (vpn_look_up(&c->look) || !c->initiate ||
		    (c->look.found && strcmp(c->look.ike_state, "ESTABLISHED") != 0)) {
			judge_sas(c);
			return;
		}
		c->step = STEP_INITIATE;
		send_cmd(c, "initiate", 0,
			 (unsigned)c->initiate_ms + VPN_ANSWER_MS, on_answer);
		return;
	case STEP_INITIATE: {
		const char *ok = onshi_vici_value(p->root, "success");
		const char *err = onshi_vici_value(p->root, "errmsg");

		if (ok && strcmp(ok, "yes") == 0)
			c->brought_up = 1;
		else
			snprintf(c->initiate_error, sizeof(c->initiate_error),
				 "%s", err ? err : "charon gave no reason");
		memset(&c->look, 0, sizeof(c->look));
		c->step = STEP_SAS_AGAIN;
		send_cmd(c, "list-sas", 1, VPN_ANSWER_MS, on_answer);
		return;
	}
	case STEP_SAS_AGAIN: judge_sas(c); return;
	}
}

/* One command (with its event registration first for the listings). */
static void send_cmd(struct onshi_vpn_check *c, const char *cmd, int noblock,
		     unsigned ms, onshi_vici_answer_cb cb)
{
	struct onshi_vici_builder b = { 0 };
	const char *event = strcmp(cmd, "list-conns") == 0 ? "list-conn"
			    : strcmp(cmd, "list-sas") == 0 ? "list-sa"
							   : NULL;
	int rc = ONSHI_OK;

	if (event && !(c->step == STEP_SAS_AGAIN)) {
		onshi_vici_begin(&b, ONSHI_VICI_EVENT_REGISTER, event);
		if (onshi_vici_end(&b, NULL, 0) == 0)
			rc = onshi_vici_conn_send(c->conn, &b, VPN_ANSWER_MS, cb, c);
		onshi_vici_builder_free(&b);
	}
	if (strcmp(cmd, "initiate") == 0) {
		vpn_initiate_request(&b, c->connection, c->child, c->initiate_ms);
	} else {
		onshi_vici_begin(&b, ONSHI_VICI_CMD_REQUEST, cmd);
		onshi_vici_add_kv(&b, "ike", c->connection);
		if (noblock)
			onshi_vici_add_kv(&b, "noblock", "yes");
	}
	/* A failed registration's error stands; a refused build is memory. */
	if (rc == ONSHI_OK)
		rc = onshi_vici_end(&b, NULL, 0) == 0
			     ? onshi_vici_conn_send(c->conn, &b, ms, cb, c)
			     : ONSHI_ENOMEM;
	onshi_vici_builder_free(&b);
	if (rc != ONSHI_OK)
		verdict(c, 2, NULL, "cannot ask charon: %s", onshi_strerror(rc));
}

struct onshi_vpn_check *onshi_vpn_check_start(struct onshi_loop *loop,
					      const struct onshi_vpn *v,
					      onshi_vpn_check_cb cb, void *arg)
{
	struct onshi_vpn_check *c = calloc(1, sizeof(*c));
	char why[VPN_WHY_LEN / 2];

	if (!c)
		return NULL;
	c->loop = loop;
	snprintf(c->connection, sizeof(c->connection), "%s",
		 onshi_vpn_connection(v));
	snprintf(c->child, sizeof(c->child), "%s", onshi_vpn_child(v));
	c->initiate = v->initiate;
	c->initiate_ms = v->initiate_ms;
	c->cb = cb;
	c->arg = arg;
	if (onshi_vici_conn_open(loop, onshi_vpn_socket(v), on_event, on_closed,
				 c, &c->conn, why, sizeof(why)) != ONSHI_OK) {
		c->conn = NULL;
		on_closed(c, why);
		return c;
	}
	c->step = STEP_CONNS;
	send_cmd(c, "list-conns", 0, VPN_ANSWER_MS, on_answer);
	return c;
}

void onshi_vpn_check_cancel(struct onshi_vpn_check *c)
{
	if (c)
		check_free(c);
}
