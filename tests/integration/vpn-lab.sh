# SPDX-License-Identifier: Apache-2.0
# tests/integration/vpn-lab.sh — an IPsec+IKE lab for the tests (bash,
# sourced): a clinic and a national network, each a network namespace with
# its own strongSwan charon, joined by a veth pair ("the internet").
#
#   clinic ns                                national ns
#   lo 198.19.1.10/32 (inner source)          lo 198.19.0.10/32 (service)
#   out0 198.18.0.1/24  <---- veth ---->      out0 198.18.0.2/24
#   ipsec0 (TUN, charon's kernel-libipsec)    ipsec0 (TUN)
#
# The service address is reachable from the clinic only through the tunnel:
# no namespace has a default route, and the only route to the other side's
# inner range is the one charon installs (table 220, via ipsec0) while a
# CHILD_SA or a trap policy is in place. Addresses come from 198.18.0.0/15
# (benchmark range); nothing leaves the two namespaces.
#
# The kernel may have no ESP/XFRM support (containers, minimal kernels), so
# both charons use kernel-libipsec: ESP in user space, carried over UDP
# 4500, with a TUN device for the clear traffic.
#
# The clinic side's swanctl.conf is generated from
# etc/strongswan/onshi-national.conf.example (placeholders substituted with
# sed, the pre-shared key variant chosen), so the example is what is tested.
#
# Use:
#   . "$here/vpn-lab.sh"
#   reason=$(vpn_lab_check) || { echo "SKIP: $reason"; exit 77; }
#   trap vpn_lab_down EXIT
#   vpn_lab_up "$WORK/vpn" || fail "lab"
#   vpn_lab_in_clinic curl "http://$VPN_SERVICE_ADDR:8080/"
#
# Exports after vpn_lab_up: VPN_CLINIC_NS VPN_NATIONAL_NS (namespace names),
# VPN_CLINIC_VICI VPN_NATIONAL_VICI (vici socket URIs, unix://...),
# VPN_CLINIC_VICI_PATH VPN_NATIONAL_VICI_PATH (their socket files),
# VPN_SERVICE_ADDR (198.19.0.10), VPN_CLINIC_ADDR (198.19.1.10),
# VPN_CONN (national), VPN_CHILD (onshi), VPN_NATIONAL_CONN (clinic, the
# name on the national side), VPN_LAB_DIR (DIR).
#
# Knobs (environment): VPN_LAB_KEEP=1 keeps DIR's files after vpn_lab_down
# (charon logs are DIR/clinic.log and DIR/national.log);
# VPN_LAB_VICI_GROUP=NAME makes charon's vici sockets owned by that group
# (mode 0770), so a non-root onshid in the group can use them; WAIT_SCALE
# (lib.sh's) stretches every deadline on a loaded machine.

: "${VPN_LAB_CHARON:=/usr/lib/ipsec/charon}"
: "${VPN_LAB_PLUGINS:=/usr/lib/ipsec/plugins}"
VPN_SERVICE_ADDR=198.19.0.10
VPN_CLINIC_ADDR=198.19.1.10
VPN_CONN=national
VPN_CHILD=onshi
VPN_NATIONAL_CONN=clinic
# The tunnel's outer link and the two inner ranges.
VPN_LAB_CLINIC_OUTER=198.18.0.1
VPN_LAB_NATIONAL_OUTER=198.18.0.2
VPN_LAB_NATIONAL_RANGE=198.19.0.0/24
VPN_LAB_CLINIC_RANGE=198.19.1.0/24
VPN_LAB_PSK=onshi-lab-pre-shared-key-not-a-secret
# psk (the example's commented variant) or cert (the example as it stands,
# with certificates made by openssl).
: "${VPN_LAB_AUTH:=psk}"
VPN_LAB_DIR=${VPN_LAB_DIR:-}
VPN_CLINIC_NS=${VPN_CLINIC_NS:-}
VPN_NATIONAL_NS=${VPN_NATIONAL_NS:-}
export VPN_SERVICE_ADDR VPN_CLINIC_ADDR VPN_CONN VPN_CHILD VPN_NATIONAL_CONN

