#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of `make demo`, run in the first-level guest: load vhost_9p as
# an administrator would, show what it offers, then share demo/share
# through it with demo_client as the 9P client, and show the host's side.
. "$V9P_TOP/selftests/vm/guest-lib.sh"

set -e
echo "== kernel $(uname -r): modprobe vhost_9p"
v9p_modprobe vhost_9p
ls -l /dev/vhost-9p
"$V9P_TOP/build/tools/vhost9p-ctl" info

# The project's tree is read-only here: share a copy of demo/share.
share=$TMPDIR/share
cp -a "$V9P_TOP/demo/share" "$share"
echo
echo "== sharing $share through /dev/vhost-9p"
"$V9P_TOP/build/selftests/demo_client" "$share"
echo
echo "== host: ls -l $share; cat guest-wrote-this.txt"
ls -l "$share"
cat "$share/guest-wrote-this.txt"
cp -a "$share" "$V9P_OUT/share"
