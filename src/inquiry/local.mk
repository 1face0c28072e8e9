# SPDX-License-Identifier: Apache-2.0
# The inquiry pipeline: the spool, the national service client, card checks
# and card reads, the pipeline itself, its counts and audit records.
src_libonshid_la_SOURCES += \
	src/inquiry/audit_national.c src/inquiry/audit_national.h \
	src/inquiry/batch_parts.c src/inquiry/batch_parts.h \
	src/inquiry/batch_parts_calls.c \
	src/inquiry/card_check.c src/inquiry/card_check.h \
	src/inquiry/card_read.c src/inquiry/card_read.h \
	src/inquiry/inquiry.c src/inquiry/inquiry.h \
	src/inquiry/inquiry_deliver.c src/inquiry/inquiry_internal.h \
	src/inquiry/inquiry_kinds.c src/inquiry/inquiry_parts.c \
	src/inquiry/national.c src/inquiry/national.h \
	src/inquiry/national_internal.h src/inquiry/national_link.c \
	src/inquiry/national_open.c src/inquiry/national_probe.c \
	src/inquiry/national_status.c src/inquiry/national_file.c \
	src/inquiry/spool.c src/inquiry/spool.h \
	src/inquiry/spool_legacy.c src/inquiry/spool_legacy.h \
	src/inquiry/spool_log.c src/inquiry/spool_log.h \
	src/inquiry/status_counts.c