# The example the clinic side is made from, next to this file's tree.
VPN_LAB_EXAMPLE=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/etc/strongswan/onshi-national.conf.example

# Every loop waits for an event by polling it; a deadline in seconds is
# multiplied by WAIT_SCALE (lib.sh: ONSHI_WAIT_SCALE, default 3) so that a
# loaded machine slows a test down rather than failing it.
_vpn_lab_scale() {
	echo "${WAIT_SCALE:-${ONSHI_WAIT_SCALE:-3}}"
}

# _vpn_lab_deadline SECONDS: the monotonic-enough end time (epoch seconds,
# with nanoseconds) for a wait of SECONDS * scale.
_vpn_lab_deadline() {
	awk -v now="$(date +%s.%N)" -v s="$1" -v k="$(_vpn_lab_scale)" \
		'BEGIN { printf "%.3f\n", now + s * k }'
}

# _vpn_lab_before DEADLINE: still before the deadline?
_vpn_lab_before() {
	awk -v now="$(date +%s.%N)" -v d="$1" 'BEGIN { exit !(now < d) }'
}

# vpn_lab_check: print why the lab cannot run here and return 1, or
# return 0. The tests turn a 1 into an automake skip (exit 77).
vpn_lab_check() {
	# Namespaces, veth and TUN need CAP_NET_ADMIN and CAP_SYS_ADMIN.
	if [ "$(id -u)" != 0 ]; then
		echo "not root (network namespaces need it)"
		return 1
	fi
	# kernel-libipsec hands clear packets to and from a TUN device.
	if [ ! -c /dev/net/tun ]; then
		echo "no /dev/net/tun (kernel-libipsec needs a TUN device)"
		return 1
	fi
	local tool
	for tool in ip nsenter awk; do
		command -v "$tool" >/dev/null 2>&1 || {
			echo "no '$tool' command (iproute2 / util-linux)"
			return 1
		}
	done
	if [ ! -x "$VPN_LAB_CHARON" ]; then
		echo "no $VPN_LAB_CHARON (apt-get install strongswan-charon)"
		return 1
	fi
	command -v swanctl >/dev/null 2>&1 || {
		echo "no swanctl (apt-get install strongswan-swanctl)"
		return 1
	}
	# The plugins the lab's explicit load list names; kernel-libipsec and
	# vici are the ones a minimal install lacks.
	local p
	for p in kernel-libipsec kernel-netlink vici socket-default gmp; do
		[ -f "$VPN_LAB_PLUGINS/libstrongswan-$p.so" ] || {
			echo "no strongSwan plugin $p (apt-get install libcharon-extra-plugins strongswan-charon)"
			return 1
		}
	done
	if [ "${VPN_LAB_AUTH:-psk}" = cert ] && ! command -v openssl >/dev/null 2>&1; then
		echo "no openssl (VPN_LAB_AUTH=cert makes its certificates with it)"
		return 1
	fi
	[ -f "$VPN_LAB_EXAMPLE" ] || {
		echo "no $VPN_LAB_EXAMPLE"
		return 1
	}
	# Creating a namespace is the real test of privileges (a container
	# may be root without CAP_SYS_ADMIN).
	local probe="onshi-vpn-probe-$$" why
	if ! ip netns add "$probe" 2>/dev/null; then
		echo "cannot create a network namespace (ip netns add failed)"
		return 1
	fi
	# Each charon runs through `ip netns exec` with a private /run bound
	# over the real one: that needs a mount namespace whose / is a mount
	# (not so in a plain chroot, where ip says "mount --make-rslave /"
	# failed).
	local d
	d=$(mktemp -d "${TMPDIR:-/tmp}/vpn-lab-probe-XXXXXX") || return 1
	if ! why=$(ip netns exec "$probe" sh -c 'mount --bind "$1" "$1" && umount "$1"' _ "$d" 2>&1); then
		rmdir "$d"
		ip netns del "$probe" 2>/dev/null
		echo "cannot run a command with a private mount in a network namespace ($(printf '%s' "$why" | head -n 1))"
		return 1
	fi
	rmdir "$d"
	ip netns del "$probe" 2>/dev/null
	return 0
}

