#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of `make demo`, run in the first-level guest (the "host" of
# the demo): load vhost_9p as an administrator would, then start a
# second-level guest with QEMU's -device vhost-9p-pci sharing a copy of
# demo/share; that guest mounts it with its own 9p client, lists it, reads
# a file and writes one back, which the host then shows.
. "$V9P_TOP/selftests/vm/guest-lib.sh"

set -e
echo "host: Linux $(uname -r)"
echo "host# modprobe vhost_9p"
v9p_modprobe vhost_9p
ls -l /dev/vhost-9p | sed 's/^/host: /'
"$V9P_TOP/build/tools/vhost9p-ctl" info | sed 's/^/host: /'
nested_kvm_ready || { echo "host: no /dev/kvm: cannot start a guest"; exit 1; }

# The project's tree is read-only here: share a copy of demo/share.
share=$TMPDIR/share
cp -a "$V9P_TOP/demo/share" "$share"
echo
echo "host# qemu-system-x86_64 ... -device vhost-9p-pci,mount_tag=share,path=$share,security_model=none"
l2_qemu 120 "$V9P_OUT/l2-demo.gz" quiet -smp 2 -m 512 -serial stdio \
	-device "vhost-9p-pci,mount_tag=share,path=$share,security_model=none" |
	tr -d '\r' | sed -n 's/^.*\(guest[:#].*\)$/\1/p; /^[-dl][-rwx]\{9\} /p; /^This\|^The\|^which\|^the host/p'
echo
echo "host# cat $share/guest-wrote-this.txt"
cat "$share/guest-wrote-this.txt"
cp -a "$share" "$V9P_OUT/share"
