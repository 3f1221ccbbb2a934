# SPDX-License-Identifier: GPL-2.0
#
# l2-lib.sh: the bookkeeping of the end-to-end guest's /init (l2-e2e-init,
# busybox sh), apart so that harness-selftest.sh can plant failures in it
# on the host.  The caller sets n (the last case's number) and results
# (the file the cases go to).

ok() { n=$((n + 1)); echo "ok $n $*" >> "$results"; }
fail() { n=$((n + 1)); echo "not ok $n $*" >> "$results"; }
check() {
	local what=$1
	shift
	if "$@" > /dev/null 2>&1; then ok "$what"; else fail "$what"; fi
}

# e2e_run PREFIX DIR MODE: e2e_client's cases, named with PREFIX, numbered
# on from n.  The numbers of all it planned are taken whatever happens, so
# a client that crashes leaves cases missing, which count as failed, and
# fails once more with its status.
e2e_run() {
	local prefix=$1 want start=$n got rc=0
	shift
	want=$(e2e_client --plan)
	e2e_client "$@" $n > "$results.client" || rc=$?
	sed "s/^\(\(not \)\{0,1\}ok [0-9]*\) /\1 $prefix/" "$results.client" >> "$results"
	got=$(grep -c '^\(not \)\{0,1\}ok ' "$results.client")
	n=$((start + want))
	[ "$rc" = 0 ] && [ "$got" = "$want" ] ||
		fail "${prefix}e2e_client exited $rc after $got of its $want cases"
}

# l2_log_check LOG: one case, failed when the kernel log LOG reports a bug
# (kernel_log_bad: kernel-log.sh, sourced first): a warning or an oops of
# the 9p client fails even if every operation succeeded.
l2_log_check() {
	local reports
	if reports=$(kernel_log_bad "$1" "# "); then
		fail "the second-level guest's kernel log is clean"
		echo "$reports" >> "$results"
	else
		kernel_log_emulated "$1" "# " >> "$results"
		ok "the second-level guest's kernel log is clean"
	fi
}

# refused_with MESSAGE COMMAND...: COMMAND fails, saying MESSAGE (strerror).
refused_with() {
	local msg=$1 out
	shift
	out=$("$@" 2>&1) && return 1
	echo "$out" | grep -q "$msg"
}

# says TEXT MESSAGE: TEXT has MESSAGE.
says() {
	echo "$1" | grep -q "$2"
}

# limited_checks MNT: the device behind MNT is readonly=on, max_msize=65536
# and max_fids=64, and its share holds f1..f100, big and big.md5.
limited_checks() {
	local m=$1 i=1 held=0 pids= refused=
	check "limited: the client's msize is the device's max_msize" \
		grep -q " $m 9p .*msize=65536" /proc/mounts
	check "limited: 1 MiB read back intact in 64 KiB messages" \
		[ "$(md5sum < $m/big | cut -d' ' -f1)" = "$(cat $m/big.md5)" ]
	check "limited: readonly=on refuses a write with EROFS" \
		refused_with "Read-only file system" sh -c "echo changed >> $m/f1"
	check "limited: readonly=on refuses a mkdir with EROFS" \
		refused_with "Read-only file system" mkdir $m/d
	check "limited: readonly=on refuses an unlink with EROFS" \
		refused_with "Read-only file system" rm $m/f2
	check "limited: readonly=on refuses a chmod with EROFS" \
		refused_with "Read-only file system" chmod 600 $m/f3
	# Each open file holds fids (its own, its dentry's): hold files open
	# until the device's 64 run out.
	while [ $i -le 100 ]; do
		if ! (exec 3< $m/f$i) 2> /limited-open; then
			refused=$(cat /limited-open)
			break
		fi
		sleep 600 < $m/f$i &
		pids="$pids $!"
		held=$((held + 1))
		i=$((i + 1))
	done
	echo "# limited: $held files held open; then: $refused" >> "$results"
	check "limited: max_fids=64 refuses the next open with EMFILE" \
		says "$refused" "Too many open files"
	check "limited: that was after more than 16 open files" [ $held -gt 16 ]
	kill $pids 2> /dev/null
	wait $pids 2> /dev/null
	i=1
	while [ $i -le 100 ] && [ "$(cat $m/f$i 2>/dev/null)" = "file $i" ]; do
		i=$((i + 1))
	done
	check "limited: all 100 files open again once those are closed" [ $i = 101 ]
}

# flush_checks MNT: MNT/leased has a read lease held on the host for 10 s
# past an open for write: a writer killed while its open waits there.
flush_checks() {
	local m=$1 writer i=0
	sh -c "echo changed > $m/leased" 2> /dev/null &
	writer=$!
	sleep 3
	check "flush: the open for write waits for the host's lease" kill -0 $writer
	kill -9 $writer
	# Killed, the client flushes and waits for Rflush: what the server
	# answers once the open it holds ends, at most 10 s on.
	while kill -0 $writer 2> /dev/null && [ $i -lt 30 ]; do
		sleep 1
		i=$((i + 1))
	done
	check "flush: the killed writer is gone within 30 s" [ $i -lt 30 ]
	wait $writer 2> /dev/null
	check "flush: the share answers on" grep -q "from the host" $m/host-file
}

# concurrent_writers PREFIX DIR: 4 processes at once, each writing 20
# files of 16 KiB under temporary names, recording their md5, renaming
# them into place and reading another's, all in DIR; then every file must
# match its md5 (the host checks the same, e2e-host-view).
concurrent_writers() {
	local prefix=$1 d=$2 p pids=
	mkdir -p $d
	for p in 1 2 3 4; do
		(
			i=0
			while [ $i -lt 20 ]; do
				dd if=/dev/urandom of=$d/tmp.$p.$i bs=4k count=4 2> /dev/null
				md5sum < $d/tmp.$p.$i | cut -d' ' -f1 > $d/sum.$p.$i
				mv $d/tmp.$p.$i $d/f.$p.$i
				cat $d/f.$((p % 4 + 1)).$((i / 2)) > /dev/null 2>&1
				i=$((i + 1))
			done
		) &
		pids="$pids $!"
	done
	wait $pids
	check "${prefix}4 processes wrote, renamed and read 80 files at once, each intact" \
		concurrent_files_intact $d
	check "${prefix}... and no temporary name is left" sh -c "! ls $d | grep -q '^tmp'"
}

# concurrent_files_intact DIR: concurrent_writers left its 80 files in DIR,
# each with the md5 it recorded.  The first level runs it too, on the
# host's side of the share.
concurrent_files_intact() {
	local got
	got=$(cd "$1" && md5sum f.* | sed 's/^\([0-9a-f]*\)  f\./\1 /' | sort -k 2)
	[ "$(echo "$got" | wc -l)" = 80 ] &&
		[ "$got" = "$(cd "$1" && grep -H . sum.* | sed 's/^sum\.\([^:]*\):\(.*\)/\2 \1/' | sort -k 2)" ]
}
