# SPDX-License-Identifier: Apache-2.0
# Face-authentication card readers (docs/readers/*.md): four vendor plugins
# over one shared skeleton (plugins/readers/facereader). Each vendor is its
# device-link codec; the skeleton and the codec helpers are the static
# library libonshi-facereader, linked into every plugin, since plugins link
# no daemon symbols. The PC/SC plugin has its own fragment
# (plugins/readers/pcsc/local.mk).
FR_CORE_SOURCES = plugins/readers/facereader/frlink.c \
	plugins/readers/facereader/frlink.h
FR_SKEL_SOURCES = $(FR_CORE_SOURCES) \
	plugins/readers/facereader/facereader.c \
	plugins/readers/facereader/facereader.h
FR_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/readers/facereader \
	-I$(top_srcdir)/plugins/readers/panasonic \
	-I$(top_srcdir)/plugins/readers/fujitsu \
	-I$(top_srcdir)/plugins/readers/almex \
	-I$(top_srcdir)/plugins/readers/canon

# The skeleton is also the SDK's (docs/plugin-guide.md §12): installed as
# $(libdir)/libonshi-facereader.a with onshi/facereader.h and onshi/frlink.h
# (pkg-config onshi-facereader), so that a reader plugin built out of tree
# links the same reconnect, framing and attestation code as ours. Why a
# libtool library linked -static, not a convenience library (not
# installable) or a plain lib_LIBRARIES .a: it installs a plain .a, which
# a vendor's `cc -shared` or libtool -module link takes with
# -lonshi-facereader, and libtool links it into our own modules quietly (a
# bare .a draws a "not portable" warning per plugin). A shared plugin needs
# PIC objects: libtool builds them, and the explicit -fPIC keeps them PIC
# under --enable-static, where libtool would archive objects built without
# it (AM_CFLAGS' -fPIE). PLUGIN_CFLAGS' -fvisibility=hidden marks every
# symbol of the archive hidden: nothing of it is exported from a plugin
# that links it, whatever that plugin's own flags, and plugins still export
# only onshi_plugin_v1.
lib_LTLIBRARIES += plugins/readers/facereader/libonshi-facereader.la
plugins_readers_facereader_libonshi_facereader_la_SOURCES = $(FR_SKEL_SOURCES)
plugins_readers_facereader_libonshi_facereader_la_CFLAGS = $(PLUGIN_CFLAGS) -fPIC
plugins_readers_facereader_libonshi_facereader_la_LDFLAGS = -static
onshiinclude_HEADERS += plugins/readers/facereader/facereader.h \
	plugins/readers/facereader/frlink.h
FR_SKEL_LIB = plugins/readers/facereader/libonshi-facereader.la

FR_PANASONIC_LINK = plugins/readers/panasonic/panasonic_link.c \
	plugins/readers/panasonic/panasonic_link.h
FR_FUJITSU_LINK = plugins/readers/fujitsu/fujitsu_link.c \
	plugins/readers/fujitsu/fujitsu_link.h
FR_ALMEX_LINK = plugins/readers/almex/almex_link.c \
	plugins/readers/almex/almex_link.h
FR_CANON_LINK = plugins/readers/canon/canon_link.c \
	plugins/readers/canon/canon_link.h

pkgplugin_LTLIBRARIES += plugins/readers/panasonic/panasonic.la \
	plugins/readers/fujitsu/fujitsu.la \
	plugins/readers/almex/almex.la \
	plugins/readers/canon/canon.la

plugins_readers_panasonic_panasonic_la_SOURCES = \
	plugins/readers/panasonic/panasonic.c $(FR_PANASONIC_LINK)
plugins_readers_panasonic_panasonic_la_CPPFLAGS = $(FR_CPPFLAGS)
plugins_readers_panasonic_panasonic_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_readers_panasonic_panasonic_la_CFLAGS = $(PLUGIN_CFLAGS)
plugins_readers_panasonic_panasonic_la_LIBADD = $(FR_SKEL_LIB)

plugins_readers_fujitsu_fujitsu_la_SOURCES = \
	plugins/readers/fujitsu/fujitsu.c $(FR_FUJITSU_LINK)
plugins_readers_fujitsu_fujitsu_la_CPPFLAGS = $(FR_CPPFLAGS)
plugins_readers_fujitsu_fujitsu_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_readers_fujitsu_fujitsu_la_CFLAGS = $(PLUGIN_CFLAGS)
plugins_readers_fujitsu_fujitsu_la_LIBADD = $(FR_SKEL_LIB)

