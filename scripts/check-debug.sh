#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check-debug.sh: `make check-debug`, the VM suite on the debug kernel
# (debug-kernel.sh: KASAN, lockdep, kmemleak, UBSAN, fault injection),
# with ring_fuzz for 10 minutes and a kmemleak scan at the end, after
# proving that KASAN and kmemleak report what is planted for them.  Any
# report of a checker fails it.  Too slow for every CI run (the kernel
# build alone takes 20 minutes on two cores); make check stays on Debian's
# kernels.  Ends with "N passed, N failed, N skipped".
#
# V9P_FUZZ_SECONDS (600), V9P_SLOW (4: how many times the usual time
# limits each test gets) and V9P_ONLY work as for run-suite.sh.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$VHOST9P_TOP"

start=$(date +%s)
scripts/setup.sh || die "setup failed: run 'make deps' as root"
scripts/debug-kernel.sh || die "the debug kernel did not build"
kver=$(cat "$VHOST9P_BUILD/debug-kernel/kver")
kdir=$VHOST9P_BUILD/debug-kernel/obj
log=$VHOST9P_BUILD/check/debug-build.log
mkdir -p "$(dirname "$log")"

echo "check-debug: the module for $kver, the tools and the tests"
if ! make --no-print-directory KVER="$kver" KDIR="$kdir" modules modules-debug > "$log" 2>&1 ||
   grep -Eq '(warning|error):' "$log"; then
	grep -E '(warning|error):' "$log" | head -n 20
	tail -n 15 "$log"
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
fi
# (The second-level guests run Debian's newest kernel: e2e-client-patch
# loads client/patches' module built for it.)
make --no-print-directory tools selftests qemu >> "$log" 2>&1 &&
	make --no-print-directory KVER="$(kernels_list 1 | tail -n 1)" client >> "$log" 2>&1 ||
	{ tail -n 15 "$log"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }

echo "check-debug: the checkers report what is planted for them"
hs=$VHOST9P_BUILD/check/debug-harness.log
make --no-print-directory KVER="$kver" KDIR="$kdir" crashme >> "$log" 2>&1 &&
	V9P_KERNEL_ROOT=$VHOST9P_BUILD/debug-kernel/root selftests/vm/harness-selftest.sh "$kver" > "$hs" 2>&1
grep -E '^(ok|FAIL)' "$hs"
read -r _ hpass hfail _ < <(grep '^RESULT ' "$hs" || echo "RESULT 0 1 0")

# e2e-vs-qemu9p compares QEMU's userspace 9p with vhost-9p: it checks
# QEMU, not this kernel.  admin-guide-first-guest runs the guide's commands,
# written for a kernel installed in /lib/modules.  make check runs both.
# The second-level guests run the 9p client, which is not what is under
# test here, on Debian's 6.12: the debug kernel nested under TCG takes
# many minutes to boot, and its early boot trips KASAN in nested KVM.
l2kver=$(kernels_list 1 | tail -n 1)
echo "check-debug: the VM suite on $kver (left out: e2e-vs-qemu9p, which tests QEMU's 9p, and admin-guide-first-guest, which needs the kernel installed; second-level guests on $l2kver)"
V9P_KERNEL_ROOT=$VHOST9P_BUILD/debug-kernel/root V9P_RUN_NAME=debug \
	V9P_SLOW=${V9P_SLOW:-4} V9P_FUZZ_SECONDS=${V9P_FUZZ_SECONDS:-600} \
	V9P_VM_TIMEOUT=${V9P_VM_TIMEOUT:-5400} V9P_SKIP=e2e-vs-qemu9p,admin-guide-first-guest \
	V9P_L2_KVER=$l2kver \
	selftests/vm/run-suite.sh "$kver" | tee "$VHOST9P_BUILD/check/debug-suite.log"
read -r _ pass fail skip < <(grep '^RESULT ' "$VHOST9P_BUILD/check/debug-suite.log" | tail -n 1 ||
	echo "RESULT 0 1 0")
echo "== $(( $(date +%s) - start ))s; the run's files in build/vm/$kver/debug"
pass=$((pass + hpass)) fail=$((fail + hfail))
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
