# SPDX-License-Identifier: GPL-2.0
#
# kernel-log.sh: what fails a run in a kernel's log, at every level of the
# VM harness: the host reading a first-level guest's console (lib.sh), the
# first-level guest its own dmesg (guest-lib.sh) and the second-level
# guests' logs (suite.sh, and l2-lib.sh in their busybox sh).  POSIX sh.

# A line matching this is the kernel reporting a bug, whatever the tests said.
BAD_KERNEL_LINES='BUG:|WARNING:|Oops|general protection fault|Kernel panic|KASAN:|UBSAN:|kmemleak: [0-9]+ new suspected|possible recursive locking|possible circular locking|inconsistent lock state|INFO: task .* blocked|soft lockup|hard LOCKUP|refcount_t:|list_(add|del) corruption|stack-protector'

# kernel_log_bad LOG PREFIX: true when the kernel log LOG (a file, read
# once: a pipe will do) reports a bug; then prints each report with 20
# lines after it (60 lines at most), each line after PREFIX, for the
# results.
kernel_log_bad()
{
	set -- "$(grep -E -A 20 "$BAD_KERNEL_LINES" "$1" | head -n 60)" "$2"
	[ -n "$1" ] || return 1
	printf '%s\n' "$1" | sed "s/^/$2/"
}
