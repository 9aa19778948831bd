#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tunx_tools.sh: stock tools on a tunx device.  tunx_responder answers echo
# requests from the rings; ip, ping (v4 and v6), tcpdump and ethtool must see
# a normal network device.  Runs in a network namespace of its own.  Prints
# its checks as TAP; exits 4 (skip) when the module or a tool is missing.

set -u
ksft_skip=4
here=$(cd "$(dirname "$0")" && pwd)
dev=tunxt0

if [ -z "${TUNX_TOOLS_IN_NETNS:-}" ]; then
	[ -e /dev/net/tunx ] || { echo "1..0 # SKIP /dev/net/tunx not present"; exit $ksft_skip; }
	command -v unshare >/dev/null || { echo "1..0 # SKIP unshare missing"; exit $ksft_skip; }
	TUNX_TOOLS_IN_NETNS=1 exec unshare -n "$0" "$@"
fi

for tool in ip ping tcpdump ethtool python3; do
	command -v $tool >/dev/null || { echo "1..0 # SKIP $tool missing"; exit $ksft_skip; }
done
[ -x "$here/tunx_responder" ] || { echo "1..0 # SKIP tunx_responder not built"; exit $ksft_skip; }

tmp=$(mktemp -d)
resp_pid=
dump_pid=
cleanup() {
	[ -n "$dump_pid" ] && kill "$dump_pid" 2>/dev/null
	[ -n "$resp_pid" ] && kill "$resp_pid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap 'if [ "$BASHPID" = "$$" ]; then cleanup; fi' EXIT

n=0
failed=0
echo "TAP version 13"
echo "1..12"
check() {	# check NAME CMD...: one TAP line for one command
	local name=$1
	shift
	n=$((n + 1))
	if "$@" >"$tmp/out" 2>&1; then
		echo "ok $n $name"
	else
		sed 's/^/# /' "$tmp/out"
		echo "not ok $n $name"
		failed=1
	fi
}

# /proc/net/dev shows this netns (sysfs shows the one it was mounted in).
stat_of() {	# stat_of rx|tx: packet counter of $dev
	sed -n "s/^ *$dev: *//p" /proc/net/dev |
		awk -v f="$1" '{ print (f == "rx") ? $2 : $10 }'
}

ip link set lo up
sysctl -qw net.ipv6.conf.default.addr_gen_mode=1 2>/dev/null

"$here/tunx_responder" $dev >"$tmp/ready" 2>"$tmp/resp.err" &
resp_pid=$!
for _ in $(seq 50); do
	grep -q ready "$tmp/ready" && break
	kill -0 $resp_pid 2>/dev/null || break
	sleep 0.1
done

check responder_created_device grep -q "ready $dev" "$tmp/ready"
check ip_link_shows_device ip link show dev $dev
check ip_addr_up_v4_v6 sh -c "ip addr add 10.12.0.1/24 dev $dev &&
	sysctl -qw net.ipv6.conf.$dev.disable_ipv6=0 &&
	ip -6 addr add fd00:12::1/64 dev $dev nodad &&
	ip link set dev $dev up"
check ethtool_driver_is_tunx sh -c "ethtool -i $dev | grep -qx 'driver: tunx'"

tx_before=$(stat_of tx)
rx_before=$(stat_of rx)
tcpdump -Z root -l -n -i $dev -c 4 icmp >"$tmp/dump" 2>"$tmp/dump.err" &
dump_pid=$!
for _ in $(seq 100); do	# pings start once tcpdump listens
	grep -q "listening on" "$tmp/dump.err" && break
	sleep 0.1
done
check ping_through_responder ping -c 3 -i 0.3 -W 3 10.12.0.2
check ping6_through_responder ping -6 -c 3 -i 0.3 -W 3 fd00:12::2
for _ in $(seq 30); do
	kill -0 $dump_pid 2>/dev/null || break
	sleep 0.1
done
kill $dump_pid 2>/dev/null
wait $dump_pid 2>/dev/null
dump_pid=
check tcpdump_sees_request_and_reply sh -c "cat '$tmp/dump.err' '$tmp/dump'; grep -q 'echo request' '$tmp/dump' &&
	grep -q 'echo reply' '$tmp/dump'"

check ip_s_link_counters_move python3 - "$dev" "$tx_before" "$rx_before" <<'PY'
import json, subprocess, sys
dev, tx0, rx0 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
link = json.loads(subprocess.check_output(["ip", "-j", "-s", "link", "show", "dev", dev]))[0]
st = link["stats64"]
print("tx", st["tx"]["packets"], "rx", st["rx"]["packets"])
sys.exit(0 if st["tx"]["packets"] >= tx0 + 6 and st["rx"]["packets"] >= rx0 + 6 else 1)
PY

check ethtool_S_shows_counters sh -c "ethtool -S $dev > '$tmp/S' && cat '$tmp/S' &&
	for c in rx_packets tx_packets invalid_descs tx_bad_packets rx_dropped ring_errors tx_over_mtu tx_inline_polls; do
		grep -q \"\$c:\" '$tmp/S' || exit 1; done &&
	[ \$(awk '\$1 == \"tx_packets:\" { print \$2 }' '$tmp/S') -ge 6 ] &&
	[ \$(awk '\$1 == \"invalid_descs:\" { print \$2 }' '$tmp/S') -eq 0 ]"

check ip_link_set_mtu sh -c "ip link set dev $dev mtu 1400 &&
	ip link show dev $dev | grep -q 'mtu 1400'"
check ping_large_after_mtu_change ping -c 2 -i 0.3 -W 3 -s 1372 -M do 10.12.0.2

kill $resp_pid
wait $resp_pid 2>/dev/null
resp_pid=
cat "$tmp/resp.err" | sed 's/^/# /'
check link_gone_after_responder_exits sh -c "for i in \$(seq 30); do
	ip link show dev $dev >/dev/null 2>&1 || exit 0; sleep 0.1; done; exit 1"

exit $failed
