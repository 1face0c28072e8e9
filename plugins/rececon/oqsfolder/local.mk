# SPDX-License-Identifier: Apache-2.0
# oqsfolder: the official terminal's req/res/face folder interface
# (docs/rececon/oqsfolder.md), a thin plugin over the official-folder engine
# it shares with wisestaff9 and wisestaff9plus (plugins/rececon/wisestaff.mk,
# included later, reuses the variables below). The shared folder machinery
# in plugins/rececon/folder/ goes into each folder adapter, since plugins
# link no daemon symbols: oqsfolder links it as the static library
# libonshi-folder, the WiseStaff adapters compile its sources.
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

# The folder engine is also the SDK's: installed as
# $(libdir)/libonshi-folder.a with onshi/folder_watch.h and
# onshi/official_folder.h (pkg-config onshi-folder, docs/plugin-guide.md
# §12), so that an out-of-tree receipt-computer plugin reuses the req/res/
# face machinery. Built like libonshi-facereader (plugins/readers/
# readers.mk says why): a libtool library linked -static, PIC objects with
# hidden symbols. libcrypto: SHA-256 for the names of face/ files
# (official_folder.c); the .la passes it on to what links the library.
lib_LTLIBRARIES += plugins/rececon/folder/libonshi-folder.la
plugins_rececon_folder_libonshi_folder_la_SOURCES = $(RECECON_OFFICIAL_SOURCES)
plugins_rececon_folder_libonshi_folder_la_CFLAGS = $(PLUGIN_CFLAGS) \
	$(OPENSSL_CFLAGS) -fPIC
plugins_rececon_folder_libonshi_folder_la_LDFLAGS = -static
plugins_rececon_folder_libonshi_folder_la_LIBADD = $(OPENSSL_LIBS)
onshiinclude_HEADERS += plugins/rececon/folder/folder_watch.h \
	plugins/rececon/folder/official_folder.h

pkgplugin_LTLIBRARIES += plugins/rececon/oqsfolder/oqsfolder.la
plugins_rececon_oqsfolder_oqsfolder_la_SOURCES = \
	plugins/rececon/oqsfolder/oqsfolder.c
plugins_rececon_oqsfolder_oqsfolder_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_rececon_oqsfolder_oqsfolder_la_CFLAGS = $(PLUGIN_CFLAGS)
plugins_rececon_oqsfolder_oqsfolder_la_LIBADD = \
	plugins/rececon/folder/libonshi-folder.la $(OPENSSL_LIBS)

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
