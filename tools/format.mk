# SPDX-License-Identifier: Apache-2.0
# make format / make format-check: clang-format with the tree's
# .clang-format over our own C files (tools/check-spdx --list: the tree's
# source files, fixtures and generated files left out). format-check is for
# CI (quickstart check --ci), not make check: it lists the files clang-format
# would change and says how to fix them; format rewrites them in place.
CLANG_FORMAT = clang-format
EXTRA_DIST += .clang-format

# The C files to format, relative to the source tree.
onshi_format_files = cd $(top_srcdir) && \
	$(SHELL) tools/check-spdx --list . | grep '\.[ch]$$'

format:
	@files=`$(onshi_format_files)` || exit 1; \
	cd $(top_srcdir) && $(CLANG_FORMAT) -i --style=file $$files
format-check:
	@command -v $(CLANG_FORMAT) >/dev/null || { \
	  echo "format-check: $(CLANG_FORMAT) not found: apt-get install clang-format" >&2; exit 1; }; \
	files=`$(onshi_format_files)` || exit 1; \
	cd $(top_srcdir) && \
	out=`$(CLANG_FORMAT) --dry-run --ferror-limit=1 --style=file $$files 2>&1` || { \
	  echo "$$out" >&2; echo "format-check: $(CLANG_FORMAT) failed (version 14 or later?)" >&2; exit 1; }; \
	bad=`echo "$$out" | \
	  sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: [a-z]*: code should be clang-formatted.*/\1/p' | uniq`; \
	if test -n "$$bad"; then \
	  for f in $$bad; do echo "$$f"; done; \
	  echo "format-check: `echo $$bad | wc -w` file(s) above differ from .clang-format: run make format" >&2; \
	  exit 1; \
	fi; \
	echo "format-check: `echo $$files | wc -w` files formatted as .clang-format says"
.PHONY: format format-check
# make check runs it too (tests/format.test, skipped without clang-format).
TESTS += tests/format.test
EXTRA_DIST += tests/format.test
