# SPDX-License-Identifier: Apache-2.0
# onshi-qsd: the national service simulator (docs/qsd.md, docs/national-api.md).
bin_PROGRAMS += tools/onshi-qsd
tools_onshi_qsd_SOURCES = \
	tools/qsd/qsd.h \
	tools/qsd/main.c \
	tools/qsd/server.c \
	tools/qsd/routes.c \
	tools/qsd/session.c \
	tools/qsd/dataset.c \
	tools/qsd/bulk.c \
	tools/qsd/health.c \
	tools/qsd/refnum.c \
	tools/qsd/faults.c \
	tools/qsd/cardcheck.c
tools_onshi_qsd_CFLAGS = $(AM_CFLAGS) $(MHD_CFLAGS) $(GNUTLS_CFLAGS) \
	$(OPENSSL_CFLAGS) $(XML_CFLAGS) $(PTHREAD_LIBS)
# libmicrohttpd's TLS is GnuTLS: the client-certificate check calls it directly.
tools_onshi_qsd_LDADD = src/codec/libonshi-codec.la $(MHD_LIBS) $(GNUTLS_LIBS) \
	$(OPENSSL_LIBS) $(XML_LIBS) $(PTHREAD_LIBS)

TESTS += tests/integration/qsd.test
EXTRA_DIST += tests/integration/qsd.test docs/qsd.md docs/national-api.md
