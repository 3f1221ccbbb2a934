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

die()
{
	echo "$(basename "$0"): $*" >&2
	exit 1
}
