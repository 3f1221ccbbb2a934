#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# harness-selftest.sh [KVER]: prove that the VM harness reports what it
# must.  Boots guests with planted failures (a failing assertion, a test
# that exits early, an endless loop, a WARN, an oops, a hung guest, a task
# hung in the kernel) and checks that each is reported as a failure, with
# the console tail, within the time limit.  Each check is a test case;
# prints "RESULT pass fail skip".  With V9P_KERNEL_ROOT (the debug kernel),
# it plants what KASAN and kmemleak must report instead.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

kver=${1:-$(default_kver)}
base=$VHOST9P_BUILD/vm/$kver/harness-selftest
[ -f "$VHOST9P_BUILD/crashme/$kver/crashme.ko" ] || die "build it first: make crashme KVER=$kver"
EXPECT_NAME=harness-selftest
. "$VM_DIR/../lib/expect.sh"

# planted PLANT LIMIT: boot with that plant; leaves rc, took and report.
planted()
{
	local out=$base/$1 start
	rm -rf "$out"
	start=$(date +%s)
	rc=0
	V9P_APPEND="v9p.plant=$1" vm_run "$kver" "$VM_DIR/planted.sh" "$out" "$2" \
		2> "$out.report" || rc=$?
	took=$(( $(date +%s) - start ))
	report=$out.report
	counts=$(awk -f "$VM_DIR/ktap-count.awk" "$out/results.ktap" 2>/dev/null)
}

mkdir -p "$base"

# The one crash run-suite.sh retries (kvm_crash_outside_vhost_9p in
# lib.sh), checked on consoles written here: the shapes the harness's
# known failures took, and the same with what makes them ours.
retried()
{
	printf '%s\n' "$@" > "$base/retry-console.log"
	kvm_crash_outside_vhost_9p "$base/retry-console.log"
}
not_retried() { ! retried "$@"; }
not_ok() { ! "$@" > /dev/null; }
quiet() { "$@" > /dev/null; }
frozen=('[  203.37] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:'
	'[  203.37] rcu: All QSes seen, last rcu_preempt kthread activity 5255 (4294942950-4294937695), jiffies_till_next_fqs=1, root ->qsmask 0x0'
	'[  203.37] rcu: rcu_preempt kthread starved for 5255 jiffies! g50457 f0x2 RCU_GP_WAIT_FQS(5) ->state=0x200 ->cpu=0'
	'[  237.19] watchdog: BUG: soft lockup - CPU#1 stuck for 44s! [qemu-system-x86:302]'
	'[  237.19] Modules linked in: kvm_amd kvm vhost_9p(OE) vhost vhost_iotlb'
	'[  237.19] Call Trace:'
	'[  237.19]  on_each_cpu_cond_mask+0x20/0x40'
	'[  237.19]  flush_tlb_mm_range+0xf0/0x170'
	'[  237.19] Kernel panic - not syncing: softlockup: hung tasks')
expect "retry: a guest the host stopped running (RCU: all QSes seen, its kthread starved; a soft lockup)" \
	retried "${frozen[@]}"
expect "retry: not with a vhost_9p frame in the console" \
	not_retried "${frozen[@]}" '[  237.20]  vhost_9p_handle_kick+0x50/0x90 [vhost_9p]'
expect "retry: not for a soft lockup without RCU's all-QSes-seen line" \
	not_retried "${frozen[@]:0:1}" "${frozen[@]:2}"
expect "retry: not for a soft lockup alone" \
	not_retried "${frozen[@]:3}"
expect "retry: an int3 left by text patching under TCG" \
	retried '[   88.10] Oops: int3: 0000 [#1] PREEMPT SMP NOPTI' \
		'[   88.10] RIP: 0010:__x64_sys_ioctl+0x5/0xa0' '[   88.10] Kernel panic - not syncing: Fatal exception'
expect "retry: a fault in KVM running a nested guest" \
	retried '[   61.00] general protection fault, probably for non-canonical address 0xdead: 0000 [#1] SMP' \
		'[   61.00] RIP: 0010:svm_vcpu_run+0x1d2/0x7f0 [kvm_amd]'
expect "retry: never for what a checker reported, even in KVM" \
	not_retried '[   61.00] BUG: KASAN: slab-out-of-bounds in svm_vcpu_run+0x1d2/0x7f0 [kvm_amd]' \
		'[   61.00]  kvm_arch_vcpu_ioctl_run+0x5e0/0x1a00 [kvm]'
expect "retry: never for a console without a crash" \
	not_retried '[    4.29] vhost_9p: loading out-of-tree module taints kernel.'

