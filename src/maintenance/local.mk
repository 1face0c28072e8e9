# SPDX-License-Identifier: Apache-2.0
# Remote maintenance (docs/maintenance.md): the signed maintenance manifest
# (manifest.h) — Ed25519 signature and hardened parse (manifest.c), the
# serial/institution/NotAfter/module checks and the last-applied-serial
# state file (manifest_state.c) — and the running part (maintenance.h): the
# poller (maintenance.c), its all-or-nothing apply (maintenance_apply.c),
# the status report (maintenance_report.c), one HTTPS transfer
# (maintenance_fetch.c), the last outcome (maintenance_outcome.c) and the
# status line (maintenance_status.c). Plugin signatures
# (src/modules/plugin_sig.h) use the same verifier
# (src/cert/ed25519_verify.h).
src_libonshid_la_SOURCES += \
	src/maintenance/manifest.c src/maintenance/manifest.h \
	src/maintenance/manifest_state.c src/maintenance/manifest_internal.h \
	src/maintenance/maintenance.c src/maintenance/maintenance.h \
	src/maintenance/maintenance_internal.h \
	src/maintenance/maintenance_apply.c \
	src/maintenance/maintenance_fetch.c \
	src/maintenance/maintenance_outcome.c \
	src/maintenance/maintenance_report.c \
	src/maintenance/maintenance_status.c

# The tests make real Ed25519 keys and signatures with the openssl command.
check_PROGRAMS += tests/unit/test_manifest tests/unit/test_plugin_sig
TESTS += tests/unit/test_manifest tests/unit/test_plugin_sig

tests_unit_test_manifest_SOURCES = tests/unit/test_manifest.c \
	tests/unit/testutil.h
tests_unit_test_manifest_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_manifest_LDADD = src/libonshid.la $(CMOCKA_LIBS)

tests_unit_test_plugin_sig_SOURCES = tests/unit/test_plugin_sig.c \
	tests/unit/testutil.h
tests_unit_test_plugin_sig_CPPFLAGS = $(AM_CPPFLAGS) \
	-DFIXTURE_DIR='"$(abs_top_builddir)/tests/plugins"'
tests_unit_test_plugin_sig_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_plugin_sig_LDADD = src/libonshid.la $(CMOCKA_LIBS)

EXTRA_DIST += docs/maintenance.md

MAINT_TESTS = tests/integration/maintenance.test \
	tests/integration/maintenance-plugin-sig.test
TESTS += $(MAINT_TESTS)
EXTRA_DIST += $(MAINT_TESTS) tests/integration/maintenance-toggle.test \
	etc/xsd/onshi-status-report.xsd

# Too long for make check: run by make check-long (tests/local.mk).
LONG_TESTS += tests/integration/maintenance-toggle.test