# _vpn_lab_strongswan_conf SIDE: the side's strongswan.conf. Explicit plugin
# list and no include of /etc/strongswan.d, so what the host installed or
# configured does not change the lab.
_vpn_lab_strongswan_conf() {
	local side=$1 dir=$VPN_LAB_DIR group=""
	# The vici socket is created root:root mode 0770; with charon.group it
	# is chowned to that group (and charon runs with that gid).
	if [ -n "${VPN_LAB_VICI_GROUP:-}" ]; then
		group="group = $VPN_LAB_VICI_GROUP"
	fi
	cat <<EOF
# strongswan.conf of the lab's $side side (generated by vpn-lab.sh)
charon {
	# Only these plugins, in this order (gmp: MODP groups and RSA; mgf1:
	# RSA-PSS signatures; pem pkcs1 pkcs8 x509: certificates and keys;
	# kernel-libipsec before kernel-netlink, so that libipsec is the IPsec
	# backend and netlink only does addresses and routes; updown is there
	# for a test's updown script).
	load_modular = no
	load = random nonce aes sha1 sha2 hmac kdf mgf1 pem pkcs1 pkcs8 x509 revocation constraints pubkey gmp kernel-libipsec kernel-netlink socket-default vici updown
	$group

	# Routes to the other side's inner range go into table 220 via the TUN
	# device ipsec0 (with libipsec they are the only way packets reach ESP).
	install_routes = yes
	install_virtual_ip = no

	# Short retransmissions: a vanished peer is declared dead after about
	# 0.5 + 0.75 + 1.1 + 1.7 s of silence (tries 3, base 1.5), on top of the
	# connection's dpd_delay.
	retransmit_timeout = 0.5
	retransmit_base = 1.5
	retransmit_tries = 3
	retransmit_jitter = 0
	# A half-open IKE SA (peer not answering) is given up this fast.
	half_open_timeout = 5

	# Both charons on one host: no interference through the host's
	# /etc/ipsec.secrets or starter; the vici socket is per side.
	plugins {
		vici {
			socket = unix://$dir/$side.vici
		}
		kernel-libipsec {
			# The lab's peers are not inside each other's selectors.
			allow_peer_ts = no
		}
	}

	filelog {
		lab {
			path = $dir/$side.log
			time_format = %H:%M:%S
			append = yes
			flush_line = yes
			ike_name = yes
			default = 1
			ike = 2
			knl = 1
			cfg = 1
		}
	}
	# (No syslog section: without --use-syslog, charon logs only where
	# filelog says, never to the host's syslog.)
}

swanctl {
	# What swanctl needs to parse credentials; without this list it tries
	# the host's default list and warns about every missing plugin.
	load = random nonce aes sha1 sha2 hmac mgf1 pem pkcs1 pkcs8 x509 pubkey gmp
}
EOF
}

# _vpn_lab_clinic_swanctl: the clinic's swanctl.conf, from the example:
# placeholders substituted, and a short DPD for the lab (the example's
# 30 s would make a dead-peer test slow).
_vpn_lab_clinic_swanctl() {
	local variant
	if [ "$VPN_LAB_AUTH" = cert ]; then
		# The certificate variant is the example as it stands.
		variant='s/^$//'
	else
		# The PSK variant: the certificate lines go, the lines marked
		# "# (psk) " are uncommented, as the example tells a technician.
		variant='/^[[:space:]]*auth = pubkey/d; /^[[:space:]]*certs = /d; /^[[:space:]]*cacerts = /d; s/^\([[:space:]]*\)# (psk) /\1/'
	fi
	sed -e "$variant" \
		-e "s|<PEER_ADDRESS>|$VPN_LAB_NATIONAL_OUTER|g" \
		-e "s|<LOCAL_ID>|clinic.lab.example|g" \
		-e "s|<REMOTE_ID>|national.lab.example|g" \
		-e "s|<CLINIC_CERT_FILE>|clinic.crt|g" \
		-e "s|<PROVIDER_CA_FILE>|ca.crt|g" \
		-e "s|<CLINIC_RANGES>|$VPN_CLINIC_ADDR/32|g" \
		-e "s|<NATIONAL_RANGES>|$VPN_LAB_NATIONAL_RANGE|g" \
		-e "s|<PRE_SHARED_KEY>|$VPN_LAB_PSK|g" \
		-e 's/^\([[:space:]]*dpd_delay =\).*/\1 2s/' \
		"$VPN_LAB_EXAMPLE"
}

