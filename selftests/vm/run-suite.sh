#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-suite.sh [KVER]: boot KVER's first-level guest and run the VM suite
# (selftests/vm/suite.sh) in it.  Prints the failures and a line
# "RESULT pass fail skip"; exits non-zero if anything failed.
#
# V9P_ONLY=PROGRAM[,PROGRAM...] runs only those programs of the suite (kselftest
# binary name or a group name), V9P_RUN_NAME=NAME keeps the run's files in
# build/vm/KVER/NAME, so that several runs can go on side by side.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kver=${1:-$(default_kver)}
out=$VHOST9P_BUILD/vm/$kver/${V9P_RUN_NAME:-suite}
limit=${V9P_VM_TIMEOUT:-900}

rm -rf "$out"
mkdir -p "$out"
vm_l2_initramfs "$out/l2-initramfs.gz"
vm_l2_e2e_initramfs "$kver" "$out/l2-e2e.gz"
vm_l2_e2e_initramfs "$kver" "$out/l2-root.gz" l2-root-init

vm_ok=0
V9P_APPEND="${V9P_ONLY:+v9p.only=$V9P_ONLY}" \
	vm_run "$kver" "$VM_DIR/suite.sh" "$out" "$limit" || vm_ok=$?
touch "$out/results.ktap"
summary=$(awk -f "$VM_DIR/ktap-count.awk" "$out/results.ktap")
echo "$summary" | grep -v '^RESULT' | sed "s/^/[$kver] /" || true
read -r _ pass fail skip < <(echo "$summary" | grep '^RESULT')
if [ $((pass + fail + skip)) = 0 ]; then
	echo "[$kver] FAIL no test ran${V9P_ONLY:+ (V9P_ONLY=$V9P_ONLY names no program)}"
	fail=$((fail + 1))
fi
if [ "$vm_ok" != 0 ]; then
	echo "[$kver] FAIL the VM run itself (see above)"
	fail=$((fail + 1))
fi
echo "RESULT $pass $fail $skip"
[ "$fail" = 0 ]
