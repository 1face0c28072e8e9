# SPDX-License-Identifier: Apache-2.0
# Remote maintenance (core/manifest.h): the signed maintenance manifest —
# Ed25519 signature, hardened parse, serial/institution/NotAfter/module
# checks, the last-applied-serial state file — and plugin signatures
# (core/plugin_sig.h), both checked by core/ed25519_verify.h. See
# docs/maintenance.md.
core_libonshi_la_SOURCES += core/manifest.c core/manifest.h \
	core/ed25519_verify.c core/ed25519_verify.h \
	core/plugin_sig.c core/plugin_sig.h

# The tests make real Ed25519 keys and signatures with the openssl command.
check_PROGRAMS += tests/unit/test_manifest tests/unit/test_plugin_sig
TESTS += tests/unit/test_manifest tests/unit/test_plugin_sig

tests_unit_test_manifest_SOURCES = tests/unit/test_manifest.c \
	tests/unit/testutil.h
tests_unit_test_manifest_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_manifest_LDADD = core/libonshi.la $(CMOCKA_LIBS)

tests_unit_test_plugin_sig_SOURCES = tests/unit/test_plugin_sig.c \
	tests/unit/testutil.h
tests_unit_test_plugin_sig_CPPFLAGS = $(AM_CPPFLAGS) \
	-DFIXTURE_DIR='"$(abs_top_builddir)/tests/plugins"'
tests_unit_test_plugin_sig_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_plugin_sig_LDADD = core/libonshi.la $(CMOCKA_LIBS)

EXTRA_DIST += docs/maintenance.md
