#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tools/tests/deb.sh: the Debian packages of `make deb`, as a host admin
# gets them.  Builds them (TUNX_DEB_PREBUILT=1 takes build/deb/ as it is),
# runs lintian (no error), checks what each package holds, then installs
# them with `apt-get install ./*.deb` into a throw-away chroot made from
# check-fresh's cached bare Debian 12 root (nothing of ours in it) and there:
#   - DKMS builds and installs tunx.ko for Debian's 6.1 headers when the
#     package is installed, and for 6.12 when its headers come later (a
#     kernel upgrade), and skips a 6.19 kernel (BUILD_EXCLUSIVE_KERNEL);
#   - the README quick start builds against libtunx-dev with pkg-config
#     and runs;
#   - `apt-get purge` of the four packages leaves none of their files and
#     no tunx.ko in any kernel.
# TAP.  Needs root (chroot, mounts) and the bare root tarball that
# tools/check-fresh caches; it runs in the `fresh` suite after it.
# Not `set -e`: a failing check must print "not ok" and go on.
# shellcheck disable=SC2016 # eval'd checks expand when they run
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
. "$top/tools/tests/tap.sh"
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' dkms.conf)
packages=(tunx-dkms libtunx0 libtunx-dev tunx-tools)
out=$top/build/deb
logdir=$top/build/check-deb
mkdir -p "$logdir"
# Shows the tail of a log as TAP comments after a failed step.
show() { tail -n "${2:-15}" "$1" | sed 's/^/# /'; }
echo "TAP version 13"
t_start=$(date +%s)

if [ "$(id -u)" != 0 ]; then
	echo "deb.sh: needs root (chroot and bind mounts); run 'sudo tools/tests/deb.sh'" >&2
	exit 1
fi

# --- build -----------------------------------------------------------------
if [ "${TUNX_DEB_PREBUILT:-0}" != 1 ]; then
	t0=$(date +%s)
	nice tools/deb >"$logdir/build.log" 2>&1
	rc=$?
	result "make deb builds the packages (took $(($(date +%s) - t0)) s)" [ "$rc" = 0 ]
	[ "$rc" = 0 ] || show "$logdir/build.log"
fi
debs=()
for p in "${packages[@]}"; do
	f=$(ls "$out/${p}_${version}_"*.deb 2>/dev/null | head -1)
	[ -n "$f" ] && debs+=("$f")
