# SPDX-License-Identifier: Apache-2.0
# Installed SDK headers (the plugin ABI).
onshiinclude_HEADERS += \
	include/onshi/error.h \
	include/onshi/host.h \
	include/onshi/plugin.h

# Installed SDK libraries, static, for plugins to link (docs/plugin-guide.md
# §12): the face-reader skeleton (plugins/readers/readers.mk) and the folder
# engine (plugins/rececon/oqsfolder/local.mk) add themselves here, and their
# headers to onshiinclude_HEADERS.
lib_LTLIBRARIES =
