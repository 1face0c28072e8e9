# SPDX-License-Identifier: Apache-2.0
# Installed SDK headers (the plugin ABI).
onshiinclude_HEADERS += \
	include/onshi/error.h \
	include/onshi/host.h \
	include/onshi/plugin.h
