#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# What a user or a packager gets from `make install` and `make
# modules_install`, checked in throw-away directories (never the real
# root): every file in place, only tunx_* exported, a man page per public
# function and every page rendering without a warning, the README's quick
# start compiled with nothing but `pkg-config libtunx` and run, `make
# uninstall` leaving nothing behind, tunx.ko under updates/ for every
# kernel with headers, signed when asked.  TAP.
# shellcheck disable=SC2016 # eval'd checks expand when they run
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' dkms.conf)
tmp=$(mktemp -d)
trap 'if [ "$BASHPID" = "$$" ]; then rm -rf "$tmp"; fi' EXIT
dest=$tmp/dest
. "$top/tools/tests/tap.sh"
# Shows the tail of a log as TAP comments after a failed step.
show() { tail -n "${2:-15}" "$1" | sed 's/^/# /'; }
echo "TAP version 13"

make install DESTDIR="$dest" PREFIX=/usr >"$tmp/install.log" 2>&1
rc=$?
result "make install DESTDIR=... PREFIX=/usr" [ "$rc" = 0 ]
[ "$rc" = 0 ] || show "$tmp/install.log"

lib=$dest/usr/lib
man=$dest/usr/share/man
result "dkms.conf names the version ($version)" [ -n "$version" ]
result "libtunx.so.$version is installed" [ -f "$lib/libtunx.so.$version" ]
result "libtunx.so.0 -> libtunx.so.$version" \
	[ "$(readlink "$lib/libtunx.so.0")" = "libtunx.so.$version" ]
result "libtunx.so (link time) resolves to the library" \
	[ "$(readlink -f "$lib/libtunx.so")" = "$(readlink -f "$lib/libtunx.so.$version")" ]
result "the library's soname is libtunx.so.0" \
	eval 'readelf -d "$lib/libtunx.so.0" | grep -q "Library soname: \[libtunx.so.0\]"'
result "libtunx.a holds the objects" \
	eval 'ar t "$lib/libtunx.a" | grep -qx device.o'
result "header tunx/tunx.h" cmp -s include/tunx/tunx.h "$dest/usr/include/tunx/tunx.h"
result "uapi header linux/tunx.h" cmp -s include/uapi/linux/tunx.h "$dest/usr/include/linux/tunx.h"
result "libtunx.pc says prefix /usr and version $version" \
	eval 'grep -qx "prefix=/usr" "$lib/pkgconfig/libtunx.pc" &&
	      grep -qx "Version: $version" "$lib/pkgconfig/libtunx.pc"'
result "udev rule sets /dev/net/tunx to 0666" \
	grep -q '^SUBSYSTEM=="misc", KERNEL=="tunx", MODE="0666"$' \
	"$dest/usr/lib/udev/rules.d/60-tunx.rules"
result "modules-load.d loads tunx" \
	eval 'grep -v "^#" "$dest/usr/lib/modules-load.d/tunx.conf" | grep -qx tunx'
for t in tunxctl tunx-tunnel tunx-bench; do
	result "tool $t installed and answers --help" \
		eval '"$dest/usr/bin/$t" --help >/dev/null 2>&1'
done

# The ABI: only tunx_* leaves the library, each with its version node, and
# each of the version script's symbols is there.
nm -D --defined-only "$lib/libtunx.so.0" >"$tmp/nm" 2>&1
syms=$(sed -n 's/^\t\t\(tunx_[a-z0-9_]*\);$/\1/p' lib/libtunx.map)
result "nm -D shows only tunx_ symbols" \
	eval '! awk "{ print \$3 }" "$tmp/nm" | grep -v "^tunx_"'
missing=
for s in $syms; do grep -q " T $s@@tunx_" "$tmp/nm" || missing="$missing $s"; done
result "every symbol of libtunx.map is exported and versioned" [ -z "$missing" ]
[ -z "$missing" ] || echo "# missing:$missing"

# Man pages: one per public function, every page (and every .so redirect,
# resolved from the top of the man tree as man(1) does) renders cleanly.
nopage=
for s in $syms; do [ -f "$man/man3/$s.3" ] || nopage="$nopage $s"; done
result "a man page for each of the $(echo "$syms" | wc -w) public functions" [ -z "$nopage" ]
[ -z "$nopage" ] || echo "# no page:$nopage"
for p in man3/libtunx.3 man4/tunx.4 man8/tunxctl.8 man8/tunx-tunnel.8 man1/tunx-bench.1; do
	result "man page $p installed" [ -f "$man/$p" ]
