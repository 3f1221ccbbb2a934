# SPDX-License-Identifier: GPL-2.0
#
# Guest side of the VM harness, sourced by the scripts that run inside the
# first-level guest.  Every result goes to $V9P_OUT/results.ktap as KTAP: one
# "# vm-suite: program NAME" line, then that program's own KTAP.  The host
# counts them with selftests/vm/ktap-count.awk.

RESULTS=$V9P_OUT/results.ktap
KVER=$(uname -r)
# The debug kernel of make check-debug lives under V9P_KROOT (boot/,
# lib/modules/), and everything takes V9P_SLOW times as long on it.
V9P_KROOT=${V9P_KROOT:-}
V9P_SLOW=${V9P_SLOW:-1}
# The second-level guests' kernel: this guest's own, or an installed
# kernel that V9P_L2_KVER names.  make check-debug names Debian's: there
# the second level is only the 9p client, and the debug kernel nested
# under TCG takes many minutes to boot.
L2_KVER=${V9P_L2_KVER:-$KVER}
if [ -n "${V9P_L2_KVER:-}" ]; then
	L2_VMLINUZ=/boot/vmlinuz-$L2_KVER
else
	L2_VMLINUZ=$V9P_KROOT/boot/vmlinuz-$KVER
fi
. "$V9P_TOP/selftests/vm/kernel-log.sh"

v9p_modprobe()
{
	modprobe -d "$V9P_MODROOT" "$@"
}

# dmesg_new: kernel messages since the last call.
dmesg_new()
{
	dmesg --read-clear 2>/dev/null || dmesg -c
}

# A group of shell-level test cases, reported as one KTAP program.
# wanted NAME: whether the suite runs NAME (all, unless V9P_ONLY, a list
# separated by commas, leaves it out, or V9P_SKIP, another, names it).
wanted()
{
	[[ ",${V9P_SKIP:-}," != *",$1,"* ]] &&
		{ [ -z "${V9P_ONLY:-}" ] || [[ ",$V9P_ONLY," == *",$1,"* ]]; }
}

# ktap_group_begin NAME: the checks up to ktap_group_end are program NAME.
# A group still open is a bug of the suite that would lose its checks: it
# is ended here, with one more check, failed, that says so.
ktap_group_begin()
{
	if [ -n "${KTAP_GROUP:-}" ]; then
		ktap_fail "group $KTAP_GROUP ended before $1 began (a bug of the suite: ktap_group_end missing)"
		ktap_group_end
	fi
	KTAP_GROUP=$1
	KTAP_N=0
	KTAP_LINES=$(mktemp)
	KTAP_START=$SECONDS
}

ktap_emit()
{
	# Outside any group the check would be lost: it goes into one, failed.
	if [ -z "${KTAP_GROUP:-}" ]; then
		ktap_group_begin checks-outside-a-group
		ktap_emit "not ok" "outside any group (a bug of the suite): $1 $2"
		ktap_group_end
		return
	fi
	KTAP_N=$((KTAP_N + 1))
	echo "$1 $KTAP_N $2" >> "$KTAP_LINES"
	echo "$1 $KTAP_N $2"
}

ktap_ok() { ktap_emit ok "$1"; }
ktap_fail() { ktap_emit "not ok" "$1"; }
ktap_skip() { ktap_emit ok "$1 # SKIP $2"; }

# check NAME CMD...: one test case that passes when CMD succeeds.
check()
{
	local name=$1
	shift
	if "$@"; then ktap_ok "$name"; else ktap_fail "$name"; fi
}

ktap_group_end()
{
	{
		echo "# vm-suite: program $KTAP_GROUP"
		echo "TAP version 13"
		echo "1..$KTAP_N"
		cat "$KTAP_LINES"
		echo "# vm-suite: took $((SECONDS - KTAP_START))s"
	} >> "$RESULTS"
	rm -f "$KTAP_LINES"
	KTAP_GROUP=
}

