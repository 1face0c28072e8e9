# SPDX-License-Identifier: Apache-2.0
# src/: the programs' code, one folder per concern (src/LAYERS gives their
# order). Three libraries stand on their own and are linked by whoever
# needs them:
#   src/util   libonshi-util   text, files, time, masking (no daemon state)
#   src/codec  libonshi-codec  the XmlMsg message codec (the simulator
#                              links only this and util)
#   src/cert   libonshi-cert   certificates, trust stores, signatures
# and the daemon's parts (runtime, modules, inquiry, status, maintenance,
# control) make src/libonshid, which onshid and the unit tests link.
# Every folder's fragment adds its own sources.
noinst_LTLIBRARIES += src/libonshid.la
src_libonshid_la_SOURCES =
src_libonshid_la_CPPFLAGS = $(AM_CPPFLAGS) \
	-DONSHI_PLUGIN_DIR='"$(pkgplugindir)"'
src_libonshid_la_CFLAGS = $(AM_CFLAGS) $(INIH_CFLAGS) $(XML_CFLAGS) \
	$(OPENSSL_CFLAGS) $(CURL_CFLAGS) $(MHD_CFLAGS) $(SYSTEMD_CFLAGS) \
	$(ZLIB_CFLAGS)
src_libonshid_la_LIBADD = src/cert/libonshi-cert.la \
	src/codec/libonshi-codec.la src/util/libonshi-util.la \
	$(INIH_LIBS) $(XML_LIBS) $(OPENSSL_LIBS) $(ZLIB_LIBS) \
	$(CURL_LIBS) $(MHD_LIBS) $(SYSTEMD_LIBS) $(LIBLTDL) $(PTHREAD_LIBS)

include $(srcdir)/src/util/local.mk
include $(srcdir)/src/codec/local.mk
include $(srcdir)/src/cert/local.mk
include $(srcdir)/src/runtime/local.mk
include $(srcdir)/src/modules/local.mk
include $(srcdir)/src/inquiry/local.mk
include $(srcdir)/src/vpn/local.mk
include $(srcdir)/src/status/local.mk
include $(srcdir)/src/maintenance/local.mk
include $(srcdir)/src/control/local.mk
include $(srcdir)/src/onshid/local.mk
include $(srcdir)/src/onshictl/local.mk

# The layers and their checker (tests/integration/layers.test).
EXTRA_DIST += src/LAYERS tools/check-layers
