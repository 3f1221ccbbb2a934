#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# setup.sh: install from Debian's archive everything vhost-9p's build and
# tests need on a Debian 12 machine: for every kernel in kernels.list its
# image, headers and linux-source (exactly that version), QEMU, busybox,
# dkms and the checkers.  Idempotent: when all is there it only checks, in a
# second.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

pkgs=(
	build-essential bc bison flex kmod cpio xz-utils zstd gzip perl git
	busybox-static qemu-system-x86 sparse clang libclang-rt-14-dev
	e2fsprogs attr
	# make install and DKMS (scripts/test-install.sh), the man page's check.
	dkms groff-base
	# make check-debug builds a kernel (scripts/debug-kernel.sh).
	libelf-dev libssl-dev
	# make bench: its plot, perf for its profile (and the suite's
	# tracepoint check), Python for its flame graphs.
	gnuplot-nox linux-perf python3
	# Building QEMU with the vhost-9p device (qemu/build.sh).
	dpkg-dev patch bzip2 ninja-build meson pkg-config libglib2.0-dev
	libpixman-1-dev libfdt-dev libattr1-dev libcap-ng-dev
)
while read -r kver srcpkg srcver; do
	pkgs+=("linux-image-$kver" "linux-headers-$kver" "$srcpkg=$srcver")
done < <(awk '!/^#/ && NF' "$VHOST9P_TOP/scripts/kernels.list")

# qemu/build.sh takes QEMU's source package: it needs deb-src entries.
need_src=
if ! grep -rqsE '^(Types:.*deb-src|deb-src )' /etc/apt/sources.list /etc/apt/sources.list.d/; then
	need_src=1
fi

missing=()
for p in "${pkgs[@]}"; do
	name=${p%%=*} want=
	[ "$name" != "$p" ] && want=${p#*=}
	read -r status version < <(dpkg-query -W -f='${db:Status-Status} ${Version}\n' \
		"$name" 2>/dev/null || echo none)
	if [ "$status" = installed ] && { [ -z "$want" ] || [ "$version" = "$want" ]; }; then
		continue
	fi
	missing+=("$p")
done

if [ "${#missing[@]}" = 0 ] && [ -z "$need_src" ]; then
	echo "setup: everything is installed"
	exit 0
fi

[ "$(id -u)" = 0 ] || die "these packages are missing: ${missing[*]}${need_src:+ (and deb-src entries)}; run 'make deps' as root (or with sudo)"
if [ -n "$need_src" ]; then
	echo "setup: adding deb-src entries (/etc/apt/sources.list.d/vhost9p-src.sources)"
	. /etc/os-release
	cat > /etc/apt/sources.list.d/vhost9p-src.sources <<SOURCES
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: $VERSION_CODENAME $VERSION_CODENAME-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: $VERSION_CODENAME-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# No recommends: the kernels' firmware and apparmor are of no use in a
# test guest, and they cost minutes.
apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null
echo "setup: done"
