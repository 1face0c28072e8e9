# Man pages (installed by make install), the systemd unit and the logrotate
# snippet (issue 9).
dist_man_MANS = \
	docs/man/onshid.8 \
	docs/man/onshictl.8 \
	docs/man/onshid.ini.5 \
	docs/man/onshi-qsd.1 \
	docs/man/onshi-pki.1

# etc/onshid.service is made from etc/onshid.service.in by make (not by
# configure) so that it holds the fully expanded paths, into the build
# directory (the source tree is read-only under distcheck). It is not
# installed: where units go is the packager's choice; copy it to
# /etc/systemd/system/ (see the comments in it).
nodist_noinst_DATA = etc/onshid.service
EXTRA_DIST += etc/onshid.service.in etc/onshid.logrotate
CLEANFILES += etc/onshid.service

etc/onshid.service: $(srcdir)/etc/onshid.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) etc && rm -f $@ $@.tmp && \
	sed -e 's|@sbindir[@]|$(sbindir)|g' \
	    -e 's|@sysconfdir[@]|$(sysconfdir)|g' \
	    -e 's|@localstatedir[@]|$(localstatedir)|g' \
	    $(srcdir)/etc/onshid.service.in >$@.tmp && mv $@.tmp $@
