#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# echo.sh BACKEND...: libtunx's echo example (read a batch, swap addresses,
# write it back) must answer ping and ping6 through the library on each
# backend named (tun on the host, tunx in the VM).  Each run gets its own
# network namespace; no packet leaves it.  TAP.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
echo_bin=$top/build/lib/examples/tunx-echo
. "$top/tools/tests/tap.sh"
echo "TAP version 13"
[ -x "$echo_bin" ] || { echo "not ok 1 $echo_bin is built"; echo "1..1"; exit 1; }

for backend in "$@"; do
	ns=tunx-echo-test-$$-$backend
	ip netns add "$ns" || exit 1
	log=$(mktemp)
	ip netns exec "$ns" "$echo_bin" -b "$backend" -n "e$backend" \
		-a 10.98.0.1/24 >"$log" 2>&1 &
	pid=$!
	for _ in $(seq 100); do
		ip -n "$ns" link show "e$backend" 2>/dev/null | grep -q ',UP' && break
		sleep 0.1
	done
	ip -n "$ns" addr add fd98::1/64 dev "e$backend" nodad 2>/dev/null
	v4=$(ip netns exec "$ns" ping -c 3 -i 0.2 -W 3 10.98.0.2 2>&1)
	v6=$(ip netns exec "$ns" ping -6 -c 3 -i 0.2 -W 3 fd98::2 2>&1)
	kill -TERM "$pid" 2>/dev/null
	wait "$pid"
	rc=$?
	result "tunx-echo opened backend $backend" grep -q "backend $backend" "$log"
	result "ping through tunx-echo on $backend: 3 of 3 answered" \
		eval 'echo "$v4" | grep -q " 3 received"'
	result "ping6 through tunx-echo on $backend: 3 of 3 answered" \
		eval 'echo "$v6" | grep -q " 3 received"'
	result "tunx-echo on $backend stops cleanly on SIGTERM and counts" \
		eval '[ "$rc" = 0 ] && grep -q "packets echoed" "$log"'
	[ "$failed" = 0 ] || sed 's/^/# /' "$log"
	rm -f "$log"
	ip netns del "$ns"
done
echo "1..$n"
echo "# echo: $((n - failed)) passed, $failed failed"
[ "$failed" = 0 ]
