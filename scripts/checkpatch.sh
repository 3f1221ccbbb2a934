#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# checkpatch.sh KSRC: run the kernel's checkpatch.pl --strict (from KSRC,
# an extracted linux-source) on every C source and header of the project,
# and on the kernel patches of client/patches.
# Exits non-zero if it reports anything.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

ksrc=$(realpath "$1")
cd "$VHOST9P_TOP"
mapfile -t files < <(git ls-files -co --exclude-standard '*.c' '*.h' | grep -v '^build/')
[ "${#files[@]}" -gt 0 ] || die "no C files found"

# --no-tree: we are not a kernel tree; checkpatch finds its spelling and
# const-struct lists beside itself in KSRC.  Userspace code (tools/,
# selftests/) has no BIT() macro, so that one check is for kernel code only.
checkpatch()
{
	perl "$ksrc/scripts/checkpatch.pl" --no-tree --strict --quiet --terse \
		--show-types "$@"
}
kernel=() user=() compat=()
for f in "${files[@]}"; do
	case "$f" in
	qemu/*) ;;	# QEMU's style: qemu/build.sh runs QEMU's checkpatch
	tools/* | selftests/*) user+=("$f") ;;
	*/compat.h) compat+=("$f") ;;
	*) kernel+=("$f") ;;
	esac
done
rc=0
checkpatch -f "${kernel[@]}" || rc=$?
# compat.h is the one place that tests kernel versions, and would not go
# upstream: those checks are the reason it exists.
if [ "${#compat[@]}" -gt 0 ]; then
	checkpatch --ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON,NEW_TYPEDEFS \
		-f "${compat[@]}" || rc=$?
fi
if [ "${#user[@]}" -gt 0 ]; then
	checkpatch --ignore BIT_MACRO -f "${user[@]}" || rc=$?
fi
# The client's patches, as patches: commit message and sign-off too.
# (From outside this tree: in a git work tree, checkpatch reads a patch
# the tree tracks as a file of added lines.)
mapfile -t patches < <(git ls-files -co --exclude-standard 'client/patches/*.patch')
if [ "${#patches[@]}" -gt 0 ]; then
	tmp=$(mktemp -d)
	cp "${patches[@]}" "$tmp/"
	(cd "$tmp" && checkpatch ./*.patch) || rc=$?
	rm -rf "$tmp"
fi
if [ "$rc" = 0 ]; then
	echo "checkpatch --strict: ${#files[@]} files and ${#patches[@]} patches clean"
fi
exit "$rc"
