# SPDX-License-Identifier: Apache-2.0
# Plugins: each is a libtool module exporting only onshi_plugin_v1, linked
# -no-undefined so that it cannot depend on daemon symbols.
PLUGIN_LDFLAGS = -module -avoid-version -no-undefined -shared \
	-export-symbols-regex '^onshi_plugin_v1$$'
# Compile plugin code with hidden visibility: only the descriptor, marked
# ONSHI_PLUGIN_EXPORT, is visible (add to each plugin's _CFLAGS).
PLUGIN_CFLAGS = $(AM_CFLAGS) -fvisibility=hidden

# The example plugin is the vendor template and the demo's module; it is
# built but not installed.
noinst_LTLIBRARIES += plugins/readers/example/example.la
plugins_readers_example_example_la_SOURCES = plugins/readers/example/example.c
plugins_readers_example_example_la_LDFLAGS = $(PLUGIN_LDFLAGS) -rpath /nowhere
plugins_readers_example_example_la_CFLAGS = $(PLUGIN_CFLAGS)

# Receipt-computer adapters.
include $(srcdir)/plugins/rececon/oqsfolder/local.mk
