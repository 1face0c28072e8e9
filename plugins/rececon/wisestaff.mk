# SPDX-License-Identifier: Apache-2.0
# The WiseStaff adapters (docs/rececon/wisestaff*.md). wisestaff9 and
# wisestaff9plus are thin plugins over the shared official-folder engine
# (plugins/rececon/folder/official_folder.c), like oqsfolder; wisestaff8
# speaks the legacy CSV protocol over the same folder watcher. The shared
# sources (RECECON_*_SOURCES, plugins/rececon/oqsfolder/local.mk) are
# compiled into each plugin, since plugins link no daemon symbols.
WS8_SOURCES = plugins/rececon/wisestaff8/wisestaff8.c \
	plugins/rececon/wisestaff8/ws8_csv.c \
	plugins/rececon/wisestaff8/ws8_csv.h src/util/mask.c src/util/mask.h \
	$(RECECON_FOLDER_SOURCES)
WS9_SOURCES = plugins/rececon/wisestaff9/wisestaff9.c \
	$(RECECON_OFFICIAL_SOURCES)
WS9P_SOURCES = plugins/rececon/wisestaff9plus/wisestaff9plus.c \
	plugins/rececon/wisestaff9plus/notify.c \
	plugins/rececon/wisestaff9plus/notify.h \
	src/runtime/curl_loop.c src/runtime/curl_loop.h $(RECECON_OFFICIAL_SOURCES)

pkgplugin_LTLIBRARIES += plugins/rececon/wisestaff8/wisestaff8.la \
	plugins/rececon/wisestaff9/wisestaff9.la \
	plugins/rececon/wisestaff9plus/wisestaff9plus.la
plugins_rececon_wisestaff8_wisestaff8_la_SOURCES = $(WS8_SOURCES)
plugins_rececon_wisestaff8_wisestaff8_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_rececon_wisestaff8_wisestaff8_la_CFLAGS = $(PLUGIN_CFLAGS)
plugins_rececon_wisestaff9_wisestaff9_la_SOURCES = $(WS9_SOURCES)
plugins_rececon_wisestaff9_wisestaff9_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_rececon_wisestaff9_wisestaff9_la_CFLAGS = $(PLUGIN_CFLAGS) \
	$(OPENSSL_CFLAGS)
plugins_rececon_wisestaff9_wisestaff9_la_LIBADD = $(OPENSSL_LIBS)
plugins_rececon_wisestaff9plus_wisestaff9plus_la_SOURCES = $(WS9P_SOURCES)
plugins_rececon_wisestaff9plus_wisestaff9plus_la_CFLAGS = $(PLUGIN_CFLAGS) \
	$(CURL_CFLAGS) $(OPENSSL_CFLAGS)
plugins_rececon_wisestaff9plus_wisestaff9plus_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_rececon_wisestaff9plus_wisestaff9plus_la_LIBADD = $(CURL_LIBS) \
	$(OPENSSL_LIBS)

EXTRA_DIST += docs/rececon/wisestaff8.md docs/rececon/wisestaff9.md \
	docs/rececon/wisestaff9plus.md etc/onshid.d/50-wisestaff.ini.example

# Unit tests: each plugin's sources linked with the shared mock host.
check_PROGRAMS += tests/unit/test_wisestaff8 tests/unit/test_wisestaff9 \
	tests/unit/test_wisestaff9plus
TESTS += tests/unit/test_wisestaff8 tests/unit/test_wisestaff9 \
	tests/unit/test_wisestaff9plus
tests_unit_test_wisestaff8_SOURCES = tests/unit/test_wisestaff8.c \
	$(RECECON_MOCK_SOURCES) $(WS8_SOURCES)
tests_unit_test_wisestaff8_CFLAGS = $(UNIT_CFLAGS) $(OPENSSL_CFLAGS)
tests_unit_test_wisestaff8_LDADD = $(UNIT_LDADD) $(OPENSSL_LIBS)
tests_unit_test_wisestaff9_SOURCES = tests/unit/test_wisestaff9.c \
	$(RECECON_MOCK_SOURCES) $(WS9_SOURCES)
tests_unit_test_wisestaff9_CFLAGS = $(UNIT_CFLAGS) $(OPENSSL_CFLAGS)
tests_unit_test_wisestaff9_LDADD = $(UNIT_LDADD) $(OPENSSL_LIBS)
tests_unit_test_wisestaff9plus_SOURCES = tests/unit/test_wisestaff9plus.c \
	$(RECECON_MOCK_SOURCES) $(WS9P_SOURCES)
tests_unit_test_wisestaff9plus_CFLAGS = $(UNIT_CFLAGS) $(CURL_CFLAGS) \
	$(OPENSSL_CFLAGS)
tests_unit_test_wisestaff9plus_LDADD = $(UNIT_LDADD) $(CURL_LIBS) $(OPENSSL_LIBS)

# Integration: the real daemon with all three adapters against onshi-qsd;
# a tiny HTTP receiver (libmicrohttpd) records WS9+ notifications.
check_PROGRAMS += tests/integration/wisestaff-sink
tests_integration_wisestaff_sink_SOURCES = tests/integration/wisestaff-sink.c
tests_integration_wisestaff_sink_CFLAGS = $(AM_CFLAGS) $(MHD_CFLAGS)
tests_integration_wisestaff_sink_LDADD = $(MHD_LIBS)
TESTS += tests/integration/wisestaff.test
EXTRA_DIST += tests/integration/wisestaff.test
