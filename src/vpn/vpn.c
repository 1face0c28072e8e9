/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vpn.c — the tunnel watcher (vpn.h): one VICI connection to charon,
 * events for the named connection's ups, downs and rekeys, a list of its
 * SAs after each event and every poll_s, and on-demand initiation with a
 * growing pause.
 *
 * What "up" means: an IKE SA of the connection in state ESTABLISHED with
 * a CHILD_SA of the configured child in state INSTALLED — the child is
 * what carries packets; an IKE SA alone carries none. Only a change
 * between up and not up is logged: a tunnel down for an hour is one line,
 * whatever the polls and retries in between.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf_schema.h"
#include "msg.h"
#include "vici_conn.h"
#include "vpn.h"
#include "vpn_internal.h"

/* ---- the state and its one-line log ---- */

/* The tunnel came up (from anything else): one line, and what waited. */
static void went_up(struct onshi_vpn *v)
{
	time_t now = time(NULL);
	const char *peer = v->fig.remote_host[0] ? v->fig.remote_host : "?";

	v->why[0] = '\0';
	if (v->state == ONSHI_VPN_UP)
		return;
	if (v->state == ONSHI_VPN_UNKNOWN)
		onshi_logf(v->log, ONSHI_LOG_NOTICE,
			   "VPN to the national network is up (connection '%s', peer %s)",
			   v->connection, peer);
	else
		onshi_logf(v->log, ONSHI_LOG_NOTICE,
			   "VPN to the national network is up again after %lld s (connection '%s', peer %s)",
			   (long long)(now - v->since), v->connection, peer);
	v->since = now;
	v->state = ONSHI_VPN_UP;
	v->attempts = 0;
	v->armed = 0;
	if (v->retry_timer) {
		onshi_loop_timer_stop(v->loop, v->retry_timer);
		v->retry_timer = NULL;
	}
	if (v->on_change)
		v->on_change(v->on_change_arg, 1);
}

/* Not up (down, connecting, or charon away), and why: one line when it
 * was up or not known before. */
static void not_up(struct onshi_vpn *v, enum onshi_vpn_state s, const char *fmt,
		   ...) ONSHI_PRINTF(3, 4);

static void not_up(struct onshi_vpn *v, enum onshi_vpn_state s, const char *fmt, ...)
{
	int was_up = v->state == ONSHI_VPN_UP;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(v->why, sizeof(v->why), fmt, ap);
	va_end(ap);
	if (was_up || v->state == ONSHI_VPN_UNKNOWN) {
		onshi_logf(v->log, ONSHI_LOG_WARNING,
			   "VPN to the national network is down: %s", v->why);
		v->since = time(NULL);
	}
	v->state = s;
	if (was_up && v->on_change)
		v->on_change(v->on_change_arg, 0);
}

/* ---- reading charon: list-sas and what its list-sa events say ---- */

static unsigned long long number(const struct onshi_vici_node *sec, const char *key)
{
	const char *s = onshi_vici_value(sec, key);
	char *end;
	unsigned long long n;

	if (!s)
		return 0;
	errno = 0;
	n = strtoull(s, &end, 10);
	return errno || end == s || *end ? 0 : n;
}

static struct onshi_vpn_counts counts_of(const struct onshi_vici_node *child_sa)
{
	struct onshi_vpn_counts c = {
		.bytes_in = number(child_sa, "bytes-in"),
		.bytes_out = number(child_sa, "bytes-out"),
		.packets_in = number(child_sa, "packets-in"),
		.packets_out = number(child_sa, "packets-out"),
	};

	return c;
}

static struct onshi_vpn_counts counts_sum(struct onshi_vpn_counts a,
					  struct onshi_vpn_counts b)
{
	a.bytes_in += b.bytes_in;
	a.bytes_out += b.bytes_out;
	a.packets_in += b.packets_in;
	a.packets_out += b.packets_out;
	return a;
}

/* Whether a CHILD_SA charon listed under listed_as is of the configured
 * child: listed as "<name>-<uniqueid>" with a `name` key, or by name in
 * older charons. */
