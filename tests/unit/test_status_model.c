/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_status_model.c — the status model: providers keep their
 * registration order, a provider may add fields to the line before it, and
 * the STATUS text and the XML document render the same lines.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "status.h"

/* Begins the daemon line; ctx is its config path. */
static void first(struct onshi_status_snapshot *s, void *ctx)
{
	onshi_status_line_begin(s, "daemon", "onshid");
	onshi_status_put(s, "version", "1.2");
	onshi_status_put(s, "config", ctx);
}

/* Adds to the daemon line, then a line of its own with untrusted text. */
static void second(struct onshi_status_snapshot *s, void *ctx)
{
	(void)ctx;
	onshi_status_put_long(s, "spool", -3);
	onshi_status_line_begin(s, "module", "reader:desk 1");
	onshi_status_put(s, "state", "running");
	onshi_status_put(s, "status", "say \"<hi>\" & \\ bye\nnow");
	onshi_status_put(s, "vendor", "");
}

static void test_model_text_and_xml(void **state)
{
	struct onshi_status_registry r = { 0 };
	struct onshi_status_snapshot s;
	struct onshi_strbuf text = { 0 };
	char *xml = NULL;
	size_t len = 0;
	const struct onshi_status_line *d;

	(void)state;
	assert_int_equal(onshi_status_register(&r, "first", first,
					       "/etc/onshi/onshid.ini"),
			 ONSHI_OK);
	assert_int_equal(onshi_status_register(&r, "second", second, NULL), ONSHI_OK);
	assert_int_equal(onshi_status_collect(&r, &s), 0);
	assert_int_equal(s.nlines, 2);
	d = onshi_status_snapshot_find(&s, "daemon");
	assert_non_null(d);
	assert_int_equal(d->n, 4);
	assert_string_equal(onshi_status_line_get(d, "spool"), "-3");
	assert_null(onshi_status_snapshot_find(&s, "today"));
	assert_null(onshi_status_line_get(NULL, "spool"));

	/* The control protocol's lines, exactly. */
	onshi_status_text(&s, &text);
	assert_false(text.failed);
	assert_string_equal(text.data,
			    "daemon=onshid version=1.2 config=/etc/onshi/onshid.ini spool=-3\n"
			    "module=\"reader:desk 1\" state=running "
			    "status=\"say \\\"<hi>\\\" & \\\\ bye now\" vendor=\"\"\n");

	/* The same lines as one element each, the first value in its
	 * attribute, the text escaped and its newline a space. */
	assert_int_equal(onshi_status_xml_doc(&s, &xml, &len), ONSHI_OK);
	assert_non_null(xml);
	assert_int_equal(strlen(xml), len);
	assert_non_null(strstr(xml, "xmlns=\"" ONSHI_STATUS_XMLNS "\""));
	assert_non_null(strstr(xml, "<daemon name=\"onshid\" version=\"1.2\" "
				    "config=\"/etc/onshi/onshid.ini\" spool=\"-3\"/>"));
	assert_non_null(strstr(xml, "<module name=\"reader:desk 1\" state=\"running\" "
				    "status=\"say &quot;&lt;hi&gt;&quot; &amp; \\ bye now\" "
				    "vendor=\"\"/>"));
	assert_true(strstr(xml, "<daemon") < strstr(xml, "<module"));

	free(xml);
	onshi_strbuf_free(&text);
	onshi_status_snapshot_free(&s);
	onshi_status_registry_free(&r);
}

/* Fields with no line to go to are a provider's mistake: the snapshot says
 * it failed rather than inventing a line. */
static void test_model_no_line(void **state)
{
	struct onshi_status_registry r = { 0 };
	struct onshi_status_snapshot s;
	char *xml = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(onshi_status_register(&r, "second", second, NULL), ONSHI_OK);
	assert_int_equal(onshi_status_collect(&r, &s), -1);
	assert_int_equal(onshi_status_xml_doc(&s, &xml, &len), ONSHI_ENOMEM);
	assert_null(xml);
	onshi_status_snapshot_free(&s);
	onshi_status_registry_free(&r);

	/* No providers: no lines. */
	assert_int_equal(onshi_status_collect(NULL, &s), 0);
	assert_int_equal(s.nlines, 0);
	onshi_status_snapshot_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model_text_and_xml),
		cmocka_unit_test(test_model_no_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
