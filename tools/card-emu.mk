# SPDX-License-Identifier: Apache-2.0
# onshi-card-emu: the virtual My Number Card for pcscd's vpcd driver
# (docs/card-emu.md). The APDU engine (jpki_card.c) is also linked into its unit
# test, which drives it without pcscd.
bin_PROGRAMS += tools/onshi-card-emu
tools_onshi_card_emu_SOURCES = \
	tools/card-emu/jpki_card.h \
	tools/card-emu/jpki_card.c \
	tools/card-emu/main.c
tools_onshi_card_emu_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
tools_onshi_card_emu_LDADD = $(OPENSSL_LIBS)

check_PROGRAMS += tests/unit/test_card_apdu
TESTS += tests/unit/test_card_apdu
tests_unit_test_card_apdu_SOURCES = tests/unit/test_card_apdu.c \
	tools/card-emu/jpki_card.c tools/card-emu/jpki_card.h
tests_unit_test_card_apdu_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tools/card-emu
tests_unit_test_card_apdu_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(OPENSSL_CFLAGS)
tests_unit_test_card_apdu_LDADD = $(CMOCKA_LIBS) $(OPENSSL_LIBS)

EXTRA_DIST += docs/card-emu.md
