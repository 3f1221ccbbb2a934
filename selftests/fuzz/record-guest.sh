#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of record.sh: with the debug module (its request recorder,
# drivers/vhost/9p/record.c), run the end-to-end guest's checks in every
# cache mode and leave every request it sent in $V9P_OUT/record.bin.
set -u
. "$V9P_TOP/selftests/vm/guest-lib.sh"

fail() { echo "record-guest: $*"; exit 1; }

ko=$V9P_TOP/build/kmod-debug/$KVER/drivers/vhost/9p/vhost_9p.ko
rec=/sys/kernel/debug/vhost-9p/record
[ -f "$ko" ] || fail "no debug module: make modules-debug KVER=$KVER"
[ -x "$V9P_QEMU" ] || fail "no QEMU with vhost-9p: make qemu"
nested_kvm_ready || fail "no /dev/kvm in the first-level guest"
mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug
v9p_modprobe vhost && insmod "$ko" || fail "the debug module did not load"
echo 1000000 > "$rec" || fail "cannot arm $rec"

share=$TMPDIR/record-share
e2e_share "$share" || fail "no share"
l2_e2e_boot record 900 "v9p.modes=none,loose,mmap,fscache" \
	-device "vhost-9p-pci,mount_tag=share,path=$share,security_model=none"
grep -c '^ok' "$TMPDIR/record.ktap" | sed 's/^/record-guest: end-to-end checks passed: /'
grep '^not ok' "$TMPDIR/record.ktap"
cp "$rec" "$V9P_OUT/record.bin" || fail "cannot read $rec"
echo 0 > "$rec"
[ -s "$V9P_OUT/record.bin" ] || fail "nothing was recorded"
