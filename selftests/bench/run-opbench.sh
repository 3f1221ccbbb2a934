#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-opbench.sh [KVER]: opbench (the server's cost per operation against
# the system calls it makes) in a first-level guest of KVER, on ext4 and
# tmpfs; OPBENCH_SECONDS (1) per measurement.  Prints the tables and
# leaves them in build/bench/KVER/opbench/opbench.txt.
set -euo pipefail
. "$(dirname "$0")/../vm/lib.sh"

kver=${1:-$(default_kver)}
out=$VHOST9P_BUILD/bench/$kver/opbench
[ -x "$VHOST9P_BUILD/bench/opbench" ] || die "no opbench: run 'make selftests'"
rm -rf "$out"
mkdir -p "$out"
echo "seconds=${OPBENCH_SECONDS:-1}" > "$VHOST9P_BUILD/bench/opbench.conf"
rc=0
vm_run "$kver" "$VHOST9P_TOP/selftests/bench/opbench-l1.sh" "$out" 1800 || rc=$?
cat "$out/opbench.txt" 2> /dev/null || true
[ "$rc" = 0 ] || die "the opbench VM failed (console: $out/console.log)"
