#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# workloads.sh DIR REPS [FIDS]: the benchmark workloads on the prepared tree DIR
# (bench-l1.sh makes it), REPS timed repetitions after an untimed read of
# the tree and the large file, so every file system is measured with the
# host's page cache warm.  The repetitions are numbered from
# BENCH_FIRST_REP (default 1): with interleaving, each boot runs one.  Prints "workload rep value unit" lines; lower is better for
# s and us, higher for /s.  A workload that fails or outlasts
# BENCH_LIMIT seconds (default 900) is left out of the figures with a
# "#" line saying so, and the others still run: one stuck server must not
# cost the figures of the rest.
set -u
dir=$1 reps=$2 FIDS=${3:-}
fsbench=${FSBENCH:-$V9P_TOP/build/bench/fsbench}
limit=${BENCH_LIMIT:-900}
export dir

now() { date +%s.%N; }
# timed WORKLOAD REP SHELL-COMMAND: its wall time, in seconds.
timed()
{
	local name=$1 rep=$2 t0 t1 rc=0
	t0=$(now)
	timeout --kill-after=5 "$limit" bash -c "$3" > /dev/null || rc=$?
	t1=$(now)
	if [ "$rc" != 0 ]; then
		echo "# $name $rep failed (exit $rc; 124: over ${limit}s)"
		return 1
	fi
	[ "$rep" = 0 ] || echo "$name $rep $(echo "$t1 - $t0" | bc -l) s"
}
# fsbench_value WORKLOAD REP KEY ARGS...: one figure fsbench prints.
fsbench_value()
{
	local name=$1 rep=$2 key=$3 v rc=0
	shift 3
	v=$(timeout --kill-after=5 "$limit" "$fsbench" "$@" | awk -v k="$key" '$1 == k { print $2, $3 }') ||
		rc=$?
	if [ -z "$v" ]; then
		echo "# $name $rep failed (fsbench $* printed no $key; exit $rc)"
		return 1
	fi
	[ "$rep" = 0 ] || echo "$name $rep $v"
}

tree_read='tar -C "$dir/tree" -cf - . | wc -c'
stat_walk='find "$dir/tree" -printf "%s %T@\n" | wc -l'
seq_read='dd if="$dir/seq.bin" of=/dev/null bs=1M 2>&1'

mkdir -p "$dir/churn"
timed tree_read 0 "$tree_read"
timed seq_read 0 "$seq_read"
first=${BENCH_FIRST_REP:-1}
for rep in $(seq "$first" $((first + reps - 1))); do
	timed tree_read "$rep" "$tree_read"
	timed stat_walk "$rep" "$stat_walk"
	timed seq_read "$rep" "$seq_read"
	# (What a failed round left would make the next one fail.)
	rm -rf "$dir/churn" && mkdir "$dir/churn"
	fsbench_value create_delete_2000 "$rep" create_write_delete create "$dir/churn" 2000 4096
	fsbench_value randread_4k_qd1 "$rep" iops randread "$dir/seq.bin" 4096 1000 1
	fsbench_value randread_4k_4readers "$rep" iops randread "$dir/seq.bin" 4096 1000 4
done
# Opening 100,000 files takes long on slow servers, and the target is
# vhost-9p's own scaling: where FIDS is set, once, best of three rounds
# of fstat() inside.
if [ -n "${FIDS:-}" ]; then
	fsbench_value fstat_100_open 1 fstat_latency fids "$dir/fids" 100 20000
	fsbench_value fstat_100000_open 1 fstat_latency fids "$dir/fids" "$FIDS" 20000
fi
exit 0
