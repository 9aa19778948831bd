#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# VM tests of the tools on real tunx devices (TAP): tunxctl add, show
# (text and JSON), set, del; a program holding a queue; tunx-tunnel on
# tunx between two namespaces made here.  Run inside tools/vm/run, which
# loads tunx.ko; build on the host first.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=$top/build/tools
ctl=$bin/tunxctl
. "$top/tools/tests/tap.sh"
tmp=$(mktemp -d)
nsa=tunx-tv-a nsb=tunx-tv-b
cleanup() {
	ip netns del "$nsa" 2>/dev/null
	ip netns del "$nsb" 2>/dev/null
	for d in tvx0 tvq0 hold0 sp0 sx0; do ip link del "$d" 2>/dev/null; done
	rm -rf "$tmp"
}
trap 'if [ "$BASHPID" = "$$" ]; then cleanup; fi' EXIT
echo "TAP version 13"
modprobe -q veth 2>/dev/null	# no kmod helper in the VM
has() { [ -e "/sys/class/net/$1/$2" ]; }
mtu() { cat "/sys/class/net/$1/mtu" 2>/dev/null; }

result "/dev/net/tunx exists (tunx.ko loaded)" test -c /dev/net/tunx
result "tunxctl add NAME creates a persistent tunx device" \
	eval "[ \"\$('$ctl' add tvx%d)\" = tvx0 ] && ethtool -i tvx0 | grep -q 'driver: tunx'"
