# Plugins: each is a libtool module exporting only onshi_plugin_v1, linked
# -no-undefined so that it cannot depend on daemon symbols.
PLUGIN_LDFLAGS = -module -avoid-version -no-undefined -shared \
	-export-symbols-regex '^onshi_plugin_v1$$'

# The example plugin is the vendor template and the demo's module; it is
# built but not installed.
noinst_LTLIBRARIES += plugins/readers/example/example.la
plugins_readers_example_example_la_SOURCES = plugins/readers/example/example.c
plugins_readers_example_example_la_LDFLAGS = $(PLUGIN_LDFLAGS) -rpath /nowhere

# Receipt-computer adapters.
include $(srcdir)/plugins/rececon/oqsfolder/local.mk
