#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Module lifecycle: tunx.ko unloads and loads again cleanly, the node comes
# and goes with it with the mode tun users expect, and an open fd pins the
# module.  Needs TUNX_KO (set by tools/vm/run).  Kernel reports during the
# cycle fail the whole VM run, so this also proves load/unload are clean.
set -u
ksft_skip=4
n=0 failed=0
result() {
	local name=$1; shift
	n=$((n + 1))
	if "$@"; then echo "ok $n module.$name"; else echo "not ok $n module.$name"; failed=$((failed + 1)); fi
}
loaded() { grep -q '^tunx ' /proc/modules; }

[ -n "${TUNX_KO:-}" ] && [ -e "$TUNX_KO" ] || { echo "# TUNX_KO not set: skip"; exit $ksft_skip; }
[ "$(id -u)" = 0 ] || { echo "# needs root: skip"; exit $ksft_skip; }
loaded || insmod "$TUNX_KO" || exit 1

echo "TAP version 13"
result "node_is_char_device_mode_0666" \
	eval '[ -c /dev/net/tunx ] && [ "$(stat -c %a /dev/net/tunx)" = 666 ]'
result "open_fd_pins_module" eval '
	exec 7</dev/net/tunx
	! rmmod tunx 2>/dev/null; pinned=$?
	exec 7<&-
	[ $pinned = 0 ] && loaded'
result "rmmod_removes_module_and_node" eval 'rmmod tunx && ! loaded && [ ! -e /dev/net/tunx ]'
result "insmod_after_rmmod_restores_node" eval 'insmod "$TUNX_KO" && loaded && [ -c /dev/net/tunx ]'
# Repeated, so that what one cycle leaves behind adds up.  Three on the
# debug kernel: a cycle takes 10 s there, and kmemleak and KASAN see a
# leak or a stale pointer in the first.
want=10
[ "${TUNX_VM_KERNEL:-}" = debug ] && want=3
cycles=0
for _ in $(seq "$want"); do
	rmmod tunx && insmod "$TUNX_KO" || break
	cycles=$((cycles + 1))
done
result "unload_load_cycles_$want" [ "$cycles" = "$want" ]
# Devices come from /dev/net/tunx only (its CAP_NET_ADMIN and owner
# checks); rtnl_link_ops exist for deletion and must refuse creation.
result "ip_link_add_type_tunx_refused" eval '
	err=$(ip link add txrtnl0 type tunx 2>&1); rc=$?
	[ $rc != 0 ] && [[ $err == *"created via /dev/net/tunx"* ]] &&
		! ip link show txrtnl0 >/dev/null 2>&1'
result "module_reports_abi_on_load" eval 'dmesg | grep -q "tunx: ABI [0-9]* ready"'
loaded || insmod "$TUNX_KO"
echo "1..$n"
[ "$failed" = 0 ]
