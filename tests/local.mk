# SPDX-License-Identifier: Apache-2.0
# Tests. Unit tests are cmocka programs; integration tests are bash scripts
# that run the real daemon. All go through tests/run-test (LOG_COMPILER).

EXTRA_DIST += tests/run-test tests/integration/lib.sh

# ---- fixture plugins: one good, one per load-error cause ----
FIXTURE_BASE_LDFLAGS = -module -avoid-version -no-undefined -shared -rpath /nowhere
FIXTURE_LDFLAGS = $(FIXTURE_BASE_LDFLAGS) -export-symbols-regex '^onshi_plugin_v1$$'
check_LTLIBRARIES += tests/plugins/fx_good.la tests/plugins/fx_badmagic.la \
	tests/plugins/fx_wrongabi.la tests/plugins/fx_nosym.la \
	tests/plugins/fx_failcreate.la tests/plugins/fx_shortops.la \
	tests/plugins/fx_rececon.la tests/plugins/fx_cardreader.la
tests_plugins_fx_good_la_SOURCES = tests/plugins/fixture.c
tests_plugins_fx_good_la_CPPFLAGS = $(AM_CPPFLAGS) -DFIXTURE_NAME='"fx_good"'
tests_plugins_fx_good_la_LDFLAGS = $(FIXTURE_LDFLAGS)
tests_plugins_fx_good_la_LIBADD = $(PTHREAD_LIBS)
tests_plugins_fx_badmagic_la_SOURCES = tests/plugins/fixture.c
tests_plugins_fx_badmagic_la_CPPFLAGS = $(AM_CPPFLAGS) -DFIXTURE_NAME='"fx_badmagic"' -DFIXTURE_BAD_MAGIC
tests_plugins_fx_badmagic_la_LDFLAGS = $(FIXTURE_LDFLAGS)
tests_plugins_fx_badmagic_la_LIBADD = $(PTHREAD_LIBS)
tests_plugins_fx_wrongabi_la_SOURCES = tests/plugins/fixture.c
tests_plugins_fx_wrongabi_la_CPPFLAGS = $(AM_CPPFLAGS) -DFIXTURE_NAME='"fx_wrongabi"' -DFIXTURE_WRONG_ABI
tests_plugins_fx_wrongabi_la_LDFLAGS = $(FIXTURE_LDFLAGS)
tests_plugins_fx_wrongabi_la_LIBADD = $(PTHREAD_LIBS)
tests_plugins_fx_nosym_la_SOURCES = tests/plugins/fixture.c
tests_plugins_fx_nosym_la_CPPFLAGS = $(AM_CPPFLAGS) -DFIXTURE_NAME='"fx_nosym"' -DFIXTURE_NO_SYMBOL
tests_plugins_fx_nosym_la_LDFLAGS = $(FIXTURE_BASE_LDFLAGS)
tests_plugins_fx_nosym_la_LIBADD = $(PTHREAD_LIBS)
tests_plugins_fx_failcreate_la_SOURCES = tests/plugins/fixture.c
tests_plugins_fx_failcreate_la_CPPFLAGS = $(AM_CPPFLAGS) -DFIXTURE_NAME='"fx_failcreate"' -DFIXTURE_FAIL_CREATE
tests_plugins_fx_failcreate_la_LDFLAGS = $(FIXTURE_LDFLAGS)
tests_plugins_fx_failcreate_la_LIBADD = $(PTHREAD_LIBS)
tests_plugins_fx_shortops_la_SOURCES = tests/plugins/fixture.c
tests_plugins_fx_shortops_la_CPPFLAGS = $(AM_CPPFLAGS) -DFIXTURE_NAME='"fx_shortops"' -DFIXTURE_SHORT_OPS
tests_plugins_fx_shortops_la_LDFLAGS = $(FIXTURE_LDFLAGS)
tests_plugins_fx_shortops_la_LIBADD = $(PTHREAD_LIBS)
tests_plugins_fx_rececon_la_SOURCES = tests/plugins/fixture.c
tests_plugins_fx_rececon_la_CPPFLAGS = $(AM_CPPFLAGS) -DFIXTURE_NAME='"fx_rececon"' -DFIXTURE_RECECON
tests_plugins_fx_rececon_la_LDFLAGS = $(FIXTURE_LDFLAGS)
tests_plugins_fx_rececon_la_LIBADD = $(PTHREAD_LIBS)

tests_plugins_fx_cardreader_la_SOURCES = tests/plugins/fx_cardreader.c
tests_plugins_fx_cardreader_la_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
tests_plugins_fx_cardreader_la_LDFLAGS = $(FIXTURE_LDFLAGS)
tests_plugins_fx_cardreader_la_LIBADD = $(OPENSSL_LIBS)

