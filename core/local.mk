# SPDX-License-Identifier: Apache-2.0
# libonshi: the core, linked into onshid and the tests (not installed).
noinst_LTLIBRARIES += core/libonshi.la
core_libonshi_la_SOURCES = \
	core/atomic_file.c core/atomic_file.h \
	core/audit.c core/audit.h core/audit_verify.c \
	core/audit_national.c core/audit_national.h \
	core/card_check.c core/card_check.h \
	core/card_read.c core/card_read.h \
	core/check_config.c core/check_config.h \
	core/check_files.c core/check_files.h \
	core/conf.c core/conf.h \
	core/conf_schema.c core/conf_schema.h \
	core/control.c core/control.h \
	core/control_frame.c core/control_frame.h \
	core/control_cmds.c \
	core/control_dispatch.c core/control_dispatch.h \
	core/control_reply.c core/control_reply.h \
	core/control_national.c \
	core/control_verify.c \
	core/control_batch.c \
	core/control_cert.c \
	core/control_audit.c \
	core/control_selftest.c \
	core/core.c core/core.h \
	core/core_status.c \
	core/diag.c core/diag.h \
	core/host.c core/host.h \
	core/inquiry.c core/inquiry.h \
	core/loader.c core/loader.h \
	core/log.c core/log.h \
	core/mask.c core/mask.h \
	core/loop.c core/loop.h \
	core/module.c core/module.h \
	core/module_status.c \
	core/msg.c core/msg.h \
	core/national.c core/national.h \
	core/national_status.c \
	core/notify.c core/notify.h \
	core/private_path.c core/private_path.h \
	core/read_file.c core/read_file.h \
	core/spool.c core/spool.h \
	core/status.h \
	core/status_counts.c \
	core/status_desk.c \
	core/status_escape.c core/status_escape.h \
	core/status_html.c \
	core/status_kv.c core/status_kv.h \
	core/status_listen.c core/status_listen.h \
	core/status_model.c core/status_model.h \
	core/status_page.c \
	core/status_xml.c \
	core/strbuf.c core/strbuf.h \
	core/utc.c core/utc.h \
	core/xml_util.c core/xml_util.h
core_libonshi_la_CPPFLAGS = $(AM_CPPFLAGS) \
	-DONSHI_PLUGIN_DIR='"$(pkgplugindir)"'
core_libonshi_la_CFLAGS = $(AM_CFLAGS) $(INIH_CFLAGS) $(XML_CFLAGS) \
	$(OPENSSL_CFLAGS) $(CURL_CFLAGS) $(MHD_CFLAGS) $(SYSTEMD_CFLAGS)
core_libonshi_la_LIBADD = $(INIH_LIBS) $(XML_LIBS) $(OPENSSL_LIBS) \
	$(CURL_LIBS) $(MHD_LIBS) $(SYSTEMD_LIBS) $(LIBLTDL) $(PTHREAD_LIBS)

sbin_PROGRAMS += core/onshid
core_onshid_SOURCES = core/onshid.c
core_onshid_CPPFLAGS = $(AM_CPPFLAGS) -DONSHI_SYSCONFDIR='"$(sysconfdir)/onshi"'
core_onshid_LDADD = core/libonshi.la

bin_PROGRAMS += core/onshictl
core_onshictl_SOURCES = core/onshictl.c core/strbuf.c core/strbuf.h \
	core/utc.c core/utc.h \
	core/onshictl_upload.c core/onshictl_upload.h \
	core/onshictl_selftest.c core/onshictl_selftest.h \
	core/status_kv.c core/status_kv.h \
	core/audit_verify.c core/audit.h
core_onshictl_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
core_onshictl_LDADD = $(OPENSSL_LIBS)

# The audit log's format and guarantees, and the threat model.
EXTRA_DIST += docs/audit.md docs/threat-model.md
