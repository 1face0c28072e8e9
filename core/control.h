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

#include "national.h"
#include "strbuf.h"

struct onshi_core;
struct onshi_control;
struct onshi_control_client; /* one connection */

int onshi_control_open(struct onshi_core *core, struct onshi_control **out,
		       char *msg, size_t msglen);
void onshi_control_close(struct onshi_control *ctl);

/* Longest request line accepted. */
#define ONSHI_CONTROL_MAX_LINE 4096

/*
 * Answer one request line (without its newline) into reply, complete with
 * the "N message" header (control_cmds.c). Never fails: errors are replies.
 */
void onshi_control_dispatch(struct onshi_core *core,
			    struct onshi_control_client *client, char *line,
			    struct onshi_strbuf *reply);

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
			   char **argv, size_t *len,
			   struct onshi_strbuf *reply);
/* Whether argv[2..] holds a bytes=N word. */
int onshi_control_has_upload(int argc, char **argv);

/* Append " key=value" (quoted when needed) to an item line. */
void onshi_control_put_kv(struct onshi_strbuf *b, const char *key,
			  const char *value);
void onshi_control_put_kv_long(struct onshi_strbuf *b, const char *key,
			       long value);

/*
 * Commands that wait for something (VERIFY waits for the national service)
 * hold the client instead of answering: further request lines wait, and
 * onshi_control_answer() later sends the reply and releases the hold. If
 * the peer hangs up meanwhile, the answer is dropped.
 */
struct onshi_control_client *onshi_control_hold(struct onshi_control_client *c);
void onshi_control_answer(struct onshi_control_client *c,
			  const struct onshi_strbuf *reply);

/* The code of [institution NAME], or of the only one when name is NULL;
 * NULL with a reason in why. */
const char *onshi_control_institution_code(struct onshi_core *core,
					   const char *name, char *why,
					   size_t whylen);

/*
 * For commands that call the national service: when the outcome is not an
 * answer, write the "-1 reason" reply (the service's own error message for
 * refusals) and return 1; else return 0.
 */
int onshi_control_national_failure(struct onshi_strbuf *reply,
				   enum onshi_national_outcome outcome,
				   long status, const char *body, size_t len,
				   const char *why);

/* Commands that live in files of their own. */
void onshi_control_cmd_audit(struct onshi_core *core,
			     struct onshi_control_client *client, int argc,
			     char **argv, struct onshi_strbuf *reply);
void onshi_control_cmd_cert(struct onshi_core *core,
			    struct onshi_control_client *client, int argc,
			    char **argv, struct onshi_strbuf *reply);
/* Log each institution's certificate problem or expiry warning (start). */
void onshi_cert_log_startup(struct onshi_core *core);
/* One "cert=NAME code=.. state=ok|warning|error ..." line for STATUS. */
void onshi_control_cert_line(struct onshi_core *core, const char *inst_name,
			     struct onshi_strbuf *b);
void onshi_control_cmd_batch(struct onshi_core *core,
			     struct onshi_control_client *client, int argc,
			     char **argv, struct onshi_strbuf *reply);
void onshi_control_cmd_verify(struct onshi_core *core,
			      struct onshi_control_client *client, int argc,
			      char **argv, struct onshi_strbuf *reply);
void onshi_control_cmd_maintenance(struct onshi_core *core,
				   struct onshi_control_client *client,
				   int argc, char **argv,
				   struct onshi_strbuf *reply);
/* SELFTEST: the installation check (control_selftest.c). */
void onshi_control_cmd_selftest(struct onshi_core *core,
				struct onshi_control_client *client, int argc,
				char **argv, struct onshi_strbuf *reply);

#endif
