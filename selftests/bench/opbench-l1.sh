#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# opbench in the first-level guest (run by run-opbench.sh): the server's
# cost per operation against the system calls, on ext4 (a loop image) and
# on tmpfs, into $V9P_OUT/opbench.txt.
set -u
. "$V9P_TOP/selftests/vm/guest-lib.sh"

v9p_modprobe vhost_9p && v9p_modprobe loop && v9p_modprobe ext4 || exit 1
seconds=$(sed -n 's/^seconds=//p' "$V9P_TOP/build/bench/opbench.conf")
img=$TMPDIR/opbench.img
mkdir -p "$TMPDIR/ext4" "$TMPDIR/tmpfs"
truncate -s 256M "$img" && mkfs.ext4 -q "$img" && mount -o loop "$img" "$TMPDIR/ext4" || exit 1
rc=0
for fs in ext4 tmpfs; do
	echo "# on $fs, kernel $(uname -r)" >> "$V9P_OUT/opbench.txt"
	"$V9P_TOP/build/bench/opbench" "$TMPDIR/$fs" "${seconds:-1}" >> "$V9P_OUT/opbench.txt" 2>&1 || rc=1
done
exit $rc
