#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# setup.sh: install from Debian's archive everything vhost-9p's build and
# tests need on a Debian 12 machine: for every kernel in kernels.list its
# image, headers and linux-source (exactly that version), QEMU, busybox and
# the checkers.  Idempotent: when all is there it only checks, in a second.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

pkgs=(
	build-essential bc bison flex kmod cpio xz-utils zstd gzip perl git
	busybox-static qemu-system-x86 sparse clang libclang-rt-14-dev
)
while read -r kver srcpkg srcver; do
	pkgs+=("linux-image-$kver" "linux-headers-$kver" "$srcpkg=$srcver")
done < <(awk '!/^#/ && NF' "$VHOST9P_TOP/scripts/kernels.list")

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

if [ "${#missing[@]}" = 0 ]; then
	echo "setup: everything is installed"
	exit 0
fi

[ "$(id -u)" = 0 ] || die "these packages are missing: ${missing[*]}; run 'make deps' as root (or with sudo)"
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# No recommends: the kernels' firmware and apparmor are of no use in a
# test guest, and they cost minutes.
apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null
echo "setup: done"
