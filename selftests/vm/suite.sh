#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The VM suite, run inside the first-level guest by run-suite.sh: module
# autoload, the kselftests, unload and reload, and a second-level guest
# under nested KVM.  Results go to $V9P_OUT/results.ktap.
set -u
. "$V9P_TOP/selftests/vm/guest-lib.sh"

SELFTESTS=$V9P_TOP/build/selftests
CTL=$V9P_TOP/build/tools/vhost9p-ctl

# With neither module nor device node, vhost9p-ctl must fail and say how
# to fix it.
ctl_names_fix()
{
	local out

	out=$("$CTL" info 2>&1) && return 1
	grep -q "run 'modprobe vhost_9p'" <<< "$out"
}
# The same from attach, before it looks at its other arguments.
ctl_attach_names_fix()
{
	local out

	out=$("$CTL" attach --mem-fd 0:0:4K --kick-fd 0 --path / --tag t < /dev/null 2>&1)
	[ $? = 1 ] && grep -q "run 'modprobe vhost_9p'" <<< "$out"
}
MODDIR=$V9P_MODROOT/lib/modules/$KVER

# On the debug kernel (make check-debug) the checkers must really be on,
# or a clean run proves nothing.  kmemleak forgets what it suspects of the
# boot, before anything of ours ran; the suite's last group scans.
if [ -n "$V9P_KROOT" ] && wanted debug-kernel; then
	ktap_group_begin debug-kernel
	boot_log=$(dmesg)
	check "KASAN is on" grep -q 'KernelAddressSanitizer initialized' <<< "$boot_log"
	check "lockdep is on" grep -q '^ *debug_locks: *1$' /proc/lockdep_stats
	check "kmemleak is on" [ -w "$KMEMLEAK" ]
	check "UBSAN is built in" grep -qx 'CONFIG_UBSAN=y' "$V9P_KROOT/boot/config-$KVER"
	check "failslab is there" [ -d /sys/kernel/debug/failslab ]
	check "fail_function is there" [ -d /sys/kernel/debug/fail_function ]
	check "kmemleak scanned the boot and cleared it" \
		sh -c "echo scan > $KMEMLEAK && echo clear > $KMEMLEAK"
	ktap_group_end
fi
dmesg_new > /dev/null

