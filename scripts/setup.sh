#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# setup.sh: install from Debian's archive everything vhost-9p's build and
# tests need on a Debian 12 machine: for every kernel in kernels.list its
# image, headers and linux-source (exactly that version), QEMU, busybox,
# dkms and the checkers.  Idempotent: when all is there it only checks, in a
# second.  It installs kernel images (the test machine's guests boot them):
# for a host that only builds and runs vhost-9p, host-deps.sh.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

pkgs=(
	build-essential bc bison flex kmod cpio xz-utils zstd gzip perl git
	busybox-static qemu-system-x86 sparse clang libclang-rt-14-dev
	e2fsprogs attr
	# ops_test's XFS case (attribute names past XATTR_NAME_MAX), and the
	# e2e checks over exports on XFS and btrfs (suite.sh's fs_export).
	xfsprogs btrfs-progs
	# make install and DKMS (scripts/test-install.sh), the man page's check.
	dkms groff-base
	# make check-debug builds a kernel (scripts/debug-kernel.sh).
	libelf-dev libssl-dev
	# make bench: its plot, perf for its profile (and the suite's
	# tracepoint check), Python for its flame graphs.
	gnuplot-nox linux-perf python3
	# Building QEMU with the vhost-9p device (qemu/build.sh).
	"${QEMU_BUILD_PACKAGES[@]}"
)
while read -r kver srcpkg srcver; do
	pkgs+=("linux-image-$kver" "linux-headers-$kver" "$srcpkg=$srcver")
done < <(awk '!/^#/ && NF' "$VHOST9P_TOP/scripts/kernels.list")

install_packages setup deps "" "${pkgs[@]}"

# QEMU (qemu/build.sh) builds from Debian 13's source package, with meson
# and pycotap from bookworm-backports.
qemu10_sources setup deps ""