# dmesg_check NAME: a test case that fails if the kernel complained since
# the last check; what it said goes into the results.
dmesg_check()
{
	local name=$1 reports
	ktap_group_begin "dmesg-after-$name"
	if reports=$(kernel_log_bad <(dmesg_new) "# "); then
		echo "$reports" >> "$KTAP_LINES"
		ktap_fail "kernel log clean after $name"
	else
		ktap_ok "kernel log clean after $name"
	fi
	ktap_group_end
}

# e2e_share DIR: a fresh share for the end-to-end guest at DIR, on ext4
# (with 256-byte inodes, for nanosecond times; the guest's user.* xattrs
# need a file system that has them), with a file from the host and a
# directory of 10,000 entries (made here: fast).
e2e_share()
{
	mkdir -p "$1"
	v9p_modprobe loop && v9p_modprobe ext4 && truncate -s 512M "$1.img" &&
		mkfs.ext4 -q -I 256 "$1.img" && mount -o loop "$1.img" "$1" && e2e_populate "$1"
}

# e2e_populate DIR: what the e2e checks find in a share: host-file, and
# many/ with 10,000 entries.
e2e_populate()
{
	echo "from the host" > "$1/host-file" && mkdir -p "$1/many" &&
		(cd "$1/many" && seq -f 'entry-%05g' 0 9999 | xargs touch)
}

# e2e_share_checked GROUP DIR: e2e_share, reported as a group of its own,
# so that a share that could not be made fails rather than leave the guest
# a bare directory to pass its checks on.
e2e_share_checked()
{
	ktap_group_begin "$1"
	check "the share $2 is made (ext4, a file, 10,000 entries)" e2e_share "$2"
	ktap_group_end
}

KMEMLEAK=/sys/kernel/debug/kmemleak

# kmemleak_check NAME: a group NAME whose one case passes when kmemleak,
# scanning now, suspects nothing; it lists what it suspects.  kmemleak
# reports an object on the second scan that finds it unreferenced.
kmemleak_check()
{
	local leaks

	echo scan > "$KMEMLEAK"
	sleep 6
	echo scan > "$KMEMLEAK"
	leaks=$(cat "$KMEMLEAK")
	ktap_group_begin "$1"
	check "kmemleak suspects nothing" [ -z "$leaks" ]
	head -n 80 <<< "$leaks" | sed 's/^/# /' >> "$KTAP_LINES"
	ktap_group_end
	dmesg_check "$1"
}

# run_program NAME LIMIT CMD...: run a KTAP-speaking test program with a
# time limit, keep its output, then check the kernel log.
run_program()
{
	local name=$1 limit=$(($2 * V9P_SLOW)) rc=0 start=$SECONDS
	shift 2
	wanted "$name" || return 0
	echo "# vm-suite: program $name" >> "$RESULTS"
	timeout --kill-after=5 "$limit" "$@" >> "$RESULTS" 2>&1 || rc=$?
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		echo "# vm-suite: $name killed after ${limit}s" >> "$RESULTS"
	fi
	echo "# vm-suite: took $((SECONDS - start))s" >> "$RESULTS"
	echo "# vm-suite: exit $rc" >> "$RESULTS"
	dmesg_check "$name"
}

# l2_boot LOG INITRAMFS APPEND [QEMU ARGS...]: boot a second-level guest
# with the first-level guest's own kernel under nested KVM, its serial
# console in LOG, with a time limit.  kvm_amd must be loaded.
l2_boot()
{
	local log=$1 initramfs=$2 append=$3
	shift 3
	L2_QEMU=qemu-system-x86_64 l2_qemu 120 "$initramfs" "$append" \
		-smp 1 -m 512 -serial "file:$log" "$@"
}

# Debian 13's QEMU 10.0 with the vhost-9p device (qemu/build.sh), firmware
# from Debian 12's packages.
V9P_QEMU=$V9P_TOP/build/qemu/qemu-system-x86_64
V9P_QEMU_FIRMWARE=(-L /usr/share/seabios -L /usr/share/qemu)

