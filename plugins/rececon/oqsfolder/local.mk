# SPDX-License-Identifier: Apache-2.0
# oqsfolder: the official terminal's req/res/face folder interface
# (docs/rececon/oqsfolder.md), a thin plugin over the official-folder engine
# it shares with wisestaff9 and wisestaff9plus (plugins/rececon/wisestaff.mk,
# included later, reuses the variables below). The shared folder machinery
# in plugins/rececon/folder/ is compiled into each folder adapter from
# source, since plugins link no daemon symbols.
RECECON_FOLDER_SOURCES = plugins/rececon/folder/folder_watch.c \
	plugins/rececon/folder/folder_watch.h \
	src/util/read_file.c src/util/read_file.h
RECECON_OFFICIAL_SOURCES = $(RECECON_FOLDER_SOURCES) \
	plugins/rececon/folder/official_folder.c \
	plugins/rececon/folder/official_folder.h
# The mock daemon every adapter's unit test links with.
RECECON_MOCK_SOURCES = tests/unit/test_rececon_mock.c \
	tests/unit/test_rececon_mock.h tests/unit/testutil.h
OQSFOLDER_SOURCES = plugins/rececon/oqsfolder/oqsfolder.c \
	$(RECECON_OFFICIAL_SOURCES)

pkgplugin_LTLIBRARIES += plugins/rececon/oqsfolder/oqsfolder.la
plugins_rececon_oqsfolder_oqsfolder_la_SOURCES = $(OQSFOLDER_SOURCES)
plugins_rececon_oqsfolder_oqsfolder_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_rececon_oqsfolder_oqsfolder_la_CFLAGS = $(PLUGIN_CFLAGS) \
	$(OPENSSL_CFLAGS)
# libcrypto: SHA-256 for the names of face/ files (official_folder.c).
plugins_rececon_oqsfolder_oqsfolder_la_LIBADD = $(OPENSSL_LIBS)

EXTRA_DIST += docs/rececon/oqsfolder.md

# Unit tests: the atomic writer, and the plugin's sources linked with the
# shared mock host (collectd style); the atomic writer comes from libonshi.
check_PROGRAMS += tests/unit/test_atomic_file tests/unit/test_oqsfolder
TESTS += tests/unit/test_atomic_file tests/unit/test_oqsfolder

tests_unit_test_atomic_file_SOURCES = tests/unit/test_atomic_file.c \
	tests/unit/testutil.h
tests_unit_test_atomic_file_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_atomic_file_LDADD = $(UNIT_LDADD)

tests_unit_test_oqsfolder_SOURCES = tests/unit/test_oqsfolder.c \
	$(RECECON_MOCK_SOURCES) $(OQSFOLDER_SOURCES)
tests_unit_test_oqsfolder_CFLAGS = $(UNIT_CFLAGS) $(OPENSSL_CFLAGS)
tests_unit_test_oqsfolder_LDADD = $(UNIT_LDADD) $(OPENSSL_LIBS)
