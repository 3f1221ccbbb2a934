#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-posix.sh TESTS-DIR [KVER]: run a POSIX conformance suite written for
# prove (pjdfstest's tests/, say; the project ships none) as root against
# a vhost-9p export: in the first-level guest, on an ext4 share served
# with the passthrough model, mounted by that guest's own 9p client over
# fdbridge (trans=fd, cache=none).  POSIX_NATIVE=1 runs it on the ext4
# share directly instead, for comparison.  The suite's own programs must
# be built already (for pjdfstest: autoreconf -ifs && ./configure && make
# pjdfstest in its tree).  Prints prove's summary; the whole log is in
# build/vm/KVER/posix/prove.log.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

tests=$(realpath "${1:?usage: run-posix.sh TESTS-DIR [KVER]}")
kver=${2:-$(default_kver)}
out=$VHOST9P_BUILD/vm/$kver/posix

[ -d "$tests" ] || die "$tests is not a directory"
rm -rf "$out"
mkdir -p "$out"
echo "$tests" > "$out/tests"
echo "${POSIX_NATIVE:-0}" > "$out/native"
V9P_RUN_NAME=posix vm_run "$kver" "$VM_DIR/posix-guest.sh" "$out" "${POSIX_TIMEOUT:-5400}" ||
	echo "run-posix: the VM run failed (see above)"
sed -n '/^Test Summary Report/,$p' "$out/prove.log" 2>/dev/null
tail -n 2 "$out/prove.log" 2>/dev/null
