#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-suite.sh [KVER]: boot KVER's first-level guest and run the VM suite
# (selftests/vm/suite.sh) in it.  Prints the failures and a line
# "RESULT pass fail skip"; exits non-zero if anything failed.
#
# V9P_ONLY=PROGRAM[,PROGRAM...] runs only those programs of the suite (kselftest
# binary name or a group name), V9P_RUN_NAME=NAME keeps the run's files in
# build/vm/KVER/NAME, so that several runs can go on side by side, and
# V9P_FUZZ_SECONDS=N runs ring_fuzz for N seconds (default 30).  For
# make check-debug: V9P_KERNEL_ROOT=DIR boots the kernel installed under
# DIR, V9P_SLOW=N gives every test N times its time limit, and
# V9P_SKIP=PROGRAM[,PROGRAM...] leaves programs out, and V9P_L2_KVER=KVER
# boots the second-level guests on that installed kernel instead.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kver=${1:-$(default_kver)}
out=$VHOST9P_BUILD/vm/$kver/${V9P_RUN_NAME:-suite}
limit=${V9P_VM_TIMEOUT:-1500}

rm -rf "$out"
mkdir -p "$out"
vm_l2_initramfs "$out/l2-initramfs.gz"
# The second level's kernel (V9P_L2_KVER: another installed one).
l2kver=${V9P_L2_KVER:-$kver}
vm_l2_e2e_initramfs "$l2kver" "$out/l2-e2e.gz"
vm_l2_e2e_initramfs "$l2kver" "$out/l2-root.gz" l2-root-init
# The e2e-client-patch guest: the same, with client/patches' 9pnet_virtio.ko
# (without it, that program fails: l2-e2e-client.missing).
if client_patched "$l2kver"; then
	client=$VHOST9P_BUILD/client/$l2kver/9pnet_virtio.ko
	if [ -s "$client" ]; then
		vm_l2_e2e_initramfs "$l2kver" "$out/l2-e2e-client.gz" l2-e2e-init "$client"
	else
		echo "no $client: run 'make client KVER=$l2kver'" > "$out/l2-e2e-client.missing"
	fi
fi

# Run the suite; once more if the first run died of that.
for attempt in 1 2; do
	vm_ok=0
	V9P_APPEND="${V9P_ONLY:+v9p.only=$V9P_ONLY} ${V9P_SKIP:+v9p.skip=$V9P_SKIP} ${V9P_FUZZ_SECONDS:+v9p.fuzz_seconds=$V9P_FUZZ_SECONDS} ${V9P_SLOW:+v9p.slow=$V9P_SLOW}" \
		vm_run "$kver" "$VM_DIR/suite.sh" "$out" "$limit" || vm_ok=$?
	if [ "$vm_ok" = 0 ] || [ "$attempt" = 2 ] ||
	   ! kvm_crash_outside_vhost_9p "$out/console.log"; then
		break
	fi
	vm_crash_digest "$out/console.log" | sed "s/^/[$kver] CRASH (retried) /"
	echo "[$kver] RETRY the first-level guest's kernel crashed in KVM running a nested guest, on an int3 of text patching under TCG, or stopped being run by the host, with no vhost_9p frame (console kept as console-crashed.log): running the suite once more"
	mv "$out/console.log" "$out/console-crashed.log"
	rm -f "$out/results.ktap"
done
touch "$out/results.ktap"

# The suite's last group, e2e-vs-qemu9p, runs a reference guest served by
# QEMU's userspace 9p, which has taken the first-level guest down with it
# (a reset under nested SVM, no vhost_9p in it).  When the guest died
# there, after every other group had reported, boot once more for that
# group alone and count its result from that boot, unless the console
# blames vhost_9p (qemu9p_rerun_allowed).
if [ "$vm_ok" != 0 ] && qemu9p_rerun_allowed "$out"; then
	vm_crash_digest "$out/console.log" | sed "s/^/[$kver] CRASH (retried) /"
	echo "[$kver] RETRY the first-level guest died while QEMU's 9p served e2e-vs-qemu9p's reference guest, the suite's last group (console kept as console-qemu9p-died.log): booting once more for e2e and e2e-vs-qemu9p"
	mv "$out/console.log" "$out/console-qemu9p-died.log"
	again=$out/qemu9p
	rm -rf "$again"
	mkdir -p "$again"
	cp "$out"/l2-*.gz "$again/"
	if V9P_APPEND="v9p.only=e2e,e2e-vs-qemu9p ${V9P_SLOW:+v9p.slow=$V9P_SLOW}" vm_run "$kver" "$VM_DIR/suite.sh" "$again" "$limit"; then
		awk '/^# vm-suite: program / { p = $0 == "# vm-suite: program e2e-vs-qemu9p" } p' \
			"$again/results.ktap" >> "$out/results.ktap"
		vm_ok=0
	fi
fi
# Where the time went: each program's seconds, the slowest first.
awk '/^# vm-suite: program / { p = $4 } /^# vm-suite: took / { print $4 + 0, p }' \
	"$out/results.ktap" | sort -rn > "$out/times.txt"
summary=$(awk -f "$VM_DIR/ktap-count.awk" "$out/results.ktap")
echo "$summary" | grep -v '^RESULT' | sed "s/^/[$kver] /" || true
read -r _ pass fail skip < <(echo "$summary" | grep '^RESULT')
if [ $((pass + fail + skip)) = 0 ]; then
	echo "[$kver] FAIL no test ran${V9P_ONLY:+ (V9P_ONLY=$V9P_ONLY names no program)}"
	fail=$((fail + 1))
fi
if [ "$vm_ok" != 0 ]; then
	vm_crash_digest "$out/console.log" | sed "s/^/[$kver] CRASH /"
	echo "[$kver] FAIL the VM run itself (see above)"
	fail=$((fail + 1))
fi
echo "RESULT $pass $fail $skip"
[ "$fail" = 0 ]
