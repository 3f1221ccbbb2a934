#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# In the first-level guest, for run-posix.sh: the suite in $V9P_OUT/tests
# run with prove on an fdbridge mount of an ext4 share (or on the share).
set -u
. "$V9P_TOP/selftests/vm/guest-lib.sh"

tests=$(cat "$V9P_OUT/tests")
share=$TMPDIR/posix-share mnt=$TMPDIR/posix-mnt
v9p_modprobe vhost_9p && v9p_modprobe loop && v9p_modprobe ext4 && v9p_modprobe 9p || exit 1
mkdir -p "$share" "$mnt"
truncate -s 1G "$TMPDIR/posix.img"
mkfs.ext4 -q -I 256 "$TMPDIR/posix.img" && mount -o loop "$TMPDIR/posix.img" "$share" || exit 1
if [ "$(cat "$V9P_OUT/native")" = 1 ]; then
	mnt=$share
else
	"$V9P_TOP/build/selftests/fdbridge" -m passthrough -o cache=none "$share" "$mnt" \
		2> "$V9P_OUT/fdbridge.err" &
	wait_for_9p_mount "$mnt" || exit 1
fi
(cd "$mnt" && prove -j2 -r "$tests" > "$V9P_OUT/prove.log" 2>&1)
[ "$mnt" = "$share" ] || umount "$mnt"
wait
umount "$share"
dmesg > "$V9P_OUT/dmesg.txt"
exit 0
