# SPDX-License-Identifier: Apache-2.0
# The status dashboard: the status model its providers fill, and its
# renderings — onshictl status [-o xml], the front-desk status page — plus
# the clinic certificate's status lines.
src_libonshid_la_SOURCES += \
	src/status/cert_status.c src/status/cert_status.h \
	src/status/status.h \
	src/status/status_desk.c \
	src/status/status_html.c \
	src/status/status_model.c src/status/status_model.h \
	src/status/status_page.c \
	src/status/status_xml.c

# The status document's schema, installed next to the message XSDs.
dist_xsd_DATA += etc/xsd/onshi-status.xsd

check_PROGRAMS += tests/unit/test_status
TESTS += tests/unit/test_status
tests_unit_test_status_SOURCES = tests/unit/test_status.c
tests_unit_test_status_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_status_LDADD = $(UNIT_LDADD)

check_PROGRAMS += tests/unit/test_status_model
TESTS += tests/unit/test_status_model
tests_unit_test_status_model_SOURCES = tests/unit/test_status_model.c
tests_unit_test_status_model_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_status_model_LDADD = $(UNIT_LDADD)

TESTS += tests/integration/status.test
EXTRA_DIST += tests/integration/status.test \
	tests/integration/status-page-chromium.test \
	tests/integration/banner-check.py
# Renders the page in headless Chromium and checks what the screenshots
# show (skips without chromium, python3-pil or a Japanese font); about a
# minute on a loaded machine, so part of the normal check.
TESTS += tests/integration/status-page-chromium.test

if HAVE_PNG
check_PROGRAMS += tests/integration/png-check
tests_integration_png_check_SOURCES = tests/integration/png-check.c
tests_integration_png_check_CFLAGS = $(AM_CFLAGS) $(PNG_CFLAGS)
tests_integration_png_check_LDADD = $(PNG_LIBS)
else
EXTRA_DIST += tests/integration/png-check.c
endif
