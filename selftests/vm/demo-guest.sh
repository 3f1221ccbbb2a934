#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of `make demo`: load vhost_9p as an administrator would and
# show what it offers.
. "$V9P_TOP/selftests/vm/guest-lib.sh"

set -e
echo "guest kernel: $(uname -r)"
echo "# modprobe vhost_9p"
v9p_modprobe vhost_9p
lsmod | grep -E '^(vhost_9p|vhost|vhost_iotlb) '
echo "# ls -l /dev/vhost-9p"
ls -l /dev/vhost-9p
echo "# vhost9p-ctl info"
"$V9P_TOP/build/tools/vhost9p-ctl" info
echo "# rmmod vhost_9p"
rmmod vhost_9p
dmesg | grep -i vhost || true
