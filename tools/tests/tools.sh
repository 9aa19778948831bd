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
nsa=tunx-tt$$-a nsb=tunx-tt$$-b	# the tunnel over IPv4
nsa6=tunx-tt$$-a6 nsb6=tunx-tt$$-b6	# and over IPv6
cleanup() {
	local ns

	# A tunnel end or an iperf3 server that a failed test left running
	# would keep its namespace alive once the name is gone.
	for ns in "$nsa" "$nsb" "$nsa6" "$nsb6"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap 'if [ "$BASHPID" = "$$" ]; then cleanup; fi' EXIT
echo "TAP version 13"

# rc WANT CMD...: CMD exits with WANT; its stderr is kept in $tmp/err.
rc() {
	local want=$1; shift
	"$@" >"$tmp/out" 2>"$tmp/err"
	[ $? = "$want" ]
}
# refused OPTION VALUE CMD...: CMD OPTION=VALUE exits 2 (a usage error)
# naming the option and the value, as tunxctl and tunx-tunnel both say
# it.  Timed, so a value taken by mistake does not hang the suite.
refused() {
	local opt=$1 val=$2
	shift 2
	rc 2 timeout 10 "$@" "$opt=$val" </dev/null &&
		grep -qF -- "bad value for $opt: $val" "$tmp/err"
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
result "tunxctl --user's bad value is said as --user, the name typed" \
	refused --user no-such-user-tunx "$bin/tunxctl" add
# not_taken CMD OPTION TAKERS ARGS...: `tunxctl CMD ARGS` exits 2 before
# touching anything, saying CMD takes no OPTION and which commands do.
# These were ignored: `set vpn0 --queues 4` changed nothing, said nothing.
not_taken() {
	local cmd=$1 opt=$2 takers=$3
	shift 3
	rc 2 unshare -n "$bin/tunxctl" "$cmd" "$@" &&
		grep -qxF -- "tunxctl: $cmd takes no $opt; it is for $takers" "$tmp/err"
}
result "tunxctl refuses options its command does not take, naming who takes them" \
	eval "not_taken set --queues add lo --queues 2 &&
	      not_taken set --offload add lo --offload &&
	      not_taken set --busy-poll add lo --busy-poll 10 &&
	      not_taken add --persist set x0 --persist on &&
	      not_taken del --mtu 'add and set' lo --mtu 1400 &&
	      not_taken show --owner 'add and set' --owner 0 &&
	      not_taken list --group 'add and set' --group 0 &&
	      not_taken add --json show -j"
# ctl_refuses OPTION VALUE...: `tunxctl add lo OPTION=VALUE` is refused,
# naming both, for every VALUE; one taken is said.  lo exists and is no
# tunx device, so a value taken by mistake ends in "not a tunx device"
# (status 1), module or not, and nothing is made; in a network namespace
# of its own all the same.
ctl_refuses() {
	local opt=$1 v bad=0
	shift
	for v; do
		refused "$opt" "$v" unshare -n "$bin/tunxctl" add lo ||
			{ echo "# taken: $opt='$v'"; bad=1; }
	done
	return $bad
}
# Numbers are plain decimal digits in range: strtoul() took "+1400",
# " 2", " -0" (0; root as an --owner) and "-1" (an --owner of none).
for o in "--mtu 1400 65536" "--queues 2 65" "--busy-poll 50 1000001" \
	 "--owner 0 4294967295" "--group 0 4294967295"; do
	read -r opt num big <<<"$o"
	result "tunxctl $opt refuses '+$num', ' $num', -0, ' -0', -1, '$num junk', $big" \
		ctl_refuses "$opt" "+$num" " $num" -0 " -0" -1 "$num junk" "$big"
done
result "tunx-tunnel without --local is refused" rc 2 "$bin/tunx-tunnel" -p 127.0.0.1:1
result "tunx-tunnel with a bad --peer is refused" \
	rc 2 "$bin/tunx-tunnel" -l 127.0.0.1:1 -p 127.0.0.1
result "tunx-tunnel refuses a wildcard --local" \
	rc 2 "$bin/tunx-tunnel" -l 0.0.0.0:1 -p 127.0.0.1:2
result "tunx-tunnel --backend pipe is refused" \
	rc 2 "$bin/tunx-tunnel" -b pipe -l 127.0.0.1:1 -p 127.0.0.1:2
# One socket cannot talk from one family to the other: a usage error,
# said with both options and the way out.
result "tunx-tunnel mixing IPv4 and IPv6 ends is a usage error naming both options" \
	eval "rc 2 '$bin/tunx-tunnel' -l 127.0.0.1:1 -p '[::1]:2' &&
	      grep -q -- '--local 127.0.0.1:1 is IPv4 but --peer \[::1\]:2 is IPv6' '$tmp/err' &&
	      grep -q 'both as IPv4 (ADDR:PORT) or both as IPv6' '$tmp/err'"
result "tunx-tunnel --mtu 116 over IPv6 (48 bytes of headers) is a usage error" \
	eval "rc 2 '$bin/tunx-tunnel' -m 116 -l '[::1]:1' -p '[::1]:2' &&
	      grep -q 'give --mtu 117 or more' '$tmp/err'"
result "tunx-tunnel --queues 0 is refused" \
	rc 2 "$bin/tunx-tunnel" -Q 0 -l 127.0.0.1:1 -p 127.0.0.1:2
result "tunx-tunnel --queues 17 is refused" \
	rc 2 "$bin/tunx-tunnel" -Q 17 -l 127.0.0.1:1 -p 127.0.0.1:2
result "tunx-tunnel --queues whose ports pass 65535 is refused" \
	rc 2 "$bin/tunx-tunnel" -Q 2 -l 127.0.0.1:65535 -p 127.0.0.1:2
result "tunx-tunnel --busy-poll=0 is refused" \
	rc 2 "$bin/tunx-tunnel" --busy-poll=0 -l 127.0.0.1:1 -p 127.0.0.1:2
result "tunx-tunnel --busy-poll=x is refused" \
	rc 2 "$bin/tunx-tunnel" --busy-poll=x -l 127.0.0.1:1 -p 127.0.0.1:2
for o in --queues --busy-poll --no-offload; do
	result "tunx-tunnel $o is in --help and the man page" \
		eval "'$bin/tunx-tunnel' --help | grep -q -- '$o' &&
		      grep -q -- '$(echo "$o" | sed 's/-/\\\\-/g')' '$top/tools/man/tunx-tunnel.8'"
done
for o in --streams --compare --full --batch --sink --gen --rate --devices; do
	result "tunx-bench $o is in --help and the man page" \
		eval "'$bin/tunx-bench' --help | grep -q -- '$o' &&
		      grep -q -- '$(echo "$o" | sed 's/-/\\\\-/g')' '$top/tools/man/tunx-bench.1'"
done
for b in tunx-zc tun-uring tun-sqpoll tun-napi xdp-veth; do
	result "tunx-bench backend $b is in --help and the man page" \
		eval "'$bin/tunx-bench' --help | grep -q -- '$b' &&
		      grep -q -- '^\.B $(echo "$b" | sed 's/-/\\\\-/g')\$' '$top/tools/man/tunx-bench.1'"
done
result "tunx-bench tun-uring, tun-sqpoll, tun-napi on 2 queues have nothing to run (one queue)" \
	rc 2 "$bin/tunx-bench" -b tun-uring,tun-sqpoll,tun-napi -m tx,rx -q 2
result "tunx-bench tunx-zc and tun-uring in tcp or mem have nothing to run" \
	rc 2 "$bin/tunx-bench" -b tunx-zc,tun-uring,tun-sqpoll -m tcp,mem
result "tunx-bench xdp-veth on 2 queues, or in tcp or mem, has nothing to run" \
	eval "rc 2 '$bin/tunx-bench' -b xdp-veth -m tx,rx -q 2 &&
	      rc 2 '$bin/tunx-bench' -b xdp-veth -m tcp,mem"
# Interface names hold at most 15 bytes (IFNAMSIZ - 1): a longer one is
# refused with the limit, as `ip tuntap add` does, never cut to 15.
long=abcdefghijklmnop
for c in "add $long" "del $long" "set $long --mtu 1400" "show $long"; do
	result "tunxctl ${c%% *} with a 16-character name says the limit is 15" \
		eval "rc 2 '$bin/tunxctl' $c && grep -q 'at most 15' '$tmp/err'"
done
result "tunxctl add with a name holding a slash is refused" \
	eval "rc 2 '$bin/tunxctl' add a/b && grep -q 'not a valid interface name' '$tmp/err'"
result "tunxctl set with nothing to change names the options that change things" \
	eval "rc 2 '$bin/tunxctl' set x0 && grep -q 'nothing to change' '$tmp/err' &&
	      grep -q -- '--owner' '$tmp/err' && grep -q -- '--mtu' '$tmp/err'"
# Every man page renders without a warning; the tools' pages say how to
# read their messages (cause, then the command that fixes it).
if command -v man >/dev/null; then
	for f in "$top"/tools/man/*; do
		result "man --warnings -l ${f#$top/} is silent" \
			eval "man --warnings -l '$f' >/dev/null 2>'$tmp/err' && ! [ -s '$tmp/err' ] ||
			      { sed 's/^/# /' '$tmp/err'; false; }"
	done
else
	skip "man pages render without warnings" "no man here (man-db)"
fi
for f in tunxctl.8 tunx-tunnel.8; do
	result "$f has a DIAGNOSTICS section giving the rule for messages" \
		eval "grep -q '^\.SH DIAGNOSTICS' '$top/tools/man/$f' &&
		      sed -n '/^\.SH DIAGNOSTICS/,/^\.SH [^D]/p' '$top/tools/man/$f' |
		      grep -q 'command that fixes it'"
done
result "tunx-bench --mode bogus is refused" rc 2 "$bin/tunx-bench" --mode bogus
result "tunx-bench --size 10 is refused" rc 2 "$bin/tunx-bench" --size 10
# bench_refuses OPTION VALUE...: tunx-bench refuses every VALUE of OPTION,
# naming both, before it measures anything; one taken is said.
bench_refuses() {
	local opt=$1 v bad=0
	shift
	for v; do
		refused "$opt" "$v" "$bin/tunx-bench" ||
			{ echo "# taken: $opt='$v'"; bad=1; }
	done
	return $bad
}
# strtoul() and strtod() took "3x" as 3 and " 3", "+3" as 3.
result "tunx-bench --repeat refuses 0, 10, '3x', ' 3', +3, -1" \
	bench_refuses --repeat 0 10 3x " 3" +3 -1
result "tunx-bench --duration refuses 0, 601, '3x', ' 3', +3, 0x10, 1e1, inf, nan" \
	bench_refuses --duration 0 601 3x " 3" +3 0x10 1e1 inf nan
for opt in --size --batch; do
	result "tunx-bench $opt refuses '+64', ' 64', -0, '64 junk'" \
		bench_refuses "$opt" +64 " 64" -0 "64 junk"
done
result "tunx-bench veth without tcp has nothing to run" rc 2 "$bin/tunx-bench" -b veth -m tx
result "tunx-bench tunx-plain without tcp or mem has nothing to run" \
	rc 2 "$bin/tunx-bench" -b tunx-plain -m tx
result "tunx-bench tunx-copy outside tcp has nothing to run" \
	rc 2 "$bin/tunx-bench" -b tunx-copy -m rx,mem
result "tunx-bench wireguard on other backends than tunx and tun has nothing to run" \
	rc 2 "$bin/tunx-bench" -b veth,tun-vnet,tunx-busy -m wireguard
result "tunx-bench --batch 513 is refused" rc 2 "$bin/tunx-bench" --batch 513
result "tunx-bench --sink blackhole is refused, naming option and value" \
	refused --sink blackhole "$bin/tunx-bench"
result "tunx-bench --sink - (the name of no sink) is refused" \
	rc 2 "$bin/tunx-bench" --sink -
result "tunx-bench --gen flood is refused, naming option and value" \
	refused --gen flood "$bin/tunx-bench"
result "tunx-bench --rate -5 is refused" rc 2 "$bin/tunx-bench" --rate -5
result "tunx-bench --devices 0 is refused" rc 2 "$bin/tunx-bench" -m mem --devices 0
result "tunx-bench --devices 4097 is refused, naming option and value" \
	refused --devices 4097 "$bin/tunx-bench" -m mem
# --compare's own default is 2 s a run; a -d the user gave is kept, 3
# included (it was taken for the default and cut to 2).  The first
# progress line is enough: the run is stopped right after.
first_run() { timeout 3 "$bin/tunx-bench" "$@" 2>&1 >/dev/null | head -1; }
result "tunx-bench --compare runs 2 s a run, and -d 3 runs 3" \
	eval "first_run --compare | grep -q ' for 2 s\$' &&
	      first_run --compare -d 3 | grep -q ' for 3 s\$'"
# A tcp run that was killed leaves its two namespaces, with iperf3 in
# them; the next tcp run removes those of a tunx-bench that is gone (no
# pid is above pid_max), never those of one still running (this shell).
ip netns add tunxbench99999999-a && ip netns add "tunxbench$$-a" &&
	ip netns exec tunxbench99999999-a sleep 600 &
sleep 0.5
result "tunx-bench tcp removes what a killed tcp run left, and keeps a live one's" \
	eval "'$bin/tunx-bench' -m tcp -b tun -d 1 >'$tmp/out' 2>&1 &&
	      ! ip netns list | grep -q '^tunxbench99999999-a' &&
	      ip netns list | grep -q '^tunxbench$$-a'"
ip netns pids tunxbench99999999-a 2>/dev/null | xargs -r kill
ip netns del tunxbench99999999-a 2>/dev/null
ip netns del "tunxbench$$-a"

if [ -c /dev/net/tunx ]; then
	skip "tunxctl explains a missing module" "tunx is loaded here"
	skip "tunx-tunnel --backend tunx explains a missing module" "tunx is loaded here"
else
	result "tunxctl add without the module fails" rc 1 "$bin/tunxctl" add
	result "tunxctl explains a missing module and how to load it" \
		eval "grep -q 'module is not loaded' '$tmp/err' && grep -q 'modprobe tunx' '$tmp/err'"
	# Every command that needs the module says how to load it; `show`
	# fails too, rather than print nothing, which reads as "no devices".
	for c in "set x0 --mtu 1400" "set x0 --owner 0" "del x0" "show x0" "show" \
		 "show --json"; do
		result "tunxctl $c without the module fails and says how to load it" \
			eval "rc 1 '$bin/tunxctl' $c && grep -q 'module is not loaded' '$tmp/err' &&
			      grep -q 'modprobe tunx' '$tmp/err'"
	done
	# A wrong command line is wrong whatever the host: the value is
	# judged before the module is looked for.
	for c in "set x0 --mtu=+1400" "set x0 --group=+0" "add x0 --queues=+2" \
		 "add x0 --busy-poll=+50"; do
		result "tunxctl $c without the module is a usage error, not the module's" \
			eval "rc 2 '$bin/tunxctl' $c && grep -q 'bad value for' '$tmp/err' &&
			      ! grep -q 'module is not loaded' '$tmp/err'"
	done
	result "tunx-tunnel --backend tunx without the module fails clearly" \
		eval "! '$bin/tunx-tunnel' -b tunx -l 127.0.0.1:1 -p 127.0.0.1:2 2>'$tmp/err' &&
		      grep -q 'not loaded' '$tmp/err'"
fi

# The tunnel on the tun backend between two namespaces.
ip netns add "$nsa" && ip netns add "$nsb" &&
ip link add tt-u0 netns "$nsa" type veth peer name tt-u1 netns "$nsb" &&
ip -n "$nsa" addr add 192.168.77.1/24 dev tt-u0 &&
ip -n "$nsa" addr add 192.168.77.3/24 dev tt-u0 &&
ip -n "$nsb" addr add 192.168.77.2/24 dev tt-u1 &&
ip -n "$nsa" link set tt-u0 up && ip -n "$nsb" link set tt-u1 up
result "two namespaces joined by a veth" [ $? = 0 ]
ul=4	# the underlay's family, IPv4 until the IPv6 tests
underlay() { # ME: the underlay address of end ME (1, 2; 3 is beside 1)
	if [ "$ul" = 6 ]; then echo "[fd77::$1]"; else echo "192.168.77.$1"; fi
}
tunnel() { # NS ME BACKEND [OPTION...]: a tunnel end in NS, over $ul
	local ns=$1 me=$2 b=$3
	shift 3
	ip netns exec "$ns" "$bin/tunx-tunnel" -b "$b" -n tt0 -l "$(underlay "$me"):5555" \
		-p "$(underlay $((3 - me))):5555" -a "10.77.0.$me/24" "$@" >"$tmp/$ns.log" 2>&1 &
}
ends_up() { # NSA NSB: wait (5 s at most) for both ends' devices to be up
	for _ in $(seq 50); do
		ip -n "$2" link show tt0 2>/dev/null | grep -q ',UP' &&
			ip -n "$1" link show tt0 2>/dev/null | grep -q ',UP' && return
		sleep 0.1
	done
}
stop_ends() { # SIGTERM to both ends ($pa, $pb); their statuses in $ra, $rb
	kill -TERM "$pa" "$pb"
	wait "$pa"; ra=$?
	wait "$pb"; rb=$?
}
configured() { # NS CIDR MTU: NS's tt0 has the address and the MTU, and is up
	ip -n "$1" addr show tt0 | grep -q "inet $2 " &&
		ip -n "$1" link show tt0 | grep -q "UP.*mtu $3 "
}
# Strangers: from NS, three datagrams to end 2's port from another address
# (3), two from end 1's address but another port.  None may reach a device.
strangers() { # NS
	ip netns exec "$1" python3 -c '
import socket, sys
to, fam = sys.argv[3].strip("[]"), socket.AF_INET6 if "[" in sys.argv[3] else socket.AF_INET
for src, k in ((sys.argv[1], 3), (sys.argv[2], 2)):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((src.strip("[]"), 6000))
    for _ in range(k):
        s.sendto(bytes([0x45]) + bytes(39), (to, 5555))
' "$(underlay 3)" "$(underlay 1)" "$(underlay 2)"
}
# tunx-tunnel judges values before the socket and the device are opened
# (a bad --address was found on a device created and up); refused runs it
# in $nsa, so a value taken by mistake starts no tunnel on the host.
# Numbers are plain decimal digits: strtoul() took a sign and leading
# spaces, so "+1500", "/ 24" and "-0" passed (" -0" as --mtu 0).
for o in "--mtu|abc" "--batch|99999" "--backend|pipe" "--address|10.1.2.3/33" \
	 "--route|bogus" "--route|10.9.0.0/" "--address|10.1.2.3/+24" \
	 "--route|10.9.0.0/ 24" "--route|10.9.0.0/-0" "--route|fd79::/+64" \
	 "--mtu|+1500" "--mtu| 1500" "--mtu| -0" "--batch|+64" "--queues|+2" \
	 "--busy-poll|+50" "--local|192.168.77.1:+5566" \
	 "--local|192.168.77.1: 5566" "--peer|192.168.77.2:-0" \
	 "--peer|[fd77::2]:+5566"; do
	result "tunx-tunnel ${o%%|*}='${o#*|}' is a usage error naming ${o%%|*}" \
		refused "${o%%|*}" "${o#*|}" ip netns exec "$nsa" "$bin/tunx-tunnel" \
			-b tun -n tt9 -l 192.168.77.1:5566 -p 192.168.77.2:5566
done
routed() { # NS PREFIX: the main table sends PREFIX into tt0 (within 5 s)
	local fam=-4

	case $2 in *:*) fam=-6 ;; esac
	for _ in $(seq 50); do	# routes come after the link is up
		ip -n "$1" "$fam" route show "$2" | grep -q 'dev tt0' && return
		sleep 0.1
	done
	return 1
}
# A --route is a prefix: host bits are cleared, IPv4 as IPv6 (the kernel
# refused an IPv4 route with them, and the tunnel stopped, device up).
tunnel "$nsa" 1 tun -r 10.98.0.1/24 -r fd79::5/64; pa=$!
result "tunx-tunnel -r 10.98.0.1/24 -r fd79::5/64 routes 10.98.0.0/24 and fd79::/64 into its device" \
	eval "routed '$nsa' 10.98.0.0/24 && routed '$nsa' fd79::/64 &&
	      kill -TERM $pa && wait $pa"
tunnel "$nsa" 1 tun -r 10.97.0.0/24; pa=$!
tunnel "$nsb" 2 tun; pb=$!
ends_up "$nsa" "$nsb"
result "tunx-tunnel -b tun configures its device (address, MTU 1472, up)" \
	configured "$nsa" 10.77.0.1/24 1472
result "tunx-tunnel --route routes the prefix into its device" routed "$nsa" 10.97.0.0/24
# carries NSA NSB PREFIX IPERF_NAME: ping and iperf3 from NSA through the
# tunnel, strangers' datagrams into NSB's end, then ping again.
carries() {
	local a=$1 b=$2 pre=$3
	result "${pre}ping through the tunnel" \
		rc 0 ip netns exec "$a" ping -c 3 -i 0.2 -W 2 -q 10.77.0.2
	result "$4" \
		eval "iperf_server '$b' 10.77.0.2 &&
		      ip netns exec '$a' iperf3 -c 10.77.0.2 -t 2 >/dev/null 2>&1"
	strangers "$a"
	sleep 0.3
	result "${pre}ping still works after strangers' datagrams" \
		rc 0 ip netns exec "$a" ping -c 2 -i 0.2 -W 2 -q 10.77.0.2
}
carries "$nsa" "$nsb" "" \
	"iperf3 through the tunnel on tun with vnet headers and UDP GSO/GRO"
stop_ends
result "SIGTERM stops both ends with status 0" [ "$ra$rb" = 00 ]
result "the stopped tunnel prints its counters" \
	eval "grep -q 'stopped by SIGTERM' '$tmp/$nsb.log' &&
	      grep -Eq 'to peer: +[1-9][0-9]* packets' '$tmp/$nsb.log'"
result "datagrams not from the peer are dropped and counted (5)" \
	grep -q 'dropped: *5 not from peer' "$tmp/$nsb.log"
result "the other end saw no stranger" grep -q 'dropped: *0 not from peer' "$tmp/$nsa.log"
sed 's/^/# /' "$tmp/$nsb.log"
# A --route whose prefix the table already sends elsewhere: the tunnel
# would carry nothing for it.  It used to take EEXIST for success.
# With host bits, the prefix is looked up and named: the command said works.
ip -n "$nsa" route add 10.96.0.0/24 dev tt-u0
for r in 10.96.0.0/24 10.96.0.7/24; do
	result "tunx-tunnel refuses a --route $r the table sends through another device, saying what to run" \
		eval "rc 1 ip netns exec '$nsa' timeout 20 '$bin/tunx-tunnel' -b tun -n tt9 \
			-l 192.168.77.1:5566 -p 192.168.77.2:5566 -r $r &&
		      grep -q '10.96.0.0/24 is routed through tt-u0' '$tmp/err' &&
		      grep -q 'ip route replace 10.96.0.0/24 dev tt9' '$tmp/err'"
done
# tun has no rings to spin on: --busy-poll is accepted and said to be off,
# never claimed (tools-vm.sh checks the window on tunx).
tunnel "$nsa" 1 tun --busy-poll; pa=$!
for _ in $(seq 50); do
	grep -q 'busy poll' "$tmp/$nsa.log" && break
	sleep 0.1
done
kill -TERM "$pa"; wait "$pa"
result "tunx-tunnel -b tun --busy-poll says busy poll is off, and claims no spin" \
	eval "grep -q 'busy poll off (tun has no rings)' '$tmp/$nsa.log' &&
	      ! grep -q '(busy poll [0-9]* us)' '$tmp/$nsa.log'"
# Two queues on tun: eight TCP streams must spread over both, each way
# (all eight hashing to one queue has odds of 1 in 128: see the retry
# below).
two_queue_ends() {
	tunnel "$nsa" 1 tun -Q 2; pa=$!
	tunnel "$nsb" 2 tun -Q 2; pb=$!
	ends_up "$nsa" "$nsb"
}
two_queue_ends
result "tunx-tunnel -Q 2 opens a two-queue device" \
	eval "grep -q 'queues 2' '$tmp/$nsa.log' &&
	      [ \"\$(ls -d /proc/$pa/task/* | wc -l)\" -ge 5 ]"
result "ping through the two-queue tunnel" \
	rc 0 ip netns exec "$nsa" ping -c 3 -i 0.2 -W 2 -q 10.77.0.2
result "iperf3 with eight streams through the two-queue tunnel" \
	eval "iperf_server '$nsb' 10.77.0.2 &&
	      ip netns exec '$nsa' iperf3 -c 10.77.0.2 -t 2 -P 8 >/dev/null 2>&1"
stop_ends
sed 's/^/# /' "$tmp/$nsa.log"
result "-Q 2: SIGTERM stops all four threads of each end with status 0" [ "$ra$rb" = 00 ]
result "the tunnel uses UDP GSO/GRO on its sockets by default" \
	grep -q 'udp gso/gro' "$tmp/$nsa.log"
result "GRO-glued datagrams are split back into packets, none malformed" \
	eval "grep -q 'dropped: *0 not from peer, 0 malformed' '$tmp/$nsa.log' &&
	      grep -q 'dropped: *0 not from peer, 0 malformed' '$tmp/$nsb.log'"
# busy queues: more than 100 packets each way on both queues
busy_queues() {
	awk '/queue [01]:/ { if ($3 > 100 && $7 > 100) k++ } END { exit k != 2 }' "$1"
}
# The flows' hashes are random: a try whose eight streams all landed on
# one queue is run again with new streams, three tries in all (a device
# that used one queue only fails all three).
tries=1
while ! { busy_queues "$tmp/$nsa.log" && busy_queues "$tmp/$nsb.log"; } &&
      [ "$tries" -lt 3 ]; do
	tries=$((tries + 1))
	echo "# the streams did not spread over both queues; try $tries with new ones"
	two_queue_ends
	iperf_server "$nsb" 10.77.0.2
	ip netns exec "$nsa" iperf3 -c 10.77.0.2 -t 2 -P 8 >/dev/null 2>&1
	kill -TERM "$pa" "$pb"
	wait "$pa" "$pb"
	sed 's/^/# /' "$tmp/$nsa.log"
done
result "both queues carried the streams, both ways (per-queue counters, try $tries)" \
	eval "busy_queues '$tmp/$nsa.log' && busy_queues '$tmp/$nsb.log'"
# --no-offload: plain tun, one datagram per send and receive.
tunnel "$nsa" 1 tun --no-offload; pa=$!
tunnel "$nsb" 2 tun --no-offload; pb=$!
ends_up "$nsa" "$nsb"
result "--no-offload: tun without vnet headers, no UDP GSO/GRO" \
	eval "grep -q 'offload off' '$tmp/$nsa.log' && ! grep -q 'udp gso/gro' '$tmp/$nsa.log'"
result "--no-offload: iperf3 through the tunnel" \
	eval "iperf_server '$nsb' 10.77.0.2 &&
	      ip netns exec '$nsa' iperf3 -c 10.77.0.2 -t 2 >/dev/null 2>&1"
stop_ends
result "--no-offload: SIGTERM stops both ends with status 0" [ "$ra$rb" = 00 ]
result "tunx-tunnel refuses a local address it cannot bind" \
	eval "! ip netns exec '$nsa' '$bin/tunx-tunnel' -b tun -l 192.168.99.9:1 \
		-p 192.168.77.2:1 2>'$tmp/err' && grep -q 'Cannot assign' '$tmp/err'"

# The tunnel over an IPv6 underlay, in two namespaces of their own whose
# veth has no IPv4 address: 48 bytes of outer headers, UDP_SEGMENT and
# UDP_GRO on AF_INET6 sockets, the peer check on sockaddr_in6.  nodad: the
# addresses are usable at once.
ip netns add "$nsa6" && ip netns add "$nsb6" &&
ip link add tt-u0 netns "$nsa6" type veth peer name tt-u1 netns "$nsb6" &&
ip -n "$nsa6" addr add fd77::1/64 dev tt-u0 nodad &&
ip -n "$nsa6" addr add fd77::3/64 dev tt-u0 nodad &&
ip -n "$nsb6" addr add fd77::2/64 dev tt-u1 nodad &&
ip -n "$nsa6" link set tt-u0 up && ip -n "$nsb6" link set tt-u1 up
result "IPv6 underlay: two namespaces joined by a veth with IPv6 addresses only" [ $? = 0 ]
ul=6
tunnel "$nsa6" 1 tun; pa=$!
tunnel "$nsb6" 2 tun; pb=$!
ends_up "$nsa6" "$nsb6"
result "IPv6 underlay: the device gets its address and MTU 1452 (1500 - 48), up" \
	configured "$nsa6" 10.77.0.1/24 1452
carries "$nsa6" "$nsb6" "IPv6 underlay: " \
	"IPv6 underlay: iperf3 through the tunnel"
stop_ends
sed 's/^/# /' "$tmp/$nsb6.log"
result "IPv6 underlay: SIGTERM stops both ends with status 0" [ "$ra$rb" = 00 ]
# A send that UDP_SEGMENT refused would be counted here (and turn GSO
# off quietly), a bundle cut wrong counted malformed.
result "IPv6 underlay: UDP GSO/GRO on the IPv6 sockets, every send taken, none malformed" \
	eval "grep -q 'udp gso/gro, \[fd77::1\]:5555 <-> \[fd77::2\]:5555' '$tmp/$nsa6.log' &&
	      grep -Eq 'to peer: +[1-9][0-9]* packets [0-9]+ bytes, 0 send errors' '$tmp/$nsa6.log' &&
	      grep -q ', 0 send errors' '$tmp/$nsb6.log' &&
	      grep -q 'dropped: *[0-9]* not from peer, 0 malformed' '$tmp/$nsa6.log' &&
	      grep -q 'dropped: *[0-9]* not from peer, 0 malformed' '$tmp/$nsb6.log'"
result "IPv6 underlay: datagrams not from the peer are dropped and counted (5)" \
	grep -q 'dropped: *5 not from peer' "$tmp/$nsb6.log"
result "IPv6 underlay: the other end saw no stranger" \
	grep -q 'dropped: *0 not from peer' "$tmp/$nsa6.log"
# --mtu is the underlay's: 1400 over IPv6 leaves 1352, and a packet of
# that size passes whole (DF), IPv4 or IPv6 inside.
tunnel "$nsa6" 1 tun -m 1400 -a fd78::1/64; pa=$!
tunnel "$nsb6" 2 tun -m 1400 -a fd78::2/64; pb=$!
ends_up "$nsa6" "$nsb6"
result "IPv6 underlay: -m 1400 gives the device MTU 1352 (1400 - 48)" \
	configured "$nsa6" 10.77.0.1/24 1352
result "IPv6 underlay, -m 1400: 1352-byte IPv4 and IPv6 packets pass with DF" \
	eval "ip netns exec '$nsa6' ping -c 2 -i 0.2 -W 2 -q -M do -s 1324 10.77.0.2 >/dev/null &&
	      ip netns exec '$nsa6' ping -c 2 -i 0.2 -W 2 -q -M do -s 1304 fd78::2 >/dev/null"
stop_ends
result "IPv6 underlay, -m 1400: SIGTERM stops both ends with status 0" [ "$ra$rb" = 00 ]
ul=4

# The bench runs and reports; its figures are not judged here.
result "tunx-bench tx on tun prints a row" \
	eval "'$bin/tunx-bench' -m tx -b tun -s 256 --sink socket -d 0.3 2>/dev/null |
	      grep -Eq '^tx +tun +256 +[0-9]+ +1 +[0-9]+ +socket +[0-9]+ '"
result "tunx-bench --json is valid JSON with a result per backend" \
	eval "'$bin/tunx-bench' -m echo -b tun,tun-vnet -d 0.3 --json 2>/dev/null |
	      python3 -c 'import json,sys; r=json.load(sys.stdin)[\"results\"];
assert [x[\"backend\"] for x in r] == [\"tun\", \"tun-vnet\"], r
assert all(x[\"error\"] is None and x[\"packets\"] > 0 for x in r), r'"
result "tunx-bench tcp on tun with 2 queues and 2 streams gives a figure" \
	eval "'$bin/tunx-bench' -m tcp -b tun -q 2 -S 2 -d 1 --json 2>/dev/null |
	      python3 -c 'import json,sys; r=json.load(sys.stdin)[\"results\"][0];
assert r[\"error\"] is None and r[\"bits_per_second\"] > 0, r
assert r[\"queues\"] == 2 and r[\"streams\"] == 2, r'"
result "tunx-bench mem on tun measures a device" \
	eval "'$bin/tunx-bench' -m mem -b tun --json 2>/dev/null |
	      python3 -c 'import json,sys; r=json.load(sys.stdin)[\"results\"][0];
assert r[\"error\"] is None and r[\"packets\"] == 4 and r[\"mem_mmap\"] == 0, r'"
# 200 tun devices take 7 fds each (libtunx): past a soft RLIMIT_NOFILE of
# 1024 unless the bench raises it.
result "tunx-bench mem --devices 200 on tun raises RLIMIT_NOFILE and reports the 200 devices' totals" \
	eval "(ulimit -Sn 1024; '$bin/tunx-bench' -m mem -b tun --devices 200 --json 2>/dev/null) |
	      python3 -c 'import json,sys; r=json.load(sys.stdin)[\"results\"][0];
assert r[\"error\"] is None and r[\"devices\"] == 200 and r[\"packets\"] == 200, r
assert r[\"mem_fds\"] * 200 > 1024 and r[\"mem_mmap_total\"] == 0, r
assert r[\"mem_open_seconds\"] > 0 and r[\"mem_close_seconds\"] > 0, r'"
result "tunx-bench tx on tun at batch 512 takes 512 per call" \
	eval "'$bin/tunx-bench' -m tx -b tun -s 64 -B 512 --sink socket -d 0.3 --json 2>/dev/null |
	      python3 -c 'import json,sys; r=json.load(sys.stdin)[\"results\"][0];
assert r[\"error\"] is None and r[\"batch_used\"] == 512 and r[\"pps\"] > 0, r
assert r[\"sink\"] == \"socket\" and r[\"sink_packets\"] > 0, r'"
# The run's clock starts once every worker is set up: a loaded VM once
# took 0.7 s to allocate a worker's buffers, and a -d 0.5 run read nothing.
# The hook makes each worker's setup take 1 s; the run must still move
# packets for its whole -d 0.3 and not count the setup in its seconds.
result "tunx-bench: the workers' setup is not part of the run (rx, tx, 2 queues, 1 s setup)" \
	eval "TUNX_BENCH_TEST_SETUP_DELAY_MS=1000 '$bin/tunx-bench' -m rx,tx -b tun -s 64 -q 2 --sink socket -d 0.3 --json 2>/dev/null |
	      python3 -c 'import json,sys; rs=json.load(sys.stdin)[\"results\"]
assert [r[\"mode\"] for r in rs] == [\"rx\", \"tx\"], rs
for r in rs:
    assert r[\"error\"] is None and r[\"packets\"] > 0, r
    assert 0.3 <= r[\"seconds\"] < 0.9, r'"
# The rx generators on tun (no module, no dummy needed): what each sends
# reaches the reader, which reads no more than was sent.
result "tunx-bench rx on tun: packet and udp generators' packets reach the reader, read <= sent" \
	eval "'$bin/tunx-bench' -m rx -b tun -s 64 --gen packet,udp -d 0.3 --json 2>/dev/null |
	      python3 -c 'import json,sys; rs=json.load(sys.stdin)[\"results\"]
assert [r[\"gen\"] for r in rs] == [\"packet\", \"udp\"], rs
for r in rs:
    assert r[\"error\"] is None and 0 < r[\"packets\"] <= r[\"gen_sent\"], r'"
# The baselines on stock tun move packets: each tx row's socket sink got
# what the device took (all but what was in flight at the stop), each rx
# row read some.  Their figures are not judged here.
result "tunx-bench tx on tun-uring, tun-sqpoll, tun-napi: the socket sink got what the device took" \
	eval "'$bin/tunx-bench' -m tx -b tun-uring,tun-sqpoll,tun-napi -s 64 --sink socket -d 0.5 --json 2>/dev/null |
	      python3 -c 'import json,sys; rs=json.load(sys.stdin)[\"results\"]
assert [r[\"backend\"] for r in rs] == [\"tun-uring\", \"tun-sqpoll\", \"tun-napi\"], rs
for r in rs:
    assert r[\"error\"] is None and r[\"packets\"] > 0, r
    got = r[\"sink_packets\"] + r[\"sink_lost\"]
    assert r[\"packets\"] - 1024 <= got <= r[\"packets\"], r'"
result "tunx-bench rx on tun-uring, tun-sqpoll, tun-napi reads packets" \
	eval "'$bin/tunx-bench' -m rx -b tun-uring,tun-sqpoll,tun-napi -s 64 -d 0.5 --json 2>/dev/null |
	      python3 -c 'import json,sys; rs=json.load(sys.stdin)[\"results\"]
assert len(rs) == 3, rs
for r in rs:
    assert r[\"error\"] is None and r[\"packets\"] > 0, r'"
result "tunx-bench tun-uring at batch 256 keeps 256 reads in flight and reads 1400 B packets whole" \
	eval "'$bin/tunx-bench' -m rx -b tun-uring -s 1400 -B 256 -d 0.5 --json 2>/dev/null |
	      python3 -c 'import json,sys; r=json.load(sys.stdin)[\"results\"][0]
assert r[\"error\"] is None and r[\"batch_used\"] == 256, r
assert r[\"packets\"] > 0 and r[\"bytes\"] > 1300 * r[\"packets\"], r'"
# xdp-veth: what it cannot measure says n/a (the row is there, with why);
# rx moves packets when this kernel has AF_XDP, and says n/a when not
# (a probe of its own decides which is expected).
result "tunx-bench xdp-veth echo and the socket sink are n/a rows" \
	eval "'$bin/tunx-bench' -m tx,echo -b xdp-veth -s 64 --sink socket -d 0.3 --json 2>/dev/null |
	      python3 -c 'import json,sys; rs=json.load(sys.stdin)[\"results\"]
assert [r[\"mode\"] for r in rs] == [\"tx\", \"echo\"], rs
for r in rs:
    assert r[\"error\"].startswith(\"n/a: \") and r[\"packets\"] == 0, r'"
result "tunx-bench xdp-veth at 9000 B is an n/a row (one UMEM chunk a packet), tx and rx" \
	eval "'$bin/tunx-bench' -m tx,rx -b xdp-veth -s 9000 -d 0.3 --json 2>/dev/null |
	      python3 -c 'import json,sys; rs=json.load(sys.stdin)[\"results\"]
assert [r[\"mode\"] for r in rs] == [\"tx\", \"rx\"], rs
for r in rs:
    assert r[\"error\"].startswith(\"n/a: AF_XDP frame is one UMEM chunk\"), r'"
has_af_xdp=$(python3 -c 'import socket
try: socket.socket(44, socket.SOCK_RAW, 0); print(1)
except OSError: print(0)')
result "tunx-bench rx on xdp-veth reads 64 B packets (or, without AF_XDP here, says n/a)" \
	eval "'$bin/tunx-bench' -m rx -b xdp-veth -s 64 -d 0.5 --json 2>/dev/null |
	      python3 -c 'import json,sys; r=json.load(sys.stdin)[\"results\"][0]
if $has_af_xdp:
    assert r[\"error\"] is None and 0 < r[\"packets\"] <= r[\"gen_sent\"], r
    assert r[\"bytes\"] == 64 * r[\"packets\"], r
else:
    assert r[\"error\"].startswith(\"n/a: kernel lacks AF_XDP\"), r'"
# The goal judge on made-up runs; its cases are printed as comments.
goals_out=$("$bin/bench-goals-test" 2>&1)
goals_rc=$?
echo "$goals_out" | sed 's/^/# /'
result "tunx-bench judges its goals: ratios, kicks and wakeups per packet, n/a on 2 CPUs, memory bounds" \
	[ "$goals_rc" = 0 ]
# report.py on a made-up run: goals, verdicts and the tables come out.
python3 - "$tmp/fake.json" <<'PY'
import json, sys
def run(mode, backend, fig, size=64, batch=0, queues=1, streams=0, **kw):
    r = dict(mode=mode, backend=backend, size=size, batch=batch,
             batch_used=batch or 64, queues=queues, streams=streams,
             zero_copy=batch > 64, ring_entries=256, seconds=1, packets=1,
             bytes=1, pps=fig, bits_per_second=fig * 1e6, rtt_p50_us=0,
             rtt_p99_us=0, repeats=1, figure_min=fig, figure_max=fig,
             mem_mmap=0, mem_avail=0, mem_slab=0, mem_vmalloc=0, kicks=0,
             wakeups=0, queue_stops=0, error=None)
    r.update(kw)
    return r
res = [run("tx", "tunx", 500), run("tx", "tun", 100),
       run("rx", "tunx", 700, gen="packet", rate=0, gen_sent=700, gen_lost=0,
           rx_usecs=200, packets=1000, wakeups=10),
       run("rx", "tunx", 300, gen="packet", rate=0, gen_sent=310, gen_lost=10),
       run("rx", "tun", 100, gen="packet", rate=0, gen_sent=100, gen_lost=0),
       run("rx", "tunx", 200, gen="udp", rate=0, gen_sent=900, gen_lost=700),
       run("rx", "tun", 150, gen="udp", rate=0, gen_sent=900, gen_lost=750),
       run("rx", "tunx", 20000, gen="packet", rate=20000, cpu_us_per_packet=9.5,
           gen_us_per_packet=4.25, dev_us_per_packet=5.25,
           vcpus=[dict(cpu=0, user=1, sys=40, softirq=9, idle=50)]),
       run("tcp", "tunx", 900, size=0, streams=1),
       run("tcp", "veth", 1000, size=0, streams=1),
       run("mem", "tunx", 0, size=0, mem_mmap=1 << 20, mem_avail=1 << 21, mem_vmalloc=1 << 21),
       run("mem", "tunx", 0, size=0, ring_entries=1024, devices=1000,
           mem_offload=True, mem_mmap=1 << 20, mem_avail=1 << 20,
           mem_slab=1 << 17, mem_vmalloc=0, mem_mmap_total=1000 << 20,
           mem_avail_total=1100 << 20, mem_slab_total=125 << 20,
           mem_vmalloc_total=0, mem_fds=5, mem_open_seconds=11.04,
           mem_close_seconds=25.46),
       run("tx", "xdp-veth", 250, sink="drop"),
       run("rx", "xdp-veth", 150, gen="packet", rate=0, gen_sent=150, gen_lost=0),
       run("rx", "tunx-zc", 90, size=9000, gen="packet", rate=0),
       run("rx", "xdp-veth", 0, size=9000, gen="packet", rate=0,
           error="n/a: AF_XDP frame is one UMEM chunk")]
goals = [dict(name="tx 64 B: tunx / tun write()", target=4, measured=500,
              against=100, ratio=5, met=True, unit="packets/s"),
         dict(name="TCP: tunx tunnel / veth (no tunnel)", target=0.6,
              measured=900, against=1000, ratio=0.9, met=True, unit="Mbit/s"),
         dict(name="TCP, zero-copy goal: tunx tunnel / veth", target=0.35,
              measured=290, against=1000, ratio=0.29, met=False,
              unit="Mbit/s"),
         dict(name="rx 64 B: tunx / tun read()", target=2, measured=100,
              against=100, ratio=1, met=False, unit="packets/s"),
         dict(name="tx 64 B, batch 16: tunx kicks per packet", target=0.05,
              measured=1000, against=16000, ratio=0.0625, met=False,
              unit="kicks / packets", at_most=True, na=None),
         dict(name="2 queues / 1: tx 64 B, tunx", target=1.7, measured=900,
              against=500, ratio=1.8, met=False, unit="packets/s",
              at_most=False, na="needs a CPU per queue beside the generator's"),
         dict(name="memory per offload queue <= 1.1 MiB", target=1.1,
              measured=1.0, against=-1, ratio=1.0 / 1.1, met=True,
              unit="MiB", at_most=False, bound=True, na=None),
         dict(name="1000 devices open at once <= 1.2 GiB", target=1.2,
              measured=1125 / 1024, against=-1, ratio=1125 / 1024 / 1.2,
              met=True, unit="GiB", at_most=False, bound=True, na=None)]
doc = dict(tool="tunx-bench", date="D", kernel="K", virt="V", caveat="C",
           results=res, goals=goals)
open(sys.argv[1], "w").write("console noise\n" + json.dumps(doc) + "\nmore\n")
PY
python3 "$top/tools/bench/report.py" "$tmp/fake.json" >"$tmp/report.md" 2>&1
result "report.py prints each goal's ratio and verdict" \
	eval "grep -q '| tx 64 B: tunx / tun write() | 4.0x | 500 | 100 | 5.00x | \*\*met\*\* |' '$tmp/report.md' &&
	      grep -q '| rx 64 B: tunx / tun read() | 2.0x | 100 | 100 | 1.00x | not met |' '$tmp/report.md'"
result "report.py prints a 0.35x target whole, not rounded to 0.3x" \
	grep -Fq '| TCP, zero-copy goal: tunx tunnel / veth | 0.35x | 290 | 1000 | 0.29x | not met |' "$tmp/report.md"
result "report.py prints a per-packet goal as a bound, and n/a where a goal is not judged" \
	eval "grep -Fq '| tx 64 B, batch 16: tunx kicks per packet | at most 0.05 | 1000 | 16000 | 0.062 | not met |' '$tmp/report.md' &&
	      grep -Fq '| 2 queues / 1: tx 64 B, tunx | 1.7x | 900 | 500 | - | n/a: needs a CPU per queue beside the generator'\''s |' '$tmp/report.md'"
result "report.py prints the rx generator and equal-load tables" \
	eval "grep -Fq '| packet | 300 | 100 | 3.00 | 310 / 10 | 100 / 0 |' '$tmp/report.md' &&
	      grep -Fq '| udp | 200 | 150 | 1.33 | 900 / 700 | 900 / 750 |' '$tmp/report.md' &&
	      grep -Fq '| tunx | 64 | packet @20000/s | 20000 | 9.50 | 4.25 | 5.25 | cpu0 1/40/9/50 |' '$tmp/report.md'"
result "report.py puts a row with rx-usecs set beside the default, in no other table" \
	eval "grep -Fq '| tunx | 50 (default) | 300 | 0.000 |' '$tmp/report.md' &&
	      grep -Fq '| tunx | 200 | 700 | 0.010 |' '$tmp/report.md' &&
	      grep -Fq '| rx | tunx | packet rx-usecs 200 | 64 |' '$tmp/report.md'"
result "report.py prints the TCP and memory tables" \
	eval "grep -q '^| veth | 1 | 1 | 1000 | - | - |' '$tmp/report.md' &&
	      grep -Fq '| tunx | 4 | 256 | 1.00 MiB | 2.00 MiB | +0 KiB | +2.00 MiB | 2.00 MiB |' '$tmp/report.md'"
result "report.py prints the memory goals as bounds, and what 1000 devices held together" \
	eval "grep -Fq '| memory per offload queue <= 1.1 MiB | at most 1.10 MiB | 1.000 | - | 0.909 | **met** |' '$tmp/report.md' &&
	      grep -Fq '| 1000 devices open at once <= 1.2 GiB | at most 1.20 GiB | 1.099 | - | 0.916 | **met** |' '$tmp/report.md' &&
	      grep -Fq '| tunx | 1000 | 1024 (offload) | 1.00 MiB | 0.12 MiB | +128 KiB | +0.00 MiB | 1.00 MiB |' '$tmp/report.md' &&
	      grep -Fq '| tunx | 1000 | 1125.0 MiB | 1000.0 MiB | 1100.0 MiB | 5.0 | 11.0 | 25.5 |' '$tmp/report.md'"
result "report.py puts xdp-veth beside tunx at 64 B, and n/a where it cannot run" \
	eval "grep -Fq '| xdp-veth | 250 | 150 | - | 2.00 |' '$tmp/report.md' &&
	      grep -Fq '| 9000 | - | - | 90 | n/a | - | - |' '$tmp/report.md'"
result "tunx-bench tcp on veth measures iperf3 through two namespaces" \
	eval "'$bin/tunx-bench' -m tcp -b veth -d 1 --json 2>/dev/null |
	      python3 -c 'import json,sys; r=json.load(sys.stdin)[\"results\"][0];
assert r[\"error\"] is None and r[\"bits_per_second\"] > 0, r'"

echo "1..$n"
[ "$failed" = 0 ]