# ---- unit tests (cmocka) ----
UNIT_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
UNIT_LDADD = src/libonshid.la $(CMOCKA_LIBS)

check_PROGRAMS += tests/unit/test_conf tests/unit/test_loader \
	tests/unit/test_loop tests/unit/test_spool
TESTS += tests/unit/test_conf tests/unit/test_loader tests/unit/test_loop \
	tests/unit/test_spool

tests_unit_test_conf_SOURCES = tests/unit/test_conf.c tests/unit/testutil.h
tests_unit_test_conf_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_conf_LDADD = $(UNIT_LDADD)

tests_unit_test_loader_SOURCES = tests/unit/test_loader.c tests/unit/testutil.h
tests_unit_test_loader_CPPFLAGS = $(AM_CPPFLAGS) \
	-DFIXTURE_DIR='"$(abs_top_builddir)/tests/plugins"'
tests_unit_test_loader_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_loader_LDADD = $(UNIT_LDADD)

check_PROGRAMS += tests/unit/test_mask tests/unit/test_audit_verify \
	tests/unit/test_audit
TESTS += tests/unit/test_mask tests/unit/test_audit_verify tests/unit/test_audit
# The writer alone: util, its own two files and the loop, log and group
# commit it takes.
tests_unit_test_audit_SOURCES = tests/unit/test_audit.c tests/unit/testutil.h \
	src/runtime/audit.c src/runtime/audit_verify.c src/runtime/audit.h \
	src/runtime/log.c src/runtime/loop.c src/runtime/group_commit.c
tests_unit_test_audit_CFLAGS = $(UNIT_CFLAGS) $(OPENSSL_CFLAGS)
tests_unit_test_audit_LDADD = src/util/libonshi-util.la $(CMOCKA_LIBS) \
	$(OPENSSL_LIBS)
tests_unit_test_audit_verify_SOURCES = tests/unit/test_audit_verify.c
tests_unit_test_audit_verify_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_audit_verify_LDADD = $(UNIT_LDADD)
tests_unit_test_mask_SOURCES = tests/unit/test_mask.c
tests_unit_test_mask_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_mask_LDADD = $(UNIT_LDADD)

# The util layer's shared helpers (src/util/msg.h, src/util/read_file.h, src/util/utc.h).
check_PROGRAMS += tests/unit/test_msg tests/unit/test_read_file tests/unit/test_utc
TESTS += tests/unit/test_msg tests/unit/test_read_file tests/unit/test_utc
tests_unit_test_msg_SOURCES = tests/unit/test_msg.c
tests_unit_test_msg_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_msg_LDADD = $(UNIT_LDADD)
tests_unit_test_read_file_SOURCES = tests/unit/test_read_file.c
tests_unit_test_read_file_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_read_file_LDADD = $(UNIT_LDADD)
tests_unit_test_utc_SOURCES = tests/unit/test_utc.c
tests_unit_test_utc_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_utc_LDADD = $(UNIT_LDADD)

# The VICI wire format (src/vpn/vici_wire.c): the README's example, list-sa,
# segments and hostile packets.
check_PROGRAMS += tests/unit/test_vici_wire
TESTS += tests/unit/test_vici_wire
tests_unit_test_vici_wire_SOURCES = tests/unit/test_vici_wire.c
tests_unit_test_vici_wire_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_vici_wire_LDADD = $(UNIT_LDADD)

tests_unit_test_loop_SOURCES = tests/unit/test_loop.c
tests_unit_test_loop_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_loop_LDADD = $(UNIT_LDADD) $(PTHREAD_LIBS)

# The one inotify instance (src/runtime/path_watch.c): sharing, overflow,
# deleted folders, removal from callbacks.
check_PROGRAMS += tests/unit/test_batch_parts
TESTS += tests/unit/test_batch_parts
tests_unit_test_batch_parts_SOURCES = tests/unit/test_batch_parts.c
tests_unit_test_batch_parts_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_batch_parts_LDADD = $(UNIT_LDADD)
check_PROGRAMS += tests/unit/test_path_watch
TESTS += tests/unit/test_path_watch
tests_unit_test_path_watch_SOURCES = tests/unit/test_path_watch.c
tests_unit_test_path_watch_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_path_watch_LDADD = $(UNIT_LDADD)

# The group commit (src/runtime/group_commit.c): rounds, order, errors.
check_PROGRAMS += tests/unit/test_group_commit
TESTS += tests/unit/test_group_commit
tests_unit_test_group_commit_SOURCES = tests/unit/test_group_commit.c
tests_unit_test_group_commit_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_group_commit_LDADD = $(UNIT_LDADD) $(PTHREAD_LIBS)

