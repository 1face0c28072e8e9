# SPDX-License-Identifier: Apache-2.0
# onshid: main() and the assembly — building the context (core.c), wiring
# the parts' callbacks and the daemon's own status lines (core_status.c).
src_libonshid_la_SOURCES += src/onshid/core.c src/onshid/core_status.c

sbin_PROGRAMS += src/onshid/onshid
src_onshid_onshid_SOURCES = src/onshid/onshid.c
src_onshid_onshid_CPPFLAGS = $(AM_CPPFLAGS) \
	-DONSHI_SYSCONFDIR='"$(sysconfdir)/onshi"'
src_onshid_onshid_LDADD = src/libonshid.la
