/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_control_dispatch.c — the control socket's dispatcher on its own
 * (src/control/control_dispatch.c, linked without the rest of the core): word
 * splitting, unknown commands, argument counts, HELP over the registered
 * tables, and a registered handler called with what it needs. The
 * commands are fakes that record their call; the core is a token pointer
 * the dispatcher only passes on.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <onshi/error.h>

#include "control_dispatch.h"

/* What the last fake command was called with. */
static struct {
	int calls;
	struct onshi_core *core;
	struct onshi_control_client *client;
	int argc;
	char argv[4][32];
	const char *which;
} seen;

static void record(const char *which, struct onshi_core *core,
		   struct onshi_control_client *client, int argc, char **argv,
		   struct onshi_strbuf *reply)
{
	seen.calls++;
	seen.which = which;
	seen.core = core;
	seen.client = client;
	seen.argc = argc;
	for (int i = 0; i < argc && i < 4; i++)
		snprintf(seen.argv[i], sizeof(seen.argv[i]), "%s", argv[i]);
	onshi_strbuf_printf(reply, "0 %s done\n", which);
}

static void fake_ping(struct onshi_core *core, struct onshi_control_client *client,
		      int argc, char **argv, struct onshi_strbuf *reply)
{
	record("ping", core, client, argc, argv, reply);
}

static void fake_set(struct onshi_core *core, struct onshi_control_client *client,
		     int argc, char **argv, struct onshi_strbuf *reply)
{
	record("set", core, client, argc, argv, reply);
}

static void fake_shadow(struct onshi_core *core, struct onshi_control_client *client,
			int argc, char **argv, struct onshi_strbuf *reply)
{
	record("shadow", core, client, argc, argv, reply);
}

static const struct onshi_control_command first[] = {
	{ "PING", 0, 0, "PING", fake_ping },
	{ "SET", 1, 2, "SET KEY [VALUE]", fake_set },
	{ NULL, 0, 0, NULL, NULL },
};

/* A later table naming PING again does not take it over. */
static const struct onshi_control_command second[] = {
	{ "PING", 0, 3, "PING AGAIN", fake_shadow },
	{ NULL, 0, 0, NULL, NULL },
};

/* Token pointers: the dispatcher must pass them on untouched. */
static char core_token, client_token;
#define FAKE_CORE ((struct onshi_core *)&core_token)
#define FAKE_CLIENT ((struct onshi_control_client *)&client_token)

static struct onshi_control_commands *cmds;
static char answer[1024];

static int setup(void **state)
{
	(void)state;
	memset(&seen, 0, sizeof(seen));
	if (onshi_control_commands_new(FAKE_CORE, &cmds) != ONSHI_OK ||
	    onshi_control_commands_add(cmds, first) != ONSHI_OK ||
	    onshi_control_commands_add(cmds, second) != ONSHI_OK)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	onshi_control_commands_free(cmds);
	cmds = NULL;
	return 0;
}

/* The reply to one request line, in a static buffer. */
static const char *ask(const char *request)
{
	struct onshi_strbuf reply = { 0 };
	char line[512];

	snprintf(line, sizeof(line), "%s", request);
	onshi_control_dispatch(cmds, FAKE_CLIENT, line, &reply);
	snprintf(answer, sizeof(answer), "%s", reply.data ? reply.data : "");
	onshi_strbuf_free(&reply);
	return answer;
}

static void test_handler_called(void **state)
{
	(void)state;
	assert_string_equal(ask("set\tcolour  blue"), "0 set done\n");
	assert_int_equal(seen.calls, 1);
	assert_string_equal(seen.which, "set");
	assert_ptr_equal(seen.core, FAKE_CORE);
	assert_ptr_equal(seen.client, FAKE_CLIENT);
	assert_int_equal(seen.argc, 3);
	assert_string_equal(seen.argv[0], "set");
	assert_string_equal(seen.argv[1], "colour");
	assert_string_equal(seen.argv[2], "blue");
}

static void test_first_table_wins(void **state)
{
	(void)state;
	assert_string_equal(ask("Ping"), "0 ping done\n");
	assert_string_equal(seen.which, "ping");
}

static void test_unknown_command(void **state)
{
	(void)state;
	assert_string_equal(ask("FROB x"), "-1 unknown command 'FROB' (try HELP)\n");
	/* At most 32 bytes of what was sent come back. */
	assert_string_equal(ask("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"),
			    "-1 unknown command 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345' (try HELP)\n");
	assert_int_equal(seen.calls, 0);
}

static void test_arg_count(void **state)
{
	(void)state;
	assert_string_equal(ask("SET"), "-1 usage: SET KEY [VALUE]\n");
	assert_string_equal(ask("SET a b c"), "-1 usage: SET KEY [VALUE]\n");
	assert_string_equal(ask("PING now"), "-1 usage: PING\n");
	assert_string_equal(ask("HELP me"), "-1 usage: HELP\n");
	assert_int_equal(seen.calls, 0);
}

static void test_empty_and_too_many_words(void **state)
{
	(void)state;
	assert_string_equal(ask(""), "-1 empty request (try HELP)\n");
	assert_string_equal(ask(" \t "), "-1 empty request (try HELP)\n");
	assert_string_equal(ask("SET 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16"),
			    "-1 too many words\n");
	assert_int_equal(seen.calls, 0);
}

static void test_help_lists_tables_in_order(void **state)
{
	(void)state;
	assert_string_equal(ask("help"), "4 commands\n"
					 "PING\n"
					 "SET KEY [VALUE]\n"
					 "PING AGAIN\n"
					 "HELP\n");
}

static void test_no_tables(void **state)
{
	struct onshi_control_commands *none;
	struct onshi_strbuf reply = { 0 };
	char line[] = "HELP";

	(void)state;
	assert_int_equal(onshi_control_commands_new(FAKE_CORE, &none), ONSHI_OK);
	onshi_control_dispatch(none, NULL, line, &reply);
	assert_string_equal(reply.data, "1 commands\nHELP\n");
	onshi_strbuf_free(&reply);
	onshi_control_commands_free(none);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_handler_called, setup, teardown),
		cmocka_unit_test_setup_teardown(test_first_table_wins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_command, setup, teardown),
		cmocka_unit_test_setup_teardown(test_arg_count, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_and_too_many_words,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_help_lists_tables_in_order,
						setup, teardown),
		cmocka_unit_test(test_no_tables),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
