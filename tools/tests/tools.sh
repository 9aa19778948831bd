#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host tests of tunxctl, tunx-tunnel and tunx-bench (TAP).  Needs root for
# the namespaces; no module needed: the tunnel runs on the tun backend
# between two namespaces made here, and tunxctl's "module missing" advice
# is checked when the module is absent.  Benchmark figures are printed by
# the bench, never asserted.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=$top/build/tools
. "$top/tools/tests/tap.sh"
tmp=$(mktemp -d)
nsa=tunx-tt$$-a nsb=tunx-tt$$-b
cleanup() {
	ip netns del "$nsa" 2>/dev/null
	ip netns del "$nsb" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
echo "TAP version 13"

# rc WANT CMD...: CMD exits with WANT; its stderr is kept in $tmp/err.
rc() {
	local want=$1; shift
	"$@" >"$tmp/out" 2>"$tmp/err"
	[ $? = "$want" ]
}

for t in tunxctl tunx-tunnel tunx-bench; do
	result "$t --help exits 0 and prints usage" \
		eval "'$bin/$t' --help | grep -q '^usage: $t'"
done
result "tunxctl without a command is a usage error" rc 2 "$bin/tunxctl"
result "tunxctl unknown command is a usage error" rc 2 "$bin/tunxctl" frobnicate
result "tunxctl add --mtu 5 is refused before touching anything" \
	rc 2 "$bin/tunxctl" add x0 --mtu 5
result "tunxctl set --persist maybe is refused" rc 2 "$bin/tunxctl" set x0 --persist maybe
result "tunxctl del without NAME is a usage error" rc 2 "$bin/tunxctl" del
result "tunxctl --owner with an unknown user is refused" \
	rc 2 "$bin/tunxctl" add --owner no-such-user-tunx
result "tunx-tunnel without --local is refused" rc 2 "$bin/tunx-tunnel" -p 127.0.0.1:1
result "tunx-tunnel with a bad --peer is refused" \
	rc 2 "$bin/tunx-tunnel" -l 127.0.0.1:1 -p 127.0.0.1
result "tunx-tunnel refuses a wildcard --local" \
	rc 2 "$bin/tunx-tunnel" -l 0.0.0.0:1 -p 127.0.0.1:2
result "tunx-tunnel --backend pipe is refused" \
	rc 2 "$bin/tunx-tunnel" -b pipe -l 127.0.0.1:1 -p 127.0.0.1:2
result "tunx-tunnel mixing IPv4 and IPv6 ends is refused" \
	rc 1 "$bin/tunx-tunnel" -l 127.0.0.1:1 -p '[::1]:2'
result "tunx-bench --mode bogus is refused" rc 2 "$bin/tunx-bench" --mode bogus
result "tunx-bench --size 10 is refused" rc 2 "$bin/tunx-bench" --size 10
result "tunx-bench veth without tcp has nothing to run" rc 2 "$bin/tunx-bench" -b veth -m tx

if [ -c /dev/net/tunx ]; then
	skip "tunxctl explains a missing module" "tunx is loaded here"
	skip "tunx-tunnel --backend tunx explains a missing module" "tunx is loaded here"
else
	result "tunxctl add without the module fails" rc 1 "$bin/tunxctl" add
	result "tunxctl explains a missing module and how to load it" \
		eval "grep -q 'module is not loaded' '$tmp/err' && grep -q 'modprobe tunx' '$tmp/err'"
	result "tunxctl show without the module lists nothing" \
		eval "[ -z \"\$('$bin/tunxctl' show)\" ]"
	result "tunx-tunnel --backend tunx without the module fails clearly" \
		eval "! '$bin/tunx-tunnel' -b tunx -l 127.0.0.1:1 -p 127.0.0.1:2 2>'$tmp/err' &&
		      grep -q 'not loaded' '$tmp/err'"
fi
result "tunxctl del of a non-tunx device is refused" \
	eval "! '$bin/tunxctl' del lo 2>'$tmp/err' && grep -q 'no such tunx device' '$tmp/err'"

# The tunnel on the tun backend between two namespaces.
ip netns add "$nsa" && ip netns add "$nsb" &&
ip link add tt-u0 netns "$nsa" type veth peer name tt-u1 netns "$nsb" &&
ip -n "$nsa" addr add 192.168.77.1/24 dev tt-u0 &&
ip -n "$nsa" addr add 192.168.77.3/24 dev tt-u0 &&
ip -n "$nsb" addr add 192.168.77.2/24 dev tt-u1 &&
ip -n "$nsa" link set tt-u0 up && ip -n "$nsb" link set tt-u1 up
result "two namespaces joined by a veth" [ $? = 0 ]
tunnel() { # NS ME BACKEND: a tunnel end in NS
	ip netns exec "$1" "$bin/tunx-tunnel" -b "$3" -n tt0 -l "192.168.77.$2:5555" \
		-p "192.168.77.$((3 - $2)):5555" -a "10.77.0.$2/24" >"$tmp/$1.log" 2>&1 &
}
tunnel "$nsa" 1 tun; pa=$!
tunnel "$nsb" 2 tun; pb=$!
for _ in $(seq 50); do
	ip -n "$nsb" link show tt0 2>/dev/null | grep -q ',UP' &&
		ip -n "$nsa" link show tt0 2>/dev/null | grep -q ',UP' && break
	sleep 0.1
done
result "tunx-tunnel -b tun configures its device (address, MTU 1472, up)" \
	eval "ip -n '$nsa' addr show tt0 | grep -q '10.77.0.1/24' &&
	      ip -n '$nsa' link show tt0 | grep -q 'mtu 1472.*UP\|UP.*mtu 1472'"
result "ping through the tunnel" rc 0 ip netns exec "$nsa" ping -c 3 -i 0.2 -W 2 -q 10.77.0.2
# Strangers: three datagrams from another address, two from the peer's
# address but another port.  None may reach the device.
ip netns exec "$nsa" python3 -c '
import socket
for src, k in (("192.168.77.3", 3), ("192.168.77.1", 2)):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, 6000))
    for _ in range(k):
        s.sendto(bytes([0x45]) + bytes(39), ("192.168.77.2", 5555))
