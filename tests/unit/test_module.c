/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_module.c — module lifecycle listeners (module.h): who registered
 * hears of a module started (in registration order) and of an instance
 * stopping (in reverse order, after its stop()), against the fx_good
 * fixture plugin and the real host table; and the card check's refusals
 * when no JPKI trust is configured (card_check.h).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <onshi/message.h>

#include "card_check.h"
#include "conf.h"
#include "core.h"
#include "host.h"
#include "loader.h"
#include "loop.h"
#include "module.h"
#include "testutil.h"

/* What the listeners heard, one word each: "A+desk", "B-desk", ... */
static char heard[16][32];
static unsigned nheard;
/* The instance the last stopping() was told about. */
static struct onshi_instance *stopping_inst;

static void hear(const char *who, char what, const char *mod)
{
	assert_true(nheard < 16);
	snprintf(heard[nheard++], sizeof(heard[0]), "%s%c%s", who, what, mod);
}

static void a_started(void *ctx, struct onshi_module *mod)
{
	hear(ctx, '+', mod->section_name);
	/* Started means running: the instance is the module's already. */
	assert_int_equal(mod->state, ONSHI_MODULE_RUNNING);
	assert_non_null(mod->inst);
}

static void a_stopping(void *ctx, struct onshi_instance *inst)
{
	hear(ctx, '-', inst->module->section_name);
	stopping_inst = inst;
}

static const struct onshi_module_listener listener = {
	.started = a_started,
	.stopping = a_stopping,
};
static const struct onshi_module_listener only_started = {
	.started = a_started,
};

static const char conf_text[] = "[institution main]\n"
				"code = 1312345678\n"
				"name = Test Clinic\n"
				"[reader desk]\n"
				"plugin = fx_good\n"
				"greeting = hi\n"
				"[reader bad]\n"
				"plugin = fx_good\n"
				"fail_start = yes\n";

struct fixture {
	char *dir;
	struct onshi_core *core;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct onshi_diag diag = { 0 };
	char path[4200];

	assert_non_null(f);
	f->dir = test_tmpdir();
	test_write(f->dir, "onshid.ini", conf_text);
	snprintf(path, sizeof(path), "%s/onshid.ini", f->dir);
	f->core = calloc(1, sizeof(*f->core));
	assert_non_null(f->core);
	onshi_log_init(&f->core->log, ONSHI_LOG_ERR, ONSHI_LOG_STDERR);
	assert_int_equal(onshi_config_load(path, &f->core->config, &diag), ONSHI_OK);
	onshi_diag_clear(&diag);
	assert_int_equal(onshi_loop_new(&f->core->loop), ONSHI_OK);
	assert_int_equal(onshi_loader_new(FIXTURE_DIR, 1, &f->core->loader), ONSHI_OK);
	assert_int_equal(onshi_modules_build(f->core, onshi_host_table()), ONSHI_OK);
	nheard = 0;
	stopping_inst = NULL;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	onshi_modules_free(f->core);
	onshi_loader_free(f->core->loader);
	onshi_loop_free(f->core->loop);
	onshi_config_free(f->core->config);
	onshi_log_close(&f->core->log);
	free(f->core);
	test_rmtree(f->dir);
	free(f);
	return 0;
}

static void test_started_and_stopping_in_order(void **state)
{
	struct fixture *f = *state;
	struct onshi_module *desk = onshi_module_find(f->core, "reader:desk");
	struct onshi_instance *inst;
	char msg[1024];

	assert_non_null(desk);
	/* Every module built got the host table it was handed. */
	assert_ptr_equal(desk->host, onshi_host_table());
	assert_int_equal(onshi_module_listen(f->core, &listener, "A"), ONSHI_OK);
	assert_int_equal(onshi_module_listen(f->core, &listener, "B"), ONSHI_OK);

	assert_int_equal(onshi_module_enable(desk, msg, sizeof(msg)), ONSHI_OK);
	assert_int_equal(nheard, 2);
	assert_string_equal(heard[0], "A+desk");
	assert_string_equal(heard[1], "B+desk");

	inst = desk->inst;
	assert_int_equal(onshi_module_disable(desk, msg, sizeof(msg)), ONSHI_OK);
	assert_int_equal(nheard, 4);
	assert_string_equal(heard[2], "B-desk");
	assert_string_equal(heard[3], "A-desk");
	assert_ptr_equal(stopping_inst, inst);

	/* Unlistened: A hears nothing more; B still does. */
	onshi_module_unlisten(f->core, &listener, "A");
	onshi_module_unlisten(f->core, &listener, "nobody"); /* no-op */
	assert_int_equal(onshi_module_enable(desk, msg, sizeof(msg)), ONSHI_OK);
	assert_int_equal(nheard, 5);
	assert_string_equal(heard[4], "B+desk");
	/* B stays registered: onshi_modules_free stops desk, then releases
	 * the leftover registration. */
}

static void test_failed_start_is_stopping_not_started(void **state)
{
	struct fixture *f = *state;
	struct onshi_module *bad = onshi_module_find(f->core, "reader:bad");
	char msg[1024];

	assert_non_null(bad);
	assert_int_equal(onshi_module_listen(f->core, &listener, "A"), ONSHI_OK);
	assert_int_equal(onshi_module_listen(f->core, &only_started, "S"), ONSHI_OK);
	assert_int_not_equal(onshi_module_enable(bad, msg, sizeof(msg)), ONSHI_OK);
	assert_int_equal(bad->state, ONSHI_MODULE_FAILED);
	/* The instance was created, its start failed: it is torn down (those
	 * holding it let go) but was never started. A NULL callback is
	 * skipped. */
	assert_int_equal(nheard, 1);
	assert_string_equal(heard[0], "A-bad");
	onshi_module_unlisten(f->core, &listener, "A");
	onshi_module_unlisten(f->core, &only_started, "S");
}

/* A My Number inquiry with a CardAuthentication, as inquiry.c checks it. */
static void card_request(struct onshi_msg *req)
{
	onshi_msg_init(req, ONSHI_MSG_INQUIRY_REQUEST);
	req->u.inquiry_request.has_card_auth = true;
	req->u.inquiry_request.card_auth.method = ONSHI_AUTH_PIN;
}

static void test_card_check_refused_without_trust(void **state)
{
	struct fixture *f = *state;
	struct onshi_msg req;
	char why[512], msg[512];

	card_request(&req);
	/* Cards never opened. */
	assert_int_equal(onshi_card_check(f->core, &req, why, sizeof(why)),
			 ONSHI_ECRYPTO);
	assert_non_null(strstr(why, "no [jpki] trust_dir configured"));
	/* Opened from a configuration without [jpki]: still refused, and the
	 * card path registered (and on close unregisters) its listener. */
	assert_int_equal(onshi_cards_open(f->core, msg, sizeof(msg)), ONSHI_OK);
	assert_non_null(f->core->module_listeners);
	why[0] = '\0';
	assert_int_equal(onshi_card_check(f->core, &req, why, sizeof(why)),
			 ONSHI_ECRYPTO);
	assert_non_null(strstr(why, "card reads cannot be checked"));
	onshi_cards_close(f->core);
	assert_null(f->core->cards);
	assert_null(f->core->module_listeners);
	onshi_msg_clear(&req);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_started_and_stopping_in_order,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_start_is_stopping_not_started,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_card_check_refused_without_trust,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
