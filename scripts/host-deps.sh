#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# host-deps.sh [--check] [KVER]: install what building and running vhost-9p
# on a host needs, and nothing of the tests' (make deps): for KVER (the
# running kernel unless given) its headers and linux-source at their
# version, a compiler, what building QEMU needs (with apt entries for
# Debian 13's QEMU source and bookworm-backports' meson), the firmware QEMU
# loads, and what the admin guide's first guest is made of.  No kernel
# image.  --check only says what is missing.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

check=
if [ "${1:-}" = --check ]; then
	check=1
	shift
fi
kver=${1:-$(uname -r)}
series=$(echo "$kver" | cut -d. -f1,2)

# The headers' version is the linux-source version the build needs
# (ksrc.sh): the one installed, else the one apt would install.
version=$(installed_version "linux-headers-$kver")
if [ -z "$version" ]; then
	version=$(apt-cache policy "linux-headers-$kver" 2> /dev/null |
		  awk '/Candidate:/ && $2 != "(none)" { print $2 }')
fi
upgrade="run 'apt-get update'; if it is still missing, the archive has moved on from kernel $kver: run 'apt-get full-upgrade', reboot into the new kernel and run this again"
[ -n "$version" ] || die "linux-headers-$kver is not in the package lists: $upgrade"
# The archive keeps linux-source-X.Y at its newest version only.
source=linux-source-$series
if [ "$(installed_version "$source")" != "$version" ] &&
   ! apt-cache madison "$source" 2> /dev/null |
	awk -v v="$version" '$3 == v { found = 1 } END { exit !found }'; then
	die "$source $version, from which kernel $kver's module is built, is not in the package lists: $upgrade"
fi

pkgs=(
	build-essential bc kmod "linux-headers-$kver" "$source=$version"
	# make qemu, and the firmware its guests boot with.
	"${QEMU_BUILD_PACKAGES[@]}" seabios qemu-system-data
	# The admin guide's first guest: a static busybox in an initramfs.
	busybox-static cpio gzip xz-utils zstd
)
rc=0
install_packages "host-deps for $kver" host-deps "$check" "${pkgs[@]}" || rc=1
# make qemu builds Debian 13's QEMU 10.0 source package.
qemu10_sources "host-deps for $kver" host-deps "$check" || rc=1
exit $rc
