#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vhost-abi.sh KVER DIR: whether drivers/vhost/vhost.c and vhost.h in DIR
# (a kernel source tree, or the two files there) declare the vhost core's
# types as kernel KVER was built with them.  The module takes vhost.h from
# linux-source, which apt may move to another Debian revision than the
# kernel's; what has to hold is that the structures the module shares
# with vhost.ko (vhost_dev, vhost_virtqueue, vhost_work, ...) are laid out
# the same.  Kbuild's modversions say exactly that: the CRC of each symbol
# vhost.ko exports covers the types of its arguments, expanded down to
# every member.  So genksyms runs over vhost.c preprocessed against KVER's
# headers, and each CRC must equal the one in KVER's Module.symvers.
# What CRCs do not cover is not compared: the bodies of vhost.h's inline
# functions, its macros and enum constants (VHOST_FEATURES among them).
# Prints what it found; status 0 when all match, 1 when any differs, 2
# when it cannot tell (no genksyms, no Module.symvers, a failure).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

cannot() { echo "vhost-abi: cannot compare: $*"; exit 2; }
trap 'cannot "failed at line $LINENO of $0"' ERR
[ $# = 2 ] || cannot "usage: vhost-abi.sh KVER DIR"
kver=$1 dir=$2
kdir=${KDIR:-/lib/modules/$kver/build}
symvers=$kdir/Module.symvers
genksyms=$kdir/scripts/genksyms/genksyms

grep -qxF "#define UTS_RELEASE \"$kver\"" "$kdir/include/generated/utsrelease.h" 2> /dev/null ||
	cannot "$kdir is not the build tree of $kver (KDIR)"
[ -s "$symvers" ] || cannot "no $symvers (linux-headers-$kver)"
[ -x "$genksyms" ] || cannot "no $genksyms (linux-kbuild of $kver's headers)"
grep -q '^CONFIG_MODVERSIONS=y' "$kdir/.config" 2> /dev/null ||
	cannot "kernel $kver is built without CONFIG_MODVERSIONS"
# 6.14's DWARF-based CRCs come from no genksyms.
! grep -q '^CONFIG_GENDWARFKSYMS=y' "$kdir/.config" ||
	cannot "kernel $kver takes its CRCs from DWARF (CONFIG_GENDWARFKSYMS), not genksyms"
for f in vhost.c vhost.h; do
	[ -f "$dir/drivers/vhost/$f" ] || cannot "no drivers/vhost/$f in $dir"
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$dir/drivers/vhost/vhost.c" "$dir/drivers/vhost/vhost.h" "$tmp/"
echo 'obj-m := vhost.o' > "$tmp/Kbuild"
# As kbuild preprocesses for genksyms: with __GENKSYMS__ defined.
make -s -C "$kdir" M="$tmp" KCFLAGS=-D__GENKSYMS__ vhost.i > "$tmp/make.log" 2>&1 ||
	{ sed 's/^/vhost-abi: /' "$tmp/make.log" | tail -n 5; cannot "vhost.c does not preprocess against $kver's headers"; }
# 6.1 prints "#SYMVER name 0xcrc", earlier kernels "__crc_name = 0xcrc;".
"$genksyms" -r /dev/null < "$tmp/vhost.i" 2> /dev/null |
	sed -nE 's/^(#SYMVER |__crc_)([A-Za-z0-9_]+)( =)? (0x[0-9a-f]+);?$/\2 \4/p' |
	sort > "$tmp/source"
[ -s "$tmp/source" ] || cannot "genksyms printed no CRC for vhost.c"
awk -F '\t' '$3 == "drivers/vhost/vhost" { print $2, $1 }' "$symvers" | sort > "$tmp/kernel"
[ -s "$tmp/kernel" ] || cannot "$symvers lists no export of drivers/vhost/vhost"

total=$(wc -l < "$tmp/kernel")
differ=$(join -a 1 -e none -o 0,1.2,2.2 "$tmp/kernel" "$tmp/source" | awk '$2 != $3 { print $1 }')
if [ -z "$differ" ]; then
	echo "vhost-abi: the $total exports of vhost.ko have the CRCs of $kver's Module.symvers: vhost.h's types are the kernel's (its inline functions and macros are not compared)"
	exit 0
fi
echo "vhost-abi: $(echo "$differ" | wc -l) of vhost.ko's $total exports differ from $kver's Module.symvers (types of vhost.h changed): $(echo $differ | cut -d' ' -f1-4)"
exit 1