# kmod creates a static node for every module with a devname alias at boot
# (systemd's kmod-static-nodes); do the same, then open it.
if wanted module-autoload; then
	ktap_group_begin module-autoload
	read -r _ name devnum < <(grep '^vhost_9p ' "$MODDIR/modules.devname")
	check "modules.devname names /dev/vhost-9p" [ "$name" = vhost-9p ]
	check "module not loaded before first open" [ ! -d /sys/module/vhost_9p ]
	devnum=${devnum#c}
	rm -f /dev/vhost-9p
	mknod -m 600 /dev/vhost-9p c "${devnum%:*}" "${devnum#*:}"
	exec 3<>/dev/vhost-9p
	check "first open of /dev/vhost-9p loads vhost_9p" [ -d /sys/module/vhost_9p ]
	exec 3>&-
	check "vhost_9p registered as misc device vhost-9p" \
		[ "$(cat /sys/class/misc/vhost-9p/dev 2>/dev/null)" = "${devnum#c}" ]
	ktap_group_end
	dmesg_check module-autoload
else
	v9p_modprobe vhost_9p
fi

run_program vhost_9p_test 300 "$SELFTESTS/vhost_9p_test"
run_program server_test 300 "$SELFTESTS/server_test"
# The tracepoints, as perf and bpftrace see them: tracefs.
if wanted tracepoints; then
	ktap_group_begin tracepoints
	T=/sys/kernel/tracing
	[ -d $T/events ] || mount -t tracefs nodev $T
	# Enabling an event also hooks sched_switch to record task names,
	# patching __schedule(), which multi-threaded TCG does not always
	# survive (selftests/vm/kvm-hold.c): the events need no task names.
	echo 0 > $T/options/record-cmd
	check "vhost_9p:vhost_9p_request and vhost_9p_reply are listed" \
		[ -d $T/events/vhost_9p/vhost_9p_request -a -d $T/events/vhost_9p/vhost_9p_reply ]
	echo > $T/trace
	echo 1 > $T/events/vhost_9p/enable
	"$SELFTESTS/server_test" > /dev/null 2>&1
	echo 0 > $T/events/vhost_9p/enable
	check "a Tversion shows as a request without a fid" \
		grep -Eq 'vhost_9p_request: .* tag=65535 type=Tversion fid=-1 size=[1-9]' $T/trace
	check "a Tattach shows its fid" \
		grep -Eq 'vhost_9p_request: .* type=Tattach fid=[0-9]+ ' $T/trace
	check "replies show their length and server time" \
		grep -Eq 'vhost_9p_reply: .* type=Tversion err=0 len=[1-9][0-9]* bytes=0 server_ns=[1-9]' $T/trace
	check "a Tread's reply shows the bytes read" \
		grep -Eq 'vhost_9p_reply: .* type=Tread err=0 len=[0-9]+ bytes=[1-9]' $T/trace
	grep -m 3 vhost_9p_ $T/trace | sed 's/^/# /' >> "$KTAP_LINES"
	echo > $T/trace
	# System-wide: on 6.1 the vhost worker is a kthread, not a thread of
	# the process that owns the device.
	if command -v perf > /dev/null; then
		n=$(perf stat -a -x, -e vhost_9p:vhost_9p_reply -- "$SELFTESTS/server_test" 2>&1 > /dev/null |
			awk -F, '/vhost_9p_reply/ { print $1 }')
		check "perf counts vhost_9p:vhost_9p_reply events ($n)" [ "${n:-0}" -gt 10 ]
	else
		ktap_skip "perf counts vhost_9p:vhost_9p_reply events" "no perf (linux-perf) installed"
	fi
	ktap_group_end
	dmesg_check tracepoints
fi

# ops_test's user.* xattr tests and mapped_test need a file system that has
# them (tmpfs has them only since 6.6): a small ext4 image.  ops_test also
# checks that attribute names past XATTR_NAME_MAX never reach XFS.
if { wanted ops_test || wanted mapped_test; } && v9p_modprobe loop && v9p_modprobe ext4 &&
	truncate -s 64M "$TMPDIR/ext4.img" && mkfs.ext4 -q "$TMPDIR/ext4.img" &&
	mkdir -p "$TMPDIR/ext4" && mount -o loop "$TMPDIR/ext4.img" "$TMPDIR/ext4"; then
	export V9P_EXT4=$TMPDIR/ext4
fi
if wanted ops_test && v9p_modprobe xfs &&
	truncate -s 320M "$TMPDIR/xfs.img" && mkfs.xfs -q "$TMPDIR/xfs.img" &&
	mkdir -p "$TMPDIR/xfs" && mount -o loop "$TMPDIR/xfs.img" "$TMPDIR/xfs"; then
	export V9P_XFS=$TMPDIR/xfs
fi
run_program ops_test 300 "$SELFTESTS/ops_test"
run_program mapped_test 300 "$SELFTESTS/mapped_test"
if [ -n "${V9P_EXT4:-}" ]; then
	umount "$V9P_EXT4"
	unset V9P_EXT4
	rm -f "$TMPDIR/ext4.img"
fi
if [ -n "${V9P_XFS:-}" ]; then
	umount "$V9P_XFS"
	unset V9P_XFS
	rm -f "$TMPDIR/xfs.img"
fi
run_program export_test 300 "$SELFTESTS/export_test"
run_program async_test 300 "$SELFTESTS/async_test"
# limits_test serves a FUSE file system of its own (minifuse.c).
wanted limits_test && v9p_modprobe fuse
run_program limits_test 600 "$SELFTESTS/limits_test"
# Random hostile traffic for a bounded time (V9P_FUZZ_SECONDS, 30 s here).
V9P_FUZZ_SECONDS=${V9P_FUZZ_SECONDS:-30} \
	run_program ring_fuzz $((${V9P_FUZZ_SECONDS:-30} + 120)) "$SELFTESTS/ring_fuzz"
# Hostile request sequences while a host thread moves directories out of
# the export and back (20 s here, V9P_FUZZ_SECONDS under make check-debug).
V9P_SEQ_FUZZ_SECONDS=${V9P_FUZZ_SECONDS:-20} \
	run_program seq_fuzz $((${V9P_FUZZ_SECONDS:-20} + 120)) "$SELFTESTS/seq_fuzz"

# fault_test needs the debug module (make modules-debug, fault injection):
# it takes the release module's place, with debugfs mounted, and gives it
# back afterwards.
if wanted fault_test; then
	DEBUG_KO=$V9P_TOP/build/kmod-debug/$KVER/drivers/vhost/9p/vhost_9p.ko
	DFS=/sys/kernel/debug
	mountpoint -q $DFS || mount -t debugfs debugfs $DFS
	ktap_group_begin fault-module
	if [ -f "$DEBUG_KO" ]; then
		check "release module unloaded" rmmod vhost_9p
		check "release module has no /sys/kernel/debug/vhost-9p" [ ! -e $DFS/vhost-9p ]
		check "debug module loaded in its place" insmod "$DEBUG_KO"
		check "debug module has /sys/kernel/debug/vhost-9p" [ -d $DFS/vhost-9p ]
		ktap_group_end
		run_program fault_test 300 "$SELFTESTS/fault_test"
		ktap_group_begin fault-module-restore
		check "debug module unloaded" rmmod vhost_9p
		check "its debugfs directory went with it" [ ! -e $DFS/vhost-9p ]
		check "release module loaded again" v9p_modprobe vhost_9p
		ktap_group_end
	else
		ktap_skip "debug module loaded in place of the release one" \
			"$DEBUG_KO is not built: run 'make modules-debug'"
		ktap_group_end
	fi
	dmesg_check fault-module
fi

# same_md5 FILE SUMFILE: FILE exists and its MD5 is the one in SUMFILE.
same_md5()
{
	[ -s "$1" ] && [ -s "$2" ] && [ "$(md5sum < "$1" | cut -d' ' -f1)" = "$(cat "$2")" ]
}

# The checks a KTAP file passed or failed, by name, without numbers.
ktap_names()
{
	sed -n "s/^$1 [0-9]* //p" "$2" | sed 's/ # SKIP.*//' | sort
}

# The checks Documentation lists as those QEMU's virtio-9p fails and
# vhost-9p passes: the ``names`` opening each item of that list.
documented_qemu9p_differences()
{
	sed -n '/^.. qemu9p-differences-begin/,/^.. qemu9p-differences-end/p' \
		"$V9P_TOP/Documentation/testing.rst" |
		sed -n 's/^- ``\([^`]*\)``.*/\1/p' | sort
}

# The real Linux 9p client, in a second-level guest, through QEMU's
# vhost-9p-pci device, in each of its cache modes.
E2E_MODES=none,loose,mmap,fscache
# The modes in which 4 processes write at once (l2-lib.sh's
# concurrent_writers): with and without the page cache.
E2E_CONCURRENT=none,loose

# limited_share DIR: the share of the second device of the e2e guest (tag
# "limited", read-only, few fids, a small msize): f1..f100, and big, 1 MiB,
# with its md5 in big.md5.
limited_share()
{
	mkdir -p "$1" && (cd "$1" && for i in $(seq 100); do echo "file $i" > "f$i"; done) &&
		chmod 644 "$1/f3" &&
		head -c 1M /dev/urandom > "$1/big" && md5sum < "$1/big" | cut -d' ' -f1 > "$1/big.md5"
}

# concurrent_files_intact DIR: l2-lib.sh's, which the second-level guest
# ran on the same files (that file's other functions would clash here).
concurrent_files_intact()
{
	sh -c '. "$1"; concurrent_files_intact "$2"' sh "$V9P_TOP/selftests/vm/l2-lib.sh" "$1"
}

# mapped_attr_is FILE NAME HEX: FILE's user.virtfs.NAME is HEX (bytes).
mapped_attr_is()
{
	[ "$(getfattr --absolute-names -e hex --only-values -n "user.virtfs.$2" "$1" 2>&1 |
		od -An -tx1 | tr -d ' \n')" = "$3" ]
}

# mapped_attrs_are FILE OWNER UID GID MODE: FILE is OWNER's (uid:gid) on
# the host and keeps UID, GID and MODE (hex bytes) in user.virtfs.*.
mapped_attrs_are()
{
	[ "$(stat -c %u:%g "$1")" = "$2" ] && mapped_attr_is "$1" uid "$3" &&
		mapped_attr_is "$1" gid "$4" && mapped_attr_is "$1" mode "$5"
}

# limited_share_unchanged DIR: what the guest tried to change is as it was.
limited_share_unchanged()
{
	[ "$(cat "$1/f1")" = "file 1" ] && [ -f "$1/f2" ] && [ ! -e "$1/d" ] &&
		[ "$(stat -c %a "$1/f3")" = 644 ]
}

# The 9P messages the real client sends the e2e guest's "share" device,
# by type: a hist trigger on the device's reply tracepoint counts every
# one (a trace buffer would drop some).  record-cmd off: see tracepoints.
E2E_HIST='hist:keys=type:vals=hitcount:sort=type if mount_tag == "share"'
E2E_REPLY=/sys/kernel/tracing/events/vhost_9p/vhost_9p_reply
e2e_messages_start()
{
	[ -d /sys/kernel/tracing/events ] || mount -t tracefs nodev /sys/kernel/tracing
	echo 0 > /sys/kernel/tracing/options/record-cmd &&
		echo "$E2E_HIST" > "$E2E_REPLY/trigger"
}

# e2e_messages_stop: "Tname count" per message type counted, and the
# trigger removed.
e2e_messages_stop()
{
	awk 'BEGIN {
		split("6 Tlerror 8 Tstatfs 12 Tlopen 14 Tlcreate 16 Tsymlink 18 Tmknod 20 Trename " \
		      "22 Treadlink 24 Tgetattr 26 Tsetattr 30 Txattrwalk 32 Txattrcreate " \
		      "40 Treaddir 50 Tfsync 52 Tlock 54 Tgetlock 70 Tlink 72 Tmkdir 74 Trenameat " \
		      "76 Tunlinkat 100 Tversion 102 Tauth 104 Tattach 108 Tflush 110 Twalk " \
		      "116 Tread 118 Twrite 120 Tclunk 122 Tremove", w, " ")
		for (i = 1; i in w; i += 2)
			name[w[i]] = w[i + 1]
	}
	/^\{ type: *[0-9]+ *\} hitcount: *[0-9]+/ {
		gsub(/[{}:]/, " ")
		print ($2 in name ? name[$2] : "type-" $2), $4
	}' "$E2E_REPLY/hist"
	echo "!$E2E_HIST" > "$E2E_REPLY/trigger"
}