# l2_qemu LIMIT INITRAMFS APPEND [QEMU ARGS...]: boot a second-level guest
# on this guest's kernel with that QEMU (L2_QEMU=BINARY: another one)
# under nested KVM, with a time limit.  V9P_L2_PIO_NOTIFY=1: every virtio
# device is told of its queues by port I/O, not by a write to its memory.
# V9P_L2_EXITS=FILE: QEMU logs there each exit KVM hands it (reason 8, a
# shutdown: the guest triple-faulted).  L2_REBOOT=1: a reboot resets the
# machine and boots it again, where it otherwise ends QEMU.
l2_qemu()
{
	local limit=$(($1 * V9P_SLOW)) initramfs=$2 append=$3 no_reboot=-no-reboot
	shift 3
	[ "${L2_REBOOT:-0}" = 0 ] || no_reboot=
	# (A port write exits with its port and the next instruction's
	# address; a memory write is an instruction KVM decodes and emulates,
	# unless the CPU's EPT fast path takes it: Intel only.)
	[ "${V9P_L2_PIO_NOTIFY:-0}" = 0 ] || set -- -global virtio-pci.modern-pio-notify=on "$@"
	[ -z "${V9P_L2_EXITS:-}" ] || set -- -trace "kvm_run_exit,file=$V9P_L2_EXITS" "$@"
	# (Thread names, "CPU 0/KVM" and "worker", tell QEMU's threads apart
	# in a profile.)
	timeout --kill-after=5 "$limit" "${L2_QEMU:-$V9P_QEMU}" "${V9P_QEMU_FIRMWARE[@]}" \
		-accel kvm -cpu host -nographic -nodefaults $no_reboot -name debug-threads=on \
		-kernel "$L2_VMLINUZ" -initrd "$initramfs" \
		-append "console=ttyS0 panic=-1 $append" "$@"
}

# l2_triple_faulted NAME: l2_e2e_boot NAME, run with
# V9P_L2_EXITS=$TMPDIR/NAME-exits.log, ended in a shutdown exit: the guest
# triple-faulted (and with -no-reboot QEMU ended, with status 0).
l2_triple_faulted()
{
	grep -qs 'reason 8$' "$TMPDIR/$1-exits.log"
}

# l2_e2e_boot NAME LIMIT APPEND DEVICE-ARGS...: boot the end-to-end guest
# with the QEMU arguments that give it its share (tag "share"); the KTAP it
# printed is left in $TMPDIR/NAME.ktap (empty if it did not finish).
# L2_E2E_INITRAMFS: another initramfs of that guest (l2-e2e-client.gz).
l2_e2e_boot()
{
	local name=$1 limit=$2 append=$3 log=$V9P_OUT/$1-console.log rc=0
	shift 3
	date +%s > "$TMPDIR/$name.start"
	# One vCPU: under multi-threaded TCG a second-level kernel patching
	# its own text while its other vCPU runs it dies too (kvm-hold.c).
	l2_qemu "$limit" "${L2_E2E_INITRAMFS:-$V9P_OUT/l2-e2e.gz}" "loglevel=4 $append" \
		-smp 1 -m 1024 -serial "file:$log" "$@" \
		>> "$TMPDIR/$name-qemu.log" 2>&1 || rc=$?
	# The firmware's escape codes may precede the first marker.
	tr -d '\r' < "$log" | sed -n '/V9P-E2E-BEGIN/,/^V9P-E2E-END/p' |
		grep -v 'V9P-E2E-' > "$TMPDIR/$name.ktap"
	tr -d '\r' < "$log" | grep -q '^V9P-E2E-END' || : > "$TMPDIR/$name.ktap"
	return $rc
}

