#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The first hour of a host admin and a VPN author, in the VM (TAP): the
# README's commands top to bottom, as a newcomer types them, with the
# names of its examples (vpn0, 192.168.1.1:51820, 10.0.0.1/24) inside two
# namespaces made here.  It starts without the module, makes the device
# for an unprivileged VPN, runs the tunnel as that user, looks at it with
# tunxctl show, sends ping and iperf3 through it, puts nftables rules and
# qdiscs on it, raises its MTU, renames it, moves it between namespaces
# and deletes it.  Where a tool refuses, the walk does what the message
# says (the commands between backquotes, as root) and tries again: a
# message that names no command to run fails the test, and so does one
# whose command does not fix what it reported.  What tools-vm.sh asserts
# about each message's wording is not repeated here.
#
# Run inside tools/vm/run, which loads tunx.ko (TUNX_KO); build on the
# host first.  The unprivileged user is nobody (uid 65534).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tools/tests/tap.sh"
export PATH=$top/build/tools:$PATH	# tunxctl, tunx-tunnel as if installed
tmp=$(mktemp -d)
chmod 755 "$tmp"
nsa=tunx-fh-a nsb=tunx-fh-b
user=nobody uid=65534
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
	wait 2>/dev/null
	ip netns del "$nsa" 2>/dev/null
	ip netns del "$nsb" 2>/dev/null
	for d in vpn0 vpn1; do ip link del "$d" 2>/dev/null; done
	[ -c /dev/net/tunx ] || insmod "$TUNX_KO" 2>/dev/null
	rm -rf "$tmp"
}
trap 'if [ "$BASHPID" = "$$" ]; then cleanup; fi' EXIT
echo "TAP version 13"
[ -n "${TUNX_KO:-}" ] || { echo "1..0 # SKIP TUNX_KO not set: run in tools/vm/run"; exit 0; }
t0=$SECONDS

# The README's commands start with sudo; this script is root already.
sudo() { "$@"; }
# as_user CMD...: CMD as the unprivileged user, in the current namespace.
as_user() { setpriv --reuid=$uid --regid=$uid --clear-groups "$@"; }
ns_user() { local ns=$1; shift; ip netns exec "$ns" setpriv --reuid=$uid --regid=$uid --clear-groups "$@"; }

# Every message: a line that starts at column 0 on stderr, with the
# indented lines under it.  Each must name a command to run: between
# backquotes, or after "(" or ";" as in "(no /dev/net/tunx; modprobe tunx)".
cmd_re='`(sudo )?(tunxctl|tunx-tunnel|modprobe|insmod|ip|fuser|mknod|dkms|make|udevadm|setcap|nft|tc) [^`]*`|[(;] *(sudo )?(modprobe|insmod|ip|tunxctl) [a-z]'
# says_what_to_do FILE: every message in FILE names a command; prints the
# ones that do not.  Every stderr of the walk also lands in $tmp/all.
says_what_to_do() {
	[ "$1" = "$tmp/all" ] || cat "$1" >>"$tmp/all"
	awk -v re="$cmd_re" '
	function end() { if (blk != "" && !ok) { print "# no command to run in: " blk; bad = 1 } }
	/^[^ \t]/ { end(); blk = $0; ok = $0 ~ re; next }
	/^[ \t]/ && blk != "" { blk = blk " / " $0; if ($0 ~ re) ok = 1 }
	END { end(); exit bad }' "$1"
}
# commands FILE: the commands FILE's messages give, one a line, sudo off.
commands() { grep -o '`[^`]*`' "$1" | tr -d '`' | sed 's/^sudo //'; }
show_err() { sed 's/^/# /' "$1"; }
mark() { echo "# --- $* (at $((SECONDS - t0)) s)"; }

# fails_saying_what_to_do NAME CMD...: CMD fails, and its message says
# what to do.  Its stderr stays in $tmp/err.
fails_saying_what_to_do() {
	local name=$1; shift
	"$@" >"$tmp/out" 2>"$tmp/err"
	local r=$?
	show_err "$tmp/err"
	result "$name: fails (status $r)" [ "$r" != 0 ]
	result "$name: the message says what to do" says_what_to_do "$tmp/err"
}

modprobe -q veth 2>/dev/null	# no kmod helper in the VM
ip link set lo up

