# SPDX-License-Identifier: Apache-2.0
# src/vpn: the link to the national network: strongSwan's VICI protocol and
# the tunnel watcher.
src_libonshid_la_SOURCES += \
	src/vpn/vici_wire.c src/vpn/vici_wire.h
# The tunnel watcher on the loop: one connection to charon (vici_conn),
# the watcher (vpn), its status line (vpn_status) and SELFTEST's live
# look (vpn_check).
src_libonshid_la_SOURCES += \
	src/vpn/vici_conn.c src/vpn/vici_conn.h \
	src/vpn/vpn.c src/vpn/vpn.h src/vpn/vpn_internal.h \
	src/vpn/vpn_status.c src/vpn/vpn_check.c
