# SPDX-License-Identifier: Apache-2.0
# The plugin SDK: onshi-plugin.pc (from configure), the headers (include/
# local.mk) and pkgplugindir. sdk.test stages an install of the SDK, builds
# tests/sdk/hello against it with pkg-config only and loads it into onshid.
# The SDK's static libraries (include/local.mk) come with onshi-facereader.pc
# and onshi-folder.pc: sdk-reader.test builds tests/sdk/reader (a reader on
# the installed skeleton, with its device emulator) and tests/sdk/folder (a
# receipt-computer plugin on the installed folder engine) the same way and
# runs a card read through both.
pkgconfigdir = $(libdir)/pkgconfig
pkgconfig_DATA = onshi-plugin.pc onshi-facereader.pc onshi-folder.pc

TESTS += tests/sdk/sdk.test
EXTRA_DIST += onshi-plugin.pc.in \
	docs/plugin-guide.md \
	tests/sdk/sdk.test \
	tests/sdk/hello/Makefile \
	tests/sdk/hello/hello.c

TESTS += tests/sdk/sdk-reader.test
EXTRA_DIST += onshi-facereader.pc.in onshi-folder.pc.in \
	tests/sdk/sdk-reader.test \
	tests/sdk/reader/Makefile \
	tests/sdk/reader/acme.c \
	tests/sdk/reader/acme_link.c \
	tests/sdk/reader/acme_link.h \
	tests/sdk/reader/acme-emu.c \
	tests/sdk/folder/Makefile \
	tests/sdk/folder/acmefolder.c
