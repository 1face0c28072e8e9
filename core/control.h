/*
 * control.h — the local control socket (collectd unixsock style).
 *
 * A UNIX stream socket, mode 0660, group from [control] group, each peer
 * checked with SO_PEERCRED. A client writes one request line; the daemon
 * answers "N message" followed by N lines (N < 0: error, no lines follow).
 * Several requests may be sent on one connection.
 */
#ifndef ONSHI_CORE_CONTROL_H
#define ONSHI_CORE_CONTROL_H

#include <stddef.h>

#include "strbuf.h"

struct onshi_core;
struct onshi_control;

int onshi_control_open(struct onshi_core *core, struct onshi_control **out,
		       char *msg, size_t msglen);
void onshi_control_close(struct onshi_control *ctl);

/* Longest request line accepted. */
#define ONSHI_CONTROL_MAX_LINE 4096

/*
 * Answer one request line (without its newline) into reply, complete with
 * the "N message" header (control_cmds.c). Never fails: errors are replies.
 */
void onshi_control_dispatch(struct onshi_core *core, char *line,
			    struct onshi_strbuf *reply);

#endif
