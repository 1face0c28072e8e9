# SPDX-License-Identifier: Apache-2.0
# Licence hygiene: onshi is Apache-2.0 (LICENSE, installed with the docs)
# and every source file says so on its first line. tests/spdx.test (make
# check) fails when a file lacks the SPDX line, so a new one cannot miss it;
# `make spdx-check` lists them, tools/add-spdx adds the lines.
TESTS += tests/spdx.test
EXTRA_DIST += tests/spdx.test tools/check-spdx tools/add-spdx

spdx-check:
	@$(SHELL) $(top_srcdir)/tools/check-spdx $(top_srcdir)
.PHONY: spdx-check
