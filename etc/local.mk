# Configuration examples shipped with the source.
EXTRA_DIST += etc/onshid.ini etc/demo/onshid.ini.in etc/demo/pcsc.ini.in