static int is_child(const struct onshi_vici_node *sa, const char *listed_as,
		    const char *child)
{
	const char *name = onshi_vici_value(sa, "name");

	return sa && sa->kind == ONSHI_VICI_SECTION && listed_as &&
	       strcmp(name ? name : listed_as, child) == 0;
}

/* The configured child among an IKE SA's child-sas. */
static const struct onshi_vici_node *child_of(const struct onshi_vici_node *ike,
					      const char *child)
{
	const struct onshi_vici_node *sas = onshi_vici_member(ike, "child-sas");
	const struct onshi_vici_node *best = NULL;

	if (!sas || sas->kind != ONSHI_VICI_SECTION)
		return NULL;
	for (const struct onshi_vici_node *c = sas->child; c; c = c->next) {
		const char *st = onshi_vici_value(c, "state");

		if (!is_child(c, c->name, child))
			continue;
		/* During a rekey the old and the new child are both listed:
		 * the installed one counts. */
		if (!best || (st && strcmp(st, "INSTALLED") == 0))
			best = c;
	}
	return best;
}

void vpn_look_take(struct vpn_look *l, const char *connection,
		   const char *child, const struct onshi_vici_node *root)
{
	const struct onshi_vici_node *ike = onshi_vici_member(root, connection);
	const struct onshi_vici_node *sa;
	const char *st, *peer;
	time_t now = time(NULL);

	if (!ike || ike->kind != ONSHI_VICI_SECTION)
		return;
	if (l->found && strcmp(l->ike_state, "ESTABLISHED") == 0)
		return;
	st = onshi_vici_value(ike, "state");
	peer = onshi_vici_value(ike, "remote-host");
	memset(l, 0, sizeof(*l));
	l->found = 1;
	snprintf(l->ike_state, sizeof(l->ike_state), "%s", st ? st : "?");
	snprintf(l->remote_host, sizeof(l->remote_host), "%s", peer ? peer : "");
	if (onshi_vici_value(ike, "established"))
		l->established_at = now - (time_t)number(ike, "established");
	sa = child_of(ike, child);
	if (!sa)
		return;
	st = onshi_vici_value(sa, "state");
	snprintf(l->child_state, sizeof(l->child_state), "%s", st ? st : "?");
	l->counts = counts_of(sa);
	if (onshi_vici_value(sa, "install-time"))
		l->installed_at = now - (time_t)number(sa, "install-time");
}

int vpn_look_up(const struct vpn_look *l)
{
	return l->found && strcmp(l->ike_state, "ESTABLISHED") == 0 &&
	       strcmp(l->child_state, "INSTALLED") == 0;
}

/* The listing ended: what it found is the tunnel's state now. */
static void apply_look(struct onshi_vpn *v)
{
	struct vpn_look *l = &v->look;
	struct onshi_vpn_figures *f = &v->fig;
	char last[VPN_WHY_LEN] = "";

	if (v->last_error[0])
		snprintf(last, sizeof(last), "; last attempt: %s", v->last_error);
	snprintf(f->ike_state, sizeof(f->ike_state), "%s", l->ike_state);
	snprintf(f->child_state, sizeof(f->child_state), "%s", l->child_state);
	f->counts = counts_sum(v->past, l->counts);
	if (l->found) {
		snprintf(f->remote_host, sizeof(f->remote_host), "%s", l->remote_host);
		f->established_at = l->established_at;
		/* A child installed well after its IKE SA was established
		 * replaced an earlier one: a rekey (events may be missed
		 * while onshid was not connected). */
		if (l->installed_at > l->established_at + 1 &&
		    l->installed_at > f->last_rekey)
			f->last_rekey = l->installed_at;
	}
	if (vpn_look_up(l))
		went_up(v);
	else if (!l->found)
		not_up(v, ONSHI_VPN_DOWN, "connection '%s' has no IKE SA%s",
		       v->connection, last);
	else if (strcmp(l->ike_state, "ESTABLISHED") != 0)
		not_up(v, ONSHI_VPN_CONNECTING, "connection '%s': IKE SA %s%s",
		       v->connection, l->ike_state, last);
	else
		not_up(v, l->child_state[0] ? ONSHI_VPN_CONNECTING : ONSHI_VPN_DOWN,
		       "connection '%s': IKE SA established, CHILD_SA '%s' %s%s",
		       v->connection, v->child,
		       l->child_state[0] ? l->child_state : "missing", last);
}

