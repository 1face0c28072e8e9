/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_conf.c — configuration reading and checking: good files, every kind
 * of bad one (each must be reported as file:line: reason), and drop-ins.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "conf.h"
#include "conf_schema.h"
#include "testutil.h"

struct fixture {
	char *dir;
	char path[4096];
	struct onshi_config *cfg;
	struct onshi_diag diag;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->dir = test_tmpdir();
	snprintf(f->path, sizeof(f->path), "%s/onshid.ini", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	onshi_config_free(f->cfg);
	onshi_diag_clear(&f->diag);
	test_rmtree(f->dir);
	free(f);
	return 0;
}

/* Load and check the daemon's part; returns the number of problems. */
static size_t load(struct fixture *f, const char *text)
{
	test_write(f->dir, "onshid.ini", text);
	assert_int_equal(onshi_config_load(f->path, &f->cfg, &f->diag), ONSHI_OK);
	onshi_conf_check_core(f->cfg, &f->diag);
	return f->diag.count;
}

/* Whether some problem line ends with "name:LINE: ...what...". */
static int has_problem(struct fixture *f, const char *file, int line, const char *what)
{
	char prefix[4200];

	snprintf(prefix, sizeof(prefix), "%s/%s:%d: ", f->dir, file, line);
	for (size_t i = 0; i < f->diag.count; i++)
		if (strncmp(f->diag.lines[i], prefix, strlen(prefix)) == 0 &&
		    strstr(f->diag.lines[i], what))
			return 1;
	for (size_t i = 0; i < f->diag.count; i++)
		fprintf(stderr, "  got: %s\n", f->diag.lines[i]);
	return 0;
}

static const char good[] = "; a clinic\n"
			   "[institution main]\n"
			   "code = 1312345678   ; inline comment\n"
			   "name = Test Clinic\n"
			   "[log]\n"
			   "level = debug\n"
			   "[control]\n"
			   "socket = run/control.sock\n"
			   "[plugins]\n"
			   "dir = plugins:/opt/onshi/plugins\n"
			   "[reader front-desk]\n"
			   "plugin = example\n"
			   "interval_ms = 50\n";

static void test_good(void **state)
{
	struct fixture *f = *state;
	const struct onshi_conf_section *s;
	struct onshi_settings st;

	assert_int_equal(load(f, good), 0);
	s = onshi_config_section(f->cfg, "institution", "main");
	assert_non_null(s);
	assert_string_equal(onshi_conf_section_get(s, "code"), "1312345678");
	assert_string_equal(onshi_conf_section_get(s, "name"), "Test Clinic");
	s = onshi_config_section(f->cfg, "reader", "front-desk");
	assert_non_null(s);
	assert_string_equal(onshi_conf_section_get(s, "interval_ms"), "50");
	assert_int_equal(onshi_conf_section_entry(s, "plugin")->line, 12);
	/* The only institution is the default for modules. */
	assert_ptr_equal(onshi_conf_module_institution(f->cfg, s),
			 onshi_config_section(f->cfg, "institution", "main"));

	assert_int_equal(onshi_settings_load(f->cfg, &st), ONSHI_OK);
	assert_int_equal(st.log_level, 7);
	assert_int_equal(st.log_syslog, -1);
	char want[8400];
	snprintf(want, sizeof(want), "%s/run/control.sock", f->dir);
	assert_string_equal(st.control_socket, want);
	snprintf(want, sizeof(want), "%s/plugins:/opt/onshi/plugins", f->dir);
	assert_string_equal(st.plugin_dirs, want);
	assert_string_equal(st.spool_dir, "/var/lib/onshi");
	/* No [national] batch_max_persons: batches are never split. */
	assert_int_equal(st.national_batch_max_persons, 0);
	onshi_settings_free(&st);
}

static void test_unknown_section_and_key(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(load(f, "[institution main]\n"
				 "code = 1312345678\n"
				 "colour = blue\n"
				 "\n"
				 "[nonsense]\n"
				 "x = 1\n"),
			 2);
	assert_true(has_problem(f, "onshid.ini", 3,
				"unknown key 'colour' in [institution main]"));
	assert_true(has_problem(f, "onshid.ini", 5, "unknown section [nonsense]"));
}

static void test_bad_values(void **state)
{
	struct fixture *f = *state;

	load(f, "[institution a]\n"
		"code = 13123\n"
		"[institution b]\n"
		"code = 9912345678\n"
		"[institution c]\n"
		"code = 13123456x8\n"
		"[log]\n"
		"level = loud\n"
		"target = printer\n"
		"[plugins]\n"
		"allow_unsafe_dir = perhaps\n"
		"[national]\n"
		"endpoint = https://127.0.0.1:8443\n"
		"batch_max_persons = 0\n");
	assert_true(has_problem(f, "onshid.ini", 2, "must be 10 digits"));
	assert_true(has_problem(f, "onshid.ini", 4, "prefecture"));
	assert_true(has_problem(f, "onshid.ini", 6, "must be 10 digits"));
	assert_true(has_problem(f, "onshid.ini", 8, "level = 'loud'"));
	assert_true(has_problem(f, "onshid.ini", 9, "stderr or syslog"));
	assert_true(has_problem(f, "onshid.ini", 11, "yes or no"));
	assert_true(has_problem(f, "onshid.ini", 14,
				"number of persons from 1 to 100000"));
	assert_true(has_problem(f, "onshid.ini", 12, "needs client_cert"));
	assert_int_equal(f->diag.count, 8);
}

/* [vpn]: names VICI can carry, a socket path that fits sockaddr_un,
 * the bounds of the numbers; and a good section has no problem. */
static void test_vpn_section(void **state)
{
	struct fixture *f = *state;
	char longpath[150]; /* over 107, under the loader's line limit */

	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	load(f, "[vpn]\n"
		"connection = national\n"
		"child = national\n"
		"vici_socket = /run/charon.vici\n"
		"initiate = yes\n"
		"poll_s = 5\n"
		"retry_max_s = 30\n"
		"initiate_timeout_ms = 8000\n");
	assert_int_equal(f->diag.count, 0);
	onshi_config_free(f->cfg);
	f->cfg = NULL;
	{
		char text[1024];

		snprintf(text, sizeof(text),
			 "[vpn]\n"
			 "child = nat ional\n"
			 "vici_socket = %s\n"
			 "initiate = sometimes\n"
			 "poll_s = 0\n"
			 "retry_max_s = 99999\n"
			 "initiate_timeout_ms = 5\n"
			 "peer = 203.0.113.1\n"
			 "[vpn extra]\n"
			 "connection = {x}\n",
			 longpath);
		load(f, text);
	}
	assert_true(has_problem(f, "onshid.ini", 1,
				"missing required key 'connection'"));
	assert_true(has_problem(f, "onshid.ini", 2, "strongSwan connection name"));
	assert_true(has_problem(f, "onshid.ini", 3, "Unix socket path"));
	assert_true(has_problem(f, "onshid.ini", 4, "yes or no"));
	assert_true(has_problem(f, "onshid.ini", 5, "from 1 to 3600"));
	assert_true(has_problem(f, "onshid.ini", 6, "from 1 to 3600"));
	assert_true(has_problem(f, "onshid.ini", 7, "from 100 to 600000"));
	assert_true(has_problem(f, "onshid.ini", 8, "unknown key 'peer' in [vpn]"));
	assert_true(has_problem(f, "onshid.ini", 9, "takes no name"));
	assert_int_equal(f->diag.count, 9);
}

static void test_sections_and_modules(void **state)
{
	struct fixture *f = *state;

	load(f, "[institution main]\n"
		"code = 1312345678\n"
		"[institution dental]\n"
		"code = 1312345678\n"
		"[national x]\n" /* [national] is not known yet */
		"a = b\n"
		"[reader]\n"
		"plugin = example\n"
		"[reader desk]\n"
		"device = tcp:1\n"
		"[rececon ws]\n"
		"plugin = foo\n"
		"institution = nowhere\n"
		"[log extra]\n"
		"level = info\n");
	assert_true(has_problem(f, "onshid.ini", 4,
				"already used by [institution main]"));
	assert_true(has_problem(f, "onshid.ini", 7, "needs a name"));
	assert_true(has_problem(f, "onshid.ini", 9, "missing required key 'plugin'"));
	assert_true(has_problem(f, "onshid.ini", 9, "several [institution] sections"));
	assert_true(has_problem(f, "onshid.ini", 13,
				"no [institution nowhere] section"));
	assert_true(has_problem(f, "onshid.ini", 14, "takes no name"));
}

static void test_syntax_errors(void **state)
{
	struct fixture *f = *state;
	char text[1024];

	/* A line over inih's limit is refused, not split. */
	memset(text, 0, sizeof(text));
	strcat(text, "[institution main]\ncode = 1312345678\nname = ");
	memset(text + strlen(text), 'x', 300);
	strcat(text, "\nthis line has no equals sign\n");
	load(f, text);
	assert_true(has_problem(f, "onshid.ini", 3, "line longer than"));
	assert_true(has_problem(f, "onshid.ini", 4, "syntax error"));
}

/* Lines are limited to inih's buffer; long values continue on indented
 * lines, joined as written. */
static void test_continuation(void **state)
{
	struct fixture *f = *state;
	const struct onshi_conf_entry *e;

	assert_int_equal(load(f, "[institution main]\n"
				 "code = 1312345678\n"
				 "[plugins]\n"
				 "dir = /a/very/long/path/one:\n"
				 "  /another/long/path/two:\n"
				 "\t/third\n"
				 "allow_unsafe_dir = yes\n"),
			 0);
	e = onshi_conf_section_entry(onshi_config_section(f->cfg, "plugins", NULL),
				     "dir");
	assert_string_equal(e->value,
			    "/a/very/long/path/one:/another/long/path/two:/third");
	assert_int_equal(e->line, 4);
}

static void test_crlf_and_bom(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(load(f, "\xEF\xBB\xBF[institution main]\r\n"
				 "code = 1312345678\r\n"),
			 0);
	assert_string_equal(onshi_conf_section_get(onshi_config_section(f->cfg, "institution",
									"main"),
						   "code"),
			    "1312345678");
}

static void test_dropins(void **state)
{
	struct fixture *f = *state;
	const struct onshi_conf_entry *e;
	const struct onshi_conf_section *s;

	test_write(f->dir, "onshid.d/20-late.ini",
		   "[reader desk]\ninterval_ms = 300\n");
	test_write(f->dir, "onshid.d/10-vendor.ini",
		   "[reader desk]\nplugin = example\ninterval_ms = 200\n"
		   "[reader extra]\nplugin = example\n");
	test_write(f->dir, "onshid.d/notes.txt", "[garbage\n");
	test_write(f->dir, "onshid.d/.hidden.ini", "[garbage\n");
	assert_int_equal(load(f, "[institution main]\ncode = 1312345678\n"
				 "[reader desk]\nplugin = example\n"
				 "interval_ms = 100\n"),
			 0);
	s = onshi_config_section(f->cfg, "reader", "desk");
	e = onshi_conf_section_entry(s, "interval_ms");
	assert_string_equal(e->value, "300"); /* the later file wins */
	assert_non_null(strstr(e->file, "onshid.d/20-late.ini"));
	assert_int_equal(e->line, 2);
	assert_non_null(onshi_config_section(f->cfg, "reader", "extra"));
	assert_int_equal(f->cfg->nfiles, 3);
}

static void test_dropin_errors_name_their_file(void **state)
{
	struct fixture *f = *state;

	test_write(f->dir, "onshid.d/50-bad.ini", "[institution main]\nbogus = 1\n");
	load(f, "[institution main]\ncode = 1312345678\n");
	assert_true(has_problem(f, "onshid.d/50-bad.ini", 2, "unknown key 'bogus'"));
}

static void test_missing_and_binary_files(void **state)
{
	struct fixture *f = *state;
	char path[4200];

	snprintf(path, sizeof(path), "%s/absent.ini", f->dir);
	assert_int_equal(onshi_config_load(path, &f->cfg, &f->diag), ONSHI_ENOTFOUND);
	assert_null(f->cfg);
	assert_non_null(strstr(f->diag.lines[0], "cannot open"));

	test_write(f->dir, "bin.ini", "[a]\n");
	snprintf(path, sizeof(path), "%s/bin.ini", f->dir);
	FILE *fp = fopen(path, "ab");
	fputc('\0', fp);
	fclose(fp);
	assert_int_equal(onshi_config_load(path, &f->cfg, &f->diag), ONSHI_EINVAL);
	assert_non_null(strstr(f->diag.lines[1], "NUL byte"));
}

/* Plugin keys: types, ranges, required, unknown. */
static void test_plugin_keys(void **state)
{
	struct fixture *f = *state;
	static const struct onshi_conf_key keys[] = {
		{ .name = "device",
		  .type = ONSHI_CONF_STRING,
		  .required = 1,
		  .help = "tcp:HOST:PORT or serial:PATH" },
		{ .name = "timeout_ms",
		  .type = ONSHI_CONF_INT,
		  .min = 1,
		  .max = 9,
		  .default_value = "5" },
		{ .name = "dir", .type = ONSHI_CONF_PATH },
		{ .name = "fast", .type = ONSHI_CONF_BOOL, .default_value = "no" },
		{ .name = NULL },
	};
	static const struct onshi_plugin p = { .name = "fake", .config = keys };
	const struct onshi_conf_section *s;
	struct onshi_conf_value *v;
	size_t n;
	char want[4200];

	assert_int_equal(load(f, "[institution main]\ncode = 1312345678\n"
				 "[reader a]\nplugin = fake\ntimeout_ms = 10\n"
				 "fast = sometimes\nwhatever = 1\n"
				 "[reader b]\nplugin = fake\ndevice = tcp:x\n"
				 "dir = spool\n"),
			 0);
	onshi_conf_check_plugin_keys(onshi_config_section(f->cfg, "reader", "a"),
				     &p, &f->diag);
	assert_true(has_problem(f, "onshid.ini", 5, "from 1 to 9"));
	assert_true(has_problem(f, "onshid.ini", 6, "yes or no"));
	assert_true(has_problem(f, "onshid.ini", 7,
				"unknown key 'whatever' in [reader a] (plugin fake"));
	assert_true(has_problem(f, "onshid.ini", 3,
				"missing required key 'device' (tcp:HOST:PORT"));
	assert_int_equal(f->diag.count, 4);

	s = onshi_config_section(f->cfg, "reader", "b");
	onshi_diag_clear(&f->diag);
	onshi_conf_check_plugin_keys(s, &p, &f->diag);
	assert_int_equal(f->diag.count, 0);
	assert_int_equal(onshi_conf_resolve_plugin_keys(f->cfg, s, &p, &v, &n),
			 ONSHI_OK);
	assert_int_equal(n, 4);
	assert_string_equal(v[0].value, "tcp:x");
	assert_string_equal(v[1].value, "5"); /* default */
	snprintf(want, sizeof(want), "%s/spool", f->dir);
	assert_string_equal(v[2].value, want); /* resolved */
	assert_string_equal(v[3].value, "no");
	onshi_conf_values_free(v, n);
}

static void test_parsers(void **state)
{
	long l;

	(void)state;
	assert_int_equal(onshi_conf_parse_bool("Yes"), 1);
	assert_int_equal(onshi_conf_parse_bool("off"), 0);
	assert_int_equal(onshi_conf_parse_bool("2"), -1);
	assert_int_equal(onshi_conf_parse_long("42", 0, 0, &l), 0);
	assert_int_equal(l, 42);
	assert_int_equal(onshi_conf_parse_long("42x", 0, 0, &l), -1);
	assert_int_equal(onshi_conf_parse_long("", 0, 0, &l), -1);
	assert_int_equal(onshi_conf_parse_long("99999999999999999999", 0, 0, &l), -1);
	assert_int_equal(onshi_conf_parse_long("10", 1, 9, &l), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_good, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_section_and_key,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vpn_section, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sections_and_modules,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_syntax_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crlf_and_bom, setup, teardown),
		cmocka_unit_test_setup_teardown(test_continuation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dropins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dropin_errors_name_their_file,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_and_binary_files,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_plugin_keys, setup, teardown),
		cmocka_unit_test(test_parsers),
	};

	return cmocka_run_group_tests_name("conf", tests, NULL, NULL);
}
