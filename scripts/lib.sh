# SPDX-License-Identifier: GPL-2.0
# Shell helpers shared by the project's scripts.  Source it; do not run it.

VHOST9P_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VHOST9P_BUILD=${VHOST9P_BUILD:-$VHOST9P_TOP/build}

# kernels_list FIELD: print one column of scripts/kernels.list
# (1 = release, 2 = source package, 3 = its version), one line per kernel.
kernels_list()
{
	awk -v f="$1" '!/^#/ && NF { print $f }' "$VHOST9P_TOP/scripts/kernels.list"
}

default_kver()
{
	kernels_list 1 | head -n 1
}

# kernel_field KVER FIELD: one column of KVER's line in kernels.list.
kernel_field()
{
	awk -v k="$1" -v f="$2" '!/^#/ && $1 == k { print $f }' \
		"$VHOST9P_TOP/scripts/kernels.list"
}

# The variables that change what make check runs: each shrinks it (fewer
# programs, shorter fuzzing), bends its time limits or swaps its kernel or
# machine.  Handy by hand, they must never make a CI run look whole.
V9P_CHECK_KNOBS=(V9P_ONLY V9P_SKIP V9P_FUZZ_SECONDS V9P_SLOW V9P_VM_TIMEOUT
	V9P_KERNEL_ROOT V9P_L2_KVER V9P_ACCEL V9P_TCG_THREAD V9P_VM_SMP V9P_VM_MEM)

# check_knobs: print each of V9P_CHECK_KNOBS that is set; under CI
# (V9P_CI, which .ci/run sets) any of them set is refused: returns 1.
check_knobs()
{
	local v set=

	for v in "${V9P_CHECK_KNOBS[@]}"; do
		[ -n "${!v+x}" ] || continue
		echo "set in the environment, changing what runs: $v=${!v}"
		set=1
	done
	if [ -n "$set" ] && [ -n "${V9P_CI:-}" ]; then
		echo "refused under CI (V9P_CI=$V9P_CI): unset them, CI runs make check whole"
		return 1
	fi
	return 0
}

die()
{
	echo "$(basename "$0"): $*" >&2
	exit 1
}

# installed_version PKG: PKG's version if it is installed, else nothing.
installed_version()
{
	local status version
	read -r status version < <(dpkg-query -W -f='${db:Status-Status} ${Version}\n' \
		"$1" 2>/dev/null || echo none)
	if [ "$status" = installed ]; then
		echo "$version"
	fi
}

# missing_packages PKG[=VERSION]...: those not installed (at that version).
missing_packages()
{
	local p have

	for p in "$@"; do
		have=$(installed_version "${p%%=*}")
		if [ -z "$have" ] || { [ "$p" != "${p%%=*}" ] && [ "$have" != "${p#*=}" ]; }; then
			echo "$p"
		fi
	done
}

# What building QEMU with the vhost-9p device needs (qemu/build.sh).
QEMU_BUILD_PACKAGES=(dpkg-dev patch bzip2 python3 ninja-build meson pkg-config
	libglib2.0-dev libpixman-1-dev libfdt-dev libattr1-dev libcap-ng-dev
	# QEMU 10's configure makes a Python venv.
	python3-venv)

