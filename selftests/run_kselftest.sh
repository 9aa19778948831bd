#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# run_kselftest.sh PROG...: run each tunx test program from this directory
# and report TAP 13 the way kselftest's runner does: the program's own output
# indented as "# " diagnostics, then "ok N selftests: tunx: NAME", with
# "# SKIP" for exit code 4.  Exits 1 if any program failed.  Writes nothing.

cd "$(dirname "$0")" || exit 1
timeout=${TUNX_TEST_TIMEOUT:-1800}
skip_rc=4
n=0
failed=0

echo "TAP version 13"
echo "1..$#"
for prog in "$@"; do
	n=$((n + 1))
	echo "# selftests: tunx: $prog"
	if [ ! -x "./$prog" ]; then
		echo "# $prog: not built (run 'make -C selftests' first)"
		echo "not ok $n selftests: tunx: $prog"
		failed=1
		continue
	fi
	t0=$SECONDS
	# Unbuffered pipe through sed keeps the order of stdout and stderr.
	timeout --kill-after=30 "$timeout" "./$prog" 2>&1 | sed -u 's/^/# /'
	rc=${PIPESTATUS[0]}
	# How long each took: what `make check`'s time is spent on.
	echo "# $prog: took $((SECONDS - t0)) s"
	if [ "$rc" -eq 0 ]; then
		echo "ok $n selftests: tunx: $prog"
	elif [ "$rc" -eq "$skip_rc" ]; then
		echo "ok $n selftests: tunx: $prog # SKIP"
	else
		[ "$rc" -eq 124 ] && echo "# $prog: timed out after ${timeout}s"
		echo "not ok $n selftests: tunx: $prog # exit=$rc"
		failed=1
	fi
done
exit $failed
