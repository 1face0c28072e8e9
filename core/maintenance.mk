# SPDX-License-Identifier: Apache-2.0
# Remote maintenance, the running part (docs/maintenance.md): the curl multi
# glue shared with the national link (core/http.h), the manifest poller with
# its all-or-nothing apply and the status report (core/maintenance.h), and
# the MAINTENANCE control command.
core_libonshi_la_SOURCES += core/http.c core/http.h \
	core/curl_loop.c core/curl_loop.h \
	core/http_tls.c core/http_tls.h \
	core/maintenance.c core/maintenance.h \
	core/maintenance_status.c \
	core/control_maintenance.c

MAINT_TESTS = tests/integration/maintenance.test \
	tests/integration/maintenance-plugin-sig.test
TESTS += $(MAINT_TESTS)
EXTRA_DIST += $(MAINT_TESTS) tests/integration/maintenance-toggle.test \
	etc/xsd/onshi-status-report.xsd

# Too long for make check: run by make check-long (tests/local.mk).
LONG_TESTS += tests/integration/maintenance-toggle.test