# _vpn_lab_national_swanctl: the national gateway, the responder; with
# the same authentication as the clinic.
_vpn_lab_national_swanctl() {
	local lauth="auth = psk" rauth="auth = psk"
	if [ "$VPN_LAB_AUTH" = cert ]; then
		lauth="auth = pubkey
			certs = national.crt"
		rauth="auth = pubkey
			cacerts = ca.crt"
	fi
	cat <<EOF
# swanctl.conf of the lab's national gateway (generated by vpn-lab.sh)
connections {
	$VPN_NATIONAL_CONN {
		version = 2
		local_addrs = $VPN_LAB_NATIONAL_OUTER
		remote_addrs = %any
		proposals = aes256-sha256-modp3072
		dpd_delay = 2s
		mobike = no
		local {
			$lauth
			id = national.lab.example
		}
		remote {
			$rauth
			id = clinic.lab.example
		}
		children {
			$VPN_CHILD {
				local_ts = $VPN_LAB_NATIONAL_RANGE
				remote_ts = $VPN_LAB_CLINIC_RANGE
				esp_proposals = aes256-sha256-modp3072
				dpd_action = clear
			}
		}
	}
}
secrets {
	ike-clinic {
		id = clinic.lab.example
		secret = "$VPN_LAB_PSK"
	}
}
EOF
}

# _vpn_lab_certs: a throw-away CA and one certificate per side (subjectAltName
# = the side's identity, which charon checks against id), installed where
# swanctl --load-all looks: x509ca/, x509/, private/.
_vpn_lab_certs() {
	local d=$VPN_LAB_DIR/pki side
	mkdir -p "$d" || return 1
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=onshi vpn-lab CA" \
		-addext basicConstraints=critical,CA:true \
		-addext keyUsage=critical,keyCertSign,cRLSign \
		-keyout "$d/ca.key" -out "$d/ca.crt" >"$d/openssl.log" 2>&1 || return 1
	for side in clinic national; do
		printf 'subjectAltName = DNS:%s.lab.example\n' "$side" >"$d/$side.ext"
		openssl req -newkey rsa:2048 -nodes -subj "/CN=$side.lab.example" \
			-keyout "$d/$side.key" -out "$d/$side.csr" >>"$d/openssl.log" 2>&1 &&
			openssl x509 -req -days 2 -in "$d/$side.csr" -CA "$d/ca.crt" \
				-CAkey "$d/ca.key" -CAcreateserial -extfile "$d/$side.ext" \
				-out "$d/$side.crt" >>"$d/openssl.log" 2>&1 || return 1
		cp "$d/ca.crt" "$VPN_LAB_DIR/$side.swanctl/x509ca/ca.crt" &&
			cp "$d/$side.crt" "$VPN_LAB_DIR/$side.swanctl/x509/$side.crt" &&
			cp "$d/$side.key" "$VPN_LAB_DIR/$side.swanctl/private/$side.key" || return 1
	done
}

# _vpn_lab_ns SIDE / _vpn_lab_uri SIDE: the side's namespace / vici URI.
_vpn_lab_ns() {
	if [ "$1" = clinic ]; then echo "$VPN_CLINIC_NS"; else echo "$VPN_NATIONAL_NS"; fi
}

_vpn_lab_uri() {
	echo "unix://$VPN_LAB_DIR/$1.vici"
}

