#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# record.sh [KVER] (make corpus): record what the real Linux 9p client
# sends, for the decoder fuzzer's corpus.  Boots KVER's first-level guest
# with the debug module, runs the end-to-end guest (selftests/vm/
# l2-e2e-init, every cache mode) against it with the request recorder on,
# and keeps the distinct requests in selftests/fuzz/recorded/, at most
# PER_TYPE (16) of each message type, named TYPE-HASH.  The files are
# committed; run it again when the client or the end-to-end checks change.
set -euo pipefail
. "$(dirname "$0")/../vm/lib.sh"

kver=${1:-$(default_kver)}
out=$VHOST9P_BUILD/fuzz/record/$kver
here=$VHOST9P_TOP/selftests/fuzz

rm -rf "$out"
mkdir -p "$out"
vm_l2_e2e_initramfs "$kver" "$out/l2-e2e.gz"
vm_run "$kver" "$here/record-guest.sh" "$out" "${V9P_VM_TIMEOUT:-1500}" ||
	die "the recording run failed: see $out/guest.log"
cat "$out/guest.log"
python3 "$here/split-record.py" "$out/record.bin" "$here/recorded" "${PER_TYPE:-16}"
