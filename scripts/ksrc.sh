#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ksrc.sh KVER: extract from Debian's linux-source tarball of KVER's version
# the few files the build needs and no headers package ships (vhost.h, the
# kselftest harness, checkpatch) into build/ksrc/KVER.  They are never
# committed.  Quick when already done.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kver=${1:-$(default_kver)}
pkg=$(kernel_field "$kver" 2)
ver=$(kernel_field "$kver" 3)
[ -n "$pkg" ] || die "unknown kernel '$kver': pick one of $(kernels_list 1 | xargs) (scripts/kernels.list)"

out=$VHOST9P_BUILD/ksrc/$kver
stamp=$out/.extracted-$ver
[ -e "$stamp" ] && exit 0

have=$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null || true)
[ "$have" = "$ver" ] || die "$pkg $ver is needed, found '${have:-nothing}': run 'make deps'"
tarball=$(ls /usr/src/"$pkg".tar.xz 2>/dev/null) || die "/usr/src/$pkg.tar.xz is missing: reinstall $pkg ('make deps')"

rm -rf "$out"
mkdir -p "$out"
tar -C "$out" -xJf "$tarball" --strip-components=1 --wildcards \
	'*/drivers/vhost/vhost.h' \
	'*/tools/testing/selftests/kselftest.h' \
	'*/tools/testing/selftests/kselftest_harness.h' \
	'*/scripts/checkpatch.pl' \
	'*/scripts/spelling.txt' \
	'*/scripts/const_structs.checkpatch'
touch "$stamp"