# lease_hold FILE: a process of this guest holds a read lease on FILE
# (made here) and ignores the break, so that an open of FILE for write
# waits lease-break-time, set to 10 s until lease_release.
lease_hold()
{
	echo kept > "$1" || return 1
	LEASE_BREAK_TIME=$(cat /proc/sys/fs/lease-break-time)
	echo 10 > /proc/sys/fs/lease-break-time
	python3 -c '
import fcntl, os, signal, sys, time
signal.signal(signal.SIGIO, signal.SIG_IGN)
fd = os.open(sys.argv[1], os.O_RDONLY)
fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_RDLCK)
print("held", flush=True)
time.sleep(3600)' "$1" > "$TMPDIR/lease.out" 2>&1 &
	LEASE_PID=$!
	for _ in $(seq 100); do
		grep -q held "$TMPDIR/lease.out" && return 0
		sleep 0.1
	done
	return 1
}

lease_release()
{
	kill "$LEASE_PID" 2> /dev/null
	wait "$LEASE_PID" 2> /dev/null
	echo "$LEASE_BREAK_TIME" > /proc/sys/fs/lease-break-time
}

# What the e2e checks cannot pass without.
E2E_NEEDED="Tversion Tattach Twalk Tclunk Tlopen Tlcreate Tread Twrite Tgetattr Tsetattr
Treaddir Tmkdir Tunlinkat Tsymlink Treadlink Tlink Tmknod Tstatfs Tlock Txattrwalk Txattrcreate"

# l2_ready: the QEMU of qemu/build.sh is built and nested KVM works, as
# every second-level guest of ours needs.
l2_ready()
{
	[ -x "$V9P_QEMU" ] && nested_kvm_ready
}

# l2_unavailable_case WHAT: the case WHAT, which needs the QEMU of
# qemu/build.sh and nested KVM, when either is missing: failed without
# that QEMU (a build that failed is never a skip), skipped on a CPU
# without nested SVM/VMX.  l2_unavailable GROUP WHAT: the same as GROUP.
l2_unavailable_case()
{
	if [ ! -x "$V9P_QEMU" ]; then
		ktap_fail "$1: QEMU with the vhost-9p device is built (make qemu)"
	else
		ktap_skip "$1" "no /dev/kvm in the guest (CPU without nested SVM/VMX)"
	fi
}

l2_unavailable()
{
	ktap_group_begin "$1"
	l2_unavailable_case "$2"
	ktap_group_end
}

if wanted e2e; then
	share=$TMPDIR/e2e-share
	e2e_share_checked e2e-share "$share"
	limited=$TMPDIR/e2e-limited
	ktap_group_begin e2e-limited-share
	check "the share $limited is made (100 files, 1 MiB)" limited_share "$limited"
	# The security models' exports: on the share's ext4 (user.* xattrs).
	models=$share/models
	check "the passthrough and mapped-xattr exports are made" \
		mkdir -p "$models/passthrough" "$models/mapped"
	ktap_group_end
	if ! l2_ready; then
		l2_unavailable e2e "end-to-end"
	else
		# setid=on: the client's chmod with set-user-ID is one of the checks
		# (the default refuses it: export_test checks that).
		e2e_messages_start || echo "# vm-suite: could not set $E2E_HIST" >> "$RESULTS"
		# The guest's writer of "leased" waits in the server for the
		# lease, and is killed there: its client sends a Tflush.
		ktap_group_begin e2e-lease
		check "a host process holds a lease on the share's file 'leased'" lease_hold "$share/leased"
		ktap_group_end
		# A second device: the limits a user sets, as the client sees them.
		# The guest reboots once with the share mounted (v9p.reboot=1).
		# Two more: the other security models.
		L2_REBOOT=1 l2_e2e e2e 600 "v9p.modes=$E2E_MODES v9p.concurrent=$E2E_CONCURRENT v9p.limited=1 v9p.flush=1 v9p.reboot=1 v9p.models=write" \
			-device "vhost-9p-pci,mount_tag=share,path=$share,security_model=none,setid=on" \
			-device "vhost-9p-pci,mount_tag=limited,path=$limited,security_model=none,readonly=on,max_msize=65536,max_fids=64" \
			-device "vhost-9p-pci,mount_tag=passthrough,path=$models/passthrough,security_model=passthrough,setid=on,devices=on" \
			-device "vhost-9p-pci,mount_tag=mapped,path=$models/mapped,security_model=mapped-xattr,setid=on,devices=on"
		# What the guest wrote is what the host has.
		ktap_group_begin e2e-host-view
		for mode in ${E2E_MODES//,/ }; do
			d=$share/$mode
			check "cache=$mode: the host reads what the guest wrote" \
				[ "$(cat "$d/renamed" 2>/dev/null)" = hello ]
			check "cache=$mode: the host's copy of the 8 MiB file is intact" \
				same_md5 "$d/big" "$d/big.md5"
			check "cache=$mode: the host sees the guest's 200 files" \
				[ "$(ls "$d/tree/a/b" | wc -l)" = 200 ]
			check "cache=$mode: the guest's FIFO is a FIFO on the host" [ -p "$d/fifo" ]
			[[ ",$E2E_CONCURRENT," != *",$mode,"* ]] ||
				check "cache=$mode: the host has the 80 files of 4 concurrent writers, each intact" \
				concurrent_files_intact "$d/conc"
			c=$d/c
			check "cache=$mode: the host has the guest's xattr" \
				sh -c "getfattr --only-values -n user.kept '$c/xattr' | grep -qx kept"
			[ $mode = none ] ||
				check "cache=$mode: the host has the guest's mmap write" \
				sh -c "dd if='$c/mapped' bs=1 skip=4096 count=20 2>/dev/null | grep -qx 'written through mmap'"
			check "cache=$mode: the host sees the 5 GiB sparse file" \
				sh -c "[ \$(stat -c %s '$c/sparse') = 5368709130 ] && dd if='$c/sparse' bs=1 skip=5368709120 count=10 2>/dev/null | grep -qx 'past 4 GiB'"
			check "cache=$mode: the host has the guest's owner and mode" \
				[ "$(stat -c %u:%g:%a "$c/attrs")" = 1234:2345:4751 ]
			check "cache=$mode: the host has the guest's O_DIRECT write and its copy_file_range copy" \
				sh -c "[ \$(stat -c %s '$c/direct') = 266240 ] && cmp -s -i 4096:0 '$c/direct' '$c/copied'"
		done
		# passthrough: the host has what the guest made, as it made it.
		p=$models/passthrough
		check "passthrough: the host file has the guest's owner, group and mode" \
			[ "$(stat -c %u:%g:%a "$p/file" 2>&1)" = 1234:2345:4751 ]
		check "passthrough: the host has the guest's device node, FIFO, symlink and directory" \
			[ "$(stat -c %F:%t:%T "$p/null" 2>&1)" = "character special file:1:3" -a \
			  -p "$p/fifo" -a "$(readlink "$p/link")" = target -a \
			  "$(stat -c %F:%a "$p/dir" 2>&1)" = directory:701 ]
		# mapped-xattr: root's files, with the guest's view in QEMU's
		# user.virtfs.* (little-endian uid, gid and mode, rdev as dev_t).
		p=$models/mapped
		check "mapped-xattr: the host file is root's, the guest's owner and mode in user.virtfs.*" \
			mapped_attrs_are "$p/file" 0:0 d2040000 29090000 e9890000
		check "mapped-xattr: the device node, FIFO and symlink are plain files on the host" \
			[ -f "$p/null" -a -f "$p/fifo" -a -f "$p/link" -a "$(cat "$p/link")" = target ]
		check "mapped-xattr: the device node's rdev is in user.virtfs.rdev" \
			mapped_attr_is "$p/null" rdev 0301000000000000
		ktap_group_end
		lease_release
		# Which messages the real client sent: in the summary.
		msgs=$(e2e_messages_stop)
		ktap_group_begin e2e-messages
		echo "# vm-suite: NOTE the real client sent $(echo "$msgs" | wc -l) types: $(echo $msgs | sed 's/\([0-9]\) /\1, /g')" >> "$KTAP_LINES"
		missing=$(for t in $E2E_NEEDED; do grep -q "^$t [1-9]" <<< "$msgs" || echo "$t"; done)
		check "the real client sent every message the checks need" [ -n "$msgs" -a -z "$missing" ]
		[ -z "$missing" ] || echo "# not sent: "$missing >> "$KTAP_LINES"
		check "the client killed in a request sent a Tflush" grep -q "^Tflush [1-9]" <<< "$msgs"
		# The request flushed (an open that truncates, or the truncation)
		# ran to its end in the server; no write ever came.
		check "... and its write never reached the file" \
			[ "$(cat "$share/leased")" != changed ]
		ktap_group_end
		ktap_group_begin e2e-limited-host-view
		check "readonly=on: the host's files are as they were" limited_share_unchanged "$limited"
		ktap_group_end
	fi
fi

# Two guests at once, each with its own vhost-9p device on one export,
# while a host process replaces host.txt by rename every 0.2 s
# (l2-lib.sh's twin_checks).

# twins_run: boot the pair on $tshare and wait for both.  Returns 2, with
# the other stopped at once, when one triple-faulted: a guest under nested
# KVM on TCG now and then resets itself, also before its firmware printed
# anything, when its device had never started (testing.rst).
twins_run()
{
	local t dead= running

	twin_pids=()
	for t in a b; do
		rm -f "$TMPDIR/e2e-twin-$t.rc" "$TMPDIR/e2e-twin-$t-exits.log"
		(
			rc=0
			V9P_L2_EXITS=$TMPDIR/e2e-twin-$t-exits.log \
				l2_e2e_boot e2e-twin-$t 300 "v9p.modes= v9p.twin=$t" -m 512 \
				-device "vhost-9p-pci,mount_tag=share,path=$tshare,security_model=none" ||
				rc=$?
			echo $rc > "$TMPDIR/e2e-twin-$t.rc"
		) &
		twin_pids+=($!)
	done
	# Twins still running after 150 s (they take 40-70): what the devices,
	# the threads serving them and the guests' vCPUs were doing.
	rm -f "$TMPDIR/twins-stall.txt"
	(
		sleep $((150 * V9P_SLOW))
		running=
		for p in "${twin_pids[@]}"; do kill -0 "$p" 2> /dev/null && running=1; done
		[ -n "$running" ] || exit 0
		{
			echo "the twins still run after $((150 * V9P_SLOW)) s; vhost9p-ctl status:"
			"$CTL" status 2>&1
			ps -eo pid,stat,etime,args | grep '[q]emu-system'
			for t in /proc/[0-9]*/task/[0-9]*; do
				comm=$(cat "$t/comm" 2> /dev/null) || continue
				state=$(awk '/^State:/ { print $2 }' "$t/status" 2> /dev/null)
				case "$comm" in
				vhost-*|CPU*|qemu-system*) ;;
				*) [ "$state" = D ] || continue ;;
				esac
				echo "${t#/proc/} $comm state $state:"
				cat "$t/stack" 2> /dev/null | head -n 12
			done
		} > "$TMPDIR/twins-stall.txt" 2>&1
	) &
	stall_watch=$!
	while :; do
		running=
		for t in a b; do
			if [ ! -s "$TMPDIR/e2e-twin-$t.rc" ]; then
				running=1
			elif [ -z "$dead" ] && l2_triple_faulted e2e-twin-$t; then
				dead=$t
				# Its twin would wait for its files until its limit.
				pkill -f -- "v9p[.]twin=[ab]"
			fi
		done
		[ -n "$running" ] || break
		sleep 1
	done
	wait "${twin_pids[@]}"
	kill $stall_watch 2> /dev/null
	wait $stall_watch 2> /dev/null
	[ -z "$dead" ] || return 2
}

