/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_plugin_sig.c — plugin integrity with real keys and a real plugin:
 * the group setup makes two Ed25519 key pairs and a P-256 key with the
 * openssl command; each case copies the built fixture plugin fx_good.so
 * into a temporary folder and signs it as a vendor would (`openssl pkeyutl
 * -sign -rawin`). Cases: valid, tampered (one byte flipped, one appended),
 * unsigned, wrong key, wrong key type, a bad .sig, missing or unreadable
 * plugin — each checked by its code and the words of its reason.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cmocka.h>

#include <onshi/error.h>

#include "plugin_sig.h"
#include "testutil.h"

struct env {
	char *tmp;      /* keys; removed at teardown */
	char *dir;      /* this case's plugin folder */
	char so[4300];  /* dir/fx_good.so */
	char sig[4300]; /* dir/fx_good.so.sig */
	char maint_key[4200], maint_pub[4200];
	char other_key[4200], ec_pub[4200];
};

static void assert_msg_has(const char *msg, const char *needle)
{
	if (strstr(msg, needle) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", msg, needle);
}

static const char *openssl_cmd(void)
{
	const char *o = getenv("OPENSSL");

	return o != NULL && o[0] != '\0' ? o : "openssl";
}

static int run(const char *cmd)
{
	if (system(cmd) != 0) {
		fprintf(stderr, "failed: %s\n", cmd);
		return -1;
	}
	return 0;
}

static int group_setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	const char *o = openssl_cmd();
	char cmd[9000];

	if (e == NULL)
		return -1;
	e->tmp = test_tmpdir();
	snprintf(e->maint_key, sizeof(e->maint_key), "%s/maint.key", e->tmp);
	snprintf(e->maint_pub, sizeof(e->maint_pub), "%s/maint.pub", e->tmp);
	snprintf(e->other_key, sizeof(e->other_key), "%s/maint-other.key", e->tmp);
	snprintf(e->ec_pub, sizeof(e->ec_pub), "%s/ec.pub", e->tmp);
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && %s genpkey -algorithm ed25519 -out maint.key && "
		 "%s pkey -in maint.key -pubout -out maint.pub && "
		 "%s genpkey -algorithm ed25519 -out maint-other.key && "
		 "%s genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 "
		 "-out ec.key && %s pkey -in ec.key -pubout -out ec.pub",
		 e->tmp, o, o, o, o, o);
	if (run(cmd) != 0) {
		test_rmtree(e->tmp);
		free(e);
		return -1;
	}
	*state = e;
	return 0;
}

static int group_teardown(void **state)
{
	struct env *e = *state;

	test_rmtree(e->tmp);
	free(e);
	return 0;
}

/* A fresh folder holding a copy of the fixture plugin, unsigned. */
static int setup(void **state)
{
	struct env *e = *state;
	char cmd[9000];

	e->dir = test_tmpdir();
	snprintf(e->so, sizeof(e->so), "%s/fx_good.so", e->dir);
	snprintf(e->sig, sizeof(e->sig), "%s/fx_good.so.sig", e->dir);
	snprintf(cmd, sizeof(cmd), "cp '%s/.libs/fx_good.so' '%s'", FIXTURE_DIR,
		 e->so);
	return run(cmd);
}

static int teardown(void **state)
{
	struct env *e = *state;

	test_rmtree(e->dir);
	e->dir = NULL;
	return 0;
}

static void sign_with(const struct env *e, const char *key)
{
	char cmd[13000];

	snprintf(cmd, sizeof(cmd),
		 "%s pkeyutl -sign -rawin -inkey '%s' -in '%s' "
		 "-out '%s'",
		 openssl_cmd(), key, e->so, e->sig);
	assert_int_equal(run(cmd), 0);
}

/* Flip one byte of path at offset at (from the end when at < 0). */
static void flip_byte(const char *path, long at)
{
	FILE *f = fopen(path, "r+b");
	int c;

	assert_non_null(f);
	assert_int_equal(fseek(f, at, at < 0 ? SEEK_END : SEEK_SET), 0);
	c = fgetc(f);
	assert_true(c != EOF);
	assert_int_equal(fseek(f, -1, SEEK_CUR), 0);
	assert_int_equal(fputc(c ^ 0x01, f), c ^ 0x01);
	assert_int_equal(fclose(f), 0);
}

static void test_valid(void **state)
{
	struct env *e = *state;
	char msg[512] = "x";

	sign_with(e, e->maint_key);
	assert_int_equal(onshi_plugin_sig_check(e->so, e->maint_pub, msg, sizeof(msg)),
			 ONSHI_OK);
	assert_string_equal(msg, "");
}

