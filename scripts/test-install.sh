#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test-install.sh: the ways vhost-9p gets installed, tested for real on the
# host without loading anything, and without touching the system: every
# tree is temporary.
#
#   - the man page renders without warnings and documents exactly the
#     commands of vhost9p-ctl's usage text;
#   - `make install` / `make uninstall` with DESTDIR (files land where they
#     should, module for the right kernel with its devname alias), and with
#     INSTALL_MOD_PATH into a copy of the kernel's module tree (depmod runs,
#     modprobe resolves vhost_9p and devname:vhost-9p to it, its symbols
#     match the kernel's);
#   - DKMS (`make dkms-source`, then dkms add, build, install, remove with a
#     private DKMS, source and install tree) for every kernel in
#     kernels.list, and for a kernel that is not in it;
#   - a DKMS build without the matching linux-source fails and names the
#     package to install.
#
# Output is KTAP; then the failed and skipped cases and, last, "RESULT pass
# fail skip", as scripts/check.sh counts them.  A case behind a step that
# failed is skipped with the reason; one that cannot run because something
# is missing (make deps, root) fails with it.  Logs are in
# build/check/install/.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$VHOST9P_TOP" || exit 1

# Run from `make check`, make's variables would reach the makes run here.
unset MAKEFLAGS MFLAGS MAKELEVEL

logs=$VHOST9P_BUILD/check/install
rm -rf "$logs"
mkdir -p "$logs"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vhost9p-install.XXXXXX") || die "cannot create a temporary directory"
trap 'rm -rf "$tmp"' EXIT

n=0 pass=0 fail=0 skip=0
summary=()
# While set, every case is skipped with this reason (what they need failed).
why=

echo "TAP version 13"

# result: install-result.sh.
. "$VHOST9P_TOP/scripts/install-result.sh"

# diag TEXT: the last lines of TEXT as KTAP diagnostics.
diag()
{
	[ -n "$1" ] && tail -n 25 <<< "$1" | sed 's/^/# /'
	return 0
}

# check NAME CMD...: a case that passes when CMD succeeds; when it fails,
# what CMD printed is shown.  Skipped while $why is set.
check()
{
	local name=$1 out
	shift
	if [ -n "$why" ]; then
		result skip "$name" "$why"
	elif out=$("$@" 2>&1); then
		result pass "$name"
	else
		diag "$out"
		result fail "$name"
	fi
}

# step NAME LOG CMD...: a case that runs CMD with its output in LOG, and
# that the next cases need: when it fails, they are skipped (until $why is
# reset).
step()
{
	local name=$1 log=$2
	shift 2
	if [ -n "$why" ]; then
		result skip "$name" "$why"
	elif "$@" > "$log" 2>&1; then
		result pass "$name"
	else
		diag "$(cat "$log")"
		echo "# (all of it in $log)"
		result fail "$name"
		why="$name failed"
		return 1
	fi
}

# The checks, as functions that say what is wrong.
is_file()
{
	[ -f "$1" ] || { echo "$1 does not exist"; ls -lR "$(dirname "$1")" 2>&1 | head -n 20; return 1; }
}

# module_for KO KVER: KO is built for KVER and has the devname alias that
# makes /dev/vhost-9p load it on first open.
module_for()
{
	local vermagic aliases
	is_file "$1" || return 1
	vermagic=$(modinfo -F vermagic "$1") || return 1
	aliases=$(modinfo -F alias "$1") || return 1
	[ "${vermagic%% *}" = "$2" ] || { echo "vermagic is '$vermagic', not $2's"; return 1; }
	grep -qx 'devname:vhost-9p' <<< "$aliases" || { echo "no alias devname:vhost-9p in: $aliases"; return 1; }
}

# stage ROOT KVER: ROOT/lib/modules/KVER as the VM harness stages it: the
# kernel's own modules (a link) and indexes, so that depmod and modprobe -d
# work there as on the installed system.
stage()
{
	local dir=$1/lib/modules/$2
	mkdir -p "$dir"
	ln -sfn "/lib/modules/$2/kernel" "$dir/kernel"
	cp /lib/modules/"$2"/modules.order /lib/modules/"$2"/modules.builtin* "$dir/"
}

