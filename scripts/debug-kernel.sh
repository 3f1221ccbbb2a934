#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# debug-kernel.sh: build, once, the kernel `make check-debug` runs the VM
# suite on: Debian's linux-source of the newest kernel in kernels.list,
# configured as x86_64_defconfig + kvm_guest.config + debug-kernel/
# v9p-debug.config (KASAN, lockdep, kmemleak, UBSAN, fault injection).
# Everything lands in build/debug-kernel: src/ the source, obj/ the build
# (the KDIR the module builds against), root/ the installed image and
# modules (root/boot/vmlinuz-KVER, root/lib/modules/KVER), and the file
# kver with KVER.  Nothing is installed on this machine.  Rebuilt only
# when the fragment, this script or the source changed: about 20 minutes on
# two cores the first time.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

base=$(kernels_list 1 | tail -n 1)
pkg=$(kernel_field "$base" 2)
ver=$(kernel_field "$base" 3)
fragment=$VHOST9P_TOP/scripts/debug-kernel/v9p-debug.config
out=$VHOST9P_BUILD/debug-kernel
src=$out/src obj=$out/obj root=$out/root
jobs=${V9P_JOBS:-$(($(nproc) + 1))}

have=$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null || true)
[ "$have" = "$ver" ] || die "the debug kernel is built from $pkg $ver (found ${have:-nothing}): run 'make deps' as root"
for p in bc bison flex libelf-dev libssl-dev; do
	dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed ||
		die "building a kernel needs $p: run 'make deps' as root"
done

stamp=$(cat "$fragment" "$0" | sha256sum | cut -c1-16)-$ver
if [ -f "$out/built-$stamp" ] && [ -s "$out/kver" ]; then
	echo "debug-kernel: $(cat "$out/kver") is built (build/debug-kernel)"
	exit 0
fi

if [ ! -f "$src/.extracted-$ver" ]; then
	echo "debug-kernel: extracting /usr/src/$pkg.tar.xz"
	rm -rf "$src" "$obj"
	mkdir -p "$src"
	tar -C "$src" -xJf "/usr/src/$pkg.tar.xz" --strip-components=1
	touch "$src/.extracted-$ver"
fi

echo "debug-kernel: configuring (log: build/debug-kernel/build.log)"
mkdir -p "$obj"
: > "$out/build.log"
kmake()
{
	make -C "$src" O="$obj" -j"$jobs" "$@" >> "$out/build.log" 2>&1 ||
		die "'make $*' failed; the end of build/debug-kernel/build.log:$(echo; tail -n 20 "$out/build.log")"
}
kmake x86_64_defconfig
(cd "$obj" && KCONFIG_CONFIG=.config "$src/scripts/kconfig/merge_config.sh" -m -O "$obj" \
	.config "$src/kernel/configs/kvm_guest.config" "$fragment") >> "$out/build.log" 2>&1 ||
	die "merging the configuration failed: see build/debug-kernel/build.log"
kmake olddefconfig

# A line of the fragment that Kconfig overrode (a dependency missing, a
# name that changed) would build a kernel that checks less than it says.
bad=0
while read -r line; do
	case "$line" in
	CONFIG_*=*) want=$line ;;
	"# CONFIG_"*" is not set") want=$line ;;
	*) continue ;;
	esac
	name=${want#\# }
	name=${name%%[= ]*}
	got=$(grep -E "^($name=|# $name is not set)" "$obj/.config" || echo "# $name is not set")
	if [ "$got" != "$want" ]; then
		echo "debug-kernel: wanted '$want', Kconfig gave '$got'" >&2
		bad=1
	fi
done < "$fragment"
[ "$bad" = 0 ] || die "the configuration is not what scripts/debug-kernel/v9p-debug.config asks for"

echo "debug-kernel: building with $jobs jobs (about 20 minutes on two cores the first time)"
kmake bzImage modules
kver=$(make -s -C "$src" O="$obj" kernelrelease 2>/dev/null)
rm -rf "$root"
mkdir -p "$root/boot"
kmake INSTALL_MOD_PATH="$root" INSTALL_MOD_STRIP=1 modules_install
cp "$obj/arch/x86/boot/bzImage" "$root/boot/vmlinuz-$kver"
cp "$obj/.config" "$root/boot/config-$kver"
# The module builds against obj/ (KDIR), as against a headers package.
ln -sfn "$obj" "$root/lib/modules/$kver/build"
echo "$kver" > "$out/kver"
rm -f "$out"/built-*
touch "$out/built-$stamp"
echo "debug-kernel: $kver built (build/debug-kernel)"
