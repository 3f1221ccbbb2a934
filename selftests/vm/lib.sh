# SPDX-License-Identifier: GPL-2.0
#
# Host side of the VM harness: stage the modules, build the initramfs, boot
# a first-level guest with Debian's kernel under QEMU with a hard timeout,
# and judge what came back.  Sourced by run-suite.sh, demo.sh and
# harness-selftest.sh.

. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
VM_DIR=$VHOST9P_TOP/selftests/vm

# V9P_KERNEL_ROOT=DIR: boot the kernel installed under DIR (DIR/boot/
# vmlinuz-KVER, DIR/lib/modules/KVER: the debug kernel of make check-debug)
# instead of the distribution's in /.
KROOT=${V9P_KERNEL_ROOT:-}

. "$VM_DIR/kernel-log.sh"

# vm_stage_modules KVER: a module tree for KVER that kmod can use with
# -d: the distribution's modules (a link to /lib/modules/KVER/kernel, valid
# on the host and in the guest alike; under V9P_KERNEL_ROOT) plus
# vhost_9p.ko in extra/.
vm_stage_modules()
{
	local kver=$1 root=$VHOST9P_BUILD/vm/$1/${V9P_RUN_NAME:+$V9P_RUN_NAME-}modroot
	local dir=$root/lib/modules/$1
	local ko=$VHOST9P_BUILD/kmod/$kver/drivers/vhost/9p/vhost_9p.ko

	[ -f "$ko" ] || die "$ko is not built: run 'make KVER=$kver'"
	if [ -f "$dir/modules.dep" ] && [ "$dir/modules.dep" -nt "$ko" ] &&
	   [ "$dir/modules.dep" -nt "${VHOST9P_EXTRA_KO:-$ko}" ]; then
		echo "$root"
		return
	fi
	rm -rf "$root"
	mkdir -p "$dir/extra"
	ln -s "$KROOT/lib/modules/$kver/kernel" "$dir/kernel"
	cp "$KROOT/lib/modules/$kver"/modules.order "$KROOT/lib/modules/$kver"/modules.builtin* "$dir/"
	cp "$ko" ${VHOST9P_EXTRA_KO:-} "$dir/extra/"
	depmod -b "$root" "$kver" || die "depmod failed for $kver"
	echo "$root"
}

# vm_initramfs KVER OUT MODROOT: the first-level guest's initramfs.
vm_initramfs()
{
	local kver=$1 out=$2 modroot=$3 stage
	stage=$(mktemp -d)
	mkdir -p "$stage"/{bin,sbin,dev,proc,sys,modules,host}
	cp /bin/busybox "$stage/bin/busybox"
	install -m 755 "$VM_DIR/init" "$stage/init"
	install -m 755 "$VM_DIR/v9p-modprobe" "$stage/sbin/v9p-modprobe"
	echo "$modroot" > "$stage/modules/stage-root"
	vm_add_9p_client "$kver" "$stage"
	(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) > "$out"
	rm -rf "$stage"
}

# vm_add_9p_client KVER STAGE [MODULE...]: the Linux 9p client's modules
# (and virtiofs, and MODULEs), in dependency order (STAGE/modules/order),
# decompressed for busybox's insmod.
vm_add_9p_client()
{
	local kver=$1 stage=$2 root= m f
	shift 2
	# The debug kernel's modules, or an installed kernel's.
	[ ! -d "$KROOT/lib/modules/$kver" ] || root=$KROOT

	mkdir -p "$stage/modules"
	# Empty for a kernel with all of them built in (the debug kernel).
	touch "$stage/modules/order"
	for m in virtio_pci 9pnet_virtio 9p virtiofs "$@"; do
		modprobe ${root:+-d "$root"} -S "$kver" --show-depends "$m"
	done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }' |
	while read -r f; do
		m=$(basename "$f")
		case "$m" in
		*.xz) xz -dc "$f" > "$stage/modules/${m%.xz}"; m=${m%.xz} ;;
		*.zst) zstd -qdc "$f" > "$stage/modules/${m%.zst}"; m=${m%.zst} ;;
		*) cp "$f" "$stage/modules/$m" ;;
		esac
		echo "$m" >> "$stage/modules/order"
	done
}