result "tunxctl add --owner --group --mtu --queues" \
	eval "[ \"\$('$ctl' add tvq%d --owner 1234 --group 4321 --mtu 1400 --queues 2)\" = tvq0 ] &&
	      [ \"\$(mtu tvq0)\" = 1400 ]"
result "tunxctl add of an existing device of the same kind succeeds (as ip tuntap)" \
	eval "'$ctl' add tvx0 >/dev/null"
result "tunxctl add --queues 2 over a single-queue device names the cause and the fix" \
	eval "! '$ctl' add tvx0 --queues 2 2>'$tmp/err' && sed 's/^/# /' '$tmp/err' &&
	      grep -q 'single-queue' '$tmp/err' && grep -q 'tunxctl del tvx0' '$tmp/err'"
result "tunxctl del of a non-tunx device is refused" \
	eval "! '$ctl' del lo 2>'$tmp/err' && grep -q 'not a tunx device' '$tmp/err'"
"$ctl" show >"$tmp/show"
sed 's/^/# /' "$tmp/show"
result "tunxctl show lists both devices" \
	eval "grep -q '^tvx0: tunx' '$tmp/show' && grep -q '^tvq0: tunx' '$tmp/show'"
result "tunxctl show NAME gives MTU and counters" \
	eval "'$ctl' show tvq0 | grep -q 'mtu 1400' && '$ctl' show tvq0 | grep -q 'rx_packets 0'"
if has tvq0 owner && has tvq0 tunx_flags; then
	result "tunxctl show reports owner, group and flags from sysfs" \
		eval "'$ctl' show tvq0 | grep -q 'flags persist,multi_queue owner 1234 group 4321'"
else
	skip "tunxctl show reports owner, group and flags from sysfs" "module has no such sysfs attributes yet"
fi
result "tunxctl show --json parses" eval "'$ctl' show --json | python3 -m json.tool >/dev/null"
result "tunxctl show --json has the fields" eval "'$ctl' show tvq0 --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert len(d) == 1 and d[0][\"name\"] == \"tvq0\" and d[0][\"mtu\"] == 1400, d
assert \"rx_packets\" in d[0][\"stats\"] and \"queues\" in d[0] and \"rings\" in d[0], d'"
result "tunxctl show of a missing device fails and says so" \
	eval "! '$ctl' show nosuch0 2>'$tmp/err' && grep -q 'no such tunx device' '$tmp/err'"
result "tunxctl set --mtu" eval "'$ctl' set tvq0 --mtu 1300 && [ \"\$(mtu tvq0)\" = 1300 ]"
result "tunxctl set --owner and --group (names, numbers, none)" \
	eval "'$ctl' set tvq0 --owner root --group none"
if has tvq0 owner; then
	result "tunxctl set changed the owner" eval "[ \"\$(cat /sys/class/net/tvq0/owner)\" = 0 ] &&
		[ \"\$(cat /sys/class/net/tvq0/group)\" = -1 ]"
else
	skip "tunxctl set changed the owner" "module has no owner sysfs attribute yet"
fi
# The module is loaded but /dev/net/tunx is not there (a container not
# given it; here a mount namespace with an empty /dev/net): the commands
# that open it say it is missing and how to make it, never "no such tunx
# device" of one that exists; those that need no queue still work.
nonode() { unshare -m sh -c 'mount -t tmpfs nonode /dev/net && exec "$@"' nonode "$@"; }
nonode_said() { # ARG...: tunxctl ARG... fails (1) saying the above
	local st

	nonode "$ctl" "$@" 2>"$tmp/err"
	st=$?
	sed 's/^/# /' "$tmp/err"
	[ "$st" = 1 ] && grep -q '/dev/net/tunx is missing' "$tmp/err" &&
		grep -q 'mknod /dev/net/tunx' "$tmp/err" &&
		! grep -q 'no such tunx device' "$tmp/err"
}
for c in "set tvq0 --owner 0" "set tvq0 --group 0" "set tvq0 --persist on" "add tvn0"; do
	# shellcheck disable=SC2086 # the words of $c are the arguments
	result "tunxctl $c without the node says it is missing and how to make it" \
		nonode_said $c
done
result "tunxctl show and set --mtu work without the node" \
	eval "nonode '$ctl' show tvq0 >/dev/null && nonode '$ctl' set tvq0 --mtu 1280 &&
	      [ \"\$(mtu tvq0)\" = 1280 ]"
result "tunxctl set --persist off removes an unused device (as tun)" \
	eval "'$ctl' set tvq0 --persist off && ! ip link show tvq0 2>/dev/null"
result "tunxctl del removes a device" eval "'$ctl' del tvx0 && ! ip link show tvx0 2>/dev/null"
result "tunxctl del of a missing device fails" eval "! '$ctl' del tvx0 2>/dev/null"

# Without CAP_NET_ADMIN: the command to run as root, and how to give a
# user a device of their own instead (README, "Errors").
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
result "tunxctl add as nobody needs CAP_NET_ADMIN and says sudo and --owner" \
	eval "! nobody '$ctl' add np0 2>'$tmp/err' && sed 's/^/# /' '$tmp/err' &&
	      grep -q CAP_NET_ADMIN '$tmp/err' && grep -q '\`sudo tunxctl add np0' '$tmp/err' &&
	      grep -q '\`sudo tunxctl add np0 --owner USER\`' '$tmp/err' &&
	      ! ip link show np0 2>/dev/null"
"$ctl" add np1 >/dev/null
result "tunxctl del and set as nobody need CAP_NET_ADMIN and say what to run" \
	eval "! nobody '$ctl' del np1 2>'$tmp/err' &&
	      grep -q '\`sudo tunxctl del np1' '$tmp/err' &&
	      ! nobody '$ctl' set np1 --owner 65534 2>'$tmp/err' &&
	      grep -q '\`sudo tunxctl set np1 --owner USER\`' '$tmp/err' &&
	      ip link show np1 >/dev/null"
"$ctl" del np1
# add is all or nothing: root of a user namespace (a rootless container)
# may create a device in its network namespace, but an owner its user
# namespace does not map is refused, and the new device is not kept.
result "tunxctl add with an unmapped --owner in a user namespace fails and keeps nothing" \
	eval "unshare -U -r -n sh -c \"ip link set lo up; ! '$ctl' add un0 --owner 4000000 2>'$tmp/err' &&
	      ! ip link show un0 2>/dev/null\" && sed 's/^/# /' '$tmp/err' &&
	      grep -q 'un0 was not kept' '$tmp/err' && grep -q 'does not map' '$tmp/err'"

# A program holds the only queue of a persistent single-queue device.
"$ctl" add hold0 >/dev/null
"$bin/tunx-tunnel" -q -b tunx -n hold0 -l 127.0.0.1:7001 -p 127.0.0.1:7002 >"$tmp/hold.log" 2>&1 &
hp=$!
for _ in $(seq 50); do ip link show hold0 | grep -q ',UP' && break; sleep 0.1; done
result "tunxctl set --owner on a busy device names the program holding it" \
	eval "! '$ctl' set hold0 --owner 1 2>'$tmp/err' && sed 's/^/# /' '$tmp/err' &&
	      grep -q 'held by tunx-tunnel (pid $hp)' '$tmp/err' && grep -q 'stop it' '$tmp/err'"
result "tunxctl add over a busy device names the program holding it" \
	eval "! '$ctl' add hold0 2>'$tmp/err' && sed 's/^/# /' '$tmp/err' &&
	      grep -q 'add hold0: the only queue of hold0 is held by tunx-tunnel (pid $hp)' '$tmp/err'"
result "tunxctl set --mtu works while a program holds the queue" \
	eval "'$ctl' set hold0 --mtu 1400 && [ \"\$(mtu hold0)\" = 1400 ]"
result "tunxctl del works while a program holds the queue" \
	eval "'$ctl' del hold0 && ! ip link show hold0 2>/dev/null"
kill -TERM "$hp"
wait "$hp"
result "the tunnel whose device was deleted still stops cleanly" [ $? = 0 ]

# tunx-tunnel as an unprivileged user (nobody) on a device made for it,
# as in tunx-tunnel(8): it sets nothing that is already so, and says what
# to run as root for what it may not change.
# as_nobody NAME [OPTION...]: a tunnel end as nobody on NAME, 10 s at most;
# its output in $tmp/nb.log.  Succeeds when it ran until stopped.  setpriv
# execs the tunnel, so $! is the tunnel's pid and TERM reaches it.
as_nobody() {
	local name=$1 p
	shift
	# Empty before the fork: the last run's "backend tunx" must not be
	# taken for this one's.
	: >"$tmp/nb.log"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$bin/tunx-tunnel" \
		-b tunx -n "$name" -l 127.0.0.1:7101 -p 127.0.0.1:7102 "$@" \
		>"$tmp/nb.log" 2>&1 &
	p=$!
	for _ in $(seq 100); do
		grep -q 'backend tunx' "$tmp/nb.log" && break
		kill -0 "$p" 2>/dev/null || break
		sleep 0.1
	done
	kill -TERM "$p" 2>/dev/null
	wait "$p"
	local r=$?
	sed 's/^/# /' "$tmp/nb.log"
	[ "$r" = 0 ] && grep -q 'backend tunx' "$tmp/nb.log"
}
ip link set lo up	# the ends talk over 127.0.0.1
"$ctl" add sp0 --owner 65534 --mtu 1472 >/dev/null
ip link set sp0 up
result "tunx-tunnel as the owner runs on its device whose MTU is already right" \
	eval "as_nobody sp0 --no-offload && ! grep -q 'not permitted' '$tmp/nb.log'"
result "... with offload too (the library's default)" \
	eval "as_nobody sp0 && ! grep -q 'not permitted' '$tmp/nb.log'"
result "tunx-tunnel as the owner says net.core.rmem_max capped its UDP buffer, and the sysctl that lifts it" \
	eval "grep -q 'capped by net.core.rmem_max' '$tmp/nb.log' &&
	      grep -q 'sysctl -w net.core.rmem_max=4194304 net.core.wmem_max=4194304' '$tmp/nb.log'"
"$ctl" set sp0 --mtu 1400
result "tunx-tunnel as the owner keeps a smaller MTU and says how to raise it" \
	eval "as_nobody sp0 && grep -q 'tunxctl set sp0 --mtu 1472' '$tmp/nb.log' &&
	      [ \"\$(mtu sp0)\" = 1400 ]"
"$ctl" set sp0 --mtu 1500
result "tunx-tunnel as the owner refuses a larger MTU it may not change, saying what to run" \
	eval "! as_nobody sp0 && grep -q 'CAP_NET_ADMIN' '$tmp/nb.log' &&
	      grep -q 'tunxctl set sp0 --mtu 1472' '$tmp/nb.log'"
"$ctl" set sp0 --mtu 1472
result "tunx-tunnel as the owner refuses an --address it may not add, saying what to run" \
	eval "! as_nobody sp0 -a 10.79.0.1/24 &&
	      grep -q 'ip addr add 10.79.0.1/24 dev sp0' '$tmp/nb.log'"
ip addr add 10.79.0.1/24 dev sp0
result "tunx-tunnel as the owner skips an --address the device already has" \
	as_nobody sp0 -a 10.79.0.1/24
# Adding a route needs CAP_NET_ADMIN even when it exists: the owner's
# tunnel skips one the table already sends into the device, says what to
# run for one it lacks, and refuses one the table sends elsewhere.
result "tunx-tunnel as the owner refuses a --route it may not add, saying what to run" \
	eval "! as_nobody sp0 -r 10.80.0.0/24 &&
	      grep -q 'ip route add 10.80.0.0/24 dev sp0' '$tmp/nb.log'"
ip route add 10.80.0.0/24 dev sp0
result "tunx-tunnel as the owner skips a --route the table already sends into the device" \
	as_nobody sp0 -r 10.80.0.0/24
"$ctl" add rq0 >/dev/null && ip link set rq0 up && ip route add 10.81.0.0/24 dev rq0
result "tunx-tunnel as the owner refuses a --route the table sends through another device" \
	eval "! as_nobody sp0 -r 10.81.0.0/24 &&
	      grep -q '10.81.0.0/24 is routed through rq0' '$tmp/nb.log' &&
	      grep -q 'ip route replace 10.81.0.0/24 dev sp0' '$tmp/nb.log'"
"$ctl" del rq0
ip link set sp0 down
result "tunx-tunnel as the owner of a down device runs and says what to run" \
	eval "as_nobody sp0 && grep -q 'ip link set sp0 up' '$tmp/nb.log'"
"$ctl" del sp0
"$ctl" add sx0 >/dev/null
result "tunx-tunnel as a stranger on a root-owned device: a permission message" \
	eval "! as_nobody sx0 && grep -qi 'permission' '$tmp/nb.log' &&
	      grep -q 'tunxctl set sx0 --owner' '$tmp/nb.log' &&
	      ! grep -q 'Invalid argument' '$tmp/nb.log'"
"$ctl" del sx0

# tunx-tunnel on tunx between two namespaces.
ip netns add "$nsa" && ip netns add "$nsb" &&
ip link add tv-u0 netns "$nsa" type veth peer name tv-u1 netns "$nsb" &&
ip -n "$nsa" addr add 192.168.78.1/24 dev tv-u0 &&
ip -n "$nsa" addr add 192.168.78.3/24 dev tv-u0 &&
ip -n "$nsb" addr add 192.168.78.2/24 dev tv-u1 &&
ip -n "$nsa" link set tv-u0 up && ip -n "$nsb" link set tv-u1 up
result "two namespaces joined by a veth" [ $? = 0 ]
# start_ends EXTRA...: a tunnel end in each namespace, pids in p1 and p2,
# over the underlay family $ul; end 2 also gets the words of $end2
# (unquoted).
end2= ul=4
underlay() { # ME: end ME's underlay address (1, 2; 3 is beside 1)
	if [ "$ul" = 6 ]; then echo "[fd78::$1]"; else echo "192.168.78.$1"; fi
}
start_ends() {
	local me ns more
	for me in 1 2; do
		ns=$([ $me = 1 ] && echo "$nsa" || echo "$nsb")
		more=$([ $me = 2 ] && echo "$end2")
		# shellcheck disable=SC2086
		ip netns exec "$ns" "$bin/tunx-tunnel" -b tunx -n tv0 -l "$(underlay $me):5555" \
			-p "$(underlay $((3 - me))):5555" -a "10.78.0.$me/24" "$@" $more \
			>"$tmp/$ns.log" 2>&1 &
		eval "p$me=\$!"
	done
	for _ in $(seq 100); do
		ip -n "$nsb" link show tv0 2>/dev/null | grep -q ',UP' &&
			ip -n "$nsa" link show tv0 2>/dev/null | grep -q ',UP' && break
		sleep 0.1
	done
}
stop_ends() {
	kill -TERM "$p1" "$p2"
	wait "$p1"; r1=$?
	wait "$p2"; r2=$?
}
start_ends --copy
result "ping through the tunnel on tunx with --copy" \
	eval "ip netns exec '$nsa' ping -c 3 -i 0.2 -W 2 -q 10.78.0.2 >/dev/null"
stop_ends
result "--copy: SIGTERM stops both ends with status 0" [ "$r1$r2" = 00 ]
start_ends
result "tunx-tunnel -b tunx with offload sends from the ring (zero copy)" \
	grep -q 'backend tunx (zero copy) (offload)' "$tmp/$nsa.log"
result "ping through the tunnel on tunx" \
	eval "ip netns exec '$nsa' ping -c 3 -i 0.2 -W 2 -q 10.78.0.2 >/dev/null"
# As root the tunnel's socket buffers pass net.core.rmem_max (4 MiB asked,
# the kernel doubles it): the default maximum holds three GRO bundles,
# and a late receive thread dropped the rest.
udp_rb() {
	ip netns exec "$1" ss -uamn 'sport = :5555' | sed -n 's/.*skmem:(r[0-9]*,rb\([0-9]*\),.*/\1/p'
}
result "as root, tunx-tunnel's UDP receive buffer is 8 MiB, past net.core.rmem_max" \
	eval "[ \"\$(udp_rb '$nsb')\" = 8388608 ] && [ \"\$(cat /proc/sys/net/core/rmem_max)\" -lt 4194304 ] &&
	      ! grep -q 'capped by net.core.rmem_max' '$tmp/$nsb.log'"
ip netns exec "$nsa" python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("192.168.78.3", 6000))
for _ in range(4):
    s.sendto(bytes([0x45]) + bytes(39), ("192.168.78.2", 5555))
'
# Hostile datagrams from the peer's own address and port (a raw socket:
# end 1 holds the port), into end 2's ring receive: an IPv6 header cut to
# 30 bytes, an IPv4 one cut to 10 and a 40-byte packet of IP version 7.
# Each is dropped and counted as malformed, as the copying path does;
# none may reach the device (the ring receive once let the first in).
ip netns exec "$nsa" python3 -c '
import socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)
s.bind(("192.168.78.1", 0))
for p in (bytes([0x60]) + bytes(29), bytes([0x45]) + bytes(9), bytes([0x70]) + bytes(39)):
    s.sendto(struct.pack("!HHHH", 5555, 5555, 8 + len(p), 0) + p, ("192.168.78.2", 0))
'
ip netns exec "$nsa" "$ctl" show tv0 >"$tmp/tv0" 2>&1
sed 's/^/# /' "$tmp/tv0"
result "tunxctl show counts the tunnel's packets (ethtool -S)" \
	grep -Eq 'rx_packets [1-9]' "$tmp/tv0"
result "iperf3 through the tunx tunnel" \
	eval "iperf_server '$nsb' 10.78.0.2 &&
	      ip netns exec '$nsa' iperf3 -c 10.78.0.2 -t 2 >/dev/null 2>&1"
# USO: the sender's kernel hands tv0 UDP super-packets; every datagram
# must reach the far end whole, in order, with a checksum its kernel accepts.
# The receiver waits up to 60 s: on a loaded host the sender's python may
# take seconds to start, and a receiver that gave up early made datagrams
# that did arrive look lost (the far stack counted them as NoPorts).  On
# failure it says what it got and where the rest went.
cat >"$tmp/uso.py" <<'PY'
import socket, sys, time
UDP_SEGMENT, SEG, N = 103, 1000, 32
if sys.argv[1] == "recv":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("10.78.0.2", 7000))
    open(sys.argv[2], "w").close()
    got, end = [], time.monotonic() + 60
    while len(got) < N and time.monotonic() < end:
        s.settimeout(max(end - time.monotonic(), 0.01))
        try:
            got.append(s.recv(4096))
        except socket.timeout:
            break
    bad = [i for i, d in enumerate(got) if d != bytes([i % 251]) * SEG]
    if len(got) < N or bad:
        print("# uso: received %d of %d, wrong content at %s" % (len(got), N, bad[:8]))
    sys.exit(0 if len(got) == N and not bad else 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_UDP, UDP_SEGMENT, SEG)
for b in range(N // 8):
    s.sendto(b"".join(bytes([(b * 8 + i) % 251]) * SEG for i in range(8)),
             ("10.78.0.2", 7000))
PY
# Where datagrams went when some did not arrive: the far stack's UDP
# counters (NoPorts: nobody listening; RcvbufErrors: socket full) and both
# devices' counters.
uso_diagnose() {
	local ns
	for ns in "$nsa" "$nsb"; do
		ip netns exec "$ns" grep '^Udp:' /proc/net/snmp | sed "s/^/# $ns /"
		ip netns exec "$ns" ethtool -S tv0 | grep -v ': 0$' | sed "s/^/# $ns tv0 /"
	done
}
uso_through_tunnel() {
	rm -f "$tmp/uso.ready"
	ip netns exec "$nsb" python3 "$tmp/uso.py" recv "$tmp/uso.ready" & local r=$!
	for _ in $(seq 300); do [ -e "$tmp/uso.ready" ] && break; sleep 0.1; done
	ip netns exec "$nsa" python3 "$tmp/uso.py" send && wait "$r" && return 0
	uso_diagnose
	return 1
}
result "UDP_SEGMENT super-packets cross the tunx tunnel as 32 whole datagrams" \
	uso_through_tunnel
stop_ends
sed 's/^/# /' "$tmp/$nsb.log"
result "SIGTERM stops both ends with status 0" [ "$r1$r2" = 00 ]
result "datagrams not from the peer are dropped and counted (4)" \
	grep -q 'dropped: *4 not from peer' "$tmp/$nsb.log"
result "the peer's malformed datagrams into the ring receive are dropped and counted (3)" \
	grep -q 'dropped: *4 not from peer, 3 malformed' "$tmp/$nsb.log"
# iperf3's data reached the far end in UDP_GRO bundles: most must have
# become super-packets where they landed in its tx ring (ringrecv.c).
result "the far end merged UDP_GRO bundles where they landed in the tx ring" \
	grep -Eq 'bundles: *[1-9][0-9]* merged in the ring' "$tmp/$nsb.log"

# Two queues on tunx: a queue, a socket and two threads each.
start_ends -Q 2
result "tunx-tunnel -Q 2 on tunx attaches two queues (sysfs tunx_queues)" \
	eval "grep -q 'backend tunx.*queues 2' '$tmp/$nsa.log' &&
	      [ \"\$(ip netns exec '$nsa' cat /sys/class/net/tv0/tunx_queues)\" = 2 ]"
result "ping through the two-queue tunx tunnel" \
	eval "ip netns exec '$nsa' ping -c 3 -i 0.2 -W 2 -q 10.78.0.2 >/dev/null"
result "iperf3 with eight streams through the two-queue tunx tunnel" \
	eval "iperf_server '$nsb' 10.78.0.2 &&
	      ip netns exec '$nsa' iperf3 -c 10.78.0.2 -t 3 -P 8 >/dev/null 2>&1"
stop_ends
sed 's/^/# /' "$tmp/$nsa.log"
result "-Q 2: SIGTERM stops all threads of both ends with status 0" [ "$r1$r2" = 00 ]
# Each queue sent and received more than 100 packets: flows spread both ways.
busy_queues() {
	awk '/queue [01]:/ { if ($3 > 100 && $7 > 100) k++ } END { exit k != 2 }' "$1"
}
# The streams' flow hashes are random, so all eight land on one queue
# once in 128 tries (seen on a host running two CPU hogs): such a try is
# run again with new streams, three tries in all.  A device that carried
# everything on one queue fails all three.
tries=1
while ! { busy_queues "$tmp/$nsa.log" && busy_queues "$tmp/$nsb.log"; } &&
      [ "$tries" -lt 3 ]; do
	tries=$((tries + 1))
	echo "# the streams did not spread over both queues; try $tries with new ones"
	start_ends -Q 2
	iperf_server "$nsb" 10.78.0.2
	ip netns exec "$nsa" iperf3 -c 10.78.0.2 -t 3 -P 8 >/dev/null 2>&1
	stop_ends
	sed 's/^/# /' "$tmp/$nsa.log"
done
result "both tunx queues carried the streams, both ways (per-queue counters, try $tries)" \
	eval "busy_queues '$tmp/$nsa.log' && busy_queues '$tmp/$nsb.log'"

start_ends --no-offload
result "tunx-tunnel --no-offload on tunx sends from the ring (zero copy)" \
	grep -q 'backend tunx (zero copy) mtu' "$tmp/$nsa.log"
result "--no-offload also turns UDP GSO/GRO off" \
	eval "! grep -q 'udp gso/gro' '$tmp/$nsa.log'"
result "ping and iperf3 through the tunx tunnel with --no-offload" \
	eval "ip netns exec '$nsa' ping -c 2 -i 0.2 -W 2 -q 10.78.0.2 >/dev/null &&
	      iperf_server '$nsb' 10.78.0.2 &&
	      ip netns exec '$nsa' iperf3 -c 10.78.0.2 -t 2 >/dev/null 2>&1"
stop_ends
result "--no-offload: SIGTERM stops both ends with status 0" [ "$r1$r2" = 00 ]

# Sending from the ring with offload, checked by a strict receiver: end 1
# sends its device's super-packets as UDP_SEGMENT messages of rebuilt
# headers and payload slices in place; end 2 runs --no-offload, so its
# kernel gets every inner packet plain and checks each checksum itself
# (a coalescing end would pass them on as partial, unchecked).
csum_errors() {
	ip netns exec "$1" python3 -c '
rows = [l.split() for l in open("/proc/net/snmp")]
print(sum(int(v[h.index("InCsumErrors")]) for h, v in zip(rows, rows[1:])
          if h[0] in ("Tcp:", "Udp:") and v[0] == h[0] and "InCsumErrors" in h))'
}
end2=--no-offload start_ends
result "tunx-tunnel with offload beside a --no-offload end: zero copy with offload" \
	grep -q 'backend tunx (zero copy) (offload)' "$tmp/$nsa.log"
csum0=$(csum_errors "$nsb")
result "TCP and UDP super-packets sent from the ring arrive with every inner checksum right" \
	eval "iperf_server '$nsb' 10.78.0.2 &&
	      ip netns exec '$nsa' iperf3 -c 10.78.0.2 -t 2 --json >'$tmp/zc-iperf.json' 2>/dev/null &&
	      python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))[\"end\"][\"sum_received\"]
assert r[\"bytes\"] > 1000000, r' '$tmp/zc-iperf.json' &&
	      uso_through_tunnel &&
	      [ \"\$(csum_errors '$nsb')\" = '$csum0' ]"
stop_ends
sed 's/^/# /' "$tmp/$nsa.log"
result "zero copy with offload: SIGTERM stops both ends with status 0, nothing malformed" \
	eval "[ '$r1$r2' = 00 ] && grep -q 'dropped: *0 not from peer, 0 malformed' '$tmp/$nsa.log'"
end2=

# One end with the default window (SO_BUSY_POLL's 50 us, not the
# kernel's 1 ms), the other with one given.
end2=--busy-poll=500
start_ends --busy-poll -Q 2
end2=
if grep -qi 'not supported\|EOPNOTSUPP' "$tmp/$nsa.log"; then
	kill -TERM "$p1" "$p2" 2>/dev/null; wait "$p1" "$p2" 2>/dev/null
	sed 's/^/# /' "$tmp/$nsa.log"
	skip "ping and iperf3 through the busy-polling tunx tunnel" "no busy mode yet"
	skip "--busy-poll: SIGTERM stops both ends with status 0" "no busy mode yet"
else
	result "tunx-tunnel --busy-poll spins 50 us, --busy-poll=500 500 us; each says so" \
		eval "grep -q '(busy poll 50 us)' '$tmp/$nsa.log' &&
		      grep -q '(busy poll 500 us)' '$tmp/$nsb.log'"
	result "ping and iperf3 through the busy-polling tunx tunnel" \
		eval "ip netns exec '$nsa' ping -c 2 -i 0.2 -W 2 -q 10.78.0.2 >/dev/null &&
		      iperf_server '$nsb' 10.78.0.2 &&
		      ip netns exec '$nsa' iperf3 -c 10.78.0.2 -t 2 -P 2 >/dev/null 2>&1"
	stop_ends
	result "--busy-poll: SIGTERM stops both ends with status 0" [ "$r1$r2" = 00 ]
fi

# On tunx over an IPv6 underlay: the ring's zero-copy sends leave as
# UDP_SEGMENT on an AF_INET6 socket, UDP_GRO bundles are merged where
# they land in the tx ring, and the outer headers take 48 bytes.
ip -n "$nsa" addr add fd78::1/64 dev tv-u0 nodad &&
	ip -n "$nsb" addr add fd78::2/64 dev tv-u1 nodad
ul=6
start_ends
ul=4
result "tunx-tunnel on tunx over IPv6: zero copy, offload, MTU 1452" \
	eval "grep -q 'backend tunx (zero copy) (offload)' '$tmp/$nsa.log' &&
	      grep -q 'udp gso/gro, \[fd78::1\]:5555 <-> \[fd78::2\]:5555' '$tmp/$nsa.log' &&
	      ip -n '$nsa' link show tv0 | grep -q 'mtu 1452'"
result "ping and iperf3 through the tunx tunnel over IPv6" \
	eval "ip netns exec '$nsa' ping -c 2 -i 0.2 -W 2 -q 10.78.0.2 >/dev/null &&
	      iperf_server '$nsb' 10.78.0.2 &&
	      ip netns exec '$nsa' iperf3 -c 10.78.0.2 -t 2 >/dev/null 2>&1"
stop_ends
sed 's/^/# /' "$tmp/$nsb.log"
result "over IPv6: clean stop, every send taken, none malformed, bundles merged in the ring" \
	eval "[ '$r1$r2' = 00 ] &&
	      grep -q ', 0 send errors' '$tmp/$nsa.log' && grep -q ', 0 send errors' '$tmp/$nsb.log' &&
	      grep -q 'not from peer, 0 malformed' '$tmp/$nsa.log' &&
	      grep -q 'not from peer, 0 malformed' '$tmp/$nsb.log' &&
	      grep -Eq 'bundles: *[1-9][0-9]* merged in the ring' '$tmp/$nsb.log'"

# The bench's tunx-only paths.
result "tunx-bench tx on tunx at batch 512 uses reserve/submit, 512 a call" \
	eval "'$bin/tunx-bench' -m tx -b tunx -s 64 -B 512 -d 0.5 --json 2>/dev/null |
	      python3 -c 'import json,sys; r=json.load(sys.stdin)[\"results\"][0];
assert r[\"error\"] is None and r[\"zero_copy\"] and r[\"batch_used\"] == 512, r
assert r[\"pps\"] > 0 and r[\"ring_entries\"] in (0, 1024), r'"
result "tunx-bench tx on tunx: each sink takes what the device took (tc drop count, dummy tx, socket reads)" \
	eval "'$bin/tunx-bench' -m tx -b tunx -s 64 --sink drop,route,socket -d 0.5 --json 2>/dev/null |
	      python3 -c 'import json,sys; rs=json.load(sys.stdin)[\"results\"]
assert [r[\"sink\"] for r in rs] == [\"drop\", \"route\", \"socket\"], rs
for r in rs:
    assert r[\"error\"] is None and r[\"packets\"] > 0, r
    # all but what was still in the ring when the run stopped
    got = r[\"sink_packets\"] + r[\"sink_lost\"]
    assert r[\"packets\"] - 1024 <= got <= r[\"packets\"], r'"
result "tunx-bench tcp on tunx and tunx-copy (the tunnel with --copy): a figure each" \
	eval "'$bin/tunx-bench' -m tcp -b tunx,tunx-copy -d 1 --json 2>/dev/null |
	      python3 -c 'import json,sys; rs=json.load(sys.stdin)[\"results\"]
assert [r[\"backend\"] for r in rs] == [\"tunx\", \"tunx-copy\"], rs
for r in rs:
    assert r[\"error\"] is None and r[\"bits_per_second\"] > 0, r'"
result "tunx-bench rx on tunx with 2 queues reads packets" \
	eval "'$bin/tunx-bench' -m rx -b tunx -s 64 -q 2 -d 0.5 --json 2>/dev/null |
	      python3 -c 'import json,sys; r=json.load(sys.stdin)[\"results\"][0];
assert r[\"error\"] is None and r[\"pps\"] > 0, r'"
# rx generators (gen.c): what they send reaches the reader, which never
# reads more than was sent (IPv6 is off in the bench's namespaces, so the
# device's own chatter is not counted as load).
result "tunx-bench rx on tunx: each generator's packets reach the reader, read <= sent" \
	eval "'$bin/tunx-bench' -m rx -b tunx -s 64 --gen packet,udp,unconnected -d 0.5 --json 2>/dev/null |
	      python3 -c 'import json,sys; rs=json.load(sys.stdin)[\"results\"]
assert [r[\"gen\"] for r in rs] == [\"packet\", \"udp\", \"unconnected\"], rs
for r in rs:
    assert r[\"error\"] is None and r[\"packets\"] > 0, r
    assert r[\"packets\"] <= r[\"gen_sent\"], r
    assert r[\"gen_lost\"] == r[\"gen_sent\"] - r[\"packets\"], r'"
# Pinning: with 2 CPUs or more the generator and the reader are pinned,
# and every CPU has its shares.
result "tunx-bench rx pins the generator and reader, and reports each CPU's shares" \
	eval "'$bin/tunx-bench' -m rx -b tunx -s 64 -d 0.5 --json 2>/dev/null |
	      python3 -c 'import json,os,sys; r=json.load(sys.stdin)[\"results\"][0]
n = min(os.cpu_count(), 8)
assert r[\"error\"] is None and len(r[\"vcpus\"]) == n, r
assert r[\"pinned\"] == (n >= 2), r
for c in r[\"vcpus\"]:
    assert 99 <= c[\"user\"] + c[\"sys\"] + c[\"softirq\"] + c[\"idle\"] <= 101 or c[\"idle\"] == 0, r'"
# --rate holds the generator to the rate (generously: a loaded TCG VM,
# where even 2000/s was missed at times: a row under 90% of its rate is
# marked, not failed), and the equal-load row has its CPU per packet and
# a generator baseline that add up.
result "tunx-bench rx --rate 2000 on tunx reads at most 1.5x the rate, with CPU per packet and a generator baseline" \
	eval "'$bin/tunx-bench' -m rx -b tunx -s 64 --rate 2000 -d 2 --json 2>/dev/null |
	      python3 -c 'import json,sys; r=json.load(sys.stdin)[\"results\"][0]
assert r[\"error\"] is None and r[\"rate\"] == 2000, r
assert 0 < r[\"pps\"] <= 1.5 * 2000, r
assert r[\"gen_sent\"] <= 1.5 * 2000 * r[\"seconds\"], r
assert r[\"cpu_us_per_packet\"] > 0 and r[\"gen_us_per_packet\"] > 0, r
assert r[\"gen_base_sent\"] > 0, r
assert abs(r[\"cpu_us_per_packet\"] - r[\"gen_us_per_packet\"] - r[\"dev_us_per_packet\"]) < 0.01, r'"
# The zero-copy rows and the baselines move packets: tx rows' drop sink
# counted what the device took (all but what was still in the ring or in
# flight at the stop), rx rows read packets, whole.
result "tunx-bench tx on tunx-zc, tun-uring, tun-sqpoll, tun-napi: the drop sink got what the device took" \
	eval "'$bin/tunx-bench' -m tx -b tunx-zc,tun-uring,tun-sqpoll,tun-napi -s 64 -d 0.5 --json 2>/dev/null |
	      python3 -c 'import json,sys; rs=json.load(sys.stdin)[\"results\"]
assert [r[\"backend\"] for r in rs] == [\"tunx-zc\", \"tun-uring\", \"tun-sqpoll\", \"tun-napi\"], rs
for r in rs:
    assert r[\"error\"] is None and r[\"packets\"] > 0 and r[\"sink\"] == \"drop\", r
    assert r[\"packets\"] - 1024 <= r[\"sink_packets\"] <= r[\"packets\"], r
assert rs[0][\"zero_copy\"] and rs[0][\"batch_used\"] == 64, rs[0]'"
result "tunx-bench rx on tunx-zc, tun-uring, tun-sqpoll, tun-napi reads packets" \
	eval "'$bin/tunx-bench' -m rx -b tunx-zc,tun-uring,tun-sqpoll,tun-napi -s 64 -d 0.5 --json 2>/dev/null |
	      python3 -c 'import json,sys; rs=json.load(sys.stdin)[\"results\"]
assert len(rs) == 4, rs
for r in rs:
    assert r[\"error\"] is None and r[\"packets\"] > 0, r'"
result "tunx-bench rx on tunx-zc reads 9000 B packets in place, whole" \
	eval "'$bin/tunx-bench' -m rx -b tunx-zc -s 9000 -d 0.5 --json 2>/dev/null |
	      python3 -c 'import json,sys; r=json.load(sys.stdin)[\"results\"][0]
assert r[\"error\"] is None and r[\"zero_copy\"] and r[\"packets\"] > 0, r
assert r[\"bytes\"] > 8000 * r[\"packets\"], r'"
# xdp-veth, AF_XDP on a veth pair: on a kernel with AF_XDP (Debian's all
# have it, and veth's native XDP) rx reads and prints its row, and tx's
# sinks get what the socket sent; on one without (a tinyconfig debug
# kernel may lack CONFIG_XDP_SOCKETS) every row says n/a, and the bench
# still exits 0.  A probe of its own decides which is expected.
has_af_xdp=$(python3 -c 'import socket
try: socket.socket(44, socket.SOCK_RAW, 0); print(1)
except OSError: print(0)')
echo "# AF_XDP in this kernel: $has_af_xdp"
if [ "$has_af_xdp" = 1 ]; then
result "tunx-bench rx on xdp-veth reads 64 B packets through native XDP and prints its row" \
	eval "'$bin/tunx-bench' -m rx -b xdp-veth -s 64 -d 1 >'$tmp/xdp.out' 2>'$tmp/xdp.err';
	      grep -v '^note' '$tmp/xdp.out' | sed 's/^/# /'; grep xdp-veth: '$tmp/xdp.err' | sed 's/^/# /'
	      grep -q 'AF_XDP copy mode, native XDP' '$tmp/xdp.err' &&
	      awk '\$1 == \"rx\" && \$2 == \"xdp-veth\" && \$3 == 64 && \$8 > 0 { ok = 1 } END { exit !ok }' '$tmp/xdp.out'"
result "tunx-bench rx on xdp-veth: read <= sent, 64 B each" \
	eval "'$bin/tunx-bench' -m rx -b xdp-veth -s 64,1400 -d 0.5 --json 2>/dev/null |
	      python3 -c 'import json,sys; rs=json.load(sys.stdin)[\"results\"]
assert len(rs) == 2, rs
for r in rs:
    assert r[\"error\"] is None and 0 < r[\"packets\"] <= r[\"gen_sent\"], r
    assert r[\"bytes\"] == r[\"size\"] * r[\"packets\"], r'"
result "tunx-bench tx on xdp-veth: the drop and route sinks at the peer got what the socket sent" \
	eval "'$bin/tunx-bench' -m tx -b xdp-veth -s 64 --sink drop,route -d 0.5 --json 2>/dev/null |
	      python3 -c 'import json,sys; rs=json.load(sys.stdin)[\"results\"]
assert [r[\"sink\"] for r in rs] == [\"drop\", \"route\"], rs
for r in rs:
    assert r[\"error\"] is None and r[\"packets\"] > 0, r
    assert r[\"packets\"] - 1024 <= r[\"sink_packets\"] <= r[\"packets\"], r'"
else
result "tunx-bench xdp-veth without AF_XDP in the kernel says n/a, and exits 0" \
	eval "'$bin/tunx-bench' -m tx,rx -b xdp-veth -s 64 -d 0.3 >'$tmp/xdp.out' 2>/dev/null &&
	      sed 's/^/# /' '$tmp/xdp.out' &&
	      [ \"\$(grep -c 'not run: n/a: kernel lacks AF_XDP' '$tmp/xdp.out')\" = 2 ]"
fi
result "tunx-bench mem on tunx reports the ring mapping (>= 2 x 256 x 2 KiB, 256 entries)" \
	eval "'$bin/tunx-bench' -m mem -b tunx-plain --json 2>/dev/null |
	      python3 -c 'import json,sys; r=json.load(sys.stdin)[\"results\"][0];
assert r[\"error\"] is None and r[\"mem_mmap\"] >= 2 * 256 * 2048, r
assert r[\"ring_entries\"] == 256, r'"
# As libtunx opens tunx by default (offload on, 1024 entries, ABI 2's
# packed areas): at most 1.1 MiB mapped per queue, and totals for all 50.
result "tunx-bench mem --devices 50 on tunx: offload queues of <= 1.1 MiB mapped, totals for 50 devices" \
	eval "'$bin/tunx-bench' -m mem -b tunx --devices 50 --json 2>/dev/null |
	      python3 -c 'import json,sys; r=json.load(sys.stdin)[\"results\"][0];
assert r[\"error\"] is None and r[\"devices\"] == 50 and r[\"packets\"] == 50, r
assert r[\"mem_offload\"] and r[\"ring_entries\"] == 1024, r
assert 0 < r[\"mem_mmap\"] <= 1.1 * 2**20, r
assert r[\"mem_mmap_total\"] == 50 * r[\"mem_mmap\"], r
assert r[\"mem_open_seconds\"] > 0 and r[\"mem_close_seconds\"] > 0, r'"

echo "1..$n"
[ "$failed" = 0 ]