# resolves ROOT KVER NAME KO: modprobe, resolving NAME in ROOT's tree, would
# load vhost and then KO.
resolves()
{
	local out last
	out=$(modprobe -d "$1" -S "$2" --show-depends "$3" 2>&1) || { echo "$out"; return 1; }
	last=$(tail -n 1 <<< "$out")
	last=${last#insmod }
	last=${last%% *}
	if [ "$last" != "$4" ] || ! grep -q '/vhost\.ko' <<< "$out"; then
		echo "modprobe -d $1 -S $2 --show-depends $3 gives:"
		echo "$out"
		echo "expected vhost.ko, then $4"
		return 1
	fi
}

# not_resolved ROOT KVER NAME: modprobe finds no NAME in ROOT's tree.
not_resolved()
{
	if modprobe -d "$1" -S "$2" --show-depends "$3" 2>&1; then
		echo "modprobe still finds $3"
		return 1
	fi
	return 0
}

# symbols_match ROOT KVER: depmod, checking every symbol and its version
# against the kernel's Module.symvers, has nothing to say about vhost_9p.
symbols_match()
{
	local out symvers=/lib/modules/$2/build/Module.symvers
	is_file "$symvers" || return 1
	out=$(depmod -b "$1" -e -E "$symvers" "$2" 2>&1) || { echo "$out"; return 1; }
	if grep -i 'vhost_9p' <<< "$out"; then
		return 1
	fi
}

# devname_indexed ROOT KVER: depmod listed /dev/vhost-9p for kmod's static
# nodes, which is what makes the first open load the module.
devname_indexed()
{
	local f=$1/lib/modules/$2/modules.devname
	grep -qx 'vhost_9p vhost-9p c10:246' "$f" 2> /dev/null ||
		{ echo "no 'vhost_9p vhost-9p c10:246' in $f"; cat "$f" 2>&1; return 1; }
}

# unchanged_since MARK DIR...: nothing in DIRs is newer than MARK.
unchanged_since()
{
	local mark=$1 changed
	shift
	changed=$(find "$@" -newer "$mark" 2>&1)
	[ -z "$changed" ] || { echo "changed: $changed"; return 1; }
}

# no_files DIR [LIST]: the files under DIR are exactly LIST (paths from DIR,
# sorted, space-separated), or none.
no_files()
{
	local have
	have=$(cd "$1" && find . ! -type d | sort | xargs)
	[ "$have" = "${2:-}" ] || { echo "files under $1: ${have:-none}; expected: ${2:-none}"; return 1; }
}

# ----------------------------------------------------------------------
# The man page.

man_page=tools/vhost9p-ctl/vhost9p-ctl.8
ctl=$VHOST9P_BUILD/tools/vhost9p-ctl

# groff_clean PAGE: groff, with all warnings on, has nothing to say.
groff_clean()
{
	local out
	if ! out=$(groff -man -Tutf8 -ww -z "$1" 2>&1) || [ -n "$out" ]; then
		echo "$out"
		return 1
	fi
}

# same_commands: the commands of the usage text ("commands:", then lines
# "  NAME  what it does") are the tags of the man page's COMMANDS section.
same_commands()
{
	local usage documented
	usage=$("$ctl" help | awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 }' | sort | xargs)
	documented=$(awk '/^\.SH / { on = ($2 == "COMMANDS") } on && tag { print $2; tag = 0 }
		on && /^\.TP/ { tag = 1 }' "$man_page" | tr -d '",' | sort | xargs)
	[ -n "$usage" ] || { echo "no commands in the usage text of $ctl"; return 1; }
	[ "$usage" = "$documented" ] ||
		{ echo "the usage text has: $usage; the man page documents: $documented"; return 1; }
}

command -v groff > /dev/null || why="groff is not installed (make deps)"
check "man page renders without groff warnings" groff_clean "$man_page"
why=
step "vhost9p-ctl builds" "$logs/tools.log" make --no-print-directory tools
check "man page documents exactly the commands of the usage text" same_commands
why=

# ----------------------------------------------------------------------
# make install and make uninstall.

for kver in $(kernels_list 1); do
	why=
	[ -d "/lib/modules/$kver/build" ] || why="linux-headers-$kver is not installed (make deps)"

	# Into a staging root, as a package build does, after `make`.
	dest=$tmp/destdir-$kver
	step "$kver: make modules tools" "$logs/build-$kver.log" \
		make --no-print-directory KVER="$kver" modules tools
	touch "$tmp/built"
	step "$kver: make install DESTDIR=..." "$logs/install-destdir-$kver.log" \
		make --no-print-directory install KVER="$kver" DESTDIR="$dest" PREFIX=/usr
	check "$kver: make install changed nothing in build/" unchanged_since "$tmp/built" \
		"$VHOST9P_BUILD/kmod/$kver" "$VHOST9P_BUILD/tools"
	check "$kver: module in lib/modules/$kver/updates, built for $kver, devname alias" \
		module_for "$dest/lib/modules/$kver/updates/vhost_9p.ko" "$kver"
	check "$kver: vhost9p-ctl in usr/sbin, runs" \
		bash -c '[ -x "$1" ] && "$1" help | grep -q "^usage: vhost9p-ctl"' _ "$dest/usr/sbin/vhost9p-ctl"
	check "$kver: man page in usr/share/man/man8" is_file "$dest/usr/share/man/man8/vhost9p-ctl.8"
	check "$kver: those three files and nothing else (no depmod with DESTDIR)" no_files "$dest" \
		"./lib/modules/$kver/updates/vhost_9p.ko ./usr/sbin/vhost9p-ctl ./usr/share/man/man8/vhost9p-ctl.8"
	step "$kver: make uninstall DESTDIR=..." "$logs/uninstall-destdir-$kver.log" \
		make --no-print-directory uninstall KVER="$kver" DESTDIR="$dest" PREFIX=/usr
	check "$kver: make uninstall removed them" no_files "$dest"
	step "$kver: make install-tools DESTDIR=..." "$logs/install-tools-$kver.log" \
		make --no-print-directory install-tools KVER="$kver" DESTDIR="$dest" PREFIX=/usr
	check "$kver: make install-tools installs the tool and its man page only" no_files "$dest" \
		"./usr/sbin/vhost9p-ctl ./usr/share/man/man8/vhost9p-ctl.8"

	# Into a copy of the kernel's module tree, with depmod, as on the
	# machine itself.
	why=
	[ -d "/lib/modules/$kver/build" ] || why="linux-headers-$kver is not installed (make deps)"
	root=$tmp/modpath-$kver
	ko=$root/lib/modules/$kver/updates/vhost_9p.ko
	[ -n "$why" ] || stage "$root" "$kver"
	step "$kver: make install INSTALL_MOD_PATH=..." "$logs/install-modpath-$kver.log" \
		make --no-print-directory install KVER="$kver" INSTALL_MOD_PATH="$root" PREFIX="$root/usr"
	check "$kver: depmod ran: /dev/vhost-9p is in modules.devname" devname_indexed "$root" "$kver"
	check "$kver: modprobe vhost_9p resolves to it, after vhost" resolves "$root" "$kver" vhost_9p "$ko"
	check "$kver: modprobe devname:vhost-9p resolves to it" resolves "$root" "$kver" devname:vhost-9p "$ko"
	check "$kver: its symbols and their versions match the kernel's" symbols_match "$root" "$kver"
	step "$kver: make uninstall INSTALL_MOD_PATH=..." "$logs/uninstall-modpath-$kver.log" \
		make --no-print-directory uninstall KVER="$kver" INSTALL_MOD_PATH="$root" PREFIX="$root/usr"
	check "$kver: after make uninstall, modprobe finds no vhost_9p" not_resolved "$root" "$kver" vhost_9p
done

# ----------------------------------------------------------------------
# DKMS, with private trees: the system's DKMS state and module tree do not
# change.

version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' dkms.conf)

# dkms_in DIR ARGS...: dkms with its source tree, DKMS tree and install tree
# under DIR, and a throwaway signing key (dkms signs what it builds, and
# would make its key in /var/lib/dkms otherwise).
dkms_in()
{
	local dir=$1
	shift
	env -u VHOST9P_BUILD mok_signing_key="$dir/mok.key" mok_certificate="$dir/mok.pub" \
		dkms --sourcetree "$dir/src" --dkmstree "$dir/dkms" \
		--installtree "$dir/root/lib/modules" "$@"
}

# dkms_add DIR: DIR/src/vhost-9p-VERSION from `make dkms-source`, added.
dkms_add()
{
	mkdir -p "$1/src" "$1/dkms" "$1/root/lib/modules" &&
		make --no-print-directory dkms-source DESTDIR="$1/tmp" &&
		mv "$1/tmp/usr/src/vhost-9p-$version" "$1/src/" &&
		dkms_in "$1" add "vhost-9p/$version"
}

# built_module DIR KVER: the module DKMS built for KVER (compressed as the
# kernel's own modules are).
built_module()
{
	ls "$1/dkms/vhost-9p/$version/$2"/*/module/vhost_9p.ko* 2> /dev/null | head -n 1
}

# installed_module ROOT KVER: the module dkms install put in ROOT.
installed_module()
{
	ls "$1/lib/modules/$2/updates/dkms"/vhost_9p.ko* 2> /dev/null | head -n 1
}

# finds_by_name ROOT KVER KO: modinfo vhost_9p, by name, finds KO.
finds_by_name()
{
	local found
	found=$(modinfo -b "$1" -k "$2" -F filename vhost_9p 2>&1)
	[ "$found" = "$3" ] || { echo "modinfo found '$found', not '$3'"; return 1; }
}

dkms_why=
if ! command -v dkms > /dev/null; then
	dkms_why="dkms is not installed (make deps)"
elif [ -z "$version" ]; then
	dkms_why="no PACKAGE_VERSION=\"...\" line in dkms.conf"
fi

d=$tmp/dkms
why=$dkms_why
step "make dkms-source; dkms add" "$logs/dkms-add.log" dkms_add "$d"
dkms_why=$why

for kver in $(kernels_list 1); do
	why=$dkms_why
	[ -n "$why" ] || [ -d "/lib/modules/$kver/build" ] ||
		why="linux-headers-$kver is not installed (make deps)"
	step "$kver: dkms build" "$logs/dkms-build-$kver.log" \
		dkms_in "$d" build "vhost-9p/$version" -k "$kver" ||
		cp "$d/dkms/vhost-9p/$version/build/make.log" "$logs/dkms-make-$kver.log" 2> /dev/null
	check "$kver: DKMS built vhost_9p for $kver, with the devname alias" \
		module_for "$(built_module "$d" "$kver")" "$kver"

	[ -n "$why" ] || [ "$(id -u)" = 0 ] || why="dkms install needs root"
	# The install tree: a copy of the kernel's, which depmod then indexes
	# (dkms's own depmod would index the system's tree).
	root=$d/root
	[ -n "$why" ] || stage "$root" "$kver"
	step "$kver: dkms install (private install tree)" "$logs/dkms-install-$kver.log" \
		dkms_in "$d" install --no-depmod "vhost-9p/$version" -k "$kver"
	ko=$(installed_module "$root" "$kver")
	check "$kver: installed in updates/dkms, built for $kver" \
		module_for "${ko:-$root/lib/modules/$kver/updates/dkms/vhost_9p.ko}" "$kver"
	check "$kver: its symbols and their versions match the kernel's" symbols_match "$root" "$kver"
	check "$kver: modinfo vhost_9p finds it" finds_by_name "$root" "$kver" "$ko"
	check "$kver: modprobe devname:vhost-9p resolves to it, after vhost" \
		resolves "$root" "$kver" devname:vhost-9p "$ko"
	step "$kver: dkms remove" "$logs/dkms-remove-$kver.log" \
		dkms_in "$d" remove --no-depmod "vhost-9p/$version" -k "$kver"
	check "$kver: dkms remove deleted the installed module" \
		bash -c '[ -z "$(ls "$1"/lib/modules/"$2"/updates/dkms 2> /dev/null)" ]' _ "$root" "$kver"
done

# A kernel the machine installs later is in no kernels.list: DKMS still
# builds for it, finding linux-source-X.Y by the headers' version.
kver=$(default_kver)
d=$tmp/dkms-unlisted
why=$dkms_why
step "unlisted kernel: make dkms-source; dkms add" "$logs/dkms-add-unlisted.log" dkms_add "$d"
[ -n "$why" ] || sed -i '/^[^#]/d' "$d/src/vhost-9p-$version/scripts/kernels.list"
check "unlisted kernel: the copy's kernels.list names no kernel" \
	bash -c '! grep -v "^#" "$1" | grep -q .' _ "$d/src/vhost-9p-$version/scripts/kernels.list"
step "unlisted kernel: dkms build for $kver, not in kernels.list" "$logs/dkms-build-unlisted.log" \
	dkms_in "$d" build "vhost-9p/$version" -k "$kver"
check "unlisted kernel: the module is built for $kver" module_for "$(built_module "$d" "$kver")" "$kver"

# Without the linux-source of the kernel's version the build must fail, and
# say what to install: faked with a version nobody has.
d=$tmp/dkms-nosource
want="apt-get install $(kernel_field "$kver" 2)=0.0-0vhost9p.test"
why=$dkms_why
step "no linux-source: make dkms-source; dkms add" "$logs/dkms-add-nosource.log" dkms_add "$d"
[ -n "$why" ] || sed -i "s/^\(${kver}[[:space:]].*[[:space:]]\)[^[:space:]]*$/\10.0-0vhost9p.test/" \
	"$d/src/vhost-9p-$version/scripts/kernels.list"

# fails_naming_source: dkms build fails, with $want on the terminal and in
# make.log.
fails_naming_source()
{
	local out
	if out=$(dkms_in "$d" build "vhost-9p/$version" -k "$kver" 2>&1); then
		echo "$out"
		echo "dkms build succeeded"
		return 1
	fi
	grep -qF "$want" <<< "$out" ||
		{ echo "$out"; echo "no '$want' in what dkms printed"; return 1; }
	grep -qF "$want" "$d/dkms/vhost-9p/$version/build/make.log" ||
		{ echo "no '$want' in make.log"; return 1; }
}
check "no linux-source: dkms build fails, saying '$want'" fails_naming_source
why=

# After an apt upgrade linux-source may be another Debian revision of the
# kernel's upstream version, while the kernel and its headers stay: the
# build takes it when vhost-abi.sh finds its vhost.h the kernel's.  Faked
# the other way round: kernels.list names a revision of the installed
# upstream version that nobody has, so the installed source is "other".
d=$tmp/dkms-revision
srcpkg=$(kernel_field "$kver" 2)
have=$(installed_version "$srcpkg")
fake=${have%-*}-99vhost9p.test
why=$dkms_why
step "other revision: make dkms-source; dkms add" "$logs/dkms-add-revision.log" dkms_add "$d"
[ -n "$why" ] || sed -i "s/^\(${kver}[[:space:]].*[[:space:]]\)[^[:space:]]*$/\1$fake/" \
	"$d/src/vhost-9p-$version/scripts/kernels.list"
step "other revision: dkms build for $kver, built from $srcpkg $fake, with $have installed" \
	"$logs/dkms-build-revision.log" dkms_in "$d" build "vhost-9p/$version" -k "$kver"
check "other revision: the module is built for $kver" module_for "$(built_module "$d" "$kver")" "$kver"
# (DKMS keeps a successful build's make.log beside the module.)
check "other revision: make.log says $have was taken, vhost.ko's exports compared" \
	grep -q "taking $have (vhost-abi: the [0-9]* exports of vhost.ko have the CRCs" \
	"$d/dkms/vhost-9p/$version/$kver"/*/log/make.log

# vhost_source DIR KVER: DIR/drivers/vhost/vhost.[ch] of KVER's linux-source.
vhost_source()
{
	rm -rf "$1" && mkdir -p "$1" &&
		tar -C "$1" -xJf "/usr/src/$(kernel_field "$2" 2).tar.xz" --strip-components=1 \
			--wildcards '*/drivers/vhost/vhost.[ch]'
}

# change_vhost_virtqueue DIR: a member added to vhost_virtqueue in DIR's
# drivers/vhost/vhost.h.
change_vhost_virtqueue()
{
	sed -i 's/^struct vhost_virtqueue {$/&\n\tint vhost9p_test;/' "$1/drivers/vhost/vhost.h"
	grep -q vhost9p_test "$1/drivers/vhost/vhost.h" || { echo "vhost.h not changed"; return 1; }
}

# ksrc_refuses_changed_revision: the same copy's ksrc.sh, given a tarball of
# linux-source with a member added to vhost_virtqueue, refuses it, names
# the apt-get install to run and leaves no tree behind.
ksrc_refuses_changed_revision()
{
	local src=$tmp/changed-src build=$tmp/ksrc-refused out
	rm -rf "$build"
	vhost_source "$src/linux-source" "$kver" && change_vhost_virtqueue "$src/linux-source" &&
		tar -C "$src" -cJf "$src.tar.xz" linux-source || return 1
	if out=$(VHOST9P_BUILD=$build VHOST9P_KSRC_TARBALL=$src.tar.xz \
		 "$d/src/vhost-9p-$version/scripts/ksrc.sh" "$kver" 2>&1); then
		echo "$out"
		echo "ksrc.sh took it"
		return 1
	fi
	grep -qF "apt-get install $srcpkg=$fake" <<< "$out" && grep -q "exports differ" <<< "$out" ||
		{ echo "$out"; return 1; }
	[ ! -e "$build/ksrc/$kver" ] || { echo "$build/ksrc/$kver left behind"; return 1; }
}
check "other revision: ksrc.sh refuses one whose vhost_virtqueue changed, naming the apt-get install" \
	ksrc_refuses_changed_revision
why=

# abi_refuses_changed_vhost_h KVER: vhost-abi.sh takes KVER's own
# linux-source and refuses it with a member added to vhost_virtqueue.
abi_refuses_changed_vhost_h()
{
	local src=$tmp/vhost-abi-$1 out
	vhost_source "$src" "$1" || return 1
	out=$("$VHOST9P_TOP/scripts/vhost-abi.sh" "$1" "$src") ||
		{ echo "$out"; echo "refused the kernel's own source"; return 1; }
	change_vhost_virtqueue "$src" || return 1
	out=$("$VHOST9P_TOP/scripts/vhost-abi.sh" "$1" "$src")
	[ $? = 1 ] || { echo "$out"; echo "a changed vhost_virtqueue not refused with status 1"; return 1; }
	grep -q "exports differ from $1's Module.symvers" <<< "$out" || { echo "$out"; return 1; }
}
for kver in $(kernels_list 1); do
	check "$kver: vhost-abi.sh takes the kernel's linux-source, refuses it with vhost_virtqueue changed" \
		abi_refuses_changed_vhost_h "$kver"
done

# host-deps.sh, what make host-deps runs for an operator's host, asks for
# a part of what make deps installed (--check installs nothing).
for kver in $(kernels_list 1); do
	check "$kver: host-deps.sh --check finds nothing missing after make deps" \
		"$VHOST9P_TOP/scripts/host-deps.sh" --check "$kver"
done
# names_upgrade: for a kernel apt does not know, host-deps.sh fails, naming
# the upgrade to do.
names_upgrade()
{
	local out
	if out=$("$VHOST9P_TOP/scripts/host-deps.sh" --check 0.0.0-vhost9p-test 2>&1); then
		echo "$out"
		echo "host-deps.sh succeeded"
		return 1
	fi
	grep -qF "run 'apt-get full-upgrade', reboot into the new kernel" <<< "$out" ||
		{ echo "$out"; return 1; }
}
check "host-deps.sh: a kernel the archive does not have: fails, naming the upgrade" names_upgrade

echo "1..$n"
echo "# totals: pass:$pass fail:$fail skip:$skip"
[ "${#summary[@]}" = 0 ] || printf '%s\n' "${summary[@]}"
echo "RESULT $pass $fail $skip"
[ "$fail" = 0 ]