done
bad=
pages=0
for f in "$man"/man*/*; do
	p=${f#"$man"/}
	pages=$((pages + 1))
	so=$(sed -n 's/^\.so //p' "$f")
	if [ -n "$so" ] && [ ! -f "$man/$so" ]; then
		bad="$bad $p(.so $so missing)"
		continue
	fi
	warn=$(cd "$man" && MANWIDTH=80 man -l --warnings=w "$p" 2>&1 >/dev/null)
	out=$(cd "$man" && MANWIDTH=80 man -l "$p" 2>/dev/null | grep -c .)
	if [ -n "$warn" ] || [ "$out" -lt 5 ]; then
		bad="$bad $p"
		printf '%s\n' "$warn" | head -5 | sed "s|^|# $p: |"
	fi
done
result "all $pages man pages render with man -l --warnings=w and no warning" [ -z "$bad" ]
[ -z "$bad" ] || echo "# bad:$bad"

# The README's quick start, compiled against the installed tree with only
# what pkg-config says, and run.
awk '/<!-- quickstart:/ { mark = 1; next }
     mark && /^```c$/ { on = 1; next }
     on && /^```$/ { exit }
     on { print }' README.md >"$tmp/quickstart.c"
lines=$(wc -l <"$tmp/quickstart.c")
result "README has a marked quick start of about 20 lines ($lines)" \
	[ "$lines" -ge 10 -a "$lines" -le 40 ]
export PKG_CONFIG_PATH=$lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$dest
flags=$(pkg-config --cflags --libs libtunx 2>"$tmp/pc.err")
result "pkg-config --cflags --libs libtunx from DESTDIR" \
	eval '[ -n "$flags" ] && [ ! -s "$tmp/pc.err" ]'
# shellcheck disable=SC2086 # flags are words
cc -std=c11 -Wall -Wextra -Werror -o "$tmp/quickstart" "$tmp/quickstart.c" \
	$flags >"$tmp/cc.log" 2>&1
rc=$?
result "quick start compiles with -std=c11 -Wall -Wextra -Werror" [ "$rc" = 0 ]
[ "$rc" = 0 ] || show "$tmp/cc.log"
unset PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR
result "quick start links libtunx.so.0 dynamically" \
	eval 'readelf -d "$tmp/quickstart" | grep -q "NEEDED.*\[libtunx.so.0\]"'
# Its own network namespace: the device it opens never touches the host's.
if [ "$(id -u)" = 0 ]; then ns="unshare -n"; else ns="unshare -rn"; fi
if $ns true 2>/dev/null; then
	LD_LIBRARY_PATH=$lib $ns "$tmp/quickstart" >"$tmp/qs.out" 2>&1
	rc=$?
	sed 's/^/# /' "$tmp/qs.out"
	if [ -c /dev/net/tunx ]; then want=tunx; else want=tun; fi
	result "quick start opens vpn0 with backend $want (AUTO) in a netns" \
		eval '[ "$rc" = 0 ] && grep -q "^vpn0: backend $want, batch [0-9]*, mtu 1420$" "$tmp/qs.out"'
	[ "$want" = tun ] && result "quick start says why tunx was not used" \
		grep -q "^why: auto: fell back to /dev/net/tun because .*tunx" "$tmp/qs.out"
else
	echo "ok $((n += 1)) quick start run # SKIP no network namespace ($ns)"
fi

make uninstall DESTDIR="$dest" PREFIX=/usr >"$tmp/uninstall.log" 2>&1
rc=$?
result "make uninstall with the same DESTDIR" [ "$rc" = 0 ]
[ "$rc" = 0 ] || show "$tmp/uninstall.log"
left=$(find "$dest" ! -type d 2>/dev/null)
result "make uninstall leaves no file behind" [ -z "$left" ]
[ -z "$left" ] || printf '%s\n' "$left" | head -10 | sed 's/^/# left: /'

# modules_install for every kernel with headers, into a throw-away
# INSTALL_MOD_PATH; once more signed with a throw-away key.
for build in /lib/modules/*/build; do
	[ -e "$build/Makefile" ] || continue
	kver=$(basename "$(dirname "$build")")
	mods=$tmp/mods-$kver
	make modules_install KDIR="$build" INSTALL_MOD_PATH="$mods" \
		>"$tmp/mi-$kver.log" 2>&1
	rc=$?
	ko=$(find "$mods/lib/modules/$kver/updates" -name 'tunx.ko*' 2>/dev/null | head -1)
	result "modules_install for $kver puts tunx.ko under updates/" [ "$rc" = 0 -a -n "$ko" ]
	[ "$rc" = 0 ] || show "$tmp/mi-$kver.log"
	[ -n "$ko" ] && result "the installed $kver module's vermagic is $kver" \
		eval 'modinfo -F vermagic "$ko" | grep -q "^$kver "'
done
kdir=$(make -s -f - <<<'include Makefile
print-kdir: ; @echo $(KDIR)' print-kdir 2>/dev/null)
if [ -n "$kdir" ] && command -v openssl >/dev/null; then
	openssl req -new -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=tunx-install-test \
		-keyout "$tmp/key.pem" -out "$tmp/cert.pem" >/dev/null 2>&1
	make modules_install KDIR="$kdir" INSTALL_MOD_PATH="$tmp/signed" \
		SIGN_KEY="$tmp/key.pem" SIGN_CERT="$tmp/cert.pem" >"$tmp/sign.log" 2>&1
	rc=$?
	ko=$(find "$tmp/signed" -name 'tunx.ko' | head -1)
	result "modules_install SIGN_KEY=... signs tunx.ko with that key" \
		eval '[ "$rc" = 0 ] && [ -n "$ko" ] && [ "$(modinfo -F signer "$ko")" = tunx-install-test ]'
	[ "$rc" = 0 ] || show "$tmp/sign.log"
fi

echo "1..$n"
echo "# install: $((n - failed)) passed, $failed failed"
[ "$failed" = 0 ]
