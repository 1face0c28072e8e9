# SPDX-License-Identifier: Apache-2.0
# The installed configuration, systemd unit, logrotate example and the man
# pages that name paths: each is made by make (not configure) from its .in
# file with the directories configure was given, fully expanded, so that an
# installation at any prefix names its own folders (README "Installing").

# The folders onshi's own files go in, below configure's directories.
onshiconfdir = $(sysconfdir)/onshi
onshistatedir = $(localstatedir)/lib/onshi
onshirundir = $(runstatedir)/onshi
onshilogdir = $(localstatedir)/log/onshi
if INSTALL_UNIT
onshi_unit_where = $(systemdsystemunitdir)
else
onshi_unit_where = no folder (configured --without-systemdsystemunitdir)
endif

# onshid compiles in the configuration folder (-D in src/onshid/local.mk)
# and conf_settings.c the plugin folder (-D in src/local.mk). make does not
# see a changed -D, so a build tree configured again for another prefix
# would install the old ones: those objects depend on a stamp rewritten
# only when the folders change.
src/onshid/onshid-onshid.$(OBJEXT) src/runtime/libonshid_la-conf_settings.lo: etc/dirs.stamp
etc/dirs.stamp: onshi-dirs-check
	@$(MKDIR_P) etc; \
	echo '$(onshiconfdir) $(pkgplugindir)' >$@.tmp; \
	if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi
onshi-dirs-check:
.PHONY: onshi-dirs-check
CLEANFILES += etc/dirs.stamp

# onshi_subst IN OUT: OUT from IN with every @name@ below replaced; a name
# left over (a typo, or a new one nobody added here) fails the build rather
# than reaching an installed file. The @IF_...@ prefixes comment out unit
# lines that only hold for /var/lib/onshi and /run/onshi.
onshi_subst = subst() { \
	  off=`printf '\043 '`; if_varlib=$$off; if_run=$$off; if_not_run=; \
	  test '$(onshistatedir)' = /var/lib/onshi && if_varlib=; \
	  if test '$(onshirundir)' = /run/onshi; then if_run=; if_not_run=$$off; fi; \
	  $(MKDIR_P) `dirname "$$2"` && rm -f "$$2" "$$2.tmp" && \
	  sed -e 's|@sbindir[@]|$(sbindir)|g' \
	      -e 's|@bindir[@]|$(bindir)|g' \
	      -e 's|@onshiconfdir[@]|$(onshiconfdir)|g' \
	      -e 's|@onshistatedir[@]|$(onshistatedir)|g' \
	      -e 's|@onshirundir[@]|$(onshirundir)|g' \
	      -e 's|@onshilogdir[@]|$(onshilogdir)|g' \
	      -e 's|@pkgplugindir[@]|$(pkgplugindir)|g' \
	      -e 's|@pkgdatadir[@]|$(pkgdatadir)|g' \
	      -e 's|@docdir[@]|$(docdir)|g' \
	      -e 's|@systemdsystemunitdir[@]|$(onshi_unit_where)|g' \
	      -e 's|@SERVICE_TYPE[@]|$(SERVICE_TYPE)|g' \
	      -e 's|@SERVICE_WATCHDOG[@]|$(SERVICE_WATCHDOG)|g' \
	      -e "s|@IF_VARLIB[@]|$$if_varlib|g" \
	      -e "s|@IF_RUN[@]|$$if_run|g" \
	      -e "s|@IF_NOT_RUN[@]|$$if_not_run|g" \
	      "$$1" >"$$2.tmp" || return 1; \
	  if grep -n '@[A-Za-z_]*@' "$$2.tmp" >&2; then \
	    echo "$$2: the @names@ above are not substituted (etc/local.mk)" >&2; \
	    rm -f "$$2.tmp"; return 1; \
	  fi; \
	  mv "$$2.tmp" "$$2"; }; subst

etc/onshid.ini: $(srcdir)/etc/onshid.ini.in Makefile
	$(AM_V_GEN)$(onshi_subst) $(srcdir)/etc/onshid.ini.in $@
etc/onshid.logrotate: $(srcdir)/etc/onshid.logrotate.in Makefile
	$(AM_V_GEN)$(onshi_subst) $(srcdir)/etc/onshid.logrotate.in $@
etc/onshid.service: $(srcdir)/etc/onshid.service.in Makefile
	$(AM_V_GEN)$(onshi_subst) $(srcdir)/etc/onshid.service.in $@
docs/man/onshid.8: $(srcdir)/docs/man/onshid.8.in Makefile
	$(AM_V_GEN)$(onshi_subst) $(srcdir)/docs/man/onshid.8.in $@
docs/man/onshid.ini.5: $(srcdir)/docs/man/onshid.ini.5.in Makefile
	$(AM_V_GEN)$(onshi_subst) $(srcdir)/docs/man/onshid.ini.5.in $@

# The unit goes into --with-systemdsystemunitdir (default
# PREFIX/lib/systemd/system); Type=notify with a watchdog when built with
# libsystemd, else Type=simple.
# onshid.ini is made by make too, so a build tree shows what make install
# will write.
nodist_noinst_DATA = etc/onshid.ini
if INSTALL_UNIT
nodist_systemdsystemunit_DATA = etc/onshid.service
else
nodist_noinst_DATA += etc/onshid.service
endif