static void look(struct onshi_vpn *v);

static void on_listed(void *arg, const struct onshi_vici_packet *p, const char *why)
{
	struct onshi_vpn *v = arg;

	v->listing = 0;
	if (!p)
		return; /* the connection ended: vpn_conn_closed() said it */
	if (p->type != ONSHI_VICI_CMD_RESPONSE) {
		not_up(v, ONSHI_VPN_DOWN, "charon does not know the command list-sas");
		return;
	}
	(void)why;
	apply_look(v);
	if (v->look_again) {
		v->look_again = 0;
		look(v);
	}
}

/* List the connection's SAs; an event during a listing asks for one more. */
static void look(struct onshi_vpn *v)
{
	struct onshi_vici_builder b = { 0 };

	if (!v->conn)
		return;
	if (v->listing) {
		v->look_again = 1;
		return;
	}
	memset(&v->look, 0, sizeof(v->look));
	onshi_vici_begin(&b, ONSHI_VICI_CMD_REQUEST, "list-sas");
	onshi_vici_add_kv(&b, "ike", v->connection);
	if (onshi_vici_end(&b, NULL, 0) == 0 &&
	    onshi_vici_conn_send(v->conn, &b, VPN_ANSWER_MS, on_listed, v) == ONSHI_OK)
		v->listing = 1;
	onshi_vici_builder_free(&b);
}

/*
 * charon counts per CHILD_SA, and a rekey or a new tunnel starts from
 * zero: what a CHILD_SA carried is added to `past` when it is replaced
 * (child-rekey: its `old` half) or goes down (child-updown without up),
 * so the figures are the tunnel's since onshid started.
 */
static void count_ended_child(struct onshi_vpn *v, const struct onshi_vici_packet *p)
{
	const struct onshi_vici_node *ike = onshi_vici_member(p->root, v->connection);
	const struct onshi_vici_node *sas = onshi_vici_member(ike, "child-sas");
	const char *up = onshi_vici_value(p->root, "up");
	int rekey = strcmp(p->name, "child-rekey") == 0;

	if (!sas || sas->kind != ONSHI_VICI_SECTION ||
	    (!rekey && strcmp(p->name, "child-updown") != 0) ||
	    (!rekey && up && strcmp(up, "yes") == 0))
		return;
	for (const struct onshi_vici_node *c = sas->child; c; c = c->next) {
		const struct onshi_vici_node *sa = rekey ? onshi_vici_member(c, "old")
							 : c;

		if (is_child(sa, c->name, v->child))
			v->past = counts_sum(v->past, counts_of(sa));
	}
}

/* ---- the connection to charon ---- */

static void on_event(void *arg, const struct onshi_vici_packet *p)
{
	struct onshi_vpn *v = arg;

	if (strcmp(p->name, "list-sa") == 0) {
		if (v->listing)
			vpn_look_take(&v->look, v->connection, v->child, p->root);
		return;
	}
	/* ike-updown, child-updown, ike-rekey, child-rekey: only ours. */
	if (!onshi_vici_member(p->root, v->connection))
		return;
	if (strstr(p->name, "rekey"))
		v->fig.last_rekey = time(NULL);
	count_ended_child(v, p);
	look(v);
}

static void on_registered(void *arg, const struct onshi_vici_packet *p,
			  const char *why)
{
	struct onshi_vpn *v = arg;

	(void)why;
	/* Once per connection, not once per event name. */
	if (p && p->type != ONSHI_VICI_EVENT_CONFIRM && !v->events_refused++)
		onshi_logf(v->log, ONSHI_LOG_WARNING,
			   "vpn: charon refused an event registration: the tunnel is seen only every %ld s",
			   v->poll_s);
}

