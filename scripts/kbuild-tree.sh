#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kbuild-tree.sh KVER [DIR]: lay out build/kmod/KVER (or DIR: the debug
# module's build/kmod-debug/KVER), the directory kbuild builds the module in
# (M=...).  It mirrors the source tree with symlinks, so two
# kernels build side by side without sharing objects, and it places KVER's
# own drivers/vhost/vhost.h where the sources expect "../vhost.h".
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kver=${1:-$(default_kver)}
tree=${2:-$VHOST9P_BUILD/kmod/$kver}
mkdir -p "$tree/drivers/vhost/9p"

ln -sfn "$VHOST9P_TOP/Kbuild" "$tree/Kbuild"
ln -sfn "$VHOST9P_TOP/include" "$tree/include"
ln -sfn "$VHOST9P_BUILD/ksrc/$kver/drivers/vhost/vhost.h" "$tree/drivers/vhost/vhost.h"

# Drop links to files that no longer exist, then link every source file.
find "$tree/drivers/vhost/9p" -maxdepth 1 -xtype l -delete
for f in "$VHOST9P_TOP"/drivers/vhost/9p/*; do
	ln -sfn "$f" "$tree/drivers/vhost/9p/$(basename "$f")"
done
