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
# How many repetitions this boot runs, and the first one's number
# (bench-l1.sh: v9p.reps and v9p.first_rep); the fid test in the first.
arg() { sed -n "s/.*v9p\.$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
fids=
fs=$(arg fs) reps=$(arg reps) first=$(arg first_rep)
case " $(conf fids_on) " in *" $fs "*) fids=$(conf fids) ;; esac
[ "${first:-1}" = 1 ] || fids=
BENCH_FIRST_REP=${first:-1} "$V9P_TOP/selftests/bench/workloads.sh" /run/share "${reps:-$(conf reps)}" $fids \
	> /run/out/results.txt