plugins_readers_almex_almex_la_SOURCES = \
	plugins/readers/almex/almex.c $(FR_ALMEX_LINK)
plugins_readers_almex_almex_la_CPPFLAGS = $(FR_CPPFLAGS)
plugins_readers_almex_almex_la_CFLAGS = $(PLUGIN_CFLAGS) $(XML_CFLAGS)
plugins_readers_almex_almex_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_readers_almex_almex_la_LIBADD = $(FR_SKEL_LIB) $(XML_LIBS)

plugins_readers_canon_canon_la_SOURCES = \
	plugins/readers/canon/canon.c $(FR_CANON_LINK)
plugins_readers_canon_canon_la_CPPFLAGS = $(FR_CPPFLAGS)
plugins_readers_canon_canon_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_readers_canon_canon_la_CFLAGS = $(PLUGIN_CFLAGS)
plugins_readers_canon_canon_la_LIBADD = $(FR_SKEL_LIB)

EXTRA_DIST += docs/readers/facereader.md docs/readers/panasonic.md \
	docs/readers/fujitsu.md docs/readers/almex.md docs/readers/canon.md

# ---- unit tests: each codec on its own, and the skeleton with a mock host.
# Recorded exchanges (SANE sanei_usb style) live in tests/fixtures/readers.
READER_TEST_CPPFLAGS = $(FR_CPPFLAGS) \
	-DREADER_FIXTURES='"$(abs_top_srcdir)/tests/fixtures/readers"'
READER_TEST_COMMON = tests/unit/test_reader_common.c \
	tests/unit/test_reader_common.h $(FR_CORE_SOURCES)
READER_TESTS = tests/unit/test_reader_panasonic \
	tests/unit/test_reader_fujitsu tests/unit/test_reader_almex \
	tests/unit/test_reader_canon tests/unit/test_reader_skeleton
check_PROGRAMS += $(READER_TESTS)
TESTS += $(READER_TESTS)

tests_unit_test_reader_panasonic_SOURCES = \
	tests/unit/test_reader_panasonic.c $(READER_TEST_COMMON) \
	$(FR_PANASONIC_LINK)
tests_unit_test_reader_panasonic_CPPFLAGS = $(READER_TEST_CPPFLAGS)
tests_unit_test_reader_panasonic_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_reader_panasonic_LDADD = $(CMOCKA_LIBS)

tests_unit_test_reader_fujitsu_SOURCES = \
	tests/unit/test_reader_fujitsu.c $(READER_TEST_COMMON) \
	$(FR_FUJITSU_LINK)
tests_unit_test_reader_fujitsu_CPPFLAGS = $(READER_TEST_CPPFLAGS)
tests_unit_test_reader_fujitsu_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_reader_fujitsu_LDADD = $(CMOCKA_LIBS)

tests_unit_test_reader_almex_SOURCES = \
	tests/unit/test_reader_almex.c $(READER_TEST_COMMON) \
	$(FR_ALMEX_LINK)
tests_unit_test_reader_almex_CPPFLAGS = $(READER_TEST_CPPFLAGS)
tests_unit_test_reader_almex_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) \
	$(XML_CFLAGS)
tests_unit_test_reader_almex_LDADD = $(CMOCKA_LIBS) $(XML_LIBS)

tests_unit_test_reader_canon_SOURCES = \
	tests/unit/test_reader_canon.c $(READER_TEST_COMMON) \
	$(FR_CANON_LINK)
tests_unit_test_reader_canon_CPPFLAGS = $(READER_TEST_CPPFLAGS)
tests_unit_test_reader_canon_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_reader_canon_LDADD = $(CMOCKA_LIBS)

tests_unit_test_reader_skeleton_SOURCES = \
	tests/unit/test_reader_skeleton.c tests/unit/test_reader_common.h \
	tests/unit/test_reader_common.c plugins/readers/facereader/facereader.c \
	plugins/readers/facereader/facereader.h $(FR_CORE_SOURCES) \
	$(FR_PANASONIC_LINK)
tests_unit_test_reader_skeleton_CPPFLAGS = $(READER_TEST_CPPFLAGS)
tests_unit_test_reader_skeleton_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_reader_skeleton_LDADD = $(CMOCKA_LIBS)

EXTRA_DIST += tests/fixtures/readers

# ---- integration: onshid + the four plugins + four emulators + onshi-qsd.
TESTS += tests/integration/readers.test
EXTRA_DIST += tests/integration/readers.test