# The rerun of e2e-vs-qemu9p alone after the guest died in it: only when
# it died there, after the other groups, and nothing blames vhost_9p.
rerun_case()
{
	local dir=$base/rerun
	rm -rf "$dir"
	mkdir -p "$dir"
	printf '# vm-suite: program %s\n' $1 > "$dir/results.ktap"
	: > "$dir/e2e-qemu9p-console.log"
	shift
	printf '%s\n' "$@" > "$dir/console.log"
	qemu9p_rerun_allowed "$dir"
}
expect "rerun of e2e-vs-qemu9p: for a guest reset with no report" \
	rerun_case e2e '[  300.00] reboot: machine restart'
expect "rerun of e2e-vs-qemu9p: not after its own results came" \
	not_ok rerun_case e2e-vs-qemu9p '[  300.00] reboot: machine restart'
expect "rerun of e2e-vs-qemu9p: not with a vhost_9p frame in the console" \
	not_ok rerun_case e2e '[  300.00] BUG: kernel NULL pointer dereference, address: 0' \
		'[  300.00]  vhost_9p_handle_kick+0x50/0x90 [vhost_9p]'
expect "rerun of e2e-vs-qemu9p: not for a checker's report" \
	not_ok rerun_case e2e '[  300.00] BUG: KASAN: use-after-free in svm_vcpu_run+0x1d2/0x7f0'

# The end-to-end guest's bookkeeping (l2-lib.sh, run here as the guest's
# busybox sh runs it): a client that dies after 3 of its cases, and a
# warning in the guest's kernel log.
l2_planted()
(
	results=$base/l2-results n=0
	: > "$results"
	. "$VM_DIR/kernel-log.sh"
	. "$VM_DIR/l2-lib.sh"
	e2e_client()
	{
		if [ "$1" = --plan ]; then
			echo 27
			return 0
		fi
		printf 'ok %d case\n' $(($3 + 1)) $(($3 + 2)) $(($3 + 3))
		return 139
	}
	e2e_run "cache=none: " /nowhere none
	ok "a case after it"
	printf '[ 9.0] WARNING: CPU: 0 PID: 1 at fs/9p/planted.c:1\n' > "$base/l2-dmesg"
	l2_log_check "$base/l2-dmesg"
	{ echo "# vm-suite: program planted-l2"; echo "1..$n"; cat "$results"; } |
		awk -f "$VM_DIR/ktap-count.awk"
)
l2counts=$(l2_planted)
expect "a second-level client that dies fails with its status" \
	grep -q "FAIL planted-l2: not ok 28 cache=none: e2e_client exited 139 after 3 of its 27 cases" <<< "$l2counts"
expect "... and the cases it never reported count as failed" \
	grep -q "FAIL planted-l2: 24 case(s) never reported" <<< "$l2counts"
expect "a warning in the second-level guest's kernel log fails" \
	grep -q "FAIL planted-l2: not ok 30 the second-level guest's kernel log is clean" <<< "$l2counts"

# The suite's groups (guest-lib.sh, run here on the host): one left open
# when the next begins, and a check outside any group, each fail instead
# of vanishing (e2e-host-view once did).
groups_planted()
(
	V9P_OUT=$base/groups V9P_TOP=$VHOST9P_TOP
	rm -rf "$V9P_OUT"
	mkdir -p "$V9P_OUT"
	. "$VM_DIR/guest-lib.sh"
	{
		ktap_group_begin left-open
		check "a check of the group left open" true
		ktap_group_begin next
		check "a check of the next" true
		ktap_group_end
		check "a check outside any group" true
	} > /dev/null
	awk -f "$VM_DIR/ktap-count.awk" "$RESULTS"
)
gcounts=$(groups_planted)
expect "a group left open fails when the next begins" \
	grep -q "FAIL left-open: not ok 2 group left-open ended before next began" <<< "$gcounts"
expect "... and keeps its checks" grep -q "RESULT 2 2 0" <<< "$gcounts"
expect "a check outside any group fails" \
	grep -q "FAIL checks-outside-a-group: not ok 1 outside any group (a bug of the suite): ok a check outside any group" <<< "$gcounts"

# make check's environment: what would shrink it is named, and refused
# under CI.  (check-debug itself runs this with V9P_KERNEL_ROOT set.)
knobs_clean() { (unset "${V9P_CHECK_KNOBS[@]}" V9P_CI; check_knobs); }
knobs_planted() { (unset "${V9P_CHECK_KNOBS[@]}" V9P_CI; export "$@"; check_knobs); }
expect "make check runs whole and says nothing without knobs" \
	[ -z "$(knobs_clean)" ]