if wanted e2e-twins && l2_ready; then
	tshare=$TMPDIR/e2e-twins
	ktap_group_begin e2e-twins-share
	check "the twins' share is made, with host.txt" \
		sh -c "mkdir -p '$tshare' && echo 'gen 0' > '$tshare/host.txt'"
	ktap_group_end
	(
		g=0
		while [ ! -e "$tshare/stop" ]; do
			g=$((g + 1))
			echo "gen $g" > "$tshare/.host.txt" && mv "$tshare/.host.txt" "$tshare/host.txt"
			sleep 0.2
		done
	) &
	changer=$!
	retried=
	if ! twins_run; then
		# Once: a second reset is a failure like any other.
		for t in a b; do
			l2_triple_faulted e2e-twin-$t || continue
			retried+="${retried:+$'\n'}# vm-suite: NOTE e2e-twins ran twice: guest $t triple-faulted (KVM_EXIT_SHUTDOWN) the first time; its console's end:"
			retried+=$'\n'$(tr -d '\r' < "$V9P_OUT/e2e-twin-$t-console.log" | tail -n 5 | sed 's/^/# l2: /')
		done
		rm -rf "${tshare:?}/a" "$tshare/b" "$tshare"/*.done "$tshare"/lock* "$tshare/b.probed"
		twins_run
	fi
	touch "$tshare/stop"
	wait $changer
	for t in a b; do
		l2_e2e_report e2e-twin-$t "$(cat "$TMPDIR/e2e-twin-$t.rc")"
	done
	ktap_group_begin e2e-twins-host-view
	check "the host has both guests' 20 files, each intact" \
		sh -c '. "$1"; twin_files_intact "$2/a" && twin_files_intact "$2/b"' sh \
		"$V9P_TOP/selftests/vm/l2-lib.sh" "$tshare"
	[ -z "$retried" ] || echo "$retried" >> "$KTAP_LINES"
	if [ -s "$TMPDIR/twins-stall.txt" ]; then
		echo "# vm-suite: NOTE the twins were slow: devices and threads at 150 s follow" >> "$KTAP_LINES"
		sed 's/^/# twins-slow: /' "$TMPDIR/twins-stall.txt" | head -n 80 >> "$KTAP_LINES"
	fi
	ktap_group_end
elif wanted e2e-twins; then
	l2_unavailable e2e-twins "two guests on one export"
fi

# The same client with the guest's notifications by port I/O
# (modern-pio-notify=on, which the admin guide recommends on AMD hosts
# and in nested guests), cache=none.
if wanted e2e-pio && l2_ready; then
	share=$TMPDIR/e2e-pio-share
	e2e_share_checked e2e-pio-share "$share"
	l2_e2e e2e-pio 300 "v9p.modes=none v9p.pio=1" \
		-device "vhost-9p-pci,mount_tag=share,path=$share,security_model=none,setid=on,modern-pio-notify=on"
elif wanted e2e-pio; then
	l2_unavailable e2e-pio "end-to-end, notified by port I/O"
fi

# The client of 6.8 and later with client/patches' 9pnet_virtio.ko
# (run-suite.sh makes its guest for such kernels only): the e2e checks in
# the cache modes whose reads and writes take its changed path (none:
# unbuffered; loose and mmap: the page cache's), a virtio reset, and
# large reads in requests of msize, not of a page.
if wanted e2e-client-patch && [ -s "$V9P_OUT/l2-e2e-client.gz" ] && l2_ready; then
	share=$TMPDIR/e2e-client-share
	e2e_share_checked e2e-client-share "$share"
	L2_E2E_INITRAMFS=$V9P_OUT/l2-e2e-client.gz l2_e2e e2e-client-patch 600 \
		"v9p.modes=none,loose,mmap v9p.treads=64" \
		-device "vhost-9p-pci,mount_tag=share,path=$share,security_model=none,setid=on"
elif wanted e2e-client-patch && [ -s "$V9P_OUT/l2-e2e-client.gz" ]; then
	l2_unavailable e2e-client-patch "end-to-end, patched client"
elif wanted e2e-client-patch && [ -s "$V9P_OUT/l2-e2e-client.missing" ]; then
	ktap_group_begin e2e-client-patch
	ktap_fail "the second-level kernel's 9p client with client/patches is built ($(cat "$V9P_OUT/l2-e2e-client.missing"))"
	ktap_group_end
fi

# vhost_user_backend SOCKET SHARE LOG: vhost9p-ctl attach --socket serving
# SHARE as tag "share", in the background (its pid in VU_PID), once it
# listens; its output in LOG.
vhost_user_backend()
{
	local sock=$1 share=$2 log=$3

	"$CTL" attach --socket "$sock" --path "$share" --tag share --setid > "$log" 2>&1 &
	VU_PID=$!
	for _ in $(seq 100); do
		grep -q "^listening on $sock" "$log" && return 0
		kill -0 $VU_PID 2> /dev/null || return 1
		sleep 0.1
	done
	return 1
}

# QEMU's own vhost-user frontend, vhost-user-device-pci (virtio id 9, one
# queue, the config space of the 5-byte tag "share"), with vhost9p-ctl
# attach --socket as the backend: the e2e checks in the cache modes of
# VHOST_USER_MODES, a reboot with the share mounted and a virtio reset.
# Guest memory is a shared memfd, as vhost-user needs.  On the newest
# kernel of kernels.list only: the backend is the same on both, and make
# check's time is counted.
VHOST_USER_MODES=none,loose
vhost_user_kernel=$(awk '!/^#/ && NF { k = $1 } END { print k }' "$V9P_TOP/scripts/kernels.list")
if [ "$(uname -r)" != "$vhost_user_kernel" ] && wanted e2e-vhost-user; then
	ktap_group_begin e2e-vhost-user
	echo "# vm-suite: NOTE e2e-vhost-user runs on $vhost_user_kernel only" >> "$KTAP_LINES"
	check "QEMU with vhost-user-device-pci is built (make qemu)" [ -x "$V9P_QEMU" ]
	ktap_group_end
elif wanted e2e-vhost-user && ! l2_ready; then
	l2_unavailable e2e-vhost-user "end-to-end through vhost-user"
fi
if [ "$(uname -r)" = "$vhost_user_kernel" ] && wanted e2e-vhost-user && l2_ready; then
	share=$TMPDIR/e2e-vu-share
	e2e_share_checked e2e-vu-share "$share"
	sock=$TMPDIR/vhost-user.sock
	vu_log=$V9P_OUT/e2e-vhost-user-backend.log
	ktap_group_begin e2e-vhost-user-backend
	check "vhost9p-ctl attach --socket listens on $sock" vhost_user_backend "$sock" "$share" "$vu_log"
	ktap_group_end
	L2_QEMU=$V9P_QEMU L2_REBOOT=1 l2_e2e e2e-vhost-user 600 "v9p.modes=$VHOST_USER_MODES v9p.reboot=1" \
		-object memory-backend-memfd,id=mem,size=1024M,share=on -numa node,memdev=mem \
		-chardev "socket,id=v9p,path=$sock" \
		-device vhost-user-device-pci,chardev=v9p,virtio-id=9,num_vqs=1,config_size=7
	rc=0
	kill -TERM $VU_PID 2> /dev/null
	wait $VU_PID || rc=$?
	ktap_group_begin e2e-vhost-user-backend-end
	check "the backend served QEMU's frontend" grep -q "a frontend connected" "$vu_log"
	check "the backend refused nothing QEMU sent" sh -c "! grep -q 'dropping the frontend' '$vu_log'"
	check "attach --socket ends on SIGTERM with status 0 and removes its socket" \
		[ "$rc" = 0 -a ! -e "$sock" ]
	sed 's/^/# backend: /' "$vu_log" | tail -n 20 >> "$KTAP_LINES"
	ktap_group_end
fi

# fdbridge_e2e PROGRAM SHARE [HOOK]: the Linux 9p client of this very
# kernel, over fdbridge (trans=fd, no nested guest), mounts SHARE
# (e2e_share's content) and runs e2e_client's checks in it, as a guest
# runs them in cache=none; reported as PROGRAM.  HOOK MNT BRIDGE-PID runs
# while it is mounted, its checks in groups of their own.
fdbridge_e2e()
{
	local prog=$1 share=$2 hook=${3:-} mnt=$TMPDIR/$1-mnt n crc=0 rc bridge
	mkdir -p "$mnt"
	v9p_modprobe 9p
	"$V9P_TOP/build/selftests/fdbridge" -o cache=none "$share" "$mnt" \
		2> "$TMPDIR/$prog.err" &
	bridge=$!
	# Not mounted, the client would run on the export itself.
	if ! wait_for_9p_mount "$mnt"; then
		kill "$bridge"
		wait "$bridge"
		{
			echo "# vm-suite: program $prog"
			echo "TAP version 13"
			echo "1..1"
			echo "not ok 1 the export mounts over fdbridge"
			sed 's/^/# /' "$TMPDIR/$prog.err"
			echo "# vm-suite: exit 1"
		} >> "$RESULTS"
		return
	fi
	mkdir -p "$mnt/none/c"
	# The plan first: a client that dies leaves cases missing.
	n=$("$V9P_TOP/build/selftests/e2e_client" --plan) || n=0
	timeout 300 "$V9P_TOP/build/selftests/e2e_client" "$mnt/none/c" none 0 \
		> "$TMPDIR/$prog.ktap" 2> "$TMPDIR/$prog.client-err" || crc=$?
	[ -z "$hook" ] || "$hook" "$mnt" "$bridge"
	umount "$mnt"
	wait "$bridge"
	rc=$?
	{
		echo "# vm-suite: program $prog"
		echo "TAP version 13"
		echo "1..$((n + 2))"
		cat "$TMPDIR/$prog.ktap"
		if [ "$crc" = 0 ]; then
			echo "ok $((n + 1)) e2e_client exits 0"
		else
			echo "not ok $((n + 1)) e2e_client exits 0 # exit $crc"
			sed 's/^/# /' "$TMPDIR/$prog.client-err"
		fi
		if [ "$rc" = 0 ]; then
			echo "ok $((n + 2)) fdbridge ends cleanly when the share is unmounted"
		else
			echo "not ok $((n + 2)) fdbridge ends cleanly when the share is unmounted"
			sed 's/^/# /' "$TMPDIR/$prog.err"
		fi
		echo "# vm-suite: exit 0"
	} >> "$RESULTS"
	dmesg_check "$prog"
}

# fdbridge_status MNT BRIDGE-PID: the operator's view of the device
# fdbridge holds.
fdbridge_status()
{
	local bridge=$2 status stats out
	ktap_group_begin vhost9p-ctl-status
	status=$("$CTL" status 2>&1)
	echo "$status" | sed 's/^/# /' >> "$KTAP_LINES"
	check "status lists fdbridge's device: tag, model, running, path" \
		grep -Eq "^$bridge +[0-9]+ +fdbridge +fdbridge +none +yes +[0-9]+/131072 +[0-9]+ +[0-9]+  $fshare\$" <<< "$status"
	stats=$("$CTL" stats "$bridge" 2>&1)
	echo "$stats" | sed 's/^/# /' >> "$KTAP_LINES"
	check "stats shows the session's msize" grep -q '^msize 65536, fids' <<< "$stats"
	check "stats counts one Tversion, with its mean server time" \
		grep -Eq '^Tversion +1 +[0-9]+\.[0-9]$' <<< "$stats"
	check "stats counts the client's Tgetattrs" grep -Eq '^Tgetattr +[1-9][0-9]* ' <<< "$stats"
	check "stats shows the server-time histogram" grep -Eq '^(< 1 us|[0-9]+ \.\. [0-9]+ us) +[1-9]' <<< "$stats"
	# fdbridge holds one, which must not be taken for this shell's.
	out=$("$CTL" stats $$ 2>&1)
	check "stats of a process without the device fails with status 1" [ $? = 1 ]
	check "... saying it holds none, while another process does" \
		grep -q "process $$ holds no /dev/vhost-9p" <<< "$out"
	ktap_group_end
}

if wanted fdbridge; then
	fshare=$TMPDIR/fdbridge-share
	if e2e_share "$fshare" && v9p_modprobe 9p; then
		fdbridge_e2e fdbridge "$fshare" fdbridge_status
		umount "$fshare" && rm -f "$fshare.img"
	else
		echo "# vm-suite: program fdbridge" >> "$RESULTS"
		echo "# vm-suite: no share for fdbridge (ext4 image or 9p module)" >> "$RESULTS"
		echo "# vm-suite: exit 0" >> "$RESULTS"
	fi
fi

# The file systems users export, each under the same client checks:
# fdbridge-xfs, -btrfs, -tmpfs and -overlayfs (lower layer read-only,
# upper writable, both on one ext4, so that overlayfs keeps inode numbers
# across copy-up).  ext4 is the share of every other e2e run.
# fs_export FS DIR: a fresh FS mounted on DIR, with e2e_populate's files.
fs_export()
{
	local fs=$1 dir=$2 layers=$2.layers
	mkdir -p "$dir"
	case $fs in
	xfs|btrfs)
		v9p_modprobe loop && v9p_modprobe "$fs" && truncate -s 512M "$dir.img" &&
			"mkfs.$fs" -q "$dir.img" && mount -o loop "$dir.img" "$dir" &&
			e2e_populate "$dir"
		;;
	tmpfs)
		mount -t tmpfs -o size=256M tmpfs "$dir" && e2e_populate "$dir"
		;;
	overlayfs)
		e2e_share "$layers" && v9p_modprobe overlay &&
			mkdir "$layers/lower" "$layers/upper" "$layers/work" &&
			mv "$layers/host-file" "$layers/many" "$layers/lower/" &&
			echo lower > "$layers/lower/lower-file" &&
			echo doomed > "$layers/lower/lower-gone" &&
			mkdir -p "$layers/ro" && mount --bind "$layers/lower" "$layers/ro" &&
			mount -o remount,bind,ro "$layers/ro" &&
			mount -t overlay overlay \
				-o "lowerdir=$layers/ro,upperdir=$layers/upper,workdir=$layers/work" "$dir"
		;;
	esac
}

# fs_unexport FS DIR: fs_export undone.
fs_unexport()
{
	local fs=$1 dir=$2 layers=$2.layers
	umount "$dir"
	rm -f "$dir.img"
	if [ "$fs" = overlayfs ]; then
		umount "$layers/ro"
		umount "$layers" && rm -f "$layers.img"
	fi
}

# overlay_copy_up MNT: a lower file written through the share is copied
# up and keeps its qid (the client's inode number); one removed leaves a
# whiteout in the upper layer; the lower layer never changes.
overlay_copy_up()
{
	local m=$1 layers=$TMPDIR/fdbridge-overlayfs.layers before after
	ktap_group_begin fdbridge-overlayfs-copy-up
	before=$(stat -c %i "$m/lower-file")
	check "a lower file takes an append through the share" sh -c "echo appended >> '$m/lower-file'"
	after=$(stat -c %i "$m/lower-file")
	check "its inode number is the same after the copy-up" [ -n "$before" -a "$before" = "$after" ]
	echo "# inode number $before before the copy-up, $after after" >> "$KTAP_LINES"
	check "it reads both lines" [ "$(cat "$m/lower-file")" = "$(printf 'lower\nappended')" ]
	check "the upper layer has the copy" [ "$(tail -n 1 "$layers/upper/lower-file")" = appended ]
	check "a lower file removed through the share is gone, a whiteout in the upper layer" \
		sh -c "rm '$m/lower-gone' && [ ! -e '$m/lower-gone' ] && [ -c '$layers/upper/lower-gone' ]"
	check "the lower layer is as it was" \
		[ "$(cat "$layers/lower/lower-file")" = lower -a -f "$layers/lower/lower-gone" ]
	ktap_group_end
}

for fs in xfs btrfs tmpfs overlayfs; do
	wanted "fdbridge-$fs" || continue
	dir=$TMPDIR/fdbridge-$fs hook=
	[ $fs != overlayfs ] || hook=overlay_copy_up
	ktap_group_begin "fdbridge-$fs-export"
	check "an export on $fs is made" fs_export $fs "$dir"
	ktap_group_end
	# tmpfs has user.* xattrs only since 6.6.
	if [ $fs = tmpfs ] && [ "$(printf '%s\n' "$KVER" 6.6 | sort -V | head -n 1)" != 6.6 ]; then
		E2E_NO_USER_XATTRS="tmpfs before 6.6 has no user.* xattrs" fdbridge_e2e "fdbridge-$fs" "$dir" $hook
	else
		fdbridge_e2e "fdbridge-$fs" "$dir" $hook
	fi
	fs_unexport $fs "$dir"
done

# l2_log_clean FILE: a second-level guest's kernel log exists and has
# nothing dmesg_check would fail; what it has goes to the results.
l2_log_clean()
{
	[ -s "$1" ] && ! kernel_log_bad "$1" "# l2: " >> "$KTAP_LINES"
}

# qemu_says MESSAGE DEVICE-OPTIONS [WRAPPER...]: QEMU (started through
# WRAPPER, if given) refuses the device with MESSAGE.
qemu_says()
{
	local out msg=$1 opts=$2

	shift 2
	out=$(timeout 30 "$@" "$V9P_QEMU" "${V9P_QEMU_FIRMWARE[@]}" \
		-accel kvm -nodefaults -nographic -S \
		-device "vhost-9p-pci,$opts" 2>&1) && return 1
	grep -qF "$msg" <<< "$out" || { echo "$out" | sed 's/^/# /' >> "$KTAP_LINES"; return 1; }
}

# A guest whose root file system is the share (the virtme-ng and NixOS
# test driver case): a busybox root, booted from the share.
if wanted root-on-9p; then
	ktap_group_begin root-on-9p
	if ! l2_ready; then
		l2_unavailable_case "guest boots with its root on vhost-9p"
	else
		root=$TMPDIR/rootfs
		mkdir -p "$root"/{bin,sbin,proc,dev,etc}
		cp /bin/busybox "$root/bin/"
		for a in sh mount umount cat echo sync poweroff uname dmesg; do
			ln -sf busybox "$root/bin/$a"
		done
		install -m 755 "$V9P_TOP/selftests/vm/root-init" "$root/sbin/init"
		log=$V9P_OUT/root-on-9p-console.log
		l2_qemu 120 "$V9P_OUT/l2-root.gz" \
			"quiet root=rootfs rootfstype=9p rootflags=trans=virtio,version=9p2000.L,cache=loose,msize=512000" \
			-smp 1 -m 512 -serial "file:$log" \
			-device "vhost-9p-pci,mount_tag=rootfs,path=$root,security_model=none,setid=on,devices=on" \
			> /dev/null 2>&1
		mounts=$(tr -d '\r' < "$log" | sed -n '/V9P-ROOT-MOUNTS-BEGIN/,/V9P-ROOT-MOUNTS-END/p')
		check "guest boots with its root on vhost-9p and runs /sbin/init from it" \
			grep -q "V9P-ROOT-DONE booted on $L2_KVER" "$log"
		check "the guest's /proc/mounts shows / on 9p from the share" \
			grep -Eq '^rootfs / 9p .*trans=virtio' <<< "$mounts"
		check "what the guest wrote to its root is on the host" \
			grep -qx "booted on $L2_KVER" "$root/booted"
		check "the guest's kernel log (left in its root) is clean" \
			l2_log_clean "$root/dmesg"
		[ -f "$log" ] && tr -d '\r' < "$log" | grep -E '^rootfs|V9P-ROOT' | sed 's/^/# l2: /' >> "$KTAP_LINES"
	fi
	ktap_group_end
	dmesg_check root-on-9p
fi

if wanted qemu-errors && ! l2_ready; then
	l2_unavailable qemu-errors "QEMU's messages for a device it cannot make"
elif wanted qemu-errors; then
	ktap_group_begin qemu-errors
	check "no mount_tag: says it is required" \
		qemu_says "mount_tag is required" "path=/"
	check "no path: says it is required" \
		qemu_says "path is required" "mount_tag=x"
	check "a path that does not exist: says so" \
		qemu_says "cannot export path=/nonexistent: No such file or directory" \
		"mount_tag=x,path=/nonexistent"
	check "a path that is a file: says so" \
		qemu_says "cannot export path=/etc/hostname: Not a directory" \
		"mount_tag=x,path=/etc/hostname"
	check "an unknown security_model: names the ones there are" \
		qemu_says "is not one of passthrough, mapped-xattr or none" \
		"mount_tag=x,path=/,security_model=bogus"
	check "a tag too long: says how long it may be" \
		qemu_says "mount_tag is longer than 255 bytes" \
		"mount_tag=$(printf '%0300d' 0),path=/"
	check "max_msize out of range: gives the range" \
		qemu_says "max_msize=1000 is out of range: give 4096 to 16777216 bytes" \
		"mount_tag=x,path=/,max_msize=1000"
	check "mapped-xattr where there are no user.* xattrs: names the fix" \
		qemu_says "no user.* xattrs, which security_model=mapped-xattr needs: share a directory on ext4" \
		"mount_tag=x,path=/proc,security_model=mapped-xattr"
	check "passthrough without CAP_CHOWN: names the fix" \
		qemu_says "security_model=passthrough needs CAP_CHOWN: run QEMU as root, or use security_model=mapped-xattr" \
		"mount_tag=x,path=/,security_model=passthrough" \
		setpriv --bounding-set -chown --inh-caps -chown
	ktap_group_end
fi

if wanted vhost9p-ctl; then
	ktap_group_begin vhost9p-ctl
	info=$("$CTL" info 2>&1)
	check "vhost9p-ctl info succeeds" [ $? = 0 ]
	check "vhost9p-ctl info names the device" grep -q '^device: *[/]dev/vhost-9p (char 10:' <<< "$info"
	check "vhost9p-ctl info shows the mount-tag feature" \
		grep -Eq '^  VIRTIO_9P_MOUNT_TAG +offered' <<< "$info"
	check "vhost9p-ctl info shows no dirty logging" \
		grep -Eq '^  VHOST_F_LOG_ALL +-$' <<< "$info"
	"$CTL" bogus > /dev/null 2>&1
	check "vhost9p-ctl rejects an unknown command with status 2" [ $? = 2 ]
	out=$("$CTL" attach --vm-fd 5 --path / 2>&1)
	rc=$?
	grep -q 'pass --kick-fd and --call-fd' <<< "$out" || rc="no fix named: $out"
	check "attach --vm-fd is refused (status 2) naming --kick-fd and --call-fd" [ "$rc" = 2 ]
	ktap_group_end
fi

# vhost9p-ctl attach serves a VM of our own (minivmm: KVM, a real-mode
# guest that kicks through an ioeventfd and takes the irqfd's interrupts),
# and says how to fix what it cannot use.
if wanted attach; then
	nested_kvm_ready
	run_program attach 300 "$SELFTESTS/minivmm"
fi

# vhost9p-ctl attach --socket, the vhost-user backend, driven by a frontend
# of our own: a request through the ring, stop, reconnect, and broken
# frontends (vhost_user_test.c).
if wanted vhost-user; then
	VHOST9P_CTL=$CTL run_program vhost-user 300 "$SELFTESTS/vhost_user_test"
fi

if wanted module-unload; then
	ktap_group_begin module-unload
	# Refused while a process holds the device (a VMM still running),
	# then clean once it lets go.
	exec {held}<> /dev/vhost-9p
	out=$(rmmod vhost_9p 2>&1)
	check "rmmod vhost_9p is refused while a process holds /dev/vhost-9p" \
		[ $? != 0 -a -d /sys/module/vhost_9p ]
	check "... saying the module is in use" grep -q "in use" <<< "$out"
	exec {held}<&-
	check "rmmod vhost_9p after use" rmmod vhost_9p
	check "misc device gone after unload" [ ! -e /sys/class/misc/vhost-9p ]
	rm -f /dev/vhost-9p
	check "vhost9p-ctl says to modprobe when the module is not loaded" ctl_names_fix
	check "vhost9p-ctl attach says to modprobe when the module is not loaded" ctl_attach_names_fix
	if ! l2_ready; then
		l2_unavailable_case "QEMU says to modprobe when the module is not loaded"
	else
		check "QEMU says to modprobe when the module is not loaded" \
			qemu_says "load the module with 'modprobe vhost_9p'" "mount_tag=x,path=/"
	fi
	check "modprobe vhost_9p loads it again" v9p_modprobe vhost_9p
	check "rmmod vhost_9p again" rmmod vhost_9p
	ktap_group_end
	dmesg_check module-unload
fi

# The admin guide's "Your first guest": its marked blocks (steps 4 to 6),
# run as written but for the paths (/srv/share and /tmp are read-only
# here: a scratch directory instead).  Steps 1 to 3 (the upgrade, make
# host-deps, make install, make qemu) are what test-install.sh and make
# check's build test.
first_guest_script()
{
	awk '
		inb {
			if ($0 ~ /^ *$/) { print ""; next }
			match($0, /^ */)
			if (RLENGTH > base) { if (strip < 0) strip = RLENGTH; print substr($0, strip + 1); next }
			inb = 0
		}
		/^ *\.\. first-guest$/ { arm = 1; blocks++; next }
		arm && /^ *::$/ { base = index($0, ":") - 1; arm = 0; inb = 1; strip = -1 }
		END { print "# blocks: " blocks }' "$V9P_TOP/Documentation/admin-guide.rst" |
		sed -e "s|/tmp/|$TMPDIR/|g" -e "s|/srv/share|$TMPDIR/share|g"
}
if wanted admin-guide-first-guest; then
	ktap_group_begin admin-guide-first-guest
	if l2_ready; then
		first_guest_script > "$TMPDIR/first-guest.sh"
		out=$TMPDIR/first-guest.out
		# Step 2's "modprobe vhost_9p": module-unload may have run before.
		check "modprobe vhost_9p (step 2)" v9p_modprobe vhost_9p
		check "the guide has the three marked blocks of steps 4 to 6" \
			grep -q '^# blocks: 3$' "$TMPDIR/first-guest.sh"
		(cd "$V9P_TOP" && timeout 300 bash -e "$TMPDIR/first-guest.sh") > "$out" 2>&1
		check "the guide's commands ran to their end (status $?)" [ $? = 0 ]
		check "the guest listed the share" grep -q 'hello\.txt' "$out"
		check "the guest read the host's file" grep -q '^hello from the host' "$out"
		check "the host shows the file the guest wrote" \
			[ "$(cat "$TMPDIR/share/from-guest.txt" 2>/dev/null)" = "hello from the guest" ]
		tr -d '\r' < "$out" | grep -v '^$' | tail -n 12 | sed 's/^/# /' >> "$KTAP_LINES"
		# What the guide says a guest mounting a tag no device has shows.
		sed 's/mount_tag=share,/mount_tag=elsewhere,/' "$TMPDIR/first-guest.sh" \
			> "$TMPDIR/first-guest-tag.sh"
		(cd "$V9P_TOP" && timeout 300 bash -e "$TMPDIR/first-guest-tag.sh") > "$out" 2>&1
		check "a tag no device has: the guest says what the guide quotes" \
			grep -q 'mounting share on /share failed: No such file or directory' "$out"
		tr -d '\r' < "$out" | grep 'mount' | head -n 3 | sed 's/^/# /' >> "$KTAP_LINES"
	else
		l2_unavailable_case "the admin guide's first guest"
	fi
	ktap_group_end
	dmesg_check admin-guide-first-guest
