/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_loader.c — loading real fixture modules (built by make check) and
 * getting one distinct error per cause.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "loader.h"
#include "testutil.h"

static enum onshi_load_error try_load(const char *dirs, int unsafe_ok,
				      const char *name, char *msg, size_t msglen)
{
	struct onshi_loader *l;
	struct onshi_plugin_handle *h = NULL;
	enum onshi_load_error rc;

	assert_int_equal(onshi_loader_new(dirs, unsafe_ok, &l), ONSHI_OK);
	rc = onshi_loader_open(l, name, &h, msg, msglen);
	if (rc == ONSHI_LOAD_OK) {
		assert_non_null(h);
		assert_string_equal(h->desc->name, name);
		onshi_loader_release(l, h);
	} else {
		assert_null(h);
	}
	onshi_loader_free(l);
	return rc;
}

static void expect(const char *name, enum onshi_load_error want, const char *phrase)
{
	char msg[1024] = "";

	assert_int_equal(try_load(FIXTURE_DIR, 1, name, msg, sizeof(msg)), want);
	if (phrase && !strstr(msg, phrase))
		fail_msg("%s: message '%s' lacks '%s'", name, msg, phrase);
}

static void test_good_plugin(void **state)
{
	struct onshi_loader *l;
	struct onshi_plugin_handle *a, *b;
	char msg[512];

	(void)state;
	expect("fx_good", ONSHI_LOAD_OK, NULL);
	/* Two opens share one handle (reference counted). */
	assert_int_equal(onshi_loader_new("/nonexistent:" FIXTURE_DIR, 1, &l),
			 ONSHI_OK);
	assert_int_equal(onshi_loader_open(l, "fx_good", &a, msg, sizeof(msg)),
			 ONSHI_LOAD_OK);
	assert_int_equal(onshi_loader_open(l, "fx_good", &b, msg, sizeof(msg)),
			 ONSHI_LOAD_OK);
	assert_ptr_equal(a, b);
	assert_int_equal(a->desc->kind, ONSHI_KIND_READER);
	assert_string_equal(a->desc->version, "0.0.1");
	onshi_loader_release(l, a);
	onshi_loader_release(l, b);
	onshi_loader_free(l);
}

static void test_each_cause(void **state)
{
	(void)state;
	expect("fx_absent", ONSHI_LOAD_NOT_FOUND, "not found");
	expect("fx_badmagic", ONSHI_LOAD_BAD_MAGIC, "bad magic 0xdeadbeef");
	expect("fx_wrongabi", ONSHI_LOAD_ABI_MAJOR, "built for plugin ABI 2.");
	expect("fx_nosym", ONSHI_LOAD_NO_SYMBOL, "exports no onshi_plugin_v1");
	expect("fx_shortops", ONSHI_LOAD_SHORT_OPS, "ops table too short");
	expect("../fx_good", ONSHI_LOAD_BAD_NAME, "not allowed");
	expect("", ONSHI_LOAD_BAD_NAME, "not allowed");
	/* Loads fine; it fails later, in create (module layer). */
	expect("fx_failcreate", ONSHI_LOAD_OK, NULL);
	expect("fx_rececon", ONSHI_LOAD_OK, NULL);
}

static void test_descriptor_checks(void **state)
{
	static const struct onshi_plugin_ops no_stop = {
		.create = (void *)1,
		.start = (void *)1,
		.destroy = (void *)1,
	};
	struct onshi_plugin p = {
		ONSHI_PLUGIN_HEADER,
		.kind = 7,
		.name = "x",
		.version = "1",
		.ops_size = sizeof(no_stop),
		.ops = &no_stop,
	};
	char msg[512];

	(void)state;
	assert_int_equal(onshi_loader_check_descriptor(&p, msg, sizeof(msg)),
			 ONSHI_LOAD_BAD_KIND);
	p.kind = ONSHI_KIND_RECECON;
	assert_int_equal(onshi_loader_check_descriptor(&p, msg, sizeof(msg)),
			 ONSHI_LOAD_MISSING_OP);
	assert_non_null(strstr(msg, "entry point stop"));
	p.ops = NULL;
	assert_int_equal(onshi_loader_check_descriptor(&p, msg, sizeof(msg)),
			 ONSHI_LOAD_SHORT_OPS);
}

