# SPDX-License-Identifier: Apache-2.0
# The control socket: framing, the command tables and their dispatcher,
# replies, and each command family (national, batch, cert, audit, verify,
# maintenance, selftest).
src_libonshid_la_SOURCES += \
	src/control/control.c src/control/control.h \
	src/control/control_audit.c \
	src/control/control_batch.c src/control/control_batch.h \
	src/control/control_batch_common.c src/control/control_batch_parts.c \
	src/control/control_cert.c \
	src/control/control_cmds.c \
	src/control/control_dispatch.c src/control/control_dispatch.h \
	src/control/control_frame.c src/control/control_frame.h \
	src/control/control_maintenance.c \
	src/control/control_national.c \
	src/control/control_reply.c src/control/control_reply.h \
	src/control/control_selftest.c src/control/control_selftest_internal.h \
	src/control/control_selftest_local.c \
	src/control/control_selftest_remote.c \
	src/control/control_selftest_result.c \
	src/control/control_verify.c