static void vpn_conn_closed(void *arg, const char *why)
{
	struct onshi_vpn *v = arg;

	onshi_vici_conn_close(v->conn);
	v->conn = NULL;
	v->listing = 0;
	v->look_again = 0;
	v->initiating = 0;
	not_up(v, ONSHI_VPN_DOWN, "charon is not reachable: %s", why);
}

static void try_connect(struct onshi_vpn *v)
{
	static const char *const events[] = { "ike-updown", "child-updown",
					      "ike-rekey", "child-rekey",
					      "list-sa" };
	char why[VPN_WHY_LEN / 2];

	if (v->conn)
		return;
	v->events_refused = 0;
	if (onshi_vici_conn_open(v->loop, v->socket, on_event, vpn_conn_closed,
				 v, &v->conn, why, sizeof(why)) != ONSHI_OK) {
		v->conn = NULL;
		not_up(v, ONSHI_VPN_DOWN, "charon is not reachable: %s", why);
		return;
	}
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]) && v->conn; i++) {
		struct onshi_vici_builder b = { 0 };

		onshi_vici_begin(&b, ONSHI_VICI_EVENT_REGISTER, events[i]);
		if (onshi_vici_end(&b, NULL, 0) == 0)
			(void)onshi_vici_conn_send(v->conn, &b, VPN_ANSWER_MS,
						   on_registered, v);
		onshi_vici_builder_free(&b);
	}
	look(v);
}

/* Every poll_s: reconnect if needed, and look (the byte counts change
 * without events). */
static void on_poll(void *arg)
{
	struct onshi_vpn *v = arg;

	if (!v->conn)
		try_connect(v);
	else
		look(v);
}

/* ---- initiation ---- */

static void initiate(struct onshi_vpn *v);
static void plan_retry(struct onshi_vpn *v);

/*
 * Ask charon for the tunnel, unless it is already negotiating one (its
 * own retries, keyingtries, or a trap): charon then queues a second
 * CHILD_SA request on the IKE SA it is setting up, which helps nothing
 * (with the lab's gateway gone for 15 s: 4 initiations before, 1 now).
 * Looked at again after the pause.
 */
static void bring_up(struct onshi_vpn *v)
{
	if (v->state == ONSHI_VPN_CONNECTING) {
		if (!v->retry_timer)
			plan_retry(v);
		return;
	}
	initiate(v);
}

static void on_retry(void *arg)
{
	struct onshi_vpn *v = arg;

	v->retry_timer = NULL;
	if (v->armed && v->state != ONSHI_VPN_UP)
		bring_up(v);
}

/* The next attempt after 2, 4, 8 ... s, at most retry_max_s. */
static void plan_retry(struct onshi_vpn *v)
{
	long s = 1L << (v->attempts < 16 ? v->attempts : 16);

	if (s > v->retry_max_s)
		s = v->retry_max_s;
	if (v->retry_timer)
		onshi_loop_timer_stop(v->loop, v->retry_timer);
	v->retry_timer = onshi_loop_timer(v->loop, v, (uint64_t)s * 1000u, 0,
					  on_retry, v);
	v->retry_at = time(NULL) + s;
}

static void on_initiated(void *arg, const struct onshi_vici_packet *p, const char *why)
{
	struct onshi_vpn *v = arg;
	const char *ok, *err;

	v->initiating = 0;
	if (!p) {
		snprintf(v->last_error, sizeof(v->last_error), "%s", why);
	} else if (p->type != ONSHI_VICI_CMD_RESPONSE) {
		snprintf(v->last_error, sizeof(v->last_error),
			 "charon does not know the command initiate");
	} else {
		ok = onshi_vici_value(p->root, "success");
		err = onshi_vici_value(p->root, "errmsg");
		if (ok && strcmp(ok, "yes") == 0)
			v->last_error[0] = '\0';
		else
			snprintf(v->last_error, sizeof(v->last_error), "%s",
				 err ? err : "charon gave no reason");
	}
	if (v->last_error[0])
		onshi_logf(v->log, ONSHI_LOG_INFO,
			   "vpn: bringing up '%s' failed (attempt %u): %s",
			   v->child, v->attempts, v->last_error);
	look(v);
	if (v->armed && (v->last_error[0] || v->state != ONSHI_VPN_UP))
		plan_retry(v);
}

