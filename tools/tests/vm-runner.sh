#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vm-runner.sh KERNEL: TAP tests of tools/vm/run itself on one kernel.  The
# runner is what every kernel verdict rests on, so check that it boots the
# right kernel, shows the checkout, loads the module, passes the exit status
# through, and fails a run whose command passed while the kernel warned.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
kernel=${1:?usage: vm-runner.sh 6.1|6.12|6.12-rt|debug|kcsan}
vmrun() { (cd "$top" && "$top/tools/vm/run" --kernel "$kernel" "$@"); }
. "$top/tools/tests/tap.sh"
line() { echo "$out" | sed -n "$1p"; }

echo "TAP version 13"

# One boot answers several questions: what ran, where, with what loaded.
out=$(vmrun -- sh -c 'uname -r; pwd; grep -c "^tunx " /proc/modules;
	test -c /dev/net/tunx && echo node || echo no-node;
	touch /tmp/w && echo tmp-rw; touch ./.vm-probe 2>/dev/null || echo checkout-ro;
	dmesg | grep -c "KernelAddressSanitizer initialized";
	test -e /sys/kernel/debug/kmemleak && echo kmemleak || echo no-kmemleak;
	nproc; test -e /sys/kernel/debug/kcsan && echo kcsan || echo no-kcsan;
	grep -m1 "^flags" /proc/cpuinfo | grep -c -w -E "erms|fsrm|la57";
	grep -c -w no_timer_check /proc/cmdline;
	exit 3' 2>/dev/null)
rc=$?
series=${kernel%-rt}
case $kernel in debug | kcsan) series=6.1 ;; esac
rel=$(line 1)
result "boots a $kernel kernel (uname -r: ${rel:-nothing})" \
	eval '[[ "$rel" == "$series".* || "$rel" == "$series"-* ]]'
if [ "$kernel" = 6.12-rt ]; then
	out_rt=$(vmrun --no-load -- uname -v 2>/dev/null)
	result "the 6.12-rt kernel is PREEMPT_RT (uname -v: ${out_rt:-nothing})" \
		eval '[[ "$out_rt" == *PREEMPT_RT* ]]'
fi
result "the checkout is at its own path" [ "$(line 2)" = "$top" ]
result "tunx.ko is loaded and /dev/net/tunx exists" \
	[ "$(line 3)/$(line 4)" = 1/node ]
result "/tmp is writable, the checkout is read-only" \
	[ "$(line 5)/$(line 6)" = tmp-rw/checkout-ro ]
result "the command's exit status (3) is the runner's ($rc)" [ "$rc" = 3 ]
# Race tests need two CPUs: with one, threads only meet at sleep points.
smp=${TUNX_VM_SMP:-2}
result "the guest runs on the $smp CPUs asked for (nproc: $(line 9))" \
	[ "$(line 9)" = "$smp" ]
# TCG emulates "rep movsb" a byte at a time: a CPU that offers ERMS makes
# every copy in the guest several times slower (tools/vm/run).
result "the guest CPU offers no ERMS, FSRM or LA57 (found: $(line 11))" \
	[ "$(line 11)" = 0 ]
# On a host whose cores are all taken, the early IO-APIC timer check saw
# its tick too late and panicked three boots in a row (tools/vm/run).
result "the guest boots with no_timer_check (found: $(line 12))" \
	[ "$(line 12)" = 1 ]
if [ "$kernel" = debug ]; then
	result "the debug kernel runs KASAN and kmemleak" \
		eval '[ "$(line 7)" -ge 1 ] 2>/dev/null && [ "$(line 8)" = kmemleak ]'
fi
# KCSAN and KASAN exclude each other: the kcsan kernel is the only one
# that watches for data races, so a silently missing KCSAN would make
# vm-kcsan a second, slower vm-6.1.
if [ "$kernel" = kcsan ]; then
	result "the kcsan kernel runs KCSAN (debugfs: $(line 10))" \
		[ "$(line 10)" = kcsan ]
fi

# A command that succeeds while the kernel logs a WARNING must fail the run.
out=$(vmrun --no-load -- sh -c 'grep -c "^tunx " /proc/modules;
	echo "WARNING: tunx vm-runner self-test" >/dev/kmsg; exit 0' 2>/dev/null)
rc=$?
result "--no-load leaves tunx.ko out" [ "$(line 1)" = 0 ]
result "a WARNING in the kernel log fails a passing command (status $rc)" [ "$rc" != 0 ]

# A kernel that dies before the VM's init ran is booted again, at most
# three boots in all, and then the run fails.  What the runner reads is
# the kernel's own panic message, so each series is tried; the debug and
# kcsan kernels are 6.1 builds (same message), where three boots take
# two minutes and prove nothing 6.1 did not.
case $kernel in
debug | kcsan) ;;
*)
	err=$(TUNX_VM_APPEND=rdinit=/nonexistent vmrun --no-load -- true 2>&1 >/dev/null)
	rc=$?
	result "a kernel that dies while booting is booted 3 times, then fails (status $rc)" \
		eval '[ "$rc" != 0 ] && [ "$(echo "$err" | grep -c "before init (try")" = 3 ]'
	;;
