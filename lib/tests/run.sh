#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs CUnit test binaries: run.sh DIR BACKEND NAME...; exits 1 if any failed.
dir=$1 backend=$2
shift 2
failed=""
for t in "$@"; do
	echo "=== test_$t (backend $backend)"
	if ! TUNX_TEST_BACKEND=$backend "$dir/test_$t"; then
		failed="$failed $t"
	fi
done
if [ -n "$failed" ]; then
	echo "FAILED:$failed"
	exit 1
fi
echo "all passed: $*"
