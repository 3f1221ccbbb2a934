#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# qemu/build.sh: build Debian 13's QEMU 10.0 with the vhost-9p device on
# Debian 12, x86_64 and KVM only, with virtio-9p and the vhost-user
# frontends too (so that all compare in one binary), and no other device
# than the pc machine's (qemu/src/configs/devices), into
# build/qemu/qemu-system-x86_64.  qemu/patches also makes QEMU's generic
# vhost-user frontend, vhost-user-device-pci, creatable: the suite drives
# vhost9p-ctl attach --socket through it.
#
# Takes Debian's source package (apt-get source, with Debian's patches),
# adds our files (qemu/src) and the build glue (qemu/patches), and builds
# the one binary.  QEMU 10.0 needs meson 1.5 and pycotap, which Debian 12
# has in bookworm-backports only: they are unpacked beside the build, not
# installed.  Nothing of QEMU's source is in this repository.  Quick when
# nothing changed.
set -euo pipefail
. "$(dirname "$0")/../scripts/lib.sh"

[ $# = 0 ] || die "usage: qemu/build.sh (it builds QEMU $QEMU_SERIES; 7.2 is no longer supported)"
series=$QEMU_SERIES
out=$VHOST9P_BUILD/qemu
here=$VHOST9P_TOP/qemu
mkdir -p "$out"

# Our inputs: rebuild when any of them is newer than the binary.
inputs=$(find "$here/src" "$here/patches" "$here/build.sh" \
	"$VHOST9P_TOP/include/uapi/linux/vhost_9p.h" -type f)
if [ -x "$out/qemu-system-x86_64" ] &&
   [ -z "$(find $inputs -newer "$out/qemu-system-x86_64" 2>/dev/null)" ]; then
	exit 0
fi

# The newest source of the series apt knows (Debian 13's: setup.sh adds
# its source entry).
version=$(apt-cache showsrc qemu 2>/dev/null | awk '/^Version:/ { print $2 }' |
	  grep "^1:${series//./\\.}[.+]" | sort -V | tail -n 1)
[ -n "$version" ] || die "no source package for qemu $series: run 'make deps' (it adds the source entries)"
# QEMU refuses a source path with a colon: drop the epoch.
src=$out/src-${version#*:}
# meson and pycotap from bookworm-backports, on the build's PYTHONPATH.
py=$out/python
if [ ! -f "$py/.unpacked" ]; then
	echo "qemu: unpacking meson and pycotap from $QEMU_PYTHON_SUITE"
	rm -rf "$py" && mkdir -p "$py/dl"
	(cd "$py/dl" && apt-get download -qq -o APT::Sandbox::User=root \
		"meson/$QEMU_PYTHON_SUITE" "python3-pycotap/$QEMU_PYTHON_SUITE") ||
		die "cannot download meson and python3-pycotap from $QEMU_PYTHON_SUITE: run 'make deps'"
	for deb in "$py"/dl/*.deb; do
		dpkg-deb -x "$deb" "$py/root"
	done
	touch "$py/.unpacked"
fi
python_env=(env "PYTHONPATH=$py/root/usr/lib/python3/dist-packages"
	    "PATH=$py/root/usr/bin:$PATH")
if [ ! -f "$src/.extracted" ]; then
	echo "qemu: fetching and unpacking Debian's qemu $version"
	rm -rf "$out"/src-* "$out/dl"
	mkdir -p "$out/dl"
	# As root, apt downloads as _apt, which may not write into a checkout
	# under /root: download as root rather than warn about it.
	(cd "$out/dl" && apt-get source -qq --download-only -o APT::Sandbox::User=root \
		"qemu=$version" >/dev/null) ||
		die "apt-get source qemu=$version failed"
	dpkg-source -x --no-check "$out"/dl/qemu_*.dsc "$src" >/dev/null ||
		die "dpkg-source could not unpack qemu"
	# (dpkg-source leaves a copy of the upstream tarball beside the tree.)
	rm -rf "$out/dl" "$out"/qemu_*.orig.tar.*
	(cd "$src" && for p in "$here"/patches/*.patch; do
		patch -p1 -s < "$p" || exit 1
	done) || die "our build glue does not apply to qemu $version"
	# The dfsg tarball drops firmware that meson still lists.
	for f in $(sed -n "s/^ *'\(edk2-[a-z0-9_-]*\.fd\)',*\$/\1/p" "$src/pc-bios/meson.build"); do
		[ -e "$src/pc-bios/$f.bz2" ] || bzip2 < /dev/null > "$src/pc-bios/$f.bz2"
	done
	touch "$src/.extracted"
fi

# Our files follow QEMU's style: its own checkpatch must find nothing.
(cd "$here/src" && find . -name '*.[ch]' -print0 |
	xargs -0 perl "$src/scripts/checkpatch.pl" --no-tree -q -f) > "$out/checkpatch.log" 2>&1 || true
if grep -qE '^(ERROR|WARNING):' "$out/checkpatch.log"; then
	cat "$out/checkpatch.log"
	die "QEMU's checkpatch.pl finds fault with qemu/src"
fi

# Our files, and the ioctl ABI as QEMU's copy of the kernel headers.
cp -r "$here/src/." "$src/"
cp "$VHOST9P_TOP/include/uapi/linux/vhost_9p.h" "$src/linux-headers/linux/vhost_9p.h"

configure_args=(--target-list=x86_64-softmmu
	--without-default-features --enable-kvm --disable-tcg
	--without-default-devices --with-devices-x86_64=vhost-9p
	--enable-virtfs --enable-attr --enable-cap-ng --enable-vhost-kernel
	--enable-vhost-user
	--disable-docs --disable-werror --disable-install-blobs)
# A tree configured otherwise (an older build.sh) is configured afresh.
if [ "$(cat "$src/build/.configure-args" 2>/dev/null)" != "${configure_args[*]}" ]; then
	rm -rf "$src/build"
fi
if [ ! -f "$src/build/build.ninja" ]; then
	echo "qemu: configuring"
	mkdir -p "$src/build"
	(cd "$src/build" && "${python_env[@]}" ../configure "${configure_args[@]}" \
		> "$out/configure.log" 2>&1) || {
		tail -n 30 "$out/configure.log"
		die "qemu configure failed (log: $out/configure.log)"
	}
	echo "${configure_args[*]}" > "$src/build/.configure-args"
fi
echo "qemu: building qemu-system-x86_64 $series (a few minutes the first time)"
"${python_env[@]}" ninja -C "$src/build" qemu-system-x86_64 > "$out/build.log" 2>&1 || {
	grep -E 'error|Error' "$out/build.log" | head -n 30
	die "qemu build failed (log: $out/build.log)"
}
# Our own files build warning-free, even though QEMU's need not.
if grep -E '(vhost-9p[^ :]*\.[ch]):[0-9]+:[0-9]+: warning' "$out/build.log"; then
	die "the vhost-9p device builds with warnings (log: $out/build.log)"
fi
ln -sfn "$src/build/qemu-system-x86_64" "$out/qemu-system-x86_64.new"
mv -T "$out/qemu-system-x86_64.new" "$out/qemu-system-x86_64"
touch -h "$out/qemu-system-x86_64"
echo "qemu: $out/qemu-system-x86_64"
