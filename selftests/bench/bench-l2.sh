#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The benchmark in a second-level guest booted by l2_host: the share
# mounted over the file system the command line names, the workloads on it.
set -u
. "$V9P_TOP/selftests/vm/guest-lib.sh"

conf() { sed -n "s/^$1=//p" "$V9P_TOP/build/bench/bench.conf"; }
BENCH_LIMIT=$(conf limit)
export BENCH_LIMIT

l2_mount_share /run/share || exit 1
# The options the client settled on (msize, cache), for the record.
grep " /run/share " /proc/mounts | sed 's/^/# mount: /' > /run/out/mount.txt
fids=
fs=$(sed -n 's/.*v9p\.fs=\([^ ]*\).*/\1/p' /proc/cmdline)
case " $(conf fids_on) " in *" $fs "*) fids=$(conf fids) ;; esac
"$V9P_TOP/selftests/bench/workloads.sh" /run/share "$(conf reps)" $fids > /run/out/results.txt