# _vpn_lab_swanctl SIDE ARGS...: swanctl against the side's charon, with
# the side's strongswan.conf and a swanctl directory of its own (so nothing
# from /etc/swanctl is loaded).
_vpn_lab_swanctl() {
	local side=$1
	shift
	STRONGSWAN_CONF="$VPN_LAB_DIR/$side.conf" SWANCTL_DIR="$VPN_LAB_DIR/$side.swanctl" \
		swanctl "$@" --uri "$(_vpn_lab_uri "$side")"
}

# _vpn_lab_start SIDE: start the side's charon in its namespace and wait
# for its vici socket to answer.
_vpn_lab_start() {
	local side=$1 ns dir=$VPN_LAB_DIR pid
	ns=$(_vpn_lab_ns "$side")
	mkdir -p "$dir/$side.run"
	# A SIGKILLed charon leaves both behind (it is gone: _vpn_lab_stop
	# waited), and a stale pid file could name a reused pid.
	rm -f "$dir/$side.vici" "$dir/$side.run/charon.pid"
	# charon 5.9.8 keeps its pid file at the fixed /var/run/charon.pid and
	# refuses to start while it names a live process, so each charon gets
	# its own /run: a bind mount of DIR/SIDE.run. `ip netns exec` gives the
	# command a mount namespace of its own whose / is a slave of the
	# caller's, so the mount is seen by that charon only and is gone with
	# it. exec keeps the pid: $! is charon's.
	# shellcheck disable=SC2016 # $1 $2 are the inner sh's arguments
	STRONGSWAN_CONF="$dir/$side.conf" \
		ip netns exec "$ns" sh -c 'mount --bind "$1" /run && exec "$2"' \
		sh "$dir/$side.run" "$VPN_LAB_CHARON" >>"$dir/$side.out" 2>&1 </dev/null &
	pid=$!
	# Disowned, bash still reaps it when it exits (so kill -0 tells), but
	# prints no "Killed" job notice into the test's output.
	disown "$pid"
	echo "$pid" >"$dir/$side.pid"
	local end
	end=$(_vpn_lab_deadline 10)
	while _vpn_lab_before "$end"; do
		if ! _vpn_lab_alive "$pid"; then
			echo "vpn-lab: $side charon exited during start-up" >&2
			tail -n 20 "$dir/$side.out" "$dir/$side.log" >&2 2>/dev/null
			return 1
		fi
		if [ -S "$dir/$side.vici" ] &&
			_vpn_lab_swanctl "$side" --stats >/dev/null 2>&1; then
			_vpn_lab_load "$side"
			return
		fi
		sleep 0.05
	done
	echo "vpn-lab: $side charon's vici socket did not answer" >&2
	return 1
}

# _vpn_lab_load SIDE: load the side's connections and secrets.
_vpn_lab_load() {
	local side=$1 out
	out=$(_vpn_lab_swanctl "$side" --load-all --noprompt \
		--file "$VPN_LAB_DIR/$side.swanctl/swanctl.conf" 2>&1) || {
		printf 'vpn-lab: swanctl --load-all (%s) failed:\n%s\n' "$side" "$out" >&2
		return 1
	}
	printf '%s\n' "$out" >>"$VPN_LAB_DIR/$side.out"
}

# _vpn_lab_stop SIDE [KILL]: stop the side's charon (SIGTERM: it deletes
# its SAs, sending DELETEs, then exits; with KILL, SIGKILL: the peer
# learns nothing) and wait for it to be gone.
_vpn_lab_stop() {
	local side=$1 sig=TERM pid end
	[ "${2:-}" = KILL ] && sig=KILL
	[ -n "$VPN_LAB_DIR" ] && [ -f "$VPN_LAB_DIR/$side.pid" ] || return 0
	pid=$(cat "$VPN_LAB_DIR/$side.pid")
	rm -f "$VPN_LAB_DIR/$side.pid"
	[ -n "$pid" ] || return 0
	kill -"$sig" "$pid" 2>/dev/null || return 0
	end=$(_vpn_lab_deadline 5)
	while _vpn_lab_alive "$pid" && _vpn_lab_before "$end"; do
		sleep 0.05
	done
	if _vpn_lab_alive "$pid"; then
		echo "vpn-lab: $side charon ignored SIG$sig; killing it" >&2
		kill -KILL "$pid" 2>/dev/null
		end=$(_vpn_lab_deadline 5)
		while _vpn_lab_alive "$pid" && _vpn_lab_before "$end"; do
			sleep 0.05
		done
	fi
	return 0
}