# For the technician, under the documentation folder: the logrotate
# snippet (only needed when onshid's output goes to a file: see its
# comment; a live /etc/logrotate.d entry naming a user that does not exist
# yet would break the system's logrotate runs), the vendors' plugin
# template with the plugin guide, and the licence (LICENSE, Apache-2.0).
onshiexampledir = $(docdir)/examples
nodist_onshiexample_DATA = etc/onshid.logrotate
pluginexampledir = $(docdir)/examples/plugin
dist_pluginexample_DATA = plugins/readers/example/example.c \
	tests/sdk/hello/hello.c tests/sdk/hello/Makefile
dist_doc_DATA = LICENSE docs/plugin-guide.md docs/certificates.md

# The status and status-report XSDs (onshictl status -o xml, the
# maintenance report) beside the message XSDs, for whoever reads them.
dist_xsd_DATA += etc/xsd/onshi-status-report.xsd

CLEANFILES += etc/onshid.ini etc/onshid.logrotate etc/onshid.service
EXTRA_DIST += etc/onshid.ini.in etc/onshid.logrotate.in \
	etc/onshid.service.in etc/demo/onshid.ini.in etc/demo/pcsc.ini.in

# The Samba share for a Windows receipt computer (README "Sharing the
# folders with a Windows receipt computer"): an example for the vendor to
# adapt, installed as documentation, never read by onshid or smbd as is.
sambaexampledir = $(docdir)/examples/samba
sambaexample_DATA = etc/samba/onshi-share.conf.example
EXTRA_DIST += etc/samba/onshi-share.conf.example

# make install: the configuration, for a host where the daemon runs as the
# system user onshi (etc/onshid.service.in). Folders are made, and given
# their mode and group, only when missing: a re-install leaves what the
# clinic set alone. onshid.ini holds paths to keys, not keys, but names the
# clinic's folders and endpoints, so it is not world-readable (0640, group
# onshi); it is installed only when absent, else the new one is put beside
# it as onshid.ini.dist. certs/ belongs to onshi (0700): onshid writes the
# new key, the CSR and the new certificate there (onshictl cert csr /
# install). onshid.d/ gets the examples (.example: not read).
install-data-local: install-onshi-config
install-onshi-config: etc/onshid.ini
	@d='$(DESTDIR)$(onshiconfdir)'; \
	own=no; \
	if test -z '$(DESTDIR)' && id onshi >/dev/null 2>&1; then own=yes; fi; \
	for sub in '' /onshid.d /certs; do \
	  test -d "$$d$$sub" && continue; \
	  echo " $(MKDIR_P) $$d$$sub"; \
	  $(MKDIR_P) "$$d$$sub" || exit 1; \
	  case $$sub in \
	  /certs) chmod 0700 "$$d$$sub" || exit 1; \
	          test $$own = no || chown onshi:onshi "$$d$$sub" || \
	            echo "  warning: cannot give $$d$$sub to onshi" ;; \
	  *) chmod 0750 "$$d$$sub" || exit 1; \
	     test $$own = no || chgrp onshi "$$d$$sub" || \
	       echo "  warning: cannot give $$d$$sub to group onshi" ;; \
	  esac; \
	done; \
	if test ! -e "$$d/onshid.ini"; then \
	  $(INSTALL_DATA) -m 0640 etc/onshid.ini "$$d/onshid.ini" || exit 1; \
	  test $$own = no || chgrp onshi "$$d/onshid.ini" || \
	    echo "  warning: cannot give $$d/onshid.ini to group onshi"; \
	elif cmp -s etc/onshid.ini "$$d/onshid.ini"; then :; \
	else \
	  echo "  $(onshiconfdir)/onshid.ini exists: kept (the new example is onshid.ini.dist)"; \
	  $(INSTALL_DATA) -m 0640 etc/onshid.ini "$$d/onshid.ini.dist" || exit 1; \
	fi; \
	$(INSTALL_DATA) -m 0640 $(srcdir)/etc/onshid.d/50-wisestaff.ini.example \
	  "$$d/onshid.d/50-wisestaff.ini.example" || exit 1; \
	if test -z '$(DESTDIR)' && test $$own = no; then \
	  echo "  no user onshi yet: create it (README \"Installing\"), then"; \
	  echo "    chgrp onshi $(onshiconfdir) $(onshiconfdir)/onshid.d $(onshiconfdir)/onshid.ini"; \
	  echo "    chown onshi:onshi $(onshiconfdir)/certs"; \
	fi
# An unchanged onshid.ini goes; an edited one stays (it is the clinic's), and
# so do the clinic's certificates (certs/ is removed only when empty).
uninstall-local: etc/onshid.ini
	d='$(DESTDIR)$(onshiconfdir)'; \
	rm -f "$$d/onshid.ini.dist" "$$d/onshid.d/50-wisestaff.ini.example"; \
	if cmp -s etc/onshid.ini "$$d/onshid.ini"; then \
	  rm -f "$$d/onshid.ini"; \
	elif test -e "$$d/onshid.ini"; then \
	  echo "  $(onshiconfdir)/onshid.ini was edited: left in place"; \
	fi; \
	rmdir "$$d/onshid.d" "$$d/certs" "$$d" 2>/dev/null; :
.PHONY: install-onshi-config

# The document of `onshictl selftest -o xml`, installed with the other
# XSDs ($(pkgdatadir)/xsd, src/codec/local.mk) so scripts can validate it.
dist_xsd_DATA += etc/xsd/onshi-selftest.xsd

# The strongSwan connection to the national network (docs/vpn.md): a
# swanctl.conf for the technician to fill in, installed as documentation;
# tests/integration/vpn.test builds its clinic side from this very file.
strongswanexampledir = $(docdir)/examples/strongswan
dist_strongswanexample_DATA = etc/strongswan/onshi-national.conf.example
dist_doc_DATA += docs/vpn.md
