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
pass=0 fail=0

expect()
{
	local what=$1
	shift
	if "$@"; then
		pass=$((pass + 1))
		echo "ok - $what"
	else
		fail=$((fail + 1))
		echo "FAIL harness-selftest: $what"
	fi
}

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

echo "RESULT $pass $fail 0"
[ "$fail" = 0 ]
