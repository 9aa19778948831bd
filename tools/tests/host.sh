#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host tests of the project's tools and kernel build hygiene (TAP): the
# kernel-report detector, the result counter, warning-free W=1 module builds
# for every supported kernel, and checkpatch --strict on the kernel sources
# and the selftests.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
. "$top/tools/tests/tap.sh"
tmp=$(mktemp -d)
trap 'if [ "$BASHPID" = "$$" ]; then rm -rf "$tmp"; fi' EXIT
echo "TAP version 13"

# The report detector: each kind of report must trip it.
for report in \
	'WARNING: CPU: 1 PID: 42 at kernel/foo.c:12 bar+0x1/0x2' \
	'BUG: KASAN: slab-use-after-free in tunx_rx+0x10/0x20' \
	'BUG: KCSAN: data-race in tunx_queue_poll [tunx] / tunx_queue_detach [tunx]' \
	'BUG: kernel NULL pointer dereference, address: 0000000000000008' \
	'kernel BUG at drivers/net/tunx/ring.c:99!' \
	'Oops: 0000 [#1] PREEMPT SMP KASAN' \
	'WARNING: possible circular locking dependency detected' \
	'unreferenced object 0xffff888003a1c000 (size 64):' \
	'INFO: task tunx_test:77 blocked for more than 60 seconds.' \
	'general protection fault, probably for non-canonical address'; do
	printf '[    1.0] ok line\n[    2.0] %s\n' "$report" >"$tmp/log"
	result "splat detects: ${report:0:40}" bash -c "! tools/vm/splat '$tmp/log' >/dev/null"
done
printf '%s\n' '[ 1.0] tunx: loading out-of-tree module taints kernel.' \
	'[ 1.1] tunx: module verification failed: signature and/or required key missing - tainting kernel' \
	'[ 1.2] tunx: ABI 1 ready' >"$tmp/clean"
result "splat ignores the out-of-tree module taint" tools/vm/splat "$tmp/clean"
# A KCSAN report in core code with nothing of tunx in it is printed, not
# failed (the osq_lock one seen on 2026-12-04); one naming tunx fails even
# when its header does not.
printf '%s\n' '[ 1.0] ok' '[ 2.0] ==================' \
	'[ 2.1] BUG: KCSAN: data-race in osq_wait_next+0x5d/0xb3' \
	'[ 2.2] race at unknown origin, with read to 0xff11 of 8 bytes by task 9 on cpu 1:' \
	'[ 2.3]  osq_lock+0x1/0x2' '[ 2.4] ==================' >"$tmp/kcsan-core"
result "splat passes a core-kernel KCSAN report with no tunx in it" tools/vm/splat "$tmp/kcsan-core"
sed 's/osq_lock+0x1\/0x2/tunx_rx_notify+0x1\/0x2 [tunx]/' "$tmp/kcsan-core" >"$tmp/kcsan-tunx"
result "splat fails a KCSAN report whose stack names tunx" \
	bash -c "! tools/vm/splat '$tmp/kcsan-tunx' >/dev/null"
