# SPDX-License-Identifier: Apache-2.0
# tests/integration/lib.sh — helpers for the integration tests (bash).
#
# Each test gets a private work directory, starts the real onshid from the
# build tree (under valgrind when the harness found it) and talks to it with
# the real onshictl. Exit codes: 0 pass, 1 fail, 77 skip.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${top_srcdir:=$(cd "$here/../.." && pwd)}"
: "${top_builddir:=$top_srcdir/build}"
ONSHID="$top_builddir/src/onshid/onshid"
ONSHICTL="$top_builddir/src/onshictl/onshictl"
FIXTURES="$top_builddir/tests/plugins"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/onshi-it-XXXXXX")
SOCK="$WORK/control.sock"
DPID=""
CHECKS=0
# Waits for an event poll it and stop at the first sign; their limits are
# the seconds a quiet machine needs times WAIT_SCALE, so a loaded machine
# (other builds, valgrind, stress) slows a test down instead of failing it.
WAIT_SCALE=${ONSHI_WAIT_SCALE:-3}

cleanup() {
	if [ -n "$DPID" ] && kill -0 "$DPID" 2>/dev/null; then
		kill -KILL "$DPID" 2>/dev/null
		wait "$DPID" 2>/dev/null
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*"
	if [ -f "$WORK/onshid.log" ]; then
		echo "--- onshid log (last 30 lines) ---"
		tail -n 30 "$WORK/onshid.log"
	fi
	exit 1
}

ok() {
	CHECKS=$((CHECKS + 1))
	echo "ok $CHECKS - $*"
}

# expect_match TEXT REGEX WHAT
expect_match() {
	printf '%s\n' "$1" | grep -Eq -- "$2" || fail "$3: expected /$2/ in: $1"
	ok "$3"
}

# The daemon runs under valgrind when the harness provides it.
daemon_wrapper() {
	if [ -n "${VALGRIND:-}" ] && [ -z "${ONSHI_NO_VALGRIND:-}" ]; then
		echo "$VALGRIND -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite"
	fi
}

# start_daemon CONFIG: start onshid -f and wait until its socket answers.
start_daemon() {
	# shellcheck disable=SC2046
	$(daemon_wrapper) "$ONSHID" -c "$1" -f >>"$WORK/onshid.log" 2>&1 &
	DPID=$!
	for _ in $(seq 1 300); do
		if "$ONSHICTL" -s "$SOCK" version >/dev/null 2>&1; then
			return 0
		fi
		kill -0 "$DPID" 2>/dev/null || fail "onshid exited during start-up"
		sleep 0.1
	done
	fail "onshid did not answer on $SOCK within 30 s"
}

# stop_daemon: SIGTERM, expect a clean exit (valgrind errors exit 99).
stop_daemon() {
	kill -TERM "$DPID" || fail "onshid already gone"
	wait "$DPID"
	local rc=$?
	DPID=""
	[ "$rc" -eq 0 ] || fail "onshid exited with status $rc after SIGTERM"
	ok "onshid stopped cleanly on SIGTERM"
}

# free_port: a loopback TCP port nothing listens on now (for servers that
# cannot pick their own, e.g. openssl s_server, or a page's fixed port).
free_port() {
	local p
	for _ in $(seq 1 50); do
		p=$((20000 + RANDOM % 30000))
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
	done
	fail "no free port found"
}

ctl() {
	"$ONSHICTL" -s "$SOCK" "$@"
}

# wait_status REGEX WHAT [SECONDS]: poll `onshictl status` until it matches
# (default 10 s, times WAIT_SCALE); counts as a check.
wait_status() {
	local st=""
	for _ in $(seq 1 $((${3:-10} * 10 * WAIT_SCALE))); do
		st=$(ctl status 2>/dev/null) || st=""
		if printf '%s\n' "$st" | grep -Eq -- "$1"; then
			ok "$2"
			return 0
		fi
		sleep 0.1
	done
	fail "$2: status never matched /$1/: $st"
}

# robustness_record KIND FIELD...: one row of figures (faults injected,
# requests, lost, doubled; crash-loop rounds...) for docs/robustness.md,
# appended to $ONSHI_ROBUSTNESS_DIR/KIND.tsv after the date and the commit
# (make check sets the folder; tools/robustness-report renders the table).
robustness_record() {
	[ -n "${ONSHI_ROBUSTNESS_DIR:-}" ] || return 0
	local kind=$1 commit
	shift
	commit=$(git -C "$top_srcdir" describe --always --dirty=+ 2>/dev/null) || commit=-
	mkdir -p "$ONSHI_ROBUSTNESS_DIR" || return 0
	(IFS=$'\t'; printf '%s\t%s\t%s\n' "$(date -u +%Y-%m-%dT%H:%MZ)" "$commit" "$*") \
		>>"$ONSHI_ROBUSTNESS_DIR/$kind.tsv"
}

finish() {
	echo "$CHECKS checks passed"
	exit 0
}

# face_file DIR PUSH_ID: the face/ file of one card read, as onshi names
# them like the real terminal: OQSsiquc01res_face_<institution code><first
# 20 hex of SHA-256 of the push id>_<yyyyMMddHHmmss>.xml (the push id is
# "<reader section>-<read id>"). Prints its path; status 1 when none.
face_file() {
	local f h
	h=$(printf %s "$2" | sha256sum | cut -c1-20)
	for f in "$1"/OQSsiquc01res_face_??????????"$h"_??????????????.xml; do
		[ -e "$f" ] && { printf '%s
' "$f"; return 0; }
	done
	return 1
}

# wait_face DIR PUSH_ID [SECONDS]: wait for that face/ file (default 20 s);
# its path is then in $FACE.
wait_face() {
	for _ in $(seq 1 $((${3:-20} * 10 * WAIT_SCALE))); do
		FACE=$(face_file "$1" "$2") && return 0
		sleep 0.1
	done
	fail "no face/ file for the card read $2 after ${3:-20} s ($(ls "$1" 2>/dev/null))"
}
