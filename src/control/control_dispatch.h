/* SPDX-License-Identifier: Apache-2.0 */
/*
 * control_dispatch.h — the control socket's command tables and the
 * dispatcher that answers one request line from them.
 *
 * Each command family (control_cmds.c, control_verify.c, ...) exposes a
 * table; core.c adds the tables in the order HELP lists them, and hands
 * onshi_control_dispatch with its table set to the socket server
 * (control.c), which calls it through that pointer (collectd's
 * plugin_register_*, nginx's phase handlers): the server knows no command
 * and no command knows the server's dispatch.
 */
#ifndef ONSHI_CORE_CONTROL_DISPATCH_H
#define ONSHI_CORE_CONTROL_DISPATCH_H

#include "strbuf.h"

struct onshi_core;
struct onshi_control_client;

/* Answer argv[0..argc-1] into reply, "N message" header included. */
typedef void onshi_control_handler(struct onshi_core *core,
				   struct onshi_control_client *client, int argc,
				   char **argv, struct onshi_strbuf *reply);

struct onshi_control_command {
	const char *name;       /* the first word, matched ignoring case */
	int min_args, max_args; /* words after the name */
	const char *usage;      /* HELP's line and the "-1 usage: " reply */
	onshi_control_handler *run;
};

/* The tables added so far, and the core their handlers are given. */
struct onshi_control_commands;

int onshi_control_commands_new(struct onshi_core *core,
			       struct onshi_control_commands **out);
/*
 * Add a table, ended by an entry whose name is NULL; it must outlive cmds.
 * HELP lists the tables in the order added, then itself; a name already
 * added earlier wins. ONSHI_ENOMEM or ONSHI_OK.
 */
int onshi_control_commands_add(struct onshi_control_commands *cmds,
			       const struct onshi_control_command *table);
void onshi_control_commands_free(struct onshi_control_commands *cmds);

/*
 * Answer one request line (without its newline; split in place on spaces
 * and tabs) into reply. Never fails: errors are "-1 ..." replies. arg is
 * the struct onshi_control_commands (the server's dispatch callback).
 */
void onshi_control_dispatch(void *arg, struct onshi_control_client *client,
			    char *line, struct onshi_strbuf *reply);

#endif
