# SPDX-License-Identifier: Apache-2.0
# Plugins as the daemon sees them: the libltdl loader, plugin signatures,
# module lifecycle (with listeners for the parts above), the host table
# handed to plugins, and --check-config.
src_libonshid_la_SOURCES += \
	src/modules/check_config.c src/modules/check_config.h \
	src/modules/host.c src/modules/host.h \
	src/modules/loader.c src/modules/loader.h \
	src/modules/module.c src/modules/module.h \
	src/modules/module_status.c \
	src/modules/plugin_sig.c src/modules/plugin_sig.h