esac

# A kernel that logs a report while booting is booted again; the third
# boot runs anyway, and its report then fails the run.  The logic is the
# runner's and guest-init's, the same for every kernel: five boots on 6.1
# only, where a boot takes seconds (on debug it takes minutes).
if [ "$kernel" = 6.1 ]; then
	err=$(TUNX_VM_APPEND=TUNXVM_TEST_BOOT_REPORT=1 vmrun --no-load -- true 2>&1 >/dev/null)
	rc=$?
	result "a report while booting: booted again, and a clean boot runs (status $rc)" \
		eval '[ "$rc" = 0 ] && [ "$(echo "$err" | grep -c "report while booting, before init (try")" = 1 ]'
	err=$(TUNX_VM_APPEND=TUNXVM_TEST_BOOT_REPORT=every vmrun --no-load -- true 2>&1 >/dev/null)
	rc=$?
	result "a report on every boot: the third runs and fails on it (status $rc)" \
		eval '[ "$rc" != 0 ] && [ "$(echo "$err" | grep -c "report while booting, before init (try")" = 2 ] &&
		      echo "$err" | grep -q "WARNING: tunx-vm runner test"'
fi

# A guest whose command's script is killed dies without a word on the
# console (a reset looks the same): the runner fails the run and shows
# the kernel's last lines, which the guest streamed to the host as they
# came.  The runner's logic, the same for every kernel: on 6.1 only.
if [ "$kernel" = 6.1 ]; then
	err=$(vmrun --no-load -- sh -c 'echo "<6>tunx-vm runner test: last words" >/dev/kmsg
		for _ in $(seq 100); do
			grep -q "last words" "$TUNXVM_RUN/kmsg-live" && break
			sleep 0.1
		done
		kill -KILL $PPID' 2>&1 >/dev/null)
	rc=$?
	result "a guest that dies mid-command fails the run and shows its kernel's last lines (status $rc)" \
		eval '[ "$rc" != 0 ] && echo "$err" | grep -q "the guest died before CMD finished" &&
		      echo "$err" | grep -q "^vm:   .*tunx-vm runner test: last words"'
fi

# TUNX_VM_LOCK (tools/check sets it): a multi-threaded TCG guest, which
# wants both cores, runs alone; single-threaded ones (a core each) run
# side by side.  A guest that had to wait says so.
# lock_pair FIRST SECOND: run a guest in TCG mode FIRST holding a new lock
# for 3 s and, once it holds it, a SECOND-mode one; $err is the second's
# output, $rc its status.
lock_pair() {
	local lock first
	lock=$(mktemp)
	TUNX_VM_TCG_THREAD=$1 TUNX_VM_LOCK=$lock vmrun --no-load -- sleep 3 >/dev/null 2>&1 &
	first=$!
	for _ in $(seq 600); do	# until the first guest holds the lock
		flock -n "$lock" true || break
		sleep 0.1
	done
	err=$(TUNX_VM_TCG_THREAD=$2 TUNX_VM_LOCK=$lock vmrun --no-load -- sh -c 'echo second' 2>&1)
	rc=$?
	wait "$first"
	rm -f "$lock"
}
if [ "$kernel" = 6.1 ] && "$top/tools/vm/kvm-works"; then
	skip "TUNX_VM_LOCK's shared and sole turns" "guests run under KVM here, not TCG"
elif [ "$kernel" = 6.1 ]; then
	lock_pair multi single
	result "a single-threaded guest waits for a multi-threaded one (TUNX_VM_LOCK, status $rc)" \
		eval '[ "$rc" = 0 ] && echo "$err" | grep -q "^second" &&
		      echo "$err" | grep -q "^vm: waited [0-9]* s for another guest to finish" &&
		      echo "$err" | grep -q "^vm: .*(6.1, tcg, single-threaded) booted"'
	lock_pair single single
	result "two single-threaded guests run side by side (TUNX_VM_LOCK, status $rc)" \
		eval '[ "$rc" = 0 ] && echo "$err" | grep -q "^second" &&
		      ! echo "$err" | grep -q "^vm: waited"'
fi

echo "1..$n"
echo "# vm runner on $kernel: $((n - failed)) passed, $failed failed"
[ "$failed" = 0 ]
