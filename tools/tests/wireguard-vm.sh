#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# wireguard-go against the kernel's WireGuard (TAP), in the VM: wireguard-go
# (build/lib/tunx-wireguard) on a tunx device in one namespace, wireguard.ko
# set up with wg and ip in another, a veth between them; then the same with
# wireguard-go on /dev/net/tun.  For each: the handshake completes, ping
# passes both ways, iperf3 TCP passes both ways (its Mbit/s in the line).
# Then tunx-bench's wireguard mode on both backends.
# Run inside tools/vm/run, which loads tunx.ko; build on the host first
# (make all, make -C lib go).  TUNX_WG_SECONDS: iperf3 -t (3).
#
# It fails when wg, iperf3 or wireguard.ko is missing: Debian's kernels
# build WireGuard as a module.  It skips only a kernel whose config says
# CONFIG_WIREGUARD is not set.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tools/tests/tap.sh"
. "$top/tools/wg-pair.sh"
trap 'if [ "$BASHPID" = "$$" ]; then wg_pair_down; fi' EXIT
echo "TAP version 13"

# The kernel's config: y, m, n, or "" when none is found (then the module
# must load: a missing config is no reason to skip).  TUNX_WG_KCONFIG names
# it for a kernel that has none in /boot: tools/check passes the debug
# kernel's, and this script then runs on the host only to say why it skips.
kconfig() {
	local c=${TUNX_WG_KCONFIG:-}
	[ -n "$c" ] || c=/boot/config-$(uname -r)
	if [ -r "$c" ]; then
		sed -n 's/^CONFIG_WIREGUARD=//p' "$c" | grep . || echo n
	elif [ -r /proc/config.gz ]; then
		zcat /proc/config.gz | sed -n 's/^CONFIG_WIREGUARD=//p' | grep . || echo n
	fi
}
if [ "$(kconfig)" = n ]; then
	skip "wireguard-go against the kernel's WireGuard" \
		"the kernel is built without CONFIG_WIREGUARD (${TUNX_WG_KCONFIG:-/boot/config-$(uname -r)})"
	echo "1..$n"
	exit 0
fi

result "/dev/net/tunx exists (tunx.ko loaded)" test -c /dev/net/tunx
result "wg and iperf3 are installed (else: make deps)" \
	eval 'command -v wg >/dev/null && command -v iperf3 >/dev/null'
result "tunx-wireguard is built (else: make -C lib go)" test -x "$wg_bin"
result "the kernel's WireGuard loads (modprobe wireguard)" modprobe wireguard

# handshake: the kernel's end has a nonzero latest handshake with its peer.
handshake() {
	local t
	t=$(ip netns exec "$wg_k_ns" wg show wg0 latest-handshakes | awk '{ print $2 }')
	echo "# latest handshake: ${t:-none}"
	[ "${t:-0}" -gt 0 ]
}
# comment CMD...: CMD with its output as TAP comments, and its status.
comment() { "$@" 2>&1 | sed 's/^/# /'; }
# iperf LABEL [-R]: the throughput into the TAP line; $mbit keeps it.
iperf() {
	local label=$1
	shift
	n=$((n + 1))
	if mbit=$(wg_iperf "$@"); then
		echo "ok $n $label: $mbit Mbit/s"
	else
		mbit=-
		echo "not ok $n $label"
		failed=$((failed + 1))
	fi
}

declare -A up down
for backend in tunx tun; do
	name="wireguard-go on $backend"
	f0=$failed
	result "$name: both ends up (wireguard-go in one namespace, wireguard.ko in the other)" \
		wg_pair_up tunx-wg-go tunx-wg-k "$backend"
	if [ "$failed" != "$f0" ]; then
		sed 's/^/# /' "$wg_log"
		wg_pair_down
		up[$backend]=- down[$backend]=-
		continue
	fi
	result "$name: the device is $backend (libtunx's choice and the driver)" \
		eval 'grep -q "^tunx-wireguard: wg-go $backend:" "$wg_log" &&
		      grep -qx "driver: $backend" <<<"$(ip netns exec "$wg_go_ns" ethtool -i wg-go)"'
	# -w: the first packets wait for the handshake; under TCG that can take
	# seconds.  ping fails unless all 3 are answered by then.
	result "$name: ping to the kernel's end" \
		comment ip netns exec "$wg_go_ns" ping -q -c 3 -i 0.5 -w 60 10.79.0.2
	result "$name: handshake completed (wg show wg0 latest-handshakes)" handshake
	result "$name: ping from the kernel's end" \
		comment ip netns exec "$wg_k_ns" ping -q -c 3 -i 0.5 -w 60 10.79.0.1
	iperf "$name: iperf3 TCP wireguard-go -> kernel"
	up[$backend]=$mbit
	iperf "$name: iperf3 TCP kernel -> wireguard-go" -R
	down[$backend]=$mbit
	# wireguard-go closes the device on SIGTERM and exits 0; one that
	# hangs is killed after a minute and fails, and one already dead
	# fails with its status (kill's failure must not end the script).
	kill -TERM "$wg_pid" 2>/dev/null || true
	rc=0
	if wg_wait 60 eval '! kill -0 "$wg_pid"'; then
		wait "$wg_pid" || rc=$?
	else
		echo "# tunx-wireguard still running 60 s after SIGTERM"
		kill -KILL "$wg_pid"
		rc=hung
	fi
	wg_pid=
	result "$name: tunx-wireguard stops on SIGTERM with status 0" [ "$rc" = 0 ]
	[ "$failed" = 0 ] || sed 's/^/# /' "$wg_log"
	wg_pair_down
done
# tunx-bench's wireguard mode builds the same pair itself, on both backends.
bench() {
	local out
	out=$("$top/build/tools/tunx-bench" -m wireguard -b tunx,tun \
		-d "$wg_secs" --json 2>/dev/null) || return 1
	echo "$out" | python3 -c '
import json, sys
r = json.load(sys.stdin)["results"]
for x in r:
    print("# tunx-bench wireguard %s: %s" % (x["backend"], x["error"] or
          "%.1f Mbit/s" % (x["bits_per_second"] / 1e6)))
assert [x["backend"] for x in r] == ["tunx", "tun"], r
assert all(x["error"] is None and x["bits_per_second"] > 0 for x in r), r'
}
result "tunx-bench -m wireguard -b tunx,tun measures both" bench
for backend in tunx tun; do
	echo "# wireguard-go on $backend: TCP to the kernel ${up[$backend]} Mbit/s," \
		"from the kernel ${down[$backend]} Mbit/s (iperf3 -t $wg_secs)"
done
echo "1..$n"
[ "$failed" = 0 ]
