#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# wireguard-go on libtunx at both ends: two network namespaces joined by a
# veth, a tunx-wireguard in each; the handshake completes and ping passes.
# test-wireguard.sh TUNX-WIREGUARD-BINARY   (root; exit 4: skip)
# The devices open with backend AUTO: tunx where the module is loaded
# (the VM), /dev/net/tun elsewhere.
set -eu
bin=$1
backend=${TUNX_WG_BACKEND:-}
if [ -z "$backend" ]; then
	backend=tun
	[ -c /dev/net/tunx ] && backend=tunx
fi
export TUNX_WG_BACKEND=$backend
[ "$(id -u)" = 0 ] || { echo "# SKIP needs root"; exit 4; }
a=h14wga b=h14wgb
out=$(mktemp -d)
hex32() { head -c32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
cleanup() {
	[ -n "${pa:-}" ] && kill "$pa" 2>/dev/null
	[ -n "${pb:-}" ] && kill "$pb" 2>/dev/null
	wait 2>/dev/null || true
	ip netns del $a 2>/dev/null || true
	ip netns del $b 2>/dev/null || true
	rm -rf "$out"
}
trap cleanup EXIT
ip netns add $a
ip netns add $b
ip -n $a link add veth0 type veth peer name veth0 netns $b
ip -n $a addr add 192.168.77.1/24 dev veth0
ip -n $b addr add 192.168.77.2/24 dev veth0
for n in $a $b; do ip -n $n link set veth0 up; ip -n $n link set lo up; done
ka=$(hex32) kb=$(hex32)
pa_key=$("$bin" pubkey "$ka") pb_key=$("$bin" pubkey "$kb")
conf() { # private, listen port, peer public, peer endpoint, peer address
	printf 'private_key=%s\nlisten_port=%s\npublic_key=%s\nendpoint=%s\nallowed_ip=%s/32\n' "$@"
}
conf "$ka" 51820 "$pb_key" 192.168.77.2:51820 10.77.0.2 |
	ip netns exec $a "$bin" wga 1420 > "$out/$a" &
pa=$!
conf "$kb" 51820 "$pa_key" 192.168.77.1:51820 10.77.0.1 |
	ip netns exec $b "$bin" wgb 1420 > "$out/$b" &
pb=$!
# Go starts slowly on a loaded machine: give the devices 30 s to appear.
i=0
until ip -n $a link show wga >/dev/null 2>&1 && ip -n $b link show wgb >/dev/null 2>&1; do
	i=$((i + 1))
	if [ $i -gt 60 ]; then
		echo "not ok wireguard-go on libtunx ($backend): no wga/wgb after 30 s"
		cat "$out/$a" "$out/$b" | sed 's/^/# /'
		exit 1
	fi
	sleep 0.5
done
ip -n $a addr add 10.77.0.1/24 dev wga && ip -n $a link set wga up
ip -n $b addr add 10.77.0.2/24 dev wgb && ip -n $b link set wgb up
# Three replies within 30 s: the handshake comes first, slowly when loaded.
if ip netns exec $a ping -c 3 -i 0.3 -w 30 10.77.0.2; then
	echo "ok wireguard-go on libtunx ($backend): handshake and ping"
else
	echo "not ok wireguard-go on libtunx ($backend): no ping"
	exit 1
fi
# TCP throughput through the tunnel, when asked and iperf3 is there.
if [ -n "${TUNX_WG_IPERF:-}" ] && command -v iperf3 >/dev/null; then
	ip netns exec $b iperf3 -s -1 -D -B 10.77.0.2 >/dev/null
	sleep 0.5
	if ip netns exec $a iperf3 -c 10.77.0.2 -t "$TUNX_WG_IPERF" -f m > "$out/iperf"; then
		echo "ok wireguard-go on libtunx ($backend): iperf3 TCP" \
			"$(grep receiver "$out/iperf" | awk '{print $7, $8}')"
	else
		echo "not ok wireguard-go on libtunx ($backend): iperf3 TCP"
		exit 1
	fi
fi
