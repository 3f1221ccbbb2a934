#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The benchmark, in the first-level guest (run by run-bench.sh): one share
# on ext4 holding the tree, a large file and the files of the fid test;
# the workloads natively on it, then in a second-level guest over
# vhost-9p, QEMU's virtio-9p and virtiofs (cache=none), over the 9p
# pair with cache=loose, and over vhost-9p polling its ring
# (vhost-9p-poll, poll_us from bench.conf).  Results in $V9P_OUT/results.txt as
# "config workload rep value unit".
set -u
. "$V9P_TOP/selftests/vm/guest-lib.sh"

conf() { sed -n "s/^$1=//p" "$V9P_TOP/build/bench/bench.conf"; }

# l2_failed WHO DIR [WHY]: what QEMU, the console and this kernel said of
# a second-level guest that failed: some died here without a word on
# their console.
l2_failed()
{
	local who=$1 dir=$2
	echo "# $who: the second-level guest failed${3:+ ($3)}"
	[ ! -s "$dir/stalled" ] ||
		echo "# $who: stopped: no result for $(cat "$dir/stalled") s (a server that stopped answering?)"
	[ ! -s "$dir/qemu-exit" ] || echo "# $who qemu: exit status $(cat "$dir/qemu-exit")"
	tail -n 3 "$dir/qemu.log" 2> /dev/null | prefixed "# $who qemu: "
	tail -n 3 "$dir/console.log" 2> /dev/null | tr -d '\r' | prefixed "# $who console: "
	tail -n 2 "$V9P_OUT/$who-status.log" 2> /dev/null | prefixed "# $who device: "
	# (A guest that triple-faults exits with no word, and -no-reboot
	# ends QEMU: its last exit to QEMU tells.)
	awk -v who="$who" '/kvm_run_exit/ { n++; r = $NF }
		END { if (n) printf "# %s qemu: %d exits to QEMU, the last for reason %d%s\n", who, n, r,
			r == 8 ? " (KVM_EXIT_SHUTDOWN: a triple fault)" : "" }' \
		"$V9P_OUT/${who// /-}-kvm-exits.log" 2> /dev/null
	dmesg | grep -Ei 'out of memory|oom-kill|killed process|segfault|general protection' |
		tail -n 5 | prefixed "# $who dmesg: "
}

# stall_watch DIR: stop the second-level guest whose out directory is DIR
# once its results.txt has not grown for the workload limit and a minute
# more.  A server that stops answering leaves its client waiting past the
# guest's own timeouts (a killed request waits for its Rflush), and the
# guest's time limit is that of all its workloads together.
stall_watch()
{
	local dir=$1 stall=$(($(conf limit) + 60)) last

	while sleep 10; do
		last=$(stat -c %Y "$dir/results.txt" 2> /dev/null || stat -c %Y "$dir" 2> /dev/null) ||
			continue
		[ $(($(date +%s) - last)) -gt "$stall" ] || continue
		echo "$stall" > "$dir/stalled"
		# QEMU, and the timeout wrapper that passes SIGTERM on: the
		# ones whose serial console is DIR's (a regular expression:
		# the kernel's version has a "+").
		pkill -TERM -f "file:$(sed 's/[][\.*^$+?(){}|]/\\&/g' <<< "$dir")/console\.log"
		return
	done
}

# prefixed PREFIX: each line with PREFIX before it, and a newline after the
# last (a console's last line may have none, and must not swallow the
# next line of the results).
prefixed()
{
	awk -v p="$1" '{ print p $0 }'
}
tree=$(conf tree) reps=$(conf reps) seq_mib=$(conf seq_mib) configs=$(conf configs)
# For workloads.sh: the environment stays on the host's side of the VM.
BENCH_LIMIT=$(conf limit)
export BENCH_LIMIT
results=$V9P_OUT/results.txt
: > "$results"

v9p_modprobe vhost_9p && v9p_modprobe loop && v9p_modprobe ext4 || exit 1
share=$TMPDIR/share
mkdir -p "$share"
truncate -s 2G "$TMPDIR/share.img"
mkfs.ext4 -q -I 256 -N 200000 "$TMPDIR/share.img" && mount -o loop "$TMPDIR/share.img" "$share" || exit 1
cp -a "$tree" "$share/tree" || exit 1
head -c "$((seq_mib << 20))" /dev/urandom > "$share/seq.bin"
mkdir -p "$share/fids"
(cd "$share/fids" && seq -f 'f%06g' 0 $(($(conf fids) - 1)) | xargs touch)
echo "# tree $tree: $(find "$share/tree" -type f | wc -l) files, $(du -sm "$share/tree" | cut -f1) MiB; seq.bin $seq_mib MiB; $(nproc) CPUs; $reps repetitions" >> "$results"
# Which peers were measured: the QEMU all second-level guests run in, and
# the virtiofsd.
echo "# $("$V9P_QEMU" --version | head -n 1) (make qemu); virtiofsd of qemu-system-common $(dpkg-query -W -f='${Version}' qemu-system-common 2> /dev/null || echo '(unknown)')" >> "$results"
sync