fi

if wanted nested-kvm; then
	ktap_group_begin nested-kvm
	if nested_kvm_ready; then
		log=$TMPDIR/l2-console.log
		l2_boot "$log" "$V9P_OUT/l2-initramfs.gz" ""
		check "second-level guest boots under nested KVM" \
			grep -q "V9P-L2-BOOTED $L2_KVER" "$log"
		[ -f "$log" ] && sed 's/^/# l2: /' "$log" | tail -n 5 >> "$KTAP_LINES"
	else
		ktap_skip "second-level guest boots under nested KVM" "no /dev/kvm in the guest (CPU without nested SVM/VMX)"
	fi
	ktap_group_end
	dmesg_check nested-kvm
fi

# The same guest, the same checks, over QEMU's own virtio-9p (the same
# QEMU binary, security_model=none): whatever QEMU's server passes,
# vhost-9p passes too, and what QEMU fails is what Documentation lists.
#
# Last in the suite: a second-level guest served by QEMU's userspace 9p
# has taken this whole first-level guest down (nested SVM under TCG),
# which then loses only this group, and run-suite.sh boots again for it.
if wanted e2e-vs-qemu9p && l2_ready && [ -s "$TMPDIR/e2e.ktap" ]; then
	qshare=$TMPDIR/e2e-qemu9p-share q=$TMPDIR/e2e-qemu9p.ktap
	qlog=$V9P_OUT/e2e-qemu9p-console.log retried= qstart=$SECONDS
	# This run is the reference, not the thing under test: a reference
	# guest that dies (nested KVM under TCG does, now and then: a double
	# fault in the second-level kernel) boots again on a fresh share, up
	# to three times, and how each earlier boot ended is reported.
	for attempt in 1 2 3; do
		e2e_share "$qshare"
		rc=0
		: > "$TMPDIR/e2e-qemu9p-qemu.log"
		l2_e2e_boot e2e-qemu9p 600 "v9p.modes=$E2E_MODES v9p.models=read" \
			-virtfs "local,path=$qshare,mount_tag=share,security_model=none,multidevs=remap" \
			-virtfs "local,path=$models/mapped,mount_tag=mapped,security_model=mapped-xattr,readonly=on" || rc=$?
		umount "$qshare" && rm -f "$qshare.img"
		[ -s "$q" ] || [ $attempt = 3 ] && break
		mv "$qlog" "$V9P_OUT/e2e-qemu9p-console-$attempt.log"
		retried+=$(echo "# vm-suite: RETRY boot $attempt of the guest over QEMU's virtio-9p did not finish (qemu exit $rc): booting it again"
			sed 's/^/# qemu: /' "$TMPDIR/e2e-qemu9p-qemu.log" | tail -n 3
			tr -d '\r' < "$V9P_OUT/e2e-qemu9p-console-$attempt.log" |
				grep -a -m 1 -A 8 'BUG:\|Oops\|panic' | sed 's/^/# l2: /')$'\n'
	done
	ktap_group_begin e2e-vs-qemu9p
	KTAP_START=$qstart
	echo -n "$retried" >> "$KTAP_LINES"
	check "the suite ran to its end over QEMU's virtio-9p" [ -s "$q" ]
	if [ ! -s "$q" ]; then
		echo "# qemu exit $rc"
		sed 's/^/# qemu: /' "$TMPDIR/e2e-qemu9p-qemu.log" | tail -n 5
		tr -d '\r' < "$qlog" | tail -n 15 | sed 's/^/# l2: /'
	fi >> "$KTAP_LINES"
	# What vhost-9p's mapped-xattr wrote, QEMU's reads as the guest made it.
	check "QEMU's virtio-9p reads vhost-9p's mapped-xattr files back as written" \
		[ "$(grep -c "^ok [0-9]* mapped, read by QEMU's 9p: " "$q")" = 8 -a \
		  -z "$(grep "^not ok [0-9]* mapped, read by QEMU's 9p: " "$q")" ]
	worse=$(comm -12 <(ktap_names ok "$q") <(ktap_names "not ok" "$TMPDIR/e2e.ktap"))
	check "every check QEMU's virtio-9p passes, vhost-9p passes" [ -s "$q" -a -z "$worse" ]
	[ -z "$worse" ] || sed 's/^/# QEMU 9p passes, vhost-9p fails: /' <<< "$worse" >> "$KTAP_LINES"
	qfails=$(ktap_names "not ok" "$q")
	listed=$(documented_qemu9p_differences)
	check "QEMU's virtio-9p fails exactly the checks Documentation/testing.rst lists" \
		[ -s "$q" -a "$qfails" = "$listed" ]
	comm -3 <(ktap_names "not ok" "$q") <(documented_qemu9p_differences) | sed 's/^\t/# listed in Documentation, passed by QEMU: /; /^#/!s/^/# QEMU 9p fails, not in Documentation: /' >> "$KTAP_LINES"
	ktap_group_end
fi

# Last: on a kernel with kmemleak (the debug kernel), nothing the suite
# did may leave memory behind.  The module goes first, so that what only
# its own data still points to counts.
if [ -w "$KMEMLEAK" ] && wanted kmemleak; then
	ktap_group_begin suite-end
	if [ -d /sys/module/vhost_9p ]; then
		check "vhost_9p unloads before the scan" rmmod vhost_9p
	fi
	check "lockdep still on: it reported nothing" \
		grep -q '^ *debug_locks: *1$' /proc/lockdep_stats
	ktap_group_end
	kmemleak_check kmemleak
fi

# A group left open at the end would lose its checks.
if [ -n "${KTAP_GROUP:-}" ]; then
	ktap_fail "group $KTAP_GROUP was still open at the end of the suite (ktap_group_end missing)"
	ktap_group_end
fi
