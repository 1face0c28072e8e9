# SPDX-License-Identifier: Apache-2.0
# The runtime every part of the daemon stands on: the event loop, the log,
# configuration and its schema, readiness notification, the curl-multi glue
# and HTTP/TLS settings, the audit log (writer and verifier), the status
# listeners and core.h, the context that carries pointers to all of it.
src_libonshid_la_SOURCES += \
	src/runtime/audit.c src/runtime/audit.h src/runtime/audit_verify.c \
	src/runtime/audit_core.c \
	src/runtime/conf.c src/runtime/conf.h \
	src/runtime/conf_schema.c src/runtime/conf_schema.h \
	src/runtime/conf_settings.c \
	src/runtime/core.h \
	src/runtime/curl_loop.c src/runtime/curl_loop.h \
	src/runtime/diag.c src/runtime/diag.h \
	src/runtime/group_commit.c src/runtime/group_commit.h \
	src/runtime/http.c src/runtime/http.h \
	src/runtime/http_tls.c src/runtime/http_tls.h \
	src/runtime/log.c src/runtime/log.h \
	src/runtime/loop.c src/runtime/loop.h \
	src/runtime/path_watch.c src/runtime/path_watch.h \
	src/runtime/key_hex.c src/runtime/key_hex.h \
	src/runtime/notify.c src/runtime/notify.h \
	src/runtime/status_listen.c src/runtime/status_listen.h

# The audit log's format and guarantees, and the threat model.
EXTRA_DIST += docs/audit.md docs/threat-model.md
