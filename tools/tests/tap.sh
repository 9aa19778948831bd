# SPDX-License-Identifier: GPL-2.0
# Sourced by the TAP test scripts in this directory.
#   result NAME CMD...   run CMD; "ok N NAME" when it succeeds, else "not ok"
#   skip NAME WHY        "ok N NAME # SKIP WHY"
# $n counts the tests, $failed the failures; print "1..$n" at the end.
n=0
failed=0

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
}

skip() {
	n=$((n + 1))
	echo "ok $n $1 # SKIP $2"
}