# The lockless qdisc's race (CI, 2026-12-04): tunx only far down the
# stacks, as the device whose NAPI delivered the packet the kernel then
# forwarded.  Printed, not failed.  tunx as the racing function's caller,
# or named in the header, fails.
kcsan_qdisc() {
	printf '%s\n' '[ 3.0] ==================' \
		"[ 3.1] BUG: KCSAN: data-race in pfifo_fast_dequeue / $1" '[ 3.1] ' \
		'[ 3.1] write (marked) to 0xff11 of 8 bytes by task 434 on cpu 0:' \
		'[ 3.1]  pfifo_fast_enqueue+0x69/0x2b0' "[ 3.1]  $2" \
		'[ 3.1]  ip_finish_output2+0x3a5/0x9b0' '[ 3.1]  ip_forward+0x6c1/0x900' \
		'[ 3.1]  __netif_receive_skb_one_core+0x8f/0xb0' \
		'[ 3.1]  tunx_tx_poll+0x2f1/0x6a0 [tunx]' '[ 3.1] ' \
		'[ 3.1] read to 0xff11 of 8 bytes by task 0 on cpu 1:' \
		'[ 3.1]  pfifo_fast_dequeue+0x54/0x2e0' '[ 3.1]  __qdisc_run+0xa1/0xb60' \
		'[ 3.1]  net_tx_action+0x2c9/0x400' '[ 3.1] ' \
		'[ 3.1] value changed: 0x0000000000000000 -> 0xff11000004e1c500' \
		'[ 3.1] ==================' '[ 3.2] ok'
}
kcsan_qdisc pfifo_fast_enqueue __dev_queue_xmit+0x9be/0x1a80 >"$tmp/kcsan-qdisc"
result "splat passes a core-kernel KCSAN report with tunx deep in a stack" \
	eval 'out=$(tools/vm/splat "$tmp/kcsan-qdisc") && [[ $out == *"core-kernel KCSAN report"* ]]'
kcsan_qdisc pfifo_fast_enqueue 'tunx_xmit+0x10/0x90 [tunx]' >"$tmp/kcsan-caller"
result "splat fails a KCSAN report whose racing function tunx called" \
	bash -c "! tools/vm/splat '$tmp/kcsan-caller' >/dev/null"
kcsan_qdisc tunx_rx_flush __dev_queue_xmit+0x9be/0x1a80 >"$tmp/kcsan-header"
result "splat fails a KCSAN report that names a tunx function as racing" \
	bash -c "! tools/vm/splat '$tmp/kcsan-header' >/dev/null"

# The counter the whole "N passed, N failed" verdict rests on.
printf '%s\n' 'ok 1 a' '# ok 1 x' '# not ok 2 y' 'not ok 2 b' 'ok 3 c # SKIP no tool' \
	'  tests     10     10      9      1        0' >"$tmp/tap"
result "tap-count counts nested cases, skips and CUnit rows" \
	[ "$(tools/tap-count "$tmp/tap")" = "11 2 1" ]

# The end of CI's output is all a reader of a flake gets: each "not ok"
# comes with the reason printed just above it, and nothing else does.
printf '%s\n' '# # stress: setup fine' '# ok 6 stress.a' \
	'# # stress: 5000 sent, 4990 consumed, rx_dropped 10' \
	'# not ok 7 stress.backpressure_rx_zero_loss' \
	'not ok 7 selftests: tunx: tunx_stress # exit=1' \
	'# #  RUN           busy.naps ...' '# # tunx_busy.c:250:naps:Expected 0 (0) < st.busy_naps (0)' \
	'# # naps: Test failed at step #14' '# #          FAIL  busy.naps' \
	'# not ok 6 busy.naps' >"$tmp/flake"
result "failure-lines gives each failed test the reason printed above it" \
	[ "$(tools/failure-lines "$tmp/flake" | tr '\n' '|')" = \
	  '# # stress: 5000 sent, 4990 consumed, rx_dropped 10|# not ok 7 stress.backpressure_rx_zero_loss|not ok 7 selftests: tunx: tunx_stress # exit=1|# # tunx_busy.c:250:naps:Expected 0 (0) < st.busy_naps (0)|# not ok 6 busy.naps|' ]

# A guest that died: the tail names where (RIP, frames), not the hardware.
printf '%s\n' 'vm: the guest died before CMD finished' \
	'[   39.05] Oops: double fault: 0000 [#1] PREEMPT SMP NOPTI' \
	'[   39.06] Hardware name: QEMU Standard PC' \
	'[   39.07] RIP: 0010:tunx_tx_poll+0x12/0x200 [tunx]' '[   39.08] Call Trace:' \
	'[   39.08]  <TASK>' '[   39.09]  ? die+0x36/0x90' '[   39.10]  napi_threaded_poll+0x22/0x40' \
	'[   39.11]  </TASK>' '[   39.12] Modules linked in: tunx(OE)' \
	'[   39.13] Kernel panic - not syncing: Fatal exception in interrupt' >"$tmp/oops"