# vm_l2_e2e_initramfs KVER OUT [INIT [CLIENT]]: a second-level guest with
# the Linux 9p client: busybox, the client's modules, and INIT
# (l2-e2e-init); and, for l2-e2e-init's cache=fscache only, cachefiles'
# ext4 image.  CLIENT: a 9pnet_virtio.ko to load instead of KVER's own
# (scripts/client.sh's).
vm_l2_e2e_initramfs()
{
	local init=${3:-l2-e2e-init} client=${4:-} stage
	stage=$(mktemp -d)
	mkdir -p "$stage"/{bin,proc,sys,dev,mnt}
	cp /bin/busybox "$stage/bin/"
	install -m 755 "$VM_DIR/$init" "$stage/init"
	install -m 755 "$VHOST9P_BUILD/selftests/e2e_client" "$stage/bin/e2e_client"
	install -m 644 "$VM_DIR/kernel-log.sh" "$stage/kernel-log.sh"
	install -m 644 "$VM_DIR/l2-lib.sh" "$stage/l2-lib.sh"
	vm_add_9p_client "$1" "$stage" cachefiles loop ext4
	if [ -n "$client" ]; then
		grep -qx 9pnet_virtio.ko "$stage/modules/order" ||
			die "$1 loads no 9pnet_virtio.ko for $client to replace"
		cp "$client" "$stage/modules/9pnet_virtio.ko"
	fi
	# cache=fscache's cache: ext4 with extents, for the FALLOC_FL_ZERO_RANGE
	# cachefiles calls on 6.12 (on busybox's ext2 it withdraws the cache).
	# The other inits never use it, and would unpack its 64 MiB at boot
	# (make bench times boot_root's).
	[ "$init" != l2-e2e-init ] ||
		{ truncate -s 64M "$stage/cache.img" && mkfs.ext4 -q -F "$stage/cache.img"; }
	(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) > "$2"
	rm -rf "$stage"
}

# vm_accel KVER: kvm if the host's /dev/kvm really boots KVER's kernel
# (checked once per build tree), tcg otherwise.  On the project's build
# machines /dev/kvm exists but cannot run a guest.  V9P_ACCEL overrides.
vm_accel()
{
	local kver=$1 cache=$VHOST9P_BUILD/vm/accel probe

	if [ -n "${V9P_ACCEL:-}" ]; then
		echo "$V9P_ACCEL"
		return
	fi
	if [ ! -s "$cache" ]; then
		echo tcg > "$cache"
		if [ -w /dev/kvm ]; then
			probe=$(mktemp -d)
			mkdir -p "$probe/bin"
			cp /bin/busybox "$probe/bin/"
			printf '#!/bin/busybox sh\n/bin/busybox echo V9P-KVM-OK\n/bin/busybox poweroff -f\n' > "$probe/init"
			chmod 755 "$probe/init"
			(cd "$probe" && find . | cpio -o -H newc --quiet) > "$probe.cpio"
			if timeout --kill-after=5 20 qemu-system-x86_64 -accel kvm -cpu host \
				-m 256 -nographic -nodefaults -no-reboot -serial stdio \
				-kernel "/boot/vmlinuz-$kver" -initrd "$probe.cpio" \
				-append "console=ttyS0 panic=-1" 2>/dev/null | grep -q V9P-KVM-OK; then
				echo kvm > "$cache"
			fi
			rm -rf "$probe" "$probe.cpio"
		fi
	fi
	cat "$cache"
}

