# SPDX-License-Identifier: Apache-2.0
# onshictl: the operators' client of the control socket. It links no daemon
# code but the util library and the audit log's verifier.
bin_PROGRAMS += src/onshictl/onshictl
src_onshictl_onshictl_SOURCES = \
	src/onshictl/onshictl.c src/onshictl/onshictl.h \
	src/onshictl/onshictl_conn.c \
	src/onshictl/onshictl_status.c \
	src/onshictl/onshictl_cert.c \
	src/onshictl/onshictl_batch.c \
	src/onshictl/onshictl_audit.c \
	src/onshictl/onshictl_verify.c \
	src/onshictl/onshictl_upload.c src/onshictl/onshictl_upload.h \
	src/onshictl/onshictl_selftest.c src/onshictl/onshictl_selftest.h \
	src/runtime/audit_verify.c src/runtime/audit.h
src_onshictl_onshictl_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
src_onshictl_onshictl_LDADD = src/util/libonshi-util.la $(OPENSSL_LIBS)
