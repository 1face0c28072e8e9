# SPDX-License-Identifier: Apache-2.0
# Certificate checks (core/cert.h): the clinic's client certificate, its
# renewal (CSR, install checks), JPKI card and face-reader verification.
core_libonshi_la_SOURCES += core/cert.c core/cert.h \
	core/cert_status.c core/cert_status.h

# The test makes a real test PKI with tools/onshi-pki (docs/pki.md).
check_PROGRAMS += tests/unit/test_cert
TESTS += tests/unit/test_cert
tests_unit_test_cert_SOURCES = tests/unit/test_cert.c tests/unit/testutil.h
tests_unit_test_cert_CPPFLAGS = $(AM_CPPFLAGS) \
	-DPKI_TOOL='"$(abs_top_srcdir)/tools/onshi-pki"'
tests_unit_test_cert_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(OPENSSL_CFLAGS)
tests_unit_test_cert_LDADD = core/libonshi.la $(CMOCKA_LIBS) $(OPENSSL_LIBS)

EXTRA_DIST += docs/certificates.md