# vm_run KVER SCRIPT OUTDIR TIMEOUT: boot KVER's first-level guest, run the
# guest-side bash SCRIPT (a path on the host) in it, and leave in OUTDIR
# what it wrote plus console.log.  Returns 0 when the script ran to its
# end and exited 0 and the kernel said nothing bad; otherwise prints why,
# with the tail of the console, and returns non-zero.
vm_run()
{
	local kver=$1 script=$2 out=$3 limit=$4 modroot accel cpu rc=0
	local vmlinuz=$KROOT/boot/vmlinuz-$kver

	if [ ! -r "$vmlinuz" ]; then
		[ -z "$KROOT" ] || die "$vmlinuz is missing: run 'scripts/debug-kernel.sh'"
		die "$vmlinuz is missing: run 'make deps'"
	fi
	mkdir -p "$out"
	rm -f "$out"/exit-status "$out"/console.log
	modroot=$(vm_stage_modules "$kver")
	vm_initramfs "$kver" "$out/initramfs.gz" "$modroot"

	mkdir -p "$VHOST9P_BUILD/vm"
	# The debug kernel boots with 4-level paging: with -cpu max's LA57,
	# an interrupt while identify_cpu() has the boot CPU's feature bits
	# cleared makes KASAN compute its shadow for 4 levels and report a
	# wild access in the interrupt (6.12), which also turns lockdep off.
	local append=${V9P_APPEND:-}
	[ -z "$KROOT" ] || append="no5lvl $append"
	accel=$(vm_accel "$kver")
	cpu=max
	[ "$accel" = kvm ] && cpu=host
	[ "$accel" != tcg ] || accel=tcg,thread=${V9P_TCG_THREAD:-multi}
	timeout --kill-after=10 "$limit" qemu-system-x86_64 \
		-accel "$accel" -cpu "$cpu" -smp "${V9P_VM_SMP:-2}" -m "${V9P_VM_MEM:-3072}" \
		-nographic -nodefaults -no-reboot -serial "file:$out/console.log" \
		-kernel "$vmlinuz" -initrd "$out/initramfs.gz" \
		-append "console=ttyS0 loglevel=5 panic=-1 softlockup_panic=1 v9p.script=$script v9p.top=$VHOST9P_TOP ${KROOT:+v9p.kroot=$KROOT} ${V9P_L2_KVER:+v9p.l2kver=$V9P_L2_KVER} $append" \
		-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
		-virtfs "local,path=$out,mount_tag=out,security_model=none" \
		> "$out/qemu.log" 2>&1 || rc=$?

	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		vm_fail "$out" "the guest did not finish within ${limit}s (hung): killed"
		return 1
	fi
	if [ ! -f "$out/exit-status" ]; then
		vm_fail "$out" "the guest stopped before its script finished (qemu exit $rc)"
		return 1
	fi
	if grep -Eq "$BAD_KERNEL_LINES" "$out/console.log"; then
		vm_fail "$out" "the kernel reported a bug"
		return 1
	fi
	rc=$(cat "$out/exit-status")
	if [ "$rc" != 0 ]; then
		vm_fail "$out" "the guest script exited with status $rc"
		return 1
	fi
	return 0
}

# console_blames_us CONSOLE: a frame of ours anywhere in CONSOLE, or a
# report of a checker of the debug kernel after its first kernel report:
# then a dead guest is a finding, never the harness's, and is not run again.
console_blames_us()
{
	# A frame of ours reads "func+0x1/0x2 [vhost_9p]" ("Modules linked
	# in:" names it in every oops, so that line does not count).
	local crash

	grep -Eq '\[vhost_9p\]|vhost_9p_[a-z_]+\+0x' "$1" && return 0
	crash=$(sed -n '/BUG:\|Oops\|Kernel panic\|general protection fault/,$p' "$1")
	grep -Eq 'KASAN:|UBSAN:|kmemleak:|locking|lock state|sleeping function' <<< "$crash"
}

# qemu9p_rerun_allowed OUT: the first-level guest of the run in OUT died
# in the suite's last group, e2e-vs-qemu9p (whose reference guest QEMU's
# userspace 9p serves), after every other group had reported, and nothing
# in its console blames vhost_9p: that group alone may run again.
qemu9p_rerun_allowed()
{
	[ -f "$1/e2e-qemu9p-console.log" ] &&
		! grep -q '^# vm-suite: program e2e-vs-qemu9p$' "$1/results.ktap" &&
		! console_blames_us "$1/console.log"
}

