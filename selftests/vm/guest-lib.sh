# SPDX-License-Identifier: GPL-2.0
#
# Guest side of the VM harness, sourced by the scripts that run inside the
# first-level guest.  Every result goes to $V9P_OUT/results.ktap as KTAP: one
# "# vm-suite: program NAME" line, then that program's own KTAP.  The host
# counts them with selftests/vm/ktap-count.awk.

RESULTS=$V9P_OUT/results.ktap
KVER=$(uname -r)
BAD_KERNEL_LINES='BUG:|WARNING:|Oops|general protection fault|Kernel panic|KASAN:|UBSAN:|kmemleak: [0-9]+ new suspected|possible recursive locking|possible circular locking|inconsistent lock state|INFO: task .* blocked|soft lockup|hard LOCKUP|refcount_t:|list_(add|del) corruption|stack-protector'

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
# wanted NAME: whether the suite runs NAME (all, unless V9P_ONLY names one).
wanted()
{
	[ -z "${V9P_ONLY:-}" ] || [ "$V9P_ONLY" = "$1" ]
}

ktap_group_begin()
{
	KTAP_GROUP=$1
	KTAP_N=0
	KTAP_LINES=$(mktemp)
}

ktap_emit()
{
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
	} >> "$RESULTS"
	rm -f "$KTAP_LINES"
}

# dmesg_check NAME: a test case that fails if the kernel complained since
# the last check; what it said goes into the results.
dmesg_check()
{
	local name=$1 log
	log=$(dmesg_new)
	ktap_group_begin "dmesg-after-$name"
	if echo "$log" | grep -Eq "$BAD_KERNEL_LINES"; then
		echo "$log" | grep -E -A 20 "$BAD_KERNEL_LINES" | head -n 60 | sed 's/^/# /' >> "$KTAP_LINES"
		ktap_fail "kernel log clean after $name"
	else
		ktap_ok "kernel log clean after $name"
	fi
	ktap_group_end
}

# run_program NAME LIMIT CMD...: run a KTAP-speaking test program with a
# time limit, keep its output, then check the kernel log.
run_program()
{
	local name=$1 limit=$2 rc=0
	shift 2
	wanted "$name" || return 0
	echo "# vm-suite: program $name" >> "$RESULTS"
	timeout --kill-after=5 "$limit" "$@" >> "$RESULTS" 2>&1 || rc=$?
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		echo "# vm-suite: $name killed after ${limit}s" >> "$RESULTS"
	fi
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
	timeout --kill-after=5 120 qemu-system-x86_64 -accel kvm -cpu host \
		-smp 1 -m 512 -nographic -nodefaults -no-reboot \
		-serial "file:$log" -kernel "/boot/vmlinuz-$KVER" \
		-initrd "$initramfs" -append "console=ttyS0 panic=-1 $append" "$@"
}

# The QEMU with the vhost-9p device (qemu/build.sh), firmware from Debian's.
V9P_QEMU=$V9P_TOP/build/qemu/qemu-system-x86_64
V9P_QEMU_FIRMWARE=(-L /usr/share/seabios -L /usr/share/qemu)

# l2_qemu LIMIT INITRAMFS APPEND [QEMU ARGS...]: boot a second-level guest
# on this guest's kernel with that QEMU under nested KVM, with a time limit.
l2_qemu()
{
	local limit=$1 initramfs=$2 append=$3
	shift 3
	timeout --kill-after=5 "$limit" "$V9P_QEMU" "${V9P_QEMU_FIRMWARE[@]}" \
		-accel kvm -cpu host -nographic -nodefaults -no-reboot \
		-kernel "/boot/vmlinuz-$KVER" -initrd "$initramfs" \
		-append "console=ttyS0 panic=-1 $append" "$@"
}

# l2_e2e NAME LIMIT SHARE APPEND [DEVICE OPTIONS]: boot the end-to-end
# guest on vhost-9p sharing SHARE, and add the KTAP it prints to the
# results as program NAME.  A guest that prints none fails as a whole.
l2_e2e()
{
	local name=$1 limit=$2 share=$3 append=$4 log rc=0
	shift 4
	wanted "$name" || return 0
	log=$V9P_OUT/$name-console.log
	echo "# vm-suite: program $name" >> "$RESULTS"
	l2_qemu "$limit" "$V9P_OUT/l2-e2e.gz" "loglevel=4 $append" \
		-smp 2 -m 1024 -serial "file:$log" \
		-device "vhost-9p-pci,mount_tag=share,path=$share$*" \
		>> "$TMPDIR/$name-qemu.log" 2>&1 || rc=$?
	# The firmware's escape codes may precede the first marker.
	tr -d '\r' < "$log" | sed -n '/V9P-E2E-BEGIN/,/^V9P-E2E-END/p' |
		grep -v 'V9P-E2E-' >> "$RESULTS"
	if ! tr -d '\r' < "$log" | grep -q '^V9P-E2E-END'; then
		echo "# vm-suite: $name: the guest did not finish (qemu exit $rc)" >> "$RESULTS"
		sed 's/^/# /' "$TMPDIR/$name-qemu.log" | tail -n 5 >> "$RESULTS"
		tail -n 20 "$log" | sed 's/^/# l2: /' >> "$RESULTS"
	fi
	echo "# vm-suite: exit $rc" >> "$RESULTS"
	dmesg_check "$name"
}

# nested_kvm_ready: load kvm_amd (kvm_intel on Intel hosts) and say
# whether /dev/kvm is there.
nested_kvm_ready()
{
	modprobe kvm_amd 2>/dev/null || modprobe kvm_intel 2>/dev/null
	[ -c /dev/kvm ]
}
