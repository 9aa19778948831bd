#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run inside the VM on a kernel with KUnit: load tunx_kunit.ko, which runs
# its suites at load, and turn the KTAP they printed into flat TAP lines
# ("ok N suite.case").  Exit non-zero on any failed case or when no case ran.
# kunit.sh --parse FILE only converts a saved log (the host tests use it).
set -u

# flatten: KTAP on stdin (6.1 layout: suites and cases indented by four).
flatten() {
	awk '
/^    # Subtest: / { suite = $3; next }
/^    (not )?ok [0-9]+ / {
	status = ($1 == "not") ? "not ok" : "ok"
	sub(/^    (not )?ok [0-9]+ (- )?/, "")
	n++
	if (status == "not ok") failed++
	printf "%s %d %s.%s\n", status, n, suite, $0
	next
}
/^        # / || /^    # [a-z_]+: (EXPECTATION|ASSERTION)/ || /Expected|expected/ { print "# " $0 }
END {
	printf "1..%d\n", n
	printf "# kunit: %d passed, %d failed\n", n - failed, failed
	exit (n == 0 || failed > 0)
}'
}

if [ "${1:-}" = --parse ]; then
	flatten <"${2:?--parse needs a file}"
	exit
fi

ko=${TUNX_MODDIR:?run through tools/vm/run}/tunx_kunit.ko
[ -e "$ko" ] || { echo "kunit: $ko missing (kernel without CONFIG_KUNIT?)"; exit 1; }
before=$(dmesg | wc -l)
insmod "$ko" || { echo "kunit: insmod $ko failed"; exit 1; }
rmmod tunx_kunit
dmesg | tail -n +"$((before + 1))" | sed 's/^\[[ 0-9.]*\] //' | flatten