# The server's own time per request, from the vhost_9p_reply tracepoint:
# a histogram trigger sums server_ns by message type while a guest runs.
T=/sys/kernel/tracing
[ -d $T/events ] || mount -t tracefs nodev $T
# (One trigger: a second hist trigger on the event replaces the first.)
# Keyed by message type and the log2 of the bytes moved, so that large
# reads are timed apart from small ones.
HIST='hist:keys=type,bytes.log2:vals=hitcount,server_ns,len:sort=type'
# Set once and cleared between configurations, never removed and added
# again: each of those patches kernel text (the tracepoint's static key),
# which multi-threaded TCG does not always survive (selftests/vm/kvm-hold.c).
# For the same reason no task names are recorded: that hooks sched_switch.
echo 0 > $T/options/record-cmd
echo "$HIST" > $T/events/vhost_9p/vhost_9p_reply/trigger
server_time()
{
	local config=$1 hist=$T/events/vhost_9p/vhost_9p_reply

	cat $hist/hist > "$TMPDIR/server-time.txt"
	echo "$HIST:clear" >> $hist/trigger
	# (All rounds' histograms, one after another.)
	{ echo "# $config, round $round"; cat "$TMPDIR/server-time.txt"; } >> "$V9P_OUT/$config-server-time.txt"
	# Tgetattr is type 24: its mean server time, in microseconds; Tread
	# is 116: the server's milliseconds per MiB of reads of 64 KiB and
	# more (len is the reply's length: the bytes and an 11-byte header).
	awk -v c="$config" '
		{ n = t = l = 0
		  for (i = 1; i <= NF; i++) { if ($i == "hitcount:") n = $(i + 1); if ($i == "server_ns:") t = $(i + 1); if ($i == "len:") l = $(i + 1) } }
		/type: +24[, ]/ && n { gn += n; gt += t }
		/type: +116[, ].*2\^(1[6-9]|2[0-9]) / && l { bt += t; bl += l - 11 * n }
		END { if (gn) printf "%s getattr_server_time 1 %.2f us\n", c, gt / gn / 1000
		      if (bl) printf "%s big_read_server_time 1 %.3f ms/MiB\n", c, bt / 1e6 / (bl / 1048576) }' \
		"$TMPDIR/server-time.txt"
}

# split_config CONFIG: its server in fs, then what changes: -loose,
# -mmap, -readahead, that cache mode (cache; default none); -poll, the
# ring polled for up to poll_us (poll, vhost-9p only); -pio, the guest's
# notifications by port I/O (pio); -patched, the guest's 9pnet_virtio.ko
# from client/patches (initramfs).
split_config()
{
	fs=$1 cache=none poll=0 pio=0 initramfs=$V9P_OUT/initramfs.gz
	while :; do
		case "$fs" in
		*-loose | *-mmap | *-readahead) cache=${fs##*-} fs=${fs%-*} ;;
		*-poll) fs=${fs%-poll} poll=$(conf poll_us) ;;
		*-pio) fs=${fs%-pio} pio=1 ;;
		*-patched) fs=${fs%-patched} initramfs=$(client_initramfs) || return 1 ;;
		*) break ;;
		esac
	done
}

# client_initramfs: this guest's initramfs with client/patches'
# 9pnet_virtio.ko for its kernel (make client) in place of the kernel's,
# made once; prints its path.
client_initramfs()
{
	local out=$V9P_OUT/initramfs-client.gz stage=$TMPDIR/initramfs-client
	local ko=$V9P_TOP/build/client/$(uname -r)/9pnet_virtio.ko

	[ -s "$out" ] && { echo "$out"; return; }
	[ -s "$ko" ] || { echo "no $ko: run 'make client KVER=$(uname -r)'" >&2; return 1; }
	rm -rf "$stage"
	mkdir -p "$stage"
	(cd "$stage" && gzip -dc "$V9P_OUT/initramfs.gz" | cpio -id --quiet) || return 1
	[ -f "$stage/modules/9pnet_virtio.ko" ] ||
		{ echo "$V9P_OUT/initramfs.gz loads no 9pnet_virtio.ko to replace" >&2; return 1; }
	cp "$ko" "$stage/modules/" &&
		(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) > "$out.tmp" &&
		mv "$out.tmp" "$out" || return 1
	rm -rf "$stage"
	echo "$out"
}

