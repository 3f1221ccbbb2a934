#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# client.sh KVER: build the Linux 9p client's virtio transport for KVER
# with client/patches applied, as build/client/KVER/9pnet_virtio.ko, a
# drop-in for the kernel's own module (the VM suite's e2e-client-patch
# guest and make bench's -patched configurations load it).  The source
# is KVER's own net/9p, from linux-source (ksrc.sh).  The patches are for
# the client of 6.8 and later (Documentation/performance.rst); for an
# older KVER there is nothing to build.  KDIR: the kernel's build tree.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kver=${1:-$(default_kver)}
kdir=${KDIR:-/lib/modules/$kver/build}
out=$VHOST9P_BUILD/client/$kver

if ! client_patched "$kver"; then
	echo "$kver: its 9p client sends whole-buffer requests as it is: client/patches are for 6.8 and later"
	exit 0
fi
[ -d "$kdir" ] || die "no kernel build tree at $kdir: install linux-headers-$kver, or give KDIR"
command -v patch > /dev/null || die "no patch(1): install it ('apt-get install patch'; make deps does)"
shopt -s nullglob
patches=("$VHOST9P_TOP"/client/patches/*.patch)
[ "${#patches[@]}" -gt 0 ] || die "no patches in client/patches"
"$VHOST9P_TOP/scripts/ksrc.sh" "$kver"

rm -rf "$out"
mkdir -p "$out"
cp "$VHOST9P_BUILD/ksrc/$kver/net/9p/trans_virtio.c" "$VHOST9P_BUILD/ksrc/$kver/net/9p/trans_common.h" "$out/"
ln -s "$VHOST9P_TOP/client/Kbuild" "$out/Kbuild"
for p in "${patches[@]}"; do
	# The patches are against the kernel tree, and touch net/9p/ only:
	# strip that too.  No fuzz: a patch that moved must be looked at.
	patch -d "$out" -p3 --fuzz=0 --quiet --no-backup-if-mismatch < "$p" ||
		die "$(basename "$p") does not apply to $kver's net/9p: refresh it against that kernel's linux-source"
done
make -C "$kdir" M="$out" W=1 modules
