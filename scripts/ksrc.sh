#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ksrc.sh KVER: extract from Debian's linux-source tarball of KVER's version
# the few files the build needs and no headers package ships (vhost.h, the
# kselftest harness, checkpatch, and the virtio transport of the 9p client
# that client/patches change) into build/ksrc/KVER.  They are never
# committed.  Quick when already done.
#
# The kernels in kernels.list are the tested ones.  For any other (as when
# DKMS builds for a kernel the machine just installed), the source is found
# by the rule kernels.list follows: Debian builds the image, the headers and
# linux-source-X.Y from one source package, so the matching linux-source is
# linux-source-X.Y at exactly the version of linux-headers-KVER.  Another
# Debian revision of the same upstream version (apt upgrades linux-source
# while the running kernel's headers stay) is taken when vhost-abi.sh finds
# its vhost.h the kernel's.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kver=${1:-$(default_kver)}
out=$VHOST9P_BUILD/ksrc/$kver
files=(drivers/vhost/vhost.h
	tools/testing/selftests/kselftest.h tools/testing/selftests/kselftest_harness.h
	scripts/checkpatch.pl scripts/spelling.txt scripts/const_structs.checkpatch
	net/9p/trans_virtio.c net/9p/trans_common.h)

# The debug kernel (debug-kernel.sh) has its whole source in the build tree.
debug=$VHOST9P_BUILD/debug-kernel
if [ -s "$debug/kver" ] && [ "$(cat "$debug/kver")" = "$kver" ]; then
	mkdir -p "$out"
	(cd "$debug/src" && cp --parents "${files[@]}" "$out/")
	exit 0
fi

pkg=$(kernel_field "$kver" 2)
ver=$(kernel_field "$kver" 3)
if [ -z "$pkg" ]; then
	ver=$(installed_version "linux-headers-$kver")
	[ -n "$ver" ] || die "kernel '$kver' is not in scripts/kernels.list and linux-headers-$kver is not installed: install it ('apt-get install linux-headers-$kver'), or pick one of $(kernels_list 1 | xargs)"
	pkg=linux-source-$(echo "$kver" | cut -d. -f1,2)
fi

# (A tree extracted before the list grew lacks some.)
stamp=$out/.extracted-$ver
# Which other revision was taken, said again at every build.
taken=$out/.other-revision
missing=
for f in "${files[@]}"; do [ -e "$out/$f" ] || missing=1; done
if [ -e "$stamp" ] && [ -z "$missing" ]; then
	[ ! -s "$taken" ] || cat "$taken"
	exit 0
fi

have=$(installed_version "$pkg")
fix="run 'apt-get install $pkg=$ver' as root; if apt no longer has that version, install the newer kernel that the archive's $pkg matches, and build for that one"
# Another Debian revision of the same upstream version, as after an apt
# upgrade that moved linux-source on while the kernel stayed: good if its
# vhost.h declares the vhost core's types as the kernel was built with.
other_revision=
if [ "$have" != "$ver" ]; then
	[ -n "$have" ] && [ "${have%-*}" = "${ver%-*}" ] ||
		die "$kver needs drivers/vhost/vhost.h (and the few other files of kernel source the build takes) from $pkg $ver (found ${have:-nothing}): $fix"
	other_revision=1
fi
# (VHOST9P_KSRC_TARBALL: another tarball of that package, for test-install.sh.)
tarball=${VHOST9P_KSRC_TARBALL:-/usr/src/$pkg.tar.xz}
[ -f "$tarball" ] || die "$tarball is missing: reinstall $pkg ('apt-get install --reinstall $pkg=$have')"

rm -rf "$out"
mkdir -p "$out"
if [ -n "$other_revision" ]; then
	tar -C "$out" -xJf "$tarball" --strip-components=1 --wildcards '*/drivers/vhost/vhost.[ch]'
	if ! abi=$("$VHOST9P_TOP/scripts/vhost-abi.sh" "$kver" "$out"); then
		rm -rf "$out"
		die "$kver was built from $pkg $ver, $have is installed, and $abi: $fix"
	fi
fi
tar -C "$out" -xJf "$tarball" --strip-components=1 --wildcards "${files[@]/#/*/}"
if [ -n "$other_revision" ]; then
	echo "ksrc: $kver was built from $pkg $ver; taking $have ($abi)" > "$taken"
	cat "$taken"
fi
touch "$stamp"
