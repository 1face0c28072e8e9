/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vici_conn.h — one connection to charon's VICI socket on the daemon's
 * loop: requests go out one at a time (the protocol has no sequence
 * numbers, so only one command may be in flight on a connection), their
 * answers come back to the caller's callback in order, and events arrive
 * whenever charon raises them (even in the middle of a command: list-sas
 * streams its results as list-sa events before its response).
 *
 * Nothing blocks the loop: the socket is non-blocking, and a command whose
 * answer does not come within its time closes the connection, failing it
 * and everything queued behind it. After close no callback runs.
 */
#ifndef ONSHI_VPN_VICI_CONN_H
#define ONSHI_VPN_VICI_CONN_H

#include <stddef.h>

#include "loop.h"
#include "vici_wire.h"

struct onshi_vici_conn;

/* A command's answer: the packet (CMD_RESPONSE, CMD_UNKNOWN,
 * EVENT_CONFIRM or EVENT_UNKNOWN), or NULL and why it failed. */
typedef void (*onshi_vici_answer_cb)(void *arg, const struct onshi_vici_packet *answer,
				     const char *why);
/* An EVENT packet. */
typedef void (*onshi_vici_event_cb)(void *arg, const struct onshi_vici_packet *event);
/* The connection ended (charon went away, a broken packet, a command
 * timed out): every queued command has had its failure first. The
 * connection is to be closed by its owner (it does nothing more). */
typedef void (*onshi_vici_closed_cb)(void *arg, const char *why);

/* Connect to the socket at path. ONSHI_OK, or an error and why (e.g.
 * "charon's control socket /run/charon.vici: No such file or directory"). */
int onshi_vici_conn_open(struct onshi_loop *loop, const char *path,
			 onshi_vici_event_cb on_event,
			 onshi_vici_closed_cb on_closed, void *arg,
			 struct onshi_vici_conn **out, char *msg, size_t msglen);

/*
 * Queue a built packet (onshi_vici_end() done; b is emptied and may be
 * reused or freed). answer_ms bounds the wait for its answer once sent.
 * ONSHI_OK; ONSHI_ENOMEM, or ONSHI_EIO when the connection has ended (no
 * callback then).
 */
int onshi_vici_conn_send(struct onshi_vici_conn *c, struct onshi_vici_builder *b,
			 unsigned answer_ms, onshi_vici_answer_cb cb, void *arg);

/* Commands queued or in flight. */
unsigned onshi_vici_conn_busy(const struct onshi_vici_conn *c);

/* Close; safe inside any of the connection's callbacks; NULL is ignored. */
void onshi_vici_conn_close(struct onshi_vici_conn *c);

#endif
