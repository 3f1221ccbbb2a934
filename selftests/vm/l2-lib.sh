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

# mounted NAME TAG DIR [CACHE]: the device TAG mounted at DIR (cache=none
# unless CACHE; msize 512000) as the case "NAME: mount"; false if not.
mounted() {
	mkdir -p $3
	if mount -t 9p -o trans=virtio,version=9p2000.L,cache=${4:-none},msize=512000 $2 $3; then
		ok "$1: mount"
	else
		fail "$1: mount"
		return 1
	fi
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

# l2_log_check LOG [WHEN]: one case, failed when the kernel log LOG
# reports a bug (kernel_log_bad: kernel-log.sh, sourced first): a warning
# or an oops of the 9p client fails even if every operation succeeded.
l2_log_check() {
	local reports what="the second-level guest's kernel log is clean${2:+ $2}"
	if reports=$(kernel_log_bad "$1" "# "); then
		fail "$what"
		echo "$reports" >> "$results"
	else
		kernel_log_emulated "$1" "# " >> "$results"
		ok "$what"
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

# tread_probe PREFIX FILE [MAX]: read FILE (8 MiB) in 1 MiB blocks and
# count the Treads the client sends for it on its 9p_client_req
# tracepoint.  In requests of msize (512000), three a block, it takes 25
# with the one that finds the end; the client of 6.8 and later, as
# shipped, asks for 4 KiB at a time in cache=none: 2049 (client/patches
# mends it).  With MAX, one case that fails above MAX;
# without, the count as a note.
tread_probe() {
	local prefix=$1 file=$2 max=${3:-} t=/sys/kernel/tracing ev count
	local hist='hist:keys=type:vals=hitcount if type == 116'
	ev=$t/events/9p/9p_client_req
	[ -d $t/events ] || mount -t tracefs nodev $t
	echo "$hist" > $ev/trigger &&
		dd if="$file" of=/dev/null bs=1M 2> /dev/null &&
		count=$(sed -n 's/^{ *type: *116 *} *hitcount: *\([0-9]*\).*/\1/p' $ev/hist)
	echo "!$hist" > $ev/trigger
	echo "# ${prefix}an 8 MiB read in 1 MiB blocks took ${count:-an unknown number of} Treads" >> "$results"
	[ -z "$max" ] ||
		check "${prefix}an 8 MiB read in 1 MiB blocks takes at most $max Treads" \
			[ -n "$count" -a "${count:-0}" -le "$max" ]
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
# each of 16 KiB with the md5 it recorded.  The first level runs it too,
# on the host's side of the share.
concurrent_files_intact() {
	local got
	got=$(cd "$1" && md5sum f.* | sed 's/^\([0-9a-f]*\)  f\./\1 /' | sort -k 2)
	[ "$(echo "$got" | wc -l)" = 80 ] &&
		[ -z "$(find "$1" -name 'f.*' ! -size 16384c)" ] &&
		[ "$got" = "$(cd "$1" && grep -H . sum.* | sed 's/^sum\.\([^:]*\):\(.*\)/\2 \1/' | sort -k 2)" ]
}

# reset_checks TAG MODES: a virtio reset of TAG's device with nothing
# mounted.  Unbinding the driver resets the device (the VMM stops its
# vhost-9p side), binding it again negotiates and starts it afresh; a new
# mount then reads what the mounts in each of MODES wrote before, the
# cached modes' mmap writes included.
reset_checks() {
	local tag=$1 modes=$2 drv=/sys/bus/virtio/drivers/9pnet_virtio dev= t m=/mnt/reset mode
	for t in $drv/virtio*/mount_tag; do
		[ "$(tr -d '\0\n' < $t)" = $tag ] && dev=${t%/mount_tag} && dev=${dev##*/}
	done
	mkdir -p $m
	check "reset: the driver lets go of the device" sh -c "[ -n '$dev' ] && echo $dev > $drv/unbind"
	check "reset: nothing mounts while it is unbound" \
		sh -c "! mount -t 9p -o trans=virtio,version=9p2000.L $tag $m"
	check "reset: the driver takes the device again" \
		sh -c "echo $dev > $drv/bind && [ -e $drv/$dev/mount_tag ]"
	mounted "after the reset" $tag $m || return
	for mode in $modes; do
		check "reset: a new mount reads what cache=$mode wrote" \
			grep -qx "hello" $m/$mode/renamed
		[ $mode = none ] ||
			check "reset: a new mount reads cache=$mode's mmap write" \
			sh -c "dd if=$m/$mode/c/mapped bs=1 skip=4096 count=20 2> /dev/null | grep -qx 'written through mmap'"
	done
	check "reset: umount" umount $m
}

# model_checks TAG: through the device TAG (security_model=passthrough or
# mapped-xattr, setid=on, devices=on), what only root may do: chown,
# set-user-ID, a device node; and what mapped-xattr keeps in xattrs: a
# FIFO, a symlink, a directory's mode.  They stay in the share for the
# host (e2e-host-view) and, for mapped-xattr, for QEMU's own 9p server
# to read back (e2e-vs-qemu9p).
model_checks() {
	local tag=$1 m=/mnt/$1
	mounted $tag $tag $m || return
	check "$tag: write" sh -c "echo data > $m/file"
	check "$tag: chown" chown 1234:2345 $m/file
	check "$tag: chmod with set-user-ID" chmod 4751 $m/file
	check "$tag: mknod of a character device" mknod $m/null c 1 3
	check "$tag: mkfifo" mkfifo $m/fifo
	check "$tag: symlink" ln -s target $m/link
	check "$tag: mkdir with mode 701" mkdir -m 701 $m/dir
	model_read "$tag" $m
	check "$tag: umount" umount $m
}

# model_read PREFIX DIR: what model_checks made in DIR, as the client
# sees it.
model_read() {
	local p=$1 m=$2
	check "$p: the file's owner, group and mode" \
		[ "$(stat -c %u:%g:%a $m/file)" = 1234:2345:4751 ]
	check "$p: the file's content" grep -qx data $m/file
	check "$p: the device node" [ "$(stat -c %F:%t:%T $m/null)" = "character special file:1:3" ]
	check "$p: the FIFO" [ -p $m/fifo ]
	check "$p: the symlink" [ "$(readlink $m/link)" = target ]
	check "$p: the directory and its mode" [ "$(stat -c %F:%a $m/dir)" = directory:701 ]
}

# twin_checks SELF OTHER: one of two guests at once, each with its own
# vhost-9p device on one export, while a host process puts a new
# host.txt ("gen N") in place by rename every 0.2 s.  Each writes 20 files
# with their md5 and reads the other's; reads host.txt as it changes; and
# a write lock guest a holds, guest b sees and cannot take.
twin_checks() {
	local me=$1 other=$2 m=/mnt/twin i=0 last=-1 bad= gens=0 line gen holder= out
	mounted "twin $me" share $m || return
	mkdir -p $m/$me
	while [ $i -lt 20 ]; do
		dd if=/dev/urandom of=$m/$me/f.$i bs=4k count=16 2> /dev/null
		md5sum < $m/$me/f.$i | cut -d' ' -f1 > $m/$me/sum.$i
		i=$((i + 1))
	done
	touch $m/$me.done
	echo "V9P-E2E-STEP twin $me: 20 files written"
	check "twin $me: 20 files written" [ "$(ls $m/$me | wc -l)" = 40 ]
	i=0
	while [ ! -e $m/$other.done ] && [ $i -lt 300 ]; do
		sleep 1
		i=$((i + 1))
	done
	echo "V9P-E2E-STEP twin $me: waited ${i}s for the other's files"
	check "twin $me: the other guest's files are there" [ -e $m/$other.done ]
	check "twin $me: the other guest's 20 files are intact" \
		twin_files_intact $m/$other
	i=0
	while [ $i -lt 40 ]; do
		line=$(cat $m/host.txt)
		gen=${line#gen }
		case "$line" in
		"gen "[0-9]*) ;;
		*) bad="$bad [$line]" ;;
		esac
		[ -n "${gen##*[!0-9]*}" ] && [ "$gen" -ge "$last" ] || bad="$bad [$line after $last]"
		[ "$gen" = "$last" ] || gens=$((gens + 1))
		last=$gen
		sleep 0.1
		i=$((i + 1))
	done
	echo "V9P-E2E-STEP twin $me: read host.txt 40 times"
	check "twin $me: host.txt, replaced by the host meanwhile, reads whole and never goes back" \
		[ -z "$bad" ]
	[ -z "$bad" ] || echo "# twin $me: read $bad" >> $results
	check "twin $me: ... and the host's changes show (3 versions at least)" [ $gens -ge 3 ]
	echo "# twin $me: $gens versions of host.txt seen" >> $results
	if [ $me = a ]; then
		e2e_client --lock $m/lock $m/b.probed &
		holder=$!
	else
		i=0
		while [ ! -e $m/lock.held ] && [ $i -lt 300 ]; do
			sleep 1
			i=$((i + 1))
		done
		echo "V9P-E2E-STEP twin b: waited ${i}s for a's lock"
		if out=$(e2e_client --locked $m/lock 2>&1); then
			ok "twin b: the write lock guest a holds is seen (F_GETLK), and refused"
		else
			fail "twin b: the write lock guest a holds is seen (F_GETLK), and refused"
			echo "# $out" >> $results
		fi
		touch $m/b.probed
	fi
	[ -z "$holder" ] ||
		check "twin a: held a write lock until guest b had probed it" wait $holder
	check "twin $me: umount" umount $m
}

# twin_files_intact DIR: twin_checks' 20 files in DIR, of 64 KiB each,
# match their md5.
twin_files_intact() {
	local i=0
	while [ $i -lt 20 ]; do
		[ "$(wc -c < $1/f.$i)" = 65536 ] &&
			[ "$(md5sum < $1/f.$i | cut -d' ' -f1)" = "$(cat $1/sum.$i)" ] || return 1
		i=$((i + 1))
	done
}