expect "make check names a knob that shrinks it" \
	grep -q "changing what runs: V9P_SKIP=ops_test" <<< "$(knobs_planted V9P_SKIP=ops_test)"
expect "... and goes on by hand" quiet knobs_planted V9P_FUZZ_SECONDS=1
expect "... but refuses it under CI" not_ok knobs_planted V9P_CI=1 V9P_FUZZ_SECONDS=1
expect "... naming the fix" \
	grep -q "unset them" <<< "$(knobs_planted V9P_CI=1 V9P_ONLY=ops_test)"

# On the debug kernel (V9P_KERNEL_ROOT, make check-debug), its checkers:
# the plants above are make check's, on Debian's kernels.
if [ -n "$KROOT" ]; then
	planted debug-checkers 600
	expect "a read past an allocation is a failed run" [ "$rc" != 0 ]
	expect "... that KASAN reported" grep -q "BUG: KASAN: slab-out-of-bounds in crashme_" "$report"
	expect "... failing the check after it" \
		grep -q "FAIL dmesg-after-planted-kasan" <<< "$counts"
	expect "a lost allocation fails the kmemleak check" \
		grep -q "FAIL planted-leak: not ok 1 kmemleak suspects nothing" <<< "$counts"
	expect "... which shows the object" \
		grep -q "^# unreferenced object .* (size 128)" "$base/debug-checkers/results.ktap"
	echo "RESULT $pass $fail 0"
	[ "$fail" = 0 ]
	exit
fi

planted failures 300
expect "a run with an oops is a failed run" [ "$rc" != 0 ]
expect "the report says the kernel reported a bug" \
	grep -q "VM FAILURE: the kernel reported a bug" "$report"
expect "... quotes the oops" \
	grep -q "BUG: kernel NULL pointer dereference" "$report"
expect "... and the console tail" grep -q -- "--- console tail" "$report"
expect "... and digests the first report to its call trace" \
	grep -q "^trace: do_one_initcall < do_init_module" "$report"
expect "a failing assertion is a failure" \
	grep -q "FAIL planted-assertion: not ok 2 planted assertion" <<< "$counts"
expect "a program that exits early fails its missing cases" \
	grep -q "FAIL planted-early-exit: 2 case(s) never reported (exit status 3)" <<< "$counts"
expect "a program that exits non-zero after reporting every case fails" \
	grep -q "FAIL planted-exit-after-all: exit status 2 after reporting every case" <<< "$counts"
expect "a program whose plan comes after its cases fails" \
	grep -q "FAIL planted-plan-last: its plan (1..1) came after 1 case(s)" <<< "$counts"
expect "a skip for a reason not listed fails" \
	grep -q "FAIL planted-unlisted-skip: ok 1 setup # SKIP no image: a skip for a reason not allowed" <<< "$counts"
expect "a skip for a listed reason is a skip" \
	grep -q "SKIP planted-listed-skip: ok 1 feature # SKIP planted allowed skip" <<< "$counts"
expect "a message the device never answers fails ring_fuzz" \
	grep -q "FAIL planted-stalled-ring: not ok 1 every message was answered" <<< "$counts"
expect "an endless loop is killed at its limit and fails" \
	grep -q "FAIL planted-infinite-loop: 1 case(s) never reported (killed at its time limit)" <<< "$counts"
expect "a WARN in dmesg fails the check after it" \
	grep -q "FAIL dmesg-after-planted-warn" <<< "$counts"
expect "an oops in dmesg fails the check after it" \
	grep -q "FAIL dmesg-after-planted-oops" <<< "$counts"
expect "the passing program still counts as passed" \
	grep -q "^RESULT [1-9]" <<< "$counts"

planted hang-user 40
expect "a hung guest is killed at the hard timeout" \
	grep -q "did not finish within 40s" "$report"
expect "... and within the timeout (took ${took}s)" [ "$took" -le 60 ]
expect "... with the console tail" grep -q "console tail" "$report"

planted hang-kernel 200
expect "a task hung in the kernel panics the guest and fails the run" \
	grep -q -e "blocked for more than" "$base/hang-kernel/console.log"
expect "... reported before the hard timeout (took ${took}s)" [ "$took" -lt 200 ]
expect "... as a failed run" [ "$rc" != 0 ]
expect "... whose digest names the blocked function" \
	grep -q "^trace: .*crashme_init" "$report"

expect_result
