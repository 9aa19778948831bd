# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Sourced by tools/tests/wireguard-vm.sh and tools/demo: wireguard-go
# (tunx-wireguard, on a libtunx backend) in one network namespace, the
# kernel's WireGuard (wireguard.ko, set up with wg and ip) in another,
# joined by a veth.  Nothing leaves the two namespaces.
#
#   wg_pair_up GO_NS K_NS BACKEND  make both ends; BACKEND is tunx or tun
#   wg_pair_down                   stop wireguard-go, delete the namespaces
#   wg_iperf [-R]                  iperf3 TCP from GO_NS to K_NS (-R: back);
#                                  prints Mbit/s received, fails on no data
#
# Addresses: underlay 192.168.79.1 (GO_NS) and .2 (K_NS); tunnel 10.79.0.1
# on wg-go and 10.79.0.2 on wg0.  After wg_pair_up: $wg_pid is
# tunx-wireguard's pid, $wg_log its output, $wg_go_ns and $wg_k_ns the
# namespaces.  Each function says what failed on stderr and returns 1.
# Needs $top (the checkout).  Callers run under set -euo pipefail.

wg_bin=$top/build/lib/tunx-wireguard
wg_secs=${TUNX_WG_SECONDS:-3}	# iperf3 -t
wg_pid='' wg_go_ns='' wg_k_ns='' wg_log=''

# A wg key (base64) as the hex wireguard-go's UAPI wants.  od -v: without
# it od prints repeated lines as "*".
wg_hex() { base64 -d | od -An -tx1 -v | tr -d ' \n'; }

# wg_wait SECONDS CMD...: run CMD every 0.2 s until it succeeds.  Every wait
# here is generous: under TCG on a loaded host Go starts in seconds.
wg_wait() {
	local i
	for i in $(seq $(($1 * 5))); do
		"${@:2}" 2>/dev/null && return 0
		sleep 0.2
	done
	return 1
}

wg_pair_up() {
	local go_ns=$1 k_ns=$2 backend=$3 kpriv kpub gpriv gpub
	wg_go_ns=$go_ns wg_k_ns=$k_ns
	wg_log=$(mktemp "${TMPDIR:-/tmp}/tunx-wg.XXXXXX")
	if [ ! -x "$wg_bin" ]; then
		echo "wg-pair: $wg_bin is not built; run 'make -C lib go'" >&2
		return 1
	fi
	# No udev or kmod helper in the VM: load what the links need.
	modprobe -q veth 2>/dev/null || true
	if ! modprobe wireguard 2>"$wg_log"; then
		echo "wg-pair: the kernel's WireGuard does not load: $(cat "$wg_log");" \
			"install the kernel's modules ('make deps')" >&2
		return 1
	fi
	# Callers test this function (result, if), which turns set -e off in
	# it: each step is chained so that the first failure returns.
	ip netns add "$go_ns" && ip netns add "$k_ns" &&
	ip -n "$go_ns" link add wg-u0 type veth peer name wg-u1 netns "$k_ns" &&
	ip -n "$go_ns" addr add 192.168.79.1/24 dev wg-u0 &&
	ip -n "$k_ns" addr add 192.168.79.2/24 dev wg-u1 &&
	ip -n "$go_ns" link set wg-u0 up && ip -n "$k_ns" link set wg-u1 up &&
	ip -n "$go_ns" link set lo up && ip -n "$k_ns" link set lo up ||
		{ echo "wg-pair: could not make the namespaces and the veth" >&2; return 1; }

	kpriv=$(wg genkey) && gpriv=$(wg genkey) &&
	kpub=$(echo "$kpriv" | wg pubkey) && gpub=$(echo "$gpriv" | wg pubkey) ||
		{ echo "wg-pair: wg genkey/pubkey failed; install wireguard-tools ('make deps')" >&2; return 1; }

	# The kernel's end; wg reads the private key from a file only.
	echo "$kpriv" >"$wg_log.key" &&
	ip -n "$k_ns" link add wg0 type wireguard &&
	ip netns exec "$k_ns" wg set wg0 private-key "$wg_log.key" listen-port 51820 \
		peer "$gpub" allowed-ips 10.79.0.1/32 endpoint 192.168.79.1:51820 &&
	ip -n "$k_ns" addr add 10.79.0.2/24 dev wg0 &&
	ip -n "$k_ns" link set wg0 mtu 1420 up ||
		{ echo "wg-pair: could not set up the kernel's wg0 in $k_ns" >&2; return 1; }
	rm -f "$wg_log.key"

	# wireguard-go's end: it prints the interface's name once it is up.
	printf 'private_key=%s\nlisten_port=51820\npublic_key=%s\nendpoint=%s\nallowed_ip=%s\n' \
		"$(echo "$gpriv" | wg_hex)" "$(echo "$kpub" | wg_hex)" \
		192.168.79.2:51820 10.79.0.2/32 |
		TUNX_WG_BACKEND=$backend ip netns exec "$go_ns" "$wg_bin" wg-go 1420 \
		>"$wg_log" 2>&1 &
	wg_pid=$!
	if ! wg_wait 120 grep -qx wg-go "$wg_log"; then
		echo "wg-pair: tunx-wireguard did not bring up wg-go on $backend in 120 s:" >&2
		sed 's/^/wg-pair:   /' "$wg_log" >&2
		return 1
	fi
	ip -n "$go_ns" addr add 10.79.0.1/24 dev wg-go &&
	ip -n "$go_ns" link set wg-go up ||
		{ echo "wg-pair: could not address wg-go in $go_ns" >&2; return 1; }
}