# Interleaved (bench.conf's interleave=1, the default): round N boots
# each configuration for repetition N alone, the configurations taken
# from the Nth onwards, so that neither a drift of the machine's speed
# nor a configuration's place in the order favours one.  Otherwise one
# boot each runs all its repetitions, in the configurations' order.
rounds=1 per_boot=$reps
[ "$(conf interleave)" != 1 ] || rounds=$reps per_boot=1
# rotated N WORD...: the words from the Nth on, then those before it.
rotated()
{
	local n=$(($1 - 1))
	shift
	n=$((n % $#))
	echo "${@:n+1}" "${@:1:n}"
}
for round in $(seq 1 "$rounds"); do
for config in $(rotated "$round" $configs); do
	start=$(date +%s)
	first=$(((round - 1) * per_boot + 1))
	# (A boot's files: CONFIG, or CONFIG-rN when interleaved.)
	run=$config
	[ "$rounds" = 1 ] || run=$config-r$round
	case "$config" in
	native)
		fids=
		case " $(conf fids_on) " in *" native "*) fids=$(conf fids) ;; esac
		[ "$first" = 1 ] || fids=
		BENCH_FIRST_REP=$first "$V9P_TOP/selftests/bench/workloads.sh" "$share" "$per_boot" $fids \
			2>> "$V9P_OUT/native.err" | sed 's/^/native /' >> "$results" ;;
	*)
		if ! split_config "$config"; then
			echo "# $config: no initramfs with the patched client (see the console)" >> "$results"
			continue
		fi
		sampler=
		if [ "$fs" = vhost-9p ]; then
			echo "$poll" > /sys/module/vhost_9p/parameters/poll_us
			# The device's counters go with QEMU: keep the last reading,
			# and its status line every 5 s (fids and requests in
			# flight: what a guest that dies was doing).  (The
			# device's holder by status: pgrep -f also finds the
			# wrappers whose command lines name QEMU's.)
			while sleep 5; do
				row=$("$V9P_TOP/build/tools/vhost9p-ctl" status 2> /dev/null |
					awk 'NR > 1 { print; exit }')
				[ -n "$row" ] || continue
				echo "$(date +%T) $row" >> "$V9P_OUT/$config-status.log"
				"$V9P_TOP/build/tools/vhost9p-ctl" stats "$(awk '{ print $1 ":" $2 }' <<< "$row")" \
					> "$V9P_OUT/$config-stats.new" 2>&1 &&
					mv "$V9P_OUT/$config-stats.new" "$V9P_OUT/$config-stats.txt"
			done &
			sampler=$!
		fi
		(sleep 5; stall_watch "$V9P_OUT/l2/$run") &
		watch=$!
		L2_HOST_INITRAMFS=$initramfs V9P_CACHE=$cache V9P_DEVICE_OPTS=,max_fids=400000 \
			V9P_L2_SMP=1 V9P_L2_PIO_NOTIFY=$pio \
			V9P_L2_EXITS=$V9P_OUT/$config-kvm-exits.log \
			V9P_L2_APPEND="v9p.reps=$per_boot v9p.first_rep=$first" \
			V9P_L2_OUT=$V9P_OUT/l2 l2_host 3000 "$run" "$fs" "$share" \
			"$V9P_TOP/selftests/bench/bench-l2.sh" none ||
			l2_failed "$config" "$V9P_OUT/l2/$run" >> "$results"
		kill "$watch" 2> /dev/null
		wait "$watch" 2> /dev/null
		sed "s/^/$config /" "$V9P_OUT/l2/$run/results.txt" >> "$results" 2>/dev/null
		[ "$round" != 1 ] ||
			sed "s/^# /# $config /" "$V9P_OUT/l2/$run/mount.txt" >> "$results" 2>/dev/null
		if [ -n "$sampler" ]; then
			kill "$sampler"
			wait "$sampler" 2> /dev/null
			echo 0 > /sys/module/vhost_9p/parameters/poll_us
			server_time "$config" >> "$results"
			[ "$poll" = 0 ] || sed -n "s/^polling: /# $config (poll_us=$poll) polling, to the last 5 s: /p" \
				"$V9P_OUT/$config-stats.txt" >> "$results" 2> /dev/null
		fi ;;
	esac
	if [ "$rounds" = 1 ]; then
		echo "# $config took $(($(date +%s) - start)) s" >> "$results"
	else
		echo "# $config round $round took $(($(date +%s) - start)) s" >> "$results"
	fi
	rm -rf "$share/churn"
