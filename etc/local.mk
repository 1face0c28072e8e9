# Configuration examples shipped with the source.
EXTRA_DIST += etc/onshid.ini etc/demo/onshid.ini.in etc/demo/pcsc.ini.in

# The Samba share for a Windows receipt computer (README "Sharing the
# folders with a Windows receipt computer"): an example for the vendor to
# adapt, installed as documentation, never read by onshid or smbd as is.
sambaexampledir = $(docdir)/examples/samba
sambaexample_DATA = etc/samba/onshi-share.conf.example
EXTRA_DIST += etc/samba/onshi-share.conf.example

# make install: the configuration, with permissions for a host where the
# daemon runs as the system user onshi (etc/onshid.service). The main file
# is installed only when absent, so a clinic's configuration survives an
# upgrade; it holds paths to keys, not keys, but names the clinic's folders
# and endpoints, so it is not world-readable (0640, group onshi when that
# group exists). onshid.d/ gets the examples (.example: not read).
onshiconfdir = $(sysconfdir)/onshi
install-data-local: install-onshi-config
install-onshi-config:
	$(MKDIR_P) $(DESTDIR)$(onshiconfdir)/onshid.d $(DESTDIR)$(onshiconfdir)/certs
	chmod 0750 $(DESTDIR)$(onshiconfdir) $(DESTDIR)$(onshiconfdir)/onshid.d \
	    $(DESTDIR)$(onshiconfdir)/certs
	if test -e $(DESTDIR)$(onshiconfdir)/onshid.ini; then \
	    echo "  $(onshiconfdir)/onshid.ini exists: kept (the new example is onshid.ini.dist)"; \
	    $(INSTALL_DATA) -m 0640 $(srcdir)/etc/onshid.ini $(DESTDIR)$(onshiconfdir)/onshid.ini.dist; \
	else \
	    $(INSTALL_DATA) -m 0640 $(srcdir)/etc/onshid.ini $(DESTDIR)$(onshiconfdir)/onshid.ini; \
	fi
	$(INSTALL_DATA) -m 0640 $(srcdir)/etc/onshid.d/50-wisestaff.ini.example \
	    $(DESTDIR)$(onshiconfdir)/onshid.d/50-wisestaff.ini.example
	if test -z "$(DESTDIR)" && getent group onshi >/dev/null 2>&1; then \
	    chgrp -R onshi $(onshiconfdir) || true; \
	fi
# An unchanged onshid.ini goes; an edited one stays (it is the clinic's).
uninstall-local:
	rm -f $(DESTDIR)$(onshiconfdir)/onshid.ini.dist \
	    $(DESTDIR)$(onshiconfdir)/onshid.d/50-wisestaff.ini.example
	if cmp -s $(srcdir)/etc/onshid.ini $(DESTDIR)$(onshiconfdir)/onshid.ini; then \
	    rm -f $(DESTDIR)$(onshiconfdir)/onshid.ini; \
	else \
	    echo "  $(onshiconfdir)/onshid.ini was edited: left in place"; \
	fi
	-rmdir $(DESTDIR)$(onshiconfdir)/onshid.d $(DESTDIR)$(onshiconfdir)/certs \
	    $(DESTDIR)$(onshiconfdir) 2>/dev/null
.PHONY: install-onshi-config

# The document of `onshictl selftest -o xml`, installed with the other
# XSDs ($(pkgdatadir)/xsd, core/codec.mk) so scripts can validate it.
dist_xsd_DATA += etc/xsd/onshi-selftest.xsd
