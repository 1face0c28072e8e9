# Man pages (installed by make install), the systemd unit and the logrotate
# snippet.
dist_man_MANS = \
	docs/man/onshid.8 \
	docs/man/onshictl.8 \
	docs/man/onshid.ini.5 \
	docs/man/onshi-qsd.1 \
	docs/man/onshi-pki.1

# etc/onshid.service is made from etc/onshid.service.in by make (not by
# configure) so that it holds the fully expanded paths, into the build
# directory (the source tree is read-only under distcheck). make install
# puts it into --with-systemdsystemunitdir (default PREFIX/lib/systemd/system);
# Type=notify with a watchdog when built with libsystemd, else Type=simple.
if INSTALL_UNIT
nodist_systemdsystemunit_DATA = etc/onshid.service
else
nodist_noinst_DATA = etc/onshid.service
endif
EXTRA_DIST += etc/onshid.service.in etc/onshid.logrotate
CLEANFILES += etc/onshid.service

etc/onshid.service: $(srcdir)/etc/onshid.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) etc && rm -f $@ $@.tmp && \
	sed -e 's|@sbindir[@]|$(sbindir)|g' \
	    -e 's|@sysconfdir[@]|$(sysconfdir)|g' \
	    -e 's|@localstatedir[@]|$(localstatedir)|g' \
	    -e 's|@SERVICE_TYPE[@]|$(SERVICE_TYPE)|g' \
	    -e 's|@SERVICE_WATCHDOG[@]|$(SERVICE_WATCHDOG)|g' \
	    $(srcdir)/etc/onshid.service.in >$@.tmp && mv $@.tmp $@
