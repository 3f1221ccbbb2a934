#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-bench.sh [KVER]: `make bench`.  One first-level boot runs the same
# workloads natively, and in second-level guests over vhost-9p, QEMU's
# virtio-9p and virtiofs; report.sh turns the medians into a table of
# figures and ratios (build/bench/table.txt) and a plot (bench.png).
#
# BENCH_TREE (default /usr/include), BENCH_REPS (3), BENCH_SEQ_MIB (256),
# BENCH_CONFIGS (default: native vhost-9p 9p virtiofs vhost-9p-loose
# 9p-loose vhost-9p-poll, and on a kernel of 6.8 or later vhost-9p-patched
# and 9p-patched.  After a configuration's name, -pio: the guest's
# notifications by port I/O; -loose, -mmap, -readahead: that cache mode
# of the 9p pair; -patched: the guest's 9p client with client/patches,
# from make client), BENCH_FIDS (100000: the open files of the fid
# test), BENCH_FIDS_ON (native vhost-9p: where the fid test runs) and
# BENCH_INTERLEAVE (1: round N boots each configuration for repetition N,
# starting from the Nth; 0: each configuration once, all its repetitions,
# in order), BENCH_POLL_US (1000: vhost-9p-poll's ring polling limit) and
# BENCH_BOOT_ON (native vhost-9p 9p virtiofs: the boot_root
# configurations; empty: none), BENCH_LIMIT (900: seconds one
# workload may take) and BENCH_PROFILE (vhost-9p 9p virtiofs: where
# perf profiles the tree read and the stat walk; empty: nowhere) change
# the run.
set -euo pipefail
. "$(dirname "$0")/../vm/lib.sh"

kver=${1:-$(default_kver)}
bench=$VHOST9P_BUILD/bench
out=$bench/$kver

[ -x "$VHOST9P_BUILD/qemu/qemu-system-x86_64" ] || die "no QEMU with vhost-9p: run 'make qemu'"
[ -x /usr/lib/qemu/virtiofsd ] || die "no /usr/lib/qemu/virtiofsd: run 'make deps'"
[ -d "${BENCH_TREE:-/usr/include}" ] || die "BENCH_TREE=${BENCH_TREE:-} is not a directory"
configs="native vhost-9p 9p virtiofs vhost-9p-loose 9p-loose vhost-9p-poll"
client_patched "$kver" && configs="$configs vhost-9p-patched 9p-patched"
configs=${BENCH_CONFIGS:-$configs}
[[ " $configs" != *-patched* ]] || [ -s "$VHOST9P_BUILD/client/$kver/9pnet_virtio.ko" ] ||
	die "the -patched configurations need the patched client: run 'make client KVER=$kver'"
rm -rf "$out"
mkdir -p "$out"
# The second-level guest that mounts its root from the share (boot_root).
vm_l2_e2e_initramfs "$kver" "$out/l2-root.gz" l2-root-init
cat > "$bench/bench.conf" <<CONF
tree=$(realpath "${BENCH_TREE:-/usr/include}")
reps=${BENCH_REPS:-3}
seq_mib=${BENCH_SEQ_MIB:-256}
configs=$configs
fids=${BENCH_FIDS:-100000}
fids_on=${BENCH_FIDS_ON:-native vhost-9p}
poll_us=${BENCH_POLL_US:-1000}
boot_on=${BENCH_BOOT_ON-native vhost-9p 9p virtiofs}
interleave=${BENCH_INTERLEAVE:-1}
limit=${BENCH_LIMIT:-900}
profile=${BENCH_PROFILE-vhost-9p 9p virtiofs}
CONF
vm_ok=0
V9P_VM_MEM=4096 vm_run "$kver" "$VHOST9P_TOP/selftests/bench/bench-l1.sh" "$out" \
	"${BENCH_TIMEOUT:-5400}" || vm_ok=$?
# What was measured before a failure is still worth a table.
[ -s "$out/results.txt" ] && "$VHOST9P_TOP/selftests/bench/report.sh" "$out/results.txt" "$bench"
[ "$vm_ok" = 0 ] || die "the benchmark VM failed (console: $out/console.log)"
