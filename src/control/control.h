/* SPDX-License-Identifier: Apache-2.0 */
/*
 * control.h — the local control socket (collectd unixsock style).
 *
 * A UNIX stream socket, mode 0660, group from [control] group, each peer
 * checked with SO_PEERCRED. A client writes one request line; the daemon
 * answers "N message" followed by N lines (N < 0: error, no lines follow).
 * Several requests may be sent on one connection. BATCH SUBMIT and CERT
 * INSTALL carry their file: the line says bytes=N and N raw bytes follow
 * (control_frame.h); onshid never opens a file a caller names.
 */
#ifndef ONSHI_CORE_CONTROL_H
#define ONSHI_CORE_CONTROL_H

#include <stddef.h>

#include "control_dispatch.h"
#include "control_reply.h"
#include "national.h"
#include "strbuf.h"

struct onshi_core;
struct onshi_control;
struct onshi_control_client; /* one connection */

/* The server's only way to a command: called once per request line. */
typedef void onshi_control_dispatch_fn(void *arg, struct onshi_control_client *client,
				       char *line, struct onshi_strbuf *reply);

/* Listen on [control] socket; each request goes to dispatch(dispatch_arg). */
int onshi_control_open(struct onshi_core *core,
		       onshi_control_dispatch_fn *dispatch, void *dispatch_arg,
		       struct onshi_control **out, char *msg, size_t msglen);
void onshi_control_close(struct onshi_control *ctl);

/* Longest request line accepted. */
#define ONSHI_CONTROL_MAX_LINE 4096

/*
 * The body that came with the request being dispatched (bytes=N), NUL-
 * terminated, writable, valid until the command returns; NULL (len 0)
 * when the request announced none.
 */
char *onshi_control_body(struct onshi_control_client *client, size_t *len);

/*
 * For BATCH SUBMIT and CERT INSTALL: the body announced by a bytes=N word
 * among argv[2..], or NULL with the "-1 ..." reply written. Without such a
 * word argv[2] is a path from an onshictl older than uploads: refused,
 * with the advice to update onshictl.
 */
char *onshi_control_upload(struct onshi_control_client *client, int argc,
			   char **argv, size_t *len, struct onshi_strbuf *reply);
/* Whether argv[2..] holds a bytes=N word. */
int onshi_control_has_upload(int argc, char **argv);

/*
 * Commands that wait for something (VERIFY waits for the national service)
 * hold the client instead of answering: further request lines wait, and
 * onshi_control_answer() later sends the reply and releases the hold. If
 * the peer hangs up meanwhile, the answer is dropped.
 */
struct onshi_control_client *onshi_control_hold(struct onshi_control_client *c);
void onshi_control_answer(struct onshi_control_client *c,
			  const struct onshi_strbuf *reply);

/*
 * onshi_control_answer() for a reply too long for memory: head (the
 * "N message" line and any first lines), then the bytes of fd from its
 * current offset to its end, read a slice at a time as the client takes
 * them; fd is closed after. Requests the client sent meanwhile wait until
 * the whole reply is out.
 */
void onshi_control_answer_file(struct onshi_control_client *c,
			       const struct onshi_strbuf *head, int fd);

/*
 * For commands that call the national service: when the outcome is not an
 * answer, write the "-1 reason" reply (the service's own error message for
 * refusals) and return 1; else return 0 (control_national.c).
 */
int onshi_control_national_failure(struct onshi_strbuf *reply,
				   enum onshi_national_outcome outcome, long status,
				   const char *body, size_t len, const char *why);

/*
 * The command tables, in the order core.c adds them (control_dispatch.h):
 * VERSION STATUS LIST ENABLE DISABLE RELOAD (control_cmds.c), then one
 * family per file.
 */
extern const struct onshi_control_command onshi_control_cmds[];
extern const struct onshi_control_command onshi_control_verify_cmds[];
extern const struct onshi_control_command onshi_control_cert_cmds[];
extern const struct onshi_control_command onshi_control_batch_cmds[];
extern const struct onshi_control_command onshi_control_maintenance_cmds[];
extern const struct onshi_control_command onshi_control_audit_cmds[];
extern const struct onshi_control_command onshi_control_selftest_cmds[];

#endif