void vpn_initiate_request(struct onshi_vici_builder *b, const char *connection,
			  const char *child, long ms)
{
	char tmo[24];

	snprintf(tmo, sizeof(tmo), "%ld", ms);
	onshi_vici_begin(b, ONSHI_VICI_CMD_REQUEST, "initiate");
	onshi_vici_add_kv(b, "child", child);
	onshi_vici_add_kv(b, "ike", connection);
	/* Return when the SA is up or failed, at most ms later. */
	onshi_vici_add_kv(b, "timeout", tmo);
	/* A half-open limit must not stop the one tunnel onshid needs. */
	onshi_vici_add_kv(b, "init-limits", "no");
}

static void initiate(struct onshi_vpn *v)
{
	struct onshi_vici_builder b = { 0 };

	if (!v->initiate || v->initiating || v->retry_timer)
		return;
	if (!v->conn)
		try_connect(v);
	if (!v->conn) {
		plan_retry(v); /* charon itself is away: ask again later */
		return;
	}
	vpn_initiate_request(&b, v->connection, v->child, v->initiate_ms);
	if (onshi_vici_end(&b, NULL, 0) == 0 &&
	    onshi_vici_conn_send(v->conn, &b, (unsigned)v->initiate_ms + VPN_ANSWER_MS,
				 on_initiated, v) == ONSHI_OK) {
		v->initiating = 1;
		v->attempts++;
		v->fig.initiations++;
		onshi_logf(v->log, ONSHI_LOG_INFO,
			   "vpn: asking charon to bring up '%s' (attempt %u)",
			   v->child, v->attempts);
	}
	onshi_vici_builder_free(&b);
}

void onshi_vpn_unreachable(void *arg, char *why, size_t size)
{
	struct onshi_vpn *v = arg;
	char *orig;

	if (!v || v->state == ONSHI_VPN_UP)
		return;
	orig = strdup(why);
	if (orig) {
		snprintf(why, size, "VPN to the national network is %s: %s (%s)",
			 v->state == ONSHI_VPN_CONNECTING ? "not up yet" : "down",
			 v->why[0] ? v->why : "state not known yet", orig);
		free(orig);
	}
	v->armed = 1;
	bring_up(v);
}

void onshi_vpn_demand(void *arg)
{
	struct onshi_vpn *v = arg;

	if (!v || v->state != ONSHI_VPN_DOWN || !v->conn)
		return;
	v->armed = 1;
	initiate(v);
}

/* ---- open and close ---- */

static void on_first_look(void *arg)
{
	struct onshi_vpn *v = arg;

	v->first_timer = NULL;
	try_connect(v);
}

static int setting(const struct onshi_conf_section *sec, const char *key,
		   long min, long max, long def, long *out)
{
	const char *s = onshi_conf_section_get(sec, key);

	*out = def;
	return !s || onshi_conf_parse_long(s, min, max, out) == 0;
}