wg_pair_down() {
	local i
	if [ -n "$wg_pid" ] && kill -0 "$wg_pid" 2>/dev/null; then
		kill -TERM "$wg_pid" 2>/dev/null || true
		# It closes the device and exits; never hang on one that does not.
		wg_wait 60 eval '! kill -0 "$wg_pid"' ||
			kill -KILL "$wg_pid" 2>/dev/null || true
	fi
	[ -z "$wg_pid" ] || wait "$wg_pid" 2>/dev/null || true
	wg_pid=''
	for i in "$wg_go_ns" "$wg_k_ns"; do
		[ -n "$i" ] || continue
		# An iperf3 -s whose client never came would outlive the namespace.
		ip netns pids "$i" 2>/dev/null | xargs -r kill 2>/dev/null || true
		ip netns del "$i" 2>/dev/null || true
	done
	[ -z "$wg_log" ] || rm -f "$wg_log" "$wg_log.key"
	wg_go_ns='' wg_k_ns='' wg_log=''
}

wg_iperf() {
	local json
	ip netns exec "$wg_k_ns" iperf3 -s -1 -D -B 10.79.0.2 >/dev/null 2>&1
	# Listening before the client connects, however slow the VM is.
	wg_wait 60 eval 'ip netns exec "$wg_k_ns" ss -ltnH | grep -q "10.79.0.2:5201"' || {
		echo "wg-pair: iperf3 -s did not listen in 60 s" >&2
		return 1
	}
	# A tunnel that carries nothing fails in 30 s, saying so, rather than
	# waiting out TCP's connect retries.
	json=$(ip netns exec "$wg_go_ns" timeout 120 iperf3 -c 10.79.0.2 \
		--connect-timeout 30000 -t "$wg_secs" -J "$@" 2>&1) || {
		echo "wg-pair: iperf3 -c 10.79.0.2 $* failed:" >&2
		echo "$json" | grep -m3 '"error"' >&2 || true
		return 1
	}
	# Mbit/s received; nothing received fails.
	echo "$json" | python3 -c '
import json, sys
bps = json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]
print("%.1f" % (bps / 1e6))
sys.exit(bps <= 0)' || { echo "wg-pair: iperf3 received nothing" >&2; return 1; }
}