'
sleep 0.3
result "ping still works after strangers' datagrams" \
	rc 0 ip netns exec "$nsa" ping -c 2 -i 0.2 -W 2 -q 10.77.0.2
kill -TERM "$pa" "$pb"
wait "$pa"; ra=$?
wait "$pb"; rb=$?
result "SIGTERM stops both ends with status 0" [ "$ra$rb" = 00 ]
result "the stopped tunnel prints its counters" \
	eval "grep -q 'stopped by SIGTERM' '$tmp/$nsb.log' &&
	      grep -Eq 'to peer: +[1-9][0-9]* packets' '$tmp/$nsb.log'"
result "datagrams not from the peer are dropped and counted (5)" \
	grep -q 'dropped: *5 not from peer' "$tmp/$nsb.log"
result "the other end saw no stranger" grep -q 'dropped: *0 not from peer' "$tmp/$nsa.log"
sed 's/^/# /' "$tmp/$nsb.log"
result "tunx-tunnel refuses a local address it cannot bind" \
	eval "! ip netns exec '$nsa' '$bin/tunx-tunnel' -b tun -l 192.168.99.9:1 \
		-p 192.168.77.2:1 2>'$tmp/err' && grep -q 'Cannot assign' '$tmp/err'"

# The bench runs and reports; its figures are not judged here.
result "tunx-bench tx on tun prints a row" \
	eval "'$bin/tunx-bench' -m tx -b tun -s 256 -d 0.3 2>/dev/null |
	      grep -Eq '^tx +tun +256 +[0-9]+ +1 +[0-9]+'"
result "tunx-bench --json is valid JSON with a result per backend" \
	eval "'$bin/tunx-bench' -m echo -b tun,tun-vnet -d 0.3 --json 2>/dev/null |
	      python3 -c 'import json,sys; r=json.load(sys.stdin)[\"results\"];
assert [x[\"backend\"] for x in r] == [\"tun\", \"tun-vnet\"], r
assert all(x[\"error\"] is None and x[\"packets\"] > 0 for x in r), r'"
result "tunx-bench tcp on veth measures iperf3 through two namespaces" \
	eval "'$bin/tunx-bench' -m tcp -b veth -d 1 --json 2>/dev/null |
	      python3 -c 'import json,sys; r=json.load(sys.stdin)[\"results\"][0];
assert r[\"error\"] is None and r[\"bits_per_second\"] > 0, r'"

echo "1..$n"
[ "$failed" = 0 ]