int onshi_vpn_open(struct onshi_loop *loop, struct onshi_log *log,
		   const struct onshi_config *cfg, struct onshi_vpn **out,
		   char *msg, size_t msglen)
{
	const struct onshi_conf_section *sec = onshi_config_section(cfg, "vpn", NULL);
	const char *conn, *child, *init;
	char *sock;
	struct onshi_vpn *v;

	*out = NULL;
	if (!sec) {
		onshi_set_msg(msg, msglen,
			      "no [vpn] section: the network to the national service is not watched");
		return ONSHI_OK;
	}
	conn = onshi_conf_section_get(sec, "connection");
	child = onshi_conf_section_get(sec, "child");
	init = onshi_conf_section_get(sec, "initiate");
	v = calloc(1, sizeof(*v));
	if (!v) {
		onshi_set_msg(msg, msglen, "out of memory");
		return ONSHI_ENOMEM;
	}
	v->loop = loop;
	v->log = log;
	snprintf(v->connection, sizeof(v->connection), "%s", conn ? conn : "");
	snprintf(v->child, sizeof(v->child), "%s", child ? child : v->connection);
	/* Relative to the configuration's folder, like every path. */
	sock = onshi_conf_section_path(cfg, sec, "vici_socket");
	snprintf(v->socket, sizeof(v->socket), "%s",
		 sock ? sock : ONSHI_VPN_SOCKET_DEFAULT);
	free(sock);
	v->initiate = init ? onshi_conf_parse_bool(init) != 0 : 1;
	if (!setting(sec, "poll_s", 1, 3600, ONSHI_VPN_POLL_S_DEFAULT, &v->poll_s) ||
	    !setting(sec, "retry_max_s", 1, 3600, ONSHI_VPN_RETRY_MAX_S_DEFAULT,
		     &v->retry_max_s) ||
	    !setting(sec, "initiate_timeout_ms", 100, 600000,
		     ONSHI_VPN_INITIATE_MS_DEFAULT, &v->initiate_ms) ||
	    !v->connection[0]) {
		/* --check-config names the key; here only refuse. */
		onshi_set_msg(msg, msglen,
			      "[vpn] is not valid: run onshid --check-config");
		free(v);
		return ONSHI_EINVAL;
	}
	v->fig.next_try_s = -1;
	v->poll_timer = onshi_loop_timer(loop, v, (uint64_t)v->poll_s * 1000u,
					 1, on_poll, v);
	v->first_timer = onshi_loop_timer(loop, v, 0, 0, on_first_look, v);
	if (!v->poll_timer || !v->first_timer) {
		onshi_loop_forget_owner(loop, v);
		free(v);
		onshi_set_msg(msg, msglen, "out of memory");
		return ONSHI_ENOMEM;
	}
	onshi_set_msg(msg, msglen,
		      "vpn: watching connection '%s' (child '%s') through %s%s",
		      v->connection, v->child, v->socket,
		      v->initiate ? ", bringing it up on demand" : "");
	*out = v;
	return ONSHI_OK;
}

void onshi_vpn_close(struct onshi_vpn *v)
{
	if (!v)
		return;
	onshi_vici_conn_close(v->conn);
	onshi_loop_forget_owner(v->loop, v);
	free(v);
}

void onshi_vpn_on_change(struct onshi_vpn *v, void (*cb)(void *arg, int up), void *arg)
{
	if (!v)
		return;
	v->on_change = cb;
	v->on_change_arg = arg;
}

/* ---- what status and the report read ---- */

enum onshi_vpn_state onshi_vpn_state(const struct onshi_vpn *v, time_t *since,
				     const char **why)
{
	if (since)
		*since = v ? v->since : 0;
	if (why)
		*why = v ? v->why : "";
	return v ? v->state : ONSHI_VPN_UNKNOWN;
}

const char *onshi_vpn_state_word(enum onshi_vpn_state s)
{
	switch (s) {
	case ONSHI_VPN_UP: return "up";
	case ONSHI_VPN_CONNECTING: return "connecting";
	case ONSHI_VPN_DOWN: return "down";
	case ONSHI_VPN_UNKNOWN: break;
	}
	return "unknown";
}

const char *onshi_vpn_connection(const struct onshi_vpn *v)
{
	return v ? v->connection : "";
}

const char *onshi_vpn_child(const struct onshi_vpn *v)
{
	return v ? v->child : "";
}

const char *onshi_vpn_socket(const struct onshi_vpn *v)
{
	return v ? v->socket : "";
}

void onshi_vpn_figures(const struct onshi_vpn *v, struct onshi_vpn_figures *f)
{
	memset(f, 0, sizeof(*f));
	f->next_try_s = -1;
	if (!v)
		return;
	*f = v->fig;
	f->initiating = v->initiating;
	f->next_try_s = v->retry_timer ? (long)(v->retry_at - time(NULL)) : -1;
	if (f->next_try_s < -1)
		f->next_try_s = 0;
}