# _vpn_lab_alive PID: the process runs (a zombie, which kill -0 still
# finds when nobody reaps it, counts as gone).
_vpn_lab_alive() {
	local state
	kill -0 "$1" 2>/dev/null || return 1
	state=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null)
	[ -n "$state" ] && [ "$state" != Z ]
}

# vpn_lab_up DIR: build the lab in DIR (created if missing) and bring both
# charons up with their configurations loaded. The tunnel itself is not
# initiated: the clinic's trap policy waits for traffic (vpn_lab_initiate
# brings it up at once). Returns 1 (with a message) on failure; call
# vpn_lab_down either way.
vpn_lab_up() {
	local dir=$1
	[ -n "$dir" ] || { echo "vpn_lab_up: DIR missing" >&2; return 1; }
	mkdir -p "$dir" || return 1
	VPN_LAB_DIR=$(cd "$dir" && pwd)
	# $$ keeps parallel test runs apart; the names are set before anything
	# exists so vpn_lab_down can clean up after a failure half-way.
	VPN_CLINIC_NS="onshi-vpn-$$-clinic"
	VPN_NATIONAL_NS="onshi-vpn-$$-national"
	VPN_CLINIC_VICI=$(_vpn_lab_uri clinic)
	VPN_NATIONAL_VICI=$(_vpn_lab_uri national)
	VPN_CLINIC_VICI_PATH="$VPN_LAB_DIR/clinic.vici"
	VPN_NATIONAL_VICI_PATH="$VPN_LAB_DIR/national.vici"
	export VPN_LAB_DIR VPN_CLINIC_NS VPN_NATIONAL_NS VPN_CLINIC_VICI \
		VPN_NATIONAL_VICI VPN_CLINIC_VICI_PATH VPN_NATIONAL_VICI_PATH

	ip netns add "$VPN_CLINIC_NS" || return 1
	ip netns add "$VPN_NATIONAL_NS" || return 1
	# The veth pair is created inside the clinic namespace with its peer
	# in the national one, so no name ever exists in the host namespace.
	ip -n "$VPN_CLINIC_NS" link add out0 type veth peer name out0 netns "$VPN_NATIONAL_NS" || return 1
	ip -n "$VPN_CLINIC_NS" addr add "$VPN_LAB_CLINIC_OUTER/24" dev out0 || return 1
	ip -n "$VPN_NATIONAL_NS" addr add "$VPN_LAB_NATIONAL_OUTER/24" dev out0 || return 1
	# The inner addresses sit on lo: charon picks the clinic's as source of
	# the route via ipsec0 (it must be a local address inside local_ts).
	ip -n "$VPN_CLINIC_NS" addr add "$VPN_CLINIC_ADDR/32" dev lo || return 1
	ip -n "$VPN_NATIONAL_NS" addr add "$VPN_SERVICE_ADDR/32" dev lo || return 1
	local ns
	for ns in "$VPN_CLINIC_NS" "$VPN_NATIONAL_NS"; do
		ip -n "$ns" link set lo up || return 1
		ip -n "$ns" link set out0 up || return 1
	done

	local side
	for side in national clinic; do
		# swanctl --load-all reads these folders and warns about any missing.
		(cd "$VPN_LAB_DIR" && mkdir -p "$side.swanctl" &&
			cd "$side.swanctl" && mkdir -p x509 x509ca x509ocsp x509aa x509ac x509crl pubkey private rsa ecdsa bliss pkcs8 pkcs12) || return 1
		_vpn_lab_strongswan_conf "$side" >"$VPN_LAB_DIR/$side.conf" || return 1
	done
	if [ "$VPN_LAB_AUTH" = cert ]; then
		_vpn_lab_certs || { echo "vpn-lab: making the lab's certificates failed" >&2; return 1; }
	fi
	_vpn_lab_clinic_swanctl >"$VPN_LAB_DIR/clinic.swanctl/swanctl.conf" || return 1
	# A placeholder left over (one the lab does not know) would make
	# swanctl refuse the file with a less helpful message: name it.
	if grep -q '^[^#]*<[A-Z_]*>' "$VPN_LAB_DIR/clinic.swanctl/swanctl.conf"; then
		grep -n '^[^#]*<[A-Z_]*>' "$VPN_LAB_DIR/clinic.swanctl/swanctl.conf" >&2
		echo "vpn-lab: placeholders of the example left unfilled (above)" >&2
		return 1
	fi
	_vpn_lab_national_swanctl >"$VPN_LAB_DIR/national.swanctl/swanctl.conf" || return 1
	_vpn_lab_start national || return 1
	_vpn_lab_start clinic || return 1
}