# l2_e2e NAME LIMIT APPEND DEVICE-ARGS...: l2_e2e_boot, and the KTAP it
# printed added to the results as program NAME.  A guest that prints none
# fails as a whole.
l2_e2e()
{
	local name=$1 limit=$2 append=$3 rc=0
	shift 3
	wanted "$name" || return 0
	l2_e2e_boot "$name" "$limit" "$append" "$@" || rc=$?
	l2_e2e_report "$name" $rc
}

# l2_e2e_report NAME RC: what l2_e2e_boot NAME left, ended with status RC,
# added to the results as program NAME.
l2_e2e_report()
{
	local name=$1 rc=$2 log=$V9P_OUT/$1-console.log
	echo "# vm-suite: program $name" >> "$RESULTS"
	cat "$TMPDIR/$name.ktap" >> "$RESULTS"
	if [ ! -s "$TMPDIR/$name.ktap" ]; then
		echo "# vm-suite: $name: the guest did not finish (qemu exit $rc)" >> "$RESULTS"
		! l2_triple_faulted "$name" ||
			echo "# vm-suite: $name: the guest triple-faulted (KVM_EXIT_SHUTDOWN)" >> "$RESULTS"
		sed 's/^/# /' "$TMPDIR/$name-qemu.log" | tail -n 5 >> "$RESULTS"
		tail -n 20 "$log" | sed 's/^/# l2: /' >> "$RESULTS"
	fi
	[ ! -s "$TMPDIR/$name.start" ] ||
		echo "# vm-suite: took $(($(date +%s) - $(cat "$TMPDIR/$name.start")))s" >> "$RESULTS"
	echo "# vm-suite: exit $rc" >> "$RESULTS"
	dmesg_check "$name"
}

# virtiofs_start SOCKET SOURCE TAG LOG [VIRTIOFSD OPTION...]: Debian's
# virtiofsd serving SOURCE on SOCKET, in the background (its pid in
# VIRTIOFSD_PID), once the socket is there; VIRTIOFS_QEMU_ARGS is what
# QEMU needs beside it for a device tagged TAG.
virtiofs_start()
{
	local sock=$1 source=$2 tag=$3 log=$4
	shift 4
	rm -f "$sock"
	/usr/lib/qemu/virtiofsd --socket-path="$sock" -o source="$source" "$@" > "$log" 2>&1 &
	VIRTIOFSD_PID=$!
	for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
	VIRTIOFS_QEMU_ARGS=(-chardev "socket,id=vfs,path=$sock"
			    -device "vhost-user-fs-pci,chardev=vfs,tag=$tag"
			    -object memory-backend-memfd,id=mem,size=1024M,share=on
			    -numa node,memdev=mem)
}