result "oops-lines gives a dead guest's report, RIP and call trace" \
	[ "$(tools/oops-lines "$tmp/oops" | tr '\n' '|')" = \
	  'Oops: double fault: 0000 [#1] PREEMPT SMP NOPTI|RIP: 0010:tunx_tx_poll+0x12/0x200 [tunx]|Call Trace:| ? die+0x36/0x90| napi_threaded_poll+0x22/0x40|' ]

# The suites beside each other: every one counted, a failure never lost.
CHECK_LOGS=$tmp/check CHECK_JOBS=2 tools/check nosuch1 nosuch2 nosuch3 >"$tmp/check.out" 2>&1
rc=$?
result "check runs suites two at a time and counts each one's failure" \
	[ "$rc" = 1 -a "$(tail -n 1 "$tmp/check.out")" = "0 passed, 3 failed, 0 skipped" \
	-a "$(grep -c '^=== suite nosuch.: 0 passed, 1 failed' "$tmp/check.out")" = 3 ]
result "check lists what failed at the end, just before its summary" \
	[ "$(tail -n 5 "$tmp/check.out" | head -n 1)" = "=== what failed (logs: $tmp/check)" ]

# The schedule: every VM suite waits for host, which may rebuild what the
# VMs boot from; with fresh in the run, fresh's make check-host in the bare
# root is host's run, and host is not run a second time.
CHECK_LOGS=$tmp/check2 CHECK_DRY_RUN=1 CHECK_DRY_RUN_SECONDS=1 CHECK_JOBS=2 \
	tools/check vm-6.1 host vm-6.12 >"$tmp/order.out" 2>&1
at() { grep -n -m1 -e "$1" "$2" | cut -d: -f1; }
result "check starts the VM suites after host" \
	eval '[ "$(tail -n 1 "$tmp/order.out")" = "3 passed, 0 failed, 0 skipped" ] &&
	      [ "$(at "^=== suite host: " "$tmp/order.out")" -lt "$(at "^=== suite vm-6.1: started" "$tmp/order.out")" ] &&
	      [ "$(at "^=== suite host: " "$tmp/order.out")" -lt "$(at "^=== suite vm-6.12: started" "$tmp/order.out")" ]'
CHECK_LOGS=$tmp/check3 CHECK_DRY_RUN=1 CHECK_JOBS=2 \
	tools/check vm-6.1 host fresh >"$tmp/order1.out" 2>&1
result "check with fresh leaves host to fresh's bare root and starts the rest at once" \
	eval '[ "$(tail -n 1 "$tmp/order1.out")" = "2 passed, 0 failed, 0 skipped" ] &&
	      grep -qx "=== suite host: run by fresh (make check-host in the bare root), counted there" "$tmp/order1.out" &&
	      ! grep -q "^=== host: " "$tmp/order1.out" &&
	      [ "$(at "^=== suite fresh: started" "$tmp/order1.out")" -lt "$(at "^=== fresh: dry-run" "$tmp/order1.out")" ] &&
	      [ "$(at "^=== suite vm-6.1: started" "$tmp/order1.out")" -lt "$(at "^=== fresh: dry-run" "$tmp/order1.out")" ]'

CHECK_LOGS=$tmp/check4 CHECK_DRY_RUN=1 CHECK_JOBS=1 tools/check vm-6.1 vm-6.12 >"$tmp/order2.out" 2>&1
result "check with CHECK_JOBS=1 runs one suite at a time" \
	eval '[ "$(at "^=== suite vm-6.1: 1 passed" "$tmp/order2.out")" -lt "$(at "^=== suite vm-6.12: started" "$tmp/order2.out")" ]'

