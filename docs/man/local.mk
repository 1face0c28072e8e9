# SPDX-License-Identifier: Apache-2.0
# Man pages (installed by make install). onshid(8) and onshid.ini(5) name
# the installation's folders: made from their .in files by etc/local.mk.
dist_man_MANS = \
	docs/man/onshictl.8 \
	docs/man/onshi-qsd.1 \
	docs/man/onshi-pki.1
nodist_man_MANS = \
	docs/man/onshid.8 \
	docs/man/onshid.ini.5
EXTRA_DIST += docs/man/onshid.8.in docs/man/onshid.ini.5.in
CLEANFILES += $(nodist_man_MANS)