tests_unit_test_spool_SOURCES = tests/unit/test_spool.c tests/unit/testutil.h
tests_unit_test_spool_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_spool_LDADD = $(UNIT_LDADD)

# The dispatcher alone, with fake commands: linked without libonshi.
check_PROGRAMS += tests/unit/test_control_dispatch
TESTS += tests/unit/test_control_dispatch
tests_unit_test_control_dispatch_SOURCES = \
	tests/unit/test_control_dispatch.c \
	src/control/control_dispatch.c src/control/control_dispatch.h \
	src/util/strbuf.c src/util/strbuf.h
tests_unit_test_control_dispatch_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_control_dispatch_LDADD = $(CMOCKA_LIBS)

# Real command handlers through the real dispatcher, against a fake core:
# the modules and the national link are the fakes of tests/unit/fake_*.c,
# the control server's client and the batch size limit are faked in the
# test.
check_PROGRAMS += tests/unit/test_control_cmds
TESTS += tests/unit/test_control_cmds
tests_unit_test_control_cmds_SOURCES = tests/unit/test_control_cmds.c \
	tests/unit/testutil.h \
	tests/unit/fake_national.c tests/unit/fake_national.h \
	tests/unit/fake_modules.c tests/unit/fake_modules.h \
	src/control/control_dispatch.c src/control/control_cmds.c \
	src/control/control_batch.c src/control/control_batch_common.c \
	src/runtime/key_hex.c \
	src/control/control_batch_parts.c \
	src/inquiry/batch_parts.c src/inquiry/batch_parts_calls.c \
	src/control/control_national.c \
	src/control/control_reply.c src/status/status_model.c \
	src/status/status_xml.c src/modules/module_status.c \
	src/runtime/conf.c src/runtime/diag.c
tests_unit_test_control_cmds_CFLAGS = $(UNIT_CFLAGS) $(INIH_CFLAGS) \
	$(XML_CFLAGS) $(OPENSSL_CFLAGS)
tests_unit_test_control_cmds_LDADD = src/codec/libonshi-codec.la \
	src/util/libonshi-util.la $(CMOCKA_LIBS) $(INIH_LIBS) $(XML_LIBS) \
	$(OPENSSL_LIBS)

check_PROGRAMS += tests/unit/test_module
TESTS += tests/unit/test_module
tests_unit_test_module_SOURCES = tests/unit/test_module.c tests/unit/testutil.h
tests_unit_test_module_CPPFLAGS = $(AM_CPPFLAGS) \
	-DFIXTURE_DIR='"$(abs_top_builddir)/tests/plugins"'
tests_unit_test_module_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_module_LDADD = $(UNIT_LDADD)

# The inquiry pipeline and the card path on their own: the real files under
# test, the spool, counts and status model, the configuration reader, the
# log and the codec; the national link, the modules (with the adapters'
# delivery sink), the audit writer and the requeue timer are fakes
# (tests/unit/fake_*.c) linked in their place.
PIPELINE_TEST_SOURCES = tests/unit/testutil.h \
	tests/unit/fake_national.c tests/unit/fake_national.h \
	tests/unit/fake_modules.c tests/unit/fake_modules.h \
	tests/unit/fake_pipeline.c tests/unit/fake_pipeline.h \
	src/inquiry/inquiry.c src/inquiry/inquiry_deliver.c \
	src/inquiry/inquiry_kinds.c src/inquiry/inquiry_parts.c \
	src/inquiry/batch_parts.c src/inquiry/batch_parts_calls.c \
	src/inquiry/spool.c src/inquiry/spool_legacy.c src/inquiry/spool_log.c \
	src/inquiry/status_counts.c src/inquiry/audit_national.c \
	src/status/status_model.c src/runtime/conf.c \
	src/runtime/conf_schema.c src/runtime/diag.c \
	src/runtime/status_listen.c src/runtime/log.c \
	src/runtime/group_commit.c src/runtime/key_hex.c
PIPELINE_TEST_CFLAGS = $(UNIT_CFLAGS) $(INIH_CFLAGS) $(XML_CFLAGS) \
	$(OPENSSL_CFLAGS)
PIPELINE_TEST_LDADD = src/codec/libonshi-codec.la src/util/libonshi-util.la \
	$(CMOCKA_LIBS) $(INIH_LIBS) $(XML_LIBS) $(OPENSSL_LIBS) $(ZLIB_LIBS) \
	$(PTHREAD_LIBS)
check_PROGRAMS += tests/unit/test_inquiry
TESTS += tests/unit/test_inquiry
tests_unit_test_inquiry_SOURCES = tests/unit/test_inquiry.c \
	$(PIPELINE_TEST_SOURCES)