# vpn_lab_service_cert PKI: give the onshi-pki folder PKI a server
# certificate for the national service's address behind the tunnel
# (VPN_SERVICE_ADDR), issued by its national CA, in place of its
# localhost one (server.crt/.key), so that onshid's TLS check of the
# service passes through the tunnel as it would on the real network.
vpn_lab_service_cert() {
	local pki=$1 tmp
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/vpn-lab-cert-XXXXXX") || return 1
	printf 'subjectAltName = IP:%s\nextendedKeyUsage = serverAuth\n' \
		"$VPN_SERVICE_ADDR" >"$tmp/ext"
	if openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-subj "/CN=$VPN_SERVICE_ADDR" -keyout "$tmp/key" -out "$tmp/csr" 2>/dev/null &&
		openssl x509 -req -in "$tmp/csr" -CA "$pki/national-ca.crt" \
			-CAkey "$pki/national-ca.key" -CAcreateserial -CAserial "$tmp/srl" \
			-days 2 -extfile "$tmp/ext" -out "$tmp/crt" 2>/dev/null; then
		cp "$tmp/crt" "$pki/server.crt" && cp "$tmp/key" "$pki/server.key"
	fi
	local rc=$?
	rm -rf "$tmp"
	return $rc
}

# vpn_lab_in_clinic CMD... / vpn_lab_in_national CMD...: run CMD in that
# namespace. nsenter changes the network namespace only: CMD keeps the
# caller's mount namespace (file system, /run, the vici socket files),
# environment and credentials.
vpn_lab_in_clinic() {
	nsenter --net="/run/netns/$VPN_CLINIC_NS" -- "$@"
}

vpn_lab_in_national() {
	nsenter --net="/run/netns/$VPN_NATIONAL_NS" -- "$@"
}

# vpn_lab_swanctl SIDE ARGS...: swanctl against the clinic's or the
# national side's charon (e.g. vpn_lab_swanctl clinic --list-sas).
vpn_lab_swanctl() {
	_vpn_lab_swanctl "$@"
}

# vpn_lab_initiate: bring the clinic's tunnel up now and wait for it
# (swanctl blocks until the CHILD_SA is installed or failed).
vpn_lab_initiate() {
	_vpn_lab_swanctl clinic --initiate --child "$VPN_CHILD" \
		--timeout "$((10 * $(_vpn_lab_scale)))" >>"$VPN_LAB_DIR/clinic.out" 2>&1
}

# vpn_lab_stop_national [--kill]: stop the national charon. By default
# gracefully (SIGTERM: it sends DELETE for its SAs before exiting, so the
# clinic learns at once); --kill is SIGKILL, a vanished peer that the
# clinic only finds by DPD.
vpn_lab_stop_national() {
	if [ "${1:-}" = --kill ]; then
		_vpn_lab_stop national KILL
	else
		_vpn_lab_stop national
	fi
}

# vpn_lab_start_national: start the national charon again and reload its
# configuration.
vpn_lab_start_national() {
	_vpn_lab_stop national
	_vpn_lab_start national
}

