# SPDX-License-Identifier: Apache-2.0
# libonshi-cert (src/cert/cert.h): the clinic's client certificate, its
# renewal (CSR, install checks), JPKI card and face-reader verification, the
# Ed25519 verifier of manifests and plugin signatures, and the checks of
# the files a configuration points at.
noinst_LTLIBRARIES += src/cert/libonshi-cert.la
src_cert_libonshi_cert_la_SOURCES = src/cert/cert.h src/cert/cert_internal.h \
	src/cert/cert_load.c src/cert/cert_trust.c \
	src/cert/cert_clinic.c src/cert/cert_jpki.c \
	src/cert/check_files.c src/cert/check_files.h \
	src/cert/ed25519_verify.c src/cert/ed25519_verify.h
src_cert_libonshi_cert_la_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
src_cert_libonshi_cert_la_LIBADD = src/util/libonshi-util.la $(OPENSSL_LIBS)

# The test makes a real test PKI with tools/onshi-pki (docs/pki.md).
check_PROGRAMS += tests/unit/test_cert
TESTS += tests/unit/test_cert
tests_unit_test_cert_SOURCES = tests/unit/test_cert.c tests/unit/testutil.h
tests_unit_test_cert_CPPFLAGS = $(AM_CPPFLAGS) \
	-DPKI_TOOL='"$(abs_top_srcdir)/tools/onshi-pki"'
tests_unit_test_cert_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(OPENSSL_CFLAGS)
tests_unit_test_cert_LDADD = src/cert/libonshi-cert.la $(CMOCKA_LIBS) $(OPENSSL_LIBS)

EXTRA_DIST += docs/certificates.md