done
result "build/deb/ holds the four packages, version $version" [ ${#debs[@]} = 4 ]
if [ ${#debs[@]} != 4 ]; then
	echo "# missing packages in $out; run 'make deb'"
	echo "1..$n"
	exit 1
fi
result "build/deb/ holds no other package (apt install ./build/deb/*.deb installs four)" \
	[ "$(ls "$out"/*.deb | wc -l)" = 4 ]

# --- lintian ---------------------------------------------------------------
lintian --pedantic -I "${debs[@]}" >"$logdir/lintian.log" 2>&1
sed -n '/^[EWIP]: /s/^/# lintian: /p' "$logdir/lintian.log"
result "lintian reports no error (E:)" eval '! grep -q "^E: " "$logdir/lintian.log"'

# --- contents --------------------------------------------------------------
# files PKG: the package's paths (not directories), without the leading ".".
files() { dpkg-deb -c "$out/${1}_${version}_"*.deb | awk '$1 !~ /^d/ { print $6 }' | sed 's/^\.//'; }
# holds PKG PATH...: the package holds each PATH.
holds() {
	local p=$1 f list
	shift
	# Listed once, then searched: under pipefail, "files | grep -q" fails
	# whenever grep exits on its match before sed's last write (SIGPIPE).
	list=$(files "$p")
	for f in "$@"; do
		grep -qxF "$f" <<<"$list" || { echo "# $p lacks $f"; return 1; }
	done
}
# only PKG REGEX: every path of the package matches REGEX (nothing stray,
# e.g. a dkms.conf in every package).
only() {
	local stray
	stray=$(files "$1" | grep -Ev "^($2|/usr/share/doc/$1/(changelog\.gz|copyright))$")
	[ -z "$stray" ] || { printf '%s\n' "$stray" | head -5 | sed "s|^|# stray in $1: |"; return 1; }
}
ma=/usr/lib/x86_64-linux-gnu
src=/usr/src/tunx-$version
result "tunx-dkms holds the module source and dkms.conf in $src" \
	holds tunx-dkms "$src/dkms.conf" "$src/Kbuild" "$src/kernel/main.c" \
	"$src/kernel/compat.h" "$src/include/uapi/linux/tunx.h"
result "tunx-dkms holds nothing but $src" only tunx-dkms "$src/.*"
result "tunx-dkms's dkms.conf is the tree's (BUILD_EXCLUSIVE_KERNEL and all)" \
	eval 'dpkg-deb --fsys-tarfile "$out/tunx-dkms_${version}_all.deb" |
	      tar -xOf - ".$src/dkms.conf" | cmp -s - dkms.conf'
result "tunx-dkms's postinst hands the source to DKMS" \
	eval 'dpkg-deb -I "$out/tunx-dkms_${version}_all.deb" postinst |
	      grep -q "common.postinst"'
result "libtunx0 holds libtunx.so.$version and libtunx.so.0 in $ma" \
	holds libtunx0 "$ma/libtunx.so.$version" "$ma/libtunx.so.0"
result "libtunx0 holds nothing else" only libtunx0 "$ma/libtunx\.so\.(0|$version)"
result "libtunx0 is Multi-Arch: same" \
	eval '[ "$(dpkg-deb -f "$out/libtunx0_${version}_amd64.deb" Multi-Arch)" = same ]'
result "libtunx-dev holds headers, .so link, .a, libtunx.pc, libtunx(3)" \
	holds libtunx-dev /usr/include/tunx/tunx.h /usr/include/linux/tunx.h \
	"$ma/libtunx.so" "$ma/libtunx.a" "$ma/pkgconfig/libtunx.pc" \
	/usr/share/man/man3/libtunx.3.gz
result "libtunx-dev holds every man 3 page of lib/man ($(ls lib/man/*.3 | wc -l))" \
	eval '[ "$(files libtunx-dev | grep -c "^/usr/share/man/man3/")" = "$(ls lib/man/*.3 | wc -l)" ]'
result "libtunx-dev holds nothing else" only libtunx-dev \
	"/usr/include/(tunx|linux)/tunx\.h|$ma/libtunx\.(so|a)|$ma/pkgconfig/libtunx\.pc|/usr/share/man/man3/.*\.3\.gz"
result "tunx-tools holds the tools, man 1/4/8, udev rule, modules-load.d" \
	holds tunx-tools /usr/bin/tunxctl /usr/bin/tunx-tunnel /usr/bin/tunx-bench \
	/usr/share/man/man1/tunx-bench.1.gz /usr/share/man/man4/tunx.4.gz \
	/usr/share/man/man8/tunxctl.8.gz /usr/share/man/man8/tunx-tunnel.8.gz \
	/usr/lib/udev/rules.d/60-tunx.rules /usr/lib/modules-load.d/tunx.conf
result "tunx-tools holds nothing else" only tunx-tools \
	"/usr/bin/tunx(ctl|-tunnel|-bench)|/usr/share/man/man[148]/tunx[a-z-]*\.[148]\.gz|/usr/lib/udev/rules\.d/60-tunx\.rules|/usr/lib/modules-load\.d/tunx\.conf"

# --- the chroot ------------------------------------------------------------
tarball=$(ls -t /var/cache/tunx/bare-bookworm-*.tar 2>/dev/null | grep -v '\.part\.tar$' | head -1)
if [ -z "$tarball" ]; then
	echo "# no bare root tarball in /var/cache/tunx; run 'sudo tools/check-fresh' (it makes and caches one)"
	result "a cached bare Debian 12 root is there" false
	echo "1..$n"
	exit 1
fi
root=$(mktemp -d /var/tmp/tunx-deb.XXXXXX)
mounted=()
# Unmount everything, newest first, then remove the root: also on failure.
cleanup() {
	local m
	for m in "${mounted[@]}"; do
		umount -R "$m" 2>/dev/null || umount -lR "$m" 2>/dev/null
	done
	if [ "${TUNX_DEB_KEEP:-0}" = 1 ]; then
		echo "# kept: $root"
	elif ! findmnt -rn -o TARGET | grep -q "^$root"; then
		rm -rf --one-file-system "$root"
	else
		echo "# $root still has mounts; not removed: umount -R $root/*"
	fi
}
trap 'if [ "$BASHPID" = "$$" ]; then cleanup; fi' EXIT
bind() {
	mkdir -p "$root$1"
	mount --rbind "$1" "$root$1" && mount --make-rslave "$root$1" &&
		mounted=("$root$1" "${mounted[@]}")
}
# in_root CMD: run CMD in the chroot as a new login would.  INITRD=No:
# no initramfs for the kernel the upgrade step installs (minutes, and
# nothing here boots it), as tools/deps does.
in_root() {
	env -i HOME=/root TERM=dumb LANG=C.UTF-8 PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		DEBIAN_FRONTEND=noninteractive INITRD=No chroot "$root" /bin/bash -c "$1"
}

t0=$(date +%s)
tar -C "$root" -xf "$tarball"
rc=$?
result "the bare root $(basename "$tarball") unpacks (took $(($(date +%s) - t0)) s)" [ "$rc" = 0 ]
mount --bind "$root" "$root" && mounted=("$root")
# The host's apt cache: the kernel headers and compilers come from there.
for m in /proc /sys /dev /var/cache/apt/archives; do
	bind "$m"
done
mkdir -p "$root/tmp/debs"
cp "${debs[@]}" "$root/tmp/debs/"

# Debian's 6.1 headers first (the metapackage tools/deps installs), so
# the package's own postinst is what builds the module.
t0=$(date +%s)
in_root 'apt-get update -qq && apt-get install -y -q --no-install-recommends linux-headers-amd64 pkg-config' \
	>"$logdir/headers.log" 2>&1
rc=$?
result "apt-get installs linux-headers-amd64 in the root (took $(($(date +%s) - t0)) s)" [ "$rc" = 0 ]
[ "$rc" = 0 ] || show "$logdir/headers.log"
k61=$(ls "$root/lib/modules" 2>/dev/null | grep '^6\.1\.' | sort -V | tail -1)
result "the root has 6.1 headers ($k61)" [ -n "$k61" -a -e "$root/lib/modules/$k61/build/Makefile" ]

t0=$(date +%s)
in_root 'apt-get install -y -q --no-install-recommends /tmp/debs/*.deb' >"$logdir/install.log" 2>&1
rc=$?
sed -n '/^Building for\|^Building initial\|^Done\|^Skipped\|[Ee]rror/s/^/# /p' "$logdir/install.log"
result "apt-get install ./*.deb installs the four packages (took $(($(date +%s) - t0)) s)" [ "$rc" = 0 ]
[ "$rc" = 0 ] || show "$logdir/install.log" 30

in_root "dkms status tunx/$version" >"$logdir/status.log" 2>&1
sed 's/^/# dkms status: /' "$logdir/status.log"
result "dkms status: tunx/$version installed for $k61" \
	grep -q "^tunx/$version, $k61, x86_64: installed" "$logdir/status.log"
ko=$(find "$root/lib/modules/$k61" -name 'tunx.ko*' 2>/dev/null | head -1)
result "tunx.ko for $k61 is under /lib/modules/$k61/updates/dkms" \
	eval '[ -n "$ko" ] && case "$ko" in */updates/dkms/*) true ;; *) false ;; esac'
result "its vermagic is $k61" eval '[ -n "$ko" ] && modinfo -F vermagic "$ko" | grep -q "^$k61 "'

# A kernel upgrade: a new kernel and its headers arrive after the package
# (Debian's 6.12 headers pull in the image); DKMS's kernel hook must build
# tunx for them without being asked.
t0=$(date +%s)
in_root 'apt-get install -y -q --no-install-recommends linux-headers-6.12-amd64' \
	>"$logdir/upgrade.log" 2>&1
rc=$?
k612=$(ls "$root/lib/modules" 2>/dev/null | grep '^6\.12\.' | grep -v -- -rt- | sort -V | tail -1)
in_root "dkms status tunx/$version" >"$logdir/status.log" 2>&1
result "new 6.12 headers ($k612): DKMS builds and installs tunx for them (took $(($(date +%s) - t0)) s)" \
	eval '[ "$rc" = 0 ] && [ -n "$k612" ] &&
	      grep -q "^tunx/$version, $k612, x86_64: installed" "$logdir/status.log"'
[ "$rc" = 0 ] || show "$logdir/upgrade.log"

# A kernel outside BUILD_EXCLUSIVE_KERNEL (6.19, faked with the 6.1
# headers under its name), through the hook a kernel package's postinst
# runs (with run-parts --exit-on-error): no module for it, and the hook
# must not fail, or the kernel upgrade fails with tunx-dkms installed.
fake=6.19.0-1-amd64
mkdir -p "$root/lib/modules/$fake"
ln -s "/usr/src/linux-headers-$k61" "$root/lib/modules/$fake/build"
in_root "/etc/kernel/postinst.d/dkms $fake" >"$logdir/exclusive.log" 2>&1
rc=$?
result "a $fake kernel: DKMS builds no tunx for it (BUILD_EXCLUSIVE_KERNEL)" \
	eval '[ -z "$(find "$root/lib/modules/$fake" -name "tunx.ko*")" ] &&
	      ! in_root "dkms status tunx/$version -k $fake" | grep -q installed'
result "a $fake kernel: /etc/kernel/postinst.d/dkms succeeds (the upgrade goes on)" [ "$rc" = 0 ]
[ "$rc" = 0 ] || show "$logdir/exclusive.log" 6
rm -rf "$root/lib/modules/$fake"

# The README quick start against the installed libtunx-dev, with nothing
# but pkg-config.
awk '/<!-- quickstart:/ { mark = 1; next }
     mark && /^```c$/ { on = 1; next }
     on && /^```$/ { exit }
     on { print }' README.md >"$root/tmp/quickstart.c"
in_root 'cd /tmp && cc -std=c11 -Wall -Wextra -Werror -o quickstart quickstart.c $(pkg-config --cflags --libs libtunx)' \
	>"$logdir/quickstart.log" 2>&1
rc=$?
result "README quick start compiles against libtunx-dev via pkg-config" [ "$rc" = 0 -a -s "$root/tmp/quickstart.c" ]
[ "$rc" = 0 ] || show "$logdir/quickstart.log"
# ldd's output goes to a file first: piped into grep -q, ld.so's later
# lines hit a closed pipe and pipefail failed the check now and then.
in_root "ldd /tmp/quickstart" >"$logdir/ldd.log" 2>&1
ldd_re="libtunx.so.0 => (/usr)?/lib/x86_64-linux-gnu/libtunx.so.0 "
result "it loads libtunx.so.0 from the multiarch directory (ldd)" grep -Eq "$ldd_re" "$logdir/ldd.log"
grep -Eq "$ldd_re" "$logdir/ldd.log" || show "$logdir/ldd.log"
if [ -c /dev/net/tun ] && unshare -n true 2>/dev/null; then
	in_root 'unshare -n /tmp/quickstart' >"$logdir/qs.out" 2>&1
	rc=$?
	sed 's/^/# /' "$logdir/qs.out"
	result "it runs: opens vpn0 in a netns" \
		eval '[ "$rc" = 0 ] && grep -q "^vpn0: backend [a-z]*, batch [0-9]*, mtu 1420$" "$logdir/qs.out"'
else
	skip "quick start run" "no /dev/net/tun or network namespace here"
fi
result "tunxctl from tunx-tools runs (--help)" in_root 'tunxctl --help >/dev/null'
# tunx-bench links liburing: the package's shlibs must have brought it.
result "tunx-bench from tunx-tools runs (--help; liburing2 came with it)" \
	in_root 'tunx-bench --help >/dev/null'

# --- purge -----------------------------------------------------------------
# Every path the packages installed (not directories: dpkg keeps shared ones).
in_root "dpkg -L ${packages[*]}" 2>/dev/null | sort -u >"$logdir/installed"
nfiles=$(while read -r f; do [ -d "$root$f" ] || echo "$f"; done <"$logdir/installed" | tee "$logdir/files" | wc -l)
result "the packages installed files ($nfiles)" [ "$nfiles" -gt 50 ]
t0=$(date +%s)
in_root "apt-get purge -y -q ${packages[*]}" >"$logdir/purge.log" 2>&1
rc=$?
result "apt-get purge of the four packages (took $(($(date +%s) - t0)) s)" [ "$rc" = 0 ]
[ "$rc" = 0 ] || show "$logdir/purge.log"
left=$(while read -r f; do [ -e "$root$f" ] || [ -L "$root$f" ] && echo "$f"; done <"$logdir/files")
result "purge leaves none of their $nfiles files" [ -z "$left" ]
[ -z "$left" ] || printf '%s\n' "$left" | head -10 | sed 's/^/# left: /'
kos=$(find "$root/lib/modules" -name 'tunx.ko*' 2>/dev/null)
result "purge removes tunx.ko from every kernel ($(ls "$root/lib/modules" | tr '\n' ' '))" [ -z "$kos" ]
[ -z "$kos" ] || printf '%s\n' "$kos" | sed "s|^$root|# left: |"
result "purge leaves no DKMS state or source (/var/lib/dkms/tunx, $src)" \
	eval '[ ! -e "$root/var/lib/dkms/tunx" ] && [ ! -e "$root$src" ]'

echo "1..$n"
echo "# deb: $((n - failed)) passed, $failed failed in $(($(date +%s) - t_start)) s"
[ "$failed" = 0 ]