# kvm_crash_outside_vhost_9p CONSOLE: the first-level guest's kernel died
# in KVM (a second-level guest running under nested SVM, which TCG
# emulates), or of an int3 left by kernel text patching that TCG did not
# see in time (Documentation/testing.rst, "Kernel text patching under
# TCG"), or because the whole guest stopped running (a soft lockup after
# RCU found every CPU quiescent and only its own kthread starved: the
# host did not run the guest's vCPUs for tens of seconds), with no
# vhost_9p frame anywhere in what it printed: the harness's known
# failures, not the module's.
kvm_crash_outside_vhost_9p()
{
	local crash

	crash=$(sed -n '/BUG:\|Oops\|Kernel panic\|general protection fault/,$p' "$1")
	[ -n "$crash" ] && ! console_blames_us "$1" &&
		{ grep -Eq 'svm_vcpu_run|vmx_vcpu_run|kvm_arch_vcpu_ioctl_run|Oops: int3' <<< "$crash" ||
		  { grep -q 'BUG: soft lockup' <<< "$crash" && grep -q 'rcu: All QSes seen' "$1" &&
		    grep -Eq 'rcu_[a-z]+ kthread starved for' "$1"; }; }
}

# vm_crash_digest CONSOLE: the first kernel report in CONSOLE in a few
# lines that survive a log cut to its tail: what (BUG, Oops, panic), where
# (RIP), who (CPU/PID/Comm) and the call trace as one line of function
# names.  Prints nothing when the kernel reported nothing.  The harness's
# users read CI's output from its end, where a whole oops never fits.
vm_crash_digest()
{
	[ -f "$1" ] || return 0
	sed 's/\r$//; s/^\[ *[0-9.]*\] //' "$1" | awk -v bad="$BAD_KERNEL_LINES" '
		!started && $0 ~ bad { started = 1; print "report: " $0; next }
		!started { next }
		/^(RIP|CPU|Comm):|^ *RIP: / && !seen[$1]++ && n < 4 { print $0; n++ }
		/^Call Trace:/ { trace = 1; frames = ""; nf = 0; next }
		# "? f+0x" frames are stale stack words, not calls.
		trace && /^ *(<\/?(TASK|IRQ|NMI)>|\? )/ { next }
		trace && /^ *[A-Za-z_0-9.]+\+0x/ {
			f = $0; sub(/^ */, "", f); sub(/\+0x.*/, "", f)
			if (nf++ < 16) frames = frames (frames == "" ? "" : " < ") f
			next
		}
		trace { print "trace: " frames; trace = 0; done++ }
		done { exit }
		END { if (trace) print "trace: " frames }'
}

vm_fail()
{
	local out=$1
	shift
	{
		echo "VM FAILURE: $*"
		if grep -Eq "$BAD_KERNEL_LINES" "$out/console.log" 2>/dev/null; then
			echo "--- kernel reports in the console:"
			grep -E -m 10 "$BAD_KERNEL_LINES" "$out/console.log"
			echo "--- the first, digested:"
			vm_crash_digest "$out/console.log"
		fi
		echo "--- console tail ($out/console.log):"
		tail -n 40 "$out/console.log" 2>/dev/null
		if [ -s "$out/guest.log" ]; then
			echo "--- guest script tail ($out/guest.log):"
			tail -n 20 "$out/guest.log"
		fi
		echo "---"
	} >&2
}

# vm_l2_initramfs OUT: the second-level guest's initramfs (busybox only).
vm_l2_initramfs()
{
	local stage
	stage=$(mktemp -d)
	mkdir -p "$stage"/{bin,proc}
	cp /bin/busybox "$stage/bin/"
	install -m 755 "$VM_DIR/l2-init" "$stage/init"
	(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) > "$1"
	rm -rf "$stage"
}
