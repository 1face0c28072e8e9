# SPDX-License-Identifier: Apache-2.0
# pcsc: PC/SC reader plugin for a My Number Card, PIN mode
# (docs/readers/pcsc.md). Built only when configure found libpcsclite.
# pcsc-harness links the plugin's sources with a mock host so the
# integration test can drive it through a private pcscd without onshid.
if HAVE_PCSC
PCSC_PLUGIN_SOURCES = plugins/readers/pcsc/pcsc.c \
	plugins/readers/pcsc/jpki.c plugins/readers/pcsc/jpki.h \
	plugins/readers/pcsc/pin_tty.c plugins/readers/pcsc/pin_tty.h

pkgplugin_LTLIBRARIES += plugins/readers/pcsc/pcsc.la
plugins_readers_pcsc_pcsc_la_SOURCES = $(PCSC_PLUGIN_SOURCES)
plugins_readers_pcsc_pcsc_la_CFLAGS = $(PLUGIN_CFLAGS) $(PCSC_CFLAGS) \
	$(OPENSSL_CFLAGS) $(PTHREAD_LIBS)
plugins_readers_pcsc_pcsc_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_readers_pcsc_pcsc_la_LIBADD = $(PCSC_LIBS) $(OPENSSL_LIBS) \
	$(PTHREAD_LIBS)

check_PROGRAMS += plugins/readers/pcsc/pcsc-harness tests/integration/pty-keys
tests_integration_pty_keys_SOURCES = tests/integration/pty-keys.c
plugins_readers_pcsc_pcsc_harness_SOURCES = \
	plugins/readers/pcsc/harness.c $(PCSC_PLUGIN_SOURCES)
plugins_readers_pcsc_pcsc_harness_CFLAGS = $(AM_CFLAGS) $(PCSC_CFLAGS) \
	$(OPENSSL_CFLAGS) $(PTHREAD_LIBS)
plugins_readers_pcsc_pcsc_harness_LDADD = $(PCSC_LIBS) $(OPENSSL_LIBS) \
	$(PTHREAD_LIBS)
endif

# The test skips itself (77) without root, pcscd or vpcd.
# A private pcscd (one at a time) and an occasional vpcd re-insertion
# flake: run by make check-long, not make check.
LONG_TESTS += tests/integration/pcsc.test
EXTRA_DIST += tests/integration/pcsc.test docs/readers/pcsc.md

# The terminal PIN prompt needs no PC/SC: tested on a pty in make check.
check_PROGRAMS += tests/unit/test_pin_tty
TESTS += tests/unit/test_pin_tty
tests_unit_test_pin_tty_SOURCES = tests/unit/test_pin_tty.c \
	plugins/readers/pcsc/pin_tty.c plugins/readers/pcsc/pin_tty.h
tests_unit_test_pin_tty_CFLAGS = $(UNIT_CFLAGS) $(PTHREAD_LIBS)
tests_unit_test_pin_tty_LDADD = $(CMOCKA_LIBS) $(PTHREAD_LIBS)