tests_unit_test_inquiry_CFLAGS = $(PIPELINE_TEST_CFLAGS)
tests_unit_test_inquiry_LDADD = $(PIPELINE_TEST_LDADD)
# The card path: the reads and their check on top of the same pipeline; the
# certificate library's JPKI checks are faked in the test.
check_PROGRAMS += tests/unit/test_card
TESTS += tests/unit/test_card
tests_unit_test_card_SOURCES = tests/unit/test_card.c \
	src/inquiry/card_read.c src/inquiry/card_check.c \
	$(PIPELINE_TEST_SOURCES)
tests_unit_test_card_CFLAGS = $(PIPELINE_TEST_CFLAGS)
tests_unit_test_card_LDADD = $(PIPELINE_TEST_LDADD)

# ---- integration tests (bash, real daemon) ----
INTEGRATION_TESTS = tests/integration/daemon.test \
	tests/integration/health.test \
	tests/integration/check-config.test \
	tests/integration/oqs-e2e.test \
	tests/integration/kinds.test \
	tests/integration/inotify-shared.test \
	tests/integration/clients.test \
	tests/integration/audit.test \
	tests/integration/audit-events.test \
	tests/integration/masking.test \
	tests/integration/tls.test \
	tests/integration/institution-certs.test \
	tests/integration/faults.test \
	tests/integration/disk.test \
	tests/integration/cert.test \
	tests/integration/card-e2e.test \
	tests/integration/folder-contract.test \
	tests/integration/demo.test \
	tests/integration/notify.test \
	tests/integration/unit.test \
	tests/integration/hardening.test \
	tests/integration/coredump.test \
	tests/integration/trust.test \
	tests/integration/man.test \
	tests/integration/samba.test \
	tests/integration/status-limits.test \
	tests/integration/control-limits.test \
	tests/integration/control-upload.test \
	tests/integration/batch-stream.test \
	tests/integration/batch-split.test \
	tests/integration/vpn.test \
	tests/integration/demo-vpn.test \
	tests/integration/vici-hostile.test \
	tests/integration/selftest.test \
	tests/integration/install.test \
	tests/integration/layers.test
TESTS += $(INTEGRATION_TESTS)
EXTRA_DIST += $(INTEGRATION_TESTS)
# The batch tests' persons and their check, from the simulator's dataset.
EXTRA_DIST += tests/integration/batch-units.py
# The two-namespace strongSwan lab vpn.test builds (root only).
EXTRA_DIST += tests/integration/vpn-lab.sh
# A VICI socket that is not charon (vici-hostile.test).
EXTRA_DIST += tests/integration/vici-hostile.py

# Stands in for systemd's notification socket (notify.test).
check_PROGRAMS += tests/integration/notify-sink
tests_integration_notify_sink_SOURCES = tests/integration/notify-sink.c

# kill -9 at random points over 200 rounds of mixed load.
LONG_TESTS += tests/integration/crash-loop.test
EXTRA_DIST += tests/integration/crash-loop.test

# Figures for docs/robustness.md: the fault and crash tests (and make fuzz)
# append theirs here; make robustness runs them and renders the page.
ROBUSTNESS_DIR = $(abs_top_builddir)/robustness
AM_TESTS_ENVIRONMENT += \
	ONSHI_ROBUSTNESS_DIR='$(ROBUSTNESS_DIR)'; export ONSHI_ROBUSTNESS_DIR;
robustness: all
	$(MAKE) $(AM_MAKEFLAGS) fuzz
	$(MAKE) $(AM_MAKEFLAGS) check \
		TESTS='tests/integration/faults.test tests/integration/crash-loop.test'
	$(SHELL) $(top_srcdir)/tools/robustness-report --add $(ROBUSTNESS_DIR) \
		$(top_srcdir)/docs/robustness $(top_srcdir)/docs/robustness.md
.PHONY: robustness
clean-local: clean-robustness
clean-robustness:
	-rm -rf $(ROBUSTNESS_DIR)
.PHONY: clean-robustness
EXTRA_DIST += tools/robustness-report docs/robustness.md docs/robustness

# make check-long: the LONG_TESTS of every fragment, same harness.
check-long: all
	$(MAKE) $(AM_MAKEFLAGS) check TESTS='$(LONG_TESTS)'
.PHONY: check-long

# The README's "Build and install" section followed as written on a fresh
# Debian booted with systemd (root, debootstrap, systemd-container, the
# Debian mirror; 20-40 minutes): tools/readme-install.
check-readme-install:
	$(top_srcdir)/tools/readme-install
.PHONY: check-readme-install
EXTRA_DIST += tools/readme-install