done
done
# boot_root: a second-level guest whose root is the share (virtme-ng, the
# NixOS test driver), from QEMU's start to its exit.  Its root holds
# busybox, Debian's Python and its standard library; its init starts
# Python, which reads about a hundred modules, and powers off: the start
# of a userland in miniature.  "native" boots the same root packed into
# the initramfs, with no shared file system: the kernel's and firmware's
# part, which every configuration pays.  The 9p pair mounts it with
# cache=loose and virtiofsd serves it with cache=auto, as such roots are
# mounted.
make_boot_root()
{
	local root=$1 f

	mkdir -p "$root"/{bin,sbin,proc,dev,tmp,newroot,usr/lib}
	cp /bin/busybox "$root/bin/"
	for f in /usr/bin/python3.11 $(ldd /usr/bin/python3.11 | grep -o '/[^ ]*'); do
		mkdir -p "$root$(dirname "$f")"
		cp -L "$f" "$root$f"
	done
	cp -a /usr/lib/python3.11 "$root/usr/lib/"
	cat > "$root/sbin/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/usr/bin/python3.11 -c 'import json, email.parser, http.client, argparse, subprocess, logging; print("V9P-BOOT-" + "OK")'
/bin/busybox poweroff -f
INIT
	chmod 755 "$root/sbin/init"
	ln -s sbin/init "$root/init"
}

# boot_root_once CONFIG ROOT LOG: boot it once; fails unless Python ran.
boot_root_once()
{
	local config=$1 root=$2 log=$3 vfsd= rc=0
	local boot="quiet root=rootfs rootfstype=9p rootflags=trans=virtio,version=9p2000.L,cache=loose,msize=512000"
	local vm=(-smp 1 -m 1024 -serial "file:$log")

	: > "$log"
	case "$config" in
	native)
		l2_qemu 300 "$TMPDIR/boot-root.cpio" quiet "${vm[@]}" ;;
	vhost-9p)
		l2_qemu 300 "$V9P_OUT/l2-root.gz" "$boot" "${vm[@]}" \
			-device "vhost-9p-pci,mount_tag=rootfs,path=$root,security_model=none" ;;
	9p)
		l2_qemu 300 "$V9P_OUT/l2-root.gz" "$boot" "${vm[@]}" \
			-virtfs "local,path=$root,mount_tag=rootfs,security_model=none" ;;
	virtiofs)
		virtiofs_start "$TMPDIR/vfsd-boot.sock" "$root" rootfs "$log.virtiofsd" \
			-o cache=auto -o sandbox=chroot
		vfsd=$VIRTIOFSD_PID
		l2_qemu 300 "$V9P_OUT/l2-root.gz" \
			"quiet root=rootfs rootfstype=virtiofs rootflags=rw" "${vm[@]}" \
			"${VIRTIOFS_QEMU_ARGS[@]}" ;;
	*)
		return 2 ;;
	esac > "$log.qemu" 2>&1 || rc=$?
	[ -z "$vfsd" ] || { kill "$vfsd" 2> /dev/null; wait "$vfsd" 2> /dev/null; }
	[ "$rc" = 0 ] && grep -q V9P-BOOT-OK "$log"
}

boot_on=$(conf boot_on)
if [ -n "$boot_on" ] && nested_kvm_ready; then
	start=$(date +%s)
	make_boot_root "$share/root"
	(cd "$share/root" && find . | cpio -o -H newc --quiet) > "$TMPDIR/boot-root.cpio"
	for config in $boot_on; do
		# Once untimed: the host's page cache warm, as for the rest.
		for rep in $(seq 0 "$reps"); do
			log=$V9P_OUT/boot-$config-$rep.log
			t0=$(date +%s.%N)
			if ! boot_root_once "$config" "$share/root" "$log"; then
				echo "# $config boot_root $rep failed (console: $(basename "$log"))" >> "$results"
				break
			fi
			t1=$(date +%s.%N)
			[ "$rep" = 0 ] || echo "$config boot_root $rep $(echo "$t1 - $t0" | bc -l) s" >> "$results"
		done
	done
	echo "# boot_root took $(($(date +%s) - start)) s" >> "$results"
fi