# vpn_lab_kill_sa [clinic|national]: delete the IKE SA (and its CHILD_SA)
# from that side (default clinic) with swanctl --terminate; the other side
# gets the DELETE. Waits for the peer's answer (bounded).
vpn_lab_kill_sa() {
	local side=${1:-clinic} conn=$VPN_CONN
	[ "$side" = national ] && conn=$VPN_NATIONAL_CONN
	_vpn_lab_swanctl "$side" --terminate --ike "$conn" \
		--timeout "$((5 * $(_vpn_lab_scale)))" >>"$VPN_LAB_DIR/$side.out" 2>&1
}

# _vpn_lab_state SIDE SED-PATTERN PREFERRED: the states swanctl --list-sas
# shows of the lab's connection on SIDE, matched by SED-PATTERN (its \1):
# PREFERRED when one of them is, else the first, NONE when there is none.
_vpn_lab_state() {
	local side=$1 conn=$VPN_CONN states
	[ "$side" = national ] && conn=$VPN_NATIONAL_CONN
	states=$(_vpn_lab_swanctl "$side" --list-sas --ike "$conn" 2>/dev/null |
		sed -n "s/$2/\1/p")
	if [ -z "$states" ]; then
		echo NONE
	elif printf '%s\n' "$states" | grep -qx "$3"; then
		echo "$3"
	else
		printf '%s\n' "$states" | head -n 1
	fi
}

# vpn_lab_sa_state [clinic|national]: print the state of that side's IKE
# SA of the lab's connection (ESTABLISHED, CONNECTING, DELETING, ...), or
# NONE when there is none. With several, ESTABLISHED wins.
vpn_lab_sa_state() {
	local side=${1:-clinic} conn=$VPN_CONN
	[ "$side" = national ] && conn=$VPN_NATIONAL_CONN
	_vpn_lab_state "$side" "^$conn: #[0-9]*, \([A-Z_]*\),.*" ESTABLISHED
}

# vpn_lab_child_state [clinic|national]: the same for the CHILD_SA
# (INSTALLED, REKEYING, ...), NONE when there is none.
vpn_lab_child_state() {
	_vpn_lab_state "${1:-clinic}" \
		"^ *$VPN_CHILD: #[0-9]*, reqid [0-9]*, \([A-Z_]*\),.*" INSTALLED
}

# vpn_lab_wait_state STATE SECONDS [clinic|national]: wait until
# vpn_lab_sa_state prints STATE (bounded by SECONDS * WAIT_SCALE).
vpn_lab_wait_state() {
	local want=$1 end
	end=$(_vpn_lab_deadline "$2")
	while _vpn_lab_before "$end"; do
		[ "$(vpn_lab_sa_state "${3:-clinic}")" = "$want" ] && return 0
		sleep 0.05
	done
	return 1
}

# vpn_lab_down: stop both charons and everything else still running in the
# lab's namespaces, delete the namespaces and DIR's lab files. Idempotent;
# safe from an EXIT trap at any point of vpn_lab_up.
vpn_lab_down() {
	local side ns pid
	for side in clinic national; do
		_vpn_lab_stop "$side"
	done
	# Whatever a test left in the namespaces (an http.server, an onshid
	# started through vpn_lab_in_*): their pids, killed one by one.
	for ns in "$VPN_CLINIC_NS" "$VPN_NATIONAL_NS"; do
		if [ -z "$ns" ] || [ ! -e "/run/netns/$ns" ]; then
			continue
		fi
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
	if [ -n "$VPN_LAB_DIR" ] && [ -d "$VPN_LAB_DIR" ] && [ -z "${VPN_LAB_KEEP:-}" ]; then
		for side in clinic national; do
			rm -rf "$VPN_LAB_DIR/$side.conf" "$VPN_LAB_DIR/$side.swanctl" \
				"$VPN_LAB_DIR/$side.run" "$VPN_LAB_DIR/$side.vici" \
				"$VPN_LAB_DIR/$side.log" "$VPN_LAB_DIR/$side.out" \
				"$VPN_LAB_DIR/$side.pid"
		done
		rm -rf "$VPN_LAB_DIR/pki"
		rmdir "$VPN_LAB_DIR" 2>/dev/null
	fi
	VPN_CLINIC_NS=""
	VPN_NATIONAL_NS=""
	VPN_LAB_DIR=""
	return 0
}
