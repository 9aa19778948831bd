# SPDX-License-Identifier: GPL-2.0
# Sourced by the VM scripts: map a kernel name (6.1, 6.12, 6.12-rt, debug,
# kcsan) to what booting it and building for it need.  Sets vm_kver (the
# release, or "debug"/"kcsan": the two debug kernels built here from
# tools/vm/*.config), vm_image (bzImage/vmlinuz), vm_kdir (build tree for
# modules).

# The kernel names the VM suites know, in make check's order.
vm_kernel_names="6.1 6.12 6.12-rt debug kcsan"

# vm_debian_kernel SERIES FLAVOUR: the newest installed Debian kernel of a
# series and flavour (amd64 or rt-amd64) that has image and headers.
vm_debian_kernel() {
	local series=$1 flavour=$2 img rel
	vm_kver=
	for img in $(ls -1 /boot/vmlinuz-"$series".*-"$flavour" 2>/dev/null | sort -V); do
		rel=${img#/boot/vmlinuz-}
		# 6.1 must not match 6.10..6.19; amd64 must not match rt-amd64
		case "$series:$rel" in 6.1:6.1[0-9]*) continue ;; esac
		case "$flavour:$rel" in amd64:*-rt-amd64) continue ;; esac
		[ -e "/lib/modules/$rel/build/Makefile" ] || continue
		vm_kver=$rel
	done
	if [ -z "$vm_kver" ]; then
		echo "vm: no Debian $series $flavour kernel with headers installed; run 'make deps'" >&2
		return 1
	fi
	vm_image=/boot/vmlinuz-$vm_kver
	vm_kdir=/lib/modules/$vm_kver/build
}

vm_resolve_kernel() {
	case "$1" in
	6.1|6.12) vm_debian_kernel "$1" amd64 ;;
	6.12-rt) vm_debian_kernel 6.12 rt-amd64 ;;
	debug|kcsan)
		vm_kdir=$("$(dirname "${BASH_SOURCE[0]}")/debug-kernel" "$1") || return 1
		vm_kver=$1
		vm_image=$vm_kdir/arch/x86/boot/bzImage ;;
	*) echo "vm: unknown kernel '$1' ($vm_kernel_names)" >&2; return 1 ;;
	esac
}
