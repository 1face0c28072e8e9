/* SPDX-License-Identifier: Apache-2.0 */
/*
 * control_dispatch.c — from a request line to the command that answers it
 * (control_dispatch.h): word splitting, the registered tables, argument
 * counts, and HELP, which lists what was registered.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <onshi/error.h>

#include "control_dispatch.h"

/* More words than any command takes: a bound, not a limit anyone meets. */
#define MAX_ARGS 16

struct onshi_control_commands {
	struct onshi_core *core;
	const struct onshi_control_command **tables;
	size_t ntables;
};

/* HELP answers from the tables themselves, so it is not in one. */
static const struct onshi_control_command help_command = { "HELP", 0, 0, "HELP",
							   NULL };

int onshi_control_commands_new(struct onshi_core *core,
			       struct onshi_control_commands **out)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return ONSHI_ENOMEM;
	(*out)->core = core;
	return ONSHI_OK;
}

int onshi_control_commands_add(struct onshi_control_commands *cmds,
			       const struct onshi_control_command *table)
{
	const struct onshi_control_command **t =
		realloc(cmds->tables, (cmds->ntables + 1) * sizeof(*t));

	if (!t)
		return ONSHI_ENOMEM;
	t[cmds->ntables++] = table;
	cmds->tables = t;
	return ONSHI_OK;
}

void onshi_control_commands_free(struct onshi_control_commands *cmds)
{
	if (!cmds)
		return;
	free(cmds->tables);
	free(cmds);
}

/* The i-th command in HELP's order (HELP last), NULL past the end. */
static const struct onshi_control_command *command_at(const struct onshi_control_commands *cmds,
						      size_t i)
{
	for (size_t t = 0; t < cmds->ntables; t++)
		for (const struct onshi_control_command *c = cmds->tables[t];
		     c->name; c++)
			if (i-- == 0)
				return c;
	return i == 0 ? &help_command : NULL;
}

static void help(const struct onshi_control_commands *cmds, struct onshi_strbuf *reply)
{
	const struct onshi_control_command *c;
	unsigned n = 0;

	while (command_at(cmds, n))
		n++;
	onshi_strbuf_printf(reply, "%u commands\n", n);
	for (size_t i = 0; (c = command_at(cmds, i)); i++)
		onshi_strbuf_printf(reply, "%s\n", c->usage);
}

void onshi_control_dispatch(void *arg, struct onshi_control_client *client,
			    char *line, struct onshi_strbuf *reply)
{
	const struct onshi_control_commands *cmds = arg;
	const struct onshi_control_command *c;
	char *argv[MAX_ARGS], *save = NULL;
	int argc = 0;

	for (char *w = strtok_r(line, " \t", &save); w;
	     w = strtok_r(NULL, " \t", &save)) {
		if (argc == MAX_ARGS) {
			onshi_strbuf_printf(reply, "-1 too many words\n");
			return;
		}
		argv[argc++] = w;
	}
	if (argc == 0) {
		onshi_strbuf_printf(reply, "-1 empty request (try HELP)\n");
		return;
	}
	for (size_t i = 0; (c = command_at(cmds, i)); i++) {
		if (strcasecmp(argv[0], c->name) != 0)
			continue;
		if (argc - 1 < c->min_args || argc - 1 > c->max_args) {
			onshi_strbuf_printf(reply, "-1 usage: %s\n", c->usage);
			return;
		}
		if (c == &help_command)
			help(cmds, reply);
		else
			c->run(cmds->core, client, argc, argv, reply);
		return;
	}
	/* Echo at most a bounded, printable part of what was sent. */
	onshi_strbuf_printf(reply, "-1 unknown command '%.32s' (try HELP)\n",
			    argv[0]);
}
