# SPDX-License-Identifier: GPL-2.0
# Sourced by the TAP test scripts in this directory.
#   result NAME CMD...   run CMD; "ok N NAME" when it succeeds, else "not ok"
#   skip NAME WHY        "ok N NAME # SKIP WHY"
#   iperf_server NS ADDR  start a one-shot iperf3 server in NS on ADDR and
#                        wait until it listens (iperf3 -D returns first)
# $n counts the tests, $failed the failures; print "1..$n" at the end.
# A test that took 3 s or more (counted from the previous one, so its
# setup is included) says so: where a suite's time goes.
n=0
failed=0
tap_t0=$SECONDS

tap_took() {
	local took=$((SECONDS - tap_t0))

	tap_t0=$SECONDS
	[ "$took" -lt 3 ] || echo "# test $n took $took s"
}

result() {
	local name=$1
	shift
	n=$((n + 1))
	if "$@"; then
		echo "ok $n $name"
	else
		echo "not ok $n $name"
		failed=$((failed + 1))
	fi
	tap_took
}

skip() {
	n=$((n + 1))
	echo "ok $n $1 # SKIP $2"
	tap_took
}

iperf_server() {
	local ns=$1 addr=$2 i

	ip netns exec "$ns" iperf3 -s -1 -D -B "$addr" >/dev/null 2>&1 || return
	# A fixed pause was too short for a loaded machine: wait for the socket.
	for i in $(seq 300); do
		ip netns exec "$ns" ss -ltnH "src $addr:5201" | grep -q . && return 0
		sleep 0.1
	done
	echo "# iperf3 -s in $ns did not listen on $addr:5201 in 30 s"
	return 1
}
