# SPDX-License-Identifier: Apache-2.0
# The plugin SDK: onshi-plugin.pc (from configure), the headers (include/
# local.mk) and pkgplugindir. sdk.test stages an install of the SDK, builds
# tests/sdk/hello against it with pkg-config only and loads it into onshid.
# The SDK's static libraries (include/local.mk) come with onshi-facereader.pc
# and onshi-folder.pc.
pkgconfigdir = $(libdir)/pkgconfig
pkgconfig_DATA = onshi-plugin.pc onshi-facereader.pc onshi-folder.pc

TESTS += tests/sdk/sdk.test
EXTRA_DIST += onshi-plugin.pc.in \
	docs/plugin-guide.md \
	tests/sdk/sdk.test \
	tests/sdk/hello/Makefile \
	tests/sdk/hello/hello.c

EXTRA_DIST += onshi-facereader.pc.in onshi-folder.pc.in
