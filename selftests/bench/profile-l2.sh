#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The profiled workloads, in a second-level guest booted by bench-l1.sh's
# profile step: the share mounted as for the benchmark, the tree read
# once to warm the host's page cache, then the tree read and the stat
# walk, each run while the first level samples every CPU.
# The two levels meet through files in the out directory that both see:
# this guest asks with want-W, waits for armed-W (perf is recording),
# runs W and says done-W.
set -u
. "$V9P_TOP/selftests/vm/guest-lib.sh"

l2_mount_share /run/share || exit 1
dir=/run/share
tar -C "$dir/tree" -cf - . | wc -c > /dev/null
# perf in the first level takes this guest's samples only when told of
# its kernel.
cat /proc/kallsyms > /run/out/kallsyms
cat /proc/modules > /run/out/modules
for w in tree_read stat_walk; do
	touch "/run/out/want-$w"
	for _ in $(seq 600); do
		[ -e "/run/out/armed-$w" ] && break
		sleep 0.1
	done
	[ -e "/run/out/armed-$w" ] || { echo "profile-l2: no armed-$w after 60 s" >&2; exit 1; }
	t0=$(date +%s.%N)
	case $w in
	tree_read) tar -C "$dir/tree" -cf - . | wc -c > /dev/null ;;
	stat_walk) find "$dir/tree" -printf "%s %T@\n" | wc -l > /dev/null ;;
	esac
	echo "$w $(echo "$(date +%s.%N) - $t0" | bc -l) s" >> /run/out/results.txt
	touch "/run/out/done-$w"
done