# --- Use: "Load the module" --------------------------------------------
mark "Use: Load the module"
# A host where tunx is installed but not loaded yet.
rmmod tunx
result "start without the module (rmmod tunx)" eval "[ ! -e /dev/net/tunx ]"
fails_saying_what_to_do "tunxctl add vpn0 --owner ... --mtu 1420 without the module" \
	sudo tunxctl add vpn0 --owner "$user" --mtu 1420
cp "$tmp/err" "$tmp/noload"
fails_saying_what_to_do "tunxctl show without the module" tunxctl show
fails_saying_what_to_do "tunx-tunnel -b tunx without the module" \
	tunx-tunnel -b tunx -l 127.0.0.1:51820 -p 127.0.0.2:51820
# The README's command; in the VM nothing is installed under
# /lib/modules (the host's root is read-only here), so it may fail with
# "Module tunx not found", which README's Troubleshooting explains.  Then
# the other command tunxctl gave: insmod from the build tree.
if sudo modprobe tunx 2>"$tmp/err"; then
	result "sudo modprobe tunx loads the module" test -c /dev/net/tunx
else
	show_err "$tmp/err"
	result "sudo modprobe tunx: the failure is one Troubleshooting explains" \
		grep -q 'Module tunx not found' "$tmp/err"
	ins=$(commands "$tmp/noload" | grep '^insmod ' | head -1)
	ko=${ins#insmod }
	echo "# following tunxctl: $ins"
	if [ "${TUNX_VM_KERNEL:-}" = debug ] && [ ! -e "$top/$ko" ]; then
		# The runner keeps the debug kernel's module in
		# build/module/debug/, not under its release.
		echo "# debug kernel: its module is $TUNX_KO"
		ins="insmod $TUNX_KO"
	fi
	result "tunxctl's insmod line loads the module ($ins)" \
		eval "(cd '$top' && $ins) && test -c /dev/net/tunx"
fi

# --- Use: "make a device for an unprivileged VPN" ----------------------
mark "Use: make a device for an unprivileged VPN"
# First hour mistake: the admin works in a root shell, where $USER is
# root, so the README's --owner "$USER" gives the device to root.
USER=root
result "sudo tunxctl add vpn0 --owner \"\$USER\" --mtu 1420 prints vpn0" \
	eval "[ \"\$(sudo tunxctl add vpn0 --owner \"\$USER\" --mtu 1420)\" = vpn0 ]"
as_user tunxctl show vpn0 >"$tmp/show" 2>"$tmp/err"
result "tunxctl show vpn0, unprivileged" eval "says_what_to_do '$tmp/err' &&
	grep -q '^vpn0: tunx' '$tmp/show' && grep -q 'mtu 1420' '$tmp/show'"
show_err "$tmp/show"

# Two hosts, as tunx-tunnel(8)'s example: host1 (192.168.1.1) in $nsa,
# where the admin moves vpn0, host2 (192.168.1.2) in $nsb, joined by a
# veth.
ip netns add "$nsa" && ip netns add "$nsb" &&
ip link add fh-u0 netns "$nsa" type veth peer name fh-u1 netns "$nsb" &&
ip -n "$nsa" addr add 192.168.1.1/24 dev fh-u0 &&
ip -n "$nsb" addr add 192.168.1.2/24 dev fh-u1 &&
ip -n "$nsa" link set fh-u0 up && ip -n "$nsb" link set fh-u1 up &&
ip -n "$nsa" link set lo up && ip -n "$nsb" link set lo up
result "two namespaces joined by a veth (192.168.1.1, 192.168.1.2)" [ $? = 0 ]
result "ip link set vpn0 netns (into host1's namespace)" \
	eval "ip link set vpn0 netns '$nsa' && ip -n '$nsa' link show vpn0 >/dev/null"

# host2: root runs the tunnel on a device of its own (backend auto).
ip netns exec "$nsb" tunx-tunnel -l 192.168.1.2:51820 -p 192.168.1.1:51820 \
	-a 10.0.0.2/24 >"$tmp/b.out" 2>"$tmp/b.err" &
pb=$!; pids+=("$pb")

# host1: the VPN author, unprivileged, on vpn0.  start_user: one try;
# succeeds when the tunnel runs (pid in $pa), else its stderr says why.
start_user() {
	# Not through ns_user: $! must be the tunnel (ip netns exec and
	# setpriv exec it), so that SIGTERM reaches it.
	ip netns exec "$nsa" setpriv --reuid=$uid --regid=$uid --clear-groups \
		tunx-tunnel -b tunx -n "$1" -l 192.168.1.1:51820 \
		-p 192.168.1.2:51820 -a 10.0.0.1/24 >"$tmp/a.out" 2>"$tmp/a.err" &
	pa=$!
	for _ in $(seq 100); do
		grep -q 'backend tunx' "$tmp/a.out" && return 0
		kill -0 "$pa" 2>/dev/null || break
		sleep 0.1
	done
	wait "$pa"
	return 1
}
# follow FILE: run each command of FILE as root in host1's namespace, as
# the message said; each must work (and its own messages say what to do).
follow() {
	local c
	while read -r c; do
		ip netns exec "$nsa" bash -c "$c" >/dev/null 2>"$tmp/ferr"
		local r=$?
		show_err "$tmp/ferr"
		result "did what it said, as root: $c" \
			eval "[ $r = 0 ] && says_what_to_do '$tmp/ferr'"
	done <"$1"
}
# Try; when it refuses, do what it says and try again (four times at most).
tries=0 followed=0 ran=0
while [ $tries -lt 4 ]; do
	tries=$((tries + 1))
	if start_user vpn0; then ran=1; pids+=("$pa"); break; fi
	echo "# try $tries, as $user:"
	show_err "$tmp/a.err"
	result "tunx-tunnel as $user, try $tries: the refusal says what to do" \
		says_what_to_do "$tmp/a.err"
	commands "$tmp/a.err" >"$tmp/todo"
	[ -s "$tmp/todo" ] || break
	follow "$tmp/todo"
	followed=$((followed + $(wc -l <"$tmp/todo")))
done
result "tunx-tunnel runs as $user on vpn0 after doing what its messages said ($followed commands)" \
	[ "$ran" = 1 ]
[ "$ran" = 1 ] || { show_err "$tmp/a.err"; echo "Bail out! no tunnel"; exit 1; }
# Running, it reports what only root may change (MTU 1420 kept, a link
# that is down); do that too.
for _ in $(seq 20); do ip -n "$nsb" link show tunx0 2>/dev/null | grep -q ',UP' && break; sleep 0.1; done
show_err "$tmp/a.err"
result "the running tunnel's warnings say what to do" says_what_to_do "$tmp/a.err"
commands "$tmp/a.err" >"$tmp/todo"
follow "$tmp/todo"
result "host2's tunnel (root, backend auto) runs on tunx" grep -q 'backend tunx' "$tmp/b.out"
for _ in $(seq 30); do ip -n "$nsa" link show vpn0 | grep -q ',UP' && break; sleep 0.1; done

# --- Use: tunxctl show; the traffic ------------------------------------
mark "Use: tunxctl show; the traffic"
ping_a() { ip netns exec "$nsa" ping -c 3 -i 0.2 -W 2 -q "$@" 10.0.0.2 >/dev/null; }
result "ping 10.0.0.2 through vpn0" ping_a
result "ping with 1472-byte packets (MTU raised as the tunnel said, DF set)" \
	eval "[ \"\$(ip netns exec '$nsa' cat /sys/class/net/vpn0/mtu)\" = 1472 ] &&
	      ping_a -s 1444 -M do"
result "iperf3 through vpn0" \
	eval "iperf_server '$nsb' 10.0.0.2 &&
	      ip netns exec '$nsa' iperf3 -c 10.0.0.2 -t 2 >/dev/null 2>&1"
ns_user "$nsa" tunxctl show >"$tmp/show" 2>"$tmp/err"
show_err "$tmp/show"
result "tunxctl show, unprivileged: vpn0 owned by $user, one queue, counters moving" \
	eval "says_what_to_do '$tmp/err' &&
	      grep -q 'owner $uid' '$tmp/show' && grep -Eq 'tx_packets [1-9]' '$tmp/show' &&
	      grep -Eq 'rx_packets [1-9]' '$tmp/show'"

# --- nftables and tc on the device -------------------------------------
mark "nftables and tc on the device"
modprobe -q nf_tables 2>/dev/null
if ! command -v nft >/dev/null; then
	skip "nftables counts and drops on iifname/oifname vpn0" "no nft here (make deps installs nftables)"
elif ! ip netns exec "$nsa" nft list tables >/dev/null 2>&1; then
	skip "nftables counts and drops on iifname/oifname vpn0" "this kernel has no nf_tables"
else
	ip netns exec "$nsa" nft -f - <<-'NFT'
	table inet fh {
		chain in { type filter hook input priority 0; iifname "vpn0" counter; }
		chain out { type filter hook output priority 0; oifname "vpn0" counter; }
	}
	NFT
	ping_a
	ip netns exec "$nsa" nft list table inet fh >"$tmp/nft"
	show_err "$tmp/nft"
	result "nftables counts on iifname and oifname vpn0" \
		eval "[ \$(grep -Ec 'counter packets [1-9]' '$tmp/nft') = 2 ]"
	ip netns exec "$nsa" nft add rule inet fh out oifname vpn0 drop
	result "nftables drops on oifname vpn0" eval "! ping_a"
	ip netns exec "$nsa" nft delete table inet fh
	result "ping again with the table gone" ping_a
fi
modprobe -q sch_fq_codel 2>/dev/null; modprobe -q sch_tbf 2>/dev/null
for q in "fq_codel" "tbf rate 20mbit burst 32kbit latency 50ms"; do
	if ! ip netns exec "$nsa" tc qdisc replace dev vpn0 root $q 2>"$tmp/err"; then
		if grep -qi 'unknown\|not found\|No such file' "$tmp/err"; then
			skip "tc qdisc $q on vpn0" "this kernel has no ${q%% *}"
			continue
		fi
		show_err "$tmp/err"
	fi
	ping_a
	ip netns exec "$nsa" tc -s qdisc show dev vpn0 >"$tmp/tc"
	show_err "$tmp/tc"
	result "tc qdisc ${q%% *} on vpn0 carries the ping" \
		eval "grep -q '^qdisc ${q%% *}' '$tmp/tc' && grep -Eq 'Sent [1-9][0-9]* bytes [1-9]' '$tmp/tc'"
done
ip netns exec "$nsa" tc qdisc del dev vpn0 root 2>/dev/null

# --- rename and move under the running tunnel --------------------------
mark "rename and move under the running tunnel"
ip -n "$nsa" link set vpn0 down && ip -n "$nsa" link set vpn0 name vpn1 &&
	ip -n "$nsa" link set vpn1 up
result "rename vpn0 to vpn1 under the running tunnel" [ $? = 0 ]
result "ping through vpn1" ping_a
ns_user "$nsa" tunxctl show vpn1 >"$tmp/show" 2>"$tmp/err"
result "tunxctl show vpn1 follows the rename" \
	eval "says_what_to_do '$tmp/err' && grep -q '^vpn1: tunx' '$tmp/show'"
result "ip link set vpn1 netns (back to the first namespace), the tunnel still holding it" \
	eval "ip -n '$nsa' link set vpn1 netns 1 && ip link show vpn1 >/dev/null &&
	      [ \"\$(cat /sys/class/net/vpn1/tunx_queues)\" = 1 ]"
kill -0 "$pa" 2>/dev/null || echo "# $user's tunnel is gone already"
kill -TERM "$pa"; wait "$pa"; ra=$?
echo "# $user's tunnel: status $ra"
sed 's/^/# /' "$tmp/a.out"
result "SIGTERM stops $user's tunnel with status 0" [ "$ra" = 0 ]
result "... and what it printed on stderr says what to do" says_what_to_do "$tmp/a.err"

# --- Tools: tunxctl del ------------------------------------------------
mark "Tools: tunxctl del"
result "sudo tunxctl del vpn1" eval "sudo tunxctl del vpn1 && ! ip link show vpn1 2>/dev/null"
fails_saying_what_to_do "tunxctl del vpn1 again" sudo tunxctl del vpn1
kill -TERM "$pb"; wait "$pb"; rb=$?
result "host2's tunnel stops with status 0" [ "$rb" = 0 ]
result "... and what it printed on stderr says what to do" says_what_to_do "$tmp/b.err"

touch "$tmp/all"
result "every message of the first hour said what to do ($(grep -c '^[^ ]' "$tmp/all") messages)" \
	says_what_to_do "$tmp/all"
echo "# first hour in $((SECONDS - t0)) s"
echo "1..$n"
[ "$failed" = 0 ]