static void test_tampered(void **state)
{
	struct env *e = *state;
	char msg[512], cmd[9000];

	sign_with(e, e->maint_key);
	/* Inside the ELF header, then in the last byte: both must be noticed. */
	flip_byte(e->so, 40);
	assert_int_equal(onshi_plugin_sig_check(e->so, e->maint_pub, msg, sizeof(msg)),
			 ONSHI_ECRYPTO);
	assert_msg_has(msg, "the signature of plugin ");
	assert_msg_has(msg, "fx_good.so does not match the trust key");
	assert_msg_has(msg, "changed after signing");
	flip_byte(e->so, 40);
	assert_int_equal(onshi_plugin_sig_check(e->so, e->maint_pub, msg, sizeof(msg)),
			 ONSHI_OK);
	flip_byte(e->so, -1);
	assert_int_equal(onshi_plugin_sig_check(e->so, e->maint_pub, msg, sizeof(msg)),
			 ONSHI_ECRYPTO);
	flip_byte(e->so, -1);
	/* Something appended (a payload after the ELF sections). */
	snprintf(cmd, sizeof(cmd), "printf 'x' >> '%s'", e->so);
	assert_int_equal(run(cmd), 0);
	assert_int_equal(onshi_plugin_sig_check(e->so, e->maint_pub, msg, sizeof(msg)),
			 ONSHI_ECRYPTO);
	assert_msg_has(msg, "does not match");
}

static void test_unsigned(void **state)
{
	struct env *e = *state;
	char msg[1024];

	assert_int_equal(onshi_plugin_sig_check(e->so, e->maint_pub, msg, sizeof(msg)),
			 ONSHI_ENOTFOUND);
	assert_msg_has(msg, "signature file ");
	assert_msg_has(msg, "fx_good.so.sig does not exist: the plugin is unsigned");
	assert_msg_has(msg, "openssl pkeyutl -sign -rawin -inkey maint.key -in ");
}

static void test_wrong_key(void **state)
{
	struct env *e = *state;
	char msg[512];

	sign_with(e, e->other_key);
	assert_int_equal(onshi_plugin_sig_check(e->so, e->maint_pub, msg, sizeof(msg)),
			 ONSHI_ECRYPTO);
	assert_msg_has(msg, "does not match the trust key");
	assert_msg_has(msg, "signed with another key");
	/* A trust key of the wrong type is its own reason. */
	sign_with(e, e->maint_key);
	assert_int_equal(onshi_plugin_sig_check(e->so, e->ec_pub, msg, sizeof(msg)),
			 ONSHI_ECRYPTO);
	assert_msg_has(msg, "not an Ed25519 key");
}

static void test_bad_sig_file(void **state)
{
	struct env *e = *state;
	char msg[512], cmd[18000];

	test_write(e->dir, "fx_good.so.sig", "");
	assert_int_equal(onshi_plugin_sig_check(e->so, e->maint_pub, msg, sizeof(msg)),
			 ONSHI_ECRYPTO);
	assert_msg_has(msg, "0 bytes, not the 64");
	/* A base64 signature instead of the raw one. */
	sign_with(e, e->maint_key);
	snprintf(cmd, sizeof(cmd), "base64 -w0 < '%s' > '%s.b64' && mv '%s.b64' '%s'",
		 e->sig, e->sig, e->sig, e->sig);
	assert_int_equal(run(cmd), 0);
	assert_int_equal(onshi_plugin_sig_check(e->so, e->maint_pub, msg, sizeof(msg)),
			 ONSHI_ECRYPTO);
	assert_msg_has(msg, "base64?");
	/* Far too big to be a signature. */
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", e->so, e->sig);
	assert_int_equal(run(cmd), 0);
	assert_int_equal(onshi_plugin_sig_check(e->so, e->maint_pub, msg, sizeof(msg)),
			 ONSHI_ECRYPTO);
	assert_msg_has(msg, "over the limit");
	/* A folder where the signature should be. */
	assert_int_equal(unlink(e->sig), 0);
	assert_int_equal(mkdir(e->sig, 0700), 0);
	assert_int_equal(onshi_plugin_sig_check(e->so, e->maint_pub, msg, sizeof(msg)),
			 ONSHI_EIO);
	assert_msg_has(msg, "not a regular file");
}

static void test_unreadable_plugin(void **state)
{
	struct env *e = *state;
	char msg[512], path[4400];

	snprintf(path, sizeof(path), "%s/absent.so", e->dir);
	assert_int_equal(onshi_plugin_sig_check(path, e->maint_pub, msg, sizeof(msg)),
			 ONSHI_ENOTFOUND);
	assert_msg_has(msg, "plugin ");
	assert_msg_has(msg, "absent.so does not exist");
	snprintf(path, sizeof(path), "%s/dir.so", e->dir);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(onshi_plugin_sig_check(path, e->maint_pub, msg, sizeof(msg)),
			 ONSHI_EIO);
	assert_msg_has(msg, "cannot read plugin");
	assert_msg_has(msg, "not a regular file");
	/* Permission bits do not stop root, so only as another user. */
	if (geteuid() != 0) {
		assert_int_equal(chmod(e->so, 0), 0);
		assert_int_equal(onshi_plugin_sig_check(e->so, e->maint_pub,
							msg, sizeof(msg)),
				 ONSHI_EIO);
		assert_msg_has(msg, "Permission denied");
	}
	assert_int_equal(chmod(e->so, 0644), 0);
	sign_with(e, e->maint_key);
	snprintf(path, sizeof(path), "%s/absent.pub", e->dir);
	assert_int_equal(onshi_plugin_sig_check(e->so, path, msg, sizeof(msg)),
			 ONSHI_EIO);
	assert_msg_has(msg, "cannot read the trust key");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_valid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tampered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unsigned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_sig_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreadable_plugin, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