# debian_archive_uri SUITE: the URI this machine's apt takes Debian's SUITE
# from (its deb822 .sources or one-line entries), so that an entry we add
# uses the machine's own mirror; nothing when it has none.
debian_archive_uri()
{
	local f uris=

	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		# A stanza ends at a blank line; URIs may follow Suites.
		uris+=$(awk -v want="$1" '
			function stanza_end() {
				if (has && uri != "") print uri
				uri = ""; has = 0
			}
			/^[ \t]*$/ { stanza_end(); next }
			/^URIs:/ { uri = $2 }
			/^Suites:/ { for (i = 2; i <= NF; i++) if ($i == want) has = 1 }
			END { stanza_end() }' "$f")$'\n'
	done
	# deb [OPTIONS] URI SUITE COMPONENTS...
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		uris+=$(sed -n 's/^deb\(-src\)\?[ \t]\+\(\[[^]]*\][ \t]\+\)\?\([^ \t]\+\)[ \t]\+\([^ \t]\+\).*/\3 \4/p' "$f" |
			awk -v want="$1" '$2 == want { print $1 }')$'\n'
	done
	uris=$(grep -m 1 . <<< "$uris" || :)
	[ -z "$uris" ] || echo "$uris"
}

# add_apt_entries FILE TYPE SUITE...: an entry of TYPE (deb or deb-src)
# for each SUITE, from the URI the machine already takes it (or, for a
# suite it has none of, such as bookworm-backports, its release's) from,
# in FILE of its own.
add_apt_entries()
{
	local file=$1 type=$2 suite uri codename

	shift 2
	codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
	: > "$file.new"
	for suite in "$@"; do
		uri=$(debian_archive_uri "$suite")
		[ -n "$uri" ] || uri=$(debian_archive_uri "$codename")
		[ -n "$uri" ] || { rm -f "$file.new"; die "no apt source for Debian $codename to take the URI of"; }
		printf 'Types: %s\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\n' \
			"$type" "$uri" "$suite" >> "$file.new"
	done
	mv "$file.new" "$file"
}

# QEMU (qemu/build.sh): Debian 13's QEMU 10.0 source package, built on
# Debian 12 with meson and pycotap from bookworm-backports.
QEMU_SERIES=10.0
QEMU10_SOURCE_SUITE=trixie
QEMU_PYTHON_SUITE=bookworm-backports
QEMU10_SOURCES=/etc/apt/sources.list.d/vhost9p-qemu10.sources

# qemu10_sources_listed: apt knows QEMU 10.0's source and the backports'
# meson.
qemu10_sources_listed()
{
	[[ $(apt-cache showsrc qemu 2>/dev/null) == *"Version: 1:$QEMU_SERIES."* ]] &&
		[[ $(apt-cache madison meson 2>/dev/null) == *" $QEMU_PYTHON_SUITE/"* ]]
}

# qemu10_sources NAME TARGET CHECK: make apt list QEMU 10.0's source (trixie's
# deb-src) and bookworm-backports' meson and pycotap, in a file of their
# own; nothing is installed from either: qemu/build.sh downloads what it
# names.  With CHECK non-empty, only say that they are missing (status 1).
qemu10_sources()
{
	local name=$1 target=$2 check=$3 tmp

	qemu10_sources_listed && return 0
	if [ -n "$check" ]; then
		echo "$name: missing: apt entries for QEMU $QEMU_SERIES's source ($QEMU10_SOURCES)"
		return 1
	fi
	[ "$(id -u)" = 0 ] || die "$name: apt lacks QEMU $QEMU_SERIES's sources; run 'make $target' as root (or with sudo)"
	echo "$name: adding $QEMU10_SOURCE_SUITE sources and $QEMU_PYTHON_SUITE ($QEMU10_SOURCES)"
	tmp=$(mktemp -d)
	add_apt_entries "$tmp/src" deb-src "$QEMU10_SOURCE_SUITE"
	add_apt_entries "$tmp/bin" deb "$QEMU_PYTHON_SUITE"
	cat "$tmp/src" "$tmp/bin" > "$QEMU10_SOURCES"
	rm -rf "$tmp"
	apt-get update -qq || die "$name: apt-get update failed after adding $QEMU10_SOURCES"
	qemu10_sources_listed ||
		die "$name: apt lists no QEMU $QEMU_SERIES source or $QEMU_PYTHON_SUITE meson after adding $QEMU10_SOURCES"
	echo "$name: QEMU $QEMU_SERIES's sources are listed"
}

# install_packages NAME TARGET CHECK PKG[=VERSION]...: install, as root,
# the PKGs not installed.  NAME is what they are for, TARGET the make
# target that runs this; with CHECK non-empty, only say what is missing
# (status 1).  Quick when all is there.
install_packages()
{
	local name=$1 target=$2 check=$3 missing

	shift 3
	mapfile -t missing < <(missing_packages "$@")
	if [ "${#missing[@]}" = 0 ]; then
		echo "$name: everything is installed"
		return 0
	fi
	if [ -n "$check" ]; then
		echo "$name: missing: ${missing[*]}"
		return 1
	fi
	[ "$(id -u)" = 0 ] || die "$name: missing: ${missing[*]}; run 'make $target' as root (or with sudo)"
	echo "$name: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq || die "$name: apt-get update failed"
	# No recommends: a kernel's firmware and apparmor cost minutes and
	# are of no use here.
	apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null ||
		die "$name: apt-get install ${missing[*]} failed"
	echo "$name: done"
}

# client_patched KVER: true if KVER's 9p client is one client/patches
# are for (6.8 and later: netfs hands it page-sized segments).
client_patched()
{
	local major minor

	IFS=. read -r major minor _ <<< "$1"
	# (6.8-rc1: the digits only.)
	major=${major%%[!0-9]*} minor=${minor%%[!0-9]*}
	[ "${major:-0}" -gt 6 ] || { [ "${major:-0}" = 6 ] && [ "${minor:-0}" -ge 8 ]; }
}
