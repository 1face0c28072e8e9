# SPDX-License-Identifier: Apache-2.0
# onshi-reader-emu: one program that plays any of the four modeled
# face-auth readers (docs/readers/*.md), built from the plugins' own codec
# sources; it signs attestations with the device key (OpenSSL). Installed:
# a technician tries a reader-less terminal with it (README "Installing").
bin_PROGRAMS += tools/reader-emu/onshi-reader-emu
tools_reader_emu_onshi_reader_emu_SOURCES = tools/reader-emu/reader-emu.c \
	$(FR_CORE_SOURCES) $(FR_PANASONIC_LINK) $(FR_FUJITSU_LINK) \
	$(FR_ALMEX_LINK) $(FR_CANON_LINK)
tools_reader_emu_onshi_reader_emu_CPPFLAGS = $(FR_CPPFLAGS)
tools_reader_emu_onshi_reader_emu_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) \
	$(XML_CFLAGS)
tools_reader_emu_onshi_reader_emu_LDADD = $(OPENSSL_LIBS) $(XML_LIBS)
