# SPDX-License-Identifier: Apache-2.0
# Fuzzing (tests/fuzz/run): libFuzzer targets for the XmlMsg codec, the
# strongSwan VICI codec (src/vpn/vici_wire.c), the spool log reader
# (src/inquiry/spool_log.c), the
# WiseStaff-8 CSV parser, the face-reader link codecs, the control-socket
# request path, the maintenance manifest, the INI loader and the audit log
# checker. Built with clang by the script itself (not by automake), run for
# FUZZ_SECONDS each by `make fuzz`, which `make check-long` runs too. Needs
# clang and its libFuzzer runtime (Debian: clang, libclang-rt-14-dev).
FUZZ_SECONDS = 30
FUZZ_WORK = $(abs_top_builddir)/tests/fuzz-work

fuzz: $(top_builddir)/config.h
	ONSHI_ROBUSTNESS_DIR='$(ROBUSTNESS_DIR)' \
	$(SHELL) $(top_srcdir)/tests/fuzz/run --build $(abs_top_builddir) \
		--work $(FUZZ_WORK) --seconds $(FUZZ_SECONDS)
check-long: fuzz
.PHONY: fuzz

clean-local: clean-fuzz
clean-fuzz:
	-rm -rf $(FUZZ_WORK)
.PHONY: clean-fuzz

EXTRA_DIST += tests/fuzz

# Sanitizer builds (configure --enable-sanitizers): tests/run-test skips
# valgrind, which cannot run ASan-instrumented programs.
AM_TESTS_ENVIRONMENT += \
	ONSHI_SANITIZERS='$(ONSHI_SANITIZERS)'; export ONSHI_SANITIZERS;
