# SPDX-License-Identifier: Apache-2.0
# onshi-pki: the test PKI maker (docs/pki.md) and its test.
dist_bin_SCRIPTS += tools/onshi-pki
TESTS += tests/integration/pki.test
EXTRA_DIST += tests/integration/pki.test docs/pki.md
