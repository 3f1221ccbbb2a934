#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh [KVER]: boot a machine with Debian's kernel, load vhost_9p in
# it, and start a guest of its own that mounts demo/share through
# vhost-9p with the Linux 9p client, lists it, reads from it and writes a
# file back, which the machine then shows.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kver=${1:-$(default_kver)}
out=$VHOST9P_BUILD/vm/$kver/demo
rm -rf "$out"
mkdir -p "$out"
vm_l2_e2e_initramfs "$kver" "$out/l2-demo.gz" l2-demo-init
echo "Booting Debian's $kver in QEMU ($(vm_accel "$kver")); this takes a few seconds..."
if vm_run "$kver" "$VM_DIR/demo-guest.sh" "$out" 300; then
	cat "$out/guest.log"
	echo
	echo "The share as it came back: $out/share"
	ls -l "$out/share"
else
	cat "$out/guest.log" 2>/dev/null
	exit 1
fi
