#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fresh-host-check.sh [KVER]: follow the build steps of the admin guide's
# "Your first guest" (1 to 3, but for the reboot and loading the module)
# on a fresh Debian 12: a minimal debootstrap of it, in a chroot, from a
# clone of this checkout's HEAD.  Proves that what make host-deps installs
# is enough for make modules tools install qemu, starting from a system
# without even make.  Not part of make check: it downloads about a
# gigabyte and takes twenty minutes or more.  As root; leaves the chroot
# in build/fresh-host (removed at the next run).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kver=${1:-$(default_kver)}
root=$VHOST9P_BUILD/fresh-host
[ "$(id -u)" = 0 ] || die "run it as root: it debootstraps a system and chroots into it"
command -v debootstrap > /dev/null || install_packages fresh-host-check deps "" debootstrap

cleanup()
{
	local m
	for m in dev/pts dev proc sys; do
		mountpoint -q "$root/$m" && umount -l "$root/$m"
	done
	return 0
}
trap cleanup EXIT
cleanup
rm -rf "$root"
codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
# The machine's own mirror, as setup.sh takes it: no host name here.
mirror=$(debian_archive_uri "$codename")
[ -n "$mirror" ] || die "no apt source for Debian $codename on this machine to debootstrap from"
echo "fresh-host: debootstrap --variant=minbase $codename $mirror"
debootstrap --variant=minbase "$codename" "$root" "$mirror" > "$VHOST9P_BUILD/fresh-host.log" 2>&1 ||
	die "debootstrap failed (log: $VHOST9P_BUILD/fresh-host.log)"
: > "$root/etc/apt/sources.list"
add_apt_entries "$root/etc/apt/sources.list.d/debian.sources" deb "$codename" "$codename-updates"
# The security archive lives elsewhere: only where this machine has it.
if [ -n "$(debian_archive_uri "$codename-security")" ]; then
	add_apt_entries "$root/etc/apt/sources.list.d/debian-security.sources" deb "$codename-security"
fi
git clone -q "$VHOST9P_TOP" "$root/root/vhost-9p"
for m in proc sys dev dev/pts; do
	mount --bind "/$m" "$root/$m"
done

# The guide's commands, as written but for KVER: the chroot runs this
# machine's kernel, which need not be a Debian one.
step()
{
	echo "fresh-host: $*"
	chroot "$root" /usr/bin/env -i HOME=/root DEBIAN_FRONTEND=noninteractive PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		bash -c "cd /root/vhost-9p && $*" >> "$VHOST9P_BUILD/fresh-host.log" 2>&1 ||
		die "'$*' failed on a fresh $codename (log: $VHOST9P_BUILD/fresh-host.log)"
}
step "apt-get update -qq && apt-get full-upgrade -y -qq"
step "apt-get install -y -qq make"
step "make host-deps KVER=$kver"
step "make KVER=$kver modules tools"
step "make install KVER=$kver"
step "test -f /lib/modules/$kver/updates/vhost_9p.ko && vhost9p-ctl help > /dev/null"
step "make qemu"
step "build/qemu/qemu-system-x86_64 -device help | grep -q vhost-9p-pci"
echo "fresh-host: the guide's build steps pass on a fresh $codename for $kver"