/* Copy the built fx_good.so into dir (cp keeps this test short). */
static void copy_good(const char *dir, const char *as)
{
	char cmd[8400];

	snprintf(cmd, sizeof(cmd), "cp '%s/.libs/fx_good.so' '%s/%s'",
		 FIXTURE_DIR, dir, as);
	assert_int_equal(system(cmd), 0);
}

static void test_unsafe_directory(void **state)
{
	char *dir = test_tmpdir(), msg[1024], path[4200];

	(void)state;
	copy_good(dir, "fx_good.so");
	chmod(dir, 0777);
	assert_int_equal(try_load(dir, 0, "fx_good", msg, sizeof(msg)),
			 ONSHI_LOAD_UNSAFE_DIR);
	if (geteuid() == 0)
		assert_non_null(strstr(msg, "writable by everyone"));
	/* The override is for development trees. */
	assert_int_equal(try_load(dir, 1, "fx_good", msg, sizeof(msg)), ONSHI_LOAD_OK);

	chmod(dir, 0775);
	assert_int_equal(try_load(dir, 0, "fx_good", msg, sizeof(msg)),
			 ONSHI_LOAD_UNSAFE_DIR);
	chmod(dir, 0755);
	if (geteuid() == 0) {
		assert_int_equal(try_load(dir, 0, "fx_good", msg, sizeof(msg)),
				 ONSHI_LOAD_OK);
		/* A plugin file others may write is as bad. */
		snprintf(path, sizeof(path), "%s/fx_good.so", dir);
		chmod(path, 0666);
		assert_int_equal(try_load(dir, 0, "fx_good", msg, sizeof(msg)),
				 ONSHI_LOAD_UNSAFE_DIR);
		assert_non_null(strstr(msg, "plugin file"));
		chmod(path, 0755);
		/* Not owned by root. */
		assert_int_equal(chown(dir, 65534, 65534), 0);
		assert_int_equal(try_load(dir, 0, "fx_good", msg, sizeof(msg)),
				 ONSHI_LOAD_UNSAFE_DIR);
		assert_non_null(strstr(msg, "not root"));
	} else {
		assert_int_equal(try_load(dir, 0, "fx_good", msg, sizeof(msg)),
				 ONSHI_LOAD_UNSAFE_DIR);
		assert_non_null(strstr(msg, "not root"));
	}
	test_rmtree(dir);
}

static void test_not_regular(void **state)
{
	char *dir = test_tmpdir(), msg[1024], path[4200];

	(void)state;
	snprintf(path, sizeof(path), "%s/fx_good.so", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(try_load(dir, 1, "fx_good", msg, sizeof(msg)),
			 ONSHI_LOAD_NOT_REGULAR);
	assert_non_null(strstr(msg, "not a regular file"));
	test_rmtree(dir);
}

static void test_not_a_library(void **state)
{
	char *dir = test_tmpdir(), msg[1024];

	(void)state;
	test_write(dir, "fx_junk.so", "this is not an ELF file\n");
	assert_int_equal(try_load(dir, 1, "fx_junk", msg, sizeof(msg)),
			 ONSHI_LOAD_DLOPEN);
	assert_non_null(strstr(msg, "ldd"));
	test_rmtree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_plugin),
		cmocka_unit_test(test_each_cause),
		cmocka_unit_test(test_descriptor_checks),
		cmocka_unit_test(test_unsafe_directory),
		cmocka_unit_test(test_not_regular),
		cmocka_unit_test(test_not_a_library),
	};

	return cmocka_run_group_tests_name("loader", tests, NULL, NULL);
}