# l2_host LIMIT NAME FS SHARE SCRIPT [MODEL]: boot a second-level guest
# that, as the first level does, runs the bash SCRIPT in the host's
# userland (this guest's root, shared read-only over QEMU's virtio-9p),
# with SHARE mounted by the script over FS: vhost-9p, 9p (QEMU's own
# virtio-9p) or virtiofs (Debian 12's virtiofsd), all in the QEMU of
# qemu/build.sh.
# The script mounts it with l2_mount_share; MODEL is the security model
# of the 9p pair (default passthrough), V9P_CACHE their cache mode
# (default none), V9P_DEVICE_OPTS more options for vhost-9p-pci,
# V9P_L2_OUT where its out directory goes instead of $TMPDIR/l2 (under
# $V9P_OUT, the host sees it as the guest writes), L2_HOST_INITRAMFS
# another initramfs of this level's kernel (make bench's -patched
# configurations), V9P_L2_APPEND more of its command line.  What it
# writes to /run/out lands in $TMPDIR/l2/NAME,
# beside its console.log and QEMU's exit status (qemu-exit).
l2_host()
{
	local limit=$1 name=$2 fs=$3 share=$4 script=$5 model=${6:-passthrough}
	local out=${V9P_L2_OUT:-$TMPDIR/l2}/$2 vfsd= rc=0 dev

	nested_kvm_ready || { echo "l2_host: no /dev/kvm in this guest" >&2; return 1; }
	rm -rf "$out"
	mkdir -p "$out"
	case "$fs" in
	vhost-9p)
		dev=(-device "vhost-9p-pci,mount_tag=share,path=$share,security_model=$model${V9P_DEVICE_OPTS:-}") ;;
	9p)
		dev=(-virtfs "local,path=$share,mount_tag=share,security_model=$model,multidevs=remap") ;;
	virtiofs)
		virtiofs_start "$TMPDIR/vfsd-$name.sock" "$share" share "$out/virtiofsd.log" \
			-o cache=none -o xattr -o posix_lock -o flock -o sandbox=chroot
		vfsd=$VIRTIOFSD_PID
		dev=("${VIRTIOFS_QEMU_ARGS[@]}") ;;
	*)
		echo "l2_host: unknown file system $fs" >&2
		return 2 ;;
	esac
	l2_qemu "$limit" "${L2_HOST_INITRAMFS:-$V9P_OUT/initramfs.gz}" \
		"loglevel=4 v9p.script=$script v9p.top=$V9P_TOP v9p.fs=$fs v9p.cache=${V9P_CACHE:-none} ${V9P_L2_APPEND:-}" \
		-smp "${V9P_L2_SMP:-2}" -m 1024 -serial "file:$out/console.log" \
		-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
		-virtfs "local,path=$out,mount_tag=out,security_model=none" \
		"${dev[@]}" > "$out/qemu.log" 2>&1 || rc=$?
	echo "$rc" > "$out/qemu-exit"
	[ -z "$vfsd" ] || { kill "$vfsd" 2>/dev/null; wait "$vfsd" 2>/dev/null; }
	[ -f "$out/exit-status" ] && [ "$(cat "$out/exit-status")" = 0 ] && [ "$rc" = 0 ]
}

# l2_mount_share DIR: in a guest booted by l2_host, mount the share at DIR
# over the file system and, for 9p, in the cache mode its command line
# names (virtiofsd is told cache=none).
l2_mount_share()
{
	local fs cache

	fs=$(sed -n 's/.*v9p\.fs=\([^ ]*\).*/\1/p' /proc/cmdline)
	cache=$(sed -n 's/.*v9p\.cache=\([^ ]*\).*/\1/p' /proc/cmdline)
	mkdir -p "$1"
	case "$fs" in
	vhost-9p|9p)
		mount -t 9p -o "trans=virtio,version=9p2000.L,msize=512000,cache=${cache:-none}" share "$1" ;;
	virtiofs)
		mount -t virtiofs share "$1" ;;
	*)
		echo "l2_mount_share: no v9p.fs= on the command line" >&2
		return 1 ;;
	esac
}

# wait_for_9p_mount DIR: wait up to 10 s for a 9p mount at DIR (one that
# a process started in the background makes); fails if none came.
wait_for_9p_mount()
{
	for _ in $(seq 100); do
		grep -q " $1 9p " /proc/mounts && return 0
		sleep 0.1
	done
	return 1
}

# nested_kvm_ready: load kvm_amd (kvm_intel on Intel hosts) and say
# whether /dev/kvm is there.  The first call also starts kvm-hold, which
# keeps KVM's static keys from being patched each time a second-level
# guest starts or stops: patching kernel text under multi-threaded TCG
# has killed this guest with "Oops: int3" (selftests/vm/kvm-hold.c).
nested_kvm_ready()
{
	local held

	v9p_modprobe kvm_amd 2>/dev/null || v9p_modprobe kvm_intel 2>/dev/null
	[ -c /dev/kvm ] || return 1
	if [ -z "${KVM_HOLD_PID:-}" ]; then
		coproc KVM_HOLD { exec "$V9P_TOP/build/selftests/kvm-hold"; }
		KVM_HOLD_PID=$KVM_HOLD_PID
		read -r -t 30 held <&"${KVM_HOLD[0]}" || held=
		[ "$held" = held ] || echo "# kvm-hold did not start: second-level guests may crash this one" >&2
	fi
}