# KUnit's KTAP, as 6.1 prints it, flattened; a failed case must fail.
printf '%s\n' 'KTAP version 1' '1..1' '    KTAP version 1' '    # Subtest: tunx_x' \
	'    1..2' '    ok 1 case_a' '    # case_b: EXPECTATION FAILED at kernel/kunit.c:9' \
	'    not ok 2 case_b' 'not ok 1 tunx_x' >"$tmp/ktap"
tools/tests/kunit.sh --parse "$tmp/ktap" >"$tmp/kout"
rc=$?
result "kunit.sh fails on a failed KUnit case" [ "$rc" != 0 ]
result "kunit.sh names each case suite.case" \
	eval 'grep -qx "ok 1 tunx_x.case_a" "$tmp/kout" && grep -qx "not ok 2 tunx_x.case_b" "$tmp/kout"'
sed -i '/not ok/d; s/EXPECTATION FAILED.*/ok/' "$tmp/ktap"
result "kunit.sh passes when every case passed" eval 'tools/tests/kunit.sh --parse "$tmp/ktap" >/dev/null'

# Every supported kernel builds the module with W=1 and no warning.
. tools/vm/kernels.sh
for k in 6.1 6.12 6.12-rt; do
	if ! vm_resolve_kernel "$k" 2>"$tmp/err"; then
		result "W=1 build for $k (no kernel: $(cat "$tmp/err"))" false
		continue
	fi
	tools/build-module "$vm_kdir" "$top/build/module/$vm_kver" W=1 \
		>/dev/null 2>"$tmp/build"
	rc=$?
	result "W=1 build for $vm_kver succeeds" [ "$rc" = 0 ]
	result "W=1 build for $vm_kver prints no warning" \
		bash -c "! grep -E 'warning:|error:' '$tmp/build'"
	grep -E 'warning:|error:' "$tmp/build" | head -20 | sed 's/^/# /'
done

# checkpatch --strict, as a netdev maintainer would run it on a submission.
ksrc=$(tools/ksrc)
perl "$ksrc/scripts/checkpatch.pl" --strict --no-tree --terse --show-types \
	--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG -f kernel/*.c kernel/*.h \
	include/uapi/linux/tunx.h >"$tmp/cp" 2>&1
result "checkpatch --strict: no error, warning or check in kernel/ and the uapi header" \
	bash -c "! grep -qE ': (ERROR|WARNING|CHECK):' '$tmp/cp'"
grep -E ': (ERROR|WARNING|CHECK):' "$tmp/cp" | head -30 | sed 's/^/# /'

# The same on the selftests, less three types that misfire on userspace
# kselftest-harness code (each is still enforced on kernel/):
#  PREFER_DEFINED_ATTRIBUTE_MACRO: __printf, __packed & co. are kernel-only
#   macros; tunx_util.h defines __printf from the very attribute it flags.
#  COMPLEX_MACRO: BAD_DESC_TEST/BAD_OFFLOAD_TEST expand to TEST_F() function
#   definitions, which cannot be wrapped in parentheses.
#  MACRO_WITH_FLOW_CONTROL: ST_HARNESS_MAIN defines main() (as the
#   harness's TEST_HARNESS_MAIN does); its return leaves main, not a caller.
st_ignore=FILE_PATH_CHANGES,SPDX_LICENSE_TAG
st_ignore+=,PREFER_DEFINED_ATTRIBUTE_MACRO,COMPLEX_MACRO,MACRO_WITH_FLOW_CONTROL
perl "$ksrc/scripts/checkpatch.pl" --strict --no-tree --terse --show-types \
	--ignore "$st_ignore" -f selftests/*.c selftests/*.h >"$tmp/cpst" 2>&1
result "checkpatch --strict: no error, warning or check in selftests/" \
	bash -c "! grep -qE ': (ERROR|WARNING|CHECK):' '$tmp/cpst'"
grep -E ': (ERROR|WARNING|CHECK):' "$tmp/cpst" | head -30 | sed 's/^/# /'

echo "1..$n"
echo "# host tools: $((n - failed)) passed, $failed failed"
[ "$failed" = 0 ]
