#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# DKMS builds tunx.ko for every installed kernel that has headers, the way a
# host's package manager would after a kernel upgrade, in a throw-away DKMS
# tree so the host's own DKMS state is untouched.  TAP.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$top/dkms.conf")
tmp=$(mktemp -d)
trap 'if [ "$BASHPID" = "$$" ]; then rm -rf "$tmp"; fi' EXIT
. "$top/tools/tests/tap.sh"
echo "TAP version 13"
command -v dkms >/dev/null || { echo "1..0 # SKIP dkms not installed"; exit 0; }

src=$tmp/src/tunx-$version
mkdir -p "$src" "$tmp/tree"
"$top/tools/dkms-source" "$src"
result "dkms.conf names version $version" [ -n "$version" ]

# BUILD_EXCLUSIVE_KERNEL admits exactly the series the README supports.
exclusive=$(sed -n 's/^BUILD_EXCLUSIVE_KERNEL="\(.*\)"$/\1/p' "$top/dkms.conf")
admits() { echo "$1" | grep -Eq "$exclusive"; }
result "dkms.conf admits 6.1, 6.12, 6.12-rt and 6.18 releases" eval \
	'admits 6.1.0-57-amd64 && admits 6.12.118+deb12-amd64 &&
	 admits 6.12.118+deb12-rt-amd64 && admits 6.18.3-amd64'
result "dkms.conf refuses 6.0, 6.19, 6.100 and 7.0 releases" eval \
	'! admits 6.0.12-amd64 && ! admits 6.19.1-amd64 && ! admits 6.100.1 &&
	 ! admits 7.0.0-1-amd64'

for build in /lib/modules/*/build; do
	[ -e "$build/Makefile" ] || continue
	kver=$(basename "$(dirname "$build")")
	log=$tmp/$kver.log
	dkms build -m tunx -v "$version" -k "$kver" --dkmstree "$tmp/tree" \
		--sourcetree "$tmp/src" >"$log" 2>&1
	rc=$?
	ko=$(find "$tmp/tree/tunx/$version/$kver" -name 'tunx.ko*' 2>/dev/null | head -1)
	result "dkms build for $kver produces tunx.ko" [ "$rc" = 0 -a -n "$ko" ]
	[ "$rc" = 0 ] || tail -20 "$log" | sed 's/^/# /'
	[ -n "$ko" ] && result "the $kver module's vermagic is $kver" \
		eval 'modinfo -F vermagic "$ko" | grep -q "^$kver "'
done
echo "1..$n"
echo "# dkms: $((n - failed)) passed, $failed failed"
[ "$failed" = 0 ]