# Where the time goes: for each configuration of $(conf profile), a
# second-level guest runs the tree read and the stat walk (profile-l2.sh)
# while perf samples every CPU of this level: the second level's own
# time, KVM's exits, QEMU, the servers.  perf is armed through its control
# FIFO only while a workload runs.  The stacks, folded (one line per
# distinct stack: "task;outermost;...;innermost count"), go to
# profile-CONFIG-WORKLOAD.folded; report.sh draws them.  Last, so that a
# failure here costs no figure.
fold_stacks()
{
	awk -f "$V9P_TOP/selftests/bench/fold.awk"
}

fold_guest()
{
	awk '$1 ~ /^:[0-9]+$/ { n++ } END { if (n) print "[guest mode];[second-level guest]", n }'
}

profile_config()
{
	local config=$1 out=$V9P_OUT/l2/profile-$1 guest perf w data ctl ack a rc=0

	split_config "$config" || { echo "# profile $config: not taken (no initramfs)" >> "$results"; return; }
	[ "$poll" = 0 ] || { echo "# profile $config: not taken (no profile of polling)" >> "$results"; return; }
	L2_HOST_INITRAMFS=$initramfs V9P_CACHE=$cache V9P_L2_OUT=$V9P_OUT/l2 V9P_L2_SMP=1 \
		V9P_L2_PIO_NOTIFY=$pio \
		V9P_L2_EXITS=$V9P_OUT/profile-$config-kvm-exits.log \
		l2_host 1200 "profile-$config" "$fs" "$share" "$V9P_TOP/selftests/bench/profile-l2.sh" none &
	guest=$!
	for w in tree_read stat_walk; do
		for _ in $(seq 3000); do
			[ -e "$out/want-$w" ] || ! kill -0 "$guest" 2> /dev/null && break
			sleep 0.2
		done
		[ -e "$out/want-$w" ] || break
		data=$TMPDIR/perf-$config-$w.data ctl=$TMPDIR/perf.ctl ack=$TMPDIR/perf.ack
		rm -f "$ctl" "$ack" "$ctl.idle"
		mkfifo "$ctl" "$ack" "$ctl.idle"
		# perf records until done-W: a loop of builtins, since every
		# sleep(1) it started would be a fork and an exec in the profile.
		perf record -a -g -F 499 -e cpu-clock -D -1 --control "fifo:$ctl,$ack" -o "$data" \
			-- bash -c "exec 9<> '$ctl.idle'; until [ -e '$out/done-$w' ] || ! kill -0 $guest 2> /dev/null; do read -r -t 0.2 -u 9; done" \
			> "$TMPDIR/perf-$config-$w.log" 2>&1 &
		perf=$!
		# (Opening the FIFO waits for perf; a perf that died never opens it.)
		a=
		exec 8<> "$ack"
		timeout 60 sh -c "echo enable > '$ctl'" && read -r -t 60 a <&8
		exec 8<&-
		[ "$a" = ack ] || echo "# profile $config $w: perf did not start ($(tail -n 1 "$TMPDIR/perf-$config-$w.log"))" >> "$results"
		touch "$out/armed-$w"
		wait "$perf"
		perf script -i "$data" -F comm,tid,ip,sym,dso 2> /dev/null | fold_stacks \
			> "$V9P_OUT/profile-$config-$w.folded"
		# The samples taken while a vCPU ran the second-level guest have
		# the guest's registers and no host stack; perf script leaves
		# them out unless told of a guest kernel, and then shows them as
		# task ":PID" (PID: its QEMU's).  (Their functions came out all
		# "[unknown]" in perf 6.1 even so: they count as one box.)
		perf script -i "$data" -G -F comm,tid --guestkallsyms="$out/kallsyms" \
			--guestmodules="$out/modules" 2> /dev/null | fold_guest \
			>> "$V9P_OUT/profile-$config-$w.folded"
		rm -f "$data"
	done
	wait "$guest" || rc=$?
	[ "$rc" = 0 ] || l2_failed "profile $config" "$out" "exit $rc" >> "$results"
	sed "s/^/profile-$config /" "$out/results.txt" >> "$results" 2> /dev/null
}

profile=$(conf profile)
if [ -n "$profile" ] && command -v perf > /dev/null && nested_kvm_ready; then
	start=$(date +%s)
	for config in $profile; do
		profile_config "$config"
	done
	echo "# profile took $(($(date +%s) - start)) s" >> "$results"
elif [ -n "$profile" ]; then
	echo "# profile: not taken (no perf: install linux-perf, or no nested KVM)" >> "$results"
fi
dmesg_check bench > /dev/null
